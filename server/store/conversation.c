#include "store/conversation.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/internal.h"
#include "store/webhook.h"

/* Pinned conversations sort above all others: their cursor gets this added. */
#define PIN_BIAS "4611686018427387904"

/* clang-format off */
/* A conversation's place in the list; pinned ones sort above all others. */
#define SORT_KEY                                                                                   \
    "(CASE WHEN v.pinned THEN " PIN_BIAS " ELSE 0 END"                                             \
    " + GREATEST(COALESCE(c.activity, 0), v.local_activity))"

#define AT_INFO                                                                                    \
    "(SELECT COALESCE(json_agg(json_build_object('seq', x.seq, 'atType', x.t) ORDER BY x.seq),"    \
    "   '[]') FROM (SELECT a.seq, CASE WHEN bool_or(a.user_id = '')"                               \
    "     AND bool_or(a.user_id = v.user_id) THEN 3 WHEN bool_or(a.user_id = '') THEN 2 ELSE 1"    \
    "     END AS t FROM group_at a WHERE a.conv_key = v.conv_key"                                  \
    "     AND a.seq > GREATEST(v.read_seq, v.deleted_seq) AND a.user_id IN ('', v.user_id)"        \
    "     GROUP BY a.seq) AS x)::text"

#define CONV_COLUMNS                                                                               \
    "v.conv_key, CASE WHEN v.group_id IS NULL THEN 1 ELSE 2 END, v.peer, v.group_id,"              \
    " COALESCE(pn.value #>> '{}', gr.name, tp.name, ''),"                                          \
    " COALESCE(pi.value #>> '{}', gr.face_url, tp.face_url, ''),"                                  \
    " " STORE_UNREAD_SQL("v", "c") " AS unread,"                                                   \
    " GREATEST(COALESCE(c.activity, 0), v.local_activity) AS order_key,"                           \
    " " SORT_KEY " AS sort_key,"                                                                   \
    " v.pinned, v.draft_text, v.draft_time, v.recv_opt, v.marks, v.custom_mark,"                   \
    " (SELECT COALESCE(json_agg(g.name ORDER BY g.group_no), '[]') FROM conv_group_members gm"     \
    "   JOIN conv_groups g ON g.user_id = gm.user_id AND g.group_no = gm.group_no"                 \
    "   WHERE gm.user_id = v.user_id AND gm.conv_key = v.conv_key)::text,"                         \
    " v.read_seq, COALESCE(p.read_time, 0),"                                                       \
    " m.seq, m.sender, m.receiver, m.random, m.msg_id, m.ts, m.body::text,"                        \
    " m.cloud_custom_data, m.flags, COALESCE(p.read_seq, 0),"                                      \
    " " AT_INFO " AS at_info"

/* Everything a conversation row joins besides its view `v`. */
#define CONV_JOINS                                                                                 \
    " LEFT JOIN conversations c ON c.conv_key = v.conv_key"                                        \
    " LEFT JOIN conv_views p ON p.conv_key = v.conv_key AND p.user_id = v.peer"                    \
    " LEFT JOIN profiles pn ON pn.user_id = v.peer AND pn.tag = 'Tag_Profile_IM_Nick'"             \
    " LEFT JOIN profiles pi ON pi.user_id = v.peer AND pi.tag = 'Tag_Profile_IM_Image'"            \
    " LEFT JOIN groups gr ON gr.group_id = v.group_id"                                             \
    " LEFT JOIN group_topics tp ON tp.topic_id = v.group_id" /* a Community topic's view */        \
    " LEFT JOIN LATERAL (SELECT * FROM messages m WHERE m.conv_key = v.conv_key"                   \
    "   AND m.seq > v.deleted_seq AND (NOT v.has_hidden OR " STORE_NOT_HIDDEN_SQL("v.user_id") ")" \
    "   ORDER BY m.seq DESC LIMIT 1) AS m ON true"

#define CONV_FROM " FROM conv_views v" CONV_JOINS

#define VISIBLE                                                                                    \
    "(COALESCE(c.last_seq, 0) > GREATEST(v.deleted_seq, v.hidden_seq)"                             \
    " OR v.draft_text IS NOT NULL OR v.pinned OR v.kept)"

/* The conversation filter (store_conv_filter_t) on view alias v and conversation alias c; each
 * argument is the SQL expression of one field. */
#define CONV_FILTER_SQL(type, group, mark, unread, at)                                             \
    " AND (" type " = 0 OR (" type " = 1) = (v.group_id IS NULL))"                                \
    " AND (" mark " = 0 OR v.marks & " mark " <> 0)"                                               \
    " AND (" group " IS NULL"                                                                      \
    "   OR (" group " = '' AND NOT EXISTS (SELECT 1 FROM conv_group_members gm"                    \
    "         WHERE gm.user_id = v.user_id AND gm.conv_key = v.conv_key))"                         \
    "   OR EXISTS (SELECT 1 FROM conv_group_members gm JOIN conv_groups g"                         \
    "         ON g.user_id = gm.user_id AND g.group_no = gm.group_no"                              \
    "         WHERE gm.user_id = v.user_id AND gm.conv_key = v.conv_key AND g.name = " group "))"  \
    " AND (NOT " unread " OR " STORE_UNREAD_SQL("v", "c") " > 0)"                                  \
    " AND (NOT " at " OR EXISTS (SELECT 1 FROM group_at a WHERE a.conv_key = v.conv_key"           \
    "   AND a.seq > GREATEST(v.read_seq, v.deleted_seq) AND a.user_id IN ('', v.user_id)))"

/* $1 user, $2 type (0 any), $3 conversation-group name (NULL any, '' none), $4 mark mask,
 * $5 only unread, $6 cursor (0: start), $7 limit, $8 only with @ info. The page is chosen from
 * the views and conversations alone; only its rows are then joined with the rest, so a page
 * costs O(page) joins whatever the number of conversations. Planned each time: the generic plan
 * of its optional filters took 40 ms where the plan for the actual parameters takes 4. */
