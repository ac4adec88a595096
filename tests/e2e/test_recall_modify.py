"""Changing sent messages (docs/protocol.md "Recall and modification", docs/rest-api.md
"Recall, modification, group read receipts"): recall over WebSocket (revokeMessage) and REST
(admin_msgwithdraw, group_msg_recall), modification (modifyMessage, modify_c2c_msg,
modify_group_msg), group read receipts by seq (group_msg_receipt, get_group_msg_receipt,
get_group_msg_receipt_detail), clear_group_msg, and their after-callbacks.
"""

import time

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

USERS = ("alice", "bob", "carol")
G = "group_open_http_svc/"
WITHDRAW = "openim/admin_msgwithdraw"
MODIFY_C2C = "openim/modify_c2c_msg"
MODIFY_GROUP = "openim/modify_group_msg"


@pytest.fixture
def rest(chatd):
    return chatd.rest()


@pytest.fixture
def users(rest):
    import_users(rest, *USERS)
    return USERS


@pytest.fixture
def login(chatd, users):
    """login(user, platform="Web") -> a logged-in WsClient (closed after the test)."""
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def send(client, to, text="hi", **fields):
    return client.call("sendMessage", {"receiver": to, "msgBody": text_body(text), **fields})


def send_group(client, gid, text="hi", **fields):
    return client.call("sendMessage", {"groupID": gid, "msgBody": text_body(text), **fields})


def rest_send(rest, frm, to, text="hi", random=7):
    return call_ok(rest, "openim/sendmsg", {"From_Account": frm, "To_Account": to,
                                            "MsgRandom": random, "MsgBody": text_body(text)})


def history(client, conv, **fields):
    return client.call("getHistoryMessageList", {"conversationID": conv, **fields})["messageList"]


def create_group(rest, owner="alice", members=("bob", "carol")):
    body = {"Type": "Public", "Name": "team", "Owner_Account": owner,
            "MemberList": [{"Member_Account": m} for m in members]}
    return call_ok(rest, G + "create_group", body)["GroupId"]


def group_send(rest, gid, frm="alice", text="hi", **fields):
    return call_ok(rest, G + "send_group_msg", {"GroupId": gid, "From_Account": frm,
                                                 "Random": 1, "MsgBody": text_body(text),
                                                 **fields})["MsgSeq"]


def seqs(*values):
    return [{"MsgSeq": s} for s in values]


def revoked(m):
    return m.get("isRevoked") is True and m.get("status") == 6 and m["msgBody"] == [] \
        and m.get("cloudCustomData") in (None, "")


# ---- C2C recall ---------------------------------------------------------------------------------

def test_revoke_own_message_keeps_seq_and_hides_body(login):
    """revokeMessage: both parties' sessions get onRecvMessageRevoked from their side; history,
    findMessages and syncMessages keep the seq but report it revoked, without body."""
    alice, alice2, bob = login("alice"), login("alice", "Android"), login("bob")
    first = send(alice, "bob", "one")
    sent = send(alice, "bob", "secret", cloudCustomData="cc")
    send(alice, "bob", "three")
    assert alice.call("revokeMessage", {"msgID": sent["msgID"]}) == {}
    for client, conv in ((bob, "c2c_alice"), (alice, "c2c_bob"), (alice2, "c2c_bob")):
        ev = client.wait_event("onRecvMessageRevoked")
        assert (ev["msgID"], ev["conversationID"], ev["operateUser"], ev["reason"]) == \
            (sent["msgID"], conv, "alice", "")
    for client, conv in ((bob, "c2c_alice"), (alice, "c2c_bob")):
        msgs = history(client, conv)
        assert [m["seq"] for m in msgs] == [3, 2, 1]
        assert revoked(msgs[1]) and not any(revoked(m) for m in (msgs[0], msgs[2]))
        (found,) = client.call("findMessages", {"msgIDs": [sent["msgID"]]})["messageList"]
        assert revoked(found) and found["seq"] == sent["seq"]
    synced = bob.call("syncMessages", {"positions": {"c2c_alice": first["seq"]}})["messageList"]
    assert [revoked(m) for m in synced] == [True, False]


