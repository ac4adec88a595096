/* One-to-one messages for app backends (REST `openim`): sendmsg, batchsendmsg, importmsg,
 * admin_getroammsg, admin_set_msg_read, get_c2c_unread_msg_num. Every send ends in
 * msg_c2c_send(), the path WebSocket sendMessage takes too, so a message sent here reaches
 * WebSocket sessions exactly as one sent there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/conv/conv.h"
#include "api/message/message.h"
#include "api/message/body.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "store/store.h"

static const char *const from_names[] = {"From_Account", NULL};
static const char *const to_names[] = {"To_Account", NULL};
static const char *const operator_names[] = {"Operator_Account", "From_Account", NULL};
static const char *const peer_names[] = {"Peer_Account", "To_Account", NULL};
static const char *const report_names[] = {"Report_Account", NULL};

typedef enum {
    SEND_ONE,    /* sendmsg */
    SEND_BATCH,  /* batchsendmsg */
    SEND_IMPORT, /* importmsg */
} send_kind_t;

/* ---- field readers: each fails the call and returns false on bad input ---- */

/* An optional integer in [min, max]; *out is untouched when absent. */
static bool opt_int(api_call_t *call, const char *name, long long min, long long max, err_t err,
                    long long *out)
{
    valid_t v = valid_get_int(call->body, name, min, max, out);
    if (v == VALID_OK || v == VALID_MISSING)
        return true;
    api_fail(call, err, "%s must be an integer from %lld to %lld", name, min, max);
    return false;
}

/* A UserID under one of `names`. Missing or not a string: `err_missing`; a string that cannot
 * be a UserID: `err_invalid`. */
static bool req_user(api_call_t *call, const char *const *names, err_t err_missing,
                     err_t err_invalid, const char **out)
{
    switch (valid_get_user_id(call->body, names, out)) {
    case VALID_OK:
        return true;
    case VALID_MISSING:
    case VALID_TYPE:
        api_fail(call, err_missing, "%s is required: a UserID string", names[0]);
        return false;
    default:
        api_fail(call, err_invalid, "%s is not a valid UserID (1 to %d bytes of text)", names[0],
                 VALID_USERID_MAX);
        return false;
    }
}

/* From_Account: required for importmsg; absent elsewhere the calling admin sends, trusted. */
static bool read_sender(api_call_t *call, send_kind_t kind, msg_c2c_t *m)
{
    if (kind != SEND_IMPORT && valid_member(call->body, from_names) == NULL) {
        m->sender = call->identifier;
        m->trusted = true;
        return true;
    }
    if (!req_user(call, from_names, ERR_OPENIM_FROM_ACCOUNT, ERR_OPENIM_FROM_ACCOUNT, &m->sender))
        return false;
    /* An admin identifier need not be an imported account (and is never muted). */
    m->trusted = config_is_admin(call->env->cfg, m->sender);
    return true;
}

/* The fields of the message itself, shared by sendmsg, batchsendmsg and importmsg. */
static bool read_message(api_call_t *call, send_kind_t kind, msg_c2c_t *m)
{
    msg_fields_t f = {0};
    const field_table_t *t = kind == SEND_IMPORT ? &msg_import_fields : &msg_send_fields;
    if (!api_read_fields(call, t, FIELD_REST, call->body, &f))
        return false;
    static const msg_kind_t kinds[] = {
        [SEND_ONE] = MSG_SEND, [SEND_BATCH] = MSG_SEND_BATCH, [SEND_IMPORT] = MSG_IMPORT};
    char detail[256];
    err_t err = msg_apply_fields(&f, kinds[kind], m, detail, sizeof detail);
    if (err != ERR_OK) {
        api_fail(call, err, "%s", detail);
        return false;
    }
    m->platform = call->platform;
    m->client_ip = call->client_ip;
    return true;
}

static json_t *sent_fields(const msg_sent_t *sent)
{
    char *key = msg_key(sent->seq, sent->random, sent->ts);
    json_t *r = json_pack("{s:I, s:s, s:s, s:I}", "MsgTime", (json_int_t)sent->ts, "MsgKey", key,
                          "MsgId", sent->msg_id, "MsgSeq", (json_int_t)sent->seq);
    xfree(key);
    return r;
}

