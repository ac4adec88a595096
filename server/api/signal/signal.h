/*
 * signal — signaling (V2TIMSignalingManager): invitations to one user or to members of a
 * group, answered, cancelled or timed out per invitee (docs/protocol.md "Signaling").
 *
 * chatd owns the state (store/signal.h): it fires each timeout itself at the deadline, whether
 * or not anyone is connected, and an invitation survives a restart. Each step pushes its event
 * to the users concerned and, unless the invitation is online-only, is stored as a custom
 * message (TIMCustomElem whose Data is the signaling JSON, businessID 1) in the one-to-one or
 * group conversation, as Tencent's SDK does, so a user who was away finds the missed call in
 * the history. A one-to-one invitation that is not online-only also pushes offline
 * (api/push/push.h): the request's offlinePushInfo, else SIGNAL_PUSH_DESC with the signaling JSON
 * as Ext.
 *
 * Ownership: api_signal_new() returns the timeout sweeper, owned by main.c (api_signal_free()
 * after the database pool, so a sweep in flight has been answered).
 */
#ifndef CHATD_API_SIGNAL_H
#define CHATD_API_SIGNAL_H

#include "api/api.h"

enum {
    SIGNAL_INVITEES_MAX = 200, /* inviteInGroup's list */
    SIGNAL_DATA_MAX = 8192,    /* data of a step (its message stays within 12 KB) */
    SIGNAL_TIMEOUT_MAX = 86400,
    SIGNAL_ID_MAX = 64,
    SIGNAL_SWEEP_MS = 1000, /* how often the timeouts are looked for */
};

/* The push text of a one-to-one invitation whose offlinePushInfo has no Desc. */
#define SIGNAL_PUSH_DESC "[Call invitation]"

typedef struct api_signal api_signal_t;
api_signal_t *api_signal_new(const api_env_t *env);
void api_signal_free(api_signal_t *s);

#endif
