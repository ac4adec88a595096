/*
 * store/sns — every SQL statement about relationship chains (schema/008_relationships.sql):
 * friends, friend requests, friend lists (friend groups), the blocklist and the per-user
 * version counter the REST answers call StandardSequence / CurrentSequence.
 *
 * Each function is one statement (one round trip, one transaction) that locks the owner's
 * account row first, so the changes of one user's chains run one at a time. It calls back
 * exactly once with err (ERR_OK, ERR_DB_DOWN, ERR_INTERNAL) and, on ERR_OK, `r`: the typed
 * answer, whose fields each function documents. `found` is false when the owner is not an
 * account (then nothing was written). `r` and what it points to are borrowed: valid during the
 * callback only. Objects inside results are read through the views below; their keys are spelt
 * once, in sns.c.
 *
 * Per-target outcomes are statuses (strings) rather than codes: the area (api/friend/) maps them
 * to Tencent's codes, so one rule answers both doors.
 *   "ok", "pending" (a request was stored: the peer must confirm), "no_user", "self",
 *   "already" (already friends that way), "blocked_by_me", "blocked_by_peer", "deny" (the
 *   peer's AllowType is DenyAny), "forbidden" (the owner's AdminForbidType is SendOut),
 *   "my_limit", "peer_limit", "pending_limit", "group_limit", "block_limit", "not_friend",
 *   "exists" (already in the blocklist), "list_exists" (a friend list of that name exists),
 *   "not_blocked", "missing" (no such friend list), "no_request", "no_request_to_delete".
 *
 * After-events (Sns.CallbackFriendAdd, …FriendDelete, …BlackListAdd, …BlackListDelete) are
 * written in the statement's own transaction when the caller passes their origin; order key
 * 'u:<owner>'.
 */
#ifndef CHATD_STORE_SNS_H
#define CHATD_STORE_SNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/webhook.h"

typedef struct {
    json_t *doc; /* the whole answer; NULL when err != ERR_OK */
    bool found;
    const char *status; /* one-target statements */
    int64_t total, version, unread, changed;
    json_t *items;        /* [item] in the request's order */
    json_t *friends;      /* [friend] rows of the owner's list written or read */
    json_t *peer_friends; /* [{owner, friend}] rows written in other users' lists */
    json_t *deleted;      /* [UserID] removed from the owner's list */
    json_t *peer_deleted; /* [UserID] users whose list lost the owner */
    json_t *requests;     /* [request] */
    json_t *settled;      /* [request] requests removed (answered, withdrawn, made moot) */
    json_t *blocked;      /* [block] */
    json_t *groups;       /* [fgroup] */
} store_sns_res_t;

typedef void (*store_sns_fn)(err_t err, const store_sns_res_t *r, void *arg);

/* ---- views ---- */

typedef struct {
    const char *user; /* the friend */
    const char *remark, *source, *wording;
    int64_t add_time;
    const json_t *groups;  /* [name] */
    const json_t *custom;  /* {"Tag_SNS_Custom_<key>": value} */
    const json_t *profile; /* the friend's profile {tag: value} */
} store_sns_friend_t;

/* A target's outcome, or (store_sns_relations) its relations to the owner. */
typedef struct {
    const char *user;
    const char *status;
    bool exists, have, has_me, i_block, they_block; /* relations only */
    const json_t *friend;                           /* relations only: friend or NULL */
} store_sns_item_t;

typedef struct {
    const char *user, *peer; /* user asked to add peer */
    bool both;
    const char *remark, *group, *source, *wording;
    int64_t add_time;
    bool read;
    const json_t *user_profile, *peer_profile; /* {tag: value} */
} store_sns_request_t;

typedef struct {
    const char *user;
    int64_t add_time;
    const json_t *profile;
} store_sns_block_t;

typedef struct {
    const char *name;
    int64_t count;
    const json_t *friends; /* [UserID] */
} store_sns_fgroup_t;

bool store_sns_friend_view(const json_t *obj, store_sns_friend_t *out);
bool store_sns_item_view(const json_t *obj, store_sns_item_t *out);
bool store_sns_request_view(const json_t *obj, store_sns_request_t *out);
bool store_sns_block_view(const json_t *obj, store_sns_block_t *out);
bool store_sns_fgroup_view(const json_t *obj, store_sns_fgroup_t *out);
/* An element of peer_friends: the owner of the list and the friend row. */
bool store_sns_peer_friend_view(const json_t *obj, const char **owner, store_sns_friend_t *out);

