"""AVChatRoom live rooms (docs/protocol.md "Live rooms", docs/rest-api.md "Live rooms"):
viewers hold no member row, only online presence; messages reach whoever watches and are not
stored; quitting or disconnecting leaves; bans put a viewer out and keep them out; broadcasts
reach every live room; online counts cross nodes; group counters change atomically."""

import threading

import pytest

from expect import call_fail, call_ok
from test_cluster import Redis, bus_state
from util import wait_until
from ws_client import WsClient, import_users, text_body

PARAM = 10004
TOO_MANY = 10005
PERMISSION = 10007
NOT_FOUND = 10010
COUNTER_KEYS = 10063
USERS = ("alice", "bob", "carol", "dave", "erin")
G = "group_open_http_svc/"
AV = "group_open_avchatroom_http_svc/"


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, *USERS)
    return rest


@pytest.fixture
def room(chatd, rest):
    """alice owns AVChatRoom "live" (created over WebSocket, so she watches it); bob and carol
    joined it. Their sessions: (alice, bob, carol)."""
    alice = WsClient.login_as(chatd.url, "alice")
    alice.call("createGroup", {"groupType": "AVChatRoom", "groupName": "live", "groupID": "live"})
    bob = WsClient.login_as(chatd.url, "bob")
    carol = WsClient.login_as(chatd.url, "carol")
    for c in (bob, carol):
        assert c.call("joinGroup", {"groupID": "live"}) == {"pending": False}
    return alice, bob, carol


def say(client, text, group="live"):
    return client.request("sendMessage", {"groupID": group, "msgBody": text_body(text)})


def heard(client, text):
    ev = client.wait_event("onRecvNewMessage",
                           where=lambda b: b["message"]["msgBody"][0]["MsgContent"].get("Text")
                           == text)
    return ev["message"]


def count(client, group="live"):
    return client.call("getGroupOnlineMemberCount", {"groupID": group})["count"]


def test_viewers_hold_no_rows_and_messages_are_not_stored(room, pg):
    """Joining writes no member row; a viewer's message reaches the others and is not stored."""
    alice, bob, carol = room
    assert pg.sql("SELECT user_id FROM group_members WHERE group_id = 'live'") == [("alice",)]
    assert say(bob, "hello room")["code"] == 0
    for c in (alice, carol):
        assert heard(c, "hello room")["sender"] == "bob"
    assert pg.sql("SELECT count(*) FROM messages WHERE conv_key = 'g:live'")[0][0] == 0
    assert count(alice) == 3


def test_outsiders_cannot_post_and_rest_posts_reach_viewers(room, rest, chatd):
    """Someone who did not join gets 10007; an app admin's send_group_msg reaches viewers."""
    alice, bob, _ = room
    dave = WsClient.login_as(chatd.url, "dave")
    assert say(dave, "let me")["code"] == PERMISSION
    call_ok(rest, G + "send_group_msg", {"GroupId": "live", "Random": 7,
                                         "MsgBody": text_body("from the backend")})
    heard(bob, "from the backend")


def test_quit_and_disconnect_leave(room, chatd):
    """quitGroup leaves at once; closing the last session leaves too."""
    alice, bob, carol = room
    bob.call("quitGroup", {"groupID": "live"})
    assert count(alice) == 2
    assert say(bob, "still here?")["code"] == PERMISSION
    carol.close()
    wait_until(lambda: count(alice) == 1, what="carol's disconnect to leave the room")
    # Joining again works, and a second join is no error.
    bob.call("joinGroup", {"groupID": "live"})
    bob.call("joinGroup", {"groupID": "live"})
    assert count(alice) == 2


def test_online_count_rules(room, rest, chatd):
    """Only members and viewers may ask over WebSocket; REST answers for any group; an unknown
    group is 10010."""
    alice, _, _ = room
    dave = WsClient.login_as(chatd.url, "dave")
    dave.fail("getGroupOnlineMemberCount", {"groupID": "live"}, PERMISSION)
    alice.fail("getGroupOnlineMemberCount", {"groupID": "nope"}, NOT_FOUND)
    assert call_ok(rest, G + "get_online_member_num", {"GroupId": "live"})[
        "OnlineMemberNum"] == 3
    call_fail(rest, G + "get_online_member_num", {"GroupId": "nope"}, NOT_FOUND)


