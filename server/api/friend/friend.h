/*
 * friend — relationship chains: friends, friend requests, friend lists (friend groups) and the
 * blocklist (docs/protocol.md "Friends and the blocklist", docs/rest-api.md v4/sns).
 *
 * ops.c owns the rules both doors share: the batch limits and field rules (fields.c), the
 * before-callbacks Sns.CallbackPrevFriendAdd / Sns.CallbackPrevFriendResponse (an app may refuse
 * items), the after-events written with each change (store/sns.h), the outcome codes of each
 * target, and the pushes to every online session of the users whose lists changed
 * (onFriendListAdded, onFriendApplicationListAdded, …). rest.c (the v4/sns routes) and sdk.c (the
 * SDK's friendship manager) read requests and write answers.
 *
 * Every operation answers `call` exactly once: it fails the call itself (bad owner, database
 * error), or calls the door's `answer` with the store's result and the per-target outcomes
 * (friend_results_t, in request order). String arguments are borrowed for the call only.
 */
#ifndef CHATD_API_FRIEND_H
#define CHATD_API_FRIEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "store/sns.h"

/* Tencent's documented limits (reference §6.2, §7). */
enum {
    FRIEND_LIST_ALL_MAX = 100000,  /* getFriendList: every friend (friends_max's ceiling) */
    FRIEND_REQUESTS_MAX = 100,     /* pending requests to one user */
    FRIEND_LISTS_MAX = 32,         /* friend lists per user */
    FRIEND_BLOCK_MAX = 1000,       /* blocklist entries per user */
    FRIEND_BATCH_MAX = 1000,       /* targets per add, delete, check, block call */
    FRIEND_GET_MAX = 100,          /* friend_get_list / getFriendsInfo targets */
    FRIEND_PAGE_MAX = 100,         /* friends per friend_get page */
    FRIEND_REMARK_MAX = 96,        /* bytes of Tag_SNS_IM_Remark */
    FRIEND_LIST_NAME_MAX = 30,     /* bytes of a friend list's name */
    FRIEND_WORDING_MAX = 256,      /* bytes of Tag_SNS_IM_AddWording */
    FRIEND_KEY_MAX = 8,            /* letters of AddSource_Type_<key>, Tag_SNS_Custom_<key> */
    FRIEND_CUSTOM_VALUE_MAX = 500, /* bytes of a custom friend field */
};

/* The limits for statements: friends_max from the configuration, the others above. */
store_sns_limits_t friend_limits(const config_t *cfg);

/* One target's outcome: Tencent's ResultCode (0: done) and ResultInfo. */
typedef struct {
    const char *user;
    int code;
    const char *info;
} friend_result_t;

typedef struct {
    friend_result_t *v;
    size_t n;
} friend_results_t;

typedef void (*friend_answer_fn)(api_call_t *call, const store_sns_res_t *r,
                                 const friend_results_t *res);

/* The code and text of a store status (store/sns.h). */
int friend_status_code(const char *status, const char **info);
/* For a one-target answer: true when r->status is "ok"; else fails the call with its code. */
bool friend_status_ok(api_call_t *call, const store_sns_res_t *r);

/* ---- request fields (fields.c) ---- */

/* One friend to add: AddFriendItem (REST) or addFriend's body (SDK). */
typedef struct {
    unsigned given;
    const char *peer, *remark, *group, *source, *wording;
    const json_t *groups;       /* friend_import: GroupName is an array */
    int64_t add_time;           /* friend_import: AddTime (0: now) */
    int64_t remark_time;        /* friend_import: RemarkTime (accepted, not kept) */
    const json_t *custom_items; /* friend_import: CustomItem [{Tag, Value}] */
    json_t *custom; /* friend_import CustomItem, setFriendInfo friendCustomInfo: {tag: v} */
} friend_item_t;

extern const field_table_t friend_add_fields;    /* AddFriendItem / addFriend */
extern const field_table_t friend_import_fields; /* friend_import's AddFriendItem */
extern const field_table_t friend_info_fields;   /* setFriendInfo */

/* Checks SnsItem tags of friend_update ({Tag, Value}): Tag_SNS_IM_Remark, Tag_SNS_IM_Group,
 * Tag_SNS_Custom_<key>; fills item (remark, groups, custom: owned, json_decref it). ERR_OK or
 * ERR_SNS_PARAM with a detail. */
err_t friend_read_sns_items(const json_t *items, friend_item_t *item, char *detail, size_t len);
/* A custom friend field's tag and value: Tag_SNS_Custom_<1–8 letters>, a string ≤ 500 B. */
bool friend_custom_ok(const char *tag, const json_t *value);
/* A friend list name: 1–30 bytes of valid text. */
bool friend_list_name_ok(const char *name);

