#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "api/limit.h"
#include "api/user/user.h"
#include "auth/auth.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/state.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "http/tls.h"
#include "router/policy.h"
#include "router/router.h"
#include "store/stats.h"
#include "store/store.h"
#include "ws/handshake.h"
#include "ws/ws.h"

#define WS_NBUCKETS 8192
#define WS_MAX_IN_FLIGHT 256
#define WS_CLOSE_LINGER_MS 2000

/* Close codes beyond RFC 6455's, in the private range. */
#define WS_CLOSE_KICKED 4001
#define WS_CLOSE_SIG_EXPIRED 4002
#define WS_CLOSE_SLOW_READER 4008
/* RFC 6455's codes for a close that carried none: no close frame at all, or one without a code. */
#define WS_CLOSE_ABNORMAL 1006
#define WS_CLOSE_NO_STATUS 1005
/* Distinct close codes counted; a peer may send any, the rest go to "other". */
#define WS_CLOSE_CODES_MAX 32

typedef enum {
    WS_AWAIT_LOGIN = 0,
    WS_LOGGING_IN,
    WS_ONLINE,
    WS_CLOSING,
    WS_DEAD,
} ws_state_t;

static const char *const state_names[] = {"await_login", "logging_in", "online", "closing", "dead"};

typedef struct ws_session ws_session_t;

struct ws_server {
    const api_env_t *env;
    http_server_t *http;
    ws_session_t *buckets[WS_NBUCKETS];
    ws_session_t *dead;
    struct event *reaper;
    struct event *flusher; /* active when a session has output to write this pass */
    uint64_t *dirty;       /* ids of the sessions with output to write */
    size_t ndirty, dirty_cap;
    uint64_t next_id;
    size_t count;
    json_t *per_ip; /* {address: open connections} for ws_max_connections_per_ip */
    struct {
        uint16_t code; /* 0: the "other" row */
        unsigned long long n;
    } closes[WS_CLOSE_CODES_MAX + 1];
    size_t ncloses;
};

/* From a message's commit to its push leaving for the receiver's socket. */
static metrics_histogram_t deliver_seconds = METRICS_HISTOGRAM(
    "chatd_message_deliver_seconds",
    "Time from a message's commit to its push written to a receiver's socket.", "");

struct ws_session {
    uint64_t id;
    rl_bucket_t commands; /* this connection's command rate (api/limit.h) */
    ws_server_t *server;
    ws_state_t state;
    struct evhttp_connection *evcon;
    struct bufferevent *bev;
    wslay_event_context_ptr wslay;
    struct event *timer;
    char *user_id;
    char platform[16];
    router_session_t *route;
    int64_t login_deadline_ms;
    int64_t sig_expires_at; /* unix seconds; 0 = none */
    int64_t next_ping_ms;
    int in_flight;
    char peer[64];
    char host[48]; /* the peer's address alone */
    /* State.StateChange when it goes offline: NULL is Disconnect/LinkClose; "" none. */
    const char *gone_action, *gone_reason;
    uint16_t close_code;     /* the close frame's code, ours or the peer's; 0: none yet */
    bool direct;             /* output written by the flusher, not by the bufferevent */
    bool dirty;              /* on the server's dirty list */
    ws_session_t *next;      /* hash bucket */
    ws_session_t *next_dead; /* reaper list */
};

/* A command in flight: the api call plus the session's id and the request's seq. */
typedef struct {
    api_call_t call;
    ws_server_t *server;
    uint64_t session_id;
    json_t *seq;
    char cmd[48];
    char *user_id;
    char platform[16];
    int64_t started_us; /* mono_us() */
} ws_cmd_t;

static void session_close(ws_session_t *s, uint16_t code, const char *reason);
static void session_kill(ws_session_t *s, const char *why);
static void session_arm_timer(ws_session_t *s);

/* The moves a session may make (docs in ws/ws.h); anything else is a bug (asserted). */
static const unsigned allowed_moves[] = {
    [WS_AWAIT_LOGIN] = STATE_BIT(WS_LOGGING_IN) | STATE_BIT(WS_CLOSING) | STATE_BIT(WS_DEAD),
    [WS_LOGGING_IN] = STATE_BIT(WS_ONLINE) | STATE_BIT(WS_AWAIT_LOGIN) | STATE_BIT(WS_CLOSING) |
                      STATE_BIT(WS_DEAD),
    [WS_ONLINE] = STATE_BIT(WS_AWAIT_LOGIN) | STATE_BIT(WS_CLOSING) | STATE_BIT(WS_DEAD),
    [WS_CLOSING] = STATE_BIT(WS_DEAD),
    [WS_DEAD] = 0,
};

static void session_set_state(ws_session_t *s, ws_state_t state)
{
    if (s->state == state)
        return;
    assert(STATE_ALLOWED(allowed_moves, s->state, state));
    log_debug("ws#%llu user=%s: %s -> %s", (unsigned long long)s->id, s->user_id ? s->user_id : "-",
              state_names[s->state], state_names[state]);
    s->state = state;
}

