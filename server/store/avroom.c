/* Live-room bans and group counters (store/avroom.h). */
#include "store/avroom.h"

#include "store/internal.h"

/* clang-format off */

#define GROUP_OF(id) "(SELECT group_id, type, owner FROM groups WHERE group_id = " id ")"
#define FOUND_TYPE "'found', EXISTS (SELECT 1 FROM g), 'type', (SELECT type FROM g)"

/* $1 group, $2 [UserID], $3 now. */
static const char enrol_sql[] =
    "WITH g AS " GROUP_OF("$1") ","
    " ins AS (INSERT INTO group_members (group_id, user_id, join_time, msg_flag)"
    "   SELECT $1, a.user_id, $3::bigint, 'AcceptNotNotify' FROM accounts a, g"
    "   WHERE a.user_id IN (SELECT jsonb_array_elements_text($2::jsonb))"
    "   ON CONFLICT DO NOTHING RETURNING user_id)"
    " SELECT json_build_object(" FOUND_TYPE ","
    "   'enrolled', (SELECT COALESCE(json_agg(user_id), '[]') FROM ins))";

/* $1 group, $2 [UserID], $3 until, $4 description. */
static const char ban_sql[] =
    "WITH g AS " GROUP_OF("$1") ","
    " ins AS (INSERT INTO group_bans (group_id, user_id, banned_until, description)"
    "   SELECT $1, u, $3::bigint, $4 FROM g, jsonb_array_elements_text($2::jsonb) u"
    "   WHERE g.type = 'AVChatRoom'"
    "   ON CONFLICT (group_id, user_id) DO UPDATE SET banned_until = EXCLUDED.banned_until,"
    "     description = EXCLUDED.description RETURNING 1)"
    " SELECT json_build_object(" FOUND_TYPE ", 'banned', (SELECT count(*) FROM ins))";

static const char unban_sql[] =
    "WITH g AS " GROUP_OF("$1") ","
    " del AS (DELETE FROM group_bans b USING g WHERE b.group_id = g.group_id"
    "   AND g.type = 'AVChatRoom'"
    "   AND b.user_id IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING b.user_id)"
    " SELECT json_build_object(" FOUND_TYPE ","
    "   'unbanned', (SELECT COALESCE(json_agg(user_id), '[]') FROM del))";

/* $1 group, $2 now, $3 offset, $4 limit. One more row than asked says whether more follow. */
static const char bans_sql[] =
    "WITH g AS " GROUP_OF("$1") ","
    " page AS (SELECT user_id, banned_until FROM group_bans"
    "   WHERE group_id = $1 AND banned_until > $2::bigint"
    "   ORDER BY banned_until, user_id OFFSET $3::bigint LIMIT $4::bigint + 1)"
    " SELECT json_build_object(" FOUND_TYPE ","
    "   'bans', (SELECT COALESCE(json_agg(json_build_object('user', user_id, 'until',"
    "     banned_until) ORDER BY banned_until, user_id), '[]') FROM (SELECT * FROM page"
    "     ORDER BY banned_until, user_id LIMIT $4::bigint) p),"
    "   'more', (SELECT count(*) FROM page) > $4::bigint)";

/* $1 group, $2 user, $3 now. */
static const char join_ctx_sql[] =
    "WITH g AS " GROUP_OF("$1")
    " SELECT json_build_object(" FOUND_TYPE ", 'owner', (SELECT owner FROM g),"
    "   'role', (SELECT role FROM group_members WHERE group_id = $1 AND user_id = $2),"
    "   'banned_until', COALESCE((SELECT banned_until FROM group_bans WHERE group_id = $1"
    "     AND user_id = $2 AND banned_until > $3::bigint), 0))";

/* $1 group, $2 [UserID], $3 set, $4 most admins, $5 now. The group row's lock orders
 * concurrent changes, so the limit holds. */
