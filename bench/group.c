/* Group mode: --conns clients, members of --groups Work groups of --group-size members each,
 * every member online; --senders of them send group messages (--rate in total, or --window in
 * flight each) and every member counts what it receives.
 *
 * Membership is arithmetic, so no client needs a table: with U clients, S members per group and
 * step = U / S, member j of group g is user (j * step + g) mod U. User u is in the groups
 * g = u mod step + k * step (g < G), at position j = ((u - g) mod U) / step. With G = 1 and
 * S = U that is one group of everybody; with U = 10,000, S = 50, G = 1,000 each user is in 5
 * groups.
 *
 * A message's text is "G <group> <sender> <n> <send time µs> xxx…". A receiver finds the
 * sender's record of message n and marks its own position in the message's bitmap, so lost
 * and duplicated deliveries are exact. A message is complete when all S - 1 other members have
 * it (the sender's only session is the one that sent it, which chatd skips). Pushes are not
 * parsed as JSON: the bench looks for the text, so it stays cheap at 100,000 pushes a second.
 *
 * --avroom: the one group is an AVChatRoom made by REST create_group (member 0 its owner); once
 * logged in, every client sends joinGroup (seq "j") and nobody sends a message before every
 * join was answered. Viewers hold no member rows: the room lives in chatd's memory. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "driver.h"
#include "restpool.h"
#include "wsc.h"

#define CREATE_MEMBERS 100 /* create_group's MemberList limit, the owner included here */
#define ADD_MEMBERS 300    /* add_group_member's limit */

enum { ACK_NONE, ACK_OK, ACK_ERROR };

typedef struct {
    int64_t sent_us;
    int64_t last_us; /* the latest delivery */
    uint32_t group;
    uint32_t got; /* distinct members that received it */
    uint8_t ack;
    uint8_t measured;
    uint8_t *seen; /* bitmap by member position */
} gmsg_t;

typedef struct {
    wsc_t ws;
    gmsg_t *msgs;
    uint32_t nmsgs, cap, inflight;
    uint32_t next_group; /* round robin over the user's groups */
} gconn_t;

typedef struct {
    driver_t d;
    gconn_t *conns;
    wsc_t **ptrs;
    int n, step, groups, size;
    int *senders, nsenders;

    uint64_t deliveries_total;
    uint64_t incomplete; /* acknowledged messages not yet complete */
    uint64_t dup, misrouted, foreign, unknown_answer, double_answer;
    uint64_t ev_conv, ev_unread, ev_other, ev_total;
    uint64_t deliveries_win, completed_win;
    hist_t deliver_lat, complete_lat;
    uint64_t last_deliveries;
    int joined, join_errors, join_next; /* --avroom: answered, refused, next to send */
    int64_t join_start_us, join_end_us;
} grun_t;

/* ---- membership arithmetic ---- */

static int member_of(const grun_t *r, int g, int j)
{
    return (int)(((int64_t)j * r->step + g) % r->n);
}

/* Position of user u in group g, or -1. */
static int position_in(const grun_t *r, int u, int g)
{
    if (g < 0 || g >= r->groups)
        return -1;
    int d = ((u - g) % r->n + r->n) % r->n;
    if (d % r->step)
        return -1;
    return d / r->step < r->size ? d / r->step : -1;
}

static int groups_of(const grun_t *r, int u)
{
    int first = u % r->step;
    return first >= r->groups ? 0 : (r->groups - first + r->step - 1) / r->step;
}

static void group_id(const bench_opts_t *o, int g, char *buf, size_t size)
{
    snprintf(buf, size, "%sg%d", o->prefix, g);
}

/* ---- set-up: create_group, then add_group_member ---- */

typedef struct {
    const bench_opts_t *o;
    grun_t *r;
    int adds_per_group;
} setup_t;

