/*
 * store/group — every SQL statement about groups: profiles, members, join applications, custom
 * attributes, and the group parts of conversations (each member's conv_views row for
 * 'g:<GroupId>') and of history (admin reads, deletions).
 *
 * Each function is one round trip (one batch, one transaction) and calls back exactly once with
 * err (ERR_OK, ERR_DB_DOWN, ERR_INTERNAL) and, on ERR_OK, `r`: the typed answer
 * (store_group_res_t), whose fields each function documents as {found, members, …}. `r` and
 * what it points to are borrowed: valid during the callback only (json_incref(r->doc) keeps
 * them). Input strings are copied before returning.
 *
 * Group and member objects, and store_group_ctx's document, are read only through the typed
 * views below (store_group_view and friends); no reader outside this module spells their keys.
 * The objects inside results:
 *   group  {id, type (REST spelling), name, introduction, notification, face_url, owner (null:
 *           ownerless), create_time, info_seq, last_info_time, max_members, apply_opt,
 *           invite_opt, mute_all, history_before_join, support_topic, custom {key: value},
 *           member_count,
 *           last_seq (the group conversation's newest seq), last_time}
 *   member {user, role ("Owner"/"Admin"/"Member"), join_time, join_seq, mute_until, msg_flag,
 *           name_card, custom {key: value}, last_send_time, read_seq, recv_opt (null: no view),
 *           nick, face_url (profile Tag_Profile_IM_Nick / _Image, "" when unset)}
 *
 * Membership and conversations: joining creates (or resets) the member's conv_views row for
 * 'g:<id>' with group_id set, read_seq = the group's last_seq and deleted_seq = last_seq, or 0
 * when `pre_join_visible` (history from before joining is visible); types without stored
 * history (AVChatRoom) get no view. Leaving (quit, kick) removes the view, the member's
 * conversation-group entries, messages deleted for themselves and pending applications: the
 * member no longer sees the conversation, its unread count or any history. Dismissal removes the
 * group with its members, attributes, applications, views, messages, messages deleted for
 * oneself, mentions, targets and receipts.
 */
#ifndef CHATD_STORE_GROUP_H
#define CHATD_STORE_GROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/webhook.h"

/* A statement's answer; the fields a function does not document are zero/NULL. Arrays and
 * objects are JSON (their elements read through the views below). */
typedef struct {
    json_t *doc; /* the whole answer, for json_incref; NULL when err != ERR_OK */
    bool found, created, updated, done;
    const char *status;         /* store_group_attrs_write */
    const char *old_owner;      /* store_group_transfer */
    const char *from, *message; /* store_group_application_drop */
    int64_t total, member_count, hi, read_seq, deleted;
    json_t *groups, *members, *muted, *attrs, *results, *removed, *missing, *applied, *approvers,
        *ids, *messages, *applications;
} store_group_res_t;

typedef void (*store_group_fn)(err_t err, const store_group_res_t *r, void *arg);

/* ---- typed views of the objects inside results ----
 *
 * Readers never look a key up by name: they take a view, whose fields borrow from the document
 * (valid as long as it is). The keys are spelt once, in group.c, beside the SQL that builds
 * them. A view of something that is not such an object (null: no group, not a member) fails
 * and leaves *out zeroed. */

typedef struct {
    const char *id;
    const char *type; /* REST spelling */
    const char *name, *introduction, *notification, *face_url;
    const char *owner; /* NULL: ownerless */
    int64_t create_time, info_seq, last_info_time, max_members;
    const char *apply_opt, *invite_opt; /* REST spellings */
    bool mute_all, history_before_join;
    bool support_topic; /* a Community with topics */
    bool enable_permission;
    int64_t default_permission;
    const json_t *custom; /* {key: value} */
    int64_t member_count;
    int64_t last_seq, last_time; /* of the group conversation */
    const json_t *self;          /* the viewer's member object (store_group_get, _joined) */
} store_group_t;

typedef struct {
    const char *user;
    const char *role; /* "Owner", "Admin", "Member" */
    int64_t join_time, join_seq, mute_until;
    const char *msg_flag, *name_card;
    const json_t *custom;
    int64_t last_send_time, read_seq;
    int recv_opt;                /* -1: no conversation view */
    const char *nick, *face_url; /* "" when unset */
} store_group_member_t;

