"""Offline push (docs/push.md): devices register their token (setOfflinePushConfig), say when
the app goes to the background (doBackground / doForeground); a stored message queues a
notification, in its own transaction, for a recipient with no session in the foreground, as
Tencent's rules allow (receive options, do-not-disturb, PushFlag, online-only); the dispatcher
sends it to the push gateway with a stable id, retries through an outage, and unbinds a token
the provider calls invalid."""

import itertools
import json

import pytest

from expect import call_fail, call_ok
from util import Receiver, wait_until
from ws_client import WsClient

USERS = ["alice", "bob", "carol"]
GATEWAY_TOKEN = "gw-secret"


@pytest.fixture
def gateway():
    """A recording push gateway (util.Receiver), answering 200 by default."""
    r = Receiver().start()
    r.answer = lambda call: {"ok": True}
    yield r
    r.stop()


def push_config(gateway, **keys):
    config = {
        "push_gateway_url": gateway.url("/push?app=chat"),
        "push_gateway_token": GATEWAY_TOKEN,
        "push_poll_ms": 50,
        "push_retry_base_ms": 50,
        "push_retry_max_ms": 200,
        "push_timeout_ms": 1000,
    }
    config.update(keys)
    return config


@pytest.fixture
def pushed(chatd_factory, gateway):
    """pushed(**keys) -> a running chatd whose notifications go to `gateway`; alice, bob, carol."""

    def start(**keys):
        instance = chatd_factory(**push_config(gateway, **keys))
        call_ok(instance.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
        return instance

    return start


def tokens(pg):
    return pg.sql("SELECT user_id, platform, business_id, token, provider FROM push_tokens"
                  " ORDER BY user_id, platform")


def outbox(pg):
    """The queued notifications' bodies, oldest first."""
    return [b if isinstance(b, dict) else json.loads(b)
            for (b,) in pg.sql("SELECT body FROM push_outbox ORDER BY id")]


def drained(pg):
    wait_until(lambda: pg.sql("SELECT count(*) FROM push_outbox WHERE NOT dead") == [(0,)],
               what="every notification sent")


def expect_pushes(pg, gateway, n):
    """After the sends were acknowledged: exactly n notifications reach the gateway. (A row is
    written in its message's transaction, so none queued means none will come.)"""
    if n == 0:
        assert outbox(pg) == []
    else:
        gateway_bodies(gateway, n)
    drained(pg)
    assert len(gateway.calls) == n


def text(t):
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": t}}]


def send(client, to, body, **fields):
    return client.call("sendMessage", {"receiver": to, "msgBody": body, **fields})


_random = itertools.count(1)


def rest_send(rest, sender, to, body, **fields):
    return call_ok(rest, "openim/sendmsg", {"From_Account": sender, "To_Account": to,
                                            "MsgRandom": next(_random), "MsgBody": body,
                                            "SyncOtherMachine": 2, **fields})


def registered(chatd, user, token, platform="Android", business_id=1):
    """A session of `user` that registered `token` and then went away (offline)."""
    c = WsClient.login_as(chatd.url, user, platform=platform)
    c.call("setOfflinePushConfig", {"businessID": business_id, "token": token})
    c.close()
    return c


def gateway_bodies(gateway, n, timeout=15):
    calls = wait_until(lambda: gateway.calls[:n] if len(gateway.calls) >= n else None,
                       timeout=timeout, what=f"{n} gateway calls")
    return [c["body"] for c in calls]


# ---- registration ---------------------------------------------------------------------------

def test_register_rebind_and_unbind(pushed, pg):
    """setOfflinePushConfig binds the token to the session's platform (apns for iPhone, fcm for
    Android), a new token replaces it, "" removes it; a link that drops keeps it."""
    chatd = pushed()
    phone = WsClient.login_as(chatd.url, "bob", platform="iPhone")
    tablet = WsClient.login_as(chatd.url, "bob", platform="Android")
    phone.call("setOfflinePushConfig", {"businessID": 7, "token": "apns-1"})
    tablet.call("setOfflinePushConfig", {"businessID": 8, "token": "fcm-1"})
    assert tokens(pg) == [("bob", "Android", 8, "fcm-1", "fcm"),
                          ("bob", "iPhone", 7, "apns-1", "apns")]
    phone.call("setOfflinePushConfig", {"businessID": 7, "token": "apns-2"})
    tablet.call("setOfflinePushConfig", {"token": ""})
    assert tokens(pg) == [("bob", "iPhone", 7, "apns-2", "apns")]
    phone.close()
    tablet.close()
    assert tokens(pg) == [("bob", "iPhone", 7, "apns-2", "apns")]


@pytest.mark.parametrize("body", [
    {}, {"token": 5}, {"token": None}, {"token": "x" * 257}, {"token": "a\nb"},
    {"token": "t", "businessID": -1}, {"token": "t", "businessID": "1"},
    {"token": "t", "businessID": 1.5},
])
def test_register_bad_input(pushed, pg, body):
    """A malformed setOfflinePushConfig is refused with 70402 and binds nothing."""
    chatd = pushed()
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    bob.fail("setOfflinePushConfig", body, 70402)
    assert tokens(pg) == []


def test_logout_and_kick_unbind(pushed, pg):
    """A logout removes the session's binding, and so does a REST kick; other platforms keep
    theirs."""
    chatd = pushed()
    phone = WsClient.login_as(chatd.url, "bob", platform="iPhone")
    phone.call("setOfflinePushConfig", {"businessID": 1, "token": "apns-1"})
    web = WsClient.login_as(chatd.url, "bob", platform="Android")
    web.call("setOfflinePushConfig", {"businessID": 1, "token": "fcm-1"})
    web.call("logout")
    wait_until(lambda: [t[1] for t in tokens(pg)] == ["iPhone"], what="Android unbound")
    call_ok(chatd.rest(), "im_open_login_svc/kick", {"UserID": "bob"})
    phone.wait_closed()
    wait_until(lambda: tokens(pg) == [], what="iPhone unbound by the kick")


def test_background_foreground_bad_input(pushed):
    """doBackground takes an optional unreadCount of at least 0."""
    chatd = pushed()
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    for bad in ({"unreadCount": -1}, {"unreadCount": "3"}):
        bob.fail("doBackground", bad, 70402)
    bob.call("doBackground", {"unreadCount": 3})
    bob.call("doForeground")


# ---- what queues a notification ---------------------------------------------------------------

def test_offline_receiver_gets_one_notification(pushed, gateway, pg):
    """bob is offline: alice's message reaches the gateway once, with bob's token, badge 1, the
    sender as title and the text as desc, its notification id and the gateway token."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    alice = WsClient.login_as(chatd.url, "alice")
    msg = send(alice, "bob", text("hi bob"))
    gateway_bodies(gateway, 1)
    call = gateway.calls[0]
    assert call["path"] == "/push" and call["query"] == {"app": "chat"}
    assert call["headers"]["Authorization"] == f"Bearer {GATEWAY_TOKEN}"
    assert call["headers"]["Content-Type"].startswith("application/json")
    body = call["body"]
    assert isinstance(body.pop("notificationID"), int)
    assert body == {
        "provider": "fcm", "token": "fcm-bob", "businessID": 1, "platform": "Android",
        "userID": "bob", "sender": "alice", "groupID": None, "conversationID": "c2c_alice",
        "msgID": msg["msgID"], "title": "alice", "desc": "hi bob", "badge": 1, "ext": "",
        "androidInfo": None, "apnsInfo": None, "attempt": 1}
    drained(pg)
    assert len(gateway.calls) == 1


def test_badge_counts_unread_total(pushed, gateway, pg):
    """The badge is bob's unread total with the message: 1, 2, then 3 across conversations; a
    conversation bob read counts from his read position."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("1"))
    rest_send(rest, "alice", "bob", text("2"))
    rest_send(rest, "carol", "bob", text("3"))
    bodies = gateway_bodies(gateway, 3)
    assert [(b["desc"], b["badge"]) for b in bodies] == [("1", 1), ("2", 2), ("3", 3)]
    ids = [b["notificationID"] for b in bodies]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_foreground_session_means_no_push(pushed, gateway, pg):
    """A recipient with a session in the foreground gets no notification; after doBackground
    they do; after doForeground again they do not."""
    chatd = pushed()
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    bob.call("setOfflinePushConfig", {"businessID": 1, "token": "fcm-bob"})
    alice = WsClient.login_as(chatd.url, "alice")
    send(alice, "bob", text("seen live"))
    assert outbox(pg) == [] and gateway.calls == []
    bob.call("doBackground", {"unreadCount": 1})
    send(alice, "bob", text("in background"))
    assert gateway_bodies(gateway, 1)[0]["desc"] == "in background"
    bob.call("doForeground")
    send(alice, "bob", text("back"))
    drained(pg)
    assert [c["body"]["desc"] for c in gateway.calls] == ["in background"]
    assert bob.wait_event("onRecvNewMessage", where=lambda b: b["message"]["msgBody"]
                          == text("back"))


@pytest.mark.parametrize("opt, pushes", [(0, True), (1, False), (2, False), (3, False),
                                         (4, False)])
def test_receive_options(pushed, gateway, pg, opt, pushes):
    """bob's receive option for alice: 0 pushes; 1 and 2 never; 3 and 4 only @ mentions, which
    a one-to-one message never has."""
    chatd = pushed()
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    bob.call("setOfflinePushConfig", {"businessID": 1, "token": "fcm-bob"})
    bob.call("setC2CReceiveMessageOpt", {"userIDList": ["alice"], "opt": opt})
    bob.close()
    rest_send(chatd.rest(), "alice", "bob", text("hello"))
    expect_pushes(pg, gateway, 1 if pushes else 0)


@pytest.mark.parametrize("setting, pushes", [
    ({"opt": 2, "startHour": 0, "startMinute": 0, "startSecond": 0, "duration": 86400}, False),
    ({"opt": 2, "startTimeStamp": 1000, "duration": 60}, True),  # long over
    ({"opt": 0}, True),
])
def test_do_not_disturb(pushed, gateway, pg, setting, pushes):
    """A global do-not-disturb (setAllReceiveMessageOpt 2) holds pushes back while it lasts."""
    chatd = pushed()
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    bob.call("setOfflinePushConfig", {"businessID": 1, "token": "fcm-bob"})
    bob.call("setAllReceiveMessageOpt", setting)
    bob.close()
    rest_send(chatd.rest(), "alice", "bob", text("hello"))
    expect_pushes(pg, gateway, 1 if pushes else 0)


def test_offline_push_info_and_flags(pushed, gateway, pg):
    """OfflinePushInfo's Title, Desc, Ext, AndroidInfo and ApnsInfo reach the gateway; PushFlag 1,
    online-only messages and a lone custom element without Desc queue nothing; a custom
    element's Desc and Ext are the push text and ext."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("quiet"), OfflinePushInfo={"PushFlag": 1})
    rest_send(rest, "alice", "bob", text("live only"), OnlineOnlyFlag=1)
    rest_send(rest, "alice", "bob", [{"MsgType": "TIMCustomElem",
                                      "MsgContent": {"Data": "x"}}])
    assert outbox(pg) == [] and gateway.calls == []
    rest_send(rest, "alice", "bob", text("hi"), OfflinePushInfo={
        "Title": "New", "Desc": "You have mail", "Ext": "{\"k\":1}",
        "AndroidInfo": {"Sound": "a.mp3"}, "ApnsInfo": {"BadgeMode": 1, "Sound": "b.caf"}})
    rest_send(rest, "alice", "bob", [
        {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 1, "Data": "smile"}},
        {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "x", "Desc": "custom", "Ext": "e"}}])
    first, second = gateway_bodies(gateway, 2)
    assert (first["title"], first["desc"], first["ext"]) == ("New", "You have mail", "{\"k\":1}")
    assert first["androidInfo"] == {"Sound": "a.mp3"}
    assert first["apnsInfo"] == {"BadgeMode": 1, "Sound": "b.caf"}
    assert (second["title"], second["desc"], second["ext"]) == ("alice", "[Face]custom", "e")


def test_oversize_ext_refused(pushed, pg):
    """OfflinePushInfo whose Desc and Ext together pass 3 KB is refused (90043), nothing
    stored."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    call_fail(chatd.rest(), "openim/sendmsg", {
        "From_Account": "alice", "To_Account": "bob", "MsgRandom": 1, "MsgBody": text("x"),
        "OfflinePushInfo": {"Desc": "d" * 100, "Ext": "e" * 3000}}, 90043)
    assert pg.sql("SELECT count(*) FROM messages") == [(0,)]
    assert outbox(pg) == []


