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


# ---- FCM HTTP v1 ------------------------------------------------------------------------------

class FakeFcm:
    """Google's token endpoint and FCM's messages:send on one port (HTTP/1.1). `token_answer()`
    and `send_answer(call)` return (status, body dict)."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from util import free_port
        self.port = free_port()
        self.tokens, self.sends = [], []
        self.issued = 0
        self.expires_in = 3600
        self.send_answer = lambda call: (200, {"name": "projects/p1/messages/1"})
        self.token_answer = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                from urllib.parse import parse_qs
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                call = {"path": self.path, "headers": dict(self.headers), "raw": raw}
                if self.path == "/oauth/token":
                    call["form"] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    owner.tokens.append(call)
                    if owner.token_answer:
                        status, body = owner.token_answer()
                    else:
                        owner.issued += 1
                        status, body = 200, {"access_token": f"ya29.t{owner.issued}",
                                             "expires_in": owner.expires_in,
                                             "token_type": "Bearer"}
                else:
                    call["body"] = json.loads(raw)
                    owner.sends.append(call)
                    status, body = owner.send_answer(call)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fcm():
    f = FakeFcm()
    yield f
    f.stop()


@pytest.fixture
def service_account(tmp_path, fcm):
    """A service-account file with a fresh RSA key; returns (path, public key PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "p1", "private_key": pem,
        "client_email": "chatd@p1.iam.gserviceaccount.com",
        "token_uri": fcm.url("/oauth/token")}))
    return path, public


@pytest.fixture
def fcm_chatd(chatd_factory, fcm, service_account):
    def start(**keys):
        config = {"push_fcm_credentials": str(service_account[0]),
                  "push_fcm_base_url": fcm.url(), "push_poll_ms": 50,
                  "push_retry_base_ms": 50, "push_retry_max_ms": 200, "push_timeout_ms": 1000}
        config.update(keys)
        instance = chatd_factory(**config)
        call_ok(instance.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
        return instance
    return start


def wait_sends(fcm, n):
    return wait_until(lambda: fcm.sends[:n] if len(fcm.sends) >= n else None,
                      what=f"{n} FCM sends")


def test_fcm_token_exchange_and_send(fcm_chatd, fcm, service_account, pg):
    """The service account's RS256 assertion (iss, scope, aud = the token URL) is exchanged for
    an access token, which is cached; each notification is one messages:send with it."""
    import jwt as pyjwt
    chatd = fcm_chatd()
    registered(chatd, "bob", "fcm-bob")
    rest = chatd.rest()
    msg = rest_send(rest, "alice", "bob", text("hello"))
    rest_send(rest, "alice", "bob", text("again"))
    first, second = wait_sends(fcm, 2)
    drained(pg)
    assert len(fcm.tokens) == 1
    form = fcm.tokens[0]["form"]
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert fcm.tokens[0]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    claims = pyjwt.decode(form["assertion"], service_account[1], algorithms=["RS256"],
                          audience=fcm.url("/oauth/token"))
    assert claims["iss"] == "chatd@p1.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    assert claims["exp"] - claims["iat"] == 3600
    assert first["path"] == "/v1/projects/p1/messages:send"
    assert first["headers"]["Authorization"] == "Bearer ya29.t1"
    assert second["headers"]["Authorization"] == "Bearer ya29.t1"
    m = first["body"]["message"]
    assert m["token"] == "fcm-bob"
    assert m["notification"] == {"title": "alice", "body": "hello"}
    assert m["android"] == {"notification": {"notification_count": 1}}
    assert m["data"]["badge"] == "1" and m["data"]["conversationID"] == "c2c_alice"
    assert m["data"]["msgID"] == msg["MsgId"] and m["data"]["ext"] == ""
    assert int(m["data"]["notificationID"]) > 0
    assert second["body"]["message"]["data"]["badge"] == "2"


def test_fcm_token_refreshed_when_expiring(fcm_chatd, fcm, pg):
    """An access token within a minute of its expiry is not used: a new one is fetched."""
    fcm.expires_in = 60
    chatd = fcm_chatd()
    registered(chatd, "bob", "fcm-bob")
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("one"))
    wait_sends(fcm, 1)
    rest_send(rest, "alice", "bob", text("two"))
    first, second = wait_sends(fcm, 2)
    assert len(fcm.tokens) == 2
    assert (first["headers"]["Authorization"], second["headers"]["Authorization"]) == (
        "Bearer ya29.t1", "Bearer ya29.t2")


