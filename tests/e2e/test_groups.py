"""Group management over WebSocket, as the Chat SDK's group manager does it (docs/protocol.md,
"Groups"): each type's rules, roles and permissions, joining by application and by invitation,
mutes, dismissal, attributes, and the group listener's events to online members.

Group messages themselves are the group-messaging tests' subject; here they prove what membership
changes do to delivery (a removed member stops receiving, a muted one cannot send).
"""

import pytest

from ws_client import WsClient, import_users, text_body

pytestmark = pytest.mark.shared_chatd  # `chatd` is the module's shared instance

USERS = ["alice", "bob", "carol", "dave", "erin"]
MEMBER, ADMIN_ROLE, OWNER = 200, 300, 400


@pytest.fixture
def people(chatd):
    """alice…erin imported and logged in: a dict of WsClients."""
    rest = chatd.rest()
    import_users(rest, *USERS)
    return {u: WsClient.login_as(chatd.url, u) for u in USERS}


def create(client, group_type="Public", members=(), **fields):
    body = {"groupType": group_type, "groupName": fields.pop("groupName", "team"),
            "memberList": [{"userID": m, "role": MEMBER} for m in members], **fields}
    return client.call("createGroup", body)["groupID"]


def role_of(client, gid, user):
    (m,) = client.call("getGroupMembersInfo", {"groupID": gid, "memberList": [user]})[
        "memberInfoList"] or [None]
    return m["role"] if m else None


def members_of(client, gid):
    body = client.call("getGroupMemberList", {"groupID": gid, "filter": 0, "nextSeq": "0"})
    return sorted(m["userID"] for m in body["memberInfoList"])


def send_group(client, gid, text="hi"):
    return client.request("sendMessage", {"groupID": gid, "msgBody": text_body(text)})


def texts(client):
    return [m["msgBody"][0]["MsgContent"].get("Text") for m in client.messages()
            if m["msgBody"][0]["MsgType"] == "TIMTextElem"]


# ---- createGroup and the type table -------------------------------------------------------------

def test_create_group_makes_creator_owner(people):
    """The creator is the owner, listed members are members and hear onMemberInvited."""
    alice, bob = people["alice"], people["bob"]
    gid = create(alice, "Public", ["bob"])
    assert gid.startswith("@TGS#")
    ev = bob.wait_event("onMemberInvited")
    assert ev["groupID"] == gid and ev["opUser"] == {"userID": "alice"}
    assert ev["memberList"] == [{"userID": "bob"}]
    assert role_of(alice, gid, "alice") == OWNER and role_of(alice, gid, "bob") == MEMBER
    (res,) = alice.call("getGroupsInfo", {"groupIDList": [gid]})["groupInfoResultList"]
    info = res["groupInfo"]
    assert (res["resultCode"], info["groupType"], info["owner"], info["memberCount"]) == (
        0, "Public", "alice", 2)
    assert info["role"] == OWNER and info["groupAddOpt"] == 1  # NeedPermission


@pytest.mark.parametrize("body,code", [
    ({"groupType": "Nope", "groupName": "n"}, 10004),
    ({"groupType": "Public"}, 10004),
    ({"groupType": "Public", "groupName": "n" * 31}, 10004),
    ({"groupType": "Public", "groupName": "n", "groupID": "@TGS#mine"}, 10015),
    ({"groupType": "Public", "groupName": "n", "memberList": [{"userID": "ghost"}]}, 10019),
    ({"groupType": "Public", "groupName": "n", "memberList": [{"userID": "bob", "role": 400}]},
     10004),
    ({"groupType": "AVChatRoom", "groupName": "n", "memberList": [{"userID": "bob"}]}, 10007),
    ({"groupType": "Public", "groupName": "n", "groupAddOpt": 7}, 10004),
    ({"groupType": "Public", "groupName": "n", "customInfo": {"9x": "v"}}, 10004),
])
def test_create_group_bad_input(people, body, code):
    """createGroup refuses an unknown type, a missing or over-long name, a bad role, groupAddOpt
    or customInfo key (10004), an @TGS# groupID (10015), an unknown member (10019) and members
    for an AVChatRoom (10007)."""
    people["alice"].fail("createGroup", body, code)


# Who may join how, per type (reference §5.1): Work by invitation only; Public by application
# approved by the owner/admins; Meeting, AVChatRoom and Community freely.
@pytest.mark.parametrize("group_type,outcome", [
    ("Work", 10007), ("Public", "pending"), ("Meeting", "joined"), ("AVChatRoom", "joined"),
    ("Community", "joined")])
