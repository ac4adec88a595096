/*
 * utf8 — the one UTF-8 decoder (RFC 3629): what REST fields and WebSocket text frames are
 * checked with.
 *
 * Well-formed means: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF,
 * no truncated or stray continuation bytes. NUL and control characters are well-formed UTF-8;
 * callers that refuse them check for themselves. Pure functions; `len` bytes are read, never a
 * byte more (the input need not be NUL-terminated).
 */
#ifndef CHATD_CORE_UTF8_H
#define CHATD_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1..4) of the well-formed sequence at s, of which `left` (>= 1) bytes are readable;
 * 0 when it is malformed or truncated. */
size_t utf8_seq_len(const unsigned char *s, size_t left);

/* True when the len bytes at s are well-formed UTF-8 (true for len 0). */
bool utf8_valid(const void *s, size_t len);

#endif
