"""Rate limits (docs/operations.md "Rate limits"): a user's client sends (60019, 10023), a
connection's commands (60018), REST calls per address (60007); refusals store nothing, leave
other users alone, count in /metrics and alert the app (Alert.RequestOverLimit) once."""

import itertools
import signal
import time

import pytest
import requests

from expect import call_ok
from ws_client import WsClient, text_body

_random = itertools.count(1)
SENDS = {"rate_limit_msgs_per_s": 2, "rate_limit_burst": 3}


def send(client, **target):
    return client.request("sendMessage", {**(target or {"receiver": "bob"}),
                                          "msgBody": text_body("x"), "random": next(_random)})


def refused_total(chatd, kind):
    for line in requests.get(f"{chatd.url}/metrics", timeout=5).text.splitlines():
        if line.startswith(f'chatd_rate_limited_total{{kind="{kind}"}}'):
            return int(line.split()[1])
    raise AssertionError(f"no chatd_rate_limited_total for {kind}")


def messages(pg):
    return pg.sql("SELECT count(*) FROM messages")[0][0]


def start(chatd_factory, **keys):
    chatd = chatd_factory(**keys)
    call_ok(chatd.rest(), "im_open_login_svc/multiaccount_import",
            {"Accounts": ["alice", "bob", "carol"]})
    return chatd


def test_a_users_sends(chatd_factory, pg):
    """Three sends pass (the burst), the fourth is refused with 60019 and not stored; another
    user is unaffected; the bucket refills at its rate; group sends answer 10023."""
    chatd = start(chatd_factory, **SENDS)
    alice = WsClient.login_as(chatd.url, "alice")
    carol = WsClient.login_as(chatd.url, "carol")
    codes = [send(alice)["code"] for _ in range(4)]
    assert codes == [0, 0, 0, 60019]
    assert messages(pg) == 3
    assert send(carol)["code"] == 0
    time.sleep(0.6)  # 2 a second: one token back
    assert send(alice)["code"] == 0
    call_ok(chatd.rest(), "group_open_http_svc/create_group", {
        "Owner_Account": "alice", "Type": "Public", "GroupId": "g", "Name": "g"})
    assert send(alice, groupID="g")["code"] == 10023
    assert refused_total(chatd, "send") == 2


def test_rest_sends_are_not_a_users(chatd_factory, pg):
    """A backend sending as alice through REST meets only the REST limits."""
    chatd = start(chatd_factory, **SENDS)
    rest = chatd.rest()
    for i in range(6):
        call_ok(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                         "MsgRandom": i, "MsgBody": text_body("r")})
    assert messages(pg) == 6


def test_a_connections_commands(chatd_factory):
    chatd = start(chatd_factory, rate_limit_ws_cmds_per_s=1, rate_limit_ws_burst=3)
    alice = WsClient.login_as(chatd.url, "alice")
    other = WsClient.login_as(chatd.url, "alice", platform="Android")
    codes = [alice.request("getServerTime")["code"] for _ in range(4)]
    assert codes == [0, 0, 0, 60018]
    assert other.request("getServerTime")["code"] == 0  # buckets are per connection
    assert refused_total(chatd, "ws_command") == 1


def test_rest_per_address(chatd_factory):
    chatd = start(chatd_factory, rate_limit_rest_per_ip_per_s=1, rate_limit_rest_ip_burst=3)
    rest = chatd.rest()  # the import in start() took one of the three
    codes = [rest.call("im_open_login_svc/account_check",
                       {"CheckItem": [{"UserID": "alice"}]})["ErrorCode"] for _ in range(3)]
    assert codes[:2] == [0, 0] and codes[2] == 60007
    assert rest.last.json()["ActionStatus"] == "FAIL"
    assert refused_total(chatd, "rest_ip") >= 1


def test_alert_once_and_reload(chatd_factory, receiver):
    """Several refusals of one bucket fire one Alert.RequestOverLimit; SIGHUP to 0 turns the
    limit off at once."""
    keys = dict(SENDS, webhook_url=receiver.url(), webhook_poll_ms=20)
    chatd = start(chatd_factory, **keys)
    alice = WsClient.login_as(chatd.url, "alice")
    assert [send(alice)["code"] for _ in range(6)][3:] == [60019] * 3
    (alert,) = receiver.wait("Alert.RequestOverLimit")
    body = alert["body"]
    assert (body["ServiceName"], body["Command"], body["Limit"]) == ("openim", "sendMessage", 2)
    time.sleep(0.3)
    assert len(receiver.of("Alert.RequestOverLimit")) == 1
    chatd.config["rate_limit_msgs_per_s"] = 0
    chatd.config_path.write_text("".join(f"{k} = {v}\n" for k, v in chatd.config.items()))
    chatd.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "rate_limit_msgs_per_s 2 -> 0" not in chatd.log():
        assert time.monotonic() < deadline, "reload not logged"
        time.sleep(0.02)
    assert [send(alice)["code"] for _ in range(5)] == [0] * 5


def test_connections_per_address(chatd_factory):
    """Two connections from 127.0.0.1 are allowed, the third upgrade gets 429; one closing makes
    room again."""
    chatd = start(chatd_factory, ws_max_connections_per_ip=2)
    first = WsClient.login_as(chatd.url, "alice")
    WsClient.login_as(chatd.url, "bob")
    with pytest.raises(Exception) as refused:
        WsClient.login_as(chatd.url, "carol")
    assert "429" in str(refused.value)
    first.close()
    deadline = time.monotonic() + 5
    while True:
        try:
            WsClient.login_as(chatd.url, "carol")
            break
        except Exception:
            assert time.monotonic() < deadline, "no room after a close"
            time.sleep(0.05)
    assert "refused a connection from 127.0.0.1: 2 open already" in chatd.log()
