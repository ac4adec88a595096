/* The group member cache (member lists and receive options for fan-out) and pushes to members. */
#include "api/group/cache.h"

#include <string.h>

#include "api/group/rules.h"
#include "core/hash.h"
#include "core/state.h"
#include "core/xalloc.h"
#include "router/router.h"

#define CACHE_BUCKETS 1024

/* ---- the member cache ---- */

typedef struct waiter {
    void (*fn)(const api_env_t *env, bool found, const char *type, char **members, const int *opts,
               size_t n, void *arg);
    void *arg;
    struct waiter *next;
} waiter_t;

/* LOADING: the member list is being read, callers wait; READY: it answers at once; STALE: the
 * group changed while it was loading, so the result is handed to the waiters and dropped. A
 * STALE entry is out of the table already; a READY one is freed the moment it goes stale. */
typedef enum { ENTRY_LOADING, ENTRY_READY, ENTRY_STALE } entry_state_t;

static const unsigned entry_moves[] = {
    [ENTRY_LOADING] = STATE_BIT(ENTRY_READY) | STATE_BIT(ENTRY_STALE),
    [ENTRY_READY] = 0,
    [ENTRY_STALE] = 0,
};

typedef struct entry {
    char *group_id;
    char *type;
    char **members;
    int *opts; /* each member's receive option for this group */
    size_t n;
    entry_state_t state;
    waiter_t *waiters;
    struct group_cache *cache;
    struct entry *next;
} entry_t;

struct group_cache {
    const api_env_t *env;
    entry_t *buckets[CACHE_BUCKETS];
};

static unsigned bucket_of(const char *id)
{
    return hash_str(id) % CACHE_BUCKETS;
}

static entry_t **find_slot(struct group_cache *c, const char *group_id)
{
    entry_t **pp = &c->buckets[bucket_of(group_id)];
    while (*pp && strcmp((*pp)->group_id, group_id) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void entry_free(entry_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        xfree(e->members[i]);
    xfree(e->members);
    xfree(e->opts);
    xfree(e->type);
    xfree(e->group_id);
    xfree(e);
}

group_cache_t *group_cache_new(const api_env_t *env)
{
    group_cache_t *c = XNEW(group_cache_t);
    c->env = env;
    return c;
}

void group_cache_free(group_cache_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        entry_t *e = c->buckets[i];
        while (e) {
            entry_t *next = e->next;
            /* A load still in flight owns its entry (it was failed by the pool already). */
            if (e->state == ENTRY_READY)
                entry_free(e);
            e = next;
        }
    }
    xfree(c);
}

static void entry_set_state(entry_t *e, entry_state_t to)
{
    assert(STATE_ALLOWED(entry_moves, e->state, to));
    e->state = to;
}

static void on_loaded(err_t err, bool found, const char *type, const store_ids_t *ids,
                      const int *opts, void *arg)
{
    entry_t *e = arg;
    bool ok = err == ERR_OK && found;
    if (ok) {
        e->type = xstrdup(type);
        e->members = xcalloc(ids->n ? ids->n : 1, sizeof(char *));
        e->opts = xcalloc(ids->n ? ids->n : 1, sizeof(int));
        for (size_t i = 0; i < ids->n; i++) {
            e->members[i] = xstrdup(ids->ids[i]);
            e->opts[i] = opts[i];
        }
        e->n = ids->n;
    }
    /* Waiters may ask for this group again (they join the list) or change it (stale). */
    while (e->waiters) {
        waiter_t *w = e->waiters;
        e->waiters = NULL;
        while (w) {
            waiter_t *next = w->next;
            w->fn(NULL, ok, e->type, e->members, e->opts, e->n, w->arg);
            xfree(w);
            w = next;
        }
    }
    if (!ok || e->state == ENTRY_STALE) {
        entry_t **slot = find_slot(e->cache, e->group_id);
        if (*slot == e)
            *slot = e->next;
        entry_free(e);
        return;
    }
    entry_set_state(e, ENTRY_READY);
}

/* Calls fn with the group's members, from the cache or after one load (several callers of the
 * same group share it). fn's env argument is unused (NULL); callers keep their own. */
void group_cache_get(group_cache_t *c, const char *group_id, cache_fn fn, void *arg)
{
    entry_t **slot = find_slot(c, group_id);
    entry_t *e = *slot;
    if (e && e->state == ENTRY_READY) {
        fn(NULL, true, e->type, e->members, e->opts, e->n, arg);
        return;
    }
    waiter_t *w = XNEW(waiter_t);
    w->fn = fn;
    w->arg = arg;
    if (e) {
        /* In arrival order: two sends waiting for the same load keep their order. */
        waiter_t **tail = &e->waiters;
        while (*tail)
            tail = &(*tail)->next;
        *tail = w;
        return;
    }
    e = XNEW(entry_t);
    e->group_id = xstrdup(group_id);
    e->cache = c;
    e->state = ENTRY_LOADING;
    e->waiters = w;
    *slot = e;
    store_group_fanout(c->env->db, group_id, on_loaded, e);
}

void group_members_changed(const api_env_t *env, const char *group_id)
{
    entry_t **slot = find_slot(env->groups, group_id);
    entry_t *e = *slot;
    if (e == NULL)
        return;
    *slot = e->next;
    e->next = NULL;
    if (e->state == ENTRY_LOADING)
        entry_set_state(e, ENTRY_STALE); /* on_loaded frees it */
    else
        entry_free(e);
}

bool group_is_member(char **members, size_t n, const char *user)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(members[i], user) == 0)
            return true;
    return false;
}

/* ---- pushes ---- */

/* Pushes one frame to the given members (and `also`), skipping connection `skip`. Returns how
 * many members have sessions here. */
size_t group_push_members(const api_env_t *env, char **members, size_t n, router_frame_t *f,
                          uint64_t skip, const char *also)
{
    size_t online = 0;
    for (size_t i = 0; i < n; i++)
        online += router_push_user(env->router, members[i], f, skip) > 0;
    if (also && !group_is_member(members, n, also))
        router_push_user(env->router, also, f, skip);
    return online;
}

typedef struct {
    const api_env_t *env;
    router_frame_t *frame;
    char *group_id;
    char *also;
} push_ctx_t;

static void on_push_members(const api_env_t *unused, bool found, const char *type, char **members,
                            const int *opts, size_t n, void *arg)
{
    push_ctx_t *p = arg;
    group_type_t t = GROUP_WORK;
    if (found && group_type_parse(type, &t) && t == GROUP_AVCHATROOM) {
        /* A live room's events reach its viewers, wherever they are, and the members here. */
        router_room_push(p->env->router, p->group_id, p->frame, 0);
        if (p->also)
            router_push_user(p->env->router, p->also, p->frame, 0);
    } else if (found)
        group_push_members(p->env, members, n, p->frame, 0, p->also);
    else if (p->also)
        router_push_user(p->env->router, p->also, p->frame, 0);
    router_frame_unref(p->frame);
    xfree(p->group_id);
    xfree(p->also);
    xfree(p);
}

void group_push(const api_env_t *env, const char *group_id, const char *event, json_t *body,
                const char *also)
{
    push_ctx_t *p = XNEW(push_ctx_t);
    p->env = env;
    p->frame = router_frame_from_json(event, body);
    p->group_id = xstrdup(group_id);
    p->also = also ? xstrdup(also) : NULL;
    group_cache_get(env->groups, group_id, on_push_members, p);
}
