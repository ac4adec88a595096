/* One-to-one messaging commands of the WebSocket protocol (names as in the Chat SDK's message
 * manager): sendMessage, getHistoryMessageList, findMessages, syncMessages,
 * markC2CMessageAsRead, cleanConversationUnreadMessageCount, sendMessageReadReceipts,
 * getMessageReadReceipts, downloadMergerMessage. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/conv/conv.h"
#include "api/group/group.h"
#include "api/message/message.h"
#include "api/message/body.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "router/router.h"

static const char *const receiver_names[] = {"receiver", "userID", NULL};

/* ---- sendMessage ---- */

static void on_sent(err_t err, const msg_sent_t *sent, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        msg_fail(call, err, sent);
        return;
    }
    char *key = msg_key(sent->seq, sent->random, sent->ts);
    api_finish(call, json_pack("{s:s, s:s, s:I, s:I, s:I}", "msgID", sent->msg_id, "msgKey", key,
                               "seq", (json_int_t)sent->seq, "timestamp", (json_int_t)sent->ts,
                               "random", (json_int_t)sent->random));
    xfree(key);
}

/* Reads and checks the fields every message carries; false when the call was failed. */
static bool read_message(api_call_t *call, msg_c2c_t *m)
{
    msg_fields_t f = {0};
    if (!api_read_fields(call, &msg_send_fields, FIELD_SDK, call->body, &f))
        return false;
    char detail[256];
    err_t err = msg_apply_fields(&f, MSG_SEND, m, detail, sizeof detail);
    if (err != ERR_OK)
        api_fail(call, err, "%s", detail);
    return err == ERR_OK;
}

static void send_group(api_call_t *call, const char *group_id, const msg_c2c_t *c)
{
    json_t *receivers = json_object_get(call->body, "receiverList");
    json_t *ats = json_object_get(call->body, "groupAtUserList");
    const char *priority = json_string_value(json_object_get(call->body, "priority"));
    msg_group_t m = {
        .sender = call->identifier,
        .group_id = group_id,
        .random = c->random,
        .body = c->body,
        .cloud_custom_data = c->cloud_custom_data,
        .need_read_receipt = c->need_read_receipt,
        .extension = c->extension,
        .online_only = c->online_only,
        .targets = json_is_array(receivers) && json_array_size(receivers) ? receivers : NULL,
        .at_users = json_is_array(ats) && json_array_size(ats) ? ats : NULL,
        .priority = priority,
        .origin_conn = call->conn_id,
        .deliver = true,
        .platform = call->platform,
        .client_ip = call->client_ip,
        .no_before_hook = c->no_before_hook,
        .push_info = c->push_info,
    };
    if ((receivers && !json_is_array(receivers)) || (ats && !json_is_array(ats))) {
        api_fail(call, ERR_BAD_PARAM, "receiverList and groupAtUserList must be arrays");
        return;
    }
    msg_group_send(call->env, &m, on_sent, call);
}

void api_ws_send_message(api_call_t *call)
{
    msg_c2c_t m = {.sender = call->identifier,
                   .sync_sender = true,
                   .deliver = true,
                   .origin_conn = call->conn_id,
                   .platform = call->platform,
                   .client_ip = call->client_ip};
    const char *group_id = json_string_value(json_object_get(call->body, "groupID"));
    if (group_id == NULL &&
        valid_get_user_id(call->body, receiver_names, &m.receiver) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "receiver must be a UserID string (or groupID a group)");
        return;
    }
    if (!read_message(call, &m))
        return;
    if (group_id != NULL)
        send_group(call, group_id, &m);
    else
        msg_c2c_send(call->env, &m, on_sent, call);
}

/* ---- history and lookups ---- */

static json_t *message_list(const store_msg_row_t *rows, size_t n, const char *viewer)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, msg_to_json(&rows[i], viewer));
    return list;
}

