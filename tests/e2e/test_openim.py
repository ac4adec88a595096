"""One-to-one messages through Tencent's REST APIs: openim/sendmsg, batchsendmsg, importmsg,
admin_getroammsg, admin_set_msg_read, get_c2c_unread_msg_num, and global mute
(openconfigsvr/setnospeaking, getnospeaking).

REST and WebSocket are two doors to one message model: what one sends, the other sees. Refused
requests store nothing.
"""

import time

import pytest

from expect import call_fail, call_ok
from util import ADMIN
from ws_client import text_body

SEND = "openim/sendmsg"
BATCH = "openim/batchsendmsg"
IMPORT = "openim/importmsg"
ROAM = "openim/admin_getroammsg"
SET_READ = "openim/admin_set_msg_read"
UNREAD = "openim/get_c2c_unread_msg_num"
SET_MUTE = "openconfigsvr/setnospeaking"
GET_MUTE = "openconfigsvr/getnospeaking"
FOREVER = 4294967295


@pytest.fixture
def users(rest):
    """alice, bob, carol and dave, imported."""
    names = ["alice", "bob", "carol", "dave"]
    call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": names})
    return names


@pytest.fixture
def ws(chatd, ws):
    """ws(user, platform="Web") -> a logged-in WsClient on `chatd` (conftest.py's `ws`, which
    closes it at teardown)."""
    connect = ws
    return lambda user, platform="Web": connect(chatd, user, platform)


def send(rest, to, text="hi", random=1, **fields):
    """sendmsg that must succeed; returns the answer."""
    body = {"To_Account": to, "MsgRandom": random, "MsgBody": text_body(text), **fields}
    return call_ok(rest, SEND, body)


def roam(rest, operator, peer, max_cnt=100, min_time=0, max_time=FOREVER, **fields):
    body = {"Operator_Account": operator, "Peer_Account": peer, "MaxCnt": max_cnt,
            "MinTime": min_time, "MaxTime": max_time, **fields}
    return call_ok(rest, ROAM, body)


def unread(rest, user, peers=None):
    body = {"To_Account": user}
    if peers is not None:
        body["Peer_Account"] = peers
    return call_ok(rest, UNREAD, body)


def message_count(pg):
    return pg.sql("SELECT count(*) FROM messages")[0][0]


def texts(msg_list):
    return [m["MsgBody"][0]["MsgContent"]["Text"] for m in msg_list]


# ---- sendmsg ----


def test_sendmsg_lands_on_the_receivers_websocket(rest, users, ws):
    """A REST sendmsg from alice is pushed to bob's session as onRecvNewMessage, with the ids the
    REST answer gave."""
    bob = ws("bob")
    answer = send(rest, "bob", "hello bob", random=77, From_Account="alice",
                  CloudCustomData="ccd")
    assert answer["MsgSeq"] == 1
    assert answer["MsgKey"] == f"1_77_{answer['MsgTime']}"
    assert answer["MsgId"]
    msg = bob.wait_event("onRecvNewMessage")["message"]
    assert msg["msgID"] == answer["MsgId"] and msg["msgKey"] == answer["MsgKey"]
    assert (msg["sender"], msg["userID"], msg["seq"], msg["random"]) == ("alice", "alice", 1, 77)
    assert msg["msgBody"] == text_body("hello bob")
    assert msg["cloudCustomData"] == "ccd"
    assert msg["timestamp"] == answer["MsgTime"]


def test_sendmsg_without_from_account_is_sent_by_the_admin(rest, users, ws):
    """Without From_Account the calling admin is the sender, and need not be an account."""
    bob = ws("bob")
    send(rest, "bob", "from the admin")
    msg = bob.wait_event("onRecvNewMessage")["message"]
    assert msg["sender"] == ADMIN and msg["userID"] == ADMIN
    listed = roam(rest, "bob", ADMIN)["MsgList"]
    assert [(m["From_Account"], m["To_Account"]) for m in listed] == [(ADMIN, "bob")]


def test_websocket_send_shows_in_getroammsg(rest, users, ws):
    """A message sent over WebSocket is listed by admin_getroammsg with Tencent's fields."""
    alice = ws("alice")
    sent = alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("via ws"),
                                      "random": 9, "cloudCustomData": "x"})
    page = roam(rest, "bob", "alice")
    assert (page["Complete"], page["MsgCnt"]) == (1, 1)
    (m,) = page["MsgList"]
    assert m == {"From_Account": "alice", "To_Account": "bob", "MsgSeq": sent["seq"],
                 "MsgRandom": 9, "MsgTimeStamp": sent["timestamp"], "MsgFlagBits": 0,
                 "IsPeerRead": 0, "MsgKey": sent["msgKey"], "MsgBody": text_body("via ws"),
                 "CloudCustomData": "x"}
    assert (page["LastMsgKey"], page["LastMsgTime"]) == (sent["msgKey"], sent["timestamp"])


