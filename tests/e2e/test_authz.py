"""The authorization audit (docs/security.md "Authorization audit"): every command a wrong caller
can aim at someone else's data, tried as that caller over the real door, must be refused the
documented way and change nothing in PostgreSQL.

One world is built per module (users, groups of each kind, messages, friends, a pending
application) and every case runs against it: a refused call changes nothing, which each case
checks by comparing every chatd table before and after it. So conftest's per-test emptying of
the tables is switched off here (the `clean_tables` override) and the world empties them itself
before it is built; a case that does change something fails, and may take later cases with it.
The REST door is tried with a non-admin identifier and a valid UserSig for
every route of the ops table (REST routes are for app administrators only).

A case names the caller, the command, its body and the refusal: a code, or for reads that answer
what the caller may see, a check of the answer (it holds nothing of what is not theirs).
"""

import re

import psycopg2
import pytest

from expect import call_ok
from util import REPO, usersig
from ws_client import WsClient, close_all, import_users, text_body

pytestmark = pytest.mark.shared_chatd

CONFIG = {"msg_recall_limit_s": 0}
USERS = ("olga", "adam", "mia", "max", "kim", "late", "otto", "bob")
G = "group_open_http_svc/"
CLUB = "@TGS#_club"  # a Community with topics: adam its admin, mia a member
TOPIC = CLUB + "@TOPIC#_t"
PMG = "@PMG#_p"  # a permission group of CLUB: adam in it, bits for TOPIC

# Refusal codes (docs/errors.md).
GROUP_PERMISSION = 10007
MSG_NOT_FOUND = 20022
C2C_BLOCKED = 20007
CONV_NOT_FOUND = 6004
CONV_GROUP_MISSING = 51009
SNS_NO_REQUEST = 30614
SNS_NOT_FRIEND = 31704
SNS_NO_REQUEST_TO_DELETE = 31804
SNS_IN_PEER_BLOCKLIST = 30525
SNS_PARAM = 30001
USERSIG_USERID = 70013
NOT_LOGGED_IN = 6014

# Each REST service's "not an app administrator" code (docs/errors.md, "Codes per service").
NOT_ADMIN = {
    "im_open_login_svc": 70403, "openim": 90009, "openconfigsvr": 90009, "recentcontact": 50003,
    "group_open_http_svc": 10007, "group_open_attr_http_svc": 10007,
    "group_open_avchatroom_http_svc": 10007, "million_group_open_http_svc": 10007,
    "profile": 40004, "sns": 30004,
    "openim_msg_ext_http_svc": 90009, "chatd_webhook": 60010, "chatd_admin": 60010,
    "open_msg_svc": 90009, "chatd_search": 60010, "all_member_push": 90009,
}


def rest_routes():
    """Every REST route of the ops table in server/api/api.c, as "service/command"."""
    text = (REPO / "server/api/api.c").read_text()
    ops = text[text.index("static const api_op_t ops[]"):text.index("api_ws_errors")]
    return [f"{s}/{c}" for s, c in re.findall(r'\{"(\w+)",\s*"(\w+)",\s*api_\w+,\s*API_ADMIN\}',
                                              ops)]


# ---- the world --------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides conftest's: the module's world stays from one case to the next."""
    yield


def tables(pg):
    """Every chatd table but the daily statistics (stats_daily*), which the periodic flush
    changes whoever calls (a refused call counts as a request too)."""
    return [t for (t,) in pg.sql(
        "SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public'"
        " AND tablename <> 'chatd_migrations' AND tablename NOT LIKE 'stats\\_%' ORDER BY 1")]


def snapshot(pg, names):
    """Every row of every chatd table, as text, sorted: what a refused call must not change."""
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="chatd")
    try:
        with conn.cursor() as cur:
            out = {}
            for t in names:
                cur.execute(f"SELECT t::text FROM {t} AS t")
                out[t] = sorted(r[0] for r in cur.fetchall())
            return out
    finally:
        conn.close()


def diff(before, after):
    return {t: {"gone": sorted(set(before[t]) - set(after[t])),
                "new": sorted(set(after[t]) - set(before[t]))}
            for t in before if before[t] != after[t]}


