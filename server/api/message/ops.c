/* The one-to-one message core: store through the batching writer, then deliver. */
#include "api/message/message.h"

#include "api/conv/conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/limit.h"
#include "api/message/body.h"
#include "api/push/push.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/stats.h"

void msg_push_read_receipt(const api_env_t *env, const char *reader, const char *peer,
                           int64_t read_seq)
{
    json_t *receipt = json_pack("{s:s, s:I, s:I}", "userID", reader, "timestamp",
                                (json_int_t)time(NULL), "msgSeq", (json_int_t)read_seq);
    router_frame_t *f = router_frame_from_json("onRecvC2CReadReceipt",
                                               json_pack("{s:[o]}", "receiptList", receipt));
    router_push_user(env->router, peer, f, 0);
    router_frame_unref(f);
}

/* ---- sending ---- */

typedef struct {
    const api_env_t *env;
    msg_c2c_t m;
    int recv_opt;         /* the receiver's receive option: 1 and 4 keep the push from them */
    int64_t committed_us; /* the stored message's commit (mono_us()); 0: online only */
    /* strings owned below */
    char *sender, *receiver, *body_text, *ccd, *platform, *client_ip;
    json_t *push_info; /* a copy, or NULL */
    bool pushed;       /* a notification may have been queued: poke the push dispatcher */
    char msg_id[33];
    msg_sent_fn cb;
    void *arg;
} send_ctx_t;

static void send_ctx_free(send_ctx_t *c)
{
    xfree(c->sender);
    xfree(c->receiver);
    free(c->body_text);
    xfree(c->ccd);
    xfree(c->platform);
    xfree(c->client_ip);
    json_decref(c->push_info);
    xfree(c);
}

void msg_fail(api_call_t *call, err_t err, const msg_sent_t *sent)
{
    if (sent && sent->detail)
        api_fail(call, err, "%s", sent->detail);
    else
        api_fail(call, err, NULL);
}

static bool after_hook_on(const send_ctx_t *c)
{
    return !c->m.no_after_hook && api_hook_on(c->env, STORE_WEBHOOK_C2C_AFTER_SEND);
}

static store_webhook_origin_t hook_origin(const send_ctx_t *c, store_webhook_cmd_t cmd)
{
    return (store_webhook_origin_t){store_webhook_platform(c->platform, cmd), c->client_ip};
}

/* The stored message's flags (store/message.h). */
static int message_flags(const send_ctx_t *c)
{
    return (c->m.need_read_receipt ? STORE_MSG_F_RECEIPT : 0) |
           (c->m.no_unread ? STORE_MSG_F_NO_UNREAD : 0) |
           (c->m.extension ? STORE_MSG_F_EXTENSION : 0);
}

/* Pushes onRecvNewMessage to the receiver's sessions and the sender's other ones. */
static void deliver(send_ctx_t *c, const msg_sent_t *sent)
{
    store_msg_row_t row = {
        .seq = sent->seq,
        .sender = c->sender,
        .receiver = c->receiver,
        .random = sent->random,
        .msg_id = sent->msg_id,
        .ts = sent->ts,
        .body = c->body_text,
        .cloud_custom_data = c->ccd,
        .flags = message_flags(c),
    };
    router_t *r = c->env->router;
    json_t *to_receiver = json_pack("{s:o}", "message", msg_to_json(&row, c->receiver));
    if (c->m.online_only)
        json_object_set_new(json_object_get(to_receiver, "message"), "onlineUserOnly", json_true());
    router_frame_t *f = router_frame_from_json("onRecvNewMessage", to_receiver);
    router_frame_set_committed(f, c->committed_us);
    if (c->recv_opt != 1 && c->recv_opt != 4) /* NOT_RECEIVE, or only @ (no @ in C2C) */
        stats_add(STATS_C2C_DOWN, (int64_t)router_push_user(r, c->receiver, f, 0));
    router_frame_unref(f);
    if (c->m.sync_sender && strcmp(c->sender, c->receiver) != 0) {
        json_t *to_sender = json_pack("{s:o}", "message", msg_to_json(&row, c->sender));
        f = router_frame_from_json("onRecvNewMessage", to_sender);
        router_frame_set_committed(f, c->committed_us);
        router_push_user(r, c->sender, f, c->m.origin_conn);
        router_frame_unref(f);
    }
}