def test_sendmsg_resend_returns_the_first_result(rest, pg, users, ws):
    """The same From/To/MsgRandom/body again within the window: the first MsgKey and MsgId come
    back, nothing is stored or pushed twice."""
    bob = ws("bob")
    first = send(rest, "bob", "once", random=5, From_Account="alice")
    again = send(rest, "bob", "once", random=5, From_Account="alice")
    assert (again["MsgKey"], again["MsgId"], again["MsgSeq"]) == \
        (first["MsgKey"], first["MsgId"], first["MsgSeq"])
    assert message_count(pg) == 1
    send(rest, "bob", "marker", random=6, From_Account="alice")
    bob.wait_event("onRecvNewMessage", where=lambda b: b["message"]["seq"] == 2)
    bob.barrier()
    assert [m["seq"] for m in bob.messages()] == [1]


def test_sendmsg_numbers_each_conversation_1_2_3(rest, users):
    """Messages of a conversation get MsgSeq 1, 2, 3 whatever MsgSeq the caller passes; another
    conversation starts at 1 again."""
    seqs = [send(rest, "bob", f"m{i}", random=i, From_Account="alice", MsgSeq=1000 - i)["MsgSeq"]
            for i in range(3)]
    assert seqs == [1, 2, 3]
    assert [m["MsgSeq"] for m in roam(rest, "alice", "bob")["MsgList"]] == [1, 2, 3]
    assert send(rest, "carol", "other", From_Account="alice")["MsgSeq"] == 1


def test_sendmsg_accepts_every_documented_field(rest, users):
    """A request with every field of the reference, all valid, is accepted."""
    send(rest, "bob", "full", random=4294967295, From_Account="alice", SyncOtherMachine=1,
         MsgLifeTime=604800, MsgSeq=4294967295, MsgTimeStamp=int(time.time()), OnlineOnlyFlag=0,
         ForbidCallbackControl=["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"],
         SendMsgControl=["NoUnread", "NoLastMsg", "WithMuteNotifications"],
         CloudCustomData="c", SupportMessageExtension=1, IsNeedReadReceipt=1,
         OfflinePushInfo={"PushFlag": 0, "Title": "t", "Desc": "d", "Ext": "{}",
                          "AndroidInfo": {"Sound": "s"}, "ApnsInfo": {"BadgeMode": 1}})


def test_sendmsg_msgtimestamp_is_the_message_time(rest, users):
    """A given MsgTimeStamp becomes the message's time (MsgTime, MsgKey, history)."""
    answer = send(rest, "bob", From_Account="alice", random=3, MsgTimeStamp=1600000000)
    assert answer["MsgTime"] == 1600000000 and answer["MsgKey"] == "1_3_1600000000"
    (m,) = roam(rest, "bob", "alice")["MsgList"]
    assert m["MsgTimeStamp"] == 1600000000


