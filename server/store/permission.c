/* Community permission groups (store/permission.h). */
#include "store/permission.h"

#include <string.h>

#include "store/internal.h"

bool store_perm_view(const json_t *p, store_perm_t *out)
{
    memset(out, 0, sizeof *out);
    const json_t *id = json_object_get(p, "pg_id");
    if (!json_is_string(id))
        return false;
    *out = (store_perm_t){
        .pg_id = json_string_value(id),
        .name = json_string_value(json_object_get(p, "name")),
        .custom_string = json_string_value(json_object_get(p, "custom_string")),
        .permission = (int64_t)json_integer_value(json_object_get(p, "permission")),
        .member_count = (int64_t)json_integer_value(json_object_get(p, "member_count")),
        .create_time = (int64_t)json_integer_value(json_object_get(p, "create_time")),
    };
    return true;
}

/* clang-format off */

/* The permission group row p. */
#define PG_JSON                                                                                    \
    "json_build_object('pg_id', p.pg_id, 'name', p.name, 'custom_string', p.custom_string,"        \
    " 'permission', p.permission, 'create_time', p.create_time, 'member_count', (SELECT count(*)"  \
    " FROM permission_group_members x WHERE x.group_id = p.group_id AND x.pg_id = p.pg_id))"

/* $1 group, $2 actor, $3 permission group. */
static const char ctx_sql[] =
    "SELECT json_build_object('found', g.group_id IS NOT NULL, 'type', g.type,"
    " 'enable_permission', g.enable_permission, 'default_permission', g.default_permission,"
    " 'role', (SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2),"
    " 'bits', (SELECT COALESCE(bit_or(p.permission), 0) FROM permission_group_members m"
    "   JOIN permission_groups p ON p.group_id = m.group_id AND p.pg_id = m.pg_id"
    "   WHERE m.group_id = $1 AND m.user_id = $2),"
    " 'pg', EXISTS (SELECT 1 FROM permission_groups WHERE group_id = $1 AND pg_id = $3),"
    " 'pgs', (SELECT count(*) FROM permission_groups WHERE group_id = $1))"
    " FROM (SELECT 1) AS one LEFT JOIN groups g ON g.group_id = $1";

/* $1 group, $2 id, $3 name, $4 custom, $5 permission, $6 now, $7 max. The group row's lock
 * orders concurrent creations, so the limit holds. */
static const char create_sql[] =
    "WITH g AS (SELECT group_id FROM groups WHERE group_id = $1 FOR UPDATE),"
    " ok AS (SELECT group_id FROM g"
    "   WHERE (SELECT count(*) FROM permission_groups WHERE group_id = $1) < $7::int),"
    " p AS (INSERT INTO permission_groups (group_id, pg_id, name, custom_string, permission,"
    "   create_time) SELECT $1, $2, $3, $4, $5::bigint, $6::bigint FROM ok"
    "   ON CONFLICT DO NOTHING RETURNING *)"
    " SELECT json_build_object('created', EXISTS (SELECT 1 FROM p),"
    "   'full', NOT EXISTS (SELECT 1 FROM ok),"
    "   'pg', (SELECT json_build_object('pg_id', p.pg_id, 'name', p.name, 'custom_string',"
    "     p.custom_string, 'permission', p.permission, 'create_time', p.create_time,"
    "     'member_count', 0) FROM p))";

static const char destroy_sql[] =
    "WITH d AS (DELETE FROM permission_groups WHERE group_id = $1"
    "   AND pg_id IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING pg_id)"
    " SELECT json_build_object('destroyed', (SELECT COALESCE(json_agg(pg_id ORDER BY pg_id),"
    "   '[]') FROM d))";

/* $1 group, $2 pg, $3 fields. */
static const char update_sql[] =
    "WITH f AS (SELECT $3::jsonb AS f),"
    " p AS (UPDATE permission_groups p SET name = COALESCE(f.f ->> 'name', p.name),"
    "   custom_string = COALESCE(f.f ->> 'custom_string', p.custom_string),"
    "   permission = COALESCE((f.f ->> 'permission')::bigint, p.permission)"
    "   FROM f WHERE p.group_id = $1 AND p.pg_id = $2 RETURNING p.*)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM p),"
    "   'pg', (SELECT " PG_JSON " FROM p))";