/* A target of store_group_ctx: whether the account exists and its membership (NULL: none). */
typedef struct {
    const char *user;
    bool exists;
    const json_t *member;
} store_group_target_t;

/* store_group_ctx's document: the group (found false: none), the actor's membership (is_member
 * false: none) and the targets in the order asked (store_group_ctx_target). */
typedef struct {
    bool found;
    store_group_t group;
    bool is_member;
    store_group_member_t actor;
    const json_t *targets;
    size_t n_targets;
} store_group_ctx_t;

bool store_group_ctx_view(const store_group_res_t *r, store_group_ctx_t *out);
/* Target i (< n_targets) of a context view. */
void store_group_ctx_target(const store_group_ctx_t *ctx, size_t i, store_group_target_t *out);

bool store_group_view(const json_t *obj, store_group_t *out);
bool store_group_member_view(const json_t *obj, store_group_member_t *out);
bool store_group_target_view(const json_t *obj, store_group_target_t *out);

/* ---- reads ---- */

/* The group, the actor's membership and the targets' accounts and memberships, for rule checks:
 * {group: group|null, actor: member|null, targets: [{user, exists, member: member|null}]} in the
 * targets' order. actor may be NULL; targets is a JSON array text of UserIDs (NULL: none). */
void store_group_ctx(db_pool_t *db, const char *group_id, const char *actor,
                     const char *targets_json, store_group_fn cb, void *arg);

/* Several groups: {groups: [group + {self: member|null}]} in the order asked, existing ones
 * only. ids_json: array of GroupIds; viewer may be NULL. */
void store_group_get(db_pool_t *db, const char *ids_json, const char *viewer, store_group_fn cb,
                     void *arg);

/* searchGroups: the viewer's groups whose GroupId (by_id) or name (by_name) contains one of the
 * keywords ([text]) case-insensitively, as store_group_get's {groups}, by GroupId. */
void store_group_search(db_pool_t *db, const char *viewer, const char *keywords_json, bool by_id,
                        bool by_name, store_group_fn cb, void *arg);
/* searchGroupMembers: {members: [{group, member}]}: the members of the viewer's groups (those of
 * ids_json, [GroupId], NULL: all) whose UserID, nick, friend remark (the viewer's) or name card
 * (by[0..3]) contains one of the keywords, by group, then owner, admins, members. */
void store_group_search_members(db_pool_t *db, const char *viewer, const char *ids_json,
                                const char *keywords_json, const bool by[4], store_group_fn cb,
                                void *arg);
/* Groups of `user`: {total, groups: [group + {self: member}]}, newest join first. type: REST
 * type or NULL; hidden_types: types left out (JSON array); inactive_types: types left out while
 * they have no message yet (JSON array). */
void store_group_joined(db_pool_t *db, const char *user, const char *type, const char *hidden_types,
                        const char *inactive_types, int64_t offset, int64_t limit,
                        store_group_fn cb, void *arg);

/* Every group of the app: {total, ids: [GroupId]}, oldest first. */
void store_group_all(db_pool_t *db, const char *type, int64_t offset, int64_t limit,
                     store_group_fn cb, void *arg);

/* Members page: {found, total, members: [member]} (owner, admins, then by join time, then
 * UserID). roles: JSON array of roles to keep, or NULL for all; mark: only members with this
 * mark (0: any). after: the page starts after this member (store_group_member_key() of the
 * previous page's last one; NULL: at `offset`), costing O(page) whatever the group's size. */
void store_group_members(db_pool_t *db, const char *group_id, const char *roles, int64_t mark,
                         const char *after, int64_t offset, int64_t limit, store_group_fn cb,
                         void *arg);
/* The paging key of a member object (JSON array text, free()); NULL when it is none. */
char *store_group_member_key(const json_t *member);

/* Just the UserIDs: {found, members: [UserID]}. */
void store_group_member_ids(db_pool_t *db, const char *group_id, store_group_fn cb, void *arg);

/* Muted members now: {found, muted: [{user, until}]}. */
void store_group_muted(db_pool_t *db, const char *group_id, int64_t now, store_group_fn cb,
                       void *arg);

/* The group's custom attributes: {found, attrs: {key: value}}. */
void store_group_attrs_get(db_pool_t *db, const char *group_id, store_group_fn cb, void *arg);

