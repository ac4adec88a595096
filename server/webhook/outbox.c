/* The outbox engine: claim cycles, chains of rows per order key, leases, backoff, gauges. */
#include "webhook/outbox.h"

#include <assert.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/rand.h"
#include "core/state.h"
#include "core/xalloc.h"
#include "webhook/webhook.h"

#define COUNTS_EVERY_S 5
#define LEASE_MARGIN_MS 10000
#define HOLD_PER_SLOT 4
#define CYCLE_GAP_MS 10

/* OFF: nothing is dispatched. IDLE: waiting for the timer or a poke. POLLING: a cycle in
 * flight. STOPPED: outbox_free() ran; the struct lives on until our batches return. */
typedef enum { OB_OFF = 0, OB_IDLE, OB_POLLING, OB_STOPPED } ob_state_t;
static const char *const state_names[] = {"off", "idle", "polling", "stopped"};

/* The moves the engine may make; anything else is a bug (asserted). */
static const unsigned allowed_moves[] = {
    [OB_OFF] = STATE_BIT(OB_IDLE) | STATE_BIT(OB_STOPPED),
    [OB_IDLE] = STATE_BIT(OB_POLLING) | STATE_BIT(OB_STOPPED),
    [OB_POLLING] = STATE_BIT(OB_IDLE) | STATE_BIT(OB_STOPPED),
    [OB_STOPPED] = 0,
};

/* A claimed row, held until delivered, failed or released. */
typedef struct event_item {
    outbox_item_t item; /* first: outbox_done() finds the event from the item */
    struct chain *chain;
    struct event_item *next;
} event_item_t;

/* The claimed rows of one order_key, sent one at a time in order. */
typedef struct chain {
    struct outbox *o;
    event_item_t *head, *tail;
    struct chain *next_ready;  /* waiting for a delivery slot */
    struct chain *prev, *next; /* all chains */
} chain_t;

struct outbox {
    struct event_base *base;
    db_pool_t *db;
    outbox_config_t cfg;
    ob_state_t state;
    struct event *poll_timer, *soon, *count_timer;
    bool poll_again;
    int in_flight;                /* sends (one per chain at most) */
    int held;                     /* claimed rows in memory */
    chain_t *chains;              /* every chain */
    chain_t *ready, **ready_tail; /* chains waiting for a slot */
    store_outbox_ack_t *acks;     /* outcomes for the next cycle */
    size_t nacks, cap_acks;
    size_t cycle_nacks; /* outcomes the cycle in flight records */
    int db_pending;     /* batches of ours not called back yet */
    int64_t last_cycle_ms;
    int64_t gauge_pending, gauge_dead, gauge_age_ms;
    unsigned long long delivered, failed, dead_total;
};

static void poll_soon(outbox_t *o);
static void maybe_release(outbox_t *o);

static void set_state(outbox_t *o, ob_state_t state)
{
    if (o->state == state)
        return;
    assert(STATE_ALLOWED(allowed_moves, o->state, state));
    log_debug("%s: dispatcher %s -> %s", o->cfg.name, state_names[o->state], state_names[state]);
    o->state = state;
}

static bool stopped(const outbox_t *o)
{
    return o->state == OB_STOPPED;
}

static bool dispatching(const outbox_t *o)
{
    return o->state == OB_IDLE || o->state == OB_POLLING;
}

/* ---- the cycle: outcomes recorded and new rows claimed, one transaction at a time ---- */

static void ack_free_all(store_outbox_ack_t *acks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xfree((char *)acks[i].order_key);
        xfree((char *)acks[i].error);
    }
    xfree(acks);
}

static void ack_add(outbox_t *o, const outbox_item_t *e, store_outbox_outcome_t outcome,
                    int64_t delay_ms, const char *error)
{
    if (o->nacks == o->cap_acks) {
        o->cap_acks = o->cap_acks ? o->cap_acks * 2 : 64;
        o->acks = xrealloc(o->acks, o->cap_acks * sizeof *o->acks);
    }
    o->acks[o->nacks++] = (store_outbox_ack_t){e->id, xstrdup(e->order_key), outcome, delay_ms,
                                               error ? xstrdup(error) : NULL};
}

