#include "http/http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/limit.h"
#include "api/stats/stats.h"
#include "auth/auth.h"
#include "http/console.h"
#include "bus/bus.h"
#include "core/clock.h"
#include "core/log.h"
#include "version.h"
#include "core/metrics.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "http/bodylimit.h"
#include "http/guard.h"
#include "http/tls.h"
#include "router/router.h"
#include "store/store.h"

struct http_server {
    const api_env_t *env;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    guard_t *guard;       /* the request deadline of every connection */
    struct evhttp *https; /* NULL without tls_listen */
    struct evhttp_bound_socket *https_bound;
    tls_t *tls;
    http_upgrade_fn upgrade;
    void *upgrade_arg;
    int in_flight;
    uint64_t next_id;
    bool draining; /* stopped accepting: /readyz answers 503 */
};

/* One REST request between parsing and reply. */
typedef struct {
    api_call_t call;
    http_server_t *server;
    struct evhttp_request *req;
    const api_service_t *service;
    char api_name[128];
    char *identifier;
    uint64_t id;
    int64_t started_us; /* mono_us() */
} rest_req_t;

static void on_answered(struct evhttp_request *req, void *arg)
{
    http_server_t *s = arg;
    guard_answered(s->guard, req);
}

static void on_reply_written(struct evhttp_request *req, void *arg)
{
    http_server_t *s = arg;
    guard_answered(s->guard, req);
    s->in_flight--;
}

/* A request stays in flight until its reply is written out, so a SIGTERM drain never closes a
 * connection under a reply still in its buffer. A client that went away gets nothing written. */
static void count_done_when_written(http_server_t *s, struct evhttp_request *req)
{
    if (evhttp_request_get_connection(req) != NULL)
        evhttp_request_set_on_complete_cb(req, on_reply_written, s);
    else
        s->in_flight--;
}

static void send_json(struct evhttp_request *req, int status, const char *reason, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, text, strlen(text));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "application/json; charset=utf-8");
    evhttp_send_reply(req, status, reason, out);
    evbuffer_free(out);
    free(text);
}

static json_t *envelope(int code, const char *detail)
{
    const char *text = err_text(code);
    char info[768];
    if (code == 0)
        info[0] = '\0';
    else if (detail && *detail)
        snprintf(info, sizeof info, "%s%s%s", text, *text ? ": " : "", detail);
    else
        snprintf(info, sizeof info, "%s", text);
    return json_pack("{s:s, s:i, s:s}", "ActionStatus", code ? "FAIL" : "OK", "ErrorCode", code,
                     "ErrorInfo", info);
}

/* Writes the envelope, counts it, frees the request. */
static void rest_reply(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    rest_req_t *r = (rest_req_t *)call;
    int code = err_code(err, r->service ? &r->service->errors : NULL);
    json_t *body = envelope(code, detail);
    if (code == 0 && result != NULL)
        json_object_update(body, result);
    json_decref(result);
    count_done_when_written(r->server, r->req);
    send_json(r->req, 200, "OK", body);
    json_decref(body);
    double secs = (double)(mono_us() - r->started_us) / 1e6;
    metrics_request(r->api_name, code, secs);
    if (code != 0)
        log_info("http#%llu POST /v4/%s: ErrorCode %d %s%s%s (%.1f ms)", (unsigned long long)r->id,
                 r->api_name, code, err_text(code), detail ? ": " : "", detail ? detail : "",
                 secs * 1000);
    else
        log_debug("http#%llu POST /v4/%s: OK (%.1f ms)", (unsigned long long)r->id, r->api_name,
                  secs * 1000);
    json_decref(r->call.body);
    xfree(r->identifier);
    xfree(r);
}

static rest_req_t *rest_new(http_server_t *s, struct evhttp_request *req)
{
    rest_req_t *r = XNEW(rest_req_t);
    r->server = s;
    r->req = req;
    r->id = ++s->next_id;
    r->started_us = mono_us();
    r->call.env = s->env;
    r->call.platform = "RESTAPI";
    r->call.reply = rest_reply;
    r->call.door = r;
    char *peer = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
    snprintf(r->call.client_ip, sizeof r->call.client_ip, "%s", peer ? peer : "");
    snprintf(r->api_name, sizeof r->api_name, "unknown");
    s->in_flight++;
    return r;
}

