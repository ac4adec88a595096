/* router/room.c: live-room viewers in memory — join, leave, push, counts, the last session
 * going, closing; checked against a model with random steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router/router.h"
#include "unit.h"

enum { USERS = 40, ROOMS = 5 };

static int delivered[USERS + 1]; /* frames delivered per session owner (user index) */

static void on_kick(void *owner, const char *reason)
{
    (void)owner;
    (void)reason;
}

static void on_deliver(void *owner, router_frame_t *f)
{
    (void)f;
    delivered[(int)(intptr_t)owner]++;
}

static void name(char *buf, size_t len, const char *prefix, int i)
{
    snprintf(buf, len, "%s%d", prefix, i);
}

static void test_basics(void)
{
    router_t *r = router_new();
    CHECK(!router_room_join(r, "room", "alice")); /* no session here */
    router_session_t *a =
        router_session_add(r, "alice", "Web", 1, (void *)(intptr_t)1, on_kick, on_deliver);
    router_session_t *b =
        router_session_add(r, "bob", "Web", 2, (void *)(intptr_t)2, on_kick, on_deliver);
    router_session_t *b2 =
        router_session_add(r, "bob", "Android", 3, (void *)(intptr_t)2, on_kick, on_deliver);
    CHECK(router_room_join(r, "room", "alice") && router_room_join(r, "room", "bob"));
    CHECK(router_room_join(r, "room", "bob")); /* again: no second viewer */
    CHECK_EQ_INT(router_room_count_here(r, "room"), 2);
    CHECK(router_room_has(r, "room", "bob") && !router_room_has(r, "other", "bob"));
    memset(delivered, 0, sizeof delivered);
    router_frame_t *f = router_frame_new(strdup("{}"), 2);
    CHECK_EQ_INT(router_room_push(r, "room", f, 1), 1); /* alice's connection skipped */
    CHECK_EQ_INT(delivered[1], 0);
    CHECK_EQ_INT(delivered[2], 2); /* both of bob's sessions */
    router_viewer_t v[4];
    CHECK_EQ_INT(router_room_viewers(r, "room", v, 4), 2);
    /* One of bob's sessions going keeps him; the last one takes him out. */
    router_session_remove(r, b2);
    CHECK(router_room_has(r, "room", "bob"));
    router_session_remove(r, b);
    CHECK(!router_room_has(r, "room", "bob"));
    CHECK_EQ_INT(router_room_count_here(r, "room"), 1);
    CHECK(router_room_leave(r, "room", "alice") && !router_room_leave(r, "room", "alice"));
    CHECK_EQ_INT(router_room_count_here(r, "room"), 0);
    CHECK_EQ_INT(router_room_push(r, "room", f, 0), 0);
    router_room_join(r, "room", "alice");
    router_room_close(r, "room");
    CHECK_EQ_INT(router_room_count_here(r, "room"), 0);
    router_frame_unref(f);
    router_session_remove(r, a);
    router_free(r);
}

/* Random joins, leaves, logins, logouts and closes over 40 users and 5 rooms, compared with a
 * table after every step; the router is freed with viewers in it (ASan checks the rest). */
static void test_against_model(void)
{
    router_t *r = router_new();
    router_session_t *sessions[USERS] = {0};
    bool in[ROOMS][USERS] = {{false}};
    char user[16], room[16];
    srand(11);
    for (int step = 0; step < 50000; step++) {
        int u = rand() % USERS, k = rand() % ROOMS, what = rand() % 6;
        name(user, sizeof user, "u", u);
        name(room, sizeof room, "r", k);
        if (what == 0 && sessions[u] == NULL) {
            sessions[u] = router_session_add(r, user, "Web", (uint64_t)u + 1, (void *)(intptr_t)u,
                                             on_kick, on_deliver);
        } else if (what == 1 && sessions[u] != NULL) {
            router_session_remove(r, sessions[u]);
            sessions[u] = NULL;
            for (int j = 0; j < ROOMS; j++)
                in[j][u] = false;
        } else if (what == 2 || what == 3) {
            CHECK(router_room_join(r, room, user) == (sessions[u] != NULL));
            in[k][u] = in[k][u] || sessions[u] != NULL;
        } else if (what == 4) {
            CHECK(router_room_leave(r, room, user) == in[k][u]);
            in[k][u] = false;
        } else if (step % 997 == 0) {
            router_room_close(r, room);
            for (int j = 0; j < USERS; j++)
                in[k][j] = false;
        }
        size_t n = 0;
        for (int j = 0; j < USERS; j++)
            n += in[k][j];
        CHECK_EQ_INT(router_room_count_here(r, room), n);
        CHECK(router_room_has(r, room, user) == in[k][u]);
    }
    router_free(r);
}

UNIT_MAIN(test_basics, test_against_model)
