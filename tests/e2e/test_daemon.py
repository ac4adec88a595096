"""The daemon around the APIs: health and metrics, PostgreSQL outages, signals, configuration,
schema migrations and the command line."""

import json
import os
import re
import shutil
import socket
import signal
import subprocess
import threading
import time
import uuid

import psycopg2
import pytest
import requests

from expect import call_fail, call_ok, fail
from util import ADMIN, REPO, SDKAPPID, chatd_binary, decode_usersig, wait_until

CHECK = "im_open_login_svc/account_check"
CHECK_BODY = {"CheckItem": [{"UserID": "alice"}]}


def schema_files():
    """The migration files chatd applies, in order."""
    return sorted(p.name for p in (REPO / "schema").glob("[0-9][0-9][0-9]_*.sql"))


def healthz(chatd):
    return requests.get(f"{chatd.url}/healthz", timeout=5)


def run_chatd(*args, cwd=REPO, timeout=30):
    """Runs build/chatd with `args` to completion, without CHATD_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATD_")}
    env["ASAN_OPTIONS"] = "detect_leaks=1"
    return subprocess.run([str(chatd_binary()), *map(str, args)], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def rewrite_config(chatd, **changes):
    """Rewrites chatd's config file with `changes` (None removes a key), as spawn() writes it."""
    chatd.config.update(changes)
    chatd.config = {k: v for k, v in chatd.config.items() if v is not None}
    chatd.config_path.write_text("".join(f"{k} = {v}\n" for k, v in chatd.config.items()))


def log_has(chatd, text):
    return text in chatd.log()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metrics(chatd):
    """{(name, ((label, value), …)): float} of a Prometheus text page, and its TYPE lines."""
    r = requests.get(f"{chatd.url}/metrics", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    samples, types = {}, {}
    for line in r.text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, f"not a Prometheus sample: {line!r}"
            labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
            samples[(m.group(1), labels)] = float(m.group(3))
    return samples, types


class Blocked:
    """Holds an exclusive lock on `accounts`, so requests that read it wait in PostgreSQL."""

    def __init__(self, pg):
        self.conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres",
                                     dbname="chatd")
        self.conn.cursor().execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")

    def release(self):
        if self.conn is not None:
            try:
                self.conn.rollback()
            except psycopg2.Error:  # PostgreSQL was stopped under it
                pass
            self.conn.close()
            self.conn = None


def call_in_thread(rest, api, body):
    """Starts rest.call in a thread; returns (thread, result list filled with the answer)."""
    out = []

    def run():
        try:
            out.append(rest.call(api, body, timeout=30))
        except Exception as e:  # reported by the test
            out.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def in_flight(chatd):
    samples, _ = metrics(chatd)
    return samples[("chatd_http_in_flight", ())]


def accepting(chatd):
    try:
        requests.get(f"{chatd.url}/healthz", timeout=2)
        return True
    except requests.ConnectionError:
        return False


# ---- /healthz and PostgreSQL outages -----------------------------------------------------------

def test_healthz_ok(chatd):
    """/healthz answers 200 {"status":"ok"} while PostgreSQL answers."""
    r = healthz(chatd)
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def probe(chatd, path):
    r = requests.get(f"{chatd.url}{path}", timeout=5)
    return r.status_code, r.json()


def test_livez_and_readyz(chatd):
    assert probe(chatd, "/livez") == (200, {"status": "alive"})
    assert probe(chatd, "/readyz") == (200, {"status": "ready"})


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/v4/openim/sendmsg", "/healthz", "/nowhere"])
def test_other_methods_get_a_json_405(chatd, method, path):
    r = requests.request(method, f"{chatd.url}{path}", timeout=5)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    assert r.headers["Content-Type"].startswith("application/json")
    assert "method not allowed" in r.json()["error"]


@pytest.mark.parametrize("field, value", [
    ("random", "+5"), ("random", " 5"), ("random", "0x10"), ("random", "-1"),
    ("random", "4294967296"), ("random", "5abc"), ("sdkappid", "+1400000000"),
    ("sdkappid", " 1400000000"), ("sdkappid", "1400000000 "), ("sdkappid", "01400000000x"),
])
def test_url_numbers_are_strict(rest, field, value):
    """URL numbers are decimal digits only: no sign, space or hex (60025 / 60006)."""
    answer = rest.call(CHECK, CHECK_BODY, params_override={field: value})
    assert answer["ErrorCode"] == (60025 if field == "random" else 60006)


