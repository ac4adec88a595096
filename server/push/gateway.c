/* The generic HTTP push gateway (push/provider.h): one JSON POST per notification and device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/xalloc.h"
#include "push/provider.h"
#include "webhook/client.h"

typedef struct {
    wh_client_t *client;
    SSL_CTX *ssl;
    char *path;
    char *authorization; /* "Bearer <push_gateway_token>", or NULL */
} gateway_t;

typedef struct {
    push_done_fn cb;
    void *arg;
} send_ctx_t;

static metrics_histogram_t gateway_seconds = METRICS_HISTOGRAM(
    "chatd_push_request_seconds",
    "Time from a push request to the provider's answer (or its failure).", "provider=\"gateway\"");

char *push_gateway_body(const push_note_t *n)
{
    /* The row's fields, by the names the gateway documents, then the notification id. */
    static const char *const copied[] = {"provider", "token",       "businessID", "platform",
                                         "userID",   "sender",      "groupID",    "conversationID",
                                         "msgID",    "title",       "desc",       "badge",
                                         "ext",      "androidInfo", "apnsInfo"};
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        json_t *v = json_object_get(n->body, copied[i]);
        json_object_set(out, copied[i], v ? v : json_null());
    }
    json_object_set_new(out, "notificationID", json_integer((json_int_t)n->id));
    json_object_set_new(out, "attempt", json_integer(n->attempt));
    char *text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(out);
    return text;
}

static void on_answer(int status, const char *body, size_t len, const char *error, void *arg)
{
    send_ctx_t *s = arg;
    char why[200];
    push_outcome_t outcome;
    if (status >= 200 && status < 300) {
        outcome = PUSH_SENT;
        why[0] = '\0';
    } else if (status == 410) {
        outcome = PUSH_BAD_TOKEN;
        snprintf(why, sizeof why, "gateway: HTTP 410 (the token is invalid)");
    } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
        outcome = PUSH_REJECTED;
        snprintf(why, sizeof why, "gateway: HTTP %d", status);
    } else {
        outcome = PUSH_RETRY;
        if (status == 0)
            snprintf(why, sizeof why, "gateway: %s", error ? error : "no answer");
        else
            snprintf(why, sizeof why, "gateway: HTTP %d", status);
    }
    s->cb(outcome, why, s->arg);
    xfree(s);
}

static void gateway_send(void *impl, const push_note_t *n, int timeout_ms, push_done_fn cb,
                         void *arg)
{
    gateway_t *g = impl;
    char *body = push_gateway_body(n);
    send_ctx_t *s = XNEW(send_ctx_t);
    s->cb = cb;
    s->arg = arg;
    wh_client_post_ext(g->client, g->path, NULL, g->authorization, body, strlen(body), timeout_ms,
                       on_answer, s);
    free(body);
}

static void gateway_free(void *impl)
{
    gateway_t *g = impl;
    if (g == NULL)
        return;
    wh_client_free(g->client);
    if (g->ssl)
        SSL_CTX_free(g->ssl);
    xfree(g->path);
    xfree(g->authorization);
    xfree(g);
}

bool push_gateway_new(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                      push_provider_t *out, char *errbuf, size_t errlen)
{
    metrics_histogram_add(&gateway_seconds);
    gateway_t *g = XNEW(gateway_t);
    char *host = NULL;
    int port = 0;
    bool https = false;
    if (!webhook_parse_url(cfg->push_gateway_url, "push_gateway_url", &host, &port, &https,
                           &g->path, errbuf, errlen))
        goto fail;
    if (https &&
        (g->ssl = webhook_tls_context(cfg->push_ca_file, "push_ca_file", errbuf, errlen)) == NULL)
        goto fail;
    if (*cfg->push_gateway_token)
        g->authorization = xasprintf("Bearer %s", cfg->push_gateway_token);
    g->client =
        wh_client_new(base, dns, g->ssl, host, port, cfg->push_max_in_flight, &gateway_seconds);
    xfree(host);
    *out = (push_provider_t){"gateway", g, gateway_send, gateway_free};
    return true;
fail:
    xfree(host);
    gateway_free(g);
    return false;
}
