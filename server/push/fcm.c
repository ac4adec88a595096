/* FCM HTTP v1 (push/provider.h): an OAuth2 access token from the service account's RS256
 * assertion, cached until shortly before it expires, and one messages:send POST per
 * notification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "push/provider.h"
#include "webhook/client.h"

#define FCM_SCOPE "https://www.googleapis.com/auth/firebase.messaging"
#define FCM_DEFAULT_TOKEN_URL "https://oauth2.googleapis.com/token"
#define ASSERTION_LIFETIME_S 3600
#define REFRESH_MARGIN_S 60

/* NONE: no access token (never fetched, expired, or refused); FETCHING: an exchange in
 * flight, sends wait for it; READY: the cached token is good until expires_at. */
typedef enum { TOKEN_NONE = 0, TOKEN_FETCHING, TOKEN_READY } token_state_t;

typedef struct waiting {
    push_note_t note;
    json_t *body; /* the note's body, held while it waits */
    int timeout_ms;
    push_done_fn cb;
    void *arg;
    struct waiting *next;
} waiting_t;

typedef struct {
    wh_client_t *api, *oauth;
    SSL_CTX *api_ssl, *oauth_ssl;
    char *send_path;  /* /v1/projects/<project>/messages:send (with the base URL's path) */
    char *token_path; /* the token URL's path and query */
    char *token_url;  /* the assertion's audience */
    char *client_email;
    char *private_key;
    token_state_t state;
    char *access; /* "Bearer <access_token>" */
    int64_t expires_at;
    waiting_t *waiting, **waiting_tail;
} fcm_t;

typedef struct {
    fcm_t *f;
    push_done_fn cb;
    void *arg;
} send_ctx_t;

static metrics_histogram_t fcm_seconds = METRICS_HISTOGRAM(
    "chatd_push_request_seconds",
    "Time from a push request to the provider's answer (or its failure).", "provider=\"fcm\"");

static void set_token_state(fcm_t *f, token_state_t state)
{
    static const char *const names[] = {"none", "fetching", "ready"};
    if (f->state != state)
        log_debug("push: fcm access token %s -> %s", names[f->state], names[state]);
    f->state = state;
}

/* The messages:send body (FCM v1): notification title and body, the badge for Android's
 * notification_count, and the app's data (strings only): ext, the notification id and where
 * the message is. */
static char *message_body(const push_note_t *n)
{
    const json_t *b = n->body;
    json_t *data = json_object();
    const json_t *badge = json_object_get(b, "badge"); /* null for im_push */
    char id[24], count[24];
    snprintf(id, sizeof id, "%lld", (long long)n->id);
    snprintf(count, sizeof count, "%lld", (long long)json_integer_value(badge));
    json_object_set_new(data, "notificationID", json_string(id));
    if (json_is_integer(badge))
        json_object_set_new(data, "badge", json_string(count));
    static const char *const strings[] = {"ext", "conversationID", "msgID", "sender", "groupID"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        const char *v = json_string_value(json_object_get(b, strings[i]));
        if (v)
            json_object_set_new(data, strings[i], json_string(v));
    }
    json_t *android = json_pack("{s:{}}", "notification");
    if (json_is_integer(badge))
        json_object_set(json_object_get(android, "notification"), "notification_count",
                        (json_t *)badge);
    const char *sound =
        json_string_value(json_object_get(json_object_get(b, "androidInfo"), "Sound"));
    if (sound)
        json_object_set_new(json_object_get(android, "notification"), "sound", json_string(sound));
    const char *title = json_string_value(json_object_get(b, "title"));
    const char *desc = json_string_value(json_object_get(b, "desc"));
    json_t *msg =
        json_pack("{s:{s:s, s:{s:s, s:s}, s:o, s:o}}", "message", "token",
                  json_string_value(json_object_get(b, "token")), "notification", "title",
                  title ? title : "", "body", desc ? desc : "", "data", data, "android", android);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return text;
}

/* What an FCM answer means (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode):
 * UNREGISTERED, 404 and a 400 naming the registration token are an invalid token. */
static push_outcome_t read_answer(fcm_t *f, int status, const char *body, char *why, size_t len)
{
    if (status == 200)
        return PUSH_SENT;
    bool unregistered = body && strstr(body, "UNREGISTERED") != NULL;
    bool bad_token = body && strstr(body, "registration token") != NULL;
    snprintf(why, len, "fcm: HTTP %d%s", status,
             unregistered ? " UNREGISTERED"
             : bad_token  ? " (invalid registration token)"
                          : "");
    if (status == 404 || unregistered || (status == 400 && bad_token))
        return PUSH_BAD_TOKEN;
    if (status == 401) { /* the access token: fetch a new one and try again */
        set_token_state(f, TOKEN_NONE);
        return PUSH_RETRY;
    }
    if (status == 0 || status == 408 || status == 429 || status >= 500)
        return PUSH_RETRY;
    return PUSH_REJECTED;
}

