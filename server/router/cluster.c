/* The router across nodes (router.h, "Several nodes"): route entries, and pushes, kicks, logins
 * and notes for users whose sessions other nodes hold, sent through the bus (bus/bus.h).
 *
 * A bus message carries what one loop pass sends to one node: items "<kind> <header bytes>
 * <body bytes>\n<header><body>", kind P (push: body is the frame's text), K (kick: text is the
 * reason), L (login: text is the new session's platform), N (note: text is the note) or Q (a
 * viewer leaves a live room: text is the room); header {"u": [user, …], "t": text} with the
 * receiving node's users. A room push is its own message, item R with header {"u": [room]} and
 * the frame as body, sent to the nodes whose room entries name the room. */
#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "router/internal.h"

#define ROUTE_TTL_S 30
#define MAX_PLATFORMS 64
#define SWEEP_BUCKETS 256
#define SWEEP_MAX_PENDING 20000

typedef enum {
    OP_PUSH = 'P',
    OP_KICK = 'K',
    OP_LOGIN = 'L',
    OP_NOTE = 'N',
    OP_ROOM_LEAVE = 'Q',
    OP_ROOM_PUSH = 'R',
} op_kind_t;

/* One thing to send to the nodes that hold some users, gathered during a loop pass. */
typedef struct op op_t;
struct op {
    router_cluster_t *c;
    op_kind_t kind;
    router_frame_t *frame; /* OP_PUSH: a reference */
    char *text;            /* the other kinds */
    json_t *users;         /* {user: true}: each recipient once */
    op_t *next;
};

struct router_cluster {
    router_t *r;
    bus_t *bus;
    login_rules_t rules;
    json_t *dirty;       /* {user: true}: users whose sessions here changed this pass */
    json_t *dirty_rooms; /* {room: true}: rooms whose viewer count here changed */
    op_t *head, *tail;
    struct event *flush, *heartbeat, *sweep;
    size_t cursor; /* the sweep's next bucket */
    bool sweeping;
    router_note_fn note_fn;
    void *note_arg;
};

static void op_free(op_t *op)
{
    router_frame_unref(op->frame);
    xfree(op->text);
    json_decref(op->users);
    xfree(op);
}

/* "Web,Android": one platform per session of the user here; "" when none. */
static char *platforms_here(const router_t *r, const char *user)
{
    const char *platforms[MAX_PLATFORMS];
    size_t n = router_user_platforms(r, user, platforms, MAX_PLATFORMS);
    sbuf_t out = {0};
    for (size_t i = 0; i < n && i < MAX_PLATFORMS; i++)
        sbuf_printf(&out, "%s%s", i ? "," : "", platforms[i]);
    return out.data ? out.data : xstrdup("");
}

static void write_route(router_cluster_t *c, const char *user)
{
    char *platforms = platforms_here(c->r, user);
    if (*platforms)
        bus_route_set(c->bus, user, platforms);
    else
        bus_route_del(c->bus, user);
    xfree(platforms);
}

/* ---- sending ---- */

/* The ops of one loop pass, waiting for the routes of all their users (one lookup). */
typedef struct {
    router_cluster_t *c;
    op_t *ops;
} batch_t;

static void batch_free(batch_t *b)
{
    op_t *op;
    while ((op = b->ops) != NULL) {
        b->ops = op->next;
        op_free(op);
    }
    xfree(b);
}

/* Appends one item "<kind> <header bytes> <body bytes>\n<header><body>" for `users`. */
static void append_item(sbuf_t *out, const op_t *op, json_t *users)
{
    json_t *header = json_pack("{s:O, s:s}", "u", users, "t", op->text ? op->text : "");
    char *h = json_dumps(header, JSON_COMPACT);
    json_decref(header);
    size_t body = op->kind == OP_PUSH || op->kind == OP_ROOM_PUSH ? router_frame_len(op->frame) : 0;
    sbuf_printf(out, "%c %zu %zu\n", op->kind, strlen(h), body);
    sbuf_puts(out, h);
    if (body)
        sbuf_append(out, router_frame_data(op->frame), body);
    free(h);
}

/* With every user's nodes known: ONE message to each other node holding any recipient of this
 * pass, carrying each op once with that node's users. */
