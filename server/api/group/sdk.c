/* Group management commands of the WebSocket protocol, named as the Chat SDK's group manager
 * names them (createGroup, joinGroup, … getGroupOnlineMemberCount). Changes go through
 * group/ops.c, the path REST takes too; this file reads SDK parameters and writes SDK results
 * (V2TIMGroupInfo, V2TIMGroupMemberFullInfo, V2TIMGroupApplication field names). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/group/avroom.h"
#include "api/group/ops.h"
#include "api/group/rules.h"
#include "api/search/search.h"
#include "api/valid.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/group.h"

/* SDK GroupMemberFilterTypeEnum. */
enum { FILTER_ALL = 0, FILTER_OWNER = 1, FILTER_ADMIN = 2, FILTER_COMMON = 4 };

/* SDK V2TIMGroupMemberOperationResult. */
enum { RESULT_FAIL = 0, RESULT_OK = 1, RESULT_INVALID = 2, RESULT_PENDING = 3, RESULT_FULL = 4 };

static bool valid_user_id_text(const char *s)
{
    return valid_user_id(s, strlen(s));
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static gop_actor_t actor_of(const api_call_t *call)
{
    return (gop_actor_t){.user = call->identifier,
                         .app_admin = config_is_admin(call->env->cfg, call->identifier)};
}

/* body.groupID, or NULL after failing the call. */
static const char *group_id_of(api_call_t *call)
{
    const char *id = str(call->body, "groupID");
    if (id == NULL || *id == '\0') {
        api_fail(call, ERR_GROUP_PARAM, "groupID must be a non-empty string");
        return NULL;
    }
    return id;
}

/* A UserID under `name`, or NULL after failing the call. */
static const char *user_of(api_call_t *call, const char *name)
{
    const char *u = str(call->body, name);
    if (u == NULL || !valid_user_id_text(u)) {
        api_fail(call, ERR_GROUP_PARAM, "%s must be a UserID string", name);
        return NULL;
    }
    return u;
}

/* An array of 1..max UserIDs under `name`, as a new array of strings; NULL after failing. */
static json_t *users_of(api_call_t *call, const char *name, size_t max)
{
    api_ids_t spec = {name, max, NULL, true, ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY, "UserIDs"};
    return api_read_id_array(call, &spec);
}

/* Ends the call the way every change without its own result does. */
static void on_done(api_call_t *call, err_t err, const char *detail, const gop_result_t *result)
{
    if (err != ERR_OK)
        api_fail(call, err, detail ? "%s" : NULL, detail);
    else
        api_finish(call, NULL);
}

/* ---- SDK shapes ---- */

static json_t *custom_copy(const json_t *custom)
{
    return json_is_object(custom) ? json_deep_copy(custom) : json_object();
}

static group_type_t type_of(const store_group_t *g)
{
    group_type_t t = GROUP_WORK;
    group_type_parse(g->type, &t);
    return t;
}

static int opt_sdk(const char *s)
{
    group_opt_t o = GROUP_OPT_PERMISSION;
    group_opt_parse(s, &o);
    return group_opt_sdk(o);
}

/* V2TIMGroupInfo of a store group (with the viewer's membership when it has one). */
static json_t *group_info(const store_group_t *g)
{
    json_t *info = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:o, s:b}",
        "groupID", g->id, "groupType", group_type_sdk(type_of(g)), "groupName", g->name,
        "notification", g->notification, "introduction", g->introduction, "faceUrl", g->face_url,
        "isAllMuted", g->mute_all, "owner", g->owner ? g->owner : "", "createTime",
        (json_int_t)g->create_time, "groupAddOpt", opt_sdk(g->apply_opt), "groupApproveOpt",
        opt_sdk(g->invite_opt), "lastInfoTime", (json_int_t)g->last_info_time, "lastMessageTime",
        (json_int_t)g->last_time, "memberCount", (json_int_t)g->member_count, "memberMaxCount",
        (json_int_t)g->max_members, "customInfo", custom_copy(g->custom), "isSupportTopic",
        g->support_topic);
    if (g->support_topic || g->enable_permission) {
        json_object_set_new(info, "isEnablePermissionGroup", json_boolean(g->enable_permission));
        json_object_set_new(info, "defaultPermissions",
                            json_integer((json_int_t)g->default_permission));
    }
    store_group_member_t self;
    if (store_group_member_view(g->self, &self)) {
        json_object_set_new(info, "role",
                            json_integer(group_role_sdk(group_role_parse(self.role))));
        json_object_set_new(info, "recvOpt",
                            json_integer(self.recv_opt >= 0
                                             ? self.recv_opt
                                             : group_msg_flag_to_recv_opt(self.msg_flag)));
        json_object_set_new(info, "joinTime", json_integer((json_int_t)self.join_time));
        json_object_set_new(info, "muteUntil", json_integer((json_int_t)self.mute_until));
        json_object_set_new(info, "readSeq", json_integer((json_int_t)self.read_seq));
    } else {
        json_object_set_new(info, "role", json_integer(0));
    }
    return info;
}