static void on_sent(int status, const char *body, size_t len, const char *error, void *arg)
{
    send_ctx_t *s = arg;
    char why[200] = "";
    push_outcome_t outcome = read_answer(s->f, status, body, why, sizeof why);
    if (status == 0)
        snprintf(why, sizeof why, "fcm: %s", error ? error : "no answer");
    s->cb(outcome, why, s->arg);
    xfree(s);
}

static void post_message(fcm_t *f, const push_note_t *n, int timeout_ms, push_done_fn cb, void *arg)
{
    char *body = message_body(n);
    send_ctx_t *s = XNEW(send_ctx_t);
    *s = (send_ctx_t){f, cb, arg};
    wh_client_post_ext(f->api, f->send_path, NULL, f->access, body, strlen(body), timeout_ms,
                       on_sent, s);
    free(body);
}

/* Answers every waiting send: posted with the fresh token, or (ok false) retried later. */
static void flush_waiting(fcm_t *f, bool ok, const char *why)
{
    waiting_t *w = f->waiting;
    f->waiting = NULL;
    f->waiting_tail = &f->waiting;
    while (w) {
        waiting_t *next = w->next;
        if (ok)
            post_message(f, &w->note, w->timeout_ms, w->cb, w->arg);
        else
            w->cb(PUSH_RETRY, why, w->arg);
        json_decref(w->body);
        xfree(w);
        w = next;
    }
}

static void on_token(int status, const char *body, size_t len, const char *error, void *arg)
{
    fcm_t *f = arg;
    char why[200];
    json_t *doc = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
    const char *access = json_string_value(json_object_get(doc, "access_token"));
    json_int_t expires_in = json_integer_value(json_object_get(doc, "expires_in"));
    if (access && *access && expires_in > 0) {
        xfree(f->access);
        f->access = xasprintf("Bearer %s", access);
        f->expires_at = wall_s() + expires_in - REFRESH_MARGIN_S;
        set_token_state(f, TOKEN_READY);
        json_decref(doc);
        flush_waiting(f, true, NULL);
        return;
    }
    if (status == 0)
        snprintf(why, sizeof why, "fcm: token exchange: %s", error ? error : "no answer");
    else
        snprintf(why, sizeof why, "fcm: token exchange: HTTP %d without an access token", status);
    log_warn("push: %s", why);
    json_decref(doc);
    set_token_state(f, TOKEN_NONE);
    flush_waiting(f, false, why);
}

static bool fetch_token(fcm_t *f, int timeout_ms)
{
    int64_t now = wall_s();
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", f->client_email, "scope",
                               FCM_SCOPE, "aud", f->token_url, "iat", (json_int_t)now, "exp",
                               (json_int_t)(now + ASSERTION_LIFETIME_S));
    char *claims_text = json_dumps(claims, JSON_COMPACT);
    json_decref(claims);
    char *assertion =
        auth_jwt_sign(AUTH_JWT_RS256, f->private_key, strlen(f->private_key), NULL, claims_text);
    free(claims_text);
    if (assertion == NULL)
        return false;
    char *form = xasprintf("grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
                           "&assertion=%s",
                           assertion);
    free(assertion);
    set_token_state(f, TOKEN_FETCHING);
    wh_client_post_ext(f->oauth, f->token_path, "application/x-www-form-urlencoded", NULL, form,
                       strlen(form), timeout_ms, on_token, f);
    xfree(form);
    return true;
}

static void fcm_send(void *impl, const push_note_t *n, int timeout_ms, push_done_fn cb, void *arg)
{
    fcm_t *f = impl;
    if (f->state == TOKEN_READY && wall_s() >= f->expires_at)
        set_token_state(f, TOKEN_NONE);
    if (f->state == TOKEN_READY) {
        post_message(f, n, timeout_ms, cb, arg);
        return;
    }
    waiting_t *w = XNEW(waiting_t);
    w->body = json_incref((json_t *)n->body);
    w->note = (push_note_t){n->id, n->attempt, w->body};
    w->timeout_ms = timeout_ms;
    w->cb = cb;
    w->arg = arg;
    *f->waiting_tail = w;
    f->waiting_tail = &w->next;
    if (f->state == TOKEN_NONE && !fetch_token(f, timeout_ms)) {
        log_warn("push: fcm: cannot sign the service account's assertion");
        flush_waiting(f, false, "fcm: cannot sign the assertion");
    }
}

