/* The REST door of message search: chatd_search/message_search, chatd's own admin API (for the
 * console and operators; docs/rest-api.md). Without Account it searches every message of the
 * app; with it, what that user can see, exactly as searchCloudMessages does for them. */
#include <stdlib.h>
#include <string.h>

#include "api/message/message.h"
#include "api/search/search.h"
#include "api/valid.h"
#include "core/xalloc.h"

/* MsgTypeList: MsgType names ("TIMTextElem", …) as JSON text (NULL: none); false if bad. */
static bool types_of(const json_t *list, char **out)
{
    *out = NULL;
    if (list == NULL)
        return true;
    if (!json_is_array(list))
        return false;
    size_t i;
    const json_t *t;
    json_array_foreach(list, i, t) if (!json_is_string(t) ||
                                       !msg_type_known(json_string_value(t))) return false;
    if (json_array_size(list) > 0)
        *out = json_dumps(list, JSON_COMPACT);
    return true;
}

/* {TotalCount (hits), ConversationCount, MsgList (newest first: the roaming-message fields
 * plus GroupId for a group message and ConversationHits), Cursor ("" on the last page)}. */
static void answer(api_call_t *call, const search_msg_res_t *r)
{
    const store_msg_search_res_t *p = r->page;
    json_t *list = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const store_msg_row_t *m = &p->rows[i];
        json_t *item = msg_to_rest_json(m);
        if (strncmp(m->conv_key, "g:", 2) == 0)
            json_object_set_new(item, "GroupId", json_string(m->conv_key + 2));
        json_object_set_new(item, "ConversationHits", json_integer((json_int_t)p->conv_hits[i]));
        json_array_append_new(list, item);
    }
    api_finish(call, json_pack("{s:I, s:I, s:o, s:s}", "TotalCount", (json_int_t)p->total,
                               "ConversationCount", (json_int_t)p->conversations, "MsgList", list,
                               "Cursor", r->next_cursor ? r->next_cursor : ""));
}

void api_search_message_rest(api_call_t *call)
{
    const json_t *b = call->body;
    static const char *const account[] = {"Account", NULL};
    search_msg_req_t q = {.page_size = SEARCH_PAGE_DEFAULT};
    long long match = 0, min_time = 0, max_time = 0, size = SEARCH_PAGE_DEFAULT;
    const char *conv = NULL, *cursor = NULL;
    bool bad = valid_get_user_id(b, account, &q.viewer) >= VALID_TYPE;
    bad |= valid_get_int(b, "KeywordMatchType", 0, 1, &match) >= VALID_TYPE;
    bad |= valid_get_int(b, "MinTime", 0, INT64_MAX, &min_time) >= VALID_TYPE;
    bad |= valid_get_int(b, "MaxTime", 0, INT64_MAX, &max_time) >= VALID_TYPE;
    bad |= valid_get_int(b, "PageSize", INT64_MIN, INT64_MAX, &size) >= VALID_TYPE;
    bad |= valid_get_text(b, "ConversationID", 256, &conv) >= VALID_TYPE;
    bad |= valid_get_text(b, "Cursor", SEARCH_CURSOR_BYTES, &cursor) >= VALID_TYPE;
    bad |= !search_read_senders(json_object_get(b, "SenderList"), &q.senders_json);
    bad |= !types_of(json_object_get(b, "MsgTypeList"), &q.types_json);
    if (bad) {
        api_fail(call, ERR_BAD_PARAM,
                 "Account a UserID, KeywordMatchType 0 or 1, MinTime and MaxTime unix seconds, "
                 "SenderList of at most %d UserIDs, MsgTypeList of MsgTypes, PageSize, "
                 "ConversationID and Cursor texts",
                 SEARCH_SENDERS_MAX);
        search_msg_req_free(&q);
        return;
    }
    if (!search_read_keywords(call, b, "KeywordList", ERR_BAD_PARAM, &q.keywords_json)) {
        search_msg_req_free(&q);
        return;
    }
    q.match_all = match == 1;
    q.time_from = min_time;
    q.time_to = max_time;
    q.page_size = size < 0 || size > SEARCH_PAGE_MAX ? 0 : (int)size;
    q.conversation_id = conv && *conv ? xstrdup(conv) : NULL;
    q.cursor = cursor && *cursor ? xstrdup(cursor) : NULL;
    search_messages(call, &q, answer);
    search_msg_req_free(&q);
}
