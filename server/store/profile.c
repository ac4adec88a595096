#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"
#include "store/webhook.h"

/* $1 user, $2 {tag: value}, $3 the Profile.CallbackPortraitSet body (NULL: no event), $4 its
 * OptPlatform, $5 its ClientIP. Returns (account exists, rows written). */
static const char set_sql[] =
    "WITH acct AS (SELECT user_id FROM accounts WHERE user_id = $1 FOR SHARE),"
    " ins AS (INSERT INTO profiles (user_id, tag, value)"
    "   SELECT acct.user_id, e.key, e.value FROM acct, jsonb_each($2::jsonb) AS e"
    "   ON CONFLICT (user_id, tag) DO UPDATE SET value = EXCLUDED.value RETURNING 1),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Profile.CallbackPortraitSet', 'u:' || acct.user_id, $4::text, $5::text,"
    "   $3::json FROM acct WHERE $3::text IS NOT NULL)"
    " SELECT (SELECT count(*) FROM acct), (SELECT count(*) FROM ins)";

static const char existing_sql[] =
    "SELECT user_id FROM accounts"
    " WHERE user_id IN (SELECT jsonb_array_elements_text($1::jsonb))";

static const char get_sql[] =
    "SELECT user_id, tag, value::text FROM profiles"
    " WHERE user_id IN (SELECT jsonb_array_elements_text($1::jsonb))"
    "   AND ($2::text IS NULL OR tag IN (SELECT jsonb_array_elements_text($2::jsonb)))";

/* $1 user: after a change, the whole profile and who hears of it (friends who have the user,
 * profile subscribers). */
static const char after_set_sql[] =
    "SELECT json_build_object("
    " 'profile', (SELECT COALESCE(json_object_agg(tag, value), '{}') FROM profiles"
    "   WHERE user_id = $1),"
    " 'watchers', (SELECT COALESCE(json_agg(DISTINCT u), '[]') FROM ("
    "   SELECT user_id FROM friends WHERE peer = $1"
    "   UNION SELECT user_id FROM profile_subscriptions WHERE target = $1) AS w(u)))::text";

typedef struct {
    store_profile_set_fn cb;
    void *arg;
} set_ctx_t;

static void on_set(db_batch_t *b, err_t err, void *arg)
{
    set_ctx_t *ctx = arg;
    json_t *doc = NULL;
    if (err == ERR_OK && db_batch_int(b, 0, 0, 0, 0) == 0)
        err = ERR_NOT_IMPORTED;
    if (err == ERR_OK) {
        doc = json_loads(db_batch_value(b, 1, 0, 0), 0, NULL);
        if (!json_is_object(doc))
            err = ERR_INTERNAL;
    }
    ctx->cb(err, json_object_get(doc, "profile"), json_object_get(doc, "watchers"), ctx->arg);
    json_decref(doc);
    xfree(ctx);
}

