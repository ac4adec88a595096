"""Groups through Tencent's REST APIs (group_open_http_svc, group_open_attr_http_svc): every API
with its fields, legacy spellings, limits and error codes (docs/rest-api.md, "Groups").

The caller is the app administrator, who has owner rights in every group but cannot do what the
group type itself does not support (10007). A refused request changes nothing.
"""

import time

import pytest

from expect import call_fail, call_ok
from util import ADMIN
from ws_client import WsClient, text_body

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

SVC = "group_open_http_svc"
ATTR_SVC = "group_open_attr_http_svc"
USERS = ["alice", "bob", "carol", "dave", "erin"]
FOREVER = 4294967295


def api(name):
    return f"{SVC}/{name}"


@pytest.fixture
def rest(chatd):
    return chatd.rest()


@pytest.fixture
def users(rest):
    call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": USERS})
    return USERS


@pytest.fixture
def ws(chatd):
    """ws(user) -> a logged-in WsClient (closed by the shared-instance fixture)."""
    return lambda user: WsClient.login_as(chatd.url, user)


def create(rest, type_="Public", owner="alice", members=(), **fields):
    body = {"Type": type_, "Name": fields.pop("Name", "team"), **fields}
    if owner:
        body["Owner_Account"] = owner
    if members:
        body["MemberList"] = [{"Member_Account": m} for m in members]
    return call_ok(rest, api("create_group"), body)["GroupId"]


def info(rest, gid, **fields):
    answer = call_ok(rest, api("get_group_info"), {"GroupIdList": [gid], **fields})
    (g,) = answer["GroupInfo"]
    return g


def roles(rest, gid, users):
    answer = call_ok(rest, api("get_role_in_group"), {"GroupId": gid, "User_Account": users})
    return {u["Member_Account"]: u["Role"] for u in answer["UserIdList"]}


def send(rest, gid, text="hi", random=None, **fields):
    body = {"GroupId": gid, "Random": random if random is not None else int(time.time() * 1e6) % 2**32,
            "MsgBody": text_body(text), **fields}
    return call_ok(rest, api("send_group_msg"), body)


def members(rest, gid, **fields):
    return call_ok(rest, api("get_group_member_info"), {"GroupId": gid, **fields})


def group_rows(pg):
    return pg.sql("SELECT group_id FROM groups ORDER BY group_id")


# ---- create_group ----------------------------------------------------------------------------

def test_create_group_generates_id_and_adds_members(rest, users):
    """A group without GroupId gets an @TGS# ID; the owner and MemberList are members."""
    gid = create(rest, "Private", "alice", ["bob", "carol"])
    assert gid.startswith("@TGS#") and len(gid) < 48
    g = info(rest, gid)
    assert (g["ErrorCode"], g["Type"], g["Owner_Account"], g["MemberNum"]) == (0, "Private",
                                                                               "alice", 3)
    assert {m["Member_Account"]: m["Role"] for m in g["MemberList"]} == {
        "alice": "Owner", "bob": "Member", "carol": "Member"}
    assert g["NextMsgSeq"] == 1 and g["InfoSeq"] >= 1 and g["Appid"] > 0


def test_create_group_with_custom_id_and_fields(rest, users):
    """Custom ID, profile texts, options and AppDefinedData are stored as given."""
    gid = create(rest, "Public", "alice", GroupId="team-1", Name="Team", Introduction="intro",
                 Notification="note", FaceUrl="http://x/y.png", MaxMemberCount=50,
                 ApplyJoinOption="FreeAccess", InviteJoinOption="DisableInvite",
                 AppDefinedData=[{"Key": "level", "Value": "3"}],
                 MemberList=[{"Member_Account": "bob", "Role": "Admin",
                              "AppMemberDefinedData": [{"Key": "seat", "Value": "1"}]}])
    assert gid == "team-1"
    g = info(rest, gid)
    assert (g["Name"], g["Introduction"], g["Notification"], g["FaceUrl"]) == (
        "Team", "intro", "note", "http://x/y.png")
    assert (g["MaxMemberNum"], g["ApplyJoinOption"], g["InviteJoinOption"]) == (
        50, "FreeAccess", "DisableInvite")
    assert g["AppDefinedData"] == [{"Key": "level", "Value": "3"}]
    bob = [m for m in g["MemberList"] if m["Member_Account"] == "bob"][0]
    assert bob["Role"] == "Admin" and bob["AppMemberDefinedData"] == [{"Key": "seat", "Value": "1"}]


@pytest.mark.parametrize("type_,apply_opt", [
    ("Private", "DisableApply"), ("Public", "NeedPermission"), ("ChatRoom", "FreeAccess"),
    ("AVChatRoom", "FreeAccess"), ("Community", "FreeAccess")])
def test_create_group_type_defaults(rest, users, type_, apply_opt):
    """Each type gets its default ApplyJoinOption; Community IDs start with @TGS#_."""
    gid = create(rest, type_, "alice")
    g = info(rest, gid)
    assert (g["Type"], g["ApplyJoinOption"]) == (type_, apply_opt)
    if type_ == "Community":
        assert gid.startswith("@TGS#_")


def test_avchatroom_owner_joins_through_the_sdk(rest, users, ws):
    """A REST-created AVChatRoom has its owner but no members; the owner joins as Owner."""
    gid = create(rest, "AVChatRoom", "alice")
    g = info(rest, gid)
    assert (g["Owner_Account"], g["MemberNum"], g["MaxMemberNum"]) == ("alice", 0, 0)
    ws("alice").call("joinGroup", {"groupID": gid})
    assert roles(rest, gid, ["alice"]) == {"alice": "Owner"}


def test_create_group_taken_id_is_10021(rest, users):
    """A custom GroupId in use is refused with 10021 and the first group stays as it was."""
    create(rest, "Public", "alice", GroupId="dup", Name="first")
    call_fail(rest, api("create_group"), {"Type": "Public", "Name": "second", "GroupId": "dup"},
              10021)
    assert info(rest, "dup")["Name"] == "first"


@pytest.mark.parametrize("type_,gid", [
    ("Public", "@TGS#mine"), ("Public", "x" * 48), ("Public", "caf\u00e9"),
    ("Public", "tab\tid"), ("Community", "club"), ("Community", "@TGS#_")])
