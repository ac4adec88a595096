/* Global mute (REST `openconfigsvr`): setnospeaking, getnospeaking.
 *
 * On the wire a mute is a duration in seconds from now (0: none, 4294967295: forever); the store
 * keeps the unix time it ends, MUTE_FOREVER for a permanent one, so that the send path compares
 * one column with the clock. */
#include <stdint.h>
#include <time.h>

#include "api/api.h"
#include "api/valid.h"
#include "store/message.h"

#define WIRE_FOREVER 4294967295LL /* Tencent's "permanently muted" */
#define MUTE_FOREVER INT64_MAX    /* stored end of a permanent mute: later than any send */

static const char *const set_names[] = {"Set_Account", NULL};
static const char *const get_names[] = {"Get_Account", NULL};
static const char *const fields[] = {"C2CmsgNospeakingTime", "GroupmsgNospeakingTime"};

/* Seconds from now on the wire → stored end time. */
static int64_t until_of(long long secs, int64_t now)
{
    if (secs == 0)
        return 0;
    if (secs == WIRE_FOREVER)
        return MUTE_FOREVER;
    return now + secs;
}

/* Stored end time → seconds still to go on the wire. */
static long long remaining(int64_t until, int64_t now)
{
    if (until == MUTE_FOREVER)
        return WIRE_FOREVER;
    if (until <= now)
        return 0;
    return until - now < WIRE_FOREVER ? until - now : WIRE_FOREVER - 1;
}

/* The account named under `names`; fails the call when it is missing or malformed. */
static bool read_account(api_call_t *call, const char *const *names, const char **out)
{
    if (valid_get_user_id(call->body, names, out) == VALID_OK)
        return true;
    api_fail(call, ERR_BAD_PARAM, "%s is required: a UserID string of 1 to %d bytes", names[0],
             VALID_USERID_MAX);
    return false;
}

static void on_set(err_t err, void *arg)
{
    api_call_t *call = arg;
    if (err == ERR_NOT_IMPORTED)
        api_fail(call, err, "%s does not exist",
                 json_string_value(valid_member(call->body, set_names)));
    else if (err != ERR_OK)
        api_fail(call, err, NULL);
    else
        api_finish(call, NULL);
}

void api_nospeaking_set(api_call_t *call)
{
    const char *user;
    if (!read_account(call, set_names, &user))
        return;
    int64_t now = (int64_t)time(NULL), until[2] = {-1, -1};
    for (int i = 0; i < 2; i++) {
        long long secs;
        switch (valid_get_int(call->body, fields[i], 0, WIRE_FOREVER, &secs)) {
        case VALID_OK:
            until[i] = until_of(secs, now);
            break;
        case VALID_MISSING:
            break;
        default:
            api_fail(call, ERR_BAD_PARAM,
                     "%s must be seconds from 0 (unmute) to 4294967295 (forever)", fields[i]);
            return;
        }
    }
    if (until[0] < 0 && until[1] < 0) {
        api_fail(call, ERR_BAD_PARAM, "give C2CmsgNospeakingTime, GroupmsgNospeakingTime or both");
        return;
    }
    store_mute_set(call->env->db, user, until[0], until[1], on_set, call);
}

static void on_get(err_t err, bool found, int64_t c2c_until, int64_t group_until, void *arg)
{
    api_call_t *call = arg;
    const char *user = json_string_value(valid_member(call->body, get_names));
    if (err == ERR_OK && !found) {
        api_fail(call, ERR_NOT_IMPORTED, "%s does not exist", user);
        return;
    }
    if (err != ERR_OK) {
        api_fail(call, err, NULL);
        return;
    }
    int64_t now = (int64_t)time(NULL);
    api_finish(call, json_pack("{s:I, s:I}", fields[0], (json_int_t)remaining(c2c_until, now),
                               fields[1], (json_int_t)remaining(group_until, now)));
}

void api_nospeaking_get(api_call_t *call)
{
    const char *user;
    if (!read_account(call, get_names, &user))
        return;
    store_mute_get(call->env->db, user, on_get, call);
}