def test_fcm_outage_then_recovery(fcm_chatd, fcm, pg):
    """500s and a refused token exchange are retried with the same notification id until FCM
    answers; nothing is lost. A 401 fetches a new access token."""
    chatd = fcm_chatd()
    registered(chatd, "bob", "fcm-bob")
    plan = [(500, {"error": {"status": "UNAVAILABLE"}}),
            (401, {"error": {"status": "UNAUTHENTICATED"}})]
    fcm.send_answer = lambda call: plan.pop(0) if plan else (200, {"name": "ok"})
    rest_send(chatd.rest(), "alice", "bob", text("persistent"))
    sends = wait_sends(fcm, 3)
    drained(pg)
    ids = {s["body"]["message"]["data"]["notificationID"] for s in sends}
    assert len(ids) == 1 and len(fcm.sends) == 3
    assert sends[2]["headers"]["Authorization"] == "Bearer ya29.t2"


def test_fcm_unregistered_unbinds(fcm_chatd, fcm, pg):
    """UNREGISTERED (404) from FCM removes the binding; the notification is not retried."""
    chatd = fcm_chatd()
    registered(chatd, "bob", "fcm-bob")
    fcm.send_answer = lambda call: (404, {"error": {"code": 404, "status": "NOT_FOUND",
                                                    "details": [{"errorCode": "UNREGISTERED"}]}})
    rest_send(chatd.rest(), "alice", "bob", text("gone"))
    wait_sends(fcm, 1)
    wait_until(lambda: tokens(pg) == [], what="the token unbound")
    drained(pg)
    assert len(fcm.sends) == 1


def test_fcm_invalid_token_400_unbinds(fcm_chatd, fcm, pg):
    """A 400 naming the registration token unbinds it too."""
    chatd = fcm_chatd()
    registered(chatd, "bob", "fcm-bob")
    fcm.send_answer = lambda call: (400, {"error": {
        "code": 400, "status": "INVALID_ARGUMENT",
        "message": "The registration token is not a valid FCM registration token"}})
    rest_send(chatd.rest(), "alice", "bob", text("bad"))
    wait_until(lambda: tokens(pg) == [], what="the token unbound")


def test_fcm_only_queues_fcm_devices(fcm_chatd, fcm, pg):
    """With FCM as the only provider an iPhone's (APNs) binding queues nothing."""
    chatd = fcm_chatd()
    registered(chatd, "bob", "apns-bob", platform="iPhone")
    rest_send(chatd.rest(), "alice", "bob", text("hello"))
    assert outbox(pg) == []


@pytest.mark.parametrize("content, why", [
    ("not json", "cannot read"),
    ('{"client_email": "x"}', "needs client_email"),
    ('{"client_email": "x", "private_key": "nope", "project_id": "p"}', "not an RSA key"),
])
def test_fcm_bad_credentials_stop_start_up(chatd_factory, tmp_path, content, why):
    """An unusable service-account file stops start-up naming push_fcm_credentials."""
    path = tmp_path / "bad.json"
    path.write_text(content)
    inst = chatd_factory(start=False, push_fcm_credentials=str(path))
    assert inst.run_to_exit() != 0
    log = inst.log_path.read_text()
    assert "push_fcm_credentials" in log and why in log


# ---- APNs (HTTP/2 over TLS) -------------------------------------------------------------------

class FakeApns:
    """APNs' POST /3/device/<token> over HTTP/2 with TLS (Debian's python3-h2), a self-signed
    certificate for 127.0.0.1. `answer(call)` returns (status, body dict or None)."""

    def __init__(self, workdir):
        import datetime
        import ipaddress
        import socket
        import ssl
        import threading
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake apns")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.cert_path = workdir / "apns-cert.pem"
        key_path = workdir / "apns-key.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(self.cert_path, key_path)
        self.ctx.set_alpn_protocols(["h2"])
        self.calls = []
        self.connections = 0
        self.answer = lambda call: (200, None)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if not self.running:
                conn.close()
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, raw):
        import h2.config
        import h2.connection
        import h2.events
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except OSError:
            return
        self.connections += 1
        h2c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        h2c.initiate_connection()
        conn.sendall(h2c.data_to_send())
        streams = {}
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            for ev in h2c.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    streams[ev.stream_id] = {"headers": {k.decode(): v.decode()
                                                         for k, v in ev.headers}, "raw": b""}
                elif isinstance(ev, h2.events.DataReceived):
                    streams[ev.stream_id]["raw"] += ev.data
                    h2c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    call = streams.pop(ev.stream_id)
                    call["body"] = json.loads(call["raw"])
                    call["path"] = call["headers"][":path"]
                    self.calls.append(call)
                    status, body = self.answer(call)
                    payload = json.dumps(body).encode() if body is not None else b""
                    h2c.send_headers(ev.stream_id, [(":status", str(status)),
                                                    ("apns-id", "00000000-0000-0000-0000-000000000001")],
                                     end_stream=not payload)
                    if payload:
                        h2c.send_data(ev.stream_id, payload, end_stream=True)
            try:
                conn.sendall(h2c.data_to_send())
            except OSError:
                return

    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def stop(self):
        import socket
        self.running = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the serving thread
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def apns(tmp_path):
    f = FakeApns(tmp_path)
    yield f
    f.stop()


