"""Profiles: profile/portrait_set and portrait_get with the standard Tag_Profile_IM_* tags (their
types, limits and enumerations) and custom Tag_Profile_Custom_<letters> tags.

Codes: 40001 bad request, 40003 account not imported, 40009 unknown tag, 40601 value longer than
500 bytes, 40605 invalid value for a standard field, 40610 value of the wrong type. A refused
portrait_set stores nothing, not even its valid items.
"""

import pytest

from expect import call_fail, call_ok, stored

SET, GET = "profile/portrait_set", "profile/portrait_get"
IMPORT = "im_open_login_svc/account_import"

# (tag, byte limit) of the free-text standard tags.
STRING_TAGS = [("Tag_Profile_IM_Nick", 500), ("Tag_Profile_IM_SelfSignature", 500),
               ("Tag_Profile_IM_Image", 500), ("Tag_Profile_IM_Location", 16)]
ENUM_TAGS = {
    "Tag_Profile_IM_Gender": ["Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"],
    "Tag_Profile_IM_AllowType": ["AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny",
                                 "AllowType_Type_DenyAny"],
    "Tag_Profile_IM_AdminForbidType": ["AdminForbid_Type_None", "AdminForbid_Type_SendOut"],
}
UINT32_TAGS = ["Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Language", "Tag_Profile_IM_MsgSettings",
               "Tag_Profile_IM_Level", "Tag_Profile_IM_Role"]
ALL_STANDARD = [t for t, _ in STRING_TAGS] + list(ENUM_TAGS) + UINT32_TAGS


@pytest.fixture
def alice(rest):
    """An imported account "alice" with no profile set."""
    call_ok(rest, IMPORT, {"UserID": "alice"})
    return "alice"


def set_tags(rest, user, items):
    return call_ok(rest, SET, {"From_Account": user,
                               "ProfileItem": [{"Tag": t, "Value": v} for t, v in items.items()]})


def get_tags(rest, user, tags):
    answer = call_ok(rest, GET, {"To_Account": [user], "TagList": list(tags)})
    (item,) = answer["UserProfileItem"]
    assert (item["To_Account"], item["ResultCode"]) == (user, 0), item
    return {p["Tag"]: p["Value"] for p in item["ProfileItem"]}


def set_fails(rest, pg, user, tag, value, code):
    """portrait_set of one item must fail with `code` and change nothing."""
    before = stored(pg)
    call_fail(rest, SET, {"From_Account": user, "ProfileItem": [{"Tag": tag, "Value": value}]},
              code)
    assert stored(pg) == before


# ---- every tag ---------------------------------------------------------------------------------

def test_set_and_get_every_standard_tag(rest, alice):
    """Every standard tag can be set and is read back with its value and JSON type."""
    values = {"Tag_Profile_IM_Nick": "Alice", "Tag_Profile_IM_SelfSignature": "hello",
              "Tag_Profile_IM_Image": "https://example.com/a.png",
              "Tag_Profile_IM_Location": "0086 0010 0000",
              "Tag_Profile_IM_Gender": "Gender_Type_Female",
              "Tag_Profile_IM_AllowType": "AllowType_Type_DenyAny",
              "Tag_Profile_IM_AdminForbidType": "AdminForbid_Type_SendOut",
              "Tag_Profile_IM_BirthDay": 20190419, "Tag_Profile_IM_Language": 2052,
              "Tag_Profile_IM_MsgSettings": 1, "Tag_Profile_IM_Level": 7,
              "Tag_Profile_IM_Role": 3}
    assert set(values) == set(ALL_STANDARD)
    answer = set_tags(rest, alice, values)
    assert answer["ErrorDisplay"] == ""
    assert get_tags(rest, alice, values) == values


def test_unset_tags_are_empty_or_zero(rest, alice):
    """Tags never set are reported as "" (strings, custom tags) or 0 (integers)."""
    tags = ALL_STANDARD + ["Tag_Profile_Custom_Hobby"]
    expected = {t: 0 if t in UINT32_TAGS else "" for t in tags}
    assert get_tags(rest, alice, tags) == expected


def test_integer_tags_stored_as_numbers(rest, pg, alice):
    """uint32 tags are stored as JSON numbers and strings as JSON strings."""
    set_tags(rest, alice, {"Tag_Profile_IM_Level": 5, "Tag_Profile_IM_Nick": "5"})
    rows = dict(pg.sql("SELECT tag, value::text FROM profiles WHERE user_id = 'alice'"))
    assert rows == {"Tag_Profile_IM_Level": "5", "Tag_Profile_IM_Nick": '"5"'}


