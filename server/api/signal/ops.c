/* Signaling (api/signal/signal.h): invite, inviteInGroup, accept, reject, cancel,
 * getSignalingInfo, addInvitedSignaling, and the timeout sweep. */
#include "api/signal/signal.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/group/group.h"
#include "api/message/body.h"
#include "api/message/message.h"
#include "api/valid.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/signal.h"

/* V2TIMSignalingInfo.actionType. */
enum {
    ACTION_INVITE = 1,
    ACTION_CANCEL = 2,
    ACTION_ACCEPT = 3,
    ACTION_REJECT = 4,
    ACTION_TIMEOUT = 5,
    ACTION_MODIFY = 6, /* chatd's number for modifyInvitation's step */
};

/* ---- what every step does: push and store ---- */

/* Pushes `event` with body (borrowed) to each user of `users` but `skip` (one shared frame). */
static void push_all(const api_env_t *env, const json_t *users, const char *skip, const char *event,
                     json_t *body)
{
    router_frame_t *f = router_frame_from_json(event, json_incref(body));
    size_t i;
    const json_t *u;
    json_array_foreach(users, i, u)
    {
        const char *user = json_string_value(u);
        if (user && (skip == NULL || strcmp(user, skip) != 0))
            router_push_user(env->router, user, f, 0);
    }
    router_frame_unref(f);
}

static void push_one(const api_env_t *env, const char *user, const char *event, json_t *body)
{
    json_t *users = json_pack("[s]", user);
    push_all(env, users, NULL, event, body);
    json_decref(users);
}

/* The signaling JSON of a step: what getSignalingInfo gives back from its message. */
static json_t *signaling_info(const json_t *invite, int action, const json_t *invitees,
                              const char *data)
{
    return json_pack("{s:i, s:O, s:O, s:O, s:O, s:s, s:i, s:O}", "businessID", 1, "inviteID",
                     json_object_get(invite, "inviteID"), "inviter",
                     json_object_get(invite, "inviter"), "groupID",
                     json_object_get(invite, "groupID"), "inviteeList", invitees, "data", data,
                     "actionType", action, "timeout", json_object_get(invite, "timeout"));
}

static void on_step_stored(err_t err, const msg_sent_t *sent, void *arg)
{
    if (err != ERR_OK)
        log_warn("signal: step message not stored: %s", err_text(err_code(err, NULL)));
}

/* Stores a step of an invitation that is not online-only as a custom message from `from`: in
 * the group, or to `to`. `trusted`: the sender need not be an account or member any more (the
 * timeout, which nobody sends). */
static void store_step(const api_env_t *env, const json_t *invite, const json_t *info,
                       const char *from, const char *to, bool trusted, const json_t *push_info)
{
    if (json_is_true(json_object_get(invite, "onlineUserOnly")))
        return;
    char *text = json_dumps(info, JSON_COMPACT);
    json_t *body = json_pack("[{s:s, s:{s:s, s:s, s:s}}]", "MsgType", "TIMCustomElem", "MsgContent",
                             "Data", text, "Desc", "", "Ext", "");
    free(text);
    const char *group = json_string_value(json_object_get(invite, "groupID"));
    if (group) {
        msg_group_t m = {.sender = from,
                         .trusted = trusted,
                         .group_id = group,
                         .random = msg_random(),
                         .body = body,
                         .deliver = true};
        msg_group_send(env, &m, on_step_stored, NULL);
    } else {
        msg_c2c_t m = {.sender = from,
                       .trusted = trusted,
                       .receiver = to,
                       .random = msg_random(),
                       .body = body,
                       .deliver = true,
                       .sync_sender = true,
                       .push_info = push_info};
        msg_c2c_send(env, &m, on_step_stored, NULL);
    }
    json_decref(body);
}

/* ---- reading requests ---- */

static bool read_text(api_call_t *call, const char *name, size_t max, bool required,
                      const char **out)
{
    valid_t v = valid_get_text(call->body, name, max, out);
    if (v == VALID_OK && (!required || **out))
        return true;
    if (v == VALID_MISSING && !required) {
        *out = "";
        return true;
    }
    api_fail(call, ERR_SIGNAL_PARAM, "%s must be a string of %s%zu bytes", name,
             required ? "1 to " : "at most ", max);
    return false;
}

