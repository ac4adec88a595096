#include "store/recall.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/internal.h"
#include "store/message.h"
#include "store/webhook.h"

#define RECALLED "16" /* STORE_MSG_F_RECALLED */

/* The viewer may address a one-to-one message they sent or received, and a group message of a
 * group they are in. */
static const char lookup_sql[] =
    "SELECT json_build_object('found', m.msg_id IS NOT NULL, 'conv_key', m.conv_key,"
    " 'seq', m.seq, 'sender', m.sender, 'receiver', m.receiver, 'ts', m.ts, 'random', m.random,"
    " 'flags', m.flags, 'role', (SELECT gm.role FROM group_members gm"
    "   WHERE gm.group_id = chatd_topic_group(substr(m.conv_key, 3)) AND gm.user_id = $2"
    "   AND m.conv_key LIKE 'g:%'))::text"
    " FROM (SELECT 1) AS one LEFT JOIN messages m ON m.msg_id = $1"
    " AND (m.sender = $2 OR m.receiver = $2 OR (m.conv_key LIKE 'g:%' AND EXISTS (SELECT 1"
    "   FROM group_members w WHERE w.group_id = chatd_topic_group(substr(m.conv_key, 3)) AND "
    "w.user_id = $2)))";

/* $1 conv_key, $2 seqs, $3 sender, $4 random, $5 ts, $6 hook ('c2c' | 'group' | NULL),
 * $7 platform, $8 client_ip, $9 operator. The flag test on the updated row itself makes two
 * concurrent recalls of one message succeed once. */
static const char recall_sql[] =
    "WITH req AS (SELECT DISTINCT x::bigint AS seq FROM jsonb_array_elements_text($2::jsonb) x),"
    " t AS (SELECT r.seq, m.msg_id, m.sender, m.receiver FROM req r LEFT JOIN messages m"
    "   ON m.conv_key = $1 AND m.seq = r.seq AND ($3::text IS NULL OR m.sender = $3)"
    "   AND ($4::bigint < 0 OR m.random = $4::bigint) AND ($5::bigint < 0 OR m.ts = $5::bigint)),"
    " up AS (UPDATE messages m SET flags = m.flags | " RECALLED ", body = '[]',"
    "   cloud_custom_data = NULL FROM t WHERE t.msg_id IS NOT NULL AND m.conv_key = $1"
    "   AND m.seq = t.seq AND m.flags & " RECALLED " = 0"
    "   RETURNING m.seq, m.sender, m.receiver, m.random, m.ts),"
    " lists AS (DELETE FROM merged_lists l USING up WHERE l.conv_key = $1 AND l.msg_seq = up.seq),"
    " hc AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'C2C.CallbackAfterMsgWithDraw', $1, $7, $8, json_build_object("
    "   'From_Account', up.sender, 'To_Account', up.receiver,"
    "   'MsgKey', up.seq || '_' || up.random || '_' || up.ts,"
    "   'UnreadMsgNum', COALESCE((SELECT " STORE_UNREAD_SQL(
        "v", "c") "     FROM conv_views v JOIN conversations c ON c.conv_key = v.conv_key"
                  "     WHERE v.user_id = up.receiver AND v.conv_key = $1), 0))"
                  "   FROM up WHERE $6::text = 'c2c' ORDER BY up.seq),"
                  " hg AS (" STORE_WEBHOOK_INSERT
                  "   SELECT 'Group.CallbackAfterRecallMsg', $1, $7, $8, json_build_object("
                  "   'Operator_Account', $9::text, 'Type', g.type, 'GroupId', g.group_id,"
                  "   'MsgSeqList', (SELECT json_agg(json_build_object('MsgSeq', seq) ORDER BY "
                  "seq) FROM up))"
                  "   FROM groups g WHERE $6::text = 'group' AND g.group_id = "
                  "chatd_topic_group(substr($1, 3))"
                  "   AND EXISTS (SELECT 1 FROM up))"
                  " SELECT json_build_object('conv_key', $1::text, 'group', EXISTS (SELECT 1 FROM "
                  "groups g"
                  "   WHERE $1 LIKE 'g:%' AND g.group_id = chatd_topic_group(substr($1, 3))),"
                  " 'items', COALESCE(json_agg(json_build_object('seq', t.seq,"
                  "   'msg_id', t.msg_id, 'sender', t.sender, 'receiver', t.receiver, 'status',"
                  "   CASE WHEN t.msg_id IS NULL THEN 'missing' WHEN t.seq IN (SELECT seq FROM up) "
                  "THEN 'ok'"
                  "   ELSE 'recalled' END) ORDER BY t.seq), '[]'))::text FROM t";

