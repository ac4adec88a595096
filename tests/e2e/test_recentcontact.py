"""REST `recentcontact` (docs/rest-api.md): get_list with its cursors and AssistFlags, delete
(the same deletion as the WebSocket deleteConversation), and the conversation-group and mark
APIs: create_contact_group, del_contact_group, update_contact_group, search_contact_group,
mark_contact, get_contact_group. Every API answers for `From_Account`, which must exist (50001),
and only to an app administrator (50003).
"""

import itertools

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, fan_out, import_users, text_body

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

GET_LIST = "recentcontact/get_list"
DELETE = "recentcontact/delete"
CREATE = "recentcontact/create_contact_group"
DEL_GROUP = "recentcontact/del_contact_group"
UPDATE = "recentcontact/update_contact_group"
SEARCH = "recentcontact/search_contact_group"
MARK = "recentcontact/mark_contact"
GET_GROUPS = "recentcontact/get_contact_group"
ROAM = "openim/admin_getroammsg"
ALL_APIS = [GET_LIST, DELETE, CREATE, DEL_GROUP, UPDATE, SEARCH, MARK, GET_GROUPS]

_random = itertools.count(1)


# ---- helpers ------------------------------------------------------------------------------------

def send(rest, frm, to, text="hi"):
    """One message frm -> to through openim/sendmsg."""
    return call_ok(rest, "openim/sendmsg", {"From_Account": frm, "To_Account": to,
                                            "MsgRandom": next(_random),
                                            "MsgBody": text_body(text)})


def get_list(rest, user="alice", flags=0, **cursors):
    body = {"From_Account": user, "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0,
            "TopStartIndex": 0, "AssistFlags": flags, **cursors}
    return call_ok(rest, GET_LIST, body)


def peers_of(answer):
    """The To_Account / GroupId of each SessionItem, in order."""
    return [s.get("To_Account", s.get("GroupId")) for s in answer["SessionItem"]]


def next_cursors(answer):
    return {k: answer[k] for k in ("TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex")}


def roam_texts(rest, operator, peer):
    answer = call_ok(rest, ROAM, {"Operator_Account": operator, "Peer_Account": peer,
                                  "MaxCnt": 100, "MinTime": 0, "MaxTime": 4294967295})
    return [m["MsgBody"][0]["MsgContent"]["Text"] for m in answer["MsgList"]]


def c2c(peer):
    return {"Type": 1, "To_Account": peer}


def group(group_id, key="ToGroupId"):
    return {"Type": 2, key: group_id}


def create_group(rest, name, contacts=(), user="alice"):
    return call_ok(rest, CREATE, {"From_Account": user, "GroupContactItem": [
        {"GroupName": name, "ContactItem": list(contacts)}]})


def mark(rest, items, user="alice"):
    return call_ok(rest, MARK, {"From_Account": user, "MarkItem": items})


def mark_item(contact, opt=1, set_bits=None, clear_bits=None, custom=None):
    item = {"OptType": opt, "ContactItem": contact}
    if set_bits is not None:
        item["SetMark"] = set_bits
    if clear_bits is not None:
        item["ClearMark"] = clear_bits
    if custom is not None:
        item["CustomMark"] = custom
    return item


def codes(results):
    return [r["ResultCode"] for r in results]


@pytest.fixture
def users(rest):
    """alice, bob, carol, dave and erin, imported; alice has talked with bob, carol and dave
    (in that order, so dave is the newest)."""
    import_users(rest, "alice", "bob", "carol", "dave", "erin")
    for peer in ("bob", "carol", "dave"):
        send(rest, "alice", peer, f"to {peer}")
    return rest


@pytest.fixture
def ws(chatd):
    """ws(user, platform="Web") -> a logged-in WsClient (closed after the test)."""
    def connect(user, platform="Web"):
        return WsClient.login_as(chatd.url, user, platform=platform)
    return connect


def member_of_g1(rest, user="alice"):
    """A Public group g1 with `user` as its owner: only members hold group conversations."""
    call_ok(rest, "group_open_http_svc/create_group",
            {"GroupId": "g1", "Type": "Public", "Name": "g1", "Owner_Account": user})


# ---- every API ----------------------------------------------------------------------------------

MINIMAL = {
    GET_LIST: {},
    DELETE: {"Type": 1, "To_Account": "bob", "ClearRamble": 1},
    CREATE: {"GroupContactItem": [{"GroupName": "g", "ContactItem": []}]},
    DEL_GROUP: {"GroupName": ["g"]},
    UPDATE: {"UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "g",
                                              "NewGroupName": "h"}},
    SEARCH: {"ContactItem": [c2c("bob")]},
    MARK: {"MarkItem": [mark_item(c2c("bob"), 1, [0])]},
    GET_GROUPS: {"StartIndex": 0},
}