/* ---- session registry ---- */

static ws_session_t **bucket(ws_server_t *srv, uint64_t id)
{
    return &srv->buckets[id % WS_NBUCKETS];
}

static ws_session_t *session_find(ws_server_t *srv, uint64_t id)
{
    for (ws_session_t *s = *bucket(srv, id); s; s = s->next)
        if (s->id == id)
            return s->state == WS_DEAD ? NULL : s;
    return NULL;
}

static void session_unlink(ws_session_t *s)
{
    ws_session_t **pp = bucket(s->server, s->id);
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp)
        *pp = s->next;
}

/* ---- output ----
 *
 * A plain session's output waits for the end of the loop pass: then the flusher hands each
 * session's bytes to its socket in one writev, with no epoll_ctl at all when the socket takes
 * them (the usual case). Only what it does not take is left to the bufferevent, whose EV_WRITE
 * is enabled until that has drained (on_write). A TLS session's bufferevent writes for itself
 * (its bytes must be encrypted first). */

static size_t output_len(const ws_session_t *s)
{
    return evbuffer_get_length(bufferevent_get_output(s->bev));
}

/* Output was added to s: its bytes go out when this loop pass has run its callbacks. */
static void output_added(ws_session_t *s)
{
    ws_server_t *srv = s->server;
    if (!s->direct || s->dirty)
        return;
    if (srv->ndirty == srv->dirty_cap) {
        srv->dirty_cap = srv->dirty_cap ? 2 * srv->dirty_cap : 256;
        srv->dirty = xrealloc(srv->dirty, srv->dirty_cap * sizeof *srv->dirty);
    }
    srv->dirty[srv->ndirty++] = s->id;
    s->dirty = true;
    event_active(srv->flusher, 0, 0);
}

/* Writes what the socket takes now; the rest is the bufferevent's to write. */
static void session_flush(ws_session_t *s)
{
    struct evbuffer *out = bufferevent_get_output(s->bev);
    evutil_socket_t fd = bufferevent_getfd(s->bev);
    while (evbuffer_get_length(out) > 0) {
        if (evbuffer_write(out, fd) > 0)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            break;
        session_kill(s, "socket error");
        return;
    }
    if (evbuffer_get_length(out) > 0)
        bufferevent_enable(s->bev, EV_WRITE);
    else if (s->state == WS_CLOSING && !wslay_event_want_write(s->wslay))
        session_kill(s, "closed");
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    ws_server_t *srv = arg;
    uint64_t *ids = srv->dirty;
    size_t n = srv->ndirty, cap = srv->dirty_cap;
    srv->dirty = NULL; /* sessions marked while this runs start a new list */
    srv->ndirty = srv->dirty_cap = 0;
    for (size_t i = 0; i < n; i++) {
        ws_session_t *s = session_find(srv, ids[i]); /* NULL: closed since */
        if (s) {
            s->dirty = false;
            session_flush(s);
        }
    }
    if (srv->dirty == NULL) { /* keep the array for the next pass */
        srv->dirty = ids;
        srv->dirty_cap = cap;
    } else {
        xfree(ids);
    }
}

/* Writes one unmasked text frame header for a payload of len bytes. */
static void write_header(struct evbuffer *out, size_t len)
{
    unsigned char h[10];
    size_t n;
    h[0] = 0x81;
    if (len < 126) {
        h[1] = (unsigned char)len;
        n = 2;
    } else if (len <= 0xFFFF) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        n = 4;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        n = 10;
    }
    evbuffer_add(out, h, n);
}

/* False (and the session is being closed) when its reader is too slow to take more. */
static bool output_has_room(ws_session_t *s, size_t len)
{
    if (output_len(s) + len <= (size_t)s->server->env->cfg->ws_max_output_bytes)
        return true;
    log_warn("ws#%llu user=%s: closing slow reader: %zu bytes unsent", (unsigned long long)s->id,
             s->user_id ? s->user_id : "-", output_len(s));
    session_close(s, WS_CLOSE_SLOW_READER, "slow reader");
    return false;
}

static void send_text(ws_session_t *s, const char *text, size_t len)
{
    if (s->state >= WS_CLOSING || !output_has_room(s, len))
        return;
    struct evbuffer *out = bufferevent_get_output(s->bev);
    write_header(out, len);
    evbuffer_add(out, text, len);
    output_added(s);
}

static void send_json(ws_session_t *s, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    send_text(s, text, strlen(text));
    free(text);
}

static void on_frame_unref(const void *data, size_t len, void *arg)
{
    router_frame_unref(arg);
}

/* A timed push (router_frame_committed()) on one session's output. */
typedef struct {
    router_frame_t *frame;
    ws_server_t *server;
    uint64_t session_id;
} timed_push_t;

/* The output buffer let go of the push: written to the socket, unless the session died with
 * it unsent (then it is gone from the registry and nothing is measured). */
