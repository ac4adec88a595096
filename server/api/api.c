#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/conv/conv.h"
#include "api/fields.h"
#include "api/push/push.h"
#include "api/user/user.h"
#include "api/valid.h"
#include "core/xalloc.h"

/* The openim family's spelling (one-to-one messages, global mute, message extensions). */
#define OPENIM_ERRORS                                                                              \
    {                                                                                              \
        .json = 90001, .bad_param = 90010, .internal = 91000, .not_admin = 90009,                  \
        .not_imported = 70107, .too_many = 90011                                                   \
    }

/* The group services share Tencent's group codes. */
#define GROUP_ERRORS                                                                               \
    {                                                                                              \
        .json = 10011, .bad_param = 10004, .internal = 10002, .not_admin = 10007,                  \
        .not_imported = 10019, .too_many = 10005                                                   \
    }

/* chatd's own services spell the generic kinds as im_open_login_svc does, 60010 for admins. */
#define CHATD_ERRORS                                                                               \
    {                                                                                              \
        .json = 90001, .bad_param = 70402, .internal = 70500, .not_admin = 60010,                  \
        .not_imported = 70107, .too_many = 70402                                                   \
    }

static const api_service_t services[] = {
    {"im_open_login_svc",
     {.json = 90001,
      .bad_param = 70402,
      .internal = 70500,
      .not_admin = 70403,
      .not_imported = 70107,
      .too_many = 70402}},
    {"openim", OPENIM_ERRORS},
    {"openconfigsvr", OPENIM_ERRORS},
    {"open_msg_svc", OPENIM_ERRORS},
    {"recentcontact",
     {.json = 50002,
      .bad_param = 50002,
      .internal = 50004,
      .not_admin = 50003,
      .not_imported = 50001,
      .too_many = 51006}},
    {"group_open_http_svc", GROUP_ERRORS},
    {"group_open_attr_http_svc", GROUP_ERRORS},
    {"group_open_avchatroom_http_svc", GROUP_ERRORS},
    {"million_group_open_http_svc", GROUP_ERRORS},
    {"profile",
     {.json = 40001,
      .bad_param = 40001,
      .internal = 40006,
      .not_admin = 40004,
      .not_imported = 40003,
      .too_many = 40001}},
    {"sns",
     {.json = 30001,
      .bad_param = 30001,
      .internal = 30006,
      .not_admin = 30004,
      .not_imported = 30003,
      .too_many = 30001}},
    {"openim_msg_ext_http_svc", OPENIM_ERRORS},
    {"all_member_push", OPENIM_ERRORS},
    {"chatd_webhook", CHATD_ERRORS},
    {"chatd_admin", CHATD_ERRORS},
    {"chatd_search", CHATD_ERRORS},
};

/* Every API chatd serves, once: its area (server/api/<area>/), its REST route (Tencent's
 * service/command; all REST routes are for app administrators) and its WebSocket command (the
 * Chat SDK's name; for the logged-in user). A row with both names is one capability behind two
 * doors, its rules in the area's ops (docs/architecture.md). login and logout change the
 * session itself and are ws/'s. */
#define NO_REST                                                                                    \
    {                                                                                              \
        NULL, NULL, NULL, 0                                                                        \
    }
#define NO_WS                                                                                      \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }

static const api_op_t ops[] = {
    /* message */
    {"message",
     {"openim", "sendmsg", api_openim_sendmsg, API_ADMIN},
     {"sendMessage", api_ws_send_message}},
    {"message", {"openim", "batchsendmsg", api_openim_batchsendmsg, API_ADMIN}, NO_WS},
    {"message", {"openim", "importmsg", api_openim_importmsg, API_ADMIN}, NO_WS},
    {"message", {"openim", "admin_getroammsg", api_openim_getroammsg, API_ADMIN}, NO_WS},
    {"message",
     {"openim", "admin_set_msg_read", api_openim_set_msg_read, API_ADMIN},
     {"markC2CMessageAsRead", api_ws_mark_c2c_read}},
    {"push", NO_REST, {"setOfflinePushConfig", api_push_set_config}},
    {"push", {"all_member_push", "im_push", api_push_im_push, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_set_attr_name", api_push_set_attr_name, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_get_attr_name", api_push_get_attr_name, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_get_attr", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_set_attr", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_remove_attr", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_get_tag", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_add_tag", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_remove_tag", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", {"all_member_push", "im_remove_all_tags", api_push_user_lists, API_ADMIN}, NO_WS},
    {"push", NO_REST, {"doBackground", api_push_background}},
    {"push", NO_REST, {"doForeground", api_push_foreground}},
    {"signal", NO_REST, {"invite", api_signal_invite}},
    {"signal", NO_REST, {"inviteInGroup", api_signal_invite_in_group}},
    {"signal", NO_REST, {"accept", api_signal_accept}},
    {"signal", NO_REST, {"reject", api_signal_reject}},
    {"signal", NO_REST, {"cancel", api_signal_cancel}},
    {"signal", NO_REST, {"modifyInvitation", api_signal_modify}},
    {"signal", NO_REST, {"getSignalingInfo", api_signal_get_info}},
    {"signal", NO_REST, {"addInvitedSignaling", api_signal_add_invited}},
    {"message", NO_REST, {"findMessages", api_ws_find_messages}},
    {"message", NO_REST, {"downloadMergerMessage", api_ws_download_merger}},
    {"message", NO_REST, {"syncMessages", api_ws_sync_messages}},
    {"message", NO_REST, {"getHistoryMessageList", api_ws_get_history}},
    {"message", NO_REST, {"getHistoryMessageListV2", api_ws_get_history_v2}},
    {"message",
     {"openim", "c2c_msg_read_receipt", api_openim_c2c_read_receipt, API_ADMIN},
     {"sendMessageReadReceipts", api_ws_send_receipts}},
    {"message", NO_REST, {"getMessageReadReceipts", api_ws_get_receipts}},
    {"message", NO_REST, {"getGroupMessageReadMemberList", api_ws_group_read_members}},
    /* conv */
    {"conv",
     {"recentcontact", "get_list", api_recentcontact_get_list, API_ADMIN},
     {"getConversationList", api_conv_list}},
    {"conv",
     {"recentcontact", "delete", api_recentcontact_delete, API_ADMIN},
     {"deleteConversation", api_conv_delete}},
    {"conv",
     {"recentcontact", "create_contact_group", api_recentcontact_create_contact_group, API_ADMIN},
     {"createConversationGroup", api_conv_group_create}},
    {"conv",
     {"recentcontact", "del_contact_group", api_recentcontact_del_contact_group, API_ADMIN},
     {"deleteConversationGroup", api_conv_group_delete}},
    {"conv",
     {"recentcontact", "update_contact_group", api_recentcontact_update_contact_group, API_ADMIN},
     {"renameConversationGroup", api_conv_group_rename}},
    {"conv",
     {"recentcontact", "search_contact_group", api_recentcontact_search_contact_group, API_ADMIN},
     NO_WS},
    {"conv",
     {"recentcontact", "mark_contact", api_recentcontact_mark_contact, API_ADMIN},
     {"markConversation", api_conv_mark}},
    {"conv",
     {"recentcontact", "get_contact_group", api_recentcontact_get_contact_group, API_ADMIN},
     {"getConversationGroupList", api_conv_group_list}},
    {"conv", NO_REST, {"cleanConversationUnreadMessageCount", api_conv_clean_unread}},
    {"conv", NO_REST, {"getConversationListByFilter", api_conv_list_by_filter}},
    {"conv", NO_REST, {"getUnreadMessageCountByFilter", api_conv_filter_unread}},
    {"conv", NO_REST, {"subscribeUnreadMessageCountByFilter", api_conv_filter_subscribe}},
    {"conv", NO_REST, {"unsubscribeUnreadMessageCountByFilter", api_conv_filter_unsubscribe}},
    {"conv", NO_REST, {"getConversation", api_conv_get}},
    {"conv", NO_REST, {"getConversationListByConversationIDs", api_conv_get_by_ids}},
    {"conv", {"openim", "get_c2c_unread_msg_num", api_openim_c2c_unread, API_ADMIN}, NO_WS},
    {"conv", NO_REST, {"deleteConversationList", api_conv_delete_list}},
    {"conv", NO_REST, {"clearC2CHistoryMessage", api_conv_clear_c2c_history}},
    {"conv", NO_REST, {"clearGroupHistoryMessage", api_conv_clear_group_history}},
    {"conv", NO_REST, {"pinConversation", api_conv_pin}},
    {"conv", NO_REST, {"setConversationCustomData", api_conv_custom_data}},
    {"conv", NO_REST, {"setConversationDraft", api_conv_draft}},
    {"conv", NO_REST, {"setC2CReceiveMessageOpt", api_conv_set_c2c_recv_opt}},
    {"conv", NO_REST, {"getC2CReceiveMessageOpt", api_conv_get_c2c_recv_opt}},
    {"conv", NO_REST, {"setGroupReceiveMessageOpt", api_conv_set_group_recv_opt}},
    {"conv", NO_REST, {"addConversationsToGroup", api_conv_group_add}},
    {"conv", NO_REST, {"deleteConversationsFromGroup", api_conv_group_remove}},
    {"conv", NO_REST, {"getTotalUnreadMessageCount", api_conv_total_unread}},
    /* group */
    {"group",
     {"group_open_http_svc", "get_appid_group_list", api_group_rest_appid_list, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "create_group", api_group_rest_create, API_ADMIN},
     {"createGroup", api_group_create}},
    {"group",
     {"group_open_http_svc", "get_group_info", api_group_rest_info, API_ADMIN},
     {"getGroupsInfo", api_group_get_info}},
    {"group",
     {"group_open_http_svc", "get_group_member_info", api_group_rest_members, API_ADMIN},
     {"getGroupMemberList", api_group_member_list}},
    {"group",
     {"group_open_http_svc", "get_specified_group_member_info", api_group_rest_specified_members,
      API_ADMIN},
     {"getGroupMembersInfo", api_group_members_info}},
    {"group",
     {"group_open_http_svc", "modify_group_base_info", api_group_rest_modify, API_ADMIN},
     {"setGroupInfo", api_group_set_info}},
    {"group",
     {"group_open_http_svc", "add_group_member", api_group_rest_add_members, API_ADMIN},
     {"inviteUserToGroup", api_group_invite}},
    {"group",
     {"group_open_http_svc", "delete_group_member", api_group_rest_delete_members, API_ADMIN},
     {"kickGroupMember", api_group_kick}},
    {"group",
     {"group_open_http_svc", "modify_group_member_info", api_group_rest_modify_member, API_ADMIN},
     {"setGroupMemberInfo", api_group_set_member_info}},
    {"group",
     {"group_open_http_svc", "destroy_group", api_group_rest_destroy, API_ADMIN},
     {"dismissGroup", api_group_dismiss}},
    {"group",
     {"group_open_http_svc", "get_joined_group_list", api_group_rest_joined, API_ADMIN},
     {"getJoinedGroupList", api_group_joined_list}},
    {"group", {"group_open_http_svc", "get_role_in_group", api_group_rest_roles, API_ADMIN}, NO_WS},
    {"group",
     {"group_open_http_svc", "forbid_send_msg", api_group_rest_forbid, API_ADMIN},
     {"muteGroupMember", api_group_mute_member}},
    {"group",
     {"group_open_avchatroom_http_svc", "modify_user_info", api_group_rest_mark_members, API_ADMIN},
     {"markGroupMemberList", api_group_mark_members}},
    {"group",
     {"group_open_http_svc", "get_group_muted_account", api_group_rest_muted, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "get_group_shutted_uin", api_group_rest_shutted, API_ADMIN},
     NO_WS},
    /* WebSocket: sendMessage with a groupID (message/sdk.c hands it to group/send.c) */
    {"group", {"group_open_http_svc", "send_group_msg", api_group_rest_send_msg, API_ADMIN}, NO_WS},
    {"group",
     {"group_open_http_svc", "send_group_system_notification", api_group_rest_system_notification,
      API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "change_group_owner", api_group_rest_change_owner, API_ADMIN},
     {"transferGroupOwner", api_group_transfer_owner}},
    {"group", {"group_open_http_svc", "import_group", api_group_rest_import, API_ADMIN}, NO_WS},
    {"group",
     {"group_open_http_svc", "import_group_msg", api_group_rest_import_msg, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "import_group_member", api_group_rest_import_members, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "set_unread_msg_num", api_group_rest_set_unread, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "delete_group_msg_by_sender", api_group_rest_delete_by_sender,
      API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "group_msg_get_simple", api_group_rest_history, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "get_online_member_num", api_group_rest_online_num, API_ADMIN},
     {"getGroupOnlineMemberCount", api_group_online_count}},
    {"group", {"group_open_http_svc", "ban_group_member", api_group_rest_ban, API_ADMIN}, NO_WS},
    {"group",
     {"group_open_http_svc", "unban_group_member", api_group_rest_unban, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "get_group_ban_member", api_group_rest_bans, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "send_broadcast_msg", api_group_rest_broadcast, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_avchatroom_http_svc", "get_members", api_avroom_rest_members, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_avchatroom_http_svc", "check_members", api_avroom_rest_check_members, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_avchatroom_http_svc", "modify_admin", api_avroom_rest_modify_admin, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_avchatroom_http_svc", "get_admin_list", api_avroom_rest_admin_list, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "get_group_counter", api_group_rest_counter_get, API_ADMIN},
     {"getGroupCounters", api_group_counters_get}},
    {"group",
     {"group_open_http_svc", "update_group_counter", api_group_rest_counter_update, API_ADMIN},
     {"setGroupCounters", api_group_counters_set}},
    {"group", NO_REST, {"increaseGroupCounter", api_group_counter_increase}},
    {"group", NO_REST, {"decreaseGroupCounter", api_group_counter_decrease}},
    {"group",
     {"group_open_http_svc", "delete_group_counter", api_group_rest_counter_delete, API_ADMIN},
     NO_WS},
    {"group", {"group_open_http_svc", "get_group_attr", api_group_rest_attr_get, API_ADMIN}, NO_WS},
    {"group",
     {"group_open_http_svc", "modify_group_attr", api_group_rest_attr_modify, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_http_svc", "clear_group_attr", api_group_rest_attr_clear, API_ADMIN},
     NO_WS},
    {"group", {"group_open_http_svc", "set_group_attr", api_group_rest_attr_set, API_ADMIN}, NO_WS},
    {"group",
     {"group_open_http_svc", "delete_group_attr", api_group_rest_attr_delete, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_attr_http_svc", "get_group_attr", api_group_rest_attr_get, API_ADMIN},
     {"getGroupAttributes", api_group_attrs_get}},
    {"group",
     {"group_open_attr_http_svc", "modify_group_attr", api_group_rest_attr_modify, API_ADMIN},
     {"setGroupAttributes", api_group_attrs_set}},
    {"group",
     {"group_open_attr_http_svc", "clear_group_attr", api_group_rest_attr_clear, API_ADMIN},
     NO_WS},
    {"group",
     {"group_open_attr_http_svc", "set_group_attr", api_group_rest_attr_set, API_ADMIN},
     {"initGroupAttributes", api_group_attrs_init}},
    {"group",
     {"group_open_attr_http_svc", "delete_group_attr", api_group_rest_attr_delete, API_ADMIN},
     {"deleteGroupAttributes", api_group_attrs_delete}},
    {"group", NO_REST, {"joinGroup", api_group_join}},
    {"group", NO_REST, {"quitGroup", api_group_quit}},
    {"group", NO_REST, {"muteAllGroupMembers", api_group_mute_all}},
    {"group", NO_REST, {"setGroupMemberRole", api_group_set_member_role}},
    {"group", NO_REST, {"getGroupApplicationList", api_group_applications}},
    {"group", NO_REST, {"acceptGroupApplication", api_group_accept_application}},
    {"group", NO_REST, {"refuseGroupApplication", api_group_refuse_application}},
    {"group", NO_REST, {"setGroupApplicationRead", api_group_applications_read}},
    {"group", NO_REST, {"getJoinedCommunityList", api_group_joined_communities}},
    /* Community topics (group/topic.c) */
    {"group",
     {"million_group_open_http_svc", "create_topic", api_topic_rest_create, API_ADMIN},
     {"createTopicInCommunity", api_topic_create}},
    {"group",
     {"million_group_open_http_svc", "destroy_topic", api_topic_rest_destroy, API_ADMIN},
     {"deleteTopicFromCommunity", api_topic_delete}},
    {"group",
     {"million_group_open_http_svc", "modify_topic", api_topic_rest_modify, API_ADMIN},
     {"setTopicInfo", api_topic_set_info}},
    {"group",
     {"million_group_open_http_svc", "get_topic", api_topic_rest_get, API_ADMIN},
     {"getTopicInfoList", api_topic_list}},
    {"group", {"group_open_http_svc", "import_topic", api_topic_rest_import, API_ADMIN}, NO_WS},
    /* Community permission groups (group/permission.c) */
    {"group",
     {"group_open_http_svc", "create_permission_group", api_perm_rest_create, API_ADMIN},
     {"createPermissionGroupInCommunity", api_perm_create}},
    {"group",
     {"group_open_http_svc", "destroy_permission_group", api_perm_rest_destroy, API_ADMIN},
     {"deletePermissionGroupFromCommunity", api_perm_delete}},
    {"group",
     {"group_open_http_svc", "modify_permission_group", api_perm_rest_modify, API_ADMIN},
     {"modifyPermissionGroupInfoInCommunity", api_perm_modify}},
    {"group",
     {"group_open_http_svc", "get_permission_group", api_perm_rest_get, API_ADMIN},
     {"getPermissionGroupListInCommunity", api_perm_list}},
    {"group", NO_REST, {"getJoinedPermissionGroupListInCommunity", api_perm_joined}},
    {"group",
     {"group_open_http_svc", "add_permission_group_member", api_perm_rest_add_members, API_ADMIN},
     {"addCommunityMembersToPermissionGroup", api_perm_add_members}},
    {"group",
     {"group_open_http_svc", "delete_permission_group_member", api_perm_rest_delete_members,
      API_ADMIN},
     {"removeCommunityMembersFromPermissionGroup", api_perm_remove_members}},
    {"group",
     {"group_open_http_svc", "get_permission_group_member_list", api_perm_rest_member_list,
      API_ADMIN},
     {"getCommunityMemberListInPermissionGroup", api_perm_member_list}},
    {"group",
     {"group_open_http_svc", "add_topic_permission_group", api_perm_rest_topic_add, API_ADMIN},
     {"addTopicPermissionToPermissionGroup", api_perm_topic_add}},
    {"group",
     {"group_open_http_svc", "set_topic_permission_group", api_perm_rest_topic_set, API_ADMIN},
     {"modifyTopicPermissionInPermissionGroup", api_perm_topic_modify}},
    {"group",
     {"group_open_http_svc", "delete_topic_permission_group", api_perm_rest_topic_delete,
      API_ADMIN},
     {"deleteTopicPermissionFromPermissionGroup", api_perm_topic_delete}},
    {"group",
     {"group_open_http_svc", "get_topic_permission_group", api_perm_rest_topic_get, API_ADMIN},
     {"getTopicPermissionInPermissionGroup", api_perm_topic_get}},
    /* recall */
    {"recall",
     {"openim", "admin_msgwithdraw", api_openim_msgwithdraw, API_ADMIN},
     {"revokeMessage", api_ws_revoke_message}},
    {"recall", {"openim", "modify_group_msg", api_openim_modify_group_msg, API_ADMIN}, NO_WS},
    {"recall",
     {"group_open_http_svc", "group_msg_recall", api_group_rest_msg_recall, API_ADMIN},
     NO_WS},
    {"recall",
     {"group_open_http_svc", "group_msg_receipt", api_group_rest_msg_receipt, API_ADMIN},
     NO_WS},
    {"recall",
     {"group_open_http_svc", "get_group_msg_receipt", api_group_rest_get_msg_receipt, API_ADMIN},
     NO_WS},
    {"recall",
     {"group_open_http_svc", "get_group_msg_receipt_detail", api_group_rest_msg_receipt_detail,
      API_ADMIN},
     NO_WS},
    {"recall",
     {"group_open_http_svc", "clear_group_msg", api_group_rest_clear_msg, API_ADMIN},
     NO_WS},
    {"recall",
     {"openim", "modify_c2c_msg", api_openim_modify_c2c_msg, API_ADMIN},
     {"modifyMessage", api_ws_modify_message}},
    {"recall",
     {"openim", "delete_c2c_msg_ramble", api_openim_delete_ramble, API_ADMIN},
     {"deleteMessages", api_ws_delete_messages}},
    /* user */
    {"user", NO_REST, {"getServerTime", api_ws_get_server_time}},
    {"user", NO_REST, {"getUsersInfo", api_user_get_infos}},
    {"user", NO_REST, {"setSelfInfo", api_user_set_self_info}},
    {"user", NO_REST, {"subscribeUserInfo", api_user_subscribe_info}},
    {"user", NO_REST, {"unsubscribeUserInfo", api_user_unsubscribe_info}},
    {"user", NO_REST, {"setSelfStatus", api_user_set_self_status}},
    {"user", NO_REST, {"setAllReceiveMessageOpt", api_user_set_all_recv_opt}},
    {"user", NO_REST, {"getAllReceiveMessageOpt", api_user_get_all_recv_opt}},
    {"user", NO_REST, {"getUserStatus", api_user_get_status}},
    {"user", NO_REST, {"subscribeUserStatus", api_user_subscribe_status}},
    {"user", NO_REST, {"unsubscribeUserStatus", api_user_unsubscribe_status}},
    {"user", {"im_open_login_svc", "account_import", api_account_import, API_ADMIN}, NO_WS},
    {"user",
     {"im_open_login_svc", "multiaccount_import", api_account_multi_import, API_ADMIN},
     NO_WS},
    {"user", {"im_open_login_svc", "account_delete", api_account_delete, API_ADMIN}, NO_WS},
    {"user", {"im_open_login_svc", "account_check", api_account_check, API_ADMIN}, NO_WS},
    {"user", {"im_open_login_svc", "kick", api_account_kick, API_ADMIN}, NO_WS},
    {"user", {"openim", "query_online_status", api_query_online_status, API_ADMIN}, NO_WS},
    {"user", {"openim", "querystate", api_query_online_status, API_ADMIN}, NO_WS},
    {"user", {"openconfigsvr", "setnospeaking", api_nospeaking_set, API_ADMIN}, NO_WS},
    {"user", {"openconfigsvr", "getnospeaking", api_nospeaking_get, API_ADMIN}, NO_WS},
    {"user", {"profile", "portrait_get", api_portrait_get, API_ADMIN}, NO_WS},
    {"user", {"profile", "portrait_set", api_portrait_set, API_ADMIN}, NO_WS},
    /* ext */
    {"ext",
     {"openim_msg_ext_http_svc", "set_key_values", api_ext_rest_set, API_ADMIN},
     {"setMessageExtensions", api_ext_set}},
    {"ext",
     {"openim_msg_ext_http_svc", "get_key_values", api_ext_rest_get, API_ADMIN},
     {"getMessageExtensions", api_ext_get}},
    {"ext",
     {"openim_msg_ext_http_svc", "group_set_key_values", api_ext_rest_group_set, API_ADMIN},
     NO_WS},
    {"ext",
     {"openim_msg_ext_http_svc", "group_get_key_values", api_ext_rest_group_get, API_ADMIN},
     NO_WS},
    {"ext", NO_REST, {"deleteMessageExtensions", api_ext_delete}},
    {"ext", NO_REST, {"addMessageReaction", api_reaction_add}},
    {"ext", NO_REST, {"removeMessageReaction", api_reaction_remove}},
    {"ext", NO_REST, {"getMessageReactions", api_reactions_get}},
    {"ext", NO_REST, {"getAllUserListOfMessageReaction", api_reaction_users}},
    {"ext", NO_REST, {"pinGroupMessage", api_group_pin_message}},
    {"ext", NO_REST, {"getPinnedGroupMessageList", api_group_pinned_messages}},
    /* friend */
    {"friend", {"sns", "friend_add", api_sns_friend_add, API_ADMIN}, {"addFriend", api_friend_add}},
    {"friend", {"sns", "friend_import", api_sns_friend_import, API_ADMIN}, NO_WS},
    {"friend",
     {"sns", "friend_update", api_sns_friend_update, API_ADMIN},
     {"setFriendInfo", api_friend_set_info}},
    {"friend",
     {"sns", "friend_delete", api_sns_friend_delete, API_ADMIN},
     {"deleteFromFriendList", api_friend_delete}},
    {"friend", {"sns", "friend_delete_all", api_sns_friend_delete_all, API_ADMIN}, NO_WS},
    {"friend",
     {"sns", "friend_check", api_sns_friend_check, API_ADMIN},
     {"checkFriend", api_friend_check}},
    {"friend",
     {"sns", "friend_get", api_sns_friend_get, API_ADMIN},
     {"getFriendList", api_friend_list}},
    {"friend",
     {"sns", "friend_get_list", api_sns_friend_get_list, API_ADMIN},
     {"getFriendsInfo", api_friend_infos}},
    {"friend",
     {"sns", "black_list_add", api_sns_black_list_add, API_ADMIN},
     {"addToBlackList", api_friend_block}},
    {"friend",
     {"sns", "black_list_delete", api_sns_black_list_delete, API_ADMIN},
     {"deleteFromBlackList", api_friend_unblock}},
    {"friend",
     {"sns", "black_list_get", api_sns_black_list_get, API_ADMIN},
     {"getBlackList", api_friend_blocklist}},
    {"friend", {"sns", "black_list_check", api_sns_black_list_check, API_ADMIN}, NO_WS},
    {"friend",
     {"sns", "group_add", api_sns_group_add, API_ADMIN},
     {"createFriendGroup", api_friend_group_create}},
    {"friend",
     {"sns", "group_delete", api_sns_group_delete, API_ADMIN},
     {"deleteFriendGroup", api_friend_group_delete}},
    {"friend",
     {"sns", "group_get", api_sns_group_get, API_ADMIN},
     {"getFriendGroups", api_friend_groups}},
    {"friend", NO_REST, {"getFriendApplicationList", api_friend_applications}},
    {"friend", NO_REST, {"acceptFriendApplication", api_friend_accept}},
    {"friend", NO_REST, {"refuseFriendApplication", api_friend_refuse}},
    {"friend", NO_REST, {"deleteFriendApplication", api_friend_delete_application}},
    {"friend", NO_REST, {"setFriendApplicationRead", api_friend_applications_read}},
    {"friend", NO_REST, {"renameFriendGroup", api_friend_group_rename}},
    {"friend", NO_REST, {"addFriendsToFriendGroup", api_friend_group_add_members}},
    {"friend", NO_REST, {"deleteFriendsFromFriendGroup", api_friend_group_remove_members}},
    /* stats */
    {"stats", {"openconfigsvr", "getappinfo", api_getappinfo, API_ADMIN}, NO_WS},
    {"stats", {"open_msg_svc", "get_history", api_get_history, API_ADMIN}, NO_WS},
    /* hook */
    {"hook", {"chatd_webhook", "list_dead", api_webhook_list_dead, API_ADMIN}, NO_WS},
    {"hook", {"chatd_webhook", "retry_dead", api_webhook_retry_dead, API_ADMIN}, NO_WS},
    /* search */
    {"search",
     {"chatd_search", "message_search", api_search_message_rest, API_ADMIN},
     {"searchCloudMessages", api_search_messages}},
    {"search", NO_REST, {"searchLocalMessages", api_search_messages}},
    {"friend", NO_REST, {"searchFriends", api_friend_search}},
    {"group", NO_REST, {"searchGroups", api_group_search}},
    {"group", NO_REST, {"searchGroupMembers", api_group_search_members}},
    /* admin: the web console's own APIs */
    {"admin", {"chatd_admin", "account_search", api_admin_account_search, API_ADMIN}, NO_WS},
    {"admin", {"chatd_admin", "group_search", api_admin_group_search, API_ADMIN}, NO_WS},
    {"admin", {"chatd_admin", "user_sessions", api_admin_user_sessions, API_ADMIN}, NO_WS},
    {"admin", {"chatd_admin", "config_get", api_admin_config_get, API_ADMIN}, NO_WS},
};

const err_service_t api_ws_errors = {.json = 60003,
                                     .bad_param = 70402,
                                     .internal = 70500,
                                     .not_admin = 60010,
                                     .not_imported = 20003,
                                     .too_many = 70402};

#define NOPS (sizeof ops / sizeof ops[0])

void api_session_logged_out(const api_env_t *env, const char *user, const char *platform)
{
    push_session_ended(env, user, platform);
}

void api_session_left(const api_env_t *env, const char *user, uint64_t conn_id)
{
    conv_notify_forget(env->conv_notify, user, conn_id);
    user_status_changed(env, user);
}

const api_op_t *api_ops(size_t *count)
{
    *count = NOPS;
    return ops;
}

const api_command_t *api_command_find(const char *name)
{
    for (size_t i = 0; i < NOPS; i++)
        if (ops[i].ws.name && strcmp(ops[i].ws.name, name) == 0)
            return &ops[i].ws;
    return NULL;
}

const api_route_t *api_route_find(const char *service, const char *command)
{
    for (size_t i = 0; i < NOPS; i++)
        if (ops[i].rest.service && strcmp(ops[i].rest.service, service) == 0 &&
            strcmp(ops[i].rest.command, command) == 0)
            return &ops[i].rest;
    return NULL;
}

const api_service_t *api_service_find(const char *service)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].name, service) == 0)
            return &services[i];
    return NULL;
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

bool api_read_fields(api_call_t *call, const field_table_t *t, field_door_t door,
                     const json_t *body, void *req)
{
    char detail[256];
    err_t err = fields_read(t, door, body, req, detail, sizeof detail);
    if (err != ERR_OK)
        api_fail(call, err, "%s", detail);
    return err == ERR_OK;
}

api_call_t *api_call_if_ok(err_t err, void *arg)
{
    api_call_t *call = arg;
    if (err == ERR_OK)
        return call;
    api_fail(call, err, NULL);
    return NULL;
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