/* Messages with seq in [hi - count + 1, hi] where hi = min(req_seq, last_seq) (req_seq < 0:
 * last_seq), newest first: {hi, messages: [{seq, sender, random, ts, msg_id, body, ccd,
 * flags}]}. Seqs without a row are absent (deleted). */
void store_group_history(db_pool_t *db, const char *group_id, int64_t req_seq, int64_t count,
                         store_group_fn cb, void *arg);

/* Pending join applications and invitations of the groups where `user` is owner or admin:
 * {applications: [{group_id, user, kind ("apply"/"invite"), from, message, created_at}],
 * total: how many are newer than the user's last store_group_applications_read}, newest
 * first. */
void store_group_applications(db_pool_t *db, const char *user, store_group_fn cb, void *arg);
/* Marks the user's applications read as of `now` (setGroupApplicationRead): {done}. */
void store_group_applications_read(db_pool_t *db, const char *user, int64_t now, store_group_fn cb,
                                   void *arg);

/* ---- writes ---- */

/* The after-event a write records in its own transaction (store/webhook.h), order key
 * 'g:<GroupId>'. NULL (or origin NULL): none. */
typedef struct {
    const store_webhook_origin_t *origin; /* OptPlatform and ClientIP */
    const char *operator_account;         /* Operator_Account */
    const char *kind; /* JoinType ("Apply"/"Invited"), ExitType ("Kicked"/"Quit") */
} store_group_hook_t;

typedef struct {
    const char *group_id;
    const char *type; /* REST spelling */
    const char *name, *introduction, *notification, *face_url;
    const char *owner; /* NULL: ownerless; must be an account (a member only if listed) */
    int64_t create_time;
    int64_t max_members;
    const char *apply_opt, *invite_opt;
    bool mute_all;
    bool history_before_join;
    const char *custom_json;  /* AppDefinedData object text; NULL: {} */
    const char *members_json; /* [{user, role, custom}], the owner too if a member; NULL: none */
    const char *msg_flag;     /* members' MsgFlag */
    int recv_opt;             /* their conversations' receive option (the same setting) */
    bool views;               /* create conv_views (types with history) */
    bool support_topic;       /* SupportTopic (Community) */
    bool enable_permission;   /* EnablePermission (Community) */
    int64_t default_permission;
} store_group_new_t;

/* Creates the group with its members: {created, missing: [UserIDs that are not accounts]}.
 * created is false when the ID is taken (nothing written) or an account is missing. */
void store_group_create(db_pool_t *db, const store_group_new_t *g, const store_group_hook_t *hook,
                        store_group_fn cb, void *arg);

typedef struct {
    const char *group_id;
    const char *users_json;  /* [{user, role?, join_time?, unread?}] in order */
    int64_t now;             /* join time when not given */
    const char *application; /* "apply"/"invite": only users with such an application are
                              * added and it is consumed (accepting); NULL: anyone */
    bool views;              /* create conv_views */
    bool pre_join_visible;   /* deleted_seq 0 instead of the join point */
    bool enforce_max;        /* refuse beyond max_members ("full") */
    const char *msg_flag;
    int recv_opt; /* the conversations' receive option matching msg_flag */
} store_group_add_t;

/* Adds members under a lock on the group row: {found, member_count, results: [{user, status}]}
 * with status "added", "already", "missing" (no account), "full" or "no_application". unread
 * (import) sets the read position so that exactly that many counting messages are unread.
 * Pending applications of the added users are removed. */
void store_group_add(db_pool_t *db, const store_group_add_t *a, const store_group_hook_t *hook,
                     store_group_fn cb, void *arg);

/* Removes members whose role is in roles_json (a guard against races): {removed: [{user,
 * role}], member_count}. An owner who leaves makes the group ownerless. Their views of the
 * group's topics go too; store_group_add gives new members a view of every topic. */
void store_group_remove(db_pool_t *db, const char *group_id, const char *users_json,
                        const char *roles_json, const store_group_hook_t *hook, store_group_fn cb,
                        void *arg);

