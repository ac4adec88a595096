/* Accounts: im_open_login_svc/account_import, multiaccount_import, account_delete,
 * account_check, kick. */
#include <string.h>

#include "api/api.h"
#include "api/user/user.h"
#include "api/valid.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "router/router.h"
#include "store/store.h"

static const char *const user_id_names[] = {"UserID", "Identifier", NULL};

static void on_imported(err_t err, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    api_finish(call, NULL);
}

/* Reads Nick/FaceUrl of one account entry; false (call failed) when one is bad. */
static bool read_profile_fields(api_call_t *call, const json_t *item, store_account_t *acct)
{
    static const char *const fields[] = {"Nick", "FaceUrl"};
    const char **outs[] = {&acct->nick, &acct->face_url};
    for (int i = 0; i < 2; i++) {
        valid_t v = valid_get_text(item, fields[i], USER_PROFILE_TEXT_MAX, outs[i]);
        if (v != VALID_OK && v != VALID_MISSING) {
            api_fail(call, ERR_BAD_PARAM, "%s must be a string of at most %d bytes", fields[i],
                     USER_PROFILE_TEXT_MAX);
            return false;
        }
    }
    return true;
}

void api_account_import(api_call_t *call)
{
    store_account_t acct = {0};
    switch (valid_get_user_id(call->body, user_id_names, &acct.user_id)) {
    case VALID_OK:
        break;
    case VALID_MISSING:
        api_fail(call, ERR_BAD_PARAM, "UserID is required");
        return;
    default:
        api_fail(call, ERR_BAD_PARAM, "UserID must be a string of 1 to %d bytes of UTF-8 text",
                 VALID_USERID_MAX);
        return;
    }
    if (!read_profile_fields(call, call->body, &acct))
        return;
    store_accounts_import(call->env->db, &acct, 1, on_imported, call);
}

/* ---- multiaccount_import ---- */

typedef struct {
    store_account_t *accounts;
    size_t n;
    json_t *failed;
} multi_state_t;

static void multi_state_free(multi_state_t *st)
{
    xfree(st->accounts);
    json_decref(st->failed);
    xfree(st);
}

static void on_multi_imported(err_t err, void *arg)
{
    api_call_t *call = arg;
    multi_state_t *st = call->state;
    call->state = NULL;
    if (err != ERR_OK)
        api_fail(call, err, NULL);
    else
        api_finish(call, json_pack("{sO}", "FailAccounts", st->failed));
    multi_state_free(st);
}

static bool seen_before(const multi_state_t *st, const char *id)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->accounts[i].user_id, id) == 0)
            return true;
    return false;
}

/* One entry of AccountList (object) or Accounts (string). Invalid IDs go to FailAccounts. */
static bool add_multi_entry(api_call_t *call, multi_state_t *st, const json_t *item)
{
    store_account_t acct = {0};
    const json_t *id = json_is_object(item) ? valid_member(item, user_id_names) : item;
    if (!json_is_string(id)) {
        api_fail(call, ERR_BAD_PARAM,
                 "every account must be a UserID string or an object with one");
        return false;
    }
    acct.user_id = json_string_value(id);
    if (!valid_user_id(acct.user_id, json_string_length(id))) {
        json_array_append(st->failed, (json_t *)id);
        return true;
    }
    if (json_is_object(item) && !read_profile_fields(call, item, &acct))
        return false;
    if (!seen_before(st, acct.user_id))
        st->accounts[st->n++] = acct;
    return true;
}

void api_account_multi_import(api_call_t *call)
{
    json_t *list = json_object_get(call->body, "AccountList");
    if (list == NULL)
        list = json_object_get(call->body, "Accounts");
    if (!json_is_array(list) || json_array_size(list) == 0) {
        api_fail(call, ERR_BAD_PARAM, "AccountList (or Accounts) must be a non-empty array");
        return;
    }
    if (json_array_size(list) > USER_BATCH_MAX) {
        api_fail(call, ERR_TOO_MANY, "at most %d accounts per request", USER_BATCH_MAX);
        return;
    }
    multi_state_t *st = XNEW(multi_state_t);
    st->accounts = xcalloc(json_array_size(list), sizeof *st->accounts);
    st->failed = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!add_multi_entry(call, st, item)) {
            multi_state_free(st);
            return;
        }
    }
    if (st->n == 0) {
        api_finish(call, json_pack("{sO}", "FailAccounts", st->failed));
        multi_state_free(st);
        return;
    }
    call->state = st;
    store_accounts_import(call->env->db, st->accounts, st->n, on_multi_imported, call);
}

