"""The WebSocket door at /ws: the upgrade, login and logout, multi-device login policies and kicks,
framing rules and close codes, heartbeat and the bounds on frames and output (docs/protocol.md).
"""

import base64
import hashlib
import hmac
import json
import struct
import time

import pytest

from util import SDKAPPID, usersig
from ws_client import (Closed, RawWs, WsClient, accept_key, import_users, login_timer_barrier,
                       online_platforms, text_body)

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

JWT_SECRET = "chatd-e2e-jwt-secret-of-more-than-32-bytes"
HS256 = {"jwt_algorithm": "HS256", "jwt_secret": JWT_SECRET}


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hs256_jwt(claims, secret=JWT_SECRET):
    signing_input = (f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}."
                     f"{b64url(json.dumps(claims).encode())}")
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(sig)}"


@pytest.fixture
def alice(chatd, rest):
    """`alice` and `bob` imported; returns a connected, not yet logged-in client."""
    import_users(rest, "alice", "bob")
    client = WsClient(chatd.url)
    yield client
    client.close()


# ---- the upgrade -------------------------------------------------------------------------------

def test_upgrade_answers_101_with_accept(chatd):
    """A valid upgrade gets 101 with Upgrade/Connection headers and the RFC 6455 accept value."""
    raw = RawWs(chatd.url)
    status, headers = raw.handshake()
    assert status == 101
    assert headers["upgrade"].lower() == "websocket"
    assert headers["connection"].lower() == "upgrade"
    assert headers["sec-websocket-accept"] == accept_key(raw.key)
    raw.close()


