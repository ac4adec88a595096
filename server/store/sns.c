#include "store/sns.h"

#include <stddef.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"
#include "store/stats.h"

/* The statements below are kept unwrapped where clang-format would break their SQL apart. */
/* clang-format off */

/* A user's profile {tag: value}. */
#define PROFILE_OBJ(u)                                                                             \
    "(SELECT COALESCE(json_object_agg(p.tag, p.value), '{}') FROM profiles p"                     \
    " WHERE p.user_id = " u ")"

/* A friends row r as a friend object; its profile only when `with_profile` (an SQL bool). */
#define FRIEND_OBJ_IF(r, with_profile)                                                             \
    "json_build_object('user', " r ".peer, 'remark', " r ".remark, 'groups', to_json(" r           \
    ".groups), 'source', " r ".add_source, 'wording', " r ".add_wording, 'add_time', " r          \
    ".add_time, 'custom', " r ".custom, 'profile', CASE WHEN " with_profile " THEN "              \
    PROFILE_OBJ(r ".peer") " END)"
#define FRIEND_OBJ(r) FRIEND_OBJ_IF(r, "true")

#define FRIENDS_OF(cte) "(SELECT COALESCE(json_agg(" FRIEND_OBJ("r") " ORDER BY r.peer), '[]') FROM " cte " r)"

#define PEER_FRIENDS_OF(cte)                                                                       \
    "(SELECT COALESCE(json_agg(json_build_object('owner', r.user_id, 'friend', " FRIEND_OBJ("r")  \
    ") ORDER BY r.user_id), '[]') FROM " cte " r)"

/* A friend_requests row q. */
#define REQUEST_OBJ(q)                                                                             \
    "json_build_object('user', " q ".user_id, 'peer', " q ".peer, 'both', " q ".both_ways,"        \
    " 'remark', " q ".remark, 'group', " q ".group_name, 'source', " q ".add_source,"             \
    " 'wording', " q ".add_wording, 'add_time', " q ".add_time, 'read', " q ".read,"              \
    " 'user_profile', " PROFILE_OBJ(q ".user_id") ", 'peer_profile', " PROFILE_OBJ(q ".peer") ")"

/* Pairs (user, peer) of a CTE as settled requests. */
#define SETTLED_OF(cte)                                                                            \
    "(SELECT COALESCE(json_agg(json_build_object('user', s.user_id, 'peer', s.peer)), '[]')"      \
    " FROM " cte " s)"

#define BLOCK_OBJ(b)                                                                               \
    "json_build_object('user', " b ".peer, 'add_time', " b ".add_time, 'profile', "               \
    PROFILE_OBJ(b ".peer") ")"

/* Moves the version of every user a CTE `list` (one text column) names. */
#define VERSION_CTE(list)                                                                          \
    " ver AS (INSERT INTO sns_versions AS sv (user_id, seq)"                                       \
    "   SELECT DISTINCT t.u, 1 FROM (" list ") AS t(u)"                                            \
    "   ON CONFLICT (user_id) DO UPDATE SET seq = sv.seq + 1 RETURNING user_id, seq)"

/* The owner's ($1) version after the statement. */
#define VERSION_OF                                                                                 \
    "COALESCE((SELECT seq FROM ver WHERE user_id = $1),"                                           \
    " (SELECT seq FROM sns_versions WHERE user_id = $1), 0)"

/* An event with PairList from `pairs` (a query of jsonb pair objects `p`): $h body fields
 * (NULL: off), $hp platform, $hi client IP. */
#define HOOK_CTE(name, cmd, pairs, h, hp, hi)                                                      \
    " " name " AS (" STORE_WEBHOOK_INSERT                                                          \
    "   SELECT '" cmd "', 'u:' || $1, " hp "::text, " hi "::text,"                                 \
    "   (" h "::jsonb || jsonb_build_object('PairList', z.pairs))::json"                          \
    "   FROM (SELECT jsonb_agg(p) AS pairs FROM (" pairs ") AS y(p)) z"                           \
    "   WHERE " h "::text IS NOT NULL AND z.pairs IS NOT NULL)"

#define PAIR(from, to) "jsonb_build_object('From_Account', " from ", 'To_Account', " to ")"
#define PAIR3(from, to, by)                                                                        \
    "jsonb_build_object('From_Account', " from ", 'To_Account', " to ", 'Initiator_Account', " by ")"

/* A jsonb array of names as a text[] without repeats, in their first order. */
#define NAME_SET(j)                                                                                \
    "ARRAY(SELECT t.g FROM jsonb_array_elements_text(" j ") WITH ORDINALITY AS t(g, o)"            \
    " GROUP BY t.g ORDER BY min(t.o))"

#define LOCK_OWNER " me AS (SELECT user_id FROM accounts WHERE user_id = $1 FOR UPDATE)"

/* Friend lists `names_cte(g)` would create: whether the owner stays within $lim lists. */
#define GROUP_ROOM(names, lim)                                                                     \
    "((SELECT count(*) FROM friend_groups WHERE user_id = $1) + (SELECT count(DISTINCT g) FROM ("  \
    names ") AS ng(g) WHERE NOT EXISTS (SELECT 1 FROM friend_groups fg WHERE fg.user_id = $1"      \
    " AND fg.name = ng.g)) <= " lim "::int)"

/*
 * $1 owner, $2 items, $3 both, $4 force, $5 import, $6 now, $7 friends max, $8 requests max,
 * $9 groups max, $10 FriendAdd fields (NULL: no event), $11 platform, $12 client IP.
 */
