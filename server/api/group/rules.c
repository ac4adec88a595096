#include "api/group/rules.h"

#include <stdio.h>
#include <string.h>

#define BASIC_FIELDS (GROUP_F_NAME | GROUP_F_INTRODUCTION | GROUP_F_NOTIFICATION | GROUP_F_FACE_URL)

/* Reference §5.1. Where the matrix says "no" for a role-gated operation the minimum role is
 * GROUP_ROLE_NONE (nobody, app admins included). Two readings of chatd's own: in Public and
 * Meeting groups, whose members cannot invite, the owner and admins may add people directly
 * (as REST add_group_member does); in an AVChatRoom, admins may mute as the owner does; Work
 * members cannot mute one another, but an app admin (REST forbid_send_msg) can mute them. */
static const group_type_rules_t rules[GROUP_TYPE_COUNT] = {
    [GROUP_WORK] = {.rest_name = "Private",
                    .sdk_name = "Work",
                    .has_admins = false,
                    .apply_allowed = false,
                    .apply_honoured = false,
                    .default_apply = GROUP_OPT_DISABLE,
                    .default_invite = GROUP_OPT_FREE,
                    .invite_min = GROUP_ROLE_MEMBER,
                    .modify_min = GROUP_ROLE_MEMBER,
                    .member_fields = BASIC_FIELDS,
                    .kick_min = GROUP_ROLE_OWNER,
                    .mute_min = GROUP_ROLE_APP_ADMIN,
                    .dismiss_min = GROUP_ROLE_APP_ADMIN,
                    .owner_may_quit = true,
                    .transfer_allowed = true,
                    .initial_members = true,
                    .importable = true,
                    .stores_history = true,
                    .counts_unread = true,
                    .history_before_join = false,
                    .history_configurable = true,
                    .in_joined_list = true,
                    .needs_activation = true,
                    .default_msg_flag = "AcceptAndNotify",
                    .default_max_members = 6000,
                    .max_members_limit = 6000},
    [GROUP_PUBLIC] = {.rest_name = "Public",
                      .sdk_name = "Public",
                      .has_admins = true,
                      .apply_allowed = true,
                      .apply_honoured = true,
                      .default_apply = GROUP_OPT_PERMISSION,
                      .default_invite = GROUP_OPT_PERMISSION,
                      .invite_min = GROUP_ROLE_ADMIN,
                      .modify_min = GROUP_ROLE_ADMIN,
                      .member_fields = 0,
                      .kick_min = GROUP_ROLE_ADMIN,
                      .mute_min = GROUP_ROLE_ADMIN,
                      .dismiss_min = GROUP_ROLE_OWNER,
                      .owner_may_quit = false,
                      .transfer_allowed = true,
                      .initial_members = true,
                      .importable = true,
                      .stores_history = true,
                      .counts_unread = true,
                      .history_before_join = false,
                      .history_configurable = true,
                      .in_joined_list = true,
                      .needs_activation = false,
                      .default_msg_flag = "AcceptAndNotify",
                      .default_max_members = 6000,
                      .max_members_limit = 6000},
    [GROUP_MEETING] = {.rest_name = "ChatRoom",
                       .sdk_name = "Meeting",
                       .has_admins = true,
                       .apply_allowed = true,
                       .apply_honoured = true,
                       .default_apply = GROUP_OPT_FREE,
                       .default_invite = GROUP_OPT_PERMISSION,
                       .invite_min = GROUP_ROLE_ADMIN,
                       .modify_min = GROUP_ROLE_OWNER,
                       .member_fields = 0,
                       .kick_min = GROUP_ROLE_ADMIN,
                       .mute_min = GROUP_ROLE_ADMIN,
                       .dismiss_min = GROUP_ROLE_OWNER,
                       .owner_may_quit = false,
                       .transfer_allowed = true,
                       .initial_members = true,
                       .importable = true,
                       .stores_history = true,
                       .counts_unread = false,
                       .history_before_join = true,
                       .history_configurable = true,
                       .in_joined_list = true,
                       .needs_activation = false,
                       .default_msg_flag = "AcceptNotNotify",
                       .default_max_members = 6000,
                       .max_members_limit = 6000},
    [GROUP_AVCHATROOM] = {.rest_name = "AVChatRoom",
                          .sdk_name = "AVChatRoom",
                          .has_admins = true,
                          .apply_allowed = true,
                          .apply_honoured = false,
                          .default_apply = GROUP_OPT_FREE,
                          .default_invite = GROUP_OPT_DISABLE,
                          .invite_min = GROUP_ROLE_NONE,
                          .modify_min = GROUP_ROLE_OWNER,
                          .member_fields = 0,
                          .kick_min = GROUP_ROLE_NONE,
                          .mute_min = GROUP_ROLE_ADMIN,
                          .dismiss_min = GROUP_ROLE_OWNER,
                          .owner_may_quit = false,
                          .transfer_allowed = false,
                          .initial_members = false,
                          .importable = false,
                          .stores_history = false,
                          .counts_unread = false,
                          .history_before_join = false,
                          .history_configurable = false,
                          .in_joined_list = false,
                          .needs_activation = false,
                          .default_msg_flag = "AcceptNotNotify",
                          .default_max_members = 0,
                          .max_members_limit = 0},
    [GROUP_COMMUNITY] = {.rest_name = "Community",
                         .sdk_name = "Community",
                         .has_admins = true,
                         .apply_allowed = true,
                         .apply_honoured = true,
                         .default_apply = GROUP_OPT_FREE,
                         .default_invite = GROUP_OPT_FREE,
                         .invite_min = GROUP_ROLE_MEMBER,
                         .modify_min = GROUP_ROLE_ADMIN,
                         .member_fields = 0,
                         .kick_min = GROUP_ROLE_ADMIN,
                         .mute_min = GROUP_ROLE_ADMIN,
                         .dismiss_min = GROUP_ROLE_OWNER,
                         .owner_may_quit = false,
                         .transfer_allowed = true,
                         .initial_members = true,
                         .importable = true,
                         .stores_history = true,
                         .counts_unread = true,
                         .history_before_join = false,
                         .history_configurable = false,
                         .in_joined_list = true,
                         .needs_activation = false,
                         .default_msg_flag = "AcceptAndNotify",
                         .default_max_members = 100000,
                         .max_members_limit = 1000000},
};

