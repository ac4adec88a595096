#include "store/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"

/* PostgreSQL's clock in unix ms. now() (transaction start) rather than clock_timestamp(): it is
 * stable, so comparisons with it can use the indexes. */
#define NOW_MS "(extract(epoch FROM now()) * 1000)::bigint"

/* Refusal codes: C2C 20006 and 120001–130000, groups 10016 and 10100–10200 (reference §2.4);
 * relationship chains answer per item in 38000–39000. */
/* CMD(id, name, before, refuse_code, custom_min, custom_max). Every row has a sender
 * (tests/unit/test_docs.c checks that its id, or its name quoted in SQL, occurs elsewhere). */
/* clang-format off */
#define CMD(id, ...) [id] = {__VA_ARGS__, #id}
static const store_webhook_cmd_def_t cmds[STORE_WEBHOOK_NCMDS] = {
    CMD(STORE_WEBHOOK_STATE_CHANGE, "State.StateChange", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_PORTRAIT_SET, "Profile.CallbackPortraitSet", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_C2C_BEFORE_SEND, "C2C.CallbackBeforeSendMsg", true, 20006, 120001, 130000),
    CMD(STORE_WEBHOOK_C2C_AFTER_SEND, "C2C.CallbackAfterSendMsg", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_C2C_AFTER_MSG_REPORT, "C2C.CallbackAfterMsgReport", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_C2C_AFTER_WITHDRAW, "C2C.CallbackAfterMsgWithDraw", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_C2C_AFTER_MODIFY, "C2C.CallbackAfterModifyMsg", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_C2C_AFTER_EXTENSION, "C2C.CallbackAfterC2CMsgExtension", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_BEFORE_SEND, "Group.CallbackBeforeSendMsg", true, 10016, 10100, 10200),
    CMD(STORE_WEBHOOK_GROUP_AFTER_SEND, "Group.CallbackAfterSendMsg", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_BEFORE_CREATE, "Group.CallbackBeforeCreateGroup", true, 10016, 10100, 10200),
    CMD(STORE_WEBHOOK_GROUP_AFTER_CREATE, "Group.CallbackAfterCreateGroup", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_BEFORE_APPLY_JOIN, "Group.CallbackBeforeApplyJoinGroup", true, 10016, 10100, 10200),
    CMD(STORE_WEBHOOK_GROUP_BEFORE_INVITE_JOIN, "Group.CallbackBeforeInviteJoinGroup", true, 10016, 10100, 10200),
    CMD(STORE_WEBHOOK_GROUP_AFTER_NEW_MEMBER_JOIN, "Group.CallbackAfterNewMemberJoin", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_MEMBER_EXIT, "Group.CallbackAfterMemberExit", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_DESTROYED, "Group.CallbackAfterGroupDestroyed", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_INFO_CHANGED, "Group.CallbackAfterGroupInfoChanged", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_ATTR_CHANGED, "Group.CallbackAfterGroupAttrChanged", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_RECALL, "Group.CallbackAfterRecallMsg", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_CHANGE_OWNER, "Group.CallbackAfterChangeGroupOwner", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_FULL, "Group.CallbackAfterGroupFull", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_MEMBER_FIELD, "Group.CallbackAfterMemberFieldChanged", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_READ_RECEIPT, "Group.CallbackAfterReadReceipt", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_BEFORE_CREATE_TOPIC, "Group.CallbackBeforeCreateTopic", true, 10016, 10100, 10200),
    CMD(STORE_WEBHOOK_GROUP_AFTER_CREATE_TOPIC, "Group.CallbackAfterCreateTopic", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_TOPIC_DESTROYED, "Group.CallbackAfterTopicDestroyed", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_GROUP_AFTER_TOPIC_CHANGED, "Group.CallbackAfterTopicInfoChanged", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_SNS_PREV_FRIEND_ADD, "Sns.CallbackPrevFriendAdd", true, 0, 38000, 39000),
    CMD(STORE_WEBHOOK_SNS_PREV_FRIEND_RESPONSE, "Sns.CallbackPrevFriendResponse", true, 0, 38000, 39000),
    CMD(STORE_WEBHOOK_SNS_FRIEND_ADD, "Sns.CallbackFriendAdd", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_SNS_FRIEND_DELETE, "Sns.CallbackFriendDelete", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_SNS_BLACKLIST_ADD, "Sns.CallbackBlackListAdd", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_SNS_BLACKLIST_DELETE, "Sns.CallbackBlackListDelete", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_CONV_AFTER_DELETE, "Conversation.CallbackAfterDeleteConversation", false, 0, 0, 0),
    CMD(STORE_WEBHOOK_ALERT_OVER_LIMIT, "Alert.RequestOverLimit", false, 0, 0, 0),
};
#undef CMD
/* clang-format on */

