/* The conversation notifier: changes gathered in one loop pass, read with one query, pushed. */
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
    json_t *pairs; /* [[user, key], …] gathered this pass */
    json_t *seen;  /* {user\x1fkey: true} to gather each pair once */
};

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
        router_push_user(env->router, rows[i].user, f, 0);
        router_frame_unref(f);
        f = router_frame_from_json(
            "onTotalUnreadMessageCountChanged",
            json_pack("{s:I}", "totalUnreadCount", (json_int_t)rows[i].total_unread));
        router_push_user(env->router, rows[i].user, f, 0);
        router_frame_unref(f);
    }
}

static void on_notify_flush(evutil_socket_t fd, short what, void *arg)
{
    conv_notify_t *n = arg;
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
    return n;
}

void conv_notify_free(conv_notify_t *n)
{
    if (n == NULL)
        return;
    event_free(n->flush);
    json_decref(n->pairs);
    json_decref(n->seen);
    xfree(n);
}

static void notify(conv_notify_t *n, const char *user, const char *conv_key, bool by_message)
{
    if (n == NULL || router_user_platforms(n->env->router, user, NULL, 0) == 0)
        return;
    char *k = xasprintf("%s\x1f%s", user, conv_key);
    if (json_object_get(n->seen, k) == NULL) {
        json_object_set_new(n->seen, k, json_true());
        json_array_append_new(n->pairs, json_pack("[ssb]", user, conv_key, by_message));
    }
    xfree(k);
    if (!evtimer_pending(n->flush, NULL)) {
        struct timeval zero = {0, 0};
        evtimer_add(n->flush, &zero);
    }
}

void conv_notify_add(conv_notify_t *n, const char *user, const char *conv_key)
{
    notify(n, user, conv_key, false);
}

void conv_notify_message(conv_notify_t *n, const char *user, const char *conv_key)
{
    notify(n, user, conv_key, true);
}
