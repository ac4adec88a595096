/* Many administrator REST calls at once. See restpool.h. */
#include "restpool.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_FAILURES 5

typedef struct pool pool_t;

typedef struct {
    pool_t *pool;
    struct evhttp_connection *con;
    uint64_t call; /* the call in flight */
    bool busy;
} pconn_t;

struct pool {
    const bench_opts_t *o;
    struct event_base *base;
    restpool_make_fn make;
    restpool_check_fn check;
    void *arg;
    const char *what;
    uint64_t count, next, done;
    int64_t failed;
    int inflight;
};

static void on_answer(struct evhttp_request *req, void *varg);

static void issue(pconn_t *c)
{
    pool_t *p = c->pool;
    if (p->next >= p->count)
        return;
    uint64_t i = p->next++;
    char path[256];
    char *body = p->make(p->arg, i, path);
    struct evhttp_request *req = evhttp_request_new(on_answer, c);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    char host[300];
    snprintf(host, sizeof host, "%s:%d", p->o->host, p->o->port);
    evhttp_add_header(h, "Host", host);
    evhttp_add_header(h, "Content-Type", "application/json");
    evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    free(body);
    char uri[2048];
    snprintf(uri, sizeof uri, "/v4/%s?%s&random=%u", path, bench_admin_query(p->o),
             (unsigned)rand());
    c->call = i;
    c->busy = true;
    p->inflight++;
    if (evhttp_make_request(c->con, req, EVHTTP_REQ_POST, uri) != 0) {
        c->busy = false;
        p->inflight--;
        p->done++;
        if (p->failed++ < REPORT_FAILURES)
            fprintf(stderr, "chatd-bench: %s %" PRIu64 ": cannot send the request\n", p->what, i);
    }
}

static void on_answer(struct evhttp_request *req, void *varg)
{
    pconn_t *c = varg;
    pool_t *p = c->pool;
    if (!c->busy)
        return;
    c->busy = false;
    p->inflight--;
    p->done++;
    int status = req ? evhttp_request_get_response_code(req) : 0;
    json_t *doc = NULL;
    char *text = NULL;
    if (status == 200) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        text = strndup((const char *)evbuffer_pullup(in, -1), len);
        doc = json_loads(text, 0, NULL);
    }
    bool ok;
    if (p->check) {
        ok = p->check(p->arg, c->call, status, doc);
    } else {
        json_t *code = json_object_get(doc, "ErrorCode");
        ok = status == 200 && json_is_integer(code) && json_integer_value(code) == 0;
    }
    if (!ok && p->failed++ < REPORT_FAILURES)
        fprintf(stderr, "chatd-bench: %s %" PRIu64 ": HTTP %d %.300s\n", p->what, c->call, status,
                text ? text : "");
    json_decref(doc);
    free(text);
    if (p->next < p->count)
        issue(c);
    else if (p->inflight == 0)
        event_base_loopexit(p->base, NULL);
}

int64_t restpool_run(const bench_opts_t *o, int conns, uint64_t count, restpool_make_fn make,
                     restpool_check_fn check, void *arg, const char *what)
{
    if (count == 0)
        return 0;
    pool_t p = {.o = o, .make = make, .check = check, .arg = arg, .what = what, .count = count};
    p.base = event_base_new();
    if ((uint64_t)conns > count)
        conns = (int)count;
    pconn_t *cs = calloc((size_t)conns, sizeof *cs);
    int64_t t0 = now_us();
    for (int i = 0; i < conns; i++) {
        cs[i].pool = &p;
        cs[i].con = evhttp_connection_base_new(p.base, NULL, o->host, (ev_uint16_t)o->port);
        evhttp_connection_set_timeout(cs[i].con, 60);
    }
    for (int i = 0; i < conns; i++)
        issue(&cs[i]);
    if (p.inflight > 0)
        event_base_dispatch(p.base);
    for (int i = 0; i < conns; i++)
        evhttp_connection_free(cs[i].con);
    free(cs);
    event_base_free(p.base);
    double s = (double)(now_us() - t0) / 1e6;
    fprintf(stderr, "chatd-bench: %" PRIu64 " %s calls in %.2f s (%.0f/s), %" PRId64 " failed\n",
            p.done, what, s, s > 0 ? (double)p.done / s : 0, p.failed);
    return p.failed + (int64_t)(count - p.done);
}