static char *create_call(void *arg, uint64_t i, char *path)
{
    setup_t *st = arg;
    grun_t *r = st->r;
    int g = (int)i;
    char gid[64], id[64];
    group_id(st->o, g, gid, sizeof gid);
    json_t *list = json_array();
    for (int j = 1; j < r->size && j < CREATE_MEMBERS; j++) {
        bench_user_id(st->o, member_of(r, g, j), id, sizeof id);
        json_array_append_new(list, json_pack("{s:s}", "Member_Account", id));
    }
    bench_user_id(st->o, member_of(r, g, 0), id, sizeof id);
    json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:o}", "Type", "Private", "GroupId", gid, "Name",
                            "bench", "Owner_Account", id, "MemberList", list);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    strcpy(path, "group_open_http_svc/create_group");
    return body;
}

/* Call i adds chunk i / G of group i % G: the chunks of one group are never in flight at once
 * while there are more groups than connections. */
static char *add_call(void *arg, uint64_t i, char *path)
{
    setup_t *st = arg;
    grun_t *r = st->r;
    int g = (int)(i % (uint64_t)r->groups), chunk = (int)(i / (uint64_t)r->groups);
    int first = CREATE_MEMBERS + chunk * ADD_MEMBERS;
    char gid[64], id[64];
    group_id(st->o, g, gid, sizeof gid);
    json_t *list = json_array();
    for (int j = first; j < r->size && j < first + ADD_MEMBERS; j++) {
        bench_user_id(st->o, member_of(r, g, j), id, sizeof id);
        json_array_append_new(list, json_pack("{s:s}", "Member_Account", id));
    }
    json_t *req = json_pack("{s:s, s:i, s:o}", "GroupId", gid, "Silence", 1, "MemberList", list);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    strcpy(path, "group_open_http_svc/add_group_member");
    return body;
}

static char *create_room_call(void *arg, uint64_t i, char *path)
{
    (void)i;
    setup_t *st = arg;
    char gid[64], id[64];
    group_id(st->o, 0, gid, sizeof gid);
    bench_user_id(st->o, member_of(st->r, 0, 0), id, sizeof id);
    json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "Type", "AVChatRoom", "GroupId", gid, "Name",
                            "bench", "Owner_Account", id);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    strcpy(path, "group_open_http_svc/create_group");
    return body;
}

static int setup_groups(grun_t *r, const bench_opts_t *o)
{
    setup_t st = {.o = o, .r = r};
    int64_t t0 = now_us();
    if (o->avroom)
        return restpool_run(o, 1, 1, create_room_call, NULL, &st, "create_group");
    if (restpool_run(o, o->setup_conns, (uint64_t)r->groups, create_call, NULL, &st,
                     "create_group") != 0)
        return -1;
    int rest = r->size > CREATE_MEMBERS ? r->size - CREATE_MEMBERS : 0;
    st.adds_per_group = (rest + ADD_MEMBERS - 1) / ADD_MEMBERS;
    uint64_t adds = (uint64_t)st.adds_per_group * (uint64_t)r->groups;
    int conns = o->setup_conns < r->groups ? o->setup_conns : r->groups;
    if (restpool_run(o, conns, adds, add_call, NULL, &st, "add_group_member") != 0)
        return -1;
    fprintf(stderr, "chatd-bench: %d groups of %d members ready in %.2f s\n", r->groups, r->size,
            (double)(now_us() - t0) / 1e6);
    return 0;
}

/* ---- sending ---- */

