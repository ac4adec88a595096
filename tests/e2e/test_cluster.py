"""Several nodes sharing one PostgreSQL with Redis as the bus (docs/operations.md "Several
nodes"): pushes, group fan-out, kicks and the login policy, presence across nodes; a node killed
mid-burst, Redis stopped and started, a node drained with SIGTERM; the webhook outbox claimed by
one node per event.

Each test gets a private redis-server and 2–3 chatd nodes (`cluster`) on loopback ports, all on
the session's PostgreSQL database.
"""

import signal
import subprocess
import time

import pytest
import requests

from expect import call_ok
from util import hook_config, outbox_drained, wait_until, free_port
from ws_client import WsClient, import_users, synced_texts, text_body, texts

USERS = ("alice", "bob", "carol", "dave")


class Redis:
    """A private redis-server (no persistence) on a free loopback port; stop() and start()
    keep the port."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.log_path = workdir / "redis.log"
        self.workdir = workdir
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(self.log_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self._answers, what="redis-server to answer PING")
        return self

    def _answers(self):
        try:
            return self.cli("PING") == "PONG"
        except (OSError, subprocess.CalledProcessError):
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def cli(self, *args):
        """One command through redis-cli; its output, stripped."""
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], check=True,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path).start()
    yield r
    r.stop()


@pytest.fixture
def cluster(redis, chatd_factory):
    """cluster(n=2, **keys) -> [Chatd, …] named node1…nodeN on one bus; USERS imported."""

    def start(n=2, **keys):
        nodes = [chatd_factory(bus_url=redis.url, node_id=f"node{i + 1}", **keys)
                 for i in range(n)]
        for node in nodes:
            wait_until(lambda: bus_state(node) == "up", what=f"{node.url} bus up")
        import_users(nodes[0].rest(), *USERS)
        return nodes

    return start


def bus_state(node):
    return requests.get(f"{node.url}/readyz", timeout=5).json().get("bus")


def metric(node, name):
    for line in requests.get(f"{node.url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


def online(node, *users, detail=False):
    """{user: [platform, …]} as query_online_status on `node` sees them (online users only)."""
    body = call_ok(node.rest(), "openim/query_online_status",
                   {"To_Account": list(users), "IsNeedDetail": 1 if detail else 0})
    return {q["To_Account"]: sorted(d["Platform"] for d in q.get("Detail", []))
            for q in body["QueryResult"] if q["Status"] == "Online"}


def settle(nodes, *users):
    """Waits until every node sees every user online (their route entries are in Redis)."""
    for node in nodes:
        wait_until(lambda: set(online(node, *users)) == set(users),
                   what=f"{users} online as {node.url} sees it")


def login(node, user, platform="Web"):
    return WsClient.login_as(node.url, user, platform=platform)


def send(client, to, text):
    return client.call("sendMessage", {"receiver": to, "msgBody": text_body(text)})


# ---- pushes --------------------------------------------------------------------------------------

def test_c2c_across_nodes_both_ways(cluster):
    """alice on node 1 and bob on node 2: each one's message is pushed to the other, with the
    conversation change, and history on either node holds both."""
    n1, n2 = cluster(2)
    alice, bob = login(n1, "alice"), login(n2, "bob")
    settle((n1, n2), "alice", "bob")
    sent = send(alice, "bob", "hello bob")
    m = bob.wait_event("onRecvNewMessage")["message"]
    assert (m["msgID"], m["sender"], texts([m])) == (sent["msgID"], "alice", ["hello bob"])
    conv = bob.wait_event("onNewConversation")["conversationList"][0]
    assert (conv["conversationID"], conv["unreadCount"]) == ("c2c_alice", 1)
    assert bob.wait_event("onTotalUnreadMessageCountChanged")["totalUnreadCount"] == 1
    sent = send(bob, "alice", "hello alice")
    m = alice.wait_event("onRecvNewMessage")["message"]
    assert (m["msgID"], m["sender"], texts([m])) == (sent["msgID"], "bob", ["hello alice"])
    assert synced_texts(alice) == synced_texts(bob) == ["hello bob", "hello alice"]


def test_signaling_across_nodes(cluster, pg):
    """alice on node 1 rings bob on node 2, who accepts; a second call times out, fired by
    whichever node's sweep claims it first, and both hear of it exactly once."""
    n1, n2 = cluster(2)
    alice, bob = login(n1, "alice"), login(n2, "bob")
    settle((n1, n2), "alice", "bob")
    call = alice.call("invite", {"invitee": "bob", "timeout": 30})["inviteID"]
    assert bob.wait_event("onReceiveNewInvitation")["inviteID"] == call
    bob.call("accept", {"inviteID": call})
    assert alice.wait_event("onInviteeAccepted")["invitee"] == "bob"
    missed = alice.call("invite", {"invitee": "bob", "timeout": 1})["inviteID"]
    assert alice.wait_event("onInvitationTimeout", timeout=5)["inviteID"] == missed
    assert bob.wait_event("onInvitationTimeout", timeout=5)["inviteID"] == missed
    time.sleep(2.5)  # a second sweep on the other node finds nothing left to fire
    assert alice.take_events("onInvitationTimeout") == []
    assert bob.take_events("onInvitationTimeout") == []


