/*
 * sbuf — a growable byte string for building text (metrics pages, SQL arrays, log lines).
 * The buffer owns its memory; sbuf_free() releases it, sbuf_steal() hands it to the caller.
 */
#ifndef CHATD_CORE_SBUF_H
#define CHATD_CORE_SBUF_H

#include <stddef.h>

typedef struct {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len, cap;
} sbuf_t;

void sbuf_append(sbuf_t *b, const char *s, size_t n);
void sbuf_puts(sbuf_t *b, const char *s);
void sbuf_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_steal(sbuf_t *b);
void sbuf_free(sbuf_t *b);

#endif
