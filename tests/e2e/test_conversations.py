"""The conversation manager over WebSocket (docs/protocol.md, "Conversations"): the list and its
order (pins, orderKey, drafts), paging, unread arithmetic, receive options, marks, conversation
groups and filters; and deletion as Tencent documents it — from the client or REST, with and
without multi-client sync, the peer untouched, history gone for good (purged from the database
once nobody can see it), the conversation reborn by a later message.
"""

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from expect import call_ok, roam_texts as roam
from util import Rest, wait_until
from ws_client import WsClient, fan_out, history_texts as history, import_users, text_body
from ws_client import synced_texts as synced

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

BAD = 70402          # invalid parameter, as WebSocket responses spell it
NOT_FOUND = 6004     # conversation does not exist
TOO_MANY = 51006
MARK_LIMIT = 51008
GROUP_MISSING = 51009
GROUP_LIMIT = 51010
GROUP_NAME = 51011
PIN_LIMIT = 51012
STAR, UNREAD, FOLD, HIDE = 0x1, 0x2, 0x4, 0x8

_random = itertools.count(1)


# ---- helpers ------------------------------------------------------------------------------------

def rest_send(rest, frm, to, text="hi"):
    return call_ok(rest, "openim/sendmsg", {"From_Account": frm, "To_Account": to,
                                            "MsgRandom": next(_random),
                                            "MsgBody": text_body(text)})


def send(client, to, text="hi"):
    """sendMessage that must succeed; returns its answer."""
    return client.call("sendMessage", {"receiver": to, "msgBody": text_body(text),
                                       "random": next(_random)})


def text_of(message):
    return message["msgBody"][0]["MsgContent"]["Text"]


def conv_list(client, count=100, next_seq=0):
    return client.call("getConversationList", {"nextSeq": next_seq, "count": count})


def ids(client, **page):
    return [c["conversationID"] for c in conv_list(client, **page)["conversationList"]]


def conversation(client, conv_id):
    return client.call("getConversation", {"conversationID": conv_id})["conversation"]


def total_unread(client):
    return client.call("getTotalUnreadMessageCount", {})["totalUnreadCount"]


def rest_delete(rest, user, peer, clear=1):
    call_ok(rest, "recentcontact/delete", {"From_Account": user, "Type": 1, "To_Account": peer,
                                           "ClearRamble": clear})


def delete(side, rest, client, peer):
    """Deletes client.user's conversation with `peer` (history too), from the client or REST."""
    if side == "ws":
        client.call("deleteConversation", {"conversationID": f"c2c_{peer}"})
    else:
        rest_delete(rest, client.user, peer)


@pytest.fixture
def users(rest):
    """alice, bob, carol, dave and erin, imported."""
    import_users(rest, "alice", "bob", "carol", "dave", "erin")
    return rest


@pytest.fixture
def login(chatd, users):
    """login(user, platform="Web") -> a logged-in WsClient on the module's chatd."""
    def connect(user, platform="Web"):
        return WsClient.login_as(chatd.url, user, platform=platform)
    return connect


def member_of_g1(rest, user="alice"):
    """A Public group g1 with `user` as its owner: only members hold group conversations."""
    call_ok(rest, "group_open_http_svc/create_group",
            {"GroupId": "g1", "Type": "Public", "Name": "g1", "Owner_Account": user})


@pytest.fixture
def chat(login, users):
    """alice (one session) and bob (one session) after bob sent alice three messages."""
    alice, bob = login("alice"), login("bob")
    for text in ("one", "two", "three"):
        send(bob, "alice", text)
    return alice, bob


# ---- deletion -----------------------------------------------------------------------------------

SIDES = ["ws", "rest"]


@pytest.mark.parametrize("side", SIDES)
def test_deletion_empties_list_history_sync_roaming_and_unread(users, chat, side):
    """After a deletion the conversation is gone from the deleter's list, and their history,
    syncMessages, admin_getroammsg and unread count show nothing of it."""
    alice, _ = chat
    assert total_unread(alice) == 3
    delete(side, users, alice, "bob")
    assert "c2c_bob" not in ids(alice)
    assert history(alice, "c2c_bob") == []
    assert synced(alice) == []
    assert roam(users, "alice", "bob") == []
    assert total_unread(alice) == 0


@pytest.mark.parametrize("side", SIDES)
def test_deletion_leaves_the_peer_untouched(users, chat, side):
    """The peer keeps the conversation, its history and roaming."""
    alice, bob = chat
    before = conversation(bob, "c2c_alice")
    delete(side, users, alice, "bob")
    after = conversation(bob, "c2c_alice")
    assert after["lastMessage"] == before["lastMessage"]
    assert after["orderKey"] == before["orderKey"]
    assert ids(bob) == ["c2c_alice"]
    assert history(bob, "c2c_alice") == ["three", "two", "one"]
    assert roam(users, "bob", "alice") == ["one", "two", "three"]


@pytest.mark.parametrize("side", SIDES)
def test_deletion_sync_off_other_session_gets_no_event_but_fetches_reflect_it(
        users, login, side):
    """conversation_delete_sync off (the default): the user's laptop gets no
    onConversationDeleted, yet its getConversationList and getHistoryMessageList show the
    deletion."""
    phone, laptop, bob = login("alice", "Android"), login("alice", "Windows"), login("bob")
    send(bob, "alice", "hello")
    delete(side, users, phone, "bob")
    laptop.barrier()
    assert laptop.take_events("onConversationDeleted") == []
    assert phone.take_events("onConversationDeleted") == []
    assert "c2c_bob" not in ids(laptop)
    assert history(laptop, "c2c_bob") == []


@pytest.mark.parametrize("side", SIDES)
def test_deletion_sync_on_tells_the_other_sessions(chatd_of, side):
    """conversation_delete_sync on: the user's other sessions get onConversationDeleted at once
    (the deleting session itself gets only its answer; a REST deletion tells every session)."""
    instance = chatd_of(conversation_delete_sync="on")
    rest = instance.rest()
    import_users(rest, "alice", "bob")
    phone = WsClient.login_as(instance.url, "alice", platform="Android")
    laptop = WsClient.login_as(instance.url, "alice", platform="Windows")
    rest_send(rest, "bob", "alice", "hello")
    delete(side, rest, phone, "bob")
    assert laptop.wait_event("onConversationDeleted") == {"conversationIDList": ["c2c_bob"]}
    phone.barrier()
    assert len(phone.take_events("onConversationDeleted")) == (1 if side == "rest" else 0)


def test_delete_list_sync_on_names_only_the_deleted(chatd_of):
    """With sync on, onConversationDeleted lists the conversations that were deleted, not the
    ones that did not exist."""
    instance = chatd_of(conversation_delete_sync="on")
    rest = instance.rest()
    import_users(rest, "alice", "bob", "carol")
    phone = WsClient.login_as(instance.url, "alice", platform="Android")
    laptop = WsClient.login_as(instance.url, "alice", platform="Windows")
    rest_send(rest, "bob", "alice")
    phone.call("deleteConversationList", {"conversationIDList": ["c2c_bob", "c2c_carol"],
                                          "clearMessage": True})
    assert laptop.wait_event("onConversationDeleted") == {"conversationIDList": ["c2c_bob"]}


