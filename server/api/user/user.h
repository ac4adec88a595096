/*
 * user — accounts (im_open_login_svc), profiles (profile/portrait_*), presence
 * (openim/query_online_status) and global mutes (openconfigsvr set_nospeaking, get_nospeaking): the
 * REST doors in account.c, profile.c, presence.c and nospeaking.c; the profile tag rules in tags.c.
 *
 * The request limits of the area, each Tencent's documented one, live here so that a second door
 * (the SDK's profile commands) meets the same numbers.
 */
#ifndef CHATD_API_USER_H
#define CHATD_API_USER_H

enum {
    USER_BATCH_MAX = 100,          /* accounts per multiaccount_import, account_delete, _check */
    USER_PROFILE_TEXT_MAX = 500,   /* bytes of Nick / FaceUrl at import */
    USER_PRESENCE_QUERY_MAX = 500, /* accounts per query_online_status */
    USER_PLATFORMS_MAX = 16,       /* sessions reported per account */
    USER_PORTRAIT_USERS_MAX = 100, /* accounts per portrait_get */
    USER_PORTRAIT_TAGS_MAX = 64,   /* tags per portrait_get / portrait_set */
};

#include <jansson.h>

#include "api/api.h"

/* Sets `tags` ({tag: value}, checked) of `user` with the Profile.CallbackPortraitSet webhook;
 * the user's other sessions hear onSelfInfoUpdated {info}, the users who have them as a friend
 * or subscribed to their profile onUserInfoChanged {userInfoList}; then `answer` ends the call
 * (failures end it with their code). */
typedef void (*user_profile_fn)(api_call_t *call);
void user_profile_set(api_call_t *call, const char *user, const json_t *tags,
                      user_profile_fn answer);

/* The userIDList of the profile and status commands (sdk.c). */
extern const api_ids_t user_ids_spec;

/* (Un)subscribes the caller to the profile ("profile") or status ("status") changes of the
 * users of body.userIDList; answers {failedUserIDList}. */
void user_subscribe(api_call_t *call, const char *kind, bool on);

/* A session of `user` logged in or went away: with user_status on, the users subscribed to
 * their status hear onUserStatusChanged (this node's view of their devices). */
void user_status_changed(const api_env_t *env, const char *user);

enum {
    USER_INFO_MAX = 100,        /* users per getUsersInfo, subscribeUserInfo, getUserStatus */
    USER_STATUS_TEXT_MAX = 100, /* bytes of a custom status */
};

#endif
