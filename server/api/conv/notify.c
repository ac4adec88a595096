/* The conversation notifier: changes gathered in one loop pass, read with one query, pushed;
 * and the sessions' unread-count subscriptions by filter, recounted when a user's
 * conversations change. */
#include "api/conv/conv.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "router/router.h"

/* ---- the notifier ---- */

struct conv_notify {
    const api_env_t *env;
    struct event *flush;
    json_t *pairs;   /* [[user, key], …] gathered this pass */
    json_t *seen;    /* {user\x1fkey: true} to gather each pair once */
    json_t *recount; /* {user: true}: users whose subscriptions to recount this pass */
    json_t *subs;    /* {user: [{id, conn, filter, last}, …]} */
    json_int_t next_id;
};

static void recount_later(conv_notify_t *n, const char *user);
static void on_note(void *arg, const char *user, const char *note);

/* This node's sessions only: each node reads and pushes the rows of the users it holds. */
static void on_pushed(err_t err, const store_conv_t *rows, size_t n, void *arg)
{
    const api_env_t *env = arg;
    if (err != ERR_OK)
        return; /* a missed push is recovered by the client's next list fetch */
    for (size_t i = 0; i < n; i++) {
        json_t *body =
            json_pack("{s:[o]}", "conversationList", conv_to_json(&rows[i], rows[i].user));
        router_frame_t *f = router_frame_from_json(
            rows[i].is_new ? "onNewConversation" : "onConversationChanged", body);
        router_push_user_here(env->router, rows[i].user, f, 0);
        router_frame_unref(f);
        f = router_frame_from_json(
            "onTotalUnreadMessageCountChanged",
            json_pack("{s:I}", "totalUnreadCount", (json_int_t)rows[i].total_unread));
        router_push_user_here(env->router, rows[i].user, f, 0);
        router_frame_unref(f);
        recount_later(env->conv_notify, rows[i].user);
    }
}

/* ---- unread counts by filter ---- */

typedef struct {
    conv_notify_t *n;
    char *user;
    json_int_t id;
} recount_t;

static json_t *sub_find(conv_notify_t *n, const char *user, json_int_t id)
{
    json_t *list = json_object_get(n->subs, user), *sub;
    size_t i;
    json_array_foreach(list, i, sub)
    {
        if (json_integer_value(json_object_get(sub, "id")) == id)
            return sub;
    }
    return NULL;
}

/* A subscription's new count: pushed to its connection when it changed. */
static void on_recounted(err_t err, int64_t total, void *arg)
{
    recount_t *r = arg;
    json_t *sub = err == ERR_OK ? sub_find(r->n, r->user, r->id) : NULL;
    if (sub && json_integer_value(json_object_get(sub, "last")) != total) {
        json_object_set_new(sub, "last", json_integer(total));
        json_t *body = json_pack("{s:O, s:I}", "filter", json_object_get(sub, "filter"),
                                 "totalUnreadCount", (json_int_t)total);
        router_frame_t *f = router_frame_from_json("onUnreadMessageCountChangedByFilter", body);
        router_push_conn(r->n->env->router, r->user,
                         (uint64_t)json_integer_value(json_object_get(sub, "conn")), f);
        router_frame_unref(f);
    }
    xfree(r->user);
    xfree(r);
}

static void recount_user(conv_notify_t *n, const char *user)
{
    size_t i;
    json_t *sub;
    json_array_foreach(json_object_get(n->subs, user), i, sub)
    {
        store_conv_filter_t f;
        if (!conv_filter_read(json_object_get(sub, "filter"), &f))
            continue;
        recount_t *r = XNEW(recount_t);
        *r = (recount_t){n, xstrdup(user), json_integer_value(json_object_get(sub, "id"))};
        store_conv_filter_unread(n->env->db, user, &f, on_recounted, r);
    }
}

static void arm(conv_notify_t *n)
{
    if (!evtimer_pending(n->flush, NULL)) {
        struct timeval zero = {0, 0};
        evtimer_add(n->flush, &zero);
    }
}

static void recount_later(conv_notify_t *n, const char *user)
{
    if (n == NULL || json_object_get(n->subs, user) == NULL)
        return;
    json_object_set_new(n->recount, user, json_true());
    arm(n);
}

void conv_notify_recount(conv_notify_t *n, const char *user)
{
    recount_later(n, user);
}