/* $1 group, $2 ids (NULL: a page), $3 member (NULL: any), $4 after, $5 limit. */
static const char list_sql[] =
    "WITH page AS (SELECT * FROM permission_groups p WHERE p.group_id = $1"
    "   AND ($2::jsonb IS NULL OR p.pg_id IN (SELECT jsonb_array_elements_text($2::jsonb)))"
    "   AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM permission_group_members m"
    "     WHERE m.group_id = p.group_id AND m.pg_id = p.pg_id AND m.user_id = $3))"
    "   AND ($4::text IS NULL OR p.pg_id > $4) ORDER BY p.pg_id LIMIT $5::bigint + 1)"
    " SELECT json_build_object('pgs', (SELECT COALESCE(json_agg(q.j ORDER BY q.pg_id), '[]')"
    "   FROM (SELECT " PG_JSON " AS j, p.pg_id FROM page p ORDER BY p.pg_id LIMIT $5::bigint) q),"
    "   'more', (SELECT count(*) FROM page) > $5::bigint)";

/* $1 group, $2 pg, $3 users, $4 add, $5 now. */
static const char members_sql[] =
    "WITH p AS (SELECT pg_id FROM permission_groups WHERE group_id = $1 AND pg_id = $2),"
    " want AS (SELECT u, o FROM jsonb_array_elements_text($3::jsonb) WITH ORDINALITY AS x(u, o)),"
    " cls AS (SELECT w.u, w.o, EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = $1"
    "     AND m.user_id = w.u) AS member,"
    "   EXISTS (SELECT 1 FROM permission_group_members m WHERE m.group_id = $1"
    "     AND m.pg_id = $2 AND m.user_id = w.u) AS inside FROM want w, p),"
    " ins AS (INSERT INTO permission_group_members (group_id, pg_id, user_id, join_time)"
    "   SELECT DISTINCT $1, $2, c.u, $5::bigint FROM cls c WHERE $4::bool AND c.member"
    "   AND NOT c.inside ON CONFLICT DO NOTHING),"
    " del AS (DELETE FROM permission_group_members m USING cls c WHERE NOT $4::bool"
    "   AND m.group_id = $1 AND m.pg_id = $2 AND m.user_id = c.u)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM p),"
    "   'results', (SELECT COALESCE(json_agg(json_build_object('user', c.u, 'status',"
    "     CASE WHEN $4::bool THEN CASE WHEN c.inside THEN 'already'"
    "       WHEN c.member THEN 'added' ELSE 'not_member' END"
    "     WHEN c.inside THEN 'removed' ELSE 'absent' END) ORDER BY c.o), '[]') FROM cls c))";

/* $1 group, $2 pg, $3 after, $4 limit. */
static const char member_list_sql[] =
    "WITH page AS (SELECT user_id FROM permission_group_members WHERE group_id = $1"
    "   AND pg_id = $2 AND ($3::text IS NULL OR user_id > $3)"
    "   ORDER BY user_id LIMIT $4::bigint + 1)"
    " SELECT json_build_object("
    "   'found', EXISTS (SELECT 1 FROM permission_groups WHERE group_id = $1 AND pg_id = $2),"
    "   'members', (SELECT COALESCE(json_agg(q.user_id ORDER BY q.user_id), '[]') FROM"
    "     (SELECT user_id FROM page ORDER BY user_id LIMIT $4::bigint) q),"
    "   'more', (SELECT count(*) FROM page) > $4::bigint)";