@pytest.mark.parametrize("side", SIDES)
def test_new_message_brings_the_conversation_back_with_only_itself(users, chat, side):
    """A message after the deletion brings the conversation back holding only that message,
    unread 1; history, sync and roaming agree."""
    alice, bob = chat
    delete(side, users, alice, "bob")
    send(bob, "alice", "again")
    conv = conversation(alice, "c2c_bob")
    assert ids(alice) == ["c2c_bob"]
    assert (conv["unreadCount"], text_of(conv["lastMessage"])) == (1, "again")
    assert history(alice, "c2c_bob") == ["again"]
    assert synced(alice) == ["again"]
    assert roam(users, "alice", "bob") == ["again"]
    assert total_unread(alice) == 1


def test_sync_from_an_old_position_still_stops_at_the_deletion_point(users, chat):
    """syncMessages from a position before the deletion point returns nothing from before it."""
    alice, bob = chat
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    send(bob, "alice", "after")
    body = alice.call("syncMessages", {"positions": {"c2c_bob": 0}, "count": 100})
    assert [text_of(m) for m in body["messageList"]] == ["after"]


def test_the_sender_can_delete_too(users, chat):
    """Deletion works the same from the side that sent the messages."""
    alice, bob = chat
    bob.call("deleteConversation", {"conversationID": "c2c_alice"})
    assert history(bob, "c2c_alice") == []
    assert history(alice, "c2c_bob") == ["three", "two", "one"]


def test_find_messages_after_deletion_finds_nothing(users, chat):
    """findMessages by msgID no longer returns messages from before the deletion point."""
    alice, bob = chat
    msg_id = send(bob, "alice", "four")["msgID"]
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    assert alice.call("findMessages", {"msgIDs": [msg_id]})["messageList"] == []
    assert len(bob.call("findMessages", {"msgIDs": [msg_id]})["messageList"]) == 1


@pytest.mark.parametrize("conv_id", ["c2c_carol", "c2c_nobody", "group_nogroup", "c2c_alice"])
def test_delete_of_a_conversation_that_does_not_exist_is_6004(users, chat, conv_id):
    """Deleting a conversation the user does not have (never talked, no such user, no such
    group, oneself) answers 6004 and changes nothing."""
    alice, _ = chat
    alice.fail("deleteConversation", {"conversationID": conv_id}, NOT_FOUND)
    assert ids(alice) == ["c2c_bob"]


@pytest.mark.parametrize("body", [
    pytest.param({}, id="missing"),
    pytest.param({"conversationID": 7}, id="int"),
    pytest.param({"conversationID": ""}, id="empty"),
    pytest.param({"conversationID": "bob"}, id="no-prefix"),
    pytest.param({"conversationID": "c2c_"}, id="c2c-empty"),
    pytest.param({"conversationID": "group_"}, id="group-empty"),
    pytest.param({"conversationID": "c2c_" + "x" * 33}, id="c2c-33-bytes"),
    pytest.param({"conversationID": "C2Cbob"}, id="web-sdk-spelling"),
])
def test_delete_refuses_bad_conversation_ids(users, chat, body):
    """A conversationID that is not c2c_<userID> or group_<groupID>: 70402."""
    alice, _ = chat
    alice.fail("deleteConversation", body, BAD)
    assert ids(alice) == ["c2c_bob"]


def test_delete_list_without_clearing_keeps_history(users, chat):
    """deleteConversationList with clearMessage=false removes the list entry, keeps history
    and roaming, and zeroes the unread count."""
    alice, _ = chat
    body = alice.call("deleteConversationList", {"conversationIDList": ["c2c_bob"],
                                                 "clearMessage": False})
    assert body["resultList"] == [{"conversationID": "c2c_bob", "resultCode": 0,
                                   "resultInfo": ""}]
    assert ids(alice) == []
    assert history(alice, "c2c_bob") == ["three", "two", "one"]
    assert roam(users, "alice", "bob") == ["one", "two", "three"]
    assert total_unread(alice) == 0


def test_delete_list_without_clearing_then_a_message_shows_only_new_unread(users, chat):
    """After a delete that kept history, a new message lists the conversation again with
    unread 1 while the older history stays readable."""
    alice, bob = chat
    alice.call("deleteConversationList", {"conversationIDList": ["c2c_bob"],
                                          "clearMessage": False})
    send(bob, "alice", "four")
    assert conversation(alice, "c2c_bob")["unreadCount"] == 1
    assert history(alice, "c2c_bob") == ["four", "three", "two", "one"]


def test_delete_list_clears_by_default_and_reports_each_id(users, chat):
    """deleteConversationList clears history unless told not to, and reports per conversation:
    0, or 6004 for one the user does not have."""
    alice, _ = chat
    body = alice.call("deleteConversationList", {"conversationIDList": ["c2c_bob", "c2c_dave"]})
    assert [(r["conversationID"], r["resultCode"]) for r in body["resultList"]] == \
        [("c2c_bob", 0), ("c2c_dave", NOT_FOUND)]
    assert history(alice, "c2c_bob") == []


@pytest.mark.parametrize("body, code", [
    pytest.param({}, BAD, id="missing"),
    pytest.param({"conversationIDList": []}, BAD, id="empty"),
    pytest.param({"conversationIDList": "c2c_bob"}, BAD, id="string"),
    pytest.param({"conversationIDList": ["c2c_bob", 5]}, BAD, id="int-item"),
    pytest.param({"conversationIDList": ["c2c_bob", "bob"]}, BAD, id="bad-item"),
    pytest.param({"conversationIDList": ["c2c_bob"], "clearMessage": "no"}, BAD,
                 id="clear-string"),
    pytest.param({"conversationIDList": ["c2c_bob"], "clearMessage": 0}, BAD, id="clear-int"),
    pytest.param({"conversationIDList": [f"c2c_u{i}" for i in range(101)]}, TOO_MANY,
                 id="101-ids"),
])
def test_delete_list_refuses_bad_input(users, chat, body, code):
    """A malformed deleteConversationList deletes nothing."""
    alice, _ = chat
    alice.fail("deleteConversationList", body, code)
    assert ids(alice) == ["c2c_bob"]
    assert len(history(alice, "c2c_bob")) == 3


def test_delete_list_takes_100(users, login):
    """100 conversationIDs is within the limit."""
    alice = login("alice")
    body = alice.call("deleteConversationList",
                      {"conversationIDList": [f"c2c_u{i}" for i in range(100)]})
    assert len(body["resultList"]) == 100


def test_group_conversation_can_be_deleted(users, login):
    """A group conversation (here one holding only a draft) is deleted like any other."""
    member_of_g1(users)
    alice = login("alice")
    alice.call("setConversationDraft", {"conversationID": "group_g1", "draftText": "hi all"})
    assert ids(alice) == ["group_g1"]
    alice.call("deleteConversation", {"conversationID": "group_g1"})
    assert ids(alice) == []