@pytest.mark.parametrize("change, code", [
    pytest.param({"MsgRandom": None}, 90005, id="no-MsgRandom"),
    pytest.param({"MsgRandom": "1"}, 90005, id="MsgRandom-string"),
    pytest.param({"MsgRandom": -1}, 90005, id="MsgRandom-negative"),
    pytest.param({"MsgRandom": 4294967296}, 90005, id="MsgRandom-over-uint32"),
    pytest.param({"MsgBody": None}, 90002, id="no-MsgBody"),
    pytest.param({"MsgBody": []}, 90002, id="MsgBody-empty"),
    pytest.param({"MsgBody": {"MsgType": "TIMTextElem"}}, 90002, id="MsgBody-object"),
    pytest.param({"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}]}, 90002,
                 id="MsgBody-text-not-string"),
    pytest.param({"MsgBody": [{"MsgType": "TIMNoSuchElem", "MsgContent": {}}]}, 90002,
                 id="MsgBody-unknown-type"),
    pytest.param({"MsgBody": text_body("x" * 13000)}, 80002, id="MsgBody-too-long"),
    pytest.param({"MsgBody": text_body("x" * 6000), "CloudCustomData": "y" * 7000}, 80002,
                 id="with-CloudCustomData-too-long"),
    pytest.param({"CloudCustomData": 5}, 90010, id="CloudCustomData-not-string"),
    pytest.param({"To_Account": None}, 90003, id="no-To_Account"),
    pytest.param({"To_Account": ["bob"]}, 90003, id="To_Account-array"),
    pytest.param({"To_Account": "nobody"}, 20003, id="To_Account-unknown"),
    pytest.param({"To_Account": "x" * 33}, 20003, id="To_Account-too-long"),
    pytest.param({"From_Account": "nobody"}, 90008, id="From_Account-unknown"),
    pytest.param({"From_Account": 7}, 90008, id="From_Account-number"),
    pytest.param({"From_Account": ""}, 90008, id="From_Account-empty"),
    pytest.param({"OfflinePushInfo": "push"}, 90043, id="OfflinePushInfo-string"),
    pytest.param({"OfflinePushInfo": {"PushFlag": 3}}, 90043, id="OfflinePushInfo-PushFlag"),
    pytest.param({"OfflinePushInfo": {"Title": 1}}, 90043, id="OfflinePushInfo-Title"),
    pytest.param({"SyncOtherMachine": 3}, 90031, id="SyncOtherMachine-3"),
    pytest.param({"SyncOtherMachine": "1"}, 90031, id="SyncOtherMachine-string"),
    pytest.param({"MsgLifeTime": "60"}, 90044, id="MsgLifeTime-string"),
    pytest.param({"MsgLifeTime": 604801}, 90026, id="MsgLifeTime-over-7-days"),
    pytest.param({"MsgLifeTime": -1}, 90026, id="MsgLifeTime-negative"),
    pytest.param({"MsgSeq": "1"}, 90010, id="MsgSeq-string"),
    pytest.param({"MsgSeq": 4294967296}, 90010, id="MsgSeq-over-uint32"),
    pytest.param({"MsgTimeStamp": "now"}, 90006, id="MsgTimeStamp-string"),
    pytest.param({"MsgTimeStamp": -5}, 90006, id="MsgTimeStamp-negative"),
    pytest.param({"OnlineOnlyFlag": 2}, 90010, id="OnlineOnlyFlag-2"),
    pytest.param({"IsNeedReadReceipt": True}, 90010, id="IsNeedReadReceipt-bool"),
    pytest.param({"SupportMessageExtension": "1"}, 90010, id="SupportMessageExtension-string"),
    pytest.param({"SendMsgControl": "NoUnread"}, 90010, id="SendMsgControl-string"),
    pytest.param({"SendMsgControl": ["NoSuchControl"]}, 90010, id="SendMsgControl-unknown"),
    pytest.param({"ForbidCallbackControl": [1]}, 90010, id="ForbidCallbackControl-number"),
])
def test_sendmsg_refuses_bad_input(rest, pg, users, change, code):
    """Each malformed field gets its own ErrorCode and nothing is stored."""
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1,
            "MsgBody": text_body("hi")}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    call_fail(rest, SEND, body, code)
    assert message_count(pg) == 0


@pytest.mark.parametrize("api", [SEND, BATCH, IMPORT, ROAM, SET_READ, UNREAD, SET_MUTE, GET_MUTE])
def test_every_api_needs_an_admin(rest, pg, users, api):
    """A caller that is not an app administrator gets 90009 and changes nothing."""
    body = {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1,
            "MsgBody": text_body("hi"), "SyncFromOldSystem": 2, "MsgTimeStamp": 1,
            "Set_Account": "alice", "C2CmsgNospeakingTime": 100}
    call_fail(rest, api, body, 90009, identifier="alice")
    assert message_count(pg) == 0
    assert pg.sql("SELECT c2c_mute_until FROM accounts WHERE user_id = 'alice'") == [(0,)]


def test_sendmsg_online_only_is_pushed_but_not_stored(rest, pg, users, ws):
    """OnlineOnlyFlag 1 reaches online sessions, is never stored and has MsgSeq 0."""
    bob = ws("bob")
    answer = send(rest, "bob", "typing…", From_Account="alice", OnlineOnlyFlag=1)
    assert answer["MsgSeq"] == 0
    msg = bob.wait_event("onRecvNewMessage")["message"]
    assert msg["onlineUserOnly"] is True and msg["msgBody"] == text_body("typing…")
    assert message_count(pg) == 0
    assert unread(rest, "bob")["AllC2CUnreadMsgNum"] == 0


def test_sendmsg_msglifetime_0_is_online_only(rest, pg, users):
    """MsgLifeTime 0 means "not kept offline": the message is not stored."""
    assert send(rest, "bob", From_Account="alice", MsgLifeTime=0)["MsgSeq"] == 0
    assert message_count(pg) == 0


def test_sendmsg_sync_other_machine(rest, users, ws):
    """SyncOtherMachine 2 keeps the message off From_Account's sessions; 1 (the default) pushes
    it there too."""
    alice = ws("alice")
    send(rest, "bob", "not synced", random=1, From_Account="alice", SyncOtherMachine=2)
    send(rest, "bob", "synced", random=2, From_Account="alice", SyncOtherMachine=1)
    msg = alice.wait_event("onRecvNewMessage")["message"]
    assert (msg["seq"], msg["isSelf"], msg["userID"]) == (2, True, "bob")
    alice.barrier()
    assert alice.messages() == []