static err_t status_err(store_msg_status_t st)
{
    switch (st) {
    case STORE_MSG_OK:
        return ERR_OK;
    case STORE_MSG_NO_RECEIVER:
        return ERR_C2C_USER_INVALID;
    case STORE_MSG_NO_SENDER:
        return ERR_OPENIM_FROM_ACCOUNT;
    case STORE_MSG_MUTED:
        return ERR_C2C_MUTED;
    case STORE_MSG_NO_GROUP:
        return ERR_GROUP_NOT_FOUND;
    case STORE_MSG_NOT_MEMBER:
        return ERR_GROUP_PERMISSION;
    case STORE_MSG_BLOCKED:
        return ERR_C2C_BLOCKED;
    case STORE_MSG_NOT_FRIENDS:
        return ERR_C2C_NOT_FRIENDS;
    case STORE_MSG_NOT_PEERS_FRIEND:
        return ERR_C2C_NOT_PEERS_FRIEND;
    case STORE_MSG_PEER_NOT_FRIEND:
        return ERR_C2C_PEER_NOT_FRIEND;
    case STORE_MSG_NO_MERGED:
        return ERR_MSGBODY_FORMAT;
    }
    return ERR_INTERNAL;
}

const msg_sent_t *msg_store_failure(const store_msg_result_t *r)
{
    static const msg_sent_t no_merged = {
        .detail =
            "MsgBody: a TIMRelayElem's JsonMsgKey names no merged message the sender can read"};
    return r && r->status == STORE_MSG_NO_MERGED ? &no_merged : NULL;
}

static void on_stored(err_t err, const store_msg_result_t *r, void *arg)
{
    send_ctx_t *c = arg;
    if (err == ERR_OK)
        err = status_err(r->status);
    if (err != ERR_OK) {
        c->cb(err, msg_store_failure(r), c->arg);
        send_ctx_free(c);
        return;
    }
    msg_sent_t sent = {r->seq, r->msg_id, r->ts, c->m.random, r->duplicate, NULL};
    c->recv_opt = r->recv_opt;
    c->committed_us = r->committed_us;
    if (!r->duplicate && after_hook_on(c))
        api_hook_poke(c->env);
    if (!r->duplicate && c->pushed)
        c->env->push->poke(c->env->push->ctx);
    if (!r->duplicate && !c->m.imported)
        stats_message(c->sender, NULL);
    if (!r->duplicate && c->m.deliver) {
        deliver(c, &sent);
        char *conv = store_conv_key_c2c(c->sender, c->receiver);
        conv_notify_message(c->env->conv_notify, c->receiver, conv);
        conv_notify_message(c->env->conv_notify, c->sender, conv);
        xfree(conv);
    }
    c->cb(ERR_OK, &sent, c->arg);
    send_ctx_free(c);
}

static void on_online_checked(err_t err, bool receiver_ok, bool sender_ok, bool muted,
                              store_msg_status_t relation, int recv_opt, void *arg)
{
    send_ctx_t *c = arg;
    if (err == ERR_OK && !receiver_ok)
        err = ERR_C2C_USER_INVALID;
    if (err == ERR_OK && !c->m.trusted && !sender_ok)
        err = ERR_OPENIM_FROM_ACCOUNT;
    if (err == ERR_OK && !c->m.trusted && muted)
        err = ERR_C2C_MUTED;
    if (err == ERR_OK && !c->m.trusted)
        err = status_err(relation);
    c->recv_opt = recv_opt;
    if (err != ERR_OK) {
        c->cb(err, NULL, c->arg);
        send_ctx_free(c);
        return;
    }
    msg_sent_t sent = {0, c->msg_id, c->m.ts, c->m.random, false, NULL};
    stats_message(c->sender, NULL);
    deliver(c, &sent);
    if (after_hook_on(c)) {
        /* Not stored, so not in a transaction: recorded on its own, after the delivery. */
        store_webhook_origin_t o = hook_origin(c, STORE_WEBHOOK_C2C_AFTER_SEND);
        char *key = msg_key(0, c->m.random, c->m.ts);
        char *conv = store_conv_key_c2c(c->sender, c->receiver);
        json_t *body = json_loads(c->body_text, 0, NULL);
        json_t *event = json_pack(
            "{s:s, s:s, s:i, s:I, s:I, s:s, s:s, s:i, s:o, s:s, s:i, s:s, s:i}", "From_Account",
            c->sender, "To_Account", c->receiver, "MsgSeq", 0, "MsgRandom", (json_int_t)c->m.random,
            "MsgTime", (json_int_t)c->m.ts, "MsgKey", key, "MsgId", c->msg_id, "OnlineOnlyFlag", 1,
            "MsgBody", body ? body : json_array(), "CloudCustomData", c->ccd ? c->ccd : "",
            "SendMsgResult", 0, "ErrorInfo", "send msg succeed", "UnreadMsgNum", 0);
        c->env->hooks->emit(c->env->hooks->ctx, STORE_WEBHOOK_C2C_AFTER_SEND, conv, &o, event);
        xfree(conv);
        xfree(key);
    }
    c->cb(ERR_OK, &sent, c->arg);
    send_ctx_free(c);
}

