/* Groups for app backends (REST group_open_http_svc and group_open_attr_http_svc). Changes go
 * through group/ops.c, the path the WebSocket commands take too; messages through
 * msg_group_send() (group/group.h). This file reads Tencent's request fields, legacy spellings
 * included, and writes Tencent's answers. The caller is an app administrator: owner rights in
 * every group, within what each group type supports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/group/avroom.h"
#include "api/group/group.h"
#include "api/group/ops.h"
#include "api/group/rules.h"
#include "api/group/topic.h"
#include "api/message/body.h"
#include "api/valid.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/group.h"

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool is_user_id(const json_t *v)
{
    return json_is_string(v) && valid_user_id(json_string_value(v), json_string_length(v));
}

static gop_actor_t admin_actor(const api_call_t *call, bool silent)
{
    return (gop_actor_t){.user = call->identifier, .app_admin = true, .silent = silent};
}

/* body.GroupId, or NULL after failing the call. */
static const char *group_id_of(api_call_t *call)
{
    json_t *v = json_object_get(call->body, "GroupId");
    if (!json_is_string(v) || json_string_length(v) == 0) {
        api_fail(call, ERR_GROUP_PARAM, "GroupId is required: a string");
        return NULL;
    }
    return json_string_value(v);
}

/* The message stream a message request addresses (topic_stream_of()); NULL after failing. */
static const char *stream_id_of(api_call_t *call)
{
    const char *id = group_id_of(call);
    return id ? topic_stream_of(call, id) : NULL;
}

/* A required UserID field; NULL after failing. */
static const char *user_of(api_call_t *call, const char *name)
{
    json_t *v = json_object_get(call->body, name);
    if (!is_user_id(v)) {
        api_fail(call, ERR_GROUP_PARAM, "%s is required: a UserID string", name);
        return NULL;
    }
    return json_string_value(v);
}

/* An array of 1..max UserIDs (strings, or objects with `key`), copied as strings; NULL after
 * failing (10005 when longer than max). */
static json_t *accounts_of(api_call_t *call, const char *name, const char *key, size_t max)
{
    api_ids_t spec = {name, max, key, true, ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY, "accounts"};
    return api_read_id_array(call, &spec);
}

/* An op's answer: true when it succeeded, else the call was failed with it. */
static bool op_ok(api_call_t *call, err_t err, const char *detail)
{
    if (err == ERR_OK)
        return true;
    api_fail(call, err, detail ? "%s" : NULL, detail);
    return false;
}

/* An optional integer in [min, max] (*out untouched when absent); false after failing. */
static bool opt_int(api_call_t *call, const char *name, long long min, long long max,
                    long long *out)
{
    switch (valid_get_int(call->body, name, min, max, out)) {
    case VALID_OK:
    case VALID_MISSING:
        return true;
    default:
        api_fail(call, ERR_GROUP_PARAM, "%s must be an integer from %lld to %lld", name, min, max);
        return false;
    }
}

/* The first present of two spellings. */
static json_t *either(const json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    return v ? v : json_object_get(obj, b);
}

static void on_done(api_call_t *call, err_t err, const char *detail, const gop_result_t *result)
{
    if (err != ERR_OK)
        api_fail(call, err, detail ? "%s" : NULL, detail);
    else
        api_finish(call, NULL);
}

/* ---- Tencent shapes ---- */

static bool listed(const json_t *filter, const char *name)
{
    json_t *v;
    size_t i;
    json_array_foreach(filter, i, v) if (json_is_string(v) &&
                                         strcmp(json_string_value(v), name) == 0) return true;
    return false;
}

/* {k: v} → [{Key, Value}], keeping only the keys in `keys` when it is an array. */
static json_t *kv_array(const json_t *obj, const json_t *keys)
{
    json_t *out = json_array(), *v;
    const char *k;
    json_object_foreach((json_t *)obj, k, v) if (!json_is_array(keys) || listed(keys, k))
        json_array_append_new(out, json_pack("{s:s, s:O}", "Key", k, "Value", v));
    return out;
}

static group_type_t type_of(const store_group_t *g)
{
    group_type_t t = GROUP_WORK;
    group_type_parse(g->type, &t);
    return t;
}

/* A member profile (§5.3) of the store's member object with the fields of `filter` (NULL:
 * all). */
static json_t *rest_member(const json_t *obj, const json_t *filter, const json_t *custom_filter)
{
    store_group_member_t m;
    store_group_member_view(obj, &m);
    const struct {
        const char *name;
        int64_t value;
    } ints[] = {
        {"JoinTime", m.join_time},
        {"MsgSeq", m.read_seq},
        {"LastSendMsgTime", m.last_send_time},
        {"MuteUntil", m.mute_until},
    };
    bool all = !json_is_array(filter);
    json_t *o = json_pack("{s:s}", "Member_Account", m.user);
    if (all || listed(filter, "Role"))
        json_object_set_new(o, "Role", json_string(m.role));
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (all || listed(filter, ints[i].name))
            json_object_set_new(o, ints[i].name, json_integer((json_int_t)ints[i].value));
    if (listed(filter, "ShutUpUntil"))
        json_object_set_new(o, "ShutUpUntil", json_integer((json_int_t)m.mute_until));
    if (all || listed(filter, "MsgFlag"))
        json_object_set_new(o, "MsgFlag", json_string(m.msg_flag));
    if (all || listed(filter, "NameCard"))
        json_object_set_new(o, "NameCard", json_string(m.name_card));
    json_object_set_new(o, "AppMemberDefinedData", kv_array(m.custom, custom_filter));
    return o;
}

static const char *on_off(bool on)
{
    return on ? "On" : "Off";
}

/* A group's base info (§3.7) with the fields of `filter` (NULL: all). */
static json_t *rest_group(const api_call_t *call, const store_group_t *g, const json_t *filter,
                          const json_t *custom_filter)
{
    bool all = !json_is_array(filter);
    group_type_t t = type_of(g);
    json_t *o = json_pack("{s:s}", "GroupId", g->id);
    struct {
        const char *name;
        json_t *value;
    } fields[] = {
        {"Type", json_string(group_type_rest(t))},
        {"Name", json_string(g->name)},
        {"Appid", json_integer((json_int_t)call->env->cfg->sdkappid)},
        {"Introduction", json_string(g->introduction)},
        {"Notification", json_string(g->notification)},
        {"FaceUrl", json_string(g->face_url)},
        {"Owner_Account", json_string(g->owner ? g->owner : "")},
        {"CreateTime", json_integer((json_int_t)g->create_time)},
        {"InfoSeq", json_integer((json_int_t)g->info_seq)},
        {"LastInfoTime", json_integer((json_int_t)g->last_info_time)},
        {"LastMsgTime", json_integer((json_int_t)g->last_time)},
        {"NextMsgSeq", json_integer((json_int_t)g->last_seq + 1)},
        {"MemberNum", json_integer((json_int_t)g->member_count)},
        {"MaxMemberNum", json_integer((json_int_t)g->max_members)},
        {"ApplyJoinOption", json_string(g->apply_opt)},
        {"InviteJoinOption", json_string(g->invite_opt)},
        {"MuteAllMember", json_string(on_off(g->mute_all))},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (all || listed(filter, fields[i].name))
            json_object_set(o, fields[i].name, fields[i].value);
        json_decref(fields[i].value);
    }
    if (listed(filter, "ShutUpAllMember"))
        json_object_set_new(o, "ShutUpAllMember", json_string(on_off(g->mute_all)));
    if (t == GROUP_COMMUNITY) {
        const struct {
            const char *name;
            json_int_t value;
        } community[] = {{"SupportTopic", g->support_topic},
                         {"EnablePermission", g->enable_permission},
                         {"DefaultPermission", (json_int_t)g->default_permission}};
        for (size_t i = 0; i < sizeof community / sizeof community[0]; i++)
            if (all || listed(filter, community[i].name))
                json_object_set_new(o, community[i].name, json_integer(community[i].value));
    }
    if (all || listed(filter, "AppDefinedData") || json_is_array(custom_filter))
        json_object_set_new(o, "AppDefinedData", kv_array(g->custom, custom_filter));
    return o;
}

