/*
 * api/fields — request fields as data: one table per request type lists each field once, with
 * its REST spelling(s), its SDK spelling(s), its kind, whether it is required and its limit.
 * One reader fills the request's typed struct from either door's body. Door files hold no
 * field rule of their own: they name a table (kept by the area, next to its rules) and pass the
 * body (api_read_fields() in api.h answers the call when the reader refuses).
 *
 * The reader takes each field from the first of the door's spellings that is present, checks
 * it, stores it at its offset in the struct and sets its bit in the struct's `given` mask.
 * Texts are borrowed from the body (valid while the body lives, as long as the api_call_t);
 * key-value objects are new references the struct owns until fields_release().
 *
 * Errors: fields_read() returns the table's error code (10004 for groups, say) for a missing
 * required field or a malformed one, a field's own check code when its check refuses, or the
 * field's door-specific code when it has one, and writes a detail naming the field in the
 * door's own spelling. On error nothing is owned:
 * the struct has been released.
 */
#ifndef CHATD_API_FIELDS_H
#define CHATD_API_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/attr.h"
#include "core/err.h"

typedef enum {
    FIELD_REST = 0, /* Tencent's REST spellings: PascalCase, "On"/"Off", [{Key, Value}] */
    FIELD_SDK = 1,  /* the SDK's lowerCamel spellings, booleans, {key: value} */
} field_door_t;

typedef enum {
    FIELD_TEXT,   /* a string of min..max bytes (no NUL) → const char * */
    FIELD_USER,   /* a UserID → const char * */
    FIELD_INT,    /* an integer in [min, max] → int64_t */
    FIELD_SWITCH, /* REST "On"/"Off", SDK true/false (either is read on both) → bool */
    FIELD_ENUM,   /* what `parse` accepts → int */
    FIELD_KV,     /* REST [{Key, Value}], SDK {key: value} → json_t * object, owned */
    FIELD_FLAG,   /* REST 0/1, SDK true/false or 0/1 → bool */
    FIELD_SET,    /* an array of strings, each one of `values` → unsigned mask (1 << index) */
    FIELD_JSON,   /* any value, judged by `check` (also when a required one is missing: the
                   * check gets NULL) → const json_t * (borrowed) */
} field_kind_t;

/* Which doors require a field. */
enum {
    FIELD_NEED_REST = 1 << 0,
    FIELD_NEED_SDK = 1 << 1,
    FIELD_NEED = FIELD_NEED_REST | FIELD_NEED_SDK,
};

#define FIELD_SPELLINGS 3

typedef struct {
    const char *rest[FIELD_SPELLINGS]; /* the documented spelling first; legacy ones after */
    const char *sdk[FIELD_SPELLINGS];  /* none: the door does not carry the field */
    field_kind_t kind;
    size_t offset;             /* of the value in the request struct */
    unsigned bit;              /* set in the struct's mask when the field was given */
    unsigned need;             /* FIELD_NEED_*: the doors on which it is required */
    long long min, max;        /* TEXT: bytes; INT: range */
    const char *const *values; /* SET: the accepted strings, NULL-terminated */
    /* ENUM: reads a value (either door's spelling) into an int. */
    bool (*parse)(const json_t *v, int *out);
    const char *expect; /* ENUM: the accepted values, for the error detail */
    /* An area rule on the value once read (KV: the object read, key names and sizes; other
     * kinds: the request's JSON value); NULL: none. */
    err_t (*check)(const json_t *v, char *buf, size_t len);
    /* The code a door answers for this field instead of the check's or the table's (0: none;
     * Tencent gives some REST fields their own codes); rest_type_err for a REST value of the
     * wrong JSON type (0: rest_err). */
    err_t rest_err, sdk_err, rest_type_err;
} field_t;

typedef struct {
    const field_t *fields;
    size_t count;
    size_t mask_offset; /* of the struct's `unsigned given` */
    err_t err;          /* for a missing or malformed field */
} field_table_t;

/* Fills `req` (zeroed by the caller) from `body` per `t`. ERR_OK, or an error with a detail. */
err_t fields_read(const field_table_t *t, field_door_t door, const json_t *body, void *req,
                  char *detail, size_t len) MUSTCHECK;

/* Drops what the struct owns (KV objects) and clears its mask. */
void fields_release(const field_table_t *t, void *req);

#endif
