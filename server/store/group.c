#include "store/group.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/internal.h"
#include "store/stats.h"

/* Each statement returns one row with one column: the result document as JSON text. The
 * views below are the only readers of the group and member objects' keys. */

static const char *text_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t int_of(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

bool store_group_view(const json_t *g, store_group_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(g) || text_of(g, "id") == NULL)
        return false;
    *out = (store_group_t){
        .id = text_of(g, "id"),
        .type = text_of(g, "type"),
        .name = text_of(g, "name"),
        .introduction = text_of(g, "introduction"),
        .notification = text_of(g, "notification"),
        .face_url = text_of(g, "face_url"),
        .owner = text_of(g, "owner"),
        .create_time = int_of(g, "create_time"),
        .info_seq = int_of(g, "info_seq"),
        .last_info_time = int_of(g, "last_info_time"),
        .max_members = int_of(g, "max_members"),
        .apply_opt = text_of(g, "apply_opt"),
        .invite_opt = text_of(g, "invite_opt"),
        .mute_all = json_is_true(json_object_get(g, "mute_all")),
        .history_before_join = json_is_true(json_object_get(g, "history_before_join")),
        .support_topic = json_is_true(json_object_get(g, "support_topic")),
        .enable_permission = json_is_true(json_object_get(g, "enable_permission")),
        .default_permission = int_of(g, "default_permission"),
        .custom = json_object_get(g, "custom"),
        .member_count = int_of(g, "member_count"),
        .last_seq = int_of(g, "last_seq"),
        .last_time = int_of(g, "last_time"),
        .self = json_is_object(json_object_get(g, "self")) ? json_object_get(g, "self") : NULL,
    };
    return true;
}

bool store_group_member_view(const json_t *m, store_group_member_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(m) || text_of(m, "user") == NULL)
        return false;
    const json_t *recv = json_object_get(m, "recv_opt");
    *out = (store_group_member_t){
        .user = text_of(m, "user"),
        .role = text_of(m, "role"),
        .join_time = int_of(m, "join_time"),
        .join_seq = int_of(m, "join_seq"),
        .mute_until = int_of(m, "mute_until"),
        .msg_flag = text_of(m, "msg_flag"),
        .name_card = text_of(m, "name_card") ? text_of(m, "name_card") : "",
        .custom = json_object_get(m, "custom"),
        .last_send_time = int_of(m, "last_send_time"),
        .read_seq = int_of(m, "read_seq"),
        .recv_opt = json_is_integer(recv) ? (int)json_integer_value(recv) : -1,
        .nick = text_of(m, "nick") ? text_of(m, "nick") : "",
        .face_url = text_of(m, "face_url") ? text_of(m, "face_url") : "",
    };
    return true;
}

bool store_group_ctx_view(const store_group_res_t *r, store_group_ctx_t *out)
{
    const json_t *res = r->doc;
    memset(out, 0, sizeof *out);
    out->found = store_group_view(json_object_get(res, "group"), &out->group);
    out->is_member = store_group_member_view(json_object_get(res, "actor"), &out->actor);
    out->targets = json_object_get(res, "targets");
    out->n_targets = json_array_size(out->targets);
    return out->found;
}

void store_group_ctx_target(const store_group_ctx_t *ctx, size_t i, store_group_target_t *out)
{
    store_group_target_view(json_array_get(ctx->targets, i), out);
}

bool store_group_target_view(const json_t *t, store_group_target_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(t) || text_of(t, "user") == NULL)
        return false;
    const json_t *m = json_object_get(t, "member");
    *out = (store_group_target_t){
        .user = text_of(t, "user"),
        .exists = json_is_true(json_object_get(t, "exists")),
        .member = json_is_object(m) ? m : NULL,
    };
    return true;
}

/* The group row g with its conversation c (LEFT JOIN conversations c ON c.conv_key = 'g:' || id).
 */
#define GROUP_JSON                                                                                 \
    "json_build_object('id', g.group_id, 'type', g.type, 'name', g.name, 'introduction',"          \
    " g.introduction, 'notification', g.notification, 'face_url', g.face_url, 'owner', g.owner,"   \
    " 'create_time', g.create_time, 'info_seq', g.info_seq, 'last_info_time', g.last_info_time,"   \
    " 'max_members', g.max_members, 'apply_opt', g.apply_join_option, 'invite_opt',"               \
    " g.invite_join_option, 'mute_all', g.mute_all, 'history_before_join',"                        \
    " g.history_before_join, 'support_topic', g.support_topic, 'custom', g.app_defined,"           \
    " 'enable_permission', g.enable_permission, 'default_permission', g.default_permission,"       \
    " 'member_count', g.member_count, 'last_seq', COALESCE(c.last_seq, 0),"                        \
    " 'last_time', COALESCE(c.last_time, 0))"

#define GROUP_CONV " LEFT JOIN conversations c ON c.conv_key = 'g:' || g.group_id"

/* The member row m. */
#define MEMBER_JSON                                                                                \
    "json_build_object('user', m.user_id, 'role', m.role, 'join_time', m.join_time, 'join_seq',"   \
    " m.join_seq, 'mute_until', m.mute_until, 'msg_flag', m.msg_flag, 'name_card', m.name_card,"   \
    " 'custom', m.app_member_defined, 'last_send_time', m.last_send_time,"                         \
    " 'read_seq', COALESCE((SELECT v.read_seq FROM conv_views v WHERE v.user_id = m.user_id"       \
    "   AND v.conv_key = 'g:' || m.group_id), 0),"                                                 \
    " 'recv_opt', (SELECT v.recv_opt FROM conv_views v WHERE v.user_id = m.user_id"                \
    "   AND v.conv_key = 'g:' || m.group_id),"                                                     \
    " 'nick', COALESCE((SELECT p.value #>> '{}' FROM profiles p WHERE p.user_id = m.user_id"       \
    "   AND p.tag = 'Tag_Profile_IM_Nick'), ''),"                                                  \
    " 'face_url', COALESCE((SELECT p.value #>> '{}' FROM profiles p WHERE p.user_id = m.user_id"   \
    "   AND p.tag = 'Tag_Profile_IM_Image'), ''))"

/* Owner, admins, then plain members; each by join time. */
#define MEMBER_ORDER                                                                               \
    "CASE m.role WHEN 'Owner' THEN 0 WHEN 'Admin' THEN 1 ELSE 2 END, m.join_time, m.user_id"

/* $1 group, $2 actor (NULL), $3 targets (jsonb array). */
static const char ctx_sql[] =
    "SELECT json_build_object("
    " 'group', (SELECT " GROUP_JSON " FROM groups g" GROUP_CONV " WHERE g.group_id = $1),"
    " 'actor', (SELECT " MEMBER_JSON " FROM group_members m"
    "   WHERE m.group_id = $1 AND m.user_id = $2),"
    " 'targets', (SELECT COALESCE(json_agg(json_build_object('user', t.u, 'exists',"
    "   EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = t.u), 'member',"
    "   (SELECT " MEMBER_JSON " FROM group_members m WHERE m.group_id = $1 AND m.user_id = t.u))"
    "   ORDER BY t.o), '[]')"
    "   FROM jsonb_array_elements_text(COALESCE($3::jsonb, '[]')) WITH ORDINALITY AS t(u, o))"
    ")::text";

/* $1 ids, $2 viewer. */
static const char get_sql[] =
    "SELECT json_build_object('groups', COALESCE(json_agg((" GROUP_JSON "::jsonb"
    "  || jsonb_build_object('self', (SELECT " MEMBER_JSON " FROM group_members m"
    "     WHERE m.group_id = g.group_id AND m.user_id = $2))) ORDER BY i.o), '[]'))::text"
    " FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS i(id, o)"
    " JOIN groups g ON g.group_id = i.id" GROUP_CONV;

