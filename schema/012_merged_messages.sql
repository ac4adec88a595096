-- Merged messages (TIMRelayElem) too big to travel inline: a message whose MsgBody is over
-- 12 KB stores each MsgList here under a JsonMsgKey, and its body carries the key instead;
-- downloadMergerMessage reads it back for whoever can see the message. A list belongs to the
-- one message that carries its key (forwarding a merged message copies the list under a new
-- key), so it goes when that message is purged or recalled.
CREATE TABLE merged_lists (
    msg_key  text   PRIMARY KEY,
    conv_key text   NOT NULL,
    msg_seq  bigint NOT NULL,
    list     json   NOT NULL,              -- the MsgList exactly as sent
    FOREIGN KEY (conv_key, msg_seq) REFERENCES messages (conv_key, seq) ON DELETE CASCADE
);
CREATE INDEX merged_lists_message ON merged_lists (conv_key, msg_seq);