@pytest.mark.parametrize("api", ALL_APIS)
def test_every_api_needs_an_admin(users, api):
    """A caller that is not an app administrator gets 50003 and changes nothing."""
    body = {"From_Account": "alice", **MINIMAL[api]}
    call_fail(users, api, body, 50003, identifier="alice")
    assert peers_of(get_list(users)) == ["dave", "carol", "bob"]


@pytest.mark.parametrize("api", ALL_APIS)
def test_every_api_refuses_an_unknown_from_account(users, api):
    """From_Account that is not an imported account: 50001."""
    call_fail(users, api, {"From_Account": "nobody", **MINIMAL[api]}, 50001)


@pytest.mark.parametrize("api", ALL_APIS)
@pytest.mark.parametrize("from_account", [None, 7, "", "x" * 33], ids=["missing", "int", "empty",
                                                                      "33-bytes"])
def test_every_api_refuses_a_bad_from_account(users, api, from_account):
    """From_Account missing, not a string, empty or over 32 bytes: 50002."""
    body = dict(MINIMAL[api])
    if from_account is not None:
        body["From_Account"] = from_account
    call_fail(users, api, body, 50002)


@pytest.mark.parametrize("api", ALL_APIS)
@pytest.mark.parametrize("raw", ["", "not json", "[1, 2]", '"text"'])
def test_every_api_refuses_a_body_that_is_not_an_object(users, api, raw):
    """A body that is not one JSON object: 50002."""
    call_fail(users, api, None, 50002, raw_body=raw)


# ---- get_list -----------------------------------------------------------------------------------

def test_get_list_newest_first(users):
    """SessionItem lists the conversations by activity, newest first, with their fields."""
    answer = get_list(users)
    assert peers_of(answer) == ["dave", "carol", "bob"]
    for item in answer["SessionItem"]:
        assert set(item) == {"Type", "To_Account", "MsgTime", "TopFlag"}
        assert item["Type"] == 1 and item["TopFlag"] == 0 and item["MsgTime"] > 1_600_000_000
    assert answer["CompleteFlag"] == 1
    assert answer["ErrorDisplay"] == ""
    assert set(next_cursors(answer)) <= set(answer)


def test_get_list_of_a_user_without_conversations(users):
    """A user with no conversation gets an empty, complete list."""
    answer = get_list(users, "erin", 7)
    assert (answer["SessionItem"], answer["CompleteFlag"]) == ([], 1)


def test_get_list_is_the_owners_view(users):
    """Each user sees their own conversations: bob sees alice, alice sees three."""
    assert peers_of(get_list(users, "bob")) == ["alice"]


def test_get_list_assistflags_bit0_puts_pinned_first(users, ws):
    """With AssistFlags bit 0 the pinned conversations come first (TopFlag 1); without it the
    list is by activity alone (TopFlag still tells the pin)."""
    ws("alice").call("pinConversation", {"conversationID": "c2c_bob", "isPinned": True})
    send(users, "carol", "alice", "newest")
    pinned = get_list(users, flags=1)
    assert peers_of(pinned) == ["bob", "carol", "dave"]
    assert [s["TopFlag"] for s in pinned["SessionItem"]] == [1, 0, 0]
    plain = get_list(users, flags=0)
    assert peers_of(plain) == ["carol", "bob", "dave"]
    assert [s["TopFlag"] for s in plain["SessionItem"]] == [0, 1, 0]


def test_get_list_assistflags_bit1_adds_empty_conversations(users, ws):
    """A conversation without any message (a draft only) is listed only with AssistFlags bit 1,
    with MsgTime 0."""
    ws("alice").call("setConversationDraft", {"conversationID": "c2c_erin", "draftText": "hm"})
    assert "erin" not in peers_of(get_list(users, flags=0))
    answer = get_list(users, flags=2)
    assert peers_of(answer)[0] == "erin"
    assert answer["SessionItem"][0]["MsgTime"] == 0


def test_get_list_lists_group_conversations_with_groupid(users, ws):
    """A group conversation is a SessionItem {Type 2, GroupId}."""
    member_of_g1(users)
    ws("alice").call("pinConversation", {"conversationID": "group_g1", "isPinned": True})
    answer = get_list(users, flags=3)
    assert answer["SessionItem"][0] == {"Type": 2, "GroupId": "g1", "MsgTime": 0, "TopFlag": 1}