/* ---- get_appid_group_list ---- */

typedef struct {
    long long next;
} appid_t;

static void on_appid_list(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    appid_t *st = call->state;
    call->state = NULL;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        xfree(st);
        return;
    }
    json_t *ids = res->ids, *v, *list = json_array();
    size_t i;
    json_array_foreach(ids, i, v) json_array_append_new(list, json_pack("{s:O}", "GroupId", v));
    json_int_t total = res->total;
    json_int_t next = st->next + (json_int_t)json_array_size(ids);
    api_finish(call, json_pack("{s:I, s:o, s:I}", "TotalCount", total, "GroupIdList", list, "Next",
                               next < total ? next : (json_int_t)0));
    xfree(st);
}

void api_group_rest_appid_list(api_call_t *call)
{
    long long limit = GROUP_APPID_LIST_MAX, next = 0;
    if (!opt_int(call, "Limit", 1, GROUP_APPID_LIST_MAX, &limit) ||
        !opt_int(call, "Next", 0, INT64_MAX, &next))
        return;
    json_t *type = json_object_get(call->body, "GroupType");
    group_type_t t = GROUP_WORK;
    if (type && !group_type_parse(json_string_value(type), &t)) {
        api_fail(call, ERR_GROUP_PARAM,
                 "GroupType must be Private, Public, ChatRoom, AVChatRoom or Community");
        return;
    }
    appid_t *st = XNEW(appid_t);
    st->next = next;
    call->state = st;
    store_group_all(call->env->db, type ? group_type_rest(t) : NULL, next, limit, on_appid_list,
                    call);
}

/* ---- create_group, import_group ---- */

static void on_rest_created(api_call_t *call, err_t err, const char *detail,
                            const gop_result_t *result)
{
    if (err != ERR_OK) {
        api_fail(call, err, detail ? "%s" : NULL, detail);
    } else {
        json_t *out = json_pack("{s:s}", "GroupId", result->group_id);
        group_type_t t = GROUP_WORK;
        group_type_parse(str(call->body, "Type"), &t);
        if (t == GROUP_COMMUNITY) {
            json_object_set_new(out, "Type", json_string("Community"));
            json_object_set_new(out, "HugeGroupFlag", json_integer(0));
        }
        api_finish(call, out);
    }
}

static void create_or_import(api_call_t *call, bool import)
{
    gop_new_t g = {0};
    char detail[200];
    err_t err = gop_read_new(call->body, FIELD_REST, !import, &g, detail, sizeof detail);
    if (err != ERR_OK) {
        api_fail(call, err, "%s", detail);
        return;
    }
    g.import = import;
    gop_actor_t actor = admin_actor(call, false);
    gop_create(call, &actor, &g, on_rest_created);
}

void api_group_rest_create(api_call_t *call)
{
    create_or_import(call, false);
}

void api_group_rest_import(api_call_t *call)
{
    create_or_import(call, true);
}

/* ---- get_group_info ---- */

typedef struct {
    json_t *groups;  /* found groups, as from the store */
    json_t *members; /* GroupId → member list, while gathering */
    size_t waiting;  /* member lists still loading */
    bool with_members;
    err_t err;
} info_t;

static void info_free(info_t *st)
{
    json_decref(st->groups);
    json_decref(st->members);
    xfree(st);
}

static void info_answer(api_call_t *call)
{
    info_t *st = call->state;
    call->state = NULL;
    if (st->err != ERR_OK) {
        api_fail(call, st->err, NULL);
        info_free(st);
        return;
    }
    const json_t *filter = json_object_get(call->body, "ResponseFilter");
    const json_t *base = json_object_get(filter, "GroupBaseInfoFilter");
    const json_t *custom = json_object_get(filter, "AppDefinedDataFilter_Group");
    const json_t *mfilter = json_object_get(filter, "MemberInfoFilter");
    const json_t *mcustom = json_object_get(filter, "AppDefinedDataFilter_GroupMember");
    json_t *out = json_array(), *id;
    size_t i;
    json_array_foreach(json_object_get(call->body, "GroupIdList"), i, id)
    {
        store_group_t g, x;
        bool found = false;
        for (size_t k = 0; !found && k < json_array_size(st->groups); k++) {
            store_group_view(json_array_get(st->groups, k), &x);
            if (strcmp(x.id, json_string_value(id)) == 0) {
                g = x;
                found = true;
            }
        }
        if (!found) {
            json_array_append_new(out, json_pack("{s:O, s:i, s:s}", "GroupId", id, "ErrorCode",
                                                 ERR_GROUP_NOT_FOUND, "ErrorInfo",
                                                 err_text(ERR_GROUP_NOT_FOUND)));
            continue;
        }
        json_t *o = rest_group(call, &g, base, custom);
        json_object_set_new(o, "ErrorCode", json_integer(0));
        json_object_set_new(o, "ErrorInfo", json_string(""));
        if (st->with_members) {
            json_t *list = json_array(), *m;
            size_t k;
            json_array_foreach(json_object_get(st->members, g.id), k, m)
                json_array_append_new(list, rest_member(m, mfilter, mcustom));
            json_object_set_new(o, "MemberList", list);
        }
        json_array_append_new(out, o);
    }
    api_finish(call, json_pack("{s:o}", "GroupInfo", out));
    info_free(st);
}

typedef struct {
    api_call_t *call;
    char *group_id;
} member_load_t;

static void on_info_members(err_t err, const store_group_res_t *res, void *arg)
{
    member_load_t *ml = arg;
    api_call_t *call = ml->call;
    info_t *st = call->state;
    if (err != ERR_OK)
        st->err = err;
    else
        json_object_set(st->members, ml->group_id, res->members);
    xfree(ml->group_id);
    xfree(ml);
    if (--st->waiting == 0)
        info_answer(call);
}

static void on_info_groups(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    info_t *st = call->state;
    if (err != ERR_OK) {
        st->err = err;
        info_answer(call);
        return;
    }
    st->groups = json_incref(res->groups);
    if (!st->with_members || json_array_size(st->groups) == 0) {
        info_answer(call);
        return;
    }
    json_t *g;
    size_t i;
    st->waiting = json_array_size(st->groups);
    json_array_foreach(st->groups, i, g)
    {
        store_group_t view;
        store_group_view(g, &view);
        member_load_t *ml = XNEW(member_load_t);
        ml->call = call;
        ml->group_id = xstrdup(view.id);
        store_group_members(call->env->db, ml->group_id, NULL, 0, NULL, 0, GROUP_MEMBER_PAGE_MAX,
                            on_info_members, ml);
    }
}

void api_group_rest_info(api_call_t *call)
{
    api_ids_t spec = {"GroupIdList",   GROUP_INFO_IDS_MAX, NULL,      false,
                      ERR_GROUP_PARAM, ERR_GROUP_TOO_MANY, "GroupIds"};
    json_t *ids = api_read_id_array(call, &spec);
    if (ids == NULL)
        return;
    json_t *filter = json_object_get(call->body, "ResponseFilter");
    if (filter && !json_is_object(filter)) {
        api_fail(call, ERR_GROUP_PARAM, "ResponseFilter must be an object");
        return;
    }
    info_t *st = XNEW(info_t);
    st->members = json_object();
    /* Without a ResponseFilter Tencent answers everything, member list included. */
    st->with_members = filter == NULL || json_object_get(filter, "MemberInfoFilter") ||
                       json_object_get(filter, "AppDefinedDataFilter_GroupMember");
    call->state = st;
    char *ids_json = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    store_group_get(call->env->db, ids_json, NULL, on_info_groups, call);
    free(ids_json);
}

/* ---- get_group_member_info, get_specified_group_member_info ---- */

typedef struct {
    long long limit;
    bool community; /* Next: keyset pages (the page asked for one more, to know if it is the
                     * last) */
} members_t;

