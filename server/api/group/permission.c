/* Community permission groups: the rules and operations both doors share (group/permission.h). */
#include "api/group/permission.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/group/group.h"
#include "api/group/rules.h"
#include "api/group/topic.h"
#include "core/rand.h"
#include "core/xalloc.h"

/* clang-format off */
#define P(m) .offset = offsetof(perm_req_t, m)
static const field_t perm_rows[] = {
    {.rest = {"GroupId"}, .sdk = {"groupID"}, .kind = FIELD_TEXT, P(group_id), .bit = PERM_F_GROUP, .need = FIELD_NEED, .min = 1, .max = 4096},
    {.rest = {"PermissionGroupId"}, .sdk = {"permissionGroupID"}, .kind = FIELD_TEXT, P(pg_id), .bit = PERM_F_ID, .min = 1, .max = PERM_ID_MAX},
    {.rest = {"PermissionGroupName"}, .sdk = {"permissionGroupName"}, .kind = FIELD_TEXT, P(name), .bit = PERM_F_NAME, .min = 1, .max = PERM_NAME_MAX},
    {.rest = {"CustomString"}, .sdk = {"customData", "customString"}, .kind = FIELD_TEXT, P(custom_string), .bit = PERM_F_CUSTOM, .max = PERM_CUSTOM_MAX},
    {.rest = {"Permission"}, .sdk = {"groupPermission"}, .kind = FIELD_INT, P(permission), .bit = PERM_F_BITS, .max = INT64_MAX},
};
#undef P
/* clang-format on */
const field_table_t perm_fields = {perm_rows, sizeof perm_rows / sizeof perm_rows[0],
                                   offsetof(perm_req_t, given), ERR_GROUP_PARAM};

bool perm_bits_allow(bool enabled, int64_t default_bits, int64_t member_bits, int64_t bit)
{
    return enabled && ((default_bits | member_bits) & bit) != 0;
}

typedef struct {
    api_call_t *call;
    perm_kind_t kind;
    char *user;
    bool app_admin;
    char *group_id, *pg_id;
    perm_req_t req;
    perm_done_fn done;
} perm_op_t;

static void op_free(perm_op_t *op)
{
    xfree(op->user);
    xfree(op->group_id);
    xfree(op->pg_id);
    json_decref(op->req.ids);
    json_decref(op->req.topics);
    xfree(op);
}

static void finish(perm_op_t *op, err_t err, const char *detail, const json_t *doc)
{
    op->done(op->call, err, detail, doc);
    op_free(op);
}

static perm_op_t *op_if_ok(err_t err, void *arg)
{
    perm_op_t *op = arg;
    if (err == ERR_OK)
        return op;
    finish(op, err, NULL, NULL);
    return NULL;
}

static const api_env_t *env_of(const perm_op_t *op)
{
    return op->call->env;
}

static void push(perm_op_t *op, const char *event, json_t *body)
{
    json_object_set_new(body, "groupID", json_string(op->group_id));
    group_push(env_of(op), op->group_id, event, body, NULL);
}

/* V2TIMPermissionGroupInfo of a store object. */
static json_t *sdk_info(const perm_op_t *op, const json_t *obj)
{
    store_perm_t p;
    store_perm_view(obj, &p);
    return json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "groupID", op->group_id, "permissionGroupID",
                     p.pg_id, "permissionGroupName", p.name ? p.name : "", "groupPermission",
                     (json_int_t)p.permission, "customData", p.custom_string ? p.custom_string : "",
                     "memberCount", (json_int_t)p.member_count);
}

/* The UserIDs or TopicIds of results whose status is `want`. */
static json_t *with_status(const json_t *results, const char *key, const char *want)
{
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(results, i,
                       v) if (strcmp(json_string_value(json_object_get(v, "status")), want) == 0)
        json_array_append(out, json_object_get(v, key));
    return out;
}

/* {topicID: permission} of the request's topics whose result is ok. */
static json_t *changed_map(const perm_op_t *op, const json_t *results)
{
    json_t *map = json_object(), *v;
    size_t i;
    json_array_foreach(results, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "status")), "ok") != 0)
            continue;
        json_object_set(map, json_string_value(json_object_get(v, "topic")),
                        json_array_get(json_array_get(op->req.topics, i), 1));
    }
    return map;
}

