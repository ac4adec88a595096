"""Webhooks (docs/webhooks.md): Tencent's callback protocol against a real HTTP receiver.

The receiver is an http.server thread on 127.0.0.1 that records every callback (query and body)
and answers as the test says. Covered: query parameters and Sign, before-callbacks (allow,
refuse, drop, rewrite, custom code, timeout and receiver down under both policies, the switches
that skip them), after-callbacks (C2C.CallbackAfterSendMsg from WebSocket and REST,
Profile.CallbackPortraitSet, State.StateChange), durability (receiver down then up, SIGKILL,
FAIL and 500 answers, max age and dead events), HTTPS with a private CA, and that a slow receiver
does not slow message delivery.
"""

import json
import shutil
import subprocess
import threading
import time

import pytest
import requests

from expect import call_fail, call_ok
from util import OK, Receiver, check_query, hook_config, outbox_drained, wait_until
from ws_client import text_body

SEND = "openim/sendmsg"
AFTER_SEND = "C2C.CallbackAfterSendMsg"
BEFORE_SEND = "C2C.CallbackBeforeSendMsg"
STATE = "State.StateChange"


def send(rest, sender, to, text="hi", random=1, **fields):
    body = {"From_Account": sender, "To_Account": to, "MsgRandom": random,
            "MsgBody": text_body(text), **fields}
    return rest.call(SEND, body)


def stored_texts(pg):
    return [r[0] for r in pg.sql("SELECT body->0->'MsgContent'->>'Text' FROM messages ORDER BY ts, seq")]


# ---- after-send --------------------------------------------------------------------------------

def test_after_send_from_rest(hooked, receiver):
    """A REST sendmsg fires C2C.CallbackAfterSendMsg with Tencent's fields, OptPlatform RESTAPI,
    a valid Sign, EventTime and EventId."""
    chatd = hooked()
    answer = send(chatd.rest(), "alice", "bob", "hello", random=77,
                  CloudCustomData="ccd")
    assert answer["ErrorCode"] == 0, answer
    (call,) = receiver.wait(AFTER_SEND)
    check_query(call, AFTER_SEND, "RESTAPI")
    b = call["body"]
    assert b["From_Account"] == "alice" and b["To_Account"] == "bob"
    assert b["MsgSeq"] == answer["MsgSeq"] == 1
    assert b["MsgRandom"] == 77
    assert b["MsgTime"] == answer["MsgTime"]
    assert b["MsgKey"] == answer["MsgKey"] == f"1_77_{answer['MsgTime']}"
    assert b["MsgId"] == answer["MsgId"]
    assert b["MsgBody"] == text_body("hello")
    assert b["CloudCustomData"] == "ccd"
    assert b["OnlineOnlyFlag"] == 0
    assert b["SendMsgResult"] == 0 and b["ErrorInfo"] == "send msg succeed"
    assert b["UnreadMsgNum"] == 1
    assert abs(b["EventTime"] - time.time() * 1000) < 60000
    assert isinstance(b["EventId"], int) and b["EventId"] > 0
    assert list(b)[0] == "CallbackCommand"


def test_after_send_from_websocket(hooked, receiver, ws):
    """A WebSocket sendMessage fires the same callback, OptPlatform the sender's platform."""
    chatd = hooked()
    alice = ws(chatd, "alice", "Android")
    sent = alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("yo"), "random": 5})
    (call,) = receiver.wait(AFTER_SEND)
    check_query(call, AFTER_SEND, "Android")
    assert call["body"]["MsgId"] == sent["msgID"]
    assert call["body"]["MsgKey"] == sent["msgKey"]


def test_after_send_iphone_is_ios(hooked, receiver, ws):
    """An iPhone session's callbacks say OptPlatform iOS (State.StateChange says IOS)."""
    chatd = hooked()
    alice = ws(chatd, "alice", "iPhone")
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("x")})
    assert receiver.wait(AFTER_SEND)[0]["query"]["OptPlatform"] == "iOS"
    assert receiver.wait(STATE)[0]["query"]["OptPlatform"] == "IOS"


def test_unread_msg_num_counts_the_conversation(hooked, receiver):
    """UnreadMsgNum is the receiver's unread count in that conversation after the message."""
    chatd = hooked()
    for i in range(3):
        send(chatd.rest(), "alice", "bob", f"m{i}", random=i)
    calls = receiver.wait(AFTER_SEND, 3)
    assert [c["body"]["UnreadMsgNum"] for c in calls] == [1, 2, 3]