/* Splits "/v4/<service>/<command>" into its parts; false when the path has another shape. */
static bool split_path(const char *path, char *svc, size_t svclen, char *cmd, size_t cmdlen)
{
    if (strncmp(path, "/v4/", 4) != 0)
        return false;
    const char *a = path + 4, *slash = strchr(a, '/');
    if (slash == NULL || slash == a || strchr(slash + 1, '/') != NULL || slash[1] == '\0')
        return false;
    if ((size_t)(slash - a) >= svclen || strlen(slash + 1) >= cmdlen)
        return false;
    memcpy(svc, a, (size_t)(slash - a));
    svc[slash - a] = '\0';
    strcpy(cmd, slash + 1);
    return true;
}

/* A URL number: 1 to 20 decimal digits and nothing else (no sign, space or hex); false when
 * it is not one or does not fit. */
static bool decimal(const char *s, unsigned long long *out)
{
    size_t len = strspn(s, "0123456789");
    if (len == 0 || len > 20 || s[len] != '\0')
        return false;
    errno = 0;
    *out = strtoull(s, NULL, 10);
    return errno == 0;
}

/* Checks the five URL parameters and the caller's signature; ERR_OK or why not. */
static err_t check_params(rest_req_t *r, const struct evkeyvalq *q, const char **why)
{
    const config_t *cfg = r->server->env->cfg;
    const char *appid = evhttp_find_header(q, "sdkappid");
    const char *ident = evhttp_find_header(q, "identifier");
    const char *sig = evhttp_find_header(q, "usersig");
    const char *ctype = evhttp_find_header(q, "contenttype");
    const char *rnd = evhttp_find_header(q, "random");
    unsigned long long n, app;
    if (!appid || !*appid || !ident || !*ident || !sig || !*sig) {
        *why = "sdkappid, identifier and usersig are required";
        return ERR_URL_PARAM;
    }
    if ((ctype && strcmp(ctype, "json") != 0) || (rnd && (!decimal(rnd, &n) || n > UINT32_MAX))) {
        *why = "contenttype must be json and random a uint32";
        return ERR_URL_PARAM;
    }
    if (!decimal(appid, &app) || app != cfg->sdkappid) {
        *why = "sdkappid is not this server's app";
        return ERR_SDKAPPID;
    }
    r->identifier = xstrdup(ident);
    auth_config_t ac = auth_config_from(cfg);
    err_t err = auth_verify(&ac, sig, ident, wall_s(), NULL);
    *why = NULL;
    return err;
}

static json_t *parse_body(struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len == 0)
        return NULL;
    const char *data = (const char *)evbuffer_pullup(in, -1);
    json_t *body = json_loadb(data, len, 0, NULL);
    if (body != NULL && !json_is_object(body)) {
        json_decref(body);
        body = NULL;
    }
    return body;
}

/* The stand-in for a request whose body went over max_body_bytes (http/bodylimit.h). */
static void fail_oversized(api_call_t *call, uint64_t declared)
{
    int max = call->env->cfg->max_body_bytes;
    if (declared)
        api_fail(call, ERR_BODY_TOO_LARGE, "the body's %llu bytes are over max_body_bytes = %d",
                 (unsigned long long)declared, max);
    else
        api_fail(call, ERR_BODY_TOO_LARGE, "the chunked body is over max_body_bytes = %d", max);
}

