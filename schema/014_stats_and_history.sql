-- Daily statistics (REST openconfigsvr/getappinfo) and the hourly message export
-- (open_msg_svc/get_history).
--
-- stats_daily holds one number per (UTC day, counter): each node keeps its counts in memory and
-- adds them every few seconds with INSERT … ON CONFLICT DO UPDATE SET v = v + EXCLUDED.v, so the
-- nodes sharing this database add up (MaxOnlineNum keeps the greatest value instead).
CREATE TABLE stats_daily (
    day     date   NOT NULL,
    counter text   NOT NULL,
    v       bigint NOT NULL,
    PRIMARY KEY (day, counter)
);

-- The distinct counts (active users, senders, groups that got messages, …): one row per (day,
-- kind, ID), inserted with ON CONFLICT DO NOTHING and counted when asked. Rows older than the
-- 30 days getappinfo reports are deleted by the flush.
CREATE TABLE stats_daily_ids (
    day  date NOT NULL,
    kind text NOT NULL,
    id   text NOT NULL,
    PRIMARY KEY (day, kind, id)
);

-- The export reads one hour of messages in (ts, conv_key, seq) order, a page at a time: the
-- index gives the ts order (ties are sorted per second by an incremental sort). A bigint key
-- keeps its cost on every message insert small.
CREATE INDEX messages_ts ON messages (ts);
