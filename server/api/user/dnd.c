/* The global receive option (user/user.h): setAllReceiveMessageOpt, getAllReceiveMessageOpt
 * and onAllReceiveMessageOptChanged — Tencent's "do not disturb": messages still arrive, online
 * and in the unread counts, but the window's offline pushes are not sent. */
#include <stdint.h>

#include "api/api.h"
#include "api/user/user.h"
#include "router/router.h"
#include "store/store.h"

enum {
    DND_DAY_S = 86400,           /* longest daily window */
    DND_ONCE_MAX_S = 0x7fffffff, /* longest one-off window */
};

/* V2TIMReceiveMessageOptInfo. */
static json_t *info_sdk(const store_dnd_t *d)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "allReceiveMessageOpt", (json_int_t)d->opt,
                     "startHour", (json_int_t)d->start_hour, "startMinute",
                     (json_int_t)d->start_minute, "startSecond", (json_int_t)d->start_second,
                     "startTimeStamp", (json_int_t)d->start_ts, "duration",
                     (json_int_t)d->duration);
}

static void on_set(err_t err, bool found, const store_dnd_t *d, void *arg)
{
    api_call_t *call = api_call_if_ok(err == ERR_OK && !found ? ERR_NOT_IMPORTED : err, arg);
    if (call == NULL)
        return;
    router_frame_t *f = router_frame_from_json("onAllReceiveMessageOptChanged",
                                               json_pack("{s:o}", "info", info_sdk(d)));
    router_push_user(call->env->router, call->identifier, f, call->conn_id);
    router_frame_unref(f);
    api_finish(call, NULL);
}

/* An optional integer field in [lo, hi] into *out (0 when absent); false when malformed. */
static bool field(const json_t *body, const char *name, long long lo, long long hi, int64_t *out)
{
    json_t *v = json_object_get(body, name);
    if (v == NULL) {
        *out = 0;
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

void api_user_set_all_recv_opt(api_call_t *call)
{
    store_dnd_t d = {0};
    const json_t *b = call->body;
    bool ok = json_is_integer(json_object_get(b, "opt")) && field(b, "opt", 0, 2, &d.opt) &&
              d.opt != 1 && field(b, "startHour", 0, 23, &d.start_hour) &&
              field(b, "startMinute", 0, 59, &d.start_minute) &&
              field(b, "startSecond", 0, 59, &d.start_second) &&
              field(b, "startTimeStamp", 0, UINT32_MAX, &d.start_ts) &&
              field(b, "duration", 0, d.start_ts ? DND_ONCE_MAX_S : DND_DAY_S, &d.duration);
    if (!ok) {
        api_fail(call, ERR_BAD_PARAM,
                 "opt must be 0 (receive) or 2 (receive, no notifications); startHour 0-23, "
                 "startMinute and startSecond 0-59, or startTimeStamp; duration in seconds "
                 "(at most %d for a daily window)",
                 DND_DAY_S);
        return;
    }
    store_dnd_set(call->env->db, call->identifier, &d, on_set, call);
}

static void on_get(err_t err, bool found, const store_dnd_t *d, void *arg)
{
    api_call_t *call = api_call_if_ok(err == ERR_OK && !found ? ERR_NOT_IMPORTED : err, arg);
    if (call != NULL)
        api_finish(call, info_sdk(d));
}

void api_user_get_all_recv_opt(api_call_t *call)
{
    store_dnd_get(call->env->db, call->identifier, on_get, call);
}