def test_no_token_no_row(pushed, pg):
    """A recipient without a binding queues nothing."""
    chatd = pushed()
    rest_send(chatd.rest(), "alice", "bob", text("hello"))
    assert outbox(pg) == []


def test_push_off_without_provider(chatd_factory, pg):
    """With no provider configured nothing is queued, and registering still works."""
    chatd = chatd_factory()
    call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    registered(chatd, "bob", "fcm-bob")
    rest_send(chatd.rest(), "alice", "bob", text("hello"))
    assert outbox(pg) == []
    assert len(tokens(pg)) == 1


# ---- delivery -------------------------------------------------------------------------------

def test_gateway_outage_then_recovery(pushed, gateway, pg):
    """While the gateway answers 500 the notification is retried with the same id; once it
    answers 200 it is sent and the outbox is empty: nothing lost, the same id throughout."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    failing = {"n": 3}

    def answer(call):
        if failing["n"] > 0:
            failing["n"] -= 1
            return (500, {"error": "down"})
        return {"ok": True}

    gateway.answer = answer
    rest_send(chatd.rest(), "alice", "bob", text("through the outage"))
    bodies = gateway_bodies(gateway, 4)
    drained(pg)
    assert len({b["notificationID"] for b in bodies}) == 1
    assert [b["attempt"] for b in bodies] == [1, 2, 3, 4]
    assert len(gateway.calls) == 4


def test_gateway_down_then_up(pushed, gateway, pg):
    """With the gateway not listening at all, notifications wait in the outbox; when it comes
    back each is sent."""
    port = gateway.port
    gateway.stop()
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("one"))
    rest_send(rest, "alice", "bob", text("two"))
    wait_until(lambda: (pg.sql("SELECT max(attempts) FROM push_outbox")[0][0] or 0) >= 1,
               what="a failed attempt")
    back = Receiver(port=port).start()
    back.answer = lambda call: {"ok": True}
    try:
        bodies = gateway_bodies(back, 2)
        drained(pg)
        assert [b["desc"] for b in bodies] == ["one", "two"]
    finally:
        back.stop()


def test_invalid_token_unbinds(pushed, gateway, pg):
    """A 410 from the gateway means the token is invalid: the notification is dropped, the
    binding removed, and the next message queues nothing."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    gateway.answer = lambda call: (410, {"error": "Unregistered"})
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("to a dead device"))
    gateway_bodies(gateway, 1)
    wait_until(lambda: tokens(pg) == [], what="the token unbound")
    drained(pg)
    rest_send(rest, "alice", "bob", text("again"))
    assert outbox(pg) == []
    assert len(gateway.calls) == 1


