/*
 * store/stats — the daily statistics of REST openconfigsvr/getappinfo.
 *
 * The places where things happen (sends, logins, imports, group changes, callbacks) count them
 * here with cheap in-memory increments on the loop thread; a flusher adds what was counted to
 * PostgreSQL every interval and once more at shutdown (store_stats_flush()). Days are UTC days;
 * a count belongs to the day it happened on. Distinct counts (active users, senders, groups)
 * remember, until the next flush, the IDs they saw, and insert each once per flush.
 * Single-threaded: loop thread only. The counting functions work before a flusher exists (the
 * counts wait for it) and after it is gone (they are dropped at exit).
 */
#ifndef CHATD_STORE_STATS_H
#define CHATD_STORE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct event_base;

/* Counters added up per day (their getappinfo names in stats.c). */
typedef enum {
    STATS_REGISTERED = 0, /* RegistUserNumOneDay: accounts imported */
    STATS_LOGINS,         /* LoginTimes */
    STATS_C2C_UP,         /* C2CUpMsgNum: one-to-one messages sent */
    STATS_C2C_DOWN,       /* C2CDownMsgNum: … pushed to a receiver's session */
    STATS_GROUP_UP,       /* GroupUpMsgNum */
    STATS_GROUP_DOWN,     /* GroupDownMsgNum */
    STATS_CHAIN_UP,       /* ChainIncrease: friend relations added */
    STATS_CHAIN_DOWN,     /* ChainDecrease: … deleted */
    STATS_GROUP_JOINS,    /* GroupJoinGroupTimes */
    STATS_GROUP_QUITS,    /* GroupQuitGroupTimes */
    STATS_GROUP_NEW,      /* GroupNewGroupNum */
    STATS_GROUP_DESTROY,  /* GroupDestroyGroupNum */
    STATS_CALLBACK_REQ,   /* CallBackReq: callback requests sent to the app */
    STATS_CALLBACK_RSP,   /* CallBackRsp: … that the app answered */
    STATS_NCOUNTERS
} stats_counter_t;

/* Distinct IDs per day. */
typedef enum {
    STATS_ACTIVE = 0,    /* ActiveUserNum: users who logged in or sent */
    STATS_LOGIN_USERS,   /* LoginUserNum */
    STATS_SENDERS,       /* SendMsgUserNum */
    STATS_C2C_SENDERS,   /* C2CSendMsgUserNum */
    STATS_GROUP_SENDERS, /* GroupSendMsgUserNum */
    STATS_GROUPS_SENT,   /* GroupSendMsgGroupNum: groups that got a message */
    STATS_NKINDS
} stats_kind_t;

void stats_add(stats_counter_t c, int64_t n);
void stats_id(stats_kind_t k, const char *id);
/* A message sent by `sender` (to a group when group_id is set): the up counter and the
 * distinct senders, active users and groups. */
void stats_message(const char *sender, const char *group_id);
/* A login of `user`, with `online` sessions on this node now (MaxOnlineNum). */
void stats_login(const char *user, size_t online);

typedef struct store_stats store_stats_t;
/* Flushes every interval_s seconds. */
store_stats_t *store_stats_new(struct event_base *base, db_pool_t *db, int interval_s);
/* Sends what was counted now (nothing when nothing was). */
void store_stats_flush(store_stats_t *st);
/* No flush in flight. */
bool store_stats_idle(const store_stats_t *st);
/* Counts not flushed yet are dropped (flush and wait for idle first). Accepts NULL. */
void store_stats_free(store_stats_t *st);

/* The last `days` days, newest first, that have statistics: each row a JSON object of every
 * getappinfo field but AppId, AppName and Company, as strings (Date "YYYYMMDD"). What was
 * counted and not flushed yet is flushed in the same transaction first, so the answer includes
 * it. The array is valid during the callback only. */
typedef void (*store_stats_days_fn)(err_t err, json_t *days, void *arg);
void store_stats_days(store_stats_t *st, int days, store_stats_days_fn cb, void *arg);

#endif