def test_postgres_outage_and_recovery(chatd, rest, pg):
    """PostgreSQL stopped: /healthz and /readyz go 503 (/livez stays 200) and REST calls fail
    at once with an envelope; PostgreSQL started again: all recover by themselves."""
    call_ok(rest, CHECK, CHECK_BODY)
    try:
        pg.stop()
        wait_until(lambda: healthz(chatd).status_code == 503, what="/healthz 503")
        assert healthz(chatd).json() == {"status": "unavailable"}
        wait_until(lambda: probe(chatd, "/readyz")[0] == 503, what="/readyz 503")
        assert probe(chatd, "/readyz") == (503, {"status": "database unreachable"})
        assert probe(chatd, "/livez") == (200, {"status": "alive"})
        # A hang would hit the short client timeout; the answer is an envelope, not a reset.
        rest.call(CHECK, CHECK_BODY, timeout=3)
        fail(rest.last, 70169)
        assert log_has(chatd, "connection lost")
    finally:
        pg.start()
    wait_until(lambda: healthz(chatd).status_code == 200, timeout=20, what="/healthz 200")
    wait_until(lambda: probe(chatd, "/readyz")[0] == 200, timeout=20, what="/readyz 200")
    wait_until(lambda: rest.call(CHECK, CHECK_BODY)["ErrorCode"] == 0, what="REST recovery")
    call_ok(rest, CHECK, CHECK_BODY)


def test_outage_logged_once_per_connection(chatd, pg):
    """An outage costs one warning per database connection, however long it lasts (retries are
    debug lines), and one info line per connection when it is back; every log entry is one
    line."""
    pool = int(chatd.config["db_pool_size"])

    def ids(pattern):
        return re.findall(pattern, chatd.log())

    try:
        pg.stop()
        wait_until(lambda: len(ids(r"debug db#(\d+): still down")) >= 2 * pool, what="retries")
    finally:
        pg.start()
    wait_until(lambda: set(ids(r"info  db#(\d+): reconnected")) >= set(map(str, range(pool))),
               timeout=20, what="reconnects")
    warned = ids(r"warn  db#(\d+): ")
    assert len(warned) == len(set(warned)), warned
    assert set(warned) == set(ids(r"info  db#(\d+): reconnected"))
    lines = chatd.log().splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\dT", ln) for ln in lines), "a log entry spans lines"


def test_request_in_flight_when_postgres_dies(chatd, rest, pg):
    """A request waiting on PostgreSQL when it goes down is answered with an envelope, not left
    hanging: 70169, or success when the lock holder's backend died first and the query still
    completed."""
    blocked = Blocked(pg)
    try:
        thread, out = call_in_thread(chatd.rest(), CHECK, CHECK_BODY)
        wait_until(lambda: in_flight(chatd) == 1, what="request in flight")
        pg.stop()
        thread.join(10)
        assert out and isinstance(out[0], dict), out
        assert out[0]["ErrorCode"] in (0, 70169), out
    finally:
        blocked.release()
        if not pg.running:
            pg.start()
    wait_until(lambda: healthz(chatd).status_code == 200, timeout=20, what="/healthz 200")


@pytest.mark.chatd_config(db_pool_size=1, db_max_waiting=1)
def test_db_queue_limit_refuses_at_once(chatd, rest, pg):
    """With every connection busy and db_max_waiting requests queued, the next request is
    refused at once (70169); the queued ones are served when the connection frees up."""
    blocked = Blocked(pg)
    try:
        first = call_in_thread(chatd.rest(), CHECK, CHECK_BODY)
        wait_until(lambda: in_flight(chatd) == 1, what="first request on the connection")
        second = call_in_thread(chatd.rest(), CHECK, CHECK_BODY)
        wait_until(lambda: metrics(chatd)[0][("chatd_db_waiting", ())] == 1,
                   what="second request queued")
        rest.call(CHECK, CHECK_BODY, timeout=3)
        fail(rest.last, 70169)
    finally:
        blocked.release()
    for thread, out in (first, second):
        thread.join(10)
        assert out and isinstance(out[0], dict) and out[0]["ErrorCode"] == 0, out


