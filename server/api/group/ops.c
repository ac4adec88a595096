#include "api/group/ops.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/group/group.h"
#include "api/group/rules.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/avroom.h"
#include "store/group.h"

/* SDK V2TIMGroupTipsType. */
enum {
    TIP_JOIN = 1,
    TIP_INVITE = 2,
    TIP_QUIT = 3,
    TIP_KICKED = 4,
    TIP_SET_ADMIN = 5,
    TIP_CANCEL_ADMIN = 6,
    TIP_GROUP_INFO = 7,
    TIP_MEMBER_INFO = 8,
};

/* SDK V2TIMGroupInfoChangeType. */
enum {
    CHANGE_NAME = 1,
    CHANGE_INTRODUCTION = 2,
    CHANGE_NOTIFICATION = 3,
    CHANGE_FACE = 4,
    CHANGE_OWNER = 5,
    CHANGE_CUSTOM = 6,
    CHANGE_MUTE_ALL = 8,
    CHANGE_ADD_OPT = 11,
    CHANGE_APPROVE_OPT = 12,
};

#define CREATE_TRIES 3 /* generated IDs that collide are drawn again */

typedef struct gop {
    api_call_t *call;
    gop_kind_t kind;
    gop_done_fn done;
    char *user; /* actor */
    bool app_admin, silent;
    char *group_id;
    gop_req_t req;        /* gop_run */
    gop_new_t create;     /* gop_create */
    gop_profile_t change; /* gop_modify */
    gop_member_t member;  /* gop_member */
    json_t *ctx;          /* store_group_ctx's document, which `c` borrows from */
    store_group_ctx_t c;
    group_type_t type;
    group_role_t role;              /* the actor's */
    int tries;                      /* gop_create */
    bool hooked;                    /* the store call records a webhook after-event */
    bool asked;                     /* the before-callback was answered */
    bool viewer;                    /* the actor watches this live room here (no member row) */
    bool enrolled;                  /* live room: the targets were given member rows */
    void (*resume)(struct gop *op); /* what runs when the app allowed */
    json_t *refused;                /* BeforeInviteJoinGroup's RefusedMembers_Account */
    store_webhook_origin_t origin;
    store_group_hook_t hook;
} gop_t;

static void gop_free(gop_t *op)
{
    xfree(op->user);
    xfree(op->group_id);
    json_decref(op->req.users);
    json_decref(op->req.data);
    gop_new_release(&op->create);
    fields_release(&gop_profile_fields, &op->change);
    fields_release(&gop_member_fields, &op->member);
    json_decref(op->ctx);
    json_decref(op->refused);
    xfree(op);
}

/* Ends the op; `result` (may be NULL: nothing to report) is borrowed, its JSON parts released
 * here. */
static void finish(gop_t *op, err_t err, const char *detail, gop_result_t *result)
{
    if (err == ERR_OK && op->hooked)
        api_hook_poke(op->call->env);
    gop_result_t none = {0};
    op->done(op->call, err, detail, result ? result : &none);
    if (result) {
        json_decref(result->results);
        json_decref(result->muted);
        json_decref(result->attrs);
        json_decref(result->marked);
        json_decref(result->missing);
    }
    gop_free(op);
}

static void fail(gop_t *op, err_t err, const char *detail)
{
    finish(op, err, detail, NULL);
}

/* For a store callback whose arg is the op: the op when err is ERR_OK, else NULL after failing
 * it with err. */
static gop_t *op_if_ok(err_t err, void *arg)
{
    gop_t *op = arg;
    if (err == ERR_OK)
        return op;
    fail(op, err, NULL);
    return NULL;
}

static const api_env_t *env_of(const gop_t *op)
{
    return op->call->env;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static char *dumps(const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy = xstrdup(text);
    free(text);
    return copy;
}

/* The after-event `cmd` for the op's store call, or NULL when the command is off. kind:
 * JoinType / ExitType. */
static const store_group_hook_t *hook_of(gop_t *op, store_webhook_cmd_t cmd, const char *kind)
{
    if (!api_hook_on(op->call->env, cmd))
        return NULL;
    op->hooked = true;
    op->origin.platform = store_webhook_platform(op->call->platform, cmd);
    op->origin.client_ip = op->call->client_ip;
    op->hook.origin = &op->origin;
    op->hook.operator_account = op->user;
    op->hook.kind = kind;
    return &op->hook;
}

static void on_before(const api_before_result_t *r, void *arg)
{
    gop_t *op = arg;
    switch (r->verdict) {
    case API_BEFORE_REFUSE:
        fail(op, (err_t)r->code, r->info);
        return;
    case API_BEFORE_DROP: /* ErrorCode 2 means nothing here but "no" */
        fail(op, ERR_GROUP_CALLBACK_REJECT, NULL);
        return;
    case API_BEFORE_ALLOW:
        break;
    }
    const json_t *refused = json_object_get(r->reply, "RefusedMembers_Account");
    if (json_is_array(refused) && json_array_size(refused) > 0)
        op->refused = json_deep_copy(refused);
    op->resume(op);
}

/* Asks the app the before-callback `cmd` (body stolen); `resume` runs again when it allows
 * (op->asked is then set). */
static void ask_before(gop_t *op, store_webhook_cmd_t cmd, json_t *body, void (*resume)(gop_t *))
{
    const api_env_t *env = op->call->env;
    op->asked = true;
    op->resume = resume;
    store_webhook_origin_t o = {store_webhook_platform(op->call->platform, cmd),
                                op->call->client_ip};
    env->hooks->before(env->hooks->ctx, cmd, &o, body, on_before, op);
}

static bool before_wanted(const gop_t *op, store_webhook_cmd_t cmd)
{
    return !op->asked && api_hook_on(op->call->env, cmd);
}

static bool is_refused(const gop_t *op, const char *user)
{
    json_t *v;
    size_t i;
    json_array_foreach(op->refused, i, v) if (user && json_is_string(v) &&
                                              strcmp(json_string_value(v), user) == 0) return true;
    return false;
}

/* [{Member_Account}] of a list of UserIDs or {user} objects. */
static json_t *member_accounts(const json_t *users)
{
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(users, i, v)
    {
        const char *u = json_is_string(v) ? json_string_value(v) : str(v, "user");
        if (u)
            json_array_append_new(out, json_pack("{s:s}", "Member_Account", u));
    }
    return out;
}

/* ---- what people are told ---- */

static json_t *member_ref(const char *user)
{
    return json_pack("{s:s}", "userID", user);
}

static json_t *member_refs(const json_t *users)
{
    json_t *out = json_array(), *v;
    size_t i;
    json_array_foreach(users, i, v) json_array_append_new(out, member_ref(json_string_value(v)));
    return out;
}

void gop_push_users(const api_env_t *env, const json_t *users, const char *event, json_t *body,
                    uint64_t skip_conn)
{
    router_frame_t *f = router_frame_from_json(event, body);
    json_t *v;
    size_t i;
    json_array_foreach(users, i, v)
    {
        const char *u = json_string_value(v);
        if (u)
            router_push_user(env->router, u, f, skip_conn);
    }
    router_frame_unref(f);
}

static void push_user(const api_env_t *env, const char *user, const char *event, json_t *body,
                      uint64_t skip_conn)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, skip_conn);
    router_frame_unref(f);
}

/* Stores a tips message unless the operation is silent; `members` is borrowed. */
static void tip(gop_t *op, int type, const json_t *members, json_t *extra)
{
    if (op->silent) {
        json_decref(extra);
        return;
    }
    json_t *t =
        json_pack("{s:i, s:s, s:s}", "tipsType", type, "opUser", op->user, "groupID", op->group_id);
    json_object_set_new(t, "memberList", members ? json_deep_copy(members) : json_array());
    if (extra)
        json_object_update(t, extra);
    json_decref(extra);
    msg_group_tip(env_of(op), op->group_id, op->user, t);
}

static json_t *event_body(const gop_t *op)
{
    return json_pack("{s:s}", "groupID", op->group_id);
}

static json_t *op_user(const gop_t *op)
{
    return member_ref(op->user);
}

/* ---- context ---- */

static store_group_target_t ctx_target(const gop_t *op, size_t i)
{
    store_group_target_t t;
    store_group_ctx_target(&op->c, i, &t);
    return t;
}

/* A target's role in the group (GROUP_ROLE_NONE: not a member). */
static group_role_t target_role(const store_group_target_t *t)
{
    store_group_member_t m;
    return store_group_member_view(t->member, &m) ? group_role_parse(m.role) : GROUP_ROLE_NONE;
}

static group_opt_t opt_of(const char *s)
{
    group_opt_t o = GROUP_OPT_PERMISSION;
    group_opt_parse(s, &o);
    return o;
}

static const group_type_rules_t *rules_of(const gop_t *op)
{
    return group_rules(op->type);
}

