-- The webhook outbox (docs/webhooks.md): every after-event (C2C.CallbackAfterSendMsg,
-- State.StateChange, …) is a row written in the transaction of the change it reports, and the
-- dispatcher of any node delivers it to the app's webhook_url. A delivered row is deleted; one
-- that kept failing past webhook_max_age_s stays, dead, with its last error, until an admin
-- retries it (v4/chatd_webhook/retry_dead).
--
-- A message's after-send event refers to the message instead of copying it (half the bytes
-- written per message): its body is built when it is delivered.
--
-- Rows of one order_key (the conversation for messages, 'u:<UserID>' for a user's own events)
-- are delivered one at a time, in id order. Claims (a lease in claimed_until) are serialized
-- across nodes by an advisory lock, so one node delivers each event. id is the EventId the receiver sees; it never
-- changes across retries. Times are unix milliseconds of PostgreSQL's clock, so that several
-- nodes agree on what is due.

CREATE TABLE webhook_outbox (
    id              bigserial NOT NULL,               -- unique; found by (order_key, id)
    command         text    NOT NULL,                 -- CallbackCommand
    order_key       text    NOT NULL,
    platform        text    NOT NULL DEFAULT 'RESTAPI', -- OptPlatform
    client_ip       text    NOT NULL DEFAULT '',      -- ClientIP
    body            json,                             -- the command's fields, as sent; NULL:
    ref_seq         bigint,                           --   built at delivery from the message
    ref_unread      integer,                          --   (order_key, ref_seq), + UnreadMsgNum
    event_time      bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    age_from        bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    claimed_until   bigint  NOT NULL DEFAULT 0,       -- a node is delivering it until then
    dead            boolean NOT NULL DEFAULT false,
    last_error      text
) WITH (fillfactor = 50); -- room for the claim's HOT update (claimed_until is in no index)

-- What is due, oldest first; and the head (oldest pending row) of each order_key, which also
-- finds a pending row by (order_key, id): no primary key index, one index fewer to write for
-- every message.
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at, id) WHERE NOT dead;
CREATE INDEX webhook_outbox_order ON webhook_outbox (order_key, id) WHERE NOT dead;
CREATE INDEX webhook_outbox_dead ON webhook_outbox (id) WHERE dead;
