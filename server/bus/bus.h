/*
 * bus — the link between chatd nodes that share one PostgreSQL (docs/operations.md, "Several
 * nodes"): messages to a node, and the route table (which node holds which user's sessions).
 *
 * The bus may lose anything: PostgreSQL stays the only durable log, and a client that missed a
 * push repairs the gap with syncMessages by sequence. So every call here is fire-and-forget or
 * answers "unknown" while the bus is down; nothing waits for it.
 *
 * Implementation: Redis 7 reached with hiredis and its libevent adapter (redis.c is the only
 * includer of hiredis; a NATS implementation would replace that one file). Two connections: one
 * for commands, one subscribed to this node's channel `chatd:node:<node_id>`. Both reconnect
 * with exponential backoff (100 ms doubling to 5 s); host names resolve through evdns, never a
 * blocking lookup on the loop. Commands left unanswered for 3 s (a hung Redis) drop the command
 * connection: their callbacks are answered as failed and it reconnects, so nothing waits long.
 *
 * Route table: one Redis hash per user, `chatd:route:<user>`, field = node ID, value =
 * "<unix seconds> <platform>,<platform>,…" (one platform per session). The owner rewrites its
 * fields every ttl/3 seconds (the router's heartbeat) and the key expires after ttl seconds; a
 * field older than ttl is a dead node's and ignored by readers, so a node killed without a word
 * stops receiving its users' pushes within ttl.
 *
 * States: CONNECTING (start-up) -> UP (both connections ready, subscribed) -> DOWN (one lost;
 * reconnecting) -> UP … While not UP, publishes and route writes are dropped (counted) and
 * lookups answer ok = false.
 *
 * Ownership: the bus copies every string it is given. Callbacks fire on the loop thread, never
 * inside the call that registered them. Single-threaded.
 */
#ifndef CHATD_BUS_BUS_H
#define CHATD_BUS_BUS_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
typedef struct bus bus_t;

typedef enum {
    BUS_CONNECTING = 0,
    BUS_UP,
    BUS_DOWN,
} bus_state_t;

typedef struct {
    /* A message published to this node (data is valid during the call only). */
    void (*on_message)(void *arg, const char *data, size_t len);
    /* Both connections are (again) ready: the route entries this node owns should be rewritten,
     * since a restarted Redis has lost them. */
    void (*on_up)(void *arg);
    void *arg;
} bus_handlers_t;

/* Starts connecting to Redis at host:port (config's bus_url, parsed); never fails: an
 * unreachable Redis is retried with backoff. `route_ttl_s` ≥ 3. */
bus_t *bus_new(struct event_base *base, const char *host, int port, const char *node_id,
               int route_ttl_s, const bus_handlers_t *handlers);
/* Closes both connections; pending lookups are answered with ok = false first. */
void bus_free(bus_t *b);

bus_state_t bus_state(const bus_t *b);
const char *bus_state_name(bus_state_t s);
const char *bus_node_id(const bus_t *b);
int bus_route_ttl_s(const bus_t *b);
/* Commands sent and not yet answered (the drain waits for its route removals). */
size_t bus_pending(const bus_t *b);

/* Sends data to node `node`'s channel. False when the bus is down (the message is dropped). */
bool bus_publish(bus_t *b, const char *node, const char *data, size_t len);

/* Sets this node's entry for `user` (platforms: "Web,Android", one per session) and extends the
 * key's TTL. */
void bus_route_set(bus_t *b, const char *user, const char *platforms);
/* Removes this node's entry for `user`. */
void bus_route_del(bus_t *b, const char *user);

/* One user's live entries: node IDs with their platforms (this node's own entry included). */
typedef struct {
    const char *node;
    const char *platforms;
} bus_route_t;

typedef struct {
    const char *user;
    const bus_route_t *routes;
    size_t n;
} bus_user_routes_t;

/* users[i] answered in order; every pointer is valid during the call only. ok false: the bus
 * was down or the lookup failed (users then has n entries with no routes). */
typedef void (*bus_routes_fn)(const bus_user_routes_t *users, size_t n, bool ok, void *arg);
/* Looks up the entries of n users in one round trip; cb is called exactly once, later. */
void bus_route_get(bus_t *b, const char *const *users, size_t n, bus_routes_fn cb, void *arg);

/* AVChatRoom rooms (router's live rooms): one Redis hash per room, `chatd:room:<group>`, field
 * = node ID, value "<unix seconds> <viewers on that node>", with the route table's TTL and
 * heartbeat. bus_room_get answers like bus_route_get, with the room IDs as `user` and each
 * node's viewer count (decimal text) as `platforms`. */
void bus_room_set(bus_t *b, const char *room, size_t viewers);
void bus_room_del(bus_t *b, const char *room);
void bus_room_get(bus_t *b, const char *const *rooms, size_t n, bus_routes_fn cb, void *arg);

#endif