def chatd_lock_waits(pg):
    """Backends of the chatd database waiting for a lock, this test's own excepted."""
    with psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres",
                          dbname="chatd") as conn:
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = 'chatd' AND "
                    "wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cur.fetchone()[0]


@pytest.mark.chatd_config(db_pool_size=1, db_statement_timeout_ms=500)
def test_hung_statement_gets_70169_at_its_deadline(chatd, rest, pg):
    """A request whose statement hangs on a lock past db_statement_timeout_ms is answered with
    70169 at the deadline, its connection is reset, and the next request on the (only)
    connection is served normally."""
    call_ok(rest, CHECK, CHECK_BODY)
    blocked = Blocked(pg)
    try:
        started = time.monotonic()
        rest.call(CHECK, CHECK_BODY, timeout=10)
        elapsed = time.monotonic() - started
        fail(rest.last, 70169)
        # The deadline timer is armed from the loop's cached time, which lags the wall clock by
        # the pass that armed it: it may fire a few milliseconds before 0.5 s of the client's.
        assert 0.45 <= elapsed < 5, elapsed
        assert log_has(chatd, "did not complete within db_statement_timeout_ms = 500; "
                              "resetting the connection")
    finally:
        blocked.release()
    call_ok(rest, CHECK, CHECK_BODY)
    assert healthz(chatd).status_code == 200


@pytest.mark.chatd_config(db_pool_size=1, db_statement_timeout_ms=500)
def test_statement_left_by_a_reset_is_cancelled_by_postgres(chatd, rest, pg):
    """The statement a reset connection left waiting on a lock is cancelled by PostgreSQL
    itself (statement_timeout), so it stops waiting while the lock is still held."""
    blocked = Blocked(pg)
    try:
        rest.call(CHECK, CHECK_BODY, timeout=10)
        fail(rest.last, 70169)
        wait_until(lambda: chatd_lock_waits(pg) == 0, timeout=10,
                   what="the orphaned statement cancelled")
    finally:
        blocked.release()


# ---- /metrics ----------------------------------------------------------------------------------

def test_metrics_count_requests_by_api_and_code(chatd, rest):
    """chatd_requests_total counts answers by api and ErrorCode."""
    call_ok(rest, CHECK, CHECK_BODY)
    call_ok(rest, CHECK, CHECK_BODY)
    call_fail(rest, CHECK, {}, 70402)
    call_fail(rest, "profile/portrait_get", {}, 40001)
    samples, types = metrics(chatd)
    assert types["chatd_requests_total"] == "counter"

    def total(api, code):
        return samples.get(("chatd_requests_total", (("api", api), ("code", str(code)))))

    assert total(CHECK, 0) == 2
    assert total(CHECK, 70402) == 1
    assert total("profile/portrait_get", 40001) == 1


def test_metrics_unknown_apis_share_one_label(chatd, rest):
    """Requests for unknown APIs are counted under api="unknown", so callers cannot create new
    time series."""
    for api in ("nope/a", "nope/b", "im_open_login_svc/zzz"):
        call_fail(rest, api, {}, 60009)
    samples, _ = metrics(chatd)
    apis = {dict(labels)["api"] for (name, labels) in samples if name == "chatd_requests_total"}
    assert apis == {"unknown"}
    assert samples[("chatd_requests_total", (("api", "unknown"), ("code", "60009")))] == 3


def test_metrics_latency_histogram(chatd, rest):
    """chatd_request_seconds is a histogram per API with cumulative buckets, +Inf, sum, count."""
    for _ in range(3):
        call_ok(rest, CHECK, CHECK_BODY)
    samples, types = metrics(chatd)
    assert types["chatd_request_seconds"] == "histogram"
    buckets = sorted(
        (float(dict(labels)["le"]), value) for (name, labels), value in samples.items()
        if name == "chatd_request_seconds_bucket" and dict(labels)["api"] == CHECK)
    assert len(buckets) >= 5 and buckets[-1] == (float("inf"), 3)
    counts = [v for _, v in buckets]
    assert counts == sorted(counts)
    assert samples[("chatd_request_seconds_count", (("api", CHECK),))] == 3
    assert samples[("chatd_request_seconds_sum", (("api", CHECK),))] > 0


