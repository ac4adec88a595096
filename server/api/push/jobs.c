/* The im_push job runner (api/push/push.h): a sweep that steps open tasks page by page. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/push/push.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/push.h"

struct push_jobs {
    const api_env_t *env;
    struct event *timer, *soon;
    bool stepping; /* a step in flight (one at a time per node) */
    bool stopped;  /* push_jobs_free() ran; freed when the step returns */
};

static void step(push_jobs_t *j);

static void on_step(err_t err, json_t *doc, void *arg)
{
    push_jobs_t *j = arg;
    j->stepping = false;
    if (j->stopped) {
        xfree(j);
        return;
    }
    if (err != ERR_OK) {
        log_warn("push: an im_push step failed (%s); retried at the next sweep",
                 err == ERR_DB_DOWN ? "database down" : "statement failed");
        return;
    }
    const char *task = json_string_value(json_object_get(doc, "task"));
    if (task == NULL)
        return; /* no open task */
    json_int_t queued = json_integer_value(json_object_get(doc, "queued"));
    bool done = json_is_true(json_object_get(doc, "done"));
    if (queued > 0 && j->env->push)
        j->env->push->poke(j->env->push->ctx);
    if (done)
        log_info("push: im_push task %s: all pages done", task);
    event_active(j->soon, EV_TIMEOUT, 0); /* the next page (or task), after this loop pass */
}

static void step(push_jobs_t *j)
{
    if (j->stepping || j->stopped)
        return;
    j->stepping = true;
    char req[96];
    snprintf(req, sizeof req, "{\"page\":%d,\"now\":%lld}", PUSH_JOB_PAGE, (long long)wall_s());
    store_push_run(j->env->db, STORE_PUSH_JOB_STEP, req, on_step, j);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    step(arg);
}

push_jobs_t *push_jobs_new(const api_env_t *env)
{
    push_jobs_t *j = XNEW(push_jobs_t);
    j->env = env;
    j->timer = event_new(env->base, -1, EV_PERSIST, on_timer, j);
    j->soon = event_new(env->base, -1, 0, on_timer, j);
    struct timeval every = {PUSH_JOB_SWEEP_MS / 1000, (PUSH_JOB_SWEEP_MS % 1000) * 1000};
    event_add(j->timer, &every);
    return j;
}

void push_jobs_kick(const api_env_t *env)
{
    if (env->push_jobs)
        event_active(env->push_jobs->soon, EV_TIMEOUT, 0);
}

void push_jobs_free(push_jobs_t *j)
{
    if (j == NULL)
        return;
    event_free(j->timer);
    event_free(j->soon);
    j->stopped = true;
    if (!j->stepping)
        xfree(j);
}