static void on_timed_unref(const void *data, size_t len, void *arg)
{
    timed_push_t *t = arg;
    if (session_find(t->server, t->session_id) != NULL)
        metrics_observe(&deliver_seconds,
                        (double)(mono_us() - router_frame_committed(t->frame)) / 1e6);
    router_frame_unref(t->frame);
    xfree(t);
}

/* Router hook: the frame's bytes are referenced, not copied. */
static void on_deliver(void *owner, router_frame_t *f)
{
    ws_session_t *s = owner;
    size_t len = router_frame_len(f);
    if (s->state >= WS_CLOSING || !output_has_room(s, len))
        return;
    struct evbuffer *out = bufferevent_get_output(s->bev);
    write_header(out, len);
    router_frame_ref(f);
    if (router_frame_committed(f) != 0) {
        timed_push_t *t = XNEW(timed_push_t);
        *t = (timed_push_t){f, s->server, s->id};
        evbuffer_add_reference(out, router_frame_data(f), len, on_timed_unref, t);
    } else {
        evbuffer_add_reference(out, router_frame_data(f), len, on_frame_unref, f);
    }
    output_added(s);
}

static void push_event(ws_session_t *s, const char *event, json_t *body)
{
    json_t *msg = json_pack("{s:s, s:o}", "event", event, "body", body ? body : json_object());
    send_json(s, msg);
    json_decref(msg);
}

/* ---- connections per address ---- */

/* The open connections from host after adding delta (the entry goes at 0). */
static json_int_t count_address(ws_server_t *srv, const char *host, json_int_t delta)
{
    json_int_t n = json_integer_value(json_object_get(srv->per_ip, host)) + delta;
    if (n > 0)
        json_object_set_new(srv->per_ip, host, json_integer(n));
    else
        json_object_del(srv->per_ip, host);
    return n;
}

/* ---- closing and reaping ---- */

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    ws_server_t *srv = arg;
    ws_session_t *s;
    while ((s = srv->dead) != NULL) {
        srv->dead = s->next_dead;
        session_unlink(s);
        if (s->timer)
            event_free(s->timer);
        if (s->wslay)
            wslay_event_context_free(s->wslay);
        evhttp_connection_free(s->evcon); /* frees the bufferevent and the upgrade request */
        count_address(srv, s->host, -1);
        xfree(s->user_id);
        xfree(s);
        srv->count--;
    }
}

/* The address part of "host:port". */
static void peer_host(const ws_session_t *s, char *out, size_t len)
{
    snprintf(out, len, "%s", s->host);
}

/* State.StateChange {Info: {To_Account, Action, Reason}, KickedDevice} (kicked: stolen). */
static void report_state(ws_session_t *s, const char *action, const char *reason, json_t *kicked)
{
    const api_env_t *env = s->server->env;
    if (!api_hook_on(env, STORE_WEBHOOK_STATE_CHANGE) || s->user_id == NULL) {
        json_decref(kicked);
        return;
    }
    char ip[64];
    peer_host(s, ip, sizeof ip);
    store_webhook_origin_t origin = {
        store_webhook_platform(s->platform, STORE_WEBHOOK_STATE_CHANGE), ip};
    json_t *body = json_pack("{s:{s:s, s:s, s:s}}", "Info", "To_Account", s->user_id, "Action",
                             action, "Reason", reason);
    if (kicked)
        json_object_set_new(body, "KickedDevice", kicked);
    char *key = store_webhook_user_key(s->user_id);
    env->hooks->emit(env->hooks->ctx, STORE_WEBHOOK_STATE_CHANGE, key, &origin, body);
    xfree(key);
}

static void session_leave_router(ws_session_t *s)
{
    if (s->route) {
        if (s->gone_action == NULL)
            report_state(s, "Disconnect", "LinkClose", NULL);
        else if (*s->gone_action)
            report_state(s, s->gone_action, s->gone_reason, NULL);
        router_session_remove(s->server->env->router, s->route);
        s->route = NULL;
        api_session_left(s->server->env, s->user_id, s->id);
    }
}

/* Counts a connection's end by its close code (chatd_ws_closes_total). */
static void count_close(ws_server_t *srv, uint16_t code)
{
    size_t i = 0;
    while (i < srv->ncloses && srv->closes[i].code != code)
        i++;
    if (i == srv->ncloses) {
        if (srv->ncloses == WS_CLOSE_CODES_MAX)
            i = WS_CLOSE_CODES_MAX; /* the "other" row */
        else
            srv->closes[srv->ncloses++].code = code;
    }
    srv->closes[i].n++;
}

/* Marks the session dead; it is freed after this loop pass. */
static void session_kill(ws_session_t *s, const char *why)
{
    if (s->state == WS_DEAD)
        return;
    count_close(s->server, s->close_code ? s->close_code : WS_CLOSE_ABNORMAL);
    log_info("ws#%llu user=%s: closed: %s", (unsigned long long)s->id,
             s->user_id ? s->user_id : "-", why);
    session_leave_router(s);
    session_set_state(s, WS_DEAD);
    bufferevent_disable(s->bev, EV_READ | EV_WRITE);
    if (s->timer)
        event_del(s->timer);
    s->next_dead = s->server->dead;
    s->server->dead = s;
    event_active(s->server->reaper, 0, 0);
}

