/*
 * api — the request handlers, one folder per area (message/ conv/ group/ recall/ user/ hook/;
 * docs/architecture.md). In an area, ops.c holds the rules and operations; rest.c (REST) and
 * sdk.c (WebSocket commands) only read requests and write answers, so both doors give one answer.
 *
 * A transport (http/, ws/) authenticates the caller, parses the body and fills an api_call_t,
 * then calls the route's or command's handler. The handler validates the body, calls its area's
 * ops (which talk to store/ and router/), and ends the call exactly once with api_finish() or
 * api_fail() — synchronously or after an async database round trip. The transport's `reply`
 * hook then writes the answer and frees the call.
 *
 * Across the async gap a handler holds the api_call_t: the door guarantees it stays valid until
 * it is finished, even if the client has gone away (the answer is then dropped by the door).
 */
#ifndef CHATD_API_API_H
#define CHATD_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/fields.h"
#include "config/config.h"
#include "core/err.h"
#include "db/db.h"
#include "store/webhook.h"

struct event_base;
typedef struct router router_t;
typedef struct api_hooks api_hooks_t;

/* What every handler may use; owned by main.c, outlives every call. */
typedef struct {
    struct event_base *base;
    const config_t *cfg;
    db_pool_t *db;
    router_t *router;
    struct store_msg_writer *msgs;     /* the batching message writer (store/message.h) */
    struct conv_notify *conv_notify;   /* conversation-change pushes (api/conv/conv.h) */
    struct group_cache *groups;        /* group member lists for fan-out (api/group/cache.h) */
    const api_hooks_t *hooks;          /* webhooks (below); NULL: none */
    struct api_limits *limits;         /* request-rate limits (api/limit.h) */
    struct store_stats *stats;         /* daily statistics' flusher (store/stats.h) */
    struct history_exports *exports;   /* get_history's files (api/stats/stats.h) */
    const struct api_push_hooks *push; /* offline push (below); NULL: off */
    struct push_jobs *push_jobs;       /* im_push's job runner (api/push/push.h) */
} api_env_t;

/* Offline push (push/, api/push/push.h). push/ sits above api/: main.c installs these when a
 * push provider is configured. After a commit that queued notifications, poke() starts their
 * delivery at once. */
typedef struct api_push_hooks {
    void *ctx;
    void (*poke)(void *ctx);
    const char *providers_json; /* JSON array of the device providers served ("fcm", "apns") */
} api_push_hooks_t;

typedef struct api_call api_call_t;
typedef void (*api_handler_fn)(api_call_t *call);

typedef enum {
    API_ADMIN = 1 << 0, /* only app administrators may call it */
} api_flags_t;

typedef struct {
    const char *service; /* "im_open_login_svc" */
    const char *command; /* "account_import" */
    api_handler_fn handler;
    unsigned flags;
} api_route_t;

typedef struct {
    const char *name; /* "im_open_login_svc" */
    err_service_t errors;
} api_service_t;

struct api_call {
    const api_env_t *env;
    const api_route_t *route;
    const char *identifier; /* authenticated caller; owned by the door */
    const char *platform;   /* "RESTAPI", "Web", "Android", … */
    uint64_t conn_id;       /* the WebSocket connection that asked (0 for REST): its own
                             * copy of a push is skipped, the response carries it */
    json_t *body;           /* the request object; owned by the call */
    void *state;            /* handler's private data across async steps; handler frees it */
    char client_ip[48];     /* the caller's IP address, "" when unknown (webhooks' ClientIP) */

    /* Set by the door. result is stolen (may be NULL); detail may be NULL. */
    void (*reply)(api_call_t *call, err_t err, const char *detail, json_t *result);
    void *door;
    bool finished;
};

