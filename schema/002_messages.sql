-- One-to-one (and later group) messages, numbered per conversation.
--
-- A conversation is shared by its participants: conv_key is 'c:<len(a)>:<a>:<b>' for the pair
-- a < b (bytewise), 'g:<GroupId>' for a group. Its messages are numbered 1, 2, 3, … without gaps
-- (last_seq is bumped in the transaction that inserts them). Each participant has a view row
-- (conv_views): a read position and a deletion point; unread = last_seq - max(read, deleted).
-- Distribution keys for a later sharding: conv_key for conversations and messages, user_id for
-- conv_views.

ALTER TABLE accounts
    ADD COLUMN c2c_mute_until   bigint NOT NULL DEFAULT 0,  -- unix seconds; global C2C mute
    ADD COLUMN group_mute_until bigint NOT NULL DEFAULT 0;  -- unix seconds; global group mute

CREATE TABLE conversations (
    conv_key  text PRIMARY KEY,
    last_seq  bigint NOT NULL DEFAULT 0,
    last_time bigint NOT NULL DEFAULT 0          -- unix seconds of the newest message
);

CREATE TABLE messages (
    conv_key          text    NOT NULL,
    seq               bigint  NOT NULL,
    sender            text    NOT NULL,
    receiver          text,                      -- the peer of a one-to-one message
    random            bigint  NOT NULL,
    hash              text    NOT NULL,          -- of MsgBody + CloudCustomData, for dedup
    msg_id            text    NOT NULL,
    ts                bigint  NOT NULL,          -- unix seconds
    body              json    NOT NULL,          -- MsgBody exactly as sent
    cloud_custom_data text,
    flags             integer NOT NULL DEFAULT 0, -- 1: needs read receipt
    PRIMARY KEY (conv_key, seq)
);
CREATE UNIQUE INDEX messages_msg_id ON messages (msg_id);
CREATE INDEX messages_dedup ON messages (conv_key, sender, random);

CREATE TABLE conv_views (
    user_id     text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    conv_key    text   NOT NULL,
    peer        text,                            -- the other user of a one-to-one conversation
    read_seq    bigint NOT NULL DEFAULT 0,
    read_time   bigint NOT NULL DEFAULT 0,       -- unix seconds of the last read report
    deleted_seq bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, conv_key)
);

-- Message-level read receipts (messages sent with needReadReceipt).
CREATE TABLE msg_receipts (
    conv_key text   NOT NULL,
    seq      bigint NOT NULL,
    user_id  text   NOT NULL,
    read_at  bigint NOT NULL,
    PRIMARY KEY (conv_key, seq, user_id)
);
