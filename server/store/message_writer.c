#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/internal.h"
#include "store/message.h"
#include "store/push.h"
#include "store/sns.h"
#include "store/webhook.h"

/*
 * $1: [{i, conv, sender, receiver, random, hash, msg_id, ts, body, ccd, flags, trusted,
 *       mark_read, group_id, targets, ats, hp, hip}, …]  $2: dedup window in seconds.
 * Rows with hp (OptPlatform) also write their after-send event to the webhook outbox, in
 * conversation order (UnreadMsgNum: the receiver's unread count in this conversation).
 * $3: now (unix seconds; mutes are checked against it, not against a message's own time).
 * Returns one row per input: (i, status, seq, msg_id, ts, duplicate, receiver's recv_opt). Equal
 * sends within one batch never reach the statement: the writer answers them with the first one's
 * result.
 */
/* clang-format off */
static const char batch_sql[] =
    "WITH input AS ("
    "  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i int, conv text, sender text,"
    "    receiver text, random bigint, hash text, msg_id text, ts bigint, body text, ccd text,"
    "    flags int, trusted bool, mark_read bool, group_id text, targets jsonb, ats jsonb,"
    "    hp text, hip text, imported bool, cf bool, merged jsonb, push jsonb)"
    "), pre AS ("
    "  SELECT i.*, CASE WHEN i.group_id IS NULL THEN"
    "    CASE WHEN r.user_id IS NULL THEN 'no_receiver'"
    "    WHEN NOT i.trusted AND s.user_id IS NULL THEN 'no_sender'"
    "    WHEN NOT i.trusted AND NOT i.imported AND s.c2c_mute_until > $3::bigint THEN 'muted'"
    "    WHEN NOT i.trusted AND NOT i.imported THEN COALESCE("
           STORE_SNS_SEND_CHECK_SQL("i.sender", "i.receiver", "i.cf") ", 'ok')"
    "    ELSE 'ok' END"
    "   ELSE"
    "    CASE WHEN g.group_id IS NULL OR (i.group_id <> g.group_id AND t.topic_id IS NULL)"
    "     THEN 'no_group'"
    "    WHEN NOT i.trusted AND gm.user_id IS NULL THEN 'not_member'"
    "    WHEN NOT i.trusted AND NOT i.imported AND (" STORE_GROUP_MUTED_SQL("$3::bigint")
    "     OR (t.mute_all AND gm.role = 'Member')) THEN 'muted'"
    "    ELSE 'ok' END"
    "   END AS pre_status"
    "  FROM input i LEFT JOIN accounts r ON r.user_id = i.receiver"
    "  LEFT JOIN accounts s ON s.user_id = i.sender"
    /* A topic's sender is a member of its community (schema/018_community.sql). */
    "  LEFT JOIN groups g ON g.group_id = chatd_topic_group(i.group_id)"
    "  LEFT JOIN group_topics t ON t.topic_id = i.group_id"
    "  LEFT JOIN group_members gm ON gm.group_id = g.group_id AND gm.user_id = i.sender"
    /* A forwarded merged message names its list by a key the sender must be able to read. */
    "), checked AS ("
    "  SELECT p.*, CASE WHEN p.pre_status <> 'ok' THEN p.pre_status"
    "    WHEN NOT p.trusted AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.merged) e"
    "      WHERE e ? 'from' AND NOT " STORE_MERGED_READABLE_SQL("e->>'from'", "p.sender") ")"
    "    THEN 'no_merged' ELSE 'ok' END AS status"
    "  FROM pre p"
    "), dup AS ("
    "  SELECT DISTINCT ON (c.i) c.i, m.seq, m.msg_id, m.ts FROM checked c"
    "  JOIN messages m ON m.conv_key = c.conv AND m.sender = c.sender AND m.random = c.random"
    "   AND m.hash = c.hash AND m.ts >= c.ts - $2::bigint"
    "  WHERE c.status = 'ok' ORDER BY c.i, m.seq"
    "), fresh AS ("
    "  SELECT * FROM checked WHERE status = 'ok' AND i NOT IN (SELECT i FROM dup)"
    "), counts AS ("
    /* Rows are locked in key order, here and in views: two nodes' batches that share
     * conversations then wait for each other instead of deadlocking. */
    "  SELECT conv, count(*) AS n, max(ts) AS ts FROM fresh GROUP BY conv ORDER BY conv"
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
    "), mrg AS ("
    "  INSERT INTO merged_lists (msg_key, conv_key, msg_seq, list)"
    "  SELECT e->>'key', n.conv, n.seq, COALESCE((e->>'list')::json,"
    "    (SELECT l.list FROM merged_lists l WHERE l.msg_key = e->>'from'))"
    "  FROM numbered n CROSS JOIN jsonb_array_elements(n.merged) e"
    "  WHERE n.merged IS NOT NULL"
    "  AND (e ? 'list' OR EXISTS (SELECT 1 FROM merged_lists l WHERE l.msg_key = e->>'from'))"
    "), views AS ("
    "  INSERT INTO conv_views AS v (user_id, conv_key, peer, group_id, read_seq)"
    "  SELECT user_id, conv, max(peer), max(group_id), max(read_seq) FROM ("
    "    SELECT sender AS user_id, conv, receiver AS peer, group_id, seq AS read_seq"
    "    FROM numbered n WHERE CASE WHEN group_id IS NULL"
    "     THEN NOT trusted OR EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = sender)"
    "     ELSE EXISTS (SELECT 1 FROM group_members m"
    "       WHERE m.group_id = chatd_topic_group(n.group_id)"
    "       AND m.user_id = n.sender) END"
    "    UNION ALL"
    "    SELECT receiver, conv, sender, NULL, CASE WHEN mark_read THEN seq ELSE 0 END"
    "    FROM numbered WHERE receiver IS NOT NULL"
    "  ) AS u GROUP BY user_id, conv ORDER BY user_id, conv"
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
    "), hooks AS ("
    "  " STORE_WEBHOOK_INSERT_REF
    "  SELECT CASE WHEN n.group_id IS NULL THEN 'C2C.CallbackAfterSendMsg'"
    "    ELSE 'Group.CallbackAfterSendMsg' END, n.conv, n.hp, coalesce(n.hip, ''), n.seq,"
    "   CASE WHEN n.group_id IS NULL THEN n.seq - coalesce((SELECT"
    "    GREATEST(v.read_seq, v.deleted_seq) FROM conv_views v"
    "    WHERE v.user_id = n.receiver AND v.conv_key = n.conv), 0) END"
    "  FROM numbered n WHERE n.hp IS NOT NULL ORDER BY n.conv, n.seq"
    "), pushes AS ("
    "  " STORE_PUSH_INSERT_SQL("$3::bigint")
    ")"
    " SELECT i, 'ok', seq, msg_id, ts, false, COALESCE((SELECT v.recv_opt FROM conv_views v"
    "   WHERE v.user_id = numbered.receiver AND v.conv_key = numbered.conv), 0) FROM numbered"
    " UNION ALL SELECT i, 'ok', seq, msg_id, ts, true, 0 FROM dup"
    " UNION ALL SELECT i, status, NULL, NULL, NULL, false, 0 FROM checked WHERE status <> 'ok'";