def test_rejected_notification_dropped(pushed, gateway, pg):
    """A 400 drops that notification (not retried) and keeps the binding."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    gateway.answer = lambda call: (400, {"error": "bad"})
    rest_send(chatd.rest(), "alice", "bob", text("refused"))
    gateway_bodies(gateway, 1)
    drained(pg)
    assert len(gateway.calls) == 1
    assert len(tokens(pg)) == 1


def test_metrics(pushed, gateway, pg):
    """chatd_push_sent_total and chatd_push_failed_total count by provider."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    failing = {"n": 1}

    def answer(call):
        if failing["n"]:
            failing["n"] -= 1
            return (503, {})
        return {"ok": True}

    gateway.answer = answer
    rest_send(chatd.rest(), "alice", "bob", text("x"))
    gateway_bodies(gateway, 2)
    drained(pg)

    def metric(name):
        import requests
        page = requests.get(chatd.url + "/metrics", timeout=5).text
        for line in page.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return line
        return None

    wait_until(lambda: metric('chatd_push_sent_total{provider="gateway"}')
               == 'chatd_push_sent_total{provider="gateway"} 1', what="sent 1")
    assert metric('chatd_push_failed_total{provider="gateway"}') == \
        'chatd_push_failed_total{provider="gateway"} 1'
    assert metric("chatd_push_pending") is not None
    assert metric("chatd_push_queue_age_seconds") is not None


