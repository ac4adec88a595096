"""Relationship chains (docs/protocol.md "Friends and the blocklist", docs/rest-api.md v4/sns):
friends, requests and AllowType, friend lists, the blocklist and the send refusals 20007 and
20009–20011, through both doors, with every bad input and its code — nothing stored changes on a
refusal."""

import itertools

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, history_texts, import_users, text_body

pytestmark = pytest.mark.shared_chatd

S = "sns/"
PENDING, NOT_FRIEND, NO_USER, PARAM = 30539, 31704, 30003, 30001
WS_BAD = 30001

_random = itertools.count(1)


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol", "dave")
    return rest


@pytest.fixture
def login(chatd, rest):
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def allow(rest, user, how):
    call_ok(rest, "profile/portrait_set",
            {"From_Account": user,
             "ProfileItem": [{"Tag": "Tag_Profile_IM_AllowType", "Value": f"AllowType_Type_{how}"}]})


def add_rest(rest, owner, *peers, **fields):
    return call_ok(rest, S + "friend_add",
                   {"From_Account": owner, "AddFriendItem": [
                       {"To_Account": p, "AddSource": "AddSource_Type_Test"} for p in peers],
                    **fields})


def friends_of(rest, user):
    answer = call_ok(rest, S + "friend_get", {"From_Account": user, "StartIndex": 0})
    return sorted(item["To_Account"] for item in answer["UserDataItem"])


def rows(pg, table):
    return pg.sql(f"SELECT * FROM {table} ORDER BY 1, 2")


def send(client, to, text):
    return client.request("sendMessage", {"receiver": to, "msgBody": text_body(text),
                                          "random": next(_random)})


def codes(answer, key="ResultItem"):
    return {item["To_Account"]: item["ResultCode"] for item in answer[key]}


# ---- the new user's story ---------------------------------------------------------------------

