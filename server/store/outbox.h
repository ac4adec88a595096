/*
 * store/outbox — the claim cycle shared by chatd's outboxes: the webhook outbox
 * (schema/004_webhooks.sql, store/webhook.h) and the push outbox (schema/017_push.sql,
 * store/push.h). Both tables have the same columns; the engine that delivers them
 * (webhook/outbox.h) names the table by its kind.
 *
 * Row ownership across nodes: a claim sets `claimed_until` (a lease), so one node delivers each
 * row; a lease that runs out (the node died) makes the row due again: delivery is at least once,
 * and the row id (EventId, the notification id) lets receivers de-duplicate.
 */
#ifndef CHATD_STORE_OUTBOX_H
#define CHATD_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef enum {
    STORE_OUTBOX_WEBHOOK = 0, /* webhook_outbox */
    STORE_OUTBOX_PUSH,        /* push_outbox */
    STORE_OUTBOX_NKINDS
} store_outbox_kind_t;

typedef struct {
    int64_t id; /* EventId / notification id */
    const char *command;
    const char *platform;
    const char *client_ip;
    const char *body; /* JSON object text */
    int64_t event_time;
    int attempts;          /* failed attempts so far */
    const char *order_key; /* rows of one key come in delivery order */
} store_outbox_row_t;

/* A claimed row's outcome: delivered (deleted); failed (an attempt counted, retried after
 * delay_ms, or dead when older than max_age_ms); released (not tried: free again). */
typedef enum {
    STORE_OUTBOX_DELIVERED = 0,
    STORE_OUTBOX_FAILED,
    STORE_OUTBOX_RELEASED,
} store_outbox_outcome_t;

typedef struct {
    int64_t id;
    const char *order_key;
    store_outbox_outcome_t outcome;
    int64_t delay_ms;
    const char *error; /* failed: why (kept as last_error) */
} store_outbox_ack_t;

/*
 * One dispatcher cycle on the outbox `kind`, one transaction: records the outcomes `acks` (n may
 * be 0), then claims up to `max` due rows (none when max is 0). For each order_key it claims only
 * a run that starts at the key's oldest pending row (no older one is in flight or in backoff), to
 * be delivered one after the other: the k-th of a key is leased for k·lease_each_ms +
 * lease_base_ms. It looks at up to `scan` due rows; those waiting behind a row in backoff are put
 * off until its next attempt. Cycles of one outbox on every node run one at a time (an advisory
 * lock), so a claim always sees the outcomes recorded before it. `dead`: the acknowledged ids
 * that went dead; `more`: the scan was full (more may be due now). Rows come in id order; all is
 * valid during the callback only.
 */
typedef void (*store_outbox_cycle_fn)(err_t err, const store_ids_t *dead, store_outbox_row_t *rows,
                                      size_t n, bool more, void *arg);
void store_outbox_cycle(db_pool_t *db, store_outbox_kind_t kind, const store_outbox_ack_t *acks,
                        size_t nacks, int64_t max_age_ms, int max, int scan, int64_t lease_each_ms,
                        int64_t lease_base_ms, store_outbox_cycle_fn cb, void *arg);

/* pending and dead rows; oldest_ms: how long the oldest pending row has waited since it was
 * written or retried (0 when none is pending). */
typedef void (*store_outbox_counts_fn)(err_t err, int64_t pending, int64_t dead, int64_t oldest_ms,
                                       void *arg);
void store_outbox_counts(db_pool_t *db, store_outbox_kind_t kind, store_outbox_counts_fn cb,
                         void *arg);

/* PostgreSQL's clock in unix ms. now() (transaction start) rather than clock_timestamp(): it is
 * stable, so comparisons with it can use the indexes. */
#define STORE_OUTBOX_NOW_MS "(extract(epoch FROM now()) * 1000)::bigint"

/* The body text of outbox row `e`: its own, or (webhooks) built from its message `m` (NULL when
 * it is gone: purged after both sides deleted the conversation); the message's current
 * content. */
#define STORE_OUTBOX_EVENT_BODY                                                                                                                                          \
    "coalesce(e.body, CASE WHEN m.seq IS NULL THEN NULL"                                                                                                                 \
    " WHEN m.receiver IS NOT NULL THEN json_build_object("                                                                                                               \
    "  'From_Account', m.sender, 'To_Account', m.receiver, 'MsgSeq', m.seq,"                                                                                             \
    "  'MsgRandom', m.random, 'MsgTime', m.ts, 'MsgKey', m.seq || '_' || m.random || '_' || m.ts,"                                                                       \
    "  'MsgId', m.msg_id, 'OnlineOnlyFlag', 0, 'MsgBody', m.body,"                                                                                                       \
    "  'CloudCustomData', coalesce(m.cloud_custom_data, ''), 'SendMsgResult', 0,"                                                                                        \
    "  'ErrorInfo', 'send msg succeed', 'UnreadMsgNum', e.ref_unread)"                                                                                                   \
    " WHEN strpos(m.conv_key, '@TOPIC#_') = 0 THEN " STORE_OUTBOX_GROUP_SEND_BODY(                                                                                       \
        "substr(m.conv_key, 3)") " ELSE (" STORE_OUTBOX_GROUP_SEND_BODY("chatd_topic_group("                                                                             \
                                                                        "substr(m.conv_key, 3))") "::jsonb"                                                              \
                                                                                                  " || jsonb_build_object('TopicId', substr(m.conv_key, 3)))::json END," \
                                                                                                  " '{}'::json)::text"

/* Group.CallbackAfterSendMsg of message m in group `group` (an SQL expression); a Community
 * topic's message names its community as GroupId and adds TopicId (above). */
#define STORE_OUTBOX_GROUP_SEND_BODY(group)                                                        \
    "json_build_object('GroupId', " group ","                                                      \
    "  'Type', (SELECT g.type FROM groups g WHERE g.group_id = " group "),"                        \
    "  'From_Account', m.sender, 'Operator_Account', m.sender, 'Random', m.random,"                \
    "  'MsgSeq', m.seq, 'MsgTime', m.ts, 'MsgId', m.msg_id, 'OnlineOnlyFlag', 0,"                  \
    "  'MsgBody', m.body, 'CloudCustomData', coalesce(m.cloud_custom_data, ''))"

#endif
