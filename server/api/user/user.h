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

#endif