def test_upgrade_accept_rfc_example(chatd):
    """The accept value for RFC 6455's example key is the RFC's (s3pPLMBiTxaQ9kYGzzhZRbK+xOo=)."""
    raw = RawWs(chatd.url)
    status, headers = raw.handshake({"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert status == 101
    assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    raw.close()


BAD_UPGRADES = [
    pytest.param({"Sec-WebSocket-Key": None}, id="missing-key"),
    pytest.param({"Sec-WebSocket-Key": "c2hvcnQ="}, id="key-not-16-bytes"),
    pytest.param({"Sec-WebSocket-Key": "not base64 at all!!!!!=="}, id="key-not-base64"),
    pytest.param({"Sec-WebSocket-Version": "8"}, id="version-8"),
    pytest.param({"Sec-WebSocket-Version": None}, id="missing-version"),
    pytest.param({"Upgrade": None}, id="missing-upgrade"),
    pytest.param({"Upgrade": "h2c"}, id="upgrade-not-websocket"),
    pytest.param({"Connection": "keep-alive"}, id="connection-without-upgrade"),
]


@pytest.mark.parametrize("headers", BAD_UPGRADES)
def test_bad_upgrade_400(chatd, headers):
    """An upgrade request missing a required header or with a wrong value gets HTTP 400."""
    raw = RawWs(chatd.url)
    status, _ = raw.handshake(headers)
    assert status == 400
    raw.close()


def test_upgrade_header_tokens_case_insensitive(chatd):
    """Upgrade and Connection are token lists compared without case (keep-alive, UPGRADE)."""
    raw = RawWs(chatd.url)
    status, _ = raw.handshake({"Upgrade": "WebSocket", "Connection": "keep-alive, UPGRADE"})
    assert status == 101
    raw.close()


def test_frame_sent_with_the_upgrade_is_read(chatd, rest):
    """A first frame that arrives in the same packet as the upgrade request is processed."""
    import_users(rest, "alice")
    raw = RawWs(chatd.url)
    login = {"seq": 1, "cmd": "login", "body": {"userID": "alice", "userSig": usersig("alice")}}
    status, _ = raw.handshake(then=RawWs.frame(0x1, json.dumps(login)))
    assert status == 101
    assert raw.recv_json()["code"] == 0


# ---- login -------------------------------------------------------------------------------------

def test_login_with_usersig(alice, rest):
    """login with a UserSig answers {userID, platform}; REST then reports the user Online."""
    assert alice.call("login", {"userID": "alice", "userSig": usersig("alice"),
                                "platform": "Android"}) == {"userID": "alice",
                                                            "platform": "Android"}
    assert online_platforms(rest, "alice") == ["Android"]


@pytest.mark.chatd_config(**HS256)
def test_login_with_jwt(alice, rest):
    """With jwt_algorithm HS256, a JWT whose sub is the user logs in like a UserSig."""
    token = hs256_jwt({"sub": "alice", "exp": int(time.time()) + 3600})
    alice.login("alice", sig=token)
    assert online_platforms(rest, "alice") == ["Web"]


@pytest.mark.chatd_config(**HS256)
def test_jwt_within_leeway_not_expired_at_once(alice, chatd):
    """A JWT whose exp passed less than jwt_leeway ago logs in (clock skew) and the session is
    not declared expired before exp + jwt_leeway."""
    alice.login("alice", sig=hs256_jwt({"sub": "alice", "exp": int(time.time()) - 5}))
    # Barrier: bob's session, opened later, expires 1-2 s from now (exp + the default leeway of
    # 30 s); alice's, had it been declared expired at exp, would have gone before it.
    bob = WsClient.login_as(chatd.url, "bob", sig=hs256_jwt({"sub": "bob",
                                                             "exp": int(time.time()) - 28}))
    bob.wait_event("onUserSigExpired")
    alice.barrier()  # raises Closed if alice's session was closed meanwhile
    assert alice.take_events("onUserSigExpired") == []


FAR_EXPIRY = [
    pytest.param({}, lambda: usersig("alice", expire=2 ** 62), id="usersig-expire-2^62"),
    pytest.param(HS256, lambda: hs256_jwt({"sub": "alice", "exp": 2 ** 63 - 1}),
                 id="jwt-exp-int64-max"),
]


@pytest.mark.parametrize("config, make_sig", FAR_EXPIRY)
def test_login_with_far_expiry(chatd_of, config, make_sig):
    """A UserSig or JWT that expires in the far future logs in and its session keeps working."""
    instance = chatd_of(**config)
    import_users(instance.rest(), "alice")
    client = WsClient.login_as(instance.url, "alice", sig=make_sig())
    client.barrier()


def test_login_default_platform_web(alice):
    """login without a platform is a Web session."""
    assert alice.call("login", {"userID": "alice", "userSig": usersig("alice")})["platform"] == \
        "Web"


BAD_SIGS = [
    pytest.param(lambda: usersig("alice", now=time.time() - 1000, expire=10), 70001,
                 id="expired"),
    pytest.param(lambda: "not*a*usersig", 70003, id="undecodable"),
    pytest.param(lambda: usersig("alice", key="0" * 64), 70009, id="wrong-key"),
    pytest.param(lambda: hs256_jwt({"sub": "alice", "exp": int(time.time()) + 60}), 70009,
                 id="jwt-while-jwt-off"),
    pytest.param(lambda: usersig("bob"), 70013, id="other-users-sig"),
    pytest.param(lambda: usersig("alice", sdkappid=SDKAPPID + 1), 70014, id="other-sdkappid"),
]


@pytest.mark.parametrize("make_sig, code", BAD_SIGS)
def test_login_bad_sig(alice, make_sig, code):
    """A bad UserSig gets its auth code and the socket may still log in with a good one."""
    alice.fail("login", {"userID": "alice", "userSig": make_sig()}, code)
    alice.login("alice")


def test_login_unknown_user_70107_then_login_again(alice, rest):
    """A validly signed login for a user who is not imported gets 70107; the socket lives on and
    may then log in as an imported user."""
    alice.fail("login", {"userID": "nobody", "userSig": usersig("nobody")}, 70107)
    alice.login("alice")
    assert online_platforms(rest, "alice") == ["Web"]
    assert online_platforms(rest, "bob") == []


BAD_LOGIN_BODIES = [
    pytest.param({}, id="empty"),
    pytest.param({"userSig": "x"}, id="no-userID"),
    pytest.param({"userID": "alice"}, id="no-userSig"),
    pytest.param({"userID": 7, "userSig": "x"}, id="userID-number"),
    pytest.param({"userID": "alice", "userSig": ["x"]}, id="userSig-array"),
    pytest.param({"userID": "alice", "userSig": "SIG", "platform": "Symbian"},
                 id="unknown-platform"),
    pytest.param({"userID": "alice", "userSig": "SIG", "platform": 3}, id="platform-number"),
]


@pytest.mark.parametrize("body", BAD_LOGIN_BODIES)
def test_login_bad_body_70402(alice, body):
    """A login whose fields are missing, mistyped or name an unknown platform gets 70402."""
    body = {k: usersig("alice") if v == "SIG" else v for k, v in body.items()}
    alice.fail("login", body, 70402)
    alice.login("alice")


def test_login_twice_refused(alice):
    """A second login on a logged-in socket gets 70402; the first login stays."""
    alice.login("alice")
    alice.fail("login", {"userID": "bob", "userSig": usersig("bob")}, 70402)
    alice.barrier()



PLATFORM_NAMES = [
    ("Android", "Android", "Android"),
    ("iPhone", "iPhone", "iPhone"),
    ("iOS", "iPhone", "iPhone"),
    ("iPad", "iPad", "iPad"),
    pytest.param("Windows", "Windows", "PC"),
    pytest.param("PC", "Windows", "PC"),
    ("Mac", "Mac", "Mac"),
    ("macOS", "Mac", "Mac"),
    ("Linux", "Linux", "Linux"),
    ("Web", "Web", "Web"),
    ("android", "Android", "Android"),
]


@pytest.mark.parametrize("given, session, detail", PLATFORM_NAMES)
def test_login_platform_names(alice, rest, given, session, detail):
    """Platform aliases map to one platform: login answers chatd's name, and query_online_status
    Detail spells it as Tencent does (iPhone, Android, Web, PC, iPad, Mac)."""
    assert alice.login("alice", platform=given)["platform"] == session
    answer = rest.call("openim/query_online_status", {"To_Account": ["alice"], "IsNeedDetail": 1})
    assert answer["QueryResult"][0]["Detail"] == [{"Platform": detail, "Status": "Online"}]


COMMANDS_BEFORE_LOGIN = ["sendMessage", "getHistoryMessageList", "logout", "noSuchCommand"]


@pytest.mark.parametrize("cmd", COMMANDS_BEFORE_LOGIN)
def test_command_before_login_6014(alice, cmd):
    """Before login every command but login is answered 6014 and the socket stays usable."""
    alice.fail(cmd, {"receiver": "bob", "msgBody": text_body("hi")}, 6014)
    alice.login("alice")


@pytest.mark.chatd_config(login_timeout_ms=200)
def test_no_login_in_time_closes_1008(alice, chatd):
    """A connection that does not log in within login_timeout_ms is closed with 1008."""
    started = time.monotonic()
    assert alice.wait_closed(timeout=5).code == 1008
    assert time.monotonic() - started >= 0.1
    assert "no login in time" in chatd.log()


@pytest.mark.chatd_config(login_timeout_ms=200)
def test_login_in_time_is_not_closed(alice, chatd):
    """A connection that logged in in time stays open past login_timeout_ms."""
    alice.login("alice")
    login_timer_barrier(chatd.url)  # alice's login deadline has passed
    alice.barrier()


@pytest.mark.chatd_config(login_timeout_ms=200)
def test_failed_login_still_closed_at_timeout(alice):
    """Failed logins do not stop the login clock: the socket is closed 1008 at the deadline."""
    alice.fail("login", {"userID": "nobody", "userSig": usersig("nobody")}, 70107)
    assert alice.wait_closed(timeout=5).code == 1008


def test_logout_then_login_as_another_user(alice, chatd, rest):
    """After logout the socket is anonymous (Offline) and may log in as someone else, who then
    gets that user's pushes."""
    alice.login("alice")
    assert alice.call("logout") == {}
    assert online_platforms(rest, "alice") == []
    alice.fail("getHistoryMessageList", {"conversationID": "c2c_bob"}, 6014)
    alice.login("bob")
    assert online_platforms(rest, "bob") == ["Web"]
    sender = WsClient.login_as(chatd.url, "alice", platform="Android")
    sent = sender.call("sendMessage", {"receiver": "bob", "msgBody": text_body("hi")})
    assert alice.wait_event("onRecvNewMessage")["message"]["msgID"] == sent["msgID"]


@pytest.mark.chatd_config(login_timeout_ms=200)
def test_logout_restarts_login_timeout(alice, chatd):
    """After logout the socket must log in again within login_timeout_ms, or is closed 1008."""
    alice.login("alice")
    login_timer_barrier(chatd.url)  # alice's first login deadline has passed
    alice.barrier()
    alice.call("logout")
    assert alice.wait_closed(timeout=5).code == 1008


def test_usersig_expiry_pushes_event_and_closes_4002(alice):
    """A session whose UserSig expires gets onUserSigExpired, then close 4002."""
    now = int(time.time())
    alice.login("alice", sig=usersig("alice", now=now - 100, expire=101))  # valid until now + 1
    assert alice.wait_event("onUserSigExpired", timeout=5) == {}
    assert alice.wait_closed().code == 4002


# ---- multi-device login policies ---------------------------------------------------------------

# (config, platforms already online in login order, new platform, indexes pushed out)
POLICY_CASES = [
    pytest.param({}, ["Android", "iPhone", "iPad", "Windows", "Mac", "Linux"], "Web", [],
                 id="multi-all-platforms"),
    pytest.param({}, ["Android", "Web"], "Android", [0], id="multi-same-platform"),
    pytest.param({}, ["Web", "iPhone"], "Web", [0], id="multi-web-limit-1"),
    pytest.param({"login_max_per_platform": 2}, ["Android"], "Android", [],
                 id="multi-2-per-platform"),
    pytest.param({"login_max_per_platform": 2}, ["Android", "Web", "Android"], "Android", [0],
                 id="multi-2-per-platform-oldest-out"),
    pytest.param({"login_max_web": 3}, ["Web", "Android", "Web"], "Web", [],
                 id="multi-3-web"),
    pytest.param({"login_max_web": 3}, ["Web", "Web", "Web"], "Web", [0],
                 id="multi-3-web-oldest-out"),
    pytest.param({"login_max_web": 3}, ["Android"], "Android", [0],
                 id="multi-web-limit-not-for-android"),
    pytest.param({"login_policy": "single"}, ["Android"], "Windows", [0], id="single-other"),
    pytest.param({"login_policy": "single"}, ["Web"], "iPhone", [0], id="single-web-too"),
    pytest.param({"login_policy": "single"}, ["Mac"], "Mac", [0], id="single-same"),
    pytest.param({"login_policy": "single", "login_max_per_platform": 2}, ["iPad"], "iPad", [],
                 id="single-2-per-platform"),
    pytest.param({"login_policy": "dual"}, ["Android", "Web"], "Windows", [0],
                 id="dual-replaces-device"),
    pytest.param({"login_policy": "dual"}, ["Mac"], "Web", [], id="dual-adds-web"),
    pytest.param({"login_policy": "dual"}, ["iPhone", "Web"], "Web", [1], id="dual-web-limit"),
    pytest.param({"login_policy": "dual"}, ["iPhone"], "iPad", [0], id="dual-two-mobiles"),
    pytest.param({"login_policy": "triple"}, ["Android", "Windows", "Web"], "iPhone", [0],
                 id="triple-mobile"),
    pytest.param({"login_policy": "triple"}, ["Android", "Windows", "Web"], "Linux", [1],
                 id="triple-desktop"),
    pytest.param({"login_policy": "triple"}, ["iPad", "Mac"], "Web", [], id="triple-adds-web"),
    pytest.param({"login_policy": "triple"}, ["Android", "Web"], "Mac", [],
                 id="triple-adds-desktop"),
    pytest.param({"login_policy": "triple"}, ["Android"], "iPad", [0], id="triple-two-mobiles"),
]


@pytest.mark.parametrize("config, existing, new, pushed_out", POLICY_CASES)
def test_login_policy(chatd_of, config, existing, new, pushed_out):
    """A new login pushes out exactly the sessions the policy says: they get onKickedOffline and
    close 4001, the others stay and get nothing; query_online_status shows who is left."""
    instance = chatd_of(**config)
    rest = instance.rest()
    import_users(rest, "alice")
    old = [WsClient.login_as(instance.url, "alice", platform=p) for p in existing]
    assert online_platforms(rest, "alice") == sorted(c.platform for c in old)
    newest = WsClient.login_as(instance.url, "alice", platform=new)
    for i, client in enumerate(old):
        if i in pushed_out:
            assert client.wait_event("onKickedOffline")["reason"], client.platform
            assert client.wait_closed().code == 4001
        else:
            client.barrier()
            assert client.take_events("onKickedOffline") == [], client.platform
    left = [c.platform for i, c in enumerate(old) if i not in pushed_out]
    assert online_platforms(rest, "alice") == sorted(left + [newest.platform])


def test_policy_kick_spares_other_users(chatd, rest):
    """A login pushes out only the same user's sessions, never another user's."""
    import_users(rest, "alice", "bob")
    bob = WsClient.login_as(chatd.url, "bob", platform="Android")
    WsClient.login_as(chatd.url, "alice", platform="Android")
    WsClient.login_as(chatd.url, "alice", platform="Android")
    bob.barrier()
    assert bob.take_events("onKickedOffline") == []
    assert online_platforms(rest, "bob") == ["Android"]


def test_rest_kick_closes_every_session(chatd, rest):
    """REST kick pushes onKickedOffline to every session of the user and closes each with 4001;
    the user is then Offline and other users keep their sessions."""
    import_users(rest, "alice", "bob")
    sessions = [WsClient.login_as(chatd.url, "alice", platform=p)
                for p in ("Android", "Windows", "Web")]
    bob = WsClient.login_as(chatd.url, "bob")
    assert rest.call("im_open_login_svc/kick", {"UserID": "alice"})["ErrorCode"] == 0
    for client in sessions:
        assert client.wait_event("onKickedOffline")["reason"]
        assert client.wait_closed().code == 4001
    assert online_platforms(rest, "alice") == []
    assert online_platforms(rest, "bob") == ["Web"]
    bob.barrier()


def test_account_delete_closes_sessions(chatd, rest):
    """Deleting an account kicks its sessions (onKickedOffline, close 4001)."""
    import_users(rest, "alice")
    client = WsClient.login_as(chatd.url, "alice")
    answer = rest.call("im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]})
    assert answer["ErrorCode"] == 0
    assert client.wait_event("onKickedOffline")["reason"]
    assert client.wait_closed().code == 4001


# ---- frames ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["not json", "[1, 2]", "42", '"seq"', "{\"seq\": 1,"])
def test_non_json_request_60003(alice, text):
    """A text frame that is not one JSON object gets code 60003 with seq null; the session lives."""
    alice.login("alice")
    alice.send_text(text)
    frame = alice.response(None)
    assert frame["code"] == 60003 and frame["desc"], frame
    alice.barrier()


def test_unknown_command_60009(alice):
    """An unknown cmd gets 60009 naming it; the session lives on."""
    alice.login("alice")
    frame = alice.fail("sendMesage", {}, 60009)
    assert "sendMesage" in frame["desc"]
    alice.barrier()


BAD_SHAPES = [
    pytest.param({"seq": 5, "body": {}}, 5, id="no-cmd"),
    pytest.param({"seq": 5, "cmd": 12}, 5, id="cmd-number"),
    pytest.param({"seq": 5, "cmd": None}, 5, id="cmd-null"),
    pytest.param({"seq": 5, "cmd": "findMessages", "body": []}, 5, id="body-array"),
    pytest.param({"seq": 5, "cmd": "findMessages", "body": "x"}, 5, id="body-string"),
    pytest.param({"seq": {"a": 1}, "cmd": "findMessages", "body": {}}, {"a": 1},
                 id="seq-object"),
    pytest.param({"seq": 1.5, "cmd": "findMessages", "body": {}}, 1.5, id="seq-real"),
]


@pytest.mark.parametrize("frame, echoed", BAD_SHAPES)
def test_bad_request_shape_70402(alice, frame, echoed):
    """A request with a non-string cmd, a non-object body or a seq that is neither integer nor
    string gets 70402 with the seq echoed as sent; the session lives."""
    alice.login("alice")
    alice.send_text(json.dumps(frame))
    answer = alice.response(echoed)
    assert answer["code"] == 70402 and answer["desc"], answer
    alice.barrier()


BAD_FIELDS = [
    pytest.param("sendMessage", {"receiver": 5, "msgBody": text_body("x")}, id="receiver-number"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"), "random": "1"},
                 id="random-string"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"), "random": -1},
                 id="random-negative"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"),
                                 "random": 1 << 32}, id="random-over-uint32"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"),
                                 "cloudCustomData": {}}, id="cloudCustomData-object"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"),
                                 "offlinePushInfo": "x"}, id="offlinePushInfo-string"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"),
                                 "onlineUserOnly": "yes"}, id="onlineUserOnly-string"),
    pytest.param("sendMessage", {"receiver": "bob", "msgBody": text_body("x"),
                                 "needReadReceipt": "yes"}, id="needReadReceipt-string"),
    pytest.param("getHistoryMessageList", {"conversationID": 5}, id="conversationID-number"),
    pytest.param("getHistoryMessageList", {"conversationID": "c2c_bob", "lastMsgSeq": "3"},
                 id="lastMsgSeq-string"),
    pytest.param("syncMessages", {"count": "5"}, id="sync-count-string"),
    pytest.param("getHistoryMessageList", {"conversationID": "c2c_bob", "count": "5"},
                 id="count-string"),
    pytest.param("findMessages", {"msgIDs": "abc"}, id="msgIDs-string"),
    pytest.param("findMessages", {"msgIDs": [1]}, id="msgIDs-numbers"),
    pytest.param("syncMessages", {"positions": []}, id="positions-array"),
    pytest.param("syncMessages", {"positions": {"c2c_bob": "3"}}, id="position-string"),
]


