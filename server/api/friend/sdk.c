/* The WebSocket door of relationship chains (friend/friend.h): the SDK's friendship manager,
 * for the logged-in user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/friend/friend.h"
#include "api/search/search.h"
#include "api/valid.h"
#include "core/xalloc.h"

/* An optional integer choice: dflt when absent, -1 after failing unless in [lo, hi]. */
static int choice_of(api_call_t *call, const char *field, int lo, int hi, int dflt)
{
    json_t *v = json_object_get(call->body, field);
    if (v == NULL)
        return dflt;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        api_fail(call, ERR_SNS_PARAM, "%s must be an integer from %d to %d", field, lo, hi);
        return -1;
    }
    return (int)json_integer_value(v);
}

static const char *user_of(api_call_t *call)
{
    const char *const names[] = {"userID", NULL};
    const char *user;
    if (valid_get_user_id(call->body, names, &user) != VALID_OK) {
        api_fail(call, ERR_SNS_PARAM, "userID must be a UserID");
        return NULL;
    }
    return user;
}

/* [V2TIMFriendOperationResult {userID, resultCode, resultInfo}]. */
static json_t *op_results(const friend_results_t *res)
{
    json_t *out = json_array();
    for (size_t i = 0; i < res->n; i++)
        json_array_append_new(out, json_pack("{s:s, s:i, s:s}", "userID", res->v[i].user,
                                             "resultCode", res->v[i].code, "resultInfo",
                                             res->v[i].info ? res->v[i].info : ""));
    return out;
}

static void answer_results(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)r;
    api_finish(call, op_results(res));
}

static void answer_one(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)r;
    json_t *all = op_results(res);
    json_t *first = json_incref(json_array_get(all, 0));
    json_decref(all);
    api_finish(call, first);
}

static void answer_none(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)r;
    (void)res;
    api_finish(call, NULL);
}

/* body[name] as a JSON array text of distinct UserIDs (free()); NULL after failing. */
static char *users_text(api_call_t *call, const char *name, size_t max)
{
    json_t *ids = friend_read_users(call, name, max);
    if (ids == NULL)
        return NULL;
    char *text = json_dumps(ids, JSON_COMPACT);
    json_decref(ids);
    return text;
}

/* ---- friends ---- */

void api_friend_add(api_call_t *call)
{
    friend_item_t item = {0};
    int type = choice_of(call, "addType", 1, 2, 2);
    if (type < 0 || !api_read_fields(call, &friend_add_fields, FIELD_SDK, call->body, &item))
        return;
    friend_add_t req = {call->identifier, &item, 1, type == 2, false, false, "friend_add"};
    friend_add(call, &req, answer_one);
    fields_release(&friend_add_fields, &item);
}

void api_friend_delete(api_call_t *call)
{
    int type = choice_of(call, "deleteType", 1, 2, 2);
    char *peers = type < 0 ? NULL : users_text(call, "userIDList", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    friend_delete(call, call->identifier, peers, type == 2, answer_results);
    free(peers);
}

static void answer_check(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    bool both = json_integer_value(json_object_get(call->body, "checkType")) != 1;
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(r->items, i, v)
    {
        store_sns_item_t it;
        store_sns_item_view(v, &it);
        int relation = (it.have ? 1 : 0) + (both && it.has_me ? 2 : 0);
        int code = it.exists ? 0 : ERR_SNS_NOT_IMPORTED;
        json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:s}", "userID", it.user,
                                             "relationType", relation, "resultCode", code,
                                             "resultInfo", code ? err_text(code) : ""));
    }
    api_finish(call, out);
}

