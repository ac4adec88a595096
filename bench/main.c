/* chatd-bench: command line, shared helpers and the account import. See bench.h. */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"
#include "restpool.h"
#include "usersig.h"

#define DEV_SDKAPPID 1400000000ULL
#define DEV_KEY "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define IMPORT_BATCH 100

int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void err_tally_add(err_tally_t *t, int code)
{
    t->total++;
    for (int i = 0; i < t->n; i++) {
        if (t->codes[i] == code) {
            t->counts[i]++;
            return;
        }
    }
    if (t->n == ERR_TALLY_MAX) {
        t->other++;
        return;
    }
    t->codes[t->n] = code;
    t->counts[t->n++] = 1;
}

void err_tally_format(const err_tally_t *t, char *buf, size_t size)
{
    size_t off = (size_t)snprintf(buf, size, "%" PRIu64, t->total);
    for (int i = 0; i < t->n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%d:%" PRIu64, i ? "," : "(", t->codes[i],
                                t->counts[i]);
    if (t->other && off < size)
        off += (size_t)snprintf(buf + off, size - off, ",other:%" PRIu64, t->other);
    if (t->n && off < size)
        snprintf(buf + off, size - off, ")");
}

int bench_text(const bench_opts_t *o, char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (len < o->size && (size_t)o->size < size) {
        memset(buf + len, 'x', (size_t)(o->size - len));
        len = o->size;
        buf[len] = '\0';
    }
    return len;
}

void *bench_grow(void **items, uint32_t *n, uint32_t *cap, size_t elem_size, uint32_t first_cap)
{
    if (*n == *cap) {
        uint32_t grown = *cap ? *cap * 2 : first_cap;
        void *p = realloc(*items, grown * elem_size);
        if (p == NULL) {
            fprintf(stderr, "chatd-bench: out of memory\n");
            exit(1);
        }
        *items = p;
        *cap = grown;
    }
    char *item = (char *)*items + (size_t)(*n)++ * elem_size;
    memset(item, 0, elem_size);
    return item;
}

void bench_user_id(const bench_opts_t *o, int i, char *buf, size_t size)
{
    snprintf(buf, size, "%s%d", o->prefix, i);
}

const char *bench_admin_query(const bench_opts_t *o)
{
    static char *query;
    if (query == NULL) {
        char *sig = usersig_make(o->sdkappid, o->key, o->admin, (long)time(NULL), o->expire);
        if (sig == NULL) {
            fprintf(stderr, "chatd-bench: cannot make the administrator's UserSig\n");
            exit(1);
        }
        size_t n = strlen(sig) + strlen(o->admin) + 128;
        query = malloc(n);
        snprintf(query, n, "sdkappid=%" PRIu64 "&identifier=%s&usersig=%s&contenttype=json",
                 o->sdkappid, o->admin, sig);
        free(sig);
    }
    return query;
}

typedef struct {
    const bench_opts_t *o;
    int n;
} import_t;

/* Call i: multiaccount_import of accounts [100 i, 100 i + 100). */
static char *import_call(void *arg, uint64_t i, char *path)
{
    import_t *im = arg;
    int first = (int)i * IMPORT_BATCH;
    int n = im->n - first < IMPORT_BATCH ? im->n - first : IMPORT_BATCH;
    json_t *list = json_array();
    for (int k = first; k < first + n; k++) {
        char id[64];
        bench_user_id(im->o, k, id, sizeof id);
        json_array_append_new(list, json_pack("{s:s}", "UserID", id));
    }
    json_t *req = json_pack("{s:o}", "AccountList", list);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    strcpy(path, "im_open_login_svc/multiaccount_import");
    return body;
}

static bool import_ok(void *arg, uint64_t i, int status, json_t *doc)
{
    (void)arg;
    (void)i;
    json_t *code = json_object_get(doc, "ErrorCode");
    return status == 200 && json_is_integer(code) && json_integer_value(code) == 0 &&
           json_array_size(json_object_get(doc, "FailAccounts")) == 0;
}

int bench_import_accounts(const bench_opts_t *o, int n)
{
    int64_t t0 = now_us();
    import_t im = {.o = o, .n = n};
    uint64_t calls = (uint64_t)(n + IMPORT_BATCH - 1) / IMPORT_BATCH;
    if (restpool_run(o, o->setup_conns, calls, import_call, import_ok, &im,
                     "multiaccount_import") != 0)
        return -1;
    fprintf(stderr, "chatd-bench: imported %d accounts (%s0..%s%d) in %.2f s\n", n, o->prefix,
            o->prefix, n - 1, (double)(now_us() - t0) / 1e6);
    return 0;
}

static cpu_watch_t watches[CPU_WATCH_MAX];
static int nwatches;
static uint64_t self_start;
static int64_t cpu_t0;

void bench_cpu_start(void)
{
    cpu_t0 = now_us();
    self_start = cpu_self_ticks();
    for (int i = 0; i < nwatches; i++)
        watches[i].start_ticks = cpu_ticks(watches[i].pid);
}

void bench_cpu_format(char *buf, size_t size)
{
    double secs = (double)(now_us() - cpu_t0) / 1e6, hz = (double)cpu_hz();
    size_t off = 0;
    buf[0] = '\0';
    if (secs <= 0)
        return;
    for (int i = 0; i < nwatches && off < size; i++) {
        uint64_t t = cpu_ticks(watches[i].pid);
        double pct = (double)(t - watches[i].start_ticks) / hz / secs * 100;
        off += (size_t)snprintf(buf + off, size - off, " cpu_%s=%.0f%%", watches[i].name, pct);
    }
    if (off < size)
        snprintf(buf + off, size - off, " cpu_bench=%.0f%%",
                 (double)(cpu_self_ticks() - self_start) / hz / secs * 100);
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            fprintf(stderr, "chatd-bench: setrlimit(NOFILE): %s\n", strerror(errno));
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: chatd-bench [--ws | --idle | --rest | --group | --conv-setup | --conv |\n"
            "                    --receiver] [options]\n"
            "\n"
            "Modes:\n"
            "  (default)            WebSocket pairs: user i sends sendMessage to user i^1\n"
            "  --idle               open and log in --conns connections, hold them --duration s\n"
            "  --rest               --conns keep-alive HTTP connections posting openim/sendmsg\n"
            "  --group              --conns members of --groups Work groups of --group-size,\n"
            "                       all online; --senders of them send group messages\n"
            "  --conv-setup         user P (P = --convs) gets a conversation with each of users\n"
            "                       0..P-1 by importmsg: --big-msgs messages from user 0,\n"
            "                       --small-msgs from user 1, one from each other\n"
            "  --conv               user P, logged in: getConversationList, total unread and\n"
            "                       deleteConversation, each timed --repeat times\n"
            "  --receiver           a webhook receiver on 127.0.0.1:--listen-port; counts what\n"
            "                       arrives, a line per second on stdout, until SIGTERM\n"
            "\n"
            "Options:\n"
            "  --host H             chatd address (127.0.0.1)\n"
            "  --port P             chatd port (8080)\n"
            "  --port2 P            pairs: odd users connect to this port (a second node)\n"
            "  --conns N            connections (200; WebSocket pairs need an even number)\n"
            "  --users N            rest: accounts messages go between (2 x conns)\n"
            "  --window W           in-flight messages per connection (8; 0 = no limit)\n"
            "  --rate R             total messages/s, spread evenly (default: window mode)\n"
            "  --duration S         seconds measured, or held in --idle (10)\n"
            "  --warmup S           seconds of load before measuring (2)\n"
            "  --drain S            seconds to wait for late answers and deliveries (5)\n"
            "  --size B             bytes of message text (64)\n"
            "  --ramp N             connections opened at once (200)\n"
            "  --connect-timeout S  seconds allowed for opening every connection (120)\n"
            "  --sdkappid ID        app ID (%llu, the development app)\n"
            "  --key KEY            app secret key (the development key)\n"
            "  --admin ID           administrator identifier (administrator)\n"
            "  --users-prefix P     user IDs are P0, P1, ... (bench_)\n"
            "  --expire S           UserSig lifetime (86400)\n"
            "  --no-import          the accounts exist already\n"
            "  --import-only        import the accounts and exit\n"
            "  --progress           a line per second on stderr\n"
            "  --cpu NAME=PID       report the CPU use of PID and its children while measuring\n"
            "  --setup-conns N      REST calls in flight during set-up (16)\n"
            "  --groups G           group: number of groups (1)\n"
            "  --group-size S       group: members per group (--conns; --conns %% S == 0)\n"
            "  --senders K          group: clients that send (0 = every member of a group)\n"
            "  --avroom             group: one AVChatRoom of --conns viewers (created by REST,\n"
            "                       joined by every client after login; --groups 1)\n"
            "  --convs P            conv: conversations of the user (2000)\n"
            "  --big-msgs N         conv: messages with user 0 (100000)\n"
            "  --small-msgs N       conv: messages with user 1 (10)\n"
            "  --repeat N           conv: timed repetitions of each request (100)\n"
            "  --listen-port P      receiver: port to listen on\n"
            "\n"
            "One summary line goes to stdout; exit status 0 when every message was answered,\n"
            "nothing acknowledged was lost and nothing was duplicated.\n",
            (unsigned long long)DEV_SDKAPPID);
}

static double arg_num(const char *name, const char *v, double lo, double hi)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < lo || d > hi) {
        fprintf(stderr, "chatd-bench: --%s: %s is not a number in [%g, %g]\n", name, v, lo, hi);
        exit(2);
    }
    return d;
}

