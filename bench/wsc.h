/* WebSocket clients of chatd, shared by every WebSocket mode: RFC 6455 framing written by hand
 * (client frames masked), the upgrade, the login, and opening many connections a few at a time.
 *
 * A mode embeds wsc_t as the first member of its own connection type, fills a wsc_pool_t with
 * its handlers and the connection pointers, and calls wsc_pool_open(). Every text frame that
 * arrives after the login answer goes to on_text() as raw bytes: modes that receive a lot parse
 * only what they need. */
#ifndef CHATD_BENCH_WSC_H
#define CHATD_BENCH_WSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bench.h"

typedef enum {
    WSC_NEW,
    WSC_CONNECTING,
    WSC_HANDSHAKE,
    WSC_LOGIN,
    WSC_READY,
    WSC_CLOSED
} wsc_state_t;

typedef struct wsc wsc_t;
typedef struct wsc_pool wsc_pool_t;

typedef struct {
    /* A text frame after the login (or a push during it). */
    void (*on_text)(wsc_t *c, const char *data, size_t len);
    /* The connection failed while opening (opening true) or dropped later. */
    void (*on_closed)(wsc_t *c, const char *reason, bool opening);
    /* Every connection logged in. */
    void (*on_all_ready)(wsc_pool_t *p);
} wsc_handlers_t;

struct wsc {
    wsc_pool_t *pool;
    int idx;
    wsc_state_t state;
    struct bufferevent *bev;
    char accept[29];     /* the Sec-WebSocket-Accept we expect */
    unsigned char *frag; /* a fragmented message being reassembled */
    size_t frag_len;
};

struct wsc_pool {
    const bench_opts_t *o;
    struct event_base *base;
    const wsc_handlers_t *h;
    void *user;   /* the mode's run */
    wsc_t **conn; /* n connections, set by the mode */
    int n;
    /* The user ID connection idx logs in as; NULL: bench_user_id(o, idx). */
    void (*user_id)(wsc_pool_t *p, int idx, char *buf, size_t size);
    /* set by wsc_pool_init / while opening */
    struct sockaddr_storage addr, addr2; /* addr2: odd connections' (--port2) */
    socklen_t addr_len;
    uint64_t rng;
    int next_open, opening, ready;
    bool open_done;
    int64_t t_open;
};

/* Resolves --host/--port and seeds the masking keys; -1 after printing why. */
int wsc_pool_init(wsc_pool_t *p, const bench_opts_t *o, struct event_base *base,
                  const wsc_handlers_t *h, void *user);
/* Opens the connections, --ramp at a time; on_all_ready() when all are logged in. */
void wsc_pool_open(wsc_pool_t *p);
/* Stops opening more (a timeout or a failure). */
void wsc_pool_stop_opening(wsc_pool_t *p);

uint64_t wsc_rng(wsc_pool_t *p);
/* Sends one frame (masked). */
void wsc_send(wsc_t *c, int opcode, const void *payload, size_t len);
void wsc_send_text(wsc_t *c, const char *text, size_t len);
/* Fails the connection: closes it and calls on_closed(). */
void wsc_fail(wsc_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Closes without calling anything. */
void wsc_close(wsc_t *c);

#define WS_OP_CONT 0x0
#define WS_OP_TEXT 0x1
#define WS_OP_CLOSE 0x8
#define WS_OP_PING 0x9
#define WS_OP_PONG 0xA

#endif
