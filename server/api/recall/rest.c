/* The REST door of recall (recall/recall.h): admin_msgwithdraw, group_msg_recall,
 * modify_c2c_msg, modify_group_msg, the group read receipts by seq (group_msg_receipt,
 * get_group_msg_receipt, get_group_msg_receipt_detail) and clear_group_msg. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/group/topic.h"
#include "api/message/message.h"
#include "api/recall/recall.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "store/conversation.h"

static const char *const from_names[] = {"From_Account", NULL};
static const char *const operator_names[] = {"Operator_Account", NULL};
static const char *const peer_names[] = {"Peer_Account", NULL};
static const char *const to_names[] = {"To_Account", NULL};

static const char *str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static int64_t num(const json_t *o, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(o, name));
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
/* ---- recall ---- */

/* A one-to-one message named by From_Account, To_Account and MsgKey: its conversation key (heap)
 * and MsgKey parts; NULL after failing the call. */
static char *c2c_message_of(api_call_t *call, const char **from, int64_t *seq, int64_t *random,
                            int64_t *ts)
{
    const char *to;
    if (valid_get_user_id(call->body, from_names, from) != VALID_OK) {
        api_fail(call, ERR_OPENIM_FROM_ACCOUNT, "From_Account is required: a UserID");
        return NULL;
    }
    if (valid_get_user_id(call->body, to_names, &to) != VALID_OK) {
        api_fail(call, ERR_OPENIM_TO_ACCOUNT, "To_Account is required: a UserID");
        return NULL;
    }
    if (!msg_key_parse(str(call->body, "MsgKey"), seq, random, ts)) {
        api_fail(call, ERR_OPENIM_MSGKEY, "MsgKey must be a MsgKey (<seq>_<random>_<time>)");
        return NULL;
    }
    return store_conv_key_c2c(*from, to);
}

void api_openim_msgwithdraw(api_call_t *call)
{
    const char *from;
    int64_t seq, random, ts;
    char *conv = c2c_message_of(call, &from, &seq, &random, &ts);
    if (conv == NULL)
        return;
    recall_seqs(call, conv, &seq, 1, from, random, ts, recall_on_one);
    xfree(conv);
}

/* ---- delete_c2c_msg_ramble ---- */

static void on_rambled(api_call_t *call, const store_recall_res_t *res)
{
    json_t *invalid = json_array(), *key;
    size_t i, k = 0;
    /* The request's keys in order; those that did not parse never reached the store. */
    json_array_foreach(json_object_get(call->body, "MsgKeyList"), i, key)
    {
        int64_t seq, random, ts;
        bool parsed = msg_key_parse(json_string_value(key), &seq, &random, &ts);
        store_recall_item_t item = {0};
        if (parsed)
            store_recall_item(res, k++, &item);
        if (!parsed || item.status == NULL || strcmp(item.status, "ok") != 0)
            json_array_append(invalid, key);
    }
    api_finish(call, json_pack("{s:o}", "InvalidMsgKeyList", invalid));
}

void api_openim_delete_ramble(api_call_t *call)
{
    const char *op, *peer;
    if (valid_get_user_id(call->body, operator_names, &op) != VALID_OK) {
        api_fail(call, ERR_OPENIM_FROM_ACCOUNT, "Operator_Account is required: a UserID");
        return;
    }
    if (valid_get_user_id(call->body, peer_names, &peer) != VALID_OK) {
        api_fail(call, ERR_OPENIM_TO_ACCOUNT, "Peer_Account is required: a UserID");
        return;
    }
    json_t *list = json_object_get(call->body, "MsgKeyList"), *key;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > HIDE_KEYS_MAX) {
        api_fail(call, ERR_BAD_PARAM, "MsgKeyList must hold 1 to %d MsgKeys", HIDE_KEYS_MAX);
        return;
    }
    store_msg_key_t *keys = xcalloc(json_array_size(list), sizeof *keys);
    size_t i, n = 0;
    json_array_foreach(list, i, key)
    {
        if (!json_is_string(key)) {
            xfree(keys);
            api_fail(call, ERR_BAD_PARAM, "MsgKeyList[%zu] must be a MsgKey string", i);
            return;
        }
        if (msg_key_parse(json_string_value(key), &keys[n].seq, &keys[n].random, &keys[n].ts))
            n++;
    }
    char *conv = store_conv_key_c2c(op, peer);
    store_hide_t h = {
        .user = op, .conv_key = conv, .keys = keys, .n = n, .now = (int64_t)time(NULL)};
    if (n == 0) {
        store_recall_res_t none = {0};
        on_rambled(call, &none);
    } else {
        recall_hide(call, &h, on_rambled);
    }
    xfree(conv);
    xfree(keys);
}

