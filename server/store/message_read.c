#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"
#include "store/message.h"
#include "store/sns.h"

#define MSG_COLUMNS                                                                                \
    "m.conv_key, m.seq, m.sender, m.receiver, m.random, m.msg_id, m.ts, m.body::text,"             \
    " m.cloud_custom_data, m.flags,"                                                               \
    " COALESCE((SELECT p.read_seq FROM conv_views p"                                               \
    "   WHERE p.user_id = m.receiver AND p.conv_key = m.conv_key), 0),"                            \
    " EXISTS (SELECT 1 FROM msg_receipts r WHERE r.conv_key = m.conv_key AND r.seq = m.seq)"

/* clang-format off */
static const char history_sql[] =
    "SELECT " MSG_COLUMNS " FROM messages m"
    " WHERE m.conv_key = $1"
    " AND m.seq > " STORE_VIEWER_DELETED_SQL("$1", "$2")
    STORE_VISIBLE_TO_SQL("$2")
    " AND ($3::bigint = 0 OR m.seq < $3::bigint)"
    " ORDER BY m.seq DESC LIMIT $4";

static const char history_range_sql[] =
    "SELECT * FROM (SELECT " MSG_COLUMNS " FROM messages m"
    " WHERE m.conv_key = $1"
    " AND m.seq > " STORE_VIEWER_DELETED_SQL("$1", "$2")
    STORE_VISIBLE_TO_SQL("$2")
    " AND m.ts BETWEEN $3::bigint AND $4::bigint"
    " AND ($5::bigint = 0 OR m.seq < $5::bigint)"
    " ORDER BY m.seq DESC LIMIT $6) AS page ORDER BY 2";

/* getHistoryMessageListV2: $1 conv, $2 viewer, $3 from seq (exclusive, 0: the end), $4 time
 * from, $5 time to (0: none), $6 element types [MsgType] (NULL: all), $7 seqs (NULL: all), $8
 * count; `order` picks the direction. */
/* clang-format off */
#define HISTORY_V2_SQL(cmp, order)                                                                 \
    "SELECT " MSG_COLUMNS " FROM messages m"                                                       \
    " WHERE m.conv_key = $1"                                                                       \
    " AND m.seq > " STORE_VIEWER_DELETED_SQL("$1", "$2")                                                     \
    STORE_VISIBLE_TO_SQL("$2")                                                                               \
    " AND ($3::bigint = 0 OR m.seq " cmp " $3::bigint)"                                            \
    " AND m.ts >= $4::bigint AND ($5::bigint = 0 OR m.ts <= $5::bigint)"                           \
    " AND ($6::jsonb IS NULL OR EXISTS (SELECT 1 FROM json_array_elements(m.body) e"               \
    "   WHERE e->>'MsgType' IN (SELECT jsonb_array_elements_text($6::jsonb))))"                    \
    " AND ($7::jsonb IS NULL OR m.seq IN (SELECT x::bigint FROM jsonb_array_elements_text($7::jsonb) x))" \
    " ORDER BY m.seq " order " LIMIT $8"
/* clang-format on */
static const char history_older_sql[] = HISTORY_V2_SQL("<", "DESC");
static const char history_newer_sql[] = HISTORY_V2_SQL(">", "ASC");

static const char find_sql[] = "SELECT " MSG_COLUMNS " FROM messages m"
                               " WHERE m.msg_id IN (SELECT jsonb_array_elements_text($2::jsonb))"
                               " AND " STORE_READABLE_SQL("$1") " ORDER BY m.conv_key, m.seq";

#define SYNC_FROM "GREATEST(v.deleted_seq, COALESCE(($2::jsonb ->> v.conv_key)::bigint, 0))"

static const char sync_sql[] =
    "SELECT " MSG_COLUMNS " FROM conv_views v JOIN conversations c ON c.conv_key = v.conv_key"
    " CROSS JOIN LATERAL (SELECT * FROM messages m0 WHERE m0.conv_key = v.conv_key"
    "   AND m0.seq > " SYNC_FROM " ORDER BY m0.seq LIMIT $3) AS m"
    " WHERE v.user_id = $1 AND c.last_seq > " SYNC_FROM STORE_VISIBLE_TO_SQL(
        "$1") " ORDER BY m.conv_key, m.seq LIMIT $3";
