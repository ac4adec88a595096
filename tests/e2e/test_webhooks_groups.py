"""Webhooks of group management and read reports (docs/webhooks.md), against the recording
receiver of conftest.py: each after-event is written in the transaction of the change and
carries Tencent's body and the caller's OptPlatform."""

import time

import pytest

from expect import call_fail, call_ok
from util import OK, check_query, outbox_drained
from ws_client import text_body

G = "group_open_http_svc/"
CREATE = "Group.CallbackAfterCreateGroup"
JOIN = "Group.CallbackAfterNewMemberJoin"
EXIT = "Group.CallbackAfterMemberExit"
DESTROYED = "Group.CallbackAfterGroupDestroyed"
INFO = "Group.CallbackAfterGroupInfoChanged"
ATTR = "Group.CallbackAfterGroupAttrChanged"
AFTER_SEND = "C2C.CallbackAfterSendMsg"


def rest_group(chatd, gid="team", group_type="Public", members=("bob",), **fields):
    call_ok(chatd.rest(), G + "create_group",
            {"Owner_Account": "alice", "Type": group_type, "GroupId": gid, "Name": "team",
             "MemberList": [{"Member_Account": m} for m in members], **fields})
    return gid


def members(body, key):
    return sorted(m["Member_Account"] for m in body[key])


# ---- create -------------------------------------------------------------------------------------

def test_create_over_websocket_fires_after_create(hooked, receiver, ws):
    chatd = hooked()
    alice = ws(chatd, "alice", platform="Android")
    gid = alice.call("createGroup", {"groupType": "Public", "groupName": "crew",
                                     "memberList": [{"userID": "bob", "role": 200}],
                                     "groupCustomInfo": {}})["groupID"]
    (call,) = receiver.wait(CREATE)
    check_query(call, CREATE, "Android")
    b = call["body"]
    assert b["GroupId"] == gid and b["Type"] == "Public" and b["Name"] == "crew"
    assert b["Owner_Account"] == "alice" and b["Operator_Account"] == "alice"
    assert members(b, "MemberList") == ["bob"]
    assert b["UserDefinedDataList"] == []
    assert b["EventId"] > 0 and isinstance(b["EventTime"], int)


def test_create_over_rest_fires_after_create(hooked, receiver):
    chatd = hooked()
    rest_group(chatd, members=("bob", "carol"))
    (call,) = receiver.wait(CREATE)
    check_query(call, CREATE, "RESTAPI")
    b = call["body"]
    assert b["GroupId"] == "team" and b["Owner_Account"] == "alice"
    assert members(b, "MemberList") == ["bob", "carol"]