bool conv_notify_subscribe(conv_notify_t *n, const char *user, uint64_t conn, const json_t *filter,
                           int64_t total)
{
    json_t *list = json_object_get(n->subs, user), *sub;
    size_t i, mine = 0;
    json_array_foreach(list, i, sub)
    {
        if ((uint64_t)json_integer_value(json_object_get(sub, "conn")) != conn)
            continue;
        if (json_equal(json_object_get(sub, "filter"), filter)) {
            json_object_set_new(sub, "last", json_integer(total));
            return true;
        }
        mine++;
    }
    if (mine >= CONV_FILTER_SUBS_MAX)
        return false;
    if (list == NULL) {
        list = json_array();
        json_object_set_new(n->subs, user, list);
    }
    json_array_append_new(list,
                          json_pack("{s:I, s:I, s:O, s:I}", "id", ++n->next_id, "conn",
                                    (json_int_t)conn, "filter", filter, "last", (json_int_t)total));
    return true;
}

/* Drops the user's subscriptions of connection conn: all of them, or (filter non-NULL) the
 * one with an equal filter. */
static void drop(conv_notify_t *n, const char *user, uint64_t conn, const json_t *filter)
{
    json_t *list = json_object_get(n->subs, user);
    for (size_t i = json_array_size(list); i-- > 0;) {
        json_t *sub = json_array_get(list, i);
        if ((uint64_t)json_integer_value(json_object_get(sub, "conn")) == conn &&
            (filter == NULL || json_equal(json_object_get(sub, "filter"), filter)))
            json_array_remove(list, i);
    }
    if (list && json_array_size(list) == 0)
        json_object_del(n->subs, user);
}

void conv_notify_unsubscribe(conv_notify_t *n, const char *user, uint64_t conn,
                             const json_t *filter)
{
    drop(n, user, conn, filter);
}

void conv_notify_forget(conv_notify_t *n, const char *user, uint64_t conn)
{
    if (n != NULL)
        drop(n, user, conn, NULL);
}

static void on_notify_flush(evutil_socket_t fd, short what, void *arg)
{
    conv_notify_t *n = arg;
    const char *user;
    json_t *v;
    json_object_foreach(n->recount, user, v) recount_user(n, user);
    json_object_clear(n->recount);
    if (json_array_size(n->pairs) == 0)
        return;
    char *text = json_dumps(n->pairs, JSON_COMPACT);
    json_array_clear(n->pairs);
    json_object_clear(n->seen);
    store_conv_get_pairs(n->env->db, text, on_pushed, (void *)n->env);
    free(text);
}

conv_notify_t *conv_notify_new(const api_env_t *env)
{
    conv_notify_t *n = XNEW(conv_notify_t);
    n->env = env;
    n->flush = evtimer_new(env->base, on_notify_flush, n);
    n->pairs = json_array();
    n->seen = json_object();
    n->recount = json_object();
    n->subs = json_object();
    router_set_note_handler(env->router, on_note, n);
    return n;
}

void conv_notify_free(conv_notify_t *n)
{
    if (n == NULL)
        return;
    event_free(n->flush);
    json_decref(n->pairs);
    json_decref(n->seen);
    json_decref(n->recount);
    json_decref(n->subs);
    xfree(n);
}

/* Gathers (user, conversation) for this node's sessions of the user. */
static void notify_here(conv_notify_t *n, const char *user, const char *conv_key, bool by_message)
{
    if (router_user_platforms(n->env->router, user, NULL, 0) == 0)
        return;
    char *k = xasprintf("%s\x1f%s", user, conv_key);
    if (json_object_get(n->seen, k) == NULL) {
        json_object_set_new(n->seen, k, json_true());
        json_array_append_new(n->pairs, json_pack("[ssb]", user, conv_key, by_message));
    }
    xfree(k);
    arm(n);
}

/* The node that holds a user's sessions reads and pushes their conversation itself: another
 * node's change reaches it as a note "m:<key>" (by a message) or "a:<key>". */
static void notify(conv_notify_t *n, const char *user, const char *conv_key, bool by_message)
{
    if (n == NULL)
        return;
    char *note = xasprintf("%c:%s", by_message ? 'm' : 'a', conv_key);
    router_note_elsewhere(n->env->router, user, note);
    xfree(note);
    notify_here(n, user, conv_key, by_message);
}

static void on_note(void *arg, const char *user, const char *note)
{
    if ((note[0] == 'm' || note[0] == 'a') && note[1] == ':')
        notify_here(arg, user, note + 2, note[0] == 'm');
}

void conv_notify_add(conv_notify_t *n, const char *user, const char *conv_key)
{
    notify(n, user, conv_key, false);
}

void conv_notify_message(conv_notify_t *n, const char *user, const char *conv_key)
{
    notify(n, user, conv_key, true);
}
