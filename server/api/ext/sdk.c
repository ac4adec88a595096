/* The WebSocket door of message extensions and reactions (ext/ext.h). */
#include <stdlib.h>
#include <string.h>

#include "api/ext/ext.h"
#include "api/message/message.h"
#include "core/xalloc.h"

/* body.msgID; NULL after failing the call. */
static const char *msg_id_of(api_call_t *call)
{
    const char *id = json_string_value(json_object_get(call->body, "msgID"));
    if (id == NULL || *id == '\0')
        api_fail(call, ERR_BAD_PARAM, "msgID is required: a string");
    return id && *id ? id : NULL;
}

/* [V2TIMMessageExtensionResult {resultCode, resultInfo, extension}]. */
static void answer_results(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                           size_t n)
{
    (void)r;
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            out, json_pack("{s:i, s:s, s:{s:s, s:s, s:I}}", "resultCode", items[i].code,
                           "resultInfo", items[i].code ? err_text(items[i].code) : "", "extension",
                           "extensionKey", items[i].key, "extensionValue",
                           items[i].value ? items[i].value : "", "seq", (json_int_t)items[i].seq));
    api_finish(call, out);
}

/* The SDK's [{extensionKey, extensionValue, seq?}] (or, deleting, [key]) as the ops' items;
 * NULL when the list is not an array (ops then answers the call). */
static json_t *items_of(const json_t *list, bool keys_only)
{
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(list, i, v)
    {
        json_t *item = json_object();
        if (keys_only && json_is_string(v)) {
            json_object_set(item, "key", v);
        } else if (json_is_object(v)) {
            json_t *k = json_object_get(v, "extensionKey"),
                   *val = json_object_get(v, "extensionValue");
            json_t *seq = json_object_get(v, "seq");
            if (k)
                json_object_set(item, "key", k);
            if (val)
                json_object_set(item, "value", val);
            if (seq)
                json_object_set(item, "seq", seq);
        }
        json_array_append_new(items, item);
    }
    return items;
}

void api_ext_set(api_call_t *call)
{
    const char *id = msg_id_of(call);
    if (id == NULL)
        return;
    json_t *list = json_object_get(call->body, "extensions");
    json_t *items = json_is_array(list) ? items_of(list, false) : NULL;
    store_ext_msg_t m = {.msg_id = id, .viewer = call->identifier};
    ext_write(call, &m, STORE_EXT_SET, items, false, answer_results);
    json_decref(items);
}

void api_ext_delete(api_call_t *call)
{
    const char *id = msg_id_of(call);
    if (id == NULL)
        return;
    json_t *keys = json_object_get(call->body, "keys");
    store_ext_msg_t m = {.msg_id = id, .viewer = call->identifier};
    if (keys == NULL || (json_is_array(keys) && json_array_size(keys) == 0)) {
        ext_write(call, &m, STORE_EXT_CLEAR, NULL, false, answer_results);
        return;
    }
    json_t *items = json_is_array(keys) ? items_of(keys, true) : NULL;
    ext_write(call, &m, STORE_EXT_DELETE, items, false, answer_results);
    json_decref(items);
}

static void answer_get(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                       size_t n)
{
    (void)items;
    (void)n;
    json_t *out = json_array(), *e;
    size_t i;
    json_array_foreach(r->items, i, e) json_array_append_new(
        out,
        json_pack("{s:O, s:O, s:O}", "extensionKey", json_object_get(e, "key"), "extensionValue",
                  json_object_get(e, "value"), "seq", json_object_get(e, "seq")));
    api_finish(call, out);
}

void api_ext_get(api_call_t *call)
{
    const char *id = msg_id_of(call);
    if (id == NULL)
        return;
    store_ext_msg_t m = {.msg_id = id, .viewer = call->identifier};
    ext_get(call, &m, 0, EXT_KEYS_MAX, false, answer_get);
}

/* ---- reactions ---- */

static void answer_done(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                        size_t n)
{
    (void)r;
    (void)items;
    (void)n;
    api_finish(call, NULL);
}

static void react(api_call_t *call, bool add)
{
    const char *id = msg_id_of(call);
    if (id)
        ext_react(call, id, json_string_value(json_object_get(call->body, "reactionID")), add,
                  answer_done);
}

void api_reaction_add(api_call_t *call)
{
    react(call, true);
}

void api_reaction_remove(api_call_t *call)
{
    react(call, false);
}

static void answer_reactions(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                             size_t n)
{
    (void)items;
    (void)n;
    json_t *out = json_array(), *msg;
    size_t i;
    json_array_foreach(r->messages, i, msg)
    {
        bool found = json_is_true(json_object_get(msg, "found"));
        json_t *list = json_array(), *v;
        size_t k;
        json_array_foreach(json_object_get(msg, "reactions"), k, v)
            json_array_append_new(list, ext_reaction_sdk(v));
        json_array_append_new(
            out, json_pack("{s:O, s:i, s:s, s:o}", "msgID", json_object_get(msg, "msg_id"),
                           "resultCode", found ? 0 : ERR_MSG_NOT_FOUND, "resultInfo",
                           found ? "" : err_text(ERR_MSG_NOT_FOUND), "reactionList", list));
    }
    api_finish(call, out);
}

