/* The REST door of message extensions (ext/ext.h): openim_msg_ext_http_svc get_key_values,
 * set_key_values, group_get_key_values, group_set_key_values — for administrators, so no
 * compare-and-set. */
#include <stdlib.h>
#include <string.h>

#include "api/ext/ext.h"
#include "api/message/message.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "store/message.h"

static const char *const from_names[] = {"From_Account", NULL};
static const char *const to_names[] = {"To_Account", NULL};

/* The one-to-one message of From_Account, To_Account and MsgKey (its seq and random); false
 * after failing. m's conv_key is heap (xfree). */
static bool c2c_message(api_call_t *call, store_ext_msg_t *m)
{
    const char *from, *to;
    const char *key = json_string_value(json_object_get(call->body, "MsgKey"));
    int64_t seq, random, ts;
    if (valid_get_user_id(call->body, from_names, &from) != VALID_OK ||
        valid_get_user_id(call->body, to_names, &to) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "From_Account and To_Account must be UserIDs");
        return false;
    }
    if (key == NULL || !msg_key_parse(key, &seq, &random, &ts)) {
        api_fail(call, ERR_OPENIM_MSGKEY, "MsgKey must be one chatd issued");
        return false;
    }
    *m = (store_ext_msg_t){.conv_key = store_conv_key_c2c(from, to),
                           .seq = seq,
                           .match_random = true,
                           .random = random};
    return true;
}

static bool group_message(api_call_t *call, store_ext_msg_t *m)
{
    const char *gid = json_string_value(json_object_get(call->body, "GroupId"));
    long long seq;
    if (gid == NULL || *gid == '\0' ||
        valid_get_int(call->body, "MsgSeq", 1, INT64_MAX, &seq) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "GroupId (a string) and MsgSeq (>= 1) are required");
        return false;
    }
    *m = (store_ext_msg_t){.conv_key = xasprintf("g:%s", gid), .seq = seq};
    return true;
}

/* ---- get ---- */

static void answer_get(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                       size_t n)
{
    (void)items;
    (void)n;
    json_t *list = json_array(), *e;
    size_t i;
    json_array_foreach(r->items, i, e) json_array_append_new(
        list, json_pack("{s:O, s:O, s:O}", "Key", json_object_get(e, "key"), "Value",
                        json_object_get(e, "value"), "Seq", json_object_get(e, "seq")));
    api_finish(call, json_pack("{s:i, s:I, s:I, s:o}", "CompleteFlag", r->complete ? 1 : 0,
                               "LatestSeq", (json_int_t)r->latest_seq, "ClearSeq",
                               (json_int_t)r->clear_seq, "ExtensionList", list));
}

static void get(api_call_t *call, bool group)
{
    store_ext_msg_t m;
    long long start = 0;
    if (!(group ? group_message(call, &m) : c2c_message(call, &m)))
        return;
    valid_t v = valid_get_int(call->body, "StartSeq", 0, INT64_MAX, &start);
    if (v != VALID_OK && v != VALID_MISSING)
        api_fail(call, group ? ERR_GROUP_PARAM : ERR_BAD_PARAM, "StartSeq must be >= 0");
    else
        ext_get(call, &m, start, EXT_PULL_MAX, group, answer_get);
    xfree((char *)m.conv_key);
}

void api_ext_rest_get(api_call_t *call)
{
    get(call, false);
}

void api_ext_rest_group_get(api_call_t *call)
{
    get(call, true);
}

/* ---- set ---- */

static void answer_set(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                       size_t n)
{
    (void)r;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:i, s:{s:s, s:s, s:I}}", "ErrorCode",
                                              items[i].code, "Extension", "Key", items[i].key,
                                              "Value", items[i].value ? items[i].value : "", "Seq",
                                              (json_int_t)items[i].seq));
    api_finish(call, json_pack("{s:o}", "ExtensionList", list));
}

/* ExtensionList [{Key, Value, Seq}] as the ops' items (Seq is not compared for admins). */
static json_t *items_of(const json_t *list)
{
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(list, i, v)
    {
        json_t *item = json_object(), *key = json_object_get(v, "Key");
        json_t *value = json_object_get(v, "Value");
        if (key)
            json_object_set(item, "key", key);
        if (value)
            json_object_set(item, "value", value);
        json_array_append_new(items, item);
    }
    return items;
}

static void set(api_call_t *call, bool group)
{
    store_ext_msg_t m;
    long long op;
    if (!(group ? group_message(call, &m) : c2c_message(call, &m)))
        return;
    if (valid_get_int(call->body, "OperateType", 1, 3, &op) != VALID_OK) {
        api_fail(call, group ? ERR_GROUP_PARAM : ERR_BAD_PARAM,
                 "OperateType must be 1 (set), 2 (delete) or 3 (clear)");
        xfree((char *)m.conv_key);
        return;
    }
    json_t *list = json_object_get(call->body, "ExtensionList");
    json_t *items = json_is_array(list) ? items_of(list) : NULL;
    ext_write(call, &m, (store_ext_op_t)op, items, group, answer_set);
    json_decref(items);
    xfree((char *)m.conv_key);
}

void api_ext_rest_set(api_call_t *call)
{
    set(call, false);
}

void api_ext_rest_group_set(api_call_t *call)
{
    set(call, true);
}
