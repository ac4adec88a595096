"""Helpers for chatd's end-to-end tests: UserSig, a REST client, free ports, polling."""

import base64
import hashlib
import hmac
import json
import random
import socket
import time
import zlib
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]

# The development app of config/chatd.conf; the harness configures chatd with the same values.
SDKAPPID = 1400000000
SECRET_KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
ADMIN = "administrator"


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


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Calls predicate until it returns something truthy and returns that; fails at the deadline."""
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
                                      timeout=timeout)
        try:
            return self.last.json()
        except ValueError:
            raise AssertionError(f"POST /v4/{api}: HTTP {self.last.status_code}, not JSON: "
                                 f"{self.last.text[:500]!r}") from None
