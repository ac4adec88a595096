"""Account APIs: im_open_login_svc/account_import, multiaccount_import, account_check,
account_delete, kick, and openim/query_online_status (legacy querystate).

UserIDs are 1 to 32 bytes of UTF-8 text, stored and returned byte for byte whatever they hold;
refused input changes nothing in the database.
"""

import json

import pytest

from expect import call_fail, call_ok, fail, stored

IMPORT = "im_open_login_svc/account_import"
MULTI = "im_open_login_svc/multiaccount_import"
CHECK = "im_open_login_svc/account_check"
DELETE = "im_open_login_svc/account_delete"
KICK = "im_open_login_svc/kick"
ONLINE = "openim/query_online_status"
PORTRAIT_GET = "profile/portrait_get"
NICK, IMAGE = "Tag_Profile_IM_Nick", "Tag_Profile_IM_Image"

# IDs that must survive the trip to PostgreSQL and back unchanged.
ODD_IDS = [
    pytest.param("'; DROP TABLE accounts; --", id="sql-injection"),
    pytest.param("o'brien", id="quote"),
    pytest.param('say "hi"', id="double-quotes"),
    pytest.param("back\\slash\\\\", id="backslashes"),
    pytest.param("100%_off", id="like-wildcards"),
    pytest.param("$1::jsonb", id="placeholder"),
    pytest.param("[\"a\"]", id="json-array-text"),
    pytest.param("张三", id="cjk"),
    pytest.param("émile 😀", id="accents-emoji"),
    pytest.param(" spaced ", id="spaces"),
    pytest.param("\u200bzero-width", id="zero-width"),
]

# (value, why) of UserIDs that are not acceptable.
BAD_IDS = [
    pytest.param("", id="empty"),
    pytest.param("a" * 33, id="33-bytes"),
    pytest.param("é" * 16 + "a", id="33-bytes-utf8"),
    pytest.param("张" * 11, id="33-bytes-cjk"),
    pytest.param("tab\there", id="control-tab"),
    pytest.param("new\nline", id="control-newline"),
    pytest.param("del\x7f", id="control-del"),
]

NOT_STRINGS = [pytest.param(v, id=type(v).__name__) for v in (42, None, True, ["a"], {"a": 1})]


def imported(pg):
    return [u for (u,) in pg.sql("SELECT user_id FROM accounts ORDER BY user_id COLLATE \"C\"")]


def profile(rest, user, tags=(NICK, IMAGE)):
    """{tag: value} of one user as portrait_get reports them."""
    answer = call_ok(rest, PORTRAIT_GET, {"To_Account": [user], "TagList": list(tags)})
    (item,) = answer["UserProfileItem"]
    assert item["To_Account"] == user and item["ResultCode"] == 0, item
    return {p["Tag"]: p["Value"] for p in item["ProfileItem"]}


def check(rest, *users):
    answer = call_ok(rest, CHECK, {"CheckItem": [{"UserID": u} for u in users]})
    return [(i["UserID"], i.get("AccountStatus")) for i in answer["ResultItem"]]


# ---- account_import ----------------------------------------------------------------------------

def test_import_user_id(rest, pg):
    """account_import creates the account named by UserID."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    assert imported(pg) == ["alice"]
    assert check(rest, "alice") == [("alice", "Imported")]


def test_import_legacy_identifier(rest, pg):
    """The legacy spelling Identifier is accepted for UserID."""
    call_ok(rest, IMPORT, {"Identifier": "alice"})
    assert imported(pg) == ["alice"]


def test_import_nick_and_face_url_land_in_profile(rest):
    """Nick and FaceUrl become Tag_Profile_IM_Nick and Tag_Profile_IM_Image."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "Alice A.",
                           "FaceUrl": "https://example.com/a.png?x=1&y=2"})
    assert profile(rest, "alice") == {NICK: "Alice A.",
                                      IMAGE: "https://example.com/a.png?x=1&y=2"}


def test_reimport_is_ok_and_updates_nick(rest, pg):
    """Importing an existing account succeeds, sets a new Nick and keeps fields not given."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "first", "FaceUrl": "u1"})
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "second"})
    assert profile(rest, "alice") == {NICK: "second", IMAGE: "u1"}
    call_ok(rest, IMPORT, {"UserID": "alice"})
    assert profile(rest, "alice") == {NICK: "second", IMAGE: "u1"}
    assert imported(pg) == ["alice"]


def test_import_without_nick_reports_empty_profile(rest):
    """An account imported without Nick/FaceUrl reports them as empty strings."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    assert profile(rest, "alice") == {NICK: "", IMAGE: ""}