static const char add_sql[] =
    "WITH" LOCK_OWNER ","
    " input AS (SELECT x.* FROM me, ROWS FROM (jsonb_to_recordset($2::jsonb) AS (peer text,"
    "   remark text, groups jsonb, source text, wording text, add_time bigint, custom jsonb))"
    "   WITH ORDINALITY AS x(peer, remark, groups, source, wording, add_time, custom, i)),"
    " room AS (SELECT " GROUP_ROOM("SELECT jsonb_array_elements_text(groups) FROM input", "$9") " AS groups_ok,"
    "   (SELECT count(*) FROM friends WHERE user_id = $1) AS n_mine),"
    " facts AS (SELECT x.*, a.user_id IS NOT NULL AS known,"
    "   EXISTS (SELECT 1 FROM friends f WHERE f.user_id = $1 AND f.peer = x.peer) AS have,"
    "   EXISTS (SELECT 1 FROM friends f WHERE f.user_id = x.peer AND f.peer = $1) AS has_me,"
    "   EXISTS (SELECT 1 FROM blocklist b WHERE b.user_id = $1 AND b.peer = x.peer) AS i_block,"
    "   EXISTS (SELECT 1 FROM blocklist b WHERE b.user_id = x.peer AND b.peer = $1) AS they_block,"
    "   COALESCE((SELECT p.value #>> '{}' FROM profiles p WHERE p.user_id = x.peer"
    "     AND p.tag = 'Tag_Profile_IM_AllowType'), 'AllowType_Type_NeedConfirm') AS allow,"
    "   EXISTS (SELECT 1 FROM friend_requests q WHERE q.user_id = $1 AND q.peer = x.peer) AS asked,"
    "   EXISTS (SELECT 1 FROM jsonb_array_elements_text(x.groups) g WHERE NOT EXISTS (SELECT 1"
    "     FROM friend_groups fg WHERE fg.user_id = $1 AND fg.name = g)) AS new_group"
    "   FROM input x LEFT JOIN accounts a ON a.user_id = x.peer),"
    " judged AS (SELECT f.*, CASE"
    "   WHEN NOT f.known THEN 'no_user'"
    "   WHEN f.peer = $1 THEN 'self'"
    "   WHEN f.i_block THEN 'blocked_by_me'"
    "   WHEN f.they_block THEN 'blocked_by_peer'"
    "   WHEN f.have AND ($5 OR NOT $3 OR f.has_me) THEN 'already'"
    "   WHEN f.new_group AND NOT (SELECT groups_ok FROM room) THEN 'group_limit'"
    "   WHEN NOT $4 AND (SELECT p.value #>> '{}' FROM profiles p WHERE p.user_id = $1"
    "     AND p.tag = 'Tag_Profile_IM_AdminForbidType') = 'AdminForbid_Type_SendOut' THEN 'forbidden'"
    "   WHEN NOT $4 AND NOT f.has_me AND f.allow = 'AllowType_Type_DenyAny' THEN 'deny'"
    "   WHEN NOT $4 AND NOT $5 AND NOT f.has_me AND f.allow <> 'AllowType_Type_AllowAny' THEN"
    "     CASE WHEN NOT f.asked AND (SELECT count(*) FROM friend_requests q WHERE q.peer = f.peer)"
    "       >= $8::int THEN 'pending_limit' ELSE 'pending' END"
    "   ELSE 'ok' END AS status FROM facts f),"
    " ranked AS (SELECT j.*, sum(CASE WHEN j.status = 'ok' AND NOT j.have THEN 1 ELSE 0 END)"
    "   OVER (ORDER BY j.i) AS rn FROM judged j),"
    " final AS (SELECT r.*, CASE WHEN r.status <> 'ok' THEN r.status"
    "   WHEN NOT r.have AND (SELECT n_mine FROM room) + r.rn > $7::int THEN 'my_limit'"
    "   WHEN $3 AND NOT r.has_me AND (SELECT count(*) FROM friends f WHERE f.user_id = r.peer)"
    "     >= $7::int THEN 'peer_limit'"
    "   ELSE 'ok' END AS outcome FROM ranked r),"
    " add_mine AS (INSERT INTO friends (user_id, peer, remark, groups, add_source, add_wording,"
    "   add_time, custom)"
    "   SELECT $1, peer, remark, " NAME_SET("groups") ", source,"
    "   wording, add_time, custom FROM final WHERE outcome = 'ok' AND NOT have"
    "   ON CONFLICT DO NOTHING RETURNING *),"
    " add_theirs AS (INSERT INTO friends (user_id, peer, add_source, add_time)"
    "   SELECT peer, $1, source, add_time FROM final WHERE outcome = 'ok' AND $3 AND NOT has_me"
    "   ON CONFLICT DO NOTHING RETURNING *),"
    " lists AS (INSERT INTO friend_groups (user_id, name, created)"
    "   SELECT DISTINCT $1, g, $6::bigint FROM final, jsonb_array_elements_text(final.groups) g"
    "   WHERE outcome = 'ok' AND NOT have ON CONFLICT DO NOTHING),"
    " ask AS (INSERT INTO friend_requests (user_id, peer, both_ways, remark, group_name,"
    "   add_source, add_wording, add_time)"
    "   SELECT $1, peer, $3, remark, COALESCE(groups->>0, ''), source, wording, add_time"
    "   FROM final WHERE outcome = 'pending'"
    "   ON CONFLICT (user_id, peer) DO UPDATE SET both_ways = EXCLUDED.both_ways,"
    "   remark = EXCLUDED.remark, group_name = EXCLUDED.group_name,"
    "   add_source = EXCLUDED.add_source, add_wording = EXCLUDED.add_wording,"
    "   add_time = EXCLUDED.add_time, read = false RETURNING *),"
    " settled AS (DELETE FROM friend_requests q USING final f WHERE f.outcome = 'ok'"
    "   AND ((q.user_id = $1 AND q.peer = f.peer)"
    "   OR (($3 OR f.has_me) AND q.user_id = f.peer AND q.peer = $1))"
    "   RETURNING q.user_id, q.peer),"
    VERSION_CTE("SELECT user_id FROM add_mine UNION ALL SELECT user_id FROM add_theirs") ","
    HOOK_CTE("hook", "Sns.CallbackFriendAdd",
             "SELECT " PAIR3("user_id", "peer", "$1") " FROM add_mine UNION ALL SELECT "
             PAIR3("user_id", "peer", "$1") " FROM add_theirs", "$10", "$11", "$12")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', peer, 'status', outcome)"
    "     ORDER BY i), '[]') FROM final),"
    "   'friends', " FRIENDS_OF("add_mine") ", 'peer_friends', " PEER_FRIENDS_OF("add_theirs") ","
    "   'requests', (SELECT COALESCE(json_agg(" REQUEST_OBJ("q") "), '[]') FROM ask q),"
    "   'settled', " SETTLED_OF("settled") ", 'version', " VERSION_OF ")";