# ---- batchsendmsg ----


def test_batchsendmsg_reports_recipients_that_do_not_exist(rest, users, ws):
    """Existing recipients get the message; the others are in ErrorList with 70107."""
    carol = ws("carol")
    answer = call_ok(rest, BATCH, {"From_Account": "alice",
                                   "To_Account": ["bob", "nobody", "carol", "x" * 33],
                                   "MsgRandom": 3, "MsgBody": text_body("to all")})
    assert answer["MsgKey"].startswith("1_3_") and answer["MsgId"]
    assert answer["ErrorList"] == [{"To_Account": "nobody", "ErrorCode": 70107},
                                   {"To_Account": "x" * 33, "ErrorCode": 70107}]
    assert carol.wait_event("onRecvNewMessage")["message"]["msgBody"] == text_body("to all")
    for peer in ("bob", "carol"):
        assert texts(roam(rest, peer, "alice")["MsgList"]) == ["to all"]


def test_batchsendmsg_without_errors_has_no_error_list(rest, users):
    """When every recipient got it, the answer carries MsgKey and MsgId only."""
    answer = call_ok(rest, BATCH, {"To_Account": ["bob", "carol"], "MsgRandom": 1,
                                   "MsgBody": text_body("hi")})
    assert "ErrorList" not in answer and answer["MsgKey"] and answer["MsgId"]


def test_batchsendmsg_fails_when_no_recipient_exists(rest, pg, users):
    """If nobody could get the message the request fails with 90012."""
    call_fail(rest, BATCH, {"To_Account": ["nobody", "ghost"], "MsgRandom": 1,
                            "MsgBody": text_body("hi")}, 90012)
    assert message_count(pg) == 0


@pytest.mark.parametrize("to, code", [
    pytest.param(None, 90028, id="missing"),
    pytest.param("bob", 90028, id="string"),
    pytest.param(["bob", 5], 90028, id="number-entry"),
    pytest.param([], 90029, id="empty"),
    pytest.param([f"u{i}" for i in range(501)], 90011, id="501"),
])
def test_batchsendmsg_refuses_bad_to_account(rest, pg, users, to, code):
    """To_Account must be an array of 1 to 500 strings."""
    body = {"MsgRandom": 1, "MsgBody": text_body("hi")}
    if to is not None:
        body["To_Account"] = to
    call_fail(rest, BATCH, body, code)
    assert message_count(pg) == 0


def test_batchsendmsg_takes_500_recipients(rest, pg, users):
    """500 recipients is the limit, not beyond it: all are answered, in request order."""
    to = ["bob"] + [f"ghost{i}" for i in range(499)]
    answer = call_ok(rest, BATCH, {"To_Account": to, "MsgRandom": 1, "MsgBody": text_body("hi")})
    assert [e["To_Account"] for e in answer["ErrorList"]] == to[1:]
    assert message_count(pg) == 1


def test_batchsendmsg_from_a_muted_sender_fails_with_20012(rest, pg, users):
    """A globally muted From_Account reaches nobody: 20012."""
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 600})
    call_fail(rest, BATCH, {"From_Account": "alice", "To_Account": ["bob", "carol"],
                            "MsgRandom": 1, "MsgBody": text_body("hi")}, 20012)
    assert message_count(pg) == 0


# ---- importmsg ----


def imp(rest, mode, text, ts, random=1, frm="alice", to="bob"):
    return call_ok(rest, IMPORT, {"SyncFromOldSystem": mode, "From_Account": frm,
                                  "To_Account": to, "MsgRandom": random, "MsgTimeStamp": ts,
                                  "MsgBody": text_body(text)})


def test_importmsg_history_is_neither_unread_nor_pushed(rest, users, ws):
    """SyncFromOldSystem 2 stores the message with its old time, read, and pushes nothing."""
    bob = ws("bob")
    imp(rest, 2, "old times", ts=1500000000)
    assert unread(rest, "bob")["AllC2CUnreadMsgNum"] == 0
    (m,) = roam(rest, "bob", "alice")["MsgList"]
    assert (m["MsgTimeStamp"], m["IsPeerRead"]) == (1500000000, 1)
    bob.barrier()
    assert bob.messages() == []