static void on_routes(const bus_user_routes_t *users, size_t n, bool ok, void *arg)
{
    batch_t *b = arg;
    router_cluster_t *c = b->c;
    if (!ok) {
        batch_free(b);
        return;
    }
    const char *self = bus_node_id(c->bus);
    json_t *nodes_of = json_object(); /* {user: [node, …]} */
    for (size_t i = 0; i < n; i++) {
        json_t *list = json_array();
        for (size_t j = 0; j < users[i].n; j++)
            if (strcmp(users[i].routes[j].node, self) != 0)
                json_array_append_new(list, json_string(users[i].routes[j].node));
        json_object_set_new(nodes_of, users[i].user, list);
    }
    json_t *out_index = json_object(); /* {node: index into out} */
    sbuf_t *out = NULL;
    size_t nout = 0;
    for (const op_t *op = b->ops; op; op = op->next) {
        json_t *by_node = json_object(); /* {node: [user, …]} for this op */
        const char *user, *node;
        json_t *v, *list;
        size_t k;
        json_object_foreach(op->users, user, v)
        {
            json_array_foreach(json_object_get(nodes_of, user), k, v)
            {
                node = json_string_value(v);
                if ((list = json_object_get(by_node, node)) == NULL)
                    json_object_set_new(by_node, node, list = json_array());
                json_array_append_new(list, json_string(user));
            }
        }
        json_object_foreach(by_node, node, list)
        {
            json_t *at = json_object_get(out_index, node);
            if (at == NULL) {
                out = xrealloc(out, (nout + 1) * sizeof *out);
                out[nout] = (sbuf_t){0};
                json_object_set_new(out_index, node, at = json_integer((json_int_t)nout++));
            }
            append_item(&out[json_integer_value(at)], op, list);
        }
        json_decref(by_node);
    }
    const char *node;
    json_t *at;
    json_object_foreach(out_index, node, at)
    {
        sbuf_t *m = &out[json_integer_value(at)];
        (void)bus_publish(c->bus, node, m->data, m->len); /* lost: clients sync by sequence */
        sbuf_free(m);
    }
    xfree(out);
    json_decref(out_index);
    json_decref(nodes_of);
    batch_free(b);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    router_cluster_t *c = arg;
    const char *user;
    json_t *v;
    json_object_foreach(c->dirty, user, v) write_route(c, user);
    json_object_clear(c->dirty);
    json_object_foreach(c->dirty_rooms, user, v)
    {
        size_t n = router_room_count_here(c->r, user);
        if (n > 0)
            bus_room_set(c->bus, user, n);
        else
            bus_room_del(c->bus, user);
    }
    json_object_clear(c->dirty_rooms);
    if (c->head == NULL)
        return;
    batch_t *b = XNEW(batch_t);
    b->c = c;
    b->ops = c->head;
    c->head = c->tail = NULL;
    json_t *all = json_object();
    for (const op_t *op = b->ops; op; op = op->next)
        json_object_update(all, op->users);
    size_t n = json_object_size(all), i = 0;
    const char **ids = xcalloc(n ? n : 1, sizeof *ids);
    json_object_foreach(all, user, v) ids[i++] = user;
    bus_route_get(c->bus, ids, n, on_routes, b);
    xfree(ids);
    json_decref(all);
}

static void arm(router_cluster_t *c)
{
    event_active(c->flush, 0, 0);
}

/* Adds user to the last op when it is the same push or text, else starts a new one. */
static void enqueue(router_cluster_t *c, op_kind_t kind, const char *user, router_frame_t *f,
                    const char *text)
{
    op_t *t = c->tail;
    if (!(t && t->kind == kind && t->frame == f && (!text || strcmp(t->text, text) == 0))) {
        t = XNEW(op_t);
        t->c = c;
        t->kind = kind;
        if (f)
            router_frame_ref(f);
        t->frame = f;
        t->text = text ? xstrdup(text) : NULL;
        t->users = json_object();
        if (c->tail)
            c->tail->next = t;
        else
            c->head = t;
        c->tail = t;
    }
    json_object_set_new(t->users, user, json_true());
    arm(c);
}

void cluster_push(router_t *r, const char *user_id, router_frame_t *f)
{
    if (r->cluster)
        enqueue(r->cluster, OP_PUSH, user_id, f, NULL);
}

void cluster_kick(router_t *r, const char *user_id, const char *reason)
{
    if (r->cluster)
        enqueue(r->cluster, OP_KICK, user_id, NULL, reason);
}