/*
 * $1 owner (who was asked), $2 peer (who asked), $3 action, $4 remark, $5 group, $6 now,
 * $7 friends max, $8 groups max, $9 FriendAdd fields, $10 platform, $11 client IP.
 */
static const char respond_sql[] =
    "WITH" LOCK_OWNER ","
    " req AS (SELECT q.* FROM friend_requests q, me WHERE q.user_id = $2 AND q.peer = $1"
    "   FOR UPDATE OF q),"
    " judged AS (SELECT r.*, CASE WHEN $3 = 'reject' THEN 'ok'"
    "   WHEN NOT EXISTS (SELECT 1 FROM friends f WHERE f.user_id = r.user_id AND f.peer = $1)"
    "     AND (SELECT count(*) FROM friends f WHERE f.user_id = r.user_id) >= $7::int"
    "     THEN 'peer_limit'"
    "   WHEN $3 = 'agree_and_add' AND NOT EXISTS (SELECT 1 FROM friends f WHERE f.user_id = $1"
    "     AND f.peer = r.user_id)"
    "     AND (SELECT count(*) FROM friends f WHERE f.user_id = $1) >= $7::int THEN 'my_limit'"
    "   WHEN $3 = 'agree_and_add' AND " GROUP_ROOM("SELECT NULLIF($5::text, '')", "$8") " IS FALSE"
    "     THEN 'group_limit'"
    "   ELSE 'ok' END AS status FROM req r),"
    " settled AS (DELETE FROM friend_requests q USING judged j WHERE j.status = 'ok'"
    "   AND ((q.user_id = j.user_id AND q.peer = $1)"
    "   OR ($3 = 'agree_and_add' AND q.user_id = $1 AND q.peer = j.user_id))"
    "   RETURNING q.user_id, q.peer),"
    " add_theirs AS (INSERT INTO friends (user_id, peer, remark, groups, add_source, add_wording,"
    "   add_time)"
    "   SELECT j.user_id, $1, j.remark, CASE WHEN j.group_name = '' THEN '{}'::text[]"
    "   ELSE ARRAY[j.group_name] END, j.add_source, j.add_wording, $6::bigint FROM judged j"
    "   WHERE j.status = 'ok' AND $3 <> 'reject' ON CONFLICT DO NOTHING RETURNING *),"
    " add_mine AS (INSERT INTO friends (user_id, peer, remark, groups, add_source, add_time)"
    "   SELECT $1, j.user_id, $4, CASE WHEN $5 = '' THEN '{}'::text[] ELSE ARRAY[$5::text] END,"
    "   j.add_source, $6::bigint FROM judged j WHERE j.status = 'ok' AND $3 = 'agree_and_add'"
    "   ON CONFLICT DO NOTHING RETURNING *),"
    " lists AS (INSERT INTO friend_groups (user_id, name, created)"
    "   SELECT user_id, g, $6::bigint FROM (SELECT r.user_id, unnest(r.groups) AS g FROM add_theirs r"
    "   UNION SELECT r.user_id, unnest(r.groups) FROM add_mine r) AS t ON CONFLICT DO NOTHING),"
    VERSION_CTE("SELECT user_id FROM add_mine UNION ALL SELECT user_id FROM add_theirs") ","
    HOOK_CTE("hook", "Sns.CallbackFriendAdd",
             "SELECT " PAIR3("user_id", "peer", "$2") " FROM add_theirs UNION ALL SELECT "
             PAIR3("user_id", "peer", "$2") " FROM add_mine", "$9", "$10", "$11")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'status', COALESCE((SELECT status FROM judged), 'no_request'),"
    "   'friends', " FRIENDS_OF("add_mine") ", 'peer_friends', " PEER_FRIENDS_OF("add_theirs") ","
    "   'settled', " SETTLED_OF("settled") ", 'version', " VERSION_OF ")";

/* $1 owner, $2 peer, $3 incoming. */
static const char request_delete_sql[] =
    "WITH" LOCK_OWNER ","
    " settled AS (DELETE FROM friend_requests q USING me"
    "   WHERE CASE WHEN $3 THEN q.user_id = $2 AND q.peer = $1 ELSE q.user_id = $1 AND q.peer = $2 END"
    "   RETURNING q.user_id, q.peer)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'status', CASE WHEN EXISTS (SELECT 1 FROM settled) THEN 'ok' ELSE 'no_request_to_delete'"
    "   END,"
    "   'settled', " SETTLED_OF("settled") ")";

/* $1 owner, $2 incoming, $3 outgoing. */
static const char requests_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"
    "   'unread', (SELECT count(*) FROM friend_requests WHERE peer = $1 AND NOT read),"
    "   'requests', (SELECT COALESCE(json_agg(" REQUEST_OBJ("q") " ORDER BY q.add_time DESC,"
    "     q.user_id, q.peer), '[]') FROM friend_requests q"
    "     WHERE ($2 AND q.peer = $1) OR ($3 AND q.user_id = $1)))";

/* $1 owner. */
static const char requests_read_sql[] =
    "WITH" LOCK_OWNER ","
    " up AS (UPDATE friend_requests q SET read = true FROM me WHERE q.peer = $1 AND NOT q.read"
    "   RETURNING 1)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'changed', (SELECT count(*) FROM up))";

/* $1 owner, $2 peers (NULL: all friends), $3 both, $4 FriendDelete fields, $5 platform,
 * $6 client IP. */
