"""Message extensions and reactions (docs/protocol.md "Message extensions and reactions",
docs/rest-api.md openim_msg_ext_http_svc): key-value extensions with Tencent's seq-based
compare-and-set on messages sent with supportMessageExtension, their events and webhook;
reactions with counts and first users; both doors; every bad input with its code."""

import itertools

import pytest

from expect import call_fail, call_ok
from util import check_query
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd

EXT = "openim_msg_ext_http_svc/"
CONFLICT, BAD, NOT_FOUND = 23001, 70402, 20022
_random = itertools.count(1)


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol")
    return rest


@pytest.fixture
def login(chatd, rest):
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def send(client, to=None, group=None, ext=True, text="poll"):
    body = {"msgBody": text_body(text), "random": next(_random), "supportMessageExtension": ext}
    body.update({"receiver": to} if to else {"groupID": group})
    return client.call("sendMessage", body)


def ext(key, value, seq=None):
    e = {"extensionKey": key, "extensionValue": value}
    if seq is not None:
        e["seq"] = seq
    return e


def team(rest, *members):
    call_ok(rest, "group_open_http_svc/create_group", {
        "Owner_Account": "alice", "Type": "Public", "GroupId": "team", "Name": "team",
        "MemberList": [{"Member_Account": m} for m in members]})
    return "team"


def test_group_poll_extension_and_reaction_seen_live(rest, login):
    """alice adds a 👍 reaction and a poll vote extension to a group message; every member
    sees the counts change live."""
    gid = team(rest, "bob", "carol")
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    sent = send(alice, group=gid)
    for c in (bob, carol):
        msg = c.wait_event("onRecvNewMessage")["message"]
        assert msg["supportMessageExtension"] is True
    (res,) = alice.call("setMessageExtensions", {"msgID": sent["msgID"],
                                                 "extensions": [ext("vote_alice", "yes", 0)]})
    assert res["resultCode"] == 0 and res["extension"]["seq"] == 1
    for c in (bob, carol):
        ev = c.wait_event("onRecvMessageExtensionsChanged")
        assert ev == {"msgID": sent["msgID"], "extensions": [
            {"extensionKey": "vote_alice", "extensionValue": "yes", "seq": 1}]}
    alice.call("addMessageReaction", {"msgID": sent["msgID"], "reactionID": "👍"})
    bob.call("addMessageReaction", {"msgID": sent["msgID"], "reactionID": "👍"})
    ev = carol.wait_event("onRecvMessageReactionsChanged",
                          where=lambda b: b["changeInfos"][0]["reactionList"][0][
                              "totalUserCount"] == 2)
    (info,) = ev["changeInfos"]
    assert info["msgID"] == sent["msgID"]
    assert info["reactionList"] == [{"reactionID": "👍", "totalUserCount": 2,
                                     "partialUserList": ["alice", "bob"]}]
    (got,) = carol.call("getMessageReactions", {"msgIDList": [sent["msgID"]]})
    assert got["resultCode"] == 0
    assert got["reactionList"] == [{"reactionID": "👍", "totalUserCount": 2,
                                    "partialUserList": ["alice", "bob"], "reactedByMyself": False}]
    users = carol.call("getAllUserListOfMessageReaction", {"msgID": sent["msgID"],
                                                           "reactionID": "👍", "count": 1})
    assert [u["userID"] for u in users["userList"]] == ["alice"] and not users["isFinished"]
    more = carol.call("getAllUserListOfMessageReaction", {"msgID": sent["msgID"],
                                                          "reactionID": "👍",
                                                          "nextSeq": users["nextSeq"]})
    assert [u["userID"] for u in more["userList"]] == ["bob"] and more["isFinished"]
    bob.call("removeMessageReaction", {"msgID": sent["msgID"], "reactionID": "👍"})
    ev = carol.wait_event("onRecvMessageReactionsChanged",
                          where=lambda b: b["changeInfos"][0]["reactionList"][0][
                              "totalUserCount"] == 1)
    got = carol.call("getMessageExtensions", {"msgID": sent["msgID"]})
    assert got == [{"extensionKey": "vote_alice", "extensionValue": "yes", "seq": 1}]
    call_ok(rest, "group_open_http_svc/delete_group_member", {"GroupId": gid,
                                                               "MemberToDel_Account": ["carol"]})
    carol.fail("getMessageExtensions", {"msgID": sent["msgID"]}, NOT_FOUND)
    carol.fail("addMessageReaction", {"msgID": sent["msgID"], "reactionID": "x"}, NOT_FOUND)


