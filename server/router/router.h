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

/* Delivers a frame to the user's session on connection conn_id; false when there is none. */
bool router_push_conn(router_t *r, const char *user_id, uint64_t conn_id, router_frame_t *f);

/* Fills up to `max` platforms of the user's online sessions; returns how many sessions exist. */
size_t router_user_platforms(const router_t *r, const char *user_id, const char **platforms,
                             size_t max);
/* Asks every session of the user to close; returns how many were asked. */
size_t router_kick_user(router_t *r, const char *user_id, const char *reason);
/* Sessions on this node. */
size_t router_session_count(const router_t *r);

#endif
