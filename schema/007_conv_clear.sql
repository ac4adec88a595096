-- Clearing one's history of a conversation (clearC2CHistoryMessage, clearGroupHistoryMessage)
-- moves the deletion point like deleting the conversation with its messages, but the
-- conversation stays in the user's list: `kept` says so until the conversation is deleted.
ALTER TABLE conv_views
    ADD COLUMN kept boolean NOT NULL DEFAULT false;
