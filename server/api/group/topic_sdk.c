/* WebSocket door of Community topics: createTopicInCommunity, deleteTopicFromCommunity,
 * setTopicInfo, getTopicInfoList with the SDK's names (V2TIMTopicInfo). The rules are
 * group/topic.c's. */
#include <string.h>

#include "api/api.h"
#include "api/group/rules.h"
#include "api/group/topic.h"

static gop_actor_t actor_of(const api_call_t *call)
{
    return (gop_actor_t){.user = call->identifier,
                         .app_admin = config_is_admin(call->env->cfg, call->identifier)};
}

/* body.groupID into *id (required unless `optional`: then NULL when absent); false after
 * failing. */
static bool group_id_of(api_call_t *call, bool optional, const char **id)
{
    json_t *v = json_object_get(call->body, "groupID");
    *id = json_string_value(v);
    if (v == NULL && optional)
        return true;
    if (!json_is_string(v) || json_string_length(v) == 0) {
        api_fail(call, ERR_GROUP_PARAM, "groupID is required: a string");
        return false;
    }
    return true;
}

/* groupID and the fields of body.topicInfo (a V2TIMTopicInfo); false after failing. */
static bool read_request(api_call_t *call, bool group_optional, const char **id, topic_req_t *req)
{
    if (!group_id_of(call, group_optional, id))
        return false;
    const json_t *info = json_object_get(call->body, "topicInfo");
    if (!json_is_object(info)) {
        api_fail(call, ERR_GROUP_PARAM, "topicInfo is required: a V2TIMTopicInfo object");
        return false;
    }
    return api_read_fields(call, &topic_fields, FIELD_SDK, info, req);
}

static void on_done(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    topic_end(call, err, detail, NULL);
}

/* V2TIMTopicInfo. */
static json_t *topic_info(const store_topic_t *t)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:I, s:I}", "topicID",
                          t->topic_id, "topicName", t->name, "topicFaceUrl", t->face_url,
                          "introduction", t->introduction, "notification", t->notification,
                          "isAllMute", t->mute_all, "customString", t->custom_string, "createTime",
                          (json_int_t)t->create_time, "lastMessageTime", (json_int_t)t->last_time,
                          "nextMsgSeq", (json_int_t)(t->last_seq + 1));
    if (t->has_self) {
        json_object_set_new(o, "unreadCount", json_integer((json_int_t)t->unread));
        json_object_set_new(o, "readSeq", json_integer((json_int_t)t->read_seq));
        json_object_set_new(o, "recvOpt", json_integer(t->recv_opt));
        json_object_set_new(o, "selfMuteTime", json_integer((json_int_t)t->mute_until));
        json_object_set_new(o, "draftText",
                            t->draft_text ? json_string(t->draft_text) : json_null());
    }
    return o;
}

static void on_created(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    topic_end_created(call, err, detail, doc, "topicID");
}

void api_topic_create(api_call_t *call)
{
    const char *id;
    topic_req_t req = {0};
    if (!read_request(call, false, &id, &req))
        return;
    gop_actor_t actor = actor_of(call);
    topic_create(call, &actor, id, &req, false, on_created);
}

static void on_deleted(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    static const topic_items_t keys = {
        .code = "errorCode", .text = "errorMessage", .id = "topicID"};
    topic_end_items(call, err, detail, doc, "topicIDList", "destroyed", &keys, "resultList");
}

void api_topic_delete(api_call_t *call)
{
    const char *id;
    if (!group_id_of(call, false, &id))
        return;
    gop_actor_t actor = actor_of(call);
    json_t *ids = topic_read_ids(call, "topicIDList");
    if (ids != NULL)
        topic_delete(call, &actor, id, ids, on_deleted);
}

void api_topic_set_info(api_call_t *call)
{
    const char *id;
    topic_req_t req = {0};
    if (!read_request(call, true, &id, &req))
        return;
    gop_actor_t actor = actor_of(call);
    topic_modify(call, &actor, id, &req, on_done);
}

static void on_listed(api_call_t *call, err_t err, const char *detail, const json_t *doc)
{
    static const topic_items_t keys = {.code = "errorCode",
                                       .text = "errorMessage",
                                       .info = "topicInfo",
                                       .id = "topicID",
                                       .describe = topic_info};
    topic_end_items(call, err, detail, doc, "topicIDList", "topics", &keys, "resultList");
}

void api_topic_list(api_call_t *call)
{
    const char *id;
    bool failed;
    if (!group_id_of(call, false, &id))
        return;
    gop_actor_t actor = actor_of(call);
    json_t *ids = topic_read_opt_ids(call, "topicIDList", &failed);
    if (!failed)
        topic_list(call, &actor, id, ids, call->identifier, on_listed);
}
