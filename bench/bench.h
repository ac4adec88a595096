/* chatd-bench: what the modes share — options, the clock, error tallies, the account import.
 *
 * The load generator is one thread and one libevent loop. Modes:
 *   ws         (default) N WebSocket clients in pairs sending one-to-one messages (ws.c)
 *   idle       N WebSocket clients that log in and then only answer pings (ws.c)
 *   rest       N keep-alive HTTP connections posting v4/openim/sendmsg (rest.c)
 *   group      N WebSocket clients, members of G groups of S, sending group messages (group.c)
 *   conv-setup one user with many conversations, one of them long, made by importmsg (conv.c)
 *   conv       that user's conversation list, total unread and deletions, timed (conv.c)
 *   receiver   a webhook receiver counting what chatd posts (receiver.c)
 * The WebSocket clients are wsc.c's; set-up REST calls go through restpool.c.
 * Each mode prints one summary line on stdout; progress and diagnostics go to stderr. */
#ifndef CHATD_BENCH_H
#define CHATD_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

typedef enum {
    MODE_WS,
    MODE_IDLE,
    MODE_REST,
    MODE_GROUP,
    MODE_CONV_SETUP,
    MODE_CONV,
    MODE_RECEIVER
} bench_mode_t;

typedef struct {
    bench_mode_t mode;
    const char *host;
    int port;
    int port2; /* ws pairs: odd users connect here (a second node); 0 = --port */
    int conns; /* WebSocket clients, or HTTP connections in rest mode */
    int users; /* rest mode: accounts the messages go between */
    uint64_t sdkappid;
    const char *key;   /* secret key of the app */
    const char *admin; /* administrator identifier for REST */
    const char *prefix;
    int window;      /* in-flight messages per connection; 0 = unbounded (rate mode) */
    double rate;     /* total messages/s; 0 = window mode */
    double duration; /* seconds measured (idle: seconds held) */
    double warmup;   /* seconds sent before measuring */
    double drain;    /* seconds waited after the last send for answers and deliveries */
    int size;        /* bytes of message text */
    int ramp;        /* connections being opened at once */
    double connect_timeout;
    long expire; /* UserSig lifetime, seconds */
    bool import; /* import the accounts first */
    bool import_only;
    bool progress;   /* a line per second on stderr */
    int setup_conns; /* REST connections for set-up calls */
    /* group mode */
    int groups;     /* G groups */
    int group_size; /* S members each */
    int senders;    /* clients that send (0: every member of a group) */
    bool avroom;    /* one AVChatRoom: viewers joinGroup after login, no member rows */
    /* conv modes */
    int convs;      /* peers, one conversation each */
    int big_msgs;   /* messages in the conversation with peer 0 */
    int small_msgs; /* messages in the conversation with peer 1 */
    int repeat;     /* timed repetitions of each request */
    /* receiver mode */
    int listen_port;
} bench_opts_t;

/* Monotonic clock in microseconds. */
int64_t now_us(void);

/* Counts of error codes; codes are Tencent's, negative ones are the bench's own
 * (-1 connection lost or refused, -N HTTP status N). */
#define ERR_TALLY_MAX 32
typedef struct {
    int codes[ERR_TALLY_MAX];
    uint64_t counts[ERR_TALLY_MAX];
    int n;
    uint64_t other; /* codes beyond the table */
    uint64_t total;
} err_tally_t;

void err_tally_add(err_tally_t *t, int code);
/* Writes "0" or "N(code:count,…)" into buf. */
void err_tally_format(const err_tally_t *t, char *buf, size_t size);

/* A message's text: fmt (the mode's marker, which must fit in size) padded with 'x' to --size
 * bytes. Returns its length. */
int bench_text(const bench_opts_t *o, char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends one zeroed element of elem_size bytes to the array *items of *n (capacity *cap,
 * first_cap the first time) and returns it; exits when out of memory. */
void *bench_grow(void **items, uint32_t *n, uint32_t *cap, size_t elem_size, uint32_t first_cap);

/* The user ID of account i: prefix + i, written into buf (≥ 64 bytes). */
void bench_user_id(const bench_opts_t *o, int i, char *buf, size_t size);

/* The query string of an administrator's REST call (sdkappid, identifier, usersig, random,
 * contenttype), computed once. */
const char *bench_admin_query(const bench_opts_t *o);

/* Imports accounts 0..n-1 with multiaccount_import, 100 per call (--setup-conns calls at once),
 * blocking. Returns 0, or -1 after printing why. */
int bench_import_accounts(const bench_opts_t *o, int n);

/* CPU use during the measurement window: bench_cpu_start() when it opens, bench_cpu_format()
 * when it closes writes " cpu_<name>=N%" for every --cpu process and " cpu_bench=N%" (100 % is
 * one core). */
void bench_cpu_start(void);
void bench_cpu_format(char *buf, size_t size);

/* Runs a mode to completion; returns the process exit status. */
int ws_run(const bench_opts_t *o);
int rest_run(const bench_opts_t *o);
int group_run(const bench_opts_t *o);
int conv_setup(const bench_opts_t *o);
int conv_run(const bench_opts_t *o);
int receiver_run(const bench_opts_t *o);

/* Milliseconds, for summary lines. */
static inline double bench_ms(int64_t us)
{
    return (double)us / 1000.0;
}

#endif
