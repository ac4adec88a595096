/*
 * search — server-side search (docs/protocol.md "Search"): messages, for every device of a user
 * at once (searchCloudMessages and searchLocalMessages are the same operation), and the
 * keyword rules that friend, group and group-member searches share.
 *
 * PostgreSQL does the work: the searchable text of each message body is indexed with pg_trgm
 * (schema/016_search.sql), so a keyword matches as a case-insensitive substring, Chinese and
 * Japanese included. A user finds only what history would show them (store_msg_search).
 */
#ifndef CHATD_API_SEARCH_H
#define CHATD_API_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "store/message.h"

enum {
    SEARCH_KEYWORDS_MAX = 5,    /* keywordList (Tencent's limit) */
    SEARCH_KEYWORD_BYTES = 128, /* one keyword */
    SEARCH_SENDERS_MAX = 100,   /* senderUserIDList */
    SEARCH_PAGE_DEFAULT = 20,   /* pageSize */
    SEARCH_PAGE_MAX = 100,      /* pageSize */
    SEARCH_CURSOR_BYTES = 256,  /* searchCursor */
};

/* A message search as both doors read it (heap strings, search_msg_req_free()). viewer NULL:
 * the whole app (the admin door); conversation_id needs a viewer for "c2c_…". */
typedef struct {
    const char *viewer;
    char *conversation_id;      /* "c2c_<user>" / "group_<id>", NULL: every conversation */
    char *keywords_json;        /* [text], NULL: none */
    bool match_all;             /* every keyword (else any) */
    char *senders_json;         /* [UserID], NULL: any */
    char *types_json;           /* [MsgType], NULL: any */
    int64_t time_from, time_to; /* unix seconds; time_to 0: none */
    char *cursor;               /* searchCursor of the previous page, NULL: from the newest */
    int page_size;
} search_msg_req_t;

void search_msg_req_free(search_msg_req_t *q);

/* The answer: the page (rows newest first, each with its conversation's hit count), the
 * totals and the cursor of the next page (NULL on the last page; heap, owned by the result). */
typedef struct {
    const store_msg_search_res_t *page;
    const char *next_cursor;
} search_msg_res_t;
typedef void (*search_msg_answer_fn)(api_call_t *call, const search_msg_res_t *r);

/* Checks the request's rules (a keyword, a sender or a type narrows the search; the limits
 * above; a well-formed cursor and conversationID) and runs it; answers the call with the
 * error, or calls `answer` once. */
void search_messages(api_call_t *call, const search_msg_req_t *q, search_msg_answer_fn answer);

/* keywordList (or the door's name for it) read from body[field]: an array of at most
 * SEARCH_KEYWORDS_MAX non-empty texts of at most SEARCH_KEYWORD_BYTES, as a JSON array text
 * (free()); *out NULL when absent or empty. false after failing the call with `bad`. */
bool search_read_keywords(api_call_t *call, const json_t *body, const char *field, err_t bad,
                          char **out) MUSTCHECK;

/* The SDK's search parameter object: body.searchParam (the method's argument) or the body. */
const json_t *search_param(const api_call_t *call);
/* A V2TIM…SearchParam switch (isSearchUserID, …): true when absent, as in the SDK; sets *bad
 * when present but not a boolean. */
bool search_switch(const json_t *param, const char *name, bool *bad);

/* The parameters of a search of people or groups (V2TIMFriendSearchParam, …): the switches
 * named by `switches` (NULL-terminated) into on[], and a keywordList of 1..SEARCH_KEYWORDS_MAX
 * keywords as JSON text (*keywords, free()). false after failing the call with `bad`. */
bool search_read_people(api_call_t *call, err_t bad, const char *const *switches, bool *on,
                        char **keywords) MUSTCHECK;

/* A sender list (senderUserIDList, SenderList): at most SEARCH_SENDERS_MAX UserIDs, as JSON
 * text (free()); *out NULL when absent or empty. false when malformed. */
bool search_read_senders(const json_t *list, char **out) MUSTCHECK;

#endif
