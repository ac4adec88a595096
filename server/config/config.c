#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/file.h"
#include "core/sbuf.h"
#include "core/xalloc.h"

typedef enum { T_STR, T_INT, T_U64, T_LOGLEVEL, T_ENUM, T_LISTEN } key_type_t;

typedef struct {
    const char *name;
    key_type_t type;
    size_t offset;
    const char *def; /* NULL: required */
    bool reloadable;
    long min, max;              /* T_INT bounds */
    const char *const *choices; /* T_ENUM: NULL-terminated; the field holds the index */
} key_def_t;

/* Orders match auth_jwt_alg_t and login_policy_t. */
static const char *const jwt_algorithms[] = {"none", "HS256", "RS256", "ES256", NULL};
static const char *const login_policies[] = {"single", "dual", "triple", "multi", NULL};
static const char *const on_off[] = {"off", "on", NULL};
static const char *const log_formats[] = {"text", "json", NULL}; /* log_format_t order */
static const char *const before_fail[] = {"proceed", "block", NULL};

#define OFF(field) offsetof(config_t, field)

static const key_def_t keys[] = {
    {"listen", T_LISTEN, OFF(listen_host), "127.0.0.1:8080", false, 0, 0, NULL},
    {"database_url", T_STR, OFF(database_url), NULL, false, 0, 0, NULL},
    {"db_pool_size", T_INT, OFF(db_pool_size), "4", false, 1, 64, NULL},
    {"db_max_waiting", T_INT, OFF(db_max_waiting), "10000", false, 1, 10000000, NULL},
    {"db_statement_timeout_ms", T_INT, OFF(db_statement_timeout_ms), "30000", false, 100, 3600000,
     NULL},
    {"sdkappid", T_U64, OFF(sdkappid), NULL, false, 0, 0, NULL},
    {"secret_key", T_STR, OFF(secret_key), NULL, false, 0, 0, NULL},
    {"admin_identifier", T_STR, OFF(admin_identifier), "administrator", false, 0, 0, NULL},
    {"admin_allow_ips", T_STR, OFF(admin_allow_ips), "", false, 0, 0, NULL},
    {"jwt_algorithm", T_ENUM, OFF(jwt_algorithm), "none", false, 0, 0, jwt_algorithms},
    {"jwt_secret", T_STR, OFF(jwt_secret), "", false, 0, 0, NULL},
    {"jwt_public_key_file", T_STR, OFF(jwt_public_key_file), "", false, 0, 0, NULL},
    {"jwt_user_claim", T_STR, OFF(jwt_user_claim), "sub", false, 0, 0, NULL},
    {"jwt_issuer", T_STR, OFF(jwt_issuer), "", false, 0, 0, NULL},
    {"jwt_audience", T_STR, OFF(jwt_audience), "", false, 0, 0, NULL},
    {"jwt_leeway", T_INT, OFF(jwt_leeway), "30", false, 0, 3600, NULL},
    {"log_level", T_LOGLEVEL, OFF(log_level), "info", true, 0, 0, NULL},
    {"log_format", T_ENUM, OFF(log_format), "text", true, 0, 0, log_formats},
    {"http_request_timeout_ms", T_INT, OFF(http_request_timeout_ms), "60000", true, 100, 3600000,
     NULL},
    {"console_enabled", T_INT, OFF(console_enabled), "1", true, 0, 1, NULL},
    {"max_body_bytes", T_INT, OFF(max_body_bytes), "1048576", false, 1024, 64 * 1024 * 1024, NULL},
    {"shutdown_timeout_ms", T_INT, OFF(shutdown_timeout_ms), "5000", false, 0, 600000, NULL},
    {"schema_dir", T_STR, OFF(schema_dir), "schema", false, 0, 0, NULL},
    {"login_timeout_ms", T_INT, OFF(login_timeout_ms), "10000", false, 100, 600000, NULL},
    {"heartbeat_timeout_s", T_INT, OFF(heartbeat_timeout_s), "60", false, 1, 86400, NULL},
    {"ws_max_frame_bytes", T_INT, OFF(ws_max_frame_bytes), "65536", false, 1024, 16777216, NULL},
    {"ws_max_output_bytes", T_INT, OFF(ws_max_output_bytes), "4194304", false, 65536, 1073741824,
     NULL},
    {"ws_max_connections_per_ip", T_INT, OFF(ws_max_connections_per_ip), "0", true, 0, 1000000,
     NULL},
    {"login_policy", T_ENUM, OFF(login_policy), "multi", false, 0, 0, login_policies},
    {"login_max_per_platform", T_INT, OFF(login_max_per_platform), "1", false, 1, 10, NULL},
    {"login_max_web", T_INT, OFF(login_max_web), "1", false, 1, 10, NULL},
    {"msg_dedup_window_s", T_INT, OFF(msg_dedup_window_s), "120", false, 0, 86400, NULL},
    {"msg_writer_lanes", T_INT, OFF(msg_writer_lanes), "2", false, 1, 8, NULL},
    {"msg_recall_limit_s", T_INT, OFF(msg_recall_limit_s), "120", false, 0, 31536000, NULL},
    {"conversation_delete_sync", T_ENUM, OFF(conversation_delete_sync), "off", false, 0, 0, on_off},
    {"friends_max", T_INT, OFF(friends_max), "3000", true, 1, 100000, NULL},
    {"user_status", T_ENUM, OFF(user_status), "off", true, 0, 0, on_off},
    {"avchatroom_store_messages", T_ENUM, OFF(avchatroom_store_messages), "off", true, 0, 0,
     on_off},
    {"c2c_check_friends", T_ENUM, OFF(c2c_check_friends), "off", true, 0, 0, on_off},
    {"rate_limit_msgs_per_s", T_INT, OFF(rate_limit_msgs_per_s), "200", true, 0, 1000000, NULL},
    {"rate_limit_burst", T_INT, OFF(rate_limit_burst), "1000", true, 1, 10000000, NULL},
    {"rate_limit_ws_cmds_per_s", T_INT, OFF(rate_limit_ws_cmds_per_s), "500", true, 0, 1000000,
     NULL},
    {"rate_limit_ws_burst", T_INT, OFF(rate_limit_ws_burst), "2000", true, 1, 10000000, NULL},
    {"rate_limit_rest_per_ip_per_s", T_INT, OFF(rate_limit_rest_per_ip_per_s), "0", true, 0,
     10000000, NULL},
    {"rate_limit_rest_ip_burst", T_INT, OFF(rate_limit_rest_ip_burst), "1000", true, 1, 10000000,
     NULL},
    {"rate_limit_rest_per_s", T_INT, OFF(rate_limit_rest_per_s), "0", true, 0, 10000000, NULL},
    {"rate_limit_rest_burst", T_INT, OFF(rate_limit_rest_burst), "5000", true, 1, 10000000, NULL},
    {"purge_interval_s", T_INT, OFF(purge_interval_s), "30", false, 1, 86400, NULL},
    {"history_export_dir", T_STR, OFF(history_export_dir), "var/history", false, 0, 0, NULL},
    {"history_export_ttl_s", T_INT, OFF(history_export_ttl_s), "86400", false, 1, 604800, NULL},
    {"history_export_url", T_STR, OFF(history_export_url), "", false, 0, 0, NULL},
    {"webhook_url", T_STR, OFF(webhook_url), "", false, 0, 0, NULL},
    {"webhook_token", T_STR, OFF(webhook_token), "", false, 0, 0, NULL},
    {"webhook_commands", T_STR, OFF(webhook_commands), "all", false, 0, 0, NULL},
    {"webhook_timeout_ms", T_INT, OFF(webhook_timeout_ms), "2000", false, 100, 60000, NULL},
    {"webhook_before_fail", T_ENUM, OFF(webhook_before_fail), "proceed", false, 0, 0, before_fail},
    {"webhook_max_in_flight", T_INT, OFF(webhook_max_in_flight), "64", false, 1, 4096, NULL},
    {"webhook_poll_ms", T_INT, OFF(webhook_poll_ms), "250", false, 10, 60000, NULL},
    {"webhook_retry_base_ms", T_INT, OFF(webhook_retry_base_ms), "1000", false, 10, 3600000, NULL},
    {"webhook_retry_max_ms", T_INT, OFF(webhook_retry_max_ms), "300000", false, 10, 86400000, NULL},
    {"webhook_max_age_s", T_INT, OFF(webhook_max_age_s), "86400", false, 1, 2592000, NULL},
    {"webhook_ca_file", T_STR, OFF(webhook_ca_file), "", false, 0, 0, NULL},
    {"push_gateway_url", T_STR, OFF(push_gateway_url), "", false, 0, 0, NULL},
    {"push_gateway_token", T_STR, OFF(push_gateway_token), "", false, 0, 0, NULL},
    {"push_timeout_ms", T_INT, OFF(push_timeout_ms), "5000", false, 100, 60000, NULL},
    {"push_max_in_flight", T_INT, OFF(push_max_in_flight), "64", false, 1, 4096, NULL},
    {"push_poll_ms", T_INT, OFF(push_poll_ms), "250", false, 10, 60000, NULL},
    {"push_retry_base_ms", T_INT, OFF(push_retry_base_ms), "1000", false, 10, 3600000, NULL},
    {"push_retry_max_ms", T_INT, OFF(push_retry_max_ms), "300000", false, 10, 86400000, NULL},
    {"push_max_age_s", T_INT, OFF(push_max_age_s), "86400", false, 1, 2592000, NULL},
    {"push_ca_file", T_STR, OFF(push_ca_file), "", false, 0, 0, NULL},
    {"push_fcm_credentials", T_STR, OFF(push_fcm_credentials), "", false, 0, 0, NULL},
    {"push_fcm_project", T_STR, OFF(push_fcm_project), "", false, 0, 0, NULL},
    {"push_fcm_base_url", T_STR, OFF(push_fcm_base_url), "https://fcm.googleapis.com", false, 0, 0,
     NULL},
    {"push_fcm_token_url", T_STR, OFF(push_fcm_token_url), "", false, 0, 0, NULL},
    {"push_apns_key_file", T_STR, OFF(push_apns_key_file), "", false, 0, 0, NULL},
    {"push_apns_key_id", T_STR, OFF(push_apns_key_id), "", false, 0, 0, NULL},
    {"push_apns_team_id", T_STR, OFF(push_apns_team_id), "", false, 0, 0, NULL},
    {"push_apns_topic", T_STR, OFF(push_apns_topic), "", false, 0, 0, NULL},
    {"push_apns_base_url", T_STR, OFF(push_apns_base_url), "https://api.push.apple.com", false, 0,
     0, NULL},
    {"tls_listen", T_STR, OFF(tls_listen), "", false, 0, 0, NULL},
    {"tls_cert_file", T_STR, OFF(tls_cert_file), "", true, 0, 0, NULL},
    {"tls_key_file", T_STR, OFF(tls_key_file), "", true, 0, 0, NULL},
    {"bus_url", T_STR, OFF(bus_url), "", false, 0, 0, NULL},
    {"node_id", T_STR, OFF(node_id), "", false, 0, 0, NULL},
};