static void on_history(err_t err, const store_msg_row_t *rows, size_t n, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    api_finish(call, json_pack("{s:o}", "messageList", message_list(rows, n, call->identifier)));
}

/* The c2c conversation key named by body.conversationID (or body.userID); fails the call. */
static char *conv_key_of(api_call_t *call)
{
    const char *id = json_string_value(json_object_get(call->body, "conversationID"));
    const char *peer = json_string_value(json_object_get(call->body, "userID"));
    char *key = NULL;
    if (id)
        key = conv_key_from_id(call->identifier, id);
    else if (peer && valid_user_id(peer, strlen(peer)))
        key = store_conv_key_c2c(call->identifier, peer);
    if (key == NULL)
        api_fail(call, ERR_BAD_PARAM, "conversationID must be \"c2c_<userID>\"");
    return key;
}

void api_ws_get_history(api_call_t *call)
{
    long long count = MSG_HISTORY_DEFAULT, last = 0;
    valid_t vc = valid_get_int(call->body, "count", 1, MSG_HISTORY_MAX, &count);
    valid_t vl = valid_get_int(call->body, "lastMsgSeq", 0, INT64_MAX, &last);
    if ((vc != VALID_OK && vc != VALID_MISSING) || (vl != VALID_OK && vl != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM, "count must be 1..%d and lastMsgSeq a seq", MSG_HISTORY_MAX);
        return;
    }
    char *key = conv_key_of(call);
    if (key == NULL)
        return;
    store_msg_history(call->env->db, key, call->identifier, last, (int)count, on_history, call);
    xfree(key);
}

/* ---- getHistoryMessageListV2 ---- */

void api_ws_get_history_v2(api_call_t *call)
{
    const json_t *b = call->body;
    long long type = 1, count = MSG_HISTORY_DEFAULT, last = 0, begin = 0, period = 0;
    store_history_q_t q = {0};
    bool bad = false;
    bad |= valid_get_int(b, "getType", 1, 4, &type) >= VALID_TYPE;
    bad |= valid_get_int(b, "count", 1, MSG_HISTORY_MAX, &count) >= VALID_TYPE;
    bad |= valid_get_int(b, "lastMsgSeq", 0, INT64_MAX, &last) >= VALID_TYPE;
    bad |= valid_get_int(b, "getTimeBegin", 0, INT64_MAX, &begin) >= VALID_TYPE;
    bad |= valid_get_int(b, "getTimePeriod", 0, INT64_MAX, &period) >= VALID_TYPE;
    json_t *types = json_object_get(b, "messageTypeList");
    json_t *seqs = json_object_get(b, "messageSeqList");
    bad |= (types && !json_is_array(types)) || (seqs && !json_is_array(seqs)) ||
           json_array_size(seqs) > MSG_HISTORY_MAX;
    size_t i;
    json_t *v;
    json_array_foreach(seqs, i, v) bad |= !json_is_integer(v) || json_integer_value(v) < 1;
    char *types_text = json_array_size(types) ? msg_types_json(types, &bad) : NULL;
    if (bad) {
        api_fail(call, ERR_BAD_PARAM,
                 "getType 1-4, count 1..%d, lastMsgSeq, getTimeBegin, getTimePeriod >= 0, "
                 "messageTypeList of element types (1-10), messageSeqList of seqs",
                 MSG_HISTORY_MAX);
        free(types_text);
        return;
    }
    char *key = conv_key_of(call);
    if (key == NULL) {
        free(types_text);
        return;
    }
    char *seqs_text = json_array_size(seqs) ? json_dumps(seqs, JSON_COMPACT) : NULL;
    q = (store_history_q_t){.newer = type == 2 || type == 4,
                            .from_seq = last,
                            .time_from = begin,
                            .time_to = period ? begin + period : 0,
                            .types_json = types_text,
                            .seqs_json = seqs_text,
                            .count = (int)count};
    store_msg_history_v2(call->env->db, key, call->identifier, &q, on_history, call);
    free(types_text);
    free(seqs_text);
    xfree(key);
}

