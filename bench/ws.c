/* WebSocket modes: pairs of clients exchanging one-to-one messages, and idle clients.
 *
 * The clients are wsc.c's (RFC 6455 by hand, client frames masked). Messages carry
 * "B <sender> <n> <send time µs>" as their text, so the receiver can find the sender's record
 * of message n without any lookup table: request seq n + 1 is the sendMessage of message n, and
 * seq 0 is the login. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "wsc.h"

#define TICK_US 1000
#define REPORT_CLOSES 5

typedef enum { P_CONNECT, P_WARMUP, P_MEASURE, P_DRAIN, P_DONE } phase_t;

enum { ACK_NONE, ACK_OK, ACK_ERROR };

/* One sent message, as its sender recorded it. */
typedef struct {
    int64_t sent_us;
    uint8_t ack;       /* ACK_* */
    uint8_t delivered; /* onRecvNewMessage pushes seen, saturating */
    uint8_t measured;  /* sent inside the measurement window */
} msg_t;

typedef struct run run_t;

typedef struct {
    wsc_t ws;    /* first: the pool's pointers are to it */
    msg_t *msgs; /* indexed by message number */
    uint32_t nmsgs, cap;
    uint32_t inflight;
} conn_t;

struct run {
    const bench_opts_t *o;
    struct event_base *base;
    wsc_pool_t pool;
    conn_t *conns;
    int n;
    int exit_code;
    phase_t phase;
    int64_t t_measure_start, t_measure_end, t_rate_start, t_drain_deadline;
    struct event *ev_phase, *ev_tick, *ev_progress, *ev_int, *ev_term;
    int rr;

    /* whole run */
    uint64_t sent_total, rate_sent, skipped, acked_total, delivered_total, inflight;
    uint64_t pending_delivery; /* acknowledged, not yet delivered */
    uint64_t dup, misrouted, foreign, double_answer, unknown_answer, bad_frames, events_other;
    uint64_t closed;
    err_tally_t errors;
    /* measurement window */
    uint64_t sent_win, acked_win, delivered_win;
    hist_t ack_lat, deliver_lat;
    /* progress */
    uint64_t last_acked, last_delivered;
    char cpu[256];
};

static void finish(run_t *r);

static run_t *run_of(conn_t *c)
{
    return c->ws.pool->user;
}

/* A connection failed while opening, or dropped while messages were flowing. */
static void on_closed(wsc_t *w, const char *reason, bool opening)
{
    conn_t *c = (conn_t *)w;
    run_t *r = run_of(c);
    if (r->phase == P_DONE)
        return;
    if (opening) {
        char id[64];
        bench_user_id(r->o, w->idx, id, sizeof id);
        fprintf(stderr, "chatd-bench: connection %d (%s) failed while opening: %s\n", w->idx, id,
                reason);
        r->exit_code = 1;
        finish(r);
        return;
    }
    if (r->closed++ < REPORT_CLOSES)
        fprintf(stderr, "chatd-bench: connection %d closed: %s\n", w->idx, reason);
    r->exit_code = 1;
    if (r->closed == (uint64_t)r->n) {
        fprintf(stderr, "chatd-bench: every connection is closed, stopping\n");
        if (r->t_measure_start && !r->t_measure_end) {
            r->t_measure_end = now_us();
            bench_cpu_format(r->cpu, sizeof r->cpu);
        }
        finish(r);
    }
}

static void send_message(run_t *r, conn_t *c)
{
    const bench_opts_t *o = r->o;
    if (c->nmsgs == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1024;
        c->msgs = realloc(c->msgs, c->cap * sizeof *c->msgs);
        if (c->msgs == NULL) {
            fprintf(stderr, "chatd-bench: out of memory\n");
            exit(1);
        }
    }
    uint32_t n = c->nmsgs++;
    msg_t *m = &c->msgs[n];
    m->sent_us = now_us();
    m->ack = ACK_NONE;
    m->delivered = 0;
    m->measured = r->phase == P_MEASURE;

    char text[8192];
    int tl = snprintf(text, sizeof text, "B %d %u %" PRId64 " ", c->ws.idx, n, m->sent_us);
    if (tl < o->size) {
        memset(text + tl, 'x', (size_t)(o->size - tl));
        tl = o->size;
    }
    text[tl] = '\0';
    char peer[64];
    bench_user_id(o, c->ws.idx ^ 1, peer, sizeof peer);
    char frame[8192 + 512];
    int fl = snprintf(frame, sizeof frame,
                      "{\"seq\":%u,\"cmd\":\"sendMessage\",\"body\":{\"receiver\":\"%s\","
                      "\"random\":%u,\"msgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":"
                      "{\"Text\":\"%s\"}}]}}",
                      n + 1, peer, (unsigned)wsc_rng(&r->pool), text);
    wsc_send_text(&c->ws, frame, (size_t)fl);
    c->inflight++;
    r->inflight++;
    r->sent_total++;
    if (m->measured)
        r->sent_win++;
}