def test_ban_puts_out_and_keeps_out(room, rest, pg):
    """A banned viewer hears onMemberKicked, cannot post (10007) nor rejoin within the ban;
    unbanning lets them back."""
    alice, bob, carol = room
    call_ok(rest, G + "ban_group_member", {"GroupId": "live", "Members_Account": ["bob"],
                                           "Duration": 600, "Description": "spam"})
    ev = bob.wait_event("onMemberKicked")
    assert ev["groupID"] == "live" and ev["memberList"] == [{"userID": "bob"}]
    assert say(bob, "spam again")["code"] == PERMISSION
    bob.fail("joinGroup", {"groupID": "live"}, PERMISSION)
    assert count(alice) == 2
    listed = call_ok(rest, G + "get_group_ban_member", {"GroupId": "live"})
    assert [b["Member_Account"] for b in listed["BannedAccountList"]] == ["bob"]
    assert listed["BannedAccountList"][0]["BannedUntil"] > 0 and listed["NextOffset"] == 0
    call_ok(rest, G + "unban_group_member", {"GroupId": "live", "Members_Account": ["bob"]})
    assert call_ok(rest, G + "get_group_ban_member", {"GroupId": "live"})[
        "BannedAccountList"] == []
    bob.call("joinGroup", {"groupID": "live"})
    assert say(bob, "sorry")["code"] == 0


def test_ban_list_pages(room, rest):
    """get_group_ban_member pages with Limit and NextOffset."""
    call_ok(rest, G + "ban_group_member", {"GroupId": "live", "Duration": 60,
                                           "Members_Account": ["dave", "erin", "carol"]})
    first = call_ok(rest, G + "get_group_ban_member", {"GroupId": "live", "Limit": 2})
    assert len(first["BannedAccountList"]) == 2 and first["NextOffset"] == 2
    rest_ = call_ok(rest, G + "get_group_ban_member", {"GroupId": "live", "Limit": 2,
                                                       "Offset": 2})
    assert len(rest_["BannedAccountList"]) == 1 and rest_["NextOffset"] == 0


@pytest.mark.parametrize("api,body,code", [
    ("ban_group_member", {"GroupId": "live", "Members_Account": ["bob"]}, PARAM),
    ("ban_group_member", {"GroupId": "live", "Members_Account": ["bob"], "Duration": 0}, PARAM),
    ("ban_group_member", {"GroupId": "live", "Members_Account": [], "Duration": 5}, PARAM),
    ("ban_group_member", {"GroupId": "live", "Duration": 5,
                          "Members_Account": [f"u{i}" for i in range(21)]}, TOO_MANY),
    ("ban_group_member", {"GroupId": "live", "Members_Account": ["bob"], "Duration": 5,
                          "Description": "x" * 1001}, PARAM),
    ("ban_group_member", {"GroupId": "nope", "Members_Account": ["bob"], "Duration": 5},
     NOT_FOUND),
    ("ban_group_member", {"GroupId": "pub", "Members_Account": ["bob"], "Duration": 5},
     PERMISSION),
    ("unban_group_member", {"GroupId": "live"}, PARAM),
    ("get_group_ban_member", {"GroupId": "live", "Limit": 101}, PARAM),
    ("get_group_ban_member", {}, PARAM),
])
def test_ban_bad_inputs_change_nothing(room, rest, pg, api, body, code):
    """Each bad ban request gets its code and stores nothing."""
    call_ok(rest, G + "create_group", {"Type": "Public", "Name": "p", "GroupId": "pub",
                                       "Owner_Account": "alice"})
    call_fail(rest, G + api, body, code)
    assert pg.sql("SELECT count(*) FROM group_bans")[0][0] == 0
    assert count(room[0]) == 3


def test_broadcast_reaches_every_room(room, rest, chatd, pg):
    """send_broadcast_msg goes to the viewers of every AVChatRoom, stored nowhere, and not to
    other groups."""
    alice, bob, carol = room
    dave = WsClient.login_as(chatd.url, "dave")
    dave.call("createGroup", {"groupType": "AVChatRoom", "groupName": "two", "groupID": "two"})
    dave.call("createGroup", {"groupType": "Public", "groupName": "pub", "groupID": "pub"})
    answer = call_ok(rest, G + "send_broadcast_msg", {
        "From_Account": "alice", "Random": 99, "MsgBody": text_body("to everyone")})
    assert answer["MsgSeq"] == 0
    assert heard(bob, "to everyone")["groupID"] == "live"
    assert heard(carol, "to everyone")["groupID"] == "live"
    assert heard(dave, "to everyone")["groupID"] == "two"
    dave.barrier()
    assert [e for e in dave.take_events("onRecvNewMessage")
            if e["message"].get("groupID") == "pub"] == []
    assert pg.sql("SELECT count(*) FROM messages WHERE conv_key LIKE 'g:%'")[0][0] <= 1
    call_fail(rest, G + "send_broadcast_msg", {"Random": 1, "MsgBody": text_body("x")}, PARAM)
    call_fail(rest, G + "send_broadcast_msg", {"From_Account": "alice", "Random": 1,
                                               "MsgBody": []}, PARAM)