def test_group_commands_not_listed_do_not_fire(hooked, receiver, pg):
    """With webhook_commands naming only C2C.CallbackAfterSendMsg no group event is recorded."""
    chatd = hooked(webhook_commands="C2C.CallbackAfterSendMsg")
    gid = rest_group(chatd)
    call_ok(chatd.rest(), G + "add_group_member",
            {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    call_ok(chatd.rest(), G + "delete_group_member",
            {"GroupId": gid, "MemberToDel_Account": ["carol"]})
    call_ok(chatd.rest(), G + "modify_group_base_info", {"GroupId": gid, "Name": "x"})
    call_ok(chatd.rest(), G + "destroy_group", {"GroupId": gid})
    call_ok(chatd.rest(), "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                             "MsgRandom": 1, "MsgBody": text_body("x")})
    receiver.wait(AFTER_SEND)
    outbox_drained(pg)  # the group changes came first: their events would be here by now
    assert [c["query"]["CallbackCommand"] for c in receiver.calls] == [AFTER_SEND]
    assert pg.sql("SELECT count(*) FROM webhook_outbox WHERE command LIKE 'Group.%%'") == [(0,)]


def test_only_listed_group_command_fires(hooked, receiver, pg):
    chatd = hooked(webhook_commands=EXIT)
    gid = rest_group(chatd)
    call_ok(chatd.rest(), G + "delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["bob"]})
    receiver.wait(EXIT)
    outbox_drained(pg)  # the creation came first: its event would be here by now
    assert {c["query"]["CallbackCommand"] for c in receiver.calls} == {EXIT}


# ---- members ------------------------------------------------------------------------------------

def test_join_fires_new_member_join_apply(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, members=(), ApplyJoinOption="FreeAccess")
    carol = ws(chatd, "carol", platform="iPhone")
    carol.call("joinGroup", {"groupID": gid})
    (call,) = receiver.wait(JOIN)
    check_query(call, JOIN, "iOS")
    b = call["body"]
    assert b["GroupId"] == gid and b["Type"] == "Public" and b["JoinType"] == "Apply"
    assert b["Operator_Account"] == "carol" and members(b, "NewMemberList") == ["carol"]


def test_invite_fires_new_member_join_invited(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, group_type="Private")
    bob = ws(chatd, "bob")
    bob.call("inviteUserToGroup", {"groupID": gid, "userList": ["carol"]})
    (call,) = receiver.wait(JOIN)
    check_query(call, JOIN, "Web")
    b = call["body"]
    assert b["JoinType"] == "Invited" and b["Operator_Account"] == "bob"
    assert b["Type"] == "Private" and members(b, "NewMemberList") == ["carol"]


def test_rest_add_member_fires_once_for_the_added_only(hooked, receiver):
    chatd = hooked()
    gid = rest_group(chatd)
    call_ok(chatd.rest(), G + "add_group_member",
            {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}, {"Member_Account": "carol"}]})
    (call,) = receiver.wait(JOIN)
    check_query(call, JOIN, "RESTAPI")
    assert members(call["body"], "NewMemberList") == ["carol"]
    # adding nobody new records nothing
    call_ok(chatd.rest(), G + "add_group_member",
            {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    call_ok(chatd.rest(), G + "destroy_group", {"GroupId": gid})
    receiver.wait(DESTROYED)
    assert len(receiver.of(JOIN)) == 1


def test_accepted_application_fires_join(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, members=(), ApplyJoinOption="NeedPermission")
    carol = ws(chatd, "carol")
    assert carol.call("joinGroup", {"groupID": gid})["pending"] is True
    alice = ws(chatd, "alice", platform="Windows")
    alice.call("acceptGroupApplication", {"groupID": gid, "fromUser": "carol"})
    (call,) = receiver.wait(JOIN)
    check_query(call, JOIN, "Windows")
    b = call["body"]
    assert b["JoinType"] == "Apply" and b["Operator_Account"] == "alice"
    assert members(b, "NewMemberList") == ["carol"]


def test_quit_and_kick_fire_member_exit(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob", "carol"))
    bob = ws(chatd, "bob", platform="Mac")
    bob.call("quitGroup", {"groupID": gid})
    (quit,) = receiver.wait(EXIT)
    check_query(quit, EXIT, "Mac")
    b = quit["body"]
    assert b["ExitType"] == "Quit" and b["Operator_Account"] == "bob" and b["GroupId"] == gid
    assert b["Type"] == "Public" and members(b, "ExitMemberList") == ["bob"]
    call_ok(chatd.rest(), G + "delete_group_member",
            {"GroupId": gid, "MemberToDel_Account": ["carol", "bob"]})
    kick = receiver.wait(EXIT, 2)[1]
    check_query(kick, EXIT, "RESTAPI")
    assert kick["body"]["ExitType"] == "Kicked"
    assert members(kick["body"], "ExitMemberList") == ["carol"]


def test_kick_of_non_members_fires_nothing(hooked, receiver):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob",))
    call_ok(chatd.rest(), G + "delete_group_member",
            {"GroupId": gid, "MemberToDel_Account": ["carol"]})
    call_ok(chatd.rest(), G + "destroy_group", {"GroupId": gid})
    receiver.wait(DESTROYED)
    assert receiver.of(EXIT) == []


# ---- destroy, info, attributes -------------------------------------------------------------------

def test_dismiss_fires_group_destroyed(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob", "carol"))
    alice = ws(chatd, "alice", platform="Linux")
    alice.call("dismissGroup", {"groupID": gid})
    (call,) = receiver.wait(DESTROYED)
    check_query(call, DESTROYED, "Linux")
    b = call["body"]
    assert b["GroupId"] == gid and b["Type"] == "Public" and b["Name"] == "team"
    assert b["Owner_Account"] == "alice"
    assert members(b, "MemberList") == ["alice", "bob", "carol"]


def test_events_of_a_group_come_in_order(hooked, receiver):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob",))
    call_ok(chatd.rest(), G + "add_group_member",
            {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]})
    call_ok(chatd.rest(), G + "destroy_group", {"GroupId": gid})
    receiver.wait(DESTROYED)
    after = [c for c in receiver.calls if "EventId" in c["body"]]
    assert [c["query"]["CallbackCommand"] for c in after] == [CREATE, JOIN, DESTROYED]
    ids = [c["body"]["EventId"] for c in after]
    assert ids == sorted(ids)


def test_modify_info_fires_info_changed_with_changed_fields(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd)
    alice = ws(chatd, "alice")
    alice.call("setGroupInfo", {"groupID": gid, "notification": "new rules", "groupName": "crew"})
    (call,) = receiver.wait(INFO)
    check_query(call, INFO, "Web")
    b = call["body"]
    assert b["GroupId"] == gid and b["Type"] == "Public" and b["Operator_Account"] == "alice"
    assert b["Notification"] == "new rules" and b["Name"] == "crew"
    assert "Introduction" not in b and "FaceUrl" not in b
    call_ok(chatd.rest(), G + "modify_group_base_info", {"GroupId": gid, "Introduction": ""})
    second = receiver.wait(INFO, 2)[1]
    check_query(second, INFO, "RESTAPI")
    assert second["body"]["Introduction"] == "" and "Name" not in second["body"]


def test_modify_other_fields_fires_no_info_changed(hooked, receiver):
    """Only name, introduction, notification and face URL changes fire, as at Tencent."""
    chatd = hooked()
    gid = rest_group(chatd)
    call_ok(chatd.rest(), G + "modify_group_base_info", {"GroupId": gid, "MaxMemberNum": 100})
    call_ok(chatd.rest(), G + "destroy_group", {"GroupId": gid})
    receiver.wait(DESTROYED)
    assert receiver.of(INFO) == []


def test_group_attributes_fire_attr_changed(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, group_type="AVChatRoom", members=())
    alice = ws(chatd, "alice")
    alice.call("joinGroup", {"groupID": gid})
    alice.call("initGroupAttributes", {"groupID": gid, "attributes": {"k1": "v1", "k2": "v2"}})
    (call,) = receiver.wait(ATTR)
    check_query(call, ATTR, "Web")
    b = call["body"]
    assert b["GroupId"] == gid and b["Type"] == "AVChatRoom" and b["Operator_Account"] == "alice"
    assert b["GroupAttrAry"] == [{"key": "k1", "value": "v1"}, {"key": "k2", "value": "v2"}]
    alice.call("deleteGroupAttributes", {"groupID": gid, "keys": ["k1"]})
    assert receiver.wait(ATTR, 2)[1]["body"]["GroupAttrAry"] == [{"key": "k2", "value": "v2"}]


# ---- C2C.CallbackAfterMsgReport ------------------------------------------------------------------

REPORT = "C2C.CallbackAfterMsgReport"


def c2c(chatd, sender, to, text, random=1):
    call_ok(chatd.rest(), "openim/sendmsg", {"From_Account": sender, "To_Account": to,
                                             "MsgRandom": random, "MsgBody": text_body(text)})


def test_mark_c2c_read_fires_msg_report(hooked, receiver, ws, pg):
    chatd = hooked()
    for i in range(3):
        c2c(chatd, "bob", "alice", f"m{i}", random=i + 1)
    alice = ws(chatd, "alice", platform="Android")
    before = int(time.time())
    alice.call("markC2CMessageAsRead", {"userID": "bob"})
    (call,) = receiver.wait(REPORT)
    check_query(call, REPORT, "Android")
    b = call["body"]
    assert b["Report_Account"] == "alice" and b["Peer_Account"] == "bob"
    assert b["UnreadMsgNum"] == 0 and b["LastReadTime"] >= before
    # nothing new: the position does not move, no event
    alice.call("markC2CMessageAsRead", {"userID": "bob"})
    c2c(chatd, "bob", "alice", "later", random=9)
    receiver.wait(AFTER_SEND, 4)
    outbox_drained(pg)  # "later" came after the second mark: a second report would be here
    assert len(receiver.of(REPORT)) == 1


def test_partial_read_reports_what_stays_unread(hooked, receiver, ws):
    chatd = hooked()
    for i in range(3):
        c2c(chatd, "bob", "alice", f"m{i}", random=i + 1)
    alice = ws(chatd, "alice")
    alice.call("markC2CMessageAsRead", {"userID": "bob", "cleanSequence": 1})
    (call,) = receiver.wait(REPORT)
    assert call["body"]["UnreadMsgNum"] == 2


def test_clean_unread_fires_msg_report_for_c2c_only(hooked, receiver, ws, pg):
    chatd = hooked()
    c2c(chatd, "bob", "alice", "x", random=1)
    c2c(chatd, "carol", "alice", "y", random=2)
    rest_group(chatd, members=("bob",))
    call_ok(chatd.rest(), G + "send_group_msg", {"GroupId": "team", "From_Account": "bob",
                                                 "Random": 3, "MsgBody": text_body("g")})
    alice = ws(chatd, "alice", platform="Web")
    alice.call("cleanConversationUnreadMessageCount", {"conversationID": ""})
    calls = receiver.wait(REPORT, 2)
    outbox_drained(pg)  # every event of the clean-up delivered: no third report is coming
    assert len(receiver.of(REPORT)) == 2
    for call in calls:
        check_query(call, REPORT, "Web")
    assert sorted(c["body"]["Peer_Account"] for c in calls) == ["bob", "carol"]
    assert all(c["body"]["Report_Account"] == "alice" and c["body"]["UnreadMsgNum"] == 0
               for c in calls)


def test_admin_set_msg_read_fires_msg_report(hooked, receiver):
    chatd = hooked()
    c2c(chatd, "bob", "alice", "x")
    call_ok(chatd.rest(), "openim/admin_set_msg_read",
            {"Report_Account": "alice", "Peer_Account": "bob"})
    (call,) = receiver.wait(REPORT)
    check_query(call, REPORT, "RESTAPI")
    assert call["body"]["Peer_Account"] == "bob" and call["body"]["UnreadMsgNum"] == 0


def test_msg_report_not_listed_does_not_fire(hooked, receiver, ws, pg):
    chatd = hooked(webhook_commands="C2C.CallbackAfterSendMsg")
    c2c(chatd, "bob", "alice", "x")
    alice = ws(chatd, "alice")
    alice.call("markC2CMessageAsRead", {"userID": "bob"})
    receiver.wait(AFTER_SEND)
    outbox_drained(pg)  # the mark was acknowledged: a report would be here by now
    assert receiver.of(REPORT) == []
    assert pg.sql("SELECT count(*) FROM webhook_outbox WHERE command = %s", (REPORT,)) == [(0,)]


# ---- Group.CallbackBeforeSendMsg -----------------------------------------------------------------

G_BEFORE = "Group.CallbackBeforeSendMsg"
G_AFTER = "Group.CallbackAfterSendMsg"


def group_before_answers(receiver, reply):
    receiver.answer = lambda call: reply if call["query"]["CallbackCommand"] == G_BEFORE else OK


def group_texts(pg, gid="team"):
    rows = pg.sql("SELECT body FROM messages WHERE conv_key = %s ORDER BY seq", ("g:" + gid,))
    return [b[0]["MsgContent"].get("Text") for (b,) in rows
            if b[0]["MsgType"] == "TIMTextElem"]


def rest_group_send(chatd, text, **fields):
    return chatd.rest().call(G + "send_group_msg", {"GroupId": "team", "From_Account": "alice",
                                                    "Random": 7, "MsgBody": text_body(text),
                                                    **fields})


def test_group_before_send_allow(hooked, receiver, ws, pg):
    chatd = hooked()
    rest_group(chatd, group_type="Private")
    bob = ws(chatd, "bob")
    alice = ws(chatd, "alice", platform="Android")
    sent = alice.call("sendMessage", {"groupID": "team", "random": 5, "msgBody": text_body("hi"),
                                      "cloudCustomData": "c"})
    (call,) = receiver.wait(G_BEFORE)
    check_query(call, G_BEFORE, "Android")
    b = call["body"]
    assert b["GroupId"] == "team" and b["Type"] == "Private"
    assert b["From_Account"] == "alice" and b["Operator_Account"] == "alice"
    assert b["Random"] == 5 and b["OnlineOnlyFlag"] == 0
    assert b["MsgBody"] == text_body("hi") and b["CloudCustomData"] == "c"
    assert "EventTime" in b
    assert bob.wait_event("onRecvNewMessage")["message"]["msgID"] == sent["msgID"]
    assert group_texts(pg) == ["hi"]


@pytest.mark.parametrize("door", ["rest", "ws"])
def test_group_before_send_refuse(hooked, receiver, ws, pg, door):
    chatd = hooked()
    rest_group(chatd)
    group_before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 1, "ErrorInfo": "no"})
    if door == "rest":
        call_fail(chatd.rest(), G + "send_group_msg",
                  {"GroupId": "team", "From_Account": "alice", "Random": 1,
                   "MsgBody": text_body("bad")}, 10016)
    else:
        ws(chatd, "alice").fail("sendMessage", {"groupID": "team", "msgBody": text_body("bad")},
                                10016)
    assert group_texts(pg) == []
    assert pg.sql("SELECT count(*) FROM webhook_outbox WHERE command = %s", (G_AFTER,)) == [(0,)]


def test_group_before_send_drop(hooked, receiver, ws, pg):
    chatd = hooked()
    rest_group(chatd)
    group_before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 2})
    bob = ws(chatd, "bob")
    answer = rest_group_send(chatd, "gone")
    assert answer["ErrorCode"] == 0, answer
    sent = ws(chatd, "alice").call("sendMessage", {"groupID": "team", "msgBody": text_body("g2")})
    assert sent["msgID"] and sent["seq"] == 0
    bob.barrier()
    assert [m for m in bob.messages() if m["msgBody"][0]["MsgType"] == "TIMTextElem"] == []
    assert group_texts(pg) == []


def test_group_before_send_rewrite(hooked, receiver, ws, pg):
    chatd = hooked()
    rest_group(chatd)
    new_body = text_body("***")
    group_before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 0, "MsgBody": new_body,
                                    "CloudCustomData": "cleaned"})
    bob = ws(chatd, "bob")
    assert rest_group_send(chatd, "rude")["ErrorCode"] == 0
    message = bob.wait_event("onRecvNewMessage")["message"]
    assert message["msgBody"] == new_body and message["cloudCustomData"] == "cleaned"
    assert group_texts(pg) == ["***"]
    assert receiver.wait(G_AFTER)[0]["body"]["MsgBody"] == new_body


