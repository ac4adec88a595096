/* Many administrator REST calls at once, for setting up a scenario: N keep-alive connections,
 * one call in flight on each, until every call was answered. Blocking (its own event loop). */
#ifndef CHATD_BENCH_RESTPOOL_H
#define CHATD_BENCH_RESTPOOL_H

#include <jansson.h>
#include <stdint.h>

#include "bench.h"

/* Call i: writes the service path ("openim/importmsg", no leading "v4/") into path (256
 * bytes) and returns the JSON body (malloc'd, freed by the pool). */
typedef char *(*restpool_make_fn)(void *arg, uint64_t i, char *path);
/* Call i was answered: status is 200 and doc the parsed answer, or status is the HTTP status,
 * 0 when the connection failed (doc NULL). Returns false when the call failed. NULL: success
 * is HTTP 200 with ErrorCode 0. */
typedef bool (*restpool_check_fn)(void *arg, uint64_t i, int status, json_t *doc);

/* Makes calls 0..count-1 over `conns` connections. `what` names them in messages. Returns the
 * number of failed calls (each of the first few is printed on stderr), -1 when nothing ran. */
int64_t restpool_run(const bench_opts_t *o, int conns, uint64_t count, restpool_make_fn make,
                     restpool_check_fn check, void *arg, const char *what);

#endif
