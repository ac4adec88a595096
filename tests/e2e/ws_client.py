"""WebSocket clients for chatd's e2e tests.

- `WsClient`: a synchronous client on websocket-client (Debian's `websocket` package). It sends
  requests `{seq, cmd, body}`, matches responses by `seq` and buffers pushes `{event, body}` until a
  test takes them; it answers pings the way every client library does, whenever it reads.
- `RawWs`: a hand-made RFC 6455 client on a plain socket, for what a polite library will not do:
  odd handshakes, unmasked frames, never answering a ping, never reading.

Every wait is a deadline poll, mostly reading the socket until the deadline. Every client
registers itself until closed, so `close_all()` (run by conftest.py's `chatd_of` fixture) leaves
no session behind for the next test.
"""

import base64
import hashlib
import itertools
import json
import os
import socket
import struct
import time
from urllib.parse import urlparse

import websocket

from util import scaled, usersig

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ABNORMAL = 1006  # RFC 6455: the connection ended without a close frame

_open = []  # clients not closed yet


def close_all():
    """Closes every client still open."""
    while _open:
        _open.pop().close()


class Closed(Exception):
    """The server ended the connection; `code` is its close code (1006 when it sent none)."""

    def __init__(self, code, reason=""):
        super().__init__(f"connection closed ({code} {reason})")
        self.code = code
        self.reason = reason


def ws_url(base_url):
    scheme = "wss://" if base_url.startswith("https://") else "ws://"
    return scheme + base_url.split("://", 1)[1].rstrip("/") + "/ws"


def accept_key(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def text_body(text):
    """A MsgBody with one text element."""
    return [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}]


def texts(messages):
    """The text of each message's first element (None for other elements), skipping messages
    without a body (recalled ones)."""
    return [m["msgBody"][0]["MsgContent"].get("Text") for m in messages if m["msgBody"]]


def history_texts(client, conv_id, count=100):
    """The texts of a conversation's history as `client` sees it, newest first."""
    body = client.call("getHistoryMessageList", {"conversationID": conv_id, "count": count})
    return texts(body["messageList"])


def synced_texts(client, count=500):
    """The texts of every message syncMessages gives a client that has seen nothing."""
    return texts(client.call("syncMessages", {"count": count})["messageList"])