static void send_go(send_ctx_t *c);

/* The app's replacement MsgBody / CloudCustomData, when well-formed; a malformed one is
 * ignored (the message goes as sent) and logged. */
static void apply_replacement(const json_t *reply, const msg_draft_t *d)
{
    const json_t *mb = json_object_get(reply, "MsgBody");
    const json_t *ccd = json_object_get(reply, "CloudCustomData");
    char detail[256];
    if (mb == NULL && ccd == NULL)
        return;
    json_t *body = mb ? json_deep_copy(mb) : json_loads(*d->body_text, 0, NULL);
    err_t err = msgbody_validate(body, detail, sizeof detail);
    if (err == ERR_OK && ccd)
        err = msgbody_validate_cloud_custom_data(ccd, msgbody_stored_size(body), detail,
                                                 sizeof detail);
    if (err != ERR_OK) {
        log_warn("webhook: %s answer ignored for %s -> %s: %s", d->command, d->from, d->to, detail);
        json_decref(body);
        return;
    }
    if (mb) {
        free(*d->body_text);
        *d->body_text = json_dumps(body, JSON_COMPACT);
    }
    if (ccd) {
        xfree(*d->ccd);
        *d->ccd = xstrdup(json_string_value(ccd));
    }
    json_decref(body);
}

bool msg_before_answered(const api_before_result_t *r, const msg_sent_t *sent, msg_sent_fn cb,
                         void *arg, const msg_draft_t *d)
{
    msg_sent_t answer = *sent;
    switch (r->verdict) {
    case API_BEFORE_REFUSE:
        answer.detail = r->info;
        cb((err_t)r->code, &answer, arg);
        return true;
    case API_BEFORE_DROP:
        cb(ERR_OK, &answer, arg);
        return true;
    case API_BEFORE_ALLOW:
        if (r->reply)
            apply_replacement(r->reply, d);
        return false;
    }
    return false;
}

static void on_before(const api_before_result_t *r, void *arg)
{
    send_ctx_t *c = arg;
    msg_sent_t sent = {0, c->msg_id, c->m.ts, c->m.random, false, NULL};
    msg_draft_t d = {"C2C.CallbackBeforeSendMsg", c->sender, c->receiver, &c->body_text, &c->ccd};
    if (msg_before_answered(r, &sent, c->cb, c->arg, &d))
        send_ctx_free(c);
    else
        send_go(c);
}

