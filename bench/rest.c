/* REST mode: --conns keep-alive HTTP connections, each with one v4/openim/sendmsg in flight,
 * posting from account 2k(+1) to its partner as fast as chatd answers. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef enum { P_WARMUP, P_MEASURE, P_DRAIN, P_DONE } phase_t;

typedef struct rest_run rest_run_t;

typedef struct {
    rest_run_t *run;
    int idx;
    struct evhttp_connection *con;
    uint64_t count;
    int64_t started_us;
    bool measured;
    bool busy;
} rest_conn_t;

struct rest_run {
    const bench_opts_t *o;
    struct event_base *base;
    rest_conn_t *conns;
    int n, users, exit_code;
    phase_t phase;
    int64_t t_measure_start, t_measure_end, t_drain_deadline;
    struct event *ev_phase, *ev_tick, *ev_progress, *ev_int, *ev_term;
    uint64_t sent_total, acked_total, inflight, sent_win, acked_win, last_acked;
    err_tally_t errors;
    hist_t lat;
    char cpu[256];
};

static void finish(rest_run_t *r);

static void set_timer(struct event *ev, double seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds,
                         .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    evtimer_add(ev, &tv);
}

static void on_answer(struct evhttp_request *req, void *arg);

static void issue(rest_run_t *r, rest_conn_t *c)
{
    const bench_opts_t *o = r->o;
    int from = (2 * c->idx + (int)(c->count & 1)) % r->users;
    char from_id[64], to_id[64];
    bench_user_id(o, from, from_id, sizeof from_id);
    bench_user_id(o, from ^ 1, to_id, sizeof to_id);
    c->started_us = now_us();
    c->measured = r->phase == P_MEASURE;

    char text[8192];
    int tl = snprintf(text, sizeof text, "R %d %" PRIu64 " %" PRId64 " ", c->idx, c->count,
                      c->started_us);
    if (tl < o->size) {
        memset(text + tl, 'x', (size_t)(o->size - tl));
        tl = o->size;
    }
    text[tl] = '\0';
    struct evhttp_request *req = evhttp_request_new(on_answer, c);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    char host[300];
    snprintf(host, sizeof host, "%s:%d", o->host, o->port);
    evhttp_add_header(h, "Host", host);
    evhttp_add_header(h, "Content-Type", "application/json");
    evbuffer_add_printf(evhttp_request_get_output_buffer(req),
                        "{\"SyncOtherMachine\":2,\"From_Account\":\"%s\",\"To_Account\":\"%s\","
                        "\"MsgRandom\":%u,\"MsgBody\":[{\"MsgType\":\"TIMTextElem\","
                        "\"MsgContent\":{\"Text\":\"%s\"}}]}",
                        from_id, to_id, (unsigned)(c->count * 2654435761u + (uint64_t)c->idx),
                        text);
    char uri[2048];
    snprintf(uri, sizeof uri, "/v4/openim/sendmsg?%s&random=%u", bench_admin_query(o),
             (unsigned)rand());
    c->count++;
    c->busy = true;
    r->inflight++;
    r->sent_total++;
    if (c->measured)
        r->sent_win++;
    if (evhttp_make_request(c->con, req, EVHTTP_REQ_POST, uri) != 0) {
        /* evhttp freed the request; count it as a connection failure and stop this one. */
        c->busy = false;
        r->inflight--;
        err_tally_add(&r->errors, -1);
    }
}

static int answer_code(struct evhttp_request *req)
{
    if (req == NULL)
        return -1;
    int status = evhttp_request_get_response_code(req);
    if (status == 0)
        return -1;
    if (status != 200)
        return -status;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    json_t *doc = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL);
    json_t *code = json_object_get(doc, "ErrorCode");
    int rc = json_is_integer(code) ? (int)json_integer_value(code) : -2;
    json_decref(doc);
    return rc;
}

static void on_answer(struct evhttp_request *req, void *arg)
{
    rest_conn_t *c = arg;
    rest_run_t *r = c->run;
    if (!c->busy)
        return;
    c->busy = false;
    r->inflight--;
    int code = answer_code(req);
    if (code == 0) {
        r->acked_total++;
        if (r->phase == P_MEASURE)
            r->acked_win++;
        if (c->measured)
            hist_add(&r->lat, now_us() - c->started_us);
    } else {
        err_tally_add(&r->errors, code);
    }
    if (r->phase == P_WARMUP || r->phase == P_MEASURE)
        issue(r, c);
    else if (r->phase == P_DRAIN && r->inflight == 0)
        finish(r);
}

