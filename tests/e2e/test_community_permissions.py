"""Community permission groups (docs/protocol.md "Permission groups", reference §5.6): named
sets of permission bits with members of the community and per-topic bits, managed by the owner
and admins — or, with EnablePermission, by members their bits allow — over both doors; members
hear the changes; bad requests change nothing."""

import pytest

from expect import call_fail, call_ok
from ws_client import WsClient, import_users

pytestmark = pytest.mark.shared_chatd

USERS = ["alice", "bob", "carol", "dave"]
G = "group_open_http_svc/"
MANAGE_PERMISSION_INFO, MANAGE_PERMISSION_MEMBER, MANAGE_TOPIC = 1 << 2, 1 << 3, 1 << 4
_n = [0]


@pytest.fixture
def people(chatd):
    import_users(chatd.rest(), *USERS)
    return {u: WsClient.login_as(chatd.url, u) for u in USERS}


def community(alice, **extra):
    """A Community with topics owned by alice; bob and carol plain members."""
    _n[0] += 1
    return alice.call("createGroup", {
        "groupType": "Community", "groupName": f"p{_n[0]}", "isSupportTopic": True,
        "memberList": [{"userID": "bob", "role": 200}, {"userID": "carol", "role": 200}],
        **extra})["groupID"]


def create_pg(client, gid, name="mods", **info):
    return client.call("createPermissionGroupInCommunity", {"info": {
        "groupID": gid, "permissionGroupName": name, **info}})["permissionGroupID"]


def pg_rows(pg):
    return pg.sql("SELECT count(*) FROM permission_groups")[0][0], pg.sql(
        "SELECT count(*) FROM permission_group_members")[0][0], pg.sql(
        "SELECT count(*) FROM topic_permissions")[0][0]


def test_permission_groups_over_websocket(people):
    """Create, list, modify, members, topic permissions, delete — each heard by members."""
    alice, bob = people["alice"], people["bob"]
    gid = community(alice)
    pid = create_pg(alice, gid, "mods", groupPermission=MANAGE_TOPIC, customData="c")
    assert pid.startswith("@PMG#_@PMG#")
    ev = bob.wait_event("onPermissionGroupCreated")
    assert ev["groupID"] == gid and ev["permissionGroupInfo"]["permissionGroupID"] == pid
    custom = create_pg(alice, gid, "named", permissionGroupID="@PMG#_named")
    assert custom == "@PMG#_named"
    listed = bob.call("getPermissionGroupListInCommunity", {"groupID": gid})["resultList"]
    assert sorted(r["info"]["permissionGroupID"] for r in listed) == sorted([pid, custom])
    info = [r["info"] for r in listed if r["info"]["permissionGroupID"] == pid][0]
    assert (info["permissionGroupName"], info["groupPermission"], info["customData"],
            info["memberCount"]) == ("mods", MANAGE_TOPIC, "c", 0)
    alice.call("modifyPermissionGroupInfoInCommunity", {"info": {
        "groupID": gid, "permissionGroupID": pid, "permissionGroupName": "moderators"}})
    assert bob.wait_event("onPermissionGroupInfoChanged")["permissionGroupInfo"][
        "permissionGroupName"] == "moderators"
    res = alice.call("addCommunityMembersToPermissionGroup", {
        "groupID": gid, "permissionGroupID": pid, "memberList": ["bob", "dave"]})["resultList"]
    assert [(r["memberID"], r["resultCode"]) for r in res] == [("bob", 0), ("dave", 10007)]
    ev = bob.wait_event("onMembersAddedToPermissionGroup")
    assert ev == {"groupID": gid, "permissionGroupID": pid, "memberIDList": ["bob"]}
    joined = bob.call("getJoinedPermissionGroupListInCommunity", {"groupID": gid})["resultList"]
    assert [r["info"]["permissionGroupID"] for r in joined] == [pid]
    page = bob.call("getCommunityMemberListInPermissionGroup",
                    {"groupID": gid, "permissionGroupID": pid, "nextCursor": ""})
    assert page == {"nextCursor": "", "memberList": [{"userID": "bob"}]}
    topic = alice.call("createTopicInCommunity", {"groupID": gid, "topicInfo": {
        "topicName": "t"}})["topicID"]
    res = alice.call("addTopicPermissionToPermissionGroup", {
        "groupID": gid, "permissionGroupID": pid,
        "topicPermissionMap": {topic: 8, gid + "@TOPIC#_ghost": 1}})["resultList"]
    assert sorted((r["topicID"], r["resultCode"]) for r in res) == sorted(
        [(topic, 0), (gid + "@TOPIC#_ghost", 10010)])
    assert bob.wait_event("onTopicPermissionAdded")["topicPermissionMap"] == {topic: 8}
    alice.call("modifyTopicPermissionInPermissionGroup", {
        "groupID": gid, "permissionGroupID": pid, "topicPermissionMap": {topic: 24}})
    assert bob.wait_event("onTopicPermissionModified")["topicPermissionMap"] == {topic: 24}
    (got,) = bob.call("getTopicPermissionInPermissionGroup", {
        "groupID": gid, "permissionGroupID": pid, "topicIDList": [topic]})["resultList"]
    assert (got["topicID"], got["topicPermission"], got["resultCode"]) == (topic, 24, 0)
    alice.call("deleteTopicPermissionFromPermissionGroup", {
        "groupID": gid, "permissionGroupID": pid, "topicIDList": [topic]})
    assert bob.wait_event("onTopicPermissionDeleted")["topicIDList"] == [topic]
    alice.call("removeCommunityMembersFromPermissionGroup", {
        "groupID": gid, "permissionGroupID": pid, "memberList": ["bob"]})
    assert bob.wait_event("onMembersDeletedFromPermissionGroup")["memberIDList"] == ["bob"]
    res = alice.call("deletePermissionGroupFromCommunity", {
        "groupID": gid, "permissionGroupIDList": [pid, "@PMG#_ghost"]})["resultList"]
    assert [(r["permissionGroupID"], r["resultCode"]) for r in res] == [
        (pid, 0), ("@PMG#_ghost", 10010)]
    assert bob.wait_event("onPermissionGroupDeleted")["permissionGroupIDList"] == [pid]