# ---- groups and @ mentions --------------------------------------------------------------------

def create_group(rest, type_, members):
    return call_ok(rest, "group_open_http_svc/create_group", {
        "Type": type_, "Name": "team", "Owner_Account": "alice",
        "MemberList": [{"Member_Account": m} for m in members]})["GroupId"]


def group_send(rest, gid, body, **fields):
    return call_ok(rest, "group_open_http_svc/send_group_msg", {
        "GroupId": gid, "From_Account": "alice", "Random": next(_random), "MsgBody": body,
        **fields})


def test_group_message_pushes_members_away(pushed, gateway, pg):
    """A Public group's message queues a notification for each member away from the
    foreground, not for the sender or a member in the foreground; the title is the group."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    carol = WsClient.login_as(chatd.url, "carol", platform="Android")
    carol.call("setOfflinePushConfig", {"businessID": 1, "token": "fcm-carol"})
    registered(chatd, "alice", "fcm-alice")
    rest = chatd.rest()
    gid = create_group(rest, "Public", ["bob", "carol"])
    group_send(rest, gid, text("hello team"))
    (body,) = gateway_bodies(gateway, 1)
    assert (body["userID"], body["token"], body["groupID"], body["conversationID"],
            body["title"], body["desc"], body["badge"]) == (
        "bob", "fcm-bob", gid, f"group_{gid}", gid, "hello team", 1)
    drained(pg)
    assert len(gateway.calls) == 1


def test_meeting_group_does_not_push(pushed, gateway, pg):
    """A Meeting (ChatRoom) group's messages never push (its default is AcceptNotNotify)."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    rest = chatd.rest()
    gid = create_group(rest, "ChatRoom", ["bob"])
    group_send(rest, gid, text("hello"))
    expect_pushes(pg, gateway, 0)


