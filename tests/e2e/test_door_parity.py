"""One rule set, two doors: each rule that REST and WebSocket share gives the same answer through
both (docs/architecture.md, "a rule lives in ops.c"). Each test here drives the same operation
through the backend's REST API and the client's WebSocket command and compares the outcomes; the
rules' own edge cases are the area tests' subject.
"""

import itertools

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, fan_out, import_users, text_body

BAD_GROUP_PARAM = 10004
CONV_DATA_LIMIT = 51008
GROUP_SVC = "group_open_http_svc"
CONTACT_CREATE = "recentcontact/create_contact_group"
CONTACT_UPDATE = "recentcontact/update_contact_group"
CONTACT_DELETE = "recentcontact/del_contact_group"

_random = itertools.count(1)


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol")
    return rest


@pytest.fixture
def login(chatd, rest):
    return lambda user: WsClient.login_as(chatd.url, user)


# ---- conversations ------------------------------------------------------------------------------

def test_data_carrying_conversation_cap_holds_on_both_doors(rest, login):
    """1000 conversations carrying group data fill the cap whichever door put them there: the
    1001st is refused with 51008 by the SDK's addConversationsToGroup and by REST's
    update_contact_group, item by item, while a conversation already in a group can join
    another."""
    peers = [f"p{i:04}" for i in range(1002)]
    import_users(rest, *peers)
    fan_out(rest, "alice", peers)
    alice = login("alice")
    alice.call("createConversationGroup", {"groupName": "all"})
    for i in range(0, 1000, 100):
        alice.call("addConversationsToGroup", {"groupName": "all", "conversationIDList": [
            f"c2c_{p}" for p in peers[i:i + 100]]})
    alice.call("createConversationGroup", {"groupName": "more"})
    answer = alice.call("addConversationsToGroup", {"groupName": "more", "conversationIDList": [
        "c2c_p1000", "c2c_p0003"]})
    assert [r["resultCode"] for r in answer["resultList"]] == [CONV_DATA_LIMIT, 0]
    answer = call_ok(rest, CONTACT_UPDATE, {
        "From_Account": "alice", "UpdateType": 1, "UpdateGroup": {
            "UpdateGroupType": 2, "OldGroupName": "more", "ContactUpdateItem": [
                {"ContactOptType": 1, "ContactItem": {"Type": 1, "To_Account": "p1001"}},
                {"ContactOptType": 1, "ContactItem": {"Type": 1, "To_Account": "p0007"}}]}})
    codes = [r["ResultCode"] for r in answer["UpdateGroupResult"]["ContactResultItem"]]
    assert codes == [CONV_DATA_LIMIT, 0]
    conv = alice.call("getConversation", {"conversationID": "c2c_p0007"})["conversation"]
    assert conv["conversationGroupList"] == ["all", "more"]


def test_rest_conversation_group_changes_reach_the_users_sessions(rest, login):
    """A backend's create_contact_group, rename, member update and del_contact_group push the
    same conversation-group events to the user's sessions as the SDK's own commands do."""
    fan_out(rest, "alice", ["bob", "carol"])
    alice = login("alice")
    call_ok(rest, CONTACT_CREATE, {"From_Account": "alice", "GroupContactItem": [
        {"GroupName": "work", "ContactItem": [{"Type": 1, "To_Account": "bob"}]}]})
    ev = alice.wait_event("onConversationGroupCreated")
    assert ev == {"groupName": "work", "conversationIDList": ["c2c_bob"]}
    call_ok(rest, CONTACT_UPDATE, {"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {
        "UpdateGroupType": 1, "OldGroupName": "work", "NewGroupName": "office"}})
    ev = alice.wait_event("onConversationGroupNameChanged")
    assert ev == {"oldName": "work", "newName": "office"}
    call_ok(rest, CONTACT_UPDATE, {"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {
        "UpdateGroupType": 2, "OldGroupName": "office", "ContactUpdateItem": [
            {"ContactOptType": 1, "ContactItem": {"Type": 1, "To_Account": "carol"}},
            {"ContactOptType": 2, "ContactItem": {"Type": 1, "To_Account": "bob"}}]}})
    ev = alice.wait_event("onConversationsAddedToGroup")
    assert ev == {"groupName": "office", "conversationIDList": ["c2c_carol"]}
    ev = alice.wait_event("onConversationsDeletedFromGroup")
    assert ev["groupName"] == "office" and ev["conversationIDList"] == ["c2c_bob"]
    call_ok(rest, CONTACT_DELETE, {"From_Account": "alice", "GroupName": ["office"]})
    assert alice.wait_event("onConversationGroupDeleted") == {"groupName": "office"}


# ---- groups -------------------------------------------------------------------------------------

def test_kick_reason_over_100_bytes_is_refused_on_both_doors(rest, login):
    """A kick's reason is at most 100 bytes through either door: 10004, and the member stays."""
    alice = login("alice")
    gid = alice.call("createGroup", {"groupType": "Public", "groupName": "g", "memberList": [
        {"userID": "bob"}, {"userID": "carol"}]})["groupID"]
    alice.fail("kickGroupMember", {"groupID": gid, "memberList": ["bob"], "reason": "x" * 101},
               BAD_GROUP_PARAM)
    call_fail(rest, f"{GROUP_SVC}/delete_group_member", {
        "GroupId": gid, "MemberToDel_Account": ["carol"], "Reason": "x" * 101}, BAD_GROUP_PARAM)
    answer = call_ok(rest, f"{GROUP_SVC}/get_group_member_info", {"GroupId": gid})
    assert sorted(m["Member_Account"] for m in answer["MemberList"]) == ["alice", "bob", "carol"]
    alice.call("kickGroupMember", {"groupID": gid, "memberList": ["bob"], "reason": "x" * 100})


