/* The run driver shared by the load modes: one event loop, the phases of a run, pacing, the
 * progress line, the drain and the tallies every mode reports.
 *
 * Phases, in order (a mode without a connect phase starts at WARMUP):
 *   CONNECT  the WebSocket clients open and log in, --ramp at a time, within --connect-timeout;
 *   WARMUP   messages flow, not measured (--warmup s);
 *   MEASURE  messages flow, measured (--duration s): the window of every "/s" figure, of the
 *            latencies and of the CPU figures;
 *   DRAIN    nothing more is sent; the run waits up to --drain s until every message is answered
 *            and the mode's drained() says nothing else is awaited (deliveries);
 *   DONE     the mode's report() prints the summary line, the loop exits.
 * A mode without try_send() holds instead (idle clients, the conversation requests): after
 * CONNECT it stays in MEASURE for --duration s and then is DONE, with no drain; a signal ends a
 * hold without failing it.
 *
 * Pacing: with --rate R the driver sends R messages/s in all, every millisecond, round-robin
 * over the senders; otherwise (window mode) each sender starts with its window full and sends
 * again on each answer. The mode's try_send() decides whether a connection can take one more.
 *
 * SIGINT and SIGTERM stop the run (the window closes there, the summary is still printed) and
 * fail it, except a hold. Every failure sets exit_code to 1.
 *
 * Ownership: the driver owns its event base, its timers, signal events and, in WebSocket modes,
 * the wsc pool (not the connections, which the mode owns and closes before driver_free()). */
#ifndef CHATD_BENCH_DRIVER_H
#define CHATD_BENCH_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "wsc.h"

typedef enum {
    DRIVER_CONNECT,
    DRIVER_WARMUP,
    DRIVER_MEASURE,
    DRIVER_DRAIN,
    DRIVER_DONE
} driver_phase_t;

typedef struct driver driver_t;

/* What a mode supplies; every callback may be NULL unless said otherwise. */
typedef struct {
    /* Sends one message on connection i if it can take one (logged in, room in its window) and
     * returns true; false otherwise. It must return false once the window is full: window mode
     * fills a sender by calling it until it does. NULL: the mode holds (see above). */
    bool (*try_send)(driver_t *d, int i);
    /* True when nothing beyond the answers is still awaited (every delivery in). NULL: the
     * answers are all. */
    bool (*drained)(driver_t *d);
    /* The load (or the hold) has just started: the connections are logged in. */
    void (*started)(driver_t *d);
    /* Writes the mode's own figures for the progress line (" delivered/s=…") into buf. */
    void (*progress)(driver_t *d, char *buf, size_t size);
    /* Prints the summary line; called once at the end when MEASURE was reached. May set
     * exit_code. */
    void (*report)(driver_t *d);
    /* WebSocket modes: a text frame on connection w (see wsc.h). */
    void (*on_text)(wsc_t *w, const char *data, size_t len);
} driver_mode_t;

struct driver {
    const bench_opts_t *o;
    const driver_mode_t *mode;
    void *user; /* the mode's run */
    struct event_base *base;
    wsc_pool_t pool; /* WebSocket modes, after driver_connect() */
    bool ws;
    wsc_handlers_t handlers;
    driver_phase_t phase;
    int exit_code;

    /* Senders, set by the mode before driver_start(): connection senders[k], or k itself when
     * senders is NULL, for k < nsenders. */
    const int *senders;
    int nsenders;
    double rate; /* messages/s in all; 0: window mode */

    int64_t t_load_start, t_measure_start, t_measure_end, t_drain_deadline;
    struct event *ev_phase, *ev_tick, *ev_progress, *ev_int, *ev_term;
    int rr;

    /* Whole run */
    uint64_t sent_total, acked_total, inflight, rate_sent, skipped, closed;
    err_tally_t errors;
    /* Measurement window */
    uint64_t sent_win, acked_win;
    hist_t ack_lat; /* send → answer (code 0) of the messages sent in the window */
    uint64_t last_acked;
    char cpu[256]; /* bench_cpu_format() of the window */
};

/* Makes the loop, the timers and the signal events; rate and senders default to --rate and
 * every connection (nsenders = --conns). -1 after printing why. */
int driver_init(driver_t *d, const bench_opts_t *o, const driver_mode_t *mode, void *user);
/* WebSocket modes: opens the n connections conn[] (owned by the mode; user_id NULL: account
 * idx) within --connect-timeout; the load starts once all are logged in. -1 after printing why
 * (--host does not resolve). */
int driver_connect(driver_t *d, wsc_t **conn, int n,
                   void (*user_id)(wsc_pool_t *p, int idx, char *buf, size_t size));
/* Starts the load (or the hold) now; REST modes call it after driver_init(). */
void driver_start(driver_t *d);
/* Runs the loop until the run is done; returns exit_code. */
int driver_run(driver_t *d);
/* Frees what driver_init() and driver_connect() made. */
void driver_free(driver_t *d);

/* The driver of a WebSocket connection and the mode's run. */
driver_t *driver_of(const wsc_t *w);
void *driver_user(const wsc_t *w);

/* True in WARMUP and MEASURE. */
bool driver_sending(const driver_t *d);
/* A message went out; returns whether it belongs to the measurement window. */
bool driver_sent(driver_t *d);
/* The answer to a message sent at sent_us (measured: what driver_sent() said) on connection i
 * arrived with code (0: accepted); in window mode connection i sends again. */
void driver_answered(driver_t *d, int i, int code, int64_t sent_us, bool measured);
/* A message driver_sent() counted will get no answer (the request could not be made). */
void driver_unanswerable(driver_t *d, int code);
/* Ends the run now: closes the window if open, prints the report; failed sets exit_code. */
void driver_stop(driver_t *d, bool failed);
/* Seconds the measurement window lasted; 0 before it closed. */
double driver_window_s(const driver_t *d);
/* Per second over the window; 0 when it did not last. */
double driver_per_s(const driver_t *d, uint64_t count);
/* Prints the tallies that flag a problem, " skipped=N closed=N", each when not zero. */
void driver_print_flags(const driver_t *d);

#endif