def test_push_goes_only_to_the_nodes_holding_the_receiver(cluster):
    """With three nodes and bob on node 2 only, node 1 publishes one bus message per chat
    message, and node 3 receives none."""
    n1, n2, n3 = cluster(3)
    alice, bob = login(n1, "alice"), login(n2, "bob")
    settle((n1,), "bob")
    before = (metric(n1, "chatd_bus_messages_published_total"),
              metric(n3, "chatd_bus_messages_received_total"))
    for i in range(5):
        send(alice, "bob", f"m{i}")
    got = []
    bob.pump_until(lambda: got.extend(bob.messages()) or len(got) == 5)
    assert texts(got) == [f"m{i}" for i in range(5)]
    published = metric(n1, "chatd_bus_messages_published_total") - before[0]
    assert 1 <= published <= 5  # one per loop pass, never more than one per message
    assert metric(n3, "chatd_bus_messages_received_total") == before[1]


def test_group_message_over_three_nodes(cluster):
    """A group with members on three nodes: every member's session gets the message once; the
    sender's node sends one bus message to each other node however many members it holds."""
    nodes = cluster(3)
    rest = nodes[0].rest()
    extra = [f"m{i}" for i in range(20)]
    import_users(rest, *extra)
    members = ["bob", "carol", "dave", *extra]
    gid = call_ok(rest, "group_open_http_svc/create_group",
                  {"Owner_Account": "alice", "Type": "Public", "Name": "team",
                   "MemberList": [{"Member_Account": m} for m in members]})["GroupId"]
    sender = login(nodes[0], "alice")
    clients = {u: login(nodes[i % 3], u) for i, u in enumerate(members)}
    settle(nodes[:1], *members)
    before = metric(nodes[0], "chatd_bus_messages_published_total")
    sent = sender.call("sendMessage", {"groupID": gid, "msgBody": text_body("to all")})
    for user, client in clients.items():
        m = client.wait_event("onRecvNewMessage")["message"]
        assert (m["msgID"], m["groupID"]) == (sent["msgID"], gid), user
    for client in clients.values():
        client.barrier()
        assert client.messages() == []
    # The push and the conversation notes of one pass travel together: one message per other
    # node (two if they fell in two passes), never one per member.
    assert 2 <= metric(nodes[0], "chatd_bus_messages_published_total") - before <= 4


def test_five_thousand_member_group_over_three_nodes(cluster):
    """A 5,000-member group with members online on three nodes: each online member gets the
    message once, and the sender's node publishes exactly one bus message per other node."""
    nodes = cluster(3)
    rest = nodes[0].rest()
    members = [f"u{i:04d}" for i in range(5000)]
    import_users(rest, *members)
    gid = call_ok(rest, "group_open_http_svc/create_group",
                  {"Owner_Account": "alice", "Type": "Public", "Name": "big",
                   "MemberList": [{"Member_Account": m} for m in members[:100]]})["GroupId"]
    for i in range(100, 5000, 300):
        call_ok(rest, "group_open_http_svc/add_group_member",
                {"GroupId": gid, "Silence": 1,
                 "MemberList": [{"Member_Account": m} for m in members[i:i + 300]]})
    online_members = members[::250]  # 20, spread over the three nodes
    clients = {u: login(nodes[i % 3], u) for i, u in enumerate(online_members)}
    sender = login(nodes[0], "alice")
    settle(nodes[:1], *online_members)
    before = metric(nodes[0], "chatd_bus_messages_published_total")
    sent = sender.call("sendMessage", {"groupID": gid, "msgBody": text_body("to 5000")})
    for user, client in clients.items():
        m = client.wait_event("onRecvNewMessage")["message"]
        assert m["msgID"] == sent["msgID"], user
        client.barrier()
        assert client.messages() == [], user
    assert metric(nodes[0], "chatd_bus_messages_published_total") - before == 2