def test_importmsg_realtime_is_unread_and_pushed(rest, users, ws):
    """SyncFromOldSystem 5 counts as unread and is pushed to the receiver."""
    bob = ws("bob")
    imp(rest, 5, "live", ts=int(time.time()))
    assert unread(rest, "bob", ["alice"])["C2CUnreadMsgNumList"] == \
        [{"Peer_Account": "alice", "C2CUnreadMsgNum": 1}]
    assert bob.wait_event("onRecvNewMessage")["message"]["msgBody"] == text_body("live")


@pytest.mark.parametrize("change, code", [
    pytest.param({"SyncFromOldSystem": None}, 90030, id="no-SyncFromOldSystem"),
    pytest.param({"SyncFromOldSystem": 3}, 90030, id="SyncFromOldSystem-3"),
    pytest.param({"SyncFromOldSystem": "2"}, 90030, id="SyncFromOldSystem-string"),
    pytest.param({"MsgTimeStamp": None}, 90006, id="no-MsgTimeStamp"),
    pytest.param({"MsgTimeStamp": 0}, 90006, id="MsgTimeStamp-0"),
    pytest.param({"From_Account": None}, 90008, id="no-From_Account"),
    pytest.param({"From_Account": "nobody"}, 90008, id="From_Account-unknown"),
    pytest.param({"To_Account": None}, 90003, id="no-To_Account"),
    pytest.param({"To_Account": "nobody"}, 20003, id="To_Account-unknown"),
    pytest.param({"MsgRandom": None}, 90005, id="no-MsgRandom"),
    pytest.param({"MsgBody": [{"MsgType": "TIMTextElem"}]}, 90002, id="bad-MsgBody"),
])
def test_importmsg_refuses_bad_input(rest, pg, users, change, code):
    """Each malformed field of importmsg gets its ErrorCode and nothing is stored."""
    body = {"SyncFromOldSystem": 2, "From_Account": "alice", "To_Account": "bob",
            "MsgRandom": 1, "MsgTimeStamp": 1500000000, "MsgBody": text_body("hi")}
    body.update(change)
    call_fail(rest, IMPORT, {k: v for k, v in body.items() if v is not None}, code)
    assert message_count(pg) == 0


# ---- admin_getroammsg ----


@pytest.mark.parametrize("names", [("Operator_Account", "Peer_Account"),
                                   ("From_Account", "To_Account")], ids=["current", "legacy"])
def test_getroammsg_pages_backward_from_maxtime(rest, users, names):
    """25 messages, MaxCnt 10: pages of 10, 10, 5 walking backward, each ascending; LastMsgKey
    and LastMsgTime name a page's oldest message; Complete is 1 on the last page only."""
    for i in range(1, 26):
        send(rest, "bob", f"m{i}", random=i, From_Account="alice")
    op, peer = names
    body = {op: "alice", peer: "bob", "MaxCnt": 10, "MinTime": 0, "MaxTime": FOREVER}
    pages = []
    while True:
        page = call_ok(rest, ROAM, body)
        pages.append(page)
        assert page["MsgCnt"] == len(page["MsgList"])
        first = page["MsgList"][0]
        assert (page["LastMsgKey"], page["LastMsgTime"]) == (first["MsgKey"], first["MsgTimeStamp"])
        if page["Complete"]:
            break
        assert len(pages) < 5
        body.update(MaxTime=page["LastMsgTime"], LastMsgKey=page["LastMsgKey"])
    assert [[m["MsgSeq"] for m in p["MsgList"]] for p in pages] == \
        [list(range(16, 26)), list(range(6, 16)), list(range(1, 6))]
    assert [p["Complete"] for p in pages] == [0, 0, 1]


def test_getroammsg_exact_page_is_complete(rest, users):
    """MaxCnt equal to the number of messages: one page, Complete 1."""
    for i in range(3):
        send(rest, "bob", f"m{i}", random=i, From_Account="alice")
    page = roam(rest, "alice", "bob", max_cnt=3)
    assert (page["Complete"], page["MsgCnt"]) == (1, 3)


def test_getroammsg_caps_a_large_maxcnt(rest, users):
    """A MaxCnt above the page limit (100) is cut to it: the rest comes on the next page."""
    for i in range(101):
        imp(rest, 2, f"m{i}", ts=1000, random=i)
    page = roam(rest, "alice", "bob", max_cnt=1000)
    assert (page["Complete"], page["MsgCnt"], page["MsgList"][0]["MsgSeq"]) == (0, 100, 2)
    page = roam(rest, "alice", "bob", max_cnt=1000, max_time=page["LastMsgTime"],
                LastMsgKey=page["LastMsgKey"])
    assert (page["Complete"], [m["MsgSeq"] for m in page["MsgList"]]) == (1, [1])