def test_metrics_db_pool_gauges(chatd):
    """DB pool gauges report busy/idle/down connections adding up to db_pool_size, and the
    waiting queue."""
    samples, types = metrics(chatd)
    states = {dict(labels)["state"]: v for (name, labels), v in samples.items()
              if name == "chatd_db_connections"}
    assert set(states) >= {"busy", "idle", "down"}
    assert sum(states.values()) == int(chatd.config["db_pool_size"])
    assert types["chatd_db_connections"] == "gauge"
    assert samples[("chatd_db_waiting", ())] == 0
    assert ("chatd_http_in_flight", ()) in samples


def test_metrics_open_connections(chatd):
    """The open client connections are a gauge (none yet) next to the REST requests in
    flight."""
    samples, types = metrics(chatd)
    assert types["chatd_ws_connections"] == "gauge"
    assert samples[("chatd_ws_connections", ())] == 0
    assert types["chatd_http_in_flight"] == "gauge"


def test_metrics_build_info(chatd):
    """chatd_build_info carries the version that --version prints."""
    samples, _ = metrics(chatd)
    (labels,) = [dict(labels) for (name, labels) in samples if name == "chatd_build_info"]
    assert run_chatd("--version").stdout.split()[1] == labels["version"]
    assert labels["revision"]


# ---- signals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_0(chatd, sig):
    """SIGTERM (and SIGINT) stop chatd with exit status 0 and a log line saying so."""
    chatd.proc.send_signal(sig)
    assert chatd.proc.wait(10) == 0
    chatd.returncode = 0
    assert log_has(chatd, f"{sig.name} received")
    assert log_has(chatd, "chatd: stopped")


def test_sigterm_answers_requests_in_flight(chatd, rest, pg):
    """On SIGTERM chatd stops accepting connections but answers the request in flight, then
    exits 0."""
    blocked = Blocked(pg)
    try:
        thread, out = call_in_thread(chatd.rest(), CHECK, CHECK_BODY)
        wait_until(lambda: in_flight(chatd) == 1, what="request in flight")
        chatd.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: not accepting(chatd), what="listener closed")
        assert chatd.proc.poll() is None  # still waiting for the request
    finally:
        blocked.release()
    thread.join(15)
    assert out and isinstance(out[0], dict) and out[0]["ErrorCode"] == 0, out
    assert chatd.proc.wait(10) == 0


@pytest.mark.chatd_config(shutdown_timeout_ms=300)
def test_sigterm_gives_up_after_shutdown_timeout(chatd, rest, pg):
    """A request still in flight after shutdown_timeout_ms does not keep chatd alive: it exits
    0 and logs that it gave up."""
    blocked = Blocked(pg)
    try:
        thread, out = call_in_thread(chatd.rest(), CHECK, CHECK_BODY)
        wait_until(lambda: in_flight(chatd) == 1, what="request in flight")
        chatd.proc.send_signal(signal.SIGTERM)
        assert chatd.proc.wait(10) == 0
        assert log_has(chatd, "still in flight")
    finally:
        blocked.release()
    thread.join(15)
    assert out, "the client got neither an answer nor an error"


def test_sighup_changes_log_level(chatd, rest):
    """SIGHUP re-reads the file, applies a new log_level and logs the change."""
    call_ok(rest, CHECK, CHECK_BODY)
    assert log_has(chatd, "account_check: OK")  # debug lines are on
    rewrite_config(chatd, log_level="warn")
    chatd.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: log_has(chatd, "log_level debug -> warn"), what="reload logged")
    mark = len(chatd.log())
    call_ok(rest, CHECK, CHECK_BODY)
    call_fail(rest, CHECK, {}, 70402)  # logged at info level: now silent as well
    assert chatd.log()[mark:] == ""