static const char list_sql[] =
    DB_PLAN_EACH_TIME "SELECT " CONV_COLUMNS " FROM ("
    "  SELECT v.conv_key, " SORT_KEY " AS sk"
    "  FROM conv_views v LEFT JOIN conversations c ON c.conv_key = v.conv_key"
    "  WHERE v.user_id = $1 AND " VISIBLE
    CONV_FILTER_SQL("$2::int", "$3::text", "$4::bigint", "$5::bool", "$8::bool")
    "   AND ($6::bigint = 0 OR " SORT_KEY " < $6::bigint)"
    "  ORDER BY sk DESC, v.conv_key LIMIT $7"
    ") AS page"
    " JOIN conv_views v ON v.user_id = $1 AND v.conv_key = page.conv_key"
    CONV_JOINS
    " ORDER BY page.sk DESC, page.conv_key";
/* clang-format on */

static const char get_sql[] = "SELECT " CONV_COLUMNS CONV_FROM " WHERE v.user_id = $1"
                              " AND v.conv_key IN (SELECT jsonb_array_elements_text($2::jsonb))";

/* clang-format off */
/* Each user's unread total is summed once (totals), not once per changed conversation: a
 * pass that changes 100 of a user's conversations reads their list once, not 100 times. */
static const char pairs_sql[] =
    "WITH totals AS ("
    "  SELECT u.user_id, " STORE_TOTAL_UNREAD_SQL("v2", "c2", "u.user_id", "") " AS total"
    "  FROM (SELECT DISTINCT e->>0 AS user_id FROM jsonb_array_elements($1::jsonb) AS e) u"
    ")"
    " SELECT " CONV_COLUMNS ", v.user_id,"
    " COALESCE((e->>2)::bool AND c.last_seq = GREATEST(v.deleted_seq, v.hidden_seq) + 1, false),"
    " t.total"
    CONV_FROM
    " JOIN jsonb_array_elements($1::jsonb) AS e ON v.user_id = e->>0 AND v.conv_key = e->>1"
    " JOIN totals t ON t.user_id = v.user_id";

/* $1 user, $2-$6 the filter (type, group, marks, unread only, @ only): the unread total of the
 * conversations it keeps, counted as total_unread_sql counts. */
static const char filter_unread_sql[] =
    "SELECT " STORE_TOTAL_UNREAD_SQL("v", "c", "$1",
        CONV_FILTER_SQL("$2::int", "$3::text", "$4::bigint", "$5::bool", "$6::bool"));

static const char total_unread_sql[] = "SELECT " STORE_TOTAL_UNREAD_SQL("v", "c", "$1", "");
/* clang-format on */

/* $1 user, $2 key, $3 now. The deletion point moves to the newest message; the view stays
 * listed (kept); the conversation is queued for the purge task. One row: the views cleared. */
static const char clear_sql[] =
    "WITH u AS ("
    "  UPDATE conv_views v SET kept = true, deleted_seq = GREATEST(v.deleted_seq,"
    "   COALESCE((SELECT c.last_seq FROM conversations c WHERE c.conv_key = v.conv_key), 0))"
    "  WHERE v.user_id = $1 AND v.conv_key = $2"
    "  RETURNING v.conv_key"
    "), pq AS ("
    "  INSERT INTO purge_queue (conv_key, queued_at) SELECT conv_key, $3::bigint FROM u"
    "  ON CONFLICT (conv_key) DO NOTHING"
    ") SELECT count(*) FROM u";

/* $1 user, $2 keys, $3 now, $4 clear, $5 OptPlatform of the after-delete event (NULL: no
 * event), $6 its ClientIP. */
static const char delete_sql[] =
    "WITH d AS ("
    "  UPDATE conv_views v SET"
    "   deleted_seq = CASE WHEN $4::bool THEN GREATEST(v.deleted_seq, COALESCE(x.last_seq, 0))"
    "                 ELSE v.deleted_seq END,"
    "   hidden_seq = GREATEST(v.hidden_seq, COALESCE(x.last_seq, 0)),"
    "   pinned = false, draft_text = NULL, draft_time = 0, marks = 0, custom_mark = NULL,"
    "   local_activity = 0, kept = false"
    "  FROM (SELECT k.k, c.last_seq FROM jsonb_array_elements_text($2::jsonb) AS k(k)"
    "        LEFT JOIN conversations c ON c.conv_key = k.k) AS x"
    "  WHERE v.user_id = $1 AND v.conv_key = x.k"
    "  RETURNING v.conv_key, v.peer, v.group_id"
    "), gm AS ("
    "  DELETE FROM conv_group_members g USING d WHERE g.user_id = $1 AND g.conv_key = d.conv_key"
    "), pq AS ("
    "  INSERT INTO purge_queue (conv_key, queued_at) SELECT conv_key, $3::bigint FROM d"
    "  WHERE $4::bool ON CONFLICT (conv_key) DO NOTHING"
    "), hook AS ("
    "  " STORE_WEBHOOK_INSERT
    "  SELECT 'Conversation.CallbackAfterDeleteConversation', d.conv_key, $5::text, $6::text,"
    "   json_strip_nulls(json_build_object('Operator_Account', $1::text,"
    "    'Type', CASE WHEN d.group_id IS NULL THEN 1 ELSE 2 END, 'To_Account', d.peer,"
    "    'GroupId', d.group_id, 'ClearRamble', CASE WHEN $4::bool THEN 1 ELSE 0 END,"
    "    'OptPlatform', $5::text))"
    "  FROM d WHERE $5::text IS NOT NULL"
    ") SELECT conv_key FROM d";

/* Whether `user` may hold a view of the conversation of `group` (NULL: a one-to-one one): a
 * group's view row is what makes its history readable (STORE_VISIBLE_TO_SQL), so only a member
 * may have one created or changed (a Community topic's: a member of the community). */
#define MAY_HOLD_VIEW_SQL(group, user)                                                             \
    "(" group " IS NULL OR EXISTS (SELECT 1 FROM group_members gm"                                 \
    " WHERE gm.group_id = chatd_topic_group(" group ") AND gm.user_id = " user "))"

/* $1 user, $2 key, $3 peer, $4 group, $5 pinned, $6 max pinned. Returns rows changed, -1 when
 * the user is not a member of the group. */
