#include "api/message/body.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"

/* Long enough for MsgBody[n].MsgContent.MsgList[n].MsgBody; a longer path is only truncated. */
#define PATH_LEN 160

typedef enum {
    KIND_STR, /* a JSON string */
    KIND_INT, /* a JSON integer; within [min, max] when max > min */
    KIND_NUM, /* any JSON number: Tencent sends coordinates as reals or integers */
    KIND_OBJ, /* an object, checked against sub when sub is set */
    KIND_ARR, /* an array whose items are of kind item (and sub) */
} kind_t;

typedef struct field {
    const char *name; /* NULL ends a table */
    kind_t kind;
    bool required;
    long long min, max;
    kind_t item;
    const struct field *sub;
} field_t;

typedef struct {
    const char *type;          /* MsgType */
    const field_t *fields;     /* MsgContent */
    const char *const *any_of; /* at least one of these must be present (NULL: no rule) */
    bool unique;               /* at most one per message */
} elem_t;

typedef struct {
    char *buf;
    size_t len;
} out_t;

/* Table rows read {name, kind, REQ or OPT, extras}; REQ/OPT are designators so rows may omit
 * the fields they do not use. */
#define REQ .required = true
#define OPT .required = false

/* ---- MsgContent of each element type (Tencent "Message formats", §4.1) ---- */

static const field_t text_fields[] = {{"Text", KIND_STR, REQ}, {0}};

static const field_t location_fields[] = {
    {"Desc", KIND_STR, REQ},
    {"Latitude", KIND_NUM, REQ},
    {"Longitude", KIND_NUM, REQ},
    {0},
};

static const field_t face_fields[] = {{"Index", KIND_INT, REQ}, {"Data", KIND_STR, OPT}, {0}};

static const field_t custom_fields[] = {
    {"Data", KIND_STR, OPT},
    {"Desc", KIND_STR, OPT},
    {"Ext", KIND_STR, OPT},
    {"Sound", KIND_STR, OPT},
    {0},
};
static const char *const custom_any[] = {"Data", "Desc", "Ext", "Sound", NULL};

/* 2.x/3.x SDKs send only UUID, Size and Second. */
static const field_t sound_fields[] = {
    {"Url", KIND_STR, OPT},    {"UUID", KIND_STR, REQ},          {"Size", KIND_INT, REQ},
    {"Second", KIND_INT, REQ}, {"Download_Flag", KIND_INT, OPT}, {0},
};

static const field_t image_info_fields[] = {
    {"Type", KIND_INT, REQ, .min = 1, .max = 3}, /* 1 original, 2 large, 3 thumbnail */
    {"Size", KIND_INT, REQ},
    {"Width", KIND_INT, REQ},
    {"Height", KIND_INT, REQ},
    {"URL", KIND_STR, REQ},
    {0},
};

static const field_t image_fields[] = {
    {"UUID", KIND_STR, REQ},
    {"ImageFormat", KIND_INT, REQ},
    {"ImageInfoArray", KIND_ARR, REQ, .item = KIND_OBJ, .sub = image_info_fields},
    {0},
};

static const field_t file_fields[] = {
    {"Url", KIND_STR, OPT},      {"UUID", KIND_STR, REQ},          {"FileSize", KIND_INT, REQ},
    {"FileName", KIND_STR, REQ}, {"Download_Flag", KIND_INT, OPT}, {0},
};

static const field_t video_fields[] = {
    {"VideoUrl", KIND_STR, OPT},          {"VideoUUID", KIND_STR, REQ},
    {"VideoSize", KIND_INT, REQ},         {"VideoSecond", KIND_INT, REQ},
    {"VideoFormat", KIND_STR, REQ},       {"VideoDownloadFlag", KIND_INT, OPT},
    {"ThumbUrl", KIND_STR, OPT},          {"ThumbUUID", KIND_STR, REQ},
    {"ThumbSize", KIND_INT, REQ},         {"ThumbWidth", KIND_INT, REQ},
    {"ThumbHeight", KIND_INT, REQ},       {"ThumbFormat", KIND_STR, REQ},
    {"ThumbDownloadFlag", KIND_INT, OPT}, {0},
};

