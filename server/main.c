/* chatd: argv, config, start-up order, signals, loop, shutdown — nothing else. */
#include <assert.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/state.h"
#include "version.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "http/http.h"
#include "router/router.h"
#include "api/conv/conv.h"
#include "api/group/group.h"
#include "api/limit.h"
#include "api/push/push.h"
#include "api/signal/signal.h"
#include "push/push.h"
#include "api/stats/stats.h"
#include "store/conversation.h"
#include "store/message.h"
#include "store/stats.h"
#include "webhook/webhook.h"
#include "ws/ws.h"

#define DEFAULT_CONFIG "config/chatd.conf"
#define DEFAULT_USERSIG_EXPIRE (180 * 86400)
#define MIGRATE_WAIT_S 30
#define STATS_FLUSH_S 10 /* how often the daily statistics go to PostgreSQL */

typedef enum { DAEMON_RUNNING = 0, DAEMON_DRAINING, DAEMON_EXITING } daemon_state_t;
static const char *const daemon_state_names[] = {"running", "draining", "exiting"};

typedef struct {
    const char *config_path;
    config_t cfg;
    struct event_base *base;
    api_env_t env;
    http_server_t *http;
    ws_server_t *ws;
    store_purger_t *purger;
    api_signal_t *signals; /* the signaling timeout sweep */
    push_t *push;          /* the push outbox's dispatcher */
    webhook_t *webhook;
    struct event *sigterm, *sigint, *sighup, *drain;
    int64_t shutdown_deadline_ms; /* mono_ms(), set when DRAINING begins */
    bool stats_flushed;           /* the last statistics flush was sent (once: it may fail) */
    daemon_state_t state;
} daemon_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chatd [-c FILE]                  run the server (default %s)\n"
            "       chatd [-c FILE] usersig USERID [EXPIRE_S]\n"
            "                                         print a UserSig for the configured app\n"
            "       chatd --version | --help\n",
            DEFAULT_CONFIG);
}

static int print_usersig(const config_t *cfg, const char *user, const char *expire_arg)
{
    long long expire = DEFAULT_USERSIG_EXPIRE;
    if (expire_arg != NULL) {
        char *end;
        expire = strtoll(expire_arg, &end, 10);
        if (*end != '\0' || expire <= 0) {
            fprintf(stderr, "chatd: EXPIRE_S must be a positive number of seconds\n");
            return 2;
        }
    }
    char *sig = usersig_generate(cfg->sdkappid, cfg->secret_key, user, wall_s(), expire);
    if (sig == NULL) {
        fprintf(stderr, "chatd: cannot make a UserSig for that UserID\n");
        return 1;
    }
    printf("%s\n", sig);
    xfree(sig);
    return 0;
}

/* RUNNING -> DRAINING (first SIGTERM/SIGINT) -> EXITING (drained, or the deadline passed). */
static void daemon_set_state(daemon_t *d, daemon_state_t state)
{
    static const unsigned allowed[] = {
        [DAEMON_RUNNING] = STATE_BIT(DAEMON_DRAINING),
        [DAEMON_DRAINING] = STATE_BIT(DAEMON_EXITING),
        [DAEMON_EXITING] = 0,
    };
    if (d->state == state)
        return;
    assert(STATE_ALLOWED(allowed, d->state, state));
    log_debug("chatd: %s -> %s", daemon_state_names[d->state], daemon_state_names[state]);
    d->state = state;
}

static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
    daemon_t *d = arg;
    /* Sessions close first (their Disconnect events are writes, their route entries are
     * removed from the bus), then those writes finish; the statistics counted meanwhile go out
     * last. */
    bool drained = http_server_in_flight(d->http) == 0 && ws_server_session_count(d->ws) == 0 &&
                   webhook_pending_writes(d->webhook) == 0 &&
                   router_cluster_pending(d->env.router) == 0;
    if (drained && !d->stats_flushed) {
        store_stats_flush(d->env.stats);
        d->stats_flushed = true;
    }
    if (drained && !store_stats_idle(d->env.stats) && mono_ms() < d->shutdown_deadline_ms)
        return;
    if (drained) {
        log_info("chatd: all requests answered, exiting");
    } else if (mono_ms() >= d->shutdown_deadline_ms) {
        log_warn("chatd: %d requests still in flight after %d ms, exiting anyway",
                 http_server_in_flight(d->http), d->cfg.shutdown_timeout_ms);
    } else {
        return;
    }
    daemon_set_state(d, DAEMON_EXITING);
    event_del(d->drain);
    event_base_loopexit(d->base, NULL);
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
    daemon_t *d = arg;
    if (d->state != DAEMON_RUNNING)
        return;
    daemon_set_state(d, DAEMON_DRAINING);
    log_info("chatd: %s received, no longer accepting; answering what is in flight",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    http_server_stop_accepting(d->http);
    ws_server_close_all(d->ws);
    d->shutdown_deadline_ms = mono_ms() + d->cfg.shutdown_timeout_ms;
    struct timeval tick = {0, 10 * 1000};
    d->drain = event_new(d->base, -1, EV_PERSIST, on_drain_tick, d);
    event_add(d->drain, &tick);
}

static void on_sighup(evutil_socket_t sig, short what, void *arg)
{
    daemon_t *d = arg;
    config_t fresh;
    char err[512];
    if (!config_load(d->config_path, &fresh, err, sizeof err)) {
        log_error("config: reload refused, keeping the running configuration: %s", err);
        return;
    }
    log_info("config: reloading %s", d->config_path ? d->config_path : "(environment)");
    config_apply_reload(&d->cfg, &fresh);
    config_clear(&fresh);
    http_server_reload_tls(d->http);
}

