/* The rules and operations of relationship chains (friend/friend.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/friend/friend.h"
#include "api/user/tags.h"
#include "core/xalloc.h"
#include "router/router.h"

store_sns_limits_t friend_limits(const config_t *cfg)
{
    return (store_sns_limits_t){
        .friends = cfg->friends_max,
        .requests = FRIEND_REQUESTS_MAX,
        .groups = FRIEND_LISTS_MAX,
        .blocked = FRIEND_BLOCK_MAX,
    };
}

/* ---- outcomes ---- */

static const struct {
    const char *status;
    int code;
    const char *info; /* NULL: the code's own text */
} outcomes[] = {
    {"ok", 0, ""},
    {"pending", ERR_SNS_PENDING, NULL},
    {"no_user", ERR_SNS_NOT_IMPORTED, NULL},
    {"self", ERR_SNS_PARAM, "you cannot add yourself"},
    {"already", ERR_SNS_PARAM, "already friends"},
    {"blocked_by_me", ERR_SNS_PEER_BLOCKED, NULL},
    {"blocked_by_peer", ERR_SNS_IN_PEER_BLOCKLIST, NULL},
    {"deny", ERR_SNS_DENY_ANY, NULL},
    {"forbidden", ERR_SNS_FORBIDDEN, NULL},
    {"my_limit", ERR_SNS_FRIEND_LIMIT, NULL},
    {"peer_limit", ERR_SNS_PEER_FRIEND_LIMIT, NULL},
    {"pending_limit", ERR_SNS_PENDING_LIMIT, NULL},
    {"group_limit", ERR_SNS_GROUP_LIMIT, NULL},
    {"block_limit", ERR_SNS_BLOCK_LIMIT, NULL},
    {"not_friend", ERR_SNS_NOT_FRIEND, NULL},
    {"exists", ERR_SNS_PARAM, "already in the blocklist"},
    {"list_exists", ERR_SNS_PARAM, "a friend list of that name already exists"},
    {"not_blocked", ERR_SNS_PARAM, "not in the blocklist"},
    {"missing", ERR_SNS_PARAM, "no such friend list"},
    {"no_request", ERR_SNS_NO_REQUEST, NULL},
    {"no_request_to_delete", ERR_SNS_NO_REQUEST_TO_DELETE, NULL},
};

int friend_status_code(const char *status, const char **info)
{
    for (size_t i = 0; status && i < sizeof outcomes / sizeof outcomes[0]; i++) {
        if (strcmp(outcomes[i].status, status) == 0) {
            *info = outcomes[i].info ? outcomes[i].info : err_text(outcomes[i].code);
            return outcomes[i].code;
        }
    }
    *info = err_text(ERR_SNS_INTERNAL);
    return ERR_SNS_INTERNAL;
}

bool friend_status_ok(api_call_t *call, const store_sns_res_t *r)
{
    const char *info;
    int code = friend_status_code(r->status, &info);
    if (code == 0)
        return true;
    api_fail(call, (err_t)code, "%s", info);
    return false;
}

/* ---- the SDK's shapes ---- */

#define CUSTOM_PREFIX "Tag_SNS_Custom_"

json_t *friend_info_sdk(const store_sns_friend_t *f)
{
    json_t *custom = json_object(), *v;
    const char *tag;
    json_object_foreach((json_t *)f->custom, tag, v)
    {
        if (strncmp(tag, CUSTOM_PREFIX, strlen(CUSTOM_PREFIX)) == 0)
            json_object_set(custom, tag + strlen(CUSTOM_PREFIX), v);
    }
    json_t *groups = f->groups ? json_incref((json_t *)f->groups) : json_array();
    return json_pack("{s:s, s:s, s:o, s:o, s:I, s:s, s:s, s:o}", "userID", f->user, "friendRemark",
                     f->remark ? f->remark : "", "friendGroups", groups, "friendCustomInfo", custom,
                     "addTime", (json_int_t)f->add_time, "addSource", f->source ? f->source : "",
                     "addWording", f->wording ? f->wording : "", "userProfile",
                     profile_to_sdk(f->user, f->profile));
}