/* searchGroups: $1 viewer, $2 keywords, $3 by GroupId, $4 by name: the viewer's groups that
 * match, as get_sql, by GroupId. */
static const char search_sql[] =
    "SELECT json_build_object('groups', COALESCE(json_agg((" GROUP_JSON "::jsonb"
    "  || jsonb_build_object('self', " MEMBER_JSON ")) ORDER BY g.group_id), '[]'))::text"
    " FROM group_members m JOIN groups g ON g.group_id = m.group_id" GROUP_CONV
    " WHERE m.user_id = $1 AND (" STORE_LIKE_ANY_SQL(
        "$3", "g.group_id", "$2::jsonb") " OR " STORE_LIKE_ANY_SQL("$4", "g.name", "$2::jsonb") ")";

/* searchGroupMembers: $1 viewer, $2 GroupIds (NULL: all the viewer's groups), $3 keywords, $4
 * by UserID, $5 by nick, $6 by the viewer's friend remark, $7 by name card: {members: [{group,
 * member}]} of the viewer's groups, by group and member order. */
static const char search_members_sql[] =
    "SELECT json_build_object('members', COALESCE(json_agg(json_build_object('group', m.group_id,"
    "  'member', " MEMBER_JSON ") ORDER BY m.group_id, " MEMBER_ORDER "), '[]'))::text"
    " FROM group_members me JOIN group_members m ON m.group_id = me.group_id"
    " WHERE me.user_id = $1 AND ($2::jsonb IS NULL"
    "   OR me.group_id IN (SELECT jsonb_array_elements_text($2::jsonb)))"
    " AND (" STORE_LIKE_ANY_SQL("$4", "m.user_id", "$3::jsonb") " OR " STORE_LIKE_ANY_SQL(
        "$5", STORE_NICK_SQL("m.user_id"),
        "$3::jsonb") " OR " STORE_LIKE_ANY_SQL("$6",
                                               "COALESCE((SELECT fr.remark FROM friends fr"
                                               " WHERE fr.user_id = $1 AND fr.peer = m.user_id), "
                                               "'')",
                                               "$3::jsonb") " OR " STORE_LIKE_ANY_SQL("$7",
                                                                                      "m.name_card",
                                                                                      "$3::jsonb") ")";

/* $1 user, $2 type, $3 hidden types, $4 inactive types, $5 offset, $6 limit. */
#define JOINED_WHERE                                                                               \
    " WHERE m.user_id = $1 AND ($2::text IS NULL OR g.type = $2::text)"                            \
    " AND g.type NOT IN (SELECT jsonb_array_elements_text($3::jsonb))"                             \
    " AND (COALESCE(c.last_seq, 0) > 0"                                                            \
    "   OR g.type NOT IN (SELECT jsonb_array_elements_text($4::jsonb)))"

static const char joined_sql[] =
    "SELECT json_build_object("
    " 'total', (SELECT count(*) FROM group_members m JOIN groups g ON g.group_id = "
    "m.group_id" GROUP_CONV JOINED_WHERE "),"
    " 'groups', (SELECT COALESCE(json_agg(q.j ORDER BY q.o), '[]') FROM ("
    "   SELECT " GROUP_JSON "::jsonb || jsonb_build_object('self', " MEMBER_JSON ") AS j,"
    "   row_number() OVER (ORDER BY m.join_time DESC, g.group_id) AS o"
    "   FROM group_members m JOIN groups g ON g.group_id = m.group_id" GROUP_CONV JOINED_WHERE
    "   ORDER BY m.join_time DESC, g.group_id OFFSET $5::bigint LIMIT $6::bigint) AS q)"
    ")::text";

/* $1 type, $2 offset, $3 limit. */
static const char all_sql[] =
    "SELECT json_build_object("
    " 'total', (SELECT count(*) FROM groups WHERE $1::text IS NULL OR type = $1::text),"
    " 'ids', (SELECT COALESCE(json_agg(q.group_id ORDER BY q.o), '[]') FROM ("
    "   SELECT group_id, row_number() OVER (ORDER BY create_time, group_id) AS o FROM groups"
    "   WHERE $1::text IS NULL OR type = $1::text ORDER BY create_time, group_id"
    "   OFFSET $2::bigint LIMIT $3::bigint) AS q)"
    ")::text";

/* $1 group, $2 roles (NULL all), $3 offset, $4 limit, $5 mark (0 any), $6 after (NULL: from
 * the start): [rank, join_time, UserID] of the previous page's last member, in the order of
 * index group_members_page, so a page costs O(page). The count is the group row's unless a
 * filter applies. */
#define MEMBER_RANK "CASE m.role WHEN 'Owner' THEN 0 WHEN 'Admin' THEN 1 ELSE 2 END"
#define MEMBERS_WHERE                                                                              \
    " WHERE m.group_id = $1"                                                                       \
    " AND ($2::jsonb IS NULL OR m.role IN (SELECT jsonb_array_elements_text($2::jsonb)))"          \
    " AND ($5::bigint = 0 OR EXISTS (SELECT 1 FROM group_member_marks k"                           \
    "   WHERE k.group_id = m.group_id AND k.mark = $5::bigint AND k.user_id = m.user_id))"

static const char members_sql[] =
    "WITH page AS (SELECT m.*, " MEMBER_RANK " AS rank FROM group_members m" MEMBERS_WHERE
    "   AND ($6::jsonb IS NULL OR (" MEMBER_RANK
    ", m.join_time, m.user_id) > (($6::jsonb ->> 0)::int,"
    "     ($6::jsonb ->> 1)::bigint, $6::jsonb ->> 2))"
    "   ORDER BY " MEMBER_RANK ", m.join_time, m.user_id OFFSET $3::bigint LIMIT $4::bigint)"
    " SELECT json_build_object("
    " 'found', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'total', CASE WHEN $2::jsonb IS NULL AND $5::bigint = 0"
    "   THEN (SELECT member_count FROM groups WHERE group_id = $1)"
    "   ELSE (SELECT count(*) FROM group_members m" MEMBERS_WHERE ") END,"
    " 'members', (SELECT COALESCE(json_agg(" MEMBER_JSON
    "   ORDER BY m.rank, m.join_time, m.user_id), '[]') FROM page m))::text";

