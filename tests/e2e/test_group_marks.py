"""AVChatRoom member marks (docs/protocol.md "Group commands", docs/rest-api.md
modify_user_info): the owner (or an app admin over REST) sets and removes marks >= 1000;
members hear onMemberMarkChanged; getGroupMemberList filters by a mark; the limits (10 marks
per group, 1,000 members per mark) and every bad input are refused and change nothing."""

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, import_users

pytestmark = pytest.mark.shared_chatd
PARAM = 10004
PERMISSION = 10007
NOT_FOUND = 10010
TOO_MANY = 10005


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol", "dave")
    return rest


@pytest.fixture
def room(chatd, rest):
    """alice owns AVChatRoom "live"; bob and carol joined. Their sessions: (alice, bob, carol)."""
    alice = WsClient.login_as(chatd.url, "alice")
    alice.call("createGroup", {"groupType": "AVChatRoom", "groupName": "live", "groupID": "live"})
    bob = WsClient.login_as(chatd.url, "bob")
    carol = WsClient.login_as(chatd.url, "carol")
    for c in (bob, carol):
        c.call("joinGroup", {"groupID": "live"})
    return alice, bob, carol


def marked(client, mark):
    got = client.call("getGroupMemberList", {"groupID": "live", "filter": mark})
    return sorted(m["userID"] for m in got["memberInfoList"])


def mark(client, users, mark_type, enable=True):
    return client.call("markGroupMemberList", {"groupID": "live", "memberIDList": users,
                                               "markType": mark_type, "enableMark": enable})


def test_owner_marks_and_members_hear(room, pg):
    alice, bob, carol = room
    assert mark(alice, ["bob", "carol"], 1000) == {}
    event = carol.wait_event("onMemberMarkChanged")
    assert event == {"groupID": "live", "memberIDList": ["bob", "carol"], "markType": 1000,
                     "enableMark": True}
    assert marked(bob, 1000) == ["bob", "carol"]
    assert marked(bob, 1001) == []
    mark(alice, ["carol"], 1000, enable=False)
    assert bob.wait_event("onMemberMarkChanged", where=lambda b: not b["enableMark"])[
        "memberIDList"] == ["carol"]
    assert marked(alice, 1000) == ["bob"]
    # Leaving ends the marks.
    bob.call("quitGroup", {"groupID": "live"})
    assert marked(alice, 1000) == []
    assert pg.sql("SELECT count(*) FROM group_member_marks")[0][0] == 0


def test_non_members_are_skipped(room):
    alice, _, _ = room
    mark(alice, ["bob", "dave"], 1000)
    assert marked(alice, 1000) == ["bob"]


def test_rest_modify_user_info(room, rest):
    alice, bob, _ = room
    got = call_ok(rest, "group_open_avchatroom_http_svc/modify_user_info", {
        "GroupId": "live", "CommandType": 1, "MemberList": [
            {"Member_Account": "bob", "Marks": [1000, 1001]},
            {"Member_Account": "carol", "Marks": [1001]},
            {"Member_Account": "dave", "Marks": [1000]}]})
    assert got["CommandType"] == 1
    assert got["MemberList"] == [{"Member_Account": "bob", "Marks": [1000, 1001]},
                                 {"Member_Account": "carol", "Marks": [1001]}]
    assert marked(alice, 1000) == ["bob"] and marked(alice, 1001) == ["bob", "carol"]
    events = [bob.wait_event("onMemberMarkChanged", where=lambda b, m=m: b["markType"] == m)
              for m in (1000, 1001)]
    assert [e["memberIDList"] for e in events] == [["bob"], ["bob", "carol"]]
    call_ok(rest, "group_open_avchatroom_http_svc/modify_user_info", {
        "GroupId": "live", "CommandType": 2,
        "MemberList": [{"Member_Account": "bob", "Marks": [1001]}]})
    assert marked(alice, 1001) == ["carol"] and marked(alice, 1000) == ["bob"]


def test_only_the_owner(room, chatd, rest):
    alice, bob, _ = room
    bob.fail("markGroupMemberList", {"groupID": "live", "memberIDList": ["carol"],
                                     "markType": 1000, "enableMark": True}, PERMISSION)
    assert marked(alice, 1000) == []


