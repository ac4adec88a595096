"""Helpers for chatd's end-to-end tests: UserSig, a REST client, race-free ports, polling, the
webhook receiver and the barriers that show a callback did not come."""

import base64
import fcntl
import hashlib
import hmac
import itertools
import json
import os
import random
import socket
import subprocess
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]

# The development app of config/chatd.conf; the harness configures chatd with the same values.
SDKAPPID = 1400000000
SECRET_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
ADMIN = "administrator"
CLIENTS = REPO / "clients"


def usersig(identifier, sdkappid=SDKAPPID, key=SECRET_KEY, expire=86400, now=None):
    """A Tencent UserSig (TLSSigAPIv2), built as Tencent's Python library builds it.

    `expire` is a duration in seconds counted from `now` (Unix seconds, default: the clock).
    """
    now = int(time.time()) if now is None else int(now)
    content = (
        f"TLS.identifier:{identifier}\n"
        f"TLS.sdkappid:{sdkappid}\n"
        f"TLS.time:{now}\n"
        f"TLS.expire:{expire}\n"
    )
    digest = hmac.new(key.encode(), content.encode(), hashlib.sha256).digest()
    doc = {
        "TLS.ver": "2.0",
        "TLS.identifier": str(identifier),
        "TLS.sdkappid": int(sdkappid),
        "TLS.expire": int(expire),
        "TLS.time": now,
        "TLS.sig": base64.b64encode(digest).decode(),
    }
    packed = base64.b64encode(zlib.compress(json.dumps(doc).encode())).decode()
    return packed.translate(str.maketrans("+/=", "*-_"))


def decode_usersig(sig):
    """The JSON document inside a UserSig (no signature check)."""
    packed = base64.b64decode(sig.translate(str.maketrans("*-_", "+/=")))
    return json.loads(zlib.decompress(packed))


# ---- ports ------------------------------------------------------------------------------------
#
# Binding port 0, closing the socket and returning its number races: another pytest process (or
# the kernel, for an outgoing connection) may take the same number before the daemon binds it.
# chatd cannot listen on port 0 and tell us its port, so each test process reserves a block of
# PORT_BLOCK ports of its own and hands them out one after the other. The reservation is an
# exclusive flock(2) on /tmp/chatd-e2e-ports/<first port>: parallel runs (any user) skip a locked
# block, and the kernel drops the lock when the process ends, so a crash leaves no stale
# reservation. The first block tried is chosen from the pid, so parallel runs rarely even meet.
# The blocks lie below the kernel's ephemeral range (ip_local_port_range), where the kernel never
# picks a port by itself; a port another program listens on is skipped by a test bind.

PORT_BLOCK = 200
PORT_LOCK_DIR = Path(tempfile.gettempdir()) / "chatd-e2e-ports"
_ports = {"lock": None, "first": None, "next": 0}
_ports_mutex = threading.Lock()


def _port_range():
    """[low, high) below the ephemeral range, where the kernel assigns no port by itself."""
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    return 10000, max(ephemeral_low, 10000 + 2 * PORT_BLOCK)


