/*
 * push — offline push, the api side (docs/push.md): devices register their vendor token
 * (setOfflinePushConfig) and say when the app goes to the background and comes back
 * (doBackground / doForeground); the send paths ask push_notice() what a message's notification
 * says and queue it, in the message's own transaction, for the recipients with no session in
 * the foreground. The dispatcher (server/push/) sends the queued rows.
 *
 * Rules (Tencent's, reference §4.4 and §4.5): PushFlag 1 and online-only messages never push;
 * a conversation's receive option 1 (not receive) and 2 (receive, do not notify) never push, 3
 * and 4 push only @ mentions of the recipient (or @all); a global do-not-disturb
 * (setAllReceiveMessageOpt 2) within its window holds pushes back. The badge is the recipient's
 * unread total once the message is stored.
 */
#ifndef CHATD_API_PUSH_H
#define CHATD_API_PUSH_H

#include <jansson.h>
#include <stdbool.h>

#include "api/api.h"

enum {
    PUSH_TOKEN_MAX = 256, /* a device token (Tencent: 22001–22007 beyond it) */
    PUSH_BUSINESS_MAX = 2147483647,
    /* v4/all_member_push (reference §2.3) */
    PUSH_ATTR_SLOTS = 10,       /* attribute names per app */
    PUSH_ATTR_NAME_MAX = 50,    /* bytes */
    PUSH_ATTR_VALUE_MAX = 50,   /* bytes */
    PUSH_USERS_MAX = 100,       /* users per request */
    PUSH_TAGS_PER_REQUEST = 10, /* tags per user per request, and per condition */
    PUSH_TAG_MAX = 50,          /* bytes */
    PUSH_USER_TAGS_MAX = 100,   /* tags per user (store/push.h STORE_PUSH_TAGS_MAX) */
    PUSH_JOB_PAGE = 500,        /* users per step of an im_push task */
    PUSH_JOB_SWEEP_MS = 1000,   /* how often open tasks are looked for */
};

/* Whether queueing notifications is on (a provider is configured). */
static inline bool push_on(const api_env_t *env)
{
    return env->push != NULL;
}

/*
 * The notification of a message with MsgBody `body` and OfflinePushInfo `info` (NULL: none),
 * as a new JSON object {title, desc, ext, androidInfo, apnsInfo} (strings, objects or null), or
 * NULL when it pushes nothing: PushFlag 1, or no text (the only element is a custom one without
 * Desc and info has no Desc). desc: info's Desc, else the elements' push texts run together
 * (Text's text, "[Location]", "[Face]", "[Voice]", "[Image]", "[File]", "[Video]", a custom
 * element's Desc); title: info's Title, else `title` (the sender, the group); ext: info's Ext,
 * else a custom element's Ext. Pure.
 */
json_t *push_notice(const json_t *body, const json_t *info, const char *title);

/* The JSON text of a message's push for the writer (store_msg_t.push_json): the notice plus
 * `to` (the recipients to consider, borrowed array) and `ats` (@ mentions: UserIDs, "" for
 * @all; NULL: none). Heap string (free), or NULL when push is off or the notice is NULL. */
char *push_spec(const api_env_t *env, const json_t *body, const json_t *info, const char *title,
                const json_t *to, const json_t *ats);

/* The recipients of `users` (JSON array of UserIDs, borrowed) that have no session in the
 * foreground on this node: a new array. */
json_t *push_away(const api_env_t *env, const json_t *users);

/* The im_push job runner: steps the open tasks (store/push.h JOB_STEP), one page of
 * PUSH_JOB_PAGE users at a time, each step one asynchronous statement, so the loop never waits
 * for a task; every PUSH_JOB_SWEEP_MS and at once after a new task. Owned by main.c, made only
 * when push is on (push_jobs_free() after the database pool; accepts NULL). */
typedef struct push_jobs push_jobs_t;
push_jobs_t *push_jobs_new(const api_env_t *env);
void push_jobs_free(push_jobs_t *j);
void push_jobs_kick(const api_env_t *env);

/* Logout or kick of user's session on platform: its binding ends. */
void push_session_ended(const api_env_t *env, const char *user, const char *platform);

#endif