@pytest.fixture
def apns_key(tmp_path):
    """An APNs signing key (.p8: an EC P-256 key in PKCS#8 PEM); returns (path, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "AuthKey.p8"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path, key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def apns_chatd(chatd_factory, apns, apns_key):
    def start(**keys):
        config = {"push_apns_key_file": str(apns_key[0]), "push_apns_key_id": "KEY1234567",
                  "push_apns_team_id": "TEAM123456", "push_apns_topic": "com.example.chat",
                  "push_apns_base_url": apns.url(), "push_ca_file": str(apns.cert_path),
                  "push_poll_ms": 50, "push_retry_base_ms": 50, "push_retry_max_ms": 200,
                  "push_timeout_ms": 2000}
        config.update(keys)
        instance = chatd_factory(**config)
        call_ok(instance.rest(), "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
        return instance
    return start


def wait_apns(apns, n):
    return wait_until(lambda: apns.calls[:n] if len(apns.calls) >= n else None,
                      what=f"{n} APNs requests")


def test_apns_sends_over_http2_with_a_provider_token(apns_chatd, apns, apns_key, pg):
    """An iPhone's notification is one HTTP/2 POST /3/device/<token> with an ES256 provider
    token (kid, iss = the team), apns-topic, apns-push-type alert, and the aps payload: alert,
    badge, sound; ApnsInfo's BadgeMode 1 leaves the badge out."""
    import jwt as pyjwt
    chatd = apns_chatd()
    registered(chatd, "bob", "a1b2c3", platform="iPhone")
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("hello"))
    rest_send(rest, "alice", "bob", text("quiet badge"),
              OfflinePushInfo={"ApnsInfo": {"BadgeMode": 1, "Sound": "ring.caf",
                                            "SubTitle": "sub"}})
    first, second = wait_apns(apns, 2)
    drained(pg)
    h = first["headers"]
    assert first["path"] == "/3/device/a1b2c3"
    assert (h[":method"], h[":scheme"]) == ("POST", "https")
    assert h["apns-topic"] == "com.example.chat" and h["apns-push-type"] == "alert"
    assert h["authorization"].startswith("bearer ")
    token = h["authorization"][len("bearer "):]
    assert pyjwt.get_unverified_header(token)["kid"] == "KEY1234567"
    claims = pyjwt.decode(token, apns_key[1], algorithms=["ES256"])
    assert claims["iss"] == "TEAM123456" and isinstance(claims["iat"], int)
    assert first["body"]["aps"] == {"alert": {"title": "alice", "body": "hello"}, "badge": 1,
                                    "sound": "default"}
    assert first["body"]["conversationID"] == "c2c_alice"
    assert isinstance(first["body"]["notificationID"], int)
    assert second["body"]["aps"] == {"alert": {"title": "alice", "body": "quiet badge",
                                               "subtitle": "sub"}, "sound": "ring.caf"}
    assert apns.connections == 1


def test_apns_bad_device_token_unbinds(apns_chatd, apns, pg):
    """410 Unregistered and 400 BadDeviceToken remove the binding; the notification is not
    retried."""
    chatd = apns_chatd()
    registered(chatd, "bob", "dead", platform="iPhone")
    registered(chatd, "carol", "bad", platform="iPad")
    apns.answer = lambda call: ((410, {"reason": "Unregistered"}) if call["path"].endswith("dead")
                                else (400, {"reason": "BadDeviceToken"}))
    rest = chatd.rest()
    rest_send(rest, "alice", "bob", text("x"))
    rest_send(rest, "alice", "carol", text("y"))
    wait_apns(apns, 2)
    wait_until(lambda: tokens(pg) == [], what="both tokens unbound")
    drained(pg)
    assert len(apns.calls) == 2


