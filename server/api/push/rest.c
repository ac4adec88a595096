/* Push to all users, the REST door (v4/all_member_push, reference §2.3): attribute names,
 * user attributes and tags, and im_push, whose task the job runner (jobs.c) streams. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/message/body.h"
#include "api/push/push.h"
#include "api/valid.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "store/push.h"

/* ---- answers ---- */

static void on_doc(err_t err, json_t *doc, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *missing = json_object_get(doc, "missing");
    json_t *bad = json_object_get(doc, "bad_names");
    json_t *over = json_object_get(doc, "over");
    if (json_array_size(missing) > 0) {
        api_fail(call, ERR_NOT_IMPORTED, "%s is not an account",
                 json_string_value(json_array_get(missing, 0)));
        return;
    }
    if (json_array_size(bad) > 0) {
        api_fail(call, ERR_BAD_PARAM, "attribute '%s' has no name set (im_set_attr_name)",
                 json_string_value(json_array_get(bad, 0)));
        return;
    }
    if (json_array_size(over) > 0) {
        api_fail(call, ERR_BAD_PARAM, "%s would have more than %d tags",
                 json_string_value(json_array_get(over, 0)), PUSH_USER_TAGS_MAX);
        return;
    }
    if (json_is_true(json_object_get(doc, "new")))
        push_jobs_kick(call->env);
    static const char *const kept[] = {"AttrNames", "UserAttrs", "UserTags", "TaskId"};
    json_t *out = json_object();
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (json_object_get(doc, kept[i]))
            json_object_set(out, kept[i], json_object_get(doc, kept[i]));
    api_finish(call, out);
}

static void run(api_call_t *call, store_push_op_t op, const json_t *request)
{
    char *text = json_dumps(request, JSON_COMPACT | JSON_ENCODE_ANY);
    store_push_run(call->env->db, op, text, on_doc, call);
    free(text);
}

/* ---- reading requests ---- */

static bool short_str(const char *s, size_t max)
{
    return s && *s && strlen(s) <= max && valid_utf8_text(s, strlen(s));
}

static bool short_text(const json_t *v, size_t max)
{
    return short_str(json_string_value(v), max);
}

static json_t *read_accounts(api_call_t *call)
{
    api_ids_t spec = {"To_Account",  PUSH_USERS_MAX, NULL,     true,
                      ERR_BAD_PARAM, ERR_TOO_MANY,   "UserIDs"};
    return api_read_id_array(call, &spec);
}

/* body[name]: 1..PUSH_USERS_MAX objects {To_Account: UserID, <field>: …} whose field passes
 * `check`; false after failing the call. */
static bool read_items(api_call_t *call, const char *name, const char *field,
                       bool (*check)(const json_t *v, char *why, size_t len))
{
    const json_t *items = json_object_get(call->body, name);
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > PUSH_USERS_MAX) {
        api_fail(call, ERR_BAD_PARAM, "%s must be an array of 1 to %d objects", name,
                 PUSH_USERS_MAX);
        return false;
    }
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *user;
        char why[160] = "";
        if (valid_get_user_id(it, (const char *const[]){"To_Account", NULL}, &user) != VALID_OK) {
            api_fail(call, ERR_BAD_PARAM, "%s[%zu].To_Account must be a UserID", name, i);
            return false;
        }
        if (!check(json_object_get(it, field), why, sizeof why)) {
            api_fail(call, ERR_BAD_PARAM, "%s[%zu].%s %s", name, i, field, why);
            return false;
        }
    }
    return true;
}

static bool attrs_ok(const json_t *v, char *why, size_t len)
{
    if (!json_is_object(v) || json_object_size(v) == 0 || json_object_size(v) > PUSH_ATTR_SLOTS) {
        snprintf(why, len, "must be an object of 1 to %d attributes", PUSH_ATTR_SLOTS);
        return false;
    }
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        if (!short_str(k, PUSH_ATTR_NAME_MAX) || !json_is_string(x) ||
            strlen(json_string_value(x)) > PUSH_ATTR_VALUE_MAX) {
            snprintf(why, len, "must map names (1 to %d bytes) to strings of at most %d bytes",
                     PUSH_ATTR_NAME_MAX, PUSH_ATTR_VALUE_MAX);
            return false;
        }
    }
    return true;
}