/* The UserIDs of req.users, which may hold strings or {user} objects. */
static json_t *user_ids(const json_t *users)
{
    json_t *ids = json_array(), *v;
    size_t i;
    json_array_foreach(users, i, v)
    {
        const char *u = json_is_string(v) ? json_string_value(v) : str(v, "user");
        if (u)
            json_array_append_new(ids, json_string(u));
    }
    return ids;
}

/* The UserIDs a new group's request lists. */
static json_t *new_member_ids(const gop_new_t *g)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < g->n_members; i++)
        json_array_append_new(ids, json_string(g->members[i].user));
    return ids;
}

/* ---- create ---- */

static void create_submit(gop_t *op);

static void on_created(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    json_t *missing = res->missing;
    if (json_array_size(missing) > 0) {
        char *names = dumps(missing);
        char detail[256];
        snprintf(detail, sizeof detail, "not imported: %s", names);
        xfree(names);
        fail(op, ERR_GROUP_USER_MISSING, detail);
        return;
    }
    if (!res->created) {
        if (op->create.group_id == NULL && ++op->tries < CREATE_TRIES) {
            create_submit(op);
            return;
        }
        fail(op, ERR_GROUP_ID_TAKEN, op->group_id);
        return;
    }
    const api_env_t *env = env_of(op);
    group_members_changed(env, op->group_id);
    const char *owner = op->create.owner;
    json_t *members = new_member_ids(&op->create);
    if (owner) {
        /* The creator's other devices learn of it too; the owner named by REST learns it. */
        uint64_t skip = strcmp(owner, op->user) == 0 ? op->call->conn_id : 0;
        push_user(env, owner, "onGroupCreated", event_body(op), skip);
        /* The creator of a live room watches it from the start. */
        if (op->type == GROUP_AVCHATROOM && skip != 0)
            router_room_join(env->router, op->group_id, owner);
    }
    if (json_array_size(members) > 0 && !op->create.import) {
        json_t *body = event_body(op);
        json_object_set_new(body, "opUser", op_user(op));
        json_object_set_new(body, "memberList", member_refs(members));
        gop_push_users(env, members, "onMemberInvited", body, 0);
    }
    json_decref(members);
    finish(op, ERR_OK, NULL, &(gop_result_t){.group_id = op->group_id});
}

/* The store's {user, role, custom} list: the owner first unless they do not join, then the
 * listed members other than the owner. */
static json_t *new_members_json(const gop_new_t *g, bool owner_joins)
{
    json_t *members = json_array();
    if (g->owner && owner_joins)
        json_array_append_new(members, json_pack("{s:s, s:s}", "user", g->owner, "role", "Owner"));
    for (size_t i = 0; i < g->n_members; i++) {
        const gop_new_member_t *m = &g->members[i];
        if (g->owner && strcmp(m->user, g->owner) == 0)
            continue;
        group_role_t role = (m->given & GOP_M_ROLE) ? (group_role_t)m->role : GROUP_ROLE_MEMBER;
        json_t *e = json_pack("{s:s, s:s}", "user", m->user, "role", group_role_rest(role));
        if (m->custom)
            json_object_set(e, "custom", m->custom);
        json_array_append_new(members, e);
    }
    return members;
}

static const char *opt_given(const gop_profile_t *p, unsigned bit, int value, group_opt_t dflt,
                             bool invite)
{
    return group_opt_rest((p->given & bit) ? (group_opt_t)value : dflt, invite);
}

static void create_submit(gop_t *op)
{
    const gop_new_t *req = &op->create;
    const gop_profile_t *p = &req->profile;
    const group_type_rules_t *r = rules_of(op);
    xfree(op->group_id);
    if (req->group_id) {
        op->group_id = xstrdup(req->group_id);
    } else {
        unsigned char rnd[10];
        char id[40];
        rand_bytes(rnd, sizeof rnd);
        group_id_generate(op->type, rnd, id, sizeof id);
        op->group_id = xstrdup(id);
    }
    /* An AVChatRoom's owner named by someone else (REST) joins through the SDK (§3.6). */
    bool owner_joins =
        op->type != GROUP_AVCHATROOM || (req->owner && strcmp(req->owner, op->user) == 0);
    json_t *members = new_members_json(req, owner_joins);
    char *members_json = dumps(members);
    char *custom_json = p->custom ? dumps(p->custom) : NULL;
    bool max_given = (p->given & GROUP_F_MAX_MEMBERS) && r->max_members_limit > 0;
    store_group_new_t g = {
        .group_id = op->group_id,
        .type = group_type_rest(op->type),
        .name = p->name,
        .introduction = p->introduction,
        .notification = p->notification,
        .face_url = p->face_url,
        .owner = req->owner,
        .create_time = req->import && req->create_time > 0 ? req->create_time : (int64_t)time(NULL),
        .max_members = max_given ? p->max_members : r->default_max_members,
        .apply_opt = opt_given(p, GROUP_F_APPLY_OPT, p->apply_opt, r->default_apply, false),
        .invite_opt = opt_given(p, GROUP_F_INVITE_OPT, p->invite_opt, r->default_invite, true),
        .mute_all = (p->given & GROUP_F_MUTE_ALL) && p->mute_all,
        .history_before_join = r->history_before_join,
        .custom_json = custom_json,
        .members_json = members_json,
        .msg_flag = r->default_msg_flag,
        .recv_opt = group_msg_flag_to_recv_opt(r->default_msg_flag),
        .views = r->stores_history,
        .support_topic = req->support_topic,
        .enable_permission = p->enable_permission,
        .default_permission = p->default_permission,
    };
    store_group_create(env_of(op)->db, &g,
                       req->import ? NULL : hook_of(op, STORE_WEBHOOK_GROUP_AFTER_CREATE, NULL),
                       on_created, op);
    xfree(members_json);
    xfree(custom_json);
    json_decref(members);
}

/* A maximum member count, when given: within the type's limit. */
static err_t check_max_members(const gop_profile_t *p, const group_type_rules_t *r, char *buf,
                               size_t len)
{
    if ((p->given & GROUP_F_MAX_MEMBERS) && r->max_members_limit > 0 &&
        p->max_members > r->max_members_limit) {
        snprintf(buf, len, "MaxMemberCount must be at most %lld", (long long)r->max_members_limit);
        return ERR_GROUP_PARAM;
    }
    return ERR_OK;
}

/* [{Member_Account}] of the new group's listed members. */
static json_t *new_member_accounts(const gop_new_t *g)
{
    json_t *out = json_array();
    for (size_t i = 0; i < g->n_members; i++)
        json_array_append_new(out, json_pack("{s:s}", "Member_Account", g->members[i].user));
    return out;
}

void gop_new_release(gop_new_t *g)
{
    for (size_t i = 0; i < g->n_members; i++)
        fields_release(&gop_new_member_fields, &g->members[i]);
    xfree(g->members);
    g->members = NULL;
    g->n_members = 0;
    fields_release(&gop_profile_fields, &g->profile);
}

/* The checks of a new group against its type; ERR_OK or the error with a detail. */
static err_t check_create(const gop_new_t *g, char *buf, size_t len)
{
    const group_type_rules_t *r = group_rules((group_type_t)g->type);
    if (!(g->profile.given & GROUP_F_NAME)) {
        snprintf(buf, len, "a group needs a name of 1 to %d bytes", GROUP_NAME_MAX);
        return ERR_GROUP_PARAM;
    }
    if (g->n_members > GROUP_CREATE_MEMBERS_MAX) {
        snprintf(buf, len, "the member list holds at most %d members", GROUP_CREATE_MEMBERS_MAX);
        return ERR_GROUP_TOO_MANY;
    }
    if (g->n_members > 0 && !r->initial_members) {
        snprintf(buf, len, "members of this group type join by themselves");
        return ERR_GROUP_PERMISSION;
    }
    if (g->import && !r->importable) {
        snprintf(buf, len, "this group type cannot be imported");
        return ERR_GROUP_PERMISSION;
    }
    if ((g->support_topic || (g->profile.given & GROUP_F_PERMISSION)) &&
        g->type != GROUP_COMMUNITY) {
        snprintf(buf, len, "only a Community has topics and permission groups");
        return ERR_GROUP_PARAM;
    }
    err_t err = check_max_members(&g->profile, r, buf, len);
    if (err != ERR_OK)
        return err;
    if (g->group_id &&
        !group_id_valid_custom((group_type_t)g->type, g->group_id, strlen(g->group_id))) {
        snprintf(buf, len, "%s",
                 g->type == GROUP_COMMUNITY
                     ? "a Community GroupId starts with @TGS#_ and is under 48 printable ASCII "
                       "bytes"
                     : "a custom GroupId is 1 to 47 printable ASCII bytes not starting with @TGS#");
        return ERR_GROUP_BAD_ID;
    }
    return ERR_OK;
}