static void on_rest_members(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    members_t *st = call->state;
    call->state = NULL;
    if (err != ERR_OK || !res->found) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        xfree(st);
        return;
    }
    const json_t *mfilter = json_object_get(call->body, "MemberInfoFilter");
    const json_t *mcustom = json_object_get(call->body, "AppDefinedDataFilter_GroupMember");
    json_t *members = res->members, *m, *list = json_array();
    size_t i, n = json_array_size(members);
    bool more = st->community && n > (size_t)st->limit;
    if (more)
        n = (size_t)st->limit;
    for (i = 0; i < n; i++) {
        m = json_array_get(members, i);
        json_array_append_new(list, rest_member(m, mfilter, mcustom));
    }
    json_int_t total = res->total;
    json_t *out = json_pack("{s:I, s:o}", "MemberNum", total, "MemberList", list);
    if (st->community) {
        char *key = more ? store_group_member_key(json_array_get(members, n - 1)) : NULL;
        json_object_set_new(out, "Next", json_string(key ? key : ""));
        free(key);
    }
    api_finish(call, out);
    xfree(st);
}

static bool check_filters(api_call_t *call)
{
    static const char *const names[] = {"MemberInfoFilter", "MemberRoleFilter",
                                        "AppDefinedDataFilter_GroupMember"};
    for (size_t i = 0; i < 3; i++) {
        json_t *f = json_object_get(call->body, names[i]), *v;
        size_t k;
        if (f == NULL)
            continue;
        if (!json_is_array(f)) {
            api_fail(call, ERR_GROUP_PARAM, "%s must be an array of strings", names[i]);
            return false;
        }
        json_array_foreach(f, k, v) if (!json_is_string(v))
        {
            api_fail(call, ERR_GROUP_PARAM, "%s[%zu] must be a string", names[i], k);
            return false;
        }
    }
    return true;
}

void api_group_rest_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long limit = GROUP_MEMBER_PAGE_MAX, offset = 0;
    if (id == NULL || !check_filters(call) ||
        !opt_int(call, "Limit", 0, GROUP_MEMBER_PAGE_MAX, &limit) ||
        !opt_int(call, "Offset", 0, INT64_MAX, &offset))
        return;
    if (limit == 0)
        limit = GROUP_MEMBER_PAGE_MAX;
    /* Next (Community): "" first, then the last page's; the key of the member it ends with. */
    json_t *next = json_object_get(call->body, "Next");
    const char *after = NULL;
    if (next) {
        json_t *key = json_is_string(next) && json_string_length(next) > 0
                          ? json_loads(json_string_value(next), 0, NULL)
                          : NULL;
        bool good = json_is_string(next) && (json_string_length(next) == 0 ||
                                             (json_is_array(key) && json_array_size(key) == 3 &&
                                              json_is_integer(json_array_get(key, 0)) &&
                                              json_is_integer(json_array_get(key, 1)) &&
                                              json_is_string(json_array_get(key, 2))));
        json_decref(key);
        if (!good) {
            api_fail(call, ERR_GROUP_PARAM, "Next must be the string the last page returned");
            return;
        }
        if (json_string_length(next) > 0)
            after = json_string_value(next);
        offset = 0;
    }
    json_t *roles = json_object_get(call->body, "MemberRoleFilter"), *v;
    size_t i;
    json_array_foreach(roles, i, v) if (group_role_parse(json_string_value(v)) == GROUP_ROLE_NONE)
    {
        api_fail(call, ERR_GROUP_PARAM, "MemberRoleFilter values are Owner, Admin and Member");
        return;
    }
    members_t *st = XNEW(members_t);
    st->limit = limit;
    st->community = next != NULL;
    call->state = st;
    char *roles_json = json_array_size(roles) > 0 ? json_dumps(roles, JSON_COMPACT) : NULL;
    store_group_members(call->env->db, id, roles_json, 0, after, offset,
                        st->community ? limit + 1 : limit, on_rest_members, call);
    free(roles_json);
}

static void on_specified(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    store_group_ctx_t c;
    if (!store_group_ctx_view(res, &c)) {
        api_fail(call, ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    const json_t *mfilter = json_object_get(call->body, "MemberInfoFilter");
    const json_t *mcustom = json_object_get(call->body, "AppDefinedDataFilter_GroupMember");
    json_t *list = json_array();
    for (size_t i = 0; i < c.n_targets; i++) {
        store_group_target_t t;
        store_group_ctx_target(&c, i, &t);
        if (t.member)
            json_array_append_new(list, rest_member(t.member, mfilter, mcustom));
    }
    api_finish(call, json_pack("{s:s, s:o}", "GroupId", c.group.id, "MemberList", list));
}

void api_group_rest_specified_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL || !check_filters(call))
        return;
    json_t *users = accounts_of(call, "Member_List_Account", NULL, GROUP_SPECIFIED_MAX);
    if (users == NULL)
        return;
    char *users_json = json_dumps(users, JSON_COMPACT);
    json_decref(users);
    store_group_ctx(call->env->db, id, NULL, users_json, on_specified, call);
    free(users_json);
}

/* ---- modify_group_base_info ---- */

void api_group_rest_modify(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    /* From_Account is who the tips and events name as the operator. */
    json_t *from = json_object_get(call->body, "From_Account");
    if (from && !is_user_id(from)) {
        api_fail(call, ERR_GROUP_PARAM, "From_Account must be a UserID");
        return;
    }
    gop_profile_t p = {0};
    if (!api_read_fields(call, &gop_profile_fields, FIELD_REST, call->body, &p))
        return;
    gop_actor_t actor = admin_actor(call, false);
    if (from)
        actor.user = json_string_value(from);
    gop_modify(call, &actor, id, &p, on_done);
}

/* ---- add_group_member, import_group_member ---- */

static void on_rest_added(api_call_t *call, err_t err, const char *detail,
                          const gop_result_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    json_t *results = result->results, *r, *list = json_array();
    size_t i, added = 0, missing = 0, full = 0;
    json_array_foreach(results, i, r)
    {
        const char *st = str(r, "status");
        int code = strcmp(st, "added") == 0 ? 1 : strcmp(st, "already") == 0 ? 2 : 0;
        added += code == 1;
        missing += strcmp(st, "missing") == 0;
        full += strcmp(st, "full") == 0;
        json_array_append_new(
            list, json_pack("{s:s, s:i}", "Member_Account", str(r, "user"), "Result", code));
    }
    size_t n = json_array_size(results);
    /* Nothing done and every account missing, or nobody fit: the request fails as a whole. */
    if (added == 0 && n > 0 && missing == n) {
        json_decref(list);
        api_fail(call, ERR_GROUP_USER_MISSING, "none of the accounts exists");
        return;
    }
    if (added == 0 && full > 0 && full + missing == n) {
        json_decref(list);
        api_fail(call, ERR_GROUP_FULL, NULL);
        return;
    }
    api_finish(call, json_pack("{s:o}", "MemberList", list));
}

void api_group_rest_add_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long silence = 0;
    if (id == NULL || !opt_int(call, "Silence", 0, 1, &silence))
        return;
    json_t *users = accounts_of(call, "MemberList", "Member_Account", GROUP_ADD_MEMBERS_MAX);
    if (users == NULL)
        return;
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(users, i, v) json_array_append_new(list, json_pack("{s:O}", "user", v));
    json_decref(users);
    gop_actor_t actor = admin_actor(call, silence == 1);
    gop_run(call, GOP_ADD, &actor, id, &(gop_req_t){.mode = GOP_ADD_PLAIN, .users = list},
            on_rest_added);
}

void api_group_rest_import_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *users = accounts_of(call, "MemberList", "Member_Account", GROUP_ADD_MEMBERS_MAX);
    if (users == NULL)
        return;
    json_decref(users);
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(call->body, "MemberList"), i, v)
    {
        const char *role = str(v, "Role");
        json_t *jt = json_object_get(v, "JoinTime"), *unread = json_object_get(v, "UnreadMsgNum");
        if ((role && strcmp(role, "Admin") != 0 && strcmp(role, "Member") != 0) ||
            (jt && (!json_is_integer(jt) || json_integer_value(jt) < 0)) ||
            (unread && (!json_is_integer(unread) || json_integer_value(unread) < 0))) {
            json_decref(list);
            api_fail(call, ERR_GROUP_PARAM,
                     "MemberList[%zu]: Role is Admin, JoinTime and UnreadMsgNum are integers >= 0",
                     i);
            return;
        }
        json_t *m = json_pack("{s:O, s:s}", "user", json_object_get(v, "Member_Account"), "role",
                              role ? role : "Member");
        if (jt && json_integer_value(jt) > 0)
            json_object_set(m, "join_time", jt);
        if (unread)
            json_object_set(m, "unread", unread);
        json_array_append_new(list, m);
    }
    gop_actor_t actor = admin_actor(call, true);
    gop_run(call, GOP_ADD, &actor, id, &(gop_req_t){.mode = GOP_ADD_IMPORT, .users = list},
            on_rest_added);
}

