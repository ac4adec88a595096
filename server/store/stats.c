/* Daily statistics: in-memory tallies on the loop, added to PostgreSQL by a periodic flush. */
#include "store/stats.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"

/* Tencent's getappinfo names, in stats_counter_t and stats_kind_t order. */
static const char *const counter_names[STATS_NCOUNTERS] = {
    "RegistUserNumOneDay", "LoginTimes",          "C2CUpMsgNum",      "C2CDownMsgNum",
    "GroupUpMsgNum",       "GroupDownMsgNum",     "ChainIncrease",    "ChainDecrease",
    "GroupJoinGroupTimes", "GroupQuitGroupTimes", "GroupNewGroupNum", "GroupDestroyGroupNum",
    "CallBackReq",         "CallBackRsp",
};
static const char *const kind_names[STATS_NKINDS] = {
    "ActiveUserNum",     "LoginUserNum",        "SendMsgUserNum",
    "C2CSendMsgUserNum", "GroupSendMsgUserNum", "GroupSendMsgGroupNum",
};

/* What one day counted since the last flush. ids[k] is a set ({id: true}) or NULL. */
typedef struct {
    int64_t day; /* days since 1970-01-01, UTC */
    int64_t counts[STATS_NCOUNTERS];
    int64_t max_online;
    json_t *ids[STATS_NKINDS];
} tally_t;

struct store_stats {
    db_pool_t *db;
    struct event *timer;
    int in_flight;
};

static tally_t cur;
static store_stats_t *flusher; /* the one flusher, while it exists */

static int64_t today(void)
{
    return (int64_t)time(NULL) / 86400;
}

static void tally_clear(tally_t *t)
{
    for (int k = 0; k < STATS_NKINDS; k++)
        json_decref(t->ids[k]);
    memset(t, 0, sizeof *t);
}

static bool tally_empty(const tally_t *t)
{
    for (int c = 0; c < STATS_NCOUNTERS; c++)
        if (t->counts[c] != 0)
            return false;
    for (int k = 0; k < STATS_NKINDS; k++)
        if (t->ids[k] && json_object_size(t->ids[k]) > 0)
            return false;
    return t->max_online == 0;
}

/* A count made on a new day: the old day's tally goes out first. */
static tally_t *tally(void)
{
    int64_t d = today();
    if (cur.day != d) {
        if (flusher)
            store_stats_flush(flusher);
        tally_clear(&cur);
        cur.day = d;
    }
    return &cur;
}

void stats_add(stats_counter_t c, int64_t n)
{
    tally()->counts[c] += n;
}

/* Each ID is remembered once until the flush, which inserts it with ON CONFLICT DO NOTHING: at
 * a high rate the same active users repeat within a flush interval, so the database sees one
 * row per user and interval, not one per event. A set per day kept for the whole day would save
 * those re-inserts but hold every active ID in memory. */
void stats_id(stats_kind_t k, const char *id)
{
    tally_t *t = tally();
    if (t->ids[k] == NULL)
        t->ids[k] = json_object();
    if (json_object_get(t->ids[k], id) == NULL)
        json_object_set_new(t->ids[k], id, json_true());
}

void stats_message(const char *sender, const char *group_id)
{
    stats_add(group_id ? STATS_GROUP_UP : STATS_C2C_UP, 1);
    stats_id(STATS_SENDERS, sender);
    stats_id(group_id ? STATS_GROUP_SENDERS : STATS_C2C_SENDERS, sender);
    stats_id(STATS_ACTIVE, sender);
    if (group_id)
        stats_id(STATS_GROUPS_SENT, group_id);
}

void stats_login(const char *user, size_t online)
{
    tally_t *t = tally();
    t->counts[STATS_LOGINS]++;
    if ((int64_t)online > t->max_online)
        t->max_online = (int64_t)online;
    stats_id(STATS_LOGIN_USERS, user);
    stats_id(STATS_ACTIVE, user);
}

/* ---- flush ---- */

/* clang-format off */
static const char add_sql[] =
    "INSERT INTO stats_daily (day, counter, v)"
    " SELECT $1::date, e->>0, (e->>1)::bigint FROM json_array_elements($2::json) e"
    " ON CONFLICT (day, counter) DO UPDATE SET v = stats_daily.v + EXCLUDED.v";
/* The busiest moment of any one node: nodes' maxima happen at different times, so their sum
 * would overstate it. */
static const char max_sql[] =
    "INSERT INTO stats_daily (day, counter, v) SELECT $1::date, 'MaxOnlineNum', $2::bigint"
    " WHERE $2::bigint > 0"
    " ON CONFLICT (day, counter) DO UPDATE SET v = GREATEST(stats_daily.v, EXCLUDED.v)";
