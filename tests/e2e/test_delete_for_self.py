"""Deleting messages for oneself (docs/protocol.md "Deleting for oneself", docs/rest-api.md
"openim/delete_c2c_msg_ramble"): deleteMessages over WebSocket and delete_c2c_msg_ramble over
REST hide messages from one user's history, sync, findMessages, roaming, unread and last
message on every device, leave the peer untouched, tell the user's other sessions, and let the
purge task remove what neither side can see; every bad input with its code.
"""

import itertools

import pytest

from expect import call_fail, call_ok, roam_texts as roam
from util import wait_until
from ws_client import WsClient, history_texts as history, import_users, text_body, texts
from ws_client import synced_texts as synced

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

RAMBLE = "openim/delete_c2c_msg_ramble"
NOT_YOURS = 20022
BAD = 70402
REST_BAD = 90010

_random = itertools.count(1)


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol")
    return rest


@pytest.fixture
def login(chatd, rest):
    """login(user, platform="Web") -> a logged-in WsClient on the module's chatd."""
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def send(client, to, text):
    return client.call("sendMessage", {"receiver": to, "msgBody": text_body(text),
                                       "random": next(_random)})


def conversation(client, conv):
    return client.call("getConversation", {"conversationID": conv})["conversation"]


@pytest.fixture
def chat(login):
    """alice wrote bob four messages; bob has a phone and a laptop session. Returns alice,
    phone, laptop and the four send answers."""
    alice, phone, laptop = login("alice"), login("bob", "iPhone"), login("bob", "Mac")
    sent = [send(alice, "bob", t) for t in ("m1", "m2", "m3", "m4")]
    return alice, phone, laptop, sent


def test_deleted_messages_vanish_on_every_device_of_the_user_only(chat, rest):
    """bob deletes two of alice's messages on his phone: on his laptop they are gone from the
    history, sync, findMessages and roaming, and the laptop hears onMessagesDeleted; alice
    still has all four."""
    alice, phone, laptop, sent = chat
    gone = [sent[1]["msgID"], sent[2]["msgID"]]
    phone.call("deleteMessages", {"msgIDList": gone})
    event = laptop.wait_event("onMessagesDeleted")
    assert event == {"conversationID": "c2c_alice", "msgIDList": gone}
    assert history(laptop, "c2c_alice") == ["m4", "m1"]
    assert synced(laptop) == ["m1", "m4"]
    assert laptop.call("findMessages", {"msgIDs": gone})["messageList"] == []
    assert roam(rest, "bob", "alice") == ["m1", "m4"]
    assert history(alice, "c2c_bob") == ["m4", "m3", "m2", "m1"]
    assert roam(rest, "alice", "bob") == ["m1", "m2", "m3", "m4"]


def test_deleting_the_session_that_asked_gets_no_event(chat):
    """The deleting session gets its answer, not onMessagesDeleted."""
    _, phone, laptop, sent = chat
    phone.call("deleteMessages", {"msgIDList": [sent[0]["msgID"]]})
    laptop.wait_event("onMessagesDeleted")
    phone.barrier()
    assert phone.take_events("onMessagesDeleted") == []


def test_deleted_unread_messages_leave_the_unread_count(chat):
    """Unread counts skip what the user deleted: 4 unread, two deleted, 2 left; the total
    follows."""
    _, phone, _, sent = chat
    assert conversation(phone, "c2c_alice")["unreadCount"] == 4
    phone.call("deleteMessages", {"msgIDList": [sent[0]["msgID"], sent[3]["msgID"]]})
    assert conversation(phone, "c2c_alice")["unreadCount"] == 2
    assert phone.call("getTotalUnreadMessageCount", {})["totalUnreadCount"] == 2


def test_last_message_becomes_the_newest_visible_one(chat):
    """Deleting the newest message makes the one before it the conversation's last message,
    for the deleter only."""
    alice, phone, laptop, sent = chat
    phone.call("deleteMessages", {"msgIDList": [sent[3]["msgID"]]})
    changed = laptop.wait_event("onConversationChanged", where=lambda b: any(
        texts([c["lastMessage"]]) == ["m3"] for c in b["conversationList"]
        if c.get("lastMessage")))
    assert changed["conversationList"][0]["conversationID"] == "c2c_alice"
    assert texts([conversation(phone, "c2c_alice")["lastMessage"]]) == ["m3"]
    assert texts([conversation(alice, "c2c_bob")["lastMessage"]]) == ["m4"]


def test_the_sender_may_delete_their_own_sent_message_for_themselves(chat):
    """alice deletes a message she sent: gone for her, bob keeps it."""
    alice, phone, _, sent = chat
    alice.call("deleteMessages", {"msgIDList": [sent[0]["msgID"]]})
    assert history(alice, "c2c_bob") == ["m4", "m3", "m2"]
    assert history(phone, "c2c_alice") == ["m4", "m3", "m2", "m1"]


def test_group_message_deleted_for_one_member(login, rest):
    """In a group, bob's deletion hides the message from bob alone; carol keeps it."""
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    gid = alice.call("createGroup", {"groupType": "Public", "groupName": "g", "memberList": [
        {"userID": "bob"}, {"userID": "carol"}]})["groupID"]
    sent = alice.call("sendMessage", {"groupID": gid, "msgBody": text_body("hello"),
                                      "random": next(_random)})
    bob.call("deleteMessages", {"msgIDList": [sent["msgID"]]})
    assert "hello" not in history(bob, f"group_{gid}")
    assert "hello" in history(carol, f"group_{gid}")


