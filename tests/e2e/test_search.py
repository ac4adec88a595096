"""Server-side search (docs/protocol.md "Search"): searchCloudMessages / searchLocalMessages
find, for every device of a user, exactly the messages that user's history shows — by keyword
(Chinese substrings included, AND or OR), sender, element type, time and conversation, paged
by cursor; searchFriends, searchGroups and searchGroupMembers search the caller's own friends
and groups; chatd_search/message_search is the operators' door. Bad requests get a clear code."""

import itertools
import time

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd

BAD = 70402          # WebSocket: invalid parameter
REST_BAD = 70402     # chatd_search (chatd's own service, im_open_login_svc's spelling)
NOT_ADMIN = 60010
SNS_BAD = 30001
GROUP_BAD = 10004
SEARCH = "chatd_search/message_search"

_random = itertools.count(1)


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol", "dave")
    return rest


@pytest.fixture
def login(chatd, rest):
    return lambda user, platform="Web": WsClient.login_as(chatd.url, user, platform=platform)


def send(client, text, to=None, group=None):
    body = {"msgBody": text_body(text), "random": next(_random)}
    body.update({"groupID": group} if group else {"receiver": to})
    return client.call("sendMessage", body)


def search(client, cmd="searchCloudMessages", **param):
    return client.call(cmd, {"searchParam": param})


def found(answer):
    """The texts of a search answer's messages, in the answer's order."""
    return [m["msgBody"][0]["MsgContent"].get("Text", m["msgBody"][0]["MsgContent"].get("Data"))
            for item in answer["messageSearchResultItems"] for m in item["messageList"]]


def test_bob_finds_the_invoice_from_his_laptop(login):
    """bob sent "发票" from his phone; his laptop finds it with the two-character keyword, by
    both command names, grouped under the conversation with its count."""
    phone, laptop, alice = login("bob", "iPhone"), login("bob", "Mac"), login("alice")
    send(phone, "请把上个月的发票发给我", to="alice")
    send(phone, "no match here", to="alice")
    send(alice, "好的, 发票明天给你", to="bob")
    for cmd in ("searchCloudMessages", "searchLocalMessages"):
        answer = search(laptop, cmd, keywordList=["发票"])
        assert answer["totalCount"] == 1  # conversations, when searching them all
        assert answer["searchCursor"] == ""
        [item] = answer["messageSearchResultItems"]
        assert item["conversationID"] == "c2c_alice" and item["messageCount"] == 2
        assert found(answer) == ["好的, 发票明天给你", "请把上个月的发票发给我"]
        assert item["messageList"][1]["sender"] == "bob"


def test_keywords_are_case_insensitive_substrings_and_literal(login):
    """ASCII keywords match any case and inside words; %, _, quotes and backslashes are
    literal characters."""
    alice, bob = login("alice"), login("bob")
    send(alice, "Hello World", to="bob")
    send(alice, "100% sure", to="bob")
    send(alice, "1000 sure", to="bob")
    send(alice, 'say "hi" \\o/', to="bob")
    assert found(search(bob, keywordList=['"hi" \\o'])) == ['say "hi" \\o/']
    assert found(search(bob, keywordList=["hELLo"])) == ["Hello World"]
    assert found(search(bob, keywordList=["lo wor"])) == ["Hello World"]
    assert found(search(bob, keywordList=["0%"])) == ["100% sure"]
    assert found(search(bob, keywordList=["_"])) == []


def test_and_or(login):
    """keywordListMatchType 0 (default) wants any keyword, 1 every keyword."""
    alice, bob = login("alice"), login("bob")
    for t in ("red apple", "green apple", "red car"):
        send(alice, t, to="bob")
    assert found(search(bob, keywordList=["apple", "car"])) == ["red car", "green apple",
                                                                "red apple"]
    assert found(search(bob, keywordList=["red", "apple"], keywordListMatchType=1)) == [
        "red apple"]
    assert found(search(bob, keywordList=["red", "apple"], type=1)) == ["red apple"]


