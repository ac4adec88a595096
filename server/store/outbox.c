#include "store/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/xalloc.h"
#include "store/internal.h"

#define NOW_MS STORE_OUTBOX_NOW_MS
#define EVENT_BODY STORE_OUTBOX_EVENT_BODY

/* The statements below are written once, for a table called OUTBOX; each outbox gets its own
 * copy with its table's name, made on first use (and kept for the process's life). */
static const char *const tables[STORE_OUTBOX_NKINDS] = {
    [STORE_OUTBOX_WEBHOOK] = "webhook_outbox",
    [STORE_OUTBOX_PUSH] = "push_outbox",
};

enum { CLAIM_SQL = 0, ACK_SQL, COUNTS_SQL, NSQL };

static const char *outbox_sql(store_outbox_kind_t kind, int which);

/* The dispatcher's own writes (leases, deferrals, outcomes) need no fsync of their own: lost in
 * a crash, they only make an event due again, and delivery is at least once anyway. Sparing
 * the wait keeps each conversation's delivery cycle short and PostgreSQL's disk for messages. */
static const char async_commit_sql[] = "SELECT set_config('synchronous_commit', 'off', true)";

/*
 * $1 rows to look at, $2 rows to claim, $3 and $4: the lease of the k-th row claimed of an
 * order_key is k·$3 + $4 ms (the rows of a key are delivered one after the other).
 * cand: due rows not leased, oldest first (no row locks: the cycle lock already keeps other
 * nodes' claims out, and row locks would cost a WAL record each). keys: per order_key among them,
 * its oldest pending row (head) and the first pending row that is not a candidate (stop). A key is
 * claimed only when its head is a candidate, and then its candidates before stop, in id order: a
 * run of consecutive events. Candidates waiting behind a head in backoff are put off until its next
 * attempt, so that scans do not read them again and again; those behind a head in flight are left
 * as they are. Returns the claimed rows in id order, or one row of NULLs, each with the number of
 * candidates.
 */
static const char claim_tmpl[] =
    "WITH cand AS ("
    "  SELECT id, order_key FROM OUTBOX"
    "  WHERE NOT dead AND next_attempt_at <= " NOW_MS " AND claimed_until <= " NOW_MS
    "  ORDER BY next_attempt_at, id LIMIT $1"
    "), keys AS ("
    "  SELECT k.order_key, h.id AS head, h.next_attempt_at AS head_next,"
    "   (SELECT min(p.id) FROM OUTBOX p WHERE p.order_key = k.order_key AND NOT p.dead"
    "     AND p.id NOT IN (SELECT id FROM cand)) AS stop"
    "  FROM (SELECT DISTINCT order_key FROM cand) k"
    "  CROSS JOIN LATERAL (SELECT p.id, p.next_attempt_at FROM OUTBOX p"
    "    WHERE p.order_key = k.order_key AND NOT p.dead ORDER BY p.id LIMIT 1) h"
    "), picked AS ("
    "  SELECT c.id, c.order_key, row_number() OVER (PARTITION BY c.order_key ORDER BY c.id) AS rank"
    "  FROM cand c JOIN keys k ON k.order_key = c.order_key"
    "  WHERE k.head IN (SELECT id FROM cand) AND (k.stop IS NULL OR c.id < k.stop)"
    "  ORDER BY c.id LIMIT $2"
    "), claimed AS ("
    "  UPDATE OUTBOX o SET claimed_until = " NOW_MS " + $3::bigint * p.rank + $4::bigint"
    "  FROM picked p WHERE o.order_key = p.order_key AND o.id = p.id AND NOT o.dead"
    "  RETURNING o.id, o.command, o.platform, o.client_ip, o.body, o.event_time,"
    "   o.attempts, o.order_key, o.ref_seq, o.ref_unread"
    "), deferred AS ("
    "  UPDATE OUTBOX o SET next_attempt_at = k.head_next"
    "  FROM cand c JOIN keys k ON k.order_key = c.order_key"
    "  WHERE o.order_key = c.order_key AND o.id = c.id AND NOT o.dead AND k.head <> c.id"
    "   AND k.head_next > " NOW_MS ")"
    " SELECT e.id, e.command, e.platform, e.client_ip, " EVENT_BODY ","
    "  e.event_time, e.attempts, n.n, e.order_key"
    " FROM (SELECT count(*) AS n FROM cand) n LEFT JOIN claimed e ON true"
    " LEFT JOIN messages m ON m.conv_key = e.order_key AND m.seq = e.ref_seq"
    " ORDER BY e.id";