def test_log_format_json_and_back(chatd_factory):
    """log_format = json: every line is one JSON object with ts and level, the context prefix
    split into component, conn and user, quotes and control characters escaped; SIGHUP back to
    text applies at once."""
    inst = chatd_factory(log_format="json")
    rest = inst.rest()
    call_ok(rest, "im_open_login_svc/account_import", {"UserID": "jane"})
    rest.call("openim/sendmsg", {"From_Account": "jane", "To_Account": "jane", "MsgRandom": 1,
                                 "MsgBody": [{"MsgType": 'TIM"x\u0001', "MsgContent": {}}]})
    ws = __import__("ws_client").WsClient.login_as(inst.url, "jane")
    ws.close()
    wait_until(lambda: "closed" in inst.log(), what="the session's close logged")
    lines = [json.loads(ln) for ln in inst.log().splitlines()]
    assert all(set(ln) >= {"ts", "level", "msg"} and ln["ts"].endswith("Z") for ln in lines)
    login = next(ln for ln in lines if "logged in" in ln["msg"])
    assert (login["component"], login["user"]) == ("ws", "jane") and login["conn"].isdigit()
    assert any(ln.get("component") == "db" for ln in lines)
    bad = next(ln for ln in lines if ln.get("component") == "http" and "90002" in ln["msg"])
    assert 'TIM"x\u0001' in bad["msg"]
    rewrite_config(inst, log_format="text")
    inst.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: '"msg":"config: log_format 1 -> 0"' in inst.log(), what="the change")
    call_fail(rest, "im_open_login_svc/account_check", {}, 70402)  # logged at info level
    wait_until(lambda: inst.log().splitlines()[-1][:4].isdigit(), what="text lines again")
    assert re.match(r"\d{4}-\d\d-\d\dT[\d:.]+Z (info |debug) ", inst.log().splitlines()[-1])


@pytest.mark.parametrize("change, reason", [
    pytest.param({"log_level": "loud"}, "bad value for key 'log_level'", id="bad-value"),
    pytest.param({"no_such_key": "1"}, "unknown key 'no_such_key'", id="unknown-key"),
    pytest.param({"sdkappid": None}, "missing required key 'sdkappid'", id="missing-key"),
    pytest.param({"jwt_algorithm": "HS256"}, "jwt_secret", id="jwt-without-secret"),
])
def test_sighup_bad_config_keeps_running(chatd, rest, change, reason):
    """SIGHUP with a broken file keeps the running configuration, says why, and serves on."""
    rewrite_config(chatd, **{"log_level": "warn", **change})
    chatd.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: log_has(chatd, "reload refused"), what="refusal logged")
    line = next(ln for ln in chatd.log().splitlines() if "reload refused" in ln)
    assert reason in line
    assert "log_level debug -> warn" not in chatd.log()
    call_ok(rest, CHECK, CHECK_BODY)
    assert healthz(chatd).status_code == 200


def test_sighup_missing_file_keeps_running(chatd, rest):
    """SIGHUP when the config file has gone keeps the running configuration and says why."""
    chatd.config_path.unlink()
    chatd.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: log_has(chatd, "reload refused"), what="refusal logged")
    assert log_has(chatd, "cannot open")
    call_ok(rest, CHECK, CHECK_BODY)


# ---- configuration at start-up -----------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("no_such_key", "1"), ("DB_POOL_SIZE", "2"),
])
def test_startup_unknown_key(chatd_factory, key, value):
    """An unknown key (names are case-sensitive) stops start-up, naming the key and its line."""
    inst = chatd_factory(start=False, **{key: value})
    assert inst.run_to_exit() != 0
    line = list(inst.config).index(key) + 1
    assert f"{inst.config_path}:{line}: unknown key '{key}'" in inst.log()


@pytest.mark.parametrize("key, value", [
    ("db_pool_size", "0"), ("db_pool_size", "65"), ("db_pool_size", "many"),
    ("db_pool_size", "2x"), ("db_max_waiting", "0"), ("listen", "nowhere"),
    ("listen", "127.0.0.1:99999"), ("sdkappid", "abc"), ("sdkappid", "0"), ("sdkappid", "-1"),
    ("log_level", "loud"), ("log_level", "INFO"), ("jwt_algorithm", "HS384"),
    ("jwt_algorithm", "hs256"), ("jwt_leeway", "-1"), ("max_body_bytes", "10"),
    ("shutdown_timeout_ms", "5s"),
])
def test_startup_bad_value(chatd_factory, key, value):
    """A value of the wrong type or out of range stops start-up, naming the key and line."""
    inst = chatd_factory(start=False, **{key: value})
    assert inst.run_to_exit() != 0
    line = list(inst.config).index(key) + 1
    assert f"{inst.config_path}:{line}: bad value for key '{key}'" in inst.log()


