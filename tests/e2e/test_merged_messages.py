"""Merged messages (docs/protocol.md "Merged messages"): a TIMRelayElem whose MsgBody is over
12 KB is stored with its MsgList moved out under a JsonMsgKey; downloadMergerMessage gives the
list back to whoever can see a message that carries it; forwarding by key copies the list for
the new message; a recall takes it away; bad inputs get their codes and store nothing."""

import itertools

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd
NOT_FOUND = 20022
BAD = 70402
FORMAT = 90002
TOO_LONG = 80002
_random = itertools.count(1)


def inner(i, size=400):
    return {"From_Account": "carol", "To_Account": "dave", "MsgSeq": i, "MsgRandom": i,
            "MsgTimeStamp": 1700000000 + i,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": f"{i}:" + "x" * size}}]}


def relay(n, size=400, **content):
    return [{"MsgType": "TIMRelayElem", "MsgContent": {
        "Title": "Chat history of carol and dave", "MsgNum": n, "CompatibleText": "[merged]",
        "AbstractList": ["carol: hi", "dave: hello"],
        "MsgList": [inner(i, size) for i in range(n)], **content}}]


def keyed(key, n=40):
    return [{"MsgType": "TIMRelayElem", "MsgContent": {
        "Title": "forwarded", "MsgNum": n, "AbstractList": [], "JsonMsgKey": key}}]


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob", "carol", "dave")
    return rest


@pytest.fixture
def alice(chatd, rest):
    return WsClient.login_as(chatd.url, "alice")


@pytest.fixture
def bob(chatd, rest):
    return WsClient.login_as(chatd.url, "bob")


def send(client, body, **where):
    target = where or {"receiver": "bob"}
    return client.call("sendMessage", {**target, "msgBody": body, "random": next(_random)})


def newest(client, conv):
    return client.call("getHistoryMessageList", {"conversationID": conv,
                                                 "count": 1})["messageList"][0]


def content(message):
    return message["msgBody"][0]["MsgContent"]


def lists(pg):
    return pg.sql("SELECT count(*) FROM merged_lists")[0][0]


def test_big_list_moves_out_and_comes_back(alice, bob, chatd):
    """alice merges 40 messages (~20 KB): the stored and pushed body carries a key, not the
    list; alice and bob download the list exactly as sent; carol, not in the conversation,
    cannot."""
    body = relay(40)
    send(alice, body)
    pushed = content(bob.wait_event("onRecvNewMessage")["message"])
    assert "MsgList" not in pushed and pushed["JsonMsgKey"].startswith("mrg_")
    assert pushed["Title"] == body[0]["MsgContent"]["Title"] and pushed["MsgNum"] == 40
    stored = content(newest(bob, "c2c_alice"))
    assert stored == pushed
    key = stored["JsonMsgKey"]
    want = body[0]["MsgContent"]["MsgList"]
    assert bob.call("downloadMergerMessage", {"jsonMsgKey": key})["msgList"] == want
    assert alice.call("downloadMergerMessage", {"jsonMsgKey": key})["msgList"] == want
    carol = WsClient.login_as(chatd.url, "carol")
    carol.fail("downloadMergerMessage", {"jsonMsgKey": key}, NOT_FOUND)


def test_small_list_stays_inline(alice, bob, pg):
    body = relay(3, size=10)
    send(alice, body)
    assert content(newest(bob, "c2c_alice")) == body[0]["MsgContent"]
    assert lists(pg) == 0


def test_rest_sendmsg_and_history(rest, bob):
    """A backend's sendmsg takes the same path; admin_getroammsg shows the key."""
    call_ok(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                     "MsgRandom": 77, "MsgBody": relay(40)})
    roam = call_ok(rest, "openim/admin_getroammsg", {
        "Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10,
        "MinTime": 0, "MaxTime": 2**31 - 1})
    stored = roam["MsgList"][0]["MsgBody"][0]["MsgContent"]
    assert "MsgList" not in stored
    got = bob.call("downloadMergerMessage", {"jsonMsgKey": stored["JsonMsgKey"]})["msgList"]
    assert len(got) == 40 and got[39] == inner(39)


def test_resend_is_one_message_with_one_list(alice, bob, pg):
    """The same send twice (same random, same body) is a duplicate: one message, one list."""
    body = {"receiver": "bob", "msgBody": relay(40), "random": 4242}
    first = alice.call("sendMessage", body)
    again = alice.call("sendMessage", body)
    assert again["msgID"] == first["msgID"]
    assert lists(pg) == 1


