#include "api/limit.h"

#include <stdio.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/xalloc.h"

enum { LIMIT_KEYS_MAX = 200000, ALERT_EVERY_MS = 60000 };

typedef enum { KIND_SEND, KIND_COMMAND, KIND_REST_IP, KIND_REST_APP, NKINDS } kind_t;
static const char *const kind_names[NKINDS] = {"send", "ws_command", "rest_ip", "rest_app"};

struct api_limits {
    rl_table_t *senders, *ips;
    rl_bucket_t app;
    unsigned long long refused[NKINDS];
};

static void write_metrics(sbuf_t *out, void *arg)
{
    const api_limits_t *l = arg;
    sbuf_printf(out, "# HELP chatd_rate_limited_total Requests refused by a rate limit.\n"
                     "# TYPE chatd_rate_limited_total counter\n");
    for (int k = 0; k < NKINDS; k++)
        sbuf_printf(out, "chatd_rate_limited_total{kind=\"%s\"} %llu\n", kind_names[k],
                    l->refused[k]);
}

api_limits_t *api_limits_new(void)
{
    api_limits_t *l = XNEW(api_limits_t);
    l->senders = rl_table_new(LIMIT_KEYS_MAX);
    l->ips = rl_table_new(LIMIT_KEYS_MAX);
    metrics_register(write_metrics, l);
    return l;
}

void api_limits_free(api_limits_t *l)
{
    if (l == NULL)
        return;
    rl_table_free(l->senders);
    rl_table_free(l->ips);
    xfree(l);
}

/* Counts a refusal and, the first time in a while for its bucket, tells the app. */
static void refused(const api_env_t *env, kind_t kind, bool alert, const char *service,
                    const char *command, int limit)
{
    env->limits->refused[kind]++;
    if (!alert || !api_hook_on(env, STORE_WEBHOOK_ALERT_OVER_LIMIT))
        return;
    store_webhook_origin_t o = {"RESTAPI", ""};
    env->hooks->emit(env->hooks->ctx, STORE_WEBHOOK_ALERT_OVER_LIMIT, "alert", &o,
                     json_pack("{s:s, s:s, s:i, s:i}", "ServiceName", service, "Command", command,
                               "Request", limit, "Limit", limit));
}

err_t api_limit_send(const api_env_t *env, const char *user, bool group)
{
    const config_t *c = env->cfg;
    bool alert;
    if (rl_table_take(env->limits->senders, user, c->rate_limit_msgs_per_s, c->rate_limit_burst,
                      mono_ms(), ALERT_EVERY_MS, &alert))
        return ERR_OK;
    refused(env, KIND_SEND, alert, group ? "group" : "openim", "sendMessage",
            c->rate_limit_msgs_per_s);
    return group ? ERR_GROUP_SEND_TOO_FREQUENT : ERR_SEND_TOO_FREQUENT;
}

err_t api_limit_rest(const api_env_t *env, const char *ip, const char *service, const char *command)
{
    const config_t *c = env->cfg;
    api_limits_t *l = env->limits;
    bool alert;
    int64_t now = mono_ms();
    /* The address first: a flood from one address does not spend the whole app's budget. */
    if (!rl_table_take(l->ips, ip, c->rate_limit_rest_per_ip_per_s, c->rate_limit_rest_ip_burst,
                       now, ALERT_EVERY_MS, &alert)) {
        refused(env, KIND_REST_IP, alert, service, command, c->rate_limit_rest_per_ip_per_s);
        return ERR_REST_TOO_FREQUENT;
    }
    if (!rl_bucket_take(&l->app, c->rate_limit_rest_per_s, c->rate_limit_rest_burst, now,
                        ALERT_EVERY_MS, &alert)) {
        refused(env, KIND_REST_APP, alert, service, command, c->rate_limit_rest_per_s);
        return ERR_REST_TOO_FREQUENT;
    }
    return ERR_OK;
}

err_t api_limit_command(const api_env_t *env, rl_bucket_t *conn, const char *cmd)
{
    const config_t *c = env->cfg;
    bool alert;
    if (rl_bucket_take(conn, c->rate_limit_ws_cmds_per_s, c->rate_limit_ws_burst, mono_ms(),
                       ALERT_EVERY_MS, &alert))
        return ERR_OK;
    refused(env, KIND_COMMAND, alert, "ws", cmd, c->rate_limit_ws_cmds_per_s);
    return ERR_TOO_FREQUENT;
}
