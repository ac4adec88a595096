/*
 * router — who is online on this node, and delivery to their sessions.
 *
 * Doors that hold client sessions (ws/) register each logged-in session here with a kick hook;
 * the API asks the router for presence (query_online_status) and to kick users (REST kick).
 * Every call is O(sessions of that user). Single-threaded: loop thread only.
 *
 * Ownership: the router stores the session's `user_id` and `platform` copies; `owner` is the
 * door's pointer, passed back to the hooks and never dereferenced here.
 */
#ifndef CHATD_ROUTER_ROUTER_H
#define CHATD_ROUTER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "router/policy.h"

struct event_base;
typedef struct bus bus_t;
typedef struct router router_t;
typedef struct router_session router_session_t;

/* A serialized push ({"event": …, "body": …}) shared by every recipient: built once, referenced
 * by each session's output buffer, freed when the last reference goes. */
typedef struct router_frame router_frame_t;
/* Takes ownership of `text` (allocated with malloc, e.g. by json_dumps). Starts with 1 ref. */
router_frame_t *router_frame_new(char *text, size_t len);
router_frame_t *router_frame_from_json(const char *event, void *json_body_stolen);
void router_frame_ref(router_frame_t *f);
void router_frame_unref(router_frame_t *f);
const char *router_frame_data(const router_frame_t *f);
size_t router_frame_len(const router_frame_t *f);
/* A new-message push carries the moment its message committed (mono_us()), so the door that
 * writes it to a socket can measure send -> deliver; 0 (the default): not timed. */
void router_frame_set_committed(router_frame_t *f, int64_t committed_us);
int64_t router_frame_committed(const router_frame_t *f);

/* Called when the router wants a session closed (kick). The door closes it later (never inside
 * this call) and then calls router_session_remove(). */
typedef void (*router_kick_fn)(void *owner, const char *reason);
/* Queues a frame on the session's connection; the door takes its own reference if it keeps it. */
typedef void (*router_deliver_fn)(void *owner, router_frame_t *frame);

router_t *router_new(void);
void router_free(router_t *r);

/* conn_id identifies the door's connection (never 0); pushes can skip it. */
router_session_t *router_session_add(router_t *r, const char *user_id, const char *platform,
                                     uint64_t conn_id, void *owner, router_kick_fn kick,
                                     router_deliver_fn deliver);
void router_session_remove(router_t *r, router_session_t *s);

/* The user's sessions, oldest login first: fills up to `max`, returns how many exist. */
size_t router_user_sessions(const router_t *r, const char *user_id, router_session_t **out,
                            size_t max);
const char *router_session_platform(const router_session_t *s);
uint64_t router_session_conn_id(const router_session_t *s);
/* When the session logged in: wall-clock milliseconds. */
int64_t router_session_login_ms(const router_session_t *s);
void *router_session_owner(const router_session_t *s);
/* Asks one session to close. */
void router_session_kick(router_session_t *s, const char *reason);

/* Delivers a frame to every session of the user except connection `skip_conn` (0: none);
 * returns how many got it. */
size_t router_push_user(router_t *r, const char *user_id, router_frame_t *f, uint64_t skip_conn);

/* The same for this node's sessions only: for pushes each node computes for its own sessions
 * (conversation rows, from a note of router_note_elsewhere()). */
size_t router_push_user_here(router_t *r, const char *user_id, router_frame_t *f,
                             uint64_t skip_conn);

/* Delivers a frame to the user's session on connection conn_id; false when there is none. */
bool router_push_conn(router_t *r, const char *user_id, uint64_t conn_id, router_frame_t *f);

/* Fills up to `max` platforms of the user's online sessions; returns how many sessions exist. */
size_t router_user_platforms(const router_t *r, const char *user_id, const char **platforms,
                             size_t max);
/* Offline push (push/): a session whose app went to the background (doBackground) still
 * receives pushes, but counts as away. Sets the flag of the user's session on conn_id; false
 * when there is none. */
bool router_session_set_background(router_t *r, const char *user_id, uint64_t conn_id,
                                   bool background);
/* Whether the user has a session in the foreground on this node: O(sessions of the user), no
 * query. (Sessions on other nodes are not known here: docs/push.md.) */
bool router_user_foreground(const router_t *r, const char *user_id);

/* Asks every session of the user to close; returns how many were asked. */
size_t router_kick_user(router_t *r, const char *user_id, const char *reason);
/* Sessions on this node. */
size_t router_session_count(const router_t *r);

/* The reason a session pushed out by a newer login is kicked with (here or on another node). */
#define ROUTER_KICK_BY_LOGIN "logged in on another device"