def test_deleting_a_conversation_with_2000_messages(users, login, pg):
    """Cost sanity: a conversation of 2,000 messages is deleted in one request like any other
    (the deletion point moves; no message is touched); the peer keeps all 2,000."""
    alice = login("alice")
    # Sent as bob by the backend: a client session may not send 2,000 messages in a burst
    # (rate_limit_msgs_per_s).
    def send_range(start):
        rest = Rest(users.base_url)
        for i in range(start, 2000, 4):
            rest_send(rest, "bob", "alice", f"m{i}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send_range, range(4)))
    assert conversation(alice, "c2c_bob")["unreadCount"] == 2000
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    assert history(alice, "c2c_bob") == []
    assert total_unread(alice) == 0
    assert pg.sql("SELECT count(*) FROM messages")[0][0] == 2000
    assert len(roam(users, "bob", "alice")) == 100


# ---- purge --------------------------------------------------------------------------------------

def message_count(pg):
    return pg.sql("SELECT count(*) FROM messages")[0][0]


def queue_length(pg):
    return pg.sql("SELECT count(*) FROM purge_queue")[0][0]


@pytest.fixture
def fast_purge(chatd_of, pg):
    """A chatd purging every second, with alice and bob (one session each) and four messages
    between them, two of them with read receipts."""
    instance = chatd_of(purge_interval_s=1)
    rest = instance.rest()
    import_users(rest, "alice", "bob")
    alice = WsClient.login_as(instance.url, "alice")
    bob = WsClient.login_as(instance.url, "bob")
    for i in range(4):
        bob.call("sendMessage", {"receiver": "alice", "msgBody": text_body(f"m{i}"),
                                 "random": i + 1, "needReadReceipt": i < 2})
    receipts = [m["msgID"] for m in alice.call("getHistoryMessageList", {
        "conversationID": "c2c_bob", "count": 2, "lastMsgSeq": 3})["messageList"]]
    alice.call("sendMessageReadReceipts", {"msgIDs": receipts})
    return rest, alice, bob


def test_purge_keeps_messages_while_the_peer_can_see_them(fast_purge, pg):
    """One side's deletion queues the conversation; the purge pass runs and removes nothing,
    since the peer still sees every message."""
    rest, alice, _ = fast_purge
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    wait_until(lambda: queue_length(pg) == 0, what="the purge task to take the queue")
    assert message_count(pg) == 4


@pytest.mark.parametrize("second", SIDES)
def test_purge_removes_rows_once_both_sides_deleted(fast_purge, pg, second):
    """Once both participants deleted the conversation, the purge task physically deletes its
    messages and read receipts from the database within a few intervals."""
    rest, alice, bob = fast_purge
    assert pg.sql("SELECT count(*) FROM msg_receipts")[0][0] == 2
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    wait_until(lambda: queue_length(pg) == 0, what="the first purge pass")
    delete(second, rest, bob, "alice")
    wait_until(lambda: message_count(pg) == 0, what="the messages to be purged")
    assert pg.sql("SELECT count(*) FROM msg_receipts")[0][0] == 0


def test_purge_keeps_what_came_after_the_deletion(fast_purge, pg):
    """Messages newer than one side's deletion point stay after both deleted up to their own
    points: only what nobody can see goes."""
    rest, alice, bob = fast_purge
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    send(bob, "alice", "late")
    bob.call("deleteConversationList", {"conversationIDList": ["c2c_alice"],
                                        "clearMessage": True})
    wait_until(lambda: message_count(pg) == 1, what="the purge")
    assert history(alice, "c2c_bob") == ["late"]


def test_delete_without_clearing_queues_no_purge(users, chat, pg):
    """A deletion that keeps history (clearMessage false) moves no deletion point and queues
    nothing for the purge."""
    alice, _ = chat
    alice.call("deleteConversationList", {"conversationIDList": ["c2c_bob"],
                                          "clearMessage": False})
    assert queue_length(pg) == 0
    assert pg.sql("SELECT deleted_seq FROM conv_views WHERE user_id = 'alice'") == [(0,)]


# ---- clearing one's history -----------------------------------------------------------------------

def test_clear_c2c_history_keeps_the_conversation_and_empties_it_on_every_device(login, users):
    """bob clears his history with alice on his phone: on his laptop too the history, sync
    and unread are empty and the conversation stays listed without a last message; his
    laptop hears onConversationChanged; alice keeps everything."""
    alice, phone, laptop = login("alice"), login("bob", "iPhone"), login("bob", "Mac")
    for text in ("one", "two"):
        send(alice, "bob", text)
    phone.call("clearC2CHistoryMessage", {"userID": "alice"})
    changed = laptop.wait_event("onConversationChanged", where=lambda b: any(
        c["unreadCount"] == 0 for c in b["conversationList"]))
    conv = changed["conversationList"][0]
    assert conv["conversationID"] == "c2c_alice" and not conv.get("lastMessage")
    assert history(laptop, "c2c_alice") == [] and synced(laptop) == []
    assert ids(laptop) == ["c2c_alice"]
    assert conversation(laptop, "c2c_alice")["unreadCount"] == 0
    assert total_unread(laptop) == 0
    assert roam(users, "bob", "alice") == []
    assert history(alice, "c2c_bob") == ["two", "one"]  # newest first
    assert roam(users, "alice", "bob") == ["one", "two"]


def test_clear_c2c_history_then_a_message_is_the_only_one(login, users):
    """After clearing, a new message is the conversation's only message and its one unread."""
    alice, bob = login("alice"), login("bob")
    send(alice, "bob", "old")
    bob.call("clearC2CHistoryMessage", {"userID": "alice"})
    send(alice, "bob", "new")
    assert history(bob, "c2c_alice") == ["new"]
    assert conversation(bob, "c2c_alice")["unreadCount"] == 1


def test_clear_keeps_pin_and_draft_unlike_delete(login, users):
    """Clearing keeps the conversation's pin and draft (deleting drops them)."""
    alice, bob = login("alice"), login("bob")
    send(alice, "bob", "x")
    bob.call("pinConversation", {"conversationID": "c2c_alice", "isPinned": True})
    bob.call("setConversationDraft", {"conversationID": "c2c_alice", "draftText": "later"})
    bob.call("clearC2CHistoryMessage", {"userID": "alice"})
    conv = conversation(bob, "c2c_alice")
    assert conv["isPinned"] is True and conv["draftText"] == "later"


def test_clear_group_history_is_for_the_caller_only(login, users):
    """clearGroupHistoryMessage empties the group's history for bob alone: carol still reads
    it, bob's conversation stays listed with unread 0."""
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    gid = alice.call("createGroup", {"groupType": "Public", "groupName": "g", "memberList": [
        {"userID": "bob"}, {"userID": "carol"}]})["groupID"]
    for text in ("a", "b"):
        alice.call("sendMessage", {"groupID": gid, "msgBody": text_body(text),
                                   "random": next(_random)})
    bob.call("clearGroupHistoryMessage", {"groupID": gid})
    assert history(bob, f"group_{gid}") == []
    assert f"group_{gid}" in ids(bob)
    assert conversation(bob, f"group_{gid}")["unreadCount"] == 0
    assert [t for t in history(carol, f"group_{gid}") if t in ("a", "b")] == ["b", "a"]


@pytest.mark.parametrize("cmd, body, code", [
    ("clearC2CHistoryMessage", {}, BAD),
    ("clearC2CHistoryMessage", {"userID": 5}, BAD),
    ("clearC2CHistoryMessage", {"userID": ""}, BAD),
    ("clearC2CHistoryMessage", {"userID": "erin"}, NOT_FOUND),
    ("clearGroupHistoryMessage", {}, BAD),
    ("clearGroupHistoryMessage", {"groupID": "no-such-group"}, NOT_FOUND),
])
def test_clear_history_bad_input(chat, pg, cmd, body, code):
    """Clearing answers a missing or malformed ID 70402 and a conversation the caller never had
    6004; nothing moves."""
    alice, _ = chat
    alice.fail(cmd, body, code)
    assert pg.sql("SELECT deleted_seq FROM conv_views WHERE user_id = 'alice'") == [(0,)]
    assert history(alice, "c2c_bob") == ["three", "two", "one"]


def test_purge_removes_what_both_sides_cleared(fast_purge, pg):
    """Once both participants cleared their history, the purge task deletes the messages
    physically; both still list the conversation."""
    _, alice, bob = fast_purge
    alice.call("clearC2CHistoryMessage", {"userID": "bob"})
    wait_until(lambda: queue_length(pg) == 0, what="the first purge pass")
    assert message_count(pg) == 4
    bob.call("clearC2CHistoryMessage", {"userID": "alice"})
    wait_until(lambda: message_count(pg) == 0, what="the messages to be purged")
    assert ids(alice) == ["c2c_bob"] and ids(bob) == ["c2c_alice"]


# ---- order, pins, drafts ------------------------------------------------------------------------

@pytest.fixture
def three(login, users):
    """alice (one session) who wrote to bob, carol and dave in that order."""
    alice = login("alice")
    for peer in ("bob", "carol", "dave"):
        send(alice, peer, f"to {peer}")
    return alice


def test_list_is_newest_activity_first_by_order_key(three):
    """Conversations come newest first; orderKey decreases down the list and is not a time."""
    page = conv_list(three)
    assert [c["conversationID"] for c in page["conversationList"]] == \
        ["c2c_dave", "c2c_carol", "c2c_bob"]
    keys = [c["orderKey"] for c in page["conversationList"]]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 3
    assert page["isFinished"] is True


def test_conversation_carries_the_sdk_fields(three, users):
    """A conversation has the V2TIMConversation fields with the right values."""
    call_ok(users, "profile/portrait_set", {"From_Account": "bob", "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "Bob"},
        {"Tag": "Tag_Profile_IM_Image", "Value": "http://x/b.png"}]})
    conv = conversation(three, "c2c_bob")
    assert {k: conv[k] for k in ("conversationID", "type", "userID", "showName", "faceUrl",
                                 "unreadCount", "isPinned", "draftText", "recvOpt", "markList",
                                 "conversationGroupList", "groupAtInfoList")} == {
        "conversationID": "c2c_bob", "type": 1, "userID": "bob", "showName": "Bob",
        "faceUrl": "http://x/b.png", "unreadCount": 0, "isPinned": False, "draftText": None,
        "recvOpt": 0, "markList": [], "conversationGroupList": [], "groupAtInfoList": []}
    assert text_of(conv["lastMessage"]) == "to bob"
    assert isinstance(conv["orderKey"], int) and conv["draftTimestamp"] == 0