static const char member_ids_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'members', (SELECT COALESCE(json_agg(user_id), '[]') FROM group_members"
    "   WHERE group_id = $1))::text";

static const char muted_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'muted', (SELECT COALESCE(json_agg(json_build_object('user', user_id, 'until', mute_until)"
    "   ORDER BY user_id), '[]') FROM group_members"
    "   WHERE group_id = $1 AND mute_until > $2::bigint))::text";

static const char attrs_get_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM groups WHERE group_id = $1),"
    " 'attrs', (SELECT COALESCE(json_object_agg(key, value), '{}') FROM group_attrs"
    "   WHERE group_id = $1))::text";

/* $1 group, $2 req seq (< 0: newest), $3 count. */
static const char history_sql[] =
    "WITH c AS (SELECT COALESCE((SELECT last_seq FROM conversations"
    "   WHERE conv_key = 'g:' || $1), 0) AS last),"
    " r AS (SELECT CASE WHEN $2::bigint < 0 THEN c.last ELSE LEAST($2::bigint, c.last) END"
    "   AS hi FROM c)"
    " SELECT json_build_object('hi', r.hi, 'messages', (SELECT COALESCE(json_agg("
    "   json_build_object('seq', m.seq, 'sender', m.sender, 'random', m.random, 'ts', m.ts,"
    "   'msg_id', m.msg_id, 'body', m.body, 'ccd', m.cloud_custom_data, 'flags', m.flags)"
    "   ORDER BY m.seq DESC), '[]') FROM messages m WHERE m.conv_key = 'g:' || $1"
    "   AND m.seq BETWEEN r.hi - $3::bigint + 1 AND r.hi))::text FROM r";

static const char applications_sql[] =
    "SELECT json_build_object('applications', COALESCE(json_agg(json_build_object("
    " 'group_id', p.group_id, 'user', p.user_id, 'kind', p.kind, 'from', p.from_user,"
    " 'message', p.message, 'created_at', p.created_at)"
    " ORDER BY p.created_at DESC, p.group_id, p.user_id), '[]'),"
    " 'total', count(*) FILTER (WHERE p.created_at > COALESCE((SELECT read_at"
    "   FROM group_app_reads WHERE user_id = $1), -1)))::text"
    " FROM group_applications p JOIN group_members m ON m.group_id = p.group_id"
    " AND m.user_id = $1 AND m.role IN ('Owner', 'Admin')";

/* ---- writes ---- */

/* $1 id, $2 type, $3 name, $4 intro, $5 notification, $6 face, $7 owner, $8 time, $9 max,
 * $10 apply, $11 invite, $12 mute all, $13 history, $14 custom, $15 members, $16 msg flag,
 * $17 views, $18 recv opt. */
static const char create_sql[] =
    "WITH want AS (SELECT DISTINCT ON (x.user) x.user, x.role, x.custom"
    "   FROM jsonb_to_recordset(COALESCE($15::jsonb, '[]')) AS x(\"user\" text, role text,"
    "   custom jsonb)),"
    " missing AS (SELECT w.user FROM want w"
    "   WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = w.user)"
    "   UNION SELECT $7 WHERE $7::text IS NOT NULL"
    "   AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = $7::text)),"
    " g AS (INSERT INTO groups (group_id, type, name, introduction, notification, face_url,"
    "   owner, create_time, last_info_time, max_members, apply_join_option, invite_join_option,"
    "   mute_all, history_before_join, app_defined, support_topic, enable_permission,"
    "   default_permission)"
    "   SELECT $1, $2, $3, $4, $5, $6, $7, $8::bigint, $8::bigint, $9::int, $10, $11,"
    "   $12::bool, $13::bool, COALESCE($14::jsonb, '{}'), $22::bool, $23::bool, $24::bigint"
    "   WHERE NOT EXISTS (SELECT 1 FROM missing)"
    "   ON CONFLICT (group_id) DO NOTHING RETURNING group_id),"
    " m AS (INSERT INTO group_members (group_id, user_id, role, join_time, msg_flag,"
    "   app_member_defined)"
    "   SELECT g.group_id, w.user, COALESCE(w.role, 'Member'), $8::bigint, $16,"
    "   COALESCE(w.custom, '{}') FROM g, want w),"
    " v AS (INSERT INTO conv_views AS v (user_id, conv_key, group_id, recv_opt)"
    "   SELECT w.user, 'g:' || g.group_id, g.group_id, $18::int FROM g, want w WHERE $17::bool"
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET group_id = EXCLUDED.group_id,"
    "   read_seq = 0, deleted_seq = 0, hidden_seq = 0, recv_opt = EXCLUDED.recv_opt),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterCreateGroup', 'g:' || g.group_id, $19::text, $20::text,"
    "   json_build_object('GroupId', g.group_id, 'Type', $2::text, 'Name', $3::text,"
    "   'Owner_Account', COALESCE($7::text, ''), 'Operator_Account', $21::text,"
    "   'MemberList', (SELECT COALESCE(json_agg(json_build_object('Member_Account', w.user)"
    "     ORDER BY w.user), '[]') FROM want w WHERE w.user IS DISTINCT FROM $7::text),"
    "   'UserDefinedDataList', (SELECT COALESCE(json_agg(json_build_object('Key', e.key,"
    "     'Value', e.value) ORDER BY e.key), '[]')"
    "     FROM jsonb_each_text(COALESCE($14::jsonb, '{}')) AS e))"
    "   FROM g WHERE $19::text IS NOT NULL)"
    " SELECT json_build_object('created', EXISTS (SELECT 1 FROM g),"
    "   'missing', (SELECT COALESCE(json_agg(\"user\"), '[]') FROM missing))::text";

/* $1 group, $2 users [{user, role, join_time, unread}], $3 now, $4 application kind,
 * $5 views, $6 pre-join visible, $7 enforce max, $8 msg flag, $9 recv opt. */
static const char add_sql[] =
    "WITH g AS (SELECT g.*, COALESCE(c.last_seq, 0) AS last_seq FROM groups g" GROUP_CONV
    "   WHERE g.group_id = $1 FOR UPDATE OF g),"
    " cnt AS (SELECT member_count AS n FROM g),"
    " want AS (SELECT DISTINCT ON (x.user) x.* FROM ROWS FROM (jsonb_to_recordset($2::jsonb)"
    "   AS (\"user\" text, role text, join_time bigint, unread bigint)) WITH ORDINALITY"
    "   AS x(\"user\", role, join_time, unread, o) ORDER BY x.user, x.o),"
    " cls AS (SELECT w.*, CASE"
    "   WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = w.user) THEN 'missing'"
    "   WHEN EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = $1"
    "     AND m.user_id = w.user) THEN 'already'"
    "   WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM group_applications p"
    "     WHERE p.group_id = $1 AND p.user_id = w.user AND p.kind = $4::text)"
    "     THEN 'no_application'"
    "   ELSE 'candidate' END AS st FROM want w, g),"
    " ok AS (SELECT r.* FROM (SELECT c.*, row_number() OVER (ORDER BY c.o) AS rn FROM cls c"
    "   WHERE c.st = 'candidate') AS r, g, cnt"
    "   WHERE NOT $7::bool OR g.max_members <= 0 OR cnt.n + r.rn <= g.max_members),"
    " counting AS (SELECT s.seq, row_number() OVER (ORDER BY s.seq DESC) AS rn FROM ("
    "   SELECT seq FROM messages WHERE conv_key = 'g:' || $1 AND flags & 2 = 0"
    "   ORDER BY seq DESC LIMIT (SELECT COALESCE(max(unread), 0) FROM ok)) AS s),"
    " ins AS (INSERT INTO group_members (group_id, user_id, role, join_time, join_seq, msg_flag)"
    "   SELECT $1, ok.user, CASE WHEN g.owner = ok.user THEN 'Owner'"
    "   ELSE COALESCE(ok.role, 'Member') END, COALESCE(ok.join_time, $3::bigint),"
    "   g.last_seq, $8 FROM ok, g),"
    " views AS (INSERT INTO conv_views AS v (user_id, conv_key, group_id, read_seq, deleted_seq,"
    "   recv_opt)"
    "   SELECT ok.user, 'g:' || $1, $1,"
    "   CASE WHEN COALESCE(ok.unread, 0) <= 0 THEN g.last_seq"
    "     ELSE COALESCE((SELECT min(k.seq) FROM counting k WHERE k.rn <= ok.unread), 1) - 1 END,"
    "   CASE WHEN $6::bool THEN 0 ELSE g.last_seq END, $9::int"
    "   FROM ok, g WHERE $5::bool"
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET group_id = EXCLUDED.group_id,"
    "   read_seq = EXCLUDED.read_seq, deleted_seq = EXCLUDED.deleted_seq, hidden_seq = 0,"
    "   recv_opt = EXCLUDED.recv_opt),"
    " tviews AS (INSERT INTO conv_views AS v (user_id, conv_key, group_id, read_seq,"
    "   deleted_seq, recv_opt)"
    "   SELECT ok.user, 'g:' || t.topic_id, t.topic_id, COALESCE(tc.last_seq, 0),"
    "   CASE WHEN $6::bool THEN 0 ELSE COALESCE(tc.last_seq, 0) END, $9::int"
    "   FROM ok CROSS JOIN group_topics t"
    "   LEFT JOIN conversations tc ON tc.conv_key = 'g:' || t.topic_id"
    "   WHERE t.group_id = $1 AND $5::bool"
    "   ON CONFLICT (user_id, conv_key) DO UPDATE SET group_id = EXCLUDED.group_id,"
    "   read_seq = EXCLUDED.read_seq, deleted_seq = EXCLUDED.deleted_seq, hidden_seq = 0,"
    "   recv_opt = EXCLUDED.recv_opt),"
    " apps AS (DELETE FROM group_applications p USING cls c WHERE p.group_id = $1"
    "   AND p.user_id = c.user AND (c.st = 'already'"
    "   OR EXISTS (SELECT 1 FROM ok WHERE ok.user = c.user))),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterNewMemberJoin', 'g:' || $1, $10::text, $11::text,"
    "   json_build_object('GroupId', $1::text, 'Type', g.type, 'JoinType', $13::text,"
    "   'Operator_Account', $12::text, 'NewMemberList', (SELECT json_agg(json_build_object("
    "     'Member_Account', ok.user) ORDER BY ok.o) FROM ok))"
    "   FROM g WHERE $10::text IS NOT NULL AND EXISTS (SELECT 1 FROM ok))"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g),"
    "   'member_count', (SELECT n FROM cnt) + (SELECT count(*) FROM ok),"
    "   'results', (SELECT COALESCE(json_agg(json_build_object('user', c.user, 'status',"
    "     CASE WHEN c.st <> 'candidate' THEN c.st"
    "     WHEN EXISTS (SELECT 1 FROM ok WHERE ok.user = c.user) THEN 'added' ELSE 'full' END)"
    "     ORDER BY c.o), '[]') FROM cls c))::text";

/* $1 group, $2 users, $3 roles. */
static const char remove_sql[] =
    "WITH d AS (DELETE FROM group_members m WHERE m.group_id = $1"
    "   AND m.user_id IN (SELECT jsonb_array_elements_text($2::jsonb))"
    "   AND m.role IN (SELECT jsonb_array_elements_text($3::jsonb))"
    "   RETURNING m.user_id, m.role),"
    " o AS (UPDATE groups SET owner = NULL WHERE group_id = $1"
    "   AND owner IN (SELECT user_id FROM d)),"
    " keys AS (SELECT 'g:' || $1 AS k UNION ALL SELECT 'g:' || topic_id FROM group_topics"
    "   WHERE group_id = $1),"
    " v AS (DELETE FROM conv_views w USING d WHERE w.user_id = d.user_id"
    "   AND w.conv_key IN (SELECT k FROM keys)),"
    " cg AS (DELETE FROM conv_group_members x USING d WHERE x.user_id = d.user_id"
    "   AND x.conv_key IN (SELECT k FROM keys)),"
    " hd AS (DELETE FROM msg_hidden h USING d WHERE h.user_id = d.user_id"
    "   AND h.conv_key IN (SELECT k FROM keys)),"
    " a AS (DELETE FROM group_applications p USING d WHERE p.group_id = $1"
    "   AND p.user_id = d.user_id),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterMemberExit', 'g:' || $1, $4::text, $5::text,"
    "   json_build_object('GroupId', $1::text, 'Type', (SELECT type FROM groups"
    "     WHERE group_id = $1), 'ExitType', $7::text, 'Operator_Account', $6::text,"
    "   'ExitMemberList', json_agg(json_build_object('Member_Account', d.user_id)"
    "     ORDER BY d.user_id))"
    "   FROM d WHERE $4::text IS NOT NULL HAVING count(*) > 0)"
    " SELECT json_build_object('removed', (SELECT COALESCE(json_agg(json_build_object("
    "   'user', user_id, 'role', role)), '[]') FROM d),"
    "   'member_count', (SELECT member_count FROM groups WHERE group_id = $1)"
    "     - (SELECT count(*) FROM d))::text";

/* $1 group, $2 fields, $3 now, $4 max custom keys. */
static const char update_sql[] =
    "WITH f AS (SELECT $2::jsonb AS f),"
    " cur AS (SELECT * FROM groups WHERE group_id = $1 FOR UPDATE),"
    " nw AS (SELECT cur.group_id, (SELECT COALESCE(jsonb_object_agg(e.key, e.value), '{}')"
    "   FROM jsonb_each(cur.app_defined || COALESCE(f.f -> 'custom', '{}')) AS e"
    "   WHERE e.value <> '\"\"'::jsonb) AS custom FROM cur, f),"
    " up AS (UPDATE groups g SET"
    "   name = COALESCE(f.f ->> 'name', g.name),"
    "   introduction = COALESCE(f.f ->> 'introduction', g.introduction),"
    "   notification = COALESCE(f.f ->> 'notification', g.notification),"
    "   face_url = COALESCE(f.f ->> 'face_url', g.face_url),"
    "   max_members = COALESCE((f.f ->> 'max_members')::int, g.max_members),"
    "   apply_join_option = COALESCE(f.f ->> 'apply_opt', g.apply_join_option),"
    "   invite_join_option = COALESCE(f.f ->> 'invite_opt', g.invite_join_option),"
    "   mute_all = COALESCE((f.f ->> 'mute_all')::bool, g.mute_all),"
    "   history_before_join = COALESCE((f.f ->> 'history_before_join')::bool,"
    "     g.history_before_join),"
    "   enable_permission = COALESCE((f.f ->> 'enable_permission')::bool, g.enable_permission),"
    "   default_permission = COALESCE((f.f ->> 'default_permission')::bigint,"
    "     g.default_permission),"
    "   app_defined = nw.custom, info_seq = g.info_seq + 1, last_info_time = $3::bigint"
    "   FROM nw, f WHERE g.group_id = nw.group_id"
    "   AND (SELECT count(*) FROM jsonb_object_keys(nw.custom)) <= $4::int"
    "   RETURNING g.*),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterGroupInfoChanged', 'g:' || up.group_id, $5::text, $6::text,"
    "   json_strip_nulls(json_build_object('GroupId', up.group_id, 'Type', up.type,"
    "   'Operator_Account', $7::text, 'Name', f.f ->> 'name', 'Introduction',"
    "   f.f ->> 'introduction', 'Notification', f.f ->> 'notification', 'FaceUrl',"
    "   f.f ->> 'face_url'))"
    "   FROM up, f WHERE $5::text IS NOT NULL"
    "   AND f.f ?| ARRAY['name', 'introduction', 'notification', 'face_url'])"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM cur),"
    "   'updated', EXISTS (SELECT 1 FROM up),"
    "   'group', (SELECT " GROUP_JSON " FROM up g" GROUP_CONV "))::text";

/* $1 group, $2 user, $3 fields, $4 max custom keys, $5 recv opt (< 0: unchanged). */
/* $1 group, $2 member, $3 fields, $4 max custom, $5 recv_opt, $6 OptPlatform (NULL: no
 * event), $7 ClientIP, $8 operator. */
static const char member_update_sql[] =
    "WITH f AS (SELECT $3::jsonb AS f),"
    " cur AS (SELECT * FROM group_members WHERE group_id = $1 AND user_id = $2 FOR UPDATE),"
    " nw AS (SELECT (SELECT COALESCE(jsonb_object_agg(e.key, e.value), '{}')"
    "   FROM jsonb_each(cur.app_member_defined || COALESCE(f.f -> 'custom', '{}')) AS e"
    "   WHERE e.value <> '\"\"'::jsonb) AS custom FROM cur, f),"
    " up AS (UPDATE group_members m SET"
    "   role = COALESCE(f.f ->> 'role', m.role),"
    "   name_card = COALESCE(f.f ->> 'name_card', m.name_card),"
    "   mute_until = COALESCE((f.f ->> 'mute_until')::bigint, m.mute_until),"
    "   msg_flag = COALESCE(f.f ->> 'msg_flag', m.msg_flag),"
    "   app_member_defined = nw.custom"
    "   FROM nw, f WHERE m.group_id = $1 AND m.user_id = $2"
    "   AND NOT (f.f ? 'role' AND m.role = 'Owner')"
    "   AND (SELECT count(*) FROM jsonb_object_keys(nw.custom)) <= $4::int"
    "   RETURNING m.user_id, m.role, m.name_card),"
    " rv AS (UPDATE conv_views v SET recv_opt = $5::int FROM up"
    "   WHERE $5::int >= 0 AND v.user_id = up.user_id AND v.conv_key = 'g:' || $1),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterMemberFieldChanged', 'g:' || $1, $6::text, $7::text,"
    "   json_build_object('GroupId', $1::text, 'Type', g.type, 'Operator_Account', $8::text,"
    "   'Modified_Account', up.user_id, 'Member_Account', up.user_id, 'Role', up.role,"
    "   'NameCard', up.name_card)"
    "   FROM up, f, groups g WHERE g.group_id = $1 AND $6::text IS NOT NULL"
    "   AND (f.f ? 'role' OR f.f ? 'name_card'))"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM cur),"
    "   'updated', EXISTS (SELECT 1 FROM up))::text";