/* clang-format on */

typedef struct pending {
    store_msg_t m; /* strings owned */
    store_msg_fn cb;
    void *arg;
    struct pending *next;
    struct pending *leader; /* an equal send earlier in the same batch: share its result */
} pending_t;

/* Sends are spread over lanes by conversation: each lane has one transaction in flight, lanes run
 * side by side on separate connections, and a conversation's messages always share a lane (its
 * seqs stay ordered and lanes never wait on each other's row locks). */
#define WRITER_LANES_MAX 8

typedef struct {
    struct store_msg_writer *w;
    struct event *flush;
    pending_t *head, **tail; /* gathering for the next transaction */
    size_t gathered;
    bool in_flight;
} lane_t;

struct store_msg_writer {
    db_pool_t *db;
    int dedup_window_s;
    int nlanes;
    lane_t lanes[WRITER_LANES_MAX];
};

static void flush_now(lane_t *l);

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
    xfree((char *)p->m.mergers_json);
    xfree((char *)p->m.hook_platform);
    xfree((char *)p->m.hook_client_ip);
    xfree((char *)p->m.push_json);
    xfree(p);
}

static void on_flush_timer(evutil_socket_t fd, short what, void *arg)
{
    flush_now(arg);
}

store_msg_writer_t *store_msg_writer_new(struct event_base *base, db_pool_t *db, int dedup_window_s,
                                         int lanes)
{
    store_msg_writer_t *w = XNEW(store_msg_writer_t);
    w->db = db;
    w->dedup_window_s = dedup_window_s;
    w->nlanes = lanes < 1 ? 1 : lanes > WRITER_LANES_MAX ? WRITER_LANES_MAX : lanes;
    for (int i = 0; i < w->nlanes; i++) {
        lane_t *l = &w->lanes[i];
        l->w = w;
        l->tail = &l->head;
        l->flush = evtimer_new(base, on_flush_timer, l);
    }
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
    for (int i = 0; i < w->nlanes; i++) {
        event_free(w->lanes[i].flush);
        fail_all(w->lanes[i].head, ERR_DB_DOWN);
    }
    xfree(w);
}