/* A forwarded message inside TIMRelayElem. Its MsgBody came from an SDK that already sent it,
 * so only its shape is checked here, not its elements. */
static const field_t relay_msg_fields[] = {
    {"From_Account", KIND_STR, OPT},
    {"To_Account", KIND_STR, OPT},
    {"GroupId", KIND_STR, OPT},
    {"MsgSeq", KIND_INT, OPT},
    {"MsgRandom", KIND_INT, OPT},
    {"MsgTimeStamp", KIND_INT, OPT},
    {"MsgBody", KIND_ARR, OPT, .item = KIND_OBJ},
    {"CloudCustomData", KIND_STR, OPT},
    {0},
};

/* MsgList carries the messages when they fit in 12 KB, JsonMsgKey points to them otherwise. */
static const field_t relay_fields[] = {
    {"Title", KIND_STR, REQ},
    {"MsgNum", KIND_INT, REQ},
    {"CompatibleText", KIND_STR, OPT},
    {"AbstractList", KIND_ARR, OPT, .item = KIND_STR},
    {"MsgList", KIND_ARR, OPT, .item = KIND_OBJ, .sub = relay_msg_fields},
    {"JsonMsgKey", KIND_STR, OPT},
    {0},
};
static const char *const relay_any[] = {"MsgList", "JsonMsgKey", NULL};

static const elem_t elems[] = {
    {"TIMTextElem", text_fields, NULL, false},
    {"TIMLocationElem", location_fields, NULL, false},
    {"TIMFaceElem", face_fields, NULL, false},
    {"TIMCustomElem", custom_fields, custom_any, true},
    {"TIMSoundElem", sound_fields, NULL, false},
    {"TIMImageElem", image_fields, NULL, false},
    {"TIMFileElem", file_fields, NULL, false},
    {"TIMVideoFileElem", video_fields, NULL, false},
    {"TIMRelayElem", relay_fields, relay_any, false},
};
#define N_ELEMS (sizeof elems / sizeof elems[0])

/* ---- OfflinePushInfo (§4.4, with the extra Android/APNs keys of current server SDKs) ---- */

static const field_t android_fields[] = {
    {"Sound", KIND_STR, OPT},
    {"PushStyle", KIND_INT, OPT},
    {"HuaWeiChannelID", KIND_STR, OPT},
    {"XiaoMiChannelID", KIND_STR, OPT},
    {"OPPOChannelID", KIND_STR, OPT},
    {"GoogleChannelID", KIND_STR, OPT},
    {"VIVOClassification", KIND_INT, OPT},
    {"VIVOCategory", KIND_STR, OPT},
    {"HuaWeiImportance", KIND_STR, OPT},
    {"ExtAsHuaweiIntentParam", KIND_INT, OPT},
    {"HuaWeiCategory", KIND_STR, OPT},
    {"HuaWeiImage", KIND_STR, OPT},
    {"HonorImage", KIND_STR, OPT},
    {"HonorImportance", KIND_STR, OPT},
    {"GoogleImage", KIND_STR, OPT},
    {0},
};

static const field_t apns_fields[] = {
    {"Sound", KIND_STR, OPT},
    {"BadgeMode", KIND_INT, OPT},
    {"Title", KIND_STR, OPT},
    {"SubTitle", KIND_STR, OPT},
    {"Image", KIND_STR, OPT},
    {"MutableContent", KIND_INT, OPT},
    {"InterruptionLevel", KIND_STR, OPT},
    {"ContentAvailable", KIND_INT, OPT},
    {0},
};

static const field_t push_fields[] = {
    {"PushFlag", KIND_INT, OPT, .min = 0, .max = 1},
    {"Title", KIND_STR, OPT},
    {"Desc", KIND_STR, OPT},
    {"Ext", KIND_STR, OPT},
    {"AndroidInfo", KIND_OBJ, OPT, .sub = android_fields},
    {"ApnsInfo", KIND_OBJ, OPT, .sub = apns_fields},
    {0},
};

static const field_t push_root = {"OfflinePushInfo", KIND_OBJ, OPT, .sub = push_fields};

/* ---- the checker ---- */