def test_group_before_send_bad_rewrite_is_ignored(hooked, receiver, pg):
    chatd = hooked()
    rest_group(chatd)
    group_before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 0,
                                    "MsgBody": [{"MsgType": "Nope"}]})
    assert rest_group_send(chatd, "orig")["ErrorCode"] == 0
    assert group_texts(pg) == ["orig"]


@pytest.mark.parametrize("door", ["rest", "ws"])
def test_group_before_send_custom_code(hooked, receiver, ws, door):
    chatd = hooked()
    rest_group(chatd)
    group_before_answers(receiver, {"ActionStatus": "FAIL", "ErrorCode": 10150,
                                    "ErrorInfo": "quiet hours"})
    if door == "rest":
        answer = call_fail(chatd.rest(), G + "send_group_msg",
                           {"GroupId": "team", "From_Account": "alice", "Random": 1,
                            "MsgBody": text_body("x")}, 10150)
        assert answer["ErrorInfo"] == "quiet hours"
    else:
        frame = ws(chatd, "alice").fail("sendMessage", {"groupID": "team",
                                                        "msgBody": text_body("x")}, 10150)
        assert frame["desc"] == "quiet hours"


@pytest.mark.parametrize("policy, code", [("proceed", 0), ("block", 80003)])
def test_group_before_send_timeout(hooked, receiver, pg, policy, code):
    chatd = hooked(webhook_timeout_ms=300, webhook_before_fail=policy)
    rest_group(chatd)
    group_before_answers(receiver, ("sleep", 2, OK))
    t0 = time.monotonic()
    answer = rest_group_send(chatd, "slow")
    assert time.monotonic() - t0 < 1.5
    assert answer["ErrorCode"] == code, answer
    assert group_texts(pg) == (["slow"] if code == 0 else [])


