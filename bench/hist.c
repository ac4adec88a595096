#include "hist.h"

static int bucket_of(uint64_t v)
{
    if (v < 128)
        return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 6; /* v >> shift is in [64, 128) */
    int idx = 128 + (shift - 1) * 64 + (int)((v >> shift) - 64);
    return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

static int64_t bucket_high(int idx)
{
    if (idx < 128)
        return idx;
    int shift = (idx - 128) / 64 + 1;
    int64_t mantissa = (idx - 128) % 64 + 64;
    return ((mantissa + 1) << shift) - 1;
}

void hist_add(hist_t *h, int64_t us)
{
    if (us < 0)
        us = 0;
    h->buckets[bucket_of((uint64_t)us)]++;
    h->count++;
    if (us > h->max)
        h->max = us;
}

int64_t hist_quantile(const hist_t *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            int64_t v = bucket_high(i);
            return v < h->max ? v : h->max;
        }
    }
    return h->max;
}
