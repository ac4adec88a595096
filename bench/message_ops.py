#!/usr/bin/python3
"""The message-operations benchmark (scripts/bench.sh messages): a one-to-one conversation of
BIG messages (written straight into PostgreSQL: the set-up is not what is measured) and one of
SMALL; then over one WebSocket each: deleteMessages of 1,000 messages (20 requests of 50) in
each, clearC2CHistoryMessage of each, and getMessageExtensions of a message with 300 keys,
REPEAT times. For every kind the PostgreSQL log (log_min_duration_statement = 0, set by the
caller) gives the statements each request ran and their execute time. Prints one summary line
of key=value fields.

    bench/message_ops.py PORT PG_PORT PG_LOG [BIG [SMALL [REPEAT]]]
"""

import os
import re
import sys
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from ws_client import WsClient  # noqa: E402
from util import ADMIN, SDKAPPID, usersig  # noqa: E402,F401

PORT, PG_PORT, PG_LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
BIG = int(sys.argv[4]) if len(sys.argv) > 4 else 100000
SMALL = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
REPEAT = int(sys.argv[6]) if len(sys.argv) > 6 else 200
URL = f"http://127.0.0.1:{PORT}"
PUSH_READ = "SELECT V.CONV_KEY, CASE WHEN V.GROUP_ID"
DURATION = re.compile(r"duration: ([0-9.]+) ms  (?:execute|statement)[^:]*: (.*)")

db = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="chatd")
db.autocommit = True


def sql(query, params=None):
    with db.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


def conv_key(a, b):
    a, b = sorted((a, b))
    return f"c:{len(a)}:{a}:{b}"


def fill(owner, peer, n):
    """n messages from peer to owner, numbered 1..n; both have the conversation."""
    key = conv_key(owner, peer)
    sql("INSERT INTO accounts (user_id) VALUES (%s), (%s) ON CONFLICT DO NOTHING", (owner, peer))
    sql("INSERT INTO messages (conv_key, seq, sender, receiver, random, hash, msg_id, ts, body,"
        " flags) SELECT %s, s, %s, %s, s, 'h', md5(%s || s), 1700000000 + s,"
        " json_build_array(json_build_object('MsgType', 'TIMTextElem', 'MsgContent',"
        "   json_build_object('Text', 'message ' || s))), 32"
        " FROM generate_series(1, %s) s", (key, peer, owner, key, n))
    sql("INSERT INTO conversations (conv_key, last_seq, last_time, activity)"
        " VALUES (%s, %s, %s, nextval('conv_activity'))", (key, n, 1700000000 + n))
    sql("INSERT INTO conv_views (user_id, conv_key, peer) VALUES (%s, %s, %s), (%s, %s, %s)",
        (owner, key, peer, peer, key, owner))
    return [r[0] for r in sql("SELECT msg_id FROM messages WHERE conv_key = %s ORDER BY seq",
                              (key,))]


class PgLog:
    """What PostgreSQL logged since mark(): the statements other than transaction control."""

    def mark(self):
        self.pushes = []
        time.sleep(0.05)
        self.at = os.path.getsize(PG_LOG)

    def since(self):
        time.sleep(0.1)
        with open(PG_LOG, "rb") as f:
            f.seek(self.at)
            text = f.read().decode("utf-8", "replace")
        times = []
        for m in DURATION.finditer(text):
            stmt = m.group(2).strip().upper()
            if stmt in ("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1") or stmt.startswith("SET "):
                continue
            # The read behind onConversationChanged (store_conv_get_pairs) is the push's,
            # counted apart from the operation's own statements.
            (self.pushes if stmt.startswith(PUSH_READ) else times).append(float(m.group(1)))
        return times


def q(values, p):
    values = sorted(values)
    return f"{values[min(len(values) - 1, int(p * len(values)))]:.2f}" if values else "-"


log = PgLog()


def timed(fn, n):
    """fn() n times: request → answer times (ms), PostgreSQL statements per call, their times."""
    times = []
    log.mark()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    pg = log.since()
    timed.pushes = len(log.pushes) / n
    return times, len(pg) / n, pg


