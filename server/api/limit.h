/*
 * limit — request-rate limits, one rule per kind, shared by both doors (private to api/ and the
 * doors that call it).
 *
 * Token buckets in memory (core/ratelimit.h), rates and bursts from the configuration (read at
 * each call, so SIGHUP changes apply at once; a rate of 0 turns a kind off):
 *   - a user's message sends from client sessions (WebSocket sendMessage, one-to-one and group):
 *     rate_limit_msgs_per_s / rate_limit_burst → 60019 (one-to-one), 10023 (group);
 *   - every command of one WebSocket connection: rate_limit_ws_cmds_per_s / rate_limit_ws_burst
 *     → 60018;
 *   - REST calls from one IP address: rate_limit_rest_per_ip_per_s / rate_limit_rest_ip_burst,
 *     and REST calls of the whole app: rate_limit_rest_per_s / rate_limit_rest_burst → 60007.
 * A refusal counts in chatd_rate_limited_total{kind} and, at most once a minute per bucket,
 * fires Alert.RequestOverLimit {ServiceName, Command, Request (the rate asked, per second),
 * Limit}. Backends sending as users through REST are limited by the REST kinds only.
 */
#ifndef CHATD_API_LIMIT_H
#define CHATD_API_LIMIT_H

#include <stdbool.h>

#include "api/api.h"
#include "core/ratelimit.h"

typedef struct api_limits api_limits_t;
api_limits_t *api_limits_new(void);
void api_limits_free(api_limits_t *l);

/* A client session's send by `user`: ERR_OK, ERR_SEND_TOO_FREQUENT or ERR_GROUP_SEND_TOO_FREQUENT.
 */
err_t api_limit_send(const api_env_t *env, const char *user, bool group);
/* A REST call from `ip`: ERR_OK or ERR_REST_TOO_FREQUENT. */
err_t api_limit_rest(const api_env_t *env, const char *ip, const char *service,
                     const char *command);
/* A command `cmd` on a connection whose bucket is `conn`: ERR_OK or ERR_TOO_FREQUENT. */
err_t api_limit_command(const api_env_t *env, rl_bucket_t *conn, const char *cmd);

#endif
