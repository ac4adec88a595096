#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const err_entry_t table[] = {
    {0, ""},
    {60002, "HTTP parse error: the URL is malformed"},
    {60003, "request body is not valid JSON"},
    {60006, "SDKAppID is invalid"},
    {60008, "request body too large"},
    {60009, "unknown API: no such service or command"},
    {60010, "this API requires an app administrator"},
    {60015, "UserID must be a string"},
    {60025, "missing or invalid URL parameter (sdkappid, identifier, usersig, contenttype)"},
    {70001, "UserSig expired"},
    {70003, "UserSig is illegal: cannot be decoded"},
    {70009, "UserSig verification failed"},
    {70013, "UserID in the request does not match the UserSig"},
    {70014, "SDKAppID in the request does not match the UserSig"},
    {70107, "account not imported"},
    {70402, "invalid parameters"},
    {70403, "this API requires an app administrator"},
    {70500, "internal server error"},
    {70169, "internal server timeout, try again later"},
    {6014, "not logged in: send login first"},
    {60018, "too many requests"},
    {60019, "too many messages: the sender's rate limit"},
    {60007, "REST call frequency over the limit"},
    {60021, "source IP not allowed"},
    {6017, "invalid parameter"},
    {8010, "invalid signaling invitation ID"},
    {8011, "not authorized for this signaling invitation"},
    {20003, "sender or receiver UserID is invalid or does not exist"},
    {20012, "sender is muted"},
    {20006, "message refused by the app's before-send callback"},
    {90001, "Fail to Parse json data of body, Please check it"},
    {90002, "MsgBody format error"},
    {90043, "OfflinePushInfo format error"},
    {80002, "message body too long (> 12 KB)"},
    {80003, "the app's before-callback did not answer in time or answered wrongly"},
    {90003, "To_Account is missing or does not exist"},
    {90008, "From_Account is missing or does not exist"},
    {90009, "this API requires an app administrator"},
    {90010, "request does not match the message format"},
    {90011, "too many target accounts"},
    {90005, "MsgRandom is missing or is not a uint32"},
    {90006, "MsgTimeStamp is missing or is not a unix time"},
    {90012, "no To_Account could be sent to: not imported or invalid"},
    {90026, "MsgLifeTime out of range (0 to 604800 seconds)"},
    {90028, "To_Account must be an array of UserIDs"},
    {90029, "To_Account is empty"},
    {90030, "SyncFromOldSystem must be 2 or 5"},
    {90031, "SyncOtherMachine must be 1 or 2"},
    {90044, "MsgLifeTime is not an integer"},
    {90054, "MsgKey is invalid"},
    {20016, "the time limit for recalling this message has passed"},
    {20022, "message does not exist"},
    {20023, "message was already recalled"},
    {91000, "internal server error"},
    {91101, "no message file for that hour"},
    {10002, "internal server error"},
    {10004, "invalid parameters"},
    {10005, "too many accounts in the request"},
    {10007, "no permission for this operation"},
    {10009, "the group owner cannot quit this group"},
    {10010, "group does not exist or was dismissed"},
    {10011, "request body is not a valid JSON object"},
    {10013, "already a member of the group"},
    {10014, "the group is full"},
    {10015, "invalid group ID"},
    {10016, "rejected by the app's callback"},
    {10017, "muted in this group"},
    {10019, "user does not exist"},
    {10021, "group ID already in use"},
    {10024, "the application or invitation was already handled"},
    {10045, "group attribute key is empty or longer than 32 bytes"},
    {10046, "group attribute value longer than 4000 bytes"},
    {10047, "too many group attributes (at most 16)"},
    {10048, "group attributes too large (at most 16000 bytes in all)"},
    {10053, "too many @ mentions (at most 30)"},
    {10030, "message to recall does not exist"},
    {10070, "the group has 10 pinned messages already"},
    {10063, "too many group counter keys (at most 20)"},
    {10023, "group message frequency over the limit"},
    {10031, "the time limit for recalling this message has passed"},
    {10062, "read receipt information not found for this message"},
    {6004, "conversation does not exist"},
    {50001, "account not imported"},
    {50002, "invalid parameters"},
    {50003, "this API requires an app administrator"},
    {50004, "internal server error"},
    {51006, "too many conversations in one request (at most 100)"},
    {51008, "marked or grouped conversations at their limit (1000)"},
    {51009, "conversation group does not exist"},
    {51010, "conversation groups at their limit (20)"},
    {51011, "conversation group name longer than 32 bytes"},
    {51012, "pinned conversations at their limit (50)"},
    {40001, "invalid parameters"},
    {40003, "account not imported"},
    {40004, "this API requires an app administrator"},
    {40006, "internal server error"},
    {40009, "profile tag is missing or unknown"},
    {40601, "profile value longer than 500 bytes"},
    {40605, "invalid value for a standard profile field"},
    {40610, "profile value has the wrong type"},
    {30001, "invalid parameters"},
    {30003, "account not imported"},
    {30004, "this API requires an app administrator"},
    {30006, "internal server error"},
    {30009, "the user is forbidden to add friends"},
    {30010, "the friend list is full"},
    {30011, "too many friend lists"},
    {30012, "the peer has too many pending friend requests"},
    {30013, "the blocklist is full"},
    {30014, "the peer's friend list is full"},
    {30515, "the peer is in your blocklist"},
    {30516, "the peer does not accept friend requests"},
    {30525, "you are in the peer's blocklist"},
    {30539, "friend request sent: waiting for the peer's confirmation"},
    {30614, "no such friend request"},
    {31704, "not friends"},
    {31804, "no such friend request to delete"},
    {23001, "message extension changed concurrently: the seq given is not the key's"},
    {72001, "user status is not enabled (user_status = off)"},
    {20007, "the receiver has blocked the sender"},
    {20009, "not friends: neither has the other as a friend"},
    {20010, "the sender is not in the receiver's friend list"},
    {20011, "the receiver is not in the sender's friend list"},
};

static const err_service_t defaults = {
    .json = 90001,
    .bad_param = 70402,
    .internal = 70500,
    .not_admin = 60010,
    .not_imported = 70107,
    .too_many = 70402,
};

static int pick(int svc_value, int fallback)
{
    return svc_value ? svc_value : fallback;
}

int err_code(err_t err, const err_service_t *svc)
{
    static const err_service_t none = {0};
    if (svc == NULL)
        svc = &none;
    switch (err) {
    case ERR_JSON:
        return pick(svc->json, defaults.json);
    case ERR_BAD_PARAM:
        return pick(svc->bad_param, defaults.bad_param);
    case ERR_INTERNAL:
        return pick(svc->internal, defaults.internal);
    case ERR_NOT_ADMIN:
        return pick(svc->not_admin, defaults.not_admin);
    case ERR_NOT_IMPORTED:
        return pick(svc->not_imported, defaults.not_imported);
    case ERR_TOO_MANY:
        return pick(svc->too_many, defaults.too_many);
    case ERR_DB_DOWN:
        return 70169;
    default:
        return (int)err;
    }
}

bool err_app_defined(int code)
{
    return (code >= 120001 && code <= 130000) || (code >= 10100 && code <= 10200) ||
           (code >= 38000 && code <= 39000);
}

const char *err_text(int code)
{
    if (err_app_defined(code))
        return "";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == code)
            return table[i].text;
    return "error";
}

const err_entry_t *err_table(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}

void err_message(char *errbuf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, len, fmt, ap);
    va_end(ap);
    size_t n = strlen(errbuf);
    while (n > 0 && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '))
        errbuf[--n] = '\0';
}
