/* APNs (push/provider.h): token-based auth (an ES256 provider token, renewed every 50 minutes)
 * and one POST /3/device/<token> stream per notification, multiplexed on one HTTP/2
 * connection (libnghttp2) over TLS (bufferevent_openssl on the loop). */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "push/provider.h"
#include "webhook/client.h"

#define TOKEN_RENEW_S 3000 /* Apple: renew the provider token between 20 and 60 minutes */
#define ANSWER_MAX 4096

/* The connection: DOWN (none; the next send opens one), CONNECTING (TCP + TLS + the HTTP/2
 * preface; sends wait), READY (streams go out at once). A failure or EOF takes it back to
 * DOWN, failing its streams (retried by the engine). */
typedef enum { CONN_DOWN = 0, CONN_CONNECTING, CONN_READY } conn_state_t;

typedef struct stream {
    struct apns *a;
    int32_t id; /* 0: not submitted yet */
    char *path, *body;
    size_t body_len, body_off;
    int status;
    char answer[ANSWER_MAX];
    size_t answer_len;
    struct event *timer;
    int64_t started_us;
    push_done_fn cb;
    void *arg;
    struct stream *prev, *next;
} stream_t;

typedef struct apns {
    struct event_base *base;
    struct evdns_base *dns;
    SSL_CTX *ssl;
    char *host;
    int port;
    char *path_prefix; /* the base URL's path, without a trailing slash */
    char *key_pem, *key_id, *team_id, *topic;
    char *bearer; /* "bearer <provider token>" */
    int64_t bearer_at;
    conn_state_t state;
    struct bufferevent *bev;
    nghttp2_session *h2;
    struct event *kick; /* submits and sends outside nghttp2's callbacks */
    stream_t *streams;  /* every stream not answered yet */
} apns_t;

static metrics_histogram_t apns_seconds = METRICS_HISTOGRAM(
    "chatd_push_request_seconds",
    "Time from a push request to the provider's answer (or its failure).", "provider=\"apns\"");

static void set_state(apns_t *a, conn_state_t state)
{
    static const char *const names[] = {"down", "connecting", "ready"};
    if (a->state != state)
        log_debug("push: apns connection %s -> %s", names[a->state], names[state]);
    a->state = state;
}

/* ---- streams ---- */

static void stream_finish(stream_t *s, push_outcome_t outcome, const char *why)
{
    apns_t *a = s->a;
    if (s->prev)
        s->prev->next = s->next;
    else
        a->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->timer)
        event_free(s->timer);
    if (s->id > 0 && a->h2)
        nghttp2_session_set_stream_user_data(a->h2, s->id, NULL);
    metrics_observe(&apns_seconds, (double)(mono_us() - s->started_us) / 1e6);
    push_done_fn cb = s->cb;
    void *arg = s->arg;
    xfree(s->path);
    xfree(s->body);
    xfree(s);
    cb(outcome, why, arg);
}

/* What an APNs answer means (Apple's "Handling notification responses from APNs"). */
static push_outcome_t read_answer(apns_t *a, const stream_t *s, char *why, size_t len)
{
    json_t *doc = json_loadb(s->answer, s->answer_len, 0, NULL);
    const char *reason = json_string_value(json_object_get(doc, "reason"));
    snprintf(why, len, "apns: HTTP %d%s%s", s->status, reason ? " " : "", reason ? reason : "");
    push_outcome_t out;
    if (s->status == 200)
        out = PUSH_SENT;
    else if (s->status == 410 || (reason && (strcmp(reason, "BadDeviceToken") == 0 ||
                                             strcmp(reason, "Unregistered") == 0 ||
                                             strcmp(reason, "DeviceTokenNotForTopic") == 0)))
        out = PUSH_BAD_TOKEN;
    else if (s->status == 403 && reason && strcmp(reason, "ExpiredProviderToken") == 0) {
        xfree(a->bearer); /* a new one for the retry */
        a->bearer = NULL;
        out = PUSH_RETRY;
    } else if (s->status == 429 || s->status >= 500 || s->status == 0)
        out = PUSH_RETRY;
    else
        out = PUSH_REJECTED;
    json_decref(doc);
    return out;
}

static void on_stream_timeout(evutil_socket_t fd, short what, void *arg)
{
    stream_t *s = arg;
    apns_t *a = s->a;
    if (s->id > 0 && a->h2) {
        nghttp2_submit_rst_stream(a->h2, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_CANCEL);
        nghttp2_session_send(a->h2);
    }
    stream_finish(s, PUSH_RETRY, "apns: timed out");
}