class World:
    """What the cases aim at; built once per module."""

    def __init__(self, instance, pg):
        self.instance = instance
        self.url = instance.url
        self.ids = {}
        rest = instance.rest()
        pg.sql("SET session_replication_role = replica; "
               + "; ".join(f"DELETE FROM {t}" for t in tables(pg))
               + "; SET session_replication_role = DEFAULT")
        import_users(rest, *USERS)

        def group(gid, kind, members, **extra):
            call_ok(rest, G + "create_group", {
                "GroupId": gid, "Type": kind, "Name": gid, "Owner_Account": "olga",
                "MemberList": [{"Member_Account": m, **({"Role": "Admin"} if m == "adam" else {})}
                               for m in members], **extra})

        group("pub", "Public", ["adam", "mia", "max", "kim"])
        group("work", "Private", ["mia", "max"])
        group("meet", "ChatRoom", ["adam", "mia"])
        group("av", "AVChatRoom", [])
        group(CLUB, "Community", ["adam", "mia"], SupportTopic=1)
        call_ok(rest, "million_group_open_http_svc/create_topic",
                {"GroupId": CLUB, "TopicId": "t", "TopicName": "t"})
        call_ok(rest, G + "create_permission_group",
                {"GroupId": CLUB, "PermissionGroupId": PMG, "PermissionGroupName": "p"})
        call_ok(rest, G + "add_permission_group_member", {
            "GroupId": CLUB, "PermissionGroupId": PMG, "MemberList": [{"Member_Account": "adam"}]})
        call_ok(rest, G + "add_topic_permission_group", {
            "GroupId": CLUB, "PermissionGroupId": PMG,
            "TopicPermissionList": [{"TopicId": TOPIC, "Permission": 8}]})

        olga = WsClient.login_as(self.url, "olga")
        mia = WsClient.login_as(self.url, "mia")
        kim = WsClient.login_as(self.url, "kim")
        bob = WsClient.login_as(self.url, "bob")
        max_ = WsClient.login_as(self.url, "max")
        otto = WsClient.login_as(self.url, "otto")

        def send(client, text, **where):
            return client.call("sendMessage", {**where, "msgBody": text_body(text)})["msgID"]

        self.ids["early"] = olga.call("sendMessage", {
            "groupID": "pub", "msgBody": text_body("pub: before late joined"),
            "needReadReceipt": True, "supportMessageExtension": True})["msgID"]
        olga.call("setMessageExtensions", {"msgID": self.ids["early"], "extensions": [
            {"extensionKey": "k", "extensionValue": "v"}]})
        olga.call("addMessageReaction", {"msgID": self.ids["early"], "reactionID": "like"})
        call_ok(rest, G + "add_group_member", {"GroupId": "pub",
                                                "MemberList": [{"Member_Account": "late"}]})
        self.ids["pub_mia"] = mia.call("sendMessage", {
            "groupID": "pub", "msgBody": text_body("pub: mia's"), "needReadReceipt": True,
            "supportMessageExtension": True})["msgID"]
        self.ids["pub_kim"] = send(kim, "pub: kim's", groupID="pub")
        call_ok(rest, G + "delete_group_member", {"GroupId": "pub",
                                                   "MemberToDel_Account": ["kim"]})
        olga.call("initGroupAttributes", {"groupID": "pub", "attributes": {"k": "v"}})
        olga.call("pinGroupMessage", {"groupID": "pub", "msgID": self.ids["pub_mia"],
                                      "isPinned": True})
        send(olga, "work: first", groupID="work")
        mia.call("joinGroup", {"groupID": "av"})

        self.ids["c2c"] = mia.call("sendMessage", {
            "receiver": "bob", "msgBody": text_body("mia to bob: secret"),
            "needReadReceipt": True, "supportMessageExtension": True})["msgID"]
        mia.call("setMessageExtensions", {"msgID": self.ids["c2c"], "extensions": [
            {"extensionKey": "k", "extensionValue": "v"}]})
        mia.call("addMessageReaction", {"msgID": self.ids["c2c"], "reactionID": "like"})
        big = [{"MsgType": "TIMRelayElem", "MsgContent": {
            "Title": "history", "MsgNum": 40, "CompatibleText": "[merged]", "AbstractList": [],
            "MsgList": [{"From_Account": "mia", "To_Account": "bob", "MsgSeq": i,
                         "MsgRandom": i, "MsgTimeStamp": 1700000000 + i,
                         "MsgBody": text_body(f"{i}:" + "x" * 400)} for i in range(40)]}}]
        mia.call("sendMessage", {"receiver": "bob", "msgBody": big})
        self.merged_key = pg.sql("SELECT msg_key FROM merged_lists")[0][0]

        call_ok(rest, "sns/friend_add", {"From_Account": "mia", "AddFriendItem": [
            {"To_Account": "bob", "AddSource": "AddSource_Type_Test"}], "AddType": "Add_Type_Both",
            "ForceAddFlags": 1})
        max_.call("addFriend", {"userID": "bob", "addSource": "AddSource_Type_Test"})
        bob.call("addToBlackList", {"userIDList": ["otto"]})
        mia.call("createConversationGroup", {"groupName": "fav",
                                             "conversationIDList": ["c2c_bob"]})
        otto.call("joinGroup", {"groupID": "pub", "message": "let me in"})
        self.ids["invite"] = mia.call("invite", {"invitee": "bob", "onlineUserOnly": True})[
            "inviteID"]
        self.ids["group_invite"] = olga.call("inviteInGroup", {
            "groupID": "pub", "inviteeList": ["mia", "max"], "onlineUserOnly": True})["inviteID"]
        for client in (olga, mia, kim, bob, max_, otto):
            client.close()
        close_all()


@pytest.fixture(scope="module")
def world(chatd_pool, pg):
    return World(chatd_pool.get(CONFIG), pg)


@pytest.fixture
def door(chatd_of, world, pg):
    """The shared instance (checked after each case by chatd_of) and the table names."""
    chatd_of(**CONFIG)
    return tables(pg)


# ---- the WebSocket cases ----------------------------------------------------------------------

def no_messages(answer):
    return answer["messageList"] == []