/* clang-format off */
static const char pin_sql[] =
    "WITH ok AS (SELECT " MAY_HOLD_VIEW_SQL("$4::text", "$1") " AS member),"
    " cnt AS (SELECT count(*) AS n FROM conv_views"
    "   WHERE user_id = $1 AND pinned AND conv_key <> $2),"
    " up AS (INSERT INTO conv_views AS v (user_id, conv_key, peer, group_id, pinned, local_activity)"
    "   SELECT $1, $2, $3, $4, $5::bool, nextval('conv_activity') FROM cnt, ok"
    "   WHERE ok.member AND (NOT $5::bool OR cnt.n < $6::bigint)"
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET pinned = EXCLUDED.pinned,"
    "     local_activity = CASE WHEN EXCLUDED.pinned THEN EXCLUDED.local_activity"
    "                      ELSE v.local_activity END"
    "   RETURNING 1)"
    " SELECT CASE WHEN (SELECT member FROM ok) THEN count(*) ELSE -1 END FROM up";

/* $1 user, $2 key, $3 peer, $4 group, $5 text ('' clears), $6 now. Returns rows changed (1), -1
 * when the user is not a member of the group. */
static const char draft_sql[] =
    "WITH ok AS (SELECT " MAY_HOLD_VIEW_SQL("$4::text", "$1") " AS member),"
    " up AS (INSERT INTO conv_views AS v (user_id, conv_key, peer, group_id, draft_text,"
    "   draft_time, local_activity)"
    "   SELECT $1, $2, $3, $4, NULLIF($5, ''), CASE WHEN $5 = '' THEN 0 ELSE $6::bigint END,"
    "   CASE WHEN $5 = '' THEN 0 ELSE nextval('conv_activity') END FROM ok WHERE ok.member"
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET draft_text = EXCLUDED.draft_text,"
    "   draft_time = EXCLUDED.draft_time,"
    "   local_activity = GREATEST(v.local_activity, EXCLUDED.local_activity)"
    "   RETURNING 1)"
    " SELECT CASE WHEN (SELECT member FROM ok) THEN count(*) ELSE -1 END FROM up";
/* clang-format on */

/* $1 user, $2 key or 'c2c' / 'group' / '', $3 upto seq (0 newest), $4 now, $5 upto time,
 * $6 OptPlatform (NULL: no C2C.CallbackAfterMsgReport), $7 ClientIP. */
static const char clean_sql[] =
    "WITH o AS (SELECT conv_key, read_seq FROM conv_views WHERE user_id = $1),"
    " up AS (UPDATE conv_views v SET read_seq = GREATEST(v.read_seq,"
    "   CASE WHEN $3::bigint > 0 THEN LEAST($3::bigint, c.last_seq)"
    "   WHEN $5::bigint > 0 THEN COALESCE((SELECT max(m.seq) FROM messages m"
    "     WHERE m.conv_key = v.conv_key AND m.ts <= $5::bigint), 0)"
    "   ELSE c.last_seq END),"
    "   read_time = $4::bigint"
    " FROM conversations c WHERE c.conv_key = v.conv_key AND v.user_id = $1"
    " AND (($2 = 'c2c' AND v.group_id IS NULL) OR ($2 = 'group' AND v.group_id IS NOT NULL)"
    "      OR $2 = '' OR v.conv_key = $2)"
    " AND c.last_seq > v.read_seq"
    " RETURNING v.*),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'C2C.CallbackAfterMsgReport', u.conv_key, $6::text, $7::text,"
    "   json_build_object('Report_Account', u.user_id, 'Peer_Account', u.peer,"
    "   'LastReadTime', $4::bigint, 'UnreadMsgNum', " STORE_UNREAD_SQL(
        "u", "c") ")"
                  "   FROM up u JOIN conversations c ON c.conv_key = u.conv_key"
                  "   JOIN o ON o.conv_key = u.conv_key"
                  "   WHERE $6::text IS NOT NULL AND u.peer IS NOT NULL AND u.read_seq > o.read_seq"
                  "   ORDER BY u.conv_key)"
                  " SELECT conv_key, peer, read_seq FROM up";

/* $1 user, $2 [[key, peer, group]], $3 opt. Returns the views set: a group's only for a member. */
/* clang-format off */
static const char recv_opt_sql[] =
    "WITH up AS (INSERT INTO conv_views AS v (user_id, conv_key, peer, group_id, recv_opt)"
    "   SELECT $1, e->>0, e->>1, e->>2, $3::int FROM jsonb_array_elements($2::jsonb) AS e"
    "   WHERE " MAY_HOLD_VIEW_SQL("(e->>2)", "$1")
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET recv_opt = EXCLUDED.recv_opt"
    "   RETURNING 1)"
    " SELECT count(*) FROM up";
/* clang-format on */

/* $1 user, $2 name, $3 keys (REST create passes none), $4 max groups. Returns (created,
 * existed). */
static const char group_create_sql[] =
    "WITH cnt AS (SELECT count(*) AS n, COALESCE(max(group_no), 0) + 1 AS nxt,"
    "   COALESCE(bool_or(name = $2), false) AS ex FROM conv_groups WHERE user_id = $1),"
    " g AS (INSERT INTO conv_groups (user_id, group_no, name)"
    "   SELECT $1, nxt, $2 FROM cnt WHERE NOT ex AND n < $4::bigint RETURNING group_no),"
    " m AS (INSERT INTO conv_group_members (user_id, group_no, conv_key)"
    "   SELECT $1, g.group_no, v.conv_key FROM g JOIN conv_views v ON v.user_id = $1"
    "   AND v.conv_key IN (SELECT jsonb_array_elements_text($3::jsonb)) ON CONFLICT DO NOTHING)"
    " SELECT (SELECT count(*) FROM g), (SELECT ex FROM cnt)";

static const char group_delete_sql[] =
    "DELETE FROM conv_groups WHERE user_id = $1 AND name = $2 RETURNING 1";

