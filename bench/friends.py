#!/usr/bin/python3
"""The friends benchmark (scripts/bench.sh friends): user P gets FRIENDS friends through
v4/sns/friend_import, then the first page of v4/sns/friend_get (100 friends with their fields)
is timed REPEAT times, request → answer over one keep-alive HTTP connection, and so is
friend_check of 100 users; PostgreSQL's own time for the page statement comes from EXPLAIN
ANALYZE (the statement text read from server/store/sns.c). Prints one summary line of
key=value fields.

    bench/friends.py PORT PG_PORT [FRIENDS [REPEAT]]
"""

import os
import re
import statistics
import subprocess
import sys
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from admin_rest import AdminRest, ms  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PORT, PG_PORT = int(sys.argv[1]), int(sys.argv[2])
FRIENDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
REPEAT = int(sys.argv[4]) if len(sys.argv) > 4 else 200
OWNER = "fbench_owner"

rest = AdminRest(PORT, "friends.py")
call, timed = rest.call, rest.timed


t0 = time.perf_counter()
peers = [f"fbench_{i:05d}" for i in range(FRIENDS)]
for i in range(0, len(peers) + 1, 100):
    call("im_open_login_svc/multiaccount_import", {"Accounts": (peers + [OWNER])[i:i + 100]})
for i in range(0, FRIENDS, 1000):
    call("sns/friend_import", {"From_Account": OWNER, "AddFriendItem": [
        {"To_Account": p, "AddSource": "AddSource_Type_Bench", "Remark": p[-5:],
         "GroupName": ["bench"]} for p in peers[i:i + 1000]]})
setup_s = time.perf_counter() - t0

page = {"From_Account": OWNER, "StartIndex": 0}
first = call("sns/friend_get", page)
if first["FriendNum"] != FRIENDS or len(first["UserDataItem"]) != min(100, FRIENDS):
    sys.exit(f"friends.py: {first['FriendNum']} friends (friends_max too low?)")
timed("sns/friend_get", page, 10)  # warm-up
get = timed("sns/friend_get", page, REPEAT)
last = timed("sns/friend_get", {"From_Account": OWNER, "StartIndex": max(0, FRIENDS - 100)},
             REPEAT)
# the machine's floor in the same run: the cheapest REST call through the same client
floor = timed("im_open_login_svc/account_check", {"CheckItem": [{"UserID": OWNER}]}, REPEAT)
check = timed("sns/friend_check", {"From_Account": OWNER, "CheckType": "CheckResult_Type_Both",
                                   "To_Account": peers[:100]}, REPEAT)


def statement(name):
    """The SQL text of `static const char name[]` in server/store/sns.c, macros expanded."""
    src = subprocess.run(["gcc", "-E", "-P", f"-I{REPO}/server", f"{REPO}/server/store/sns.c"],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"static const char " + name + r"\[\] =(.*?);\n", src, re.S)
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))


pg = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="chatd")
cur = pg.cursor()
cur.execute("PREPARE page(text, bigint, bigint, bool) AS " + statement("friends_sql"))
pg_times = []
for _ in range(20):
    cur.execute("EXPLAIN (ANALYZE) EXECUTE page(%s, 0, 100, false)", (OWNER,))
    plan = "\n".join(r[0] for r in cur.fetchall())
    pg_times.append(float(re.search(r"Execution Time: ([0-9.]+) ms", plan).group(1)))
pg_times.sort()
# unprepared, as chatd sends it (PQsendQueryParams): planning counts too
plan_times = []
for _ in range(20):
    cur.execute("EXPLAIN (ANALYZE, SUMMARY) " + re.sub(r"\$(\d)", lambda m: ["%(o)s", "0", "100",
                "false"][int(m.group(1)) - 1], statement("friends_sql")), {"o": OWNER})
    plan = "\n".join(r[0] for r in cur.fetchall())
    plan_times.append(float(re.search(r"Planning Time: ([0-9.]+) ms", plan).group(1)) +
                      float(re.search(r"Execution Time: ([0-9.]+) ms", plan).group(1)))
plan_times.sort()
select1 = []
for _ in range(200):
    t = time.perf_counter()
    cur.execute("SELECT 1")
    cur.fetchall()
    select1.append((time.perf_counter() - t) * 1000)
select1.sort()

print(f"friends friends={FRIENDS} setup_s={setup_s:.1f} repeat={REPEAT}"
      f" first_page_p50_ms={ms(get, 0.5)} first_page_p99_ms={ms(get, 0.99)}"
      f" first_page_min_ms={ms(get, 0)} last_page_p50_ms={ms(last, 0.5)}"
      f" check100_p50_ms={ms(check, 0.5)} check100_p99_ms={ms(check, 0.99)}"
      f" mean_ms={statistics.mean(get):.2f} pg_page_ms={ms(pg_times, 0.5)}"
      f" pg_plan_exec_ms={ms(plan_times, 0.5)} floor_rest_p50_ms={ms(floor, 0.5)}"
      f" floor_select1_p50_ms={ms(select1, 0.5)}")
