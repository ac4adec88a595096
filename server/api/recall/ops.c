/* The rules of recall, modification and deleting for oneself both doors share (recall/recall.h). */
#include "api/recall/recall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/conv/conv.h"
#include "api/group/group.h"
#include "api/message/body.h"
#include "api/message/message.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/conversation.h"

static const char *str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

bool recall_group_found(api_call_t *call, err_t err, const store_recall_res_t *res)
{
    if (err == ERR_OK && res->group)
        return true;
    api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
    return false;
}

bool recall_is_group(const char *conv_key)
{
    return conv_key != NULL && strncmp(conv_key, "g:", 2) == 0;
}

/* ---- pushes ---- */

static void push_user(const api_env_t *env, const char *user, const char *event, json_t *body)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, 0);
    router_frame_unref(f);
}

/* onRecvMessageRevoked for one recalled message (an item of a recall result). */
static void push_revoked(const api_env_t *env, const char *conv_key,
                         const store_recall_item_t *item, const char *operator_id,
                         const char *reason)
{
    const char *msg_id = item->msg_id, *sender = item->sender;
    const char *receiver = item->receiver;
    if (recall_is_group(conv_key)) {
        group_push(env, conv_key + 2, "onRecvMessageRevoked",
                   json_pack("{s:s, s:s+, s:s, s:s, s:s}", "msgID", msg_id, "conversationID",
                             "group_", conv_key + 2, "groupID", conv_key + 2, "operateUser",
                             operator_id, "reason", reason),
                   NULL);
        return;
    }
    const char *sides[2][2] = {{sender, receiver}, {receiver, sender}};
    for (int i = 0; i < 2; i++) {
        if (i == 1 && strcmp(sender, receiver) == 0)
            break;
        push_user(env, sides[i][0], "onRecvMessageRevoked",
                  json_pack("{s:s, s:s+, s:s, s:s, s:s}", "msgID", msg_id, "conversationID", "c2c_",
                            sides[i][1], "userID", sides[i][1], "operateUser", operator_id,
                            "reason", reason));
    }
}

static void push_modified(const api_env_t *env, const store_msg_row_t *row)
{
    if (recall_is_group(row->conv_key)) {
        group_push(env, row->conv_key + 2, "onRecvMessageModified",
                   json_pack("{s:o}", "message", msg_to_json(row, row->sender)), NULL);
        return;
    }
    push_user(env, row->receiver, "onRecvMessageModified",
              json_pack("{s:o}", "message", msg_to_json(row, row->receiver)));
    if (strcmp(row->sender, row->receiver) != 0)
        push_user(env, row->sender, "onRecvMessageModified",
                  json_pack("{s:o}", "message", msg_to_json(row, row->sender)));
}
/* ---- recall ---- */

static store_webhook_origin_t origin_of(const api_call_t *call, store_webhook_cmd_t cmd)
{
    return (store_webhook_origin_t){store_webhook_platform(call->platform, cmd), call->client_ip};
}

static store_recall_hook_t hook_of(const api_call_t *call, bool group)
{
    if (group)
        return api_hook_on(call->env, STORE_WEBHOOK_GROUP_AFTER_RECALL) ? STORE_RECALL_HOOK_GROUP
                                                                        : STORE_RECALL_HOOK_NONE;
    return api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_WITHDRAW) ? STORE_RECALL_HOOK_C2C
                                                                    : STORE_RECALL_HOOK_NONE;
}

void recall_seqs(api_call_t *call, const char *conv_key, const int64_t *seqs, size_t n,
                 const char *sender, int64_t random, int64_t ts, store_recall_fn cb)
{
    bool group = recall_is_group(conv_key);
    store_recall_hook_t hook = hook_of(call, group);
    store_webhook_origin_t o = origin_of(call, group ? STORE_WEBHOOK_GROUP_AFTER_RECALL
                                                     : STORE_WEBHOOK_C2C_AFTER_WITHDRAW);
    store_recall_t r = {
        .conv_key = conv_key,
        .seqs = seqs,
        .nseqs = n,
        .sender = sender,
        .random = random,
        .ts = ts,
        .hook = hook,
        .hook_platform = o.platform,
        .hook_client_ip = o.client_ip,
        .operator_id = call->identifier,
    };
    store_msg_recall(call->env->db, &r, cb, call);
}