def test_user_on_two_nodes_gets_each_push_once_per_session(cluster):
    """bob has a session on node 1 and one on node 2: a message from alice on node 1 reaches
    each once, and each gets its conversation change once (each node pushes its own)."""
    n1, n2 = cluster(2)
    alice = login(n1, "alice")
    here, there = login(n1, "bob", "Android"), login(n2, "bob", "Mac")
    wait_until(lambda: online(n1, "bob", detail=True) == {"bob": ["Android", "Mac"]},
               what="both of bob's sessions seen from node 1")
    settle((n2,), "alice")
    sent = send(alice, "bob", "once")
    for client in (here, there):
        assert client.wait_event("onRecvNewMessage")["message"]["msgID"] == sent["msgID"]
        client.wait_event("onNewConversation")
    # A second message after the first's pushes: everything of the first has arrived by then.
    marker = send(alice, "bob", "marker")
    for client in (here, there):
        client.wait_event("onRecvNewMessage",
                          where=lambda b: b["message"]["msgID"] == marker["msgID"])
        client.barrier()
        assert client.messages() == []
        assert client.take_events("onNewConversation") == []


def test_recall_modify_and_read_receipt_across_nodes(cluster):
    """A recall, a modification and a read receipt made on node 1 reach bob's session on node 2
    (and alice's on node 1 for bob's read)."""
    n1, n2 = cluster(2)
    alice, bob = login(n1, "alice"), login(n2, "bob")
    settle((n1, n2), "alice", "bob")
    first, second = send(alice, "bob", "one"), send(alice, "bob", "two")
    bob.pump_until(lambda: len(bob.take_events("onRecvNewMessage")) > 0 or None)
    alice.call("modifyMessage", {"msgID": first["msgID"], "msgBody": text_body("one!")})
    m = bob.wait_event("onRecvMessageModified")["message"]
    assert (m["msgID"], texts([m])) == (first["msgID"], ["one!"])
    alice.call("revokeMessage", {"msgID": second["msgID"]})
    revoked = bob.wait_event("onRecvMessageRevoked")
    assert (revoked["msgID"], revoked["conversationID"]) == (second["msgID"], "c2c_alice")
    bob.call("markC2CMessageAsRead", {"userID": "alice"})
    (receipt,) = alice.wait_event("onRecvC2CReadReceipt")["receiptList"]
    assert receipt["userID"] == "bob"


# ---- kicks, login policy, presence -------------------------------------------------------------

def test_single_login_on_node_2_kicks_the_session_on_node_1(cluster):
    """login_policy single: bob logs in on node 2 from another platform, his node 1 session is
    told onKickedOffline and closed with 4001; node 2's session stays."""
    n1, n2 = cluster(2, login_policy="single")
    old = login(n1, "bob", "Android")
    settle((n2,), "bob")
    new = login(n2, "bob", "iPhone")
    kicked = old.wait_event("onKickedOffline")
    assert kicked["reason"] == "logged in on another device"
    assert old.wait_closed().code == 4001
    assert new.call("getServerTime", {})["serverTime"] > 0
    wait_until(lambda: online(n1, "bob", detail=True) == {"bob": ["iPhone"]},
               what="only the iPhone session online")


def test_rest_kick_reaches_every_node(cluster):
    """REST kick on node 1 closes bob's sessions on node 2."""
    n1, n2 = cluster(2)
    bob = login(n2, "bob")
    settle((n1,), "bob")
    call_ok(n1.rest(), "im_open_login_svc/kick", {"UserID": "bob"})
    assert bob.wait_event("onKickedOffline")["reason"] == "kicked by administrator"
    assert bob.wait_closed().code == 4001