def test_request_accept_lists_and_block(rest, login):
    """alice asks bob (NeedConfirm); bob's other device sees the request; bob accepts and adds
    back; both lists show each other in their friend lists; bob blocks alice, her next message
    is refused with 20007 and nothing is stored; the backend reads it all over REST."""
    alice, phone, laptop = login("alice"), login("bob", "iPhone"), login("bob", "Mac")
    result = alice.call("addFriend", {"userID": "bob", "addWording": "hi, it's alice",
                                      "addSource": "AddSource_Type_Web", "friendGroup": "Work",
                                      "friendRemark": "Bobby"})
    assert result == {"userID": "bob", "resultCode": PENDING, "resultInfo": result["resultInfo"]}
    (app,) = laptop.wait_event("onFriendApplicationListAdded")["applicationList"]
    assert app["userID"] == "alice" and app["type"] == 1
    assert app["addWording"] == "hi, it's alice" and app["addSource"] == "AddSource_Type_Web"
    (mine,) = alice.wait_event("onFriendApplicationListAdded")["applicationList"]
    assert mine["userID"] == "bob" and mine["type"] == 2

    apps = phone.call("getFriendApplicationList")
    assert apps["unreadCount"] == 1 and [a["userID"] for a in apps["applicationList"]] == ["alice"]
    assert alice.call("getFriendApplicationList")["applicationList"][0]["type"] == 2
    phone.call("setFriendApplicationRead")
    laptop.wait_event("onFriendApplicationListRead")
    assert phone.call("getFriendApplicationList")["unreadCount"] == 0
    assert friends_of(rest, "alice") == [] and friends_of(rest, "bob") == []

    accepted = phone.call("acceptFriendApplication", {"userID": "alice", "responseType": 1,
                                                      "friendGroup": "Mates"})
    assert accepted["resultCode"] == 0
    added = alice.wait_event("onFriendListAdded")["friendInfoList"]
    assert [(f["userID"], f["friendRemark"], f["friendGroups"]) for f in added] == \
        [("bob", "Bobby", ["Work"])]
    (back,) = laptop.wait_event("onFriendListAdded")["friendInfoList"]
    assert back["userID"] == "alice" and back["friendGroups"] == ["Mates"]
    laptop.wait_event("onFriendApplicationListDeleted", where=lambda b: b["userIDList"] == ["alice"])
    assert phone.call("getFriendApplicationList")["applicationList"] == []

    assert [f["userID"] for f in alice.call("getFriendList")] == ["bob"]
    assert [f["userID"] for f in laptop.call("getFriendList")] == ["alice"]
    groups = laptop.call("getFriendGroups")
    assert groups == [{"name": "Mates", "friendCount": 1, "friendIDList": ["alice"]}]
    assert alice.call("checkFriend", {"userIDList": ["bob"]})[0]["relationType"] == 3
    got = call_ok(rest, S + "friend_get", {"From_Account": "bob", "StartIndex": 0})
    assert got["FriendNum"] == 1 and got["CompleteFlag"] == 1
    values = {v["Tag"]: v["Value"] for v in got["UserDataItem"][0]["ValueItem"]}
    assert values["Tag_SNS_IM_Group"] == ["Mates"]

    assert send(alice, "bob", "before")["code"] == 0
    blocked = phone.call("addToBlackList", {"userIDList": ["alice"]})
    assert blocked == [{"userID": "alice", "resultCode": 0, "resultInfo": ""}]
    laptop.wait_event("onBlackListAdded")
    alice.wait_event("onFriendListDeleted", where=lambda b: b["userIDList"] == ["bob"])
    refused = send(alice, "bob", "after")
    assert refused["code"] == 20007 and refused["desc"]
    assert history_texts(laptop, "c2c_alice") == ["before"]
    assert friends_of(rest, "alice") == [] and friends_of(rest, "bob") == []
    black = call_ok(rest, S + "black_list_get",
                    {"From_Account": "bob", "StartIndex": 0, "MaxLimited": 10})
    assert [b["To_Account"] for b in black["BlackListItem"]] == ["alice"]
    assert black["StartIndex"] == 0 and black["CurruentSequence"] > 0
    assert [b["userID"] for b in phone.call("getBlackList")] == ["alice"]
    # alice cannot ask again while blocked
    assert alice.call("addFriend", {"userID": "bob"})["resultCode"] == 30525
    assert phone.call("addFriend", {"userID": "alice"})["resultCode"] == 30515


def test_rest_send_from_a_blocked_sender_is_refused(rest, pg):
    call_ok(rest, S + "black_list_add", {"From_Account": "bob", "To_Account": ["alice"]})
    call_fail(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                       "MsgRandom": 1, "MsgBody": text_body("x")}, 20007)
    call_fail(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                       "MsgRandom": 2, "MsgBody": text_body("x"),
                                       "OnlineOnlyFlag": 1}, 20007)
    assert pg.sql("SELECT count(*) FROM messages") == [(0,)]
    call_ok(rest, "openim/sendmsg", {"From_Account": "bob", "To_Account": "alice",
                                     "MsgRandom": 3, "MsgBody": text_body("the other way")})
    call_ok(rest, "openim/sendmsg", {"To_Account": "bob", "MsgRandom": 4,
                                     "MsgBody": text_body("the admin is not checked")})
    call_ok(rest, S + "black_list_delete", {"From_Account": "bob", "To_Account": ["alice"]})
    call_ok(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                     "MsgRandom": 5, "MsgBody": text_body("unblocked")})


# ---- AllowType --------------------------------------------------------------------------------

def test_allow_any_adds_at_once_single_or_both(rest, login):
    allow(rest, "carol", "AllowAny")
    allow(rest, "dave", "AllowAny")
    alice = login("alice")
    carol = login("carol")
    assert alice.call("addFriend", {"userID": "carol", "addType": 1})["resultCode"] == 0
    assert friends_of(rest, "alice") == ["carol"] and friends_of(rest, "carol") == []
    assert alice.call("checkFriend", {"userIDList": ["carol"], "checkType": 2})[0][
        "relationType"] == 1
    assert carol.call("checkFriend", {"userIDList": ["alice"]})[0]["relationType"] == 2
    assert carol.call("checkFriend", {"userIDList": ["alice"], "checkType": 1})[0][
        "relationType"] == 0
    # adding back needs no confirmation: alice already has carol
    assert alice.call("addFriend", {"userID": "dave"})["resultCode"] == 0
    assert friends_of(rest, "dave") == ["alice"]
    assert alice.call("addFriend", {"userID": "dave"})["resultCode"] == PARAM  # already


