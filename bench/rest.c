/* REST mode: --conns keep-alive HTTP connections, each with one v4/openim/sendmsg in flight,
 * posting from account 2k(+1) to its partner as fast as chatd answers. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "driver.h"

typedef struct rest_run rest_run_t;

typedef struct {
    rest_run_t *run;
    int idx;
    struct evhttp_connection *con;
    uint64_t count;
    int64_t started_us;
    bool measured;
    bool busy;
} rest_conn_t;

struct rest_run {
    driver_t d;
    rest_conn_t *conns;
    int n, users;
};

static void on_answer(struct evhttp_request *req, void *arg);

/* Posts the next sendmsg of connection i, unless it has one in flight. */
static bool try_send(driver_t *d, int i)
{
    rest_run_t *r = d->user;
    const bench_opts_t *o = d->o;
    rest_conn_t *c = &r->conns[i];
    if (c->busy)
        return false;
    int from = (2 * c->idx + (int)(c->count & 1)) % r->users;
    char from_id[64], to_id[64];
    bench_user_id(o, from, from_id, sizeof from_id);
    bench_user_id(o, from ^ 1, to_id, sizeof to_id);
    c->started_us = now_us();

    char text[8192];
    bench_text(o, text, sizeof text, "R %d %" PRIu64 " %" PRId64 " ", c->idx, c->count,
               c->started_us);
    struct evhttp_request *req = evhttp_request_new(on_answer, c);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    char host[300];
    snprintf(host, sizeof host, "%s:%d", o->host, o->port);
    evhttp_add_header(h, "Host", host);
    evhttp_add_header(h, "Content-Type", "application/json");
    evbuffer_add_printf(evhttp_request_get_output_buffer(req),
                        "{\"SyncOtherMachine\":2,\"From_Account\":\"%s\",\"To_Account\":\"%s\","
                        "\"MsgRandom\":%u,\"MsgBody\":[{\"MsgType\":\"TIMTextElem\","
                        "\"MsgContent\":{\"Text\":\"%s\"}}]}",
                        from_id, to_id, (unsigned)(c->count * 2654435761u + (uint64_t)c->idx),
                        text);
    char uri[2048];
    snprintf(uri, sizeof uri, "/v4/openim/sendmsg?%s&random=%u", bench_admin_query(o),
             (unsigned)rand());
    c->count++;
    c->busy = true;
    c->measured = driver_sent(d);
    if (evhttp_make_request(c->con, req, EVHTTP_REQ_POST, uri) != 0) {
        /* evhttp freed the request; count it as a connection failure and stop this one. */
        c->busy = false;
        driver_unanswerable(d, -1);
        return false;
    }
    return true;
}

static int answer_code(struct evhttp_request *req)
{
    if (req == NULL)
        return -1;
    int status = evhttp_request_get_response_code(req);
    if (status == 0)
        return -1;
    if (status != 200)
        return -status;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    json_t *doc = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0, NULL);
    json_t *code = json_object_get(doc, "ErrorCode");
    int rc = json_is_integer(code) ? (int)json_integer_value(code) : -2;
    json_decref(doc);
    return rc;
}

static void on_answer(struct evhttp_request *req, void *arg)
{
    rest_conn_t *c = arg;
    if (!c->busy)
        return;
    c->busy = false;
    driver_answered(&c->run->d, c->idx, answer_code(req), c->started_us, c->measured);
}

static void report(driver_t *d)
{
    const rest_run_t *r = d->user;
    char errs[512];
    err_tally_format(&d->errors, errs, sizeof errs);
    printf("rest conns=%d users=%d size=%d duration_s=%.2f sent=%" PRIu64 " acked=%" PRIu64
           " acked/s=%.0f errors=%s unanswered=%" PRIu64 " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f"
           " total_acked=%" PRIu64 "%s\n",
           r->n, r->users, d->o->size, driver_window_s(d), d->sent_win, d->acked_win,
           driver_per_s(d, d->acked_win), errs, d->inflight,
           bench_ms(hist_quantile(&d->ack_lat, 0.5)), bench_ms(hist_quantile(&d->ack_lat, 0.99)),
           bench_ms(d->ack_lat.max), d->acked_total, d->cpu);
    fflush(stdout);
    if (d->inflight)
        d->exit_code = 1;
}

static const driver_mode_t rest_mode = {.try_send = try_send, .report = report};

int rest_run(const bench_opts_t *o)
{
    rest_run_t *r = calloc(1, sizeof *r);
    r->n = o->conns;
    r->users = o->users & ~1;
    int status = 1;
    if (driver_init(&r->d, o, &rest_mode, r) == 0) {
        r->d.rate = 0; /* one request in flight per connection, as fast as answers come */
        r->conns = calloc((size_t)r->n, sizeof *r->conns);
        for (int i = 0; i < r->n; i++) {
            rest_conn_t *c = &r->conns[i];
            c->run = r;
            c->idx = i;
            c->con = evhttp_connection_base_new(r->d.base, NULL, o->host, (ev_uint16_t)o->port);
            evhttp_connection_set_timeout(c->con, 30);
        }
        driver_start(&r->d);
        status = driver_run(&r->d);
        for (int i = 0; i < r->n; i++)
            evhttp_connection_free(r->conns[i].con);
    }
    driver_free(&r->d);
    free(r->conns);
    free(r);
    return status;
}