def test_pinned_conversations_come_first(three, users):
    """Pinned conversations lead the list; the rest follow by orderKey, and a message moves its
    conversation up among the unpinned."""
    three.call("pinConversation", {"conversationID": "c2c_bob", "isPinned": True})
    assert ids(three) == ["c2c_bob", "c2c_dave", "c2c_carol"]
    rest_send(users, "carol", "alice", "news")
    assert ids(three) == ["c2c_bob", "c2c_carol", "c2c_dave"]
    assert conversation(three, "c2c_bob")["isPinned"] is True


def test_unpinned_conversation_returns_to_its_order_key(three, users):
    """Unpinning puts the conversation back by orderKey: newer messages elsewhere pass it."""
    three.call("pinConversation", {"conversationID": "c2c_bob", "isPinned": True})
    rest_send(users, "carol", "alice", "news")
    three.call("pinConversation", {"conversationID": "c2c_bob", "isPinned": False})
    assert ids(three) == ["c2c_carol", "c2c_bob", "c2c_dave"]


def test_pin_limit_is_50(users, login):
    """50 conversations can be pinned; the 51st is refused with 51012 until one is unpinned."""
    peers = [f"p{i:02}" for i in range(51)]
    import_users(users, *peers)
    fan_out(users, "alice", peers)
    alice = login("alice")
    for peer in peers[:50]:
        alice.call("pinConversation", {"conversationID": f"c2c_{peer}", "isPinned": True})
    alice.fail("pinConversation", {"conversationID": "c2c_p50", "isPinned": True}, PIN_LIMIT)
    alice.call("pinConversation", {"conversationID": "c2c_p00", "isPinned": False})
    alice.call("pinConversation", {"conversationID": "c2c_p50", "isPinned": True})
    pinned = [c for c in conv_list(alice)["conversationList"] if c["isPinned"]]
    assert len(pinned) == 50


def test_pinning_twice_stays_within_the_limit(users, login):
    """Pinning an already pinned conversation again does not count twice."""
    alice = login("alice")
    for _ in range(3):
        alice.call("pinConversation", {"conversationID": "c2c_bob", "isPinned": True})
    assert [c["isPinned"] for c in conv_list(alice)["conversationList"]] == [True]


def test_draft_moves_the_conversation_up_and_syncs_to_other_sessions(users, login):
    """A draft is stored on the server: it moves the conversation to the top, and the user's
    other session gets onConversationChanged carrying it."""
    phone, laptop = login("alice", "Android"), login("alice", "Windows")
    for peer in ("bob", "carol"):
        send(phone, peer)
    laptop.barrier()
    laptop.take_events("onConversationChanged")
    phone.call("setConversationDraft", {"conversationID": "c2c_bob", "draftText": "half a"})
    body = laptop.wait_event("onConversationChanged",
                             where=lambda b: b["conversationList"][0]["draftText"] == "half a")
    assert body["conversationList"][0]["conversationID"] == "c2c_bob"
    assert body["conversationList"][0]["draftTimestamp"] > 1_600_000_000
    assert ids(laptop) == ["c2c_bob", "c2c_carol"]


def test_empty_draft_clears_it(users, login):
    """An empty draftText (or null) clears the draft."""
    alice = login("alice")
    send(alice, "bob")
    for clear in ("", None):
        alice.call("setConversationDraft", {"conversationID": "c2c_bob", "draftText": "x"})
        alice.call("setConversationDraft", {"conversationID": "c2c_bob", "draftText": clear})
        conv = conversation(alice, "c2c_bob")
        assert (conv["draftText"], conv["draftTimestamp"]) == (None, 0)


def test_draft_alone_lists_a_conversation_without_messages(users, login):
    """A draft in a conversation without messages lists it; clearing the draft removes it."""
    alice = login("alice")
    alice.call("setConversationDraft", {"conversationID": "c2c_erin", "draftText": "hey"})
    conv = conv_list(alice)["conversationList"][0]
    assert (conv["conversationID"], conv["lastMessage"], conv["draftText"]) == \
        ("c2c_erin", None, "hey")
    alice.call("setConversationDraft", {"conversationID": "c2c_erin", "draftText": ""})
    assert ids(alice) == []