static void item_free(event_item_t *e)
{
    xfree(e->item.command);
    xfree(e->item.platform);
    xfree(e->item.client_ip);
    xfree(e->item.body);
    xfree(e->item.order_key);
    xfree(e);
}

static void chain_free(outbox_t *o, chain_t *c)
{
    while (c->head) {
        event_item_t *e = c->head;
        c->head = e->next;
        item_free(e);
        o->held--;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        o->chains = c->next;
    if (c->next)
        c->next->prev = c->prev;
    xfree(c);
}

static void start_deliveries(outbox_t *o);

void outbox_done(outbox_t *o, const outbox_item_t *item, bool ok, const char *why)
{
    event_item_t *e = (event_item_t *)item;
    o->in_flight--;
    if (stopped(o))
        return; /* outbox_free() frees the chains */
    chain_t *c = e->chain;
    assert(c->head == e);
    c->head = e->next;
    if (c->head == NULL)
        c->tail = NULL;
    o->held--;
    if (ok) {
        o->delivered++;
        log_debug("%s: %s %lld %s delivered", o->cfg.name, o->cfg.item, (long long)item->id,
                  item->command);
        ack_add(o, item, STORE_OUTBOX_DELIVERED, 0, NULL);
    } else {
        o->failed++;
        int64_t delay = webhook_backoff_ms(item->attempts + 1, *o->cfg.retry_base_ms,
                                           *o->cfg.retry_max_ms, rand_u32());
        log_info("%s: %s %lld %s attempt %d failed: %s; next in %lld ms", o->cfg.name, o->cfg.item,
                 (long long)item->id, item->command, item->attempts + 1, why ? why : "failed",
                 (long long)delay);
        ack_add(o, item, STORE_OUTBOX_FAILED, delay, why ? why : "failed");
        /* The rows behind it wait for it: given back, unattempted. */
        for (event_item_t *r = c->head; r; r = r->next)
            ack_add(o, &r->item, STORE_OUTBOX_RELEASED, 0, NULL);
    }
    item_free(e);
    if (ok && c->head) {
        c->next_ready = NULL;
        *o->ready_tail = c;
        o->ready_tail = &c->next_ready;
    } else {
        chain_free(o, c);
    }
    start_deliveries(o);
    poll_soon(o);
}

/* Fills the free delivery slots from the chains that wait. */
static void start_deliveries(outbox_t *o)
{
    while (o->ready && o->in_flight < *o->cfg.max_in_flight && !stopped(o)) {
        chain_t *c = o->ready;
        o->ready = c->next_ready;
        if (o->ready == NULL)
            o->ready_tail = &o->ready;
        c->next_ready = NULL;
        o->in_flight++;
        o->cfg.send(o->cfg.ctx, o, &c->head->item);
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const store_outbox_row_t *x = a, *y = b;
    int k = strcmp(x->order_key, y->order_key);
    return k ? k : (x->id > y->id) - (x->id < y->id);
}

/* Turns the claimed rows into chains, one per order_key, queued for delivery. */
static void take_rows(outbox_t *o, store_outbox_row_t *rows, size_t n)
{
    qsort(rows, n, sizeof *rows, cmp_rows);
    chain_t *c = NULL;
    for (size_t i = 0; i < n; i++) {
        const store_outbox_row_t *r = &rows[i];
        if (c == NULL || strcmp(rows[i - 1].order_key, r->order_key) != 0) {
            c = XNEW(chain_t);
            c->o = o;
            c->next = o->chains;
            if (o->chains)
                o->chains->prev = c;
            o->chains = c;
            *o->ready_tail = c;
            o->ready_tail = &c->next_ready;
        }
        event_item_t *e = XNEW(event_item_t);
        e->chain = c;
        e->item = (outbox_item_t){
            .id = r->id,
            .attempts = r->attempts,
            .event_time = r->event_time,
            .command = xstrdup(r->command),
            .platform = xstrdup(r->platform),
            .client_ip = xstrdup(r->client_ip),
            .body = xstrdup(r->body),
            .order_key = xstrdup(r->order_key),
        };
        if (c->tail)
            c->tail->next = e;
        else
            c->head = e;
        c->tail = e;
        o->held++;
    }
    start_deliveries(o);
}

static void on_cycle(err_t err, const store_ids_t *dead, store_outbox_row_t *rows, size_t n,
                     bool more, void *arg)
{
    outbox_t *o = arg;
    o->db_pending--;
    if (stopped(o)) {
        maybe_release(o);
        return;
    }
    set_state(o, OB_IDLE);
    size_t nacks = o->cycle_nacks;
    o->cycle_nacks = 0;
    if (err != ERR_OK) {
        /* Unrecorded outcomes: their leases run out and the rows go again (at least once). */
        log_warn("%s: dispatcher cycle failed (%s); %zu outcomes not recorded", o->cfg.name,
                 err == ERR_DB_DOWN ? "database down" : "statement failed", nacks);
        return;
    }
    for (size_t i = 0; i < dead->n; i++) {
        o->dead_total++;
        log_warn("%s: %s is dead: undelivered past its max age (%d s)", o->cfg.name, dead->ids[i],
                 *o->cfg.max_age_s);
    }
    if (dead->n > 0)
        event_active(o->count_timer, EV_TIMEOUT, 0);
    take_rows(o, rows, n);
    /* Again at once when more may be due, or outcomes or pokes arrived meanwhile. */
    if (more || o->poll_again || o->nacks > 0 || nacks > 0)
        poll_soon(o);
}

static void cycle_now(outbox_t *o)
{
    if (!dispatching(o))
        return;
    if (o->state == OB_POLLING) {
        o->poll_again = true;
        return;
    }
    /* Claimed rows wait in memory for a slot: at most HOLD_PER_SLOT per slot. */
    int free_slots = *o->cfg.max_in_flight * HOLD_PER_SLOT - o->held;
    if (free_slots <= 0 && o->nacks == 0) {
        o->poll_again = true; /* a completion polls */
        return;
    }
    if (free_slots < 0)
        free_slots = 0;
    o->poll_again = false;
    set_state(o, OB_POLLING);
    o->cycle_nacks = o->nacks;
    o->last_cycle_ms = mono_ms();
    o->db_pending++;
    /* A claimed row may wait for the ones before it in its chain (each at most a timeout) and
     * for a slot (at most HOLD_PER_SLOT timeouts): its lease covers both. */
    int64_t timeout = *o->cfg.timeout_ms;
    store_outbox_cycle(o->db, o->cfg.kind, o->acks, o->nacks, (int64_t)*o->cfg.max_age_s * 1000,
                       free_slots, free_slots * 2 + 16, timeout,
                       timeout * HOLD_PER_SLOT + LEASE_MARGIN_MS, on_cycle, o);
    ack_free_all(o->acks, o->nacks);
    o->acks = NULL;
    o->nacks = o->cap_acks = 0;
}

static void on_soon(evutil_socket_t fd, short what, void *arg)
{
    cycle_now(arg);
}

/* A cycle soon: after this loop pass, and at least CYCLE_GAP_MS after the previous one began,
 * so that the pokes and outcomes of a busy moment share one transaction. */
static void poll_soon(outbox_t *o)
{
    if (!dispatching(o) || evtimer_pending(o->soon, NULL))
        return;
    int64_t wait = o->last_cycle_ms + CYCLE_GAP_MS - mono_ms();
    if (wait < 0)
        wait = 0;
    struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
    evtimer_add(o->soon, &tv);
}

void outbox_poke(outbox_t *o)
{
    if (o)
        poll_soon(o);
}

static void on_poll_timer(evutil_socket_t fd, short what, void *arg)
{
    cycle_now(arg);
}

/* ---- gauges ---- */

static void on_counts(err_t err, int64_t pending, int64_t dead, int64_t oldest_ms, void *arg)
{
    outbox_t *o = arg;
    o->db_pending--;
    if (stopped(o)) {
        maybe_release(o);
        return;
    }
    if (err == ERR_OK) {
        o->gauge_pending = pending;
        o->gauge_dead = dead;
        o->gauge_age_ms = oldest_ms;
    }
}

static void on_count_timer(evutil_socket_t fd, short what, void *arg)
{
    outbox_t *o = arg;
    if (stopped(o))
        return;
    o->db_pending++;
    store_outbox_counts(o->db, o->cfg.kind, on_counts, o);
}

static void write_metrics(sbuf_t *out, void *arg)
{
    outbox_t *o = arg;
    const char *p = o->cfg.prefix;
    sbuf_printf(out,
                "# HELP %s_pending Outbox rows not yet delivered (refreshed every %d s).\n"
                "# TYPE %s_pending gauge\n"
                "%s_pending %lld\n"
                "# HELP %s_queue_age_seconds Wait of the oldest undelivered row (refreshed every "
                "%d s).\n"
                "# TYPE %s_queue_age_seconds gauge\n"
                "%s_queue_age_seconds %.3f\n"
                "# HELP %s_dead Outbox rows given up after their max age.\n"
                "# TYPE %s_dead gauge\n"
                "%s_dead %lld\n"
                "# HELP %s_in_flight %s in flight.\n"
                "# TYPE %s_in_flight gauge\n"
                "%s_in_flight %d\n"
                "# HELP %s_deliveries_total Delivery attempts by outcome.\n"
                "# TYPE %s_deliveries_total counter\n"
                "%s_deliveries_total{outcome=\"ok\"} %llu\n"
                "%s_deliveries_total{outcome=\"failed\"} %llu\n"
                "# HELP %s_dead_total Rows this node declared dead.\n"
                "# TYPE %s_dead_total counter\n"
                "%s_dead_total %llu\n",
                p, COUNTS_EVERY_S, p, p, (long long)o->gauge_pending, p, COUNTS_EVERY_S, p, p,
                (double)o->gauge_age_ms / 1000, p, p, p, (long long)o->gauge_dead, p, o->cfg.noun,
                p, p, o->in_flight, p, p, p, o->delivered, p, o->failed, p, p, p, o->dead_total);
}

/* ---- set-up ---- */

outbox_t *outbox_new(struct event_base *base, db_pool_t *db, const outbox_config_t *cfg, bool off)
{
    outbox_t *o = XNEW(outbox_t);
    o->base = base;
    o->db = db;
    o->cfg = *cfg;
    o->ready_tail = &o->ready;
    o->poll_timer = event_new(base, -1, EV_PERSIST, on_poll_timer, o);
    o->soon = evtimer_new(base, on_soon, o);
    o->count_timer = event_new(base, -1, EV_PERSIST, on_count_timer, o);
    struct timeval every = {COUNTS_EVERY_S, 0};
    if (!off || cfg->count_when_off) {
        event_add(o->count_timer, &every);
        event_active(o->count_timer, EV_TIMEOUT, 0);
    }
    metrics_register(write_metrics, o);
    if (off)
        return o;
    set_state(o, OB_IDLE);
    int poll_ms = *cfg->poll_ms;
    struct timeval poll = {poll_ms / 1000, (poll_ms % 1000) * 1000};
    event_add(o->poll_timer, &poll);
    poll_soon(o);
    return o;
}

int outbox_in_flight(const outbox_t *o)
{
    return o ? o->in_flight : 0;
}

/* Frees the struct once no batch of ours can call back any more. */
static void maybe_release(outbox_t *o)
{
    if (!stopped(o) || o->db_pending > 0)
        return;
    xfree(o);
}

void outbox_stop(outbox_t *o)
{
    if (o)
        set_state(o, OB_STOPPED);
}

void outbox_free(outbox_t *o)
{
    if (o == NULL)
        return;
    set_state(o, OB_STOPPED);
    while (o->chains)
        chain_free(o, o->chains);
    struct event *evs[] = {o->poll_timer, o->soon, o->count_timer};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i])
            event_free(evs[i]);
    if (o->nacks > 0)
        log_info("%s: %zu delivery outcomes not recorded; those %ss will be delivered again",
                 o->cfg.name, o->nacks, o->cfg.item);
    ack_free_all(o->acks, o->nacks);
    maybe_release(o);
}