static bool sending(const run_t *r)
{
    return r->phase == P_WARMUP || r->phase == P_MEASURE;
}

/* ---- what arrives ---- */

static void on_answer(conn_t *c, json_t *doc)
{
    run_t *r = run_of(c);
    json_t *seq = json_object_get(doc, "seq");
    json_t *code_j = json_object_get(doc, "code");
    int code = json_is_integer(code_j) ? (int)json_integer_value(code_j) : -2;
    if (!json_is_integer(seq)) {
        r->unknown_answer++;
        return;
    }
    json_int_t s = json_integer_value(seq);
    if (s < 1 || (uint64_t)s > c->nmsgs) {
        r->unknown_answer++;
        return;
    }
    msg_t *m = &c->msgs[s - 1];
    if (m->ack != ACK_NONE) {
        r->double_answer++;
        return;
    }
    int64_t now = now_us();
    c->inflight--;
    r->inflight--;
    if (code == 0) {
        m->ack = ACK_OK;
        r->acked_total++;
        if (r->phase == P_MEASURE)
            r->acked_win++;
        if (m->measured)
            hist_add(&r->ack_lat, now - m->sent_us);
        if (!m->delivered)
            r->pending_delivery++;
    } else {
        m->ack = ACK_ERROR;
        err_tally_add(&r->errors, code);
    }
    if (sending(r) && r->o->rate <= 0 && c->inflight < (uint32_t)r->o->window)
        send_message(r, c);
}

static void on_new_message(conn_t *c, json_t *body)
{
    run_t *r = run_of(c);
    json_t *msg = json_object_get(body, "message");
    json_t *elem = json_array_get(json_object_get(msg, "msgBody"), 0);
    json_t *text = json_object_get(json_object_get(elem, "MsgContent"), "Text");
    int from;
    unsigned n;
    int64_t sent_us;
    if (!json_is_string(text) ||
        sscanf(json_string_value(text), "B %d %u %" SCNd64, &from, &n, &sent_us) != 3 || from < 0 ||
        from >= r->n || n >= r->conns[from].nmsgs || r->conns[from].msgs[n].sent_us != sent_us) {
        r->foreign++;
        return;
    }
    if ((from ^ 1) != c->ws.idx) {
        r->misrouted++;
        return;
    }
    msg_t *m = &r->conns[from].msgs[n];
    if (m->delivered) {
        r->dup++;
        if (m->delivered < UINT8_MAX)
            m->delivered++;
        return;
    }
    m->delivered = 1;
    r->delivered_total++;
    if (r->phase == P_MEASURE)
        r->delivered_win++;
    if (m->measured)
        hist_add(&r->deliver_lat, now_us() - sent_us);
    if (m->ack == ACK_OK)
        r->pending_delivery--;
}

static void on_text(wsc_t *w, const char *data, size_t len)
{
    conn_t *c = (conn_t *)w;
    run_t *r = run_of(c);
    json_t *doc = json_loadb(data, len, 0, NULL);
    if (!json_is_object(doc)) {
        r->bad_frames++;
        json_decref(doc);
        return;
    }
    json_t *event = json_object_get(doc, "event");
    if (json_is_string(event)) {
        if (strcmp(json_string_value(event), "onRecvNewMessage") == 0)
            on_new_message(c, json_object_get(doc, "body"));
        else
            r->events_other++;
    } else {
        on_answer(c, doc);
    }
    json_decref(doc);
}

/* ---- phases ---- */

static void set_timer(struct event *ev, double seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds,
                         .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    evtimer_add(ev, &tv);
}

static void on_phase(evutil_socket_t fd, short what, void *arg);

static void start_measure(run_t *r)
{
    r->phase = P_MEASURE;
    r->t_measure_start = now_us();
    bench_cpu_start();
    set_timer(r->ev_phase, r->o->duration);
}

