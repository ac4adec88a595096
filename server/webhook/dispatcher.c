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
#include "webhook/webhook.h"

#define BEFORE_MAX_CONNS 128
#define COUNTS_EVERY_S 5
#define LEASE_MARGIN_MS 10000
#define HOLD_PER_SLOT 4
#define CYCLE_GAP_MS 10

/* OFF: no webhook_url, nothing is dispatched. IDLE: waiting for the timer or a poke. POLLING: a
 * cycle in flight. STOPPED: webhook_free() ran; the struct lives on until our batches return. */
typedef enum { WH_OFF = 0, WH_IDLE, WH_POLLING, WH_STOPPED } wh_state_t;
static const char *const state_names[] = {"off", "idle", "polling", "stopped"};

/* The moves the dispatcher may make; anything else is a bug (asserted). */
static const unsigned allowed_moves[] = {
    [WH_OFF] = STATE_BIT(WH_IDLE) | STATE_BIT(WH_STOPPED),
    [WH_IDLE] = STATE_BIT(WH_POLLING) | STATE_BIT(WH_STOPPED),
    [WH_POLLING] = STATE_BIT(WH_IDLE) | STATE_BIT(WH_STOPPED),
    [WH_STOPPED] = 0,
};

enum { B_ALLOW = 0, B_REFUSE, B_DROP, B_FAILED, B_KINDS };
static const char *const before_outcomes[] = {"allow", "refuse", "drop", "failed"};

/* A claimed event, held until delivered, failed or released. */
typedef struct event_item {
    int64_t id;
    int attempts; /* failed ones before this claim */
    int64_t event_time;
    char *command, *platform, *client_ip, *body, *order_key;
    struct event_item *next;
} event_item_t;

/* The claimed events of one order_key, delivered one at a time in order. */
typedef struct chain {
    struct webhook *w;
    event_item_t *head, *tail;
    struct chain *next_ready;  /* waiting for a delivery slot */
    struct chain *prev, *next; /* all chains */
} chain_t;

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
    wh_state_t state;
    struct evdns_base *dns;
    SSL_CTX *ssl;
    wh_client_t *after, *before;
    char *path; /* webhook_url's path and query */
    struct event *poll_timer, *soon, *count_timer;
    bool poll_again;
    int in_flight;                /* deliveries (one per chain at most) */
    int held;                     /* claimed events in memory */
    chain_t *chains;              /* every chain */
    chain_t *ready, **ready_tail; /* chains waiting for a slot */
    store_webhook_ack_t *acks;    /* outcomes for the next cycle */
    size_t nacks, cap_acks;
    size_t cycle_nacks; /* outcomes the cycle in flight records */
    int db_pending;     /* batches of ours not called back yet */
    int64_t last_cycle_ms;
    int pending_writes;
    int64_t gauge_pending, gauge_dead, gauge_age_ms;
    unsigned long long delivered, failed, dead_total, before_counts[B_KINDS];
};

static void poll_soon(webhook_t *w);
static void maybe_release(webhook_t *w);

static void set_state(webhook_t *w, wh_state_t state)
{
    if (w->state == state)
        return;
    assert(STATE_ALLOWED(allowed_moves, w->state, state));
    log_debug("webhook: dispatcher %s -> %s", state_names[w->state], state_names[state]);
    w->state = state;
}

static bool stopped(const webhook_t *w)
{
    return w->state == WH_STOPPED;
}

/* Delivering: a webhook_url is set and webhook_free() has not run. */
static bool dispatching(const webhook_t *w)
{
    return w->state == WH_IDLE || w->state == WH_POLLING;
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

/* ---- the cycle: outcomes recorded and new events claimed, one transaction at a time ---- */

static void cycle_now(webhook_t *w);

static void ack_free_all(store_webhook_ack_t *acks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xfree((char *)acks[i].order_key);
        xfree((char *)acks[i].error);
    }
    xfree(acks);
}

