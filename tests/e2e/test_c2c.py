"""One-to-one messages over WebSocket: delivery to every device, acknowledgement after commit,
per-conversation seq, history and sync for offline users, resend dedup, read receipts,
online-only messages and bad input (docs/protocol.md "Messages", "Commands", "Events").
REST is test_openim.py's; here only one crossing each way.
"""

import re
import time

import pytest

from ws_client import WsClient, close_all, import_users, text_body

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

USERS = ("alice", "bob", "carol")


@pytest.fixture
def users(rest):
    import_users(rest, *USERS)
    return USERS


@pytest.fixture
def login(chatd, users):
    """login(user, platform="Web") -> a logged-in WsClient (closed after the test)."""
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def send(client, to, text="hi", random=None, **fields):
    """sendMessage that must succeed; returns the response body."""
    body = {"receiver": to, "msgBody": text_body(text), **fields}
    if random is not None:
        body["random"] = random
    return client.call("sendMessage", body)


def history(client, peer, **fields):
    return client.call("getHistoryMessageList",
                       {"conversationID": f"c2c_{peer}", **fields})["messageList"]


def seqs(messages):
    return [m["seq"] for m in messages]


def stored_rows(pg):
    """(sender, receiver, seq, random) of every stored message."""
    return pg.sql("SELECT sender, receiver, seq, random FROM messages ORDER BY conv_key, seq")


# ---- delivery ----------------------------------------------------------------------------------

def test_delivery_to_receiver_and_senders_other_sessions(login):
    """A message reaches every session of the receiver and the sender's other sessions, each
    seen from that user's side; the sending session gets no push."""
    alice_web, alice_phone = login("alice", "Web"), login("alice", "Android")
    bob_phone, bob_pc = login("bob", "iPhone"), login("bob", "Windows")
    sent = send(alice_web, "bob", "hello", cloudCustomData="cc")
    for device in (bob_phone, bob_pc):
        m = device.wait_event("onRecvNewMessage")["message"]
        assert (m["msgID"], m["sender"], m["userID"], m["conversationID"], m["isSelf"]) == \
            (sent["msgID"], "alice", "alice", "c2c_alice", False)
        assert m["msgBody"] == text_body("hello") and m["cloudCustomData"] == "cc"
    m = alice_phone.wait_event("onRecvNewMessage")["message"]
    assert (m["msgID"], m["userID"], m["conversationID"], m["isSelf"]) == \
        (sent["msgID"], "bob", "c2c_bob", True)
    alice_web.barrier()
    assert alice_web.messages() == []


def test_three_users_several_devices(login):
    """Among three users with two devices each, every device gets exactly the messages of its
    user's conversations (received, or sent from the other device) and nothing else."""
    devices = {(u, p): login(u, p) for u in USERS for p in ("Android", "Mac")}
    sends = [("alice", "Android", "bob"), ("bob", "Mac", "carol"), ("carol", "Android", "alice"),
             ("alice", "Mac", "carol")]
    sent = {}  # msgID -> (sender, sending platform, receiver)
    for sender, platform, receiver in sends:
        sent[send(devices[sender, platform], receiver)["msgID"]] = (sender, platform, receiver)
    for (user, platform), client in devices.items():
        client.barrier()
        want = {mid for mid, (s, p, r) in sent.items()
                if r == user or (s == user and p != platform)}
        assert {m["msgID"] for m in client.messages()} == want, (user, platform)


def test_response_carries_msgid_key_seq_timestamp(login):
    """The sendMessage response has msgID, msgKey "<seq>_<random>_<timestamp>", seq, timestamp
    and random, the same values as the receiver's push."""
    alice, bob = login("alice"), login("bob")
    before = int(time.time())
    sent = send(alice, "bob", random=4242)
    assert re.fullmatch(r"[0-9a-f]{32}", sent["msgID"]), sent
    assert sent["seq"] == 1 and sent["random"] == 4242
    # time(2) reads the coarse clock, up to a tick behind Python's: allow one second
    assert before - 1 <= sent["timestamp"] <= time.time() + 1
    assert sent["msgKey"] == f"{sent['seq']}_{sent['random']}_{sent['timestamp']}"
    m = bob.wait_event("onRecvNewMessage")["message"]
    assert {k: m[k] for k in sent} == sent