def test_paging_with_next_seq_while_messages_arrive(users, login):
    """Paging 30 conversations by 10 while new messages arrive: the pages never repeat a
    conversation, and every conversation that did not change meanwhile is seen exactly once."""
    peers = [f"p{i:02}" for i in range(30)]
    import_users(users, *peers)
    alice = login("alice")
    for peer in peers:
        rest_send(users, peer, "alice")
    seen, changed, next_seq, pages = [], set(), 0, 0
    while True:
        page = conv_list(alice, count=10, next_seq=next_seq)
        seen += [c["conversationID"] for c in page["conversationList"]]
        pages += 1
        if page["isFinished"]:
            break
        next_seq = page["nextSeq"]
        for peer in (peers[pages * 7 % 30], peers[29 - pages]):
            rest_send(users, peer, "alice", "moved")
            changed.add(f"c2c_{peer}")
    assert len(seen) == len(set(seen))
    assert {f"c2c_{p}" for p in peers} - changed <= set(seen)
    assert pages >= 3


def test_last_page_is_finished(three):
    """A page shorter than count is the last one: isFinished true."""
    first = conv_list(three, count=2)
    assert (len(first["conversationList"]), first["isFinished"]) == (2, False)
    second = conv_list(three, count=2, next_seq=first["nextSeq"])
    assert ([c["conversationID"] for c in second["conversationList"]], second["isFinished"]) == \
        (["c2c_bob"], True)


@pytest.mark.parametrize("body", [
    {"count": 0}, {"count": 101}, {"count": "10"}, {"nextSeq": -1}, {"nextSeq": "0"},
    {"count": 1.5},
])
def test_get_conversation_list_refuses_bad_paging(three, body):
    """count is 1 to 100 and nextSeq a non-negative cursor: 70402 otherwise."""
    three.fail("getConversationList", body, BAD)


def test_get_conversation_of_an_unknown_id_is_6004(three):
    """getConversation of a conversation the user never had: 6004."""
    three.fail("getConversation", {"conversationID": "c2c_erin"}, NOT_FOUND)


def test_get_conversations_by_ids_returns_those_that_exist(three):
    """getConversationListByConversationIDs returns the conversations the user has."""
    body = three.call("getConversationListByConversationIDs",
                      {"conversationIDList": ["c2c_bob", "c2c_erin", "c2c_dave"]})
    assert sorted(c["conversationID"] for c in body["conversationList"]) == \
        ["c2c_bob", "c2c_dave"]


# ---- unread -------------------------------------------------------------------------------------

def test_unread_arithmetic_after_reads_and_deletions(users, login):
    """Unread counts follow sequence arithmetic through messages, a partial read, a full read
    and a deletion; the total is their sum."""
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    for i in range(3):
        send(bob, "alice", f"b{i}")
    for i in range(2):
        send(carol, "alice", f"c{i}")
    assert [conversation(alice, c)["unreadCount"] for c in ("c2c_bob", "c2c_carol")] == [3, 2]
    assert total_unread(alice) == 5
    alice.call("cleanConversationUnreadMessageCount", {"conversationID": "c2c_bob",
                                                       "cleanSequence": 2})
    assert conversation(alice, "c2c_bob")["unreadCount"] == 1
    alice.call("cleanConversationUnreadMessageCount", {"conversationID": "c2c_bob"})
    assert conversation(alice, "c2c_bob")["unreadCount"] == 0
    assert total_unread(alice) == 2
    send(bob, "alice", "b3")
    assert total_unread(alice) == 3
    alice.call("deleteConversation", {"conversationID": "c2c_carol"})
    assert total_unread(alice) == 1
    send(carol, "alice", "c2")
    assert conversation(alice, "c2c_carol")["unreadCount"] == 1
    assert total_unread(alice) == 2


def test_own_messages_are_not_unread(users, login):
    """What the user sent is never unread to them."""
    alice = login("alice")
    send(alice, "bob")
    assert conversation(alice, "c2c_bob")["unreadCount"] == 0


@pytest.mark.parametrize("kind", ["c2c", ""])
def test_clean_unread_of_every_c2c_conversation(users, login, kind):
    """cleanConversationUnreadMessageCount with "c2c" or "" clears every one-to-one
    conversation."""
    alice = login("alice")
    for peer in ("bob", "carol"):
        rest_send(users, peer, "alice")
    alice.call("cleanConversationUnreadMessageCount", {"conversationID": kind})
    assert total_unread(alice) == 0


def test_clean_unread_of_groups_leaves_c2c(users, login):
    """cleanConversationUnreadMessageCount with "group" leaves one-to-one unread alone."""
    alice = login("alice")
    rest_send(users, "bob", "alice")
    alice.call("cleanConversationUnreadMessageCount", {"conversationID": "group"})
    assert total_unread(alice) == 1


def test_total_unread_change_is_pushed(users, login):
    """A new message pushes onTotalUnreadMessageCountChanged to the receiver."""
    alice = login("alice")
    rest_send(users, "bob", "alice")
    alice.wait_event("onTotalUnreadMessageCountChanged",
                     where=lambda b: b["totalUnreadCount"] == 1)


@pytest.mark.parametrize("opt, counted", [(0, True), (1, False), (2, False), (3, False),
                                          (4, True)])
def test_total_unread_excludes_conversations_that_do_not_notify(users, login, opt, counted):
    """getTotalUnreadMessageCount leaves out conversations with receive option 1, 2 or 3; the
    conversation's own unreadCount still counts."""
    alice = login("alice")
    alice.call("setC2CReceiveMessageOpt", {"userIDList": ["bob"], "opt": opt})
    rest_send(users, "bob", "alice")
    rest_send(users, "carol", "alice")
    assert total_unread(alice) == (2 if counted else 1)
    assert conversation(alice, "c2c_bob")["unreadCount"] == 1


# ---- receive options ----------------------------------------------------------------------------

def test_receive_options_set_and_get(users, login):
    """setC2CReceiveMessageOpt sets the option per peer; getC2CReceiveMessageOpt reads them back
    in request order (0 for peers never set); the conversation shows it as recvOpt."""
    alice = login("alice")
    send(alice, "bob")
    alice.call("setC2CReceiveMessageOpt", {"userIDList": ["bob", "carol"], "opt": 2})
    alice.call("setC2CReceiveMessageOpt", {"userIDList": ["carol"], "opt": 4})
    body = alice.call("getC2CReceiveMessageOpt", {"userIDList": ["carol", "bob", "dave"]})
    assert body["optList"] == [{"userID": "carol", "c2CReceiveMessageOpt": 4},
                               {"userID": "bob", "c2CReceiveMessageOpt": 2},
                               {"userID": "dave", "c2CReceiveMessageOpt": 0}]
    assert conversation(alice, "c2c_bob")["recvOpt"] == 2


def test_group_receive_option(users, login):
    """setGroupReceiveMessageOpt sets a group conversation's recvOpt."""
    member_of_g1(users)
    alice = login("alice")
    alice.call("setGroupReceiveMessageOpt", {"groupID": "g1", "opt": 1})
    assert conversation(alice, "group_g1")["recvOpt"] == 1


