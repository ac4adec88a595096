/*
 * webhook — chatd's callbacks to the app's backend, in Tencent's protocol (docs/webhooks.md).
 *
 * Two kinds, both POSTed to webhook_url with the query parameters SdkAppid, CallbackCommand,
 * contenttype=json, ClientIP, OptPlatform (and Sign, RequestTime when webhook_token is set):
 *
 *  - before-callbacks (C2C.CallbackBeforeSendMsg, …) run while the request waits: the api layer
 *    calls api_hooks_t.before(); the answer allows, refuses, drops or rewrites. One HTTP attempt
 *    of at most webhook_timeout_ms; no answer, or a broken one, counts as "allow" unless
 *    webhook_before_fail = block (then the caller gets 80003).
 *  - after-callbacks are rows of the outbox (store/webhook.h), written in the transaction of the
 *    change. The dispatcher runs a cycle (one transaction: record the outcomes gathered since
 *    the last cycle, claim due events) every webhook_poll_ms and soon after a poke, at most one
 *    at a time and CYCLE_GAP_MS apart. It claims runs of consecutive events per order key and
 *    delivers each run in order, one request at a time per key and at most
 *    webhook_max_in_flight in all. Delivered events are deleted; a failed one is retried with
 *    exponential backoff and jitter (webhook_retry_base_ms … webhook_retry_max_ms), the rest of
 *    its run given back; past webhook_max_age_s it is kept as dead. Every body carries EventId
 *    (the row id), stable across retries.
 *
 * A delivery succeeds on HTTP 200 with a JSON object whose ErrorCode is 0 (or, without
 * ErrorCode, whose ActionStatus is "OK"); anything else — connection, TLS or DNS failure,
 * timeout, another status, a body that is not such JSON, ActionStatus "FAIL" — is retried.
 *
 * Everything runs on the loop: HTTP through libevent (evhttp connections with keep-alive, TLS by
 * libevent_openssl with the system CAs plus webhook_ca_file, certificate and host name
 * verified; names resolved by evdns). A slow receiver only fills the in-flight window; message
 * delivery never waits for it.
 *
 * States: the dispatcher is OFF (no webhook_url), IDLE (timer armed), POLLING (a cycle in
 * flight) or STOPPED (OFF -> IDLE <-> POLLING, any -> STOPPED); each delivery and each
 * before-call is one HTTP request (QUEUED -> SENT -> DONE, QUEUED -> DONE when it times out
 * waiting) on a connection (idle <-> busy, any -> broken, replaced before reuse). Each state
 * setter asserts the move against its table of allowed transitions and logs it at debug level.
 *
 * Errors: nothing here fails a caller. A before-callback that fails becomes the policy's
 * verdict; a delivery that fails is retried; a cycle that fails (PostgreSQL down) is simply
 * run again, and the outcomes it carried are lost: those events are delivered again when their
 * leases run out.
 *
 * Ownership: main.c creates the webhook after the db pool and frees it before the message writer
 * and the pool. webhook_free() answers pending before-calls as failed (by the policy) and drops
 * deliveries in flight: their leases run out and they are delivered again (at least once).
 */
#ifndef CHATD_WEBHOOK_WEBHOOK_H
#define CHATD_WEBHOOK_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "config/config.h"
#include "core/attr.h"
#include "db/db.h"
#include "store/webhook.h"

struct event_base;
typedef struct webhook webhook_t;

/* NULL, with a reason naming the config key in errbuf, when webhook_url, webhook_commands or
 * webhook_ca_file is unusable. With an empty webhook_url the hooks fire nothing. */
MUSTCHECK webhook_t *webhook_new(struct event_base *base, const config_t *cfg, db_pool_t *db,
                                 char *errbuf, size_t errlen);
/* Accepts NULL. */
void webhook_free(webhook_t *w);
/* The hooks for api_env_t; valid until webhook_free(). */
const api_hooks_t *webhook_hooks(webhook_t *w);
/* Events handed to emit() whose insert has not committed yet (shutdown waits for them). */
int webhook_pending_writes(const webhook_t *w);

/* ---- pure parts (unit-tested) ---- */

/* Sign = lowercase hex of SHA-256(token followed by the decimal request_time). */
void webhook_sign(const char *token, int64_t request_time, char out[65]);

/* Delay before attempt `attempt + 1` after `attempt` failures (attempt ≥ 1): base·2^(attempt−1)
 * capped at max, of which the upper half is jitter drawn from rnd: [d/2, d]. */
int64_t webhook_backoff_ms(int attempt, int base_ms, int max_ms, uint32_t rnd);

/* The query string (no leading '?') of a callback: values percent-encoded; Sign and RequestTime
 * only when token is non-empty. Heap string (xfree). */
char *webhook_query(uint64_t sdkappid, const char *command, const char *client_ip,
                    const char *platform, const char *token, int64_t request_time);

/* The body POSTed for an outbox event: {"CallbackCommand", <the stored fields>, "EventTime",
 * "EventId"}; NULL when fields_json is not a JSON object text. Heap string (xfree). */
MUSTCHECK char *webhook_event_body(const char *command, const char *fields_json, int64_t event_time,
                                   int64_t event_id);

/* Whether an after-callback answer (HTTP status and body) means delivered; if not, why. */
MUSTCHECK bool webhook_after_ok(int status, const char *body, size_t len, char *why, size_t whylen);

/* What a before-callback answer means for `def` (reference §2.4): 0 allow, 1 refuse with
 * def->refuse_code, 2 drop, a code in [custom_min, custom_max] refuse with that code and the
 * app's ErrorInfo. FAILED: no usable answer (status not 200, not JSON, an unknown ErrorCode). */
typedef enum {
    WEBHOOK_BEFORE_ALLOW = 0,
    WEBHOOK_BEFORE_REFUSE,
    WEBHOOK_BEFORE_DROP,
    WEBHOOK_BEFORE_FAILED,
} webhook_before_kind_t;

typedef struct {
    webhook_before_kind_t kind;
    int code;       /* REFUSE */
    char info[256]; /* REFUSE with a custom code: the app's ErrorInfo (never empty); else why */
    json_t *reply;  /* ALLOW: the answer object (owned: json_decref) */
} webhook_before_t;

void webhook_before_parse(const store_webhook_cmd_def_t *def, int status, const char *body,
                          size_t len, webhook_before_t *out);

#endif