@pytest.mark.parametrize("cmd, body", BAD_FIELDS)
def test_wrong_field_type_70402(alice, cmd, body):
    """A command field of the wrong type gets 70402; the session lives."""
    alice.login("alice")
    alice.fail(cmd, body, 70402)
    alice.barrier()


def test_string_seq_echoed(alice):
    """seq may be a string and is echoed as given."""
    frame = alice.response(alice.send("login", {"userID": "alice", "userSig": usersig("alice")},
                                      seq="login-1"))
    assert frame["seq"] == "login-1" and frame["code"] == 0


def test_pipelined_requests_answered_once_each(alice):
    """300 requests sent without waiting get one response each: answered (0) or, beyond the
    commands a session may have in flight, refused with 60018."""
    alice.login("alice")
    seqs = [alice.send("findMessages", {"msgIDs": [f"m{i}"]}) for i in range(300)]
    codes = [alice.response(s)["code"] for s in seqs]
    assert set(codes) <= {0, 60018}, codes
    assert alice.responses == {}
    alice.barrier()


def test_binary_frame_closes_1003(alice):
    """A binary frame closes the connection with 1003."""
    alice.login("alice")
    alice.ws.send_binary(b'{"seq": 1, "cmd": "logout"}')
    assert alice.wait_closed().code == 1003


