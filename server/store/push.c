#include "store/push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"

const char *store_push_provider(const char *platform)
{
    return platform && (strcmp(platform, "iPhone") == 0 || strcmp(platform, "iPad") == 0)
               ? STORE_PUSH_APNS
               : STORE_PUSH_FCM;
}

/* $1 user, $2 platform, $3 businessID, $4 token ('' unbinds), $5 provider. One row: whether
 * the user is an account. */
static const char bind_sql[] =
    "WITH acc AS (SELECT user_id FROM accounts WHERE user_id = $1),"
    " del AS (DELETE FROM push_tokens WHERE $4 = '' AND user_id = $1 AND platform = $2),"
    " up AS (INSERT INTO push_tokens AS t (user_id, platform, business_id, token, provider)"
    "  SELECT user_id, $2, $3::bigint, $4, $5 FROM acc WHERE $4 <> ''"
    "  ON CONFLICT (user_id, platform) DO UPDATE SET business_id = EXCLUDED.business_id,"
    "   token = EXCLUDED.token, provider = EXCLUDED.provider,"
    "   updated_at = (extract(epoch FROM now()) * 1000)::bigint)"
    " SELECT EXISTS (SELECT 1 FROM acc)";

static const char unbind_sql[] = "DELETE FROM push_tokens WHERE user_id = $1 AND platform = $2";

static const char drop_sql[] =
    "DELETE FROM push_tokens WHERE user_id = $1 AND platform = $2 AND token = $3";

typedef struct {
    store_push_bind_fn bind;
    store_done_fn done;
    void *arg;
} ctx_t;

static ctx_t *ctx_new(void *arg)
{
    ctx_t *c = XNEW(ctx_t);
    c->arg = arg;
    return c;
}

static void on_bind(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    const char *v = err == ERR_OK ? db_batch_value(b, 0, 0, 0) : NULL;
    bool found = v && strcmp(v, "t") == 0;
    c->bind(err, found, c->arg);
    xfree(c);
}

void store_push_bind(db_pool_t *db, const char *user_id, const char *platform, int64_t business_id,
                     const char *token, store_push_bind_fn cb, void *arg)
{
    char p_bid[24];
    snprintf(p_bid, sizeof p_bid, "%lld", (long long)business_id);
    db_batch_t *b = db_batch_new();
    db_batch_add(
        b, bind_sql, 5,
        (const char *const[]){user_id, platform, p_bid, token, store_push_provider(platform)});
    ctx_t *c = ctx_new(arg);
    c->bind = cb;
    db_pool_submit(db, b, on_bind, c);
}

static void on_done(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    if (c->done)
        c->done(err, c->arg);
    xfree(c);
}

static void submit_done(db_pool_t *db, const char *sql, int n, const char *const *params,
                        store_done_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, sql, n, params);
    ctx_t *c = ctx_new(arg);
    c->done = cb;
    db_pool_submit(db, b, on_done, c);
}

void store_push_unbind(db_pool_t *db, const char *user_id, const char *platform, store_done_fn cb,
                       void *arg)
{
    submit_done(db, unbind_sql, 2, (const char *const[]){user_id, platform}, cb, arg);
}

void store_push_drop_token(db_pool_t *db, const char *user_id, const char *platform,
                           const char *token, store_done_fn cb, void *arg)
{
    submit_done(db, drop_sql, 3, (const char *const[]){user_id, platform, token}, cb, arg);
}

/* ---- push to all users ---- */

/* Users of request list `list` (an expression of UserIDs) that are no account. */
#define MISSING_SQL(list)                                                                          \
    "(SELECT COALESCE(json_agg(DISTINCT x.u), '[]') FROM " list " AS x(u)"                         \
    " WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = x.u))"
#define USERS_OF_ITEMS "(SELECT e->>'To_Account' FROM jsonb_array_elements($1::jsonb) e)"
#define USERS_OF_LIST "jsonb_array_elements_text($1::jsonb)"

/* Condition c (jsonb, NULL: everybody) holds for user expression u (reference §2.3). */
#define COND_SQL(c, u)                                                                             \
    "(" c " IS NULL OR ("                                                                          \
    " (NOT " c " ? 'AttrsAnd' OR NOT EXISTS (SELECT 1 FROM jsonb_each_text(" c "->'AttrsAnd') x"   \
    "   WHERE NOT EXISTS (SELECT 1 FROM push_user_attrs a WHERE a.user_id = " u                    \
    "   AND a.name = x.key AND a.value = x.value)))"                                               \
    " AND (NOT " c " ? 'AttrsOr' OR EXISTS (SELECT 1 FROM jsonb_each_text(" c "->'AttrsOr') x"     \
    "   JOIN push_user_attrs a ON a.user_id = " u " AND a.name = x.key AND a.value = x.value))"    \
    " AND (NOT " c " ? 'TagsAnd' OR NOT EXISTS (SELECT 1 FROM"                                     \
    "   jsonb_array_elements_text(" c "->'TagsAnd') x(t) WHERE NOT EXISTS (SELECT 1 FROM"          \
    "   push_user_tags g WHERE g.user_id = " u " AND g.tag = x.t)))"                               \
    " AND (NOT " c " ? 'TagsOr' OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(" c             \
    "   ->'TagsOr') x(t) JOIN push_user_tags g ON g.user_id = " u " AND g.tag = x.t))))"