static bool try_send(driver_t *d, int u)
{
    grun_t *r = d->user;
    const bench_opts_t *o = d->o;
    gconn_t *c = &r->conns[u];
    if (c->ws.state != WSC_READY || (o->window > 0 && c->inflight >= (uint32_t)o->window))
        return false;
    if (o->avroom && r->joined + r->join_errors < r->n)
        return false;
    int ng = groups_of(r, u);
    int g = u % r->step + (int)(c->next_group++ % (uint32_t)ng) * r->step;
    uint32_t n = c->nmsgs;
    gmsg_t *m = bench_grow((void **)&c->msgs, &c->nmsgs, &c->cap, sizeof *c->msgs, 256);
    m->sent_us = now_us();
    m->group = (uint32_t)g;
    m->measured = driver_sent(d);
    m->seen = calloc((size_t)(r->size + 7) / 8, 1);

    char text[8192];
    bench_text(o, text, sizeof text, "G %d %d %u %" PRId64 " ", g, u, n, m->sent_us);
    char gid[64];
    group_id(o, g, gid, sizeof gid);
    char frame[8192 + 512];
    int fl = snprintf(frame, sizeof frame,
                      "{\"seq\":%u,\"cmd\":\"sendMessage\",\"body\":{\"groupID\":\"%s\","
                      "\"random\":%u,\"msgBody\":[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":"
                      "{\"Text\":\"%s\"}}]}}",
                      n + 1, gid, (unsigned)wsc_rng(&d->pool), text);
    wsc_send_text(&c->ws, frame, (size_t)fl);
    c->inflight++;
    return true;
}

/* ---- what arrives ---- */

/* --avroom: every viewer joins the room once logged in, JOINS_IN_FLIGHT at a time (each join
 * is a PostgreSQL read for the ban check: all at once would overrun chatd's db_max_waiting). */
#define JOINS_IN_FLIGHT 500

static void send_join(grun_t *r, const bench_opts_t *o)
{
    if (r->join_next >= r->n)
        return;
    char gid[64], frame[256];
    group_id(o, 0, gid, sizeof gid);
    int fl = snprintf(frame, sizeof frame,
                      "{\"seq\":\"j\",\"cmd\":\"joinGroup\",\"body\":{\"groupID\":\"%s\"}}", gid);
    wsc_send_text(&r->conns[r->join_next++].ws, frame, (size_t)fl);
}

static void on_answer(grun_t *r, gconn_t *c, const char *data, size_t len)
{
    json_t *doc = json_loadb(data, len, 0, NULL);
    json_t *seq = json_object_get(doc, "seq");
    json_t *code_j = json_object_get(doc, "code");
    int code = json_is_integer(code_j) ? (int)json_integer_value(code_j) : -2;
    if (json_is_string(seq)) { /* a joinGroup's answer (--avroom) */
        json_decref(doc);
        if (code == 0)
            r->joined++;
        else
            r->join_errors++;
        send_join(r, r->d.o);
        if (r->joined + r->join_errors == r->n) {
            r->join_end_us = now_us();
            fprintf(stderr, "chatd-bench: %d viewers joined in %.2f s (%d refused)\n", r->joined,
                    (double)(r->join_end_us - r->join_start_us) / 1e6, r->join_errors);
        }
        return;
    }
    json_int_t s = json_is_integer(seq) ? json_integer_value(seq) : -1;
    json_decref(doc);
    if (s < 1 || (uint64_t)s > c->nmsgs) {
        r->unknown_answer++;
        return;
    }
    gmsg_t *m = &c->msgs[s - 1];
    if (m->ack != ACK_NONE) {
        r->double_answer++;
        return;
    }
    c->inflight--;
    m->ack = code == 0 ? ACK_OK : ACK_ERROR;
    if (code == 0 && m->got < (uint32_t)r->size - 1)
        r->incomplete++;
    driver_answered(&r->d, c->ws.idx, code, m->sent_us, m->measured);
}

static void on_group_message(grun_t *r, gconn_t *c, const char *data, size_t len)
{
    static const char marker[] = "\"Text\":\"G ";
    const char *t = memmem(data, len, marker, sizeof marker - 1);
    int g, from;
    unsigned n;
    int64_t sent_us;
    if (t == NULL) {
        r->ev_other++; /* a group tips message, say */
        return;
    }
    if (sscanf(t + sizeof marker - 3, "G %d %d %u %" SCNd64, &g, &from, &n, &sent_us) != 4 ||
        from < 0 || from >= r->n || n >= r->conns[from].nmsgs ||
        r->conns[from].msgs[n].sent_us != sent_us || r->conns[from].msgs[n].group != (uint32_t)g) {
        r->foreign++;
        return;
    }
    int pos = position_in(r, c->ws.idx, g);
    if (pos < 0 || from == c->ws.idx) {
        r->misrouted++;
        return;
    }
    gmsg_t *m = &r->conns[from].msgs[n];
    if (m->seen[pos / 8] & (1 << (pos % 8))) {
        r->dup++;
        return;
    }
    m->seen[pos / 8] |= (uint8_t)(1 << (pos % 8));
    int64_t now = now_us();
    bool measuring = r->d.phase == DRIVER_MEASURE;
    m->got++;
    m->last_us = now;
    r->deliveries_total++;
    if (measuring)
        r->deliveries_win++;
    if (m->measured)
        hist_add(&r->deliver_lat, now - sent_us);
    if (m->got == (uint32_t)r->size - 1) {
        if (m->measured)
            hist_add(&r->complete_lat, now - sent_us);
        if (measuring)
            r->completed_win++;
        if (m->ack == ACK_OK)
            r->incomplete--;
    }
}