#define NKEYS (sizeof keys / sizeof keys[0])

static const key_def_t *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static bool parse_long(const char *s, long *out)
{
    if (*s == '\0')
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* "HOST:PORT" into *host (replaced) and *port. */
static bool parse_listen(const char *s, char **host, int *port)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s)
        return false;
    long v;
    if (!parse_long(colon + 1, &v) || v < 0 || v > 65535)
        return false;
    xfree(*host);
    *host = xstrndup(s, (size_t)(colon - s));
    *port = (int)v;
    return true;
}

/* Stores `value` into the field of `k`; false when the value is not of the key's type. */
static bool set_value(config_t *cfg, const key_def_t *k, const char *value)
{
    void *field = (char *)cfg + k->offset;
    switch (k->type) {
    case T_STR:
        xfree(*(char **)field);
        *(char **)field = xstrdup(value);
        return true;
    case T_INT: {
        long v;
        if (!parse_long(value, &v) || v < k->min || v > k->max)
            return false;
        *(int *)field = (int)v;
        return true;
    }
    case T_U64: {
        char *end;
        errno = 0;
        if (!isdigit((unsigned char)value[0]))
            return false;
        unsigned long long v = strtoull(value, &end, 10);
        if (errno != 0 || *end != '\0' || v == 0)
            return false;
        *(uint64_t *)field = v;
        return true;
    }
    case T_LOGLEVEL:
        return log_level_parse(value, (log_level_t *)field);
    case T_ENUM:
        for (int i = 0; k->choices[i]; i++) {
            if (strcmp(value, k->choices[i]) == 0) {
                *(int *)field = i;
                return true;
            }
        }
        return false;
    case T_LISTEN:
        return parse_listen(value, &cfg->listen_host, &cfg->listen_port);
    }
    return false;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static bool load_file(const char *path, config_t *cfg, bool *seen, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        err_message(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    /* Whole lines of any length: a fixed buffer would split a long value into a second "line". */
    char *buf = NULL;
    size_t cap = 0;
    int lineno = 0;
    bool ok = true;
    while (ok && getline(&buf, &cap, f) != -1) {
        lineno++;
        char *hash = strchr(buf, '#');
        if (hash != NULL)
            *hash = '\0';
        char *line = trim(buf);
        if (*line == '\0')
            continue;
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            err_message(errbuf, errlen, "%s:%d: expected `key = value`", path, lineno);
            ok = false;
            break;
        }
        *eq = '\0';
        char *name = trim(line), *value = trim(eq + 1);
        const key_def_t *k = find_key(name);
        if (k == NULL) {
            err_message(errbuf, errlen, "%s:%d: unknown key '%s'", path, lineno, name);
            ok = false;
        } else if (!set_value(cfg, k, value)) {
            err_message(errbuf, errlen, "%s:%d: bad value for key '%s'", path, lineno, name);
            ok = false;
        } else {
            seen[k - keys] = true;
        }
    }
    free(buf);
    fclose(f);
    return ok;
}

static bool load_env(config_t *cfg, bool *seen, char *errbuf, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char var[64] = "CHATD_";
        for (size_t j = 0; keys[i].name[j] && j + 7 < sizeof var; j++)
            var[6 + j] = (char)toupper((unsigned char)keys[i].name[j]);
        const char *value = getenv(var);
        if (value == NULL)
            continue;
        if (!set_value(cfg, &keys[i], value)) {
            err_message(errbuf, errlen, "environment %s: bad value for key '%s'", var,
                        keys[i].name);
            return false;
        }
        seen[i] = true;
    }
    return true;
}