@pytest.mark.parametrize("case", ["other_sender", "unknown", "twice", "no_msgid"])
def test_revoke_refusals(login, case):
    """Only the sender may recall a one-to-one message (20022 for anyone else, as for an
    unknown msgID); a second recall is 20023; a missing msgID is 70402."""
    alice, bob = login("alice"), login("bob")
    sent = send(alice, "bob", "x")
    if case == "other_sender":
        bob.fail("revokeMessage", {"msgID": sent["msgID"]}, 20022)
    elif case == "unknown":
        alice.fail("revokeMessage", {"msgID": "f" * 32}, 20022)
    elif case == "twice":
        alice.call("revokeMessage", {"msgID": sent["msgID"]})
        alice.fail("revokeMessage", {"msgID": sent["msgID"]}, 20023)
    else:
        alice.fail("revokeMessage", {}, 70402)
    if case != "twice":
        assert not revoked(history(bob, "c2c_alice")[0])


def test_revoke_after_time_limit_is_20016_but_admin_may(rest, login):
    """A client recall after msg_recall_limit_s (default 120 s) is 20016; admin_msgwithdraw
    has no time limit."""
    old = int(time.time()) - 600
    call_ok(rest, "openim/importmsg", {"SyncFromOldSystem": 2, "From_Account": "alice",
                                       "To_Account": "bob", "MsgRandom": 5, "MsgTimeStamp": old,
                                       "MsgBody": text_body("old")})
    alice = login("alice")
    (m,) = history(alice, "c2c_bob")
    alice.fail("revokeMessage", {"msgID": m["msgID"]}, 20016)
    call_ok(rest, WITHDRAW, {"From_Account": "alice", "To_Account": "bob",
                             "MsgKey": m["msgKey"]})
    assert revoked(history(alice, "c2c_bob")[0])


@pytest.mark.chatd_config(msg_recall_limit_s=0)
def test_recall_limit_zero_means_none(rest, login):
    """msg_recall_limit_s = 0 lets clients recall however old the message is."""
    call_ok(rest, "openim/importmsg", {"SyncFromOldSystem": 2, "From_Account": "alice",
                                       "To_Account": "bob", "MsgRandom": 5,
                                       "MsgTimeStamp": 1500000000, "MsgBody": text_body("old")})
    alice = login("alice")
    (m,) = history(alice, "c2c_bob")
    alice.call("revokeMessage", {"msgID": m["msgID"]})


def test_admin_msgwithdraw_and_roammsg_flag(rest, login):
    """admin_msgwithdraw recalls by MsgKey, pushes to both sides, and admin_getroammsg then
    reports MsgFlagBits 8 with an empty MsgBody."""
    bob = login("bob")
    key = rest_send(rest, "alice", "bob", "oops")["MsgKey"]
    rest_send(rest, "alice", "bob", "fine", random=8)
    bob.wait_event("onRecvNewMessage")
    call_ok(rest, WITHDRAW, {"From_Account": "alice", "To_Account": "bob", "MsgKey": key})
    ev = bob.wait_event("onRecvMessageRevoked")
    assert (ev["conversationID"], ev["operateUser"]) == ("c2c_alice", "administrator")
    roam = call_ok(rest, "openim/admin_getroammsg", {
        "Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10,
        "MinTime": 0, "MaxTime": int(time.time()) + 10})
    flags = {m["MsgKey"]: (m["MsgFlagBits"], m["MsgBody"]) for m in roam["MsgList"]}
    assert flags[key] == (8, [])
    assert sorted(f for f, _ in flags.values()) == [0, 8]


@pytest.mark.parametrize("body, code", [
    ({"To_Account": "bob", "MsgKey": "1_7_1"}, 90008),
    ({"From_Account": "alice", "MsgKey": "1_7_1"}, 90003),
    ({"From_Account": "alice", "To_Account": "bob", "MsgKey": "nope"}, 90054),
    ({"From_Account": "alice", "To_Account": "bob", "MsgKey": "0_7_1"}, 90054),
    ({"From_Account": "alice", "To_Account": "bob"}, 90054),
    ({"From_Account": "bob", "To_Account": "alice", "KEY": 0}, 20022),   # not bob's message
    ({"From_Account": "alice", "To_Account": "bob", "KEY": 1}, 20022),   # wrong random
    ({"From_Account": "alice", "To_Account": "bob", "KEY": 2}, 20023),   # already recalled
])
def test_admin_msgwithdraw_refusals(rest, users, body, code):
    """Bad accounts (90008/90003), a bad MsgKey (90054), a MsgKey of no message of that sender
    (20022), an already recalled message (20023)."""
    key = rest_send(rest, "alice", "bob")["MsgKey"]
    which = body.pop("KEY", None)
    if which is not None:
        seq, random, ts = key.split("_")
        body["MsgKey"] = key if which != 1 else f"{seq}_{int(random) + 1}_{ts}"
        if which == 2:
            call_ok(rest, WITHDRAW, {"From_Account": "alice", "To_Account": "bob", "MsgKey": key})
    call_fail(rest, WITHDRAW, body, code)


