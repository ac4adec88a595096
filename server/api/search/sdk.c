/* The WebSocket door of message search (api/search/search.h): searchCloudMessages and
 * searchLocalMessages, V2TIMMessageSearchParam in, V2TIMMessageSearchResult out. */
#include <stdlib.h>
#include <string.h>

#include "api/conv/conv.h"
#include "api/message/message.h"
#include "api/search/search.h"
#include "api/valid.h"
#include "core/clock.h"
#include "core/xalloc.h"

/* body[a] or, when absent, body[b]: the native SDK's and the Flutter SDK's spellings. */
static json_t *either(const json_t *body, const char *a, const char *b)
{
    json_t *v = json_object_get(body, a);
    return v ? v : json_object_get(body, b);
}

/* V2TIMMessageSearchResult: totalCount (hits in one conversation; conversations with a hit
 * when searching all), messageSearchResultItems (the page grouped by conversation, in the
 * page's order: conversationID, messageCount, messageList) and searchCursor ("" at the end). */
static void answer(api_call_t *call, const search_msg_res_t *r)
{
    const store_msg_search_res_t *p = r->page;
    const char *conv = json_string_value(json_object_get(search_param(call), "conversationID"));
    bool one = conv != NULL && *conv != '\0';
    json_t *items = json_array();
    json_t *item = NULL;
    const char *item_key = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const store_msg_row_t *m = &p->rows[i];
        if (item == NULL || strcmp(item_key, m->conv_key) != 0) {
            char *id = conv_id_from_key(m->conv_key, call->identifier);
            item = json_pack("{s:s, s:I, s:[]}", "conversationID", id, "messageCount",
                             (json_int_t)p->conv_hits[i], "messageList");
            json_array_append_new(items, item);
            item_key = m->conv_key;
            xfree(id);
        }
        json_array_append_new(json_object_get(item, "messageList"),
                              msg_to_json(m, call->identifier));
    }
    api_finish(call, json_pack("{s:I, s:o, s:s}", "totalCount",
                               (json_int_t)(one ? p->total : p->conversations),
                               "messageSearchResultItems", items, "searchCursor",
                               r->next_cursor ? r->next_cursor : ""));
}

void api_search_messages(api_call_t *call)
{
    const json_t *b = search_param(call);
    search_msg_req_t q = {.viewer = call->identifier, .page_size = SEARCH_PAGE_DEFAULT};
    long long match = 0, position = 0, period = 0, size = SEARCH_PAGE_DEFAULT;
    const char *conv = NULL, *cursor = NULL;
    bool bad = false;
    json_t *types = json_object_get(b, "messageTypeList");
    json_t *matchv = either(b, "keywordListMatchType", "type");
    bad |= matchv && (!json_is_integer(matchv) || json_integer_value(matchv) < 0 ||
                      json_integer_value(matchv) > 1);
    match = matchv && json_is_integer(matchv) ? json_integer_value(matchv) : 0;
    bad |= valid_get_int(b, "searchTimePosition", 0, INT64_MAX / 2, &position) >= VALID_TYPE;
    bad |= valid_get_int(b, "searchTimePeriod", 0, INT64_MAX / 2, &period) >= VALID_TYPE;
    bad |= valid_get_int(b, "pageSize", INT64_MIN, INT64_MAX, &size) >= VALID_TYPE;
    bad |= valid_get_text(b, "conversationID", 256, &conv) >= VALID_TYPE;
    bad |= valid_get_text(b, "searchCursor", SEARCH_CURSOR_BYTES, &cursor) >= VALID_TYPE;
    bad |= types && !json_is_null(types) && !json_is_array(types);
    bad |= !search_read_senders(either(b, "senderUserIDList", "userIDList"), &q.senders_json);
    if (!bad && json_array_size(types))
        q.types_json = msg_types_json(types, &bad);
    if (bad) {
        api_fail(call, ERR_BAD_PARAM,
                 "keywordListMatchType 0 or 1, senderUserIDList of at most %d UserIDs, "
                 "messageTypeList of element types (1-10), searchTimePosition and "
                 "searchTimePeriod >= 0, pageSize, conversationID and searchCursor texts",
                 SEARCH_SENDERS_MAX);
        search_msg_req_free(&q);
        return;
    }
    if (!search_read_keywords(call, b, "keywordList", ERR_BAD_PARAM, &q.keywords_json)) {
        search_msg_req_free(&q);
        return;
    }
    /* Tencent: the period reaches back from the position (0: now); period 0: no limit. */
    int64_t end = position ? position : wall_ms() / 1000;
    q.time_from = period ? end - period : 0;
    q.time_to = position || period ? end : 0;
    q.match_all = match == 1;
    q.page_size = size < 0 || size > SEARCH_PAGE_MAX ? 0 : (int)size;
    q.conversation_id = conv && *conv ? xstrdup(conv) : NULL;
    q.cursor = cursor && *cursor ? xstrdup(cursor) : NULL;
    search_messages(call, &q, answer);
    search_msg_req_free(&q);
}
