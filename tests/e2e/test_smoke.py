"""First contact: chatd starts against a fresh database and answers ops and REST requests."""

import requests

from util import decode_usersig, usersig


def test_usersig_helper_matches_tencent():
    """The harness's UserSig carries the HMAC of Tencent's published test vector."""
    doc = decode_usersig(usersig("0", expire=15552000, now=1569910200))
    assert doc["TLS.sig"] == "CpjuBdQs9ZwnuGAJR8onoOeI9fweX2vIMMY94iOJWJY="


def test_healthz_ok(chatd):
    """GET /healthz answers 200 {"status": "ok"} while PostgreSQL is up."""
    r = requests.get(f"{chatd.url}/healthz", timeout=5)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_unknown_api_fails_in_envelope(rest):
    """An unknown API gets HTTP 200 and a Tencent envelope with ActionStatus FAIL."""
    answer = rest.call("no_such_svc/no_such_command", {})
    assert rest.last.status_code == 200
    assert answer["ActionStatus"] == "FAIL"
    assert answer["ErrorCode"] != 0
    assert answer["ErrorInfo"]