# ---- C2C modify --------------------------------------------------------------------------------

def test_modify_c2c_msg_rest(rest, login):
    """modify_c2c_msg replaces MsgBody and/or CloudCustomData; both sides get
    onRecvMessageModified with the new message; history shows it."""
    alice, bob = login("alice"), login("bob")
    sent = rest_send(rest, "alice", "bob", "typo")
    call_ok(rest, MODIFY_C2C, {"From_Account": "alice", "To_Account": "bob",
                               "MsgKey": sent["MsgKey"], "MsgBody": text_body("fixed")})
    for client, self_ in ((bob, False), (alice, True)):
        m = client.wait_event("onRecvMessageModified")["message"]
        assert (m["msgBody"], m["isSelf"], m["msgKey"]) == (text_body("fixed"), self_,
                                                            sent["MsgKey"])
    call_ok(rest, MODIFY_C2C, {"From_Account": "alice", "To_Account": "bob",
                               "MsgKey": sent["MsgKey"], "CloudCustomData": "meta"})
    (m,) = history(bob, "c2c_alice")
    assert (m["msgBody"], m["cloudCustomData"]) == (text_body("fixed"), "meta")


@pytest.mark.parametrize("change, code", [
    ({}, 90010),
    ({"MsgBody": []}, 90002),
    ({"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}]}, 90002),
    ({"MsgBody": text_body("x" * 13000)}, 80002),
    ({"CloudCustomData": 5}, 90010),
    ("recalled", 20023),
    ("unknown", 20022),
])
def test_modify_c2c_msg_refusals(rest, users, change, code):
    """Nothing to change (90010), a bad MsgBody (90002, 80002), a non-string CloudCustomData,
    a recalled message (20023), no such message (20022): nothing changes."""
    key = rest_send(rest, "alice", "bob", "orig")["MsgKey"]
    body = {"From_Account": "alice", "To_Account": "bob", "MsgKey": key}
    if change == "recalled":
        call_ok(rest, WITHDRAW, body)
        body["MsgBody"] = text_body("new")
    elif change == "unknown":
        body.update(MsgKey="99_1_1", MsgBody=text_body("new"))
    else:
        body.update(change)
    call_fail(rest, MODIFY_C2C, body, code)


def test_modify_message_ws_own_only(login):
    """modifyMessage changes one's own message and answers with it; the peer gets
    onRecvMessageModified; someone else's message is 20022; a recalled one 20023."""
    alice, bob = login("alice"), login("bob")
    sent = send(alice, "bob", "draft")
    got = alice.call("modifyMessage", {"msgID": sent["msgID"], "msgBody": text_body("final"),
                                       "cloudCustomData": "v2"})["message"]
    assert (got["msgID"], got["msgBody"], got["cloudCustomData"]) == \
        (sent["msgID"], text_body("final"), "v2")
    m = bob.wait_event("onRecvMessageModified")["message"]
    assert (m["msgID"], m["msgBody"], m["isSelf"]) == (sent["msgID"], text_body("final"), False)
    bob.fail("modifyMessage", {"msgID": sent["msgID"], "msgBody": text_body("hack")}, 20022)
    alice.fail("modifyMessage", {"msgID": sent["msgID"]}, 70402)
    alice.call("revokeMessage", {"msgID": sent["msgID"]})
    alice.fail("modifyMessage", {"msgID": sent["msgID"], "msgBody": text_body("again")}, 20023)


# ---- group recall -------------------------------------------------------------------------------

def test_group_msg_recall_rest(rest, login):
    """group_msg_recall answers RetCode per MsgSeq (0, or 10030 for no such or an already
    recalled message); online members get onRecvMessageRevoked with the Reason."""
    gid = create_group(rest)
    bob = login("bob")
    s1, s2 = group_send(rest, gid, text="a"), group_send(rest, gid, text="b")
    answer = call_ok(rest, G + "group_msg_recall", {"GroupId": gid, "MsgSeqList": seqs(s2, 99, s1),
                                                    "Reason": "spam"})
    assert answer["RecallRetList"] == [{"MsgSeq": s2, "RetCode": 0}, {"MsgSeq": 99, "RetCode": 10030},
                                       {"MsgSeq": s1, "RetCode": 0}]
    events = [bob.wait_event("onRecvMessageRevoked") for _ in range(2)]
    assert {(e["conversationID"], e["operateUser"], e["reason"]) for e in events} == \
        {(f"group_{gid}", "administrator", "spam")}
    msgs = history(bob, f"group_{gid}")
    assert [m["seq"] for m in msgs] == [s2, s1] and all(revoked(m) for m in msgs)
    again = call_ok(rest, G + "group_msg_recall", {"GroupId": gid, "MsgSeqList": seqs(s1)})
    assert again["RecallRetList"] == [{"MsgSeq": s1, "RetCode": 10030}]


@pytest.mark.parametrize("body, code", [
    ({"GroupId": "nope", "MsgSeqList": [{"MsgSeq": 1}]}, 10010),
    ({"MsgSeqList": [{"MsgSeq": 1}]}, 10004),
    ({"GID": 1, "MsgSeqList": []}, 10004),
    ({"GID": 1, "MsgSeqList": [{"MsgSeq": i} for i in range(1, 12)]}, 10004),
    ({"GID": 1, "MsgSeqList": [{"MsgSeq": "1"}]}, 10004),
    ({"GID": 1, "MsgSeqList": [{"MsgSeq": 1}], "Reason": "r" * 101}, 10004),
])
def test_group_msg_recall_refusals(rest, users, body, code):
    """Unknown group 10010; a missing GroupId, an empty or too long (> 10) MsgSeqList, a bad
    MsgSeq, a Reason over 100 bytes: 10004."""
    gid = create_group(rest)
    group_send(rest, gid)
    if body.pop("GID", None):
        body["GroupId"] = gid
    call_fail(rest, G + "group_msg_recall", body, code)


def test_group_revoke_ws_rights(rest, login):
    """In a group a member recalls their own message, not another's (10007); the owner (and
    an admin) may recall anyone's; every online member gets the event."""
    gid = create_group(rest)
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    by_carol = send_group(carol, gid, "carol's")["msgID"]
    by_bob = send_group(bob, gid, "bob's")["msgID"]
    bob.fail("revokeMessage", {"msgID": by_carol}, 10007)
    bob.call("revokeMessage", {"msgID": by_bob})
    alice.call("revokeMessage", {"msgID": by_carol, "reason": "rude"})
    for client in (alice, bob, carol):
        got = {e["msgID"]: (e["operateUser"], e["reason"])
               for e in (client.wait_event("onRecvMessageRevoked") for _ in range(2))}
        assert got == {by_bob: ("bob", ""), by_carol: ("alice", "rude")}
    assert all(revoked(m) for m in history(carol, f"group_{gid}"))


def test_group_revoke_after_time_limit_is_10031(rest, login):
    """A client recall of a group message older than msg_recall_limit_s is 10031."""
    gid = call_ok(rest, G + "import_group", {"Type": "Public", "Name": "old",
                                             "Owner_Account": "alice",
                                             "CreateTime": 1600000000})["GroupId"]
    call_ok(rest, G + "import_group_msg", {"GroupId": gid, "MsgList": [
        {"From_Account": "alice", "SendTime": 1600000100, "Random": 1,
         "MsgBody": text_body("old")}]})
    alice = login("alice")
    (m,) = history(alice, f"group_{gid}")
    alice.fail("revokeMessage", {"msgID": m["msgID"]}, 10031)


# ---- group modify -------------------------------------------------------------------------------

def test_modify_group_msg(rest, login):
    """modify_group_msg changes a group message; online members get onRecvMessageModified;
    unknown seq 20022, unknown group 10010, nothing to change 90010."""
    gid = create_group(rest)
    bob = login("bob")
    seq = group_send(rest, gid, text="v1")
    bob.wait_event("onRecvNewMessage")
    call_ok(rest, MODIFY_GROUP, {"GroupId": gid, "MsgSeq": seq, "MsgBody": text_body("v2"),
                                 "CloudCustomData": "x"})
    m = bob.wait_event("onRecvMessageModified")["message"]
    assert (m["seq"], m["groupID"], m["msgBody"], m["cloudCustomData"]) == \
        (seq, gid, text_body("v2"), "x")
    assert history(bob, f"group_{gid}")[0]["msgBody"] == text_body("v2")
    call_fail(rest, MODIFY_GROUP, {"GroupId": gid, "MsgSeq": 99, "MsgBody": text_body("v")},
              20022)
    call_fail(rest, MODIFY_GROUP, {"GroupId": "nope", "MsgSeq": seq, "MsgBody": text_body("v")},
              10010)
    call_fail(rest, MODIFY_GROUP, {"GroupId": gid, "MsgSeq": seq}, 90010)
    call_fail(rest, MODIFY_GROUP, {"GroupId": gid, "MsgBody": text_body("v")}, 90010)


# ---- group read receipts ------------------------------------------------------------------------

def test_group_read_receipts_rest(rest, users):
    """group_msg_receipt records readers; get_group_msg_receipt counts them (10062 for a
    message without receipts); get_group_msg_receipt_detail lists readers / non-readers in
    pages with a Cursor."""
    gid = create_group(rest, members=("bob", "carol"))
    with_receipt = group_send(rest, gid, text="r", NeedReadReceipt=1)
    plain = group_send(rest, gid, text="p")
    call_ok(rest, G + "group_msg_receipt", {"GroupId": gid, "From_Account": "bob",
                                            "MsgSeqList": seqs(with_receipt, plain)})
    counts = call_ok(rest, G + "get_group_msg_receipt",
                     {"GroupId": gid, "MsgSeqList": seqs(with_receipt, plain)})
    assert counts["GroupMsgReceiptList"] == [
        {"MsgSeq": with_receipt, "ReadNum": 1, "UnreadNum": 1, "Code": 0},
        {"MsgSeq": plain, "ReadNum": 0, "UnreadNum": 0, "Code": 10062}]
    read = call_ok(rest, G + "get_group_msg_receipt_detail",
                   {"GroupId": gid, "MsgSeq": with_receipt, "Filter": 0, "Cursor": "",
                    "Count": 10})
    assert (read["ReadList"], read["IsFinished"], read["Cursor"]) == \
        ([{"Read_Account": "bob"}], 1, "")
    call_ok(rest, G + "group_msg_receipt", {"GroupId": gid, "From_Account": "carol",
                                            "MsgSeqList": seqs(with_receipt)})
    page = call_ok(rest, G + "get_group_msg_receipt_detail",
                   {"GroupId": gid, "MsgSeq": with_receipt, "Filter": 0, "Count": 1})
    assert (page["ReadList"], page["IsFinished"], page["Cursor"]) == \
        ([{"Read_Account": "bob"}], 0, "bob")
    page = call_ok(rest, G + "get_group_msg_receipt_detail",
                   {"GroupId": gid, "MsgSeq": with_receipt, "Filter": 0, "Count": 1,
                    "Cursor": page["Cursor"]})
    assert (page["ReadList"], page["IsFinished"]) == ([{"Read_Account": "carol"}], 1)
    unread = call_ok(rest, G + "get_group_msg_receipt_detail",
                     {"GroupId": gid, "MsgSeq": with_receipt, "Filter": 1})
    assert (unread["UnreadList"], unread["IsFinished"]) == ([], 1)


@pytest.mark.parametrize("api, body, code", [
    ("group_msg_receipt", {"From_Account": "dave", "MsgSeqList": [{"MsgSeq": 1}]}, 10007),
    ("group_msg_receipt", {"From_Account": "bob", "MsgSeqList": [{"MsgSeq": 1}] * 51}, 10004),
    ("group_msg_receipt", {"MsgSeqList": [{"MsgSeq": 1}]}, 10004),
    ("get_group_msg_receipt", {"MsgSeqList": []}, 10004),
    ("get_group_msg_receipt_detail", {"MsgSeq": 1, "Count": 201}, 10004),
    ("get_group_msg_receipt_detail", {"MsgSeq": 1, "Filter": 2}, 10004),
    ("get_group_msg_receipt_detail", {"Filter": 0}, 10004),
    ("get_group_msg_receipt_detail", {"MsgSeq": 99}, 10062),
    ("get_group_msg_receipt_detail", {"MsgSeq": 1, "GroupId": "nope"}, 10010),
    ("get_group_msg_receipt", {"MsgSeqList": [{"MsgSeq": 1}], "GroupId": "nope"}, 10010),
])
def test_group_read_receipt_refusals(rest, users, api, body, code):
    """A reader who is not a member (10007), lists out of range and bad fields (10004), a seq
    with no receipt info (10062), an unknown group (10010)."""
    gid = create_group(rest)
    group_send(rest, gid, NeedReadReceipt=1)
    call_fail(rest, G + api, {"GroupId": gid, **body}, code)


# ---- clear_group_msg ----------------------------------------------------------------------------

def test_clear_group_msg(rest, login):
    """clear_group_msg with MsgSeq deletes the messages up to it, without renumbering the rest;
    new messages continue the numbering; without MsgSeq it deletes them all."""
    gid = create_group(rest)
    for i in range(3):
        group_send(rest, gid, text=f"m{i}")
    call_ok(rest, G + "clear_group_msg", {"GroupId": gid, "MsgSeq": 2})
    bob = login("bob")
    assert [m["seq"] for m in history(bob, f"group_{gid}")] == [3]
    assert group_send(rest, gid, text="m3") == 4
    call_ok(rest, G + "clear_group_msg", {"GroupId": gid})
    assert history(bob, f"group_{gid}") == []
    assert group_send(rest, gid, text="m4") == 5
    call_fail(rest, G + "clear_group_msg", {"GroupId": "nope"}, 10010)
    call_fail(rest, G + "clear_group_msg", {"GroupId": gid, "MsgSeq": 0}, 10004)


# ---- after-callbacks ----------------------------------------------------------------------------

def test_after_callbacks(hooked, receiver):
    """C2C.CallbackAfterMsgWithDraw, C2C.CallbackAfterModifyMsg and
    Group.CallbackAfterRecallMsg carry Tencent's fields."""
    instance = hooked()
    rest = instance.rest()
    key = rest_send(rest, "alice", "bob", "x")["MsgKey"]
    call_ok(rest, MODIFY_C2C, {"From_Account": "alice", "To_Account": "bob", "MsgKey": key,
                               "MsgBody": text_body("y")})
    call_ok(rest, WITHDRAW, {"From_Account": "alice", "To_Account": "bob", "MsgKey": key})
    (mod,) = receiver.wait("C2C.CallbackAfterModifyMsg")
    b = mod["body"]
    assert (b["Operator_Account"], b["From_Account"], b["To_Account"], b["MsgKey"],
            b["MsgBody"]) == ("administrator", "alice", "bob", key, text_body("y"))
    assert b["MsgSeq"] == int(key.split("_")[0]) and b["CloudCustomData"] == ""
    (wd,) = receiver.wait("C2C.CallbackAfterMsgWithDraw")
    assert {k: wd["body"][k] for k in ("From_Account", "To_Account", "MsgKey", "UnreadMsgNum")} \
        == {"From_Account": "alice", "To_Account": "bob", "MsgKey": key, "UnreadMsgNum": 1}
    assert wd["query"]["OptPlatform"] == "RESTAPI"
    gid = create_group(rest)
    s = group_send(rest, gid)
    call_ok(rest, G + "group_msg_recall", {"GroupId": gid, "MsgSeqList": seqs(s, 42)})
    (gr,) = receiver.wait("Group.CallbackAfterRecallMsg")
    assert {k: gr["body"][k] for k in ("Operator_Account", "Type", "GroupId", "MsgSeqList")} == \
        {"Operator_Account": "administrator", "Type": "Public", "GroupId": gid,
         "MsgSeqList": [{"MsgSeq": s}]}
    call_fail(rest, WITHDRAW, {"From_Account": "alice", "To_Account": "bob", "MsgKey": key}, 20023)
    assert len(receiver.of("C2C.CallbackAfterMsgWithDraw")) == 1
