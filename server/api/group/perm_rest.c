/* REST door of Community permission groups (group_open_http_svc): Tencent's spellings in and
 * out; the rules are group/permission.c's. */
#include <string.h>

#include "api/api.h"
#include "api/group/permission.h"
#include "api/group/topic.h"

static gop_actor_t admin(const api_call_t *call)
{
    return (gop_actor_t){.user = call->identifier, .app_admin = true};
}

/* The fields and, with `list` (a name), 1..max IDs (objects: `key`) into req->ids; false after
 * failing. */
static bool read_request(api_call_t *call, perm_req_t *req, const char *list, size_t max,
                         const char *key, bool users)
{
    if (!api_read_fields(call, &perm_fields, FIELD_REST, call->body, req))
        return false;
    if (list == NULL)
        return true;
    api_ids_t spec = {list, max, key, users, ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY, "IDs"};
    req->ids = api_read_id_array(call, &spec);
    return req->ids != NULL;
}

/* Limit (1..max, default max) and Next ("" first) into req; false after failing. */
static bool read_page(api_call_t *call, perm_req_t *req, long long max)
{
    const json_t *limit = json_object_get(call->body, "Limit");
    const json_t *next = json_object_get(call->body, "Next");
    if ((limit && (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
                   json_integer_value(limit) > max)) ||
        (next && !json_is_string(next))) {
        api_fail(call, ERR_GROUP_PARAM, "Limit is 1 to %lld and Next the last answer's", max);
        return false;
    }
    req->limit = limit ? json_integer_value(limit) : max;
    req->after = next && json_string_length(next) > 0 ? json_string_value(next) : NULL;
    return true;
}

static void run(api_call_t *call, perm_kind_t kind, perm_req_t *req, perm_done_fn done)
{
    gop_actor_t a = admin(call);
    perm_run(call, &a, kind, req, done);
}

static json_t *info(const json_t *obj)
{
    store_perm_t p;
    store_perm_view(obj, &p);
    return json_pack("{s:s, s:s, s:I, s:s, s:I, s:I}", "PermissionGroupId", p.pg_id,
                     "PermissionGroupName", p.name, "Permission", (json_int_t)p.permission,
                     "CustomString", p.custom_string, "MemberNum", (json_int_t)p.member_count,
                     "CreateTime", (json_int_t)p.create_time);
}

static void on_plain(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    topic_end(call, err, detail, NULL);
}

static void on_created(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    store_perm_t p = {0};
    if (err == ERR_OK)
        store_perm_view(json_object_get(doc, "pg"), &p);
    topic_end(call, err, detail,
              err == ERR_OK ? json_pack("{s:s}", "PermissionGroupId", p.pg_id) : NULL);
}

void api_perm_rest_create(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, NULL, 0, NULL, false))
        run(call, PERM_CREATE, &req, on_created);
}

void api_perm_rest_modify(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, NULL, 0, NULL, false))
        run(call, PERM_MODIFY, &req, on_plain);
}

static bool in(const json_t *list, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (strcmp(json_string_value(v), id) == 0) return true;
    return false;
}

static void on_destroyed(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(call->body, "PermissionGroupIdList"), i, v)
    {
        bool ok = in(json_object_get(doc, "destroyed"), json_string_value(v));
        json_array_append_new(items, json_pack("{s:i, s:s, s:O}", "ErrorCode",
                                               ok ? 0 : ERR_GROUP_NOT_FOUND, "ErrorInfo",
                                               ok ? "" : err_text(ERR_GROUP_NOT_FOUND),
                                               "PermissionGroupId", v));
    }
    topic_end(call, err, detail, json_pack("{s:o}", "PermissionGroupResultList", items));
}

void api_perm_rest_destroy(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, "PermissionGroupIdList", PERM_IDS_MAX, NULL, false))
        run(call, PERM_DESTROY, &req, on_destroyed);
}

static void on_listed(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    json_t *items = json_array(), *v;
    size_t i;
    const char *last = NULL;
    json_array_foreach(json_object_get(doc, "pgs"), i, v)
    {
        json_array_append_new(items, info(v));
        last = json_string_value(json_object_get(v, "pg_id"));
    }
    json_t *out = json_pack("{s:o}", "PermissionGroupInfoList", items);
    if (json_object_get(call->body, "PermissionGroupIdList") == NULL)
        json_object_set_new(
            out, "Next",
            json_string(json_is_true(json_object_get(doc, "more")) && last ? last : ""));
    topic_end(call, err, detail, out);
}

void api_perm_rest_get(api_call_t *call)
{
    perm_req_t req = {0};
    bool by_id = json_object_get(call->body, "PermissionGroupIdList") != NULL;
    if (!read_request(call, &req, by_id ? "PermissionGroupIdList" : NULL, PERM_IDS_MAX, NULL,
                      false))
        return;
    if (read_page(call, &req, PERM_IDS_MAX))
        run(call, PERM_LIST, &req, on_listed);
    else
        json_decref(req.ids);
}

/* MemberList [{Member_Account, Result}]: 1 done, 2 already (adding), 0 not possible. */
static void on_members(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(doc, "results"), i, v)
    {
        const char *st = json_string_value(json_object_get(v, "status"));
        int result = strcmp(st, "added") == 0 || strcmp(st, "removed") == 0 ? 1
                     : strcmp(st, "already") == 0                           ? 2
                                                                            : 0;
        json_array_append_new(items, json_pack("{s:O, s:i}", "Member_Account",
                                               json_object_get(v, "user"), "Result", result));
    }
    topic_end(call, err, detail, json_pack("{s:o}", "MemberList", items));
}

void api_perm_rest_add_members(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, "MemberList", PERM_MEMBERS_MAX, "Member_Account", true))
        run(call, PERM_ADD, &req, on_members);
}

void api_perm_rest_delete_members(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, "MemberList", PERM_MEMBERS_MAX, "Member_Account", true))
        run(call, PERM_REMOVE, &req, on_members);
}

static void on_member_list(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    perm_end_member_page(call, err, detail, doc, "Member_Account", "Next", "MemberList");
}

void api_perm_rest_member_list(api_call_t *call)
{
    perm_req_t req = {0};
    if (!read_request(call, &req, NULL, 0, NULL, false))
        return;
    if (read_page(call, &req, PERM_MEMBER_PAGE_MAX))
        run(call, PERM_MEMBERS, &req, on_member_list);
}

static void topics(api_call_t *call, perm_kind_t kind)
{
    gop_actor_t a = admin(call);
    perm_run_topics(call, &a, kind, FIELD_REST);
}

void api_perm_rest_topic_add(api_call_t *call)
{
    topics(call, PERM_TOPIC_ADD);
}

void api_perm_rest_topic_set(api_call_t *call)
{
    topics(call, PERM_TOPIC_SET);
}

void api_perm_rest_topic_delete(api_call_t *call)
{
    topics(call, PERM_TOPIC_DELETE);
}

void api_perm_rest_topic_get(api_call_t *call)
{
    topics(call, PERM_TOPIC_GET);
}
