#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hash.h"
#include "core/xalloc.h"
#include "router/internal.h"
#include "router/router.h"

router_frame_t *router_frame_new(char *text, size_t len)
{
    router_frame_t *f = XNEW(router_frame_t);
    f->refs = 1;
    f->text = text;
    f->len = len;
    return f;
}

router_frame_t *router_frame_from_json(const char *event, void *json_body_stolen)
{
    json_t *frame = json_pack("{s:s, s:o}", "event", event, "body", (json_t *)json_body_stolen);
    char *text = json_dumps(frame, JSON_COMPACT);
    json_decref(frame);
    return router_frame_new(text, strlen(text));
}

void router_frame_ref(router_frame_t *f)
{
    f->refs++;
}

void router_frame_unref(router_frame_t *f)
{
    if (f && --f->refs == 0) {
        free(f->text);
        xfree(f);
    }
}

const char *router_frame_data(const router_frame_t *f)
{
    return f->text;
}

size_t router_frame_len(const router_frame_t *f)
{
    return f->len;
}

void router_frame_set_committed(router_frame_t *f, int64_t committed_us)
{
    f->committed_us = committed_us;
}

int64_t router_frame_committed(const router_frame_t *f)
{
    return f->committed_us;
}

static unsigned bucket_of(const char *user_id)
{
    return hash_str(user_id) % NBUCKETS;
}

router_t *router_new(void)
{
    return XNEW(router_t);
}

void router_free(router_t *r)
{
    if (r == NULL)
        return;
    cluster_free(r->cluster);
    rooms_free(r);
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
                                     uint64_t conn_id, void *owner, router_kick_fn kick,
                                     router_deliver_fn deliver)
{
    router_session_t *s = XNEW(router_session_t);
    s->conn_id = conn_id;
    s->login_ms = wall_ms();
    s->deliver = deliver;
    s->order = r->next_order++;
    s->user_id = xstrdup(user_id);
    s->platform = xstrdup(platform);
    s->owner = owner;
    s->kick = kick;
    unsigned b = bucket_of(user_id);
    s->next = r->buckets[b];
    r->buckets[b] = s;
    r->count++;
    cluster_sessions_changed(r, user_id);
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
    cluster_sessions_changed(r, s->user_id);
    if (router_user_platforms(r, s->user_id, NULL, 0) == 0)
        rooms_user_gone(r, s->user_id);
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

bool router_session_set_background(router_t *r, const char *user_id, uint64_t conn_id,
                                   bool background)
{
    for (router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = s->next) {
        if (s->conn_id == conn_id && strcmp(s->user_id, user_id) == 0) {
            s->background = background;
            return true;
        }
    }
    return false;
}

bool router_user_foreground(const router_t *r, const char *user_id)
{
    for (const router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = s->next)
        if (!s->background && strcmp(s->user_id, user_id) == 0)
            return true;
    return false;
}

size_t router_kick_user(router_t *r, const char *user_id, const char *reason)
{
    cluster_kick(r, user_id, reason);
    return router_kick_local(r, user_id, reason);
}

/* Hooks may remove the session they are called for (a close): read `next` before. */
size_t router_kick_local(router_t *r, const char *user_id, const char *reason)
{
    size_t n = 0;
    router_session_t *next;
    for (router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = next) {
        next = s->next;
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

static int by_order(const void *a, const void *b)
{
    const router_session_t *x = *(router_session_t *const *)a, *y = *(router_session_t *const *)b;
    return x->order < y->order ? -1 : x->order > y->order;
}

size_t router_user_sessions(const router_t *r, const char *user_id, router_session_t **out,
                            size_t max)
{
    size_t n = 0;
    for (router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = s->next) {
        if (strcmp(s->user_id, user_id) != 0)
            continue;
        if (n < max)
            out[n] = s;
        n++;
    }
    qsort(out, n < max ? n : max, sizeof *out, by_order);
    return n;
}

const char *router_session_platform(const router_session_t *s)
{
    return s->platform;
}

uint64_t router_session_conn_id(const router_session_t *s)
{
    return s->conn_id;
}

int64_t router_session_login_ms(const router_session_t *s)
{
    return s->login_ms;
}

void *router_session_owner(const router_session_t *s)
{
    return s->owner;
}

void router_session_kick(router_session_t *s, const char *reason)
{
    s->kick(s->owner, reason);
}

bool router_push_conn(router_t *r, const char *user_id, uint64_t conn_id, router_frame_t *f)
{
    for (router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = s->next) {
        if (s->conn_id == conn_id && strcmp(s->user_id, user_id) == 0) {
            s->deliver(s->owner, f);
            return true;
        }
    }
    return false;
}

size_t router_push_user(router_t *r, const char *user_id, router_frame_t *f, uint64_t skip_conn)
{
    cluster_push(r, user_id, f);
    return router_push_user_here(r, user_id, f, skip_conn);
}

size_t router_push_user_here(router_t *r, const char *user_id, router_frame_t *f,
                             uint64_t skip_conn)
{
    size_t n = 0;
    router_session_t *next;
    for (router_session_t *s = r->buckets[bucket_of(user_id)]; s; s = next) {
        next = s->next;
        if ((skip_conn && s->conn_id == skip_conn) || strcmp(s->user_id, user_id) != 0)
            continue;
        s->deliver(s->owner, f);
        n++;
    }
    return n;
}