@pytest.mark.parametrize("payload", [b"\xff", b'{"seq": 1, "cmd": "\xc0\xaf"}', b"\xed\xa0\x80"],
                         ids=["ff", "overlong", "surrogate"])
def test_invalid_utf8_closes_1007(chatd, rest, payload):
    """A text frame with invalid UTF-8 closes the connection with 1007."""
    import_users(rest, "alice")
    raw = RawWs(chatd.url).upgrade().login("alice")
    raw.send_frame(0x1, payload)
    assert raw.wait_close() == 1007


def test_unmasked_frame_closes_1002(chatd):
    """An unmasked client frame is a protocol error: close 1002."""
    raw = RawWs(chatd.url).upgrade()
    raw.send_frame(0x1, '{"seq": 1, "cmd": "logout"}', mask=False)
    assert raw.wait_close() == 1002


def test_reserved_opcode_closes_1002(chatd):
    """A frame with a reserved opcode is a protocol error: close 1002."""
    raw = RawWs(chatd.url).upgrade()
    raw.send_frame(0x3, "x")
    assert raw.wait_close() == 1002


@pytest.mark.chatd_config(ws_max_frame_bytes=2048)
def test_message_over_limit_closes_1009(alice):
    """A message larger than ws_max_frame_bytes closes the connection with 1009."""
    alice.login("alice")
    alice.send("findMessages", {"msgIDs": ["x" * 2100]})
    assert alice.wait_closed().code == 1009


