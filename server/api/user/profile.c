/* Profiles: profile/portrait_get and portrait_set, standard Tag_Profile_IM_* and custom
 * Tag_Profile_Custom_* tags with the value rules of Tencent's profile system. */
#include <ctype.h>
#include <string.h>

#include "api/api.h"
#include "api/user/user.h"
#include "api/user/tags.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/store.h"

static const char *const from_names[] = {"From_Account", NULL};

/* Validates every {Tag, Value} and builds the {tag: value} object to store. */
static json_t *read_profile_items(api_call_t *call)
{
    json_t *items = json_object_get(call->body, "ProfileItem");
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > USER_PORTRAIT_TAGS_MAX) {
        api_fail(call, ERR_PROFILE_PARAM, "ProfileItem must be an array of 1 to %d {Tag, Value}",
                 USER_PORTRAIT_TAGS_MAX);
        return NULL;
    }
    json_t *tags = json_object();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *tag = json_string_value(json_object_get(item, "Tag"));
        json_t *value = json_object_get(item, "Value");
        if (tag == NULL || value == NULL) {
            api_fail(call, ERR_PROFILE_TAG, "ProfileItem[%zu] needs a string Tag and a Value", i);
            json_decref(tags);
            return NULL;
        }
        err_t err = profile_tag_check(tag, value);
        if (err != ERR_OK) {
            api_fail(call, err, "tag %s", tag);
            json_decref(tags);
            return NULL;
        }
        json_object_set(tags, tag, value);
    }
    return tags;
}

/* ---- one profile change, for both doors ---- */

typedef struct {
    api_call_t *call;
    const char *user;
    user_profile_fn answer;
} set_op_t;

static void push(const api_env_t *env, const char *user, const char *event, json_t *body,
                 uint64_t skip_conn)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, skip_conn);
    router_frame_unref(f);
}

static void on_set(err_t err, const json_t *profile, const json_t *watchers, void *arg)
{
    set_op_t op = *(set_op_t *)arg;
    xfree(arg);
    api_call_t *call = api_call_if_ok(err, op.call);
    if (call == NULL)
        return;
    const api_env_t *env = call->env;
    if (api_hook_on(env, STORE_WEBHOOK_PORTRAIT_SET))
        api_hook_poke(env);
    json_t *info = profile_to_sdk(op.user, profile);
    push(env, op.user, "onSelfInfoUpdated", json_pack("{s:O}", "info", info), call->conn_id);
    size_t i;
    json_t *w;
    json_array_foreach(watchers, i, w)
    {
        if (json_is_string(w))
            push(env, json_string_value(w), "onUserInfoChanged",
                 json_pack("{s:[O]}", "userInfoList", info), 0);
    }
    json_decref(info);
    op.answer(call);
}

void user_profile_set(api_call_t *call, const char *user, const json_t *tags,
                      user_profile_fn answer)
{
    set_op_t *op = XNEW(set_op_t);
    op->call = call;
    op->user = user;
    op->answer = answer;
    store_webhook_origin_t hook = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_PORTRAIT_SET), call->client_ip};
    store_profile_set(call->env->db, user, tags,
                      api_hook_on(call->env, STORE_WEBHOOK_PORTRAIT_SET) ? &hook : NULL,
                      call->identifier, on_set, op);
}

static void answer_set(api_call_t *call)
{
    api_finish(call, json_pack("{ss}", "ErrorDisplay", ""));
}

void api_portrait_set(api_call_t *call)
{
    const char *user;
    if (valid_get_user_id(call->body, from_names, &user) != VALID_OK) {
        api_fail(call, ERR_PROFILE_PARAM, "From_Account must be a UserID string");
        return;
    }
    json_t *tags = read_profile_items(call);
    if (tags == NULL)
        return;
    user_profile_set(call, user, tags, answer_set);
    json_decref(tags);
}

/* ---- portrait_get ---- */

/* Reads a non-empty array of strings of at most `max` entries into a heap array. */
static const char **read_strings(api_call_t *call, const char *field, size_t max, size_t *n)
{
    api_ids_t spec = {field, max, NULL, false, ERR_PROFILE_PARAM, ERR_PROFILE_PARAM, "strings"};
    return api_read_ids(call, &spec, n);
}

static json_t *user_items(const json_t *tag_list, const json_t *stored)
{
    json_t *items = json_array();
    size_t i;
    json_t *tag;
    json_array_foreach(tag_list, i, tag)
    {
        const char *name = json_string_value(tag);
        json_t *v = json_object_get(stored, name);
        json_array_append_new(items, json_pack("{s:s, s:O}", "Tag", name, "Value",
                                               v ? v : profile_tag_default(name)));
    }
    return items;
}

static void on_get(err_t err, const store_ids_t *existing, json_t *values, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *tag_list = json_object_get(call->body, "TagList");
    json_t *out = json_array(), *fail = json_array();
    size_t i;
    json_t *user;
    json_array_foreach(json_object_get(call->body, "To_Account"), i, user)
    {
        const char *id = json_string_value(user);
        json_t *entry = json_pack("{ss}", "To_Account", id);
        if (store_ids_has(existing, id)) {
            json_object_set_new(entry, "ProfileItem",
                                user_items(tag_list, json_object_get(values, id)));
            json_object_set_new(entry, "ResultCode", json_integer(0));
            json_object_set_new(entry, "ResultInfo", json_string(""));
        } else {
            json_object_set_new(entry, "ResultCode", json_integer(ERR_PROFILE_NOT_IMPORTED));
            json_object_set_new(entry, "ResultInfo",
                                json_string(err_text(ERR_PROFILE_NOT_IMPORTED)));
            json_array_append(fail, user);
        }
        json_array_append_new(out, entry);
    }
    api_finish(call, json_pack("{s:o, s:o, s:s}", "UserProfileItem", out, "Fail_Account", fail,
                               "ErrorDisplay", ""));
}

void api_portrait_get(api_call_t *call)
{
    size_t nusers = 0, ntags = 0;
    const char **users = read_strings(call, "To_Account", USER_PORTRAIT_USERS_MAX, &nusers);
    if (users == NULL)
        return;
    const char **tags = read_strings(call, "TagList", USER_PORTRAIT_TAGS_MAX, &ntags);
    if (tags == NULL) {
        xfree(users);
        return;
    }
    for (size_t i = 0; i < ntags; i++) {
        if (!profile_tag_known(tags[i])) {
            api_fail(call, ERR_PROFILE_TAG, "unknown tag %s", tags[i]);
            xfree(users);
            xfree(tags);
            return;
        }
    }
    store_profile_get(call->env->db, users, nusers, tags, ntags, on_get, call);
    xfree(users);
    xfree(tags);
}