json_t *friend_request_sdk(const store_sns_request_t *q, const char *viewer)
{
    bool incoming = strcmp(q->peer, viewer) == 0;
    const char *other = incoming ? q->user : q->peer;
    json_t *profile = profile_to_sdk(other, incoming ? q->user_profile : q->peer_profile);
    json_t *out = json_pack("{s:s, s:O, s:O, s:I, s:s, s:s, s:i}", "userID", other, "nickName",
                            json_object_get(profile, "nickName"), "faceUrl",
                            json_object_get(profile, "faceUrl"), "addTime", (json_int_t)q->add_time,
                            "addSource", q->source ? q->source : "", "addWording",
                            q->wording ? q->wording : "", "type", incoming ? 1 : 2);
    json_decref(profile);
    return out;
}

/* ---- pushes ---- */

static void push(const api_env_t *env, const char *user, const char *event, json_t *body)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, 0);
    router_frame_unref(f);
}

json_t *friend_infos_sdk(const json_t *friends)
{
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(friends, i, v)
    {
        store_sns_friend_t f;
        if (store_sns_friend_view(v, &f))
            json_array_append_new(out, friend_info_sdk(&f));
    }
    return out;
}

/* onFriendListAdded to the owner for their new rows, and to every peer whose list gained the
 * owner. */
static void push_added(const api_env_t *env, const char *owner, const store_sns_res_t *r)
{
    if (json_array_size(r->friends) > 0)
        push(env, owner, "onFriendListAdded",
             json_pack("{s:o}", "friendInfoList", friend_infos_sdk(r->friends)));
    size_t i;
    json_t *v;
    json_array_foreach(r->peer_friends, i, v)
    {
        const char *list_owner;
        store_sns_friend_t f;
        if (store_sns_peer_friend_view(v, &list_owner, &f))
            push(env, list_owner, "onFriendListAdded",
                 json_pack("{s:[o]}", "friendInfoList", friend_info_sdk(&f)));
    }
}

/* onFriendListDeleted to the owner and to every peer whose list lost the owner. */
static void push_deleted(const api_env_t *env, const char *owner, const store_sns_res_t *r)
{
    if (json_array_size(r->deleted) > 0)
        push(env, owner, "onFriendListDeleted", json_pack("{s:O}", "userIDList", r->deleted));
    size_t i;
    json_t *v;
    json_array_foreach(r->peer_deleted, i, v)
    {
        if (json_is_string(v))
            push(env, json_string_value(v), "onFriendListDeleted",
                 json_pack("{s:[s]}", "userIDList", owner));
    }
}

/* Stored requests reach both ends: onFriendApplicationListAdded (type 1 for the asked, 2 for
 * the asker); settled ones leave both: onFriendApplicationListDeleted. */
static void push_requests(const api_env_t *env, const store_sns_res_t *r)
{
    size_t i;
    json_t *v;
    json_array_foreach(r->requests, i, v)
    {
        store_sns_request_t q;
        if (!store_sns_request_view(v, &q))
            continue;
        push(env, q.peer, "onFriendApplicationListAdded",
             json_pack("{s:[o]}", "applicationList", friend_request_sdk(&q, q.peer)));
        push(env, q.user, "onFriendApplicationListAdded",
             json_pack("{s:[o]}", "applicationList", friend_request_sdk(&q, q.user)));
    }
    json_array_foreach(r->settled, i, v)
    {
        store_sns_request_t q;
        if (!store_sns_request_view(v, &q))
            continue;
        push(env, q.user, "onFriendApplicationListDeleted",
             json_pack("{s:[s]}", "userIDList", q.peer));
        push(env, q.peer, "onFriendApplicationListDeleted",
             json_pack("{s:[s]}", "userIDList", q.user));
    }
}

