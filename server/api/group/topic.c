/* Community topics: the rules and operations both doors share (group/topic.h). */
#include "api/group/topic.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/group/group.h"
#include "api/group/permission.h"
#include "api/group/rules.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "store/topic.h"

/* clang-format off */
#define T(m) .offset = offsetof(topic_req_t, m)
static const field_t topic_rows[] = {
    {.rest = {"GroupId"}, .kind = FIELD_TEXT, T(group_id), .bit = TOPIC_F_GROUP, .need = FIELD_NEED_REST, .min = 1, .max = 4096},
    {.rest = {"TopicId"}, .sdk = {"topicID"}, .kind = FIELD_TEXT, T(topic_id), .bit = TOPIC_F_ID, .min = 1, .max = GROUP_TOPIC_ID_MAX},
    {.rest = {"TopicName"}, .sdk = {"topicName"}, .kind = FIELD_TEXT, T(name), .bit = TOPIC_F_NAME, .min = 1, .max = GROUP_NAME_MAX},
    {.rest = {"Introduction"}, .sdk = {"introduction"}, .kind = FIELD_TEXT, T(introduction), .bit = TOPIC_F_INTRODUCTION, .max = GROUP_INTRODUCTION_MAX},
    {.rest = {"Notification"}, .sdk = {"notification"}, .kind = FIELD_TEXT, T(notification), .bit = TOPIC_F_NOTIFICATION, .max = GROUP_NOTIFICATION_MAX},
    {.rest = {"FaceUrl"}, .sdk = {"topicFaceUrl", "faceUrl"}, .kind = FIELD_TEXT, T(face_url), .bit = TOPIC_F_FACE_URL, .max = GROUP_FACE_URL_MAX},
    {.rest = {"CustomString"}, .sdk = {"customString"}, .kind = FIELD_TEXT, T(custom_string), .bit = TOPIC_F_CUSTOM, .max = GROUP_TOPIC_CUSTOM_STRING_MAX},
    {.rest = {"MuteAllMember", "ShutUpAllMember"}, .sdk = {"isAllMute"}, .kind = FIELD_SWITCH, T(mute_all), .bit = TOPIC_F_MUTE_ALL},
    {.rest = {"CreateTime"}, .kind = FIELD_INT, T(create_time), .bit = TOPIC_F_CREATE_TIME, .max = UINT32_MAX},
};
#undef T
/* clang-format on */
const field_table_t topic_fields = {topic_rows, sizeof topic_rows / sizeof topic_rows[0],
                                    offsetof(topic_req_t, given), ERR_GROUP_PARAM};

typedef enum { TOPIC_CREATE, TOPIC_DELETE, TOPIC_MODIFY, TOPIC_LIST } topic_kind_t;

typedef struct {
    api_call_t *call;
    topic_kind_t kind;
    char *user;
    bool app_admin, import;
    char *group_id;
    char *topic_id; /* CREATE: the whole new ID; MODIFY: the topic */
    char *viewer;   /* LIST: whose view (NULL: none) */
    topic_req_t req;
    json_t *ids; /* DELETE, LIST */
    topic_done_fn done;
    bool hooked;
    store_webhook_origin_t origin;
    store_topic_hook_t hook;
} top_t;

static void top_free(top_t *op)
{
    xfree(op->user);
    xfree(op->group_id);
    xfree(op->topic_id);
    xfree(op->viewer);
    json_decref(op->ids);
    xfree(op);
}

static void finish(top_t *op, err_t err, const char *detail, const json_t *doc)
{
    if (err == ERR_OK && op->hooked)
        api_hook_poke(op->call->env);
    op->done(op->call, err, detail, doc);
    top_free(op);
}

static top_t *op_if_ok(err_t err, void *arg)
{
    top_t *op = arg;
    if (err == ERR_OK)
        return op;
    finish(op, err, NULL, NULL);
    return NULL;
}

static const store_topic_hook_t *hook_of(top_t *op, store_webhook_cmd_t cmd)
{
    if (op->import || !api_hook_on(op->call->env, cmd))
        return NULL;
    op->hooked = true;
    op->origin.platform = store_webhook_platform(op->call->platform, cmd);
    op->origin.client_ip = op->call->client_ip;
    op->hook.origin = &op->origin;
    op->hook.operator_account = op->user;
    return &op->hook;
}

static char *dumps(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT) : NULL;
}

