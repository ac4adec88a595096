/*
 * db — chatd's only door to PostgreSQL (the only module that includes libpq).
 *
 * A pool of connections driven by the event loop: libpq in non-blocking pipeline mode, sockets
 * watched by libevent, never a blocking call after start-up. Work is submitted as a *batch*: one
 * or more parameterized statements that run as one implicit transaction (one pipeline sync), so
 * a batch commits entirely or not at all and costs one round trip.
 *
 * Connection states (one function changes them, asserts the move is allowed and logs it at
 * debug level):
 *   CONNECTING -> IDLE <-> BUSY;  any -> BROKEN -> (retry timer, backoff) -> CONNECTING.
 * While no connection is usable, submitted batches fail at once with ERR_DB_DOWN instead of
 * waiting; service resumes by itself when PostgreSQL is back.
 *
 * Deadline: a batch sent on a connection must complete within statement_timeout_ms
 * (db_statement_timeout_ms). If it does not, its callback gets ERR_DB_DOWN and the connection
 * is reset (closed and opened again at once, not counted as an outage). PostgreSQL itself
 * cancels each statement a little later (statement_timeout), so what a reset session left
 * running does not hold its locks; a statement it cancels also fails its batch with
 * ERR_DB_DOWN. A write whose batch timed out may or may not have committed.
 *
 * A statement that fails because PostgreSQL cannot do the work now — SQLSTATE 25006 (a
 * read-only server), class 53 (disk full, out of memory, too many connections) or class 57
 * (cancelled, shutting down) — fails its batch with ERR_DB_DOWN too (rolled back); any other
 * failed statement with ERR_INTERNAL.
 *
 * Ownership: db_pool_submit() takes the batch. Its callback runs exactly once, on the loop, and
 * never before db_pool_submit() returns: a batch that fails without running (pool down, queue
 * full, connection lost) is called back on the next loop pass. The batch and its results are
 * freed when the callback returns. Callbacks may submit new batches but must not free the pool.
 */
#ifndef CHATD_DB_DB_H
#define CHATD_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/attr.h"
#include "core/err.h"

struct event_base;
typedef struct db_pool db_pool_t;
typedef struct db_batch db_batch_t;

/* err is ERR_OK (every statement succeeded, the transaction committed), ERR_DB_DOWN (no usable
 * connection, it broke before the outcome was known, the batch passed its deadline, or
 * PostgreSQL refused it for want of writes or resources) or ERR_INTERNAL (a statement failed;
 * the whole batch was rolled back; see db_batch_sqlstate()). */
typedef void (*db_done_fn)(db_batch_t *batch, err_t err, void *arg);

typedef struct {
    const char *conninfo;     /* libpq connection string or URL (copied) */
    int size;                 /* connections */
    int max_waiting;          /* batches that may wait for a connection; more fail at once */
    int statement_timeout_ms; /* deadline of a batch once sent */
} db_pool_config_t;

db_pool_t *db_pool_new(struct event_base *base, const db_pool_config_t *cfg);
/* Closes every connection; pending batches get ERR_DB_DOWN (called back before it returns,
 * as the loop no longer runs). Accepts NULL. */
void db_pool_free(db_pool_t *pool);

typedef struct {
    int size, idle, busy, down, waiting;
} db_pool_stats_t;
db_pool_stats_t db_pool_stats(const db_pool_t *pool);

/* A statement whose text starts with this is never prepared: it goes as an unnamed statement,
 * which PostgreSQL plans with its parameters every time. For statements whose parameters decide
 * the plan (optional filters written `$n = 0 OR …`), where a prepared statement's generic plan
 * can be ten times slower; it costs a parse and a plan per execution. */
#define DB_PLAN_EACH_TIME "/* plan each time */ "

db_batch_t *db_batch_new(void);
/* Appends a statement; `sql` must outlive the batch (use static strings). Parameters are text
 * (NULL = SQL NULL) and copied. Returns the statement's index in the batch. */
int db_batch_add(db_batch_t *b, const char *sql, int nparams, const char *const *params);
int db_batch_count(const db_batch_t *b);
void db_pool_submit(db_pool_t *pool, db_batch_t *b, db_done_fn cb, void *arg);

/* Results of statement `stmt`, valid inside the callback. */
int db_batch_rows(const db_batch_t *b, int stmt);
/* Text value, or NULL for SQL NULL or out of range. */
const char *db_batch_value(const db_batch_t *b, int stmt, int row, int col);
int64_t db_batch_int(const db_batch_t *b, int stmt, int row, int col, int64_t dflt);
/* Rows changed by an INSERT/UPDATE/DELETE statement. */
int64_t db_batch_affected(const db_batch_t *b, int stmt);
/* SQLSTATE and message of the statement that failed (ERR_INTERNAL), else "". */
const char *db_batch_sqlstate(const db_batch_t *b);
const char *db_batch_errmsg(const db_batch_t *b);

/* Start-up only (blocking): waits up to wait_s seconds for the server, then applies
 * dir/NNN_*.sql in order, each in its own transaction, under an advisory lock, recording them in
 * chatd_migrations. False with a reason in errbuf if any step fails (that migration is rolled
 * back; earlier ones stay). */
MUSTCHECK bool db_migrate(const char *conninfo, const char *dir, int wait_s, char *errbuf,
                          size_t errlen);

#endif
