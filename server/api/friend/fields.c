/* The request fields of the friend area (api/fields.h) and the tag rules of friend fields
 * (reference §6.2): each field once, with its REST and SDK spellings. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/fields.h"
#include "api/friend/friend.h"
#include "core/utf8.h"

#define SOURCE_PREFIX "AddSource_Type_"
#define CUSTOM_PREFIX "Tag_SNS_Custom_"

/* 1..FRIEND_KEY_MAX ASCII letters. */
static bool key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > FRIEND_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)key[i]))
            return false;
    return true;
}

static err_t source_check(const json_t *v, char *buf, size_t len)
{
    const char *s = json_string_value(v);
    if (s && strncmp(s, SOURCE_PREFIX, strlen(SOURCE_PREFIX)) == 0 &&
        key_ok(s + strlen(SOURCE_PREFIX)))
        return ERR_OK;
    snprintf(buf, len, "AddSource must be AddSource_Type_<1 to %d letters>", FRIEND_KEY_MAX);
    return ERR_SNS_PARAM;
}

bool friend_list_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n >= 1 && n <= FRIEND_LIST_NAME_MAX && utf8_valid(name, n);
}

bool friend_custom_ok(const char *tag, const json_t *value)
{
    if (tag == NULL || strncmp(tag, CUSTOM_PREFIX, strlen(CUSTOM_PREFIX)) != 0 ||
        !key_ok(tag + strlen(CUSTOM_PREFIX)))
        return false;
    return json_is_string(value) && json_string_length(value) <= FRIEND_CUSTOM_VALUE_MAX &&
           strlen(json_string_value(value)) == json_string_length(value);
}

/* friend_import's GroupName: an array of list names. */
static err_t groups_check(const json_t *v, char *buf, size_t len)
{
    size_t i;
    const json_t *name;
    if (!json_is_array(v) || json_array_size(v) > FRIEND_LISTS_MAX)
        goto bad;
    json_array_foreach(v, i, name) if (!friend_list_name_ok(json_string_value(name))) goto bad;
    return ERR_OK;
bad:
    snprintf(buf, len, "GroupName must be an array of at most %d names of 1 to %d bytes",
             FRIEND_LISTS_MAX, FRIEND_LIST_NAME_MAX);
    return ERR_SNS_PARAM;
}

/* friend_import's CustomItem: [{Tag: "Tag_SNS_Custom_<key>", Value}]. */
static err_t custom_items_check(const json_t *v, char *buf, size_t len)
{
    size_t i;
    const json_t *item;
    if (!json_is_array(v))
        goto bad;
    json_array_foreach(v, i, item)
    {
        if (!friend_custom_ok(json_string_value(json_object_get(item, "Tag")),
                              json_object_get(item, "Value")))
            goto bad;
    }
    return ERR_OK;
bad:
    snprintf(buf, len,
             "CustomItem must be an array of {Tag: Tag_SNS_Custom_<1 to %d letters>, Value: a "
             "string of at most %d bytes}",
             FRIEND_KEY_MAX, FRIEND_CUSTOM_VALUE_MAX);
    return ERR_SNS_PARAM;
}

/* setFriendInfo's friendCustomInfo: {"<key>": "value"} (the SDK leaves out the prefix). */
static err_t custom_kv_check(const json_t *v, char *buf, size_t len)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)v, key, value)
    {
        char tag[64];
        snprintf(tag, sizeof tag, CUSTOM_PREFIX "%s", key);
        if (strlen(key) > FRIEND_KEY_MAX || !friend_custom_ok(tag, value)) {
            snprintf(buf, len,
                     "friendCustomInfo keys are 1 to %d letters, values strings of at most %d "
                     "bytes",
                     FRIEND_KEY_MAX, FRIEND_CUSTOM_VALUE_MAX);
            return ERR_SNS_PARAM;
        }
    }
    return ERR_OK;
}

