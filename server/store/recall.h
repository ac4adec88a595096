/*
 * store/recall — changing stored messages after the fact: recall, modify, group read receipts
 * by seq, and clearing a group's history.
 *
 * A recalled message keeps its row and seq (history stays gapless) with flag
 * STORE_MSG_F_RECALLED; its MsgBody becomes [] and its CloudCustomData NULL in the same
 * statement, so every read reports it without content. Each function is one statement (one
 * transaction); after-callbacks are written to the webhook outbox in it when asked (hook
 * fields set), so the event exists exactly when the change does.
 *
 * Each statement answers one JSON document, decoded here into store_recall_res_t (the fields a
 * function documents as {found, items, …}; the rest zero), valid during the callback only.
 */
#ifndef CHATD_STORE_RECALL_H
#define CHATD_STORE_RECALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/message.h"
#include "store/store.h"

typedef struct {
    json_t *doc; /* NULL when err != ERR_OK */
    bool found, group, member, done;
    const char *conv_key, *sender, *receiver, *role, *status;
    int64_t seq, ts, random, flags, deleted;
    json_t *items; /* read with store_recall_item() */
    size_t n_items;
    json_t *users;
    bool has_message;
    store_msg_row_t message; /* store_msg_modify: the new row (its body text is the store's) */
} store_recall_res_t;

/* One entry of `items`: recall {seq, status, msg_id, sender, receiver}; receipt_add {seq,
 * msg_id, sender}; receipt_counts {seq, ok, read, unread}; hide {seq, msg_id, conv_key,
 * status}. */
typedef struct {
    int64_t seq;
    const char *status, *msg_id, *conv_key, *sender, *receiver;
    bool ok;
    int64_t read, unread;
} store_recall_item_t;

void store_recall_item(const store_recall_res_t *r, size_t i, store_recall_item_t *out);

typedef void (*store_recall_fn)(err_t err, const store_recall_res_t *r, void *arg);

/* The message msg_id as `viewer` may address it (sender, receiver, or a member of its group):
 * {found, conv_key, seq, sender, receiver, ts, random, flags, role} — role is the viewer's
 * group role ("Owner", "Admin", "Member") for a group message, else null. */
void store_msg_lookup(db_pool_t *db, const char *msg_id, const char *viewer, store_recall_fn cb,
                      void *arg);

/* Deleting messages for one user (deleteMessages, openim/delete_c2c_msg_ramble): by msgIDs,
 * or (conv_key set) by seq with the MsgKey's random and time (< 0: not checked). The messages
 * leave that user's history, sync, unread and last message; the other participants keep them;
 * a one-to-one message nobody can see any more is purged later. all: nothing changes unless
 * every item is the user's to delete. {done, items: [{seq, msg_id, conv_key, status: "ok" |
 * "missing"}]} in request order ("missing": no such message of theirs, or already deleted). */
typedef struct {
    int64_t seq, random, ts;
} store_msg_key_t;

typedef struct {
    const char *user;
    const char *const *msg_ids; /* conv_key NULL */
    const char *conv_key;
    const store_msg_key_t *keys; /* conv_key set */
    size_t n;
    bool all;
    int64_t now;
} store_hide_t;

void store_msg_hide(db_pool_t *db, const store_hide_t *h, store_recall_fn cb, void *arg);

typedef enum {
    STORE_RECALL_HOOK_NONE = 0,
    STORE_RECALL_HOOK_C2C,   /* C2C.CallbackAfterMsgWithDraw per recalled message */
    STORE_RECALL_HOOK_GROUP, /* one Group.CallbackAfterRecallMsg for the recalled seqs */
} store_recall_hook_t;

typedef struct {
    const char *conv_key;
    const int64_t *seqs;
    size_t nseqs;
    const char *sender; /* only messages of this sender (NULL: any) */
    int64_t random, ts; /* MsgKey check on the message (negative: none) */
    store_recall_hook_t hook;
    const char *hook_platform; /* OptPlatform */
    const char *hook_client_ip;
    const char *operator_id; /* Group.CallbackAfterRecallMsg's Operator_Account */
} store_recall_t;

/* Recalls: {conv_key, group (a group conversation whose group exists), items: [{seq, status: "ok" |
 * "missing" | "recalled", msg_id, sender, receiver}]} in seq order ("recalled": it already was). */
void store_msg_recall(db_pool_t *db, const store_recall_t *r, store_recall_fn cb, void *arg);

typedef struct {
    const char *conv_key;
    int64_t seq;
    const char *sender; /* only a message of this sender (NULL: any) */
    int64_t random, ts; /* MsgKey check (negative: none) */
    const char *body;   /* new MsgBody JSON text, NULL: unchanged */
    bool set_ccd;
    const char *ccd;           /* new CloudCustomData when set_ccd (NULL: none) */
    bool hook;                 /* C2C.CallbackAfterModifyMsg (one-to-one messages) */
    const char *hook_platform; /* OptPlatform */
    const char *hook_client_ip;
    const char *operator_id;
} store_modify_t;

/* Modifies: {group (as for recall), status: "ok" | "missing" | "recalled", message: {conv_key, seq,
 * sender, receiver, random, msg_id, ts, body, ccd, flags, peer_read_seq} (the new row, when ok)}.
 */
void store_msg_modify(db_pool_t *db, const store_modify_t *m, store_recall_fn cb, void *arg);

/* `reader` read these messages of the group (those sent with a read receipt request, not
 * recalled, not their own): {group, member, items: [{seq, msg_id, sender}]} (the qualifying
 * ones; group/member: whether the group exists and the reader is a member). With `hook`,
 * Group.CallbackAfterReadReceipt for the newly acknowledged ones, same transaction. */
void store_group_receipt_add(db_pool_t *db, const char *group_id, const char *reader,
                             const int64_t *seqs, size_t n, int64_t now,
                             const store_webhook_origin_t *hook, store_recall_fn cb, void *arg);
/* {group, items: [{seq, ok, read, unread}]} in request order; ok false when the seq is no
 * message sent with a read receipt request. Counts are over the current members other than
 * the sender. */
void store_group_receipt_counts(db_pool_t *db, const char *group_id, const int64_t *seqs, size_t n,
                                store_recall_fn cb, void *arg);
/* {group, found, users: [...]}: members other than the sender who have (read) or have not read
 * message `seq`, ordered by UserID, after `after` ("" from the start), at most `count`. */
void store_group_receipt_members(db_pool_t *db, const char *group_id, int64_t seq, bool read,
                                 const char *after, int count, store_recall_fn cb, void *arg);

/* Deletes the group's messages with seq <= upto (upto <= 0: all), with their @ mentions,
 * targets and receipts; the group's last_seq stays. {group, deleted}. */
void store_group_clear_msgs(db_pool_t *db, const char *group_id, int64_t upto, store_recall_fn cb,
                            void *arg);

#endif