/* Sends a close frame, then drops the connection once it is flushed (or after a linger). */
static void session_close(ws_session_t *s, uint16_t code, const char *reason)
{
    if (s->state >= WS_CLOSING)
        return;
    log_info("ws#%llu user=%s: closing (%u %s)", (unsigned long long)s->id,
             s->user_id ? s->user_id : "-", code, reason);
    s->close_code = code;
    session_leave_router(s);
    session_set_state(s, WS_CLOSING);
    wslay_event_queue_close(s->wslay, code, (const uint8_t *)reason, strlen(reason));
    wslay_event_send(s->wslay);
    struct timeval linger = {WS_CLOSE_LINGER_MS / 1000, (WS_CLOSE_LINGER_MS % 1000) * 1000};
    evtimer_add(s->timer, &linger);
    if (output_len(s) == 0)
        session_kill(s, reason);
}

/* ---- commands ---- */

static void respond(ws_session_t *s, json_t *seq, int code, const char *detail, json_t *body)
{
    char desc[768] = "";
    if (code != 0)
        snprintf(desc, sizeof desc, "%s%s%s", err_text(code), detail && *err_text(code) ? ": " : "",
                 detail ? detail : "");
    json_t *msg = json_pack("{s:O, s:i, s:s, s:o}", "seq", seq ? seq : json_null(), "code", code,
                            "desc", desc, "body", body ? body : json_object());
    send_json(s, msg);
    json_decref(msg);
}

static void cmd_free(ws_cmd_t *c)
{
    json_decref(c->call.body);
    json_decref(c->seq);
    xfree(c->user_id);
    xfree(c);
}

/* The api layer's reply hook: find the session by id; drop the answer if it is gone. */
static void on_cmd_reply(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    ws_cmd_t *c = (ws_cmd_t *)call;
    int code = err_code(err, &api_ws_errors);
    char name[64];
    snprintf(name, sizeof name, "ws/%s", c->cmd);
    metrics_request(name, code, (double)(mono_us() - c->started_us) / 1e6);
    ws_session_t *s = session_find(c->server, c->session_id);
    if (s == NULL) {
        log_debug("ws#%llu: %s answered after the session closed; dropped",
                  (unsigned long long)c->session_id, c->cmd);
        json_decref(result);
    } else {
        s->in_flight--;
        if (code != 0)
            log_info("ws#%llu user=%s %s: code %d %s", (unsigned long long)s->id,
                     s->user_id ? s->user_id : "-", c->cmd, code, detail ? detail : "");
        respond(s, c->seq, code, detail, code == 0 ? result : (json_decref(result), NULL));
        if (s->state < WS_CLOSING)
            wslay_event_send(s->wslay);
    }
    cmd_free(c);
}

static ws_cmd_t *cmd_new(ws_session_t *s, json_t *seq, const char *cmd, json_t *body)
{
    ws_cmd_t *c = XNEW(ws_cmd_t);
    c->server = s->server;
    c->session_id = s->id;
    c->seq = json_incref(seq);
    snprintf(c->cmd, sizeof c->cmd, "%s", cmd);
    c->started_us = mono_us();
    c->call.env = s->server->env;
    c->call.body = json_incref(body);
    c->call.conn_id = s->id;
    c->call.reply = on_cmd_reply;
    c->call.door = c;
    peer_host(s, c->call.client_ip, sizeof c->call.client_ip);
    if (s->user_id) {
        c->user_id = xstrdup(s->user_id);
        snprintf(c->platform, sizeof c->platform, "%s", s->platform);
        c->call.identifier = c->user_id;
        c->call.platform = c->platform;
    }
    s->in_flight++;
    return c;
}

/* ---- login / logout (session state lives here, so these are not api handlers) ---- */

static const char kick_by_login[] = ROUTER_KICK_BY_LOGIN;

static void on_kick(void *owner, const char *reason)
{
    ws_session_t *s = owner;
    /* Pushed out by a newer login: Tencent reports only that Login, with KickedDevice. */
    bool by_login = strcmp(reason, kick_by_login) == 0;
    s->gone_action = by_login ? "" : "Logout";
    s->gone_reason = by_login ? "" : "Unregister";
    if (!by_login && s->user_id)
        api_session_logged_out(s->server->env, s->user_id, s->platform);
    push_event(s, "onKickedOffline", json_pack("{s:s}", "reason", reason));
    session_close(s, WS_CLOSE_KICKED, "kicked offline");
}