/* ---- sendmsg ---- */

static void on_sendmsg(err_t err, const msg_sent_t *sent, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        msg_fail(call, err, sent);
        return;
    }
    api_finish(call, sent_fields(sent));
}

void api_openim_sendmsg(api_call_t *call)
{
    msg_c2c_t m = {0};
    if (!read_sender(call, SEND_ONE, &m) ||
        !req_user(call, to_names, ERR_OPENIM_TO_ACCOUNT, ERR_C2C_USER_INVALID, &m.receiver) ||
        !read_message(call, SEND_ONE, &m))
        return;
    msg_c2c_send(call->env, &m, on_sendmsg, call);
}

/* ---- batchsendmsg ---- */

typedef struct {
    err_t err; /* ERR_OK once sent */
    msg_sent_t sent;
    char *msg_id; /* sent.msg_id's copy */
} batch_result_t;

typedef struct {
    api_call_t *call;
    size_t n, pending;
    batch_result_t *results; /* in To_Account order */
} batch_t;

typedef struct {
    batch_t *batch;
    size_t index;
} batch_item_t;

/* The per-recipient ErrorCode: Tencent reports a recipient that does not exist as 70107. */
static int item_code(err_t err)
{
    if (err == ERR_C2C_USER_INVALID)
        return ERR_ACCOUNT_NOT_IMPORTED;
    const api_service_t *svc = api_service_find("openim");
    return err_code(err, svc ? &svc->errors : NULL);
}

/* When no recipient got the message: a cause shared by all (the sender is muted or unknown, the
 * database is down) explains it better than "no valid To_Account". */
static err_t batch_failure(const batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->results[i].err != ERR_C2C_USER_INVALID)
            return b->results[i].err;
    return ERR_OPENIM_NO_RECEIVER;
}

static void batch_answer(batch_t *b)
{
    api_call_t *call = b->call;
    json_t *errors = json_array(), *result = NULL;
    json_t *to = json_object_get(call->body, "To_Account");
    for (size_t i = 0; i < b->n; i++) {
        batch_result_t *r = &b->results[i];
        if (r->err != ERR_OK)
            json_array_append_new(errors,
                                  json_pack("{s:O, s:i}", "To_Account", json_array_get(to, i),
                                            "ErrorCode", item_code(r->err)));
        else if (result == NULL)
            result = sent_fields(&r->sent);
    }
    if (result == NULL) {
        json_decref(errors);
        api_fail(call, batch_failure(b), "none of the %zu recipients got the message", b->n);
    } else {
        if (json_array_size(errors) > 0)
            json_object_set(result, "ErrorList", errors);
        json_decref(errors);
        api_finish(call, result);
    }
    for (size_t i = 0; i < b->n; i++)
        xfree(b->results[i].msg_id);
    xfree(b->results);
    xfree(b);
}

static void batch_done_one(batch_t *b)
{
    if (--b->pending == 0)
        batch_answer(b);
}

static void on_batch_sent(err_t err, const msg_sent_t *sent, void *arg)
{
    batch_item_t *item = arg;
    batch_t *b = item->batch;
    batch_result_t *r = &b->results[item->index];
    xfree(item);
    r->err = err;
    if (err == ERR_OK) {
        r->sent = *sent;
        r->msg_id = xstrdup(sent->msg_id);
        r->sent.msg_id = r->msg_id;
    }
    batch_done_one(b);
}

/* To_Account of batchsendmsg: 1..MSG_BATCH_MAX strings. */
static json_t *read_batch_receivers(api_call_t *call)
{
    json_t *list = json_object_get(call->body, "To_Account"), *v;
    size_t i;
    if (!json_is_array(list)) {
        api_fail(call, ERR_OPENIM_TO_LIST, "To_Account must be an array of UserID strings");
        return NULL;
    }
    if (json_array_size(list) == 0) {
        api_fail(call, ERR_OPENIM_TO_EMPTY, "To_Account needs at least one UserID");
        return NULL;
    }
    if (json_array_size(list) > MSG_BATCH_MAX) {
        api_fail(call, ERR_OPENIM_TOO_MANY, "at most %d recipients per request", MSG_BATCH_MAX);
        return NULL;
    }
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v)) {
            api_fail(call, ERR_OPENIM_TO_LIST, "To_Account[%zu] must be a UserID string", i);
            return NULL;
        }
    }
    return list;
}