static const char ids_sql[] =
    "INSERT INTO stats_daily_ids (day, kind, id)"
    " SELECT $1::date, e->>0, e->>1 FROM json_array_elements($2::json) e"
    " ON CONFLICT DO NOTHING";
static const char purge_sql[] = "DELETE FROM stats_daily_ids WHERE day < $1::date - 31";
/* clang-format on */

typedef struct {
    store_stats_t *st;
    tally_t t;
} flush_t;

static void day_text(int64_t day, char out[11])
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A failed flush's counts return to the tally when it is still their day. */
static void tally_merge(const tally_t *from)
{
    if (from->day != today()) {
        log_warn("stats: the counts of a past day were lost: PostgreSQL did not take them");
        return;
    }
    tally_t *t = tally();
    for (int c = 0; c < STATS_NCOUNTERS; c++)
        t->counts[c] += from->counts[c];
    if (from->max_online > t->max_online)
        t->max_online = from->max_online;
    for (int k = 0; k < STATS_NKINDS; k++) {
        const char *id;
        json_t *v;
        json_object_foreach(from->ids[k], id, v) stats_id((stats_kind_t)k, id);
    }
}

/* Ends a flush: a failed one's counts go back to the tally. */
static void flush_done(flush_t *f, err_t err, const db_batch_t *b)
{
    f->st->in_flight--;
    if (err != ERR_OK) {
        log_warn("stats: flush failed (%s), kept for the next one", db_batch_errmsg(b));
        tally_merge(&f->t);
    }
    tally_clear(&f->t);
    xfree(f);
}

static void on_flushed(db_batch_t *b, err_t err, void *arg)
{
    flush_done(arg, err, b);
}

/* Moves the tally into statements of b; NULL (b unchanged) when nothing was counted. */
static flush_t *take_tally(store_stats_t *st, db_batch_t *b)
{
    if (tally_empty(&cur))
        return NULL;
    flush_t *f = XNEW(flush_t);
    f->st = st;
    f->t = cur;
    memset(&cur, 0, sizeof cur);
    cur.day = f->t.day;
    json_t *counts = json_array(), *ids = json_array();
    for (int c = 0; c < STATS_NCOUNTERS; c++)
        if (f->t.counts[c] != 0)
            json_array_append_new(
                counts, json_pack("[s, I]", counter_names[c], (json_int_t)f->t.counts[c]));
    for (int k = 0; k < STATS_NKINDS; k++) {
        const char *id;
        json_t *v;
        json_object_foreach(f->t.ids[k], id, v)
            json_array_append_new(ids, json_pack("[s, s]", kind_names[k], id));
    }
    char day[11], max[24];
    day_text(f->t.day, day);
    snprintf(max, sizeof max, "%lld", (long long)f->t.max_online);
    char *counts_text = json_dumps(counts, JSON_COMPACT), *ids_text = json_dumps(ids, JSON_COMPACT);
    db_batch_add(b, add_sql, 2, (const char *[]){day, counts_text});
    db_batch_add(b, max_sql, 2, (const char *[]){day, max});
    db_batch_add(b, ids_sql, 2, (const char *[]){day, ids_text});
    db_batch_add(b, purge_sql, 1, (const char *[]){day});
    free(counts_text);
    free(ids_text);
    json_decref(counts);
    json_decref(ids);
    st->in_flight++;
    return f;
}

void store_stats_flush(store_stats_t *st)
{
    if (tally_empty(&cur))
        return;
    db_batch_t *b = db_batch_new();
    flush_t *f = take_tally(st, b);
    db_pool_submit(st->db, b, on_flushed, f);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    store_stats_flush(arg);
}

store_stats_t *store_stats_new(struct event_base *base, db_pool_t *db, int interval_s)
{
    store_stats_t *st = XNEW(store_stats_t);
    st->db = db;
    st->timer = event_new(base, -1, EV_PERSIST, on_timer, st);
    struct timeval tv = {interval_s, 0};
    event_add(st->timer, &tv);
    flusher = st;
    return st;
}

bool store_stats_idle(const store_stats_t *st)
{
    return st->in_flight == 0;
}

void store_stats_free(store_stats_t *st)
{
    if (st == NULL)
        return;
    event_free(st->timer);
    if (flusher == st)
        flusher = NULL;
    tally_clear(&cur);
    xfree(st);
}

/* ---- reading ---- */

/* RegistUserNumTotal and GroupAllGroupNum count accounts and groups by creation day: one scan
 * of each table per call, which an operator's occasional call can afford. */