def test_compare_and_set_race(rest, login):
    """Two writers with the same seq: the first wins, the second gets 23001 with the winner's
    value and seq."""
    alice, bob = login("alice"), login("bob")
    sent = send(alice, to="bob")
    mid = sent["msgID"]
    (first,) = alice.call("setMessageExtensions", {"msgID": mid, "extensions": [ext("k", "a", 0)]})
    seq = first["extension"]["seq"]
    (won,) = bob.call("setMessageExtensions", {"msgID": mid, "extensions": [ext("k", "b", seq)]})
    assert won["resultCode"] == 0 and won["extension"]["extensionValue"] == "b"
    (lost,) = alice.call("setMessageExtensions", {"msgID": mid,
                                                  "extensions": [ext("k", "c", seq)]})
    assert lost["resultCode"] == CONFLICT and lost["resultInfo"]
    assert lost["extension"] == {"extensionKey": "k", "extensionValue": "b",
                                 "seq": won["extension"]["seq"]}
    (again,) = alice.call("setMessageExtensions", {"msgID": mid, "extensions": [ext("k", "x", 0)]})
    assert again["resultCode"] == CONFLICT  # 0: the key must not exist
    # without seq the write wins whatever the version
    (free,) = alice.call("setMessageExtensions", {"msgID": mid, "extensions": [ext("k", "z")]})
    assert free["resultCode"] == 0
    assert alice.call("getMessageExtensions", {"msgID": mid})[0]["extensionValue"] == "z"
    # concurrent writers on separate sockets: exactly one wins
    cur = alice.call("getMessageExtensions", {"msgID": mid})[0]["seq"]
    sa = alice.send("setMessageExtensions", {"msgID": mid, "extensions": [ext("k", "A", cur)]})
    sb = bob.send("setMessageExtensions", {"msgID": mid, "extensions": [ext("k", "B", cur)]})
    ra, rb = alice.response(sa)["body"][0], bob.response(sb)["body"][0]
    assert sorted([ra["resultCode"], rb["resultCode"]]) == [0, CONFLICT]
    winner = ra if ra["resultCode"] == 0 else rb
    loser = rb if winner is ra else ra
    assert loser["extension"] == winner["extension"]


def test_delete_clear_events_and_limits(rest, login):
    alice, bob = login("alice"), login("bob")
    mid = send(alice, to="bob")["msgID"]
    alice.call("setMessageExtensions", {"msgID": mid, "extensions": [
        ext(f"k{i}", "v") for i in range(3)]})
    bob.wait_event("onRecvMessageExtensionsChanged")
    out = alice.call("deleteMessageExtensions", {"msgID": mid, "keys": ["k0"]})
    assert out[0]["resultCode"] == 0
    assert bob.wait_event("onRecvMessageExtensionsDeleted") == {"msgID": mid,
                                                               "extensionKeys": ["k0"]}
    alice.call("deleteMessageExtensions", {"msgID": mid})
    assert bob.wait_event("onRecvMessageExtensionsDeleted")["extensionKeys"] == ["k1", "k2"]
    assert alice.call("getMessageExtensions", {"msgID": mid}) == []

    plain = send(alice, to="bob", ext=False)["msgID"]
    alice.fail("setMessageExtensions", {"msgID": plain, "extensions": [ext("k", "v")]}, BAD)
    for bad in ([], [ext("", "v")], [ext("k" * 101, "v")], [ext("k", "v" * 1001)],
                [ext("k", "v"), ext("k", "w")], [ext(f"k{i}", "v") for i in range(21)],
                [ext("k", "v", -1)], [{"extensionKey": "k"}], "k"):
        alice.fail("setMessageExtensions", {"msgID": mid, "extensions": bad}, BAD)
    alice.fail("setMessageExtensions", {"extensions": [ext("k", "v")]}, BAD)
    alice.fail("setMessageExtensions", {"msgID": "nope", "extensions": [ext("k", "v")]},
               NOT_FOUND)
    login("carol").fail("getMessageExtensions", {"msgID": mid}, NOT_FOUND)
    # 300 keys at most
    for i in range(15):
        alice.call("setMessageExtensions", {"msgID": mid, "extensions": [
            ext(f"x{i}_{j}", "v") for j in range(20)]})
    alice.fail("setMessageExtensions", {"msgID": mid, "extensions": [ext("one_more", "v")]}, BAD)
    assert len(alice.call("getMessageExtensions", {"msgID": mid})) == 300