def test_join_per_type(people, group_type, outcome):
    """joinGroup per type: a Work group refuses (10007), a Public group makes the request
    pending, Meeting, AVChatRoom and Community groups take the user at once (an AVChatRoom's
    viewer holds no member row: they count as online instead)."""
    alice, dave = people["alice"], people["dave"]
    gid = create(alice, group_type)
    if outcome == 10007:
        dave.fail("joinGroup", {"groupID": gid}, 10007)
        return
    body = dave.call("joinGroup", {"groupID": gid, "message": "let me in"})
    assert body["pending"] == (outcome == "pending")
    if group_type == "AVChatRoom":
        assert role_of(alice, gid, "dave") is None
        assert alice.call("getGroupOnlineMemberCount", {"groupID": gid})["count"] == 2
        return
    assert (role_of(alice, gid, "dave") == MEMBER) == (outcome == "joined")


def test_join_errors(people):
    """joinGroup answers a member 10013, an unknown group 10010, a missing groupID 10004, a
    group that forbids joining 10007 and a full group 10014."""
    alice, bob = people["alice"], people["bob"]
    gid = create(alice, "Meeting", ["bob"])
    bob.fail("joinGroup", {"groupID": gid}, 10013)
    bob.fail("joinGroup", {"groupID": "nope"}, 10010)
    bob.fail("joinGroup", {}, 10004)
    closed = create(alice, "Public", groupAddOpt=0)
    people["carol"].fail("joinGroup", {"groupID": closed}, 10007)
    full = create(alice, "Meeting", memberMaxCount=1)
    people["carol"].fail("joinGroup", {"groupID": full}, 10014)


def test_join_application_message_limit(people):
    """A join application's message holds at most 300 bytes (10004 beyond, nothing recorded);
    300 bytes are accepted and the request waits for approval."""
    alice, dave = people["alice"], people["dave"]
    gid = create(alice, "Public", groupAddOpt=1)
    dave.fail("joinGroup", {"groupID": gid, "message": "m" * 301}, 10004)
    dave.fail("joinGroup", {"groupID": gid, "message": 5}, 10004)
    assert alice.call("getGroupApplicationList", {})["groupApplicationList"] == []
    assert dave.call("joinGroup", {"groupID": gid, "message": "m" * 300})["pending"] is True


# ---- join by application -------------------------------------------------------------------------

def test_join_by_application_accepted(people):
    """dave applies to a Public group: the owner hears onReceiveJoinApplication and sees it in
    getGroupApplicationList; accepting makes dave a member, tells him (onApplicationProcessed)
    and tells the members (onMemberEnter)."""
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    gid = create(alice, "Public", ["bob"])
    assert dave.call("joinGroup", {"groupID": gid, "message": "hi"})["pending"] is True
    ev = alice.wait_event("onReceiveJoinApplication")
    assert ev == {"groupID": gid, "member": {"userID": "dave"}, "opReason": "hi", "type": 0}
    apps = alice.call("getGroupApplicationList")
    assert apps["unreadCount"] == 1
    (app,) = apps["groupApplicationList"]
    assert (app["groupID"], app["fromUser"], app["requestMsg"], app["type"]) == (gid, "dave",
                                                                                "hi", 0)
    alice.call("setGroupApplicationRead")
    apps = alice.call("getGroupApplicationList")
    assert apps["unreadCount"] == 0 and len(apps["groupApplicationList"]) == 1
    bob.fail("acceptGroupApplication", {"groupID": gid, "fromUser": "dave"}, 10007)
    alice.call("acceptGroupApplication", {"groupID": gid, "fromUser": "dave", "reason": "ok"})
    ev = dave.wait_event("onApplicationProcessed")
    assert (ev["groupID"], ev["isAgreeJoin"], ev["opReason"]) == (gid, True, "ok")
    assert bob.wait_event("onMemberEnter")["memberList"] == [{"userID": "dave"}]
    assert role_of(alice, gid, "dave") == MEMBER
    assert alice.call("getGroupApplicationList")["groupApplicationList"] == []
    alice.fail("acceptGroupApplication", {"groupID": gid, "fromUser": "dave"}, 10013)