def test_deny_any_refuses_unless_forced(rest, login, pg):
    allow(rest, "bob", "DenyAny")
    alice = login("alice")
    assert alice.call("addFriend", {"userID": "bob"})["resultCode"] == 30516
    answer = add_rest(rest, "alice", "bob")
    assert codes(answer) == {"bob": 30516} and answer["Fail_Account"] == ["bob"]
    assert rows(pg, "friend_requests") == []
    forced = add_rest(rest, "alice", "bob", ForceAddFlags=1)
    assert codes(forced) == {"bob": 0} and forced["Fail_Account"] == []
    assert friends_of(rest, "alice") == ["bob"] and friends_of(rest, "bob") == ["alice"]


def test_peer_who_has_you_needs_no_confirmation(rest, login):
    add_rest(rest, "bob", "alice", ForceAddFlags=1, AddType="Add_Type_Single")
    assert friends_of(rest, "bob") == ["alice"]
    alice = login("alice")
    assert alice.call("addFriend", {"userID": "bob"})["resultCode"] == 0
    assert friends_of(rest, "alice") == ["bob"]


def test_admin_forbid_send_out(rest, login):
    call_ok(rest, "profile/portrait_set",
            {"From_Account": "alice", "ProfileItem": [
                {"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_SendOut"}]})
    allow(rest, "bob", "AllowAny")
    assert login("alice").call("addFriend", {"userID": "bob"})["resultCode"] == 30009


# ---- requests ---------------------------------------------------------------------------------

def test_refuse_and_delete_requests(rest, login, pg):
    alice, bob = login("alice"), login("bob")
    alice.call("addFriend", {"userID": "bob"})
    bob.wait_event("onFriendApplicationListAdded")
    assert bob.call("refuseFriendApplication", {"userID": "alice"})["resultCode"] == 0
    alice.wait_event("onFriendApplicationListDeleted", where=lambda b: b["userIDList"] == ["bob"])
    assert rows(pg, "friend_requests") == [] and friends_of(rest, "alice") == []
    bob.fail("refuseFriendApplication", {"userID": "alice"}, 30614)
    bob.fail("acceptFriendApplication", {"userID": "alice"}, 30614)

    alice.call("addFriend", {"userID": "bob", "addWording": "again"})
    alice.call("deleteFriendApplication", {"userID": "bob", "type": 2})  # her own, sent out
    bob.wait_event("onFriendApplicationListDeleted", where=lambda b: b["userIDList"] == ["alice"])
    alice.fail("deleteFriendApplication", {"userID": "bob", "type": 2}, 31804)
    alice.call("addFriend", {"userID": "bob"})
    bob.call("deleteFriendApplication", {"userID": "alice", "type": 1})
    assert rows(pg, "friend_requests") == []
    alice.fail("addFriend", {"userID": "bob", "addType": 3}, WS_BAD)
    alice.fail("addFriend", {"userID": ""}, WS_BAD)
    alice.fail("acceptFriendApplication", {"userID": "bob", "responseType": 7}, WS_BAD)
    alice.fail("deleteFriendApplication", {"userID": "bob", "type": 0}, WS_BAD)


def test_agree_adds_one_way_only(rest, login):
    alice, bob = login("alice"), login("bob")
    alice.call("addFriend", {"userID": "bob", "friendRemark": "B"})
    bob.call("acceptFriendApplication", {"userID": "alice", "responseType": 0})
    assert friends_of(rest, "alice") == ["bob"] and friends_of(rest, "bob") == []


# ---- REST friend_add / friend_import bad inputs -----------------------------------------------