/* clang-format off */
static const char *const push_sql[STORE_PUSH_NOPS] = {
    [STORE_PUSH_SET_ATTR_NAMES] =
        "WITH up AS (INSERT INTO push_attr_names AS p (slot, name)"
        "  SELECT key::smallint, value FROM jsonb_each_text($1::jsonb)"
        "  ON CONFLICT (slot) DO UPDATE SET name = EXCLUDED.name RETURNING 1)"
        " SELECT json_build_object('set', (SELECT count(*) FROM up))",
    [STORE_PUSH_GET_ATTR_NAMES] =
        "SELECT json_build_object('AttrNames', COALESCE((SELECT json_object_agg(slot::text, name"
        " ORDER BY slot) FROM push_attr_names), '{}'::json)) FROM (SELECT $1::jsonb) AS unused",
    [STORE_PUSH_GET_ATTRS] =
        "SELECT json_build_object('UserAttrs', COALESCE((SELECT json_agg(json_build_object("
        "  'To_Account', x.u, 'Attrs', COALESCE((SELECT json_object_agg(a.name, a.value"
        "  ORDER BY a.name) FROM push_user_attrs a WHERE a.user_id = x.u), '{}'::json))"
        "  ORDER BY x.o) FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS x(u, o)),"
        "  '[]'::json), 'missing', " MISSING_SQL(USERS_OF_LIST) ")",
    [STORE_PUSH_SET_ATTRS] =
        "WITH r AS (SELECT e->>'To_Account' AS u, a.key, a.value FROM jsonb_array_elements($1::jsonb) e"
        "  CROSS JOIN LATERAL jsonb_each_text(e->'Attrs') a),"
        " bad AS (SELECT DISTINCT key FROM r WHERE key NOT IN (SELECT name FROM push_attr_names)),"
        " missing AS (SELECT " MISSING_SQL(USERS_OF_ITEMS) " AS m),"
        " up AS (INSERT INTO push_user_attrs AS p (user_id, name, value)"
        "  SELECT DISTINCT ON (u, key) u, key, value FROM r"
        "  WHERE NOT EXISTS (SELECT 1 FROM bad) AND (SELECT json_array_length(m) FROM missing) = 0"
        "  ON CONFLICT (user_id, name) DO UPDATE SET value = EXCLUDED.value RETURNING 1)"
        " SELECT json_build_object('bad_names', (SELECT COALESCE(json_agg(key), '[]') FROM bad),"
        "  'missing', (SELECT m FROM missing), 'set', (SELECT count(*) FROM up))",
    [STORE_PUSH_REMOVE_ATTRS] =
        "WITH gone AS (DELETE FROM push_user_attrs p USING jsonb_array_elements($1::jsonb) e"
        "  WHERE p.user_id = e->>'To_Account' AND (e->'Attrs' ? p.name) RETURNING 1)"
        " SELECT json_build_object('missing', " MISSING_SQL(USERS_OF_ITEMS) ","
        "  'removed', (SELECT count(*) FROM gone))",
    [STORE_PUSH_GET_TAGS] =
        "SELECT json_build_object('UserTags', COALESCE((SELECT json_agg(json_build_object("
        "  'To_Account', x.u, 'Tags', COALESCE((SELECT json_agg(g.tag ORDER BY g.tag)"
        "  FROM push_user_tags g WHERE g.user_id = x.u), '[]'::json)) ORDER BY x.o)"
        "  FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS x(u, o)), '[]'::json),"
        "  'missing', " MISSING_SQL(USERS_OF_LIST) ")",
    [STORE_PUSH_ADD_TAGS] =
        "WITH r AS (SELECT DISTINCT e->>'To_Account' AS u, t.tag FROM jsonb_array_elements($1::jsonb) e"
        "  CROSS JOIN LATERAL jsonb_array_elements_text(e->'Tags') AS t(tag)),"
        " missing AS (SELECT " MISSING_SQL(USERS_OF_ITEMS) " AS m),"
        " over AS (SELECT u FROM (SELECT u, tag FROM r UNION SELECT g.user_id, g.tag FROM"
        "  push_user_tags g WHERE g.user_id IN (SELECT u FROM r)) AS a GROUP BY u"
        "  HAVING count(*) > 100),"
        " up AS (INSERT INTO push_user_tags (user_id, tag) SELECT u, tag FROM r"
        "  WHERE NOT EXISTS (SELECT 1 FROM over) AND (SELECT json_array_length(m) FROM missing) = 0"
        "  ON CONFLICT DO NOTHING RETURNING 1)"
        " SELECT json_build_object('missing', (SELECT m FROM missing),"
        "  'over', (SELECT COALESCE(json_agg(u), '[]') FROM over), 'added', (SELECT count(*) FROM up))",
    [STORE_PUSH_REMOVE_TAGS] =
        "WITH gone AS (DELETE FROM push_user_tags g USING jsonb_array_elements($1::jsonb) e"
        "  WHERE g.user_id = e->>'To_Account' AND (e->'Tags' ? g.tag) RETURNING 1)"
        " SELECT json_build_object('missing', " MISSING_SQL(USERS_OF_ITEMS) ","
        "  'removed', (SELECT count(*) FROM gone))",
    [STORE_PUSH_REMOVE_ALL_TAGS] =
        "WITH gone AS (DELETE FROM push_user_tags g"
        "  WHERE g.user_id IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING 1)"
        " SELECT json_build_object('missing', " MISSING_SQL(USERS_OF_LIST) ","
        "  'removed', (SELECT count(*) FROM gone))",
    [STORE_PUSH_PUSH] =
        "WITH old AS (SELECT task_id FROM push_jobs WHERE random = ($1::jsonb->>'random')::bigint"
        "  AND created_at > (extract(epoch FROM now()) * 1000)::bigint - 604800000"
        "  ORDER BY created_at LIMIT 1),"
        " ins AS (INSERT INTO push_jobs (task_id, random, condition, notice)"
        "  SELECT $1::jsonb->>'task_id', ($1::jsonb->>'random')::bigint, $1::jsonb->'condition',"
        "  $1::jsonb->'notice' WHERE NOT EXISTS (SELECT 1 FROM old) RETURNING task_id)"
        " SELECT json_build_object('TaskId', COALESCE((SELECT task_id FROM old),"
        "  (SELECT task_id FROM ins)), 'new', EXISTS (SELECT 1 FROM ins))",
    /* One page of the oldest open task: the next `page` users (in UserID order after the
     * cursor) that have a binding and match the condition; one notification per binding. */
    [STORE_PUSH_JOB_STEP] =
        "WITH j AS (SELECT * FROM push_jobs WHERE NOT done ORDER BY created_at LIMIT 1"
        "  FOR UPDATE SKIP LOCKED),"
        " page AS (SELECT DISTINCT t.user_id FROM push_tokens t, j WHERE t.user_id > j.cursor"
        "  AND " COND_SQL("j.condition", "t.user_id")
        "  ORDER BY t.user_id LIMIT ($1::jsonb->>'page')::int),"
        " ins AS (INSERT INTO push_outbox (command, order_key, platform, body)"
        "  SELECT t.provider, 'u:' || t.user_id, t.platform, json_build_object("
        "   'provider', t.provider, 'token', t.token, 'businessID', t.business_id,"
        "   'platform', t.platform, 'userID', t.user_id, 'sender', j.notice->>'sender',"
        "   'groupID', NULL, 'conversationID', NULL, 'msgID', NULL, 'taskID', j.task_id,"
        "   'title', j.notice->>'title', 'desc', j.notice->>'desc', 'ext', j.notice->>'ext',"
        "   'androidInfo', j.notice->'androidInfo', 'apnsInfo', j.notice->'apnsInfo',"
        "   'badge', NULL)"
        "  FROM j CROSS JOIN page p JOIN push_tokens t ON t.user_id = p.user_id"
        "  WHERE j.notice->'providers' ? t.provider"
        "   AND NOT " STORE_PUSH_DND_SQL("t.user_id", "($1::jsonb->>'now')::bigint")
        "  ORDER BY t.user_id RETURNING 1),"
        " up AS (UPDATE push_jobs SET cursor = COALESCE((SELECT max(user_id) FROM page), cursor),"
        "  queued = queued + (SELECT count(*) FROM ins),"
        "  done = (SELECT count(*) FROM page) < ($1::jsonb->>'page')::int"
        "  WHERE task_id = (SELECT task_id FROM j) RETURNING task_id, done)"
        " SELECT json_build_object('task', (SELECT task_id FROM up), 'done', (SELECT done FROM up),"
        "  'queued', (SELECT count(*) FROM ins))",
};
/* clang-format on */

void store_push_run(db_pool_t *db, store_push_op_t op, const char *request_json,
                    store_push_doc_fn cb, void *arg)
{
    store_run_json(db, "push", push_sql[op], 1, (char *[]){xstrdup(request_json)}, cb, arg);
}
