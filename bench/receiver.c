/* Receiver mode: the app backend's webhook endpoint, as cheap as possible so that it does not
 * take the CPU chatd and PostgreSQL need. An evhttp server on 127.0.0.1:--listen-port answers
 * every POST with {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""} and counts: requests, per
 * CallbackCommand (the query parameter), distinct EventIds and repeated ones (retries).
 *
 * Every second with news, and once more on SIGTERM or SIGINT (then it exits), it prints
 *   recv t_s=… requests=… after_send=… events=… dup_events=… no_event_id=… bad=… commands=A:n,B:m
 * on stdout. after_send counts C2C.CallbackAfterSendMsg requests. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define COMMANDS_MAX 32

typedef struct {
    char name[64];
    uint64_t count;
} command_t;

typedef struct {
    const bench_opts_t *o;
    struct event_base *base;
    int64_t t0;
    uint64_t requests, after_send, events, dup_events, no_event_id, bad, printed;
    command_t commands[COMMANDS_MAX];
    int ncommands;
    /* EventIds seen: open addressing, 0 is empty (EventIds start at 1). */
    uint64_t *ids;
    size_t ids_cap, ids_n;
} recv_t;

static bool id_add(recv_t *r, uint64_t id)
{
    if (r->ids_n * 2 >= r->ids_cap) {
        size_t cap = r->ids_cap ? r->ids_cap * 2 : 1 << 16;
        uint64_t *ids = calloc(cap, sizeof *ids);
        for (size_t i = 0; i < r->ids_cap; i++) {
            if (r->ids[i] == 0)
                continue;
            size_t k = (r->ids[i] * 0x9E3779B97F4A7C15ULL) & (cap - 1);
            while (ids[k])
                k = (k + 1) & (cap - 1);
            ids[k] = r->ids[i];
        }
        free(r->ids);
        r->ids = ids;
        r->ids_cap = cap;
    }
    size_t k = (id * 0x9E3779B97F4A7C15ULL) & (r->ids_cap - 1);
    while (r->ids[k]) {
        if (r->ids[k] == id)
            return false;
        k = (k + 1) & (r->ids_cap - 1);
    }
    r->ids[k] = id;
    r->ids_n++;
    return true;
}

static void count_command(recv_t *r, const char *name)
{
    for (int i = 0; i < r->ncommands; i++) {
        if (strcmp(r->commands[i].name, name) == 0) {
            r->commands[i].count++;
            return;
        }
    }
    if (r->ncommands < COMMANDS_MAX) {
        snprintf(r->commands[r->ncommands].name, sizeof r->commands[0].name, "%s", name);
        r->commands[r->ncommands++].count = 1;
    }
}

static void on_request(struct evhttp_request *req, void *arg)
{
    recv_t *r = arg;
    static const char ok[] = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}";
    r->requests++;
    struct evkeyvalq q;
    const char *command = NULL;
    if (evhttp_parse_query_str(evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)) ?: "",
                               &q) == 0)
        command = evhttp_find_header(&q, "CallbackCommand");
    count_command(r, command ? command : "(none)");
    if (command && strcmp(command, "C2C.CallbackAfterSendMsg") == 0)
        r->after_send++;
    if (command)
        evhttp_clear_headers(&q);

    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *body = (const char *)evbuffer_pullup(in, -1);
    static const char key[] = "\"EventId\":";
    const char *e = body ? memmem(body, len, key, sizeof key - 1) : NULL;
    if (body == NULL || len == 0 || body[0] != '{') {
        r->bad++;
    } else if (e == NULL) {
        r->no_event_id++;
    } else {
        uint64_t id = strtoull(e + sizeof key - 1, NULL, 10);
        if (id == 0)
            r->bad++;
        else if (id_add(r, id))
            r->events++;
        else
            r->dup_events++;
    }
    struct evbuffer *out = evbuffer_new();
    evbuffer_add(out, ok, sizeof ok - 1);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, 200, "OK", out);
    evbuffer_free(out);
}

static void print_line(recv_t *r)
{
    printf("recv t_s=%.2f requests=%" PRIu64 " after_send=%" PRIu64 " events=%" PRIu64
           " dup_events=%" PRIu64 " no_event_id=%" PRIu64 " bad=%" PRIu64 " commands=",
           (double)(now_us() - r->t0) / 1e6, r->requests, r->after_send, r->events, r->dup_events,
           r->no_event_id, r->bad);
    for (int i = 0; i < r->ncommands; i++)
        printf("%s%s:%" PRIu64, i ? "," : "", r->commands[i].name, r->commands[i].count);
    printf("%s\n", r->ncommands ? "" : "-");
    fflush(stdout);
    r->printed = r->requests;
}

static void on_second(evutil_socket_t fd, short what, void *arg)
{
    recv_t *r = arg;
    (void)fd;
    (void)what;
    if (r->requests != r->printed)
        print_line(r);
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
    recv_t *r = arg;
    (void)fd;
    (void)what;
    print_line(r);
    event_base_loopexit(r->base, NULL);
}

int receiver_run(const bench_opts_t *o)
{
    recv_t r = {.o = o, .t0 = now_us()};
    r.base = event_base_new();
    struct evhttp *http = evhttp_new(r.base);
    evhttp_set_gencb(http, on_request, &r);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_POST);
    if (evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)o->listen_port) != 0) {
        fprintf(stderr, "chatd-bench: receiver: cannot listen on 127.0.0.1:%d\n", o->listen_port);
        return 1;
    }
    struct event *tick = event_new(r.base, -1, EV_PERSIST, on_second, &r);
    struct timeval sec = {1, 0};
    evtimer_add(tick, &sec);
    struct event *ev_int = evsignal_new(r.base, SIGINT, on_signal, &r);
    struct event *ev_term = evsignal_new(r.base, SIGTERM, on_signal, &r);
    evsignal_add(ev_int, NULL);
    evsignal_add(ev_term, NULL);
    fprintf(stderr, "chatd-bench: receiver listening on 127.0.0.1:%d\n", o->listen_port);
    event_base_dispatch(r.base);
    event_free(tick);
    event_free(ev_int);
    event_free(ev_term);
    evhttp_free(http);
    event_base_free(r.base);
    free(r.ids);
    return 0;
}
