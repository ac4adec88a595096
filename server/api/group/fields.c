/* The request fields of the group area (api/fields.h): each field once, with its REST and SDK
 * spellings, kind, and limit. The limits are rules.h's. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/xalloc.h"

#include "api/fields.h"
#include "api/group/ops.h"
#include "api/group/rules.h"

/* ---- value spellings ---- */

static bool type_parse(const json_t *v, int *out)
{
    group_type_t t;
    bool ok = group_type_parse(json_string_value(v), &t);
    *out = (int)t;
    return ok;
}

/* ApplyJoinOption/InviteJoinOption strings, or the SDK's 0/1/2. */
static bool opt_parse(const json_t *v, int *out)
{
    group_opt_t o;
    bool ok = json_is_integer(v) ? group_opt_from_sdk(json_integer_value(v), &o)
                                 : group_opt_parse(json_string_value(v), &o);
    *out = (int)o;
    return ok;
}

/* "Admin"/"Member", or the SDK's 300/200: the roles a request may give. */
static bool role_parse(const json_t *v, int *out)
{
    group_role_t r = json_is_integer(v) ? group_role_from_sdk(json_integer_value(v))
                                        : group_role_parse(json_string_value(v));
    *out = (int)r;
    return r == GROUP_ROLE_ADMIN || r == GROUP_ROLE_MEMBER;
}

/* MsgFlag strings, kept as the receive option they mean. */
static bool msg_flag_parse(const json_t *v, int *out)
{
    *out = group_msg_flag_to_recv_opt(json_string_value(v));
    return *out >= 0;
}

/* The rows below are data: one line per field, kept unwrapped so a table reads as one. */
/* clang-format off */

/* ---- the profile ---- */

#define P(m) .offset = offsetof(gop_profile_t, m)
static const field_t profile[] = {
    {.rest = {"Name"}, .sdk = {"groupName"}, .kind = FIELD_TEXT, P(name), .bit = GROUP_F_NAME, .min = 1, .max = GROUP_NAME_MAX},
    {.rest = {"Introduction"}, .sdk = {"introduction"}, .kind = FIELD_TEXT, P(introduction), .bit = GROUP_F_INTRODUCTION, .max = GROUP_INTRODUCTION_MAX},
    {.rest = {"Notification"}, .sdk = {"notification"}, .kind = FIELD_TEXT, P(notification), .bit = GROUP_F_NOTIFICATION, .max = GROUP_NOTIFICATION_MAX},
    {.rest = {"FaceUrl"}, .sdk = {"faceUrl"}, .kind = FIELD_TEXT, P(face_url), .bit = GROUP_F_FACE_URL, .max = GROUP_FACE_URL_MAX},
    {.rest = {"MaxMemberCount", "MaxMemberNum"}, .sdk = {"memberMaxCount"}, .kind = FIELD_INT, P(max_members), .bit = GROUP_F_MAX_MEMBERS, .min = 1, .max = INT32_MAX},
    {.rest = {"ApplyJoinOption"}, .sdk = {"groupAddOpt", "addOpt"}, .kind = FIELD_ENUM, P(apply_opt), .bit = GROUP_F_APPLY_OPT,
     .parse = opt_parse, .expect = "FreeAccess, NeedPermission or DisableApply (SDK 2, 1 or 0)"},
    {.rest = {"InviteJoinOption"}, .sdk = {"groupApproveOpt", "approveOpt"}, .kind = FIELD_ENUM, P(invite_opt), .bit = GROUP_F_INVITE_OPT,
     .parse = opt_parse, .expect = "FreeAccess, NeedPermission or DisableInvite (SDK 2, 1 or 0)"},
    {.rest = {"MuteAllMember", "ShutUpAllMember"}, .sdk = {"isAllMuted"}, .kind = FIELD_SWITCH, P(mute_all), .bit = GROUP_F_MUTE_ALL},
    {.rest = {"HistoryMsgBeforeJoin"}, .kind = FIELD_SWITCH, P(history_before_join), .bit = GROUP_F_HISTORY},
    {.rest = {"EnablePermission"}, .sdk = {"isEnablePermissionGroup"}, .kind = FIELD_FLAG, P(enable_permission), .bit = GROUP_F_PERMISSION},
    {.rest = {"DefaultPermission"}, .sdk = {"defaultPermissions"}, .kind = FIELD_INT, P(default_permission), .bit = GROUP_F_PERMISSION, .max = INT64_MAX},
    {.rest = {"AppDefinedData"}, .sdk = {"customInfo"}, .kind = FIELD_KV, P(custom), .bit = GROUP_F_CUSTOM, .check = gop_check_group_custom},
};
static const field_t mute_all[] = {
    {.sdk = {"isMute"}, .kind = FIELD_SWITCH, P(mute_all), .bit = GROUP_F_MUTE_ALL, .need = FIELD_NEED},
};
#undef P