/* $1 group, $2 pg, $3 mode, $4 [[TopicId, permission]]. */
static const char topics_sql[] =
    "WITH p AS (SELECT pg_id FROM permission_groups WHERE group_id = $1 AND pg_id = $2),"
    " req AS (SELECT x ->> 0 AS topic, (x ->> 1)::bigint AS perm, o"
    "   FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS r(x, o)),"
    " cls AS (SELECT r.*, EXISTS (SELECT 1 FROM group_topics t WHERE t.topic_id = r.topic"
    "     AND t.group_id = $1) AS topic_ok,"
    "   (SELECT tp.permission FROM topic_permissions tp WHERE tp.group_id = $1"
    "     AND tp.pg_id = $2 AND tp.topic_id = r.topic) AS cur FROM req r, p),"
    " ins AS (INSERT INTO topic_permissions (group_id, pg_id, topic_id, permission)"
    "   SELECT DISTINCT ON (c.topic) $1, $2, c.topic, c.perm FROM cls c"
    "   WHERE $3 = 'add' AND c.topic_ok AND c.cur IS NULL ORDER BY c.topic, c.o"
    "   ON CONFLICT DO NOTHING),"
    " upd AS (UPDATE topic_permissions tp SET permission = c.perm FROM cls c"
    "   WHERE $3 = 'set' AND c.cur IS NOT NULL AND tp.group_id = $1 AND tp.pg_id = $2"
    "   AND tp.topic_id = c.topic),"
    " del AS (DELETE FROM topic_permissions tp USING cls c WHERE $3 = 'delete'"
    "   AND tp.group_id = $1 AND tp.pg_id = $2 AND tp.topic_id = c.topic)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM p), 'mode', $3::text,"
    "   'results', (SELECT COALESCE(json_agg(json_build_object('topic', c.topic,"
    "     'permission', c.cur, 'status', CASE WHEN NOT c.topic_ok THEN 'no_topic'"
    "     WHEN $3 = 'add' AND c.cur IS NOT NULL THEN 'exists'"
    "     WHEN $3 IN ('set', 'delete', 'get') AND c.cur IS NULL THEN 'absent'"
    "     ELSE 'ok' END) ORDER BY c.o), '[]') FROM cls c))";

/* clang-format on */

void store_perm_ctx(db_pool_t *db, const char *group_id, const char *actor, const char *pg_id,
                    store_perm_fn cb, void *arg)
{
    store_run_json(db, "perm ctx", ctx_sql, 3,
                   (char *[]){store_str(group_id), store_str(actor), store_str(pg_id)}, cb, arg);
}

void store_perm_create(db_pool_t *db, const char *group_id, const store_perm_t *p, int max,
                       store_perm_fn cb, void *arg)
{
    store_run_json(db, "perm create", create_sql, 7,
                   (char *[]){store_str(group_id), store_str(p->pg_id), store_str(p->name),
                              store_str(p->custom_string ? p->custom_string : ""),
                              store_int(p->permission), store_int(p->create_time), store_int(max)},
                   cb, arg);
}

void store_perm_destroy(db_pool_t *db, const char *group_id, const char *ids_json, store_perm_fn cb,
                        void *arg)
{
    store_run_json(db, "perm destroy", destroy_sql, 2,
                   (char *[]){store_str(group_id), store_str(ids_json)}, cb, arg);
}

void store_perm_update(db_pool_t *db, const char *group_id, const char *pg_id, const char *fields,
                       store_perm_fn cb, void *arg)
{
    store_run_json(db, "perm update", update_sql, 3,
                   (char *[]){store_str(group_id), store_str(pg_id), store_str(fields)}, cb, arg);
}

void store_perm_list(db_pool_t *db, const char *group_id, const char *ids_json, const char *member,
                     const char *after, int64_t limit, store_perm_fn cb, void *arg)
{
    store_run_json(db, "perm list", list_sql, 5,
                   (char *[]){store_str(group_id), store_str(ids_json), store_str(member),
                              store_str(after), store_int(limit)},
                   cb, arg);
}

void store_perm_members(db_pool_t *db, const char *group_id, const char *pg_id,
                        const char *users_json, bool add, int64_t now, store_perm_fn cb, void *arg)
{
    store_run_json(db, "perm members", members_sql, 5,
                   (char *[]){store_str(group_id), store_str(pg_id), store_str(users_json),
                              store_bool(add), store_int(now)},
                   cb, arg);
}

void store_perm_member_list(db_pool_t *db, const char *group_id, const char *pg_id,
                            const char *after, int64_t limit, store_perm_fn cb, void *arg)
{
    store_run_json(
        db, "perm member list", member_list_sql, 4,
        (char *[]){store_str(group_id), store_str(pg_id), store_str(after), store_int(limit)}, cb,
        arg);
}

void store_perm_topics(db_pool_t *db, const char *group_id, const char *pg_id, const char *mode,
                       const char *data_json, store_perm_fn cb, void *arg)
{
    store_run_json(
        db, "perm topics", topics_sql, 4,
        (char *[]){store_str(group_id), store_str(pg_id), store_str(mode), store_str(data_json)},
        cb, arg);
}