def test_switches_skip_the_after_send_callback(hooked, receiver, ws, pg):
    """ForbidAfterSendMsgCallback (REST) and disableCloudMessagePostHook (WebSocket) skip the
    after-send callback of that message only; importmsg fires none."""
    chatd = hooked()
    rest = chatd.rest()
    send(rest, "alice", "bob", "quiet", random=1, ForbidCallbackControl=["ForbidAfterSendMsgCallback"])
    alice = ws(chatd, "alice")
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("quiet too"),
                               "disableCloudMessagePostHook": True})
    call_ok(rest, "openim/importmsg", {"SyncFromOldSystem": 2, "From_Account": "alice",
                                       "To_Account": "bob", "MsgRandom": 9, "MsgTimeStamp": 1000,
                                       "MsgBody": text_body("old")})
    send(rest, "alice", "bob", "loud", random=2)
    calls = receiver.wait(AFTER_SEND, where=lambda c: c["body"]["MsgBody"] == text_body("loud"))
    outbox_drained(pg)  # "loud" came last, and every event recorded has been delivered
    assert [c["body"]["MsgBody"][0]["MsgContent"]["Text"] for c in receiver.of(AFTER_SEND)] == ["loud"]
    assert calls


def test_online_only_message_fires_after_send_with_flag(hooked, receiver, ws):
    """An online-only message (not stored) still fires the after-send callback, OnlineOnlyFlag 1."""
    chatd = hooked()
    send(chatd.rest(), "alice", "bob", "ephemeral", OnlineOnlyFlag=1)
    (call,) = receiver.wait(AFTER_SEND)
    assert call["body"]["OnlineOnlyFlag"] == 1
    assert call["body"]["MsgSeq"] == 0


def test_no_webhook_url_writes_no_events(chatd_factory, pg, receiver):
    """Without webhook_url nothing is recorded in the outbox."""
    chatd = chatd_factory()
    call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
    assert send(chatd.rest(), "alice", "bob")["ErrorCode"] == 0
    assert pg.sql("SELECT count(*) FROM webhook_outbox") == [(0,)]


def test_webhook_commands_limits_what_fires(hooked, receiver, ws, pg):
    """webhook_commands names the callbacks that fire; the others are not even recorded."""
    chatd = hooked(webhook_commands="C2C.CallbackAfterSendMsg")
    alice = ws(chatd, "alice")
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("x")})
    receiver.wait(AFTER_SEND)
    outbox_drained(pg)  # the login came first: a State.StateChange would be here by now
    assert receiver.of(STATE) == []
    assert pg.sql("SELECT count(*) FROM webhook_outbox WHERE command = %s", (STATE,)) == [(0,)]


@pytest.mark.parametrize("keys, named", [
    ({"webhook_url": "http://127.0.0.1:1/x", "webhook_commands": "C2C.CallbackAfterSendMsg, Nope"},
     "webhook_commands"),
    ({"webhook_url": "ftp://example.com/x"}, "webhook_url"),
    ({"webhook_url": "https://127.0.0.1:1/x", "webhook_ca_file": "/nonexistent/ca.pem"},
     "webhook_ca_file"),
])
def test_bad_webhook_config_stops_start_up(chatd_factory, keys, named):
    """An unknown command, a URL that is not http(s) or an unreadable CA file stops start-up,
    naming the key."""
    chatd = chatd_factory(start=False, **keys)
    assert chatd.run_to_exit() != 0
    assert f"'{named}'" in chatd.log()


def test_no_sign_without_token(hooked, receiver):
    """Without webhook_token the URL carries neither Sign nor RequestTime."""
    chatd = hooked(webhook_token="")
    send(chatd.rest(), "alice", "bob")
    check_query(receiver.wait(AFTER_SEND)[0], AFTER_SEND, "RESTAPI", token=None)


# ---- profile and state -------------------------------------------------------------------------

