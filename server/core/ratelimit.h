/*
 * ratelimit — token buckets (pure; unit-tested), one or a table of them keyed by a string.
 *
 * A bucket holds up to `burst` tokens and gains `rate` tokens a second; a request takes one or
 * is refused. rate <= 0 means no limit: every take succeeds and nothing is stored. Times are
 * the caller's monotonic milliseconds, so tests control the clock.
 *
 * A table creates a key's bucket on its first take. It holds at most `max_keys` buckets: when a
 * new key would exceed that, the buckets that are full again (idle long enough to have refilled:
 * forgetting them changes no answer) are dropped first; if none is, the new key is refused
 * rather than let the table grow (memory stays bounded under a flood of distinct keys).
 * The table owns its copies of the keys. Not thread-safe (one loop).
 */
#ifndef CHATD_CORE_RATELIMIT_H
#define CHATD_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    double tokens;
    int64_t at_ms;      /* when tokens was computed */
    int64_t alerted_ms; /* the last refusal reported (rl_bucket_take's *first_refusal) */
    bool used, alerted; /* tokens and alerted_ms hold values (a zeroed bucket is full) */
} rl_bucket_t;

/* Takes one token at now_ms. When refused and first_refusal is non-NULL, *first_refusal says
 * whether this is the first refusal in `alert_every_ms` (for throttled alerts). */
bool rl_bucket_take(rl_bucket_t *b, double rate, double burst, int64_t now_ms,
                    int64_t alert_every_ms, bool *first_refusal);

typedef struct rl_table rl_table_t;
rl_table_t *rl_table_new(size_t max_keys);
void rl_table_free(rl_table_t *t);
/* rl_bucket_take() on key's bucket. */
bool rl_table_take(rl_table_t *t, const char *key, double rate, double burst, int64_t now_ms,
                   int64_t alert_every_ms, bool *first_refusal);
size_t rl_table_size(const rl_table_t *t);

#endif
