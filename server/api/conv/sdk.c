/* The conversation manager's commands (names as in the Chat SDK) and conversation pushes. */
#include "api/conv/conv.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/group/group.h"
#include "api/message/message.h"
#include "api/valid.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"

/* ---- helpers ---- */

static void fail_or(api_call_t *call, err_t err)
{
    api_fail(call, err, NULL);
}

/* body[field] as a conversation key; fails the call when it is not a valid conversationID. */
static char *key_of(api_call_t *call, const char *field)
{
    const char *id = json_string_value(json_object_get(call->body, field));
    char *key = id ? conv_key_from_id(call->identifier, id) : NULL;
    if (key == NULL)
        api_fail(call, ERR_BAD_PARAM, "%s must be \"c2c_<userID>\" or \"group_<groupID>\"", field);
    return key;
}

/* body[field]: an array of 1..max conversationIDs → heap array of heap keys. */
static char **keys_of(api_call_t *call, const char *field, size_t max, size_t *n)
{
    json_t *list = json_object_get(call->body, field);
    if (!json_is_array(list) || json_array_size(list) == 0) {
        api_fail(call, ERR_BAD_PARAM, "%s must be a non-empty array of conversationIDs", field);
        return NULL;
    }
    if (json_array_size(list) > max) {
        api_fail(call, ERR_CONV_TOO_MANY, "at most %zu in %s", max, field);
        return NULL;
    }
    char **keys = xcalloc(json_array_size(list), sizeof(char *));
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        keys[i] =
            json_is_string(v) ? conv_key_from_id(call->identifier, json_string_value(v)) : NULL;
        if (keys[i] == NULL) {
            api_fail(call, ERR_BAD_PARAM, "%s[%zu] is not a conversationID", field, i);
            for (size_t k = 0; k < i; k++)
                xfree(keys[k]);
            xfree(keys);
            return NULL;
        }
    }
    *n = json_array_size(list);
    return keys;
}

static void keys_free(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xfree(keys[i]);
    xfree(keys);
}

/* ---- reads ---- */

static void on_page(err_t err, const store_conv_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        fail_or(call, err);
        return;
    }
    long long count = CONV_PAGE_MAX;
    valid_get_int(call->body, "count", 1, CONV_PAGE_MAX, &count);
    int64_t next = n ? rows[n - 1].sort_key : 0;
    api_finish(call, json_pack("{s:o, s:I, s:b}", "conversationList",
                               conv_list_to_json(rows, n, call->identifier), "nextSeq",
                               (json_int_t)next, "isFinished", n < (size_t)count));
}

static bool read_page(api_call_t *call, long long *cursor, long long *count)
{
    *cursor = 0;
    *count = CONV_PAGE_MAX;
    valid_t vs = valid_get_int(call->body, "nextSeq", 0, INT64_MAX, cursor);
    valid_t vc = valid_get_int(call->body, "count", 1, CONV_PAGE_MAX, count);
    if ((vs != VALID_OK && vs != VALID_MISSING) || (vc != VALID_OK && vc != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM, "nextSeq must be a cursor and count 1..%d", CONV_PAGE_MAX);
        return false;
    }
    return true;
}

void api_conv_list(api_call_t *call)
{
    long long cursor, count;
    if (!read_page(call, &cursor, &count))
        return;
    store_conv_filter_t f = {0};
    store_conv_list(call->env->db, call->identifier, &f, cursor, (int)count, on_page, call);
}

bool conv_filter_read(const json_t *filter, store_conv_filter_t *f)
{
    long long type = 0, mark = 0;
    if (filter && !json_is_object(filter))
        return false;
    valid_t vt = valid_get_int(filter, "type", 0, 2, &type);
    valid_t vm = valid_get_int(filter, "markType", 0, INT64_MAX, &mark);
    json_t *group = json_object_get(filter, "conversationGroup");
    if ((vt != VALID_OK && vt != VALID_MISSING) || (vm != VALID_OK && vm != VALID_MISSING) ||
        (group && !json_is_string(group)))
        return false;
    *f = (store_conv_filter_t){
        .type = (int)type,
        .group_name = json_string_value(group),
        .mark_mask = mark,
        .has_unread = json_is_true(json_object_get(filter, "hasUnreadCount")),
        .has_at_info = json_is_true(json_object_get(filter, "hasGroupAtInfo")),
    };
    return true;
}