def test_portrait_set_fires_callback(hooked, receiver):
    """profile/portrait_set fires Profile.CallbackPortraitSet with the items set."""
    chatd = hooked()
    items = [{"Tag": "Tag_Profile_IM_Nick", "Value": "Alice"},
             {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Female"}]
    call_ok(chatd.rest(), "profile/portrait_set", {"From_Account": "alice", "ProfileItem": items})
    (call,) = receiver.wait("Profile.CallbackPortraitSet")
    check_query(call, "Profile.CallbackPortraitSet", "RESTAPI")
    b = call["body"]
    assert b["From_Account"] == "alice" and b["Operator_Account"] == "administrator"
    assert b["ProfileItem"] == items


def test_portrait_set_of_unknown_user_fires_nothing(hooked, receiver, pg):
    """A portrait_set that changes nothing (no such account) records no event."""
    chatd = hooked()
    chatd.rest().call("profile/portrait_set", {"From_Account": "nobody", "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "x"}]})
    assert pg.sql("SELECT count(*) FROM webhook_outbox") == [(0,)]


def state_calls(receiver, n):
    """The first n distinct State.StateChange events in the order chatd made them (a retry after a
    slow answer may deliver one twice, with the same EventId; two requests in flight may arrive
    in either order)."""
    seen, events = set(), []

    def distinct(call):
        event_id = call["body"]["EventId"]
        if event_id in seen:
            return False
        seen.add(event_id)
        return True

    deadline = time.monotonic() + 15
    while len(events) < n and time.monotonic() < deadline:
        seen.clear()
        events = [c for c in receiver.of(STATE) if distinct(c)]
        if len(events) < n:
            receiver.wait(STATE, len(receiver.of(STATE)) + 1, timeout=max(0.1, deadline - time.monotonic()))
    events.sort(key=lambda c: c["body"]["EventId"])
    return [(c["body"]["Info"]["To_Account"], c["body"]["Info"]["Action"], c["body"]["Info"]["Reason"])
            for c in events[:n]]


def state_event(receiver, action):
    """The (user, action, reason) of the first State.StateChange with this Action, waiting for
    it. Robust to an event delivered twice or a stray one of the same user (a previous
    instance's, or a retried insert): it looks for the action, not at a position."""
    (call,) = receiver.wait(STATE, where=lambda c: c["body"]["Info"]["Action"] == action)
    info = call["body"]["Info"]
    return info["To_Account"], info["Action"], info["Reason"]


def test_state_change_login_logout(hooked, receiver, ws):
    """Login fires Login/Register; logout fires Logout/Unregister."""
    chatd = hooked()
    alice = ws(chatd, "alice", "Android")
    (call,) = receiver.wait(STATE)
    check_query(call, STATE, "Android")
    assert call["body"]["Info"] == {"To_Account": "alice", "Action": "Login", "Reason": "Register"}
    assert "KickedDevice" not in call["body"]
    alice.call("logout")
    assert state_event(receiver, "Logout") == ("alice", "Logout", "Unregister")


def test_state_change_disconnect(hooked, receiver, ws):
    """A connection that closes fires Disconnect/LinkClose."""
    chatd = hooked()
    alice = ws(chatd, "alice")
    alice.ws.close()
    assert state_event(receiver, "Disconnect") == ("alice", "Disconnect", "LinkClose")


def test_state_change_recorded_on_shutdown(hooked, receiver, ws, pg):
    """SIGTERM closes the sessions and records their Disconnect before chatd exits: it is
    delivered then, or after the next start."""
    chatd = hooked(webhook_commands=STATE)
    ws(chatd, "alice")
    receiver.wait(STATE)
    receiver.stop()
    assert chatd.stop() == 0
    rows = pg.sql("SELECT body::text FROM webhook_outbox WHERE command = %s", (STATE,))
    pending = [json.loads(b)["Info"]["Action"] for (b,) in rows]
    # A keep-alive connection may outlive the receiver's listener and take the event at once
    # (then it may also stay pending, unacknowledged: at least once, never lost).
    delivered = [c["body"]["Info"]["Action"] for c in receiver.of(STATE)][1:]
    assert set(pending + delivered) == {"Disconnect"}


def test_state_change_heartbeat_timeout(hooked, receiver):
    """A connection silent past heartbeat_timeout_s fires Disconnect/TimeOut."""
    from ws_client import RawWs
    chatd = hooked(heartbeat_timeout_s=1)
    raw = RawWs(chatd.url).upgrade().login("alice")
    try:
        assert state_event(receiver, "Disconnect") == ("alice", "Disconnect", "TimeOut")
    finally:
        raw.close()


def test_state_change_kick_by_new_login(hooked, receiver, ws):
    """Under the single policy a new login pushes the old session out: one Login/Register with
    KickedDevice, and no event for the kicked session (as Tencent's current SDKs)."""
    chatd = hooked(login_policy="single")
    ws(chatd, "alice", "Web")
    second = ws(chatd, "alice", "Android")
    calls = receiver.wait(STATE, 2)
    assert calls[1]["body"]["Info"]["Action"] == "Login"
    assert calls[1]["body"]["KickedDevice"] == [{"Platform": "Web"}]
    second.call("logout")
    got = state_calls(receiver, 3)
    assert got[2] == ("alice", "Logout", "Unregister")
    assert len(receiver.of(STATE)) == 3


def test_state_change_admin_kick(hooked, receiver, ws):
    """REST kick fires Logout/Unregister for each session."""
    chatd = hooked()
    alice = ws(chatd, "alice")
    call_ok(chatd.rest(), "im_open_login_svc/kick", {"UserID": "alice"})
    alice.wait_closed()
    assert state_event(receiver, "Logout") == ("alice", "Logout", "Unregister")


# ---- before-send -------------------------------------------------------------------------------

def before_answers(receiver, reply):
    """Before-callbacks get `reply`; after-callbacks OK."""
    receiver.answer = lambda call: reply if call["query"]["CallbackCommand"] == BEFORE_SEND else OK


def test_before_send_allow(hooked, receiver, ws, pg):
    """ErrorCode 0 lets the message through; the callback carries the message's fields."""
    chatd = hooked()
    bob = ws(chatd, "bob")
    alice = ws(chatd, "alice", "Windows")
    sent = alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("hi"), "random": 3,
                                      "cloudCustomData": "c"})
    (call,) = receiver.wait(BEFORE_SEND)
    check_query(call, BEFORE_SEND, "Windows")
    b = call["body"]
    assert (b["From_Account"], b["To_Account"], b["MsgRandom"]) == ("alice", "bob", 3)
    assert b["MsgBody"] == text_body("hi") and b["CloudCustomData"] == "c"
    assert b["MsgId"] == sent["msgID"] and b["OnlineOnlyFlag"] == 0 and "EventTime" in b
    assert bob.wait_event("onRecvNewMessage")["message"]["msgID"] == sent["msgID"]
    assert stored_texts(pg) == ["hi"]


@pytest.mark.parametrize("door", ["rest", "ws"])
def test_before_send_refuse(hooked, receiver, ws, pg, door):
    """ErrorCode 1 refuses with 20006; nothing is stored, delivered or reported after."""
    chatd = hooked()
    before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 1, "ErrorInfo": "no"})
    bob = ws(chatd, "bob")
    if door == "rest":
        call_fail(chatd.rest(), SEND, {"From_Account": "alice", "To_Account": "bob",
                                       "MsgRandom": 1, "MsgBody": text_body("bad")}, 20006)
    else:
        ws(chatd, "alice").fail("sendMessage", {"receiver": "bob", "msgBody": text_body("bad")},
                                20006)
    bob.barrier()
    assert bob.messages() == []
    assert stored_texts(pg) == []
    assert pg.sql("SELECT count(*) FROM webhook_outbox WHERE command = %s", (AFTER_SEND,)) == [(0,)]


