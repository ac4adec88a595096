/* The rules and operations of message extensions and reactions (ext/ext.h). */
#include <string.h>
#include <time.h>

#include "api/ext/ext.h"
#include "api/group/group.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "router/router.h"

/* ---- pushes to a conversation's users ---- */

static void push_user(const api_env_t *env, const char *user, const char *event, json_t *body)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, 0);
    router_frame_unref(f);
}

/* `event` to every member (group) or to both users (one-to-one) of the message's conversation. */
static void push_conv(const api_env_t *env, const store_ext_res_t *r, const char *event,
                      json_t *body)
{
    if (strncmp(r->conv_key, "g:", 2) == 0) {
        group_push(env, r->conv_key + 2, event, body, NULL);
        return;
    }
    if (strcmp(r->sender, r->receiver) != 0)
        push_user(env, r->receiver, event, json_incref(body));
    push_user(env, r->sender, event, body);
}

/* ---- the message ---- */

/* Fails the call when the message is missing (or hidden from the caller); false then. */
static bool message_ok(api_call_t *call, const store_ext_res_t *r, bool group)
{
    if (r->found)
        return true;
    api_fail(call, group ? ERR_GROUP_MSG_NOT_FOUND : ERR_MSG_NOT_FOUND, "no such message for you");
    return false;
}

/* ---- extensions ---- */

typedef struct {
    api_call_t *call;
    store_ext_msg_t m;
    store_ext_op_t op;
    bool group;
    ext_answer_fn answer;
    ext_item_t *items;
    size_t n;
    json_t *doc; /* the write's answer, kept while the current values are read */
    json_t *now; /* the read of the current values */
} ext_op_t;

static void ext_op_free(ext_op_t *op)
{
    json_decref(op->doc);
    json_decref(op->now);
    xfree((char *)op->m.msg_id);
    xfree((char *)op->m.conv_key);
    xfree(op->items);
    xfree(op);
}

static json_t *sdk_extension(const ext_item_t *it)
{
    return json_pack("{s:s, s:s, s:I}", "extensionKey", it->key, "extensionValue",
                     it->value ? it->value : "", "seq", (json_int_t)it->seq);
}

/* onRecvMessageExtensionsChanged / …Deleted for what the write did. */
static void announce(const ext_op_t *op, const store_ext_res_t *r)
{
    const api_env_t *env = op->call->env;
    json_t *changed = json_array(), *deleted = json_array();
    for (size_t i = 0; i < op->n; i++) {
        if (op->items[i].code != 0)
            continue;
        if (op->op == STORE_EXT_SET)
            json_array_append_new(changed, sdk_extension(&op->items[i]));
        else
            json_array_append_new(deleted, json_string(op->items[i].key));
    }
    if (op->op == STORE_EXT_CLEAR)
        json_array_extend(deleted, r->cleared);
    if (json_array_size(changed) > 0)
        push_conv(env, r, "onRecvMessageExtensionsChanged",
                  json_pack("{s:s, s:O}", "msgID", r->msg_id, "extensions", changed));
    if (json_array_size(deleted) > 0)
        push_conv(env, r, "onRecvMessageExtensionsDeleted",
                  json_pack("{s:s, s:O}", "msgID", r->msg_id, "extensionKeys", deleted));
    json_decref(changed);
    json_decref(deleted);
}

static void finish_write(ext_op_t *op, const store_ext_res_t *r)
{
    announce(op, r);
    api_hook_poke(op->call->env);
    op->answer(op->call, r, op->items, op->n);
    ext_op_free(op);
}

/* The keys that lost a race get the value and seq they have now (the winner's). */
static void on_current(err_t err, const store_ext_res_t *now, void *arg)
{
    ext_op_t *op = arg;
    for (size_t i = 0; err == ERR_OK && i < op->n; i++) {
        if (op->items[i].code == 0)
            continue;
        op->items[i].value = NULL;
        op->items[i].seq = 0;
        size_t k;
        json_t *e;
        json_array_foreach(now->items, k, e)
        {
            if (strcmp(json_string_value(json_object_get(e, "key")), op->items[i].key) == 0) {
                op->items[i].value = json_string_value(json_object_get(e, "value"));
                op->items[i].seq = (int64_t)json_integer_value(json_object_get(e, "seq"));
            }
        }
    }
    op->now = json_incref(now->doc); /* the values above point into it */
    store_ext_res_t r;
    store_ext_view(op->doc, &r);
    finish_write(op, &r);
}

