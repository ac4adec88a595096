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

-- Push to all users (v4/all_member_push, reference §2.3): the app names up to 10 attributes
-- (slot 0–9), sets their values per user, and tags users; im_push targets everyone, or users
-- by attributes or by tags.
CREATE TABLE push_attr_names (
    slot smallint PRIMARY KEY CHECK (slot BETWEEN 0 AND 9),
    name text     NOT NULL
);
CREATE TABLE push_user_attrs (
    user_id text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    name    text NOT NULL,
    value   text NOT NULL,
    PRIMARY KEY (user_id, name)
);
CREATE TABLE push_user_tags (
    user_id text NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    tag     text NOT NULL,
    PRIMARY KEY (user_id, tag)
);
-- An im_push task: a streamed job paged over the users that have a device binding, in UserID
-- order (cursor: the last UserID done), one page per step, never one giant statement.
CREATE TABLE push_jobs (
    task_id    text    PRIMARY KEY,
    random     bigint  NOT NULL,            -- MsgRandom: the same within 7 days = the same task
    created_at bigint  NOT NULL DEFAULT (extract(epoch FROM now()) * 1000)::bigint,
    condition  jsonb,                       -- NULL: everybody
    notice     jsonb   NOT NULL,            -- {title, desc, ext, androidInfo, apnsInfo, sender}
    cursor     text    NOT NULL DEFAULT '',
    queued     bigint  NOT NULL DEFAULT 0,  -- notifications queued so far
    done       boolean NOT NULL DEFAULT false
);
CREATE INDEX push_jobs_random ON push_jobs (random, created_at);
CREATE INDEX push_jobs_open ON push_jobs (created_at) WHERE NOT done;