/* A non-empty array of at most `max` msgIDs; fails the call otherwise. */
static const char **read_ids(api_call_t *call, const char *field, size_t max, size_t *n)
{
    api_ids_t spec = {field, max, NULL, false, ERR_BAD_PARAM, ERR_BAD_PARAM, "msgIDs"};
    return api_read_ids(call, &spec, n);
}

void api_ws_find_messages(api_call_t *call)
{
    size_t n;
    const char **ids = read_ids(call, "msgIDs", MSG_IDS_MAX, &n);
    if (ids == NULL)
        return;
    store_msg_find(call->env->db, call->identifier, ids, n, on_history, call);
    xfree(ids);
}

/* ---- downloadMergerMessage ---- */

static void on_merged(err_t err, const char *list, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *msgs = list ? json_loads(list, 0, NULL) : NULL;
    if (msgs == NULL) {
        api_fail(call, ERR_MSG_NOT_FOUND,
                 "no merged message with this jsonMsgKey in your conversations");
        return;
    }
    api_finish(call, json_pack("{s:o}", "msgList", msgs));
}

/* The MsgList a merged message's JsonMsgKey names, for a participant of a conversation whose
 * message carries it. */
void api_ws_download_merger(api_call_t *call)
{
    const char *key = json_string_value(json_object_get(call->body, "jsonMsgKey"));
    if (key == NULL || *key == '\0') {
        api_fail(call, ERR_BAD_PARAM, "jsonMsgKey is required: a string");
        return;
    }
    store_merged_get(call->env->db, call->identifier, key, on_merged, call);
}

/* ---- syncMessages ---- */

static void on_sync(err_t err, const store_msg_row_t *rows, size_t n, const store_read_pos_t *reads,
                    size_t nreads, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *receipts = json_array();
    for (size_t i = 0; i < nreads; i++)
        json_array_append_new(receipts,
                              json_pack("{s:s+, s:s, s:I, s:I}", "conversationID", "c2c_",
                                        reads[i].peer, "userID", reads[i].peer, "peerReadSeq",
                                        (json_int_t)reads[i].peer_read_seq, "timestamp",
                                        (json_int_t)reads[i].peer_read_time));
    long long count = MSG_SYNC_DEFAULT;
    valid_get_int(call->body, "count", 1, MSG_SYNC_MAX, &count);
    api_finish(call,
               json_pack("{s:o, s:o, s:b}", "messageList", message_list(rows, n, call->identifier),
                         "readReceipts", receipts, "isFinished", n < (size_t)count));
}

/* {conversationID: seq} from the client → {conv_key: seq} for the store. */
static char *positions_param(api_call_t *call)
{
    json_t *pos = json_object_get(call->body, "positions"), *out = json_object();
    const char *id;
    json_t *seq;
    if (pos && !json_is_object(pos)) {
        api_fail(call, ERR_BAD_PARAM, "positions must be {conversationID: seq}");
        json_decref(out);
        return NULL;
    }
    json_object_foreach(pos, id, seq)
    {
        char *key = conv_key_from_id(call->identifier, id);
        if (key == NULL || !json_is_integer(seq) || json_integer_value(seq) < 0) {
            api_fail(call, ERR_BAD_PARAM, "positions[%s] must be a conversationID and a seq", id);
            xfree(key);
            json_decref(out);
            return NULL;
        }
        json_object_set(out, key, seq);
        xfree(key);
    }
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return text;
}

void api_ws_sync_messages(api_call_t *call)
{
    long long count = MSG_SYNC_DEFAULT;
    valid_t vc = valid_get_int(call->body, "count", 1, MSG_SYNC_MAX, &count);
    if (vc != VALID_OK && vc != VALID_MISSING) {
        api_fail(call, ERR_BAD_PARAM, "count must be 1..%d", MSG_SYNC_MAX);
        return;
    }
    char *positions = positions_param(call);
    if (positions == NULL)
        return;
    store_msg_sync(call->env->db, call->identifier, positions, (int)count, on_sync, call);
    free(positions);
}