/* The fields a change sets, in the store's spelling. */
static json_t *store_fields(const topic_req_t *r)
{
    json_t *f = json_object();
    const struct {
        unsigned bit;
        const char *key, *value;
    } texts[] = {
        {TOPIC_F_NAME, "name", r->name},
        {TOPIC_F_INTRODUCTION, "introduction", r->introduction},
        {TOPIC_F_NOTIFICATION, "notification", r->notification},
        {TOPIC_F_FACE_URL, "face_url", r->face_url},
        {TOPIC_F_CUSTOM, "custom_string", r->custom_string},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (r->given & texts[i].bit)
            json_object_set_new(f, texts[i].key, json_string(texts[i].value));
    if (r->given & TOPIC_F_MUTE_ALL)
        json_object_set_new(f, "mute_all", json_boolean(r->mute_all));
    return f;
}

/* onTopicChanged's topicInfo: what changed, by the SDK's names. */
static json_t *changed_info(const store_topic_t *t)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "topicID", t->topic_id, "topicName",
                     t->name, "introduction", t->introduction, "notification", t->notification,
                     "topicFaceUrl", t->face_url, "customString", t->custom_string, "isAllMute",
                     t->mute_all);
}

/* ---- after the store ---- */

/* For a store callback whose document says whether the group was found: the op, or NULL after
 * failing it. */
static top_t *op_if_found(err_t err, const json_t *doc, void *arg)
{
    top_t *op = op_if_ok(err, arg);
    if (op != NULL && !json_is_true(json_object_get(doc, "found"))) {
        finish(op, ERR_GROUP_NOT_FOUND, NULL, NULL);
        return NULL;
    }
    return op;
}

static void on_created(err_t err, json_t *doc, void *arg)
{
    top_t *op = op_if_found(err, doc, arg);
    if (op == NULL)
        return;
    if (json_is_true(json_object_get(doc, "full"))) {
        char detail[80];
        snprintf(detail, sizeof detail, "a community holds at most %d topics", GROUP_TOPICS_MAX);
        finish(op, ERR_GROUP_PARAM, detail, NULL);
        return;
    }
    if (!json_is_true(json_object_get(doc, "created"))) {
        finish(op, ERR_GROUP_ID_TAKEN, "the TopicId is taken", NULL);
        return;
    }
    const api_env_t *env = op->call->env;
    if (!op->import)
        group_push(env, op->group_id, "onTopicCreated",
                   json_pack("{s:s, s:s}", "groupID", op->group_id, "topicID", op->topic_id), NULL);
    finish(op, ERR_OK, NULL, doc);
}

static void on_destroyed(err_t err, json_t *doc, void *arg)
{
    top_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    json_t *gone = json_object_get(doc, "destroyed");
    if (json_array_size(gone) > 0)
        group_push(op->call->env, op->group_id, "onTopicDeleted",
                   json_pack("{s:s, s:O}", "groupID", op->group_id, "topicIDList", gone), NULL);
    finish(op, ERR_OK, NULL, doc);
}

static void on_updated(err_t err, json_t *doc, void *arg)
{
    top_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    store_topic_t t;
    if (!json_is_true(json_object_get(doc, "found")) ||
        !store_topic_view(json_object_get(doc, "topic"), &t)) {
        finish(op, ERR_GROUP_NOT_FOUND, "no such topic", NULL);
        return;
    }
    group_push(op->call->env, op->group_id, "onTopicChanged",
               json_pack("{s:s, s:o}", "groupID", op->group_id, "topicInfo", changed_info(&t)),
               NULL);
    finish(op, ERR_OK, NULL, doc);
}

static void on_listed(err_t err, json_t *doc, void *arg)
{
    top_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    finish(op, ERR_OK, NULL, doc);
}

/* ---- the rules, once the context is loaded ---- */