const group_type_rules_t *group_rules(group_type_t type)
{
    return (unsigned)type < GROUP_TYPE_COUNT ? &rules[type] : &rules[GROUP_WORK];
}

/* ---- spellings ---- */

bool group_type_parse(const char *s, group_type_t *out)
{
    if (s == NULL)
        return false;
    for (int t = 0; t < GROUP_TYPE_COUNT; t++) {
        if (strcmp(s, rules[t].rest_name) == 0 || strcmp(s, rules[t].sdk_name) == 0) {
            *out = (group_type_t)t;
            return true;
        }
    }
    if (strcmp(s, "BChatRoom") == 0) {
        *out = GROUP_AVCHATROOM;
        return true;
    }
    return false;
}

const char *group_type_rest(group_type_t t)
{
    return group_rules(t)->rest_name;
}

const char *group_type_sdk(group_type_t t)
{
    return group_rules(t)->sdk_name;
}

const char *group_role_rest(group_role_t r)
{
    switch (r) {
    case GROUP_ROLE_OWNER:
        return "Owner";
    case GROUP_ROLE_ADMIN:
        return "Admin";
    case GROUP_ROLE_MEMBER:
        return "Member";
    default:
        return NULL;
    }
}

int group_role_sdk(group_role_t r)
{
    switch (r) {
    case GROUP_ROLE_OWNER:
        return 400;
    case GROUP_ROLE_ADMIN:
        return 300;
    case GROUP_ROLE_MEMBER:
        return 200;
    default:
        return 0;
    }
}

group_role_t group_role_parse(const char *s)
{
    if (s == NULL)
        return GROUP_ROLE_NONE;
    if (strcmp(s, "Owner") == 0)
        return GROUP_ROLE_OWNER;
    if (strcmp(s, "Admin") == 0)
        return GROUP_ROLE_ADMIN;
    if (strcmp(s, "Member") == 0)
        return GROUP_ROLE_MEMBER;
    return GROUP_ROLE_NONE;
}

