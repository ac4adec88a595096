/*
 * group/cache — the member cache of the group area (private to api/group/).
 *
 * Per group it keeps the member list and each member's receive option, loaded with one query
 * and shared by every caller waiting for the same group. group_members_changed() (group.h)
 * forgets an entry; a load that was under way when the group changed is not kept.
 */
#ifndef CHATD_API_GROUP_CACHE_H
#define CHATD_API_GROUP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "api/group/group.h"
#include "router/router.h"

/* Called once with the group's members (found = false: no such group or the load failed). The
 * arrays belong to the cache and are valid during the call only. env is NULL: callers keep
 * their own. */
typedef void (*cache_fn)(const api_env_t *env, bool found, const char *type, char **members,
                         const int *opts, size_t n, void *arg);

/* Calls fn from the cache at once, or after one load (callers of the same group share it, in
 * arrival order). */
void group_cache_get(group_cache_t *c, const char *group_id, cache_fn fn, void *arg);

bool group_is_member(char **members, size_t n, const char *user);

/* Pushes frame `f` to the given members (and `also`, may be NULL), skipping connection `skip`.
 * Returns how many members have sessions on this node. */
size_t group_push_members(const api_env_t *env, char **members, size_t n, router_frame_t *f,
                          uint64_t skip, const char *also);

#endif