static void handle_rest(http_server_t *s, struct evhttp_request *req, const struct evhttp_uri *uri)
{
    rest_req_t *r = rest_new(s, req);
    char svc[64], cmd[64];
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
        !split_path(evhttp_uri_get_path(uri), svc, sizeof svc, cmd, sizeof cmd)) {
        api_fail(&r->call, ERR_URL, "expected POST /v4/<service>/<command>");
        return;
    }
    const api_route_t *route = api_route_find(svc, cmd);
    r->service = api_service_find(svc);
    if (route == NULL) {
        api_fail(&r->call, ERR_BAD_RESOURCE, "v4/%s/%s", svc, cmd);
        return;
    }
    snprintf(r->api_name, sizeof r->api_name, "%s/%s", svc, cmd);
    err_t limited = api_limit_rest(s->env, r->call.client_ip, svc, cmd);
    if (limited != ERR_OK) {
        api_fail(&r->call, limited, "REST calls over their rate limit");
        return;
    }
    struct evkeyvalq q;
    const char *query = evhttp_uri_get_query(uri);
    if (evhttp_parse_query_str(query ? query : "", &q) != 0) {
        api_fail(&r->call, ERR_URL, "malformed query string");
        return;
    }
    const char *why = NULL;
    err_t err = check_params(r, &q, &why);
    evhttp_clear_headers(&q);
    if (err != ERR_OK) {
        api_fail(&r->call, err, why ? "%s" : NULL, why);
        return;
    }
    const config_t *cfg = s->env->cfg;
    if (cfg->admin_allow_count > 0 && config_is_admin(cfg, r->identifier) &&
        !cidr_list_match(cfg->admin_allow, (size_t)cfg->admin_allow_count, r->call.client_ip)) {
        api_fail(&r->call, ERR_SOURCE_IP, "%s is not in admin_allow_ips", r->call.client_ip);
        return;
    }
    if ((route->flags & API_ADMIN) && !config_is_admin(s->env->cfg, r->identifier)) {
        api_fail(&r->call, ERR_NOT_ADMIN, "identifier %s is not an app administrator",
                 r->identifier);
        return;
    }
    r->call.identifier = r->identifier;
    r->call.route = route;
    uint64_t declared = 0;
    if (guard_oversized(s->guard, req, &declared)) {
        fail_oversized(&r->call, declared);
        return;
    }
    r->call.body = parse_body(req);
    if (r->call.body == NULL) {
        api_fail(&r->call, ERR_JSON, "the body must be one JSON object");
        return;
    }
    route->handler(&r->call);
}

/* ---- /healthz and /metrics ---- */

typedef struct {
    struct evhttp_request *req;
    http_server_t *server;
} health_req_t;

/* Adds "bus": "up"/"connecting"/"down" for a node of several; never changes the status: a node
 * without its bus keeps serving its own sessions. */
static json_t *with_bus(const http_server_t *s, json_t *body)
{
    const bus_t *bus = router_bus(s->env->router);
    if (bus)
        json_object_set_new(body, "bus", json_string(bus_state_name(bus_state(bus))));
    return body;
}

static void on_ping(err_t err, void *arg)
{
    health_req_t *h = arg;
    json_t *body =
        with_bus(h->server, json_pack("{ss}", "status", err == ERR_OK ? "ok" : "unavailable"));
    count_done_when_written(h->server, h->req);
    send_json(h->req, err == ERR_OK ? 200 : 503, err == ERR_OK ? "OK" : "Service Unavailable",
              body);
    json_decref(body);
    xfree(h);
}

static void handle_healthz(http_server_t *s, struct evhttp_request *req)
{
    health_req_t *h = XNEW(health_req_t);
    h->req = req;
    h->server = s;
    s->in_flight++;
    store_ping(s->env->db, on_ping, h);
}

/* /livez: the process answers; nothing else is looked at. */
static void handle_livez(struct evhttp_request *req)
{
    json_t *body = json_pack("{ss}", "status", "alive");
    send_json(req, 200, "OK", body);
    json_decref(body);
}

/* /readyz: ready for traffic — not draining and a PostgreSQL connection is up (migrations ran
 * before the listener opened). Reads the pool's state: never waits behind queued work. */
static void handle_readyz(http_server_t *s, struct evhttp_request *req)
{
    db_pool_stats_t st = db_pool_stats(s->env->db);
    const char *why = s->draining              ? "draining"
                      : st.idle + st.busy == 0 ? "database unreachable"
                                               : NULL;
    json_t *body = with_bus(s, json_pack("{ss}", "status", why ? why : "ready"));
    send_json(req, why ? 503 : 200, why ? "Service Unavailable" : "OK", body);
    json_decref(body);
}

/* Outside /v4/ a body over max_body_bytes gets HTTP 413, with the same envelope. */
static void handle_oversized(struct evhttp_request *req)
{
    json_t *body = envelope(ERR_BODY_TOO_LARGE, "over max_body_bytes");
    send_json(req, 413, "Payload Too Large", body);
    json_decref(body);
}

/* Methods other than GET and POST: a JSON 405 naming the allowed ones. */
static void handle_bad_method(struct evhttp_request *req)
{
    json_t *body = json_pack("{ss}", "error", "method not allowed: use GET, or POST for /v4/");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, POST");
    send_json(req, 405, "Method Not Allowed", body);
    json_decref(body);
}

/* GET /export/<token>/<file>: a get_history file while its token has not expired, else 404.
 * libevent sends it from the descriptor (sendfile), never reading it on the loop. */