def test_friend_add_bad_inputs_change_nothing(rest, pg):
    add_rest(rest, "alice", "bob", ForceAddFlags=1)
    before = (rows(pg, "friends"), rows(pg, "friend_requests"))
    item = {"To_Account": "carol", "AddSource": "AddSource_Type_Test"}
    bad = [
        {"AddFriendItem": [item]},
        {"From_Account": "alice"},
        {"From_Account": "alice", "AddFriendItem": []},
        {"From_Account": "alice", "AddFriendItem": [item] * 2},
        {"From_Account": "alice", "AddFriendItem": [{"To_Account": "carol"}]},
        {"From_Account": "alice", "AddFriendItem": [{**item, "AddSource": "Web"}]},
        {"From_Account": "alice", "AddFriendItem": [{**item, "AddSource": "AddSource_Type_TooLongKey"}]},
        {"From_Account": "alice", "AddFriendItem": [{**item, "Remark": "r" * 97}]},
        {"From_Account": "alice", "AddFriendItem": [{**item, "AddWording": "w" * 257}]},
        {"From_Account": "alice", "AddFriendItem": [{**item, "GroupName": "g" * 31}]},
        {"From_Account": "alice", "AddFriendItem": [item], "AddType": "Add_Type_Sideways"},
        {"From_Account": "alice", "AddFriendItem": [item], "ForceAddFlags": 2},
        {"From_Account": "alice", "AddFriendItem": [
            {"To_Account": f"u{i}", "AddSource": "AddSource_Type_X"} for i in range(1001)]},
    ]
    for body in bad:
        call_fail(rest, S + "friend_add", body, PARAM)
    call_fail(rest, S + "friend_add", {"From_Account": "nobody", "AddFriendItem": [item]}, NO_USER)
    answer = add_rest(rest, "alice", "alice", "ghost", "bob")
    assert codes(answer) == {"alice": PARAM, "ghost": NO_USER, "bob": PARAM}
    assert sorted(answer["Fail_Account"]) == ["alice", "bob", "ghost"]
    assert (rows(pg, "friends"), rows(pg, "friend_requests")) == before


def test_friend_import_is_one_way_with_fields(rest):
    answer = call_ok(rest, S + "friend_import", {
        "From_Account": "alice",
        "AddFriendItem": [{"To_Account": "bob", "Remark": "Bob", "GroupName": ["A", "B"],
                           "AddSource": "AddSource_Type_Old", "AddWording": "w",
                           "AddTime": 1600000000,
                           "CustomItem": [{"Tag": "Tag_SNS_Custom_Nick", "Value": "bb"}]},
                          {"To_Account": "carol", "AddSource": "AddSource_Type_Old"}]})
    assert codes(answer) == {"bob": 0, "carol": 0}
    assert friends_of(rest, "alice") == ["bob", "carol"] and friends_of(rest, "bob") == []
    got = call_ok(rest, S + "friend_get_list",
                  {"From_Account": "alice", "To_Account": ["bob", "dave", "ghost"],
                   "TagList": ["Tag_SNS_IM_Remark", "Tag_SNS_IM_Group", "Tag_SNS_IM_AddTime",
                               "Tag_SNS_Custom_Nick", "Tag_Profile_IM_Nick"]})
    items = {i["To_Account"]: i for i in got["InfoItem"]}
    values = {v["Tag"]: v["Value"] for v in items["bob"]["SnsProfileItem"]}
    assert values == {"Tag_SNS_IM_Remark": "Bob", "Tag_SNS_IM_Group": ["A", "B"],
                      "Tag_SNS_IM_AddTime": 1600000000, "Tag_SNS_Custom_Nick": "bb",
                      "Tag_Profile_IM_Nick": ""}
    assert items["dave"]["ResultCode"] == NOT_FRIEND and items["ghost"]["ResultCode"] == NO_USER
    assert sorted(got["Fail_Account"]) == ["dave", "ghost"]
    again = call_ok(rest, S + "friend_import", {"From_Account": "alice", "AddFriendItem": [
        {"To_Account": "bob", "AddSource": "AddSource_Type_Old"}]})
    assert codes(again) == {"bob": PARAM}
    call_fail(rest, S + "friend_import", {"From_Account": "alice", "AddFriendItem": [
        {"To_Account": "dave", "AddSource": "AddSource_Type_Old",
         "CustomItem": [{"Tag": "Tag_SNS_Custom_TooLongKey", "Value": "x"}]}]}, PARAM)
    call_fail(rest, S + "friend_get_list", {"From_Account": "alice", "To_Account": ["bob"],
                                            "TagList": ["Tag_Nope"]}, PARAM)


