/* Conversation IDs and the V2TIMConversation JSON. */
#include "api/conv/conv.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "api/message/message.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "router/router.h"

/* ---- ids and JSON ---- */

char *conv_key_from_id(const char *viewer, const char *id)
{
    if (strncmp(id, "c2c_", 4) == 0 && valid_user_id(id + 4, strlen(id + 4)))
        return store_conv_key_c2c(viewer, id + 4);
    if (strncmp(id, "group_", 6) == 0 && id[6] != '\0')
        return xasprintf("g:%s", id + 6);
    return NULL;
}

char *conv_id_from_key(const char *conv_key, const char *viewer)
{
    if (strncmp(conv_key, "g:", 2) == 0)
        return xasprintf("group_%s", conv_key + 2);
    char *peer = store_conv_peer(conv_key, viewer);
    char *id = xasprintf("c2c_%s", peer ? peer : "");
    xfree(peer);
    return id;
}

char *conv_id_of(const store_conv_t *c)
{
    return c->type == 2 ? xasprintf("group_%s", c->group_id ? c->group_id : "")
                        : xasprintf("c2c_%s", c->peer ? c->peer : "");
}

static json_t *mark_list(int64_t marks)
{
    json_t *list = json_array();
    for (int bit = 0; bit < 63; bit++) /* JSON integers stop at 2^63 - 1 */
        if ((uint64_t)marks & (1ULL << bit))
            json_array_append_new(list, json_integer((json_int_t)(1ULL << bit)));
    return list;
}

json_t *conv_to_json(const store_conv_t *c, const char *viewer)
{
    char *id = conv_id_of(c);
    const char *name = c->show_name && *c->show_name ? c->show_name
                       : c->type == 2                ? c->group_id
                                                     : c->peer;
    json_t *groups = json_loads(c->groups_json ? c->groups_json : "[]", 0, NULL);
    json_t *ats = json_loads(c->at_info_json ? c->at_info_json : "[]", 0, NULL);
    json_t *j = json_pack(
        "{s:s, s:i, s:s?, s:s?, s:s?, s:s, s:I, s:i, s:o, s:o, s:s?, s:I, s:b, s:I, s:o, s:s?,"
        " s:o, s:I}",
        "conversationID", id, "type", c->type, "userID", c->type == 1 ? c->peer : NULL, "groupID",
        c->type == 2 ? c->group_id : NULL, "showName", name, "faceUrl",
        c->face_url ? c->face_url : "", "unreadCount", (json_int_t)c->unread, "recvOpt",
        c->recv_opt, "lastMessage", c->has_last ? msg_to_json(&c->last, viewer) : json_null(),
        "groupAtInfoList", ats ? ats : json_array(), "draftText", c->draft_text, "draftTimestamp",
        (json_int_t)c->draft_time, "isPinned", c->pinned, "orderKey", (json_int_t)c->order_key,
        "markList", mark_list(c->marks), "customData", c->custom_mark, "conversationGroupList",
        groups ? groups : json_array(), "c2cReadTimestamp", (json_int_t)c->peer_read_time);
    xfree(id);
    return j;
}

json_t *conv_list_to_json(const store_conv_t *rows, size_t n, const char *viewer)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, conv_to_json(&rows[i], viewer));
    return list;
}