/*
 * Webhooks (docs/webhooks.md). webhook/ sits above api/, so handlers reach it through these
 * hooks, which main.c installs in api_env_t. `enabled` has bit (1 << cmd) set for each command
 * that fires (none when webhook_url is empty).
 *
 * After-events are written by store/ in the transaction of the change (store/webhook.h); after
 * such a commit a handler calls api_hook_poke() so delivery starts at once. Events that report
 * no stored change go through emit().
 *
 * before() runs a synchronous before-callback: it takes `body` (the command's fields; the
 * CallbackCommand and EventTime are added) and calls cb exactly once, never before before()
 * returns: ALLOW (the app agreed, or did not answer in time or sensibly and webhook_before_fail
 * is `proceed`), REFUSE (the caller gets `code`, with the app's `info` for a custom code; 80003
 * when the app failed and webhook_before_fail is `block`) or DROP (pretend success, do nothing).
 * With ALLOW, `reply` is the app's answer object (replacement fields such as MsgBody), NULL when
 * it did not answer; valid during the callback only. While it is pending the loop serves others;
 * the caller keeps its own state alive (an api_call_t stays valid until finished).
 */
typedef enum {
    API_BEFORE_ALLOW = 0,
    API_BEFORE_REFUSE,
    API_BEFORE_DROP,
} api_before_verdict_t;

typedef struct {
    api_before_verdict_t verdict;
    int code;            /* REFUSE: the ErrorCode for the caller */
    const char *info;    /* REFUSE: the app's ErrorInfo for a custom code, else NULL */
    const json_t *reply; /* ALLOW: the app's answer, or NULL */
} api_before_result_t;

typedef void (*api_before_fn)(const api_before_result_t *r, void *arg);

struct api_hooks {
    void *ctx;
    uint64_t enabled;
    void (*before)(void *ctx, store_webhook_cmd_t cmd, const store_webhook_origin_t *origin,
                   json_t *body, api_before_fn cb, void *arg);
    /* Records an after-event in its own transaction (body stolen) and delivers it. */
    void (*emit)(void *ctx, store_webhook_cmd_t cmd, const char *order_key,
                 const store_webhook_origin_t *origin, json_t *body);
    void (*poke)(void *ctx);
};

static inline bool api_hook_on(const api_env_t *env, store_webhook_cmd_t cmd)
{
    return env->hooks != NULL && (env->hooks->enabled & ((uint64_t)1 << cmd)) != 0;
}

static inline void api_hook_poke(const api_env_t *env)
{
    if (env->hooks != NULL && env->hooks->poke != NULL)
        env->hooks->poke(env->hooks->ctx);
}

