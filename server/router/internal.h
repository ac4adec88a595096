/* router's private structures, shared by presence.c (this node) and cluster.c (other nodes). */
#ifndef CHATD_ROUTER_INTERNAL_H
#define CHATD_ROUTER_INTERNAL_H

#include "router/policy.h"
#include "router/router.h"

#define NBUCKETS 4096

struct router_session {
    char *user_id;
    char *platform;
    void *owner;
    router_kick_fn kick;
    router_deliver_fn deliver;
    uint64_t order; /* login order, for "oldest first" */
    uint64_t conn_id;
    int64_t login_ms;            /* wall clock at router_session_add */
    bool background;             /* the app said doBackground (offline push goes to it) */
    struct router_session *next; /* same bucket */
};

struct router_frame {
    int refs;
    size_t len;
    char *text;
    int64_t committed_us; /* the message's commit (mono_us), 0: none: the deliver latency */
};

typedef struct router_cluster router_cluster_t;
typedef struct router_rooms router_rooms_t;

struct router {
    router_session_t *buckets[NBUCKETS];
    size_t count;
    uint64_t next_order;
    router_cluster_t *cluster; /* NULL: a single node */
    router_rooms_t *rooms;     /* live rooms (room.c); NULL until the first join */
};

/* This node only (presence.c). */
size_t router_kick_local(router_t *r, const char *user_id, const char *reason);

/* cluster.c: the bus side of each operation; each is a no-op on a single node. */
void cluster_sessions_changed(router_t *r, const char *user_id);
void cluster_push(router_t *r, const char *user_id, router_frame_t *f);
void cluster_kick(router_t *r, const char *user_id, const char *reason);
void cluster_free(router_cluster_t *c);
/* A room's viewer count here changed: its bus entry is rewritten at the end of the pass. */
void cluster_room_changed(router_t *r, const char *room);
void cluster_room_push(router_t *r, const char *room, router_frame_t *f);
void cluster_room_leave(router_t *r, const char *room, const char *user);

/* room.c: this node's side. */
void rooms_user_gone(router_t *r, const char *user_id); /* the user's last session here went */
void rooms_free(router_t *r);
bool room_leave_here(router_t *r, const char *room, const char *user);
size_t room_push_here(router_t *r, const char *room, router_frame_t *f, uint64_t skip_conn);
/* Calls fn for every room here with its viewer count. */
void rooms_each(const router_t *r, void (*fn)(void *arg, const char *room, size_t n), void *arg);

#endif
