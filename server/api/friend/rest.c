/* The REST door of relationship chains (friend/friend.h): v4/sns/friend_*, black_list_*,
 * group_* — Tencent's spellings, batch limits and per-item ResultItem codes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/friend/friend.h"
#include "api/user/tags.h"
#include "api/valid.h"
#include "core/xalloc.h"

static const char *const from_names[] = {"From_Account", NULL};

/* From_Account, or NULL after failing the call. */
static const char *owner_of(api_call_t *call)
{
    const char *owner;
    if (valid_get_user_id(call->body, from_names, &owner) != VALID_OK) {
        api_fail(call, ERR_SNS_PARAM, "From_Account must be a UserID");
        return NULL;
    }
    return owner;
}

/* An optional enumeration field: its index in `values`, dflt when absent; -1 after failing. */
static int enum_of(api_call_t *call, const char *field, const char *const *values, int dflt)
{
    json_t *v = json_object_get(call->body, field);
    if (v == NULL)
        return dflt;
    for (int i = 0; values[i]; i++)
        if (json_is_string(v) && strcmp(json_string_value(v), values[i]) == 0)
            return i;
    api_fail(call, ERR_SNS_PARAM, "%s must be %s or %s", field, values[0], values[1]);
    return -1;
}

/* An optional integer field in [min, max]; false after failing. */
static bool int_of(api_call_t *call, const char *field, long long min, long long max,
                   long long dflt, long long *out)
{
    valid_t v = valid_get_int(call->body, field, min, max, out);
    if (v == VALID_MISSING) {
        *out = dflt;
        return true;
    }
    if (v != VALID_OK) {
        api_fail(call, ERR_SNS_PARAM, "%s must be an integer from %lld to %lld", field, min, max);
        return false;
    }
    return true;
}

/* ResultItem [{To_Account, ResultCode, ResultInfo}] and Fail_Account of the outcomes. */
static json_t *result_items(const friend_results_t *res, const char *items_key)
{
    json_t *items = json_array(), *fail = json_array();
    for (size_t i = 0; i < res->n; i++) {
        const friend_result_t *r = &res->v[i];
        json_array_append_new(items,
                              json_pack("{s:s, s:i, s:s}", "To_Account", r->user, "ResultCode",
                                        r->code, "ResultInfo", r->info ? r->info : ""));
        if (r->code != 0)
            json_array_append_new(fail, json_string(r->user));
    }
    return json_pack("{s:o, s:o, s:s}", items_key, items, "Fail_Account", fail, "ErrorDisplay", "");
}

static void answer_items(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    json_t *out = result_items(res, "ResultItem");
    json_object_set_new(out, "CurrentSequence", json_integer(r->version));
    api_finish(call, out);
}

/* ---- friend_add, friend_import ---- */

/* AddFriendItem: 1..FRIEND_BATCH_MAX items read with `table`; heap array, NULL after failing. */
static friend_item_t *read_items(api_call_t *call, const field_table_t *table, size_t *n)
{
    json_t *list = json_object_get(call->body, "AddFriendItem"), *v;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > FRIEND_BATCH_MAX) {
        api_fail(call, ERR_SNS_PARAM, "AddFriendItem must be an array of 1 to %d items",
                 FRIEND_BATCH_MAX);
        return NULL;
    }
    friend_item_t *items = xcalloc(json_array_size(list), sizeof *items);
    size_t i;
    json_array_foreach(list, i, v)
    {
        if (!api_read_fields(call, table, FIELD_REST, v, &items[i])) {
            for (size_t j = 0; j < i; j++)
                fields_release(table, &items[j]);
            xfree(items);
            return NULL;
        }
    }
    *n = json_array_size(list);
    if (!friend_items_distinct(call, items, *n)) {
        for (size_t j = 0; j < *n; j++)
            fields_release(table, &items[j]);
        xfree(items);
        return NULL;
    }
    return items;
}

static void add(api_call_t *call, bool import)
{
    static const char *const add_types[] = {"Add_Type_Single", "Add_Type_Both", NULL};
    const field_table_t *table = import ? &friend_import_fields : &friend_add_fields;
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    int both = import ? 0 : enum_of(call, "AddType", add_types, 1);
    long long force = 1;
    if (both < 0 || (!import && !int_of(call, "ForceAddFlags", 0, 1, 0, &force)))
        return;
    size_t n;
    friend_item_t *items = read_items(call, table, &n);
    if (items == NULL)
        return;
    friend_add_t req = {owner, items, n, both == 1, force == 1, import, "FriendAdd"};
    friend_add(call, &req, answer_items);
    for (size_t i = 0; i < n; i++)
        fields_release(table, &items[i]);
    xfree(items);
}