def test_group_before_send_switches_tips_and_imports_skip_it(hooked, receiver, ws, pg):
    """ForbidBeforeSendMsgCallback, disableCloudMessagePreHook, tips messages and imported
    history never ask the app."""
    chatd = hooked()
    rest_group(chatd, group_type="Private")  # (a Private group's add fires a tips message)
    group_before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 1})
    assert rest_group_send(chatd, "a", ForbidCallbackControl=["ForbidBeforeSendMsgCallback"])[
        "ErrorCode"] == 0
    ws(chatd, "alice").call("sendMessage", {"groupID": "team", "msgBody": text_body("b"),
                                            "disableCloudMessagePreHook": True})
    call_ok(chatd.rest(), G + "add_group_member",
            {"GroupId": "team", "MemberList": [{"Member_Account": "carol"}]})
    call_ok(chatd.rest(), G + "import_group_msg",
            {"GroupId": "team", "MsgList": [{"From_Account": "alice", "SendTime": 1600000000,
                                             "Random": 9, "MsgBody": text_body("old")}]})
    assert sorted(group_texts(pg)) == ["a", "b", "old"]
    assert receiver.of(G_BEFORE) == []


def test_group_before_send_not_listed_not_asked(hooked, receiver, pg):
    chatd = hooked(webhook_commands=G_AFTER)
    rest_group(chatd)
    group_before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 1})
    assert rest_group_send(chatd, "a")["ErrorCode"] == 0
    receiver.wait(G_AFTER)
    assert receiver.of(G_BEFORE) == []


