#include "http/bodylimit.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

typedef enum {
    BL_HEAD,    /* waiting for a whole head in `in` */
    BL_LENGTH,  /* a Content-Length body: `left` bytes to pass on or drop */
    BL_CHUNKED, /* a chunked body: held (or dropped) to its end */
    BL_PASS,    /* everything passes: evhttp answers what follows */
    BL_DISCARD, /* the stand-in is out: everything is dropped */
} bl_state_t;

typedef enum { CHUNK_SIZE, CHUNK_DATA, CHUNK_TRAILER } chunk_state_t;

#define CHUNK_LINE_MAX 128

struct bodylimit {
    uint64_t max;
    bl_state_t state;
    size_t scanned; /* BL_HEAD: where the unterminated line of `in` starts */
    uint64_t left;  /* BL_LENGTH: body bytes still to come */
    bool dropping;  /* over the limit: dropped, then the stand-in (BL_DISCARD: never reset) */
    char *line;     /* the request line of the one being dropped */
    uint64_t declared;
    struct evbuffer *held; /* BL_CHUNKED: the head and the chunks so far */
    chunk_state_t chunk;
    uint64_t chunk_left, body;
    char cline[CHUNK_LINE_MAX]; /* the chunk-size or trailer line being read */
    size_t clen;
    bool clong;
    uint64_t requests, refused;
};

/* What bodylimit needs of a head, read as evhttp 2.1.12 reads it. */
typedef struct {
    bool odd;      /* something evhttp refuses or bodylimit cannot follow */
    bool has_body; /* the method may have one (evhttp: all but HEAD and TRACE) */
    bool get, upgrade, chunked, expect_continue;
    const char *length; /* the first Content-Length, trimmed; NULL: none */
} head_t;

bodylimit_t *bodylimit_new(uint64_t max_body)
{
    bodylimit_t *b = XNEW(bodylimit_t);
    b->max = max_body;
    b->held = evbuffer_new();
    return b;
}

void bodylimit_free(bodylimit_t *b)
{
    if (b == NULL)
        return;
    evbuffer_free(b->held);
    xfree(b->line);
    xfree(b);
}

uint64_t bodylimit_refused(const bodylimit_t *b, uint64_t *declared)
{
    if (declared)
        *declared = b->refused ? b->declared : 0;
    return b->refused;
}

/* ---- the head ---- */

/* The length of the head at src's front (through its empty line); 0 while it is not whole;
 * -1 when its first line is empty or it is longer than evhttp takes. */
static ev_ssize_t head_length(bodylimit_t *b, struct evbuffer *src)
{
    for (;;) {
        struct evbuffer_ptr at;
        evbuffer_ptr_set(src, &at, b->scanned, EVBUFFER_PTR_SET);
        struct evbuffer_ptr nl = evbuffer_search(src, "\n", 1, &at);
        if (nl.pos < 0)
            return evbuffer_get_length(src) > HTTP_MAX_HEADERS_BYTES ? -1 : 0;
        size_t len = (size_t)nl.pos - b->scanned;
        char first = '\n';
        if (len == 1)
            evbuffer_copyout_from(src, &at, &first, 1);
        bool empty = len == 0 || (len == 1 && first == '\r');
        if (empty && b->scanned == 0)
            return -1;
        b->scanned = (size_t)nl.pos + 1;
        if (empty)
            return (ev_ssize_t)b->scanned;
        if (b->scanned > HTTP_MAX_HEADERS_BYTES)
            return -1;
    }
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* One header line of evhttp_parse_headers_: "name:value", value stripped of leading spaces
 * and trailing blanks; only the first of each name counts, as evhttp_find_header does. */
static void read_header(head_t *h, char *line, bool seen[4])
{
    if (*line == ' ' || *line == '\t') { /* folded: evhttp joins it to the previous header */
        h->odd = true;
        return;
    }
    char *colon = strchr(line, ':');
    if (colon == NULL) {
        h->odd = true;
        return;
    }
    *colon = '\0';
    char *value = colon + 1;
    value += strspn(value, " ");
    rtrim(value);
    static const char *const names[4] = {"Content-Length", "Transfer-Encoding", "Expect",
                                         "Upgrade"};
    for (int i = 0; i < 4; i++) {
        if (seen[i] || strcasecmp(line, names[i]) != 0)
            continue;
        seen[i] = true;
        if (i == 0)
            h->length = value;
        else if (i == 1)
            h->chunked = strcasecmp(value, "chunked") == 0;
        else if (i == 2)
            h->expect_continue = strcasecmp(value, "100-continue") == 0;
        else
            h->upgrade = true;
    }
}

/* Splits `text` (the head, NUL-terminated, written into) into lines as evbuffer_readln's
 * EVBUFFER_EOL_CRLF does; *request_line is the first. */
static head_t read_head(char *text, char **request_line)
{
    head_t h = {0};
    bool seen[4] = {false};
    char *line = text;
    for (int n = 0; line && *line; n++) {
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            if (nl > line && nl[-1] == '\r')
                nl[-1] = '\0';
        }
        if (n == 0) {
            *request_line = line;
            size_t m = strcspn(line, " ");
            h.get = m == 3 && strncmp(line, "GET", 3) == 0;
            h.has_body = !(m == 4 && strncmp(line, "HEAD", 4) == 0) &&
                         !(m == 5 && strncmp(line, "TRACE", 5) == 0);
        } else if (*line) {
            read_header(&h, line, seen);
        }
        line = nl ? nl + 1 : NULL;
    }
    return h;
}