static void on_done(err_t err, json_t *doc, void *arg)
{
    perm_op_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    const json_t *pg = json_object_get(doc, "pg");
    const json_t *results = json_object_get(doc, "results");
    bool found =
        json_object_get(doc, "found") == NULL || json_is_true(json_object_get(doc, "found"));
    if (!found || (op->kind == PERM_MODIFY && !json_is_object(pg))) {
        finish(op, ERR_GROUP_NOT_FOUND, "no such permission group", NULL);
        return;
    }
    switch (op->kind) {
    case PERM_CREATE:
        if (json_is_true(json_object_get(doc, "full"))) {
            char detail[80];
            snprintf(detail, sizeof detail, "a community holds at most %d permission groups",
                     PERM_GROUPS_MAX);
            finish(op, ERR_GROUP_PARAM, detail, NULL);
            return;
        }
        if (!json_is_true(json_object_get(doc, "created"))) {
            finish(op, ERR_GROUP_ID_TAKEN, "the PermissionGroupId is taken", NULL);
            return;
        }
        push(op, "onPermissionGroupCreated",
             json_pack("{s:o}", "permissionGroupInfo", sdk_info(op, pg)));
        break;
    case PERM_DESTROY:
        if (json_array_size(json_object_get(doc, "destroyed")) > 0)
            push(op, "onPermissionGroupDeleted",
                 json_pack("{s:O}", "permissionGroupIDList", json_object_get(doc, "destroyed")));
        break;
    case PERM_MODIFY:
        push(op, "onPermissionGroupInfoChanged",
             json_pack("{s:o}", "permissionGroupInfo", sdk_info(op, pg)));
        break;
    case PERM_ADD:
    case PERM_REMOVE: {
        json_t *who = with_status(results, "user", op->kind == PERM_ADD ? "added" : "removed");
        if (json_array_size(who) > 0)
            push(op,
                 op->kind == PERM_ADD ? "onMembersAddedToPermissionGroup"
                                      : "onMembersDeletedFromPermissionGroup",
                 json_pack("{s:s, s:O}", "permissionGroupID", op->pg_id, "memberIDList", who));
        json_decref(who);
        break;
    }
    case PERM_TOPIC_ADD:
    case PERM_TOPIC_SET: {
        json_t *map = changed_map(op, results);
        if (json_object_size(map) > 0)
            push(
                op,
                op->kind == PERM_TOPIC_ADD ? "onTopicPermissionAdded" : "onTopicPermissionModified",
                json_pack("{s:s, s:O}", "permissionGroupID", op->pg_id, "topicPermissionMap", map));
        json_decref(map);
        break;
    }
    case PERM_TOPIC_DELETE: {
        json_t *gone = with_status(results, "topic", "ok");
        if (json_array_size(gone) > 0)
            push(op, "onTopicPermissionDeleted",
                 json_pack("{s:s, s:O}", "permissionGroupID", op->pg_id, "topicIDList", gone));
        json_decref(gone);
        break;
    }
    case PERM_LIST:
    case PERM_JOINED:
    case PERM_MEMBERS:
    case PERM_TOPIC_GET:
        break;
    }
    finish(op, ERR_OK, NULL, doc);
}