void router_login_elsewhere(router_t *r, const char *user_id, const char *platform)
{
    if (r->cluster)
        enqueue(r->cluster, OP_LOGIN, user_id, NULL, platform);
}

void router_note_elsewhere(router_t *r, const char *user_id, const char *note)
{
    if (r->cluster)
        enqueue(r->cluster, OP_NOTE, user_id, NULL, note);
}

void router_set_note_handler(router_t *r, router_note_fn fn, void *arg)
{
    if (r->cluster) {
        r->cluster->note_fn = fn;
        r->cluster->note_arg = arg;
    }
}

void cluster_room_changed(router_t *r, const char *room)
{
    if (r->cluster) {
        json_object_set_new(r->cluster->dirty_rooms, room, json_true());
        arm(r->cluster);
    }
}

void cluster_room_leave(router_t *r, const char *room, const char *user)
{
    if (r->cluster)
        enqueue(r->cluster, OP_ROOM_LEAVE, user, NULL, room);
}

typedef struct {
    router_cluster_t *c;
    router_frame_t *frame;
} room_push_t;

static void on_room_nodes(const bus_user_routes_t *rooms, size_t n, bool ok, void *arg)
{
    room_push_t *p = arg;
    if (ok && n == 1) {
        const char *self = bus_node_id(p->c->bus);
        op_t op = {.kind = OP_ROOM_PUSH, .frame = p->frame};
        json_t *ids = json_pack("[s]", rooms[0].user);
        sbuf_t m = {0};
        append_item(&m, &op, ids);
        for (size_t j = 0; j < rooms[0].n; j++)
            if (strcmp(rooms[0].routes[j].node, self) != 0)
                (void)bus_publish(p->c->bus, rooms[0].routes[j].node, m.data, m.len);
        sbuf_free(&m);
        json_decref(ids);
    }
    router_frame_unref(p->frame);
    xfree(p);
}

void cluster_room_push(router_t *r, const char *room, router_frame_t *f)
{
    if (r->cluster == NULL)
        return;
    room_push_t *p = XNEW(room_push_t);
    p->c = r->cluster;
    router_frame_ref(f);
    p->frame = f;
    const char *ids[] = {room};
    bus_room_get(r->cluster->bus, ids, 1, on_room_nodes, p);
}

void cluster_sessions_changed(router_t *r, const char *user_id)
{
    if (r->cluster) {
        json_object_set_new(r->cluster->dirty, user_id, json_true());
        arm(r->cluster);
    }
}

/* ---- receiving ---- */

/* The login policy for a session that logged in on another node: newer than all of ours. */
static void apply_remote_login(router_cluster_t *c, const char *user, const char *platform)
{
    router_session_t *sessions[MAX_PLATFORMS];
    const char *platforms[MAX_PLATFORMS];
    bool kick[MAX_PLATFORMS];
    size_t n = router_user_sessions(c->r, user, sessions, MAX_PLATFORMS);
    if (n > MAX_PLATFORMS)
        n = MAX_PLATFORMS;
    for (size_t i = 0; i < n; i++)
        platforms[i] = router_session_platform(sessions[i]);
    if (login_policy_apply(&c->rules, platforms, n, platform, kick) == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (kick[i]) {
            log_info("router: user=%s platform=%s pushed out by a %s login on another node", user,
                     platforms[i], platform);
            router_session_kick(sessions[i], ROUTER_KICK_BY_LOGIN);
        }
    }
}

static void deliver(router_cluster_t *c, char kind, const char *user, const char *text,
                    router_frame_t *f)
{
    router_t *r = c->r;
    if (kind == OP_ROOM_PUSH) {
        room_push_here(r, user, f, 0); /* `user` is the room */
        return;
    }
    bool here = router_user_platforms(r, user, NULL, 0) > 0;
    if (!here) {
        /* An entry of ours that outlived its sessions (a restart within the TTL): drop it. */
        json_object_set_new(c->dirty, user, json_true());
        arm(c);
        return;
    }
    switch (kind) {
    case OP_PUSH:
        router_push_user_here(r, user, f, 0);
        break;
    case OP_KICK:
        router_kick_local(r, user, text);
        break;
    case OP_LOGIN:
        apply_remote_login(c, user, text);
        break;
    case OP_NOTE:
        if (c->note_fn)
            c->note_fn(c->note_arg, user, text);
        break;
    case OP_ROOM_LEAVE:
        room_leave_here(r, text, user);
        break;
    case OP_ROOM_PUSH:
        break;
    }
}

