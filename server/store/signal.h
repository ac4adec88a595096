/*
 * store/signal — signaling invitations (schema/015_signaling.sql): one statement per step, each
 * answering one JSON document, so every state change is atomic in PostgreSQL. An invitee's
 * state leaves "waiting" exactly once: an accept, a reject, a cancel and the timeout sweep all
 * update only waiting rows, so whichever commits first wins and the others see it handled.
 *
 * Every callback gets err (ERR_OK, ERR_DB_DOWN, ERR_INTERNAL) and, with ERR_OK, the statement's
 * document, valid during the callback only.
 */
#ifndef CHATD_STORE_SIGNAL_H
#define CHATD_STORE_SIGNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/err.h"
#include "db/db.h"

typedef enum {
    SIGNAL_WAITING = 0,
    SIGNAL_ACCEPTED = 1,
    SIGNAL_REJECTED = 2,
    SIGNAL_CANCELLED = 3,
    SIGNAL_TIMED_OUT = 4,
} signal_state_t;

typedef void (*store_signal_fn)(err_t err, json_t *doc, void *arg); /* doc borrowed */

typedef struct {
    const char *invite_id, *inviter, *group_id; /* group_id NULL: one-to-one */
    const char *invitees_json;                  /* [UserID], distinct */
    const char *data;
    int timeout_s; /* 0: none */
    bool online_only;
} store_signal_invite_t;

/* Creates the invitation when every invitee is an account (one-to-one) or a member of the
 * group the inviter is in. doc: {created, accounts, group, inviter_member, members}. */
void store_signal_invite(db_pool_t *db, const store_signal_invite_t *v, store_signal_fn cb,
                         void *arg);
/* An invitee answers (state ACCEPTED or REJECTED). doc: {found, invitee, done, invite,
 * invitees}; invite: {inviteID, inviter, groupID, data, timeout, onlineUserOnly}. */
void store_signal_answer(db_pool_t *db, const char *invite_id, const char *user,
                         signal_state_t state, store_signal_fn cb, void *arg);
/* The inviter cancels what is still waiting. doc: {found, inviter, cancelled: [UserID] | null,
 * invite}. */
void store_signal_cancel(db_pool_t *db, const char *invite_id, const char *user, store_signal_fn cb,
                         void *arg);
/* The inviter gives the invitation new data while someone still waits (not online-only).
 * doc: {found, inviter, onlineUserOnly, done, invite (as modified, null unless done),
 * waiting: [UserID] | null}. */
void store_signal_modify(db_pool_t *db, const char *invite_id, const char *user, const char *data,
                         store_signal_fn cb, void *arg);
/* doc: {found, invitee, invite}: the invitation as `user` may see it (addInvitedSignaling). */
void store_signal_get(db_pool_t *db, const char *invite_id, const char *user, store_signal_fn cb,
                      void *arg);
/* Times out up to 500 waiting invitees past their deadline (rows other nodes hold are skipped)
 * and forgets invitations settled for a day (or a week old). doc: {expired: [{inviteID,
 * inviter, groupID, data, timeout, onlineUserOnly, timed_out: [UserID], invitees}]}. */
void store_signal_expire(db_pool_t *db, store_signal_fn cb, void *arg);

#endif
