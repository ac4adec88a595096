"""Signaling (docs/protocol.md "Signaling"): invitations owned by chatd — each invitee's state
goes from waiting to accepted, rejected, cancelled or timed out exactly once; chatd fires the
timeout itself (also across a restart); every step of an invitation that is not online-only is a
custom message in the conversation; bad requests change nothing."""

import json
import time

import pytest

from expect import call_ok
from util import wait_until
from ws_client import WsClient

USERS = ["alice", "bob", "carol", "dave"]


@pytest.fixture
def people(chatd, rest):
    call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    return {u: WsClient.login_as(chatd.url, u) for u in ["alice", "bob", "carol"]}


def invites(pg):
    return pg.sql("SELECT count(*) FROM signal_invites")[0][0]


def states(pg, invite_id):
    return dict(pg.sql("SELECT invitee, state FROM signal_invitees WHERE invite_id = %s",
                       (invite_id,)))


def actions(pg, n):
    """The actionTypes of the stored signaling messages once there are n (steps are stored
    after their pushes)."""
    return [m["actionType"] for m in wait_until(
        lambda: (lambda got: got if len(got) >= n else None)(signal_messages(pg)),
        what=f"{n} signaling messages")]


def signal_messages(pg):
    """The signaling JSON of every stored message, oldest first."""
    out = []
    for (body,) in pg.sql("SELECT body FROM messages ORDER BY seq, msg_id"):
        elems = body if isinstance(body, list) else json.loads(body)
        for e in elems:
            if e.get("MsgType") == "TIMCustomElem":
                out.append(json.loads(e["MsgContent"]["Data"]))
    return out