def test_join_by_application_refused(people):
    """Refusing dave's application tells him (onApplicationProcessed, isAgreeJoin false, the
    reason), leaves him outside, and the handled application can be neither refused nor accepted
    again (10024)."""
    alice, dave = people["alice"], people["dave"]
    gid = create(alice, "Public")
    dave.call("joinGroup", {"groupID": gid})
    alice.call("refuseGroupApplication", {"groupID": gid, "fromUser": "dave", "reason": "no"})
    ev = dave.wait_event("onApplicationProcessed")
    assert (ev["isAgreeJoin"], ev["opReason"]) == (False, "no")
    assert role_of(alice, gid, "dave") is None
    alice.fail("refuseGroupApplication", {"groupID": gid, "fromUser": "dave"}, 10024)
    alice.fail("acceptGroupApplication", {"groupID": gid, "fromUser": "dave"}, 10024)


# ---- invitations -----------------------------------------------------------------------------------

def test_invite_in_work_group(people):
    """Any Work member invites, no approval: results 1 added, 2 already in, 0 no such user."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = create(alice, "Work", ["bob"])
    result = bob.call("inviteUserToGroup", {"groupID": gid, "userList": ["carol", "alice",
                                                                         "ghost"]})
    assert result["resultList"] == [{"memberID": "carol", "result": 1},
                                    {"memberID": "alice", "result": 2},
                                    {"memberID": "ghost", "result": 0}]
    ev = carol.wait_event("onMemberInvited")
    assert ev["opUser"] == {"userID": "bob"} and ev["memberList"] == [{"userID": "carol"}]
    assert members_of(alice, gid) == ["alice", "bob", "carol"]


def test_invite_rules(people):
    """Public/Meeting members cannot invite (the owner can); AVChatRoom nobody invites; a
    non-member cannot invite."""
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    pub = create(alice, "Public", ["bob"])
    bob.fail("inviteUserToGroup", {"groupID": pub, "userList": ["carol"]}, 10007)
    dave.fail("inviteUserToGroup", {"groupID": pub, "userList": ["carol"]}, 10007)
    alice.call("inviteUserToGroup", {"groupID": pub, "userList": ["carol"]})
    av = create(alice, "AVChatRoom")
    alice.fail("inviteUserToGroup", {"groupID": av, "userList": ["carol"]}, 10007)
    alice.fail("inviteUserToGroup", {"groupID": pub, "userList": []}, 10004)
    alice.fail("inviteUserToGroup", {"groupID": pub, "userList": [f"u{i}" for i in range(101)]},
               10005)


def test_invitation_with_approval(people):
    """A Work group with groupApproveOpt 1: a member's invitation waits (result 3) until the
    owner accepts it (type 1)."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = create(alice, "Work", ["bob"], groupApproveOpt=1)
    result = bob.call("inviteUserToGroup", {"groupID": gid, "userList": ["carol"]})
    assert result["resultList"] == [{"memberID": "carol", "result": 3}]
    ev = alice.wait_event("onReceiveJoinApplication")
    assert ev["member"] == {"userID": "carol"} and ev["type"] == 1
    (app,) = alice.call("getGroupApplicationList")["groupApplicationList"]
    assert (app["fromUser"], app["toUser"], app["type"]) == ("bob", "carol", 1)
    alice.call("acceptGroupApplication", {"groupID": gid, "fromUser": "bob", "toUser": "carol",
                                          "type": 1})
    assert carol.wait_event("onApplicationProcessed")["isAgreeJoin"] is True
    assert role_of(alice, gid, "carol") == MEMBER


# ---- roles and permissions ------------------------------------------------------------------------

@pytest.fixture
def public_group(people):
    """A Public group: alice owner, bob admin, carol and dave members."""
    alice = people["alice"]
    gid = create(alice, "Public", ["bob", "carol", "dave"])
    alice.call("setGroupMemberRole", {"groupID": gid, "userID": "bob", "role": ADMIN_ROLE})
    return gid


@pytest.mark.parametrize("actor,target,code", [
    ("carol", "dave", 10007),   # a member can't kick
    ("bob", "alice", 10007),    # an admin can't kick the owner
    ("erin", "dave", 10007),    # a non-member can't kick
])
def test_kick_permissions(people, public_group, actor, target, code):
    """kickGroupMember is refused (10007) to a plain member, to an admin kicking the owner and
    to a non-member; the target stays in the group."""
    people[actor].fail("kickGroupMember", {"groupID": public_group, "memberList": [target]}, code)
    assert role_of(people["alice"], public_group, target) is not None