/* ---- one operation in flight ---- */

typedef struct op op_t;
typedef void (*events_fn)(const op_t *op, const store_sns_res_t *r);

struct op {
    api_call_t *call;
    const char *owner;
    friend_answer_fn answer;
    events_fn events;
    const char *name, *new_name; /* friend-list operations */
    const json_t *names;         /* friend_group_create / _delete: the names (owned) */
    /* outcomes decided before the store (refused by the app's callback), by request index;
     * code 0: the store's. */
    friend_result_t *pre;
    size_t npre;
    friend_add_t add; /* friend_add waiting for its before-callback */
    store_sns_limits_t lim;
    char *action, *remark, *group;
    char *peer;
};

static op_t *op_new(api_call_t *call, const char *owner, friend_answer_fn answer, events_fn events)
{
    op_t *op = XNEW(op_t);
    op->call = call;
    op->owner = owner;
    op->answer = answer;
    op->events = events;
    op->lim = friend_limits(call->env->cfg);
    return op;
}

static void op_free(op_t *op)
{
    json_decref((json_t *)op->names);
    for (size_t i = 0; i < op->npre; i++)
        xfree((char *)op->pre[i].info);
    xfree(op->pre);
    xfree(op->add.items);
    xfree(op->action);
    xfree(op->remark);
    xfree(op->group);
    xfree(op->peer);
    xfree(op);
}

/* The per-target outcomes: refusals decided before, the store's items in order between. */
static friend_results_t results_of(const op_t *op, const store_sns_res_t *r)
{
    size_t nstore = json_array_size(r->items);
    size_t n = op->npre ? op->npre : nstore, k = 0;
    friend_results_t res = {xcalloc(n ? n : 1, sizeof(friend_result_t)), n};
    for (size_t i = 0; i < n; i++) {
        if (op->npre && op->pre[i].code != 0) {
            res.v[i] = op->pre[i];
            continue;
        }
        store_sns_item_t it;
        store_sns_item_view(json_array_get(r->items, k++), &it);
        res.v[i].user = it.user;
        res.v[i].code = friend_status_code(it.status, &res.v[i].info);
    }
    return res;
}

static void on_store(err_t err, const store_sns_res_t *r, void *arg)
{
    op_t *op = arg;
    api_call_t *call = op->call;
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
    } else if (!r->found) {
        api_fail(call, ERR_NOT_IMPORTED, "%s is not an account", op->owner);
    } else {
        if (op->events)
            op->events(op, r);
        api_hook_poke(call->env);
        friend_results_t res = results_of(op, r);
        op->answer(call, r, &res);
        xfree(res.v);
    }
    op_free(op);
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* The after-event's origin, or NULL when cmd is off. */
static const store_sns_hook_t *hook_of(const api_call_t *call, store_webhook_cmd_t cmd,
                                       store_webhook_origin_t *o, store_sns_hook_t *h,
                                       const char *fields_json)
{
    if (!api_hook_on(call->env, cmd))
        return NULL;
    o->platform = store_webhook_platform(call->platform, cmd);
    o->client_ip = call->client_ip;
    h->origin = o;
    h->fields_json = fields_json;
    return h;
}

/* The FriendAdd event's own fields. */
static char *friend_add_fields_json(const api_call_t *call, const char *client_cmd, bool force)
{
    bool rest = call->conn_id == 0;
    json_t *o = json_pack("{s:s, s:s, s:i}", "ClientCmd", client_cmd, "Admin_Account",
                          rest ? call->identifier : "", "ForceFlag", force ? 1 : 0);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

/* ---- adding ---- */

static void ev_add(const op_t *op, const store_sns_res_t *r)
{
    push_added(op->call->env, op->owner, r);
    push_requests(op->call->env, r);
}

/* The code an app's ResultItem gives `peer` (0: allowed). */
static int refused_code(const json_t *reply, const char *peer, const char **info)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(reply, "ResultItem"), i, v)
    {
        const char *to = json_string_value(json_object_get(v, "To_Account"));
        json_int_t code = json_integer_value(json_object_get(v, "ResultCode"));
        if (to && strcmp(to, peer) == 0 && code != 0) {
            *info = json_string_value(json_object_get(v, "ResultInfo"));
            return (int)code;
        }
    }
    return 0;
}

