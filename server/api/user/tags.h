/*
 * profile_tags — the rules of Tencent's profile fields (pure; unit-tested).
 *
 * Standard tags Tag_Profile_IM_* have a type (string with a byte limit, or uint32/uint64) and
 * some an enumeration; custom tags are Tag_Profile_Custom_<1–8 letters> holding strings of at
 * most 500 bytes.
 */
#ifndef CHATD_API_PROFILE_TAGS_H
#define CHATD_API_PROFILE_TAGS_H

#include <jansson.h>
#include <stdbool.h>

#include <stddef.h>

#include "core/err.h"

enum {
    PROFILE_CUSTOM_KEY_MAX = 8, /* letters after Tag_Profile_Custom_ */
    PROFILE_VALUE_MAX = 500,    /* bytes of a custom tag's string */
};

bool profile_tag_known(const char *tag);
/* ERR_OK, or ERR_PROFILE_TAG (unknown tag), ERR_PROFILE_VALUE_TYPE, ERR_PROFILE_VALUE_LONG,
 * ERR_PROFILE_VALUE (not one of the enumeration). */
err_t profile_tag_check(const char *tag, const json_t *value);
/* The value reported for a tag never set ("" or 0); borrowed, static. */
json_t *profile_tag_default(const char *tag);

/* A user's stored profile {tag: value} in the SDK's V2TIMUserFullInfo shape: userID, nickName,
 * faceUrl, selfSignature, gender (0 unknown, 1 male, 2 female), allowType (0 any, 1 confirm,
 * 2 deny), birthday, location, language, level, role, customInfo {key without
 * Tag_Profile_Custom_: value}. New object. */
json_t *profile_to_sdk(const char *user, const json_t *tags);
/* The reverse for setSelfInfo: the SDK's fields of `info` as {tag: value} (new object), or
 * NULL with a detail when a field is unknown or malformed (then *err is its code). */
json_t *profile_from_sdk(const json_t *info, err_t *err, char *detail, size_t len);

#endif
