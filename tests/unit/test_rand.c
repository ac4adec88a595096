/* core/rand: every requested byte is filled, and draws differ. */
#include "core/rand.h"

#include <string.h>

#include "unit.h"

static void test_fills_every_byte(void)
{
    /* A byte left untouched stays 0 in every round; a random one is 0 in 1 of 256. */
    unsigned char seen_nonzero[100] = {0};
    for (int round = 0; round < 8; round++) {
        unsigned char buf[100];
        memset(buf, 0, sizeof buf);
        rand_bytes(buf, sizeof buf);
        for (size_t i = 0; i < sizeof buf; i++)
            seen_nonzero[i] |= buf[i] != 0;
    }
    for (size_t i = 0; i < sizeof seen_nonzero; i++)
        CHECK(seen_nonzero[i]);
}

static void test_zero_length_is_a_no_op(void)
{
    unsigned char guard = 0xAB;
    rand_bytes(&guard, 0);
    CHECK_EQ_INT(guard, 0xAB);
}

static void test_u32_draws_differ(void)
{
    uint32_t v[64];
    for (size_t i = 0; i < 64; i++)
        v[i] = rand_u32();
    int same = 0;
    for (size_t i = 0; i < 64; i++)
        for (size_t j = i + 1; j < 64; j++)
            same += v[i] == v[j];
    CHECK(same <= 1); /* 2016 pairs of 32-bit draws: a repeat is a 1 in 2 million event */
}

UNIT_MAIN(test_fills_every_byte, test_zero_length_is_a_no_op, test_u32_draws_differ)
