/*
 * store/message — messages: the batching writer and the reads (history, sync, receipts).
 *
 * The writer is how every stored message enters PostgreSQL. Sends that arrive during one loop
 * pass are committed together by one statement in one transaction (group commit); while that
 * transaction is in flight the next sends gather for the following one. Each send's callback
 * runs only after its transaction committed (acknowledged = durable), exactly once.
 *
 * Inside the statement, per message: for a group message the group must exist and the sender
 * be an unmuted member (member mute, mute-all for plain members, global group mute) unless
 * `trusted`; for a one-to-one message the receiver must exist (else STORE_MSG_NO_RECEIVER), the
 * sender must exist unless `trusted` (else STORE_MSG_NO_SENDER) and not be globally muted (else
 * STORE_MSG_MUTED); a message equal to one the same sender stored in the same conversation with
 * the same random and hash within the dedup window is not stored again: its first result comes
 * back with `duplicate` set. Accepted messages get the conversation's next seq, gapless.
 */
#ifndef CHATD_STORE_MESSAGE_H
#define CHATD_STORE_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/webhook.h"

struct event_base;
typedef struct store_msg_writer store_msg_writer_t;

/* `lanes` transactions may be in flight at once (conversations are spread over them). */
store_msg_writer_t *store_msg_writer_new(struct event_base *base, db_pool_t *db, int dedup_window_s,
                                         int lanes);
/* Callbacks of sends not yet committed get ERR_DB_DOWN. */
void store_msg_writer_free(store_msg_writer_t *w);

/* Message flags. */
#define STORE_MSG_F_RECEIPT 1    /* sent with needReadReceipt */
#define STORE_MSG_F_NO_UNREAD 2  /* never counts as unread (tips, targeted, NoUnread) */
#define STORE_MSG_F_TARGETED 4   /* only msg_targets members (and the sender) see it */
#define STORE_MSG_F_TIP 8        /* a group tips/system message */
#define STORE_MSG_F_RECALLED 16  /* recalled: body [] and no CloudCustomData (store/recall.h) */
#define STORE_MSG_F_EXTENSION 32 /* sent with supportMessageExtension (store/ext.h) */

typedef struct {
    const char *conv_key;
    const char *sender;
    const char *receiver; /* one-to-one peer */
    uint32_t random;
    const char *hash;
    const char *msg_id;
    int64_t ts;
    const char *body;              /* MsgBody JSON text */
    const char *cloud_custom_data; /* may be NULL */
    int flags;
    bool trusted;             /* sender needs no account (an app admin) */
    bool mark_read;           /* also move the receiver's read position (imported history) */
    const char *group_id;     /* group messages: the group (receiver is NULL) */
    const char *targets_json; /* targeted group message: JSON array of the members who see it */
    const char *ats_json;     /* @ mentions: JSON array of UserIDs, "" for @all */
    bool imported;            /* history imported from another system: no mute check */
    /* Merged lists the message's body names by JsonMsgKey (msgbody_stored_form()'s lists:
     * [{key, list} or {key, from}], NULL: none), stored with it; a `from` key the sender (unless
     * trusted) cannot read refuses the message (STORE_MSG_NO_MERGED). */
    const char *mergers_json;
    /* One-to-one, neither trusted nor imported: the receiver's blocklist refuses the sender
     * (STORE_MSG_BLOCKED); with check_friends both must have the other as a friend
     * (STORE_MSG_NOT_FRIENDS, _NOT_PEERS_FRIEND, _PEER_NOT_FRIEND). */
    bool check_friends;
    /* After-send callback (C2C.CallbackAfterSendMsg, or Group.CallbackAfterSendMsg for a group
     * message): when hook_platform is set (its OptPlatform: "RESTAPI", "Web", …), a stored, not
     * duplicate, message also writes its event to the webhook outbox in the same transaction,
     * with ClientIP hook_client_ip (NULL: ""). */
    const char *hook_platform;
    const char *hook_client_ip;
    /* Offline push: a stored, not duplicate, message also queues its notification in the push
     * outbox (store/push.h), same transaction, for each recipient of push_json's `to` that has
     * a device token and whose receive options allow it (STORE_PUSH_INSERT_SQL). NULL: none. */
    const char *push_json;
} store_msg_t;