def test_admin_kicks_member_owner_kicks_admin(people, public_group):
    """Kicked members and the rest of the group hear onMemberKicked; the kicked member stops
    receiving the group's messages at once."""
    alice, bob, carol, dave = (people[u] for u in ("alice", "bob", "carol", "dave"))
    result = bob.call("kickGroupMember", {"groupID": public_group, "memberList": ["dave", "erin"],
                                          "reason": "spam"})
    assert result["resultList"] == [{"memberID": "dave", "result": 1},
                                    {"memberID": "erin", "result": 2}]
    assert dave.wait_event("onMemberKicked")["opUser"] == {"userID": "bob"}
    assert carol.wait_event("onMemberKicked")["memberList"] == [{"userID": "dave"}]
    assert send_group(alice, public_group, "after")["code"] == 0
    carol.wait_event("onRecvNewMessage", where=lambda b: b["message"]["msgBody"][0][
        "MsgType"] == "TIMTextElem")
    dave.barrier()
    assert "after" not in texts(dave)
    dave_send = send_group(dave, public_group, "still here?")
    assert dave_send["code"] == 10007
    alice.call("kickGroupMember", {"groupID": public_group, "memberList": ["bob"]})
    assert role_of(alice, public_group, "bob") is None


def test_set_member_role(people, public_group):
    """The owner grants and revokes admin (onGrant/onRevokeAdministrator); admins cannot; Work
    groups have no admins."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    assert carol.wait_event("onGrantAdministrator")["memberList"] == [{"userID": "bob"}]
    bob.fail("setGroupMemberRole", {"groupID": public_group, "userID": "carol",
                                    "role": ADMIN_ROLE}, 10007)
    alice.call("setGroupMemberRole", {"groupID": public_group, "userID": "bob", "role": MEMBER})
    ev = carol.wait_event("onRevokeAdministrator")
    assert ev["opUser"] == {"userID": "alice"} and ev["memberList"] == [{"userID": "bob"}]
    alice.fail("setGroupMemberRole", {"groupID": public_group, "userID": "bob", "role": OWNER},
               10004)
    alice.fail("setGroupMemberRole", {"groupID": public_group, "userID": "erin",
                                      "role": ADMIN_ROLE}, 10007)
    work = create(alice, "Work", ["bob"])
    alice.fail("setGroupMemberRole", {"groupID": work, "userID": "bob", "role": ADMIN_ROLE}, 10007)


def test_owner_quit_rules(people, chatd):
    """A Public owner cannot quit (10009); a Work owner can and leaves the group ownerless; a
    member who quits hears onQuitFromGroup on its other devices and the group onMemberLeave."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    pub = create(alice, "Public", ["bob"])
    alice.fail("quitGroup", {"groupID": pub}, 10009)
    bob2 = WsClient.login_as(chatd.url, "bob", platform="Android")
    bob.call("quitGroup", {"groupID": pub})
    assert bob2.wait_event("onQuitFromGroup") == {"groupID": pub}
    assert alice.wait_event("onMemberLeave")["member"] == {"userID": "bob"}
    bob.fail("quitGroup", {"groupID": pub}, 10007)
    work = create(alice, "Work", ["carol"])
    alice.call("quitGroup", {"groupID": work})
    (res,) = carol.call("getGroupsInfo", {"groupIDList": [work]})["groupInfoResultList"]
    assert res["groupInfo"]["owner"] == ""


def test_transfer_owner(people, public_group):
    """Only the owner transfers ownership, and only to a member (10007, 10004); the members hear
    onGroupInfoChanged type 5, the new owner is owner and the old one a member."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    bob.fail("transferGroupOwner", {"groupID": public_group, "userID": "carol"}, 10007)
    alice.fail("transferGroupOwner", {"groupID": public_group, "userID": "erin"}, 10004)
    alice.call("transferGroupOwner", {"groupID": public_group, "userID": "carol"})
    ev = bob.wait_event("onGroupInfoChanged", where=lambda b: b["changeInfos"][0]["type"] == 5)
    assert ev["changeInfos"] == [{"type": 5, "value": "carol"}]
    assert role_of(alice, public_group, "carol") == OWNER
    assert role_of(alice, public_group, "alice") == MEMBER


# ---- profile ----------------------------------------------------------------------------------------

def test_set_group_info(people, public_group):
    """Admins change a Public group's profile; members hear onGroupInfoChanged; plain members
    cannot; in a Work group members may change the name."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    bob.call("setGroupInfo", {"groupID": public_group, "groupName": "Renamed",
                              "notification": "rules", "customInfo": {"level": "2"}})
    ev = carol.wait_event("onGroupInfoChanged")
    assert {"type": 1, "value": "Renamed"} in ev["changeInfos"]
    assert {"type": 6, "key": "level", "value": "2"} in ev["changeInfos"]
    (res,) = carol.call("getGroupsInfo", {"groupIDList": [public_group]})["groupInfoResultList"]
    assert (res["groupInfo"]["groupName"], res["groupInfo"]["notification"]) == ("Renamed",
                                                                                "rules")
    assert res["groupInfo"]["customInfo"] == {"level": "2"}
    carol.fail("setGroupInfo", {"groupID": public_group, "groupName": "Mine"}, 10007)
    alice.fail("setGroupInfo", {"groupID": public_group, "groupName": ""}, 10004)
    work = create(alice, "Work", ["bob"])
    bob.call("setGroupInfo", {"groupID": work, "groupName": "ours"})
    bob.fail("setGroupInfo", {"groupID": work, "groupAddOpt": 2}, 10007)


