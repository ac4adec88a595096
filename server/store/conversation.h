/*
 * store/conversation — each user's view of their conversations (list, unread, deletion, pins,
 * drafts, receive options, marks, conversation groups) and the purge of deleted history.
 *
 * A conversation is visible in a user's list while it has messages past the user's deletion
 * and hide points, or carries a draft or a pin. orderKey = max(conversation activity, the
 * user's own activity); the list is pinned first, then by orderKey descending. Unread =
 * last_seq - max(read_seq, deleted_seq): arithmetic on seqs, never a counter.
 */
#ifndef CHATD_STORE_CONVERSATION_H
#define CHATD_STORE_CONVERSATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/message.h"

struct event_base;
struct store_webhook_origin;

typedef struct {
    const char *conv_key;
    int type;         /* 1 one-to-one, 2 group */
    const char *peer; /* one-to-one */
    const char *group_id;
    const char *show_name; /* the peer's nick (empty: use the id) */
    const char *face_url;
    int64_t unread;
    int64_t order_key;
    int64_t sort_key; /* the paging cursor: pinned conversations sort above all others */
    bool pinned;
    const char *draft_text;
    int64_t draft_time;
    int recv_opt;
    int64_t marks;
    const char *custom_mark;
    const char *groups_json; /* JSON array of conversation-group names */
    bool has_last;
    store_msg_row_t last; /* valid when has_last */
    int64_t read_seq;
    int64_t peer_read_time;
    const char *at_info_json; /* groupAtInfoList: [{seq, atType}] after the read position */
    const char *user;         /* store_conv_get_pairs only */
    bool is_new;              /* store_conv_get_pairs only: its first visible message */
    int64_t total_unread;     /* store_conv_get_pairs only */
} store_conv_t;

typedef void (*store_convs_fn)(err_t err, const store_conv_t *rows, size_t n, void *arg);

typedef struct {
    int type;               /* 0 any, 1 one-to-one, 2 group */
    const char *group_name; /* NULL: any; "": in no conversation group */
    int64_t mark_mask;      /* 0: any */
    bool has_unread;        /* only conversations with unread messages */
    bool has_at_info;       /* only conversations with @ mentions not yet read */
} store_conv_filter_t;

/* The peer of a one-to-one conversation key as seen by `user` (heap), or NULL for a group key
 * or a malformed one. */
char *store_conv_peer(const char *key, const char *user);

/* A page of the list, from cursor (0: the start), at most count. */
void store_conv_list(db_pool_t *db, const char *user, const store_conv_filter_t *filter,
                     int64_t cursor, int count, store_convs_fn cb, void *arg);
/* The user's conversations with these keys (visible or not, existing views only). */
void store_conv_get(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                    store_convs_fn cb, void *arg);

/* For several (user, key, by_message) triples at once ([[user, key, bool], …] JSON text): each
 * row's `user` is set, `is_new` when by_message and it is the conversation's first visible
 * message,
 * and `total_unread` holds that user's total unread (as store_conv_total_unread). Used to push
 * conversation changes after a batch of messages with one query. */
void store_conv_get_pairs(db_pool_t *db, const char *pairs_json, store_convs_fn cb, void *arg);

typedef void (*store_count_fn)(err_t err, int64_t value, void *arg);
/* Sum of unread over visible conversations whose receive option notifies (0 or 4). */
void store_conv_total_unread(db_pool_t *db, const char *user, store_count_fn cb, void *arg);
/* The same sum over the conversations `filter` keeps (getUnreadMessageCountByFilter). */
void store_conv_filter_unread(db_pool_t *db, const char *user, const store_conv_filter_t *filter,
                              store_count_fn cb, void *arg);

/* Deletes conversations from the user's list. clear: also hides all history before now from
 * this user for good (deletion point; the purge task removes what nobody can see). Calls back
 * with the keys that existed. With `hook` (NULL: none), each deleted conversation's
 * Conversation.CallbackAfterDeleteConversation event is written to the webhook outbox in the
 * same transaction. */
void store_conv_delete(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                       bool clear, int64_t now, const struct store_webhook_origin *hook,
                       store_ids_fn cb, void *arg);

/* Clears the user's history of conversation `key` (clearC2CHistoryMessage,
 * clearGroupHistoryMessage): the deletion point moves to the newest message, so history, sync,
 * unread and the last message start after it, for this user only; the conversation stays in
 * the list until it is deleted; it is queued for the purge task, which removes what no
 * participant can see any more. cb gets the number of views cleared (0: the user has no such
 * conversation). */
void store_conv_clear(db_pool_t *db, const char *user, const char *key, int64_t now,
                      store_count_fn cb, void *arg);

/* Field updates of one view; each creates the view when missing (peer/group given by key). A
 * group conversation's view only for a member of the group: ERR_CONV_NOT_FOUND otherwise (a view
 * row opens the group's history to its holder). */
void store_conv_pin(db_pool_t *db, const char *user, const char *key, bool pinned, int max_pinned,
                    store_done_fn cb, void *arg);
void store_conv_draft(db_pool_t *db, const char *user, const char *key, const char *text,
                      int64_t now, store_done_fn cb, void *arg);
/* Marks read: one conversation (key), or every one-to-one ("c2c"), group ("group") or all
 * ("") conversation of the user, up to upto_seq, else up to the newest message sent at or
 * before upto_time, else (both 0) up to the newest. Calls back with what moved. */