/* Returns the KickedDevice list of State.StateChange ([{Platform}]), or NULL. */
static json_t *apply_login_policy(ws_session_t *s)
{
    const config_t *cfg = s->server->env->cfg;
    login_rules_t rules = {(login_policy_t)cfg->login_policy, cfg->login_max_per_platform,
                           cfg->login_max_web};
    router_session_t *sessions[64];
    const char *platforms[64];
    bool kick[64];
    size_t n = router_user_sessions(s->server->env->router, s->user_id, sessions, 64);
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++)
        platforms[i] = router_session_platform(sessions[i]);
    login_policy_apply(&rules, platforms, n, s->platform, kick);
    json_t *kicked = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!kick[i])
            continue;
        if (kicked == NULL)
            kicked = json_array();
        json_array_append_new(kicked,
                              json_pack("{s:s}", "Platform",
                                        store_webhook_platform(platforms[i], STORE_WEBHOOK_NCMDS)));
        router_session_kick(sessions[i], kick_by_login);
    }
    /* The other nodes apply the policy to the sessions they hold (not in KickedDevice). */
    router_login_elsewhere(s->server->env->router, s->user_id, s->platform);
    return kicked;
}

typedef struct {
    ws_server_t *server;
    uint64_t session_id;
    json_t *seq;
    int64_t expires_at;
} login_ctx_t;

static void on_login_checked(err_t err, const store_ids_t *found, void *arg)
{
    login_ctx_t *ctx = arg;
    ws_session_t *s = session_find(ctx->server, ctx->session_id);
    if (s == NULL || s->state != WS_LOGGING_IN)
        goto done;
    if (err == ERR_OK && found->n == 0)
        err = ERR_ACCOUNT_NOT_IMPORTED;
    if (err != ERR_OK) {
        respond(s, ctx->seq, err_code(err, &api_ws_errors), NULL, NULL);
        xfree(s->user_id);
        s->user_id = NULL;
        session_set_state(s, WS_AWAIT_LOGIN);
        goto done;
    }
    json_t *kicked = apply_login_policy(s);
    s->route = router_session_add(s->server->env->router, s->user_id, s->platform, s->id, s,
                                  on_kick, on_deliver);
    stats_login(s->user_id, router_session_count(s->server->env->router));
    s->gone_action = s->gone_reason = NULL;
    report_state(s, "Login", "Register", kicked);
    user_status_changed(s->server->env, s->user_id);
    s->sig_expires_at = ctx->expires_at;
    s->login_deadline_ms = 0;
    session_set_state(s, WS_ONLINE);
    log_info("ws#%llu user=%s platform=%s: logged in from %s", (unsigned long long)s->id,
             s->user_id, s->platform, s->peer);
    respond(s, ctx->seq, 0, NULL,
            json_pack("{s:s, s:s}", "userID", s->user_id, "platform", s->platform));
    session_arm_timer(s);
    wslay_event_send(s->wslay);
done:
    json_decref(ctx->seq);
    xfree(ctx);
}

static void cmd_login(ws_session_t *s, json_t *seq, json_t *body)
{
    const char *user = json_string_value(json_object_get(body, "userID"));
    const char *sig = json_string_value(json_object_get(body, "userSig"));
    json_t *platform_v = json_object_get(body, "platform");
    const char *platform = json_string_value(platform_v);
    if (s->state != WS_AWAIT_LOGIN) {
        respond(s, seq, err_code(ERR_BAD_PARAM, &api_ws_errors), "already logged in", NULL);
        return;
    }
    if (user == NULL || sig == NULL || (platform_v && !json_is_string(platform_v))) {
        respond(s, seq, err_code(ERR_BAD_PARAM, &api_ws_errors),
                "login needs string userID, userSig and platform", NULL);
        return;
    }
    const char *canon = platform ? platform_canonical(platform) : "Web";
    if (canon == NULL) {
        respond(s, seq, err_code(ERR_BAD_PARAM, &api_ws_errors), "unknown platform", NULL);
        return;
    }
    auth_config_t ac = auth_config_from(s->server->env->cfg);
    int64_t expires_at = 0;
    err_t err = auth_verify(&ac, sig, user, wall_s(), &expires_at);
    if (err != ERR_OK) {
        respond(s, seq, err_code(err, &api_ws_errors), NULL, NULL);
        return;
    }
    s->user_id = xstrdup(user);
    snprintf(s->platform, sizeof s->platform, "%s", canon);
    session_set_state(s, WS_LOGGING_IN);
    login_ctx_t *ctx = XNEW(login_ctx_t);
    ctx->server = s->server;
    ctx->session_id = s->id;
    ctx->seq = json_incref(seq);
    ctx->expires_at = expires_at;
    store_accounts_existing(s->server->env->db, (const char *const *)&s->user_id, 1,
                            on_login_checked, ctx);
}

static void cmd_logout(ws_session_t *s, json_t *seq)
{
    log_info("ws#%llu user=%s: logged out", (unsigned long long)s->id, s->user_id);
    s->gone_action = "Logout";
    s->gone_reason = "Unregister";
    api_session_logged_out(s->server->env, s->user_id, s->platform);
    session_leave_router(s);
    xfree(s->user_id);
    s->user_id = NULL;
    s->sig_expires_at = 0;
    s->login_deadline_ms = mono_ms() + s->server->env->cfg->login_timeout_ms;
    session_set_state(s, WS_AWAIT_LOGIN);
    respond(s, seq, 0, NULL, NULL);
    session_arm_timer(s);
}