@pytest.mark.parametrize("opt, at, pushes", [
    (2, None, False), (3, None, False), (3, "bob", True), (3, "all", True), (4, "bob", True),
    (4, "carol", False), (1, "bob", False), (0, None, True),
])
def test_group_receive_options_and_mentions(pushed, gateway, pg, opt, at, pushes):
    """bob's receive option for the group decides: 0 pushes, 1 and 2 never, 3 and 4 only a
    message that @-mentions bob or @all."""
    chatd = pushed()
    rest = chatd.rest()
    gid = create_group(rest, "Public", ["bob", "carol"])
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    bob.call("setOfflinePushConfig", {"businessID": 1, "token": "fcm-bob"})
    bob.call("setGroupReceiveMessageOpt", {"groupID": gid, "opt": opt})
    bob.close()
    fields = {}
    if at == "all":
        fields["GroupAtInfo"] = [{"GroupAtAllFlag": 1}]
    elif at:
        fields["GroupAtInfo"] = [{"GroupAtAllFlag": 0, "GroupAt_Account": at}]
    group_send(rest, gid, text("@ you"), **fields)
    expect_pushes(pg, gateway, 1 if pushes else 0)


# ---- signaling ------------------------------------------------------------------------------

def test_invitation_pushes_offline(pushed, gateway, pg):
    """A one-to-one invitation to an offline invitee pushes: "[Call invitation]" with the
    signaling JSON as ext, or the invite's own offlinePushInfo; an online-only one does not; a
    malformed offlinePushInfo is refused (6017) and stores nothing."""
    chatd = pushed()
    registered(chatd, "bob", "fcm-bob")
    alice = WsClient.login_as(chatd.url, "alice")
    invite_id = alice.call("invite", {"invitee": "bob", "data": "video", "timeout": 30})[
        "inviteID"]
    (body,) = gateway_bodies(gateway, 1)
    assert body["desc"] == "[Call invitation]" and body["title"] == "alice"
    assert json.loads(body["ext"])["inviteID"] == invite_id
    alice.call("invite", {"invitee": "bob", "data": "x", "onlineUserOnly": True})
    alice.call("invite", {"invitee": "bob", "data": "y",
                          "offlinePushInfo": {"Title": "Call", "Desc": "alice is calling"}})
    bodies = gateway_bodies(gateway, 2)
    assert (bodies[1]["title"], bodies[1]["desc"]) == ("Call", "alice is calling")
    alice.fail("invite", {"invitee": "bob", "offlinePushInfo": {"PushFlag": 3}}, 6017)
    drained(pg)
    assert len(gateway.calls) == 2
    assert pg.sql("SELECT count(*) FROM signal_invites") == [(3,)]