const store_webhook_cmd_def_t *store_webhook_cmd(store_webhook_cmd_t cmd)
{
    return (unsigned)cmd < STORE_WEBHOOK_NCMDS ? &cmds[cmd] : NULL;
}

bool store_webhook_cmd_find(const char *name, store_webhook_cmd_t *out)
{
    for (int i = 0; i < STORE_WEBHOOK_NCMDS; i++) {
        if (strcmp(cmds[i].name, name) == 0) {
            *out = (store_webhook_cmd_t)i;
            return true;
        }
    }
    return false;
}

bool store_webhook_cmds_parse(const char *list, uint64_t *mask, char *errbuf, size_t errlen)
{
    uint64_t m = 0;
    char *copy = xstrdup(list), *save = NULL;
    bool ok = true, any = false;
    for (char *tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*tok == '\0')
            continue;
        any = true;
        store_webhook_cmd_t c;
        if (strcmp(tok, "all") == 0) {
            m = (STORE_WEBHOOK_NCMDS >= 64) ? UINT64_MAX
                                            : (((uint64_t)1 << STORE_WEBHOOK_NCMDS) - 1);
        } else if (store_webhook_cmd_find(tok, &c)) {
            m |= (uint64_t)1 << c;
        } else {
            snprintf(errbuf, errlen, "unknown callback command '%s'", tok);
            ok = false;
        }
    }
    if (ok && !any) {
        snprintf(errbuf, errlen, "empty: name at least one command, or all");
        ok = false;
    }
    xfree(copy);
    if (ok)
        *mask = m;
    return ok;
}

const char *store_webhook_platform(const char *platform, store_webhook_cmd_t cmd)
{
    static const struct {
        const char *session, *opt;
    } map[] = {
        {"RESTAPI", "RESTAPI"}, {"Web", "Web"}, {"Android", "Android"}, {"iPad", "iPad"},
        {"Windows", "Windows"}, {"Mac", "Mac"}, {"Linux", "Linux"},
    };
    if (platform == NULL)
        return "RESTAPI";
    if (strcmp(platform, "iPhone") == 0 || strcmp(platform, "iOS") == 0)
        return cmd == STORE_WEBHOOK_STATE_CHANGE ? "IOS" : "iOS";
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].session, platform) == 0)
            return map[i].opt;
    return "Unknown";
}

char *store_webhook_user_key(const char *user_id)
{
    return xasprintf("u:%s", user_id);
}

/* ---- writing events ---- */

static const char insert_sql[] = STORE_WEBHOOK_INSERT "VALUES ($1, $2, $3, $4, $5::json)";

void store_webhook_insert(db_batch_t *b, store_webhook_cmd_t cmd, const char *order_key,
                          const store_webhook_origin_t *origin, const char *body_json)
{
    const char *platform = origin && origin->platform ? origin->platform : "RESTAPI";
    const char *ip = origin && origin->client_ip ? origin->client_ip : "";
    db_batch_add(b, insert_sql, 5,
                 (const char *const[]){cmds[cmd].name, order_key, platform, ip, body_json});
}

typedef struct {
    store_done_fn cb;
    void *arg;
} event_ctx_t;

static void on_event(db_batch_t *b, err_t err, void *arg)
{
    event_ctx_t *ctx = arg;
    if (ctx->cb)
        ctx->cb(err, ctx->arg);
    xfree(ctx);
}

void store_webhook_event(db_pool_t *db, store_webhook_cmd_t cmd, const char *order_key,
                         const store_webhook_origin_t *origin, const char *body_json,
                         store_done_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    store_webhook_insert(b, cmd, order_key, origin, body_json);
    event_ctx_t *ctx = XNEW(event_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_event, ctx);
}

