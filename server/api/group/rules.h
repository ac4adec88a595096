/*
 * group_rules — what each Tencent group type allows, as data (pure; unit-tested in
 * tests/unit/test_group_rules.c).
 *
 * One row per type (reference §5.1 capability matrix) says who may join and how, who may invite,
 * modify the profile, set admins, kick and mute, whether the owner may quit, whether the type
 * keeps history, counts unread and shows history from before joining, and its member limits.
 * The decision functions combine a row with the roles involved and return ERR_OK or the Tencent
 * error the server answers (10007 no permission, 10009 owner cannot quit). Handlers never test a
 * type by name: they ask here.
 *
 * Roles are ordered: nobody < member < admin < owner < app admin. An app administrator (REST, or
 * a configured admin identifier) has owner rights in every group, but cannot do what the type
 * itself does not support (kick in an AVChatRoom, admins in a Work group).
 *
 * Also here: type, role and option spellings of both doors (REST strings "Private",
 * "NeedPermission", "Admin"; SDK names "Work" and integers 0/1/2, 200/300/400), group ID rules
 * (§5.5), the byte limits of the profile fields (§5.3, §7) and of custom fields (§5.4) and group
 * attributes.
 */
#ifndef CHATD_API_GROUP_RULES_H
#define CHATD_API_GROUP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef enum {
    GROUP_WORK = 0, /* REST "Private" */
    GROUP_PUBLIC,
    GROUP_MEETING, /* REST "ChatRoom" */
    GROUP_AVCHATROOM,
    GROUP_COMMUNITY,
    GROUP_TYPE_COUNT
} group_type_t;

typedef enum {
    GROUP_ROLE_NONE = 0, /* not a member */
    GROUP_ROLE_MEMBER,
    GROUP_ROLE_ADMIN,
    GROUP_ROLE_OWNER,
    GROUP_ROLE_APP_ADMIN, /* an app administrator: owner rights everywhere */
} group_role_t;

/* ApplyJoinOption and InviteJoinOption share their three values. */
typedef enum {
    GROUP_OPT_FREE = 0,   /* FreeAccess */
    GROUP_OPT_PERMISSION, /* NeedPermission */
    GROUP_OPT_DISABLE,    /* DisableApply / DisableInvite */
} group_opt_t;

/* Profile fields, as a mask, for group_rule_modify(). */
enum {
    GROUP_F_NAME = 1 << 0,
    GROUP_F_INTRODUCTION = 1 << 1,
    GROUP_F_NOTIFICATION = 1 << 2,
    GROUP_F_FACE_URL = 1 << 3,
    GROUP_F_MAX_MEMBERS = 1 << 4,
    GROUP_F_APPLY_OPT = 1 << 5,
    GROUP_F_INVITE_OPT = 1 << 6,
    GROUP_F_MUTE_ALL = 1 << 7,
    GROUP_F_CUSTOM = 1 << 8,      /* AppDefinedData */
    GROUP_F_HISTORY = 1 << 9,     /* HistoryMsgBeforeJoin */
    GROUP_F_PERMISSION = 1 << 10, /* EnablePermission, DefaultPermission (Community only) */
};

/* One type's rules. Roles are minimum roles; GROUP_ROLE_NONE in a *_min field means "nobody"
 * (the type does not support the operation), GROUP_ROLE_APP_ADMIN means "only app admins". */
typedef struct {
    const char *rest_name; /* "Private" */
    const char *sdk_name;  /* "Work" */
    bool has_admins;       /* Admin role exists (set admins) */
    bool apply_allowed;    /* join by application at all */
    bool apply_honoured;   /* ApplyJoinOption decides (else: free access) */
    group_opt_t default_apply;
    group_opt_t default_invite;
    group_role_t invite_min;  /* who may invite (SDK inviteUserToGroup) */
    group_role_t modify_min;  /* who may change the profile (basic fields) */
    unsigned member_fields;   /* fields a plain member may change when modify_min is member */
    group_role_t kick_min;    /* who may kick (admins kick plain members only) */
    group_role_t mute_min;    /* who may mute members and mute all */
    group_role_t dismiss_min; /* who may dismiss */
    bool owner_may_quit;      /* the group becomes ownerless */
    bool transfer_allowed;
    bool initial_members; /* create_group MemberList */
    bool importable;      /* import_group / import_group_member / import_group_msg */
    bool stores_history;  /* roaming; group_msg_get_simple */
    bool counts_unread;
    bool history_before_join;  /* default of HistoryMsgBeforeJoin */
    bool history_configurable; /* HistoryMsgBeforeJoin may be changed */
    bool in_joined_list;       /* getJoinedGroupList (AVChatRoom: only with WithHugeGroups) */
    bool needs_activation;     /* hidden from joined lists until its first message */
    const char *default_msg_flag;
    int64_t default_max_members; /* 0: unlimited */
    int64_t max_members_limit;   /* largest MaxMemberCount accepted; 0: ignored */
} group_type_rules_t;

const group_type_rules_t *group_rules(group_type_t type);

/* ---- spellings ---- */