static const char delete_sql[] =
    "WITH" LOCK_OWNER ","
    " input AS (SELECT x.peer, x.i FROM me, jsonb_array_elements_text($2::jsonb) WITH ORDINALITY"
    "   AS x(peer, i) WHERE $2::text IS NOT NULL"
    "   UNION ALL SELECT f.peer, row_number() OVER (ORDER BY f.peer) FROM me, friends f"
    "   WHERE $2::text IS NULL AND f.user_id = $1),"
    " del_mine AS (DELETE FROM friends f USING input x WHERE f.user_id = $1 AND f.peer = x.peer"
    "   RETURNING f.user_id, f.peer),"
    " del_theirs AS (DELETE FROM friends f USING input x WHERE $3 AND f.user_id = x.peer"
    "   AND f.peer = $1 RETURNING f.user_id, f.peer),"
    VERSION_CTE("SELECT user_id FROM del_mine UNION ALL SELECT user_id FROM del_theirs") ","
    HOOK_CTE("hook", "Sns.CallbackFriendDelete",
             "SELECT " PAIR("user_id", "peer") " FROM del_mine UNION ALL SELECT "
             PAIR("user_id", "peer") " FROM del_theirs", "$4", "$5", "$6")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', x.peer, 'status', CASE"
    "     WHEN x.peer IN (SELECT peer FROM del_mine) OR x.peer IN (SELECT user_id FROM del_theirs)"
    "     THEN 'ok' WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = x.peer)"
    "     THEN 'no_user' ELSE 'not_friend' END) ORDER BY x.i), '[]') FROM input x),"
    "   'deleted', (SELECT COALESCE(json_agg(peer ORDER BY peer), '[]') FROM del_mine),"
    "   'peer_deleted', (SELECT COALESCE(json_agg(user_id ORDER BY user_id), '[]') FROM del_theirs),"
    "   'version', " VERSION_OF ")";

/* $1 owner, $2 items, $3 now, $4 groups max. */
static const char update_sql[] =
    "WITH" LOCK_OWNER ","
    " input AS (SELECT x.* FROM me, ROWS FROM (jsonb_to_recordset($2::jsonb) AS (peer text,"
    "   remark text, groups jsonb, custom jsonb)) WITH ORDINALITY AS x(peer, remark, groups,"
    "   custom, i)),"
    " room AS (SELECT " GROUP_ROOM("SELECT jsonb_array_elements_text(COALESCE(groups, '[]'))"
    "   FROM input", "$4") " AS groups_ok),"
    " judged AS (SELECT x.*, CASE"
    "   WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = x.peer) THEN 'no_user'"
    "   WHEN NOT EXISTS (SELECT 1 FROM friends f WHERE f.user_id = $1 AND f.peer = x.peer)"
    "     THEN 'not_friend'"
    "   WHEN NOT (SELECT groups_ok FROM room) AND EXISTS (SELECT 1 FROM"
    "     jsonb_array_elements_text(COALESCE(x.groups, '[]')) g WHERE NOT EXISTS (SELECT 1"
    "     FROM friend_groups fg WHERE fg.user_id = $1 AND fg.name = g)) THEN 'group_limit'"
    "   ELSE 'ok' END AS status FROM input x),"
    " up AS (UPDATE friends f SET remark = COALESCE(j.remark, f.remark),"
    "   groups = CASE WHEN j.groups IS NULL THEN f.groups"
    "     ELSE " NAME_SET("j.groups") " END,"
    "   custom = f.custom || COALESCE(j.custom, '{}')"
    "   FROM judged j WHERE j.status = 'ok' AND f.user_id = $1 AND f.peer = j.peer RETURNING f.*),"
    " lists AS (INSERT INTO friend_groups (user_id, name, created)"
    "   SELECT DISTINCT $1, g, $3::bigint FROM judged j,"
    "   jsonb_array_elements_text(COALESCE(j.groups, '[]')) g WHERE j.status = 'ok'"
    "   ON CONFLICT DO NOTHING),"
    VERSION_CTE("SELECT user_id FROM up") 
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', peer, 'status', status)"
    "     ORDER BY i), '[]') FROM judged),"
    "   'friends', " FRIENDS_OF("up") ", 'version', " VERSION_OF ")";

/* The relations of the owner $1 with each peer of jsonb expression `peers`; the friend
 * objects when `detail` (an SQL bool). */
#define RELATIONS_SQL(peers, detail)                                                               \
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"       \
    " 'items', (SELECT COALESCE(json_agg(json_build_object('user', x.peer,"                        \
    "   'exists', EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = x.peer),"                     \
    "   'have', f.peer IS NOT NULL,"                                                               \
    "   'has_me', EXISTS (SELECT 1 FROM friends o WHERE o.user_id = x.peer AND o.peer = $1),"      \
    "   'i_block', EXISTS (SELECT 1 FROM blocklist b WHERE b.user_id = $1 AND b.peer = x.peer),"   \
    "   'they_block', EXISTS (SELECT 1 FROM blocklist b WHERE b.user_id = x.peer AND b.peer = $1)," \
    "   'friend', CASE WHEN f.peer IS NULL OR NOT " detail " THEN NULL ELSE " FRIEND_OBJ("f") " END)" \
    "   ORDER BY x.i),"                                                                            \
    "   '[]') FROM jsonb_array_elements_text(" peers ") WITH ORDINALITY AS x(peer, i)"             \
    "   LEFT JOIN friends f ON f.user_id = $1 AND f.peer = x.peer))"

/* $1 owner, $2 peers, $3 with the friend objects. */
static const char relations_sql[] = RELATIONS_SQL("$2::jsonb", "$3");

/* $1 owner, $2 keywords, $3 by UserID, $4 by nick, $5 by remark: the relations with the
 * owner's friends that match (by UserID). */
static const char search_sql[] = RELATIONS_SQL(
    "(SELECT COALESCE(jsonb_agg(s.peer ORDER BY s.peer), '[]') FROM friends s"
    "  WHERE s.user_id = $1 AND (" STORE_LIKE_ANY_SQL("$3", "s.peer", "$2::jsonb")
    "  OR " STORE_LIKE_ANY_SQL("$4", STORE_NICK_SQL("s.peer"), "$2::jsonb")
    "  OR " STORE_LIKE_ANY_SQL("$5", "s.remark", "$2::jsonb") "))",
    "true");

