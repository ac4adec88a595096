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

static json_t *status_of(const router_t *r, const char *id, bool detail)
{
    const char *platforms[USER_PLATFORMS_MAX];
    size_t n = router_user_platforms(r, id, platforms, USER_PLATFORMS_MAX);
    json_t *q = json_pack("{ssss}", "To_Account", id, "Status", n ? "Online" : "Offline");
    if (detail) {
        json_t *d = json_array();
        for (size_t i = 0; i < n && i < USER_PLATFORMS_MAX; i++)
            json_array_append_new(d, json_pack("{ssss}", "Platform", tencent_platform(platforms[i]),
                                               "Status", "Online"));
        json_object_set_new(q, "Detail", d);
    }
    return q;
}

static void on_existing(err_t err, const store_ids_t *found, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    bool detail = json_is_true(json_object_get(call->body, "IsNeedDetail")) ||
                  json_integer_value(json_object_get(call->body, "IsNeedDetail")) == 1;
    json_t *result = json_array(), *errors = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(call->body, "To_Account"), i, v)
    {
        const char *id = json_string_value(v);
        if (store_ids_has(found, id))
            json_array_append_new(result, status_of(call->env->router, id, detail));
        else
            json_array_append_new(errors, json_pack("{sssi}", "To_Account", id, "ErrorCode",
                                                    ERR_ACCOUNT_NOT_IMPORTED));
    }
    api_finish(call, json_pack("{soso}", "QueryResult", result, "ErrorList", errors));
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