/* V2TIMGroupMemberFullInfo of a store member object. */
static json_t *member_info(const json_t *obj)
{
    store_group_member_t m;
    store_group_member_view(obj, &m);
    return json_pack("{s:s, s:i, s:I, s:I, s:o, s:s, s:s, s:s, s:s}", "userID", m.user, "role",
                     group_role_sdk(group_role_parse(m.role)), "muteUntil",
                     (json_int_t)m.mute_until, "joinTime", (json_int_t)m.join_time, "customInfo",
                     custom_copy(m.custom), "nickName", m.nick, "nameCard", m.name_card, "faceUrl",
                     m.face_url, "friendRemark", "");
}

/* ---- createGroup ---- */

static void on_created(api_call_t *call, err_t err, const char *detail, const gop_result_t *result)
{
    if (err != ERR_OK) {
        api_fail(call, err, detail ? "%s" : NULL, detail);
    } else {
        api_finish(call, json_pack("{s:s}", "groupID", result->group_id));
    }
}

void api_group_create(api_call_t *call)
{
    gop_new_t g = {0};
    char detail[200];
    err_t err = gop_read_new(call->body, FIELD_SDK, true, &g, detail, sizeof detail);
    if (err != ERR_OK) {
        api_fail(call, err, "%s", detail);
        return;
    }
    g.owner = call->identifier;
    gop_actor_t actor = actor_of(call);
    gop_create(call, &actor, &g, on_created);
}

/* ---- joinGroup, quitGroup, dismissGroup ---- */

static void on_joined(api_call_t *call, err_t err, const char *detail, const gop_result_t *result)
{
    if (err != ERR_OK)
        api_fail(call, err, detail ? "%s" : NULL, detail);
    else
        api_finish(call, json_pack("{s:b}", "pending", result->pending));
}

void api_group_join(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_req_t req = {0};
    if (!api_read_fields(call, &gop_join_fields, FIELD_SDK, call->body, &req))
        return;
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_JOIN, &actor, id, &req, on_joined);
}

void api_group_quit(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_QUIT, &actor, id, &(gop_req_t){0}, on_done);
}

void api_group_dismiss(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_DISMISS, &actor, id, &(gop_req_t){0}, on_done);
}

/* ---- getJoinedGroupList, getGroupsInfo ---- */

/* [V2TIMGroupInfo] of store groups. */
static json_t *group_infos(const json_t *groups)
{
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(groups, i, v)
    {
        store_group_t g;
        if (store_group_view(v, &g))
            json_array_append_new(list, group_info(&g));
    }
    return list;
}

static void on_joined_list(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    api_finish(call, json_pack("{s:o}", "groupList", group_infos(res->groups)));
}

void api_group_joined_list(api_call_t *call)
{
    gop_joined_t q = {.user = call->identifier, .limit = GROUP_JOINED_MAX};
    gop_joined(call->env, &q, on_joined_list, call);
}

void api_group_joined_communities(api_call_t *call)
{
    gop_joined_t q = {.user = call->identifier,
                      .has_type = true,
                      .type = GROUP_COMMUNITY,
                      .limit = GROUP_JOINED_MAX};
    gop_joined(call->env, &q, on_joined_list, call);
}