static bool tags_ok(const json_t *v, char *why, size_t len)
{
    if (!json_is_array(v) || json_array_size(v) == 0 ||
        json_array_size(v) > PUSH_TAGS_PER_REQUEST) {
        snprintf(why, len, "must be an array of 1 to %d tags", PUSH_TAGS_PER_REQUEST);
        return false;
    }
    size_t i;
    const json_t *t;
    json_array_foreach(v, i, t) if (!short_text(t, PUSH_TAG_MAX))
    {
        snprintf(why, len, "must hold tags of 1 to %d bytes of text", PUSH_TAG_MAX);
        return false;
    }
    return true;
}

/* ---- attribute names ---- */

void api_push_set_attr_name(api_call_t *call)
{
    const json_t *names = json_object_get(call->body, "AttrNames");
    if (!json_is_object(names) || json_object_size(names) == 0) {
        api_fail(call, ERR_BAD_PARAM, "AttrNames must be an object {\"0\": name, …}");
        return;
    }
    const char *k, *k2;
    const json_t *v, *v2;
    json_object_foreach((json_t *)names, k, v)
    {
        char *end = NULL;
        long slot = strtol(k, &end, 10);
        if (*k == '\0' || *end != '\0' || slot < 0 || slot >= PUSH_ATTR_SLOTS ||
            !short_text(v, PUSH_ATTR_NAME_MAX)) {
            api_fail(call, ERR_BAD_PARAM,
                     "AttrNames keys are \"0\" to \"%d\", its values names of 1 to %d bytes",
                     PUSH_ATTR_SLOTS - 1, PUSH_ATTR_NAME_MAX);
            return;
        }
        json_object_foreach((json_t *)names, k2, v2) if (k2 != k && json_equal(v, v2))
        {
            api_fail(call, ERR_BAD_PARAM, "AttrNames names '%s' twice", json_string_value(v));
            return;
        }
    }
    run(call, STORE_PUSH_SET_ATTR_NAMES, names);
}

void api_push_get_attr_name(api_call_t *call)
{
    json_t *empty = json_object();
    run(call, STORE_PUSH_GET_ATTR_NAMES, empty);
    json_decref(empty);
}

/* ---- attributes and tags ---- */

static void run_accounts(api_call_t *call, store_push_op_t op)
{
    json_t *ids = read_accounts(call);
    if (ids == NULL)
        return;
    run(call, op, ids);
    json_decref(ids);
}

/* The list of `name` whose items carry `field` (attributes or tags), for op. */
typedef struct {
    const char *name, *field;
    bool (*check)(const json_t *v, char *why, size_t len);
} items_t;
static const items_t user_attrs = {"UserAttrs", "Attrs", attrs_ok};
static const items_t user_tags = {"UserTags", "Tags", tags_ok};

static void run_items(api_call_t *call, store_push_op_t op, const items_t *k)
{
    if (read_items(call, k->name, k->field, k->check))
        run(call, op, json_object_get(call->body, k->name));
}

/* The attribute and tag APIs: each reads a list and runs its statement. */
static const struct {
    const char *command;
    store_push_op_t op;
    const items_t *items; /* NULL: To_Account, a list of UserIDs */
} lists[] = {
    {"im_get_attr", STORE_PUSH_GET_ATTRS, NULL},
    {"im_set_attr", STORE_PUSH_SET_ATTRS, &user_attrs},
    {"im_remove_attr", STORE_PUSH_REMOVE_ATTRS, &user_attrs},
    {"im_get_tag", STORE_PUSH_GET_TAGS, NULL},
    {"im_add_tag", STORE_PUSH_ADD_TAGS, &user_tags},
    {"im_remove_tag", STORE_PUSH_REMOVE_TAGS, &user_tags},
    {"im_remove_all_tags", STORE_PUSH_REMOVE_ALL_TAGS, NULL},
};

