#include <stdlib.h>

#include "core/xalloc.h"
#include "store/internal.h"
#include "store/stats.h"

static const char import_accounts_sql[] =
    "INSERT INTO accounts (user_id)"
    " SELECT id FROM jsonb_array_elements_text($1::jsonb) AS id"
    " ON CONFLICT (user_id) DO NOTHING";

/* $1: [[user, tag, value], …] */
static const char upsert_profiles_sql[] =
    "INSERT INTO profiles (user_id, tag, value)"
    " SELECT e->>0, e->>1, e->2 FROM jsonb_array_elements($1::jsonb) AS e"
    " ON CONFLICT (user_id, tag) DO UPDATE SET value = EXCLUDED.value";

static const char existing_sql[] =
    "SELECT user_id FROM accounts"
    " WHERE user_id IN (SELECT jsonb_array_elements_text($1::jsonb))";

static const char delete_sql[] =
    "WITH d AS (DELETE FROM accounts"
    "   WHERE user_id IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING user_id),"
    " t AS (INSERT INTO deleted_accounts (user_id, deleted_at)"
    "   SELECT user_id, extract(epoch FROM now())::bigint FROM d"
    "   ON CONFLICT (user_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at)"
    " SELECT user_id FROM d";

/* $1 the imported ids: a UserID whose earlier account was deleted starts every one-to-one
 * conversation of that account after its last message. Scans messages only for such ids. */
static const char reimport_sql[] =
    "WITH back AS (DELETE FROM deleted_accounts d"
    "   WHERE d.user_id IN (SELECT jsonb_array_elements_text($1::jsonb)) RETURNING d.user_id)"
    " INSERT INTO conv_views AS v (user_id, conv_key, peer, read_seq, deleted_seq, hidden_seq)"
    " SELECT DISTINCT ON (b.user_id, m.conv_key) b.user_id, m.conv_key,"
    "   CASE WHEN m.sender = b.user_id THEN m.receiver ELSE m.sender END,"
    "   c.last_seq, c.last_seq, c.last_seq"
    " FROM back b JOIN messages m ON (m.sender = b.user_id OR m.receiver = b.user_id)"
    "   AND m.conv_key LIKE 'c:%'"
    " JOIN conversations c ON c.conv_key = m.conv_key"
    " ON CONFLICT (user_id, conv_key) DO NOTHING";

static void add_profile(json_t *rows, const char *user, const char *tag, const char *value)
{
    if (value != NULL)
        json_array_append_new(rows, json_pack("[sss]", user, tag, value));
}

typedef struct {
    store_done_fn cb;
    void *arg;
} import_ctx_t;

/* RegistUserNumOneDay counts the accounts the import created, not those it found. */
static void on_imported(db_batch_t *b, err_t err, void *arg)
{
    import_ctx_t ctx = *(import_ctx_t *)arg;
    xfree(arg);
    if (err == ERR_OK)
        stats_add(STATS_REGISTERED, db_batch_affected(b, 0));
    ctx.cb(err, ctx.arg);
}

void store_accounts_import(db_pool_t *db, const store_account_t *list, size_t n, store_done_fn cb,
                           void *arg)
{
    const char **ids = xcalloc(n ? n : 1, sizeof(char *));
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        ids[i] = list[i].user_id;
        add_profile(rows, list[i].user_id, "Tag_Profile_IM_Nick", list[i].nick);
        add_profile(rows, list[i].user_id, "Tag_Profile_IM_Image", list[i].face_url);
    }
    char *p_ids = store_json_array(ids, n);
    char *p_rows = json_dumps(rows, JSON_COMPACT);
    db_batch_t *b = db_batch_new();
    db_batch_add(b, import_accounts_sql, 1, (const char *const[]){p_ids});
    db_batch_add(b, reimport_sql, 1, (const char *const[]){p_ids});
    if (json_array_size(rows) > 0)
        db_batch_add(b, upsert_profiles_sql, 1, (const char *const[]){p_rows});
    free(p_ids);
    free(p_rows);
    json_decref(rows);
    xfree(ids);
    import_ctx_t *ctx = XNEW(import_ctx_t);
    *ctx = (import_ctx_t){cb, arg};
    db_pool_submit(db, b, on_imported, ctx);
}

static void submit_ids(db_pool_t *db, const char *sql, const char *const *ids, size_t n,
                       store_ids_fn cb, void *arg)
{
    char *p = store_json_array(ids, n);
    db_batch_t *b = db_batch_new();
    db_batch_add(b, sql, 1, (const char *const[]){p});
    free(p);
    store_submit_ids(db, b, cb, arg);
}

void store_accounts_existing(db_pool_t *db, const char *const *ids, size_t n, store_ids_fn cb,
                             void *arg)
{
    submit_ids(db, existing_sql, ids, n, cb, arg);
}

void store_accounts_delete(db_pool_t *db, const char *const *ids, size_t n, store_ids_fn cb,
                           void *arg)
{
    submit_ids(db, delete_sql, ids, n, cb, arg);
}