def test_get_groups_info_visibility(people):
    """A Work group's profile is for its members; other types are visible; unknown: 10010."""
    alice, erin = people["alice"], people["erin"]
    work = create(alice, "Work")
    pub = create(alice, "Public")
    results = erin.call("getGroupsInfo", {"groupIDList": [work, pub, "nope"]})[
        "groupInfoResultList"]
    assert [r["resultCode"] for r in results] == [10007, 0, 10010]
    assert results[1]["groupInfo"]["role"] == 0
    long_id = create(alice, "Public", groupID="x" * 47)
    (res,) = erin.call("getGroupsInfo", {"groupIDList": [long_id]})["groupInfoResultList"]
    assert (res["resultCode"], res["groupInfo"]["groupID"]) == (0, long_id)
    erin.fail("getGroupsInfo", {"groupIDList": []}, 10004)
    erin.fail("getGroupsInfo", {"groupIDList": [f"g{i}" for i in range(101)]}, 10005)


def test_joined_group_list(people):
    """Joined groups, except AVChatRoom and Work groups that have no message yet."""
    alice, bob = people["alice"], people["bob"]
    pub = create(alice, "Public", ["bob"])
    work = create(alice, "Work", ["bob"])
    av = create(alice, "AVChatRoom")
    bob.call("joinGroup", {"groupID": av})
    listed = [g["groupID"] for g in bob.call("getJoinedGroupList")["groupList"]]
    assert listed == [pub]
    assert send_group(alice, work, "activate")["code"] == 0
    listed = sorted(g["groupID"] for g in bob.call("getJoinedGroupList")["groupList"])
    assert listed == sorted([pub, work])


# ---- members ----------------------------------------------------------------------------------------

def test_member_list_filters_and_paging(people, public_group):
    """getGroupMemberList pages with nextSeq and filters owner (1) and admins (2); a non-member
    gets 10007, an unknown filter 10004, an unknown group 10010."""
    alice, erin = people["alice"], people["erin"]
    page = alice.call("getGroupMemberList", {"groupID": public_group, "filter": 0,
                                             "nextSeq": "0", "count": 2})
    assert [m["userID"] for m in page["memberInfoList"]] == ["alice", "bob"]
    assert page["nextSeq"] == "2"
    page = alice.call("getGroupMemberList", {"groupID": public_group, "filter": 0,
                                             "nextSeq": page["nextSeq"], "count": 2})
    assert sorted(m["userID"] for m in page["memberInfoList"]) == ["carol", "dave"]
    assert page["nextSeq"] == "0"
    admins = alice.call("getGroupMemberList", {"groupID": public_group, "filter": 2})
    assert [(m["userID"], m["role"]) for m in admins["memberInfoList"]] == [("bob", ADMIN_ROLE)]
    owner = alice.call("getGroupMemberList", {"groupID": public_group, "filter": 1})
    assert [m["userID"] for m in owner["memberInfoList"]] == ["alice"]
    erin.fail("getGroupMemberList", {"groupID": public_group}, 10007)
    alice.fail("getGroupMemberList", {"groupID": public_group, "filter": 3}, 10004)
    alice.fail("getGroupMemberList", {"groupID": "nope"}, 10010)


