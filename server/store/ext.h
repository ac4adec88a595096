/*
 * store/ext — message extensions and reactions (schema/009_message_extensions.sql).
 *
 * A message is addressed by msg_id, or by conv_key and seq (REST). A viewer (NULL: an app
 * administrator) must be one of a one-to-one message's two users or a member of the group.
 * Each function is one statement and calls back once with err and, on ERR_OK, `r` (borrowed,
 * valid during the callback): `found` false when no such message is visible to the viewer.
 *
 * Extensions: only messages sent with supportMessageExtension (STORE_MSG_F_EXTENSION) that are
 * not recalled take them (`supported`). Every change takes the message's next versions: the
 * new seq of a key written or deleted, LatestSeq the highest handed out, ClearSeq that of the
 * last clear. A key written with `seq` (the version the writer saw; 0: the key must not exist)
 * is written only if that is still its version (compare-and-set), atomically per key; without
 * `seq` (or for an administrator) it is written whatever its version.
 */
#ifndef CHATD_STORE_EXT_H
#define CHATD_STORE_EXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/webhook.h"

typedef struct {
    json_t *doc;
    bool found, supported;
    const char *status; /* ext_write: "ok", "too_many" (past max_keys); react: "ok",
                           "too_many_reactions", "too_many_users" */
    bool changed;       /* react: a reaction was added or removed */
    const char *conv_key, *msg_id, *sender, *receiver;
    int64_t msg_seq, random, ts;
    int64_t latest_seq, clear_seq, total;
    bool complete;
    json_t *items; /* ext_write: [{key, value, seq, ok}] in order; ext_get: [{key, value, seq}] */
    json_t *reactions; /* [{reaction, total, users: [UserID], mine}] */
    json_t *messages;  /* reactions_get: [{msg_id, found, reactions}] in order */
    json_t *users;     /* reaction_users: [{user, nick, face_url}] */
    json_t *cleared;   /* ext_write clear: [key] removed */
} store_ext_res_t;

typedef void (*store_ext_fn)(err_t err, const store_ext_res_t *r, void *arg);

/* The typed view of an answer document (one kept with json_incref, say). */
void store_ext_view(json_t *doc, store_ext_res_t *r);

/* The message: by msg_id, or (msg_id NULL) by conv_key and seq. Pinned group messages live
 * here too (group_pins, schema/011): they are per-message state as extensions are. */
typedef struct {
    const char *msg_id;
    const char *conv_key;
    int64_t seq;
    bool match_random; /* by conv_key and seq: only if its random is `random` too (MsgKey) */
    int64_t random;
    const char *viewer; /* NULL: an administrator */
} store_ext_msg_t;

typedef enum { STORE_EXT_SET = 1, STORE_EXT_DELETE = 2, STORE_EXT_CLEAR = 3 } store_ext_op_t;

/* items_json: [{key, value (set), seq (null: no compare)}] with distinct keys (clear: []).
 * A set passing max_keys keys on the message answers status "too_many" and writes nothing.
 * With `hook` (one-to-one messages only) the change writes C2C.CallbackAfterC2CMsgExtension. */
void store_ext_write(db_pool_t *db, const store_ext_msg_t *m, store_ext_op_t op,
                     const char *items_json, int max_keys, const store_webhook_origin_t *hook,
                     store_ext_fn cb, void *arg);

/* Keys with seq > start_seq, by seq, at most `limit`: items, latest_seq, clear_seq,
 * complete. */
void store_ext_get(db_pool_t *db, const store_ext_msg_t *m, int64_t start_seq, int limit,
                   store_ext_fn cb, void *arg);

/* Adds or removes the viewer's `reaction`: status, and reactions (that reaction alone, with
 * its first `top` users). */
void store_react(db_pool_t *db, const store_ext_msg_t *m, const char *reaction, bool add,
                 int max_reactions, int max_users, int top, int64_t now, store_ext_fn cb,
                 void *arg);

/* The reactions of msg_ids_json ([msgID]) seen by viewer: messages. */
void store_reactions_get(db_pool_t *db, const char *viewer, const char *msg_ids_json, int top,
                         store_ext_fn cb, void *arg);

/* The users of one reaction, oldest first from offset: users, total. */
void store_reaction_users(db_pool_t *db, const store_ext_msg_t *m, const char *reaction,
                          int64_t offset, int limit, store_ext_fn cb, void *arg);

/* Pins (or unpins) the group message msg_id for `user`: status "ok", "no_group",
 * "not_member", "no_permission" (not owner or admin), "no_message", "limit" (max_pins
 * pinned); changed; msg_id, msg_seq. */
void store_group_pin(db_pool_t *db, const char *group_id, const char *msg_id, const char *user,
                     bool pin, int max_pins, int64_t now, store_ext_fn cb, void *arg);
/* The group's pins, newest first: found (viewer is a member), items [{seq, operator,
 * pinned_at}]. */
void store_group_pins(db_pool_t *db, const char *group_id, const char *viewer, store_ext_fn cb,
                      void *arg);

#endif