/* clang-format on */

static const char sync_reads_sql[] =
    "SELECT v.conv_key, p.user_id, p.read_seq, p.read_time FROM conv_views v"
    " JOIN conversations c ON c.conv_key = v.conv_key"
    " JOIN conv_views p ON p.conv_key = v.conv_key AND p.user_id = v.peer"
    " WHERE v.user_id = $1 AND ($2::jsonb ? v.conv_key OR c.last_seq > " SYNC_FROM ")";

/* $6 OptPlatform (NULL: no event), $7 ClientIP. C2C.CallbackAfterMsgReport when a one-to-one
 * read position moves; UnreadMsgNum: what stays unread in the conversation. */
static const char mark_read_sql[] =
    "WITH o AS (SELECT read_seq FROM conv_views WHERE user_id = $1 AND conv_key = $2),"
    " up AS (UPDATE conv_views v SET read_seq = GREATEST(v.read_seq, LEAST(c.last_seq,"
    "   CASE WHEN $5::bigint > 0 THEN COALESCE((SELECT max(seq) FROM messages m"
    "          WHERE m.conv_key = $2 AND m.ts <= $5::bigint), 0)"
    "        WHEN $3::bigint > 0 THEN $3::bigint ELSE c.last_seq END)),"
    " read_time = $4::bigint"
    " FROM conversations c WHERE c.conv_key = $2 AND v.user_id = $1 AND v.conv_key = $2"
    " RETURNING v.*),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'C2C.CallbackAfterMsgReport', u.conv_key, $6::text, $7::text,"
    "   json_build_object('Report_Account', u.user_id, 'Peer_Account', u.peer,"
    "   'LastReadTime', $4::bigint, 'UnreadMsgNum', " STORE_UNREAD_SQL(
        "u",
        "c") ")"
             "   FROM up u JOIN conversations c ON c.conv_key = u.conv_key, o"
             "   WHERE $6::text IS NOT NULL AND u.peer IS NOT NULL AND u.read_seq > o.read_seq)"
             " SELECT read_seq, peer FROM up";

static const char unread_sql[] = "SELECT v.peer, " STORE_UNREAD_SQL(
    "v", "c") " FROM conv_views v JOIN conversations c ON c.conv_key = v.conv_key"
              " WHERE v.user_id = $1 AND v.peer IS NOT NULL"
              " AND ($2::jsonb IS NULL OR v.peer IN (SELECT jsonb_array_elements_text($2::jsonb)))";

/* $1 reader, $2 [msg_id], $3 now, $4 [{conv, seq, random}] (REST MsgKeys) or NULL, $5
 * OptPlatform of Group.CallbackAfterReadReceipt (NULL: none), $6 ClientIP. */
/* clang-format off */
static const char receipts_add_sql[] =
    "WITH m AS (SELECT * FROM messages m WHERE (m.msg_id IN (SELECT"
    "   jsonb_array_elements_text($2::jsonb)) OR (m.conv_key, m.seq, m.random) IN (SELECT k.conv,"
    "   k.seq, k.random FROM jsonb_to_recordset($4::jsonb) AS k(conv text, seq bigint,"
    "   random bigint)))"
    "   AND m.flags & 1 = 1 AND m.sender <> $1 AND (m.receiver = $1 OR (m.receiver IS NULL"
    "   AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = chatd_topic_group(substr(m.conv_key, 3))"
    "     AND gm.user_id = $1)"
    "   AND m.seq > " STORE_VIEWER_DELETED_SQL("m.conv_key", "$1") STORE_VISIBLE_TO_SQL("$1") "))),"
    " ins AS (INSERT INTO msg_receipts (conv_key, seq, user_id, read_at)"
    "   SELECT conv_key, seq, $1, $3::bigint FROM m ON CONFLICT DO NOTHING"
    "   RETURNING conv_key, seq)," STORE_GROUP_RECEIPT_HOOK_SQL("$1::text", "$5", "$6")
    " SELECT " MSG_COLUMNS " FROM m";
/* clang-format on */

static const char receipts_get_sql[] =
    "SELECT " MSG_COLUMNS " FROM messages m"
    " WHERE m.msg_id IN (SELECT jsonb_array_elements_text($2::jsonb)) AND m.sender = $1";

