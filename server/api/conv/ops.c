/* The rules of conversation groups and marks, for every door: limits, outcomes, events. */
#include "api/conv/conv.h"

#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "router/router.h"

bool conv_mark_valid(uint64_t m)
{
    if (m == 0 || (m & (m - 1)) != 0)
        return false;
    return m <= 0x8 || m >= (1ULL << CONV_CUSTOM_MARK_MIN_BIT);
}

err_t conv_group_name_check(const char *name)
{
    if (name == NULL || *name == '\0')
        return ERR_BAD_PARAM;
    return strlen(name) > CONV_GROUP_NAME_MAX ? ERR_CONV_GROUP_NAME : ERR_OK;
}

int conv_item_code(store_item_status_t st)
{
    switch (st) {
    case STORE_ITEM_OK:
        return 0;
    case STORE_ITEM_NO_CONV:
        return ERR_CONV_NOT_FOUND;
    case STORE_ITEM_LIMIT:
        return ERR_CONV_MARK_LIMIT;
    }
    return ERR_CONV_NOT_FOUND;
}

err_t conv_items_err(const int *codes, size_t n)
{
    if (n == 0 || codes[0] == 0)
        return ERR_OK;
    for (size_t i = 1; i < n; i++)
        if (codes[i] != codes[0])
            return ERR_OK;
    return (err_t)codes[0];
}

/* A conversation-group event: the user's sessions hear it, their filters are recounted. */
static void push_user(const api_env_t *env, const char *user, const char *event, json_t *body)
{
    router_frame_t *f = router_frame_from_json(event, body);
    router_push_user(env->router, user, f, 0);
    router_frame_unref(f);
    conv_notify_recount(env->conv_notify, user);
}

/* ---- create, delete, rename ---- */

typedef struct {
    const api_env_t *env;
    char *user, *name, *new_name;
    store_group_op_t op;
    conv_group_fn cb;
    void *arg;
} change_t;

static err_t change_err(conv_group_status_t st)
{
    switch (st) {
    case CONV_GROUP_OK:
        return ERR_OK;
    case CONV_GROUP_EXISTS:
        return ERR_BAD_PARAM;
    case CONV_GROUP_MISSING:
        return ERR_CONV_GROUP_MISSING;
    case CONV_GROUP_LIMIT:
        return ERR_CONV_GROUP_LIMIT;
    }
    return ERR_INTERNAL;
}

static void push_change(const change_t *c)
{
    switch (c->op) {
    case STORE_GROUP_CREATE:
        return; /* conv_group_create() tells, with the conversations */
    case STORE_GROUP_DELETE:
        push_user(c->env, c->user, "onConversationGroupDeleted",
                  json_pack("{s:s}", "groupName", c->name));
        return;
    case STORE_GROUP_RENAME:
        push_user(c->env, c->user, "onConversationGroupNameChanged",
                  json_pack("{s:s, s:s}", "oldName", c->name, "newName", c->new_name));
        return;
    }
}

static void on_changed(err_t err, conv_group_status_t st, int64_t group_no, void *arg)
{
    change_t *c = arg;
    if (err == ERR_OK)
        err = change_err(st);
    if (err == ERR_OK)
        push_change(c);
    c->cb(err, group_no, c->arg);
    xfree(c->user);
    xfree(c->name);
    xfree(c->new_name);
    xfree(c);
}

void conv_group_change(const api_env_t *env, const char *user, store_group_op_t op,
                       const char *name, const char *new_name, conv_group_fn cb, void *arg)
{
    change_t *c = XNEW(change_t);
    c->env = env;
    c->user = xstrdup(user);
    c->name = xstrdup(name);
    c->new_name = new_name ? xstrdup(new_name) : NULL;
    c->op = op;
    c->cb = cb;
    c->arg = arg;
    store_conv_group_change(env->db, user, op, name, new_name, CONV_GROUPS_MAX, on_changed, c);
}

/* ---- per-item changes: group members and marks ---- */

typedef struct {
    const api_env_t *env;
    char *user, *name; /* name: NULL for marks */
    char **keys, **ids;
    bool *adds; /* group members: add or remove each; NULL for marks */
    size_t n;
    bool create; /* conv_group_create(): the group is new */
    conv_items_fn cb;
    void *arg;
} items_t;

static items_t *items_new(const api_env_t *env, const char *user, const conv_set_t *set,
                          conv_items_fn cb, void *arg)
{
    items_t *it = XNEW(items_t);
    it->env = env;
    it->user = xstrdup(user);
    it->n = set->n;
    it->keys = xcalloc(set->n ? set->n : 1, sizeof(char *));
    it->ids = xcalloc(set->n ? set->n : 1, sizeof(char *));
    for (size_t i = 0; i < set->n; i++) {
        it->keys[i] = xstrdup(set->keys[i]);
        it->ids[i] = xstrdup(set->ids[i]);
    }
    it->cb = cb;
    it->arg = arg;
    return it;
}

static void items_free(items_t *it)
{
    for (size_t i = 0; i < it->n; i++) {
        xfree(it->keys[i]);
        xfree(it->ids[i]);
    }
    xfree(it->keys);
    xfree(it->ids);
    xfree(it->adds);
    xfree(it->user);
    xfree(it->name);
    xfree(it);
}

/* The codes of the outcomes; the conversations that changed are pushed to the user. */
static int *items_codes(items_t *it, const store_item_status_t *st, size_t n)
{
    int *codes = xcalloc(it->n ? it->n : 1, sizeof(int));
    for (size_t i = 0; i < it->n; i++) {
        codes[i] = i < n ? conv_item_code(st[i]) : ERR_CONV_NOT_FOUND;
        if (codes[i] == 0)
            conv_notify_add(it->env->conv_notify, it->user, it->keys[i]);
    }
    return codes;
}