def test_create_group_bad_custom_id_is_10015(rest, users, pg, type_, gid):
    """Custom IDs: printable ASCII, < 48 bytes, not @TGS#… (Community: must start @TGS#_)."""
    call_fail(rest, api("create_group"), {"Type": type_, "Name": "n", "GroupId": gid}, 10015)
    assert group_rows(pg) == []


@pytest.mark.parametrize("body,code", [
    ({"Name": "n"}, 10004),
    ({"Type": "Work2", "Name": "n"}, 10004),
    ({"Type": "Public"}, 10004),
    ({"Type": "Public", "Name": ""}, 10004),
    ({"Type": "Public", "Name": "n" * 31}, 10004),
    ({"Type": "Public", "Name": "n", "Introduction": "i" * 241}, 10004),
    ({"Type": "Public", "Name": "n", "Notification": "i" * 301}, 10004),
    ({"Type": "Public", "Name": "n", "FaceUrl": "i" * 101}, 10004),
    ({"Type": "Public", "Name": "n", "ApplyJoinOption": "Sometimes"}, 10004),
    ({"Type": "Public", "Name": "n", "MaxMemberCount": 6001}, 10004),
    ({"Type": "Public", "Name": "n", "MaxMemberCount": "ten"}, 10004),
    ({"Type": "Public", "Name": "n", "Owner_Account": 7}, 10004),
    ({"Type": "Public", "Name": "n", "Owner_Account": "nobody"}, 10019),
    ({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "ghost"}]}, 10019),
    ({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "bob", "Role": "Owner"}]},
     10004),
    ({"Type": "Public", "Name": "n",
      "MemberList": [{"Member_Account": f"u{i}"} for i in range(101)]}, 10005),
    ({"Type": "AVChatRoom", "Name": "n", "MemberList": [{"Member_Account": "bob"}]}, 10007),
    ({"Type": "Public", "Name": "n", "AppDefinedData": [{"Key": "2bad", "Value": "v"}]}, 10004),
    ({"Type": "Public", "Name": "n", "AppDefinedData": [{"Key": "k", "Value": "v" * 513}]}, 10004),
    ({"Type": "Public", "Name": "n",
      "AppDefinedData": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]}, 10004),
])
def test_create_group_bad_input(rest, users, pg, body, code):
    """Every bad field gets its code and no group is created."""
    call_fail(rest, api("create_group"), body, code)
    assert group_rows(pg) == []


def test_group_api_body_not_json_is_10011(rest, users):
    """A body that is not a JSON object gets the group services' 10011."""
    rest.call(api("create_group"), raw_body="{not json")
    assert rest.last.json()["ErrorCode"] == 10011


def test_group_api_needs_an_admin(rest, users):
    """A user identifier (not an app admin) gets 10007 from the group services."""
    answer = rest.call(api("get_appid_group_list"), {}, identifier="alice")
    assert (answer["ActionStatus"], answer["ErrorCode"]) == ("FAIL", 10007)


# ---- get_appid_group_list, get_group_info ------------------------------------------------------

def test_get_appid_group_list_pages(rest, users):
    """Limit/Next page through every group; Next is 0 on the last page; GroupType filters."""
    made = [create(rest, "Public", "alice", GroupId=f"g{i}") for i in range(5)]
    made.append(create(rest, "ChatRoom", "alice", GroupId="room"))
    seen, nxt = [], 0
    while True:
        answer = call_ok(rest, api("get_appid_group_list"), {"Limit": 2, "Next": nxt})
        assert answer["TotalCount"] == 6
        seen += [g["GroupId"] for g in answer["GroupIdList"]]
        nxt = answer["Next"]
        if nxt == 0:
            break
    assert sorted(seen) == sorted(made)
    answer = call_ok(rest, api("get_appid_group_list"), {"GroupType": "ChatRoom"})
    assert [g["GroupId"] for g in answer["GroupIdList"]] == ["room"]
    call_fail(rest, api("get_appid_group_list"), {"Limit": 0}, 10004)
    call_fail(rest, api("get_appid_group_list"), {"GroupType": "Nope"}, 10004)


def test_get_group_info_filters_and_missing_groups(rest, users):
    """ResponseFilter picks fields (legacy ShutUpAllMember too); an unknown ID is an item error."""
    gid = create(rest, "Public", "alice", ["bob"], AppDefinedData=[{"Key": "a", "Value": "1"},
                                                                   {"Key": "b", "Value": "2"}])
    answer = call_ok(rest, api("get_group_info"), {
        "GroupIdList": [gid, "missing"],
        "ResponseFilter": {"GroupBaseInfoFilter": ["Name", "MemberNum", "ShutUpAllMember"],
                           "AppDefinedDataFilter_Group": ["b"],
                           "MemberInfoFilter": ["Role"]}})
    g, missing = answer["GroupInfo"]
    assert set(g) == {"GroupId", "Name", "MemberNum", "ShutUpAllMember", "AppDefinedData",
                      "MemberList", "ErrorCode", "ErrorInfo"}
    assert g["AppDefinedData"] == [{"Key": "b", "Value": "2"}]
    assert g["ShutUpAllMember"] == "Off"
    assert sorted(m["Role"] for m in g["MemberList"]) == ["Member", "Owner"]
    assert (missing["GroupId"], missing["ErrorCode"]) == ("missing", 10010)
    call_fail(rest, api("get_group_info"), {"GroupIdList": [f"g{i}" for i in range(51)]}, 10005)
    call_fail(rest, api("get_group_info"), {"GroupIdList": "g"}, 10004)


# ---- members ----------------------------------------------------------------------------------