static void run(perm_op_t *op)
{
    db_pool_t *db = env_of(op)->db;
    const perm_req_t *r = &op->req;
    char *ids = r->ids ? json_dumps(r->ids, JSON_COMPACT) : NULL;
    char *topics = r->topics ? json_dumps(r->topics, JSON_COMPACT) : NULL;
    static const char *const modes[] = {[PERM_TOPIC_ADD] = "add",
                                        [PERM_TOPIC_SET] = "set",
                                        [PERM_TOPIC_DELETE] = "delete",
                                        [PERM_TOPIC_GET] = "get"};
    switch (op->kind) {
    case PERM_CREATE: {
        store_perm_t p = {.pg_id = op->pg_id,
                          .name = r->name,
                          .custom_string = r->custom_string,
                          .permission = r->permission,
                          .create_time = (int64_t)time(NULL)};
        store_perm_create(db, op->group_id, &p, PERM_GROUPS_MAX, on_done, op);
        break;
    }
    case PERM_DESTROY:
        store_perm_destroy(db, op->group_id, ids, on_done, op);
        break;
    case PERM_MODIFY: {
        json_t *f = json_object();
        if (r->given & PERM_F_NAME)
            json_object_set_new(f, "name", json_string(r->name));
        if (r->given & PERM_F_CUSTOM)
            json_object_set_new(f, "custom_string", json_string(r->custom_string));
        if (r->given & PERM_F_BITS)
            json_object_set_new(f, "permission", json_integer((json_int_t)r->permission));
        char *fields = json_dumps(f, JSON_COMPACT);
        json_decref(f);
        store_perm_update(db, op->group_id, op->pg_id, fields, on_done, op);
        free(fields);
        break;
    }
    case PERM_LIST:
    case PERM_JOINED:
        store_perm_list(db, op->group_id, ids, op->kind == PERM_JOINED ? op->user : NULL, r->after,
                        r->limit > 0 ? r->limit : PERM_GROUPS_MAX, on_done, op);
        break;
    case PERM_ADD:
    case PERM_REMOVE:
        store_perm_members(db, op->group_id, op->pg_id, ids, op->kind == PERM_ADD,
                           (int64_t)time(NULL), on_done, op);
        break;
    case PERM_MEMBERS:
        store_perm_member_list(db, op->group_id, op->pg_id, r->after,
                               r->limit > 0 ? r->limit : PERM_MEMBER_PAGE_MAX, on_done, op);
        break;
    case PERM_TOPIC_ADD:
    case PERM_TOPIC_SET:
    case PERM_TOPIC_DELETE:
    case PERM_TOPIC_GET:
        store_perm_topics(db, op->group_id, op->pg_id, modes[op->kind], topics, on_done, op);
        break;
    }
    free(ids);
    free(topics);
}

/* The bit a plain member needs for the kind (0: reading, any member). */
static int64_t needed_bit(perm_kind_t k)
{
    switch (k) {
    case PERM_ADD:
    case PERM_REMOVE:
        return PERM_MANAGE_PERMISSION_MEMBER;
    case PERM_CREATE:
    case PERM_DESTROY:
    case PERM_MODIFY:
    case PERM_TOPIC_ADD:
    case PERM_TOPIC_SET:
    case PERM_TOPIC_DELETE:
        return PERM_MANAGE_PERMISSION_INFO;
    case PERM_LIST:
    case PERM_JOINED:
    case PERM_MEMBERS:
    case PERM_TOPIC_GET:
        break;
    }
    return 0;
}

static bool names_one(perm_kind_t k)
{
    return k != PERM_CREATE && k != PERM_DESTROY && k != PERM_LIST && k != PERM_JOINED;
}

static void on_ctx(err_t err, json_t *doc, void *arg)
{
    perm_op_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    group_type_t type = GROUP_WORK;
    if (!json_is_true(json_object_get(doc, "found"))) {
        finish(op, ERR_GROUP_NOT_FOUND, NULL, NULL);
        return;
    }
    group_type_parse(json_string_value(json_object_get(doc, "type")), &type);
    if (type != GROUP_COMMUNITY) {
        finish(op, ERR_GROUP_PERMISSION, "permission groups exist only in Community groups", NULL);
        return;
    }
    group_role_t role = op->app_admin
                            ? GROUP_ROLE_APP_ADMIN
                            : group_role_parse(json_string_value(json_object_get(doc, "role")));
    int64_t bit = needed_bit(op->kind);
    bool allowed =
        role >= GROUP_ROLE_ADMIN ||
        (role == GROUP_ROLE_MEMBER &&
         (bit == 0 ||
          perm_bits_allow(json_is_true(json_object_get(doc, "enable_permission")),
                          (int64_t)json_integer_value(json_object_get(doc, "default_permission")),
                          (int64_t)json_integer_value(json_object_get(doc, "bits")), bit)));
    if (!allowed) {
        finish(op, ERR_GROUP_PERMISSION,
               bit ? "only the owner, admins and members granted it manage permission groups"
                   : "only members read permission groups",
               NULL);
        return;
    }
    if (names_one(op->kind) && !json_is_true(json_object_get(doc, "pg"))) {
        finish(op, ERR_GROUP_NOT_FOUND, "no such permission group", NULL);
        return;
    }
    run(op);
}