static void on_written(err_t err, const store_ext_res_t *r, void *arg)
{
    ext_op_t *op = arg;
    api_call_t *call = op->call;
    if (err != ERR_OK || !message_ok(call, r, op->group)) {
        if (err != ERR_OK)
            api_fail(call, err, NULL);
        ext_op_free(op);
        return;
    }
    if (!r->supported) {
        api_fail(call, ERR_BAD_PARAM, "the message was not sent with supportMessageExtension");
        ext_op_free(op);
        return;
    }
    if (r->status && strcmp(r->status, "too_many") == 0) {
        api_fail(call, ERR_TOO_MANY, "a message holds at most %d extensions", EXT_KEYS_MAX);
        ext_op_free(op);
        return;
    }
    bool lost = false;
    op->n = json_array_size(r->items);
    op->items = xcalloc(op->n ? op->n : 1, sizeof *op->items);
    for (size_t i = 0; i < op->n; i++) {
        json_t *e = json_array_get(r->items, i);
        op->items[i] = (ext_item_t){json_string_value(json_object_get(e, "key")),
                                    json_string_value(json_object_get(e, "value")),
                                    (int64_t)json_integer_value(json_object_get(e, "seq")),
                                    json_is_true(json_object_get(e, "ok")) ? 0 : ERR_EXT_CONFLICT};
        lost |= op->items[i].code != 0;
    }
    if (!lost) {
        finish_write(op, r);
        return;
    }
    op->doc = json_incref(r->doc);
    store_ext_get(call->env->db, &op->m, 0, EXT_KEYS_MAX, on_current, op);
}

/* Checks the items of a set or delete; false after failing the call. */
static bool items_ok(api_call_t *call, store_ext_op_t op, const json_t *items)
{
    if (op == STORE_EXT_CLEAR)
        return true;
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > EXT_PER_CALL_MAX) {
        api_fail(call, ERR_BAD_PARAM, "give 1 to %d extensions", EXT_PER_CALL_MAX);
        return false;
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *key = json_string_value(json_object_get(it, "key"));
        json_t *value = json_object_get(it, "value"), *seq = json_object_get(it, "seq");
        size_t klen = key ? strlen(key) : 0;
        bool ok = klen >= 1 && klen <= EXT_KEY_MAX && utf8_valid(key, klen) &&
                  (seq == NULL || json_is_null(seq) ||
                   (json_is_integer(seq) && json_integer_value(seq) >= 0)) &&
                  (op != STORE_EXT_SET ||
                   (json_is_string(value) && json_string_length(value) <= EXT_VALUE_MAX &&
                    strlen(json_string_value(value)) == json_string_length(value)));
        for (size_t j = 0; ok && j < i; j++)
            ok = strcmp(key, json_string_value(json_object_get(json_array_get(items, j), "key")));
        if (!ok) {
            api_fail(call, ERR_BAD_PARAM,
                     "extension %zu: a distinct key of 1 to %d bytes, a string value of at most "
                     "%d bytes, and a seq >= 0 if any",
                     i, EXT_KEY_MAX, EXT_VALUE_MAX);
            return false;
        }
    }
    return true;
}

void ext_write(api_call_t *call, const store_ext_msg_t *m, store_ext_op_t op, const json_t *items,
               bool group, ext_answer_fn answer)
{
    if (!items_ok(call, op, items))
        return;
    ext_op_t *o = XNEW(ext_op_t);
    o->call = call;
    o->m = *m;
    o->m.msg_id = m->msg_id ? xstrdup(m->msg_id) : NULL;
    o->m.conv_key = m->conv_key ? xstrdup(m->conv_key) : NULL;
    o->op = op;
    o->group = group;
    o->answer = answer;
    bool hook = !group && api_hook_on(call->env, STORE_WEBHOOK_C2C_AFTER_EXTENSION);
    store_webhook_origin_t origin = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_C2C_AFTER_EXTENSION), call->client_ip};
    char *text = op == STORE_EXT_CLEAR ? NULL : json_dumps(items, JSON_COMPACT);
    store_ext_write(call->env->db, m, op, text, EXT_KEYS_MAX, hook ? &origin : NULL, on_written, o);
    free(text);
}