def test_response_only_after_commit(login, pg):
    """When the response arrives the message is already committed: another connection to
    PostgreSQL sees it."""
    alice = login("alice")
    sent = send(alice, "bob", random=7)
    assert pg.sql("SELECT msg_id, seq FROM messages WHERE random = 7") == [(sent["msgID"], 1)]


def test_random_chosen_when_absent(login):
    """Without random, chatd picks one and reports it."""
    sent = send(login("alice"), "bob")
    assert isinstance(sent["random"], int) and 0 <= sent["random"] < 1 << 32


def test_chosen_random_not_repeated_after_restart(chatd_factory):
    """A message sent without random after a restart is a new message, not a 'resend' of the
    same text sent before the restart."""
    instance = chatd_factory()
    import_users(instance.rest(), "alice", "bob")
    first = send(WsClient.login_as(instance.url, "alice"), "bob", "ok")
    assert instance.stop() == 0
    close_all()
    instance.start()
    second = send(WsClient.login_as(instance.url, "alice"), "bob", "ok")
    assert (second["seq"], second["random"]) != (first["seq"], first["random"])
    assert second["seq"] == 2


def test_receiver_as_user_id(login):
    """The receiver may be named `userID` instead of `receiver`."""
    alice, bob = login("alice"), login("bob")
    sent = alice.call("sendMessage", {"userID": "bob", "msgBody": text_body("x")})
    assert bob.wait_event("onRecvNewMessage")["message"]["msgID"] == sent["msgID"]


# ---- seq ---------------------------------------------------------------------------------------

def test_seq_per_conversation(login):
    """Each conversation numbers its messages 1, 2, 3, … whoever sends, independently of the
    others."""
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    got = [send(alice, "bob")["seq"], send(bob, "alice")["seq"], send(alice, "carol")["seq"],
           send(alice, "bob")["seq"], send(carol, "alice")["seq"], send(carol, "bob")["seq"],
           send(bob, "alice")["seq"]]
    assert got == [1, 2, 1, 3, 2, 1, 4]


def test_seq_gapless_under_pipelined_sends(login, pg):
    """Sends pipelined from several sessions into one conversation get seqs 1..n exactly once."""
    senders = [login("alice", p) for p in ("Web", "Android", "iPhone")] + [login("bob")]
    pending = [(c, c.send("sendMessage", {"receiver": "bob" if c.user == "alice" else "alice",
                                          "msgBody": text_body(f"m{i}"), "random": i * 10 + k}))
               for i in range(30) for k, c in enumerate(senders)]
    got = sorted(c.response(s)["body"]["seq"] for c, s in pending)
    assert got == list(range(1, 121))
    assert pg.sql("SELECT last_seq FROM conversations") == [(120,)]


# ---- offline receivers: history and sync -------------------------------------------------------

def test_offline_receiver_finds_messages_in_history(login):
    """Messages sent while the receiver was offline are in its history after login, newest
    first, from its side."""
    alice = login("alice")
    sent = [send(alice, "bob", f"m{i}") for i in range(3)]
    bob = login("bob")
    got = history(bob, "alice")
    assert [m["msgID"] for m in got] == [s["msgID"] for s in reversed(sent)]
    assert [m["msgBody"] for m in got] == [text_body(f"m{i}") for i in (2, 1, 0)]
    assert all(m["userID"] == "alice" and not m["isSelf"] for m in got)
    bob.barrier()
    assert bob.messages() == []  # nothing is pushed at login


def test_offline_receiver_syncs_missed_messages(login):
    """syncMessages from no position returns every missed message in seq order, finished."""
    alice, carol = login("alice"), login("carol")
    a = [send(alice, "bob", f"a{i}")["msgID"] for i in range(3)]
    c = [send(carol, "bob", f"c{i}")["msgID"] for i in range(2)]
    bob = login("bob")
    result = bob.call("syncMessages", {})
    assert result["isFinished"] is True
    by_conv = {}
    for m in result["messageList"]:
        by_conv.setdefault(m["conversationID"], []).append(m)
    assert [m["msgID"] for m in by_conv["c2c_alice"]] == a
    assert [m["msgID"] for m in by_conv["c2c_carol"]] == c
    assert seqs(by_conv["c2c_alice"]) == [1, 2, 3]


