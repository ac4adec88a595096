/* The webhook module's glue: the hooks the api layer calls (before-callbacks, emitted events,
 * pokes) and the outbox dispatcher (claim, deliver, acknowledge), with its metrics. */
#include <assert.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/rand.h"
#include "core/state.h"
#include "core/xalloc.h"
#include "store/stats.h"
#include "webhook/client.h"
#include "webhook/outbox.h"
#include "webhook/webhook.h"

#define BEFORE_MAX_CONNS 128

enum { B_ALLOW = 0, B_REFUSE, B_DROP, B_FAILED, B_KINDS };
static const char *const before_outcomes[] = {"allow", "refuse", "drop", "failed"};

typedef struct before_call {
    struct webhook *w;
    store_webhook_cmd_t cmd;
    api_before_fn cb;
    void *arg;
} before_call_t;

struct webhook {
    struct event_base *base;
    const config_t *cfg;
    db_pool_t *db;
    api_hooks_t hooks;
    outbox_t *outbox;
    bool stopped;
    struct evdns_base *dns;
    SSL_CTX *ssl;
    wh_client_t *after, *before;
    char *path;     /* webhook_url's path and query */
    int db_pending; /* emitted events not called back yet */
    int pending_writes;
    unsigned long long before_counts[B_KINDS];
};

static void maybe_release(webhook_t *w);

static void maybe_release(webhook_t *w);

static bool stopped(const webhook_t *w)
{
    return w->stopped;
}

/* The URI (path?query) of one callback. */
static char *callback_uri(const webhook_t *w, const char *command, const char *client_ip,
                          const char *platform)
{
    char *query = webhook_query(w->cfg->sdkappid, command, client_ip, platform,
                                w->cfg->webhook_token, wall_s());
    char *uri = xasprintf("%s%s%s", w->path, strchr(w->path, '?') ? "&" : "?", query);
    xfree(query);
    return uri;
}

/* ---- after-callbacks: the outbox engine's sender ---- */

typedef struct {
    webhook_t *w;
    outbox_t *o;
    const outbox_item_t *e;
} delivery_t;

static void on_delivered(int status, const char *body, size_t len, const char *error, void *arg)
{
    delivery_t *d = arg;
    if (status != 0)
        stats_add(STATS_CALLBACK_RSP, 1);
    char why[300];
    bool ok = status != 0 && webhook_after_ok(status, body, len, why, sizeof why);
    if (status == 0)
        snprintf(why, sizeof why, "%s", error ? error : "no answer");
    outbox_done(d->o, d->e, ok, ok ? NULL : why);
    xfree(d);
}

static void deliver(void *ctx, outbox_t *o, const outbox_item_t *e)
{
    webhook_t *w = ctx;
    char *body = webhook_event_body(e->command, e->body, e->event_time, e->id);
    if (body == NULL) /* not an object: cannot be sent; sent as {} plus the protocol fields */
        body = webhook_event_body(e->command, "{}", e->event_time, e->id);
    char *uri = callback_uri(w, e->command, e->client_ip, e->platform);
    delivery_t *d = XNEW(delivery_t);
    *d = (delivery_t){w, o, e};
    stats_add(STATS_CALLBACK_REQ, 1);
    wh_client_post(w->after, uri, body, strlen(body), w->cfg->webhook_timeout_ms, on_delivered, d);
    xfree(uri);
    xfree(body);
}

static void write_metrics(sbuf_t *out, void *arg)
{
    webhook_t *w = arg;
    sbuf_printf(out, "# HELP chatd_webhook_before_total Before-callbacks by outcome.\n"
                     "# TYPE chatd_webhook_before_total counter\n");
    for (int i = 0; i < B_KINDS; i++)
        sbuf_printf(out, "chatd_webhook_before_total{outcome=\"%s\"} %llu\n", before_outcomes[i],
                    w->before_counts[i]);
}

/* ---- hooks ---- */

static void hook_poke(void *ctx)
{
    webhook_t *w = ctx;
    outbox_poke(w->outbox);
}

static void on_emitted(err_t err, void *arg)
{
    webhook_t *w = arg;
    w->db_pending--;
    w->pending_writes--;
    if (stopped(w)) {
        maybe_release(w);
        return;
    }
    if (err != ERR_OK)
        log_warn("webhook: an event could not be recorded (%s)",
                 err == ERR_DB_DOWN ? "database down" : "statement failed");
    else
        outbox_poke(w->outbox);
}

