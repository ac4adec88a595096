/* Community topics (store/topic.h). */
#include "store/topic.h"

#include <string.h>

#include "store/internal.h"

static const char *text_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t int_of(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

bool store_topic_view(const json_t *t, store_topic_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(t) || text_of(t, "topic_id") == NULL)
        return false;
    const json_t *self = json_object_get(t, "self");
    *out = (store_topic_t){
        .topic_id = text_of(t, "topic_id"),
        .group_id = text_of(t, "group_id"),
        .name = text_of(t, "name"),
        .introduction = text_of(t, "introduction"),
        .notification = text_of(t, "notification"),
        .face_url = text_of(t, "face_url"),
        .custom_string = text_of(t, "custom_string"),
        .mute_all = json_is_true(json_object_get(t, "mute_all")),
        .create_time = int_of(t, "create_time"),
        .last_info_time = int_of(t, "last_info_time"),
        .last_seq = int_of(t, "last_seq"),
        .last_time = int_of(t, "last_time"),
        .has_self = json_is_object(self),
        .read_seq = int_of(self, "read_seq"),
        .unread = int_of(self, "unread"),
        .recv_opt = (int)int_of(self, "recv_opt"),
        .draft_text = text_of(self, "draft_text"),
        .mute_until = int_of(self, "mute_until"),
    };
    return true;
}

/* clang-format off */

/* The topic row t with its conversation c. */
#define TOPIC_JSON                                                                                 \
    "json_build_object('topic_id', t.topic_id, 'group_id', t.group_id, 'name', t.name,"            \
    " 'introduction', t.introduction, 'notification', t.notification, 'face_url', t.face_url,"     \
    " 'custom_string', t.custom_string, 'mute_all', t.mute_all, 'create_time', t.create_time,"     \
    " 'last_info_time', t.last_info_time, 'last_seq', COALESCE(c.last_seq, 0),"                    \
    " 'last_time', COALESCE(c.last_time, 0))"
#define TOPIC_CONV " LEFT JOIN conversations c ON c.conv_key = 'g:' || t.topic_id"

/* $1 group, $2 actor, $3 topics. */
static const char ctx_sql[] =
    "SELECT json_build_object('found', g.group_id IS NOT NULL, 'type', g.type,"
    " 'support_topic', g.support_topic,"
    " 'role', (SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2),"
    " 'topics', (SELECT count(*) FROM group_topics WHERE group_id = $1),"
    " 'perm', CASE WHEN g.enable_permission THEN g.default_permission | COALESCE((SELECT"
    "   bit_or(p.permission) FROM permission_group_members m JOIN permission_groups p"
    "   ON p.group_id = m.group_id AND p.pg_id = m.pg_id WHERE m.group_id = $1"
    "   AND m.user_id = $2), 0) ELSE 0 END,"
    " 'known', (SELECT COALESCE(json_agg(topic_id), '[]') FROM group_topics WHERE group_id = $1"
    "   AND topic_id IN (SELECT jsonb_array_elements_text(COALESCE($3::jsonb, '[]')))))"
    " FROM (SELECT 1) AS one LEFT JOIN groups g ON g.group_id = $1";

/* $1 topic, $2 group, $3 name, $4 introduction, $5 notification, $6 face, $7 custom string,
 * $8 now, $9 most topics, $10 OptPlatform (NULL: no event), $11 ClientIP, $12 operator. The
 * group row's lock orders concurrent creations, so the limit holds. Views are inserted by
 * user_id, the key of conv_views. */