/* ---- a new group and its member list ---- */

#define N(m) .offset = offsetof(gop_new_t, m)
static const field_t new_group[] = {
    {.rest = {"Type"}, .sdk = {"groupType"}, .kind = FIELD_ENUM, N(type), .bit = GOP_N_TYPE, .need = FIELD_NEED,
     .parse = type_parse, .expect = "Private, Public, ChatRoom, AVChatRoom or Community (SDK Work, Meeting)"},
    /* The ID's own rules (group_id_valid_custom) are gop_create's, with their own code. */
    {.rest = {"GroupId"}, .sdk = {"groupID"}, .kind = FIELD_TEXT, N(group_id), .bit = GOP_N_ID, .max = 4096},
    {.rest = {"Owner_Account"}, .kind = FIELD_USER, N(owner), .bit = GOP_N_OWNER},
    {.rest = {"CreateTime"}, .kind = FIELD_INT, N(create_time), .bit = GOP_N_CREATE_TIME, .max = UINT32_MAX},
    {.rest = {"SupportTopic"}, .sdk = {"isSupportTopic"}, .kind = FIELD_FLAG, N(support_topic), .bit = GOP_N_SUPPORT_TOPIC},
};
#undef N

#define E(m) .offset = offsetof(gop_new_member_t, m)
static const field_t new_member[] = {
    {.rest = {"Member_Account"}, .sdk = {"userID"}, .kind = FIELD_USER, E(user), .bit = GOP_M_USER, .need = FIELD_NEED},
    {.rest = {"Role"}, .sdk = {"role"}, .kind = FIELD_ENUM, E(role), .bit = GOP_M_ROLE,
     .parse = role_parse, .expect = "Admin or Member (SDK 300 or 200)"},
    {.rest = {"AppMemberDefinedData"}, .kind = FIELD_KV, E(custom), .bit = GOP_M_CUSTOM, .check = gop_check_member_custom},
};
#undef E

/* ---- member changes ---- */

#define M(m) .offset = offsetof(gop_member_t, m)
#define M_USER {.rest = {"Member_Account"}, .sdk = {"userID"}, .kind = FIELD_USER, M(user), .bit = GOP_M_USER, .need = FIELD_NEED}
static const field_t member[] = {
    M_USER,
    {.rest = {"Role"}, .kind = FIELD_ENUM, M(role), .bit = GOP_M_ROLE,
     .parse = role_parse, .expect = "Admin or Member"},
    {.rest = {"MsgFlag"}, .kind = FIELD_ENUM, M(msg_flag), .bit = GOP_M_MSG_FLAG,
     .parse = msg_flag_parse, .expect = "AcceptAndNotify, AcceptNotNotify, Discard or AcceptNotNotifyExceptAt"},
    {.rest = {"NameCard"}, .sdk = {"nameCard"}, .kind = FIELD_TEXT, M(name_card), .bit = GOP_M_NAME_CARD, .max = GROUP_NAME_CARD_MAX},
    {.rest = {"AppMemberDefinedData"}, .sdk = {"customInfo"}, .kind = FIELD_KV, M(custom), .bit = GOP_M_CUSTOM, .check = gop_check_member_custom},
    {.rest = {"MuteTime", "ShutUpTime"}, .kind = FIELD_INT, M(mute_seconds), .bit = GOP_M_MUTE, .max = GROUP_MUTE_FOREVER},
};
/* SDK muteGroupMember and setGroupMemberRole. */
static const field_t mute[] = {
    M_USER,
    {.sdk = {"seconds"}, .kind = FIELD_INT, M(mute_seconds), .bit = GOP_M_MUTE, .need = FIELD_NEED, .max = GROUP_MUTE_FOREVER},
};
static const field_t role[] = {
    M_USER,
    {.sdk = {"role"}, .kind = FIELD_ENUM, M(role), .bit = GOP_M_ROLE, .need = FIELD_NEED,
     .parse = role_parse, .expect = "300 (admin) or 200 (member)"},
};
#undef M_USER
#undef M

