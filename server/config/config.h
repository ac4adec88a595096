/*
 * config — chatd's settings: one table of keys (name, type, default, reloadable, check).
 *
 * A file holds `key = value` lines and `#` comments; CHATD_<KEY> environment variables override
 * the file. Unknown keys, bad values and missing required keys are refused with a message naming
 * the key and the line (config_load fills `errbuf`). Every key is documented in
 * config/chatd.conf; config_key_names() lets tests check that file against this table.
 *
 * Ownership: config_load() fills a config_t whose strings it owns; release with config_clear().
 */
#ifndef CHATD_CONFIG_CONFIG_H
#define CHATD_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/attr.h"
#include "core/cidr.h"
#include "core/log.h"

#define CONFIG_MAX_ADMINS 5
#define CONFIG_MAX_ALLOW 64 /* ranges in admin_allow_ips */

typedef struct {
    char *listen_host;
    int listen_port;
    char *database_url;
    int db_pool_size;
    int db_max_waiting;
    int db_statement_timeout_ms;
    uint64_t sdkappid;
    char *secret_key;
    char *admin_identifier; /* as written: comma separated */
    char *admins[CONFIG_MAX_ADMINS];
    int admin_count;
    char *admin_allow_ips;                /* as written: "" = from anywhere */
    cidr_t admin_allow[CONFIG_MAX_ALLOW]; /* admin_allow_ips parsed */
    int admin_allow_count;                /* 0: admins may call from anywhere */
    int jwt_algorithm; /* index into {none, HS256, RS256, ES256}: auth_jwt_alg_t */
    char *jwt_secret;
    char *jwt_public_key_file;
    char *jwt_public_key; /* contents of jwt_public_key_file, read at load */
    size_t jwt_public_key_len;
    char *jwt_user_claim;
    char *jwt_issuer;
    char *jwt_audience;
    int jwt_leeway;
    log_level_t log_level;
    int log_format; /* log_format_t: text or json */
    /* Request-rate limits (api/limit.h): per second and burst; a rate of 0 is off. */
    int rate_limit_msgs_per_s, rate_limit_burst;
    int rate_limit_ws_cmds_per_s, rate_limit_ws_burst;
    int rate_limit_rest_per_ip_per_s, rate_limit_rest_ip_burst;
    int rate_limit_rest_per_s, rate_limit_rest_burst;
    int ws_max_connections_per_ip; /* 0: no limit */
    int max_body_bytes;
    int http_request_timeout_ms; /* a whole request within this of accept or the last answer */
    int console_enabled;         /* 1: /console serves the web console; 0: 404 */
    int shutdown_timeout_ms;
    char *schema_dir;
    int login_timeout_ms;
    int heartbeat_timeout_s;
    int ws_max_frame_bytes;
    int ws_max_output_bytes;
    int login_policy; /* index into {single, dual, triple, multi}: login_policy_t */
    int login_max_per_platform;
    int login_max_web;
    int msg_dedup_window_s;
    int msg_writer_lanes;
    int msg_recall_limit_s;
    int conversation_delete_sync;  /* 0 off, 1 on */
    int friends_max;               /* friends per user (Tencent: 3,000) */
    int user_status;               /* 0 off, 1 on: setSelfStatus, getUserStatus, … (else 72001) */
    int avchatroom_store_messages; /* 0 off, 1 on: AVChatRoom messages are stored too */
    int c2c_check_friends; /* 0 off, 1 on: one-to-one only between friends (20009–20011) */
    int purge_interval_s;
    char *history_export_dir; /* get_history's files (api/stats/stats.h) */
    int history_export_ttl_s; /* how long an export's URL and file live */
    char *history_export_url; /* the URLs' base; "" = http://listen */
    char *webhook_url;        /* "" = webhooks off */
    char *webhook_token;
    char *webhook_commands; /* "all" or a comma list (checked by webhook_new()) */
    int webhook_timeout_ms;
    int webhook_before_fail; /* 0 proceed, 1 block */
    int webhook_max_in_flight;
    int webhook_poll_ms;
    int webhook_retry_base_ms;
    int webhook_retry_max_ms;
    int webhook_max_age_s;
    char *webhook_ca_file;
    char *push_gateway_url;   /* "" = no gateway (docs/push.md) */
    char *push_gateway_token; /* "" = no Authorization header */
    int push_timeout_ms;
    int push_max_in_flight;
    int push_poll_ms;
    int push_retry_base_ms;
    int push_retry_max_ms;
    int push_max_age_s;
    char *push_ca_file;
    char *push_fcm_credentials; /* service-account JSON file; "" = no FCM */
    char *push_fcm_project;     /* "" = the credentials' project_id */
    char *push_fcm_base_url;
    char *push_fcm_token_url; /* "" = the credentials' token_uri */
    char *push_apns_key_file; /* the .p8 signing key; "" = no APNs */
    char *push_apns_key_id;
    char *push_apns_team_id;
    char *push_apns_topic; /* the app's bundle ID */
    char *push_apns_base_url;
    /* TLS listener (http/tls.h): tls_listen "" = none; else parsed into tls_host:tls_port. */
    char *tls_listen;
    char *tls_host;
    int tls_port;
    char *tls_cert_file; /* PEM chain, leaf first; re-read on SIGHUP */
    char *tls_key_file;
    char *bus_url;  /* "" = a single node; else redis://HOST:PORT (docs/operations.md) */
    char *bus_host; /* bus_url parsed (NULL when empty) */
    int bus_port;
    char *node_id; /* this node's name on the bus; "" in the file = "<host>-<listen port>" */
} config_t;

/* Loads `path` (NULL: defaults and environment only) into *cfg. On failure returns false with a
 * one-line reason in errbuf and leaves *cfg cleared. */
MUSTCHECK bool config_load(const char *path, config_t *cfg, char *errbuf, size_t errlen);
void config_clear(config_t *cfg);

/* Copies the reloadable keys from `fresh` into `live` and logs each change. */
void config_apply_reload(config_t *live, const config_t *fresh);

bool config_is_admin(const config_t *cfg, const char *identifier);

/* One key of the running configuration as operators may see it (chatd_admin/config_get). */
typedef struct {
    const char *name; /* static */
    char *value;      /* heap (xfree): the value as a config file would write it, secrets
                       * masked: secret_key, jwt_secret, webhook_token as "********" when set,
                       * the password of database_url and webhook_url likewise */
    const char *def;  /* static: the default as written, NULL for a required key */
    bool reloadable;  /* SIGHUP applies a change */
    bool secret;      /* the value is, or may hold, a secret that was masked */
} config_key_view_t;

size_t config_key_count(void);
/* Fills *out for key i (i < config_key_count(), table order) from cfg. */
void config_key_view(const config_t *cfg, size_t i, config_key_view_t *out);
/* A copy (heap, xfree) of a libpq connection string or URL with its password, if any, replaced
 * by "********": URL user info (user:password@), a password= keyword or query parameter. */
char *config_mask_url(const char *url);

/* NULL-terminated list of every key name, for docs checks. */
const char *const *config_key_names(void);

#endif
