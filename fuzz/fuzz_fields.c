/*
 * fuzz_fields — the request field readers (api/fields.h) with every table the areas export, and
 * the two readers built on them (gop_read_new, friend_read_sns_items).
 *
 * The first byte picks the door (bit 0: REST or SDK) and, above it, the reader; the rest is
 * parsed as JSON the way the doors parse a body (json_loadb, flags 0) and read into a zeroed
 * heap struct of exactly the table's type, so a field stored outside it is an ASan report.
 * Asserted for a table: a refusal carries a detail and leaves nothing owned (mask 0, key-value
 * objects NULL); a success sets the bit of every required field of the door, and of no field
 * absent from the body or without a spelling on the door; each field whose bit is set holds
 * what its kind promises — a text or user ID of the allowed length borrowed from the very
 * JSON string under the door's first present spelling, an integer within its range, a boolean
 * 0 or 1, a set mask within its values, an owned object for key-value fields, the body's own
 * value for JSON fields — and fields_release() leaves nothing owned. gop_read_new() (with and
 * without a member list) owns nothing after a refusal and reads one member per list entry;
 * friend_read_sns_items() owns nothing after a refusal. Everything is freed.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "api/fields.h"
#include "api/friend/friend.h"
#include "api/group/ops.h"
#include "api/message/message.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "fuzz.h"

typedef struct {
    const field_table_t *table;
    size_t size; /* of the struct it fills */
} reader_t;

static const reader_t TABLES[] = {
    {&msg_send_fields, sizeof(msg_fields_t)},
    {&msg_import_fields, sizeof(msg_fields_t)},
    {&friend_add_fields, sizeof(friend_item_t)},
    {&friend_import_fields, sizeof(friend_item_t)},
    {&friend_info_fields, sizeof(friend_item_t)},
    {&gop_profile_fields, sizeof(gop_profile_t)},
    {&gop_mute_all_fields, sizeof(gop_profile_t)},
    {&gop_new_member_fields, sizeof(gop_new_member_t)},
    {&gop_member_fields, sizeof(gop_member_t)},
    {&gop_mute_fields, sizeof(gop_member_t)},
    {&gop_role_fields, sizeof(gop_member_t)},
    {&gop_join_fields, sizeof(gop_req_t)},
    {&gop_kick_fields, sizeof(gop_req_t)},
};
#define N_TABLES (sizeof TABLES / sizeof TABLES[0])
/* After the tables: gop_read_new with members, without, friend_read_sns_items. */
#define N_READERS (N_TABLES + 3)

static void *slot(const field_t *f, void *req)
{
    return (char *)req + f->offset;
}

static unsigned mask_of(const field_table_t *t, const void *req)
{
    return *(const unsigned *)((const char *)req + t->mask_offset);
}

static const char *const *spellings(const field_t *f, field_door_t door)
{
    return door == FIELD_REST ? f->rest : f->sdk;
}

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

static size_t slot_size(field_kind_t kind)
{
    switch (kind) {
    case FIELD_TEXT:
    case FIELD_USER:
    case FIELD_KV:
    case FIELD_JSON:
        return sizeof(void *);
    case FIELD_INT:
        return sizeof(int64_t);
    case FIELD_SWITCH:
    case FIELD_FLAG:
        return sizeof(bool);
    case FIELD_ENUM:
        return sizeof(int);
    case FIELD_SET:
        return sizeof(unsigned);
    }
    return 0;
}

static bool bit_unique(const field_table_t *t, size_t i)
{
    for (size_t j = 0; j < t->count; j++)
        if (j != i && t->fields[j].bit == t->fields[i].bit)
            return false;
    return true;
}

static void check_nothing_owned(const field_table_t *t, void *req)
{
    FUZZ_ASSERT(mask_of(t, req) == 0);
    for (size_t i = 0; i < t->count; i++)
        if (t->fields[i].kind == FIELD_KV)
            FUZZ_ASSERT(*(json_t **)slot(&t->fields[i], req) == NULL);
}