@pytest.mark.chatd_config(ws_max_frame_bytes=2048)
def test_message_at_limit_accepted(alice):
    """A message of exactly ws_max_frame_bytes bytes is processed."""
    alice.login("alice")
    frame = {"seq": 9, "cmd": "findMessages", "body": {"msgIDs": [""]}}
    pad = 2048 - len(json.dumps(frame))
    frame["body"]["msgIDs"] = ["x" * pad]
    assert len(json.dumps(frame)) == 2048
    alice.send_text(json.dumps(frame))
    assert alice.response(9)["code"] == 0


@pytest.mark.chatd_config(ws_max_frame_bytes=2048)
def test_fragmented_message_over_limit_closes_1009(chatd):
    """The limit applies to the whole message, also when it comes in small fragments."""
    raw = RawWs(chatd.url).upgrade()
    for i in range(5):
        raw.send_frame(0x1 if i == 0 else 0x0, "x" * 500, fin=False)
    raw.send_frame(0x0, "x", fin=True)
    assert raw.wait_close() == 1009


def test_fragmented_message_assembled(chatd, rest):
    """A request split into a text frame and continuation frames is processed as one message."""
    import_users(rest, "alice")
    raw = RawWs(chatd.url).upgrade()
    text = json.dumps({"seq": 3, "cmd": "login",
                       "body": {"userID": "alice", "userSig": usersig("alice")}})
    third = len(text) // 3
    raw.send_frame(0x1, text[:third], fin=False)
    raw.send_frame(0x0, text[third:2 * third], fin=False)
    raw.send_frame(0x0, text[2 * third:], fin=True)
    answer = raw.recv_json()
    assert (answer["seq"], answer["code"]) == (3, 0)


