"""The web console (docs/console.md): its files as chatd serves them from the binary (/console,
ETag, 304, the security headers, 404, console_enabled), chatd's own admin APIs it calls
(chatd_admin/account_search, group_search, user_sessions, config_get) with good and bad input,
and the console itself in headless Chromium (console/test/console.test.mjs, run like the
clients' suites)."""

import http.client
import json
import re
import signal

import pytest
import requests

from expect import call_fail, call_ok
from util import OK, node_suite, wait_until
from ws_client import import_users

pytestmark = pytest.mark.shared_chatd

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def get(chatd, path, **headers):
    return requests.get(f"{chatd.url}{path}", headers=headers, allow_redirects=False, timeout=10)


# ---- the files ----

def test_console_redirects_to_its_index(chatd):
    """GET /console answers 301 to /console/, which is the index page."""
    r = get(chatd, "/console")
    assert r.status_code == 301
    assert r.headers["Location"] == "/console/"
    r = get(chatd, "/console/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>chatd console</title>" in r.text
    assert get(chatd, "/console/index.html").content == r.content


def test_console_files_carry_type_etag_and_security_headers(chatd):
    """Each file has its Content-Type, a strong ETag, no-cache, a self-only CSP and nosniff."""
    for path, ctype in [("/console/", "text/html"), ("/console/style.css", "text/css"),
                        ("/console/js/app.js", "text/javascript"),
                        ("/console/favicon.svg", "image/svg+xml")]:
        r = get(chatd, path)
        assert r.status_code == 200, path
        assert r.headers["Content-Type"].startswith(ctype), path
        assert re.fullmatch(r'"[0-9a-f]{16}"', r.headers["ETag"]), r.headers["ETag"]
        for k, v in SECURITY_HEADERS.items():
            assert r.headers[k] == v, (path, k)
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp


def test_if_none_match_gets_304(chatd):
    """A matching If-None-Match (exact, weak, in a list or *) gets 304 with no body; another
    ETag gets the file again."""
    etag = get(chatd, "/console/js/app.js").headers["ETag"]
    for inm in [etag, f"W/{etag}", f'"nope", {etag}', "*"]:
        r = get(chatd, "/console/js/app.js", **{"If-None-Match": inm})
        assert r.status_code == 304, inm
        assert r.content == b""
        assert r.headers["ETag"] == etag
    r = get(chatd, "/console/js/app.js", **{"If-None-Match": '"0000000000000000"'})
    assert r.status_code == 200 and r.content


@pytest.mark.parametrize("path", ["/console/nope.js", "/console/../Makefile",
                                  "/console/%2e%2e/Makefile", "/console/test/console.test.mjs",
                                  "/console//index.html", "/consolex"])
def test_unknown_console_paths_are_json_404(chatd, path):
    """Anything that is not an embedded file is a 404 with a JSON body; tests are not embedded.
    The path goes out as written (no client-side removal of dot segments)."""
    conn = http.client.HTTPConnection("127.0.0.1", chatd.port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    assert r.status == 404
    assert r.getheader("Content-Type").startswith("application/json")
    assert json.loads(r.read()) == {"error": "not found"}
    conn.close()


def test_console_disabled_is_404(chatd_of):
    """console_enabled = 0: every /console path is a 404 (the REST API still answers)."""
    off = chatd_of(console_enabled=0)
    for path in ["/console", "/console/", "/console/js/app.js"]:
        r = get(off, path)
        assert r.status_code == 404, path
        assert r.json() == {"error": "not found"}
    call_ok(off.rest(), "chatd_admin/config_get", {})


def test_console_is_served_without_postgresql(chatd_factory, pg):
    """The console's files never wait for PostgreSQL: they load while it is down."""
    chatd = chatd_factory()
    pg.stop()
    try:
        r = get(chatd, "/console/")
        assert r.status_code == 200 and "chatd console" in r.text
    finally:
        pg.start()


def metric(chatd, name):
    for line in requests.get(f"{chatd.url}/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def test_webhook_queue_age_metric(hooked, receiver):
    """chatd_webhook_queue_age_seconds (the console's webhook lag) grows while an event cannot
    be delivered and is 0 once the outbox is empty."""
    chatd = hooked(webhook_commands="C2C.CallbackAfterSendMsg")
    assert metric(chatd, "chatd_webhook_queue_age_seconds") == 0
    receiver.answer = lambda call: (500, "down")
    call_ok(chatd.rest(), "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
            "MsgRandom": 1, "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x"}}]})
    wait_until(lambda: metric(chatd, "chatd_webhook_queue_age_seconds") >= 1, timeout=20,
               what="a queue age of a second or more")
    receiver.answer = lambda call: OK
    wait_until(lambda: metric(chatd, "chatd_webhook_queue_age_seconds") == 0, timeout=20,
               what="queue age back to 0")


