/*
 * metrics — counters for /metrics (Prometheus text format).
 *
 * Requests are counted by API and ErrorCode with a latency histogram; other modules register
 * gauge writers that append their own lines when the page is rendered. Single-threaded: call
 * only from the loop thread.
 */
#ifndef CHATD_CORE_METRICS_H
#define CHATD_CORE_METRICS_H

#include <stdbool.h>

#include "core/sbuf.h"

/* Records one answered request. `api` is e.g. "im_open_login_svc/account_import" or "ws/login";
 * it is copied on first sight. */
void metrics_request(const char *api, int code, double seconds);

typedef void (*metrics_writer_fn)(sbuf_t *out, void *arg);
/* Adds a writer called on every render (at most 16). */
void metrics_register(metrics_writer_fn fn, void *arg);

/*
 * A histogram of seconds with chatd's bucket bounds (1 ms to 10 s), owned by the module that
 * observes it: a static METRICS_HISTOGRAM(name, help, labels), listed on the page once
 * metrics_histogram_add() was called (at the module's start, so it shows before its first
 * event). `labels` is "" or a label list without braces (`kind="before"`); histograms of one
 * name share their HELP and TYPE lines. Names and texts are static strings.
 */
#define METRICS_NBOUNDS 13
typedef struct metrics_histogram {
    const char *name, *help, *labels;
    unsigned long long buckets[METRICS_NBOUNDS];
    unsigned long long count;
    double sum;
    struct metrics_histogram *next;
    bool listed;
} metrics_histogram_t;
#define METRICS_HISTOGRAM(n, h, l)                                                                 \
    {                                                                                              \
        .name = (n), .help = (h), .labels = (l)                                                    \
    }
void metrics_histogram_add(metrics_histogram_t *h);
void metrics_observe(metrics_histogram_t *h, double seconds);

/* Appends the whole page: chatd's metrics, then process_* (read from /proc/self). */
void metrics_render(sbuf_t *out);
/* Forgets every counter and writer and unlists (and zeroes) the histograms (tests, shutdown). */
void metrics_reset(void);

#endif