void api_openim_batchsendmsg(api_call_t *call)
{
    msg_c2c_t m = {0};
    json_t *list, *v;
    if (!read_sender(call, SEND_BATCH, &m) || (list = read_batch_receivers(call)) == NULL ||
        !read_message(call, SEND_BATCH, &m))
        return;
    batch_t *b = XNEW(batch_t);
    b->call = call;
    b->n = json_array_size(list);
    b->results = xcalloc(b->n, sizeof *b->results);
    /* One extra count while sending: a callback that runs at once cannot answer early. */
    b->pending = b->n + 1;
    size_t i;
    json_array_foreach(list, i, v)
    {
        if (!valid_user_id(json_string_value(v), json_string_length(v))) {
            b->results[i].err = ERR_C2C_USER_INVALID;
            b->pending--;
            continue;
        }
        batch_item_t *item = XNEW(batch_item_t);
        item->batch = b;
        item->index = i;
        m.receiver = json_string_value(v);
        msg_c2c_send(call->env, &m, on_batch_sent, item);
    }
    batch_done_one(b);
}

/* ---- importmsg ---- */

static void on_imported(err_t err, const msg_sent_t *sent, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        api_fail(call, err, NULL);
    else
        api_finish(call, NULL);
}

void api_openim_importmsg(api_call_t *call)
{
    long long mode = 0;
    if (valid_get_int(call->body, "SyncFromOldSystem", 2, 5, &mode) != VALID_OK ||
        (mode != 2 && mode != 5)) {
        api_fail(call, ERR_OPENIM_SYNC_OLD,
                 "SyncFromOldSystem is required: 2 (history) or 5 (real-time)");
        return;
    }
    msg_c2c_t m = {0};
    if (!read_sender(call, SEND_IMPORT, &m) ||
        !req_user(call, to_names, ERR_OPENIM_TO_ACCOUNT, ERR_C2C_USER_INVALID, &m.receiver) ||
        !read_message(call, SEND_IMPORT, &m))
        return;
    if (mode == 2) {
        /* History: read for both sides, nobody is told. */
        m.mark_read = true;
    } else {
        /* Real time: unread for the receiver and pushed like any new message. */
        m.deliver = true;
        m.sync_sender = true;
    }
    msg_c2c_send(call->env, &m, on_imported, call);
}

/* ---- existence of the accounts a read names ---- */

/* Checks that the UserIDs in ids[] are imported accounts (app admins count as existing), then
 * calls `next`; otherwise fails the call with errs[i] for the first missing one, freeing
 * call->state (a plain block, or NULL). */
typedef struct {
    api_call_t *call;
    const char *ids[2];
    err_t errs[2];
    size_t n;
    void (*next)(api_call_t *call);
} exists_t;

static void on_exists(err_t err, const store_ids_t *found, void *arg)
{
    exists_t *e = arg;
    api_call_t *call = e->call;
    const char *missing = NULL;
    for (size_t i = 0; err == ERR_OK && missing == NULL && i < e->n; i++)
        if (!store_ids_has(found, e->ids[i]) && !config_is_admin(call->env->cfg, e->ids[i])) {
            missing = e->ids[i];
            err = e->errs[i];
        }
    void (*next)(api_call_t *) = e->next;
    xfree(e);
    if (err == ERR_OK) {
        next(call);
        return;
    }
    xfree(call->state);
    call->state = NULL;
    api_fail(call, err, missing ? "%s does not exist" : NULL, missing);
}

static void check_accounts(api_call_t *call, const char *a, err_t err_a, const char *b, err_t err_b,
                           void (*next)(api_call_t *call))
{
    exists_t *e = XNEW(exists_t);
    e->call = call;
    e->ids[0] = a;
    e->errs[0] = err_a;
    e->ids[1] = b;
    e->errs[1] = err_b;
    e->n = b ? 2 : 1;
    e->next = next;
    store_accounts_existing(call->env->db, e->ids, e->n, on_exists, e);
}

/* ---- admin_getroammsg ---- */