static void add_items_json_append(json_t *arr, const friend_item_t *it, bool import, int64_t now)
{
    json_t *groups = json_array(), *custom = json_object();
    if (it->groups)
        json_array_extend(groups, (json_t *)it->groups);
    else if (it->group)
        json_array_append_new(groups, json_string(it->group));
    size_t i;
    json_t *c;
    json_array_foreach(it->custom_items, i, c) json_object_set(
        custom, json_string_value(json_object_get(c, "Tag")), json_object_get(c, "Value"));
    json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s, s:s, s:I, s:o}", "peer", it->peer,
                                         "remark", it->remark ? it->remark : "", "groups", groups,
                                         "source", it->source ? it->source : "", "wording",
                                         it->wording ? it->wording : "", "add_time",
                                         (json_int_t)(import && it->add_time ? it->add_time : now),
                                         "custom", custom));
}

static void add_run(op_t *op)
{
    api_call_t *call = op->call;
    const friend_add_t *req = &op->add;
    int64_t now = now_s();
    json_t *items = json_array();
    for (size_t i = 0; i < req->n; i++)
        if (op->npre == 0 || op->pre[i].code == 0)
            add_items_json_append(items, &req->items[i], req->import, now);
    char *items_json = json_dumps(items, JSON_COMPACT);
    json_decref(items);
    char *fields = req->import ? NULL : friend_add_fields_json(call, req->client_cmd, req->force);
    store_webhook_origin_t o;
    store_sns_hook_t h;
    const store_sns_hook_t *hook =
        req->import ? NULL : hook_of(call, STORE_WEBHOOK_SNS_FRIEND_ADD, &o, &h, fields);
    store_sns_add(call->env->db, req->owner, items_json, req->both, req->force, req->import, now,
                  &op->lim, hook, on_store, op);
    free(items_json);
    free(fields);
}

/* Every item answered with code and info: an app refusal of the whole request. */
static void refuse_all(op_t *op, int code, const char *info)
{
    op->npre = op->add.n;
    op->pre = xcalloc(op->npre ? op->npre : 1, sizeof(friend_result_t));
    for (size_t i = 0; i < op->npre; i++)
        op->pre[i] = (friend_result_t){op->add.items[i].peer, code,
                                       xstrdup(info ? info : "refused by the app's callback")};
}

static void on_add_before(const api_before_result_t *r, void *arg)
{
    op_t *op = arg;
    if (r->verdict == API_BEFORE_REFUSE && r->code == ERR_CALLBACK_FAILED) {
        api_fail(op->call, ERR_CALLBACK_FAILED, NULL);
        op_free(op);
        return;
    }
    if (r->verdict != API_BEFORE_ALLOW) {
        refuse_all(op, r->verdict == API_BEFORE_REFUSE ? r->code : 38000, r->info);
        /* nothing left to store: answer with the refusals alone */
        store_sns_res_t none = {.found = true};
        friend_results_t res = {op->pre, op->npre};
        op->answer(op->call, &none, &res);
        op_free(op);
        return;
    }
    op->npre = op->add.n;
    op->pre = xcalloc(op->npre ? op->npre : 1, sizeof(friend_result_t));
    for (size_t i = 0; i < op->npre; i++) {
        const char *info = NULL;
        int code = refused_code(r->reply, op->add.items[i].peer, &info);
        op->pre[i] =
            (friend_result_t){op->add.items[i].peer, code, code ? xstrdup(info ? info : "") : NULL};
    }
    add_run(op);
}