/* Accepts the REST names (Private, Public, ChatRoom, AVChatRoom, Community) and the SDK names
 * (Work, Meeting); also BChatRoom as AVChatRoom. False when unknown. */
bool group_type_parse(const char *s, group_type_t *out);
const char *group_type_rest(group_type_t t);
const char *group_type_sdk(group_type_t t);

/* "Owner", "Admin", "Member" (REST); NULL for NONE. */
const char *group_role_rest(group_role_t r);
/* 400, 300, 200 (SDK V2TIM_GROUP_MEMBER_ROLE_*); 0 for NONE. */
int group_role_sdk(group_role_t r);
/* The role stored/written as "Owner"/"Admin"/"Member"; NONE when s is NULL or unknown. */
group_role_t group_role_parse(const char *s);
/* SDK integers 200/300/400; NONE when unknown. */
group_role_t group_role_from_sdk(long long v);

/* ApplyJoinOption: FreeAccess, NeedPermission, DisableApply; InviteJoinOption: FreeAccess,
 * NeedPermission, DisableInvite. `invite` picks the spelling of the third value; parsing
 * accepts either. */
bool group_opt_parse(const char *s, group_opt_t *out);
const char *group_opt_rest(group_opt_t o, bool invite);
/* SDK V2TIMGroupAddOpt: 0 forbid, 1 auth (permission), 2 any (free). */
int group_opt_sdk(group_opt_t o);
bool group_opt_from_sdk(long long v, group_opt_t *out);

/* MsgFlag: AcceptAndNotify, AcceptNotNotify, Discard, AcceptNotNotifyExceptAt; the SDK's
 * V2TIMReceiveMessageOpt numbers them 0, 2, 1, 3. -1 / NULL when unknown. */
int group_msg_flag_to_recv_opt(const char *flag);
const char *group_msg_flag_from_recv_opt(int opt);

/* ---- decisions: ERR_OK or the error to answer ---- */

/* A user asks to join (SDK joinGroup). *need_approval: the request waits for the owner/admins. */
err_t group_rule_join(group_type_t t, group_opt_t apply_opt, bool *need_approval);
/* `actor` invites someone (SDK inviteUserToGroup). *need_approval: an invitation waits for the
 * owner/admins (InviteJoinOption NeedPermission, inviter below admin). */
err_t group_rule_invite(group_type_t t, group_opt_t invite_opt, group_role_t actor,
                        bool *need_approval);
/* `actor` changes the profile fields in `fields` (GROUP_F_* mask). */
err_t group_rule_modify(group_type_t t, group_role_t actor, unsigned fields);
/* `actor` kicks a member whose role is `target`. */
err_t group_rule_kick(group_type_t t, group_role_t actor, group_role_t target);
/* `actor` mutes (or unmutes) a member whose role is `target`. */
err_t group_rule_mute(group_type_t t, group_role_t actor, group_role_t target);
err_t group_rule_mute_all(group_type_t t, group_role_t actor);
/* `actor` makes `target` an admin or a plain member again. */
err_t group_rule_set_admin(group_type_t t, group_role_t actor, group_role_t target);
/* A member with `role` leaves (10009 when an owner may not). */
err_t group_rule_quit(group_type_t t, group_role_t role);
err_t group_rule_dismiss(group_type_t t, group_role_t actor);
/* `actor` makes the member `target` owner. */
err_t group_rule_transfer(group_type_t t, group_role_t actor, group_role_t target);
/* `actor` accepts or refuses join applications and invitations. */
err_t group_rule_handle_application(group_type_t t, group_role_t actor);
/* `actor` changes another member's name card or custom member fields (self is always allowed
 * for a member). */
err_t group_rule_member_info(group_type_t t, group_role_t actor, group_role_t target, bool self);
/* Reading the profile of a group the actor may not belong to (SDK getGroupsInfo). */
err_t group_rule_read_info(group_type_t t, group_role_t actor);

/* History from before joining is visible to a new member. */
bool group_rule_pre_join_visible(group_type_t t, bool history_before_join);

/* ---- IDs ---- */

#define GROUP_ID_MAX 47 /* custom IDs are < 48 bytes */
#define GROUP_ID_PREFIX "@TGS#"
#define GROUP_ID_COMMUNITY_PREFIX "@TGS#_"

/* A custom group ID for a group of type t: printable ASCII (0x20–0x7e), 1–47 bytes, not
 * starting with @TGS# (Community: must start with @TGS#_), never containing @TOPIC#_ (topic
 * IDs are told apart by it). */
bool group_id_valid_custom(group_type_t t, const char *id, size_t len);
/* ---- topics of a Community (reference §5.5) ---- */

#define GROUP_TOPIC_MARK "@TOPIC#_"     /* <GroupId>@TOPIC#_<custom or generated> */
#define GROUP_TOPIC_MARK_AUTO "@TOPIC#" /* a generated part: @TOPIC#_@TOPIC#<10 alnum> */
#define GROUP_TOPIC_ID_MAX 96           /* bytes of the whole topic ID */
#define GROUP_TOPIC_CUSTOM_STRING_MAX 3000
#define GROUP_TOPICS_MAX 1000 /* topics per community */

