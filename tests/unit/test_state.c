/* core/state: transition tables say yes only to the listed moves, and assert() is live in the
 * build the tests run (no NDEBUG), so a forbidden move would abort. */
#include "core/state.h"

#include "unit.h"

#ifdef NDEBUG
#error "the ASan test build must keep assert() active: do not define NDEBUG"
#endif

typedef enum { S_A = 0, S_B, S_C } s_t;

static const unsigned moves[] = {
    [S_A] = STATE_BIT(S_B),
    [S_B] = STATE_BIT(S_A) | STATE_BIT(S_C),
    [S_C] = 0,
};

static void test_listed_moves_only(void)
{
    CHECK(STATE_ALLOWED(moves, S_A, S_B));
    CHECK(!STATE_ALLOWED(moves, S_A, S_C));
    CHECK(!STATE_ALLOWED(moves, S_A, S_A));
    CHECK(STATE_ALLOWED(moves, S_B, S_A));
    CHECK(STATE_ALLOWED(moves, S_B, S_C));
    CHECK(!STATE_ALLOWED(moves, S_C, S_A));
    CHECK(!STATE_ALLOWED(moves, S_C, S_B));
}

UNIT_MAIN(test_listed_moves_only)
