/* Shared plumbing of the store: parameters as JSON arrays, result lists. */
#include "store/internal.h"

#include <string.h>

#include "core/xalloc.h"

char *store_json_array(const char *const *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

bool store_ids_has(const store_ids_t *ids, const char *id)
{
    for (size_t i = 0; i < ids->n; i++)
        if (strcmp(ids->ids[i], id) == 0)
            return true;
    return false;
}

store_ids_t store_ids_from(const db_batch_t *b, int stmt)
{
    store_ids_t ids = {.n = (size_t)db_batch_rows(b, stmt)};
    ids.ids = xcalloc(ids.n ? ids.n : 1, sizeof(char *));
    for (size_t i = 0; i < ids.n; i++)
        ids.ids[i] = db_batch_value(b, stmt, (int)i, 0);
    return ids;
}

typedef struct {
    store_done_fn cb;
    void *arg;
} done_ctx_t;

static void on_done(db_batch_t *b, err_t err, void *arg)
{
    done_ctx_t *ctx = arg;
    ctx->cb(err, ctx->arg);
    xfree(ctx);
}

void store_submit_done(db_pool_t *db, db_batch_t *b, store_done_fn cb, void *arg)
{
    done_ctx_t *ctx = XNEW(done_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_done, ctx);
}

void store_ping(db_pool_t *db, store_done_fn cb, void *arg)
{
    static const char sql[] = "SELECT 1";
    db_batch_t *b = db_batch_new();
    db_batch_add(b, sql, 0, NULL);
    store_submit_done(db, b, cb, arg);
}
