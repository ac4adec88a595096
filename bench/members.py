#!/usr/bin/python3
"""The large-community benchmark (scripts/bench.sh members): a Community of MEMBERS members (the
default 100,000 of reference §5.7; the rows written straight into PostgreSQL, the membership
triggers keeping the count), then v4/group_open_http_svc/get_group_member_info pages of 100
timed REPEAT times each, request → answer over one keep-alive connection: the first page, a page
in the middle and the last page through Next (keyset: each should cost the same), and the
last page through Offset (skips rows: grows with the offset), plus get_group_info (MemberNum
from the group row; and without a ResponseFilter, with the first 6,000 members as Tencent
answers). Prints one summary line of key=value fields.

    bench/members.py PORT PG_PORT [MEMBERS [REPEAT]]
"""

import json
import os
import sys
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from admin_rest import AdminRest, ms  # noqa: E402

PORT, PG_PORT = int(sys.argv[1]), int(sys.argv[2])
MEMBERS = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
REPEAT = int(sys.argv[4]) if len(sys.argv) > 4 else 50
GID = "@TGS#_mbench"

rest = AdminRest(PORT, "members.py")
call, timed = rest.call, rest.timed


t0 = time.perf_counter()
call("im_open_login_svc/account_import", {"UserID": "mbench_owner"})
call("group_open_http_svc/create_group", {"Owner_Account": "mbench_owner", "Type": "Community",
                                          "GroupId": GID, "Name": "bench"})
pg = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="chatd")
pg.autocommit = True
cur = pg.cursor()
cur.execute("INSERT INTO accounts (user_id) SELECT 'mb' || lpad(i::text, 7, '0')"
            " FROM generate_series(1, %s) i", (MEMBERS,))
cur.execute("INSERT INTO group_members (group_id, user_id, join_time)"
            " SELECT %s, 'mb' || lpad(i::text, 7, '0'), 1700000000 + i FROM generate_series(1, %s) i",
            (GID, MEMBERS))
cur.execute("ANALYZE")
setup_s = time.perf_counter() - t0

page = {"GroupId": GID, "Limit": 100, "MemberInfoFilter": ["Role", "JoinTime"]}
first = call("group_open_http_svc/get_group_member_info", {**page, "Next": ""})
if first["MemberNum"] != MEMBERS + 1 or len(first["MemberList"]) != 100:
    sys.exit(f"members.py: MemberNum {first['MemberNum']}, page of {len(first['MemberList'])}")


def key(i):
    """The Next cursor after member i (1-based) of the plain members."""
    return json.dumps([2, 1700000000 + i, f"mb{i:07d}"], separators=(",", ":"))


timed("group_open_http_svc/get_group_member_info", {**page, "Next": ""}, 5)  # warm-up
first_t = timed("group_open_http_svc/get_group_member_info", {**page, "Next": ""}, REPEAT)
mid_t = timed("group_open_http_svc/get_group_member_info",
              {**page, "Next": key(MEMBERS // 2)}, REPEAT)
last_t = timed("group_open_http_svc/get_group_member_info",
               {**page, "Next": key(MEMBERS - 100)}, REPEAT)
offset_t = timed("group_open_http_svc/get_group_member_info",
                 {**page, "Offset": MEMBERS - 99}, max(5, REPEAT // 10))
info_t = timed("group_open_http_svc/get_group_info", {"GroupIdList": [GID], "ResponseFilter": {
    "GroupBaseInfoFilter": ["MemberNum", "Name"]}}, REPEAT)
full_info_t = timed("group_open_http_svc/get_group_info", {"GroupIdList": [GID]},
                    max(5, REPEAT // 10))
floor = timed("im_open_login_svc/account_check", {"CheckItem": [{"UserID": "mbench_owner"}]},
              REPEAT)
print(f"members members={MEMBERS} setup_s={setup_s:.1f} repeat={REPEAT}"
      f" first_p50_ms={ms(first_t, 0.5)} first_p99_ms={ms(first_t, 0.99)}"
      f" middle_p50_ms={ms(mid_t, 0.5)} last_p50_ms={ms(last_t, 0.5)}"
      f" last_p99_ms={ms(last_t, 0.99)} offset_last_p50_ms={ms(offset_t, 0.5)}"
      f" info_p50_ms={ms(info_t, 0.5)} full_info_p50_ms={ms(full_info_t, 0.5)}"
      f" floor_rest_p50_ms={ms(floor, 0.5)}")
