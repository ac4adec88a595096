/* WebSocket clients of chatd: framing, upgrade, login, opening. See wsc.h. */
#include "wsc.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usersig.h"

#define MAX_HANDSHAKE 16384
#define MAX_FRAME (16 << 20)

uint64_t wsc_rng(wsc_pool_t *p)
{
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

static void user_id(wsc_pool_t *p, int idx, char *buf, size_t size)
{
    if (p->user_id)
        p->user_id(p, idx, buf, size);
    else
        bench_user_id(p->o, idx, buf, size);
}

static void open_more(wsc_pool_t *p);

/* ---- framing ---- */

void wsc_send(wsc_t *c, int opcode, const void *payload, size_t len)
{
    if (c->bev == NULL)
        return;
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        hdr[h++] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    uint32_t key = (uint32_t)wsc_rng(c->pool);
    memcpy(hdr + h, &key, 4);
    const unsigned char *k = hdr + h;
    h += 4;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    struct evbuffer_iovec v;
    if (evbuffer_reserve_space(out, (ev_ssize_t)(h + len), &v, 1) < 1)
        return;
    unsigned char *dst = v.iov_base;
    memcpy(dst, hdr, h);
    const unsigned char *src = payload;
    for (size_t i = 0; i < len; i++)
        dst[h + i] = src[i] ^ k[i & 3];
    v.iov_len = h + len;
    evbuffer_commit_space(out, &v, 1);
}

void wsc_send_text(wsc_t *c, const char *text, size_t len)
{
    wsc_send(c, WS_OP_TEXT, text, len);
}

/* ---- connection life ---- */

void wsc_close(wsc_t *c)
{
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    free(c->frag);
    c->frag = NULL;
    c->frag_len = 0;
    c->state = WSC_CLOSED;
}

void wsc_fail(wsc_t *c, const char *fmt, ...)
{
    if (c->state == WSC_CLOSED)
        return;
    bool opening = c->state < WSC_READY;
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    wsc_close(c);
    c->pool->h->on_closed(c, reason, opening);
}

/* ---- what arrives ---- */

static void on_login_answer(wsc_t *c, const char *data, size_t len)
{
    wsc_pool_t *p = c->pool;
    json_t *doc = json_loadb(data, len, 0, NULL);
    json_t *event = json_object_get(doc, "event");
    if (json_is_string(event)) {
        /* A push before the login answer: the mode may count it. */
        json_decref(doc);
        p->h->on_text(c, data, len);
        return;
    }
    json_t *seq = json_object_get(doc, "seq");
    json_t *code_j = json_object_get(doc, "code");
    int code = json_is_integer(code_j) ? (int)json_integer_value(code_j) : -2;
    if (!json_is_integer(seq) || json_integer_value(seq) != 0) {
        json_decref(doc);
        wsc_fail(c, "login answered without seq 0: code %d", code);
        return;
    }
    if (code != 0) {
        json_t *desc = json_object_get(doc, "desc");
        char reason[200];
        snprintf(reason, sizeof reason, "%s", json_is_string(desc) ? json_string_value(desc) : "");
        json_decref(doc);
        wsc_fail(c, "login answered %d %s", code, reason);
        return;
    }
    json_decref(doc);
    c->state = WSC_READY;
    p->opening--;
    p->ready++;
    open_more(p);
}

static void on_text(wsc_t *c, const unsigned char *data, size_t len)
{
    if (c->state == WSC_LOGIN)
        on_login_answer(c, (const char *)data, len);
    else
        c->pool->h->on_text(c, (const char *)data, len);
}

/* Handles one complete frame; false when the connection is gone. */
static bool on_frame(wsc_t *c, int fin, int opcode, const unsigned char *p, size_t len)
{
    switch (opcode) {
    case WS_OP_TEXT:
    case WS_OP_CONT:
        if (opcode == WS_OP_TEXT && fin && c->frag == NULL) {
            on_text(c, p, len);
            break;
        }
        c->frag = realloc(c->frag, c->frag_len + len + 1);
        memcpy(c->frag + c->frag_len, p, len);
        c->frag_len += len;
        if (fin) {
            unsigned char *whole = c->frag;
            size_t whole_len = c->frag_len;
            c->frag = NULL;
            c->frag_len = 0;
            on_text(c, whole, whole_len);
            free(whole);
        }
        break;
    case WS_OP_PING:
        wsc_send(c, WS_OP_PONG, p, len);
        break;
    case WS_OP_PONG:
        break;
    case WS_OP_CLOSE: {
        int code = len >= 2 ? (p[0] << 8 | p[1]) : 1005;
        wsc_send(c, WS_OP_CLOSE, p, len >= 2 ? 2 : 0);
        wsc_fail(c, "closed by chatd with code %d %.*s", code, len > 2 ? (int)(len - 2) : 0,
                 len > 2 ? (const char *)p + 2 : "");
        return false;
    }
    default:
        wsc_fail(c, "frame with opcode %d", opcode);
        return false;
    }
    return c->state != WSC_CLOSED;
}

static bool on_handshake(wsc_t *c, struct evbuffer *in)
{
    struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0) {
        if (evbuffer_get_length(in) > MAX_HANDSHAKE)
            wsc_fail(c, "handshake response too long");
        return false;
    }
    size_t hlen = (size_t)end.pos + 4;
    char *head = malloc(hlen + 1);
    evbuffer_remove(in, head, hlen);
    head[hlen] = '\0';
    const char *acc = strcasestr(head, "\r\nSec-WebSocket-Accept:");
    if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
        char *eol = strstr(head, "\r\n");
        *eol = '\0';
        wsc_fail(c, "upgrade refused: %s", head);
        free(head);
        return false;
    }
    if (acc == NULL) {
        wsc_fail(c, "no Sec-WebSocket-Accept in the upgrade response");
        free(head);
        return false;
    }
    acc += 23;
    while (*acc == ' ' || *acc == '\t')
        acc++;
    bool ok = strncmp(acc, c->accept, 28) == 0;
    free(head);
    if (!ok) {
        wsc_fail(c, "wrong Sec-WebSocket-Accept");
        return false;
    }
    const bench_opts_t *o = c->pool->o;
    char id[64];
    user_id(c->pool, c->idx, id, sizeof id);
    char *sig = usersig_make(o->sdkappid, o->key, id, (long)time(NULL), o->expire);
    char frame[1024];
    int fl = snprintf(frame, sizeof frame,
                      "{\"seq\":0,\"cmd\":\"login\",\"body\":{\"userID\":\"%s\",\"userSig\":\"%s\","
                      "\"platform\":\"Web\"}}",
                      id, sig ? sig : "");
    free(sig);
    wsc_send(c, WS_OP_TEXT, frame, (size_t)fl);
    c->state = WSC_LOGIN;
    return true;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    wsc_t *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (c->state == WSC_HANDSHAKE && !on_handshake(c, in))
        return;
    while (c->state == WSC_LOGIN || c->state == WSC_READY) {
        size_t avail = evbuffer_get_length(in);
        if (avail < 2)
            return;
        unsigned char *h = evbuffer_pullup(in, avail < 14 ? (ev_ssize_t)avail : 14);
        int fin = h[0] & 0x80, opcode = h[0] & 0x0F, masked = h[1] & 0x80;
        uint64_t len = h[1] & 0x7F;
        size_t hl = 2;
        if (len == 126) {
            if (avail < 4)
                return;
            len = (uint64_t)h[2] << 8 | h[3];
            hl = 4;
        } else if (len == 127) {
            if (avail < 10)
                return;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | h[2 + i];
            hl = 10;
        }
        if (masked) {
            wsc_fail(c, "masked frame from the server");
            return;
        }
        if (len > MAX_FRAME) {
            wsc_fail(c, "frame of %" PRIu64 " bytes", len);
            return;
        }
        if (avail < hl + len)
            return;
        unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)(hl + len));
        bool alive = on_frame(c, fin, opcode, p + hl, (size_t)len);
        if (!alive)
            return;
        evbuffer_drain(in, hl + len);
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    wsc_t *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        int fd = (int)bufferevent_getfd(bev);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        unsigned char raw[16];
        for (int i = 0; i < 16; i += 8) {
            uint64_t x = wsc_rng(c->pool);
            memcpy(raw + i, &x, 8);
        }
        char key[25];
        EVP_EncodeBlock((unsigned char *)key, raw, 16);
        char buf[64];
        int bl = snprintf(buf, sizeof buf, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
        unsigned char digest[SHA_DIGEST_LENGTH];
        SHA1((unsigned char *)buf, (size_t)bl, digest);
        EVP_EncodeBlock((unsigned char *)c->accept, digest, SHA_DIGEST_LENGTH);
        const bench_opts_t *o = c->pool->o;
        evbuffer_add_printf(bufferevent_get_output(bev),
                            "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n",
                            o->host, o->port, key);
        c->state = WSC_HANDSHAKE;
        return;
    }
    if (what & BEV_EVENT_EOF)
        wsc_fail(c, "connection closed by chatd");
    else
        wsc_fail(c, "socket error: %s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void conn_open(wsc_pool_t *p, wsc_t *c)
{
    c->pool = p;
    c->bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    bufferevent_set_max_single_read(c->bev, 256 * 1024);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->state = WSC_CONNECTING;
    struct sockaddr_storage *to = p->o->port2 && (c->idx & 1) ? &p->addr2 : &p->addr;
    if (bufferevent_socket_connect(c->bev, (struct sockaddr *)to, (int)p->addr_len) != 0)
        wsc_fail(c, "connect: %s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void open_more(wsc_pool_t *p)
{
    while (!p->open_done && p->opening < p->o->ramp && p->next_open < p->n) {
        p->opening++;
        conn_open(p, p->conn[p->next_open++]);
    }
    if (p->ready == p->n && !p->open_done) {
        p->open_done = true;
        p->h->on_all_ready(p);
    }
}

void wsc_pool_open(wsc_pool_t *p)
{
    p->t_open = now_us();
    for (int i = 0; i < p->n; i++) {
        p->conn[i]->pool = p;
        p->conn[i]->idx = i;
    }
    open_more(p);
}

void wsc_pool_stop_opening(wsc_pool_t *p)
{
    p->open_done = true;
}

int wsc_pool_init(wsc_pool_t *p, const bench_opts_t *o, struct event_base *base,
                  const wsc_handlers_t *h, void *user)
{
    p->o = o;
    p->base = base;
    p->h = h;
    p->user = user;
    p->rng = (uint64_t)now_us() * 0x9E3779B97F4A7C15ULL | 1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", o->port);
    int rc = getaddrinfo(o->host, service, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "chatd-bench: %s: %s\n", o->host, gai_strerror(rc));
        return -1;
    }
    memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
    memcpy(&p->addr2, res->ai_addr, res->ai_addrlen);
    p->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    if (p->addr.ss_family == AF_INET)
        ((struct sockaddr_in *)&p->addr2)->sin_port = htons((uint16_t)o->port2);
    else
        ((struct sockaddr_in6 *)&p->addr2)->sin6_port = htons((uint16_t)o->port2);
    return 0;
}