/* Whether `id` is a topic ID; when it is, writes its community's GroupId into group. */
bool group_topic_split(const char *id, char *group, size_t group_len);
/* A custom topic part (what follows @TOPIC#_): printable ASCII, containing neither @TGS#_ nor
 * @TOPIC#_@TOPIC#. */
bool group_topic_custom_valid(const char *part, size_t len);
/* Writes the topic ID of `group_id` with the custom part (NULL: generated from rnd) into out;
 * false when it would exceed GROUP_TOPIC_ID_MAX bytes. */
bool group_topic_id_make(const char *group_id, const char *custom, const unsigned char rnd[10],
                         char *out, size_t out_len);

/* Writes a generated ID ("@TGS#" + 10 alphanumerics; Community "@TGS#_@TGS#" + 10) into out
 * (at least 32 bytes). `rnd` supplies random bytes (10 needed). */
void group_id_generate(group_type_t t, const unsigned char rnd[10], char *out, size_t out_len);

/* ---- request limits (items per request; REST and SDK limits as Tencent documents each) ---- */

enum {
    GROUP_APPID_LIST_MAX = 10000,           /* REST get_appid_group_list */
    GROUP_INFO_IDS_MAX = 50,                /* REST get_group_info */
    GROUP_SDK_INFO_IDS_MAX = 100,           /* SDK getGroupsInfo */
    GROUP_MEMBER_PAGE_MAX = 6000,           /* REST get_group_member_info */
    GROUP_SDK_MEMBER_PAGE_MAX = 100,        /* SDK getGroupMemberList */
    GROUP_SPECIFIED_MAX = 50,               /* REST get_specified_group_member_info */
    GROUP_SDK_MEMBERS_INFO_MAX = 100,       /* SDK getGroupMembersInfo */
    GROUP_CREATE_MEMBERS_MAX = 100,         /* initial members of create_group / createGroup */
    GROUP_ADD_MEMBERS_MAX = 300,            /* REST add_group_member */
    GROUP_SDK_INVITE_MAX = 100,             /* SDK inviteUserToGroup */
    GROUP_KICK_MAX = 100,                   /* delete_group_member / kickGroupMember */
    GROUP_ACCOUNTS_MAX = 500,               /* forbid_send_msg, get_role_in_group, notifications */
    GROUP_JOINED_MAX = 10000,               /* joined groups per answer */
    GROUP_IMPORT_MSGS_MAX = 20,             /* import_group_msg */
    GROUP_HISTORY_MAX = 20,                 /* REST group_msg_get_simple */
    GROUP_SENDER_WINDOW = 1000,             /* delete_group_msg_by_sender: the latest messages */
    GROUP_NOTIFICATION_CONTENT_MAX = 12288, /* send_group_system_notification Content */
    GROUP_MARK_MIN = 1000,                  /* member marks are the app's numbers from 1000 */
    GROUP_MARKS_MAX = 10,                   /* different member marks per group */
    GROUP_MARK_MEMBERS_MAX = 1000,          /* members per mark */
    GROUP_MARK_REQUEST_MAX = 500,           /* members per markGroupMemberList / modify_user_info */
};

/* ---- group messages ---- */

enum {
    GROUP_AT_MAX = 30,              /* @ mentions per message */
    GROUP_TARGETS_MAX = 50,         /* receivers of a targeted message */
    GROUP_NOTIFY_MEMBERS_MAX = 200, /* conversation-change pushes only for groups with fewer
                                     * online members; larger ones follow onRecvNewMessage */
};
#define GROUP_AT_ALL "__kImSDK_MesssageAtALL__"

/* ---- field limits (bytes) ---- */

#define GROUP_NAME_MAX 30
#define GROUP_INTRODUCTION_MAX 240
#define GROUP_NOTIFICATION_MAX 300
#define GROUP_FACE_URL_MAX 100
#define GROUP_NAME_CARD_MAX 50
#define GROUP_CUSTOM_KEY_MAX 16
#define GROUP_CUSTOM_KEYS_MAX 10 /* AppDefinedData keys per group */
#define GROUP_CUSTOM_VALUE_MAX 512
#define GROUP_MEMBER_CUSTOM_KEYS_MAX 5
#define GROUP_MEMBER_CUSTOM_VALUE_MAX 64
#define GROUP_MUTE_FOREVER 4294967295LL
#define GROUP_REASON_MAX 100        /* a kick's Reason */
#define GROUP_APPLY_MESSAGE_MAX 300 /* the message of a join application */

/* A custom field key: 1–16 bytes of [A-Za-z0-9_], not starting with a digit. */
bool group_custom_key_valid(const char *key, size_t len);

/* Group attributes (initGroupAttributes, *_group_attr). */
#define GROUP_ATTR_KEY_MAX 32
#define GROUP_ATTR_VALUE_MAX 4000
#define GROUP_ATTR_KEYS_MAX 16
#define GROUP_ATTR_TOTAL_MAX 16000 /* keys and values together */

/* A group attribute key: 1–32 bytes. */
bool group_attr_key_valid(const char *key, size_t len);

#endif
