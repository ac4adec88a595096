#include "http/guard.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/ptrmap.h"
#include "core/xalloc.h"
#include "http/bodylimit.h"
#include "http/tls.h"

typedef struct {
    struct bufferevent *bev; /* one reference is ours */
    int64_t deadline_ms;     /* 0 while a request is being answered */
    uint64_t requests;       /* handed to http/ so far */
    /* Until a WebSocket upgrade: the bytes read go through bodylimit before evhttp sees them. */
    bodylimit_t *limit;
    struct evbuffer *pending; /* read, not yet passed on by bodylimit */
    struct evbuffer_cb_entry *feed;
    bool feeding; /* on_input is moving bytes: the calls that causes are not new input */
    guard_t *guard;
} guarded_t;

struct guard {
    struct event_base *base;
    const int *timeout_ms;
    uint64_t max_body;
    struct evbuffer *scratch; /* on_input's, empty between calls */
    tls_t *tls;
    ptrmap_t conns; /* bufferevent -> guarded_t */
    struct event *sweep;
    uint64_t timeouts;
};

/* Stops bodylimit on the connection; what it held back goes to evhttp when `keep`. */
static void stop_feeding(guarded_t *c, bool keep)
{
    if (c->feed == NULL)
        return;
    struct evbuffer *input = bufferevent_get_input(c->bev);
    evbuffer_remove_cb_entry(input, c->feed);
    c->feed = NULL;
    if (keep)
        evbuffer_add_buffer(input, c->pending);
    evbuffer_free(c->pending);
    c->pending = NULL;
    bodylimit_free(c->limit);
    c->limit = NULL;
}

static void drop(guard_t *g, guarded_t *c)
{
    ptrmap_remove(&g->conns, c->bev);
    stop_feeding(c, false);
    bufferevent_decref(c->bev);
    xfree(c);
}

/* Called by libevent right after it appends what it read (before evhttp's read callback), and
 * after every change of the input buffer: only additions we did not make are new input. What
 * evhttp has not read yet stays in front; the new bytes go through bodylimit. */
static void on_input(struct evbuffer *input, const struct evbuffer_cb_info *info, void *arg)
{
    guarded_t *c = arg;
    if (c->feeding || info->n_added == 0)
        return;
    c->feeding = true;
    struct evbuffer *scratch = c->guard->scratch;
    evbuffer_remove_buffer(input, scratch, evbuffer_get_length(input) - info->n_added);
    evbuffer_add_buffer(c->pending, input);
    evbuffer_add_buffer(input, scratch);
    bodylimit_feed(c->limit, c->pending, input);
    c->feeding = false;
}

/* evhttp frees a connection's bufferevent by clearing its callbacks and dropping its
 * reference; evhttp always keeps an event callback on a live one. */
static bool freed_by_evhttp(struct bufferevent *bev)
{
    bufferevent_event_cb eventcb = NULL;
    bufferevent_getcb(bev, NULL, NULL, &eventcb, NULL);
    return eventcb == NULL;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    guard_t *g = arg;
    int64_t now = mono_ms();
    /* Collected first: removing from the map while walking its slots would move entries. */
    guarded_t **gone = xcalloc(g->conns.count + 1, sizeof *gone);
    size_t ngone = 0;
    for (size_t i = 0; i < g->conns.cap; i++) {
        guarded_t *c = g->conns.slots[i].value;
        if (c == NULL)
            continue;
        if (freed_by_evhttp(c->bev)) {
            gone[ngone++] = c;
        } else if (c->deadline_ms && now >= c->deadline_ms) {
            /* evhttp sees the end of the stream and frees the connection; a later sweep drops
             * the record. */
            g->timeouts++;
            c->deadline_ms = 0;
            log_debug("http: connection fd %d sent no whole request within %d ms, closing",
                      (int)bufferevent_getfd(c->bev), *g->timeout_ms);
            shutdown(bufferevent_getfd(c->bev), SHUT_RDWR);
        }
    }
    for (size_t i = 0; i < ngone; i++)
        drop(g, gone[i]);
    xfree(gone);
}

guard_t *guard_new(struct event_base *base, const int *timeout_ms, uint64_t max_body)
{
    guard_t *g = XNEW(guard_t);
    g->base = base;
    g->timeout_ms = timeout_ms;
    g->max_body = max_body;
    g->scratch = evbuffer_new();
    g->sweep = event_new(base, -1, EV_PERSIST, on_sweep, g);
    struct timeval every = {0, GUARD_SWEEP_MS * 1000};
    event_add(g->sweep, &every);
    return g;
}

void guard_set_tls(guard_t *g, tls_t *tls)
{
    g->tls = tls;
}

static struct bufferevent *track(guard_t *g, struct bufferevent *bev)
{
    if (bev == NULL)
        return NULL;
    bufferevent_incref(bev);
    guarded_t *c = XNEW(guarded_t);
    c->bev = bev;
    c->guard = g;
    c->deadline_ms = mono_ms() + *g->timeout_ms;
    c->limit = bodylimit_new(g->max_body);
    c->pending = evbuffer_new();
    c->feed = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
    ptrmap_put(&g->conns, bev, c);
    return bev;
}

struct bufferevent *guard_bufferevent(struct event_base *base, void *arg)
{
    return track(arg, bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE));
}

struct bufferevent *guard_tls_bufferevent(struct event_base *base, void *arg)
{
    guard_t *g = arg;
    return track(g, tls_bufferevent(base, g->tls));
}

static guarded_t *find(guard_t *g, struct evhttp_request *req)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    return conn ? ptrmap_get(&g->conns, evhttp_connection_get_bufferevent(conn)) : NULL;
}

void guard_request(guard_t *g, struct evhttp_request *req)
{
    guarded_t *c = find(g, req);
    if (c) {
        c->deadline_ms = 0;
        c->requests++;
    }
}

bool guard_oversized(guard_t *g, struct evhttp_request *req, uint64_t *declared)
{
    guarded_t *c = find(g, req);
    return c && c->limit && c->requests > 0 && bodylimit_refused(c->limit, declared) == c->requests;
}

void guard_upgrade(guard_t *g, struct evhttp_request *req)
{
    guarded_t *c = find(g, req);
    if (c)
        stop_feeding(c, true);
}

void guard_answered(guard_t *g, struct evhttp_request *req)
{
    guarded_t *c = find(g, req);
    if (c)
        c->deadline_ms = mono_ms() + *g->timeout_ms;
}

uint64_t guard_timeouts(const guard_t *g)
{
    return g->timeouts;
}

void guard_free(guard_t *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->conns.cap; i++) {
        guarded_t *c = g->conns.slots[i].value;
        if (c) {
            stop_feeding(c, false);
            bufferevent_decref(c->bev);
            xfree(c);
        }
    }
    ptrmap_clear(&g->conns);
    evbuffer_free(g->scratch);
    event_free(g->sweep);
    xfree(g);
}
