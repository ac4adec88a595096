/*
 * http — the HTTP door: evhttp listeners (plain, and TLS with tls_listen), the REST envelope,
 * /healthz and /metrics.
 *
 * The only code that writes HTTP replies. For `POST /v4/<service>/<command>` it checks the URL
 * parameters, the caller's UserSig or JWT and admin rights, parses the JSON body, runs the
 * route's api handler and answers HTTP 200 with Tencent's envelope (ActionStatus, ErrorCode,
 * ErrorInfo, then the handler's fields). Every request is answered exactly once; if the client
 * went away first, libevent drops the answer. GET /livez answers while the process runs;
 * GET /readyz is 503 while draining or with no PostgreSQL connection (read from the pool's
 * state, never queued); GET /console/… is the web console (http/console.h); methods other than
 * GET and POST get a JSON 405.
 */
#ifndef CHATD_HTTP_HTTP_H
#define CHATD_HTTP_HTTP_H

#include <stdbool.h>

#include "api/api.h"
#include "core/attr.h"

typedef struct http_server http_server_t;

/* Hook for GET /ws (WebSocket upgrade), installed by ws/; NULL until then. */
struct evhttp_request;
typedef void (*http_upgrade_fn)(struct evhttp_request *req, void *arg);

/* Binds cfg->listen_host:listen_port, and tls_host:tls_port with TLS (http/tls.h) when
 * tls_listen is set. NULL (and a logged reason) when either cannot. */
MUSTCHECK http_server_t *http_server_new(const api_env_t *env);
void http_server_set_upgrade(http_server_t *s, http_upgrade_fn fn, void *arg);
/* Re-reads tls_cert_file and tls_key_file (SIGHUP); keeps the running ones when they fail. */
void http_server_reload_tls(http_server_t *s);
/* Stops accepting new connections; requests in flight still get their answers. */
void http_server_stop_accepting(http_server_t *s);
/* Requests accepted but not yet answered. */
int http_server_in_flight(const http_server_t *s);
void http_server_free(http_server_t *s);

#endif
