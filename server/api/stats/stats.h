/*
 * stats — operations APIs (docs/operations.md): REST openconfigsvr/getappinfo (appinfo.c, the
 * daily statistics of store/stats.h) and open_msg_svc/get_history (history.c, hourly message
 * export files served back over HTTP by http/ at GET /export/<token>/<file>).
 *
 * An export is built on the loop without blocking it: the hour's messages are read from
 * PostgreSQL a page at a time (keyset paging on the messages_ts index, one async batch per
 * page), each page is gzip-compressed incrementally with zlib and written with plain write(2)
 * calls of at most one page's compressed output. A regular file cannot be made non-blocking;
 * such writes land in the page cache and return in microseconds, so a worker thread (and the
 * hand-off of rows to it) would cost more than it saves. The file is written as `.tmp` and
 * renamed when complete; it is not fsynced (an export can always be made again, and the MD5s
 * in the answer let a client check what it downloaded).
 *
 * Files live in history_export_dir/<token>/; the token is "<expiry unix s>-<128 random bits
 * in hex>", so a URL cannot be guessed, carries its own expiry and survives a restart. Expired
 * directories are removed at start-up and whenever get_history runs.
 */
#ifndef CHATD_API_STATS_H
#define CHATD_API_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

#define STATS_DAYS 30          /* getappinfo reports the last 30 days */
#define STATS_APP_NAME "chatd" /* getappinfo's AppName */

typedef struct history_exports history_exports_t;

/* Removes the expired exports a previous run left in history_export_dir. */
history_exports_t *history_exports_new(const api_env_t *env);
/* Call after the db pool is gone (builds in flight have failed by then). Accepts NULL. */
void history_exports_free(history_exports_t *h);

/* MsgTime "YYYYMMDDHH" (an hour, UTC) -> the hour's first second (unix); false when it is not
 * exactly that. */
bool history_hour_parse(const char *text, int64_t *start);

/* The file GET `url_path` ("/export/<token>/<name>") names under `dir` into out (len bytes),
 * when the path has that exact shape and the token's expiry is after `now`; false otherwise
 * (the caller answers 404). Does not look at the disk. */
bool history_export_path(const char *dir, const char *url_path, int64_t now, char *out, size_t len);

#endif
