/* The push outbox's dispatcher (push/push.h): an outbox engine whose sender is a provider. */
#include "push/push.h"

#include <event2/dns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "push/provider.h"
#include "store/push.h"
#include "webhook/client.h"
#include "webhook/outbox.h"

enum { P_GATEWAY = 0, P_FCM, P_APNS, P_KINDS };
static const char *const provider_names[P_KINDS] = {"gateway", "fcm", "apns"};

struct push {
    struct event_base *base;
    const config_t *cfg;
    db_pool_t *db;
    api_push_hooks_t hooks;
    char *providers_json; /* the device providers notifications are queued for */
    outbox_t *outbox;
    struct evdns_base *dns;
    push_provider_t providers[P_KINDS];
    bool have[P_KINDS];
    bool stopped;
    unsigned long long sent[P_KINDS], failed[P_KINDS], bad_tokens[P_KINDS];
};

typedef struct {
    push_t *p;
    outbox_t *o;
    const outbox_item_t *e;
    int kind;
    json_t *body;
} delivery_t;

static void on_token_dropped(err_t err, void *arg)
{
    if (err != ERR_OK)
        log_warn("push: an invalid token could not be unbound (%s)",
                 err == ERR_DB_DOWN ? "database down" : "statement failed");
}

static void on_sent(push_outcome_t outcome, const char *why, void *arg)
{
    delivery_t *d = arg;
    push_t *p = d->p;
    const char *user = json_string_value(json_object_get(d->body, "userID"));
    const char *platform = json_string_value(json_object_get(d->body, "platform"));
    const char *token = json_string_value(json_object_get(d->body, "token"));
    switch (outcome) {
    case PUSH_SENT:
        p->sent[d->kind]++;
        break;
    case PUSH_BAD_TOKEN:
        p->bad_tokens[d->kind]++;
        log_info("push: notification %lld for user=%s platform=%s: %s; token unbound",
                 (long long)d->e->id, user ? user : "", platform ? platform : "", why);
        if (!p->stopped && user && platform && token)
            store_push_drop_token(p->db, user, platform, token, on_token_dropped, NULL);
        break;
    case PUSH_REJECTED:
        p->failed[d->kind]++;
        log_warn("push: notification %lld for user=%s dropped: %s", (long long)d->e->id,
                 user ? user : "", why);
        break;
    case PUSH_RETRY:
        p->failed[d->kind]++;
        break;
    }
    /* Sent, or never sendable (a bad token, a refusal): the row goes. */
    outbox_done(d->o, d->e, outcome != PUSH_RETRY, why);
    json_decref(d->body);
    xfree(d);
}

/* The provider of a row: the gateway when configured gets every notification; else the
 * device's vendor's module. */
static int provider_for(const push_t *p, const char *provider)
{
    if (p->have[P_GATEWAY])
        return P_GATEWAY;
    if (strcmp(provider, STORE_PUSH_FCM) == 0 && p->have[P_FCM])
        return P_FCM;
    if (strcmp(provider, STORE_PUSH_APNS) == 0 && p->have[P_APNS])
        return P_APNS;
    return -1;
}

static void send_row(void *ctx, outbox_t *o, const outbox_item_t *e)
{
    push_t *p = ctx;
    json_t *body = json_loads(e->body, 0, NULL);
    if (!json_is_object(body)) {
        json_decref(body);
        log_warn("push: notification %lld has no usable body; dropped", (long long)e->id);
        outbox_done(o, e, true, NULL);
        return;
    }
    int kind = provider_for(p, e->command);
    if (kind < 0) {
        json_decref(body);
        outbox_done(o, e, false, "no provider configured");
        return;
    }
    delivery_t *d = XNEW(delivery_t);
    *d = (delivery_t){p, o, e, kind, body};
    push_note_t n = {e->id, e->attempts + 1, body};
    push_provider_t *pr = &p->providers[kind];
    pr->send(pr->impl, &n, p->cfg->push_timeout_ms, on_sent, d);
}

