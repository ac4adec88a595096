/*
 * log — one line per event on stderr: time, level, context prefix, message.
 *
 * Callers pass their context in the message ("http#7 POST /v4/...: ..."). Secrets, signatures and
 * tokens must never be passed to these functions. The level and the format can change at run
 * time (SIGHUP).
 *
 * LOG_TEXT lines: `2026-12-03T10:34:16.002Z info  http#7 POST …`. LOG_JSON lines: one object,
 * {"ts", "level", "component", "conn", "user", "msg"}: component and conn come from the
 * message's context prefix ("http#7", "ws#35", "db#0", "config:"), user from a "user=<id>"
 * right after it; the keys a message has no value for are left out.
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

typedef enum { LOG_TEXT = 0, LOG_JSON } log_format_t;
void log_set_format(log_format_t format);

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