static void on_groups_info(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    bool admin = config_is_admin(call->env->cfg, call->identifier);
    json_t *found = res->groups;
    json_t *list = json_array(), *id;
    size_t i;
    json_array_foreach(json_object_get(call->body, "groupIDList"), i, id)
    {
        store_group_t g, x;
        bool has = false;
        for (size_t k = 0; !has && k < json_array_size(found); k++) {
            store_group_view(json_array_get(found, k), &x);
            if (strcmp(x.id, json_string_value(id)) == 0) {
                g = x;
                has = true;
            }
        }
        err_t e = ERR_GROUP_NOT_FOUND;
        if (has) {
            store_group_member_t self;
            group_role_t role = store_group_member_view(g.self, &self) ? group_role_parse(self.role)
                                                                       : GROUP_ROLE_NONE;
            e = admin ? ERR_OK : group_rule_read_info(type_of(&g), role);
        }
        json_t *item = json_pack("{s:i, s:s}", "resultCode", e == ERR_OK ? 0 : (int)e,
                                 "resultMessage", e == ERR_OK ? "" : err_text((int)e));
        json_object_set_new(item, "groupInfo",
                            e == ERR_OK ? group_info(&g) : json_pack("{s:O}", "groupID", id));
        json_array_append_new(list, item);
    }
    api_finish(call, json_pack("{s:o}", "groupInfoResultList", list));
}

void api_group_get_info(api_call_t *call)
{
    api_ids_t spec = {"groupIDList",   GROUP_SDK_INFO_IDS_MAX, NULL,      false,
                      ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY,     "groupIDs"};
    json_t *ids = api_read_id_array(call, &spec);
    if (ids == NULL)
        return;
    char *ids_json = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    store_group_get(call->env->db, ids_json, call->identifier, on_groups_info, call);
    free(ids_json);
}

/* ---- searchGroups, searchGroupMembers ---- */

static void on_groups_search(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call != NULL)
        api_finish(call, group_infos(res->groups));
}

/* V2TIMGroupSearchParam {keywordList, isSearchGroupID, isSearchGroupName} → [V2TIMGroupInfo]
 * of the caller's groups that match. */
void api_group_search(api_call_t *call)
{
    static const char *const switches[] = {"isSearchGroupID", "isSearchGroupName", NULL};
    bool on[2];
    char *keywords;
    if (!search_read_people(call, ERR_GROUP_PARAM, switches, on, &keywords))
        return;
    store_group_search(call->env->db, call->identifier, keywords, on[0], on[1], on_groups_search,
                       call);
    free(keywords);
}

static void on_members_search(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *out = json_object(), *v;
    size_t i;
    json_array_foreach(res->members, i, v)
    {
        const char *group = str(v, "group");
        json_t *list = json_object_get(out, group);
        if (list == NULL) {
            list = json_array();
            json_object_set_new(out, group, list);
        }
        json_array_append_new(list, member_info(json_object_get(v, "member")));
    }
    api_finish(call, out);
}

/* V2TIMGroupMemberSearchParam {keywordList, groupIDList (absent: all my groups),
 * isSearchMemberUserID, isSearchMemberNickName, isSearchMemberRemark,
 * isSearchMemberNameCard} → {groupID: [V2TIMGroupMemberFullInfo]}. */
void api_group_search_members(api_call_t *call)
{
    static const char *const switches[] = {"isSearchMemberUserID", "isSearchMemberNickName",
                                           "isSearchMemberRemark", "isSearchMemberNameCard", NULL};
    bool by[4];
    char *keywords;
    if (!search_read_people(call, ERR_GROUP_PARAM, switches, by, &keywords))
        return;
    const json_t *ids = json_object_get(search_param(call), "groupIDList");
    bool bad = ids != NULL && !json_is_null(ids) &&
               (!json_is_array(ids) || json_array_size(ids) > GROUP_SDK_INFO_IDS_MAX);
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id) bad |= !json_is_string(id) || json_string_length(id) == 0;
    if (bad) {
        api_fail(call, ERR_GROUP_PARAM, "groupIDList must hold at most %d groupIDs",
                 GROUP_SDK_INFO_IDS_MAX);
        free(keywords);
        return;
    }
    char *ids_json = json_array_size(ids) ? json_dumps(ids, JSON_COMPACT) : NULL;
    store_group_search_members(call->env->db, call->identifier, ids_json, keywords, by,
                               on_members_search, call);
    free(ids_json);
    free(keywords);
}

/* ---- setGroupInfo, muteAllGroupMembers ---- */

/* A profile change read with `t` (SDK spellings) from `body`. */
static void modify_with(api_call_t *call, const field_table_t *t, const json_t *body)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_profile_t p = {0};
    if (!api_read_fields(call, t, FIELD_SDK, body, &p))
        return;
    gop_actor_t actor = actor_of(call);
    gop_modify(call, &actor, id, &p, on_done);
}