def test_get_group_member_info_pages_and_filters(rest, users):
    """Limit/Offset page the members (owner first); role and field filters apply."""
    gid = create(rest, "Public", "alice", ["bob", "carol", "dave"])
    call_ok(rest, api("modify_group_member_info"), {"GroupId": gid, "Member_Account": "bob",
                                                     "Role": "Admin"})
    page = members(rest, gid, Limit=2, Offset=0)
    assert page["MemberNum"] == 4
    assert [m["Member_Account"] for m in page["MemberList"]] == ["alice", "bob"]
    rest_page = members(rest, gid, Limit=2, Offset=2)
    assert sorted(m["Member_Account"] for m in rest_page["MemberList"]) == ["carol", "dave"]
    admins = members(rest, gid, MemberRoleFilter=["Admin"], MemberInfoFilter=["Role"])
    assert admins["MemberList"] == [{"Member_Account": "bob", "Role": "Admin",
                                     "AppMemberDefinedData": []}]
    call_fail(rest, api("get_group_member_info"), {"GroupId": "nope"}, 10010)
    call_fail(rest, api("get_group_member_info"), {"GroupId": gid, "Limit": 6001}, 10004)
    call_fail(rest, api("get_group_member_info"), {"GroupId": gid, "MemberRoleFilter": ["Boss"]},
              10004)
    call_fail(rest, api("get_group_member_info"), {}, 10004)


def test_get_specified_group_member_info(rest, users):
    """Only the named accounts that are members come back; more than 50 names is 10005."""
    gid = create(rest, "Public", "alice", ["bob"])
    answer = call_ok(rest, api("get_specified_group_member_info"),
                     {"GroupId": gid, "Member_List_Account": ["bob", "carol"],
                      "MemberInfoFilter": ["NameCard"]})
    assert answer["GroupId"] == gid
    assert answer["MemberList"] == [{"Member_Account": "bob", "NameCard": "",
                                     "AppMemberDefinedData": []}]
    call_fail(rest, api("get_specified_group_member_info"),
              {"GroupId": gid, "Member_List_Account": [f"u{i}" for i in range(51)]}, 10005)
    call_fail(rest, api("get_specified_group_member_info"),
              {"GroupId": "nope", "Member_List_Account": ["bob"]}, 10010)


def test_add_group_member_results(rest, users, ws):
    """Result 1 added, 2 already a member, 0 no such account; new members see onMemberInvited."""
    gid = create(rest, "Public", "alice", ["bob"])
    carol = ws("carol")
    answer = call_ok(rest, api("add_group_member"), {
        "GroupId": gid, "MemberList": [{"Member_Account": u} for u in ["bob", "carol", "ghost"]]})
    assert answer["MemberList"] == [{"Member_Account": "bob", "Result": 2},
                                    {"Member_Account": "carol", "Result": 1},
                                    {"Member_Account": "ghost", "Result": 0}]
    ev = carol.wait_event("onMemberInvited")
    assert ev["groupID"] == gid and ev["memberList"] == [{"userID": "carol"}]
    assert roles(rest, gid, ["carol"]) == {"carol": "Member"}


@pytest.mark.parametrize("body,code", [
    ({"MemberList": [{"Member_Account": f"u{i}"} for i in range(301)]}, 10005),
    ({"MemberList": []}, 10004),
    ({"MemberList": [{"Member_Account": 3}]}, 10004),
    ({"MemberList": [{"Member_Account": "ghost"}]}, 10019),
    ({"MemberList": [{"Member_Account": "bob"}], "Silence": 2}, 10004),
])
def test_add_group_member_bad_input(rest, users, body, code):
    """add_group_member refuses more than 300 members (10005), an empty or malformed MemberList
    or Silence (10004) and an unknown account (10019); nobody is added."""
    gid = create(rest, "Public", "alice")
    call_fail(rest, api("add_group_member"), {"GroupId": gid, **body}, code)
    assert roles(rest, gid, ["bob"]) == {"bob": "NotMember"}


def test_add_group_member_full_and_avchatroom(rest, users):
    """A full group answers 10014; AVChatRoom members join by themselves (10007)."""
    gid = create(rest, "Public", "alice", MaxMemberCount=2)
    call_ok(rest, api("add_group_member"), {"GroupId": gid, "MemberList": [{"Member_Account": "bob"}]})
    call_fail(rest, api("add_group_member"),
              {"GroupId": gid, "MemberList": [{"Member_Account": "carol"}]}, 10014)
    av = create(rest, "AVChatRoom", "alice")
    call_fail(rest, api("add_group_member"),
              {"GroupId": av, "MemberList": [{"Member_Account": "bob"}]}, 10007)
    call_fail(rest, api("add_group_member"),
              {"GroupId": "nope", "MemberList": [{"Member_Account": "bob"}]}, 10010)


def test_delete_group_member(rest, users, ws):
    """Removed members leave at once and hear onMemberKicked; the owner cannot be removed."""
    gid = create(rest, "Public", "alice", ["bob", "carol"])
    bob = ws("bob")
    call_ok(rest, api("delete_group_member"), {"GroupId": gid, "MemberToDel_Account": ["bob"],
                                                "Reason": "bye"})
    ev = bob.wait_event("onMemberKicked")
    assert ev["groupID"] == gid and ev["opUser"] == {"userID": ADMIN}
    assert roles(rest, gid, ["bob", "carol"]) == {"bob": "NotMember", "carol": "Member"}
    call_fail(rest, api("delete_group_member"), {"GroupId": gid, "MemberToDel_Account": ["alice"]},
              10007)
    call_fail(rest, api("delete_group_member"),
              {"GroupId": gid, "MemberToDel_Account": [f"u{i}" for i in range(101)]}, 10005)
    call_fail(rest, api("delete_group_member"), {"GroupId": gid}, 10004)
    av = create(rest, "AVChatRoom", "alice")
    call_fail(rest, api("delete_group_member"), {"GroupId": av, "MemberToDel_Account": ["bob"]},
              10007)


