"""Operations APIs (docs/operations.md): openconfigsvr/getappinfo (daily statistics from the
counters chatd keeps), open_msg_svc/get_history (hourly gzip JSON export files served back at
GET /export/<token>/<file>), and the metrics /metrics exports for latencies, closes and the
process (each one moves when its event happens).
"""

import gzip
import hashlib
import json
import re
import time

import pytest
import requests

from expect import call_fail, call_ok
from util import SDKAPPID, wait_until
from ws_client import WsClient, import_users, text_body

APPINFO = "openconfigsvr/getappinfo"
HISTORY = "open_msg_svc/get_history"
FIELDS = {"AppName", "AppId", "Company", "ActiveUserNum", "RegistUserNumOneDay",
          "RegistUserNumTotal", "LoginTimes", "LoginUserNum", "UpMsgNum", "SendMsgUserNum",
          "APNSMsgNum", "C2CUpMsgNum", "C2CDownMsgNum", "C2CSendMsgUserNum", "C2CAPNSMsgNum",
          "MaxOnlineNum", "DownMsgNum", "ChainIncrease", "ChainDecrease", "GroupUpMsgNum",
          "GroupDownMsgNum", "GroupSendMsgUserNum", "GroupAPNSMsgNum", "GroupSendMsgGroupNum",
          "GroupJoinGroupTimes", "GroupQuitGroupTimes", "GroupNewGroupNum", "GroupAllGroupNum",
          "GroupDestroyGroupNum", "CallBackReq", "CallBackRsp", "Date"}


def today():
    return time.strftime("%Y%m%d", time.gmtime())


def hour_of(ts):
    return time.strftime("%Y%m%d%H", time.gmtime(ts))


def appinfo(rest, **body):
    return call_ok(rest, APPINFO, body)["Result"]


def send(rest, frm, to, text, **fields):
    return call_ok(rest, "openim/sendmsg", {"From_Account": frm, "To_Account": to,
                                            "MsgRandom": 1 + len(text), "MsgBody": text_body(text),
                                            **fields})


@pytest.fixture
def users(rest):
    import_users(rest, "alice", "bob", "carol")
    return ("alice", "bob", "carol")


# ---- getappinfo ----