def test_getroammsg_keeps_to_the_time_window(rest, users):
    """Only messages with MinTime <= MsgTimeStamp <= MaxTime are listed."""
    for i in range(5):
        imp(rest, 2, f"t{i}", ts=1000 + i, random=i)
    page = roam(rest, "alice", "bob", min_time=1001, max_time=1003)
    assert texts(page["MsgList"]) == ["t1", "t2", "t3"] and page["Complete"] == 1


def test_getroammsg_of_an_empty_conversation(rest, users):
    """No messages: Complete 1, MsgCnt 0, an empty MsgList."""
    page = roam(rest, "alice", "bob")
    assert (page["Complete"], page["MsgCnt"], page["MsgList"], page["LastMsgKey"]) == \
        (1, 0, [], "")


def test_getroammsg_respects_the_operators_deletion_point(rest, pg, users):
    """Messages before the operator's deletion point are gone for the operator only."""
    for i in range(3):
        send(rest, "bob", f"m{i}", random=i, From_Account="alice")
    pg.sql("UPDATE conv_views SET deleted_seq = 2 WHERE user_id = 'bob'")
    assert texts(roam(rest, "bob", "alice")["MsgList"]) == ["m2"]
    assert texts(roam(rest, "alice", "bob")["MsgList"]) == ["m0", "m1", "m2"]


def test_getroammsg_shows_peer_read(rest, users):
    """IsPeerRead is 1 for the messages the receiver has read."""
    send(rest, "bob", "a", random=1, From_Account="alice")
    send(rest, "bob", "b", random=2, From_Account="alice")
    call_ok(rest, SET_READ, {"Report_Account": "bob", "Peer_Account": "alice"})
    send(rest, "bob", "c", random=3, From_Account="alice")
    assert [m["IsPeerRead"] for m in roam(rest, "alice", "bob")["MsgList"]] == [1, 1, 0]


@pytest.mark.parametrize("change, code", [
    pytest.param({"Operator_Account": None}, 90008, id="no-Operator_Account"),
    pytest.param({"Operator_Account": "nobody"}, 90008, id="Operator_Account-unknown"),
    pytest.param({"Peer_Account": None}, 90003, id="no-Peer_Account"),
    pytest.param({"Peer_Account": "nobody"}, 90003, id="Peer_Account-unknown"),
    pytest.param({"MaxCnt": None}, 90010, id="no-MaxCnt"),
    pytest.param({"MaxCnt": 0}, 90010, id="MaxCnt-0"),
    pytest.param({"MinTime": "0"}, 90010, id="MinTime-string"),
    pytest.param({"MaxTime": None}, 90010, id="no-MaxTime"),
    pytest.param({"MinTime": 10, "MaxTime": 5}, 90010, id="MinTime-after-MaxTime"),
    pytest.param({"LastMsgKey": "garbage"}, 90054, id="LastMsgKey-garbage"),
    pytest.param({"LastMsgKey": "0_1_2"}, 90054, id="LastMsgKey-seq-0"),
    pytest.param({"LastMsgKey": 5}, 90054, id="LastMsgKey-number"),
])
def test_getroammsg_refuses_bad_input(rest, users, change, code):
    """Each malformed field of admin_getroammsg gets its ErrorCode."""
    body = {"Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 10, "MinTime": 0,
            "MaxTime": FOREVER}
    body.update(change)
    call_fail(rest, ROAM, {k: v for k, v in body.items() if v is not None}, code)


# ---- admin_set_msg_read and get_c2c_unread_msg_num ----


def test_set_msg_read_clears_unread_and_tells_the_peer(rest, users, ws):
    """admin_set_msg_read moves bob's read position to the newest message: his unread count
    drops to 0 and alice's session gets onRecvC2CReadReceipt."""
    alice = ws("alice")
    for i in range(3):
        send(rest, "bob", f"m{i}", random=i, From_Account="alice")
    assert unread(rest, "bob", ["alice"])["C2CUnreadMsgNumList"] == \
        [{"Peer_Account": "alice", "C2CUnreadMsgNum": 3}]
    call_ok(rest, SET_READ, {"Report_Account": "bob", "Peer_Account": "alice"})
    receipt = alice.wait_event("onRecvC2CReadReceipt")["receiptList"]
    assert [(r["userID"], r["msgSeq"]) for r in receipt] == [("bob", 3)]
    assert unread(rest, "bob")["AllC2CUnreadMsgNum"] == 0


def test_set_msg_read_updates_the_readers_sessions(rest, users, ws):
    """The reader's own sessions learn the new unread count (onTotalUnreadMessageCountChanged
    with 0), as after a WebSocket markC2CMessageAsRead."""
    send(rest, "bob", "m", From_Account="alice")
    bob = ws("bob")
    call_ok(rest, SET_READ, {"Report_Account": "bob", "Peer_Account": "alice"})
    bob.wait_event("onTotalUnreadMessageCountChanged", where=lambda b: b["totalUnreadCount"] == 0)


