/*
 * store/webhook — the webhook outbox (schema/004_webhooks.sql) and the catalogue of callback
 * commands chatd knows.
 *
 * After-events are rows of `webhook_outbox`, written in the same transaction as the change they
 * report: a statement that changes something appends its event with STORE_WEBHOOK_INSERT in a
 * CTE (message_writer.c, profile.c), or a batch gets one more statement from
 * store_webhook_insert(). Events that report no stored change (State.StateChange) go through
 * store_webhook_event(), their own one-statement batch. The dispatcher (webhook/) claims due
 * rows, delivers them and acknowledges them with the functions at the end of this header.
 *
 * Row ownership across nodes: a claim sets `claimed_until` (a lease) under FOR UPDATE SKIP
 * LOCKED, so one node delivers each event; a lease that runs out (the node died) makes the event
 * due again: delivery is at least once, and the EventId (the row id) lets receivers de-duplicate.
 */
#ifndef CHATD_STORE_WEBHOOK_H
#define CHATD_STORE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/outbox.h"
#include "store/store.h"

/* ---- the command catalogue ---- */

typedef enum {
    STORE_WEBHOOK_STATE_CHANGE = 0,
    STORE_WEBHOOK_PORTRAIT_SET,
    STORE_WEBHOOK_C2C_BEFORE_SEND,
    STORE_WEBHOOK_C2C_AFTER_SEND,
    STORE_WEBHOOK_C2C_AFTER_MSG_REPORT,
    STORE_WEBHOOK_C2C_AFTER_WITHDRAW,
    STORE_WEBHOOK_C2C_AFTER_MODIFY,
    STORE_WEBHOOK_C2C_AFTER_EXTENSION,
    STORE_WEBHOOK_GROUP_BEFORE_SEND,
    STORE_WEBHOOK_GROUP_AFTER_SEND,
    STORE_WEBHOOK_GROUP_BEFORE_CREATE,
    STORE_WEBHOOK_GROUP_AFTER_CREATE,
    STORE_WEBHOOK_GROUP_BEFORE_APPLY_JOIN,
    STORE_WEBHOOK_GROUP_BEFORE_INVITE_JOIN,
    STORE_WEBHOOK_GROUP_AFTER_NEW_MEMBER_JOIN,
    STORE_WEBHOOK_GROUP_AFTER_MEMBER_EXIT,
    STORE_WEBHOOK_GROUP_AFTER_DESTROYED,
    STORE_WEBHOOK_GROUP_AFTER_INFO_CHANGED,
    STORE_WEBHOOK_GROUP_AFTER_ATTR_CHANGED,
    STORE_WEBHOOK_GROUP_AFTER_RECALL,
    STORE_WEBHOOK_GROUP_AFTER_CHANGE_OWNER,
    STORE_WEBHOOK_GROUP_AFTER_FULL,
    STORE_WEBHOOK_GROUP_AFTER_MEMBER_FIELD,
    STORE_WEBHOOK_GROUP_AFTER_READ_RECEIPT,
    STORE_WEBHOOK_GROUP_BEFORE_CREATE_TOPIC,
    STORE_WEBHOOK_GROUP_AFTER_CREATE_TOPIC,
    STORE_WEBHOOK_GROUP_AFTER_TOPIC_DESTROYED,
    STORE_WEBHOOK_GROUP_AFTER_TOPIC_CHANGED,
    STORE_WEBHOOK_SNS_PREV_FRIEND_ADD,
    STORE_WEBHOOK_SNS_PREV_FRIEND_RESPONSE,
    STORE_WEBHOOK_SNS_FRIEND_ADD,
    STORE_WEBHOOK_SNS_FRIEND_DELETE,
    STORE_WEBHOOK_SNS_BLACKLIST_ADD,
    STORE_WEBHOOK_SNS_BLACKLIST_DELETE,
    STORE_WEBHOOK_CONV_AFTER_DELETE,
    STORE_WEBHOOK_ALERT_OVER_LIMIT,
    STORE_WEBHOOK_NCMDS
} store_webhook_cmd_t;

typedef struct {
    const char *name;           /* the CallbackCommand, "C2C.CallbackAfterSendMsg" */
    bool before;                /* a synchronous before-callback (never in the outbox) */
    int refuse_code;            /* before: what the caller gets when the app answers ErrorCode 1 */
    int custom_min, custom_max; /* before: the app's own refusal codes, passed to the caller */
    const char *ident;          /* the enum constant's name, "STORE_WEBHOOK_C2C_AFTER_SEND" */
} store_webhook_cmd_def_t;