@pytest.mark.parametrize("user", [
    pytest.param("a" * 32, id="32-ascii"),
    pytest.param("é" * 16, id="32-bytes-2-byte-chars"),
    pytest.param("张" * 10 + "ab", id="32-bytes-cjk"),
    pytest.param("😀" * 8, id="32-bytes-emoji"),
    pytest.param("x", id="1-byte"),
])
def test_import_user_id_at_limit(rest, pg, user):
    """A UserID of exactly 32 bytes (counted in UTF-8 bytes, not characters) is accepted."""
    assert len(user.encode()) <= 32
    call_ok(rest, IMPORT, {"UserID": user})
    assert imported(pg) == [user]


@pytest.mark.parametrize("user", BAD_IDS + NOT_STRINGS)
def test_import_bad_user_id(rest, pg, user):
    """An empty, too long (33 bytes), control-character or non-string UserID gets 70402 and
    stores nothing."""
    call_ok(rest, IMPORT, {"UserID": "existing", "Nick": "kept"})
    before = stored(pg)
    call_fail(rest, IMPORT, {"UserID": user, "Nick": "x"}, 70402)
    assert stored(pg) == before


def test_import_missing_user_id(rest, pg):
    """account_import without UserID gets 70402."""
    call_fail(rest, IMPORT, {"Nick": "nobody"}, 70402)
    assert stored(pg)["accounts"] == []


@pytest.mark.parametrize("field, value", [
    ("Nick", "n" * 501), ("Nick", 5), ("Nick", ["a"]), ("FaceUrl", "u" * 501), ("FaceUrl", {}),
])
def test_import_bad_profile_field(rest, pg, field, value):
    """A Nick or FaceUrl that is not a string of at most 500 bytes gets 70402; the account and
    its profile stay as they were."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "kept"})
    before = stored(pg)
    call_fail(rest, IMPORT, {"UserID": "alice", field: value}, 70402)
    assert stored(pg) == before


@pytest.mark.parametrize("raw", [
    pytest.param(b'{"UserID": "\xff"}', id="invalid-utf8"),
    pytest.param(b'{"UserID": "\xc0\xaf"}', id="overlong"),
    pytest.param(b'{"UserID": "\xed\xa0\x80"}', id="surrogate-bytes"),
    pytest.param(b'{"UserID": "\\ud800"}', id="lone-surrogate-escape"),
    pytest.param(b'{"UserID": "a\\u0000b"}', id="nul"),
])
def test_import_invalid_utf8_user_id(rest, pg, raw):
    """A body whose UserID is not well-formed UTF-8 (or holds NUL) is not valid JSON text: 90001,
    and nothing reaches the database."""
    rest.call(IMPORT, raw_body=raw)
    fail(rest.last, 90001)
    assert stored(pg)["accounts"] == []


@pytest.mark.parametrize("user", ODD_IDS)
def test_odd_user_id_round_trip(rest, pg, user):
    """UTF-8 and SQL metacharacters in a UserID are stored and returned byte for byte."""
    call_ok(rest, IMPORT, {"UserID": user, "Nick": user})
    assert imported(pg) == [user]
    assert check(rest, user) == [(user, "Imported")]
    assert profile(rest, user, [NICK]) == {NICK: user}
    assert pg.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'accounts'") == [(1,)]


@pytest.mark.parametrize("nick", [
    "'; DROP TABLE profiles; --", "back\\slash", "50% \"off\"", "emoji 😀 ✓", "multi\nline",
    "张三 <b>&amp;</b>", "n" * 500, "é" * 250,
])
def test_odd_nick_round_trip(rest, pg, nick):
    """UTF-8, SQL and JSON metacharacters in a Nick (up to 500 bytes) come back unchanged."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": nick})
    assert profile(rest, "alice", [NICK]) == {NICK: nick}
    assert pg.sql("SELECT value #>> '{}' FROM profiles WHERE tag = %s", (NICK,)) == [(nick,)]