static const char group_members_sql[] =
    "SELECT g.type, m.user_id, COALESCE(v.recv_opt, 0) FROM groups g"
    " LEFT JOIN group_members m ON m.group_id = g.group_id"
    " LEFT JOIN conv_views v ON v.user_id = m.user_id AND v.conv_key = 'g:' || g.group_id"
    " WHERE g.group_id = $1";

static const char receipt_counts_sql[] =
    "SELECT m.msg_id, m.conv_key, m.seq, m.sender,"
    " (SELECT count(*) FROM msg_receipts r WHERE r.conv_key = m.conv_key AND r.seq = m.seq),"
    " (SELECT count(*) FROM group_members gm WHERE gm.group_id = "
    "chatd_topic_group(substr(m.conv_key, 3))"
    "   AND gm.user_id <> m.sender AND m.receiver IS NULL)"
    " FROM messages m WHERE m.msg_id IN (SELECT jsonb_array_elements_text($2::jsonb))"
    " AND m.sender = $1";

/* $1 msg_id, $2 sender, $3 read (bool), $4 offset, $5 limit. */
static const char receipt_members_sql[] =
    "SELECT gm.user_id FROM messages m JOIN group_members gm"
    "   ON gm.group_id = chatd_topic_group(substr(m.conv_key, 3)) AND gm.user_id <> m.sender"
    " WHERE m.msg_id = $1 AND m.sender = $2 AND m.receiver IS NULL"
    " AND EXISTS (SELECT 1 FROM msg_receipts r WHERE r.conv_key = m.conv_key AND r.seq = m.seq"
    "   AND r.user_id = gm.user_id) = $3::bool"
    " ORDER BY gm.user_id OFFSET $4 LIMIT $5";

/* $1 sender, $2 receiver, $3 now. */
static const char c2c_check_sql[] =
    "SELECT EXISTS (SELECT 1 FROM accounts WHERE user_id = $2),"
    " EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"
    " COALESCE((SELECT c2c_mute_until > $3::bigint FROM accounts WHERE user_id = $1), false),"
    " COALESCE((SELECT recv_opt FROM conv_views WHERE user_id = $2 AND peer = $1), 0),"
    " " STORE_SNS_SEND_CHECK_SQL("$1", "$2", "$4::bool");

/* A live room's viewers have no member row: the LEFT JOIN lets mute-all, the global group mute
 * and a ban (which another node may not have heard of yet) reach them too. */
static const char group_muted_sql[] = "SELECT COALESCE(" STORE_GROUP_MUTED_SQL(
    "$3::bigint") ", false)"
                  " OR (gm.user_id IS NULL AND (g.mute_all OR COALESCE(s.group_mute_until > "
                  "$3::bigint, false)))"
                  " OR EXISTS (SELECT 1 FROM group_bans b WHERE b.group_id = $1 AND b.user_id = $2"
                  "   AND b.banned_until > $3::bigint)"
                  " FROM groups g LEFT JOIN group_members gm ON gm.group_id = g.group_id AND "
                  "gm.user_id = $2"
                  " LEFT JOIN accounts s ON s.user_id = $2 WHERE g.group_id = $1";

static const char mute_set_sql[] =
    "UPDATE accounts SET"
    " c2c_mute_until = CASE WHEN $2::bigint < 0 THEN c2c_mute_until ELSE $2::bigint END,"
    " group_mute_until = CASE WHEN $3::bigint < 0 THEN group_mute_until ELSE $3::bigint END"
    " WHERE user_id = $1";

/* $1 viewer, $2 JsonMsgKey. */
static const char merged_sql[] = "SELECT l.list::text FROM merged_lists l WHERE l.msg_key = $2"
                                 " AND " STORE_MERGED_READABLE_SQL("$2", "$1");

static const char mute_get_sql[] =
    "SELECT c2c_mute_until, group_mute_until FROM accounts WHERE user_id = $1";