void api_sns_friend_add(api_call_t *call)
{
    add(call, false);
}

void api_sns_friend_import(api_call_t *call)
{
    add(call, true);
}

/* ---- friend_update ---- */

void api_sns_friend_update(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    json_t *list = json_object_get(call->body, "UpdateItem"), *v;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > FRIEND_GET_MAX) {
        api_fail(call, ERR_SNS_PARAM, "UpdateItem must be an array of 1 to %d items",
                 FRIEND_GET_MAX);
        return;
    }
    size_t n = json_array_size(list), i;
    friend_item_t *items = xcalloc(n, sizeof *items);
    bool ok = true;
    json_array_foreach(list, i, v)
    {
        char detail[320];
        const char *const to[] = {"To_Account", NULL};
        if (valid_get_user_id(v, to, &items[i].peer) != VALID_OK) {
            api_fail(call, ERR_SNS_PARAM, "UpdateItem[%zu].To_Account must be a UserID", i);
            ok = false;
            break;
        }
        if (friend_read_sns_items(json_object_get(v, "SnsItem"), &items[i], detail,
                                  sizeof detail) != ERR_OK) {
            api_fail(call, ERR_SNS_PARAM, "UpdateItem[%zu]: %s", i, detail);
            ok = false;
            break;
        }
    }
    if (ok && friend_items_distinct(call, items, n))
        friend_update(call, owner, items, n, answer_items);
    for (i = 0; i < n; i++)
        json_decref(items[i].custom);
    xfree(items);
}

/* ---- friend_delete, friend_delete_all ---- */

static const char *const delete_types[] = {"Delete_Type_Single", "Delete_Type_Both", NULL};

void api_sns_friend_delete(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    int both = enum_of(call, "DeleteType", delete_types, 1);
    if (both < 0)
        return;
    json_t *peers = friend_read_users(call, "To_Account", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    char *text = json_dumps(peers, JSON_COMPACT);
    friend_delete(call, owner, text, both == 1, answer_items);
    free(text);
    json_decref(peers);
}

static void answer_done(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    api_finish(call, json_pack("{s:I, s:s}", "CurrentSequence", (json_int_t)r->version,
                               "ErrorDisplay", ""));
}

void api_sns_friend_delete_all(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    int both = enum_of(call, "DeleteType", delete_types, 0);
    if (both >= 0)
        friend_delete(call, owner, NULL, both == 1, answer_done);
}

/* ---- friend_check, black_list_check ---- */

static const char *const friend_relation_names[] = {
    "CheckResult_Type_NoRelation", "CheckResult_Type_AWithB", "CheckResult_Type_BWithA",
    "CheckResult_Type_BothWay"};
static const char *const black_relations[] = {
    "BlackCheckResult_Type_NO", "BlackCheckResult_Type_AWithB", "BlackCheckResult_Type_BWithA",
    "BlackCheckResult_Type_BothWay"};

/* Whether the request's CheckType asks for both directions. */
static bool check_both(const api_call_t *call)
{
    const char *t = json_string_value(json_object_get(call->body, "CheckType"));
    return t && strstr(t, "_Both") != NULL;
}

static void answer_check(api_call_t *call, const store_sns_res_t *r, bool black)
{
    bool both = check_both(call);
    json_t *items = json_array(), *fail = json_array(), *v;
    size_t i;
    json_array_foreach(r->items, i, v)
    {
        store_sns_item_t it;
        store_sns_item_view(v, &it);
        bool a = black ? it.i_block : it.have;
        bool b = both && (black ? it.they_block : it.has_me);
        int code = it.exists ? 0 : ERR_SNS_NOT_IMPORTED;
        const char *const *names = black ? black_relations : friend_relation_names;
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:i, s:s}", "To_Account", it.user, "Relation",
                                        names[(a ? 1 : 0) + (b ? 2 : 0)], "ResultCode", code,
                                        "ResultInfo", code ? err_text(code) : ""));
        if (code)
            json_array_append_new(fail, json_string(it.user));
    }
    api_finish(call, json_pack("{s:o, s:o, s:s}", black ? "BlackListCheckItem" : "InfoItem", items,
                               "Fail_Account", fail, "ErrorDisplay", ""));
}

static void answer_friend_check(api_call_t *call, const store_sns_res_t *r,
                                const friend_results_t *res)
{
    (void)res;
    answer_check(call, r, false);
}

