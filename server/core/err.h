/*
 * err — chatd's one error table.
 *
 * Every outcome a handler can report is an err_t. Most values *are* the Tencent Cloud Chat
 * ErrorCode they stand for (ERR_USERSIG_EXPIRED == 70001). A few are generic kinds whose Tencent
 * code depends on the service that reports them (a bad parameter is 10004 in group APIs but 40001
 * in profile APIs); err_code() resolves those with the service's err_service_t row.
 *
 * Handlers return an err_t and, optionally, a detail text; only http/ and ws/ turn that into
 * JSON. docs/errors.md lists every code chatd can emit and is checked against err_table().
 */
#ifndef CHATD_CORE_ERR_H
#define CHATD_CORE_ERR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    ERR_OK = 0,

    /* Generic kinds, mapped per service by err_code(). */
    ERR_JSON = 1,         /* body is not a JSON object */
    ERR_BAD_PARAM = 2,    /* a field is missing, of the wrong type or out of range */
    ERR_INTERNAL = 3,     /* chatd or PostgreSQL failed; nothing was changed */
    ERR_NOT_ADMIN = 4,    /* the caller must be an app administrator */
    ERR_NOT_IMPORTED = 5, /* an account named in the request does not exist */
    ERR_DB_DOWN = 6,      /* PostgreSQL unreachable or too slow (70169, server timeout) */
    ERR_TOO_MANY = 7,     /* a list in the request is longer than the API allows */

    /* Common REST access errors. */
    ERR_URL = 60002,
    ERR_JSON_COMMON = 60003,
    ERR_NEED_ADMIN_COMMON = 60010,
    ERR_BAD_RESOURCE = 60009,
    ERR_USERID_TYPE = 60015,
    ERR_URL_PARAM = 60025,
    ERR_SDKAPPID = 60006,
    ERR_BODY_TOO_LARGE = 60008,
    ERR_SOURCE_IP = 60021, /* an app admin's call from outside admin_allow_ips */

    /* UserSig / JWT. */
    ERR_USERSIG_EXPIRED = 70001,
    ERR_USERSIG_ILLEGAL = 70003,
    ERR_USERSIG_VERIFY = 70009,
    ERR_USERSIG_USERID = 70013,
    ERR_USERSIG_SDKAPPID = 70014,
    ERR_ACCOUNT_NOT_IMPORTED = 70107,
    ERR_ACCOUNT_PARAM = 70402,
    ERR_ACCOUNT_INTERNAL = 70500,

    /* Client connections (WebSocket). */
    ERR_NOT_LOGGED_IN = 6014,
    ERR_TOO_FREQUENT = 60018,      /* a session's commands: in flight, or their rate */
    ERR_SEND_TOO_FREQUENT = 60019, /* a user's one-to-one sends over rate_limit_msgs_per_s */
    ERR_REST_TOO_FREQUENT = 60007, /* REST calls over their per-IP or app rate */

    /* Signaling (SDK codes). */
    ERR_SIGNAL_PARAM = 6017,          /* a malformed signaling request */
    ERR_SIGNAL_INVALID_ID = 8010,     /* no such invitation, or no longer waiting */
    ERR_SIGNAL_NOT_AUTHORIZED = 8011, /* not the inviter (cancel) or not invited */

    /* One-to-one messages (openim). */
    ERR_C2C_USER_INVALID = 20003,
    ERR_C2C_MUTED = 20012,
    ERR_C2C_CALLBACK_REFUSED = 20006, /* the app's C2C.CallbackBeforeSendMsg said no */
    ERR_CALLBACK_FAILED = 80003,      /* a before-callback failed and webhook_before_fail = block */
    ERR_OPENIM_JSON = 90001,
    ERR_MSGBODY_FORMAT = 90002, /* MsgBody is not a well-formed element array */
    ERR_OFFLINE_PUSH = 90043,   /* OfflinePushInfo is malformed */
    ERR_MSG_TOO_LONG = 80002,   /* MsgBody (+ CloudCustomData) over 12 KB */
    ERR_OPENIM_TO_ACCOUNT = 90003,
    ERR_OPENIM_FROM_ACCOUNT = 90008,
    ERR_OPENIM_NEED_ADMIN = 90009,
    ERR_OPENIM_FORMAT = 90010,
    ERR_OPENIM_TOO_MANY = 90011,
    ERR_OPENIM_MSG_RANDOM = 90005,    /* MsgRandom missing or not a uint32 */
    ERR_OPENIM_MSG_TIME = 90006,      /* MsgTimeStamp missing (importmsg) or not a unix time */
    ERR_OPENIM_NO_RECEIVER = 90012,   /* batchsendmsg: no To_Account could be sent to */
    ERR_OPENIM_LIFETIME = 90026,      /* MsgLifeTime outside 0..604800 */
    ERR_OPENIM_TO_LIST = 90028,       /* batchsendmsg: To_Account is not an array of strings */
    ERR_OPENIM_TO_EMPTY = 90029,      /* batchsendmsg: To_Account is empty */
    ERR_OPENIM_SYNC_OLD = 90030,      /* importmsg: SyncFromOldSystem is not 2 or 5 */
    ERR_OPENIM_SYNC_OTHER = 90031,    /* SyncOtherMachine is not 1 or 2 */
    ERR_OPENIM_LIFETIME_TYPE = 90044, /* MsgLifeTime is not an integer */
    ERR_OPENIM_MSGKEY = 90054,        /* a MsgKey that chatd did not issue */
    ERR_MSG_RECALL_LIMIT = 20016,     /* a client recall after msg_recall_limit_s */
    ERR_MSG_NOT_FOUND = 20022,        /* recall/modify: no such message (of that sender) */
    ERR_MSG_RECALLED = 20023,         /* recall/modify: the message was already recalled */
    ERR_OPENIM_INTERNAL = 91000,
    ERR_HISTORY_NONE = 91101, /* get_history: the hour is not over yet, or had no messages */

    /* Groups. */
    ERR_GROUP_INTERNAL = 10002,
    ERR_GROUP_PARAM = 10004,
    ERR_GROUP_TOO_MANY = 10005,
    ERR_GROUP_PERMISSION = 10007,
    ERR_GROUP_OWNER_QUIT = 10009,
    ERR_GROUP_NOT_FOUND = 10010,
    ERR_GROUP_JSON = 10011,
    ERR_GROUP_ALREADY_MEMBER = 10013,
    ERR_GROUP_FULL = 10014,
    ERR_GROUP_BAD_ID = 10015,
    ERR_GROUP_CALLBACK_REJECT = 10016,
    ERR_GROUP_MUTED = 10017,
    ERR_GROUP_USER_MISSING = 10019,
    ERR_GROUP_ID_TAKEN = 10021,
    ERR_GROUP_HANDLED = 10024,    /* the application or invitation was already handled */
    ERR_GROUP_ATTR_KEY = 10045,   /* a group attribute key is empty or over 32 bytes */
    ERR_GROUP_ATTR_VALUE = 10046, /* a group attribute value is over 4000 bytes */
    ERR_GROUP_ATTR_COUNT = 10047, /* more than 16 group attributes */
    ERR_GROUP_ATTR_SIZE = 10048,  /* group attributes over 16000 bytes together */
    ERR_GROUP_AT_TOO_MANY = 10053,
    ERR_GROUP_MSG_NOT_FOUND = 10030,     /* group recall: no such message */
    ERR_GROUP_RECALL_LIMIT = 10031,      /* a client recall after msg_recall_limit_s */
    ERR_GROUP_RECEIPT_MISSING = 10062,   /* no read-receipt info: no such message with receipts */
    ERR_GROUP_PIN_LIMIT = 10070,         /* the group has the most pinned messages allowed */
    ERR_GROUP_COUNTER_KEYS = 10063,      /* more than 20 group counter keys */
    ERR_GROUP_SEND_TOO_FREQUENT = 10023, /* a user's group sends over rate_limit_msgs_per_s */

    /* Conversations (recentcontact). */
    ERR_RC_NOT_IMPORTED = 50001,
    ERR_RC_PARAM = 50002,
    ERR_RC_NEED_ADMIN = 50003,
    ERR_RC_INTERNAL = 50004,
    ERR_CONV_NOT_FOUND = 6004,
    ERR_CONV_TOO_MANY = 51006,
    ERR_CONV_MARK_LIMIT = 51008,
    ERR_CONV_GROUP_MISSING = 51009,
    ERR_CONV_GROUP_LIMIT = 51010,
    ERR_CONV_GROUP_NAME = 51011,
    ERR_CONV_PIN_LIMIT = 51012,

    /* Profile. */
    ERR_PROFILE_PARAM = 40001,
    ERR_PROFILE_NOT_IMPORTED = 40003,
    ERR_PROFILE_NEED_ADMIN = 40004,
    ERR_PROFILE_INTERNAL = 40006,
    ERR_PROFILE_TAG = 40009,
    ERR_PROFILE_VALUE_LONG = 40601,
    ERR_PROFILE_VALUE = 40605,
    ERR_PROFILE_VALUE_TYPE = 40610,

    /* Relationship chains (sns): friends, requests, friend lists, the blocklist. */
    ERR_SNS_PARAM = 30001,
    ERR_SNS_NOT_IMPORTED = 30003,
    ERR_SNS_NEED_ADMIN = 30004,
    ERR_SNS_INTERNAL = 30006,
    ERR_SNS_FORBIDDEN = 30009,            /* AdminForbidType SendOut: may not add friends */
    ERR_SNS_FRIEND_LIMIT = 30010,         /* the user has the most friends allowed */
    ERR_SNS_GROUP_LIMIT = 30011,          /* the most friend lists allowed */
    ERR_SNS_PENDING_LIMIT = 30012,        /* the peer has the most pending requests allowed */
    ERR_SNS_BLOCK_LIMIT = 30013,          /* the blocklist is full */
    ERR_SNS_PEER_FRIEND_LIMIT = 30014,    /* the peer has the most friends allowed */
    ERR_SNS_PEER_BLOCKED = 30515,         /* the peer is in the user's blocklist */
    ERR_SNS_DENY_ANY = 30516,             /* the peer's AllowType is DenyAny */
    ERR_SNS_IN_PEER_BLOCKLIST = 30525,    /* the user is in the peer's blocklist */
    ERR_SNS_PENDING = 30539,              /* request stored: the peer must confirm */
    ERR_SNS_NO_REQUEST = 30614,           /* no such pending friend request */
    ERR_SNS_NOT_FRIEND = 31704,           /* not friends */
    ERR_SNS_NO_REQUEST_TO_DELETE = 31804, /* deleteFriendApplication: no such request */

    ERR_EXT_CONFLICT = 23001,    /* a message extension's seq is stale: another writer won */
    ERR_USER_STATUS_OFF = 72001, /* user status commands while user_status = off */

    /* One-to-one sends refused by relationships. */
    ERR_C2C_BLOCKED = 20007,          /* the sender is in the receiver's blocklist */
    ERR_C2C_NOT_FRIENDS = 20009,      /* neither has the other as a friend */
    ERR_C2C_NOT_PEERS_FRIEND = 20010, /* the sender is not in the receiver's friend list */
    ERR_C2C_PEER_NOT_FRIEND = 20011,  /* the receiver is not in the sender's friend list */
} err_t;

/* How a service spells the generic kinds. Zero fields fall back to the defaults in err.c. */
typedef struct {
    int json, bad_param, internal, not_admin, not_imported, too_many;
} err_service_t;

/* The Tencent ErrorCode for err as reported by a service (svc may be NULL). */
int err_code(err_t err, const err_service_t *svc);
/* Default English text for a Tencent ErrorCode; never NULL. */
const char *err_text(int code);
/* True for the ranges an app's before-callback may answer with its own refusal code and text
 * (120001–130000, 10100–10200, 38000–39000): err_text() is "" for them and the answer carries
 * the app's ErrorInfo alone. */
bool err_app_defined(int code);

typedef struct {
    int code;
    const char *text;
} err_entry_t;
/* Every code chatd emits, for docs checks and tests. */
const err_entry_t *err_table(size_t *count);

/* Writes a formatted message into errbuf (len bytes) without trailing newlines or spaces
 * (libpq's messages end in one): how startup code (config, migrate) reports why it failed. */
void err_message(char *errbuf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
