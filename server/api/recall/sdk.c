/* The WebSocket door of recall (recall/recall.h): revokeMessage, modifyMessage, deleteMessages. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/recall/recall.h"
#include "api/valid.h"
#include "core/xalloc.h"

static const char *str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

void api_ws_revoke_message(api_call_t *call)
{
    const char *msg_id = str(call->body, "msgID"), *reason;
    valid_t v = valid_get_text(call->body, "reason", RECALL_REASON_MAX, &reason);
    if (msg_id == NULL || (v != VALID_OK && v != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM, "msgID (string) is required; reason at most %d bytes",
                 RECALL_REASON_MAX);
        return;
    }
    recall_by_id(call, msg_id);
}

void api_ws_modify_message(api_call_t *call)
{
    const char *msg_id = str(call->body, "msgID");
    store_modify_t check = {0};
    if (msg_id == NULL) {
        api_fail(call, ERR_BAD_PARAM, "msgID is required: a string");
        return;
    }
    /* Validate before the round trip; read again (cheaply) once the message is known. */
    if (!recall_read_changes(call, "msgBody", "cloudCustomData", &check))
        return;
    free((char *)check.body);
    recall_modify_own(call, msg_id);
}

/* ---- deleteMessages ---- */

static void on_deleted(api_call_t *call, const store_recall_res_t *res)
{
    if (res->done) {
        api_finish(call, NULL);
        return;
    }
    for (size_t i = 0; i < res->n_items; i++) {
        store_recall_item_t item;
        store_recall_item(res, i, &item);
        if (item.status == NULL || strcmp(item.status, "ok") != 0) {
            const char *id =
                json_string_value(json_array_get(json_object_get(call->body, "msgIDList"), i));
            api_fail(call, ERR_MSG_NOT_FOUND, "no message of yours to delete: %s", id ? id : "");
            return;
        }
    }
    api_fail(call, ERR_MSG_NOT_FOUND, NULL);
}

void api_ws_delete_messages(api_call_t *call)
{
    api_ids_t spec = {"msgIDList",   HIDE_IDS_MAX,  NULL,    false,
                      ERR_BAD_PARAM, ERR_BAD_PARAM, "msgIDs"};
    size_t n;
    const char **ids = api_read_ids(call, &spec, &n);
    if (ids == NULL)
        return;
    store_hide_t h = {
        .user = call->identifier, .msg_ids = ids, .n = n, .all = true, .now = (int64_t)time(NULL)};
    recall_hide(call, &h, on_deleted);
    xfree(ids);
}
