/*
 * xalloc — allocation that never returns NULL.
 *
 * chatd treats running out of memory as fatal: every x* function aborts the process with a
 * log line instead of returning NULL, so callers never test the result. xfree(NULL) is a no-op.
 */
#ifndef CHATD_CORE_XALLOC_H
#define CHATD_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xfree(void *p);

#define XNEW(type) ((type *)xcalloc(1, sizeof(type)))

#endif
