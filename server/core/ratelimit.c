#include "core/ratelimit.h"

#include <string.h>

#include "core/hash.h"
#include "core/xalloc.h"

/* The tokens b holds at now_ms (refilled since it was last computed). */
static double refilled(const rl_bucket_t *b, double rate, double burst, int64_t now_ms)
{
    if (!b->used)
        return burst;
    double t = b->tokens + rate * (double)(now_ms - b->at_ms) / 1000.0;
    return t > burst ? burst : t;
}

bool rl_bucket_take(rl_bucket_t *b, double rate, double burst, int64_t now_ms,
                    int64_t alert_every_ms, bool *first_refusal)
{
    if (first_refusal)
        *first_refusal = false;
    if (rate <= 0)
        return true;
    b->tokens = refilled(b, rate, burst < 1 ? 1 : burst, now_ms);
    b->at_ms = now_ms;
    b->used = true;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return true;
    }
    if (first_refusal && (!b->alerted || now_ms - b->alerted_ms >= alert_every_ms)) {
        *first_refusal = true;
        b->alerted = true;
        b->alerted_ms = now_ms;
    }
    return false;
}

typedef struct entry {
    char *key;
    rl_bucket_t bucket;
    struct entry *next;
} entry_t;

struct rl_table {
    entry_t **slots;
    size_t nslots, count, max_keys;
};

rl_table_t *rl_table_new(size_t max_keys)
{
    rl_table_t *t = XNEW(rl_table_t);
    t->max_keys = max_keys ? max_keys : 1;
    t->nslots = 64;
    while (t->nslots < t->max_keys / 2 && t->nslots < (1u << 20))
        t->nslots *= 2;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    return t;
}

void rl_table_free(rl_table_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nslots; i++) {
        for (entry_t *e = t->slots[i], *next; e; e = next) {
            next = e->next;
            xfree(e->key);
            xfree(e);
        }
    }
    xfree(t->slots);
    xfree(t);
}

size_t rl_table_size(const rl_table_t *t)
{
    return t->count;
}

/* Drops the buckets that have refilled: they answer as a new bucket would. */
static void sweep(rl_table_t *t, double rate, double burst, int64_t now_ms)
{
    for (size_t i = 0; i < t->nslots; i++) {
        for (entry_t **p = &t->slots[i]; *p;) {
            entry_t *e = *p;
            if (refilled(&e->bucket, rate, burst, now_ms) >= burst) {
                *p = e->next;
                xfree(e->key);
                xfree(e);
                t->count--;
            } else {
                p = &e->next;
            }
        }
    }
}

bool rl_table_take(rl_table_t *t, const char *key, double rate, double burst, int64_t now_ms,
                   int64_t alert_every_ms, bool *first_refusal)
{
    if (first_refusal)
        *first_refusal = false;
    if (rate <= 0)
        return true;
    size_t slot = hash_str(key) % t->nslots;
    entry_t *e = t->slots[slot];
    while (e && strcmp(e->key, key) != 0)
        e = e->next;
    if (e == NULL) {
        if (t->count >= t->max_keys)
            sweep(t, rate, burst < 1 ? 1 : burst, now_ms);
        if (t->count >= t->max_keys)
            return false;
        e = XNEW(entry_t);
        e->key = xstrdup(key);
        e->next = t->slots[slot];
        t->slots[slot] = e;
        t->count++;
    }
    return rl_bucket_take(&e->bucket, rate, burst, now_ms, alert_every_ms, first_refusal);
}
