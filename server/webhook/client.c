/* The HTTP(S) client of the webhook module: evhttp connections with keep-alive, one request in
 * flight per connection, a queue beyond max_conns, a timer per request. */
#include "webhook/client.h"

#include <assert.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/state.h"
#include "core/xalloc.h"

#define MAX_ANSWER_BYTES 65536

typedef enum { REQ_QUEUED = 0, REQ_SENT, REQ_DONE } req_state_t;
static const char *const req_state_names[] = {"queued", "sent", "done"};

typedef struct wh_conn wh_conn_t;
typedef struct wh_req wh_req_t;

struct wh_req {
    wh_client_t *client;
    req_state_t state;
    wh_conn_t *conn;
    struct evhttp_request *ev; /* libevent's, while it holds it */
    char *uri, *body;
    char *content_type, *authorization; /* NULL: JSON, none */
    size_t len;
    struct event *timer; /* the deadline; then the deferred completion */
    int timeout_ms;
    int64_t started_us; /* mono_us() at wh_client_post() */
    int status;
    char *answer;
    size_t answer_len;
    char error[256];
    wh_http_fn cb;
    void *arg;
    wh_req_t *next; /* queue, or the reaper's list */
};

struct wh_conn {
    wh_client_t *client;
    struct evhttp_connection *evcon;
    wh_req_t *req; /* in flight; NULL when idle */
    bool broken;   /* closed or failed: replaced before the next request */
    wh_conn_t *next;
};

struct wh_client {
    struct event_base *base;
    struct evdns_base *dns;
    SSL_CTX *ssl;
    char *host;
    int port;
    char host_header[300];
    bool host_is_ip;
    int max_conns, nconns, busy;
    wh_conn_t *conns;
    wh_req_t *queue, **queue_tail;
    wh_req_t *dead; /* finished requests, freed by the reaper */
    struct event *reaper;
    metrics_histogram_t *latency;
};

/* The moves a request may make; anything else is a bug (asserted). */
static const unsigned req_allowed_moves[] = {
    [REQ_QUEUED] = STATE_BIT(REQ_SENT) | STATE_BIT(REQ_DONE), /* DONE: timed out or freed */
    [REQ_SENT] = STATE_BIT(REQ_DONE),
    [REQ_DONE] = 0,
};

static void req_set_state(wh_req_t *r, req_state_t state)
{
    if (r->state == state)
        return;
    assert(STATE_ALLOWED(req_allowed_moves, r->state, state));
    log_debug("webhook: request %p %s -> %s", (void *)r, req_state_names[r->state],
              req_state_names[state]);
    r->state = state;
}

/* ---- connections ---- */

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
    wh_conn_t *conn = arg;
    conn->broken = true;
}

static wh_conn_t *conn_open(wh_client_t *c)
{
    struct bufferevent *bev = NULL;
    if (c->ssl) {
        SSL *ssl = SSL_new(c->ssl);
        if (ssl == NULL)
            return NULL;
        if (c->host_is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), c->host);
        } else {
            SSL_set_tlsext_host_name(ssl, c->host);
            SSL_set1_host(ssl, c->host);
        }
        bev = bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (bev == NULL) {
            SSL_free(ssl);
            return NULL;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    struct evhttp_connection *evcon =
        evhttp_connection_base_bufferevent_new(c->base, c->dns, bev, c->host, (ev_uint16_t)c->port);
    if (evcon == NULL) {
        if (bev)
            bufferevent_free(bev);
        return NULL;
    }
    wh_conn_t *conn = XNEW(wh_conn_t);
    conn->client = c;
    conn->evcon = evcon;
    evhttp_connection_set_retries(evcon, 0);
    evhttp_connection_set_max_body_size(evcon, MAX_ANSWER_BYTES);
    evhttp_connection_set_closecb(evcon, on_conn_close, conn);
    conn->next = c->conns;
    c->conns = conn;
    c->nconns++;
    return conn;
}

static void conn_free(wh_conn_t *conn)
{
    wh_client_t *c = conn->client;
    wh_conn_t **pp = &c->conns;
    while (*pp != conn)
        pp = &(*pp)->next;
    *pp = conn->next;
    c->nconns--;
    evhttp_connection_set_closecb(conn->evcon, NULL, NULL);
    evhttp_connection_free(conn->evcon);
    xfree(conn);
}