def test_apns_outage_then_recovery(apns_chatd, apns, pg):
    """503s are retried with the same notification id until APNs takes it."""
    chatd = apns_chatd()
    registered(chatd, "bob", "a1", platform="iPhone")
    plan = [(503, {"reason": "ServiceUnavailable"}), (500, {"reason": "InternalServerError"})]
    apns.answer = lambda call: plan.pop(0) if plan else (200, None)
    rest_send(chatd.rest(), "alice", "bob", text("persist"))
    calls = wait_apns(apns, 3)
    drained(pg)
    assert len({c["body"]["notificationID"] for c in calls}) == 1
    assert len(apns.calls) == 3


def test_apns_unreachable_then_up(apns_chatd, apns, pg):
    """With APNs not listening the notification waits and is retried; it goes once APNs is
    back (a new connection)."""
    chatd = apns_chatd()
    registered(chatd, "bob", "a1", platform="iPhone")
    port = apns.port
    apns.stop()
    rest_send(chatd.rest(), "alice", "bob", text("later"))
    wait_until(lambda: (pg.sql("SELECT max(attempts) FROM push_outbox")[0][0] or 0) >= 1,
               what="a failed attempt")
    import socket
    apns.sock = socket.socket()
    apns.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    apns.sock.bind(("127.0.0.1", port))
    apns.sock.listen(16)
    apns.running = True
    import threading
    threading.Thread(target=apns._accept, daemon=True).start()
    wait_apns(apns, 1)
    drained(pg)


def test_apns_bad_key_stops_start_up(chatd_factory, tmp_path):
    """A key file that is not an EC key stops start-up naming push_apns_key_file."""
    path = tmp_path / "bad.p8"
    path.write_text("not a key")
    inst = chatd_factory(start=False, push_apns_key_file=str(path), push_apns_key_id="K",
                         push_apns_team_id="T", push_apns_topic="com.x")
    assert inst.run_to_exit() != 0
    assert "push_apns_key_file" in inst.log_path.read_text()


# ---- v4/all_member_push -----------------------------------------------------------------------

def amp(name):
    return f"all_member_push/{name}"


def test_attr_names_and_attrs(pushed, pg):
    """im_set_attr_name names slots; im_set_attr sets named attributes only; im_get_attr reads
    them back in request order; im_remove_attr removes them."""
    rest = pushed().rest()
    call_ok(rest, amp("im_set_attr_name"), {"AttrNames": {"0": "sex", "1": "city"}})
    assert call_ok(rest, amp("im_get_attr_name"), {})["AttrNames"] == {"0": "sex", "1": "city"}
    call_ok(rest, amp("im_set_attr"), {"UserAttrs": [
        {"To_Account": "bob", "Attrs": {"sex": "m", "city": "SZ"}},
        {"To_Account": "carol", "Attrs": {"city": "BJ"}}]})
    got = call_ok(rest, amp("im_get_attr"), {"To_Account": ["carol", "bob", "alice"]})
    assert got["UserAttrs"] == [{"To_Account": "carol", "Attrs": {"city": "BJ"}},
                                {"To_Account": "bob", "Attrs": {"city": "SZ", "sex": "m"}},
                                {"To_Account": "alice", "Attrs": {}}]
    call_fail(rest, amp("im_set_attr"), {"UserAttrs": [
        {"To_Account": "bob", "Attrs": {"age": "3"}}]}, 90010)
    call_ok(rest, amp("im_remove_attr"), {"UserAttrs": [
        {"To_Account": "bob", "Attrs": {"sex": ""}}]})
    got = call_ok(rest, amp("im_get_attr"), {"To_Account": ["bob"]})
    assert got["UserAttrs"] == [{"To_Account": "bob", "Attrs": {"city": "SZ"}}]