@pytest.mark.parametrize("flags", [0, 1, 7])
def test_get_list_pages_through_150_conversations(rest, ws, flags):
    """150 conversations come in pages of 100 and 50; each page's cursors, sent back, give the
    next page; no conversation is missing or repeated; pinned ones lead with bit 0."""
    peers = [f"p{i:03}" for i in range(150)]
    import_users(rest, "alice", *peers)
    fan_out(rest, "alice", peers)
    alice = ws("alice")
    for peer in ("p010", "p020"):
        alice.call("pinConversation", {"conversationID": f"c2c_{peer}", "isPinned": True})
    first = get_list(rest, flags=flags)
    assert (len(first["SessionItem"]), first["CompleteFlag"]) == (100, 0)
    second = get_list(rest, flags=flags, **next_cursors(first))
    assert (len(second["SessionItem"]), second["CompleteFlag"]) == (50, 1)
    listed = peers_of(first) + peers_of(second)
    assert sorted(listed) == peers
    if flags & 1:
        assert listed[:2] == ["p020", "p010"]
        assert [s["TopFlag"] for s in first["SessionItem"]][:3] == [1, 1, 0]
    else:
        assert set(listed[:2]) == {"p020", "p010"}  # a pin is also activity


def test_get_list_last_page_cursor_gives_nothing_more(users):
    """Sending back the cursors of a complete list yields an empty, complete page."""
    answer = get_list(users, flags=7)
    again = get_list(users, flags=7, **next_cursors(answer))
    assert (again["SessionItem"], again["CompleteFlag"]) == ([], 1)


@pytest.mark.parametrize("field", ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex",
                                   "AssistFlags"])
@pytest.mark.parametrize("value", [-1, "0", 1.5, None, [0]])
def test_get_list_refuses_bad_cursors(users, field, value):
    """Cursors and AssistFlags must be non-negative integers: 50002."""
    body = {"From_Account": "alice", field: value}
    call_fail(users, GET_LIST, body, 50002)


def test_get_list_cursor_fields_may_be_omitted(users):
    """Only From_Account is needed: the rest default to 0 (the first page, no flags)."""
    answer = call_ok(users, GET_LIST, {"From_Account": "alice"})
    assert peers_of(answer) == ["dave", "carol", "bob"]


# ---- delete -------------------------------------------------------------------------------------

def test_delete_with_clearramble_removes_list_entry_and_history(users):
    """ClearRamble 1: the conversation leaves From_Account's list and their roaming history;
    the peer keeps both."""
    send(users, "bob", "alice", "reply")
    call_ok(users, DELETE, {"From_Account": "alice", "Type": 1, "To_Account": "bob",
                            "ClearRamble": 1})
    assert peers_of(get_list(users)) == ["dave", "carol"]
    assert roam_texts(users, "alice", "bob") == []
    assert roam_texts(users, "bob", "alice") == ["to bob", "reply"]
    assert peers_of(get_list(users, "bob")) == ["alice"]


def test_delete_without_clearramble_keeps_history(users):
    """ClearRamble 0 (the default): the list entry goes, the roaming history stays."""
    call_ok(users, DELETE, {"From_Account": "alice", "Type": 1, "To_Account": "bob",
                            "ClearRamble": 0})
    assert peers_of(get_list(users)) == ["dave", "carol"]
    assert roam_texts(users, "alice", "bob") == ["to bob"]


def test_delete_answer_is_the_bare_envelope(users):
    """The answer is the envelope with ErrorDisplay, nothing else."""
    answer = call_ok(users, DELETE, {"From_Account": "alice", "Type": 1, "To_Account": "bob"})
    assert set(answer) == {"ActionStatus", "ErrorCode", "ErrorInfo", "ErrorDisplay"}


def test_delete_then_a_new_message_brings_the_conversation_back(users):
    """After a deletion a new message lists the conversation again, with only that message."""
    call_ok(users, DELETE, {"From_Account": "alice", "Type": 1, "To_Account": "bob",
                            "ClearRamble": 1})
    send(users, "bob", "alice", "again")
    assert peers_of(get_list(users))[0] == "bob"
    assert roam_texts(users, "alice", "bob") == ["again"]


@pytest.mark.parametrize("key", ["ToGroupid", "ToGroupId"])
def test_delete_group_conversation_either_casing(users, ws, key):
    """Type 2 names the group as ToGroupid (Tencent's delete spelling) or ToGroupId."""
    member_of_g1(users)
    alice = ws("alice")
    alice.call("setConversationDraft", {"conversationID": "group_g1", "draftText": "x"})
    call_ok(users, DELETE, {"From_Account": "alice", "Type": 2, key: "g1", "ClearRamble": 1})
    ids = [c["conversationID"] for c in alice.call("getConversationList", {})["conversationList"]]
    assert "group_g1" not in ids


@pytest.mark.parametrize("body", [
    pytest.param({"Type": 1, "To_Account": "erin"}, id="never-talked"),
    pytest.param({"Type": 1, "To_Account": "nobody"}, id="peer-not-imported"),
    pytest.param({"Type": 2, "ToGroupid": "nogroup"}, id="unknown-group"),
    pytest.param({"Type": 1, "To_Account": "alice"}, id="self"),
])
def test_delete_of_a_conversation_that_does_not_exist_is_6004(users, body):
    """Deleting a conversation From_Account does not have: 6004, nothing changes."""
    call_fail(users, DELETE, {"From_Account": "alice", "ClearRamble": 1, **body}, 6004)
    assert peers_of(get_list(users)) == ["dave", "carol", "bob"]


