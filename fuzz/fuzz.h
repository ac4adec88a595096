/*
 * fuzz — what the libFuzzer harnesses in fuzz/ share (docs/security.md, "Fuzzing").
 *
 * FUZZ_ASSERT stops the run with the failed condition on stderr; libFuzzer then saves the input
 * as a crash (abort() is reported like any other crash). fuzz_str() gives a NUL-terminated heap
 * copy of bytes (free it); fuzz_take_* consume the front of an input, so a harness can spend a
 * few bytes on choices before the text it drives.
 */
#ifndef CHATD_FUZZ_H
#define CHATD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct {
    const uint8_t *data;
    size_t size;
} fuzz_input_t;

static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* The next byte, 0 when the input is used up. */
static inline uint8_t fuzz_take_u8(fuzz_input_t *in)
{
    if (in->size == 0)
        return 0;
    uint8_t b = in->data[0];
    in->data++;
    in->size--;
    return b;
}

/* The next n ≤ 8 bytes as a little-endian integer (missing bytes are 0). */
static inline uint64_t fuzz_take_u64(fuzz_input_t *in, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)fuzz_take_u8(in) << (8 * i);
    return v;
}

/* Bytes up to the next NUL (consumed) or the end, as a heap string (free it). */
static inline char *fuzz_take_str(fuzz_input_t *in)
{
    const uint8_t *nul = in->size > 0 ? memchr(in->data, 0, in->size) : NULL;
    size_t n = nul ? (size_t)(nul - in->data) : in->size;
    char *s = fuzz_str(in->data, n);
    in->data += nul ? n + 1 : n;
    in->size -= nul ? n + 1 : n;
    return s;
}

#endif
