/* Live rooms on this node (router.h, "Live rooms"): viewers in memory, never in PostgreSQL.
 *
 * Each room keeps its viewers in an array (pushes walk it; a leave swaps the last one into the
 * gap), and every viewer is also chained under its user's hash bucket, so "is alice in room X",
 * "alice's last session went" and a leave cost the few rooms a user watches, never a walk of a
 * room of 50,000. */
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "core/clock.h"
#include "core/hash.h"
#include "core/xalloc.h"
#include "router/internal.h"

#define ROOM_BUCKETS 1024
#define VIEWER_BUCKETS 16384

typedef struct room room_t;

typedef struct viewer {
    room_t *room;
    char *user;
    int64_t join_ms;
    size_t index;                /* in room->v */
    struct viewer *next_of_hash; /* same user bucket */
} viewer_t;

struct room {
    char *id;
    viewer_t **v;
    size_t n, cap;
    room_t *next;
};

struct router_rooms {
    room_t *rooms[ROOM_BUCKETS];
    viewer_t *viewers[VIEWER_BUCKETS];
};

static room_t **room_slot(router_rooms_t *rs, const char *id)
{
    room_t **pp = &rs->rooms[hash_str(id) % ROOM_BUCKETS];
    while (*pp && strcmp((*pp)->id, id) != 0)
        pp = &(*pp)->next;
    return pp;
}

static room_t *room_find(const router_t *r, const char *id)
{
    return r->rooms ? *room_slot(r->rooms, id) : NULL;
}

static viewer_t **viewer_slot(router_rooms_t *rs, const room_t *room, const char *user)
{
    viewer_t **pp = &rs->viewers[hash_str(user) % VIEWER_BUCKETS];
    while (*pp && !((*pp)->room == room && strcmp((*pp)->user, user) == 0))
        pp = &(*pp)->next_of_hash;
    return pp;
}

static void room_drop(router_rooms_t *rs, room_t *room)
{
    room_t **slot = room_slot(rs, room->id);
    if (*slot == room)
        *slot = room->next;
    xfree(room->v);
    xfree(room->id);
    xfree(room);
}

/* Unlinks *slot's viewer from its room and frees it; an empty room goes too. */
static void viewer_remove(router_t *r, viewer_t **slot)
{
    viewer_t *v = *slot;
    room_t *room = v->room;
    *slot = v->next_of_hash;
    room->v[v->index] = room->v[--room->n];
    room->v[v->index]->index = v->index;
    cluster_room_changed(r, room->id);
    xfree(v->user);
    xfree(v);
    if (room->n == 0)
        room_drop(r->rooms, room);
}

bool router_room_join(router_t *r, const char *room_id, const char *user)
{
    if (router_user_platforms(r, user, NULL, 0) == 0)
        return false;
    if (r->rooms == NULL)
        r->rooms = XNEW(router_rooms_t);
    room_t **rslot = room_slot(r->rooms, room_id), *room = *rslot;
    if (room == NULL) {
        room = *rslot = XNEW(room_t);
        room->id = xstrdup(room_id);
    }
    viewer_t **slot = viewer_slot(r->rooms, room, user);
    if (*slot)
        return true;
    viewer_t *v = XNEW(viewer_t);
    v->room = room;
    v->user = xstrdup(user);
    v->join_ms = wall_ms();
    if (room->n == room->cap) {
        room->cap = room->cap ? room->cap * 2 : 8;
        room->v = xrealloc(room->v, room->cap * sizeof *room->v);
    }
    v->index = room->n;
    room->v[room->n++] = v;
    *slot = v;
    cluster_room_changed(r, room_id);
    return true;
}

bool room_leave_here(router_t *r, const char *room_id, const char *user)
{
    room_t *room = room_find(r, room_id);
    if (room == NULL)
        return false;
    viewer_t **slot = viewer_slot(r->rooms, room, user);
    if (*slot == NULL)
        return false;
    viewer_remove(r, slot);
    return true;
}

bool router_room_leave(router_t *r, const char *room_id, const char *user)
{
    cluster_room_leave(r, room_id, user);
    return room_leave_here(r, room_id, user);
}

bool router_room_has(const router_t *r, const char *room_id, const char *user)
{
    room_t *room = room_find(r, room_id);
    return room && *viewer_slot(r->rooms, room, user) != NULL;
}

size_t router_room_count_here(const router_t *r, const char *room_id)
{
    room_t *room = room_find(r, room_id);
    return room ? room->n : 0;
}

static int by_join_desc(const void *a, const void *b)
{
    const router_viewer_t *x = a, *y = b;
    return x->join_ms > y->join_ms ? -1 : x->join_ms < y->join_ms;
}

