/* The run driver shared by the load modes. See driver.h. */
#include "driver.h"

#include <event2/event.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TICK_US 1000        /* rate mode: how often the due messages go out */
#define DRAIN_POLL_US 10000 /* drain: how often drained() is asked */
#define REPORT_CLOSES 5     /* closed connections named on stderr, at most */

static const char *const phase_names[] = {"connect", "warmup", "measure", "drain", "done"};

driver_t *driver_of(const wsc_t *w)
{
    return w->pool->user;
}

void *driver_user(const wsc_t *w)
{
    return driver_of(w)->user;
}

bool driver_sending(const driver_t *d)
{
    return d->phase == DRIVER_WARMUP || d->phase == DRIVER_MEASURE;
}

static bool holding(const driver_t *d)
{
    return d->mode->try_send == NULL;
}

static int conn_of(const driver_t *d, int k)
{
    return d->senders ? d->senders[k] : k;
}

static void set_timer(struct event *ev, double seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds,
                         .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    evtimer_add(ev, &tv);
}

static void set_tick(driver_t *d, long us)
{
    struct timeval tv = {0, us};
    evtimer_add(d->ev_tick, &tv);
}

static void close_window(driver_t *d)
{
    if (d->t_measure_start == 0 || d->t_measure_end != 0)
        return;
    d->t_measure_end = now_us();
    bench_cpu_format(d->cpu, sizeof d->cpu);
}

static void finish(driver_t *d)
{
    if (d->phase == DRIVER_DONE)
        return;
    d->phase = DRIVER_DONE;
    if (d->t_measure_start && d->mode->report)
        d->mode->report(d);
    event_base_loopexit(d->base, NULL);
}

void driver_stop(driver_t *d, bool failed)
{
    if (failed)
        d->exit_code = 1;
    close_window(d);
    finish(d);
}

/* ---- phases ---- */

static void start_measure(driver_t *d)
{
    d->phase = DRIVER_MEASURE;
    d->t_measure_start = now_us();
    bench_cpu_start();
    set_timer(d->ev_phase, d->o->duration);
}

static bool drained(const driver_t *d)
{
    return d->inflight == 0 && (d->mode->drained == NULL || d->mode->drained((driver_t *)d));
}

static void check_drain(driver_t *d)
{
    if (drained(d) || now_us() >= d->t_drain_deadline)
        finish(d);
    else
        set_tick(d, DRAIN_POLL_US);
}

static void start_drain(driver_t *d)
{
    d->phase = DRIVER_DRAIN;
    close_window(d);
    d->t_drain_deadline = d->t_measure_end + (int64_t)(d->o->drain * 1e6);
    check_drain(d);
}

static void fill_windows(driver_t *d)
{
    for (int k = 0; k < d->nsenders; k++)
        while (d->mode->try_send(d, conn_of(d, k)))
            ;
}

void driver_start(driver_t *d)
{
    if (d->ws)
        fprintf(stderr, "chatd-bench: %d connections logged in in %.2f s\n", d->pool.n,
                (double)(now_us() - d->pool.t_open) / 1e6);
    if (d->mode->started)
        d->mode->started(d);
    if (d->phase == DRIVER_DONE)
        return; /* started() stopped the run */
    if (holding(d)) {
        start_measure(d);
        return;
    }
    d->phase = DRIVER_WARMUP;
    d->t_load_start = now_us();
    if (d->o->warmup > 0)
        set_timer(d->ev_phase, d->o->warmup);
    else
        start_measure(d);
    if (d->rate > 0)
        set_tick(d, TICK_US);
    else
        fill_windows(d);
}

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
    driver_t *d = arg;
    (void)fd;
    (void)what;
    switch (d->phase) {
    case DRIVER_CONNECT:
        fprintf(stderr, "chatd-bench: only %d of %d connections logged in after %g s\n",
                d->pool.ready, d->pool.n, d->o->connect_timeout);
        wsc_pool_stop_opening(&d->pool);
        driver_stop(d, true);
        break;
    case DRIVER_WARMUP:
        start_measure(d);
        break;
    case DRIVER_MEASURE:
        if (holding(d))
            driver_stop(d, false);
        else
            start_drain(d);
        break;
    default:
        break;
    }
}

/* ---- pacing ---- */

/* Rate mode: sends what is due since the load started, round-robin over the senders; what no
 * sender can take (every window full) is skipped, not sent later. */