size_t recall_announce(api_call_t *call, const store_recall_res_t *res, const char *reason)
{
    const char *conv_key = res->conv_key;
    size_t n = 0;
    for (size_t i = 0; i < res->n_items; i++) {
        store_recall_item_t item;
        store_recall_item(res, i, &item);
        if (item.status == NULL || strcmp(item.status, "ok") != 0)
            continue;
        push_revoked(call->env, conv_key, &item, call->identifier, reason ? reason : "");
        n++;
    }
    if (n > 0 && hook_of(call, recall_is_group(conv_key)) != STORE_RECALL_HOOK_NONE)
        api_hook_poke(call->env);
    return n;
}

/* One message recalled (admin_msgwithdraw, revokeMessage). */
void recall_on_one(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    const char *conv_key = res->conv_key;
    store_recall_item_t item = {0};
    if (res->n_items > 0)
        store_recall_item(res, 0, &item);
    const char *status = item.status;
    if (status == NULL || strcmp(status, "missing") == 0) {
        api_fail(call, recall_is_group(conv_key) ? ERR_GROUP_MSG_NOT_FOUND : ERR_MSG_NOT_FOUND,
                 NULL);
        return;
    }
    if (strcmp(status, "recalled") == 0) {
        api_fail(call, ERR_MSG_RECALLED, NULL);
        return;
    }
    recall_announce(call, res, str(call->body, "reason"));
    api_finish(call, NULL);
}

/* Whether the caller left (or never was in) the group of a group message it found as its sender:
 * a group's messages are changed by its members only (the lookup gives members a role). */
static bool not_in_group(api_call_t *call, const store_recall_res_t *res)
{
    if (!recall_is_group(res->conv_key) || res->role != NULL)
        return false;
    api_fail(call, ERR_GROUP_PERMISSION, "not a member of the group");
    return true;
}

/* revokeMessage after looking the message up: who may, and until when. */
static void on_revoke_lookup(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    const char *conv = res->conv_key, *role = res->role;
    bool group = recall_is_group(conv);
    bool own = res->sender && strcmp(res->sender, call->identifier) == 0;
    bool manager = role && (strcmp(role, "Owner") == 0 || strcmp(role, "Admin") == 0);
    int64_t limit = call->env->cfg->msg_recall_limit_s;
    if (!res->found || (!group && !own)) {
        api_fail(call, group ? ERR_GROUP_MSG_NOT_FOUND : ERR_MSG_NOT_FOUND, NULL);
        return;
    }
    if (not_in_group(call, res))
        return;
    if (group && !own && !manager) {
        api_fail(call, ERR_GROUP_PERMISSION, "only the sender, the owner or an admin may recall");
        return;
    }
    if (res->flags & STORE_MSG_F_RECALLED) {
        api_fail(call, ERR_MSG_RECALLED, NULL);
        return;
    }
    if (limit > 0 && (int64_t)time(NULL) - res->ts > limit) {
        api_fail(call, group ? ERR_GROUP_RECALL_LIMIT : ERR_MSG_RECALL_LIMIT, "after %lld s",
                 (long long)limit);
        return;
    }
    int64_t seq = res->seq;
    recall_seqs(call, conv, &seq, 1, NULL, -1, -1, recall_on_one);
}

void recall_by_id(api_call_t *call, const char *msg_id)
{
    store_msg_lookup(call->env->db, msg_id, call->identifier, on_revoke_lookup, call);
}

/* ---- modify ---- */

bool recall_read_changes(api_call_t *call, const char *body_name, const char *ccd_name,
                         store_modify_t *m)
{
    char detail[256];
    json_t *body = json_object_get(call->body, body_name);
    json_t *ccd = json_object_get(call->body, ccd_name);
    if (body == NULL && ccd == NULL) {
        api_fail(call, ERR_BAD_PARAM, "%s or %s is required", body_name, ccd_name);
        return false;
    }
    err_t err = body ? msgbody_validate(body, detail, sizeof detail) : ERR_OK;
    /* A modified message keeps its merged lists: a new body must carry its own inline. */
    if (err == ERR_OK && body && msgbody_size(body) > MSGBODY_MAX_BYTES) {
        snprintf(detail, sizeof detail, "%s is %zu bytes; at most %d are allowed", body_name,
                 msgbody_size(body), MSGBODY_MAX_BYTES);
        err = ERR_MSG_TOO_LONG;
    }
    if (err == ERR_OK && ccd && !json_is_string(ccd)) {
        api_fail(call, ERR_BAD_PARAM, "%s must be a string", ccd_name);
        return false;
    }
    if (err == ERR_OK && ccd)
        err = msgbody_validate_cloud_custom_data(ccd, body ? msgbody_size(body) : 0, detail,
                                                 sizeof detail);
    if (err != ERR_OK) {
        api_fail(call, err, "%s", detail);
        return false;
    }
    m->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    m->set_ccd = ccd != NULL;
    m->ccd = json_string_value(ccd);
    return true;
}