# ---- update, delete, check --------------------------------------------------------------------

def test_friend_update_and_set_friend_info(rest, login):
    add_rest(rest, "alice", "bob", "carol", ForceAddFlags=1)
    alice = login("alice")
    answer = call_ok(rest, S + "friend_update", {"From_Account": "alice", "UpdateItem": [
        {"To_Account": "bob", "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "B"},
                                          {"Tag": "Tag_SNS_IM_Group", "Value": ["G"]},
                                          {"Tag": "Tag_SNS_Custom_Color", "Value": "red"}]},
        {"To_Account": "dave", "SnsItem": [{"Tag": "Tag_SNS_IM_Remark", "Value": "D"}]}]})
    assert codes(answer) == {"bob": 0, "dave": NOT_FRIEND}
    (changed,) = alice.wait_event("onFriendInfoChanged")["friendInfoList"]
    assert changed["friendRemark"] == "B" and changed["friendGroups"] == ["G"]
    assert changed["friendCustomInfo"] == {"Color": "red"}
    alice.call("setFriendInfo", {"userID": "carol", "friendRemark": "C",
                                 "friendCustomInfo": {"Color": "blue"}})
    infos = alice.call("getFriendsInfo", {"userIDList": ["carol", "dave"]})
    assert infos[0]["relation"] == 3 and infos[0]["friendInfo"]["friendRemark"] == "C"
    assert infos[0]["friendInfo"]["friendCustomInfo"] == {"Color": "blue"}
    assert infos[1]["relation"] == 0 and infos[1]["resultCode"] == 0
    alice.fail("setFriendInfo", {"userID": "dave", "friendRemark": "D"}, NOT_FRIEND)
    alice.fail("setFriendInfo", {"userID": "carol", "friendRemark": "r" * 97}, WS_BAD)
    alice.fail("setFriendInfo", {"userID": "carol", "friendCustomInfo": {"TooLongKey": "x"}}, WS_BAD)
    for sns in ([], [{"Tag": "Tag_SNS_IM_Remark", "Value": 5}], [{"Tag": "Tag_SNS_IM_AddTime",
                                                                  "Value": 1}]):
        call_fail(rest, S + "friend_update", {"From_Account": "alice", "UpdateItem": [
            {"To_Account": "bob", "SnsItem": sns}]}, PARAM)
    infos = alice.call("getFriendsInfo", {"userIDList": ["bob"]})
    assert infos[0]["friendInfo"]["friendRemark"] == "B"


def test_delete_single_both_and_all(rest, login):
    add_rest(rest, "alice", "bob", "carol", "dave", ForceAddFlags=1)
    bob = login("bob")
    answer = call_ok(rest, S + "friend_delete", {"From_Account": "alice", "To_Account": ["bob"],
                                                 "DeleteType": "Delete_Type_Single"})
    assert codes(answer) == {"bob": 0}
    assert friends_of(rest, "alice") == ["carol", "dave"] and friends_of(rest, "bob") == ["alice"]
    assert bob.call("deleteFromFriendList", {"userIDList": ["alice", "carol"]}) == [
        {"userID": "alice", "resultCode": 0, "resultInfo": ""},
        {"userID": "carol", "resultCode": NOT_FRIEND, "resultInfo": "not friends"}]
    assert friends_of(rest, "bob") == []
    call_ok(rest, S + "friend_delete_all", {"From_Account": "alice"})
    assert friends_of(rest, "alice") == [] and friends_of(rest, "carol") == ["alice"]
    call_fail(rest, S + "friend_delete", {"From_Account": "alice", "To_Account": ["x"] * 2}, PARAM)
    call_fail(rest, S + "friend_delete", {"From_Account": "alice",
                                          "To_Account": [f"u{i}" for i in range(1001)]}, PARAM)
    call_fail(rest, S + "friend_delete", {"From_Account": "alice", "To_Account": ["bob"],
                                          "DeleteType": "Delete_Type_All"}, PARAM)


