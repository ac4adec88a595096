#include "db/db.h"

#include <assert.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/state.h"
#include "core/xalloc.h"

typedef enum {
    DB_CONN_BROKEN = 0,
    DB_CONN_CONNECTING,
    DB_CONN_IDLE,
    DB_CONN_BUSY,
} db_conn_state_t;

static const char *const state_names[] = {"broken", "connecting", "idle", "busy"};

/* The moves a connection may make; anything else is a bug (asserted). */
static const unsigned allowed_moves[] = {
    [DB_CONN_BROKEN] = STATE_BIT(DB_CONN_CONNECTING),
    [DB_CONN_CONNECTING] = STATE_BIT(DB_CONN_IDLE) | STATE_BIT(DB_CONN_BROKEN),
    [DB_CONN_IDLE] = STATE_BIT(DB_CONN_BUSY) | STATE_BIT(DB_CONN_BROKEN),
    [DB_CONN_BUSY] = STATE_BIT(DB_CONN_IDLE) | STATE_BIT(DB_CONN_BROKEN),
};

/* How much later than the batch deadline PostgreSQL cancels a statement by itself: the
 * statement a reset connection left behind does not hold its locks for long. */
#define SERVER_TIMEOUT_MARGIN_MS 1000

typedef struct {
    const char *sql;
    int nparams;
    char **params;
    PGresult *res;
    bool preparing; /* a Parse for this statement precedes it in the pipeline */
} db_stmt_t;

/* Statements are prepared once per connection, keyed by their SQL's address: store/ keeps every
 * statement as a static string, so the address names it. */
#define PREPARED_MAX 512

typedef struct {
    const char *sql;
    int id; /* server-side name "s<id>" */
} prepared_t;

struct db_batch {
    db_stmt_t *stmts;
    int count, cap;
    int failed; /* index of the failing statement, or -1 */
    err_t err;  /* the outcome, while on the deferred list */
    db_done_fn cb;
    void *arg;
    int64_t submitted_us, sent_us; /* mono_us() */
    struct db_batch *next;
};

static metrics_histogram_t wait_seconds = METRICS_HISTOGRAM(
    "chatd_db_queue_wait_seconds", "Time a batch waited for a PostgreSQL connection.", "");
static metrics_histogram_t batch_seconds = METRICS_HISTOGRAM(
    "chatd_db_batch_seconds", "Time from sending a batch to its transaction's end.", "");
/* In a pipeline a statement's time runs from the end of the one before it (the first one's
 * includes the round trip). */
static metrics_histogram_t statement_seconds = METRICS_HISTOGRAM(
    "chatd_db_statement_seconds", "Time of one statement of a batch, as its results arrived.", "");

typedef struct db_conn {
    db_pool_t *pool;
    int id;
    db_conn_state_t state;
    PGconn *pg;
    struct event *rd, *wr, *timer;
    struct event *deadline; /* armed while BUSY: the batch's statement timeout */
    db_batch_t *batch;      /* in flight while BUSY */
    int cur;                /* statement whose results are being read */
    int64_t mark_us;        /* when the previous statement's results ended (mono_us()) */
    int backoff_ms;
    bool failing; /* reconnecting after a loss or a failed attempt (logged once) */
    prepared_t prepared[PREPARED_MAX];
    int nprepared, next_id;
} db_conn_t;

struct db_pool {
    struct event_base *base;
    char *conninfo;
    char *options; /* libpq `options`: the caller's, plus the server-side statement_timeout */
    int statement_timeout_ms;
    db_conn_t *conns;
    int size, max_waiting, waiting;
    db_batch_t *head, *tail;           /* waiting for a connection */
    db_batch_t *failed, **failed_tail; /* failed, called back on the next loop pass */
    struct event *deferred;            /* runs the failed list */
    bool closing;                      /* db_pool_free() is running */
};

static void conn_connect(db_conn_t *c);
static void conn_ready(db_conn_t *c);
static void pool_dispatch(db_pool_t *p);

/* ---- batches ---------------------------------------------------------------------------- */

