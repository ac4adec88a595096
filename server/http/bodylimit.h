/*
 * bodylimit — the 60008 answer libevent 2.1 cannot give. evhttp refuses a body over its
 * max_body_size with an HTML page of its own and has no hook to replace it. So http/guard.c
 * takes each connection's bytes as they arrive, before evhttp reads them, and feeds them here;
 * evhttp reads only what comes out. bodylimit reads each request's head and follows its body the
 * way evhttp 2.1.12 will (HEAD and TRACE have none; `Transfer-Encoding: chunked`, else
 * `Content-Length`, else none):
 *
 *   - a request within max_body_bytes comes out unchanged, byte for byte, as soon as its head
 *     is whole (a chunked one once its last chunk is in: its size is known only then);
 *   - a request over it never does: its body is read and dropped (so the client, still sending,
 *     is not reset before it reads the answer), then comes out in its place the same request
 *     line with no body and `Connection: close`, and everything after it is dropped.
 *     bodylimit_refused() names that stand-in, which http/ answers with Tencent's envelope.
 *     With `Expect: 100-continue` no body is coming, so the stand-in comes out at once;
 *   - a head it cannot follow the way evhttp would (folded, over HTTP_MAX_HEADERS_BYTES, a bad
 *     length, a GET with Upgrade, a chunked body awaiting `100 Continue`) and everything after
 *     it come out unchanged: evhttp answers those itself, as it would without bodylimit.
 *
 * Pure: evbuffers in and out, no socket or loop (unit-tested, fuzzed). Ownership: the caller
 * owns the bodylimit_t and both buffers.
 */
#ifndef CHATD_HTTP_BODYLIMIT_H
#define CHATD_HTTP_BODYLIMIT_H

#include <event2/util.h>
#include <stdbool.h>
#include <stdint.h>

/* The request line and headers together; evhttp is given the same limit. */
#define HTTP_MAX_HEADERS_BYTES (64 * 1024)

typedef struct bodylimit bodylimit_t;

struct evbuffer;

bodylimit_t *bodylimit_new(uint64_t max_body);
void bodylimit_free(bodylimit_t *b);
/* Takes from the front of `in` (the connection's bytes, in order) all it can decide on, and
 * appends to `out` what evhttp may read; what stays in `in` waits for more bytes. */
void bodylimit_feed(bodylimit_t *b, struct evbuffer *in, struct evbuffer *out);
/* Which request of the connection (1 is the first passed to evhttp) is the stand-in for one
 * over the limit, and the body length that one declared in *declared (0 for a chunked body);
 * 0 while there is none. */
uint64_t bodylimit_refused(const bodylimit_t *b, uint64_t *declared);

#endif