def test_group_before_send_not_member_not_asked(hooked, receiver, ws):
    """A sender who may not send is refused before the app is asked."""
    chatd = hooked()
    rest_group(chatd, members=("bob",))
    ws(chatd, "carol").fail("sendMessage", {"groupID": "team", "msgBody": text_body("x")}, 10007)
    assert receiver.of(G_BEFORE) == []


# ---- Group.CallbackBeforeCreateGroup / BeforeApplyJoinGroup / BeforeInviteJoinGroup ------------

B_CREATE = "Group.CallbackBeforeCreateGroup"
B_APPLY = "Group.CallbackBeforeApplyJoinGroup"
B_INVITE = "Group.CallbackBeforeInviteJoinGroup"


def answer_for(receiver, command, reply):
    receiver.answer = lambda call: reply if call["query"]["CallbackCommand"] == command else OK


def group_ids(pg):
    return [r[0] for r in pg.sql("SELECT group_id FROM groups ORDER BY group_id")]


def member_ids(pg, gid="team"):
    return [r[0] for r in pg.sql(
        "SELECT user_id FROM group_members WHERE group_id = %s ORDER BY user_id", (gid,))]


def test_before_create_allow_carries_the_request(hooked, receiver, ws, pg):
    chatd = hooked()
    alice = ws(chatd, "alice", platform="Android")
    gid = alice.call("createGroup", {"groupType": "Public", "groupName": "crew",
                                     "memberList": [{"userID": "bob", "role": 200}]})["groupID"]
    (call,) = receiver.wait(B_CREATE)
    check_query(call, B_CREATE, "Android")
    b = call["body"]
    assert b["Operator_Account"] == "alice" and b["Owner_Account"] == "alice"
    assert b["Type"] == "Public" and b["Name"] == "crew"
    assert members(b, "MemberList") == ["bob"]
    assert group_ids(pg) == [gid]
    receiver.wait(CREATE)


