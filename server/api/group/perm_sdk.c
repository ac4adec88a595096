/* WebSocket door of Community permission groups: the SDK community manager's names
 * (V2TIMPermissionGroupInfo); the rules are group/permission.c's. */
#include <string.h>

#include "api/api.h"
#include "api/group/permission.h"
#include "api/group/topic.h"

static void run(api_call_t *call, perm_kind_t kind, perm_req_t *req, perm_done_fn done)
{
    gop_actor_t a = {.user = call->identifier,
                     .app_admin = config_is_admin(call->env->cfg, call->identifier)};
    perm_run(call, &a, kind, req, done);
}

/* The fields (at the top level or inside `info`, as the SDK passes V2TIMPermissionGroupInfo)
 * and, with `list`, its 1..max IDs into req->ids; false after failing. */
static bool read_request(api_call_t *call, perm_req_t *req, const char *list, size_t max,
                         bool users)
{
    const json_t *info = json_object_get(call->body, "info");
    if (!api_read_fields(call, &perm_fields, FIELD_SDK, json_is_object(info) ? info : call->body,
                         req))
        return false;
    if (list == NULL)
        return true;
    api_ids_t spec = {list, max, NULL, users, ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY, "IDs"};
    req->ids = api_read_id_array(call, &spec);
    return req->ids != NULL;
}

/* The request's groupID (at the top level or inside `info`; read_request() checked it). */
static const char *group_of(const api_call_t *call)
{
    const char *id = json_string_value(json_object_get(call->body, "groupID"));
    return id ? id
              : json_string_value(json_object_get(json_object_get(call->body, "info"), "groupID"));
}

static json_t *info(const api_call_t *call, const json_t *obj)
{
    store_perm_t p;
    store_perm_view(obj, &p);
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "groupID", group_of(call),
                     "permissionGroupID", p.pg_id, "permissionGroupName", p.name, "groupPermission",
                     (json_int_t)p.permission, "customData", p.custom_string, "memberCount",
                     (json_int_t)p.member_count);
}

static json_t *result(err_t e)
{
    return json_pack("{s:i, s:s}", "resultCode", (int)e, "resultMsg",
                     e == ERR_OK ? "" : err_text((int)e));
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
              err == ERR_OK ? json_pack("{s:s}", "permissionGroupID", p.pg_id) : NULL);
}

void api_perm_create(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, NULL, 0, false))
        run(call, PERM_CREATE, &req, on_created);
}

void api_perm_modify(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, NULL, 0, false))
        run(call, PERM_MODIFY, &req, on_plain);
}

static void on_deleted(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    json_t *items = json_array(), *v, *g;
    size_t i, k;
    json_array_foreach(json_object_get(call->body, "permissionGroupIDList"), i, v)
    {
        bool ok = false;
        json_array_foreach(json_object_get(doc, "destroyed"), k, g) ok |=
            strcmp(json_string_value(g), json_string_value(v)) == 0;
        json_t *item = result(ok ? ERR_OK : ERR_GROUP_NOT_FOUND);
        json_object_set(item, "permissionGroupID", v);
        json_array_append_new(items, item);
    }
    topic_end(call, err, detail, json_pack("{s:o}", "resultList", items));
}

void api_perm_delete(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, "permissionGroupIDList", PERM_IDS_MAX, false))
        run(call, PERM_DESTROY, &req, on_deleted);
}

/* resultList [{resultCode, resultMsg, info}]: one per group found (asked ones not found: an
 * item with 10010 and just the ID). */
static void on_listed(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    const json_t *pgs = json_object_get(doc, "pgs"),
                 *asked = json_object_get(call->body, "permissionGroupIDList");
    json_t *items = json_array(), *v, *p;
    size_t i, k;
    json_array_foreach(pgs, i, p)
    {
        json_t *item = result(ERR_OK);
        json_object_set_new(item, "info", info(call, p));
        json_array_append_new(items, item);
    }
    json_array_foreach(asked, i, v)
    {
        bool found = false;
        json_array_foreach(pgs, k, p) found |=
            strcmp(json_string_value(json_object_get(p, "pg_id")), json_string_value(v)) == 0;
        if (found)
            continue;
        json_t *item = result(ERR_GROUP_NOT_FOUND);
        json_object_set_new(item, "info", json_pack("{s:O}", "permissionGroupID", v));
        json_array_append_new(items, item);
    }
    topic_end(call, err, detail, json_pack("{s:o}", "resultList", items));
}

void api_perm_list(api_call_t *call)
{
    perm_req_t req = {0};
    const json_t *ids = json_object_get(call->body, "permissionGroupIDList");
    bool by_id = json_is_array(ids) ? json_array_size(ids) > 0 : ids != NULL;
    if (read_request(call, &req, by_id ? "permissionGroupIDList" : NULL, PERM_IDS_MAX, false))
        run(call, PERM_LIST, &req, on_listed);
}

void api_perm_joined(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, NULL, 0, false))
        run(call, PERM_JOINED, &req, on_listed);
}

/* resultList [{memberID, resultCode}]: 0 done (or already), 10007 not a community member,
 * 10010 not in the permission group. */
static void on_members(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(doc, "results"), i, v)
    {
        const char *st = json_string_value(json_object_get(v, "status"));
        err_t e = strcmp(st, "not_member") == 0 ? ERR_GROUP_PERMISSION
                  : strcmp(st, "absent") == 0   ? ERR_GROUP_NOT_FOUND
                                                : ERR_OK;
        json_t *item = result(e);
        json_object_set(item, "memberID", json_object_get(v, "user"));
        json_array_append_new(items, item);
    }
    topic_end(call, err, detail, json_pack("{s:o}", "resultList", items));
}

void api_perm_add_members(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, "memberList", PERM_MEMBERS_MAX, true))
        run(call, PERM_ADD, &req, on_members);
}

void api_perm_remove_members(api_call_t *call)
{
    perm_req_t req = {0};
    if (read_request(call, &req, "memberList", PERM_MEMBERS_MAX, true))
        run(call, PERM_REMOVE, &req, on_members);
}

static void on_member_list(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    perm_end_member_page(call, err, detail, doc, "userID", "nextCursor", "memberList");
}

void api_perm_member_list(api_call_t *call)
{
    perm_req_t req = {0};
    const json_t *next = json_object_get(call->body, "nextCursor");
    if (next && !json_is_string(next)) {
        api_fail(call, ERR_GROUP_PARAM, "nextCursor must be the last answer's");
        return;
    }
    if (!read_request(call, &req, NULL, 0, false))
        return;
    req.after = next && json_string_length(next) > 0 ? json_string_value(next) : NULL;
    run(call, PERM_MEMBERS, &req, on_member_list);
}

static void topics(api_call_t *call, perm_kind_t kind)
{
    gop_actor_t a = {.user = call->identifier,
                     .app_admin = config_is_admin(call->env->cfg, call->identifier)};
    perm_run_topics(call, &a, kind, FIELD_SDK);
}

void api_perm_topic_add(api_call_t *call)
{
    topics(call, PERM_TOPIC_ADD);
}

void api_perm_topic_modify(api_call_t *call)
{
    topics(call, PERM_TOPIC_SET);
}

void api_perm_topic_delete(api_call_t *call)
{
    topics(call, PERM_TOPIC_DELETE);
}

void api_perm_topic_get(api_call_t *call)
{
    topics(call, PERM_TOPIC_GET);
}
