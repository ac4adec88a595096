/* Signaling invitations (store/signal.h). */
#include "store/signal.h"

#include "store/internal.h"

/* The invitation as the answers carry it. */
#define INVITE_OBJ(v)                                                                              \
    "json_build_object('inviteID', " v ".invite_id, 'inviter', " v ".inviter, 'groupID', " v       \
    ".group_id, 'data', " v ".data, 'timeout', " v ".timeout_s, 'onlineUserOnly', " v              \
    ".online_only)"

/* clang-format off */

/* $1 invite, $2 inviter, $3 group or NULL, $4 invitees [UserID], $5 data, $6 timeout_s,
 * $7 online_only, $8 how many invitees. */
static const char invite_sql[] =
    "WITH who AS (SELECT jsonb_array_elements_text($4::jsonb) AS u),"
    " chk AS (SELECT"
    "   (SELECT count(*) FROM accounts a JOIN who ON a.user_id = who.u) AS accounts,"
    "   ($3::text IS NULL OR EXISTS (SELECT 1 FROM groups WHERE group_id = $3)) AS grp,"
    "   ($3::text IS NULL OR EXISTS (SELECT 1 FROM group_members"
    "      WHERE group_id = $3 AND user_id = $2)) AS inviter_member,"
    "   (SELECT count(*) FROM group_members m JOIN who ON m.user_id = who.u"
    "      WHERE m.group_id = $3) AS members),"
    " ins AS (INSERT INTO signal_invites (invite_id, inviter, group_id, data, timeout_s,"
    "   online_only) SELECT $1, $2, $3, $5, $6::int, $7::bool FROM chk"
    "   WHERE chk.accounts = $8::int AND chk.grp AND chk.inviter_member"
    "   AND ($3::text IS NULL OR chk.members = $8::int) RETURNING invite_id),"
    " ees AS (INSERT INTO signal_invitees (invite_id, invitee, deadline)"
    "   SELECT ins.invite_id, who.u, CASE WHEN $6::int > 0"
    "     THEN now() + $6::int * interval '1 second' END FROM ins, who RETURNING 1)"
    " SELECT json_build_object('created', EXISTS (SELECT 1 FROM ins), 'accounts', chk.accounts,"
    "   'group', chk.grp, 'inviter_member', chk.inviter_member, 'members', chk.members,"
    "   'rows', (SELECT count(*) FROM ees)) FROM chk";

/* $1 invite, $2 invitee, $3 new state. */
static const char answer_sql[] =
    "WITH v AS (SELECT * FROM signal_invites WHERE invite_id = $1),"
    " me AS (SELECT 1 FROM signal_invitees WHERE invite_id = $1 AND invitee = $2),"
    " up AS (UPDATE signal_invitees SET state = $3::smallint"
    "   WHERE invite_id = $1 AND invitee = $2 AND state = 0 RETURNING 1)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM v),"
    "   'invitee', EXISTS (SELECT 1 FROM me), 'done', EXISTS (SELECT 1 FROM up),"
    "   'invite', (SELECT " INVITE_OBJ("v") " FROM v),"
    "   'invitees', (SELECT json_agg(invitee ORDER BY invitee) FROM signal_invitees"
    "     WHERE invite_id = $1))";

/* $1 invite, $2 inviter. */
static const char cancel_sql[] =
    "WITH v AS (SELECT * FROM signal_invites WHERE invite_id = $1),"
    " up AS (UPDATE signal_invitees SET state = 3 WHERE invite_id = $1 AND state = 0"
    "   AND EXISTS (SELECT 1 FROM v WHERE v.inviter = $2) RETURNING invitee)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM v),"
    "   'inviter', EXISTS (SELECT 1 FROM v WHERE v.inviter = $2),"
    "   'cancelled', (SELECT json_agg(invitee ORDER BY invitee) FROM up),"
    "   'invite', (SELECT " INVITE_OBJ("v") " FROM v))";

/* $1 invite, $2 inviter, $3 new data. Only an invitation someone still waits for, and not an
 * online-only one (it was never stored), takes new data. */
static const char modify_sql[] =
    "WITH v AS (SELECT * FROM signal_invites WHERE invite_id = $1),"
    " waiting AS (SELECT invitee FROM signal_invitees WHERE invite_id = $1 AND state = 0),"
    " up AS (UPDATE signal_invites i SET data = $3 WHERE i.invite_id = $1 AND i.inviter = $2"
    "   AND NOT i.online_only AND EXISTS (SELECT 1 FROM waiting) RETURNING i.*)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM v),"
    "   'inviter', EXISTS (SELECT 1 FROM v WHERE v.inviter = $2),"
    "   'onlineUserOnly', COALESCE((SELECT v.online_only FROM v), false),"
    "   'done', EXISTS (SELECT 1 FROM up),"
    "   'invite', (SELECT " INVITE_OBJ("up") " FROM up),"
    "   'waiting', (SELECT json_agg(invitee ORDER BY invitee) FROM waiting))";