static void check_field(const field_t *f, const json_t *v, void *req)
{
    void *s = slot(f, req);
    switch (f->kind) {
    case FIELD_TEXT: {
        const char *text = *(const char **)s;
        FUZZ_ASSERT(text != NULL && text == json_string_value(v));
        long long n = (long long)strlen(text);
        FUZZ_ASSERT(n >= f->min && n <= f->max);
        break;
    }
    case FIELD_USER: {
        const char *user = *(const char **)s;
        FUZZ_ASSERT(user != NULL && user == json_string_value(v));
        FUZZ_ASSERT(valid_user_id(user, strlen(user)) && strlen(user) <= VALID_USERID_MAX);
        break;
    }
    case FIELD_INT: {
        int64_t n = *(int64_t *)s;
        FUZZ_ASSERT(n >= f->min && n <= f->max && n == json_integer_value(v));
        break;
    }
    case FIELD_SWITCH:
    case FIELD_FLAG: {
        unsigned char b;
        memcpy(&b, s, 1);
        FUZZ_ASSERT(b == 0 || b == 1);
        break;
    }
    case FIELD_ENUM:
        break;
    case FIELD_KV:
        FUZZ_ASSERT(json_is_object(*(json_t **)s));
        break;
    case FIELD_SET: {
        size_t n = 0;
        while (f->values[n])
            n++;
        FUZZ_ASSERT(*(unsigned *)s < (1u << n));
        break;
    }
    case FIELD_JSON:
        FUZZ_ASSERT(*(const json_t **)s == v);
        break;
    }
}

static void read_table(const reader_t *r, field_door_t door, const json_t *body)
{
    const field_table_t *t = r->table;
    FUZZ_ASSERT(t->mask_offset + sizeof(unsigned) <= r->size);
    for (size_t i = 0; i < t->count; i++)
        FUZZ_ASSERT(t->fields[i].offset + slot_size(t->fields[i].kind) <= r->size);

    void *req = xcalloc(1, r->size);
    char detail[256] = "";
    err_t err = fields_read(t, door, body, req, detail, sizeof detail);
    if (err != ERR_OK) {
        FUZZ_ASSERT(detail[0] != '\0');
        check_nothing_owned(t, req);
        xfree(req);
        return;
    }
    unsigned mask = mask_of(t, req);
    for (size_t i = 0; i < t->count; i++) {
        const field_t *f = &t->fields[i];
        bool spelled = spellings(f, door)[0] != NULL;
        const json_t *v = spelled ? lookup(f, door, body) : NULL;
        bool set = (mask & f->bit) != 0;
        if (!bit_unique(t, i))
            continue;
        if (!spelled || v == NULL) {
            FUZZ_ASSERT(!set);
            FUZZ_ASSERT(!(spelled && (f->need & (1u << door))));
        } else {
            FUZZ_ASSERT(set);
            check_field(f, v, req);
        }
    }
    fields_release(t, req);
    check_nothing_owned(t, req);
    xfree(req);
}

static void read_new_group(field_door_t door, const json_t *body, bool with_members)
{
    gop_new_t g;
    memset(&g, 0, sizeof g);
    char detail[256] = "";
    err_t err = gop_read_new(body, door, with_members, &g, detail, sizeof detail);
    if (err != ERR_OK) {
        FUZZ_ASSERT(detail[0] != '\0');
        FUZZ_ASSERT(g.members == NULL && g.n_members == 0);
        check_nothing_owned(&gop_profile_fields, &g.profile);
        return;
    }
    const json_t *list =
        with_members ? json_object_get(body, door == FIELD_REST ? "MemberList" : "memberList")
                     : NULL;
    FUZZ_ASSERT(g.n_members == json_array_size(list));
    for (size_t i = 0; i < g.n_members; i++)
        FUZZ_ASSERT(g.members[i].user != NULL &&
                    valid_user_id(g.members[i].user, strlen(g.members[i].user)));
    gop_new_release(&g);
    FUZZ_ASSERT(g.members == NULL && g.n_members == 0);
    check_nothing_owned(&gop_profile_fields, &g.profile);
}

static void read_sns_items(const json_t *body)
{
    const json_t *items = json_is_object(body) ? json_object_get(body, "SnsItem") : body;
    friend_item_t item;
    memset(&item, 0, sizeof item);
    char detail[256] = "";
    err_t err = friend_read_sns_items(items, &item, detail, sizeof detail);
    if (err != ERR_OK) {
        FUZZ_ASSERT(detail[0] != '\0' && item.custom == NULL);
        return;
    }
    FUZZ_ASSERT(json_is_array(items) && json_array_size(items) > 0);
    FUZZ_ASSERT(item.custom == NULL || json_is_object(item.custom));
    json_decref(item.custom);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    field_door_t door = (data[0] & 1) ? FIELD_SDK : FIELD_REST;
    size_t reader = (size_t)(data[0] >> 1) % N_READERS;
    json_t *body = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    if (body == NULL)
        return 0;
    if (reader < N_TABLES)
        read_table(&TABLES[reader], door, body);
    else if (reader == N_TABLES)
        read_new_group(door, body, true);
    else if (reader == N_TABLES + 1)
        read_new_group(door, body, false);
    else
        read_sns_items(body);
    json_decref(body);
    return 0;
}