/* Changes profile fields: `fields` is a JSON object with any of name, introduction,
 * notification, face_url, max_members, apply_opt, invite_opt, mute_all, history_before_join,
 * enable_permission, default_permission,
 * and custom {key: value} merged into AppDefinedData (value "" deletes the key).
 * info_seq +1, last_info_time = now. {found, updated (false: more than max_custom keys),
 * group: group}. */
void store_group_update(db_pool_t *db, const char *group_id, const char *fields, int64_t now,
                        int max_custom, const store_group_hook_t *hook, store_group_fn cb,
                        void *arg);

/* Changes one member: `fields` with any of role ("Admin"/"Member"; never an owner's),
 * name_card, mute_until, msg_flag, custom (merged, "" deletes). msg_flag also sets the
 * conversation's receive option to recv_opt (ignored when < 0). {found (a member), updated}.
 * With `hook`, a change of role or name card writes Group.CallbackAfterMemberFieldChanged
 * {GroupId, Type, Operator_Account, Modified_Account (and Member_Account, the other spelling
 * of Tencent's pages), Role, NameCard} (the values after the change). */
void store_group_member_update(db_pool_t *db, const char *group_id, const char *user,
                               const char *fields, int max_custom, int recv_opt,
                               const store_group_hook_t *hook, store_group_fn cb, void *arg);

/* Sets (set) or removes the marks of pairs_json [[UserID, mark], …] for those who are members:
 * {found (the group), status ("ok"; setting: "marks_full" when the group would hold more than
 * max_marks different marks, "mark_full" when a mark would have more than max_per_mark
 * members — then nothing changes), results: [[UserID, mark]] that changed, missing: [UserID]
 * not members}. */
void store_group_mark(db_pool_t *db, const char *group_id, const char *pairs_json, bool set,
                      int max_marks, int max_per_mark, store_group_fn cb, void *arg);

/* Sets mute_until of the members among users (never the owner): {muted: [UserIDs]}. */
void store_group_mute(db_pool_t *db, const char *group_id, const char *users_json, int64_t until,
                      store_group_fn cb, void *arg);

/* Makes the member `new_owner` owner; the previous owner becomes a plain member. {found,
 * done (false: not a member), old_owner|null}. With `hook`, Group.CallbackAfterChangeGroupOwner
 * {GroupId, Type, Operator_Account, OldOwner_Account, NewOwner_Account} when the owner
 * changed. */
void store_group_transfer(db_pool_t *db, const char *group_id, const char *new_owner, int64_t now,
                          const store_group_hook_t *hook, store_group_fn cb, void *arg);

/* Dismisses the group with its topics' conversations: {found, members: [UserIDs it had]}. */
void store_group_destroy(db_pool_t *db, const char *group_id, const store_group_hook_t *hook,
                         store_group_fn cb, void *arg);

/* Records (or refreshes) applications of `kind` ("apply": each user asks to join; "invite":
 * `from` invites each user) for the users who are accounts and not members yet: {found,
 * applied: [UserIDs], approvers: [the owner and admins]}. */
void store_group_apply(db_pool_t *db, const char *group_id, const char *users_json,
                       const char *kind, const char *from, const char *message, int64_t now,
                       store_group_fn cb, void *arg);

/* Removes an application (refusing): {found, from, message}. */
void store_group_application_drop(db_pool_t *db, const char *group_id, const char *user,
                                  const char *kind, store_group_fn cb, void *arg);

/* Changes the custom attributes: mode "init" (replace all with data), "set" (upsert data),
 * "delete" (data: array of keys), "clear". Limits: at most max_keys keys and max_bytes bytes of
 * keys and values together after the change, else nothing changes. {found, status ("ok",
 * "too_many", "too_big"), attrs: the attributes after the change}. */
void store_group_attrs_write(db_pool_t *db, const char *group_id, const char *mode,
                             const char *data_json, int max_keys, int max_bytes,
                             const store_group_hook_t *hook, store_group_fn cb, void *arg);

/* Sets the member's read position so that `unread` counting messages are unread:
 * {updated, read_seq}. */
void store_group_set_unread(db_pool_t *db, const char *group_id, const char *user, int64_t unread,
                            store_group_fn cb, void *arg);

/* Deletes what `sender` sent among the group's latest `window` messages: {deleted}. */
void store_group_delete_by_sender(db_pool_t *db, const char *group_id, const char *sender,
                                  int64_t window, store_group_fn cb, void *arg);

#endif
