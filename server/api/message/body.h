/*
 * msgbody — what a well-formed Tencent message is (pure; unit-tested).
 *
 * Every door that accepts a message (REST sendmsg, batchsendmsg, importmsg, send_group_msg,
 * WebSocket sendMessage) calls these before storing or routing anything, so one table decides.
 *
 * MsgBody is a non-empty array of {"MsgType", "MsgContent"} elements. MsgType is one of the nine
 * REST element types; MsgContent is an object whose known fields have Tencent's JSON types and
 * whose required fields are present. Unknown extra fields are accepted (and kept by the caller):
 * SDKs add fields over the years. At most one TIMCustomElem per message. The whole message is at
 * most MSGBODY_MAX_BYTES, counted as the compact JSON serialization of MsgBody (UTF-8 bytes, not
 * characters) plus the bytes of CloudCustomData.
 *
 * All pointers are borrowed; nothing is modified or retained. On failure, when detail is non-NULL
 * and detail_len > 0, a NUL-terminated text naming the offending path is written there
 * ("MsgBody[1].MsgContent.Text must be a string"), truncated to detail_len; on success detail
 * is set to "".
 */
#ifndef CHATD_API_MSGBODY_H
#define CHATD_API_MSGBODY_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

#ifndef MUSTCHECK
#define MUSTCHECK __attribute__((warn_unused_result))
#endif

/* Tencent's limit on one message: MsgBody plus CloudCustomData. */
#define MSGBODY_MAX_BYTES 12288

/* Bytes in v's compact JSON serialization (non-ASCII kept as UTF-8); SIZE_MAX if v cannot be
 * serialized. Pass the result to msgbody_validate_cloud_custom_data(). */
size_t msgbody_size(const json_t *v);

/* body is the request's MsgBody member (NULL when absent). ERR_MSGBODY_FORMAT when body is
 * absent, not an array, empty, or an element breaks the rules above; ERR_MSG_TOO_LONG when
 * msgbody_size(body) > MSGBODY_MAX_BYTES (checked after the format). */
MUSTCHECK err_t msgbody_validate(const json_t *body, char *detail, size_t detail_len);

/* ccd is the request's CloudCustomData member (NULL when absent: ERR_OK); body_len is
 * msgbody_size() of the message's MsgBody. ERR_BAD_PARAM when ccd is not a string (the service
 * maps it: 90010 for openim); ERR_MSG_TOO_LONG when body_len + its byte length exceed
 * MSGBODY_MAX_BYTES. */
MUSTCHECK err_t msgbody_validate_cloud_custom_data(const json_t *ccd, size_t body_len, char *detail,
                                                   size_t detail_len);

/* info is the request's OfflinePushInfo member (NULL when absent: ERR_OK). ERR_OFFLINE_PUSH when
 * it is not an object, PushFlag is not 0 or 1, or a known field of it, AndroidInfo or ApnsInfo
 * has the wrong JSON type. Enumerated strings (HuaWeiImportance, InterruptionLevel) are not
 * checked: vendors add values. */
MUSTCHECK err_t msgbody_validate_offline_push(const json_t *info, char *detail, size_t detail_len);

#endif
