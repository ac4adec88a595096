/* The bus over Redis (bus.h): the only file that includes hiredis. */
#include <arpa/inet.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/state.h"
#include "core/xalloc.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 3000
/* Commands unanswered this long: the connection is dropped (its callbacks answered "failed")
 * and made again, so a hung Redis never holds a request. */
#define STALL_MS 3000
/* More commands in flight than this: new ones are dropped, as when the bus is down. */
#define MAX_PENDING 100000
#define ROUTE_PREFIX "chatd:route:"
#define NODE_PREFIX "chatd:node:"
#define ROOM_PREFIX "chatd:room:"

/* For each key, its hash as a flat [field, value, …] array: one round trip for n users. */
static const char route_get_script[] =
    "local r = {} for i, k in ipairs(KEYS) do r[i] = redis.call('HGETALL', k) end return r";

typedef enum {
    LINK_WAITING = 0, /* backoff timer armed (or not yet started) */
    LINK_RESOLVING,
    LINK_CONNECTING,
    LINK_READY,
} link_state_t;

static const char *const link_state_names[] = {"waiting", "resolving", "connecting", "ready"};

typedef struct {
    bus_t *bus;
    const char *name; /* "commands" or "subscriber" */
    bool subscriber;
    link_state_t state;
    redisAsyncContext *ac;
    struct evdns_getaddrinfo_request *dns_req;
    struct event *timer; /* backoff, or the connect timeout */
    struct event *drain; /* subscriber: reads on while bytes wait (hiredis reads 16 KB a time) */
    int backoff_ms;
} link_t;

/* A lookup answered "down" without a round trip, delivered on the next loop pass. */
typedef struct lookup lookup_t;
struct lookup {
    bus_t *bus;
    bus_routes_fn cb;
    void *arg;
    char **users;
    size_t n;
    lookup_t *next_failed;
};

struct bus {
    struct event_base *base;
    struct evdns_base *dns;
    char *host;
    int port;
    char *node_id;
    char *channel;
    int ttl_s;
    bus_handlers_t handlers;
    bus_state_t state;
    link_t cmd, sub;
    size_t pending;
    int64_t progress_ms; /* mono_ms() of the last reply, or of the send that found none pending */
    struct event *stall_timer;
    bool stopping;
    lookup_t *failed;
    struct event *fail_ev;
    unsigned long long published, received, dropped, reconnects;
};

static const char *const state_names[] = {"connecting", "up", "down"};

const char *bus_state_name(bus_state_t s)
{
    return state_names[s];
}

/* ---- state ---- */

static void bus_update_state(bus_t *b)
{
    bus_state_t to = b->cmd.state == LINK_READY && b->sub.state == LINK_READY ? BUS_UP
                     : b->state == BUS_CONNECTING                             ? BUS_CONNECTING
                                                                              : BUS_DOWN;
    if (to == b->state)
        return;
    bus_state_t from = b->state;
    b->state = to;
    if (to == BUS_UP) {
        log_info("bus: up (node %s, redis %s:%d)", b->node_id, b->host, b->port);
        if (b->handlers.on_up)
            b->handlers.on_up(b->handlers.arg);
    } else if (from == BUS_UP) {
        log_warn("bus: down (redis %s:%d); serving this node's sessions, reconnecting", b->host,
                 b->port);
    }
}

static void link_set_state(link_t *l, link_state_t state)
{
    static const unsigned allowed[] = {
        [LINK_WAITING] = STATE_BIT(LINK_RESOLVING),
        [LINK_RESOLVING] = STATE_BIT(LINK_CONNECTING) | STATE_BIT(LINK_WAITING),
        [LINK_CONNECTING] = STATE_BIT(LINK_READY) | STATE_BIT(LINK_WAITING),
        [LINK_READY] = STATE_BIT(LINK_WAITING),
    };
    if (l->state == state)
        return;
    assert(STATE_ALLOWED(allowed, l->state, state));
    log_debug("bus %s: %s -> %s", l->name, link_state_names[l->state], link_state_names[state]);
    l->state = state;
    bus_update_state(l->bus);
}

static void on_link_timer(evutil_socket_t fd, short what, void *arg);

/* The context is gone or going (hiredis frees it): nothing of ours may touch it again. */
static redisAsyncContext *link_forget(link_t *l)
{
    redisAsyncContext *ac = l->ac;
    l->ac = NULL;
    if (l->drain)
        event_del(l->drain); /* freed at the next connect or at close, never in its callback */
    return ac;
}

