/*
 * metrics — counters for /metrics (Prometheus text format).
 *
 * Requests are counted by API and ErrorCode with a latency histogram; other modules register
 * gauge writers that append their own lines when the page is rendered. Single-threaded: call
 * only from the loop thread.
 */
#ifndef CHATD_CORE_METRICS_H
#define CHATD_CORE_METRICS_H

#include "core/sbuf.h"

/* Records one answered request. `api` is e.g. "im_open_login_svc/account_import" or "ws/login";
 * it is copied on first sight. */
void metrics_request(const char *api, int code, double seconds);

typedef void (*metrics_writer_fn)(sbuf_t *out, void *arg);
/* Adds a writer called on every render (at most 16). */
void metrics_register(metrics_writer_fn fn, void *arg);

/* Appends the whole page. */
void metrics_render(sbuf_t *out);
/* Forgets every counter and writer (tests, shutdown). */
void metrics_reset(void);

#endif