static bool split_admins(config_t *cfg, char *errbuf, size_t errlen)
{
    char *copy = xstrdup(cfg->admin_identifier), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (*tok == '\0')
            continue;
        if (cfg->admin_count == CONFIG_MAX_ADMINS || strlen(tok) > 32) {
            err_message(errbuf, errlen,
                        "bad value for key 'admin_identifier': at most %d IDs of <= 32 bytes",
                        CONFIG_MAX_ADMINS);
            xfree(copy);
            return false;
        }
        cfg->admins[cfg->admin_count++] = xstrdup(tok);
    }
    xfree(copy);
    if (cfg->admin_count == 0) {
        err_message(errbuf, errlen, "bad value for key 'admin_identifier': empty");
        return false;
    }
    return true;
}

/* admin_allow_ips: a comma-separated list of addresses and ranges (core/cidr.h). */
static bool split_allow(config_t *cfg, char *errbuf, size_t errlen)
{
    char *copy = xstrdup(cfg->admin_allow_ips), *save = NULL;
    bool ok = true;
    for (char *tok = strtok_r(copy, ", ", &save); tok && ok; tok = strtok_r(NULL, ", ", &save)) {
        if (cfg->admin_allow_count == CONFIG_MAX_ALLOW) {
            err_message(errbuf, errlen, "key 'admin_allow_ips' holds at most %d ranges",
                        CONFIG_MAX_ALLOW);
            ok = false;
        } else if (!cidr_parse(tok, &cfg->admin_allow[cfg->admin_allow_count++])) {
            err_message(errbuf, errlen, "bad value for key 'admin_allow_ips': '%s'", tok);
            ok = false;
        }
    }
    xfree(copy);
    return ok;
}

