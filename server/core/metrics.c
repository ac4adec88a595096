#include "core/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/xalloc.h"

static const double bounds[METRICS_NBOUNDS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1,     2.5,  10};

typedef struct {
    unsigned long long buckets[METRICS_NBOUNDS];
    unsigned long long count;
    double sum;
} hist_counts_t;

typedef struct {
    char *api;
    int code;
    unsigned long long count;
} counter_t;

typedef struct {
    char *api;
    hist_counts_t h;
} histogram_t;

static counter_t *counters;
static size_t ncounters;
static histogram_t *histograms;
static size_t nhistograms;
static metrics_histogram_t *owned; /* listed by their modules, in the order they were added */

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

/* Buckets are cumulative on the page; each observation counts once, in its lowest bucket. */
static void observe(unsigned long long *buckets, unsigned long long *count, double *sum, double v)
{
    for (size_t i = 0; i < METRICS_NBOUNDS; i++)
        if (v <= bounds[i]) {
            buckets[i]++;
            break;
        }
    (*count)++;
    *sum += v;
}

void metrics_request(const char *api, int code, double seconds)
{
    counter_for(api, code)->count++;
    histogram_t *h = histogram_for(api);
    observe(h->h.buckets, &h->h.count, &h->h.sum, seconds);
}

void metrics_histogram_add(metrics_histogram_t *h)
{
    if (h->listed)
        return;
    h->listed = true;
    h->next = NULL;
    metrics_histogram_t **pp = &owned;
    while (*pp)
        pp = &(*pp)->next;
    *pp = h;
}

void metrics_observe(metrics_histogram_t *h, double seconds)
{
    observe(h->buckets, &h->count, &h->sum, seconds);
}

void metrics_register(metrics_writer_fn fn, void *arg)
{
    if (nwriters < (int)(sizeof writers / sizeof writers[0]))
        writers[nwriters++] = (writer_t){fn, arg};
}

/* One histogram's series; `labels` is "" or `a="b"` (then a comma joins it to le). */
static void render_series(sbuf_t *out, const char *name, const char *labels,
                          const unsigned long long *buckets, unsigned long long count, double sum)
{
    const char *sep = *labels ? "," : "";
    unsigned long long cum = 0;
    for (size_t b = 0; b < METRICS_NBOUNDS; b++) {
        cum += buckets[b];
        sbuf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, bounds[b], cum);
    }
    sbuf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, count);
    if (*labels) {
        sbuf_printf(out, "%s_sum{%s} %.6f\n", name, labels, sum);
        sbuf_printf(out, "%s_count{%s} %llu\n", name, labels, count);
    } else {
        sbuf_printf(out, "%s_sum %.6f\n%s_count %llu\n", name, sum, name, count);
    }
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
        char labels[160];
        snprintf(labels, sizeof labels, "api=\"%s\"", h->api);
        render_series(out, "chatd_request_seconds", labels, h->h.buckets, h->h.count, h->h.sum);
    }
}

static void render_owned(sbuf_t *out)
{
    for (const metrics_histogram_t *h = owned; h; h = h->next) {
        bool first = true;
        for (const metrics_histogram_t *e = owned; e != h; e = e->next)
            if (strcmp(e->name, h->name) == 0)
                first = false;
        if (first)
            sbuf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", h->name, h->help, h->name);
        else
            continue;
        for (const metrics_histogram_t *e = h; e; e = e->next)
            if (strcmp(e->name, h->name) == 0)
                render_series(out, e->name, e->labels, e->buckets, e->count, e->sum);
    }
}

/* ---- process_* (the Prometheus client libraries' names), read at scrape time ---- */

/* The boot time (unix s) from /proc/stat, read once. */
static double boot_time(void)
{
    static double btime = -1;
    if (btime >= 0)
        return btime;
    btime = 0;
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lf", &btime) == 1)
            break;
    if (f)
        fclose(f);
    return btime;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void render_process(sbuf_t *out)
{
    FILE *f = fopen("/proc/self/stat", "r");
    char buf[1024];
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[len] = '\0';
    /* The fields after the command name, which is in parentheses and may hold spaces. */
    const char *p = strrchr(buf, ')');
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long long rss = 0;
    if (p == NULL ||
        sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
               "%llu %llu %lld",
               &utime, &stime, &start, &vsize, &rss) != 5)
        return;
    double tick = (double)sysconf(_SC_CLK_TCK);
    struct rlimit rl = {0};
    getrlimit(RLIMIT_NOFILE, &rl);
    sbuf_printf(out,
                "# HELP process_cpu_seconds_total User and system CPU time spent.\n"
                "# TYPE process_cpu_seconds_total counter\n"
                "process_cpu_seconds_total %.2f\n"
                "# HELP process_resident_memory_bytes Resident memory size.\n"
                "# TYPE process_resident_memory_bytes gauge\n"
                "process_resident_memory_bytes %lld\n"
                "# HELP process_virtual_memory_bytes Virtual memory size.\n"
                "# TYPE process_virtual_memory_bytes gauge\n"
                "process_virtual_memory_bytes %llu\n"
                "# HELP process_open_fds Open file descriptors.\n"
                "# TYPE process_open_fds gauge\n"
                "process_open_fds %d\n"
                "# HELP process_max_fds Limit of open file descriptors.\n"
                "# TYPE process_max_fds gauge\n"
                "process_max_fds %llu\n"
                "# HELP process_start_time_seconds Start time of the process since the epoch.\n"
                "# TYPE process_start_time_seconds gauge\n"
                "process_start_time_seconds %.2f\n",
                (double)(utime + stime) / tick, rss * (long long)sysconf(_SC_PAGESIZE), vsize,
                open_fds(), (unsigned long long)rl.rlim_cur, boot_time() + (double)start / tick);
}

void metrics_render(sbuf_t *out)
{
    render_requests(out);
    render_owned(out);
    for (int i = 0; i < nwriters; i++)
        writers[i].fn(out, writers[i].arg);
    render_process(out);
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
    while (owned) {
        metrics_histogram_t *next = owned->next;
        memset(owned->buckets, 0, sizeof owned->buckets);
        owned->count = 0;
        owned->sum = 0;
        owned->listed = false;
        owned->next = NULL;
        owned = next;
    }
}