def test_modify_group_member_info(rest, users):
    """Role, NameCard, MsgFlag, AppMemberDefinedData and MuteTime are set on one member."""
    gid = create(rest, "Public", "alice", ["bob"])
    before = int(time.time())
    call_ok(rest, api("modify_group_member_info"), {
        "GroupId": gid, "Member_Account": "bob", "Role": "Admin", "NameCard": "Bobby",
        "MsgFlag": "AcceptNotNotify", "AppMemberDefinedData": [{"Key": "seat", "Value": "4"}],
        "MuteTime": 60})
    (bob,) = call_ok(rest, api("get_specified_group_member_info"),
                     {"GroupId": gid, "Member_List_Account": ["bob"]})["MemberList"]
    assert (bob["Role"], bob["NameCard"], bob["MsgFlag"]) == ("Admin", "Bobby", "AcceptNotNotify")
    assert bob["AppMemberDefinedData"] == [{"Key": "seat", "Value": "4"}]
    assert before + 59 <= bob["MuteUntil"] <= int(time.time()) + 61
    call_ok(rest, api("modify_group_member_info"), {"GroupId": gid, "Member_Account": "bob",
                                                     "ShutUpTime": 0,
                                                     "AppMemberDefinedData": [{"Key": "seat",
                                                                               "Value": ""}]})
    (bob,) = call_ok(rest, api("get_specified_group_member_info"),
                     {"GroupId": gid, "Member_List_Account": ["bob"]})["MemberList"]
    assert bob["MuteUntil"] == 0 and bob["AppMemberDefinedData"] == []


def test_msg_flag_discard_stops_delivery(rest, users, ws):
    """MsgFlag Discard is the member's receive option: group messages no longer reach it online,
    at once (the fan-out's member cache is refreshed); AcceptAndNotify brings them back."""
    gid = create(rest, "Public", "alice", ["bob", "carol"])
    bob, carol = ws("bob"), ws("carol")
    send(rest, gid, "first")
    bob.wait_event("onRecvNewMessage")
    call_ok(rest, api("modify_group_member_info"), {"GroupId": gid, "Member_Account": "bob",
                                                     "MsgFlag": "Discard"})
    conv = bob.call("getConversation", {"conversationID": f"group_{gid}"})["conversation"]
    assert conv["recvOpt"] == 1
    send(rest, gid, "second")
    carol.wait_event("onRecvNewMessage", where=lambda b: b["message"]["msgBody"] ==
                     text_body("second"))
    bob.barrier()
    assert [m["msgBody"] for m in bob.messages()] == []
    call_ok(rest, api("modify_group_member_info"), {"GroupId": gid, "Member_Account": "bob",
                                                     "MsgFlag": "AcceptAndNotify"})
    send(rest, gid, "third")
    assert bob.wait_event("onRecvNewMessage")["message"]["msgBody"] == text_body("third")


@pytest.mark.parametrize("fields,code", [
    ({"Role": "Owner"}, 10004),
    ({"MsgFlag": "Sometimes"}, 10004),
    ({"NameCard": "n" * 51}, 10004),
    ({"MuteTime": -1}, 10004),
    ({"AppMemberDefinedData": [{"Key": "k", "Value": "v" * 65}]}, 10004),
    ({"AppMemberDefinedData": [{"Key": f"k{i}", "Value": "v"} for i in range(6)]}, 10004),
])
def test_modify_group_member_info_bad_input(rest, users, fields, code):
    """modify_group_member_info refuses an unknown Role or MsgFlag, a NameCard over 50 bytes, a
    negative MuteTime and oversized or too many AppMemberDefinedData items with 10004; the
    member is unchanged."""
    gid = create(rest, "Public", "alice", ["bob"])
    call_fail(rest, api("modify_group_member_info"),
              {"GroupId": gid, "Member_Account": "bob", **fields}, code)
    assert roles(rest, gid, ["bob"]) == {"bob": "Member"}


def test_modify_group_member_info_rules(rest, users):
    """Work groups have no admins (10007); a non-member cannot be modified (10007)."""
    work = create(rest, "Private", "alice", ["bob"])
    call_fail(rest, api("modify_group_member_info"),
              {"GroupId": work, "Member_Account": "bob", "Role": "Admin"}, 10007)
    pub = create(rest, "Public", "alice")
    call_fail(rest, api("modify_group_member_info"),
              {"GroupId": pub, "Member_Account": "carol", "NameCard": "x"}, 10007)
    call_fail(rest, api("modify_group_member_info"),
              {"GroupId": pub, "Member_Account": "alice", "Role": "Member"}, 10007)


# ---- profile ---------------------------------------------------------------------------------

def test_modify_group_base_info(rest, users, ws):
    """Profile fields change (legacy ShutUpAllMember and MaxMemberCount too); members hear
    onGroupInfoChanged; an empty AppDefinedData value deletes the key."""
    gid = create(rest, "Public", "alice", ["bob"], AppDefinedData=[{"Key": "a", "Value": "1"}])
    bob = ws("bob")
    seq = info(rest, gid)["InfoSeq"]
    call_ok(rest, api("modify_group_base_info"), {
        "GroupId": gid, "Name": "New", "Introduction": "i", "Notification": "n", "FaceUrl": "f",
        "MaxMemberNum": 100, "ApplyJoinOption": "FreeAccess", "ShutUpAllMember": "On",
        "AppDefinedData": [{"Key": "a", "Value": ""}, {"Key": "b", "Value": "2"}]})
    g = info(rest, gid)
    assert (g["Name"], g["Introduction"], g["Notification"], g["FaceUrl"]) == ("New", "i", "n", "f")
    assert (g["MaxMemberNum"], g["ApplyJoinOption"], g["MuteAllMember"]) == (100, "FreeAccess", "On")
    assert g["AppDefinedData"] == [{"Key": "b", "Value": "2"}]
    assert g["InfoSeq"] == seq + 1
    ev = bob.wait_event("onGroupInfoChanged")
    assert {"type": 1, "value": "New"} in ev["changeInfos"]
    assert {"type": 8, "boolValue": True} in ev["changeInfos"]
    call_ok(rest, api("modify_group_base_info"), {"GroupId": gid, "MuteAllMember": "Off",
                                                   "MaxMemberCount": 200})
    g = info(rest, gid)
    assert (g["MuteAllMember"], g["MaxMemberNum"]) == ("Off", 200)


@pytest.mark.parametrize("fields,code", [
    ({"Name": ""}, 10004),
    ({"Name": "n" * 31}, 10004),
    ({"ApplyJoinOption": "x"}, 10004),
    ({"InviteJoinOption": "DisableApply2"}, 10004),
    ({"MuteAllMember": "Yes"}, 10004),
    ({"MaxMemberNum": 6001}, 10004),
    ({"HistoryMsgBeforeJoin": "Maybe"}, 10004),
    ({"From_Account": 5}, 10004),
    ({"AppDefinedData": {"Key": "a"}}, 10004),
])
def test_modify_group_base_info_bad_input(rest, users, fields, code):
    """modify_group_base_info refuses an empty or over-long Name, unknown option values,
    MaxMemberNum over 6000, a non-string From_Account and malformed AppDefinedData with 10004;
    the group keeps its name."""
    gid = create(rest, "Public", "alice", Name="keep")
    call_fail(rest, api("modify_group_base_info"), {"GroupId": gid, **fields}, code)
    assert info(rest, gid)["Name"] == "keep"


