/* WebSocket modes: pairs of clients exchanging one-to-one messages, and idle clients.
 *
 * The clients are wsc.c's (RFC 6455 by hand, client frames masked). Messages carry
 * "B <sender> <n> <send time µs>" as their text, so the receiver can find the sender's record
 * of message n without any lookup table: request seq n + 1 is the sendMessage of message n, and
 * seq 0 is the login. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "driver.h"
#include "wsc.h"

enum { ACK_NONE, ACK_OK, ACK_ERROR };

/* One sent message, as its sender recorded it. */
typedef struct {
    int64_t sent_us;
    uint8_t ack;       /* ACK_* */
    uint8_t delivered; /* onRecvNewMessage pushes seen, saturating */
    uint8_t measured;  /* sent inside the measurement window */
} msg_t;

typedef struct {
    wsc_t ws;    /* first: the pool's pointers are to it */
    msg_t *msgs; /* indexed by message number */
    uint32_t nmsgs, cap;
    uint32_t inflight;
} conn_t;

typedef struct {
    driver_t d;
    conn_t *conns;
    wsc_t **ptrs;
    int n;
    uint64_t delivered_total, delivered_win, last_delivered;
    uint64_t pending_delivery; /* acknowledged, not yet delivered */
    uint64_t dup, misrouted, foreign, double_answer, unknown_answer, bad_frames, events_other;
    hist_t deliver_lat;
} run_t;

static bool try_send(driver_t *d, int i)
{
    run_t *r = d->user;
    const bench_opts_t *o = d->o;
    conn_t *c = &r->conns[i];
    if (c->ws.state != WSC_READY || (o->window > 0 && c->inflight >= (uint32_t)o->window))
        return false;
    uint32_t n = c->nmsgs;
    msg_t *m = bench_grow((void **)&c->msgs, &c->nmsgs, &c->cap, sizeof *c->msgs, 1024);
    m->sent_us = now_us();
    m->ack = ACK_NONE;
    m->delivered = 0;
    m->measured = driver_sent(d);

    char text[8192];
    bench_text(o, text, sizeof text, "B %d %u %" PRId64 " ", i, n, m->sent_us);
    char peer[64];
    bench_user_id(o, i ^ 1, peer, sizeof peer);
    char frame[8192 + 512];
    int fl = snprintf(frame, sizeof frame,
                      "{\"seq\":%u,\"cmd\":\"sendMessage\",\"body\":{\"receiver\":\"%s\","
                      "\"random\":%u,\"msgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":"
                      "{\"Text\":\"%s\"}}]}}",
                      n + 1, peer, (unsigned)wsc_rng(&d->pool), text);
    wsc_send_text(&c->ws, frame, (size_t)fl);
    c->inflight++;
    return true;
}

/* ---- what arrives ---- */

static void on_answer(run_t *r, conn_t *c, json_t *doc)
{
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
    c->inflight--;
    m->ack = code == 0 ? ACK_OK : ACK_ERROR;
    if (code == 0 && !m->delivered)
        r->pending_delivery++;
    driver_answered(&r->d, c->ws.idx, code, m->sent_us, m->measured);
}

static void on_new_message(run_t *r, conn_t *c, json_t *body)
{
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
    if (r->d.phase == DRIVER_MEASURE)
        r->delivered_win++;
    if (m->measured)
        hist_add(&r->deliver_lat, now_us() - sent_us);
    if (m->ack == ACK_OK)
        r->pending_delivery--;
}

static void on_text(wsc_t *w, const char *data, size_t len)
{
    conn_t *c = (conn_t *)w;
    run_t *r = driver_user(w);
    json_t *doc = json_loadb(data, len, 0, NULL);
    if (!json_is_object(doc)) {
        r->bad_frames++;
        json_decref(doc);
        return;
    }
    json_t *event = json_object_get(doc, "event");
    if (json_is_string(event)) {
        if (strcmp(json_string_value(event), "onRecvNewMessage") == 0)
            on_new_message(r, c, json_object_get(doc, "body"));
        else
            r->events_other++;
    } else {
        on_answer(r, c, doc);
    }
    json_decref(doc);
}

/* ---- what the driver asks ---- */

static bool drained(driver_t *d)
{
    const run_t *r = d->user;
    return r->pending_delivery == 0;
}

