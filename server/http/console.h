/*
 * console — the administrators' web console at /console (docs/console.md).
 *
 * The files of console/ in the repository (tests aside) are compiled into the binary by
 * tools/embed.c (build/gen/console_files.c): chatd needs no file at run time. The console only
 * calls the REST API from the browser; this module never touches PostgreSQL.
 *
 *   GET /console            301 to /console/
 *   GET /console/           index.html
 *   GET /console/<name>     the file, with its Content-Type and strong ETag; 304 when
 *                           If-None-Match names that ETag; 404 (JSON) for any other name
 *
 * Every answer carries Cache-Control: no-cache (the browser revalidates, so a new binary's files
 * are seen at once), a Content-Security-Policy allowing only the console's own origin,
 * X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer and X-Frame-Options: DENY.
 * With console_enabled = 0 every /console path is a 404.
 */
#ifndef CHATD_HTTP_CONSOLE_H
#define CHATD_HTTP_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* One embedded file; static data, never freed. */
typedef struct {
    const char *name;         /* relative to console/: "index.html", "js/app.js" */
    const char *content_type; /* "text/html; charset=utf-8" */
    const unsigned char *data;
    size_t len;
    const char *etag; /* strong, quotes included: "\"0123456789abcdef\"" */
} http_console_file_t;

/* The embedded files (build/gen/console_files.c), ended by an entry whose name is NULL. */
extern const http_console_file_t http_console_files[];

/* What to answer for a request path (the URL's path, not decoded, no query). */
typedef struct {
    int status;                      /* 200, 301 (to /console/), 304 or 404 */
    const http_console_file_t *file; /* 200 and 304; NULL otherwise */
} http_console_answer_t;

/* Pure: the answer for `path` (which starts with "/console") given the request's If-None-Match
 * header (NULL: none). */
http_console_answer_t http_console_answer(const char *path, const char *if_none_match);

/* The file called `name` (relative to console/), or NULL. */
const http_console_file_t *http_console_find(const char *name);

/* Whether an If-None-Match value ("*", or a comma-separated list of entity tags, weak ones
 * compared weakly as RFC 9110 says) matches `etag`. */
bool http_console_etag_matches(const char *if_none_match, const char *etag);

/* Writes the answer for a GET of `path` (starting with "/console"); `enabled` is the
 * console_enabled key (false: 404). Answers synchronously, exactly once. */
struct evhttp_request;
void http_console_handle(struct evhttp_request *req, const char *path, bool enabled);

#endif
