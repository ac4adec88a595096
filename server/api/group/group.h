/*
 * group — the group model shared by every door (private to api/): group messages and tips,
 * pushes to members, and the member cache used for fan-out.
 *
 * msg_group_send() is the single path by which a group message is stored and delivered (SDK
 * sendMessage with groupID, REST send_group_msg, import_group_msg): one store call (the
 * batching writer) and one fan-out. The fan-out writes ONE serialized frame and hands a
 * reference to every online member's connection.
 *
 * The member cache keeps, per group, the member list used for fan-out; every change of
 * membership (join, quit, kick, dismiss, invite accepted) must call group_members_changed().
 */
#ifndef CHATD_API_GROUP_H
#define CHATD_API_GROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/message/message.h"

typedef struct {
    const char *sender;
    bool trusted; /* an app admin (REST): need not be a member, never muted */
    const char *group_id;
    uint32_t random;
    const json_t *body; /* a validated MsgBody array */
    const char *cloud_custom_data;
    bool need_read_receipt;
    bool extension;         /* supportMessageExtension: takes extensions (ext/) */
    bool online_only;       /* deliver to online members only, never store (AVChatRoom too) */
    bool no_unread;         /* does not count as unread (NoUnread, targeted default) */
    bool tip;               /* a group tips message (implies no_unread) */
    const json_t *targets;  /* targeted message: array of ≤ 50 member UserIDs, or NULL */
    const json_t *at_users; /* @ mentions: array of ≤ 30 UserIDs or "__kImSDK_MesssageAtALL__" */
    const char *priority;   /* "High", "Normal", "Low", "Lowest"; NULL = Normal */
    int64_t ts;             /* 0 = now */
    uint64_t origin_conn;   /* the sender's connection, not pushed to (0: none) */
    bool deliver;           /* push at all (false for imported history) */
    const char *platform;   /* webhooks' OptPlatform source: the session's platform or NULL
                             * for REST; imported and tips messages fire no after-send event */
    const char *client_ip;
    bool no_before_hook; /* skip Group.CallbackBeforeSendMsg (ForbidBeforeSendMsgCallback,
                          * disableCloudMessagePreHook); tips and imports never fire it */
    /* OfflinePushInfo (validated; NULL: none): the notification queued for the members with
     * no session in the foreground, in groups whose type notifies (api/push/push.h). */
    const json_t *push_info;
} msg_group_t;

/* err: ERR_OK, ERR_GROUP_NOT_FOUND, ERR_GROUP_PERMISSION (not a member), ERR_GROUP_MUTED,
 * ERR_GROUP_AT_TOO_MANY, ERR_DB_DOWN, ERR_INTERNAL. */
void msg_group_send(const api_env_t *env, const msg_group_t *m, msg_sent_fn cb, void *arg);

/* Stores and delivers a group tips message (not unread; the SDK shows it in the conversation):
 * `tip` (stolen) is the TIMGroupTipElem content, e.g. {"tipsType": 1, "opUser": "alice",
 * "memberList": ["bob"]}. Fire and forget: failures are logged. */
void msg_group_tip(const api_env_t *env, const char *group_id, const char *op_user, json_t *tip);

/* Pushes `event` with `body` (stolen) to every online member's sessions (one frame shared).
 * `also` (may be NULL) is one more user to reach, e.g. someone who just left. */
void group_push(const api_env_t *env, const char *group_id, const char *event, json_t *body,
                const char *also);

/* Forget the cached member list of the group (after any membership change). */
void group_members_changed(const api_env_t *env, const char *group_id);

typedef struct group_cache group_cache_t;
group_cache_t *group_cache_new(const api_env_t *env);
void group_cache_free(group_cache_t *c);

#endif