def test_senders_types_and_conversation(login):
    """senderUserIDList, messageTypeList and conversationID narrow the search; with one
    conversation totalCount counts messages."""
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    send(alice, "report from alice", to="bob")
    send(carol, "report from carol", to="bob")
    send(bob, "report from bob", to="carol")
    bob.call("sendMessage", {"receiver": "carol", "random": next(_random), "msgBody": [
        {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "custom report", "Desc": "d"}}]})
    assert found(search(bob, keywordList=["report"], senderUserIDList=["carol"])) == [
        "report from carol"]
    assert found(search(bob, keywordList=["report"], userIDList=["alice"])) == [
        "report from alice"]
    assert found(search(bob, keywordList=["report"], messageTypeList=[2])) == ["custom report"]
    assert found(search(bob, messageTypeList=[2])) == ["custom report"]
    one = search(bob, keywordList=["report"], conversationID="c2c_carol")
    assert one["totalCount"] == 3
    assert found(one) == ["custom report", "report from bob", "report from carol"]
    every = search(bob, keywordList=["report"])
    assert every["totalCount"] == 2
    assert {i["conversationID"]: i["messageCount"]
            for i in every["messageSearchResultItems"]} == {"c2c_carol": 3, "c2c_alice": 1}


def test_time_range(login, rest):
    """searchTimePosition/searchTimePeriod: the period reaching back from the position (0:
    now); messages imported with last month's time are found only in a range that covers it."""
    bob = login("bob")
    now = int(time.time())
    month_ago = now - 30 * 86400
    call_ok(rest, "openim/importmsg", {"SyncFromOldSystem": 2, "From_Account": "alice",
                                       "To_Account": "bob", "MsgRandom": 7,
                                       "MsgTimeStamp": month_ago,
                                       "MsgBody": text_body("old invoice 发票")})
    send(login("alice"), "new invoice 发票", to="bob")
    assert found(search(bob, keywordList=["发票"], searchTimePeriod=86400)) == [
        "new invoice 发票"]
    assert found(search(bob, keywordList=["发票"], searchTimePosition=now - 20 * 86400,
                        searchTimePeriod=20 * 86400)) == ["old invoice 发票"]
    assert found(search(bob, keywordList=["发票"], searchTimePosition=now - 20 * 86400)) == [
        "old invoice 发票"]
    assert len(found(search(bob, keywordList=["发票"]))) == 2