/* ---- account_check / account_delete: lists of {UserID} ---- */

/* Collects the valid UserIDs of `list` ([{UserID}] items) into a heap array; invalid entries
 * are reported per item by the caller. Fails the call when the list itself is bad. */
static const char **collect_items(api_call_t *call, const char *field, size_t *n_out)
{
    json_t *list = json_object_get(call->body, field);
    if (!json_is_array(list) || json_array_size(list) == 0) {
        api_fail(call, ERR_BAD_PARAM, "%s must be a non-empty array of {\"UserID\": …}", field);
        return NULL;
    }
    if (json_array_size(list) > USER_BATCH_MAX) {
        api_fail(call, ERR_TOO_MANY, "at most %d items in %s", USER_BATCH_MAX, field);
        return NULL;
    }
    const char **ids = xcalloc(json_array_size(list), sizeof(char *));
    size_t i, n = 0;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *id = NULL;
        valid_t v = json_is_object(item) ? valid_get_user_id(item, user_id_names, &id) : VALID_TYPE;
        if (v == VALID_MISSING || v == VALID_TYPE) {
            api_fail(call, ERR_BAD_PARAM, "%s[%zu] must be {\"UserID\": string}", field, i);
            xfree(ids);
            return NULL;
        }
        if (v == VALID_OK)
            ids[n++] = id;
    }
    *n_out = n;
    return ids;
}

/* ResultItem for every entry of `field`, in request order. */
static json_t *result_items(api_call_t *call, const char *field, const store_ids_t *found,
                            bool check)
{
    json_t *out = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(call->body, field), i, item)
    {
        json_t *idv = valid_member(item, user_id_names);
        const char *id = json_string_value(idv);
        bool ok = valid_user_id(id, json_string_length(idv));
        bool present = ok && store_ids_has(found, id);
        int code = !ok ? err_code(ERR_BAD_PARAM, NULL) : (check || present) ? 0 : 70107;
        json_t *r = json_pack("{sssiss}", "UserID", id, "ResultCode", code, "ResultInfo",
                              code ? err_text(code) : "");
        if (check && ok)
            json_object_set_new(r, "AccountStatus",
                                json_string(present ? "Imported" : "NotImported"));
        json_array_append_new(out, r);
    }
    return out;
}

static void on_checked(err_t err, const store_ids_t *found, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    api_finish(call, json_pack("{so}", "ResultItem", result_items(call, "CheckItem", found, true)));
}

static void on_deleted(err_t err, const store_ids_t *gone, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    for (size_t i = 0; i < gone->n; i++) {
        router_kick_user(call->env->router, gone->ids[i], "account deleted");
        log_info("api: account %s deleted by %s", gone->ids[i], call->identifier);
    }
    api_finish(call,
               json_pack("{so}", "ResultItem", result_items(call, "DeleteItem", gone, false)));
}

static void run_id_list(api_call_t *call, const char *field, store_ids_fn cb,
                        void (*op)(db_pool_t *, const char *const *, size_t, store_ids_fn, void *))
{
    size_t n = 0;
    const char **ids = collect_items(call, field, &n);
    if (ids == NULL)
        return;
    op(call->env->db, ids, n, cb, call);
    xfree(ids);
}

void api_account_check(api_call_t *call)
{
    run_id_list(call, "CheckItem", on_checked, store_accounts_existing);
}

void api_account_delete(api_call_t *call)
{
    run_id_list(call, "DeleteItem", on_deleted, store_accounts_delete);
}

/* ---- kick ---- */

static void on_kick_checked(err_t err, const store_ids_t *found, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    if (found->n == 0) {
        api_fail(call, ERR_NOT_IMPORTED, NULL);
        return;
    }
    size_t n = router_kick_user(call->env->router, found->ids[0], "kicked by administrator");
    log_info("api: kick user=%s sessions=%zu by %s", found->ids[0], n, call->identifier);
    api_finish(call, NULL);
}

void api_account_kick(api_call_t *call)
{
    const char *id;
    if (valid_get_user_id(call->body, user_id_names, &id) != VALID_OK) {
        api_fail(call, ERR_BAD_PARAM, "UserID must be a string of 1 to %d bytes", VALID_USERID_MAX);
        return;
    }
    store_accounts_existing(call->env->db, &id, 1, on_kick_checked, call);
}