/* Returns (renamed, old exists, new exists). */
static const char group_rename_sql[] =
    "WITH o AS (SELECT 1 FROM conv_groups WHERE user_id = $1 AND name = $2),"
    " n AS (SELECT 1 FROM conv_groups WHERE user_id = $1 AND name = $3),"
    " up AS (UPDATE conv_groups SET name = $3 WHERE user_id = $1 AND name = $2"
    "   AND NOT EXISTS (SELECT 1 FROM n) RETURNING 1)"
    " SELECT (SELECT count(*) FROM up), EXISTS (SELECT 1 FROM o), EXISTS (SELECT 1 FROM n)";

static const char group_list_sql[] =
    "SELECT g.group_no, g.name, (SELECT count(*) FROM conv_group_members m"
    "   WHERE m.user_id = g.user_id AND m.group_no = g.group_no)"
    " FROM conv_groups g WHERE g.user_id = $1 ORDER BY g.group_no";

/* Takes up to 100 queued conversations and deletes the one-to-one history no participant can
 * see any more: below every participant's deletion point, and the messages each participant
 * either deleted for themselves or is past. A participant without a view (an app admin, a
 * deleted account) sees nothing. A group's history stays (later members may read it).
 * $1: queued before. */
static const char purge_sql[] =
    "WITH q AS (DELETE FROM purge_queue WHERE conv_key IN (SELECT conv_key FROM purge_queue"
    "   WHERE queued_at <= $1::bigint ORDER BY queued_at LIMIT 100 FOR UPDATE SKIP LOCKED)"
    "   RETURNING conv_key),"
    " lim AS (SELECT v.conv_key, min(v.deleted_seq) AS upto FROM conv_views v"
    "   JOIN q ON q.conv_key = v.conv_key WHERE v.group_id IS NULL"
    "   GROUP BY v.conv_key),"
    " gone AS (SELECT DISTINCT h.conv_key, h.seq FROM msg_hidden h JOIN lim"
    "   ON lim.conv_key = h.conv_key AND h.seq > lim.upto"
    "   WHERE NOT EXISTS (SELECT 1 FROM conv_views v WHERE v.conv_key = h.conv_key"
    "     AND v.deleted_seq < h.seq AND NOT EXISTS (SELECT 1 FROM msg_hidden o"
    "       WHERE o.user_id = v.user_id AND o.conv_key = h.conv_key AND o.seq = h.seq))),"
    " r AS (DELETE FROM msg_receipts x USING lim WHERE x.conv_key = lim.conv_key"
    "   AND x.seq <= lim.upto),"
    " rg AS (DELETE FROM msg_receipts x USING gone WHERE x.conv_key = gone.conv_key"
    "   AND x.seq = gone.seq),"
    " h AS (DELETE FROM msg_hidden x USING lim WHERE x.conv_key = lim.conv_key"
    "   AND x.seq <= lim.upto),"
    " hg AS (DELETE FROM msg_hidden x USING gone WHERE x.conv_key = gone.conv_key"
    "   AND x.seq = gone.seq),"
    " del AS (DELETE FROM messages m USING lim WHERE m.conv_key = lim.conv_key"
    "   AND m.seq <= lim.upto RETURNING 1),"
    " delg AS (DELETE FROM messages m USING gone WHERE m.conv_key = gone.conv_key"
    "   AND m.seq = gone.seq RETURNING 1)"
    " SELECT (SELECT count(*) FROM q), (SELECT count(*) FROM del) + (SELECT count(*) FROM delg)";

/* ---- helpers ---- */

typedef struct {
    void (*cb)(void);
    void *arg;
} ctx_t;

static ctx_t *ctx_new(void (*cb)(void), void *arg)
{
    ctx_t *c = XNEW(ctx_t);
    c->cb = cb;
    c->arg = arg;
    return c;
}

static char *keys_json(const char *const *keys, size_t n)
{
    char *j = store_json_array(keys, n);
    char *copy = xstrdup(j);
    free(j);
    return copy;
}

static bool is_true(const db_batch_t *b, int row, int col)
{
    const char *v = db_batch_value(b, 0, row, col);
    return v && strcmp(v, "t") == 0;
}

char *store_conv_peer(const char *key, const char *user)
{
    if (strncmp(key, "c:", 2) != 0)
        return NULL;
    char *end;
    unsigned long len = strtoul(key + 2, &end, 10);
    if (*end != ':' || strlen(end + 1) < len + 1 || end[1 + len] != ':')
        return NULL;
    char *a = xstrndup(end + 1, len);
    const char *b = end + 2 + len;
    char *peer = xstrdup(strcmp(a, user) == 0 ? b : a);
    xfree(a);
    return peer;
}

static char *group_of(const char *key)
{
    return strncmp(key, "g:", 2) == 0 ? xstrdup(key + 2) : NULL;
}

/* ---- reads ---- */

static store_conv_t *convs_from(const db_batch_t *b, size_t *n)
{
    *n = (size_t)db_batch_rows(b, 0);
    store_conv_t *rows = xcalloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; i < *n; i++) {
        int r = (int)i;
        store_conv_t *c = &rows[i];
        c->conv_key = db_batch_value(b, 0, r, 0);
        c->type = (int)db_batch_int(b, 0, r, 1, 1);
        c->peer = db_batch_value(b, 0, r, 2);
        c->group_id = db_batch_value(b, 0, r, 3);
        c->show_name = db_batch_value(b, 0, r, 4);
        c->face_url = db_batch_value(b, 0, r, 5);
        c->unread = db_batch_int(b, 0, r, 6, 0);
        c->order_key = db_batch_int(b, 0, r, 7, 0);
        c->sort_key = db_batch_int(b, 0, r, 8, 0);
        c->pinned = is_true(b, r, 9);
        c->draft_text = db_batch_value(b, 0, r, 10);
        c->draft_time = db_batch_int(b, 0, r, 11, 0);
        c->recv_opt = (int)db_batch_int(b, 0, r, 12, 0);
        c->marks = db_batch_int(b, 0, r, 13, 0);
        c->custom_mark = db_batch_value(b, 0, r, 14);
        c->groups_json = db_batch_value(b, 0, r, 15);
        c->read_seq = db_batch_int(b, 0, r, 16, 0);
        c->peer_read_time = db_batch_int(b, 0, r, 17, 0);
        c->has_last = db_batch_value(b, 0, r, 18) != NULL;
        c->at_info_json = db_batch_value(b, 0, r, 28);
        c->user = db_batch_value(b, 0, r, 29);
        c->is_new = is_true(b, r, 30);
        c->total_unread = db_batch_int(b, 0, r, 31, 0);
        c->last = (store_msg_row_t){
            .conv_key = c->conv_key,
            .seq = db_batch_int(b, 0, r, 18, 0),
            .sender = db_batch_value(b, 0, r, 19),
            .receiver = db_batch_value(b, 0, r, 20),
            .random = (uint32_t)db_batch_int(b, 0, r, 21, 0),
            .msg_id = db_batch_value(b, 0, r, 22),
            .ts = db_batch_int(b, 0, r, 23, 0),
            .body = db_batch_value(b, 0, r, 24),
            .cloud_custom_data = db_batch_value(b, 0, r, 25),
            .flags = (int)db_batch_int(b, 0, r, 26, 0),
            .peer_read_seq = db_batch_int(b, 0, r, 27, 0),
        };
    }
    return rows;
}

