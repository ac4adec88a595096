/* The request fields of a message (api/fields.h): sendmsg, batchsendmsg and importmsg on REST,
 * sendMessage on WebSocket. Tencent gives several REST fields codes of their own. */
#include <stddef.h>
#include <stdint.h>

#include "api/fields.h"
#include "api/message/body.h"
#include "api/message/message.h"

static const char *const send_controls[] = {"NoUnread", "NoLastMsg", "WithMuteNotifications", NULL};
static const char *const callback_controls[] = {"ForbidBeforeSendMsgCallback",
                                                "ForbidAfterSendMsgCallback", NULL};

/* clang-format off */
#define F(m) .offset = offsetof(msg_fields_t, m)
#define RANDOM {.rest = {"MsgRandom"}, .sdk = {"random"}, .kind = FIELD_INT, F(random), .bit = MSG_F_RANDOM, .need = FIELD_NEED_REST, .max = UINT32_MAX, .rest_err = ERR_OPENIM_MSG_RANDOM}
#define SEQ {.rest = {"MsgSeq"}, .kind = FIELD_INT, F(seq), .bit = MSG_F_SEQ, .max = UINT32_MAX}
#define BODY {.rest = {"MsgBody"}, .sdk = {"msgBody"}, .kind = FIELD_JSON, F(body), .bit = MSG_F_BODY, .need = FIELD_NEED, .check = msgbody_validate}
#define CCD {.rest = {"CloudCustomData"}, .sdk = {"cloudCustomData"}, .kind = FIELD_JSON, F(ccd), .bit = MSG_F_CCD}
#define PUSH {.rest = {"OfflinePushInfo"}, .sdk = {"offlinePushInfo"}, .kind = FIELD_JSON, F(push), .bit = MSG_F_PUSH, .check = msgbody_validate_offline_push, .sdk_err = ERR_BAD_PARAM}

static const field_t send[] = {
    RANDOM,
    SEQ,
    /* A live send may name its own time (0: now). */
    {.rest = {"MsgTimeStamp"}, .kind = FIELD_INT, F(time), .bit = MSG_F_TIME, .max = UINT32_MAX, .rest_err = ERR_OPENIM_MSG_TIME},
    BODY,
    CCD,
    PUSH,
    {.rest = {"SyncOtherMachine"}, .kind = FIELD_INT, F(sync), .bit = MSG_F_SYNC, .min = 1, .max = 2, .rest_err = ERR_OPENIM_SYNC_OTHER},
    {.rest = {"MsgLifeTime"}, .kind = FIELD_INT, F(lifetime), .bit = MSG_F_LIFETIME, .max = MSG_LIFETIME_MAX,
     .rest_err = ERR_OPENIM_LIFETIME, .rest_type_err = ERR_OPENIM_LIFETIME_TYPE},
    {.rest = {"OnlineOnlyFlag"}, .sdk = {"onlineUserOnly"}, .kind = FIELD_FLAG, F(online_only), .bit = MSG_F_ONLINE},
    {.rest = {"IsNeedReadReceipt"}, .sdk = {"needReadReceipt"}, .kind = FIELD_FLAG, F(need_read_receipt), .bit = MSG_F_RECEIPT},
    {.rest = {"SupportMessageExtension"}, .sdk = {"supportMessageExtension", "isSupportExtension"}, .kind = FIELD_FLAG, F(extension), .bit = MSG_F_EXTENSION},
    {.rest = {"SendMsgControl"}, .kind = FIELD_SET, F(control), .bit = MSG_F_CONTROL, .values = send_controls},
    {.rest = {"ForbidCallbackControl"}, .kind = FIELD_SET, F(forbid), .bit = MSG_F_FORBID, .values = callback_controls},
    {.sdk = {"disableCloudMessagePreHook"}, .kind = FIELD_FLAG, F(no_before_hook), .bit = MSG_F_NO_BEFORE},
    {.sdk = {"disableCloudMessagePostHook"}, .kind = FIELD_FLAG, F(no_after_hook), .bit = MSG_F_NO_AFTER},
};

static const field_t import[] = {
    RANDOM,
    SEQ,
    /* Imported messages keep their original time. */
    {.rest = {"MsgTimeStamp"}, .kind = FIELD_INT, F(time), .bit = MSG_F_TIME, .need = FIELD_NEED_REST, .min = 1, .max = UINT32_MAX,
     .rest_err = ERR_OPENIM_MSG_TIME},
    BODY,
    CCD,
    PUSH,
};
#undef F
/* clang-format on */

const field_table_t msg_send_fields = {send, sizeof send / sizeof send[0],
                                       offsetof(msg_fields_t, given), ERR_BAD_PARAM};
const field_table_t msg_import_fields = {import, sizeof import / sizeof import[0],
                                         offsetof(msg_fields_t, given), ERR_BAD_PARAM};