/* $1 group, $2 [[UserID, mark], …], $3 set (true) or remove, $4 most marks per group, $5 most
 * members per mark. The group row's lock orders concurrent markers, so the limits hold. */
/* clang-format off */
static const char mark_sql[] =
    "WITH g AS (SELECT group_id FROM groups WHERE group_id = $1 FOR UPDATE),"
    " asked AS (SELECT DISTINCT p->>0 AS u, (p->>1)::bigint AS mark"
    "   FROM jsonb_array_elements($2::jsonb) p WHERE EXISTS (SELECT 1 FROM g)),"
    " req AS (SELECT a.* FROM asked a JOIN group_members m ON m.group_id = $1 AND m.user_id = a.u),"
    " after AS (SELECT user_id AS u, mark FROM group_member_marks WHERE group_id = $1"
    "   UNION SELECT u, mark FROM req),"
    " verdict AS (SELECT CASE WHEN NOT $3::bool THEN 'ok'"
    "   WHEN (SELECT count(DISTINCT mark) FROM after) > $4::int THEN 'marks_full'"
    "   WHEN EXISTS (SELECT 1 FROM after GROUP BY mark HAVING count(*) > $5::int) THEN 'mark_full'"
    "   ELSE 'ok' END AS v),"
    " ins AS (INSERT INTO group_member_marks (group_id, user_id, mark)"
    "   SELECT $1, u, mark FROM req WHERE $3::bool AND (SELECT v FROM verdict) = 'ok'"
    "   ON CONFLICT DO NOTHING RETURNING user_id, mark),"
    " del AS (DELETE FROM group_member_marks k USING req WHERE NOT $3::bool AND k.group_id = $1"
    "   AND k.user_id = req.u AND k.mark = req.mark RETURNING k.user_id, k.mark)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g), 'status', (SELECT v FROM verdict),"
    " 'results', (SELECT COALESCE(json_agg(json_build_array(user_id, mark) ORDER BY mark, user_id),"
    "   '[]') FROM (SELECT * FROM ins UNION ALL SELECT * FROM del) c),"
    " 'missing', (SELECT COALESCE(json_agg(DISTINCT u), '[]') FROM asked"
    "   WHERE u NOT IN (SELECT u FROM req)))::text";
