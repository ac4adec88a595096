/* Live rooms and group counters (group/avroom.h). */
#include "api/group/avroom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/group/cache.h"
#include "api/group/ops.h"
#include "api/group/rules.h"
#include "config/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/avroom.h"
#include "store/group.h"

typedef struct {
    api_call_t *call;
    avroom_done_fn done;
    char *group_id;
    char *caller;
    json_t *users;
    json_t *data;
    counter_op_t op;
    bool grant; /* admins: set (else unset) */
    int64_t offset, limit;
    msg_group_t m; /* broadcast: pointers into body/ccd/from below */
    json_t *body;
    char *ccd, *from;
    size_t rooms;
} job_t;

static job_t *job_new(api_call_t *call, const char *group_id, avroom_done_fn done)
{
    job_t *j = XNEW(job_t);
    j->call = call;
    j->done = done;
    j->group_id = group_id ? xstrdup(group_id) : NULL;
    return j;
}

static void job_end(job_t *j, err_t err, const char *detail, json_t *result)
{
    j->done(j->call, err, detail, result);
    xfree(j->group_id);
    xfree(j->caller);
    json_decref(j->users);
    json_decref(j->data);
    json_decref(j->body);
    xfree(j->ccd);
    xfree(j->from);
    xfree(j);
}

static char *dumps(const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy = xstrdup(text);
    free(text);
    return copy;
}

/* The document's group is there and a live room; false after ending the job. */
static bool room_found(job_t *j, err_t err, const json_t *doc)
{
    if (err != ERR_OK) {
        job_end(j, err, NULL, NULL);
        return false;
    }
    if (!json_is_true(json_object_get(doc, "found"))) {
        job_end(j, ERR_GROUP_NOT_FOUND, NULL, NULL);
        return false;
    }
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (type == NULL || strcmp(type, group_type_rest(GROUP_AVCHATROOM)) != 0) {
        job_end(j, ERR_GROUP_PERMISSION, "this API is for AVChatRoom groups", NULL);
        return false;
    }
    return true;
}

/* ---- bans ---- */

static void on_banned(err_t err, json_t *doc, void *arg)
{
    job_t *j = arg;
    if (!room_found(j, err, doc))
        return;
    const api_env_t *env = j->call->env;
    size_t i;
    json_t *v;
    json_array_foreach(j->users, i, v)
    {
        const char *u = json_string_value(v);
        router_room_leave(env->router, j->group_id, u);
        json_t *body = json_pack("{s:s, s:{s:s}, s:[{s:s}]}", "groupID", j->group_id, "opUser",
                                 "userID", j->call->identifier, "memberList", "userID", u);
        router_frame_t *f = router_frame_from_json("onMemberKicked", body);
        router_push_user(env->router, u, f, 0);
        router_frame_unref(f);
    }
    job_end(j, ERR_OK, NULL, NULL);
}

void avroom_ban(api_call_t *call, const char *group_id, json_t *users, int64_t seconds,
                const char *description, avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->users = users;
    char *users_json = dumps(users);
    store_avroom_ban(call->env->db, group_id, users_json, (int64_t)time(NULL) + seconds,
                     description ? description : "", on_banned, j);
    xfree(users_json);
}

static void on_unbanned(err_t err, json_t *doc, void *arg)
{
    job_t *j = arg;
    if (room_found(j, err, doc))
        job_end(j, ERR_OK, NULL, NULL);
}

void avroom_unban(api_call_t *call, const char *group_id, json_t *users, avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->users = users;
    char *users_json = dumps(users);
    store_avroom_unban(call->env->db, group_id, users_json, on_unbanned, j);
    xfree(users_json);
}

static void on_bans(err_t err, json_t *doc, void *arg)
{
    job_t *j = arg;
    if (!room_found(j, err, doc))
        return;
    json_t *bans = json_object_get(doc, "bans");
    json_int_t next = json_is_true(json_object_get(doc, "more"))
                          ? (json_int_t)(j->offset + (int64_t)json_array_size(bans))
                          : 0;
    job_end(j, ERR_OK, NULL, json_pack("{s:O, s:I}", "bans", bans, "next_offset", next));
}

void avroom_bans(api_call_t *call, const char *group_id, int64_t offset, int64_t limit,
                 avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->offset = offset;
    store_avroom_bans(call->env->db, group_id, (int64_t)time(NULL), offset, limit, on_bans, j);
}

/* ---- admins ---- */