/* ---- delete_group_member, destroy_group, change_group_owner ---- */

void api_group_rest_delete_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long silence = 0;
    if (id == NULL || !opt_int(call, "Silence", 0, 1, &silence))
        return;
    gop_req_t req = {0};
    if (!api_read_fields(call, &gop_kick_fields, FIELD_REST, call->body, &req))
        return;
    req.users = accounts_of(call, "MemberToDel_Account", NULL, GROUP_KICK_MAX);
    if (req.users == NULL)
        return;
    gop_actor_t actor = admin_actor(call, silence == 1);
    gop_run(call, GOP_KICK, &actor, id, &req, on_done);
}

void api_group_rest_destroy(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_actor_t actor = admin_actor(call, false);
    gop_run(call, GOP_DISMISS, &actor, id, &(gop_req_t){0}, on_done);
}

void api_group_rest_change_owner(api_call_t *call)
{
    const char *id = group_id_of(call);
    const char *owner = id ? user_of(call, "NewOwner_Account") : NULL;
    if (owner == NULL)
        return;
    gop_actor_t actor = admin_actor(call, false);
    gop_run(call, GOP_TRANSFER, &actor, id, &(gop_req_t){.user = owner}, on_done);
}

/* ---- modify_group_member_info, forbid_send_msg ---- */

void api_group_rest_modify_member(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    gop_member_t m = {0};
    if (!api_read_fields(call, &gop_member_fields, FIELD_REST, call->body, &m))
        return;
    gop_actor_t actor = admin_actor(call, false);
    gop_member(call, &actor, id, &m, on_done);
}

void api_group_rest_forbid(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *mute = either(call->body, "MuteTime", "ShutUpTime");
    if (!json_is_integer(mute) || json_integer_value(mute) < 0 ||
        json_integer_value(mute) > GROUP_MUTE_FOREVER) {
        api_fail(call, ERR_GROUP_PARAM, "MuteTime is required: 0 (unmute) to 4294967295 seconds");
        return;
    }
    json_t *users = accounts_of(call, "Members_Account", NULL, GROUP_ACCOUNTS_MAX);
    if (users == NULL)
        return;
    gop_actor_t actor = admin_actor(call, false);
    gop_run(call, GOP_MUTE, &actor, id,
            &(gop_req_t){.users = users, .seconds = (int64_t)json_integer_value(mute)}, on_done);
}

/* ---- group_open_avchatroom_http_svc/modify_user_info: member marks ---- */

/* MemberList [{Member_Account, Marks: [mark >= 1000]}] as [[UserID, mark]]; NULL after failing. */
static json_t *mark_pairs(api_call_t *call)
{
    json_t *list = json_object_get(call->body, "MemberList"), *item;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > GROUP_MARK_REQUEST_MAX) {
        api_fail(call,
                 json_array_size(list) > GROUP_MARK_REQUEST_MAX ? ERR_GROUP_TOO_MANY
                                                                : ERR_GROUP_PARAM,
                 "MemberList must list 1 to %d members", GROUP_MARK_REQUEST_MAX);
        return NULL;
    }
    json_t *pairs = json_array();
    size_t i, j;
    json_array_foreach(list, i, item)
    {
        const char *user;
        json_t *marks = json_object_get(item, "Marks"), *mark;
        bool ok = valid_get_user_id(item, (const char *const[]){"Member_Account", NULL}, &user) ==
                      VALID_OK &&
                  json_is_array(marks) && json_array_size(marks) > 0;
        json_array_foreach(marks, j, mark) ok =
            ok && json_is_integer(mark) && json_integer_value(mark) >= GROUP_MARK_MIN;
        if (!ok) {
            api_fail(call, ERR_GROUP_PARAM,
                     "MemberList[%zu] needs Member_Account (a UserID) and Marks (integers >= %d)",
                     i, GROUP_MARK_MIN);
            json_decref(pairs);
            return NULL;
        }
        json_array_foreach(marks, j, mark)
            json_array_append_new(pairs, json_pack("[s, O]", user, mark));
    }
    return pairs;
}

/* Answers the request's MemberList without those who are not members. */
static void on_marked(api_call_t *call, err_t err, const char *detail, const gop_result_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    json_t *out = json_array(), *item, *m;
    size_t i, j;
    json_array_foreach(json_object_get(call->body, "MemberList"), i, item)
    {
        const char *user = json_string_value(json_object_get(item, "Member_Account"));
        bool missing = false;
        json_array_foreach(result->missing, j, m) missing =
            missing || strcmp(json_string_value(m), user) == 0;
        if (!missing)
            json_array_append_new(out, json_pack("{s:s, s:O}", "Member_Account", user, "Marks",
                                                 json_object_get(item, "Marks")));
    }
    api_finish(call, json_pack("{s:O, s:o}", "CommandType",
                               json_object_get(call->body, "CommandType"), "MemberList", out));
}

void api_group_rest_mark_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    long long command;
    if (valid_get_int(call->body, "CommandType", 1, 2, &command) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "CommandType is required: 1 (set marks) or 2 (remove)");
        return;
    }
    json_t *pairs = mark_pairs(call);
    if (pairs == NULL)
        return;
    gop_actor_t actor = admin_actor(call, false);
    gop_run(call, GOP_MARK, &actor, id, &(gop_req_t){.data = pairs, .mode = command == 1},
            on_marked);
}

/* ---- get_group_muted_account, get_group_shutted_uin ---- */

static void on_muted(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !res->found) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    bool legacy = strcmp(call->route->command, "get_group_shutted_uin") == 0;
    json_t *list = json_array(), *m;
    size_t i;
    json_array_foreach(res->muted, i, m) json_array_append_new(
        list, json_pack("{s:s, s:O}", "Member_Account", str(m, "user"),
                        legacy ? "ShuttedUntil" : "MutedUntil", json_object_get(m, "until")));
    api_finish(call, json_pack("{s:O, s:o}", "GroupId", json_object_get(call->body, "GroupId"),
                               legacy ? "ShuttedUinList" : "MutedAccountList", list));
}

void api_group_rest_muted(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id != NULL)
        store_group_muted(call->env->db, id, (int64_t)time(NULL), on_muted, call);
}

void api_group_rest_shutted(api_call_t *call)
{
    api_group_rest_muted(call);
}

/* ---- get_joined_group_list ---- */

static void on_rest_joined(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    const json_t *filter = json_object_get(call->body, "ResponseFilter");
    const json_t *base = json_object_get(filter, "GroupBaseInfoFilter");
    const json_t *self = json_object_get(filter, "SelfInfoFilter");
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(res->groups, i, v)
    {
        store_group_t g;
        store_group_view(v, &g);
        json_t *o = json_is_array(base) ? rest_group(call, &g, base, NULL)
                                        : json_pack("{s:s}", "GroupId", g.id);
        if (json_is_array(self)) {
            json_t *s = rest_member(g.self, self, NULL);
            json_object_del(s, "Member_Account");
            json_object_del(s, "AppMemberDefinedData");
            json_object_set_new(o, "SelfInfo", s);
        }
        json_array_append_new(list, o);
    }
    api_finish(call,
               json_pack("{s:I, s:o}", "TotalCount", (json_int_t)res->total, "GroupIdList", list));
}

