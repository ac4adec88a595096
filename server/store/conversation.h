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
    const char *user;     /* store_conv_get_pairs only */
    int64_t total_unread; /* store_conv_get_pairs only */
} store_conv_t;

typedef void (*store_convs_fn)(err_t err, const store_conv_t *rows, size_t n, void *arg);

typedef struct {
    int type;               /* 0 any, 1 one-to-one, 2 group */
    const char *group_name; /* NULL: any; "": in no conversation group */
    int64_t mark_mask;      /* 0: any */
    bool has_unread;        /* only conversations with unread messages */
} store_conv_filter_t;

/* A page of the list, from cursor (0: the start), at most count. */
void store_conv_list(db_pool_t *db, const char *user, const store_conv_filter_t *filter,
                     int64_t cursor, int count, store_convs_fn cb, void *arg);
/* The user's conversations with these keys (visible or not, existing views only). */
void store_conv_get(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                    store_convs_fn cb, void *arg);

/* For several (user, key) pairs at once ([[user, key], …] JSON text): each row's `user` is set
 * and `total_unread` holds that user's total unread (as store_conv_total_unread). Used to push
 * conversation changes after a batch of messages with one query. */
void store_conv_get_pairs(db_pool_t *db, const char *pairs_json, store_convs_fn cb, void *arg);

typedef void (*store_count_fn)(err_t err, int64_t value, void *arg);
/* Sum of unread over visible conversations whose receive option notifies (0 or 4). */
void store_conv_total_unread(db_pool_t *db, const char *user, store_count_fn cb, void *arg);

/* Deletes conversations from the user's list. clear: also hides all history before now from
 * this user for good (deletion point; the purge task removes what nobody can see). Calls back
 * with the keys that existed. `event_body` (may be NULL) is written to the webhook outbox in the
 * same transaction, once per deleted conversation, by the webhook store when available. */
void store_conv_delete(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                       bool clear, int64_t now, store_ids_fn cb, void *arg);

/* Field updates of one view; each creates the view when missing (peer/group given by key). */
void store_conv_pin(db_pool_t *db, const char *user, const char *key, bool pinned, int max_pinned,
                    store_done_fn cb, void *arg);
void store_conv_draft(db_pool_t *db, const char *user, const char *key, const char *text,
                      int64_t now, store_done_fn cb, void *arg);
/* Marks read: one conversation (key), or every one-to-one ("c2c"), group ("group") or all
 * ("") conversation of the user; upto_seq 0 = the newest. Calls back with what moved. */
typedef struct {
    const char *conv_key;
    const char *peer; /* one-to-one conversations */
    int64_t read_seq;
} store_read_mark_t;
typedef void (*store_read_marks_fn)(err_t err, const store_read_mark_t *rows, size_t n, void *arg);
void store_conv_clean_unread(db_pool_t *db, const char *user, const char *key_or_kind,
                             int64_t upto_seq, int64_t now, store_read_marks_fn cb, void *arg);
void store_conv_set_recv_opt(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                             int opt, store_done_fn cb, void *arg);
/* Sets (enable) or clears the mark bits on the conversations. */
void store_conv_mark(db_pool_t *db, const char *user, const char *const *keys, size_t n,
                     int64_t mask, bool enable, store_done_fn cb, void *arg);

/* Conversation groups. */
typedef enum {
    CONV_GROUP_OK = 0,
    CONV_GROUP_EXISTS,
    CONV_GROUP_MISSING,
    CONV_GROUP_LIMIT,
} conv_group_status_t;
typedef void (*store_group_fn)(err_t err, conv_group_status_t st, void *arg);
void store_conv_group_create(db_pool_t *db, const char *user, const char *name,
                             const char *const *keys, size_t n, int max_groups, store_group_fn cb,
                             void *arg);
void store_conv_group_delete(db_pool_t *db, const char *user, const char *name, store_group_fn cb,
                             void *arg);
void store_conv_group_rename(db_pool_t *db, const char *user, const char *old_name,
                             const char *new_name, store_group_fn cb, void *arg);
void store_conv_group_add(db_pool_t *db, const char *user, const char *name,
                          const char *const *keys, size_t n, store_group_fn cb, void *arg);
void store_conv_group_remove(db_pool_t *db, const char *user, const char *name,
                             const char *const *keys, size_t n, store_group_fn cb, void *arg);
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

#endif