@pytest.mark.parametrize("code", [1, 2])
def test_before_create_refuse(hooked, receiver, ws, pg, code):
    chatd = hooked()
    answer_for(receiver, B_CREATE, {"ActionStatus": "OK", "ErrorCode": code, "ErrorInfo": "no"})
    call_fail(chatd.rest(), G + "create_group",
              {"Owner_Account": "alice", "Type": "Public", "GroupId": "team", "Name": "team"},
              10016)
    ws(chatd, "alice").fail("createGroup", {"groupType": "Public", "groupName": "x"}, 10016)
    assert group_ids(pg) == []
    assert receiver.of(CREATE) == []


def test_before_create_custom_code(hooked, receiver, ws, pg):
    chatd = hooked()
    answer_for(receiver, B_CREATE, {"ActionStatus": "FAIL", "ErrorCode": 10120,
                                    "ErrorInfo": "too many groups"})
    frame = ws(chatd, "alice").fail("createGroup", {"groupType": "Public", "groupName": "x"},
                                    10120)
    assert frame["desc"] == "too many groups"
    assert group_ids(pg) == []


def test_before_create_not_listed_not_asked(hooked, receiver, pg):
    chatd = hooked(webhook_commands=CREATE)
    answer_for(receiver, B_CREATE, {"ActionStatus": "OK", "ErrorCode": 1})
    rest_group(chatd)
    receiver.wait(CREATE)
    assert receiver.of(B_CREATE) == []


def test_before_apply_join(hooked, receiver, ws, pg):
    chatd = hooked()
    rest_group(chatd, members=(), ApplyJoinOption="FreeAccess")
    answer_for(receiver, B_APPLY, {"ActionStatus": "OK", "ErrorCode": 1})
    carol = ws(chatd, "carol", platform="Web")
    carol.fail("joinGroup", {"groupID": "team"}, 10016)
    (call,) = receiver.wait(B_APPLY)
    check_query(call, B_APPLY, "Web")
    b = call["body"]
    assert b["GroupId"] == "team" and b["Type"] == "Public" and b["Requestor_Account"] == "carol"
    assert member_ids(pg) == ["alice"]
    receiver.answer = lambda call: OK
    carol.call("joinGroup", {"groupID": "team"})
    assert member_ids(pg) == ["alice", "carol"]
    receiver.wait(JOIN)