void api_group_rest_joined(api_call_t *call)
{
    const char *user = user_of(call, "Member_Account");
    long long huge = 0, inactive = 0, limit = GROUP_JOINED_MAX, offset = 0;
    if (user == NULL || !opt_int(call, "WithHugeGroups", 0, 1, &huge) ||
        !opt_int(call, "WithNoActiveGroups", 0, 1, &inactive) ||
        !opt_int(call, "Limit", 1, GROUP_JOINED_MAX, &limit) ||
        !opt_int(call, "Offset", 0, INT64_MAX, &offset))
        return;
    json_t *type = json_object_get(call->body, "GroupType");
    group_type_t t = GROUP_WORK;
    if (type && !group_type_parse(json_string_value(type), &t)) {
        api_fail(call, ERR_GROUP_PARAM,
                 "GroupType must be Private, Public, ChatRoom, AVChatRoom or Community");
        return;
    }
    json_t *filter = json_object_get(call->body, "ResponseFilter");
    if (filter && !json_is_object(filter)) {
        api_fail(call, ERR_GROUP_PARAM, "ResponseFilter must be an object");
        return;
    }
    gop_joined_t q = {user, huge == 1, inactive == 1, type != NULL, t, offset, limit};
    gop_joined(call->env, &q, on_rest_joined, call);
}

/* ---- get_role_in_group ---- */

static void on_roles(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    store_group_ctx_t c;
    if (err != ERR_OK || !store_group_ctx_view(res, &c)) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < c.n_targets; i++) {
        store_group_target_t t;
        store_group_member_t m;
        store_group_ctx_target(&c, i, &t);
        bool member = store_group_member_view(t.member, &m);
        json_array_append_new(list, json_pack("{s:s, s:s}", "Member_Account", t.user, "Role",
                                              member ? m.role : "NotMember"));
    }
    api_finish(call, json_pack("{s:o}", "UserIdList", list));
}

void api_group_rest_roles(api_call_t *call)
{
    const char *id = group_id_of(call);
    json_t *users = id ? accounts_of(call, "User_Account", NULL, GROUP_ACCOUNTS_MAX) : NULL;
    if (users == NULL)
        return;
    char *users_json = json_dumps(users, JSON_COMPACT);
    json_decref(users);
    store_group_ctx(call->env->db, id, NULL, users_json, on_roles, call);
    free(users_json);
}

/* ---- send_group_msg ---- */

static const char *const priorities[] = {"High", "Normal", "Low", "Lowest", NULL};
static const char *const send_controls[] = {"NoUnread", "NoLastMsg", "WithMuteNotifications", NULL};

static bool in_set(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static void on_group_sent(err_t err, const msg_sent_t *sent, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK) {
        msg_fail(call, err, sent); /* a before-callback's own refusal text passes through */
        return;
    }
    api_finish(call, json_pack("{s:I, s:I, s:s}", "MsgTime", (json_int_t)sent->ts, "MsgSeq",
                               (json_int_t)sent->seq, "MsgDropReason", ""));
}

/* MsgBody and CloudCustomData of `obj`; false after failing. */
static bool check_body(api_call_t *call, const json_t *obj)
{
    char detail[256];
    const json_t *body = json_object_get(obj, "MsgBody");
    err_t err = msgbody_validate(body, detail, sizeof detail);
    if (err == ERR_OK)
        err = msgbody_validate_cloud_custom_data(json_object_get(obj, "CloudCustomData"),
                                                 msgbody_stored_size(body), detail, sizeof detail);
    if (err == ERR_OK)
        err = msgbody_validate_offline_push(json_object_get(obj, "OfflinePushInfo"), detail,
                                            sizeof detail);
    if (err != ERR_OK) {
        api_fail(call, err == ERR_MSG_TOO_LONG ? err : ERR_GROUP_PARAM, "%s", detail);
        return false;
    }
    return true;
}

void api_group_rest_send_msg(api_call_t *call)
{
    const json_t *body = call->body;
    const char *id = stream_id_of(call);
    long long random = 0, online = 0, receipt = 0, ext = 0;
    if (id == NULL)
        return;
    if (valid_get_int(body, "Random", 0, UINT32_MAX, &random) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "Random is required: an integer from 0 to 4294967295");
        return;
    }
    if (!check_body(call, body) || !opt_int(call, "OnlineOnlyFlag", 0, 1, &online) ||
        !opt_int(call, "NeedReadReceipt", 0, 1, &receipt) ||
        !opt_int(call, "SupportMessageExtension", 0, 1, &ext))
        return;
    json_t *prio = json_object_get(body, "MsgPriority");
    if (prio && !in_set(json_string_value(prio), priorities)) {
        api_fail(call, ERR_GROUP_PARAM, "MsgPriority must be High, Normal, Low or Lowest");
        return;
    }
    json_t *controls = json_object_get(body, "SendMsgControl"), *v;
    size_t i;
    bool no_unread = false;
    if (controls && !json_is_array(controls)) {
        api_fail(call, ERR_GROUP_PARAM, "SendMsgControl must be an array of strings");
        return;
    }
    json_array_foreach(controls, i, v)
    {
        if (!in_set(json_string_value(v), send_controls)) {
            api_fail(call, ERR_GROUP_PARAM, "SendMsgControl values are NoUnread, NoLastMsg");
            return;
        }
        no_unread = no_unread || strcmp(json_string_value(v), "NoUnread") == 0;
    }
    json_t *fcc = json_object_get(body, "ForbidCallbackControl");
    if (fcc && !json_is_array(fcc)) {
        api_fail(call, ERR_GROUP_PARAM, "ForbidCallbackControl must be an array of strings");
        return;
    }
    msg_group_t m = {
        .sender = call->identifier,
        .trusted = true,
        .group_id = id,
        .random = (uint32_t)random,
        .body = json_object_get(body, "MsgBody"),
        .cloud_custom_data = str(body, "CloudCustomData"),
        .need_read_receipt = receipt == 1,
        .extension = ext == 1,
        .online_only = online == 1,
        .no_unread = no_unread,
        .priority = json_string_value(prio),
        .deliver = true,
        .client_ip = call->client_ip,
        .push_info = json_object_get(body, "OfflinePushInfo"),
    };
    for (size_t k = 0; k < json_array_size(fcc); k++) {
        const char *f = json_string_value(json_array_get(fcc, k));
        if (f && strcmp(f, "ForbidBeforeSendMsgCallback") == 0)
            m.no_before_hook = true;
    }
    json_t *from = json_object_get(body, "From_Account");
    if (from) {
        if (!is_user_id(from)) {
            api_fail(call, ERR_GROUP_PARAM, "From_Account must be a UserID");
            return;
        }
        /* Sending as a user: that user's membership and mutes apply. */
        m.sender = json_string_value(from);
        m.trusted = config_is_admin(call->env->cfg, m.sender);
    }
    json_t *targets = json_object_get(body, "To_Account");
    if (targets) {
        if (!json_is_array(targets) || json_array_size(targets) == 0) {
            api_fail(call, ERR_GROUP_PARAM, "To_Account must be a non-empty array of UserIDs");
            return;
        }
        json_array_foreach(targets, i, v) if (!is_user_id(v))
        {
            api_fail(call, ERR_GROUP_PARAM, "To_Account[%zu] must be a UserID", i);
            return;
        }
        m.targets = targets;
    }
    json_t *at = json_object_get(body, "GroupAtInfo");
    json_t *ats = NULL;
    if (at) {
        if (!json_is_array(at)) {
            api_fail(call, ERR_GROUP_PARAM, "GroupAtInfo must be an array");
            return;
        }
        ats = json_array();
        json_array_foreach(at, i, v)
        {
            json_t *all = json_object_get(v, "GroupAtAllFlag");
            json_t *acct = json_object_get(v, "GroupAt_Account");
            if (json_is_integer(all) && json_integer_value(all) == 1) {
                json_array_append_new(ats, json_string(GROUP_AT_ALL));
            } else if (is_user_id(acct)) {
                json_array_append(ats, acct);
            } else {
                json_decref(ats);
                api_fail(call, ERR_GROUP_PARAM,
                         "GroupAtInfo[%zu] must be {GroupAtAllFlag: 1} or {GroupAt_Account}", i);
                return;
            }
        }
        m.at_users = ats;
    }
    msg_group_send(call->env, &m, on_group_sent, call);
    json_decref(ats);
}

