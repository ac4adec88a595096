/*
 * guard — the deadline libevent 2.1's evhttp lacks: every HTTP connection must deliver a whole
 * request within http_request_timeout_ms of being accepted, or of its previous answer being
 * written. A connection that does not (slowloris: a request line, headers or a body trickled
 * a byte at a time, each byte resetting evhttp's own inactivity timeout) is shut down and
 * counted. While chatd works on a request the clock stops. A WebSocket upgrade is never
 * answered through evhttp, so its clock stays stopped (the session's login and heartbeat
 * deadlines apply); a refused upgrade is answered and guarded again.
 *
 * How: guard_bufferevent() is the listeners' bufferevent factory (evhttp_set_bevcb). It keeps a
 * reference on each connection's bufferevent (so the pointer stays valid after evhttp frees
 * it) and files a record under it. A sweep every GUARD_SWEEP_MS shuts down the sockets past
 * their deadline and drops the records of connections evhttp has freed (their callbacks are
 * gone), which closes their sockets: a closed connection's socket lingers at most one sweep.
 *
 * The bytes each connection reads go through bodylimit (http/bodylimit.h) before evhttp sees
 * them, so a request whose body is over max_body_bytes reaches evhttp as a stand-in that
 * guard_oversized() names, until a WebSocket upgrade (guard_upgrade()).
 *
 * Ownership: the guard owns its records and references; guard_free() releases all of them.
 */
#ifndef CHATD_HTTP_GUARD_H
#define CHATD_HTTP_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/attr.h"

#define GUARD_SWEEP_MS 500

typedef struct guard guard_t;
struct bufferevent;
struct event_base;
struct evhttp_request;
struct tls;

/* `timeout_ms` points at the live config value (reloadable); `max_body` is max_body_bytes. */
MUSTCHECK guard_t *guard_new(struct event_base *base, const int *timeout_ms, uint64_t max_body);
/* evhttp's bevcb (arg: the guard) for the plain listener and, after guard_set_tls(), for the
 * TLS one. NULL only when out of memory (evhttp then makes a plain one). */
struct bufferevent *guard_bufferevent(struct event_base *base, void *guard);
struct bufferevent *guard_tls_bufferevent(struct event_base *base, void *guard);
void guard_set_tls(guard_t *g, struct tls *tls);
/* A whole request arrived: the clock stops until guard_answered(). */
void guard_request(guard_t *g, struct evhttp_request *req);
/* True when `req` (after guard_request()) stands in for a request whose body was over
 * max_body_bytes and was dropped unread: answer it with 60008. *declared: the length its
 * Content-Length gave (0 for a chunked body). */
bool guard_oversized(guard_t *g, struct evhttp_request *req, uint64_t *declared);
/* `req` asks for a WebSocket upgrade: the bytes after it are the session's, unread by bodylimit
 * (a refused upgrade is answered with `Connection: close`). */
void guard_upgrade(guard_t *g, struct evhttp_request *req);
/* Its answer is written: the next request must come within the timeout. */
void guard_answered(guard_t *g, struct evhttp_request *req);
/* Connections shut down for missing their deadline since start. */
uint64_t guard_timeouts(const guard_t *g);
void guard_free(guard_t *g);

#endif
