/*
 * message — the one-to-one message model shared by every door (private to api/).
 *
 * msg_c2c_send() is the single path by which a C2C message is stored and delivered, whether it
 * came from WebSocket `sendMessage`, REST `sendmsg`/`batchsendmsg` or `importmsg`: one store
 * call (the batching writer) and one router call. Its callback runs once, after the commit.
 */
#ifndef CHATD_API_MESSAGE_H
#define CHATD_API_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "store/message.h"

/* The message area's request limits (REST and SDK limits as Tencent documents each). */
enum {
    MSG_BATCH_MAX = 500,       /* REST batchsendmsg receivers */
    MSG_LIFETIME_MAX = 604800, /* MsgLifeTime: Tencent keeps offline messages 7 days */
    MSG_ROAM_PAGE_MAX = 100,   /* REST admin_getroammsg page (a bigger MaxCnt pages) */
    MSG_UNREAD_PEERS_MAX = 10, /* REST get_c2c_unread_msg_num peers */
    MSG_HISTORY_MAX = 100,     /* SDK history page */
    MSG_HISTORY_DEFAULT = 20,
    MSG_SYNC_MAX = 500, /* SDK syncMessages page */
    MSG_SYNC_DEFAULT = 100,
    MSG_IDS_MAX = 100, /* SDK msgIDs per request */
};

typedef struct {
    const char *sender;
    bool trusted; /* the sender is an app admin and need not be an account */
    const char *receiver;
    uint32_t random;
    const json_t *body; /* a validated MsgBody array */
    const char *cloud_custom_data;
    bool need_read_receipt;
    bool extension;       /* supportMessageExtension: takes extensions (ext/) */
    bool online_only;     /* deliver to online sessions only, never store */
    bool sync_sender;     /* also push to the sender's other sessions */
    bool deliver;         /* push at all (false for imported history) */
    bool mark_read;       /* imported history: read for both sides */
    bool imported;        /* importmsg: history from another system (no mute check) */
    bool no_unread;       /* SendMsgControl NoUnread: never counts as unread */
    int64_t ts;           /* unix seconds; 0 = now */
    uint64_t origin_conn; /* the sender's connection, skipped when syncing (0: none) */
    /* Webhooks: the sender's platform ("RESTAPI", "Web", "iPhone", …; NULL: "RESTAPI") and
     * address (NULL: "") for OptPlatform and ClientIP; the per-message switches that skip
     * C2C.CallbackBeforeSendMsg / C2C.CallbackAfterSendMsg (ForbidCallbackControl,
     * disableCloudMessagePreHook/PostHook, importmsg). */
    const char *platform;
    const char *client_ip;
    bool no_before_hook;
    bool no_after_hook;
    /* OfflinePushInfo (validated; NULL: none): the notification queued when the receiver has no
     * session in the foreground (api/push/push.h). Borrowed during msg_c2c_send(). */
    const json_t *push_info;
} msg_c2c_t;

/* The fields of a message in a send request, read with the tables of message/fields.c;
 * `given` holds the MSG_F_* bits of those present. Values are borrowed from the request. */
enum {
    MSG_F_RANDOM = 1 << 0,
    MSG_F_SEQ = 1 << 1,
    MSG_F_TIME = 1 << 2,
    MSG_F_BODY = 1 << 3,
    MSG_F_CCD = 1 << 4,
    MSG_F_PUSH = 1 << 5,
    MSG_F_SYNC = 1 << 6,
    MSG_F_LIFETIME = 1 << 7,
    MSG_F_ONLINE = 1 << 8,
    MSG_F_RECEIPT = 1 << 9,
    MSG_F_EXTENSION = 1 << 10,
    MSG_F_CONTROL = 1 << 11,
    MSG_F_FORBID = 1 << 12,
    MSG_F_NO_BEFORE = 1 << 13,
    MSG_F_NO_AFTER = 1 << 14,
};
enum { MSG_CONTROL_NO_UNREAD = 1 << 0 };                        /* SendMsgControl */
enum { MSG_FORBID_BEFORE = 1 << 0, MSG_FORBID_AFTER = 1 << 1 }; /* ForbidCallbackControl */
typedef struct {
    unsigned given;
    int64_t random, seq, time; /* MsgRandom, MsgSeq (the caller's own number), MsgTimeStamp */
    const json_t *body, *ccd, *push;
    int64_t sync, lifetime; /* SyncOtherMachine 1/2, MsgLifeTime seconds */
    bool online_only, need_read_receipt, extension;
    bool no_before_hook, no_after_hook; /* SDK disableCloudMessagePre/PostHook */
    unsigned control, forbid;           /* MSG_CONTROL_*, MSG_FORBID_* */
} msg_fields_t;

/* sendmsg, batchsendmsg and sendMessage; importmsg (MsgTimeStamp required, no send options). */
extern const field_table_t msg_send_fields;
extern const field_table_t msg_import_fields;

typedef enum {
    MSG_SEND,       /* sendmsg, sendMessage */
    MSG_SEND_BATCH, /* batchsendmsg */
    MSG_IMPORT,     /* importmsg: history from another system */
} msg_kind_t;

/* Turns a request's message fields into m's message part: random (drawn when absent), body,
 * custom data, time, the delivery options and the webhook switches, by the kind's rules
 * (importmsg fires no callbacks; online-only per OnlineOnlyFlag or MsgLifeTime). Checks what
 * spans fields: MsgBody and CloudCustomData together within 12 KB (80002). */