/* ---- the dispatcher's statements ---- */

/* Group.CallbackAfterSendMsg of message m in group `group` (an SQL expression); a topic's
 * message names its community as GroupId and adds TopicId. */
#define GROUP_SEND_BODY(group)                                                                     \
    "json_build_object('GroupId', " group ","                                                      \
    "  'Type', (SELECT g.type FROM groups g WHERE g.group_id = " group "),"                        \
    "  'From_Account', m.sender, 'Operator_Account', m.sender, 'Random', m.random,"                \
    "  'MsgSeq', m.seq, 'MsgTime', m.ts, 'MsgId', m.msg_id, 'OnlineOnlyFlag', 0,"                  \
    "  'MsgBody', m.body, 'CloudCustomData', coalesce(m.cloud_custom_data, ''))"

/* The body text of event row `e`: its own, or built from its message `m` (NULL when it is gone:
 * purged after both sides deleted the conversation); the message's current content. */
#define EVENT_BODY                                                                                 \
    "coalesce(e.body, CASE WHEN m.seq IS NULL THEN NULL"                                           \
    " WHEN m.receiver IS NOT NULL THEN json_build_object("                                         \
    "  'From_Account', m.sender, 'To_Account', m.receiver, 'MsgSeq', m.seq,"                       \
    "  'MsgRandom', m.random, 'MsgTime', m.ts, 'MsgKey', m.seq || '_' || m.random || '_' || m.ts," \
    "  'MsgId', m.msg_id, 'OnlineOnlyFlag', 0, 'MsgBody', m.body,"                                 \
    "  'CloudCustomData', coalesce(m.cloud_custom_data, ''), 'SendMsgResult', 0,"                  \
    "  'ErrorInfo', 'send msg succeed', 'UnreadMsgNum', e.ref_unread)"                             \
    " WHEN strpos(m.conv_key, '@TOPIC#_') = 0 THEN " GROUP_SEND_BODY(                              \
        "substr(m.conv_key, 3)") " ELSE (" GROUP_SEND_BODY("chatd_topic_group(substr(m.conv_key, " \
                                                           "3))") "::jsonb"                        \
                                                                  "  || "                          \
                                                                  "jsonb_build_object('TopicId', " \
                                                                  "substr(m.conv_key, 3)))::json " \
                                                                  "END,"                           \
                                                                  " '{}'::json)::text"

/* The dispatcher's own writes (leases, deferrals, outcomes) need no fsync of their own: lost in
 * a crash, they only make an event due again, and delivery is at least once anyway. Sparing
 * the wait keeps each conversation's delivery cycle short and PostgreSQL's disk for messages. */
static const char async_commit_sql[] = "SELECT set_config('synchronous_commit', 'off', true)";

/*
 * $1 rows to look at, $2 rows to claim, $3 and $4: the lease of the k-th row claimed of an
 * order_key is k·$3 + $4 ms (the rows of a key are delivered one after the other).
 * cand: due rows not leased, oldest first (no row locks: the cycle lock already keeps other
 * nodes' claims out, and row locks would cost a WAL record each). keys: per order_key among them,
 * its oldest pending row (head) and the first pending row that is not a candidate (stop). A key is
 * claimed only when its head is a candidate, and then its candidates before stop, in id order: a
 * run of consecutive events. Candidates waiting behind a head in backoff are put off until its next
 * attempt, so that scans do not read them again and again; those behind a head in flight are left
 * as they are. Returns the claimed rows in id order, or one row of NULLs, each with the number of
 * candidates.
 */