/* clang-format on */

static const char mute_sql[] =
    "WITH up AS (UPDATE group_members SET mute_until = $3::bigint WHERE group_id = $1"
    "   AND user_id IN (SELECT jsonb_array_elements_text($2::jsonb)) AND role <> 'Owner'"
    "   RETURNING user_id)"
    " SELECT json_build_object('muted', (SELECT COALESCE(json_agg(user_id), '[]') FROM up))::text";

/* $1 group, $2 new owner, $3 now, $4 OptPlatform (NULL: no event), $5 ClientIP, $6 operator. */
static const char transfer_sql[] =
    "WITH g AS (SELECT * FROM groups WHERE group_id = $1 FOR UPDATE),"
    " nm AS (SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2),"
    " o AS (UPDATE group_members m SET role = 'Member' WHERE m.group_id = $1"
    "   AND m.role = 'Owner' AND m.user_id <> $2 AND EXISTS (SELECT 1 FROM nm)),"
    " n AS (UPDATE group_members m SET role = 'Owner', mute_until = 0"
    "   WHERE m.group_id = $1 AND m.user_id = $2 RETURNING 1),"
    " up AS (UPDATE groups SET owner = $2, info_seq = info_seq + 1, last_info_time = $3::bigint"
    "   WHERE group_id = $1 AND EXISTS (SELECT 1 FROM nm)),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterChangeGroupOwner', 'g:' || g.group_id, $4::text, $5::text,"
    "   json_build_object('GroupId', g.group_id, 'Type', g.type, 'Operator_Account', $6::text,"
    "   'OldOwner_Account', COALESCE(g.owner, ''), 'NewOwner_Account', $2::text)"
    "   FROM g WHERE $4::text IS NOT NULL AND EXISTS (SELECT 1 FROM n)"
    "   AND g.owner IS DISTINCT FROM $2)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g),"
    "   'done', EXISTS (SELECT 1 FROM n), 'old_owner', (SELECT owner FROM g))::text";

static const char destroy_sql[] =
    "WITH mem AS (SELECT user_id FROM group_members WHERE group_id = $1),"
    " keys AS (SELECT 'g:' || $1 AS k UNION ALL SELECT 'g:' || topic_id FROM group_topics"
    "   WHERE group_id = $1),"
    " g AS (DELETE FROM groups WHERE group_id = $1 RETURNING group_id, type, name, owner),"
    " v AS (DELETE FROM conv_views WHERE conv_key IN (SELECT k FROM keys) AND EXISTS (SELECT 1 "
    "FROM g)),"
    " cg AS (DELETE FROM conv_group_members WHERE conv_key IN (SELECT k FROM keys)"
    "   AND EXISTS (SELECT 1 FROM g)),"
    " msg AS (DELETE FROM messages WHERE conv_key IN (SELECT k FROM keys) AND EXISTS (SELECT 1 "
    "FROM g)),"
    " hd AS (DELETE FROM msg_hidden WHERE conv_key IN (SELECT k FROM keys) AND EXISTS (SELECT 1 "
    "FROM g)),"
    " conv AS (DELETE FROM conversations WHERE conv_key IN (SELECT k FROM keys)"
    "   AND EXISTS (SELECT 1 FROM g)),"
    " at AS (DELETE FROM group_at WHERE conv_key IN (SELECT k FROM keys) AND EXISTS (SELECT 1 FROM "
    "g)),"
    " tg AS (DELETE FROM msg_targets WHERE conv_key IN (SELECT k FROM keys)"
    "   AND EXISTS (SELECT 1 FROM g)),"
    " rc AS (DELETE FROM msg_receipts WHERE conv_key IN (SELECT k FROM keys)"
    "   AND EXISTS (SELECT 1 FROM g)),"
    " pq AS (DELETE FROM purge_queue WHERE conv_key IN (SELECT k FROM keys) AND EXISTS (SELECT 1 "
    "FROM g)),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterGroupDestroyed', 'g:' || g.group_id, $2::text, $3::text,"
    "   json_build_object('GroupId', g.group_id, 'Type', g.type, 'Owner_Account',"
    "   COALESCE(g.owner, ''), 'Name', g.name, 'MemberList', (SELECT COALESCE(json_agg("
    "     json_build_object('Member_Account', mem.user_id) ORDER BY mem.user_id), '[]')"
    "     FROM mem))"
    "   FROM g WHERE $2::text IS NOT NULL)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g),"
    "   'members', (SELECT COALESCE(json_agg(user_id), '[]') FROM mem))::text";

