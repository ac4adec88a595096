/*
 * group/avroom — live rooms (AVChatRoom) and group counters: the rules both doors share.
 *
 * Viewers of a live room are held by the router (router.h, "Live rooms"), not in PostgreSQL;
 * joining and leaving go through gop_run (ops.c). Here: bans (a banned user is put out of the
 * room on every node and can neither rejoin nor post until the ban ends), broadcasts to every
 * live room of the app, the viewer list and presence checks of this node, online counts across
 * nodes, and group counters (named int64 values per group, changed atomically in PostgreSQL,
 * each change pushed to the group as onGroupCounterChanged).
 *
 * Every op ends the call through done(call, err, detail, result) exactly once; `result` is
 * stolen by done (NULL with an error). `caller` NULL means an app administrator (REST).
 */
#ifndef CHATD_API_GROUP_AVROOM_H
#define CHATD_API_GROUP_AVROOM_H

#include <jansson.h>
#include <stdint.h>

#include "api/api.h"
#include "api/group/group.h"

enum {
    AVROOM_BAN_ACCOUNTS_MAX = 20, /* ban_group_member / unban_group_member */
    AVROOM_BAN_DESCRIPTION_MAX = 1000,
    AVROOM_BAN_PAGE_MAX = 100,  /* get_group_ban_member Limit */
    AVROOM_VIEWERS_KEPT = 1000, /* get_members: the latest online viewers */
    AVROOM_VIEWERS_PAGE = 100,  /* get_members: viewers per answer */
    AVROOM_CHECK_MAX = 500,     /* check_members accounts */
    AVROOM_ADMINS_MAX = 5,      /* admins of one AVChatRoom (modify_admin) */
    COUNTER_KEYS_MAX = 20,      /* keys per request and per group (10063 beyond) */
    COUNTER_KEY_MAX = 128,      /* bytes */
};

typedef void (*avroom_done_fn)(api_call_t *call, err_t err, const char *detail, json_t *result);

/* users: [UserID] (1..20), stolen. 10010 no group, 10007 not an AVChatRoom. */
void avroom_ban(api_call_t *call, const char *group_id, json_t *users, int64_t seconds,
                const char *description, avroom_done_fn done);
void avroom_unban(api_call_t *call, const char *group_id, json_t *users, avroom_done_fn done);
/* result {bans: [{user, until}], next_offset (0: no more)}. */
void avroom_bans(api_call_t *call, const char *group_id, int64_t offset, int64_t limit,
                 avroom_done_fn done);
/* Sends m (group_id ignored) to every AVChatRoom of the app, unstored. result {rooms}. */
void avroom_broadcast(api_call_t *call, const msg_group_t *m, avroom_done_fn done);
/* This node's latest viewers joined before before_ms (0: newest first). result {viewers:
 * [{user, join_ms}], next (0: no more)}. */
void avroom_viewers(api_call_t *call, const char *group_id, int64_t before_ms, avroom_done_fn done);
/* users stolen. result {present: [UserID]}: those watching here or holding a member row. */
void avroom_check(api_call_t *call, const char *group_id, json_t *users, avroom_done_fn done);
/* result {count}: a live room's viewers on every node; other types, the members with a
 * session. 10007 when caller is neither a member nor a viewer. */
void avroom_online(api_call_t *call, const char *group_id, const char *caller, avroom_done_fn done);

/* users stolen (1..5). Sets (or unsets) admins of a live room; they hear onGrantAdministrator /
 * onRevokeAdministrator with the room. 10004 when the room would have more than 5. */
void avroom_set_admins(api_call_t *call, const char *group_id, json_t *users, bool set,
                       avroom_done_fn done);
/* result {admins: [{user, nick, face}]}. */
void avroom_admins(api_call_t *call, const char *group_id, avroom_done_fn done);

typedef enum {
    COUNTER_GET = 0,
    COUNTER_SET,
    COUNTER_INCREASE,
    COUNTER_DECREASE,
    COUNTER_DELETE,
} counter_op_t;

/* Checks a request's data before anything runs: GET/DELETE [key] or NULL (all); SET/INCREASE/
 * DECREASE {key: integer} (1..20 keys; increments ≥ 0). 10063 beyond 20 keys, 10004 else. */
err_t counter_check(counter_op_t op, const json_t *data, char *detail, size_t len);
/* data stolen. result {counters: {key: value}}: the values read or the new ones (DELETE: the
 * keys deleted, valued 0). 10010 no group; 10007 when caller may not; 10063 when the group
 * would hold more than 20 keys. */
void counter_run(api_call_t *call, counter_op_t op, const char *group_id, const char *caller,
                 json_t *data, avroom_done_fn done);

#endif