def test_raw_utf8_body(rest, pg):
    """A body with UTF-8 written raw (not \\u-escaped) is read the same as an escaped one."""
    rest.call(IMPORT, raw_body=json.dumps({"UserID": "张三", "Nick": "émile"},
                                          ensure_ascii=False).encode())
    assert rest.last.json()["ErrorCode"] == 0
    assert imported(pg) == ["张三"]
    assert profile(rest, "张三", [NICK]) == {NICK: "émile"}


# ---- multiaccount_import -----------------------------------------------------------------------

def test_multi_import_account_list(rest, pg):
    """AccountList [{UserID, Nick, FaceUrl}] imports each account with its profile fields."""
    answer = call_ok(rest, MULTI, {"AccountList": [
        {"UserID": "a1", "Nick": "One", "FaceUrl": "f1"}, {"UserID": "a2"}]})
    assert answer["FailAccounts"] == []
    assert imported(pg) == ["a1", "a2"]
    assert profile(rest, "a1") == {NICK: "One", IMAGE: "f1"}
    assert profile(rest, "a2") == {NICK: "", IMAGE: ""}


def test_multi_import_legacy_accounts(rest, pg):
    """The legacy form Accounts [UserID, …] imports each account."""
    answer = call_ok(rest, MULTI, {"Accounts": ["b1", "b2", "b3"]})
    assert answer["FailAccounts"] == []
    assert imported(pg) == ["b1", "b2", "b3"]


@pytest.mark.parametrize("form", ["AccountList", "Accounts"])
def test_multi_import_invalid_ids_in_fail_accounts(rest, pg, form):
    """Invalid UserIDs are listed in FailAccounts; the valid ones are imported."""
    bad = ["", "a" * 33, "é" * 17, "ctl\x01"]
    ids = ["ok1"] + bad + ["ok2"]
    items = [{"UserID": u} for u in ids] if form == "AccountList" else ids
    answer = call_ok(rest, MULTI, {form: items})
    assert answer["FailAccounts"] == bad
    assert imported(pg) == ["ok1", "ok2"]


def test_multi_import_only_invalid_ids(rest, pg):
    """A list holding only invalid UserIDs succeeds with all of them in FailAccounts."""
    answer = call_ok(rest, MULTI, {"Accounts": ["", "x" * 40]})
    assert answer["FailAccounts"] == ["", "x" * 40]
    assert imported(pg) == []


def test_multi_import_duplicates(rest, pg):
    """A UserID listed twice is imported once and not reported as failed."""
    answer = call_ok(rest, MULTI, {"Accounts": ["dup", "dup", "other", "dup"]})
    assert answer["FailAccounts"] == []
    assert imported(pg) == ["dup", "other"]


def test_multi_import_existing_accounts(rest, pg):
    """Importing accounts that already exist succeeds and keeps them."""
    call_ok(rest, IMPORT, {"UserID": "old", "Nick": "Old"})
    answer = call_ok(rest, MULTI, {"AccountList": [{"UserID": "old"}, {"UserID": "new"}]})
    assert answer["FailAccounts"] == []
    assert imported(pg) == ["new", "old"]
    assert profile(rest, "old", [NICK]) == {NICK: "Old"}


def test_multi_import_100(rest, pg):
    """100 accounts in one request are accepted."""
    answer = call_ok(rest, MULTI, {"Accounts": [f"u{i:03}" for i in range(100)]})
    assert answer["FailAccounts"] == []
    assert len(imported(pg)) == 100


@pytest.mark.parametrize("form", ["AccountList", "Accounts"])
def test_multi_import_more_than_100(rest, pg, form):
    """More than 100 accounts get 70402 and nothing is imported."""
    ids = [f"u{i:03}" for i in range(101)]
    items = [{"UserID": u} for u in ids] if form == "AccountList" else ids
    call_fail(rest, MULTI, {form: items}, 70402)
    assert imported(pg) == []


@pytest.mark.parametrize("body", [
    pytest.param({}, id="missing"),
    pytest.param({"Accounts": []}, id="empty"),
    pytest.param({"AccountList": "alice"}, id="not-array"),
    pytest.param({"Accounts": ["ok", 42]}, id="number-item"),
    pytest.param({"AccountList": [{"UserID": "ok"}, {"Nick": "no id"}]}, id="item-without-id"),
    pytest.param({"AccountList": [{"UserID": "ok"}, {"UserID": 7}]}, id="non-string-id"),
    pytest.param({"AccountList": [{"UserID": "ok"}, {"UserID": "b", "Nick": "n" * 501}]},
                 id="nick-too-long"),
])
def test_multi_import_bad_request(rest, pg, body):
    """A malformed list gets 70402 and imports nothing, not even its valid entries."""
    call_ok(rest, IMPORT, {"UserID": "existing"})
    before = stored(pg)
    call_fail(rest, MULTI, body, 70402)
    assert stored(pg) == before