typedef struct {
    api_call_t *call;
    bool group;
    ext_answer_fn answer;
} read_op_t;

static void on_read(err_t err, const store_ext_res_t *r, void *arg)
{
    read_op_t op = *(read_op_t *)arg;
    xfree(arg);
    if (err != ERR_OK) {
        api_fail(op.call, err, NULL);
        return;
    }
    if (message_ok(op.call, r, op.group))
        op.answer(op.call, r, NULL, 0);
}

static read_op_t *read_op(api_call_t *call, bool group, ext_answer_fn answer)
{
    read_op_t *op = XNEW(read_op_t);
    *op = (read_op_t){call, group, answer};
    return op;
}

void ext_get(api_call_t *call, const store_ext_msg_t *m, int64_t start_seq, int limit, bool group,
             ext_answer_fn answer)
{
    store_ext_get(call->env->db, m, start_seq, limit, on_read, read_op(call, group, answer));
}

/* ---- reactions ---- */

json_t *ext_reaction_sdk(const json_t *reaction)
{
    json_t *mine = json_object_get(reaction, "mine");
    json_t *out = json_pack("{s:O, s:O, s:O}", "reactionID", json_object_get(reaction, "reaction"),
                            "totalUserCount", json_object_get(reaction, "total"), "partialUserList",
                            json_object_get(reaction, "users"));
    if (mine)
        json_object_set(out, "reactedByMyself", mine);
    return out;
}

typedef struct {
    api_call_t *call;
    ext_answer_fn answer;
} react_op_t;

static void on_reacted(err_t err, const store_ext_res_t *r, void *arg)
{
    react_op_t op = *(react_op_t *)arg;
    xfree(arg);
    api_call_t *call = op.call;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    if (!message_ok(call, r, false))
        return;
    if (strcmp(r->status, "too_many_reactions") == 0) {
        api_fail(call, ERR_TOO_MANY, "a message holds at most %d reactions", REACTIONS_MAX);
        return;
    }
    if (strcmp(r->status, "too_many_users") == 0) {
        api_fail(call, ERR_TOO_MANY, "a reaction holds at most %d users", REACTION_USERS_MAX);
        return;
    }
    if (r->changed) {
        json_t *list = json_array(), *v;
        size_t i;
        json_array_foreach(r->reactions, i, v) json_array_append_new(list, ext_reaction_sdk(v));
        push_conv(
            call->env, r, "onRecvMessageReactionsChanged",
            json_pack("{s:[{s:s, s:o}]}", "changeInfos", "msgID", r->msg_id, "reactionList", list));
    }
    op.answer(call, r, NULL, 0);
}

void ext_react(api_call_t *call, const char *msg_id, const char *reaction, bool add,
               ext_answer_fn answer)
{
    size_t len = reaction ? strlen(reaction) : 0;
    if (len == 0 || len > REACTION_ID_MAX || !utf8_valid(reaction, len)) {
        api_fail(call, ERR_BAD_PARAM, "reactionID must be 1 to %d bytes", REACTION_ID_MAX);
        return;
    }
    react_op_t *op = XNEW(react_op_t);
    *op = (react_op_t){call, answer};
    store_ext_msg_t m = {.msg_id = msg_id, .viewer = call->identifier};
    store_react(call->env->db, &m, reaction, add, REACTIONS_MAX, REACTION_USERS_MAX,
                REACTION_TOP_MAX, (int64_t)time(NULL), on_reacted, op);
}

static void on_reactions(err_t err, const store_ext_res_t *r, void *arg)
{
    read_op_t op = *(read_op_t *)arg;
    xfree(arg);
    if (err != ERR_OK)
        api_fail(op.call, err, NULL);
    else
        op.answer(op.call, r, NULL, 0);
}

void ext_reactions(api_call_t *call, const char *msg_ids_json, int top, ext_answer_fn answer)
{
    store_reactions_get(call->env->db, call->identifier, msg_ids_json, top, on_reactions,
                        read_op(call, false, answer));
}

void ext_reaction_users(api_call_t *call, const char *msg_id, const char *reaction, int64_t offset,
                        int limit, ext_answer_fn answer)
{
    store_ext_msg_t m = {.msg_id = msg_id, .viewer = call->identifier};
    store_reaction_users(call->env->db, &m, reaction, offset, limit, on_read,
                         read_op(call, false, answer));
}