/* $1 owner, $2 offset, $3 limit, $4 with profiles. */
static const char friends_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"
    " 'total', (SELECT count(*) FROM friends WHERE user_id = $1),"
    " 'version', COALESCE((SELECT seq FROM sns_versions WHERE user_id = $1), 0),"
    " 'friends', (SELECT COALESCE(json_agg(" FRIEND_OBJ_IF("r", "$4") " ORDER BY r.peer), '[]')"
    "   FROM (SELECT * FROM friends WHERE user_id = $1 ORDER BY peer OFFSET $2 LIMIT $3) r))";

/* $1 owner, $2 peers, $3 now, $4 blocklist max, $5 BlackListAdd fields, $6 FriendDelete
 * fields, $7 platform, $8 client IP. */
static const char block_sql[] =
    "WITH" LOCK_OWNER ","
    " input AS (SELECT x.peer, x.i FROM me, jsonb_array_elements_text($2::jsonb) WITH ORDINALITY"
    "   AS x(peer, i)),"
    " judged AS (SELECT x.*, CASE"
    "   WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = x.peer) THEN 'no_user'"
    "   WHEN x.peer = $1 THEN 'self'"
    "   WHEN EXISTS (SELECT 1 FROM blocklist b WHERE b.user_id = $1 AND b.peer = x.peer)"
    "     THEN 'exists' ELSE 'ok' END AS status FROM input x),"
    " final AS (SELECT j.*, CASE WHEN j.status = 'ok' AND (SELECT count(*) FROM blocklist"
    "   WHERE user_id = $1) + sum(CASE WHEN j.status = 'ok' THEN 1 ELSE 0 END) OVER (ORDER BY j.i)"
    "   > $4::int THEN 'block_limit' ELSE j.status END AS outcome FROM judged j),"
    " ins AS (INSERT INTO blocklist (user_id, peer, add_time) SELECT $1, peer, $3::bigint"
    "   FROM final WHERE outcome = 'ok' ON CONFLICT DO NOTHING RETURNING *),"
    " del_mine AS (DELETE FROM friends f USING ins WHERE f.user_id = $1 AND f.peer = ins.peer"
    "   RETURNING f.user_id, f.peer),"
    " del_theirs AS (DELETE FROM friends f USING ins WHERE f.user_id = ins.peer AND f.peer = $1"
    "   RETURNING f.user_id, f.peer),"
    " settled AS (DELETE FROM friend_requests q USING ins WHERE (q.user_id = $1"
    "   AND q.peer = ins.peer) OR (q.user_id = ins.peer AND q.peer = $1)"
    "   RETURNING q.user_id, q.peer),"
    VERSION_CTE("SELECT user_id FROM ins UNION ALL SELECT user_id FROM del_theirs") ","
    HOOK_CTE("hook", "Sns.CallbackBlackListAdd", "SELECT " PAIR("user_id", "peer") " FROM ins",
             "$5", "$7", "$8") ","
    HOOK_CTE("hook_unfriend", "Sns.CallbackFriendDelete",
             "SELECT " PAIR("user_id", "peer") " FROM del_mine UNION ALL SELECT "
             PAIR("user_id", "peer") " FROM del_theirs", "$6", "$7", "$8")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', peer, 'status', outcome)"
    "     ORDER BY i), '[]') FROM final),"
    "   'blocked', (SELECT COALESCE(json_agg(" BLOCK_OBJ("b") " ORDER BY b.peer), '[]') FROM ins b),"
    "   'deleted', (SELECT COALESCE(json_agg(peer ORDER BY peer), '[]') FROM del_mine),"
    "   'peer_deleted', (SELECT COALESCE(json_agg(user_id ORDER BY user_id), '[]') FROM del_theirs),"
    "   'settled', " SETTLED_OF("settled") ", 'version', " VERSION_OF ")";

/* $1 owner, $2 peers, $3 BlackListDelete fields, $4 platform, $5 client IP. */
static const char unblock_sql[] =
    "WITH" LOCK_OWNER ","
    " input AS (SELECT x.peer, x.i FROM me, jsonb_array_elements_text($2::jsonb) WITH ORDINALITY"
    "   AS x(peer, i)),"
    " del AS (DELETE FROM blocklist b USING input x WHERE b.user_id = $1 AND b.peer = x.peer"
    "   RETURNING b.user_id, b.peer),"
    VERSION_CTE("SELECT user_id FROM del") ","
    HOOK_CTE("hook", "Sns.CallbackBlackListDelete", "SELECT " PAIR("user_id", "peer") " FROM del",
             "$3", "$4", "$5")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', x.peer, 'status', CASE"
    "     WHEN x.peer IN (SELECT peer FROM del) THEN 'ok'"
    "     WHEN NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = x.peer) THEN 'no_user'"
    "     ELSE 'not_blocked' END) ORDER BY x.i), '[]') FROM input x),"
    "   'version', " VERSION_OF ")";

/* $1 owner, $2 offset, $3 limit. */
static const char blocklist_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"
    " 'total', (SELECT count(*) FROM blocklist WHERE user_id = $1),"
    " 'version', COALESCE((SELECT seq FROM sns_versions WHERE user_id = $1), 0),"
    " 'blocked', (SELECT COALESCE(json_agg(" BLOCK_OBJ("b") " ORDER BY b.peer), '[]') FROM"
    "   (SELECT * FROM blocklist WHERE user_id = $1 ORDER BY peer OFFSET $2 LIMIT $3) b))";