/* timeout (seconds, 0 = none) and onlineUserOnly. */
static bool read_options(api_call_t *call, int *timeout, bool *online_only)
{
    long long t = 0;
    valid_t v = valid_get_int(call->body, "timeout", 0, SIGNAL_TIMEOUT_MAX, &t);
    if (v != VALID_OK && v != VALID_MISSING) {
        api_fail(call, ERR_SIGNAL_PARAM, "timeout must be 0 to %d seconds", SIGNAL_TIMEOUT_MAX);
        return false;
    }
    const json_t *o = json_object_get(call->body, "onlineUserOnly");
    if (o && !json_is_boolean(o)) {
        api_fail(call, ERR_SIGNAL_PARAM, "onlineUserOnly must be a boolean");
        return false;
    }
    *timeout = (int)t;
    *online_only = json_is_true(o);
    return true;
}

/* ---- invite, inviteInGroup ---- */

typedef struct {
    char invite_id[33];
    const char *group; /* borrowed from the call's body; NULL: one-to-one */
    json_t *invitees;
    const char *data; /* borrowed from the call's body */
    int timeout;
    bool online_only;
} invite_state_t;

static void invite_state_free(invite_state_t *st)
{
    json_decref(st->invitees);
    xfree(st);
}

static bool invite_refused(api_call_t *call, const json_t *doc, bool group, size_t n)
{
    if (json_is_true(json_object_get(doc, "created")))
        return false;
    if (!group)
        api_fail(call, ERR_C2C_USER_INVALID, "the invitee is not an account");
    else if (!json_is_true(json_object_get(doc, "group")))
        api_fail(call, ERR_GROUP_NOT_FOUND, NULL);
    else if (!json_is_true(json_object_get(doc, "inviter_member")))
        api_fail(call, ERR_GROUP_PERMISSION, "the inviter is not a member of the group");
    else
        api_fail(call, ERR_GROUP_PERMISSION,
                 "every invitee must be a member of the group (%lld of %zu are)",
                 json_integer_value(json_object_get(doc, "members")), n);
    return true;
}

/* The offline push of a one-to-one invitation (Tencent: group invitations push nothing): the
 * request's offlinePushInfo, with Desc "[Call invitation]" and the signaling JSON as Ext where
 * it has none. */
static json_t *invite_push(const json_t *body, const json_t *info)
{
    const json_t *given = json_object_get(body, "offlinePushInfo");
    json_t *push = json_is_object(given) ? json_deep_copy(given) : json_object();
    if (!json_string_value(json_object_get(push, "Desc")) ||
        !*json_string_value(json_object_get(push, "Desc")))
        json_object_set_new(push, "Desc", json_string(SIGNAL_PUSH_DESC));
    if (json_object_get(push, "Ext") == NULL) {
        char *ext = json_dumps(info, JSON_COMPACT);
        json_object_set_new(push, "Ext", json_string(ext));
        free(ext);
    }
    return push;
}

static void on_invited(err_t err, json_t *doc, void *arg)
{
    invite_state_t *st = ((api_call_t *)arg)->state; /* before the call may end */
    api_call_t *call = api_call_if_ok(err, arg);
    const char *group = st->group;
    if (call == NULL || invite_refused(call, doc, group != NULL, json_array_size(st->invitees))) {
        invite_state_free(st);
        return;
    }
    json_t *invite = json_pack("{s:s, s:s, s:s?, s:s, s:i, s:b}", "inviteID", st->invite_id,
                               "inviter", call->identifier, "groupID", group, "data", st->data,
                               "timeout", st->timeout, "onlineUserOnly", st->online_only);
    json_t *event = json_pack("{s:s, s:s, s:s?, s:O, s:s, s:i}", "inviteID", st->invite_id,
                              "inviter", call->identifier, "groupID", group, "inviteeList",
                              st->invitees, "data", st->data, "timeout", st->timeout);
    push_all(call->env, st->invitees, call->identifier, "onReceiveNewInvitation", event);
    json_t *info = signaling_info(invite, ACTION_INVITE, st->invitees, st->data);
    json_t *push = group ? NULL : invite_push(call->body, info);
    store_step(call->env, invite, info, call->identifier,
               json_string_value(json_array_get(st->invitees, 0)), false, push);
    json_decref(push);
    json_decref(info);
    json_decref(event);
    json_decref(invite);
    api_finish(call, json_pack("{s:s}", "inviteID", st->invite_id));
    invite_state_free(st);
}