def test_query_online_status_across_nodes(cluster):
    """Node 1 reports the platforms of sessions held by nodes 1, 2 and 3; logged-out users go
    offline on every node."""
    nodes = cluster(3)
    login(nodes[0], "alice", "Web")
    bob = login(nodes[1], "bob", "Android")
    login(nodes[2], "bob", "Mac")
    for node in nodes:
        wait_until(lambda: online(node, "alice", "bob", "carol", detail=True) ==
                   {"alice": ["Web"], "bob": ["Android", "Mac"]}, what="presence on every node")
    bob.close()
    wait_until(lambda: online(nodes[2], "bob", detail=True) == {"bob": ["Mac"]},
               what="bob's Android gone")


def test_group_online_member_count_across_nodes(cluster):
    """get_online_member_num and getGroupOnlineMemberCount count members online on any node."""
    n1, n2, n3 = cluster(3)
    rest = n1.rest()
    gid = call_ok(rest, "group_open_http_svc/create_group",
                  {"Owner_Account": "alice", "Type": "Public", "Name": "team",
                   "MemberList": [{"Member_Account": m} for m in ("bob", "carol", "dave")]})[
        "GroupId"]
    alice = login(n1, "alice")
    login(n2, "bob")
    login(n3, "carol")
    wait_until(lambda: call_ok(rest, "group_open_http_svc/get_online_member_num",
                               {"GroupId": gid})["OnlineMemberNum"] == 3,
               what="three members online")
    assert alice.call("getGroupOnlineMemberCount", {"groupID": gid})["count"] == 3


def test_user_status_across_nodes(cluster):
    """user_status on: carol on node 1 watching bob hears of his login on node 2, with the
    device; getUserStatus on node 1 names it."""
    n1, n2 = cluster(2, user_status="on")
    platform = "Android"
    carol = login(n1, "carol")
    carol.call("subscribeUserStatus", {"userIDList": ["bob"]})
    login(n2, "bob", platform)
    (st,) = carol.wait_event("onUserStatusChanged",
                             where=lambda b: b["userStatusList"][0]["onlineDevices"])[
        "userStatusList"]
    assert (st["userID"], st["statusType"], st["onlineDevices"]) == ("bob", 1, [platform])
    (got,) = carol.call("getUserStatus", {"userIDList": ["bob"]})
    assert (got["statusType"], got["onlineDevices"]) == (1, [platform])


def test_bad_bus_url_stops_start_up(chatd_factory):
    """A bus_url that is not redis://HOST:PORT stops start-up naming the key."""
    for bad in ("http://127.0.0.1:6379", "redis://", "redis://host:0", "redis://h:1/x"):
        node = chatd_factory(start=False, bus_url=bad)
        assert node.run_to_exit() != 0
        assert "bus_url" in node.log()


# ---- failures ------------------------------------------------------------------------------------

def test_node_killed_mid_burst_loses_nothing_acknowledged(cluster, pg):
    """alice sends a burst through node 1 to bob on node 2; node 1 is SIGKILLed mid-way. Every
    acknowledged message is in history; alice, reconnecting to node 2, gets each exactly once
    by syncMessages."""
    n1, n2 = cluster(2)
    alice, bob = login(n1, "alice"), login(n2, "bob")
    settle((n1,), "bob")
    seqs = [alice.send("sendMessage", {"receiver": "bob", "msgBody": text_body(f"b{i}"),
                                       "random": i + 1})
            for i in range(200)]
    acked = []
    for seq in seqs:
        try:
            r = alice.response(seq, timeout=10)
        except Exception:
            break
        if r["code"] == 0:
            acked.append(r["body"]["msgID"])
        if len(acked) == 50:
            n1.kill()
    assert len(acked) >= 50
    # A commit node 1 sent before dying still ends in PostgreSQL: wait for its backends to go.
    wait_until(lambda: pg.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'chatd'"
                              " AND state = 'active' AND pid <> pg_backend_pid()") == [(0,)],
               what="node 1's transactions ended")
    again = login(n2, "alice")
    history = again.call("syncMessages", {"count": 500})["messageList"]
    ids = [m["msgID"] for m in history]
    assert len(ids) == len(set(ids))
    assert set(acked) <= set(ids)
    assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
    assert set(m["msgID"] for m in bob.call("syncMessages", {"count": 500})["messageList"]) == \
        set(ids)


