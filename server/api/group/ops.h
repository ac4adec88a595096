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
 * Ownership: the typed request is taken over. `done` runs exactly once (maybe before gop_run
 * returns) with the call, an err_t, an optional detail text, and on success a result object (stolen
 * by done, may be NULL) whose keys each operation documents. The call must stay valid until then
 * (the doors guarantee it).
 */
#ifndef CHATD_API_GROUP_OPS_H
#define CHATD_API_GROUP_OPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/group/rules.h"
#include "store/group.h"

typedef struct {
    const char *user; /* who acts: a UserID, or the REST admin identifier */
    bool app_admin;   /* owner rights in every group */
    bool silent;      /* REST Silence 1: no tips; only the members concerned are told */
} gop_actor_t;

/* What an operation answers on success; the fields a kind fills are listed with it. Borrowed
 * for the callback. */
typedef struct {
    const char *group_id; /* CREATE */
    bool pending;         /* JOIN: waits for approval */
    json_t *results;      /* ADD, KICK: [{user, status}] */
    json_t *muted;        /* MUTE: [UserID] */
    json_t *attrs;        /* ATTRS: the attributes after the change */
    json_t *marked;       /* MARK: [[UserID, mark]] that changed */
    json_t *missing;      /* MARK: [UserID] who are not members */
} gop_result_t;

typedef void (*gop_done_fn)(api_call_t *call, err_t err, const char *detail,
                            const gop_result_t *result);

/* ---- typed requests: the doors fill them with fields_read() from the tables below ---- */

/* A group's profile: of a new group, or the fields a change sets. `given` holds the GROUP_F_*
 * bits of the fields present. Texts are borrowed from the request body; custom is owned. */
typedef struct {
    unsigned given;
    const char *name, *introduction, *notification, *face_url;
    int64_t max_members;
    int apply_opt, invite_opt; /* group_opt_t */
    bool mute_all, history_before_join;
    bool enable_permission;     /* EnablePermission (Community) */
    int64_t default_permission; /* DefaultPermission (Community); both GROUP_F_PERMISSION */
    json_t *custom;             /* AppDefinedData {key: value}; "" deletes a key in a change */
} gop_profile_t;

/* One member of a new group's list. */
typedef struct {
    unsigned given; /* GOP_M_* */
    const char *user;
    int role;       /* group_role_t: member or admin */
    json_t *custom; /* AppMemberDefinedData, owned */
} gop_new_member_t;

/* A change of one member. */
enum {
    GOP_M_USER = 1 << 0,
    GOP_M_ROLE = 1 << 1,
    GOP_M_NAME_CARD = 1 << 2,
    GOP_M_CUSTOM = 1 << 3,
    GOP_M_MSG_FLAG = 1 << 4,
    GOP_M_MUTE = 1 << 5,
};
typedef struct {
    unsigned given; /* GOP_M_* */
    const char *user;
    int role;     /* group_role_t: GROUP_ROLE_ADMIN or GROUP_ROLE_MEMBER */
    int msg_flag; /* as the SDK's receive option (group_msg_flag_to_recv_opt) */
    const char *name_card;
    json_t *custom;       /* merged into AppMemberDefinedData, owned */
    int64_t mute_seconds; /* 0 unmutes */
} gop_member_t;

/* Tables (group/fields.c). Profile: REST create_group, import_group, modify_group_base_info;
 * SDK createGroup, setGroupInfo. New member: REST MemberList entries; SDK memberList entries.
 * Member change: REST modify_group_member_info, SDK setGroupMemberInfo; SDK muteGroupMember
 * and setGroupMemberRole read their own one-field tables into the same struct. */
extern const field_table_t gop_profile_fields;
extern const field_table_t gop_mute_all_fields; /* SDK muteAllGroupMembers {isMute} */
extern const field_table_t gop_new_member_fields;
extern const field_table_t gop_member_fields;
extern const field_table_t gop_mute_fields;
extern const field_table_t gop_role_fields;

enum {
    GOP_N_TYPE = 1 << 0,
    GOP_N_ID = 1 << 1,
    GOP_N_OWNER = 1 << 2,
    GOP_N_CREATE_TIME = 1 << 3,
    GOP_N_SUPPORT_TOPIC = 1 << 4,
};
typedef struct {
    unsigned given;       /* GOP_N_* */
    int type;             /* group_type_t */
    const char *group_id; /* NULL or "": generated */
    const char *owner;    /* NULL: ownerless (REST), the caller (SDK) */
    int64_t create_time;  /* import_group only; 0: now */
    bool import;          /* import_group: no webhooks, no events to members */
    bool support_topic;   /* SupportTopic / isSupportTopic: a Community with topics */
    gop_profile_t profile;
    gop_new_member_t *members; /* xmalloc'd, owned */
    size_t n_members;
} gop_new_t;

/* Reads a new group's request (REST create_group/import_group, SDK createGroup) into `g`
 * (zeroed by the caller): its own fields, the profile and, with_members, the member list
 * (REST MemberList, SDK memberList). On error nothing is owned. */
err_t gop_read_new(const json_t *body, field_door_t door, bool with_members, gop_new_t *g,
                   char *detail, size_t len) MUSTCHECK;
/* Frees what a request owns (a door that fails before handing it over). */
void gop_new_release(gop_new_t *g);

