/* REST `recentcontact` (Tencent names): get_list, delete, and the contact-group and mark APIs
 * (create_contact_group, del_contact_group, update_contact_group, search_contact_group,
 * mark_contact, get_contact_group). Every API acts on the conversations of `From_Account`, which
 * must be an imported account (50001).
 *
 * `delete` ends in the same store call as the WebSocket deleteConversation(List) commands, so a
 * conversation deleted here is deleted exactly as if its owner had done it from a client. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/conv/conv.h"
#include "api/group/rules.h"
#include "api/valid.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"

static const char *const from_names[] = {"From_Account", NULL};

/* What a request keeps across its async steps (call->state). */
typedef struct {
    const char *user; /* From_Account, borrowed from the body */
    void (*next)(api_call_t *call);
    char **keys;       /* conversation keys, heap */
    char **ids;        /* their conversationIDs ("c2c_<user>", "group_<id>"), heap */
    json_t **contacts; /* the ContactItem object of each key, borrowed from the body */
    bool *adds;        /* update_contact_group: add (true) or remove each key */
    size_t n;
    store_mark_item_t *marks;
    const char *name, *new_name; /* borrowed from the body */
    long long ints[5]; /* get_list: TimeStamp, StartIndex, TopTimeStamp, TopStartIndex, flags */
} rc_t;

static void rc_free(rc_t *rc)
{
    if (rc == NULL)
        return;
    for (size_t i = 0; i < rc->n; i++) {
        xfree(rc->keys[i]);
        xfree(rc->ids[i]);
    }
    xfree(rc->keys);
    xfree(rc->ids);
    xfree(rc->contacts);
    xfree(rc->adds);
    xfree(rc->marks);
    xfree(rc);
}

static rc_t *rc_of(api_call_t *call)
{
    return call->state;
}

/* Frees the state and fails the call. */
static void rc_fail(api_call_t *call, err_t err, const char *detail)
{
    rc_free(call->state);
    call->state = NULL;
    api_fail(call, err, detail ? "%s" : NULL, detail);
}

/* Frees the state and finishes the call; `result` gets the empty ErrorDisplay Tencent sends. */
static void rc_finish(api_call_t *call, json_t *result)
{
    rc_free(call->state);
    call->state = NULL;
    json_object_set_new(result, "ErrorDisplay", json_string(""));
    api_finish(call, result);
}

/* Allocates the state with From_Account; fails the call when From_Account is not a UserID. */
static rc_t *rc_start(api_call_t *call)
{
    const char *user;
    if (valid_get_user_id(call->body, from_names, &user) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "From_Account is required: a UserID string of 1 to %d bytes",
                 VALID_USERID_MAX);
        return NULL;
    }
    rc_t *rc = XNEW(rc_t);
    rc->user = user;
    call->state = rc;
    return rc;
}

static void on_account(err_t err, const store_ids_t *found, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err != ERR_OK) {
        rc_fail(call, err, NULL);
        return;
    }
    if (!store_ids_has(found, rc->user)) {
        char detail[96];
        snprintf(detail, sizeof detail, "From_Account %s does not exist", rc->user);
        rc_fail(call, ERR_NOT_IMPORTED, detail);
        return;
    }
    rc->next(call);
}

/* Runs next(call) once From_Account is known to be an imported account. */
static void with_account(api_call_t *call, void (*next)(api_call_t *call))
{
    rc_t *rc = rc_of(call);
    rc->next = next;
    store_accounts_existing(call->env->db, &rc->user, 1, on_account, call);
}

/* ---- contact items ---- */

/* The key of a ContactItem {Type 1, To_Account} / {Type 2, ToGroupId (or ToGroupid)} as seen by
 * `user` (heap), or NULL after writing why into `why`. */