def test_set_group_member_info(people, public_group):
    """Members set their own name card; admins set plain members'; not the other way round."""
    bob, carol, dave = people["bob"], people["carol"], people["dave"]
    carol.call("setGroupMemberInfo", {"groupID": public_group, "userID": "carol",
                                      "nameCard": "C", "customInfo": {"seat": "3"}})
    ev = dave.wait_event("onMemberInfoChanged")
    assert ev["v2TIMGroupMemberChangeInfoList"][0]["userID"] == "carol"
    (m,) = bob.call("getGroupMembersInfo", {"groupID": public_group, "memberList": ["carol"]})[
        "memberInfoList"]
    assert (m["nameCard"], m["customInfo"]) == ("C", {"seat": "3"})
    bob.call("setGroupMemberInfo", {"groupID": public_group, "userID": "dave", "nameCard": "D"})
    carol.fail("setGroupMemberInfo", {"groupID": public_group, "userID": "dave",
                                      "nameCard": "x"}, 10007)
    dave.fail("setGroupMemberInfo", {"groupID": public_group, "userID": "bob", "nameCard": "x"},
              10007)
    carol.fail("setGroupMemberInfo", {"groupID": public_group, "userID": "carol",
                                      "nameCard": "n" * 51}, 10004)


# ---- mutes ------------------------------------------------------------------------------------------

def test_mute_member(people, public_group):
    """An admin mutes a member (onMemberInfoChanged with muteTime); the muted member's group
    message gets 10017; unmuting lets it send again; members cannot mute."""
    bob, carol, dave = people["bob"], people["carol"], people["dave"]
    bob.call("muteGroupMember", {"groupID": public_group, "userID": "dave", "seconds": 600})
    ev = carol.wait_event("onMemberInfoChanged")
    assert ev["v2TIMGroupMemberChangeInfoList"] == [{"userID": "dave", "muteTime": 600}]
    assert send_group(dave, public_group, "muted?")["code"] == 10017
    bob.call("muteGroupMember", {"groupID": public_group, "userID": "dave", "seconds": 0})
    assert send_group(dave, public_group, "free")["code"] == 0
    carol.fail("muteGroupMember", {"groupID": public_group, "userID": "dave", "seconds": 60},
               10007)
    bob.fail("muteGroupMember", {"groupID": public_group, "userID": "alice", "seconds": 60},
             10007)
    bob.fail("muteGroupMember", {"groupID": public_group, "userID": "dave", "seconds": -1}, 10004)


def test_mute_all(people, public_group):
    """Mute-all stops plain members (10017) but not admins; onGroupInfoChanged type 8 and
    onAllGroupMembersMuted."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    alice.call("muteAllGroupMembers", {"groupID": public_group, "isMute": True})
    ev = carol.wait_event("onGroupInfoChanged")
    assert ev["changeInfos"] == [{"type": 8, "boolValue": True}]
    assert carol.wait_event("onAllGroupMembersMuted") == {"groupID": public_group, "isMute": True}
    assert send_group(carol, public_group, "x")["code"] == 10017
    assert send_group(bob, public_group, "admin")["code"] == 0
    carol.fail("muteAllGroupMembers", {"groupID": public_group, "isMute": False}, 10007)
    alice.call("muteAllGroupMembers", {"groupID": public_group, "isMute": False})
    assert carol.wait_event("onAllGroupMembersMuted") == {"groupID": public_group,
                                                          "isMute": False}
    assert send_group(carol, public_group, "y")["code"] == 0
    work = create(alice, "Work", ["bob"])
    alice.fail("muteAllGroupMembers", {"groupID": work, "isMute": True}, 10007)
    alice.fail("muteGroupMember", {"groupID": work, "userID": "bob", "seconds": 5}, 10007)


# Nothing is stored for AVChatRoom and onlineUserOnly sends, so the writer's SQL never sees them:
# the mute rule must still apply (issue 9's bug).
@pytest.mark.parametrize("group_type,online_only,mute", [
    ("AVChatRoom", False, "member"), ("Meeting", True, "member"), ("Meeting", True, "all")])
def test_muted_member_cannot_send_unstored_messages(people, group_type, online_only, mute):
    """A muted member's unstored group message (AVChatRoom or onlineUserOnly) gets 10017 and
    reaches nobody; once unmuted the same member's message goes out."""
    alice, dave = people["alice"], people["dave"]
    gid = create(alice, group_type)
    dave.call("joinGroup", {"groupID": gid, "message": ""})
    if mute == "member":
        alice.call("muteGroupMember", {"groupID": gid, "userID": "dave", "seconds": 600})
    else:
        alice.call("muteAllGroupMembers", {"groupID": gid, "isMute": True})
    body = {"groupID": gid, "msgBody": text_body("muted?"), "onlineUserOnly": online_only}
    assert dave.request("sendMessage", body)["code"] == 10017
    if mute == "member":
        alice.call("muteGroupMember", {"groupID": gid, "userID": "dave", "seconds": 0})
    else:
        alice.call("muteAllGroupMembers", {"groupID": gid, "isMute": False})
    body["msgBody"] = text_body("free")
    assert dave.request("sendMessage", body)["code"] == 0
    # Pushes keep their order: had "muted?" gone out, it would be the first one from dave.
    def from_dave(b):
        return b["message"]["sender"] == "dave" and b["message"]["msgBody"][0]["MsgType"] == \
            "TIMTextElem"
    ev = alice.wait_event("onRecvNewMessage", where=from_dave)
    assert ev["message"]["msgBody"][0]["MsgContent"]["Text"] == "free"
    alice.barrier()
    assert "muted?" not in texts(alice)


