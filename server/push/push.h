/*
 * push — offline push delivery (docs/push.md): the dispatcher of the push outbox and the
 * providers that reach devices.
 *
 * Notifications are rows of push_outbox (store/push.h), written in the transaction of the
 * message they announce. The dispatcher is an outbox engine (webhook/outbox.h: claim cycles,
 * leases, backoff with jitter, dead after push_max_age_s) whose sender hands each row to a
 * provider: the generic HTTP gateway (gateway.c, push_gateway_url) when one is configured,
 * which then gets every notification whatever the device's vendor; else FCM HTTP v1 (fcm.c,
 * push_fcm_credentials) for the fcm devices and APNs (apns.c, push_apns_key_file: HTTP/2) for
 * the apns devices. A provider's answer is
 * sent (the row goes), retry (the engine backs off; nothing is lost while a provider is down)
 * or an invalid token (the row goes and the binding is removed, if it still holds that token).
 * The row id is the notification id, the same on every retry: delivery is at least once.
 *
 * Metrics: the engine's chatd_push_pending, chatd_push_queue_age_seconds, chatd_push_dead,
 * chatd_push_in_flight, chatd_push_deliveries_total, chatd_push_dead_total; and per provider
 * chatd_push_sent_total, chatd_push_failed_total, chatd_push_invalid_tokens_total.
 *
 * Ownership: main.c creates it after the db pool and frees it before the pool.
 */
#ifndef CHATD_PUSH_PUSH_H
#define CHATD_PUSH_PUSH_H

#include <stddef.h>

#include "api/api.h"
#include "config/config.h"
#include "core/attr.h"
#include "db/db.h"

struct event_base;
typedef struct push push_t;

/* NULL, with a reason naming the config key in errbuf, when a push key is unusable. */
MUSTCHECK push_t *push_new(struct event_base *base, const config_t *cfg, db_pool_t *db,
                           char *errbuf, size_t errlen);
/* Accepts NULL. Sends in flight are dropped: their leases run out and they go again. */
void push_free(push_t *p);
/* The hooks for api_env_t: NULL when no provider is configured (nothing is queued then). */
const api_push_hooks_t *push_hooks(push_t *p);

#endif