static json_t *prev_add_body(const op_t *op)
{
    const friend_add_t *req = &op->add;
    json_t *items = json_array();
    for (size_t i = 0; i < req->n; i++) {
        const friend_item_t *it = &req->items[i];
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s}", "To_Account", it->peer,
                                               "Remark", it->remark ? it->remark : "", "GroupName",
                                               it->group ? it->group : "", "AddSource",
                                               it->source ? it->source : "", "AddWording",
                                               it->wording ? it->wording : ""));
    }
    return json_pack("{s:s, s:s, s:s, s:i, s:o}", "Requester_Account", op->call->identifier,
                     "From_Account", req->owner, "AddType",
                     req->both ? "Add_Type_Both" : "Add_Type_Single", "ForceAddFlags",
                     req->force ? 1 : 0, "FriendItem", items);
}

void friend_add(api_call_t *call, const friend_add_t *req, friend_answer_fn answer)
{
    op_t *op = op_new(call, req->owner, answer, ev_add);
    op->add = *req;
    op->add.items = xcalloc(req->n ? req->n : 1, sizeof *req->items);
    memcpy(op->add.items, req->items, req->n * sizeof *req->items);
    if (req->import || !api_hook_on(call->env, STORE_WEBHOOK_SNS_PREV_FRIEND_ADD)) {
        add_run(op);
        return;
    }
    const api_env_t *env = call->env;
    store_webhook_origin_t o = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_SNS_PREV_FRIEND_ADD), call->client_ip};
    env->hooks->before(env->hooks->ctx, STORE_WEBHOOK_SNS_PREV_FRIEND_ADD, &o, prev_add_body(op),
                       on_add_before, op);
}

/* ---- requests ---- */

static void ev_respond(const op_t *op, const store_sns_res_t *r)
{
    push_added(op->call->env, op->owner, r);
    push_requests(op->call->env, r);
}

static void respond_run(op_t *op)
{
    api_call_t *call = op->call;
    char *fields =
        friend_add_fields_json(call, call->conn_id ? "friend_response" : "FriendResponse", false);
    store_webhook_origin_t o;
    store_sns_hook_t h;
    const store_sns_hook_t *hook =
        strcmp(op->action, "reject") == 0
            ? NULL
            : hook_of(call, STORE_WEBHOOK_SNS_FRIEND_ADD, &o, &h, fields);
    store_sns_respond(call->env->db, op->owner, op->peer, op->action, op->remark, op->group,
                      now_s(), &op->lim, hook, on_store, op);
    free(fields);
}

static void on_respond_before(const api_before_result_t *r, void *arg)
{
    op_t *op = arg;
    const char *info = r->info;
    int code = r->verdict == API_BEFORE_REFUSE ? r->code
               : r->verdict == API_BEFORE_DROP ? 38000
                                               : refused_code(r->reply, op->peer, &info);
    if (code != 0) {
        api_fail(op->call, (err_t)code, "%s", info ? info : "refused by the app's callback");
        op_free(op);
        return;
    }
    respond_run(op);
}

static const char *response_action(const char *action)
{
    if (strcmp(action, "agree_and_add") == 0)
        return "Response_Action_AgreeAndAdd";
    return strcmp(action, "agree") == 0 ? "Response_Action_Agree" : "Response_Action_Reject";
}

