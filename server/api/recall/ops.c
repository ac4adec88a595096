/* Changing sent messages: recall (REST admin_msgwithdraw, group_msg_recall, WebSocket
 * revokeMessage), modification (REST modify_c2c_msg, modify_group_msg, WebSocket
 * modifyMessage), group read receipts by seq (group_msg_receipt, get_group_msg_receipt,
 * get_group_msg_receipt_detail) and clear_group_msg. Pushes go to every online session of
 * the conversation's users, the requesting one included (docs/protocol.md "Recall and
 * modification"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/group/group.h"
#include "api/message/message.h"
#include "api/message/body.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/recall.h"

#define RECALL_SEQS_MAX 10
#define RECALL_REASON_MAX 100
#define RECEIPT_SEQS_MAX 50
#define RECEIPT_DETAIL_MAX 200
#define RECEIPT_DETAIL_DEFAULT 100

static const char *const from_names[] = {"From_Account", NULL};
static const char *const to_names[] = {"To_Account", NULL};

static const char *str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static int64_t num(const json_t *o, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(o, name));
}

static bool is_group_conv(const char *conv_key)
{
    return conv_key != NULL && strncmp(conv_key, "g:", 2) == 0;
}

/* "<seq>_<random>_<time>" as msg_key() writes it; false for anything else. */
static bool parse_msgkey(const char *key, int64_t *seq, int64_t *random, int64_t *ts)
{
    int64_t part[3];
    const char *p = key;
    for (int i = 0; i < 3; i++) {
        char *end;
        if (p == NULL || *p < '0' || *p > '9')
            return false;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno != 0 || *end != (i < 2 ? '_' : '\0'))
            return false;
        part[i] = v;
        p = end + 1;
    }
    if (part[0] < 1 || part[1] > UINT32_MAX)
        return false;
    *seq = part[0];
    *random = part[1];
    *ts = part[2];
    return true;
}

/* A required GroupId; NULL after failing. */
static const char *group_id_of(api_call_t *call)
{
    json_t *v = json_object_get(call->body, "GroupId");
    if (!json_is_string(v) || json_string_length(v) == 0) {
        api_fail(call, ERR_BAD_PARAM, "GroupId is required: a string");
        return NULL;
    }
    return json_string_value(v);
}

/* MsgSeqList [{MsgSeq}] of 1..max seqs (heap); NULL after failing. */
static int64_t *seq_list_of(api_call_t *call, size_t max, size_t *n)
{
    json_t *list = json_object_get(call->body, "MsgSeqList"), *v;
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > max) {
        api_fail(call, ERR_BAD_PARAM, "MsgSeqList must hold 1 to %zu {\"MsgSeq\": seq}", max);
        return NULL;
    }
    int64_t *seqs = xcalloc(json_array_size(list), sizeof *seqs);
    size_t i;
    json_array_foreach(list, i, v)
    {
        long long seq;
        if (valid_get_int(v, "MsgSeq", 1, INT64_MAX, &seq) != VALID_OK) {
            api_fail(call, ERR_BAD_PARAM, "MsgSeqList[%zu].MsgSeq must be a seq >= 1", i);
            xfree(seqs);
            return NULL;
        }
        seqs[i] = seq;
    }
    *n = json_array_size(list);
    return seqs;
}

/* ---- pushes ---- */

static void push_user(const api_env_t *env, const char *user, const char *event, json_t *body)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, 0);
    router_frame_unref(f);
}