static unsigned lane_of(const store_msg_writer_t *w, const char *conv_key)
{
    return hash_str(conv_key) % (unsigned)w->nlanes;
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
    p->m.mergers_json = dup_or_null(m->mergers_json);
    p->m.hook_platform = dup_or_null(m->hook_platform);
    p->m.hook_client_ip = dup_or_null(m->hook_client_ip);
    p->m.push_json = dup_or_null(m->push_json);
    p->cb = cb;
    p->arg = arg;
    lane_t *l = &w->lanes[lane_of(w, m->conv_key)];
    *l->tail = p;
    l->tail = &p->next;
    l->gathered++;
    /* A zero timeout runs after every event of this loop pass: what arrives together commits
     * together. While a transaction is in flight its completion flushes instead. */
    if (!l->in_flight && !evtimer_pending(l->flush, NULL)) {
        struct timeval zero = {0, 0};
        evtimer_add(l->flush, &zero);
    }
}

static json_t *input_row(int i, const store_msg_t *m)
{
    json_t *row = json_pack(
        "{s:i, s:s, s:s, s:s?, s:I, s:s, s:s, s:I, s:s, s:s?, s:i, s:b, s:b,"
        " s:b, s:b}",
        "i", i, "conv", m->conv_key, "sender", m->sender, "receiver", m->receiver, "random",
        (json_int_t)m->random, "hash", m->hash, "msg_id", m->msg_id, "ts", (json_int_t)m->ts,
        "body", m->body, "ccd", m->cloud_custom_data, "flags", m->flags, "trusted", m->trusted,
        "mark_read", m->mark_read, "imported", m->imported, "cf", m->check_friends);
    if (m->group_id)
        json_object_set_new(row, "group_id", json_string(m->group_id));
    if (m->targets_json)
        json_object_set_new(row, "targets", json_loads(m->targets_json, 0, NULL));
    if (m->ats_json)
        json_object_set_new(row, "ats", json_loads(m->ats_json, 0, NULL));
    if (m->mergers_json)
        json_object_set_new(row, "merged", json_loads(m->mergers_json, 0, NULL));
    if (m->push_json)
        json_object_set_new(row, "push", json_loads(m->push_json, 0, NULL));
    if (m->hook_platform) {
        json_object_set_new(row, "hp", json_string(m->hook_platform));
        json_object_set_new(row, "hip", json_string(m->hook_client_ip ? m->hook_client_ip : ""));
    }
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
    if (strcmp(s, "no_merged") == 0)
        return STORE_MSG_NO_MERGED;
    return store_msg_relation_status(s);
}

store_msg_status_t store_msg_relation_status(const char *s)
{
    if (s == NULL)
        return STORE_MSG_OK;
    if (strcmp(s, "blocked") == 0)
        return STORE_MSG_BLOCKED;
    if (strcmp(s, "not_friends") == 0)
        return STORE_MSG_NOT_FRIENDS;
    if (strcmp(s, "not_peers_friend") == 0)
        return STORE_MSG_NOT_PEERS_FRIEND;
    if (strcmp(s, "peer_not_friend") == 0)
        return STORE_MSG_PEER_NOT_FRIEND;
    return STORE_MSG_OK;
}

typedef struct {
    lane_t *lane;
    pending_t **items; /* items[i] is input row i */
    size_t n;
    pending_t *followers; /* equal sends answered with their leader's result */
    int stmt;             /* the batch statement's index */
} batch_ctx_t;

/* Answers every follower of `leader` with its result, as a duplicate. */
static void answer_followers(batch_ctx_t *ctx, const pending_t *leader, err_t err,
                             const store_msg_result_t *r)
{
    for (pending_t *f = ctx->followers; f; f = f->next) {
        if (f->leader != leader)
            continue;
        store_msg_result_t dup;
        if (r) {
            dup = *r;
            dup.duplicate = r->status == STORE_MSG_OK;
        }
        f->cb(err, r ? &dup : NULL, f->arg);
    }
}