def test_before_send_drop(hooked, receiver, ws, pg):
    """ErrorCode 2 drops silently: the sender is told success, nothing is stored or delivered."""
    chatd = hooked()
    before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 2, "ErrorInfo": ""})
    bob = ws(chatd, "bob")
    answer = send(chatd.rest(), "alice", "bob", "gone")
    assert answer["ErrorCode"] == 0 and answer["MsgId"], answer
    bob.barrier()
    assert bob.messages() == []
    assert stored_texts(pg) == []


def test_before_send_rewrite(hooked, receiver, ws, pg):
    """ErrorCode 0 with MsgBody and CloudCustomData replaces them before storing: the receiver,
    the history and the after-callback all see the replacement."""
    chatd = hooked()
    new_body = text_body("***")
    before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "",
                              "MsgBody": new_body, "CloudCustomData": "cleaned"})
    bob = ws(chatd, "bob")
    send(chatd.rest(), "alice", "bob", "rude word")
    message = bob.wait_event("onRecvNewMessage")["message"]
    assert message["msgBody"] == new_body and message["cloudCustomData"] == "cleaned"
    assert stored_texts(pg) == ["***"]
    assert receiver.wait(AFTER_SEND)[0]["body"]["MsgBody"] == new_body


def test_before_send_bad_rewrite_is_ignored(hooked, receiver, pg):
    """A replacement MsgBody that is not a valid message is ignored: the original goes."""
    chatd = hooked()
    before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 0, "MsgBody": [{"MsgType": "Nope"}]})
    assert send(chatd.rest(), "alice", "bob", "orig")["ErrorCode"] == 0
    assert stored_texts(pg) == ["orig"]


