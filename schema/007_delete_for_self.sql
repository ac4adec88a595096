-- Clearing one's history of a conversation (clearC2CHistoryMessage, clearGroupHistoryMessage)
-- moves the deletion point like deleting the conversation with its messages, but the
-- conversation stays in the user's list: `kept` says so until the conversation is deleted.
ALTER TABLE conv_views
    ADD COLUMN kept boolean NOT NULL DEFAULT false;

-- Messages a user deleted for themselves (deleteMessages, openim/delete_c2c_msg_ramble): gone
-- from that user's history, sync, unread and last message; the other participants keep them.
-- A one-to-one message hidden by (or below the deletion point of) both participants is purged.
CREATE TABLE msg_hidden (
    user_id  text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    conv_key text   NOT NULL,
    seq      bigint NOT NULL,
    PRIMARY KEY (user_id, conv_key, seq)
);
CREATE INDEX msg_hidden_message ON msg_hidden (conv_key, seq);

-- Whether the user ever deleted a message of this conversation for themselves: the unread
-- arithmetic and the last message look at msg_hidden only when it is set.
ALTER TABLE conv_views
    ADD COLUMN has_hidden boolean NOT NULL DEFAULT false;