def test_redis_stopped_and_started(cluster, redis):
    """Redis goes away: both nodes keep serving their own sessions (ready, bus "down"), sends
    still succeed and are in history; Redis back: the bus reconnects, routes are rewritten and
    pushes cross again."""
    n1, n2 = cluster(2)
    alice, bob = login(n1, "alice"), login(n2, "bob")
    settle((n1,), "bob")
    redis.stop()
    for node in (n1, n2):
        wait_until(lambda: bus_state(node) == "down", what="bus down")
        assert requests.get(f"{node.url}/readyz", timeout=5).status_code == 200
    assert metric(n1, "chatd_bus_up") == 0
    during = send(alice, "bob", "while redis is down")
    redis.start()
    for node in (n1, n2):
        wait_until(lambda: bus_state(node) == "up", timeout=15, what="bus up again")
    assert metric(n1, "chatd_bus_reconnects_total") >= 1
    settle((n1,), "bob")  # node 2 rewrote its entries into the empty Redis
    after = send(alice, "bob", "after redis came back")
    m = bob.wait_event("onRecvNewMessage",
                       where=lambda b: b["message"]["msgID"] == after["msgID"])["message"]
    assert texts([m]) == ["after redis came back"]
    ids = [m["msgID"] for m in bob.call("syncMessages", {"count": 10})["messageList"]]
    assert ids == [during["msgID"], after["msgID"]]


def test_hung_redis_never_holds_a_request(cluster, redis):
    """Redis frozen (SIGSTOP): query_online_status on node 1 is still answered, with what node
    1 holds; sends are acknowledged. Redis thawed: node 2's sessions count again."""
    n1, n2 = cluster(2)
    alice = login(n1, "alice")
    login(n2, "bob")
    settle((n1,), "alice", "bob")
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        assert online(n1, "alice", "bob") == {"alice": []}  # answered: node 1's own session
        send(alice, "bob", "while redis hangs")
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: set(online(n1, "alice", "bob")) == {"alice", "bob"}, timeout=20,
               what="bob online again as node 1 sees it")


def test_drain_on_sigterm(cluster, redis):
    """SIGTERM on node 2: its sessions are closed with 1001 (reconnect), its route entries are
    gone from Redis, it exits 0, and bob reconnecting to node 1 gets pushes there."""
    n1, n2 = cluster(2)
    bob = login(n2, "bob")
    settle((n1,), "bob")
    assert redis.cli("HEXISTS", "chatd:route:bob", "node2") == "1"
    n2.proc.send_signal(signal.SIGTERM)
    assert bob.wait_closed().code == 1001
    assert n2.stop() == 0
    assert redis.cli("HEXISTS", "chatd:route:bob", "node2") == "0"
    assert online(n1, "bob") == {}
    bob = login(n1, "bob")
    alice = login(n1, "alice")
    send(alice, "bob", "after the drain")
    assert texts([bob.wait_event("onRecvNewMessage")["message"]]) == ["after the drain"]


def test_webhook_outbox_claimed_by_one_node(redis, chatd_factory, receiver, pg):
    """Three nodes deliver from one outbox: each after-send event reaches the app once."""
    keys = hook_config(receiver, webhook_commands="C2C.CallbackAfterSendMsg")
    nodes = [chatd_factory(bus_url=redis.url, node_id=f"node{i + 1}", **keys) for i in range(3)]
    import_users(nodes[0].rest(), "alice", "bob")
    for i in range(30):
        call_ok(nodes[i % 3].rest(), "openim/sendmsg",
                {"From_Account": "alice", "To_Account": "bob", "MsgRandom": i + 1,
                 "MsgBody": text_body(f"h{i}")})
    receiver.wait("C2C.CallbackAfterSendMsg", n=30)
    outbox_drained(pg)
    events = receiver.of("C2C.CallbackAfterSendMsg")
    keys = [e["body"]["MsgKey"] for e in events]
    assert len(keys) == 30 and len(set(keys)) == 30