/* onRecvMessageRevoked for one recalled message (an item of a recall result). */
static void push_revoked(const api_env_t *env, const char *conv_key, const json_t *item,
                         const char *operator_id, const char *reason)
{
    const char *msg_id = str(item, "msg_id"), *sender = str(item, "sender");
    const char *receiver = str(item, "receiver");
    if (is_group_conv(conv_key)) {
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

/* The modified message (a modify result's `message`) as a store row; strings borrowed. */
static store_msg_row_t row_of(const json_t *m, char **body_text)
{
    *body_text = json_dumps(json_object_get(m, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
    return (store_msg_row_t){
        .conv_key = str(m, "conv_key"),
        .seq = num(m, "seq"),
        .sender = str(m, "sender"),
        .receiver = str(m, "receiver"),
        .random = (uint32_t)num(m, "random"),
        .msg_id = str(m, "msg_id"),
        .ts = num(m, "ts"),
        .body = *body_text,
        .cloud_custom_data = str(m, "ccd"),
        .flags = (int)num(m, "flags"),
        .peer_read_seq = num(m, "peer_read_seq"),
    };
}

static void push_modified(const api_env_t *env, const store_msg_row_t *row)
{
    if (is_group_conv(row->conv_key)) {
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

static void recall(api_call_t *call, const char *conv_key, const int64_t *seqs, size_t n,
                   const char *sender, int64_t random, int64_t ts, store_recall_fn cb)
{
    bool group = is_group_conv(conv_key);
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

/* One message recalled (admin_msgwithdraw, revokeMessage). */
static void on_recalled_one(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    const char *conv_key = str(res, "conv_key");
    json_t *item = json_array_get(json_object_get(res, "items"), 0);
    const char *status = str(item, "status");
    if (status == NULL || strcmp(status, "missing") == 0) {
        api_fail(call, is_group_conv(conv_key) ? ERR_GROUP_MSG_NOT_FOUND : ERR_MSG_NOT_FOUND, NULL);
        return;
    }
    if (strcmp(status, "recalled") == 0) {
        api_fail(call, ERR_MSG_RECALLED, NULL);
        return;
    }
    if (hook_of(call, is_group_conv(conv_key)) != STORE_RECALL_HOOK_NONE)
        api_hook_poke(call->env);
    const char *reason = str(call->body, "reason");
    push_revoked(call->env, conv_key, item, call->identifier, reason ? reason : "");
    api_finish(call, NULL);
}

void api_openim_msgwithdraw(api_call_t *call)
{
    const char *from, *to, *key = str(call->body, "MsgKey");
    int64_t seq, random, ts;
    if (valid_get_user_id(call->body, from_names, &from) != VALID_OK) {
        api_fail(call, ERR_OPENIM_FROM_ACCOUNT, "From_Account is required: a UserID");
        return;
    }
    if (valid_get_user_id(call->body, to_names, &to) != VALID_OK) {
        api_fail(call, ERR_OPENIM_TO_ACCOUNT, "To_Account is required: a UserID");
        return;
    }
    if (!parse_msgkey(key, &seq, &random, &ts)) {
        api_fail(call, ERR_OPENIM_MSGKEY, "MsgKey must be a MsgKey (<seq>_<random>_<time>)");
        return;
    }
    char *conv = store_conv_key_c2c(from, to);
    recall(call, conv, &seq, 1, from, random, ts, on_recalled_one);
    xfree(conv);
}

/* The outcome for seq among a recall's items (NULL: not there). */
static const char *status_of(const json_t *items, int64_t seq)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (num(item, "seq") == seq)
            return str(item, "status");
    }
    return NULL;
}

static void on_group_recalled(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !json_is_true(json_object_get(res, "group"))) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    const char *conv_key = str(res, "conv_key");
    const char *reason = str(call->body, "Reason");
    json_t *items = json_object_get(res, "items"), *req, *item;
    size_t i, k;
    bool any = false;
    json_t *list = json_array();
    json_array_foreach(json_object_get(call->body, "MsgSeqList"), i, req)
    {
        int64_t seq = num(req, "MsgSeq");
        const char *status = status_of(items, seq);
        int code = status && strcmp(status, "ok") == 0 ? 0 : ERR_GROUP_MSG_NOT_FOUND;
        json_array_append_new(list,
                              json_pack("{s:I, s:i}", "MsgSeq", (json_int_t)seq, "RetCode", code));
    }
    json_array_foreach(items, k, item)
    {
        if (strcmp(str(item, "status"), "ok") != 0)
            continue;
        any = true;
        push_revoked(call->env, conv_key, item, call->identifier, reason ? reason : "");
    }
    if (any && hook_of(call, true) != STORE_RECALL_HOOK_NONE)
        api_hook_poke(call->env);
    api_finish(call, json_pack("{s:o}", "RecallRetList", list));
}

void api_group_rest_msg_recall(api_call_t *call)
{
    const char *id = group_id_of(call), *reason;
    size_t n;
    if (id == NULL)
        return;
    valid_t v = valid_get_text(call->body, "Reason", RECALL_REASON_MAX, &reason);
    if (v != VALID_OK && v != VALID_MISSING) {
        api_fail(call, ERR_BAD_PARAM, "Reason must be a string of at most %d bytes",
                 RECALL_REASON_MAX);
        return;
    }
    int64_t *seqs = seq_list_of(call, RECALL_SEQS_MAX, &n);
    if (seqs == NULL)
        return;
    char *conv = xasprintf("g:%s", id);
    recall(call, conv, seqs, n, NULL, -1, -1, on_group_recalled);
    xfree(conv);
    xfree(seqs);
}

/* revokeMessage after looking the message up: who may, and until when. */
static void on_revoke_lookup(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    const char *conv = str(res, "conv_key"), *role = str(res, "role");
    bool group = is_group_conv(conv);
    bool own = str(res, "sender") && strcmp(str(res, "sender"), call->identifier) == 0;
    bool manager = role && (strcmp(role, "Owner") == 0 || strcmp(role, "Admin") == 0);
    int64_t limit = call->env->cfg->msg_recall_limit_s;
    if (!json_is_true(json_object_get(res, "found")) || (!group && !own)) {
        api_fail(call, group ? ERR_GROUP_MSG_NOT_FOUND : ERR_MSG_NOT_FOUND, NULL);
        return;
    }
    if (group && !own && !manager) {
        api_fail(call, ERR_GROUP_PERMISSION, "only the sender, the owner or an admin may recall");
        return;
    }
    if (num(res, "flags") & STORE_MSG_F_RECALLED) {
        api_fail(call, ERR_MSG_RECALLED, NULL);
        return;
    }
    if (limit > 0 && (int64_t)time(NULL) - num(res, "ts") > limit) {
        api_fail(call, group ? ERR_GROUP_RECALL_LIMIT : ERR_MSG_RECALL_LIMIT, "after %lld s",
                 (long long)limit);
        return;
    }
    int64_t seq = num(res, "seq");
    recall(call, conv, &seq, 1, NULL, -1, -1, on_recalled_one);
}

void api_ws_revoke_message(api_call_t *call)
{
    const char *msg_id = str(call->body, "msgID"), *reason;
    valid_t v = valid_get_text(call->body, "reason", RECALL_REASON_MAX, &reason);
    if (msg_id == NULL || (v != VALID_OK && v != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM, "msgID (string) is required; reason at most %d bytes",
                 RECALL_REASON_MAX);
        return;
    }
    store_msg_lookup(call->env->db, msg_id, call->identifier, on_revoke_lookup, call);
}

/* ---- modify ---- */

/* MsgBody / CloudCustomData (REST) or msgBody / cloudCustomData (WebSocket): at least one,
 * each valid. Fills m->body (heap, free()) and the ccd fields; false after failing. */
static bool read_changes(api_call_t *call, const char *body_name, const char *ccd_name,
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

static void on_modified(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    const char *status = str(res, "status");
    json_t *m = json_object_get(res, "message");
    if (status == NULL || strcmp(status, "missing") == 0) {
        api_fail(call, ERR_MSG_NOT_FOUND, NULL);
        return;
    }
    if (strcmp(status, "recalled") == 0) {
        api_fail(call, ERR_MSG_RECALLED, NULL);
        return;
    }
    char *body_text;
    store_msg_row_t row = row_of(m, &body_text);
    if (row.receiver && api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MODIFY))
        api_hook_poke(call->env);
    push_modified(call->env, &row);
    /* WebSocket callers get the new message; REST answers with the envelope alone. */
    api_finish(call, call->conn_id
                         ? json_pack("{s:o}", "message", msg_to_json(&row, call->identifier))
                         : NULL);
    free(body_text);
}

static void modify(api_call_t *call, store_modify_t *m)
{
    m->hook = !is_group_conv(m->conv_key) && api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MODIFY);
    store_webhook_origin_t o = origin_of(call, STORE_WEBHOOK_C2C_AFTER_MODIFY);
    m->hook_platform = o.platform;
    m->hook_client_ip = o.client_ip;
    m->operator_id = call->identifier;
    store_msg_modify(call->env->db, m, on_modified, call);
}

void api_openim_modify_c2c_msg(api_call_t *call)
{
    const char *from, *to;
    store_modify_t m = {0};
    if (valid_get_user_id(call->body, from_names, &from) != VALID_OK) {
        api_fail(call, ERR_OPENIM_FROM_ACCOUNT, "From_Account is required: a UserID");
        return;
    }
    if (valid_get_user_id(call->body, to_names, &to) != VALID_OK) {
        api_fail(call, ERR_OPENIM_TO_ACCOUNT, "To_Account is required: a UserID");
        return;
    }
    if (!parse_msgkey(str(call->body, "MsgKey"), &m.seq, &m.random, &m.ts)) {
        api_fail(call, ERR_OPENIM_MSGKEY, "MsgKey must be a MsgKey (<seq>_<random>_<time>)");
        return;
    }
    if (!read_changes(call, "MsgBody", "CloudCustomData", &m))
        return;
    char *conv = store_conv_key_c2c(from, to);
    m.conv_key = conv;
    m.sender = from;
    modify(call, &m);
    xfree(conv);
    free((char *)m.body);
}

static void on_group_modified(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err == ERR_OK && !json_is_true(json_object_get(res, "group"))) {
        api_fail(call, ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    on_modified(err, res, arg);
}

void api_openim_modify_group_msg(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long seq;
    store_modify_t m = {.random = -1, .ts = -1};
    if (id == NULL)
        return;
    if (valid_get_int(call->body, "MsgSeq", 1, INT64_MAX, &seq) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "MsgSeq is required: a seq >= 1");
        return;
    }
    if (!read_changes(call, "MsgBody", "CloudCustomData", &m))
        return;
    char *conv = xasprintf("g:%s", id);
    m.conv_key = conv;
    m.seq = seq;
    m.operator_id = call->identifier;
    store_msg_modify(call->env->db, &m, on_group_modified, call);
    xfree(conv);
    free((char *)m.body);
}

static void on_modify_lookup(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    const char *sender = str(res, "sender");
    if (!json_is_true(json_object_get(res, "found")) || strcmp(sender, call->identifier) != 0) {
        api_fail(call, ERR_MSG_NOT_FOUND, "no message of yours with that msgID");
        return;
    }
    store_modify_t m = {.conv_key = str(res, "conv_key"),
                        .seq = num(res, "seq"),
                        .sender = call->identifier,
                        .random = -1,
                        .ts = -1};
    if (!read_changes(call, "msgBody", "cloudCustomData", &m))
        return;
    modify(call, &m);
    free((char *)m.body);
}

void api_ws_modify_message(api_call_t *call)
{
    const char *msg_id = str(call->body, "msgID");
    store_modify_t check = {0};
    if (msg_id == NULL) {
        api_fail(call, ERR_BAD_PARAM, "msgID is required: a string");
        return;
    }
    /* Validate before the round trip; read again (cheaply) once the message is known. */
    if (!read_changes(call, "msgBody", "cloudCustomData", &check))
        return;
    free((char *)check.body);
    store_msg_lookup(call->env->db, msg_id, call->identifier, on_modify_lookup, call);
}

/* ---- group read receipts ---- */

static void on_receipt_added(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !json_is_true(json_object_get(res, "group"))) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    if (!json_is_true(json_object_get(res, "member"))) {
        api_fail(call, ERR_GROUP_PERMISSION, "From_Account is not a member of the group");
        return;
    }
    api_finish(call, NULL);
}

void api_group_rest_msg_receipt(api_call_t *call)
{
    const char *id = group_id_of(call), *reader;
    size_t n;
    if (id == NULL)
        return;
    if (valid_get_user_id(call->body, from_names, &reader) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "From_Account is required: a UserID");
        return;
    }
    int64_t *seqs = seq_list_of(call, RECEIPT_SEQS_MAX, &n);
    if (seqs == NULL)
        return;
    store_group_receipt_add(call->env->db, id, reader, seqs, n, (int64_t)time(NULL),
                            on_receipt_added, call);
    xfree(seqs);
}

static void on_receipt_counts(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !json_is_true(json_object_get(res, "group"))) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    json_t *list = json_array(), *item;
    size_t i;
    json_array_foreach(json_object_get(res, "items"), i, item)
    {
        bool ok = json_is_true(json_object_get(item, "ok"));
        json_array_append_new(list, json_pack("{s:I, s:I, s:I, s:i}", "MsgSeq",
                                              (json_int_t)num(item, "seq"), "ReadNum",
                                              (json_int_t)num(item, "read"), "UnreadNum",
                                              (json_int_t)num(item, "unread"), "Code",
                                              ok ? 0 : ERR_GROUP_RECEIPT_MISSING));
    }
    api_finish(call, json_pack("{s:o}", "GroupMsgReceiptList", list));
}