def test_invite_accept(people, pg):
    """bob hears the invitation and gets its message; getSignalingInfo reads it back; his
    accept reaches alice; a second accept is refused with 8010."""
    alice, bob = people["alice"], people["bob"]
    invite_id = alice.call("invite", {"invitee": "bob", "data": "video", "timeout": 30})[
        "inviteID"]
    assert len(invite_id) == 32
    got = bob.wait_event("onReceiveNewInvitation")
    assert got == {"inviteID": invite_id, "inviter": "alice", "groupID": None,
                   "inviteeList": ["bob"], "data": "video", "timeout": 30}
    message = bob.wait_event("onRecvNewMessage")["message"]
    info = bob.call("getSignalingInfo", {"message": message})["signalingInfo"]
    assert info == {"inviteID": invite_id, "inviter": "alice", "groupID": None,
                    "inviteeList": ["bob"], "data": "video", "actionType": 1, "timeout": 30}
    bob.call("accept", {"inviteID": invite_id, "data": "ok"})
    assert alice.wait_event("onInviteeAccepted") == {"inviteID": invite_id, "invitee": "bob",
                                                     "data": "ok"}
    bob.fail("accept", {"inviteID": invite_id}, 8010)
    bob.fail("reject", {"inviteID": invite_id}, 8010)
    alice.fail("cancel", {"inviteID": invite_id}, 8010)
    assert states(pg, invite_id) == {"bob": 1}
    assert actions(pg, 2) == [1, 3]
    assert bob.call("getSignalingInfo", {"message": {"msgBody": [
        {"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]}}) == {"signalingInfo": None}


def test_reject_and_cancel(people, pg):
    """A reject reaches the inviter; only the inviter may cancel (8011); a cancel reaches the
    invitees still waiting and ends the invitation for them."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    first = alice.call("invite", {"invitee": "bob", "timeout": 30})["inviteID"]
    bob.call("reject", {"inviteID": first, "data": "busy"})
    assert alice.wait_event("onInviteeRejected")["data"] == "busy"

    second = alice.call("invite", {"invitee": "bob", "timeout": 30})["inviteID"]
    bob.fail("cancel", {"inviteID": second}, 8011)
    carol.fail("accept", {"inviteID": second}, 8011)
    alice.call("cancel", {"inviteID": second, "data": "never mind"})
    assert bob.wait_event("onInvitationCancelled", where=lambda b: b["inviteID"] == second) == {
        "inviteID": second, "inviter": "alice", "data": "never mind"}
    bob.fail("accept", {"inviteID": second}, 8010)
    assert states(pg, first) == {"bob": 2} and states(pg, second) == {"bob": 3}
    assert actions(pg, 4) == [1, 4, 1, 2]


def test_timeout_fires_on_the_server(people, pg):
    """With nobody answering, both sides get onInvitationTimeout at the deadline; bob's later
    accept is refused; the missed call is in the history."""
    alice, bob = people["alice"], people["bob"]
    invite_id = alice.call("invite", {"invitee": "bob", "timeout": 1})["inviteID"]
    assert alice.wait_event("onInvitationTimeout", timeout=5) == {"inviteID": invite_id,
                                                                  "inviteeList": ["bob"]}
    assert bob.wait_event("onInvitationTimeout", timeout=5) == {"inviteID": invite_id,
                                                                "inviteeList": ["bob"]}
    bob.fail("accept", {"inviteID": invite_id}, 8010)
    assert states(pg, invite_id) == {"bob": 4}
    assert actions(pg, 2) == [1, 5]
    history = bob.call("getHistoryMessageList", {"conversationID": "c2c_alice"})
    assert len(history["messageList"]) == 2


def test_timeout_survives_a_restart(chatd_factory, pg):
    """An invitation's deadline passing while chatd is down fires after the next start."""
    chatd = chatd_factory()
    call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    alice = WsClient.login_as(chatd.url, "alice")
    invite_id = alice.call("invite", {"invitee": "bob", "timeout": 2})["inviteID"]
    alice.ws.close()
    assert chatd.stop() == 0
    time.sleep(2.5)
    chatd.start()
    alice = WsClient.login_as(chatd.url, "alice")
    assert alice.wait_event("onInvitationTimeout", timeout=5)["inviteID"] == invite_id
    assert states(pg, invite_id) == {"bob": 4}


def test_online_only_invitations_store_nothing(people, pg):
    alice, bob = people["alice"], people["bob"]
    invite_id = alice.call("invite", {"invitee": "bob", "onlineUserOnly": True})["inviteID"]
    assert bob.wait_event("onReceiveNewInvitation")["inviteID"] == invite_id
    bob.call("accept", {"inviteID": invite_id})
    alice.wait_event("onInviteeAccepted")
    assert signal_messages(pg) == []
    assert pg.sql("SELECT count(*) FROM messages")[0][0] == 0


def test_group_invitation(people, rest, pg):
    """inviteInGroup: invitees must be members (10007, nothing stored); an accept reaches the
    inviter and the other invitees; the steps are group messages."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    call_ok(rest, "group_open_http_svc/create_group", {
        "Owner_Account": "alice", "Type": "Public", "GroupId": "room", "Name": "room",
        "MemberList": [{"Member_Account": u} for u in ["bob", "carol"]]})
    alice.fail("inviteInGroup", {"groupID": "room", "inviteeList": ["bob", "dave"]}, 10007)
    people["bob"].fail("inviteInGroup", {"groupID": "nowhere", "inviteeList": ["carol"]},
                       10010)
    assert invites(pg) == 0
    invite_id = alice.call("inviteInGroup", {"groupID": "room", "inviteeList": ["bob", "carol",
                                                                               "bob"],
                                             "data": "meeting", "timeout": 30})["inviteID"]
    for who in (bob, carol):
        got = who.wait_event("onReceiveNewInvitation")
        assert got["groupID"] == "room" and got["inviteeList"] == ["bob", "carol"]
    carol.call("accept", {"inviteID": invite_id})
    assert alice.wait_event("onInviteeAccepted")["invitee"] == "carol"
    assert bob.wait_event("onInviteeAccepted")["invitee"] == "carol"
    alice.call("cancel", {"inviteID": invite_id})
    assert bob.wait_event("onInvitationCancelled")["inviteID"] == invite_id
    assert states(pg, invite_id) == {"bob": 3, "carol": 1}
    assert sorted(actions(pg, 3)) == [1, 2, 3]
    assert pg.sql("SELECT count(*) FROM messages WHERE conv_key LIKE 'g:%'")[0][0] == 3


def test_modify_invitation(people, pg):
    """modifyInvitation: the inviter's new data reaches the invitees still waiting
    (onInvitationModified), is what later reads of the invitation carry and is stored as a step
    (actionType 6); an invitee, a finished invitation and an online-only one are refused and
    nothing changes."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    invite_id = alice.call("invite", {"invitee": "bob", "data": "audio", "timeout": 30})[
        "inviteID"]
    bob.wait_event("onReceiveNewInvitation")
    alice.call("modifyInvitation", {"inviteID": invite_id, "data": "video"})
    assert bob.wait_event("onInvitationModified") == {
        "businessID": 1, "inviteID": invite_id, "inviter": "alice", "groupID": None,
        "inviteeList": ["bob"], "data": "video", "actionType": 6, "timeout": 30}
    info = bob.call("addInvitedSignaling", {"signalingInfo": {"inviteID": invite_id}})[
        "signalingInfo"]
    assert info["data"] == "video"
    bob.fail("modifyInvitation", {"inviteID": invite_id, "data": "mine"}, 8011)
    carol.fail("modifyInvitation", {"inviteID": invite_id, "data": "mine"}, 8011)
    alice.fail("modifyInvitation", {"inviteID": "f" * 32, "data": "x"}, 8010)
    alice.fail("modifyInvitation", {"inviteID": invite_id, "data": "x" * 8193}, 6017)
    assert actions(pg, 2) == [1, 6]
    bob.call("accept", {"inviteID": invite_id})
    alice.fail("modifyInvitation", {"inviteID": invite_id, "data": "late"}, 8010)

    online = alice.call("invite", {"invitee": "bob", "data": "o", "onlineUserOnly": True})[
        "inviteID"]
    alice.fail("modifyInvitation", {"inviteID": online, "data": "p"}, 6017)
    assert pg.sql("SELECT invite_id, data FROM signal_invites ORDER BY data") == [
        (online, "o"), (invite_id, "video")]
    assert actions(pg, 3) == [1, 6, 3]


def test_add_invited_signaling(people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    invite_id = alice.call("invite", {"invitee": "bob", "data": "d", "timeout": 30})["inviteID"]
    info = bob.call("addInvitedSignaling", {"signalingInfo": {"inviteID": invite_id}})[
        "signalingInfo"]
    assert info["inviter"] == "alice" and info["inviteeList"] == ["bob"]
    carol.fail("addInvitedSignaling", {"signalingInfo": {"inviteID": invite_id}}, 8011)
    bob.fail("addInvitedSignaling", {"signalingInfo": {"inviteID": "0" * 32}}, 8010)


@pytest.mark.parametrize("cmd, body, code", [
    ("invite", {}, 6017),
    ("invite", {"invitee": "alice"}, 6017),
    ("invite", {"invitee": "bob", "timeout": -1}, 6017),
    ("invite", {"invitee": "bob", "timeout": 86401}, 6017),
    ("invite", {"invitee": "bob", "timeout": "30"}, 6017),
    ("invite", {"invitee": "bob", "data": "x" * 8193}, 6017),
    ("invite", {"invitee": "bob", "data": 5}, 6017),
    ("invite", {"invitee": "bob", "onlineUserOnly": 1}, 6017),
    ("invite", {"invitee": "nobody"}, 20003),
    ("inviteInGroup", {"inviteeList": ["bob"]}, 6017),
    ("inviteInGroup", {"groupID": "g", "inviteeList": []}, 6017),
    ("inviteInGroup", {"groupID": "g", "inviteeList": ["alice"]}, 6017),
    ("inviteInGroup", {"groupID": "g", "inviteeList": ["u%d" % i for i in range(201)]}, 6017),
    ("accept", {}, 6017),
    ("accept", {"inviteID": ""}, 6017),
    ("accept", {"inviteID": "x" * 65}, 6017),
    ("accept", {"inviteID": "f" * 32}, 8010),
    ("reject", {"inviteID": "f" * 32}, 8010),
    ("cancel", {"inviteID": "f" * 32}, 8010),
    ("modifyInvitation", {"inviteID": "f" * 32, "data": "x"}, 8010),
    ("modifyInvitation", {"data": "x"}, 6017),
    ("getSignalingInfo", {}, 6017),
    ("addInvitedSignaling", {}, 6017),
])
def test_bad_requests_change_nothing(people, pg, cmd, body, code):
    people["alice"].fail(cmd, body, code)
    assert invites(pg) == 0
    assert pg.sql("SELECT count(*) FROM messages")[0][0] == 0


def test_timeout_racing_accepts(people, pg):
    """Accepts sent around the deadline: each invitation ends exactly one way, and what the
    caller was told matches what is stored and what was pushed."""
    alice, bob = people["alice"], people["bob"]
    outcomes = []
    for _ in range(3):
        invite_id = alice.call("invite", {"invitee": "bob", "timeout": 1,
                                          "onlineUserOnly": True})["inviteID"]
        bob.wait_event("onReceiveNewInvitation")
        deadline = time.monotonic() + 0.9
        while time.monotonic() < deadline:
            time.sleep(0.05)
        code = bob.request("accept", {"inviteID": invite_id})["code"]
        state = states(pg, invite_id)["bob"]
        if code == 0:
            assert state == 1
            assert alice.wait_event("onInviteeAccepted")["inviteID"] == invite_id
        else:
            assert code == 8010 and state == 4
            assert alice.wait_event("onInvitationTimeout")["inviteID"] == invite_id
        outcomes.append(code)
    time.sleep(1.5)  # no late timeout for an accepted invitation
    for p in alice.take_events("onInvitationTimeout"):
        assert states(pg, p["inviteID"])["bob"] == 4
