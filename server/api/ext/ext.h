/*
 * ext — message extensions and reactions (docs/protocol.md "Message extensions and
 * reactions", docs/rest-api.md openim_msg_ext_http_svc).
 *
 * ops.c owns the rules both doors share: the limits (keys, values, keys per call, reactions,
 * users per reaction), who may address a message (its one-to-one users, its group's members;
 * REST administrators any), the compare-and-set answer (23001 with the key's current value and
 * seq), the C2C.CallbackAfterC2CMsgExtension webhook, and the pushes to every online session of
 * the conversation's users: onRecvMessageExtensionsChanged, onRecvMessageExtensionsDeleted,
 * onRecvMessageReactionsChanged. rest.c (get_key_values, set_key_values and the group ones) and
 * sdk.c (setMessageExtensions, … getAllUserListOfMessageReaction) read requests and write
 * answers.
 *
 * Every operation answers `call` exactly once: it fails the call (bad input, no such message,
 * not supported, limits), or calls the door's `answer` with the store's result and the
 * per-key outcomes. String arguments are borrowed for the call only.
 */
#ifndef CHATD_API_EXT_H
#define CHATD_API_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "store/ext.h"
#include "store/message.h"

enum {
    EXT_KEYS_MAX = 300,       /* extensions per message */
    EXT_PER_CALL_MAX = 20,    /* extensions per set or delete */
    EXT_KEY_MAX = 100,        /* bytes of a key */
    EXT_VALUE_MAX = 1000,     /* bytes of a value */
    EXT_PULL_MAX = 200,       /* extensions per get_key_values */
    REACTIONS_MAX = 10,       /* distinct reactions per message */
    REACTION_USERS_MAX = 100, /* users per reaction */
    REACTION_ID_MAX = 100,    /* bytes of a reaction ID */
    REACTION_MSGS_MAX = 20,   /* messages per getMessageReactions */
    REACTION_TOP_MAX = 10,    /* users listed per reaction there */
    REACTION_PAGE_MAX = 100,  /* users per getAllUserListOfMessageReaction page */
    GROUP_PINS_MAX = 10,      /* pinned messages per group */
};

/* One key's outcome: code 0 or 23001; key, value (NULL: none) and seq as they stand. */
typedef struct {
    const char *key, *value;
    int64_t seq;
    int code;
} ext_item_t;

typedef void (*ext_answer_fn)(api_call_t *call, const store_ext_res_t *r, const ext_item_t *items,
                              size_t n);

/* Key-value changes: items [{key, value (set), seq (optional)}] as the door read them (its
 * own spellings already mapped). Checks them (1..20 distinct keys of 1..100 bytes, values of at
 * most 1000 bytes; none for a clear), then writes. `group` picks the codes of a missing
 * message (10030) over the one-to-one ones (20022). */
void ext_write(api_call_t *call, const store_ext_msg_t *m, store_ext_op_t op, const json_t *items,
               bool group, ext_answer_fn answer);
/* Keys after start_seq, at most `limit`. */
void ext_get(api_call_t *call, const store_ext_msg_t *m, int64_t start_seq, int limit, bool group,
             ext_answer_fn answer);

/* Reactions of the caller. */
void ext_react(api_call_t *call, const char *msg_id, const char *reaction, bool add,
               ext_answer_fn answer);
void ext_reactions(api_call_t *call, const char *msg_ids_json, int top, ext_answer_fn answer);
void ext_reaction_users(api_call_t *call, const char *msg_id, const char *reaction, int64_t offset,
                        int limit, ext_answer_fn answer);

/* Pins or unpins a group message (owner and admins; 10070 past GROUP_PINS_MAX): members hear
 * onGroupMessagePinned {groupID, msgID, seq, isPinned, opUser}. */
void ext_pin(api_call_t *call, const char *group_id, const char *msg_id, bool pin,
             ext_answer_fn answer);
/* A member's view of the group's pins, newest first: the message rows (those the member may
 * see) and the pins [{seq, operator, pinned_at}]. */
typedef void (*ext_pins_fn)(api_call_t *call, const store_msg_row_t *rows, size_t n,
                            const json_t *pins);
void ext_pins(api_call_t *call, const char *group_id, ext_pins_fn answer);

/* The SDK's V2TIMMessageReaction {reactionID, totalUserCount, partialUserList, reactedByMyself}
 * of a store reaction object. */
json_t *ext_reaction_sdk(const json_t *reaction);

#endif
