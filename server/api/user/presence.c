/* Presence: openim/query_online_status (and its legacy name querystate); the SDK's
 * getServerTime. */
#include <string.h>

#include "api/api.h"
#include "api/user/user.h"
#include "api/valid.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/store.h"

/* Tencent's query_online_status names Windows sessions "PC". */
static const char *tencent_platform(const char *canonical)
{
    return strcmp(canonical, "Windows") == 0 ? "PC" : canonical;
}

static json_t *status_of(const router_presence_t *u, bool detail)
{
    json_t *q =
        json_pack("{ssss}", "To_Account", u->user_id, "Status", u->n ? "Online" : "Offline");
    if (detail) {
        json_t *d = json_array();
        for (size_t i = 0; i < u->n && i < USER_PLATFORMS_MAX; i++)
            json_array_append_new(d,
                                  json_pack("{ssss}", "Platform", tencent_platform(u->platforms[i]),
                                            "Status", "Online"));
        json_object_set_new(q, "Detail", d);
    }
    return q;
}

/* The existing accounts' presence on every node; call->state holds the ErrorList. */
static void on_presence(const router_presence_t *users, size_t n, bool known, void *arg)
{
    api_call_t *call = arg;
    json_t *errors = call->state;
    call->state = NULL;
    bool detail = json_is_true(json_object_get(call->body, "IsNeedDetail")) ||
                  json_integer_value(json_object_get(call->body, "IsNeedDetail")) == 1;
    json_t *result = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(result, status_of(&users[i], detail));
    api_finish(call, json_pack("{soso}", "QueryResult", result, "ErrorList", errors));
}

static void on_existing(err_t err, const store_ids_t *found, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *errors = json_array(), *v, *list = json_object_get(call->body, "To_Account");
    const char **ids = xcalloc(json_array_size(list) + 1, sizeof *ids);
    size_t i, n = 0;
    json_array_foreach(list, i, v)
    {
        const char *id = json_string_value(v);
        if (store_ids_has(found, id))
            ids[n++] = id;
        else
            json_array_append_new(errors, json_pack("{sssi}", "To_Account", id, "ErrorCode",
                                                    ERR_ACCOUNT_NOT_IMPORTED));
    }
    call->state = errors;
    router_presence_get(call->env->router, ids, n, on_presence, call);
    xfree(ids);
}

void api_query_online_status(api_call_t *call)
{
    api_ids_t spec = {"To_Account", USER_PRESENCE_QUERY_MAX, NULL,
                      false,        ERR_OPENIM_TO_ACCOUNT,   ERR_TOO_MANY,
                      "UserIDs"};
    size_t n;
    const char **ids = api_read_ids(call, &spec, &n);
    if (ids == NULL)
        return;
    store_accounts_existing(call->env->db, ids, n, on_existing, call);
    xfree(ids);
}

/* getServerTime: the server's clock, which clients use to correct their own. */
void api_ws_get_server_time(api_call_t *call)
{
    api_finish(call, json_pack("{s:I}", "serverTime", (json_int_t)wall_s()));
}