void api_group_set_info(api_call_t *call)
{
    /* Flutter passes {info: V2TimGroupInfo}; accept the fields at the top level too. */
    const json_t *info = json_object_get(call->body, "info");
    modify_with(call, &gop_profile_fields, json_is_object(info) ? info : call->body);
}

void api_group_mute_all(api_call_t *call)
{
    modify_with(call, &gop_mute_all_fields, call->body);
}

/* ---- members: lists ---- */

typedef struct {
    char *group_id;
    int64_t offset, count, mark;
    char *roles;
} page_t;

static void on_members_page(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    page_t *p = call->state;
    call->state = NULL;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
    } else {
        json_t *list = json_array(), *m;
        size_t i;
        json_t *members = res->members;
        json_array_foreach(members, i, m) json_array_append_new(list, member_info(m));
        int64_t next = p->offset + (int64_t)json_array_size(members);
        int64_t total = res->total;
        char seq[24];
        snprintf(seq, sizeof seq, "%lld", (long long)(next < total ? next : 0));
        api_finish(call, json_pack("{s:s, s:o}", "nextSeq", seq, "memberInfoList", list));
    }
    xfree(p->group_id);
    xfree(p->roles);
    xfree(p);
}

/* Whether the caller may read the group's members or attributes (gop_may_read); the view of
 * the context in *c. */
static bool member_or_admin(api_call_t *call, const store_group_res_t *res, store_group_ctx_t *c)
{
    store_group_ctx_view(res, c);
    err_t err = gop_may_read(c, config_is_admin(call->env->cfg, call->identifier));
    if (err != ERR_OK)
        api_fail(call, err, err == ERR_GROUP_PERMISSION ? "not a member of the group" : NULL);
    return err == ERR_OK;
}

static void on_page_ctx(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    page_t *p = call->state;
    call->state = NULL; /* a failed call is gone once answered */
    store_group_ctx_t c;
    if (err != ERR_OK || !member_or_admin(call, res, &c)) {
        if (err != ERR_OK)
            api_fail(call, err, NULL);
        xfree(p->group_id);
        xfree(p->roles);
        xfree(p);
        return;
    }
    call->state = p;
    store_group_members(call->env->db, p->group_id, p->roles, p->mark, NULL, p->offset, p->count,
                        on_members_page, call);
}

void api_group_member_list(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    long long filter = 0, count = GROUP_SDK_MEMBER_PAGE_MAX, offset = 0;
    json_t *f = json_object_get(call->body, "filter");
    if (f && (!json_is_integer(f) ||
              (json_integer_value(f) != FILTER_ALL && json_integer_value(f) != FILTER_OWNER &&
               json_integer_value(f) != FILTER_ADMIN && json_integer_value(f) != FILTER_COMMON &&
               json_integer_value(f) < GROUP_MARK_MIN))) {
        api_fail(call, ERR_GROUP_PARAM,
                 "filter must be 0 (all), 1 (owner), 2 (admins), 4 (members) or a member mark "
                 "(>= %d)",
                 GROUP_MARK_MIN);
        return;
    }
    filter = f ? json_integer_value(f) : 0;
    json_t *c = json_object_get(call->body, "count");
    if (c && (!json_is_integer(c) || json_integer_value(c) < 1 ||
              json_integer_value(c) > GROUP_SDK_MEMBER_PAGE_MAX)) {
        api_fail(call, ERR_GROUP_PARAM, "count must be 1 to %d", GROUP_SDK_MEMBER_PAGE_MAX);
        return;
    }
    if (c)
        count = json_integer_value(c);
    /* nextSeq is the SDK's paging cursor (a string; "0" first); offset is accepted too. */
    json_t *seq = json_object_get(call->body, "nextSeq");
    json_t *off = json_object_get(call->body, "offset");
    char *end = NULL;
    if (json_is_string(seq))
        offset = strtoll(json_string_value(seq), &end, 10);
    else if (json_is_integer(seq))
        offset = json_integer_value(seq);
    else if (json_is_integer(off))
        offset = json_integer_value(off);
    if ((seq && !json_is_string(seq) && !json_is_integer(seq)) || (end && *end != '\0') ||
        offset < 0) {
        api_fail(call, ERR_GROUP_PARAM, "nextSeq must be the string the last page returned");
        return;
    }
    page_t *p = XNEW(page_t);
    p->group_id = xstrdup(id);
    p->offset = offset;
    p->count = count;
    p->mark = filter >= GROUP_MARK_MIN ? filter : 0;
    p->roles = filter == FILTER_OWNER    ? xstrdup("[\"Owner\"]")
               : filter == FILTER_ADMIN  ? xstrdup("[\"Admin\"]")
               : filter == FILTER_COMMON ? xstrdup("[\"Member\"]")
                                         : NULL;
    call->state = p;
    store_group_ctx(call->env->db, id, call->identifier, NULL, on_page_ctx, call);
}