def test_delete_with_clearramble_after_a_delete_without_clears_history(users):
    """A conversation removed from the list with ClearRamble 0 can still have its history
    cleared by a later delete with ClearRamble 1."""
    body = {"From_Account": "alice", "Type": 1, "To_Account": "bob"}
    call_ok(users, DELETE, {**body, "ClearRamble": 0})
    call_ok(users, DELETE, {**body, "ClearRamble": 1})
    assert roam_texts(users, "alice", "bob") == []


@pytest.mark.parametrize("change", [
    pytest.param({"Type": 3}, id="type-3"),
    pytest.param({"Type": "1"}, id="type-string"),
    pytest.param({"Type": None}, id="type-missing"),
    pytest.param({"To_Account": None}, id="to-account-missing"),
    pytest.param({"To_Account": 5}, id="to-account-int"),
    pytest.param({"To_Account": "x" * 33}, id="to-account-33-bytes"),
    pytest.param({"Type": 2}, id="type-2-without-group"),
    pytest.param({"Type": 2, "ToGroupid": ""}, id="empty-group"),
    pytest.param({"Type": 2, "ToGroupid": 7}, id="group-int"),
    pytest.param({"ClearRamble": 2}, id="clearramble-2"),
    pytest.param({"ClearRamble": "1"}, id="clearramble-string"),
    pytest.param({"ClearRamble": True}, id="clearramble-bool"),
])
def test_delete_refuses_bad_input(users, change):
    """A malformed delete is 50002 and deletes nothing."""
    body = {"From_Account": "alice", "Type": 1, "To_Account": "bob", "ClearRamble": 1, **change}
    body = {k: v for k, v in body.items() if v is not None}
    call_fail(users, DELETE, body, 50002)
    assert peers_of(get_list(users)) == ["dave", "carol", "bob"]


def test_rest_delete_equals_websocket_delete(users, pg, ws):
    """REST delete (ClearRamble 1) leaves exactly the state a WebSocket deleteConversation
    leaves: the same view columns and the same purge-queue entry."""
    for peer in ("bob", "carol"):
        send(users, peer, "alice", "unread")
    ws("alice").call("deleteConversation", {"conversationID": "c2c_bob"})
    call_ok(users, DELETE, {"From_Account": "alice", "Type": 1, "To_Account": "carol",
                            "ClearRamble": 1})
    rows = pg.sql("SELECT peer, deleted_seq, hidden_seq, read_seq, pinned, draft_text, marks"
                  " FROM conv_views WHERE user_id = 'alice' AND peer IN ('bob', 'carol')"
                  " ORDER BY peer")
    assert len(rows) == 2 and rows[0][1:] == rows[1][1:]
    assert rows[0][1:3] == (2, 2)  # deletion and hide points at the newest message
    queued = pg.sql("SELECT count(*) FROM purge_queue")[0][0]
    assert queued == 2


# ---- conversation groups ------------------------------------------------------------------------

def test_create_contact_group_answers_groupid_and_results(users, ws):
    """create_contact_group makes the group with the conversations From_Account has (0) and
    refuses those it has not (6004); the client sees the group on its conversations."""
    answer = create_group(users, "work", [c2c("bob"), c2c("erin")])
    (result,) = answer["GroupResultItem"]
    assert result["GroupItem"]["GroupName"] == "work"
    assert isinstance(result["GroupItem"]["GroupId"], int) and result["GroupItem"]["GroupId"] > 0
    assert result["ResultItem"] == [
        {"ContactItem": c2c("bob"), "ResultCode": 0, "ResultInfo": ""},
        {"ContactItem": c2c("erin"), "ResultCode": 6004,
         "ResultInfo": "conversation does not exist"}]
    alice = ws("alice")
    assert alice.call("getConversationGroupList", {})["groupList"] == ["work"]
    conv = alice.call("getConversation", {"conversationID": "c2c_bob"})["conversation"]
    assert conv["conversationGroupList"] == ["work"]


@pytest.mark.parametrize("key", ["ToGroupId", "ToGroupid"])
def test_contact_items_take_either_group_casing(users, ws, key):
    """A group ContactItem names the group as ToGroupId (or ToGroupid); answers spell ToGroupId."""
    member_of_g1(users)
    ws("alice").call("pinConversation", {"conversationID": "group_g1", "isPinned": True})
    answer = create_group(users, "groups", [group("g1", key)])
    assert answer["GroupResultItem"][0]["ResultItem"][0]["ContactItem"] == group("g1")
    assert answer["GroupResultItem"][0]["ResultItem"][0]["ResultCode"] == 0