def test_set_msg_read_up_to_msgreadtime(rest, users):
    """With MsgReadTime only the messages sent at or before it become read."""
    for i, ts in enumerate((1000, 2000, 3000)):
        imp(rest, 5, f"m{i}", ts=ts, random=i)
    call_ok(rest, SET_READ, {"Report_Account": "bob", "Peer_Account": "alice",
                             "MsgReadTime": 2000})
    assert unread(rest, "bob")["AllC2CUnreadMsgNum"] == 1


@pytest.mark.parametrize("change, code", [
    pytest.param({"Report_Account": None}, 90010, id="no-Report_Account"),
    pytest.param({"Report_Account": 5}, 90010, id="Report_Account-number"),
    pytest.param({"Peer_Account": None}, 90010, id="no-Peer_Account"),
    pytest.param({"MsgReadTime": "now"}, 90010, id="MsgReadTime-string"),
    pytest.param({"Report_Account": "nobody"}, 70107, id="Report_Account-unknown"),
    pytest.param({"Peer_Account": "nobody"}, 70107, id="Peer_Account-unknown"),
])
def test_set_msg_read_refuses_bad_input(rest, pg, users, change, code):
    """Each malformed field of admin_set_msg_read gets its ErrorCode; nothing is marked read."""
    send(rest, "bob", "m", From_Account="alice")
    body = {"Report_Account": "bob", "Peer_Account": "alice"}
    body.update(change)
    call_fail(rest, SET_READ, {k: v for k, v in body.items() if v is not None}, code)
    assert unread(rest, "bob")["AllC2CUnreadMsgNum"] == 1


def test_c2c_unread_per_peer_and_in_total(rest, users):
    """AllC2CUnreadMsgNum counts every conversation; the list holds the peers asked about (0
    for a peer without a conversation) and ErrorList those that are not accounts (70107)."""
    for i in range(2):
        send(rest, "bob", f"a{i}", random=i, From_Account="alice")
    send(rest, "bob", "c", From_Account="carol")
    answer = unread(rest, "bob", ["alice", "dave", "nobody"])
    assert answer["AllC2CUnreadMsgNum"] == 3
    assert answer["C2CUnreadMsgNumList"] == [{"Peer_Account": "alice", "C2CUnreadMsgNum": 2},
                                             {"Peer_Account": "dave", "C2CUnreadMsgNum": 0}]
    assert answer["ErrorList"] == [{"Peer_Account": "nobody", "ErrorCode": 70107}]


def test_c2c_unread_without_peers_lists_unread_conversations(rest, users):
    """Without Peer_Account the list holds every conversation that has unread messages."""
    send(rest, "bob", "a", From_Account="alice")
    send(rest, "bob", "c", From_Account="carol")
    send(rest, "dave", "to dave", From_Account="bob")
    answer = unread(rest, "bob")
    assert answer["AllC2CUnreadMsgNum"] == 2
    assert sorted(answer["C2CUnreadMsgNumList"], key=lambda r: r["Peer_Account"]) == \
        [{"Peer_Account": "alice", "C2CUnreadMsgNum": 1},
         {"Peer_Account": "carol", "C2CUnreadMsgNum": 1}]
    assert "ErrorList" not in answer


@pytest.mark.parametrize("body, code", [
    pytest.param({}, 90003, id="no-To_Account"),
    pytest.param({"To_Account": ["bob"]}, 90003, id="To_Account-array"),
    pytest.param({"To_Account": "nobody"}, 90003, id="To_Account-unknown"),
    pytest.param({"To_Account": "bob", "Peer_Account": "alice"}, 90010, id="Peer-string"),
    pytest.param({"To_Account": "bob", "Peer_Account": [1]}, 90010, id="Peer-number"),
    pytest.param({"To_Account": "bob", "Peer_Account": [f"u{i}" for i in range(11)]}, 90011,
                 id="Peer-11"),
])
def test_c2c_unread_refuses_bad_input(rest, users, body, code):
    """Each malformed field of get_c2c_unread_msg_num gets its ErrorCode."""
    call_fail(rest, UNREAD, body, code)


# ---- global mute ----


def test_muted_user_cannot_send_over_websocket(rest, pg, users, ws):
    """After setnospeaking, the user's WebSocket sendMessage gets 20012 and stores nothing."""
    alice = ws("alice")
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 3600})
    alice.fail("sendMessage", {"receiver": "bob", "msgBody": text_body("hi"), "random": 1},
               20012)
    assert message_count(pg) == 0