def test_getappinfo_counts_a_day(chatd, rest, users):
    """Imports, logins, one-to-one and group sends, deliveries, group joins/quits/creations and
    friend additions show in today's row, every value a string as Tencent sends them."""
    bob = WsClient.login_as(chatd.url, "bob")
    send(rest, "alice", "bob", "one")
    send(rest, "carol", "bob", "two")
    bob.wait_event("onRecvNewMessage")
    gid = call_ok(rest, "group_open_http_svc/create_group",
                  {"Type": "Public", "Name": "g", "Owner_Account": "alice",
                   "MemberList": [{"Member_Account": "bob"}]})["GroupId"]
    call_ok(rest, "group_open_http_svc/add_group_member",
            {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    call_ok(rest, "group_open_http_svc/delete_group_member",
            {"GroupId": gid, "MemberToDel_Account": ["carol"]})
    call_ok(rest, "group_open_http_svc/send_group_msg",
            {"GroupId": gid, "From_Account": "alice", "Random": 7, "MsgBody": text_body("g1")})
    bob.wait_event("onRecvNewMessage", where=lambda b: b["message"].get("groupID") == gid)
    call_ok(rest, "sns/friend_import", {"From_Account": "alice", "AddFriendItem": [
        {"To_Account": "carol", "AddSource": "AddSource_Type_Test"}]})
    (row,) = appinfo(rest)
    assert set(row) == FIELDS
    assert all(isinstance(v, str) for v in row.values()), row
    assert row["Date"] == today() and row["AppId"] == str(SDKAPPID)
    expect = {"RegistUserNumOneDay": "3", "RegistUserNumTotal": "3", "LoginTimes": "1",
              "LoginUserNum": "1", "C2CUpMsgNum": "2", "C2CDownMsgNum": "2",
              "C2CSendMsgUserNum": "2", "GroupUpMsgNum": "1", "GroupSendMsgUserNum": "1",
              "GroupSendMsgGroupNum": "1", "UpMsgNum": "3", "SendMsgUserNum": "2",
              "ActiveUserNum": "3", "GroupNewGroupNum": "1", "GroupAllGroupNum": "1",
              "GroupJoinGroupTimes": "1", "GroupQuitGroupTimes": "1", "ChainIncrease": "1",
              "MaxOnlineNum": "1", "APNSMsgNum": "0"}
    assert {k: row[k] for k in expect} == expect
    # bob's session got the group message; the C2C pushes went to him too
    assert int(row["GroupDownMsgNum"]) == 1 and row["DownMsgNum"] == "3"
    bob.close()


def test_getappinfo_request_field_selects(rest, users):
    """RequestField returns only the named fields, with Date, as in Tencent's sample."""
    send(rest, "alice", "bob", "x")
    (row,) = appinfo(rest, RequestField=["C2CUpMsgNum", "ChainIncrease"])
    assert row == {"C2CUpMsgNum": "1", "ChainIncrease": "0", "Date": today()}


def test_getappinfo_flushes_into_the_table(chatd, rest, users, pg):
    """The counters reach PostgreSQL by the periodic flush (or a getappinfo), keyed by day, so
    that nodes sharing the database add up."""
    send(rest, "alice", "bob", "x")
    wait_until(lambda: pg.sql("SELECT v FROM stats_daily WHERE counter = 'C2CUpMsgNum'"),
               timeout=30, what="the 10 s flush")
    pg.sql("UPDATE stats_daily SET v = v + 40 WHERE counter = 'C2CUpMsgNum'")  # another node
    (row,) = appinfo(rest, RequestField=["C2CUpMsgNum"])
    assert row["C2CUpMsgNum"] == "41"


def test_counts_are_flushed_at_shutdown(chatd_factory, pg):
    """What was counted since the last flush reaches PostgreSQL when chatd stops (SIGTERM),
    not only every 10 s."""
    instance = chatd_factory()
    rest = instance.rest()
    import_users(rest, "alice", "bob")
    for i in range(3):
        send(rest, "alice", "bob", f"bye{i}")
    instance.stop()
    assert pg.sql("SELECT counter, v FROM stats_daily WHERE counter IN"
                  " ('C2CUpMsgNum', 'RegistUserNumOneDay') ORDER BY counter") == [
        ("C2CUpMsgNum", 3), ("RegistUserNumOneDay", 2)]


def test_getappinfo_lists_recent_days_newest_first(rest, pg):
    """Days with statistics come newest first; those past 30 days do not."""
    pg.sql("INSERT INTO stats_daily VALUES (current_date - 3, 'LoginTimes', 5),"
           " (current_date - 1, 'LoginTimes', 2), (current_date - 40, 'LoginTimes', 9)")
    rows = appinfo(rest, RequestField=["LoginTimes"])
    dates = [r["Date"] for r in rows]
    assert dates == sorted(dates, reverse=True) and len(rows) == 2
    assert [r["LoginTimes"] for r in rows] == ["2", "5"]


@pytest.mark.parametrize("body", [{"RequestField": "C2CUpMsgNum"}, {"RequestField": [1]},
                                  {"RequestField": ["NoSuchField"]}])
def test_getappinfo_bad_request_field(rest, body):
    call_fail(rest, APPINFO, body, 90010)


def test_getappinfo_needs_admin(rest, users):
    call_fail(rest, APPINFO, {}, 90009, identifier="alice")


# ---- get_history ----


@pytest.fixture
def export_chatd(chatd_factory, tmp_path):
    return chatd_factory(history_export_dir=tmp_path / "var" / "history")  # parents made too


def last_full_hour():
    now = int(time.time())
    return now - now % 3600 - 3600


def download(url):
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    assert r.headers["Content-Type"] == "application/gzip"
    return r.content


def test_get_history_exports_every_message_once(export_chatd, tmp_path):
    """A past hour's one-to-one messages come back in one gzip JSON file: each exactly once,
    with admin_getroammsg's fields; sizes and MD5s in the answer match the download."""
    rest = export_chatd.rest()
    import_users(rest, "alice", "bob", "carol")
    start = last_full_hour()
    sent = {}
    for i in range(7):
        frm, to = [("alice", "bob"), ("bob", "carol"), ("carol", "alice")][i % 3]
        r = send(rest, frm, to, f"m{i}", MsgTimeStamp=start + 60 * i)
        sent[r["MsgKey"]] = (frm, to, f"m{i}", start + 60 * i)
    send(rest, "alice", "bob", "before", MsgTimeStamp=start - 1)  # the hour before
    answer = call_ok(rest, HISTORY, {"ChatType": "C2C", "MsgTime": hour_of(start)})
    (f,) = answer["File"]
    assert set(f) == {"URL", "ExpireTime", "FileSize", "FileMD5", "GzipSize", "GzipMD5"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", f["ExpireTime"])
    assert f["URL"].startswith(export_chatd.url + "/export/")
    gz = download(f["URL"])
    raw = gzip.decompress(gz)
    assert (len(gz), hashlib.md5(gz).hexdigest()) == (f["GzipSize"], f["GzipMD5"])
    assert (len(raw), hashlib.md5(raw).hexdigest()) == (f["FileSize"], f["FileMD5"])
    doc = json.loads(raw)
    assert (doc["ChatType"], doc["MsgTime"]) == ("C2C", hour_of(start))
    got = {m["MsgKey"]: m for m in doc["MsgList"]}
    assert len(doc["MsgList"]) == len(got) == 7
    assert set(got) == set(sent)
    for key, (frm, to, text, ts) in sent.items():
        m = got[key]
        assert (m["From_Account"], m["To_Account"], m["MsgTimeStamp"]) == (frm, to, ts)
        assert m["MsgBody"] == text_body(text) and m["MsgFlagBits"] == 0
        assert {"MsgSeq", "MsgRandom", "MsgId", "CloudCustomData"} <= set(m)
    # asked again: the same file
    assert call_ok(rest, HISTORY, {"ChatType": "C2C", "MsgTime": hour_of(start)})["File"] == [f]


def test_get_history_group_messages(export_chatd):
    """ChatType Group exports the groups' messages of the hour with their GroupId, and not
    the one-to-one ones."""
    rest = export_chatd.rest()
    import_users(rest, "alice", "bob")
    gid = call_ok(rest, "group_open_http_svc/create_group",
                  {"Type": "Public", "Name": "g", "Owner_Account": "alice",
                   "MemberList": [{"Member_Account": "bob"}]})["GroupId"]
    start = last_full_hour()
    msgs = [{"From_Account": "alice", "SendTime": start + i, "Random": i,
             "MsgBody": text_body(f"g{i}")} for i in range(3)]
    call_ok(rest, "group_open_http_svc/import_group_msg", {"GroupId": gid, "MsgList": msgs})
    send(rest, "alice", "bob", "c2c", MsgTimeStamp=start + 5)
    (f,) = call_ok(rest, HISTORY, {"ChatType": "Group", "MsgTime": hour_of(start)})["File"]
    doc = json.loads(gzip.decompress(download(f["URL"])))
    assert [(m["GroupId"], m["From_Account"], m["MsgSeq"], m["MsgBody"])
            for m in doc["MsgList"]] == [(gid, "alice", i + 1, text_body(f"g{i}"))
                                         for i in range(3)]


def test_get_history_pages_through_a_big_hour(export_chatd):
    """More messages than one page (500) come out once each, in time order."""
    rest = export_chatd.rest()
    import_users(rest, "alice", "bob")
    start = last_full_hour()
    msgs = [{"From_Account": "alice", "SendTime": start + i % 3000, "Random": i,
             "MsgBody": text_body(f"p{i}")} for i in range(1203)]
    gid = call_ok(rest, "group_open_http_svc/create_group",
                  {"Type": "Public", "Name": "big", "Owner_Account": "alice"})["GroupId"]
    for i in range(0, len(msgs), 20):
        call_ok(rest, "group_open_http_svc/import_group_msg",
                {"GroupId": gid, "MsgList": msgs[i:i + 20]})
    (f,) = call_ok(rest, HISTORY, {"ChatType": "Group", "MsgTime": hour_of(start)})["File"]
    doc = json.loads(gzip.decompress(download(f["URL"])))
    texts = [m["MsgBody"][0]["MsgContent"]["Text"] for m in doc["MsgList"]]
    assert sorted(texts) == sorted(f"p{i}" for i in range(1203))
    times = [m["MsgTimeStamp"] for m in doc["MsgList"]]
    assert times == sorted(times)


@pytest.mark.parametrize("body", [
    {"ChatType": "c2c", "MsgTime": "2024010100"},
    {"ChatType": "Both", "MsgTime": "2024010100"},
    {"MsgTime": "2024010100"},
    {"ChatType": "C2C"},
    {"ChatType": "C2C", "MsgTime": "20240101"},
    {"ChatType": "C2C", "MsgTime": "2024013200"},
    {"ChatType": "C2C", "MsgTime": "2024010124"},
    {"ChatType": "C2C", "MsgTime": "202401010a"},
    {"ChatType": "C2C", "MsgTime": " 2024010100"},
])
def test_get_history_bad_parameters(export_chatd, body):
    call_fail(export_chatd.rest(), HISTORY, body, 90010)


def test_get_history_hour_not_over_or_empty(export_chatd, tmp_path):
    """The current hour (or a later one) and an hour without messages answer 91101, and
    leave no file behind."""
    rest = export_chatd.rest()
    import_users(rest, "alice", "bob")
    send(rest, "alice", "bob", "now")
    for ts in (time.time(), time.time() + 7200):
        call_fail(rest, HISTORY, {"ChatType": "C2C", "MsgTime": hour_of(ts)}, 91101)
    call_fail(rest, HISTORY, {"ChatType": "C2C", "MsgTime": "2020010100"}, 91101)
    d = tmp_path / "var" / "history"
    assert not d.exists() or list(d.iterdir()) == []


def test_get_history_needs_admin(export_chatd):
    rest = export_chatd.rest()
    import_users(rest, "alice")
    call_fail(rest, HISTORY, {"ChatType": "C2C", "MsgTime": "2024010100"}, 90009,
              identifier="alice")


def test_export_url_expires(chatd_factory, tmp_path):
    """After history_export_ttl_s the URL answers 404 and the file is gone; a forged or
    altered token is 404 at once."""
    d = tmp_path / "history"
    instance = chatd_factory(history_export_dir=d, history_export_ttl_s=1)
    rest = instance.rest()
    import_users(rest, "alice", "bob")
    start = last_full_hour()
    send(rest, "alice", "bob", "x", MsgTimeStamp=start)
    (f,) = call_ok(rest, HISTORY, {"ChatType": "C2C", "MsgTime": hour_of(start)})["File"]
    token = f["URL"].split("/")[-2]
    forged = f["URL"].replace(token, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert requests.get(forged, timeout=5).status_code == 404
    later = f["URL"].replace(token, str(int(token.split("-")[0]) + 9999) + "-" + token[-32:])
    assert requests.get(later, timeout=5).status_code == 404
    for bad in ("/export/", "/export/x/y.gz", f"/export/{token}/../../etc/passwd"):
        assert requests.get(instance.url + bad, timeout=5).status_code == 404
    wait_until(lambda: requests.get(f["URL"], timeout=5).status_code == 404, timeout=15,
               what="the export to expire")
    # the next get_history sweeps the expired directory and makes a new export
    (g,) = call_ok(rest, HISTORY, {"ChatType": "C2C", "MsgTime": hour_of(start)})["File"]
    assert g["URL"] != f["URL"] and not (d / token).exists()


# ---- metrics ----


def scrape(instance):
    return requests.get(f"{instance.url}/metrics", timeout=5).text


def sample(page, name, labels=""):
    """The value of one sample line, 0 when absent."""
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", page, re.M)
    return float(m.group(1)) if m else 0.0


def test_deliver_latency_moves_when_a_push_is_written(chatd, rest, users):
    """chatd_message_deliver_seconds counts one observation per push of a stored message
    written to a receiver's socket (here: bob's two sessions)."""
    before = sample(scrape(chatd), "chatd_message_deliver_seconds_count")
    web = WsClient.login_as(chatd.url, "bob")
    phone = WsClient.login_as(chatd.url, "bob", platform="Android")
    send(rest, "alice", "bob", "hi", SyncOtherMachine=2)
    web.wait_event("onRecvNewMessage")
    phone.wait_event("onRecvNewMessage")
    page = wait_until(lambda: (p := scrape(chatd)) and sample(
        p, "chatd_message_deliver_seconds_count") >= before + 2 and p, what="2 observations")
    assert sample(page, "chatd_message_deliver_seconds_count") == before + 2
    assert sample(page, "chatd_message_deliver_seconds_bucket", '{le="+Inf"}') == before + 2
    web.close()
    phone.close()


def test_ws_closes_counted_by_code(chatd, rest, users):
    """A client's close (1000), a kick (4001) and a connection dropped without a close frame
    (1006) each count under their code."""
    def closes(code):
        return sample(scrape(chatd), "chatd_ws_closes_total", f'{{code="{code}"}}')

    base = {c: closes(c) for c in (1000, 4001, 1006)}
    client = WsClient.login_as(chatd.url, "alice")
    client.close()
    wait_until(lambda: closes(1000) == base[1000] + 1, what="close 1000")
    kicked = WsClient.login_as(chatd.url, "bob")
    call_ok(rest, "im_open_login_svc/kick", {"UserID": "bob"})
    wait_until(lambda: closes(4001) == base[4001] + 1, what="close 4001")
    kicked.close()
    dropped = WsClient.login_as(chatd.url, "carol")
    dropped.ws.sock.shutdown(2)
    wait_until(lambda: closes(1006) == base[1006] + 1, what="close 1006")
    dropped.close()


def test_db_histograms_move(chatd, rest):
    """Every batch adds to chatd_db_batch_seconds and chatd_db_queue_wait_seconds, every
    statement to chatd_db_statement_seconds."""
    names = ("chatd_db_batch_seconds_count", "chatd_db_queue_wait_seconds_count",
             "chatd_db_statement_seconds_count")
    before = [sample(scrape(chatd), n) for n in names]
    import_users(rest, "alice")  # one batch of several statements
    after = [sample(scrape(chatd), n) for n in names]
    assert after[0] > before[0] and after[1] > before[1]
    assert after[2] - before[2] >= 2


def test_webhook_latency_moves(hooked, receiver):
    """Each callback request adds to chatd_webhook_request_seconds of its kind."""
    instance = hooked()
    rest = instance.rest()
    page = scrape(instance)
    before = {k: sample(page, "chatd_webhook_request_seconds_count", f'{{kind="{k}"}}')
              for k in ("before", "after")}
    send(rest, "alice", "bob", "hooked")
    receiver.wait("C2C.CallbackAfterSendMsg")
    def moved():
        p = scrape(instance)
        return all(sample(p, "chatd_webhook_request_seconds_count", f'{{kind="{k}"}}') > before[k]
                   for k in before)
    wait_until(moved, what="both kinds observed")


def test_process_metrics(chatd):
    """process_* are read from /proc/self: they exist and make sense."""
    page = scrape(chatd)
    assert sample(page, "process_open_fds") > 3
    assert sample(page, "process_max_fds") >= sample(page, "process_open_fds")
    assert sample(page, "process_resident_memory_bytes") > 1 << 20
    assert sample(page, "process_cpu_seconds_total") >= 0
    assert abs(sample(page, "process_start_time_seconds") - time.time()) < 3600
    for name in ("process_open_fds", "process_cpu_seconds_total"):
        assert f"# TYPE {name} " in page
