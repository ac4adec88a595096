"""Acknowledged = durable, and resends are idempotent, across a crash: senders burst messages over
several connections, chatd is SIGKILLed in the middle, restarted, and the store must hold every
acknowledged message exactly once with gapless seqs; resending everything (acknowledged or not)
with the same random and body then stores each message exactly once (DESIGN.md, data invariants).
"""

import threading
from collections import Counter, defaultdict

import websocket

from util import wait_until
from ws_client import Closed, WsClient, close_all, import_users, text_body

# (sender, receiver, platform): two senders share the alice–bob conversation from both sides,
# alice also sends from a second device, so conversations interleave several writers.
SENDERS = [("alice", "bob", "Web"), ("bob", "alice", "Web"), ("alice", "bob", "Android"),
           ("carol", "dave", "Web"), ("dave", "alice", "Web")]
PER_SENDER = 400   # 2,000 messages in all
WINDOW = 32        # sends in flight per connection
KILL_AFTER = 500   # acknowledgements seen before the SIGKILL

CONNECTION_GONE = (Closed, OSError, websocket.WebSocketException)


def plan():
    """Every message the senders will try: (sender index, random, receiver, text)."""
    return [(i, i * 100_000 + k, to, f"{user}/{platform} #{k}")
            for i, (user, to, platform) in enumerate(SENDERS) for k in range(PER_SENDER)]


def burst(client, items, acked, errors):
    """Sends `items` keeping WINDOW in flight; records each acknowledgement as
    acked[(user, random)] = (msgID, seq) until done or the connection goes away. Anything else
    that goes wrong is appended to `errors`."""
    inflight, todo = {}, list(items)
    try:
        while todo or inflight:
            while todo and len(inflight) < WINDOW:
                _, random, to, text = todo.pop(0)
                seq = client.send("sendMessage", {"receiver": to, "msgBody": text_body(text),
                                                  "random": random})
                inflight[seq] = random
            frame = client.next_response(timeout=10)
            random = inflight.pop(frame["seq"])
            assert frame["code"] == 0, frame
            acked[(client.user, random)] = (frame["body"]["msgID"], frame["body"]["seq"])
    except CONNECTION_GONE:
        pass
    except BaseException as e:  # reported by the test, not lost in the thread
        errors.append(f"{client.user}/{client.platform}: {e!r}")


def run_senders(url, items_of, acked, errors):
    """One thread per sender, each on its own connection; returns the started threads."""
    threads = []
    for i, (user, _, platform) in enumerate(SENDERS):
        client = WsClient.login_as(url, user, platform=platform)
        t = threading.Thread(target=burst, args=(client, items_of[i], acked, errors),
                             daemon=True)
        t.start()
        threads.append(t)
    return threads


def stored(pg):
    """{(sender, random): [(conv_key, seq, msg_id), …]} of every stored message."""
    rows = defaultdict(list)
    for sender, random, conv, seq, msg_id in pg.sql(
            "SELECT sender, random, conv_key, seq, msg_id FROM messages"):
        rows[(sender, random)].append((conv, seq, msg_id))
    return rows


def assert_gapless(pg):
    """Every conversation holds seqs 1..last_seq, each once."""
    seqs = defaultdict(list)
    for conv, seq in pg.sql("SELECT conv_key, seq FROM messages"):
        seqs[conv].append(seq)
    last = dict(pg.sql("SELECT conv_key, last_seq FROM conversations"))
    assert set(seqs) == set(last)
    for conv, got in seqs.items():
        assert sorted(got) == list(range(1, last[conv] + 1)), conv


def history_ids(client, peer):
    """Every msgID of the conversation with `peer`, walked page by page through the API."""
    ids, last = [], 0
    while True:
        page = client.call("getHistoryMessageList", {"conversationID": f"c2c_{peer}",
                                                     "count": 100, "lastMsgSeq": last})
        if not page["messageList"]:
            return ids
        ids += [m["msgID"] for m in page["messageList"]]
        last = page["messageList"][-1]["seq"]


def test_sigkill_during_burst_loses_nothing_acknowledged(chatd_factory, pg):
    """SIGKILL in the middle of a 2,000-message burst: after a restart every acknowledged
    message is stored exactly once with the acknowledged msgID and seq, seqs are gapless, and
    the history API returns each once; resending every message (acknowledged or not) with its
    random and body returns the original for the acknowledged ones and leaves each message
    stored exactly once."""
    chatd = chatd_factory()
    import_users(chatd.rest(), "alice", "bob", "carol", "dave")
    items = plan()
    items_of = defaultdict(list)
    for item in items:
        items_of[item[0]].append(item)

    acked, errors = {}, []
    threads = run_senders(chatd.url, items_of, acked, errors)
    wait_until(lambda: len(acked) >= KILL_AFTER or errors, timeout=60,
               what=f"{KILL_AFTER} acks")
    chatd.kill()
    for t in threads:
        t.join(30)
    assert errors == []
    assert KILL_AFTER <= len(acked) < len(items), "the SIGKILL did not land mid-burst"

    chatd.start()
    rows = stored(pg)
    print(f"{len(items)} planned, {len(acked)} acknowledged before the SIGKILL, {len(rows)} stored")
    assert [k for k, v in rows.items() if len(v) > 1] == [], "stored twice"
    for key, (msg_id, seq) in acked.items():
        assert key in rows, f"acknowledged {key} was lost"
        assert (rows[key][0][1], rows[key][0][2]) == (seq, msg_id), key
    assert_gapless(pg)

    alice = WsClient.login_as(chatd.url, "alice", platform="Mac")
    carol = WsClient.login_as(chatd.url, "carol", platform="Mac")
    api_ids = history_ids(alice, "bob") + history_ids(alice, "dave") + history_ids(carol, "dave")
    assert Counter(api_ids) == Counter(v[0][2] for v in rows.values())

    # The same sends again, everything: acknowledged, committed-but-unanswered, never arrived.
    again = {}
    for t in run_senders(chatd.url, items_of, again, errors):
        t.join(60)
    assert errors == []
    assert len(again) == len(items), "a resend after the restart failed"
    for key, first in acked.items():
        assert again[key] == first, f"resend of {key} did not return the original"
    rows = stored(pg)
    names = {i: user for i, (user, _, _) in enumerate(SENDERS)}
    assert sorted(rows) == sorted((names[i], random) for i, random, _, _ in items)
    assert [k for k, v in rows.items() if len(v) > 1] == [], "a resend was stored again"
    assert_gapless(pg)
    close_all()
