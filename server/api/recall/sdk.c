/* The WebSocket door of recall (recall/recall.h): revokeMessage, modifyMessage. */
#include <stdlib.h>

#include "api/recall/recall.h"
#include "api/valid.h"

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