def test_set_overwrites_and_keeps_other_tags(rest, alice):
    """A later portrait_set replaces the tags it names and leaves the others."""
    set_tags(rest, alice, {"Tag_Profile_IM_Nick": "one", "Tag_Profile_IM_Level": 1})
    set_tags(rest, alice, {"Tag_Profile_IM_Nick": "two"})
    assert get_tags(rest, alice, ["Tag_Profile_IM_Nick", "Tag_Profile_IM_Level"]) == {
        "Tag_Profile_IM_Nick": "two", "Tag_Profile_IM_Level": 1}


def test_portrait_set_nick_seen_by_account_import(rest, alice):
    """portrait_set and account_import write the same Nick field."""
    set_tags(rest, alice, {"Tag_Profile_IM_Nick": "from portrait"})
    call_ok(rest, IMPORT, {"UserID": alice, "Nick": "from import"})
    assert get_tags(rest, alice, ["Tag_Profile_IM_Nick"]) == {"Tag_Profile_IM_Nick": "from import"}


# ---- strings -----------------------------------------------------------------------------------

@pytest.mark.parametrize("tag, limit", STRING_TAGS)
@pytest.mark.parametrize("char", ["x", "é", "😀"])
def test_string_at_limit(rest, alice, tag, limit, char):
    """A string tag takes values up to its limit in bytes (not characters), and the empty
    string."""
    value = char * (limit // len(char.encode()))
    set_tags(rest, alice, {tag: value})
    assert get_tags(rest, alice, [tag]) == {tag: value}
    set_tags(rest, alice, {tag: ""})
    assert get_tags(rest, alice, [tag]) == {tag: ""}


@pytest.mark.parametrize("tag, limit, code", [
    ("Tag_Profile_IM_Nick", 500, 40601),
    ("Tag_Profile_IM_SelfSignature", 500, 40601),
    ("Tag_Profile_IM_Image", 500, 40601),
    ("Tag_Profile_IM_Location", 16, 40605),
])
@pytest.mark.parametrize("char", ["x", "é"])
def test_string_over_limit(rest, pg, alice, tag, limit, code, char):
    """One byte over the limit is refused: 40601 for the 500-byte fields, 40605 (invalid
    value) for Location's 16 bytes."""
    value = char * (limit // len(char.encode())) + "x"
    assert len(value.encode()) == limit + 1
    set_fails(rest, pg, alice, tag, value, code)


NON_STRINGS = [5, 0, None, True, ["x"], {"a": "b"}, 1.5]


@pytest.mark.parametrize("tag, value", [("Tag_Profile_IM_Nick", v) for v in NON_STRINGS] + [
    (t, 5) for t, _ in STRING_TAGS[1:]] + [(t, None) for t in ENUM_TAGS] + [
    ("Tag_Profile_IM_Gender", ["Gender_Type_Male"])])
def test_string_tag_wrong_type(rest, pg, alice, tag, value):
    """A string tag given a non-string gets 40610."""
    set_fails(rest, pg, alice, tag, value, 40610)


@pytest.mark.parametrize("value", ["'; DROP TABLE profiles; --", "back\\slash \"q\"", "100%",
                                   "张三 😀", "line\nbreak"])
def test_string_round_trip(rest, pg, alice, value):
    """Metacharacters and UTF-8 in a string tag come back byte for byte."""
    set_tags(rest, alice, {"Tag_Profile_IM_SelfSignature": value})
    assert get_tags(rest, alice, ["Tag_Profile_IM_SelfSignature"]) == {
        "Tag_Profile_IM_SelfSignature": value}
    assert pg.sql("SELECT value #>> '{}' FROM profiles") == [(value,)]


# ---- enumerations ------------------------------------------------------------------------------

@pytest.mark.parametrize("tag, value", [(t, v) for t, vs in ENUM_TAGS.items() for v in vs])
def test_enum_value_accepted(rest, alice, tag, value):
    """Each documented value of Gender, AllowType and AdminForbidType is accepted."""
    set_tags(rest, alice, {tag: value})
    assert get_tags(rest, alice, [tag]) == {tag: value}


@pytest.mark.parametrize("tag, value", [
    ("Tag_Profile_IM_Gender", v) for v in ("", "Other", "gender_type_male", "Gender_Type_Male ",
                                           "Gender_Type_Male" + "x" * 100)] + [
    (t, v) for t in ("Tag_Profile_IM_AllowType", "Tag_Profile_IM_AdminForbidType")
    for v in ("", "Other")])
def test_enum_bad_value(rest, pg, alice, tag, value):
    """A value outside the enumeration (case-sensitive, no padding) gets 40605."""
    set_fails(rest, pg, alice, tag, value, 40605)


def test_enum_value_of_another_tag(rest, pg, alice):
    """A value of one enumeration is not accepted by another (40605)."""
    set_fails(rest, pg, alice, "Tag_Profile_IM_Gender", "AllowType_Type_AllowAny", 40605)


# ---- uint32 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 1, 20190419, 4294967295])
def test_uint32_accepted(rest, alice, value):
    """Every uint32 tag takes 0 to 4294967295."""
    set_tags(rest, alice, {tag: value for tag in UINT32_TAGS})
    assert get_tags(rest, alice, UINT32_TAGS) == {tag: value for tag in UINT32_TAGS}


UINT32_BAD = [(4294967296, 40605), (2**63 - 1, 40605), (-1, 40610), ("1", 40610), (1.5, 40610),
              (1.0, 40610), (None, 40610), (True, 40610), ([1], 40610)]


@pytest.mark.parametrize("tag, value, code", [
    ("Tag_Profile_IM_Level", v, c) for v, c in UINT32_BAD] + [
    (t, v, c) for t in UINT32_TAGS if t != "Tag_Profile_IM_Level" for v, c in UINT32_BAD[:3:2]])
def test_uint32_refused(rest, pg, alice, tag, value, code):
    """A uint32 tag refuses non-integers and negatives (40610) and values above 2^32-1
    (40605)."""
    set_fails(rest, pg, alice, tag, value, code)


# ---- custom tags -------------------------------------------------------------------------------

@pytest.mark.parametrize("tag", ["Tag_Profile_Custom_Hobby", "Tag_Profile_Custom_a",
                                 "Tag_Profile_Custom_abcdefgh", "Tag_Profile_Custom_ABCxyz"])
def test_custom_tag(rest, alice, tag):
    """Tag_Profile_Custom_<1 to 8 letters> holds a string of up to 500 bytes."""
    for value in ("chess", "é" * 250, ""):
        set_tags(rest, alice, {tag: value})
        assert get_tags(rest, alice, [tag]) == {tag: value}


@pytest.mark.parametrize("value, code", [
    ("x" * 501, 40601), (5, 40610), (None, 40610), (["a"], 40610),
])
def test_custom_tag_bad_value(rest, pg, alice, value, code):
    """A custom tag refuses non-strings (40610) and strings over 500 bytes (40601)."""
    set_fails(rest, pg, alice, "Tag_Profile_Custom_Hobby", value, code)


BAD_TAGS = ["Tag_Profile_Custom_abcdefghi", "Tag_Profile_Custom_", "Tag_Profile_Custom_ab1",
            "Tag_Profile_Custom_a_b", "Tag_Profile_Custom_é", "Tag_Profile_Custom_ab cd",
            "Tag_Profile_IM_Foo", "tag_profile_im_nick", "Tag_Profile_IM_Nick ", "Nick", "",
            "Tag_SNS_IM_Remark"]


@pytest.mark.parametrize("tag", BAD_TAGS)
def test_unknown_tag_set(rest, pg, alice, tag):
    """portrait_set of an unknown tag (or a custom key that is not 1 to 8 letters) gets 40009."""
    set_fails(rest, pg, alice, tag, "x", 40009)


@pytest.mark.parametrize("tag", ["Tag_Profile_Custom_abcdefghi", "Tag_Profile_Custom_ab1",
                                 "Tag_Profile_IM_Foo", "tag_profile_im_nick", ""])
def test_unknown_tag_get(rest, alice, tag):
    """portrait_get naming an unknown tag gets 40009."""
    call_fail(rest, GET, {"To_Account": [alice], "TagList": ["Tag_Profile_IM_Nick", tag]}, 40009)


# ---- portrait_set requests ---------------------------------------------------------------------

def test_set_unknown_user(rest, pg):
    """portrait_set for an account that is not imported gets 40003 and stores nothing."""
    set_fails(rest, pg, "ghost", "Tag_Profile_IM_Nick", "boo", 40003)


def test_set_is_all_or_nothing(rest, pg, alice):
    """One bad item refuses the whole portrait_set: the good items before it are not stored."""
    set_tags(rest, alice, {"Tag_Profile_IM_Nick": "kept"})
    before = stored(pg)
    call_fail(rest, SET, {"From_Account": alice, "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "changed"},
        {"Tag": "Tag_Profile_IM_Level", "Value": 3},
        {"Tag": "Tag_Profile_IM_Gender", "Value": "nope"}]}, 40605)
    assert stored(pg) == before


@pytest.mark.parametrize("body, code", [
    pytest.param({"ProfileItem": [{"Tag": "Tag_Profile_IM_Nick", "Value": "x"}]}, 40001,
                 id="no-from-account"),
    pytest.param({"From_Account": 5, "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick",
                                                       "Value": "x"}]}, 40001,
                 id="from-account-number"),
    pytest.param({"From_Account": "a" * 33, "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick",
                                                              "Value": "x"}]}, 40001,
                 id="from-account-33-bytes"),
    pytest.param({"From_Account": "alice"}, 40001, id="no-profile-item"),
    pytest.param({"From_Account": "alice", "ProfileItem": []}, 40001, id="empty-profile-item"),
    pytest.param({"From_Account": "alice", "ProfileItem": {"Tag": "Tag_Profile_IM_Nick",
                                                           "Value": "x"}}, 40001,
                 id="profile-item-object"),
    pytest.param({"From_Account": "alice", "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "x"}] * 65}, 40001, id="65-items"),
    pytest.param({"From_Account": "alice", "ProfileItem": [{"Value": "x"}]}, 40009,
                 id="item-without-tag"),
    pytest.param({"From_Account": "alice", "ProfileItem": [{"Tag": "Tag_Profile_IM_Nick"}]},
                 40009, id="item-without-value"),
    pytest.param({"From_Account": "alice", "ProfileItem": [{"Tag": 5, "Value": "x"}]}, 40009,
                 id="tag-number"),
    pytest.param({"From_Account": "alice", "ProfileItem": ["Tag_Profile_IM_Nick"]}, 40009,
                 id="item-string"),
])
def test_set_bad_request(rest, pg, alice, body, code):
    """A malformed portrait_set gets 40001 (or 40009 for an item without a usable Tag/Value)
    and changes nothing."""
    set_tags(rest, alice, {"Tag_Profile_IM_Nick": "kept"})
    before = stored(pg)
    call_fail(rest, SET, body, code)
    assert stored(pg) == before