static char *contact_key(const char *user, const json_t *item, char *why, size_t len)
{
    static const char *const to_names[] = {"To_Account", NULL};
    static const char *const group_names[] = {"ToGroupId", "ToGroupid", NULL};
    long long type;
    const char *to;
    if (!json_is_object(item)) {
        snprintf(why, len, "must be an object {Type, To_Account | ToGroupId}");
        return NULL;
    }
    if (valid_get_int(item, "Type", 1, 2, &type) != VALID_OK) {
        snprintf(why, len, "Type must be 1 (one-to-one) or 2 (group)");
        return NULL;
    }
    if (type == 1) {
        if (valid_get_user_id(item, to_names, &to) != VALID_OK) {
            snprintf(why, len, "To_Account must be a UserID string of 1 to %d bytes",
                     VALID_USERID_MAX);
            return NULL;
        }
        return store_conv_key_c2c(user, to);
    }
    json_t *g = valid_member(item, group_names);
    to = json_string_value(g);
    if (to == NULL || *to == '\0' || json_string_length(g) > GROUP_ID_MAX ||
        !valid_utf8_text(to, json_string_length(g))) {
        snprintf(why, len, "ToGroupId must be a GroupId string of 1 to %d bytes", GROUP_ID_MAX);
        return NULL;
    }
    return xasprintf("g:%s", to);
}

/* A ContactItem as chatd writes it: {Type, To_Account} or {Type, ToGroupId}. */
static json_t *contact_json(int type, const char *peer, const char *group_id)
{
    return type == 2 ? json_pack("{s:i, s:s}", "Type", 2, "ToGroupId", group_id ? group_id : "")
                     : json_pack("{s:i, s:s}", "Type", 1, "To_Account", peer ? peer : "");
}

/* The conversation's ContactItem as written in the request, normalized. */
static json_t *contact_echo(const json_t *item)
{
    static const char *const group_names[] = {"ToGroupId", "ToGroupid", NULL};
    long long type = 1;
    valid_get_int(item, "Type", 1, 2, &type);
    return contact_json((int)type, json_string_value(json_object_get(item, "To_Account")),
                        json_string_value(valid_member(item, group_names)));
}

/* The To_Account of a valid one-to-one ContactItem. */
static const char *contact_peer(const json_t *contact)
{
    return json_string_value(json_object_get(contact, "To_Account"));
}

/* list[i][field] (field NULL: list[i]) for i < n as contact keys into rc; fails the call. */
static bool read_contacts(api_call_t *call, const char *list_name, const json_t *list,
                          const char *field, size_t max)
{
    rc_t *rc = rc_of(call);
    size_t n = json_array_size(list);
    if (!json_is_array(list)) {
        char detail[96];
        snprintf(detail, sizeof detail, "%s must be an array", list_name);
        rc_fail(call, ERR_BAD_PARAM, detail);
        return false;
    }
    if (n > max) {
        char detail[96];
        snprintf(detail, sizeof detail, "at most %zu items in %s", max, list_name);
        rc_fail(call, ERR_CONV_TOO_MANY, detail);
        return false;
    }
    rc->keys = xcalloc(n ? n : 1, sizeof(char *));
    rc->ids = xcalloc(n ? n : 1, sizeof(char *));
    rc->contacts = xcalloc(n ? n : 1, sizeof(json_t *));
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(list, i);
        json_t *contact = field ? json_object_get(item, field) : item;
        char why[128], detail[256];
        char *key = contact_key(rc->user, contact, why, sizeof why);
        if (key == NULL) {
            if (list_name)
                snprintf(detail, sizeof detail, "%s[%zu]%s%s: %s", list_name, i, field ? "." : "",
                         field ? field : "", why);
            else
                snprintf(detail, sizeof detail, "%s", why);
            rc_fail(call, ERR_BAD_PARAM, detail);
            return false;
        }
        rc->keys[rc->n] = key;
        rc->ids[rc->n] = key[0] == 'g' ? xasprintf("group_%s", key + 2)
                                       : xasprintf("c2c_%s", contact_peer(contact));
        rc->contacts[rc->n] = contact;
        rc->n++;
    }
    return true;
}

