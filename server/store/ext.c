#include "store/ext.h"

#include <stddef.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"

/* clang-format off */

/* Whether `user` may address message alias m: one of a one-to-one message's users, or a member
 * of its group who can see it (not from before joining where that is hidden, not a targeted
 * message for others). */
#define ADDRESSABLE_SQL(user)                                                                      \
    "CASE WHEN m.conv_key LIKE 'g:%'"                                                              \
    "   THEN EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = chatd_topic_group(substr(m.conv_key, 3))"    \
    "   AND gm.user_id = " user ") AND m.seq > " STORE_VIEWER_DELETED_SQL("m.conv_key", user)      \
    STORE_VISIBLE_TO_SQL(user) " ELSE m.sender = " user " OR m.receiver = " user " END"

/* The message ($1 msg_id, or $2 conv_key, $3 seq and $5 random, -1: any) and whether viewer $4
 * (NULL: an administrator) may address it. */
#define TARGET_CTES                                                                                \
    " m AS (SELECT * FROM messages WHERE msg_id = $1"                                              \
    "   UNION ALL SELECT * FROM messages WHERE $1::text IS NULL AND conv_key = $2"                \
    "   AND seq = $3::bigint AND ($5::bigint < 0 OR random = $5::bigint)),"                        \
    " t AS (SELECT m.* FROM m WHERE m.flags & 16 = 0 AND ($4::text IS NULL OR "                   \
    ADDRESSABLE_SQL("$4::text") "))"

#define TARGET_FIELDS                                                                              \
    " 'found', EXISTS (SELECT 1 FROM t), 'conv_key', (SELECT conv_key FROM t),"                    \
    " 'msg_seq', (SELECT seq FROM t), 'msg_id', (SELECT msg_id FROM t),"                           \
    " 'sender', (SELECT sender FROM t), 'receiver', (SELECT receiver FROM t),"                     \
    " 'random', (SELECT random FROM t), 'ts', (SELECT ts FROM t),"                                 \
    " 'supported', COALESCE((SELECT flags & 32 <> 0 FROM t), false)"

/*
 * $1-$5 the message, $6 op (1 set, 2 delete, 3 clear), $7 items [{key, value, seq}], $8 max
 * keys, $9 hook on, $10 platform, $11 client IP.
 */