/* Creates a group; `g` is taken over (its owned parts are the op's, the struct is copied).
 * An owner named by someone else joins an AVChatRoom by themselves (reference §3.6); any
 * other owner is made a member. Result {group_id}. Errors: 10007 (members or import not allowed for
 * the type), 10021 (the custom ID is taken), 10019 (an account is missing; the detail names it),
 * 10004 (max members beyond the type's limit). */
void gop_create(api_call_t *call, const gop_actor_t *actor, gop_new_t *g, gop_done_fn done);

/* Changes the profile (`p` taken over as above). */
void gop_modify(api_call_t *call, const gop_actor_t *actor, const char *group_id, gop_profile_t *p,
                gop_done_fn done);

/* Changes one member (`m` taken over). */
void gop_member(api_call_t *call, const gop_actor_t *actor, const char *group_id, gop_member_t *m,
                gop_done_fn done);

typedef enum {
    GOP_JOIN,     /* message? → pending */
    GOP_QUIT,     /* → {} */
    GOP_ADD,      /* mode, users: [{user, role?, join_time?, unread?}] → results: [{user,
                   * status: added|already|missing|full|pending|refused}] */
    GOP_KICK,     /* users: [UserID], reason? → results: [{user, status: removed|
                   * not_member}] */
    GOP_DISMISS,  /* → {} */
    GOP_MODIFY,   /* gop_modify() */
    GOP_MEMBER,   /* gop_member() */
    GOP_MUTE,     /* users: [UserID], seconds → muted: [UserID] */
    GOP_TRANSFER, /* user → {} */
    GOP_ACCEPT,   /* user (who would join), invitation, reason? → {} */
    GOP_REFUSE,   /* same → {} */
    GOP_ATTRS,    /* mode, data → attrs */
    GOP_CREATE,   /* gop_create() */
    GOP_MARK,     /* AVChatRoom member marks: data [[UserID, mark]], mode 1 set / 0 remove →
                   * marked, missing */
} gop_kind_t;

typedef enum {
    GOP_ADD_INVITE, /* SDK inviteUserToGroup: the invite rules, maybe an approval */
    GOP_ADD_PLAIN,  /* REST add_group_member */
    GOP_ADD_IMPORT, /* REST import_group_member */
} gop_add_mode_t;

typedef enum {
    GOP_ATTRS_INIT,   /* replace all with data */
    GOP_ATTRS_SET,    /* upsert data */
    GOP_ATTRS_DELETE, /* data: [key] */
    GOP_ATTRS_CLEAR,
} gop_attrs_mode_t;

/* The request of a gop_run() kind (which fields each kind reads: above). Texts are borrowed;
 * users and data are taken over by gop_run(). message and reason come from the tables below
 * (`given`: GOP_R_*). */
enum { GOP_R_MESSAGE = 1 << 0, GOP_R_REASON = 1 << 1 };
typedef struct {
    unsigned given;
    const char *user;
    const char *message; /* a join application's text */
    const char *reason;  /* a kick's, an accepted or refused application's */
    bool invitation;     /* ACCEPT/REFUSE: an invitation rather than a join request */
    int mode;            /* ADD: gop_add_mode_t; ATTRS: gop_attrs_mode_t */
    json_t *users;
    json_t *data;
    int64_t seconds; /* MUTE: 0 unmutes */
} gop_req_t;

/* SDK joinGroup {message}; REST delete_group_member {Reason}, SDK kickGroupMember {reason}. */
extern const field_table_t gop_join_fields;
extern const field_table_t gop_kick_fields;

/* Runs one operation on an existing group (10010 when it does not exist); `req` is taken over
 * (its users and data are the op's). */
void gop_run(api_call_t *call, gop_kind_t kind, const gop_actor_t *actor, const char *group_id,
             gop_req_t *req, gop_done_fn done);

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
void gop_joined(const api_env_t *env, const gop_joined_t *q, store_group_fn cb, void *arg);

/* Whether a caller may read a group's members and attributes: 10010 when the context found no
 * group, 10007 when the caller is neither a member nor an app administrator. */
err_t gop_may_read(const store_group_ctx_t *c, bool app_admin);

/* ---- validation shared by the doors: ERR_OK, or an error with a detail in buf ---- */

/* Custom-field objects {key: string}, AppDefinedData and AppMemberDefinedData: keys per
 * group_custom_key_valid(), values strings within the limits, not more keys than a group or a
 * member may hold. 10004. */
err_t gop_check_group_custom(const json_t *map, char *buf, size_t len);
err_t gop_check_member_custom(const json_t *map, char *buf, size_t len);
/* Group attributes {key: string}: 10045 for a bad key, 10046 for a long value, 10047 for more
 * than 16 keys, 10004 for a value that is not a string. */
err_t gop_check_attrs(const json_t *map, char *buf, size_t len);

/* Pushes `event` with `body` (stolen) to the sessions of every user in `users` (a JSON array of
 * UserIDs), one frame shared, skipping connection skip_conn (0: none). */
void gop_push_users(const api_env_t *env, const json_t *users, const char *event, json_t *body,
                    uint64_t skip_conn);

/* Counts the users of `members` (a JSON array of strings) online on any node and calls
 * done(call, count) once: at once on a single node, after one bus round trip on several. */
typedef void (*group_online_fn)(api_call_t *call, json_int_t online);
void group_count_online(api_call_t *call, const json_t *members, group_online_fn done);

#endif