static void on_modified(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    const char *status = res->status;
    if (status == NULL || strcmp(status, "missing") == 0) {
        api_fail(call, ERR_MSG_NOT_FOUND, NULL);
        return;
    }
    if (strcmp(status, "recalled") == 0) {
        api_fail(call, ERR_MSG_RECALLED, NULL);
        return;
    }
    const store_msg_row_t row = res->message;
    if (row.receiver && api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MODIFY))
        api_hook_poke(call->env);
    push_modified(call->env, &row);
    /* WebSocket callers get the new message; REST answers with the envelope alone. */
    api_finish(call, call->conn_id
                         ? json_pack("{s:o}", "message", msg_to_json(&row, call->identifier))
                         : NULL);
}

static void on_group_modified(err_t err, const store_recall_res_t *res, void *arg)
{
    if (recall_group_found(arg, err, res))
        on_modified(err, res, arg);
}

void recall_modify(api_call_t *call, store_modify_t *m)
{
    bool group = recall_is_group(m->conv_key);
    m->hook = !group && api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MODIFY);
    store_webhook_origin_t o = origin_of(call, STORE_WEBHOOK_C2C_AFTER_MODIFY);
    m->hook_platform = o.platform;
    m->hook_client_ip = o.client_ip;
    m->operator_id = call->identifier;
    store_msg_modify(call->env->db, m, group ? on_group_modified : on_modified, call);
}

static void on_modify_lookup(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    const char *sender = res->sender;
    if (!res->found || strcmp(sender, call->identifier) != 0) {
        api_fail(call, ERR_MSG_NOT_FOUND, "no message of yours with that msgID");
        return;
    }
    if (not_in_group(call, res))
        return;
    store_modify_t m = {.conv_key = res->conv_key,
                        .seq = res->seq,
                        .sender = call->identifier,
                        .random = -1,
                        .ts = -1};
    if (!recall_read_changes(call, "msgBody", "cloudCustomData", &m))
        return;
    recall_modify(call, &m);
    free((char *)m.body);
}

void recall_modify_own(api_call_t *call, const char *msg_id)
{
    store_msg_lookup(call->env->db, msg_id, call->identifier, on_modify_lookup, call);
}

/* ---- deleting for oneself ---- */

typedef struct {
    api_call_t *call;
    char *user;
    recall_hidden_fn answer;
} hide_t;

/* onMessagesDeleted per conversation of the deleted items, and the conversations' changes. */
static void announce_hidden(const api_call_t *call, const char *user, const store_recall_res_t *res)
{
    json_t *by_conv = json_object();
    for (size_t i = 0; i < res->n_items; i++) {
        store_recall_item_t item;
        store_recall_item(res, i, &item);
        if (item.status == NULL || strcmp(item.status, "ok") != 0)
            continue;
        json_t *list = json_object_get(by_conv, item.conv_key);
        if (list == NULL) {
            list = json_array();
            json_object_set_new(by_conv, item.conv_key, list);
        }
        json_array_append_new(list, json_string(item.msg_id));
    }
    const char *key;
    json_t *ids;
    json_object_foreach(by_conv, key, ids)
    {
        char *id = conv_id_from_key(key, user);
        router_frame_t *f = router_frame_from_json(
            "onMessagesDeleted", json_pack("{s:s, s:O}", "conversationID", id, "msgIDList", ids));
        router_push_user(call->env->router, user, f, call->conn_id);
        router_frame_unref(f);
        xfree(id);
        conv_notify_add(call->env->conv_notify, user, key);
    }
    json_decref(by_conv);
}

static void on_hidden(err_t err, const store_recall_res_t *res, void *arg)
{
    hide_t *h = arg;
    api_call_t *call = h->call;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
    } else {
        if (res->done)
            announce_hidden(call, h->user, res);
        h->answer(call, res);
    }
    xfree(h->user);
    xfree(h);
}

void recall_hide(api_call_t *call, const store_hide_t *req, recall_hidden_fn answer)
{
    hide_t *h = XNEW(hide_t);
    h->call = call;
    h->user = xstrdup(req->user);
    h->answer = answer;
    store_msg_hide(call->env->db, req, on_hidden, h);
}