group_role_t group_role_from_sdk(long long v)
{
    switch (v) {
    case 400:
        return GROUP_ROLE_OWNER;
    case 300:
        return GROUP_ROLE_ADMIN;
    case 200:
        return GROUP_ROLE_MEMBER;
    default:
        return GROUP_ROLE_NONE;
    }
}

bool group_opt_parse(const char *s, group_opt_t *out)
{
    if (s == NULL)
        return false;
    if (strcmp(s, "FreeAccess") == 0)
        *out = GROUP_OPT_FREE;
    else if (strcmp(s, "NeedPermission") == 0)
        *out = GROUP_OPT_PERMISSION;
    else if (strcmp(s, "DisableApply") == 0 || strcmp(s, "DisableInvite") == 0)
        *out = GROUP_OPT_DISABLE;
    else
        return false;
    return true;
}

const char *group_opt_rest(group_opt_t o, bool invite)
{
    switch (o) {
    case GROUP_OPT_FREE:
        return "FreeAccess";
    case GROUP_OPT_PERMISSION:
        return "NeedPermission";
    default:
        return invite ? "DisableInvite" : "DisableApply";
    }
}

int group_opt_sdk(group_opt_t o)
{
    switch (o) {
    case GROUP_OPT_FREE:
        return 2;
    case GROUP_OPT_PERMISSION:
        return 1;
    default:
        return 0;
    }
}

bool group_opt_from_sdk(long long v, group_opt_t *out)
{
    switch (v) {
    case 0:
        *out = GROUP_OPT_DISABLE;
        return true;
    case 1:
        *out = GROUP_OPT_PERMISSION;
        return true;
    case 2:
        *out = GROUP_OPT_FREE;
        return true;
    default:
        return false;
    }
}

static const struct {
    const char *flag;
    int opt;
} msg_flags[] = {
    {"AcceptAndNotify", 0},
    {"Discard", 1},
    {"AcceptNotNotify", 2},
    {"AcceptNotNotifyExceptAt", 3},
};

int group_msg_flag_to_recv_opt(const char *flag)
{
    for (size_t i = 0; flag && i < sizeof msg_flags / sizeof msg_flags[0]; i++)
        if (strcmp(flag, msg_flags[i].flag) == 0)
            return msg_flags[i].opt;
    return -1;
}

const char *group_msg_flag_from_recv_opt(int opt)
{
    for (size_t i = 0; i < sizeof msg_flags / sizeof msg_flags[0]; i++)
        if (opt == msg_flags[i].opt)
            return msg_flags[i].flag;
    return NULL;
}

/* ---- decisions ---- */

/* actor reaches `min`; GROUP_ROLE_NONE as a minimum means nobody does. */
static bool reaches(group_role_t actor, group_role_t min)
{
    return min != GROUP_ROLE_NONE && actor >= min;
}

err_t group_rule_join(group_type_t t, group_opt_t apply_opt, bool *need_approval)
{
    const group_type_rules_t *r = group_rules(t);
    *need_approval = false;
    if (!r->apply_allowed)
        return ERR_GROUP_PERMISSION;
    if (!r->apply_honoured)
        return ERR_OK;
    if (apply_opt == GROUP_OPT_DISABLE)
        return ERR_GROUP_PERMISSION;
    *need_approval = apply_opt == GROUP_OPT_PERMISSION;
    return ERR_OK;
}

err_t group_rule_invite(group_type_t t, group_opt_t invite_opt, group_role_t actor,
                        bool *need_approval)
{
    const group_type_rules_t *r = group_rules(t);
    *need_approval = false;
    if (!reaches(actor, r->invite_min))
        return ERR_GROUP_PERMISSION;
    /* Owners and admins are the approvers: their invitations never wait. */
    if (actor >= GROUP_ROLE_ADMIN)
        return ERR_OK;
    if (invite_opt == GROUP_OPT_DISABLE)
        return ERR_GROUP_PERMISSION;
    *need_approval = invite_opt == GROUP_OPT_PERMISSION;
    return ERR_OK;
}

