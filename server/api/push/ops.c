/* Offline push (api/push/push.h): the registration commands and what the send paths queue. */
#include "api/push/push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/valid.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/push.h"

/* ---- what a send queues ---- */

char *push_spec(const api_env_t *env, const json_t *body, const json_t *info, const char *title,
                const json_t *to, const json_t *ats)
{
    if (!push_on(env) || to == NULL || json_array_size(to) == 0)
        return NULL;
    json_t *notice = push_notice(body, info, title);
    if (notice == NULL)
        return NULL;
    json_object_set_new(notice, "to", json_deep_copy(to));
    json_object_set_new(notice, "providers", json_loads(env->push->providers_json, 0, NULL));
    if (ats)
        json_object_set_new(notice, "ats", json_deep_copy(ats));
    char *text = json_dumps(notice, JSON_COMPACT);
    json_decref(notice);
    return text;
}

json_t *push_away(const api_env_t *env, const json_t *users)
{
    json_t *away = json_array();
    size_t i;
    const json_t *u;
    json_array_foreach(users, i, u)
    {
        const char *user = json_string_value(u);
        if (user && !router_user_foreground(env->router, user))
            json_array_append(away, (json_t *)u);
    }
    return away;
}

static void on_unbound(err_t err, void *arg)
{
    if (err != ERR_OK)
        log_warn("push: a binding could not be removed (%s)",
                 err == ERR_DB_DOWN ? "database down" : "statement failed");
}

void push_session_ended(const api_env_t *env, const char *user, const char *platform)
{
    store_push_unbind(env->db, user, platform, on_unbound, NULL);
}

/* ---- the commands ---- */

static void on_bound(err_t err, bool found, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    if (!found) {
        api_fail(call, ERR_ACCOUNT_NOT_IMPORTED, NULL);
        return;
    }
    api_finish(call, NULL);
}

/* setOfflinePushConfig {businessID, token}: binds the token of this session's platform ("":
 * unbinds). */
void api_push_set_config(api_call_t *call)
{
    const json_t *bid = json_object_get(call->body, "businessID");
    const json_t *tok = json_object_get(call->body, "token");
    if (bid && (!json_is_integer(bid) || json_integer_value(bid) < 0 ||
                json_integer_value(bid) > PUSH_BUSINESS_MAX)) {
        api_fail(call, ERR_BAD_PARAM, "businessID must be an integer from 0 to %d",
                 PUSH_BUSINESS_MAX);
        return;
    }
    const char *token = json_string_value(tok);
    if (token == NULL || strlen(token) > PUSH_TOKEN_MAX || !valid_utf8_text(token, strlen(token))) {
        api_fail(call, ERR_BAD_PARAM, "token must be a string of at most %d bytes (\"\" unbinds)",
                 PUSH_TOKEN_MAX);
        return;
    }
    store_push_bind(call->env->db, call->identifier, call->platform,
                    bid ? (int64_t)json_integer_value(bid) : 0, token, on_bound, call);
}

/* doBackground {unreadCount}: the app went to the background; pushes go to this device. */
void api_push_background(api_call_t *call)
{
    const json_t *n = json_object_get(call->body, "unreadCount");
    if (n && (!json_is_integer(n) || json_integer_value(n) < 0)) {
        api_fail(call, ERR_BAD_PARAM, "unreadCount must be an integer of at least 0");
        return;
    }
    router_session_set_background(call->env->router, call->identifier, call->conn_id, true);
    api_finish(call, NULL);
}

/* doForeground: the app is in the foreground again. */
void api_push_foreground(api_call_t *call)
{
    router_session_set_background(call->env->router, call->identifier, call->conn_id, false);
    api_finish(call, NULL);
}