/* Message search (store_msg_search): $1 viewer, $2 conversation (in the "one" forms), $3
 * keywords [text] (in the keyword forms), $4 every keyword (true) or any, $5 senders [UserID]
 * (NULL: any), $6 element types [MsgType] (NULL: any), $7 time from, $8 time to (0: none), $9
 * $10 $11 the cursor's ts, conv_key, seq (NULL: from the newest), $12 page size. The hits are
 * the messages the viewer may read (STORE_READABLE_SQL, as findMessages), not recalled; the
 * answer is the page (newest first, ordered by ts, conv_key, seq) joined with each hit's
 * conversation's hit count, plus the number of conversations and of hits on every row (one row
 * of NULL message columns when the page is empty). The keyword test goes through the trigram
 * index (schema/016_search.sql): LIKE ANY picks the candidates, LIKE ALL keeps those with every
 * keyword (messages.search_text, the folded text, rechecks a candidate without decoding the
 * body). */
/* clang-format off */
#define SEARCH_KEYWORDS_SQL                                                                        \
    " AND m.search_text LIKE ANY (ARRAY(SELECT chatd_search_pattern(k)"                            \
    "   FROM jsonb_array_elements_text($3::jsonb) k))"                                             \
    " AND (NOT $4::bool OR m.search_text LIKE ALL (ARRAY(SELECT"                                   \
    "   chatd_search_pattern(k) FROM jsonb_array_elements_text($3::jsonb) k)))"
#define SEARCH_SQL(who, conv, keywords)                                                            \
    "WITH hit AS MATERIALIZED (SELECT m.conv_key, m.seq, m.ts FROM messages m"                     \
    "   WHERE " conv " AND" who " AND m.flags & 16 = 0" keywords                                   \
    "   AND ($5::jsonb IS NULL OR m.sender IN (SELECT jsonb_array_elements_text($5::jsonb)))"      \
    "   AND ($6::jsonb IS NULL OR EXISTS (SELECT 1 FROM json_array_elements(m.body) e"             \
    "     WHERE e->>'MsgType' IN (SELECT jsonb_array_elements_text($6::jsonb))))"                  \
    "   AND m.ts >= $7::bigint AND ($8::bigint = 0 OR m.ts <= $8::bigint)),"                       \
    " per AS (SELECT conv_key, count(*) AS n FROM hit GROUP BY conv_key),"                         \
    " page AS (SELECT h.conv_key, h.seq FROM hit h WHERE $9::bigint IS NULL"                       \
    "   OR (h.ts, h.conv_key, h.seq) < ($9::bigint, $10::text, $11::bigint)"                       \
    "   ORDER BY h.ts DESC, h.conv_key DESC, h.seq DESC LIMIT $12::int)"                           \
    " SELECT " MSG_COLUMNS ", per.n, (SELECT count(*) FROM per),"                                  \
    "   (SELECT COALESCE(sum(n), 0) FROM per)"                                                     \
    " FROM (SELECT 1) AS one LEFT JOIN (page p JOIN messages m"                                    \
    "   ON m.conv_key = p.conv_key AND m.seq = p.seq JOIN per ON per.conv_key = p.conv_key) ON true" \
    " ORDER BY m.ts DESC, m.conv_key DESC, m.seq DESC"
#define SEARCH_ONE "m.conv_key = $2::text"
#define SEARCH_ALL "$2::text IS NULL"
#define SEARCH_USER STORE_READABLE_SQL("$1")
#define SEARCH_APP " $1::text IS NULL" /* the admin door: every message of the app */
#define SEARCH_ANY " AND $3::jsonb IS NULL AND $4::bool IS NOT NULL" /* every $n typed */
/* clang-format on */
/* [viewer or app][one conversation or all][keywords or none] */
static const char *const search_sqls[2][2][2] = {
    {{SEARCH_SQL(SEARCH_USER, SEARCH_ONE, SEARCH_KEYWORDS_SQL),
      SEARCH_SQL(SEARCH_USER, SEARCH_ONE, SEARCH_ANY)},
     {SEARCH_SQL(SEARCH_USER, SEARCH_ALL, SEARCH_KEYWORDS_SQL),
      SEARCH_SQL(SEARCH_USER, SEARCH_ALL, SEARCH_ANY)}},
    {{SEARCH_SQL(SEARCH_APP, SEARCH_ONE, SEARCH_KEYWORDS_SQL),
      SEARCH_SQL(SEARCH_APP, SEARCH_ONE, SEARCH_ANY)},
     {SEARCH_SQL(SEARCH_APP, SEARCH_ALL, SEARCH_KEYWORDS_SQL),
      SEARCH_SQL(SEARCH_APP, SEARCH_ALL, SEARCH_ANY)}},
};