/* ---- the connection ---- */

static void conn_open(apns_t *a);

static void conn_down(apns_t *a, const char *why)
{
    if (a->bev) {
        bufferevent_free(a->bev);
        a->bev = NULL;
    }
    if (a->h2) {
        nghttp2_session_del(a->h2);
        a->h2 = NULL;
    }
    if (a->state != CONN_DOWN)
        log_info("push: apns connection to %s:%d closed: %s", a->host, a->port, why);
    set_state(a, CONN_DOWN);
    char text[200];
    snprintf(text, sizeof text, "apns: %s", why);
    /* Only the streams of this connection: sends their outcomes cause go on a new one. */
    size_t n = 0;
    for (stream_t *s = a->streams; s; s = s->next)
        n++;
    stream_t **doomed = xcalloc(n ? n : 1, sizeof *doomed);
    n = 0;
    for (stream_t *s = a->streams; s; s = s->next)
        doomed[n++] = s;
    for (size_t i = 0; i < n; i++) {
        doomed[i]->id = 0;
        stream_finish(doomed[i], PUSH_RETRY, text);
    }
    xfree(doomed);
}

static ssize_t on_send(nghttp2_session *h2, const uint8_t *data, size_t len, int flags, void *arg)
{
    apns_t *a = arg;
    bufferevent_write(a->bev, data, len);
    return (ssize_t)len;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *arg)
{
    stream_t *s = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
    if (s && namelen == 7 && memcmp(name, ":status", 7) == 0 && valuelen <= 3) {
        char v[4] = {0};
        memcpy(v, value, valuelen);
        s->status = atoi(v);
    }
    return 0;
}

static int on_data(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                   void *arg)
{
    stream_t *s = nghttp2_session_get_stream_user_data(h2, id);
    if (s) {
        size_t room = sizeof s->answer - 1 - s->answer_len;
        size_t n = len < room ? len : room;
        memcpy(s->answer + s->answer_len, data, n);
        s->answer_len += n;
    }
    return 0;
}

static int on_close(nghttp2_session *h2, int32_t id, uint32_t error, void *arg)
{
    apns_t *a = arg;
    stream_t *s = nghttp2_session_get_stream_user_data(h2, id);
    if (s == NULL)
        return 0;
    char why[200];
    push_outcome_t out = s->status ? read_answer(a, s, why, sizeof why) : PUSH_RETRY;
    if (s->status == 0)
        snprintf(why, sizeof why, "apns: stream reset (%s)", nghttp2_http2_strerror(error));
    stream_finish(s, out, why);
    return 0;
}

static ssize_t read_body(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *arg)
{
    stream_t *s = src->ptr;
    size_t n = s->body_len - s->body_off;
    if (n > len)
        n = len;
    memcpy(buf, s->body + s->body_off, n);
    s->body_off += n;
    if (s->body_off == s->body_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static bool provider_token(apns_t *a)
{
    if (a->bearer && wall_s() - a->bearer_at < TOKEN_RENEW_S)
        return true;
    char claims[160];
    int64_t now = wall_s();
    snprintf(claims, sizeof claims, "{\"iss\":\"%s\",\"iat\":%lld}", a->team_id, (long long)now);
    char *jwt = auth_jwt_sign(AUTH_JWT_ES256, a->key_pem, strlen(a->key_pem), a->key_id, claims);
    if (jwt == NULL)
        return false;
    xfree(a->bearer);
    a->bearer = xasprintf("bearer %s", jwt);
    a->bearer_at = now;
    free(jwt);
    return true;
}

#define NV(n, v)                                                                                   \
    {                                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE             \
    }

static void submit(apns_t *a, stream_t *s)
{
    if (!provider_token(a)) {
        stream_finish(s, PUSH_RETRY, "apns: cannot sign the provider token");
        return;
    }
    char authority[300];
    snprintf(authority, sizeof authority, "%s:%d", a->host, a->port);
    const nghttp2_nv hdrs[] = {
        NV(":method", "POST"),          NV(":scheme", "https"),
        NV(":authority", authority),    NV(":path", s->path),
        NV("authorization", a->bearer), NV("apns-topic", a->topic),
        NV("apns-push-type", "alert"),  NV("content-type", "application/json"),
    };
    nghttp2_data_provider dp = {.source.ptr = s, .read_callback = read_body};
    int32_t id = nghttp2_submit_request(a->h2, NULL, hdrs, sizeof hdrs / sizeof hdrs[0], &dp, s);
    if (id < 0) {
        stream_finish(s, PUSH_RETRY, "apns: cannot open a stream");
        return;
    }
    s->id = id;
}

static void pump(apns_t *a)
{
    if (a->h2 && nghttp2_session_send(a->h2) != 0)
        conn_down(a, "HTTP/2 send failed");
}

static void on_read(struct bufferevent *bev, void *arg)
{
    apns_t *a = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len = evbuffer_get_length(in);
    unsigned char *data = evbuffer_pullup(in, -1);
    ssize_t used = nghttp2_session_mem_recv(a->h2, data, len);
    if (used < 0) {
        conn_down(a, nghttp2_strerror((int)used));
        return;
    }
    evbuffer_drain(in, (size_t)used);
    pump(a);
    if (a->h2 && !nghttp2_session_want_read(a->h2) && !nghttp2_session_want_write(a->h2))
        conn_down(a, "the server ended the session");
}

static void on_connected(apns_t *a)
{
    SSL *ssl = bufferevent_openssl_get_ssl(a->bev);
    const unsigned char *alpn = NULL;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn_len != 2 || memcmp(alpn, "h2", 2) != 0) {
        conn_down(a, "the server did not agree to HTTP/2 (ALPN h2)");
        return;
    }
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, on_send);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
    nghttp2_session_client_new(&a->h2, cbs, a);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(a->h2, NGHTTP2_FLAG_NONE, NULL, 0);
    set_state(a, CONN_READY);
    log_info("push: apns connected to %s:%d (HTTP/2)", a->host, a->port);
    event_active(a->kick, EV_TIMEOUT, 0);
}