/* $1 group, $2 users, $3 kind, $4 from, $5 message, $6 now. */
static const char apply_sql[] =
    "WITH g AS (SELECT group_id FROM groups WHERE group_id = $1),"
    " ins AS (INSERT INTO group_applications AS p (group_id, user_id, kind, from_user, message,"
    "   created_at) SELECT $1, u.u, $3, $4, $5, $6::bigint"
    "   FROM g, (SELECT DISTINCT jsonb_array_elements_text($2::jsonb) AS u) AS u"
    "   WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = u.u)"
    "   AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = $1 AND m.user_id = u.u)"
    "   ON CONFLICT (group_id, user_id, kind) DO UPDATE SET from_user = EXCLUDED.from_user,"
    "   message = EXCLUDED.message, created_at = EXCLUDED.created_at RETURNING p.user_id)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g),"
    "   'applied', (SELECT COALESCE(json_agg(user_id), '[]') FROM ins),"
    "   'approvers', (SELECT COALESCE(json_agg(user_id), '[]') FROM group_members"
    "   WHERE group_id = $1 AND role IN ('Owner', 'Admin')))::text";

static const char application_drop_sql[] =
    "WITH d AS (DELETE FROM group_applications WHERE group_id = $1 AND user_id = $2"
    "   AND kind = $3 RETURNING from_user, message)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM d),"
    "   'from', (SELECT from_user FROM d), 'message', (SELECT message FROM d))::text";

/* $1 group, $2 mode, $3 data, $4 max keys, $5 max bytes. Insert and delete touch different
 * rows (the delete keeps every key of the new map), so their order inside the statement does
 * not matter. */
static const char attrs_write_sql[] =
    "WITH g AS (SELECT group_id FROM groups WHERE group_id = $1 FOR UPDATE),"
    " cur AS (SELECT COALESCE(jsonb_object_agg(key, value), '{}') AS m FROM group_attrs"
    "   WHERE group_id = $1),"
    " nw AS (SELECT CASE $2::text WHEN 'init' THEN $3::jsonb WHEN 'set' THEN cur.m || $3::jsonb"
    "   WHEN 'delete' THEN cur.m - ARRAY(SELECT jsonb_array_elements_text($3::jsonb))"
    "   ELSE '{}'::jsonb END AS m FROM cur),"
    " chk AS (SELECT nw.m, (SELECT count(*) FROM jsonb_object_keys(nw.m)) AS n,"
    "   (SELECT COALESCE(sum(octet_length(e.key) + octet_length(e.value)), 0)"
    "    FROM jsonb_each_text(nw.m) AS e) AS bytes FROM nw),"
    " ok AS (SELECT chk.m FROM chk, g WHERE chk.n <= $4::int AND chk.bytes <= $5::int),"
    " del AS (DELETE FROM group_attrs a USING ok WHERE a.group_id = $1 AND NOT (ok.m ? a.key)),"
    " ins AS (INSERT INTO group_attrs (group_id, key, value)"
    "   SELECT $1, e.key, e.value FROM ok, jsonb_each_text(ok.m) AS e"
    "   ON CONFLICT (group_id, key) DO UPDATE SET value = EXCLUDED.value),"
    " hook AS (" STORE_WEBHOOK_INSERT
    "   SELECT 'Group.CallbackAfterGroupAttrChanged', 'g:' || $1, $6::text, $7::text,"
    "   json_build_object('GroupId', $1::text, 'Type', (SELECT type FROM groups"
    "     WHERE group_id = $1), 'Operator_Account', $8::text, 'GroupAttrAry',"
    "   (SELECT COALESCE(json_agg(json_build_object('key', e.key, 'value', e.value)"
    "     ORDER BY e.key), '[]') FROM jsonb_each_text(ok.m) AS e))"
    "   FROM ok WHERE $6::text IS NOT NULL)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM g),"
    "   'status', CASE WHEN EXISTS (SELECT 1 FROM ok) THEN 'ok'"
    "     WHEN (SELECT n FROM chk) > $4::int THEN 'too_many' ELSE 'too_big' END,"
    "   'attrs', CASE WHEN EXISTS (SELECT 1 FROM ok) THEN (SELECT m FROM ok)"
    "     ELSE (SELECT m FROM cur) END)::text";

/* $1 group, $2 user, $3 unread. */
static const char set_unread_sql[] =
    "WITH pos AS (SELECT CASE WHEN $3::bigint <= 0 THEN COALESCE((SELECT last_seq"
    "   FROM conversations WHERE conv_key = 'g:' || $1), 0)"
    "   ELSE COALESCE((SELECT min(s.seq) FROM (SELECT seq FROM messages"
    "     WHERE conv_key = 'g:' || $1 AND flags & 2 = 0 ORDER BY seq DESC LIMIT $3::bigint)"
    "     AS s), 1) - 1 END AS seq),"
    " up AS (UPDATE conv_views v SET read_seq = pos.seq FROM pos WHERE v.user_id = $2"
    "   AND v.conv_key = 'g:' || $1 AND EXISTS (SELECT 1 FROM group_members m"
    "   WHERE m.group_id = $1 AND m.user_id = $2) RETURNING v.read_seq)"
    " SELECT json_build_object('updated', EXISTS (SELECT 1 FROM up),"
    "   'read_seq', (SELECT read_seq FROM up))::text";

/* $1 group, $2 sender, $3 window. */
static const char delete_by_sender_sql[] =
    "WITH c AS (SELECT last_seq FROM conversations WHERE conv_key = 'g:' || $1),"
    " d AS (DELETE FROM messages m USING c WHERE m.conv_key = 'g:' || $1 AND m.sender = $2"
    "   AND m.seq > c.last_seq - $3::bigint RETURNING m.seq),"
    " at AS (DELETE FROM group_at a USING d WHERE a.conv_key = 'g:' || $1 AND a.seq = d.seq),"
    " tg AS (DELETE FROM msg_targets t USING d WHERE t.conv_key = 'g:' || $1 AND t.seq = d.seq),"
    " rc AS (DELETE FROM msg_receipts r USING d WHERE r.conv_key = 'g:' || $1"
    "   AND r.seq = d.seq)"
    " SELECT json_build_object('deleted', (SELECT count(*) FROM d))::text";

/* ---- plumbing ---- */