/* 32 hex digits of the kernel's randomness: not guessable, so nobody acts on another's call. */
static void new_invite_id(char out[33])
{
    unsigned char raw[16];
    rand_bytes(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static void start_invite(api_call_t *call, json_t *invitees, const char *group)
{
    invite_state_t *st = XNEW(invite_state_t);
    st->invitees = invitees;
    st->group = group;
    if (!read_text(call, "data", SIGNAL_DATA_MAX, false, &st->data) ||
        !read_options(call, &st->timeout, &st->online_only)) {
        invite_state_free(st);
        return;
    }
    char detail[200];
    if (msgbody_validate_offline_push(json_object_get(call->body, "offlinePushInfo"), detail,
                                      sizeof detail) != ERR_OK) {
        api_fail(call, ERR_SIGNAL_PARAM, "offlinePushInfo: %s", detail);
        invite_state_free(st);
        return;
    }
    new_invite_id(st->invite_id);
    char *list = json_dumps(invitees, JSON_COMPACT);
    store_signal_invite_t v = {st->invite_id, call->identifier, group,          list,
                               st->data,      st->timeout,      st->online_only};
    call->state = st;
    store_signal_invite(call->env->db, &v, on_invited, call);
    free(list);
}

void api_signal_invite(api_call_t *call)
{
    const char *invitee;
    if (valid_get_user_id(call->body, (const char *const[]){"invitee", "userID", NULL}, &invitee) !=
        VALID_OK) {
        api_fail(call, ERR_SIGNAL_PARAM, "invitee must be a UserID");
        return;
    }
    if (strcmp(invitee, call->identifier) == 0) {
        api_fail(call, ERR_SIGNAL_PARAM, "one cannot invite oneself");
        return;
    }
    start_invite(call, json_pack("[s]", invitee), NULL);
}

/* The list without repeats; false (call failed) when it names the inviter. */
static json_t *distinct_invitees(api_call_t *call, json_t *list)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *u, *seen;
    json_array_foreach(list, i, u)
    {
        bool dup = strcmp(json_string_value(u), call->identifier) == 0;
        json_array_foreach(out, j, seen) dup = dup || json_equal(seen, u);
        if (!dup)
            json_array_append(out, u);
        else if (strcmp(json_string_value(u), call->identifier) == 0) {
            api_fail(call, ERR_SIGNAL_PARAM, "one cannot invite oneself");
            json_decref(out);
            json_decref(list);
            return NULL;
        }
    }
    json_decref(list);
    return out;
}

void api_signal_invite_in_group(api_call_t *call)
{
    const char *group;
    if (valid_get_text(call->body, "groupID", 48, &group) != VALID_OK || !*group) {
        api_fail(call, ERR_SIGNAL_PARAM, "groupID must be a group's ID");
        return;
    }
    api_ids_t spec = {"inviteeList",    SIGNAL_INVITEES_MAX, NULL,     true,
                      ERR_SIGNAL_PARAM, ERR_SIGNAL_PARAM,    "UserIDs"};
    json_t *list = api_read_id_array(call, &spec);
    if (list == NULL || (list = distinct_invitees(call, list)) == NULL)
        return;
    start_invite(call, list, group);
}

/* ---- accept, reject, cancel ---- */

typedef struct {
    const char *invite_id, *data;
} step_t;

static bool read_step(api_call_t *call, step_t *s)
{
    return read_text(call, "inviteID", SIGNAL_ID_MAX, true, &s->invite_id) &&
           read_text(call, "data", SIGNAL_DATA_MAX, false, &s->data);
}

/* 8010 / 8011 for an invitation that is not (or no longer) the caller's to act on. */
static bool step_refused(api_call_t *call, const json_t *doc, const char *who_key, bool acted)
{
    if (!json_is_true(json_object_get(doc, "found"))) {
        api_fail(call, ERR_SIGNAL_INVALID_ID, "no such invitation");
        return true;
    }
    if (!json_is_true(json_object_get(doc, who_key))) {
        api_fail(call, ERR_SIGNAL_NOT_AUTHORIZED, "%s",
                 strcmp(who_key, "inviter") == 0 ? "the caller is not the inviter"
                                                 : "the caller is not invited");
        return true;
    }
    if (!acted) {
        api_fail(call, ERR_SIGNAL_INVALID_ID,
                 "the invitation is no longer waiting (answered, cancelled or timed out)");
        return true;
    }
    return false;
}

static void answered(err_t err, json_t *doc, void *arg, bool accepted)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL ||
        step_refused(call, doc, "invitee", json_is_true(json_object_get(doc, "done"))))
        return;
    const char *data = json_string_value(json_object_get(call->body, "data"));
    data = data ? data : "";
    const json_t *invite = json_object_get(doc, "invite");
    const char *inviter = json_string_value(json_object_get(invite, "inviter"));
    json_t *event = json_pack("{s:O, s:s, s:s}", "inviteID", json_object_get(invite, "inviteID"),
                              "invitee", call->identifier, "data", data);
    /* The inviter and, in a group call, the other invitees hear of it. */
    json_t *told = json_pack("[s]", inviter);
    if (json_is_string(json_object_get(invite, "groupID")))
        json_array_extend(told, json_object_get(doc, "invitees"));
    push_all(call->env, told, call->identifier,
             accepted ? "onInviteeAccepted" : "onInviteeRejected", event);
    json_t *me = json_pack("[s]", call->identifier);
    json_t *info = signaling_info(invite, accepted ? ACTION_ACCEPT : ACTION_REJECT, me, data);
    store_step(call->env, invite, info, call->identifier, inviter, false, NULL);
    json_decref(info);
    json_decref(me);
    json_decref(told);
    json_decref(event);
    api_finish(call, NULL);
}

