/* Group messages: the single send path, tips, pushes to members, and the member cache. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/conversation.h"
#include "api/group.h"
#include "api/msgbody.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/webhook.h"

#define AT_MAX 30
#define TARGETS_MAX 50
#define CACHE_BUCKETS 1024
/* Conversation-change pushes are skipped for groups with more online members than this: their
 * clients follow onRecvNewMessage instead of one list row per member per message. */
#define NOTIFY_MEMBERS_MAX 200
#define AT_ALL "__kImSDK_MesssageAtALL__"

/* ---- the member cache ---- */

typedef struct waiter {
    void (*fn)(const api_env_t *env, bool found, const char *type, char **members, const int *opts,
               size_t n, void *arg);
    void *arg;
    struct waiter *next;
} waiter_t;

typedef struct entry {
    char *group_id;
    char *type;
    char **members;
    int *opts; /* each member's receive option for this group */
    size_t n;
    bool loading;
    bool stale; /* changed while loading: do not keep the result */
    waiter_t *waiters;
    struct group_cache *cache;
    struct entry *next;
} entry_t;

struct group_cache {
    const api_env_t *env;
    entry_t *buckets[CACHE_BUCKETS];
};

static unsigned bucket_of(const char *id)
{
    return hash_str(id) % CACHE_BUCKETS;
}

static entry_t **find_slot(struct group_cache *c, const char *group_id)
{
    entry_t **pp = &c->buckets[bucket_of(group_id)];
    while (*pp && strcmp((*pp)->group_id, group_id) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void entry_free(entry_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        xfree(e->members[i]);
    xfree(e->members);
    xfree(e->opts);
    xfree(e->type);
    xfree(e->group_id);
    xfree(e);
}

group_cache_t *group_cache_new(const api_env_t *env)
{
    group_cache_t *c = XNEW(group_cache_t);
    c->env = env;
    return c;
}

void group_cache_free(group_cache_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        entry_t *e = c->buckets[i];
        while (e) {
            entry_t *next = e->next;
            /* A load still in flight owns its entry (it was failed by the pool already). */
            if (!e->loading)
                entry_free(e);
            e = next;
        }
    }
    xfree(c);
}

typedef void (*cache_fn)(const api_env_t *env, bool found, const char *type, char **members,
                         const int *opts, size_t n, void *arg);

static void on_loaded(err_t err, bool found, const char *type, const store_ids_t *ids,
                      const int *opts, void *arg)
{
    entry_t *e = arg;
    bool ok = err == ERR_OK && found;
    if (ok) {
        e->type = xstrdup(type);
        e->members = xcalloc(ids->n ? ids->n : 1, sizeof(char *));
        e->opts = xcalloc(ids->n ? ids->n : 1, sizeof(int));
        for (size_t i = 0; i < ids->n; i++) {
            e->members[i] = xstrdup(ids->ids[i]);
            e->opts[i] = opts[i];
        }
        e->n = ids->n;
    }
    /* Waiters may ask for this group again (they join the list) or change it (stale). */
    while (e->waiters) {
        waiter_t *w = e->waiters;
        e->waiters = NULL;
        while (w) {
            waiter_t *next = w->next;
            w->fn(NULL, ok, e->type, e->members, e->opts, e->n, w->arg);
            xfree(w);
            w = next;
        }
    }
    e->loading = false;
    if (!ok || e->stale) {
        entry_t **slot = find_slot(e->cache, e->group_id);
        if (*slot == e)
            *slot = e->next;
        entry_free(e);
    }
}

/* Calls fn with the group's members, from the cache or after one load (several callers of the
 * same group share it). fn's env argument is unused (NULL); callers keep their own. */
static void cache_get(group_cache_t *c, const char *group_id, cache_fn fn, void *arg)
{
    entry_t **slot = find_slot(c, group_id);
    entry_t *e = *slot;
    if (e && !e->loading) {
        fn(NULL, true, e->type, e->members, e->opts, e->n, arg);
        return;
    }
    waiter_t *w = XNEW(waiter_t);
    w->fn = fn;
    w->arg = arg;
    if (e) {
        /* In arrival order: two sends waiting for the same load keep their order. */
        waiter_t **tail = &e->waiters;
        while (*tail)
            tail = &(*tail)->next;
        *tail = w;
        return;
    }
    e = XNEW(entry_t);
    e->group_id = xstrdup(group_id);
    e->cache = c;
    e->loading = true;
    e->waiters = w;
    *slot = e;
    store_group_fanout(c->env->db, group_id, on_loaded, e);
}

void group_members_changed(const api_env_t *env, const char *group_id)
{
    entry_t **slot = find_slot(env->groups, group_id);
    entry_t *e = *slot;
    if (e == NULL)
        return;
    *slot = e->next;
    e->next = NULL;
    if (e->loading)
        e->stale = true; /* on_loaded frees it */
    else
        entry_free(e);
}

static bool is_member(char **members, size_t n, const char *user)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(members[i], user) == 0)
            return true;
    return false;
}

/* ---- pushes ---- */

/* Pushes one frame to the given members (and `also`), skipping connection `skip`. Returns how
 * many members have sessions here. */
