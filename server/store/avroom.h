/*
 * store/avroom — what live rooms (AVChatRoom) keep in PostgreSQL (schema/019_avroom.sql): bans,
 * and the group counters of every group type. Viewers are not here: the router holds them in
 * memory (router.h, "Live rooms"); a viewer gets a member row only when an admin acts on them
 * (a mute, a mark: store_avroom_enrol), so the row can carry that state.
 *
 * Each call is one statement answering one JSON document (borrowed, valid during the callback);
 * err is ERR_OK, ERR_DB_DOWN or ERR_INTERNAL. Every document has `found` (the group exists) and
 * `type` (its REST type name).
 */
#ifndef CHATD_STORE_AVROOM_H
#define CHATD_STORE_AVROOM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef void (*store_avroom_fn)(err_t err, json_t *doc, void *arg);

/* Gives the accounts of users_json ([UserID]) that are not members a plain member row (joined
 * at `now`, msg flag AcceptNotNotify). doc: {found, type, enrolled: [UserID]}. */
void store_avroom_enrol(db_pool_t *db, const char *group_id, const char *users_json, int64_t now,
                        store_avroom_fn cb, void *arg);

/* Bans users_json until `until` (unix seconds) with `description`; a ban again replaces the
 * old one. doc: {found, type}. */
void store_avroom_ban(db_pool_t *db, const char *group_id, const char *users_json, int64_t until,
                      const char *description, store_avroom_fn cb, void *arg);
/* doc: {found, type, unbanned: [UserID]}. */
void store_avroom_unban(db_pool_t *db, const char *group_id, const char *users_json,
                        store_avroom_fn cb, void *arg);
/* Bans still running at `now`, soonest end first, `limit` from `offset`. doc: {found, type,
 * bans: [{user, until}], more}. */
void store_avroom_bans(db_pool_t *db, const char *group_id, int64_t now, int64_t offset,
                       int64_t limit, store_avroom_fn cb, void *arg);
/* doc: {found, type, owner, role (the user's member role or null), banned_until (0: not banned
 * at `now`)}: what joining a live room needs to know. */
void store_avroom_join_ctx(db_pool_t *db, const char *group_id, const char *user, int64_t now,
                           store_avroom_fn cb, void *arg);

/* Makes users_json admins of the live room (accounts without a row get one; the owner stays
 * owner), unless the room would then have more than max_admins: doc {found, type, full,
 * changed: [UserID]}. With set false, admins become plain members: doc {found, type, changed}. */
void store_avroom_admins(db_pool_t *db, const char *group_id, const char *users_json, bool set,
                         int64_t max_admins, int64_t now, store_avroom_fn cb, void *arg);
/* doc {found, type, admins: [{user, nick, face}]}. */
void store_avroom_admin_list(db_pool_t *db, const char *group_id, store_avroom_fn cb, void *arg);

/* ---- group counters ---- */

typedef enum {
    STORE_COUNTER_SET = 0,
    STORE_COUNTER_INCREASE,
    STORE_COUNTER_DECREASE,
} store_counter_mode_t;

/* keys_json: [key] or NULL (all). doc: {found, type, counters: {key: value}}. */
void store_counter_get(db_pool_t *db, const char *group_id, const char *keys_json,
                       store_avroom_fn cb, void *arg);
/* pairs_json: {key: value}; one atomic statement (increments add to the stored value under the
 * row lock, so concurrent increases never lose one; a missing key starts at 0). No row grows
 * past max_keys keys in total. doc: {found, type, full (true: nothing changed), counters:
 * {key: new value}}; an int64 overflow fails the statement (ERR_INTERNAL). */
void store_counter_update(db_pool_t *db, const char *group_id, store_counter_mode_t mode,
                          const char *pairs_json, int64_t max_keys, store_avroom_fn cb, void *arg);
/* keys_json NULL: all. doc: {found, type, deleted: [key]}. */
void store_counter_delete(db_pool_t *db, const char *group_id, const char *keys_json,
                          store_avroom_fn cb, void *arg);

#endif