def test_group_ids_are_distinct_small_integers(users):
    """Each new group gets its own GroupId."""
    ids = [create_group(users, f"g{i}")["GroupResultItem"][0]["GroupItem"]["GroupId"]
           for i in range(3)]
    assert len(set(ids)) == 3 and all(0 < i < 100 for i in ids)


def test_create_contact_group_limit_is_20(users):
    """A user has at most 20 conversation groups: the 21st is 51010."""
    for i in range(20):
        create_group(users, f"g{i}")
    call_fail(users, CREATE, {"From_Account": "alice", "GroupContactItem": [
        {"GroupName": "one-too-many", "ContactItem": []}]}, 51010)


def test_create_contact_group_twice_is_refused(users):
    """A name already taken: 50002, and the first group keeps its conversations."""
    create_group(users, "work", [c2c("bob")])
    call_fail(users, CREATE, {"From_Account": "alice", "GroupContactItem": [
        {"GroupName": "work", "ContactItem": [c2c("carol")]}]}, 50002)
    found = call_ok(users, SEARCH, {"From_Account": "alice",
                                    "ContactItem": [c2c("bob"), c2c("carol")]})
    assert [c["To_Account"] for c in found["ContactResultItem"]] == ["bob"]


@pytest.mark.parametrize("name, code", [
    ("x" * 32, 0), ("x" * 33, 51011), ("中" * 10 + "xx", 0), ("中" * 11, 51011),
    ("", 50002), (7, 50002), (None, 50002),
])
def test_group_name_is_1_to_32_bytes(users, name, code):
    """GroupName is 1 to 32 bytes (UTF-8): longer is 51011, empty or not a string 50002."""
    item = {"ContactItem": []}
    if name is not None:
        item["GroupName"] = name
    body = {"From_Account": "alice", "GroupContactItem": [item]}
    if code:
        call_fail(users, CREATE, body, code)
    else:
        call_ok(users, CREATE, body)


@pytest.mark.parametrize("groups", [
    pytest.param(None, id="missing"), pytest.param([], id="empty"),
    pytest.param({"GroupName": "g"}, id="object"),
    pytest.param([{"GroupName": "a", "ContactItem": []}, {"GroupName": "b", "ContactItem": []}],
                 id="two-groups"),
    pytest.param([{"GroupName": "a", "ContactItem": {}}], id="contacts-object"),
    pytest.param([{"GroupName": "a", "ContactItem": [{"Type": 3, "To_Account": "bob"}]}],
                 id="bad-type"),
    pytest.param([{"GroupName": "a", "ContactItem": [{"Type": 1}]}], id="no-to-account"),
    pytest.param([{"GroupName": "a", "ContactItem": ["bob"]}], id="contact-string"),
])
def test_create_contact_group_refuses_bad_input(users, groups):
    """A malformed GroupContactItem is 50002 and creates nothing."""
    body = {"From_Account": "alice"}
    if groups is not None:
        body["GroupContactItem"] = groups
    call_fail(users, CREATE, body, 50002)
    assert call_ok(users, GET_GROUPS, {"From_Account": "alice"})["GroupItem"] == []


def test_create_contact_group_takes_at_most_100_contacts(users):
    """More than 100 ContactItem entries: 51006."""
    contacts = [c2c(f"u{i}") for i in range(101)]
    call_fail(users, CREATE, {"From_Account": "alice", "GroupContactItem": [
        {"GroupName": "big", "ContactItem": contacts}]}, 51006)


def test_del_contact_group_answers_the_deleted_group(users, ws):
    """del_contact_group removes the group (and its memberships) and names it with its id."""
    gid = create_group(users, "work", [c2c("bob")])["GroupResultItem"][0]["GroupItem"]["GroupId"]
    answer = call_ok(users, DEL_GROUP, {"From_Account": "alice", "GroupName": ["work"]})
    assert answer["GroupItem"] == [{"GroupName": "work", "GroupId": gid}]
    conv = ws("alice").call("getConversation", {"conversationID": "c2c_bob"})["conversation"]
    assert conv["conversationGroupList"] == []


def test_del_contact_group_of_a_missing_group_is_51009(users):
    """Deleting a group that does not exist: 51009."""
    call_fail(users, DEL_GROUP, {"From_Account": "alice", "GroupName": ["nope"]}, 51009)


@pytest.mark.parametrize("names, code", [
    (None, 50002), ([], 50002), (["a", "b"], 50002), ([7], 50002), ([""], 50002),
    (["x" * 33], 51011), (7, 50002),
])
def test_del_contact_group_refuses_bad_input(users, names, code):
    """GroupName must be an array of one group name."""
    body = {"From_Account": "alice"}
    if names is not None:
        body["GroupName"] = names
    call_fail(users, DEL_GROUP, body, code)


def rename(old, new):
    return {"From_Account": "alice", "UpdateType": 1,
            "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": old, "NewGroupName": new}}


