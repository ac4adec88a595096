/* Private helpers of the store module; not for other modules. */
#ifndef CHATD_STORE_INTERNAL_H
#define CHATD_STORE_INTERNAL_H

#include "store/store.h"

/* Unread messages of view alias `v` in conversation alias `c`: the seqs after the user's read
 * position and deletion point, minus the messages that never count as unread (flag 2: group
 * tips, targeted and NoUnread messages) and those the user deleted for themselves (msg_hidden,
 * looked at only in views flagged has_hidden). Arithmetic on seqs plus index probes, never a
 * scan of the conversation. */
/* clang-format off */
#define STORE_UNREAD_SQL(v, c)                                                                     \
    "GREATEST(COALESCE(" c ".last_seq, 0) - " STORE_POSITION_SQL(v)                                \
    " - (SELECT count(*) FROM messages nu WHERE nu.conv_key = " v ".conv_key"                      \
    "    AND nu.seq > " STORE_POSITION_SQL(v) " AND nu.flags & 2 <> 0)"                            \
    " - CASE WHEN " v ".has_hidden THEN (SELECT count(*) FROM msg_hidden hu"                      \
    "    JOIN messages hm ON hm.conv_key = hu.conv_key AND hm.seq = hu.seq AND hm.flags & 2 = 0"  \
    "    WHERE hu.user_id = " v ".user_id AND hu.conv_key = " v ".conv_key"                        \
    "    AND hu.seq > " STORE_POSITION_SQL(v) ") ELSE 0 END, 0)"
/* clang-format on */

/* A user's unread total, as the SDK's total unread count defines it: the sum of
 * STORE_UNREAD_SQL over view alias `v` / conversation alias `c` of `user` (an SQL expression),
 * leaving out conversations whose receive option hides their count (1, 2, 3) and those with
 * nothing after the deletion point; `extra` adds conditions on v and c ("" for none). */
#define STORE_TOTAL_UNREAD_SQL(v, c, user, extra)                                                  \
    "(SELECT COALESCE(sum(" STORE_UNREAD_SQL(v, c) "), 0)"                                         \
                                                   " FROM conv_views " v " JOIN conversations " c  \
                                                   " ON " c ".conv_key = " v ".conv_key"           \
                                                   " WHERE " v ".user_id = " user " AND " v        \
                                                   ".recv_opt NOT IN (1, 2, 3)"                    \
                                                   " AND " c ".last_seq > GREATEST(" v             \
                                                   ".deleted_seq, " v ".hidden_seq)" extra ")"

/* The messages user expression `user` deleted for themselves are not theirs to see: a
 * condition on message alias m. */
#define STORE_NOT_HIDDEN_SQL(user)                                                                 \
    "NOT EXISTS (SELECT 1 FROM msg_hidden hx WHERE hx.user_id = " user                             \
    " AND hx.conv_key = m.conv_key AND hx.seq = m.seq)"

/* A user's deletion point in conversation expression `conv` (0 without a view row). */
#define STORE_VIEWER_DELETED_SQL(conv, user)                                                       \
    "COALESCE((SELECT d.deleted_seq FROM conv_views d WHERE d.user_id = " user                     \
    " AND d.conv_key = " conv "), 0)"

/* Conditions on message alias m that `user` may see it: targeted group messages are visible to
 * their sender and targets only; a group's history needs the viewer's view row (a member, or a
 * former one); what the viewer deleted for themselves is gone. */
#define STORE_VISIBLE_TO_SQL(user)                                                                 \
    " AND (m.flags & 4 = 0 OR m.sender = " user " OR EXISTS (SELECT 1 FROM msg_targets t"          \
    "   WHERE t.conv_key = m.conv_key AND t.seq = m.seq AND t.user_id = " user "))"                \
    " AND (m.conv_key LIKE 'c:%' OR EXISTS (SELECT 1 FROM conv_views w"                            \
    "   WHERE w.user_id = " user " AND w.conv_key = m.conv_key))"                                  \
    " AND " STORE_NOT_HIDDEN_SQL(user)

/* Conditions on message alias m that `user` may read it wherever it is looked up outside one
 * conversation's history (findMessages, merged lists, searches): a participant of its
 * conversation (sender or receiver of a one-to-one message, any group message), after their
 * deletion point, and visible to them (STORE_VISIBLE_TO_SQL). */
#define STORE_READABLE_SQL(user)                                                                   \
    " (m.sender = " user " OR m.receiver = " user " OR m.receiver IS NULL)"                        \
    " AND m.seq > " STORE_VIEWER_DELETED_SQL("m.conv_key", user) STORE_VISIBLE_TO_SQL(user)

/* Searches of people and groups (searchFriends, searchGroups, searchGroupMembers): whether
 * text expression `col` contains one of the keywords of jsonb expression `keywords`,
 * case-insensitively; `on` (an SQL bool) switches the test (false: never). */
#define STORE_LIKE_ANY_SQL(on, col, keywords)                                                      \
    "(" on " AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(" keywords ") kw"                 \
    "   WHERE " col " ILIKE '%' || chatd_like_escape(kw) || '%'))"