/* $1 conv_key, $2 seq, $3 sender, $4 random, $5 ts, $6 body, $7 set ccd, $8 ccd,
 * $9 platform (NULL: no callback), $10 client_ip, $11 operator. */
static const char modify_sql[] =
    "WITH t AS (SELECT m.conv_key, m.seq FROM messages m WHERE m.conv_key = $1"
    "   AND m.seq = $2::bigint AND ($3::text IS NULL OR m.sender = $3)"
    "   AND ($4::bigint < 0 OR m.random = $4::bigint) AND ($5::bigint < 0 OR m.ts = $5::bigint)),"
    " up AS (UPDATE messages m SET body = COALESCE($6::json, m.body),"
    "   cloud_custom_data = CASE WHEN $7::bool THEN $8::text ELSE m.cloud_custom_data END"
    "   FROM t WHERE m.conv_key = t.conv_key AND m.seq = t.seq AND m.flags & " RECALLED " = 0"
    "   RETURNING m.*),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'C2C.CallbackAfterModifyMsg', $1, $9, $10, json_build_object("
    "   'Operator_Account', $11::text, 'From_Account', up.sender, 'To_Account', up.receiver,"
    "   'MsgRandom', up.random, 'MsgSeq', up.seq, 'MsgTime', up.ts,"
    "   'MsgKey', up.seq || '_' || up.random || '_' || up.ts, 'MsgBody', up.body,"
    "   'CloudCustomData', COALESCE(up.cloud_custom_data, ''))"
    "   FROM up WHERE $9::text IS NOT NULL AND up.receiver IS NOT NULL)"
    " SELECT json_build_object('group', EXISTS (SELECT 1 FROM groups g"
    "   WHERE $1 LIKE 'g:%' AND g.group_id = chatd_topic_group(substr($1, 3))), 'status', CASE "
    "WHEN NOT EXISTS "
    "(SELECT 1 FROM t) THEN 'missing'"
    "   WHEN NOT EXISTS (SELECT 1 FROM up) THEN 'recalled' ELSE 'ok' END,"
    "   'message', (SELECT json_build_object('conv_key', up.conv_key, 'seq', up.seq,"
    "     'sender', up.sender, 'receiver', up.receiver, 'random', up.random,"
    "     'msg_id', up.msg_id, 'ts', up.ts, 'body', up.body, 'ccd', up.cloud_custom_data,"
    "     'flags', up.flags, 'peer_read_seq', COALESCE((SELECT p.read_seq FROM conv_views p"
    "       WHERE p.user_id = up.receiver AND p.conv_key = up.conv_key), 0)) FROM up))::text";

/* $1 group, $2 reader, $3 seqs, $4 now. */
static const char receipt_add_sql[] =
    "WITH mem AS (SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2),"
    " m AS (SELECT m.conv_key, m.seq, m.msg_id, m.sender FROM messages m"
    "   WHERE m.conv_key = 'g:' || $1"
    "   AND m.seq IN (SELECT x::bigint FROM jsonb_array_elements_text($3::jsonb) x)"
    "   AND m.flags & 1 = 1 AND m.flags & " RECALLED " = 0 AND m.sender <> $2"
    "   AND EXISTS (SELECT 1 FROM mem)),"
    " ins AS (INSERT INTO msg_receipts (conv_key, seq, user_id, read_at)"
    "   SELECT conv_key, seq, $2, $4::bigint FROM m ON CONFLICT DO NOTHING"
    "   RETURNING conv_key, seq)," STORE_GROUP_RECEIPT_HOOK_SQL(
        "$2::text", "$5",
        "$6") " SELECT json_build_object('group', EXISTS (SELECT 1 FROM groups WHERE group_id = "
              "$1),"
              "   'member', EXISTS (SELECT 1 FROM mem), 'items', COALESCE((SELECT json_agg("
              "   json_build_object('seq', seq, 'msg_id', msg_id, 'sender', sender) ORDER BY seq)"
              "   FROM m), '[]'))::text";

