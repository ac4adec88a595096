/* Group messages: the single send path, tips, pushes to members, and the member cache. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/conv/conv.h"
#include "api/group/cache.h"
#include "api/group/rules.h"
#include "api/limit.h"
#include "api/message/body.h"
#include "api/push/push.h"
#include "config/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/stats.h"
#include "store/webhook.h"

/* ---- sending ---- */

typedef struct {
    const api_env_t *env;
    msg_group_t m;    /* pointers below are owned copies */
    char *members_of; /* whose members and type apply: the community of a topic, else group_id */
    char *sender, *group_id, *body_text, *ccd, *priority, *targets, *ats, *platform, *client_ip;
    json_t *targets_json, *ats_json;
    json_t *push_info; /* a copy, or NULL */
    bool pushed;       /* notifications may have been queued: poke the push dispatcher */
    char msg_id[33];
    msg_sent_fn cb;
    void *arg;
    msg_sent_t sent;
    int64_t committed_us; /* the stored message's commit (mono_us()); 0: not stored */
    bool before_done;     /* Group.CallbackBeforeSendMsg answered (or not wanted) */
} gsend_t;

static void gsend_free(gsend_t *g)
{
    xfree(g->sender);
    xfree(g->group_id);
    xfree(g->members_of);
    free(g->body_text);
    xfree(g->ccd);
    xfree(g->priority);
    xfree(g->platform);
    xfree(g->client_ip);
    free(g->targets);
    free(g->ats);
    json_decref(g->targets_json);
    json_decref(g->ats_json);
    json_decref(g->push_info);
    xfree(g);
}

/* The stored message's flags (store/message.h). */
static int message_flags(const gsend_t *g)
{
    return (g->m.need_read_receipt ? STORE_MSG_F_RECEIPT : 0) |
           (g->m.no_unread || g->m.tip || g->targets_json ? STORE_MSG_F_NO_UNREAD : 0) |
           (g->targets_json ? STORE_MSG_F_TARGETED : 0) | (g->m.tip ? STORE_MSG_F_TIP : 0) |
           (g->m.extension ? STORE_MSG_F_EXTENSION : 0);
}

static json_t *group_message_json(const gsend_t *g, const msg_sent_t *sent)
{
    store_msg_row_t row = {
        .conv_key = NULL,
        .seq = sent->seq,
        .sender = g->sender,
        .random = sent->random,
        .msg_id = sent->msg_id,
        .ts = sent->ts,
        .body = g->body_text,
        .cloud_custom_data = g->ccd,
        .flags = message_flags(g),
    };
    char *conv = xasprintf("g:%s", g->group_id);
    row.conv_key = conv;
    json_t *m = msg_to_json(&row, g->sender);
    xfree(conv);
    json_object_del(m, "isSelf");
    json_object_del(m, "isPeerRead");
    json_object_set_new(m, "priority", json_string(g->priority ? g->priority : "Normal"));
    if (g->ats_json)
        json_object_set(m, "groupAtUserList", g->ats_json);
    if (g->targets_json)
        json_object_set(m, "receiverList", g->targets_json);
    if (g->m.online_only)
        json_object_set_new(m, "onlineUserOnly", json_true());
    return m;
}

/* Receive options 1 (receive nothing) and 4 (only @ messages) keep a member out of a push. */
static bool wants(const gsend_t *g, const char *member, int opt)
{
    if (opt == 1)
        return false;
    if (opt != 4)
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(g->ats_json, i, v)
    {
        const char *u = json_string_value(v);
        if (strcmp(u, GROUP_AT_ALL) == 0 || strcmp(u, member) == 0)
            return true;
    }
    return false;
}

/* A live room's messages go to whoever watches it, on every node; receive options and targets
 * do not apply there. */
static bool is_room(const char *type)
{
    group_type_t t = GROUP_WORK;
    return type && group_type_parse(type, &t) && t == GROUP_AVCHATROOM;
}

/* The sender may speak: a member, or a viewer of the live room here. */
static bool may_send(const gsend_t *g, const char *type, char **members, size_t n)
{
    return group_is_member(members, n, g->sender) ||
           (is_room(type) && router_room_has(g->env->router, g->group_id, g->sender));
}