/* ---- incoming messages ---- */

static void dispatch(ws_session_t *s, json_t *seq, const char *cmd, json_t *body)
{
    if (strcmp(cmd, "login") == 0) {
        cmd_login(s, seq, body);
        return;
    }
    if (s->state != WS_ONLINE) {
        respond(s, seq, ERR_NOT_LOGGED_IN, s->state == WS_LOGGING_IN ? "login in progress" : NULL,
                NULL);
        return;
    }
    if (strcmp(cmd, "logout") == 0) {
        cmd_logout(s, seq);
        return;
    }
    const api_command_t *c = api_command_find(cmd);
    if (c == NULL) {
        respond(s, seq, ERR_BAD_RESOURCE, cmd, NULL);
        return;
    }
    if (s->in_flight >= WS_MAX_IN_FLIGHT) {
        respond(s, seq, ERR_TOO_FREQUENT, "too many commands in flight", NULL);
        return;
    }
    if (api_limit_command(s->server->env, &s->commands, cmd) != ERR_OK) {
        respond(s, seq, ERR_TOO_FREQUENT, "commands over rate_limit_ws_cmds_per_s", NULL);
        return;
    }
    ws_cmd_t *wc = cmd_new(s, seq, cmd, body);
    c->handler(&wc->call);
}

static void on_text(ws_session_t *s, const uint8_t *data, size_t len)
{
    json_error_t jerr;
    json_t *msg = json_loadb((const char *)data, len, 0, &jerr);
    if (msg == NULL || !json_is_object(msg)) {
        respond(s, NULL, ERR_JSON_COMMON, "a request is one JSON object", NULL);
        json_decref(msg);
        return;
    }
    json_t *seq = json_object_get(msg, "seq");
    const char *cmd = json_string_value(json_object_get(msg, "cmd"));
    json_t *body = json_object_get(msg, "body");
    if (cmd == NULL || (seq && !json_is_integer(seq) && !json_is_string(seq)) ||
        (body && !json_is_object(body))) {
        respond(s, seq, err_code(ERR_BAD_PARAM, &api_ws_errors),
                "expected {\"seq\": int, \"cmd\": string, \"body\": object}", NULL);
        json_decref(msg);
        return;
    }
    json_t *empty = body ? NULL : json_object();
    dispatch(s, seq, cmd, body ? body : empty);
    json_decref(empty);
    json_decref(msg);
}

static void on_msg_recv(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                        void *user_data)
{
    ws_session_t *s = user_data;
    if (s->state >= WS_CLOSING)
        return;
    switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
        if (!utf8_valid(arg->msg, arg->msg_length)) {
            session_close(s, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA, "invalid UTF-8");
            return;
        }
        on_text(s, arg->msg, arg->msg_length);
        break;
    case WSLAY_BINARY_FRAME:
        session_close(s, WSLAY_CODE_UNSUPPORTED_DATA, "binary frames are not supported");
        break;
    case WSLAY_CONNECTION_CLOSE:
        log_debug("ws#%llu: peer closed (%u)", (unsigned long long)s->id, arg->status_code);
        if (s->close_code == 0)
            s->close_code = arg->status_code ? arg->status_code : WS_CLOSE_NO_STATUS;
        session_leave_router(s);
        session_set_state(s, WS_CLOSING);
        break;
    default:
        break; /* ping/pong: wslay answers pings itself; any frame counts as a heartbeat */
    }
}

static ssize_t on_wslay_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                             void *user_data)
{
    ws_session_t *s = user_data;
    int n = evbuffer_remove(bufferevent_get_input(s->bev), buf, len);
    if (n <= 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    return n;
}

static ssize_t on_wslay_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
                             int flags, void *user_data)
{
    ws_session_t *s = user_data;
    evbuffer_add(bufferevent_get_output(s->bev), data, len);
    output_added(s);
    return (ssize_t)len;
}

static const struct wslay_event_callbacks wslay_callbacks = {
    .recv_callback = on_wslay_recv,
    .send_callback = on_wslay_send,
    .on_msg_recv_callback = on_msg_recv,
};

/* ---- bufferevent callbacks ---- */

static void after_io(ws_session_t *s)
{
    if (s->state == WS_DEAD)
        return;
    if (wslay_event_send(s->wslay) != 0) {
        session_kill(s, "send failed");
        return;
    }
    if (!wslay_event_want_read(s->wslay) && s->state < WS_CLOSING) {
        /* wslay stopped reading: a protocol violation; its close frame is queued. */
        if (s->close_code == 0)
            s->close_code = WSLAY_CODE_PROTOCOL_ERROR;
        session_leave_router(s);
        session_set_state(s, WS_CLOSING);
        struct timeval linger = {WS_CLOSE_LINGER_MS / 1000, 0};
        evtimer_add(s->timer, &linger);
    }
    if (s->state == WS_CLOSING && output_len(s) == 0 && !wslay_event_want_write(s->wslay))
        session_kill(s, "closed");
}

