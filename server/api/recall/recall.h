/*
 * recall — changing sent messages: recall and modification, deleting for oneself, and the
 * group read receipts and clear_group_msg of the REST group service (docs/protocol.md "Recall and
 * modification", docs/rest-api.md).
 *
 * ops.c owns the rules both doors share: who may recall or modify which message and until when,
 * the after-recall / after-modify webhooks, and the pushes (onRecvMessageRevoked,
 * onRecvMessageModified) to every online session of the conversation's users, the requesting
 * one included. rest.c (admin_msgwithdraw, group_msg_recall, modify_c2c_msg, modify_group_msg,
 * the receipts, clear_group_msg) and sdk.c (revokeMessage, modifyMessage) read requests and
 * write answers.
 *
 * Every function here answers `call` exactly once (api_finish or api_fail), now or from a
 * store callback; they borrow their string arguments for the duration of the call only.
 */
#ifndef CHATD_API_RECALL_H
#define CHATD_API_RECALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "store/recall.h"

enum {
    RECALL_SEQS_MAX = 10,         /* group_msg_recall MsgSeqList */
    RECALL_REASON_MAX = 100,      /* bytes of a recall's reason */
    RECEIPT_SEQS_MAX = 50,        /* group_msg_receipt, get_group_msg_receipt MsgSeqList */
    RECEIPT_DETAIL_MAX = 200,     /* get_group_msg_receipt_detail Count */
    RECEIPT_DETAIL_DEFAULT = 100, /* … when Count is absent */
    HIDE_IDS_MAX = 50,            /* deleteMessages msgIDList */
    HIDE_KEYS_MAX = 30,           /* delete_c2c_msg_ramble MsgKeyList */
};

/* True for a group conversation key ("g:<id>"). */
bool recall_is_group(const char *conv_key);

/* True when a group statement ran (err is ERR_OK) and found the group (res->group);
 * otherwise answers call with err, or 10010, and returns false. */
bool recall_group_found(api_call_t *call, err_t err, const store_recall_res_t *res);

/* Recalls seqs of conv_key, with the after-recall webhook when it is on; sender, random and ts
 * (NULL / -1 when unknown) must match the stored message. cb (with call as its argument) gets
 * the store's result; it then calls recall_announce() for what was recalled. */
void recall_seqs(api_call_t *call, const char *conv_key, const int64_t *seqs, size_t n,
                 const char *sender, int64_t random, int64_t ts, store_recall_fn cb);
/* Tells of the recall result's items with status "ok": onRecvMessageRevoked to the
 * conversation's users, and the webhook dispatcher is woken. Returns how many. */
size_t recall_announce(api_call_t *call, const store_recall_res_t *res, const char *reason);
/* A store_recall_fn for a one-message recall: answers 20004/10030 for no such message, 20005
 * when it was recalled already, otherwise announces it (reason from the request's "reason")
 * and answers with no body. */
void recall_on_one(err_t err, const store_recall_res_t *res, void *arg);
/* Deletes messages for call->identifier (or, REST, h->user) alone (store_msg_hide): they leave
 * that user's history, sync, unread and last message on every device; the user's sessions
 * (except the requesting connection) hear onMessagesDeleted {conversationID, msgIDList} and
 * onConversationChanged. `answer` then answers the call from the store's result (done false:
 * nothing changed). */
typedef void (*recall_hidden_fn)(api_call_t *call, const store_recall_res_t *res);
void recall_hide(api_call_t *call, const store_hide_t *h, recall_hidden_fn answer);

/* revokeMessage's rules on msg_id, seen by call->identifier: one-to-one only the sender's own;
 * in a group the sender, the owner or an admin; not after msg_recall_limit_s. Then recalls. */
void recall_by_id(api_call_t *call, const char *msg_id);

/* Reads body_name / ccd_name (at least one, each valid) into m->body (heap: free()) and the
 * cloud-custom-data fields. False after answering the call with the error. */
bool recall_read_changes(api_call_t *call, const char *body_name, const char *ccd_name,
                         store_modify_t *m);
/* Applies m (a one-to-one or group message by conv_key and seq) with the after-modify webhook
 * for one-to-one messages, pushes onRecvMessageModified and answers: the new message for a
 * WebSocket caller, no body for REST; 10010 when a group conversation's group is gone. */
void recall_modify(api_call_t *call, store_modify_t *m);
/* modifyMessage's rule: only the sender's own message, found by msg_id. Then modifies it with
 * the request's msgBody / cloudCustomData. */
void recall_modify_own(api_call_t *call, const char *msg_id);

#endif
