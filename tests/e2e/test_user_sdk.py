"""Profiles and user status from clients (docs/protocol.md "Profiles and user status"):
getUsersInfo, setSelfInfo (the tag rules of portrait_set), profile subscriptions and the
events to friends, subscribers and the user's other sessions; setSelfStatus, getUserStatus,
status subscriptions and onUserStatusChanged on login, logout and status changes."""

import pytest

from expect import call_ok
from ws_client import WsClient, import_users

pytestmark = pytest.mark.shared_chatd


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol", "dave")
    return rest


@pytest.fixture
def login(chatd, rest):
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def test_set_self_info_reaches_other_sessions_friends_and_subscribers(rest, login, pg):
    call_ok(rest, "sns/friend_add", {"From_Account": "bob", "ForceAddFlags": 1,
                                     "AddType": "Add_Type_Single", "AddFriendItem": [
                                         {"To_Account": "alice", "AddSource": "AddSource_Type_X"}]})
    alice, tablet, bob, carol, dave = (login("alice"), login("alice", "iPad"), login("bob"),
                                       login("carol"), login("dave"))
    assert carol.call("subscribeUserInfo", {"userIDList": ["alice", "ghost"]}) == {
        "failedUserIDList": ["ghost"]}
    alice.call("setSelfInfo", {"nickName": "Alice", "gender": 2, "allowType": 0,
                               "customInfo": {"Color": "red"}})
    info = tablet.wait_event("onSelfInfoUpdated")["info"]
    assert info["nickName"] == "Alice" and info["gender"] == 2 and info["allowType"] == 0
    assert info["customInfo"] == {"Color": "red"}
    for watcher in (bob, carol):
        (changed,) = watcher.wait_event("onUserInfoChanged")["userInfoList"]
        assert changed["userID"] == "alice" and changed["nickName"] == "Alice"
    dave.barrier()
    assert dave.take_events("onUserInfoChanged") == []
    alice.barrier()
    assert alice.take_events("onSelfInfoUpdated") == []  # not the session that asked
    stored = dict(pg.sql("SELECT tag, value #>> '{}' FROM profiles WHERE user_id = 'alice'"))
    assert stored == {"Tag_Profile_IM_Nick": "Alice", "Tag_Profile_IM_Gender": "Gender_Type_Female",
                      "Tag_Profile_IM_AllowType": "AllowType_Type_AllowAny",
                      "Tag_Profile_Custom_Color": "red"}
    (got,) = dave.call("getUsersInfo", {"userIDList": ["alice", "ghost"]})
    assert got["userID"] == "alice" and got["nickName"] == "Alice"
    # AllowAny set from the SDK decides friend requests
    assert dave.call("addFriend", {"userID": "alice"})["resultCode"] == 0

    carol.call("unsubscribeUserInfo", {"userIDList": ["alice"]})
    alice.call("setSelfInfo", {"selfSignature": "hi"})
    bob.wait_event("onUserInfoChanged")
    carol.barrier()
    assert carol.take_events("onUserInfoChanged") == []