/* Whether the message reaches `user`: everyone, or the members its targets list names. */
static bool is_target(const gsend_t *g, const char *user)
{
    if (g->targets_json == NULL)
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(g->targets_json, i,
                       v) if (strcmp(json_string_value(v), user) == 0) return true;
    return false;
}

static void fan_out(const api_env_t *env, gsend_t *g, const char *type, char **members,
                    const int *opts, size_t n)
{
    json_t *body = json_pack("{s:o}", "message", group_message_json(g, &g->sent));
    router_frame_t *f = router_frame_from_json("onRecvNewMessage", body);
    router_frame_set_committed(f, g->committed_us);
    if (is_room(type)) {
        size_t reached = router_room_push(env->router, g->group_id, f, g->m.origin_conn);
        if (!g->m.tip)
            stats_add(STATS_GROUP_DOWN, (int64_t)reached);
        router_frame_unref(f);
        return;
    }
    char **to = xcalloc(n + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool targeted = strcmp(members[i], g->sender) == 0 || is_target(g, members[i]);
        if (targeted && wants(g, members[i], opts ? opts[i] : 0))
            to[k++] = members[i];
    }
    size_t online = group_push_members(env, to, k, f, g->m.origin_conn, NULL);
    if (!g->m.tip)
        stats_add(STATS_GROUP_DOWN, (int64_t)online);
    router_frame_unref(f);
    if (g->sent.seq != 0 && online <= GROUP_NOTIFY_MEMBERS_MAX) {
        char *conv = xasprintf("g:%s", g->group_id);
        for (size_t i = 0; i < k; i++)
            conv_notify_message(env->conv_notify, to[i], conv);
        xfree(conv);
    }
    xfree(to);
}

static void on_fanout_members(const api_env_t *unused, bool found, const char *type, char **members,
                              const int *opts, size_t n, void *arg)
{
    gsend_t *g = arg;
    if (found)
        fan_out(g->env, g, type, members, opts, n);
    gsend_free(g);
}

static err_t status_err(store_msg_status_t st)
{
    switch (st) {
    case STORE_MSG_OK:
        return ERR_OK;
    case STORE_MSG_NO_GROUP:
        return ERR_GROUP_NOT_FOUND;
    case STORE_MSG_NOT_MEMBER:
        return ERR_GROUP_PERMISSION;
    case STORE_MSG_MUTED:
        return ERR_GROUP_MUTED;
    case STORE_MSG_NO_MERGED:
        return ERR_MSGBODY_FORMAT;
    case STORE_MSG_NO_RECEIVER: /* one-to-one statuses: never for a group message */
    case STORE_MSG_NO_SENDER:
    case STORE_MSG_BLOCKED:
    case STORE_MSG_NOT_FRIENDS:
    case STORE_MSG_NOT_PEERS_FRIEND:
    case STORE_MSG_PEER_NOT_FRIEND:
        break;
    }
    return ERR_INTERNAL;
}

static void on_group_stored(err_t err, const store_msg_result_t *r, void *arg)
{
    gsend_t *g = arg;
    if (err == ERR_OK)
        err = status_err(r->status);
    if (err != ERR_OK) {
        g->cb(err, msg_store_failure(r), g->arg);
        gsend_free(g);
        return;
    }
    g->sent = (msg_sent_t){.seq = r->seq,
                           .msg_id = r->msg_id,
                           .ts = r->ts,
                           .random = g->m.random,
                           .duplicate = r->duplicate};
    g->committed_us = r->committed_us;
    if (!r->duplicate && !g->m.tip && g->m.deliver)
        stats_message(g->sender, g->group_id);
    g->cb(ERR_OK, &g->sent, g->arg);
    if (!r->duplicate && !g->m.tip && g->m.deliver &&
        api_hook_on(g->env, STORE_WEBHOOK_GROUP_AFTER_SEND))
        api_hook_poke(g->env);
    if (!r->duplicate && g->pushed)
        g->env->push->poke(g->env->push->ctx);
    /* msg_id points into the writer's result: keep our own copy for the fan-out. */
    snprintf(g->msg_id, sizeof g->msg_id, "%s", r->msg_id);
    g->sent.msg_id = g->msg_id;
    if (r->duplicate || !g->m.deliver) {
        gsend_free(g);
        return;
    }
    group_cache_get(g->env->groups, g->members_of, on_fanout_members, g);
}