/* ---- operations (ops.c) ---- */

/* The 1..max UserIDs of body[name], distinct, as a JSON array (new); NULL after failing the
 * call with 30001 and a detail. */
json_t *friend_read_users(api_call_t *call, const char *name, size_t max);
/* The 1..max friend-list names of body[name], distinct, as a JSON array (new); NULL after
 * failing the call. */
json_t *friend_read_names(api_call_t *call, const char *name, size_t max);
/* Fails the call with 30001 when two items name the same peer; false then. */
bool friend_items_distinct(api_call_t *call, const friend_item_t *items, size_t n);

typedef struct {
    const char *owner;
    friend_item_t *items;
    size_t n;
    bool both;              /* Add_Type_Both */
    bool force;             /* ForceAddFlags (REST) */
    bool import;            /* friend_import: one way, no request, no callbacks */
    const char *client_cmd; /* FriendAdd's ClientCmd */
} friend_add_t;

/* The items are copied, their strings and JSON values are not: they must be borrowed from the
 * call's body (which lives until the call ends), never owned by the door (an add may wait for
 * the before-callback after the door returned). */
void friend_add(api_call_t *call, const friend_add_t *req, friend_answer_fn answer);

/* Answers peer's request to the owner: action "agree", "agree_and_add" or "reject". */
void friend_respond(api_call_t *call, const char *owner, const char *peer, const char *action,
                    const char *remark, const char *group, friend_answer_fn answer);
void friend_request_delete(api_call_t *call, const char *owner, const char *peer, bool incoming,
                           friend_answer_fn answer);
void friend_requests(api_call_t *call, const char *owner, friend_answer_fn answer);
void friend_requests_read(api_call_t *call, const char *owner, friend_answer_fn answer);

/* peers_json NULL: every friend. */
void friend_delete(api_call_t *call, const char *owner, const char *peers_json, bool both,
                   friend_answer_fn answer);
/* items: peer, remark (NULL: keep), groups (NULL: keep), custom (NULL: none). */
void friend_update(api_call_t *call, const char *owner, const friend_item_t *items, size_t n,
                   friend_answer_fn answer);
/* detail: with each friend row and its profile (store_sns_relations). */
void friend_relations(api_call_t *call, const char *owner, const char *peers_json, bool detail,
                      friend_answer_fn answer);
/* searchFriends: the relations (as friend_relations with detail) with the owner's friends
 * whose UserID, nick or remark (the switches) contains one of the keywords ([text]). */
void friend_search(api_call_t *call, const char *owner, const char *keywords_json, bool by_id,
                   bool by_nick, bool by_remark, friend_answer_fn answer);
/* profiles: with the friends' profiles. */
void friend_list(api_call_t *call, const char *owner, int64_t offset, int64_t limit, bool profiles,
                 friend_answer_fn answer);

void friend_block(api_call_t *call, const char *owner, const char *peers_json,
                  friend_answer_fn answer);
void friend_unblock(api_call_t *call, const char *owner, const char *peers_json,
                    friend_answer_fn answer);
void friend_blocklist(api_call_t *call, const char *owner, int64_t offset, int64_t limit,
                      friend_answer_fn answer);

void friend_group_create(api_call_t *call, const char *owner, const char *names_json,
                         const char *peers_json, friend_answer_fn answer);
void friend_group_delete(api_call_t *call, const char *owner, const char *names_json,
                         friend_answer_fn answer);
void friend_group_rename(api_call_t *call, const char *owner, const char *old_name,
                         const char *new_name, friend_answer_fn answer);
void friend_group_members(api_call_t *call, const char *owner, const char *name,
                          const char *peers_json, bool add, friend_answer_fn answer);
void friend_groups(api_call_t *call, const char *owner, const char *names_json,
                   friend_answer_fn answer);

/* ---- the SDK's shapes (ops.c; events and sdk.c answers) ---- */

/* V2TIMFriendInfo {userID, friendRemark, friendGroups, friendCustomInfo, addTime, addSource,
 * addWording, userProfile}. */
json_t *friend_info_sdk(const store_sns_friend_t *f);
/* [friendInfo] of a store answer's friend objects. */
json_t *friend_infos_sdk(const json_t *friends);
/* V2TIMFriendApplication {userID, nickName, faceUrl, addTime, addSource, addWording, type (1
 * come in, 2 send out)} of a request seen by `viewer`. */
json_t *friend_request_sdk(const store_sns_request_t *q, const char *viewer);

#endif