def test_modify_group_base_info_type_rules(rest, users):
    """App admins may mute all in a Work group; AVChatRoom has no HistoryMsgBeforeJoin; an unknown
    group is 10010."""
    work = create(rest, "Private", "alice")
    call_fail(rest, api("modify_group_base_info"), {"GroupId": work, "ApplyJoinOption": "Bad"},
              10004)
    call_ok(rest, api("modify_group_base_info"), {"GroupId": work, "MuteAllMember": "On"})
    av = create(rest, "AVChatRoom", "alice")
    call_fail(rest, api("modify_group_base_info"),
              {"GroupId": av, "HistoryMsgBeforeJoin": "On"}, 10007)
    call_ok(rest, api("modify_group_base_info"), {"GroupId": av, "MaxMemberNum": 10})  # ignored
    call_fail(rest, api("modify_group_base_info"), {"GroupId": "nope", "Name": "x"}, 10010)


def test_destroy_group(rest, users, ws, pg):
    """Dismissal removes the group, its members and history; online members hear of it."""
    gid = create(rest, "Public", "alice", ["bob"])
    send(rest, gid)
    bob = ws("bob")
    call_ok(rest, api("destroy_group"), {"GroupId": gid})
    ev = bob.wait_event("onGroupDismissed")
    assert ev["groupID"] == gid
    assert info(rest, gid)["ErrorCode"] == 10010
    assert pg.sql("SELECT count(*) FROM messages WHERE conv_key = %s", (f"g:{gid}",)) == [(0,)]
    assert pg.sql("SELECT count(*) FROM conv_views WHERE conv_key = %s", (f"g:{gid}",)) == [(0,)]
    call_fail(rest, api("destroy_group"), {"GroupId": gid}, 10010)
    call_fail(rest, api("destroy_group"), {}, 10004)


def test_change_group_owner(rest, users):
    """The new owner must be a member; the old owner becomes a plain member."""
    gid = create(rest, "Public", "alice", ["bob"])
    call_fail(rest, api("change_group_owner"), {"GroupId": gid, "NewOwner_Account": "carol"},
              10004)
    call_ok(rest, api("change_group_owner"), {"GroupId": gid, "NewOwner_Account": "bob"})
    assert roles(rest, gid, ["alice", "bob"]) == {"alice": "Member", "bob": "Owner"}
    assert info(rest, gid)["Owner_Account"] == "bob"
    av = create(rest, "AVChatRoom", "alice")
    call_fail(rest, api("change_group_owner"), {"GroupId": av, "NewOwner_Account": "alice"}, 10007)
    call_fail(rest, api("change_group_owner"), {"GroupId": gid}, 10004)


# ---- joined list and roles -------------------------------------------------------------------

def test_get_joined_group_list(rest, users, ws):
    """TotalCount and filters; AVChatRoom only WithHugeGroups (and only where the user holds a
    member row: the owner, or a viewer an admin muted or marked; plain viewers have none); Work
    groups without a message only WithNoActiveGroups; GroupBaseInfoFilter and SelfInfoFilter
    add fields."""
    pub = create(rest, "Public", "alice", ["bob"], GroupId="pub")
    work = create(rest, "Private", "alice", ["bob"], GroupId="work")
    create(rest, "AVChatRoom", "alice", GroupId="av")
    ws("bob").call("joinGroup", {"groupID": "av"})
    call_ok(rest, api("forbid_send_msg"), {"GroupId": "av", "Members_Account": ["bob"],
                                           "MuteTime": 60})
    base = {"Member_Account": "bob"}
    answer = call_ok(rest, api("get_joined_group_list"), base)
    assert answer["TotalCount"] == 1 and answer["GroupIdList"] == [{"GroupId": pub}]
    answer = call_ok(rest, api("get_joined_group_list"), {**base, "WithHugeGroups": 1,
                                                          "WithNoActiveGroups": 1})
    assert sorted(g["GroupId"] for g in answer["GroupIdList"]) == ["av", "pub", "work"]
    send(rest, work)
    answer = call_ok(rest, api("get_joined_group_list"), {
        **base, "GroupType": "Private",
        "ResponseFilter": {"GroupBaseInfoFilter": ["Type", "Name"],
                           "SelfInfoFilter": ["Role", "JoinTime", "MsgSeq"]}})
    (g,) = answer["GroupIdList"]
    assert (g["GroupId"], g["Type"], g["Name"]) == ("work", "Private", "team")
    assert g["SelfInfo"]["Role"] == "Member" and g["SelfInfo"]["JoinTime"] > 0
    page = call_ok(rest, api("get_joined_group_list"), {**base, "WithHugeGroups": 1,
                                                        "Limit": 1, "Offset": 1})
    assert page["TotalCount"] == 3 and len(page["GroupIdList"]) == 1
    call_fail(rest, api("get_joined_group_list"), {}, 10004)
    call_fail(rest, api("get_joined_group_list"), {**base, "GroupType": "x"}, 10004)
    call_fail(rest, api("get_joined_group_list"), {**base, "WithHugeGroups": 3}, 10004)


def test_get_role_in_group(rest, users):
    """get_role_in_group reports Owner, Member or NotMember (unknown accounts too); more than
    500 accounts is 10005, an unknown group 10010."""
    gid = create(rest, "Public", "alice", ["bob"])
    assert roles(rest, gid, ["alice", "bob", "carol", "ghost"]) == {
        "alice": "Owner", "bob": "Member", "carol": "NotMember", "ghost": "NotMember"}
    call_fail(rest, api("get_role_in_group"),
              {"GroupId": gid, "User_Account": [f"u{i}" for i in range(501)]}, 10005)
    call_fail(rest, api("get_role_in_group"), {"GroupId": "nope", "User_Account": ["a"]}, 10010)