/* A new permission group's ID: given ("@PMG#_<custom>", not "@PMG#_@PMG#…") or generated. */
static err_t new_id(perm_op_t *op)
{
    const char *id = (op->req.given & PERM_F_ID) ? op->req.pg_id : NULL;
    if (id) {
        size_t n = strlen(id);
        bool ok = n > strlen(PERM_ID_PREFIX) &&
                  strncmp(id, PERM_ID_PREFIX, strlen(PERM_ID_PREFIX)) == 0 &&
                  strncmp(id, PERM_ID_AUTO, strlen(PERM_ID_AUTO)) != 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = id[i] >= 0x20 && id[i] <= 0x7e;
        if (!ok)
            return ERR_GROUP_BAD_ID;
        op->pg_id = xstrdup(id);
        return ERR_OK;
    }
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char rnd[10];
    char tail[11];
    rand_bytes(rnd, sizeof rnd);
    for (int i = 0; i < 10; i++)
        tail[i] = alnum[rnd[i] % (sizeof alnum - 1)];
    tail[10] = '\0';
    op->pg_id = xasprintf("%s%s", PERM_ID_AUTO, tail);
    return ERR_OK;
}

void perm_run(api_call_t *call, const gop_actor_t *actor, perm_kind_t kind, perm_req_t *req,
              perm_done_fn done)
{
    perm_op_t *op = XNEW(perm_op_t);
    op->call = call;
    op->kind = kind;
    op->user = xstrdup(actor->user);
    op->app_admin = actor->app_admin;
    op->group_id = xstrdup(req->group_id);
    op->req = *req;
    op->done = done;
    memset(req, 0, sizeof *req);
    if (kind == PERM_CREATE) {
        if (!(op->req.given & PERM_F_NAME)) {
            finish(op, ERR_GROUP_PARAM, "a permission group needs a name of 1 to 150 bytes", NULL);
            return;
        }
        if (new_id(op) != ERR_OK) {
            finish(op, ERR_GROUP_BAD_ID,
                   "a PermissionGroupId is @PMG#_ and printable ASCII, not starting @PMG#_@PMG#",
                   NULL);
            return;
        }
    } else if (names_one(kind)) {
        if (!(op->req.given & PERM_F_ID)) {
            finish(op, ERR_GROUP_PARAM, "a PermissionGroupId is required", NULL);
            return;
        }
        op->pg_id = xstrdup(op->req.pg_id);
    }
    if (kind == PERM_MODIFY && !(op->req.given & (PERM_F_NAME | PERM_F_CUSTOM | PERM_F_BITS))) {
        finish(op, ERR_GROUP_PARAM, "nothing to change", NULL);
        return;
    }
    store_perm_ctx(call->env->db, op->group_id, op->app_admin ? NULL : op->user, op->pg_id, on_ctx,
                   op);
}

/* ---- for the doors ---- */

err_t perm_status_err(const char *st)
{
    static const struct {
        const char *status;
        err_t err;
    } map[] = {{"ok", ERR_OK},
               {"added", ERR_OK},
               {"removed", ERR_OK},
               {"already", ERR_OK},
               {"exists", ERR_GROUP_ID_TAKEN},
               {"not_member", ERR_GROUP_PERMISSION}};
    for (size_t i = 0; st && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].status, st) == 0)
            return map[i].err;
    return ERR_GROUP_NOT_FOUND; /* absent, no_topic */
}