/* ---- the other requests ---- */

#define R(m) .offset = offsetof(gop_req_t, m)
static const field_t join[] = {
    {.sdk = {"message"}, .kind = FIELD_TEXT, R(message), .bit = GOP_R_MESSAGE, .max = GROUP_APPLY_MESSAGE_MAX},
};
static const field_t kick[] = {
    {.rest = {"Reason"}, .sdk = {"reason"}, .kind = FIELD_TEXT, R(reason), .bit = GOP_R_REASON, .max = GROUP_REASON_MAX},
};
#undef R

/* clang-format on */

#define TABLE(rows, type)                                                                          \
    {                                                                                              \
        rows, sizeof rows / sizeof rows[0], offsetof(type, given), ERR_GROUP_PARAM                 \
    }
const field_table_t gop_profile_fields = TABLE(profile, gop_profile_t);
const field_table_t gop_mute_all_fields = TABLE(mute_all, gop_profile_t);
const field_table_t gop_new_member_fields = TABLE(new_member, gop_new_member_t);
const field_table_t gop_member_fields = TABLE(member, gop_member_t);
const field_table_t gop_mute_fields = TABLE(mute, gop_member_t);
const field_table_t gop_role_fields = TABLE(role, gop_member_t);
const field_table_t gop_join_fields = TABLE(join, gop_req_t);
const field_table_t gop_kick_fields = TABLE(kick, gop_req_t);
static const field_table_t new_group_fields = TABLE(new_group, gop_new_t);
#undef TABLE

static err_t read_members(const json_t *list, field_door_t door, gop_new_t *g, char *detail,
                          size_t len)
{
    const char *name = door == FIELD_REST ? "MemberList" : "memberList";
    if (list == NULL)
        return ERR_OK;
    if (!json_is_array(list)) {
        snprintf(detail, len, "%s must be an array of members", name);
        return ERR_GROUP_PARAM;
    }
    g->members = xcalloc(json_array_size(list) + 1, sizeof *g->members);
    for (size_t i = 0; i < json_array_size(list); i++) {
        char why[160];
        err_t err = fields_read(&gop_new_member_fields, door, json_array_get(list, i),
                                &g->members[i], why, sizeof why);
        if (err != ERR_OK) {
            snprintf(detail, len, "%s[%zu]: %s", name, i, why);
            return err;
        }
        g->n_members++;
    }
    return ERR_OK;
}

err_t gop_read_new(const json_t *body, field_door_t door, bool with_members, gop_new_t *g,
                   char *detail, size_t len)
{
    err_t err = fields_read(&new_group_fields, door, body, g, detail, len);
    if (err == ERR_OK)
        err = fields_read(&gop_profile_fields, door, body, &g->profile, detail, len);
    if (err == ERR_OK && with_members)
        err = read_members(json_object_get(body, door == FIELD_REST ? "MemberList" : "memberList"),
                           door, g, detail, len);
    if (err != ERR_OK)
        gop_new_release(g);
    return err;
}
