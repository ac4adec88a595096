/*
 * group/permission — the permission groups of Community groups (reference §5.6), shared by both
 * doors (private to api/): REST group_open_http_svc/…_permission_group… and
 * …_topic_permission_group (group/perm_rest.c), and the SDK's community manager
 * (createPermissionGroupInCommunity, …; group/perm_sdk.c).
 *
 * The rules live here once. Only a Community has permission groups (else 10007). Managing them
 * (create, destroy, modify, topic permissions) takes the owner, an admin, an app administrator,
 * or — in a community with EnablePermission — a member whose DefaultPermission or permission
 * groups grant ManagePermissionGroupInfo (bit 2); adding and removing their members likewise
 * with ManagePermissionGroupMember (bit 3); reading them takes a member (10007 otherwise). An
 * unknown group or permission group is 10010, a taken ID 10021, a bad one 10015; a community
 * holds at most PERM_GROUPS_MAX permission groups (10004). ManageTopic (bit 4) lets such a
 * member manage topics too (group/topic.c asks perm_bits_allow()).
 *
 * Changes are pushed to the community's online members: onPermissionGroupCreated {groupID,
 * permissionGroupInfo}, onPermissionGroupDeleted {groupID, permissionGroupIDList},
 * onPermissionGroupInfoChanged {groupID, permissionGroupInfo}, onMembersAddedToPermissionGroup
 * and onMembersDeletedFromPermissionGroup {groupID, permissionGroupID, memberIDList},
 * onTopicPermissionAdded and onTopicPermissionModified {groupID, permissionGroupID,
 * topicPermissionMap}, onTopicPermissionDeleted {groupID, permissionGroupID, topicIDList}.
 *
 * Ownership as in group/topic.h: texts borrowed from the call's body, lists taken over; `done`
 * runs once with the store's document (borrowed) on success.
 */
#ifndef CHATD_API_GROUP_PERMISSION_H
#define CHATD_API_GROUP_PERMISSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/fields.h"
#include "api/group/ops.h"
#include "store/permission.h"

enum {
    PERM_GROUPS_MAX = 100,      /* permission groups per community (chatd's) */
    PERM_IDS_MAX = 20,          /* destroy_permission_group, get_permission_group */
    PERM_MEMBERS_MAX = 100,     /* members per add / remove */
    PERM_MEMBER_PAGE_MAX = 100, /* get_permission_group_member_list */
    PERM_TOPICS_MAX = 50,       /* topic permissions per request */
    PERM_NAME_MAX = 150,
    PERM_CUSTOM_MAX = 3000,
    PERM_ID_MAX = 64,
};
#define PERM_ID_PREFIX "@PMG#_"
#define PERM_ID_AUTO "@PMG#_@PMG#"

/* Group permission bits (§5.6). */
enum {
    PERM_MANAGE_GROUP_INFO = 1 << 0,
    PERM_MANAGE_GROUP_MEMBER = 1 << 1,
    PERM_MANAGE_PERMISSION_INFO = 1 << 2,
    PERM_MANAGE_PERMISSION_MEMBER = 1 << 3,
    PERM_MANAGE_TOPIC = 1 << 4,
};

typedef enum {
    PERM_CREATE,       /* → {created, full, pg} */
    PERM_DESTROY,      /* ids: PermissionGroupIds → {destroyed} */
    PERM_MODIFY,       /* → {pg} */
    PERM_LIST,         /* ids (NULL: a page after `after`) → {pgs, more} */
    PERM_JOINED,       /* the actor's own → {pgs} */
    PERM_ADD,          /* ids: UserIDs → {results} */
    PERM_REMOVE,       /* ids: UserIDs → {results} */
    PERM_MEMBERS,      /* a page after `after` → {members, more} */
    PERM_TOPIC_ADD,    /* topics: [[TopicId, permission]] → {results} */
    PERM_TOPIC_SET,    /* topics → {results} */
    PERM_TOPIC_DELETE, /* topics: [[TopicId, 0]] → {results} */
    PERM_TOPIC_GET,    /* topics: [[TopicId, 0]] → {results} */
} perm_kind_t;

enum {
    PERM_F_GROUP = 1 << 0,
    PERM_F_ID = 1 << 1,
    PERM_F_NAME = 1 << 2,
    PERM_F_CUSTOM = 1 << 3,
    PERM_F_BITS = 1 << 4,
};

typedef struct {
    unsigned given; /* PERM_F_* */
    const char *group_id, *pg_id, *name, *custom_string;
    int64_t permission;
    json_t *ids;    /* taken over */
    json_t *topics; /* taken over */
    const char *after;
    int64_t limit;
} perm_req_t;

/* REST GroupId, PermissionGroupId, PermissionGroupName, Permission, CustomString; SDK groupID,
 * permissionGroupID, permissionGroupName, groupPermission, customData. */
extern const field_table_t perm_fields;

typedef void (*perm_done_fn)(api_call_t *call, err_t err, const char *detail, const json_t *doc);

void perm_run(api_call_t *call, const gop_actor_t *actor, perm_kind_t kind, perm_req_t *req,
              perm_done_fn done);

/* ---- for the doors ---- */

/* The topics of a topic-permission request into req->topics as [[TopicId, bits]]: REST
 * TopicPermissionList [{TopicId, Permission}] or TopicIdList, SDK topicPermissionMap {topicID:
 * bits} or topicIDList (1..PERM_TOPICS_MAX); false after failing the call. */
bool perm_read_topics(api_call_t *call, perm_req_t *req, field_door_t door, bool with_bits);
/* Ends a topic-permission call with its per-topic results in the door's spelling (REST
 * TopicPermissionResultList [{ErrorCode, ErrorInfo, TopicId, Permission?}], SDK resultList
 * [{resultCode, resultMsg, topicID, topicPermission?}]), or with the error. */
void perm_end_topics(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                     field_door_t door, bool with_bits);
/* Runs a topic-permission call of either door (PERM_TOPIC_*): reads its fields and topics,
 * then answers with perm_end_topics(). */
void perm_run_topics(api_call_t *call, const gop_actor_t *actor, perm_kind_t kind,
                     field_door_t door);
/* Ends a PERM_MEMBERS call: {next: the cursor ("" after the last page), list: [{id: UserID}]},
 * or the error. */
void perm_end_member_page(api_call_t *call, err_t err, const char *detail, const json_t *doc,
                          const char *id, const char *next, const char *list);
/* The code of a per-item status of the store (store/permission.h). */
err_t perm_status_err(const char *status);

/* Whether a plain member may do what `bit` needs in a community: with EnablePermission, when
 * DefaultPermission or their permission groups' bits grant it. */
bool perm_bits_allow(bool enabled, int64_t default_bits, int64_t member_bits, int64_t bit);

#endif