/* A per-item result {<opt_name>?, ContactItem, ResultCode, ResultInfo}. */
static json_t *result_item(const char *opt_name, long long opt, const json_t *contact, int code)
{
    json_t *item = json_object();
    if (opt_name)
        json_object_set_new(item, opt_name, json_integer(opt));
    json_object_set_new(item, "ContactItem", contact_echo(contact));
    json_object_set_new(item, "ResultCode", json_integer(code));
    json_object_set_new(item, "ResultInfo", json_string(code ? err_text(code) : ""));
    return item;
}

/* A conversation-group name: 1 to 32 bytes of text; fails the call (51011 when too long). */
static bool group_name_ok(api_call_t *call, const json_t *v, const char *field)
{
    char detail[96];
    const char *name = json_string_value(v);
    if (name == NULL || *name == '\0' || !valid_utf8_text(name, json_string_length(v))) {
        snprintf(detail, sizeof detail, "%s must be a non-empty string", field);
        rc_fail(call, ERR_BAD_PARAM, detail);
        return false;
    }
    if (json_string_length(v) > CONV_GROUP_NAME_MAX) {
        snprintf(detail, sizeof detail, "%s is %zu bytes", field, json_string_length(v));
        rc_fail(call, ERR_CONV_GROUP_NAME, detail);
        return false;
    }
    return true;
}

static json_t *group_item(const char *name, int64_t no)
{
    return json_pack("{s:s, s:I}", "GroupName", name, "GroupId", (json_int_t)no);
}

/* ---- get_list ---- */

static void on_page(err_t err, const store_conv_t *rows, size_t n, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err != ERR_OK) {
        rc_fail(call, err, NULL);
        return;
    }
    bool pins = rc->ints[4] & 1;
    long long ts = rc->ints[0], start = rc->ints[1], top_ts = rc->ints[2], top_start = rc->ints[3];
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const store_conv_t *c = &rows[i];
        if (pins && c->pinned) {
            top_ts = c->order_key;
            top_start++;
        } else {
            ts = c->order_key;
            start++;
        }
        const char *who = c->type == 2 ? c->group_id : c->peer;
        json_array_append_new(items,
                              json_pack("{s:i, s:s, s:I, s:i}", "Type", c->type,
                                        c->type == 2 ? "GroupId" : "To_Account", who ? who : "",
                                        "MsgTime", (json_int_t)(c->has_last ? c->last.ts : 0),
                                        "TopFlag", c->pinned ? 1 : 0));
    }
    rc_finish(call, json_pack("{s:o, s:i, s:I, s:I, s:I, s:I}", "SessionItem", items,
                              "CompleteFlag", n < CONV_PAGE_MAX ? 1 : 0, "TimeStamp",
                              (json_int_t)ts, "StartIndex", (json_int_t)start, "TopTimeStamp",
                              (json_int_t)top_ts, "TopStartIndex", (json_int_t)top_start));
}

static void get_list_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    long long flags = rc->ints[4];
    store_conv_page(call->env->db, rc->user, flags & 1, flags & 2, rc->ints[2], rc->ints[0],
                    CONV_PAGE_MAX, on_page, call);
}

void api_recentcontact_get_list(api_call_t *call)
{
    static const char *const fields[] = {"TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex",
                                         "AssistFlags"};
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    for (int i = 0; i < 5; i++) {
        valid_t v = valid_get_int(call->body, fields[i], 0, INT64_MAX, &rc->ints[i]);
        if (v != VALID_OK && v != VALID_MISSING) {
            char detail[96];
            snprintf(detail, sizeof detail, "%s must be a non-negative integer", fields[i]);
            rc_fail(call, ERR_BAD_PARAM, detail);
            return;
        }
    }
    with_account(call, get_list_query);
}

/* ---- delete ---- */