static void send_due(driver_t *d)
{
    uint64_t due = (uint64_t)((double)(now_us() - d->t_load_start) * d->rate / 1e6);
    int idle_turns = 0;
    while (d->rate_sent < due) {
        int i = conn_of(d, d->rr);
        d->rr = (d->rr + 1) % d->nsenders;
        if (d->mode->try_send(d, i)) {
            d->rate_sent++;
            idle_turns = 0;
        } else if (++idle_turns >= d->nsenders) {
            d->skipped += due - d->rate_sent;
            d->rate_sent = due;
        }
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    driver_t *d = arg;
    (void)fd;
    (void)what;
    if (d->phase == DRIVER_DRAIN) {
        check_drain(d);
    } else if (driver_sending(d)) {
        send_due(d);
        set_tick(d, TICK_US);
    }
}

bool driver_sent(driver_t *d)
{
    bool measured = d->phase == DRIVER_MEASURE;
    d->inflight++;
    d->sent_total++;
    if (measured)
        d->sent_win++;
    return measured;
}

void driver_answered(driver_t *d, int i, int code, int64_t sent_us, bool measured)
{
    d->inflight--;
    if (code == 0) {
        d->acked_total++;
        if (d->phase == DRIVER_MEASURE)
            d->acked_win++;
        if (measured)
            hist_add(&d->ack_lat, now_us() - sent_us);
    } else {
        err_tally_add(&d->errors, code);
    }
    if (driver_sending(d) && d->rate <= 0)
        d->mode->try_send(d, i);
}

void driver_unanswerable(driver_t *d, int code)
{
    d->inflight--;
    err_tally_add(&d->errors, code);
}

/* ---- progress, signals, connections ---- */

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    driver_t *d = arg;
    (void)fd;
    (void)what;
    char ready[32] = "", closed[32] = "", extra[256] = "";
    if (d->ws) {
        snprintf(ready, sizeof ready, " ready=%d", d->pool.ready);
        snprintf(closed, sizeof closed, " closed=%" PRIu64, d->closed);
    }
    if (d->mode->progress)
        d->mode->progress(d, extra, sizeof extra);
    fprintf(stderr,
            "chatd-bench: %-7s%s acked/s=%" PRIu64 "%s inflight=%" PRIu64 " errors=%" PRIu64 "%s\n",
            phase_names[d->phase], ready, d->acked_total - d->last_acked, extra, d->inflight,
            d->errors.total, closed);
    d->last_acked = d->acked_total;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    driver_t *d = arg;
    (void)what;
    fprintf(stderr, "chatd-bench: signal %d, stopping\n", (int)fd);
    driver_stop(d, !(holding(d) && d->phase == DRIVER_MEASURE));
}

/* A connection failed while opening (the run fails now), or dropped later (the run fails at
 * its end, or now when it was the last one). */
static void on_closed(wsc_t *w, const char *reason, bool opening)
{
    driver_t *d = driver_of(w);
    if (d->phase == DRIVER_DONE)
        return;
    d->exit_code = 1;
    if (opening) {
        char id[64];
        if (d->pool.user_id)
            d->pool.user_id(&d->pool, w->idx, id, sizeof id);
        else
            bench_user_id(d->o, w->idx, id, sizeof id);
        fprintf(stderr, "chatd-bench: connection %d (%s) failed while opening: %s\n", w->idx, id,
                reason);
        driver_stop(d, true);
        return;
    }
    if (d->closed++ < REPORT_CLOSES)
        fprintf(stderr, "chatd-bench: connection %d closed: %s\n", w->idx, reason);
    if (d->closed == (uint64_t)d->pool.n) {
        fprintf(stderr, "chatd-bench: every connection is closed, stopping\n");
        driver_stop(d, true);
    }
}

static void on_all_ready(wsc_pool_t *p)
{
    driver_start(p->user);
}

/* ---- life cycle ---- */

int driver_init(driver_t *d, const bench_opts_t *o, const driver_mode_t *mode, void *user)
{
    d->o = o;
    d->mode = mode;
    d->user = user;
    d->rate = o->rate;
    d->nsenders = o->conns;
    d->phase = DRIVER_WARMUP;
    d->base = event_base_new();
    if (d->base == NULL) {
        fprintf(stderr, "chatd-bench: cannot make an event loop\n");
        return -1;
    }
    d->ev_phase = evtimer_new(d->base, on_phase, d);
    d->ev_tick = evtimer_new(d->base, on_tick, d);
    d->ev_progress = event_new(d->base, -1, EV_PERSIST, on_progress, d);
    d->ev_int = evsignal_new(d->base, SIGINT, on_signal, d);
    d->ev_term = evsignal_new(d->base, SIGTERM, on_signal, d);
    evsignal_add(d->ev_int, NULL);
    evsignal_add(d->ev_term, NULL);
    if (o->progress) {
        struct timeval sec = {1, 0};
        evtimer_add(d->ev_progress, &sec);
    }
    return 0;
}

int driver_connect(driver_t *d, wsc_t **conn, int n,
                   void (*user_id)(wsc_pool_t *p, int idx, char *buf, size_t size))
{
    d->handlers = (wsc_handlers_t){
        .on_text = d->mode->on_text, .on_closed = on_closed, .on_all_ready = on_all_ready};
    if (wsc_pool_init(&d->pool, d->o, d->base, &d->handlers, d) != 0)
        return -1;
    d->ws = true;
    d->pool.conn = conn;
    d->pool.n = n;
    d->pool.user_id = user_id;
    d->phase = DRIVER_CONNECT;
    set_timer(d->ev_phase, d->o->connect_timeout);
    wsc_pool_open(&d->pool);
    return 0;
}

int driver_run(driver_t *d)
{
    event_base_dispatch(d->base);
    return d->exit_code;
}

void driver_free(driver_t *d)
{
    if (d->base == NULL)
        return;
    event_free(d->ev_phase);
    event_free(d->ev_tick);
    event_free(d->ev_progress);
    event_free(d->ev_int);
    event_free(d->ev_term);
    event_base_free(d->base);
    d->base = NULL;
}

/* ---- the summary line ---- */

double driver_window_s(const driver_t *d)
{
    if (d->t_measure_start == 0 || d->t_measure_end <= d->t_measure_start)
        return 0;
    return (double)(d->t_measure_end - d->t_measure_start) / 1e6;
}

double driver_per_s(const driver_t *d, uint64_t count)
{
    double secs = driver_window_s(d);
    return secs > 0 ? (double)count / secs : 0;
}

void driver_print_flags(const driver_t *d)
{
    if (d->skipped)
        printf(" skipped=%" PRIu64, d->skipped);
    if (d->closed)
        printf(" closed=%" PRIu64, d->closed);
}
