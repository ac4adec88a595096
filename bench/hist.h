/* A log-linear latency histogram in microseconds: exact below 128 µs, then 64 buckets per
 * power of two (under 1.6 % error), fixed size, no allocation. */
#ifndef CHATD_BENCH_HIST_H
#define CHATD_BENCH_HIST_H

#include <stdint.h>

#define HIST_BUCKETS (128 + 64 * 64)

typedef struct {
    uint64_t buckets[HIST_BUCKETS];
    uint64_t count;
    int64_t max;
} hist_t;

void hist_add(hist_t *h, int64_t us);
/* The value at quantile q (0..1) in microseconds, an upper bound within one bucket and never
 * above the maximum; 0 when empty. */
int64_t hist_quantile(const hist_t *h, double q);

#endif