static void all_ready(wsc_pool_t *p)
{
    run_t *r = p->user;
    const bench_opts_t *o = r->o;
    double open_s = (double)(now_us() - p->t_open) / 1e6;
    fprintf(stderr, "chatd-bench: %d connections logged in in %.2f s\n", r->n, open_s);
    if (o->mode == MODE_IDLE) {
        printf("idle conns=%d logged_in=%d open_s=%.2f hold_s=%g\n", r->n, p->ready, open_s,
               o->duration);
        fflush(stdout);
        r->phase = P_MEASURE;
        set_timer(r->ev_phase, o->duration);
        return;
    }
    r->phase = P_WARMUP;
    r->t_rate_start = now_us();
    if (o->rate > 0) {
        struct timeval tick = {0, TICK_US};
        evtimer_add(r->ev_tick, &tick);
    } else {
        for (int i = 0; i < r->n; i++)
            for (int k = 0; k < o->window && r->conns[i].ws.state == WSC_READY; k++)
                send_message(r, &r->conns[i]);
    }
    if (o->warmup > 0)
        set_timer(r->ev_phase, o->warmup);
    else
        start_measure(r);
}

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
    run_t *r = arg;
    (void)fd;
    (void)what;
    switch (r->phase) {
    case P_CONNECT:
        fprintf(stderr, "chatd-bench: only %d of %d connections logged in after %g s\n",
                r->pool.ready, r->n, r->o->connect_timeout);
        wsc_pool_stop_opening(&r->pool);
        r->exit_code = 1;
        finish(r);
        break;
    case P_WARMUP:
        start_measure(r);
        break;
    case P_MEASURE:
        if (r->o->mode == MODE_IDLE) {
            finish(r);
            break;
        }
        r->phase = P_DRAIN;
        r->t_measure_end = now_us();
        bench_cpu_format(r->cpu, sizeof r->cpu);
        r->t_drain_deadline = r->t_measure_end + (int64_t)(r->o->drain * 1e6);
        if (r->o->rate <= 0) {
            struct timeval tick = {0, 10000};
            evtimer_add(r->ev_tick, &tick);
        }
        break;
    default:
        break;
    }
}

