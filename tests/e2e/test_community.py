"""Community groups with topics (docs/protocol.md "Community topics", docs/rest-api.md): a topic
is a message stream of its own — its own sequence, unread count, conversation
(`group_<topicID>`), history and read position — whose members are the community's; the owner
and admins manage topics through both doors, members hear onTopicCreated/Deleted/Changed, and
bad requests change nothing."""

import pytest

from expect import call_fail, call_ok
from util import OK, check_query, wait_until
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd

USERS = ["alice", "bob", "carol", "dave"]
M = "million_group_open_http_svc/"
G = "group_open_http_svc/"


@pytest.fixture
def people(chatd):
    import_users(chatd.rest(), *USERS)
    return {u: WsClient.login_as(chatd.url, u) for u in USERS}


_n = [0]


def community(alice, members=("bob", "carol"), topics=True, group_type="Community"):
    """A new Community owned by alice (bob, carol members); its ID."""
    _n[0] += 1
    body = {"groupType": group_type, "groupName": f"c{_n[0]}", "isSupportTopic": topics,
            "memberList": [{"userID": m, "role": 200} for m in members]}
    if not topics:
        body.pop("isSupportTopic")
    return alice.call("createGroup", body)["groupID"]


def topic(client, gid, name="general", **info):
    return client.call("createTopicInCommunity",
                       {"groupID": gid, "topicInfo": {"topicName": name, **info}})["topicID"]


def topics_of(client, gid, ids=None):
    body = {"groupID": gid}
    if ids is not None:
        body["topicIDList"] = ids
    return client.call("getTopicInfoList", body)["resultList"]


def send(client, conv, text):
    return client.call("sendMessage", {"groupID": conv, "msgBody": text_body(text)})


def unread(client, gid):
    return {r["topicInfo"]["topicID"]: r["topicInfo"]["unreadCount"]
            for r in topics_of(client, gid)}


def stored_topics(pg):
    return pg.sql("SELECT count(*) FROM group_topics")[0][0]


# ---- topics over WebSocket ----------------------------------------------------------------------

def test_create_topics_and_events(people):
    """The owner creates topics (IDs <GroupId>@TOPIC#_…); members hear onTopicCreated and list
    them oldest first; getJoinedCommunityList shows the community with isSupportTopic."""
    alice, bob = people["alice"], people["bob"]
    gid = community(alice)
    assert gid.startswith("@TGS#_")
    t1 = topic(alice, gid, "general")
    ev = bob.wait_event("onTopicCreated")
    assert ev == {"groupID": gid, "topicID": t1}
    assert t1.startswith(gid + "@TOPIC#_@TOPIC#")
    t2 = topic(alice, gid, "news", topicID="news", introduction="i", notification="n",
               customString="x" * 3000, topicFaceUrl="http://f")
    assert t2 == gid + "@TOPIC#_news"
    got = topics_of(bob, gid)
    assert [r["topicInfo"]["topicID"] for r in got] == [t1, t2]
    info = got[1]["topicInfo"]
    assert (info["topicName"], info["introduction"], info["notification"], info["topicFaceUrl"],
            info["customString"], info["isAllMute"], info["unreadCount"]) == (
        "news", "i", "n", "http://f", "x" * 3000, False, 0)
    # by ID, an unknown one answered per item
    (a, b) = topics_of(bob, gid, [t2, gid + "@TOPIC#_nope"])
    assert a["errorCode"] == 0 and a["topicInfo"]["topicID"] == t2
    assert b["errorCode"] == 10010 and b["topicInfo"] == {"topicID": gid + "@TOPIC#_nope"}
    groups = bob.call("getJoinedCommunityList", {})["groupList"]
    assert [g["groupID"] for g in groups if g["groupID"] == gid] == [gid]
    assert all(g["groupType"] == "Community" for g in groups)
    assert [g["isSupportTopic"] for g in groups if g["groupID"] == gid] == [True]


