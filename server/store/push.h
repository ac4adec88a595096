/*
 * store/push — offline push (schema/017_push.sql): the device tokens users register, and the
 * push outbox's rows. Rows are written by the message writer in the message's own transaction
 * (store/message.h, store_msg_t.push_json) for the recipients that have a token and whose
 * receive options allow a push; the engine (webhook/outbox.h) claims and acknowledges them with
 * store/outbox.h, kind STORE_OUTBOX_PUSH.
 */
#ifndef CHATD_STORE_PUSH_H
#define CHATD_STORE_PUSH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

/* Providers of a binding: the vendor that reaches the device. */
#define STORE_PUSH_APNS "apns"
#define STORE_PUSH_FCM "fcm"

/* The provider of a session's platform (its canonical name): apns for iPhone and iPad, fcm for
 * the rest. */
const char *store_push_provider(const char *platform);

/* Binds `token` to user+platform (replacing the binding there), or, with token "", removes the
 * binding. found: the user is an account (nothing is written otherwise). */
typedef void (*store_push_bind_fn)(err_t err, bool found, void *arg);
void store_push_bind(db_pool_t *db, const char *user_id, const char *platform, int64_t business_id,
                     const char *token, store_push_bind_fn cb, void *arg);
/* Removes user+platform's binding (logout, kick); cb may be NULL. */
void store_push_unbind(db_pool_t *db, const char *user_id, const char *platform, store_done_fn cb,
                       void *arg);
/* Removes the binding of user+platform when it still holds `token` (the provider said the token
 * is invalid; a newer registration is kept). cb may be NULL. */
void store_push_drop_token(db_pool_t *db, const char *user_id, const char *platform,
                           const char *token, store_done_fn cb, void *arg);

/*
 * The CTE body (for the message writer's statement, its `numbered` rows: conv, seq, sender,
 * group_id, msg_id, push) that queues the notifications of the stored messages: per message
 * whose push (jsonb {to, ats, providers, title, desc, ext, androidInfo, apnsInfo}) is set, per
 * recipient in `to` with a binding of one of `providers`, unless
 *  - the recipient's receive option in the conversation is 1 or 2, or 3 or 4 and the message
 *    does not @ them (ats holds the UserID, or "" for @all);
 *  - their global do-not-disturb (all_receive_opt, option 2) covers `now` (unix seconds):
 *    daily from start_hour:start_minute:start_second UTC for `duration` seconds (86400 or more:
 *    always), or once from start_ts for `duration` seconds.
 * The body carries provider, token, businessID, platform, userID, sender, groupID,
 * conversationID, msgID, seq, title, desc, ext, androidInfo, apnsInfo and badge: the
 * recipient's unread total with this message (conversations with receive option 1, 2 or 3 do
 * not count, as getTotalUnreadMessageCount). Rows of one recipient are written in message order.
 */
/* clang-format off */
/* Whether user expression `u` is within a global do-not-disturb window at `now` (unix s). */
#define STORE_PUSH_DND_SQL(u, now)                                                                 \
    "EXISTS (SELECT 1 FROM all_receive_opt d WHERE d.user_id = " u " AND d.opt = 2 AND"            \
    " CASE WHEN d.start_ts > 0 THEN " now " >= d.start_ts AND " now " < d.start_ts + d.duration"  \
    " ELSE d.duration >= 86400 OR ((" now " - (d.start_hour * 3600 + d.start_minute * 60"         \
    "  + d.start_second)) % 86400 + 86400) % 86400 < d.duration END)"