/* {Operator_Account, From_Account, ProfileItem: [{Tag, Value}]} in the request's tag order. */
static char *portrait_event(const char *operator_id, const char *user_id, const json_t *tags)
{
    json_t *items = json_array(), *value;
    const char *tag;
    json_object_foreach((json_t *)tags, tag, value)
        json_array_append_new(items, json_pack("{s:s, s:O}", "Tag", tag, "Value", value));
    json_t *body = json_pack("{s:s, s:s, s:o}", "Operator_Account", operator_id, "From_Account",
                             user_id, "ProfileItem", items);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

void store_profile_set(db_pool_t *db, const char *user_id, const json_t *tags,
                       const store_webhook_origin_t *hook, const char *operator_id,
                       store_profile_set_fn cb, void *arg)
{
    char *p_tags = json_dumps(tags, JSON_COMPACT);
    char *p_event =
        hook ? portrait_event(operator_id ? operator_id : user_id, user_id, tags) : NULL;
    const char *platform = hook && hook->platform ? hook->platform : "RESTAPI";
    const char *ip = hook && hook->client_ip ? hook->client_ip : "";
    db_batch_t *b = db_batch_new();
    db_batch_add(b, set_sql, 5, (const char *const[]){user_id, p_tags, p_event, platform, ip});
    db_batch_add(b, after_set_sql, 1, (const char *const[]){user_id});
    free(p_tags);
    free(p_event);
    set_ctx_t *ctx = XNEW(set_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_set, ctx);
}

typedef struct {
    store_profiles_fn cb;
    void *arg;
} get_ctx_t;

static json_t *collect_values(const db_batch_t *b, int stmt)
{
    json_t *users = json_object();
    for (int i = 0; i < db_batch_rows(b, stmt); i++) {
        const char *user = db_batch_value(b, stmt, i, 0);
        json_t *tags = json_object_get(users, user);
        if (tags == NULL) {
            tags = json_object();
            json_object_set_new(users, user, tags);
        }
        json_t *v = json_loads(db_batch_value(b, stmt, i, 2), JSON_DECODE_ANY, NULL);
        if (v != NULL)
            json_object_set_new(tags, db_batch_value(b, stmt, i, 1), v);
    }
    return users;
}

static void on_get(db_batch_t *b, err_t err, void *arg)
{
    get_ctx_t *ctx = arg;
    store_ids_t existing = {0};
    json_t *values = NULL;
    if (err == ERR_OK) {
        existing = store_ids_from(b, 0);
        values = collect_values(b, 1);
    }
    ctx->cb(err, &existing, values, ctx->arg);
    json_decref(values);
    xfree(existing.ids);
    xfree(ctx);
}

void store_profile_get(db_pool_t *db, const char *const *ids, size_t n, const char *const *tags,
                       size_t ntags, store_profiles_fn cb, void *arg)
{
    char *p_ids = store_json_array(ids, n);
    char *p_tags = tags ? store_json_array(tags, ntags) : NULL;
    db_batch_t *b = db_batch_new();
    db_batch_add(b, existing_sql, 1, (const char *const[]){p_ids});
    db_batch_add(b, get_sql, 2, (const char *const[]){p_ids, p_tags});
    free(p_ids);
    free(p_tags);
    get_ctx_t *ctx = XNEW(get_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_get, ctx);
}

/* $1 owner, $2 targets, $3 on. The table is the statement's own (no user input in its name). */
#define SUBSCRIBE_SQL(table)                                                                       \
    "WITH t AS (SELECT a.user_id FROM accounts a"                                                  \
    "   WHERE a.user_id IN (SELECT jsonb_array_elements_text($2::jsonb))"                          \
    "   AND EXISTS (SELECT 1 FROM accounts o WHERE o.user_id = $1)),"                              \
    " ins AS (INSERT INTO " table " (user_id, target) SELECT $1, user_id FROM t WHERE $3"          \
    "   AND user_id <> $1 ON CONFLICT DO NOTHING),"                                                \
    " del AS (DELETE FROM " table " s USING t WHERE NOT $3 AND s.user_id = $1"                     \
    "   AND s.target = t.user_id)"                                                                 \
    " SELECT user_id FROM t"

static const char profile_subscribe_sql[] = SUBSCRIBE_SQL("profile_subscriptions");
static const char status_subscribe_sql[] = SUBSCRIBE_SQL("status_subscriptions");

void store_subscriptions_set(db_pool_t *db, const char *kind, const char *owner,
                             const char *targets_json, bool on, store_ids_fn cb, void *arg)
{
    const char *sql = strcmp(kind, "status") == 0 ? status_subscribe_sql : profile_subscribe_sql;
    db_batch_t *b = db_batch_new();
    store_add(b, sql, 3, (char *[]){store_str(owner), store_str(targets_json), store_bool(on)});
    store_submit_ids(db, b, cb, arg);
}

/* ---- user status ---- */

#define STATUS_USERS(ids)                                                                          \
    "(SELECT COALESCE(json_agg(json_build_object('user', a.user_id, 'custom_status',"              \
    " COALESCE(us.custom_status, ''))), '[]') FROM accounts a"                                     \
    " LEFT JOIN user_status us ON us.user_id = a.user_id WHERE a.user_id IN (" ids "))"
#define STATUS_WATCHERS                                                                            \
    "(SELECT COALESCE(json_agg(user_id), '[]') FROM status_subscriptions WHERE target = $1)"

/* $1 user, $2 text (NULL: read only). */
static const char status_set_sql[] =
    "WITH up AS (INSERT INTO user_status (user_id, custom_status)"
    "   SELECT user_id, $2 FROM accounts WHERE user_id = $1 AND $2::text IS NOT NULL"
    "   ON CONFLICT (user_id) DO UPDATE SET custom_status = EXCLUDED.custom_status"
    "   RETURNING user_id, custom_status)"
    " SELECT json_build_object('users', (SELECT COALESCE(json_agg(json_build_object('user',"
    "   a.user_id, 'custom_status', COALESCE((SELECT custom_status FROM up),"
    "   us.custom_status, ''))), '[]') FROM accounts a LEFT JOIN user_status us"
    "   ON us.user_id = a.user_id WHERE a.user_id = $1),"
    " 'watchers', " STATUS_WATCHERS ")";

/* $1 [UserID]. */
static const char status_get_sql[] = "SELECT json_build_object('users', " STATUS_USERS(
    "SELECT jsonb_array_elements_text($1::jsonb)") ")";

typedef struct {
    store_status_fn cb;
    void *arg;
} status_ctx_t;

static void on_status(err_t err, json_t *doc, void *arg)
{
    status_ctx_t *ctx = arg;
    ctx->cb(err, json_object_get(doc, "users"), json_object_get(doc, "watchers"), ctx->arg);
    xfree(ctx);
}

static void submit_status(db_pool_t *db, const char *sql, int n, char **params, store_status_fn cb,
                          void *arg)
{
    status_ctx_t *ctx = XNEW(status_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    store_run_json(db, "status", sql, n, params, on_status, ctx);
}

void store_status_set(db_pool_t *db, const char *user_id, const char *custom_status,
                      store_status_fn cb, void *arg)
{
    submit_status(db, status_set_sql, 2, (char *[]){store_str(user_id), store_str(custom_status)},
                  cb, arg);
}

void store_status_get(db_pool_t *db, const char *ids_json, store_status_fn cb, void *arg)
{
    submit_status(db, status_get_sql, 1, (char *[]){store_str(ids_json)}, cb, arg);
}

/* ---- global receive option ---- */

#define DND_OBJ(d)                                                                                 \
    "json_build_object('opt', " d ".opt, 'start_hour', " d ".start_hour, 'start_minute', " d       \
    ".start_minute, 'start_second', " d ".start_second, 'start_ts', " d ".start_ts,"               \
    " 'duration', " d ".duration)"

/* $1 user, $2 opt, $3 hour, $4 minute, $5 second, $6 start_ts, $7 duration. */
static const char dnd_set_sql[] =
    "WITH up AS (INSERT INTO all_receive_opt AS d (user_id, opt, start_hour, start_minute,"
    "   start_second, start_ts, duration)"
    "   SELECT user_id, $2::int, $3::int, $4::int, $5::int, $6::bigint, $7::bigint FROM accounts"
    "   WHERE user_id = $1"
    "   ON CONFLICT (user_id) DO UPDATE SET opt = EXCLUDED.opt, start_hour = EXCLUDED.start_hour,"
    "   start_minute = EXCLUDED.start_minute, start_second = EXCLUDED.start_second,"
    "   start_ts = EXCLUDED.start_ts, duration = EXCLUDED.duration RETURNING d.*)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM up), 'setting',"
    "   (SELECT " DND_OBJ("up") " FROM up))";

/* $1 user. */
static const char dnd_get_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"
    " 'setting', COALESCE((SELECT " DND_OBJ(
        "d") " FROM all_receive_opt d WHERE d.user_id = $1),"
             "   json_build_object('opt', 0, 'start_hour', 0, 'start_minute', 0, 'start_second', 0,"
             "   'start_ts', 0, 'duration', 0)))";

typedef struct {
    store_dnd_fn cb;
    void *arg;
} dnd_ctx_t;

static void on_dnd(err_t err, json_t *doc, void *arg)
{
    dnd_ctx_t *ctx = arg;
    store_dnd_t d = {0};
    bool found = json_is_true(json_object_get(doc, "found"));
    json_t *s = json_object_get(doc, "setting");
    static const struct {
        const char *key;
        size_t offset;
    } fields[] = {
        {"opt", offsetof(store_dnd_t, opt)},
        {"start_hour", offsetof(store_dnd_t, start_hour)},
        {"start_minute", offsetof(store_dnd_t, start_minute)},
        {"start_second", offsetof(store_dnd_t, start_second)},
        {"start_ts", offsetof(store_dnd_t, start_ts)},
        {"duration", offsetof(store_dnd_t, duration)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *(int64_t *)((char *)&d + fields[i].offset) =
            (int64_t)json_integer_value(json_object_get(s, fields[i].key));
    ctx->cb(err, found, &d, ctx->arg);
    xfree(ctx);
}

static void submit_dnd(db_pool_t *db, const char *sql, int n, char **params, store_dnd_fn cb,
                       void *arg)
{
    dnd_ctx_t *ctx = XNEW(dnd_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    store_run_json(db, "dnd", sql, n, params, on_dnd, ctx);
}

void store_dnd_set(db_pool_t *db, const char *user_id, const store_dnd_t *d, store_dnd_fn cb,
                   void *arg)
{
    submit_dnd(db, dnd_set_sql, 7,
               (char *[]){store_str(user_id), store_int(d->opt), store_int(d->start_hour),
                          store_int(d->start_minute), store_int(d->start_second),
                          store_int(d->start_ts), store_int(d->duration)},
               cb, arg);
}

void store_dnd_get(db_pool_t *db, const char *user_id, store_dnd_fn cb, void *arg)
{
    submit_dnd(db, dnd_get_sql, 1, (char *[]){store_str(user_id)}, cb, arg);
}
