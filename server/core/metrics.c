#include "core/metrics.h"

#include <string.h>

#include "core/xalloc.h"

static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

typedef struct {
    char *api;
    int code;
    unsigned long long count;
} counter_t;

typedef struct {
    char *api;
    unsigned long long buckets[NBOUNDS];
    unsigned long long count;
    double sum;
} histogram_t;

static counter_t *counters;
static size_t ncounters;
static histogram_t *histograms;
static size_t nhistograms;

typedef struct {
    metrics_writer_fn fn;
    void *arg;
} writer_t;

static writer_t writers[16];
static int nwriters;

static counter_t *counter_for(const char *api, int code)
{
    for (size_t i = 0; i < ncounters; i++)
        if (counters[i].code == code && strcmp(counters[i].api, api) == 0)
            return &counters[i];
    counters = xrealloc(counters, (ncounters + 1) * sizeof *counters);
    counters[ncounters] = (counter_t){.api = xstrdup(api), .code = code};
    return &counters[ncounters++];
}

static histogram_t *histogram_for(const char *api)
{
    for (size_t i = 0; i < nhistograms; i++)
        if (strcmp(histograms[i].api, api) == 0)
            return &histograms[i];
    histograms = xrealloc(histograms, (nhistograms + 1) * sizeof *histograms);
    memset(&histograms[nhistograms], 0, sizeof *histograms);
    histograms[nhistograms].api = xstrdup(api);
    return &histograms[nhistograms++];
}

void metrics_request(const char *api, int code, double seconds)
{
    counter_for(api, code)->count++;
    histogram_t *h = histogram_for(api);
    for (size_t i = 0; i < NBOUNDS; i++)
        if (seconds <= bounds[i])
            h->buckets[i]++;
    h->count++;
    h->sum += seconds;
}

void metrics_register(metrics_writer_fn fn, void *arg)
{
    if (nwriters < (int)(sizeof writers / sizeof writers[0]))
        writers[nwriters++] = (writer_t){fn, arg};
}

static void render_requests(sbuf_t *out)
{
    sbuf_puts(out, "# HELP chatd_requests_total Requests answered, by API and ErrorCode.\n"
                   "# TYPE chatd_requests_total counter\n");
    for (size_t i = 0; i < ncounters; i++)
        sbuf_printf(out, "chatd_requests_total{api=\"%s\",code=\"%d\"} %llu\n", counters[i].api,
                    counters[i].code, counters[i].count);
    sbuf_puts(out, "# HELP chatd_request_seconds Time from request to answer.\n"
                   "# TYPE chatd_request_seconds histogram\n");
    for (size_t i = 0; i < nhistograms; i++) {
        const histogram_t *h = &histograms[i];
        for (size_t b = 0; b < NBOUNDS; b++)
            sbuf_printf(out, "chatd_request_seconds_bucket{api=\"%s\",le=\"%g\"} %llu\n", h->api,
                        bounds[b], h->buckets[b]);
        sbuf_printf(out, "chatd_request_seconds_bucket{api=\"%s\",le=\"+Inf\"} %llu\n", h->api,
                    h->count);
        sbuf_printf(out, "chatd_request_seconds_sum{api=\"%s\"} %.6f\n", h->api, h->sum);
        sbuf_printf(out, "chatd_request_seconds_count{api=\"%s\"} %llu\n", h->api, h->count);
    }
}

void metrics_render(sbuf_t *out)
{
    render_requests(out);
    for (int i = 0; i < nwriters; i++)
        writers[i].fn(out, writers[i].arg);
}

void metrics_reset(void)
{
    for (size_t i = 0; i < ncounters; i++)
        xfree(counters[i].api);
    for (size_t i = 0; i < nhistograms; i++)
        xfree(histograms[i].api);
    xfree(counters);
    xfree(histograms);
    counters = NULL;
    histograms = NULL;
    ncounters = nhistograms = 0;
    nwriters = 0;
}