/* onConversationGroupCreated, or onConversationsAddedToGroup / …DeletedFromGroup with the
 * conversations each one moved. */
static void push_members(const items_t *it, const int *codes)
{
    json_t *added = json_array(), *removed = json_array();
    for (size_t i = 0; i < it->n; i++)
        if (codes != NULL && codes[i] == 0)
            json_array_append_new(it->adds[i] ? added : removed, json_string(it->ids[i]));
    if (it->create)
        push_user(it->env, it->user, "onConversationGroupCreated",
                  json_pack("{s:s, s:O}", "groupName", it->name, "conversationIDList", added));
    else if (json_array_size(added))
        push_user(it->env, it->user, "onConversationsAddedToGroup",
                  json_pack("{s:s, s:O}", "groupName", it->name, "conversationIDList", added));
    if (json_array_size(removed))
        push_user(it->env, it->user, "onConversationsDeletedFromGroup",
                  json_pack("{s:s, s:O, s:i}", "groupName", it->name, "conversationIDList", removed,
                            "reason", 0));
    json_decref(added);
    json_decref(removed);
}

static void on_members(err_t err, bool found, int64_t group_no, const store_item_status_t *st,
                       size_t n, void *arg)
{
    items_t *it = arg;
    if (err == ERR_OK && !found)
        err = ERR_CONV_GROUP_MISSING;
    if (err != ERR_OK) {
        it->cb(err, 0, NULL, 0, it->arg);
        items_free(it);
        return;
    }
    int *codes = items_codes(it, st, n);
    push_members(it, codes);
    it->cb(ERR_OK, group_no, codes, it->n, it->arg);
    xfree(codes);
    items_free(it);
}

static void members_query(items_t *it)
{
    store_conv_group_members(it->env->db, it->user, it->name, (const char *const *)it->keys,
                             it->adds, it->n, CONV_WITH_DATA_MAX, (int64_t)time(NULL), on_members,
                             it);
}

static items_t *members_new(const api_env_t *env, const char *user, const char *name,
                            const conv_set_t *set, conv_items_fn cb, void *arg)
{
    items_t *it = items_new(env, user, set, cb, arg);
    it->name = xstrdup(name);
    it->adds = xcalloc(set->n ? set->n : 1, sizeof(bool));
    return it;
}

void conv_group_members(const api_env_t *env, const char *user, const char *name,
                        const conv_set_t *set, const bool *adds, conv_items_fn cb, void *arg)
{
    items_t *it = members_new(env, user, name, set, cb, arg);
    memcpy(it->adds, adds, set->n * sizeof(bool));
    members_query(it);
}

static void on_created(err_t err, conv_group_status_t st, int64_t group_no, void *arg)
{
    items_t *it = arg;
    if (err == ERR_OK)
        err = change_err(st);
    if (err != ERR_OK || it->n == 0) {
        if (err == ERR_OK)
            push_members(it, NULL);
        it->cb(err, group_no, NULL, 0, it->arg);
        items_free(it);
        return;
    }
    members_query(it);
}

void conv_group_create(const api_env_t *env, const char *user, const char *name,
                       const conv_set_t *set, conv_items_fn cb, void *arg)
{
    items_t *it = members_new(env, user, name, set, cb, arg);
    for (size_t i = 0; i < set->n; i++)
        it->adds[i] = true;
    it->create = true;
    store_conv_group_change(env->db, user, STORE_GROUP_CREATE, name, NULL, CONV_GROUPS_MAX,
                            on_created, it);
}

static void on_marked(err_t err, const store_item_status_t *st, size_t n, void *arg)
{
    items_t *it = arg;
    if (err != ERR_OK) {
        it->cb(err, 0, NULL, 0, it->arg);
        items_free(it);
        return;
    }
    int *codes = items_codes(it, st, n);
    it->cb(ERR_OK, 0, codes, it->n, it->arg);
    xfree(codes);
    items_free(it);
}

void conv_mark(const api_env_t *env, const char *user, const conv_set_t *set,
               store_mark_item_t *marks, conv_items_fn cb, void *arg)
{
    items_t *it = items_new(env, user, set, cb, arg);
    for (size_t i = 0; i < set->n; i++)
        marks[i].conv_key = it->keys[i];
    store_conv_mark_items(env->db, user, marks, set->n, CONV_WITH_DATA_MAX, on_marked, it);
}

/* ---- clearing one's history ---- */

typedef struct {
    const api_env_t *env;
    char *user, *key;
    conv_done_fn cb;
    void *arg;
} clear_t;

static void on_cleared(err_t err, int64_t cleared, void *arg)
{
    clear_t *c = arg;
    if (err == ERR_OK && cleared == 0)
        err = ERR_CONV_NOT_FOUND;
    if (err == ERR_OK)
        conv_notify_add(c->env->conv_notify, c->user, c->key);
    c->cb(err, c->arg);
    xfree(c->user);
    xfree(c->key);
    xfree(c);
}

void conv_clear_history(const api_env_t *env, const char *user, const char *key, conv_done_fn cb,
                        void *arg)
{
    clear_t *c = XNEW(clear_t);
    c->env = env;
    c->user = xstrdup(user);
    c->key = xstrdup(key);
    c->cb = cb;
    c->arg = arg;
    store_conv_clear(env->db, user, key, (int64_t)time(NULL), on_cleared, c);
}