@pytest.mark.parametrize("door", ["rest", "ws"])
def test_before_send_custom_code(hooked, receiver, ws, door):
    """A code in 120001–130000 reaches the sender with the app's ErrorInfo as is."""
    chatd = hooked()
    before_answers(receiver, {"ActionStatus": "FAIL", "ErrorCode": 120005,
                              "ErrorInfo": "you are not friends"})
    if door == "rest":
        answer = call_fail(chatd.rest(), SEND, {"From_Account": "alice", "To_Account": "bob",
                                                "MsgRandom": 1, "MsgBody": text_body("x")}, 120005)
        assert answer["ErrorInfo"] == "you are not friends"
    else:
        frame = ws(chatd, "alice").fail("sendMessage", {"receiver": "bob",
                                                        "msgBody": text_body("x")}, 120005)
        assert frame["desc"] == "you are not friends"


@pytest.mark.parametrize("policy, code", [("proceed", 0), ("block", 80003)])
def test_before_send_timeout(hooked, receiver, pg, policy, code):
    """A receiver slower than webhook_timeout_ms: the message goes (proceed) or is refused with
    80003 (block) — after the timeout, not after the receiver."""
    chatd = hooked(webhook_timeout_ms=300, webhook_before_fail=policy)
    before_answers(receiver, ("sleep", 2, OK))
    t0 = time.monotonic()
    answer = send(chatd.rest(), "alice", "bob", "slow")
    assert time.monotonic() - t0 < 1.5
    assert answer["ErrorCode"] == code, answer
    assert stored_texts(pg) == (["slow"] if code == 0 else [])


@pytest.mark.parametrize("policy, code", [("proceed", 0), ("block", 80003)])
def test_before_send_receiver_down(hooked, receiver, pg, policy, code):
    """A receiver that is not there: proceed sends, block refuses with 80003."""
    chatd = hooked(webhook_before_fail=policy, webhook_commands=BEFORE_SEND)
    receiver.stop()
    answer = send(chatd.rest(), "alice", "bob", "nobody home")
    assert answer["ErrorCode"] == code, answer
    assert stored_texts(pg) == (["nobody home"] if code == 0 else [])


@pytest.mark.parametrize("reply", [(500, OK), (200, "not json"), (200, {"ErrorCode": 77})],
                         ids=["http-500", "not-json", "unknown-code"])
def test_before_send_broken_answer_blocks(hooked, receiver, reply):
    """A broken answer counts as a failure: with block the sender gets 80003."""
    chatd = hooked(webhook_before_fail="block")
    before_answers(receiver, reply)
    assert send(chatd.rest(), "alice", "bob")["ErrorCode"] == 80003


def test_before_send_switches_skip_it(hooked, receiver, ws, pg):
    """ForbidBeforeSendMsgCallback (REST) and disableCloudMessagePreHook (WebSocket) skip the
    before-callback: a refusing app is not asked."""
    chatd = hooked()
    before_answers(receiver, {"ActionStatus": "OK", "ErrorCode": 1})
    send(chatd.rest(), "alice", "bob", "a", ForbidCallbackControl=["ForbidBeforeSendMsgCallback"])
    ws(chatd, "alice").call("sendMessage", {"receiver": "bob", "msgBody": text_body("b"),
                                            "disableCloudMessagePreHook": True})
    assert sorted(stored_texts(pg)) == ["a", "b"]
    assert receiver.of(BEFORE_SEND) == []