/* ---- send_group_system_notification ---- */

static void on_notice_ctx(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    store_group_ctx_t c;
    if (err != ERR_OK || !store_group_ctx_view(res, &c)) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    const char *id = c.group.id;
    json_t *body = json_pack("{s:s, s:s}", "groupID", id, "customData", str(call->body, "Content"));
    json_t *to = json_object_get(call->body, "ToMembers_Account");
    if (json_array_size(to) == 0) {
        group_push(call->env, id, "onReceiveRESTCustomData", body, NULL);
    } else {
        json_t *members = json_array();
        for (size_t i = 0; i < c.n_targets; i++) {
            store_group_target_t t;
            store_group_ctx_target(&c, i, &t);
            if (t.member)
                json_array_append_new(members, json_string(t.user));
        }
        gop_push_users(call->env, members, "onReceiveRESTCustomData", body, 0);
        json_decref(members);
    }
    api_finish(call, NULL);
}

void api_group_rest_system_notification(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *content = json_object_get(call->body, "Content");
    if (!json_is_string(content) || json_string_length(content) == 0 ||
        json_string_length(content) > GROUP_NOTIFICATION_CONTENT_MAX) {
        api_fail(call, ERR_GROUP_PARAM, "Content is required: a string of at most %d bytes",
                 GROUP_NOTIFICATION_CONTENT_MAX);
        return;
    }
    char *users_json = NULL;
    if (json_object_get(call->body, "ToMembers_Account")) {
        json_t *users = accounts_of(call, "ToMembers_Account", NULL, GROUP_ACCOUNTS_MAX);
        if (users == NULL)
            return;
        users_json = json_dumps(users, JSON_COMPACT);
        json_decref(users);
    }
    store_group_ctx(call->env->db, id, NULL, users_json, on_notice_ctx, call);
    free(users_json);
}

/* ---- checks that need the group first ---- */

/* Runs `next` with the group once it is known to exist and to keep history (AVChatRoom: 10007). */
typedef void (*with_group_fn)(api_call_t *call, const store_group_ctx_t *ctx);

typedef struct {
    with_group_fn next;
    bool need_history;
} with_group_t;

static void on_with_group(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    with_group_t *w = call->state;
    call->state = NULL;
    with_group_fn next = w->next;
    bool need_history = w->need_history;
    xfree(w);
    store_group_ctx_t c;
    if (err != ERR_OK || !store_group_ctx_view(res, &c)) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    bool kept = type_of(&c.group) == GROUP_AVCHATROOM && call->env->cfg->avchatroom_store_messages;
    if (need_history && !group_rules(type_of(&c.group))->stores_history && !kept) {
        api_fail(call, ERR_GROUP_PERMISSION, "%s groups keep no history",
                 group_type_rest(type_of(&c.group)));
        return;
    }
    next(call, &c);
}

static void with_group(api_call_t *call, const char *group_id, const char *target,
                       bool need_history, with_group_fn next)
{
    with_group_t *w = XNEW(with_group_t);
    w->next = next;
    w->need_history = need_history;
    call->state = w;
    char *targets = NULL;
    if (target) {
        json_t *a = json_pack("[s]", target);
        targets = json_dumps(a, JSON_COMPACT);
        json_decref(a);
    }
    store_group_ctx(call->env->db, group_id, NULL, targets, on_with_group, call);
    free(targets);
}

/* ---- import_group_msg ---- */

typedef struct {
    size_t next;     /* the message being imported */
    json_t *results; /* ImportMsgResult so far */
    char *group_id;
} import_t;

static void import_next(api_call_t *call);

static void on_imported(err_t err, const msg_sent_t *sent, void *arg)
{
    api_call_t *call = arg;
    import_t *st = call->state;
    if (err == ERR_DB_DOWN || err == ERR_INTERNAL || err == ERR_GROUP_NOT_FOUND) {
        call->state = NULL;
        json_decref(st->results);
        xfree(st->group_id);
        xfree(st);
        api_fail(call, err, NULL);
        return;
    }
    json_t *item = json_array_get(json_object_get(call->body, "MsgList"), st->next);
    json_array_append_new(
        st->results,
        json_pack("{s:I, s:I, s:i}", "MsgSeq", err == ERR_OK ? (json_int_t)sent->seq : 0, "MsgTime",
                  err == ERR_OK ? (json_int_t)sent->ts
                                : json_integer_value(json_object_get(item, "SendTime")),
                  "Result", err == ERR_OK ? 0 : err_code(err, NULL)));
    st->next++;
    import_next(call);
}

/* One message after the other: each gets the next seq in the list's order. */
static void import_next(api_call_t *call)
{
    import_t *st = call->state;
    json_t *list = json_object_get(call->body, "MsgList");
    int64_t now = (int64_t)time(NULL);
    while (st->next < json_array_size(list)) {
        json_t *item = json_array_get(list, st->next);
        json_t *from = json_object_get(item, "From_Account");
        json_t *t = json_object_get(item, "SendTime");
        json_t *rnd = json_object_get(item, "Random");
        char detail[256];
        err_t err = ERR_OK;
        if (!is_user_id(from) || !json_is_integer(t) || json_integer_value(t) <= 0 ||
            json_integer_value(t) > now ||
            (rnd && (!json_is_integer(rnd) || json_integer_value(rnd) < 0 ||
                     json_integer_value(rnd) > UINT32_MAX)))
            err = ERR_GROUP_PARAM;
        if (err == ERR_OK) {
            err = msgbody_validate(json_object_get(item, "MsgBody"), detail, sizeof detail);
            if (err == ERR_MSGBODY_FORMAT)
                err = ERR_GROUP_PARAM;
        }
        if (err != ERR_OK) {
            json_array_append_new(st->results,
                                  json_pack("{s:i, s:I, s:i}", "MsgSeq", 0, "MsgTime",
                                            json_integer_value(t), "Result", (int)err));
            st->next++;
            continue;
        }
        msg_group_t m = {
            .sender = json_string_value(from),
            .trusted = true,
            .group_id = st->group_id,
            .random = rnd ? (uint32_t)json_integer_value(rnd) : rand_u32(),
            .body = json_object_get(item, "MsgBody"),
            .cloud_custom_data = str(item, "CloudCustomData"),
            .ts = json_integer_value(t),
            .deliver = false,
        };
        msg_group_send(call->env, &m, on_imported, call);
        return;
    }
    call->state = NULL;
    json_t *results = st->results;
    xfree(st->group_id);
    xfree(st);
    api_finish(call, json_pack("{s:o}", "ImportMsgResult", results));
}

static void import_msgs(api_call_t *call, const store_group_ctx_t *ctx)
{
    import_t *st = XNEW(import_t);
    st->results = json_array();
    /* Into a topic's history: stream_id_of() checked that TopicId is one of this group's. */
    const char *topic = json_string_value(json_object_get(call->body, "TopicId"));
    st->group_id = xstrdup(topic && *topic ? topic : ctx->group.id);
    call->state = st;
    import_next(call);
}

void api_group_rest_import_msg(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long flag = 0;
    if (id == NULL || stream_id_of(call) == NULL ||
        !opt_int(call, "RecentContactFlag", 0, 1, &flag))
        return;
    json_t *list = json_object_get(call->body, "MsgList");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        api_fail(call, ERR_GROUP_PARAM, "MsgList must be a non-empty array");
        return;
    }
    if (json_array_size(list) > GROUP_IMPORT_MSGS_MAX) {
        api_fail(call, ERR_GROUP_TOO_MANY, "MsgList holds at most %d messages",
                 GROUP_IMPORT_MSGS_MAX);
        return;
    }
    with_group(call, id, NULL, true, import_msgs);
}

/* ---- set_unread_msg_num ---- */

static void on_unread_set(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        api_fail(call, err, NULL);
    else if (!res->updated)
        api_fail(call, ERR_GROUP_PERMISSION, "Member_Account is not a member of the group");
    else
        api_finish(call, NULL);
}