static void on_text(wsc_t *w, const char *data, size_t len)
{
    gconn_t *c = (gconn_t *)w;
    grun_t *r = driver_user(w);
    static const char ev[] = "{\"event\":\"";
    if (len < sizeof ev || memcmp(data, ev, sizeof ev - 1) != 0) {
        on_answer(r, c, data, len);
        return;
    }
    const char *name = data + sizeof ev - 1;
    size_t rest = len - (sizeof ev - 1);
    r->ev_total++;
#define IS(s) (rest > sizeof(s) && memcmp(name, s "\"", sizeof(s)) == 0)
    if (IS("onRecvNewMessage"))
        on_group_message(r, c, data, len);
    else if (IS("onConversationChanged") || IS("onNewConversation"))
        r->ev_conv++;
    else if (IS("onTotalUnreadMessageCountChanged"))
        r->ev_unread++;
    else
        r->ev_other++;
#undef IS
}

/* ---- what the driver asks ---- */

static bool drained(driver_t *d)
{
    const grun_t *r = d->user;
    return r->incomplete == 0;
}

static void started(driver_t *d)
{
    grun_t *r = d->user;
    if (!d->o->avroom)
        return;
    r->join_start_us = now_us();
    for (int i = 0; i < JOINS_IN_FLIGHT; i++)
        send_join(r, d->o);
}

static void progress(driver_t *d, char *buf, size_t size)
{
    grun_t *r = d->user;
    snprintf(buf, size, " deliveries/s=%" PRIu64 " incomplete=%" PRIu64,
             r->deliveries_total - r->last_deliveries, r->incomplete);
    r->last_deliveries = r->deliveries_total;
}