def test_loop_serves_others_while_before_callback_pends(hooked, receiver, ws):
    """While one send waits for a slow before-callback, other users' requests are answered."""
    chatd = hooked(webhook_timeout_ms=3000, webhook_commands=BEFORE_SEND)
    release = threading.Event()
    receiver.answer = lambda call: (release.wait(5), OK)[1]
    carol = ws(chatd, "carol")
    alice = ws(chatd, "alice")
    seq = alice.send("sendMessage", {"receiver": "bob", "msgBody": text_body("waiting")})
    receiver.wait(BEFORE_SEND)
    t0 = time.monotonic()
    carol.call("findMessages", {"msgIDs": ["x"]})
    call_ok(chatd.rest(), "im_open_login_svc/account_check", {"CheckItem": [{"UserID": "bob"}]})
    assert time.monotonic() - t0 < 1
    release.set()
    assert alice.response(seq)["code"] == 0


# ---- durability --------------------------------------------------------------------------------

def texts_by_conv(calls):
    out = {}
    for c in calls:
        b = c["body"]
        out.setdefault(tuple(sorted((b["From_Account"], b["To_Account"]))), []).append(
            b["MsgBody"][0]["MsgContent"]["Text"])
    return out


def test_receiver_down_then_up_delivers_all_in_order_once(hooked, receiver, pg):
    """Events recorded while the receiver is down arrive when it is back: all of them, once each
    (distinct EventIds), and in order within each conversation."""
    chatd = hooked(webhook_commands=AFTER_SEND)
    receiver.stop()
    rest = chatd.rest()
    sent = {("alice", "bob"): [], ("alice", "carol"): []}
    for i in range(12):
        peer = "bob" if i % 2 else "carol"
        send(rest, "alice", peer, f"{peer}-{i}", random=i)
        sent[("alice", peer)].append(f"{peer}-{i}")
    # each conversation's first event failed at least twice, the others wait behind it
    wait_until(lambda: pg.sql("SELECT count(DISTINCT order_key) FROM webhook_outbox"
                              " WHERE attempts >= 2") == [(2,)], what="failed attempts")
    receiver.start()
    receiver.wait(AFTER_SEND, 12)
    outbox_drained(pg)  # every event acknowledged: no delivery is still to come
    calls = receiver.of(AFTER_SEND)
    ids = [c["body"]["EventId"] for c in calls]
    assert len(ids) == len(set(ids)) == 12
    assert texts_by_conv(calls) == sent
    for conv in texts_by_conv(calls):
        seqs = [c["body"]["MsgSeq"] for c in calls
                if tuple(sorted((c["body"]["From_Account"], c["body"]["To_Account"]))) == conv]
        assert seqs == sorted(seqs)


