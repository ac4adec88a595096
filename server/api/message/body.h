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
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#ifndef MUSTCHECK
#define MUSTCHECK __attribute__((warn_unused_result))
#endif

/* Tencent's limit on one message: MsgBody plus CloudCustomData. */
#define MSGBODY_MAX_BYTES 12288

/* Merged messages (TIMRelayElem): at most 300 forwarded messages in a MsgList; a MsgList too
 * big to travel inline moves out of the stored message under a JsonMsgKey of this length
 * ("mrg_" and 32 hex digits), and may itself be at most MSGBODY_MERGER_MAX_BYTES. */
#define MSGBODY_MERGER_MAX_MSGS 300
#define MSGBODY_MERGER_MAX_BYTES (1024 * 1024)
#define MSGBODY_MERGER_KEY_LEN 36

/* Bytes in v's compact JSON serialization (non-ASCII kept as UTF-8); SIZE_MAX if v cannot be
 * serialized. Pass the result to msgbody_validate_cloud_custom_data(). */
size_t msgbody_size(const json_t *v);

/* The size a message's MsgBody is stored with: msgbody_size() of msgbody_stored_form(). */
size_t msgbody_stored_size(const json_t *body);

/* body is the request's MsgBody member (NULL when absent). ERR_MSGBODY_FORMAT when body is
 * absent, not an array, empty, an element breaks the rules above or a MsgList has more than
 * MSGBODY_MERGER_MAX_MSGS messages; ERR_MSG_TOO_LONG when msgbody_stored_size(body) >
 * MSGBODY_MAX_BYTES or a MsgList is over MSGBODY_MERGER_MAX_BYTES (checked after the format). */
MUSTCHECK err_t msgbody_validate(const json_t *body, char *detail, size_t detail_len);

/*
 * The form a valid MsgBody is stored in. When MsgBody is over MSGBODY_MAX_BYTES, the MsgList
 * of every TIMRelayElem moves out: the element keeps its other fields and carries a fresh
 * JsonMsgKey instead. A TIMRelayElem sent with only a JsonMsgKey (a merged message forwarded
 * without its list) gets a fresh key too, for the copy of the list its old key names. *lists
 * gets what moved, [{"key": new, "list": "<MsgList as compact JSON text>"} or {"key": new,
 * "from": old}, …], or NULL when nothing did. real_keys false fills placeholder keys of the
 * same length (for measuring). Returns a new reference.
 */
json_t *msgbody_stored_form(const json_t *body, bool real_keys, json_t **lists);

/* msgbody_stored_form() over the heap text *text of a valid MsgBody: when something moved,
 * *text (free()d) is replaced by the stored form's text and *lists_text set to the lists'
 * (free() it); otherwise both are left alone and *lists_text is NULL. */
void msgbody_to_stored(char **text, char **lists_text);

/* ccd is the request's CloudCustomData member (NULL when absent: ERR_OK); body_len is
 * msgbody_size() of the message's MsgBody. ERR_BAD_PARAM when ccd is not a string (the service
 * maps it: 90010 for openim); ERR_MSG_TOO_LONG when body_len + its byte length exceed
 * MSGBODY_MAX_BYTES. */
MUSTCHECK err_t msgbody_validate_cloud_custom_data(const json_t *ccd, size_t body_len, char *detail,
                                                   size_t detail_len);

/* Desc and Ext of an OfflinePushInfo together (Tencent: keep them within 3 KB of APNs' 4 KB). */
#define MSGBODY_PUSH_TEXT_MAX 3072

/* info is the request's OfflinePushInfo member (NULL when absent: ERR_OK). ERR_OFFLINE_PUSH when
 * it is not an object, PushFlag is not 0 or 1, or a known field of it, AndroidInfo or ApnsInfo
 * has the wrong JSON type, or Desc and Ext together exceed MSGBODY_PUSH_TEXT_MAX bytes. Enumerated
 * strings (HuaWeiImportance, InterruptionLevel) are not checked: vendors add values. */
MUSTCHECK err_t msgbody_validate_offline_push(const json_t *info, char *detail, size_t detail_len);

#endif
