/* Private to push/: what a provider module offers the dispatcher. */
#ifndef CHATD_PUSH_PROVIDER_H
#define CHATD_PUSH_PROVIDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;
struct evdns_base;

typedef enum {
    PUSH_SENT = 0,  /* the provider took it */
    PUSH_RETRY,     /* no answer, a 5xx, 429, …: try again after a backoff */
    PUSH_BAD_TOKEN, /* the device token is invalid: drop it and unbind the token */
    PUSH_REJECTED,  /* the provider refused this notification for good (a 4xx): drop it */
} push_outcome_t;

/* why: a reason for the log (never a secret). */
typedef void (*push_done_fn)(push_outcome_t outcome, const char *why, void *arg);

/* One notification: its id (stable across retries), the attempt (1 for the first) and the
 * row's body (provider, token, title, desc, badge, ext, …; store/push.h). */
typedef struct {
    int64_t id;
    int attempt;
    const json_t *body;
} push_note_t;

typedef struct {
    const char *name; /* "gateway": metrics' provider label */
    void *impl;
    /* cb runs exactly once, never before send() returns. */
    void (*send)(void *impl, const push_note_t *n, int timeout_ms, push_done_fn cb, void *arg);
    void (*free)(void *impl); /* answers pending sends (PUSH_RETRY, "stopped") */
} push_provider_t;

/* The generic HTTP gateway (push_gateway_url); false with a reason in errbuf. */
bool push_gateway_new(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                      push_provider_t *out, char *errbuf, size_t errlen);

/* FCM HTTP v1 (push_fcm_*): reads the service-account file (start-up only); false with a
 * reason in errbuf. */
bool push_fcm_new(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                  push_provider_t *out, char *errbuf, size_t errlen);

/* APNs (push_apns_*): reads the .p8 key (start-up only); false with a reason in errbuf. */
bool push_apns_new(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                   push_provider_t *out, char *errbuf, size_t errlen);

/* The body POSTed to the gateway for n (docs/push.md). Heap string (free). Pure. */
char *push_gateway_body(const push_note_t *n);

#endif
