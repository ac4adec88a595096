#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static log_level_t current = LOG_INFO;
static log_format_t format = LOG_TEXT;
static const char *const names[] = {"debug", "info", "warn", "error"};

void log_set_level(log_level_t level)
{
    current = level;
}

void log_set_format(log_format_t f)
{
    format = f;
}

log_level_t log_get_level(void)
{
    return current;
}

bool log_level_parse(const char *name, log_level_t *out)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (log_level_t)i;
            return true;
        }
    }
    return false;
}

const char *log_level_name(log_level_t level)
{
    return names[level];
}

#define LINE_MAX_BYTES 2048

/* Appends s[0..len) to out as JSON string content (no quotes); returns the new length, at most
 * cap - 1. Control characters become \u00XX; bytes >= 0x80 pass (messages are UTF-8). */
static size_t json_escape(char *out, size_t n, size_t cap, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len && n + 7 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            out[n++] = (char)c;
        }
    }
    return n;
}

/* `,"key":"value"` for value[0..len) (nothing when len is 0). */
static size_t json_field(char *out, size_t n, size_t cap, const char *key, const char *value,
                         size_t len)
{
    if (len == 0 || n + strlen(key) + 8 >= cap)
        return n;
    n += (size_t)snprintf(out + n, cap - n, ",\"%s\":\"", key);
    n = json_escape(out, n, cap, value, len);
    if (n + 1 < cap)
        out[n++] = '"';
    return n;
}

/* The context prefix of msg: "name#id" or "name:" (component, conn) and "user=<id>" after it. */
typedef struct {
    const char *component, *conn, *user;
    size_t component_len, conn_len, user_len;
} context_t;

static context_t context_of(const char *msg)
{
    context_t c = {0};
    size_t k = strspn(msg, "abcdefghijklmnopqrstuvwxyz_");
    if (k == 0 || (msg[k] != '#' && msg[k] != ':'))
        return c;
    c.component = msg;
    c.component_len = k;
    const char *p = msg + k;
    if (*p == '#') {
        c.conn = p + 1;
        c.conn_len = strspn(c.conn, "0123456789");
        p = c.conn + c.conn_len;
    }
    if (strncmp(p, " user=", 6) == 0) {
        c.user = p + 6;
        c.user_len = strcspn(c.user, " :");
    }
    return c;
}

static size_t format_json(char *line, const char *ts, log_level_t level, const char *msg)
{
    context_t c = context_of(msg);
    size_t n =
        (size_t)snprintf(line, LINE_MAX_BYTES, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, names[level]);
    n = json_field(line, n, LINE_MAX_BYTES, "component", c.component, c.component_len);
    n = json_field(line, n, LINE_MAX_BYTES, "conn", c.conn, c.conn_len);
    n = json_field(line, n, LINE_MAX_BYTES, "user", c.user, c.user_len);
    n = json_field(line, n, LINE_MAX_BYTES - 2, "msg", msg, strlen(msg));
    line[n++] = '}';
    return n;
}

void log_write(log_level_t level, const char *fmt, ...)
{
    if (level < current)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t t = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + t, sizeof ts - t, ".%03dZ", (int)(tv.tv_usec / 1000));
    char msg[LINE_MAX_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (m < 0)
        msg[0] = '\0';
    char line[LINE_MAX_BYTES + 64];
    size_t n;
    if (format == LOG_JSON) {
        n = format_json(line, ts, level, msg);
    } else {
        n = (size_t)snprintf(line, sizeof line - 1, "%s %-5s %s", ts, names[level], msg);
        if (n > sizeof line - 2)
            n = sizeof line - 2;
    }
    line[n++] = '\n';
    fwrite(line, 1, n, stderr);
}