/* Reads one item at *at; false (and nothing done) when it is malformed. */
static bool read_item(router_cluster_t *c, const char **at, const char *end)
{
    const char *p = *at, *nl = memchr(p, '\n', (size_t)(end - p));
    char kind;
    size_t hlen, blen;
    int used = 0;
    if (nl == NULL || sscanf(p, "%c %zu %zu\n%n", &kind, &hlen, &blen, &used) != 3 ||
        p + used != nl + 1 || hlen > (size_t)(end - nl - 1) ||
        blen > (size_t)(end - nl - 1) - hlen || kind == 0 || !strchr("PKLNQR", kind))
        return false;
    json_error_t jerr;
    json_t *header = json_loadb(nl + 1, hlen, 0, &jerr), *users = json_object_get(header, "u");
    const char *text = json_string_value(json_object_get(header, "t"));
    if (!json_is_array(users) || text == NULL) {
        json_decref(header);
        return false;
    }
    router_frame_t *f = NULL;
    if (kind == OP_PUSH || kind == OP_ROOM_PUSH)
        f = router_frame_new(xstrndup(nl + 1 + hlen, blen), blen);
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) if (json_is_string(u))
        deliver(c, kind, json_string_value(u), text, f);
    router_frame_unref(f);
    json_decref(header);
    *at = nl + 1 + hlen + blen;
    return true;
}

static void on_bus_message(void *arg, const char *data, size_t len)
{
    const char *at = data, *end = data + len;
    while (at < end) {
        if (!read_item(arg, &at, end)) {
            log_warn("router: a bus message this node cannot read (%zu bytes), rest dropped", len);
            return;
        }
    }
}

/* Every route entry of this node is rewritten by a sweep (each heartbeat, and when a Redis that
 * may have come back empty is reached again): SWEEP_BUCKETS buckets a loop pass, waiting while
 * more than SWEEP_MAX_PENDING commands are unanswered, so a node with many users neither
 * stalls its loop nor overruns the bus's in-flight limit. */
static void write_bucket(router_cluster_t *c, size_t b)
{
    router_t *r = c->r;
    for (router_session_t *s = r->buckets[b]; s; s = s->next) {
        bool seen = false;
        for (router_session_t *e = r->buckets[b]; e != s && !seen; e = e->next)
            seen = strcmp(e->user_id, s->user_id) == 0;
        if (!seen)
            write_route(c, s->user_id);
    }
}

static void write_room(void *arg, const char *room, size_t n)
{
    router_cluster_t *c = arg;
    bus_room_set(c->bus, room, n);
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    router_cluster_t *c = arg;
    if (bus_state(c->bus) != BUS_UP) {
        c->sweeping = false; /* the next on_up starts again */
        return;
    }
    struct timeval later = {0, 10 * 1000}, now = {0, 0};
    if (bus_pending(c->bus) > SWEEP_MAX_PENDING) {
        evtimer_add(c->sweep, &later);
        return;
    }
    size_t end = c->cursor + SWEEP_BUCKETS < NBUCKETS ? c->cursor + SWEEP_BUCKETS : NBUCKETS;
    for (; c->cursor < end; c->cursor++)
        write_bucket(c, c->cursor);
    if (c->cursor < NBUCKETS)
        evtimer_add(c->sweep, &now);
    else
        c->sweeping = false;
}

static void start_sweep(router_cluster_t *c)
{
    rooms_each(c->r, write_room, c);
    c->cursor = 0;
    if (!c->sweeping) {
        c->sweeping = true;
        struct timeval now = {0, 0};
        evtimer_add(c->sweep, &now);
    }
}

static void on_bus_up(void *arg)
{
    start_sweep(arg);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    router_cluster_t *c = arg;
    if (bus_state(c->bus) == BUS_UP)
        start_sweep(c);
}

/* ---- lifetime ---- */