# ---- account_check -----------------------------------------------------------------------------

def test_check_reports_each_item(rest):
    """account_check answers Imported/NotImported per item, in request order."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    answer = call_ok(rest, CHECK, {"CheckItem": [{"UserID": "nobody"}, {"UserID": "alice"}]})
    assert answer["ResultItem"] == [
        {"UserID": "nobody", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "NotImported"},
        {"UserID": "alice", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
    ]


def test_check_invalid_item(rest):
    """An invalid UserID in CheckItem gets a per-item ResultCode 70402; the others are
    answered."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    answer = call_ok(rest, CHECK, {"CheckItem": [{"UserID": "a" * 33}, {"UserID": "alice"}]})
    bad, good = answer["ResultItem"]
    assert (bad["UserID"], bad["ResultCode"]) == ("a" * 33, 70402) and bad["ResultInfo"]
    assert good["AccountStatus"] == "Imported"


def test_check_100(rest):
    """100 items in one account_check are accepted."""
    answer = call_ok(rest, CHECK, {"CheckItem": [{"UserID": f"u{i}"} for i in range(100)]})
    assert len(answer["ResultItem"]) == 100


@pytest.mark.parametrize("body", [
    pytest.param({"CheckItem": [{"UserID": f"u{i}"} for i in range(101)]}, id="101-items"),
    pytest.param({}, id="missing"),
    pytest.param({"CheckItem": []}, id="empty"),
    pytest.param({"CheckItem": ["alice"]}, id="string-item"),
    pytest.param({"CheckItem": [{"UserID": 1}]}, id="number-id"),
    pytest.param({"CheckItem": {"UserID": "alice"}}, id="object"),
])
def test_check_bad_request(rest, body):
    """account_check with a missing, empty, malformed or over-100 list gets 70402."""
    call_fail(rest, CHECK, body, 70402)


# ---- account_delete ----------------------------------------------------------------------------

def test_delete_removes_account_and_profile(rest, pg):
    """account_delete removes the account and its profile rows; others stay."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "A", "FaceUrl": "fa"})
    call_ok(rest, IMPORT, {"UserID": "bob", "Nick": "B"})
    answer = call_ok(rest, DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    assert answer["ResultItem"] == [{"UserID": "alice", "ResultCode": 0, "ResultInfo": ""}]
    assert imported(pg) == ["bob"]
    assert pg.sql("SELECT user_id FROM profiles") == [("bob",)]
    assert check(rest, "alice", "bob") == [("alice", "NotImported"), ("bob", "Imported")]


def test_delete_then_reimport_starts_empty(rest):
    """A deleted then re-imported account has no profile left from before."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "old"})
    call_ok(rest, DELETE, {"DeleteItem": [{"UserID": "alice"}]})
    call_ok(rest, IMPORT, {"UserID": "alice"})
    assert profile(rest, "alice") == {NICK: "", IMAGE: ""}