static void on_admins_set(err_t err, json_t *doc, void *arg)
{
    job_t *j = arg;
    if (!room_found(j, err, doc))
        return;
    if (json_is_true(json_object_get(doc, "full"))) {
        job_end(j, ERR_GROUP_PARAM, "an AVChatRoom has at most 5 admins", NULL);
        return;
    }
    json_t *changed = json_object_get(doc, "changed"), *refs = json_array(), *v;
    size_t i;
    json_array_foreach(changed, i, v) json_array_append_new(refs, json_pack("{s:O}", "userID", v));
    if (json_array_size(changed) > 0) {
        group_members_changed(j->call->env, j->group_id);
        group_push(j->call->env, j->group_id,
                   j->grant ? "onGrantAdministrator" : "onRevokeAdministrator",
                   json_pack("{s:s, s:{s:s}, s:O}", "groupID", j->group_id, "opUser", "userID",
                             j->call->identifier, "memberList", refs),
                   NULL);
    }
    json_decref(refs);
    job_end(j, ERR_OK, NULL, NULL);
}

void avroom_set_admins(api_call_t *call, const char *group_id, json_t *users, bool set,
                       avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->users = users;
    j->grant = set;
    char *users_json = dumps(users);
    store_avroom_admins(call->env->db, group_id, users_json, set, AVROOM_ADMINS_MAX,
                        (int64_t)time(NULL), on_admins_set, j);
    xfree(users_json);
}

static void on_admin_list(err_t err, json_t *doc, void *arg)
{
    job_t *j = arg;
    if (room_found(j, err, doc))
        job_end(j, ERR_OK, NULL, json_pack("{s:O}", "admins", json_object_get(doc, "admins")));
}

void avroom_admins(api_call_t *call, const char *group_id, avroom_done_fn done)
{
    store_avroom_admin_list(call->env->db, group_id, on_admin_list, job_new(call, group_id, done));
}

/* ---- broadcast ---- */

static void on_room_sent(err_t err, const msg_sent_t *sent, void *arg)
{
    char *group = arg;
    if (err != ERR_OK)
        log_warn("group %s: broadcast not delivered: %s", group, err_text(err_code(err, NULL)));
    xfree(group);
}