/* $1 owner, $2 names, $3 peers, $4 now, $5 groups max. */
static const char group_create_sql[] =
    "WITH" LOCK_OWNER ","
    " names AS (SELECT DISTINCT n FROM me, jsonb_array_elements_text($2::jsonb) n),"
    " judged AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM names, friend_groups fg"
    "   WHERE fg.user_id = $1 AND fg.name = names.n) THEN 'list_exists'"
    "   WHEN NOT " GROUP_ROOM("SELECT n FROM names", "$5") " THEN 'group_limit'"
    "   ELSE 'ok' END AS status FROM me),"
    " mk AS (INSERT INTO friend_groups (user_id, name, created) SELECT $1, n, $4::bigint"
    "   FROM names, judged WHERE judged.status = 'ok' RETURNING user_id),"
    " input AS (SELECT x.peer, x.i FROM jsonb_array_elements_text($3::jsonb) WITH ORDINALITY"
    "   AS x(peer, i)),"
    " up AS (UPDATE friends f SET groups = f.groups || " NAME_SET("$2::jsonb")
    "   FROM input x, judged"
    "   WHERE judged.status = 'ok' AND f.user_id = $1 AND f.peer = x.peer RETURNING f.*),"
    VERSION_CTE("SELECT user_id FROM mk") " "
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'status', (SELECT status FROM judged),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', x.peer, 'status', CASE"
    "     WHEN x.peer IN (SELECT peer FROM up) THEN 'ok' ELSE 'not_friend' END) ORDER BY x.i),"
    "     '[]') FROM input x WHERE (SELECT status FROM judged) = 'ok'),"
    "   'friends', " FRIENDS_OF("up") ", 'version', " VERSION_OF ")";

/* $1 owner, $2 names. */
static const char group_delete_sql[] =
    "WITH" LOCK_OWNER ","
    " names AS (SELECT DISTINCT n FROM me, jsonb_array_elements_text($2::jsonb) n),"
    " judged AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM names WHERE NOT EXISTS (SELECT 1"
    "   FROM friend_groups fg WHERE fg.user_id = $1 AND fg.name = names.n)) THEN 'missing'"
    "   ELSE 'ok' END AS status FROM me),"
    " del AS (DELETE FROM friend_groups fg USING judged WHERE judged.status = 'ok'"
    "   AND fg.user_id = $1 AND fg.name IN (SELECT n FROM names) RETURNING fg.user_id),"
    " up AS (UPDATE friends f SET groups = ARRAY(SELECT g FROM unnest(f.groups) g"
    "   WHERE g NOT IN (SELECT n FROM names))"
    "   FROM judged WHERE judged.status = 'ok' AND f.user_id = $1"
    "   AND f.groups && ARRAY(SELECT n FROM names) RETURNING f.*),"
    VERSION_CTE("SELECT user_id FROM del")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'status', (SELECT status FROM judged), 'friends', " FRIENDS_OF("up") ","
    "   'version', " VERSION_OF ")";

/* $1 owner, $2 old name, $3 new name. */
static const char group_rename_sql[] =
    "WITH" LOCK_OWNER ","
    " judged AS (SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM friend_groups WHERE user_id = $1"
    "   AND name = $2) THEN 'missing' WHEN EXISTS (SELECT 1 FROM friend_groups WHERE"
    "   user_id = $1 AND name = $3) THEN 'list_exists' ELSE 'ok' END AS status FROM me),"
    " ren AS (UPDATE friend_groups fg SET name = $3 FROM judged WHERE judged.status = 'ok'"
    "   AND fg.user_id = $1 AND fg.name = $2 RETURNING fg.user_id),"
    " up AS (UPDATE friends f SET groups = array_replace(f.groups, $2, $3) FROM judged"
    "   WHERE judged.status = 'ok' AND f.user_id = $1 AND $2 = ANY (f.groups) RETURNING f.*),"
    VERSION_CTE("SELECT user_id FROM ren")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'status', (SELECT status FROM judged), 'friends', " FRIENDS_OF("up") ","
    "   'version', " VERSION_OF ")";

/* $1 owner, $2 name, $3 peers, $4 add. */
static const char group_members_sql[] =
    "WITH" LOCK_OWNER ","
    " judged AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM friend_groups WHERE user_id = $1"
    "   AND name = $2) THEN 'ok' ELSE 'missing' END AS status FROM me),"
    " input AS (SELECT x.peer, x.i FROM jsonb_array_elements_text($3::jsonb) WITH ORDINALITY"
    "   AS x(peer, i)),"
    " up AS (UPDATE friends f SET groups = CASE WHEN NOT $4 THEN array_remove(f.groups, $2)"
    "   WHEN $2 = ANY (f.groups) THEN f.groups ELSE f.groups || $2::text END"
    "   FROM input x, judged WHERE judged.status = 'ok' AND f.user_id = $1 AND f.peer = x.peer"
    "   RETURNING f.*),"
    VERSION_CTE("SELECT user_id FROM up")
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM me),"
    "   'status', (SELECT status FROM judged),"
    "   'items', (SELECT COALESCE(json_agg(json_build_object('user', x.peer, 'status', CASE"
    "     WHEN x.peer IN (SELECT peer FROM up) THEN 'ok' ELSE 'not_friend' END) ORDER BY x.i),"
    "     '[]') FROM input x WHERE (SELECT status FROM judged) = 'ok'),"
    "   'friends', " FRIENDS_OF("up") ", 'version', " VERSION_OF ")";

/* $1 owner, $2 names (NULL: all). */
static const char groups_sql[] =
    "SELECT json_build_object('found', EXISTS (SELECT 1 FROM accounts WHERE user_id = $1),"
    " 'version', COALESCE((SELECT seq FROM sns_versions WHERE user_id = $1), 0),"
    " 'groups', (SELECT COALESCE(json_agg(json_build_object('name', fg.name,"
    "   'count', (SELECT count(*) FROM friends f WHERE f.user_id = $1 AND fg.name = ANY (f.groups)),"
    "   'friends', (SELECT COALESCE(json_agg(f.peer ORDER BY f.peer), '[]') FROM friends f"
    "     WHERE f.user_id = $1 AND fg.name = ANY (f.groups)))"
    "   ORDER BY fg.created, fg.name), '[]') FROM friend_groups fg WHERE fg.user_id = $1"
    "   AND ($2::text IS NULL OR fg.name IN (SELECT jsonb_array_elements_text($2::jsonb)))))";

/* clang-format on */

/* ---- answers and views ---- */

