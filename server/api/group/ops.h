/*
 * group/ops — group management shared by the two doors (private to api/): the REST handlers
 * (group_admin.c) and the WebSocket commands (group_sdk.c) parse and format; everything else
 * happens here once.
 *
 * An operation loads the group with the roles involved (one query), asks group_rules.h whether
 * the actor may do it, changes the store (one statement), and then tells people: the member
 * cache is dropped (group_members_changed) before anything is pushed, events go to the online
 * members (group_push) or straight to the users concerned (a removed member, an applicant, the
 * approvers), and a group tips message is stored where the SDK shows one (msg_group_tip).
 *
 * Ownership: `req` is stolen. `done` runs exactly once (maybe before gop_run returns) with the
 * call, an err_t, an optional detail text, and on success a result object (stolen by done, may
 * be NULL) whose keys each operation documents. The call must stay valid until then (the doors
 * guarantee it).
 */
#ifndef CHATD_API_GROUP_OPS_H
#define CHATD_API_GROUP_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/group/rules.h"
#include "store/group.h"

typedef struct {
    const char *user; /* who acts: a UserID, or the REST admin identifier */
    bool app_admin;   /* owner rights in every group */
    bool silent;      /* REST Silence 1: no tips; only the members concerned are told */
} gop_actor_t;

typedef void (*gop_done_fn)(api_call_t *call, err_t err, const char *detail, json_t *result);

/* Creates a group. req: {group_id?, type (REST spelling), name, introduction?, notification?,
 * face_url?, owner? (NULL: ownerless), max_members? (0: the type's default), apply_opt?,
 * invite_opt? (REST spellings; absent: the type's defaults), mute_all?, custom? {k: v},
 * members? [{user, role?, custom?}] (besides the owner), owner_joins? (false: the owner is not
 * made a member), create_time?, import? (import_group)}.
 * Result {group_id}. Errors: 10007 (members or import not allowed for the type), 10021 (the
 * custom ID is taken), 10019 (an account is missing; the detail names it). */
void gop_create(api_call_t *call, const gop_actor_t *actor, json_t *req, gop_done_fn done);

typedef enum {
    GOP_JOIN,     /* {message?} → {pending} */
    GOP_QUIT,     /* {} → {} */
    GOP_ADD,      /* {mode: "invite"|"add"|"import", users: [{user, role?, join_time?,
                   * unread?}]} → {results: [{user, status: added|already|missing|full|
                   * pending}]} */
    GOP_KICK,     /* {users: [UserID], reason?} → {results: [{user, status: removed|
                   * not_member}]} */
    GOP_DISMISS,  /* {} → {} */
    GOP_MODIFY,   /* {fields: {name?, introduction?, notification?, face_url?, max_members?,
                   * apply_opt?, invite_opt?, mute_all?, history_before_join?, custom?}} → {} */
    GOP_MEMBER,   /* {user, role? ("Admin"/"Member"), name_card?, custom?, msg_flag?,
                   * mute_seconds?} → {} */
    GOP_MUTE,     /* {users: [UserID], seconds} → {muted: [UserID]} */
    GOP_TRANSFER, /* {user} → {} */
    GOP_ACCEPT,   /* {user (who would join), kind ("apply"/"invite"), reason?} → {} */
    GOP_REFUSE,   /* same → {} */
    GOP_ATTRS,    /* {mode: init|set|delete|clear, data} → {attrs} */
} gop_kind_t;

/* Runs one operation on an existing group (10010 when it does not exist). */
void gop_run(api_call_t *call, gop_kind_t kind, const gop_actor_t *actor, const char *group_id,
             json_t *req, gop_done_fn done);

/* The groups `user` belongs to, newest join first: {total, groups: [group + {self}]}. Types not
 * in joined lists (AVChatRoom) only with with_huge or when asked for by type; types that need
 * activation only once they have a message, unless with_inactive. */
typedef struct {
    const char *user;
    bool with_huge, with_inactive;
    bool has_type; /* only groups of `type` */
    group_type_t type;
    int64_t offset, limit;
} gop_joined_t;
void gop_joined(const api_env_t *env, const gop_joined_t *q, store_group_json_fn cb, void *arg);

/* ---- validation shared by the doors: ERR_OK, or an error with a detail in buf ---- */

/* v (may be NULL: absent) is a string of at most max bytes: else 10004. */
err_t gop_check_text(const json_t *v, const char *name, size_t max, char *buf, size_t len);
/* A custom-field object {key: string} (AppDefinedData: member false; AppMemberDefinedData:
 * member true): keys per group_custom_key_valid(), values strings within the limits, not more
 * keys than a group or member may hold. 10004. */
err_t gop_check_custom(const json_t *map, bool member, char *buf, size_t len);
/* Group attributes {key: string}: 10045 for a bad key, 10046 for a long value, 10047 for more
 * than 16 keys, 10004 for a value that is not a string. */
err_t gop_check_attrs(const json_t *map, char *buf, size_t len);

/* Pushes `event` with `body` (stolen) to the sessions of every user in `users` (a JSON array of
 * UserIDs), one frame shared, skipping connection skip_conn (0: none). */
void gop_push_users(const api_env_t *env, const json_t *users, const char *event, json_t *body,
                    uint64_t skip_conn);

#endif