@pytest.mark.parametrize("key, value", [
    ("sdkappid", None), ("secret_key", None), ("database_url", None), ("secret_key", ""),
    ("database_url", ""),
])
def test_startup_missing_required_key(chatd_factory, key, value):
    """A required key that is missing (or empty) stops start-up, naming the key."""
    inst = chatd_factory(start=False, **{key: value})
    assert inst.run_to_exit() != 0
    assert f"missing required key '{key}'" in inst.log()


@pytest.mark.parametrize("keys, named", [
    pytest.param({"jwt_algorithm": "HS256", "jwt_secret": "short"}, "jwt_secret",
                 id="hs256-short-secret"),
    pytest.param({"jwt_algorithm": "RS256", "jwt_public_key_file": "/nonexistent.pem"},
                 "jwt_public_key_file", id="rs256-missing-key-file"),
    pytest.param({"admin_identifier": "a,b,c,d,e,f"}, "admin_identifier", id="six-admins"),
    pytest.param({"admin_identifier": " , "}, "admin_identifier", id="no-admin"),
    pytest.param({"admin_identifier": "x" * 33}, "admin_identifier", id="admin-33-bytes"),
])
def test_startup_inconsistent_config(chatd_factory, keys, named):
    """Values that are fine alone but not together (or lists out of bounds) stop start-up,
    naming the key."""
    inst = chatd_factory(start=False, **keys)
    assert inst.run_to_exit() != 0
    assert f"'{named}'" in inst.log()


def test_startup_line_without_equals(tmp_path):
    """A line that is not `key = value` stops start-up, naming the file and line."""
    conf = tmp_path / "bad.conf"
    conf.write_text("# comment\n\nsdkappid = 1400000000\nthis line has no equals sign\n")
    done = run_chatd("-c", conf)
    assert done.returncode != 0
    assert f"{conf}:4:" in done.stderr


def test_startup_missing_config_file(tmp_path):
    """A config file that cannot be opened stops start-up, naming it."""
    done = run_chatd("-c", tmp_path / "absent.conf")
    assert done.returncode != 0
    assert "absent.conf" in done.stderr and "cannot open" in done.stderr


def test_startup_port_in_use(chatd, chatd_factory):
    """A listen address already in use stops start-up with a non-zero status naming it."""
    inst = chatd_factory(start=False, listen=chatd.config["listen"])
    assert inst.run_to_exit(timeout=30) != 0
    assert f"cannot listen on {chatd.config['listen']}" in inst.log()


def test_env_overrides_file(chatd_factory):
    """CHATD_<KEY> overrides the file: CHATD_ADMIN_IDENTIFIER changes who is an admin."""
    inst = chatd_factory(env={"CHATD_ADMIN_IDENTIFIER": "boss, deputy"})
    rest = inst.rest()
    call_ok(rest, CHECK, CHECK_BODY, identifier="boss")
    call_ok(rest, CHECK, CHECK_BODY, identifier="deputy")
    call_fail(rest, CHECK, CHECK_BODY, 70403, identifier=ADMIN)


def test_env_supplies_required_key(chatd_factory):
    """A required key may come from the environment alone."""
    inst = chatd_factory(sdkappid=None, env={"CHATD_SDKAPPID": str(SDKAPPID)})
    call_ok(inst.rest(), CHECK, CHECK_BODY)


def test_env_bad_value(chatd_factory):
    """A bad CHATD_<KEY> value stops start-up, naming the variable and the key."""
    inst = chatd_factory(start=False, env={"CHATD_DB_POOL_SIZE": "lots"})
    assert inst.run_to_exit() != 0
    assert "CHATD_DB_POOL_SIZE: bad value for key 'db_pool_size'" in inst.log()


# ---- schema migrations -------------------------------------------------------------------------

