/*
 * store — every SQL statement chatd runs, behind typed functions.
 *
 * Each function sends one batch (one round trip, one transaction) through the db pool and calls
 * back exactly once on the loop with an err_t: ERR_OK, ERR_DB_DOWN (PostgreSQL unreachable,
 * nothing known to be changed) or ERR_INTERNAL (the statement failed and was rolled back).
 * Input strings are copied before the function returns; results passed to callbacks are valid
 * only during the callback.
 */
#ifndef CHATD_STORE_STORE_H
#define CHATD_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

typedef void (*store_done_fn)(err_t err, void *arg);

/* A list of UserIDs returned by a query. */
typedef struct {
    const char **ids;
    size_t n;
} store_ids_t;
bool store_ids_has(const store_ids_t *ids, const char *id);
typedef void (*store_ids_fn)(err_t err, const store_ids_t *ids, void *arg);

/* ---- accounts ---- */

typedef struct {
    const char *user_id;
    const char *nick;     /* NULL: leave as is */
    const char *face_url; /* NULL: leave as is */
} store_account_t;

/* Creates the accounts that do not exist yet and sets the given Nick/FaceUrl profile fields.
 * user_ids must be distinct. */
void store_accounts_import(db_pool_t *db, const store_account_t *list, size_t n, store_done_fn cb,
                           void *arg);
/* Calls back with the subset of ids that are imported. */
void store_accounts_existing(db_pool_t *db, const char *const *ids, size_t n, store_ids_fn cb,
                             void *arg);
/* Deletes the accounts and everything that belongs to them alone; calls back with the ids
 * that existed and are now gone. */
void store_accounts_delete(db_pool_t *db, const char *const *ids, size_t n, store_ids_fn cb,
                           void *arg);

/* ---- profiles ---- */

/* Sets tags of one user from a JSON object {tag: value}. Calls back with ERR_NOT_IMPORTED when
 * the user does not exist (nothing stored). With `hook` (store/webhook.h; NULL: none), the same
 * transaction writes Profile.CallbackPortraitSet {Operator_Account: operator_id, From_Account,
 * ProfileItem} to the webhook outbox. On ERR_OK the callback gets the whole profile after the
 * change ({tag: value}) and its watchers: the users who have this one as a friend or subscribed
 * to its profile (a JSON array of UserIDs). */
struct store_webhook_origin;
typedef void (*store_profile_set_fn)(err_t err, const json_t *profile, const json_t *watchers,
                                     void *arg);
void store_profile_set(db_pool_t *db, const char *user_id, const json_t *tags,
                       const struct store_webhook_origin *hook, const char *operator_id,
                       store_profile_set_fn cb, void *arg);

/* `values` maps user → {tag: value} for stored tags; `existing` lists the imported users. */
typedef void (*store_profiles_fn)(err_t err, const store_ids_t *existing, json_t *values,
                                  void *arg);
/* tags NULL: every stored tag. */
void store_profile_get(db_pool_t *db, const char *const *ids, size_t n, const char *const *tags,
                       size_t ntags, store_profiles_fn cb, void *arg);

/* Adds (on) or removes the owner's subscriptions to targets_json ([UserID]); calls back with
 * the targets that are accounts. kind: "profile" or "status". */
void store_subscriptions_set(db_pool_t *db, const char *kind, const char *owner,
                             const char *targets_json, bool on, store_ids_fn cb, void *arg);

/* ---- user status ---- */

/* users: [{user, custom_status}] (accounts only, "" when never set); watchers: the UserIDs
 * subscribed to the user's status (store_status_set only). */
typedef void (*store_status_fn)(err_t err, const json_t *users, const json_t *watchers, void *arg);
/* Sets the user's custom status (custom_status NULL: only reads it and its watchers). users is
 * empty when the user is not an account. */
void store_status_set(db_pool_t *db, const char *user_id, const char *custom_status,
                      store_status_fn cb, void *arg);
/* The custom statuses of the accounts among ids_json ([UserID]). */
void store_status_get(db_pool_t *db, const char *ids_json, store_status_fn cb, void *arg);

/* ---- global receive option (do not disturb) ---- */

typedef struct {
    int64_t opt;                                    /* 0 receive, 2 receive without notifications */
    int64_t start_hour, start_minute, start_second; /* daily window start (UTC) */
    int64_t start_ts;                               /* or a one-off window from this time */
    int64_t duration;                               /* seconds */
} store_dnd_t;
/* found: the user is an account (store_dnd_set wrote nothing otherwise); d: the setting after
 * the call (all zero: never set). */
typedef void (*store_dnd_fn)(err_t err, bool found, const store_dnd_t *d, void *arg);
void store_dnd_set(db_pool_t *db, const char *user_id, const store_dnd_t *d, store_dnd_fn cb,
                   void *arg);
void store_dnd_get(db_pool_t *db, const char *user_id, store_dnd_fn cb, void *arg);

/* ---- health ---- */
void store_ping(db_pool_t *db, store_done_fn cb, void *arg);

#endif
