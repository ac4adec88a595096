"""Webhooks of relationship chains (docs/webhooks.md "Relationship chains"), against the
recording receiver: the before-callbacks Sns.CallbackPrevFriendAdd / PrevFriendResponse may
refuse targets; the four after-events are written with each change, signed, with Tencent's
fields."""

from expect import call_ok
from util import OK, check_query, outbox_drained
from ws_client import text_body

S = "sns/"
PREV_ADD = "Sns.CallbackPrevFriendAdd"
PREV_RESPONSE = "Sns.CallbackPrevFriendResponse"
ADD = "Sns.CallbackFriendAdd"
DELETE = "Sns.CallbackFriendDelete"
BLOCK = "Sns.CallbackBlackListAdd"
UNBLOCK = "Sns.CallbackBlackListDelete"


def answer_for(receiver, command, reply):
    receiver.answer = lambda call: reply if call["query"]["CallbackCommand"] == command else OK


def pairs(call, *keys):
    keys = keys or ("From_Account", "To_Account")
    return sorted(tuple(p[k] for k in keys) for p in call["body"]["PairList"])


def test_prev_friend_add_refuses_one_target(hooked, receiver, ws, pg):
    chatd = hooked()
    answer_for(receiver, PREV_ADD, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "",
                                    "ResultItem": [{"To_Account": "carol", "ResultCode": 38001,
                                                    "ResultInfo": "not allowed"}]})
    answer = call_ok(chatd.rest(), S + "friend_add", {
        "From_Account": "alice", "ForceAddFlags": 1, "AddFriendItem": [
            {"To_Account": "bob", "AddSource": "AddSource_Type_Web", "AddWording": "hi"},
            {"To_Account": "carol", "AddSource": "AddSource_Type_Web"}]})
    assert [(i["To_Account"], i["ResultCode"], i["ResultInfo"]) for i in answer["ResultItem"]] == \
        [("bob", 0, ""), ("carol", 38001, "not allowed")]
    assert answer["Fail_Account"] == ["carol"]
    (prev,) = receiver.wait(PREV_ADD)
    check_query(prev, PREV_ADD, "RESTAPI")
    b = prev["body"]
    assert (b["From_Account"], b["AddType"], b["ForceAddFlags"]) == ("alice", "Add_Type_Both", 1)
    assert [i["To_Account"] for i in b["FriendItem"]] == ["bob", "carol"]
    assert b["FriendItem"][0]["AddWording"] == "hi"
    assert pg.sql("SELECT user_id, peer FROM friends ORDER BY 1") == [("alice", "bob"),
                                                                     ("bob", "alice")]
    (added,) = receiver.wait(ADD)
    check_query(added, ADD, "RESTAPI")
    assert added["body"]["ClientCmd"] == "FriendAdd" and added["body"]["ForceFlag"] == 1
    assert added["body"]["Admin_Account"] == chatd.rest().admin
    assert pairs(added, "From_Account", "To_Account", "Initiator_Account") == [
        ("alice", "bob", "alice"), ("bob", "alice", "alice")]
    assert added["body"]["EventId"] > 0


def test_prev_friend_add_refusing_everything(hooked, receiver, ws, pg):
    chatd = hooked()
    answer_for(receiver, PREV_ADD, {"ActionStatus": "FAIL", "ErrorCode": 38500,
                                    "ErrorInfo": "closed today"})
    alice = ws(chatd, "alice", "Android")
    result = alice.call("addFriend", {"userID": "bob"})
    assert result == {"userID": "bob", "resultCode": 38500, "resultInfo": "closed today"}
    check_query(receiver.wait(PREV_ADD)[0], PREV_ADD, "Android")
    assert pg.sql("SELECT count(*) FROM friend_requests") == [(0,)]


def test_request_accept_and_response_callbacks(hooked, receiver, ws, pg):
    chatd = hooked()
    alice, bob = ws(chatd, "alice"), ws(chatd, "bob", "iPhone")
    assert alice.call("addFriend", {"userID": "bob"})["resultCode"] == 30539
    bob.call("acceptFriendApplication", {"userID": "alice", "responseType": 1,
                                         "friendRemark": "Al"})
    (prev,) = receiver.wait(PREV_RESPONSE)
    check_query(prev, PREV_RESPONSE, "iOS")
    (item,) = prev["body"]["ResponseFriendItem"]
    assert item == {"To_Account": "alice", "Remark": "Al", "TagName": "",
                    "ResponseAction": "Response_Action_AgreeAndAdd"}
    (added,) = receiver.wait(ADD)
    assert added["body"]["ClientCmd"] == "friend_response" and added["body"]["Admin_Account"] == ""
    assert pairs(added, "From_Account", "To_Account", "Initiator_Account") == [
        ("alice", "bob", "alice"), ("bob", "alice", "alice")]


def test_prev_friend_response_refuses(hooked, receiver, ws, pg):
    chatd = hooked()
    alice, bob = ws(chatd, "alice"), ws(chatd, "bob")
    alice.call("addFriend", {"userID": "bob"})
    answer_for(receiver, PREV_RESPONSE, {"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "",
                                         "ResultItem": [{"To_Account": "alice",
                                                         "ResultCode": 38002,
                                                         "ResultInfo": "moderated"}]})
    frame = bob.fail("acceptFriendApplication", {"userID": "alice"}, 38002)
    assert frame["desc"] == "moderated"
    assert pg.sql("SELECT user_id, peer FROM friend_requests") == [("alice", "bob")]
    assert pg.sql("SELECT count(*) FROM friends") == [(0,)]


def test_delete_block_unblock_events(hooked, receiver, ws, pg):
    chatd = hooked()
    rest = chatd.rest()
    call_ok(rest, S + "friend_add", {"From_Account": "alice", "ForceAddFlags": 1, "AddFriendItem": [
        {"To_Account": t, "AddSource": "AddSource_Type_X"} for t in ("bob", "carol")]})
    call_ok(rest, S + "friend_delete", {"From_Account": "alice", "To_Account": ["bob"]})
    (deleted,) = receiver.wait(DELETE)
    check_query(deleted, DELETE, "RESTAPI")
    assert pairs(deleted) == [("alice", "bob"), ("bob", "alice")]
    carol = ws(chatd, "carol", "Windows")
    carol.call("addToBlackList", {"userIDList": ["alice"]})
    (blocked,) = receiver.wait(BLOCK)
    check_query(blocked, BLOCK, "Windows")
    assert pairs(blocked) == [("carol", "alice")]
    unfriended = receiver.wait(DELETE, n=2)[1]
    assert pairs(unfriended) == [("alice", "carol"), ("carol", "alice")]
    carol.call("deleteFromBlackList", {"userIDList": ["alice"]})
    (unblocked,) = receiver.wait(UNBLOCK)
    assert pairs(unblocked) == [("carol", "alice")]
    # a refused send reports nothing
    carol.call("addToBlackList", {"userIDList": ["alice"]})
    call_ok(rest, "openim/sendmsg", {"From_Account": "carol", "To_Account": "alice",
                                     "MsgRandom": 1, "MsgBody": text_body("fine")})
    outbox_drained(pg)
    assert pg.sql("SELECT count(*) FROM messages") == [(1,)]


def test_import_fires_nothing(hooked, receiver, pg):
    chatd = hooked()
    call_ok(chatd.rest(), S + "friend_import", {"From_Account": "alice", "AddFriendItem": [
        {"To_Account": "bob", "AddSource": "AddSource_Type_Old"}]})
    outbox_drained(pg)
    assert receiver.of(ADD) == [] and receiver.of(PREV_ADD) == []
