/* chatd_admin/…: the console's own admin APIs (api/admin/admin.h). Searches page by key with
 * AfterUserID / AfterGroupId; the answer's Next… cursor is present while a page came back full. */
#include <string.h>

#include "api/admin/admin.h"
#include "api/api.h"
#include "api/valid.h"
#include "config/config.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/admin.h"

/* A search request: Prefix (optional, "" = all), the cursor field, Limit. */
typedef struct {
    char *pattern; /* LIKE pattern from Prefix (heap), NULL for all */
    const char *after;
    int limit;
} search_t;

/* Prefix as a LIKE pattern: \, % and _ escaped, % appended; NULL for an empty prefix. */
static char *like_prefix(const char *prefix)
{
    if (*prefix == '\0')
        return NULL;
    sbuf_t b = {0};
    for (const char *p = prefix; *p; p++) {
        if (strchr("\\%_", *p))
            sbuf_append(&b, "\\", 1);
        sbuf_append(&b, p, 1);
    }
    sbuf_append(&b, "%", 1);
    return sbuf_steal(&b);
}

static bool read_search(api_call_t *call, const char *cursor, size_t cursor_max, search_t *s)
{
    const char *prefix = "";
    long long limit = ADMIN_SEARCH_DEFAULT;
    s->after = "";
    valid_t vp = valid_get_text(call->body, "Prefix", ADMIN_PREFIX_MAX, &prefix);
    valid_t va = valid_get_text(call->body, cursor, cursor_max, &s->after);
    valid_t vl = valid_get_int(call->body, "Limit", 1, ADMIN_SEARCH_MAX, &limit);
    if ((vp != VALID_OK && vp != VALID_MISSING) || (va != VALID_OK && va != VALID_MISSING) ||
        (vl != VALID_OK && vl != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM,
                 "Prefix must be text of at most %d bytes, %s a cursor from the last page and "
                 "Limit 1 to %d",
                 ADMIN_PREFIX_MAX, cursor, ADMIN_SEARCH_MAX);
        return false;
    }
    s->pattern = like_prefix(prefix);
    s->limit = (int)limit;
    return true;
}

/* Ends a search: `list` under `name`, and the cursor `next` when the page came back full. */
static void finish_search(api_call_t *call, const char *name, json_t *list, const char *next,
                          const char *key)
{
    json_t *result = json_pack("{s:o}", name, list);
    long long limit = ADMIN_SEARCH_DEFAULT;
    (void)valid_get_int(call->body, "Limit", 1, ADMIN_SEARCH_MAX, &limit);
    size_t n = json_array_size(list);
    if (n > 0 && n == (size_t)limit)
        json_object_set(result, next, json_object_get(json_array_get(list, n - 1), key));
    api_finish(call, result);
}

static void on_accounts(err_t err, const json_t *rows, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *list = json_deep_copy(rows);
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row)
    {
        const char *id = json_string_value(json_object_get(row, "UserID"));
        router_session_t *none[1];
        size_t n = router_user_sessions(call->env->router, id ? id : "", none, 0);
        json_object_set_new(row, "Sessions", json_integer((json_int_t)n));
    }
    finish_search(call, "Accounts", list, "NextAfterUserID", "UserID");
}

void api_admin_account_search(api_call_t *call)
{
    search_t s;
    if (!read_search(call, "AfterUserID", VALID_USERID_MAX, &s))
        return;
    store_admin_accounts(call->env->db, s.pattern, s.after, s.limit, on_accounts, call);
    xfree(s.pattern);
}

static void on_groups(err_t err, const json_t *rows, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    finish_search(call, "Groups", json_deep_copy(rows), "NextAfterGroupId", "GroupId");
}

void api_admin_group_search(api_call_t *call)
{
    search_t s;
    if (!read_search(call, "AfterGroupId", 128, &s))
        return;
    store_admin_groups(call->env->db, s.pattern, s.after, s.limit, on_groups, call);
    xfree(s.pattern);
}

void api_admin_user_sessions(api_call_t *call)
{
    static const char *const names[] = {"UserID", NULL};
    const char *user;
    if (valid_get_user_id(call->body, names, &user) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "UserID must be a UserID");
        return;
    }
    router_session_t *sessions[ADMIN_SESSIONS_MAX];
    size_t n = router_user_sessions(call->env->router, user, sessions, ADMIN_SESSIONS_MAX);
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < ADMIN_SESSIONS_MAX; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:I, s:I}", "Platform", router_session_platform(sessions[i]),
                            "ConnId", (json_int_t)router_session_conn_id(sessions[i]), "LoginTime",
                            (json_int_t)router_session_login_ms(sessions[i])));
    api_finish(call, json_pack("{s:s, s:s, s:o}", "UserID", user, "Status",
                               n ? "Online" : "Offline", "Sessions", list));
}

void api_admin_config_get(api_call_t *call)
{
    json_t *list = json_array();
    for (size_t i = 0; i < config_key_count(); i++) {
        config_key_view_t v;
        config_key_view(call->env->cfg, i, &v);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:b, s:b}", "Key", v.name, "Value",
                                              v.value, "Default", v.def, "Reloadable", v.reloadable,
                                              "Secret", v.secret));
        xfree(v.value);
    }
    api_finish(call, json_pack("{s:o}", "Config", list));
}