#define STORE_PUSH_INSERT_SQL(now)                                                                 \
    "INSERT INTO push_outbox (command, order_key, platform, body)"                                 \
    " SELECT t.provider, 'u:' || t.user_id, t.platform, json_build_object("                       \
    "  'provider', t.provider, 'token', t.token, 'businessID', t.business_id,"                     \
    "  'platform', t.platform, 'userID', t.user_id, 'sender', n.sender, 'groupID', n.group_id,"   \
    "  'conversationID', CASE WHEN n.group_id IS NULL THEN 'c2c_' || n.sender"                     \
    "   ELSE 'group_' || n.group_id END, 'msgID', n.msg_id, 'seq', n.seq,"                         \
    "  'title', n.push->>'title', 'desc', n.push->>'desc', 'ext', n.push->>'ext',"                 \
    "  'androidInfo', n.push->'androidInfo', 'apnsInfo', n.push->'apnsInfo',"                      \
    "  'badge', " STORE_TOTAL_UNREAD_SQL("bv", "bc", "t.user_id", " AND bv.conv_key <> n.conv")    \
    "   + CASE WHEN COALESCE(pv.recv_opt, 0) IN (1, 2, 3) THEN 0"                                  \
    "     ELSE GREATEST(n.seq - COALESCE(" STORE_POSITION_SQL("pv") ", 0), 1) END)"                \
    " FROM numbered n CROSS JOIN LATERAL jsonb_array_elements_text(n.push->'to') AS r(u)"         \
    " JOIN push_tokens t ON t.user_id = r.u AND n.push->'providers' ? t.provider"                 \
    " LEFT JOIN conv_views pv ON pv.user_id = r.u AND pv.conv_key = n.conv"                        \
    " WHERE n.push IS NOT NULL AND r.u <> n.sender"                                                \
    "  AND (COALESCE(pv.recv_opt, 0) = 0 OR (pv.recv_opt IN (3, 4)"                                \
    "   AND (n.push->'ats' ? r.u OR n.push->'ats' ? '')))"                                         \
    "  AND NOT " STORE_PUSH_DND_SQL("r.u", now)                                                     \
    " ORDER BY t.user_id, n.conv, n.seq"
/* clang-format on */

/* ---- push to all users (v4/all_member_push) ----
 *
 * Each operation is one statement taking one JSON request ($1) and answering one JSON document
 * (valid during the callback):
 *  SET_ATTR_NAMES  {"0": name, …}                      -> {}
 *  GET_ATTR_NAMES  {}                                  -> {AttrNames: {"0": name, …}}
 *  GET_ATTRS       [UserID]                            -> {UserAttrs: [{To_Account, Attrs}],
 * missing} SET_ATTRS       [{To_Account, Attrs: {name: value}}] -> {bad_names, missing}; nothing
 * set unless both are empty REMOVE_ATTRS    [{To_Account, Attrs: {name: …}}]    -> {missing}
 *  GET_TAGS        [UserID]                            -> {UserTags: [{To_Account, Tags}], missing}
 *  ADD_TAGS        [{To_Account, Tags: [tag]}]         -> {missing, over}: over = users that would
 *                                                          pass STORE_PUSH_TAGS_MAX; nothing added
 *                                                          unless both are empty
 *  REMOVE_TAGS     [{To_Account, Tags: [tag]}]         -> {missing}
 *  REMOVE_ALL_TAGS [UserID]                            -> {missing}
 *  PUSH            {task_id, random, condition?, notice} -> {TaskId, new}: a task with the same
 *                                                          random within 7 days is that task
 *  JOB_STEP        {page, now}                         -> {task, done, queued}: one page of the
 *                                                          oldest open task (task null: none)
 */
#define STORE_PUSH_TAGS_MAX 100

typedef enum {
    STORE_PUSH_SET_ATTR_NAMES = 0,
    STORE_PUSH_GET_ATTR_NAMES,
    STORE_PUSH_GET_ATTRS,
    STORE_PUSH_SET_ATTRS,
    STORE_PUSH_REMOVE_ATTRS,
    STORE_PUSH_GET_TAGS,
    STORE_PUSH_ADD_TAGS,
    STORE_PUSH_REMOVE_TAGS,
    STORE_PUSH_REMOVE_ALL_TAGS,
    STORE_PUSH_PUSH,
    STORE_PUSH_JOB_STEP,
    STORE_PUSH_NOPS
} store_push_op_t;

typedef void (*store_push_doc_fn)(err_t err, json_t *doc, void *arg);
void store_push_run(db_pool_t *db, store_push_op_t op, const char *request_json,
                    store_push_doc_fn cb, void *arg);

#endif