static const char admins_sql[] =
    "WITH g AS (SELECT group_id, type, owner FROM groups WHERE group_id = $1 FOR UPDATE),"
    " who AS (SELECT a.user_id AS u FROM accounts a"
    "   WHERE a.user_id IN (SELECT jsonb_array_elements_text($2::jsonb))"
    "   AND a.user_id IS DISTINCT FROM (SELECT owner FROM g)),"
    " full_ AS (SELECT $3::bool AND (SELECT count(*) FROM (SELECT user_id FROM group_members"
    "   WHERE group_id = $1 AND role = 'Admin' UNION SELECT u FROM who) x) > $4::bigint AS f),"
    " up AS (INSERT INTO group_members AS m (group_id, user_id, join_time, msg_flag, role)"
    "   SELECT $1, u, $5::bigint, 'AcceptNotNotify', 'Admin' FROM who, g"
    "   WHERE $3::bool AND g.type = 'AVChatRoom' AND NOT (SELECT f FROM full_)"
    "   ON CONFLICT (group_id, user_id) DO UPDATE SET role = 'Admin'"
    "     WHERE m.role = 'Member' RETURNING m.user_id),"
    " down AS (UPDATE group_members m SET role = 'Member' FROM g WHERE NOT $3::bool"
    "   AND g.type = 'AVChatRoom' AND m.group_id = $1 AND m.role = 'Admin'"
    "   AND m.user_id IN (SELECT u FROM who) RETURNING m.user_id)"
    " SELECT json_build_object(" FOUND_TYPE ", 'full', (SELECT f FROM full_),"
    "   'changed', (SELECT COALESCE(json_agg(user_id), '[]') FROM"
    "     (SELECT user_id FROM up UNION ALL SELECT user_id FROM down) c))";

static const char admin_list_sql[] =
    "WITH g AS " GROUP_OF("$1")
    " SELECT json_build_object(" FOUND_TYPE ","
    "   'admins', (SELECT COALESCE(json_agg(json_build_object('user', m.user_id,"
    "     'nick', COALESCE(n.value #>> '{}', ''), 'face', COALESCE(f.value #>> '{}', ''))"
    "     ORDER BY m.join_time, m.user_id), '[]') FROM group_members m"
    "     LEFT JOIN profiles n ON n.user_id = m.user_id AND n.tag = 'Tag_Profile_IM_Nick'"
    "     LEFT JOIN profiles f ON f.user_id = m.user_id AND f.tag = 'Tag_Profile_IM_Image'"
    "     WHERE m.group_id = $1 AND m.role = 'Admin'))";

/* $1 group, $2 [key] or NULL. */
static const char counter_get_sql[] =
    "WITH g AS " GROUP_OF("$1")
    " SELECT json_build_object(" FOUND_TYPE ","
    "   'counters', (SELECT COALESCE(json_object_agg(key, value), '{}') FROM group_counters"
    "     WHERE group_id = $1 AND ($2::jsonb IS NULL"
    "       OR key IN (SELECT jsonb_array_elements_text($2::jsonb)))))";

/* $1 group, $2 {key: value}, $3 mode 0 set / 1 increase / 2 decrease, $4 most keys. The
 * group row's lock orders writers that add keys, so the key limit holds. */
static const char counter_update_sql[] =
    "WITH g AS (SELECT group_id, type FROM groups WHERE group_id = $1 FOR UPDATE),"
    " req AS (SELECT key, value::bigint AS v FROM jsonb_each_text($2::jsonb)),"
    " full_ AS (SELECT (SELECT count(*) FROM (SELECT key FROM group_counters WHERE group_id = $1"
    "   UNION SELECT key FROM req) k) > $4::bigint AS f),"
    " up AS (INSERT INTO group_counters AS c (group_id, key, value)"
    "   SELECT $1, req.key, CASE $3::int WHEN 2 THEN -req.v ELSE req.v END FROM req, g"
    "   WHERE NOT (SELECT f FROM full_)"
    "   ON CONFLICT (group_id, key) DO UPDATE SET value = CASE $3::int"
    "     WHEN 0 THEN EXCLUDED.value ELSE c.value + EXCLUDED.value END"
    "   RETURNING c.key, c.value)"
    " SELECT json_build_object(" FOUND_TYPE ", 'full', (SELECT f FROM full_),"
    "   'counters', (SELECT COALESCE(json_object_agg(key, value), '{}') FROM up))";