def test_update_contact_group_renames(users, ws):
    """UpdateGroupType 1 renames the group; it keeps its id and its conversations."""
    gid = create_group(users, "work", [c2c("bob")])["GroupResultItem"][0]["GroupItem"]["GroupId"]
    answer = call_ok(users, UPDATE, rename("work", "office"))
    assert answer["UpdateType"] == 1
    assert answer["UpdateGroupResult"] == {"UpdateGroupType": 1, "GroupName": "office",
                                           "GroupId": gid, "OldGroupName": "work",
                                           "ContactResultItem": []}
    conv = ws("alice").call("getConversation", {"conversationID": "c2c_bob"})["conversation"]
    assert conv["conversationGroupList"] == ["office"]


@pytest.mark.parametrize("old, new, code", [
    ("nope", "other", 51009), ("work", "home", 50002), ("work", "x" * 33, 51011),
    ("work", "", 50002),
])
def test_update_contact_group_rename_refusals(users, old, new, code):
    """Renaming a missing group is 51009, onto a taken name 50002, to a name over 32 bytes
    51011."""
    create_group(users, "work")
    create_group(users, "home")
    call_fail(users, UPDATE, rename(old, new), code)


def members(op_pairs, group_name="work"):
    return {"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {
        "UpdateGroupType": 2, "OldGroupName": group_name,
        "ContactUpdateItem": [{"ContactOptType": op, "ContactItem": c} for op, c in op_pairs]}}


def test_update_contact_group_adds_and_removes(users):
    """UpdateGroupType 2 adds (1) and removes (2) conversations, each with its result."""
    gid = create_group(users, "work", [c2c("bob")])["GroupResultItem"][0]["GroupItem"]["GroupId"]
    answer = call_ok(users, UPDATE, members([(1, c2c("carol")), (2, c2c("bob")),
                                             (1, c2c("erin"))]))
    result = answer["UpdateGroupResult"]
    assert (result["UpdateGroupType"], result["GroupName"], result["GroupId"]) == (2, "work", gid)
    assert [(r["ContactOptType"], r["ContactItem"], r["ResultCode"])
            for r in result["ContactResultItem"]] == [
        (1, c2c("carol"), 0), (2, c2c("bob"), 0), (1, c2c("erin"), 6004)]
    found = call_ok(users, SEARCH, {"From_Account": "alice",
                                    "ContactItem": [c2c("bob"), c2c("carol")]})
    assert [(c["To_Account"], c["ContactGroupId"]) for c in found["ContactResultItem"]] == \
        [("carol", [gid])]


def test_update_contact_group_members_of_a_missing_group_is_51009(users):
    """Adding to a group that does not exist: 51009."""
    call_fail(users, UPDATE, members([(1, c2c("bob"))], "nope"), 51009)