static void on_rooms(err_t err, const store_group_res_t *res, void *arg)
{
    job_t *j = arg;
    if (err != ERR_OK) {
        job_end(j, err, NULL, NULL);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(res->ids, i, v)
    {
        msg_group_t m = j->m;
        m.group_id = json_string_value(v);
        msg_group_send(j->call->env, &m, on_room_sent, xstrdup(m.group_id));
        j->rooms++;
    }
    if (json_array_size(res->ids) == GROUP_APPID_LIST_MAX) {
        j->offset += GROUP_APPID_LIST_MAX;
        store_group_all(j->call->env->db, group_type_rest(GROUP_AVCHATROOM), j->offset,
                        GROUP_APPID_LIST_MAX, on_rooms, j);
        return;
    }
    job_end(j, ERR_OK, NULL, json_pack("{s:I}", "rooms", (json_int_t)j->rooms));
}

void avroom_broadcast(api_call_t *call, const msg_group_t *m, avroom_done_fn done)
{
    job_t *j = job_new(call, NULL, done);
    j->body = json_deep_copy(m->body);
    j->ccd = m->cloud_custom_data ? xstrdup(m->cloud_custom_data) : NULL;
    j->from = xstrdup(m->sender);
    j->m = *m;
    j->m.body = j->body;
    j->m.cloud_custom_data = j->ccd;
    j->m.sender = j->from;
    j->m.trusted = true;
    j->m.online_only = true;
    j->m.deliver = true;
    j->m.no_before_hook = true;
    j->m.platform = j->m.client_ip = NULL;
    j->m.targets = j->m.at_users = NULL;
    store_group_all(call->env->db, group_type_rest(GROUP_AVCHATROOM), 0, GROUP_APPID_LIST_MAX,
                    on_rooms, j);
}

/* ---- who is watching ---- */

static bool is_room(const char *type)
{
    group_type_t t = GROUP_WORK;
    return type && group_type_parse(type, &t) && t == GROUP_AVCHATROOM;
}

/* Runs next(j, type, members, n) once the group is known to exist (from the member cache). */
typedef void (*with_group_fn)(job_t *j, const char *type, char **members, size_t n);

typedef struct {
    job_t *j;
    with_group_fn next;
} with_t;

static void on_group(const api_env_t *unused, bool found, const char *type, char **members,
                     const int *opts, size_t n, void *arg)
{
    with_t w = *(with_t *)arg;
    xfree(arg);
    if (!found) {
        job_end(w.j, ERR_GROUP_NOT_FOUND, NULL, NULL);
        return;
    }
    w.next(w.j, type, members, n);
}

static void with_group(job_t *j, with_group_fn next)
{
    with_t *w = XNEW(with_t);
    *w = (with_t){j, next};
    group_cache_get(j->call->env->groups, j->group_id, on_group, w);
}

/* The caller may see the group's live state: an app admin, a member or a viewer here. */
static bool may_see(const job_t *j, char **members, size_t n)
{
    const api_env_t *env = j->call->env;
    return j->caller == NULL || config_is_admin(env->cfg, j->caller) ||
           group_is_member(members, n, j->caller) ||
           router_room_has(env->router, j->group_id, j->caller);
}

static void viewers_of(job_t *j, const char *type, char **members, size_t n)
{
    if (!is_room(type)) {
        job_end(j, ERR_GROUP_PERMISSION, "online member lists are for AVChatRoom groups", NULL);
        return;
    }
    router_viewer_t *all = xcalloc(AVROOM_VIEWERS_KEPT, sizeof *all);
    size_t got = router_room_viewers(j->call->env->router, j->group_id, all, AVROOM_VIEWERS_KEPT);
    json_t *list = json_array();
    json_int_t next = 0;
    for (size_t i = 0; i < got; i++) {
        if (j->offset > 0 && all[i].join_ms >= j->offset)
            continue;
        if (json_array_size(list) == AVROOM_VIEWERS_PAGE) {
            next = (json_int_t)all[i - 1].join_ms;
            break;
        }
        json_array_append_new(list, json_pack("{s:s, s:I}", "user", all[i].user, "join_ms",
                                              (json_int_t)all[i].join_ms));
    }
    xfree(all);
    job_end(j, ERR_OK, NULL, json_pack("{s:o, s:I}", "viewers", list, "next", next));
}

void avroom_viewers(api_call_t *call, const char *group_id, int64_t before_ms, avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->offset = before_ms;
    with_group(j, viewers_of);
}

static void check_of(job_t *j, const char *type, char **members, size_t n)
{
    if (!is_room(type)) {
        job_end(j, ERR_GROUP_PERMISSION, "check_members is for AVChatRoom groups", NULL);
        return;
    }
    json_t *present = json_array(), *v;
    size_t i;
    json_array_foreach(j->users, i, v)
    {
        const char *u = json_string_value(v);
        if (group_is_member(members, n, u) || router_room_has(j->call->env->router, j->group_id, u))
            json_array_append(present, v);
    }
    job_end(j, ERR_OK, NULL, json_pack("{s:o}", "present", present));
}

void avroom_check(api_call_t *call, const char *group_id, json_t *users, avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->users = users;
    with_group(j, check_of);
}

static void on_room_counted(size_t count, bool known, void *arg)
{
    job_end(arg, ERR_OK, NULL, json_pack("{s:I}", "count", (json_int_t)count));
}

static void on_members_counted(api_call_t *call, json_int_t online)
{
    job_t *j = call->state;
    call->state = NULL;
    job_end(j, ERR_OK, NULL, json_pack("{s:I}", "count", online));
}

static void online_of(job_t *j, const char *type, char **members, size_t n)
{
    if (!may_see(j, members, n)) {
        job_end(j, ERR_GROUP_PERMISSION, "not a member of the group", NULL);
        return;
    }
    if (is_room(type)) {
        router_room_count(j->call->env->router, j->group_id, on_room_counted, j);
        return;
    }
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(members[i]));
    j->call->state = j;
    group_count_online(j->call, ids, on_members_counted);
    json_decref(ids);
}

void avroom_online(api_call_t *call, const char *group_id, const char *caller, avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->caller = caller ? xstrdup(caller) : NULL;
    with_group(j, online_of);
}

/* ---- group counters ---- */

static bool key_ok(const char *k)
{
    size_t len = strlen(k);
    return len >= 1 && len <= COUNTER_KEY_MAX;
}