def test_before_apply_join_refuses_a_join_request(hooked, receiver, ws, pg):
    chatd = hooked()
    rest_group(chatd, members=(), ApplyJoinOption="NeedPermission")
    answer_for(receiver, B_APPLY, {"ActionStatus": "OK", "ErrorCode": 10101, "ErrorInfo": "later"})
    frame = ws(chatd, "carol").fail("joinGroup", {"groupID": "team"}, 10101)
    assert frame["desc"] == "later"
    assert pg.sql("SELECT count(*) FROM group_applications") == [(0,)]


def test_before_invite_refuses_listed_members(hooked, receiver, ws, pg):
    chatd = hooked()
    call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": ["dave"]})
    rest_group(chatd, group_type="Private")
    answer_for(receiver, B_INVITE, {"ActionStatus": "OK", "ErrorCode": 0,
                                    "RefusedMembers_Account": ["carol"]})
    bob = ws(chatd, "bob", platform="Android")
    result = bob.call("inviteUserToGroup", {"groupID": "team", "userList": ["carol", "dave"]})
    (call,) = receiver.wait(B_INVITE)
    check_query(call, B_INVITE, "Android")
    b = call["body"]
    assert b["GroupId"] == "team" and b["Type"] == "Private" and b["Operator_Account"] == "bob"
    assert members(b, "DestinationMembers") == ["carol", "dave"]
    codes = {r["memberID"]: r["result"] for r in result["resultList"]}
    assert codes["dave"] == 1 and codes["carol"] != 1
    assert member_ids(pg) == ["alice", "bob", "dave"]
    (join,) = receiver.wait(JOIN)
    assert members(join["body"], "NewMemberList") == ["dave"]


def test_before_invite_over_rest(hooked, receiver, pg):
    chatd = hooked()
    rest_group(chatd)
    answer_for(receiver, B_INVITE, {"ActionStatus": "OK", "ErrorCode": 0,
                                    "RefusedMembers_Account": ["carol"]})
    answer = call_ok(chatd.rest(), G + "add_group_member",
                     {"GroupId": "team", "MemberList": [{"Member_Account": "carol"}]})
    assert answer["MemberList"] == [{"Member_Account": "carol", "Result": 0}]
    check_query(receiver.wait(B_INVITE)[0], B_INVITE, "RESTAPI")
    assert member_ids(pg) == ["alice", "bob"]
    answer_for(receiver, B_INVITE, {"ActionStatus": "OK", "ErrorCode": 1})
    call_fail(chatd.rest(), G + "add_group_member",
              {"GroupId": "team", "MemberList": [{"Member_Account": "carol"}]}, 10016)
    assert member_ids(pg) == ["alice", "bob"]


def test_imports_ask_no_before_callback(hooked, receiver, pg):
    chatd = hooked()
    receiver.answer = lambda call: {"ActionStatus": "OK", "ErrorCode": 1}
    call_ok(chatd.rest(), G + "import_group",
            {"Owner_Account": "alice", "Type": "Public", "GroupId": "team", "Name": "team"})
    call_ok(chatd.rest(), G + "import_group_member",
            {"GroupId": "team", "MemberList": [{"Member_Account": "bob"}]})
    assert member_ids(pg) == ["alice", "bob"]
    assert receiver.calls == []


