/*
 * webhook/outbox — the delivery engine of chatd's outboxes: the webhook outbox (webhook.h) and
 * the push outbox (push/push.h) run one engine each, with their own sender.
 *
 * The engine runs a cycle (one transaction, store_outbox_cycle(): record the outcomes gathered
 * since the last cycle, claim due rows) every poll_ms and soon after a poke, at most one at a
 * time and CYCLE_GAP_MS apart. It claims runs of consecutive rows per order key and hands each
 * run's rows to the sender in order, one at a time per key and at most max_in_flight in all.
 * Delivered rows are deleted; a failed one is retried with exponential backoff and jitter
 * (retry_base_ms … retry_max_ms, webhook_backoff_ms()), the rest of its run given back; past
 * max_age_s it is kept as dead. The row id is stable across retries (EventId, the notification id).
 *
 * States: OFF (no sender configured), IDLE (timer armed), POLLING (a cycle in flight) or STOPPED
 * (OFF -> IDLE <-> POLLING, any -> STOPPED); the setter asserts each move and logs it at debug
 * level.
 *
 * Metrics (prefix e.g. "chatd_webhook"): <prefix>_pending, <prefix>_queue_age_seconds,
 * <prefix>_dead (gauges refreshed every 5 s), <prefix>_in_flight, <prefix>_deliveries_total
 * {outcome="ok"|"failed"}, <prefix>_dead_total.
 *
 * Errors: nothing fails a caller. A cycle that fails (PostgreSQL down) is simply run again, and
 * the outcomes it carried are lost: those rows are delivered again when their leases run out.
 *
 * Ownership: the owner creates the engine after the db pool and frees it before the pool;
 * outbox_free() drops deliveries in flight (their leases run out: at least once). The sender's
 * calls for a row end with exactly one outbox_done(), unless the engine was freed first.
 */
#ifndef CHATD_WEBHOOK_OUTBOX_H
#define CHATD_WEBHOOK_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/attr.h"
#include "db/db.h"
#include "store/outbox.h"

struct event_base;
typedef struct outbox outbox_t;

/* A claimed row, valid until its outbox_done() (or outbox_free()). */
typedef struct outbox_item {
    int64_t id;
    int attempts; /* failed ones before this claim */
    int64_t event_time;
    char *command, *platform, *client_ip, *body, *order_key;
} outbox_item_t;

/* Sends one row; the sender ends it with outbox_done(o, item, …), now or later. */
typedef void (*outbox_send_fn)(void *ctx, outbox_t *o, const outbox_item_t *item);

typedef struct {
    const char *name;        /* "webhook", in logs */
    const char *prefix;      /* "chatd_webhook", in metrics */
    const char *noun;        /* "After-callback requests", in metrics' help */
    const char *item;        /* "event": a row in logs ("webhook: event 7 … attempt 2 failed") */
    const char *dead_hint;   /* the log's advice for a dead row: "; see v4/chatd_webhook/…" */
    const char *max_age_key; /* "webhook_max_age_s", in the dead row's log line */
    bool count_when_off;     /* refresh the gauges even when off (rows may wait there) */
    store_outbox_kind_t kind;
    /* Read at every use (config reloads apply): the config's own fields. */
    const int *max_in_flight, *timeout_ms, *poll_ms, *retry_base_ms, *retry_max_ms, *max_age_s;
    outbox_send_fn send;
    void *ctx;
} outbox_config_t;

/* off: nothing is claimed (the metrics are listed anyway). The config is copied; what it points
 * to must outlive the engine. */
outbox_t *outbox_new(struct event_base *base, db_pool_t *db, const outbox_config_t *cfg, bool off);
/* No more sends: outcomes that arrive after it are dropped (the sender's pending calls may end
 * then, e.g. when its HTTP client is freed). */
void outbox_stop(outbox_t *o);
/* Stops (if not yet) and frees. Accepts NULL. */
void outbox_free(outbox_t *o);
/* A cycle soon (rows were written). */
void outbox_poke(outbox_t *o);
/* The outcome of one sent row: delivered (ok), or failed with why (retried after a backoff, or
 * dead past max_age_s). */
void outbox_done(outbox_t *o, const outbox_item_t *item, bool ok, const char *why);
/* Sends in flight. */
int outbox_in_flight(const outbox_t *o);

#endif