void api_friend_check(api_call_t *call)
{
    int type = choice_of(call, "checkType", 1, 2, 2);
    char *peers = type < 0 ? NULL : users_text(call, "userIDList", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    friend_relations(call, call->identifier, peers, false, answer_check);
    free(peers);
}

static void answer_list(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    api_finish(call, friend_infos_sdk(r->friends));
}

void api_friend_list(api_call_t *call)
{
    friend_list(call, call->identifier, 0, FRIEND_LIST_ALL_MAX, true, answer_list);
}

static void answer_infos(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(r->items, i, v)
    {
        store_sns_item_t it;
        store_sns_friend_t f;
        store_sns_item_view(v, &it);
        int code = it.exists ? 0 : ERR_SNS_NOT_IMPORTED;
        json_t *info = store_sns_friend_view(it.friend, &f) ? friend_info_sdk(&f)
                                                            : json_pack("{s:s}", "userID", it.user);
        json_array_append_new(out, json_pack("{s:i, s:o, s:i, s:s}", "relation",
                                             (it.have ? 1 : 0) + (it.has_me ? 2 : 0), "friendInfo",
                                             info, "resultCode", code, "resultInfo",
                                             code ? err_text(code) : ""));
    }
    api_finish(call, out);
}

void api_friend_infos(api_call_t *call)
{
    char *peers = users_text(call, "userIDList", FRIEND_GET_MAX);
    if (peers == NULL)
        return;
    friend_relations(call, call->identifier, peers, true, answer_infos);
    free(peers);
}

void api_friend_search(api_call_t *call)
{
    static const char *const switches[] = {"isSearchUserID", "isSearchNickName", "isSearchRemark",
                                           NULL};
    bool on[3];
    char *keywords;
    if (!search_read_people(call, ERR_SNS_PARAM, switches, on, &keywords))
        return;
    friend_search(call, call->identifier, keywords, on[0], on[1], on[2], answer_infos);
    free(keywords);
}

static void answer_set_info(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)r;
    if (res->n == 1 && res->v[0].code != 0)
        api_fail(call, (err_t)res->v[0].code, "%s", res->v[0].info);
    else
        api_finish(call, NULL);
}

void api_friend_set_info(api_call_t *call)
{
    friend_item_t item = {0};
    if (!api_read_fields(call, &friend_info_fields, FIELD_SDK, call->body, &item))
        return;
    if (item.custom) {
        /* the SDK names custom fields without their prefix */
        json_t *tags = json_object(), *v;
        const char *key;
        json_object_foreach(item.custom, key, v)
        {
            char tag[64];
            snprintf(tag, sizeof tag, "Tag_SNS_Custom_%s", key);
            json_object_set(tags, tag, v);
        }
        json_decref(item.custom);
        item.custom = tags;
    }
    friend_update(call, call->identifier, &item, 1, answer_set_info);
    fields_release(&friend_info_fields, &item);
}

/* ---- requests ---- */

static void answer_requests(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    json_t *list = json_array(), *v;
    size_t i;
    json_array_foreach(r->requests, i, v)
    {
        store_sns_request_t q;
        if (store_sns_request_view(v, &q))
            json_array_append_new(list, friend_request_sdk(&q, call->identifier));
    }
    api_finish(call, json_pack("{s:I, s:o}", "unreadCount", (json_int_t)r->unread,
                               "applicationList", list));
}

void api_friend_applications(api_call_t *call)
{
    friend_requests(call, call->identifier, answer_requests);
}

static void answer_respond(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    if (friend_status_ok(call, r))
        api_finish(call,
                   json_pack("{s:O, s:i, s:s}", "userID", json_object_get(call->body, "userID"),
                             "resultCode", 0, "resultInfo", ""));
}

void api_friend_accept(api_call_t *call)
{
    const char *peer = user_of(call), *remark = NULL, *group = NULL;
    int type = peer ? choice_of(call, "responseType", 0, 1, 1) : -1;
    if (type < 0)
        return;
    if (valid_get_text(call->body, "friendRemark", FRIEND_REMARK_MAX, &remark) >= VALID_TYPE ||
        valid_get_text(call->body, "friendGroup", FRIEND_LIST_NAME_MAX, &group) >= VALID_TYPE) {
        api_fail(call, ERR_SNS_PARAM,
                 "friendRemark is a string of at most %d bytes, friendGroup %d", FRIEND_REMARK_MAX,
                 FRIEND_LIST_NAME_MAX);
        return;
    }
    friend_respond(call, call->identifier, peer, type == 1 ? "agree_and_add" : "agree", remark,
                   group, answer_respond);
}

void api_friend_refuse(api_call_t *call)
{
    const char *peer = user_of(call);
    if (peer)
        friend_respond(call, call->identifier, peer, "reject", NULL, NULL, answer_respond);
}

static void answer_request_deleted(api_call_t *call, const store_sns_res_t *r,
                                   const friend_results_t *res)
{
    (void)res;
    if (friend_status_ok(call, r))
        api_finish(call, NULL);
}

void api_friend_delete_application(api_call_t *call)
{
    const char *peer = user_of(call);
    int type = peer ? choice_of(call, "type", 1, 2, 1) : -1;
    if (type >= 0)
        friend_request_delete(call, call->identifier, peer, type == 1, answer_request_deleted);
}

void api_friend_applications_read(api_call_t *call)
{
    friend_requests_read(call, call->identifier, answer_none);
}