def test_bits_grant_management_with_enable_permission(people, pg):
    """With EnablePermission a plain member in a permission group with ManageTopic creates
    topics, with ManagePermissionGroupMember adds members; without it, 10007. Leaving the
    community ends the membership."""
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    gid = community(alice, isEnablePermissionGroup=True, defaultPermissions=0)
    info = alice.call("getGroupsInfo", {"groupIDList": [gid]})["groupInfoResultList"][0][
        "groupInfo"]
    assert info["isEnablePermissionGroup"] is True and info["defaultPermissions"] == 0
    bob.fail("createTopicInCommunity", {"groupID": gid, "topicInfo": {"topicName": "x"}}, 10007)
    pid = create_pg(alice, gid, "mods",
                    groupPermission=MANAGE_TOPIC | MANAGE_PERMISSION_MEMBER)
    bob.fail("addCommunityMembersToPermissionGroup",
             {"groupID": gid, "permissionGroupID": pid, "memberList": ["carol"]}, 10007)
    alice.call("addCommunityMembersToPermissionGroup",
               {"groupID": gid, "permissionGroupID": pid, "memberList": ["bob"]})
    bob.call("createTopicInCommunity", {"groupID": gid, "topicInfo": {"topicName": "x"}})
    bob.call("addCommunityMembersToPermissionGroup",
             {"groupID": gid, "permissionGroupID": pid, "memberList": ["carol"]})
    bob.fail("createPermissionGroupInCommunity",
             {"info": {"groupID": gid, "permissionGroupName": "y"}}, 10007)
    carol.call("quitGroup", {"groupID": gid})
    assert pg.sql("SELECT user_id FROM permission_group_members WHERE group_id = %s",
                  (gid,)) == [("bob",)]


def test_bits_grant_nothing_without_enable_permission(people):
    alice, bob = people["alice"], people["bob"]
    gid = community(alice)
    pid = create_pg(alice, gid, "mods", groupPermission=MANAGE_TOPIC)
    alice.call("addCommunityMembersToPermissionGroup",
               {"groupID": gid, "permissionGroupID": pid, "memberList": ["bob"]})
    bob.fail("createTopicInCommunity", {"groupID": gid, "topicInfo": {"topicName": "x"}}, 10007)