t0 = time.perf_counter()
big_ids = fill("mbench_owner", "mbench_big", BIG)
small_ids = fill("mbench_owner", "mbench_small", SMALL)
sql("ANALYZE")
setup_s = time.perf_counter() - t0

owner = WsClient.login_as(URL, "mbench_owner")
out = {"setup_s": f"{setup_s:.1f}", "big": BIG, "small": SMALL}

# The machine's floor in the same run: a WebSocket round trip that touches no database, and
# PostgreSQL's own SELECT 1.
floor, _, _ = timed(lambda i: owner.call("getServerTime"), REPEAT)
out["floor_ws_p50_ms"] = q(floor, 0.5)
select1 = []
for _ in range(REPEAT):
    t = time.perf_counter()
    sql("SELECT 1")
    select1.append((time.perf_counter() - t) * 1000)
out["floor_select1_p50_ms"] = q(select1, 0.5)
# A write transaction's commit (one row, fsync on): what every change pays at least.
sql("CREATE TABLE IF NOT EXISTS bench_commit (n int)")
commit = []
for i in range(REPEAT):
    t = time.perf_counter()
    sql("INSERT INTO bench_commit VALUES (%s)", (i,))
    commit.append((time.perf_counter() - t) * 1000)
sql("DROP TABLE bench_commit")
out["floor_commit_p50_ms"] = q(commit, 0.5)

# deleteMessages: 1,000 messages spread over each conversation, 50 per request.
for name, ids in (("big", big_ids), ("small", small_ids)):
    step = max(1, len(ids) // 1000)
    chosen = ids[::step][:1000]
    times, per, pg = timed(lambda i: owner.call("deleteMessages",
                                                {"msgIDList": chosen[50 * i:50 * i + 50]}),
                           len(chosen) // 50)
    out[f"del_{name}_p50_ms"], out[f"del_{name}_max_ms"] = q(times, 0.5), q(times, 1.0)
    out[f"del_{name}_total_ms"] = f"{sum(times):.1f}"
    out[f"del_{name}_stmts"] = f"{per:.2f}"
    out[f"del_{name}_push_reads"] = f"{timed.pushes:.2f}"
    out[f"del_{name}_pg_p50_ms"] = q(pg, 0.5)
hidden = sql("SELECT count(*) FROM msg_hidden")[0][0]
out["hidden"] = hidden

# Extensions: 300 keys on one message of the long conversation, then read REPEAT times.
msg = big_ids[BIG // 2]
for k in range(0, 300, 20):
    owner.call("setMessageExtensions", {"msgID": msg, "extensions": [
        {"extensionKey": f"k{j}", "extensionValue": f"v{j}"} for j in range(k, k + 20)]})
got = owner.call("getMessageExtensions", {"msgID": msg})
if len(got) != 300:
    sys.exit(f"message_ops.py: {len(got)} extensions, not 300")
times, per, pg = timed(lambda i: owner.call("getMessageExtensions", {"msgID": msg}), REPEAT)
out["ext_p50_ms"], out["ext_p99_ms"] = q(times, 0.5), q(times, 0.99)
out["ext_stmts"], out["ext_pg_p50_ms"] = f"{per:.2f}", q(pg, 0.5)

# clearC2CHistoryMessage of each conversation.
for name, peer in (("big", "mbench_big"), ("small", "mbench_small")):
    times, per, pg = timed(lambda i: owner.call("clearC2CHistoryMessage", {"userID": peer}), 1)
    out[f"clear_{name}_ms"] = f"{times[0]:.2f}"
    out[f"clear_{name}_stmts"], out[f"clear_{name}_pg_ms"] = f"{per:.2f}", q(pg, 1.0)
    out[f"clear_{name}_push_reads"] = f"{timed.pushes:.2f}"
history = owner.call("getHistoryMessageList", {"conversationID": "c2c_mbench_big", "count": 20})
out["history_after_clear"] = len(history["messageList"])

print(" ".join(f"{k}={v}" for k, v in out.items()))