/* The offline push a stored group message queues, for the members (targets of a targeted
 * message) other than the sender with no session in the foreground here, in a group whose type
 * notifies (AcceptAndNotify); NULL: none. */
static char *push_json(const gsend_t *g, const group_type_rules_t *rules, char **members, size_t n)
{
    if (!push_on(g->env) || g->m.tip || !g->m.deliver ||
        strcmp(rules->default_msg_flag, "AcceptAndNotify") != 0)
        return NULL;
    json_t *to = json_array();
    for (size_t i = 0; i < n; i++)
        if (strcmp(members[i], g->sender) != 0 && is_target(g, members[i]) &&
            !router_user_foreground(g->env->router, members[i]))
            json_array_append_new(to, json_string(members[i]));
    if (json_array_size(to) == 0) { /* everyone is in the foreground: nothing to build */
        json_decref(to);
        return NULL;
    }
    json_t *body = json_loads(g->body_text, 0, NULL);
    json_t *ats = g->ats ? json_loads(g->ats, 0, NULL) : NULL;
    char *spec = push_spec(g->env, body, g->push_info, g->group_id, to, ats);
    json_decref(ats);
    json_decref(body);
    json_decref(to);
    return spec;
}

static void store_group_message(gsend_t *g, const group_type_rules_t *rules, char **members,
                                size_t n)
{
    char hash[33], *mergers, *conv = xasprintf("g:%s", g->group_id);
    msg_content_hash(g->body_text, g->ccd, hash); /* of the message as sent: resends match */
    msgbody_to_stored(&g->body_text, &mergers);
    int flags = message_flags(g);
    store_msg_t sm = {
        .conv_key = conv,
        .sender = g->sender,
        .random = g->m.random,
        .hash = hash,
        .msg_id = g->msg_id,
        .ts = g->m.ts,
        .body = g->body_text,
        .cloud_custom_data = g->ccd,
        .flags = flags,
        .trusted = g->m.trusted,
        .group_id = g->group_id,
        .targets_json = g->targets,
        .ats_json = g->ats,
        .mergers_json = mergers,
    };
    char *push = push_json(g, rules, members, n);
    g->pushed = push != NULL;
    sm.push_json = push;
    /* Tips and imported history are no sends of a member: they fire no after-send event. */
    if (!g->m.tip && g->m.deliver && api_hook_on(g->env, STORE_WEBHOOK_GROUP_AFTER_SEND)) {
        sm.hook_platform = store_webhook_platform(g->platform, STORE_WEBHOOK_GROUP_AFTER_SEND);
        sm.hook_client_ip = g->client_ip ? g->client_ip : "";
    }
    store_msg_submit(g->env->msgs, &sm, on_group_stored, g);
    free(push);
    free(mergers);
    xfree(conv);
}

/* Online-only messages and AVChatRoom: no store; the member list decides. */
static void on_group_checked(const api_env_t *unused, bool found, const char *type, char **members,
                             const int *opts, size_t n, void *arg);

static void on_before(const api_before_result_t *r, void *arg)
{
    gsend_t *g = arg;
    msg_sent_t sent = {0, g->msg_id, g->m.ts, g->m.random, false, NULL};
    msg_draft_t d = {"Group.CallbackBeforeSendMsg", g->sender, g->group_id, &g->body_text, &g->ccd};
    if (msg_before_answered(r, &sent, g->cb, g->arg, &d)) {
        gsend_free(g);
        return;
    }
    /* The members may have changed while the app thought: look again. */
    group_cache_get(g->env->groups, g->members_of, on_group_checked, g);
}

/* Group.CallbackBeforeSendMsg: MsgSeq and MsgTime do not exist yet. */
static void ask_before(gsend_t *g, const char *type)
{
    const api_env_t *env = g->env;
    store_webhook_origin_t o = {
        store_webhook_platform(g->platform, STORE_WEBHOOK_GROUP_BEFORE_SEND),
        g->client_ip ? g->client_ip : ""};
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:o, s:s}", "GroupId", g->members_of, "Type",
                  type, "From_Account", g->sender, "Operator_Account", g->sender, "Random",
                  (json_int_t)g->m.random, "OnlineOnlyFlag", g->m.online_only ? 1 : 0, "MsgBody",
                  json_loads(g->body_text, 0, NULL), "CloudCustomData", g->ccd ? g->ccd : "");
    if (strcmp(g->members_of, g->group_id) != 0)
        json_object_set_new(body, "TopicId", json_string(g->group_id));
    env->hooks->before(env->hooks->ctx, STORE_WEBHOOK_GROUP_BEFORE_SEND, &o, body, on_before, g);
}

