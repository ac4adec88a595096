/* http/bodylimit: what evhttp gets of a connection's bytes, fed whole and a few bytes at a time. */
#include "http/bodylimit.h"

#include <event2/buffer.h>
#include <stdlib.h>

#include "unit.h"

#define STAND_IN(line) line "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

typedef struct {
    char *out;        /* what evhttp got, NUL-terminated */
    size_t left;      /* bytes bodylimit kept waiting */
    uint64_t refused; /* bodylimit_refused() */
    uint64_t declared;
} run_t;

/* Feeds `in` `step` bytes at a time (0: at once) to a bodylimit of `max`. */
static run_t run(uint64_t max, const char *in, size_t step)
{
    bodylimit_t *b = bodylimit_new(max);
    struct evbuffer *pending = evbuffer_new(), *out = evbuffer_new();
    size_t len = strlen(in);
    for (size_t at = 0; at < len;) {
        size_t n = step && len - at > step ? step : len - at;
        evbuffer_add(pending, in + at, n);
        at += n;
        bodylimit_feed(b, pending, out);
    }
    run_t r = {0};
    r.left = evbuffer_get_length(pending);
    size_t outlen = evbuffer_get_length(out);
    r.out = malloc(outlen + 1);
    evbuffer_remove(out, r.out, outlen);
    r.out[outlen] = '\0';
    r.refused = bodylimit_refused(b, &r.declared);
    evbuffer_free(pending);
    evbuffer_free(out);
    bodylimit_free(b);
    return r;
}

/* Fed at once and one byte at a time, `in` gives `want`; the refused request's number too. */
static void expect(uint64_t max, const char *in, const char *want, uint64_t refused)
{
    for (size_t step = 0; step <= 1; step++) {
        run_t r = run(max, in, step);
        if (strcmp(r.out, want) != 0)
            fprintf(stderr, "  step %zu: got [%s]\n  want [%s]\n", step, r.out, want);
        CHECK(strcmp(r.out, want) == 0);
        CHECK_EQ_INT(r.refused, refused);
        free(r.out);
    }
}

#define GET "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
#define POST10 "POST /v4/a/b HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
#define POST11 "POST /v4/a/b HTTP/1.1\r\nContent-Length: 11\r\n\r\n0123456789A"

static void test_within_the_limit_passes_unchanged(void)
{
    expect(10, GET, GET, 0);
    expect(10, POST10, POST10, 0);
    expect(10, GET POST10 GET, GET POST10 GET, 0);
    /* LF-only lines and header names in any case, as evhttp reads them */
    expect(10, "POST / HTTP/1.1\ncontent-length:   10  \n\n0123456789",
           "POST / HTTP/1.1\ncontent-length:   10  \n\n0123456789", 0);
    /* HEAD and TRACE have no body, whatever they declare */
    expect(10, "HEAD / HTTP/1.1\r\nContent-Length: 99\r\n\r\n" GET,
           "HEAD / HTTP/1.1\r\nContent-Length: 99\r\n\r\n" GET, 0);
}