void friend_respond(api_call_t *call, const char *owner, const char *peer, const char *action,
                    const char *remark, const char *group, friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_respond);
    op->peer = xstrdup(peer);
    op->action = xstrdup(action);
    op->remark = xstrdup(remark ? remark : "");
    op->group = xstrdup(group ? group : "");
    if (!api_hook_on(call->env, STORE_WEBHOOK_SNS_PREV_FRIEND_RESPONSE)) {
        respond_run(op);
        return;
    }
    json_t *body =
        json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:s}]}", "Requester_Account", call->identifier,
                  "From_Account", owner, "ResponseFriendItem", "To_Account", peer, "Remark",
                  op->remark, "TagName", op->group, "ResponseAction", response_action(action));
    const api_env_t *env = call->env;
    store_webhook_origin_t o = {
        store_webhook_platform(call->platform, STORE_WEBHOOK_SNS_PREV_FRIEND_RESPONSE),
        call->client_ip};
    env->hooks->before(env->hooks->ctx, STORE_WEBHOOK_SNS_PREV_FRIEND_RESPONSE, &o, body,
                       on_respond_before, op);
}

static void ev_requests(const op_t *op, const store_sns_res_t *r)
{
    push_requests(op->call->env, r);
}

void friend_request_delete(api_call_t *call, const char *owner, const char *peer, bool incoming,
                           friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_requests);
    store_sns_request_delete(call->env->db, owner, peer, incoming, on_store, op);
}

void friend_requests(api_call_t *call, const char *owner, friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, NULL);
    store_sns_requests(call->env->db, owner, true, true, on_store, op);
}

static void ev_read(const op_t *op, const store_sns_res_t *r)
{
    if (r->changed > 0)
        push(op->call->env, op->owner, "onFriendApplicationListRead", json_object());
}

void friend_requests_read(api_call_t *call, const char *owner, friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_read);
    store_sns_requests_read(call->env->db, owner, on_store, op);
}

/* ---- the friend list ---- */

static void ev_delete(const op_t *op, const store_sns_res_t *r)
{
    push_deleted(op->call->env, op->owner, r);
}

void friend_delete(api_call_t *call, const char *owner, const char *peers_json, bool both,
                   friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_delete);
    store_webhook_origin_t o;
    store_sns_hook_t h;
    store_sns_delete(call->env->db, owner, peers_json, both,
                     hook_of(call, STORE_WEBHOOK_SNS_FRIEND_DELETE, &o, &h, NULL), on_store, op);
}

static void ev_changed(const op_t *op, const store_sns_res_t *r)
{
    if (json_array_size(r->friends) > 0)
        push(op->call->env, op->owner, "onFriendInfoChanged",
             json_pack("{s:o}", "friendInfoList", friend_infos_sdk(r->friends)));
}

void friend_update(api_call_t *call, const char *owner, const friend_item_t *items, size_t n,
                   friend_answer_fn answer)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s?, s:O?, s:O?}", "peer", items[i].peer,
                                             "remark", items[i].remark, "groups", items[i].groups,
                                             "custom", items[i].custom));
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    op_t *op = op_new(call, owner, answer, ev_changed);
    store_sns_update(call->env->db, owner, text, now_s(), &op->lim, on_store, op);
    free(text);
}

void friend_relations(api_call_t *call, const char *owner, const char *peers_json, bool detail,
                      friend_answer_fn answer)
{
    store_sns_relations(call->env->db, owner, peers_json, detail, on_store,
                        op_new(call, owner, answer, NULL));
}

void friend_search(api_call_t *call, const char *owner, const char *keywords_json, bool by_id,
                   bool by_nick, bool by_remark, friend_answer_fn answer)
{
    store_sns_search(call->env->db, owner, keywords_json, by_id, by_nick, by_remark, on_store,
                     op_new(call, owner, answer, NULL));
}

void friend_list(api_call_t *call, const char *owner, int64_t offset, int64_t limit, bool profiles,
                 friend_answer_fn answer)
{
    store_sns_friends(call->env->db, owner, offset, limit, profiles, on_store,
                      op_new(call, owner, answer, NULL));
}

/* ---- the blocklist ---- */

