/*
 * store/topic — the topics of Community groups (schema/018_community.sql): one statement per
 * step, each answering one JSON document.
 *
 * A topic is a message stream keyed by its TopicId: its messages, conversation and each
 * member's view live under conv_key 'g:<TopicId>' exactly as a group's do, so the message
 * writer, history, read positions and unread counts serve it unchanged. Its members are the
 * community's: creating a topic gives every member a view (read position 0), joining the
 * community gives the newcomer a view of every topic, leaving removes them (store/group.c).
 *
 * Every callback gets err (ERR_OK, ERR_DB_DOWN, ERR_INTERNAL) and, with ERR_OK, the
 * statement's document, borrowed for the callback. Topic objects inside it are read with
 * store_topic_view(); no caller spells their keys.
 */
#ifndef CHATD_STORE_TOPIC_H
#define CHATD_STORE_TOPIC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "store/webhook.h"

typedef void (*store_topic_fn)(err_t err, json_t *doc, void *arg);

/* A topic object: the stored fields, its conversation's newest seq and time, and (lists with
 * a viewer) the viewer's view. */
typedef struct {
    const char *topic_id, *group_id;
    const char *name, *introduction, *notification, *face_url, *custom_string;
    bool mute_all;
    int64_t create_time, last_info_time, last_seq, last_time;
    bool has_self;            /* the viewer has a view of it */
    int64_t read_seq, unread; /* the viewer's */
    int recv_opt;
    const char *draft_text; /* NULL: none */
    int64_t mute_until;     /* the viewer's mute in the community */
} store_topic_t;

bool store_topic_view(const json_t *obj, store_topic_t *out);

/* The rules' context: {found, type (REST spelling), support_topic, role ("Owner"/"Admin"/
 * "Member"/null for the actor), perm (the actor's group permission bits when the community has
 * EnablePermission: DefaultPermission and their permission groups'; else 0), topics (how many
 * the group has), known: [TopicIds among topics_json that exist in this group]}. actor and
 * topics_json (a JSON array) may be NULL. */
void store_topic_ctx(db_pool_t *db, const char *group_id, const char *actor,
                     const char *topics_json, store_topic_fn cb, void *arg);

/* The after-event of a write, in its own transaction; origin NULL: none. */
typedef struct {
    const store_webhook_origin_t *origin;
    const char *operator_account;
} store_topic_hook_t;

typedef struct {
    const char *topic_id, *group_id;
    const char *name, *introduction, *notification, *face_url, *custom_string;
    int64_t create_time;
    int max_topics; /* refuse ("full") when the group holds this many */
} store_topic_new_t;

/* Creates the topic with a view for every member: {found (the group), full, created (false:
 * the ID is taken), topic}. Group.CallbackAfterCreateTopic with the hook. */
void store_topic_create(db_pool_t *db, const store_topic_new_t *t, const store_topic_hook_t *hook,
                        store_topic_fn cb, void *arg);

/* Destroys the topics of topics_json (NULL: every topic of the group) with their messages and
 * views: {destroyed: [TopicId]}. Group.CallbackAfterTopicDestroyed per topic with the hook. */
void store_topic_destroy(db_pool_t *db, const char *group_id, const char *topics_json,
                         const store_topic_hook_t *hook, store_topic_fn cb, void *arg);

/* Changes fields: a JSON object with any of name, introduction, notification, face_url,
 * custom_string, mute_all. {found, topic}. Group.CallbackAfterTopicInfoChanged with the
 * hook (the fields changed). */
void store_topic_update(db_pool_t *db, const char *group_id, const char *topic_id,
                        const char *fields, int64_t now, const store_topic_hook_t *hook,
                        store_topic_fn cb, void *arg);

/* The group's topics (topics_json: only these; NULL: all), oldest first, with `viewer`'s view
 * (NULL: none): {found (the group), topics: [topic]}. */
void store_topic_list(db_pool_t *db, const char *group_id, const char *topics_json,
                      const char *viewer, store_topic_fn cb, void *arg);

#endif