static void on_convs(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    size_t n = 0;
    store_conv_t *rows = err == ERR_OK ? convs_from(b, &n) : NULL;
    ((store_convs_fn)c->cb)(err, rows, n, c->arg);
    xfree(rows);
    xfree(c);
}

void store_conv_list(db_pool_t *db, const char *user, const store_conv_filter_t *f, int64_t cursor,
                     int count, store_convs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, list_sql, 8,
              (char *[]){store_str(user), store_int(f->type), store_str(f->group_name),
                         store_int(f->mark_mask), store_bool(f->has_unread), store_int(cursor),
                         store_int(count), store_bool(f->has_at_info)});
    db_pool_submit(db, b, on_convs, ctx_new((void (*)(void))cb, arg));
}

void store_conv_get(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                    store_convs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, get_sql, 2, (char *[]){store_str(user), keys_json(keys, n)});
    db_pool_submit(db, b, on_convs, ctx_new((void (*)(void))cb, arg));
}

void store_conv_get_pairs(db_pool_t *db, const char *pairs_json, store_convs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, pairs_sql, 1, (const char *const[]){pairs_json});
    db_pool_submit(db, b, on_convs, ctx_new((void (*)(void))cb, arg));
}

static void on_count(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    ((store_count_fn)c->cb)(err, err == ERR_OK ? db_batch_int(b, 0, 0, 0, 0) : 0, c->arg);
    xfree(c);
}

void store_conv_filter_unread(db_pool_t *db, const char *user, const store_conv_filter_t *f,
                              store_count_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, filter_unread_sql, 6,
              (char *[]){store_str(user), store_int(f->type), store_str(f->group_name),
                         store_int(f->mark_mask), store_bool(f->has_unread),
                         store_bool(f->has_at_info)});
    db_pool_submit(db, b, on_count, ctx_new((void (*)(void))cb, arg));
}

void store_conv_total_unread(db_pool_t *db, const char *user, store_count_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, total_unread_sql, 1, (const char *const[]){user});
    db_pool_submit(db, b, on_count, ctx_new((void (*)(void))cb, arg));
}

/* ---- writes ---- */

static void on_ids(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    store_ids_t ids = {0};
    if (err == ERR_OK)
        ids = store_ids_from(b, 0);
    ((store_ids_fn)c->cb)(err, &ids, c->arg);
    xfree(ids.ids);
    xfree(c);
}

void store_conv_delete(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                       bool clear, int64_t now, const store_webhook_origin_t *hook, store_ids_fn cb,
                       void *arg)
{
    db_batch_t *b = db_batch_new();
    const char *platform = hook ? (hook->platform ? hook->platform : "RESTAPI") : NULL;
    const char *ip = hook && hook->client_ip ? hook->client_ip : "";
    store_add(b, delete_sql, 6,
              (char *[]){store_str(user), keys_json(keys, n), store_int(now), store_bool(clear),
                         store_str(platform), store_str(ip)});
    db_pool_submit(db, b, on_ids, ctx_new((void (*)(void))cb, arg));
}

/* Reports ERR_OK when statement 0 returned a positive count, `zero` for 0, `negative` below. */
typedef struct {
    store_done_fn cb;
    void *arg;
    err_t zero, negative;
} count_ctx_t;

static void on_nonzero(db_batch_t *b, err_t err, void *arg)
{
    count_ctx_t *c = arg;
    int64_t n = err == ERR_OK ? db_batch_int(b, 0, 0, 0, 0) : 1;
    if (n <= 0)
        err = n == 0 ? c->zero : c->negative;
    c->cb(err, c->arg);
    xfree(c);
}

static void submit_nonzero(db_pool_t *db, db_batch_t *b, err_t zero, err_t negative,
                           store_done_fn cb, void *arg)
{
    count_ctx_t *c = XNEW(count_ctx_t);
    c->cb = cb;
    c->arg = arg;
    c->zero = zero;
    c->negative = negative;
    db_pool_submit(db, b, on_nonzero, c);
}

void store_conv_pin(db_pool_t *db, const char *user, const char *key, bool pinned, int max_pinned,
                    store_done_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, pin_sql, 6,
              (char *[]){store_str(user), store_str(key), store_conv_peer(key, user), group_of(key),
                         store_bool(pinned), store_int(max_pinned)});
    submit_nonzero(db, b, ERR_CONV_PIN_LIMIT, ERR_CONV_NOT_FOUND, cb, arg);
}

void store_conv_draft(db_pool_t *db, const char *user, const char *key, const char *text,
                      int64_t now, store_done_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, draft_sql, 6,
              (char *[]){store_str(user), store_str(key), store_conv_peer(key, user), group_of(key),
                         store_str(text), store_int(now)});
    submit_nonzero(db, b, ERR_CONV_NOT_FOUND, ERR_CONV_NOT_FOUND, cb, arg);
}