def applied(pg, dbname="chatd"):
    return pg.sql("SELECT version, name FROM chatd_migrations ORDER BY version", dbname=dbname)


def tables(pg, dbname="chatd"):
    return pg.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
                  dbname=dbname)


@pytest.fixture
def fresh_db(pg):
    """(name, dsn) of a new empty database, dropped after the test."""
    name = f"chatd_{uuid.uuid4().hex[:12]}"
    pg.sql(f"CREATE DATABASE {name}", dbname="postgres")
    yield name, pg.dsn.rsplit("/", 1)[0] + "/" + name
    pg.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", dbname="postgres")


def test_migrations_recorded(chatd, pg):
    """chatd_migrations lists every schema/NNN_*.sql file, 001 first."""
    files = schema_files()
    assert files[0].startswith("001_")
    assert applied(pg) == [(int(name[:3]), name) for name in files]


def test_concurrent_startup_on_fresh_database(chatd_factory, pg, fresh_db):
    """Two chatd processes starting at once on an empty database both come up; each migration
    is applied once."""
    name, dsn = fresh_db
    a = chatd_factory(start=False, database_url=dsn)
    b = chatd_factory(start=False, database_url=dsn)
    a.spawn()
    b.spawn()
    for inst in (a, b):
        wait_until(lambda: inst.proc.poll() is not None or accepting(inst)
                   and healthz(inst).status_code == 200, timeout=30, what="both up")
        assert inst.proc.poll() is None, inst.log()
    assert applied(pg, name) == [(int(f[:3]), f) for f in schema_files()]
    assert ("accounts",) in tables(pg, name)
    for inst in (a, b):
        call_ok(inst.rest(), "im_open_login_svc/account_import", {"UserID": "x"})
        assert inst.stop() == 0


def test_failing_migration_stops_startup(chatd_factory, pg, tmp_path):
    """A migration that fails stops start-up with a non-zero status naming it, and leaves the
    database as it was: nothing of the failed file stays, not even its first statements."""
    schema = tmp_path / "schema"
    shutil.copytree(REPO / "schema", schema)
    (schema / "999_bad.sql").write_text(
        "CREATE TABLE partial_999 (id integer);\n"
        "INSERT INTO partial_999 VALUES (1);\n"
        "ALTER TABLE accounts ADD COLUMN partial_999 integer;\n"
        "SELECT no_such_column FROM partial_999;\n")
    before = (tables(pg), applied(pg))
    columns = pg.sql("SELECT column_name FROM information_schema.columns"
                     " WHERE table_name = 'accounts' ORDER BY 1")
    inst = chatd_factory(start=False, schema_dir=schema)
    assert inst.run_to_exit(timeout=30) != 0
    assert "999_bad.sql" in inst.log()
    assert (tables(pg), applied(pg)) == before
    assert pg.sql("SELECT column_name FROM information_schema.columns"
                  " WHERE table_name = 'accounts' ORDER BY 1") == columns


def test_missing_schema_dir_stops_startup(chatd_factory, tmp_path):
    """A schema_dir that does not exist stops start-up, naming it."""
    inst = chatd_factory(start=False, schema_dir=tmp_path / "nope")
    assert inst.run_to_exit(timeout=30) != 0
    assert "nope" in inst.log()


# ---- command line ------------------------------------------------------------------------------

def test_usersig_command_signs_for_rest(chatd_factory):
    """`chatd usersig alice 60` prints a UserSig that REST accepts for alice (an admin here)."""
    inst = chatd_factory(admin_identifier=f"{ADMIN},alice")
    done = run_chatd("-c", inst.config_path, "usersig", "alice", "60")
    assert done.returncode == 0, done.stderr
    sig = done.stdout.strip()
    assert done.stdout == sig + "\n"
    doc = decode_usersig(sig)
    assert (doc["TLS.identifier"], doc["TLS.sdkappid"], doc["TLS.expire"]) == \
        ("alice", SDKAPPID, 60)
    assert abs(doc["TLS.time"] - time.time()) < 60
    call_ok(inst.rest(), CHECK, CHECK_BODY, identifier="alice", usersig=sig)