db_batch_t *db_batch_new(void)
{
    db_batch_t *b = XNEW(db_batch_t);
    b->failed = -1;
    return b;
}

int db_batch_add(db_batch_t *b, const char *sql, int nparams, const char *const *params)
{
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4;
        b->stmts = xrealloc(b->stmts, (size_t)b->cap * sizeof *b->stmts);
    }
    db_stmt_t *s = &b->stmts[b->count];
    memset(s, 0, sizeof *s);
    s->sql = sql;
    s->nparams = nparams;
    if (nparams > 0) {
        s->params = xcalloc((size_t)nparams, sizeof(char *));
        for (int i = 0; i < nparams; i++)
            s->params[i] = params[i] ? xstrdup(params[i]) : NULL;
    }
    return b->count++;
}

int db_batch_count(const db_batch_t *b)
{
    return b->count;
}

static void batch_free(db_batch_t *b)
{
    for (int i = 0; i < b->count; i++) {
        for (int j = 0; j < b->stmts[i].nparams; j++)
            xfree(b->stmts[i].params[j]);
        xfree(b->stmts[i].params);
        PQclear(b->stmts[i].res);
    }
    xfree(b->stmts);
    xfree(b);
}

static void batch_finish(db_batch_t *b, err_t err)
{
    b->cb(b, err, b->arg);
    batch_free(b);
}

/* A batch that failed without a result is called back on the next loop pass, never inside
 * the caller's db_pool_submit() (which may hold state the callback frees). */
static void batch_fail_later(db_pool_t *p, db_batch_t *b, err_t err)
{
    b->err = err;
    b->next = NULL;
    *p->failed_tail = b;
    p->failed_tail = &b->next;
    if (!p->closing)
        event_active(p->deferred, EV_TIMEOUT, 0);
}

/* Calls back every failed batch, those that fail meanwhile included. */
static void run_failed(db_pool_t *p)
{
    db_batch_t *b;
    while ((b = p->failed) != NULL) {
        p->failed = b->next;
        if (p->failed == NULL)
            p->failed_tail = &p->failed;
        batch_finish(b, b->err);
    }
}

static void on_deferred(evutil_socket_t fd, short what, void *arg)
{
    run_failed(arg);
}

static const PGresult *stmt_res(const db_batch_t *b, int stmt)
{
    return (stmt >= 0 && stmt < b->count) ? b->stmts[stmt].res : NULL;
}

int db_batch_rows(const db_batch_t *b, int stmt)
{
    const PGresult *r = stmt_res(b, stmt);
    return r ? PQntuples(r) : 0;
}