/* ---- read positions ---- */

static void on_marked(err_t err, bool found, int64_t read_seq, const char *peer, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    if (found && peer) {
        char *key = store_conv_key_c2c(call->identifier, peer);
        conv_notify_add(call->env->conv_notify, call->identifier, key);
        xfree(key);
        msg_push_read_receipt(call->env, call->identifier, peer, read_seq);
        if (api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT))
            api_hook_poke(call->env);
    }
    api_finish(call, json_pack("{s:I}", "readSeq", (json_int_t)read_seq));
}

void api_ws_mark_c2c_read(api_call_t *call)
{
    char *key = conv_key_of(call);
    if (key == NULL)
        return;
    long long seq = 0;
    valid_get_int(call->body, "cleanSequence", 0, INT64_MAX, &seq);
    store_webhook_origin_t origin = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT),
        call->client_ip};
    store_conv_mark_read(call->env->db, call->identifier, key, seq, 0, (int64_t)time(NULL),
                         api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT) ? &origin
                                                                                    : NULL,
                         on_marked, call);
    xfree(key);
}

/* ---- message-level read receipts ---- */

static void answer_sent(api_call_t *call)
{
    api_finish(call, NULL);
}

void api_ws_send_receipts(api_call_t *call)
{
    size_t n;
    const char **ids = read_ids(call, "msgIDs", MSG_IDS_MAX, &n);
    if (ids == NULL)
        return;
    msg_receipts_send(call, call->identifier, ids, n, NULL, answer_sent);
    xfree(ids);
}

static void on_receipts(err_t err, const store_receipt_count_t *rows, size_t n, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, msg_receipt_json(&rows[i], call->identifier, NULL));
    api_finish(call, json_pack("{s:o}", "receiptList", list));
}

void api_ws_get_receipts(api_call_t *call)
{
    size_t n;
    const char **ids = read_ids(call, "msgIDs", MSG_IDS_MAX, &n);
    if (ids == NULL)
        return;
    store_receipt_counts(call->env->db, call->identifier, ids, n, on_receipts, call);
    xfree(ids);
}

static void on_read_members(err_t err, const store_ids_t *ids, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    long long offset = 0, count = MSG_HISTORY_DEFAULT;
    valid_get_int(call->body, "nextSeq", 0, INT64_MAX, &offset);
    valid_get_int(call->body, "count", 1, MSG_HISTORY_MAX, &count);
    json_t *list = json_array();
    for (size_t i = 0; i < ids->n; i++)
        json_array_append_new(list, json_string(ids->ids[i]));
    api_finish(call, json_pack("{s:o, s:I, s:b}", "memberList", list, "nextSeq",
                               (json_int_t)(offset + (long long)ids->n), "isFinished",
                               ids->n < (size_t)count));
}

void api_ws_group_read_members(api_call_t *call)
{
    const char *msg_id = json_string_value(json_object_get(call->body, "msgID"));
    long long filter = 0, offset = 0, count = MSG_HISTORY_DEFAULT;
    valid_t vf = valid_get_int(call->body, "filter", 0, 1, &filter);
    valid_t vo = valid_get_int(call->body, "nextSeq", 0, INT64_MAX, &offset);
    valid_t vc = valid_get_int(call->body, "count", 1, MSG_HISTORY_MAX, &count);
    if (msg_id == NULL || (vf != VALID_OK && vf != VALID_MISSING) ||
        (vo != VALID_OK && vo != VALID_MISSING) || (vc != VALID_OK && vc != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM, "msgID (string), filter 0|1, nextSeq, count 1..%d",
                 MSG_HISTORY_MAX);
        return;
    }
    store_receipt_members(call->env->db, call->identifier, msg_id, filter == 0, offset, (int)count,
                          on_read_members, call);
}
