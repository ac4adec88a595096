-- The per-user conversation list (issue: conversations).
--
-- A conversation's place in a user's list is its orderKey: the larger of the conversation's
-- last activity (conversations.activity, bumped from one global sequence by every stored
-- message) and the user's own activity on it (conv_views.local_activity: draft, pin, unhide).
-- It is visible while the conversation has messages past the user's deletion point and hide
-- point, or while the user touched it (draft, pin) after hiding it.

CREATE SEQUENCE conv_activity;

ALTER TABLE conversations
    ADD COLUMN activity bigint NOT NULL DEFAULT 0;

ALTER TABLE conv_views
    ADD COLUMN hidden_seq     bigint  NOT NULL DEFAULT 0, -- removed from the list, history kept
    ADD COLUMN local_activity bigint  NOT NULL DEFAULT 0,
    ADD COLUMN pinned         boolean NOT NULL DEFAULT false,
    ADD COLUMN draft_text     text,
    ADD COLUMN draft_time     bigint  NOT NULL DEFAULT 0,
    ADD COLUMN recv_opt       integer NOT NULL DEFAULT 0,
    ADD COLUMN marks          bigint  NOT NULL DEFAULT 0, -- bit set: 1 star, 2 unread, 4 fold, 8 hide, 1<<32.. custom
    ADD COLUMN custom_mark    text,
    ADD COLUMN group_id       text;                        -- group conversations: the GroupId

-- Conversation groups (SDK "conversation groups", REST contact groups) of one user.
CREATE TABLE conv_groups (
    user_id  text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    group_no bigint NOT NULL,                 -- REST GroupId: small integer per user
    name     text   NOT NULL,
    PRIMARY KEY (user_id, group_no),
    UNIQUE (user_id, name)
);

CREATE TABLE conv_group_members (
    user_id  text   NOT NULL,
    group_no bigint NOT NULL,
    conv_key text   NOT NULL,
    added_at bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, group_no, conv_key),
    FOREIGN KEY (user_id, group_no) REFERENCES conv_groups (user_id, group_no) ON DELETE CASCADE
);

-- Conversations whose history may have become invisible to everyone (a deletion happened);
-- the purge task removes those messages physically.
CREATE TABLE purge_queue (
    conv_key    text   PRIMARY KEY,
    queued_at   bigint NOT NULL
);