/* The outcome for seq among a recall's items (NULL: not there). */
static const char *status_of(const store_recall_res_t *res, int64_t seq)
{
    for (size_t i = 0; i < res->n_items; i++) {
        store_recall_item_t item;
        store_recall_item(res, i, &item);
        if (item.seq == seq)
            return item.status;
    }
    return NULL;
}

static void on_group_recalled(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (!recall_group_found(call, err, res))
        return;
    json_t *req;
    size_t i;
    json_t *list = json_array();
    json_array_foreach(json_object_get(call->body, "MsgSeqList"), i, req)
    {
        int64_t seq = num(req, "MsgSeq");
        const char *status = status_of(res, seq);
        int code = status && strcmp(status, "ok") == 0 ? 0 : ERR_GROUP_MSG_NOT_FOUND;
        json_array_append_new(list,
                              json_pack("{s:I, s:i}", "MsgSeq", (json_int_t)seq, "RetCode", code));
    }
    recall_announce(call, res, str(call->body, "Reason"));
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
    const char *stream = topic_stream_of(call, id);
    int64_t *seqs = stream ? seq_list_of(call, RECALL_SEQS_MAX, &n) : NULL;
    if (seqs == NULL)
        return;
    char *conv = xasprintf("g:%s", stream);
    recall_seqs(call, conv, seqs, n, NULL, -1, -1, on_group_recalled);
    xfree(conv);
    xfree(seqs);
}

/* ---- modify ---- */

void api_openim_modify_c2c_msg(api_call_t *call)
{
    store_modify_t m = {0};
    char *conv = c2c_message_of(call, &m.sender, &m.seq, &m.random, &m.ts);
    if (conv == NULL)
        return;
    if (recall_read_changes(call, "MsgBody", "CloudCustomData", &m)) {
        m.conv_key = conv;
        recall_modify(call, &m);
    }
    xfree(conv);
    free((char *)m.body);
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
    const char *stream = topic_stream_of(call, id);
    if (stream == NULL || !recall_read_changes(call, "MsgBody", "CloudCustomData", &m))
        return;
    char *conv = xasprintf("g:%s", stream);
    m.conv_key = conv;
    m.seq = seq;
    recall_modify(call, &m);
    xfree(conv);
    free((char *)m.body);
}

/* ---- group read receipts ---- */

static void on_receipt_added(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (!recall_group_found(call, err, res))
        return;
    if (!res->member) {
        api_fail(call, ERR_GROUP_PERMISSION, "From_Account is not a member of the group");
        return;
    }
    api_hook_poke(call->env);
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
    store_webhook_origin_t o = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_GROUP_AFTER_READ_RECEIPT),
        call->client_ip};
    store_group_receipt_add(call->env->db, id, reader, seqs, n, (int64_t)time(NULL),
                            api_hook_on(call->env, STORE_WEBHOOK_GROUP_AFTER_READ_RECEIPT) ? &o
                                                                                           : NULL,
                            on_receipt_added, call);
    xfree(seqs);
}

static void on_receipt_counts(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (!recall_group_found(call, err, res))
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < res->n_items; i++) {
        store_recall_item_t item;
        store_recall_item(res, i, &item);
        json_array_append_new(
            list, json_pack("{s:I, s:I, s:I, s:i}", "MsgSeq", (json_int_t)item.seq, "ReadNum",
                            (json_int_t)item.read, "UnreadNum", (json_int_t)item.unread, "Code",
                            item.ok ? 0 : ERR_GROUP_RECEIPT_MISSING));
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

static void on_receipt_detail(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (!recall_group_found(call, err, res))
        return;
    if (!res->found) {
        api_fail(call, ERR_GROUP_RECEIPT_MISSING, NULL);
        return;
    }
    long long filter = 0, count = RECEIPT_DETAIL_DEFAULT;
    valid_get_int(call->body, "Filter", 0, 1, &filter);
    valid_get_int(call->body, "Count", 1, RECEIPT_DETAIL_MAX, &count);
    json_t *users = res->users, *list = json_array(), *v;
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

static void on_cleared(err_t err, const store_recall_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (recall_group_found(call, err, res))
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
