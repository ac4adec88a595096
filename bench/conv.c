/* Conversation modes: one user (user P, P = --convs) with a conversation with each of users
 * 0..P-1.
 *
 * --conv-setup imports the P + 1 accounts and the messages with v4/openim/importmsg
 * (SyncFromOldSystem 5: real-time, so they are unread), --setup-conns calls at once: one message
 * from each of users 2..P-1, --small-msgs from user 1, then --big-msgs from user 0 (so the long
 * conversation is the newest, at the top of the list).
 *
 * --conv logs user P in on one WebSocket and times, one request at a time, request → answer:
 *   1. getConversationList {count: 100} (the first page), --repeat times;
 *   2. every page after it, following nextSeq until isFinished;
 *   3. getTotalUnreadMessageCount, --repeat times;
 *   4. deleteConversation of the short conversation (user 1), then of the long one (user 0):
 *      the first, real deletions;
 *   5. deleteConversation of each again, alternately, --repeat times (the same statement, now
 *      with nothing left to hide);
 *   6. getTotalUnreadMessageCount and getHistoryMessageList of the long conversation, once, to
 *      check that the deletion took.
 * A request's time includes chatd's JSON work and the loopback round trip; scripts/bench.sh
 * reads PostgreSQL's own statement times from its log beside it. */
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "driver.h"
#include "restpool.h"
#include "wsc.h"

#define PAGE 100
#define WARM 5

/* ---- set-up ---- */

typedef struct {
    const bench_opts_t *o;
    uint64_t others, small;
    long now;
} csetup_t;

static char *import_call(void *arg, uint64_t i, char *path)
{
    csetup_t *st = arg;
    const bench_opts_t *o = st->o;
    int peer = i < st->others ? (int)i + 2 : i < st->others + st->small ? 1 : 0;
    char from[64], to[64], text[128];
    bench_user_id(o, peer, from, sizeof from);
    bench_user_id(o, o->convs, to, sizeof to);
    snprintf(text, sizeof text, "c %" PRIu64 " imported for the conversation benchmark", i);
    json_t *req = json_pack("{s:i, s:s, s:s, s:I, s:I, s:[{s:s, s:{s:s}}]}", "SyncFromOldSystem", 5,
                            "From_Account", from, "To_Account", to, "MsgRandom",
                            (json_int_t)(i & 0xFFFFFFFFu), "MsgTimeStamp", (json_int_t)st->now,
                            "MsgBody", "MsgType", "TIMTextElem", "MsgContent", "Text", text);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    strcpy(path, "openim/importmsg");
    return body;
}

int conv_setup(const bench_opts_t *o)
{
    int64_t t0 = now_us();
    if (o->import && bench_import_accounts(o, o->convs + 1) != 0)
        return 1;
    csetup_t st = {.o = o,
                   .others = (uint64_t)o->convs - 2,
                   .small = (uint64_t)o->small_msgs,
                   .now = (long)time(NULL)};
    uint64_t total = st.others + st.small + (uint64_t)o->big_msgs;
    int64_t t1 = now_us();
    int64_t failed =
        restpool_run(o, o->setup_conns, total, import_call, NULL, &st, "openim/importmsg");
    double s = (double)(now_us() - t1) / 1e6;
    printf("conv-setup convs=%d big_msgs=%d small_msgs=%d imported=%" PRIu64 " failed=%" PRId64
           " import_s=%.2f import/s=%.0f setup_s=%.2f\n",
           o->convs, o->big_msgs, o->small_msgs, total - (uint64_t)failed, failed, s,
           s > 0 ? (double)total / s : 0, (double)(now_us() - t0) / 1e6);
    fflush(stdout);
    return failed ? 1 : 0;
}

/* ---- the timed requests ---- */

typedef enum {
    S_WARM,
    S_FIRST_PAGE,
    S_PAGES,
    S_UNREAD,
    S_DEL_SMALL_FIRST,
    S_DEL_BIG_FIRST,
    S_DEL_AGAIN,
    S_UNREAD_AFTER,
    S_HISTORY_AFTER,
    S_DONE
} step_t;

typedef struct {
    driver_t d;
    wsc_t conn;
    step_t step;
    int count; /* requests done in this step */
    int64_t seq, sent_us;
    char peer_big[64], peer_small[64];

    hist_t first_page, pages, unread, del_big, del_small;
    int64_t page_last_us, del_small_first_us, del_big_first_us;
    int first_items, npages, listed;
    int64_t next_seq;
    bool first_finished;
    int64_t unread_value, unread_after;
    int history_after;
} crun_t;

