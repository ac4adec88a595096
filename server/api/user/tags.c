#include "api/user/tags.h"

#include <ctype.h>
#include <stdint.h>
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