static void on_deleted(err_t err, const store_ids_t *gone, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err != ERR_OK) {
        rc_fail(call, err, NULL);
        return;
    }
    if (!store_ids_has(gone, rc->keys[0])) {
        rc_fail(call, ERR_CONV_NOT_FOUND, "From_Account has no such conversation");
        return;
    }
    long long type = 1;
    valid_get_int(rc->contacts[0], "Type", 1, 2, &type);
    json_t *echo = contact_echo(rc->contacts[0]);
    char *id = type == 2
                   ? xasprintf("group_%s", json_string_value(json_object_get(echo, "ToGroupId")))
                   : xasprintf("c2c_%s", json_string_value(json_object_get(echo, "To_Account")));
    json_decref(echo);
    log_info("api: user=%s conversation %s deleted by REST (ClearRamble=%lld)", rc->user, id,
             rc->ints[0]);
    api_hook_poke(call->env); /* the after-delete event was written with the deletion */
    if (call->env->cfg->conversation_delete_sync) {
        router_frame_t *f = router_frame_from_json("onConversationDeleted",
                                                   json_pack("{s:[s]}", "conversationIDList", id));
        router_push_user(call->env->router, rc->user, f, 0);
        router_frame_unref(f);
    }
    conv_notify_recount(call->env->conv_notify, rc->user);
    xfree(id);
    rc_finish(call, json_object());
}

static void delete_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    store_webhook_origin_t origin = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_CONV_AFTER_DELETE), call->client_ip};
    const store_webhook_origin_t *hook =
        api_hook_on(call->env, STORE_WEBHOOK_CONV_AFTER_DELETE) ? &origin : NULL;
    store_conv_delete(call->env->db, rc->user, (const char *const *)rc->keys, 1, rc->ints[0] == 1,
                      (int64_t)time(NULL), hook, on_deleted, call);
}

void api_recentcontact_delete(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    valid_t v = valid_get_int(call->body, "ClearRamble", 0, 1, &rc->ints[0]);
    if (v != VALID_OK && v != VALID_MISSING) {
        rc_fail(call, ERR_BAD_PARAM, "ClearRamble must be 0 or 1");
        return;
    }
    json_t *one = json_pack("[O]", call->body);
    bool ok = read_contacts(call, NULL, one, NULL, 1);
    json_decref(one);
    if (ok)
        with_account(call, delete_query);
}

/* ---- conversation groups (the rules are in conv/ops.c) ---- */

static conv_set_t set_of(const rc_t *rc)
{
    return (conv_set_t){(const char *const *)rc->keys, (const char *const *)rc->ids, rc->n};
}

/* The answer of create_contact_group / update_contact_group (type 2) from per-item codes. */
static void on_members(err_t err, int64_t group_no, const int *codes, size_t n, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err == ERR_BAD_PARAM) {
        rc_fail(call, err, "a conversation group with that GroupName exists");
        return;
    }
    if (err != ERR_OK) {
        rc_fail(call, err, NULL);
        return;
    }
    bool update = json_object_get(call->body, "UpdateGroup") != NULL;
    json_t *results = json_array();
    for (size_t i = 0; i < n && i < rc->n; i++)
        json_array_append_new(results, result_item(update ? "ContactOptType" : NULL,
                                                   rc->adds[i] ? 1 : 2, rc->contacts[i], codes[i]));
    if (update)
        rc_finish(call, json_pack("{s:i, s:{s:i, s:s, s:I, s:s, s:o}}", "UpdateType", 1,
                                  "UpdateGroupResult", "UpdateGroupType", 2, "GroupName", rc->name,
                                  "GroupId", (json_int_t)group_no, "OldGroupName", rc->name,
                                  "ContactResultItem", results));
    else
        rc_finish(call, json_pack("{s:[{s:o, s:o}]}", "GroupResultItem", "GroupItem",
                                  group_item(rc->name, group_no), "ResultItem", results));
}