static void write_metrics(sbuf_t *out, void *arg)
{
    push_t *p = arg;
    static const struct {
        const char *name, *help;
        size_t offset;
    } counters[] = {
        {"chatd_push_sent_total", "Notifications a provider took.", offsetof(push_t, sent)},
        {"chatd_push_failed_total", "Push attempts that failed (retried) or were refused.",
         offsetof(push_t, failed)},
        {"chatd_push_invalid_tokens_total", "Notifications whose device token was invalid.",
         offsetof(push_t, bad_tokens)},
    };
    for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
        const unsigned long long *v =
            (const unsigned long long *)((const char *)p + counters[c].offset);
        sbuf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[c].name, counters[c].help,
                    counters[c].name);
        for (int k = 0; k < P_KINDS; k++)
            sbuf_printf(out, "%s{provider=\"%s\"} %llu\n", counters[c].name, provider_names[k],
                        v[k]);
    }
}

static void hook_poke(void *ctx)
{
    push_t *p = ctx;
    outbox_poke(p->outbox);
}

push_t *push_new(struct event_base *base, const config_t *cfg, db_pool_t *db, char *errbuf,
                 size_t errlen)
{
    push_t *p = XNEW(push_t);
    p->base = base;
    p->cfg = cfg;
    p->db = db;
    p->hooks = (api_push_hooks_t){.ctx = p, .poke = hook_poke};
    metrics_register(write_metrics, p);
    bool any = *cfg->push_gateway_url != '\0' || *cfg->push_fcm_credentials != '\0' ||
               *cfg->push_apns_key_file != '\0';
    if (any)
        p->dns = webhook_dns_new(base);
    if (*cfg->push_gateway_url) {
        if (!push_gateway_new(base, p->dns, cfg, &p->providers[P_GATEWAY], errbuf, errlen))
            goto fail;
        p->have[P_GATEWAY] = true;
        p->providers_json = xstrdup("[\"" STORE_PUSH_APNS "\", \"" STORE_PUSH_FCM "\"]");
        log_info("push: notifications go to the gateway at %s", cfg->push_gateway_url);
    } else {
        if (*cfg->push_fcm_credentials) {
            if (!push_fcm_new(base, p->dns, cfg, &p->providers[P_FCM], errbuf, errlen))
                goto fail;
            p->have[P_FCM] = true;
        }
        if (*cfg->push_apns_key_file) {
            if (!push_apns_new(base, p->dns, cfg, &p->providers[P_APNS], errbuf, errlen))
                goto fail;
            p->have[P_APNS] = true;
        }
        p->providers_json = xasprintf("[%s%s%s]", p->have[P_FCM] ? "\"" STORE_PUSH_FCM "\"" : "",
                                      p->have[P_FCM] && p->have[P_APNS] ? ", " : "",
                                      p->have[P_APNS] ? "\"" STORE_PUSH_APNS "\"" : "");
        if (!any)
            log_info("push: off (no provider configured)");
    }
    p->hooks.providers_json = p->providers_json;
    outbox_config_t oc = {
        .name = "push",
        .prefix = "chatd_push",
        .noun = "Push requests",
        .item = "notification",
        .dead_hint = "",
        .max_age_key = "push_max_age_s",
        .kind = STORE_OUTBOX_PUSH,
        .max_in_flight = &cfg->push_max_in_flight,
        .timeout_ms = &cfg->push_timeout_ms,
        .poll_ms = &cfg->push_poll_ms,
        .retry_base_ms = &cfg->push_retry_base_ms,
        .retry_max_ms = &cfg->push_retry_max_ms,
        .max_age_s = &cfg->push_max_age_s,
        .send = send_row,
        .ctx = p,
    };
    p->outbox = outbox_new(base, db, &oc, !any);
    return p;
fail:
    push_free(p);
    return NULL;
}

const api_push_hooks_t *push_hooks(push_t *p)
{
    for (int k = 0; p && k < P_KINDS; k++)
        if (p->have[k])
            return &p->hooks;
    return NULL;
}

void push_free(push_t *p)
{
    if (p == NULL)
        return;
    p->stopped = true;
    outbox_stop(p->outbox);
    for (int k = 0; k < P_KINDS; k++)
        if (p->have[k])
            p->providers[k].free(p->providers[k].impl);
    outbox_free(p->outbox);
    if (p->dns)
        evdns_base_free(p->dns, 1);
    xfree(p->providers_json);
    xfree(p);
}