/* body.filter (V2TIMConversationListFilter) into *f; false after failing the call. */
static bool read_filter(api_call_t *call, store_conv_filter_t *f)
{
    if (conv_filter_read(json_object_get(call->body, "filter"), f))
        return true;
    api_fail(call, ERR_BAD_PARAM,
             "filter must be an object: type 0..2, markType a mark, conversationGroup a string");
    return false;
}

void api_conv_list_by_filter(api_call_t *call)
{
    long long cursor, count;
    store_conv_filter_t f;
    if (!read_page(call, &cursor, &count) || !read_filter(call, &f))
        return;
    store_conv_list(call->env->db, call->identifier, &f, cursor, (int)count, on_page, call);
}

static void on_filter_unread(err_t err, int64_t total, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call != NULL)
        api_finish(call, json_pack("{s:I}", "totalUnreadCount", (json_int_t)total));
}

void api_conv_filter_unread(api_call_t *call)
{
    store_conv_filter_t f;
    if (read_filter(call, &f))
        store_conv_filter_unread(call->env->db, call->identifier, &f, on_filter_unread, call);
}

/* subscribeUnreadMessageCountByFilter: answers the count now; later changes come as
 * onUnreadMessageCountChangedByFilter to this session. */
static void on_subscribe_count(err_t err, int64_t total, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    const json_t *filter = json_object_get(call->body, "filter");
    json_t *given = filter ? json_incref((json_t *)filter) : json_object();
    bool ok = conv_notify_subscribe(call->env->conv_notify, call->identifier, call->conn_id, given,
                                    total);
    json_decref(given);
    if (!ok)
        api_fail(call, ERR_TOO_MANY, "a session subscribes to at most %d filters",
                 CONV_FILTER_SUBS_MAX);
    else
        api_finish(call, json_pack("{s:I}", "totalUnreadCount", (json_int_t)total));
}

void api_conv_filter_subscribe(api_call_t *call)
{
    store_conv_filter_t f;
    if (read_filter(call, &f))
        store_conv_filter_unread(call->env->db, call->identifier, &f, on_subscribe_count, call);
}

void api_conv_filter_unsubscribe(api_call_t *call)
{
    store_conv_filter_t f;
    if (!read_filter(call, &f))
        return;
    const json_t *filter = json_object_get(call->body, "filter");
    json_t *given = filter ? json_incref((json_t *)filter) : json_object();
    conv_notify_unsubscribe(call->env->conv_notify, call->identifier, call->conn_id, given);
    json_decref(given);
    api_finish(call, NULL);
}

static void on_one(err_t err, const store_conv_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        fail_or(call, err);
    else if (n == 0)
        api_fail(call, ERR_CONV_NOT_FOUND, NULL);
    else
        api_finish(call,
                   json_pack("{s:o}", "conversation", conv_to_json(&rows[0], call->identifier)));
}

void api_conv_get(api_call_t *call)
{
    char *key = key_of(call, "conversationID");
    if (key == NULL)
        return;
    store_conv_get(call->env->db, call->identifier, (const char *const *)&key, 1, on_one, call);
    xfree(key);
}

static void on_many(err_t err, const store_conv_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        fail_or(call, err);
    else
        api_finish(call, json_pack("{s:o}", "conversationList",
                                   conv_list_to_json(rows, n, call->identifier)));
}

void api_conv_get_by_ids(api_call_t *call)
{
    size_t n;
    char **keys = keys_of(call, "conversationIDList", CONV_IDS_MAX, &n);
    if (keys == NULL)
        return;
    store_conv_get(call->env->db, call->identifier, (const char *const *)keys, n, on_many, call);
    keys_free(keys, n);
}

static void on_total(err_t err, int64_t total, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        fail_or(call, err);
    else
        api_finish(call, json_pack("{s:I}", "totalUnreadCount", (json_int_t)total));
}

void api_conv_total_unread(api_call_t *call)
{
    store_conv_total_unread(call->env->db, call->identifier, on_total, call);
}

/* ---- deletion ---- */

typedef struct {
    char **keys;
    size_t n;
    bool clear;
} delete_state_t;