static gop_t *op_new(api_call_t *call, gop_kind_t kind, const gop_actor_t *actor, gop_done_fn done)
{
    gop_t *op = XNEW(gop_t);
    op->call = call;
    op->kind = kind;
    op->done = done;
    op->user = xstrdup(actor->user);
    op->app_admin = actor->app_admin;
    op->silent = actor->silent;
    return op;
}

void gop_create(api_call_t *call, const gop_actor_t *actor, gop_new_t *g, gop_done_fn done)
{
    gop_t *op = op_new(call, GOP_CREATE, actor, done);
    op->create = *g;
    memset(g, 0, sizeof *g);
    op->type = (group_type_t)op->create.type;
    if (op->create.group_id && *op->create.group_id == '\0')
        op->create.group_id = NULL;
    char detail[160];
    err_t err = check_create(&op->create, detail, sizeof detail);
    if (err != ERR_OK) {
        fail(op, err, detail);
        return;
    }
    if (!op->create.import && before_wanted(op, STORE_WEBHOOK_GROUP_BEFORE_CREATE)) {
        const char *owner = op->create.owner;
        json_t *body =
            json_pack("{s:s, s:s, s:s, s:s, s:o}", "Operator_Account", op->user, "Owner_Account",
                      owner ? owner : "", "Type", group_type_rest(op->type), "Name",
                      op->create.profile.name, "MemberList", new_member_accounts(&op->create));
        ask_before(op, STORE_WEBHOOK_GROUP_BEFORE_CREATE, body, create_submit);
        return;
    }
    create_submit(op);
}

/* ---- each operation after the context is loaded ---- */

/* A statement's answer about one group: true when it ran and found the group; else the op is
 * failed (the error, or ERR_GROUP_NOT_FOUND). */
static bool group_found(gop_t *op, err_t err, const store_group_res_t *res)
{
    if (err != ERR_OK) {
        fail(op, err, NULL);
        return false;
    }
    if (!res->found) {
        fail(op, ERR_GROUP_NOT_FOUND, NULL);
        return false;
    }
    return true;
}

/* Group.CallbackAfterGroupFull {GroupId} when adding members made the group full or was refused
 * because it is full (Tencent's two moments). Nothing is stored for the second, so the event
 * goes through emit(), its own transaction. */
static void report_full(gop_t *op, const store_group_res_t *res)
{
    const api_env_t *env = env_of(op);
    if (!api_hook_on(env, STORE_WEBHOOK_GROUP_AFTER_FULL))
        return;
    bool full =
        op->c.found && op->c.group.max_members > 0 && res->member_count >= op->c.group.max_members;
    size_t i;
    json_t *v;
    json_array_foreach(res->results, i, v) full |= strcmp(str(v, "status"), "full") == 0;
    if (!full)
        return;
    store_webhook_origin_t o = {
        store_webhook_platform(op->call->platform, STORE_WEBHOOK_GROUP_AFTER_FULL),
        op->call->client_ip};
    char *key = xasprintf("g:%s", op->group_id);
    env->hooks->emit(env->hooks->ctx, STORE_WEBHOOK_GROUP_AFTER_FULL, key, &o,
                     json_pack("{s:s}", "GroupId", op->group_id));
    xfree(key);
}

/* The answer of adding one member: true when they were added; else the op is failed with why
 * (`otherwise` for an unexpected status). */
static bool one_added(gop_t *op, err_t err, const store_group_res_t *res, err_t otherwise)
{
    if (!group_found(op, err, res))
        return false;
    report_full(op, res);
    const char *st = str(json_array_get(res->results, 0), "status");
    if (st == NULL || strcmp(st, "added") != 0) {
        fail(op,
             st && strcmp(st, "full") == 0      ? ERR_GROUP_FULL
             : st && strcmp(st, "already") == 0 ? ERR_GROUP_ALREADY_MEMBER
             : st && strcmp(st, "missing") == 0 ? ERR_GROUP_USER_MISSING
                                                : otherwise,
             NULL);
        return false;
    }
    return true;
}

static void on_joined(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!one_added(op, err, res, ERR_INTERNAL))
        return;
    const api_env_t *env = env_of(op);
    group_members_changed(env, op->group_id);
    if (op->type == GROUP_AVCHATROOM)
        router_room_join(env->router, op->group_id, op->user);
    json_t *who = json_pack("[s]", op->user);
    json_t *body = event_body(op);
    json_object_set_new(body, "memberList", member_refs(who));
    group_push(env, op->group_id, "onMemberEnter", body, NULL);
    tip(op, TIP_JOIN, who, json_pack("{s:I}", "memberCount", res->member_count));
    json_decref(who);
    finish(op, ERR_OK, NULL, &(gop_result_t){.pending = false});
}

static void on_applied(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    const api_env_t *env = env_of(op);
    json_t *applied = res->applied;
    json_t *approvers = res->approvers;
    size_t i;
    json_t *v;
    json_array_foreach(applied, i, v)
    {
        json_t *body = event_body(op);
        json_object_set_new(body, "member", member_ref(json_string_value(v)));
        const char *reason = op->kind == GOP_JOIN ? op->req.message : NULL;
        json_object_set_new(body, "opReason", json_string(reason ? reason : ""));
        json_object_set_new(body, "type", json_integer(op->kind == GOP_JOIN ? 0 : 1));
        if (op->kind != GOP_JOIN)
            json_object_set_new(body, "opUser", op_user(op));
        gop_push_users(env, approvers, "onReceiveJoinApplication", body, 0);
    }
    if (op->kind == GOP_JOIN) {
        finish(op, ERR_OK, NULL, &(gop_result_t){.pending = true});
        return;
    }
    /* Invitations waiting for approval: the targets were classified in the context. */
    json_t *results = json_array();
    for (i = 0; i < op->c.n_targets; i++) {
        store_group_target_t t = ctx_target(op, i);
        const char *u = t.user;
        const char *status = is_refused(op, u) ? "refused"
                             : !t.exists       ? "missing"
                             : t.member        ? "already"
                                               : "pending";
        json_array_append_new(results, json_pack("{s:s, s:s}", "user", u, "status", status));
    }
    finish(op, ERR_OK, NULL, &(gop_result_t){.results = results});
}

static void join_rows(gop_t *op);

/* Enter and leave events of a live room go out only while it is this small here: in a room of
 * thousands every join would be a push to everyone. */
static void room_event(gop_t *op, const char *event, json_t *body)
{
    const api_env_t *env = env_of(op);
    if (router_room_count_here(env->router, op->group_id) <= GROUP_NOTIFY_MEMBERS_MAX)
        group_push(env, op->group_id, event, body, NULL);
    else
        json_decref(body);
}

static void enter_room(gop_t *op)
{
    const api_env_t *env = env_of(op);
    if (!router_room_join(env->router, op->group_id, op->user)) {
        fail(op, ERR_GROUP_PERMISSION, "a live room is joined from a logged-in session");
        return;
    }
    json_t *who = json_pack("[s]", op->user), *body = event_body(op);
    json_object_set_new(body, "memberList", member_refs(who));
    json_decref(who);
    room_event(op, "onMemberEnter", body);
    finish(op, ERR_OK, NULL, &(gop_result_t){.pending = false});
}

static void on_room_ctx(err_t err, json_t *doc, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    json_int_t until = json_integer_value(json_object_get(doc, "banned_until"));
    if (until > 0) {
        char detail[96];
        snprintf(detail, sizeof detail, "banned from this live room until %lld", (long long)until);
        fail(op, ERR_GROUP_PERMISSION, detail);
        return;
    }
    /* The owner a REST call named joins as Owner (a member row); everyone else only watches. */
    const char *owner = str(doc, "owner");
    if (json_is_null(json_object_get(doc, "role")) && owner && strcmp(owner, op->user) == 0) {
        join_rows(op);
        return;
    }
    enter_room(op);
}

static void do_join(gop_t *op)
{
    if (op->type == GROUP_AVCHATROOM) {
        store_avroom_join_ctx(env_of(op)->db, op->group_id, op->user, (int64_t)time(NULL),
                              on_room_ctx, op);
        return;
    }
    join_rows(op);
}