/* bus_url: "" or redis://HOST[:PORT] (6379) — parsed into bus_host, bus_port. */
static bool parse_bus_url(config_t *cfg)
{
    static const char scheme[] = "redis://";
    const char *url = cfg->bus_url;
    if (*url == '\0')
        return true;
    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return false;
    const char *h = url + sizeof scheme - 1, *end = h + strcspn(h, ":/");
    long port = 6379;
    if (end == h || (*end == '/' && end[1] != '\0'))
        return false;
    if (*end == ':') {
        char *stop;
        port = strtol(end + 1, &stop, 10);
        if (stop == end + 1 || port < 1 || port > 65535 || (*stop && strcmp(stop, "/") != 0))
            return false;
    }
    for (const char *c = h; c < end; c++)
        if (!isalnum((unsigned char)*c) && !strchr(".-_", *c))
            return false;
    cfg->bus_host = xstrndup(h, (size_t)(end - h));
    cfg->bus_port = (int)port;
    return true;
}

/* node_id: as given, else "<host name>-<listen port>"; 1 to 64 of [A-Za-z0-9._:-]. */
static bool check_node_id(config_t *cfg)
{
    if (*cfg->node_id == '\0') {
        char host[256] = "chatd";
        if (gethostname(host, sizeof host - 1) != 0)
            snprintf(host, sizeof host, "chatd");
        host[strcspn(host, ".")] = '\0';
        xfree(cfg->node_id);
        cfg->node_id = xasprintf("%.48s-%d", host, cfg->listen_port);
        for (char *c = cfg->node_id; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("._:-", *c))
                *c = '-';
    }
    size_t n = strlen(cfg->node_id);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)cfg->node_id[i]) && !strchr("._:-", cfg->node_id[i]))
            return false;
    return true;
}

