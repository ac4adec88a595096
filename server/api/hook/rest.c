/* chatd's own admin API over the webhook outbox (docs/webhooks.md): chatd_webhook/list_dead
 * lists the events given up after webhook_max_age_s, chatd_webhook/retry_dead makes them due
 * again. Not Tencent's: the service name says so. */
#include <stdlib.h>

#include "api/api.h"
#include "api/hook/hook.h"
#include "api/valid.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/webhook.h"

static void on_list(err_t err, const store_webhook_dead_t *rows, size_t n, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const store_webhook_dead_t *r = &rows[i];
        json_t *body = json_loads(r->body, 0, NULL);
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:i, s:s, s:o}", "EventId",
                            (json_int_t)r->id, "CallbackCommand", r->command, "OrderKey",
                            r->order_key, "OptPlatform", r->platform, "ClientIP", r->client_ip,
                            "EventTime", (json_int_t)r->event_time, "Attempts", r->attempts,
                            "LastError", r->last_error, "Body", body ? body : json_object()));
    }
    json_t *result = json_pack("{s:o}", "Events", list);
    if (n > 0)
        json_object_set_new(result, "NextAfterEventId", json_integer((json_int_t)rows[n - 1].id));
    api_finish(call, result);
}

void api_webhook_list_dead(api_call_t *call)
{
    long long after = 0, limit = HOOK_LIST_DEFAULT;
    valid_t va = valid_get_int(call->body, "AfterEventId", 0, INT64_MAX, &after);
    valid_t vl = valid_get_int(call->body, "Limit", 1, HOOK_LIST_MAX, &limit);
    if ((va != VALID_OK && va != VALID_MISSING) || (vl != VALID_OK && vl != VALID_MISSING)) {
        api_fail(call, ERR_BAD_PARAM, "AfterEventId must be an EventId and Limit 1 to %d",
                 HOOK_LIST_MAX);
        return;
    }
    store_webhook_list_dead(call->env->db, after, (int)limit, on_list, call);
}

static void on_retry(err_t err, const store_ids_t *ids, void *arg)
{
    api_call_t *call = api_call_if_ok(err, arg);
    if (call == NULL)
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < ids->n; i++)
        json_array_append_new(list, json_integer(strtoll(ids->ids[i], NULL, 10)));
    log_info("api: %zu dead webhook events made due again by %s", ids->n, call->identifier);
    if (ids->n > 0)
        api_hook_poke(call->env);
    api_finish(call, json_pack("{s:o}", "EventIds", list));
}

void api_webhook_retry_dead(api_call_t *call)
{
    json_t *ids = json_object_get(call->body, "EventIds"), *v;
    json_t *all = json_object_get(call->body, "All");
    if (ids == NULL && (json_is_true(all) || (json_is_integer(all) && json_integer_value(all)))) {
        store_webhook_retry_dead(call->env->db, NULL, 0, on_retry, call);
        return;
    }
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > HOOK_RETRY_MAX) {
        api_fail(call, ERR_BAD_PARAM, "EventIds must be an array of 1 to %d EventIds (or All: 1)",
                 HOOK_RETRY_MAX);
        return;
    }
    int64_t *list = xcalloc(json_array_size(ids), sizeof *list);
    size_t i;
    json_array_foreach(ids, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            api_fail(call, ERR_BAD_PARAM, "EventIds[%zu] must be a positive integer", i);
            xfree(list);
            return;
        }
        list[i] = (int64_t)json_integer_value(v);
    }
    store_webhook_retry_dead(call->env->db, list, json_array_size(ids), on_retry, call);
    xfree(list);
}
