/* webhook/client — an HTTP(S) client for one origin, on libevent's evhttp connections, and the
 * set-up it needs (URL, TLS context, resolver). Used by webhook/ and push/ (the push providers'
 * keep-alive clients). */
#ifndef CHATD_WEBHOOK_CLIENT_H
#define CHATD_WEBHOOK_CLIENT_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct evdns_base;
struct metrics_histogram;
typedef struct wh_client wh_client_t;

/* status: the HTTP status, or 0 when no answer came (error says why: connect, TLS, timeout…).
 * body: the answer's body (NUL-terminated, may be empty), valid during the callback. */
typedef void (*wh_http_fn)(int status, const char *body, size_t len, const char *error, void *arg);

/* Keeps at most max_conns connections (keep-alive), one request in flight on each; further
 * requests wait in order. ssl: TLS with this context (certificate and host name verified), or
 * NULL for plain HTTP. host is a name (resolved by dns) or an IP literal. Each request's time
 * from wh_client_post() to its outcome (answer, error or timeout) goes into `latency`. */
wh_client_t *wh_client_new(struct event_base *base, struct evdns_base *dns, SSL_CTX *ssl,
                           const char *host, int port, int max_conns,
                           struct metrics_histogram *latency);
/* Calls back every request not yet answered (status 0, "stopped") before returning. */
void wh_client_free(wh_client_t *c);

/* POSTs body (JSON) to uri (path and query); cb runs exactly once, never before this returns,
 * at the latest timeout_ms later (counted from now, waiting for a connection included). */
void wh_client_post(wh_client_t *c, const char *uri, const char *body, size_t len, int timeout_ms,
                    wh_http_fn cb, void *arg);

/* The same with a Content-Type (NULL: JSON) and an Authorization header (NULL: none). */
void wh_client_post_ext(wh_client_t *c, const char *uri, const char *content_type,
                        const char *authorization, const char *body, size_t len, int timeout_ms,
                        wh_http_fn cb, void *arg);

/* Requests in flight or waiting. */
int wh_client_busy(const wh_client_t *c);

/* Splits an http(s)://host[:port][/path][?query] URL (config key `key`, for the error text):
 * host and path_query are heap strings (xfree); false with a reason in errbuf. */
bool webhook_parse_url(const char *url, const char *key, char **host, int *port, bool *https,
                       char **path_query, char *errbuf, size_t errlen);
/* A TLS client context (TLS 1.2+, peer verified against the system CAs plus ca_file when not
 * empty); NULL with a reason naming `key` in errbuf. */
SSL_CTX *webhook_tls_context(const char *ca_file, const char *key, char *errbuf, size_t errlen);
/* A resolver for the loop (resolv.conf's servers when there are some, /etc/hosts), or NULL. */
struct evdns_base *webhook_dns_new(struct event_base *base);

#endif