static void join_rows(gop_t *op)
{
    const store_group_t *g = &op->c.group;
    if (op->type != GROUP_AVCHATROOM && op->role >= GROUP_ROLE_MEMBER &&
        op->role <= GROUP_ROLE_OWNER) {
        fail(op, ERR_GROUP_ALREADY_MEMBER, NULL);
        return;
    }
    bool approval;
    err_t err = group_rule_join(op->type, opt_of(g->apply_opt), &approval);
    if (err != ERR_OK) {
        fail(op, err,
             op->type == GROUP_WORK ? "Work groups are joined by invitation only"
                                    : "the group does not accept join requests");
        return;
    }
    if (before_wanted(op, STORE_WEBHOOK_GROUP_BEFORE_APPLY_JOIN)) {
        ask_before(op, STORE_WEBHOOK_GROUP_BEFORE_APPLY_JOIN,
                   json_pack("{s:s, s:s, s:s}", "GroupId", op->group_id, "Type",
                             group_type_rest(op->type), "Requestor_Account", op->user),
                   join_rows);
        return;
    }
    const api_env_t *env = env_of(op);
    json_t *users = json_pack("[s]", op->user);
    char *users_json = dumps(users);
    json_decref(users);
    if (approval) {
        store_group_apply(env->db, op->group_id, users_json, "apply", op->user, op->req.message,
                          (int64_t)time(NULL), on_applied, op);
    } else {
        const group_type_rules_t *r = rules_of(op);
        json_t *list = json_pack("[{s:s}]", "user", op->user);
        char *list_json = dumps(list);
        json_decref(list);
        store_group_add_t a = {
            .group_id = op->group_id,
            .users_json = list_json,
            .now = (int64_t)time(NULL),
            .views = r->stores_history,
            .pre_join_visible = group_rule_pre_join_visible(op->type, g->history_before_join),
            .enforce_max = true,
            .msg_flag = r->default_msg_flag,
            .recv_opt = group_msg_flag_to_recv_opt(r->default_msg_flag),
        };
        store_group_add(env->db, &a,
                        hook_of(op, STORE_WEBHOOK_GROUP_AFTER_NEW_MEMBER_JOIN, "Apply"), on_joined,
                        op);
        xfree(list_json);
    }
    xfree(users_json);
}

static void on_removed(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    const api_env_t *env = env_of(op);
    json_t *removed = res->removed;
    json_t *ids = user_ids(removed);
    if (json_array_size(ids) > 0)
        group_members_changed(env, op->group_id);
    if (op->kind == GOP_QUIT) {
        if (op->type == GROUP_AVCHATROOM)
            router_room_leave(env->router, op->group_id, op->user);
        if (json_array_size(ids) == 0) {
            json_decref(ids);
            fail(op, ERR_GROUP_PERMISSION, "not a member of the group");
            return;
        }
        json_t *body = event_body(op);
        json_object_set_new(body, "member", member_ref(op->user));
        group_push(env, op->group_id, "onMemberLeave", body, NULL);
        push_user(env, op->user, "onQuitFromGroup", event_body(op), op->call->conn_id);
        tip(op, TIP_QUIT, ids, NULL);
        json_decref(ids);
        finish(op, ERR_OK, NULL, NULL);
        return;
    }
    /* Kicked: the remaining members and every removed member hear of it. */
    if (json_array_size(ids) > 0) {
        json_t *body = event_body(op);
        json_object_set_new(body, "opUser", op_user(op));
        json_object_set_new(body, "memberList", member_refs(ids));
        if (!op->silent)
            group_push(env, op->group_id, "onMemberKicked", json_deep_copy(body), NULL);
        gop_push_users(env, ids, "onMemberKicked", body, 0);
        tip(op, TIP_KICKED, ids, NULL);
    }
    json_t *results = json_array(), *v;
    size_t i;
    json_array_foreach(op->req.users, i, v)
    {
        const char *u = json_string_value(v);
        bool gone = false;
        json_t *r;
        size_t k;
        json_array_foreach(ids, k, r) gone = gone || strcmp(json_string_value(r), u) == 0;
        json_array_append_new(
            results, json_pack("{s:s, s:s}", "user", u, "status", gone ? "removed" : "not_member"));
    }
    json_decref(ids);
    finish(op, ERR_OK, NULL, &(gop_result_t){.results = results});
}

static void do_quit(gop_t *op)
{
    if (op->viewer) {
        const api_env_t *env = env_of(op);
        router_room_leave(env->router, op->group_id, op->user);
        push_user(env, op->user, "onQuitFromGroup", event_body(op), op->call->conn_id);
        json_t *body = event_body(op);
        json_object_set_new(body, "member", member_ref(op->user));
        room_event(op, "onMemberLeave", body);
        finish(op, ERR_OK, NULL, NULL);
        return;
    }
    err_t err = group_rule_quit(op->type, op->role);
    if (err != ERR_OK) {
        fail(op, err, err == ERR_GROUP_PERMISSION ? "not a member of the group" : NULL);
        return;
    }
    json_t *users = json_pack("[s]", op->user);
    char *users_json = dumps(users);
    json_decref(users);
    store_group_remove(env_of(op)->db, op->group_id, users_json, "[\"Owner\",\"Admin\",\"Member\"]",
                       hook_of(op, STORE_WEBHOOK_GROUP_AFTER_MEMBER_EXIT, "Quit"), on_removed, op);
    xfree(users_json);
}

static void do_kick(gop_t *op)
{
    if (op->role == GROUP_ROLE_NONE) {
        fail(op, ERR_GROUP_PERMISSION, "not a member of the group");
        return;
    }
    if (group_rules(op->type)->kick_min == GROUP_ROLE_NONE) {
        fail(op, ERR_GROUP_PERMISSION, "members of this group type cannot be removed");
        return;
    }
    for (size_t i = 0; i < op->c.n_targets; i++) {
        store_group_target_t t = ctx_target(op, i);
        if (t.member == NULL)
            continue;
        if (strcmp(t.user, op->user) == 0) {
            fail(op, ERR_GROUP_PERMISSION, "use quitGroup to leave");
            return;
        }
        group_role_t role = target_role(&t);
        if (group_rule_kick(op->type, op->role, role) != ERR_OK) {
            char detail[128];
            snprintf(detail, sizeof detail, "may not remove %s (%s)", t.user,
                     group_role_rest(role));
            fail(op, ERR_GROUP_PERMISSION, detail);
            return;
        }
    }
    const char *roles = op->role == GROUP_ROLE_ADMIN ? "[\"Member\"]" : "[\"Admin\",\"Member\"]";
    char *users_json = dumps(op->req.users);
    store_group_remove(env_of(op)->db, op->group_id, users_json, roles,
                       hook_of(op, STORE_WEBHOOK_GROUP_AFTER_MEMBER_EXIT, "Kicked"), on_removed,
                       op);
    xfree(users_json);
}

static void on_added(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    const api_env_t *env = env_of(op);
    report_full(op, res);
    json_t *results = res->results, *v;
    json_t *added = json_array();
    size_t i;
    json_array_foreach(results, i, v) if (strcmp(str(v, "status"), "added") == 0)
        json_array_append_new(added, json_string(str(v, "user")));
    if (json_array_size(added) > 0) {
        group_members_changed(env, op->group_id);
        if (op->req.mode != GOP_ADD_IMPORT) {
            json_t *body = event_body(op);
            json_object_set_new(body, "opUser", op_user(op));
            json_object_set_new(body, "memberList", member_refs(added));
            if (op->silent)
                gop_push_users(env, added, "onMemberInvited", body, 0);
            else
                group_push(env, op->group_id, "onMemberInvited", body, NULL);
            tip(op, TIP_INVITE, added, json_pack("{s:I}", "memberCount", res->member_count));
        }
    }
    json_decref(added);
    json_t *all = json_deep_copy(results);
    json_array_foreach(op->refused, i, v) if (json_is_string(v))
        json_array_append_new(all, json_pack("{s:O, s:s}", "user", v, "status", "refused"));
    finish(op, ERR_OK, NULL, &(gop_result_t){.results = all});
}