/* Limits the statements enforce inside their transaction (the area's numbers). */
typedef struct {
    int friends;  /* friends per user */
    int requests; /* pending requests to one user */
    int groups;   /* friend lists per user */
    int blocked;  /* blocklist entries per user */
} store_sns_limits_t;

/* An after-event to write: its origin, and fields every event body carries (a JSON object
 * text: ClientCmd, Admin_Account, ForceFlag for FriendAdd; NULL: {}). */
typedef struct {
    const store_webhook_origin_t *origin; /* NULL: the command is off */
    const char *fields_json;
} store_sns_hook_t;

/* ---- friends ---- */

/* Adds friends. items_json: [{peer, remark, groups: [name], source, wording, add_time, custom:
 * {tag: value}}] in order. Each target is judged: no_user, self, blocked_by_me,
 * blocked_by_peer, already, group_limit (a new friend list would pass the limit); unless
 * `force`: forbidden, deny, pending (AllowType NeedConfirm or unset, unless the peer has the
 * owner in their list already; the request is stored or refreshed) or pending_limit; then
 * my_limit / peer_limit; else ok: the row owner→peer (and, `both`, peer→owner) is written, the
 * friend lists it names are created, and requests the new rows answer are settled. `import`:
 * never a request (friend_import; `already` for any existing row). Answers {found, items,
 * friends (new rows of the owner), peer_friends, requests (stored), settled, version}. */
void store_sns_add(db_pool_t *db, const char *owner, const char *items_json, bool both, bool force,
                   bool import, int64_t now, const store_sns_limits_t *lim,
                   const store_sns_hook_t *hook, store_sns_fn cb, void *arg);

/* The owner answers peer's request: action "agree" (peer→owner is written), "agree_and_add"
 * (also owner→peer, with remark and group, "" for none) or "reject". Answers {found, status
 * (ok, no_request, peer_limit, my_limit, group_limit), friends, peer_friends, settled,
 * version}. */
void store_sns_respond(db_pool_t *db, const char *owner, const char *peer, const char *action,
                       const char *remark, const char *group, int64_t now,
                       const store_sns_limits_t *lim, const store_sns_hook_t *hook, store_sns_fn cb,
                       void *arg);

/* Withdraws a request: incoming (peer's to the owner) or the owner's own to peer. {found,
 * status (ok, no_request_to_delete), settled}. */
void store_sns_request_delete(db_pool_t *db, const char *owner, const char *peer, bool incoming,
                              store_sns_fn cb, void *arg);

/* The owner's requests, newest first: incoming and/or outgoing. {found, unread (incoming not
 * read), requests}. */
void store_sns_requests(db_pool_t *db, const char *owner, bool incoming, bool outgoing,
                        store_sns_fn cb, void *arg);

/* Marks the owner's incoming requests read: {found, changed}. */
void store_sns_requests_read(db_pool_t *db, const char *owner, store_sns_fn cb, void *arg);

/* Deletes friends (peers_json: [UserID]; NULL: every friend of the owner), and with `both`
 * the owner from their lists: {found, items (ok, no_user, not_friend), deleted, peer_deleted,
 * version}. */
void store_sns_delete(db_pool_t *db, const char *owner, const char *peers_json, bool both,
                      const store_sns_hook_t *hook, store_sns_fn cb, void *arg);

/* Changes friend rows. items_json: [{peer, remark (null: keep), groups ([name] or null: keep),
 * custom ({tag: value} merged, or null)}]. {found, items (ok, no_user, not_friend,
 * group_limit), friends (the rows as changed), version}. */
void store_sns_update(db_pool_t *db, const char *owner, const char *items_json, int64_t now,
                      const store_sns_limits_t *lim, store_sns_fn cb, void *arg);

/* Every relation of the owner to each of peers_json ([UserID]): {found, items: [{user,
 * exists, have, has_me, i_block, they_block, friend}]}; friend (the row with its profile) only
 * with `detail`, else null. */