@pytest.mark.parametrize("opt, pushed", [(0, True), (1, False), (2, True)])
def test_receive_option_decides_online_delivery(users, login, opt, pushed):
    """RECEIVE (0) and RECEIVE_NOT_NOTIFY (2) deliver online; NOT_RECEIVE (1) delivers nothing
    online, though the message is stored."""
    alice = login("alice")
    alice.call("setC2CReceiveMessageOpt", {"userIDList": ["bob"], "opt": opt})
    rest_send(users, "bob", "alice", "ping")
    alice.barrier()
    assert len(alice.messages()) == (1 if pushed else 0)
    assert history(alice, "c2c_bob") == ["ping"]


@pytest.mark.parametrize("cmd, body", [
    ("setC2CReceiveMessageOpt", {"userIDList": ["bob"], "opt": 5}),
    ("setC2CReceiveMessageOpt", {"userIDList": ["bob"], "opt": -1}),
    ("setC2CReceiveMessageOpt", {"userIDList": ["bob"], "opt": "1"}),
    ("setC2CReceiveMessageOpt", {"userIDList": ["bob"]}),
    ("setC2CReceiveMessageOpt", {"userIDList": [], "opt": 1}),
    ("setC2CReceiveMessageOpt", {"userIDList": "bob", "opt": 1}),
    ("setC2CReceiveMessageOpt", {"userIDList": [f"u{i}" for i in range(31)], "opt": 1}),
    ("setC2CReceiveMessageOpt", {"userIDList": ["x" * 33], "opt": 1}),
    ("setC2CReceiveMessageOpt", {"userIDList": [7], "opt": 1}),
    ("getC2CReceiveMessageOpt", {}),
    ("getC2CReceiveMessageOpt", {"userIDList": []}),
    ("setGroupReceiveMessageOpt", {"opt": 1}),
    ("setGroupReceiveMessageOpt", {"groupID": "", "opt": 1}),
    ("setGroupReceiveMessageOpt", {"groupID": "g1", "opt": 9}),
])
def test_receive_options_refuse_bad_input(users, login, cmd, body):
    """Bad receive-option requests: 70402."""
    login("alice").fail(cmd, body, BAD)


# ---- marks --------------------------------------------------------------------------------------

@pytest.mark.parametrize("mark", [STAR, UNREAD, FOLD, HIDE, 1 << 32, 1 << 40, 1 << 62])
def test_mark_and_unmark(three, mark):
    """A built-in mark or a custom one (1 << n, 32 <= n <= 62) is set and cleared."""
    three.call("markConversation", {"conversationIDList": ["c2c_bob", "c2c_carol"],
                                    "markType": mark, "enableMark": True})
    assert conversation(three, "c2c_bob")["markList"] == [mark]
    three.call("markConversation", {"conversationIDList": ["c2c_bob"], "markType": mark,
                                    "enableMark": False})
    assert conversation(three, "c2c_bob")["markList"] == []
    assert conversation(three, "c2c_carol")["markList"] == [mark]


def test_marks_accumulate(three):
    """Marks combine: markList lists each one set."""
    for mark in (FOLD, STAR, 1 << 33):
        three.call("markConversation", {"conversationIDList": ["c2c_bob"], "markType": mark,
                                        "enableMark": True})
    assert conversation(three, "c2c_bob")["markList"] == [STAR, FOLD, 1 << 33]


def test_conversation_custom_data(three, users):
    """setConversationCustomData sets and clears customData (REST's CustomMark); 6004 for a
    conversation the user does not have; bad input 70402."""
    out = three.call("setConversationCustomData", {"conversationIDList": ["c2c_bob", "c2c_nobody"],
                                                   "customData": "pinned-by-ops"})
    assert [(r["conversationID"], r["resultCode"]) for r in out["resultList"]] == [
        ("c2c_bob", 0), ("c2c_nobody", 6004)]
    assert conversation(three, "c2c_bob")["customData"] == "pinned-by-ops"
    three.call("setConversationCustomData", {"conversationIDList": ["c2c_bob"], "customData": ""})
    assert conversation(three, "c2c_bob").get("customData") in (None, "")
    three.fail("setConversationCustomData", {"conversationIDList": ["c2c_bob"],
                                             "customData": "x" * 257}, BAD)
    three.fail("setConversationCustomData", {"conversationIDList": ["c2c_bob"]}, BAD)
    three.fail("setConversationCustomData", {"conversationIDList": [], "customData": "x"}, BAD)


def test_unread_mark_does_not_change_the_unread_count(users, login):
    """Marking a conversation UNREAD leaves its real unreadCount alone."""
    alice = login("alice")
    send(alice, "bob")
    alice.call("markConversation", {"conversationIDList": ["c2c_bob"], "markType": UNREAD,
                                    "enableMark": True})
    conv = conversation(alice, "c2c_bob")
    assert (conv["unreadCount"], conv["markList"]) == (0, [UNREAD])


def test_mark_change_is_pushed_to_other_sessions(users, login):
    """Marking on one session pushes onConversationChanged with the new markList to another."""
    phone, laptop = login("alice", "Android"), login("alice", "Windows")
    send(phone, "bob")
    phone.call("markConversation", {"conversationIDList": ["c2c_bob"], "markType": STAR,
                                    "enableMark": True})
    laptop.wait_event("onConversationChanged",
                      where=lambda b: b["conversationList"][0]["markList"] == [STAR])


@pytest.mark.parametrize("mark", [0, 3, 0x10, 1 << 31, -1, "1", 1.0, None])
def test_invalid_marks_are_refused(three, mark):
    """A mark that is not one built-in bit or one custom bit (1 << 32 .. 1 << 63): 70402."""
    body = {"conversationIDList": ["c2c_bob"], "enableMark": True}
    if mark is not None:
        body["markType"] = mark
    three.fail("markConversation", body, BAD)
    assert conversation(three, "c2c_bob")["markList"] == []


@pytest.mark.parametrize("body, code", [
    ({"conversationIDList": ["c2c_bob"], "markType": STAR}, BAD),
    ({"conversationIDList": ["c2c_bob"], "markType": STAR, "enableMark": 1}, BAD),
    ({"conversationIDList": [], "markType": STAR, "enableMark": True}, BAD),
    ({"markType": STAR, "enableMark": True}, BAD),
    ({"conversationIDList": [f"c2c_u{i}" for i in range(101)], "markType": STAR,
      "enableMark": True}, TOO_MANY),
])
def test_mark_refuses_bad_input(three, body, code):
    """markConversation needs 1 to 100 conversationIDs and a boolean enableMark."""
    three.fail("markConversation", body, code)


@pytest.mark.parametrize("number", ["9223372036854775808", "18446744073709551616"],
                         ids=["1<<63", "1<<64"])
def test_mark_beyond_signed_64_bits_is_refused(three, number):
    """A markType of 1 << 63 or more does not fit a signed 64-bit JSON integer: the request is
    answered 60003 (seq null) and the session lives on."""
    three.send_text('{"seq": 1, "cmd": "markConversation", "body": {"conversationIDList": '
                    f'["c2c_bob"], "markType": {number}, "enableMark": true}}}}')
    assert three.response(None)["code"] == 60003
    assert conversation(three, "c2c_bob")["markList"] == []