def test_friend_check_relations(rest):
    add_rest(rest, "alice", "bob", ForceAddFlags=1)
    add_rest(rest, "alice", "carol", ForceAddFlags=1, AddType="Add_Type_Single")
    add_rest(rest, "dave", "alice", ForceAddFlags=1, AddType="Add_Type_Single")
    both = call_ok(rest, S + "friend_check", {"From_Account": "alice", "CheckType":
                                              "CheckResult_Type_Both",
                                              "To_Account": ["bob", "carol", "dave", "ghost"]})
    assert {i["To_Account"]: i["Relation"] for i in both["InfoItem"]} == {
        "bob": "CheckResult_Type_BothWay", "carol": "CheckResult_Type_AWithB",
        "dave": "CheckResult_Type_BWithA", "ghost": "CheckResult_Type_NoRelation"}
    assert both["Fail_Account"] == ["ghost"]
    single = call_ok(rest, S + "friend_check", {"From_Account": "alice", "CheckType":
                                                "CheckResult_Type_Single", "To_Account": ["dave"]})
    assert single["InfoItem"][0]["Relation"] == "CheckResult_Type_NoRelation"
    call_fail(rest, S + "friend_check", {"From_Account": "alice", "To_Account": ["bob"]}, PARAM)


def test_friend_get_pages_of_100(rest, pg):
    users = [f"f{i:03d}" for i in range(150)]
    import_users(rest, *users)
    call_ok(rest, S + "friend_import", {"From_Account": "alice", "AddFriendItem": [
        {"To_Account": u, "AddSource": "AddSource_Type_Bulk"} for u in users]})
    first = call_ok(rest, S + "friend_get", {"From_Account": "alice", "StartIndex": 0})
    assert len(first["UserDataItem"]) == 100 and first["FriendNum"] == 150
    assert first["CompleteFlag"] == 0 and first["NextStartIndex"] == 100
    second = call_ok(rest, S + "friend_get", {"From_Account": "alice", "StartIndex": 100})
    assert len(second["UserDataItem"]) == 50 and second["CompleteFlag"] == 1
    got = [i["To_Account"] for i in first["UserDataItem"] + second["UserDataItem"]]
    assert got == users
    assert first["StandardSequence"] == second["StandardSequence"] > 0
    call_fail(rest, S + "friend_get", {"From_Account": "alice"}, PARAM)
    call_fail(rest, S + "friend_get", {"From_Account": "alice", "StartIndex": -1}, PARAM)


# ---- the blocklist ----------------------------------------------------------------------------

