/* core/ratelimit: a bucket's burst and refill, "off", throttled refusal reports, and a table's
 * per-key buckets with its bounded size. */
#include "core/ratelimit.h"

#include <stdio.h>

#include "unit.h"

static void test_burst_then_rate(void)
{
    rl_bucket_t b = {0};
    for (int i = 0; i < 5; i++)
        CHECK(rl_bucket_take(&b, 10, 5, 0, 1000, NULL)); /* the burst, at t = 0 */
    CHECK(!rl_bucket_take(&b, 10, 5, 0, 1000, NULL));
    CHECK(!rl_bucket_take(&b, 10, 5, 99, 1000, NULL)); /* 0.99 of a token */
    CHECK(rl_bucket_take(&b, 10, 5, 100, 1000, NULL)); /* one more after 100 ms at 10/s */
    CHECK(!rl_bucket_take(&b, 10, 5, 100, 1000, NULL));
    /* Idle for long: never more than the burst. */
    int taken = 0;
    while (rl_bucket_take(&b, 10, 5, 60000, 1000, NULL))
        taken++;
    CHECK_EQ_INT(taken, 5);
}

static void test_off_and_tiny_burst(void)
{
    rl_bucket_t b = {0};
    for (int i = 0; i < 1000; i++)
        CHECK(rl_bucket_take(&b, 0, 0, 0, 1000, NULL));
    CHECK(!b.used);
    rl_bucket_t c = {0}; /* a burst under one still lets one request through */
    CHECK(rl_bucket_take(&c, 1, 0, 0, 1000, NULL));
    CHECK(!rl_bucket_take(&c, 1, 0, 10, 1000, NULL));
}

static void test_refusals_reported_once_per_period(void)
{
    rl_bucket_t b = {0};
    bool first;
    CHECK(rl_bucket_take(&b, 1, 1, 0, 1000, &first) && !first);
    CHECK(!rl_bucket_take(&b, 1, 1, 10, 1000, &first) && first);
    CHECK(!rl_bucket_take(&b, 1, 1, 20, 1000, &first) && !first);
    CHECK(!rl_bucket_take(&b, 0.001, 1, 500, 1000, &first) && !first);
    CHECK(!rl_bucket_take(&b, 0.001, 1, 1010, 1000, &first) && first);
}

static void test_table_keys_and_bound(void)
{
    rl_table_t *t = rl_table_new(3);
    CHECK(rl_table_take(t, "a", 1, 1, 0, 1000, NULL));
    CHECK(!rl_table_take(t, "a", 1, 1, 0, 1000, NULL));
    CHECK(rl_table_take(t, "b", 1, 1, 0, 1000, NULL)); /* keys are apart */
    CHECK(rl_table_take(t, "c", 1, 1, 0, 1000, NULL));
    CHECK_EQ_INT(rl_table_size(t), 3);
    /* Full, and no bucket has refilled: a new key is refused, the table does not grow. */
    CHECK(!rl_table_take(t, "d", 1, 1, 10, 1000, NULL));
    CHECK_EQ_INT(rl_table_size(t), 3);
    /* Once they refilled, they are forgotten to make room. */
    CHECK(rl_table_take(t, "d", 1, 1, 5000, 1000, NULL));
    CHECK_EQ_INT(rl_table_size(t), 1);
    CHECK(rl_table_take(t, "x", 0, 0, 5000, 1000, NULL)); /* off: nothing stored */
    CHECK_EQ_INT(rl_table_size(t), 1);
    char key[16];
    rl_table_t *big = rl_table_new(10000);
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(rl_table_take(big, key, 5, 2, 0, 1000, NULL));
    }
    CHECK_EQ_INT(rl_table_size(big), 10000);
    rl_table_free(big);
    rl_table_free(t);
}

UNIT_MAIN(test_burst_then_rate, test_off_and_tiny_burst, test_refusals_reported_once_per_period,
          test_table_keys_and_bound)
