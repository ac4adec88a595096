#include "api/fields.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/valid.h"

static unsigned *mask_of(const field_table_t *t, void *req)
{
    return (unsigned *)((char *)req + t->mask_offset);
}

static void *slot(const field_t *f, void *req)
{
    return (char *)req + f->offset;
}

static const char *const *spellings(const field_t *f, field_door_t door)
{
    return door == FIELD_REST ? f->rest : f->sdk;
}

/* The value under the first present spelling of the door, or NULL. */
static const json_t *lookup(const field_t *f, field_door_t door, const json_t *body)
{
    const char *const *names = spellings(f, door);
    for (size_t i = 0; i < FIELD_SPELLINGS && names[i]; i++) {
        const json_t *v = json_object_get(body, names[i]);
        if (v)
            return v;
    }
    return NULL;
}

/* REST [{Key, Value}] or SDK {key: value}, as a new object; NULL when not the door's shape. */
static json_t *kv_read(const json_t *v, field_door_t door)
{
    if (door == FIELD_SDK)
        return json_is_object(v) ? json_deep_copy(v) : NULL;
    if (!json_is_array(v))
        return NULL;
    json_t *obj = json_object(), *e;
    size_t i;
    json_array_foreach(v, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "Key"));
        json_t *value = json_object_get(e, "Value");
        if (k == NULL || !json_is_string(value)) {
            json_decref(obj);
            return NULL;
        }
        json_object_set(obj, k, value);
    }
    return obj;
}

static bool switch_read(const json_t *v, bool *out)
{
    const char *s = json_string_value(v);
    if (json_is_boolean(v))
        *out = json_is_true(v);
    else if (s && (strcmp(s, "On") == 0 || strcmp(s, "Off") == 0))
        *out = strcmp(s, "On") == 0;
    else
        return false;
    return true;
}

/* REST 0/1; SDK true/false or 0/1. */
static bool flag_read(const json_t *v, field_door_t door, bool *out)
{
    if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
        *out = json_integer_value(v) == 1;
    else if (door == FIELD_SDK && json_is_boolean(v))
        *out = json_is_true(v);
    else
        return false;
    return true;
}

static bool set_read(const field_t *f, const json_t *v, unsigned *out)
{
    const json_t *e;
    size_t i;
    *out = 0;
    if (!json_is_array(v))
        return false;
    json_array_foreach(v, i, e)
    {
        const char *s = json_string_value(e);
        size_t k = 0;
        while (s && f->values[k] && strcmp(s, f->values[k]) != 0)
            k++;
        if (s == NULL || f->values[k] == NULL)
            return false;
        *out |= 1u << k;
    }
    return true;
}

static bool text_ok(const field_t *f, const json_t *v)
{
    size_t n = json_string_length(v);
    return json_is_string(v) && strlen(json_string_value(v)) == n && (long long)n >= f->min &&
           (long long)n <= f->max;
}

/* Why a value of field f (named `name`) is refused. */
static void describe(const field_t *f, field_door_t door, const char *name, char *buf, size_t len)
{
    switch (f->kind) {
    case FIELD_TEXT:
        if (f->min > 0)
            snprintf(buf, len, "%s must be a string of %lld to %lld bytes", name, f->min, f->max);
        else
            snprintf(buf, len, "%s must be a string of at most %lld bytes", name, f->max);
        break;
    case FIELD_USER:
        snprintf(buf, len, "%s must be a UserID (1 to %d bytes)", name, VALID_USERID_MAX);
        break;
    case FIELD_INT:
        snprintf(buf, len, "%s must be an integer from %lld to %lld", name, f->min, f->max);
        break;
    case FIELD_SWITCH:
        snprintf(buf, len, "%s must be On or Off", name);
        break;
    case FIELD_ENUM:
        snprintf(buf, len, "%s must be %s", name, f->expect);
        break;
    case FIELD_KV:
        snprintf(buf, len, "%s must be %s", name,
                 door == FIELD_REST ? "an array of {Key, Value} strings"
                                    : "an object of string values");
        break;
    case FIELD_FLAG:
        snprintf(buf, len, "%s must be %s", name, door == FIELD_REST ? "0 or 1" : "a boolean");
        break;
    case FIELD_SET: {
        int n = snprintf(buf, len, "%s must be an array of", name);
        for (size_t k = 0; f->values[k] && n > 0 && (size_t)n < len; k++)
            n += snprintf(buf + n, len - (size_t)n, "%s %s", k ? "," : "", f->values[k]);
        break;
    }
    case FIELD_JSON:
        snprintf(buf, len, "%s is malformed", name);
        break;
    }
}

