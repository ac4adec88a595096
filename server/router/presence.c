#include <string.h>

#include "core/xalloc.h"
#include "router/router.h"

#define NBUCKETS 4096

struct router_session {
    char *user_id;
    char *platform;
    void *owner;
    router_kick_fn kick;
    struct router_session *next; /* same bucket */
};

struct router {
    router_session_t *buckets[NBUCKETS];
    size_t count;
};

static unsigned bucket_of(const char *user_id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)user_id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % NBUCKETS;
}

router_t *router_new(void)
{
    return XNEW(router_t);
}

void router_free(router_t *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < NBUCKETS; i++) {
        router_session_t *s = r->buckets[i];
        while (s) {
            router_session_t *next = s->next;
            xfree(s->user_id);
            xfree(s->platform);
            xfree(s);
            s = next;
        }
    }
    xfree(r);
}

router_session_t *router_session_add(router_t *r, const char *user_id, const char *platform,
                                     void *owner, router_kick_fn kick)
{
    router_session_t *s = XNEW(router_session_t);
    s->user_id = xstrdup(user_id);
    s->platform = xstrdup(platform);
    s->owner = owner;
    s->kick = kick;
    unsigned b = bucket_of(user_id);
    s->next = r->buckets[b];
    r->buckets[b] = s;
    r->count++;
    return s;
}

void router_session_remove(router_t *r, router_session_t *s)
{
    router_session_t **pp = &r->buckets[bucket_of(s->user_id)];
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp == NULL)
        return;
    *pp = s->next;
    r->count--;
    xfree(s->user_id);
    xfree(s->platform);
    xfree(s);
}

size_t router_user_platforms(const router_t *r, const char *user_id, const char **platforms,
                             size_t max)
{
    size_t n = 0;
    for (const router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = s->next) {
        if (strcmp(s->user_id, user_id) != 0)
            continue;
        if (n < max)
            platforms[n] = s->platform;
        n++;
    }
    return n;
}

size_t router_kick_user(router_t *r, const char *user_id, const char *reason)
{
    size_t n = 0;
    for (router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = s->next) {
        if (strcmp(s->user_id, user_id) == 0) {
            s->kick(s->owner, reason);
            n++;
        }
    }
    return n;
}

size_t router_session_count(const router_t *r)
{
    return r->count;
}