# ---- dismissal ----------------------------------------------------------------------------------------

def test_dismiss_with_members_online(people, public_group):
    """Every online member hears onGroupDismissed; the group is gone."""
    alice, bob, carol, dave = (people[u] for u in ("alice", "bob", "carol", "dave"))
    bob.fail("dismissGroup", {"groupID": public_group}, 10007)
    alice.call("dismissGroup", {"groupID": public_group})
    for client in (bob, carol, dave):
        ev = client.wait_event("onGroupDismissed")
        assert ev == {"groupID": public_group, "opUser": {"userID": "alice"}}
    (res,) = bob.call("getGroupsInfo", {"groupIDList": [public_group]})["groupInfoResultList"]
    assert res["resultCode"] == 10010
    alice.fail("dismissGroup", {"groupID": public_group}, 10010)


def test_work_group_dismissed_only_by_app_admin(people):
    """The owner of a Work group cannot dismiss it over WebSocket (10007): only the app admin
    can."""
    alice = people["alice"]
    work = create(alice, "Work", ["bob"])
    alice.fail("dismissGroup", {"groupID": work}, 10007)


# ---- history before joining ------------------------------------------------------------------------

@pytest.mark.parametrize("group_type,sees_old", [("Meeting", True), ("Public", False),
                                                 ("Work", False)])
def test_history_before_joining(people, group_type, sees_old):
    """A Meeting newcomer reads what was said before joining; Public and Work newcomers don't."""
    alice, dave = people["alice"], people["dave"]
    gid = create(alice, group_type, groupAddOpt=2)
    assert send_group(alice, gid, "before")["code"] == 0
    if group_type == "Work":
        alice.call("inviteUserToGroup", {"groupID": gid, "userList": ["dave"]})
    else:
        dave.call("joinGroup", {"groupID": gid})
    assert send_group(alice, gid, "after")["code"] == 0
    history = dave.call("getHistoryMessageList", {"conversationID": f"group_{gid}", "count": 50})
    seen = [m["msgBody"][0]["MsgContent"].get("Text") for m in history["messageList"]
            if m["msgBody"][0]["MsgType"] == "TIMTextElem"]
    assert ("before" in seen) == sees_old and "after" in seen


# ---- tips -------------------------------------------------------------------------------------------

def test_join_stores_a_tips_message(people):
    """Joining puts a TIMGroupTipElem (tipsType 1) in the conversation, seen by the members."""
    alice, dave = people["alice"], people["dave"]
    gid = create(alice, "Meeting")
    dave.call("joinGroup", {"groupID": gid})
    msg = alice.wait_event("onRecvNewMessage")["message"]
    (elem,) = msg["msgBody"]
    assert elem["MsgType"] == "TIMGroupTipElem"
    assert (elem["MsgContent"]["tipsType"], elem["MsgContent"]["memberList"]) == (1, ["dave"])


# ---- attributes ---------------------------------------------------------------------------------------