def test_group_members_only(chatd, rest, alice, bob):
    call_ok(rest, "group_open_http_svc/create_group", {
        "Owner_Account": "alice", "Type": "Public", "GroupId": "gm", "Name": "g",
        "MemberList": [{"Member_Account": "bob"}]})
    send(alice, relay(40), groupID="gm")
    key = content(newest(bob, "group_gm"))["JsonMsgKey"]
    assert len(bob.call("downloadMergerMessage", {"jsonMsgKey": key})["msgList"]) == 40
    carol = WsClient.login_as(chatd.url, "carol")
    carol.fail("downloadMergerMessage", {"jsonMsgKey": key}, NOT_FOUND)


def test_deleted_for_self_cannot_download(alice, bob):
    send(alice, relay(40))
    message = newest(bob, "c2c_alice")
    bob.call("deleteMessages", {"msgIDList": [message["msgID"]]})
    key = content(message)["JsonMsgKey"]
    bob.fail("downloadMergerMessage", {"jsonMsgKey": key}, NOT_FOUND)
    assert len(alice.call("downloadMergerMessage", {"jsonMsgKey": key})["msgList"]) == 40


def test_forward_by_key_copies_the_list(chatd, alice, bob, pg):
    """bob forwards alice's merged message to carol by its key alone: carol's message gets its
    own key and list; dave, who never saw it, cannot forward the key: 90002, nothing stored."""
    send(alice, relay(40))
    key = content(newest(bob, "c2c_alice"))["JsonMsgKey"]
    send(bob, keyed(key), receiver="carol")
    carol = WsClient.login_as(chatd.url, "carol")
    forwarded = content(newest(carol, "c2c_bob"))
    assert forwarded["JsonMsgKey"] != key and forwarded["Title"] == "forwarded"
    got = carol.call("downloadMergerMessage", {"jsonMsgKey": forwarded["JsonMsgKey"]})
    assert got["msgList"] == relay(40)[0]["MsgContent"]["MsgList"]
    carol.fail("downloadMergerMessage", {"jsonMsgKey": key}, NOT_FOUND)

    dave = WsClient.login_as(chatd.url, "dave")
    before = pg.sql("SELECT count(*) FROM messages")[0][0]
    dave.fail("sendMessage", {"receiver": "carol", "msgBody": keyed(key), "random": 5}, FORMAT)
    dave.fail("sendMessage", {"receiver": "carol", "msgBody": keyed("mrg_nosuchkey"),
                              "random": 6}, FORMAT)
    assert pg.sql("SELECT count(*) FROM messages")[0][0] == before
    assert lists(pg) == 2


def test_recall_takes_the_list(alice, bob, pg):
    sent = send(alice, relay(40))
    key = content(newest(bob, "c2c_alice"))["JsonMsgKey"]
    assert alice.call("revokeMessage", {"msgID": sent["msgID"]}) == {}
    bob.fail("downloadMergerMessage", {"jsonMsgKey": key}, NOT_FOUND)
    assert lists(pg) == 0


@pytest.mark.parametrize("body", [{}, {"jsonMsgKey": ""}, {"jsonMsgKey": 5},
                                  {"jsonMsgKey": ["mrg_x"]}])
def test_download_bad_input(bob, body):
    bob.fail("downloadMergerMessage", body, BAD)


def test_download_unknown_key(bob):
    bob.fail("downloadMergerMessage", {"jsonMsgKey": "mrg_" + "0" * 32}, NOT_FOUND)


def test_limits(rest, alice, pg):
    """301 messages are too many (90002); a message still over 12 KB without its list is too
    long (80002). (A list over 1 MB is refused too: tests/unit/test_msgbody.c.)"""
    alice.fail("sendMessage", {"receiver": "bob", "msgBody": relay(301, size=1), "random": 9},
               FORMAT)
    with_text = relay(40) + text_body("y" * 12300)
    call_fail(rest, "openim/sendmsg", {"From_Account": "alice", "To_Account": "bob",
                                       "MsgRandom": 2, "MsgBody": with_text}, TOO_LONG)
    assert pg.sql("SELECT count(*) FROM messages")[0][0] == 0
    assert lists(pg) == 0


def test_modify_keeps_bodies_inline(alice, bob):
    """modifyMessage takes no body over 12 KB, merged or not: 80002."""
    sent = send(alice, text_body("first"))
    alice.fail("modifyMessage", {"msgID": sent["msgID"], "msgBody": relay(40)}, TOO_LONG)
    assert content(newest(bob, "c2c_alice"))["Text"] == "first"