/*
 * Several nodes (bus/bus.h). After router_join_cluster() the router also reaches the sessions
 * other nodes hold: it keeps this node's route entries in the bus (written when a user's
 * sessions here change, rewritten every ttl/3 seconds and whenever the bus comes back, removed
 * when the user's last session here goes), and router_push_user() / router_kick_user() also
 * send to the nodes whose entries name the user. What is sent in one loop pass is gathered:
 * one route lookup per frame, then ONE bus message per receiving node however many of the
 * frame's recipients it holds. Never to every node, never back to this one. All of it may be
 * lost (the bus is not durable); the counts these functions return are this node's.
 */
void router_join_cluster(router_t *r, struct event_base *base, const char *bus_host, int bus_port,
                         const char *node_id, const login_rules_t *rules);
/* Closes the bus first at shutdown: pending presence lookups are answered (known = false) while
 * the doors can still reply. After it the router is a single node's. */
void router_leave_cluster(router_t *r);
/* The bus, or NULL on a single node (readiness and drain look at its state). */
bus_t *router_bus(const router_t *r);
/* Route writes and sends not yet answered by the bus (the drain waits for them). */
size_t router_cluster_pending(const router_t *r);

/* A login of `user_id` on `platform` here: the other nodes holding the user apply the login
 * policy to their sessions, as if this newest one had logged in there (kicking with
 * ROUTER_KICK_BY_LOGIN). This node's own sessions are the caller's (ws/) to apply it to. */
void router_login_elsewhere(router_t *r, const char *user_id, const char *platform);

/* A note for another module about a user (e.g. "their conversation changed"): handed to the
 * handler on each other node that holds the user's sessions. Notes of one loop pass with the
 * same text are gathered into one bus message per node. One handler per router. */
typedef void (*router_note_fn)(void *arg, const char *user_id, const char *note);
void router_set_note_handler(router_t *r, router_note_fn fn, void *arg);
void router_note_elsewhere(router_t *r, const char *user_id, const char *note);

/* Presence across nodes. users[i].platforms are every session's platform, this node's first. */
typedef struct {
    const char *user_id;
    const char *const *platforms;
    size_t n;
} router_presence_t;
/* Called once with n entries, in the order asked; pointers valid during the call only. `known`
 * false: the bus was down, only this node's sessions are counted. */
typedef void (*router_presence_fn)(const router_presence_t *users, size_t n, bool known, void *arg);
/* Looks the users up on every node. On a single node cb runs before this returns; otherwise
 * after one bus round trip. */
void router_presence_get(router_t *r, const char *const *users, size_t n, router_presence_fn cb,
                         void *arg);

/*
 * Live rooms (AVChatRoom): viewers are held here, in memory, never as member rows. A viewer is
 * a user with a session on this node who joined the room; the user leaves when asked
 * (router_room_leave), or when their last session on this node goes. Pushes to a room reach
 * every session of every viewer here and, with a bus, the nodes that hold viewers of it: each
 * node keeps one room entry per room with its viewer count (bus_room_set), rewritten with the
 * route entries' heartbeat; a room push is one room lookup and one bus message per other node.
 * The counts across nodes add each node's viewers (a user watching from two nodes counts twice).
 */
typedef struct {
    const char *user;
    int64_t join_ms; /* wall clock */
} router_viewer_t;

/* Adds user to the room; false when the user has no session here (nothing changes). Joining
 * again keeps the first join time. */
bool router_room_join(router_t *r, const char *room, const char *user);
/* Removes the user from the room here and on the other nodes that hold their sessions (a ban
 * or a quit reaches every device). True when the user was a viewer here. */
bool router_room_leave(router_t *r, const char *room, const char *user);
bool router_room_has(const router_t *r, const char *room, const char *user);
/* Viewers here. */
size_t router_room_count_here(const router_t *r, const char *room);
/* Fills out with up to max viewers here, newest join first; returns how many were filled.
 * Pointers are valid until the room next changes. */
size_t router_room_viewers(const router_t *r, const char *room, router_viewer_t *out, size_t max);
/* Pushes f to the sessions of every viewer here (except connection skip_conn) and sends it to
 * the other nodes with viewers. Returns the viewers reached here. */
size_t router_room_push(router_t *r, const char *room, router_frame_t *f, uint64_t skip_conn);
/* Drops the room here (the group is gone). */
void router_room_close(router_t *r, const char *room);
/* Viewers on every node: cb(count, known) at once on a single node, after one bus round trip
 * on several; known false: the bus was down, count is this node's. */
typedef void (*router_room_count_fn)(size_t count, bool known, void *arg);
void router_room_count(router_t *r, const char *room, router_room_count_fn cb, void *arg);

#endif
