#!/usr/bin/python3
"""The search benchmark's query half (scripts/bench.sh search): a user with MSGS visible
messages in PEERS one-to-one conversations, written straight into PostgreSQL (the set-up is not
what is measured; the search index is dropped for the load and built afterwards, timed), then
searchCloudMessages over one WebSocket, REPEAT times per kind of search: request → answer p50
and p99 per kind, and PostgreSQL's own execution time of the statement (EXPLAIN ANALYZE of the
same query, once per kind). Prints one summary line of key=value fields.

The texts mix Chinese and English words; "发票" is in 1 message of 1,000, "meeting" in 1 of 100,
"hello" in 1 of 10 (what a common word costs: every hit is counted for totalCount).

    bench/search.py PORT PG_PORT [MSGS [PEERS [REPEAT]]]
"""

import os
import sys
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from ws_client import WsClient  # noqa: E402

PORT, PG_PORT = int(sys.argv[1]), int(sys.argv[2])
MSGS = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
PEERS = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
REPEAT = int(sys.argv[5]) if len(sys.argv) > 5 else 30
URL = f"http://127.0.0.1:{PORT}"
USER = "searcher"
DAYS = 60

db = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="chatd")
db.autocommit = True


def sql(query, params=None):
    with db.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


def peer(i):
    return f"s_p{i:04d}"


def conv_key(a, b):
    a, b = sorted((a, b))
    return f"c:{len(a)}:{a}:{b}"


INDEX = sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_search'")[0][0]
COLUMN = ("ALTER TABLE messages ADD COLUMN search_text text"
          " GENERATED ALWAYS AS (chatd_search_text(body)) STORED")
now = int(time.time())
SAMPLE = ("INSERT INTO messages (conv_key, seq, sender, receiver, random, hash, msg_id, ts, body)"
          " SELECT 'c:1:a:b', s, 'a', 'b', s, 'h', md5('w' || s), 0,"
          " json_build_array(json_build_object('MsgType', 'TIMTextElem', 'MsgContent',"
          " json_build_object('Text', '明天下午三点开会, meeting at noon ' || s))) FROM generate_series(1, 20000) s")


def write_us():
    """PostgreSQL's time per message of one INSERT of 20,000 messages (then removed)."""
    t = time.perf_counter()
    sql(SAMPLE)
    spent = (time.perf_counter() - t) * 1e6 / 20000
    sql("DELETE FROM messages WHERE conv_key = 'c:1:a:b'")
    return spent


sql("VACUUM messages")
on = min(write_us() for _ in range(3))
sql("DROP INDEX messages_search")
sql("ALTER TABLE messages DROP COLUMN search_text")
sql("VACUUM messages")
off = min(write_us() for _ in range(3))
sql(COLUMN)
t0 = time.perf_counter()
sql("INSERT INTO accounts (user_id) SELECT %s UNION ALL SELECT 's_p' || lpad(i::text, 4, '0')"
    " FROM generate_series(0, %s - 1) i", (USER, PEERS))
# Message s (1..MSGS) is in conversation s % PEERS, seq s / PEERS + 1, sent by the searcher or
# the peer in turn, spread over the last DAYS days.
sql("""
    WITH p AS (SELECT i, 's_p' || lpad(i::text, 4, '0') AS peer FROM generate_series(0, %(peers)s - 1) i),
    k AS (SELECT i, peer, 'c:' || length(least(peer, %(user)s)) || ':' || least(peer, %(user)s)
            || ':' || greatest(peer, %(user)s) AS key FROM p)
    INSERT INTO messages (conv_key, seq, sender, receiver, random, hash, msg_id, ts, body, flags)
    SELECT k.key, s / %(peers)s + 1,
           CASE WHEN s %% 2 = 0 THEN %(user)s ELSE k.peer END,
           CASE WHEN s %% 2 = 0 THEN k.peer ELSE %(user)s END,
           s, 'h', md5('m' || s), %(now)s - (%(msgs)s - s)::bigint * %(span)s / %(msgs)s,
           json_build_array(json_build_object('MsgType', 'TIMTextElem', 'MsgContent',
             json_build_object('Text',
               (ARRAY['你好','明天','会议','报告','项目','客户','价格','合同','周末','吃饭',
                      '电话','邮件','时间','地址','问题'])[1 + (s * 7) %% 15] || ' ' ||
               CASE WHEN abs(hashint4(s + 1)) %% 10 = 1 THEN 'hello ' ELSE '' END ||
               (ARRAY['world','deploy','review','lunch','coffee','budget','ticket','design',
                      'server','report'])[1 + (s * 13) %% 10] || ' ' ||
               (ARRAY['谢谢','好的','没问题','收到','稍等'])[1 + (s * 3) %% 5] || ' ' || s ||
               CASE WHEN abs(hashint4(s)) %% 1000 = 7 THEN ' 请把发票发给我'
                    WHEN abs(hashint4(s + 2)) %% 100 = 3 THEN ' meeting at noon' ELSE '' END))), 0
    FROM generate_series(1, %(msgs)s) s JOIN k ON k.i = s %% %(peers)s
""", {"peers": PEERS, "user": USER, "now": now, "msgs": MSGS, "span": DAYS * 86400})
sql("INSERT INTO conversations (conv_key, last_seq, last_time, activity)"
    " SELECT conv_key, max(seq), max(ts), nextval('conv_activity') FROM messages"
    " WHERE conv_key LIKE 'c:%%' GROUP BY conv_key")