static void owner_id(wsc_pool_t *p, int idx, char *buf, size_t size)
{
    (void)idx;
    bench_user_id(p->o, p->o->convs, buf, size);
}

static void request(crun_t *r, const char *cmd, const char *body_fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void request(crun_t *r, const char *cmd, const char *body_fmt, ...)
{
    char body[512], frame[1024];
    va_list ap;
    va_start(ap, body_fmt);
    vsnprintf(body, sizeof body, body_fmt, ap);
    va_end(ap);
    int n = snprintf(frame, sizeof frame, "{\"seq\":%" PRId64 ",\"cmd\":\"%s\",\"body\":%s}",
                     ++r->seq, cmd, body);
    r->sent_us = now_us();
    wsc_send_text(&r->conn, frame, (size_t)n);
}

static void finish(crun_t *r, const char *why)
{
    if (why)
        fprintf(stderr, "chatd-bench: conv: %s\n", why);
    r->step = S_DONE;
    driver_stop(&r->d, why != NULL);
}

/* Sends the request of the current step. */
static void next_request(crun_t *r)
{
    switch (r->step) {
    case S_WARM:
    case S_FIRST_PAGE:
        request(r, "getConversationList", "{\"nextSeq\":0,\"count\":%d}", PAGE);
        break;
    case S_PAGES:
        request(r, "getConversationList", "{\"nextSeq\":%" PRId64 ",\"count\":%d}", r->next_seq,
                PAGE);
        break;
    case S_UNREAD:
    case S_UNREAD_AFTER:
        request(r, "getTotalUnreadMessageCount", "{}");
        break;
    case S_DEL_SMALL_FIRST:
        request(r, "deleteConversation", "{\"conversationID\":\"c2c_%s\"}", r->peer_small);
        break;
    case S_DEL_BIG_FIRST:
        request(r, "deleteConversation", "{\"conversationID\":\"c2c_%s\"}", r->peer_big);
        break;
    case S_DEL_AGAIN:
        request(r, "deleteConversation", "{\"conversationID\":\"c2c_%s\"}",
                r->count % 2 ? r->peer_small : r->peer_big);
        break;
    case S_HISTORY_AFTER:
        request(r, "getHistoryMessageList", "{\"conversationID\":\"c2c_%s\",\"count\":20}",
                r->peer_big);
        break;
    case S_DONE:
        break;
    }
}

static void advance(crun_t *r, step_t to)
{
    r->step = to;
    r->count = 0;
}

static void on_answer(crun_t *r, json_t *doc, int64_t us)
{
    const bench_opts_t *o = r->d.o;
    json_t *body = json_object_get(doc, "body");
    r->count++;
    switch (r->step) {
    case S_WARM:
        if (r->count >= WARM)
            advance(r, S_FIRST_PAGE);
        break;
    case S_FIRST_PAGE: {
        hist_add(&r->first_page, us);
        r->first_items = (int)json_array_size(json_object_get(body, "conversationList"));
        r->first_finished = json_is_true(json_object_get(body, "isFinished"));
        r->next_seq = json_integer_value(json_object_get(body, "nextSeq"));
        if (r->count >= o->repeat) {
            r->listed = r->first_items;
            r->npages = 1;
            advance(r, r->first_finished ? S_UNREAD : S_PAGES);
        }
        break;
    }
    case S_PAGES: {
        hist_add(&r->pages, us);
        r->page_last_us = us;
        r->npages++;
        r->listed += (int)json_array_size(json_object_get(body, "conversationList"));
        r->next_seq = json_integer_value(json_object_get(body, "nextSeq"));
        if (json_is_true(json_object_get(body, "isFinished")) || r->npages > 100000)
            advance(r, S_UNREAD);
        break;
    }
    case S_UNREAD:
        hist_add(&r->unread, us);
        r->unread_value = json_integer_value(json_object_get(body, "totalUnreadCount"));
        if (r->count >= o->repeat)
            advance(r, S_DEL_SMALL_FIRST);
        break;
    case S_DEL_SMALL_FIRST:
        r->del_small_first_us = us;
        advance(r, S_DEL_BIG_FIRST);
        break;
    case S_DEL_BIG_FIRST:
        r->del_big_first_us = us;
        advance(r, S_DEL_AGAIN);
        break;
    case S_DEL_AGAIN:
        hist_add(r->count % 2 ? &r->del_big : &r->del_small, us);
        if (r->count >= 2 * o->repeat)
            advance(r, S_UNREAD_AFTER);
        break;
    case S_UNREAD_AFTER:
        r->unread_after = json_integer_value(json_object_get(body, "totalUnreadCount"));
        advance(r, S_HISTORY_AFTER);
        break;
    case S_HISTORY_AFTER:
        r->history_after = (int)json_array_size(json_object_get(body, "messageList"));
        finish(r, NULL);
        return;
    case S_DONE:
        return;
    }
    next_request(r);
}

static void on_text(wsc_t *w, const char *data, size_t len)
{
    crun_t *r = driver_user(w);
    int64_t us = now_us() - r->sent_us;
    json_t *doc = json_loadb(data, len, 0, NULL);
    if (json_is_string(json_object_get(doc, "event"))) {
        json_decref(doc);
        return; /* no push is expected; ignore one */
    }
    json_t *seq = json_object_get(doc, "seq");
    json_t *code = json_object_get(doc, "code");
    if (!json_is_integer(seq) || json_integer_value(seq) != r->seq) {
        json_decref(doc);
        finish(r, "an answer to a request not asked");
        return;
    }
    if (!json_is_integer(code) || json_integer_value(code) != 0) {
        json_t *desc = json_object_get(doc, "desc");
        char why[300];
        snprintf(why, sizeof why, "request %" PRId64 " (step %d) answered %" PRId64 " %s", r->seq,
                 (int)r->step, (int64_t)json_integer_value(code),
                 json_is_string(desc) ? json_string_value(desc) : "");
        json_decref(doc);
        finish(r, why);
        return;
    }
    on_answer(r, doc, us);
    json_decref(doc);
}

static void started(driver_t *d)
{
    next_request(d->user);
}

/* The summary line, once every step is done; a run cut short (--duration, a signal) fails. */
static void report(driver_t *d)
{
    const crun_t *r = d->user;
    const bench_opts_t *o = d->o;
    if (d->exit_code)
        return;
    if (r->step != S_DONE) {
        fprintf(stderr,
                "chatd-bench: conv: stopped at step %d, request %" PRId64
                " (--duration, or a signal)\n",
                (int)r->step, r->seq);
        d->exit_code = 1;
        return;
    }
    printf("conv convs=%d big_msgs=%d small_msgs=%d repeat=%d"
           " first_page_items=%d first_page_p50_ms=%.2f first_page_p99_ms=%.2f"
           " first_page_min_ms=%.2f first_page_max_ms=%.2f"
           " pages=%d listed=%d page_p50_ms=%.2f page_max_ms=%.2f page_last_ms=%.2f"
           " unread=%" PRId64 " unread_p50_ms=%.2f unread_p99_ms=%.2f unread_max_ms=%.2f"
           " del_small_first_ms=%.2f del_big_first_ms=%.2f"
           " del_small_p50_ms=%.2f del_small_p99_ms=%.2f del_big_p50_ms=%.2f del_big_p99_ms=%.2f"
           " unread_after=%" PRId64 " history_after=%d\n",
           o->convs, o->big_msgs, o->small_msgs, o->repeat, r->first_items,
           bench_ms(hist_quantile(&r->first_page, 0.5)),
           bench_ms(hist_quantile(&r->first_page, 0.99)),
           bench_ms(hist_quantile(&r->first_page, 0.0)), bench_ms(r->first_page.max), r->npages,
           r->listed, bench_ms(hist_quantile(&r->pages, 0.5)), bench_ms(r->pages.max),
           bench_ms(r->page_last_us), r->unread_value, bench_ms(hist_quantile(&r->unread, 0.5)),
           bench_ms(hist_quantile(&r->unread, 0.99)), bench_ms(r->unread.max),
           bench_ms(r->del_small_first_us), bench_ms(r->del_big_first_us),
           bench_ms(hist_quantile(&r->del_small, 0.5)),
           bench_ms(hist_quantile(&r->del_small, 0.99)), bench_ms(hist_quantile(&r->del_big, 0.5)),
           bench_ms(hist_quantile(&r->del_big, 0.99)), r->unread_after, r->history_after);
    fflush(stdout);
}

static const driver_mode_t conv_mode = {.started = started, .report = report, .on_text = on_text};

int conv_run(const bench_opts_t *o)
{
    crun_t *r = calloc(1, sizeof *r);
    bench_user_id(o, 0, r->peer_big, sizeof r->peer_big);
    bench_user_id(o, 1, r->peer_small, sizeof r->peer_small);
    wsc_t *one[1] = {&r->conn};
    int status = 1;
    if (driver_init(&r->d, o, &conv_mode, r) == 0 && driver_connect(&r->d, one, 1, owner_id) == 0)
        status = driver_run(&r->d);
    wsc_close(&r->conn);
    driver_free(&r->d);
    free(r);
    return status;
}