static void on_deleted(err_t err, const store_ids_t *gone, void *arg)
{
    api_call_t *call = arg;
    delete_state_t *st = call->state;
    call->state = NULL;
    if (err != ERR_OK) {
        fail_or(call, err);
        goto out;
    }
    json_t *ids = json_array(), *results = json_array();
    for (size_t i = 0; i < st->n; i++) {
        const char *id =
            json_string_value(json_array_get(json_object_get(call->body, "conversationIDList"), i));
        if (id == NULL)
            id = json_string_value(json_object_get(call->body, "conversationID"));
        bool ok = store_ids_has(gone, st->keys[i]);
        if (ok)
            json_array_append_new(ids, json_string(id));
        json_array_append_new(results,
                              json_pack("{s:s, s:i, s:s}", "conversationID", id, "resultCode",
                                        ok ? 0 : ERR_CONV_NOT_FOUND, "resultInfo",
                                        ok ? "" : err_text(ERR_CONV_NOT_FOUND)));
    }
    log_info("api: user=%s deleted %zu conversations (clearMessage=%d)", call->identifier, gone->n,
             st->clear);
    if (gone->n > 0)
        api_hook_poke(call->env);
    if (gone->n > 0 && call->env->cfg->conversation_delete_sync) {
        router_frame_t *f = router_frame_from_json("onConversationDeleted",
                                                   json_pack("{s:O}", "conversationIDList", ids));
        router_push_user(call->env->router, call->identifier, f, call->conn_id);
        router_frame_unref(f);
    }
    if (gone->n > 0)
        conv_notify_recount(call->env->conv_notify, call->identifier);
    bool single = json_object_get(call->body, "conversationIDList") == NULL;
    if (single && gone->n == 0)
        api_fail(call, ERR_CONV_NOT_FOUND, NULL);
    else
        api_finish(call, single ? NULL : json_pack("{s:O}", "resultList", results));
    json_decref(ids);
    json_decref(results);
out:
    keys_free(st->keys, st->n);
    xfree(st);
}

static void start_delete(api_call_t *call, char **keys, size_t n, bool clear)
{
    delete_state_t *st = XNEW(delete_state_t);
    st->keys = keys;
    st->n = n;
    st->clear = clear;
    call->state = st;
    store_webhook_origin_t origin = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_CONV_AFTER_DELETE), call->client_ip};
    const store_webhook_origin_t *hook =
        api_hook_on(call->env, STORE_WEBHOOK_CONV_AFTER_DELETE) ? &origin : NULL;
    store_conv_delete(call->env->db, call->identifier, (const char *const *)keys, n, clear,
                      (int64_t)time(NULL), hook, on_deleted, call);
}

void api_conv_delete(api_call_t *call)
{
    char *key = key_of(call, "conversationID");
    if (key == NULL)
        return;
    char **keys = xcalloc(1, sizeof(char *));
    keys[0] = key;
    start_delete(call, keys, 1, true);
}

void api_conv_delete_list(api_call_t *call)
{
    size_t n;
    char **keys = keys_of(call, "conversationIDList", CONV_IDS_MAX, &n);
    if (keys == NULL)
        return;
    json_t *clear = json_object_get(call->body, "clearMessage");
    if (clear && !json_is_boolean(clear)) {
        api_fail(call, ERR_BAD_PARAM, "clearMessage must be a boolean");
        keys_free(keys, n);
        return;
    }
    start_delete(call, keys, n, clear == NULL || json_is_true(clear));
}

/* ---- clearC2CHistoryMessage, clearGroupHistoryMessage ---- */

static void on_history_cleared(err_t err, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        fail_or(call, err);
    else
        api_finish(call, NULL);
}

/* Clears the conversation named by body[field] (a UserID or a GroupID) with `prefix`. */
static void clear_history(api_call_t *call, const char *field, const char *prefix)
{
    const char *id = json_string_value(json_object_get(call->body, field));
    if (id == NULL || *id == '\0') {
        api_fail(call, ERR_BAD_PARAM, "%s is required: a string", field);
        return;
    }
    char *conversation_id = xasprintf("%s%s", prefix, id);
    char *key = conv_key_from_id(call->identifier, conversation_id);
    xfree(conversation_id);
    if (key == NULL) {
        api_fail(call, ERR_BAD_PARAM, "%s is not a valid ID", field);
        return;
    }
    conv_clear_history(call->env, call->identifier, key, on_history_cleared, call);
    xfree(key);
}

void api_conv_clear_c2c_history(api_call_t *call)
{
    clear_history(call, "userID", "c2c_");
}

void api_conv_clear_group_history(api_call_t *call)
{
    clear_history(call, "groupID", "group_");
}

/* ---- single-conversation updates ---- */

typedef struct {
    char *key;
} key_state_t;