def test_usersig_command_default_expiry_and_non_admin(chatd):
    """Without EXPIRE_S the UserSig lasts 180 days; for a non-admin it verifies but REST
    answers 70403 (not a signature error)."""
    done = run_chatd("-c", chatd.config_path, "usersig", "bob")
    assert done.returncode == 0, done.stderr
    sig = done.stdout.strip()
    assert decode_usersig(sig)["TLS.expire"] == 180 * 86400
    call_fail(chatd.rest(), CHECK, CHECK_BODY, 70403, identifier="bob", usersig=sig)


@pytest.mark.parametrize("args", [["usersig"], ["usersig", "alice", "0"],
                                  ["usersig", "alice", "-5"], ["usersig", "alice", "1h"],
                                  ["usersig", "a", "1", "extra"], ["frobnicate"]])
def test_usersig_command_bad_arguments(chatd, args):
    """usersig with a missing UserID or a bad EXPIRE_S, or an unknown command, exits 2."""
    done = run_chatd("-c", chatd.config_path, *args)
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr


def test_version(tmp_path):
    """--version prints `chatd <version> (<revision>)` and exits 0, with no config needed."""
    done = run_chatd("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert re.fullmatch(r"chatd \d+\.\d+\.\d+\S* \(\S+\)\n", done.stdout)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(tmp_path, flag):
    """--help prints the usage (with -c and usersig) on stdout and exits 0."""
    done = run_chatd(flag, cwd=tmp_path)
    assert done.returncode == 0
    assert "usage" in done.stdout and "-c FILE" in done.stdout and "usersig" in done.stdout


@pytest.mark.parametrize("args", [["--bogus"], ["-c"], ["-x", "y"]])
def test_bad_option(tmp_path, args):
    """An unknown option (or -c without a file) prints the usage on stderr and exits 2."""
    done = run_chatd(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "usage" in done.stderr


def test_headers_are_bounded(chatd):
    """Request headers over 64 KiB are refused (libevent's 400 or the connection closed), and
    chatd serves on."""
    try:
        r = requests.get(f"{chatd.url}/livez", headers={"X-Big": "a" * 70000}, timeout=5)
        assert r.status_code in (400, 413, 431)
    except requests.ConnectionError:
        pass
    assert probe(chatd, "/livez") == (200, {"status": "alive"})
    r = requests.get(f"{chatd.url}/livez", headers={"X-Fits": "a" * 30000}, timeout=5)
    assert r.status_code == 200


def _metric(chatd, name):
    for line in requests.get(f"{chatd.url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def _closed_within(sock, seconds):
    """True when the server closes `sock` (EOF or reset) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_slow_requests_are_cut(chatd_factory):
    """http_request_timeout_ms (docs/security.md, slowloris): a request trickled a byte at a time
    (each byte well inside evhttp's inactivity timeout) is cut at the deadline and counted;
    an idle keep-alive connection past it is closed; a connection that asks in time is served
    again and again; a WebSocket session outlives the deadline."""
    chatd = chatd_factory(http_request_timeout_ms=1200)
    before = _metric(chatd, "chatd_http_request_timeouts_total")

    slow = socket.create_connection(("127.0.0.1", chatd.port))
    slow.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    cut = False
    while time.monotonic() - started < 6:
        try:
            slow.sendall(b"X")  # one header byte every 200 ms: never idle, never done
        except (BrokenPipeError, ConnectionResetError):
            cut = True
            break
        if _closed_within(slow, 0.2):
            cut = True
            break
    assert cut, "a trickled request was not cut"
    assert 1.0 <= time.monotonic() - started < 4
    slow.close()

    idle = socket.create_connection(("127.0.0.1", chatd.port))
    assert _closed_within(idle, 4), "a silent connection was not closed"
    idle.close()

    served = requests.Session()
    for _ in range(4):  # keep-alive: each request inside the deadline of the previous answer
        assert served.get(f"{chatd.url}/livez", timeout=5).status_code == 200
        time.sleep(0.6)

    call_ok(chatd.rest(), "im_open_login_svc/account_import", {"UserID": "alice"})
    from ws_client import WsClient
    alice = WsClient.login_as(chatd.url, "alice")
    time.sleep(2.0)
    assert alice.call("getConversationList", {}) is not None
    assert _metric(chatd, "chatd_http_request_timeouts_total") >= before + 2
