#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/internal.h"
#include "store/message.h"

/*
 * $1: [{i, conv, sender, receiver, random, hash, msg_id, ts, body, ccd, flags, trusted,
 *       mark_read}, …]  $2: dedup window in seconds.
 * Returns one row per input: (i, status, seq, msg_id, ts, duplicate). Equal sends in one batch
 * are stored once; the later ones come back as duplicates of the first.
 */
static const char batch_sql[] =
    "WITH input AS ("
    "  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i int, conv text, sender text,"
    "    receiver text, random bigint, hash text, msg_id text, ts bigint, body text, ccd text,"
    "    flags int, trusted bool, mark_read bool, group_id text, targets jsonb, ats jsonb)"
    "), checked AS ("
    "  SELECT i.*, CASE WHEN i.group_id IS NULL THEN"
    "    CASE WHEN r.user_id IS NULL THEN 'no_receiver'"
    "    WHEN NOT i.trusted AND s.user_id IS NULL THEN 'no_sender'"
    "    WHEN NOT i.trusted AND s.c2c_mute_until > i.ts THEN 'muted'"
    "    ELSE 'ok' END"
    "   ELSE"
    "    CASE WHEN g.group_id IS NULL THEN 'no_group'"
    "    WHEN NOT i.trusted AND gm.user_id IS NULL THEN 'not_member'"
    "    WHEN NOT i.trusted AND (gm.mute_until > i.ts OR s.group_mute_until > i.ts"
    "      OR (g.mute_all AND gm.role = 'Member')) THEN 'muted'"
    "    ELSE 'ok' END"
    "   END AS status"
    "  FROM input i LEFT JOIN accounts r ON r.user_id = i.receiver"
    "  LEFT JOIN accounts s ON s.user_id = i.sender"
    "  LEFT JOIN groups g ON g.group_id = i.group_id"
    "  LEFT JOIN group_members gm ON gm.group_id = i.group_id AND gm.user_id = i.sender"
    "), dup AS ("
    "  SELECT DISTINCT ON (c.i) c.i, m.seq, m.msg_id, m.ts FROM checked c"
    "  JOIN messages m ON m.conv_key = c.conv AND m.sender = c.sender AND m.random = c.random"
    "   AND m.hash = c.hash AND m.ts >= c.ts - $2::bigint"
    "  WHERE c.status = 'ok' ORDER BY c.i, m.seq"
    "), fresh_all AS ("
    "  SELECT * FROM checked WHERE status = 'ok' AND i NOT IN (SELECT i FROM dup)"
    "), fresh AS ("
    "  SELECT DISTINCT ON (conv, sender, random, hash) * FROM fresh_all"
    "  ORDER BY conv, sender, random, hash, i"
    "), counts AS ("
    "  SELECT conv, count(*) AS n, max(ts) AS ts FROM fresh GROUP BY conv"
    "), bump AS ("
    "  INSERT INTO conversations AS c (conv_key, last_seq, last_time, activity)"
    "  SELECT conv, n, ts, nextval('conv_activity') FROM counts"
    "  ON CONFLICT (conv_key) DO UPDATE SET last_seq = c.last_seq + EXCLUDED.last_seq,"
    "    last_time = GREATEST(c.last_time, EXCLUDED.last_time), activity = EXCLUDED.activity"
    "  RETURNING conv_key, last_seq"
    "), numbered AS ("
    "  SELECT f.*, b.last_seq - n.n + row_number() OVER (PARTITION BY f.conv ORDER BY f.i) AS seq"
    "  FROM fresh f JOIN counts n ON n.conv = f.conv JOIN bump b ON b.conv_key = f.conv"
    "), ins AS ("
    "  INSERT INTO messages (conv_key, seq, sender, receiver, random, hash, msg_id, ts, body,"
    "    cloud_custom_data, flags)"
    "  SELECT conv, seq, sender, receiver, random, hash, msg_id, ts, body::json, ccd, flags"
    "  FROM numbered"
    "), views AS ("
    "  INSERT INTO conv_views AS v (user_id, conv_key, peer, group_id, read_seq)"
    "  SELECT user_id, conv, max(peer), max(group_id), max(read_seq) FROM ("
    "    SELECT sender AS user_id, conv, receiver AS peer, group_id, seq AS read_seq"
    "    FROM numbered n WHERE CASE WHEN group_id IS NULL"
    "     THEN NOT trusted OR EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = sender)"
    "     ELSE EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = n.group_id"
    "       AND m.user_id = n.sender) END"
    "    UNION ALL"
    "    SELECT receiver, conv, sender, NULL, CASE WHEN mark_read THEN seq ELSE 0 END"
    "    FROM numbered WHERE receiver IS NOT NULL"
    "  ) AS u GROUP BY user_id, conv"
    "  ON CONFLICT (user_id, conv_key) DO UPDATE"
    "    SET read_seq = GREATEST(v.read_seq, EXCLUDED.read_seq)"
    "), ats AS ("
    "  INSERT INTO group_at (conv_key, seq, user_id)"
    "  SELECT n.conv, n.seq, a.u FROM numbered n, jsonb_array_elements_text(n.ats) AS a(u)"
    "  WHERE n.ats IS NOT NULL ON CONFLICT DO NOTHING"
    "), tgt AS ("
    "  INSERT INTO msg_targets (conv_key, seq, user_id)"
    "  SELECT n.conv, n.seq, t.u FROM numbered n, jsonb_array_elements_text(n.targets) AS t(u)"
    "  WHERE n.targets IS NOT NULL ON CONFLICT DO NOTHING"
    ")"
    " SELECT i, 'ok', seq, msg_id, ts, false FROM numbered"
    " UNION ALL SELECT i, 'ok', seq, msg_id, ts, true FROM dup"
    " UNION ALL SELECT a.i, 'ok', n.seq, n.msg_id, n.ts, true FROM fresh_all a JOIN numbered n"
    "  ON n.conv = a.conv AND n.sender = a.sender AND n.random = a.random AND n.hash = a.hash"
    "  AND n.i <> a.i"
    " UNION ALL SELECT i, status, NULL, NULL, NULL, false FROM checked WHERE status <> 'ok'";