/* ---- rows ---- */

static store_msg_row_t *rows_from(const db_batch_t *b, int stmt, size_t *n)
{
    *n = (size_t)db_batch_rows(b, stmt);
    store_msg_row_t *rows = xcalloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; i < *n; i++) {
        int r = (int)i;
        rows[i] = (store_msg_row_t){
            .conv_key = db_batch_value(b, stmt, r, 0),
            .seq = db_batch_int(b, stmt, r, 1, 0),
            .sender = db_batch_value(b, stmt, r, 2),
            .receiver = db_batch_value(b, stmt, r, 3),
            .random = (uint32_t)db_batch_int(b, stmt, r, 4, 0),
            .msg_id = db_batch_value(b, stmt, r, 5),
            .ts = db_batch_int(b, stmt, r, 6, 0),
            .body = db_batch_value(b, stmt, r, 7),
            .cloud_custom_data = db_batch_value(b, stmt, r, 8),
            .flags = (int)db_batch_int(b, stmt, r, 9, 0),
            .peer_read_seq = db_batch_int(b, stmt, r, 10, 0),
            .receipt_read = strcmp(db_batch_value(b, stmt, r, 11), "t") == 0,
        };
    }
    return rows;
}

typedef struct {
    void (*cb)(void);
    void *arg;
} cb_ctx_t;

static cb_ctx_t *ctx_new(void (*cb)(void), void *arg)
{
    cb_ctx_t *c = XNEW(cb_ctx_t);
    c->cb = cb;
    c->arg = arg;
    return c;
}

static void on_msgs(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    size_t n = 0;
    store_msg_row_t *rows = err == ERR_OK ? rows_from(b, 0, &n) : NULL;
    ((store_msgs_fn)c->cb)(err, rows, n, c->arg);
    xfree(rows);
    xfree(c);
}

static void submit_msgs(db_pool_t *db, db_batch_t *b, store_msgs_fn cb, void *arg)
{
    db_pool_submit(db, b, on_msgs, ctx_new((void (*)(void))cb, arg));
}

/* ---- queries ---- */

void store_msg_history(db_pool_t *db, const char *conv_key, const char *viewer, int64_t before_seq,
                       int count, store_msgs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, history_sql, 4,
              (char *[]){store_str(conv_key), store_str(viewer), store_int(before_seq),
                         store_int(count)});
    submit_msgs(db, b, cb, arg);
}

void store_msg_history_range(db_pool_t *db, const char *conv_key, const char *viewer,
                             int64_t min_time, int64_t max_time, int64_t before_seq, int count,
                             store_msgs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, history_range_sql, 6,
              (char *[]){store_str(conv_key), store_str(viewer), store_int(min_time),
                         store_int(max_time), store_int(before_seq), store_int(count)});
    submit_msgs(db, b, cb, arg);
}

void store_msg_history_v2(db_pool_t *db, const char *conv_key, const char *viewer,
                          const store_history_q_t *q, store_msgs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, q->newer ? history_newer_sql : history_older_sql, 8,
              (char *[]){store_str(conv_key), store_str(viewer), store_int(q->from_seq),
                         store_int(q->time_from), store_int(q->time_to), store_str(q->types_json),
                         store_str(q->seqs_json), store_int(q->count)});
    submit_msgs(db, b, cb, arg);
}

void store_msg_find(db_pool_t *db, const char *viewer, const char *const *msg_ids, size_t n,
                    store_msgs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, find_sql, 2, (char *[]){store_str(viewer), store_json_array(msg_ids, n)});
    submit_msgs(db, b, cb, arg);
}

static void on_sync(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    size_t n = 0, nreads = 0;
    store_msg_row_t *rows = NULL;
    store_read_pos_t *reads = NULL;
    if (err == ERR_OK) {
        rows = rows_from(b, 0, &n);
        nreads = (size_t)db_batch_rows(b, 1);
        reads = xcalloc(nreads ? nreads : 1, sizeof *reads);
        for (size_t i = 0; i < nreads; i++)
            reads[i] = (store_read_pos_t){
                db_batch_value(b, 1, (int)i, 0), db_batch_value(b, 1, (int)i, 1),
                db_batch_int(b, 1, (int)i, 2, 0), db_batch_int(b, 1, (int)i, 3, 0)};
    }
    ((store_sync_fn)c->cb)(err, rows, n, reads, nreads, c->arg);
    xfree(rows);
    xfree(reads);
    xfree(c);
}