void api_push_user_lists(api_call_t *call)
{
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        if (strcmp(lists[i].command, call->route->command) != 0)
            continue;
        if (lists[i].items)
            run_items(call, lists[i].op, lists[i].items);
        else
            run_accounts(call, lists[i].op);
        return;
    }
    api_fail(call, ERR_INTERNAL, NULL);
}

/* ---- im_push ---- */

/* Condition: at most one of attributes (AttrsOr / AttrsAnd: objects name → value) or tags
 * (TagsOr / TagsAnd: arrays of tags); NULL when absent. False after failing the call. */
static bool read_condition(api_call_t *call, const json_t **out)
{
    const json_t *c = json_object_get(call->body, "Condition");
    *out = NULL;
    if (c == NULL)
        return true;
    char why[160];
    bool attrs = false, tags = false, ok = json_is_object(c);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)c, k, v)
    {
        if (strcmp(k, "AttrsOr") == 0 || strcmp(k, "AttrsAnd") == 0) {
            attrs = true;
            ok = ok && attrs_ok(v, why, sizeof why);
        } else if (strcmp(k, "TagsOr") == 0 || strcmp(k, "TagsAnd") == 0) {
            tags = true;
            ok = ok && tags_ok(v, why, sizeof why);
        } else {
            ok = false;
        }
    }
    if (!ok || (attrs && tags) || (!attrs && !tags)) {
        api_fail(call, ERR_BAD_PARAM,
                 "Condition must hold AttrsOr/AttrsAnd (objects of attributes) or TagsOr/TagsAnd "
                 "(arrays of 1 to %d tags), not both",
                 PUSH_TAGS_PER_REQUEST);
        return false;
    }
    *out = c;
    return true;
}

void api_push_im_push(api_call_t *call)
{
    const api_env_t *env = call->env;
    long long random, lifetime = 0;
    const char *from = "";
    char detail[256];
    const json_t *body = json_object_get(call->body, "MsgBody");
    const json_t *info = json_object_get(call->body, "OfflinePushInfo");
    const json_t *cond;
    if (valid_get_int(call->body, "MsgRandom", 0, 4294967295LL, &random) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "MsgRandom must be a uint32");
        return;
    }
    valid_t lv = valid_get_int(call->body, "MsgLifeTime", 0, 604800, &lifetime);
    if (lv != VALID_OK && lv != VALID_MISSING) {
        api_fail(call, ERR_BAD_PARAM, "MsgLifeTime must be seconds from 0 to 604800");
        return;
    }
    if (json_object_get(call->body, "From_Account") &&
        valid_get_user_id(call->body, (const char *const[]){"From_Account", NULL}, &from) !=
            VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "From_Account must be a UserID");
        return;
    }
    err_t err = msgbody_validate(body, detail, sizeof detail);
    if (err == ERR_OK)
        err = msgbody_validate_offline_push(info, detail, sizeof detail);
    if (err != ERR_OK) {
        api_fail(call, err, "%s", detail);
        return;
    }
    if (!read_condition(call, &cond))
        return;
    json_t *notice = push_notice(body, info, from);
    if (notice == NULL) {
        api_fail(call, ERR_BAD_PARAM,
                 "nothing to push: PushFlag is 1, or the message has no push text (Desc)");
        return;
    }
    if (!push_on(env)) {
        api_fail(call, ERR_BAD_PARAM, "no push provider is configured");
        json_decref(notice);
        return;
    }
    json_object_set_new(notice, "sender", json_string(from));
    json_object_set_new(notice, "providers", json_loads(env->push->providers_json, 0, NULL));
    unsigned char raw[16];
    char task[40];
    rand_bytes(raw, sizeof raw);
    snprintf(task, sizeof task, "task_");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(task + 5 + 2 * i, 3, "%02x", raw[i]);
    json_t *req = json_pack("{s:s, s:I, s:o}", "task_id", task, "random", (json_int_t)random,
                            "notice", notice);
    if (cond)
        json_object_set(req, "condition", (json_t *)cond);
    run(call, STORE_PUSH_PUSH, req);
    json_decref(req);
}
