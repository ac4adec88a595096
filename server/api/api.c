#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/valid.h"
#include "core/xalloc.h"

static const api_service_t services[] = {
    {"im_open_login_svc",
     {.json = 90001,
      .bad_param = 70402,
      .internal = 70500,
      .not_admin = 70403,
      .not_imported = 70107,
      .too_many = 70402}},
    {"openim",
     {.json = 90001,
      .bad_param = 90010,
      .internal = 91000,
      .not_admin = 90009,
      .not_imported = 70107,
      .too_many = 90011}},
    {"openconfigsvr",
     {.json = 90001,
      .bad_param = 90010,
      .internal = 91000,
      .not_admin = 90009,
      .not_imported = 70107,
      .too_many = 90011}},
    {"recentcontact",
     {.json = 50002,
      .bad_param = 50002,
      .internal = 50004,
      .not_admin = 50003,
      .not_imported = 50001,
      .too_many = 51006}},
    {"group_open_http_svc",
     {.json = 10011,
      .bad_param = 10004,
      .internal = 10002,
      .not_admin = 10007,
      .not_imported = 10019,
      .too_many = 10005}},
    {"group_open_attr_http_svc",
     {.json = 10011,
      .bad_param = 10004,
      .internal = 10002,
      .not_admin = 10007,
      .not_imported = 10019,
      .too_many = 10005}},
    {"profile",
     {.json = 40001,
      .bad_param = 40001,
      .internal = 40006,
      .not_admin = 40004,
      .not_imported = 40003,
      .too_many = 40001}},
    {"chatd_webhook",
     {.json = 90001,
      .bad_param = 70402,
      .internal = 70500,
      .not_admin = 60010,
      .not_imported = 70107,
      .too_many = 70402}},
};