static void on_updated(err_t err, void *arg)
{
    api_call_t *call = arg;
    key_state_t *st = call->state;
    call->state = NULL;
    if (err == ERR_OK)
        conv_notify_add(call->env->conv_notify, call->identifier, st->key);
    xfree(st->key);
    xfree(st);
    if (err != ERR_OK)
        fail_or(call, err);
    else
        api_finish(call, NULL);
}

static void hold_key(api_call_t *call, char *key)
{
    key_state_t *st = XNEW(key_state_t);
    st->key = key;
    call->state = st;
}

void api_conv_pin(api_call_t *call)
{
    json_t *pinned = json_object_get(call->body, "isPinned");
    if (!json_is_boolean(pinned)) {
        api_fail(call, ERR_BAD_PARAM, "isPinned must be a boolean");
        return;
    }
    char *key = key_of(call, "conversationID");
    if (key == NULL)
        return;
    hold_key(call, key);
    store_conv_pin(call->env->db, call->identifier, key, json_is_true(pinned), CONV_PINNED_MAX,
                   on_updated, call);
}

void api_conv_draft(api_call_t *call)
{
    const char *text = "";
    valid_t v = valid_get_text(call->body, "draftText", 10000, &text);
    if (v != VALID_OK && v != VALID_MISSING &&
        !json_is_null(json_object_get(call->body, "draftText"))) {
        api_fail(call, ERR_BAD_PARAM, "draftText must be a string of at most 10000 bytes");
        return;
    }
    char *key = key_of(call, "conversationID");
    if (key == NULL)
        return;
    hold_key(call, key);
    store_conv_draft(call->env->db, call->identifier, key, text, (int64_t)time(NULL), on_updated,
                     call);
}

/* ---- unread ---- */

static void on_cleaned(err_t err, const store_read_mark_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        fail_or(call, err);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        conv_notify_add(call->env->conv_notify, call->identifier, rows[i].conv_key);
        if (rows[i].peer)
            msg_push_read_receipt(call->env, call->identifier, rows[i].peer, rows[i].read_seq);
    }
    if (n > 0 && api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT))
        api_hook_poke(call->env);
    api_finish(call, NULL);
}

void api_conv_clean_unread(api_call_t *call)
{
    json_t *idv = json_object_get(call->body, "conversationID");
    long long seq = 0, ts = 0;
    valid_t vs = valid_get_int(call->body, "cleanSequence", 0, INT64_MAX, &seq);
    valid_t vt = valid_get_int(call->body, "cleanTimestamp", 0, INT64_MAX, &ts);
    if ((idv && !json_is_string(idv) && !json_is_null(idv)) ||
        (vs != VALID_OK && vs != VALID_MISSING) || (vt != VALID_OK && vt != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM,
                 "conversationID must be a string (a conversationID, "
                 "\"c2c\", \"group\" or \"\"), cleanSequence and "
                 "cleanTimestamp non-negative integers");
        return;
    }
    const char *id = json_is_string(idv) ? json_string_value(idv) : "";
    char *key = NULL;
    if (strcmp(id, "c2c") != 0 && strcmp(id, "group") != 0 && *id != '\0') {
        key = key_of(call, "conversationID");
        if (key == NULL)
            return;
    }
    store_webhook_origin_t origin = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT),
        call->client_ip};
    store_conv_clean_unread(
        call->env->db, call->identifier, key ? key : id, seq, ts, (int64_t)time(NULL),
        api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_MSG_REPORT) ? &origin : NULL, on_cleaned,
        call);
    xfree(key);
}

/* ---- receive options ---- */

static void on_recv_opt_set(err_t err, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        fail_or(call, err);
    else
        api_finish(call, NULL);
}

/* userIDList → c2c keys (heap); fails the call. */
static char **user_keys(api_call_t *call, size_t *n)
{
    json_t *list = json_object_get(call->body, "userIDList");
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > CONV_RECV_OPT_USERS_MAX) {
        api_fail(call, ERR_BAD_PARAM, "userIDList must hold 1 to %d UserIDs",
                 CONV_RECV_OPT_USERS_MAX);
        return NULL;
    }
    char **keys = xcalloc(json_array_size(list), sizeof(char *));
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v) || !valid_user_id(json_string_value(v), json_string_length(v))) {
            api_fail(call, ERR_BAD_PARAM, "userIDList[%zu] is not a UserID", i);
            keys_free(keys, i);
            return NULL;
        }
        keys[i] = store_conv_key_c2c(call->identifier, json_string_value(v));
    }
    *n = json_array_size(list);
    return keys;
}