def _reserve_block():
    """Locks one free block for this process; returns its first port."""
    low, high = _port_range()
    blocks = (high - low) // PORT_BLOCK
    PORT_LOCK_DIR.mkdir(exist_ok=True)
    try:
        os.chmod(PORT_LOCK_DIR, 0o1777)  # shared by every user's runs; fails if not ours: fine
    except OSError:
        pass
    start = os.getpid() % blocks
    for i in range(blocks):
        first = low + (start + i) % blocks * PORT_BLOCK
        # read-only is enough for flock(2), so a lock file another user created works too
        fd = os.open(PORT_LOCK_DIR / str(first), os.O_RDONLY | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _ports["lock"] = fd  # held until the process exits
        return first
    raise RuntimeError(f"all {blocks} port blocks of {PORT_BLOCK} are locked in {PORT_LOCK_DIR}")


def _unused(port):
    """True if nothing listens on 127.0.0.1:port. With SO_REUSEADDR, as chatd (libevent's evhttp),
    PostgreSQL and the webhook receiver bind, TIME_WAIT leftovers of an earlier daemon do not
    count."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port():
    """A TCP port on 127.0.0.1 from this process's reserved block that nothing listens on; no
    other test process hands it out. The block is used round-robin: a port comes back only
    after PORT_BLOCK others, long after the daemon that had it stopped (one still running, as the
    session's PostgreSQL, is skipped)."""
    with _ports_mutex:
        if _ports["first"] is None:
            _ports["first"] = _reserve_block()
        for _ in range(PORT_BLOCK):
            port = _ports["first"] + _ports["next"]
            _ports["next"] = (_ports["next"] + 1) % PORT_BLOCK
            if _unused(port):
                return port
    raise RuntimeError(f"every port of the block at {_ports['first']} is in use")


# Under a slow wrapper (make test-valgrind runs chatd under valgrind's memcheck, CHATD_WRAPPER)
# chatd answers 10 to 50 times slower. CHATD_TIMEOUT_SCALE multiplies the harness's own
# deadlines: chatd's start and stop, wait_until, the REST and WebSocket clients' default timeouts.
TIMEOUT_SCALE = float(os.environ.get("CHATD_TIMEOUT_SCALE", "1"))


def scaled(seconds):
    """A harness deadline of `seconds` under the current CHATD_TIMEOUT_SCALE."""
    return seconds * TIMEOUT_SCALE


def chatd_binary():
    """build/chatd, or $CHATD_BIN (relative to the repository); fails the test if not built."""
    path = Path(os.environ.get("CHATD_BIN", "build/chatd"))
    path = path if path.is_absolute() else REPO / path
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not an executable: build it first (make, or make asan)")
    return path


def wait_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Calls predicate until it returns something truthy and returns that; fails at the deadline."""
    timeout = scaled(timeout)
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Rest:
    """Tencent-style REST client: `call()` POSTs to /v4/<api> with the signed query string.

    `last` keeps the last requests.Response, for status codes and headers.
    """

    def __init__(self, base_url, sdkappid=SDKAPPID, key=SECRET_KEY, admin=ADMIN):
        self.base_url = base_url.rstrip("/")
        self.sdkappid = sdkappid
        self.key = key
        self.admin = admin
        self.session = requests.Session()
        self.last = None

    def sign(self, identifier, **kwargs):
        """A UserSig for `identifier` in this client's app (kwargs as for usersig())."""
        return usersig(identifier, self.sdkappid, self.key, **kwargs)

    def call(self, api, body=None, identifier=None, usersig=None, raw_body=None,
             params_override=None, timeout=10):
        """POSTs `body` (JSON-encoded) or `raw_body` (bytes or str, sent as is) to /v4/<api> and
        returns the parsed JSON answer. The query carries `identifier` (default: the admin) and a
        fresh UserSig for it unless `usersig` is given; `params_override` replaces query
        parameters, and a None value there removes the parameter.
        """
        identifier = self.admin if identifier is None else identifier
        params = {
            "sdkappid": self.sdkappid,
            "identifier": identifier,
            "usersig": self.sign(identifier) if usersig is None else usersig,
            "random": random.randrange(1 << 32),
            "contenttype": "json",
        }
        params.update(params_override or {})
        params = {k: v for k, v in params.items() if v is not None}
        data = raw_body if raw_body is not None else json.dumps(body if body is not None else {})
        self.last = self.session.post(f"{self.base_url}/v4/{api}", params=params, data=data,
                                      timeout=scaled(timeout))
        try:
            return self.last.json()
        except ValueError:
            raise AssertionError(f"POST /v4/{api}: HTTP {self.last.status_code}, not JSON: "
                                 f"{self.last.text[:500]!r}") from None


# ---- webhooks -----------------------------------------------------------------------------------

TOKEN = "webhook-test-token"
OK = {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}



class Receiver:
    """An HTTP server recording callbacks. `answer(call)` decides each reply: it returns a dict
    (sent as JSON with status 200), or (status, body) with body a dict, str or bytes, or a
    ("sleep", seconds, reply) triple."""

    def __init__(self, port=None, tls=None):
        self.port = port or free_port()
        self.tls = tls  # an ssl.SSLContext for HTTPS
        self.calls = []
        self.cond = threading.Condition()
        self.answer = lambda call: OK
        self.server = None
        self.thread = None

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                url = urlparse(self.path)
                call = {
                    "path": url.path,
                    "query": {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                    "raw": raw,
                    "headers": dict(self.headers),
                    "body": json.loads(raw) if raw else None,
                    "at": time.monotonic(),
                }
                with owner.cond:
                    owner.calls.append(call)
                    owner.cond.notify_all()
                reply = owner.answer(call)
                if isinstance(reply, tuple) and reply and reply[0] == "sleep":
                    time.sleep(reply[1])
                    reply = reply[2]
                status, body = (200, reply) if not isinstance(reply, tuple) else reply
                if isinstance(body, (dict, list)):
                    body = json.dumps(body)
                if isinstance(body, str):
                    body = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def url(self, path="/hook"):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{path}"

    def of(self, command, where=None):
        """The callbacks of `command` (matching where(call)) recorded so far, oldest first."""
        with self.cond:
            return [c for c in self.calls if c["query"].get("CallbackCommand") == command
                    and (where is None or where(c))]

    def wait(self, command, n=1, where=None, timeout=15):
        """The first n callbacks of `command` (matching where(call)), waiting for them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [c for c in self.calls if c["query"].get("CallbackCommand") == command
                       and (where is None or where(c))]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c["query"].get("CallbackCommand"), c["body"]) for c in self.calls]
                    raise AssertionError(f"{len(got)} of {n} {command} callbacks within "
                                         f"{timeout} s; seen: {seen[-10:]}")
                self.cond.wait(left)


def hook_config(receiver, **keys):
    """chatd config keys sending webhooks to `receiver`, fast polls and retries; `keys` override."""
    config = {
        "webhook_url": receiver.url("/hook?app=chat"),
        "webhook_token": TOKEN,
        "webhook_poll_ms": 50,
        "webhook_retry_base_ms": 50,
        "webhook_retry_max_ms": 200,
        "webhook_timeout_ms": 1000,
    }
    config.update(keys)
    return config



def check_query(call, command, platform, token=TOKEN):
    """The query parameters of Tencent's protocol, Sign recomputed."""
    q = call["query"]
    assert call["path"] == "/hook"
    assert q["app"] == "chat", "webhook_url's own query is kept"
    assert q["SdkAppid"] == str(SDKAPPID)
    assert q["CallbackCommand"] == command
    assert q["contenttype"] == "json"
    assert q["ClientIP"] == "127.0.0.1"
    assert q["OptPlatform"] == platform
    if token:
        request_time = int(q["RequestTime"])
        assert abs(request_time - time.time()) < 60
        assert q["Sign"] == hashlib.sha256(f"{token}{request_time}".encode()).hexdigest()
    else:
        assert "Sign" not in q and "RequestTime" not in q
    assert call["body"]["CallbackCommand"] == command
    assert call["headers"]["Content-Type"].startswith("application/json")


def outbox_drained(pg, timeout=15):
    """A positive barrier for "no other callback came": waits until webhook_outbox holds no event
    left to deliver (dead ones aside). Each event is written in the transaction of its change and
    the receiver records a call before answering it, so once the changes were acknowledged and
    the outbox is empty every callback they caused has been recorded; what is missing then will
    not come. Call it after waiting for a marker callback that comes after the ones that must not."""
    wait_until(lambda: pg.sql("SELECT count(*) FROM webhook_outbox WHERE NOT dead") == [(0,)],
               timeout=timeout, what="every webhook event delivered")


# ---- Node test suites (the clients', the console's) ---------------------------------------------

_node_db = itertools.count(1)


def node_suite(pg, path, timeout, built=True):
    """Runs `node --test` over one test directory (relative to the repository: clients/js/test,
    console/test) with a database of its own on the session's cluster; clients/test-harness.mjs
    starts the daemon. `built`: the suite needs the built SDK (clients/js/dist), not only the
    clients' npm packages. Its output is shown when it fails."""
    files = sorted(str(p) for p in (REPO / path).glob("*.test.mjs"))
    assert files, f"no tests in {path}"
    needed = CLIENTS / "js" / "dist" / "index.js" if built else CLIENTS / "node_modules" / "ws"
    assert needed.exists(), "clients are not built: run scripts/clients.sh build (make test does)"
    name = f"chatd_clients_{os.getpid()}_{next(_node_db)}"
    pg.sql(f"CREATE DATABASE {name}", dbname="postgres")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATD_")}
    env.update(CHATD_BIN=str(chatd_binary()), CHATD_TEST_DSN=pg.dsn.rsplit("/", 1)[0] + f"/{name}",
               CHATD_ARTIFACTS=str(CLIENTS / "test-artifacts"))
    run = subprocess.run(["node", "--test", "--test-concurrency=1", *files], cwd=CLIENTS, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                         text=True)
    print(run.stdout[-4000:])  # the runner's summary, shown with -s or on failure
    if run.returncode != 0:
        pytest.fail(f"node --test {path} failed:\n{run.stdout[-12000:]}", pytrace=False)