static bool check_cluster(config_t *cfg, char *errbuf, size_t errlen)
{
    if (!parse_bus_url(cfg)) {
        err_message(errbuf, errlen, "bad value for key 'bus_url': expected redis://HOST:PORT");
        return false;
    }
    if (!check_node_id(cfg)) {
        err_message(errbuf, errlen,
                    "bad value for key 'node_id': 1 to 64 letters, digits or ._:- expected");
        return false;
    }
    return true;
}

static bool check_jwt(config_t *cfg, char *errbuf, size_t errlen)
{
    const char *alg = jwt_algorithms[cfg->jwt_algorithm];
    if (strcmp(alg, "none") == 0)
        return true;
    if (strcmp(alg, "HS256") == 0) {
        if (strlen(cfg->jwt_secret) < 32) {
            err_message(errbuf, errlen, "key 'jwt_secret' must hold at least 32 bytes for HS256");
            return false;
        }
        return true;
    }
    if (!file_read_all(cfg->jwt_public_key_file, &cfg->jwt_public_key, &cfg->jwt_public_key_len)) {
        err_message(errbuf, errlen, "key 'jwt_public_key_file': cannot read '%s'",
                    cfg->jwt_public_key_file);
        return false;
    }
    return true;
}

/* tls_listen: empty, or HOST:PORT with both certificate files named (read by http/tls.c). */
static bool check_tls(config_t *cfg, char *errbuf, size_t errlen)
{
    if (*cfg->tls_listen == '\0')
        return true;
    if (!parse_listen(cfg->tls_listen, &cfg->tls_host, &cfg->tls_port)) {
        err_message(errbuf, errlen, "bad value for key 'tls_listen': expected HOST:PORT");
        return false;
    }
    if (*cfg->tls_cert_file == '\0' || *cfg->tls_key_file == '\0') {
        err_message(errbuf, errlen, "key 'tls_listen' needs 'tls_cert_file' and 'tls_key_file'");
        return false;
    }
    return true;
}