static void progress(driver_t *d, char *buf, size_t size)
{
    run_t *r = d->user;
    snprintf(buf, size, " delivered/s=%" PRIu64, r->delivered_total - r->last_delivered);
    r->last_delivered = r->delivered_total;
}

static void report(driver_t *d)
{
    const run_t *r = d->user;
    const bench_opts_t *o = d->o;
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
    char errs[512];
    err_tally_format(&d->errors, errs, sizeof errs);
    printf("ws conns=%d window=%d rate=%g size=%d duration_s=%.2f sent=%" PRIu64 " acked=%" PRIu64
           " acked/s=%.0f delivered=%" PRIu64 " delivered/s=%.0f errors=%s"
           " lost=%" PRIu64 " dup=%" PRIu64 " unanswered=%" PRIu64 " ack_p50_ms=%.2f"
           " ack_p99_ms=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f",
           r->n, o->window, o->rate, o->size, driver_window_s(d), d->sent_win, d->acked_win,
           driver_per_s(d, d->acked_win), r->delivered_win, driver_per_s(d, r->delivered_win), errs,
           lost, r->dup, unanswered, bench_ms(hist_quantile(&d->ack_lat, 0.5)),
           bench_ms(hist_quantile(&d->ack_lat, 0.99)),
           bench_ms(hist_quantile(&r->deliver_lat, 0.5)),
           bench_ms(hist_quantile(&r->deliver_lat, 0.99)), bench_ms(r->deliver_lat.max));
    driver_print_flags(d);
    if (r->misrouted)
        printf(" misrouted=%" PRIu64, r->misrouted);
    if (r->foreign)
        printf(" foreign=%" PRIu64, r->foreign);
    if (r->double_answer || r->unknown_answer)
        printf(" double_answer=%" PRIu64 " unknown_answer=%" PRIu64, r->double_answer,
               r->unknown_answer);
    printf(" total_sent=%" PRIu64 " total_acked=%" PRIu64 "%s", d->sent_total, d->acked_total,
           d->cpu);
    if (failed_delivered)
        printf(" failed_but_delivered=%" PRIu64, failed_delivered);
    if (r->bad_frames)
        printf(" bad_frames=%" PRIu64, r->bad_frames);
    if (r->events_other)
        printf(" other_events=%" PRIu64, r->events_other);
    printf("\n");
    fflush(stdout);
    if (lost || r->dup || unanswered || r->misrouted || r->double_answer || failed_delivered)
        d->exit_code = 1;
}

/* Idle mode: the clients are logged in; say so on stdout, then hold them. */
static void idle_started(driver_t *d)
{
    fprintf(stdout, "idle conns=%d logged_in=%d open_s=%.2f hold_s=%g\n", d->pool.n, d->pool.ready,
            (double)(now_us() - d->pool.t_open) / 1e6, d->o->duration);
    fflush(stdout);
}

static void idle_report(driver_t *d)
{
    if (d->closed)
        fprintf(stderr, "chatd-bench: %" PRIu64 " idle connections were closed by chatd\n",
                d->closed);
}

static const driver_mode_t pairs_mode = {
    .try_send = try_send,
    .drained = drained,
    .progress = progress,
    .report = report,
    .on_text = on_text,
};

static const driver_mode_t idle_mode = {
    .started = idle_started,
    .report = idle_report,
    .on_text = on_text,
};

int ws_run(const bench_opts_t *o)
{
    run_t *r = calloc(1, sizeof *r);
    r->n = o->conns;
    r->conns = calloc((size_t)r->n, sizeof *r->conns);
    r->ptrs = calloc((size_t)r->n, sizeof *r->ptrs);
    for (int i = 0; i < r->n; i++)
        r->ptrs[i] = &r->conns[i].ws;
    const driver_mode_t *mode = o->mode == MODE_IDLE ? &idle_mode : &pairs_mode;
    int status = 1;
    if (driver_init(&r->d, o, mode, r) == 0 && driver_connect(&r->d, r->ptrs, r->n, NULL) == 0)
        status = driver_run(&r->d);
    for (int i = 0; i < r->n; i++) {
        wsc_close(&r->conns[i].ws);
        free(r->conns[i].msgs);
    }
    driver_free(&r->d);
    free(r->ptrs);
    free(r->conns);
    free(r);
    return status;
}