def test_group_attributes(people):
    """init replaces, set upserts, delete removes keys; members hear onGroupAttributeChanged;
    non-members can neither read nor write."""
    alice, bob, erin = people["alice"], people["bob"], people["erin"]
    gid = create(alice, "AVChatRoom")
    bob.call("joinGroup", {"groupID": gid})
    alice.call("initGroupAttributes", {"groupID": gid, "attributes": {"seat1": "bob", "x": "1"}})
    ev = bob.wait_event("onGroupAttributeChanged")
    assert ev == {"groupID": gid, "groupAttributeMap": {"seat1": "bob", "x": "1"}}
    bob.call("setGroupAttributes", {"groupID": gid, "attributes": {"seat2": "carol"}})
    got = alice.call("getGroupAttributes", {"groupID": gid})["groupAttributeMap"]
    assert got == {"seat1": "bob", "seat2": "carol", "x": "1"}
    got = alice.call("getGroupAttributes", {"groupID": gid, "keys": ["x"]})["groupAttributeMap"]
    assert got == {"x": "1"}
    alice.call("deleteGroupAttributes", {"groupID": gid, "keys": ["x", "nope"]})
    assert alice.call("getGroupAttributes", {"groupID": gid})["groupAttributeMap"] == {
        "seat1": "bob", "seat2": "carol"}
    alice.call("initGroupAttributes", {"groupID": gid, "attributes": {"only": "1"}})
    assert alice.call("getGroupAttributes", {"groupID": gid})["groupAttributeMap"] == {"only": "1"}
    alice.call("deleteGroupAttributes", {"groupID": gid})
    assert alice.call("getGroupAttributes", {"groupID": gid})["groupAttributeMap"] == {}
    erin.fail("setGroupAttributes", {"groupID": gid, "attributes": {"a": "b"}}, 10007)
    erin.fail("getGroupAttributes", {"groupID": gid}, 10007)
    alice.fail("setGroupAttributes", {"groupID": gid, "attributes": {"k" * 33: "v"}}, 10045)
    alice.fail("setGroupAttributes", {"groupID": gid, "attributes": {"k": "v" * 4001}}, 10046)
    alice.fail("setGroupAttributes", {"groupID": gid,
                                      "attributes": {f"k{i}": "v" for i in range(17)}}, 10047)
    alice.fail("setGroupAttributes", {"groupID": gid, "attributes": {"k": 1}}, 10004)


# ---- online count --------------------------------------------------------------------------------------

def test_online_member_count(people, chatd):
    """AVChatRoom members are whoever joined; the count is of those with a session."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = create(alice, "AVChatRoom")
    bob.call("joinGroup", {"groupID": gid})
    carol.call("joinGroup", {"groupID": gid})
    assert alice.call("getGroupOnlineMemberCount", {"groupID": gid})["count"] == 3
    carol.close()
    answer = None
    for _ in range(200):
        answer = alice.call("getGroupOnlineMemberCount", {"groupID": gid})["count"]
        if answer == 2:
            break
    assert answer == 2
    people["erin"].fail("getGroupOnlineMemberCount", {"groupID": gid}, 10007)
    alice.fail("getGroupOnlineMemberCount", {"groupID": "nope"}, 10010)


# ---- the member's conversation ------------------------------------------------------------------

def test_joining_and_leaving_the_conversation(people):
    """A joiner's group conversation starts at the group's newest message (nothing unread); a
    Meeting member receives without notifications (recvOpt 2, the type counts no unread); a
    kicked member's conversation is gone."""
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    gid = create(alice, "Public", ["bob"], groupAddOpt=2)
    assert send_group(alice, gid, "before")["code"] == 0
    dave.call("joinGroup", {"groupID": gid})
    # The join's tips message is stored after the join: wait for it before going on.
    alice.wait_event("onRecvNewMessage", where=lambda b: b["message"]["msgBody"][0][
        "MsgType"] == "TIMGroupTipElem")
    conv = dave.call("getConversation", {"conversationID": f"group_{gid}"})["conversation"]
    assert (conv["groupID"], conv["unreadCount"], conv["recvOpt"]) == (gid, 0, 0)
    assert send_group(alice, gid, "after")["code"] == 0
    dave.wait_event("onRecvNewMessage", where=lambda b: b["message"]["msgBody"][0][
        "MsgType"] == "TIMTextElem")
    conv = dave.call("getConversation", {"conversationID": f"group_{gid}"})["conversation"]
    assert conv["unreadCount"] == 1
    alice.call("kickGroupMember", {"groupID": gid, "memberList": ["dave"]})
    dave.fail("getConversation", {"conversationID": f"group_{gid}"}, 6004)
    meeting = create(alice, "Meeting")
    bob.call("joinGroup", {"groupID": meeting})
    conv = bob.call("getConversation", {"conversationID": f"group_{meeting}"})["conversation"]
    assert conv["recvOpt"] == 2