err_t msg_apply_fields(const msg_fields_t *f, msg_kind_t kind, msg_c2c_t *m, char *detail,
                       size_t len) MUSTCHECK;

typedef struct {
    int64_t seq; /* 0 for online-only messages */
    const char *msg_id;
    int64_t ts;
    uint32_t random;
    bool duplicate;
    const char *detail; /* a failure's ErrorInfo detail (the app's text for a refusal), or NULL */
} msg_sent_t;

/* err: ERR_OK, ERR_C2C_USER_INVALID (no such receiver), ERR_OPENIM_FROM_ACCOUNT (no such
 * sender), ERR_C2C_MUTED, ERR_DB_DOWN, ERR_INTERNAL; refused by the app's before-send callback:
 * ERR_C2C_CALLBACK_REFUSED, ERR_CALLBACK_FAILED or the app's own code (120001–130000). With
 * ERR_OK `sent` describes the message; on failure it is NULL or carries only `detail`: answer
 * with msg_fail(). A message the callback dropped is reported sent (seq 0) and goes nowhere. */
typedef void (*msg_sent_fn)(err_t err, const msg_sent_t *sent, void *arg);
void msg_c2c_send(const api_env_t *env, const msg_c2c_t *m, msg_sent_fn cb, void *arg);
/* The message a before-send callback may change: its body and custom data (heap strings the
 * app's replacement goes into) and, for the log line of a malformed answer, the command and
 * the message's ends. */
typedef struct {
    const char *command;
    const char *from, *to;
    char **body_text;
    char **ccd;
} msg_draft_t;

/* A before-send callback's answer, the same for every send path: REFUSE and DROP are answered
 * through cb(arg) with `sent` (the app's ErrorInfo as detail for a refusal) and return true:
 * the send is over, free it. ALLOW applies the app's well-formed replacement MsgBody /
 * CloudCustomData to the draft (a malformed one is logged and ignored) and returns false. */
bool msg_before_answered(const api_before_result_t *r, const msg_sent_t *sent, msg_sent_fn cb,
                         void *arg, const msg_draft_t *d);

/* The detail of a refusal by the writer's statement (a store result whose status is not OK),
 * for a send's callback; NULL when the status has none (its code says all). */
const msg_sent_t *msg_store_failure(const store_msg_result_t *r);

/* Fails the call with a send's error and its detail. */
void msg_fail(api_call_t *call, err_t err, const msg_sent_t *sent);

/* Pushes onRecvC2CReadReceipt ({receiptList: [{userID: reader, timestamp, msgSeq}]}) to
 * every session of `peer`: `reader` has read their conversation up to `read_seq`. Used by every
 * door that moves a read position (WebSocket markC2CMessageAsRead, REST admin_set_msg_read). */
void msg_push_read_receipt(const api_env_t *env, const char *reader, const char *peer,
                           int64_t read_seq);

/* A random uint32 for sends that come without one (never the same sequence twice). */
uint32_t msg_random(void);
/* A fresh msgID (32 hex characters + NUL): unique across nodes and restarts. */
void msg_new_id(char out[33]);
/* What makes two sends "the same message" for dedup: a hash of body and custom data. */
void msg_content_hash(const char *body, const char *ccd, char out[33]);

/* A stored message as a client sees it (V2TIMMessage field names) from `viewer`'s side. */
json_t *msg_to_json(const store_msg_row_t *row, const char *viewer);
/* A stored message as admin_getroammsg lists it (From_Account, To_Account, MsgSeq, MsgRandom,
 * MsgTimeStamp, MsgFlagBits, IsPeerRead, MsgKey, MsgBody, CloudCustomData). */
json_t *msg_to_rest_json(const store_msg_row_t *r);
/* Whether `name` is a MsgType ("TIMTextElem", …). */
bool msg_type_known(const char *name);
/* A messageTypeList ([V2TIMElemType] 1-10) as a JSON array text of MsgTypes (free()); sets
 * *bad when an element is not one of them. */
char *msg_types_json(const json_t *list, bool *bad);
/* A V2TIMMessageReceipt as its sender sees it (reader NULL: no userID). */
json_t *msg_receipt_json(const store_receipt_count_t *r, const char *sender, const char *reader);
/* `reader` read these messages (by msg_ids, and by keys_json [{conv, seq, random}], NULL:
 * none): receipts are recorded for those sent with needReadReceipt, and each one's sender hears
 * onRecvMessageReadReceipts; then `answer` ends the call. */
typedef void (*msg_done_fn)(api_call_t *call);
void msg_receipts_send(api_call_t *call, const char *reader, const char *const *msg_ids, size_t n,
                       const char *keys_json, msg_done_fn answer);

/* "<seq>_<random>_<time>", Tencent's MsgKey shape. */
char *msg_key(int64_t seq, uint32_t random, int64_t ts);
/* Parses a MsgKey msg_key() wrote (seq >= 1, random a uint32); false for anything else. */
bool msg_key_parse(const char *key, int64_t *seq, int64_t *random, int64_t *ts);
/* Parses "c2c_<peer>" into the conversation key between viewer and peer (heap), or NULL. */
char *msg_conv_key_from_id(const char *viewer, const char *conversation_id);

#endif