# ---- chatd_admin/account_search ----

def test_account_search_by_id_and_nick_prefix(chatd, rest):
    """Prefix matches the start of the UserID (case-sensitive) or the nick (case-insensitive),
    in UserID order; an empty prefix lists everyone; % and _ are plain characters."""
    for uid, nick in [("alice", "Alice"), ("alan", ""), ("bob", "Alfred"), ("a_b", ""),
                      ("axb", ""), ("Zed", "zoe")]:
        body = {"UserID": uid}
        if nick:
            body["Nick"] = nick
        call_ok(rest, "im_open_login_svc/account_import", body)
    ids = lambda p: [a["UserID"] for a in call_ok(rest, "chatd_admin/account_search",
                                                 {"Prefix": p})["Accounts"]]
    assert ids("al") == ["alan", "alice", "bob"]  # bob by his nick "Alfred"
    assert ids("AL") == ["alice", "bob"]          # nicks ignore case, UserIDs do not
    assert ids("a_") == ["a_b"]
    assert ids("a%") == []
    assert ids("zo") == ["Zed"]
    assert ids("") == sorted(["alice", "alan", "bob", "a_b", "axb", "Zed"])
    assert call_ok(rest, "chatd_admin/account_search", {})["Accounts"][0].keys() >= {
        "UserID", "Nick", "FaceUrl", "CreateTime", "Sessions"}
    (alice,) = [a for a in call_ok(rest, "chatd_admin/account_search", {"Prefix": "alice"})
                ["Accounts"]]
    assert alice["Nick"] == "Alice" and alice["Sessions"] == 0 and alice["CreateTime"] > 0


def test_account_search_pages_by_cursor(rest):
    """Limit cuts a page; NextAfterUserID is there while pages come back full, and following it
    lists every account once."""
    users = [f"u{i:02d}" for i in range(7)]
    import_users(rest, *users)
    seen, after, pages = [], "", 0
    while True:
        a = call_ok(rest, "chatd_admin/account_search",
                    {"Prefix": "u", "Limit": 3, "AfterUserID": after})
        seen += [x["UserID"] for x in a["Accounts"]]
        pages += 1
        if "NextAfterUserID" not in a:
            break
        assert a["NextAfterUserID"] == seen[-1]
        after = a["NextAfterUserID"]
    assert seen == users
    assert pages == 3


def test_account_search_counts_live_sessions(chatd, rest, ws):
    """Sessions is the number of the user's WebSocket sessions on this process."""
    import_users(rest, "alice")
    client = ws(chatd, "alice")
    (a,) = call_ok(rest, "chatd_admin/account_search", {"Prefix": "alice"})["Accounts"]
    assert a["Sessions"] == 1
    client.close()


@pytest.mark.parametrize("body", [
    {"Limit": 0}, {"Limit": 101}, {"Limit": "5"}, {"Prefix": 7}, {"Prefix": "x" * 101},
    {"AfterUserID": 3}, {"AfterUserID": "x" * 33}, {"Prefix": ["a"]},
])
def test_account_search_bad_input(rest, body):
    """Malformed fields get 70402 naming the rules."""
    a = call_fail(rest, "chatd_admin/account_search", body, 70402)
    assert "Limit 1 to 100" in a["ErrorInfo"]


def test_admin_apis_need_an_admin(rest):
    """Every chatd_admin API answers 60010 to a caller who is not an app administrator."""
    import_users(rest, "alice")
    for api in ["account_search", "group_search", "user_sessions", "config_get"]:
        call_fail(rest, f"chatd_admin/{api}", {"UserID": "alice"}, 60010, identifier="alice")


def test_admin_api_body_must_be_json(rest):
    """A body that is not a JSON object gets 90001."""
    rest.call("chatd_admin/account_search", raw_body="[1]")
    assert rest.last.json()["ErrorCode"] == 90001


# ---- chatd_admin/group_search ----

def test_group_search(rest):
    """Groups by GroupId or name prefix, with owner and member count, paged by AfterGroupId."""
    import_users(rest, "alice", "bob")
    for gid, name in [("team-1", "Backend"), ("team-2", "frontend"), ("ops", "Team ops")]:
        call_ok(rest, "group_open_http_svc/create_group",
                {"Owner_Account": "alice", "Type": "Public", "GroupId": gid, "Name": name,
                 "MemberList": [{"Member_Account": "bob"}]})
    gids = lambda body: [g["GroupId"] for g in
                         call_ok(rest, "chatd_admin/group_search", body)["Groups"]]
    assert gids({"Prefix": "team"}) == ["ops", "team-1", "team-2"]  # ops by its name
    assert gids({"Prefix": "FRONT"}) == ["team-2"]
    (g,) = call_ok(rest, "chatd_admin/group_search", {"Prefix": "team-1"})["Groups"]
    assert g["Name"] == "Backend" and g["Type"] == "Public" and g["Owner_Account"] == "alice"
    assert g["MemberNum"] == 2 and g["CreateTime"] > 0
    first = call_ok(rest, "chatd_admin/group_search", {"Limit": 2})
    assert [x["GroupId"] for x in first["Groups"]] == ["ops", "team-1"]
    assert first["NextAfterGroupId"] == "team-1"
    rest_ = call_ok(rest, "chatd_admin/group_search", {"Limit": 2, "AfterGroupId": "team-1"})
    assert [x["GroupId"] for x in rest_["Groups"]] == ["team-2"]
    assert "NextAfterGroupId" not in rest_
    call_fail(rest, "chatd_admin/group_search", {"Limit": 1000}, 70402)
    call_fail(rest, "chatd_admin/group_search", {"AfterGroupId": ["x"]}, 70402)