static void answer_black_check(api_call_t *call, const store_sns_res_t *r,
                               const friend_results_t *res)
{
    (void)res;
    answer_check(call, r, true);
}

static void check(api_call_t *call, bool black)
{
    static const char *const friend_types[] = {"CheckResult_Type_Single", "CheckResult_Type_Both",
                                               NULL};
    static const char *const black_types[] = {"BlackCheckResult_Type_Single",
                                              "BlackCheckResult_Type_Both", NULL};
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    if (json_object_get(call->body, "CheckType") == NULL) {
        api_fail(call, ERR_SNS_PARAM, "CheckType is required");
        return;
    }
    if (enum_of(call, "CheckType", black ? black_types : friend_types, 1) < 0)
        return;
    json_t *peers = friend_read_users(call, "To_Account", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    char *text = json_dumps(peers, JSON_COMPACT);
    friend_relations(call, owner, text, false, black ? answer_black_check : answer_friend_check);
    free(text);
    json_decref(peers);
}

void api_sns_friend_check(api_call_t *call)
{
    check(call, false);
}

void api_sns_black_list_check(api_call_t *call)
{
    check(call, true);
}

/* ---- friend_get, friend_get_list ---- */

/* A friend's field as a REST value, or NULL when the tag is not a friend field. */
static json_t *sns_value(const store_sns_friend_t *f, const char *tag)
{
    if (strcmp(tag, "Tag_SNS_IM_Remark") == 0)
        return json_string(f->remark ? f->remark : "");
    if (strcmp(tag, "Tag_SNS_IM_Group") == 0)
        return json_incref((json_t *)f->groups);
    if (strcmp(tag, "Tag_SNS_IM_AddSource") == 0)
        return json_string(f->source ? f->source : "");
    if (strcmp(tag, "Tag_SNS_IM_AddWording") == 0)
        return json_string(f->wording ? f->wording : "");
    if (strcmp(tag, "Tag_SNS_IM_AddTime") == 0)
        return json_integer(f->add_time);
    if (strncmp(tag, "Tag_SNS_Custom_", 15) == 0) {
        json_t *v = json_object_get(f->custom, tag);
        return v ? json_incref(v) : json_string("");
    }
    return NULL;
}

static bool sns_tag(const char *tag)
{
    static const char *const tags[] = {"Tag_SNS_IM_Remark",    "Tag_SNS_IM_Group",
                                       "Tag_SNS_IM_AddSource", "Tag_SNS_IM_AddWording",
                                       "Tag_SNS_IM_AddTime",   NULL};
    for (int i = 0; tags[i]; i++)
        if (strcmp(tag, tags[i]) == 0)
            return true;
    json_t *s = json_string("");
    bool custom = friend_custom_ok(tag, s);
    json_decref(s);
    return custom;
}

/* [{Tag, Value}] of a friend: its standard fields and custom fields (friend_get). */
static json_t *value_items(const store_sns_friend_t *f)
{
    static const char *const tags[] = {"Tag_SNS_IM_Remark",    "Tag_SNS_IM_Group",
                                       "Tag_SNS_IM_AddSource", "Tag_SNS_IM_AddWording",
                                       "Tag_SNS_IM_AddTime",   NULL};
    json_t *out = json_array(), *v;
    for (int i = 0; tags[i]; i++)
        json_array_append_new(
            out, json_pack("{s:s, s:o}", "Tag", tags[i], "Value", sns_value(f, tags[i])));
    const char *tag;
    json_object_foreach((json_t *)f->custom, tag, v)
        json_array_append_new(out, json_pack("{s:s, s:O}", "Tag", tag, "Value", v));
    return out;
}

static void answer_page(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    long long start = (long long)json_integer_value(json_object_get(call->body, "StartIndex"));
    json_t *users = json_array(), *v;
    size_t i;
    json_array_foreach(r->friends, i, v)
    {
        store_sns_friend_t f;
        if (store_sns_friend_view(v, &f))
            json_array_append_new(
                users, json_pack("{s:s, s:o}", "To_Account", f.user, "ValueItem", value_items(&f)));
    }
    long long next = start + (long long)json_array_size(r->friends);
    bool complete = next >= r->total;
    api_finish(call, json_pack("{s:o, s:I, s:I, s:I, s:i, s:I, s:s}", "UserDataItem", users,
                               "StandardSequence", (json_int_t)r->version, "CustomSequence",
                               (json_int_t)r->version, "FriendNum", (json_int_t)r->total,
                               "CompleteFlag", complete ? 1 : 0, "NextStartIndex",
                               (json_int_t)(complete ? 0 : next), "ErrorDisplay", ""));
}

void api_sns_friend_get(api_call_t *call)
{
    const char *owner = owner_of(call);
    long long start, seq;
    if (owner == NULL)
        return;
    if (valid_get_int(call->body, "StartIndex", 0, INT32_MAX, &start) != VALID_OK) {
        api_fail(call, ERR_SNS_PARAM, "StartIndex is required: an integer >= 0");
        return;
    }
    if (!int_of(call, "StandardSequence", 0, INT64_MAX, 0, &seq) ||
        !int_of(call, "CustomSequence", 0, INT64_MAX, 0, &seq))
        return;
    friend_list(call, owner, start, FRIEND_PAGE_MAX, false, answer_page);
}

static void answer_get_list(api_call_t *call, const store_sns_res_t *r, const friend_results_t *res)
{
    (void)res;
    json_t *tags = json_object_get(call->body, "TagList");
    json_t *items = json_array(), *fail = json_array(), *v;
    size_t i;
    json_array_foreach(r->items, i, v)
    {
        store_sns_item_t it;
        store_sns_friend_t f;
        store_sns_item_view(v, &it);
        int code = !it.exists ? ERR_SNS_NOT_IMPORTED : it.friend ? 0 : ERR_SNS_NOT_FRIEND;
        json_t *entry = json_pack("{s:s}", "To_Account", it.user);
        if (code == 0 && store_sns_friend_view(it.friend, &f)) {
            json_t *out = json_array(), *tag;
            size_t k;
            json_array_foreach(tags, k, tag)
            {
                const char *name = json_string_value(tag);
                json_t *value = sns_value(&f, name);
                if (value == NULL) {
                    json_t *stored = json_object_get(f.profile, name);
                    value = json_incref(stored ? stored : profile_tag_default(name));
                }
                json_array_append_new(out, json_pack("{s:s, s:o}", "Tag", name, "Value", value));
            }
            json_object_set_new(entry, "SnsProfileItem", out);
        } else {
            json_array_append_new(fail, json_string(it.user));
        }
        json_object_set_new(entry, "ResultCode", json_integer(code));
        json_object_set_new(entry, "ResultInfo", json_string(code ? err_text(code) : ""));
        json_array_append_new(items, entry);
    }
    api_finish(call, json_pack("{s:o, s:o, s:s}", "InfoItem", items, "Fail_Account", fail,
                               "ErrorDisplay", ""));
}

void api_sns_friend_get_list(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    json_t *tags = json_object_get(call->body, "TagList"), *tag;
    size_t i;
    if (!json_is_array(tags) || json_array_size(tags) == 0 || json_array_size(tags) > 64) {
        api_fail(call, ERR_SNS_PARAM, "TagList must be an array of 1 to 64 tags");
        return;
    }
    json_array_foreach(tags, i, tag)
    {
        const char *name = json_string_value(tag);
        if (name == NULL || (!sns_tag(name) && !profile_tag_known(name))) {
            api_fail(call, ERR_SNS_PARAM, "TagList[%zu] is not a profile or friend tag", i);
            return;
        }
    }
    json_t *peers = friend_read_users(call, "To_Account", FRIEND_GET_MAX);
    if (peers == NULL)
        return;
    char *text = json_dumps(peers, JSON_COMPACT);
    friend_relations(call, owner, text, true, answer_get_list);
    free(text);
    json_decref(peers);
}

/* ---- black_list_add, _delete, _get ---- */

static void users_op(api_call_t *call,
                     void (*op)(api_call_t *, const char *, const char *, friend_answer_fn))
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    json_t *peers = friend_read_users(call, "To_Account", FRIEND_BATCH_MAX);
    if (peers == NULL)
        return;
    char *text = json_dumps(peers, JSON_COMPACT);
    op(call, owner, text, answer_items);
    free(text);
    json_decref(peers);
}