def test_avchatroom_only(chatd, rest):
    alice = WsClient.login_as(chatd.url, "alice")
    alice.call("createGroup", {"groupType": "Public", "groupName": "p", "groupID": "pub",
                               "memberList": [{"userID": "bob"}]})
    alice.fail("markGroupMemberList", {"groupID": "pub", "memberIDList": ["bob"],
                                       "markType": 1000, "enableMark": True}, PERMISSION)
    alice.fail("markGroupMemberList", {"groupID": "nope", "memberIDList": ["bob"],
                                       "markType": 1000, "enableMark": True}, NOT_FOUND)


def test_limits(room, rest, pg):
    """Ten different marks fit; an eleventh is refused and changes nothing."""
    alice, _, _ = room
    for m in range(1000, 1010):
        mark(alice, ["bob"], m)
    alice.fail("markGroupMemberList", {"groupID": "live", "memberIDList": ["bob", "carol"],
                                       "markType": 1010, "enableMark": True}, PARAM)
    assert pg.sql("SELECT count(*) FROM group_member_marks")[0][0] == 10
    # An existing mark may still grow.
    mark(alice, ["carol"], 1009)
    assert marked(alice, 1009) == ["bob", "carol"]


def test_members_per_mark_limit(chatd, rest, pg):
    """A mark is on at most 1,000 members."""
    ids = [f"m{i}" for i in range(1001)]
    import_users(rest, *ids)
    alice = WsClient.login_as(chatd.url, "alice")
    alice.call("createGroup", {"groupType": "AVChatRoom", "groupName": "big", "groupID": "live"})
    pg.sql("INSERT INTO group_members (group_id, user_id, join_time)"
           " SELECT 'live', unnest(%s::text[]), 0", (ids,))
    mark(alice, ids[:500], 1000)
    mark(alice, ids[500:1000], 1000)
    alice.fail("markGroupMemberList", {"groupID": "live", "memberIDList": [ids[1000]],
                                       "markType": 1000, "enableMark": True}, PARAM)
    assert pg.sql("SELECT count(*) FROM group_member_marks")[0][0] == 1000


@pytest.mark.parametrize("body", [
    {"markType": 999}, {"markType": "1000"}, {"enableMark": 1}, {"memberIDList": []},
    {"memberIDList": "bob"}, {"markType": None},
])
def test_sdk_bad_input(room, body):
    alice, _, _ = room
    request = {"groupID": "live", "memberIDList": ["bob"], "markType": 1000, "enableMark": True,
               **body}
    request = {k: v for k, v in request.items() if v is not None}
    alice.fail("markGroupMemberList", request, PARAM)
    assert marked(alice, 1000) == []


@pytest.mark.parametrize("body", [
    {"CommandType": 3}, {"CommandType": "1"}, {"MemberList": []},
    {"MemberList": [{"Member_Account": "bob"}]},
    {"MemberList": [{"Member_Account": "bob", "Marks": [999]}]},
    {"MemberList": [{"Member_Account": "bob", "Marks": []}]},
    {"MemberList": [{"Marks": [1000]}]},
])
def test_rest_bad_input(room, rest, body):
    alice, _, _ = room
    request = {"GroupId": "live", "CommandType": 1,
               "MemberList": [{"Member_Account": "bob", "Marks": [1000]}], **body}
    call_fail(rest, "group_open_avchatroom_http_svc/modify_user_info", request, PARAM)
    assert marked(alice, 1000) == []


def test_too_many_members(room, rest):
    """More than 500 members in one request: 10005, as every group list over its limit."""
    alice, _, _ = room
    alice.fail("markGroupMemberList", {"groupID": "live", "markType": 1000, "enableMark": True,
                                       "memberIDList": [f"u{i}" for i in range(501)]}, TOO_MANY)
    call_fail(rest, "group_open_avchatroom_http_svc/modify_user_info", {
        "GroupId": "live", "CommandType": 1,
        "MemberList": [{"Member_Account": "bob", "Marks": [1000]}] * 501}, TOO_MANY)
    assert marked(alice, 1000) == []


def test_rest_unknown_group(rest):
    call_fail(rest, "group_open_avchatroom_http_svc/modify_user_info", {
        "GroupId": "nope", "CommandType": 1,
        "MemberList": [{"Member_Account": "bob", "Marks": [1000]}]}, NOT_FOUND)