static void do_add(gop_t *op)
{
    const group_type_rules_t *r = rules_of(op);
    const store_group_t *g = &op->c.group;
    int mode = op->req.mode;
    bool approval = false;
    if (mode == GOP_ADD_INVITE) {
        err_t err = group_rule_invite(op->type, opt_of(g->invite_opt), op->role, &approval);
        if (err != ERR_OK) {
            fail(op, err,
                 op->role == GROUP_ROLE_NONE ? "not a member of the group"
                                             : "may not invite to this group");
            return;
        }
    } else if (mode == GOP_ADD_IMPORT) {
        if (!r->importable) {
            fail(op, ERR_GROUP_PERMISSION, "members cannot be imported into this group type");
            return;
        }
    } else if (!r->initial_members) {
        fail(op, ERR_GROUP_PERMISSION, "members of this group type join by themselves");
        return;
    }
    json_t *users = op->req.users, *v;
    size_t i;
    json_array_foreach(users, i, v)
    {
        const char *role = str(v, "role");
        if (role && strcmp(role, "Admin") == 0 && !r->has_admins) {
            fail(op, ERR_GROUP_PERMISSION, "this group type has no admins");
            return;
        }
    }
    if (mode != GOP_ADD_IMPORT && before_wanted(op, STORE_WEBHOOK_GROUP_BEFORE_INVITE_JOIN)) {
        ask_before(op, STORE_WEBHOOK_GROUP_BEFORE_INVITE_JOIN,
                   json_pack("{s:s, s:s, s:s, s:o}", "GroupId", op->group_id, "Type",
                             group_type_rest(op->type), "Operator_Account", op->user,
                             "DestinationMembers", member_accounts(users)),
                   do_add);
        return;
    }
    if (op->refused) {
        /* The app refused some invitees: the others go on. */
        json_t *kept = json_array();
        json_array_foreach(users, i, v)
        {
            const char *u = json_is_string(v) ? json_string_value(v) : str(v, "user");
            if (!is_refused(op, u))
                json_array_append(kept, v);
        }
        json_decref(op->req.users);
        op->req.users = users = kept;
    }
    const api_env_t *env = env_of(op);
    if (approval) {
        json_t *ids = user_ids(users);
        char *ids_json = dumps(ids);
        json_decref(ids);
        store_group_apply(env->db, op->group_id, ids_json, "invite", op->user, "",
                          (int64_t)time(NULL), on_applied, op);
        xfree(ids_json);
        return;
    }
    bool import = mode == GOP_ADD_IMPORT;
    char *users_json = dumps(users);
    store_group_add_t a = {
        .group_id = op->group_id,
        .users_json = users_json,
        .now = (int64_t)time(NULL),
        .views = r->stores_history,
        .pre_join_visible = import || group_rule_pre_join_visible(op->type, g->history_before_join),
        .enforce_max = true,
        .msg_flag = r->default_msg_flag,
        .recv_opt = group_msg_flag_to_recv_opt(r->default_msg_flag),
    };
    store_group_add(env->db, &a,
                    import ? NULL
                           : hook_of(op, STORE_WEBHOOK_GROUP_AFTER_NEW_MEMBER_JOIN, "Invited"),
                    on_added, op);
    xfree(users_json);
}

static void on_dismissed(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    const api_env_t *env = env_of(op);
    group_members_changed(env, op->group_id);
    json_t *body = event_body(op);
    json_object_set_new(body, "opUser", op_user(op));
    if (op->type == GROUP_AVCHATROOM) {
        /* The viewers hear it wherever they watch; the room ends here (other nodes' copies
         * end as their viewers leave). */
        router_frame_t *f = router_frame_from_json("onGroupDismissed", json_deep_copy(body));
        router_room_push(env->router, op->group_id, f, op->call->conn_id);
        router_frame_unref(f);
    }
    /* Members who watched here heard it from the room already. */
    json_t *rest = json_array(), *v;
    size_t i;
    json_array_foreach(res->members, i, v)
    {
        if (!router_room_has(env->router, op->group_id, json_string_value(v)))
            json_array_append(rest, v);
    }
    router_room_close(env->router, op->group_id);
    gop_push_users(env, rest, "onGroupDismissed", body, op->call->conn_id);
    json_decref(rest);
    finish(op, ERR_OK, NULL, NULL);
}

static void do_dismiss(gop_t *op)
{
    if (group_rule_dismiss(op->type, op->role) != ERR_OK) {
        fail(op, ERR_GROUP_PERMISSION,
             op->type == GROUP_WORK ? "only an app administrator dismisses a Work group"
                                    : "only the owner dismisses the group");
        return;
    }
    store_group_destroy(env_of(op)->db, op->group_id,
                        hook_of(op, STORE_WEBHOOK_GROUP_AFTER_DESTROYED, NULL), on_dismissed, op);
}

/* The profile fields named in `f` as GROUP_F_* bits. */
/* V2TIMGroupChangeInfo entries for the changed fields. */
static json_t *change_infos(const gop_profile_t *p)
{
    const struct {
        unsigned bit;
        const char *value;
        int type;
    } texts[] = {
        {GROUP_F_NAME, p->name, CHANGE_NAME},
        {GROUP_F_INTRODUCTION, p->introduction, CHANGE_INTRODUCTION},
        {GROUP_F_NOTIFICATION, p->notification, CHANGE_NOTIFICATION},
        {GROUP_F_FACE_URL, p->face_url, CHANGE_FACE},
    };
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (p->given & texts[i].bit)
            json_array_append_new(
                out, json_pack("{s:i, s:s}", "type", texts[i].type, "value", texts[i].value));
    const char *key;
    json_t *v;
    json_object_foreach(p->custom, key, v)
        json_array_append_new(out, json_pack("{s:i, s:s, s:s}", "type", CHANGE_CUSTOM, "key", key,
                                             "value", json_string_value(v)));
    if (p->given & GROUP_F_MUTE_ALL)
        json_array_append_new(
            out, json_pack("{s:i, s:b}", "type", CHANGE_MUTE_ALL, "boolValue", p->mute_all));
    if (p->given & GROUP_F_APPLY_OPT)
        json_array_append_new(out, json_pack("{s:i, s:i}", "type", CHANGE_ADD_OPT, "intValue",
                                             group_opt_sdk((group_opt_t)p->apply_opt)));
    if (p->given & GROUP_F_INVITE_OPT)
        json_array_append_new(out, json_pack("{s:i, s:i}", "type", CHANGE_APPROVE_OPT, "intValue",
                                             group_opt_sdk((group_opt_t)p->invite_opt)));
    return out;
}

/* The store's `fields` object of a profile change (store/group.h names). */
static json_t *change_store_fields(const gop_profile_t *p)
{
    json_t *f = json_object();
    const struct {
        unsigned bit;
        const char *key;
        json_t *value;
    } map[] = {
        {GROUP_F_NAME, "name", json_string(p->name)},
        {GROUP_F_INTRODUCTION, "introduction", json_string(p->introduction)},
        {GROUP_F_NOTIFICATION, "notification", json_string(p->notification)},
        {GROUP_F_FACE_URL, "face_url", json_string(p->face_url)},
        {GROUP_F_MAX_MEMBERS, "max_members", json_integer((json_int_t)p->max_members)},
        {GROUP_F_APPLY_OPT, "apply_opt",
         json_string(group_opt_rest((group_opt_t)p->apply_opt, false))},
        {GROUP_F_INVITE_OPT, "invite_opt",
         json_string(group_opt_rest((group_opt_t)p->invite_opt, true))},
        {GROUP_F_MUTE_ALL, "mute_all", json_boolean(p->mute_all)},
        {GROUP_F_HISTORY, "history_before_join", json_boolean(p->history_before_join)},
        {GROUP_F_CUSTOM, "custom", json_incref(p->custom)},
        {GROUP_F_PERMISSION, "enable_permission", json_boolean(p->enable_permission)},
        {GROUP_F_PERMISSION, "default_permission", json_integer((json_int_t)p->default_permission)},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (p->given & map[i].bit)
            json_object_set(f, map[i].key, map[i].value);
        json_decref(map[i].value);
    }
    return f;
}

static void tell_info_changed(gop_t *op, json_t *changes)
{
    if (json_array_size(changes) == 0) {
        json_decref(changes);
        return;
    }
    json_t *body = event_body(op);
    json_object_set(body, "changeInfos", changes);
    group_push(env_of(op), op->group_id, "onGroupInfoChanged", body, NULL);
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        if (json_integer_value(json_object_get(c, "type")) == CHANGE_MUTE_ALL)
            group_push(env_of(op), op->group_id, "onAllGroupMembersMuted",
                       json_pack("{s:s, s:O}", "groupID", op->group_id, "isMute",
                                 json_object_get(c, "boolValue")),
                       NULL);
    }
    tip(op, TIP_GROUP_INFO, NULL, json_pack("{s:o}", "groupChangeInfoList", changes));
}

static void on_modified(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    if (!res->updated) {
        char detail[96];
        snprintf(detail, sizeof detail, "a group has at most %d AppDefinedData keys",
                 GROUP_CUSTOM_KEYS_MAX);
        fail(op, ERR_GROUP_PARAM, detail);
        return;
    }
    tell_info_changed(op, change_infos(&op->change));
    finish(op, ERR_OK, NULL, NULL);
}

static void do_modify(gop_t *op)
{
    gop_profile_t *p = &op->change;
    const group_type_rules_t *r = rules_of(op);
    char detail[96];
    if (check_max_members(p, r, detail, sizeof detail) != ERR_OK) {
        fail(op, ERR_GROUP_PARAM, detail);
        return;
    }
    if (r->max_members_limit == 0)
        p->given &= ~(unsigned)GROUP_F_MAX_MEMBERS; /* ignored for AVChatRoom */
    if (group_rule_modify(op->type, op->role, p->given) != ERR_OK) {
        fail(op, ERR_GROUP_PERMISSION,
             op->role == GROUP_ROLE_NONE ? "not a member of the group"
                                         : "may not change these fields of this group");
        return;
    }
    json_t *f = change_store_fields(p);
    char *fields = dumps(f);
    json_decref(f);
    store_group_update(env_of(op)->db, op->group_id, fields, (int64_t)time(NULL),
                       GROUP_CUSTOM_KEYS_MAX,
                       hook_of(op, STORE_WEBHOOK_GROUP_AFTER_INFO_CHANGED, NULL), on_modified, op);
    xfree(fields);
}

