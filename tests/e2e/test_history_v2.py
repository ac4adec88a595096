"""getHistoryMessageListV2 (docs/protocol.md "Message commands"): older and newer pages from a
seq, a time window, element types and named seqs, for one-to-one and group conversations;
messages the viewer may not see stay out; bad options 70402."""

import itertools

import pytest

from expect import call_ok
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd
BAD = 70402
_random = itertools.count(1)


@pytest.fixture
def rest(chatd):
    rest = chatd.rest()
    import_users(rest, "alice", "bob")
    return rest


@pytest.fixture
def chat(chatd, rest):
    """alice sent bob six messages: texts t1..t4 and customs c5, c6 (seqs 1..6)."""
    alice = WsClient.login_as(chatd.url, "alice")
    for i in range(1, 7):
        body = text_body(f"t{i}") if i <= 4 else [
            {"MsgType": "TIMCustomElem", "MsgContent": {"Data": f"c{i}"}}]
        alice.call("sendMessage", {"receiver": "bob", "msgBody": body, "random": next(_random)})
    return alice


def seqs(answer):
    return [m["seq"] for m in answer["messageList"]]


def test_directions_and_from_seq(chat):
    conv = {"conversationID": "c2c_bob"}
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "count": 3})) == [6, 5, 4]
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "getType": 1, "lastMsgSeq": 4,
                                                      "count": 2})) == [3, 2]
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "getType": 2, "count": 2})) == [1, 2]
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "getType": 4, "lastMsgSeq": 4})) == [5, 6]


def test_types_seqs_and_time(chat):
    conv = {"conversationID": "c2c_bob"}
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "messageTypeList": [2]})) == [6, 5]
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "messageTypeList": [1, 2],
                                                      "count": 2})) == [6, 5]
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "messageSeqList": [2, 5, 9]})) == [5, 2]
    ts = chat.call("getHistoryMessageListV2", {**conv, "count": 1})["messageList"][0]["timestamp"]
    assert len(seqs(chat.call("getHistoryMessageListV2", {**conv, "getTimeBegin": ts,
                                                          "getTimePeriod": 0}))) >= 1
    assert seqs(chat.call("getHistoryMessageListV2", {**conv, "getTimeBegin": ts + 3600})) == []


def test_deleted_for_self_stay_out(chat, chatd):
    bob = WsClient.login_as(chatd.url, "bob")
    first = bob.call("getHistoryMessageListV2", {"conversationID": "c2c_alice", "getType": 2,
                                                 "count": 1})["messageList"][0]
    bob.call("deleteMessages", {"msgIDList": [first["msgID"]]})
    assert seqs(bob.call("getHistoryMessageListV2", {"conversationID": "c2c_alice",
                                                     "getType": 2, "count": 2})) == [2, 3]


def test_group_history_v2(chatd, rest):
    call_ok(rest, "group_open_http_svc/create_group", {
        "Owner_Account": "alice", "Type": "Public", "GroupId": "g2", "Name": "g",
        "MemberList": [{"Member_Account": "bob"}]})
    alice = WsClient.login_as(chatd.url, "alice")
    for i in range(3):
        alice.call("sendMessage", {"groupID": "g2", "msgBody": text_body(f"g{i}"),
                                   "random": next(_random)})
    got = alice.call("getHistoryMessageListV2", {"conversationID": "group_g2", "getType": 2,
                                                 "messageTypeList": [1]})
    assert [m["msgBody"][0]["MsgContent"]["Text"] for m in got["messageList"]][-3:] == [
        "g0", "g1", "g2"]


@pytest.mark.parametrize("body", [
    {"getType": 5}, {"getType": "1"}, {"count": 0}, {"count": 101}, {"lastMsgSeq": -1},
    {"messageTypeList": [0]}, {"messageTypeList": [11]}, {"messageTypeList": "1"},
    {"messageSeqList": [0]}, {"messageSeqList": "1"}, {"getTimeBegin": -1},
])
def test_bad_options(chat, body):
    chat.fail("getHistoryMessageListV2", {"conversationID": "c2c_bob", **body}, BAD)