static void members_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    conv_set_t set = set_of(rc);
    conv_group_members(call->env, rc->user, rc->name, &set, rc->adds, on_members, call);
}

static void create_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    conv_set_t set = set_of(rc);
    conv_group_create(call->env, rc->user, rc->name, &set, on_members, call);
}

void api_recentcontact_create_contact_group(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    json_t *list = json_object_get(call->body, "GroupContactItem");
    if (!json_is_array(list) || json_array_size(list) != 1) {
        rc_fail(call, ERR_BAD_PARAM,
                "GroupContactItem must hold one group {GroupName, ContactItem}");
        return;
    }
    json_t *group = json_array_get(list, 0);
    json_t *contacts = json_object_get(group, "ContactItem");
    if (!group_name_ok(call, json_object_get(group, "GroupName"), "GroupName"))
        return;
    rc->name = json_string_value(json_object_get(group, "GroupName"));
    json_t *none = json_array();
    bool ok = read_contacts(call, "ContactItem", contacts ? contacts : none, NULL, CONV_IDS_MAX);
    json_decref(none);
    if (!ok)
        return;
    rc->adds = xcalloc(rc->n ? rc->n : 1, sizeof(bool));
    for (size_t i = 0; i < rc->n; i++)
        rc->adds[i] = true;
    with_account(call, create_query);
}

static void on_group_deleted(err_t err, int64_t group_no, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err != ERR_OK)
        rc_fail(call, err, NULL);
    else
        rc_finish(call, json_pack("{s:[o]}", "GroupItem", group_item(rc->name, group_no)));
}

static void del_group_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    conv_group_change(call->env, rc->user, STORE_GROUP_DELETE, rc->name, NULL, on_group_deleted,
                      call);
}

void api_recentcontact_del_contact_group(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    json_t *names = json_object_get(call->body, "GroupName");
    json_t *name = json_is_array(names) && json_array_size(names) == 1 ? json_array_get(names, 0)
                   : json_is_string(names)                             ? names
                                                                       : NULL;
    if (name == NULL) {
        rc_fail(call, ERR_BAD_PARAM, "GroupName must be an array of one conversation-group name");
        return;
    }
    if (!group_name_ok(call, name, "GroupName[0]"))
        return;
    rc->name = json_string_value(name);
    with_account(call, del_group_query);
}

static void on_renamed(err_t err, int64_t group_no, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err == ERR_BAD_PARAM)
        rc_fail(call, err, "a conversation group named NewGroupName exists");
    else if (err != ERR_OK)
        rc_fail(call, err, NULL);
    else
        rc_finish(call, json_pack("{s:i, s:{s:i, s:s, s:I, s:s, s:[]}}", "UpdateType", 1,
                                  "UpdateGroupResult", "UpdateGroupType", 1, "GroupName",
                                  rc->new_name, "GroupId", (json_int_t)group_no, "OldGroupName",
                                  rc->name, "ContactResultItem"));
}

static void rename_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    conv_group_change(call->env, rc->user, STORE_GROUP_RENAME, rc->name, rc->new_name, on_renamed,
                      call);
}