/* The nick (Tag_Profile_IM_Nick) of user expression `user`, '' when unset. */
#define STORE_NICK_SQL(user)                                                                       \
    "COALESCE((SELECT nk.value #>> '{}' FROM profiles nk WHERE nk.user_id = " user                 \
    "   AND nk.tag = 'Tag_Profile_IM_Nick'), '')"

/* Whether `user` may read the merged list (merged_lists) under key expression `key`: they can
 * see the message that carries it, as a participant of its conversation. */
#define STORE_MERGED_READABLE_SQL(key, user)                                                       \
    "EXISTS (SELECT 1 FROM merged_lists l JOIN messages m"                                         \
    "  ON m.conv_key = l.conv_key AND m.seq = l.msg_seq WHERE l.msg_key = " key                    \
    "  AND " STORE_READABLE_SQL(user) ")"

/* Where a user's unread count starts: the furthest of read position, deletion and hide point. */
#define STORE_POSITION_SQL(v) "GREATEST(" v ".read_seq, " v ".deleted_seq, " v ".hidden_seq)"

/* The rule "this group member may not speak now", once for every send path: a member mute, the
 * sender's global group mute, or mute-all for plain members. Aliases: gm = the sender's
 * group_members row, s = their accounts row, g = the groups row; now = SQL unix seconds. */
#define STORE_GROUP_MUTED_SQL(now)                                                                 \
    "(gm.mute_until > " now " OR s.group_mute_until > " now                                        \
    " OR (g.mute_all AND gm.role = 'Member'))"

/* Group.CallbackAfterReadReceipt for the group messages a receipt statement just acknowledged:
 * expects CTEs `ins` (the msg_receipts rows written, RETURNING conv_key, seq) and `m` (the
 * messages: conv_key, seq, sender); reader, platform (NULL: no event) and ip are SQL
 * expressions. Counts are as after the statement (its own rows are not visible to it: + 1). */
/* clang-format off */
#define STORE_GROUP_RECEIPT_HOOK_SQL(reader, platform, ip)                                         \
    " receipt_hook AS (INSERT INTO webhook_outbox (command, order_key, platform, client_ip, body)" \
    "   SELECT 'Group.CallbackAfterReadReceipt', i.conv_key, " platform "::text, " ip "::text,"   \
    "   json_build_object('GroupId', substr(i.conv_key, 3), 'Type', g.type,"                       \
    "   'GroupMsgReceiptList', json_agg(json_build_object('MsgSeq', i.seq,"                        \
    "     'ReadNum', rc.n + 1, 'UnreadNum', GREATEST(mc.n - rc.n - 1, 0),"                         \
    "     'ReadReceiptMembers', json_build_array(json_build_object('Member_Account', " reader      \
    "     ))) ORDER BY i.seq))"                                                                    \
    "   FROM ins i JOIN m ON m.conv_key = i.conv_key AND m.seq = i.seq"                            \
    "   JOIN groups g ON g.group_id = substr(i.conv_key, 3)"                                       \
    "   CROSS JOIN LATERAL (SELECT count(*) AS n FROM msg_receipts r"                              \
    "     WHERE r.conv_key = i.conv_key AND r.seq = i.seq) rc"                                     \
    "   CROSS JOIN LATERAL (SELECT count(*) AS n FROM group_members gm"                            \
    "     WHERE gm.group_id = g.group_id AND gm.user_id <> m.sender) mc"                           \
    "   WHERE " platform "::text IS NOT NULL AND i.conv_key LIKE 'g:%'"                            \
    "   GROUP BY i.conv_key, g.type)"
/* clang-format on */

/* A JSON array text of the strings, for `jsonb_array_elements_text($n::jsonb)`. Free with
 * free() (jansson allocation). */
char *store_json_array(const char *const *items, size_t n);
/* Parameter builders: heap strings for store_add() (a NULL string stays SQL NULL). */
char *store_str(const char *v);
char *store_int(int64_t v);
char *store_bool(bool v);
/* Appends a statement whose parameters are heap strings and frees them; returns its index. */
int store_add(db_batch_t *b, const char *sql, int n, char **owned);

/* Submits one statement whose single row holds one JSON object (a statement that builds its
 * whole answer with json_build_object); cb gets it parsed, or ERR_INTERNAL when it is not an
 * object. `what` names the statement family in logs. Parameters as for store_add(). */
typedef void (*store_json_fn)(err_t err, json_t *doc, void *arg);
void store_run_json(db_pool_t *db, const char *what, const char *sql, int n, char **params,
                    store_json_fn cb, void *arg);

/* Column 0 of every row of stmt; the array is heap (xfree), strings point into the batch. */
store_ids_t store_ids_from(const db_batch_t *b, int stmt);
/* Submits b and reports column 0 of its first statement's rows to cb. */
void store_submit_ids(db_pool_t *db, db_batch_t *b, store_ids_fn cb, void *arg);
/* Submits b and reports only its err_t to cb. */
void store_submit_done(db_pool_t *db, db_batch_t *b, store_done_fn cb, void *arg);

#endif