def test_tags(pushed, pg):
    """im_add_tag, im_get_tag, im_remove_tag, im_remove_all_tags; at most 100 tags per user."""
    rest = pushed().rest()
    call_ok(rest, amp("im_add_tag"), {"UserTags": [{"To_Account": "bob", "Tags": ["a", "b"]},
                                                   {"To_Account": "carol", "Tags": ["b"]}]})
    got = call_ok(rest, amp("im_get_tag"), {"To_Account": ["bob", "carol"]})["UserTags"]
    assert got == [{"To_Account": "bob", "Tags": ["a", "b"]},
                   {"To_Account": "carol", "Tags": ["b"]}]
    call_ok(rest, amp("im_remove_tag"), {"UserTags": [{"To_Account": "bob", "Tags": ["a"]}]})
    call_ok(rest, amp("im_remove_all_tags"), {"To_Account": ["carol"]})
    got = call_ok(rest, amp("im_get_tag"), {"To_Account": ["bob", "carol"]})["UserTags"]
    assert got == [{"To_Account": "bob", "Tags": ["b"]}, {"To_Account": "carol", "Tags": []}]
    for i in range(9):
        call_ok(rest, amp("im_add_tag"), {"UserTags": [
            {"To_Account": "bob", "Tags": [f"t{i}_{k}" for k in range(10)]}]})
    assert pg.sql("SELECT count(*) FROM push_user_tags WHERE user_id = 'bob'") == [(91,)]
    call_fail(rest, amp("im_add_tag"), {"UserTags": [
        {"To_Account": "bob", "Tags": [f"x{k}" for k in range(10)]}]}, 90010)
    assert pg.sql("SELECT count(*) FROM push_user_tags WHERE user_id = 'bob'") == [(91,)]


@pytest.mark.parametrize("api, body, code", [
    ("im_set_attr_name", {}, 90010),
    ("im_set_attr_name", {"AttrNames": {"10": "x"}}, 90010),
    ("im_set_attr_name", {"AttrNames": {"0": ""}}, 90010),
    ("im_set_attr_name", {"AttrNames": {"0": "a", "1": "a"}}, 90010),
    ("im_get_attr", {"To_Account": []}, 90010),
    ("im_get_attr", {"To_Account": ["u"] * 101}, 90011),
    ("im_get_attr", {"To_Account": ["ghost"]}, 70107),
    ("im_set_attr", {"UserAttrs": [{"To_Account": "bob", "Attrs": {}}]}, 90010),
    ("im_set_attr", {"UserAttrs": [{"To_Account": "ghost", "Attrs": {"sex": "m"}}]}, 70107),
    ("im_set_attr", {"UserAttrs": [{"Attrs": {"sex": "m"}}]}, 90010),
    ("im_add_tag", {"UserTags": [{"To_Account": "bob", "Tags": ["x" * 51]}]}, 90010),
    ("im_add_tag", {"UserTags": [{"To_Account": "bob", "Tags": [f"t{i}" for i in range(11)]}]},
     90010),
    ("im_add_tag", {"UserTags": [{"To_Account": "ghost", "Tags": ["a"]}]}, 70107),
    ("im_remove_all_tags", {"To_Account": "bob"}, 90010),
    ("im_push", {"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]}, 90010),
    ("im_push", {"MsgRandom": 1, "MsgBody": []}, 90002),
    ("im_push", {"MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem",
                                              "MsgContent": {"Text": "x"}}],
                 "Condition": {"TagsOr": ["a"], "AttrsOr": {"sex": "m"}}}, 90010),
    ("im_push", {"MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem",
                                              "MsgContent": {"Text": "x"}}],
                 "Condition": {"Other": 1}}, 90010),
    ("im_push", {"MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem",
                                              "MsgContent": {"Text": "x"}}],
                 "OfflinePushInfo": {"PushFlag": 1}}, 90010),
])
def test_all_member_push_bad_input(pushed, pg, api, body, code):
    """Malformed all_member_push requests are refused with their code and change nothing."""
    rest = pushed().rest()
    call_ok(rest, amp("im_set_attr_name"), {"AttrNames": {"0": "sex"}})
    call_fail(rest, amp(api), body, code)
    assert pg.sql("SELECT count(*) FROM push_user_attrs") == [(0,)]
    assert pg.sql("SELECT count(*) FROM push_user_tags") == [(0,)]
    assert pg.sql("SELECT count(*) FROM push_jobs") == [(0,)]
    assert pg.sql("SELECT name FROM push_attr_names") == [("sex",)]


