/*
 * conversation — the conversation model shared by the doors (private to api/): conversation
 * IDs, the V2TIMConversation JSON, and the notifier that pushes conversation changes.
 *
 * The notifier gathers (user, conversation) pairs touched during one loop pass (messages stored,
 * reads, pins, drafts…) and, after the pass, reads them all with one query and pushes
 * onNewConversation / onConversationChanged and onTotalUnreadMessageCountChanged to each user's
 * sessions. Users with no session on this node are skipped before the query.
 */
#ifndef CHATD_API_CONVERSATION_H
#define CHATD_API_CONVERSATION_H

#include <jansson.h>

#include "api/api.h"
#include "store/conversation.h"

/* The store key for a client conversationID ("c2c_<user>", "group_<id>") seen by `viewer`, as
 * a heap string; NULL when the ID is malformed. */
char *conv_key_from_id(const char *viewer, const char *conversation_id);
/* The client conversationID of a store key ("c:…", "g:<id>") from `viewer`'s side (heap). */
char *conv_id_from_key(const char *conv_key, const char *viewer);
/* The client conversationID for a stored conversation (heap). */
char *conv_id_of(const store_conv_t *c);
json_t *conv_to_json(const store_conv_t *c, const char *viewer);
/* A JSON array of conv_to_json() of each row. */
json_t *conv_list_to_json(const store_conv_t *rows, size_t n, const char *viewer);

/* ---- limits: the conversation area's, for every door ---- */

enum {
    CONV_PAGE_MAX = 100,          /* conversations per list page */
    CONV_IDS_MAX = 100,           /* conversation IDs (or REST items) per request */
    CONV_SEARCH_MAX = 300,        /* REST search_contact_group items */
    CONV_RECV_OPT_USERS_MAX = 30, /* users per getC2CReceiveMessageOpt */
    CONV_PINNED_MAX = 50,         /* pinned conversations per user */
    CONV_GROUPS_MAX = 20,         /* conversation groups per user */
    CONV_GROUP_NAME_MAX = 32,     /* bytes of a conversation group's name */
    CONV_WITH_DATA_MAX = 1000,    /* conversations carrying marks, a custom mark or a group */
    CONV_CUSTOM_MARK_MAX = 256,   /* bytes of a custom mark */
    CONV_MARK_BIT_MAX = 62,       /* highest REST SetMark/ClearMark bit index */
    CONV_CUSTOM_MARK_MIN_BIT = 32 /* SDK custom marks are 1 << n, n >= 32 */
};

/* ---- ops: conversation groups and marks, one rule set for REST and WebSocket ---- */

/* An SDK markType: one built-in mark (0x1, 0x2, 0x4, 0x8) or one custom bit 1 << n,
 * n >= CONV_CUSTOM_MARK_MIN_BIT. */
bool conv_mark_valid(uint64_t mark);

/* A conversation group name: ERR_OK, ERR_BAD_PARAM (empty), ERR_CONV_GROUP_NAME (too long). */
err_t conv_group_name_check(const char *name);

/* The per-item ResultCode of a per-item outcome: 0, ERR_CONV_NOT_FOUND, ERR_CONV_MARK_LIMIT. */
int conv_item_code(store_item_status_t st);

/* Deletes or renames (to new_name) the user's conversation group (STORE_GROUP_CREATE: use
 * conv_group_create()). err: ERR_OK, ERR_BAD_PARAM (new_name exists), ERR_CONV_GROUP_MISSING or
 * a database error; group_no is the group's number (0 when none). On success every session of
 * the user hears onConversationGroupDeleted / onConversationGroupNameChanged. */
typedef void (*conv_group_fn)(err_t err, int64_t group_no, void *arg);
void conv_group_change(const api_env_t *env, const char *user, store_group_op_t op,
                       const char *name, const char *new_name, conv_group_fn cb, void *arg);

/* One request's conversations: store keys and the client's conversationIDs, index for index
 * (both borrowed). */
typedef struct {
    const char *const *keys;
    const char *const *ids;
    size_t n;
} conv_set_t;

