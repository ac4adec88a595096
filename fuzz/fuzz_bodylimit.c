/*
 * fuzz_bodylimit — what evhttp gets of a connection's bytes (http/bodylimit.h).
 *
 * The input's first byte chooses max_body_bytes (0 to 510), the second a step; the rest is the
 * connection's bytes. They are fed twice: at once, and in pieces of 1 to `step` bytes whose
 * sizes follow the bytes themselves. Asserted: both feedings give the same output, the same
 * refused request and the same declared length (nothing depends on how reads split the stream);
 * with no request refused the output is a prefix of the input, byte for byte; with one refused
 * it is a prefix of the input followed by the stand-in (a request line of the input, then
 * "Content-Length: 0" and "Connection: close"), and the declared length is over the limit or 0.
 * Everything is freed.
 */
#include <event2/buffer.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "http/bodylimit.h"

#define STAND_IN_TAIL "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

typedef struct {
    char *out;
    size_t len;
    uint64_t refused, declared;
} fed_t;

static fed_t feed(uint64_t max, const uint8_t *data, size_t size, size_t step)
{
    bodylimit_t *b = bodylimit_new(max);
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    for (size_t at = 0; at < size;) {
        size_t n = step ? 1 + data[at] % step : size;
        if (n > size - at)
            n = size - at;
        evbuffer_add(in, data + at, n);
        at += n;
        bodylimit_feed(b, in, out);
    }
    fed_t f = {0};
    f.len = evbuffer_get_length(out);
    f.out = malloc(f.len + 1);
    FUZZ_ASSERT(f.out != NULL);
    evbuffer_remove(out, f.out, f.len);
    f.out[f.len] = '\0';
    f.refused = bodylimit_refused(b, &f.declared);
    evbuffer_free(in);
    evbuffer_free(out);
    bodylimit_free(b);
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input_t in = {data, size};
    uint64_t max = (uint64_t)fuzz_take_u8(&in) * 2;
    size_t step = 1 + fuzz_take_u8(&in) % 64;
    fed_t whole = feed(max, in.data, in.size, 0);
    fed_t pieces = feed(max, in.data, in.size, step);
    FUZZ_ASSERT(whole.len == pieces.len && memcmp(whole.out, pieces.out, whole.len) == 0);
    FUZZ_ASSERT(whole.refused == pieces.refused && whole.declared == pieces.declared);
    if (whole.refused == 0) {
        FUZZ_ASSERT(whole.len <= in.size && memcmp(whole.out, in.data, whole.len) == 0);
        FUZZ_ASSERT(whole.declared == 0);
    } else {
        size_t tail = strlen(STAND_IN_TAIL);
        FUZZ_ASSERT(whole.len >= tail);
        FUZZ_ASSERT(memcmp(whole.out + whole.len - tail, STAND_IN_TAIL, tail) == 0);
        /* the stand-in's request line is one of the input's lines */
        size_t line_end = whole.len - tail, line_start = line_end;
        while (line_start > 0 && whole.out[line_start - 1] != '\n')
            line_start--;
        size_t line_len = line_end - line_start;
        FUZZ_ASSERT(line_start <= in.size && memcmp(whole.out, in.data, line_start) == 0);
        FUZZ_ASSERT(memmem(in.data, in.size, whole.out + line_start, line_len) != NULL);
        FUZZ_ASSERT(whole.declared == 0 || whole.declared > max);
    }
    free(whole.out);
    free(pieces.out);
    return 0;
}