/* evhttp_get_body_length's reading of Content-Length; false when evhttp refuses it. */
static bool parse_length(const char *s, uint64_t *out)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || n < 0)
        return false;
    *out = (uint64_t)n;
    return true;
}

/* ---- what happens to a request ---- */

/* The next n bytes of src go to `to`, or nowhere once the body is over the limit. */
static void take(bodylimit_t *b, struct evbuffer *src, struct evbuffer *to, size_t n)
{
    if (b->dropping)
        evbuffer_drain(src, n);
    else
        evbuffer_remove_buffer(src, to, n);
}

static void pass_everything(bodylimit_t *b, struct evbuffer *src, struct evbuffer *dst)
{
    evbuffer_remove_buffer(b->held, dst, evbuffer_get_length(b->held));
    evbuffer_remove_buffer(src, dst, evbuffer_get_length(src));
    b->state = BL_PASS;
}

static void next_request(bodylimit_t *b)
{
    b->state = BL_HEAD;
    b->scanned = 0;
    b->requests++;
}

/* evhttp gets the refused request's line with no body; nothing after it is read. */
static void stand_in(bodylimit_t *b, struct evbuffer *dst)
{
    evbuffer_add_printf(dst, "%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", b->line);
    b->requests++;
    b->refused = b->requests;
    b->state = BL_DISCARD;
}

/* The body is over the limit: what is held of it goes, the rest will be dropped as it comes. */
static void start_dropping(bodylimit_t *b, const char *request_line, uint64_t declared)
{
    if (b->line == NULL)
        b->line = xstrdup(request_line);
    b->declared = declared;
    b->dropping = true;
    evbuffer_drain(b->held, evbuffer_get_length(b->held));
}

static void start_chunked(bodylimit_t *b, struct evbuffer *src, size_t head,
                          const char *request_line)
{
    b->line = xstrdup(request_line); /* kept in case the chunks go over the limit */
    evbuffer_remove_buffer(src, b->held, head);
    b->state = BL_CHUNKED;
    b->chunk = CHUNK_SIZE;
    b->body = 0;
    b->clen = 0;
    b->clong = false;
}

/* A whole head is at src's front: decides the request's fate. */
static void on_head(bodylimit_t *b, struct evbuffer *src, struct evbuffer *dst, size_t len)
{
    char *text = xmalloc(len + 1);
    evbuffer_copyout(src, text, len);
    text[len] = '\0';
    char *request_line = "";
    head_t h = read_head(text, &request_line);
    uint64_t length = 0;
    /* A chunked body's client waiting for `100 Continue` would wait for it in vain: evhttp
     * sends one only when it sees the head alone. */
    bool unfollowed = h.has_body && h.chunked && h.expect_continue;
    /* What follows a WebSocket upgrade (a GET) is the session's, frames that are not HTTP. */
    if (h.odd || (h.get && h.upgrade) || unfollowed ||
        (h.has_body && !h.chunked && h.length && !parse_length(h.length, &length))) {
        pass_everything(b, src, dst);
    } else if (h.has_body && h.chunked) {
        start_chunked(b, src, len, request_line);
    } else if (!h.has_body || length <= b->max) {
        evbuffer_remove_buffer(src, dst, len);
        b->left = h.has_body ? length : 0;
        if (b->left)
            b->state = BL_LENGTH;
        else
            next_request(b);
    } else {
        evbuffer_drain(src, len);
        start_dropping(b, request_line, length);
        if (h.expect_continue) { /* the client waits: no body is coming */
            stand_in(b, dst);
        } else {
            b->left = length;
            b->state = BL_LENGTH;
        }
    }
    xfree(text);
}