static bool start(daemon_t *d)
{
    char err[512];
    log_info("chatd %s (%s) starting", CHATD_VERSION, CHATD_GIT_REV);
    if (!db_migrate(d->cfg.database_url, d->cfg.schema_dir, MIGRATE_WAIT_S, err, sizeof err)) {
        log_error("chatd: schema migration failed: %s", err);
        return false;
    }
    d->base = event_base_new();
    d->env.base = d->base;
    d->env.cfg = &d->cfg;
    db_pool_config_t pool = {d->cfg.database_url, d->cfg.db_pool_size, d->cfg.db_max_waiting,
                             d->cfg.db_statement_timeout_ms};
    d->env.db = db_pool_new(d->base, &pool);
    d->env.router = router_new();
    if (d->cfg.bus_host) {
        login_rules_t rules = {(login_policy_t)d->cfg.login_policy, d->cfg.login_max_per_platform,
                               d->cfg.login_max_web};
        router_join_cluster(d->env.router, d->base, d->cfg.bus_host, d->cfg.bus_port,
                            d->cfg.node_id, &rules);
    }
    d->env.msgs = store_msg_writer_new(d->base, d->env.db, d->cfg.msg_dedup_window_s,
                                       d->cfg.msg_writer_lanes);
    d->env.conv_notify = conv_notify_new(&d->env);
    d->env.limits = api_limits_new();
    d->env.groups = group_cache_new(&d->env);
    d->env.stats = store_stats_new(d->base, d->env.db, STATS_FLUSH_S);
    d->env.exports = history_exports_new(&d->env);
    d->purger = store_purger_new(d->base, d->env.db, d->cfg.purge_interval_s);
    d->webhook = webhook_new(d->base, &d->cfg, d->env.db, err, sizeof err);
    if (d->webhook == NULL) {
        log_error("chatd: %s", err);
        return false;
    }
    d->env.hooks = webhook_hooks(d->webhook);
    d->push = push_new(d->base, &d->cfg, d->env.db, err, sizeof err);
    if (d->push == NULL) {
        log_error("chatd: %s", err);
        return false;
    }
    d->env.push = push_hooks(d->push);
    if (d->env.push)
        d->env.push_jobs = push_jobs_new(&d->env);
    d->signals = api_signal_new(&d->env);
    d->http = http_server_new(&d->env);
    if (d->http == NULL)
        return false;
    d->ws = ws_server_new(&d->env, d->http);
    d->sigterm = evsignal_new(d->base, SIGTERM, on_stop_signal, d);
    d->sigint = evsignal_new(d->base, SIGINT, on_stop_signal, d);
    d->sighup = evsignal_new(d->base, SIGHUP, on_sighup, d);
    event_add(d->sigterm, NULL);
    event_add(d->sigint, NULL);
    event_add(d->sighup, NULL);
    return true;
}

static void stop(daemon_t *d)
{
    /* Webhooks first: pending before-callbacks are answered while the writer and the pool can
     * still take what they allow, and nothing calls the hooks afterwards. Then the pool (its
     * in-flight batches fail into the still-alive writer, purger and doors), then what fed it;
     * the doors last, so every failed request is answered. The bus goes first of all: its
     * pending presence lookups are answered while everything they reach still stands. */
    if (d->env.router)
        router_leave_cluster(d->env.router);
    webhook_free(d->webhook);
    d->env.hooks = NULL;
    push_free(d->push);
    d->env.push = NULL;
    db_pool_free(d->env.db);
    history_exports_free(d->env.exports);
    store_stats_free(d->env.stats);
    store_msg_writer_free(d->env.msgs);
    store_purger_free(d->purger);
    conv_notify_free(d->env.conv_notify);
    api_signal_free(d->signals);
    push_jobs_free(d->env.push_jobs);
    d->env.push_jobs = NULL;
    api_limits_free(d->env.limits);
    group_cache_free(d->env.groups);
    ws_server_free(d->ws);
    http_server_free(d->http);
    router_free(d->env.router);
    struct event *evs[] = {d->sigterm, d->sigint, d->sighup, d->drain};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i])
            event_free(evs[i]);
    if (d->base)
        event_base_free(d->base);
    metrics_reset();
    config_clear(&d->cfg);
}

int main(int argc, char **argv)
{
    daemon_t d = {.config_path = DEFAULT_CONFIG};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("chatd %s (%s)\n", CHATD_VERSION, CHATD_GIT_REV);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            d.config_path = argv[++i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    char err[512];
    if (!config_load(d.config_path, &d.cfg, err, sizeof err)) {
        fprintf(stderr, "chatd: %s\n", err);
        return 1;
    }
    log_set_level(d.cfg.log_level);
    log_set_format((log_format_t)d.cfg.log_format);
    if (i < argc) {
        int rc = 2;
        if (strcmp(argv[i], "usersig") == 0 && (argc - i == 2 || argc - i == 3))
            rc = print_usersig(&d.cfg, argv[i + 1], argc - i == 3 ? argv[i + 2] : NULL);
        else
            usage(stderr);
        config_clear(&d.cfg);
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    int rc = 1;
    if (start(&d)) {
        event_base_dispatch(d.base);
        rc = 0;
    }
    stop(&d);
    log_info("chatd: stopped");
    return rc;
}