static void res_view(json_t *doc, store_group_res_t *r)
{
    memset(r, 0, sizeof *r);
    r->doc = doc;
    if (doc == NULL)
        return;
    r->found = json_is_true(json_object_get(doc, "found"));
    r->created = json_is_true(json_object_get(doc, "created"));
    r->updated = json_is_true(json_object_get(doc, "updated"));
    r->done = json_is_true(json_object_get(doc, "done"));
    r->status = text_of(doc, "status");
    r->old_owner = text_of(doc, "old_owner");
    r->from = text_of(doc, "from");
    r->message = text_of(doc, "message");
    r->total = int_of(doc, "total");
    r->member_count = int_of(doc, "member_count");
    r->hi = int_of(doc, "hi");
    r->read_seq = int_of(doc, "read_seq");
    r->deleted = int_of(doc, "deleted");
    static const struct {
        const char *key;
        size_t offset;
    } parts[] = {
        {"groups", offsetof(store_group_res_t, groups)},
        {"members", offsetof(store_group_res_t, members)},
        {"muted", offsetof(store_group_res_t, muted)},
        {"attrs", offsetof(store_group_res_t, attrs)},
        {"results", offsetof(store_group_res_t, results)},
        {"removed", offsetof(store_group_res_t, removed)},
        {"missing", offsetof(store_group_res_t, missing)},
        {"applied", offsetof(store_group_res_t, applied)},
        {"approvers", offsetof(store_group_res_t, approvers)},
        {"ids", offsetof(store_group_res_t, ids)},
        {"messages", offsetof(store_group_res_t, messages)},
        {"applications", offsetof(store_group_res_t, applications)},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        *(json_t **)((char *)r + parts[i].offset) = json_object_get(doc, parts[i].key);
}

/* What a write counts in the daily statistics (store/stats.h) once it committed. */
typedef enum { COUNT_NONE = 0, COUNT_CREATE, COUNT_JOINS, COUNT_QUITS, COUNT_DESTROY } count_t;

typedef struct {
    store_group_fn cb;
    void *arg;
    count_t count;
} answer_t;

static void count_stats(count_t what, const store_group_res_t *r)
{
    size_t i, added = 0;
    json_t *v;
    switch (what) {
    case COUNT_NONE:
        break;
    case COUNT_CREATE:
        if (r->created)
            stats_add(STATS_GROUP_NEW, 1);
        break;
    case COUNT_JOINS:
        json_array_foreach(r->results, i, v)
        {
            const char *st = json_string_value(json_object_get(v, "status"));
            added += st && strcmp(st, "added") == 0;
        }
        stats_add(STATS_GROUP_JOINS, (int64_t)added);
        break;
    case COUNT_QUITS:
        stats_add(STATS_GROUP_QUITS, (int64_t)json_array_size(r->removed));
        break;
    case COUNT_DESTROY:
        if (r->found)
            stats_add(STATS_GROUP_DESTROY, 1);
        break;
    }
}

static void on_doc(err_t err, json_t *doc, void *arg)
{
    answer_t a = *(answer_t *)arg;
    xfree(arg);
    store_group_res_t r;
    res_view(err == ERR_OK ? doc : NULL, &r);
    if (err == ERR_OK)
        count_stats(a.count, &r);
    a.cb(err, &r, a.arg);
}

/* Submits one statement; `params` are heap strings (NULL = SQL NULL), freed here. */
static void run_counted(db_pool_t *db, const char *sql, int n, char **params, count_t count,
                        store_group_fn cb, void *arg)
{
    answer_t *a = XNEW(answer_t);
    *a = (answer_t){cb, arg, count};
    store_run_json(db, "group", sql, n, params, on_doc, a);
}

static void run(db_pool_t *db, const char *sql, int n, char **params, store_group_fn cb, void *arg)
{
    run_counted(db, sql, n, params, COUNT_NONE, cb, arg);
}

/* The hook's parameters: platform (NULL: no event), client IP, operator, kind. */
static bool hook_on(const store_group_hook_t *h)
{
    return h != NULL && h->origin != NULL;
}
#define H_PLATFORM(h)                                                                              \
    (hook_on(h) ? xstrdup((h)->origin->platform ? (h)->origin->platform : "RESTAPI") : NULL)
#define H_IP(h)                                                                                    \
    (hook_on(h) && (h)->origin->client_ip ? xstrdup((h)->origin->client_ip) : xstrdup(""))
#define H_OP(h) (hook_on(h) && (h)->operator_account ? xstrdup((h)->operator_account) : xstrdup(""))
#define H_KIND(h) (hook_on(h) && (h)->kind ? xstrdup((h)->kind) : xstrdup(""))

/* ---- reads ---- */

void store_group_ctx(db_pool_t *db, const char *group_id, const char *actor,
                     const char *targets_json, store_group_fn cb, void *arg)
{
    run(db, ctx_sql, 3, (char *[]){store_str(group_id), store_str(actor), store_str(targets_json)},
        cb, arg);
}

void store_group_get(db_pool_t *db, const char *ids_json, const char *viewer, store_group_fn cb,
                     void *arg)
{
    run(db, get_sql, 2, (char *[]){store_str(ids_json), store_str(viewer)}, cb, arg);
}

void store_group_search(db_pool_t *db, const char *viewer, const char *keywords_json, bool by_id,
                        bool by_name, store_group_fn cb, void *arg)
{
    run(db, search_sql, 4,
        (char *[]){store_str(viewer), store_str(keywords_json), store_bool(by_id),
                   store_bool(by_name)},
        cb, arg);
}

void store_group_search_members(db_pool_t *db, const char *viewer, const char *ids_json,
                                const char *keywords_json, const bool by[4], store_group_fn cb,
                                void *arg)
{
    run(db, search_members_sql, 7,
        (char *[]){store_str(viewer), store_str(ids_json), store_str(keywords_json),
                   store_bool(by[0]), store_bool(by[1]), store_bool(by[2]), store_bool(by[3])},
        cb, arg);
}

void store_group_joined(db_pool_t *db, const char *user, const char *type, const char *hidden_types,
                        const char *inactive_types, int64_t offset, int64_t limit,
                        store_group_fn cb, void *arg)
{
    run(db, joined_sql, 6,
        (char *[]){store_str(user), store_str(type), store_str(hidden_types ? hidden_types : "[]"),
                   store_str(inactive_types ? inactive_types : "[]"), store_int(offset),
                   store_int(limit)},
        cb, arg);
}

void store_group_all(db_pool_t *db, const char *type, int64_t offset, int64_t limit,
                     store_group_fn cb, void *arg)
{
    run(db, all_sql, 3, (char *[]){store_str(type), store_int(offset), store_int(limit)}, cb, arg);
}

void store_group_members(db_pool_t *db, const char *group_id, const char *roles, int64_t mark,
                         const char *after, int64_t offset, int64_t limit, store_group_fn cb,
                         void *arg)
{
    run(db, members_sql, 6,
        (char *[]){store_str(group_id), store_str(roles), store_int(offset), store_int(limit),
                   store_int(mark), store_str(after)},
        cb, arg);
}

void store_group_member_ids(db_pool_t *db, const char *group_id, store_group_fn cb, void *arg)
{
    run(db, member_ids_sql, 1, (char *[]){store_str(group_id)}, cb, arg);
}

void store_group_muted(db_pool_t *db, const char *group_id, int64_t now, store_group_fn cb,
                       void *arg)
{
    run(db, muted_sql, 2, (char *[]){store_str(group_id), store_int(now)}, cb, arg);
}

void store_group_attrs_get(db_pool_t *db, const char *group_id, store_group_fn cb, void *arg)
{
    run(db, attrs_get_sql, 1, (char *[]){store_str(group_id)}, cb, arg);
}

void store_group_history(db_pool_t *db, const char *group_id, int64_t req_seq, int64_t count,
                         store_group_fn cb, void *arg)
{
    run(db, history_sql, 3, (char *[]){store_str(group_id), store_int(req_seq), store_int(count)},
        cb, arg);
}

/* $1 user, $2 now. */
static const char applications_read_sql[] =
    "WITH up AS (INSERT INTO group_app_reads (user_id, read_at) SELECT user_id, $2::bigint"
    "   FROM accounts WHERE user_id = $1 ON CONFLICT (user_id) DO UPDATE"
    "   SET read_at = EXCLUDED.read_at RETURNING 1)"
    " SELECT json_build_object('done', EXISTS (SELECT 1 FROM up))::text";

void store_group_applications_read(db_pool_t *db, const char *user, int64_t now, store_group_fn cb,
                                   void *arg)
{
    run(db, applications_read_sql, 2, (char *[]){store_str(user), store_int(now)}, cb, arg);
}

void store_group_applications(db_pool_t *db, const char *user, store_group_fn cb, void *arg)
{
    run(db, applications_sql, 1, (char *[]){store_str(user)}, cb, arg);
}

/* ---- writes ---- */

void store_group_create(db_pool_t *db, const store_group_new_t *g, const store_group_hook_t *hook,
                        store_group_fn cb, void *arg)
{
    run_counted(db, create_sql, 24,
                (char *[]){store_str(g->group_id),
                           store_str(g->type),
                           store_str(g->name),
                           store_str(g->introduction ? g->introduction : ""),
                           store_str(g->notification ? g->notification : ""),
                           store_str(g->face_url ? g->face_url : ""),
                           store_str(g->owner),
                           store_int(g->create_time),
                           store_int(g->max_members),
                           store_str(g->apply_opt),
                           store_str(g->invite_opt),
                           store_bool(g->mute_all),
                           store_bool(g->history_before_join),
                           store_str(g->custom_json),
                           store_str(g->members_json),
                           store_str(g->msg_flag),
                           store_bool(g->views),
                           store_int(g->recv_opt),
                           H_PLATFORM(hook),
                           H_IP(hook),
                           H_OP(hook),
                           store_bool(g->support_topic),
                           store_bool(g->enable_permission),
                           store_int(g->default_permission)},
                COUNT_CREATE, cb, arg);
}

void store_group_add(db_pool_t *db, const store_group_add_t *a, const store_group_hook_t *hook,
                     store_group_fn cb, void *arg)
{
    run_counted(db, add_sql, 13,
                (char *[]){store_str(a->group_id), store_str(a->users_json), store_int(a->now),
                           store_str(a->application), store_bool(a->views),
                           store_bool(a->pre_join_visible), store_bool(a->enforce_max),
                           store_str(a->msg_flag), store_int(a->recv_opt), H_PLATFORM(hook),
                           H_IP(hook), H_OP(hook), H_KIND(hook)},
                COUNT_JOINS, cb, arg);
}

void store_group_remove(db_pool_t *db, const char *group_id, const char *users_json,
                        const char *roles_json, const store_group_hook_t *hook, store_group_fn cb,
                        void *arg)
{
    run_counted(db, remove_sql, 7,
                (char *[]){store_str(group_id), store_str(users_json), store_str(roles_json),
                           H_PLATFORM(hook), H_IP(hook), H_OP(hook), H_KIND(hook)},
                COUNT_QUITS, cb, arg);
}

void store_group_update(db_pool_t *db, const char *group_id, const char *fields, int64_t now,
                        int max_custom, const store_group_hook_t *hook, store_group_fn cb,
                        void *arg)
{
    run(db, update_sql, 7,
        (char *[]){store_str(group_id), store_str(fields), store_int(now), store_int(max_custom),
                   H_PLATFORM(hook), H_IP(hook), H_OP(hook)},
        cb, arg);
}

void store_group_member_update(db_pool_t *db, const char *group_id, const char *user,
                               const char *fields, int max_custom, int recv_opt,
                               const store_group_hook_t *hook, store_group_fn cb, void *arg)
{
    run(db, member_update_sql, 8,
        (char *[]){store_str(group_id), store_str(user), store_str(fields), store_int(max_custom),
                   store_int(recv_opt), H_PLATFORM(hook), H_IP(hook), H_OP(hook)},
        cb, arg);
}

void store_group_mark(db_pool_t *db, const char *group_id, const char *pairs_json, bool set,
                      int max_marks, int max_per_mark, store_group_fn cb, void *arg)
{
    run(db, mark_sql, 5,
        (char *[]){store_str(group_id), store_str(pairs_json), store_bool(set),
                   store_int(max_marks), store_int(max_per_mark)},
        cb, arg);
}

void store_group_mute(db_pool_t *db, const char *group_id, const char *users_json, int64_t until,
                      store_group_fn cb, void *arg)
{
    run(db, mute_sql, 3, (char *[]){store_str(group_id), store_str(users_json), store_int(until)},
        cb, arg);
}

void store_group_transfer(db_pool_t *db, const char *group_id, const char *new_owner, int64_t now,
                          const store_group_hook_t *hook, store_group_fn cb, void *arg)
{
    run(db, transfer_sql, 6,
        (char *[]){store_str(group_id), store_str(new_owner), store_int(now), H_PLATFORM(hook),
                   H_IP(hook), H_OP(hook)},
        cb, arg);
}

void store_group_destroy(db_pool_t *db, const char *group_id, const store_group_hook_t *hook,
                         store_group_fn cb, void *arg)
{
    run_counted(db, destroy_sql, 3, (char *[]){store_str(group_id), H_PLATFORM(hook), H_IP(hook)},
                COUNT_DESTROY, cb, arg);
}

void store_group_apply(db_pool_t *db, const char *group_id, const char *users_json,
                       const char *kind, const char *from, const char *message, int64_t now,
                       store_group_fn cb, void *arg)
{
    run(db, apply_sql, 6,
        (char *[]){store_str(group_id), store_str(users_json), store_str(kind), store_str(from),
                   store_str(message ? message : ""), store_int(now)},
        cb, arg);
}

void store_group_application_drop(db_pool_t *db, const char *group_id, const char *user,
                                  const char *kind, store_group_fn cb, void *arg)
{
    run(db, application_drop_sql, 3,
        (char *[]){store_str(group_id), store_str(user), store_str(kind)}, cb, arg);
}

void store_group_attrs_write(db_pool_t *db, const char *group_id, const char *mode,
                             const char *data_json, int max_keys, int max_bytes,
                             const store_group_hook_t *hook, store_group_fn cb, void *arg)
{
    run(db, attrs_write_sql, 8,
        (char *[]){store_str(group_id), store_str(mode), store_str(data_json ? data_json : "{}"),
                   store_int(max_keys), store_int(max_bytes), H_PLATFORM(hook), H_IP(hook),
                   H_OP(hook)},
        cb, arg);
}

void store_group_set_unread(db_pool_t *db, const char *group_id, const char *user, int64_t unread,
                            store_group_fn cb, void *arg)
{
    run(db, set_unread_sql, 3, (char *[]){store_str(group_id), store_str(user), store_int(unread)},
        cb, arg);
}

void store_group_delete_by_sender(db_pool_t *db, const char *group_id, const char *sender,
                                  int64_t window, store_group_fn cb, void *arg)
{
    run(db, delete_by_sender_sql, 3,
        (char *[]){store_str(group_id), store_str(sender), store_int(window)}, cb, arg);
}

char *store_group_member_key(const json_t *member)
{
    store_group_member_t m;
    if (!store_group_member_view(member, &m))
        return NULL;
    int rank = strcmp(m.role, "Owner") == 0 ? 0 : strcmp(m.role, "Admin") == 0 ? 1 : 2;
    json_t *key = json_pack("[i, I, s]", rank, (json_int_t)m.join_time, m.user);
    char *text = json_dumps(key, JSON_COMPACT);
    json_decref(key);
    return text;
}