typedef struct pending {
    store_msg_t m; /* strings owned */
    store_msg_fn cb;
    void *arg;
    struct pending *next;
} pending_t;

struct store_msg_writer {
    db_pool_t *db;
    struct event *flush;
    int dedup_window_s;
    pending_t *head, **tail; /* gathering for the next transaction */
    size_t gathered;
    bool in_flight;
};

static void flush_now(store_msg_writer_t *w);

char *store_conv_key_c2c(const char *a, const char *b)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    return xasprintf("c:%zu:%s:%s", strlen(a), a, b);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void pending_free(pending_t *p)
{
    xfree((char *)p->m.conv_key);
    xfree((char *)p->m.sender);
    xfree((char *)p->m.receiver);
    xfree((char *)p->m.hash);
    xfree((char *)p->m.msg_id);
    xfree((char *)p->m.body);
    xfree((char *)p->m.cloud_custom_data);
    xfree((char *)p->m.group_id);
    xfree((char *)p->m.targets_json);
    xfree((char *)p->m.ats_json);
    xfree(p);
}

static void on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
    flush_now(arg);
}

store_msg_writer_t *store_msg_writer_new(struct event_base *base, db_pool_t *db, int dedup_window_s)
{
    store_msg_writer_t *w = XNEW(store_msg_writer_t);
    w->db = db;
    w->dedup_window_s = dedup_window_s;
    w->tail = &w->head;
    w->flush = evtimer_new(base, on_flush_timer, w);
    return w;
}

static void fail_all(pending_t *list, err_t err)
{
    while (list) {
        pending_t *next = list->next;
        list->cb(err, NULL, list->arg);
        pending_free(list);
        list = next;
    }
}

void store_msg_writer_free(store_msg_writer_t *w)
{
    if (w == NULL)
        return;
    event_free(w->flush);
    fail_all(w->head, ERR_DB_DOWN);
    xfree(w);
}

void store_msg_submit(store_msg_writer_t *w, const store_msg_t *m, store_msg_fn cb, void *arg)
{
    pending_t *p = XNEW(pending_t);
    p->m = *m;
    p->m.conv_key = xstrdup(m->conv_key);
    p->m.sender = xstrdup(m->sender);
    p->m.receiver = dup_or_null(m->receiver);
    p->m.hash = xstrdup(m->hash);
    p->m.msg_id = xstrdup(m->msg_id);
    p->m.body = xstrdup(m->body);
    p->m.cloud_custom_data = dup_or_null(m->cloud_custom_data);
    p->m.group_id = dup_or_null(m->group_id);
    p->m.targets_json = dup_or_null(m->targets_json);
    p->m.ats_json = dup_or_null(m->ats_json);
    p->cb = cb;
    p->arg = arg;
    *w->tail = p;
    w->tail = &p->next;
    w->gathered++;
    /* A zero timeout runs after every event of this loop pass: what arrives together commits
     * together. While a transaction is in flight its completion flushes instead. */
    if (!w->in_flight && !evtimer_pending(w->flush, NULL)) {
        struct timeval zero = {0, 0};
        evtimer_add(w->flush, &zero);
    }
}