static bool finish(config_t *cfg, const bool *seen, char *errbuf, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].def == NULL && !seen[i]) {
            err_message(errbuf, errlen, "missing required key '%s'", keys[i].name);
            return false;
        }
    }
    if (*cfg->secret_key == '\0' || *cfg->database_url == '\0') {
        err_message(errbuf, errlen, "missing required key '%s'",
                    *cfg->secret_key == '\0' ? "secret_key" : "database_url");
        return false;
    }
    return split_admins(cfg, errbuf, errlen) && split_allow(cfg, errbuf, errlen) &&
           check_jwt(cfg, errbuf, errlen) && check_tls(cfg, errbuf, errlen) &&
           check_cluster(cfg, errbuf, errlen);
}

bool config_load(const char *path, config_t *cfg, char *errbuf, size_t errlen)
{
    bool seen[NKEYS] = {false};
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].def != NULL && !set_value(cfg, &keys[i], keys[i].def))
            abort(); /* a default that does not parse is a bug in the table */
    bool ok = (path == NULL || load_file(path, cfg, seen, errbuf, errlen)) &&
              load_env(cfg, seen, errbuf, errlen) && finish(cfg, seen, errbuf, errlen);
    if (!ok)
        config_clear(cfg);
    return ok;
}

void config_clear(config_t *cfg)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].type == T_STR)
            xfree(*(char **)((char *)cfg + keys[i].offset));
    for (int i = 0; i < cfg->admin_count; i++)
        xfree(cfg->admins[i]);
    xfree(cfg->listen_host);
    xfree(cfg->tls_host);
    xfree(cfg->bus_host);
    xfree(cfg->jwt_public_key);
    memset(cfg, 0, sizeof *cfg);
}

/* True when key k holds the same value in a and b. */
static bool same_value(const key_def_t *k, const config_t *a, const config_t *b)
{
    const void *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
    switch (k->type) {
    case T_STR:
        return strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
    case T_INT:
    case T_ENUM:
        return *(const int *)fa == *(const int *)fb;
    case T_U64:
        return *(const uint64_t *)fa == *(const uint64_t *)fb;
    case T_LOGLEVEL:
        return *(const log_level_t *)fa == *(const log_level_t *)fb;
    case T_LISTEN:
        return strcmp(a->listen_host, b->listen_host) == 0 && a->listen_port == b->listen_port;
    }
    return true;
}

/* Copies a reloadable string key that changed, and says so. */
static void reload_str(const key_def_t *k, config_t *live, const config_t *fresh)
{
    char **to = (char **)((char *)live + k->offset);
    const char *from = *(char *const *)((const char *)fresh + k->offset);
    log_info("config: %s '%s' -> '%s'", k->name, *to, from);
    xfree(*to);
    *to = xstrdup(from);
}

/* Copies a reloadable integer or on/off key that changed, and says so. */
static void reload_int(const key_def_t *k, config_t *live, const config_t *fresh)
{
    int *to = (int *)((char *)live + k->offset);
    int from = *(const int *)((const char *)fresh + k->offset);
    log_info("config: %s %d -> %d", k->name, *to, from);
    *to = from;
}

void config_apply_reload(config_t *live, const config_t *fresh)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const key_def_t *k = &keys[i];
        if (same_value(k, live, fresh))
            continue;
        if (!k->reloadable)
            log_warn("config: key '%s' changed; it takes effect only after a restart", k->name);
        else if (k->type == T_INT || k->type == T_ENUM)
            reload_int(k, live, fresh);
        else if (k->type == T_STR)
            reload_str(k, live, fresh);
    }
    if (live->log_level != fresh->log_level) {
        log_info("config: log_level %s -> %s", log_level_name(live->log_level),
                 log_level_name(fresh->log_level));
        live->log_level = fresh->log_level;
        log_set_level(live->log_level);
    }
    log_set_format((log_format_t)live->log_format);
}

bool config_is_admin(const config_t *cfg, const char *identifier)
{
    for (int i = 0; i < cfg->admin_count; i++)
        if (strcmp(cfg->admins[i], identifier) == 0)
            return true;
    return false;
}