void store_msg_sync(db_pool_t *db, const char *viewer, const char *positions_json, int count,
                    store_sync_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, sync_sql, 3,
              (char *[]){store_str(viewer), store_str(positions_json), store_int(count)});
    store_add(b, sync_reads_sql, 2, (char *[]){store_str(viewer), store_str(positions_json)});
    db_pool_submit(db, b, on_sync, ctx_new((void (*)(void))cb, arg));
}

static void on_merged(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    bool found = err == ERR_OK && db_batch_rows(b, 0) > 0;
    ((store_merged_fn)c->cb)(err, found ? db_batch_value(b, 0, 0, 0) : NULL, c->arg);
    xfree(c);
}

void store_merged_get(db_pool_t *db, const char *viewer, const char *key, store_merged_fn cb,
                      void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, merged_sql, 2, (const char *const[]){viewer, key});
    db_pool_submit(db, b, on_merged, ctx_new((void (*)(void))cb, arg));
}

static void on_mark_read(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    bool found = err == ERR_OK && db_batch_rows(b, 0) > 0;
    ((store_read_fn)c->cb)(err, found, found ? db_batch_int(b, 0, 0, 0, 0) : 0,
                           found ? db_batch_value(b, 0, 0, 1) : NULL, c->arg);
    xfree(c);
}

void store_conv_mark_read(db_pool_t *db, const char *viewer, const char *conv_key, int64_t upto_seq,
                          int64_t upto_time, int64_t now, const store_webhook_origin_t *hook,
                          store_read_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, mark_read_sql, 7,
              (char *[]){store_str(viewer), store_str(conv_key), store_int(upto_seq),
                         store_int(now), store_int(upto_time),
                         hook ? store_str(hook->platform ? hook->platform : "RESTAPI") : NULL,
                         hook ? store_str(hook->client_ip ? hook->client_ip : "") : NULL});
    db_pool_submit(db, b, on_mark_read, ctx_new((void (*)(void))cb, arg));
}

static void on_unread(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_rows(b, 0) : 0;
    store_unread_t *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] =
            (store_unread_t){db_batch_value(b, 0, (int)i, 0), db_batch_int(b, 0, (int)i, 1, 0)};
    ((store_unread_fn)c->cb)(err, rows, n, c->arg);
    xfree(rows);
    xfree(c);
}

void store_c2c_unread(db_pool_t *db, const char *user, const char *const *peers, size_t npeers,
                      store_unread_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    char *p = peers ? store_json_array(peers, npeers) : NULL;
    db_batch_add(b, unread_sql, 2, (const char *const[]){user, p});
    free(p);
    db_pool_submit(db, b, on_unread, ctx_new((void (*)(void))cb, arg));
}

void store_receipts_add(db_pool_t *db, const char *reader, const char *const *msg_ids, size_t n,
                        const char *keys_json, int64_t now, const store_webhook_origin_t *hook,
                        store_msgs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, receipts_add_sql, 6,
              (char *[]){store_str(reader), store_json_array(msg_ids, n), store_int(now),
                         store_str(keys_json),
                         store_str(hook ? (hook->platform ? hook->platform : "RESTAPI") : NULL),
                         store_str(hook && hook->client_ip ? hook->client_ip : "")});
    submit_msgs(db, b, cb, arg);
}

void store_receipts_get(db_pool_t *db, const char *sender, const char *const *msg_ids, size_t n,
                        store_msgs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, receipts_get_sql, 2, (char *[]){store_str(sender), store_json_array(msg_ids, n)});
    submit_msgs(db, b, cb, arg);
}

static void on_mute_set(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    if (err == ERR_OK && db_batch_affected(b, 0) == 0)
        err = ERR_NOT_IMPORTED;
    ((store_done_fn)c->cb)(err, c->arg);
    xfree(c);
}

void store_mute_set(db_pool_t *db, const char *user, int64_t c2c_until, int64_t group_until,
                    store_done_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, mute_set_sql, 3,
              (char *[]){store_str(user), store_int(c2c_until), store_int(group_until)});
    db_pool_submit(db, b, on_mute_set, ctx_new((void (*)(void))cb, arg));
}

