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
