/*
 * log — one line per event on stderr: time, level, context prefix, message.
 *
 * Callers pass their context in the message ("http#7 POST /v4/...: ..."). Secrets, signatures and
 * tokens must never be passed to these functions. The level can change at run time (SIGHUP).
 */
#ifndef CHATD_CORE_LOG_H
#define CHATD_CORE_LOG_H

#include <stdbool.h>

#include "core/attr.h"

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t level);
log_level_t log_get_level(void);
/* Parses "debug"/"info"/"warn"/"error"; false when the name is unknown. */
MUSTCHECK bool log_level_parse(const char *name, log_level_t *out);
const char *log_level_name(log_level_t level);

void log_write(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_get_level() <= LOG_DEBUG)                                                          \
            log_write(LOG_DEBUG, __VA_ARGS__);                                                     \
    } while (0)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