def test_marked_conversations_are_capped_at_1000(users, login, pg):
    """At most 1000 conversations carry marks: marking one more answers 51008."""
    peers = [f"p{i:04}" for i in range(1001)]
    import_users(users, *peers)
    fan_out(users, "alice", peers)
    # The shared cluster's tables were emptied before this test, and chatd's prepared
    # statements may hold plans made while they were tiny (sequential scans) until
    # autovacuum analyzes them (autovacuum_naptime is a minute). ANALYZE does it now, as
    # autovacuum would in a running deployment, so this test measures the cap, not a stale plan.
    pg.sql("ANALYZE")
    alice = login("alice")
    for i in range(0, 1000, 100):
        alice.call("markConversation", {"conversationIDList": [f"c2c_{p}" for p in
                                                               peers[i:i + 100]],
                                        "markType": STAR, "enableMark": True})
    alice.fail("markConversation", {"conversationIDList": ["c2c_p1000"], "markType": STAR,
                                    "enableMark": True}, MARK_LIMIT)
    alice.call("markConversation", {"conversationIDList": ["c2c_p0000"], "markType": FOLD,
                                    "enableMark": True})


# ---- conversation groups ------------------------------------------------------------------------

def test_conversation_group_lifecycle(three):
    """Create (with conversations), list, rename, add, remove, delete: each is visible in
    getConversationGroupList and in the conversations' conversationGroupList."""
    three.call("createConversationGroup", {"groupName": "work",
                                           "conversationIDList": ["c2c_bob"]})
    three.call("createConversationGroup", {"groupName": "home"})
    assert three.call("getConversationGroupList", {})["groupList"] == ["work", "home"]
    assert conversation(three, "c2c_bob")["conversationGroupList"] == ["work"]
    three.call("renameConversationGroup", {"oldName": "work", "newName": "office"})
    assert conversation(three, "c2c_bob")["conversationGroupList"] == ["office"]
    three.call("addConversationsToGroup", {"groupName": "home",
                                           "conversationIDList": ["c2c_bob", "c2c_carol"]})
    assert conversation(three, "c2c_bob")["conversationGroupList"] == ["office", "home"]
    three.call("deleteConversationsFromGroup", {"groupName": "office",
                                                "conversationIDList": ["c2c_bob"]})
    assert conversation(three, "c2c_bob")["conversationGroupList"] == ["home"]
    three.call("deleteConversationGroup", {"groupName": "home"})
    assert three.call("getConversationGroupList", {})["groupList"] == ["office"]
    assert conversation(three, "c2c_carol")["conversationGroupList"] == []


def test_conversation_group_limit_is_20(three):
    """20 conversation groups per user; the 21st is 51010."""
    for i in range(20):
        three.call("createConversationGroup", {"groupName": f"g{i}"})
    three.fail("createConversationGroup", {"groupName": "g20"}, GROUP_LIMIT)


@pytest.mark.parametrize("name, code", [
    ("x" * 32, 0), ("x" * 33, GROUP_NAME), ("é" * 16, 0), ("é" * 16 + "x", GROUP_NAME),
    ("", BAD), (5, BAD),
])
def test_conversation_group_name_is_1_to_32_bytes(three, name, code):
    """Group names are 1 to 32 bytes: longer is 51011, empty or not a string 70402."""
    if code:
        three.fail("createConversationGroup", {"groupName": name}, code)
    else:
        three.call("createConversationGroup", {"groupName": name})


@pytest.mark.parametrize("cmd, body, code", [
    ("createConversationGroup", {"groupName": "work"}, BAD),
    ("renameConversationGroup", {"oldName": "nope", "newName": "x"}, GROUP_MISSING),
    ("renameConversationGroup", {"oldName": "work", "newName": "home"}, BAD),
    ("renameConversationGroup", {"oldName": "work", "newName": "x" * 33}, GROUP_NAME),
    ("renameConversationGroup", {"oldName": "work"}, BAD),
    ("deleteConversationGroup", {"groupName": "nope"}, GROUP_MISSING),
    ("deleteConversationGroup", {}, BAD),
    ("addConversationsToGroup", {"groupName": "nope", "conversationIDList": ["c2c_bob"]},
     GROUP_MISSING),
    ("addConversationsToGroup", {"groupName": "work", "conversationIDList": []}, BAD),
    ("addConversationsToGroup", {"groupName": "work", "conversationIDList": ["bob"]}, BAD),
    ("deleteConversationsFromGroup", {"groupName": "nope", "conversationIDList": ["c2c_bob"]},
     GROUP_MISSING),
    ("createConversationGroup", {"groupName": "new", "conversationIDList": "c2c_bob"}, BAD),
])
def test_conversation_group_refusals(three, cmd, body, code):
    """Conversation-group commands refuse duplicates (70402), missing groups (51009), long
    names (51011) and malformed bodies (70402)."""
    for name in ("work", "home"):
        three.call("createConversationGroup", {"groupName": name})
    three.fail(cmd, body, code)
    assert three.call("getConversationGroupList", {})["groupList"] == ["work", "home"]


def test_deleting_a_conversation_drops_its_pin_draft_marks_and_groups(three):
    """A deleted conversation loses its pin, draft, marks and group memberships; when it comes
    back it starts clean."""
    three.call("pinConversation", {"conversationID": "c2c_bob", "isPinned": True})
    three.call("setConversationDraft", {"conversationID": "c2c_bob", "draftText": "d"})
    three.call("markConversation", {"conversationIDList": ["c2c_bob"], "markType": STAR,
                                    "enableMark": True})
    three.call("createConversationGroup", {"groupName": "work",
                                           "conversationIDList": ["c2c_bob"]})
    three.call("deleteConversation", {"conversationID": "c2c_bob"})
    send(three, "bob", "back")
    conv = conversation(three, "c2c_bob")
    assert (conv["isPinned"], conv["draftText"], conv["markList"],
            conv["conversationGroupList"]) == (False, None, [], [])


# ---- filters ------------------------------------------------------------------------------------

@pytest.fixture
def varied(three, users):
    """alice's conversations: bob (marked STAR, in group work), carol (unread 1), dave (plain),
    group_g1 (a draft only)."""
    three.call("markConversation", {"conversationIDList": ["c2c_bob"], "markType": STAR,
                                    "enableMark": True})
    three.call("createConversationGroup", {"groupName": "work",
                                           "conversationIDList": ["c2c_bob"]})
    rest_send(users, "carol", "alice", "unread")
    member_of_g1(users)
    three.call("setConversationDraft", {"conversationID": "group_g1", "draftText": "x"})
    return three


def by_filter(client, **filter_):
    body = client.call("getConversationListByFilter", {"filter": filter_, "nextSeq": 0,
                                                       "count": 100})
    return sorted(c["conversationID"] for c in body["conversationList"])


@pytest.mark.parametrize("filter_, expected", [
    ({}, ["c2c_bob", "c2c_carol", "c2c_dave", "group_g1"]),
    ({"type": 1}, ["c2c_bob", "c2c_carol", "c2c_dave"]),
    ({"type": 2}, ["group_g1"]),
    ({"conversationGroup": "work"}, ["c2c_bob"]),
    ({"conversationGroup": ""}, ["c2c_carol", "c2c_dave", "group_g1"]),
    ({"conversationGroup": "nope"}, []),
    ({"markType": STAR}, ["c2c_bob"]),
    ({"markType": FOLD}, []),
    ({"hasUnreadCount": True}, ["c2c_carol"]),
    ({"type": 1, "markType": STAR, "conversationGroup": "work"}, ["c2c_bob"]),
])
def test_filters(varied, filter_, expected):
    """getConversationListByFilter selects by type, conversation group ("" = in none), mark and
    unread, combined with AND."""
    assert by_filter(varied, **filter_) == expected