static void on_members_info(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    store_group_ctx_t c;
    if (!member_or_admin(call, res, &c))
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < c.n_targets; i++) {
        store_group_target_t t;
        store_group_ctx_target(&c, i, &t);
        if (t.member)
            json_array_append_new(list, member_info(t.member));
    }
    api_finish(call, json_pack("{s:o}", "memberInfoList", list));
}

void api_group_members_info(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *users = users_of(call, "memberList", GROUP_SDK_MEMBERS_INFO_MAX);
    if (users == NULL)
        return;
    char *users_json = json_dumps(users, JSON_COMPACT);
    json_decref(users);
    store_group_ctx(call->env->db, id, call->identifier, users_json, on_members_info, call);
    free(users_json);
}

/* ---- members: changes ---- */

/* A member change read with `t` (SDK spellings). */
static void member_with(api_call_t *call, const field_table_t *t)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_member_t m = {0};
    if (!api_read_fields(call, t, FIELD_SDK, call->body, &m))
        return;
    gop_actor_t actor = actor_of(call);
    gop_member(call, &actor, id, &m, on_done);
}

void api_group_set_member_info(api_call_t *call)
{
    member_with(call, &gop_member_fields);
}

void api_group_mute_member(api_call_t *call)
{
    member_with(call, &gop_mute_fields);
}

void api_group_set_member_role(api_call_t *call)
{
    member_with(call, &gop_role_fields);
}

void api_group_transfer_owner(api_call_t *call)
{
    const char *id = group_id_of(call);
    const char *user = id ? user_of(call, "userID") : NULL;
    if (user == NULL)
        return;
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_TRANSFER, &actor, id, &(gop_req_t){.user = user}, on_done);
}

static int result_code(const char *status)
{
    if (strcmp(status, "added") == 0 || strcmp(status, "removed") == 0)
        return RESULT_OK;
    if (strcmp(status, "already") == 0 || strcmp(status, "not_member") == 0)
        return RESULT_INVALID;
    if (strcmp(status, "pending") == 0)
        return RESULT_PENDING;
    if (strcmp(status, "full") == 0)
        return RESULT_FULL;
    return RESULT_FAIL;
}

static void on_member_results(api_call_t *call, err_t err, const char *detail,
                              const gop_result_t *result)
{
    if (err != ERR_OK) {
        api_fail(call, err, detail ? "%s" : NULL, detail);
        return;
    }
    json_t *list = json_array(), *r;
    size_t i;
    json_array_foreach(result->results, i, r)
        json_array_append_new(list, json_pack("{s:s, s:i}", "memberID", str(r, "user"), "result",
                                              result_code(str(r, "status"))));
    api_finish(call, json_pack("{s:o}", "resultList", list));
}

void api_group_invite(api_call_t *call)
{
    const char *id = group_id_of(call);
    json_t *users = id ? users_of(call, "userList", GROUP_SDK_INVITE_MAX) : NULL;
    if (users == NULL)
        return;
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(users, i, v) json_array_append_new(list, json_pack("{s:O}", "user", v));
    json_decref(users);
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_ADD, &actor, id, &(gop_req_t){.mode = GOP_ADD_INVITE, .users = list},
            on_member_results);
}

void api_group_kick(api_call_t *call)
{
    const char *id = group_id_of(call);
    gop_req_t req = {0};
    if (id == NULL || !api_read_fields(call, &gop_kick_fields, FIELD_SDK, call->body, &req))
        return;
    req.users = users_of(call, "memberList", GROUP_KICK_MAX);
    if (req.users == NULL)
        return;
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_KICK, &actor, id, &req, on_member_results);
}