static void on_read_marks(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_rows(b, 0) : 0;
    store_read_mark_t *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] =
            (store_read_mark_t){db_batch_value(b, 0, (int)i, 0), db_batch_value(b, 0, (int)i, 1),
                                db_batch_int(b, 0, (int)i, 2, 0)};
    ((store_read_marks_fn)c->cb)(err, rows, n, c->arg);
    xfree(rows);
    xfree(c);
}

void store_conv_clean_unread(db_pool_t *db, const char *user, const char *key_or_kind,
                             int64_t upto_seq, int64_t upto_time, int64_t now,
                             const store_webhook_origin_t *hook, store_read_marks_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, clean_sql, 7,
              (char *[]){store_str(user), store_str(key_or_kind), store_int(upto_seq),
                         store_int(now), store_int(upto_time),
                         hook ? store_str(hook->platform ? hook->platform : "RESTAPI") : NULL,
                         hook ? store_str(hook->client_ip ? hook->client_ip : "") : NULL});
    db_pool_submit(db, b, on_read_marks, ctx_new((void (*)(void))cb, arg));
}

void store_conv_clear(db_pool_t *db, const char *user, const char *key, int64_t now,
                      store_count_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, clear_sql, 3, (char *[]){store_str(user), store_str(key), store_int(now)});
    db_pool_submit(db, b, on_count, ctx_new((void (*)(void))cb, arg));
}

void store_conv_set_recv_opt(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                             int opt, store_done_fn cb, void *arg)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        char *peer = store_conv_peer(keys[i], user), *group = group_of(keys[i]);
        json_array_append_new(rows, json_pack("[s, s?, s?]", keys[i], peer, group));
        xfree(peer);
        xfree(group);
    }
    char *p = json_dumps(rows, JSON_COMPACT);
    json_decref(rows);
    db_batch_t *b = db_batch_new();
    store_add(b, recv_opt_sql, 3, (char *[]){store_str(user), store_str(p), store_int(opt)});
    free(p);
    submit_nonzero(db, b, ERR_GROUP_PERMISSION, ERR_GROUP_PERMISSION, cb, arg);
}

/* ---- conversation groups ---- */

static void on_group_list(db_batch_t *b, err_t err, void *arg)
{
    ctx_t *c = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_rows(b, 0) : 0;
    store_conv_group_t *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] =
            (store_conv_group_t){db_batch_int(b, 0, (int)i, 0, 0), db_batch_value(b, 0, (int)i, 1),
                                 db_batch_int(b, 0, (int)i, 2, 0)};
    ((store_groups_fn)c->cb)(err, rows, n, c->arg);
    xfree(rows);
    xfree(c);
}

void store_conv_group_list(db_pool_t *db, const char *user, store_groups_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, group_list_sql, 1, (const char *const[]){user});
    db_pool_submit(db, b, on_group_list, ctx_new((void (*)(void))cb, arg));
}

/* ---- the purge task ---- */

struct store_purger {
    db_pool_t *db;
    struct event *timer;
    int interval_s;
    bool running;
};

static void purger_arm(store_purger_t *p)
{
    struct timeval tv = {p->interval_s, 0};
    evtimer_add(p->timer, &tv);
}

static void on_purged(db_batch_t *b, err_t err, void *arg)
{
    store_purger_t *p = arg;
    p->running = false;
    if (err != ERR_OK) {
        log_warn("purge: failed: %s", db_batch_errmsg(b));
    } else if (db_batch_int(b, 0, 0, 0, 0) > 0) {
        log_info("purge: %lld conversations checked, %lld messages removed",
                 (long long)db_batch_int(b, 0, 0, 0, 0), (long long)db_batch_int(b, 0, 0, 1, 0));
        purger_arm(p); /* more may be queued: keep going at the same pace */
        return;
    }
    purger_arm(p);
}

static void on_purge_timer(evutil_socket_t fd, short what, void *arg)
{
    store_purger_t *p = arg;
    if (p->running)
        return;
    p->running = true;
    char *before = store_int((int64_t)time(NULL));
    db_batch_t *b = db_batch_new();
    db_batch_add(b, purge_sql, 1, (const char *const[]){before});
    xfree(before);
    db_pool_submit(p->db, b, on_purged, p);
}

store_purger_t *store_purger_new(struct event_base *base, db_pool_t *db, int interval_s)
{
    store_purger_t *p = XNEW(store_purger_t);
    p->db = db;
    p->interval_s = interval_s;
    p->timer = evtimer_new(base, on_purge_timer, p);
    purger_arm(p);
    return p;
}

void store_purger_free(store_purger_t *p)
{
    if (p == NULL)
        return;
    event_free(p->timer);
    xfree(p);
}

/* ---- REST recentcontact ---- */

/* The view `x` carries group or mark data. */
#define HAS_DATA(x)                                                                                \
    "(" x ".marks <> 0 OR " x ".custom_mark IS NOT NULL OR EXISTS (SELECT 1"                       \
    " FROM conv_group_members gm WHERE gm.user_id = " x ".user_id AND gm.conv_key = " x            \
    ".conv_key))"

/* $1 user, $2 pins first, $3 with empty, $4 top cursor, $5 cursor, $6 limit. */
static const char page_sql[] =
    "SELECT * FROM (SELECT " CONV_COLUMNS CONV_FROM " WHERE v.user_id = $1 AND " VISIBLE
    "   AND ($3::bool OR m.seq IS NOT NULL)) AS q"
    " WHERE CASE WHEN $2::bool AND q.pinned"
    "   THEN $5::bigint = 0 AND ($4::bigint = 0 OR q.order_key < $4::bigint)"
    "   ELSE $5::bigint = 0 OR q.order_key < $5::bigint END"
    " ORDER BY ($2::bool AND q.pinned) DESC, q.order_key DESC, q.conv_key LIMIT $6";

