-- AVChatRoom bans (REST ban_group_member, unban_group_member, get_group_ban_member): a banned
-- user is put out of the live room and may neither rejoin nor post until banned_until (unix
-- seconds). Viewers themselves are held in memory by the node they are connected to, never here.
CREATE TABLE group_bans (
    group_id     text   NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    user_id      text   NOT NULL,
    banned_until bigint NOT NULL,
    description  text   NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, user_id)
);
-- The ban list pages by the time a ban ends.
CREATE INDEX group_bans_until ON group_bans (group_id, banned_until, user_id);

-- Group counters (setGroupCounters, increaseGroupCounter, REST update_group_counter, …): named
-- int64 values per group, changed atomically by single UPDATE/INSERT … ON CONFLICT statements.
CREATE TABLE group_counters (
    group_id text   NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    key      text   NOT NULL,
    value    bigint NOT NULL,
    PRIMARY KEY (group_id, key)
);