static void run(top_t *op)
{
    const api_env_t *env = op->call->env;
    switch (op->kind) {
    case TOPIC_CREATE: {
        const topic_req_t *r = &op->req;
        store_topic_new_t t = {
            .topic_id = op->topic_id,
            .group_id = op->group_id,
            .name = r->name,
            .introduction = r->introduction,
            .notification = r->notification,
            .face_url = r->face_url,
            .custom_string = r->custom_string,
            .create_time = op->import && r->create_time > 0 ? r->create_time : (int64_t)time(NULL),
            .max_topics = GROUP_TOPICS_MAX,
        };
        store_topic_create(env->db, &t, hook_of(op, STORE_WEBHOOK_GROUP_AFTER_CREATE_TOPIC),
                           on_created, op);
        break;
    }
    case TOPIC_DELETE: {
        char *ids = dumps(op->ids);
        store_topic_destroy(env->db, op->group_id, ids,
                            hook_of(op, STORE_WEBHOOK_GROUP_AFTER_TOPIC_DESTROYED), on_destroyed,
                            op);
        free(ids);
        break;
    }
    case TOPIC_MODIFY: {
        json_t *f = store_fields(&op->req);
        char *fields = dumps(f);
        json_decref(f);
        store_topic_update(env->db, op->group_id, op->topic_id, fields, (int64_t)time(NULL),
                           hook_of(op, STORE_WEBHOOK_GROUP_AFTER_TOPIC_CHANGED), on_updated, op);
        free(fields);
        break;
    }
    case TOPIC_LIST: {
        char *ids = dumps(op->ids);
        store_topic_list(env->db, op->group_id, ids, op->viewer, on_listed, op);
        free(ids);
        break;
    }
    }
}

static void on_before(const api_before_result_t *r, void *arg)
{
    top_t *op = arg;
    switch (r->verdict) {
    case API_BEFORE_REFUSE:
        finish(op, (err_t)r->code, r->info, NULL);
        return;
    case API_BEFORE_DROP: /* ErrorCode 2 means nothing here but "no" */
        finish(op, ERR_GROUP_CALLBACK_REJECT, NULL, NULL);
        return;
    case API_BEFORE_ALLOW:
        break;
    }
    run(op);
}

/* Group.CallbackBeforeCreateTopic: the app may refuse a new topic (as it may a new group). */
static bool ask_before(top_t *op)
{
    const api_env_t *env = op->call->env;
    store_webhook_cmd_t cmd = STORE_WEBHOOK_GROUP_BEFORE_CREATE_TOPIC;
    if (op->kind != TOPIC_CREATE || op->import || !api_hook_on(env, cmd))
        return false;
    const topic_req_t *r = &op->req;
    store_webhook_origin_t o = {store_webhook_platform(op->call->platform, cmd),
                                op->call->client_ip};
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "GroupId", op->group_id, "Type", "Community",
                  "Operator_Account", op->user, "TopicId", op->topic_id, "TopicName", r->name,
                  "CustomString", r->custom_string ? r->custom_string : "");
    env->hooks->before(env->hooks->ctx, cmd, &o, body, on_before, op);
    return true;
}

static void on_ctx(err_t err, json_t *doc, void *arg)
{
    top_t *op = op_if_found(err, doc, arg);
    if (op == NULL)
        return;
    group_type_t type = GROUP_WORK;
    group_type_parse(json_string_value(json_object_get(doc, "type")), &type);
    if (type != GROUP_COMMUNITY) {
        finish(op, ERR_GROUP_PERMISSION, "topics exist only in Community groups", NULL);
        return;
    }
    if (!json_is_true(json_object_get(doc, "support_topic"))) {
        finish(op, ERR_GROUP_PERMISSION, "the community was created without SupportTopic", NULL);
        return;
    }
    group_role_t role = op->app_admin
                            ? GROUP_ROLE_APP_ADMIN
                            : group_role_parse(json_string_value(json_object_get(doc, "role")));
    group_role_t need = op->kind == TOPIC_LIST ? GROUP_ROLE_MEMBER : GROUP_ROLE_ADMIN;
    /* A member granted ManageTopic (permission groups, group/permission.h) manages topics. */
    if (role == GROUP_ROLE_MEMBER &&
        ((int64_t)json_integer_value(json_object_get(doc, "perm")) & PERM_MANAGE_TOPIC))
        role = GROUP_ROLE_ADMIN;
    if (role < need) {
        finish(op, ERR_GROUP_PERMISSION,
               need == GROUP_ROLE_MEMBER ? "only members read the topics"
                                         : "only the owner and admins manage topics",
               NULL);
        return;
    }
    if (op->kind == TOPIC_MODIFY && json_array_size(json_object_get(doc, "known")) == 0) {
        finish(op, ERR_GROUP_NOT_FOUND, "no such topic", NULL);
        return;
    }
    if (!ask_before(op))
        run(op);
}