const char *db_batch_value(const db_batch_t *b, int stmt, int row, int col)
{
    const PGresult *r = stmt_res(b, stmt);
    if (r == NULL || row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
        return NULL;
    return PQgetvalue(r, row, col);
}

int64_t db_batch_int(const db_batch_t *b, int stmt, int row, int col, int64_t dflt)
{
    const char *v = db_batch_value(b, stmt, row, col);
    return v ? strtoll(v, NULL, 10) : dflt;
}

int64_t db_batch_affected(const db_batch_t *b, int stmt)
{
    const PGresult *r = stmt_res(b, stmt);
    const char *n = r ? PQcmdTuples((PGresult *)r) : "";
    return *n ? strtoll(n, NULL, 10) : 0;
}

const char *db_batch_sqlstate(const db_batch_t *b)
{
    const PGresult *r = stmt_res(b, b->failed);
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

const char *db_batch_errmsg(const db_batch_t *b)
{
    const PGresult *r = stmt_res(b, b->failed);
    const char *s = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    return s ? s : "";
}

/* ---- connection state machine ------------------------------------------------------------ */

static void conn_set_state(db_conn_t *c, db_conn_state_t state)
{
    if (c->state == state)
        return;
    assert(STATE_ALLOWED(allowed_moves, c->state, state));
    log_debug("db#%d: %s -> %s", c->id, state_names[c->state], state_names[state]);
    c->state = state;
}

static void conn_drop_events(db_conn_t *c)
{
    if (c->rd) {
        event_free(c->rd);
        c->rd = NULL;
    }
    if (c->wr) {
        event_free(c->wr);
        c->wr = NULL;
    }
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    conn_connect(arg);
}

/* libpq messages end with newlines and may hold tabs; a log line must stay one line. */
static void one_line(char *dst, size_t len, const char *src)
{
    size_t n = 0;
    for (; *src && n + 1 < len; src++)
        dst[n++] = (*src == '\n' || *src == '\t' || *src == '\r') ? ' ' : *src;
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

/* Closes the session and fails its batch (ERR_DB_DOWN, on the next loop pass). */
static void conn_close(db_conn_t *c)
{
    conn_drop_events(c);
    evtimer_del(c->deadline);
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    c->nprepared = 0; /* prepared statements die with their session */
    db_batch_t *b = c->batch;
    c->batch = NULL;
    conn_set_state(c, DB_CONN_BROKEN);
    if (b)
        batch_fail_later(c->pool, b, ERR_DB_DOWN);
}

static void conn_retry_in(db_conn_t *c, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->timer, &tv);
}

/* Closes the connection, fails its batch and schedules a reconnect with backoff. Only the
 * first failure of an outage is logged as a warning; retries are debug. */
static void conn_break(db_conn_t *c, const char *why)
{
    char reason[512];
    one_line(reason, sizeof reason, why);
    if (!c->failing)
        log_warn("db#%d: %s: %s; reconnecting", c->id,
                 c->state == DB_CONN_CONNECTING ? "cannot connect" : "connection lost", reason);
    else
        log_debug("db#%d: still down: %s", c->id, reason);
    c->failing = true;
    conn_close(c);
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 100;
    if (c->backoff_ms > 1000)
        c->backoff_ms = 1000;
    conn_retry_in(c, c->backoff_ms);
}

/* The batch in flight passed its deadline: its callers get ERR_DB_DOWN (70169) and the
 * connection is replaced at once (the server cancels what the old session left running). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    db_conn_t *c = arg;
    log_warn("db#%d: a batch of %d statements did not complete within db_statement_timeout_ms "
             "= %d; resetting the connection",
             c->id, c->batch ? c->batch->count : 0, c->pool->statement_timeout_ms);
    conn_close(c);
    conn_retry_in(c, 0);
    pool_dispatch(c->pool);
}

static const char *pg_error(db_conn_t *c)
{
    const char *m = c->pg ? PQerrorMessage(c->pg) : "";
    return *m ? m : "unknown error";
}

static void on_connect_io(evutil_socket_t fd, short what, void *arg);

static void conn_poll_connect(db_conn_t *c)
{
    PostgresPollingStatusType st = PQconnectPoll(c->pg);
    conn_drop_events(c);
    if (st == PGRES_POLLING_FAILED) {
        conn_break(c, pg_error(c));
        return;
    }
    if (st == PGRES_POLLING_OK) {
        if (PQsetnonblocking(c->pg, 1) != 0 || PQenterPipelineMode(c->pg) != 1) {
            conn_break(c, pg_error(c));
            return;
        }
        conn_ready(c);
        return;
    }
    short ev = st == PGRES_POLLING_READING ? EV_READ : EV_WRITE;
    c->rd = event_new(c->pool->base, PQsocket(c->pg), ev, on_connect_io, c);
    event_add(c->rd, NULL);
}

static void on_connect_io(evutil_socket_t fd, short what, void *arg)
{
    conn_poll_connect(arg);
}

/* libpq prints notices, and errors that arrive between queries (the server's "terminating
 * connection" on shutdown), to stderr by itself; they belong in the log, on one line. */
static void on_notice(void *arg, const char *message)
{
    db_conn_t *c = arg;
    char line[512];
    one_line(line, sizeof line, message);
    log_info("db#%d: server: %s", c->id, line);
}

static void conn_connect(db_conn_t *c)
{
    conn_set_state(c, DB_CONN_CONNECTING);
    static const char *const keywords[] = {"dbname", "options", NULL};
    const char *values[] = {c->pool->conninfo, c->pool->options, NULL};
    c->pg = PQconnectStartParams(keywords, values, 1);
    if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
        conn_break(c, pg_error(c));
        return;
    }
    PQsetNoticeProcessor(c->pg, on_notice, c);
    /* libpq: start as if PQconnectPoll had asked for writability. */
    c->rd = event_new(c->pool->base, PQsocket(c->pg), EV_WRITE, on_connect_io, c);
    event_add(c->rd, NULL);
}

/* ---- running a batch ----------------------------------------------------------------------- */

static void on_io(evutil_socket_t fd, short what, void *arg);

static void conn_ready(db_conn_t *c)
{
    evutil_socket_t fd = PQsocket(c->pg);
    c->rd = event_new(c->pool->base, fd, EV_READ | EV_PERSIST, on_io, c);
    c->wr = event_new(c->pool->base, fd, EV_WRITE, on_io, c);
    event_add(c->rd, NULL);
    c->backoff_ms = 0;
    if (c->failing)
        log_info("db#%d: reconnected", c->id);
    c->failing = false;
    conn_set_state(c, DB_CONN_IDLE);
    pool_dispatch(c->pool);
}

/* Flushes libpq's output buffer; waits for writability while data remains. */
static bool conn_flush(db_conn_t *c)
{
    int r = PQflush(c->pg);
    if (r < 0) {
        conn_break(c, pg_error(c));
        return false;
    }
    if (r == 1)
        event_add(c->wr, NULL);
    return true;
}

static int prepared_find(const db_conn_t *c, const char *sql)
{
    for (int i = 0; i < c->nprepared; i++)
        if (c->prepared[i].sql == sql)
            return i;
    return -1;
}

static void prepared_forget(db_conn_t *c, const char *sql)
{
    int i = prepared_find(c, sql);
    if (i >= 0)
        c->prepared[i] = c->prepared[--c->nprepared];
}

/* Queues one statement: Parse once per connection, then Bind/Execute by name (but for
 * DB_PLAN_EACH_TIME statements and once the connection's table of names is full). */
static bool conn_send_stmt(db_conn_t *c, db_stmt_t *s)
{
    char name[16];
    bool plan_each_time = strncmp(s->sql, DB_PLAN_EACH_TIME, sizeof DB_PLAN_EACH_TIME - 1) == 0;
    int i = plan_each_time ? -1 : prepared_find(c, s->sql);
    if (plan_each_time || (i < 0 && c->nprepared == PREPARED_MAX))
        return PQsendQueryParams(c->pg, s->sql, s->nparams, NULL, (const char *const *)s->params,
                                 NULL, NULL, 0);
    if (i < 0) {
        i = c->nprepared++;
        c->prepared[i] = (prepared_t){s->sql, c->next_id++};
        snprintf(name, sizeof name, "s%d", c->prepared[i].id);
        s->preparing = true;
        if (!PQsendPrepare(c->pg, name, s->sql, s->nparams, NULL))
            return false;
    }
    snprintf(name, sizeof name, "s%d", c->prepared[i].id);
    return PQsendQueryPrepared(c->pg, name, s->nparams, (const char *const *)s->params, NULL, NULL,
                               0);
}

static void conn_send(db_conn_t *c, db_batch_t *b)
{
    c->batch = b;
    c->cur = 0;
    b->sent_us = c->mark_us = mono_us();
    metrics_observe(&wait_seconds, (double)(b->sent_us - b->submitted_us) / 1e6);
    conn_set_state(c, DB_CONN_BUSY);
    int ms = c->pool->statement_timeout_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->deadline, &tv);
    for (int i = 0; i < b->count; i++) {
        if (!conn_send_stmt(c, &b->stmts[i])) {
            conn_break(c, pg_error(c));
            return;
        }
    }
    if (!PQpipelineSync(c->pg)) {
        conn_break(c, pg_error(c));
        return;
    }
    conn_flush(c);
}