static const char claim_sql[] =
    "WITH cand AS ("
    "  SELECT id, order_key FROM webhook_outbox"
    "  WHERE NOT dead AND next_attempt_at <= " NOW_MS " AND claimed_until <= " NOW_MS
    "  ORDER BY next_attempt_at, id LIMIT $1"
    "), keys AS ("
    "  SELECT k.order_key, h.id AS head, h.next_attempt_at AS head_next,"
    "   (SELECT min(p.id) FROM webhook_outbox p WHERE p.order_key = k.order_key AND NOT p.dead"
    "     AND p.id NOT IN (SELECT id FROM cand)) AS stop"
    "  FROM (SELECT DISTINCT order_key FROM cand) k"
    "  CROSS JOIN LATERAL (SELECT p.id, p.next_attempt_at FROM webhook_outbox p"
    "    WHERE p.order_key = k.order_key AND NOT p.dead ORDER BY p.id LIMIT 1) h"
    "), picked AS ("
    "  SELECT c.id, c.order_key, row_number() OVER (PARTITION BY c.order_key ORDER BY c.id) AS rank"
    "  FROM cand c JOIN keys k ON k.order_key = c.order_key"
    "  WHERE k.head IN (SELECT id FROM cand) AND (k.stop IS NULL OR c.id < k.stop)"
    "  ORDER BY c.id LIMIT $2"
    "), claimed AS ("
    "  UPDATE webhook_outbox o SET claimed_until = " NOW_MS " + $3::bigint * p.rank + $4::bigint"
    "  FROM picked p WHERE o.order_key = p.order_key AND o.id = p.id AND NOT o.dead"
    "  RETURNING o.id, o.command, o.platform, o.client_ip, o.body, o.event_time,"
    "   o.attempts, o.order_key, o.ref_seq, o.ref_unread"
    "), deferred AS ("
    "  UPDATE webhook_outbox o SET next_attempt_at = k.head_next"
    "  FROM cand c JOIN keys k ON k.order_key = c.order_key"
    "  WHERE o.order_key = c.order_key AND o.id = c.id AND NOT o.dead AND k.head <> c.id"
    "   AND k.head_next > " NOW_MS ")"
    " SELECT e.id, e.command, e.platform, e.client_ip, " EVENT_BODY ","
    "  e.event_time, e.attempts, n.n, e.order_key"
    " FROM (SELECT count(*) AS n FROM cand) n LEFT JOIN claimed e ON true"
    " LEFT JOIN messages m ON m.conv_key = e.order_key AND m.seq = e.ref_seq"
    " ORDER BY e.id";

/* $1 [{k, id, ok, rel, delay, err}] (k: the order_key), $2 max age (ms). Delivered rows go; failed
 * ones count an attempt and are rescheduled, or dead when older than the max age; released ones
 * (claimed but not tried) are free again. Returns the ids that went dead. */
static const char ack_sql[] =
    "WITH r AS ("
    "  SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "   AS x(k text, id bigint, ok bool, rel bool, delay bigint, err text)"
    "), gone AS ("
    "  DELETE FROM webhook_outbox o USING r"
    "  WHERE o.order_key = r.k AND o.id = r.id AND NOT o.dead AND r.ok"
    "), released AS ("
    "  UPDATE webhook_outbox o SET claimed_until = 0 FROM r"
    "  WHERE o.order_key = r.k AND o.id = r.id AND NOT o.dead AND r.rel"
    "), failed AS ("
    "  UPDATE webhook_outbox o SET claimed_until = 0, last_error = r.err,"
    "    attempts = o.attempts + 1, next_attempt_at = " NOW_MS " + r.delay,"
    "    dead = o.age_from < " NOW_MS " - $2::bigint"
    "  FROM r WHERE o.order_key = r.k AND o.id = r.id AND NOT o.dead AND NOT r.ok AND NOT r.rel"
    "  RETURNING o.id, o.dead"
    ")"
    " SELECT id::text FROM failed WHERE dead ORDER BY id";

/* Serializes the cycles of every node (see store_webhook_cycle()). */
static const char cycle_lock_sql[] = "SELECT pg_advisory_xact_lock(7406873122)";

typedef struct {
    store_webhook_cycle_fn cb;
    void *arg;
    int scan;
    int ack_stmt, claim_stmt; /* -1: not in this batch */
} cycle_ctx_t;