static const char *text_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t int_of(const json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static bool flag_of(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static void res_view(json_t *doc, store_sns_res_t *r)
{
    memset(r, 0, sizeof *r);
    r->doc = doc;
    if (doc == NULL)
        return;
    r->found = flag_of(doc, "found");
    r->status = text_of(doc, "status");
    r->total = int_of(doc, "total");
    r->version = int_of(doc, "version");
    r->unread = int_of(doc, "unread");
    r->changed = int_of(doc, "changed");
    static const struct {
        const char *key;
        size_t offset;
    } parts[] = {
        {"items", offsetof(store_sns_res_t, items)},
        {"friends", offsetof(store_sns_res_t, friends)},
        {"peer_friends", offsetof(store_sns_res_t, peer_friends)},
        {"deleted", offsetof(store_sns_res_t, deleted)},
        {"peer_deleted", offsetof(store_sns_res_t, peer_deleted)},
        {"requests", offsetof(store_sns_res_t, requests)},
        {"settled", offsetof(store_sns_res_t, settled)},
        {"blocked", offsetof(store_sns_res_t, blocked)},
        {"groups", offsetof(store_sns_res_t, groups)},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        *(json_t **)((char *)r + parts[i].offset) = json_object_get(doc, parts[i].key);
}

bool store_sns_friend_view(const json_t *obj, store_sns_friend_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return false;
    out->user = text_of(obj, "user");
    out->remark = text_of(obj, "remark");
    out->source = text_of(obj, "source");
    out->wording = text_of(obj, "wording");
    out->add_time = int_of(obj, "add_time");
    out->groups = json_object_get(obj, "groups");
    out->custom = json_object_get(obj, "custom");
    out->profile = json_object_get(obj, "profile");
    return out->user != NULL;
}

bool store_sns_peer_friend_view(const json_t *obj, const char **owner, store_sns_friend_t *out)
{
    *owner = text_of(obj, "owner");
    return store_sns_friend_view(json_object_get(obj, "friend"), out) && *owner != NULL;
}

bool store_sns_item_view(const json_t *obj, store_sns_item_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return false;
    out->user = text_of(obj, "user");
    out->status = text_of(obj, "status");
    out->exists = flag_of(obj, "exists");
    out->have = flag_of(obj, "have");
    out->has_me = flag_of(obj, "has_me");
    out->i_block = flag_of(obj, "i_block");
    out->they_block = flag_of(obj, "they_block");
    const json_t *f = json_object_get(obj, "friend");
    out->friend = json_is_object(f) ? f : NULL;
    return out->user != NULL;
}

bool store_sns_request_view(const json_t *obj, store_sns_request_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return false;
    out->user = text_of(obj, "user");
    out->peer = text_of(obj, "peer");
    out->both = flag_of(obj, "both");
    out->remark = text_of(obj, "remark");
    out->group = text_of(obj, "group");
    out->source = text_of(obj, "source");
    out->wording = text_of(obj, "wording");
    out->add_time = int_of(obj, "add_time");
    out->read = flag_of(obj, "read");
    out->user_profile = json_object_get(obj, "user_profile");
    out->peer_profile = json_object_get(obj, "peer_profile");
    return out->user != NULL && out->peer != NULL;
}

bool store_sns_block_view(const json_t *obj, store_sns_block_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return false;
    out->user = text_of(obj, "user");
    out->add_time = int_of(obj, "add_time");
    out->profile = json_object_get(obj, "profile");
    return out->user != NULL;
}

bool store_sns_fgroup_view(const json_t *obj, store_sns_fgroup_t *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return false;
    out->name = text_of(obj, "name");
    out->count = int_of(obj, "count");
    out->friends = json_object_get(obj, "friends");
    return out->name != NULL;
}

/* ---- running ---- */

/* What a write adds to the daily statistics once it committed: ChainIncrease counts the pairs
 * added to the owner's list, ChainDecrease those removed from it. */
typedef enum { CHAIN_NONE = 0, CHAIN_ADD, CHAIN_DELETE } chain_count_t;

typedef struct {
    store_sns_fn cb;
    void *arg;
    chain_count_t count;
} answer_t;

static void on_doc(err_t err, json_t *doc, void *arg)
{
    answer_t a = *(answer_t *)arg;
    xfree(arg);
    store_sns_res_t r;
    res_view(err == ERR_OK ? doc : NULL, &r);
    if (err == ERR_OK && a.count == CHAIN_ADD)
        stats_add(STATS_CHAIN_UP, (int64_t)json_array_size(r.friends));
    else if (err == ERR_OK && a.count == CHAIN_DELETE)
        stats_add(STATS_CHAIN_DOWN, (int64_t)json_array_size(r.deleted));
    a.cb(err, &r, a.arg);
}

/* Submits one statement; `params` are heap strings (NULL = SQL NULL), freed here. */
static void run_counted(db_pool_t *db, const char *sql, int n, char **params, chain_count_t count,
                        store_sns_fn cb, void *arg)
{
    answer_t *a = XNEW(answer_t);
    *a = (answer_t){cb, arg, count};
    store_run_json(db, "sns", sql, n, params, on_doc, a);
}

static void run(db_pool_t *db, const char *sql, int n, char **params, store_sns_fn cb, void *arg)
{
    run_counted(db, sql, n, params, CHAIN_NONE, cb, arg);
}

/* The hook's parameters: its fields (NULL: no event), OptPlatform, ClientIP. */
static char *hook_fields(const store_sns_hook_t *h)
{
    if (h == NULL || h->origin == NULL)
        return NULL;
    return xstrdup(h->fields_json ? h->fields_json : "{}");
}

static const store_webhook_origin_t *origin_of(const store_sns_hook_t *a, const store_sns_hook_t *b)
{
    if (a && a->origin)
        return a->origin;
    return b ? b->origin : NULL;
}

static char *hook_platform(const store_webhook_origin_t *o)
{
    return xstrdup(o && o->platform ? o->platform : "RESTAPI");
}

static char *hook_ip(const store_webhook_origin_t *o)
{
    return xstrdup(o && o->client_ip ? o->client_ip : "");
}

void store_sns_add(db_pool_t *db, const char *owner, const char *items_json, bool both, bool force,
                   bool import, int64_t now, const store_sns_limits_t *lim,
                   const store_sns_hook_t *hook, store_sns_fn cb, void *arg)
{
    const store_webhook_origin_t *o = origin_of(hook, NULL);
    char *p[] = {store_str(owner),        store_str(items_json),    store_bool(both),
                 store_bool(force),       store_bool(import),       store_int(now),
                 store_int(lim->friends), store_int(lim->requests), store_int(lim->groups),
                 hook_fields(hook),       hook_platform(o),         hook_ip(o)};
    run_counted(db, add_sql, 12, p, CHAIN_ADD, cb, arg);
}

void store_sns_respond(db_pool_t *db, const char *owner, const char *peer, const char *action,
                       const char *remark, const char *group, int64_t now,
                       const store_sns_limits_t *lim, const store_sns_hook_t *hook, store_sns_fn cb,
                       void *arg)
{
    const store_webhook_origin_t *o = origin_of(hook, NULL);
    char *p[] = {store_str(owner),
                 store_str(peer),
                 store_str(action),
                 store_str(remark ? remark : ""),
                 store_str(group ? group : ""),
                 store_int(now),
                 store_int(lim->friends),
                 store_int(lim->groups),
                 hook_fields(hook),
                 hook_platform(o),
                 hook_ip(o)};
    run(db, respond_sql, 11, p, cb, arg);
}

void store_sns_request_delete(db_pool_t *db, const char *owner, const char *peer, bool incoming,
                              store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(peer), store_bool(incoming)};
    run(db, request_delete_sql, 3, p, cb, arg);
}

void store_sns_requests(db_pool_t *db, const char *owner, bool incoming, bool outgoing,
                        store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_bool(incoming), store_bool(outgoing)};
    run(db, requests_sql, 3, p, cb, arg);
}

void store_sns_requests_read(db_pool_t *db, const char *owner, store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner)};
    run(db, requests_read_sql, 1, p, cb, arg);
}