# ---- mute --------------------------------------------------------------------------------------

def test_forbid_send_msg_and_muted_lists(rest, users, ws):
    """Muted members are listed under both spellings; a muted member's send gets 10017;
    MuteTime 0 unmutes; the owner is never muted."""
    gid = create(rest, "Public", "alice", ["bob", "carol"])
    carol = ws("carol")
    call_ok(rest, api("forbid_send_msg"), {"GroupId": gid, "Members_Account": ["bob", "alice"],
                                            "MuteTime": 600})
    ev = carol.wait_event("onMemberInfoChanged")
    assert ev["v2TIMGroupMemberChangeInfoList"] == [{"userID": "bob", "muteTime": 600}]
    muted = call_ok(rest, api("get_group_muted_account"), {"GroupId": gid})
    assert [m["Member_Account"] for m in muted["MutedAccountList"]] == ["bob"]
    assert muted["MutedAccountList"][0]["MutedUntil"] > time.time()
    legacy = call_ok(rest, api("get_group_shutted_uin"), {"GroupId": gid})
    assert [m["Member_Account"] for m in legacy["ShuttedUinList"]] == ["bob"]
    assert "ShuttedUntil" in legacy["ShuttedUinList"][0]
    call_fail(rest, api("send_group_msg"), {"GroupId": gid, "Random": 1, "From_Account": "bob",
                                            "MsgBody": text_body("x")}, 10017)
    call_ok(rest, api("forbid_send_msg"), {"GroupId": gid, "Members_Account": ["bob"],
                                            "ShutUpTime": 0})
    assert call_ok(rest, api("get_group_muted_account"), {"GroupId": gid})["MutedAccountList"] == []
    send(rest, gid, From_Account="bob")


@pytest.mark.parametrize("body,code", [
    ({"Members_Account": ["bob"]}, 10004),
    ({"Members_Account": ["bob"], "MuteTime": FOREVER + 1}, 10004),
    ({"Members_Account": [], "MuteTime": 5}, 10004),
    ({"Members_Account": [f"u{i}" for i in range(501)], "MuteTime": 5}, 10005),
])
def test_forbid_send_msg_bad_input(rest, users, body, code):
    """forbid_send_msg refuses a missing or out-of-range MuteTime and an empty account list (10004),
    and more than 500 accounts (10005)."""
    gid = create(rest, "Public", "alice", ["bob"])
    call_fail(rest, api("forbid_send_msg"), {"GroupId": gid, **body}, code)


def test_work_group_story(rest, users, ws):
    """The issue's story: an admin creates a Work group with alice, bob and carol; their sockets
    chat in it; the admin mutes carol, whose next message gets 10017; the history pages."""
    gid = create(rest, "Private", "alice", ["bob", "carol"])
    alice, bob, carol = ws("alice"), ws("bob"), ws("carol")
    for client, text in ((alice, "hello"), (bob, "hi alice"), (carol, "hey")):
        assert client.call("sendMessage", {"groupID": gid, "msgBody": text_body(text)})["seq"] > 0
    got = [bob.wait_event("onRecvNewMessage")["message"]["msgBody"][0]["MsgContent"]["Text"]
           for _ in range(2)]
    assert got == ["hello", "hey"]
    call_ok(rest, api("forbid_send_msg"), {"GroupId": gid, "Members_Account": ["carol"],
                                            "MuteTime": 3600})
    carol.fail("sendMessage", {"groupID": gid, "msgBody": text_body("muted?")}, 10017)
    page = call_ok(rest, api("group_msg_get_simple"), {"GroupId": gid, "ReqMsgNumber": 20})
    texts = [m["MsgBody"][0]["MsgContent"].get("Text") for m in page["RspMsgList"]
             if m["MsgBody"][0]["MsgType"] == "TIMTextElem"]
    assert texts == ["hey", "hi alice", "hello"] and page["IsFinished"] == 1
    alice.fail("muteGroupMember", {"groupID": gid, "userID": "bob", "seconds": 60}, 10007)
    call_fail(rest, api("get_group_muted_account"), {"GroupId": "nope"}, 10010)


# ---- messages ----------------------------------------------------------------------------------

def test_send_group_msg_numbers_and_delivers(rest, users, ws):
    """MsgSeq counts 1, 2, …; online members receive the message."""
    gid = create(rest, "Public", "alice", ["bob"])
    bob = ws("bob")
    first = send(rest, gid, "one", From_Account="alice")
    second = send(rest, gid, "two")
    assert (first["MsgSeq"], second["MsgSeq"]) == (1, 2)
    assert first["MsgTime"] > 0 and first["MsgDropReason"] == ""
    got = [bob.wait_event("onRecvNewMessage")["message"] for _ in range(2)]
    texts = [m["msgBody"][0]["MsgContent"]["Text"] for m in got if m["msgBody"][0]["MsgType"] ==
             "TIMTextElem"]
    assert texts == ["one", "two"]