void router_join_cluster(router_t *r, struct event_base *base, const char *bus_host, int bus_port,
                         const char *node_id, const login_rules_t *rules)
{
    router_cluster_t *c = XNEW(router_cluster_t);
    c->r = r;
    c->rules = *rules;
    c->dirty = json_object();
    c->dirty_rooms = json_object();
    c->flush = event_new(base, -1, 0, on_flush, c);
    c->heartbeat = event_new(base, -1, EV_PERSIST, on_heartbeat, c);
    c->sweep = evtimer_new(base, on_sweep, c);
    struct timeval every = {ROUTE_TTL_S / 3, 0};
    event_add(c->heartbeat, &every);
    bus_handlers_t h = {on_bus_message, on_bus_up, c};
    c->bus = bus_new(base, bus_host, bus_port, node_id, ROUTE_TTL_S, &h);
    r->cluster = c;
}

void cluster_free(router_cluster_t *c)
{
    if (c == NULL)
        return;
    bus_free(c->bus); /* answers pending lookups: their ops are freed */
    op_t *op;
    while ((op = c->head) != NULL) {
        c->head = op->next;
        op_free(op);
    }
    event_free(c->flush);
    event_free(c->heartbeat);
    event_free(c->sweep);
    json_decref(c->dirty);
    json_decref(c->dirty_rooms);
    xfree(c);
}

void router_leave_cluster(router_t *r)
{
    cluster_free(r->cluster);
    r->cluster = NULL;
}

bus_t *router_bus(const router_t *r)
{
    return r->cluster ? r->cluster->bus : NULL;
}

size_t router_cluster_pending(const router_t *r)
{
    const router_cluster_t *c = r->cluster;
    if (c == NULL)
        return 0;
    return json_object_size(c->dirty) + json_object_size(c->dirty_rooms) + (c->head != NULL) +
           bus_pending(c->bus);
}

/* ---- presence ---- */

typedef struct {
    router_t *r;
    router_presence_fn cb;
    void *arg;
} presence_ctx_t;

/* Fills out[] with this node's platforms then those of the other nodes' entries; `copies`
 * keeps the split strings until the answer was given. */
static size_t gather(const router_t *r, const char *user, const bus_route_t *routes, size_t nr,
                     const char *self, const char **out, json_t *copies)
{
    size_t n = router_user_platforms(r, user, out, MAX_PLATFORMS);
    if (n > MAX_PLATFORMS)
        n = MAX_PLATFORMS;
    for (size_t j = 0; j < nr; j++) {
        if (self && strcmp(routes[j].node, self) == 0)
            continue;
        char *list = xstrdup(routes[j].platforms), *save = NULL;
        for (char *p = strtok_r(list, ",", &save); p && n < MAX_PLATFORMS;
             p = strtok_r(NULL, ",", &save)) {
            json_t *s = json_string(p);
            json_array_append_new(copies, s);
            out[n++] = json_string_value(s);
        }
        xfree(list);
    }
    return n;
}

static void answer_presence(router_t *r, const bus_user_routes_t *users, size_t n, bool known,
                            const char *self, router_presence_fn cb, void *arg)
{
    router_presence_t *out = xcalloc(n ? n : 1, sizeof *out);
    const char **platforms = xcalloc((n ? n : 1) * MAX_PLATFORMS, sizeof *platforms);
    json_t *copies = json_array();
    for (size_t i = 0; i < n; i++) {
        const char **mine = platforms + i * MAX_PLATFORMS;
        out[i].user_id = users[i].user;
        out[i].platforms = mine;
        out[i].n = gather(r, users[i].user, users[i].routes, users[i].n, self, mine, copies);
    }
    cb(out, n, known, arg);
    json_decref(copies);
    xfree(platforms);
    xfree(out);
}

static void on_presence(const bus_user_routes_t *users, size_t n, bool ok, void *arg)
{
    presence_ctx_t *p = arg;
    answer_presence(p->r, users, n, ok, bus_node_id(p->r->cluster->bus), p->cb, p->arg);
    xfree(p);
}

void router_presence_get(router_t *r, const char *const *users, size_t n, router_presence_fn cb,
                         void *arg)
{
    if (r->cluster == NULL) {
        bus_user_routes_t *local = xcalloc(n ? n : 1, sizeof *local);
        for (size_t i = 0; i < n; i++)
            local[i].user = users[i];
        answer_presence(r, local, n, true, NULL, cb, arg);
        xfree(local);
        return;
    }
    presence_ctx_t *p = XNEW(presence_ctx_t);
    *p = (presence_ctx_t){r, cb, arg};
    bus_route_get(r->cluster->bus, users, n, on_presence, p);
}