def without(*names):
    """A history answer holding none of the world's messages `names`."""
    def check(answer, world):
        got = {m["msgID"] for m in answer["messageList"]}
        return not got & {world.ids[n] for n in names}
    return check


def empty(key):
    return lambda answer, world: answer[key] == []


def item_codes(key, code):
    """A per-item answer (answer[key] a list) whose every item failed with `code`."""
    return lambda answer, world: answer[key] and all(
        i.get("resultCode") == code for i in answer[key])


# (id, caller, cmd, body (a dict, or a function of the world), refusal: a code, or a check of
# a successful answer)
CASES = [
    # signaling
    ("signal-cancel-not-inviter", "bob", "cancel", lambda w: {"inviteID": w.ids["invite"]},
     8011),
    ("signal-modify-not-inviter", "bob", "modifyInvitation",
     lambda w: {"inviteID": w.ids["invite"], "data": "x"}, 8011),
    ("signal-group-modify-member", "mia", "modifyInvitation",
     lambda w: {"inviteID": w.ids["group_invite"], "data": "x"}, 8011),
    ("signal-accept-not-invited", "otto", "accept", lambda w: {"inviteID": w.ids["invite"]},
     8011),
    ("signal-reject-not-invited", "max", "reject", lambda w: {"inviteID": w.ids["invite"]},
     8011),
    ("signal-add-not-invited", "otto", "addInvitedSignaling",
     lambda w: {"signalingInfo": {"inviteID": w.ids["invite"]}}, 8011),
    ("signal-group-accept-outsider", "otto", "accept",
     lambda w: {"inviteID": w.ids["group_invite"]}, 8011),
    ("signal-group-cancel-member", "mia", "cancel",
     lambda w: {"inviteID": w.ids["group_invite"]}, 8011),
    ("signal-group-outsider", "otto", "inviteInGroup",
     {"groupID": "pub", "inviteeList": ["mia"]}, GROUP_PERMISSION),
    ("signal-group-kicked", "kim", "inviteInGroup",
     {"groupID": "pub", "inviteeList": ["mia"]}, GROUP_PERMISSION),
    # messages
    ("send-group-outsider", "otto", "sendMessage",
     {"groupID": "pub", "msgBody": text_body("x")}, GROUP_PERMISSION),
    ("send-group-kicked", "kim", "sendMessage",
     {"groupID": "pub", "msgBody": text_body("x")}, GROUP_PERMISSION),
    ("send-c2c-blocked", "otto", "sendMessage",
     {"receiver": "bob", "msgBody": text_body("x")}, C2C_BLOCKED),
    ("history-group-outsider", "otto", "getHistoryMessageList",
     {"conversationID": "group_pub"}, lambda a, w: no_messages(a)),
    ("history-group-kicked", "kim", "getHistoryMessageList",
     {"conversationID": "group_pub"}, lambda a, w: no_messages(a)),
    ("history-group-before-join", "late", "getHistoryMessageList",
     {"conversationID": "group_pub"}, without("early")),
    ("history-v2-group-outsider", "otto", "getHistoryMessageListV2",
     {"conversationID": "group_pub"}, lambda a, w: no_messages(a)),
    ("history-v2-group-before-join", "late", "getHistoryMessageListV2",
     {"conversationID": "group_pub", "getType": 2}, without("early")),
    ("find-others-messages", "otto", "findMessages",
     lambda w: {"msgIDs": [w.ids["c2c"], w.ids["pub_mia"], w.ids["early"]]},
     lambda a, w: no_messages(a)),
    ("find-before-join", "late", "findMessages", lambda w: {"msgIDs": [w.ids["early"]]},
     lambda a, w: no_messages(a)),
    ("find-kicked", "kim", "findMessages", lambda w: {"msgIDs": [w.ids["pub_mia"]]},
     lambda a, w: no_messages(a)),
    ("sync-outsider", "otto", "syncMessages", {}, lambda a, w: no_messages(a)),
    # searches
    ("search-others-messages", "otto", "searchCloudMessages",
     {"keywordList": ["pub", "secret"]}, lambda a, w: a["messageSearchResultItems"] == []),
    ("search-others-conversation", "otto", "searchCloudMessages",
     {"keywordList": ["pub"], "conversationID": "group_pub"},
     lambda a, w: a["messageSearchResultItems"] == [] and a["totalCount"] == 0),
    ("search-before-join", "late", "searchCloudMessages", {"keywordList": ["before late"]},
     lambda a, w: a["messageSearchResultItems"] == []),
    ("search-kicked", "kim", "searchLocalMessages", {"keywordList": ["mia's"]},
     lambda a, w: a["messageSearchResultItems"] == []),
    ("search-groups-outsider", "otto", "searchGroups", {"keywordList": ["pub"]},
     lambda a, w: a == []),
    ("search-members-outsider", "otto", "searchGroupMembers",
     {"keywordList": ["mia"], "groupIDList": ["pub"]}, lambda a, w: a == {}),
    ("download-merged-outsider", "otto", "downloadMergerMessage",
     lambda w: {"jsonMsgKey": w.merged_key}, MSG_NOT_FOUND),
    ("download-merged-group-member", "max", "downloadMergerMessage",
     lambda w: {"jsonMsgKey": w.merged_key}, MSG_NOT_FOUND),
    ("receipts-send-outsider", "otto", "sendMessageReadReceipts",
     lambda w: {"msgIDs": [w.ids["c2c"], w.ids["pub_mia"]]}, 0),
    ("receipts-get-receiver", "bob", "getMessageReadReceipts",
     lambda w: {"msgIDs": [w.ids["c2c"]]}, empty("receiptList")),
    ("receipts-get-member", "max", "getMessageReadReceipts",
     lambda w: {"msgIDs": [w.ids["pub_mia"]]}, empty("receiptList")),
    ("read-members-not-sender", "max", "getGroupMessageReadMemberList",
     lambda w: {"msgID": w.ids["pub_mia"]}, empty("memberList")),
    ("mark-read-others", "otto", "markC2CMessageAsRead", {"conversationID": "c2c_bob"}, 0),
    ("revoke-c2c-receiver", "bob", "revokeMessage", lambda w: {"msgID": w.ids["c2c"]},
     MSG_NOT_FOUND),
    ("revoke-c2c-outsider", "otto", "revokeMessage", lambda w: {"msgID": w.ids["c2c"]},
     MSG_NOT_FOUND),
    ("revoke-group-member", "max", "revokeMessage", lambda w: {"msgID": w.ids["pub_mia"]},
     GROUP_PERMISSION),
    ("revoke-group-outsider", "otto", "revokeMessage", lambda w: {"msgID": w.ids["pub_mia"]},
     MSG_NOT_FOUND),
    ("revoke-group-kicked-others", "kim", "revokeMessage",
     lambda w: {"msgID": w.ids["pub_mia"]}, MSG_NOT_FOUND),
    ("revoke-group-kicked-own", "kim", "revokeMessage", lambda w: {"msgID": w.ids["pub_kim"]},
     GROUP_PERMISSION),
    ("modify-c2c-receiver", "bob", "modifyMessage",
     lambda w: {"msgID": w.ids["c2c"], "msgBody": text_body("changed")}, MSG_NOT_FOUND),
    ("modify-group-admin", "adam", "modifyMessage",
     lambda w: {"msgID": w.ids["pub_mia"], "msgBody": text_body("changed")}, MSG_NOT_FOUND),
    ("modify-group-kicked-own", "kim", "modifyMessage",
     lambda w: {"msgID": w.ids["pub_kim"], "msgBody": text_body("changed")}, GROUP_PERMISSION),
    ("delete-others", "otto", "deleteMessages", lambda w: {"msgIDList": [w.ids["c2c"]]},
     MSG_NOT_FOUND),
    ("delete-group-outsider", "otto", "deleteMessages",
     lambda w: {"msgIDList": [w.ids["pub_mia"]]}, MSG_NOT_FOUND),
    ("delete-before-join", "late", "deleteMessages", lambda w: {"msgIDList": [w.ids["early"]]},
     MSG_NOT_FOUND),
    # extensions and reactions
    ("ext-set-outsider", "otto", "setMessageExtensions", lambda w: {
        "msgID": w.ids["c2c"], "extensions": [{"extensionKey": "k", "extensionValue": "x"}]},
     MSG_NOT_FOUND),
    ("ext-set-kicked", "kim", "setMessageExtensions", lambda w: {
        "msgID": w.ids["pub_mia"], "extensions": [{"extensionKey": "k", "extensionValue": "x"}]},
     MSG_NOT_FOUND),
    ("ext-set-before-join", "late", "setMessageExtensions", lambda w: {
        "msgID": w.ids["early"], "extensions": [{"extensionKey": "k", "extensionValue": "x"}]},
     MSG_NOT_FOUND),
    ("ext-get-before-join", "late", "getMessageExtensions", lambda w: {"msgID": w.ids["early"]},
     MSG_NOT_FOUND),
    ("ext-delete-before-join", "late", "deleteMessageExtensions",
     lambda w: {"msgID": w.ids["early"]}, MSG_NOT_FOUND),
    ("reaction-add-before-join", "late", "addMessageReaction",
     lambda w: {"msgID": w.ids["early"], "reactionID": "like"}, MSG_NOT_FOUND),
    ("reactions-get-before-join", "late", "getMessageReactions",
     lambda w: {"msgIDList": [w.ids["early"]]},
     lambda a, w: [(i["resultCode"], i["reactionList"]) for i in a] == [(MSG_NOT_FOUND, [])]),
    ("reaction-users-before-join", "late", "getAllUserListOfMessageReaction",
     lambda w: {"msgID": w.ids["early"], "reactionID": "like"}, MSG_NOT_FOUND),
    ("receipts-send-before-join", "late", "sendMessageReadReceipts",
     lambda w: {"msgIDs": [w.ids["early"]]}, 0),
    ("ext-get-outsider", "otto", "getMessageExtensions", lambda w: {"msgID": w.ids["c2c"]},
     MSG_NOT_FOUND),
    ("ext-delete-outsider", "otto", "deleteMessageExtensions",
     lambda w: {"msgID": w.ids["c2c"]}, MSG_NOT_FOUND),
    ("reaction-add-outsider", "otto", "addMessageReaction",
     lambda w: {"msgID": w.ids["c2c"], "reactionID": "like"}, MSG_NOT_FOUND),
    ("reaction-remove-outsider", "otto", "removeMessageReaction",
     lambda w: {"msgID": w.ids["c2c"], "reactionID": "like"}, MSG_NOT_FOUND),
    ("reactions-get-outsider", "otto", "getMessageReactions",
     lambda w: {"msgIDList": [w.ids["c2c"]]},
     lambda a, w: [(i["resultCode"], i["reactionList"]) for i in a] == [(MSG_NOT_FOUND, [])]),
    ("reaction-users-outsider", "otto", "getAllUserListOfMessageReaction",
     lambda w: {"msgID": w.ids["c2c"], "reactionID": "like"}, MSG_NOT_FOUND),
    ("pin-message-member", "max", "pinGroupMessage",
     lambda w: {"groupID": "pub", "msgID": w.ids["pub_mia"], "isPinned": False},
     GROUP_PERMISSION),
    ("pin-message-outsider", "otto", "pinGroupMessage",
     lambda w: {"groupID": "pub", "msgID": w.ids["pub_mia"], "isPinned": False},
     GROUP_PERMISSION),
    ("pinned-list-outsider", "otto", "getPinnedGroupMessageList", {"groupID": "pub"},
     GROUP_PERMISSION),
    ("pinned-list-kicked", "kim", "getPinnedGroupMessageList", {"groupID": "pub"},
     GROUP_PERMISSION),
    # conversations
    ("conv-get-outsider", "otto", "getConversation", {"conversationID": "group_pub"},
     CONV_NOT_FOUND),
    ("conv-get-by-ids-outsider", "otto", "getConversationListByConversationIDs",
     {"conversationIDList": ["group_pub", "c2c_mia"]}, empty("conversationList")),
    ("conv-delete-outsider", "otto", "deleteConversation", {"conversationID": "group_pub"},
     CONV_NOT_FOUND),
    ("conv-delete-list-outsider", "otto", "deleteConversationList",
     {"conversationIDList": ["group_pub"]}, item_codes("resultList", CONV_NOT_FOUND)),
    ("conv-clear-c2c-never-had", "otto", "clearC2CHistoryMessage", {"userID": "mia"},
     CONV_NOT_FOUND),
    ("conv-clear-group-outsider", "otto", "clearGroupHistoryMessage", {"groupID": "pub"},
     CONV_NOT_FOUND),
    ("conv-clear-group-kicked", "kim", "clearGroupHistoryMessage", {"groupID": "pub"},
     CONV_NOT_FOUND),
    ("conv-pin-group-outsider", "otto", "pinConversation",
     {"conversationID": "group_pub", "isPinned": True}, CONV_NOT_FOUND),
    ("conv-pin-group-kicked", "kim", "pinConversation",
     {"conversationID": "group_pub", "isPinned": True}, CONV_NOT_FOUND),
    ("conv-draft-group-outsider", "otto", "setConversationDraft",
     {"conversationID": "group_pub", "draftText": "hi"}, CONV_NOT_FOUND),
    ("conv-recv-opt-group-outsider", "otto", "setGroupReceiveMessageOpt",
     {"groupID": "pub", "opt": 2}, GROUP_PERMISSION),
    ("conv-recv-opt-group-kicked", "kim", "setGroupReceiveMessageOpt",
     {"groupID": "pub", "opt": 2}, GROUP_PERMISSION),
    ("conv-clean-unread-outsider", "otto", "cleanConversationUnreadMessageCount",
     {"conversationID": "group_pub"}, 0),
    ("conv-mark-outsider", "otto", "markConversation",
     {"conversationIDList": ["group_pub"], "markType": 1, "enableMark": True}, CONV_NOT_FOUND),
    ("conv-custom-data-outsider", "otto", "setConversationCustomData",
     {"conversationIDList": ["group_pub"], "customData": "x"}, CONV_NOT_FOUND),
    ("conv-group-add-others", "otto", "addConversationsToGroup",
     {"groupName": "fav", "conversationIDList": ["c2c_bob"]}, CONV_GROUP_MISSING),
    ("conv-group-remove-others", "otto", "deleteConversationsFromGroup",
     {"groupName": "fav", "conversationIDList": ["c2c_bob"]}, CONV_GROUP_MISSING),
    ("conv-group-rename-others", "otto", "renameConversationGroup",
     {"oldName": "fav", "newName": "mine"}, CONV_GROUP_MISSING),
    ("conv-group-delete-others", "otto", "deleteConversationGroup", {"groupName": "fav"},
     CONV_GROUP_MISSING),
    # groups
    ("group-info-work-outsider", "otto", "getGroupsInfo", {"groupIDList": ["work"]},
     item_codes("groupInfoResultList", GROUP_PERMISSION)),
    ("group-members-outsider", "otto", "getGroupMemberList", {"groupID": "pub"},
     GROUP_PERMISSION),
    ("group-members-kicked", "kim", "getGroupMemberList", {"groupID": "pub"}, GROUP_PERMISSION),
    ("group-members-info-outsider", "otto", "getGroupMembersInfo",
     {"groupID": "pub", "memberList": ["mia"]}, GROUP_PERMISSION),
    ("group-set-info-member", "max", "setGroupInfo", {"groupID": "pub", "groupName": "x"},
     GROUP_PERMISSION),
    ("group-set-info-outsider", "otto", "setGroupInfo", {"groupID": "pub", "groupName": "x"},
     GROUP_PERMISSION),
    ("group-set-info-kicked", "kim", "setGroupInfo", {"groupID": "pub", "groupName": "x"},
     GROUP_PERMISSION),
    ("group-set-info-work-member-option", "mia", "setGroupInfo",
     {"groupID": "work", "groupAddOpt": 2}, GROUP_PERMISSION),
    ("group-set-info-meeting-admin", "adam", "setGroupInfo",
     {"groupID": "meet", "groupName": "x"}, GROUP_PERMISSION),
    ("group-mute-all-member", "max", "muteAllGroupMembers", {"groupID": "pub", "isMute": True},
     GROUP_PERMISSION),
    ("group-invite-public-member", "max", "inviteUserToGroup",
     {"groupID": "pub", "userList": ["otto"]}, GROUP_PERMISSION),
    ("group-invite-work-outsider", "otto", "inviteUserToGroup",
     {"groupID": "work", "userList": ["otto"]}, GROUP_PERMISSION),
    ("group-invite-kicked", "kim", "inviteUserToGroup", {"groupID": "pub", "userList": ["kim"]},
     GROUP_PERMISSION),
    ("group-kick-member", "max", "kickGroupMember", {"groupID": "pub", "memberList": ["mia"]},
     GROUP_PERMISSION),
    ("group-kick-owner-by-admin", "adam", "kickGroupMember",
     {"groupID": "pub", "memberList": ["olga"]}, GROUP_PERMISSION),
    ("group-kick-work-member", "mia", "kickGroupMember",
     {"groupID": "work", "memberList": ["max"]}, GROUP_PERMISSION),
    ("group-kick-outsider", "otto", "kickGroupMember", {"groupID": "pub", "memberList": ["mia"]},
     GROUP_PERMISSION),
    ("group-kick-av-owner", "olga", "kickGroupMember", {"groupID": "av", "memberList": ["mia"]},
     GROUP_PERMISSION),
    ("group-member-info-other-member", "max", "setGroupMemberInfo",
     {"groupID": "pub", "userID": "mia", "nameCard": "x"}, GROUP_PERMISSION),
    ("group-member-info-owner-by-admin", "adam", "setGroupMemberInfo",
     {"groupID": "pub", "userID": "olga", "nameCard": "x"}, GROUP_PERMISSION),
    ("group-member-info-outsider", "otto", "setGroupMemberInfo",
     {"groupID": "pub", "userID": "mia", "nameCard": "x"}, GROUP_PERMISSION),
    ("group-mute-member-by-member", "max", "muteGroupMember",
     {"groupID": "pub", "userID": "mia", "seconds": 60}, GROUP_PERMISSION),
    ("group-mute-owner-by-admin", "adam", "muteGroupMember",
     {"groupID": "pub", "userID": "olga", "seconds": 60}, GROUP_PERMISSION),
    ("group-mute-work-owner", "olga", "muteGroupMember",
     {"groupID": "work", "userID": "mia", "seconds": 60}, GROUP_PERMISSION),
    ("group-role-by-admin", "adam", "setGroupMemberRole",
     {"groupID": "pub", "userID": "mia", "role": 300}, GROUP_PERMISSION),
    ("group-role-by-member", "mia", "setGroupMemberRole",
     {"groupID": "pub", "userID": "mia", "role": 300}, GROUP_PERMISSION),
    ("group-transfer-by-admin", "adam", "transferGroupOwner",
     {"groupID": "pub", "userID": "adam"}, GROUP_PERMISSION),
    ("group-transfer-outsider", "otto", "transferGroupOwner",
     {"groupID": "pub", "userID": "mia"}, GROUP_PERMISSION),
    ("group-dismiss-admin", "adam", "dismissGroup", {"groupID": "pub"}, GROUP_PERMISSION),
    ("group-dismiss-outsider", "otto", "dismissGroup", {"groupID": "pub"}, GROUP_PERMISSION),
    ("group-dismiss-work-owner", "olga", "dismissGroup", {"groupID": "work"}, GROUP_PERMISSION),
    ("group-quit-outsider", "otto", "quitGroup", {"groupID": "pub"}, GROUP_PERMISSION),
    ("group-join-work", "otto", "joinGroup", {"groupID": "work"}, GROUP_PERMISSION),
    ("group-mark-av-member", "mia", "markGroupMemberList",
     {"groupID": "av", "memberIDList": ["mia"], "markType": 1000, "enableMark": True},
     GROUP_PERMISSION),
    ("group-applications-member", "max", "getGroupApplicationList", {},
     empty("groupApplicationList")),
    ("group-accept-member", "max", "acceptGroupApplication",
     {"groupID": "pub", "fromUser": "otto"}, GROUP_PERMISSION),
    ("group-accept-own", "otto", "acceptGroupApplication",
     {"groupID": "pub", "fromUser": "otto"}, GROUP_PERMISSION),
    ("group-refuse-member", "max", "refuseGroupApplication",
     {"groupID": "pub", "fromUser": "otto"}, GROUP_PERMISSION),
    ("group-attrs-init-outsider", "otto", "initGroupAttributes",
     {"groupID": "pub", "attributes": {"k": "x"}}, GROUP_PERMISSION),
    ("group-attrs-set-kicked", "kim", "setGroupAttributes",
     {"groupID": "pub", "attributes": {"k": "x"}}, GROUP_PERMISSION),
    ("group-attrs-delete-outsider", "otto", "deleteGroupAttributes", {"groupID": "pub"},
     GROUP_PERMISSION),
    ("group-attrs-get-outsider", "otto", "getGroupAttributes", {"groupID": "pub"},
     GROUP_PERMISSION),
    ("group-online-count-outsider", "otto", "getGroupOnlineMemberCount", {"groupID": "pub"},
     GROUP_PERMISSION),
    ("group-av-count-outsider", "otto", "getGroupOnlineMemberCount", {"groupID": "av"},
     GROUP_PERMISSION),
    ("group-counters-set-outsider", "otto", "setGroupCounters",
     {"groupID": "pub", "counters": {"k": 1}}, GROUP_PERMISSION),
    ("group-counters-get-outsider", "otto", "getGroupCounters", {"groupID": "pub"},
     GROUP_PERMISSION),
    ("group-counter-increase-outsider", "otto", "increaseGroupCounter",
     {"groupID": "av", "key": "k", "value": 1}, GROUP_PERMISSION),
    ("group-counter-decrease-kicked", "kim", "decreaseGroupCounter",
     {"groupID": "pub", "key": "k", "value": 1}, GROUP_PERMISSION),
    # Community topics: the owner and admins manage them, members read them
    ("topic-create-member", "mia", "createTopicInCommunity",
     {"groupID": CLUB, "topicInfo": {"topicName": "x"}}, GROUP_PERMISSION),
    ("topic-create-outsider", "otto", "createTopicInCommunity",
     {"groupID": CLUB, "topicInfo": {"topicName": "x"}}, GROUP_PERMISSION),
    ("topic-delete-member", "mia", "deleteTopicFromCommunity",
     {"groupID": CLUB, "topicIDList": [TOPIC]}, GROUP_PERMISSION),
    ("topic-set-member", "mia", "setTopicInfo",
     {"topicInfo": {"topicID": TOPIC, "topicName": "x"}}, GROUP_PERMISSION),
    ("topic-list-outsider", "otto", "getTopicInfoList", {"groupID": CLUB}, GROUP_PERMISSION),
    ("topic-send-outsider", "otto", "sendMessage",
     {"groupID": TOPIC, "msgBody": text_body("x")}, GROUP_PERMISSION),
    # Community permission groups: the owner and admins manage them, members read them
    ("perm-create-member", "mia", "createPermissionGroupInCommunity",
     {"info": {"groupID": CLUB, "permissionGroupName": "x"}}, GROUP_PERMISSION),
    ("perm-delete-member", "mia", "deletePermissionGroupFromCommunity",
     {"groupID": CLUB, "permissionGroupIDList": [PMG]}, GROUP_PERMISSION),
    ("perm-modify-member", "mia", "modifyPermissionGroupInfoInCommunity",
     {"info": {"groupID": CLUB, "permissionGroupID": PMG, "permissionGroupName": "x"}},
     GROUP_PERMISSION),
    ("perm-list-outsider", "otto", "getPermissionGroupListInCommunity", {"groupID": CLUB},
     GROUP_PERMISSION),
    ("perm-joined-outsider", "otto", "getJoinedPermissionGroupListInCommunity",
     {"groupID": CLUB}, GROUP_PERMISSION),
    ("perm-add-member", "mia", "addCommunityMembersToPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG, "memberList": ["mia"]}, GROUP_PERMISSION),
    ("perm-remove-member", "mia", "removeCommunityMembersFromPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG, "memberList": ["adam"]}, GROUP_PERMISSION),
    ("perm-members-outsider", "otto", "getCommunityMemberListInPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG}, GROUP_PERMISSION),
    ("perm-topic-add-member", "mia", "addTopicPermissionToPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG, "topicPermissionMap": {TOPIC: 1}},
     GROUP_PERMISSION),
    ("perm-topic-modify-member", "mia", "modifyTopicPermissionInPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG, "topicPermissionMap": {TOPIC: 1}},
     GROUP_PERMISSION),
    ("perm-topic-delete-member", "mia", "deleteTopicPermissionFromPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG, "topicIDList": [TOPIC]}, GROUP_PERMISSION),
    ("perm-topic-get-outsider", "otto", "getTopicPermissionInPermissionGroup",
     {"groupID": CLUB, "permissionGroupID": PMG, "topicIDList": [TOPIC]}, GROUP_PERMISSION),
    # friends and the blocklist
    ("friend-accept-others-request", "mia", "acceptFriendApplication", {"userID": "max"},
     SNS_NO_REQUEST),
    ("friend-refuse-others-request", "mia", "refuseFriendApplication", {"userID": "max"},
     SNS_NO_REQUEST),
    ("friend-delete-others-request", "mia", "deleteFriendApplication",
     {"userID": "max", "type": 1}, SNS_NO_REQUEST_TO_DELETE),
    ("friend-set-info-not-friend", "otto", "setFriendInfo",
     {"userID": "bob", "friendRemark": "x"}, SNS_NOT_FRIEND),
    ("friend-delete-not-friend", "otto", "deleteFromFriendList", {"userIDList": ["bob"]},
     lambda a, w: [i["resultCode"] for i in a] == [SNS_NOT_FRIEND]),
    ("friend-add-blocked", "otto", "addFriend", {"userID": "bob"},
     lambda a, w: a["resultCode"] == SNS_IN_PEER_BLOCKLIST),
    ("friend-unblock-others", "otto", "deleteFromBlackList", {"userIDList": ["otto"]},
     lambda a, w: [i["resultCode"] for i in a] == [SNS_PARAM]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_ws_wrong_caller_is_refused_and_nothing_changes(door, world, pg, case):
    _, caller, cmd, body, refusal = case
    body = body(world) if callable(body) else body
    client = WsClient.login_as(world.url, caller)
    before = snapshot(pg, door)
    frame = client.request(cmd, body)
    after = snapshot(pg, door)
    if callable(refusal):
        assert frame["code"] == 0, frame
        assert refusal(frame["body"], world), frame
    elif refusal == 0:
        assert frame["code"] == 0, frame
    else:
        assert frame["code"] == refusal, frame
        assert frame["desc"], frame
    assert diff(before, after) == {}


def test_login_with_another_users_usersig_is_refused(door, world, pg):
    """A session becomes only the user its UserSig was made for."""
    client = WsClient(world.url)
    before = snapshot(pg, door)
    frame = client.request("login", {"userID": "mia", "userSig": usersig("bob")})
    assert frame["code"] == USERSIG_USERID, frame
    assert client.request("getConversationList", {})["code"] == NOT_LOGGED_IN
    assert diff(before, snapshot(pg, door)) == {}


@pytest.mark.parametrize("api", rest_routes())
def test_rest_non_admin_is_refused_and_nothing_changes(door, world, pg, api):
    """Every REST route is for app administrators: a user's own identifier and valid UserSig
    get the service's not-admin code, whatever the body (here one acting on the caller's own
    data), and nothing is read or written."""
    rest = world.instance.rest()
    before = snapshot(pg, door)
    answer = rest.call(api, {"From_Account": "mia", "Operator_Account": "mia", "GroupId": "pub"},
                       identifier="mia")
    after = snapshot(pg, door)
    code = NOT_ADMIN[api.split("/")[0]]
    assert (answer["ActionStatus"], answer["ErrorCode"]) == ("FAIL", code), answer
    assert "not an app administrator" in answer["ErrorInfo"], answer
    assert diff(before, after) == {}


# ---- the audit table and the cases ------------------------------------------------------------

# WebSocket commands whose row in docs/security.md names a refusal that no wrong caller meets.
NO_WRONG_CALLER = {
    "login": "authentication, not a right: test_login_with_another_users_usersig_is_refused",
    "createConversationGroup": "creates the caller's own group; its items are "
                               "addConversationsToGroup's check (conv-group-* cases)",
    "createGroup": "the caller creates its own group; the 10007 is the type's rule",
    "getUsersInfo": "any account's profile, by design",
    "setSelfStatus": "72001 is user_status = off, for everyone",
    "getUserStatus": "72001 is user_status = off, for everyone",
    "subscribeUserStatus": "72001 is user_status = off, for everyone",
    "unsubscribeUserStatus": "72001 is user_status = off, for everyone",
}


def audit_rows():
    """The rows of the authorization table as lists of cells."""
    text = (REPO / "docs/security.md").read_text()
    section = text[text.index("## Authorization audit"):]
    section = section[:section.index("\n## ", 1)]
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| `") or line.startswith("| \u2014 |")]


def test_every_refusal_in_the_audit_has_a_case():
    """Each WebSocket command whose row documents a refusal ("otherwise" is more than a dash) is
    tried as a wrong caller here, or says why none exists; every case's command has a row. The
    rows themselves are checked against the ops table by tests/unit/test_docs.c."""
    rows = audit_rows()
    documented = {r[1].strip("`") for r in rows if r[1] != "\u2014"}
    tried = {c[2] for c in CASES}
    assert tried <= documented, tried - documented
    refusing = {r[1].strip("`") for r in rows
                if r[1] != "\u2014" and not r[4].startswith("\u2014")}
    missing = refusing - tried - set(NO_WRONG_CALLER)
    assert not missing, f"rows with a refusal but no case: {sorted(missing)}"
    assert set(NO_WRONG_CALLER) <= refusing, set(NO_WRONG_CALLER) - refusing
    assert len({r[0] for r in rows if r[0] != "\u2014"}) == len(rest_routes())