static void handle_export(http_server_t *s, struct evhttp_request *req, const char *path)
{
    char file[1024];
    int fd = -1;
    struct stat st;
    if (history_export_path(s->env->cfg->history_export_dir, path, (int64_t)time(NULL), file,
                            sizeof file))
        fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        evhttp_send_error(req, 404, "Not Found");
        return;
    }
    struct evbuffer *out = evbuffer_new();
    evbuffer_add_file(out, fd, 0, st.st_size); /* owns fd from here */
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/gzip");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void handle_metrics(http_server_t *s, struct evhttp_request *req)
{
    sbuf_t page = {0};
    metrics_render(&page);
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, page.data ? page.data : "", page.len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
    sbuf_free(&page);
}

/* Every answer is written once, whole: Nagle's algorithm would only hold its last segment
 * back until the client's delayed ACK (up to 40 ms for an answer over 64 KB), and WebSocket
 * pushes are small and latency-bound. Set when a request arrives, before anything is answered
 * (each keep-alive request sets it again: one syscall; libevent 2.1.12 has no per-connection
 * hook); a WebSocket upgrade keeps the socket, so its session has it too. */
static void no_delay(struct evhttp_request *req)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    int one = 1;
    if (bev && bufferevent_getfd(bev) >= 0)
        setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    http_server_t *s = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    bool get = method == EVHTTP_REQ_GET;
    no_delay(req);
    /* The REST and /healthz answers replace it with on_reply_written, which does the same. */
    guard_request(s->guard, req);
    evhttp_request_set_on_complete_cb(req, on_answered, s);
    if (path == NULL)
        evhttp_send_error(req, 400, "Bad Request");
    else if (!get && method != EVHTTP_REQ_POST)
        handle_bad_method(req);
    else if (strncmp(path, "/v4/", 4) == 0)
        handle_rest(s, req, uri);
    else if (guard_oversized(s->guard, req, NULL))
        handle_oversized(req);
    else if (get && strcmp(path, "/healthz") == 0)
        handle_healthz(s, req);
    else if (get && strcmp(path, "/livez") == 0)
        handle_livez(req);
    else if (get && strcmp(path, "/readyz") == 0)
        handle_readyz(s, req);
    else if (get && strcmp(path, "/metrics") == 0)
        handle_metrics(s, req);
    else if (get && strncmp(path, "/export/", 8) == 0)
        handle_export(s, req, path);
    else if (get && strncmp(path, "/console", 8) == 0)
        http_console_handle(req, path, s->env->cfg->console_enabled);
    else if (get && strcmp(path, "/ws") == 0 && s->upgrade) {
        guard_upgrade(s->guard, req);
        s->upgrade(req, s->upgrade_arg);
    } else
        evhttp_send_error(req, 404, "Not Found");
}

static void write_metrics(sbuf_t *out, void *arg)
{
    http_server_t *s = arg;
    db_pool_stats_t st = db_pool_stats(s->env->db);
    sbuf_printf(out,
                "# HELP chatd_db_connections PostgreSQL connections by state.\n"
                "# TYPE chatd_db_connections gauge\n"
                "chatd_db_connections{state=\"busy\"} %d\n"
                "chatd_db_connections{state=\"idle\"} %d\n"
                "chatd_db_connections{state=\"down\"} %d\n"
                "# HELP chatd_db_waiting Batches waiting for a PostgreSQL connection.\n"
                "# TYPE chatd_db_waiting gauge\n"
                "chatd_db_waiting %d\n"
                "# HELP chatd_http_in_flight REST requests not yet answered.\n"
                "# TYPE chatd_http_in_flight gauge\n"
                "chatd_http_in_flight %d\n"
                "# HELP chatd_build_info Version of the running chatd.\n"
                "# TYPE chatd_build_info gauge\n"
                "chatd_build_info{version=\"%s\",revision=\"%s\"} 1\n",
                st.busy, st.idle, st.down, st.waiting, s->in_flight, CHATD_VERSION, CHATD_GIT_REV);
    sbuf_printf(out,
                "# HELP chatd_http_request_timeouts_total Connections closed for sending no "
                "whole request within http_request_timeout_ms.\n"
                "# TYPE chatd_http_request_timeouts_total counter\n"
                "chatd_http_request_timeouts_total %llu\n",
                (unsigned long long)guard_timeouts(s->guard));
    if (s->tls)
        sbuf_printf(out,
                    "# HELP chatd_tls_certificate_expiry_timestamp_seconds notAfter of the TLS "
                    "listener's certificate.\n"
                    "# TYPE chatd_tls_certificate_expiry_timestamp_seconds gauge\n"
                    "chatd_tls_certificate_expiry_timestamp_seconds %lld\n",
                    (long long)tls_not_after(s->tls));
}