/* ---- pinned group messages ---- */

typedef struct {
    api_call_t *call;
    char *group_id;
    bool pin;
    ext_answer_fn answer;
    ext_pins_fn pins_answer;
    json_t *pins; /* store_group_pins' items, kept across the second read */
} pin_op_t;

static void pin_op_free(pin_op_t *op)
{
    json_decref(op->pins);
    xfree(op->group_id);
    xfree(op);
}

static const struct {
    const char *status;
    err_t err;
    const char *detail;
} pin_refusals[] = {
    {"no_group", ERR_GROUP_NOT_FOUND, NULL},
    {"not_member", ERR_GROUP_PERMISSION, "not a member"},
    {"no_permission", ERR_GROUP_PERMISSION, "only the owner and admins pin messages"},
    {"no_message", ERR_GROUP_MSG_NOT_FOUND, NULL},
    {"limit", ERR_GROUP_PIN_LIMIT, NULL},
};

static void on_pinned(err_t err, const store_ext_res_t *r, void *arg)
{
    pin_op_t *op = arg;
    api_call_t *call = op->call;
    for (size_t i = 0; err == ERR_OK && i < sizeof pin_refusals / sizeof pin_refusals[0]; i++)
        if (strcmp(r->status, pin_refusals[i].status) == 0) {
            api_fail(call, pin_refusals[i].err, pin_refusals[i].detail ? "%s" : NULL,
                     pin_refusals[i].detail);
            pin_op_free(op);
            return;
        }
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
    } else {
        if (r->changed)
            group_push(call->env, op->group_id, "onGroupMessagePinned",
                       json_pack("{s:s, s:s, s:I, s:b, s:{s:s}}", "groupID", op->group_id, "msgID",
                                 r->msg_id, "seq", (json_int_t)r->msg_seq, "isPinned", op->pin,
                                 "opUser", "userID", call->identifier),
                       NULL);
        op->answer(call, r, NULL, 0);
    }
    pin_op_free(op);
}

void ext_pin(api_call_t *call, const char *group_id, const char *msg_id, bool pin,
             ext_answer_fn answer)
{
    pin_op_t *op = XNEW(pin_op_t);
    op->call = call;
    op->group_id = xstrdup(group_id);
    op->pin = pin;
    op->answer = answer;
    store_group_pin(call->env->db, group_id, msg_id, call->identifier, pin, GROUP_PINS_MAX,
                    (int64_t)time(NULL), on_pinned, op);
}

static void on_pinned_rows(err_t err, const store_msg_row_t *rows, size_t n, void *arg)
{
    pin_op_t *op = arg;
    if (err != ERR_OK)
        api_fail(op->call, err, NULL);
    else
        op->pins_answer(op->call, rows, n, op->pins);
    pin_op_free(op);
}

static void on_pins(err_t err, const store_ext_res_t *r, void *arg)
{
    pin_op_t *op = arg;
    api_call_t *call = op->call;
    if (err != ERR_OK || !r->found) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_PERMISSION, err ? NULL : "not a member");
        pin_op_free(op);
        return;
    }
    if (json_array_size(r->items) == 0) {
        op->pins_answer(call, NULL, 0, r->items);
        pin_op_free(op);
        return;
    }
    op->pins = json_incref(r->items);
    json_t *seqs = json_array(), *v;
    size_t i;
    json_array_foreach(r->items, i, v) json_array_append(seqs, json_object_get(v, "seq"));
    char *text = json_dumps(seqs, JSON_COMPACT);
    char *conv = xasprintf("g:%s", op->group_id);
    store_history_q_t q = {.seqs_json = text, .count = GROUP_PINS_MAX};
    store_msg_history_v2(call->env->db, conv, call->identifier, &q, on_pinned_rows, op);
    xfree(conv);
    free(text);
    json_decref(seqs);
}

void ext_pins(api_call_t *call, const char *group_id, ext_pins_fn answer)
{
    pin_op_t *op = XNEW(pin_op_t);
    op->call = call;
    op->group_id = xstrdup(group_id);
    op->pins_answer = answer;
    store_group_pins(call->env->db, group_id, call->identifier, on_pins, op);
}