static size_t push_members(const api_env_t *env, char **members, size_t n, router_frame_t *f,
                           uint64_t skip, const char *also)
{
    size_t online = 0;
    for (size_t i = 0; i < n; i++)
        online += router_push_user(env->router, members[i], f, skip) > 0;
    if (also && !is_member(members, n, also))
        router_push_user(env->router, also, f, skip);
    return online;
}

typedef struct {
    const api_env_t *env;
    router_frame_t *frame;
    char *also;
} push_ctx_t;

static void on_push_members(const api_env_t *unused, bool found, const char *type, char **members,
                            const int *opts, size_t n, void *arg)
{
    push_ctx_t *p = arg;
    if (found)
        push_members(p->env, members, n, p->frame, 0, p->also);
    else if (p->also)
        router_push_user(p->env->router, p->also, p->frame, 0);
    router_frame_unref(p->frame);
    xfree(p->also);
    xfree(p);
}

void group_push(const api_env_t *env, const char *group_id, const char *event, json_t *body,
                const char *also)
{
    push_ctx_t *p = XNEW(push_ctx_t);
    p->env = env;
    p->frame = router_frame_from_json(event, body);
    p->also = also ? xstrdup(also) : NULL;
    cache_get(env->groups, group_id, on_push_members, p);
}

/* ---- sending ---- */

typedef struct {
    const api_env_t *env;
    msg_group_t m; /* pointers below are owned copies */
    char *sender, *group_id, *body_text, *ccd, *priority, *targets, *ats, *platform, *client_ip;
    json_t *targets_json, *ats_json;
    char msg_id[33];
    msg_sent_fn cb;
    void *arg;
    msg_sent_t sent;
    bool before_done; /* Group.CallbackBeforeSendMsg answered (or not wanted) */
} gsend_t;

static void gsend_free(gsend_t *g)
{
    xfree(g->sender);
    xfree(g->group_id);
    free(g->body_text);
    xfree(g->ccd);
    xfree(g->priority);
    xfree(g->platform);
    xfree(g->client_ip);
    free(g->targets);
    free(g->ats);
    json_decref(g->targets_json);
    json_decref(g->ats_json);
    xfree(g);
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
        .flags = g->m.need_read_receipt ? STORE_MSG_F_RECEIPT : 0,
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
        if (strcmp(u, AT_ALL) == 0 || strcmp(u, member) == 0)
            return true;
    }
    return false;
}

static void fan_out(const api_env_t *env, gsend_t *g, char **members, const int *opts, size_t n)
{
    json_t *body = json_pack("{s:o}", "message", group_message_json(g, &g->sent));
    router_frame_t *f = router_frame_from_json("onRecvNewMessage", body);
    char **to = xcalloc(n + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool targeted = g->targets_json == NULL || strcmp(members[i], g->sender) == 0;
        size_t t;
        json_t *v;
        json_array_foreach(g->targets_json, t, v) if (strcmp(json_string_value(v), members[i]) == 0)
            targeted = true;
        if (targeted && wants(g, members[i], opts ? opts[i] : 0))
            to[k++] = members[i];
    }
    size_t online = push_members(env, to, k, f, g->m.origin_conn, NULL);
    router_frame_unref(f);
    if (g->sent.seq != 0 && online <= NOTIFY_MEMBERS_MAX) {
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
        fan_out(g->env, g, members, opts, n);
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
    case STORE_MSG_NO_RECEIVER:
    case STORE_MSG_NO_SENDER:
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
        g->cb(err, NULL, g->arg);
        gsend_free(g);
        return;
    }
    g->sent = (msg_sent_t){.seq = r->seq,
                           .msg_id = r->msg_id,
                           .ts = r->ts,
                           .random = g->m.random,
                           .duplicate = r->duplicate};
    g->cb(ERR_OK, &g->sent, g->arg);
    if (!r->duplicate && !g->m.tip && g->m.deliver &&
        api_hook_on(g->env, STORE_WEBHOOK_GROUP_AFTER_SEND))
        api_hook_poke(g->env);
    /* msg_id points into the writer's result: keep our own copy for the fan-out. */
    snprintf(g->msg_id, sizeof g->msg_id, "%s", r->msg_id);
    g->sent.msg_id = g->msg_id;
    if (r->duplicate || !g->m.deliver) {
        gsend_free(g);
        return;
    }
    cache_get(g->env->groups, g->group_id, on_fanout_members, g);
}

static void store_group_message(gsend_t *g)
{
    char hash[33], *conv = xasprintf("g:%s", g->group_id);
    msg_content_hash(g->body_text, g->ccd, hash);
    int flags = (g->m.need_read_receipt ? STORE_MSG_F_RECEIPT : 0) |
                (g->m.no_unread || g->m.tip || g->targets_json ? STORE_MSG_F_NO_UNREAD : 0) |
                (g->targets_json ? STORE_MSG_F_TARGETED : 0) | (g->m.tip ? STORE_MSG_F_TIP : 0);
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
    };
    /* Tips and imported history are no sends of a member: they fire no after-send event. */
    if (!g->m.tip && g->m.deliver && api_hook_on(g->env, STORE_WEBHOOK_GROUP_AFTER_SEND)) {
        sm.hook_platform = store_webhook_platform(g->platform, STORE_WEBHOOK_GROUP_AFTER_SEND);
        sm.hook_client_ip = g->client_ip ? g->client_ip : "";
    }
    store_msg_submit(g->env->msgs, &sm, on_group_stored, g);
    xfree(conv);
}

