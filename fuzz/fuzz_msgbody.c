/*
 * fuzz_msgbody — the message body rules (api/message/body.h) over arbitrary JSON.
 *
 * The input is parsed with json_loadb(JSON_DECODE_ANY). An object is read as a send request
 * (its MsgBody, CloudCustomData and OfflinePushInfo members); any other value is handed to all
 * three checks itself. Asserted: each check answers only its documented codes, with a detail
 * text exactly when it refuses, and the same code with no detail buffer or a one-byte one;
 * CloudCustomData and OfflinePushInfo answers match a model of their rules (sizes, types,
 * PushFlag). For a valid MsgBody: msgbody_stored_size() is at most MSGBODY_MAX_BYTES and equals
 * the size of msgbody_stored_form() with placeholder and with real keys; every moved list has a
 * fresh "mrg_" key of MSGBODY_MERGER_KEY_LEN and a JSON array text (or the key it came from); the
 * stored form is itself a valid MsgBody; msgbody_to_stored() over the compact text moves exactly
 * when msgbody_stored_form() does and leaves a text of the stored size. Everything is freed.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "api/message/body.h"
#include "fuzz.h"

static void check_detail(err_t err, const char *detail)
{
    FUZZ_ASSERT(memchr(detail, '\0', 512) != NULL);
    if (err == ERR_OK)
        FUZZ_ASSERT(detail[0] == '\0');
    else
        FUZZ_ASSERT(detail[0] != '\0');
}

/* A moved list: {"key": "mrg_<32 hex>", "list": "<array text>"} or {"key", "from"}. */
static void check_lists(const json_t *lists)
{
    size_t i;
    const json_t *item;
    FUZZ_ASSERT(json_is_array(lists) && json_array_size(lists) > 0);
    json_array_foreach(lists, i, item)
    {
        const char *key = json_string_value(json_object_get(item, "key"));
        FUZZ_ASSERT(key != NULL && strlen(key) == MSGBODY_MERGER_KEY_LEN);
        FUZZ_ASSERT(strncmp(key, "mrg_", 4) == 0);
        const json_t *list = json_object_get(item, "list");
        if (list != NULL) {
            FUZZ_ASSERT(json_is_string(list));
            json_t *parsed = json_loads(json_string_value(list), 0, NULL);
            FUZZ_ASSERT(json_is_array(parsed));
            json_decref(parsed);
        } else {
            FUZZ_ASSERT(json_is_string(json_object_get(item, "from")));
        }
    }
}

static void check_valid_body(const json_t *body)
{
    FUZZ_ASSERT(json_is_array(body) && json_array_size(body) > 0);
    size_t stored = msgbody_stored_size(body);
    FUZZ_ASSERT(stored <= MSGBODY_MAX_BYTES);

    json_t *lists = NULL, *real_lists = NULL;
    json_t *form = msgbody_stored_form(body, false, &lists);
    json_t *real = msgbody_stored_form(body, true, &real_lists);
    FUZZ_ASSERT(form != NULL && real != NULL);
    FUZZ_ASSERT(msgbody_size(form) == stored);
    FUZZ_ASSERT(msgbody_size(real) == stored);
    FUZZ_ASSERT((lists == NULL) == (real_lists == NULL));
    if (lists != NULL) {
        check_lists(lists);
        check_lists(real_lists);
        FUZZ_ASSERT(json_array_size(lists) == json_array_size(real_lists));
    }
    char detail[512];
    err_t again = msgbody_validate(real, detail, sizeof detail);
    if (again != ERR_OK)
        fprintf(stderr, "stored form refused: %s\n", detail);
    FUZZ_ASSERT(again == ERR_OK);

    char *text = json_dumps(body, JSON_COMPACT);
    FUZZ_ASSERT(text != NULL);
    char *original = strdup(text);
    char *lists_text = NULL;
    msgbody_to_stored(&text, &lists_text);
    FUZZ_ASSERT((lists_text != NULL) == (lists != NULL));
    FUZZ_ASSERT(text != NULL && strlen(text) == stored);
    if (lists_text != NULL) {
        json_t *moved = json_loads(lists_text, 0, NULL);
        check_lists(moved);
        FUZZ_ASSERT(json_array_size(moved) == json_array_size(lists));
        json_decref(moved);
    } else {
        FUZZ_ASSERT(strcmp(text, original) == 0);
    }
    free(original);
    free(text);
    free(lists_text);
    json_decref(lists);
    json_decref(real_lists);
    json_decref(form);
    json_decref(real);
}

static void check_body(const json_t *body)
{
    char detail[512], tiny[1];
    err_t err = msgbody_validate(body, detail, sizeof detail);
    FUZZ_ASSERT(err == ERR_OK || err == ERR_MSGBODY_FORMAT || err == ERR_MSG_TOO_LONG);
    check_detail(err, detail);
    FUZZ_ASSERT(msgbody_validate(body, NULL, 0) == err);
    FUZZ_ASSERT(msgbody_validate(body, tiny, sizeof tiny) == err && tiny[0] == '\0');
    if (err == ERR_OK)
        check_valid_body(body);
}

static void check_ccd(const json_t *ccd, const json_t *body)
{
    size_t body_len = body ? msgbody_size(body) : 0;
    char detail[512];
    err_t err = msgbody_validate_cloud_custom_data(ccd, body_len, detail, sizeof detail);
    check_detail(err, detail);
    err_t want;
    if (ccd == NULL)
        want = ERR_OK;
    else if (!json_is_string(ccd))
        want = ERR_BAD_PARAM;
    else if (body_len != SIZE_MAX && body_len + json_string_length(ccd) <= MSGBODY_MAX_BYTES)
        want = ERR_OK;
    else
        want = ERR_MSG_TOO_LONG;
    FUZZ_ASSERT(err == want);
    /* msgbody_size()'s "cannot serialize" must not wrap around. */
    err = msgbody_validate_cloud_custom_data(ccd, SIZE_MAX, detail, sizeof detail);
    FUZZ_ASSERT(err == (ccd == NULL           ? ERR_OK
                        : json_is_string(ccd) ? ERR_MSG_TOO_LONG
                                              : ERR_BAD_PARAM));
}

static void check_push(const json_t *push)
{
    char detail[512];
    err_t err = msgbody_validate_offline_push(push, detail, sizeof detail);
    FUZZ_ASSERT(err == ERR_OK || err == ERR_OFFLINE_PUSH);
    check_detail(err, detail);
    FUZZ_ASSERT(msgbody_validate_offline_push(push, NULL, 0) == err);
    if (push == NULL)
        FUZZ_ASSERT(err == ERR_OK);
    else if (!json_is_object(push))
        FUZZ_ASSERT(err == ERR_OFFLINE_PUSH);
    const json_t *flag = json_object_get(push, "PushFlag");
    if (flag != NULL && !(json_is_integer(flag) &&
                          (json_integer_value(flag) == 0 || json_integer_value(flag) == 1)))
        FUZZ_ASSERT(err == ERR_OFFLINE_PUSH);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (root == NULL)
        return 0;
    bool request = json_is_object(root);
    const json_t *body = request ? json_object_get(root, "MsgBody") : root;
    const json_t *ccd = request ? json_object_get(root, "CloudCustomData") : root;
    const json_t *push = request ? json_object_get(root, "OfflinePushInfo") : root;
    check_body(body);
    check_ccd(ccd, body);
    check_push(push);
    json_decref(root);
    return 0;
}
