/* A small blocking HTTP/1.1 client for set-up calls made before the event loop runs. */
#ifndef CHATD_BENCH_HTTP_SYNC_H
#define CHATD_BENCH_HTTP_SYNC_H

#include <stddef.h>

/* POSTs body (JSON) to http://host:port<target> with `Connection: close` and waits at most
 * timeout_s seconds. On success returns 0, sets *status and *resp (the response body, NUL
 * terminated, freed by the caller). Returns -1 and writes a reason into err otherwise. */
int http_sync_post(const char *host, int port, const char *target, const char *body, int timeout_s,
                   int *status, char **resp, char *err, size_t err_size);

#endif
