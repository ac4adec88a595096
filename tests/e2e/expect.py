"""Assertions shared by the e2e tests: Tencent envelopes and snapshots of the stored data."""


def envelope(response):
    """The JSON envelope of a REST answer, after checking what every answer has in common."""
    assert response.status_code == 200, f"HTTP {response.status_code}: {response.text[:300]!r}"
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    assert isinstance(answer, dict), answer
    assert answer["ActionStatus"] in ("OK", "FAIL"), answer
    assert isinstance(answer["ErrorCode"], int), answer
    assert isinstance(answer["ErrorInfo"], str), answer
    return answer


def ok(response):
    """Checks a success envelope (HTTP 200, OK, 0, empty ErrorInfo); returns the answer."""
    answer = envelope(response)
    assert (answer["ActionStatus"], answer["ErrorCode"], answer["ErrorInfo"]) == ("OK", 0, ""), \
        answer
    return answer


def fail(response, code):
    """Checks a failure envelope with ErrorCode `code` and a non-empty ErrorInfo."""
    answer = envelope(response)
    assert (answer["ActionStatus"], answer["ErrorCode"]) == ("FAIL", code), answer
    assert answer["ErrorInfo"].strip(), answer
    return answer


def call_ok(rest, api, body, **kwargs):
    """rest.call() that must succeed; returns the answer."""
    rest.call(api, body, **kwargs)
    return ok(rest.last)


def call_fail(rest, api, body, code, **kwargs):
    """rest.call() that must fail with `code`; returns the answer."""
    rest.call(api, body, **kwargs)
    return fail(rest.last, code)


def roam_texts(rest, operator, peer):
    """The texts of admin_getroammsg over all time for operator's conversation with peer."""
    answer = call_ok(rest, "openim/admin_getroammsg", {
        "Operator_Account": operator, "Peer_Account": peer, "MaxCnt": 100, "MinTime": 0,
        "MaxTime": 4294967295})
    return [m["MsgBody"][0]["MsgContent"]["Text"] for m in answer["MsgList"]]


def stored(pg):
    """Every account and profile row, to show that a refused request changed nothing."""
    return {
        "accounts": pg.sql("SELECT user_id FROM accounts ORDER BY user_id COLLATE \"C\""),
        "profiles": pg.sql("SELECT user_id, tag, value::text FROM profiles"
                           " ORDER BY user_id COLLATE \"C\", tag COLLATE \"C\""),
    }