/* The link is gone (or never came): retry after the backoff, which doubles up to its cap. */
static void link_fail(link_t *l, const char *why)
{
    bus_t *b = l->bus;
    if (b->stopping)
        return;
    if (l->state == LINK_READY)
        b->reconnects++;
    if (l->state == LINK_READY || l->backoff_ms >= BACKOFF_MAX_MS)
        log_warn("bus %s: %s; retrying in %d ms", l->name, why, l->backoff_ms);
    else
        log_debug("bus %s: %s; retrying in %d ms", l->name, why, l->backoff_ms);
    link_set_state(l, LINK_WAITING);
    struct timeval tv = {l->backoff_ms / 1000, (l->backoff_ms % 1000) * 1000};
    evtimer_add(l->timer, &tv);
    l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
}

static void link_ready(link_t *l)
{
    evtimer_del(l->timer);
    l->backoff_ms = BACKOFF_MIN_MS;
    link_set_state(l, LINK_READY);
}

/* ---- replies ---- */

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    bus_t *b = privdata;
    redisReply *r = reply;
    b->pending--;
    b->progress_ms = mono_ms();
    if (r && r->type == REDIS_REPLY_ERROR)
        log_warn("bus: redis answered an error: %.*s", (int)r->len, r->str);
}

static void on_subscribed(redisAsyncContext *ac, void *reply, void *privdata)
{
    link_t *l = privdata;
    redisReply *r = reply;
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        return; /* freed, or not a pub/sub reply: the disconnect callback handles losses */
    const char *kind = r->element[0]->str;
    if (strcmp(kind, "subscribe") == 0 && l->state == LINK_CONNECTING) {
        link_ready(l);
    } else if (strcmp(kind, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING) {
        l->bus->received++;
        l->bus->handlers.on_message(l->bus->handlers.arg, r->element[2]->str, r->element[2]->len);
    }
}

/* ---- connecting ---- */

static void on_connected(const redisAsyncContext *ac, int status)
{
    link_t *l = ac->data;
    if (status != REDIS_OK) {
        link_forget(l); /* hiredis frees it after this call */
        link_fail(l, ac->errstr[0] ? ac->errstr : "connection refused");
        return;
    }
    if (!l->subscriber)
        link_ready(l);
    /* The subscriber is ready when Redis confirms the subscription (on_subscribed). */
}

static void on_disconnected(const redisAsyncContext *ac, int status)
{
    link_t *l = ac->data;
    link_forget(l);
    link_fail(l, ac->errstr[0] ? ac->errstr : "connection closed");
}

/* Beside the adapter's read (one 16 KB read per wake-up): while more is waiting, read on, so a
 * busy node's loop passes do not cap what it receives from the bus. */
static void on_sub_readable(evutil_socket_t fd, short what, void *arg)
{
    link_t *l = arg;
    for (int i = 0; i < 64 && l->ac && l->state == LINK_READY; i++) {
        int waiting = 0;
        if (ioctl(fd, FIONREAD, &waiting) != 0 || waiting <= 0)
            break;
        redisAsyncHandleRead(l->ac); /* may drop the link: l->ac is then NULL */
    }
}

static void on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
    link_t *l = arg;
    bus_t *b = l->bus;
    l->dns_req = NULL;
    if (result == EVUTIL_EAI_CANCEL)
        return;
    if (result != 0 || res == NULL) {
        if (res)
            evutil_freeaddrinfo(res);
        link_fail(l, "cannot resolve the host name");
        return;
    }
    char ip[INET6_ADDRSTRLEN] = "";
    const void *addr = res->ai_family == AF_INET6
                           ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                           : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    evutil_inet_ntop(res->ai_family, addr, ip, sizeof ip);
    evutil_freeaddrinfo(res);
    /* A numeric address: hiredis's getaddrinfo() then answers without a lookup. */
    redisAsyncContext *ac = redisAsyncConnect(ip, b->port);
    if (ac == NULL || ac->err) {
        char why[128];
        snprintf(why, sizeof why, "%s", ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        link_fail(l, why);
        return;
    }
    ac->data = l;
    l->ac = ac;
    redisLibeventAttach(ac, b->base);
    redisAsyncSetConnectCallback(ac, on_connected);
    redisAsyncSetDisconnectCallback(ac, on_disconnected);
    link_set_state(l, LINK_CONNECTING);
    if (l->subscriber) {
        redisAsyncCommand(ac, on_subscribed, l, "SUBSCRIBE %s", b->channel);
        if (l->drain)
            event_free(l->drain);
        l->drain = event_new(b->base, ac->c.fd, EV_READ | EV_PERSIST, on_sub_readable, l);
        event_add(l->drain, NULL);
    }
    struct timeval tv = {CONNECT_TIMEOUT_MS / 1000, (CONNECT_TIMEOUT_MS % 1000) * 1000};
    evtimer_add(l->timer, &tv);
}

static void link_start(link_t *l)
{
    struct evutil_addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    link_set_state(l, LINK_RESOLVING);
    /* May answer before returning (IP literals, /etc/hosts): on_resolved then ran already. */
    struct evdns_getaddrinfo_request *req =
        evdns_getaddrinfo(l->bus->dns, l->bus->host, NULL, &hints, on_resolved, l);
    if (l->state == LINK_RESOLVING)
        l->dns_req = req;
}

/* Backoff over: try again. Connect timeout: give up this attempt. */
static void on_link_timer(evutil_socket_t fd, short what, void *arg)
{
    link_t *l = arg;
    if (l->state == LINK_WAITING) {
        link_start(l);
    } else if (l->state == LINK_CONNECTING && l->ac) {
        redisAsyncContext *ac = link_forget(l);
        /* Not connected yet: hiredis calls no disconnect callback for it. */
        redisAsyncFree(ac);
        if (l->state == LINK_CONNECTING)
            link_fail(l, "connect timed out");
    }
}

/* Replies stopped coming: Redis hangs or the network dropped us without a word. */
static void on_stall_check(evutil_socket_t fd, short what, void *arg)
{
    bus_t *b = arg;
    link_t *l = &b->cmd;
    if (b->pending == 0 || l->ac == NULL || l->state != LINK_READY ||
        mono_ms() - b->progress_ms < STALL_MS)
        return;
    log_warn("bus commands: %zu commands unanswered for %d ms; reconnecting", b->pending, STALL_MS);
    redisAsyncFree(link_forget(l)); /* answers the pending callbacks, then on_disconnected */
    if (l->state == LINK_READY)
        link_fail(l, "stalled");
}

/* ---- metrics ---- */

static void write_metrics(sbuf_t *out, void *arg)
{
    bus_t *b = arg;
    sbuf_printf(out,
                "# HELP chatd_bus_up 1 while this node is connected to the bus (Redis).\n"
                "# TYPE chatd_bus_up gauge\n"
                "chatd_bus_up %d\n"
                "# HELP chatd_bus_messages_published_total Messages this node sent to others.\n"
                "# TYPE chatd_bus_messages_published_total counter\n"
                "chatd_bus_messages_published_total %llu\n"
                "# HELP chatd_bus_messages_received_total Messages other nodes sent here.\n"
                "# TYPE chatd_bus_messages_received_total counter\n"
                "chatd_bus_messages_received_total %llu\n"
                "# HELP chatd_bus_messages_dropped_total Messages and route writes dropped "
                "while the bus was down.\n"
                "# TYPE chatd_bus_messages_dropped_total counter\n"
                "chatd_bus_messages_dropped_total %llu\n"
                "# HELP chatd_bus_reconnects_total Bus connections lost and retried.\n"
                "# TYPE chatd_bus_reconnects_total counter\n"
                "chatd_bus_reconnects_total %llu\n",
                b->state == BUS_UP, b->published, b->received, b->dropped, b->reconnects);
}

/* ---- lifetime ---- */

static void link_init(bus_t *b, link_t *l, const char *name, bool subscriber)
{
    l->bus = b;
    l->name = name;
    l->subscriber = subscriber;
    l->backoff_ms = BACKOFF_MIN_MS;
    l->timer = evtimer_new(b->base, on_link_timer, l);
    link_start(l);
}

static void on_failed_lookups(evutil_socket_t fd, short what, void *arg);

bus_t *bus_new(struct event_base *base, const char *host, int port, const char *node_id,
               int route_ttl_s, const bus_handlers_t *handlers)
{
    bus_t *b = XNEW(bus_t);
    b->base = base;
    b->host = xstrdup(host);
    b->port = port;
    b->node_id = xstrdup(node_id);
    b->channel = xasprintf(NODE_PREFIX "%s", node_id);
    b->ttl_s = route_ttl_s;
    b->handlers = *handlers;
    b->fail_ev = event_new(base, -1, 0, on_failed_lookups, b);
    b->stall_timer = event_new(base, -1, EV_PERSIST, on_stall_check, b);
    struct timeval second = {1, 0};
    event_add(b->stall_timer, &second);
    b->dns =
        evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (b->dns == NULL) /* no resolv.conf: /etc/hosts names and IP literals still work */
        b->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    evdns_base_load_hosts(b->dns, NULL);
    metrics_register(write_metrics, b);
    log_info("bus: node %s connecting to redis %s:%d", node_id, b->host, b->port);
    link_init(b, &b->cmd, "commands", false);
    link_init(b, &b->sub, "subscriber", true);
    return b;
}

static void link_close(link_t *l)
{
    if (l->dns_req)
        evdns_getaddrinfo_cancel(l->dns_req);
    l->dns_req = NULL;
    if (l->ac)
        redisAsyncFree(link_forget(l)); /* answers pending callbacks with NULL */
    if (l->drain)
        event_free(l->drain);
    event_free(l->timer);
}

void bus_free(bus_t *b)
{
    if (b == NULL)
        return;
    b->stopping = true;
    event_free(b->stall_timer);
    link_close(&b->cmd);
    link_close(&b->sub);
    on_failed_lookups(-1, 0, b);
    event_free(b->fail_ev);
    evdns_base_free(b->dns, 1);
    xfree(b->host);
    xfree(b->node_id);
    xfree(b->channel);
    xfree(b);
}

bus_state_t bus_state(const bus_t *b)
{
    return b->state;
}

const char *bus_node_id(const bus_t *b)
{
    return b->node_id;
}

int bus_route_ttl_s(const bus_t *b)
{
    return b->ttl_s;
}

size_t bus_pending(const bus_t *b)
{
    return b->pending;
}

/* ---- commands ---- */

/* May a command be sent now? Counts it as pending when so. */
static bool can_send(bus_t *b)
{
    if (b->state != BUS_UP || b->cmd.ac == NULL || b->pending >= MAX_PENDING)
        return false;
    if (b->pending == 0)
        b->progress_ms = mono_ms();
    return true;
}

static bool send_argv(bus_t *b, int argc, const char **argv, const size_t *lens)
{
    if (!can_send(b)) {
        b->dropped++;
        return false;
    }
    if (redisAsyncCommandArgv(b->cmd.ac, on_reply, b, argc, argv, lens) != REDIS_OK) {
        b->dropped++;
        return false;
    }
    b->pending++;
    return true;
}

bool bus_publish(bus_t *b, const char *node, const char *data, size_t len)
{
    char *channel = xasprintf(NODE_PREFIX "%s", node);
    const char *argv[] = {"PUBLISH", channel, data};
    size_t lens[] = {7, strlen(channel), len};
    bool ok = send_argv(b, 3, argv, lens);
    b->published += ok;
    xfree(channel);
    return ok;
}

/* This node's field of the hash prefix+id: "<unix seconds> <text>", the key's TTL extended. */
static void entry_set(bus_t *b, const char *prefix, const char *id, const char *text)
{
    char *key = xasprintf("%s%s", prefix, id);
    char *value = xasprintf("%" PRId64 " %s", wall_s(), text);
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", b->ttl_s);
    const char *set[] = {"HSET", key, b->node_id, value};
    size_t set_lens[] = {4, strlen(key), strlen(b->node_id), strlen(value)};
    const char *expire[] = {"EXPIRE", key, ttl};
    size_t expire_lens[] = {6, strlen(key), strlen(ttl)};
    if (send_argv(b, 4, set, set_lens))
        (void)send_argv(b, 3, expire, expire_lens); /* dropped only with the bus down */
    xfree(key);
    xfree(value);
}

static void entry_del(bus_t *b, const char *prefix, const char *id)
{
    char *key = xasprintf("%s%s", prefix, id);
    const char *argv[] = {"HDEL", key, b->node_id};
    size_t lens[] = {4, strlen(key), strlen(b->node_id)};
    (void)send_argv(b, 3, argv, lens); /* a lost removal expires with the TTL */
    xfree(key);
}

void bus_route_set(bus_t *b, const char *user, const char *platforms)
{
    entry_set(b, ROUTE_PREFIX, user, platforms);
}

void bus_route_del(bus_t *b, const char *user)
{
    entry_del(b, ROUTE_PREFIX, user);
}

void bus_room_set(bus_t *b, const char *room, size_t viewers)
{
    char count[24];
    snprintf(count, sizeof count, "%zu", viewers);
    entry_set(b, ROOM_PREFIX, room, count);
}

void bus_room_del(bus_t *b, const char *room)
{
    entry_del(b, ROOM_PREFIX, room);
}

/* ---- lookups ---- */

static void lookup_free(lookup_t *q)
{
    for (size_t i = 0; i < q->n; i++)
        xfree(q->users[i]);
    xfree(q->users);
    xfree(q);
}

static void lookup_answer_empty(lookup_t *q)
{
    bus_user_routes_t *users = xcalloc(q->n ? q->n : 1, sizeof *users);
    for (size_t i = 0; i < q->n; i++)
        users[i].user = q->users[i];
    q->cb(users, q->n, false, q->arg);
    xfree(users);
    lookup_free(q);
}

static void on_failed_lookups(evutil_socket_t fd, short what, void *arg)
{
    bus_t *b = arg;
    lookup_t *q;
    while ((q = b->failed) != NULL) {
        b->failed = q->next_failed;
        lookup_answer_empty(q);
    }
}

/* Fills u's routes from a flat [node, "ts platforms", …] array, skipping stale entries. */
static size_t read_routes(const bus_t *b, const redisReply *h, bus_route_t *out, int64_t now)
{
    size_t n = 0;
    if (h->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t j = 0; j + 1 < h->elements; j += 2) {
        const redisReply *node = h->element[j], *value = h->element[j + 1];
        if (node->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
            continue;
        char *space;
        long long ts = strtoll(value->str, &space, 10);
        if (*space != ' ' || now - ts > b->ttl_s)
            continue; /* a dead node's entry, waiting for its key to expire */
        out[n].node = node->str;
        out[n].platforms = space + 1;
        n++;
    }
    return n;
}

static void on_routes(redisAsyncContext *ac, void *reply, void *privdata)
{
    lookup_t *q = privdata;
    redisReply *r = reply;
    q->bus->pending--;
    q->bus->progress_ms = mono_ms();
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != q->n) {
        if (r && r->type == REDIS_REPLY_ERROR)
            log_warn("bus: route lookup failed: %.*s", (int)r->len, r->str);
        lookup_answer_empty(q);
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < q->n; i++)
        total += r->element[i]->type == REDIS_REPLY_ARRAY ? r->element[i]->elements / 2 : 0;
    bus_route_t *routes = xcalloc(total ? total : 1, sizeof *routes);
    bus_user_routes_t *users = xcalloc(q->n ? q->n : 1, sizeof *users);
    int64_t now = wall_s();
    bus_route_t *next = routes;
    for (size_t i = 0; i < q->n; i++) {
        users[i].user = q->users[i];
        users[i].routes = next;
        users[i].n = read_routes(q->bus, r->element[i], next, now);
        next += users[i].n;
    }
    q->cb(users, q->n, true, q->arg);
    xfree(users);
    xfree(routes);
    lookup_free(q);
}

static void entries_get(bus_t *b, const char *prefix, const char *const *users, size_t n,
                        bus_routes_fn cb, void *arg)
{
    lookup_t *q = XNEW(lookup_t);
    q->bus = b;
    q->cb = cb;
    q->arg = arg;
    q->n = n;
    q->users = xcalloc(n ? n : 1, sizeof *q->users);
    for (size_t i = 0; i < n; i++)
        q->users[i] = xstrdup(users[i]);
    if (n > 0 && can_send(b)) {
        size_t argc = n + 3;
        const char **argv = xcalloc(argc, sizeof *argv);
        size_t *lens = xcalloc(argc, sizeof *lens);
        char **keys = xcalloc(n, sizeof *keys);
        char count[24];
        snprintf(count, sizeof count, "%zu", n);
        argv[0] = "EVAL";
        argv[1] = route_get_script;
        argv[2] = count;
        for (size_t i = 0; i < n; i++)
            argv[i + 3] = keys[i] = xasprintf("%s%s", prefix, users[i]);
        for (size_t i = 0; i < argc; i++)
            lens[i] = strlen(argv[i]);
        int rc = redisAsyncCommandArgv(b->cmd.ac, on_routes, q, (int)argc, argv, lens);
        for (size_t i = 0; i < n; i++)
            xfree(keys[i]);
        xfree(keys);
        xfree(argv);
        xfree(lens);
        if (rc == REDIS_OK) {
            b->pending++;
            return;
        }
    }
    q->next_failed = b->failed;
    b->failed = q;
    event_active(b->fail_ev, 0, 0);
}

void bus_route_get(bus_t *b, const char *const *users, size_t n, bus_routes_fn cb, void *arg)
{
    entries_get(b, ROUTE_PREFIX, users, n, cb, arg);
}

void bus_room_get(bus_t *b, const char *const *rooms, size_t n, bus_routes_fn cb, void *arg)
{
    entries_get(b, ROOM_PREFIX, rooms, n, cb, arg);
}