static void set_unread(api_call_t *call, const store_group_ctx_t *ctx)
{
    store_group_target_t t;
    store_group_ctx_target(ctx, 0, &t);
    if (t.member == NULL) {
        api_fail(call, ERR_GROUP_PERMISSION, "Member_Account is not a member of the group");
        return;
    }
    store_group_set_unread(call->env->db, ctx->group.id, t.user,
                           json_integer_value(json_object_get(call->body, "UnreadMsgNum")),
                           on_unread_set, call);
}

void api_group_rest_set_unread(api_call_t *call)
{
    const char *id = group_id_of(call);
    const char *user = id ? user_of(call, "Member_Account") : NULL;
    if (user == NULL)
        return;
    if (valid_get_int(call->body, "UnreadMsgNum", 0, INT32_MAX, &(long long){0}) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "UnreadMsgNum is required: an integer >= 0");
        return;
    }
    with_group(call, id, user, true, set_unread);
}

/* ---- delete_group_msg_by_sender ---- */

static void on_sender_deleted(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK)
        api_fail(call, err, NULL);
    else
        api_finish(call, NULL);
}

static void delete_by_sender(api_call_t *call, const store_group_ctx_t *ctx)
{
    store_group_delete_by_sender(call->env->db, ctx->group.id, str(call->body, "Sender_Account"),
                                 GROUP_SENDER_WINDOW, on_sender_deleted, call);
}

void api_group_rest_delete_by_sender(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL || user_of(call, "Sender_Account") == NULL)
        return;
    with_group(call, id, NULL, true, delete_by_sender);
}

/* ---- group_msg_get_simple ---- */

static void on_history(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_int_t hi = res->hi;
    json_int_t n = json_integer_value(json_object_get(call->body, "ReqMsgNumber"));
    json_int_t lo = hi - n + 1 > 1 ? hi - n + 1 : 1;
    json_t *msgs = res->messages;
    json_t *list = json_array();
    size_t k = 0;
    for (json_int_t seq = hi; seq >= lo && hi > 0; seq--) {
        json_t *m = json_array_get(msgs, k);
        if (m && json_integer_value(json_object_get(m, "seq")) == seq) {
            k++;
            int flags = (int)json_integer_value(json_object_get(m, "flags"));
            json_int_t random = json_integer_value(json_object_get(m, "random"));
            json_int_t ts = json_integer_value(json_object_get(m, "ts"));
            char key[64];
            snprintf(key, sizeof key, "%lld_%lld_%lld", (long long)seq, (long long)random,
                     (long long)ts);
            json_t *o =
                json_pack("{s:s, s:i, s:i, s:O, s:i, s:I, s:I, s:I, s:s}", "From_Account",
                          str(m, "sender"), "IsPlaceMsg", 0, "IsSystemMsg", (flags & 8) ? 1 : 0,
                          "MsgBody", json_object_get(m, "body"), "MsgPriority", 2, "MsgRandom",
                          random, "MsgSeq", seq, "MsgTimeStamp", ts, "MsgKey", key);
            if (str(m, "ccd"))
                json_object_set_new(o, "CloudCustomData", json_string(str(m, "ccd")));
            json_array_append_new(list, o);
        } else {
            /* A number with no message any more (deleted): Tencent's placeholder. */
            json_array_append_new(
                list, json_pack("{s:s, s:i, s:i, s:[], s:i, s:i, s:I, s:i}", "From_Account", "",
                                "IsPlaceMsg", 1, "IsSystemMsg", 0, "MsgBody", "MsgPriority", 2,
                                "MsgRandom", 0, "MsgSeq", seq, "MsgTimeStamp", 0));
        }
    }
    api_finish(call, json_pack("{s:O, s:i, s:o}", "GroupId", json_object_get(call->body, "GroupId"),
                               "IsFinished", lo <= 1 ? 1 : 0, "RspMsgList", list));
}

static void history(api_call_t *call, const store_group_ctx_t *ctx)
{
    long long seq = -1;
    json_t *req = json_object_get(call->body, "ReqMsgSeq");
    if (req)
        seq = json_integer_value(req);
    /* A topic's history: stream_id_of() checked that TopicId is one of this group's. */
    const char *topic = json_string_value(json_object_get(call->body, "TopicId"));
    store_group_history(call->env->db, topic && *topic ? topic : ctx->group.id, seq,
                        json_integer_value(json_object_get(call->body, "ReqMsgNumber")), on_history,
                        call);
}

void api_group_rest_history(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long n = 0, seq = 0, recalled = 0;
    if (id == NULL || stream_id_of(call) == NULL)
        return;
    if (valid_get_int(call->body, "ReqMsgNumber", 1, GROUP_HISTORY_MAX, &n) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "ReqMsgNumber is required: 1 to %d", GROUP_HISTORY_MAX);
        return;
    }
    if (!opt_int(call, "ReqMsgSeq", 0, INT64_MAX, &seq) ||
        !opt_int(call, "WithRecalledMsg", 0, 1, &recalled))
        return;
    with_group(call, id, NULL, true, history);
}

/* ---- live rooms (AVChatRoom) and group counters: ops in group/avroom.c ---- */

static void on_online_counted(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    api_finish(call, json_pack("{s:O}", "OnlineMemberNum", json_object_get(result, "count")));
    json_decref(result);
}

void api_group_rest_online_num(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id != NULL)
        avroom_online(call, id, NULL, on_online_counted);
}

/* Ends a call whose answer is the bare envelope. */
static void on_envelope(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    json_decref(result);
    if (op_ok(call, err, detail))
        api_finish(call, NULL);
}

void api_group_rest_ban(api_call_t *call)
{
    const char *id = group_id_of(call), *desc = "";
    long long secs = 0;
    if (id == NULL)
        return;
    if (valid_get_int(call->body, "Duration", 1, UINT32_MAX, &secs) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "Duration is required: seconds, 1 to 4294967295");
        return;
    }
    if (json_object_get(call->body, "Description") &&
        valid_get_text(call->body, "Description", AVROOM_BAN_DESCRIPTION_MAX, &desc) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "Description is a string of at most %d bytes",
                 AVROOM_BAN_DESCRIPTION_MAX);
        return;
    }
    json_t *users = accounts_of(call, "Members_Account", NULL, AVROOM_BAN_ACCOUNTS_MAX);
    if (users)
        avroom_ban(call, id, users, secs, desc, on_envelope);
}

void api_group_rest_unban(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *users = accounts_of(call, "Members_Account", NULL, AVROOM_BAN_ACCOUNTS_MAX);
    if (users)
        avroom_unban(call, id, users, on_envelope);
}

static void on_bans(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(result, "bans"), i, v) json_array_append_new(
        list, json_pack("{s:O, s:O}", "Member_Account", json_object_get(v, "user"), "BannedUntil",
                        json_object_get(v, "until")));
    api_finish(call, json_pack("{s:o, s:O}", "BannedAccountList", list, "NextOffset",
                               json_object_get(result, "next_offset")));
    json_decref(result);
}

void api_group_rest_bans(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long limit = AVROOM_BAN_PAGE_MAX, offset = 0;
    if (id != NULL && opt_int(call, "Limit", 1, AVROOM_BAN_PAGE_MAX, &limit) &&
        opt_int(call, "Offset", 0, INT64_MAX, &offset))
        avroom_bans(call, id, offset, limit, on_bans);
}

static void on_broadcast(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    json_decref(result);
    if (op_ok(call, err, detail))
        api_finish(call, json_pack("{s:i}", "MsgSeq", 0)); /* unstored: no sequence */
}

void api_group_rest_broadcast(api_call_t *call)
{
    long long random = 0;
    const char *from = user_of(call, "From_Account");
    if (from == NULL)
        return;
    if (valid_get_int(call->body, "Random", 0, UINT32_MAX, &random) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "Random is required: an integer from 0 to 4294967295");
        return;
    }
    if (!check_body(call, call->body))
        return;
    msg_group_t m = {
        .sender = from,
        .random = (uint32_t)random,
        .body = json_object_get(call->body, "MsgBody"),
        .cloud_custom_data = str(call->body, "CloudCustomData"),
    };
    avroom_broadcast(call, &m, on_broadcast);
}