static void on_read(struct bufferevent *bev, void *arg)
{
    ws_session_t *s = arg;
    if (s->state == WS_DEAD)
        return;
    if (s->state == WS_CLOSING) {
        evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
    } else if (wslay_event_recv(s->wslay) != 0) {
        session_kill(s, "receive failed");
        return;
    }
    after_io(s);
}

/* The output has drained (the bufferevent wrote what the flusher could not). */
static void on_write(struct bufferevent *bev, void *arg)
{
    ws_session_t *s = arg;
    if (s->direct)
        bufferevent_disable(bev, EV_WRITE);
    if (s->state == WS_CLOSING && output_len(s) == 0)
        session_kill(s, "closed");
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    ws_session_t *s = arg;
    if (what & BEV_EVENT_TIMEOUT) {
        log_info("ws#%llu user=%s: heartbeat timeout, no frame for %d s", (unsigned long long)s->id,
                 s->user_id ? s->user_id : "-", s->server->env->cfg->heartbeat_timeout_s);
        s->gone_action = "Disconnect";
        s->gone_reason = "TimeOut";
        session_kill(s, "heartbeat timeout");
    } else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        session_kill(s, (what & BEV_EVENT_EOF) ? "connection closed by peer" : "socket error");
    }
}

/* ---- timers: login deadline, UserSig expiry, pings ---- */

static void session_arm_timer(ws_session_t *s)
{
    if (s->state >= WS_CLOSING)
        return;
    int64_t now = mono_ms(), next = s->next_ping_ms;
    if (s->login_deadline_ms && s->login_deadline_ms < next)
        next = s->login_deadline_ms;
    if (s->sig_expires_at) {
        int64_t left_s = s->sig_expires_at - wall_s();
        if (left_s > 86400 * 365)
            left_s = 86400 * 365; /* far-future expiries: re-armed long before */
        int64_t wall_left_ms = left_s * 1000;
        if (now + wall_left_ms < next)
            next = now + (wall_left_ms > 0 ? wall_left_ms : 0);
    }
    int64_t wait = next > now ? next - now : 0;
    struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
    evtimer_add(s->timer, &tv);
}

static void send_ping(ws_session_t *s)
{
    struct wslay_event_msg ping = {WSLAY_PING, NULL, 0};
    wslay_event_queue_msg(s->wslay, &ping);
    wslay_event_send(s->wslay);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    ws_session_t *s = arg;
    int64_t now = mono_ms();
    if (s->state == WS_CLOSING) {
        session_kill(s, "close not flushed in time");
        return;
    }
    if (s->login_deadline_ms && now >= s->login_deadline_ms && s->state == WS_AWAIT_LOGIN) {
        session_close(s, WSLAY_CODE_POLICY_VIOLATION, "no login in time");
        return;
    }
    if (s->sig_expires_at && wall_s() >= s->sig_expires_at && s->state == WS_ONLINE) {
        push_event(s, "onUserSigExpired", NULL);
        session_close(s, WS_CLOSE_SIG_EXPIRED, "UserSig expired");
        return;
    }
    if (now >= s->next_ping_ms) {
        send_ping(s);
        s->next_ping_ms = now + (int64_t)s->server->env->cfg->heartbeat_timeout_s * 1000 / 2;
    }
    session_arm_timer(s);
}

/* ---- the upgrade ---- */

static bool upgrade_headers_ok(struct evhttp_request *req, char accept[WS_ACCEPT_LEN + 1])
{
    const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *upgrade = evhttp_find_header(h, "Upgrade");
    const char *connection = evhttp_find_header(h, "Connection");
    const char *version = evhttp_find_header(h, "Sec-WebSocket-Version");
    const char *key = evhttp_find_header(h, "Sec-WebSocket-Key");
    return upgrade && ws_header_has_token(upgrade, "websocket") && connection &&
           ws_header_has_token(connection, "upgrade") && version && strcmp(version, "13") == 0 &&
           key && ws_accept_key(key, accept);
}

static ws_session_t *session_new(ws_server_t *srv, struct evhttp_request *req)
{
    ws_session_t *s = XNEW(ws_session_t);
    s->server = srv;
    s->id = ++srv->next_id;
    s->evcon = evhttp_request_get_connection(req);
    s->bev = evhttp_connection_get_bufferevent(s->evcon);
    char *host = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(s->evcon, &host, &port);
    snprintf(s->peer, sizeof s->peer, "%s:%u", host ? host : "?", port);
    snprintf(s->host, sizeof s->host, "%s", host ? host : "?");
    count_address(srv, s->host, 1);
    wslay_event_context_server_init(&s->wslay, &wslay_callbacks, s);
    wslay_event_config_set_max_recv_msg_length(s->wslay,
                                               (uint64_t)srv->env->cfg->ws_max_frame_bytes);
    s->timer = evtimer_new(srv->env->base, on_timer, s);
    int64_t now = mono_ms();
    s->login_deadline_ms = now + srv->env->cfg->login_timeout_ms;
    s->next_ping_ms = now + (int64_t)srv->env->cfg->heartbeat_timeout_s * 1000 / 2;
    ws_session_t **b = bucket(srv, s->id);
    s->next = *b;
    *b = s;
    srv->count++;
    return s;
}