/* Sends what the rate asks for (rate mode) and watches the drain. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    run_t *r = arg;
    (void)fd;
    (void)what;
    const bench_opts_t *o = r->o;
    int64_t now = now_us();
    if (sending(r) && o->rate > 0) {
        uint64_t due = (uint64_t)((double)(now - r->t_rate_start) * o->rate / 1e6);
        int idle_turns = 0;
        while (r->rate_sent < due) {
            conn_t *c = &r->conns[r->rr];
            r->rr = (r->rr + 1) % r->n;
            if (c->ws.state == WSC_READY && (o->window == 0 || c->inflight < (uint32_t)o->window)) {
                send_message(r, c);
                r->rate_sent++;
                idle_turns = 0;
            } else if (++idle_turns >= r->n) {
                r->skipped += due - r->rate_sent;
                r->rate_sent = due;
            }
        }
    }
    if (r->phase == P_DRAIN &&
        ((r->inflight == 0 && r->pending_delivery == 0) || now >= r->t_drain_deadline)) {
        finish(r);
        return;
    }
    struct timeval tick = {0, r->phase == P_DRAIN ? 10000 : TICK_US};
    evtimer_add(r->ev_tick, &tick);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    run_t *r = arg;
    (void)fd;
    (void)what;
    static const char *const names[] = {"connect", "warmup", "measure", "drain", "done"};
    fprintf(stderr,
            "chatd-bench: %-7s ready=%d acked/s=%" PRIu64 " delivered/s=%" PRIu64
            " inflight=%" PRIu64 " errors=%" PRIu64 " closed=%" PRIu64 "\n",
            names[r->phase], r->pool.ready, r->acked_total - r->last_acked,
            r->delivered_total - r->last_delivered, r->inflight, r->errors.total, r->closed);
    r->last_acked = r->acked_total;
    r->last_delivered = r->delivered_total;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    run_t *r = arg;
    (void)what;
    fprintf(stderr, "chatd-bench: signal %d, stopping\n", (int)fd);
    if (r->phase == P_MEASURE || r->phase == P_DRAIN) {
        if (r->t_measure_end == 0) {
            r->t_measure_end = now_us();
            bench_cpu_format(r->cpu, sizeof r->cpu);
        }
    }
    if (r->o->mode != MODE_IDLE)
        r->exit_code = 1;
    finish(r);
}

static double ms(int64_t us)
{
    return (double)us / 1000.0;
}

static void report(run_t *r)
{
    const bench_opts_t *o = r->o;
    uint64_t lost = 0, unanswered = 0, failed_delivered = 0;
    for (int i = 0; i < r->n; i++) {
        const conn_t *c = &r->conns[i];
        for (uint32_t k = 0; k < c->nmsgs; k++) {
            const msg_t *m = &c->msgs[k];
            lost += m->ack == ACK_OK && !m->delivered;
            unanswered += m->ack == ACK_NONE;
            failed_delivered += m->ack == ACK_ERROR && m->delivered;
        }
    }
    double secs = r->t_measure_start && r->t_measure_end > r->t_measure_start
                      ? (double)(r->t_measure_end - r->t_measure_start) / 1e6
                      : 0;
    char errs[512];
    err_tally_format(&r->errors, errs, sizeof errs);
    printf("ws conns=%d window=%d rate=%g size=%d duration_s=%.2f sent=%" PRIu64 " acked=%" PRIu64
           " acked/s=%.0f delivered=%" PRIu64 " delivered/s=%.0f errors=%s"
           " lost=%" PRIu64 " dup=%" PRIu64 " unanswered=%" PRIu64 " ack_p50_ms=%.2f"
           " ack_p99_ms=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f",
           r->n, o->window, o->rate, o->size, secs, r->sent_win, r->acked_win,
           secs > 0 ? (double)r->acked_win / secs : 0, r->delivered_win,
           secs > 0 ? (double)r->delivered_win / secs : 0, errs, lost, r->dup, unanswered,
           ms(hist_quantile(&r->ack_lat, 0.5)), ms(hist_quantile(&r->ack_lat, 0.99)),
           ms(hist_quantile(&r->deliver_lat, 0.5)), ms(hist_quantile(&r->deliver_lat, 0.99)),
           ms(r->deliver_lat.max));
    if (r->skipped)
        printf(" skipped=%" PRIu64, r->skipped);
    if (r->closed)
        printf(" closed=%" PRIu64, r->closed);
    if (r->misrouted)
        printf(" misrouted=%" PRIu64, r->misrouted);
    if (r->foreign)
        printf(" foreign=%" PRIu64, r->foreign);
    if (r->double_answer || r->unknown_answer)
        printf(" double_answer=%" PRIu64 " unknown_answer=%" PRIu64, r->double_answer,
               r->unknown_answer);
    printf(" total_sent=%" PRIu64 " total_acked=%" PRIu64 "%s", r->sent_total, r->acked_total,
           r->cpu);
    if (failed_delivered)
        printf(" failed_but_delivered=%" PRIu64, failed_delivered);
    if (r->bad_frames)
        printf(" bad_frames=%" PRIu64, r->bad_frames);
    if (r->events_other)
        printf(" other_events=%" PRIu64, r->events_other);
    printf("\n");
    fflush(stdout);
    if (lost || r->dup || unanswered || r->misrouted || r->double_answer || failed_delivered)
        r->exit_code = 1;
}

static void finish(run_t *r)
{
    if (r->phase == P_DONE)
        return;
    bool measured = r->phase >= P_MEASURE && r->o->mode == MODE_WS;
    r->phase = P_DONE;
    if (measured)
        report(r);
    else if (r->o->mode == MODE_IDLE && r->closed)
        fprintf(stderr, "chatd-bench: %" PRIu64 " idle connections were closed by chatd\n",
                r->closed);
    event_base_loopexit(r->base, NULL);
}

int ws_run(const bench_opts_t *o)
{
    run_t *r = calloc(1, sizeof *r);
    r->o = o;
    r->n = o->conns;
    r->base = event_base_new();
    static const wsc_handlers_t handlers = {
        .on_text = on_text, .on_closed = on_closed, .on_all_ready = all_ready};
    if (wsc_pool_init(&r->pool, o, r->base, &handlers, r) != 0) {
        event_base_free(r->base);
        free(r);
        return 1;
    }
    r->conns = calloc((size_t)r->n, sizeof *r->conns);
    r->pool.conn = calloc((size_t)r->n, sizeof *r->pool.conn);
    r->pool.n = r->n;
    for (int i = 0; i < r->n; i++)
        r->pool.conn[i] = &r->conns[i].ws;
    r->ev_phase = evtimer_new(r->base, on_phase, r);
    r->ev_tick = evtimer_new(r->base, on_tick, r);
    r->ev_progress = event_new(r->base, -1, EV_PERSIST, on_progress, r);
    r->ev_int = evsignal_new(r->base, SIGINT, on_signal, r);
    r->ev_term = evsignal_new(r->base, SIGTERM, on_signal, r);
    evsignal_add(r->ev_int, NULL);
    evsignal_add(r->ev_term, NULL);
    if (o->progress) {
        struct timeval sec = {1, 0};
        evtimer_add(r->ev_progress, &sec);
    }
    r->phase = P_CONNECT;
    set_timer(r->ev_phase, o->connect_timeout);
    wsc_pool_open(&r->pool);
    event_base_dispatch(r->base);

    for (int i = 0; i < r->n; i++) {
        wsc_close(&r->conns[i].ws);
        free(r->conns[i].msgs);
    }
    int status = r->exit_code;
    event_free(r->ev_phase);
    event_free(r->ev_tick);
    event_free(r->ev_progress);
    event_free(r->ev_int);
    event_free(r->ev_term);
    event_base_free(r->base);
    free(r->pool.conn);
    free(r->conns);
    free(r);
    return status;
}