@pytest.mark.parametrize("change", [
    pytest.param({"UpdateType": 2}, id="updatetype-2"),
    pytest.param({"UpdateType": None}, id="updatetype-missing"),
    pytest.param({"UpdateGroup": None}, id="updategroup-missing"),
    pytest.param({"UpdateGroup": []}, id="updategroup-array"),
    pytest.param({"UpdateGroup": {"UpdateGroupType": 3, "OldGroupName": "work"}}, id="type-3"),
    pytest.param({"UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "work"}},
                 id="no-items"),
    pytest.param({"UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "work",
                                  "ContactUpdateItem": [{"ContactOptType": 3,
                                                         "ContactItem": c2c("bob")}]}},
                 id="opt-type-3"),
    pytest.param({"UpdateGroup": {"UpdateGroupType": 2, "OldGroupName": "work",
                                  "ContactUpdateItem": [{"ContactOptType": 1}]}},
                 id="no-contact"),
    pytest.param({"UpdateGroup": {"UpdateGroupType": 2, "ContactUpdateItem": [
        {"ContactOptType": 1, "ContactItem": c2c("bob")}]}}, id="no-old-name"),
    pytest.param({"UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "work"}},
                 id="rename-without-new-name"),
])
def test_update_contact_group_refuses_bad_input(users, change):
    """A malformed update is 50002."""
    create_group(users, "work")
    body = {**members([(1, c2c("bob"))]), **change}
    body = {k: v for k, v in body.items() if v is not None}
    call_fail(users, UPDATE, body, 50002)


def test_update_contact_group_takes_at_most_100_items(users):
    """More than 100 ContactUpdateItem entries: 51006."""
    create_group(users, "work")
    call_fail(users, UPDATE, members([(1, c2c(f"u{i}")) for i in range(101)]), 51006)


# ---- marks and contact data ---------------------------------------------------------------------

def test_mark_contact_sets_and_clears_standard_bits(users, ws):
    """OptType 1 sets the SetMark bits and clears the ClearMark bits; the client sees the
    marks as markList values (bit n = 1 << n)."""
    answer = mark(users, [mark_item(c2c("bob"), 1, [0, 1, 33])])
    assert answer["ResultItem"] == [{"OptType": 1, "ContactItem": c2c("bob"), "ResultCode": 0,
                                     "ResultInfo": ""}]
    mark(users, [mark_item(c2c("bob"), 1, [], [1])])
    conv = ws("alice").call("getConversation", {"conversationID": "c2c_bob"})["conversation"]
    assert conv["markList"] == [1, 1 << 33]


def test_mark_contact_custom_mark(users, ws):
    """OptType 2 sets CustomMark (the client's customData); an empty CustomMark removes it."""
    mark(users, [mark_item(c2c("bob"), 2, custom="vip")])
    alice = ws("alice")
    assert alice.call("getConversation", {"conversationID": "c2c_bob"})["conversation"][
        "customData"] == "vip"
    mark(users, [mark_item(c2c("bob"), 2, custom="")])
    assert alice.call("getConversation", {"conversationID": "c2c_bob"})["conversation"][
        "customData"] is None


def test_mark_contact_both_and_search(users):
    """OptType 3 sets bits and CustomMark at once; search_contact_group reports them as
    StandardMark (binary, bit 0 rightmost), CustomMark, ContactGroupId and Timestamp."""
    gid = create_group(users, "work", [c2c("carol")])["GroupResultItem"][0]["GroupItem"]["GroupId"]
    mark(users, [mark_item(c2c("bob"), 3, [1, 3], custom="abc")])
    answer = call_ok(users, SEARCH, {"From_Account": "alice",
                                     "ContactItem": [c2c("bob"), c2c("carol"), c2c("dave")]})
    items = {c["To_Account"]: c for c in answer["ContactResultItem"]}
    assert set(items) == {"bob", "carol"}  # dave carries no data
    assert items["bob"]["StandardMark"] == "1010"
    assert items["bob"]["CustomMark"] == "abc"
    assert items["bob"]["ContactGroupId"] == []
    assert items["bob"]["Type"] == 1 and items["bob"]["Timestamp"] > 1_600_000_000
    assert items["carol"]["StandardMark"] == "0" and "CustomMark" not in items["carol"]
    assert items["carol"]["ContactGroupId"] == [gid]
    assert answer["GroupItem"] == [{"GroupName": "work", "GroupId": gid}]


def test_mark_contact_changes_reach_the_users_sessions(users, ws):
    """A mark set through REST is pushed to the owner's sessions as onConversationChanged."""
    alice = ws("alice")
    mark(users, [mark_item(c2c("bob"), 1, [0])])
    body = alice.wait_event("onConversationChanged",
                            where=lambda b: b["conversationList"][0]["markList"] == [1])
    assert body["conversationList"][0]["conversationID"] == "c2c_bob"


def test_mark_contact_of_an_unknown_conversation_is_6004_per_item(users):
    """Items naming conversations From_Account does not have get ResultCode 6004; the others
    are applied."""
    answer = mark(users, [mark_item(c2c("erin"), 1, [0]), mark_item(c2c("bob"), 1, [0])])
    assert codes(answer["ResultItem"]) == [6004, 0]


@pytest.mark.parametrize("item", [
    pytest.param({"OptType": 0}, id="opt-0"),
    pytest.param({"OptType": 4}, id="opt-4"),
    pytest.param({"OptType": None}, id="opt-missing"),
    pytest.param({"SetMark": [63]}, id="bit-63"),
    pytest.param({"SetMark": [64]}, id="bit-64"),
    pytest.param({"SetMark": [-1]}, id="bit-negative"),
    pytest.param({"SetMark": 1}, id="setmark-int"),
    pytest.param({"ClearMark": ["1"]}, id="clearmark-string"),
    pytest.param({"OptType": 2}, id="custom-missing"),
    pytest.param({"OptType": 2, "CustomMark": "x" * 257}, id="custom-257-bytes"),
    pytest.param({"OptType": 3, "CustomMark": 5}, id="custom-int"),
    pytest.param({"ContactItem": None}, id="contact-missing"),
    pytest.param({"ContactItem": {"Type": 2}}, id="group-without-id"),
])
def test_mark_contact_refuses_bad_input(users, pg, item):
    """A malformed MarkItem is 50002 and nothing is marked."""
    base = mark_item(c2c("bob"), 1, [0])
    body = {k: v for k, v in {**base, **item}.items() if v is not None}
    call_fail(users, MARK, {"From_Account": "alice", "MarkItem": [base, body]}, 50002)
    assert pg.sql("SELECT count(*) FROM conv_views WHERE marks <> 0")[0][0] == 0


def test_mark_contact_custom_mark_of_256_bytes(users):
    """CustomMark may be 256 bytes."""
    assert codes(mark(users, [mark_item(c2c("bob"), 2, custom="x" * 256)])["ResultItem"]) == [0]


@pytest.mark.parametrize("items", [None, [], {}], ids=["missing", "empty", "object"])
def test_mark_contact_needs_items(users, items):
    """MarkItem must be a non-empty array: 50002."""
    body = {"From_Account": "alice"}
    if items is not None:
        body["MarkItem"] = items
    call_fail(users, MARK, body, 50002)


def test_mark_contact_takes_at_most_100_items(users):
    """More than 100 MarkItem entries: 51006."""
    call_fail(users, MARK, {"From_Account": "alice",
                            "MarkItem": [mark_item(c2c("bob"), 1, [0])] * 101}, 51006)


@pytest.mark.parametrize("n, code", [(300, 0), (301, 51006)])
def test_search_contact_group_takes_at_most_300(users, n, code):
    """search_contact_group looks up to 300 conversations at once."""
    body = {"From_Account": "alice", "ContactItem": [c2c(f"u{i}") for i in range(n)]}
    if code:
        call_fail(users, SEARCH, body, code)
    else:
        assert call_ok(users, SEARCH, body)["ContactResultItem"] == []


@pytest.mark.parametrize("contacts", [None, [], [{"Type": 1}], [c2c("x" * 33)]],
                         ids=["missing", "empty", "no-to-account", "bad-user"])
def test_search_contact_group_refuses_bad_input(users, contacts):
    """ContactItem must be a non-empty array of contact items: 50002."""
    body = {"From_Account": "alice"}
    if contacts is not None:
        body["ContactItem"] = contacts
    call_fail(users, SEARCH, body, 50002)


def test_get_contact_group_lists_all_data_and_groups(users):
    """get_contact_group lists every conversation carrying data, and every group (also the
    empty ones)."""
    create_group(users, "empty")
    work = create_group(users, "work", [c2c("dave")])["GroupResultItem"][0]["GroupItem"]["GroupId"]
    mark(users, [mark_item(c2c("bob"), 1, [2])])
    answer = call_ok(users, GET_GROUPS, {"From_Account": "alice", "StartIndex": 0})
    assert sorted((c["To_Account"], c["StandardMark"], c["ContactGroupId"])
                  for c in answer["ContactItem"]) == [("bob", "100", []), ("dave", "0", [work])]
    assert [g["GroupName"] for g in answer["GroupItem"]] == ["empty", "work"]
    assert (answer["CompleteFlag"], answer["NextStartIndex"]) == (1, 0)


def test_get_contact_group_pages_by_100(rest):
    """150 marked conversations come as 100 (CompleteFlag 0, NextStartIndex 100) then 50."""
    peers = [f"p{i:03}" for i in range(150)]
    import_users(rest, "alice", *peers)
    fan_out(rest, "alice", peers)
    for i in range(0, 150, 100):
        mark(rest, [mark_item(c2c(p), 1, [0]) for p in peers[i:i + 100]])
    first = call_ok(rest, GET_GROUPS, {"From_Account": "alice", "StartIndex": 0})
    assert (len(first["ContactItem"]), first["CompleteFlag"], first["NextStartIndex"]) == \
        (100, 0, 100)
    second = call_ok(rest, GET_GROUPS, {"From_Account": "alice", "StartIndex": 100})
    assert (len(second["ContactItem"]), second["CompleteFlag"]) == (50, 1)
    assert sorted(c["To_Account"] for c in first["ContactItem"] + second["ContactItem"]) == peers


@pytest.mark.parametrize("start", [-1, "0", 1.5])
def test_get_contact_group_refuses_bad_startindex(users, start):
    """StartIndex must be a non-negative integer: 50002."""
    call_fail(users, GET_GROUPS, {"From_Account": "alice", "StartIndex": start}, 50002)


def test_marked_and_grouped_conversations_are_capped_at_1000(rest):
    """At most 1000 conversations carry group or mark data: one more is refused with 51008,
    by mark_contact and by update_contact_group alike; a conversation already carrying data
    can still change."""
    peers = [f"p{i:04}" for i in range(1002)]
    import_users(rest, "alice", *peers)
    fan_out(rest, "alice", peers)
    for i in range(0, 1000, 100):
        answer = mark(rest, [mark_item(c2c(p), 1, [0]) for p in peers[i:i + 100]])
        assert set(codes(answer["ResultItem"])) == {0}
    answer = mark(rest, [mark_item(c2c(peers[1000]), 2, custom="x"),
                         mark_item(c2c(peers[0]), 3, [1], custom="y")])
    assert codes(answer["ResultItem"]) == [51008, 0]
    create_group(rest, "g")
    answer = call_ok(rest, UPDATE, members([(1, c2c(peers[1001])), (1, c2c(peers[5]))], "g"))
    assert codes(answer["UpdateGroupResult"]["ContactResultItem"]) == [51008, 0]