static top_t *op_new(api_call_t *call, topic_kind_t kind, const gop_actor_t *actor,
                     const char *group_id, topic_done_fn done)
{
    top_t *op = XNEW(top_t);
    op->call = call;
    op->kind = kind;
    op->user = xstrdup(actor->user);
    op->app_admin = actor->app_admin;
    op->group_id = group_id ? xstrdup(group_id) : NULL;
    op->done = done;
    return op;
}

static void load(top_t *op, const char *topic)
{
    json_t *known = topic ? json_pack("[s]", topic) : NULL;
    char *topics = dumps(known);
    json_decref(known);
    store_topic_ctx(op->call->env->db, op->group_id, op->app_admin ? NULL : op->user, topics,
                    on_ctx, op);
    free(topics);
}

/* The new topic's whole ID: a given TopicId is either whole (<GroupId>@TOPIC#_<part>) or
 * just the custom part; none: generated. */
static err_t new_topic_id(top_t *op, char *detail, size_t len)
{
    const char *given = (op->req.given & TOPIC_F_ID) ? op->req.topic_id : NULL;
    size_t glen = strlen(op->group_id);
    if (given && strncmp(given, op->group_id, glen) == 0 &&
        strncmp(given + glen, GROUP_TOPIC_MARK, strlen(GROUP_TOPIC_MARK)) == 0)
        given += glen + strlen(GROUP_TOPIC_MARK);
    unsigned char rnd[10];
    rand_bytes(rnd, sizeof rnd);
    char id[GROUP_TOPIC_ID_MAX + 2];
    if ((given && !group_topic_custom_valid(given, strlen(given))) ||
        !group_topic_id_make(op->group_id, given, rnd, id, sizeof id)) {
        snprintf(detail, len,
                 "a TopicId is <GroupId>@TOPIC#_<custom part>, at most %d printable ASCII "
                 "bytes, the custom part containing neither @TGS#_ nor @TOPIC#_@TOPIC#",
                 GROUP_TOPIC_ID_MAX);
        return ERR_GROUP_BAD_ID;
    }
    op->topic_id = xstrdup(id);
    return ERR_OK;
}

void topic_create(api_call_t *call, const gop_actor_t *actor, const char *group_id,
                  const topic_req_t *req, bool import, topic_done_fn done)
{
    top_t *op = op_new(call, TOPIC_CREATE, actor, group_id, done);
    op->req = *req;
    op->import = import;
    char detail[200];
    err_t err = ERR_OK;
    if (!(req->given & TOPIC_F_NAME)) {
        snprintf(detail, sizeof detail, "a topic needs a name of 1 to %d bytes", GROUP_NAME_MAX);
        err = ERR_GROUP_PARAM;
    } else {
        err = new_topic_id(op, detail, sizeof detail);
    }
    if (err != ERR_OK) {
        finish(op, err, detail, NULL);
        return;
    }
    load(op, NULL);
}

void topic_delete(api_call_t *call, const gop_actor_t *actor, const char *group_id, json_t *ids,
                  topic_done_fn done)
{
    top_t *op = op_new(call, TOPIC_DELETE, actor, group_id, done);
    op->ids = ids;
    load(op, NULL);
}

void topic_modify(api_call_t *call, const gop_actor_t *actor, const char *group_id,
                  const topic_req_t *req, topic_done_fn done)
{
    char community[GROUP_TOPIC_ID_MAX + 1];
    const char *topic = (req->given & TOPIC_F_ID) ? req->topic_id : NULL;
    top_t *op = op_new(call, TOPIC_MODIFY, actor, group_id, done);
    op->req = *req;
    if (topic == NULL || !group_topic_split(topic, community, sizeof community) ||
        (group_id && strcmp(group_id, community) != 0)) {
        finish(op, ERR_GROUP_NOT_FOUND,
               topic ? "the TopicId is not a topic of this group" : "a TopicId is required", NULL);
        return;
    }
    if (op->group_id == NULL)
        op->group_id = xstrdup(community);
    if ((req->given & ~(TOPIC_F_ID | TOPIC_F_CREATE_TIME)) == 0) {
        finish(op, ERR_GROUP_PARAM, "nothing to change", NULL);
        return;
    }
    op->topic_id = xstrdup(topic);
    load(op, topic);
}