def test_muted_user_cannot_send_through_rest(rest, pg, users):
    """sendmsg with a muted From_Account gets 20012; the admin itself is never muted."""
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": FOREVER})
    call_fail(rest, SEND, {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1,
                           "MsgBody": text_body("hi")}, 20012)
    assert message_count(pg) == 0
    send(rest, "alice", "the admin may still write to alice")


def test_importmsg_of_history_older_than_an_expired_mute(rest, pg, users):
    """A mute that ended yesterday does not refuse the import of last year's messages."""
    pg.sql("UPDATE accounts SET c2c_mute_until = %s WHERE user_id = 'alice'",
           (int(time.time()) - 86400,))
    imp(rest, 2, "old", ts=int(time.time()) - 365 * 86400)


def test_muted_sender_cannot_escape_with_a_future_msgtimestamp(rest, users):
    """A MsgTimeStamp after the end of the mute does not lift it."""
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 3600})
    call_fail(rest, SEND, {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1,
                           "MsgTimeStamp": int(time.time()) + 7200,
                           "MsgBody": text_body("hi")}, 20012)


def test_muted_sender_cannot_send_online_only(rest, users):
    """OnlineOnlyFlag does not get around a global mute."""
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 3600})
    call_fail(rest, SEND, {"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1,
                           "OnlineOnlyFlag": 1, "MsgBody": text_body("hi")}, 20012)


def test_getnospeaking_reports_remaining_seconds(rest, users):
    """getnospeaking answers the seconds left, 4294967295 for forever and 0 when not muted."""
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 100,
                             "GroupmsgNospeakingTime": FOREVER})
    answer = call_ok(rest, GET_MUTE, {"Get_Account": "alice"})
    assert 95 <= answer["C2CmsgNospeakingTime"] <= 100
    assert answer["GroupmsgNospeakingTime"] == FOREVER
    answer = call_ok(rest, GET_MUTE, {"Get_Account": "bob"})
    assert (answer["C2CmsgNospeakingTime"], answer["GroupmsgNospeakingTime"]) == (0, 0)


def test_setnospeaking_changes_only_the_fields_given(rest, users):
    """A field left out keeps its value."""
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": FOREVER,
                             "GroupmsgNospeakingTime": FOREVER})
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "GroupmsgNospeakingTime": 0})
    answer = call_ok(rest, GET_MUTE, {"Get_Account": "alice"})
    assert (answer["C2CmsgNospeakingTime"], answer["GroupmsgNospeakingTime"]) == (FOREVER, 0)


def test_setnospeaking_0_unmutes(rest, users, ws):
    """C2CmsgNospeakingTime 0 lifts the mute: the user can send again."""
    alice = ws("alice")
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 3600})
    alice.fail("sendMessage", {"receiver": "bob", "msgBody": text_body("hi"), "random": 1},
               20012)
    call_ok(rest, SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": 0})
    assert call_ok(rest, GET_MUTE, {"Get_Account": "alice"})["C2CmsgNospeakingTime"] == 0
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("hi"), "random": 1})
    send(rest, "bob", From_Account="alice", random=2)


@pytest.mark.parametrize("api, body, code", [
    pytest.param(SET_MUTE, {"C2CmsgNospeakingTime": 1}, 90010, id="set-no-account"),
    pytest.param(SET_MUTE, {"Set_Account": 5, "C2CmsgNospeakingTime": 1}, 90010,
                 id="set-account-number"),
    pytest.param(SET_MUTE, {"Set_Account": "alice"}, 90010, id="set-no-time"),
    pytest.param(SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": -1}, 90010,
                 id="set-negative"),
    pytest.param(SET_MUTE, {"Set_Account": "alice", "GroupmsgNospeakingTime": 4294967296}, 90010,
                 id="set-over-uint32"),
    pytest.param(SET_MUTE, {"Set_Account": "alice", "C2CmsgNospeakingTime": "60"}, 90010,
                 id="set-string"),
    pytest.param(SET_MUTE, {"Set_Account": "nobody", "C2CmsgNospeakingTime": 60}, 70107,
                 id="set-unknown"),
    pytest.param(GET_MUTE, {}, 90010, id="get-no-account"),
    pytest.param(GET_MUTE, {"Get_Account": "nobody"}, 70107, id="get-unknown"),
])
def test_nospeaking_refuses_bad_input(rest, pg, users, api, body, code):
    """Each malformed field of setnospeaking/getnospeaking gets its ErrorCode; nothing changes."""
    call_fail(rest, api, body, code)
    assert pg.sql("SELECT count(*) FROM accounts WHERE c2c_mute_until <> 0"
                  " OR group_mute_until <> 0") == [(0,)]