def test_events_survive_sigkill(chatd_factory, receiver, pg):
    """Events pending when chatd is SIGKILLed are delivered by the next start."""
    config = hook_config(receiver, webhook_commands=AFTER_SEND)
    first = chatd_factory(**config)
    call_ok(first.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
    receiver.stop()
    for i in range(5):
        send(first.rest(), "alice", "bob", f"m{i}", random=i)
    assert pg.sql("SELECT count(*) FROM webhook_outbox") == [(5,)]
    first.kill()
    receiver.start()
    chatd_factory(**config)
    calls = receiver.wait(AFTER_SEND, 5, timeout=30)
    assert [c["body"]["MsgBody"][0]["MsgContent"]["Text"] for c in calls] == [f"m{i}" for i in range(5)]
    wait_until(lambda: pg.sql("SELECT count(*) FROM webhook_outbox") == [(0,)], what="empty outbox")


@pytest.mark.parametrize("bad", [
    (500, OK),
    (200, {"ActionStatus": "FAIL", "ErrorCode": 1, "ErrorInfo": "busy"}),
    (200, "<html>"),
], ids=["http-500", "fail-body", "not-json"])
def test_failed_answers_are_retried(hooked, receiver, pg, bad):
    """A 500, a FAIL body or a non-JSON answer is retried (same EventId) until it succeeds."""
    chatd = hooked(webhook_commands=AFTER_SEND)
    answers = iter([bad, bad])
    receiver.answer = lambda call: next(answers, OK)
    send(chatd.rest(), "alice", "bob")
    calls = receiver.wait(AFTER_SEND, 3)
    assert len({c["body"]["EventId"] for c in calls}) == 1
    wait_until(lambda: pg.sql("SELECT count(*) FROM webhook_outbox") == [(0,)], what="empty outbox")


def metric(chatd, name):
    for line in requests.get(f"{chatd.url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_max_age_makes_events_dead_and_visible(hooked, receiver, pg):
    """An event still failing after webhook_max_age_s is dead: listed by chatd_webhook/list_dead
    with its last error and counted by chatd_webhook_dead; retry_dead delivers it."""
    chatd = hooked(webhook_commands=AFTER_SEND, webhook_max_age_s=1)
    receiver.answer = lambda call: (500, "down for maintenance")
    rest = chatd.rest()
    send(rest, "alice", "bob", "doomed")
    wait_until(lambda: pg.sql("SELECT dead FROM webhook_outbox") == [(True,)], timeout=15,
               what="dead event")
    listed = call_ok(rest, "chatd_webhook/list_dead", {})
    (event,) = listed["Events"]
    assert event["CallbackCommand"] == AFTER_SEND
    assert event["LastError"] == "HTTP 500"
    assert event["Attempts"] >= 2
    assert event["Body"]["MsgBody"] == text_body("doomed")
    wait_until(lambda: metric(chatd, "chatd_webhook_dead") == 1, what="chatd_webhook_dead 1")
    receiver.answer = lambda call: OK
    n = len(receiver.of(AFTER_SEND))
    retried = call_ok(rest, "chatd_webhook/retry_dead", {"EventIds": [event["EventId"]]})
    assert retried["EventIds"] == [event["EventId"]]
    ok = receiver.wait(AFTER_SEND, n + 1)[-1]
    assert ok["body"]["EventId"] == event["EventId"]
    wait_until(lambda: pg.sql("SELECT count(*) FROM webhook_outbox") == [(0,)], what="empty outbox")
    assert call_ok(rest, "chatd_webhook/list_dead", {})["Events"] == []


def test_list_dead_bad_input(hooked):
    """list_dead and retry_dead refuse malformed bodies with 70402."""
    rest = hooked().rest()
    call_fail(rest, "chatd_webhook/list_dead", {"Limit": 0}, 70402)
    call_fail(rest, "chatd_webhook/retry_dead", {"EventIds": ["x"]}, 70402)
    call_fail(rest, "chatd_webhook/retry_dead", {}, 70402)


def test_slow_receiver_does_not_slow_message_delivery(hooked, receiver, ws):
    """With a receiver that takes seconds per callback, messages still reach the receiving
    WebSocket at once: webhooks only fill their own in-flight window."""
    chatd = hooked(webhook_commands=AFTER_SEND, webhook_timeout_ms=10000,
                   webhook_max_in_flight=2)
    receiver.answer = lambda call: ("sleep", 3, OK)
    bob = ws(chatd, "bob")
    alice = ws(chatd, "alice")
    t0 = time.monotonic()
    for i in range(20):
        alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body(f"m{i}")})
    for i in range(20):
        bob.wait_event("onRecvNewMessage")
    elapsed = time.monotonic() - t0
    assert elapsed < 2.5, f"20 messages took {elapsed:.1f} s"
    assert len(receiver.of(AFTER_SEND)) <= 2


# ---- HTTPS -------------------------------------------------------------------------------------

