#include "store/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "store/internal.h"

#define NOW_MS STORE_OUTBOX_NOW_MS

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

/* ---- dead events ---- */

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

/* The body of a dead event (store/outbox.h builds it the same way for a claim). */
#define EVENT_BODY STORE_OUTBOX_EVENT_BODY

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