class WsClient:
    """One connection to chatd's /ws: `WsClient(url)` connects, `WsClient.login_as()` connects
    and logs in."""

    def __init__(self, base_url, timeout=10.0, sslopt=None):
        self.timeout = scaled(timeout)
        self.ws = websocket.create_connection(ws_url(base_url), timeout=self.timeout,
                                              sslopt=sslopt)
        self.pushes = []      # {"event", "body"} frames not yet taken, in arrival order
        self.responses = {}   # json.dumps(seq) -> response frame not yet taken
        self.closed = None    # a Closed once the server ended the connection
        self.user = None
        self.platform = None
        self._seq = 0
        _open.append(self)

    @classmethod
    def login_as(cls, base_url, user, platform="Web", sslopt=None, **login_fields):
        client = cls(base_url, sslopt=sslopt)
        client.login(user, platform=platform, **login_fields)
        return client

    # ---- sending ----

    def send_text(self, text):
        self.ws.send(text)

    def send(self, cmd, body=None, seq=None):
        """Sends one request and returns its seq (a fresh integer unless given)."""
        if seq is None:
            self._seq += 1
            seq = self._seq
        frame = {"seq": seq, "cmd": cmd}
        if body is not None:
            frame["body"] = body
        self.send_text(json.dumps(frame))
        return seq

    # ---- receiving ----

    def _pump(self, deadline):
        """Reads one frame, filing it; raises TimeoutError at the deadline, Closed on close."""
        if self.closed is not None:
            raise self.closed
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.ws.sock.settimeout(left)
        try:
            frame = self.ws.recv_frame()
        except websocket.WebSocketTimeoutException:
            raise TimeoutError from None
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            self.closed = Closed(ABNORMAL)
            raise self.closed from None
        opcode, data = frame.opcode, frame.data
        if opcode == websocket.ABNF.OPCODE_PING:
            try:
                self.ws.pong(data)
            except Exception:
                pass
            return None
        if opcode == websocket.ABNF.OPCODE_PONG:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else ABNORMAL
            self.closed = Closed(code, data[2:].decode(errors="replace"))
            try:
                self.ws.send_close()
            except Exception:
                pass
            raise self.closed
        if opcode != websocket.ABNF.OPCODE_TEXT:
            raise AssertionError(f"chatd sent a frame with opcode {opcode}: {data[:200]!r}")
        frame = json.loads(data)
        if "event" in frame:
            self.pushes.append(frame)
        else:
            key = json.dumps(frame["seq"], sort_keys=True)
            assert key not in self.responses, f"second response for seq {key}"
            self.responses[key] = frame
        return frame

    def response(self, seq, timeout=None):
        """The response frame {seq, code, desc, body} for seq, waiting for it if need be."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        key = json.dumps(seq, sort_keys=True)
        while key not in self.responses:
            try:
                self._pump(deadline)
            except TimeoutError:
                raise AssertionError(f"no response for seq {seq!r}") from None
        return self.responses.pop(key)

    def next_response(self, timeout=None):
        """The first response not yet taken, whatever its seq, waiting for one if need be."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self.responses:
            try:
                self._pump(deadline)
            except TimeoutError:
                raise AssertionError("no response") from None
        return self.responses.pop(next(iter(self.responses)))

    def request(self, cmd, body=None, timeout=None):
        """Sends a request and returns its response frame; pushes meanwhile are buffered."""
        return self.response(self.send(cmd, body), timeout)

    def call(self, cmd, body=None):
        """A request that must succeed (code 0); returns the response body."""
        frame = self.request(cmd, body)
        assert frame["code"] == 0, f"{cmd}: {frame}"
        assert frame["desc"] == "", frame
        return frame["body"]

    def fail(self, cmd, body, code):
        """A request that must fail with `code` and a desc; returns the response frame."""
        frame = self.request(cmd, body)
        assert frame["code"] == code, f"{cmd}: expected {code}, got {frame}"
        assert frame["desc"], frame
        return frame

    def login(self, user, sig=None, platform="Web", **fields):
        body = {"userID": user, "userSig": usersig(user) if sig is None else sig,
                "platform": platform, **fields}
        result = self.call("login", body)
        self.user, self.platform = user, result["platform"]
        return result

    def wait_event(self, name, timeout=None, where=None):
        """Takes the first buffered or arriving push `name` (matching where(body)); its body."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        at = 0
        while True:
            for i in range(at, len(self.pushes)):
                p = self.pushes[i]
                if p["event"] == name and (where is None or where(p["body"])):
                    return self.pushes.pop(i)["body"]
            at = len(self.pushes)
            try:
                self._pump(deadline)
            except TimeoutError:
                raise AssertionError(f"{self.user}/{self.platform}: no {name} within the "
                                     f"deadline; buffered: {self.pushes}") from None

    def take_events(self, name):
        """Removes and returns the bodies of the buffered pushes `name`, oldest first."""
        taken = [p["body"] for p in self.pushes if p["event"] == name]
        self.pushes = [p for p in self.pushes if p["event"] != name]
        return taken

    def messages(self):
        """The `message` of every buffered onRecvNewMessage, taken from the buffer."""
        return [b["message"] for b in self.take_events("onRecvNewMessage")]

    def barrier(self):
        """A round trip: any push chatd wrote to this connection before now is buffered after."""
        self.call("findMessages", {"msgIDs": ["barrier"]})

    def wait_closed(self, timeout=None):
        """Reads (buffering) until the server closes; returns the Closed with its code."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                self._pump(deadline)
            except Closed as closed:
                return closed
            except TimeoutError:
                raise AssertionError(f"{self.user}: connection still open") from None

    def pump_for(self, seconds):
        """Reads (answering pings) for `seconds`; returns False if the server closed meanwhile."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self._pump(deadline)
            except TimeoutError:
                return True
            except Closed:
                return False

    def pump_until(self, done, timeout=None):
        """Reads (answering pings) in short slices until done() is true; returns False if the
        server closed this connection first, fails at the deadline."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if not self.pump_for(0.02):
                return False
            if done():
                return True
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user}: pump_until still waiting after the deadline")

    def close(self):
        if self in _open:
            _open.remove(self)
        try:
            if self.closed is None:
                self.ws.close(timeout=1)
            else:
                self.ws.shutdown()
        except Exception:
            pass