err_t group_rule_modify(group_type_t t, group_role_t actor, unsigned fields)
{
    const group_type_rules_t *r = group_rules(t);
    if (fields == 0)
        return ERR_OK;
    if ((fields & GROUP_F_MUTE_ALL) && group_rule_mute_all(t, actor) != ERR_OK)
        return ERR_GROUP_PERMISSION;
    if ((fields & GROUP_F_HISTORY) && !r->history_configurable)
        return ERR_GROUP_PERMISSION;
    if ((fields & GROUP_F_PERMISSION) && t != GROUP_COMMUNITY)
        return ERR_GROUP_PERMISSION;
    if ((fields & GROUP_F_MAX_MEMBERS) && actor < GROUP_ROLE_APP_ADMIN)
        return ERR_GROUP_PERMISSION;
    fields &= ~(unsigned)GROUP_F_MUTE_ALL;
    if (fields == 0)
        return ERR_OK;
    if (!reaches(actor, r->modify_min))
        return ERR_GROUP_PERMISSION;
    /* A type where plain members may modify lets them touch only the basic fields; everything
     * else needs the owner (there are no admins where this applies). */
    if (r->modify_min == GROUP_ROLE_MEMBER && actor < GROUP_ROLE_OWNER &&
        (fields & ~r->member_fields) != 0)
        return ERR_GROUP_PERMISSION;
    return ERR_OK;
}

/* The owner acts on anyone else, an admin on plain members only; nobody acts on the owner. */
static err_t over(group_role_t actor, group_role_t target, group_role_t min)
{
    if (!reaches(actor, min))
        return ERR_GROUP_PERMISSION;
    if (target == GROUP_ROLE_OWNER)
        return ERR_GROUP_PERMISSION;
    if (actor == GROUP_ROLE_ADMIN && target != GROUP_ROLE_MEMBER)
        return ERR_GROUP_PERMISSION;
    return ERR_OK;
}

err_t group_rule_kick(group_type_t t, group_role_t actor, group_role_t target)
{
    return over(actor, target, group_rules(t)->kick_min);
}

err_t group_rule_mute(group_type_t t, group_role_t actor, group_role_t target)
{
    return over(actor, target, group_rules(t)->mute_min);
}

err_t group_rule_mute_all(group_type_t t, group_role_t actor)
{
    return reaches(actor, group_rules(t)->mute_min) ? ERR_OK : ERR_GROUP_PERMISSION;
}

err_t group_rule_set_admin(group_type_t t, group_role_t actor, group_role_t target)
{
    if (!group_rules(t)->has_admins || actor < GROUP_ROLE_OWNER)
        return ERR_GROUP_PERMISSION;
    if (target != GROUP_ROLE_MEMBER && target != GROUP_ROLE_ADMIN)
        return ERR_GROUP_PERMISSION;
    return ERR_OK;
}

err_t group_rule_quit(group_type_t t, group_role_t role)
{
    if (role == GROUP_ROLE_NONE)
        return ERR_GROUP_PERMISSION;
    if (role == GROUP_ROLE_OWNER && !group_rules(t)->owner_may_quit)
        return ERR_GROUP_OWNER_QUIT;
    return ERR_OK;
}

err_t group_rule_dismiss(group_type_t t, group_role_t actor)
{
    return reaches(actor, group_rules(t)->dismiss_min) ? ERR_OK : ERR_GROUP_PERMISSION;
}

err_t group_rule_transfer(group_type_t t, group_role_t actor, group_role_t target)
{
    if (!group_rules(t)->transfer_allowed || actor < GROUP_ROLE_OWNER)
        return ERR_GROUP_PERMISSION;
    if (target != GROUP_ROLE_MEMBER && target != GROUP_ROLE_ADMIN)
        return ERR_GROUP_PERMISSION;
    return ERR_OK;
}

err_t group_rule_handle_application(group_type_t t, group_role_t actor)
{
    group_role_t min = group_rules(t)->has_admins ? GROUP_ROLE_ADMIN : GROUP_ROLE_OWNER;
    return actor >= min ? ERR_OK : ERR_GROUP_PERMISSION;
}

