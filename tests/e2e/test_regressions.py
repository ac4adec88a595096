"""Bugs found by reviews, each with the test that would have caught it."""

import pytest

from expect import call_ok
from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance


@pytest.fixture
def login(chatd, rest):
    import_users(rest, "alice", "bob")
    return lambda user: WsClient.login_as(chatd.url, user)


def test_reimported_userid_does_not_see_the_deleted_accounts_history(login, rest):
    """Deleting an account and importing the same UserID again makes a new person: the old
    account's one-to-one history stays with the peer and out of the newcomer's reach."""
    alice = login("alice")
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("secret")})
    alice.close()
    call_ok(rest, "im_open_login_svc/account_delete", {"DeleteItem": [{"UserID": "alice"}]})
    call_ok(rest, "im_open_login_svc/account_import", {"UserID": "alice"})
    again = login("alice")
    assert again.call("getHistoryMessageList", {"conversationID": "c2c_bob"})["messageList"] == []
    assert again.call("syncMessages", {})["messageList"] == []
    bob = login("bob")
    texts = [m["msgBody"][0]["MsgContent"]["Text"] for m in
             bob.call("getHistoryMessageList", {"conversationID": "c2c_alice"})["messageList"]]
    assert texts == ["secret"]


def test_received_message_is_never_peer_read(login):
    """isPeerRead only describes messages the viewer sent: a received one is false in the push
    and in the conversation's lastMessage alike."""
    alice, bob = login("alice"), login("bob")
    alice.call("sendMessage", {"receiver": "bob", "msgBody": text_body("hi")})
    pushed = bob.wait_event("onRecvNewMessage")["message"]
    (conv,) = bob.call("getConversationList", {})["conversationList"]
    assert pushed["isPeerRead"] is False
    assert conv["lastMessage"]["isPeerRead"] is False


def test_sync_positions_accept_group_conversations(login, rest):
    """syncMessages takes group_ conversationIDs in positions (a client tracks groups too)."""
    call_ok(rest, "group_open_http_svc/create_group",
            {"Owner_Account": "alice", "Type": "Private", "GroupId": "g1", "Name": "Team",
             "MemberList": [{"Member_Account": "bob"}]})
    alice = login("alice")
    sent = alice.call("sendMessage", {"groupID": "g1", "msgBody": text_body("one")})
    body = alice.call("syncMessages", {"positions": {"group_g1": sent["seq"]}})
    assert [m for m in body["messageList"] if m.get("groupID") == "g1"] == []


def test_group_conversation_shows_the_group_name(login, rest):
    """A group conversation's showName is the group's name, not its ID."""
    call_ok(rest, "group_open_http_svc/create_group",
            {"Owner_Account": "alice", "Type": "Private", "GroupId": "g2", "Name": "Team Two",
             "MemberList": [{"Member_Account": "bob"}]})
    alice = login("alice")
    alice.call("sendMessage", {"groupID": "g2", "msgBody": text_body("hello")})
    convs = alice.call("getConversationList", {})["conversationList"]
    assert [c["showName"] for c in convs if c["conversationID"] == "group_g2"] == ["Team Two"]