/* clang-format off */
#define F(m) .offset = offsetof(friend_item_t, m)
#define PEER {.rest = {"To_Account"}, .sdk = {"userID"}, .kind = FIELD_USER, F(peer), .bit = 1, .need = FIELD_NEED}
#define REMARK {.rest = {"Remark"}, .sdk = {"friendRemark", "remark"}, .kind = FIELD_TEXT, F(remark), .bit = 2, .max = FRIEND_REMARK_MAX}
#define SOURCE(req) {.rest = {"AddSource"}, .sdk = {"addSource"}, .kind = FIELD_TEXT, F(source), .bit = 8, .need = req, .max = 64, .check = source_check}
#define WORDING {.rest = {"AddWording"}, .sdk = {"addWording"}, .kind = FIELD_TEXT, F(wording), .bit = 16, .max = FRIEND_WORDING_MAX}
static const field_t add[] = {
    PEER, REMARK,
    {.rest = {"GroupName"}, .sdk = {"friendGroup"}, .kind = FIELD_TEXT, F(group), .bit = 4, .min = 1, .max = FRIEND_LIST_NAME_MAX},
    SOURCE(FIELD_NEED_REST), WORDING,
};
static const field_t import[] = {
    PEER, REMARK,
    {.rest = {"GroupName"}, .kind = FIELD_JSON, F(groups), .bit = 4, .check = groups_check},
    SOURCE(FIELD_NEED_REST), WORDING,
    {.rest = {"AddTime"}, .kind = FIELD_INT, F(add_time), .bit = 32, .max = UINT32_MAX},
    {.rest = {"RemarkTime"}, .kind = FIELD_INT, F(remark_time), .bit = 128, .max = UINT32_MAX},
    {.rest = {"CustomItem"}, .kind = FIELD_JSON, F(custom_items), .bit = 64, .check = custom_items_check},
};
static const field_t info[] = {
    PEER, REMARK,
    {.sdk = {"friendCustomInfo"}, .kind = FIELD_KV, F(custom), .bit = 64, .check = custom_kv_check},
};
#undef WORDING
#undef SOURCE
#undef REMARK
#undef PEER
#undef F
/* clang-format on */

#define TABLE(rows)                                                                                \
    {                                                                                              \
        rows, sizeof rows / sizeof rows[0], offsetof(friend_item_t, given), ERR_SNS_PARAM          \
    }
const field_table_t friend_add_fields = TABLE(add);
const field_table_t friend_import_fields = TABLE(import);
const field_table_t friend_info_fields = TABLE(info);

err_t friend_read_sns_items(const json_t *items, friend_item_t *item, char *detail, size_t len)
{
    size_t i;
    const json_t *it;
    if (!json_is_array(items) || json_array_size(items) == 0) {
        snprintf(detail, len, "SnsItem must be a non-empty array of {Tag, Value}");
        return ERR_SNS_PARAM;
    }
    json_array_foreach(items, i, it)
    {
        const char *tag = json_string_value(json_object_get(it, "Tag"));
        const json_t *v = json_object_get(it, "Value");
        if (tag && strcmp(tag, "Tag_SNS_IM_Remark") == 0 && json_is_string(v) &&
            json_string_length(v) <= FRIEND_REMARK_MAX) {
            item->remark = json_string_value(v);
        } else if (tag && strcmp(tag, "Tag_SNS_IM_Group") == 0 &&
                   groups_check(v, detail, len) == ERR_OK) {
            item->groups = v;
        } else if (friend_custom_ok(tag, v)) {
            if (item->custom == NULL)
                item->custom = json_object();
            json_object_set(item->custom, tag, (json_t *)v);
        } else {
            snprintf(detail, len,
                     "SnsItem[%zu]: Tag must be Tag_SNS_IM_Remark (a string of at most %d "
                     "bytes), Tag_SNS_IM_Group (an array of list names) or Tag_SNS_Custom_<1 to "
                     "%d letters> (a string of at most %d bytes)",
                     i, FRIEND_REMARK_MAX, FRIEND_KEY_MAX, FRIEND_CUSTOM_VALUE_MAX);
            json_decref(item->custom);
            item->custom = NULL;
            return ERR_SNS_PARAM;
        }
    }
    return ERR_OK;
}