def test_blocklist_rest(rest, pg):
    add_rest(rest, "alice", "bob", ForceAddFlags=1)
    answer = call_ok(rest, S + "black_list_add", {"From_Account": "alice",
                                                  "To_Account": ["bob", "carol", "alice", "ghost"]})
    assert codes(answer) == {"bob": 0, "carol": 0, "alice": PARAM, "ghost": NO_USER}
    assert friends_of(rest, "alice") == [] and friends_of(rest, "bob") == []
    again = call_ok(rest, S + "black_list_add", {"From_Account": "alice", "To_Account": ["bob"]})
    assert codes(again) == {"bob": PARAM}
    check = call_ok(rest, S + "black_list_check", {
        "From_Account": "bob", "CheckType": "BlackCheckResult_Type_Both",
        "To_Account": ["alice", "carol"]})
    assert {i["To_Account"]: i["Relation"] for i in check["BlackListCheckItem"]} == {
        "alice": "BlackCheckResult_Type_BWithA", "carol": "BlackCheckResult_Type_NO"}
    page = call_ok(rest, S + "black_list_get", {"From_Account": "alice", "StartIndex": 0,
                                                "MaxLimited": 1})
    assert [i["To_Account"] for i in page["BlackListItem"]] == ["bob"] and page["StartIndex"] == 1
    page = call_ok(rest, S + "black_list_get", {"From_Account": "alice", "StartIndex": 1,
                                                "MaxLimited": 1})
    assert [i["To_Account"] for i in page["BlackListItem"]] == ["carol"] and page["StartIndex"] == 0
    removed = call_ok(rest, S + "black_list_delete", {"From_Account": "alice",
                                                      "To_Account": ["bob", "dave"]})
    assert codes(removed) == {"bob": 0, "dave": PARAM}
    call_fail(rest, S + "black_list_get", {"From_Account": "alice", "StartIndex": 0}, PARAM)
    call_fail(rest, S + "black_list_check", {"From_Account": "alice", "To_Account": ["bob"],
                                             "CheckType": "CheckResult_Type_Both"}, PARAM)
    call_fail(rest, S + "black_list_add", {"From_Account": "alice", "To_Account": []}, PARAM)


def test_blocklist_sdk_events(rest, login):
    alice, tablet = login("alice"), login("alice", "iPad")
    assert alice.call("addToBlackList", {"userIDList": ["bob"]})[0]["resultCode"] == 0
    (info,) = tablet.wait_event("onBlackListAdded")["infoList"]
    assert info["userID"] == "bob" and info["userProfile"]["userID"] == "bob"
    alice.call("deleteFromBlackList", {"userIDList": ["bob"]})
    assert tablet.wait_event("onBlackListDeleted") == {"userIDList": ["bob"]}
    assert alice.call("getBlackList") == []
    alice.fail("addToBlackList", {"userIDList": "bob"}, WS_BAD)


# ---- friend lists -----------------------------------------------------------------------------

def test_friend_lists_rest(rest):
    add_rest(rest, "alice", "bob", "carol", ForceAddFlags=1)
    answer = call_ok(rest, S + "group_add", {"From_Account": "alice", "GroupName": ["A", "B"],
                                             "To_Account": ["bob", "dave"]})
    assert codes(answer) == {"bob": 0, "dave": NOT_FRIEND} and answer["CurrentSequence"] > 0
    got = call_ok(rest, S + "group_get", {"From_Account": "alice", "NeedFriend":
                                          "Need_Friend_Type_Yes"})
    assert got["ResultItem"] == [
        {"GroupName": "A", "FriendNumber": 1, "To_Account": ["bob"]},
        {"GroupName": "B", "FriendNumber": 1, "To_Account": ["bob"]}]
    plain = call_ok(rest, S + "group_get", {"From_Account": "alice", "GroupName": ["B"]})
    assert plain["ResultItem"] == [{"GroupName": "B", "FriendNumber": 1}]
    call_fail(rest, S + "group_add", {"From_Account": "alice", "GroupName": ["A"]}, PARAM)
    call_fail(rest, S + "group_delete", {"From_Account": "alice", "GroupName": ["A", "Z"]}, PARAM)
    call_ok(rest, S + "group_delete", {"From_Account": "alice", "GroupName": ["A"]})
    left = call_ok(rest, S + "group_get", {"From_Account": "alice"})
    assert [g["GroupName"] for g in left["ResultItem"]] == ["B"]
    call_fail(rest, S + "group_add", {"From_Account": "alice",
                                      "GroupName": [f"g{i}" for i in range(32)]}, 30011)
    call_fail(rest, S + "group_add", {"From_Account": "alice", "GroupName": ["x" * 31]}, PARAM)
    call_fail(rest, S + "group_add", {"From_Account": "alice", "GroupName": ["C", "C"]}, PARAM)
    call_fail(rest, S + "group_get", {"From_Account": "alice", "NeedFriend": "yes"}, PARAM)