/* $1 user, $2 keys (NULL: all), $3 offset, $4 limit. */
static const char contacts_sql[] =
    "SELECT v.conv_key, CASE WHEN v.group_id IS NULL THEN 1 ELSE 2 END, v.peer, v.group_id,"
    " v.marks, v.custom_mark,"
    " (SELECT COALESCE(json_agg(g.group_no ORDER BY g.group_no), '[]') FROM conv_group_members g"
    "   WHERE g.user_id = v.user_id AND g.conv_key = v.conv_key)::text,"
    " COALESCE(c.last_time, 0)"
    " FROM conv_views v LEFT JOIN conversations c ON c.conv_key = v.conv_key"
    " WHERE v.user_id = $1 AND " HAS_DATA("v") " AND ($2::jsonb IS NULL OR v.conv_key IN (SELECT "
                                               "jsonb_array_elements_text($2::jsonb)))"
                                               " ORDER BY v.conv_key OFFSET $3 LIMIT $4";

/* $1 user, $2 key, $3 set mask, $4 clear mask, $5 set custom, $6 custom ('' removes),
 * $7 max conversations with data. Returns (view exists, updated). */
static const char mark_item_sql[] = "WITH v AS (SELECT x.marks, x.custom_mark, " HAS_DATA(
    "x") " AS had FROM conv_views x"
         "   WHERE x.user_id = $1 AND x.conv_key = $2),"
         " nv AS (SELECT (v.marks | $3::bigint) & ~$4::bigint AS marks,"
         "   CASE WHEN $5::bool THEN NULLIF($6::text, '') ELSE v.custom_mark END AS cm, v.had FROM "
         "v),"
         " cnt AS (SELECT count(*) AS n FROM conv_views x WHERE x.user_id = $1 AND " HAS_DATA(
             "x") "),"
                  " up AS (UPDATE conv_views t SET marks = nv.marks, custom_mark = nv.cm FROM nv, "
                  "cnt"
                  "   WHERE t.user_id = $1 AND t.conv_key = $2"
                  "   AND (nv.had OR (nv.marks = 0 AND nv.cm IS NULL) OR cnt.n < $7::bigint) "
                  "RETURNING 1)"
                  " SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM up)";

static const char group_no_sql[] =
    "SELECT group_no FROM conv_groups WHERE user_id = $1 AND name = $2";

/* $1 user, $2 group name, $3 key, $4 max conversations with data, $5 now.
 * Returns (group number or NULL, view exists, allowed). */
static const char member_add_sql[] =
    "WITH g AS (SELECT group_no FROM conv_groups WHERE user_id = $1 AND name = $2),"
    " v AS (SELECT " HAS_DATA(
        "x") " AS had FROM conv_views x"
             "   WHERE x.user_id = $1 AND x.conv_key = $3),"
             " cnt AS (SELECT count(*) AS n FROM conv_views x WHERE x.user_id = $1 AND " HAS_DATA(
                 "x") "),"
                      " ins AS (INSERT INTO conv_group_members (user_id, group_no, conv_key, "
                      "added_at)"
                      "   SELECT $1, g.group_no, $3, $5::bigint FROM g, v, cnt WHERE v.had OR "
                      "cnt.n < $4::bigint"
                      "   ON CONFLICT DO NOTHING)"
                      " SELECT (SELECT group_no FROM g), (SELECT count(*) FROM v),"
                      " COALESCE((SELECT v.had OR cnt.n < $4::bigint FROM v, cnt), false)";

/* $1 user, $2 group name, $3 key. Same result shape as member_add_sql. */
static const char member_remove_sql[] =
    "WITH g AS (SELECT group_no FROM conv_groups WHERE user_id = $1 AND name = $2),"
    " v AS (SELECT 1 FROM conv_views x WHERE x.user_id = $1 AND x.conv_key = $3),"
    " del AS (DELETE FROM conv_group_members m USING g WHERE m.user_id = $1"
    "   AND m.group_no = g.group_no AND m.conv_key = $3)"
    " SELECT (SELECT group_no FROM g), (SELECT count(*) FROM v), true";

void store_conv_page(db_pool_t *db, const char *user, bool pins_first, bool with_empty,
                     int64_t top_cursor, int64_t cursor, int count, store_convs_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_add(b, page_sql, 6,
              (char *[]){store_str(user), store_bool(pins_first), store_bool(with_empty),
                         store_int(top_cursor), store_int(cursor), store_int(count)});
    db_pool_submit(db, b, on_convs, ctx_new((void (*)(void))cb, arg));
}

typedef struct {
    store_contacts_fn cb;
    void *arg;
    int count; /* page size; one more row was asked for */
} contacts_ctx_t;

static void on_contacts(db_batch_t *b, err_t err, void *arg)
{
    contacts_ctx_t *c = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_rows(b, 0) : 0;
    size_t ng = err == ERR_OK ? (size_t)db_batch_rows(b, 1) : 0;
    bool more = n > (size_t)c->count;
    if (more)
        n = (size_t)c->count;
    store_contact_t *rows = xcalloc(n ? n : 1, sizeof *rows);
    store_conv_group_t *groups = xcalloc(ng ? ng : 1, sizeof *groups);
    for (size_t i = 0; i < n; i++) {
        int r = (int)i;
        rows[i] = (store_contact_t){
            .conv_key = db_batch_value(b, 0, r, 0),
            .type = (int)db_batch_int(b, 0, r, 1, 1),
            .peer = db_batch_value(b, 0, r, 2),
            .group_id = db_batch_value(b, 0, r, 3),
            .marks = db_batch_int(b, 0, r, 4, 0),
            .custom_mark = db_batch_value(b, 0, r, 5),
            .group_nos_json = db_batch_value(b, 0, r, 6),
            .time = db_batch_int(b, 0, r, 7, 0),
        };
    }
    for (size_t i = 0; i < ng; i++)
        groups[i] =
            (store_conv_group_t){db_batch_int(b, 1, (int)i, 0, 0), db_batch_value(b, 1, (int)i, 1),
                                 db_batch_int(b, 1, (int)i, 2, 0)};
    c->cb(err, rows, n, groups, ng, more, c->arg);
    xfree(rows);
    xfree(groups);
    xfree(c);
}