def test_three_topics_have_separate_unread_counts(people):
    """Three topics: each numbers its messages from 1, counts its own unread, has its own
    conversation group_<topicID> and history, and reading one leaves the others unread."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = community(alice)
    ts = [topic(alice, gid, n) for n in ("one", "two", "three")]
    for i, t in enumerate(ts):
        seqs = [send(carol, t, f"{t[-5:]}-{k}")["seq"] for k in range(i + 1)]
        assert seqs == list(range(1, i + 2))
    assert unread(bob, gid) == {ts[0]: 1, ts[1]: 2, ts[2]: 3}
    assert unread(carol, gid) == {ts[0]: 0, ts[1]: 0, ts[2]: 0}
    conv = bob.call("getConversation", {"conversationID": "group_" + ts[2]})["conversation"]
    assert conv["unreadCount"] == 3 and conv["groupID"] == ts[2] and conv["showName"] == "three"
    assert conv["lastMessage"]["msgBody"][0]["MsgContent"]["Text"].endswith("-2")
    hist = bob.call("getHistoryMessageList", {"conversationID": "group_" + ts[1]})["messageList"]
    assert [m["seq"] for m in hist] == [2, 1]
    assert all(m["groupID"] == ts[1] for m in hist)
    # the community's own conversation is untouched
    assert bob.call("getConversation", {"conversationID": "group_" + gid})["conversation"][
        "unreadCount"] == 0
    bob.call("cleanConversationUnreadMessageCount", {"conversationID": "group_" + ts[1]})
    assert unread(bob, gid) == {ts[0]: 1, ts[1]: 0, ts[2]: 3}
    # topic messages reach the members online
    got = wait_until(lambda: [m for m in bob.messages() if m["groupID"] == ts[0]] or None)
    assert got[0]["sender"] == "carol"


def test_members_come_and_go_with_the_community(people, pg):
    """A newcomer gets every topic (history before joining hidden); a removed member loses the
    topics' conversations and may no longer send to them; a non-member cannot send."""
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    gid = community(alice, members=("bob",))
    t = topic(alice, gid, "t")
    send(bob, t, "before")
    assert dave.fail("sendMessage", {"groupID": t, "msgBody": text_body("x")}, 10007)
    dave.call("joinGroup", {"groupID": gid})
    assert unread(dave, gid) == {t: 0}
    send(bob, t, "after")
    assert unread(dave, gid) == {t: 1}
    hist = dave.call("getHistoryMessageList", {"conversationID": "group_" + t})["messageList"]
    assert [m["msgBody"][0]["MsgContent"]["Text"] for m in hist] == ["after"]
    alice.call("kickGroupMember", {"groupID": gid, "memberList": ["dave"]})
    assert pg.sql("SELECT count(*) FROM conv_views WHERE user_id = 'dave' AND conv_key = %s",
                  ("g:" + t,))[0][0] == 0
    dave.fail("sendMessage", {"groupID": t, "msgBody": text_body("x")}, 10007)


def test_change_and_delete_topics(people, pg):
    """setTopicInfo pushes onTopicChanged; deleteTopicFromCommunity answers per topic, pushes
    onTopicDeleted and removes the topic's messages and views."""
    alice, bob = people["alice"], people["bob"]
    gid = community(alice)
    t = topic(alice, gid, "old")
    send(bob, t, "m")
    alice.call("setTopicInfo", {"topicInfo": {"topicID": t, "topicName": "new",
                                              "isAllMute": True}})
    ev = bob.wait_event("onTopicChanged")
    assert ev["groupID"] == gid and ev["topicInfo"]["topicName"] == "new"
    assert ev["topicInfo"]["isAllMute"] is True
    # muted topic: plain members cannot send, the owner can
    bob.fail("sendMessage", {"groupID": t, "msgBody": text_body("x")}, 10017)
    send(alice, t, "owner")
    res = alice.call("deleteTopicFromCommunity",
                     {"groupID": gid, "topicIDList": [t, gid + "@TOPIC#_ghost"]})["resultList"]
    assert [(r["topicID"], r["errorCode"]) for r in res] == [(t, 0), (gid + "@TOPIC#_ghost", 10010)]
    ev = bob.wait_event("onTopicDeleted")
    assert ev == {"groupID": gid, "topicIDList": [t]}
    assert topics_of(bob, gid) == []
    assert pg.sql("SELECT count(*) FROM messages WHERE conv_key = %s", ("g:" + t,))[0][0] == 0
    assert pg.sql("SELECT count(*) FROM conv_views WHERE conv_key = %s", ("g:" + t,))[0][0] == 0