static const char write_sql[] =
    "WITH" TARGET_CTES ","
    " ok AS (SELECT t.* FROM t WHERE t.flags & 32 <> 0),"
    " input AS (SELECT x.* FROM ok, ROWS FROM (jsonb_to_recordset($7::jsonb) AS (key text,"
    "   value text, seq bigint)) WITH ORDINALITY AS x(key, value, want, i)),"
    " cur AS (SELECT i.*, e.seq AS have, e.value AS have_value FROM input i CROSS JOIN ok"
    "   LEFT JOIN msg_extensions e ON e.conv_key = ok.conv_key AND e.msg_seq = ok.seq"
    "   AND e.key = i.key),"
    " room AS (SELECT $6::int <> 1 OR (SELECT count(*) FROM msg_extensions e, ok"
    "   WHERE e.conv_key = ok.conv_key AND e.msg_seq = ok.seq)"
    "   + (SELECT count(*) FROM cur WHERE have IS NULL) <= $8::int AS fits),"
    " go AS (SELECT ok.* FROM ok, room WHERE room.fits),"
    " ver AS (INSERT INTO msg_ext_versions AS v (conv_key, msg_seq, latest_seq)"
    "   SELECT conv_key, seq, GREATEST((SELECT count(*) FROM input), 1) FROM go"
    "   ON CONFLICT (conv_key, msg_seq) DO UPDATE SET latest_seq = v.latest_seq"
    "   + EXCLUDED.latest_seq,"
    "   clear_seq = CASE WHEN $6::int = 3 THEN v.latest_seq + EXCLUDED.latest_seq"
    "   ELSE v.clear_seq END"
    "   RETURNING latest_seq, clear_seq,"
    "   latest_seq - GREATEST((SELECT count(*) FROM input), 1) AS base),"
    " plan AS (SELECT c.*, (SELECT base FROM ver) + c.i AS new_seq, go.conv_key, go.seq AS msg_seq"
    "   FROM cur c, go WHERE $6::int IN (1, 2)"
    "   AND ($4::text IS NULL OR c.want IS NULL OR c.want = COALESCE(c.have, 0))),"
    " up_any AS (INSERT INTO msg_extensions AS e (conv_key, msg_seq, key, value, seq)"
    "   SELECT conv_key, msg_seq, key, value, new_seq FROM plan"
    "   WHERE $6::int = 1 AND ($4::text IS NULL OR want IS NULL)"
    "   ON CONFLICT (conv_key, msg_seq, key) DO UPDATE SET value = EXCLUDED.value,"
    "   seq = EXCLUDED.seq RETURNING e.key, e.value, e.seq),"
    " up_new AS (INSERT INTO msg_extensions (conv_key, msg_seq, key, value, seq)"
    "   SELECT conv_key, msg_seq, key, value, new_seq FROM plan"
    "   WHERE $6::int = 1 AND $4::text IS NOT NULL AND want = 0"
    "   ON CONFLICT DO NOTHING RETURNING key, value, seq),"
    " up_cas AS (UPDATE msg_extensions e SET value = p.value, seq = p.new_seq FROM plan p"
    "   WHERE $6::int = 1 AND $4::text IS NOT NULL AND p.want > 0 AND e.conv_key = p.conv_key"
    "   AND e.msg_seq = p.msg_seq AND e.key = p.key AND e.seq = p.want"
    "   RETURNING e.key, e.value, e.seq),"
    " del AS (DELETE FROM msg_extensions e USING plan p WHERE $6::int = 2"
    "   AND e.conv_key = p.conv_key AND e.msg_seq = p.msg_seq AND e.key = p.key"
    "   AND ($4::text IS NULL OR p.want IS NULL OR e.seq = p.want)"
    "   RETURNING e.key, p.new_seq AS seq),"
    " clr AS (DELETE FROM msg_extensions e USING go WHERE $6::int = 3"
    "   AND e.conv_key = go.conv_key AND e.msg_seq = go.seq RETURNING e.key),"
    " done AS (SELECT key, value, seq FROM up_any UNION ALL SELECT key, value, seq FROM up_new"
    "   UNION ALL SELECT key, value, seq FROM up_cas"
    "   UNION ALL SELECT key, NULL, seq FROM del"
    "   UNION ALL SELECT p.key, NULL, p.new_seq FROM plan p WHERE $6::int = 2"
    "     AND p.have IS NULL),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'C2C.CallbackAfterC2CMsgExtension', go.conv_key, $10::text, $11::text,"
    "   json_build_object('From_Account', go.sender, 'To_Account', go.receiver,"
    "   'MsgKey', go.seq || '_' || go.random || '_' || go.ts, 'OperateType', $6::int,"
    "   'ExtensionList', (SELECT COALESCE(json_agg(json_build_object('Key', d.key,"
    "     'Value', COALESCE(d.value, ''), 'Seq', d.seq)), '[]') FROM done d),"
    "   'Seq', (SELECT latest_seq FROM ver))"
    "   FROM go WHERE $9 AND go.conv_key NOT LIKE 'g:%'"
    "   AND ($6::int = 3 OR EXISTS (SELECT 1 FROM done)))"
    " SELECT json_build_object(" TARGET_FIELDS ","
    "   'status', CASE WHEN (SELECT fits FROM room) IS FALSE THEN 'too_many' ELSE 'ok' END,"
    "   'latest_seq', COALESCE((SELECT latest_seq FROM ver), (SELECT v.latest_seq"
    "     FROM msg_ext_versions v, t WHERE v.conv_key = t.conv_key AND v.msg_seq = t.seq), 0),"
    "   'clear_seq', COALESCE((SELECT clear_seq FROM ver), (SELECT v.clear_seq"
    "     FROM msg_ext_versions v, t WHERE v.conv_key = t.conv_key AND v.msg_seq = t.seq), 0),"
    "   'cleared', (SELECT COALESCE(json_agg(key ORDER BY key), '[]') FROM clr),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('key', c.key, 'ok', d.key IS NOT NULL"
    "     AND (SELECT fits FROM room), 'value', CASE WHEN d.key IS NOT NULL THEN d.value"
    "     ELSE c.have_value END, 'seq', COALESCE(d.seq, c.have, 0)) ORDER BY c.i), '[]')"
    "     FROM cur c LEFT JOIN done d ON d.key = c.key))";