static const char create_sql[] =
    "WITH g AS (SELECT group_id FROM groups WHERE group_id = $2 FOR UPDATE),"
    " ok AS (SELECT g.group_id FROM g"
    "   WHERE (SELECT count(*) FROM group_topics WHERE group_id = $2) < $9::int),"
    " t AS (INSERT INTO group_topics (topic_id, group_id, name, introduction, notification,"
    "   face_url, custom_string, create_time, last_info_time)"
    "   SELECT $1, $2, $3, $4, $5, $6, $7, $8::bigint, $8::bigint FROM ok"
    "   ON CONFLICT (topic_id) DO NOTHING RETURNING *),"
    " v AS (INSERT INTO conv_views AS v (user_id, conv_key, group_id, recv_opt)"
    "   SELECT m.user_id, 'g:' || t.topic_id, t.topic_id, COALESCE(gv.recv_opt, 0)"
    "   FROM t JOIN group_members m ON m.group_id = $2"
    "   LEFT JOIN conv_views gv ON gv.user_id = m.user_id AND gv.conv_key = 'g:' || $2"
    "   ORDER BY m.user_id"
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET group_id = EXCLUDED.group_id,"
    "   read_seq = 0, deleted_seq = 0, hidden_seq = 0, recv_opt = EXCLUDED.recv_opt),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterCreateTopic', 'g:' || $2, $10::text, $11::text,"
    "   json_build_object('GroupId', $2::text, 'Type', 'Community', 'TopicId', t.topic_id,"
    "   'TopicName', t.name, 'Operator_Account', $12::text, 'CustomString', t.custom_string,"
    "   'FaceUrl', t.face_url, 'Introduction', t.introduction, 'Notification', t.notification,"
    "   'CreateTime', t.create_time)"
    "   FROM t WHERE $10::text IS NOT NULL)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g),"
    "   'full', EXISTS (SELECT 1 FROM g) AND NOT EXISTS (SELECT 1 FROM ok),"
    "   'created', EXISTS (SELECT 1 FROM t),"
    "   'topic', (SELECT " TOPIC_JSON " FROM t" TOPIC_CONV "))";

/* $1 group, $2 topics (NULL: all), $3 OptPlatform, $4 ClientIP, $5 operator. The members'
 * views go by their key (user_id, conv_key). */
static const char destroy_sql[] =
    "WITH t AS (DELETE FROM group_topics WHERE group_id = $1 AND ($2::jsonb IS NULL"
    "   OR topic_id IN (SELECT jsonb_array_elements_text($2::jsonb))) RETURNING topic_id, name),"
    " keys AS (SELECT 'g:' || topic_id AS k FROM t),"
    " v AS (DELETE FROM conv_views w USING group_members m, keys"
    "   WHERE m.group_id = $1 AND w.user_id = m.user_id AND w.conv_key = keys.k),"
    " cg AS (DELETE FROM conv_group_members x USING group_members m, keys"
    "   WHERE m.group_id = $1 AND x.user_id = m.user_id AND x.conv_key = keys.k),"
    " msg AS (DELETE FROM messages WHERE conv_key IN (SELECT k FROM keys)),"
    " hd AS (DELETE FROM msg_hidden WHERE conv_key IN (SELECT k FROM keys)),"
    " conv AS (DELETE FROM conversations WHERE conv_key IN (SELECT k FROM keys)),"
    " at AS (DELETE FROM group_at WHERE conv_key IN (SELECT k FROM keys)),"
    " tg AS (DELETE FROM msg_targets WHERE conv_key IN (SELECT k FROM keys)),"
    " rc AS (DELETE FROM msg_receipts WHERE conv_key IN (SELECT k FROM keys)),"
    " pq AS (DELETE FROM purge_queue WHERE conv_key IN (SELECT k FROM keys)),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterTopicDestroyed', 'g:' || $1, $3::text, $4::text,"
    "   json_build_object('GroupId', $1::text, 'Type', 'Community', 'TopicId', t.topic_id,"
    "   'TopicName', t.name, 'Operator_Account', $5::text)"
    "   FROM t WHERE $3::text IS NOT NULL ORDER BY t.topic_id)"
    " SELECT json_build_object('destroyed', (SELECT COALESCE(json_agg(topic_id"
    "   ORDER BY topic_id), '[]') FROM t))";

/* $1 group, $2 topic, $3 fields, $4 now, $5 OptPlatform, $6 ClientIP, $7 operator. */
static const char update_sql[] =
    "WITH f AS (SELECT $3::jsonb AS f),"
    " t AS (UPDATE group_topics t SET"
    "   name = COALESCE(f.f ->> 'name', t.name),"
    "   introduction = COALESCE(f.f ->> 'introduction', t.introduction),"
    "   notification = COALESCE(f.f ->> 'notification', t.notification),"
    "   face_url = COALESCE(f.f ->> 'face_url', t.face_url),"
    "   custom_string = COALESCE(f.f ->> 'custom_string', t.custom_string),"
    "   mute_all = COALESCE((f.f ->> 'mute_all')::bool, t.mute_all),"
    "   last_info_time = $4::bigint"
    "   FROM f WHERE t.group_id = $1 AND t.topic_id = $2 RETURNING t.*),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterTopicInfoChanged', 'g:' || $1, $5::text, $6::text,"
    "   json_strip_nulls(json_build_object('GroupId', $1::text, 'Type', 'Community',"
    "   'TopicId', $2::text, 'Operator_Account', $7::text, 'TopicName', f.f ->> 'name',"
    "   'Introduction', f.f ->> 'introduction', 'Notification', f.f ->> 'notification',"
    "   'FaceUrl', f.f ->> 'face_url', 'CustomString', f.f ->> 'custom_string',"
    "   'MuteAllMember', CASE WHEN f.f ? 'mute_all' THEN CASE WHEN (f.f ->> 'mute_all')::bool"
    "     THEN 'On' ELSE 'Off' END END))"
    "   FROM t, f WHERE $5::text IS NOT NULL)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM t),"
    "   'topic', (SELECT " TOPIC_JSON " FROM t" TOPIC_CONV "))";

