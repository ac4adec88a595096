/*
 * group/topic — the topics of Community groups, shared by both doors (private to api/): REST
 * million_group_open_http_svc/{create,destroy,get,modify}_topic and
 * group_open_http_svc/import_topic (group/topic_rest.c), and the SDK's createTopicInCommunity,
 * deleteTopicFromCommunity, setTopicInfo, getTopicInfoList (group/topic_sdk.c).
 *
 * The rules live here once: topics exist only in a Community created with SupportTopic (else
 * 10007); the owner, admins and app administrators manage them (else 10007); members and app
 * administrators read them; a community holds at most GROUP_TOPICS_MAX topics (10004). An
 * unknown group or topic is 10010, a taken topic ID 10021, a bad one 10015.
 *
 * A topic is a message stream keyed by its TopicId (store/topic.h): sending with groupID = the
 * TopicId goes through the group send path (group/send.c) with the community's members and
 * mutes. Changes are pushed to the community's online members: onTopicCreated {groupID,
 * topicID}, onTopicDeleted {groupID, topicIDList}, onTopicChanged {groupID, topicInfo}.
 *
 * Ownership as in group/ops.h: the request's texts are borrowed from the call's body (the call
 * stays valid until done); `done` runs exactly once with the call, an err_t, a detail (may be
 * NULL) and on success the store's document (borrowed for the callback): create and modify
 * {topic}, delete {destroyed: [TopicId]}, list {topics: [topic]} (store_topic_view()).
 */
#ifndef CHATD_API_GROUP_TOPIC_H
#define CHATD_API_GROUP_TOPIC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/group/ops.h"
#include "store/topic.h"

enum {
    TOPIC_F_ID = 1 << 0,
    TOPIC_F_NAME = 1 << 1,
    TOPIC_F_INTRODUCTION = 1 << 2,
    TOPIC_F_NOTIFICATION = 1 << 3,
    TOPIC_F_FACE_URL = 1 << 4,
    TOPIC_F_CUSTOM = 1 << 5,
    TOPIC_F_MUTE_ALL = 1 << 6,
    TOPIC_F_CREATE_TIME = 1 << 7,
    TOPIC_F_GROUP = 1 << 8,
};

typedef struct {
    unsigned given;       /* TOPIC_F_* */
    const char *group_id; /* REST GroupId (required there); the SDK's groupID is outside
                           * topicInfo, read by its door */
    const char *topic_id; /* the whole TopicId, or (create) just its custom part */
    const char *name, *introduction, *notification, *face_url, *custom_string;
    bool mute_all;
    int64_t create_time; /* import_topic; 0: now */
} topic_req_t;

/* REST create_topic, import_topic, modify_topic (TopicId, TopicName, Introduction,
 * Notification, FaceUrl, CustomString, MuteAllMember, CreateTime); SDK topicInfo (topicID,
 * topicName, introduction, notification, topicFaceUrl, customString, isAllMute). */
extern const field_table_t topic_fields;

typedef void (*topic_done_fn)(api_call_t *call, err_t err, const char *detail, const json_t *doc);

/* ---- for the doors ---- */

/* The message stream a REST message request on group_id addresses: body.TopicId when given (a
 * topic of that group: <group_id>@TOPIC#_…), else group_id; NULL after failing the call (10010
 * for a TopicId of another group or none). Every REST message API that takes TopicId uses it. */
const char *topic_stream_of(api_call_t *call, const char *group_id);

/* body[name]: 1..GROUP_TOPICS_MAX TopicIds as a new array; NULL after failing the call (10004,
 * 10005). */
json_t *topic_read_ids(api_call_t *call, const char *name);
/* body[name] when it holds IDs; NULL without failing when it is absent or empty (every topic);
 * *failed after failing the call. */
json_t *topic_read_opt_ids(api_call_t *call, const char *name, bool *failed);
/* Ends the call: with the error, or with success and `result` (stolen, may be NULL). */
void topic_end(api_call_t *call, err_t err, const char *detail, json_t *result);
/* Ends a creation's call: the error, or {key: the new TopicId}. */
void topic_end_created(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                       const char *key);

/* A door's spelling of per-topic answer items. */
typedef struct {
    const char *code, *text; /* "ErrorCode", "ErrorInfo" / "errorCode", "errorMessage" */
    const char *info;        /* the topic's object: "TopicInfo" / "topicInfo"; NULL: only id */
    const char *id;          /* "TopicId" / "topicID" */
    json_t *(*describe)(const store_topic_t *t); /* with info: the topic's object */
    const char *self_key;                        /* REST "SelfInfo", or NULL */
    json_t *(*self)(const store_topic_t *t);
} topic_items_t;

/* One item per ID of `asked` (NULL or empty: one per element of `have`), in order: code 0 with
 * the topic when `have` holds it (topic objects; with info NULL, TopicId strings), else 10010
 * with just its ID. */
json_t *topic_items(const json_t *asked, const json_t *have, const topic_items_t *k);
/* Ends a call with {answer: topic_items(body[asked], doc[have], k)}, or with the error. */
void topic_end_items(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                     const char *asked, const char *have, const topic_items_t *k,
                     const char *answer);

/* Creates a topic in group_id (`import`: import_topic, no event to members and no webhook). */
void topic_create(api_call_t *call, const gop_actor_t *actor, const char *group_id,
                  const topic_req_t *req, bool import, topic_done_fn done);
/* Destroys the topics `ids` (a JSON array of TopicIds, taken over). Unknown ones are left out
 * of `destroyed` (the doors answer 10010 for them). */
void topic_delete(api_call_t *call, const gop_actor_t *actor, const char *group_id, json_t *ids,
                  topic_done_fn done);
/* Changes the fields given in req (req->topic_id names the topic; group_id may be NULL: the
 * topic's community). */
void topic_modify(api_call_t *call, const gop_actor_t *actor, const char *group_id,
                  const topic_req_t *req, topic_done_fn done);
/* The topics `ids` (a JSON array taken over; NULL: all) with `viewer`'s view (NULL: none). */
void topic_list(api_call_t *call, const gop_actor_t *actor, const char *group_id, json_t *ids,
                const char *viewer, topic_done_fn done);

#endif