static void on_mute_get(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    bool found = err == ERR_OK && db_batch_rows(b, 0) > 0;
    ((store_mute_fn)c->cb)(err, found, found ? db_batch_int(b, 0, 0, 0, 0) : 0,
                           found ? db_batch_int(b, 0, 0, 1, 0) : 0, c->arg);
    xfree(c);
}

void store_mute_get(db_pool_t *db, const char *user, store_mute_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, mute_get_sql, 1, (const char *const[]){user});
    db_pool_submit(db, b, on_mute_get, ctx_new((void (*)(void))cb, arg));
}

typedef struct {
    store_group_fanout_fn cb;
    void *arg;
} group_ctx_t;

static void on_group_members(db_batch_t *b, err_t err, void *arg)
{
    group_ctx_t *c = arg;
    bool found = err == ERR_OK && db_batch_rows(b, 0) > 0;
    store_ids_t ids = {0};
    int *opts = NULL;
    if (found) {
        ids.ids = xcalloc((size_t)db_batch_rows(b, 0), sizeof(char *));
        opts = xcalloc((size_t)db_batch_rows(b, 0), sizeof(int));
        for (int i = 0; i < db_batch_rows(b, 0); i++) {
            if (db_batch_value(b, 0, i, 1) == NULL)
                continue;
            opts[ids.n] = (int)db_batch_int(b, 0, i, 2, 0);
            ids.ids[ids.n++] = db_batch_value(b, 0, i, 1);
        }
    }
    c->cb(err, found, found ? db_batch_value(b, 0, 0, 0) : NULL, &ids, opts, c->arg);
    xfree(ids.ids);
    xfree(opts);
    xfree(c);
}

void store_group_fanout(db_pool_t *db, const char *group_id, store_group_fanout_fn cb, void *arg)
{
    group_ctx_t *c = XNEW(group_ctx_t);
    c->cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    db_batch_add(b, group_members_sql, 1, (const char *const[]){group_id});
    db_pool_submit(db, b, on_group_members, c);
}

typedef struct {
    store_receipt_counts_fn cb;
    void *arg;
} counts_ctx_t;

static void on_receipt_counts(db_batch_t *b, err_t err, void *arg)
{
    counts_ctx_t *c = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_rows(b, 0) : 0;
    store_receipt_count_t *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = (store_receipt_count_t){
            db_batch_value(b, 0, (int)i, 0), db_batch_value(b, 0, (int)i, 1),
            db_batch_int(b, 0, (int)i, 2, 0), db_batch_int(b, 0, (int)i, 4, 0),
            db_batch_int(b, 0, (int)i, 5, 0)};
    c->cb(err, rows, n, c->arg);
    xfree(rows);
    xfree(c);
}

void store_receipt_counts(db_pool_t *db, const char *sender, const char *const *msg_ids, size_t n,
                          store_receipt_counts_fn cb, void *arg)
{
    counts_ctx_t *c = XNEW(counts_ctx_t);
    c->cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    store_add(b, receipt_counts_sql, 2,
              (char *[]){store_str(sender), store_json_array(msg_ids, n)});
    db_pool_submit(db, b, on_receipt_counts, c);
}

typedef struct {
    store_ids_fn cb;
    void *arg;
} members_ctx_t;

static void on_receipt_members(db_batch_t *b, err_t err, void *arg)
{
    members_ctx_t *c = arg;
    store_ids_t ids = {0};
    if (err == ERR_OK)
        ids = store_ids_from(b, 0);
    c->cb(err, &ids, c->arg);
    xfree(ids.ids);
    xfree(c);
}

void store_receipt_members(db_pool_t *db, const char *sender, const char *msg_id, bool read,
                           int64_t offset, int count, store_ids_fn cb, void *arg)
{
    members_ctx_t *c = XNEW(members_ctx_t);
    c->cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    store_add(b, receipt_members_sql, 5,
              (char *[]){store_str(msg_id), store_str(sender), store_str(read ? "true" : "false"),
                         store_int(offset), store_int(count)});
    db_pool_submit(db, b, on_receipt_members, c);
}

typedef struct {
    store_c2c_check_fn cb;
    void *arg;
} check_ctx_t;