static const char counter_delete_sql[] =
    "WITH g AS " GROUP_OF("$1") ","
    " del AS (DELETE FROM group_counters WHERE group_id = $1 AND ($2::jsonb IS NULL"
    "   OR key IN (SELECT jsonb_array_elements_text($2::jsonb))) RETURNING key)"
    " SELECT json_build_object(" FOUND_TYPE ","
    "   'deleted', (SELECT COALESCE(json_agg(key ORDER BY key), '[]') FROM del))";

/* clang-format on */

void store_avroom_enrol(db_pool_t *db, const char *group_id, const char *users_json, int64_t now,
                        store_avroom_fn cb, void *arg)
{
    store_run_json(db, "avroom enrol", enrol_sql, 3,
                   (char *[]){store_str(group_id), store_str(users_json), store_int(now)}, cb, arg);
}

void store_avroom_ban(db_pool_t *db, const char *group_id, const char *users_json, int64_t until,
                      const char *description, store_avroom_fn cb, void *arg)
{
    store_run_json(db, "avroom ban", ban_sql, 4,
                   (char *[]){store_str(group_id), store_str(users_json), store_int(until),
                              store_str(description)},
                   cb, arg);
}

void store_avroom_unban(db_pool_t *db, const char *group_id, const char *users_json,
                        store_avroom_fn cb, void *arg)
{
    store_run_json(db, "avroom unban", unban_sql, 2,
                   (char *[]){store_str(group_id), store_str(users_json)}, cb, arg);
}

void store_avroom_bans(db_pool_t *db, const char *group_id, int64_t now, int64_t offset,
                       int64_t limit, store_avroom_fn cb, void *arg)
{
    store_run_json(
        db, "avroom bans", bans_sql, 4,
        (char *[]){store_str(group_id), store_int(now), store_int(offset), store_int(limit)}, cb,
        arg);
}

void store_avroom_join_ctx(db_pool_t *db, const char *group_id, const char *user, int64_t now,
                           store_avroom_fn cb, void *arg)
{
    store_run_json(db, "avroom join", join_ctx_sql, 3,
                   (char *[]){store_str(group_id), store_str(user), store_int(now)}, cb, arg);
}

void store_avroom_admins(db_pool_t *db, const char *group_id, const char *users_json, bool set,
                         int64_t max_admins, int64_t now, store_avroom_fn cb, void *arg)
{
    store_run_json(db, "avroom admins", admins_sql, 5,
                   (char *[]){store_str(group_id), store_str(users_json), store_bool(set),
                              store_int(max_admins), store_int(now)},
                   cb, arg);
}

void store_avroom_admin_list(db_pool_t *db, const char *group_id, store_avroom_fn cb, void *arg)
{
    store_run_json(db, "avroom admin list", admin_list_sql, 1, (char *[]){store_str(group_id)}, cb,
                   arg);
}

void store_counter_get(db_pool_t *db, const char *group_id, const char *keys_json,
                       store_avroom_fn cb, void *arg)
{
    store_run_json(db, "counter get", counter_get_sql, 2,
                   (char *[]){store_str(group_id), store_str(keys_json)}, cb, arg);
}

void store_counter_update(db_pool_t *db, const char *group_id, store_counter_mode_t mode,
                          const char *pairs_json, int64_t max_keys, store_avroom_fn cb, void *arg)
{
    store_run_json(db, "counter update", counter_update_sql, 4,
                   (char *[]){store_str(group_id), store_str(pairs_json), store_int(mode),
                              store_int(max_keys)},
                   cb, arg);
}

void store_counter_delete(db_pool_t *db, const char *group_id, const char *keys_json,
                          store_avroom_fn cb, void *arg)
{
    store_run_json(db, "counter delete", counter_delete_sql, 2,
                   (char *[]){store_str(group_id), store_str(keys_json)}, cb, arg);
}