static json_t *block_infos(const json_t *blocked)
{
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(blocked, i, v)
    {
        store_sns_block_t b;
        if (store_sns_block_view(v, &b))
            json_array_append_new(out, json_pack("{s:s, s:I, s:o}", "userID", b.user, "addTime",
                                                 (json_int_t)b.add_time, "userProfile",
                                                 profile_to_sdk(b.user, b.profile)));
    }
    return out;
}

static void ev_block(const op_t *op, const store_sns_res_t *r)
{
    if (json_array_size(r->blocked) > 0)
        push(op->call->env, op->owner, "onBlackListAdded",
             json_pack("{s:o}", "infoList", block_infos(r->blocked)));
    push_deleted(op->call->env, op->owner, r);
    push_requests(op->call->env, r);
}

void friend_block(api_call_t *call, const char *owner, const char *peers_json,
                  friend_answer_fn answer)
{
    store_webhook_origin_t o1, o2;
    store_sns_hook_t h1, h2;
    op_t *op = op_new(call, owner, answer, ev_block);
    store_sns_block(call->env->db, owner, peers_json, now_s(), &op->lim,
                    hook_of(call, STORE_WEBHOOK_SNS_BLACKLIST_ADD, &o1, &h1, NULL),
                    hook_of(call, STORE_WEBHOOK_SNS_FRIEND_DELETE, &o2, &h2, NULL), on_store, op);
}

static void ev_unblock(const op_t *op, const store_sns_res_t *r)
{
    json_t *ids = json_array(), *v;
    size_t i;
    json_array_foreach(r->items, i, v)
    {
        store_sns_item_t it;
        if (store_sns_item_view(v, &it) && strcmp(it.status, "ok") == 0)
            json_array_append_new(ids, json_string(it.user));
    }
    if (json_array_size(ids) > 0)
        push(op->call->env, op->owner, "onBlackListDeleted", json_pack("{s:O}", "userIDList", ids));
    json_decref(ids);
}

void friend_unblock(api_call_t *call, const char *owner, const char *peers_json,
                    friend_answer_fn answer)
{
    store_webhook_origin_t o;
    store_sns_hook_t h;
    store_sns_unblock(call->env->db, owner, peers_json,
                      hook_of(call, STORE_WEBHOOK_SNS_BLACKLIST_DELETE, &o, &h, NULL), on_store,
                      op_new(call, owner, answer, ev_unblock));
}

void friend_blocklist(api_call_t *call, const char *owner, int64_t offset, int64_t limit,
                      friend_answer_fn answer)
{
    store_sns_blocklist(call->env->db, owner, offset, limit, on_store,
                        op_new(call, owner, answer, NULL));
}

/* ---- friend lists ---- */

static bool done(const store_sns_res_t *r)
{
    return r->status && strcmp(r->status, "ok") == 0;
}

static void ev_group_created(const op_t *op, const store_sns_res_t *r)
{
    if (!done(r))
        return;
    size_t i;
    json_t *v;
    json_array_foreach(op->names, i, v) push(
        op->call->env, op->owner, "onFriendGroupCreated",
        json_pack("{s:O, s:o}", "groupName", v, "friendInfoList", friend_infos_sdk(r->friends)));
}

void friend_group_create(api_call_t *call, const char *owner, const char *names_json,
                         const char *peers_json, friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_group_created);
    op->names = json_loads(names_json, 0, NULL);
    store_sns_group_create(call->env->db, owner, names_json, peers_json, now_s(), &op->lim,
                           on_store, op);
}

static void ev_group_deleted(const op_t *op, const store_sns_res_t *r)
{
    if (done(r))
        push(op->call->env, op->owner, "onFriendGroupDeleted",
             json_pack("{s:O}", "groupNameList", op->names));
}

void friend_group_delete(api_call_t *call, const char *owner, const char *names_json,
                         friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_group_deleted);
    op->names = json_loads(names_json, 0, NULL);
    store_sns_group_delete(call->env->db, owner, names_json, on_store, op);
}

