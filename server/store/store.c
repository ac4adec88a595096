/* Shared plumbing of the store: parameters as JSON arrays, result lists. */
#include "store/internal.h"

#include <string.h>

#include "core/log.h"
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

typedef struct {
    store_ids_fn cb;
    void *arg;
} ids_ctx_t;

static void on_ids(db_batch_t *b, err_t err, void *arg)
{
    ids_ctx_t *ctx = arg;
    store_ids_t ids = {0};
    if (err == ERR_OK)
        ids = store_ids_from(b, 0);
    ctx->cb(err, &ids, ctx->arg);
    xfree(ids.ids);
    xfree(ctx);
}

void store_submit_ids(db_pool_t *db, db_batch_t *b, store_ids_fn cb, void *arg)
{
    ids_ctx_t *ctx = XNEW(ids_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_ids, ctx);
}

void store_ping(db_pool_t *db, store_done_fn cb, void *arg)
{
    static const char sql[] = "SELECT 1";
    db_batch_t *b = db_batch_new();
    db_batch_add(b, sql, 0, NULL);
    store_submit_done(db, b, cb, arg);
}

char *store_str(const char *v)
{
    return v ? xstrdup(v) : NULL;
}

char *store_int(int64_t v)
{
    return xasprintf("%lld", (long long)v);
}

char *store_bool(bool v)
{
    return xstrdup(v ? "true" : "false");
}

int store_add(db_batch_t *b, const char *sql, int n, char **owned)
{
    int stmt = db_batch_add(b, sql, n, (const char *const *)owned);
    for (int i = 0; i < n; i++)
        xfree(owned[i]);
    return stmt;
}

typedef struct {
    const char *what;
    store_json_fn cb;
    void *arg;
} json_ctx_t;

static void on_json(db_batch_t *b, err_t err, void *arg)
{
    json_ctx_t *c = arg;
    json_t *doc = NULL;
    if (err == ERR_OK) {
        const char *text = db_batch_value(b, 0, 0, 0);
        doc = text ? json_loads(text, 0, NULL) : NULL;
        if (!json_is_object(doc)) {
            log_error("store: %s statement returned no document", c->what);
            json_decref(doc);
            doc = NULL;
            err = ERR_INTERNAL;
        }
    } else if (err == ERR_INTERNAL) {
        log_warn("store: %s statement failed: %s %s", c->what, db_batch_sqlstate(b),
                 db_batch_errmsg(b));
    }
    c->cb(err, doc, c->arg);
    json_decref(doc);
    xfree(c);
}

void store_run_json(db_pool_t *db, const char *what, const char *sql, int n, char **params,
                    store_json_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, sql, n, params);
    json_ctx_t *c = XNEW(json_ctx_t);
    c->what = what;
    c->cb = cb;
    c->arg = arg;
    db_pool_submit(db, b, on_json, c);
}