def test_sync_from_positions(login):
    """syncMessages returns only messages after the positions the client gives."""
    alice = login("alice")
    for i in range(4):
        send(alice, "bob", f"m{i}")
    bob = login("bob")
    result = bob.call("syncMessages", {"positions": {"c2c_alice": 2}})
    assert seqs(result["messageList"]) == [3, 4]
    assert bob.call("syncMessages", {"positions": {"c2c_alice": 4}})["messageList"] == []


def test_sync_pages_without_gaps_or_duplicates(login):
    """Paging syncMessages with a small count and the returned positions yields every message
    once, in order, and isFinished only at the end."""
    alice, carol = login("alice"), login("carol")
    want = {"c2c_alice": [send(alice, "bob", f"a{i}")["msgID"] for i in range(5)],
            "c2c_carol": [send(carol, "bob", f"c{i}")["msgID"] for i in range(3)]}
    bob = login("bob")
    positions, got = {}, {}
    for _ in range(10):
        result = bob.call("syncMessages", {"positions": positions, "count": 3})
        for m in result["messageList"]:
            got.setdefault(m["conversationID"], []).append(m["msgID"])
            positions[m["conversationID"]] = m["seq"]
        if result["isFinished"]:
            break
    assert got == want


def test_offline_device_syncs_what_online_device_got(login):
    """A user's device that was offline gets, by sync, what the online device got pushed."""
    bob_phone, alice = login("bob", "iPhone"), login("alice")
    sent = [send(alice, "bob", f"m{i}")["msgID"] for i in range(3)]
    assert [bob_phone.wait_event("onRecvNewMessage")["message"]["msgID"]
            for _ in sent] == sent
    bob_pad = login("bob", "iPad")
    assert [m["msgID"] for m in bob_pad.call("syncMessages", {})["messageList"]] == sent


def test_sync_reports_peer_reads(login):
    """syncMessages reports the peer's read position of conversations the client names, so a
    sender that was offline learns what was read."""
    alice = login("alice")
    for i in range(3):
        send(alice, "bob", f"m{i}")
    alice.close()
    bob = login("bob")
    bob.call("markC2CMessageAsRead", {"userID": "alice"})
    alice = login("alice")
    result = alice.call("syncMessages", {"positions": {"c2c_bob": 3}})
    assert [(r["conversationID"], r["userID"], r["peerReadSeq"])
            for r in result["readReceipts"]] == [("c2c_bob", "bob", 3)]


# ---- idempotent resends ------------------------------------------------------------------------

def test_resend_same_random_and_body_dedup(login, pg):
    """Resending the same random and body returns the first msgID/seq/timestamp; the receiver
    and the sender's other session get one push; history holds it once."""
    alice, alice_pc, bob = login("alice"), login("alice", "Windows"), login("bob")
    first = send(alice, "bob", "once", random=99)
    again = send(alice, "bob", "once", random=99)
    assert again == first
    for client in (bob, alice_pc):
        client.barrier()
        assert [m["msgID"] for m in client.messages()] == [first["msgID"]]
    assert seqs(history(bob, "alice")) == [1]
    assert len(stored_rows(pg)) == 1


@pytest.mark.chatd_config(msg_dedup_window_s=1)
def test_resend_after_dedup_window_is_new(login):
    """Past msg_dedup_window_s the same random and body make a new message; within it, the
    original comes back."""
    alice = login("alice")
    first = send(alice, "bob", "again", random=3)
    started = time.monotonic()
    while (again := send(alice, "bob", "again", random=3)) == first:
        assert time.monotonic() - started < 5, "still deduplicated 5 s later"
        time.sleep(0.05)
    assert again["seq"] == 2
    assert time.monotonic() - started >= 0.5


def test_resend_after_reconnect_dedup(login):
    """A resend from a new connection (the client reconnected) is deduplicated too."""
    alice = login("alice")
    first = send(alice, "bob", "once", random=5)
    alice.close()
    assert send(login("alice", "Android"), "bob", "once", random=5) == first


@pytest.mark.parametrize("change", [
    pytest.param({"text": "other body"}, id="other-body"),
    pytest.param({"random": 100}, id="other-random"),
    pytest.param({"cloudCustomData": "x"}, id="other-cloudCustomData"),
])
def test_resend_with_a_difference_is_new(login, change):
    """Same random with another body (or another random, or other cloudCustomData) is a new
    message with the next seq."""
    alice = login("alice")
    first = send(alice, "bob", "body", random=99)
    second = send(alice, "bob", **{"text": "body", "random": 99, **change})
    assert second["msgID"] != first["msgID"] and second["seq"] == 2