static void on_viewers(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(result, "viewers"), i, v) json_array_append_new(
        list,
        json_pack("{s:O, s:I, s:s, s:s}", "Member_Account", json_object_get(v, "user"), "JoinTime",
                  (json_int_t)(json_integer_value(json_object_get(v, "join_ms")) / 1000),
                  "NickName", "", "Avatar", ""));
    api_finish(call, json_pack("{s:o, s:O}", "MemberList", list, "NextTimestamp",
                               json_object_get(result, "next")));
    json_decref(result);
}

void api_avroom_rest_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long ts = 0;
    if (id == NULL || !opt_int(call, "Timestamp", 0, INT64_MAX, &ts))
        return;
    if (json_object_get(call->body, "Mark")) {
        api_fail(call, ERR_GROUP_PARAM, "Mark: filtering the online list by mark is not supported");
        return;
    }
    avroom_viewers(call, id, ts, on_viewers);
}

static void on_checked(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    api_finish(call, json_pack("{s:O}", "Member_Account", json_object_get(result, "present")));
    json_decref(result);
}

void api_avroom_rest_check_members(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *users = accounts_of(call, "Member_Account", NULL, AVROOM_CHECK_MAX);
    if (users)
        avroom_check(call, id, users, on_checked);
}

/* CommandType 1 sets, 2 unsets; Admin_Account 1..5. */
void api_avroom_rest_modify_admin(api_call_t *call)
{
    const char *id = group_id_of(call);
    long long command = 0;
    if (id == NULL)
        return;
    if (valid_get_int(call->body, "CommandType", 1, 2, &command) != VALID_OK) {
        api_fail(call, ERR_GROUP_PARAM, "CommandType is required: 1 sets admins, 2 unsets them");
        return;
    }
    json_t *users = accounts_of(call, "Admin_Account", NULL, AVROOM_ADMINS_MAX);
    if (users)
        avroom_set_admins(call, id, users, command == 1, on_envelope);
}

static void on_admin_list(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(result, "admins"), i, v) json_array_append_new(
        list, json_pack("{s:O, s:O, s:O}", "Admin_Account", json_object_get(v, "user"), "Avatar",
                        json_object_get(v, "face"), "NickName", json_object_get(v, "nick")));
    api_finish(call, json_pack("{s:o}", "Admin_List", list));
    json_decref(result);
}

void api_avroom_rest_admin_list(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id != NULL)
        avroom_admins(call, id, on_admin_list);
}

static void on_counters(api_call_t *call, err_t err, const char *detail, json_t *result)
{
    if (!op_ok(call, err, detail))
        return;
    json_t *list = json_array(), *v;
    const char *k;
    json_object_foreach(json_object_get(result, "counters"), k, v)
        json_array_append_new(list, json_pack("{s:s, s:O}", "Key", k, "Value", v));
    api_finish(call, json_pack("{s:o}", "GroupCounter", list));
    json_decref(result);
}

/* Runs a counter op once its data passed counter_check(). */
static void run_counter(api_call_t *call, counter_op_t op, const char *id, json_t *data)
{
    char detail[160];
    err_t err = counter_check(op, data, detail, sizeof detail);
    if (err != ERR_OK) {
        json_decref(data);
        api_fail(call, err, "%s", detail);
        return;
    }
    counter_run(call, op, id, NULL, data, op == COUNTER_DELETE ? on_envelope : on_counters);
}

/* GroupCounterKeys: absent (all), else the array as given. */
static void counter_keys_call(api_call_t *call, counter_op_t op)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *keys = json_object_get(call->body, "GroupCounterKeys");
    run_counter(call, op, id, keys ? json_incref(keys) : NULL);
}

void api_group_rest_counter_get(api_call_t *call)
{
    counter_keys_call(call, COUNTER_GET);
}

void api_group_rest_counter_delete(api_call_t *call)
{
    counter_keys_call(call, COUNTER_DELETE);
}

void api_group_rest_counter_update(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    const char *mode = str(call->body, "Mode");
    counter_op_t op = COUNTER_SET;
    if (mode && strcmp(mode, "Increase") == 0)
        op = COUNTER_INCREASE;
    else if (mode && strcmp(mode, "Decrease") == 0)
        op = COUNTER_DECREASE;
    else if (mode && strcmp(mode, "Set") != 0) {
        api_fail(call, ERR_GROUP_PARAM, "Mode must be Set, Increase or Decrease");
        return;
    }
    json_t *list = json_object_get(call->body, "GroupCounter"), *v;
    if (!json_is_array(list)) {
        api_fail(call, ERR_GROUP_PARAM, "GroupCounter is required: an array of {Key, Value}");
        return;
    }
    json_t *data = json_object();
    size_t i;
    json_array_foreach(list, i, v)
    {
        const char *k = str(v, "Key");
        json_t *val = json_object_get(v, "Value");
        if (k == NULL || val == NULL) {
            json_decref(data);
            api_fail(call, ERR_GROUP_PARAM, "GroupCounter[%zu] needs Key (string) and Value", i);
            return;
        }
        json_object_set(data, k, val);
    }
    run_counter(call, op, id, data);
}

/* ---- group attributes ---- */

static void on_attr_got(err_t err, const store_group_res_t *res, void *arg)
{
    api_call_t *call = arg;
    if (err != ERR_OK || !res->found) {
        api_fail(call, err != ERR_OK ? err : ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    json_t *list = json_array(), *v;
    const char *k;
    json_object_foreach(res->attrs, k, v)
        json_array_append_new(list, json_pack("{s:s, s:O}", "key", k, "value", v));
    api_finish(call, json_pack("{s:o}", "GroupAttrAry", list));
}

void api_group_rest_attr_get(api_call_t *call)
{
    const char *id = group_id_of(call);
    if (id != NULL)
        store_group_attrs_get(call->env->db, id, on_attr_got, call);
}

/* GroupAttr [{key, value}] as an object (values required unless keys_only); NULL after
 * failing. */
static json_t *attr_list(api_call_t *call, bool keys_only)
{
    json_t *list = json_object_get(call->body, "GroupAttr"), *v;
    size_t i;
    char detail[160];
    if (!json_is_array(list) || json_array_size(list) == 0) {
        api_fail(call, ERR_GROUP_PARAM, "GroupAttr must be a non-empty array of {key, value}");
        return NULL;
    }
    json_t *out = keys_only ? json_array() : json_object();
    json_array_foreach(list, i, v)
    {
        json_t *key = json_is_string(v) ? v : json_object_get(v, "key");
        json_t *value = json_object_get(v, "value");
        if (!json_is_string(key) || (!keys_only && value == NULL)) {
            json_decref(out);
            api_fail(call, ERR_GROUP_PARAM, "GroupAttr[%zu] must be {key, value}", i);
            return NULL;
        }
        if (keys_only)
            json_array_append(out, key);
        else
            json_object_set(out, json_string_value(key), value);
    }
    if (!keys_only) {
        err_t err = gop_check_attrs(out, detail, sizeof detail);
        if (err != ERR_OK) {
            json_decref(out);
            api_fail(call, err, "%s", detail);
            return NULL;
        }
    }
    return out;
}

static void attr_write(api_call_t *call, gop_attrs_mode_t mode)
{
    const char *id = group_id_of(call);
    if (id == NULL)
        return;
    json_t *data = NULL;
    if (mode != GOP_ATTRS_CLEAR) {
        data = attr_list(call, mode == GOP_ATTRS_DELETE);
        if (data == NULL)
            return;
    }
    gop_actor_t actor = admin_actor(call, false);
    gop_run(call, GOP_ATTRS, &actor, id, &(gop_req_t){.mode = mode, .data = data}, on_done);
}

void api_group_rest_attr_modify(api_call_t *call)
{
    attr_write(call, GOP_ATTRS_SET);
}

void api_group_rest_attr_clear(api_call_t *call)
{
    attr_write(call, GOP_ATTRS_CLEAR);
}

void api_group_rest_attr_set(api_call_t *call)
{
    attr_write(call, GOP_ATTRS_INIT);
}

void api_group_rest_attr_delete(api_call_t *call)
{
    attr_write(call, GOP_ATTRS_DELETE);
}