static void on_length(bodylimit_t *b, struct evbuffer *src, struct evbuffer *dst)
{
    size_t have = evbuffer_get_length(src);
    size_t n = b->left < have ? (size_t)b->left : have;
    take(b, src, dst, n);
    b->left -= n;
    if (b->left > 0)
        return;
    if (b->dropping)
        stand_in(b, dst);
    else
        next_request(b);
}

/* ---- chunked bodies, followed as evhttp_handle_chunked_read does ---- */

/* A chunk-size line: hex, then nothing or a space; empty lines between chunks are skipped. */
static void on_chunk_size(bodylimit_t *b, struct evbuffer *src, struct evbuffer *dst)
{
    if (b->clen == 0)
        return;
    char *end;
    long long n = b->clong ? -1 : strtoll(b->cline, &end, 16);
    if (n < 0 || (*end != '\0' && *end != ' ')) {
        /* evhttp would fail the request, or already has for its size */
        if (b->dropping)
            stand_in(b, dst);
        else
            pass_everything(b, src, dst);
        return;
    }
    if (!b->dropping && (uint64_t)n > b->max - b->body)
        start_dropping(b, b->line, 0);
    b->body += b->dropping ? 0 : (uint64_t)n;
    b->chunk_left = (uint64_t)n;
    b->chunk = n == 0 ? CHUNK_TRAILER : CHUNK_DATA;
}

/* Trailer lines until an empty one ends the body. */
static void on_trailer(bodylimit_t *b, struct evbuffer *dst)
{
    if (b->clen > 0)
        return;
    if (b->dropping) {
        stand_in(b, dst);
    } else {
        evbuffer_remove_buffer(b->held, dst, evbuffer_get_length(b->held));
        xfree(b->line);
        b->line = NULL;
        next_request(b);
    }
}

/* Takes src's bytes up to and including the next LF into the line buffer (held or dropped);
 * true when the line is whole. */
static bool take_line(bodylimit_t *b, struct evbuffer *src)
{
    struct evbuffer_ptr nl = evbuffer_search(src, "\n", 1, NULL);
    size_t n = nl.pos < 0 ? evbuffer_get_length(src) : (size_t)nl.pos + 1;
    size_t room = CHUNK_LINE_MAX - 1 - b->clen;
    size_t copy = n < room ? n : room;
    evbuffer_copyout(src, b->cline + b->clen, copy);
    b->clen += copy;
    b->clong |= n > room;
    take(b, src, b->held, n);
    if (nl.pos < 0)
        return false;
    b->clen -= b->clen > 0 && b->cline[b->clen - 1] == '\n';
    b->clen -= b->clen > 0 && b->cline[b->clen - 1] == '\r';
    b->cline[b->clen] = '\0';
    return true;
}

static void on_chunked(bodylimit_t *b, struct evbuffer *src, struct evbuffer *dst)
{
    if (b->chunk == CHUNK_DATA) {
        size_t have = evbuffer_get_length(src);
        size_t n = b->chunk_left < have ? (size_t)b->chunk_left : have;
        take(b, src, b->held, n);
        b->chunk_left -= n;
        if (b->chunk_left == 0)
            b->chunk = CHUNK_SIZE;
        return;
    }
    if (!take_line(b, src))
        return;
    if (b->chunk == CHUNK_SIZE)
        on_chunk_size(b, src, dst);
    else
        on_trailer(b, dst);
    b->clen = 0;
    b->clong = false;
}

/* ---- feeding ---- */

/* One step of the state machine; false when it can make none without more input. */
static bool step(bodylimit_t *b, struct evbuffer *in, struct evbuffer *out)
{
    if (evbuffer_get_length(in) == 0)
        return false;
    switch (b->state) {
    case BL_HEAD: {
        ev_ssize_t len = head_length(b, in);
        if (len == 0)
            return false;
        if (len < 0)
            pass_everything(b, in, out);
        else
            on_head(b, in, out, (size_t)len);
        return true;
    }
    case BL_LENGTH:
        on_length(b, in, out);
        return true;
    case BL_CHUNKED:
        on_chunked(b, in, out);
        return true;
    case BL_PASS:
        evbuffer_remove_buffer(in, out, evbuffer_get_length(in));
        return true;
    case BL_DISCARD:
        evbuffer_drain(in, evbuffer_get_length(in));
        return true;
    }
    return false;
}

void bodylimit_feed(bodylimit_t *b, struct evbuffer *in, struct evbuffer *out)
{
    while (step(b, in, out))
        ;
}