void api_sns_black_list_add(api_call_t *call)
{
    users_op(call, friend_block);
}

void api_sns_black_list_delete(api_call_t *call)
{
    users_op(call, friend_unblock);
}

static void answer_blocklist(api_call_t *call, const store_sns_res_t *r,
                             const friend_results_t *res)
{
    (void)res;
    long long start = (long long)json_integer_value(json_object_get(call->body, "StartIndex"));
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(r->blocked, i, v)
    {
        store_sns_block_t b;
        if (store_sns_block_view(v, &b))
            json_array_append_new(items, json_pack("{s:s, s:I}", "To_Account", b.user,
                                                   "AddBlackTimeStamp", (json_int_t)b.add_time));
    }
    long long next = start + (long long)json_array_size(r->blocked);
    api_finish(call, json_pack("{s:o, s:I, s:I, s:s}", "BlackListItem", items, "StartIndex",
                               (json_int_t)(next >= r->total ? 0 : next), "CurruentSequence",
                               (json_int_t)r->version, "ErrorDisplay", ""));
}

void api_sns_black_list_get(api_call_t *call)
{
    const char *owner = owner_of(call);
    long long start, max, seq;
    if (owner == NULL)
        return;
    if (valid_get_int(call->body, "StartIndex", 0, INT32_MAX, &start) != VALID_OK ||
        valid_get_int(call->body, "MaxLimited", 1, FRIEND_BLOCK_MAX, &max) != VALID_OK) {
        api_fail(call, ERR_SNS_PARAM,
                 "StartIndex (an integer >= 0) and MaxLimited (1 to %d) are required",
                 FRIEND_BLOCK_MAX);
        return;
    }
    if (!int_of(call, "LastSequence", 0, INT64_MAX, 0, &seq))
        return;
    friend_blocklist(call, owner, start, max, answer_blocklist);
}