bool perm_read_topics(api_call_t *call, perm_req_t *req, field_door_t door, bool with_bits)
{
    bool rest = door == FIELD_REST;
    const char *name = with_bits ? (rest ? "TopicPermissionList" : "topicPermissionMap")
                                 : (rest ? "TopicIdList" : "topicIDList");
    const json_t *list = json_object_get(call->body, name), *v;
    bool map = with_bits && !rest;
    size_t n = map ? json_object_size(list) : json_array_size(list);
    if ((map ? !json_is_object(list) : !json_is_array(list)) || n == 0 || n > PERM_TOPICS_MAX) {
        api_fail(call, n > PERM_TOPICS_MAX ? ERR_GROUP_TOO_MANY : ERR_GROUP_PARAM,
                 "%s must hold 1 to %d topics", name, PERM_TOPICS_MAX);
        return false;
    }
    req->topics = json_array();
    const char *topic;
    size_t i = 0;
    if (map) {
        json_object_foreach((json_t *)list, topic, v)
            json_array_append_new(req->topics, json_pack("[s, O]", topic, v));
    } else {
        json_array_foreach(list, i, v)
        {
            const json_t *id = with_bits ? json_object_get(v, "TopicId") : v;
            const json_t *bits = with_bits ? json_object_get(v, "Permission") : NULL;
            json_array_append_new(req->topics, json_pack("[O?, O?]", id, bits));
        }
    }
    json_array_foreach(req->topics, i, v)
    {
        const json_t *id = json_array_get(v, 0), *bits = json_array_get(v, 1);
        if (!json_is_string(id) ||
            (with_bits && (!json_is_integer(bits) || json_integer_value(bits) < 0))) {
            json_decref(req->topics);
            req->topics = NULL;
            api_fail(call, ERR_GROUP_PARAM, "%s: item %zu must be %s", name, i,
                     with_bits ? "a topic with its permission bits (an integer >= 0)"
                               : "a topic ID");
            return false;
        }
        if (!with_bits)
            json_array_set_new(json_array_get(req->topics, i), 1, json_integer(0));
    }
    return true;
}

void perm_end_topics(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                     field_door_t door, bool with_bits)
{
    bool rest = door == FIELD_REST;
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(doc, "results"), i, v)
    {
        err_t e = perm_status_err(json_string_value(json_object_get(v, "status")));
        json_t *item =
            json_pack("{s:i, s:s, s:O}", rest ? "ErrorCode" : "resultCode", (int)e,
                      rest ? "ErrorInfo" : "resultMsg", e == ERR_OK ? "" : err_text((int)e),
                      rest ? "TopicId" : "topicID", json_object_get(v, "topic"));
        if (e == ERR_OK && with_bits)
            json_object_set(item, rest ? "Permission" : "topicPermission",
                            json_object_get(v, "permission"));
        json_array_append_new(items, item);
    }
    topic_end(call, err, detail,
              json_pack("{s:o}", rest ? "TopicPermissionResultList" : "resultList", items));
}

static void on_topics(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                      field_door_t door)
{
    const char *cmd = json_string_value(json_object_get(doc, "mode"));
    perm_end_topics(call, err, detail, doc, door, cmd && strcmp(cmd, "get") == 0);
}

static void on_rest_topics(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    on_topics(call, err, detail, doc, FIELD_REST);
}

static void on_sdk_topics(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    on_topics(call, err, detail, doc, FIELD_SDK);
}

void perm_run_topics(api_call_t *call, const gop_actor_t *actor, perm_kind_t kind,
                     field_door_t door)
{
    perm_req_t req = {0};
    if (api_read_fields(call, &perm_fields, door, call->body, &req) &&
        perm_read_topics(call, &req, door, kind == PERM_TOPIC_ADD || kind == PERM_TOPIC_SET))
        perm_run(call, actor, kind, &req, door == FIELD_REST ? on_rest_topics : on_sdk_topics);
}

void perm_end_member_page(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                          const char *id, const char *next, const char *list)
{
    json_t *items = json_array(), *v;
    size_t i;
    const char *last = NULL;
    json_array_foreach(json_object_get(doc, "members"), i, v)
    {
        json_array_append_new(items, json_pack("{s:O}", id, v));
        last = json_string_value(v);
    }
    bool more = json_is_true(json_object_get(doc, "more"));
    topic_end(call, err, detail,
              json_pack("{s:s, s:o}", next, more && last ? last : "", list, items));
}
