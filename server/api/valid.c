#include "api/valid.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

bool valid_utf8_text(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            return false;
        size_t n = utf8_seq_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

bool valid_user_id(const char *s, size_t len)
{
    return len >= 1 && len <= VALID_USERID_MAX && valid_utf8_text(s, len);
}

json_t *valid_member(const json_t *obj, const char *const *names)
{
    for (; *names; names++) {
        json_t *v = json_object_get(obj, *names);
        if (v != NULL)
            return v;
    }
    return NULL;
}

valid_t valid_get_user_id(const json_t *obj, const char *const *names, const char **out)
{
    json_t *v = valid_member(obj, names);
    if (v == NULL)
        return VALID_MISSING;
    if (!json_is_string(v))
        return VALID_TYPE;
    if (!valid_user_id(json_string_value(v), json_string_length(v)))
        return VALID_RANGE;
    *out = json_string_value(v);
    return VALID_OK;
}

valid_t valid_get_text(const json_t *obj, const char *name, size_t max_len, const char **out)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return VALID_MISSING;
    if (!json_is_string(v))
        return VALID_TYPE;
    size_t len = json_string_length(v);
    if (len > max_len || strlen(json_string_value(v)) != len)
        return VALID_RANGE;
    *out = json_string_value(v);
    return VALID_OK;
}

valid_t valid_get_int(const json_t *obj, const char *name, long long min, long long max,
                      long long *out)
{
    json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return VALID_MISSING;
    if (!json_is_integer(v))
        return VALID_TYPE;
    long long x = json_integer_value(v);
    if (x < min || x > max)
        return VALID_RANGE;
    *out = x;
    return VALID_OK;
}