/* An idle connection (a broken idle one is replaced), a new one under the cap, or NULL. */
static wh_conn_t *conn_get(wh_client_t *c)
{
    for (wh_conn_t *conn = c->conns; conn; conn = conn->next) {
        if (conn->req == NULL && conn->broken) {
            conn_free(conn);
            break;
        }
    }
    for (wh_conn_t *conn = c->conns; conn; conn = conn->next)
        if (conn->req == NULL && !conn->broken)
            return conn;
    return c->nconns < c->max_conns ? conn_open(c) : NULL;
}

/* ---- requests ---- */

static void req_start(wh_req_t *r, wh_conn_t *conn);

static void req_free(wh_req_t *r)
{
    if (r->timer)
        event_free(r->timer);
    xfree(r->uri);
    xfree(r->body);
    xfree(r->content_type);
    xfree(r->authorization);
    xfree(r->answer);
    xfree(r);
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    wh_client_t *c = arg;
    while (c->dead) {
        wh_req_t *r = c->dead;
        c->dead = r->next;
        req_free(r);
    }
    for (wh_conn_t *conn = c->conns, *next; conn; conn = next) {
        next = conn->next;
        if (conn->req == NULL && conn->broken)
            conn_free(conn);
    }
}

/* Starts waiting requests on free connections. */
static void pump(wh_client_t *c)
{
    while (c->queue) {
        wh_conn_t *conn = conn_get(c);
        if (conn == NULL)
            return;
        wh_req_t *r = c->queue;
        c->queue = r->next;
        if (c->queue == NULL)
            c->queue_tail = &c->queue;
        r->next = NULL;
        req_start(r, conn);
    }
}

/* Hands the outcome to the caller; the request is freed after this loop pass. */
static void req_finish(wh_req_t *r)
{
    wh_client_t *c = r->client;
    if (r->conn) {
        r->conn->req = NULL;
        r->conn = NULL;
    }
    c->busy--;
    metrics_observe(c->latency, (double)(mono_us() - r->started_us) / 1e6);
    r->cb(r->status, r->answer ? r->answer : "", r->answer_len, r->status ? NULL : r->error,
          r->arg);
    r->next = c->dead;
    c->dead = r;
    event_active(c->reaper, 0, 0);
    pump(c);
}

/* The request has its outcome: completion runs from the timer, outside libevent's callback. */
static void req_complete(wh_req_t *r)
{
    if (r->state == REQ_DONE)
        return;
    req_set_state(r, REQ_DONE);
    evtimer_del(r->timer);
    event_active(r->timer, EV_TIMEOUT, 0);
}

static void on_req_timer(evutil_socket_t fd, short what, void *arg)
{
    wh_req_t *r = arg;
    if (r->state != REQ_DONE) {
        if (r->state == REQ_QUEUED) {
            wh_req_t **pp = &r->client->queue;
            while (*pp != r)
                pp = &(*pp)->next;
            *pp = r->next;
            if (r->client->queue_tail == &r->next)
                r->client->queue_tail = pp;
            r->next = NULL;
        }
        if (r->ev) {
            struct evhttp_request *ev = r->ev;
            r->ev = NULL;
            evhttp_cancel_request(ev); /* resets the connection; no callback */
        }
        if (r->conn)
            r->conn->broken = true;
        r->status = 0;
        snprintf(r->error, sizeof r->error, "no answer within %d ms", r->timeout_ms);
        req_set_state(r, REQ_DONE);
    }
    req_finish(r);
}

static const char *request_error_name(enum evhttp_request_error e)
{
    switch (e) {
    case EVREQ_HTTP_TIMEOUT:
        return "timeout";
    case EVREQ_HTTP_EOF:
        return "connection closed before an answer";
    case EVREQ_HTTP_INVALID_HEADER:
        return "invalid answer headers";
    case EVREQ_HTTP_BUFFER_ERROR:
        return "connection failed";
    case EVREQ_HTTP_REQUEST_CANCEL:
        return "cancelled";
    case EVREQ_HTTP_DATA_TOO_LONG:
        return "answer too long";
    }
    return "failed";
}