const store_webhook_cmd_def_t *store_webhook_cmd(store_webhook_cmd_t cmd);
/* The command called `name` (exact spelling); false when chatd does not know it. */
bool store_webhook_cmd_find(const char *name, store_webhook_cmd_t *out);
/* Parses webhook_commands ("all", or a comma-separated list of command names, blanks allowed)
 * into a bit set (1 << cmd). False with the offending name in errbuf. */
bool store_webhook_cmds_parse(const char *list, uint64_t *mask, char *errbuf, size_t errlen);

/* OptPlatform for a client platform (the session's canonical name, "iPhone", or NULL/"RESTAPI"
 * for REST): "iOS" — or "IOS" when cmd is State.StateChange, as Tencent spells it there —
 * "Android", "Web", "Windows", "Mac", "iPad", "Linux", "RESTAPI"; "Unknown" for anything else.
 * cmd STORE_WEBHOOK_NCMDS gives the usual spelling (KickedDevice's Platform). */
const char *store_webhook_platform(const char *platform, store_webhook_cmd_t cmd);

/* ---- writing events ---- */

/* Who caused an event: the URL's OptPlatform and ClientIP. Strings are copied. */
typedef struct store_webhook_origin {
    const char *platform;  /* OptPlatform (store_webhook_platform()); NULL: "RESTAPI" */
    const char *client_ip; /* NULL: "" */
} store_webhook_origin_t;

/* The head of an INSERT for a CTE or statement that writes events: continue it with
 * `SELECT command, order_key, platform, client_ip, body …` (body: a json value of the command's
 * own fields; CallbackCommand, EventTime and EventId are added at delivery). event_time and
 * the schedule default to the transaction's time. Insert several rows of one order_key in
 * their delivery order (ORDER BY): ids follow it. */
#define STORE_WEBHOOK_INSERT                                                                       \
    "INSERT INTO webhook_outbox (command, order_key, platform, client_ip, body) "
/* The after-send event of a stored message, by reference: continue with
 * `SELECT command, conv_key, platform, client_ip, seq, unread` (unread: the receiver's
 * UnreadMsgNum, NULL for a group). Its body is built from the message row at delivery:
 * Tencent's C2C.CallbackAfterSendMsg or Group.CallbackAfterSendMsg fields. */
#define STORE_WEBHOOK_INSERT_REF                                                                   \
    "INSERT INTO webhook_outbox (command, order_key, platform, client_ip, ref_seq, ref_unread) "

/* Order keys: a conversation's key (store_conv_key_c2c(), 'g:<GroupId>') for its messages and
 * everything that must follow them; for a user's own events (state, profile), this (heap). */
char *store_webhook_user_key(const char *user_id);

/* Appends to `b` one statement that inserts the event (same transaction as the batch).
 * body_json: the command's fields as a JSON object text. */
void store_webhook_insert(db_batch_t *b, store_webhook_cmd_t cmd, const char *order_key,
                          const store_webhook_origin_t *origin, const char *body_json);
/* Inserts one event in its own transaction; cb (may be NULL) after the commit. */
void store_webhook_event(db_pool_t *db, store_webhook_cmd_t cmd, const char *order_key,
                         const store_webhook_origin_t *origin, const char *body_json,
                         store_done_fn cb, void *arg);

/* The dispatcher's statements (claim cycles, counts) are store/outbox.h's, shared with the push
 * outbox. */

/* ---- dead events (admin) ---- */

typedef struct {
    int64_t id;
    const char *command;
    const char *order_key;
    const char *platform;
    const char *client_ip;
    const char *body;
    int64_t event_time;
    int attempts;
    const char *last_error;
} store_webhook_dead_t;
typedef void (*store_webhook_dead_fn)(err_t err, const store_webhook_dead_t *rows, size_t n,
                                      void *arg);
/* Dead events with id > after_id, oldest first, at most `limit`. */
void store_webhook_list_dead(db_pool_t *db, int64_t after_id, int limit, store_webhook_dead_fn cb,
                             void *arg);
/* Makes the dead events with these ids (all dead ones when n == 0) due again, with a fresh
 * max age; calls back with the ids revived (valid during the callback). */
void store_webhook_retry_dead(db_pool_t *db, const int64_t *ids, size_t n, store_ids_fn cb,
                              void *arg);

#endif