static void on_cycle(db_batch_t *b, err_t err, void *arg)
{
    cycle_ctx_t *ctx = arg;
    store_ids_t dead = {0};
    size_t n = 0;
    bool more = false;
    if (err == ERR_OK && ctx->ack_stmt >= 0)
        dead = store_ids_from(b, ctx->ack_stmt);
    int total = err == ERR_OK && ctx->claim_stmt >= 0 ? db_batch_rows(b, ctx->claim_stmt) : 0;
    store_webhook_row_t *rows = xcalloc(total > 0 ? (size_t)total : 1, sizeof *rows);
    for (int i = 0, st = ctx->claim_stmt; i < total; i++) {
        more = db_batch_int(b, st, i, 7, 0) >= ctx->scan;
        if (db_batch_value(b, st, i, 0) == NULL)
            continue;
        rows[n++] = (store_webhook_row_t){
            .id = db_batch_int(b, st, i, 0, 0),
            .command = db_batch_value(b, st, i, 1),
            .platform = db_batch_value(b, st, i, 2),
            .client_ip = db_batch_value(b, st, i, 3),
            .body = db_batch_value(b, st, i, 4),
            .event_time = db_batch_int(b, st, i, 5, 0),
            .attempts = (int)db_batch_int(b, st, i, 6, 0),
            .order_key = db_batch_value(b, st, i, 8),
        };
    }
    ctx->cb(err, &dead, rows, n, more, ctx->arg);
    xfree(dead.ids);
    xfree(rows);
    xfree(ctx);
}

void store_webhook_cycle(db_pool_t *db, const store_webhook_ack_t *acks, size_t nacks,
                         int64_t max_age_ms, int max, int scan, int64_t lease_each_ms,
                         int64_t lease_base_ms, store_webhook_cycle_fn cb, void *arg)
{
    cycle_ctx_t *ctx = XNEW(cycle_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->scan = scan;
    ctx->ack_stmt = ctx->claim_stmt = -1;
    db_batch_t *b = db_batch_new();
    db_batch_add(b, async_commit_sql, 0, NULL);
    db_batch_add(b, cycle_lock_sql, 0, NULL);
    if (nacks > 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < nacks; i++)
            json_array_append_new(list,
                                  json_pack("{s:s, s:I, s:b, s:b, s:I, s:s?}", "k",
                                            acks[i].order_key, "id", (json_int_t)acks[i].id, "ok",
                                            acks[i].outcome == STORE_WEBHOOK_DELIVERED, "rel",
                                            acks[i].outcome == STORE_WEBHOOK_RELEASED, "delay",
                                            (json_int_t)acks[i].delay_ms, "err", acks[i].error));
        char *p_rows = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        char p_age[24];
        snprintf(p_age, sizeof p_age, "%lld", (long long)max_age_ms);
        ctx->ack_stmt = db_batch_add(b, ack_sql, 2, (const char *const[]){p_rows, p_age});
        free(p_rows);
    }
    if (max > 0) {
        char p_scan[16], p_max[16], p_each[24], p_base[24];
        snprintf(p_scan, sizeof p_scan, "%d", scan);
        snprintf(p_max, sizeof p_max, "%d", max);
        snprintf(p_each, sizeof p_each, "%lld", (long long)lease_each_ms);
        snprintf(p_base, sizeof p_base, "%lld", (long long)lease_base_ms);
        ctx->claim_stmt =
            db_batch_add(b, claim_sql, 4, (const char *const[]){p_scan, p_max, p_each, p_base});
    }
    db_pool_submit(db, b, on_cycle, ctx);
}

typedef struct {
    store_ids_fn cb;
    void *arg;
    int stmt;
} ids_ctx_t;

static void on_ids(db_batch_t *b, err_t err, void *arg)
{
    ids_ctx_t *ctx = arg;
    store_ids_t ids = {0};
    if (err == ERR_OK)
        ids = store_ids_from(b, ctx->stmt);
    ctx->cb(err, &ids, ctx->arg);
    xfree(ids.ids);
    xfree(ctx);
}