def test_recall_in_a_topic(people):
    """Recall works in a topic as in a group: the sender recalls its own message, an admin of
    the community anyone's, a plain member not another's (10007)."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = community(alice)
    t = topic(alice, gid, "r")
    own = send(bob, t, "mine")["msgID"]
    other = send(carol, t, "carol's")["msgID"]
    bob.call("revokeMessage", {"msgID": own})
    bob.fail("revokeMessage", {"msgID": other}, 10007)
    alice.call("revokeMessage", {"msgID": other})
    hist = bob.call("getHistoryMessageList", {"conversationID": "group_" + t})["messageList"]
    assert [m.get("isRevoked") for m in hist] == [True, True]


def test_topic_conversations_behave_like_group_ones(people):
    """A topic's conversation can be pinned and its messages take reactions, as a group's do;
    someone outside the community finds no such message (20022)."""
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    gid = community(alice)
    t = topic(alice, gid, "pins")
    msg = send(alice, t, "react to me")["msgID"]
    bob.call("pinConversation", {"conversationID": "group_" + t, "isPinned": True})
    conv = bob.call("getConversation", {"conversationID": "group_" + t})["conversation"]
    assert conv["isPinned"] is True
    bob.call("addMessageReaction", {"msgID": msg, "reactionID": "like"})
    dave.fail("addMessageReaction", {"msgID": msg, "reactionID": "like"}, 20022)


def test_dismissing_the_community_removes_its_topics(people, pg):
    alice, bob = people["alice"], people["bob"]
    gid = community(alice)
    t = topic(alice, gid, "t")
    send(bob, t, "m")
    alice.call("dismissGroup", {"groupID": gid})
    assert pg.sql("SELECT count(*) FROM group_topics WHERE group_id = %s", (gid,))[0][0] == 0
    assert pg.sql("SELECT count(*) FROM messages WHERE conv_key = %s", ("g:" + t,))[0][0] == 0
    assert pg.sql("SELECT count(*) FROM conv_views WHERE conv_key = %s", ("g:" + t,))[0][0] == 0


# ---- bad requests -------------------------------------------------------------------------------

@pytest.mark.parametrize("case,code", [
    ("public_group", 10007),
    ("no_support_topic", 10007),
    ("plain_member", 10007),
    ("non_member", 10007),
    ("long_name", 10004),
    ("no_name", 10004),
    ("long_custom_string", 10004),
    ("bad_custom_id", 10015),
    ("taken_id", 10021),
    ("unknown_group", 10010),
])
def test_bad_topic_creation_stores_nothing(people, pg, case, code):
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    gid = community(alice)
    topic(alice, gid, "taken", topicID="taken")
    body = {"groupID": gid, "topicInfo": {"topicName": "t"}}
    who = alice
    if case == "public_group":
        body["groupID"] = alice.call("createGroup", {"groupType": "Public",
                                                     "groupName": "p"})["groupID"]
    elif case == "no_support_topic":
        body["groupID"] = community(alice, topics=False)
    elif case == "plain_member":
        who = bob
    elif case == "non_member":
        who = dave
    elif case == "long_name":
        body["topicInfo"]["topicName"] = "n" * 31
    elif case == "no_name":
        body["topicInfo"] = {"introduction": "x"}
    elif case == "long_custom_string":
        body["topicInfo"]["customString"] = "x" * 3001
    elif case == "bad_custom_id":
        body["topicInfo"]["topicID"] = "@TGS#_x"
    elif case == "taken_id":
        body["topicInfo"]["topicID"] = "taken"
    elif case == "unknown_group":
        body["groupID"] = "@TGS#_nothing"
    before = stored_topics(pg)
    who.fail("createTopicInCommunity", body, code)
    assert stored_topics(pg) == before


def test_support_topic_only_for_communities(people):
    people["alice"].fail("createGroup", {"groupType": "Public", "groupName": "p",
                                         "isSupportTopic": True}, 10004)


def test_bad_changes_change_nothing(people, pg):
    alice, bob = people["alice"], people["bob"]
    gid = community(alice)
    t = topic(alice, gid, "keep")
    bob.fail("setTopicInfo", {"topicInfo": {"topicID": t, "topicName": "x"}}, 10007)
    bob.fail("deleteTopicFromCommunity", {"groupID": gid, "topicIDList": [t]}, 10007)
    alice.fail("setTopicInfo", {"topicInfo": {"topicID": gid + "@TOPIC#_ghost",
                                              "topicName": "x"}}, 10010)
    alice.fail("setTopicInfo", {"topicInfo": {"topicID": "not-a-topic", "topicName": "x"}},
               10010)
    alice.fail("setTopicInfo", {"topicInfo": {"topicID": t, "topicName": "x" * 31}}, 10004)
    alice.fail("setTopicInfo", {"topicInfo": {"topicID": t}}, 10004)
    alice.fail("deleteTopicFromCommunity", {"groupID": gid, "topicIDList": []}, 10004)
    people["dave"].fail("getTopicInfoList", {"groupID": gid}, 10007)
    assert pg.sql("SELECT name FROM group_topics WHERE topic_id = %s", (t,)) == [("keep",)]
    send(alice, t, "still here")
    bob.fail("sendMessage", {"groupID": gid + "@TOPIC#_ghost", "msgBody": text_body("x")}, 10010)


# ---- REST ---------------------------------------------------------------------------------------

def test_rest_topics(people, chatd, pg):
    """create_topic, get_topic, modify_topic, send_group_msg with TopicId, destroy_topic and
    import_topic, with Tencent's field names; members hear the same events."""
    rest, bob = chatd.rest(), people["bob"]
    gid = "@TGS#_rest" + str(_n[0])
    _n[0] += 1
    call_ok(rest, G + "create_group", {"Owner_Account": "alice", "Type": "Community",
                                       "GroupId": gid, "Name": "r", "SupportTopic": 1,
                                       "MemberList": [{"Member_Account": "bob"}]})
    t = call_ok(rest, M + "create_topic", {"GroupId": gid, "TopicName": "r1",
                                           "From_Account": "alice", "CustomString": "c"})["TopicId"]
    assert bob.wait_event("onTopicCreated")["topicID"] == t
    sent = call_ok(rest, G + "send_group_msg", {"GroupId": gid, "TopicId": t, "Random": 1,
                                                "From_Account": "alice",
                                                "MsgBody": text_body("rest")})
    assert sent["MsgSeq"] == 1
    hist = call_ok(rest, G + "group_msg_get_simple", {"GroupId": gid, "TopicId": t,
                                                      "ReqMsgNumber": 5})
    assert [m["MsgSeq"] for m in hist["RspMsgList"]] == [1]
    assert call_ok(rest, G + "group_msg_get_simple", {"GroupId": gid, "ReqMsgNumber": 5})[
        "RspMsgList"] == []
    call_ok(rest, "openim/modify_group_msg", {"GroupId": gid, "TopicId": t, "MsgSeq": 1,
                                              "MsgBody": text_body("edited")})
    (edited,) = call_ok(rest, G + "group_msg_get_simple", {"GroupId": gid, "TopicId": t,
                                                          "ReqMsgNumber": 1})["RspMsgList"]
    assert edited["MsgBody"][0]["MsgContent"]["Text"] == "edited"
    ret = call_ok(rest, G + "group_msg_recall", {"GroupId": gid, "TopicId": t,
                                                 "MsgSeqList": [{"MsgSeq": 1}]})
    assert ret["RecallRetList"] == [{"MsgSeq": 1, "RetCode": 0}]
    call_fail(rest, G + "group_msg_recall", {"GroupId": gid, "TopicId": "x@TOPIC#_y",
                                             "MsgSeqList": [{"MsgSeq": 1}]}, 10010)
    imported = call_ok(rest, G + "import_group_msg", {"GroupId": gid, "TopicId": t, "MsgList": [
        {"From_Account": "alice", "SendTime": 1700000000, "Random": 7,
         "MsgBody": text_body("old")}]})
    assert [r["MsgSeq"] for r in imported["ImportMsgResult"]] == [2]
    got = call_ok(rest, M + "get_topic", {"GroupId": gid, "From_Account": "bob"})
    (item,) = got["TopicAndSelfInfo"]
    info = item["TopicInfo"]
    assert (item["ErrorCode"], info["TopicId"], info["GroupID"], info["TopicName"],
            info["CustomString"], info["NextMsgSeq"], info["ShutUpAllFlag"]) == (
        0, t, gid, "r1", "c", 3, 0)
    assert item["SelfInfo"]["MsgSeq"] == 0 and item["SelfInfo"]["MsgFlag"] == "AcceptAndNotify"
    assert unread(bob, gid) == {t: 2}  # the sent (recalled) and the imported message
    call_ok(rest, M + "modify_topic", {"GroupId": gid, "TopicId": t, "TopicName": "r2",
                                       "MuteAllMember": "On"})
    assert bob.wait_event("onTopicChanged")["topicInfo"]["topicName"] == "r2"
    (item,) = call_ok(rest, M + "get_topic", {"GroupId": gid, "TopicIdList": [t]})[
        "TopicAndSelfInfo"]
    assert item["TopicInfo"]["ShutUpAllFlag"] == 1 and item["SelfInfo"] == {}
    imported = call_ok(rest, G + "import_topic", {"Type": "Community", "GroupId": gid,
                                                  "TopicId": "old", "TopicName": "old",
                                                  "CreateTime": 1500000000})["TopicId"]
    assert imported == gid + "@TOPIC#_old"
    assert pg.sql("SELECT create_time FROM group_topics WHERE topic_id = %s",
                  (imported,)) == [(1500000000,)]
    res = call_ok(rest, M + "destroy_topic", {"GroupId": gid, "TopicIdList": [t, "ghost"]})
    assert res["DestroyResultItem"] == [
        {"ErrorCode": 0, "ErrorInfo": "", "TopicId": t},
        {"ErrorCode": 10010, "ErrorInfo": res["DestroyResultItem"][1]["ErrorInfo"],
         "TopicId": "ghost"}]
    assert bob.wait_event("onTopicDeleted")["topicIDList"] == [t]