void api_group_rest_get_msg_receipt(api_call_t *call)
{
    const char *id = group_id_of(call);
    size_t n;
    if (id == NULL)
        return;
    int64_t *seqs = seq_list_of(call, RECEIPT_SEQS_MAX, &n);
    if (seqs == NULL)
        return;
    store_group_receipt_counts(call->env->db, id, seqs, n, on_receipt_counts, call);
    xfree(seqs);
}

static void on_receipt_detail(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !json_is_true(json_object_get(res, "group"))) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    if (!json_is_true(json_object_get(res, "found"))) {
        api_fail(call, ERR_GROUP_RECEIPT_MISSING, NULL);
        return;
    }
    long long filter = 0, count = RECEIPT_DETAIL_DEFAULT;
    valid_get_int(call->body, "Filter", 0, 1, &filter);
    valid_get_int(call->body, "Count", 1, RECEIPT_DETAIL_MAX, &count);
    json_t *users = json_object_get(res, "users"), *list = json_array(), *v;
    bool finished = json_array_size(users) <= (size_t)count;
    const char *last = "";
    size_t i;
    json_array_foreach(users, i, v)
    {
        if (i == (size_t)count)
            break;
        last = json_string_value(v);
        json_array_append_new(
            list, json_pack("{s:s}", filter == 0 ? "Read_Account" : "Unread_Account", last));
    }
    api_finish(call,
               json_pack("{s:i, s:I, s:s, s:o}", "IsFinished", finished ? 1 : 0, "MsgSeq",
                         (json_int_t)num(call->body, "MsgSeq"), "Cursor", finished ? "" : last,
                         filter == 0 ? "ReadList" : "UnreadList", list));
}

