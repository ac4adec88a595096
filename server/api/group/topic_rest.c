/* REST door of Community topics: million_group_open_http_svc/{create,destroy,get,modify}_topic
 * and group_open_http_svc/import_topic. Reads Tencent's spellings and writes Tencent's answers;
 * the rules are group/topic.c's. */
#include <string.h>

#include "api/api.h"
#include "api/group/rules.h"
#include "api/group/topic.h"
#include "api/valid.h"

/* The request's fields (GroupId among them) and the app administrator acting, named as
 * From_Account when given; false after failing. */
static bool read_request(api_call_t *call, topic_req_t *req, gop_actor_t *actor)
{
    *actor = (gop_actor_t){.user = call->identifier, .app_admin = true};
    if (!api_read_fields(call, &topic_fields, FIELD_REST, call->body, req))
        return false;
    json_t *from = json_object_get(call->body, "From_Account");
    if (from == NULL || (json_is_string(from) && json_string_length(from) == 0))
        return true;
    if (!json_is_string(from) ||
        !valid_user_id(json_string_value(from), json_string_length(from))) {
        api_fail(call, ERR_GROUP_PARAM, "From_Account must be a UserID");
        return false;
    }
    actor->user = json_string_value(from);
    return true;
}

static void on_done(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    topic_end(call, err, detail, NULL);
}

static void on_created(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    topic_end_created(call, err, detail, doc, "TopicId");
}

static void create(api_call_t *call, bool import)
{
    topic_req_t req = {0};
    gop_actor_t actor;
    if (!read_request(call, &req, &actor))
        return;
    const char *type = json_string_value(json_object_get(call->body, "Type"));
    if (import && type && strcmp(type, "Community") != 0) {
        api_fail(call, ERR_GROUP_PERMISSION, "topics exist only in Community groups");
        return;
    }
    topic_create(call, &actor, req.group_id, &req, import, on_created);
}

void api_topic_rest_create(api_call_t *call)
{
    create(call, false);
}

void api_topic_rest_import(api_call_t *call)
{
    create(call, true);
}

static void on_destroyed(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    static const topic_items_t keys = {.code = "ErrorCode", .text = "ErrorInfo", .id = "TopicId"};
    topic_end_items(call, err, detail, doc, "TopicIdList", "destroyed", &keys, "DestroyResultItem");
}

void api_topic_rest_destroy(api_call_t *call)
{
    topic_req_t req = {0};
    gop_actor_t actor;
    if (!read_request(call, &req, &actor))
        return;
    json_t *ids = topic_read_ids(call, "TopicIdList");
    if (ids != NULL)
        topic_delete(call, &actor, req.group_id, ids, on_destroyed);
}

void api_topic_rest_modify(api_call_t *call)
{
    topic_req_t req = {0};
    gop_actor_t actor;
    if (read_request(call, &req, &actor))
        topic_modify(call, &actor, req.group_id, &req, on_done);
}

/* TopicAndSelfInfo's TopicInfo. */
static json_t *topic_info(const store_topic_t *t)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:i, s:s}", "TopicName",
                     t->name, "GroupID", t->group_id, "FaceUrl", t->face_url, "TopicId",
                     t->topic_id, "NextMsgSeq", (json_int_t)(t->last_seq + 1), "Notification",
                     t->notification, "Introduction", t->introduction, "CreateTime",
                     (json_int_t)t->create_time, "LastMsgTime", (json_int_t)t->last_time,
                     "ShutUpAllFlag", t->mute_all ? 1 : 0, "CustomString", t->custom_string);
}

/* SelfInfo: From_Account's view ({} without one). */
static json_t *self_info(const store_topic_t *t)
{
    const char *flag = group_msg_flag_from_recv_opt(t->recv_opt);
    if (!t->has_self)
        return json_object();
    return json_pack("{s:I, s:I, s:s}", "ShutUpTime", (json_int_t)t->mute_until, "MsgSeq",
                     (json_int_t)t->read_seq, "MsgFlag", flag ? flag : "AcceptAndNotify");
}

static void on_listed(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    static const topic_items_t keys = {.code = "ErrorCode",
                                       .text = "ErrorInfo",
                                       .info = "TopicInfo",
                                       .id = "TopicId",
                                       .describe = topic_info,
                                       .self_key = "SelfInfo",
                                       .self = self_info};
    topic_end_items(call, err, detail, doc, "TopicIdList", "topics", &keys, "TopicAndSelfInfo");
}

void api_topic_rest_get(api_call_t *call)
{
    topic_req_t req = {0};
    gop_actor_t actor;
    bool failed;
    if (!read_request(call, &req, &actor))
        return;
    json_t *ids = topic_read_opt_ids(call, "TopicIdList", &failed);
    if (failed)
        return;
    const char *viewer = actor.user != call->identifier ? actor.user : NULL;
    topic_list(call, &actor, req.group_id, ids, viewer, on_listed);
}