@pytest.mark.parametrize("api,body,code", [
    (M + "create_topic", {"TopicName": "x"}, 10004),
    (M + "create_topic", {"GroupId": "pub", "TopicName": "x"}, 10007),
    (M + "create_topic", {"GroupId": "@TGS#_restbad", "TopicName": "x" * 31}, 10004),
    (M + "create_topic", {"GroupId": "@TGS#_restbad", "TopicName": "x", "From_Account": 5},
     10004),
    (M + "create_topic", {"GroupId": "@TGS#_restbad", "TopicName": "x",
                          "TopicId": "x@TGS#_y"}, 10015),
    (M + "create_topic", {"GroupId": "@TGS#_restbad", "TopicName": "x",
                          "TopicId": "a" * 97}, 10004),
    (M + "create_topic", {"GroupId": "@TGS#_none", "TopicName": "x"}, 10010),
    (M + "modify_topic", {"GroupId": "@TGS#_restbad", "TopicId": "@TGS#_restbad@TOPIC#_no",
                          "TopicName": "x"}, 10010),
    (M + "modify_topic", {"GroupId": "@TGS#_restbad", "TopicName": "x"}, 10010),
    (M + "destroy_topic", {"GroupId": "@TGS#_restbad"}, 10004),
    (M + "get_topic", {"GroupId": "pub"}, 10007),
    (G + "import_topic", {"Type": "Public", "GroupId": "@TGS#_restbad", "TopicName": "x"}, 10007),
    (G + "send_group_msg", {"GroupId": "@TGS#_restbad", "TopicId": "pub@TOPIC#_x", "Random": 1,
                            "MsgBody": text_body("x")}, 10010),
])
def test_rest_bad_requests(people, chatd, pg, api, body, code):
    rest = chatd.rest()
    for gid, kind, extra in (("pub", "Public", {}), ("@TGS#_restbad", "Community",
                                                     {"SupportTopic": 1})):
        rest.call(G + "create_group", {"Owner_Account": "alice", "Type": kind, "GroupId": gid,
                                       "Name": "b", **extra})
    before = stored_topics(pg)
    call_fail(rest, api, body, code)
    assert stored_topics(pg) == before