typedef enum {
    STORE_MSG_OK = 0,
    STORE_MSG_NO_RECEIVER,
    STORE_MSG_NO_SENDER,
    STORE_MSG_MUTED,
    STORE_MSG_NO_GROUP,         /* the group does not exist */
    STORE_MSG_NOT_MEMBER,       /* the sender is not a member */
    STORE_MSG_BLOCKED,          /* the receiver blocked the sender */
    STORE_MSG_NOT_FRIENDS,      /* check_friends: neither has the other */
    STORE_MSG_NOT_PEERS_FRIEND, /* … the sender is not in the receiver's list */
    STORE_MSG_PEER_NOT_FRIEND,  /* … the receiver is not in the sender's list */
    STORE_MSG_NO_MERGED,        /* a forwarded merged list the sender cannot read */
} store_msg_status_t;

/* The status a relation check answers (STORE_SNS_SEND_CHECK_SQL: "blocked", …; NULL: OK). */
store_msg_status_t store_msg_relation_status(const char *s);

typedef struct {
    store_msg_status_t status;
    int64_t seq;
    const char *msg_id; /* the stored one (the original's, for a duplicate) */
    int64_t ts;
    bool duplicate;
    int recv_opt;         /* the receiver's receive option for this conversation (one-to-one) */
    int64_t committed_us; /* mono_us() when its transaction's commit was known */
} store_msg_result_t;

/* err is ERR_OK with *r filled, or ERR_DB_DOWN / ERR_INTERNAL (nothing stored). */
typedef void (*store_msg_fn)(err_t err, const store_msg_result_t *r, void *arg);
/* Copies *m; cb runs after the commit. */
void store_msg_submit(store_msg_writer_t *w, const store_msg_t *m, store_msg_fn cb, void *arg);

/* Builds the conversation key of the pair (a, b) into a heap string. */
char *store_conv_key_c2c(const char *a, const char *b);

/* ---- reads ---- */

typedef struct {
    const char *conv_key;
    int64_t seq;
    const char *sender;
    const char *receiver;
    uint32_t random;
    const char *msg_id;
    int64_t ts;
    const char *body; /* MsgBody JSON text */
    const char *cloud_custom_data;
    int flags;
    int64_t peer_read_seq; /* the receiver's read position in this conversation */
    bool receipt_read;     /* a message-level read receipt exists (needReadReceipt) */
} store_msg_row_t;

/* Rows valid during the callback only. */
typedef void (*store_msgs_fn)(err_t err, const store_msg_row_t *rows, size_t n, void *arg);

/* Newest first: messages of conv_key visible to `viewer` (after its deletion point) with seq
 * below `before_seq` (0: from the newest), at most `count`. */
void store_msg_history(db_pool_t *db, const char *conv_key, const char *viewer, int64_t before_seq,
                       int count, store_msgs_fn cb, void *arg);
/* Oldest first within [min_time, max_time] (unix s), seq below before_seq (0: none). */
void store_msg_history_range(db_pool_t *db, const char *conv_key, const char *viewer,
                             int64_t min_time, int64_t max_time, int64_t before_seq, int count,
                             store_msgs_fn cb, void *arg);
/* getHistoryMessageListV2's query: older (newest first, seqs below from_seq) or newer (oldest
 * first, seqs above it); from_seq 0: from that end. Only messages with time_from <= ts (and
 * ts <= time_to when it is not 0), an element of one of types_json's MsgTypes (NULL: any), a
 * seq of seqs_json (NULL: any). */