def test_online_members_and_check(room, rest):
    """get_members lists this node's viewers, newest first, with their join times;
    check_members says who is present."""
    got = call_ok(rest, AV + "get_members", {"GroupId": "live", "Timestamp": 0})
    assert sorted(m["Member_Account"] for m in got["MemberList"]) == ["alice", "bob", "carol"]
    assert got["NextTimestamp"] == 0 and all(m["JoinTime"] > 0 for m in got["MemberList"])
    got = call_ok(rest, AV + "check_members", {"GroupId": "live",
                                               "Member_Account": ["bob", "dave"]})
    assert got["Member_Account"] == ["bob"]
    call_fail(rest, AV + "get_members", {"GroupId": "nope"}, NOT_FOUND)
    call_fail(rest, AV + "get_members", {"GroupId": "live", "Timestamp": -1}, PARAM)
    call_fail(rest, AV + "check_members", {"GroupId": "live", "Member_Account": []}, PARAM)


def test_big_room_join_events_stop(chatd, rest):
    """Enter events go out while a room is small; the count still follows every join."""
    alice = WsClient.login_as(chatd.url, "alice")
    alice.call("createGroup", {"groupType": "AVChatRoom", "groupName": "x", "groupID": "x"})
    bob = WsClient.login_as(chatd.url, "bob")
    bob.call("joinGroup", {"groupID": "x"})
    assert alice.wait_event("onMemberEnter")["memberList"] == [{"userID": "bob"}]
    assert count(alice, "x") == 2


def test_viewer_mute_applies(room, rest):
    """Muting a viewer gives them a row that holds the mute: their message gets 10017."""
    alice, bob, _ = room
    alice.call("muteGroupMember", {"groupID": "live", "userID": "bob", "seconds": 60})
    assert say(bob, "muted?")["code"] == 10017


# ---- group counters -------------------------------------------------------------------------

def test_counters_both_doors(room, rest, pg):
    """set, get, increase, decrease over WebSocket and REST; members hear onGroupCounterChanged;
    PostgreSQL holds the values."""
    alice, bob, _ = room
    assert bob.call("setGroupCounters", {"groupID": "live", "counters": {"likes": 5, "gifts": 1}})[
        "counters"] == {"likes": 5, "gifts": 1}
    ev = alice.wait_event("onGroupCounterChanged", where=lambda b: b["key"] == "likes")
    assert ev == {"groupID": "live", "key": "likes", "newValue": 5}
    assert bob.call("increaseGroupCounter", {"groupID": "live", "key": "likes", "value": 3})[
        "counters"] == {"likes": 8}
    assert bob.call("decreaseGroupCounter", {"groupID": "live", "key": "gifts", "value": 4})[
        "counters"] == {"gifts": -3}
    assert alice.call("getGroupCounters", {"groupID": "live", "keyList": ["likes"]})[
        "counters"] == {"likes": 8}
    got = call_ok(rest, G + "update_group_counter", {
        "GroupId": "live", "Mode": "Increase", "GroupCounter": [{"Key": "likes", "Value": 2}]})
    assert got["GroupCounter"] == [{"Key": "likes", "Value": 10}]
    got = call_ok(rest, G + "get_group_counter", {"GroupId": "live"})
    assert sorted((c["Key"], c["Value"]) for c in got["GroupCounter"]) == [
        ("gifts", -3), ("likes", 10)]
    call_ok(rest, G + "delete_group_counter", {"GroupId": "live", "GroupCounterKeys": ["gifts"]})
    assert pg.sql("SELECT key, value FROM group_counters") == [("likes", 10)]
    # Any group type has counters.
    call_ok(rest, G + "create_group", {"Type": "Public", "Name": "p", "GroupId": "pub",
                                       "Owner_Account": "alice"})
    call_ok(rest, G + "update_group_counter", {
        "GroupId": "pub", "GroupCounter": [{"Key": "k", "Value": 1}]})


