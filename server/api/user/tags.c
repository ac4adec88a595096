#include "api/user/tags.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/valid.h"

#define CUSTOM_PREFIX "Tag_Profile_Custom_"

typedef enum { TAG_STRING, TAG_UINT32, TAG_UINT64 } tag_type_t;

typedef struct {
    const char *name;
    tag_type_t type;
    size_t max_len;             /* strings */
    const char *const *choices; /* NULL-terminated, or NULL */
} tag_def_t;

static const char *const genders[] = {"Gender_Type_Unknown", "Gender_Type_Female",
                                      "Gender_Type_Male", NULL};
static const char *const allow_types[] = {"AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny",
                                          "AllowType_Type_DenyAny", NULL};
static const char *const forbid_types[] = {"AdminForbid_Type_None", "AdminForbid_Type_SendOut",
                                           NULL};

static const tag_def_t standard[] = {
    {"Tag_Profile_IM_Nick", TAG_STRING, 500, NULL},
    {"Tag_Profile_IM_Gender", TAG_STRING, 64, genders},
    {"Tag_Profile_IM_BirthDay", TAG_UINT32, 0, NULL},
    {"Tag_Profile_IM_Location", TAG_STRING, 16, NULL},
    {"Tag_Profile_IM_SelfSignature", TAG_STRING, 500, NULL},
    {"Tag_Profile_IM_AllowType", TAG_STRING, 64, allow_types},
    {"Tag_Profile_IM_Language", TAG_UINT32, 0, NULL},
    {"Tag_Profile_IM_Image", TAG_STRING, 500, NULL},
    {"Tag_Profile_IM_MsgSettings", TAG_UINT32, 0, NULL},
    {"Tag_Profile_IM_AdminForbidType", TAG_STRING, 64, forbid_types},
    {"Tag_Profile_IM_Level", TAG_UINT32, 0, NULL},
    {"Tag_Profile_IM_Role", TAG_UINT32, 0, NULL},
};

static const tag_def_t custom = {"Tag_Profile_Custom_", TAG_STRING, PROFILE_VALUE_MAX, NULL};

static bool custom_key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > PROFILE_CUSTOM_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)key[i]))
            return false;
    return true;
}

static const tag_def_t *find(const char *tag)
{
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++)
        if (strcmp(standard[i].name, tag) == 0)
            return &standard[i];
    if (strncmp(tag, CUSTOM_PREFIX, strlen(CUSTOM_PREFIX)) == 0 &&
        custom_key_ok(tag + strlen(CUSTOM_PREFIX)))
        return &custom;
    return NULL;
}

bool profile_tag_known(const char *tag)
{
    return find(tag) != NULL;
}

static bool one_of(const char *s, const char *const *choices)
{
    for (; *choices; choices++)
        if (strcmp(s, *choices) == 0)
            return true;
    return false;
}

static err_t check_string(const tag_def_t *def, const json_t *value)
{
    if (!json_is_string(value))
        return ERR_PROFILE_VALUE_TYPE;
    const char *s = json_string_value(value);
    size_t len = json_string_length(value);
    if (strlen(s) != len)
        return ERR_PROFILE_VALUE;
    if (len > def->max_len)
        return def->max_len == PROFILE_VALUE_MAX ? ERR_PROFILE_VALUE_LONG : ERR_PROFILE_VALUE;
    if (def->choices && !one_of(s, def->choices))
        return ERR_PROFILE_VALUE;
    return ERR_OK;
}

err_t profile_tag_check(const char *tag, const json_t *value)
{
    const tag_def_t *def = find(tag);
    if (def == NULL)
        return ERR_PROFILE_TAG;
    if (def->type == TAG_STRING)
        return check_string(def, value);
    if (!json_is_integer(value) || json_integer_value(value) < 0)
        return ERR_PROFILE_VALUE_TYPE;
    if (def->type == TAG_UINT32 && json_integer_value(value) > (json_int_t)UINT32_MAX)
        return ERR_PROFILE_VALUE;
    return ERR_OK;
}

json_t *profile_tag_default(const char *tag)
{
    static json_t *empty, *zero;
    if (empty == NULL) {
        empty = json_string("");
        zero = json_integer(0);
    }
    const tag_def_t *def = find(tag);
    return def && def->type != TAG_STRING ? zero : empty;
}

/* ---- the SDK's spellings ---- */

typedef enum { SDK_TEXT, SDK_INT, SDK_GENDER, SDK_ALLOW } sdk_kind_t;