/* A statement failed because PostgreSQL cannot do the work now, not because the request is
 * wrong: it takes no writes (25006: read-only, a standby or a demoted primary), lacks resources
 * (class 53: disk full, out of memory, too many connections) or an operator or a shutdown
 * intervened (class 57: its statement_timeout cancelled it, 57014). Try again later. */
static bool batch_unavailable(const db_batch_t *b)
{
    if (b->failed < 0)
        return false;
    const char *s = db_batch_sqlstate(b);
    return strcmp(s, "25006") == 0 || strncmp(s, "53", 2) == 0 || strncmp(s, "57", 2) == 0;
}

static void conn_complete(db_conn_t *c)
{
    db_batch_t *b = c->batch;
    c->batch = NULL;
    evtimer_del(c->deadline);
    conn_set_state(c, DB_CONN_IDLE);
    metrics_observe(&batch_seconds, (double)(mono_us() - b->sent_us) / 1e6);
    err_t err = b->failed < 0 ? ERR_OK : batch_unavailable(b) ? ERR_DB_DOWN : ERR_INTERNAL;
    batch_finish(b, err);
}

/* The result of a statement's Parse: remember the name, or forget it if the Parse failed. */
static void conn_take_prepare(db_conn_t *c, db_stmt_t *s, PGresult *res)
{
    if (res == NULL) {
        s->preparing = false; /* the NULL ending the Parse's results */
        return;
    }
    /* A failed or skipped Parse is forgotten; the statement's own result reports the error. */
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        prepared_forget(c, s->sql);
    PQclear(res);
}