static bool read_opt(api_call_t *call, long long *opt)
{
    if (valid_get_int(call->body, "opt", 0, 4, opt) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "opt must be 0..4");
        return false;
    }
    return true;
}

void api_conv_set_c2c_recv_opt(api_call_t *call)
{
    long long opt;
    size_t n;
    if (!read_opt(call, &opt))
        return;
    char **keys = user_keys(call, &n);
    if (keys == NULL)
        return;
    store_conv_set_recv_opt(call->env->db, call->identifier, (const char *const *)keys, n, (int)opt,
                            on_recv_opt_set, call);
    keys_free(keys, n);
}

void api_conv_set_group_recv_opt(api_call_t *call)
{
    long long opt;
    const char *group = json_string_value(json_object_get(call->body, "groupID"));
    if (!read_opt(call, &opt))
        return;
    if (group == NULL || *group == '\0') {
        api_fail(call, ERR_BAD_PARAM, "groupID must be a string");
        return;
    }
    char *key = xasprintf("g:%s", group);
    store_conv_set_recv_opt(call->env->db, call->identifier, (const char *const *)&key, 1, (int)opt,
                            on_recv_opt_set, call);
    group_members_changed(call->env, group); /* the fan-out reads receive options from there */
    xfree(key);
}

static void on_recv_opts(err_t err, const store_conv_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        fail_or(call, err);
        return;
    }
    json_t *list = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(call->body, "userIDList"), i, v)
    {
        int opt = 0;
        for (size_t k = 0; k < n; k++)
            if (rows[k].peer && strcmp(rows[k].peer, json_string_value(v)) == 0)
                opt = rows[k].recv_opt;
        json_array_append_new(list,
                              json_pack("{s:O, s:i}", "userID", v, "c2CReceiveMessageOpt", opt));
    }
    api_finish(call, json_pack("{s:o}", "optList", list));
}

void api_conv_get_c2c_recv_opt(api_call_t *call)
{
    size_t n;
    char **keys = user_keys(call, &n);
    if (keys == NULL)
        return;
    store_conv_get(call->env->db, call->identifier, (const char *const *)keys, n, on_recv_opts,
                   call);
    keys_free(keys, n);
}

/* ---- marks and conversation groups (the rules are in conv/ops.c) ---- */

/* A request's conversations (call->state): keys and the body's conversationIDs. */
typedef struct {
    char **keys;
    const char **ids; /* borrowed from the body */
    size_t n;
} set_state_t;

static void set_free(set_state_t *st)
{
    if (st == NULL)
        return;
    keys_free(st->keys, st->n);
    xfree(st->ids);
    xfree(st);
}

/* body[field] as 1..CONV_IDS_MAX conversations (optional: absent gives none); NULL after
 * failing the call. */
static set_state_t *set_of(api_call_t *call, const char *field, bool optional)
{
    set_state_t *st = XNEW(set_state_t);
    json_t *list = json_object_get(call->body, field);
    if (list == NULL && optional)
        return st;
    st->keys = keys_of(call, field, CONV_IDS_MAX, &st->n);
    if (st->keys == NULL) {
        xfree(st);
        return NULL;
    }
    st->ids = xcalloc(st->n, sizeof(char *));
    for (size_t i = 0; i < st->n; i++)
        st->ids[i] = json_string_value(json_array_get(list, i));
    return st;
}

static conv_set_t set_view(const set_state_t *st)
{
    return (conv_set_t){(const char *const *)st->keys, st->ids, st->n};
}

/* The SDK's answer to a per-item change: V2TIMConversationOperationResult per conversation; a
 * request whose every item failed alike fails with that code. */
