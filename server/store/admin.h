/*
 * store/admin — the searches behind chatd's own console APIs (chatd_admin/…; api/admin/).
 *
 * Each pages in key order with a cursor: rows whose key (UserID, GroupId) is greater than
 * `after` ("" = from the start), at most `limit`. `pattern` is a LIKE pattern (NULL: every row)
 * matched against the key and, case-insensitively, the name (Nick, group Name). Calls back once
 * with ERR_OK and a JSON array of row objects (borrowed: valid during the callback), or with
 * ERR_DB_DOWN / ERR_INTERNAL and NULL.
 */
#ifndef CHATD_STORE_ADMIN_H
#define CHATD_STORE_ADMIN_H

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"

typedef void (*store_admin_rows_fn)(err_t err, const json_t *rows, void *arg);

/* Rows {UserID, Nick, FaceUrl, CreateTime (unix seconds)}. */
void store_admin_accounts(db_pool_t *db, const char *pattern, const char *after, int limit,
                          store_admin_rows_fn cb, void *arg);
/* Rows {GroupId, Type, Name, FaceUrl, Owner_Account ("" when ownerless), CreateTime,
 * MemberNum}. */
void store_admin_groups(db_pool_t *db, const char *pattern, const char *after, int limit,
                        store_admin_rows_fn cb, void *arg);

#endif