err_t counter_check(counter_op_t op, const json_t *data, char *detail, size_t len)
{
    if (op == COUNTER_GET || op == COUNTER_DELETE) {
        if (data == NULL)
            return ERR_OK;
        if (!json_is_array(data) || json_array_size(data) == 0) {
            snprintf(detail, len, "the keys must be a non-empty array of strings");
            return ERR_GROUP_PARAM;
        }
        if (json_array_size(data) > COUNTER_KEYS_MAX) {
            snprintf(detail, len, "at most %d counter keys", COUNTER_KEYS_MAX);
            return ERR_GROUP_COUNTER_KEYS;
        }
        size_t i;
        json_t *v;
        json_array_foreach(data, i, v) if (!json_is_string(v) || !key_ok(json_string_value(v)))
        {
            snprintf(detail, len, "counter keys are strings of 1 to %d bytes", COUNTER_KEY_MAX);
            return ERR_GROUP_PARAM;
        }
        return ERR_OK;
    }
    if (!json_is_object(data) || json_object_size(data) == 0) {
        snprintf(detail, len, "the counters must be a non-empty object of integers");
        return ERR_GROUP_PARAM;
    }
    if (json_object_size(data) > COUNTER_KEYS_MAX) {
        snprintf(detail, len, "at most %d counter keys", COUNTER_KEYS_MAX);
        return ERR_GROUP_COUNTER_KEYS;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)data, k, v)
    {
        if (!key_ok(k)) {
            snprintf(detail, len, "counter keys are 1 to %d bytes", COUNTER_KEY_MAX);
            return ERR_GROUP_PARAM;
        }
        if (!json_is_integer(v) || (op != COUNTER_SET && json_integer_value(v) < 0)) {
            snprintf(detail, len, "counter %.40s: %s", k,
                     op == COUNTER_SET ? "the value must be an integer"
                                       : "the step must be an integer of 0 or more");
            return ERR_GROUP_PARAM;
        }
    }
    return ERR_OK;
}

/* onGroupCounterChanged {groupID, key, newValue}, one per changed key. */
static void push_counters(job_t *j, const json_t *counters)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)counters, k, v) group_push(
        j->call->env, j->group_id, "onGroupCounterChanged",
        json_pack("{s:s, s:s, s:O}", "groupID", j->group_id, "key", k, "newValue", v), NULL);
}

static void on_counters(err_t err, json_t *doc, void *arg)
{
    job_t *j = arg;
    if (err != ERR_OK) {
        job_end(j, err, NULL, NULL);
        return;
    }
    if (!json_is_true(json_object_get(doc, "found"))) {
        job_end(j, ERR_GROUP_NOT_FOUND, NULL, NULL);
        return;
    }
    if (json_is_true(json_object_get(doc, "full"))) {
        job_end(j, ERR_GROUP_COUNTER_KEYS, "a group holds at most 20 counters", NULL);
        return;
    }
    json_t *counters = json_object();
    if (j->op == COUNTER_DELETE) {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(doc, "deleted"), i, v)
            json_object_set_new(counters, json_string_value(v), json_integer(0));
    } else {
        json_object_update(counters, json_object_get(doc, "counters"));
    }
    if (j->op != COUNTER_GET)
        push_counters(j, counters);
    job_end(j, ERR_OK, NULL, json_pack("{s:o}", "counters", counters));
}

static void counter_submit(job_t *j, const char *type, char **members, size_t n)
{
    if (!may_see(j, members, n)) {
        job_end(j, ERR_GROUP_PERMISSION, "not a member of the group", NULL);
        return;
    }
    db_pool_t *db = j->call->env->db;
    char *data = j->data ? dumps(j->data) : NULL;
    switch (j->op) {
    case COUNTER_GET:
        store_counter_get(db, j->group_id, data, on_counters, j);
        break;
    case COUNTER_DELETE:
        store_counter_delete(db, j->group_id, data, on_counters, j);
        break;
    case COUNTER_SET:
    case COUNTER_INCREASE:
    case COUNTER_DECREASE: {
        static const store_counter_mode_t modes[] = {[COUNTER_SET] = STORE_COUNTER_SET,
                                                     [COUNTER_INCREASE] = STORE_COUNTER_INCREASE,
                                                     [COUNTER_DECREASE] = STORE_COUNTER_DECREASE};
        store_counter_update(db, j->group_id, modes[j->op], data, COUNTER_KEYS_MAX, on_counters, j);
        break;
    }
    }
    xfree(data);
}

void counter_run(api_call_t *call, counter_op_t op, const char *group_id, const char *caller,
                 json_t *data, avroom_done_fn done)
{
    job_t *j = job_new(call, group_id, done);
    j->caller = caller ? xstrdup(caller) : NULL;
    j->op = op;
    j->data = data;
    with_group(j, counter_submit);
}