/* ---- group_add, group_delete, group_get ---- */

static void answer_group_add(api_call_t *call, const store_sns_res_t *r,
                             const friend_results_t *res)
{
    if (friend_status_ok(call, r))
        answer_items(call, r, res);
}

void api_sns_group_add(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    json_t *names = friend_read_names(call, "GroupName", FRIEND_LISTS_MAX);
    if (names == NULL)
        return;
    json_t *peers = json_object_get(call->body, "To_Account")
                        ? friend_read_users(call, "To_Account", FRIEND_BATCH_MAX)
                        : json_array();
    if (peers != NULL) {
        char *n = json_dumps(names, JSON_COMPACT), *p = json_dumps(peers, JSON_COMPACT);
        friend_group_create(call, owner, n, p, answer_group_add);
        free(n);
        free(p);
        json_decref(peers);
    }
    json_decref(names);
}

static void answer_group_delete(api_call_t *call, const store_sns_res_t *r,
                                const friend_results_t *res)
{
    if (friend_status_ok(call, r))
        answer_done(call, r, res);
}

void api_sns_group_delete(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    json_t *names = friend_read_names(call, "GroupName", FRIEND_LISTS_MAX);
    if (names == NULL)
        return;
    char *n = json_dumps(names, JSON_COMPACT);
    friend_group_delete(call, owner, n, answer_group_delete);
    free(n);
    json_decref(names);
}

static void answer_group_get(api_call_t *call, const store_sns_res_t *r,
                             const friend_results_t *res)
{
    (void)res;
    const char *need = json_string_value(json_object_get(call->body, "NeedFriend"));
    bool friends = need && strcmp(need, "Need_Friend_Type_Yes") == 0;
    json_t *items = json_array(), *v;
    size_t i;
    json_array_foreach(r->groups, i, v)
    {
        store_sns_fgroup_t g;
        if (!store_sns_fgroup_view(v, &g))
            continue;
        json_t *item =
            json_pack("{s:s, s:I}", "GroupName", g.name, "FriendNumber", (json_int_t)g.count);
        if (friends)
            json_object_set(item, "To_Account", (json_t *)g.friends);
        json_array_append_new(items, item);
    }
    api_finish(call, json_pack("{s:o, s:I, s:s}", "ResultItem", items, "CurrentSequence",
                               (json_int_t)r->version, "ErrorDisplay", ""));
}

void api_sns_group_get(api_call_t *call)
{
    const char *owner = owner_of(call);
    if (owner == NULL)
        return;
    json_t *need = json_object_get(call->body, "NeedFriend");
    if (need &&
        (!json_is_string(need) || strcmp(json_string_value(need), "Need_Friend_Type_Yes") != 0)) {
        api_fail(call, ERR_SNS_PARAM, "NeedFriend must be Need_Friend_Type_Yes");
        return;
    }
    json_t *names = NULL;
    if (json_object_get(call->body, "GroupName") &&
        (names = friend_read_names(call, "GroupName", FRIEND_LISTS_MAX)) == NULL)
        return;
    char *n = names ? json_dumps(names, JSON_COMPACT) : NULL;
    friend_groups(call, owner, n, answer_group_get);
    free(n);
    json_decref(names);
}
