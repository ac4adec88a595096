-- Message extensions (setMessageExtensions, openim_msg_ext_http_svc) and reactions
-- (addMessageReaction). Both belong to a stored message and go with it.

-- A message's key-value extensions. `seq` is the message's extension version at the key's last
-- change (Tencent's per-key Seq): a writer that names the seq it saw wins only if it is still
-- the key's (compare-and-set); 0 names a key that does not exist.
CREATE TABLE msg_extensions (
    conv_key text   NOT NULL,
    msg_seq  bigint NOT NULL,
    key      text   NOT NULL,
    value    text   NOT NULL,
    seq      bigint NOT NULL,
    PRIMARY KEY (conv_key, msg_seq, key),
    FOREIGN KEY (conv_key, msg_seq) REFERENCES messages (conv_key, seq) ON DELETE CASCADE
);

-- Per message: the latest extension version handed out (LatestSeq) and the version of the last
-- clear (ClearSeq).
CREATE TABLE msg_ext_versions (
    conv_key   text   NOT NULL,
    msg_seq    bigint NOT NULL,
    latest_seq bigint NOT NULL,
    clear_seq  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conv_key, msg_seq),
    FOREIGN KEY (conv_key, msg_seq) REFERENCES messages (conv_key, seq) ON DELETE CASCADE
);

-- Who reacted to a message with what (a reaction ID is the app's, an emoji name say).
CREATE TABLE msg_reactions (
    conv_key text   NOT NULL,
    msg_seq  bigint NOT NULL,
    reaction text   NOT NULL,
    user_id  text   NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    at       bigint NOT NULL,
    PRIMARY KEY (conv_key, msg_seq, reaction, user_id),
    FOREIGN KEY (conv_key, msg_seq) REFERENCES messages (conv_key, seq) ON DELETE CASCADE
);