/* clang-format off */
static const char days_sql[] =
    "WITH days AS (SELECT d::date AS day FROM generate_series($1::date - ($2::int - 1), $1::date,"
    "   interval '1 day') d),"
    " c AS (SELECT day, json_object_agg(counter, v) AS j FROM stats_daily"
    "   WHERE day >= $1::date - ($2::int - 1) GROUP BY day),"
    " i AS (SELECT day, json_object_agg(kind, n) AS j FROM (SELECT day, kind, count(*) AS n"
    "   FROM stats_daily_ids WHERE day >= $1::date - ($2::int - 1) GROUP BY day, kind) x"
    "   GROUP BY day),"
    " acc AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM accounts"
    "   GROUP BY 1),"
    " grp AS (SELECT (to_timestamp(create_time) AT TIME ZONE 'UTC')::date AS day, count(*) AS n"
    "   FROM groups GROUP BY 1)"
    " SELECT to_char(days.day, 'YYYYMMDD'), c.j, i.j,"
    "  (SELECT COALESCE(sum(n), 0) FROM acc WHERE acc.day <= days.day),"
    "  (SELECT COALESCE(sum(n), 0) FROM grp WHERE grp.day <= days.day)"
    " FROM days LEFT JOIN c USING (day) LEFT JOIN i USING (day)"
    " WHERE c.j IS NOT NULL OR i.j IS NOT NULL"
    " ORDER BY days.day DESC";
/* clang-format on */

typedef struct {
    store_stats_days_fn cb;
    void *arg;
    flush_t *flush; /* the tally flushed in the same transaction, or NULL */
} days_ctx_t;

static int64_t field(const json_t *obj, const char *name)
{
    return json_integer_value(json_object_get(obj, name));
}

static void set_num(json_t *row, const char *name, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    json_object_set_new(row, name, json_string(text));
}

/* One getappinfo row from the day's counters and distinct counts. chatd sends no APNs pushes:
 * those counts are 0. */
static json_t *day_row(const char *date, const json_t *c, const json_t *i, int64_t accounts,
                       int64_t groups)
{
    json_t *row = json_object();
    for (int k = 0; k < STATS_NCOUNTERS; k++)
        set_num(row, counter_names[k], field(c, counter_names[k]));
    for (int k = 0; k < STATS_NKINDS; k++)
        set_num(row, kind_names[k], field(i, kind_names[k]));
    set_num(row, "MaxOnlineNum", field(c, "MaxOnlineNum"));
    set_num(row, "UpMsgNum", field(c, "C2CUpMsgNum") + field(c, "GroupUpMsgNum"));
    set_num(row, "DownMsgNum", field(c, "C2CDownMsgNum") + field(c, "GroupDownMsgNum"));
    set_num(row, "APNSMsgNum", 0);
    set_num(row, "C2CAPNSMsgNum", 0);
    set_num(row, "GroupAPNSMsgNum", 0);
    set_num(row, "RegistUserNumTotal", accounts);
    set_num(row, "GroupAllGroupNum", groups);
    json_object_set_new(row, "Date", json_string(date));
    return row;
}

static void on_days(db_batch_t *b, err_t err, void *arg)
{
    days_ctx_t ctx = *(days_ctx_t *)arg;
    xfree(arg);
    if (ctx.flush)
        flush_done(ctx.flush, err, b);
    int q = db_batch_count(b) - 1;
    json_t *days = json_array();
    for (int r = 0; err == ERR_OK && r < db_batch_rows(b, q); r++) {
        const char *cj = db_batch_value(b, q, r, 1), *ij = db_batch_value(b, q, r, 2);
        json_t *c = cj ? json_loads(cj, 0, NULL) : NULL, *i = ij ? json_loads(ij, 0, NULL) : NULL;
        json_array_append_new(days,
                              day_row(db_batch_value(b, q, r, 0), c, i, db_batch_int(b, q, r, 3, 0),
                                      db_batch_int(b, q, r, 4, 0)));
        json_decref(c);
        json_decref(i);
    }
    ctx.cb(err, days, ctx.arg);
    json_decref(days);
}

void store_stats_days(store_stats_t *st, int days, store_stats_days_fn cb, void *arg)
{
    db_batch_t *b = db_batch_new();
    days_ctx_t *ctx = XNEW(days_ctx_t);
    *ctx = (days_ctx_t){cb, arg, take_tally(st, b)};
    char day[11], n[12];
    day_text(today(), day);
    snprintf(n, sizeof n, "%d", days);
    db_batch_add(b, days_sql, 2, (const char *[]){day, n});
    db_pool_submit(st->db, b, on_days, ctx);
}