const char *const *config_key_names(void)
{
    static const char *names[NKEYS + 1];
    for (size_t i = 0; i < NKEYS; i++)
        names[i] = keys[i].name;
    names[NKEYS] = NULL;
    return names;
}

/* ---- the running configuration, secrets masked (chatd_admin/config_get) ---- */

/* Keys whose whole value is a secret; database_url and webhook_url may hold a password. */
static const char *const secret_keys[] = {"secret_key", "jwt_secret", "webhook_token",
                                          "push_gateway_token", NULL};
static const char *const url_keys[] = {"database_url", "webhook_url", "push_gateway_url", NULL};
static const char mask[] = "********";

static bool listed(const char *const *names, const char *name)
{
    for (; *names; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

/* Masks the value that starts at s (quoted 'x\'y' or up to a space or '&'); returns its end. */
static const char *mask_value(sbuf_t *b, const char *s)
{
    sbuf_puts(b, mask);
    if (*s == '\'') {
        for (s++; *s && *s != '\''; s++)
            if (*s == '\\' && s[1])
                s++;
        return *s ? s + 1 : s;
    }
    return s + strcspn(s, " \t&");
}

char *config_mask_url(const char *url)
{
    sbuf_t b = {0};
    const char *s = url, *scheme = strstr(url, "://");
    if (scheme != NULL) {
        /* The user info ends at the last '@' before the query: a password with '/' (which a
         * URL must percent-encode, but a config file may not) is masked too, at the price of
         * masking a path that holds '@' after a port. */
        const char *host = scheme + 3, *end = host + strcspn(host, "?#");
        const char *at = memrchr(host, '@', (size_t)(end - host));
        const char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
        if (colon != NULL) {
            sbuf_append(&b, url, (size_t)(colon + 1 - url));
            sbuf_puts(&b, mask);
            s = at;
        }
    }
    /* password=… as a keyword (libpq's "key = value" form) or a URL query parameter */
    for (const char *p; (p = strstr(s, "password")) != NULL;) {
        const char *v = p + 8;
        v += strspn(v, " \t");
        bool starts = p == url || strchr(" \t?&", p[-1]) != NULL;
        if (!starts || *v != '=') {
            sbuf_append(&b, s, (size_t)(p + 8 - s));
            s = p + 8;
            continue;
        }
        v++;
        v += strspn(v, " \t");
        sbuf_append(&b, s, (size_t)(v - s));
        s = mask_value(&b, v);
    }
    sbuf_puts(&b, s);
    return sbuf_steal(&b);
}

size_t config_key_count(void)
{
    return NKEYS;
}

static char *value_text(const config_t *cfg, const key_def_t *k)
{
    const void *f = (const char *)cfg + k->offset;
    sbuf_t b = {0};
    switch (k->type) {
    case T_STR:
        sbuf_puts(&b, *(char *const *)f);
        break;
    case T_INT:
        sbuf_printf(&b, "%d", *(const int *)f);
        break;
    case T_U64:
        sbuf_printf(&b, "%" PRIu64, *(const uint64_t *)f);
        break;
    case T_LOGLEVEL:
        sbuf_puts(&b, log_level_name(*(const log_level_t *)f));
        break;
    case T_ENUM:
        sbuf_puts(&b, k->choices[*(const int *)f]);
        break;
    case T_LISTEN:
        sbuf_printf(&b, "%s:%d", cfg->listen_host, cfg->listen_port);
        break;
    }
    return sbuf_steal(&b);
}

void config_key_view(const config_t *cfg, size_t i, config_key_view_t *out)
{
    const key_def_t *k = &keys[i];
    char *text = value_text(cfg, k);
    out->name = k->name;
    out->def = k->def;
    out->reloadable = k->reloadable;
    out->secret = listed(secret_keys, k->name) || listed(url_keys, k->name);
    if (listed(secret_keys, k->name) && *text != '\0') {
        xfree(text);
        text = xstrdup(mask);
    } else if (listed(url_keys, k->name)) {
        char *masked = config_mask_url(text);
        xfree(text);
        text = masked;
    }
    out->value = text;
}