def test_concurrent_increments_lose_nothing(room, chatd, pg):
    """Many increments at once from REST and WebSocket add up exactly."""
    alice, bob, carol = room
    n_rest, n_ws = 40, 30

    def by_rest():
        r = chatd.rest()
        for _ in range(n_rest):
            call_ok(r, G + "update_group_counter", {
                "GroupId": "live", "Mode": "Increase",
                "GroupCounter": [{"Key": "likes", "Value": 1}]})

    t = threading.Thread(target=by_rest)
    t.start()
    for c in (bob, carol):
        seqs = [c.send("increaseGroupCounter", {"groupID": "live", "key": "likes", "value": 1})
                for _ in range(n_ws)]
        for s in seqs:
            assert c.response(s)["code"] == 0
    t.join()
    assert pg.sql("SELECT value FROM group_counters WHERE key = 'likes'")[0][0] == \
        n_rest + 2 * n_ws


@pytest.mark.parametrize("cmd,body,code", [
    ("setGroupCounters", {"groupID": "live", "counters": {}}, PARAM),
    ("setGroupCounters", {"groupID": "live", "counters": {"a": "1"}}, PARAM),
    ("setGroupCounters", {"groupID": "live", "counters": {"": 1}}, PARAM),
    ("setGroupCounters", {"groupID": "live", "counters": {"k" * 129: 1}}, PARAM),
    ("setGroupCounters", {"groupID": "live", "counters": {f"k{i}": 1 for i in range(21)}},
     COUNTER_KEYS),
    ("setGroupCounters", {"groupID": "nope", "counters": {"a": 1}}, NOT_FOUND),
    ("getGroupCounters", {"groupID": "live", "keyList": "a"}, PARAM),
    ("increaseGroupCounter", {"groupID": "live", "key": "a", "value": -1}, PARAM),
    ("increaseGroupCounter", {"groupID": "live", "key": "a"}, PARAM),
    ("decreaseGroupCounter", {"groupID": "live", "value": 1}, PARAM),
    ("increaseGroupCounter", {"key": "a", "value": 1}, PARAM),
])
def test_counter_bad_inputs(room, pg, cmd, body, code):
    """Each bad counter request gets its code and stores nothing."""
    room[1].fail(cmd, body, code)
    assert pg.sql("SELECT count(*) FROM group_counters")[0][0] == 0


def test_counter_rules(room, rest, pg, chatd):
    """Outsiders may not touch counters (10007); a group holds at most 20 (10063); REST Mode
    must be known."""
    alice, _, _ = room
    dave = WsClient.login_as(chatd.url, "dave")
    dave.fail("setGroupCounters", {"groupID": "live", "counters": {"a": 1}}, PERMISSION)
    dave.fail("getGroupCounters", {"groupID": "live"}, PERMISSION)
    alice.call("setGroupCounters", {"groupID": "live", "counters": {f"k{i}": i for i in range(20)}})
    alice.fail("setGroupCounters", {"groupID": "live", "counters": {"one_more": 1}}, COUNTER_KEYS)
    assert pg.sql("SELECT count(*) FROM group_counters")[0][0] == 20
    call_fail(rest, G + "update_group_counter", {
        "GroupId": "live", "Mode": "Double", "GroupCounter": [{"Key": "a", "Value": 1}]}, PARAM)
    call_fail(rest, G + "update_group_counter", {"GroupId": "live"}, PARAM)
    call_fail(rest, G + "get_group_counter", {"GroupId": "nope"}, NOT_FOUND)


# ---- several nodes ----------------------------------------------------------------------------

@pytest.fixture
def two_nodes(tmp_path, chatd_factory):
    redis = Redis(tmp_path).start()
    nodes = [chatd_factory(bus_url=redis.url, node_id=f"node{i + 1}") for i in range(2)]
    for node in nodes:
        wait_until(lambda n=node: bus_state(n) == "up", what=f"{node.url} bus up")
    import_users(nodes[0].rest(), *USERS)
    yield nodes
    for node in nodes:
        node.stop()
    redis.stop()