typedef struct {
    bool newer;
    int64_t from_seq, time_from, time_to;
    const char *types_json, *seqs_json;
    int count;
} store_history_q_t;
void store_msg_history_v2(db_pool_t *db, const char *conv_key, const char *viewer,
                          const store_history_q_t *q, store_msgs_fn cb, void *arg);
/* The messages with these msgIDs that `viewer` sent or received and can still see. */
void store_msg_find(db_pool_t *db, const char *viewer, const char *const *msg_ids, size_t n,
                    store_msgs_fn cb, void *arg);

/* A message search (searchCloudMessages, chatd_search/message_search): the messages `viewer`
 * (NULL: the whole app, for administrators) may read (as store_msg_find: participant, after the
 * deletion point, visible, not deleted for themselves) and that are not recalled, in conv_key
 * (NULL: every conversation), with keywords_json's keywords ([text], NULL: no keyword test; matched
 * case-insensitively as substrings of the body's text, schema/016_search.sql) — every one
 * (match_all) or any —, from a sender of senders_json ([UserID], NULL: any), with an element of
 * types_json
 * ([MsgType], NULL: any), time_from <= ts (and ts <= time_to unless 0). Newest first by (ts,
 * conv_key, seq), after the cursor (after_conv_key NULL: from the newest), at most count. */
typedef struct {
    const char *conv_key;
    const char *keywords_json;
    bool match_all;
    const char *senders_json, *types_json;
    int64_t time_from, time_to;
    int64_t after_ts, after_seq;
    const char *after_conv_key;
    int count;
} store_msg_search_q_t;
/* The page (rows and, per row, the number of hits in its conversation) and the totals: hits
 * and conversations with a hit. Valid during the callback only. */
typedef struct {
    const store_msg_row_t *rows;
    int64_t *conv_hits;
    size_t n;
    int64_t total, conversations;
} store_msg_search_res_t;
typedef void (*store_msg_search_fn)(err_t err, const store_msg_search_res_t *r, void *arg);
void store_msg_search(db_pool_t *db, const char *viewer, const store_msg_search_q_t *q,
                      store_msg_search_fn cb, void *arg);

/* The MsgList (JSON text, valid during the callback) stored under a merged message's
 * JsonMsgKey, or NULL when there is none that `viewer` can see (store_msg_t.mergers_json). */
typedef void (*store_merged_fn)(err_t err, const char *list, void *arg);
void store_merged_get(db_pool_t *db, const char *viewer, const char *key, store_merged_fn cb,
                      void *arg);

typedef struct {
    const char *conv_key;
    const char *peer;
    int64_t peer_read_seq;
    int64_t peer_read_time;
} store_read_pos_t;
typedef void (*store_sync_fn)(err_t err, const store_msg_row_t *rows, size_t n,
                              const store_read_pos_t *reads, size_t nreads, void *arg);
/* What `viewer` missed: messages after the given positions ({conv_key: seq} JSON text; a
 * conversation not named starts at the viewer's deletion point), ordered by conversation then
 * seq, at most `count`; and the peers' read positions of those conversations. */
void store_msg_sync(db_pool_t *db, const char *viewer, const char *positions_json, int count,
                    store_sync_fn cb, void *arg);

/* Moves viewer's read position in conv_key up to `upto_seq` (0: the newest message), or, when
 * upto_time > 0, up to the newest message sent at or before that unix time. Calls back with
 * the new position (0 rows when the viewer has no such conversation). hook (NULL: none):
 * records C2C.CallbackAfterMsgReport when a one-to-one position moved. */
typedef void (*store_read_fn)(err_t err, bool found, int64_t read_seq, const char *peer, void *arg);
void store_conv_mark_read(db_pool_t *db, const char *viewer, const char *conv_key, int64_t upto_seq,
                          int64_t upto_time, int64_t now, const store_webhook_origin_t *hook,
                          store_read_fn cb, void *arg);