static void on_req_error(enum evhttp_request_error e, void *arg)
{
    wh_req_t *r = arg;
    r->ev = NULL; /* libevent frees it */
    int n = snprintf(r->error, sizeof r->error, "%s", request_error_name(e));
    if (r->conn && r->client->ssl) {
        struct bufferevent *bev = evhttp_connection_get_bufferevent(r->conn->evcon);
        unsigned long ssl_err = bev ? bufferevent_get_openssl_error(bev) : 0;
        if (ssl_err && n > 0 && (size_t)n < sizeof r->error) {
            char text[200];
            ERR_error_string_n(ssl_err, text, sizeof text);
            snprintf(r->error + n, sizeof r->error - (size_t)n, ": TLS: %s", text);
        }
    }
    if (r->conn)
        r->conn->broken = true;
}

static void on_req_done(struct evhttp_request *ev, void *arg)
{
    wh_req_t *r = arg;
    if (r->state == REQ_DONE)
        return;
    r->ev = NULL;
    int status = ev ? evhttp_request_get_response_code(ev) : 0;
    if (status == 0) {
        if (r->error[0] == '\0')
            snprintf(r->error, sizeof r->error, "cannot connect to %s:%d", r->client->host,
                     r->client->port);
        if (r->conn)
            r->conn->broken = true;
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(ev);
        size_t len = evbuffer_get_length(in);
        r->answer = xmalloc(len + 1);
        evbuffer_copyout(in, r->answer, len);
        r->answer[len] = '\0';
        r->answer_len = len;
    }
    r->status = status;
    req_complete(r);
}