/* Per-item outcomes: codes[i] as conv_item_code() (valid during the callback). err is not OK
 * when the whole request failed (ERR_CONV_GROUP_MISSING, database errors). */
typedef void (*conv_items_fn)(err_t err, int64_t group_no, const int *codes, size_t n, void *arg);

/* Adds (adds[i]) or removes each conversation to/from the group `name`; adding one more
 * conversation carrying data beyond CONV_WITH_DATA_MAX is refused per item. Pushes the changed
 * conversations and onConversationsAddedToGroup / onConversationsDeletedFromGroup with the
 * conversations that changed. */
void conv_group_members(const api_env_t *env, const char *user, const char *name,
                        const conv_set_t *set, const bool *adds, conv_items_fn cb, void *arg);

/* Creates the group `name` holding the conversations of `set` (n may be 0); err on the whole:
 * ERR_BAD_PARAM (the name exists), ERR_CONV_GROUP_LIMIT (beyond CONV_GROUPS_MAX); then one code
 * per conversation as conv_group_members(). Every session hears onConversationGroupCreated
 * with the conversations it holds. */
void conv_group_create(const api_env_t *env, const char *user, const char *name,
                       const conv_set_t *set, conv_items_fn cb, void *arg);

/* Applies marks[i] to set->keys[i] (marks[i].conv_key is set here), with the same
 * CONV_WITH_DATA_MAX cap, and pushes the changed conversations. */
void conv_mark(const api_env_t *env, const char *user, const conv_set_t *set,
               store_mark_item_t *marks, conv_items_fn cb, void *arg);

/* Clears `user`'s history of the conversation `key`, for this user only (store_conv_clear):
 * the conversation stays in the list with no last message and no unread; every session of
 * the user hears onConversationChanged. err: ERR_OK, ERR_CONV_NOT_FOUND (the user has no such
 * conversation) or a database error. */
typedef void (*conv_done_fn)(err_t err, void *arg);
void conv_clear_history(const api_env_t *env, const char *user, const char *key, conv_done_fn cb,
                        void *arg);

/* The error a whole request answers when every item failed alike (codes all equal and not 0),
 * else ERR_OK (the answer lists each item's code). */
err_t conv_items_err(const int *codes, size_t n);

/* ---- the notifier ---- */

typedef struct conv_notify conv_notify_t;
conv_notify_t *conv_notify_new(const api_env_t *env);
void conv_notify_free(conv_notify_t *n);
/* Queues a push of the user's conversation `conv_key` (and its total unread) after this pass:
 * onConversationChanged. */
void conv_notify_add(conv_notify_t *n, const char *user, const char *conv_key);
/* The same after a new message: onNewConversation when it is the conversation's first. */
void conv_notify_message(conv_notify_t *n, const char *user, const char *conv_key);

/*
 * Unread counts by filter (subscribeUnreadMessageCountByFilter): a session subscribes to a
 * filter (V2TIMConversationListFilter JSON, compared as given) with its current count; after
 * a pass in which the user's conversations changed (every conv_notify_add/_message push, and
 * conv_notify_recount()), each subscription is recounted and its session gets
 * onUnreadMessageCountChangedByFilter {filter, totalUnreadCount} when the count moved. At most
 * CONV_FILTER_SUBS_MAX filters per session: subscribe returns false beyond (an equal filter
 * only refreshes its count). Kept in memory: they end with the session (conv_notify_forget).
 */
enum { CONV_FILTER_SUBS_MAX = 20 };
bool conv_notify_subscribe(conv_notify_t *n, const char *user, uint64_t conn, const json_t *filter,
                           int64_t total);
void conv_notify_unsubscribe(conv_notify_t *n, const char *user, uint64_t conn,
                             const json_t *filter);
void conv_notify_forget(conv_notify_t *n, const char *user, uint64_t conn);
/* Recounts the user's subscriptions after this pass (a change no conversation push reports:
 * a deleted conversation, a conversation group's or mark's change). */
void conv_notify_recount(conv_notify_t *n, const char *user);

/* filter (NULL: none) as a store filter whose strings point into it; false when malformed. */
bool conv_filter_read(const json_t *filter, store_conv_filter_t *f);

#endif