def test_change_owner_fires_after_change_group_owner(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob",))
    call_ok(chatd.rest(), G + "change_group_owner", {"GroupId": gid, "NewOwner_Account": "bob"})
    (call,) = receiver.wait("Group.CallbackAfterChangeGroupOwner")
    check_query(call, "Group.CallbackAfterChangeGroupOwner", "RESTAPI")
    b = call["body"]
    assert (b["GroupId"], b["Type"], b["OldOwner_Account"], b["NewOwner_Account"]) == (
        gid, "Public", "alice", "bob")
    assert b["Operator_Account"] and b["EventId"] > 0
    bob = ws(chatd, "bob", platform="iPad")
    bob.call("transferGroupOwner", {"groupID": gid, "userID": "alice"})
    (_, again) = receiver.wait("Group.CallbackAfterChangeGroupOwner", n=2)
    check_query(again, "Group.CallbackAfterChangeGroupOwner", "iPad")
    assert (again["body"]["OldOwner_Account"], again["body"]["NewOwner_Account"],
            again["body"]["Operator_Account"]) == ("bob", "alice", "bob")


def test_group_full_fires_when_filled_and_when_refused(hooked, receiver, pg):
    chatd = hooked()
    gid = rest_group(chatd, members=(), MaxMemberCount=2)
    call_ok(chatd.rest(), G + "add_group_member", {"GroupId": gid,
                                                   "MemberList": [{"Member_Account": "bob"}]})
    (full,) = receiver.wait("Group.CallbackAfterGroupFull")
    check_query(full, "Group.CallbackAfterGroupFull", "RESTAPI")
    assert full["body"]["GroupId"] == gid and full["body"]["EventId"] > 0
    call_fail(chatd.rest(), G + "add_group_member", {
        "GroupId": gid, "MemberList": [{"Member_Account": "carol"}]}, 10014)
    receiver.wait("Group.CallbackAfterGroupFull", n=2)
    open_group = rest_group(chatd, gid="roomy", members=(), MaxMemberCount=10)
    call_ok(chatd.rest(), G + "add_group_member", {"GroupId": open_group,
                                                   "MemberList": [{"Member_Account": "carol"}]})
    outbox_drained(pg)
    assert len(receiver.of("Group.CallbackAfterGroupFull")) == 2


def test_member_field_changed(hooked, receiver, ws, pg):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob", "carol"))
    call_ok(chatd.rest(), G + "modify_group_member_info",
            {"GroupId": gid, "Member_Account": "bob", "Role": "Admin", "NameCard": "Bobby"})
    (call,) = receiver.wait("Group.CallbackAfterMemberFieldChanged")
    check_query(call, "Group.CallbackAfterMemberFieldChanged", "RESTAPI")
    b = call["body"]
    assert (b["GroupId"], b["Type"], b["Modified_Account"], b["Member_Account"], b["Role"],
            b["NameCard"]) == (gid, "Public", "bob", "bob", "Admin", "Bobby")
    alice = ws(chatd, "alice", platform="Android")
    alice.call("setGroupMemberRole", {"groupID": gid, "userID": "bob", "role": 200})
    (_, again) = receiver.wait("Group.CallbackAfterMemberFieldChanged", n=2)
    check_query(again, "Group.CallbackAfterMemberFieldChanged", "Android")
    assert (again["body"]["Role"], again["body"]["Operator_Account"]) == ("Member", "alice")
    # a mute alone is not a field change
    call_ok(chatd.rest(), G + "forbid_send_msg", {"GroupId": gid, "Members_Account": ["carol"],
                                                  "MuteTime": 60})
    outbox_drained(pg)
    assert len(receiver.of("Group.CallbackAfterMemberFieldChanged")) == 2


def test_read_receipt_fires_after_read_receipt(hooked, receiver, ws):
    chatd = hooked()
    gid = rest_group(chatd, members=("bob", "carol"))
    alice = ws(chatd, "alice")
    sent = alice.call("sendMessage", {"groupID": gid, "msgBody": text_body("ack"),
                                      "random": 9, "needReadReceipt": True})
    bob = ws(chatd, "bob", platform="Android")
    bob.call("sendMessageReadReceipts", {"msgIDs": [sent["msgID"]]})
    (call,) = receiver.wait("Group.CallbackAfterReadReceipt")
    check_query(call, "Group.CallbackAfterReadReceipt", "Android")
    b = call["body"]
    assert (b["GroupId"], b["Type"]) == (gid, "Public")
    assert b["GroupMsgReceiptList"] == [{"MsgSeq": sent["seq"], "ReadNum": 1, "UnreadNum": 1,
                                         "ReadReceiptMembers": [{"Member_Account": "bob"}]}]
    call_ok(chatd.rest(), G + "group_msg_receipt", {"GroupId": gid, "From_Account": "carol",
                                                    "MsgSeqList": [{"MsgSeq": sent["seq"]}]})
    (_, rest_call) = receiver.wait("Group.CallbackAfterReadReceipt", n=2)
    check_query(rest_call, "Group.CallbackAfterReadReceipt", "RESTAPI")
    (item,) = rest_call["body"]["GroupMsgReceiptList"]
    assert (item["ReadNum"], item["UnreadNum"], item["ReadReceiptMembers"]) == (
        2, 0, [{"Member_Account": "carol"}])
    bob.call("sendMessageReadReceipts", {"msgIDs": [sent["msgID"]]})  # again: nothing new
    bob.barrier()