def test_client_ping_answered_with_pong(chatd):
    """A client ping gets a pong with the same payload."""
    raw = RawWs(chatd.url).upgrade()
    raw.send_frame(0x9, b"are you there")
    assert raw.recv_frame() == (0xA, b"are you there")


def test_client_close_echoed(chatd):
    """A client close frame gets chatd's close frame with the same code, then the end of the
    connection."""
    raw = RawWs(chatd.url).upgrade()
    raw.send_frame(0x8, struct.pack("!H", 1000) + b"bye")
    assert raw.wait_close() == 1000
    with pytest.raises(Closed):
        raw.recv_frame(timeout=5)


def test_shutdown_closes_sessions_1001(chatd_factory):
    """On SIGTERM chatd closes every connection with 1001 and exits 0."""
    instance = chatd_factory()
    import_users(instance.rest(), "alice")
    client = WsClient.login_as(instance.url, "alice")
    assert instance.stop() == 0
    assert client.wait_closed().code == 1001


# ---- heartbeat ---------------------------------------------------------------------------------

@pytest.mark.chatd_config(heartbeat_timeout_s=1)
def test_silent_client_closed_after_heartbeat_timeout(chatd, rest):
    """A client that answers no ping and sends nothing is dropped after heartbeat_timeout_s, its
    session goes Offline and the log says why."""
    import_users(rest, "alice")
    raw = RawWs(chatd.url).upgrade().login("alice")
    started = time.monotonic()
    raw.wait_close(timeout=5)  # chatd's pings are read and left unanswered
    assert time.monotonic() - started >= 0.9
    assert online_platforms(rest, "alice") == []
    assert "heartbeat timeout" in chatd.log()