@pytest.mark.parametrize("count", [0, -1, 6001, "10"])
def test_max_member_count_has_one_rule_on_both_doors(rest, login, count):
    """A group's maximum member count is a positive integer within its type's limit, whether the
    SDK's memberMaxCount or REST's MaxMemberCount carries it: 10004 and no group otherwise."""
    alice = login("alice")
    alice.fail("createGroup", {"groupType": "Public", "groupName": "g", "memberMaxCount": count},
               BAD_GROUP_PARAM)
    call_fail(rest, f"{GROUP_SVC}/create_group", {
        "Type": "Public", "Name": "g", "Owner_Account": "alice", "MaxMemberCount": count},
        BAD_GROUP_PARAM)
    answer = call_ok(rest, f"{GROUP_SVC}/get_joined_group_list", {
        "Member_Account": "alice", "WithHugeGroups": 1, "WithNoActiveGroups": 1})
    assert answer["TotalCount"] == 0


def test_joined_group_list_is_the_same_through_both_doors(rest, login):
    """The SDK's getJoinedGroupList and REST's get_joined_group_list (without its optional
    switches) list the same groups: no AVChatRoom, no Work group before its first message."""
    alice, bob = login("alice"), login("bob")
    pub = alice.call("createGroup", {"groupType": "Public", "groupName": "p",
                                     "memberList": [{"userID": "bob"}]})["groupID"]
    work = alice.call("createGroup", {"groupType": "Work", "groupName": "w",
                                      "memberList": [{"userID": "bob"}]})["groupID"]
    av = alice.call("createGroup", {"groupType": "AVChatRoom", "groupName": "a"})["groupID"]
    bob.call("joinGroup", {"groupID": av})

    def both():
        sdk = sorted(g["groupID"] for g in bob.call("getJoinedGroupList")["groupList"])
        answer = call_ok(rest, f"{GROUP_SVC}/get_joined_group_list", {"Member_Account": "bob"})
        return sdk, sorted(g["GroupId"] for g in answer["GroupIdList"])

    assert both() == ([pub], [pub])
    alice.call("sendMessage", {"groupID": work, "msgBody": text_body("first"),
                               "random": next(_random)})
    assert both() == (sorted([pub, work]), sorted([pub, work]))


def test_initial_member_cap_is_the_same_on_both_doors(rest, login):
    """A new group takes at most 100 members besides its owner through either door: 101 is
    10005 and no group is made."""
    names = [f"m{i:03}" for i in range(101)]
    import_users(rest, *names)
    alice = login("alice")
    alice.fail("createGroup", {"groupType": "Public", "groupName": "g", "memberList": [
        {"userID": n} for n in names]}, 10005)
    call_fail(rest, f"{GROUP_SVC}/create_group", {
        "Type": "Public", "Name": "g", "Owner_Account": "alice",
        "MemberList": [{"Member_Account": n} for n in names]}, 10005)
    answer = call_ok(rest, f"{GROUP_SVC}/get_joined_group_list", {
        "Member_Account": "alice", "WithHugeGroups": 1, "WithNoActiveGroups": 1})
    assert answer["TotalCount"] == 0


@pytest.mark.parametrize("field, sdk, rest_name, limit", [
    ("name", "groupName", "Name", 30),
    ("introduction", "introduction", "Introduction", 240),
    ("notification", "notification", "Notification", 300),
    ("face", "faceUrl", "FaceUrl", 100),
])
def test_group_profile_limits_are_one_table_on_both_doors(rest, login, field, sdk, rest_name,
                                                          limit):
    """A group profile text has one byte limit whether createGroup's lowerCamel field or
    create_group's PascalCase field carries it: one byte over is 10004 with no group made,
    the limit itself creates the group (the table in group/fields.c serves both doors)."""
    alice = login("alice")
    base_sdk = {"groupType": "Public", "groupName": "g"}
    base_rest = {"Type": "Public", "Name": "g", "Owner_Account": "alice"}
    alice.fail("createGroup", {**base_sdk, sdk: "x" * (limit + 1)}, BAD_GROUP_PARAM)
    call_fail(rest, f"{GROUP_SVC}/create_group", {**base_rest, rest_name: "x" * (limit + 1)},
              BAD_GROUP_PARAM)
    joined = {"Member_Account": "alice", "WithHugeGroups": 1, "WithNoActiveGroups": 1}
    assert call_ok(rest, f"{GROUP_SVC}/get_joined_group_list", joined)["TotalCount"] == 0
    alice.call("createGroup", {**base_sdk, sdk: "x" * limit})
    call_ok(rest, f"{GROUP_SVC}/create_group", {**base_rest, rest_name: "x" * limit})
    assert call_ok(rest, f"{GROUP_SVC}/get_joined_group_list", joined)["TotalCount"] == 2


@pytest.mark.parametrize("body, code", [
    ([], 90002),
    ([{"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}], 90002),
    ([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 12300}}], 80002),
])
def test_message_body_rules_are_one_table_on_both_doors(rest, login, body, code):
    """sendMessage's msgBody and sendmsg's MsgBody are judged by the same table row and check:
    the same code on both doors, and nothing is stored."""
    alice = login("alice")
    alice.fail("sendMessage", {"receiver": "bob", "msgBody": body, "random": next(_random)},
               code)
    call_fail(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                       "MsgRandom": next(_random), "MsgBody": body}, code)
    answer = call_ok(rest, "openim/admin_getroammsg", {
        "Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 10, "MinTime": 0,
        "MaxTime": 4294967295})
    assert answer["MsgList"] == []