typedef struct {
    const char *operator_id, *peer; /* borrowed from the body */
    long long count, min_time, max_time;
    int64_t before_seq; /* from LastMsgKey; 0: from the newest */
} roam_t;

static void on_roam(err_t err, const store_msg_row_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    roam_t *q = call->state;
    call->state = NULL;
    size_t count = (size_t)q->count;
    xfree(q);
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    /* One row more than the page was asked for: its presence means older messages remain.
     * Rows are oldest first, so the extra one is the first. */
    bool complete = n <= count;
    if (!complete) {
        rows++;
        n--;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, msg_to_rest_json(&rows[i]));
    char *last_key = n ? msg_key(rows[0].seq, rows[0].random, rows[0].ts) : xstrdup("");
    api_finish(call, json_pack("{s:i, s:i, s:I, s:s, s:o}", "Complete", complete ? 1 : 0, "MsgCnt",
                               (int)n, "LastMsgTime", (json_int_t)(n ? rows[0].ts : 0),
                               "LastMsgKey", last_key, "MsgList", list));
    xfree(last_key);
}

static void roam_query(api_call_t *call)
{
    roam_t *q = call->state;
    char *conv = store_conv_key_c2c(q->operator_id, q->peer);
    store_msg_history_range(call->env->db, conv, q->operator_id, q->min_time, q->max_time,
                            q->before_seq, (int)q->count + 1, on_roam, call);
    xfree(conv);
}

void api_openim_getroammsg(api_call_t *call)
{
    roam_t q = {0};
    if (!req_user(call, operator_names, ERR_OPENIM_FROM_ACCOUNT, ERR_OPENIM_FROM_ACCOUNT,
                  &q.operator_id) ||
        !req_user(call, peer_names, ERR_OPENIM_TO_ACCOUNT, ERR_OPENIM_TO_ACCOUNT, &q.peer))
        return;
    static const char *const ints[] = {"MaxCnt", "MinTime", "MaxTime"};
    long long *outs[] = {&q.count, &q.min_time, &q.max_time};
    for (int i = 0; i < 3; i++) {
        if (valid_get_int(call->body, ints[i], i == 0 ? 1 : 0, INT64_MAX, outs[i]) != VALID_OK) {
            api_fail(call, ERR_BAD_PARAM, "%s is required: %s", ints[i],
                     i == 0 ? "a positive integer" : "a unix time in seconds");
            return;
        }
    }
    if (q.min_time > q.max_time) {
        api_fail(call, ERR_BAD_PARAM, "MinTime must not be after MaxTime");
        return;
    }
    if (q.count > MSG_ROAM_PAGE_MAX)
        q.count = MSG_ROAM_PAGE_MAX;
    json_t *last = json_object_get(call->body, "LastMsgKey");
    if (last && !(json_is_string(last) && json_string_length(last) == 0)) {
        int64_t random, ts;
        if (!msg_key_parse(json_string_value(last), &q.before_seq, &random, &ts))
            q.before_seq = 0;
        if (q.before_seq == 0) {
            api_fail(call, ERR_OPENIM_MSGKEY, "LastMsgKey must be the LastMsgKey of a page");
            return;
        }
    }
    roam_t *state = XNEW(roam_t);
    *state = q;
    call->state = state;
    check_accounts(call, q.operator_id, ERR_OPENIM_FROM_ACCOUNT, q.peer, ERR_OPENIM_TO_ACCOUNT,
                   roam_query);
}

/* ---- admin_set_msg_read ---- */

static void on_set_read(err_t err, bool found, int64_t read_seq, const char *peer, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    if (found && peer) {
        /* As WebSocket markC2CMessageAsRead: the reader's sessions see the conversation's new
         * unread count, the peer's get the read receipt. */
        const char *reader = json_string_value(valid_member(call->body, report_names));
        char *conv = store_conv_key_c2c(reader, peer);
        conv_notify_add(call->env->conv_notify, reader, conv);
        xfree(conv);
        msg_push_read_receipt(call->env, reader, peer, read_seq);
        if (api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT))
            api_hook_poke(call->env);
    }
    api_finish(call, NULL);
}

