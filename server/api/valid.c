#include "api/valid.h"

#include <stdint.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s (0 when malformed), per RFC 3629. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool valid_utf8_text(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            return false;
        size_t n = utf8_seq(p + i, len - i);
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