/* An unstored message: answered at once, then pushed to the online members. */
static void send_online(gsend_t *g, const char *type, char **members, const int *opts, size_t n)
{
    g->sent = (msg_sent_t){.msg_id = g->msg_id, .ts = g->m.ts, .random = g->m.random};
    g->cb(ERR_OK, &g->sent, g->arg);
    if (!g->m.tip)
        stats_message(g->sender, g->group_id);
    fan_out(g->env, g, type, members, opts, n);
    gsend_free(g);
}

static void on_online_members(const api_env_t *unused, bool found, const char *type, char **members,
                              const int *opts, size_t n, void *arg)
{
    gsend_t *g = arg;
    if (!found || !may_send(g, type, members, n)) {
        g->cb(found ? ERR_GROUP_PERMISSION : ERR_GROUP_NOT_FOUND, NULL, g->arg);
        gsend_free(g);
        return;
    }
    send_online(g, type, members, opts, n);
}

/* Answers (and frees) a send whose mute check failed or found the sender muted. */
static bool mute_refused(gsend_t *g, err_t err, bool muted)
{
    if (err == ERR_OK && muted)
        err = ERR_GROUP_MUTED;
    if (err == ERR_OK)
        return false;
    g->cb(err, NULL, g->arg);
    gsend_free(g);
    return true;
}

static void on_online_muted(err_t err, bool muted, void *arg)
{
    gsend_t *g = arg;
    if (!mute_refused(g, err, muted))
        group_cache_get(g->env->groups, g->members_of, on_online_members, g);
}

/* A live room's message stored by avchatroom_store_messages = on, once its sender may speak. */
static void on_room_muted(err_t err, bool muted, void *arg)
{
    gsend_t *g = arg;
    if (mute_refused(g, err, muted))
        return;
    g->m.trusted = true;
    store_group_message(g, group_rules(GROUP_AVCHATROOM), NULL, 0); /* viewers are online */
}

static void on_group_checked(const api_env_t *unused, bool found, const char *type, char **members,
                             const int *opts, size_t n, void *arg)
{
    gsend_t *g = arg;
    err_t err = ERR_OK;
    if (!found)
        err = ERR_GROUP_NOT_FOUND;
    else if (!g->m.trusted && !may_send(g, type, members, n))
        err = ERR_GROUP_PERMISSION;
    if (err != ERR_OK) {
        g->cb(err, NULL, g->arg);
        gsend_free(g);
        return;
    }
    if (!g->before_done) {
        g->before_done = true;
        if (!g->m.tip && g->m.deliver && !g->m.no_before_hook &&
            api_hook_on(g->env, STORE_WEBHOOK_GROUP_BEFORE_SEND)) {
            ask_before(g, type);
            return;
        }
    }
    group_type_t t = GROUP_WORK;
    group_type_parse(type, &t);
    const group_type_rules_t *rules = group_rules(t);
    bool room_kept = is_room(type) && g->env->cfg->avchatroom_store_messages;
    if (!g->m.online_only && (rules->stores_history || room_kept)) {
        g->m.no_unread = g->m.no_unread || !rules->counts_unread;
        if (room_kept && !g->m.trusted) {
            /* Viewers have no member row for the writer to check: the mute check runs here,
             * then the message is stored as the app's. */
            store_group_sender_muted(g->env->db, g->group_id, g->sender, (int64_t)time(NULL),
                                     on_room_muted, g);
            return;
        }
        store_group_message(g, rules, members, n);
        return;
    }
    g->m.online_only = true;
    if (g->m.trusted) {
        send_online(g, type, members, opts, n);
        return;
    }
    /* Not stored, so the writer's mute check does not run: ask for it, then look at the
     * members again (they may have changed meanwhile). */
    store_group_sender_muted(g->env->db, g->members_of, g->sender, (int64_t)time(NULL),
                             on_online_muted, g);
}