/* $1-$5 the message, $6 start seq, $7 limit. */
static const char get_sql[] =
    "WITH" TARGET_CTES ","
    " e AS (SELECT e.key, e.value, e.seq FROM msg_extensions e, t WHERE e.conv_key = t.conv_key"
    "   AND e.msg_seq = t.seq AND e.seq > $6::bigint ORDER BY e.seq LIMIT $7::int + 1)"
    " SELECT json_build_object(" TARGET_FIELDS ","
    "   'latest_seq', COALESCE((SELECT v.latest_seq FROM msg_ext_versions v, t"
    "     WHERE v.conv_key = t.conv_key AND v.msg_seq = t.seq), 0),"
    "   'clear_seq', COALESCE((SELECT v.clear_seq FROM msg_ext_versions v, t"
    "     WHERE v.conv_key = t.conv_key AND v.msg_seq = t.seq), 0),"
    "   'complete', (SELECT count(*) FROM e) <= $7::int,"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('key', key, 'value', value,"
    "     'seq', seq) ORDER BY seq), '[]') FROM (SELECT * FROM e ORDER BY seq LIMIT $7::int) x))";

/* One reaction of message alias tm with its first $top users; mine: viewer expression. */
#define REACTION_OBJ(reaction, top, viewer)                                                        \
    "json_build_object('reaction', " reaction ", 'total', (SELECT count(*) FROM msg_reactions r"  \
    "   WHERE r.conv_key = tm.conv_key AND r.msg_seq = tm.seq AND r.reaction = " reaction "),"     \
    " 'users', (SELECT COALESCE(json_agg(u.user_id ORDER BY u.at, u.user_id), '[]') FROM"         \
    "   (SELECT user_id, at FROM msg_reactions r WHERE r.conv_key = tm.conv_key"                   \
    "   AND r.msg_seq = tm.seq AND r.reaction = " reaction " ORDER BY at, user_id LIMIT " top     \
    ") u), 'mine', EXISTS (SELECT 1 FROM msg_reactions r WHERE r.conv_key = tm.conv_key"           \
    "   AND r.msg_seq = tm.seq AND r.reaction = " reaction " AND r.user_id = " viewer "))"

/* $1-$5 the message, $6 reaction, $7 add, $8 max reactions, $9 max users, $10 top, $11 now. */
static const char react_sql[] =
    "WITH" TARGET_CTES ","
    " tm AS (SELECT * FROM t),"
    " judged AS (SELECT CASE WHEN NOT $7 THEN 'ok'"
    "   WHEN EXISTS (SELECT 1 FROM msg_reactions r WHERE r.conv_key = tm.conv_key"
    "     AND r.msg_seq = tm.seq AND r.reaction = $6 AND r.user_id = $4) THEN 'ok'"
    "   WHEN NOT EXISTS (SELECT 1 FROM msg_reactions r WHERE r.conv_key = tm.conv_key"
    "     AND r.msg_seq = tm.seq AND r.reaction = $6)"
    "     AND (SELECT count(DISTINCT reaction) FROM msg_reactions r WHERE r.conv_key = tm.conv_key"
    "     AND r.msg_seq = tm.seq) >= $8::int THEN 'too_many_reactions'"
    "   WHEN (SELECT count(*) FROM msg_reactions r WHERE r.conv_key = tm.conv_key"
    "     AND r.msg_seq = tm.seq AND r.reaction = $6) >= $9::int THEN 'too_many_users'"
    "   ELSE 'ok' END AS status FROM tm),"
    " ins AS (INSERT INTO msg_reactions (conv_key, msg_seq, reaction, user_id, at)"
    "   SELECT tm.conv_key, tm.seq, $6, $4, $11::bigint FROM tm, judged"
    "   WHERE $7 AND judged.status = 'ok' ON CONFLICT DO NOTHING RETURNING 1),"
    " del AS (DELETE FROM msg_reactions r USING tm WHERE NOT $7 AND r.conv_key = tm.conv_key"
    "   AND r.msg_seq = tm.seq AND r.reaction = $6 AND r.user_id = $4 RETURNING 1)"
    " SELECT json_build_object(" TARGET_FIELDS ","
    "   'status', (SELECT status FROM judged),"
    "   'changed', EXISTS (SELECT 1 FROM ins) OR EXISTS (SELECT 1 FROM del),"
    "   'reactions', (SELECT json_agg(json_build_object('reaction', $6::text, 'total',"
    "     (SELECT count(*) FROM msg_reactions r WHERE r.conv_key = tm.conv_key"
    "     AND r.msg_seq = tm.seq AND r.reaction = $6) + (SELECT count(*) FROM ins)"
    "     - (SELECT count(*) FROM del),"
    "     'users', (SELECT COALESCE(json_agg(u.user_id ORDER BY u.at, u.user_id), '[]') FROM"
    "       (SELECT user_id, at FROM msg_reactions r WHERE r.conv_key = tm.conv_key"
    "       AND r.msg_seq = tm.seq AND r.reaction = $6 AND NOT (NOT $7 AND r.user_id = $4)"
    "       UNION ALL SELECT $4, $11::bigint FROM ins ORDER BY at, user_id LIMIT $10::int) u)))"
    "     FROM tm))";

/* $1 viewer, $2 [msgID], $3 top. */
static const char reactions_get_sql[] =
    "SELECT json_build_object('messages', (SELECT COALESCE(json_agg(json_build_object("
    "   'msg_id', x.id, 'found', tm.seq IS NOT NULL, 'reactions', CASE WHEN tm.seq IS NULL"
    "   THEN '[]'::json ELSE (SELECT COALESCE(json_agg(" REACTION_OBJ("rr.reaction", "$3::int", "$1")
    "   ORDER BY rr.first, rr.reaction), '[]') FROM (SELECT reaction, min(at) AS first"
    "   FROM msg_reactions r WHERE r.conv_key = tm.conv_key AND r.msg_seq = tm.seq"
    "   GROUP BY reaction) rr) END) ORDER BY x.i), '[]')"
    "   FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS x(id, i)"
    "   LEFT JOIN LATERAL (SELECT m.* FROM messages m WHERE m.msg_id = x.id"
    "   AND m.flags & 16 = 0 AND " ADDRESSABLE_SQL("$1::text") ") tm ON true))";

/* $1-$5 the message, $6 reaction, $7 offset, $8 limit. */
static const char reaction_users_sql[] =
    "WITH" TARGET_CTES
    " SELECT json_build_object(" TARGET_FIELDS ","
    "   'total', (SELECT count(*) FROM msg_reactions r, t WHERE r.conv_key = t.conv_key"
    "     AND r.msg_seq = t.seq AND r.reaction = $6),"
    "   'users', (SELECT COALESCE(json_agg(json_build_object('user', u.user_id,"
    "     'nick', COALESCE((SELECT p.value #>> '{}' FROM profiles p WHERE p.user_id = u.user_id"
    "       AND p.tag = 'Tag_Profile_IM_Nick'), ''),"
    "     'face_url', COALESCE((SELECT p.value #>> '{}' FROM profiles p WHERE p.user_id = u.user_id"
    "       AND p.tag = 'Tag_Profile_IM_Image'), '')) ORDER BY u.at, u.user_id), '[]') FROM"
    "     (SELECT r.user_id, r.at FROM msg_reactions r, t WHERE r.conv_key = t.conv_key"
    "     AND r.msg_seq = t.seq AND r.reaction = $6 ORDER BY r.at, r.user_id"
    "     OFFSET $7::bigint LIMIT $8::int) u))";

/* clang-format on */

static const char *text_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

void store_ext_view(json_t *doc, store_ext_res_t *r)
{
    memset(r, 0, sizeof *r);
    r->doc = doc;
    if (doc == NULL)
        return;
    r->found = json_is_true(json_object_get(doc, "found"));
    r->supported = json_is_true(json_object_get(doc, "supported"));
    r->complete = json_is_true(json_object_get(doc, "complete"));
    r->changed = json_is_true(json_object_get(doc, "changed"));
    r->status = text_of(doc, "status");
    r->conv_key = text_of(doc, "conv_key");
    r->msg_id = text_of(doc, "msg_id");
    r->sender = text_of(doc, "sender");
    r->receiver = text_of(doc, "receiver");
    r->msg_seq = (int64_t)json_integer_value(json_object_get(doc, "msg_seq"));
    r->random = (int64_t)json_integer_value(json_object_get(doc, "random"));
    r->ts = (int64_t)json_integer_value(json_object_get(doc, "ts"));
    r->latest_seq = (int64_t)json_integer_value(json_object_get(doc, "latest_seq"));
    r->clear_seq = (int64_t)json_integer_value(json_object_get(doc, "clear_seq"));
    r->total = (int64_t)json_integer_value(json_object_get(doc, "total"));
    r->items = json_object_get(doc, "items");
    r->reactions = json_object_get(doc, "reactions");
    r->messages = json_object_get(doc, "messages");
    r->users = json_object_get(doc, "users");
    r->cleared = json_object_get(doc, "cleared");
}

typedef struct {
    store_ext_fn cb;
    void *arg;
} answer_t;

static void on_doc(err_t err, json_t *doc, void *arg)
{
    answer_t a = *(answer_t *)arg;
    xfree(arg);
    store_ext_res_t r;
    store_ext_view(err == ERR_OK ? doc : NULL, &r);
    a.cb(err, &r, a.arg);
}

static void run(db_pool_t *db, const char *sql, int n, char **params, store_ext_fn cb, void *arg)
{
    answer_t *a = XNEW(answer_t);
    a->cb = cb;
    a->arg = arg;
    store_run_json(db, "ext", sql, n, params, on_doc, a);
}

/* The five message parameters ($1-$5). */
enum { MSG_PARAMS = 5 };
static void msg_params(const store_ext_msg_t *m, char **p)
{
    p[0] = store_str(m->msg_id);
    p[1] = store_str(m->msg_id ? NULL : m->conv_key);
    p[2] = store_int(m->msg_id ? 0 : m->seq);
    p[3] = store_str(m->viewer);
    p[4] = store_int(m->msg_id || !m->match_random ? -1 : m->random);
}

void store_ext_write(db_pool_t *db, const store_ext_msg_t *m, store_ext_op_t op,
                     const char *items_json, int max_keys, const store_webhook_origin_t *hook,
                     store_ext_fn cb, void *arg)
{
    char *p[MSG_PARAMS + 6];
    msg_params(m, p);
    p[MSG_PARAMS + 0] = store_int(op);
    p[MSG_PARAMS + 1] = store_str(items_json ? items_json : "[]");
    p[MSG_PARAMS + 2] = store_int(max_keys);
    p[MSG_PARAMS + 3] = store_bool(hook != NULL);
    p[MSG_PARAMS + 4] = store_str(hook && hook->platform ? hook->platform : "RESTAPI");
    p[MSG_PARAMS + 5] = store_str(hook && hook->client_ip ? hook->client_ip : "");
    run(db, write_sql, MSG_PARAMS + 6, p, cb, arg);
}

void store_ext_get(db_pool_t *db, const store_ext_msg_t *m, int64_t start_seq, int limit,
                   store_ext_fn cb, void *arg)
{
    char *p[MSG_PARAMS + 2];
    msg_params(m, p);
    p[MSG_PARAMS + 0] = store_int(start_seq);
    p[MSG_PARAMS + 1] = store_int(limit);
    run(db, get_sql, MSG_PARAMS + 2, p, cb, arg);
}

void store_react(db_pool_t *db, const store_ext_msg_t *m, const char *reaction, bool add,
                 int max_reactions, int max_users, int top, int64_t now, store_ext_fn cb, void *arg)
{
    char *p[MSG_PARAMS + 6];
    msg_params(m, p);
    p[MSG_PARAMS + 0] = store_str(reaction);
    p[MSG_PARAMS + 1] = store_bool(add);
    p[MSG_PARAMS + 2] = store_int(max_reactions);
    p[MSG_PARAMS + 3] = store_int(max_users);
    p[MSG_PARAMS + 4] = store_int(top);
    p[MSG_PARAMS + 5] = store_int(now);
    run(db, react_sql, MSG_PARAMS + 6, p, cb, arg);
}

void store_reactions_get(db_pool_t *db, const char *viewer, const char *msg_ids_json, int top,
                         store_ext_fn cb, void *arg)
{
    char *p[] = {store_str(viewer), store_str(msg_ids_json), store_int(top)};
    run(db, reactions_get_sql, 3, p, cb, arg);
}

void store_reaction_users(db_pool_t *db, const store_ext_msg_t *m, const char *reaction,
                          int64_t offset, int limit, store_ext_fn cb, void *arg)
{
    char *p[MSG_PARAMS + 3];
    msg_params(m, p);
    p[MSG_PARAMS + 0] = store_str(reaction);
    p[MSG_PARAMS + 1] = store_int(offset);
    p[MSG_PARAMS + 2] = store_int(limit);
    run(db, reaction_users_sql, MSG_PARAMS + 3, p, cb, arg);
}

/* ---- pinned group messages ---- */

/* clang-format off */
/* $1 group, $2 msg_id, $3 user, $4 pin, $5 max pins, $6 now. */
static const char pin_sql[] =
    "WITH m AS (SELECT * FROM messages WHERE msg_id = $2 AND conv_key = 'g:' || $1"
    "   AND flags & 16 = 0),"
    " me AS (SELECT role FROM group_members WHERE group_id = $1 AND user_id = $3),"
    " judged AS (SELECT CASE"
    "   WHEN NOT EXISTS (SELECT 1 FROM groups WHERE group_id = $1) THEN 'no_group'"
    "   WHEN NOT EXISTS (SELECT 1 FROM me) THEN 'not_member'"
    "   WHEN (SELECT role FROM me) NOT IN ('Owner', 'Admin') THEN 'no_permission'"
    "   WHEN NOT EXISTS (SELECT 1 FROM m) THEN 'no_message'"
    "   WHEN $4 AND NOT EXISTS (SELECT 1 FROM group_pins p, m WHERE p.conv_key = m.conv_key"
    "     AND p.seq = m.seq) AND (SELECT count(*) FROM group_pins WHERE conv_key = 'g:' || $1)"
    "     >= $5::int THEN 'limit'"
    "   ELSE 'ok' END AS status),"
    " ins AS (INSERT INTO group_pins (conv_key, seq, operator, pinned_at)"
    "   SELECT m.conv_key, m.seq, $3, $6::bigint FROM m, judged WHERE $4 AND judged.status = 'ok'"
    "   ON CONFLICT DO NOTHING RETURNING 1),"
    " del AS (DELETE FROM group_pins p USING m, judged WHERE NOT $4 AND judged.status = 'ok'"
    "   AND p.conv_key = m.conv_key AND p.seq = m.seq RETURNING 1)"
    " SELECT json_build_object('status', (SELECT status FROM judged),"
    "   'found', EXISTS (SELECT 1 FROM m), 'msg_id', (SELECT msg_id FROM m),"
    "   'msg_seq', (SELECT seq FROM m), 'conv_key', 'g:' || $1,"
    "   'changed', EXISTS (SELECT 1 FROM ins) OR EXISTS (SELECT 1 FROM del))";

/* $1 group, $2 viewer. */
static const char pins_sql[] =
    "SELECT json_build_object("
    " 'found', EXISTS (SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2),"
    " 'items', (SELECT COALESCE(json_agg(json_build_object('seq', p.seq, 'operator', p.operator,"
    "   'pinned_at', p.pinned_at) ORDER BY p.pinned_at DESC, p.seq DESC), '[]')"
    "   FROM group_pins p WHERE p.conv_key = 'g:' || $1"
    "   AND EXISTS (SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2)))";
/* clang-format on */

void store_group_pin(db_pool_t *db, const char *group_id, const char *msg_id, const char *user,
                     bool pin, int max_pins, int64_t now, store_ext_fn cb, void *arg)
{
    char *p[] = {store_str(group_id), store_str(msg_id),   store_str(user),
                 store_bool(pin),     store_int(max_pins), store_int(now)};
    run(db, pin_sql, 6, p, cb, arg);
}

void store_group_pins(db_pool_t *db, const char *group_id, const char *viewer, store_ext_fn cb,
                      void *arg)
{
    char *p[] = {store_str(group_id), store_str(viewer)};
    run(db, pins_sql, 2, p, cb, arg);
}