/* The settings both listeners share: limits, methods, timeouts, the one request handler. */
static struct evhttp *evhttp_for(http_server_t *s)
{
    struct evhttp *h = evhttp_new(s->env->base);
    evhttp_set_max_body_size(h, (ev_ssize_t)s->env->cfg->max_body_bytes);
    /* Every method reaches on_request, which answers the others with a JSON 405. */
    evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                      EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                      EVHTTP_REQ_PATCH);
    evhttp_set_timeout(h, 60);
    /* The request line and headers together; libevent's default is no limit. */
    evhttp_set_max_headers_size(h, HTTP_MAX_HEADERS_BYTES);
    evhttp_set_gencb(h, on_request, s);
    evhttp_set_bevcb(h, guard_bufferevent, s->guard);
    return h;
}

static struct evhttp_bound_socket *bind_to(struct evhttp *h, const char *host, int port,
                                           const char *what)
{
    struct evhttp_bound_socket *b = evhttp_bind_socket_with_handle(h, host, (ev_uint16_t)port);
    if (b == NULL)
        log_error("http: cannot listen on %s:%d (%s)", host, port, what);
    else
        log_info("http: listening on %s:%d (%s)", host, port, what);
    return b;
}

/* The TLS listener of tls_listen, when configured: same routes, https and wss. */
static bool start_tls(http_server_t *s)
{
    const config_t *cfg = s->env->cfg;
    if (*cfg->tls_listen == '\0')
        return true;
    char err[512];
    s->tls = tls_new(cfg->tls_cert_file, cfg->tls_key_file, err, sizeof err);
    if (s->tls == NULL) {
        log_error("http: %s", err);
        return false;
    }
    guard_set_tls(s->guard, s->tls);
    s->https = evhttp_for(s);
    evhttp_set_bevcb(s->https, guard_tls_bufferevent, s->guard);
    s->https_bound = bind_to(s->https, cfg->tls_host, cfg->tls_port, "https, wss");
    return s->https_bound != NULL;
}

http_server_t *http_server_new(const api_env_t *env)
{
    http_server_t *s = XNEW(http_server_t);
    s->env = env;
    s->guard = guard_new(env->base, &env->cfg->http_request_timeout_ms,
                         (uint64_t)env->cfg->max_body_bytes);
    s->http = evhttp_for(s);
    s->bound = bind_to(s->http, env->cfg->listen_host, env->cfg->listen_port, "http, ws");
    if (s->bound == NULL || !start_tls(s)) {
        http_server_free(s);
        return NULL;
    }
    metrics_register(write_metrics, s);
    return s;
}

void http_server_reload_tls(http_server_t *s)
{
    if (s->tls == NULL)
        return;
    const config_t *cfg = s->env->cfg;
    char err[512];
    if (tls_reload(s->tls, cfg->tls_cert_file, cfg->tls_key_file, err, sizeof err))
        log_info("http: TLS certificate reloaded from %s", cfg->tls_cert_file);
    else
        log_error("http: TLS reload refused, keeping the running certificate: %s", err);
}

void http_server_set_upgrade(http_server_t *s, http_upgrade_fn fn, void *arg)
{
    s->upgrade = fn;
    s->upgrade_arg = arg;
}

void http_server_stop_accepting(http_server_t *s)
{
    s->draining = true;
    if (s->bound) {
        evhttp_del_accept_socket(s->http, s->bound);
        s->bound = NULL;
    }
    if (s->https_bound) {
        evhttp_del_accept_socket(s->https, s->https_bound);
        s->https_bound = NULL;
    }
}

int http_server_in_flight(const http_server_t *s)
{
    return s->in_flight;
}

void http_server_free(http_server_t *s)
{
    if (s == NULL)
        return;
    evhttp_free(s->http);
    if (s->https)
        evhttp_free(s->https);
    guard_free(s->guard);
    tls_free(s->tls);
    xfree(s);
}