size_t router_room_viewers(const router_t *r, const char *room_id, router_viewer_t *out, size_t max)
{
    room_t *room = room_find(r, room_id);
    if (room == NULL || max == 0)
        return 0;
    /* Joins append, leaves swap: the array is nearly in join order, sorted for the page. */
    router_viewer_t *all = xcalloc(room->n, sizeof *all);
    for (size_t i = 0; i < room->n; i++)
        all[i] = (router_viewer_t){room->v[i]->user, room->v[i]->join_ms};
    qsort(all, room->n, sizeof *all, by_join_desc);
    size_t n = room->n < max ? room->n : max;
    memcpy(out, all, n * sizeof *out);
    xfree(all);
    return n;
}

size_t room_push_here(router_t *r, const char *room_id, router_frame_t *f, uint64_t skip_conn)
{
    room_t *room = room_find(r, room_id);
    if (room == NULL)
        return 0;
    size_t reached = 0;
    /* Delivery never removes a session inside the call (doors close later), so the array
     * holds still while it is walked. */
    for (size_t i = 0; i < room->n; i++)
        reached += router_push_user_here(r, room->v[i]->user, f, skip_conn) > 0;
    return reached;
}

size_t router_room_push(router_t *r, const char *room_id, router_frame_t *f, uint64_t skip_conn)
{
    cluster_room_push(r, room_id, f);
    return room_push_here(r, room_id, f, skip_conn);
}

void router_room_close(router_t *r, const char *room_id)
{
    room_t *room = room_find(r, room_id);
    while (room && room->n > 0) {
        viewer_t *v = room->v[room->n - 1];
        bool last = room->n == 1;
        viewer_remove(r, viewer_slot(r->rooms, room, v->user));
        if (last)
            break;
    }
}

void rooms_user_gone(router_t *r, const char *user_id)
{
    if (r->rooms == NULL)
        return;
    viewer_t **pp = &r->rooms->viewers[hash_str(user_id) % VIEWER_BUCKETS];
    while (*pp) {
        if (strcmp((*pp)->user, user_id) == 0)
            viewer_remove(r, pp);
        else
            pp = &(*pp)->next_of_hash;
    }
}

void rooms_each(const router_t *r, void (*fn)(void *arg, const char *room, size_t n), void *arg)
{
    if (r->rooms == NULL)
        return;
    for (size_t b = 0; b < ROOM_BUCKETS; b++)
        for (room_t *room = r->rooms->rooms[b]; room; room = room->next)
            fn(arg, room->id, room->n);
}

void rooms_free(router_t *r)
{
    router_rooms_t *rs = r->rooms;
    if (rs == NULL)
        return;
    for (size_t b = 0; b < VIEWER_BUCKETS; b++) {
        viewer_t *v = rs->viewers[b];
        while (v) {
            viewer_t *next = v->next_of_hash;
            xfree(v->user);
            xfree(v);
            v = next;
        }
    }
    for (size_t b = 0; b < ROOM_BUCKETS; b++) {
        room_t *room = rs->rooms[b];
        while (room) {
            room_t *next = room->next;
            xfree(room->v);
            xfree(room->id);
            xfree(room);
            room = next;
        }
    }
    xfree(rs);
    r->rooms = NULL;
}

/* ---- across nodes: the single-node answer when there is no bus ---- */

typedef struct {
    router_t *r;
    char *room;
    router_room_count_fn cb;
    void *arg;
} count_ctx_t;

static void on_room_entries(const bus_user_routes_t *rooms, size_t n, bool ok, void *arg)
{
    count_ctx_t *c = arg;
    size_t count = router_room_count_here(c->r, c->room);
    const char *self = c->r->cluster ? bus_node_id(router_bus(c->r)) : "";
    for (size_t i = 0; ok && i < n; i++)
        for (size_t j = 0; j < rooms[i].n; j++)
            if (strcmp(rooms[i].routes[j].node, self) != 0)
                count += (size_t)strtoull(rooms[i].routes[j].platforms, NULL, 10);
    c->cb(count, ok, c->arg);
    xfree(c->room);
    xfree(c);
}

void router_room_count(router_t *r, const char *room_id, router_room_count_fn cb, void *arg)
{
    bus_t *bus = router_bus(r);
    if (bus == NULL) {
        cb(router_room_count_here(r, room_id), true, arg);
        return;
    }
    count_ctx_t *c = XNEW(count_ctx_t);
    *c = (count_ctx_t){r, xstrdup(room_id), cb, arg};
    const char *ids[] = {room_id};
    bus_room_get(bus, ids, 1, on_room_entries, c);
}