/* $1 invite, $2 user. */
static const char get_sql[] =
    "WITH v AS (SELECT * FROM signal_invites WHERE invite_id = $1)"
    " SELECT json_build_object('found', EXISTS (SELECT 1 FROM v),"
    "   'invitee', EXISTS (SELECT 1 FROM signal_invitees WHERE invite_id = $1"
    "     AND invitee = $2 AND state = 0),"
    "   'invite', (SELECT " INVITE_OBJ("v") " FROM v),"
    "   'invitees', (SELECT json_agg(invitee ORDER BY invitee) FROM signal_invitees"
    "     WHERE invite_id = $1))";

static const char expire_sql[] =
    "WITH due AS (UPDATE signal_invitees SET state = 4 WHERE (invite_id, invitee) IN"
    "   (SELECT invite_id, invitee FROM signal_invitees WHERE state = 0 AND deadline <= now()"
    "    ORDER BY deadline LIMIT 500 FOR UPDATE SKIP LOCKED) RETURNING invite_id, invitee),"
    " old AS (DELETE FROM signal_invites v WHERE v.invite_id IN (SELECT o.invite_id"
    "   FROM signal_invites o WHERE o.created_at < now() - interval '1 day'"
    "   AND (o.created_at < now() - interval '7 days' OR NOT EXISTS (SELECT 1"
    "     FROM signal_invitees w WHERE w.invite_id = o.invite_id AND w.state = 0))"
    "   AND NOT EXISTS (SELECT 1 FROM due WHERE due.invite_id = o.invite_id)"
    "   LIMIT 500) RETURNING 1)"
    " SELECT json_build_object('forgotten', (SELECT count(*) FROM old), 'expired',"
    "   COALESCE((SELECT json_agg(x) FROM (SELECT v.invite_id AS \"inviteID\", v.inviter,"
    "     v.group_id AS \"groupID\", v.data, v.timeout_s AS timeout,"
    "     v.online_only AS \"onlineUserOnly\","
    "     json_agg(d.invitee ORDER BY d.invitee) AS timed_out,"
    "     (SELECT json_agg(e.invitee ORDER BY e.invitee) FROM signal_invitees e"
    "       WHERE e.invite_id = v.invite_id) AS invitees"
    "   FROM due d JOIN signal_invites v USING (invite_id) GROUP BY v.invite_id) x),"
    "   '[]'::json))";

/* clang-format on */

void store_signal_invite(db_pool_t *db, const store_signal_invite_t *v, store_signal_fn cb,
                         void *arg)
{
    json_t *list = json_loads(v->invitees_json, 0, NULL);
    int64_t n = (int64_t)json_array_size(list);
    json_decref(list);
    store_run_json(db, "signal invite", invite_sql, 8,
                   (char *[]){store_str(v->invite_id), store_str(v->inviter),
                              store_str(v->group_id), store_str(v->invitees_json),
                              store_str(v->data), store_int(v->timeout_s),
                              store_bool(v->online_only), store_int(n)},
                   cb, arg);
}

void store_signal_answer(db_pool_t *db, const char *invite_id, const char *user,
                         signal_state_t state, store_signal_fn cb, void *arg)
{
    store_run_json(db, "signal answer", answer_sql, 3,
                   (char *[]){store_str(invite_id), store_str(user), store_int(state)}, cb, arg);
}

void store_signal_cancel(db_pool_t *db, const char *invite_id, const char *user, store_signal_fn cb,
                         void *arg)
{
    store_run_json(db, "signal cancel", cancel_sql, 2,
                   (char *[]){store_str(invite_id), store_str(user)}, cb, arg);
}

void store_signal_modify(db_pool_t *db, const char *invite_id, const char *user, const char *data,
                         store_signal_fn cb, void *arg)
{
    store_run_json(db, "signal modify", modify_sql, 3,
                   (char *[]){store_str(invite_id), store_str(user), store_str(data)}, cb, arg);
}

void store_signal_get(db_pool_t *db, const char *invite_id, const char *user, store_signal_fn cb,
                      void *arg)
{
    store_run_json(db, "signal get", get_sql, 2, (char *[]){store_str(invite_id), store_str(user)},
                   cb, arg);
}

void store_signal_expire(db_pool_t *db, store_signal_fn cb, void *arg)
{
    store_run_json(db, "signal expire", expire_sql, 0, NULL, cb, arg);
}