typedef struct {
    const char *conv_key;
    const char *peer; /* one-to-one conversations */
    int64_t read_seq;
} store_read_mark_t;
typedef void (*store_read_marks_fn)(err_t err, const store_read_mark_t *rows, size_t n, void *arg);
/* hook (NULL: none): records C2C.CallbackAfterMsgReport for each one-to-one position moved. */
void store_conv_clean_unread(db_pool_t *db, const char *user, const char *key_or_kind,
                             int64_t upto_seq, int64_t upto_time, int64_t now,
                             const store_webhook_origin_t *hook, store_read_marks_fn cb, void *arg);
/* Sets (creating them when missing) the views' receive option; ERR_GROUP_PERMISSION when none was
 * set: a group's view only for a member. */
void store_conv_set_recv_opt(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                             int opt, store_done_fn cb, void *arg);
/* Conversation groups: the outcome of a change. */
typedef enum {
    CONV_GROUP_OK = 0,
    CONV_GROUP_EXISTS,
    CONV_GROUP_MISSING,
    CONV_GROUP_LIMIT,
} conv_group_status_t;
typedef struct {
    int64_t group_no;
    const char *name;
    int64_t count;
} store_conv_group_t;
typedef void (*store_groups_fn)(err_t err, const store_conv_group_t *rows, size_t n, void *arg);
void store_conv_group_list(db_pool_t *db, const char *user, store_groups_fn cb, void *arg);

/* The purge task: every interval_s, physically deletes messages no participant can see any
 * more (below every participant's deletion point) of conversations that had a deletion. */
typedef struct store_purger store_purger_t;
store_purger_t *store_purger_new(struct event_base *base, db_pool_t *db, int interval_s);
void store_purger_free(store_purger_t *p);

/* ---- pages, contact data, per-item marks and conversation-group changes (both doors) ---- */

/* A page of the list for REST recentcontact/get_list, newest activity first. pins_first: the
 * pinned conversations with order_key below top_cursor come first (only while cursor is 0), then
 * the others; otherwise pins do not change the order. Cursors are order_keys, 0: from the top.
 * with_empty keeps conversations with no visible message (listed for a pin or a draft only). */
void store_conv_page(db_pool_t *db, const char *user, bool pins_first, bool with_empty,
                     int64_t top_cursor, int64_t cursor, int count, store_convs_fn cb, void *arg);

/* A conversation's group and mark data (REST contact groups). "Carrying data" means marks,
 * a custom mark or membership of a conversation group. */
typedef struct {
    const char *conv_key;
    int type; /* 1 one-to-one, 2 group */
    const char *peer;
    const char *group_id;
    int64_t marks;
    const char *custom_mark;    /* NULL: none */
    const char *group_nos_json; /* JSON array of the group numbers it belongs to */
    int64_t time;               /* unix time of the conversation's newest message, 0: none */
} store_contact_t;
/* groups: every conversation group of the user, by number. more: rows remain after the page. */
typedef void (*store_contacts_fn)(err_t err, const store_contact_t *rows, size_t n,
                                  const store_conv_group_t *groups, size_t ngroups, bool more,
                                  void *arg);
/* keys given: those of them that carry data (start and count unused). keys NULL: every
 * conversation carrying data, by key, from offset `start`, at most `count`. */
void store_conv_contacts(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                         int64_t start, int count, store_contacts_fn cb, void *arg);

/* The outcome of one item of a per-item request. */
typedef enum {
    STORE_ITEM_OK = 0,
    STORE_ITEM_NO_CONV, /* the user has no such conversation */
    STORE_ITEM_LIMIT,   /* max_with_data conversations already carry data */
} store_item_status_t;
typedef void (*store_items_fn)(err_t err, const store_item_status_t *st, size_t n, void *arg);

typedef struct {
    const char *conv_key;
    int64_t set_mask, clear_mask; /* mark bits to set, then to clear */
    bool set_custom;              /* replace the custom mark with custom_mark ("" removes it) */
    const char *custom_mark;
} store_mark_item_t;
/* Applies each item to the user's conversation, in order, in one transaction. An item that
 * would make one more conversation carry data beyond max_with_data is refused (LIMIT). */
void store_conv_mark_items(db_pool_t *db, const char *user, const store_mark_item_t *items,
                           size_t n, int max_with_data, store_items_fn cb, void *arg);

/* Creates (new_name unused), deletes or renames (to new_name) a conversation group, calling back
 * with the outcome and the group's number (0 when it does not exist). Create refuses beyond
 * max_groups (CONV_GROUP_LIMIT) and an existing name (CONV_GROUP_EXISTS). */
typedef enum { STORE_GROUP_CREATE, STORE_GROUP_DELETE, STORE_GROUP_RENAME } store_group_op_t;
typedef void (*store_group_no_fn)(err_t err, conv_group_status_t st, int64_t group_no, void *arg);
void store_conv_group_change(db_pool_t *db, const char *user, store_group_op_t op, const char *name,
                             const char *new_name, int max_groups, store_group_no_fn cb, void *arg);

/* Adds each conversation to (adds[i]) or removes it from the group `name`, in order, one
 * outcome per key: NO_CONV for a conversation the user does not have, LIMIT when adding would
 * make one more conversation carry data beyond max_with_data. found: false (and no outcomes)
 * when the group does not exist; group_no its number. */
typedef void (*store_group_members_fn)(err_t err, bool found, int64_t group_no,
                                       const store_item_status_t *st, size_t n, void *arg);
void store_conv_group_members(db_pool_t *db, const char *user, const char *name,
                              const char *const *keys, const bool *adds, size_t n,
                              int max_with_data, int64_t now, store_group_members_fn cb, void *arg);

#endif