static const api_route_t routes[] = {
    {"im_open_login_svc", "account_import", api_account_import, API_ADMIN},
    {"im_open_login_svc", "multiaccount_import", api_account_multi_import, API_ADMIN},
    {"im_open_login_svc", "account_delete", api_account_delete, API_ADMIN},
    {"im_open_login_svc", "account_check", api_account_check, API_ADMIN},
    {"im_open_login_svc", "kick", api_account_kick, API_ADMIN},
    {"openim", "query_online_status", api_query_online_status, API_ADMIN},
    {"openim", "querystate", api_query_online_status, API_ADMIN},
    {"openim", "sendmsg", api_openim_sendmsg, API_ADMIN},
    {"openim", "batchsendmsg", api_openim_batchsendmsg, API_ADMIN},
    {"openim", "importmsg", api_openim_importmsg, API_ADMIN},
    {"openim", "admin_getroammsg", api_openim_getroammsg, API_ADMIN},
    {"openim", "admin_set_msg_read", api_openim_set_msg_read, API_ADMIN},
    {"openim", "get_c2c_unread_msg_num", api_openim_c2c_unread, API_ADMIN},
    {"openim", "admin_msgwithdraw", api_openim_msgwithdraw, API_ADMIN},
    {"openim", "modify_c2c_msg", api_openim_modify_c2c_msg, API_ADMIN},
    {"openim", "modify_group_msg", api_openim_modify_group_msg, API_ADMIN},
    {"openconfigsvr", "setnospeaking", api_nospeaking_set, API_ADMIN},
    {"openconfigsvr", "getnospeaking", api_nospeaking_get, API_ADMIN},
    {"recentcontact", "get_list", api_recentcontact_get_list, API_ADMIN},
    {"recentcontact", "delete", api_recentcontact_delete, API_ADMIN},
    {"recentcontact", "create_contact_group", api_recentcontact_create_contact_group, API_ADMIN},
    {"recentcontact", "del_contact_group", api_recentcontact_del_contact_group, API_ADMIN},
    {"recentcontact", "update_contact_group", api_recentcontact_update_contact_group, API_ADMIN},
    {"recentcontact", "search_contact_group", api_recentcontact_search_contact_group, API_ADMIN},
    {"recentcontact", "mark_contact", api_recentcontact_mark_contact, API_ADMIN},
    {"recentcontact", "get_contact_group", api_recentcontact_get_contact_group, API_ADMIN},
    {"group_open_http_svc", "get_appid_group_list", api_group_rest_appid_list, API_ADMIN},
    {"group_open_http_svc", "create_group", api_group_rest_create, API_ADMIN},
    {"group_open_http_svc", "get_group_info", api_group_rest_info, API_ADMIN},
    {"group_open_http_svc", "get_group_member_info", api_group_rest_members, API_ADMIN},
    {"group_open_http_svc", "get_specified_group_member_info", api_group_rest_specified_members,
     API_ADMIN},
    {"group_open_http_svc", "modify_group_base_info", api_group_rest_modify, API_ADMIN},
    {"group_open_http_svc", "add_group_member", api_group_rest_add_members, API_ADMIN},
    {"group_open_http_svc", "delete_group_member", api_group_rest_delete_members, API_ADMIN},
    {"group_open_http_svc", "modify_group_member_info", api_group_rest_modify_member, API_ADMIN},
    {"group_open_http_svc", "destroy_group", api_group_rest_destroy, API_ADMIN},
    {"group_open_http_svc", "get_joined_group_list", api_group_rest_joined, API_ADMIN},
    {"group_open_http_svc", "get_role_in_group", api_group_rest_roles, API_ADMIN},
    {"group_open_http_svc", "forbid_send_msg", api_group_rest_forbid, API_ADMIN},
    {"group_open_http_svc", "get_group_muted_account", api_group_rest_muted, API_ADMIN},
    {"group_open_http_svc", "get_group_shutted_uin", api_group_rest_shutted, API_ADMIN},
    {"group_open_http_svc", "send_group_msg", api_group_rest_send_msg, API_ADMIN},
    {"group_open_http_svc", "send_group_system_notification", api_group_rest_system_notification,
     API_ADMIN},
    {"group_open_http_svc", "change_group_owner", api_group_rest_change_owner, API_ADMIN},
    {"group_open_http_svc", "import_group", api_group_rest_import, API_ADMIN},
    {"group_open_http_svc", "import_group_msg", api_group_rest_import_msg, API_ADMIN},
    {"group_open_http_svc", "import_group_member", api_group_rest_import_members, API_ADMIN},
    {"group_open_http_svc", "set_unread_msg_num", api_group_rest_set_unread, API_ADMIN},
    {"group_open_http_svc", "delete_group_msg_by_sender", api_group_rest_delete_by_sender,
     API_ADMIN},
    {"group_open_http_svc", "group_msg_get_simple", api_group_rest_history, API_ADMIN},
    {"group_open_http_svc", "group_msg_recall", api_group_rest_msg_recall, API_ADMIN},
    {"group_open_http_svc", "group_msg_receipt", api_group_rest_msg_receipt, API_ADMIN},
    {"group_open_http_svc", "get_group_msg_receipt", api_group_rest_get_msg_receipt, API_ADMIN},
    {"group_open_http_svc", "get_group_msg_receipt_detail", api_group_rest_msg_receipt_detail,
     API_ADMIN},
    {"group_open_http_svc", "clear_group_msg", api_group_rest_clear_msg, API_ADMIN},
    {"group_open_http_svc", "get_online_member_num", api_group_rest_online_num, API_ADMIN},
    {"group_open_http_svc", "get_group_attr", api_group_rest_attr_get, API_ADMIN},
    {"group_open_http_svc", "modify_group_attr", api_group_rest_attr_modify, API_ADMIN},
    {"group_open_http_svc", "clear_group_attr", api_group_rest_attr_clear, API_ADMIN},
    {"group_open_http_svc", "set_group_attr", api_group_rest_attr_set, API_ADMIN},
    {"group_open_http_svc", "delete_group_attr", api_group_rest_attr_delete, API_ADMIN},
    {"group_open_attr_http_svc", "get_group_attr", api_group_rest_attr_get, API_ADMIN},
    {"group_open_attr_http_svc", "modify_group_attr", api_group_rest_attr_modify, API_ADMIN},
    {"group_open_attr_http_svc", "clear_group_attr", api_group_rest_attr_clear, API_ADMIN},
    {"group_open_attr_http_svc", "set_group_attr", api_group_rest_attr_set, API_ADMIN},
    {"group_open_attr_http_svc", "delete_group_attr", api_group_rest_attr_delete, API_ADMIN},
    {"profile", "portrait_get", api_portrait_get, API_ADMIN},
    {"profile", "portrait_set", api_portrait_set, API_ADMIN},
    {"chatd_webhook", "list_dead", api_webhook_list_dead, API_ADMIN},
    {"chatd_webhook", "retry_dead", api_webhook_retry_dead, API_ADMIN},
};