def test_im_push_to_everyone_by_tag_and_by_attr(pushed, gateway, pg):
    """im_push queues one notification per binding of the users it targets — everyone, or by
    tags, or by attributes — in a streamed task; the same MsgRandom is the same task."""
    chatd = pushed()
    rest = chatd.rest()
    for user in USERS:
        registered(chatd, user, f"fcm-{user}")
    call_ok(rest, amp("im_set_attr_name"), {"AttrNames": {"0": "city"}})
    call_ok(rest, amp("im_set_attr"), {"UserAttrs": [{"To_Account": "bob",
                                                      "Attrs": {"city": "SZ"}}]})
    call_ok(rest, amp("im_add_tag"), {"UserTags": [{"To_Account": "carol", "Tags": ["vip"]},
                                                   {"To_Account": "alice", "Tags": ["vip"]}]})
    news = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "news"}}]
    task = call_ok(rest, amp("im_push"), {"MsgRandom": 11, "MsgBody": news,
                                          "From_Account": "alice"})["TaskId"]
    assert task.startswith("task_")
    assert call_ok(rest, amp("im_push"), {"MsgRandom": 11, "MsgBody": news})["TaskId"] == task
    bodies = gateway_bodies(gateway, 3)
    assert sorted(b["userID"] for b in bodies) == USERS
    assert {(b["desc"], b["title"]) for b in bodies} == {("news", "alice")}
    call_ok(rest, amp("im_push"), {"MsgRandom": 12, "MsgBody": news,
                                   "Condition": {"TagsOr": ["vip"]}})
    bodies = gateway_bodies(gateway, 5)[3:]
    assert sorted(b["userID"] for b in bodies) == ["alice", "carol"]
    call_ok(rest, amp("im_push"), {"MsgRandom": 13, "MsgBody": news,
                                   "Condition": {"AttrsAnd": {"city": "SZ"}}})
    bodies = gateway_bodies(gateway, 6)[5:]
    assert [b["userID"] for b in bodies] == ["bob"]
    wait_until(lambda: pg.sql("SELECT count(*) FROM push_jobs WHERE NOT done") == [(0,)],
               what="every task done")
    drained(pg)
    assert len(gateway.calls) == 6


def test_im_push_pages_over_many_users(pushed, gateway, pg):
    """A task over more users than one page (500) reaches each once."""
    chatd = pushed()
    rest = chatd.rest()
    users = [f"u{i:04d}" for i in range(1200)]
    for k in range(0, len(users), 100):
        call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": users[k:k + 100]})
    pg.sql("INSERT INTO push_tokens (user_id, platform, token, provider)"
           " SELECT user_id, 'Android', 'tok-' || user_id, 'fcm' FROM accounts"
           " WHERE user_id LIKE 'u%'")
    call_ok(rest, amp("im_push"), {"MsgRandom": 5, "MsgBody": [
        {"MsgType": "TIMTextElem", "MsgContent": {"Text": "all"}}]})
    wait_until(lambda: pg.sql("SELECT done, queued FROM push_jobs") == [(True, 1200)],
               timeout=30, what="the task done")
    wait_until(lambda: len(gateway.calls) >= 1200, timeout=60, what="1200 notifications")
    assert sorted(c["body"]["userID"] for c in gateway.calls[:1200]) == users


def test_im_push_through_fcm_and_apns_has_no_badge(chatd_factory, fcm, service_account, apns,
                                                  apns_key, pg):
    """An im_push task's notifications carry no badge: FCM's data has none, APNs' aps none."""
    chatd = chatd_factory(**{
        "push_fcm_credentials": str(service_account[0]), "push_fcm_base_url": fcm.url(),
        "push_apns_key_file": str(apns_key[0]), "push_apns_key_id": "KEY1234567",
        "push_apns_team_id": "TEAM123456", "push_apns_topic": "com.example.chat",
        "push_apns_base_url": apns.url(), "push_ca_file": str(apns.cert_path),
        "push_poll_ms": 50})
    rest = chatd.rest()
    call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    registered(chatd, "bob", "fcm-bob")
    registered(chatd, "carol", "apns-carol", platform="iPhone")
    call_ok(rest, amp("im_push"), {"MsgRandom": 9, "MsgBody": [
        {"MsgType": "TIMTextElem", "MsgContent": {"Text": "to all"}}]})
    (f,) = wait_sends(fcm, 1)
    (a,) = wait_apns(apns, 1)
    assert f["body"]["message"]["token"] == "fcm-bob"
    assert "badge" not in f["body"]["message"]["data"]
    assert f["body"]["message"]["android"] == {"notification": {}}
    assert a["path"] == "/3/device/apns-carol"
    assert a["body"]["aps"] == {"alert": {"title": "", "body": "to all"}, "sound": "default"}
    drained(pg)