static void on_accepted(err_t err, json_t *doc, void *arg)
{
    answered(err, doc, arg, true);
}

static void on_rejected(err_t err, json_t *doc, void *arg)
{
    answered(err, doc, arg, false);
}

void api_signal_accept(api_call_t *call)
{
    step_t s;
    if (read_step(call, &s))
        store_signal_answer(call->env->db, s.invite_id, call->identifier, SIGNAL_ACCEPTED,
                            on_accepted, call);
}

void api_signal_reject(api_call_t *call)
{
    step_t s;
    if (read_step(call, &s))
        store_signal_answer(call->env->db, s.invite_id, call->identifier, SIGNAL_REJECTED,
                            on_rejected, call);
}

static void on_cancelled(err_t err, json_t *doc, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    const json_t *cancelled = call ? json_object_get(doc, "cancelled") : NULL;
    if (call == NULL || step_refused(call, doc, "inviter", json_array_size(cancelled) > 0))
        return;
    const char *data = json_string_value(json_object_get(call->body, "data"));
    data = data ? data : "";
    const json_t *invite = json_object_get(doc, "invite");
    json_t *event = json_pack("{s:O, s:s, s:s}", "inviteID", json_object_get(invite, "inviteID"),
                              "inviter", call->identifier, "data", data);
    push_all(call->env, cancelled, NULL, "onInvitationCancelled", event);
    json_t *info = signaling_info(invite, ACTION_CANCEL, cancelled, data);
    store_step(call->env, invite, info, call->identifier,
               json_string_value(json_array_get(cancelled, 0)), false, NULL);
    json_decref(info);
    json_decref(event);
    api_finish(call, NULL);
}

void api_signal_cancel(api_call_t *call)
{
    step_t s;
    if (read_step(call, &s))
        store_signal_cancel(call->env->db, s.invite_id, call->identifier, on_cancelled, call);
}

/* ---- modifyInvitation ---- */

static void on_modified(err_t err, json_t *doc, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    if (json_is_true(json_object_get(doc, "inviter")) &&
        json_is_true(json_object_get(doc, "onlineUserOnly"))) {
        api_fail(call, ERR_SIGNAL_PARAM, "an online-only invitation cannot be modified");
        return;
    }
    if (step_refused(call, doc, "inviter", json_is_true(json_object_get(doc, "done"))))
        return;
    const json_t *invite = json_object_get(doc, "invite"),
                 *waiting = json_object_get(doc, "waiting");
    const char *data = json_string_value(json_object_get(invite, "data"));
    json_t *info = signaling_info(invite, ACTION_MODIFY, waiting, data);
    push_all(call->env, waiting, NULL, "onInvitationModified", info);
    store_step(call->env, invite, info, call->identifier,
               json_string_value(json_array_get(waiting, 0)), false, NULL);
    json_decref(info);
    api_finish(call, NULL);
}

void api_signal_modify(api_call_t *call)
{
    step_t s;
    if (read_step(call, &s))
        store_signal_modify(call->env->db, s.invite_id, call->identifier, s.data, on_modified,
                            call);
}

/* ---- getSignalingInfo, addInvitedSignaling ---- */