def test_same_random_from_the_other_user_is_new(login):
    """The same random and body from the other participant is that user's own message."""
    alice, bob = login("alice"), login("bob")
    first = send(alice, "bob", "hi", random=1)
    assert send(bob, "alice", "hi", random=1)["seq"] == first["seq"] + 1


def test_concurrent_identical_sends_stored_once(login, pg):
    """The same send pipelined ten times (one commit batch) is stored once and every response
    carries the same msgID."""
    alice = login("alice")
    body = {"receiver": "bob", "msgBody": text_body("burst"), "random": 77}
    answers = [alice.response(s)["body"] for s in [alice.send("sendMessage", body)
                                                   for _ in range(10)]]
    assert len({a["msgID"] for a in answers}) == 1
    assert len(stored_rows(pg)) == 1


# ---- history paging ----------------------------------------------------------------------------

# (fields of getHistoryMessageList, expected seqs) over a conversation of 5 messages
HISTORY_PAGES = [
    pytest.param({}, [5, 4, 3, 2, 1], id="default"),
    pytest.param({"count": 1}, [5], id="count-1"),
    pytest.param({"count": 2, "lastMsgSeq": 5}, [4, 3], id="before-5"),
    pytest.param({"count": 2, "lastMsgSeq": 3}, [2, 1], id="before-3"),
    pytest.param({"count": 5, "lastMsgSeq": 2}, [1], id="last-page-short"),
    pytest.param({"count": 5, "lastMsgSeq": 1}, [], id="before-the-first"),
    pytest.param({"count": 3, "lastMsgSeq": 1000}, [5, 4, 3], id="after-the-newest"),
    pytest.param({"count": 100, "lastMsgSeq": 0}, [5, 4, 3, 2, 1], id="count-100-from-newest"),
]


@pytest.mark.parametrize("fields, expected", HISTORY_PAGES)
def test_history_page(login, fields, expected):
    """getHistoryMessageList pages newest first, lastMsgSeq being an exclusive upper bound."""
    alice = login("alice")
    for i in range(5):
        send(alice, "bob", f"m{i}")
    assert seqs(history(alice, "bob", **fields)) == expected