/* markGroupMemberList {groupID, memberIDList, markType, enableMark}: AVChatRoom members. */
void api_group_mark_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    long long mark;
    json_t *enable = json_object_get(call->body, "enableMark");
    if (valid_get_int(call->body, "markType", GROUP_MARK_MIN, INT64_MAX, &mark) != VALID_OK ||
        !json_is_boolean(enable)) {
        api_fail(call, ERR_GROUP_PARAM,
                 "markType (an integer >= %d) and enableMark (a boolean) are required",
                 GROUP_MARK_MIN);
        return;
    }
    json_t *users = users_of(call, "memberIDList", GROUP_MARK_REQUEST_MAX);
    if (users == NULL)
        return;
    json_t *pairs = json_array(), *u;
    size_t i;
    json_array_foreach(users, i, u) json_array_append_new(pairs, json_pack("[O, I]", u, mark));
    json_decref(users);
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_MARK, &actor, id, &(gop_req_t){.data = pairs, .mode = json_is_true(enable)},
            on_done);
}

/* ---- applications ---- */

static void on_applications(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *list = json_array(), *a;
    size_t i;
    json_array_foreach(res->applications, i, a)
    {
        bool invite = strcmp(str(a, "kind"), "invite") == 0;
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:O, s:s, s:s, s:i, s:i, s:i}", "groupID",
                                        str(a, "group_id"), "fromUser",
                                        invite ? str(a, "from") : str(a, "user"), "toUser",
                                        invite ? str(a, "user") : "", "addTime",
                                        json_object_get(a, "created_at"), "requestMsg",
                                        str(a, "message"), "handledMsg", "", "type", invite ? 1 : 0,
                                        "handleStatus", 0, "handleResult", 0));
    }
    api_finish(call, json_pack("{s:I, s:o}", "unreadCount", (json_int_t)res->total,
                               "groupApplicationList", list));
}

static void on_applications_read(err_t err, const store_group_res_t *res, void *arg)
{
    (void)res;
    api_call_t *call = api_call_if_ok(err, arg);
    if (call != NULL)
        api_finish(call, NULL);
}

void api_group_applications_read(api_call_t *call)
{
    store_group_applications_read(call->env->db, call->identifier, (int64_t)time(NULL),
                                  on_applications_read, call);
}

void api_group_applications(api_call_t *call)
{
    store_group_applications(call->env->db, call->identifier, on_applications, call);
}

/* accept/refuse {groupID, fromUser, toUser?, type? (0 join request, 1 invitation), reason?} */
static void handle_application(api_call_t *call, gop_kind_t kind)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *type = json_object_get(call->body, "type");
    const char *to = str(call->body, "toUser");
    bool invite = json_is_integer(type) ? json_integer_value(type) == 1 : false;
    if (type &&
        (!json_is_integer(type) || json_integer_value(type) < 0 || json_integer_value(type) > 1)) {
        api_fail(call, ERR_GROUP_PARAM, "type must be 0 (join request) or 1 (invitation)");
        return;
    }
    const char *user = invite ? to : str(call->body, "fromUser");
    if (user == NULL || !valid_user_id_text(user)) {
        api_fail(call, ERR_GROUP_PARAM, "%s must be a UserID string",
                 invite ? "toUser" : "fromUser");
        return;
    }
    gop_req_t req = {.user = user,
                     .invitation = invite,
                     .reason = json_string_value(json_object_get(call->body, "reason"))};
    gop_actor_t actor = actor_of(call);
    gop_run(call, kind, &actor, id, &req, on_done);
}

void api_group_accept_application(api_call_t *call)
{
    handle_application(call, GOP_ACCEPT);
}

void api_group_refuse_application(api_call_t *call)
{
    handle_application(call, GOP_REFUSE);
}

/* ---- attributes ---- */