# ---- chatd_admin/user_sessions ----

def test_user_sessions_list_and_kick(chatd, rest, ws):
    """A user's live sessions, oldest first, with platform, connection id and login time; after
    a kick there are none."""
    import_users(rest, "alice")
    assert call_ok(rest, "chatd_admin/user_sessions", {"UserID": "alice"}) == {
        "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "UserID": "alice",
        "Status": "Offline", "Sessions": []}
    ws(chatd, "alice", platform="Web")
    ws(chatd, "alice", platform="Android")
    a = call_ok(rest, "chatd_admin/user_sessions", {"UserID": "alice"})
    assert a["Status"] == "Online"
    assert [s["Platform"] for s in a["Sessions"]] == ["Web", "Android"]
    assert all(s["ConnId"] > 0 and s["LoginTime"] > 1e12 for s in a["Sessions"])
    assert a["Sessions"][0]["LoginTime"] <= a["Sessions"][1]["LoginTime"]
    call_ok(rest, "im_open_login_svc/kick", {"UserID": "alice"})
    wait_until(lambda: call_ok(rest, "chatd_admin/user_sessions", {"UserID": "alice"})
               ["Sessions"] == [], what="no session after the kick")


@pytest.mark.parametrize("body", [{}, {"UserID": ""}, {"UserID": 5}, {"UserID": "x" * 33}])
def test_user_sessions_bad_input(rest, body):
    call_fail(rest, "chatd_admin/user_sessions", body, 70402)


# ---- chatd_admin/config_get ----

def test_config_get_masks_secrets(chatd_of, pg):
    """Every key with its running value, default and reloadable flag; secret_key, webhook_token
    and the passwords in database_url and webhook_url masked."""
    dsn = pg.dsn.replace("postgres@", "postgres:pw-db@")  # trust authentication ignores it
    c = chatd_of(webhook_token="tok-secret", log_level="warn", database_url=dsn,
                 webhook_url="http://127.0.0.1:9/cb?app=1&password=pw-hook",
                 webhook_commands="C2C.CallbackAfterSendMsg")
    a = call_ok(c.rest(), "chatd_admin/config_get", {})
    keys = {k["Key"]: k for k in a["Config"]}
    assert keys["secret_key"]["Value"] == "********" and keys["secret_key"]["Secret"]
    assert keys["secret_key"]["Default"] is None
    assert keys["webhook_token"]["Value"] == "********"
    assert keys["webhook_url"]["Value"] == "http://127.0.0.1:9/cb?app=1&password=********"
    assert keys["database_url"]["Value"] == pg.dsn.replace("postgres@", "postgres:********@")
    assert keys["log_level"] == {"Key": "log_level", "Value": "warn", "Default": "info",
                                 "Reloadable": True, "Secret": False}
    assert keys["listen"]["Value"] == f"127.0.0.1:{c.port}" and not keys["listen"]["Reloadable"]
    assert keys["console_enabled"]["Reloadable"] and keys["console_enabled"]["Value"] == "1"
    body = str(a)
    for secret in ["tok-secret", "pw-db", "pw-hook", c.rest().key]:
        assert secret not in body


def test_config_get_shows_reloaded_values(chatd_factory):
    """After SIGHUP the answer shows the reloaded value; console_enabled reloads too."""
    c = chatd_factory()
    c.config["console_enabled"] = 0
    c.config_path.write_text("".join(f"{k} = {v}\n" for k, v in c.config.items()))
    c.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: {k["Key"]: k["Value"] for k in call_ok(
        c.rest(), "chatd_admin/config_get", {})["Config"]}["console_enabled"] == "0",
        what="console_enabled 0 after SIGHUP")
    assert get(c, "/console/").status_code == 404


# ---- the console in Chromium ----

def test_console_in_chromium(pg):
    """console/test/console.test.mjs: sign in, import and find a user, see them online, kick,
    recall, retry a dead webhook, the dashboard's message rate."""
    node_suite(pg, "console/test", 300, built=False)