static void set_read_query(api_call_t *call)
{
    const char *reader = json_string_value(valid_member(call->body, report_names));
    const char *peer = json_string_value(json_object_get(call->body, "Peer_Account"));
    long long upto_time = 0;
    valid_get_int(call->body, "MsgReadTime", 0, UINT32_MAX, &upto_time);
    char *conv = store_conv_key_c2c(reader, peer);
    store_webhook_origin_t origin = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT),
        call->client_ip};
    store_conv_mark_read(call->env->db, reader, conv, 0, upto_time, (int64_t)time(NULL),
                         api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT) ? &origin
                                                                                    : NULL,
                         on_set_read, call);
    xfree(conv);
}

void api_openim_set_msg_read(api_call_t *call)
{
    static const char *const peer_only[] = {"Peer_Account", NULL};
    const char *reader, *peer;
    long long upto_time = 0;
    if (!req_user(call, report_names, ERR_BAD_PARAM, ERR_BAD_PARAM, &reader) ||
        !req_user(call, peer_only, ERR_BAD_PARAM, ERR_BAD_PARAM, &peer) ||
        !opt_int(call, "MsgReadTime", 0, UINT32_MAX, ERR_BAD_PARAM, &upto_time))
        return;
    check_accounts(call, reader, ERR_NOT_IMPORTED, peer, ERR_NOT_IMPORTED, set_read_query);
}

/* ---- get_c2c_unread_msg_num ---- */

typedef struct {
    json_t *missing; /* the Peer_Account entries that are not accounts: {UserID: true} */
} unread_t;

static const store_unread_t *unread_find(const store_unread_t *rows, size_t n, const char *peer)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].peer, peer) == 0)
            return &rows[i];
    return NULL;
}

static void on_unread(err_t err, const store_unread_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    unread_t *u = call->state;
    call->state = NULL;
    if (err != ERR_OK) {
        json_decref(u->missing);
        xfree(u);
        api_fail(call, err, NULL);
        return;
    }
    json_int_t all = 0;
    for (size_t i = 0; i < n; i++)
        all += rows[i].unread;
    json_t *list = json_array(), *errors = json_array();
    json_t *peers = json_object_get(call->body, "Peer_Account"), *v;
    size_t i;
    if (json_array_size(peers) == 0) {
        for (i = 0; i < n; i++)
            if (rows[i].unread > 0)
                json_array_append_new(list,
                                      json_pack("{s:s, s:I}", "Peer_Account", rows[i].peer,
                                                "C2CUnreadMsgNum", (json_int_t)rows[i].unread));
    }
    json_array_foreach(peers, i, v)
    {
        const char *peer = json_string_value(v);
        if (json_object_get(u->missing, peer)) {
            json_array_append_new(errors, json_pack("{s:s, s:i}", "Peer_Account", peer, "ErrorCode",
                                                    ERR_ACCOUNT_NOT_IMPORTED));
            continue;
        }
        const store_unread_t *r = unread_find(rows, n, peer);
        json_array_append_new(list, json_pack("{s:s, s:I}", "Peer_Account", peer, "C2CUnreadMsgNum",
                                              (json_int_t)(r ? r->unread : 0)));
    }
    json_t *result =
        json_pack("{s:I, s:o}", "AllC2CUnreadMsgNum", all, "C2CUnreadMsgNumList", list);
    if (json_array_size(errors) > 0)
        json_object_set(result, "ErrorList", errors);
    json_decref(errors);
    json_decref(u->missing);
    xfree(u);
    api_finish(call, result);
}

static void on_unread_users(err_t err, const store_ids_t *found, void *arg)
{
    api_call_t *call = arg;
    unread_t *u = call->state;
    const char *user = json_string_value(json_object_get(call->body, "To_Account"));
    if (err == ERR_OK && !store_ids_has(found, user) && !config_is_admin(call->env->cfg, user))
        err = ERR_OPENIM_TO_ACCOUNT;
    if (err != ERR_OK) {
        call->state = NULL;
        json_decref(u->missing);
        xfree(u);
        api_fail(call, err, err == ERR_OPENIM_TO_ACCOUNT ? "%s does not exist" : NULL, user);
        return;
    }
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(call->body, "Peer_Account"), i, v)
    {
        const char *peer = json_string_value(v);
        if (!valid_user_id(peer, json_string_length(v)) || !store_ids_has(found, peer))
            json_object_set_new(u->missing, peer, json_true());
    }
    /* All of the user's conversations: AllC2CUnreadMsgNum counts them all, not only the peers
     * asked about. */
    store_c2c_unread(call->env->db, user, NULL, 0, on_unread, call);
}