static void start_measure(rest_run_t *r)
{
    r->phase = P_MEASURE;
    r->t_measure_start = now_us();
    bench_cpu_start();
    set_timer(r->ev_phase, r->o->duration);
}

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
    rest_run_t *r = arg;
    (void)fd;
    (void)what;
    if (r->phase == P_WARMUP) {
        start_measure(r);
    } else if (r->phase == P_MEASURE) {
        r->phase = P_DRAIN;
        r->t_measure_end = now_us();
        bench_cpu_format(r->cpu, sizeof r->cpu);
        if (r->inflight == 0)
            finish(r);
        else
            set_timer(r->ev_phase, r->o->drain);
    } else if (r->phase == P_DRAIN) {
        finish(r);
    }
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    rest_run_t *r = arg;
    (void)fd;
    (void)what;
    fprintf(stderr,
            "chatd-bench: rest acked/s=%" PRIu64 " inflight=%" PRIu64 " errors=%" PRIu64 "\n",
            r->acked_total - r->last_acked, r->inflight, r->errors.total);
    r->last_acked = r->acked_total;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    rest_run_t *r = arg;
    (void)what;
    fprintf(stderr, "chatd-bench: signal %d, stopping\n", (int)fd);
    if (r->phase == P_MEASURE) {
        r->t_measure_end = now_us();
        bench_cpu_format(r->cpu, sizeof r->cpu);
    }
    r->exit_code = 1;
    finish(r);
}

static void finish(rest_run_t *r)
{
    if (r->phase == P_DONE)
        return;
    bool measured = r->t_measure_end > 0;
    r->phase = P_DONE;
    event_base_loopexit(r->base, NULL);
    if (!measured)
        return;
    double secs = (double)(r->t_measure_end - r->t_measure_start) / 1e6;
    char errs[512];
    err_tally_format(&r->errors, errs, sizeof errs);
    printf("rest conns=%d users=%d size=%d duration_s=%.2f sent=%" PRIu64 " acked=%" PRIu64
           " acked/s=%.0f errors=%s unanswered=%" PRIu64 " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
           " total_acked=%" PRIu64 "%s\n",
           r->n, r->users, r->o->size, secs, r->sent_win, r->acked_win,
           secs > 0 ? (double)r->acked_win / secs : 0, errs, r->inflight,
           (double)hist_quantile(&r->lat, 0.5) / 1000, (double)hist_quantile(&r->lat, 0.99) / 1000,
           (double)r->lat.max / 1000, r->acked_total, r->cpu);
    fflush(stdout);
    if (r->inflight)
        r->exit_code = 1;
}

int rest_run(const bench_opts_t *o)
{
    rest_run_t *r = calloc(1, sizeof *r);
    r->o = o;
    r->n = o->conns;
    r->users = o->users & ~1;
    r->base = event_base_new();
    r->conns = calloc((size_t)r->n, sizeof *r->conns);
    for (int i = 0; i < r->n; i++) {
        rest_conn_t *c = &r->conns[i];
        c->run = r;
        c->idx = i;
        c->con = evhttp_connection_base_new(r->base, NULL, o->host, (ev_uint16_t)o->port);
        evhttp_connection_set_timeout(c->con, 30);
    }
    r->ev_phase = evtimer_new(r->base, on_phase, r);
    r->ev_progress = event_new(r->base, -1, EV_PERSIST, on_progress, r);
    r->ev_int = evsignal_new(r->base, SIGINT, on_signal, r);
    r->ev_term = evsignal_new(r->base, SIGTERM, on_signal, r);
    evsignal_add(r->ev_int, NULL);
    evsignal_add(r->ev_term, NULL);
    if (o->progress) {
        struct timeval sec = {1, 0};
        evtimer_add(r->ev_progress, &sec);
    }
    r->phase = P_WARMUP;
    if (o->warmup > 0)
        set_timer(r->ev_phase, o->warmup);
    else
        start_measure(r);
    for (int i = 0; i < r->n; i++)
        issue(r, &r->conns[i]);
    event_base_dispatch(r->base);

    for (int i = 0; i < r->n; i++)
        evhttp_connection_free(r->conns[i].con);
    int status = r->exit_code;
    event_free(r->ev_phase);
    event_free(r->ev_progress);
    event_free(r->ev_int);
    event_free(r->ev_term);
    event_base_free(r->base);
    free(r->conns);
    free(r);
    return status;
}