/* $1 group, $2 seqs. */
static const char receipt_counts_sql[] =
    "SELECT json_build_object('group', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'items', COALESCE(json_agg(json_build_object('seq', r.seq, 'ok', m.seq IS NOT NULL,"
    "   'read', COALESCE(c.read, 0), 'unread', COALESCE(c.members - c.read, 0))"
    "   ORDER BY r.n), '[]'))::text"
    " FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS r0(x, n)"
    " CROSS JOIN LATERAL (SELECT r0.x::bigint AS seq, r0.n) AS r"
    " LEFT JOIN messages m ON m.conv_key = 'g:' || $1 AND m.seq = r.seq AND m.flags & 1 = 1"
    " LEFT JOIN LATERAL (SELECT count(*) AS members, count(rc.user_id) AS read"
    "   FROM group_members gm LEFT JOIN msg_receipts rc ON rc.conv_key = m.conv_key"
    "   AND rc.seq = m.seq AND rc.user_id = gm.user_id"
    "   WHERE gm.group_id = $1 AND gm.user_id <> m.sender) AS c ON m.seq IS NOT NULL";

/* $1 group, $2 seq, $3 read, $4 after, $5 limit. */
static const char receipt_members_sql[] =
    "WITH m AS (SELECT conv_key, seq, sender FROM messages WHERE conv_key = 'g:' || $1"
    "   AND seq = $2::bigint AND flags & 1 = 1)"
    " SELECT json_build_object('group', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'found', EXISTS (SELECT 1 FROM m), 'users', COALESCE((SELECT json_agg(u ORDER BY u)"
    "   FROM (SELECT gm.user_id AS u FROM m JOIN group_members gm ON gm.group_id = $1"
    "     AND gm.user_id <> m.sender AND gm.user_id > $4"
    "     WHERE EXISTS (SELECT 1 FROM msg_receipts r WHERE r.conv_key = m.conv_key"
    "       AND r.seq = m.seq AND r.user_id = gm.user_id) = $3::bool"
    "     ORDER BY gm.user_id LIMIT $5::bigint) AS s), '[]'))::text";

/* $1 group, $2 upto (<= 0: all). */
static const char clear_sql[] =
    "WITH d AS (DELETE FROM messages WHERE conv_key = 'g:' || $1"
    "   AND ($2::bigint <= 0 OR seq <= $2::bigint) RETURNING seq),"
    " at AS (DELETE FROM group_at WHERE conv_key = 'g:' || $1"
    "   AND ($2::bigint <= 0 OR seq <= $2::bigint)),"
    " tg AS (DELETE FROM msg_targets WHERE conv_key = 'g:' || $1"
    "   AND ($2::bigint <= 0 OR seq <= $2::bigint)),"
    " rc AS (DELETE FROM msg_receipts WHERE conv_key = 'g:' || $1"
    "   AND ($2::bigint <= 0 OR seq <= $2::bigint))"
    " SELECT json_build_object('group', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    "   'deleted', (SELECT count(*) FROM d))::text";

/* Deleting for oneself. $1 user, $2 the request: [msg_id, …] (by_id) or [[seq, random, ts],
 * …] in conversation $3 (random/ts < 0: not checked), $4 all (hide nothing unless every item
 * is the user's to hide), $5 now. An item is the user's to hide when it is a message of one of
 * their conversations after their deletion point, visible to them (targets) and not hidden
 * yet. One-to-one conversations are queued for the purge. */
/* clang-format off */
#define HIDE_SQL(req, match)                                                                       \
    "WITH req AS (" req "),"                                                                       \
    " cand AS (SELECT req.o, m.conv_key, m.seq, m.msg_id FROM req JOIN messages m ON " match       \
    "   JOIN conv_views v ON v.user_id = $1 AND v.conv_key = m.conv_key"                           \
    "   WHERE m.seq > v.deleted_seq"                                                               \
    "   AND (m.flags & 4 = 0 OR m.sender = $1 OR EXISTS (SELECT 1 FROM msg_targets t"              \
    "     WHERE t.conv_key = m.conv_key AND t.seq = m.seq AND t.user_id = $1))"                    \
    "   AND " STORE_NOT_HIDDEN_SQL("$1") "),"                                                      \
    " go AS (SELECT NOT $4::bool OR (SELECT count(*) FROM cand) = (SELECT count(*) FROM req)"      \
    "   AS ok),"                                                                                   \
    " ins AS (INSERT INTO msg_hidden (user_id, conv_key, seq)"                                     \
    "   SELECT $1, cand.conv_key, cand.seq FROM cand, go WHERE go.ok ON CONFLICT DO NOTHING),"     \
    " fl AS (UPDATE conv_views v SET has_hidden = true FROM (SELECT DISTINCT cand.conv_key"        \
    "   FROM cand, go WHERE go.ok) AS x WHERE v.user_id = $1 AND v.conv_key = x.conv_key),"        \
    " pq AS (INSERT INTO purge_queue (conv_key, queued_at) SELECT DISTINCT cand.conv_key,"         \
    "   $5::bigint FROM cand, go WHERE go.ok AND cand.conv_key LIKE 'c:%'"                         \
    "   ON CONFLICT (conv_key) DO NOTHING)"                                                        \
    " SELECT json_build_object('done', (SELECT ok FROM go), 'items', COALESCE((SELECT json_agg("   \
    "   json_build_object('seq', c.seq, 'msg_id', c.msg_id, 'conv_key', c.conv_key, 'status',"    \
    "   CASE WHEN c.seq IS NULL THEN 'missing' ELSE 'ok' END) ORDER BY r.o)"                       \
    "   FROM req r LEFT JOIN cand c ON c.o = r.o), '[]'))::text"