@pytest.mark.parametrize("filter_, expected", [
    ({}, 1), ({"type": 1}, 1), ({"type": 2}, 0), ({"conversationGroup": "work"}, 0),
    ({"conversationGroup": ""}, 1), ({"hasUnreadCount": True}, 1), ({"markType": STAR}, 0),
])
def test_unread_count_by_filter(varied, filter_, expected):
    """getUnreadMessageCountByFilter sums the unread counts of what the same filter lists."""
    got = varied.call("getUnreadMessageCountByFilter", {"filter": filter_})
    assert got == {"totalUnreadCount": expected}


def test_subscribe_unread_by_filter(varied, login, users):
    """subscribeUnreadMessageCountByFilter answers the count now; this session (not alice's
    other one) hears onUnreadMessageCountChangedByFilter when the filtered count moves, and
    nothing after unsubscribing."""
    work = {"conversationGroup": "work"}
    assert varied.call("subscribeUnreadMessageCountByFilter", {"filter": work}) == {
        "totalUnreadCount": 0}
    assert varied.call("subscribeUnreadMessageCountByFilter", {"filter": {"type": 1}}) == {
        "totalUnreadCount": 1}
    other = login("alice", platform="iPhone")
    rest_send(users, "bob", "alice", "in work")
    got = varied.wait_event("onUnreadMessageCountChangedByFilter",
                            where=lambda b: b["filter"] == work)
    assert got == {"filter": work, "totalUnreadCount": 1}
    assert varied.wait_event("onUnreadMessageCountChangedByFilter",
                             where=lambda b: b["filter"] == {"type": 1})["totalUnreadCount"] == 2
    # A message outside the work group leaves the work count alone.
    rest_send(users, "carol", "alice", "not in work")
    assert varied.wait_event("onUnreadMessageCountChangedByFilter")["totalUnreadCount"] == 3
    varied.barrier()
    assert varied.take_events("onUnreadMessageCountChangedByFilter") == []
    # Reading the work conversation; then moving carol's into the group.
    varied.call("markC2CMessageAsRead", {"userID": "bob"})
    assert varied.wait_event("onUnreadMessageCountChangedByFilter",
                             where=lambda b: b["filter"] == work)["totalUnreadCount"] == 0
    varied.call("addConversationsToGroup", {"groupName": "work",
                                            "conversationIDList": ["c2c_carol"]})
    assert varied.wait_event("onUnreadMessageCountChangedByFilter",
                             where=lambda b: b["filter"] == work)["totalUnreadCount"] == 2
    other.barrier()
    assert other.take_events("onUnreadMessageCountChangedByFilter") == []

    assert varied.call("unsubscribeUnreadMessageCountByFilter", {"filter": work}) == {}
    varied.take_events("onUnreadMessageCountChangedByFilter")
    rest_send(users, "bob", "alice", "after")
    varied.wait_event("onUnreadMessageCountChangedByFilter",
                      where=lambda b: b["filter"] == {"type": 1})
    varied.barrier()
    assert varied.take_events("onUnreadMessageCountChangedByFilter") == []


def test_subscribe_unread_deleted_conversation(varied):
    """Deleting a conversation with unread messages moves the count too."""
    varied.call("subscribeUnreadMessageCountByFilter", {"filter": {}})
    varied.call("deleteConversation", {"conversationID": "c2c_carol"})
    assert varied.wait_event("onUnreadMessageCountChangedByFilter") == {
        "filter": {}, "totalUnreadCount": 0}


def test_subscribe_unread_limit_and_bad_input(three):
    for i in range(20):
        three.call("subscribeUnreadMessageCountByFilter", {"filter": {"markType": 1 << i}})
    # The same filter again only refreshes it; a 21st is too many.
    three.call("subscribeUnreadMessageCountByFilter", {"filter": {"markType": 1}})
    three.fail("subscribeUnreadMessageCountByFilter", {"filter": {"type": 2}}, BAD)
    three.call("unsubscribeUnreadMessageCountByFilter", {"filter": {"markType": 1}})
    three.call("subscribeUnreadMessageCountByFilter", {"filter": {"type": 2}})
    for bad in ({"type": 3}, [], "x", {"conversationGroup": 5}):
        three.fail("subscribeUnreadMessageCountByFilter", {"filter": bad}, BAD)
        three.fail("unsubscribeUnreadMessageCountByFilter", {"filter": bad}, BAD)


def test_unread_count_by_filter_bad_input(three):
    three.fail("getUnreadMessageCountByFilter", {"filter": {"type": 3}}, BAD)
    three.fail("getUnreadMessageCountByFilter", {"filter": []}, BAD)


@pytest.mark.parametrize("body", [
    {"filter": []}, {"filter": {"type": 3}}, {"filter": {"type": "1"}},
    {"filter": {"markType": "x"}}, {"filter": {"markType": -1}},
    {"filter": {"conversationGroup": 5}}, {"filter": {}, "count": 0},
])
def test_filters_refuse_bad_input(three, body):
    """A malformed filter: 70402."""
    three.fail("getConversationListByFilter", body, BAD)


# ---- every other bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("cmd, body", [
    ("getConversation", {}),
    ("getConversation", {"conversationID": 5}),
    ("getConversation", {"conversationID": "x_bob"}),
    ("getConversationListByConversationIDs", {}),
    ("getConversationListByConversationIDs", {"conversationIDList": []}),
    ("getConversationListByConversationIDs", {"conversationIDList": ["bob"]}),
    ("pinConversation", {"conversationID": "c2c_bob"}),
    ("pinConversation", {"conversationID": "c2c_bob", "isPinned": 1}),
    ("pinConversation", {"isPinned": True}),
    ("pinConversation", {"conversationID": "c2c_", "isPinned": True}),
    ("setConversationDraft", {"conversationID": "c2c_bob", "draftText": 5}),
    ("setConversationDraft", {"conversationID": "c2c_bob", "draftText": "x" * 10001}),
    ("setConversationDraft", {"draftText": "x"}),
    ("cleanConversationUnreadMessageCount", {"conversationID": "bob"}),
    ("cleanConversationUnreadMessageCount", {"conversationID": "c2c_bob", "cleanSequence": -1}),
    ("cleanConversationUnreadMessageCount", {"conversationID": 5}),
])
def test_conversation_commands_refuse_bad_input(three, cmd, body):
    """Malformed conversation commands: 70402, nothing changes."""
    before = conv_list(three)
    three.fail(cmd, body, BAD)
    assert conv_list(three) == before


def test_get_conversation_list_by_ids_takes_at_most_100(three):
    """More than 100 conversationIDs: 51006."""
    three.fail("getConversationListByConversationIDs",
               {"conversationIDList": [f"c2c_u{i}" for i in range(101)]}, TOO_MANY)