/* Ends the call with success; `result` (stolen, may be NULL) holds the API's own fields. */
void api_finish(api_call_t *call, json_t *result);
/* Ends the call with an error; fmt (may be NULL) adds a detail to the ErrorInfo text. */
void api_fail(api_call_t *call, err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads `req` (zeroed) from `body` with a field table (api/fields.h) in the door's spellings;
 * false after failing the call with the table's error and detail. */
bool api_read_fields(api_call_t *call, const field_table_t *t, field_door_t door,
                     const json_t *body, void *req) MUSTCHECK;

/* For a store callback whose arg is the call: the call when err is ERR_OK, else NULL after
 * failing the call with err (and no detail). */
api_call_t *api_call_if_ok(err_t err, void *arg);

/* The list of 1..max IDs a batch request carries in body[name]: strings (or, with `key`, also
 * objects {key: "<id>"}), each a UserID when `user_ids`. `what` names an element in the error
 * texts ("UserIDs", "groupIDs"). Missing, malformed or empty answers `bad`; longer than max
 * answers `too_many`. */
typedef struct {
    const char *name;
    size_t max;
    const char *key;
    bool user_ids;
    err_t bad, too_many;
    const char *what;
} api_ids_t;

/* A heap array (xfree it) of the n IDs, borrowed from the body; NULL after failing the call. */
const char **api_read_ids(api_call_t *call, const api_ids_t *spec, size_t *n);
/* The same IDs as a new JSON array of strings; NULL after failing the call. */
json_t *api_read_id_array(api_call_t *call, const api_ids_t *spec);

/* A WebSocket command ({"seq", "cmd", "body"}); names follow the Chat SDK's managers. */
typedef struct {
    const char *name; /* "sendMessage" */
    api_handler_fn handler;
} api_command_t;

/* One operation of the table in api.c: its area and its two doors. A door it does not have is
 * all NULL (rest.service, ws.name). */
typedef struct {
    const char *area; /* "message", "conv", "group", "recall", "ext", "friend", "user", "hook",
                       * "stats", "search" */
    api_route_t rest;
    api_command_t ws;
} api_op_t;

/* Every operation, for docs checks and tests. */
/* A door's session of `user` on connection conn_id went away (logout, close, kick): what the
 * areas keep per session ends and the user's status watchers hear of it. */
void api_session_left(const api_env_t *env, const char *user, uint64_t conn_id);
/* The session of `user` on `platform` logged out or was kicked (not a link that dropped): what
 * the areas bind to the device ends (its offline-push token). */
void api_session_logged_out(const api_env_t *env, const char *user, const char *platform);

const api_op_t *api_ops(size_t *count);

/* The command called `name`, or NULL. */
const api_command_t *api_command_find(const char *name);
/* How WebSocket responses spell the generic error kinds. */
extern const err_service_t api_ws_errors;

/* The REST route for service/command, or NULL. */
const api_route_t *api_route_find(const char *service, const char *command);
/* Error spelling of a service, or NULL when the service is unknown. */
const api_service_t *api_service_find(const char *service);

/* ---- handlers (one file per area) ---- */

/* search/: sdk.c (searchCloudMessages, searchLocalMessages), rest.c (chatd's own admin API) */
void api_search_messages(api_call_t *call);
void api_search_message_rest(api_call_t *call);
void api_friend_search(api_call_t *call);        /* friend/sdk.c searchFriends */
void api_group_search(api_call_t *call);         /* group/sdk.c searchGroups */
void api_group_search_members(api_call_t *call); /* group/sdk.c searchGroupMembers */

/* push/ops.c */
void api_push_set_config(api_call_t *call);
void api_push_background(api_call_t *call);
void api_push_foreground(api_call_t *call);

/* push/rest.c */
void api_push_im_push(api_call_t *call);
void api_push_set_attr_name(api_call_t *call);
void api_push_get_attr_name(api_call_t *call);
/* im_get_attr, im_set_attr, im_remove_attr, im_get_tag, im_add_tag, im_remove_tag,
 * im_remove_all_tags (by the route's command) */
void api_push_user_lists(api_call_t *call);

/* signal/ops.c */
void api_signal_invite(api_call_t *call);
void api_signal_invite_in_group(api_call_t *call);
void api_signal_accept(api_call_t *call);
void api_signal_reject(api_call_t *call);
void api_signal_cancel(api_call_t *call);
void api_signal_modify(api_call_t *call);
void api_signal_get_info(api_call_t *call);
void api_signal_add_invited(api_call_t *call);
void api_account_import(api_call_t *call);
void api_account_multi_import(api_call_t *call);
void api_account_delete(api_call_t *call);
void api_account_check(api_call_t *call);
void api_account_kick(api_call_t *call);
void api_query_online_status(api_call_t *call);
void api_portrait_get(api_call_t *call);
void api_portrait_set(api_call_t *call);
void api_webhook_list_dead(api_call_t *call); /* webhook.c (chatd's own admin API) */
void api_webhook_retry_dead(api_call_t *call);
void api_admin_account_search(api_call_t *call); /* admin/rest.c (chatd's own, for the console) */
void api_admin_group_search(api_call_t *call);
void api_admin_user_sessions(api_call_t *call);
void api_admin_config_get(api_call_t *call);
void api_openim_sendmsg(api_call_t *call);
void api_openim_batchsendmsg(api_call_t *call);
void api_openim_importmsg(api_call_t *call);
void api_openim_getroammsg(api_call_t *call);
void api_openim_set_msg_read(api_call_t *call);
void api_openim_c2c_unread(api_call_t *call);
void api_openim_c2c_read_receipt(api_call_t *call);
void api_nospeaking_set(api_call_t *call);
void api_nospeaking_get(api_call_t *call);
void api_getappinfo(api_call_t *call);  /* stats/appinfo.c */
void api_get_history(api_call_t *call); /* stats/history.c */

/* REST recentcontact (conv/rest.c) */
void api_recentcontact_get_list(api_call_t *call);
void api_recentcontact_delete(api_call_t *call);
void api_recentcontact_create_contact_group(api_call_t *call);
void api_recentcontact_del_contact_group(api_call_t *call);
void api_recentcontact_update_contact_group(api_call_t *call);
void api_recentcontact_search_contact_group(api_call_t *call);
void api_recentcontact_mark_contact(api_call_t *call);
void api_recentcontact_get_contact_group(api_call_t *call);

/* WebSocket commands (conv/sdk.c) */
void api_conv_list(api_call_t *call);
void api_conv_list_by_filter(api_call_t *call);
void api_conv_filter_unread(api_call_t *call);
void api_conv_filter_subscribe(api_call_t *call);
void api_conv_filter_unsubscribe(api_call_t *call);
void api_conv_get(api_call_t *call);
void api_conv_get_by_ids(api_call_t *call);
void api_conv_total_unread(api_call_t *call);
void api_conv_delete(api_call_t *call);
void api_conv_delete_list(api_call_t *call);
void api_conv_clear_c2c_history(api_call_t *call);
void api_conv_clear_group_history(api_call_t *call);
void api_conv_pin(api_call_t *call);
void api_conv_draft(api_call_t *call);
void api_conv_clean_unread(api_call_t *call);
void api_conv_set_c2c_recv_opt(api_call_t *call);
void api_conv_get_c2c_recv_opt(api_call_t *call);
void api_conv_set_group_recv_opt(api_call_t *call);
void api_conv_mark(api_call_t *call);
void api_conv_custom_data(api_call_t *call);
void api_conv_group_create(api_call_t *call);
void api_conv_group_delete(api_call_t *call);
void api_conv_group_rename(api_call_t *call);
void api_conv_group_add(api_call_t *call);
void api_conv_group_remove(api_call_t *call);
void api_conv_group_list(api_call_t *call);

/* WebSocket commands (message/sdk.c) */
void api_ws_send_message(api_call_t *call);
void api_ws_get_history(api_call_t *call);
void api_ws_get_history_v2(api_call_t *call);
void api_ws_find_messages(api_call_t *call);
void api_ws_download_merger(api_call_t *call);
void api_ws_sync_messages(api_call_t *call);
void api_ws_mark_c2c_read(api_call_t *call);
void api_ws_send_receipts(api_call_t *call);
void api_ws_get_receipts(api_call_t *call);
void api_ws_group_read_members(api_call_t *call);

/* WebSocket commands (group/sdk.c): the SDK group manager */
void api_group_create(api_call_t *call);
void api_group_join(api_call_t *call);
void api_group_quit(api_call_t *call);
void api_group_dismiss(api_call_t *call);
void api_group_joined_list(api_call_t *call);
void api_group_get_info(api_call_t *call);
void api_group_set_info(api_call_t *call);
void api_group_member_list(api_call_t *call);
void api_group_members_info(api_call_t *call);
void api_group_set_member_info(api_call_t *call);
void api_group_mute_member(api_call_t *call);
void api_group_mark_members(api_call_t *call);
void api_group_mute_all(api_call_t *call);
void api_group_invite(api_call_t *call);
void api_group_kick(api_call_t *call);
void api_group_set_member_role(api_call_t *call);
void api_group_transfer_owner(api_call_t *call);
void api_group_applications(api_call_t *call);
void api_group_accept_application(api_call_t *call);
void api_group_refuse_application(api_call_t *call);
void api_group_applications_read(api_call_t *call);
void api_group_attrs_init(api_call_t *call);
void api_group_attrs_set(api_call_t *call);
void api_group_attrs_delete(api_call_t *call);
void api_group_attrs_get(api_call_t *call);
void api_group_online_count(api_call_t *call);
void api_group_counters_set(api_call_t *call);
void api_group_counters_get(api_call_t *call);
void api_group_counter_increase(api_call_t *call);
void api_group_counter_decrease(api_call_t *call);
void api_group_joined_communities(api_call_t *call);

/* Community topics (group/topic_sdk.c, group/topic_rest.c) */
void api_topic_create(api_call_t *call);
void api_topic_delete(api_call_t *call);
void api_topic_set_info(api_call_t *call);
void api_topic_list(api_call_t *call);
void api_topic_rest_create(api_call_t *call);
void api_topic_rest_import(api_call_t *call);
void api_topic_rest_destroy(api_call_t *call);
void api_topic_rest_get(api_call_t *call);
void api_topic_rest_modify(api_call_t *call);

/* Community permission groups (group/perm_sdk.c, group/perm_rest.c) */
void api_perm_create(api_call_t *call);
void api_perm_delete(api_call_t *call);
void api_perm_modify(api_call_t *call);
void api_perm_list(api_call_t *call);
void api_perm_joined(api_call_t *call);
void api_perm_add_members(api_call_t *call);
void api_perm_remove_members(api_call_t *call);
void api_perm_member_list(api_call_t *call);
void api_perm_topic_add(api_call_t *call);
void api_perm_topic_modify(api_call_t *call);
void api_perm_topic_delete(api_call_t *call);
void api_perm_topic_get(api_call_t *call);
void api_perm_rest_create(api_call_t *call);
void api_perm_rest_destroy(api_call_t *call);
void api_perm_rest_modify(api_call_t *call);
void api_perm_rest_get(api_call_t *call);
void api_perm_rest_add_members(api_call_t *call);
void api_perm_rest_delete_members(api_call_t *call);
void api_perm_rest_member_list(api_call_t *call);
void api_perm_rest_topic_add(api_call_t *call);
void api_perm_rest_topic_set(api_call_t *call);
void api_perm_rest_topic_delete(api_call_t *call);
void api_perm_rest_topic_get(api_call_t *call);

/* REST group_open_http_svc and group_open_attr_http_svc (group/rest.c) */
void api_group_rest_appid_list(api_call_t *call);
void api_group_rest_create(api_call_t *call);
void api_group_rest_info(api_call_t *call);
void api_group_rest_members(api_call_t *call);
void api_group_rest_specified_members(api_call_t *call);
void api_group_rest_modify(api_call_t *call);
void api_group_rest_add_members(api_call_t *call);
void api_group_rest_delete_members(api_call_t *call);
void api_group_rest_modify_member(api_call_t *call);
void api_group_rest_destroy(api_call_t *call);
void api_group_rest_joined(api_call_t *call);
void api_group_rest_roles(api_call_t *call);
void api_group_rest_forbid(api_call_t *call);
void api_group_rest_mark_members(api_call_t *call);
void api_group_rest_muted(api_call_t *call);
void api_group_rest_shutted(api_call_t *call);
void api_group_rest_send_msg(api_call_t *call);
void api_group_rest_system_notification(api_call_t *call);
void api_group_rest_change_owner(api_call_t *call);
void api_group_rest_import(api_call_t *call);
void api_group_rest_import_msg(api_call_t *call);
void api_group_rest_import_members(api_call_t *call);
void api_group_rest_set_unread(api_call_t *call);
void api_group_rest_delete_by_sender(api_call_t *call);
void api_group_rest_history(api_call_t *call);
void api_group_rest_online_num(api_call_t *call);
void api_group_rest_ban(api_call_t *call);
void api_group_rest_unban(api_call_t *call);
void api_group_rest_bans(api_call_t *call);
void api_group_rest_broadcast(api_call_t *call);
void api_avroom_rest_members(api_call_t *call);
void api_avroom_rest_check_members(api_call_t *call);
void api_avroom_rest_modify_admin(api_call_t *call);
void api_avroom_rest_admin_list(api_call_t *call);
void api_group_rest_counter_get(api_call_t *call);
void api_group_rest_counter_update(api_call_t *call);
void api_group_rest_counter_delete(api_call_t *call);
void api_group_rest_attr_get(api_call_t *call);
void api_group_rest_attr_modify(api_call_t *call);
void api_group_rest_attr_clear(api_call_t *call);
void api_group_rest_attr_set(api_call_t *call);
void api_group_rest_attr_delete(api_call_t *call);

/* Recall, modify, group read receipts and clearing history (recall/): REST openim and
 * group_open_http_svc, WebSocket revokeMessage / modifyMessage */
void api_openim_msgwithdraw(api_call_t *call);
void api_openim_modify_c2c_msg(api_call_t *call);
void api_openim_modify_group_msg(api_call_t *call);
void api_group_rest_msg_recall(api_call_t *call);
void api_group_rest_msg_receipt(api_call_t *call);
void api_group_rest_get_msg_receipt(api_call_t *call);
void api_group_rest_msg_receipt_detail(api_call_t *call);
void api_group_rest_clear_msg(api_call_t *call);
void api_ws_revoke_message(api_call_t *call);
void api_ws_modify_message(api_call_t *call);
void api_ws_delete_messages(api_call_t *call);
void api_ws_get_server_time(api_call_t *call);
/* WebSocket profile and user status commands (user/sdk.c, user/status.c) */
void api_user_get_infos(api_call_t *call);
void api_user_set_self_info(api_call_t *call);
void api_user_subscribe_info(api_call_t *call);
void api_user_unsubscribe_info(api_call_t *call);
void api_user_set_self_status(api_call_t *call);
void api_user_set_all_recv_opt(api_call_t *call); /* user/dnd.c */
void api_user_get_all_recv_opt(api_call_t *call);
void api_user_get_status(api_call_t *call);
void api_user_subscribe_status(api_call_t *call);
void api_user_unsubscribe_status(api_call_t *call);
void api_openim_delete_ramble(api_call_t *call);

/* Message extensions and reactions (ext/) */
void api_ext_rest_set(api_call_t *call);
void api_ext_rest_get(api_call_t *call);
void api_ext_rest_group_set(api_call_t *call);
void api_ext_rest_group_get(api_call_t *call);
void api_ext_set(api_call_t *call);
void api_ext_get(api_call_t *call);
void api_ext_delete(api_call_t *call);
void api_reaction_add(api_call_t *call);
void api_reaction_remove(api_call_t *call);
void api_reactions_get(api_call_t *call);
void api_reaction_users(api_call_t *call);
void api_group_pin_message(api_call_t *call);
void api_group_pinned_messages(api_call_t *call);

/* Relationship chains (friend/): REST v4/sns and the SDK's friendship manager */
void api_sns_friend_add(api_call_t *call);
void api_sns_friend_import(api_call_t *call);
void api_sns_friend_update(api_call_t *call);
void api_sns_friend_delete(api_call_t *call);
void api_sns_friend_delete_all(api_call_t *call);
void api_sns_friend_check(api_call_t *call);
void api_sns_friend_get(api_call_t *call);
void api_sns_friend_get_list(api_call_t *call);
void api_sns_black_list_add(api_call_t *call);
void api_sns_black_list_delete(api_call_t *call);
void api_sns_black_list_get(api_call_t *call);
void api_sns_black_list_check(api_call_t *call);
void api_sns_group_add(api_call_t *call);
void api_sns_group_delete(api_call_t *call);
void api_sns_group_get(api_call_t *call);
void api_friend_add(api_call_t *call);
void api_friend_delete(api_call_t *call);
void api_friend_check(api_call_t *call);
void api_friend_list(api_call_t *call);
void api_friend_infos(api_call_t *call);
void api_friend_set_info(api_call_t *call);
void api_friend_applications(api_call_t *call);
void api_friend_accept(api_call_t *call);
void api_friend_refuse(api_call_t *call);
void api_friend_delete_application(api_call_t *call);
void api_friend_applications_read(api_call_t *call);
void api_friend_group_create(api_call_t *call);
void api_friend_groups(api_call_t *call);
void api_friend_group_delete(api_call_t *call);
void api_friend_group_rename(api_call_t *call);
void api_friend_group_add_members(api_call_t *call);
void api_friend_group_remove_members(api_call_t *call);
void api_friend_block(api_call_t *call);
void api_friend_unblock(api_call_t *call);
void api_friend_blocklist(api_call_t *call);

#endif