static void hook_emit(void *ctx, store_webhook_cmd_t cmd, const char *order_key,
                      const store_webhook_origin_t *origin, json_t *body)
{
    webhook_t *w = ctx;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (w->after == NULL || stopped(w) || text == NULL) {
        free(text);
        return;
    }
    w->pending_writes++;
    w->db_pending++;
    store_webhook_event(w->db, cmd, order_key, origin, text, on_emitted, w);
    free(text);
}

static void before_answer(before_call_t *bc, webhook_before_t *b)
{
    webhook_t *w = bc->w;
    const store_webhook_cmd_def_t *def = store_webhook_cmd(bc->cmd);
    api_before_result_t r = {.verdict = API_BEFORE_ALLOW};
    switch (b->kind) {
    case WEBHOOK_BEFORE_ALLOW:
        r.reply = b->reply;
        w->before_counts[B_ALLOW]++;
        break;
    case WEBHOOK_BEFORE_REFUSE:
        r.verdict = API_BEFORE_REFUSE;
        r.code = b->code;
        r.info = err_app_defined(b->code) ? b->info : NULL;
        w->before_counts[B_REFUSE]++;
        break;
    case WEBHOOK_BEFORE_DROP:
        r.verdict = API_BEFORE_DROP;
        w->before_counts[B_DROP]++;
        break;
    case WEBHOOK_BEFORE_FAILED:
        w->before_counts[B_FAILED]++;
        if (w->cfg->webhook_before_fail == 1) {
            r.verdict = API_BEFORE_REFUSE;
            r.code = ERR_CALLBACK_FAILED;
        }
        log_warn("webhook: %s failed: %s; %s", def->name, b->info,
                 r.verdict == API_BEFORE_REFUSE ? "refused (webhook_before_fail = block)"
                                                : "proceeding");
        break;
    }
    bc->cb(&r, bc->arg);
    json_decref(b->reply);
}

static void on_before_answer(int status, const char *body, size_t len, const char *error, void *arg)
{
    before_call_t *bc = arg;
    webhook_before_t b;
    if (status != 0)
        stats_add(STATS_CALLBACK_RSP, 1);
    if (status == 0) {
        memset(&b, 0, sizeof b);
        b.kind = WEBHOOK_BEFORE_FAILED;
        snprintf(b.info, sizeof b.info, "%s", error ? error : "no answer");
    } else {
        webhook_before_parse(store_webhook_cmd(bc->cmd), status, body, len, &b);
    }
    before_answer(bc, &b);
    xfree(bc);
}

static void hook_before(void *ctx, store_webhook_cmd_t cmd, const store_webhook_origin_t *origin,
                        json_t *body, api_before_fn cb, void *arg)
{
    webhook_t *w = ctx;
    const char *name = store_webhook_cmd(cmd)->name;
    json_t *full = json_pack("{s:s}", "CallbackCommand", name);
    json_object_update(full, body);
    json_object_set_new(full, "EventTime", json_integer((json_int_t)wall_ms()));
    json_decref(body);
    char *text = json_dumps(full, JSON_COMPACT);
    json_decref(full);
    before_call_t *bc = XNEW(before_call_t);
    bc->w = w;
    bc->cmd = cmd;
    bc->cb = cb;
    bc->arg = arg;
    if (w->before == NULL) { /* stopping */
        on_before_answer(0, "", 0, "stopped", bc);
        free(text);
        return;
    }
    char *uri = callback_uri(w, name, origin ? origin->client_ip : "",
                             origin ? origin->platform : "RESTAPI");
    stats_add(STATS_CALLBACK_REQ, 1);
    wh_client_post(w->before, uri, text, strlen(text), w->cfg->webhook_timeout_ms, on_before_answer,
                   bc);
    xfree(uri);
    free(text);
}

/* ---- set-up ---- */

/* Each callback request's time from sending (waiting for a connection included) to its
 * outcome; listed whether or not webhook_url is set, so dashboards always find them. */
static metrics_histogram_t after_seconds = METRICS_HISTOGRAM(
    "chatd_webhook_request_seconds",
    "Time from a callback request to the app's answer (or its failure).", "kind=\"after\"");
