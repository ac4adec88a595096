/* Start-up schema migrations. Runs before the event loop exists, so blocking libpq is fine. */
#include "db/db.h"

#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/clock.h"
#include "core/file.h"
#include "core/log.h"
#include "core/xalloc.h"

/* Any constant shared by every chatd process: serialises concurrent start-ups. */
#define MIGRATION_LOCK_KEY "7468617464" /* "chatd" */

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS chatd_migrations ("
                                       " version integer PRIMARY KEY,"
                                       " name text NOT NULL,"
                                       " applied_at timestamptz NOT NULL DEFAULT now())";

static PGconn *connect_wait(const char *conninfo, int wait_s, char *errbuf, size_t errlen)
{
    int64_t deadline_ms = mono_ms() + (int64_t)wait_s * 1000;
    for (;;) {
        PGconn *pg = PQconnectdb(conninfo);
        if (PQstatus(pg) == CONNECTION_OK)
            return pg;
        if (mono_ms() >= deadline_ms) {
            err_message(errbuf, errlen, "cannot connect to PostgreSQL: %s", PQerrorMessage(pg));
            PQfinish(pg);
            return NULL;
        }
        PQfinish(pg);
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static bool exec_ok(PGconn *pg, const char *sql, char *errbuf, size_t errlen, const char *what)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        err_message(errbuf, errlen, "%s: %s", what, PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static int is_migration(const struct dirent *d)
{
    const char *n = d->d_name;
    size_t len = strlen(n);
    return len > 8 && n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' && n[2] >= '0' &&
           n[2] <= '9' && n[3] == '_' && strcmp(n + len - 4, ".sql") == 0;
}

static bool is_applied(PGconn *pg, int version)
{
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {v};
    PGresult *r = PQexecParams(pg, "SELECT 1 FROM chatd_migrations WHERE version = $1", 1, NULL,
                               params, NULL, NULL, 0);
    bool applied = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    PQclear(r);
    return applied;
}

/* Applies one file in its own transaction; on failure rolls it back. */
static bool apply_one(PGconn *pg, const char *dir, const char *name, char *errbuf, size_t errlen)
{
    int version = atoi(name);
    if (is_applied(pg, version))
        return true;
    char *path = xasprintf("%s/%s", dir, name);
    char *sql = NULL;
    if (!file_read_all(path, &sql, NULL)) {
        err_message(errbuf, errlen, "migration %s: cannot read: %s", name, strerror(errno));
        xfree(path);
        return false;
    }
    xfree(path);
    char v[16];
    snprintf(v, sizeof v, "%d", version);
    const char *params[] = {v, name};
    bool ok = exec_ok(pg, "BEGIN", errbuf, errlen, name) && exec_ok(pg, sql, errbuf, errlen, name);
    if (ok) {
        PGresult *r =
            PQexecParams(pg, "INSERT INTO chatd_migrations (version, name) VALUES ($1, $2)", 2,
                         NULL, params, NULL, NULL, 0);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            err_message(errbuf, errlen, "migration %s: %s", name, PQresultErrorMessage(r));
        PQclear(r);
    }
    ok = ok && exec_ok(pg, "COMMIT", errbuf, errlen, name);
    if (!ok) {
        PGresult *r = PQexec(pg, "ROLLBACK");
        PQclear(r);
    } else {
        log_info("db: applied migration %s", name);
    }
    xfree(sql);
    return ok;
}

static bool apply_all(PGconn *pg, const char *dir, char *errbuf, size_t errlen)
{
    struct dirent **list;
    int n = scandir(dir, &list, is_migration, alphasort);
    if (n < 0) {
        err_message(errbuf, errlen, "schema directory '%s': %s", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        if (ok)
            ok = apply_one(pg, dir, list[i]->d_name, errbuf, errlen);
        free(list[i]);
    }
    free(list);
    return ok;
}

bool db_migrate(const char *conninfo, const char *dir, int wait_s, char *errbuf, size_t errlen)
{
    PGconn *pg = connect_wait(conninfo, wait_s, errbuf, errlen);
    if (pg == NULL)
        return false;
    PGresult *r = PQexec(pg, "SET client_min_messages = warning");
    PQclear(r);
    bool ok = exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", errbuf, errlen,
                      "advisory lock") &&
              exec_ok(pg, create_table_sql, errbuf, errlen, "chatd_migrations") &&
              apply_all(pg, dir, errbuf, errlen);
    r = PQexec(pg, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")");
    PQclear(r);
    PQfinish(pg);
    return ok;
}