void store_sns_delete(db_pool_t *db, const char *owner, const char *peers_json, bool both,
                      const store_sns_hook_t *hook, store_sns_fn cb, void *arg)
{
    const store_webhook_origin_t *o = origin_of(hook, NULL);
    char *p[] = {store_str(owner),  store_str(peers_json), store_bool(both),
                 hook_fields(hook), hook_platform(o),      hook_ip(o)};
    run_counted(db, delete_sql, 6, p, CHAIN_DELETE, cb, arg);
}

void store_sns_update(db_pool_t *db, const char *owner, const char *items_json, int64_t now,
                      const store_sns_limits_t *lim, store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(items_json), store_int(now), store_int(lim->groups)};
    run(db, update_sql, 4, p, cb, arg);
}

void store_sns_relations(db_pool_t *db, const char *owner, const char *peers_json, bool detail,
                         store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(peers_json), store_bool(detail)};
    run(db, relations_sql, 3, p, cb, arg);
}

void store_sns_search(db_pool_t *db, const char *owner, const char *keywords_json, bool by_id,
                      bool by_nick, bool by_remark, store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(keywords_json), store_bool(by_id), store_bool(by_nick),
                 store_bool(by_remark)};
    run(db, search_sql, 5, p, cb, arg);
}

void store_sns_friends(db_pool_t *db, const char *owner, int64_t offset, int64_t limit,
                       bool profiles, store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_int(offset), store_int(limit), store_bool(profiles)};
    run(db, friends_sql, 4, p, cb, arg);
}

void store_sns_block(db_pool_t *db, const char *owner, const char *peers_json, int64_t now,
                     const store_sns_limits_t *lim, const store_sns_hook_t *hook,
                     const store_sns_hook_t *unfriend, store_sns_fn cb, void *arg)
{
    const store_webhook_origin_t *o = origin_of(hook, unfriend);
    char *p[] = {
        store_str(owner),  store_str(peers_json), store_int(now),   store_int(lim->blocked),
        hook_fields(hook), hook_fields(unfriend), hook_platform(o), hook_ip(o)};
    run(db, block_sql, 8, p, cb, arg);
}

void store_sns_unblock(db_pool_t *db, const char *owner, const char *peers_json,
                       const store_sns_hook_t *hook, store_sns_fn cb, void *arg)
{
    const store_webhook_origin_t *o = origin_of(hook, NULL);
    char *p[] = {store_str(owner), store_str(peers_json), hook_fields(hook), hook_platform(o),
                 hook_ip(o)};
    run(db, unblock_sql, 5, p, cb, arg);
}

void store_sns_blocklist(db_pool_t *db, const char *owner, int64_t offset, int64_t limit,
                         store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_int(offset), store_int(limit)};
    run(db, blocklist_sql, 3, p, cb, arg);
}

void store_sns_group_create(db_pool_t *db, const char *owner, const char *names_json,
                            const char *peers_json, int64_t now, const store_sns_limits_t *lim,
                            store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(names_json), store_str(peers_json ? peers_json : "[]"),
                 store_int(now), store_int(lim->groups)};
    run(db, group_create_sql, 5, p, cb, arg);
}

void store_sns_group_delete(db_pool_t *db, const char *owner, const char *names_json,
                            store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(names_json)};
    run(db, group_delete_sql, 2, p, cb, arg);
}

void store_sns_group_rename(db_pool_t *db, const char *owner, const char *old_name,
                            const char *new_name, store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(old_name), store_str(new_name)};
    run(db, group_rename_sql, 3, p, cb, arg);
}

void store_sns_group_members(db_pool_t *db, const char *owner, const char *name,
                             const char *peers_json, bool add, store_sns_fn cb, void *arg)
{
    char *p[] = {store_str(owner), store_str(name), store_str(peers_json), store_bool(add)};
    run(db, group_members_sql, 4, p, cb, arg);
}

void store_sns_groups(db_pool_t *db, const char *owner, const char *names_json, store_sns_fn cb,
                      void *arg)
{
    char *p[] = {store_str(owner), store_str(names_json)};
    run(db, groups_sql, 2, p, cb, arg);
}