@pytest.mark.chatd_config(heartbeat_timeout_s=1)
def test_client_answering_pings_stays(alice, chatd, rest):
    """A client that answers chatd's pings (and sends nothing else) stays online."""
    alice.login("alice")
    # Barrier: bob, silent from a later login on, is dropped after heartbeat_timeout_s; alice,
    # had her answers not counted, would have been dropped before him.
    silent = RawWs(chatd.url).upgrade().login("bob")
    assert alice.pump_until(silent.is_closed), "closed although it answered every ping"
    assert online_platforms(rest, "alice") == ["Web"]
    alice.barrier()


@pytest.mark.chatd_config(heartbeat_timeout_s=1)
def test_server_pings(chatd, rest):
    """chatd pings every heartbeat_timeout_s / 2."""
    import_users(rest, "alice")
    raw = RawWs(chatd.url).upgrade().login("alice")
    opcode, _ = raw.recv_frame(timeout=2)
    assert opcode == 0x9
    raw.close()


# ---- output bound ------------------------------------------------------------------------------

@pytest.mark.chatd_config(ws_max_output_bytes=65536)
def test_slow_reader_closed_others_unaffected(chatd, rest):
    """A session that does not read while pushes pile up beyond ws_max_output_bytes is closed
    (Offline, logged as slow reader); the same user's reading session gets every message."""
    import_users(rest, "alice", "bob")
    stalled = RawWs(chatd.url, rcvbuf=4096).upgrade().login("bob", platform="Web")
    reader = WsClient.login_as(chatd.url, "bob", platform="Android")
    sender = WsClient.login_as(chatd.url, "alice")
    # The kernel's socket buffers take a few MB first; then chatd's output queue fills up.
    sent, received = [], set()
    while online_platforms(rest, "bob") != ["Android"]:
        assert len(sent) < 600, "the stalled session was never closed"
        for _ in range(10):
            sent.append(sender.call("sendMessage", {"receiver": "bob", "msgBody": text_body(
                "x" * 11000), "random": len(sent)})["msgID"])
        reader.barrier()
        received |= {m["msgID"] for m in reader.messages()}
    assert received == set(sent)
    assert "slow reader" in chatd.log()
    stalled.close()


def test_get_server_time_is_the_servers_clock(alice):
    """getServerTime answers the server's unix time in seconds (this machine's clock, within
    a few seconds) to a logged-in session."""
    alice.login("alice")
    before = int(time.time())
    served = alice.call("getServerTime")["serverTime"]
    assert isinstance(served, int) and before - 5 <= served <= int(time.time()) + 5