static const char *const kind_text[] = {
    [KIND_STR] = "a string",  [KIND_INT] = "an integer", [KIND_NUM] = "a number",
    [KIND_OBJ] = "an object", [KIND_ARR] = "an array",
};

__attribute__((format(printf, 2, 3))) static bool fail(out_t *out, const char *fmt, ...)
{
    if (out->buf == NULL || out->len == 0)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->buf, out->len, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_kind(const json_t *v, kind_t kind)
{
    switch (kind) {
    case KIND_STR:
        return json_is_string(v);
    case KIND_INT:
        return json_is_integer(v);
    case KIND_NUM:
        return json_is_number(v);
    case KIND_OBJ:
        return json_is_object(v);
    case KIND_ARR:
        return json_is_array(v);
    }
    return false;
}

static bool check_fields(const json_t *obj, const field_t *fields, const char *path, out_t *out);

static bool check_items(const json_t *arr, const field_t *f, const char *path, out_t *out);

/* v, found at path, against f read as kind (f->kind, or f->item for an array's items). */
static bool check_value(const json_t *v, const field_t *f, kind_t kind, const char *path,
                        out_t *out)
{
    if (!is_kind(v, kind))
        return fail(out, "%s must be %s", path, kind_text[kind]);
    if (kind == KIND_INT && f->max > f->min) {
        json_int_t n = json_integer_value(v);
        if (n < f->min || n > f->max)
            return fail(out, "%s must be between %lld and %lld", path, f->min, f->max);
    }
    if (kind == KIND_OBJ && f->sub != NULL)
        return check_fields(v, f->sub, path, out);
    if (kind == KIND_ARR)
        return check_items(v, f, path, out);
    return true;
}

static bool check_items(const json_t *arr, const field_t *f, const char *path, out_t *out)
{
    size_t i;
    const json_t *item;
    json_array_foreach(arr, i, item)
    {
        char here[PATH_LEN];
        snprintf(here, sizeof here, "%s[%zu]", path, i);
        if (!check_value(item, f, f->item, here, out))
            return false;
    }
    return true;
}

static bool check_fields(const json_t *obj, const field_t *fields, const char *path, out_t *out)
{
    for (const field_t *f = fields; f->name != NULL; f++) {
        const json_t *v = json_object_get(obj, f->name);
        if (v == NULL) {
            if (f->required)
                return fail(out, "%s.%s is required", path, f->name);
            continue;
        }
        char here[PATH_LEN];
        snprintf(here, sizeof here, "%s.%s", path, f->name);
        if (!check_value(v, f, f->kind, here, out))
            return false;
    }
    return true;
}

static bool has_any(const json_t *obj, const char *const *names)
{
    for (; *names != NULL; names++)
        if (json_object_get(obj, *names) != NULL)
            return true;
    return false;
}

static bool need_any(const json_t *obj, const char *const *names, const char *path, out_t *out)
{
    if (names == NULL || has_any(obj, names))
        return true;
    char list[PATH_LEN] = "";
    size_t used = 0;
    for (size_t i = 0; names[i] != NULL && used < sizeof list; i++)
        used +=
            (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? " or " : "", names[i]);
    return fail(out, "%s needs %s", path, list);
}

/* By length too: "TIMTextElem\u0000x" must not pass for TIMTextElem. */
static const elem_t *elem_find(const json_t *type)
{
    const char *s = json_string_value(type);
    size_t len = json_string_length(type);
    for (size_t i = 0; i < N_ELEMS; i++)
        if (strlen(elems[i].type) == len && memcmp(elems[i].type, s, len) == 0)
            return &elems[i];
    return NULL;
}

/* Element i of MsgBody; seen counts each type so far, for the one-per-message rule. */
static bool check_element(const json_t *el, size_t i, size_t *seen, out_t *out)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "MsgBody[%zu]", i);
    if (!json_is_object(el))
        return fail(out, "%s must be an object", path);
    const json_t *type = json_object_get(el, "MsgType");
    if (!json_is_string(type))
        return fail(out, "%s.MsgType must be a string", path);
    const elem_t *spec = elem_find(type);
    if (spec == NULL)
        return fail(out, "%s.MsgType \"%s\" is not a known element type", path,
                    json_string_value(type));
    if (spec->unique && seen[spec - elems]++ > 0)
        return fail(out, "%s is a second %s; a message may carry only one", path, spec->type);
    const field_t content[] = {{"MsgContent", KIND_OBJ, REQ, .sub = spec->fields}, {0}};
    if (!check_fields(el, content, path, out))
        return false;
    strncat(path, ".MsgContent", sizeof path - strlen(path) - 1);
    return need_any(json_object_get(el, "MsgContent"), spec->any_of, path, out);
}