static void on_member_updated(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    if (!res->found) {
        fail(op, ERR_GROUP_PERMISSION, "not a member of the group");
        return;
    }
    if (!res->updated) {
        char detail[96];
        snprintf(detail, sizeof detail, "a member has at most %d AppMemberDefinedData keys",
                 GROUP_MEMBER_CUSTOM_KEYS_MAX);
        fail(op, ERR_GROUP_PARAM, detail);
        return;
    }
    const api_env_t *env = env_of(op);
    const gop_member_t *m = &op->member;
    /* The fan-out cache keeps each member's receive option, which MsgFlag sets. */
    if (m->given & GOP_M_MSG_FLAG)
        group_members_changed(env, op->group_id);
    json_t *who = json_pack("[s]", m->user);
    store_group_target_t t = ctx_target(op, 0);
    group_role_t before = target_role(&t);
    if ((m->given & GOP_M_ROLE) && (group_role_t)m->role != before) {
        bool grant = m->role == GROUP_ROLE_ADMIN;
        json_t *body = event_body(op);
        json_object_set_new(body, "opUser", op_user(op));
        json_object_set_new(body, "memberList", member_refs(who));
        group_push(env, op->group_id, grant ? "onGrantAdministrator" : "onRevokeAdministrator",
                   body, NULL);
        tip(op, grant ? TIP_SET_ADMIN : TIP_CANCEL_ADMIN, who, NULL);
    }
    if (m->given & GOP_M_MUTE) {
        json_t *change =
            json_pack("[{s:s, s:I}]", "userID", m->user, "muteTime", (json_int_t)m->mute_seconds);
        json_t *body = event_body(op);
        json_object_set(body, "v2TIMGroupMemberChangeInfoList", change);
        group_push(env, op->group_id, "onMemberInfoChanged", body, NULL);
        tip(op, TIP_MEMBER_INFO, who, json_pack("{s:o}", "memberChangeInfoList", change));
    }
    if (m->given & (GOP_M_NAME_CARD | GOP_M_CUSTOM)) {
        json_t *change = json_pack("{s:s}", "userID", m->user);
        if (m->given & GOP_M_NAME_CARD)
            json_object_set_new(change, "nameCard", json_string(m->name_card));
        if (m->custom)
            json_object_set(change, "customInfo", m->custom);
        json_t *body = event_body(op);
        json_object_set_new(body, "v2TIMGroupMemberChangeInfoList", json_pack("[o]", change));
        group_push(env, op->group_id, "onMemberInfoChanged", body, NULL);
    }
    json_decref(who);
    finish(op, ERR_OK, NULL, NULL);
}

/* Whether the actor may make the change `m` to a member whose role is `target`; the reason in
 * *why when not. */
static err_t member_change_allowed(const gop_t *op, const gop_member_t *m, group_role_t target,
                                   const char **why)
{
    bool self = strcmp(m->user, op->user) == 0;
    err_t err = ERR_OK;
    *why = "no permission";
    if (m->given & GOP_M_ROLE) {
        err = group_rule_set_admin(op->type, op->role, target);
        *why = group_rules(op->type)->has_admins ? "only the owner sets admins"
                                                 : "this group type has no admins";
    }
    if (err == ERR_OK && (m->given & GOP_M_MUTE)) {
        err = group_rule_mute(op->type, op->role, target);
        *why = "may not mute this member";
    }
    if (err == ERR_OK && (m->given & (GOP_M_NAME_CARD | GOP_M_CUSTOM))) {
        err = group_rule_member_info(op->type, op->role, target, self);
        *why = "may not change this member's profile";
    }
    if (err == ERR_OK && (m->given & GOP_M_MSG_FLAG) && !self && !op->app_admin) {
        err = ERR_GROUP_PERMISSION;
        *why = "only the member sets its MsgFlag";
    }
    return err;
}

/* The store's `fields` object of a member change (store/group.h names). */
static json_t *member_store_fields(const gop_member_t *m)
{
    json_t *f = json_object();
    if (m->given & GOP_M_ROLE)
        json_object_set_new(f, "role", json_string(group_role_rest((group_role_t)m->role)));
    if (m->given & GOP_M_NAME_CARD)
        json_object_set_new(f, "name_card", json_string(m->name_card));
    if (m->custom)
        json_object_set(f, "custom", m->custom);
    if (m->given & GOP_M_MSG_FLAG)
        json_object_set_new(f, "msg_flag", json_string(group_msg_flag_from_recv_opt(m->msg_flag)));
    if (m->given & GOP_M_MUTE)
        json_object_set_new(
            f, "mute_until",
            json_integer(m->mute_seconds > 0 ? (json_int_t)time(NULL) + m->mute_seconds : 0));
    return f;
}

static void do_member(gop_t *op)
{
    const gop_member_t *m = &op->member;
    store_group_target_t t = ctx_target(op, 0);
    if (t.member == NULL) {
        fail(op, ERR_GROUP_PERMISSION, "the user is not a member of the group");
        return;
    }
    const char *why;
    err_t err = member_change_allowed(op, m, target_role(&t), &why);
    if (err != ERR_OK) {
        fail(op, err, why);
        return;
    }
    json_t *fields = member_store_fields(m);
    char *fields_json = dumps(fields);
    json_decref(fields);
    store_group_member_update(
        env_of(op)->db, op->group_id, m->user, fields_json, GROUP_MEMBER_CUSTOM_KEYS_MAX,
        (m->given & GOP_M_MSG_FLAG) ? m->msg_flag : -1,
        hook_of(op, STORE_WEBHOOK_GROUP_AFTER_MEMBER_FIELD, NULL), on_member_updated, op);
    xfree(fields_json);
}

static void on_muted(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    json_t *muted = res->muted, *v;
    if (json_array_size(muted) > 0) {
        json_int_t secs = (json_int_t)op->req.seconds;
        json_t *changes = json_array();
        size_t i;
        json_array_foreach(muted, i, v)
            json_array_append_new(changes, json_pack("{s:O, s:I}", "userID", v, "muteTime", secs));
        json_t *body = event_body(op);
        json_object_set(body, "v2TIMGroupMemberChangeInfoList", changes);
        group_push(env_of(op), op->group_id, "onMemberInfoChanged", body, NULL);
        tip(op, TIP_MEMBER_INFO, muted, json_pack("{s:o}", "memberChangeInfoList", changes));
    }
    finish(op, ERR_OK, NULL, &(gop_result_t){.muted = json_incref(muted)});
}

static void do_mute(gop_t *op)
{
    if (group_rule_mute_all(op->type, op->role) != ERR_OK) {
        fail(op, ERR_GROUP_PERMISSION,
             group_rules(op->type)->mute_min == GROUP_ROLE_NONE
                 ? "members of this group type cannot be muted"
                 : "may not mute members of this group");
        return;
    }
    json_t *users = json_array();
    for (size_t i = 0; i < op->c.n_targets; i++) {
        store_group_target_t t = ctx_target(op, i);
        if (t.member && group_rule_mute(op->type, op->role, target_role(&t)) == ERR_OK)
            json_array_append_new(users, json_string(t.user));
    }
    json_int_t secs = (json_int_t)op->req.seconds;
    char *users_json = dumps(users);
    json_decref(users);
    store_group_mute(env_of(op)->db, op->group_id, users_json,
                     secs > 0 ? (int64_t)time(NULL) + secs : 0, on_muted, op);
    xfree(users_json);
}

static void on_transferred(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    if (!res->done) {
        fail(op, ERR_GROUP_PARAM, "the new owner must be a member of the group");
        return;
    }
    tell_info_changed(op, json_pack("[{s:i, s:s}]", "type", CHANGE_OWNER, "value", op->req.user));
    finish(op, ERR_OK, NULL, NULL);
}

static void do_transfer(gop_t *op)
{
    store_group_target_t t = ctx_target(op, 0);
    if (!rules_of(op)->transfer_allowed) {
        fail(op, ERR_GROUP_PERMISSION, "this group type has a fixed owner");
        return;
    }
    if (t.member == NULL) {
        fail(op, ERR_GROUP_PARAM, "the new owner must be a member of the group");
        return;
    }
    /* An ownerless group (a Work group whose owner left) gets an owner from an app admin. */
    if (group_rule_transfer(op->type, op->role, target_role(&t)) != ERR_OK) {
        fail(op, ERR_GROUP_PERMISSION, "only the owner transfers the group");
        return;
    }
    store_group_transfer(env_of(op)->db, op->group_id, op->req.user, (int64_t)time(NULL),
                         hook_of(op, STORE_WEBHOOK_GROUP_AFTER_CHANGE_OWNER, NULL), on_transferred,
                         op);
}