def test_paging_by_cursor_through_every_result(login):
    """pageSize 3 over 8 hits in two conversations: three pages, newest first, each hit once;
    the last page's searchCursor is empty."""
    alice, carol, bob = login("alice"), login("carol"), login("bob")
    sent = []
    for i in range(8):
        text = f"page item {i}"
        send(alice if i % 2 else carol, text, to="bob")
        sent.append(text)
    pages, cursor = [], ""
    while True:
        answer = search(bob, keywordList=["item"], pageSize=3, searchCursor=cursor)
        assert answer["totalCount"] == 2
        pages.append(found(answer))
        cursor = answer["searchCursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [3, 3, 2]
    assert sorted(sum(pages, [])) == sorted(sent)


@pytest.fixture
def c2c(login):
    """alice wrote bob three messages with "secret"; returns alice, bob and the answers."""
    alice, bob = login("alice"), login("bob")
    sent = [send(alice, f"secret {i}", to="bob") for i in range(3)]
    return alice, bob, sent


def test_deleted_conversation_is_not_searched(c2c):
    """After bob deletes the conversation, none of its messages are found for him; alice still
    finds them; a new message is found."""
    alice, bob, _ = c2c
    bob.call("deleteConversation", {"conversationID": "c2c_alice"})
    assert found(search(bob, keywordList=["secret"])) == []
    assert len(found(search(alice, keywordList=["secret"]))) == 3
    send(alice, "secret 3", to="bob")
    assert found(search(bob, keywordList=["secret"])) == ["secret 3"]


def test_cleared_history_is_not_searched(c2c):
    """clearC2CHistoryMessage hides the old messages from bob's searches."""
    _, bob, _ = c2c
    bob.call("clearC2CHistoryMessage", {"userID": "alice"})
    assert found(search(bob, keywordList=["secret"])) == []


def test_deleted_for_self_is_not_searched(c2c):
    """A message bob deleted for himself is gone from his searches only."""
    alice, bob, sent = c2c
    bob.call("deleteMessages", {"msgIDList": [sent[1]["msgID"]]})
    assert found(search(bob, keywordList=["secret"])) == ["secret 2", "secret 0"]
    assert len(found(search(alice, keywordList=["secret"]))) == 3


def test_recalled_is_not_searched(c2c):
    """A recalled message is found by nobody, not even by sender or type."""
    alice, bob, sent = c2c
    alice.call("revokeMessage", {"msgID": sent[0]["msgID"]})
    assert found(search(bob, keywordList=["secret"])) == ["secret 2", "secret 1"]
    assert found(search(bob, senderUserIDList=["alice"])) == ["secret 2", "secret 1"]


def test_modified_message_is_searched_by_its_new_text(c2c):
    """After modifyMessage, the new text is found and the old one is not."""
    alice, bob, sent = c2c
    alice.call("modifyMessage", {"msgID": sent[2]["msgID"], "msgBody": text_body("renamed 改过")})
    assert found(search(bob, keywordList=["改过"])) == ["renamed 改过"]
    assert found(search(bob, keywordList=["secret"])) == ["secret 1", "secret 0"]


def test_other_peoples_conversations_are_not_searched(c2c, login):
    """carol finds nothing of alice and bob's conversation, even naming it."""
    carol = login("carol")
    assert found(search(carol, keywordList=["secret"])) == []
    assert found(search(carol, keywordList=["secret"], conversationID="c2c_alice")) == []


def create_group(owner, kind, members=()):
    return owner.call("createGroup", {"groupType": kind, "groupName": "g", "memberList": [
        {"userID": m} for m in members]})["groupID"]


@pytest.mark.parametrize("kind, sees_old", [("Public", False), ("Meeting", True)])
def test_group_history_before_joining(login, rest, kind, sees_old):
    """A member who joined later finds the older group messages only where the group type
    shows history from before joining (Meeting yes, Public no)."""
    alice, bob = login("alice"), login("bob")
    gid = create_group(alice, kind)
    send(alice, "before bob", group=gid)
    call_ok(rest, "group_open_http_svc/add_group_member", {"GroupId": gid, "MemberList": [
        {"Member_Account": "bob"}]})
    send(alice, "after bob", group=gid)
    expected = ["after bob", "before bob"] if sees_old else ["after bob"]
    assert found(search(bob, keywordList=["bob"])) == expected
    assert found(search(bob, keywordList=["bob"], conversationID=f"group_{gid}")) == expected


def test_group_left_is_not_searched(login):
    """After bob quits the group, its messages are no longer found for him."""
    alice, bob = login("alice"), login("bob")
    gid = create_group(alice, "Public", ["bob"])
    send(alice, "group secret", group=gid)
    assert found(search(bob, keywordList=["group secret"])) == ["group secret"]
    bob.call("quitGroup", {"groupID": gid})
    assert found(search(bob, keywordList=["group secret"])) == []
    assert found(search(alice, keywordList=["group secret"])) == ["group secret"]


def test_searches_other_elements(login):
    """Custom data and description, file names, location descriptions and merged messages'
    titles and abstracts are searchable; image URLs are not."""
    alice, bob = login("alice"), login("bob")
    bodies = [
        [{"MsgType": "TIMCustomElem", "MsgContent": {"Data": "x", "Desc": "订单 desc"}}],
        [{"MsgType": "TIMFileElem", "MsgContent": {"UUID": "u", "FileSize": 1,
                                                    "FileName": "报告.pdf"}}],
        [{"MsgType": "TIMLocationElem", "MsgContent": {"Desc": "深圳 office", "Latitude": 1,
                                                        "Longitude": 2}}],
    ]
    for body in bodies:
        alice.call("sendMessage", {"receiver": "bob", "random": next(_random), "msgBody": body})
    assert len(found(search(bob, keywordList=["订单"]))) == 1
    assert len(found(search(bob, keywordList=["报告"]))) == 1
    assert len(found(search(bob, keywordList=["深圳"]))) == 1


# ---- friends, groups, members ----

def test_search_friends(login, rest):
    """searchFriends looks at the caller's friends only: by UserID, nick or remark, each switch
    turning its field off."""
    call_ok(rest, "profile/portrait_set", {"From_Account": "carol", "ProfileItem": [
        {"Tag": "Tag_Profile_IM_Nick", "Value": "Caroline"}]})
    call_ok(rest, "sns/friend_add", {"From_Account": "bob", "AddFriendItem": [
        {"To_Account": "carol", "Remark": "neighbour", "AddSource": "AddSource_Type_test"},
        {"To_Account": "alice", "AddSource": "AddSource_Type_test"}], "ForceAddFlags": 1})
    bob = login("bob")

    def users(**param):
        return [r["friendInfo"]["userID"] for r in bob.call("searchFriends",
                                                            {"searchParam": param})]

    assert users(keywordList=["CAROLINE"]) == ["carol"]
    assert users(keywordList=["neigh"]) == ["carol"]
    assert users(keywordList=["ali", "neigh"]) == ["alice", "carol"]
    assert users(keywordList=["neigh"], isSearchRemark=False) == []
    assert users(keywordList=["caroline"], isSearchNickName=False) == []
    assert users(keywordList=["dave"]) == []
    [result] = bob.call("searchFriends", {"searchParam": {"keywordList": ["carol"]}})
    assert result["resultCode"] == 0 and result["friendInfo"]["friendRemark"] == "neighbour"


def test_search_groups_and_members(login):
    """searchGroups finds the caller's groups by ID or name; searchGroupMembers their members by
    UserID or name card, grouped by group."""
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    mine = alice.call("createGroup", {"groupType": "Public", "groupName": "Invoices team",
                                      "memberList": [{"userID": "bob"}]})["groupID"]
    create_group(carol, "Public")  # not bob's
    carol.call("createGroup", {"groupType": "Public", "groupName": "invoices elsewhere"})
    names = [g["groupName"] for g in bob.call("searchGroups", {"searchParam": {
        "keywordList": ["invoice"]}})]
    assert names == ["Invoices team"]
    assert bob.call("searchGroups", {"searchParam": {"keywordList": ["invoice"],
                                                     "isSearchGroupName": False}}) == []
    assert [g["groupID"] for g in bob.call("searchGroups", {"searchParam": {
        "keywordList": [mine]}})] == [mine]
    alice.call("setGroupMemberInfo", {"groupID": mine, "userID": "bob", "nameCard": "Bobby"})
    members = bob.call("searchGroupMembers", {"searchParam": {"keywordList": ["bobby", "ali"]}})
    assert {g: [m["userID"] for m in ms] for g, ms in members.items()} == {
        mine: ["alice", "bob"]}
    assert bob.call("searchGroupMembers", {"searchParam": {
        "keywordList": ["bobby"], "isSearchMemberNameCard": False}}) == {}
    assert bob.call("searchGroupMembers", {"searchParam": {
        "keywordList": ["carol"]}}) == {}


# ---- the REST door ----

def test_rest_searches_the_app_or_one_user(login, rest):
    """Without Account the operators' search sees every message of the app; with Account what
    that user sees; paging by Cursor."""
    alice, bob = login("alice"), login("bob")
    send(alice, "audit one", to="bob")
    send(bob, "audit two", to="carol")
    gid = create_group(alice, "Public", ["bob"])
    send(alice, "audit three", group=gid)
    bob.call("deleteConversation", {"conversationID": "c2c_alice"})
    answer = call_ok(rest, SEARCH, {"KeywordList": ["AUDIT"]})
    assert answer["TotalCount"] == 3 and answer["ConversationCount"] == 3
    texts = [m["MsgBody"][0]["MsgContent"]["Text"] for m in answer["MsgList"]]
    assert sorted(texts) == ["audit one", "audit three", "audit two"]
    [group_msg] = [m for m in answer["MsgList"] if "GroupId" in m]
    assert group_msg["GroupId"] == gid and group_msg["From_Account"] == "alice"
    as_bob = call_ok(rest, SEARCH, {"KeywordList": ["audit"], "Account": "bob"})
    assert sorted(m["MsgBody"][0]["MsgContent"]["Text"] for m in as_bob["MsgList"]) == [
        "audit three", "audit two"]
    page = call_ok(rest, SEARCH, {"KeywordList": ["audit"], "PageSize": 2})
    assert len(page["MsgList"]) == 2 and page["Cursor"]
    rest_page = call_ok(rest, SEARCH, {"KeywordList": ["audit"], "PageSize": 2,
                                       "Cursor": page["Cursor"]})
    assert len(rest_page["MsgList"]) == 1 and rest_page["Cursor"] == ""
    only = call_ok(rest, SEARCH, {"KeywordList": ["audit"], "ConversationID": f"group_{gid}"})
    assert [m["MsgBody"][0]["MsgContent"]["Text"] for m in only["MsgList"]] == ["audit three"]
    assert call_ok(rest, SEARCH, {"SenderList": ["bob"]})["TotalCount"] == 1


def test_rest_needs_an_admin(chatd, rest):
    """A caller that is not an app administrator gets 60010."""
    call_fail(chatd.rest(admin="alice"), SEARCH, {"KeywordList": ["x"]}, NOT_ADMIN)


# ---- bad input ----

@pytest.mark.parametrize("param", [
    {},
    {"keywordList": []},
    {"keywordList": ["a"] * 6},
    {"keywordList": [""]},
    {"keywordList": ["x" * 129]},
    {"keywordList": "abc"},
    {"keywordList": [3]},
    {"keywordList": ["a"], "pageSize": 0},
    {"keywordList": ["a"], "pageSize": 101},
    {"keywordList": ["a"], "pageSize": "x"},
    {"keywordList": ["a"], "searchCursor": "nonsense"},
    {"keywordList": ["a"], "searchCursor": "1:0:c:x"},
    {"keywordList": ["a"], "conversationID": "bogus"},
    {"keywordList": ["a"], "conversationID": "c2c_"},
    {"keywordList": ["a"], "keywordListMatchType": 2},
    {"keywordList": ["a"], "messageTypeList": [11]},
    {"keywordList": ["a"], "senderUserIDList": "bob"},
    {"keywordList": ["a"], "searchTimePeriod": -1},
])
def test_bad_message_searches(login, param):
    """An empty search, too many or bad keywords, a pageSize out of 1..100, a bad cursor or
    conversationID, or a malformed filter is 70402."""
    login("bob").fail("searchCloudMessages", {"searchParam": param}, BAD)


@pytest.mark.parametrize("cmd, param, code", [
    ("searchFriends", {}, SNS_BAD),
    ("searchFriends", {"keywordList": ["a"] * 6}, SNS_BAD),
    ("searchFriends", {"keywordList": ["a"], "isSearchUserID": 1}, SNS_BAD),
    ("searchGroups", {"keywordList": []}, GROUP_BAD),
    ("searchGroups", {"keywordList": ["a"], "isSearchGroupName": "no"}, GROUP_BAD),
    ("searchGroupMembers", {}, GROUP_BAD),
    ("searchGroupMembers", {"keywordList": ["a"], "groupIDList": "g"}, GROUP_BAD),
    ("searchGroupMembers", {"keywordList": ["a"], "groupIDList": [""]}, GROUP_BAD),
])
def test_bad_people_searches(login, cmd, param, code):
    """searchFriends, searchGroups and searchGroupMembers refuse an empty keyword list, too
    many keywords and malformed switches or group lists with their area's code."""
    login("bob").fail(cmd, {"searchParam": param}, code)


@pytest.mark.parametrize("body", [
    {},
    {"KeywordList": ["a"] * 6},
    {"KeywordList": ["a"], "PageSize": 1000},
    {"KeywordList": ["a"], "Cursor": "x"},
    {"KeywordList": ["a"], "ConversationID": "c2c_bob"},
    {"KeywordList": ["a"], "Account": 5},
    {"KeywordList": ["a"], "MsgTypeList": ["TIMNoSuchElem"]},
    {"KeywordList": ["a"], "MinTime": 10, "MaxTime": 5},
])
def test_bad_rest_searches(rest, body):
    """The REST door's bad inputs are 70402 (a c2c ConversationID needs an Account)."""
    call_fail(rest, SEARCH, body, REST_BAD)