/* Stores one present value; false when it has the wrong shape. */
static bool store(const field_t *f, field_door_t door, const json_t *v, void *req)
{
    switch (f->kind) {
    case FIELD_TEXT:
        if (!text_ok(f, v))
            return false;
        *(const char **)slot(f, req) = json_string_value(v);
        return true;
    case FIELD_USER:
        if (!json_is_string(v) || !valid_user_id(json_string_value(v), json_string_length(v)))
            return false;
        *(const char **)slot(f, req) = json_string_value(v);
        return true;
    case FIELD_INT:
        if (!json_is_integer(v) || json_integer_value(v) < f->min || json_integer_value(v) > f->max)
            return false;
        *(int64_t *)slot(f, req) = (int64_t)json_integer_value(v);
        return true;
    case FIELD_SWITCH:
        return switch_read(v, (bool *)slot(f, req));
    case FIELD_ENUM:
        return f->parse(v, (int *)slot(f, req));
    case FIELD_KV: {
        json_t *obj = kv_read(v, door);
        *(json_t **)slot(f, req) = obj;
        return obj != NULL;
    }
    case FIELD_FLAG:
        return flag_read(v, door, (bool *)slot(f, req));
    case FIELD_SET:
        return set_read(f, v, (unsigned *)slot(f, req));
    case FIELD_JSON:
        *(const json_t **)slot(f, req) = v;
        return true;
    }
    return false;
}

/* Whether v has the JSON type the field's kind reads (for rest_type_err). */
static bool type_ok(const field_t *f, const json_t *v)
{
    switch (f->kind) {
    case FIELD_TEXT:
    case FIELD_USER:
        return json_is_string(v);
    case FIELD_INT:
        return json_is_integer(v);
    default:
        return true;
    }
}

/* The code the door answers for field f: its override, else `natural`. */
static err_t door_err(const field_t *f, field_door_t door, const json_t *v, err_t natural)
{
    err_t over = door == FIELD_REST ? f->rest_err : f->sdk_err;
    if (door == FIELD_REST && f->rest_type_err && v && !type_ok(f, v))
        return f->rest_type_err;
    return over ? over : natural;
}

err_t fields_read(const field_table_t *t, field_door_t door, const json_t *body, void *req,
                  char *detail, size_t len)
{
    for (size_t i = 0; i < t->count; i++) {
        const field_t *f = &t->fields[i];
        const char *name = spellings(f, door)[0];
        if (name == NULL)
            continue;
        const json_t *v = lookup(f, door, body);
        err_t err = t->err;
        if (v == NULL && (f->need & (1u << door))) {
            /* A missing JSON field is judged by its own check, which says what it needs. */
            if (f->kind == FIELD_JSON && f->check)
                err = f->check(NULL, detail, len);
            else
                snprintf(detail, len, "%s is required", name);
        } else if (v == NULL) {
            continue;
        } else if (!store(f, door, v, req)) {
            describe(f, door, name, detail, len);
        } else {
            *mask_of(t, req) |= f->bit;
            /* A key-value check judges the object read (REST's [{Key, Value}] made one). */
            const json_t *got = f->kind == FIELD_KV ? *(json_t *const *)slot(f, req) : v;
            err = f->check ? f->check(got, detail, len) : ERR_OK;
            if (err == ERR_OK)
                continue;
        }
        fields_release(t, req);
        return door_err(f, door, v, err);
    }
    return ERR_OK;
}

void fields_release(const field_table_t *t, void *req)
{
    for (size_t i = 0; i < t->count; i++) {
        const field_t *f = &t->fields[i];
        if (f->kind == FIELD_KV) {
            json_t **obj = (json_t **)slot(f, req);
            json_decref(*obj);
            *obj = NULL;
        }
    }
    *mask_of(t, req) = 0;
}
