/* core/clock: the monotonic clock never goes back and the wall clock is unix time. */
#include "core/clock.h"

#include <time.h>

#include "unit.h"

static void test_monotonic_never_goes_back(void)
{
    int64_t prev_ms = mono_ms(), prev_us = mono_us();
    for (int i = 0; i < 10000; i++) {
        int64_t ms = mono_ms(), us = mono_us();
        CHECK(ms >= prev_ms);
        CHECK(us >= prev_us);
        prev_ms = ms;
        prev_us = us;
    }
}

static void test_monotonic_units_agree(void)
{
    int64_t ms = mono_ms(), us = mono_us();
    /* Read back to back: the same instant within a few milliseconds. */
    CHECK(us / 1000 - ms >= 0);
    CHECK(us / 1000 - ms < 50);
}

static void test_wall_clock_is_unix_time(void)
{
    time_t before = time(NULL);
    int64_t s = wall_s(), ms = wall_ms();
    time_t after = time(NULL);
    CHECK(s >= (int64_t)before && s <= (int64_t)after);
    CHECK(ms / 1000 >= (int64_t)before && ms / 1000 <= (int64_t)after);
    CHECK(s > 1700000000); /* after 2023: a real calendar time, not an uptime */
}

UNIT_MAIN(test_monotonic_never_goes_back, test_monotonic_units_agree, test_wall_clock_is_unix_time)