static void req_start(wh_req_t *r, wh_conn_t *conn)
{
    wh_client_t *c = r->client;
    r->conn = conn;
    conn->req = r;
    req_set_state(r, REQ_SENT);
    struct evhttp_request *ev = evhttp_request_new(on_req_done, r);
    evhttp_request_set_error_cb(ev, on_req_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    evhttp_add_header(h, "Host", c->host_header);
    evhttp_add_header(h, "Content-Type",
                      r->content_type ? r->content_type : "application/json; charset=utf-8");
    if (r->authorization)
        evhttp_add_header(h, "Authorization", r->authorization);
    evhttp_add_header(h, "Connection", "keep-alive");
    evhttp_add_header(h, "User-Agent", "chatd-webhook");
    evbuffer_add(evhttp_request_get_output_buffer(ev), r->body, r->len);
    struct timeval tv = {r->timeout_ms / 1000 + 1, (r->timeout_ms % 1000) * 1000};
    evhttp_connection_set_timeout_tv(conn->evcon, &tv);
    r->ev = ev;
    if (evhttp_make_request(conn->evcon, ev, EVHTTP_REQ_POST, r->uri) != 0) {
        /* Not queued by libevent: unless it already failed it (and freed it), it is ours. */
        if (r->ev)
            evhttp_request_free(r->ev);
        r->ev = NULL;
        conn->broken = true;
        if (r->error[0] == '\0')
            snprintf(r->error, sizeof r->error, "cannot connect to %s:%d", c->host, c->port);
        r->status = 0;
        req_complete(r);
    }
}

void wh_client_post(wh_client_t *c, const char *uri, const char *body, size_t len, int timeout_ms,
                    wh_http_fn cb, void *arg)
{
    wh_client_post_ext(c, uri, NULL, NULL, body, len, timeout_ms, cb, arg);
}

void wh_client_post_ext(wh_client_t *c, const char *uri, const char *content_type,
                        const char *authorization, const char *body, size_t len, int timeout_ms,
                        wh_http_fn cb, void *arg)
{
    wh_req_t *r = XNEW(wh_req_t);
    r->client = c;
    r->uri = xstrdup(uri);
    r->content_type = content_type ? xstrdup(content_type) : NULL;
    r->authorization = authorization ? xstrdup(authorization) : NULL;
    r->body = xmalloc(len + 1);
    memcpy(r->body, body, len);
    r->body[len] = '\0';
    r->len = len;
    r->timeout_ms = timeout_ms;
    r->started_us = mono_us();
    r->cb = cb;
    r->arg = arg;
    r->timer = evtimer_new(c->base, on_req_timer, r);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    evtimer_add(r->timer, &tv);
    c->busy++;
    *c->queue_tail = r;
    c->queue_tail = &r->next;
    pump(c);
}

int wh_client_busy(const wh_client_t *c)
{
    return c->busy;
}

wh_client_t *wh_client_new(struct event_base *base, struct evdns_base *dns, SSL_CTX *ssl,
                           const char *host, int port, int max_conns, metrics_histogram_t *latency)
{
    wh_client_t *c = XNEW(wh_client_t);
    c->latency = latency;
    c->base = base;
    c->dns = dns;
    c->ssl = ssl;
    c->host = xstrdup(host);
    c->port = port;
    c->max_conns = max_conns;
    c->queue_tail = &c->queue;
    unsigned char addr[16];
    c->host_is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    bool v6 = strchr(host, ':') != NULL;
    int n = snprintf(c->host_header, sizeof c->host_header, v6 ? "[%s]" : "%s", host);
    if (port != (ssl ? 443 : 80) && n > 0 && (size_t)n < sizeof c->host_header)
        snprintf(c->host_header + n, sizeof c->host_header - (size_t)n, ":%d", port);
    c->reaper = event_new(base, -1, 0, on_reap, c);
    return c;
}

void wh_client_free(wh_client_t *c)
{
    if (c == NULL)
        return;
    /* Everything not answered is answered now, as stopped. */
    for (;;) {
        wh_req_t *r = c->queue;
        if (r == NULL) {
            for (wh_conn_t *conn = c->conns; conn && r == NULL; conn = conn->next)
                r = conn->req;
        } else {
            c->queue = r->next;
            if (c->queue == NULL)
                c->queue_tail = &c->queue;
            r->next = NULL;
        }
        if (r == NULL)
            break;
        if (r->ev) {
            struct evhttp_request *ev = r->ev;
            r->ev = NULL;
            evhttp_cancel_request(ev);
        }
        if (r->conn) {
            r->conn->req = NULL;
            r->conn = NULL;
        }
        if (r->state != REQ_DONE) {
            r->status = 0;
            snprintf(r->error, sizeof r->error, "stopped");
        }
        c->busy--;
        r->cb(r->status, r->answer ? r->answer : "", r->answer_len, r->status ? NULL : r->error,
              r->arg);
        req_free(r);
    }
    on_reap(-1, 0, c);
    while (c->conns)
        conn_free(c->conns);
    event_free(c->reaper);
    xfree(c->host);
    xfree(c);
}

/* ---- set-up ---- */

bool webhook_parse_url(const char *url, const char *key, char **host, int *port, bool *https,
                       char **path_query, char *errbuf, size_t errlen)
{
    struct evhttp_uri *u = evhttp_uri_parse(url);
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *h = u ? evhttp_uri_get_host(u) : NULL;
    if (u == NULL || scheme == NULL || h == NULL || *h == '\0' ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
        evhttp_uri_get_fragment(u) != NULL || evhttp_uri_get_userinfo(u) != NULL) {
        snprintf(errbuf, errlen,
                 "bad value for key '%s': expected http(s)://host[:port][/path][?query]", key);
        if (u)
            evhttp_uri_free(u);
        return false;
    }
    *https = strcmp(scheme, "https") == 0;
    *host = xstrdup(h);
    *port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : *https ? 443 : 80;
    const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
    *path_query = xasprintf("%s%s%s", path && *path ? path : "/", query && *query ? "?" : "",
                            query && *query ? query : "");
    evhttp_uri_free(u);
    return true;
}

SSL_CTX *webhook_tls_context(const char *ca_file, const char *key, char *errbuf, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        snprintf(errbuf, errlen, "%s: cannot create a TLS context", key);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_default_verify_paths(ctx);
    if (*ca_file && SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
        unsigned long e = ERR_get_error();
        char text[160];
        ERR_error_string_n(e, text, sizeof text);
        snprintf(errbuf, errlen, "bad value for key '%s': cannot load '%s': %s", key, ca_file,
                 text);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

struct evdns_base *webhook_dns_new(struct event_base *base)
{
    struct evdns_base *dns =
        evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (dns == NULL) /* no resolv.conf: names in /etc/hosts and IP literals still work */
        dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (dns)
        evdns_base_load_hosts(dns, NULL);
    return dns;
}