def test_room_across_nodes(two_nodes):
    """Viewers on two nodes: a message reaches both, the count adds both nodes, a ban on one
    node puts the viewer out on the other."""
    n1, n2 = two_nodes
    alice = WsClient.login_as(n1.url, "alice")
    alice.call("createGroup", {"groupType": "AVChatRoom", "groupName": "x", "groupID": "x"})
    bob = WsClient.login_as(n2.url, "bob")
    carol = WsClient.login_as(n2.url, "carol")
    for c in (bob, carol):
        c.call("joinGroup", {"groupID": "x"})
    wait_until(lambda: count(alice, "x") == 3, what="the count to cover both nodes")
    assert say(alice, "over the bus", "x")["code"] == 0
    heard(bob, "over the bus")
    heard(carol, "over the bus")
    assert say(bob, "and back", "x")["code"] == 0
    heard(alice, "and back")
    call_ok(n1.rest(), G + "ban_group_member", {"GroupId": "x", "Members_Account": ["carol"],
                                                "Duration": 60})
    wait_until(lambda: count(alice, "x") == 2, what="the ban to reach node2")
    assert say(carol, "banned?", "x")["code"] == PERMISSION


@pytest.mark.chatd_config(avchatroom_store_messages="on")
def test_messages_stored_when_configured(room, rest, pg):
    """avchatroom_store_messages = on keeps the room's messages (sequence, REST history) while
    viewers still hold no member row; a muted viewer's message is still refused."""
    alice, bob, carol = room
    sent = say(bob, "kept")
    assert sent["code"] == 0 and sent["body"]["seq"] == 1
    heard(carol, "kept")
    got = call_ok(rest, G + "group_msg_get_simple", {"GroupId": "live", "ReqMsgNumber": 5})
    assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in got["RspMsgList"]] == ["kept"]
    assert pg.sql("SELECT user_id FROM group_members WHERE group_id = 'live'") == [("alice",)]
    alice.call("muteGroupMember", {"groupID": "live", "userID": "carol", "seconds": 60})
    assert say(carol, "muted")["code"] == 10017


def test_dismissal_reaches_viewers_and_ends_the_room(room, rest):
    """Dismissing a live room tells its viewers; a room made again with the same ID starts
    empty."""
    alice, bob, carol = room
    alice.call("muteGroupMember", {"groupID": "live", "userID": "bob", "seconds": 60})
    alice.call("dismissGroup", {"groupID": "live"})
    assert bob.wait_event("onGroupDismissed")["groupID"] == "live"
    carol.wait_event("onGroupDismissed")
    bob.barrier()
    assert bob.take_events("onGroupDismissed") == []  # bob (a row and a viewer) heard it once
    call_ok(rest, G + "create_group", {"Type": "AVChatRoom", "Name": "again", "GroupId": "live",
                                       "Owner_Account": "alice"})
    assert call_ok(rest, G + "get_online_member_num", {"GroupId": "live"})["OnlineMemberNum"] == 0


def test_room_admins(room, rest, pg):
    """modify_admin makes a viewer an admin (a row with role Admin) who may then mute; at most 5
    admins (10004, nothing changes); unsetting makes them plain members; get_admin_list lists
    them."""
    alice, bob, carol = room
    call_ok(rest, AV + "modify_admin", {"GroupId": "live", "CommandType": 1,
                                        "Admin_Account": ["bob"]})
    ev = carol.wait_event("onGrantAdministrator")
    assert ev["memberList"] == [{"userID": "bob"}]
    got = call_ok(rest, AV + "get_admin_list", {"GroupId": "live"})
    assert got["Admin_List"] == [{"Admin_Account": "bob", "Avatar": "", "NickName": ""}]
    bob.call("muteGroupMember", {"groupID": "live", "userID": "carol", "seconds": 60})
    assert say(carol, "muted by an admin")["code"] == 10017
    import_users(rest, "u1", "u2", "u3", "u4")
    call_fail(rest, AV + "modify_admin", {"GroupId": "live", "CommandType": 1,
                                          "Admin_Account": ["u1", "u2", "u3", "u4", "dave"]},
              PARAM)
    assert pg.sql("SELECT count(*) FROM group_members WHERE group_id = 'live'"
                  " AND role = 'Admin'")[0][0] == 1
    call_ok(rest, AV + "modify_admin", {"GroupId": "live", "CommandType": 2,
                                        "Admin_Account": ["bob"]})
    assert call_ok(rest, AV + "get_admin_list", {"GroupId": "live"})["Admin_List"] == []
    call_fail(rest, AV + "modify_admin", {"GroupId": "live", "CommandType": 3,
                                          "Admin_Account": ["bob"]}, PARAM)
    call_fail(rest, AV + "modify_admin", {"GroupId": "live", "CommandType": 1,
                                          "Admin_Account": [f"x{i}" for i in range(6)]},
              TOO_MANY)
    call_fail(rest, AV + "get_admin_list", {"GroupId": "nope"}, NOT_FOUND)