static json_t *input_row(int i, const store_msg_t *m)
{
    json_t *row = json_pack("{s:i, s:s, s:s, s:s?, s:I, s:s, s:s, s:I, s:s, s:s?, s:i, s:b, s:b}", "i", i,
                     "conv", m->conv_key, "sender", m->sender, "receiver", m->receiver, "random",
                     (json_int_t)m->random, "hash", m->hash, "msg_id", m->msg_id, "ts",
                     (json_int_t)m->ts, "body", m->body, "ccd", m->cloud_custom_data, "flags",
                     m->flags, "trusted", m->trusted, "mark_read", m->mark_read);
    if (m->group_id)
        json_object_set_new(row, "group_id", json_string(m->group_id));
    if (m->targets_json)
        json_object_set_new(row, "targets", json_loads(m->targets_json, 0, NULL));
    if (m->ats_json)
        json_object_set_new(row, "ats", json_loads(m->ats_json, 0, NULL));
    return row;
}

static store_msg_status_t status_of(const char *s)
{
    if (strcmp(s, "no_group") == 0)
        return STORE_MSG_NO_GROUP;
    if (strcmp(s, "not_member") == 0)
        return STORE_MSG_NOT_MEMBER;
    if (strcmp(s, "no_receiver") == 0)
        return STORE_MSG_NO_RECEIVER;
    if (strcmp(s, "no_sender") == 0)
        return STORE_MSG_NO_SENDER;
    if (strcmp(s, "muted") == 0)
        return STORE_MSG_MUTED;
    return STORE_MSG_OK;
}

typedef struct {
    store_msg_writer_t *w;
    pending_t **items;
    size_t n;
} batch_ctx_t;

static void on_batch(db_batch_t *b, err_t err, void *arg)
{
    batch_ctx_t *ctx = arg;
    store_msg_writer_t *w = ctx->w;
    bool *answered = xcalloc(ctx->n, sizeof(bool));
    for (int row = 0; err == ERR_OK && row < db_batch_rows(b, 0); row++) {
        int64_t i = db_batch_int(b, 0, row, 0, -1);
        if (i < 0 || (size_t)i >= ctx->n || answered[i])
            continue;
        store_msg_result_t r = {
            .status = status_of(db_batch_value(b, 0, row, 1)),
            .seq = db_batch_int(b, 0, row, 2, 0),
            .msg_id = db_batch_value(b, 0, row, 3),
            .ts = db_batch_int(b, 0, row, 4, 0),
            .duplicate = strcmp(db_batch_value(b, 0, row, 5), "t") == 0,
        };
        answered[i] = true;
        ctx->items[i]->cb(ERR_OK, &r, ctx->items[i]->arg);
    }
    for (size_t i = 0; i < ctx->n; i++) {
        if (!answered[i])
            ctx->items[i]->cb(err == ERR_OK ? ERR_INTERNAL : err, NULL, ctx->items[i]->arg);
        pending_free(ctx->items[i]);
    }
    if (err != ERR_OK)
        log_warn("store: message batch of %zu failed: %s", ctx->n, db_batch_errmsg(b));
    xfree(answered);
    xfree(ctx->items);
    xfree(ctx);
    w->in_flight = false;
    if (w->head)
        flush_now(w);
}

static void flush_now(store_msg_writer_t *w)
{
    if (w->in_flight || w->head == NULL)
        return;
    batch_ctx_t *ctx = XNEW(batch_ctx_t);
    ctx->w = w;
    ctx->n = w->gathered;
    ctx->items = xcalloc(ctx->n, sizeof(pending_t *));
    json_t *rows = json_array();
    size_t i = 0;
    for (pending_t *p = w->head; p; p = p->next, i++) {
        ctx->items[i] = p;
        json_array_append_new(rows, input_row((int)i, &p->m));
    }
    w->head = NULL;
    w->tail = &w->head;
    w->gathered = 0;
    char *p_rows = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    char window[16];
    snprintf(window, sizeof window, "%d", w->dedup_window_s);
    db_batch_t *b = db_batch_new();
    db_batch_add(b, batch_sql, 2, (const char *const[]){p_rows, window});
    free(p_rows);
    w->in_flight = true;
    db_pool_submit(w->db, b, on_batch, ctx);
}