static const struct {
    const char *sdk, *tag;
    sdk_kind_t kind;
} sdk_fields[] = {
    {"nickName", "Tag_Profile_IM_Nick", SDK_TEXT},
    {"faceUrl", "Tag_Profile_IM_Image", SDK_TEXT},
    {"selfSignature", "Tag_Profile_IM_SelfSignature", SDK_TEXT},
    {"gender", "Tag_Profile_IM_Gender", SDK_GENDER},
    {"allowType", "Tag_Profile_IM_AllowType", SDK_ALLOW},
    {"birthday", "Tag_Profile_IM_BirthDay", SDK_INT},
    {"location", "Tag_Profile_IM_Location", SDK_TEXT},
    {"language", "Tag_Profile_IM_Language", SDK_INT},
    {"level", "Tag_Profile_IM_Level", SDK_INT},
    {"role", "Tag_Profile_IM_Role", SDK_INT},
};

/* V2TIMGender 0/1/2 and V2TIMFriendAllowType 0/1/2, as the tag's strings. */
static const char *const sdk_genders[] = {"Gender_Type_Unknown", "Gender_Type_Male",
                                          "Gender_Type_Female", NULL};
static const char *const sdk_allows[] = {"AllowType_Type_AllowAny", "AllowType_Type_NeedConfirm",
                                         "AllowType_Type_DenyAny", NULL};

static int index_of(const char *s, const char *const *list)
{
    for (int i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return i;
    return -1;
}

static json_t *sdk_value(sdk_kind_t kind, const json_t *v)
{
    switch (kind) {
    case SDK_GENDER: {
        int i = index_of(json_string_value(v), sdk_genders);
        return json_integer(i < 0 ? 0 : i);
    }
    case SDK_ALLOW: {
        int i = index_of(json_string_value(v), sdk_allows);
        return json_integer(i < 0 ? 1 : i);
    }
    case SDK_INT:
        return json_integer(json_is_integer(v) ? json_integer_value(v) : 0);
    case SDK_TEXT:
        break;
    }
    return json_string(json_is_string(v) ? json_string_value(v) : "");
}

json_t *profile_to_sdk(const char *user, const json_t *tags)
{
    json_t *out = json_pack("{s:s}", "userID", user), *custom_info = json_object();
    for (size_t i = 0; i < sizeof sdk_fields / sizeof sdk_fields[0]; i++)
        json_object_set_new(
            out, sdk_fields[i].sdk,
            sdk_value(sdk_fields[i].kind, json_object_get(tags, sdk_fields[i].tag)));
    const char *tag;
    json_t *v;
    json_object_foreach((json_t *)tags, tag, v)
    {
        if (strncmp(tag, CUSTOM_PREFIX, strlen(CUSTOM_PREFIX)) == 0)
            json_object_set(custom_info, tag + strlen(CUSTOM_PREFIX), v);
    }
    json_object_set_new(out, "customInfo", custom_info);
    return out;
}

/* One SDK field's value as the tag's stored value, or NULL when malformed. */
static json_t *tag_value(sdk_kind_t kind, const json_t *v)
{
    if (kind == SDK_GENDER || kind == SDK_ALLOW) {
        const char *const *list = kind == SDK_GENDER ? sdk_genders : sdk_allows;
        json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
        return i >= 0 && i <= 2 ? json_string(list[i]) : NULL;
    }
    return json_incref((json_t *)v);
}

static json_t *from_sdk_fail(json_t *tags, err_t *err, err_t code, char *detail, size_t len,
                             const char *name)
{
    snprintf(detail, len, "%s: unknown field or bad value", name);
    *err = code;
    json_decref(tags);
    return NULL;
}

json_t *profile_from_sdk(const json_t *info, err_t *err, char *detail, size_t len)
{
    json_t *tags = json_object();
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)info, name, v)
    {
        size_t i = 0, n = sizeof sdk_fields / sizeof sdk_fields[0];
        while (i < n && strcmp(sdk_fields[i].sdk, name) != 0)
            i++;
        if (i == n && strcmp(name, "customInfo") == 0 && json_is_object(v)) {
            const char *key;
            json_t *cv;
            json_object_foreach(v, key, cv)
            {
                char tag[64];
                snprintf(tag, sizeof tag, CUSTOM_PREFIX "%s", key);
                err_t e = strlen(key) < sizeof tag - strlen(CUSTOM_PREFIX)
                              ? profile_tag_check(tag, cv)
                              : ERR_PROFILE_TAG;
                if (e != ERR_OK)
                    return from_sdk_fail(tags, err, e, detail, len, key);
                json_object_set(tags, tag, cv);
            }
            continue;
        }
        if (i == n)
            return from_sdk_fail(tags, err, ERR_PROFILE_TAG, detail, len, name);
        json_t *tv = tag_value(sdk_fields[i].kind, v);
        err_t e = tv ? profile_tag_check(sdk_fields[i].tag, tv) : ERR_PROFILE_VALUE;
        if (e != ERR_OK) {
            json_decref(tv);
            return from_sdk_fail(tags, err, e, detail, len, name);
        }
        json_object_set_new(tags, sdk_fields[i].tag, tv);
    }
    if (json_object_size(tags) == 0)
        return from_sdk_fail(tags, err, ERR_PROFILE_PARAM, detail, len, "the body");
    return tags;
}