def test_friend_lists_sdk_and_events(rest, login):
    add_rest(rest, "alice", "bob", "carol", ForceAddFlags=1)
    alice, other = login("alice"), login("alice", "Android")
    created = alice.call("createFriendGroup", {"groupName": "Team", "userIDList": ["bob"]})
    assert created == [{"userID": "bob", "resultCode": 0, "resultInfo": ""}]
    event = other.wait_event("onFriendGroupCreated")
    assert event["groupName"] == "Team" and [f["userID"] for f in event["friendInfoList"]] == ["bob"]
    alice.fail("createFriendGroup", {"groupName": "Team"}, PARAM)
    alice.call("addFriendsToFriendGroup", {"groupName": "Team", "userIDList": ["carol"]})
    assert [f["userID"] for f in other.wait_event("onFriendsAddedToGroup")["friendInfoList"]] \
        == ["carol"]
    alice.call("deleteFriendsFromFriendGroup", {"groupName": "Team", "userIDList": ["bob"]})
    assert other.wait_event("onFriendsDeletedFromGroup") == {"groupName": "Team",
                                                             "friendIDList": ["bob"]}
    alice.call("renameFriendGroup", {"oldName": "Team", "newName": "Crew"})
    assert other.wait_event("onFriendGroupNameChanged") == {"oldGroupName": "Team",
                                                            "newGroupName": "Crew"}
    assert alice.call("getFriendGroups") == [{"name": "Crew", "friendCount": 1,
                                              "friendIDList": ["carol"]}]
    infos = alice.call("getFriendsInfo", {"userIDList": ["carol"]})
    assert infos[0]["friendInfo"]["friendGroups"] == ["Crew"]
    alice.fail("renameFriendGroup", {"oldName": "Nope", "newName": "X"}, PARAM)
    alice.fail("addFriendsToFriendGroup", {"groupName": "Nope", "userIDList": ["bob"]}, PARAM)
    alice.call("deleteFriendGroup", {"groupNameList": ["Crew"]})
    assert other.wait_event("onFriendGroupDeleted") == {"groupNameList": ["Crew"]}
    assert alice.call("getFriendGroups") == []
    assert alice.call("getFriendsInfo", {"userIDList": ["carol"]})[0]["friendInfo"][
        "friendGroups"] == []
    alice.fail("createFriendGroup", {"groupName": ""}, WS_BAD)


# ---- sending only between friends -------------------------------------------------------------

def test_check_friends_on_send(chatd_of, pg):
    instance = chatd_of(c2c_check_friends="on")
    rest = instance.rest()
    import_users(rest, "alice", "bob", "carol")
    alice = WsClient.login_as(instance.url, "alice")
    try:
        assert send(alice, "bob", "x")["code"] == 20009
        add_rest(rest, "alice", "bob", ForceAddFlags=1, AddType="Add_Type_Single")
        assert send(alice, "bob", "x")["code"] == 20010
        add_rest(rest, "carol", "alice", ForceAddFlags=1, AddType="Add_Type_Single")
        assert send(alice, "carol", "x")["code"] == 20011
        online = alice.request("sendMessage", {"receiver": "carol", "msgBody": text_body("o"),
                                               "random": 9, "onlineUserOnly": True})
        assert online["code"] == 20011
        assert pg.sql("SELECT count(*) FROM messages") == [(0,)]
        add_rest(rest, "bob", "alice", ForceAddFlags=1, AddType="Add_Type_Single")
        assert send(alice, "bob", "friends now")["code"] == 0
    finally:
        alice.close()


def test_deleting_an_account_removes_its_relations(rest, pg):
    add_rest(rest, "alice", "bob", "carol", ForceAddFlags=1)
    call_ok(rest, S + "black_list_add", {"From_Account": "dave", "To_Account": ["alice"]})
    call_ok(rest, "im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]})
    assert rows(pg, "friends") == [] and rows(pg, "blocklist") == []