/* Stores one result of the in-flight batch; true when the batch's sync point was reached. */
static bool conn_take_result(db_conn_t *c, PGresult *res)
{
    db_batch_t *b = c->batch;
    if (res != NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
        PQclear(res);
        return true;
    }
    if (b != NULL && c->cur < b->count && b->stmts[c->cur].preparing) {
        conn_take_prepare(c, &b->stmts[c->cur], res);
        return false;
    }
    if (res == NULL) {
        int64_t now = mono_us();
        metrics_observe(&statement_seconds, (double)(now - c->mark_us) / 1e6);
        c->mark_us = now;
        c->cur++;
        return false;
    }
    ExecStatusType st = PQresultStatus(res);
    if (b == NULL || c->cur >= b->count) {
        PQclear(res);
        return false;
    }
    if (st == PGRES_FATAL_ERROR && b->failed < 0) {
        b->failed = c->cur;
        log_warn("db#%d: statement %d failed: %s", c->id, c->cur,
                 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    }
    PQclear(b->stmts[c->cur].res);
    b->stmts[c->cur].res = res;
    return false;
}

static void conn_read(db_conn_t *c)
{
    if (!PQconsumeInput(c->pg)) {
        conn_break(c, pg_error(c));
        return;
    }
    while (c->state == DB_CONN_BUSY && !PQisBusy(c->pg)) {
        if (conn_take_result(c, PQgetResult(c->pg))) {
            conn_complete(c);
            break;
        }
    }
    if (c->state == DB_CONN_IDLE) {
        /* Notices or unexpected data while idle: drain, and notice a closed socket. */
        PGresult *r;
        while (!PQisBusy(c->pg) && (r = PQgetResult(c->pg)) != NULL)
            PQclear(r);
        if (PQstatus(c->pg) == CONNECTION_BAD)
            conn_break(c, pg_error(c));
    }
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    db_conn_t *c = arg;
    if ((what & EV_WRITE) && !conn_flush(c))
        return;
    if (what & EV_READ)
        conn_read(c);
    pool_dispatch(c->pool);
}

/* ---- the pool ----------------------------------------------------------------------------- */

/* Up, or about to be: connected, or connecting when not in an outage (at start-up, or just
 * reset after a deadline). While none is, batches fail at once instead of waiting. */
static bool pool_any_up(const db_pool_t *p)
{
    for (int i = 0; i < p->size; i++) {
        const db_conn_t *c = &p->conns[i];
        if (c->state == DB_CONN_IDLE || c->state == DB_CONN_BUSY || !c->failing)
            return true;
    }
    return false;
}

static db_conn_t *pool_idle(db_pool_t *p)
{
    for (int i = 0; i < p->size; i++)
        if (p->conns[i].state == DB_CONN_IDLE)
            return &p->conns[i];
    return NULL;
}

static db_batch_t *pool_pop(db_pool_t *p)
{
    db_batch_t *b = p->head;
    if (b) {
        p->head = b->next;
        if (p->head == NULL)
            p->tail = NULL;
        p->waiting--;
        b->next = NULL;
    }
    return b;
}

/* Hands waiting batches to idle connections; fails them all when none is up. */
static void pool_dispatch(db_pool_t *p)
{
    db_conn_t *c;
    while (p->head && (c = pool_idle(p)) != NULL)
        conn_send(c, pool_pop(p));
    if (p->head && !pool_any_up(p)) {
        db_batch_t *b;
        while ((b = pool_pop(p)) != NULL)
            batch_fail_later(p, b, ERR_DB_DOWN);
    }
}

void db_pool_submit(db_pool_t *p, db_batch_t *b, db_done_fn cb, void *arg)
{
    b->cb = cb;
    b->arg = arg;
    b->submitted_us = mono_us();
    if (p->closing || !pool_any_up(p) || p->waiting >= p->max_waiting) {
        batch_fail_later(p, b, ERR_DB_DOWN);
        return;
    }
    if (p->tail)
        p->tail->next = b;
    else
        p->head = b;
    p->tail = b;
    p->waiting++;
    pool_dispatch(p);
}

/* The caller's libpq `options` (from conninfo) followed by the server-side statement timeout. */
static char *server_options(const char *conninfo, int timeout_ms)
{
    const char *given = "";
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val)
            given = o->val;
    char *all = xasprintf("%s%s-c statement_timeout=%d", given, *given ? " " : "",
                          timeout_ms + SERVER_TIMEOUT_MARGIN_MS);
    PQconninfoFree(opts);
    return all;
}