def test_reaction_limits_and_bad_inputs(rest, login):
    alice = login("alice")
    mid = send(alice, to="bob", ext=False)["msgID"]
    for i in range(10):
        alice.call("addMessageReaction", {"msgID": mid, "reactionID": f"r{i}"})
    alice.call("addMessageReaction", {"msgID": mid, "reactionID": "r0"})  # again: no change
    alice.fail("addMessageReaction", {"msgID": mid, "reactionID": "r10"}, BAD)
    alice.fail("addMessageReaction", {"msgID": mid, "reactionID": ""}, BAD)
    alice.fail("addMessageReaction", {"msgID": mid}, BAD)
    alice.fail("getMessageReactions", {"msgIDList": []}, BAD)
    alice.fail("getMessageReactions", {"msgIDList": [mid], "maxUserCountPerReaction": 11}, BAD)
    alice.fail("getAllUserListOfMessageReaction", {"msgID": mid, "reactionID": "r0",
                                                   "count": 0}, BAD)
    (got,) = alice.call("getMessageReactions", {"msgIDList": [mid]})
    assert len(got["reactionList"]) == 10
    assert got["reactionList"][0] == {"reactionID": "r0", "totalUserCount": 1,
                                      "partialUserList": ["alice"], "reactedByMyself": True}
    (missing,) = alice.call("getMessageReactions", {"msgIDList": ["nope"]})
    assert missing["resultCode"] == NOT_FOUND


def test_rest_c2c_and_group_key_values(rest, login, pg):
    alice = login("alice")
    sent = send(alice, to="bob")
    key = sent["msgKey"]
    answer = call_ok(rest, EXT + "set_key_values", {
        "From_Account": "alice", "To_Account": "bob", "MsgKey": key, "OperateType": 1,
        "ExtensionList": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2", "Seq": 99}]})
    assert [(e["ErrorCode"], e["Extension"]["Key"], e["Extension"]["Seq"])
            for e in answer["ExtensionList"]] == [(0, "a", 1), (0, "b", 2)]
    got = call_ok(rest, EXT + "get_key_values", {"From_Account": "bob", "To_Account": "alice",
                                                 "MsgKey": key, "StartSeq": 1})
    assert got["ExtensionList"] == [{"Key": "b", "Value": "2", "Seq": 2}]
    assert got["CompleteFlag"] == 1 and got["LatestSeq"] == 2 and got["ClearSeq"] == 0
    call_ok(rest, EXT + "set_key_values", {"From_Account": "alice", "To_Account": "bob",
                                           "MsgKey": key, "OperateType": 3})
    got = call_ok(rest, EXT + "get_key_values", {"From_Account": "alice", "To_Account": "bob",
                                                 "MsgKey": key})
    assert got["ExtensionList"] == [] and got["ClearSeq"] == got["LatestSeq"] == 3
    seq, random, ts = key.split("_")
    call_fail(rest, EXT + "get_key_values", {"From_Account": "alice", "To_Account": "bob",
                                             "MsgKey": f"{seq}_{int(random) + 1}_{ts}"}, NOT_FOUND)
    call_fail(rest, EXT + "get_key_values", {"From_Account": "alice", "To_Account": "bob",
                                             "MsgKey": "junk"}, 90054)
    # a MsgKey whose random is not the message's names no message: nothing is written
    call_fail(rest, EXT + "set_key_values", {"From_Account": "alice", "To_Account": "bob",
                                             "MsgKey": f"{seq}_{int(random) + 1}_{ts}",
                                             "OperateType": 1,
                                             "ExtensionList": [{"Key": "x", "Value": "1"}]},
              NOT_FOUND)
    assert pg.sql("SELECT count(*) FROM msg_extensions") == [(0,)]
    call_fail(rest, EXT + "set_key_values", {"From_Account": "alice", "To_Account": "bob",
                                             "MsgKey": key, "OperateType": 4,
                                             "ExtensionList": []}, 90010)

    gid = team(rest, "bob")
    gsent = call_ok(rest, "group_open_http_svc/send_group_msg", {
        "GroupId": gid, "From_Account": "alice", "Random": 5, "SupportMessageExtension": 1,
        "MsgBody": text_body("g")})
    answer = call_ok(rest, EXT + "group_set_key_values", {
        "GroupId": gid, "MsgSeq": gsent["MsgSeq"], "OperateType": 1,
        "ExtensionList": [{"Key": "q", "Value": "v"}]})
    assert answer["ExtensionList"][0]["ErrorCode"] == 0
    got = call_ok(rest, EXT + "group_get_key_values", {"GroupId": gid,
                                                       "MsgSeq": gsent["MsgSeq"]})
    assert got["ExtensionList"] == [{"Key": "q", "Value": "v", "Seq": 1}]
    call_fail(rest, EXT + "group_get_key_values", {"GroupId": gid, "MsgSeq": 999}, 10030)
    call_fail(rest, EXT + "group_get_key_values", {"GroupId": gid}, 10004)


def test_c2c_extension_webhook(hooked, receiver, ws):
    chatd = hooked()
    alice = ws(chatd, "alice", "Android")
    sent = alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("x"), "random": 1,
                                      "supportMessageExtension": True})
    alice.call("setMessageExtensions", {"msgID": sent["msgID"], "extensions": [ext("k", "v")]})
    (call,) = receiver.wait("C2C.CallbackAfterC2CMsgExtension")
    check_query(call, "C2C.CallbackAfterC2CMsgExtension", "Android")
    b = call["body"]
    assert (b["From_Account"], b["To_Account"], b["MsgKey"]) == ("alice", "bob", sent["msgKey"])
    assert b["OperateType"] == 1 and b["ExtensionList"] == [{"Key": "k", "Value": "v", "Seq": 1}]
    assert b["Seq"] == 1