/* login and logout change the session itself and are handled by ws/. */
static const api_command_t commands[] = {
    {"sendMessage", api_ws_send_message},
    {"getHistoryMessageList", api_ws_get_history},
    {"findMessages", api_ws_find_messages},
    {"syncMessages", api_ws_sync_messages},
    {"markC2CMessageAsRead", api_ws_mark_c2c_read},
    {"cleanConversationUnreadMessageCount", api_conv_clean_unread},
    {"getConversationList", api_conv_list},
    {"getConversationListByFilter", api_conv_list_by_filter},
    {"getConversation", api_conv_get},
    {"getConversationListByConversationIDs", api_conv_get_by_ids},
    {"getTotalUnreadMessageCount", api_conv_total_unread},
    {"deleteConversation", api_conv_delete},
    {"deleteConversationList", api_conv_delete_list},
    {"pinConversation", api_conv_pin},
    {"setConversationDraft", api_conv_draft},
    {"setC2CReceiveMessageOpt", api_conv_set_c2c_recv_opt},
    {"getC2CReceiveMessageOpt", api_conv_get_c2c_recv_opt},
    {"setGroupReceiveMessageOpt", api_conv_set_group_recv_opt},
    {"markConversation", api_conv_mark},
    {"createConversationGroup", api_conv_group_create},
    {"getConversationGroupList", api_conv_group_list},
    {"deleteConversationGroup", api_conv_group_delete},
    {"renameConversationGroup", api_conv_group_rename},
    {"addConversationsToGroup", api_conv_group_add},
    {"deleteConversationsFromGroup", api_conv_group_remove},
    {"sendMessageReadReceipts", api_ws_send_receipts},
    {"getMessageReadReceipts", api_ws_get_receipts},
    {"getGroupMessageReadMemberList", api_ws_group_read_members},
    {"revokeMessage", api_ws_revoke_message},
    {"modifyMessage", api_ws_modify_message},
    {"createGroup", api_group_create},
    {"joinGroup", api_group_join},
    {"quitGroup", api_group_quit},
    {"dismissGroup", api_group_dismiss},
    {"getJoinedGroupList", api_group_joined_list},
    {"getGroupsInfo", api_group_get_info},
    {"setGroupInfo", api_group_set_info},
    {"getGroupMemberList", api_group_member_list},
    {"getGroupMembersInfo", api_group_members_info},
    {"setGroupMemberInfo", api_group_set_member_info},
    {"muteGroupMember", api_group_mute_member},
    {"muteAllGroupMembers", api_group_mute_all},
    {"inviteUserToGroup", api_group_invite},
    {"kickGroupMember", api_group_kick},
    {"setGroupMemberRole", api_group_set_member_role},
    {"transferGroupOwner", api_group_transfer_owner},
    {"getGroupApplicationList", api_group_applications},
    {"acceptGroupApplication", api_group_accept_application},
    {"refuseGroupApplication", api_group_refuse_application},
    {"initGroupAttributes", api_group_attrs_init},
    {"setGroupAttributes", api_group_attrs_set},
    {"deleteGroupAttributes", api_group_attrs_delete},
    {"getGroupAttributes", api_group_attrs_get},
    {"getGroupOnlineMemberCount", api_group_online_count},
};

const err_service_t api_ws_errors = {.json = 60003,
                                     .bad_param = 70402,
                                     .internal = 70500,
                                     .not_admin = 60010,
                                     .not_imported = 20003,
                                     .too_many = 70402};

const api_command_t *api_command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

const api_command_t *api_commands(size_t *count)
{
    *count = sizeof commands / sizeof commands[0];
    return commands;
}

const api_route_t *api_route_find(const char *service, const char *command)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].service, service) == 0 && strcmp(routes[i].command, command) == 0)
            return &routes[i];
    return NULL;
}

const api_service_t *api_service_find(const char *service)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].name, service) == 0)
            return &services[i];
    return NULL;
}

const api_route_t *api_routes(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}

static void finish(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (call->finished) {
        /* A second answer is a handler bug; keep the first. */
        json_decref(result);
        return;
    }
    call->finished = true;
    call->reply(call, err, detail, result);
}

void api_finish(api_call_t *call, json_t *result)
{
    finish(call, ERR_OK, NULL, result);
}

void api_fail(api_call_t *call, err_t err, const char *fmt, ...)
{
    char detail[512] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    finish(call, err, fmt ? detail : NULL, NULL);
}

/* The i-th ID of a list api_ids_t describes, or NULL when the element is not one. */
static const char *id_at(const api_ids_t *spec, const json_t *list, size_t i)
{
    const json_t *v = json_array_get(list, i);
    if (spec->key && json_is_object(v))
        v = json_object_get(v, spec->key);
    if (!json_is_string(v))
        return NULL;
    if (spec->user_ids && !valid_user_id(json_string_value(v), json_string_length(v)))
        return NULL;
    return json_string_value(v);
}

/* body[spec->name] when it is a list of 1..max good IDs; NULL after failing the call. */
static const json_t *id_list(api_call_t *call, const api_ids_t *spec)
{
    const json_t *list = json_object_get(call->body, spec->name);
    if (!json_is_array(list) || json_array_size(list) == 0) {
        api_fail(call, spec->bad, "%s must be a non-empty array of %s", spec->name, spec->what);
        return NULL;
    }
    if (json_array_size(list) > spec->max) {
        api_fail(call, spec->too_many, "%s holds at most %zu %s", spec->name, spec->max,
                 spec->what);
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(list); i++)
        if (id_at(spec, list, i) == NULL) {
            api_fail(call, spec->bad, "%s[%zu] is not one of the %s", spec->name, i, spec->what);
            return NULL;
        }
    return list;
}

const char **api_read_ids(api_call_t *call, const api_ids_t *spec, size_t *n)
{
    const json_t *list = id_list(call, spec);
    if (list == NULL)
        return NULL;
    *n = json_array_size(list);
    const char **ids = xcalloc(*n, sizeof *ids);
    for (size_t i = 0; i < *n; i++)
        ids[i] = id_at(spec, list, i);
    return ids;
}

json_t *api_read_id_array(api_call_t *call, const api_ids_t *spec)
{
    const json_t *list = id_list(call, spec);
    if (list == NULL)
        return NULL;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(list); i++)
        json_array_append_new(out, json_string(id_at(spec, list, i)));
    return out;
}