static int count_bytes(const char *buf, size_t size, void *data)
{
    (void)buf;
    *(size_t *)data += size;
    return 0;
}

size_t msgbody_size(const json_t *v)
{
    size_t n = 0;
    if (json_dump_callback(v, count_bytes, &n, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
        return SIZE_MAX;
    return n;
}

static out_t out_init(char *detail, size_t detail_len)
{
    if (detail != NULL && detail_len > 0)
        detail[0] = '\0';
    return (out_t){detail, detail_len};
}

/* ---- merged messages ---- */

static bool is_relay(const json_t *el)
{
    const json_t *type = json_object_get(el, "MsgType");
    return json_is_string(type) && strcmp(json_string_value(type), "TIMRelayElem") == 0;
}

/* The MsgList of element el when it is a TIMRelayElem that has one, else NULL. */
static const json_t *relay_list(const json_t *el)
{
    if (!is_relay(el))
        return NULL;
    return json_object_get(json_object_get(el, "MsgContent"), "MsgList");
}

/* The limits of a merged message's MsgList, for element i. */
static err_t check_relay_list(const json_t *el, size_t i, out_t *out)
{
    const json_t *list = relay_list(el);
    if (list == NULL)
        return ERR_OK;
    if (json_array_size(list) > MSGBODY_MERGER_MAX_MSGS) {
        fail(out, "MsgBody[%zu].MsgContent.MsgList has %zu messages; at most %d are allowed", i,
             json_array_size(list), MSGBODY_MERGER_MAX_MSGS);
        return ERR_MSGBODY_FORMAT;
    }
    size_t n = msgbody_size(list);
    if (n > MSGBODY_MERGER_MAX_BYTES) {
        fail(out, "MsgBody[%zu].MsgContent.MsgList is %zu bytes; at most %d are allowed", i, n,
             MSGBODY_MERGER_MAX_BYTES);
        return ERR_MSG_TOO_LONG;
    }
    return ERR_OK;
}

static void merger_key(char key[MSGBODY_MERGER_KEY_LEN + 1], bool real)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16] = {0};
    if (real)
        rand_bytes(raw, sizeof raw);
    memcpy(key, "mrg_", 4);
    for (size_t i = 0; i < sizeof raw; i++) {
        key[4 + 2 * i] = hex[raw[i] >> 4];
        key[5 + 2 * i] = hex[raw[i] & 15];
    }
    key[MSGBODY_MERGER_KEY_LEN] = '\0';
}

/* Moves element content c's list out (or, list NULL, names the list its key names) under a
 * fresh key, recorded in *lists. */
static void move_list(json_t *c, const json_t *list, bool real_keys, json_t **lists)
{
    char key[MSGBODY_MERGER_KEY_LEN + 1];
    merger_key(key, real_keys);
    json_t *item;
    if (list) {
        char *text = json_dumps(list, JSON_COMPACT);
        item = json_pack("{s:s, s:s}", "key", key, "list", text ? text : "[]");
        free(text);
        json_object_del(c, "MsgList");
    } else {
        item = json_pack("{s:s, s:O}", "key", key, "from", json_object_get(c, "JsonMsgKey"));
    }
    json_object_set_new(c, "JsonMsgKey", json_string(key));
    if (*lists == NULL)
        *lists = json_array();
    json_array_append_new(*lists, item);
}