# ---- webhooks -----------------------------------------------------------------------------------

def test_topic_callbacks(hooked, receiver, ws):
    """Group.CallbackAfterCreateTopic, …AfterTopicInfoChanged and …AfterTopicDestroyed, each
    written with the change; a topic message's Group.CallbackAfterSendMsg names the community
    as GroupId and the topic as TopicId."""
    chatd = hooked()
    alice = ws(chatd, "alice", platform="Android")
    gid = community(alice)
    t = topic(alice, gid, "hooked", customString="cs")
    (call,) = receiver.wait("Group.CallbackAfterCreateTopic")
    check_query(call, "Group.CallbackAfterCreateTopic", "Android")
    b = call["body"]
    assert (b["GroupId"], b["TopicId"], b["TopicName"], b["Operator_Account"], b["Type"],
            b["CustomString"]) == (gid, t, "hooked", "alice", "Community", "cs")
    send(alice, t, "hi")
    (call,) = receiver.wait("Group.CallbackAfterSendMsg")
    assert (call["body"]["GroupId"], call["body"]["TopicId"], call["body"]["MsgSeq"]) == (gid, t, 1)
    alice.call("setTopicInfo", {"topicInfo": {"topicID": t, "notification": "n"}})
    (call,) = receiver.wait("Group.CallbackAfterTopicInfoChanged")
    b = call["body"]
    assert (b["GroupId"], b["TopicId"], b["Notification"]) == (gid, t, "n")
    assert "TopicName" not in b
    alice.call("deleteTopicFromCommunity", {"groupID": gid, "topicIDList": [t]})
    (call,) = receiver.wait("Group.CallbackAfterTopicDestroyed")
    b = call["body"]
    assert (b["GroupId"], b["TopicId"], b["Operator_Account"]) == (gid, t, "alice")