void store_sns_relations(db_pool_t *db, const char *owner, const char *peers_json, bool detail,
                         store_sns_fn cb, void *arg);

/* searchFriends: the relations (as store_sns_relations with detail) with the owner's friends
 * whose UserID (by_id), nick (by_nick) or remark (by_remark) contains one of the keywords
 * ([text]) case-insensitively, by UserID. */
void store_sns_search(db_pool_t *db, const char *owner, const char *keywords_json, bool by_id,
                      bool by_nick, bool by_remark, store_sns_fn cb, void *arg);
/* A page of the owner's friends by UserID: {found, total, version, friends}; the friends'
 * profiles only with `profiles` (else null). */
void store_sns_friends(db_pool_t *db, const char *owner, int64_t offset, int64_t limit,
                       bool profiles, store_sns_fn cb, void *arg);

/* ---- the blocklist ---- */

/* Blocks peers: items (ok, no_user, self, exists, block_limit); a block ends the friendship both
 * ways and drops the requests between them. `unfriend` carries the FriendDelete event's origin.
 * {found, items, blocked, deleted, peer_deleted, settled, version}. */
void store_sns_block(db_pool_t *db, const char *owner, const char *peers_json, int64_t now,
                     const store_sns_limits_t *lim, const store_sns_hook_t *hook,
                     const store_sns_hook_t *unfriend, store_sns_fn cb, void *arg);
/* Unblocks: {found, items (ok, no_user, not_blocked), version}. */
void store_sns_unblock(db_pool_t *db, const char *owner, const char *peers_json,
                       const store_sns_hook_t *hook, store_sns_fn cb, void *arg);
/* A page of the blocklist by UserID: {found, total, version, blocked}. */
void store_sns_blocklist(db_pool_t *db, const char *owner, int64_t offset, int64_t limit,
                         store_sns_fn cb, void *arg);

/* ---- friend lists ---- */

/* Creates the lists names_json ([name], distinct) and puts the friends peers_json ([UserID])
 * in them: {found, status (ok, list_exists, group_limit), items (ok, not_friend), friends,
 * version}. */
void store_sns_group_create(db_pool_t *db, const char *owner, const char *names_json,
                            const char *peers_json, int64_t now, const store_sns_limits_t *lim,
                            store_sns_fn cb, void *arg);
/* Deletes lists (all or none): {found, status (ok, missing), friends (rows that left them),
 * version}. */
void store_sns_group_delete(db_pool_t *db, const char *owner, const char *names_json,
                            store_sns_fn cb, void *arg);
/* Renames a list: {found, status (ok, missing, list_exists), friends, version}. */
void store_sns_group_rename(db_pool_t *db, const char *owner, const char *old_name,
                            const char *new_name, store_sns_fn cb, void *arg);
/* Puts friends in a list (`add`) or takes them out: {found, status (ok, missing), items (ok,
 * not_friend), friends, version}. */
void store_sns_group_members(db_pool_t *db, const char *owner, const char *name,
                             const char *peers_json, bool add, store_sns_fn cb, void *arg);
/* The lists (names_json NULL: all, oldest first): {found, version, groups}. */
void store_sns_groups(db_pool_t *db, const char *owner, const char *names_json, store_sns_fn cb,
                      void *arg);

/* ---- sending ---- */

/* The relation statuses of a one-to-one send (store/message.h uses them in its batch). */
#define STORE_SNS_SEND_CHECK_SQL(sender, receiver, check_friends)                                  \
    "CASE WHEN EXISTS (SELECT 1 FROM blocklist bl WHERE bl.user_id = " receiver                    \
    " AND bl.peer = " sender ") THEN 'blocked'"                                                    \
    " WHEN " check_friends " THEN CASE"                                                            \
    "  (EXISTS (SELECT 1 FROM friends fa WHERE fa.user_id = " sender " AND fa.peer = " receiver    \
    ")::int * 2 + EXISTS (SELECT 1 FROM friends fb WHERE fb.user_id = " receiver                   \
    " AND fb.peer = " sender ")::int)"                                                             \
    "  WHEN 0 THEN 'not_friends' WHEN 2 THEN 'not_peers_friend' WHEN 1 THEN 'peer_not_friend'"     \
    "  ELSE NULL END END"

#endif