static void on_items(err_t err, int64_t group_no, const int *codes, size_t n, void *arg)
{
    api_call_t *call = arg;
    set_state_t *st = call->state;
    call->state = NULL;
    if (err == ERR_OK)
        err = conv_items_err(codes, n);
    if (err != ERR_OK) {
        set_free(st);
        fail_or(call, err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < st->n; i++)
        json_array_append_new(list, json_pack("{s:s, s:i, s:s}", "conversationID", st->ids[i],
                                              "resultCode", codes[i], "resultInfo",
                                              codes[i] ? err_text((err_t)codes[i]) : ""));
    set_free(st);
    api_finish(call, json_pack("{s:o}", "resultList", list));
}

void api_conv_mark(api_call_t *call)
{
    json_t *type = json_object_get(call->body, "markType");
    json_t *enable = json_object_get(call->body, "enableMark");
    if (!json_is_integer(type) || !conv_mark_valid((uint64_t)json_integer_value(type)) ||
        !json_is_boolean(enable)) {
        api_fail(call, ERR_BAD_PARAM,
                 "markType must be one mark (0x1, 0x2, 0x4, 0x8 or 1<<32.."
                 "1<<63) and enableMark a boolean");
        return;
    }
    set_state_t *st = set_of(call, "conversationIDList", false);
    if (st == NULL)
        return;
    call->state = st;
    store_mark_item_t *marks = xcalloc(st->n, sizeof *marks);
    for (size_t i = 0; i < st->n; i++) {
        if (json_is_true(enable))
            marks[i].set_mask = json_integer_value(type);
        else
            marks[i].clear_mask = json_integer_value(type);
    }
    conv_set_t set = set_view(st);
    conv_mark(call->env, call->identifier, &set, marks, on_items, call);
    xfree(marks);
}

/* setConversationCustomData: the custom data (REST mark_contact's CustomMark) of up to 100
 * conversations; "" removes it. */
void api_conv_custom_data(api_call_t *call)
{
    const char *data = NULL;
    if (valid_get_text(call->body, "customData", CONV_CUSTOM_MARK_MAX, &data) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "customData must be a string of at most %d bytes",
                 CONV_CUSTOM_MARK_MAX);
        return;
    }
    set_state_t *st = set_of(call, "conversationIDList", false);
    if (st == NULL)
        return;
    call->state = st;
    store_mark_item_t *items = xcalloc(st->n, sizeof *items);
    for (size_t i = 0; i < st->n; i++)
        items[i] = (store_mark_item_t){.set_custom = true, .custom_mark = data};
    conv_set_t set = set_view(st);
    conv_mark(call->env, call->identifier, &set, items, on_items, call);
    xfree(items);
}

static const char *group_name(api_call_t *call, const char *field)
{
    const char *name = NULL;
    valid_get_text(call->body, field, 4096, &name);
    err_t err = conv_group_name_check(name);
    if (err == ERR_BAD_PARAM)
        api_fail(call, err, "%s must be a non-empty string", field);
    else if (err != ERR_OK)
        api_fail(call, err, NULL);
    return err == ERR_OK ? name : NULL;
}

static void on_group_changed(err_t err, int64_t group_no, void *arg)
{
    api_call_t *call = arg;
    if (err == ERR_BAD_PARAM)
        api_fail(call, err, "a conversation group with that name exists");
    else if (err != ERR_OK)
        fail_or(call, err);
    else
        api_finish(call, NULL);
}

void api_conv_group_create(api_call_t *call)
{
    const char *name = group_name(call, "groupName");
    set_state_t *st = name ? set_of(call, "conversationIDList", true) : NULL;
    if (st == NULL)
        return;
    call->state = st;
    conv_set_t set = set_view(st);
    conv_group_create(call->env, call->identifier, name, &set, on_items, call);
}

void api_conv_group_delete(api_call_t *call)
{
    const char *name = group_name(call, "groupName");
    if (name != NULL)
        conv_group_change(call->env, call->identifier, STORE_GROUP_DELETE, name, NULL,
                          on_group_changed, call);
}

void api_conv_group_rename(api_call_t *call)
{
    const char *old_name = group_name(call, "oldName");
    const char *new_name = old_name ? group_name(call, "newName") : NULL;
    if (new_name != NULL)
        conv_group_change(call->env, call->identifier, STORE_GROUP_RENAME, old_name, new_name,
                          on_group_changed, call);
}

static void group_members(api_call_t *call, bool add)
{
    const char *name = group_name(call, "groupName");
    set_state_t *st = name ? set_of(call, "conversationIDList", false) : NULL;
    if (st == NULL)
        return;
    call->state = st;
    bool *adds = xcalloc(st->n, sizeof(bool));
    for (size_t i = 0; i < st->n; i++)
        adds[i] = add;
    conv_set_t set = set_view(st);
    conv_group_members(call->env, call->identifier, name, &set, adds, on_items, call);
    xfree(adds);
}

void api_conv_group_add(api_call_t *call)
{
    group_members(call, true);
}

void api_conv_group_remove(api_call_t *call)
{
    group_members(call, false);
}

static void on_group_list(err_t err, const store_conv_group_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        fail_or(call, err);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(rows[i].name));
    api_finish(call, json_pack("{s:o}", "groupList", list));
}

void api_conv_group_list(api_call_t *call)
{
    store_conv_group_list(call->env->db, call->identifier, on_group_list, call);
}