static void on_upgrade(struct evhttp_request *req, void *arg)
{
    ws_server_t *srv = arg;
    char accept[WS_ACCEPT_LEN + 1];
    if (!upgrade_headers_ok(req, accept)) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Sec-WebSocket-Version", "13");
        evhttp_send_error(req, 400, "Bad WebSocket Upgrade");
        return;
    }
    int max = srv->env->cfg->ws_max_connections_per_ip;
    char *host = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &host, &port);
    if (max > 0 && count_address(srv, host ? host : "?", 0) >= max) {
        log_info("ws: refused a connection from %s: %d open already (ws_max_connections_per_ip)",
                 host ? host : "?", max);
        evhttp_send_error(req, 429, "Too Many Connections From This Address");
        return;
    }
    ws_session_t *s = session_new(srv, req);
    struct evbuffer *out = bufferevent_get_output(s->bev);
    evbuffer_add_printf(out,
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                        accept);
    /* TCP_NODELAY is set already: http/ sets it on every request's socket, the upgrade's too. */
    /* From here on the connection is ours: evhttp's callbacks and timeouts are replaced. */
    bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
    struct timeval hb = {srv->env->cfg->heartbeat_timeout_s, 0};
    bufferevent_set_timeouts(s->bev, &hb, NULL);
    s->direct = !tls_bufferevent_is_tls(s->bev) && bufferevent_getfd(s->bev) >= 0;
    if (s->direct) {
        bufferevent_enable(s->bev, EV_READ);
        bufferevent_disable(s->bev, EV_WRITE);
        output_added(s); /* the 101 answer */
    } else {
        bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    }
    session_arm_timer(s);
    log_debug("ws#%llu: connected from %s", (unsigned long long)s->id, s->peer);
    /* Bytes that arrived with the upgrade request (a pipelined first frame) are read now. */
    if (evbuffer_get_length(bufferevent_get_input(s->bev)) > 0)
        on_read(s->bev, s);
}

/* ---- server ---- */

static void write_metrics(sbuf_t *out, void *arg)
{
    ws_server_t *srv = arg;
    sbuf_printf(out,
                "# HELP chatd_ws_connections Open WebSocket connections.\n"
                "# TYPE chatd_ws_connections gauge\n"
                "chatd_ws_connections %zu\n"
                "# HELP chatd_ws_sessions Logged-in WebSocket sessions.\n"
                "# TYPE chatd_ws_sessions gauge\n"
                "chatd_ws_sessions %zu\n"
                "# HELP chatd_ws_closes_total WebSocket connections ended, by close code (1006: "
                "without a close frame).\n"
                "# TYPE chatd_ws_closes_total counter\n",
                srv->count, router_session_count(srv->env->router));
    for (size_t i = 0; i < srv->ncloses; i++)
        sbuf_printf(out, "chatd_ws_closes_total{code=\"%u\"} %llu\n", srv->closes[i].code,
                    srv->closes[i].n);
    if (srv->closes[WS_CLOSE_CODES_MAX].n > 0)
        sbuf_printf(out, "chatd_ws_closes_total{code=\"other\"} %llu\n",
                    srv->closes[WS_CLOSE_CODES_MAX].n);
}

ws_server_t *ws_server_new(const api_env_t *env, http_server_t *http)
{
    ws_server_t *srv = XNEW(ws_server_t);
    srv->env = env;
    srv->http = http;
    srv->reaper = event_new(env->base, -1, 0, on_reap, srv);
    srv->flusher = event_new(env->base, -1, 0, on_flush, srv);
    srv->per_ip = json_object();
    http_server_set_upgrade(http, on_upgrade, srv);
    metrics_register(write_metrics, srv);
    metrics_histogram_add(&deliver_seconds);
    return srv;
}

void ws_server_close_all(ws_server_t *srv)
{
    for (size_t i = 0; i < WS_NBUCKETS; i++)
        for (ws_session_t *s = srv->buckets[i]; s; s = s->next)
            session_close(s, WSLAY_CODE_GOING_AWAY, "server shutting down");
}

void ws_server_free(ws_server_t *srv)
{
    if (srv == NULL)
        return;
    for (size_t i = 0; i < WS_NBUCKETS; i++)
        for (ws_session_t *s = srv->buckets[i]; s; s = s->next)
            session_kill(s, "server stopped");
    on_reap(-1, 0, srv);
    event_free(srv->reaper);
    event_free(srv->flusher);
    xfree(srv->dirty);
    json_decref(srv->per_ip);
    xfree(srv);
}

size_t ws_server_session_count(const ws_server_t *srv)
{
    return srv->count;
}