/* $1 [{k, id, ok, rel, delay, err}] (k: the order_key), $2 max age (ms). Delivered rows go; failed
 * ones count an attempt and are rescheduled, or dead when older than the max age; released ones
 * (claimed but not tried) are free again. Returns the ids that went dead. */
static const char ack_tmpl[] =
    "WITH r AS ("
    "  SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "   AS x(k text, id bigint, ok bool, rel bool, delay bigint, err text)"
    "), gone AS ("
    "  DELETE FROM OUTBOX o USING r"
    "  WHERE o.order_key = r.k AND o.id = r.id AND NOT o.dead AND r.ok"
    "), released AS ("
    "  UPDATE OUTBOX o SET claimed_until = 0 FROM r"
    "  WHERE o.order_key = r.k AND o.id = r.id AND NOT o.dead AND r.rel"
    "), failed AS ("
    "  UPDATE OUTBOX o SET claimed_until = 0, last_error = r.err,"
    "    attempts = o.attempts + 1, next_attempt_at = " NOW_MS " + r.delay,"
    "    dead = o.age_from < " NOW_MS " - $2::bigint"
    "  FROM r WHERE o.order_key = r.k AND o.id = r.id AND NOT o.dead AND NOT r.ok AND NOT r.rel"
    "  RETURNING o.id, o.dead"
    ")"
    " SELECT id::text FROM failed WHERE dead ORDER BY id";

/* Serializes the cycles of one outbox on every node (see store_outbox_cycle()). */
static const char *const cycle_lock_sql[STORE_OUTBOX_NKINDS] = {
    [STORE_OUTBOX_WEBHOOK] = "SELECT pg_advisory_xact_lock(7406873122)",
    [STORE_OUTBOX_PUSH] = "SELECT pg_advisory_xact_lock(7406873123)",
};

typedef struct {
    store_outbox_cycle_fn cb;
    void *arg;
    int scan;
    int ack_stmt, claim_stmt; /* -1: not in this batch */
} cycle_ctx_t;

static void on_cycle(db_batch_t *b, err_t err, void *arg)
{
    cycle_ctx_t *ctx = arg;
    store_ids_t dead = {0};
    size_t n = 0;
    bool more = false;
    if (err == ERR_OK && ctx->ack_stmt >= 0)
        dead = store_ids_from(b, ctx->ack_stmt);
    int total = err == ERR_OK && ctx->claim_stmt >= 0 ? db_batch_rows(b, ctx->claim_stmt) : 0;
    store_outbox_row_t *rows = xcalloc(total > 0 ? (size_t)total : 1, sizeof *rows);
    for (int i = 0, st = ctx->claim_stmt; i < total; i++) {
        more = db_batch_int(b, st, i, 7, 0) >= ctx->scan;
        if (db_batch_value(b, st, i, 0) == NULL)
            continue;
        rows[n++] = (store_outbox_row_t){
            .id = db_batch_int(b, st, i, 0, 0),
            .command = db_batch_value(b, st, i, 1),
            .platform = db_batch_value(b, st, i, 2),
            .client_ip = db_batch_value(b, st, i, 3),
            .body = db_batch_value(b, st, i, 4),
            .event_time = db_batch_int(b, st, i, 5, 0),
            .attempts = (int)db_batch_int(b, st, i, 6, 0),
            .order_key = db_batch_value(b, st, i, 8),
        };
    }
    ctx->cb(err, &dead, rows, n, more, ctx->arg);
    xfree(dead.ids);
    xfree(rows);
    xfree(ctx);
}