# ---- portrait_get requests ---------------------------------------------------------------------

def test_get_unknown_accounts(rest, alice):
    """Accounts that are not imported get a per-item 40003 and are listed in Fail_Account; the
    call itself succeeds and the known account is answered in request order."""
    set_tags(rest, alice, {"Tag_Profile_IM_Nick": "A"})
    answer = call_ok(rest, GET, {"To_Account": ["ghost", alice, "phantom"],
                                 "TagList": ["Tag_Profile_IM_Nick"]})
    ghost, found, phantom = answer["UserProfileItem"]
    assert [i["To_Account"] for i in answer["UserProfileItem"]] == ["ghost", alice, "phantom"]
    for item in (ghost, phantom):
        assert item["ResultCode"] == 40003 and item["ResultInfo"]
        assert "ProfileItem" not in item
    assert found["ProfileItem"] == [{"Tag": "Tag_Profile_IM_Nick", "Value": "A"}]
    assert (found["ResultCode"], found["ResultInfo"]) == (0, "")
    assert answer["Fail_Account"] == ["ghost", "phantom"]
    assert answer["ErrorDisplay"] == ""


def test_get_several_users(rest):
    """portrait_get answers each user's own values."""
    for user, nick in (("u1", "One"), ("u2", "Two")):
        call_ok(rest, IMPORT, {"UserID": user, "Nick": nick})
    answer = call_ok(rest, GET, {"To_Account": ["u2", "u1"], "TagList": ["Tag_Profile_IM_Nick"]})
    assert [(i["To_Account"], i["ProfileItem"][0]["Value"]) for i in answer["UserProfileItem"]] \
        == [("u2", "Two"), ("u1", "One")]
    assert answer["Fail_Account"] == []