void api_recentcontact_update_contact_group(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    long long update_type, group_type;
    json_t *update = json_object_get(call->body, "UpdateGroup");
    if (valid_get_int(call->body, "UpdateType", 1, 1, &update_type) != VALID_OK ||
        !json_is_object(update) ||
        valid_get_int(update, "UpdateGroupType", 1, 2, &group_type) != VALID_OK) {
        rc_fail(call, ERR_BAD_PARAM,
                "UpdateType must be 1 and UpdateGroup an object with UpdateGroupType 1 (rename) "
                "or 2 (add or remove conversations)");
        return;
    }
    if (!group_name_ok(call, json_object_get(update, "OldGroupName"), "OldGroupName"))
        return;
    rc->name = json_string_value(json_object_get(update, "OldGroupName"));
    if (group_type == 1) {
        if (!group_name_ok(call, json_object_get(update, "NewGroupName"), "NewGroupName"))
            return;
        rc->new_name = json_string_value(json_object_get(update, "NewGroupName"));
        with_account(call, rename_query);
        return;
    }
    json_t *items = json_object_get(update, "ContactUpdateItem");
    if (!json_is_array(items) || json_array_size(items) == 0) {
        rc_fail(call, ERR_BAD_PARAM, "ContactUpdateItem must be a non-empty array");
        return;
    }
    if (!read_contacts(call, "ContactUpdateItem", items, "ContactItem", CONV_IDS_MAX))
        return;
    rc->adds = xcalloc(rc->n, sizeof(bool));
    for (size_t i = 0; i < rc->n; i++) {
        long long opt;
        if (valid_get_int(json_array_get(items, i), "ContactOptType", 1, 2, &opt) != VALID_OK) {
            char detail[96];
            snprintf(detail, sizeof detail,
                     "ContactUpdateItem[%zu].ContactOptType must be 1 (add) or 2 (remove)", i);
            rc_fail(call, ERR_BAD_PARAM, detail);
            return;
        }
        rc->adds[i] = opt == 1;
    }
    with_account(call, members_query);
}

/* ---- group and mark data ---- */

/* The 64 mark bits as Tencent writes StandardMark: binary, bit 0 rightmost, "0" for none. */
static json_t *standard_mark(uint64_t marks)
{
    char bits[65];
    int top = 63;
    while (top > 0 && !(marks & (1ULL << top)))
        top--;
    for (int i = top; i >= 0; i--)
        bits[top - i] = (marks & (1ULL << i)) ? '1' : '0';
    bits[top + 1] = '\0';
    return json_string(bits);
}

static json_t *contact_data(const store_contact_t *c)
{
    json_t *item = contact_json(c->type, c->peer, c->group_id);
    json_t *groups = json_loads(c->group_nos_json ? c->group_nos_json : "[]", 0, NULL);
    json_object_set_new(item, "StandardMark", standard_mark((uint64_t)c->marks));
    if (c->custom_mark)
        json_object_set_new(item, "CustomMark", json_string(c->custom_mark));
    json_object_set_new(item, "ContactGroupId", groups ? groups : json_array());
    json_object_set_new(item, "Timestamp", json_integer(c->time));
    return item;
}

static json_t *group_items(const store_conv_group_t *groups, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, group_item(groups[i].name, groups[i].group_no));
    return list;
}

static void on_contacts(err_t err, const store_contact_t *rows, size_t n,
                        const store_conv_group_t *groups, size_t ngroups, bool more, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err != ERR_OK) {
        rc_fail(call, err, NULL);
        return;
    }
    bool search = rc->keys != NULL;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, contact_data(&rows[i]));
    json_t *result = json_pack("{s:o, s:o}", search ? "ContactResultItem" : "ContactItem", list,
                               "GroupItem", group_items(groups, ngroups));
    if (!search) {
        json_object_set_new(result, "CompleteFlag", json_integer(more ? 0 : 1));
        json_object_set_new(result, "NextStartIndex",
                            json_integer(more ? rc->ints[0] + (long long)n : 0));
    }
    rc_finish(call, result);
}

static void contacts_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    store_conv_contacts(call->env->db, rc->user, (const char *const *)rc->keys, rc->n, rc->ints[0],
                        CONV_PAGE_MAX, on_contacts, call);
}

void api_recentcontact_search_contact_group(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    json_t *list = json_object_get(call->body, "ContactItem");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        rc_fail(call, ERR_BAD_PARAM, "ContactItem must be a non-empty array");
        return;
    }
    if (read_contacts(call, "ContactItem", list, NULL, CONV_SEARCH_MAX))
        with_account(call, contacts_query);
}

