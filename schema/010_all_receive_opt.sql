-- A user's global do-not-disturb (setAllReceiveMessageOpt): receive option 2 (receive, do not
-- notify) either every day from start_hour:start_minute:start_second (UTC) for `duration`
-- seconds, or once from start_ts for `duration` seconds. No row: option 0, receive normally.
CREATE TABLE all_receive_opt (
    user_id      text     PRIMARY KEY REFERENCES accounts (user_id) ON DELETE CASCADE,
    opt          smallint NOT NULL,
    start_hour   smallint NOT NULL DEFAULT 0,
    start_minute smallint NOT NULL DEFAULT 0,
    start_second smallint NOT NULL DEFAULT 0,
    start_ts     bigint   NOT NULL DEFAULT 0,
    duration     bigint   NOT NULL DEFAULT 0
);