# ---- large communities --------------------------------------------------------------------------

def test_member_list_pages_by_key(people, chatd, pg):
    """get_group_member_info with Next pages a Community by key: every member once, owner and
    admins first, MemberNum from the group row (kept by the membership triggers), "" after the
    last page; a malformed Next is 10004."""
    rest = chatd.rest()
    users = [f"m{i:03d}" for i in range(250)]
    for k in range(0, len(users), 100):
        call_ok(rest, "im_open_login_svc/multiaccount_import", {"Accounts": users[k:k + 100]})
    gid = "@TGS#_big"
    call_ok(rest, G + "create_group", {"Owner_Account": "alice", "Type": "Community",
                                       "GroupId": gid, "Name": "big",
                                       "MemberList": [{"Member_Account": "bob", "Role": "Admin"}]})
    call_ok(rest, G + "add_group_member",
            {"GroupId": gid, "MemberList": [{"Member_Account": u} for u in users]})
    call_ok(rest, G + "delete_group_member", {"GroupId": gid, "MemberToDel_Account": ["m007"]})
    assert pg.sql("SELECT member_count FROM groups WHERE group_id = %s", (gid,)) == [(251,)]
    seen, nxt, pages = [], "", 0
    while True:
        page = call_ok(rest, G + "get_group_member_info",
                       {"GroupId": gid, "Limit": 100, "Next": nxt})
        assert page["MemberNum"] == 251
        seen += [m["Member_Account"] for m in page["MemberList"]]
        pages += 1
        nxt = page["Next"]
        if nxt == "":
            break
    assert pages == 3
    assert seen[:2] == ["alice", "bob"] and len(seen) == len(set(seen)) == 251
    assert "m007" not in seen
    info = call_ok(rest, G + "get_group_info", {"GroupIdList": [gid]})["GroupInfo"][0]
    assert info["MemberNum"] == 251
    call_fail(rest, G + "get_group_member_info", {"GroupId": gid, "Next": "12x"}, 10004)


def test_before_create_topic(hooked, receiver, ws, pg):
    """Group.CallbackBeforeCreateTopic carries the new topic; the app's refusal (1: 10016, or
    its own code in 10100–10200) stores nothing and fires no after-event."""
    chatd = hooked()
    alice = ws(chatd, "alice")
    gid = community(alice)
    t = topic(alice, gid, "asked", topicID="asked")
    (call,) = receiver.wait("Group.CallbackBeforeCreateTopic")
    b = call["body"]
    assert (b["GroupId"], b["TopicId"], b["TopicName"], b["Operator_Account"]) == (
        gid, t, "asked", "alice")
    receiver.wait("Group.CallbackAfterCreateTopic")
    for reply, code in (({"ActionStatus": "OK", "ErrorCode": 1, "ErrorInfo": "no"}, 10016),
                        ({"ActionStatus": "FAIL", "ErrorCode": 10150, "ErrorInfo": "nope"},
                         10150)):
        receiver.answer = (lambda r: lambda c: r if c["query"]["CallbackCommand"]
                           == "Group.CallbackBeforeCreateTopic" else OK)(reply)
        alice.fail("createTopicInCommunity", {"groupID": gid, "topicInfo": {"topicName": "x"}},
                   code)
    assert pg.sql("SELECT topic_id FROM group_topics WHERE group_id = %s", (gid,)) == [(t,)]
    assert len(receiver.of("Group.CallbackAfterCreateTopic")) == 1