@pytest.mark.parametrize("fields,code", [
    ({"Random": None}, 10004),
    ({"Random": -1}, 10004),
    ({"MsgBody": []}, 10004),
    ({"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "x" * 13000}}]}, 80002),
    ({"MsgPriority": "Urgent"}, 10004),
    ({"SendMsgControl": ["Loud"]}, 10004),
    ({"From_Account": "carol"}, 10007),
    ({"OnlineOnlyFlag": 2}, 10004),
    ({"To_Account": "bob"}, 10004),
    ({"GroupAtInfo": [{"GroupAt_Account": f"u{i}"} for i in range(31)]}, 10053),
    ({"GroupAtInfo": [{"GroupAtAllFlag": 0}]}, 10004),
])
def test_send_group_msg_bad_input(rest, users, pg, fields, code):
    """send_group_msg refuses each malformed field with its code (10004, 80002 for an oversized
    body, 10007 for a non-member sender, 10053 for too many @s) and stores no message."""
    gid = create(rest, "Public", "alice", ["bob"])
    body = {"GroupId": gid, "Random": 1, "MsgBody": text_body("x"), **fields}
    body = {k: v for k, v in body.items() if v is not None}
    call_fail(rest, api("send_group_msg"), body, code)
    assert pg.sql("SELECT count(*) FROM messages") == [(0,)]


def test_send_group_msg_unknown_group_is_10010(rest, users):
    """send_group_msg to a group that does not exist is 10010."""
    call_fail(rest, api("send_group_msg"), {"GroupId": "nope", "Random": 1,
                                            "MsgBody": text_body("x")}, 10010)


def test_send_group_system_notification(rest, users, ws):
    """onReceiveRESTCustomData reaches all members, or only ToMembers_Account."""
    gid = create(rest, "Public", "alice", ["bob", "carol"])
    bob, carol = ws("bob"), ws("carol")
    call_ok(rest, api("send_group_system_notification"), {"GroupId": gid, "Content": "hello"})
    assert bob.wait_event("onReceiveRESTCustomData") == {"groupID": gid, "customData": "hello"}
    assert carol.wait_event("onReceiveRESTCustomData")["customData"] == "hello"
    call_ok(rest, api("send_group_system_notification"),
            {"GroupId": gid, "Content": "only bob", "ToMembers_Account": ["bob", "dave"]})
    assert bob.wait_event("onReceiveRESTCustomData")["customData"] == "only bob"
    carol.barrier()
    assert carol.take_events("onReceiveRESTCustomData") == []
    call_fail(rest, api("send_group_system_notification"), {"GroupId": gid}, 10004)
    call_fail(rest, api("send_group_system_notification"), {"GroupId": "nope", "Content": "x"},
              10010)


def test_group_msg_get_simple_pages(rest, users):
    """Pages go down by seq: the next request asks for (smallest seq - 1); IsFinished at seq 1."""
    gid = create(rest, "Public", "alice", ["bob"])
    for i in range(5):
        send(rest, gid, f"m{i + 1}", From_Account="alice")
    page = call_ok(rest, api("group_msg_get_simple"), {"GroupId": gid, "ReqMsgNumber": 2})
    assert [m["MsgSeq"] for m in page["RspMsgList"]] == [5, 4] and page["IsFinished"] == 0
    m5 = page["RspMsgList"][0]
    assert (m5["From_Account"], m5["IsPlaceMsg"], m5["MsgBody"]) == ("alice", 0, text_body("m5"))
    page = call_ok(rest, api("group_msg_get_simple"), {"GroupId": gid, "ReqMsgNumber": 2,
                                                        "ReqMsgSeq": 3})
    assert [m["MsgSeq"] for m in page["RspMsgList"]] == [3, 2] and page["IsFinished"] == 0
    page = call_ok(rest, api("group_msg_get_simple"), {"GroupId": gid, "ReqMsgNumber": 20,
                                                        "ReqMsgSeq": 1})
    assert [m["MsgSeq"] for m in page["RspMsgList"]] == [1] and page["IsFinished"] == 1
    call_fail(rest, api("group_msg_get_simple"), {"GroupId": gid, "ReqMsgNumber": 21}, 10004)
    call_fail(rest, api("group_msg_get_simple"), {"GroupId": gid}, 10004)
    call_fail(rest, api("group_msg_get_simple"), {"GroupId": "nope", "ReqMsgNumber": 1}, 10010)
    av = create(rest, "AVChatRoom", "alice")
    call_fail(rest, api("group_msg_get_simple"), {"GroupId": av, "ReqMsgNumber": 1}, 10007)


def test_delete_group_msg_by_sender(rest, users):
    """The sender's messages turn into placeholders (IsPlaceMsg 1) in the history."""
    gid = create(rest, "Public", "alice", ["bob"])
    send(rest, gid, "a1", From_Account="alice")
    send(rest, gid, "b1", From_Account="bob")
    send(rest, gid, "a2", From_Account="alice")
    call_ok(rest, api("delete_group_msg_by_sender"), {"GroupId": gid, "Sender_Account": "alice"})
    page = call_ok(rest, api("group_msg_get_simple"), {"GroupId": gid, "ReqMsgNumber": 10})
    assert [(m["MsgSeq"], m["IsPlaceMsg"]) for m in page["RspMsgList"]] == [(3, 1), (2, 0), (1, 1)]
    call_fail(rest, api("delete_group_msg_by_sender"), {"GroupId": gid}, 10004)
    call_fail(rest, api("delete_group_msg_by_sender"), {"GroupId": "nope",
                                                        "Sender_Account": "bob"}, 10010)


# ---- imports ------------------------------------------------------------------------------------

def test_import_group_and_messages_and_members(rest, users):
    """import_group keeps CreateTime; import_group_msg numbers messages in order with their
    times; import_group_member sets JoinTime and the unread count."""
    answer = call_ok(rest, api("import_group"), {"Type": "Public", "Name": "old",
                                                  "Owner_Account": "alice", "CreateTime": 1600000000})
    gid = answer["GroupId"]
    assert info(rest, gid)["CreateTime"] == 1600000000
    msgs = [{"From_Account": "alice", "SendTime": 1600000100 + i, "Random": i,
             "MsgBody": text_body(f"old{i}")} for i in range(3)]
    msgs.append({"From_Account": "alice", "SendTime": int(time.time()) + 3600, "Random": 9,
                 "MsgBody": text_body("future")})
    result = call_ok(rest, api("import_group_msg"), {"GroupId": gid, "MsgList": msgs})
    assert [(r["MsgSeq"], r["Result"]) for r in result["ImportMsgResult"]] == [
        (1, 0), (2, 0), (3, 0), (0, 10004)]
    assert result["ImportMsgResult"][0]["MsgTime"] == 1600000100
    answer = call_ok(rest, api("import_group_member"), {"GroupId": gid, "MemberList": [
        {"Member_Account": "bob", "Role": "Admin", "JoinTime": 1600000050, "UnreadMsgNum": 2},
        {"Member_Account": "alice"}]})
    assert answer["MemberList"] == [{"Member_Account": "bob", "Result": 1},
                                    {"Member_Account": "alice", "Result": 2}]
    (bob,) = call_ok(rest, api("get_specified_group_member_info"),
                     {"GroupId": gid, "Member_List_Account": ["bob"]})["MemberList"]
    assert (bob["Role"], bob["JoinTime"], bob["MsgSeq"]) == ("Admin", 1600000050, 1)


def test_import_rules_and_bad_input(rest, users):
    """AVChatRoom takes no imports (10007); MsgList is 1..20 messages."""
    call_fail(rest, api("import_group"), {"Type": "AVChatRoom", "Name": "n"}, 10007)
    av = create(rest, "AVChatRoom", "alice")
    msg = {"From_Account": "alice", "SendTime": 1600000000, "MsgBody": text_body("x")}
    call_fail(rest, api("import_group_msg"), {"GroupId": av, "MsgList": [msg]}, 10007)
    call_fail(rest, api("import_group_member"), {"GroupId": av, "MemberList": [
        {"Member_Account": "bob"}]}, 10007)
    gid = create(rest, "Public", "alice")
    call_fail(rest, api("import_group_msg"), {"GroupId": gid, "MsgList": [msg] * 21}, 10005)
    call_fail(rest, api("import_group_msg"), {"GroupId": gid, "MsgList": []}, 10004)
    call_fail(rest, api("import_group_member"), {"GroupId": gid, "MemberList": [
        {"Member_Account": "bob", "Role": "Owner"}]}, 10004)
    call_fail(rest, api("import_group"), {"Type": "Public", "Name": "n", "CreateTime": "x"}, 10004)


def test_set_unread_msg_num(rest, users):
    """The member's read position moves so that exactly N messages are unread."""
    gid = create(rest, "Public", "alice", ["bob"])
    for i in range(4):
        send(rest, gid, f"m{i}", From_Account="alice")
    call_ok(rest, api("set_unread_msg_num"), {"GroupId": gid, "Member_Account": "bob",
                                               "UnreadMsgNum": 3})
    (bob,) = call_ok(rest, api("get_specified_group_member_info"),
                     {"GroupId": gid, "Member_List_Account": ["bob"]})["MemberList"]
    assert bob["MsgSeq"] == 1
    call_fail(rest, api("set_unread_msg_num"), {"GroupId": gid, "Member_Account": "carol",
                                                "UnreadMsgNum": 1}, 10007)
    call_fail(rest, api("set_unread_msg_num"), {"GroupId": gid, "Member_Account": "bob",
                                                "UnreadMsgNum": -1}, 10004)


# ---- online count ------------------------------------------------------------------------------

def test_get_online_member_num(rest, users, ws):
    """get_online_member_num counts the members with a WebSocket session; an unknown group is
    10010."""
    gid = create(rest, "Public", "alice", ["bob", "carol"])
    ws("bob")
    ws("carol")
    answer = call_ok(rest, api("get_online_member_num"), {"GroupId": gid})
    assert answer["OnlineMemberNum"] == 2
    call_fail(rest, api("get_online_member_num"), {"GroupId": "nope"}, 10010)


# ---- attributes ---------------------------------------------------------------------------------

def attrs(rest, gid):
    answer = call_ok(rest, f"{ATTR_SVC}/get_group_attr", {"GroupId": gid})
    return {a["key"]: a["value"] for a in answer["GroupAttrAry"]}


def test_group_attributes(rest, users, ws):
    """modify upserts, set replaces, delete removes keys, clear empties; members hear of it."""
    gid = create(rest, "AVChatRoom", "alice")
    bob = ws("bob")
    bob.call("joinGroup", {"groupID": gid})
    call_ok(rest, api("modify_group_attr"), {"GroupId": gid, "GroupAttr": [
        {"key": "a", "value": "1"}, {"key": "b", "value": "2"}]})
    assert attrs(rest, gid) == {"a": "1", "b": "2"}
    assert bob.wait_event("onGroupAttributeChanged")["groupAttributeMap"] == {"a": "1", "b": "2"}
    call_ok(rest, api("modify_group_attr"), {"GroupId": gid, "GroupAttr": [
        {"key": "b", "value": "3"}]})
    assert attrs(rest, gid) == {"a": "1", "b": "3"}
    call_ok(rest, api("set_group_attr"), {"GroupId": gid, "GroupAttr": [{"key": "c", "value": "9"}]})
    assert attrs(rest, gid) == {"c": "9"}
    call_ok(rest, f"{ATTR_SVC}/modify_group_attr", {"GroupId": gid, "GroupAttr": [
        {"key": "d", "value": "4"}]})
    call_ok(rest, api("delete_group_attr"), {"GroupId": gid, "GroupAttr": [{"key": "c"}]})
    assert attrs(rest, gid) == {"d": "4"}
    call_ok(rest, api("clear_group_attr"), {"GroupId": gid})
    assert attrs(rest, gid) == {}
    assert call_ok(rest, api("get_group_attr"), {"GroupId": gid})["GroupAttrAry"] == []


@pytest.mark.parametrize("attr,code", [
    ([{"key": "k" * 33, "value": "v"}], 10045),
    ([{"key": "", "value": "v"}], 10045),
    ([{"key": "k", "value": "v" * 4001}], 10046),
    ([{"key": f"k{i}", "value": "v"} for i in range(17)], 10047),
    ([{"key": "k", "value": 5}], 10004),
    ([], 10004),
])
def test_group_attributes_limits(rest, users, attr, code):
    """modify_group_attr refuses a key that is empty or over 32 bytes (10045), a value over 4000
    bytes (10046), more than 16 keys (10047) and a non-string value or empty list (10004);
    nothing is stored."""
    gid = create(rest, "Public", "alice")
    call_fail(rest, api("modify_group_attr"), {"GroupId": gid, "GroupAttr": attr}, code)
    assert attrs(rest, gid) == {}


def test_group_attributes_total_size_is_10048(rest, users):
    """16 values of 1000 bytes fit one by one, but not 16000 bytes of keys and values together."""
    gid = create(rest, "Public", "alice")
    call_ok(rest, api("modify_group_attr"), {"GroupId": gid, "GroupAttr": [
        {"key": f"k{i}", "value": "v" * 990} for i in range(16)]})
    call_fail(rest, api("modify_group_attr"), {"GroupId": gid, "GroupAttr": [
        {"key": "k0", "value": "v" * 1500}]}, 10048)
    call_fail(rest, api("get_group_attr"), {"GroupId": "nope"}, 10010)