static void report(driver_t *d)
{
    const grun_t *r = d->user;
    const bench_opts_t *o = d->o;
    uint64_t lost = 0, unanswered = 0, lost_msgs = 0, failed_delivered = 0;
    for (int i = 0; i < r->n; i++) {
        const gconn_t *c = &r->conns[i];
        for (uint32_t k = 0; k < c->nmsgs; k++) {
            const gmsg_t *m = &c->msgs[k];
            unanswered += m->ack == ACK_NONE;
            failed_delivered += m->ack == ACK_ERROR && m->got > 0;
            if (m->ack == ACK_OK && m->got < (uint32_t)r->size - 1) {
                lost += (uint32_t)r->size - 1 - m->got;
                lost_msgs++;
            }
        }
    }
    char errs[512];
    err_tally_format(&d->errors, errs, sizeof errs);
    printf("group conns=%d groups=%d size=%d senders=%d window=%d rate=%g msg_size=%d"
           " duration_s=%.2f sent=%" PRIu64 " acked=%" PRIu64 " acked/s=%.0f completed=%" PRIu64
           " completed/s=%.0f deliveries=%" PRIu64 " deliveries/s=%.0f errors=%s lost=%" PRIu64
           " lost_msgs=%" PRIu64 " dup=%" PRIu64 " unanswered=%" PRIu64
           " ack_p50_ms=%.2f ack_p99_ms=%.2f last_p50_ms=%.2f last_p99_ms=%.2f last_max_ms=%.2f"
           " each_p50_ms=%.2f each_p99_ms=%.2f",
           r->n, r->groups, r->size, r->nsenders, o->window, o->rate, o->size, driver_window_s(d),
           d->sent_win, d->acked_win, driver_per_s(d, d->acked_win), r->completed_win,
           driver_per_s(d, r->completed_win), r->deliveries_win, driver_per_s(d, r->deliveries_win),
           errs, lost, lost_msgs, r->dup, unanswered, bench_ms(hist_quantile(&d->ack_lat, 0.5)),
           bench_ms(hist_quantile(&d->ack_lat, 0.99)),
           bench_ms(hist_quantile(&r->complete_lat, 0.5)),
           bench_ms(hist_quantile(&r->complete_lat, 0.99)), bench_ms(r->complete_lat.max),
           bench_ms(hist_quantile(&r->deliver_lat, 0.5)),
           bench_ms(hist_quantile(&r->deliver_lat, 0.99)));
    printf(" conv_events=%" PRIu64 " unread_events=%" PRIu64 " other_events=%" PRIu64, r->ev_conv,
           r->ev_unread, r->ev_other);
    if (o->avroom)
        printf(" joined=%d join_errors=%d join_s=%.2f", r->joined, r->join_errors,
               (double)(r->join_end_us - r->join_start_us) / 1e6);
    driver_print_flags(d);
    if (r->misrouted)
        printf(" misrouted=%" PRIu64, r->misrouted);
    if (r->foreign)
        printf(" foreign=%" PRIu64, r->foreign);
    if (r->double_answer || r->unknown_answer)
        printf(" double_answer=%" PRIu64 " unknown_answer=%" PRIu64, r->double_answer,
               r->unknown_answer);
    if (failed_delivered)
        printf(" failed_but_delivered=%" PRIu64, failed_delivered);
    printf(" total_sent=%" PRIu64 " total_acked=%" PRIu64 "%s\n", d->sent_total, d->acked_total,
           d->cpu);
    fflush(stdout);
    if (lost || r->dup || unanswered || r->misrouted || r->double_answer || failed_delivered ||
        r->join_errors)
        d->exit_code = 1;
}

static const driver_mode_t group_mode = {
    .try_send = try_send,
    .drained = drained,
    .started = started,
    .progress = progress,
    .report = report,
    .on_text = on_text,
};

static void group_free(grun_t *r)
{
    for (int i = 0; r->conns && i < r->n; i++) {
        wsc_close(&r->conns[i].ws);
        for (uint32_t k = 0; k < r->conns[i].nmsgs; k++)
            free(r->conns[i].msgs[k].seen);
        free(r->conns[i].msgs);
    }
    driver_free(&r->d);
    free(r->senders);
    free(r->ptrs);
    free(r->conns);
    free(r);
}

int group_run(const bench_opts_t *o)
{
    grun_t *r = calloc(1, sizeof *r);
    r->n = o->conns;
    r->size = o->group_size;
    r->groups = o->groups;
    r->step = r->n / r->size;
    r->conns = calloc((size_t)r->n, sizeof *r->conns);
    r->ptrs = calloc((size_t)r->n, sizeof *r->ptrs);
    r->senders = calloc((size_t)r->n, sizeof *r->senders);
    for (int i = 0; i < r->n; i++) {
        r->ptrs[i] = &r->conns[i].ws;
        if (groups_of(r, i) > 0 && (o->senders == 0 || r->nsenders < o->senders))
            r->senders[r->nsenders++] = i;
    }
    int status = 1;
    if (r->nsenders == 0) {
        fprintf(stderr, "chatd-bench: no client is in a group\n");
        status = 2;
    } else if ((!o->import || setup_groups(r, o) == 0) &&
               driver_init(&r->d, o, &group_mode, r) == 0) {
        r->d.senders = r->senders;
        r->d.nsenders = r->nsenders;
        if (driver_connect(&r->d, r->ptrs, r->n, NULL) == 0)
            status = driver_run(&r->d);
    }
    group_free(r);
    return status;
}
