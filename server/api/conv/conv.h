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
/* The client conversationID for a stored conversation (heap). */
char *conv_id_of(const store_conv_t *c);
json_t *conv_to_json(const store_conv_t *c, const char *viewer);
/* A JSON array of conv_to_json() of each row. */
json_t *conv_list_to_json(const store_conv_t *rows, size_t n, const char *viewer);

typedef struct conv_notify conv_notify_t;
conv_notify_t *conv_notify_new(const api_env_t *env);
void conv_notify_free(conv_notify_t *n);
/* Queues a push of the user's conversation `conv_key` (and its total unread) after this pass:
 * onConversationChanged. */
void conv_notify_add(conv_notify_t *n, const char *user, const char *conv_key);
/* The same after a new message: onNewConversation when it is the conversation's first. */
void conv_notify_message(conv_notify_t *n, const char *user, const char *conv_key);

#endif