/* Opens the connection, or submits the streams not yet submitted and sends. */
static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    apns_t *a = arg;
    if (a->state == CONN_DOWN && a->streams) {
        conn_open(a);
        return;
    }
    if (a->state != CONN_READY)
        return;
    for (stream_t *s = a->streams, *next; s; s = next) {
        next = s->next;
        if (s->id == 0)
            submit(a, s);
    }
    pump(a);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    apns_t *a = arg;
    if (what & BEV_EVENT_CONNECTED) {
        on_connected(a);
        return;
    }
    char why[200];
    unsigned long e = bufferevent_get_openssl_error(bev);
    if (e) {
        char text[160];
        ERR_error_string_n(e, text, sizeof text);
        snprintf(why, sizeof why, "TLS: %s", text);
    } else {
        snprintf(why, sizeof why, "%s",
                 what & BEV_EVENT_EOF       ? "closed by the server"
                 : what & BEV_EVENT_TIMEOUT ? "timed out"
                                            : "connection failed");
    }
    conn_down(a, why);
}

static void conn_open(apns_t *a)
{
    SSL *ssl = SSL_new(a->ssl);
    SSL_set_tlsext_host_name(ssl, a->host);
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    struct in6_addr ip6;
    struct in_addr ip4;
    if (inet_pton(AF_INET, a->host, &ip4) == 1 || inet_pton(AF_INET6, a->host, &ip6) == 1)
        X509_VERIFY_PARAM_set1_ip_asc(param, a->host);
    else
        X509_VERIFY_PARAM_set1_host(param, a->host, 0);
    a->bev = bufferevent_openssl_socket_new(a->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                            BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    bufferevent_setcb(a->bev, on_read, NULL, on_event, a);
    bufferevent_enable(a->bev, EV_READ | EV_WRITE);
    set_state(a, CONN_CONNECTING);
    if (bufferevent_socket_connect_hostname(a->bev, a->dns, AF_UNSPEC, a->host, a->port) != 0)
        conn_down(a, "cannot connect");
}

/* The APNs payload: the alert, the badge (unless ApnsInfo.BadgeMode is 1), the sound, and the
 * app's fields beside aps (ext, the notification id, where the message is). */
static char *payload(const push_note_t *n)
{
    const json_t *b = n->body, *info = json_object_get(b, "apnsInfo");
    const char *title = json_string_value(json_object_get(b, "title"));
    const char *t2 = json_string_value(json_object_get(info, "Title"));
    const char *desc = json_string_value(json_object_get(b, "desc"));
    json_t *alert = json_pack("{s:s, s:s}", "title",
                              t2 && *t2 ? t2
                              : title   ? title
                                        : "",
                              "body", desc ? desc : "");
    const char *sub = json_string_value(json_object_get(info, "SubTitle"));
    if (sub && *sub)
        json_object_set_new(alert, "subtitle", json_string(sub));
    json_t *aps = json_pack("{s:o}", "alert", alert);
    const json_t *badge = json_object_get(b, "badge"); /* null for im_push */
    if (json_is_integer(badge) && json_integer_value(json_object_get(info, "BadgeMode")) != 1)
        json_object_set(aps, "badge", (json_t *)badge);
    const char *sound = json_string_value(json_object_get(info, "Sound"));
    json_object_set_new(aps, "sound", json_string(sound && *sound ? sound : "default"));
    if (json_integer_value(json_object_get(info, "MutableContent")) == 1)
        json_object_set_new(aps, "mutable-content", json_integer(1));
    json_t *p = json_pack("{s:o, s:I}", "aps", aps, "notificationID", (json_int_t)n->id);
    static const char *const strings[] = {"ext", "conversationID", "msgID", "sender", "groupID"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        const char *v = json_string_value(json_object_get(b, strings[i]));
        if (v)
            json_object_set_new(p, strings[i], json_string(v));
    }
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    return text;
}

static void apns_send(void *impl, const push_note_t *n, int timeout_ms, push_done_fn cb, void *arg)
{
    apns_t *a = impl;
    stream_t *s = XNEW(stream_t);
    s->a = a;
    s->cb = cb;
    s->arg = arg;
    s->started_us = mono_us();
    s->path = xasprintf("%s/3/device/%s", a->path_prefix,
                        json_string_value(json_object_get(n->body, "token")));
    s->body = payload(n);
    s->body_len = strlen(s->body);
    s->timer = evtimer_new(a->base, on_stream_timeout, s);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    evtimer_add(s->timer, &tv);
    s->next = a->streams;
    if (a->streams)
        a->streams->prev = s;
    a->streams = s;
    event_active(a->kick, EV_TIMEOUT, 0); /* maybe inside nghttp2's callbacks: not now */
}

static void apns_free(void *impl)
{
    apns_t *a = impl;
    if (a == NULL)
        return;
    conn_down(a, "stopped");
    if (a->kick)
        event_free(a->kick);
    if (a->ssl)
        SSL_CTX_free(a->ssl);
    xfree(a->host);
    xfree(a->path_prefix);
    xfree(a->key_pem);
    xfree(a->key_id);
    xfree(a->team_id);
    xfree(a->topic);
    xfree(a->bearer);
    xfree(a);
}

bool push_apns_new(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                   push_provider_t *out, char *errbuf, size_t errlen)
{
    metrics_histogram_add(&apns_seconds);
    apns_t *a = XNEW(apns_t);
    a->base = base;
    a->dns = dns;
    a->kick = event_new(base, -1, 0, on_kick, a);
    bool https = false;
    char *path = NULL;
    if (!webhook_parse_url(cfg->push_apns_base_url, "push_apns_base_url", &a->host, &a->port,
                           &https, &path, errbuf, errlen))
        goto fail;
    size_t pl = strlen(path);
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    a->path_prefix = xasprintf("%.*s", (int)pl, path);
    xfree(path);
    if (!https) {
        snprintf(errbuf, errlen, "bad value for key 'push_apns_base_url': APNs needs https://");
        goto fail;
    }
    if (!file_read_all(cfg->push_apns_key_file, &a->key_pem, NULL)) {
        snprintf(errbuf, errlen, "bad value for key 'push_apns_key_file': cannot read '%s'",
                 cfg->push_apns_key_file);
        goto fail;
    }
    if (!*cfg->push_apns_key_id || !*cfg->push_apns_team_id || !*cfg->push_apns_topic) {
        snprintf(errbuf, errlen,
                 "bad value for key 'push_apns_key_file': APNs also needs push_apns_key_id, "
                 "push_apns_team_id and push_apns_topic");
        goto fail;
    }
    a->key_id = xstrdup(cfg->push_apns_key_id);
    a->team_id = xstrdup(cfg->push_apns_team_id);
    a->topic = xstrdup(cfg->push_apns_topic);
    if (!provider_token(a)) {
        snprintf(errbuf, errlen,
                 "bad value for key 'push_apns_key_file': not an EC P-256 private key in PEM");
        goto fail;
    }
    if ((a->ssl = webhook_tls_context(cfg->push_ca_file, "push_ca_file", errbuf, errlen)) == NULL)
        goto fail;
    static const unsigned char alpn[] = "\x02h2";
    SSL_CTX_set_alpn_protos(a->ssl, alpn, sizeof alpn - 1);
    log_info("push: apns via %s (topic %s)", cfg->push_apns_base_url, a->topic);
    *out = (push_provider_t){"apns", a, apns_send, apns_free};
    return true;
fail:
    apns_free(a);
    return false;
}