static void test_head_and_body_pass_as_they_come(void)
{
    run_t r = run(10, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234", 0);
    CHECK(strcmp(r.out, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234") == 0);
    CHECK_EQ_INT(r.left, 0);
    free(r.out);
    r = run(10, "POST / HTTP/1.1\r\nContent-Len", 0);
    CHECK(strcmp(r.out, "") == 0);
    CHECK_EQ_INT(r.left, 28);
    free(r.out);
}

static void test_over_the_limit_is_dropped_for_a_stand_in(void)
{
    expect(10, POST11, STAND_IN("POST /v4/a/b HTTP/1.1"), 1);
    /* the requests before it pass; nothing after it does */
    expect(10, GET POST11 GET, GET STAND_IN("POST /v4/a/b HTTP/1.1"), 2);
    run_t r = run(10, POST11, 0);
    CHECK_EQ_INT(r.declared, 11);
    free(r.out);
    /* the stand-in waits for the body's last byte */
    r = run(10, "POST /v4/a/b HTTP/1.1\r\nContent-Length: 11\r\n\r\n0123456789", 0);
    CHECK(strcmp(r.out, "") == 0 && r.refused == 0 && r.left == 0);
    CHECK_EQ_INT(r.declared, 0); /* F3: nothing is refused yet */
    free(r.out);
    /* a client waiting for 100 Continue sends no body: the stand-in comes at once */
    expect(10, "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 99999\r\n\r\n",
           STAND_IN("POST /x HTTP/1.1"), 1);
    /* only the first Content-Length counts, as in evhttp_find_header() */
    expect(10, "POST /x HTTP/1.1\r\nContent-Length: 11\r\nContent-Length: 1\r\n\r\n0123456789A",
           STAND_IN("POST /x HTTP/1.1"), 1);
}

#define CHUNKED "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

static void test_chunked_bodies_are_held_to_their_end(void)
{
    const char *whole = CHUNKED "4\r\n0123\r\n6 \r\n456789\r\n\r\n0\r\nX-T: 1\r\n\r\n" GET;
    expect(10, whole, whole, 0);
    run_t r = run(10, CHUNKED "4\r\n0123\r\n", 0);
    CHECK(strcmp(r.out, "") == 0 && r.left == 0);
    free(r.out);
    expect(10, CHUNKED "4\r\n0123\r\n7\r\n4567890\r\n0\r\n\r\n" GET, STAND_IN("POST /c HTTP/1.1"),
           1);
    /* F4: a bad chunk line after the limit was passed: refused for its size, as evhttp would */
    expect(10, CHUNKED "b\r\n0123456789A\r\nzz\r\n" GET, STAND_IN("POST /c HTTP/1.1"), 1);
    r = run(10, CHUNKED "b\r\n0123456789A\r\n0\r\n\r\n", 0);
    CHECK(r.refused == 1 && r.declared == 0);
    free(r.out);
}

static void test_what_it_cannot_follow_passes(void)
{
    /* evhttp refuses these itself; bodylimit steps aside for the rest of the connection */
    const char *bad_length = "POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n" POST11;
    expect(10, bad_length, bad_length, 0);
    const char *folded = "POST / HTTP/1.1\r\nX: a\r\n b\r\nContent-Length: 11\r\n\r\n0123456789A";
    expect(10, folded, folded, 0);
    const char *upgrade = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x85" POST11;
    expect(10, upgrade, upgrade, 0);
    /* an Upgrade on a POST (h2c) is ignored by evhttp, and so here */
    expect(10, "POST / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n" POST11,
           "POST / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n" STAND_IN("POST /v4/a/b HTTP/1.1"), 2);
    const char *chunk_ext = CHUNKED "4;x=y\r\n0123\r\n0\r\n\r\n";
    expect(10, chunk_ext, chunk_ext, 0);
    const char *awaits_continue = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                                  "Expect: 100-continue\r\n\r\n";
    expect(10, awaits_continue, awaits_continue, 0);
    expect(10, "\r\n" POST11, "\r\n" POST11, 0);
    /* a head longer than evhttp takes */
    size_t n = HTTP_MAX_HEADERS_BYTES + 100;
    char *huge = malloc(n + 1);
    memset(huge, 'a', n);
    memcpy(huge, "GET / HTTP/1.1\r\nX: ", 19);
    huge[n] = '\0';
    run_t r = run(10, huge, 0);
    CHECK(strcmp(r.out, huge) == 0 && r.left == 0);
    free(r.out);
    free(huge);
}

UNIT_MAIN(test_within_the_limit_passes_unchanged, test_head_and_body_pass_as_they_come,
          test_over_the_limit_is_dropped_for_a_stand_in, test_chunked_bodies_are_held_to_their_end,
          test_what_it_cannot_follow_passes)