void api_group_rest_msg_receipt_detail(api_call_t *call)
{
    const char *id = group_id_of(call), *cursor = "";
    long long seq, filter = 0, count = RECEIPT_DETAIL_DEFAULT;
    if (id == NULL)
        return;
    valid_t vf = valid_get_int(call->body, "Filter", 0, 1, &filter);
    valid_t vc = valid_get_int(call->body, "Count", 1, RECEIPT_DETAIL_MAX, &count);
    valid_t vk = valid_get_text(call->body, "Cursor", 256, &cursor);
    if (valid_get_int(call->body, "MsgSeq", 1, INT64_MAX, &seq) != VALID_OK ||
        (vf != VALID_OK && vf != VALID_MISSING) || (vc != VALID_OK && vc != VALID_MISSING) ||
        (vk != VALID_OK && vk != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM,
                 "MsgSeq (>= 1) is required; Filter 0 | 1, Count 1..%d, Cursor a string",
                 RECEIPT_DETAIL_MAX);
        return;
    }
    store_group_receipt_members(call->env->db, id, seq, filter == 0, cursor ? cursor : "",
                                (int)count + 1, on_receipt_detail, call);
}

/* ---- clear_group_msg ---- */

static void on_cleared(err_t err, json_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !json_is_true(json_object_get(res, "group")))
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
    else
        api_finish(call, NULL);
}

void api_group_rest_clear_msg(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long seq = 0;
    if (id == NULL)
        return;
    valid_t v = valid_get_int(call->body, "MsgSeq", 1, INT64_MAX, &seq);
    if (v != VALID_OK && v != VALID_MISSING) {
        api_fail(call, ERR_BAD_PARAM, "MsgSeq must be a seq >= 1");
        return;
    }
    store_group_clear_msgs(call->env->db, id, seq, on_cleared, call);
}