/* clang-format on */

static const char hide_by_id_sql[] =
    HIDE_SQL("SELECT x AS msg_id, o FROM jsonb_array_elements_text($2::jsonb)"
             " WITH ORDINALITY AS r(x, o) WHERE $3::text IS NULL",
             "m.msg_id = req.msg_id");

static const char hide_by_key_sql[] =
    HIDE_SQL("SELECT (x->>0)::bigint AS seq, (x->>1)::bigint AS random, (x->>2)::bigint AS ts, o"
             " FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS r(x, o)",
             "m.conv_key = $3 AND m.seq = req.seq AND (req.random < 0 OR m.random = req.random)"
             " AND (req.ts < 0 OR m.ts = req.ts)");

/* ---- plumbing ---- */

static const char *text_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t int_of(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static bool true_of(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

/* A modify answer's message as a row; *body_text is the heap text its body points to. */
static store_msg_row_t row_of(const json_t *m, char **body_text)
{
    *body_text = json_dumps(json_object_get(m, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
    return (store_msg_row_t){
        .conv_key = text_of(m, "conv_key"),
        .seq = int_of(m, "seq"),
        .sender = text_of(m, "sender"),
        .receiver = text_of(m, "receiver"),
        .random = (uint32_t)int_of(m, "random"),
        .msg_id = text_of(m, "msg_id"),
        .ts = int_of(m, "ts"),
        .body = *body_text,
        .cloud_custom_data = text_of(m, "ccd"),
        .flags = (int)int_of(m, "flags"),
        .peer_read_seq = int_of(m, "peer_read_seq"),
    };
}

void store_recall_item(const store_recall_res_t *r, size_t i, store_recall_item_t *out)
{
    const json_t *e = json_array_get(r->items, i);
    *out = (store_recall_item_t){
        .seq = int_of(e, "seq"),
        .status = text_of(e, "status"),
        .msg_id = text_of(e, "msg_id"),
        .conv_key = text_of(e, "conv_key"),
        .sender = text_of(e, "sender"),
        .receiver = text_of(e, "receiver"),
        .ok = true_of(e, "ok"),
        .read = int_of(e, "read"),
        .unread = int_of(e, "unread"),
    };
}

typedef struct {
    store_recall_fn cb;
    void *arg;
} answer_t;

static void on_doc(err_t err, json_t *doc, void *arg)
{
    answer_t a = *(answer_t *)arg;
    xfree(arg);
    store_recall_res_t r = {0};
    char *body_text = NULL;
    if (err == ERR_OK && doc) {
        const json_t *m = json_object_get(doc, "message");
        r = (store_recall_res_t){
            .doc = doc,
            .found = true_of(doc, "found"),
            .group = true_of(doc, "group"),
            .member = true_of(doc, "member"),
            .done = true_of(doc, "done"),
            .conv_key = text_of(doc, "conv_key"),
            .sender = text_of(doc, "sender"),
            .receiver = text_of(doc, "receiver"),
            .role = text_of(doc, "role"),
            .status = text_of(doc, "status"),
            .seq = int_of(doc, "seq"),
            .ts = int_of(doc, "ts"),
            .random = int_of(doc, "random"),
            .flags = int_of(doc, "flags"),
            .deleted = int_of(doc, "deleted"),
            .items = json_object_get(doc, "items"),
            .n_items = json_array_size(json_object_get(doc, "items")),
            .users = json_object_get(doc, "users"),
            .has_message = json_is_object(m),
        };
        if (r.has_message)
            r.message = row_of(m, &body_text);
    }
    a.cb(err, &r, a.arg);
    free(body_text);
}

/* Submits one statement; `params` are heap strings (NULL = SQL NULL), freed here. */
static void run(db_pool_t *db, const char *sql, int n, char **params, store_recall_fn cb, void *arg)
{
    answer_t *a = XNEW(answer_t);
    a->cb = cb;
    a->arg = arg;
    store_run_json(db, "recall", sql, n, params, on_doc, a);
}

static char *seqs_json(const int64_t *seqs, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)seqs[i]));
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

/* ---- statements ---- */

void store_msg_hide(db_pool_t *db, const store_hide_t *h, store_recall_fn cb, void *arg)
{
    json_t *req = json_array();
    for (size_t i = 0; i < h->n; i++) {
        if (h->conv_key == NULL)
            json_array_append_new(req, json_string(h->msg_ids[i]));
        else
            json_array_append_new(req, json_pack("[I, I, I]", (json_int_t)h->keys[i].seq,
                                                 (json_int_t)h->keys[i].random,
                                                 (json_int_t)h->keys[i].ts));
    }
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    run(db, h->conv_key ? hide_by_key_sql : hide_by_id_sql, 5,
        (char *[]){store_str(h->user), text, store_str(h->conv_key), store_bool(h->all),
                   store_int(h->now)},
        cb, arg);
}

void store_msg_lookup(db_pool_t *db, const char *msg_id, const char *viewer, store_recall_fn cb,
                      void *arg)
{
    run(db, lookup_sql, 2, (char *[]){store_str(msg_id), store_str(viewer)}, cb, arg);
}

void store_msg_recall(db_pool_t *db, const store_recall_t *r, store_recall_fn cb, void *arg)
{
    const char *hook = r->hook == STORE_RECALL_HOOK_C2C     ? "c2c"
                       : r->hook == STORE_RECALL_HOOK_GROUP ? "group"
                                                            : NULL;
    run(db, recall_sql, 9,
        (char *[]){store_str(r->conv_key), seqs_json(r->seqs, r->nseqs), store_str(r->sender),
                   store_int(r->random), store_int(r->ts), store_str(hook),
                   store_str(r->hook_platform ? r->hook_platform : "RESTAPI"),
                   store_str(r->hook_client_ip ? r->hook_client_ip : ""),
                   store_str(r->operator_id)},
        cb, arg);
}

void store_msg_modify(db_pool_t *db, const store_modify_t *m, store_recall_fn cb, void *arg)
{
    const char *platform = m->hook ? (m->hook_platform ? m->hook_platform : "RESTAPI") : NULL;
    run(db, modify_sql, 11,
        (char *[]){store_str(m->conv_key), store_int(m->seq), store_str(m->sender),
                   store_int(m->random), store_int(m->ts), store_str(m->body),
                   store_str(m->set_ccd ? "true" : "false"), store_str(m->ccd), store_str(platform),
                   store_str(m->hook_client_ip ? m->hook_client_ip : ""),
                   store_str(m->operator_id)},
        cb, arg);
}

void store_group_receipt_add(db_pool_t *db, const char *group_id, const char *reader,
                             const int64_t *seqs, size_t n, int64_t now,
                             const store_webhook_origin_t *hook, store_recall_fn cb, void *arg)
{
    run(db, receipt_add_sql, 6,
        (char *[]){store_str(group_id), store_str(reader), seqs_json(seqs, n), store_int(now),
                   store_str(hook ? (hook->platform ? hook->platform : "RESTAPI") : NULL),
                   store_str(hook && hook->client_ip ? hook->client_ip : "")},
        cb, arg);
}

void store_group_receipt_counts(db_pool_t *db, const char *group_id, const int64_t *seqs, size_t n,
                                store_recall_fn cb, void *arg)
{
    run(db, receipt_counts_sql, 2, (char *[]){store_str(group_id), seqs_json(seqs, n)}, cb, arg);
}

void store_group_receipt_members(db_pool_t *db, const char *group_id, int64_t seq, bool read,
                                 const char *after, int count, store_recall_fn cb, void *arg)
{
    run(db, receipt_members_sql, 5,
        (char *[]){store_str(group_id), store_int(seq), store_str(read ? "true" : "false"),
                   store_str(after ? after : ""), store_int(count)},
        cb, arg);
}

void store_group_clear_msgs(db_pool_t *db, const char *group_id, int64_t upto, store_recall_fn cb,
                            void *arg)
{
    run(db, clear_sql, 2, (char *[]){store_str(group_id), store_int(upto)}, cb, arg);
}
