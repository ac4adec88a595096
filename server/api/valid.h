/*
 * valid — pure checks and getters for request bodies, shared by every handler.
 *
 * Getters accept several spellings of one field (Tencent's docs disagree: `UserID` and the
 * legacy `Identifier`) and report which problem they found so the handler can name it.
 */
#ifndef CHATD_API_VALID_H
#define CHATD_API_VALID_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define VALID_USERID_MAX 32

typedef enum {
    VALID_OK = 0,
    VALID_MISSING, /* none of the spellings is present */
    VALID_TYPE,    /* present but of the wrong JSON type */
    VALID_RANGE,   /* right type, bad value (length, range, encoding) */
} valid_t;

/* Well-formed UTF-8 without control characters (U+0000–U+001F, U+007F). */
bool valid_utf8_text(const char *s, size_t len);
/* A UserID: 1–32 bytes of valid text. */
bool valid_user_id(const char *s, size_t len);

/* The first present member among NULL-terminated names, or NULL. */
json_t *valid_member(const json_t *obj, const char *const *names);

/* A string field that is a valid UserID. */
valid_t valid_get_user_id(const json_t *obj, const char *const *names, const char **out);
/* A string field of at most max_len bytes of valid text (may be empty). */
valid_t valid_get_text(const json_t *obj, const char *name, size_t max_len, const char **out);
/* An integer field in [min, max]. */
valid_t valid_get_int(const json_t *obj, const char *name, long long min, long long max,
                      long long *out);

#endif