void msg_c2c_send(const api_env_t *env, const msg_c2c_t *m, msg_sent_fn cb, void *arg)
{
    err_t err = m->origin_conn ? api_limit_send(env, m->sender, false) : ERR_OK;
    if (err != ERR_OK) {
        cb(err, NULL, arg);
        return;
    }
    send_ctx_t *c = XNEW(send_ctx_t);
    c->env = env;
    c->m = *m;
    c->cb = cb;
    c->arg = arg;
    c->sender = xstrdup(m->sender);
    c->receiver = xstrdup(m->receiver);
    c->body_text = json_dumps(m->body, JSON_COMPACT);
    c->ccd = m->cloud_custom_data ? xstrdup(m->cloud_custom_data) : NULL;
    c->platform = xstrdup(m->platform ? m->platform : "RESTAPI");
    c->client_ip = xstrdup(m->client_ip ? m->client_ip : "");
    c->push_info = m->push_info ? json_deep_copy(m->push_info) : NULL;
    c->m.body = NULL;
    c->m.push_info = NULL;
    c->m.platform = c->m.client_ip = c->m.cloud_custom_data = NULL;
    if (c->m.ts == 0)
        c->m.ts = (int64_t)time(NULL);
    msg_new_id(c->msg_id);
    if (!m->no_before_hook && api_hook_on(env, STORE_WEBHOOK_C2C_BEFORE_SEND)) {
        /* MsgSeq and MsgKey do not exist yet: chatd numbers a conversation at the commit. */
        store_webhook_origin_t o = hook_origin(c, STORE_WEBHOOK_C2C_BEFORE_SEND);
        json_t *body = json_pack("{s:s, s:s, s:I, s:I, s:s, s:i, s:O, s:s}", "From_Account",
                                 c->sender, "To_Account", c->receiver, "MsgRandom",
                                 (json_int_t)c->m.random, "MsgTime", (json_int_t)c->m.ts, "MsgId",
                                 c->msg_id, "OnlineOnlyFlag", c->m.online_only ? 1 : 0, "MsgBody",
                                 m->body, "CloudCustomData", c->ccd ? c->ccd : "");
        env->hooks->before(env->hooks->ctx, STORE_WEBHOOK_C2C_BEFORE_SEND, &o, body, on_before, c);
        return;
    }
    send_go(c);
}

/* The offline push a stored message queues: when the receiver has no session in the
 * foreground here (api/push/push.h); NULL: none. */
static char *push_json(const send_ctx_t *c)
{
    if (!push_on(c->env) || !c->m.deliver || c->m.imported ||
        router_user_foreground(c->env->router, c->receiver))
        return NULL;
    json_t *body = json_loads(c->body_text, 0, NULL);
    json_t *to = json_pack("[s]", c->receiver);
    char *spec = push_spec(c->env, body, c->push_info, c->sender, to, NULL);
    json_decref(to);
    json_decref(body);
    return spec;
}

/* Stores (or, online only, checks the accounts) and then delivers. */
static void send_go(send_ctx_t *c)
{
    const api_env_t *env = c->env;
    if (c->m.online_only) {
        store_c2c_check(env->db, c->sender, c->receiver, (int64_t)time(NULL),
                        env->cfg->c2c_check_friends, on_online_checked, c);
        return;
    }
    char hash[33], *mergers;
    msg_content_hash(c->body_text, c->ccd, hash); /* of the message as sent: resends match */
    msgbody_to_stored(&c->body_text, &mergers);
    char *conv = store_conv_key_c2c(c->sender, c->receiver);
    bool hook = after_hook_on(c);
    char *push = push_json(c);
    c->pushed = push != NULL;
    store_msg_t sm = {
        .conv_key = conv,
        .sender = c->sender,
        .receiver = c->receiver,
        .random = c->m.random,
        .hash = hash,
        .msg_id = c->msg_id,
        .ts = c->m.ts,
        .body = c->body_text,
        .cloud_custom_data = c->ccd,
        .flags = message_flags(c),
        .trusted = c->m.trusted,
        .check_friends = env->cfg->c2c_check_friends,
        .mark_read = c->m.mark_read,
        .imported = c->m.imported,
        .mergers_json = mergers,
        .hook_platform =
            hook ? store_webhook_platform(c->platform, STORE_WEBHOOK_C2C_AFTER_SEND) : NULL,
        .hook_client_ip = c->client_ip,
        .push_json = push,
    };
    store_msg_submit(env->msgs, &sm, on_stored, c);
    free(push);
    free(mergers);
    xfree(conv);
}

/* ---- a request's message fields ---- */