void store_outbox_cycle(db_pool_t *db, store_outbox_kind_t kind, const store_outbox_ack_t *acks,
                        size_t nacks, int64_t max_age_ms, int max, int scan, int64_t lease_each_ms,
                        int64_t lease_base_ms, store_outbox_cycle_fn cb, void *arg)
{
    cycle_ctx_t *ctx = XNEW(cycle_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->scan = scan;
    ctx->ack_stmt = ctx->claim_stmt = -1;
    db_batch_t *b = db_batch_new();
    db_batch_add(b, async_commit_sql, 0, NULL);
    db_batch_add(b, cycle_lock_sql[kind], 0, NULL);
    if (nacks > 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < nacks; i++)
            json_array_append_new(list,
                                  json_pack("{s:s, s:I, s:b, s:b, s:I, s:s?}", "k",
                                            acks[i].order_key, "id", (json_int_t)acks[i].id, "ok",
                                            acks[i].outcome == STORE_OUTBOX_DELIVERED, "rel",
                                            acks[i].outcome == STORE_OUTBOX_RELEASED, "delay",
                                            (json_int_t)acks[i].delay_ms, "err", acks[i].error));
        char *p_rows = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        char p_age[24];
        snprintf(p_age, sizeof p_age, "%lld", (long long)max_age_ms);
        ctx->ack_stmt =
            db_batch_add(b, outbox_sql(kind, ACK_SQL), 2, (const char *const[]){p_rows, p_age});
        free(p_rows);
    }
    if (max > 0) {
        char p_scan[16], p_max[16], p_each[24], p_base[24];
        snprintf(p_scan, sizeof p_scan, "%d", scan);
        snprintf(p_max, sizeof p_max, "%d", max);
        snprintf(p_each, sizeof p_each, "%lld", (long long)lease_each_ms);
        snprintf(p_base, sizeof p_base, "%lld", (long long)lease_base_ms);
        ctx->claim_stmt = db_batch_add(b, outbox_sql(kind, CLAIM_SQL), 4,
                                       (const char *const[]){p_scan, p_max, p_each, p_base});
    }
    db_pool_submit(db, b, on_cycle, ctx);
}

static const char counts_tmpl[] =
    "SELECT (SELECT count(*) FROM OUTBOX WHERE NOT dead),"
    " (SELECT count(*) FROM OUTBOX WHERE dead),"
    " (SELECT coalesce(" NOW_MS " - min(age_from), 0) FROM OUTBOX WHERE NOT dead)";

typedef struct {
    store_outbox_counts_fn cb;
    void *arg;
} counts_ctx_t;

static void on_counts(db_batch_t *b, err_t err, void *arg)
{
    counts_ctx_t *ctx = arg;
    ctx->cb(err, db_batch_int(b, 0, 0, 0, 0), db_batch_int(b, 0, 0, 1, 0),
            db_batch_int(b, 0, 0, 2, 0), ctx->arg);
    xfree(ctx);
}

void store_outbox_counts(db_pool_t *db, store_outbox_kind_t kind, store_outbox_counts_fn cb,
                         void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, outbox_sql(kind, COUNTS_SQL), 0, NULL);
    counts_ctx_t *ctx = XNEW(counts_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_counts, ctx);
}

static const char *outbox_sql(store_outbox_kind_t kind, int which)
{
    static char *made[STORE_OUTBOX_NKINDS][NSQL];
    static const char *const tmpl[NSQL] = {claim_tmpl, ack_tmpl, counts_tmpl};
    if (made[kind][which] == NULL) {
        const char *t = tmpl[which], *name = tables[kind];
        sbuf_t out = {0};
        for (const char *p; (p = strstr(t, "OUTBOX")) != NULL; t = p + strlen("OUTBOX")) {
            sbuf_append(&out, t, (size_t)(p - t));
            sbuf_append(&out, name, strlen(name));
        }
        sbuf_append(&out, t, strlen(t));
        made[kind][which] = sbuf_steal(&out);
    }
    return made[kind][which];
}