/* Submits b; cb gets column 0 of statement `stmt`'s rows. */
static void submit_ids(db_pool_t *db, db_batch_t *b, int stmt, store_ids_fn cb, void *arg)
{
    ids_ctx_t *ctx = XNEW(ids_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->stmt = stmt;
    db_pool_submit(db, b, on_ids, ctx);
}

static const char counts_sql[] =
    "SELECT (SELECT count(*) FROM webhook_outbox WHERE NOT dead),"
    " (SELECT count(*) FROM webhook_outbox WHERE dead),"
    " (SELECT coalesce(" NOW_MS " - min(age_from), 0) FROM webhook_outbox WHERE NOT dead)";

typedef struct {
    store_webhook_counts_fn cb;
    void *arg;
} counts_ctx_t;

static void on_counts(db_batch_t *b, err_t err, void *arg)
{
    counts_ctx_t *ctx = arg;
    ctx->cb(err, db_batch_int(b, 0, 0, 0, 0), db_batch_int(b, 0, 0, 1, 0),
            db_batch_int(b, 0, 0, 2, 0), ctx->arg);
    xfree(ctx);
}

void store_webhook_counts(db_pool_t *db, store_webhook_counts_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    db_batch_add(b, counts_sql, 0, NULL);
    counts_ctx_t *ctx = XNEW(counts_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_counts, ctx);
}

/* ---- dead events ---- */

static const char list_dead_sql[] =
    "SELECT e.id, e.command, e.order_key, e.platform, e.client_ip, " EVENT_BODY ","
    " e.event_time, e.attempts, coalesce(e.last_error, '') FROM webhook_outbox e"
    " LEFT JOIN messages m ON m.conv_key = e.order_key AND m.seq = e.ref_seq"
    " WHERE e.dead AND e.id > $1::bigint ORDER BY e.id LIMIT $2::int";

typedef struct {
    store_webhook_dead_fn cb;
    void *arg;
} dead_ctx_t;

static void on_dead(db_batch_t *b, err_t err, void *arg)
{
    dead_ctx_t *ctx = arg;
    size_t n = err == ERR_OK ? (size_t)db_batch_rows(b, 0) : 0;
    store_webhook_dead_t *rows = xcalloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        int r = (int)i;
        rows[i] = (store_webhook_dead_t){
            .id = db_batch_int(b, 0, r, 0, 0),
            .command = db_batch_value(b, 0, r, 1),
            .order_key = db_batch_value(b, 0, r, 2),
            .platform = db_batch_value(b, 0, r, 3),
            .client_ip = db_batch_value(b, 0, r, 4),
            .body = db_batch_value(b, 0, r, 5),
            .event_time = db_batch_int(b, 0, r, 6, 0),
            .attempts = (int)db_batch_int(b, 0, r, 7, 0),
            .last_error = db_batch_value(b, 0, r, 8),
        };
    }
    ctx->cb(err, rows, n, ctx->arg);
    xfree(rows);
    xfree(ctx);
}

void store_webhook_list_dead(db_pool_t *db, int64_t after_id, int limit, store_webhook_dead_fn cb,
                             void *arg)
{
    char p_after[24], p_limit[16];
    snprintf(p_after, sizeof p_after, "%lld", (long long)after_id);
    snprintf(p_limit, sizeof p_limit, "%d", limit);
    db_batch_t *b = db_batch_new();
    db_batch_add(b, list_dead_sql, 2, (const char *const[]){p_after, p_limit});
    dead_ctx_t *ctx = XNEW(dead_ctx_t);
    ctx->cb = cb;
    ctx->arg = arg;
    db_pool_submit(db, b, on_dead, ctx);
}

/* $1: JSON array of ids, or NULL for every dead event. */
static const char retry_dead_sql[] =
    "UPDATE webhook_outbox SET dead = false, attempts = 0, claimed_until = 0,"
    " next_attempt_at = " NOW_MS ", age_from = " NOW_MS
    " WHERE dead AND ($1::jsonb IS NULL OR id IN (SELECT jsonb_array_elements_text($1::jsonb)"
    "::bigint)) RETURNING id::text";

void store_webhook_retry_dead(db_pool_t *db, const int64_t *ids, size_t n, store_ids_fn cb,
                              void *arg)
{
    char *p_ids = NULL;
    if (n > 0) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, json_integer((json_int_t)ids[i]));
        p_ids = json_dumps(a, JSON_COMPACT);
        json_decref(a);
    }
    db_batch_t *b = db_batch_new();
    db_batch_add(b, retry_dead_sql, 1, (const char *const[]){p_ids});
    free(p_ids);
    submit_ids(db, b, 0, cb, arg);
}