/* Online-only messages and AVChatRoom: no store; the member list decides. */
static void on_group_checked(const api_env_t *unused, bool found, const char *type, char **members,
                             const int *opts, size_t n, void *arg);

/* The app's replacement MsgBody / CloudCustomData, when well-formed; a malformed one is
 * ignored (the message goes as sent) and logged. */
static void apply_replacement(gsend_t *g, const json_t *reply)
{
    const json_t *mb = json_object_get(reply, "MsgBody");
    const json_t *ccd = json_object_get(reply, "CloudCustomData");
    char detail[256];
    if (mb == NULL && ccd == NULL)
        return;
    json_t *body = mb ? json_deep_copy(mb) : json_loads(g->body_text, 0, NULL);
    err_t err = msgbody_validate(body, detail, sizeof detail);
    if (err == ERR_OK && ccd)
        err = msgbody_validate_cloud_custom_data(ccd, msgbody_size(body), detail, sizeof detail);
    if (err != ERR_OK) {
        log_warn("webhook: Group.CallbackBeforeSendMsg answer ignored for %s in %s: %s", g->sender,
                 g->group_id, detail);
        json_decref(body);
        return;
    }
    if (mb) {
        free(g->body_text);
        g->body_text = json_dumps(body, JSON_COMPACT);
    }
    if (ccd) {
        xfree(g->ccd);
        g->ccd = xstrdup(json_string_value(ccd));
    }
    json_decref(body);
}

static void on_before(const api_before_result_t *r, void *arg)
{
    gsend_t *g = arg;
    msg_sent_t sent = {0, g->msg_id, g->m.ts, g->m.random, false, NULL};
    switch (r->verdict) {
    case API_BEFORE_REFUSE:
        sent.detail = r->info;
        g->cb((err_t)r->code, &sent, g->arg);
        gsend_free(g);
        return;
    case API_BEFORE_DROP:
        g->cb(ERR_OK, &sent, g->arg);
        gsend_free(g);
        return;
    case API_BEFORE_ALLOW:
        if (r->reply)
            apply_replacement(g, r->reply);
        /* The members may have changed while the app thought: look again. */
        cache_get(g->env->groups, g->group_id, on_group_checked, g);
        return;
    }
}

/* Group.CallbackBeforeSendMsg: MsgSeq and MsgTime do not exist yet. */
static void ask_before(gsend_t *g, const char *type)
{
    const api_env_t *env = g->env;
    store_webhook_origin_t o = {
        store_webhook_platform(g->platform, STORE_WEBHOOK_GROUP_BEFORE_SEND),
        g->client_ip ? g->client_ip : ""};
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:o, s:s}", "GroupId", g->group_id, "Type", type,
                  "From_Account", g->sender, "Operator_Account", g->sender, "Random",
                  (json_int_t)g->m.random, "OnlineOnlyFlag", g->m.online_only ? 1 : 0, "MsgBody",
                  json_loads(g->body_text, 0, NULL), "CloudCustomData", g->ccd ? g->ccd : "");
    env->hooks->before(env->hooks->ctx, STORE_WEBHOOK_GROUP_BEFORE_SEND, &o, body, on_before, g);
}

static void on_group_checked(const api_env_t *unused, bool found, const char *type, char **members,
                             const int *opts, size_t n, void *arg)
{
    gsend_t *g = arg;
    err_t err = ERR_OK;
    if (!found)
        err = ERR_GROUP_NOT_FOUND;
    else if (!g->m.trusted && !is_member(members, n, g->sender))
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
    if (!g->m.online_only && strcmp(type, "AVChatRoom") != 0) {
        /* Meeting groups keep history but have no unread counts. */
        g->m.no_unread = g->m.no_unread || strcmp(type, "ChatRoom") == 0;
        store_group_message(g);
        return;
    }
    g->m.online_only = true;
    g->sent = (msg_sent_t){.msg_id = g->msg_id, .ts = g->m.ts, .random = g->m.random};
    g->cb(ERR_OK, &g->sent, g->arg);
    fan_out(g->env, g, members, opts, n);
    gsend_free(g);
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
        json_array_append_new(out, json_string(strcmp(u, AT_ALL) == 0 ? "" : u));
    }
    return out;
}

static err_t check_lists(const msg_group_t *m)
{
    const json_t *lists[] = {m->at_users, m->targets};
    const size_t max[] = {AT_MAX, TARGETS_MAX};
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
    g->m.body = NULL;
    g->m.targets = NULL;
    g->m.at_users = NULL;
    if (g->m.ts == 0)
        g->m.ts = (int64_t)time(NULL);
    msg_new_id(g->msg_id);
    cache_get(env->groups, g->group_id, on_group_checked, g);
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