static void ack_add(webhook_t *w, const event_item_t *e, store_webhook_outcome_t outcome,
                    int64_t delay_ms, const char *error)
{
    if (w->nacks == w->cap_acks) {
        w->cap_acks = w->cap_acks ? w->cap_acks * 2 : 64;
        w->acks = xrealloc(w->acks, w->cap_acks * sizeof *w->acks);
    }
    w->acks[w->nacks++] = (store_webhook_ack_t){e->id, xstrdup(e->order_key), outcome, delay_ms,
                                                error ? xstrdup(error) : NULL};
}

static void item_free(event_item_t *e)
{
    xfree(e->command);
    xfree(e->platform);
    xfree(e->client_ip);
    xfree(e->body);
    xfree(e->order_key);
    xfree(e);
}

static void chain_free(webhook_t *w, chain_t *c)
{
    while (c->head) {
        event_item_t *e = c->head;
        c->head = e->next;
        item_free(e);
        w->held--;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        w->chains = c->next;
    if (c->next)
        c->next->prev = c->prev;
    xfree(c);
}

static void start_deliveries(webhook_t *w);

static void on_delivered(int status, const char *body, size_t len, const char *error, void *arg)
{
    chain_t *c = arg;
    webhook_t *w = c->w;
    w->in_flight--;
    if (status != 0)
        stats_add(STATS_CALLBACK_RSP, 1);
    if (stopped(w))
        return; /* webhook_free() frees the chains */
    event_item_t *e = c->head;
    char why[300];
    bool ok = status != 0 && webhook_after_ok(status, body, len, why, sizeof why);
    if (status == 0)
        snprintf(why, sizeof why, "%s", error ? error : "no answer");
    c->head = e->next;
    if (c->head == NULL)
        c->tail = NULL;
    w->held--;
    if (ok) {
        w->delivered++;
        log_debug("webhook: event %lld %s delivered", (long long)e->id, e->command);
        ack_add(w, e, STORE_WEBHOOK_DELIVERED, 0, NULL);
    } else {
        w->failed++;
        int64_t delay = webhook_backoff_ms(e->attempts + 1, w->cfg->webhook_retry_base_ms,
                                           w->cfg->webhook_retry_max_ms, rand_u32());
        log_info("webhook: event %lld %s attempt %d failed: %s; next in %lld ms", (long long)e->id,
                 e->command, e->attempts + 1, why, (long long)delay);
        ack_add(w, e, STORE_WEBHOOK_FAILED, delay, why);
        /* The events behind it wait for it: given back, unattempted. */
        for (event_item_t *r = c->head; r; r = r->next)
            ack_add(w, r, STORE_WEBHOOK_RELEASED, 0, NULL);
    }
    item_free(e);
    if (ok && c->head) {
        c->next_ready = NULL;
        *w->ready_tail = c;
        w->ready_tail = &c->next_ready;
    } else {
        chain_free(w, c);
    }
    start_deliveries(w);
    poll_soon(w);
}

static void deliver(webhook_t *w, chain_t *c)
{
    event_item_t *e = c->head;
    char *body = webhook_event_body(e->command, e->body, e->event_time, e->id);
    if (body == NULL) /* not an object: cannot be sent; sent as {} plus the protocol fields */
        body = webhook_event_body(e->command, "{}", e->event_time, e->id);
    char *uri = callback_uri(w, e->command, e->client_ip, e->platform);
    w->in_flight++;
    stats_add(STATS_CALLBACK_REQ, 1);
    wh_client_post(w->after, uri, body, strlen(body), w->cfg->webhook_timeout_ms, on_delivered, c);
    xfree(uri);
    xfree(body);
}

/* Fills the free delivery slots from the chains that wait. */
static void start_deliveries(webhook_t *w)
{
    while (w->ready && w->in_flight < w->cfg->webhook_max_in_flight) {
        chain_t *c = w->ready;
        w->ready = c->next_ready;
        if (w->ready == NULL)
            w->ready_tail = &w->ready;
        c->next_ready = NULL;
        deliver(w, c);
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const store_webhook_row_t *x = a, *y = b;
    int k = strcmp(x->order_key, y->order_key);
    return k ? k : (x->id > y->id) - (x->id < y->id);
}

/* Turns the claimed rows into chains, one per order_key, queued for delivery. */
static void take_rows(webhook_t *w, store_webhook_row_t *rows, size_t n)
{
    qsort(rows, n, sizeof *rows, cmp_rows);
    chain_t *c = NULL;
    for (size_t i = 0; i < n; i++) {
        const store_webhook_row_t *r = &rows[i];
        if (c == NULL || strcmp(rows[i - 1].order_key, r->order_key) != 0) {
            c = XNEW(chain_t);
            c->w = w;
            c->next = w->chains;
            if (w->chains)
                w->chains->prev = c;
            w->chains = c;
            *w->ready_tail = c;
            w->ready_tail = &c->next_ready;
        }
        event_item_t *e = XNEW(event_item_t);
        e->id = r->id;
        e->attempts = r->attempts;
        e->event_time = r->event_time;
        e->command = xstrdup(r->command);
        e->platform = xstrdup(r->platform);
        e->client_ip = xstrdup(r->client_ip);
        e->body = xstrdup(r->body);
        e->order_key = xstrdup(r->order_key);
        if (c->tail)
            c->tail->next = e;
        else
            c->head = e;
        c->tail = e;
        w->held++;
    }
    start_deliveries(w);
}

static void on_cycle(err_t err, const store_ids_t *dead, store_webhook_row_t *rows, size_t n,
                     bool more, void *arg)
{
    webhook_t *w = arg;
    w->db_pending--;
    if (stopped(w)) {
        maybe_release(w);
        return;
    }
    set_state(w, WH_IDLE);
    size_t nacks = w->cycle_nacks;
    w->cycle_nacks = 0;
    if (err != ERR_OK) {
        /* Unrecorded outcomes: their leases run out and the events go again (at least once). */
        log_warn("webhook: dispatcher cycle failed (%s); %zu outcomes not recorded",
                 err == ERR_DB_DOWN ? "database down" : "statement failed", nacks);
        return;
    }
    for (size_t i = 0; i < dead->n; i++) {
        w->dead_total++;
        log_warn("webhook: event %s is dead: undelivered past webhook_max_age_s = %d; see "
                 "v4/chatd_webhook/list_dead",
                 dead->ids[i], w->cfg->webhook_max_age_s);
    }
    if (dead->n > 0)
        event_active(w->count_timer, EV_TIMEOUT, 0);
    take_rows(w, rows, n);
    /* Again at once when more may be due, or outcomes or pokes arrived meanwhile. */
    if (more || w->poll_again || w->nacks > 0 || nacks > 0)
        poll_soon(w);
}

static void cycle_now(webhook_t *w)
{
    if (!dispatching(w))
        return;
    if (w->state == WH_POLLING) {
        w->poll_again = true;
        return;
    }
    /* Claimed events wait in memory for a slot: at most HOLD_PER_SLOT per slot. */
    int free_slots = w->cfg->webhook_max_in_flight * HOLD_PER_SLOT - w->held;
    if (free_slots <= 0 && w->nacks == 0) {
        w->poll_again = true; /* a completion polls */
        return;
    }
    if (free_slots < 0)
        free_slots = 0;
    w->poll_again = false;
    set_state(w, WH_POLLING);
    w->cycle_nacks = w->nacks;
    w->last_cycle_ms = mono_ms();
    w->db_pending++;
    /* A claimed event may wait for the ones before it in its chain (each at most a timeout) and
     * for a slot (at most HOLD_PER_SLOT timeouts): its lease covers both. */
    int64_t timeout = w->cfg->webhook_timeout_ms;
    store_webhook_cycle(w->db, w->acks, w->nacks, (int64_t)w->cfg->webhook_max_age_s * 1000,
                        free_slots, free_slots * 2 + 16, timeout,
                        timeout * HOLD_PER_SLOT + LEASE_MARGIN_MS, on_cycle, w);
    ack_free_all(w->acks, w->nacks);
    w->acks = NULL;
    w->nacks = w->cap_acks = 0;
}

static void on_soon(evutil_socket_t fd, short what, void *arg)
{
    cycle_now(arg);
}

/* A cycle soon: after this loop pass, and at least CYCLE_GAP_MS after the previous one began,
 * so that the pokes and outcomes of a busy moment share one transaction. */
static void poll_soon(webhook_t *w)
{
    if (!dispatching(w) || evtimer_pending(w->soon, NULL))
        return;
    int64_t wait = w->last_cycle_ms + CYCLE_GAP_MS - mono_ms();
    if (wait < 0)
        wait = 0;
    struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
    evtimer_add(w->soon, &tv);
}

static void on_poll_timer(evutil_socket_t fd, short what, void *arg)
{
    cycle_now(arg);
}

/* ---- gauges ---- */

static void on_counts(err_t err, int64_t pending, int64_t dead, int64_t oldest_ms, void *arg)
{
    webhook_t *w = arg;
    w->db_pending--;
    if (stopped(w)) {
        maybe_release(w);
        return;
    }
    if (err == ERR_OK) {
        w->gauge_pending = pending;
        w->gauge_dead = dead;
        w->gauge_age_ms = oldest_ms;
    }
}

static void on_count_timer(evutil_socket_t fd, short what, void *arg)
{
    webhook_t *w = arg;
    if (stopped(w))
        return;
    w->db_pending++;
    store_webhook_counts(w->db, on_counts, w);
}

static void write_metrics(sbuf_t *out, void *arg)
{
    webhook_t *w = arg;
    sbuf_printf(out,
                "# HELP chatd_webhook_pending Outbox events not yet delivered (refreshed every "
                "%d s).\n"
                "# TYPE chatd_webhook_pending gauge\n"
                "chatd_webhook_pending %lld\n"
                "# HELP chatd_webhook_queue_age_seconds Wait of the oldest undelivered event "
                "(refreshed every %d s).\n"
                "# TYPE chatd_webhook_queue_age_seconds gauge\n"
                "chatd_webhook_queue_age_seconds %.3f\n"
                "# HELP chatd_webhook_dead Outbox events given up after webhook_max_age_s.\n"
                "# TYPE chatd_webhook_dead gauge\n"
                "chatd_webhook_dead %lld\n"
                "# HELP chatd_webhook_in_flight After-callback requests in flight.\n"
                "# TYPE chatd_webhook_in_flight gauge\n"
                "chatd_webhook_in_flight %d\n"
                "# HELP chatd_webhook_deliveries_total After-callback attempts by outcome.\n"
                "# TYPE chatd_webhook_deliveries_total counter\n"
                "chatd_webhook_deliveries_total{outcome=\"ok\"} %llu\n"
                "chatd_webhook_deliveries_total{outcome=\"failed\"} %llu\n"
                "# HELP chatd_webhook_dead_total Events this node declared dead.\n"
                "# TYPE chatd_webhook_dead_total counter\n"
                "chatd_webhook_dead_total %llu\n"
                "# HELP chatd_webhook_before_total Before-callbacks by outcome.\n"
                "# TYPE chatd_webhook_before_total counter\n",
                COUNTS_EVERY_S, (long long)w->gauge_pending, COUNTS_EVERY_S,
                (double)w->gauge_age_ms / 1000, (long long)w->gauge_dead, w->in_flight,
                w->delivered, w->failed, w->dead_total);
    for (int i = 0; i < B_KINDS; i++)
        sbuf_printf(out, "chatd_webhook_before_total{outcome=\"%s\"} %llu\n", before_outcomes[i],
                    w->before_counts[i]);
}

/* ---- hooks ---- */

static void hook_poke(void *ctx)
{
    poll_soon(ctx);
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
        poll_soon(w);
}

static void hook_emit(void *ctx, store_webhook_cmd_t cmd, const char *order_key,
                      const store_webhook_origin_t *origin, json_t *body)
{
    webhook_t *w = ctx;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!dispatching(w) || text == NULL) {
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

static bool parse_url(webhook_t *w, const char *url, char **host, int *port, bool *https,
                      char *errbuf, size_t errlen)
{
    struct evhttp_uri *u = evhttp_uri_parse(url);
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *h = u ? evhttp_uri_get_host(u) : NULL;
    if (u == NULL || scheme == NULL || h == NULL || *h == '\0' ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
        evhttp_uri_get_fragment(u) != NULL || evhttp_uri_get_userinfo(u) != NULL) {
        snprintf(errbuf, errlen,
                 "bad value for key 'webhook_url': expected http(s)://host[:port][/path][?query]");
        if (u)
            evhttp_uri_free(u);
        return false;
    }
    *https = strcmp(scheme, "https") == 0;
    *host = xstrdup(h);
    *port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : *https ? 443 : 80;
    const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
    w->path = xasprintf("%s%s%s", path && *path ? path : "/", query && *query ? "?" : "",
                        query && *query ? query : "");
    evhttp_uri_free(u);
    return true;
}

static SSL_CTX *tls_context(const config_t *cfg, char *errbuf, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        snprintf(errbuf, errlen, "webhook: cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_default_verify_paths(ctx);
    if (*cfg->webhook_ca_file &&
        SSL_CTX_load_verify_locations(ctx, cfg->webhook_ca_file, NULL) != 1) {
        unsigned long e = ERR_get_error();
        char text[160];
        ERR_error_string_n(e, text, sizeof text);
        snprintf(errbuf, errlen, "bad value for key 'webhook_ca_file': cannot load '%s': %s",
                 cfg->webhook_ca_file, text);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Each callback request's time from sending (waiting for a connection included) to its
 * outcome; listed whether or not webhook_url is set, so dashboards always find them. */
static metrics_histogram_t after_seconds = METRICS_HISTOGRAM(
    "chatd_webhook_request_seconds",
    "Time from a callback request to the app's answer (or its failure).", "kind=\"after\"");
static metrics_histogram_t before_seconds = METRICS_HISTOGRAM(
    "chatd_webhook_request_seconds",
    "Time from a callback request to the app's answer (or its failure).", "kind=\"before\"");

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
    w->ready_tail = &w->ready;
    w->poll_timer = event_new(base, -1, EV_PERSIST, on_poll_timer, w);
    w->soon = evtimer_new(base, on_soon, w);
    w->count_timer = event_new(base, -1, EV_PERSIST, on_count_timer, w);
    struct timeval every = {COUNTS_EVERY_S, 0};
    event_add(w->count_timer, &every);
    event_active(w->count_timer, EV_TIMEOUT, 0);
    if (*cfg->webhook_url == '\0') {
        metrics_register(write_metrics, w);
        log_info("webhook: off (webhook_url is empty)");
        return w;
    }
    char *host = NULL;
    int port = 0;
    bool https = false;
    if (!parse_url(w, cfg->webhook_url, &host, &port, &https, errbuf, errlen))
        goto fail;
    if (https && (w->ssl = tls_context(cfg, errbuf, errlen)) == NULL)
        goto fail;
    w->dns =
        evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (w->dns == NULL) /* no resolv.conf: names in /etc/hosts and IP literals still work */
        w->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    if (w->dns)
        evdns_base_load_hosts(w->dns, NULL);
    w->after =
        wh_client_new(base, w->dns, w->ssl, host, port, cfg->webhook_max_in_flight, &after_seconds);
    w->before = wh_client_new(base, w->dns, w->ssl, host, port, BEFORE_MAX_CONNS, &before_seconds);
    w->hooks.enabled = mask;
    set_state(w, WH_IDLE);
    struct timeval poll = {cfg->webhook_poll_ms / 1000, (cfg->webhook_poll_ms % 1000) * 1000};
    event_add(w->poll_timer, &poll);
    log_info("webhook: delivering to %s://%s:%d%s (%s), at most %d in flight",
             https ? "https" : "http", host, port, w->path, cfg->webhook_commands,
             cfg->webhook_max_in_flight);
    xfree(host);
    metrics_register(write_metrics, w);
    poll_soon(w);
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
    set_state(w, WH_STOPPED);
    wh_client_free(w->after);
    while (w->chains)
        chain_free(w, w->chains);
    struct event *evs[] = {w->poll_timer, w->soon, w->count_timer};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i])
            event_free(evs[i]);
    if (w->dns)
        evdns_base_free(w->dns, 1);
    if (w->ssl)
        SSL_CTX_free(w->ssl);
    if (w->nacks > 0)
        log_info("webhook: %zu delivery outcomes not recorded; those events will be delivered "
                 "again",
                 w->nacks);
    ack_free_all(w->acks, w->nacks);
    xfree(w->path);
    maybe_release(w);
}
