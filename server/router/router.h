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

#include <stddef.h>
#include <stdint.h>

typedef struct router router_t;
typedef struct router_session router_session_t;

/* Called when the router wants a session closed (kick). The door closes it later (never inside
 * this call) and then calls router_session_remove(). */
typedef void (*router_kick_fn)(void *owner, const char *reason);

router_t *router_new(void);
void router_free(router_t *r);

router_session_t *router_session_add(router_t *r, const char *user_id, const char *platform,
                                     void *owner, router_kick_fn kick);
void router_session_remove(router_t *r, router_session_t *s);

/* Fills up to `max` platforms of the user's online sessions; returns how many sessions exist. */
size_t router_user_platforms(const router_t *r, const char *user_id, const char **platforms,
                             size_t max);
/* Asks every session of the user to close; returns how many were asked. */
size_t router_kick_user(router_t *r, const char *user_id, const char *reason);
/* Sessions on this node. */
size_t router_session_count(const router_t *r);

#endif