sql("INSERT INTO conv_views (user_id, conv_key, peer)"
    " SELECT %s, conv_key, CASE WHEN sender = %s THEN receiver ELSE sender END FROM messages"
    " WHERE seq = 1 AND (sender = %s OR receiver = %s)"
    " UNION ALL SELECT CASE WHEN sender = %s THEN receiver ELSE sender END, conv_key, %s"
    " FROM messages WHERE seq = 1 AND (sender = %s OR receiver = %s)",
    (USER,) * 8)
load_s = time.perf_counter() - t0
t0 = time.perf_counter()
sql("SET maintenance_work_mem = '256MB'")
sql(INDEX)
index_s = time.perf_counter() - t0
sql("VACUUM ANALYZE messages")
index_mb = sql("SELECT pg_relation_size('messages_search') / 1048576")[0][0]
table_mb = sql("SELECT pg_relation_size('messages') / 1048576")[0][0]
visible = sql("SELECT count(*) FROM messages WHERE sender = %s OR receiver = %s", (USER, USER))[0][0]

client = WsClient.login_as(URL, USER)


def q(values, p):
    values = sorted(values)
    return f"{values[min(len(values) - 1, int(p * len(values)))]:.1f}" if values else "-"


def search(**param):
    return client.call("searchCloudMessages", {"searchParam": param})


first = search(keywordList=["发票"], pageSize=20)
KINDS = {
    "rare": {"keywordList": ["发票"]},
    "common": {"keywordList": ["meeting"]},
    "frequent": {"keywordList": ["hello"]},
    "and": {"keywordList": ["meeting", "noon"], "keywordListMatchType": 1},
    "or": {"keywordList": ["发票", "meeting"]},
    "sender": {"keywordList": ["meeting"], "senderUserIDList": [peer(3)]},
    "one_conv": {"keywordList": ["meeting"], "conversationID": f"c2c_{peer(3)}"},
    "week": {"keywordList": ["meeting"], "searchTimePeriod": 7 * 86400},
    "next_page": {"keywordList": ["发票"], "searchCursor": first["searchCursor"]},
    "none": {"keywordList": ["不存在的词"]},
}
out = {"write_on_us": f"{on:.1f}", "write_off_us": f"{off:.1f}",
       "write_extra_us": f"{on - off:.1f}", "msgs": MSGS, "visible": visible, "peers": PEERS, "load_s": f"{load_s:.1f}",
       "index_s": f"{index_s:.1f}", "index_mb": index_mb, "table_mb": table_mb}
for name, param in KINDS.items():
    param = dict(param, pageSize=20)
    search(**param)  # warm the cache and the connection's prepared statement
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        answer = search(**param)
        times.append((time.perf_counter() - t) * 1000)
    # totalCount: conversations with a hit (messages, for one conversation).
    out[f"{name}_total"] = answer["totalCount"]
    out[f"{name}_p50_ms"] = q(times, 0.5)
    out[f"{name}_p99_ms"] = q(times, 0.99)
print(" ".join(f"{k}={v}" for k, v in out.items()))
