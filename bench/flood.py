#!/usr/bin/python3
"""The flood benchmark (scripts/bench.sh flood): does one user flooding slow another?

User `quiet` sends one message every 50 ms to `peer` over its own WebSocket and times each
send (request → answer); meanwhile user `flood` sends as fast as its connections take (several
connections, many requests in flight), once with the per-user limit on (its refusals are
answered at once) and once with it off (its messages are stored). A third pass without the
flood gives the baseline. Prints one line of key=value fields.

    bench/flood.py PORT SECONDS baseline|flood
"""

import itertools
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from util import Rest  # noqa: E402
from ws_client import WsClient, text_body  # noqa: E402

PORT, SECONDS = int(sys.argv[1]), float(sys.argv[2])
URL = f"http://127.0.0.1:{PORT}"
_random = itertools.count(1)


def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def quiet_sends(seconds):
    c = WsClient.login_as(URL, "quiet")
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        r = c.request("sendMessage", {"receiver": "peer", "msgBody": text_body("q"),
                                      "random": next(_random)})
        times.append((time.perf_counter() - t0) * 1000)
        assert r["code"] == 0, r
        time.sleep(max(0, 0.05 - (time.perf_counter() - t0)))
    c.close()
    return times


def flood(stop, counts):
    """One connection keeping 64 sends in flight until stop is set."""
    c = WsClient.login_as(URL, "flood", platform="Android" if counts.get("n", 0) else "Web")
    counts["n"] = counts.get("n", 0) + 1
    inflight = 0
    while not stop.is_set():
        while inflight < 64:
            c.send("sendMessage", {"receiver": "peer", "msgBody": text_body("f"),
                                   "random": next(_random)})
            inflight += 1
        r = c.next_response(timeout=10)
        inflight -= 1
        counts["ok" if r["code"] == 0 else "refused"] = counts.get(
            "ok" if r["code"] == 0 else "refused", 0) + 1
    c.close()


def run(with_flood):
    stop, counts, threads = threading.Event(), {}, []
    if with_flood:
        threads = [threading.Thread(target=flood, args=(stop, counts))]
        for t in threads:
            t.start()
        time.sleep(0.5)
    times = quiet_sends(SECONDS)
    stop.set()
    for t in threads:
        t.join()
    return times, counts


rest = Rest(URL)
for user in ("quiet", "flood", "peer"):
    rest.call("im_open_login_svc/account_import", {"UserID": user})
mode = sys.argv[3] if len(sys.argv) > 3 else "flood"
times, counts = run(mode != "baseline")
out = {"mode": mode, "quiet_sends": len(times), "p50_ms": round(q(times, 0.5), 2),
       "p99_ms": round(q(times, 0.99), 2), "max_ms": round(max(times), 2),
       "flood_ok": counts.get("ok", 0), "flood_refused": counts.get("refused", 0),
       "flood_per_s": round((counts.get("ok", 0) + counts.get("refused", 0)) / SECONDS)}
out["summary"] = (f"p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms, max {out['max_ms']} ms over "
                  f"{out['quiet_sends']} sends; flood {out['flood_per_s']} requests/s "
                  f"({out['flood_ok']} stored, {out['flood_refused']} refused)")
print(json.dumps(out))