/* $1 group, $2 topics (NULL: all), $3 viewer (NULL: none). */
static const char list_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'topics', (SELECT COALESCE(json_agg((" TOPIC_JSON "::jsonb || jsonb_build_object('self',"
    "   CASE WHEN v.user_id IS NULL THEN NULL ELSE jsonb_build_object('read_seq', v.read_seq,"
    "   'unread', " STORE_UNREAD_SQL("v", "c") ", 'recv_opt', v.recv_opt,"
    "   'draft_text', v.draft_text, 'mute_until', COALESCE((SELECT gm.mute_until"
    "     FROM group_members gm WHERE gm.group_id = $1 AND gm.user_id = $3), 0)) END))"
    "   ORDER BY t.create_time, t.topic_id), '[]')"
    "   FROM group_topics t" TOPIC_CONV
    "   LEFT JOIN conv_views v ON v.user_id = $3 AND v.conv_key = 'g:' || t.topic_id"
    "   WHERE t.group_id = $1 AND ($2::jsonb IS NULL"
    "   OR t.topic_id IN (SELECT jsonb_array_elements_text($2::jsonb)))))";

/* clang-format on */

static bool hook_on(const store_topic_hook_t *h)
{
    return h != NULL && h->origin != NULL;
}

static char *hook_platform(const store_topic_hook_t *h)
{
    return hook_on(h) ? store_str(h->origin->platform ? h->origin->platform : "RESTAPI") : NULL;
}

static char *hook_ip(const store_topic_hook_t *h)
{
    return store_str(hook_on(h) && h->origin->client_ip ? h->origin->client_ip : "");
}

static char *hook_op(const store_topic_hook_t *h)
{
    return store_str(hook_on(h) && h->operator_account ? h->operator_account : "");
}

void store_topic_ctx(db_pool_t *db, const char *group_id, const char *actor,
                     const char *topics_json, store_topic_fn cb, void *arg)
{
    store_run_json(db, "topic ctx", ctx_sql, 3,
                   (char *[]){store_str(group_id), store_str(actor), store_str(topics_json)}, cb,
                   arg);
}

void store_topic_create(db_pool_t *db, const store_topic_new_t *t, const store_topic_hook_t *hook,
                        store_topic_fn cb, void *arg)
{
    store_run_json(db, "topic create", create_sql, 12,
                   (char *[]){store_str(t->topic_id), store_str(t->group_id), store_str(t->name),
                              store_str(t->introduction ? t->introduction : ""),
                              store_str(t->notification ? t->notification : ""),
                              store_str(t->face_url ? t->face_url : ""),
                              store_str(t->custom_string ? t->custom_string : ""),
                              store_int(t->create_time), store_int(t->max_topics),
                              hook_platform(hook), hook_ip(hook), hook_op(hook)},
                   cb, arg);
}

void store_topic_destroy(db_pool_t *db, const char *group_id, const char *topics_json,
                         const store_topic_hook_t *hook, store_topic_fn cb, void *arg)
{
    store_run_json(db, "topic destroy", destroy_sql, 5,
                   (char *[]){store_str(group_id), store_str(topics_json), hook_platform(hook),
                              hook_ip(hook), hook_op(hook)},
                   cb, arg);
}

void store_topic_update(db_pool_t *db, const char *group_id, const char *topic_id,
                        const char *fields, int64_t now, const store_topic_hook_t *hook,
                        store_topic_fn cb, void *arg)
{
    store_run_json(db, "topic update", update_sql, 7,
                   (char *[]){store_str(group_id), store_str(topic_id), store_str(fields),
                              store_int(now), hook_platform(hook), hook_ip(hook), hook_op(hook)},
                   cb, arg);
}

void store_topic_list(db_pool_t *db, const char *group_id, const char *topics_json,
                      const char *viewer, store_topic_fn cb, void *arg)
{
    store_run_json(db, "topic list", list_sql, 3,
                   (char *[]){store_str(group_id), store_str(topics_json), store_str(viewer)}, cb,
                   arg);
}