def test_pinned_group_messages(rest, login):
    gid = team(rest, "bob", "carol")
    call_ok(rest, "group_open_http_svc/modify_group_member_info",
            {"GroupId": gid, "Member_Account": "bob", "Role": "Admin"})
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    sent = [send(alice, group=gid, ext=False, text=f"m{i}") for i in range(11)]
    bob.call("pinGroupMessage", {"groupID": gid, "msgID": sent[0]["msgID"], "isPinned": True})
    ev = carol.wait_event("onGroupMessagePinned")
    assert ev == {"groupID": gid, "msgID": sent[0]["msgID"], "seq": sent[0]["seq"],
                  "isPinned": True, "opUser": {"userID": "bob"}}
    got = carol.call("getPinnedGroupMessageList", {"groupID": gid})["messageList"]
    assert [(m["msgID"], m["pinnerInfo"]["userID"]) for m in got] == [(sent[0]["msgID"], "bob")]
    carol.fail("pinGroupMessage", {"groupID": gid, "msgID": sent[1]["msgID"], "isPinned": True},
               10007)
    for s in sent[1:10]:
        alice.call("pinGroupMessage", {"groupID": gid, "msgID": s["msgID"], "isPinned": True})
    alice.fail("pinGroupMessage", {"groupID": gid, "msgID": sent[10]["msgID"], "isPinned": True},
               10070)
    assert len(carol.call("getPinnedGroupMessageList", {"groupID": gid})["messageList"]) == 10
    alice.call("pinGroupMessage", {"groupID": gid, "msgID": sent[0]["msgID"], "isPinned": False})
    assert carol.wait_event("onGroupMessagePinned",
                            where=lambda b: not b["isPinned"])["msgID"] == sent[0]["msgID"]
    newest = carol.call("getPinnedGroupMessageList", {"groupID": gid})["messageList"]
    assert newest[0]["msgID"] == sent[9]["msgID"] and len(newest) == 9
    alice.fail("pinGroupMessage", {"groupID": gid, "msgID": "nope", "isPinned": True}, 10030)
    alice.fail("pinGroupMessage", {"groupID": "nogroup", "msgID": "x", "isPinned": True}, 10010)
    alice.fail("pinGroupMessage", {"groupID": gid, "msgID": sent[0]["msgID"]}, 10004)
    import_users(rest, "dave")
    login("dave").fail("getPinnedGroupMessageList", {"groupID": gid}, 10007)