static bool col_true(const db_batch_t *b, int col)
{
    const char *v = db_batch_value(b, 0, 0, col);
    return v && strcmp(v, "t") == 0;
}

static void on_c2c_check(db_batch_t *b, err_t err, void *arg)
{
    check_ctx_t *c = arg;
    bool ok = err == ERR_OK && db_batch_rows(b, 0) > 0;
    c->cb(err, ok && col_true(b, 0), ok && col_true(b, 1), ok && col_true(b, 2),
          ok ? store_msg_relation_status(db_batch_value(b, 0, 0, 4)) : STORE_MSG_OK,
          ok ? (int)db_batch_int(b, 0, 0, 3, 0) : 0, c->arg);
    xfree(c);
}

void store_c2c_check(db_pool_t *db, const char *sender, const char *receiver, int64_t now,
                     bool check_friends, store_c2c_check_fn cb, void *arg)
{
    check_ctx_t *c = XNEW(check_ctx_t);
    c->cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    store_add(b, c2c_check_sql, 4,
              (char *[]){store_str(sender), store_str(receiver), store_int(now),
                         store_bool(check_friends)});
    db_pool_submit(db, b, on_c2c_check, c);
}

typedef struct {
    store_muted_fn cb;
    void *arg;
} muted_ctx_t;

static void on_group_muted(db_batch_t *b, err_t err, void *arg)
{
    muted_ctx_t *c = arg;
    c->cb(err, err == ERR_OK && db_batch_rows(b, 0) > 0 && col_true(b, 0), c->arg);
    xfree(c);
}

void store_group_sender_muted(db_pool_t *db, const char *group_id, const char *sender, int64_t now,
                              store_muted_fn cb, void *arg)
{
    muted_ctx_t *c = XNEW(muted_ctx_t);
    c->cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    store_add(b, group_muted_sql, 3,
              (char *[]){store_str(group_id), store_str(sender), store_int(now)});
    db_pool_submit(db, b, on_group_muted, c);
}

/* A search's plan is costed high (the keyword's selectivity is unknown to the planner), high
 * enough for JIT compilation, which costs every execution more (about 40-100 ms here) than the
 * whole search does. */
static const char no_jit_sql[] = "SELECT set_config('jit', 'off', true)";

static void on_search(db_batch_t *b, err_t err, void *arg)
{
    cb_ctx_t *c = arg;
    store_msg_search_res_t r = {0};
    store_msg_row_t *rows = NULL;
    const int stmt = 1; /* after no_jit_sql */
    if (err == ERR_OK && db_batch_rows(b, stmt) > 0) {
        int ncols = 12; /* MSG_COLUMNS */
        r.conversations = db_batch_int(b, stmt, 0, ncols + 1, 0);
        r.total = db_batch_int(b, stmt, 0, ncols + 2, 0);
        if (db_batch_value(b, stmt, 0, 0) != NULL) {
            rows = rows_from(b, stmt, &r.n);
            r.conv_hits = xcalloc(r.n, sizeof *r.conv_hits);
            for (size_t i = 0; i < r.n; i++)
                r.conv_hits[i] = db_batch_int(b, stmt, (int)i, ncols, 0);
        }
    }
    r.rows = rows;
    ((store_msg_search_fn)c->cb)(err, &r, c->arg);
    xfree(rows);
    xfree(r.conv_hits);
    xfree(c);
}

void store_msg_search(db_pool_t *db, const char *viewer, const store_msg_search_q_t *q,
                      store_msg_search_fn cb, void *arg)
{
    const char *sql = search_sqls[viewer == NULL][q->conv_key == NULL][q->keywords_json == NULL];
    bool cursor = q->after_conv_key != NULL;
    db_batch_t *b = db_batch_new();
    db_batch_add(b, no_jit_sql, 0, NULL);
    store_add(b, sql, 12,
              (char *[]){store_str(viewer), store_str(q->conv_key), store_str(q->keywords_json),
                         store_str(q->match_all ? "true" : "false"), store_str(q->senders_json),
                         store_str(q->types_json), store_int(q->time_from), store_int(q->time_to),
                         cursor ? store_int(q->after_ts) : NULL, store_str(q->after_conv_key),
                         cursor ? store_int(q->after_seq) : NULL, store_int(q->count)});
    db_pool_submit(db, b, on_search, ctx_new((void (*)(void))cb, arg));
}