class RawWs:
    """RFC 6455 by hand on a TCP socket: the handshake and frames are whatever the test says."""

    def __init__(self, base_url, rcvbuf=None, timeout=10.0):
        u = urlparse(base_url)
        self.host, self.port = u.hostname, u.port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((self.host, self.port))
        self.buf = b""
        self.timeout = timeout
        _open.append(self)

    def handshake(self, headers=None, path="/ws", method="GET", then=b""):
        """Sends an upgrade request (default headers changed or removed (None) by `headers`),
        followed in the same write by the bytes `then`; returns (status, {lower-case header:
        value})."""
        h = {"Host": f"{self.host}:{self.port}", "Upgrade": "websocket", "Connection": "Upgrade",
             "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
             "Sec-WebSocket-Version": "13"}
        h.update(headers or {})
        self.key = h.get("Sec-WebSocket-Key")
        lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in h.items() if v is not None]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + then)
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode(errors="replace").split("\r\n")
        status = int(status_line.split()[1])
        got = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            got[k.strip().lower()] = v.strip()
        return status, got

    def upgrade(self):
        status, headers = self.handshake()
        assert status == 101, (status, headers)
        return self

    @staticmethod
    def frame(opcode, payload, mask=True, fin=True):
        """The bytes of one frame; masked with a random key unless mask is False."""
        if isinstance(payload, str):
            payload = payload.encode()
        head = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        m = 0x80 if mask else 0
        if n < 126:
            head += bytes([m | n])
        elif n <= 0xFFFF:
            head += bytes([m | 126]) + struct.pack("!H", n)
        else:
            head += bytes([m | 127]) + struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            head += key
        return head + payload

    def send_frame(self, opcode, payload, mask=True, fin=True):
        self.sock.sendall(self.frame(opcode, payload, mask, fin))

    def send_json(self, obj):
        self.send_frame(0x1, json.dumps(obj))

    def _fill(self, n, deadline):
        """Reads until the buffer holds at least n bytes; they stay in the buffer, so a timeout
        loses nothing."""
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError from None
            except ConnectionError:
                chunk = b""
            if not chunk:
                raise Closed(ABNORMAL)
            self.buf += chunk

    def recv_frame(self, timeout=None):
        """(opcode, payload) of the next frame from chatd (which never masks); never answers."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self._fill(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        assert not b1 & 0x80, "chatd masked a frame"
        n, head = b1 & 0x7F, 2
        if n == 126:
            self._fill(4, deadline)
            n, head = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._fill(10, deadline)
            n, head = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._fill(head + n, deadline)
        payload, self.buf = self.buf[head:head + n], self.buf[head + n:]
        return b0 & 0x0F, payload

    def recv_json(self, timeout=None):
        """The next text frame as JSON, skipping pings (unanswered); Closed on a close frame."""
        while True:
            opcode, payload = self.recv_frame(timeout)
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x8:
                raise Closed(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005,
                             payload[2:].decode(errors="replace"))

    def wait_close(self, timeout=None):
        """Reads until chatd closes: the close frame's code, or 1006 if the socket just ends."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                opcode, payload = self.recv_frame(max(deadline - time.monotonic(), 0.001))
            except Closed as closed:
                return closed.code
            except TimeoutError:
                raise AssertionError("chatd did not close the connection") from None
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005

    def is_closed(self):
        """True once chatd closed the connection (a close frame or the stream's end); reads only
        what has arrived, without waiting, and answers no ping."""
        while True:
            try:
                opcode, _ = self.recv_frame(timeout=0.001)
            except Closed:
                return True
            except TimeoutError:
                return False
            if opcode == 0x8:
                return True

    def login(self, user, platform="Web"):
        self.send_json({"seq": "login", "cmd": "login",
                        "body": {"userID": user, "userSig": usersig(user), "platform": platform}})
        answer = self.recv_json()
        assert answer.get("seq") == "login" and answer["code"] == 0, answer
        return self

    def close(self):
        if self in _open:
            _open.remove(self)
        self.sock.close()


# ---- barriers on chatd's timers ----

def login_timer_barrier(base_url):
    """A positive barrier for login_timeout_ms: opens a connection that never logs in and waits
    until chatd closes it 1008. Every connection opened before it has passed its own login
    deadline by then, so one that chatd left open meanwhile was not going to be closed."""
    late = WsClient(base_url)
    try:
        code = late.wait_closed().code
    finally:
        late.close()
    assert code == 1008, f"the marker connection was closed {code}, not 1008"


# ---- REST helpers used with WebSocket tests ----

def import_users(rest, *users):
    """Imports the accounts through REST (multiaccount_import, 100 per call)."""
    users = list(users)
    for i in range(0, len(users), 100):
        answer = rest.call("im_open_login_svc/multiaccount_import", {"Accounts": users[i:i + 100]})
        assert answer["ErrorCode"] == 0 and answer["FailAccounts"] == [], answer


_fan_out_random = itertools.count(1 << 30)  # apart from the modules' own MsgRandoms


def fan_out(rest, frm, peers, text="hello"):
    """One message from `frm` to each of `peers` (batchsendmsg, 500 per call), so that each
    pair has a conversation."""
    peers = list(peers)
    for i in range(0, len(peers), 500):
        answer = rest.call("openim/batchsendmsg", {
            "From_Account": frm, "To_Account": peers[i:i + 500],
            "MsgRandom": next(_fan_out_random), "MsgBody": text_body(text)})
        assert answer["ErrorCode"] == 0, answer


# Tencent's spelling in query_online_status Detail -> chatd's session platform name.
DETAIL_TO_SESSION = {"PC": "Windows"}


def online_platforms(rest, user):
    """The sorted platforms of `user`'s sessions as query_online_status reports them, by chatd's
    session names (login's `platform`: Tencent's "PC" is "Windows"); empty when Offline."""
    answer = rest.call("openim/query_online_status", {"To_Account": [user], "IsNeedDetail": 1})
    assert answer["ErrorCode"] == 0, answer
    (result,) = answer["QueryResult"]
    platforms = sorted(DETAIL_TO_SESSION.get(d["Platform"], d["Platform"])
                       for d in result["Detail"])
    assert result["Status"] == ("Online" if platforms else "Offline"), result
    return platforms
