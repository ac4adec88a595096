/*
 * store/permission — the permission groups of Community groups (schema/018_community.sql):
 * one statement per step, each answering one JSON document (borrowed for the callback).
 * Permission-group objects inside are read with store_perm_view(); no caller spells their keys.
 *
 * A permission group's members must be members of the community: leaving the community
 * removes its memberships (foreign key), destroying a topic its topic permissions.
 */
#ifndef CHATD_STORE_PERMISSION_H
#define CHATD_STORE_PERMISSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

typedef void (*store_perm_fn)(err_t err, json_t *doc, void *arg);

typedef struct {
    const char *pg_id, *name, *custom_string;
    int64_t permission, member_count, create_time;
} store_perm_t;

bool store_perm_view(const json_t *obj, store_perm_t *out);

/* The rules' context: {found, type, enable_permission, default_permission, role (the actor's;
 * null: not a member), bits (the OR of the actor's permission groups' bits), pg (whether
 * pg_id, may be NULL, is one of the group's), pgs (how many the group has)}. */
void store_perm_ctx(db_pool_t *db, const char *group_id, const char *actor, const char *pg_id,
                    store_perm_fn cb, void *arg);

/* {created (false: the ID is taken), full (the group has max already), pg}. */
void store_perm_create(db_pool_t *db, const char *group_id, const store_perm_t *p, int max,
                       store_perm_fn cb, void *arg);
/* {destroyed: [PermissionGroupId]} of ids_json. */
void store_perm_destroy(db_pool_t *db, const char *group_id, const char *ids_json, store_perm_fn cb,
                        void *arg);
/* fields: {name?, custom_string?, permission?}. {found, pg}. */
void store_perm_update(db_pool_t *db, const char *group_id, const char *pg_id, const char *fields,
                       store_perm_fn cb, void *arg);
/* ids_json NULL: a page of `limit` after pg_id `after` (NULL: the first), by ID; else those.
 * member: only the groups `member` is in (NULL: any). {pgs: [pg], more}. */
void store_perm_list(db_pool_t *db, const char *group_id, const char *ids_json, const char *member,
                     const char *after, int64_t limit, store_perm_fn cb, void *arg);
/* Adds (add) or removes members: {found (the permission group), results: [{user, status:
 * "added"|"already"|"not_member"|"removed"|"absent"}]} in the order of users_json. */
void store_perm_members(db_pool_t *db, const char *group_id, const char *pg_id,
                        const char *users_json, bool add, int64_t now, store_perm_fn cb, void *arg);
/* A page of a permission group's members after UserID `after` (NULL: the first), by UserID:
 * {found, members: [UserID], more}. */
void store_perm_member_list(db_pool_t *db, const char *group_id, const char *pg_id,
                            const char *after, int64_t limit, store_perm_fn cb, void *arg);
/* Topic permissions. mode "add" (only topics without one), "set" (only topics with one),
 * "delete"; data: [[TopicId, permission]] (delete: the permission is ignored). {found,
 * mode, results: [{topic, status: "ok"|"exists"|"absent"|"no_topic"}]}; "get" as well, each
 * result with its permission (null: none). */
void store_perm_topics(db_pool_t *db, const char *group_id, const char *pg_id, const char *mode,
                       const char *data_json, store_perm_fn cb, void *arg);

#endif