err_t group_rule_member_info(group_type_t t, group_role_t actor, group_role_t target, bool self)
{
    if (self && actor >= GROUP_ROLE_MEMBER)
        return ERR_OK;
    if (target == GROUP_ROLE_NONE)
        return ERR_GROUP_PERMISSION;
    if (actor >= GROUP_ROLE_OWNER)
        return ERR_OK;
    if (actor == GROUP_ROLE_ADMIN && group_rules(t)->has_admins && target == GROUP_ROLE_MEMBER)
        return ERR_OK;
    return ERR_GROUP_PERMISSION;
}

err_t group_rule_read_info(group_type_t t, group_role_t actor)
{
    /* Work groups are private to their members; the other types are discoverable. */
    if (t == GROUP_WORK && actor == GROUP_ROLE_NONE)
        return ERR_GROUP_PERMISSION;
    return ERR_OK;
}

bool group_rule_pre_join_visible(group_type_t t, bool history_before_join)
{
    const group_type_rules_t *r = group_rules(t);
    if (!r->stores_history)
        return false;
    return r->history_configurable ? history_before_join : r->history_before_join;
}

/* ---- IDs ---- */

static bool printable_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

bool group_id_valid_custom(group_type_t t, const char *id, size_t len)
{
    if (id == NULL || len == 0 || len > GROUP_ID_MAX || strlen(id) != len ||
        !printable_ascii(id, len) || strstr(id, GROUP_TOPIC_MARK) != NULL)
        return false;
    bool tgs = strncmp(id, GROUP_ID_PREFIX, strlen(GROUP_ID_PREFIX)) == 0;
    if (t == GROUP_COMMUNITY)
        return strncmp(id, GROUP_ID_COMMUNITY_PREFIX, strlen(GROUP_ID_COMMUNITY_PREFIX)) == 0 &&
               len > strlen(GROUP_ID_COMMUNITY_PREFIX);
    return !tgs;
}

void group_id_generate(group_type_t t, const unsigned char rnd[10], char *out, size_t out_len)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char tail[11];
    for (int i = 0; i < 10; i++)
        tail[i] = alnum[rnd[i] % (sizeof alnum - 1)];
    tail[10] = '\0';
    snprintf(out, out_len, "%s%s", t == GROUP_COMMUNITY ? "@TGS#_@TGS#" : "@TGS#", tail);
}

bool group_custom_key_valid(const char *key, size_t len)
{
    if (key == NULL || len == 0 || len > GROUP_CUSTOM_KEY_MAX || strlen(key) != len)
        return false;
    if (key[0] >= '0' && key[0] <= '9')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

bool group_attr_key_valid(const char *key, size_t len)
{
    return key != NULL && len >= 1 && len <= GROUP_ATTR_KEY_MAX && strlen(key) == len;
}

bool group_topic_split(const char *id, char *group, size_t group_len)
{
    const char *mark = id ? strstr(id, GROUP_TOPIC_MARK) : NULL;
    if (mark == NULL || mark == id || (size_t)(mark - id) >= group_len)
        return false;
    memcpy(group, id, (size_t)(mark - id));
    group[mark - id] = '\0';
    return mark[strlen(GROUP_TOPIC_MARK)] != '\0';
}

bool group_topic_custom_valid(const char *part, size_t len)
{
    return part != NULL && len > 0 && strlen(part) == len && printable_ascii(part, len) &&
           strstr(part, GROUP_ID_COMMUNITY_PREFIX) == NULL &&
           strstr(part, GROUP_TOPIC_MARK GROUP_TOPIC_MARK_AUTO) == NULL;
}

bool group_topic_id_make(const char *group_id, const char *custom, const unsigned char rnd[10],
                         char *out, size_t out_len)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char tail[11];
    if (custom == NULL) {
        for (int i = 0; i < 10; i++)
            tail[i] = alnum[rnd[i] % (sizeof alnum - 1)];
        tail[10] = '\0';
    }
    int n = custom ? snprintf(out, out_len, "%s%s%s", group_id, GROUP_TOPIC_MARK, custom)
                   : snprintf(out, out_len, "%s%s%s%s", group_id, GROUP_TOPIC_MARK,
                              GROUP_TOPIC_MARK_AUTO, tail);
    return n > 0 && (size_t)n < out_len && (size_t)n <= GROUP_TOPIC_ID_MAX;
}