db_pool_t *db_pool_new(struct event_base *base, const db_pool_config_t *cfg)
{
    db_pool_t *p = XNEW(db_pool_t);
    p->base = base;
    p->conninfo = xstrdup(cfg->conninfo);
    p->options = server_options(cfg->conninfo, cfg->statement_timeout_ms);
    p->statement_timeout_ms = cfg->statement_timeout_ms;
    p->size = cfg->size;
    p->max_waiting = cfg->max_waiting;
    p->failed_tail = &p->failed;
    p->deferred = event_new(base, -1, 0, on_deferred, p);
    metrics_histogram_add(&wait_seconds);
    metrics_histogram_add(&batch_seconds);
    metrics_histogram_add(&statement_seconds);
    p->conns = xcalloc((size_t)p->size, sizeof *p->conns);
    for (int i = 0; i < p->size; i++) {
        db_conn_t *c = &p->conns[i];
        c->pool = p;
        c->id = i;
        c->timer = evtimer_new(base, on_retry, c);
        c->deadline = evtimer_new(base, on_deadline, c);
        conn_connect(c);
    }
    return p;
}

void db_pool_free(db_pool_t *p)
{
    if (p == NULL)
        return;
    p->closing = true; /* callbacks that submit now fail onto the list drained below */
    for (int i = 0; i < p->size; i++) {
        db_conn_t *c = &p->conns[i];
        conn_close(c);
        event_free(c->timer);
        event_free(c->deadline);
    }
    db_batch_t *b;
    while ((b = pool_pop(p)) != NULL)
        batch_fail_later(p, b, ERR_DB_DOWN);
    run_failed(p);
    event_free(p->deferred);
    xfree(p->conns);
    xfree(p->conninfo);
    xfree(p->options);
    xfree(p);
}

db_pool_stats_t db_pool_stats(const db_pool_t *p)
{
    db_pool_stats_t s = {.size = p->size, .waiting = p->waiting};
    for (int i = 0; i < p->size; i++) {
        switch (p->conns[i].state) {
        case DB_CONN_IDLE:
            s.idle++;
            break;
        case DB_CONN_BUSY:
            s.busy++;
            break;
        default:
            s.down++;
        }
    }
    return s;
}