static void tell_applicant(gop_t *op, bool agreed)
{
    json_t *body = event_body(op);
    json_object_set_new(body, "opUser", op_user(op));
    json_object_set_new(body, "isAgreeJoin", json_boolean(agreed));
    json_object_set_new(body, "opReason", json_string(op->req.reason ? op->req.reason : ""));
    push_user(env_of(op), op->req.user, "onApplicationProcessed", body, 0);
}

static void on_accepted(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!one_added(op, err, res, ERR_GROUP_HANDLED))
        return;
    const api_env_t *env = env_of(op);
    group_members_changed(env, op->group_id);
    tell_applicant(op, true);
    json_t *who = json_pack("[s]", op->req.user);
    bool invite = op->req.invitation;
    json_t *body = event_body(op);
    json_object_set_new(body, "memberList", member_refs(who));
    if (invite)
        json_object_set_new(body, "opUser", op_user(op));
    group_push(env, op->group_id, invite ? "onMemberInvited" : "onMemberEnter", body, NULL);
    tip(op, invite ? TIP_INVITE : TIP_JOIN, who,
        json_pack("{s:I}", "memberCount", res->member_count));
    json_decref(who);
    finish(op, ERR_OK, NULL, NULL);
}

static void on_refused(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    if (!res->found) {
        fail(op, ERR_GROUP_HANDLED, NULL);
        return;
    }
    tell_applicant(op, false);
    finish(op, ERR_OK, NULL, NULL);
}

static void do_application(gop_t *op)
{
    if (group_rule_handle_application(op->type, op->role) != ERR_OK) {
        fail(op, ERR_GROUP_PERMISSION, "only the owner and admins handle applications");
        return;
    }
    const api_env_t *env = env_of(op);
    const char *user = op->req.user, *kind = op->req.invitation ? "invite" : "apply";
    if (op->kind == GOP_REFUSE) {
        store_group_application_drop(env->db, op->group_id, user, kind, on_refused, op);
        return;
    }
    const group_type_rules_t *r = rules_of(op);
    json_t *list = json_pack("[{s:s}]", "user", user);
    char *list_json = dumps(list);
    json_decref(list);
    store_group_add_t a = {
        .group_id = op->group_id,
        .users_json = list_json,
        .now = (int64_t)time(NULL),
        .application = kind,
        .views = r->stores_history,
        .pre_join_visible = group_rule_pre_join_visible(op->type, op->c.group.history_before_join),
        .enforce_max = true,
        .msg_flag = r->default_msg_flag,
        .recv_opt = group_msg_flag_to_recv_opt(r->default_msg_flag),
    };
    store_group_add(env->db, &a,
                    hook_of(op, STORE_WEBHOOK_GROUP_AFTER_NEW_MEMBER_JOIN,
                            strcmp(kind, "invite") == 0 ? "Invited" : "Apply"),
                    on_accepted, op);
    xfree(list_json);
}

static void on_attrs(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    const char *st = res->status;
    if (strcmp(st, "ok") != 0) {
        bool many = strcmp(st, "too_many") == 0;
        char detail[96];
        if (many)
            snprintf(detail, sizeof detail, "at most %d attributes", GROUP_ATTR_KEYS_MAX);
        else
            snprintf(detail, sizeof detail, "at most %d bytes of keys and values",
                     GROUP_ATTR_TOTAL_MAX);
        fail(op, many ? ERR_GROUP_ATTR_COUNT : ERR_GROUP_ATTR_SIZE, detail);
        return;
    }
    json_t *attrs = res->attrs;
    json_t *body = event_body(op);
    json_object_set(body, "groupAttributeMap", attrs);
    group_push(env_of(op), op->group_id, "onGroupAttributeChanged", body, NULL);
    finish(op, ERR_OK, NULL, &(gop_result_t){.attrs = json_incref(attrs)});
}

static void do_attrs(gop_t *op)
{
    if (op->role == GROUP_ROLE_NONE) {
        fail(op, ERR_GROUP_PERMISSION, "not a member of the group");
        return;
    }
    static const char *const modes[] = {[GOP_ATTRS_INIT] = "init",
                                        [GOP_ATTRS_SET] = "set",
                                        [GOP_ATTRS_DELETE] = "delete",
                                        [GOP_ATTRS_CLEAR] = "clear"};
    const json_t *data = op->req.data;
    char *data_json = data ? dumps(data) : NULL;
    store_group_attrs_write(env_of(op)->db, op->group_id, modes[op->req.mode], data_json,
                            GROUP_ATTR_KEYS_MAX, GROUP_ATTR_TOTAL_MAX,
                            hook_of(op, STORE_WEBHOOK_GROUP_AFTER_ATTR_CHANGED, NULL), on_attrs,
                            op);
    xfree(data_json);
}

/* onMemberMarkChanged {groupID, memberIDList, markType, enableMark}, one per mark that changed
 * (marked is ordered by mark). */
static void push_marks(gop_t *op, const json_t *marked)
{
    size_t i = 0;
    while (i < json_array_size(marked)) {
        json_t *mark = json_array_get(json_array_get(marked, i), 1), *users = json_array();
        for (; i < json_array_size(marked); i++) {
            json_t *pair = json_array_get(marked, i);
            if (!json_equal(json_array_get(pair, 1), mark))
                break;
            json_array_append(users, json_array_get(pair, 0));
        }
        json_t *body = event_body(op);
        json_object_set_new(body, "memberIDList", users);
        json_object_set(body, "markType", mark);
        json_object_set_new(body, "enableMark", json_boolean(op->req.mode != 0));
        group_push(env_of(op), op->group_id, "onMemberMarkChanged", body, NULL);
    }
}

static void on_marked(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = arg;
    if (!group_found(op, err, res))
        return;
    if (strcmp(res->status, "marks_full") == 0) {
        fail(op, ERR_GROUP_PARAM, "a group holds at most 10 different member marks");
        return;
    }
    if (strcmp(res->status, "mark_full") == 0) {
        fail(op, ERR_GROUP_PARAM, "a member mark is on at most 1000 members");
        return;
    }
    push_marks(op, res->results);
    finish(
        op, ERR_OK, NULL,
        &(gop_result_t){.marked = json_incref(res->results), .missing = json_incref(res->missing)});
}

/* Marks (or unmarks) AVChatRoom members: the owner's and app admins' right. */
static void do_mark(gop_t *op)
{
    if (op->type != GROUP_AVCHATROOM) {
        fail(op, ERR_GROUP_PERMISSION, "member marks are for AVChatRoom groups");
        return;
    }
    if (op->role != GROUP_ROLE_OWNER && op->role != GROUP_ROLE_APP_ADMIN) {
        fail(op, ERR_GROUP_PERMISSION, "only the group owner or an app admin marks members");
        return;
    }
    char *pairs = dumps(op->req.data);
    store_group_mark(env_of(op)->db, op->group_id, pairs, op->req.mode != 0, GROUP_MARKS_MAX,
                     GROUP_MARK_MEMBERS_MAX, on_marked, op);
    xfree(pairs);
}

/* ---- the context step ---- */

static void load(gop_t *op, const char *group_id, json_t *targets);

/* The users a gop_run() request names (its targets): a JSON array. */
static json_t *targets_of(const gop_t *op)
{
    if (op->kind == GOP_MARK) {
        json_t *users = json_array(), *pair;
        size_t i;
        json_array_foreach(op->req.data, i, pair) json_array_append(users, json_array_get(pair, 0));
        return users;
    }
    if (op->kind == GOP_MEMBER)
        return json_pack("[s]", op->member.user);
    if (op->req.users)
        return user_ids(op->req.users);
    return op->req.user ? json_pack("[s]", op->req.user) : NULL;
}

/* Muting or marking a live room's viewers needs rows to hold the mute and the marks: the
 * targets (accounts; for marks, viewers here) get plain member rows first, when the actor may
 * do it at all. */
static bool needs_enrol(const gop_t *op)
{
    if (op->type != GROUP_AVCHATROOM || op->enrolled)
        return false;
    if (op->kind == GOP_MUTE || (op->kind == GOP_MEMBER && (op->member.given & GOP_M_MUTE)))
        return group_rule_mute_all(op->type, op->role) == ERR_OK;
    if (op->kind == GOP_MARK)
        return op->role == GROUP_ROLE_OWNER || op->role == GROUP_ROLE_APP_ADMIN;
    return false;
}

static void on_enrolled(err_t err, json_t *doc, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    if (json_array_size(json_object_get(doc, "enrolled")) > 0)
        group_members_changed(env_of(op), op->group_id);
    char *group_id = xstrdup(op->group_id);
    xfree(op->group_id);
    json_decref(op->ctx);
    op->ctx = NULL;
    load(op, group_id, targets_of(op)); /* again, with the new rows */
    xfree(group_id);
}