int main(int argc, char **argv)
{
    bench_opts_t o = {
        .mode = MODE_WS,
        .host = "127.0.0.1",
        .port = 8080,
        .conns = 200,
        .sdkappid = DEV_SDKAPPID,
        .key = DEV_KEY,
        .admin = "administrator",
        .prefix = "bench_",
        .window = 8,
        .duration = 10,
        .warmup = 2,
        .drain = 5,
        .size = 64,
        .ramp = 200,
        .connect_timeout = 120,
        .expire = 86400,
        .import = true,
        .setup_conns = 16,
        .groups = 1,
        .convs = 2000,
        .big_msgs = 100000,
        .small_msgs = 10,
        .repeat = 100,
    };
    bool window_set = false;
    enum {
        O_HOST = 256,
        O_PORT,
        O_PORT2,
        O_CONNS,
        O_USERS,
        O_WINDOW,
        O_RATE,
        O_DURATION,
        O_WARMUP,
        O_DRAIN,
        O_SIZE,
        O_RAMP,
        O_CTIMEOUT,
        O_SDKAPPID,
        O_KEY,
        O_ADMIN,
        O_PREFIX,
        O_EXPIRE,
        O_NOIMPORT,
        O_IMPORTONLY,
        O_CPU,
        O_PROGRESS,
        O_WS,
        O_IDLE,
        O_REST,
        O_GROUP,
        O_CONV_SETUP,
        O_CONV,
        O_RECEIVER,
        O_SETUP_CONNS,
        O_GROUPS,
        O_GROUP_SIZE,
        O_SENDERS,
        O_AVROOM,
        O_CONVS,
        O_BIG,
        O_SMALL,
        O_REPEAT,
        O_LISTEN,
        O_HELP
    };
    static const struct option longopts[] = {
        {"host", required_argument, NULL, O_HOST},
        {"port", required_argument, NULL, O_PORT},
        {"port2", required_argument, NULL, O_PORT2},
        {"conns", required_argument, NULL, O_CONNS},
        {"users", required_argument, NULL, O_USERS},
        {"window", required_argument, NULL, O_WINDOW},
        {"rate", required_argument, NULL, O_RATE},
        {"duration", required_argument, NULL, O_DURATION},
        {"warmup", required_argument, NULL, O_WARMUP},
        {"drain", required_argument, NULL, O_DRAIN},
        {"size", required_argument, NULL, O_SIZE},
        {"ramp", required_argument, NULL, O_RAMP},
        {"connect-timeout", required_argument, NULL, O_CTIMEOUT},
        {"sdkappid", required_argument, NULL, O_SDKAPPID},
        {"key", required_argument, NULL, O_KEY},
        {"admin", required_argument, NULL, O_ADMIN},
        {"users-prefix", required_argument, NULL, O_PREFIX},
        {"expire", required_argument, NULL, O_EXPIRE},
        {"no-import", no_argument, NULL, O_NOIMPORT},
        {"import-only", no_argument, NULL, O_IMPORTONLY},
        {"progress", no_argument, NULL, O_PROGRESS},
        {"cpu", required_argument, NULL, O_CPU},
        {"ws", no_argument, NULL, O_WS},
        {"idle", no_argument, NULL, O_IDLE},
        {"rest", no_argument, NULL, O_REST},
        {"group", no_argument, NULL, O_GROUP},
        {"conv-setup", no_argument, NULL, O_CONV_SETUP},
        {"conv", no_argument, NULL, O_CONV},
        {"receiver", no_argument, NULL, O_RECEIVER},
        {"setup-conns", required_argument, NULL, O_SETUP_CONNS},
        {"groups", required_argument, NULL, O_GROUPS},
        {"group-size", required_argument, NULL, O_GROUP_SIZE},
        {"senders", required_argument, NULL, O_SENDERS},
        {"avroom", no_argument, NULL, O_AVROOM},
        {"convs", required_argument, NULL, O_CONVS},
        {"big-msgs", required_argument, NULL, O_BIG},
        {"small-msgs", required_argument, NULL, O_SMALL},
        {"repeat", required_argument, NULL, O_REPEAT},
        {"listen-port", required_argument, NULL, O_LISTEN},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_HOST:
            o.host = optarg;
            break;
        case O_PORT:
            o.port = (int)arg_num("port", optarg, 1, 65535);
            break;
        case O_PORT2:
            o.port2 = (int)arg_num("port2", optarg, 1, 65535);
            break;
        case O_CONNS:
            o.conns = (int)arg_num("conns", optarg, 1, 1000000);
            break;
        case O_USERS:
            o.users = (int)arg_num("users", optarg, 2, 10000000);
            break;
        case O_WINDOW:
            o.window = (int)arg_num("window", optarg, 0, 1000000);
            window_set = true;
            break;
        case O_RATE:
            o.rate = arg_num("rate", optarg, 0.001, 1e8);
            break;
        case O_DURATION:
            o.duration = arg_num("duration", optarg, 0, 86400);
            break;
        case O_WARMUP:
            o.warmup = arg_num("warmup", optarg, 0, 3600);
            break;
        case O_DRAIN:
            o.drain = arg_num("drain", optarg, 0, 3600);
            break;
        case O_SIZE:
            o.size = (int)arg_num("size", optarg, 40, 8000);
            break;
        case O_RAMP:
            o.ramp = (int)arg_num("ramp", optarg, 1, 100000);
            break;
        case O_CTIMEOUT:
            o.connect_timeout = arg_num("connect-timeout", optarg, 1, 3600);
            break;
        case O_SDKAPPID:
            o.sdkappid = (uint64_t)arg_num("sdkappid", optarg, 1, 1e19);
            break;
        case O_KEY:
            o.key = optarg;
            break;
        case O_ADMIN:
            o.admin = optarg;
            break;
        case O_PREFIX:
            o.prefix = optarg;
            break;
        case O_EXPIRE:
            o.expire = (long)arg_num("expire", optarg, 60, 1e9);
            break;
        case O_NOIMPORT:
            o.import = false;
            break;
        case O_IMPORTONLY:
            o.import_only = true;
            break;
        case O_PROGRESS:
            o.progress = true;
            break;
        case O_CPU:
            if (nwatches == CPU_WATCH_MAX || cpu_watch_parse(optarg, &watches[nwatches]) != 0) {
                fprintf(stderr, "chatd-bench: --cpu NAME=PID, at most %d\n", CPU_WATCH_MAX);
                return 2;
            }
            nwatches++;
            break;
        case O_WS:
            o.mode = MODE_WS;
            break;
        case O_IDLE:
            o.mode = MODE_IDLE;
            break;
        case O_REST:
            o.mode = MODE_REST;
            break;
        case O_GROUP:
            o.mode = MODE_GROUP;
            break;
        case O_CONV_SETUP:
            o.mode = MODE_CONV_SETUP;
            break;
        case O_CONV:
            o.mode = MODE_CONV;
            break;
        case O_RECEIVER:
            o.mode = MODE_RECEIVER;
            break;
        case O_SETUP_CONNS:
            o.setup_conns = (int)arg_num("setup-conns", optarg, 1, 1000);
            break;
        case O_GROUPS:
            o.groups = (int)arg_num("groups", optarg, 1, 1000000);
            break;
        case O_GROUP_SIZE:
            o.group_size = (int)arg_num("group-size", optarg, 2, 1000000);
            break;
        case O_SENDERS:
            o.senders = (int)arg_num("senders", optarg, 0, 1000000);
            break;
        case O_AVROOM:
            o.avroom = true;
            break;
        case O_CONVS:
            o.convs = (int)arg_num("convs", optarg, 2, 1000000);
            break;
        case O_BIG:
            o.big_msgs = (int)arg_num("big-msgs", optarg, 1, 100000000);
            break;
        case O_SMALL:
            o.small_msgs = (int)arg_num("small-msgs", optarg, 1, 100000000);
            break;
        case O_REPEAT:
            o.repeat = (int)arg_num("repeat", optarg, 1, 1000000);
            break;
        case O_LISTEN:
            o.listen_port = (int)arg_num("listen-port", optarg, 1, 65535);
            break;
        case 'h':
        case O_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (o.rate > 0 && !window_set)
        o.window = 0;
    if (o.avroom && (o.mode != MODE_GROUP || o.groups != 1)) {
        fprintf(stderr, "chatd-bench: --avroom is a --group run with --groups 1\n");
        return 2;
    }
    if (o.mode == MODE_GROUP && o.group_size == 0)
        o.group_size = o.conns;
    if (o.mode == MODE_GROUP && (o.conns % o.group_size || o.group_size > o.conns)) {
        fprintf(stderr, "chatd-bench: --conns must be a multiple of --group-size\n");
        return 2;
    }
    if (o.mode == MODE_RECEIVER && o.listen_port == 0) {
        fprintf(stderr, "chatd-bench: --receiver needs --listen-port\n");
        return 2;
    }
    if (o.rate <= 0 && o.window == 0 && (o.mode == MODE_WS || o.mode == MODE_GROUP)) {
        fprintf(stderr, "chatd-bench: give --rate, or a --window of at least 1\n");
        return 2;
    }
    if (o.mode == MODE_WS && o.conns % 2) {
        fprintf(stderr, "chatd-bench: --conns must be even: user i sends to user i^1\n");
        return 2;
    }
    if (o.mode == MODE_REST && o.users == 0)
        o.users = 2 * o.conns;
    if (strlen(o.prefix) > 40) {
        fprintf(stderr, "chatd-bench: --users-prefix is too long\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    srand((unsigned)(now_us() ^ (int64_t)getpid()));

    switch (o.mode) {
    case MODE_RECEIVER:
        return receiver_run(&o);
    case MODE_CONV_SETUP:
        return conv_setup(&o);
    case MODE_CONV:
        return conv_run(&o);
    default:
        break;
    }
    int accounts = o.mode == MODE_REST ? o.users : o.conns;
    if ((o.import || o.import_only) && bench_import_accounts(&o, accounts) != 0)
        return 1;
    if (o.import_only)
        return 0;
    switch (o.mode) {
    case MODE_REST:
        return rest_run(&o);
    case MODE_GROUP:
        return group_run(&o);
    default:
        return ws_run(&o);
    }
}
