/* The WebSocket door of profiles (user/user.h): getUsersInfo, setSelfInfo, subscribeUserInfo,
 * unsubscribeUserInfo — the SDK's V2TIMUserFullInfo over the same tag rules as portrait_set. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/user/tags.h"
#include "api/user/user.h"
#include "core/xalloc.h"
#include "store/store.h"

/* userIDList: 1..USER_INFO_MAX UserIDs (40001 otherwise), for every profile and status
 * command that names users. */
const api_ids_t user_ids_spec = {"userIDList",      USER_INFO_MAX,     NULL,     true,
                                 ERR_PROFILE_PARAM, ERR_PROFILE_PARAM, "UserIDs"};

/* userIDList as a JSON array; NULL after failing. */
static json_t *users_of(api_call_t *call)
{
    return api_read_id_array(call, &user_ids_spec);
}

static void on_users(err_t err, const store_ids_t *existing, json_t *values, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(call->body, "userIDList"), i, v)
    {
        const char *id = json_string_value(v);
        if (store_ids_has(existing, id))
            json_array_append_new(out, profile_to_sdk(id, json_object_get(values, id)));
    }
    api_finish(call, out);
}

void api_user_get_infos(api_call_t *call)
{
    size_t n;
    const char **ids = api_read_ids(call, &user_ids_spec, &n);
    if (ids == NULL)
        return;
    store_profile_get(call->env->db, ids, n, NULL, 0, on_users, call);
    xfree(ids);
}

static void answer_set(api_call_t *call)
{
    api_finish(call, NULL);
}

void api_user_set_self_info(api_call_t *call)
{
    char detail[200];
    err_t err = ERR_OK;
    json_t *info = json_object_get(call->body, "info");
    json_t *tags =
        profile_from_sdk(json_is_object(info) ? info : call->body, &err, detail, sizeof detail);
    if (tags == NULL) {
        api_fail(call, err, "%s", detail);
        return;
    }
    user_profile_set(call, call->identifier, tags, answer_set);
    json_decref(tags);
}

static void on_subscribed(err_t err, const store_ids_t *ids, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *fail = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(call->body, "userIDList"), i, v)
    {
        if (!store_ids_has(ids, json_string_value(v)))
            json_array_append(fail, v);
    }
    api_finish(call, json_pack("{s:o}", "failedUserIDList", fail));
}

/* (Un)subscribes the caller to the users' profile or status changes. */
void user_subscribe(api_call_t *call, const char *kind, bool on)
{
    json_t *users = users_of(call);
    if (users == NULL)
        return;
    char *text = json_dumps(users, JSON_COMPACT);
    store_subscriptions_set(call->env->db, kind, call->identifier, text, on, on_subscribed, call);
    free(text);
    json_decref(users);
}

void api_user_subscribe_info(api_call_t *call)
{
    user_subscribe(call, "profile", true);
}

void api_user_unsubscribe_info(api_call_t *call)
{
    user_subscribe(call, "profile", false);
}