void api_openim_c2c_unread(api_call_t *call)
{
    const char *user;
    if (!req_user(call, to_names, ERR_OPENIM_TO_ACCOUNT, ERR_OPENIM_TO_ACCOUNT, &user))
        return;
    json_t *peers = json_object_get(call->body, "Peer_Account"), *v;
    size_t i;
    if (peers && !json_is_array(peers)) {
        api_fail(call, ERR_BAD_PARAM, "Peer_Account must be an array of UserIDs");
        return;
    }
    if (json_array_size(peers) > MSG_UNREAD_PEERS_MAX) {
        api_fail(call, ERR_OPENIM_TOO_MANY, "at most %d Peer_Account entries",
                 MSG_UNREAD_PEERS_MAX);
        return;
    }
    const char **ids = xcalloc(json_array_size(peers) + 1, sizeof(char *));
    ids[0] = user;
    json_array_foreach(peers, i, v)
    {
        if (!json_is_string(v)) {
            xfree(ids);
            api_fail(call, ERR_BAD_PARAM, "Peer_Account[%zu] must be a UserID string", i);
            return;
        }
        ids[i + 1] = json_string_value(v);
    }
    unread_t *u = XNEW(unread_t);
    u->missing = json_object();
    call->state = u;
    store_accounts_existing(call->env->db, ids, json_array_size(peers) + 1, on_unread_users, call);
    xfree(ids);
}

/* ---- c2c_msg_read_receipt ---- */

static void answer_receipts(api_call_t *call)
{
    api_finish(call, NULL);
}

/* Operator_Account read Peer_Account's messages C2CMsgInfo [{From_Account (the peer),
 * To_Account (the operator), MsgKey}]: the same rule as sendMessageReadReceipts. */
void api_openim_c2c_read_receipt(api_call_t *call)
{
    const char *reader, *peer;
    if (valid_get_user_id(call->body, operator_names, &reader) != VALID_OK ||
        valid_get_user_id(call->body, peer_names, &peer) != VALID_OK) {
        api_fail(call, ERR_OPENIM_FORMAT, "Operator_Account and Peer_Account must be UserIDs");
        return;
    }
    json_t *list = json_object_get(call->body, "C2CMsgInfo"), *item;
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > MSG_IDS_MAX) {
        api_fail(call, ERR_OPENIM_FORMAT, "C2CMsgInfo must hold 1 to %d messages", MSG_IDS_MAX);
        return;
    }
    json_t *keys = json_array();
    char *conv = store_conv_key_c2c(reader, peer);
    size_t i;
    json_array_foreach(list, i, item)
    {
        const char *from = json_string_value(json_object_get(item, "From_Account"));
        const char *to = json_string_value(json_object_get(item, "To_Account"));
        const char *key = json_string_value(json_object_get(item, "MsgKey"));
        int64_t seq, random, ts;
        if (from == NULL || to == NULL || strcmp(from, peer) != 0 || strcmp(to, reader) != 0) {
            api_fail(call, ERR_OPENIM_FORMAT,
                     "C2CMsgInfo[%zu]: From_Account must be Peer_Account and To_Account "
                     "Operator_Account",
                     i);
            goto done;
        }
        if (key == NULL || !msg_key_parse(key, &seq, &random, &ts)) {
            api_fail(call, ERR_OPENIM_MSGKEY, "C2CMsgInfo[%zu].MsgKey is not one chatd issued", i);
            goto done;
        }
        json_array_append_new(keys, json_pack("{s:s, s:I, s:I}", "conv", conv, "seq",
                                              (json_int_t)seq, "random", (json_int_t)random));
    }
    char *text = json_dumps(keys, JSON_COMPACT);
    msg_receipts_send(call, reader, NULL, 0, text, answer_receipts);
    free(text);
done:
    xfree(conv);
    json_decref(keys);
}