static void fcm_free(void *impl)
{
    fcm_t *f = impl;
    if (f == NULL)
        return;
    wh_client_free(f->oauth); /* an exchange in flight answers its waiting sends as retried */
    f->oauth = NULL;
    flush_waiting(f, false, "stopped");
    wh_client_free(f->api);
    if (f->api_ssl)
        SSL_CTX_free(f->api_ssl);
    if (f->oauth_ssl)
        SSL_CTX_free(f->oauth_ssl);
    xfree(f->send_path);
    xfree(f->token_path);
    xfree(f->token_url);
    xfree(f->client_email);
    xfree(f->private_key);
    xfree(f->access);
    xfree(f);
}

/* A client for url's origin; *path gets its path and query. */
static wh_client_t *client_for(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                               const char *url, const char *key, SSL_CTX **ssl, char **path,
                               char *errbuf, size_t errlen)
{
    char *host = NULL;
    int port = 0;
    bool https = false;
    if (!webhook_parse_url(url, key, &host, &port, &https, path, errbuf, errlen))
        return NULL;
    if (https &&
        (*ssl = webhook_tls_context(cfg->push_ca_file, "push_ca_file", errbuf, errlen)) == NULL) {
        xfree(host);
        return NULL;
    }
    wh_client_t *c =
        wh_client_new(base, dns, *ssl, host, port, cfg->push_max_in_flight, &fcm_seconds);
    xfree(host);
    return c;
}

bool push_fcm_new(struct event_base *base, struct evdns_base *dns, const config_t *cfg,
                  push_provider_t *out, char *errbuf, size_t errlen)
{
    metrics_histogram_add(&fcm_seconds);
    char *text = NULL;
    json_t *sa = NULL;
    fcm_t *f = XNEW(fcm_t);
    f->waiting_tail = &f->waiting;
    if (file_read_all(cfg->push_fcm_credentials, &text, NULL))
        sa = json_loads(text, 0, NULL); /* not inside json_is_object(), which reads it twice */
    if (!json_is_object(sa)) {
        snprintf(errbuf, errlen,
                 "bad value for key 'push_fcm_credentials': cannot read '%s' as a JSON object",
                 cfg->push_fcm_credentials);
        goto fail;
    }
    const char *email = json_string_value(json_object_get(sa, "client_email"));
    const char *pkey = json_string_value(json_object_get(sa, "private_key"));
    const char *project = *cfg->push_fcm_project
                              ? cfg->push_fcm_project
                              : json_string_value(json_object_get(sa, "project_id"));
    const char *token_url = *cfg->push_fcm_token_url
                                ? cfg->push_fcm_token_url
                                : json_string_value(json_object_get(sa, "token_uri"));
    if (email == NULL || pkey == NULL || project == NULL || *project == '\0') {
        snprintf(errbuf, errlen,
                 "bad value for key 'push_fcm_credentials': '%s' needs client_email, private_key "
                 "and project_id (or push_fcm_project)",
                 cfg->push_fcm_credentials);
        goto fail;
    }
    f->client_email = xstrdup(email);
    f->private_key = xstrdup(pkey);
    f->token_url = xstrdup(token_url && *token_url ? token_url : FCM_DEFAULT_TOKEN_URL);
    char *base_path = NULL;
    f->api = client_for(base, dns, cfg, cfg->push_fcm_base_url, "push_fcm_base_url", &f->api_ssl,
                        &base_path, errbuf, errlen);
    if (f->api == NULL)
        goto fail;
    size_t bl = strlen(base_path);
    f->send_path =
        xasprintf("%.*s/v1/projects/%s/messages:send",
                  (int)(bl > 0 && base_path[bl - 1] == '/' ? bl - 1 : bl), base_path, project);
    xfree(base_path);
    f->oauth = client_for(base, dns, cfg, f->token_url, "push_fcm_token_url", &f->oauth_ssl,
                          &f->token_path, errbuf, errlen);
    if (f->oauth == NULL)
        goto fail;
    /* The key must sign: found now rather than at the first notification. */
    char *probe = auth_jwt_sign(AUTH_JWT_RS256, f->private_key, strlen(f->private_key), NULL,
                                "{\"probe\":1}");
    if (probe == NULL) {
        snprintf(errbuf, errlen,
                 "bad value for key 'push_fcm_credentials': its private_key is not an RSA key "
                 "in PEM");
        goto fail;
    }
    free(probe);
    log_info("push: fcm project %s via %s, tokens from %s", project, cfg->push_fcm_base_url,
             f->token_url);
    json_decref(sa);
    xfree(text);
    *out = (push_provider_t){"fcm", f, fcm_send, fcm_free};
    return true;
fail:
    json_decref(sa);
    xfree(text);
    fcm_free(f);
    return false;
}
