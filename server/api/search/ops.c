/* Message search and the shared keyword rules (api/search/search.h). */
#include "api/search/search.h"

#include <stdlib.h>
#include <string.h>

#include "api/conv/conv.h"
#include "api/valid.h"
#include "core/xalloc.h"

void search_msg_req_free(search_msg_req_t *q)
{
    free(q->conversation_id);
    free(q->keywords_json);
    free(q->senders_json);
    free(q->types_json);
    free(q->cursor);
}

bool search_read_keywords(api_call_t *call, const json_t *body, const char *field, err_t bad,
                          char **out)
{
    *out = NULL;
    const json_t *list = json_object_get(body, field);
    if (list == NULL || json_is_null(list))
        return true;
    bool ok = json_is_array(list) && json_array_size(list) <= SEARCH_KEYWORDS_MAX;
    size_t i;
    const json_t *k;
    json_array_foreach(list, i, k) ok = ok && json_is_string(k) && json_string_length(k) > 0 &&
                                        json_string_length(k) <= SEARCH_KEYWORD_BYTES &&
                                        strlen(json_string_value(k)) == json_string_length(k);
    if (!ok) {
        api_fail(call, bad, "%s must be an array of at most %d keywords of 1 to %d bytes", field,
                 SEARCH_KEYWORDS_MAX, SEARCH_KEYWORD_BYTES);
        return false;
    }
    if (json_array_size(list) > 0)
        *out = json_dumps(list, JSON_COMPACT);
    return true;
}

const json_t *search_param(const api_call_t *call)
{
    const json_t *p = json_object_get(call->body, "searchParam");
    return json_is_object(p) ? p : call->body;
}

bool search_switch(const json_t *param, const char *name, bool *bad)
{
    const json_t *v = json_object_get(param, name);
    *bad |= v != NULL && !json_is_boolean(v);
    return v == NULL || json_is_true(v);
}

bool search_read_people(api_call_t *call, err_t bad, const char *const *switches, bool *on,
                        char **keywords)
{
    const json_t *p = search_param(call);
    bool wrong = false;
    for (size_t i = 0; switches[i]; i++)
        on[i] = search_switch(p, switches[i], &wrong);
    *keywords = NULL;
    if (wrong) {
        api_fail(call, bad, "the isSearch… switches are booleans");
        return false;
    }
    if (!search_read_keywords(call, p, "keywordList", bad, keywords))
        return false;
    if (*keywords == NULL) {
        api_fail(call, bad, "keywordList must hold a keyword");
        return false;
    }
    return true;
}

bool search_read_senders(const json_t *list, char **out)
{
    *out = NULL;
    if (list == NULL || json_is_null(list))
        return true;
    if (!json_is_array(list) || json_array_size(list) > SEARCH_SENDERS_MAX)
        return false;
    size_t i;
    const json_t *u;
    json_array_foreach(
        list, i, u) if (!json_is_string(u) ||
                        !valid_user_id(json_string_value(u), json_string_length(u))) return false;
    if (json_array_size(list) > 0)
        *out = json_dumps(list, JSON_COMPACT);
    return true;
}

/* searchCursor: "<ts>:<seq>:<conv_key>" of the last message of the previous page. */
static char *cursor_of(const store_msg_row_t *r)
{
    return xasprintf("%lld:%lld:%s", (long long)r->ts, (long long)r->seq, r->conv_key);
}

static bool cursor_parse(const char *c, store_msg_search_q_t *q)
{
    char *end;
    long long ts = strtoll(c, &end, 10);
    if (end == c || *end != ':' || ts < 0)
        return false;
    const char *s = end + 1;
    long long seq = strtoll(s, &end, 10);
    if (end == s || *end != ':' || seq < 1)
        return false;
    const char *key = end + 1;
    if (!((key[0] == 'c' || key[0] == 'g') && key[1] == ':' && key[2] != '\0'))
        return false;
    q->after_ts = ts;
    q->after_seq = seq;
    q->after_conv_key = key;
    return true;
}

typedef struct {
    search_msg_answer_fn answer;
    int page_size;
} search_op_t;

static void on_page(err_t err, const store_msg_search_res_t *r, void *arg)
{
    api_call_t *call = arg;
    search_op_t *op = call->state;
    call->state = NULL;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        xfree(op);
        return;
    }
    store_msg_search_res_t page = *r;
    char *next = NULL;
    if (page.n > (size_t)op->page_size) {
        page.n = (size_t)op->page_size;
        next = cursor_of(&page.rows[page.n - 1]);
    }
    search_msg_res_t res = {.page = &page, .next_cursor = next};
    op->answer(call, &res);
    xfree(next);
    xfree(op);
}

/* The conversation's store key; viewer NULL: only group conversations name one. */
static char *conv_key_of(const char *viewer, const char *id)
{
    if (viewer == NULL && strncmp(id, "group_", 6) != 0)
        return NULL;
    return conv_key_from_id(viewer ? viewer : "", id);
}

void search_messages(api_call_t *call, const search_msg_req_t *q, search_msg_answer_fn answer)
{
    if (q->keywords_json == NULL && q->senders_json == NULL && q->types_json == NULL) {
        api_fail(call, ERR_BAD_PARAM,
                 "give keywords, senders or message types: an empty search would list everything");
        return;
    }
    if (q->page_size < 1 || q->page_size > SEARCH_PAGE_MAX) {
        api_fail(call, ERR_BAD_PARAM, "pageSize must be 1 to %d", SEARCH_PAGE_MAX);
        return;
    }
    if (q->time_to != 0 && q->time_to < q->time_from) {
        api_fail(call, ERR_BAD_PARAM, "the time range ends before it begins");
        return;
    }
    store_msg_search_q_t sq = {.keywords_json = q->keywords_json,
                               .match_all = q->match_all,
                               .senders_json = q->senders_json,
                               .types_json = q->types_json,
                               .time_from = q->time_from,
                               .time_to = q->time_to,
                               .count = q->page_size + 1};
    if (q->cursor && (strlen(q->cursor) > SEARCH_CURSOR_BYTES || !cursor_parse(q->cursor, &sq))) {
        api_fail(call, ERR_BAD_PARAM, "searchCursor is not one a search answered");
        return;
    }
    char *key = NULL;
    if (q->conversation_id) {
        key = conv_key_of(q->viewer, q->conversation_id);
        if (key == NULL) {
            api_fail(call, ERR_BAD_PARAM, "conversationID must be %s",
                     q->viewer ? "\"c2c_<userID>\" or \"group_<groupID>\"" : "\"group_<groupID>\"");
            return;
        }
    }
    sq.conv_key = key;
    search_op_t *op = XNEW(search_op_t);
    *op = (search_op_t){answer, q->page_size};
    call->state = op;
    store_msg_search(call->env->db, q->viewer, &sq, on_page, call);
    xfree(key);
}