json_t *msgbody_stored_form(const json_t *body, bool real_keys, json_t **lists)
{
    *lists = NULL;
    bool oversize = msgbody_size(body) > MSGBODY_MAX_BYTES;
    json_t *form = json_deep_copy(body);
    size_t i;
    json_t *el;
    json_array_foreach(form, i, el)
    {
        if (!is_relay(el))
            continue;
        json_t *c = json_object_get(el, "MsgContent");
        const json_t *list = json_object_get(c, "MsgList");
        if (list ? oversize : json_is_string(json_object_get(c, "JsonMsgKey")))
            move_list(c, list, real_keys, lists);
    }
    return form;
}

size_t msgbody_stored_size(const json_t *body)
{
    bool relay = false;
    size_t i;
    const json_t *el;
    json_array_foreach(body, i, el) relay = relay || is_relay(el);
    if (!relay)
        return msgbody_size(body);
    json_t *lists;
    json_t *form = msgbody_stored_form(body, false, &lists);
    size_t n = msgbody_size(form);
    json_decref(form);
    json_decref(lists);
    return n;
}

void msgbody_to_stored(char **text, char **lists_text)
{
    *lists_text = NULL;
    if (strstr(*text, "\"TIMRelayElem\"") == NULL)
        return;
    json_t *body = json_loads(*text, 0, NULL);
    if (body == NULL)
        return;
    json_t *lists;
    json_t *form = msgbody_stored_form(body, true, &lists);
    if (lists) {
        free(*text);
        *text = json_dumps(form, JSON_COMPACT);
        *lists_text = json_dumps(lists, JSON_COMPACT);
    }
    json_decref(lists);
    json_decref(form);
    json_decref(body);
}

err_t msgbody_validate(const json_t *body, char *detail, size_t detail_len)
{
    out_t out = out_init(detail, detail_len);
    if (!json_is_array(body) || json_array_size(body) == 0) {
        fail(&out, "MsgBody must be a non-empty array");
        return ERR_MSGBODY_FORMAT;
    }
    size_t seen[N_ELEMS] = {0};
    size_t i;
    const json_t *el;
    json_array_foreach(body, i, el)
    {
        if (!check_element(el, i, seen, &out))
            return ERR_MSGBODY_FORMAT;
    }
    json_array_foreach(body, i, el)
    {
        err_t err = check_relay_list(el, i, &out);
        if (err != ERR_OK)
            return err;
    }
    size_t n = msgbody_stored_size(body);
    if (n > MSGBODY_MAX_BYTES) {
        fail(&out, "MsgBody is %zu bytes; at most %d are allowed", n, MSGBODY_MAX_BYTES);
        return ERR_MSG_TOO_LONG;
    }
    return ERR_OK;
}

err_t msgbody_validate_cloud_custom_data(const json_t *ccd, size_t body_len, char *detail,
                                         size_t detail_len)
{
    out_t out = out_init(detail, detail_len);
    if (ccd == NULL)
        return ERR_OK;
    if (!json_is_string(ccd)) {
        fail(&out, "CloudCustomData must be a string");
        return ERR_BAD_PARAM;
    }
    size_t n = json_string_length(ccd);
    if (body_len > MSGBODY_MAX_BYTES || n > MSGBODY_MAX_BYTES - body_len) {
        fail(&out, "MsgBody and CloudCustomData are %zu bytes; at most %d are allowed",
             body_len > SIZE_MAX - n ? SIZE_MAX : body_len + n, MSGBODY_MAX_BYTES);
        return ERR_MSG_TOO_LONG;
    }
    return ERR_OK;
}

err_t msgbody_validate_offline_push(const json_t *info, char *detail, size_t detail_len)
{
    out_t out = out_init(detail, detail_len);
    if (info == NULL)
        return ERR_OK;
    if (!check_value(info, &push_root, KIND_OBJ, push_root.name, &out))
        return ERR_OFFLINE_PUSH;
    /* What a notification carries must fit an APNs payload (4 KB) with room for the rest. */
    size_t text = strlen(json_string_value(json_object_get(info, "Desc")) ?: "") +
                  strlen(json_string_value(json_object_get(info, "Ext")) ?: "");
    if (text > MSGBODY_PUSH_TEXT_MAX) {
        fail(&out, "OfflinePushInfo: Desc and Ext together exceed %d bytes", MSGBODY_PUSH_TEXT_MAX);
        return ERR_OFFLINE_PUSH;
    }
    return ERR_OK;
}