void topic_list(api_call_t *call, const gop_actor_t *actor, const char *group_id, json_t *ids,
                const char *viewer, topic_done_fn done)
{
    top_t *op = op_new(call, TOPIC_LIST, actor, group_id, done);
    op->ids = ids;
    op->viewer = viewer ? xstrdup(viewer) : NULL;
    load(op, NULL);
}

/* ---- for the doors ---- */

json_t *topic_read_ids(api_call_t *call, const char *name)
{
    api_ids_t spec = {name,      GROUP_TOPICS_MAX, NULL, false, ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY,
                      "TopicIds"};
    return api_read_id_array(call, &spec);
}

json_t *topic_read_opt_ids(api_call_t *call, const char *name, bool *failed)
{
    const json_t *list = json_object_get(call->body, name);
    *failed = false;
    if (list == NULL || (json_is_array(list) && json_array_size(list) == 0))
        return NULL;
    json_t *ids = topic_read_ids(call, name);
    *failed = ids == NULL;
    return ids;
}

void topic_end(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (err != ERR_OK) {
        json_decref(result);
        api_fail(call, err, detail ? "%s" : NULL, detail);
        return;
    }
    api_finish(call, result);
}

void topic_end_created(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                       const char *key)
{
    store_topic_t t;
    if (err == ERR_OK && !store_topic_view(json_object_get(doc, "topic"), &t))
        err = ERR_INTERNAL;
    topic_end(call, err, detail, err == ERR_OK ? json_pack("{s:s}", key, t.topic_id) : NULL);
}

/* The element of `have` that is topic `id` (a topic object, or with info NULL the ID string). */
static const json_t *have_topic(const json_t *have, const char *id, const topic_items_t *k,
                                store_topic_t *t)
{
    size_t i;
    const json_t *v;
    json_array_foreach(have, i, v)
    {
        const char *vid =
            k->info ? (store_topic_view(v, t) ? t->topic_id : NULL) : json_string_value(v);
        if (vid && strcmp(vid, id) == 0)
            return v;
    }
    return NULL;
}

/* One answer item: topic `id`, found (then t is it, when k->info) or not. */
static json_t *item(const topic_items_t *k, const char *id, bool found, const store_topic_t *t)
{
    err_t e = found ? ERR_OK : ERR_GROUP_NOT_FOUND;
    json_t *o = json_pack("{s:i, s:s}", k->code, found ? 0 : (int)e, k->text,
                          found ? "" : err_text((int)e));
    if (k->info == NULL)
        json_object_set_new(o, k->id, json_string(id));
    else
        json_object_set_new(o, k->info, found ? k->describe(t) : json_pack("{s:s}", k->id, id));
    if (found && k->info && k->self_key)
        json_object_set_new(o, k->self_key, k->self(t));
    return o;
}

json_t *topic_items(const json_t *asked, const json_t *have, const topic_items_t *k)
{
    json_t *out = json_array();
    size_t i;
    const json_t *v;
    store_topic_t t;
    if (json_array_size(asked) == 0) {
        json_array_foreach(have, i, v) if (store_topic_view(v, &t))
            json_array_append_new(out, item(k, t.topic_id, true, &t));
        return out;
    }
    json_array_foreach(asked, i, v)
    {
        const char *id = json_string_value(v);
        json_array_append_new(out, item(k, id, have_topic(have, id, k, &t) != NULL, &t));
    }
    return out;
}

void topic_end_items(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                     const char *asked, const char *have, const topic_items_t *k,
                     const char *answer)
{
    json_t *items = err == ERR_OK ? topic_items(json_object_get(call->body, asked),
                                                json_object_get(doc, have), k)
                                  : NULL;
    topic_end(call, err, detail, items ? json_pack("{s:o}", answer, items) : NULL);
}

const char *topic_stream_of(api_call_t *call, const char *group_id)
{
    json_t *topic = json_object_get(call->body, "TopicId");
    if (topic == NULL || (json_is_string(topic) && json_string_length(topic) == 0))
        return group_id;
    char community[GROUP_TOPIC_ID_MAX + 1];
    if (!json_is_string(topic) ||
        !group_topic_split(json_string_value(topic), community, sizeof community) ||
        strcmp(community, group_id) != 0) {
        api_fail(call, ERR_GROUP_NOT_FOUND, "TopicId is not a topic of GroupId");
        return NULL;
    }
    return json_string_value(topic);
}