/* Converts the @ list: the @all marker becomes "" (the store's spelling). */
static json_t *at_list(const json_t *ats)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ats, i, v)
    {
        const char *u = json_string_value(v);
        json_array_append_new(out, json_string(strcmp(u, GROUP_AT_ALL) == 0 ? "" : u));
    }
    return out;
}

static err_t check_lists(const msg_group_t *m)
{
    const json_t *lists[] = {m->at_users, m->targets};
    const size_t max[] = {GROUP_AT_MAX, GROUP_TARGETS_MAX};
    for (int k = 0; k < 2; k++) {
        if (lists[k] == NULL)
            continue;
        if (!json_is_array(lists[k]) || json_array_size(lists[k]) == 0)
            return ERR_GROUP_PARAM;
        if (json_array_size(lists[k]) > max[k])
            return k == 0 ? ERR_GROUP_AT_TOO_MANY : ERR_GROUP_TOO_MANY;
        size_t i;
        json_t *v;
        json_array_foreach(lists[k], i, v) if (!json_is_string(v)) return ERR_GROUP_PARAM;
    }
    return m->at_users && m->targets ? ERR_GROUP_PARAM : ERR_OK;
}

void msg_group_send(const api_env_t *env, const msg_group_t *m, msg_sent_fn cb, void *arg)
{
    err_t err = check_lists(m);
    if (err == ERR_OK && m->origin_conn)
        err = api_limit_send(env, m->sender, true);
    if (err != ERR_OK) {
        cb(err, NULL, arg);
        return;
    }
    gsend_t *g = XNEW(gsend_t);
    g->env = env;
    g->m = *m;
    g->cb = cb;
    g->arg = arg;
    g->sender = xstrdup(m->sender);
    g->group_id = xstrdup(m->group_id);
    char community[GROUP_TOPIC_ID_MAX + 1];
    g->members_of = xstrdup(
        group_topic_split(m->group_id, community, sizeof community) ? community : m->group_id);
    g->body_text = json_dumps(m->body, JSON_COMPACT);
    g->ccd = m->cloud_custom_data ? xstrdup(m->cloud_custom_data) : NULL;
    g->priority = m->priority ? xstrdup(m->priority) : NULL;
    g->platform = m->platform ? xstrdup(m->platform) : NULL;
    g->client_ip = m->client_ip ? xstrdup(m->client_ip) : NULL;
    g->m.platform = g->m.client_ip = NULL;
    if (m->targets) {
        g->targets_json = json_deep_copy(m->targets);
        g->targets = json_dumps(m->targets, JSON_COMPACT);
    }
    if (m->at_users) {
        g->ats_json = json_deep_copy(m->at_users);
        json_t *ats = at_list(m->at_users);
        g->ats = json_dumps(ats, JSON_COMPACT);
        json_decref(ats);
    }
    g->push_info = m->push_info ? json_deep_copy(m->push_info) : NULL;
    g->m.push_info = NULL;
    g->m.body = NULL;
    g->m.targets = NULL;
    g->m.at_users = NULL;
    if (g->m.ts == 0)
        g->m.ts = (int64_t)time(NULL);
    msg_new_id(g->msg_id);
    group_cache_get(env->groups, g->members_of, on_group_checked, g);
}

/* ---- tips ---- */

static void on_tip_sent(err_t err, const msg_sent_t *sent, void *arg)
{
    char *group = arg;
    if (err != ERR_OK)
        log_warn("group %s: tips message not stored: %s", group, err_text(err_code(err, NULL)));
    xfree(group);
}

void msg_group_tip(const api_env_t *env, const char *group_id, const char *op_user, json_t *tip)
{
    json_t *body = json_pack("[{s:s, s:o}]", "MsgType", "TIMGroupTipElem", "MsgContent", tip);
    msg_group_t m = {
        .sender = op_user,
        .trusted = true,
        .group_id = group_id,
        .random = msg_random(),
        .body = body,
        .tip = true,
        .deliver = true,
    };
    msg_group_send(env, &m, on_tip_sent, xstrdup(group_id));
    json_decref(body);
}
