/* REST openconfigsvr/getappinfo: the daily statistics of the last 30 days (store/stats.h). */
#include <string.h>

#include "api/api.h"
#include "api/stats/stats.h"
#include "core/xalloc.h"
#include "store/stats.h"

/* Every field a row has, as Tencent names them; RequestField may pick any of them. */
static const char *const fields[] = {
    "AppName",
    "AppId",
    "Company",
    "ActiveUserNum",
    "RegistUserNumOneDay",
    "RegistUserNumTotal",
    "LoginTimes",
    "LoginUserNum",
    "UpMsgNum",
    "SendMsgUserNum",
    "APNSMsgNum",
    "C2CUpMsgNum",
    "C2CDownMsgNum",
    "C2CSendMsgUserNum",
    "C2CAPNSMsgNum",
    "MaxOnlineNum",
    "DownMsgNum",
    "ChainIncrease",
    "ChainDecrease",
    "GroupUpMsgNum",
    "GroupDownMsgNum",
    "GroupSendMsgUserNum",
    "GroupAPNSMsgNum",
    "GroupSendMsgGroupNum",
    "GroupJoinGroupTimes",
    "GroupQuitGroupTimes",
    "GroupNewGroupNum",
    "GroupAllGroupNum",
    "GroupDestroyGroupNum",
    "CallBackReq",
    "CallBackRsp",
    "Date",
};

static bool known_field(const char *name)
{
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(fields[i], name) == 0)
            return true;
    return false;
}

typedef struct {
    api_call_t *call;
    json_t *wanted; /* RequestField, or NULL: every field */
} appinfo_t;

static void on_days(err_t err, json_t *days, void *arg)
{
    appinfo_t a = *(appinfo_t *)arg;
    xfree(arg);
    api_call_t *call = api_call_if_ok(err, a.call);
    if (call == NULL) {
        json_decref(a.wanted);
        return;
    }
    char appid[24];
    snprintf(appid, sizeof appid, "%llu", (unsigned long long)call->env->cfg->sdkappid);
    json_t *result = json_array();
    size_t i;
    json_t *day;
    json_array_foreach(days, i, day)
    {
        json_object_set_new(day, "AppId", json_string(appid));
        json_object_set_new(day, "AppName", json_string(STATS_APP_NAME));
        json_object_set_new(day, "Company", json_string(""));
        if (a.wanted == NULL) {
            json_array_append(result, day);
            continue;
        }
        /* Tencent's answers to a selection carry the Date as well. */
        json_t *row = json_pack("{s:O}", "Date", json_object_get(day, "Date"));
        size_t k;
        json_t *name;
        json_array_foreach(a.wanted, k, name) json_object_set(
            row, json_string_value(name), json_object_get(day, json_string_value(name)));
        json_array_append_new(result, row);
    }
    json_decref(a.wanted);
    api_finish(call, json_pack("{s:o}", "Result", result));
}

void api_getappinfo(api_call_t *call)
{
    const json_t *wanted = json_object_get(call->body, "RequestField");
    if (wanted != NULL && !json_is_array(wanted)) {
        api_fail(call, ERR_BAD_PARAM, "RequestField must be an array of field names");
        return;
    }
    size_t i;
    const json_t *name;
    json_array_foreach(wanted, i,
                       name) if (!json_is_string(name) || !known_field(json_string_value(name)))
    {
        api_fail(call, ERR_BAD_PARAM, "RequestField[%zu] is not a getappinfo field", i);
        return;
    }
    appinfo_t *a = XNEW(appinfo_t);
    a->call = call;
    a->wanted = wanted && json_array_size(wanted) > 0 ? json_deep_copy(wanted) : NULL;
    store_stats_days(call->env->stats, STATS_DAYS, on_days, a);
}
