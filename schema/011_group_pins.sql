-- Pinned group messages (pinGroupMessage): at most 10 per group, pinned by the owner or an
-- admin; they go with the message.
CREATE TABLE group_pins (
    conv_key  text   NOT NULL,
    seq       bigint NOT NULL,
    operator  text   NOT NULL,
    pinned_at bigint NOT NULL,
    PRIMARY KEY (conv_key, seq),
    FOREIGN KEY (conv_key, seq) REFERENCES messages (conv_key, seq) ON DELETE CASCADE
);

-- When a user last read their group applications (setGroupApplicationRead): the ones created
-- after it count as unread in getGroupApplicationList.
CREATE TABLE group_app_reads (
    user_id text   PRIMARY KEY REFERENCES accounts (user_id) ON DELETE CASCADE,
    read_at bigint NOT NULL
);