static void ev_group_renamed(const op_t *op, const store_sns_res_t *r)
{
    if (done(r))
        push(op->call->env, op->owner, "onFriendGroupNameChanged",
             json_pack("{s:s, s:s}", "oldGroupName", op->name, "newGroupName", op->new_name));
}

void friend_group_rename(api_call_t *call, const char *owner, const char *old_name,
                         const char *new_name, friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, ev_group_renamed);
    op->name = old_name;
    op->new_name = new_name;
    store_sns_group_rename(call->env->db, owner, old_name, new_name, on_store, op);
}

static void ev_group_added(const op_t *op, const store_sns_res_t *r)
{
    if (done(r) && json_array_size(r->friends) > 0)
        push(op->call->env, op->owner, "onFriendsAddedToGroup",
             json_pack("{s:s, s:o}", "groupName", op->name, "friendInfoList",
                       friend_infos_sdk(r->friends)));
}

static void ev_group_removed(const op_t *op, const store_sns_res_t *r)
{
    json_t *ids = json_array(), *v;
    size_t i;
    json_array_foreach(r->friends, i, v)
    {
        store_sns_friend_t f;
        if (store_sns_friend_view(v, &f))
            json_array_append_new(ids, json_string(f.user));
    }
    if (done(r) && json_array_size(ids) > 0)
        push(op->call->env, op->owner, "onFriendsDeletedFromGroup",
             json_pack("{s:s, s:O}", "groupName", op->name, "friendIDList", ids));
    json_decref(ids);
}

void friend_group_members(api_call_t *call, const char *owner, const char *name,
                          const char *peers_json, bool add, friend_answer_fn answer)
{
    op_t *op = op_new(call, owner, answer, add ? ev_group_added : ev_group_removed);
    op->name = name;
    store_sns_group_members(call->env->db, owner, name, peers_json, add, on_store, op);
}

void friend_groups(api_call_t *call, const char *owner, const char *names_json,
                   friend_answer_fn answer)
{
    store_sns_groups(call->env->db, owner, names_json, on_store, op_new(call, owner, answer, NULL));
}

/* ---- shared request rules ---- */

static bool has_dup(const json_t *arr, size_t upto, const char *s)
{
    for (size_t j = 0; j < upto; j++)
        if (strcmp(json_string_value(json_array_get(arr, j)), s) == 0)
            return true;
    return false;
}

json_t *friend_read_users(api_call_t *call, const char *name, size_t max)
{
    api_ids_t spec = {name, max, NULL, true, ERR_SNS_PARAM, ERR_SNS_PARAM, "UserIDs"};
    json_t *ids = api_read_id_array(call, &spec);
    for (size_t i = 0; ids && i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (has_dup(ids, i, id)) {
            api_fail(call, ERR_SNS_PARAM, "%s names %s twice", name, id);
            json_decref(ids);
            return NULL;
        }
    }
    return ids;
}

json_t *friend_read_names(api_call_t *call, const char *name, size_t max)
{
    json_t *list = json_object_get(call->body, name), *v;
    size_t i;
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > max) {
        api_fail(call, ERR_SNS_PARAM, "%s must be an array of 1 to %zu friend-list names", name,
                 max);
        return NULL;
    }
    json_array_foreach(list, i, v)
    {
        if (!friend_list_name_ok(json_string_value(v)) || has_dup(list, i, json_string_value(v))) {
            api_fail(call, ERR_SNS_PARAM,
                     "%s[%zu] must be a distinct friend-list name of 1 to %d bytes", name, i,
                     FRIEND_LIST_NAME_MAX);
            return NULL;
        }
    }
    return json_incref(list);
}

bool friend_items_distinct(api_call_t *call, const friend_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(items[i].peer, items[j].peer) == 0) {
                api_fail(call, ERR_SNS_PARAM, "%s is named twice", items[i].peer);
                return false;
            }
        }
    }
    return true;
}