/* The signaling JSON a message carries (its first custom element's Data), or NULL. */
static json_t *info_of_message(const json_t *message)
{
    const json_t *body = json_object_get(message, "msgBody"), *elem;
    size_t i;
    json_array_foreach(body, i, elem)
    {
        const char *type = json_string_value(json_object_get(elem, "MsgType"));
        const char *data =
            json_string_value(json_object_get(json_object_get(elem, "MsgContent"), "Data"));
        if (type == NULL || strcmp(type, "TIMCustomElem") != 0 || data == NULL)
            continue;
        json_t *info = json_loads(data, 0, NULL);
        if (json_integer_value(json_object_get(info, "businessID")) == 1 &&
            json_is_string(json_object_get(info, "inviteID")))
            return info;
        json_decref(info);
        return NULL;
    }
    return NULL;
}

void api_signal_get_info(api_call_t *call)
{
    const json_t *message = json_object_get(call->body, "message");
    if (!json_is_object(message)) {
        api_fail(call, ERR_SIGNAL_PARAM, "message must be a message object");
        return;
    }
    json_t *info = info_of_message(message);
    if (info)
        json_object_del(info, "businessID");
    api_finish(call, json_pack("{s:o}", "signalingInfo", info ? info : json_null()));
}

static void on_known(err_t err, json_t *doc, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL || step_refused(call, doc, "invitee", true))
        return;
    json_t *info = json_deep_copy(json_object_get(doc, "invite"));
    json_object_set(info, "inviteeList", json_object_get(doc, "invitees"));
    api_finish(call, json_pack("{s:o}", "signalingInfo", info));
}

void api_signal_add_invited(api_call_t *call)
{
    const json_t *info = json_object_get(call->body, "signalingInfo");
    const char *id = json_string_value(json_object_get(info ? info : call->body, "inviteID"));
    if (id == NULL || !*id || strlen(id) > SIGNAL_ID_MAX) {
        api_fail(call, ERR_SIGNAL_PARAM, "signalingInfo.inviteID must be an invitation's ID");
        return;
    }
    store_signal_get(call->env->db, id, call->identifier, on_known, call);
}

/* ---- the timeout sweep ---- */

struct api_signal {
    const api_env_t *env;
    struct event *timer;
    bool busy; /* a sweep statement is in flight */
};

static void announce_timeout(const api_env_t *env, const json_t *x)
{
    const json_t *timed_out = json_object_get(x, "timed_out"), *u;
    const char *inviter = json_string_value(json_object_get(x, "inviter"));
    json_t *event = json_pack("{s:O, s:O}", "inviteID", json_object_get(x, "inviteID"),
                              "inviteeList", timed_out);
    push_one(env, inviter, "onInvitationTimeout", event);
    size_t i;
    json_array_foreach(timed_out, i, u)
    {
        json_t *own =
            json_pack("{s:O, s:[O]}", "inviteID", json_object_get(x, "inviteID"), "inviteeList", u);
        push_one(env, json_string_value(u), "onInvitationTimeout", own);
        json_decref(own);
    }
    const char *data = json_string_value(json_object_get(x, "data"));
    json_t *info = signaling_info(x, ACTION_TIMEOUT, timed_out, data ? data : "");
    if (json_is_string(json_object_get(x, "groupID"))) {
        store_step(env, x, info, inviter, NULL, true, NULL);
    } else {
        json_array_foreach(timed_out, i, u)
            store_step(env, x, info, inviter, json_string_value(u), true, NULL);
    }
    json_decref(info);
    json_decref(event);
}

static void on_swept(err_t err, json_t *doc, void *arg)
{
    api_signal_t *s = arg;
    s->busy = false;
    if (err != ERR_OK)
        return; /* logged by store/; the next sweep tries again */
    const json_t *expired = json_object_get(doc, "expired"), *x;
    size_t i;
    json_array_foreach(expired, i, x) announce_timeout(s->env, x);
    if (json_array_size(expired) > 0)
        log_debug("signal: %zu invitations timed out", json_array_size(expired));
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    api_signal_t *s = arg;
    if (s->busy)
        return;
    s->busy = true;
    store_signal_expire(s->env->db, on_swept, s);
}

api_signal_t *api_signal_new(const api_env_t *env)
{
    api_signal_t *s = XNEW(api_signal_t);
    s->env = env;
    s->timer = event_new(env->base, -1, EV_PERSIST, on_tick, s);
    struct timeval every = {SIGNAL_SWEEP_MS / 1000, (SIGNAL_SWEEP_MS % 1000) * 1000};
    event_add(s->timer, &every);
    return s;
}

void api_signal_free(api_signal_t *s)
{
    if (s == NULL)
        return;
    event_free(s->timer);
    xfree(s);
}