err_t msg_apply_fields(const msg_fields_t *f, msg_kind_t kind, msg_c2c_t *m, char *detail,
                       size_t len)
{
    err_t err =
        msgbody_validate_cloud_custom_data(f->ccd, msgbody_stored_size(f->body), detail, len);
    if (err != ERR_OK)
        return err;
    m->body = f->body;
    m->push_info = f->push;
    m->cloud_custom_data = json_string_value(f->ccd);
    m->random = (f->given & MSG_F_RANDOM) ? (uint32_t)f->random : msg_random();
    m->ts = f->time;
    if (kind == MSG_IMPORT) {
        /* Tencent's importmsg fires no callbacks; imported history is not mute-checked. */
        m->imported = true;
        m->no_before_hook = m->no_after_hook = true;
        return ERR_OK;
    }
    int64_t lifetime = (f->given & MSG_F_LIFETIME) ? f->lifetime : MSG_LIFETIME_MAX;
    /* Tencent's docs name three ways to ask for "online only": OnlineOnlyFlag 1, MsgLifeTime 0
     * and, for batchsendmsg in the English docs, MsgLifeTime 1. */
    m->online_only = f->online_only || lifetime == 0 || (kind == MSG_SEND_BATCH && lifetime == 1);
    m->need_read_receipt = f->need_read_receipt;
    m->extension = f->extension;
    m->sync_sender = !(f->given & MSG_F_SYNC) || f->sync == 1;
    m->no_unread = (f->control & MSG_CONTROL_NO_UNREAD) != 0;
    m->no_before_hook = f->no_before_hook || (f->forbid & MSG_FORBID_BEFORE);
    m->no_after_hook = f->no_after_hook || (f->forbid & MSG_FORBID_AFTER);
    m->deliver = true;
    return ERR_OK;
}

/* ---- message-level read receipts ---- */

/* A V2TIMMessageReceipt as its sender sees it. A one-to-one message has one possible reader. */
json_t *msg_receipt_json(const store_receipt_count_t *r, const char *sender, const char *reader)
{
    char *conv = conv_id_from_key(r->conv_key, sender);
    int64_t members = r->member_count > 0 ? r->member_count : 1;
    json_t *j = json_pack(
        "{s:s, s:s, s:b, s:I, s:I, s:I}", "msgID", r->msg_id, "conversationID", conv, "isPeerRead",
        r->read_count >= members, "readCount", (json_int_t)r->read_count, "unreadCount",
        (json_int_t)(members - r->read_count), "timestamp", (json_int_t)time(NULL));
    if (reader)
        json_object_set_new(j, "userID", json_string(reader));
    if (strncmp(r->conv_key, "g:", 2) == 0)
        json_object_set_new(j, "groupID", json_string(r->conv_key + 2));
    xfree(conv);
    return j;
}

typedef struct {
    const api_env_t *env;
    char *sender, *reader;
} receipt_push_t;

static void on_counts_for_push(err_t err, const store_receipt_count_t *rows, size_t n, void *arg)
{
    receipt_push_t *p = arg;
    for (size_t i = 0; err == ERR_OK && i < n; i++) {
        json_t *body =
            json_pack("{s:[o]}", "receiptList", msg_receipt_json(&rows[i], p->sender, p->reader));
        router_frame_t *f = router_frame_from_json("onRecvMessageReadReceipts", body);
        router_push_user(p->env->router, p->sender, f, 0);
        router_frame_unref(f);
    }
    xfree(p->sender);
    xfree(p->reader);
    xfree(p);
}

typedef struct {
    api_call_t *call;
    msg_done_fn answer;
    char *reader;
} receipts_op_t;

static void on_receipts_sent(err_t err, const store_msg_row_t *rows, size_t n, void *arg)
{
    receipts_op_t op = *(receipts_op_t *)arg;
    xfree(arg);
    api_call_t *call = api_call_if_ok(err, op.call);
    if (call == NULL) {
        xfree(op.reader);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        receipt_push_t *p = XNEW(receipt_push_t);
        p->env = call->env;
        p->sender = xstrdup(rows[i].sender);
        p->reader = xstrdup(op.reader);
        store_receipt_counts(call->env->db, rows[i].sender, &rows[i].msg_id, 1, on_counts_for_push,
                             p);
    }
    xfree(op.reader);
    api_hook_poke(call->env);
    op.answer(call);
}

void msg_receipts_send(api_call_t *call, const char *reader, const char *const *msg_ids, size_t n,
                       const char *keys_json, msg_done_fn answer)
{
    receipts_op_t *op = XNEW(receipts_op_t);
    *op = (receipts_op_t){call, answer, xstrdup(reader)};
    store_webhook_origin_t o = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_GROUP_AFTER_READ_RECEIPT),
        call->client_ip};
    bool hook = api_hook_on(call->env, STORE_WEBHOOK_GROUP_AFTER_READ_RECEIPT);
    store_receipts_add(call->env->db, reader, msg_ids, n, keys_json, (int64_t)time(NULL),
                       hook ? &o : NULL, on_receipts_sent, op);
}