def test_delete_unknown_is_per_item_70107(rest, pg):
    """Deleting an account that does not exist reports 70107 for that item only."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    answer = call_ok(rest, DELETE, {"DeleteItem": [{"UserID": "ghost"}, {"UserID": "alice"}]})
    ghost, alice = answer["ResultItem"]
    assert (ghost["UserID"], ghost["ResultCode"]) == ("ghost", 70107) and ghost["ResultInfo"]
    assert (alice["UserID"], alice["ResultCode"]) == ("alice", 0)
    assert imported(pg) == []


@pytest.mark.parametrize("user", ["'; DROP TABLE accounts; --", "100%_off", "back\\slash",
                                  "émile 😀"])
def test_delete_odd_user_id(rest, pg, user):
    """Deleting an account with metacharacters in its ID deletes that account only."""
    call_ok(rest, MULTI, {"Accounts": [user, "bystander"]})
    answer = call_ok(rest, DELETE, {"DeleteItem": [{"UserID": user}]})
    assert answer["ResultItem"][0]["ResultCode"] == 0
    assert imported(pg) == ["bystander"]


@pytest.mark.parametrize("body", [
    pytest.param({"DeleteItem": [{"UserID": f"u{i}"} for i in range(101)]}, id="101-items"),
    pytest.param({}, id="missing"),
    pytest.param({"DeleteItem": []}, id="empty"),
    pytest.param({"DeleteItem": [{"UserID": "u1"}, "u2"]}, id="string-item"),
    pytest.param({"DeleteItem": [{"UserID": "u1"}, {"UserID": None}]}, id="null-id"),
])
def test_delete_bad_request(rest, pg, body):
    """account_delete with a malformed or over-100 list gets 70402 and deletes nothing."""
    call_ok(rest, MULTI, {"Accounts": [f"u{i}" for i in range(100)]})
    before = stored(pg)
    call_fail(rest, DELETE, body, 70402)
    assert stored(pg) == before


# ---- kick --------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["UserID", "Identifier"])
def test_kick_existing(rest, pg, field):
    """kick of an imported account succeeds (UserID or legacy Identifier) and changes no data."""
    call_ok(rest, IMPORT, {"UserID": "alice", "Nick": "A"})
    before = stored(pg)
    call_ok(rest, KICK, {field: "alice"})
    assert stored(pg) == before


def test_kick_unknown(rest):
    """kick of an account that does not exist gets 70107."""
    call_fail(rest, KICK, {"UserID": "ghost"}, 70107)


@pytest.mark.parametrize("body", [{}, {"UserID": ""}, {"UserID": "a" * 33}, {"UserID": 5}])
def test_kick_bad_user_id(rest, body):
    """kick with a missing or invalid UserID gets 70402."""
    call_fail(rest, KICK, body, 70402)


# ---- query_online_status -----------------------------------------------------------------------

@pytest.mark.parametrize("api", [ONLINE, "openim/querystate"])
def test_online_status_offline(rest, api):
    """Imported users without connections are Offline (also on the legacy path querystate)."""
    call_ok(rest, MULTI, {"Accounts": ["alice", "bob"]})
    answer = call_ok(rest, api, {"To_Account": ["alice", "bob"]})
    assert answer["QueryResult"] == [{"To_Account": "alice", "Status": "Offline"},
                                     {"To_Account": "bob", "Status": "Offline"}]
    assert answer["ErrorList"] == []


@pytest.mark.parametrize("flag", [1, True])
def test_online_status_detail(rest, flag):
    """IsNeedDetail=1 adds a Detail list (empty while offline)."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    answer = call_ok(rest, ONLINE, {"To_Account": ["alice"], "IsNeedDetail": flag})
    assert answer["QueryResult"] == [{"To_Account": "alice", "Status": "Offline", "Detail": []}]


def test_online_status_without_detail(rest):
    """IsNeedDetail=0 leaves Detail out."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    answer = call_ok(rest, ONLINE, {"To_Account": ["alice"], "IsNeedDetail": 0})
    assert "Detail" not in answer["QueryResult"][0]


def test_online_status_unknown_in_error_list(rest):
    """Accounts that are not imported are listed in ErrorList with 70107."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    answer = call_ok(rest, ONLINE, {"To_Account": ["ghost", "alice", "a" * 40]})
    assert [q["To_Account"] for q in answer["QueryResult"]] == ["alice"]
    assert answer["ErrorList"] == [{"To_Account": "ghost", "ErrorCode": 70107},
                                   {"To_Account": "a" * 40, "ErrorCode": 70107}]


def test_online_status_500(rest):
    """500 accounts in one query are accepted."""
    answer = call_ok(rest, ONLINE, {"To_Account": [f"u{i}" for i in range(500)]})
    assert len(answer["ErrorList"]) == 500


@pytest.mark.parametrize("body, code", [
    pytest.param({"To_Account": [f"u{i}" for i in range(501)]}, 90011, id="501-accounts"),
    pytest.param({}, 90003, id="missing"),
    pytest.param({"To_Account": []}, 90003, id="empty"),
    pytest.param({"To_Account": "alice"}, 90003, id="string"),
    pytest.param({"To_Account": ["alice", 3]}, 90003, id="number-item"),
])
def test_online_status_bad_request(rest, body, code):
    """query_online_status refuses more than 500 accounts and a malformed To_Account."""
    call_fail(rest, ONLINE, body, code)