def test_rest_portrait_set_also_tells_the_user_and_friends(rest, login):
    call_ok(rest, "sns/friend_add", {"From_Account": "bob", "ForceAddFlags": 1,
                                     "AddFriendItem": [
                                         {"To_Account": "alice", "AddSource": "AddSource_Type_X"}]})
    alice, bob = login("alice"), login("bob")
    call_ok(rest, "profile/portrait_set", {"From_Account": "alice", "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]})
    assert alice.wait_event("onSelfInfoUpdated")["info"]["nickName"] == "A"
    assert bob.wait_event("onUserInfoChanged")["userInfoList"][0]["nickName"] == "A"


@pytest.mark.parametrize("body, code", [
    ({}, 40001),
    ({"nickName": 5}, 40610),
    ({"nickName": "n" * 501}, 40601),
    ({"gender": 7}, 40605),
    ({"allowType": "x"}, 40605),
    ({"birthday": -1}, 40610),
    ({"shoeSize": 42}, 40009),
    ({"customInfo": {"TooLongKey": "x"}}, 40009),
])
def test_set_self_info_bad_inputs_change_nothing(rest, login, pg, body, code):
    alice = login("alice")
    alice.call("setSelfInfo", {"nickName": "kept"})
    alice.fail("setSelfInfo", body, code)
    assert pg.sql("SELECT tag, value #>> '{}' FROM profiles WHERE user_id = 'alice'") == [
        ("Tag_Profile_IM_Nick", "kept")]


def test_get_users_info_bad_inputs(rest, login):
    alice = login("alice")
    alice.fail("getUsersInfo", {"userIDList": []}, 40001)
    alice.fail("getUsersInfo", {"userIDList": [f"u{i}" for i in range(101)]}, 40001)
    alice.fail("subscribeUserInfo", {"userIDList": "bob"}, 40001)


def test_user_status_is_off_by_default(rest, login):
    alice = login("alice")
    for cmd, body in (("setSelfStatus", {"customStatus": "x"}),
                      ("getUserStatus", {"userIDList": ["bob"]}),
                      ("subscribeUserStatus", {"userIDList": ["bob"]}),
                      ("unsubscribeUserStatus", {"userIDList": ["bob"]})):
        alice.fail(cmd, body, 72001)


def test_user_status_on(chatd_of):
    instance = chatd_of(user_status="on")
    import_users(instance.rest(), "alice", "bob", "carol")
    carol = WsClient.login_as(instance.url, "carol")
    alice = WsClient.login_as(instance.url, "alice", platform="Android")
    try:
        carol.call("subscribeUserStatus", {"userIDList": ["bob", "alice"]})
        alice.call("setSelfStatus", {"customStatus": "busy"})
        (st,) = carol.wait_event("onUserStatusChanged")["userStatusList"]
        assert st == {"userID": "alice", "statusType": 1, "customStatus": "busy",
                      "onlineDevices": ["Android"]}
        assert alice.wait_event("onUserStatusChanged")["userStatusList"][0]["customStatus"] == \
            "busy"
        bob = WsClient.login_as(instance.url, "bob")
        (st,) = carol.wait_event("onUserStatusChanged",
                                 where=lambda b: b["userStatusList"][0]["userID"] == "bob")[
            "userStatusList"]
        assert st["statusType"] == 1 and st["customStatus"] == ""
        bob.close()
        (st,) = carol.wait_event("onUserStatusChanged",
                                 where=lambda b: b["userStatusList"][0]["statusType"] == 3)[
            "userStatusList"]
        assert st == {"userID": "bob", "statusType": 3, "customStatus": "", "onlineDevices": []}
        got = carol.call("getUserStatus", {"userIDList": ["alice", "bob", "ghost"]})
        assert [(s["userID"], s["statusType"], s["customStatus"]) for s in got] == [
            ("alice", 1, "busy"), ("bob", 3, "")]
        carol.call("unsubscribeUserStatus", {"userIDList": ["alice"]})
        alice.call("setSelfStatus", {"customStatus": "free"})
        alice.wait_event("onUserStatusChanged")
        carol.barrier()
        assert carol.take_events("onUserStatusChanged") == []
        alice.fail("setSelfStatus", {"customStatus": "x" * 101}, 40001)
        alice.fail("setSelfStatus", {}, 40001)
    finally:
        carol.close()
        alice.close()


def test_all_receive_opt(rest, login):
    alice, tablet = login("alice"), login("alice", "iPad")
    assert alice.call("getAllReceiveMessageOpt") == {
        "allReceiveMessageOpt": 0, "startHour": 0, "startMinute": 0, "startSecond": 0,
        "startTimeStamp": 0, "duration": 0}
    alice.call("setAllReceiveMessageOpt", {"opt": 2, "startHour": 22, "startMinute": 30,
                                           "startSecond": 0, "duration": 8 * 3600})
    info = tablet.wait_event("onAllReceiveMessageOptChanged")["info"]
    assert (info["allReceiveMessageOpt"], info["startHour"], info["startMinute"],
            info["duration"]) == (2, 22, 30, 28800)
    assert tablet.call("getAllReceiveMessageOpt") == info
    alice.call("setAllReceiveMessageOpt", {"opt": 2, "startTimeStamp": 1900000000,
                                           "duration": 3 * 86400})
    assert alice.call("getAllReceiveMessageOpt")["startTimeStamp"] == 1900000000
    for bad in ({}, {"opt": 1}, {"opt": 3}, {"opt": 2, "startHour": 24},
                {"opt": 2, "startMinute": 60}, {"opt": 2, "duration": 86401},
                {"opt": 2, "duration": -1}, {"opt": "2"}):
        alice.fail("setAllReceiveMessageOpt", bad, 70402)
    assert alice.call("getAllReceiveMessageOpt")["startTimeStamp"] == 1900000000
    alice.call("setAllReceiveMessageOpt", {"opt": 0})
    assert alice.call("getAllReceiveMessageOpt")["allReceiveMessageOpt"] == 0