void api_reactions_get(api_call_t *call)
{
    api_ids_t spec = {"msgIDList",   REACTION_MSGS_MAX, NULL,    false,
                      ERR_BAD_PARAM, ERR_BAD_PARAM,     "msgIDs"};
    json_t *ids = api_read_id_array(call, &spec);
    if (ids == NULL)
        return;
    json_t *top = json_object_get(call->body, "maxUserCountPerReaction");
    if (top && (!json_is_integer(top) || json_integer_value(top) < 0 ||
                json_integer_value(top) > REACTION_TOP_MAX)) {
        api_fail(call, ERR_BAD_PARAM, "maxUserCountPerReaction must be 0 to %d", REACTION_TOP_MAX);
        json_decref(ids);
        return;
    }
    char *text = json_dumps(ids, JSON_COMPACT);
    ext_reactions(call, text, top ? (int)json_integer_value(top) : REACTION_TOP_MAX,
                  answer_reactions);
    free(text);
    json_decref(ids);
}

static void answer_users(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                         size_t n)
{
    (void)items;
    (void)n;
    int64_t from = (int64_t)json_integer_value(json_object_get(call->body, "nextSeq"));
    json_t *out = json_array(), *u;
    size_t i;
    json_array_foreach(r->users, i, u) json_array_append_new(
        out, json_pack("{s:O, s:O, s:O}", "userID", json_object_get(u, "user"), "nickName",
                       json_object_get(u, "nick"), "faceUrl", json_object_get(u, "face_url")));
    int64_t next = from + (int64_t)json_array_size(r->users);
    api_finish(call, json_pack("{s:o, s:I, s:b}", "userList", out, "nextSeq", (json_int_t)next,
                               "isFinished", next >= r->total));
}

void api_reaction_users(api_call_t *call)
{
    const char *id = msg_id_of(call);
    if (id == NULL)
        return;
    json_t *next = json_object_get(call->body, "nextSeq");
    json_t *count = json_object_get(call->body, "count");
    const char *reaction = json_string_value(json_object_get(call->body, "reactionID"));
    if (reaction == NULL || (next && (!json_is_integer(next) || json_integer_value(next) < 0)) ||
        (count && (!json_is_integer(count) || json_integer_value(count) < 1 ||
                   json_integer_value(count) > REACTION_PAGE_MAX))) {
        api_fail(call, ERR_BAD_PARAM,
                 "reactionID is required; nextSeq >= 0 and count 1 to %d if given",
                 REACTION_PAGE_MAX);
        return;
    }
    ext_reaction_users(call, id, reaction, next ? json_integer_value(next) : 0,
                       count ? (int)json_integer_value(count) : REACTION_PAGE_MAX, answer_users);
}

/* ---- pinned group messages ---- */

static const char *group_id_of(api_call_t *call)
{
    const char *id = json_string_value(json_object_get(call->body, "groupID"));
    if (id == NULL || *id == '\0')
        api_fail(call, ERR_GROUP_PARAM, "groupID is required: a string");
    return id && *id ? id : NULL;
}

void api_group_pin_message(api_call_t *call)
{
    const char *gid = group_id_of(call);
    json_t *pinned = json_object_get(call->body, "isPinned");
    const char *mid = json_string_value(json_object_get(call->body, "msgID"));
    if (gid == NULL)
        return;
    if (mid == NULL || !json_is_boolean(pinned)) {
        api_fail(call, ERR_GROUP_PARAM, "msgID (a string) and isPinned (a boolean) are required");
        return;
    }
    ext_pin(call, gid, mid, json_is_true(pinned), answer_done);
}

static void answer_pins(api_call_t *call, const store_msg_row_t *rows, size_t n, const json_t *pins)
{
    json_t *out = json_array(), *p;
    size_t i;
    json_array_foreach(pins, i, p)
    {
        int64_t seq = (int64_t)json_integer_value(json_object_get(p, "seq"));
        for (size_t k = 0; k < n; k++) {
            if (rows[k].seq != seq)
                continue;
            json_t *m = msg_to_json(&rows[k], call->identifier);
            json_object_set_new(m, "pinnerInfo",
                                json_pack("{s:O}", "userID", json_object_get(p, "operator")));
            json_array_append_new(out, m);
        }
    }
    api_finish(call, json_pack("{s:o}", "messageList", out));
}

void api_group_pinned_messages(api_call_t *call)
{
    const char *gid = group_id_of(call);
    if (gid)
        ext_pins(call, gid, answer_pins);
}