static void attrs_write(api_call_t *call, gop_attrs_mode_t mode)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *data = NULL;
    char detail[160];
    if (mode == GOP_ATTRS_DELETE) {
        json_t *keys = json_object_get(call->body, "keys");
        if (keys == NULL || (json_is_array(keys) && json_array_size(keys) == 0)) {
            mode = GOP_ATTRS_CLEAR;
        } else {
            json_t *v;
            size_t i;
            if (!json_is_array(keys)) {
                api_fail(call, ERR_GROUP_PARAM, "keys must be an array of strings");
                return;
            }
            json_array_foreach(keys, i, v) if (!json_is_string(v))
            {
                api_fail(call, ERR_GROUP_PARAM, "keys[%zu] must be a string", i);
                return;
            }
            data = json_incref(keys);
        }
    } else {
        json_t *attrs = json_object_get(call->body, "attributes");
        err_t err = gop_check_attrs(attrs, detail, sizeof detail);
        if (err != ERR_OK) {
            api_fail(call, err, "%s", detail);
            return;
        }
        data = json_incref(attrs);
    }
    gop_actor_t actor = actor_of(call);
    gop_run(call, GOP_ATTRS, &actor, id, &(gop_req_t){.mode = mode, .data = data}, on_done);
}

void api_group_attrs_init(api_call_t *call)
{
    attrs_write(call, GOP_ATTRS_INIT);
}

void api_group_attrs_set(api_call_t *call)
{
    attrs_write(call, GOP_ATTRS_SET);
}

void api_group_attrs_delete(api_call_t *call)
{
    attrs_write(call, GOP_ATTRS_DELETE);
}

static void on_attrs_got(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *attrs = res->attrs;
    json_t *keys = json_object_get(call->body, "keys");
    json_t *out = json_object();
    if (json_is_array(keys) && json_array_size(keys) > 0) {
        json_t *k;
        size_t i;
        json_array_foreach(keys, i, k)
        {
            json_t *v = json_object_get(attrs, json_string_value(k));
            if (v)
                json_object_set(out, json_string_value(k), v);
        }
    } else {
        json_object_update(out, attrs);
    }
    api_finish(call, json_pack("{s:o}", "groupAttributeMap", out));
}

static void on_attrs_ctx(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    store_group_ctx_t c;
    if (!member_or_admin(call, res, &c))
        return;
    store_group_attrs_get(call->env->db, c.group.id, on_attrs_got, call);
}

void api_group_attrs_get(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *keys = json_object_get(call->body, "keys");
    if (keys && !json_is_array(keys)) {
        api_fail(call, ERR_GROUP_PARAM, "keys must be an array of strings");
        return;
    }
    store_group_ctx(call->env->db, id, call->identifier, NULL, on_attrs_ctx, call);
}

/* ---- live rooms and group counters: ops in group/avroom.c ---- */

static void on_avroom_done(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (err != ERR_OK)
        api_fail(call, err, detail ? "%s" : NULL, detail);
    else
        api_finish(call, result ? result : json_object());
}

/* getGroupOnlineMemberCount {groupID} → {count}. */
void api_group_online_count(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id != NULL)
        avroom_online(call, id, call->identifier, on_avroom_done);
}

static void run_counter(api_call_t *call, counter_op_t op, json_t *data)
{
    const char *id = group_id_of(call);
    char detail[160];
    err_t err = id ? counter_check(op, data, detail, sizeof detail) : ERR_OK;
    if (id == NULL || err != ERR_OK) {
        json_decref(data);
        if (id)
            api_fail(call, err, "%s", detail);
        return;
    }
    counter_run(call, op, id, call->identifier, data, on_avroom_done);
}

/* setGroupCounters {groupID, counters: {key: value}} → {counters}. */
void api_group_counters_set(api_call_t *call)
{
    json_t *c = json_object_get(call->body, "counters");
    run_counter(call, COUNTER_SET, c ? json_incref(c) : NULL);
}

/* getGroupCounters {groupID, keyList?} → {counters}. */
void api_group_counters_get(api_call_t *call)
{
    json_t *keys = json_object_get(call->body, "keyList");
    run_counter(call, COUNTER_GET, keys ? json_incref(keys) : NULL);
}

/* increaseGroupCounter / decreaseGroupCounter {groupID, key, value} → {counters: {key: new}}. */
static void step_counter(api_call_t *call, counter_op_t op)
{
    const char *key = str(call->body, "key");
    json_t *value = json_object_get(call->body, "value");
    if (key == NULL || value == NULL) {
        api_fail(call, ERR_GROUP_PARAM, "key (string) and value (integer) are required");
        return;
    }
    run_counter(call, op, json_pack("{s:O}", key, value));
}

void api_group_counter_increase(api_call_t *call)
{
    step_counter(call, COUNTER_INCREASE);
}

void api_group_counter_decrease(api_call_t *call)
{
    step_counter(call, COUNTER_DECREASE);
}