static void on_batch(db_batch_t *b, err_t err, void *arg)
{
    batch_ctx_t *ctx = arg;
    lane_t *l = ctx->lane;
    bool *answered = xcalloc(ctx->n ? ctx->n : 1, sizeof(bool));
    int st = ctx->stmt;
    int64_t committed_us = mono_us();
    for (int row = 0; err == ERR_OK && row < db_batch_rows(b, st); row++) {
        int64_t i = db_batch_int(b, st, row, 0, -1);
        if (i < 0 || (size_t)i >= ctx->n || answered[i])
            continue;
        store_msg_result_t r = {
            .status = status_of(db_batch_value(b, st, row, 1)),
            .seq = db_batch_int(b, st, row, 2, 0),
            .msg_id = db_batch_value(b, st, row, 3),
            .ts = db_batch_int(b, st, row, 4, 0),
            .duplicate = strcmp(db_batch_value(b, st, row, 5), "t") == 0,
            .recv_opt = (int)db_batch_int(b, st, row, 6, 0),
            .committed_us = committed_us,
        };
        answered[i] = true;
        ctx->items[i]->cb(ERR_OK, &r, ctx->items[i]->arg);
        answer_followers(ctx, ctx->items[i], ERR_OK, &r);
    }
    err_t fail = err == ERR_OK ? ERR_INTERNAL : err;
    for (size_t i = 0; i < ctx->n; i++) {
        if (!answered[i]) {
            ctx->items[i]->cb(fail, NULL, ctx->items[i]->arg);
            answer_followers(ctx, ctx->items[i], fail, NULL);
        }
    }
    for (size_t i = 0; i < ctx->n; i++)
        pending_free(ctx->items[i]);
    while (ctx->followers) {
        pending_t *next = ctx->followers->next;
        pending_free(ctx->followers);
        ctx->followers = next;
    }
    if (err != ERR_OK) /* a lost connection or a deadline leaves no PostgreSQL message */
        log_warn("store: message batch of %zu failed: %s", ctx->n,
                 *db_batch_errmsg(b)  ? db_batch_errmsg(b)
                 : err == ERR_DB_DOWN ? "no answer from PostgreSQL (connection lost or deadline)"
                                      : "unknown error");
    xfree(answered);
    xfree(ctx->items);
    xfree(ctx);
    l->in_flight = false;
    if (l->head)
        flush_now(l);
}

/* Splits the gathered sends into the rows of the statement and the followers: a send equal to
 * an earlier one of the same batch (conversation, sender, random, content) is not stored twice. */
static void take_gathered(lane_t *l, batch_ctx_t *ctx)
{
    json_t *seen = json_object();
    ctx->items = xcalloc(l->gathered ? l->gathered : 1, sizeof(pending_t *));
    pending_t *p = l->head;
    while (p) {
        pending_t *next = p->next;
        char *key =
            xasprintf("%s\x1f%s\x1f%u\x1f%s", p->m.conv_key, p->m.sender, p->m.random, p->m.hash);
        json_t *first = json_object_get(seen, key);
        if (first) {
            p->leader = ctx->items[json_integer_value(first)];
            p->next = ctx->followers;
            ctx->followers = p;
        } else {
            json_object_set_new(seen, key, json_integer((json_int_t)ctx->n));
            ctx->items[ctx->n++] = p;
        }
        xfree(key);
        p = next;
    }
    json_decref(seen);
    l->head = NULL;
    l->tail = &l->head;
    l->gathered = 0;
}

static void flush_now(lane_t *l)
{
    if (l->in_flight || l->head == NULL)
        return;
    batch_ctx_t *ctx = XNEW(batch_ctx_t);
    ctx->lane = l;
    take_gathered(l, ctx);
    json_t *rows = json_array();
    for (size_t i = 0; i < ctx->n; i++)
        json_array_append_new(rows, input_row((int)i, &ctx->items[i]->m));
    char *p_rows = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    char window[16], now[24];
    snprintf(window, sizeof window, "%d", l->w->dedup_window_s);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    db_batch_t *b = db_batch_new();
    ctx->stmt = db_batch_add(b, batch_sql, 3, (const char *const[]){p_rows, window, now});
    free(p_rows);
    l->in_flight = true;
    db_pool_submit(l->w->db, b, on_batch, ctx);
}