void store_conv_contacts(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                         int64_t start, int count, store_contacts_fn cb, void *arg)
{
    contacts_ctx_t *c = XNEW(contacts_ctx_t);
    c->cb = cb;
    c->arg = arg;
    c->count = keys ? (int)n : count;
    db_batch_t *b = db_batch_new();
    store_add(b, contacts_sql, 4,
              (char *[]){store_str(user), keys ? keys_json(keys, n) : NULL,
                         store_int(keys ? 0 : start), store_int(c->count + 1)});
    db_batch_add(b, group_list_sql, 1, (const char *const[]){user});
    db_pool_submit(db, b, on_contacts, c);
}

typedef struct {
    store_items_fn cb;
    store_group_members_fn members_cb;
    void *arg;
} items_ctx_t;

/* Each item statement returns (view exists, done or allowed). */
static store_item_status_t item_status(const db_batch_t *b, int stmt, int col_exists)
{
    if (db_batch_int(b, stmt, 0, col_exists, 0) == 0)
        return STORE_ITEM_NO_CONV;
    const char *done = db_batch_value(b, stmt, 0, col_exists + 1);
    if (done == NULL || strcmp(done, "0") == 0 || strcmp(done, "f") == 0)
        return STORE_ITEM_LIMIT;
    return STORE_ITEM_OK;
}

static void on_mark_items(db_batch_t *b, err_t err, void *arg)
{
    items_ctx_t *c = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_count(b) : 0;
    store_item_status_t *st = xcalloc(n ? n : 1, sizeof *st);
    for (size_t i = 0; i < n; i++)
        st[i] = item_status(b, (int)i, 0);
    c->cb(err, st, n, c->arg);
    xfree(st);
    xfree(c);
}

void store_conv_mark_items(db_pool_t *db, const char *user, const store_mark_item_t *items,
                           size_t n, int max_with_data, store_items_fn cb, void *arg)
{
    items_ctx_t *c = XNEW(items_ctx_t);
    c->cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    for (size_t i = 0; i < n; i++)
        store_add(b, mark_item_sql, 7,
                  (char *[]){store_str(user), store_str(items[i].conv_key),
                             store_int(items[i].set_mask), store_int(items[i].clear_mask),
                             store_bool(items[i].set_custom), store_str(items[i].custom_mark),
                             store_int(max_with_data)});
    db_pool_submit(db, b, on_mark_items, c);
}

typedef struct {
    store_group_no_fn cb;
    void *arg;
    store_group_op_t op;
} change_ctx_t;

static void on_group_change(db_batch_t *b, err_t err, void *arg)
{
    change_ctx_t *c = arg;
    conv_group_status_t st = CONV_GROUP_OK;
    int64_t no = 0;
    if (err == ERR_OK) {
        switch (c->op) {
        case STORE_GROUP_CREATE:
            if (db_batch_int(b, 0, 0, 0, 0) == 0)
                st = is_true(b, 0, 1) ? CONV_GROUP_EXISTS : CONV_GROUP_LIMIT;
            no = db_batch_int(b, 1, 0, 0, 0);
            break;
        case STORE_GROUP_DELETE:
            no = db_batch_int(b, 0, 0, 0, 0);
            if (db_batch_rows(b, 1) == 0)
                st = CONV_GROUP_MISSING;
            break;
        case STORE_GROUP_RENAME:
            if (db_batch_int(b, 0, 0, 0, 0) == 0)
                st = is_true(b, 0, 1) ? CONV_GROUP_EXISTS : CONV_GROUP_MISSING;
            no = db_batch_int(b, 1, 0, 0, 0);
            break;
        }
    }
    c->cb(err, st, no, c->arg);
    xfree(c);
}

void store_conv_group_change(db_pool_t *db, const char *user, store_group_op_t op, const char *name,
                             const char *new_name, int max_groups, store_group_no_fn cb, void *arg)
{
    change_ctx_t *c = XNEW(change_ctx_t);
    c->cb = cb;
    c->arg = arg;
    c->op = op;
    db_batch_t *b = db_batch_new();
    switch (op) {
    case STORE_GROUP_CREATE:
        store_add(
            b, group_create_sql, 4,
            (char *[]){store_str(user), store_str(name), store_str("[]"), store_int(max_groups)});
        db_batch_add(b, group_no_sql, 2, (const char *const[]){user, name});
        break;
    case STORE_GROUP_DELETE:
        db_batch_add(b, group_no_sql, 2, (const char *const[]){user, name});
        db_batch_add(b, group_delete_sql, 2, (const char *const[]){user, name});
        break;
    case STORE_GROUP_RENAME:
        db_batch_add(b, group_rename_sql, 3, (const char *const[]){user, name, new_name});
        db_batch_add(b, group_no_sql, 2, (const char *const[]){user, new_name});
        break;
    }
    db_pool_submit(db, b, on_group_change, c);
}

static void on_group_members(db_batch_t *b, err_t err, void *arg)
{
    items_ctx_t *c = arg;
    bool found = err == ERR_OK && db_batch_rows(b, 0) > 0;
    int64_t no = found ? db_batch_int(b, 0, 0, 0, 0) : 0;
    size_t n = found ? (size_t)db_batch_count(b) - 1 : 0;
    store_item_status_t *st = xcalloc(n ? n : 1, sizeof *st);
    for (size_t i = 0; i < n; i++)
        st[i] = item_status(b, (int)i + 1, 1);
    c->members_cb(err, found, no, st, n, c->arg);
    xfree(st);
    xfree(c);
}

void store_conv_group_members(db_pool_t *db, const char *user, const char *name,
                              const char *const *keys, const bool *adds, size_t n,
                              int max_with_data, int64_t now, store_group_members_fn cb, void *arg)
{
    items_ctx_t *c = XNEW(items_ctx_t);
    c->members_cb = cb;
    c->arg = arg;
    db_batch_t *b = db_batch_new();
    db_batch_add(b, group_no_sql, 2, (const char *const[]){user, name});
    for (size_t i = 0; i < n; i++) {
        if (adds[i])
            store_add(b, member_add_sql, 5,
                      (char *[]){store_str(user), store_str(name), store_str(keys[i]),
                                 store_int(max_with_data), store_int(now)});
        else
            db_batch_add(b, member_remove_sql, 3, (const char *const[]){user, name, keys[i]});
    }
    db_pool_submit(db, b, on_group_members, c);
}