def test_history_pages_concatenate(login):
    """Walking the history with count 2 and lastMsgSeq = oldest seen gives every message once."""
    alice = login("alice")
    for i in range(7):
        send(alice, "bob", f"m{i}")
    got, last = [], 0
    while True:
        page = history(alice, "bob", count=2, lastMsgSeq=last)
        if not page:
            break
        got += seqs(page)
        last = page[-1]["seq"]
    assert got == [7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize("peer", ["bob", "nobody"])
def test_history_of_empty_conversation(login, peer):
    """A conversation without messages (or with someone who does not exist) has no history."""
    assert history(login("alice"), peer) == []


def test_history_is_private_to_participants(login):
    """A third user asking for c2c_<sender> sees only its own conversation, never theirs."""
    alice, carol = login("alice"), login("carol")
    send(alice, "bob", "secret")
    assert history(carol, "alice") == []
    assert history(carol, "bob") == []


BAD_HISTORY = [
    pytest.param({"conversationID": "c2c_bob", "count": 0}, id="count-0"),
    pytest.param({"conversationID": "c2c_bob", "count": 101}, id="count-101"),
    pytest.param({"conversationID": "c2c_bob", "lastMsgSeq": -1}, id="lastMsgSeq-negative"),
    pytest.param({"conversationID": "bob"}, id="no-prefix"),
    pytest.param({"conversationID": "c2c_"}, id="empty-peer"),
    pytest.param({}, id="missing"),
]


@pytest.mark.parametrize("body", BAD_HISTORY)
def test_history_bad_request_70402(login, body):
    """getHistoryMessageList with a bad count, lastMsgSeq or conversationID gets 70402."""
    login("alice").fail("getHistoryMessageList", body, 70402)


# ---- findMessages ------------------------------------------------------------------------------

def test_find_own_and_received_messages(login):
    """findMessages returns the caller's sent and received messages by msgID, skipping unknown
    IDs."""
    alice, bob = login("alice"), login("bob")
    mine = send(alice, "bob", "from alice")["msgID"]
    theirs = send(bob, "alice", "from bob")["msgID"]
    found = alice.call("findMessages", {"msgIDs": [theirs, "0" * 32, mine]})["messageList"]
    assert sorted((m["msgID"], m["isSelf"]) for m in found) == sorted([(mine, True),
                                                                       (theirs, False)])


def test_find_others_messages_refused(login):
    """A user cannot find a message of a conversation it is not part of."""
    alice, carol = login("alice"), login("carol")
    mid = send(alice, "bob")["msgID"]
    assert carol.call("findMessages", {"msgIDs": [mid]})["messageList"] == []


@pytest.mark.parametrize("ids", [[], ["x"] * 101, "abc", [5]],
                         ids=["empty", "101", "string", "number"])
def test_find_bad_ids_70402(login, ids):
    """findMessages needs 1 to 100 string msgIDs (70402 otherwise)."""
    login("alice").fail("findMessages", {"msgIDs": ids}, 70402)


# ---- read receipts -----------------------------------------------------------------------------

def test_mark_read_notifies_peer_and_sets_is_peer_read(login):
    """markC2CMessageAsRead answers the read seq, pushes onRecvC2CReadReceipt to the peer's
    sessions and makes isPeerRead true in the sender's history, for the read messages only."""
    alice, alice_pc, bob = login("alice"), login("alice", "Mac"), login("bob")
    for i in range(3):
        send(alice, "bob", f"m{i}")
    assert [m["isPeerRead"] for m in history(alice, "bob")] == [False] * 3
    assert bob.call("markC2CMessageAsRead", {"userID": "alice"}) == {"readSeq": 3}
    for client in (alice, alice_pc):
        (receipt,) = client.wait_event("onRecvC2CReadReceipt")["receiptList"]
        assert (receipt["userID"], receipt["msgSeq"]) == ("bob", 3)
        assert abs(receipt["timestamp"] - time.time()) < 5
    send(alice, "bob", "unread")
    assert [m["isPeerRead"] for m in history(alice, "bob")] == [False, True, True, True]


def test_mark_read_by_conversation_id(login):
    """markC2CMessageAsRead accepts conversationID instead of userID."""
    alice, bob = login("alice"), login("bob")
    send(alice, "bob")
    assert bob.call("markC2CMessageAsRead", {"conversationID": "c2c_alice"}) == {"readSeq": 1}
    assert alice.wait_event("onRecvC2CReadReceipt")["receiptList"][0]["msgSeq"] == 1


def test_message_read_receipts(login):
    """For a needReadReceipt message, sendMessageReadReceipts by the receiver pushes
    onRecvMessageReadReceipts to the sender, and getMessageReadReceipts reports it read."""
    alice, bob = login("alice"), login("bob")
    mid = send(alice, "bob", "ack me", needReadReceipt=True)["msgID"]
    assert bob.wait_event("onRecvNewMessage")["message"]["needReadReceipt"] is True
    (before,) = alice.call("getMessageReadReceipts", {"msgIDs": [mid]})["receiptList"]
    assert (before["msgID"], before["conversationID"], before["isPeerRead"], before["readCount"],
            before["unreadCount"]) == (mid, "c2c_bob", False, 0, 1)
    bob.call("sendMessageReadReceipts", {"msgIDs": [mid]})
    (r,) = alice.wait_event("onRecvMessageReadReceipts")["receiptList"]
    assert (r["msgID"], r["userID"], r["conversationID"], r["isPeerRead"], r["readCount"],
            r["unreadCount"]) == (mid, "bob", "c2c_bob", True, 1, 0)
    (after,) = alice.call("getMessageReadReceipts", {"msgIDs": [mid]})["receiptList"]
    assert (after["isPeerRead"], after["readCount"], after["unreadCount"]) == (True, 1, 0)


def test_rest_c2c_msg_read_receipt(login, rest):
    """REST openim/c2c_msg_read_receipt acknowledges by MsgKey for the reader: the same push and
    counts as sendMessageReadReceipts; bad items change nothing."""
    from expect import call_fail, call_ok
    alice = login("alice")
    sent = send(alice, "bob", "ack me", needReadReceipt=True)
    item = {"From_Account": "alice", "To_Account": "bob", "MsgKey": sent["msgKey"]}
    body = {"Operator_Account": "bob", "Peer_Account": "alice", "C2CMsgInfo": [item]}
    call_fail(rest, "openim/c2c_msg_read_receipt", {**body, "C2CMsgInfo": [
        {**item, "From_Account": "carol"}]}, 90010)
    call_fail(rest, "openim/c2c_msg_read_receipt", {**body, "C2CMsgInfo": [
        {**item, "MsgKey": "nope"}]}, 90054)
    call_fail(rest, "openim/c2c_msg_read_receipt", {**body, "C2CMsgInfo": []}, 90010)
    call_fail(rest, "openim/c2c_msg_read_receipt", {"Peer_Account": "alice",
                                                    "C2CMsgInfo": [item]}, 90010)
    (before,) = alice.call("getMessageReadReceipts", {"msgIDs": [sent["msgID"]]})["receiptList"]
    assert before["readCount"] == 0
    call_ok(rest, "openim/c2c_msg_read_receipt", body)
    (r,) = alice.wait_event("onRecvMessageReadReceipts")["receiptList"]
    assert (r["msgID"], r["userID"], r["isPeerRead"]) == (sent["msgID"], "bob", True)
    seq, random, ts = sent["msgKey"].split("_")
    call_ok(rest, "openim/c2c_msg_read_receipt", {**body, "C2CMsgInfo": [
        {**item, "MsgKey": f"{seq}_{int(random) + 1}_{ts}"}]})  # another message: nothing


def test_read_receipt_ignored_without_need_read_receipt(login):
    """sendMessageReadReceipts for a message sent without needReadReceipt notifies nobody."""
    alice, bob = login("alice"), login("bob")
    mid = send(alice, "bob")["msgID"]
    bob.call("sendMessageReadReceipts", {"msgIDs": [mid]})
    alice.barrier()
    assert alice.take_events("onRecvMessageReadReceipts") == []


def test_read_receipt_only_from_the_receiver(login):
    """A user cannot acknowledge a message it did not receive (its own, or someone else's)."""
    alice, carol = login("alice"), login("carol")
    mid = send(alice, "bob", needReadReceipt=True)["msgID"]
    carol.call("sendMessageReadReceipts", {"msgIDs": [mid]})
    alice.call("sendMessageReadReceipts", {"msgIDs": [mid]})
    alice.barrier()
    assert alice.take_events("onRecvMessageReadReceipts") == []
    (r,) = alice.call("getMessageReadReceipts", {"msgIDs": [mid]})["receiptList"]
    assert r["isPeerRead"] is False


# ---- online-only messages ----------------------------------------------------------------------

def test_online_only_delivered_not_stored(login, pg):
    """An onlineUserOnly message reaches the online receiver, answers seq 0 and is stored
    nowhere: no history, no seq consumed."""
    alice, bob = login("alice"), login("bob")
    sent = send(alice, "bob", "typing…", onlineUserOnly=True)
    assert sent["seq"] == 0
    m = bob.wait_event("onRecvNewMessage")["message"]
    assert m["msgID"] == sent["msgID"] and m["onlineUserOnly"] is True
    assert history(bob, "alice") == [] and history(alice, "bob") == []
    assert stored_rows(pg) == []
    assert send(alice, "bob", "real")["seq"] == 1


def test_online_only_to_offline_user_is_dropped(login):
    """An onlineUserOnly message to an offline user succeeds and is gone: not in its history or
    sync after login."""
    alice = login("alice")
    assert send(alice, "bob", "typing…", onlineUserOnly=True)["seq"] == 0
    bob = login("bob")
    assert history(bob, "alice") == []
    assert bob.call("syncMessages", {})["messageList"] == []


# ---- refusals ----------------------------------------------------------------------------------

def test_send_to_unknown_user_20003(login, pg):
    """Sending to a user who does not exist gets 20003 and stores nothing."""
    login("alice").fail("sendMessage", {"receiver": "nobody", "msgBody": text_body("x")}, 20003)
    assert stored_rows(pg) == []


def test_online_only_to_unknown_user_20003(login):
    """Online-only messages to a user who does not exist get 20003 too."""
    login("alice").fail("sendMessage", {"receiver": "nobody", "msgBody": text_body("x"),
                                        "onlineUserOnly": True}, 20003)


def test_globally_muted_sender_20012(login, rest, pg):
    """A sender under global one-to-one mute (setnospeaking) gets 20012 and stores nothing."""
    answer = rest.call("openconfigsvr/setnospeaking",
                       {"Set_Account": "alice", "C2CmsgNospeakingTime": 3600})
    assert answer["ErrorCode"] == 0, answer
    login("alice").fail("sendMessage", {"receiver": "bob", "msgBody": text_body("x")}, 20012)
    assert stored_rows(pg) == []


BAD_BODIES = [
    pytest.param(None, id="missing"),
    pytest.param([], id="empty"),
    pytest.param({"MsgType": "TIMTextElem"}, id="object"),
    pytest.param("hi", id="string"),
    pytest.param([{"MsgContent": {"Text": "x"}}], id="no-MsgType"),
    pytest.param([{"MsgType": "TIMNoSuchElem", "MsgContent": {}}], id="unknown-MsgType"),
    pytest.param([{"MsgType": "TIMTextElem"}], id="no-MsgContent"),
    pytest.param([{"MsgType": "TIMTextElem", "MsgContent": {}}], id="text-without-Text"),
    pytest.param([{"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}], id="Text-number"),
    pytest.param([{"MsgType": "TIMFaceElem", "MsgContent": {"Index": "1"}}], id="Index-string"),
]


@pytest.mark.parametrize("msg_body", BAD_BODIES)
def test_bad_msg_body_90002(login, pg, msg_body):
    """A msgBody that is not a well-formed element array gets 90002; nothing is stored."""
    body = {"receiver": "bob"}
    if msg_body is not None:
        body["msgBody"] = msg_body
    login("alice").fail("sendMessage", body, 90002)
    assert stored_rows(pg) == []


def oversized_text(total):
    """A text body whose compact JSON is exactly `total` bytes."""
    import json
    base = len(json.dumps(text_body(""), separators=(",", ":")))
    return "x" * (total - base)


@pytest.mark.parametrize("size, code", [(12288, 0), (12289, 80002)])
def test_msg_body_size_limit(login, size, code):
    """A msgBody of 12 KB (12288 bytes of compact JSON) is accepted; one byte more gets 80002."""
    alice = login("alice")
    frame = alice.request("sendMessage", {"receiver": "bob", "msgBody": text_body(
        oversized_text(size))})
    assert frame["code"] == code, frame


def test_msg_body_plus_cloud_custom_data_over_limit_80002(login, pg):
    """msgBody and cloudCustomData together over 12 KB get 80002, as in openim/sendmsg."""
    alice = login("alice")
    alice.fail("sendMessage", {"receiver": "bob", "msgBody": text_body("x" * 7000),
                               "cloudCustomData": "y" * 7000}, 80002)
    assert stored_rows(pg) == []


# ---- REST and WebSocket: one message model -----------------------------------------------------

def test_rest_sendmsg_lands_on_socket(login, rest):
    """An admin openim/sendmsg is pushed to the receiver's socket with the REST answer's ids."""
    bob = login("bob")
    answer = rest.call("openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                          "MsgRandom": 31, "MsgBody": text_body("from REST")})
    assert answer["ErrorCode"] == 0, answer
    m = bob.wait_event("onRecvNewMessage")["message"]
    assert (m["sender"], m["msgBody"], m["random"], m["seq"], m["msgID"]) == \
        ("alice", text_body("from REST"), 31, answer["MsgSeq"], answer["MsgId"])


def test_socket_message_in_admin_getroammsg(login, rest):
    """A message sent over WebSocket is in openim/admin_getroammsg with the same seq and key."""
    sent = send(login("alice"), "bob", "from WS", random=8)
    answer = rest.call("openim/admin_getroammsg", {
        "Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10, "MinTime": 0,
        "MaxTime": 4294967295})
    assert answer["ErrorCode"] == 0, answer
    (m,) = answer["MsgList"]
    assert (m["From_Account"], m["To_Account"], m["MsgSeq"], m["MsgRandom"], m["MsgKey"],
            m["MsgBody"]) == ("alice", "bob", sent["seq"], 8, sent["msgKey"], text_body("from WS"))