@pytest.mark.parametrize("case,code", [
    ("public", 10007), ("plain_member", 10007), ("outsider_reads", 10007), ("long_name", 10004),
    ("no_name", 10004), ("bad_id", 10015), ("auto_id", 10015), ("taken", 10021),
    ("unknown_group", 10010), ("unknown_pg", 10010), ("nothing_to_change", 10004),
    ("too_many_members", 10005), ("bad_topic_map", 10004),
])
def test_bad_requests_change_nothing(people, pg, case, code):
    alice, bob, dave = people["alice"], people["bob"], people["dave"]
    gid = community(alice)
    create_pg(alice, gid, "taken", permissionGroupID="@PMG#_taken")
    who, cmd = alice, "createPermissionGroupInCommunity"
    body = {"info": {"groupID": gid, "permissionGroupName": "n"}}
    if case == "public":
        body["info"]["groupID"] = alice.call("createGroup", {"groupType": "Public",
                                                             "groupName": "p"})["groupID"]
    elif case == "plain_member":
        who = bob
    elif case == "outsider_reads":
        who, cmd, body = dave, "getPermissionGroupListInCommunity", {"groupID": gid}
    elif case == "long_name":
        body["info"]["permissionGroupName"] = "n" * 151
    elif case == "no_name":
        body["info"] = {"groupID": gid}
    elif case == "bad_id":
        body["info"]["permissionGroupID"] = "mine"
    elif case == "auto_id":
        body["info"]["permissionGroupID"] = "@PMG#_@PMG#x"
    elif case == "taken":
        body["info"]["permissionGroupID"] = "@PMG#_taken"
    elif case == "unknown_group":
        body["info"]["groupID"] = "@TGS#_none"
    elif case == "unknown_pg":
        cmd, body = "addCommunityMembersToPermissionGroup", {
            "groupID": gid, "permissionGroupID": "@PMG#_ghost", "memberList": ["bob"]}
    elif case == "nothing_to_change":
        cmd, body = "modifyPermissionGroupInfoInCommunity", {"info": {
            "groupID": gid, "permissionGroupID": "@PMG#_taken"}}
    elif case == "too_many_members":
        cmd, body = "addCommunityMembersToPermissionGroup", {
            "groupID": gid, "permissionGroupID": "@PMG#_taken",
            "memberList": [f"u{i}" for i in range(101)]}
    elif case == "bad_topic_map":
        cmd, body = "addTopicPermissionToPermissionGroup", {
            "groupID": gid, "permissionGroupID": "@PMG#_taken", "topicPermissionMap": {"t": -1}}
    before = pg_rows(pg)
    who.fail(cmd, body, code)
    assert pg_rows(pg) == before