typedef struct {
    const char *peer;
    int64_t unread;
} store_unread_t;
typedef void (*store_unread_fn)(err_t err, const store_unread_t *rows, size_t n, void *arg);
/* One-to-one unread counts of `user`, per peer (all peers when peers is NULL). */
void store_c2c_unread(db_pool_t *db, const char *user, const char *const *peers, size_t npeers,
                      store_unread_fn cb, void *arg);

/* Records that `reader` read these received messages (those sent with needReadReceipt): by
 * msg_ids, and by keys_json [{conv, seq, random}] (NULL: none); calls back with the messages
 * that qualified (sender, conv_key, seq, msg_id set). With `hook`, the group messages newly
 * acknowledged write Group.CallbackAfterReadReceipt in the same transaction. */
void store_receipts_add(db_pool_t *db, const char *reader, const char *const *msg_ids, size_t n,
                        const char *keys_json, int64_t now, const store_webhook_origin_t *hook,
                        store_msgs_fn cb, void *arg);
/* The messages with these ids sent by `sender`, with receipt_read set. */
void store_receipts_get(db_pool_t *db, const char *sender, const char *const *msg_ids, size_t n,
                        store_msgs_fn cb, void *arg);

/* Global mute (openconfigsvr): sets the given fields (negative: unchanged). */
void store_mute_set(db_pool_t *db, const char *user, int64_t c2c_until, int64_t group_until,
                    store_done_fn cb, void *arg);
typedef void (*store_mute_fn)(err_t err, bool found, int64_t c2c_until, int64_t group_until,
                              void *arg);
void store_mute_get(db_pool_t *db, const char *user, store_mute_fn cb, void *arg);

/* A group's type and member list with each member's receive option (for fan-out);
 * found=false when the group does not exist. */
typedef void (*store_group_fanout_fn)(err_t err, bool found, const char *type,
                                      const store_ids_t *members, const int *recv_opts, void *arg);
void store_group_fanout(db_pool_t *db, const char *group_id, store_group_fanout_fn cb, void *arg);

/* Read receipts of messages `sender` sent: how many read it, and (groups) how many members
 * other than the sender there are. */
typedef struct {
    const char *msg_id;
    const char *conv_key;
    int64_t seq;
    int64_t read_count;
    int64_t member_count; /* group messages; 0 for one-to-one */
} store_receipt_count_t;
typedef void (*store_receipt_counts_fn)(err_t err, const store_receipt_count_t *rows, size_t n,
                                        void *arg);
void store_receipt_counts(db_pool_t *db, const char *sender, const char *const *msg_ids, size_t n,
                          store_receipt_counts_fn cb, void *arg);

/* Members of the group message's group (other than its sender) who have (read) or have not
 * read it; ordered by UserID, from `offset`. */
void store_receipt_members(db_pool_t *db, const char *sender, const char *msg_id, bool read,
                           int64_t offset, int count, store_ids_fn cb, void *arg);

/* For online-only one-to-one messages (no store): whether both accounts exist, whether the
 * sender is globally muted at `now`, the relation check (`relation`, as the writer's, with
 * check_friends) and the receiver's receive option for the conversation. */
typedef void (*store_c2c_check_fn)(err_t err, bool receiver_ok, bool sender_ok, bool muted,
                                   store_msg_status_t relation, int recv_opt, void *arg);
void store_c2c_check(db_pool_t *db, const char *sender, const char *receiver, int64_t now,
                     bool check_friends, store_c2c_check_fn cb, void *arg);

/* For group messages that are not stored (online-only, AVChatRoom): whether `sender` may not
 * speak in the group at `now`, by the same rule the writer applies to stored sends (false when
 * they are no member: the caller checked membership). */
typedef void (*store_muted_fn)(err_t err, bool muted, void *arg);
void store_group_sender_muted(db_pool_t *db, const char *group_id, const char *sender, int64_t now,
                              store_muted_fn cb, void *arg);

#endif