@pytest.mark.parametrize("body", [
    {},
    {"msgIDList": []},
    {"msgIDList": "abc"},
    {"msgIDList": [5]},
    {"msgIDList": [f"id{i}" for i in range(51)]},
])
def test_delete_messages_bad_input_is_70402(chat, body):
    """A missing, empty, non-array, non-string or over-50 msgIDList is 70402; nothing moves."""
    _, phone, _, _ = chat
    phone.fail("deleteMessages", body, BAD)
    assert len(history(phone, "c2c_alice")) == 4


def test_delete_messages_is_all_or_nothing(chat, login):
    """One msgID that is not the caller's to delete (unknown, someone else's conversation, or
    deleted already) fails the request with 20022 naming it, and nothing is deleted."""
    alice, phone, _, sent = chat
    carol = login("carol")
    other = send(carol, "alice", "private")["msgID"]
    for bad in ("no-such-id", other):
        frame = phone.fail("deleteMessages", {"msgIDList": [sent[0]["msgID"], bad]}, NOT_YOURS)
        assert bad in frame["desc"]
        assert len(history(phone, "c2c_alice")) == 4
    phone.call("deleteMessages", {"msgIDList": [sent[0]["msgID"]]})
    phone.fail("deleteMessages", {"msgIDList": [sent[0]["msgID"]]}, NOT_YOURS)


def test_rest_ramble_deletes_for_the_operator_and_lists_the_invalid_keys(chat, rest):
    """delete_c2c_msg_ramble deletes by MsgKey for Operator_Account alone, tells all of their
    sessions, and answers the keys it could not delete in InvalidMsgKeyList."""
    alice, phone, laptop, sent = chat
    keys = [sent[0]["msgKey"], sent[1]["msgKey"], "1_2_3x", "999_1_1"]
    answer = call_ok(rest, RAMBLE, {"Operator_Account": "bob", "Peer_Account": "alice",
                                    "MsgKeyList": keys})
    assert answer["InvalidMsgKeyList"] == ["1_2_3x", "999_1_1"]
    for session in (phone, laptop):
        assert session.wait_event("onMessagesDeleted")["msgIDList"] == [
            sent[0]["msgID"], sent[1]["msgID"]]
    assert history(phone, "c2c_alice") == ["m4", "m3"]
    assert history(alice, "c2c_bob") == ["m4", "m3", "m2", "m1"]


@pytest.mark.parametrize("body, code", [
    ({"Peer_Account": "alice", "MsgKeyList": ["1_1_1"]}, 90008),
    ({"Operator_Account": "bob", "MsgKeyList": ["1_1_1"]}, 90003),
    ({"Operator_Account": "bob", "Peer_Account": "alice"}, REST_BAD),
    ({"Operator_Account": "bob", "Peer_Account": "alice", "MsgKeyList": []}, REST_BAD),
    ({"Operator_Account": "bob", "Peer_Account": "alice", "MsgKeyList": [1]}, REST_BAD),
    ({"Operator_Account": "bob", "Peer_Account": "alice",
      "MsgKeyList": [f"{i}_1_1" for i in range(31)]}, REST_BAD),
])
def test_rest_ramble_bad_input(chat, rest, body, code):
    """Bad delete_c2c_msg_ramble fields get their codes and delete nothing."""
    _, phone, _, _ = chat
    call_fail(rest, RAMBLE, body, code)
    assert len(history(phone, "c2c_alice")) == 4


def test_purge_removes_messages_both_sides_deleted(chatd_of, pg):
    """A message deleted for themselves by both participants is removed from PostgreSQL by the
    purge task; one deleted by one side only stays."""
    instance = chatd_of(purge_interval_s=1)
    import_users(instance.rest(), "alice", "bob")
    alice = WsClient.login_as(instance.url, "alice")
    bob = WsClient.login_as(instance.url, "bob")
    sent = [send(alice, "bob", t) for t in ("keep", "drop")]
    count = lambda: pg.sql("SELECT count(*) FROM messages")[0][0]  # noqa: E731
    queued = lambda: pg.sql("SELECT count(*) FROM purge_queue")[0][0]  # noqa: E731
    bob.call("deleteMessages", {"msgIDList": [sent[1]["msgID"]]})
    wait_until(lambda: queued() == 0, what="the first purge pass")
    assert count() == 2
    alice.call("deleteMessages", {"msgIDList": [sent[1]["msgID"]]})
    wait_until(lambda: count() == 1, what="the purge of the message both deleted")
    assert history(alice, "c2c_bob") == ["keep"] and history(bob, "c2c_alice") == ["keep"]
    assert pg.sql("SELECT count(*) FROM msg_hidden")[0][0] == 0


def test_leaving_a_group_drops_what_the_member_deleted_for_themselves(login, rest, pg):
    """A member's deleted-for-self set of a group goes with the membership (kick), and all of
    the group's go when it is dismissed: no rows are left behind."""
    alice, bob = login("alice"), login("bob")
    gid = alice.call("createGroup", {"groupType": "Public", "groupName": "g", "memberList": [
        {"userID": "bob"}, {"userID": "carol"}]})["groupID"]
    sent = alice.call("sendMessage", {"groupID": gid, "msgBody": text_body("x"),
                                      "random": next(_random)})
    for user in (alice, bob):
        user.call("deleteMessages", {"msgIDList": [sent["msgID"]]})
    hidden = lambda: pg.sql("SELECT user_id FROM msg_hidden ORDER BY user_id")  # noqa: E731
    assert hidden() == [("alice",), ("bob",)]
    alice.call("kickGroupMember", {"groupID": gid, "memberList": ["bob"]})
    assert hidden() == [("alice",)]
    alice.call("dismissGroup", {"groupID": gid})
    assert hidden() == []