void api_recentcontact_get_contact_group(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    valid_t v = valid_get_int(call->body, "StartIndex", 0, INT32_MAX, &rc->ints[0]);
    if (v != VALID_OK && v != VALID_MISSING) {
        rc_fail(call, ERR_BAD_PARAM, "StartIndex must be a non-negative integer");
        return;
    }
    with_account(call, contacts_query);
}

/* ---- mark_contact ---- */

static void on_marked(err_t err, int64_t group_no, const int *codes, size_t n, void *arg)
{
    api_call_t *call = arg;
    rc_t *rc = rc_of(call);
    if (err != ERR_OK) {
        rc_fail(call, err, NULL);
        return;
    }
    json_t *results = json_array(), *items = json_object_get(call->body, "MarkItem");
    for (size_t i = 0; i < n && i < rc->n; i++) {
        long long opt = 1;
        valid_get_int(json_array_get(items, i), "OptType", 1, 3, &opt);
        json_array_append_new(results, result_item("OptType", opt, rc->contacts[i], codes[i]));
    }
    rc_finish(call, json_pack("{s:o}", "ResultItem", results));
}

static void mark_query(api_call_t *call)
{
    rc_t *rc = rc_of(call);
    conv_set_t set = set_of(rc);
    conv_mark(call->env, rc->user, &set, rc->marks, on_marked, call);
}

/* item[field]: absent, or an array of bit indexes 0..62 → *mask. Bit 63 would make the mark
 * value 1 << 63, which clients cannot receive as a signed 64-bit JSON integer. */
static bool read_bits(const json_t *item, const char *field, int64_t *mask)
{
    json_t *list = json_object_get(item, field), *v;
    size_t i;
    *mask = 0;
    if (list == NULL)
        return true;
    if (!json_is_array(list))
        return false;
    json_array_foreach(list, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > CONV_MARK_BIT_MAX)
            return false;
        *mask = (int64_t)((uint64_t)*mask | (1ULL << json_integer_value(v)));
    }
    return true;
}

void api_recentcontact_mark_contact(api_call_t *call)
{
    rc_t *rc = rc_start(call);
    if (rc == NULL)
        return;
    json_t *items = json_object_get(call->body, "MarkItem");
    if (!json_is_array(items) || json_array_size(items) == 0) {
        rc_fail(call, ERR_BAD_PARAM, "MarkItem must be a non-empty array");
        return;
    }
    if (!read_contacts(call, "MarkItem", items, "ContactItem", CONV_IDS_MAX))
        return;
    rc->marks = xcalloc(rc->n, sizeof *rc->marks);
    for (size_t i = 0; i < rc->n; i++) {
        json_t *item = json_array_get(items, i);
        store_mark_item_t *m = &rc->marks[i];
        long long opt;
        char detail[160] = "";
        m->conv_key = rc->keys[i];
        if (valid_get_int(item, "OptType", 1, 3, &opt) != VALID_OK)
            snprintf(detail, sizeof detail, "MarkItem[%zu].OptType must be 1, 2 or 3", i);
        else if ((opt & 1) && (!read_bits(item, "SetMark", &m->set_mask) ||
                               !read_bits(item, "ClearMark", &m->clear_mask)))
            snprintf(detail, sizeof detail,
                     "MarkItem[%zu]: SetMark and ClearMark must be arrays of bit indexes 0 to %d",
                     i, CONV_MARK_BIT_MAX);
        else if (opt & 2) {
            valid_t v = valid_get_text(item, "CustomMark", CONV_CUSTOM_MARK_MAX, &m->custom_mark);
            if (v != VALID_OK)
                snprintf(detail, sizeof detail,
                         "MarkItem[%zu].CustomMark must be a string of at most %d bytes", i,
                         CONV_CUSTOM_MARK_MAX);
            m->set_custom = true;
        }
        if (*detail) {
            rc_fail(call, ERR_BAD_PARAM, detail);
            return;
        }
    }
    with_account(call, mark_query);
}
