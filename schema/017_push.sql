-- Offline push (docs/push.md). A device registers its vendor token with setOfflinePushConfig:
-- one binding per user and platform; a logout or a kick removes it, and so does a vendor's
-- "invalid token" answer. Provider: 'apns' (iPhone, iPad) or 'fcm' (the rest).
CREATE TABLE push_tokens (
    user_id     text    NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    platform    text    NOT NULL,
    business_id bigint  NOT NULL DEFAULT 0,
    token       text    NOT NULL,
    provider    text    NOT NULL,
    updated_at  bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    PRIMARY KEY (user_id, platform)
);

-- The push outbox: one row per notification and device, written in the transaction of the
-- message it announces, claimed and sent by the same engine as webhook_outbox (same columns,
-- same claim cycle: webhook/outbox.h). command: the provider; order_key: 'u:<UserID>' (a user's
-- notifications go one at a time, in order, so badges never go backwards); body: the
-- notification (provider, token, title, desc, badge, ext, …); id: the notification id, stable
-- across retries. ref_seq and ref_unread are unused (the shared claim statement reads them).
CREATE TABLE push_outbox (
    id              bigserial NOT NULL,
    command         text    NOT NULL,
    order_key       text    NOT NULL,
    platform        text    NOT NULL DEFAULT '',
    client_ip       text    NOT NULL DEFAULT '',
    body            json,
    ref_seq         bigint,
    ref_unread      integer,
    event_time      bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    age_from        bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    claimed_until   bigint  NOT NULL DEFAULT 0,
    dead            boolean NOT NULL DEFAULT false,
    last_error      text
) WITH (fillfactor = 50);

CREATE INDEX push_outbox_due ON push_outbox (next_attempt_at, id) WHERE NOT dead;
CREATE INDEX push_outbox_order ON push_outbox (order_key, id) WHERE NOT dead;
CREATE INDEX push_outbox_dead ON push_outbox (id) WHERE dead;