static void enrol(gop_t *op)
{
    op->enrolled = true;
    json_t *users = targets_of(op);
    /* Marks are for those watching (on this node); a mute holds for anyone. */
    for (size_t i = json_array_size(users); op->kind == GOP_MARK && i-- > 0;)
        if (!router_room_has(env_of(op)->router, op->group_id,
                             json_string_value(json_array_get(users, i))))
            json_array_remove(users, i);
    char *users_json = users ? dumps(users) : xstrdup("[]");
    json_decref(users);
    store_avroom_enrol(env_of(op)->db, op->group_id, users_json, (int64_t)time(NULL), on_enrolled,
                       op);
    xfree(users_json);
}

static void on_ctx(err_t err, const store_group_res_t *res, void *arg)
{
    gop_t *op = op_if_ok(err, arg);
    if (op == NULL)
        return;
    op->ctx = json_incref(res->doc);
    if (!store_group_ctx_view(res, &op->c) || !group_type_parse(op->c.group.type, &op->type)) {
        fail(op, ERR_GROUP_NOT_FOUND, NULL);
        return;
    }
    op->role = op->app_admin     ? GROUP_ROLE_APP_ADMIN
               : op->c.is_member ? group_role_parse(op->c.actor.role)
                                 : GROUP_ROLE_NONE;
    if (op->type == GROUP_AVCHATROOM && op->role == GROUP_ROLE_NONE &&
        router_room_has(env_of(op)->router, op->group_id, op->user)) {
        op->role = GROUP_ROLE_MEMBER;
        op->viewer = true;
    }
    if (needs_enrol(op)) {
        enrol(op);
        return;
    }
    switch (op->kind) {
    case GOP_JOIN:
        do_join(op);
        break;
    case GOP_QUIT:
        do_quit(op);
        break;
    case GOP_ADD:
        do_add(op);
        break;
    case GOP_KICK:
        do_kick(op);
        break;
    case GOP_DISMISS:
        do_dismiss(op);
        break;
    case GOP_MODIFY:
        do_modify(op);
        break;
    case GOP_MEMBER:
        do_member(op);
        break;
    case GOP_MUTE:
        do_mute(op);
        break;
    case GOP_TRANSFER:
        do_transfer(op);
        break;
    case GOP_ACCEPT:
    case GOP_REFUSE:
        do_application(op);
        break;
    case GOP_ATTRS:
        do_attrs(op);
        break;
    case GOP_MARK:
        do_mark(op);
        break;
    case GOP_CREATE: /* creation loads no context */
        assert(!"gop_create loads no context");
        fail(op, ERR_INTERNAL, NULL);
        break;
    }
}

/* Loads the context (the group, the actor, the targets: a JSON array or NULL, stolen), then
 * runs the op's kind. */
static void load(gop_t *op, const char *group_id, json_t *targets)
{
    op->group_id = xstrdup(group_id);
    char *targets_json = targets ? dumps(targets) : NULL;
    json_decref(targets);
    store_group_ctx(op->call->env->db, group_id, op->user, targets_json, on_ctx, op);
    xfree(targets_json);
}

void gop_run(api_call_t *call, gop_kind_t kind, const gop_actor_t *actor, const char *group_id,
             gop_req_t *req, gop_done_fn done)
{
    gop_t *op = op_new(call, kind, actor, done);
    op->req = *req;
    memset(req, 0, sizeof *req);
    /* The targets whose roles and accounts the rules need. */
    load(op, group_id, op->kind == GOP_MARK ? NULL : targets_of(op));
}

void gop_modify(api_call_t *call, const gop_actor_t *actor, const char *group_id, gop_profile_t *p,
                gop_done_fn done)
{
    gop_t *op = op_new(call, GOP_MODIFY, actor, done);
    op->change = *p;
    memset(p, 0, sizeof *p);
    load(op, group_id, NULL);
}

void gop_member(api_call_t *call, const gop_actor_t *actor, const char *group_id, gop_member_t *m,
                gop_done_fn done)
{
    gop_t *op = op_new(call, GOP_MEMBER, actor, done);
    op->member = *m;
    memset(m, 0, sizeof *m);
    load(op, group_id, json_pack("[s]", op->member.user));
}

/* ---- reads ---- */

err_t gop_may_read(const store_group_ctx_t *c, bool app_admin)
{
    if (!c->found)
        return ERR_GROUP_NOT_FOUND;
    if (!c->is_member && !app_admin)
        return ERR_GROUP_PERMISSION;
    return ERR_OK;
}

/* ---- validation ---- */

static err_t check_custom(const json_t *map, bool member, char *buf, size_t len)
{
    size_t max_keys = member ? GROUP_MEMBER_CUSTOM_KEYS_MAX : GROUP_CUSTOM_KEYS_MAX;
    size_t max_value = member ? GROUP_MEMBER_CUSTOM_VALUE_MAX : GROUP_CUSTOM_VALUE_MAX;
    const char *field = member ? "AppMemberDefinedData" : "AppDefinedData";
    if (!json_is_object(map) || json_object_size(map) > max_keys) {
        snprintf(buf, len, "%s holds at most %zu keys", field, max_keys);
        return ERR_GROUP_PARAM;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v)
    {
        if (!group_custom_key_valid(key, strlen(key))) {
            snprintf(buf, len,
                     "%s key \"%.40s\" must be 1 to %d bytes of [A-Za-z0-9_], not "
                     "starting with a digit",
                     field, key, GROUP_CUSTOM_KEY_MAX);
            return ERR_GROUP_PARAM;
        }
        if (!json_is_string(v) || json_string_length(v) > max_value) {
            snprintf(buf, len, "%s value of %s must be a string of at most %zu bytes", field, key,
                     max_value);
            return ERR_GROUP_PARAM;
        }
    }
    return ERR_OK;
}

err_t gop_check_group_custom(const json_t *map, char *buf, size_t len)
{
    return check_custom(map, false, buf, len);
}

err_t gop_check_member_custom(const json_t *map, char *buf, size_t len)
{
    return check_custom(map, true, buf, len);
}

err_t gop_check_attrs(const json_t *map, char *buf, size_t len)
{
    if (!json_is_object(map)) {
        snprintf(buf, len, "the attributes must be an object of strings");
        return ERR_GROUP_PARAM;
    }
    if (json_object_size(map) > GROUP_ATTR_KEYS_MAX) {
        snprintf(buf, len, "at most %d attributes", GROUP_ATTR_KEYS_MAX);
        return ERR_GROUP_ATTR_COUNT;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v)
    {
        if (!group_attr_key_valid(key, strlen(key))) {
            snprintf(buf, len, "attribute keys are 1 to %d bytes", GROUP_ATTR_KEY_MAX);
            return ERR_GROUP_ATTR_KEY;
        }
        if (!json_is_string(v)) {
            snprintf(buf, len, "attribute %.40s: the value must be a string", key);
            return ERR_GROUP_PARAM;
        }
        if (json_string_length(v) > GROUP_ATTR_VALUE_MAX) {
            snprintf(buf, len, "attribute %.40s: values are at most %d bytes", key,
                     GROUP_ATTR_VALUE_MAX);
            return ERR_GROUP_ATTR_VALUE;
        }
    }
    return ERR_OK;
}

/* ---- joined groups ---- */

/* The REST spellings of the types a joined list leaves out, as a JSON array text (free()). */
static char *joined_hidden(const gop_joined_t *q, bool activation)
{
    json_t *a = json_array();
    for (int k = 0; k < GROUP_TYPE_COUNT; k++) {
        const group_type_rules_t *r = group_rules((group_type_t)k);
        bool asked = q->has_type && q->type == (group_type_t)k;
        bool out = activation ? r->needs_activation && !q->with_inactive
                              : !r->in_joined_list && !q->with_huge && !asked;
        if (out)
            json_array_append_new(a, json_string(r->rest_name));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

void gop_joined(const api_env_t *env, const gop_joined_t *q, store_group_fn cb, void *arg)
{
    char *hidden = joined_hidden(q, false), *inactive = joined_hidden(q, true);
    store_group_joined(env->db, q->user, q->has_type ? group_type_rest(q->type) : NULL, hidden,
                       inactive, q->offset, q->limit, cb, arg);
    free(hidden);
    free(inactive);
}

/* ---- online members ---- */

typedef struct {
    api_call_t *call;
    group_online_fn done;
} online_ctx_t;

static void on_presence(const router_presence_t *users, size_t n, bool known, void *arg)
{
    online_ctx_t *o = arg;
    json_int_t online = 0;
    for (size_t i = 0; i < n; i++)
        online += users[i].n > 0;
    o->done(o->call, online);
    xfree(o);
}

void group_count_online(api_call_t *call, const json_t *members, group_online_fn done)
{
    size_t n = json_array_size(members);
    const char **ids = xcalloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = json_string_value(json_array_get(members, i));
    online_ctx_t *o = XNEW(online_ctx_t);
    *o = (online_ctx_t){call, done};
    router_presence_get(call->env->router, ids, n, on_presence, o);
    xfree(ids);
}