def test_rest_permission_groups(people, chatd, pg):
    """The REST door with Tencent's names: create, get (by ID and paged), modify, members
    (added, listed, deleted), topic permissions (add, set, get, delete), destroy."""
    rest, bob = chatd.rest(), people["bob"]
    gid = "@TGS#_perm" + str(_n[0])
    _n[0] += 1
    call_ok(rest, G + "create_group", {"Owner_Account": "alice", "Type": "Community",
                                       "GroupId": gid, "Name": "r", "SupportTopic": 1,
                                       "EnablePermission": 1, "DefaultPermission": 64,
                                       "MemberList": [{"Member_Account": "bob"}]})
    info = call_ok(rest, G + "get_group_info", {"GroupIdList": [gid]})["GroupInfo"][0]
    assert (info["EnablePermission"], info["DefaultPermission"], info["SupportTopic"]) == (1, 64, 1)
    pid = call_ok(rest, G + "create_permission_group", {
        "GroupId": gid, "PermissionGroupId": "@PMG#_a", "PermissionGroupName": "a",
        "Permission": 123, "CustomString": "s"})["PermissionGroupId"]
    assert pid == "@PMG#_a"
    for name in ("b", "c"):
        call_ok(rest, G + "create_permission_group", {"GroupId": gid,
                                                      "PermissionGroupId": "@PMG#_" + name,
                                                      "PermissionGroupName": name})
    got = call_ok(rest, G + "get_permission_group", {"GroupId": gid,
                                                     "PermissionGroupIdList": [pid]})
    (one,) = got["PermissionGroupInfoList"]
    assert (one["PermissionGroupId"], one["PermissionGroupName"], one["Permission"],
            one["CustomString"], one["MemberNum"]) == (pid, "a", 123, "s", 0)
    first = call_ok(rest, G + "get_permission_group", {"GroupId": gid, "Limit": 2, "Next": ""})
    assert [p["PermissionGroupId"] for p in first["PermissionGroupInfoList"]] == [
        "@PMG#_a", "@PMG#_b"]
    rest_ = call_ok(rest, G + "get_permission_group", {"GroupId": gid, "Limit": 2,
                                                       "Next": first["Next"]})
    assert [p["PermissionGroupId"] for p in rest_["PermissionGroupInfoList"]] == ["@PMG#_c"]
    assert rest_["Next"] == ""
    call_ok(rest, G + "modify_permission_group", {"GroupId": gid, "PermissionGroupId": pid,
                                                  "Permission": 7})
    assert bob.wait_event("onPermissionGroupInfoChanged")["permissionGroupInfo"][
        "groupPermission"] == 7
    added = call_ok(rest, G + "add_permission_group_member", {
        "GroupId": gid, "PermissionGroupId": pid,
        "MemberList": [{"Member_Account": "bob"}, {"Member_Account": "carol"}]})
    assert added["MemberList"] == [{"Member_Account": "bob", "Result": 1},
                                   {"Member_Account": "carol", "Result": 0}]
    listed = call_ok(rest, G + "get_permission_group_member_list",
                     {"GroupId": gid, "PermissionGroupId": pid, "Limit": 10, "Next": ""})
    assert listed == {**listed, "Next": "", "MemberList": [{"Member_Account": "bob"}]}
    topic = call_ok(rest, "million_group_open_http_svc/create_topic",
                    {"GroupId": gid, "TopicName": "t"})["TopicId"]
    res = call_ok(rest, G + "add_topic_permission_group", {
        "GroupId": gid, "PermissionGroupId": pid,
        "TopicPermissionList": [{"TopicId": topic, "Permission": 9}]})
    assert res["TopicPermissionResultList"] == [{"ErrorCode": 0, "ErrorInfo": "", "TopicId": topic}]
    again = call_ok(rest, G + "add_topic_permission_group", {
        "GroupId": gid, "PermissionGroupId": pid,
        "TopicPermissionList": [{"TopicId": topic, "Permission": 9}]})
    assert again["TopicPermissionResultList"][0]["ErrorCode"] == 10021
    call_ok(rest, G + "set_topic_permission_group", {
        "GroupId": gid, "PermissionGroupId": pid,
        "TopicPermissionList": [{"TopicId": topic, "Permission": 10}]})
    (item,) = call_ok(rest, G + "get_topic_permission_group", {
        "GroupId": gid, "PermissionGroupId": pid, "TopicIdList": [topic]})[
        "TopicPermissionResultList"]
    assert (item["ErrorCode"], item["Permission"]) == (0, 10)
    call_ok(rest, G + "delete_topic_permission_group", {
        "GroupId": gid, "PermissionGroupId": pid, "TopicIdList": [topic]})
    assert pg.sql("SELECT count(*) FROM topic_permissions WHERE group_id = %s", (gid,)) == [(0,)]
    deleted = call_ok(rest, G + "delete_permission_group_member", {
        "GroupId": gid, "PermissionGroupId": pid, "MemberList": [{"Member_Account": "bob"}]})
    assert deleted["MemberList"] == [{"Member_Account": "bob", "Result": 1}]
    gone = call_ok(rest, G + "destroy_permission_group", {
        "GroupId": gid, "PermissionGroupIdList": [pid, "@PMG#_zz"]})
    assert [(r["PermissionGroupId"], r["ErrorCode"]) for r in gone["PermissionGroupResultList"]] == [
        (pid, 0), ("@PMG#_zz", 10010)]
    call_fail(rest, G + "create_permission_group", {"GroupId": gid}, 10004)
    call_fail(rest, G + "create_permission_group", {"GroupId": gid, "PermissionGroupName": "x",
                                                    "PermissionGroupId": "@PMG#_b"}, 10021)
    call_fail(rest, G + "destroy_permission_group", {"GroupId": gid,
                                                     "PermissionGroupIdList": ["x"] * 21}, 10005)
    call_fail(rest, G + "get_permission_group", {"GroupId": gid, "Limit": 21}, 10004)