def test_get_100_users(rest, alice):
    """portrait_get takes 100 accounts."""
    answer = call_ok(rest, GET, {"To_Account": [alice] * 100, "TagList": ["Tag_Profile_IM_Nick"]})
    assert len(answer["UserProfileItem"]) == 100


@pytest.mark.parametrize("body", [
    pytest.param({"TagList": ["Tag_Profile_IM_Nick"]}, id="no-to-account"),
    pytest.param({"To_Account": [], "TagList": ["Tag_Profile_IM_Nick"]}, id="empty-to-account"),
    pytest.param({"To_Account": "alice", "TagList": ["Tag_Profile_IM_Nick"]}, id="string"),
    pytest.param({"To_Account": ["alice", 5], "TagList": ["Tag_Profile_IM_Nick"]},
                 id="number-account"),
    pytest.param({"To_Account": ["alice"] * 101, "TagList": ["Tag_Profile_IM_Nick"]},
                 id="101-accounts"),
    pytest.param({"To_Account": ["alice"]}, id="no-tag-list"),
    pytest.param({"To_Account": ["alice"], "TagList": []}, id="empty-tag-list"),
    pytest.param({"To_Account": ["alice"], "TagList": [7]}, id="number-tag"),
])
def test_get_bad_request(rest, alice, body):
    """portrait_get with a missing, empty, malformed or too long list gets 40001."""
    call_fail(rest, GET, body, 40001)