/* ---- friend lists ---- */

/* body[name]: one friend-list name; NULL after failing. */
static const char *name_of(api_call_t *call, const char *name)
{
    const char *s = json_string_value(json_object_get(call->body, name));
    if (!friend_list_name_ok(s)) {
        api_fail(call, ERR_SNS_PARAM, "%s must be a friend-list name of 1 to %d bytes", name,
                 FRIEND_LIST_NAME_MAX);
        return NULL;
    }
    return s;
}

static void answer_group_results(api_call_t *call, const store_sns_res_t *r,
                                 const friend_results_t *res)
{
    if (friend_status_ok(call, r))
        api_finish(call, op_results(res));
}

static void answer_group_done(api_call_t *call, const store_sns_res_t *r,
                              const friend_results_t *res)
{
    (void)res;
    if (friend_status_ok(call, r))
        api_finish(call, NULL);
}

void api_friend_group_create(api_call_t *call)
{
    const char *name = name_of(call, "groupName");
    if (name == NULL)
        return;
    char *peers = json_object_get(call->body, "userIDList")
                      ? users_text(call, "userIDList", FRIEND_BATCH_MAX)
                      : xstrdup("[]");
    if (peers == NULL)
        return;
    json_t *names = json_pack("[s]", name);
    char *n = json_dumps(names, JSON_COMPACT);
    friend_group_create(call, call->identifier, n, peers, answer_group_results);
    free(n);
    json_decref(names);
    free(peers);
}

static void answer_groups(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(r->groups, i, v)
    {
        store_sns_fgroup_t g;
        if (store_sns_fgroup_view(v, &g))
            json_array_append_new(out, json_pack("{s:s, s:I, s:O}", "name", g.name, "friendCount",
                                                 (json_int_t)g.count, "friendIDList", g.friends));
    }
    api_finish(call, out);
}

void api_friend_groups(api_call_t *call)
{
    json_t *names = NULL;
    if (json_object_get(call->body, "groupNameList") &&
        (names = friend_read_names(call, "groupNameList", FRIEND_LISTS_MAX)) == NULL)
        return;
    char *n = names ? json_dumps(names, JSON_COMPACT) : NULL;
    friend_groups(call, call->identifier, n, answer_groups);
    free(n);
    json_decref(names);
}

void api_friend_group_delete(api_call_t *call)
{
    json_t *names = friend_read_names(call, "groupNameList", FRIEND_LISTS_MAX);
    if (names == NULL)
        return;
    char *n = json_dumps(names, JSON_COMPACT);
    friend_group_delete(call, call->identifier, n, answer_group_done);
    free(n);
    json_decref(names);
}

void api_friend_group_rename(api_call_t *call)
{
    const char *old_name = name_of(call, "oldName");
    const char *new_name = old_name ? name_of(call, "newName") : NULL;
    if (new_name)
        friend_group_rename(call, call->identifier, old_name, new_name, answer_group_done);
}

static void group_members(api_call_t *call, bool add)
{
    const char *name = name_of(call, "groupName");
    char *peers = name ? users_text(call, "userIDList", FRIEND_BATCH_MAX) : NULL;
    if (peers == NULL)
        return;
    friend_group_members(call, call->identifier, name, peers, add, answer_group_results);
    free(peers);
}

void api_friend_group_add_members(api_call_t *call)
{
    group_members(call, true);
}

void api_friend_group_remove_members(api_call_t *call)
{
    group_members(call, false);
}

/* ---- the blocklist ---- */

void api_friend_block(api_call_t *call)
{
    char *peers = users_text(call, "userIDList", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    friend_block(call, call->identifier, peers, answer_results);
    free(peers);
}

void api_friend_unblock(api_call_t *call)
{
    char *peers = users_text(call, "userIDList", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    friend_unblock(call, call->identifier, peers, answer_results);
    free(peers);
}

static void answer_blocklist(api_call_t *call, const store_sns_res_t *r,
                             const friend_results_t *res)
{
    (void)res;
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(r->blocked, i, v)
    {
        store_sns_block_t b;
        store_sns_friend_t f = {0};
        if (!store_sns_block_view(v, &b))
            continue;
        f.user = b.user;
        f.add_time = b.add_time;
        f.profile = b.profile;
        json_array_append_new(out, friend_info_sdk(&f));
    }
    api_finish(call, out);
}

void api_friend_blocklist(api_call_t *call)
{
    friend_blocklist(call, call->identifier, 0, FRIEND_BLOCK_MAX, answer_blocklist);
}
