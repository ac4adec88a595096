/* User status (user/user.h): setSelfStatus, getUserStatus, subscribeUserStatus,
 * unsubscribeUserStatus and onUserStatusChanged, enabled by `user_status = on` (else 72001). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/user/user.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/store.h"

/* V2TIMUserStatus {userID, statusType (1 online, 3 not logged in), customStatus,
 * onlineDevices: [platform]}, the devices of every node. */
static json_t *status_of(const json_t *row, const router_presence_t *p)
{
    json_t *devices = json_array();
    for (size_t i = 0; i < p->n && i < USER_PLATFORMS_MAX; i++)
        json_array_append_new(devices, json_string(p->platforms[i]));
    return json_pack("{s:O, s:i, s:O, s:o}", "userID", json_object_get(row, "user"), "statusType",
                     p->n > 0 ? 1 : 3, "customStatus", json_object_get(row, "custom_status"),
                     "onlineDevices", devices);
}

static void push_status(const api_env_t *env, const char *user, json_t *status)
{
    router_frame_t *f = router_frame_from_json("onUserStatusChanged",
                                               json_pack("{s:[O]}", "userStatusList", status));
    router_push_user(env->router, user, f, 0);
    router_frame_unref(f);
}

/* Status rows and what to do with them once the users' devices are known. */
typedef struct {
    const api_env_t *env;
    api_call_t *call; /* getUserStatus: answer it; else announce */
    json_t *users, *watchers;
    bool self;
} status_ctx_t;

static void on_devices(const router_presence_t *p, size_t n, bool known, void *arg)
{
    status_ctx_t *ctx = arg;
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, status_of(json_array_get(ctx->users, i), &p[i]));
    if (ctx->call) {
        api_finish(ctx->call, out);
    } else {
        /* Tells each watcher (and, `self`, the user) the user's status. */
        json_t *status = json_array_get(out, 0), *w;
        size_t i;
        json_array_foreach(ctx->watchers, i, w) if (json_is_string(w))
            push_status(ctx->env, json_string_value(w), status);
        if (ctx->self && status)
            push_status(ctx->env, json_string_value(json_object_get(status, "userID")), status);
        json_decref(out);
    }
    json_decref(ctx->users);
    json_decref(ctx->watchers);
    xfree(ctx);
}

/* Looks up the devices of each row's user (rows: status rows, stolen), then on_devices. */
static void with_devices(status_ctx_t *ctx)
{
    size_t n = json_array_size(ctx->users);
    const char **ids = xcalloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = json_string_value(json_object_get(json_array_get(ctx->users, i), "user"));
    router_presence_get(ctx->env->router, ids, n, on_devices, ctx);
    xfree(ids);
}

/* Tells each watcher (and, `self`, the user) the user's status from users[0]. */
static void announce(const api_env_t *env, const json_t *users, const json_t *watchers, bool self)
{
    const json_t *row = json_array_get(users, 0);
    if (row == NULL)
        return;
    status_ctx_t *ctx = XNEW(status_ctx_t);
    *ctx = (status_ctx_t){env, NULL, json_pack("[O]", row), json_deep_copy(watchers), self};
    with_devices(ctx);
}

static bool enabled(api_call_t *call)
{
    if (call->env->cfg->user_status)
        return true;
    api_fail(call, ERR_USER_STATUS_OFF, NULL);
    return false;
}

static void on_set(err_t err, const json_t *users, const json_t *watchers, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    announce(call->env, users, watchers, true);
    api_finish(call, NULL);
}

void api_user_set_self_status(api_call_t *call)
{
    const char *text;
    if (!enabled(call))
        return;
    if (valid_get_text(call->body, "customStatus", USER_STATUS_TEXT_MAX, &text) != VALID_OK) {
        api_fail(call, ERR_PROFILE_PARAM, "customStatus must be a string of at most %d bytes",
                 USER_STATUS_TEXT_MAX);
        return;
    }
    store_status_set(call->env->db, call->identifier, text, on_set, call);
}

static void on_get(err_t err, const json_t *users, const json_t *watchers, void *arg)
{
    (void)watchers;
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *rows = json_array(), *id, *row;
    size_t i, j;
    json_array_foreach(json_object_get(call->body, "userIDList"), i, id)
    {
        json_array_foreach(users, j, row)
        {
            if (json_equal(json_object_get(row, "user"), id)) {
                json_array_append(rows, row);
                break;
            }
        }
    }
    status_ctx_t *ctx = XNEW(status_ctx_t);
    *ctx = (status_ctx_t){call->env, call, rows, NULL, false};
    with_devices(ctx);
}

void api_user_get_status(api_call_t *call)
{
    if (!enabled(call))
        return;
    json_t *ids = api_read_id_array(call, &user_ids_spec);
    if (ids == NULL)
        return;
    char *text = json_dumps(ids, JSON_COMPACT);
    store_status_get(call->env->db, text, on_get, call);
    free(text);
    json_decref(ids);
}

void api_user_subscribe_status(api_call_t *call)
{
    if (enabled(call))
        user_subscribe(call, "status", true);
}

void api_user_unsubscribe_status(api_call_t *call)
{
    if (enabled(call))
        user_subscribe(call, "status", false);
}

/* ---- logins and logouts ---- */

typedef struct {
    const api_env_t *env;
} announce_ctx_t;

static void on_watchers(err_t err, const json_t *users, const json_t *watchers, void *arg)
{
    announce_ctx_t *ctx = arg;
    if (err == ERR_OK)
        announce(ctx->env, users, watchers, false);
    xfree(ctx);
}

void user_status_changed(const api_env_t *env, const char *user)
{
    if (!env->cfg->user_status)
        return;
    announce_ctx_t *ctx = XNEW(announce_ctx_t);
    ctx->env = env;
    store_status_set(env->db, user, NULL, on_watchers, ctx);
}
