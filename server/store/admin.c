/* Searches for the console (store/admin.h). Both walk the primary key from the cursor; with a
 * pattern PostgreSQL filters the rows it walks, so a rare match costs a longer walk: fine for
 * an operator's search, not for a hot path. */
#include "store/admin.h"

#include "core/xalloc.h"
#include "store/internal.h"

/* clang-format off */
static const char accounts_sql[] =
    "WITH page AS (SELECT a.user_id, a.created_at, n.value #>> '{}' AS nick,"
    "   f.value #>> '{}' AS face FROM accounts a"
    "   LEFT JOIN profiles n ON n.user_id = a.user_id AND n.tag = 'Tag_Profile_IM_Nick'"
    "   LEFT JOIN profiles f ON f.user_id = a.user_id AND f.tag = 'Tag_Profile_IM_Image'"
    "   WHERE a.user_id > $2 AND ($1::text IS NULL OR a.user_id LIKE $1"
    "     OR n.value #>> '{}' ILIKE $1)"
    "   ORDER BY a.user_id LIMIT $3::int)"
    " SELECT json_build_object('rows', coalesce(json_agg(json_build_object("
    "   'UserID', user_id, 'Nick', coalesce(nick, ''), 'FaceUrl', coalesce(face, ''),"
    "   'CreateTime', extract(epoch FROM created_at)::bigint) ORDER BY user_id), '[]'::json))"
    " FROM page";

static const char groups_sql[] =
    "WITH page AS (SELECT g.group_id, g.type, g.name, g.face_url, g.owner, g.create_time"
    "   FROM groups g WHERE g.group_id > $2 AND ($1::text IS NULL OR g.group_id LIKE $1"
    "     OR g.name ILIKE $1)"
    "   ORDER BY g.group_id LIMIT $3::int)"
    " SELECT json_build_object('rows', coalesce(json_agg(json_build_object("
    "   'GroupId', p.group_id, 'Type', p.type, 'Name', p.name, 'FaceUrl', p.face_url,"
    "   'Owner_Account', coalesce(p.owner, ''), 'CreateTime', p.create_time,"
    "   'MemberNum', (SELECT count(*) FROM group_members m WHERE m.group_id = p.group_id))"
    "   ORDER BY p.group_id), '[]'::json))"
    " FROM page p";
/* clang-format on */

typedef struct {
    store_admin_rows_fn cb;
    void *arg;
} rows_ctx_t;

static void on_rows(err_t err, json_t *doc, void *arg)
{
    rows_ctx_t *ctx = arg;
    ctx->cb(err, err == ERR_OK ? json_object_get(doc, "rows") : NULL, ctx->arg);
    xfree(ctx);
}

static void search(db_pool_t *db, const char *what, const char *sql, const char *pattern,
                   const char *after, int limit, store_admin_rows_fn cb, void *arg)
{
    rows_ctx_t *ctx = XNEW(rows_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    store_run_json(db, what, sql, 3,
                   (char *[]){store_str(pattern), store_str(after), store_int(limit)}, on_rows,
                   ctx);
}

void store_admin_accounts(db_pool_t *db, const char *pattern, const char *after, int limit,
                          store_admin_rows_fn cb, void *arg)
{
    search(db, "account search", accounts_sql, pattern, after, limit, cb, arg);
}

void store_admin_groups(db_pool_t *db, const char *pattern, const char *after, int limit,
                        store_admin_rows_fn cb, void *arg)
{
    search(db, "group search", groups_sql, pattern, after, limit, cb, arg);
}