def make_ca(tmp_path, names):
    """A private CA and a server certificate for `names` (DNS and IP SANs) signed by it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available")

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=chatd test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    (tmp_path / "san.ext").write_text("subjectAltName=" + ",".join(names) + "\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"


def tls_receiver(tmp_path, names):
    import ssl
    ca, cert, key = make_ca(tmp_path, names)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return Receiver(tls=ctx).start(), ca


def test_https_with_private_ca(chatd_factory, tmp_path):
    """An https:// webhook_url whose certificate is signed by webhook_ca_file gets the
    callbacks; the host name (localhost, resolved without blocking) is verified."""
    receiver, ca = tls_receiver(tmp_path, ["DNS:localhost"])
    try:
        chatd = chatd_factory(webhook_url=f"https://localhost:{receiver.port}/hook?app=chat",
                              webhook_ca_file=ca, webhook_commands=AFTER_SEND, webhook_poll_ms=50)
        call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
        send(chatd.rest(), "alice", "bob", "secret")
        (call,) = receiver.wait(AFTER_SEND)
        assert call["body"]["MsgBody"] == text_body("secret")
    finally:
        receiver.stop()


@pytest.mark.parametrize("trust, names", [(False, ["DNS:localhost"]), (True, ["DNS:example.org"])],
                         ids=["unknown-ca", "wrong-host"])
def test_https_refuses_unverified_certificates(chatd_factory, tmp_path, pg, trust, names):
    """A certificate from an untrusted CA, or for another host name, is refused: nothing is
    delivered and the event keeps a TLS error."""
    receiver, ca = tls_receiver(tmp_path, names)
    try:
        keys = {"webhook_ca_file": ca} if trust else {}
        chatd = chatd_factory(webhook_url=f"https://localhost:{receiver.port}/hook",
                              webhook_commands=AFTER_SEND, webhook_poll_ms=50,
                              webhook_retry_base_ms=50, webhook_retry_max_ms=100, **keys)
        call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": ["alice", "bob"]})
        send(chatd.rest(), "alice", "bob")
        wait_until(lambda: (pg.sql("SELECT last_error FROM webhook_outbox") or [(None,)])[0][0],
                   what="a recorded failure")
        # a retry was refused too: every attempt so far has ended, and none got through
        wait_until(lambda: pg.sql("SELECT attempts >= 2 AND last_error IS NOT NULL"
                                  " FROM webhook_outbox") == [(True,)], what="a failed retry")
        assert receiver.of(AFTER_SEND) == []
    finally:
        receiver.stop()


# ---- conversation deletion and group sends ----------------------------------------------------

DELETE_CONV = "Conversation.CallbackAfterDeleteConversation"
GROUP_AFTER_SEND = "Group.CallbackAfterSendMsg"


def test_conversation_deleted_over_websocket_fires_after_delete(hooked, receiver, ws):
    """deleteConversation on a WebSocket fires Conversation.CallbackAfterDeleteConversation with
    who deleted which conversation, ClearRamble 1, the session's OptPlatform and a valid Sign."""
    chatd = hooked()
    assert send(chatd.rest(), "bob", "alice", "hi")["ErrorCode"] == 0
    alice = ws(chatd, "alice", platform="Android")
    alice.call("deleteConversation", {"conversationID": "c2c_bob"})
    (call,) = receiver.wait(DELETE_CONV)
    check_query(call, DELETE_CONV, "Android")
    b = call["body"]
    assert b["Operator_Account"] == "alice"
    assert b["Type"] == 1 and b["To_Account"] == "bob" and "GroupId" not in b
    assert b["ClearRamble"] == 1
    assert b["OptPlatform"] == "Android"
    assert isinstance(b["EventTime"], int) and b["EventId"] > 0


def test_conversation_deleted_over_rest_fires_after_delete(hooked, receiver):
    """recentcontact/delete with ClearRamble 0 fires the same event, ClearRamble 0, RESTAPI."""
    chatd = hooked()
    assert send(chatd.rest(), "bob", "alice", "hi")["ErrorCode"] == 0
    call_ok(chatd.rest(), "recentcontact/delete",
            {"From_Account": "alice", "Type": 1, "To_Account": "bob", "ClearRamble": 0})
    (call,) = receiver.wait(DELETE_CONV)
    check_query(call, DELETE_CONV, "RESTAPI")
    assert call["body"]["ClearRamble"] == 0 and call["body"]["To_Account"] == "bob"


def test_deleting_a_missing_conversation_fires_nothing(hooked, receiver, ws):
    """A deletion that deleted nothing (6004) writes no event."""
    chatd = hooked()
    alice = ws(chatd, "alice")
    alice.fail("deleteConversation", {"conversationID": "c2c_bob"}, 6004)
    assert send(chatd.rest(), "alice", "bob", "after")["ErrorCode"] == 0
    receiver.wait(AFTER_SEND)
    assert receiver.of(DELETE_CONV) == []


def test_group_message_fires_group_after_send(hooked, receiver, ws):
    """A group message sent on a WebSocket fires Group.CallbackAfterSendMsg with its GroupId,
    seq and sender."""
    chatd = hooked()
    call_ok(chatd.rest(), "group_open_http_svc/create_group",
            {"Owner_Account": "alice", "Type": "Private", "GroupId": "team", "Name": "team",
             "MemberList": [{"Member_Account": "bob"}]})
    alice = ws(chatd, "alice")
    sent = alice.call("sendMessage", {"groupID": "team", "random": 5, "msgBody": text_body("yo")})
    call = receiver.wait(GROUP_AFTER_SEND, where=lambda c: c["body"].get("MsgSeq") == sent["seq"])[0]
    check_query(call, GROUP_AFTER_SEND, "Web")
    b = call["body"]
    assert b["GroupId"] == "team" and b["From_Account"] == "alice" and b["Random"] == 5