static metrics_histogram_t before_seconds = METRICS_HISTOGRAM(
    "chatd_webhook_request_seconds",
    "Time from a callback request to the app's answer (or its failure).", "kind=\"before\"");

static outbox_t *engine_new(webhook_t *w, bool off)
{
    const config_t *cfg = w->cfg;
    outbox_config_t oc = {
        .name = "webhook",
        .prefix = "chatd_webhook",
        .noun = "After-callback requests",
        .item = "event",
        .dead_hint = "; see v4/chatd_webhook/list_dead",
        .max_age_key = "webhook_max_age_s",
        .count_when_off = true,
        .kind = STORE_OUTBOX_WEBHOOK,
        .max_in_flight = &cfg->webhook_max_in_flight,
        .timeout_ms = &cfg->webhook_timeout_ms,
        .poll_ms = &cfg->webhook_poll_ms,
        .retry_base_ms = &cfg->webhook_retry_base_ms,
        .retry_max_ms = &cfg->webhook_retry_max_ms,
        .max_age_s = &cfg->webhook_max_age_s,
        .send = deliver,
        .ctx = w,
    };
    return outbox_new(w->base, w->db, &oc, off);
}

webhook_t *webhook_new(struct event_base *base, const config_t *cfg, db_pool_t *db, char *errbuf,
                       size_t errlen)
{
    metrics_histogram_add(&after_seconds);
    metrics_histogram_add(&before_seconds);
    uint64_t mask = 0;
    char why[200];
    if (!store_webhook_cmds_parse(cfg->webhook_commands, &mask, why, sizeof why)) {
        snprintf(errbuf, errlen, "bad value for key 'webhook_commands': %s", why);
        return NULL;
    }
    webhook_t *w = XNEW(webhook_t);
    w->base = base;
    w->cfg = cfg;
    w->db = db;
    w->hooks = (api_hooks_t){.ctx = w, .before = hook_before, .emit = hook_emit, .poke = hook_poke};
    metrics_register(write_metrics, w);
    if (*cfg->webhook_url == '\0') {
        w->outbox = engine_new(w, true);
        log_info("webhook: off (webhook_url is empty)");
        return w;
    }
    char *host = NULL;
    int port = 0;
    bool https = false;
    if (!webhook_parse_url(cfg->webhook_url, "webhook_url", &host, &port, &https, &w->path, errbuf,
                           errlen))
        goto fail;
    if (https && (w->ssl = webhook_tls_context(cfg->webhook_ca_file, "webhook_ca_file", errbuf,
                                               errlen)) == NULL)
        goto fail;
    w->dns = webhook_dns_new(base);
    w->after =
        wh_client_new(base, w->dns, w->ssl, host, port, cfg->webhook_max_in_flight, &after_seconds);
    w->before = wh_client_new(base, w->dns, w->ssl, host, port, BEFORE_MAX_CONNS, &before_seconds);
    w->hooks.enabled = mask;
    log_info("webhook: delivering to %s://%s:%d%s (%s), at most %d in flight",
             https ? "https" : "http", host, port, w->path, cfg->webhook_commands,
             cfg->webhook_max_in_flight);
    xfree(host);
    w->outbox = engine_new(w, false);
    return w;
fail:
    xfree(host);
    webhook_free(w);
    return NULL;
}

const api_hooks_t *webhook_hooks(webhook_t *w)
{
    return &w->hooks;
}

int webhook_pending_writes(const webhook_t *w)
{
    return w ? w->pending_writes : 0;
}

/* Frees the struct once no batch of ours can call back any more. */
static void maybe_release(webhook_t *w)
{
    if (!stopped(w) || w->db_pending > 0)
        return;
    xfree(w);
}

void webhook_free(webhook_t *w)
{
    if (w == NULL)
        return;
    /* Before-calls are answered (by the policy) while the api layer can still act on them. */
    wh_client_free(w->before);
    w->before = NULL;
    w->stopped = true;
    outbox_stop(w->outbox);
    wh_client_free(w->after); /* deliveries in flight end here, dropped by the stopped engine */
    w->after = NULL;
    outbox_free(w->outbox);
    if (w->dns)
        evdns_base_free(w->dns, 1);
    if (w->ssl)
        SSL_CTX_free(w->ssl);
    xfree(w->path);
    maybe_release(w);
}
