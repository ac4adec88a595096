/*
 * unit — a minimal test framework for chatd's pure modules.
 *
 * A test file defines `static void test_x(void)` functions and lists them in
 * `UNIT_MAIN(test_x, test_y)`. CHECK records a failure and continues; REQUIRE stops the test.
 * The runner prints one line per failure and a closing "N passed, N failed" line.
 */
#ifndef CHATD_TESTS_UNIT_H
#define CHATD_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures_;
static int unit_test_failed_;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            unit_test_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);             \
            unit_test_failed_ = 1;                                                                 \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s == %lld, expected %lld\n", __FILE__,   \
                    __LINE__, #a, a_, b_);                                                         \
            unit_test_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                     \
            fprintf(stderr, "%s:%d: CHECK_EQ_STR failed: %s == \"%s\", expected \"%s\"\n",         \
                    __FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");               \
            unit_test_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

typedef struct {
    const char *name;
    void (*fn)(void);
} unit_case_t;

static inline int unit_run_(const char *file, const unit_case_t *cases, size_t n)
{
    int passed = 0;
    for (size_t i = 0; i < n; i++) {
        unit_test_failed_ = 0;
        cases[i].fn();
        if (unit_test_failed_) {
            unit_failures_++;
            fprintf(stderr, "FAIL %s: %s\n", file, cases[i].name);
        } else {
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", file, passed, unit_failures_);
    return unit_failures_ ? 1 : 0;
}

#define UNIT_CASE_(fn) {#fn, fn},
#define UNIT_MAIN(...)                                                                             \
    int main(void)                                                                                 \
    {                                                                                              \
        static const unit_case_t cases[] = {UNIT_FOREACH_(UNIT_CASE_, __VA_ARGS__)};               \
        return unit_run_(__FILE__, cases, sizeof cases / sizeof cases[0]);                         \
    }

/* Applies M to up to 40 arguments. */
#define UNIT_FOREACH_(M, ...) UNIT_FE_N_(__VA_ARGS__, UNIT_FE_SEQ_)(M, __VA_ARGS__)
#define UNIT_FE_N_(...) UNIT_FE_PICK_(__VA_ARGS__)
#define UNIT_FE_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17,  \
                      _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32,   \
                      _33, _34, _35, _36, _37, _38, _39, _40, N, ...)                              \
    N
#define UNIT_FE_SEQ_                                                                               \
    UNIT_FE40_, UNIT_FE39_, UNIT_FE38_, UNIT_FE37_, UNIT_FE36_, UNIT_FE35_, UNIT_FE34_,            \
        UNIT_FE33_, UNIT_FE32_, UNIT_FE31_, UNIT_FE30_, UNIT_FE29_, UNIT_FE28_, UNIT_FE27_,        \
        UNIT_FE26_, UNIT_FE25_, UNIT_FE24_, UNIT_FE23_, UNIT_FE22_, UNIT_FE21_, UNIT_FE20_,        \
        UNIT_FE19_, UNIT_FE18_, UNIT_FE17_, UNIT_FE16_, UNIT_FE15_, UNIT_FE14_, UNIT_FE13_,        \
        UNIT_FE12_, UNIT_FE11_, UNIT_FE10_, UNIT_FE9_, UNIT_FE8_, UNIT_FE7_, UNIT_FE6_, UNIT_FE5_, \
        UNIT_FE4_, UNIT_FE3_, UNIT_FE2_, UNIT_FE1_
#define UNIT_FE1_(M, x) M(x)
#define UNIT_FE2_(M, x, ...) M(x) UNIT_FE1_(M, __VA_ARGS__)
#define UNIT_FE3_(M, x, ...) M(x) UNIT_FE2_(M, __VA_ARGS__)
#define UNIT_FE4_(M, x, ...) M(x) UNIT_FE3_(M, __VA_ARGS__)
#define UNIT_FE5_(M, x, ...) M(x) UNIT_FE4_(M, __VA_ARGS__)
#define UNIT_FE6_(M, x, ...) M(x) UNIT_FE5_(M, __VA_ARGS__)
#define UNIT_FE7_(M, x, ...) M(x) UNIT_FE6_(M, __VA_ARGS__)
#define UNIT_FE8_(M, x, ...) M(x) UNIT_FE7_(M, __VA_ARGS__)
#define UNIT_FE9_(M, x, ...) M(x) UNIT_FE8_(M, __VA_ARGS__)
#define UNIT_FE10_(M, x, ...) M(x) UNIT_FE9_(M, __VA_ARGS__)
#define UNIT_FE11_(M, x, ...) M(x) UNIT_FE10_(M, __VA_ARGS__)
#define UNIT_FE12_(M, x, ...) M(x) UNIT_FE11_(M, __VA_ARGS__)
#define UNIT_FE13_(M, x, ...) M(x) UNIT_FE12_(M, __VA_ARGS__)
#define UNIT_FE14_(M, x, ...) M(x) UNIT_FE13_(M, __VA_ARGS__)
#define UNIT_FE15_(M, x, ...) M(x) UNIT_FE14_(M, __VA_ARGS__)
#define UNIT_FE16_(M, x, ...) M(x) UNIT_FE15_(M, __VA_ARGS__)
#define UNIT_FE17_(M, x, ...) M(x) UNIT_FE16_(M, __VA_ARGS__)
#define UNIT_FE18_(M, x, ...) M(x) UNIT_FE17_(M, __VA_ARGS__)
#define UNIT_FE19_(M, x, ...) M(x) UNIT_FE18_(M, __VA_ARGS__)
#define UNIT_FE20_(M, x, ...) M(x) UNIT_FE19_(M, __VA_ARGS__)
#define UNIT_FE21_(M, x, ...) M(x) UNIT_FE20_(M, __VA_ARGS__)
#define UNIT_FE22_(M, x, ...) M(x) UNIT_FE21_(M, __VA_ARGS__)
#define UNIT_FE23_(M, x, ...) M(x) UNIT_FE22_(M, __VA_ARGS__)
#define UNIT_FE24_(M, x, ...) M(x) UNIT_FE23_(M, __VA_ARGS__)
#define UNIT_FE25_(M, x, ...) M(x) UNIT_FE24_(M, __VA_ARGS__)
#define UNIT_FE26_(M, x, ...) M(x) UNIT_FE25_(M, __VA_ARGS__)
#define UNIT_FE27_(M, x, ...) M(x) UNIT_FE26_(M, __VA_ARGS__)
#define UNIT_FE28_(M, x, ...) M(x) UNIT_FE27_(M, __VA_ARGS__)
#define UNIT_FE29_(M, x, ...) M(x) UNIT_FE28_(M, __VA_ARGS__)
#define UNIT_FE30_(M, x, ...) M(x) UNIT_FE29_(M, __VA_ARGS__)
#define UNIT_FE31_(M, x, ...) M(x) UNIT_FE30_(M, __VA_ARGS__)
#define UNIT_FE32_(M, x, ...) M(x) UNIT_FE31_(M, __VA_ARGS__)
#define UNIT_FE33_(M, x, ...) M(x) UNIT_FE32_(M, __VA_ARGS__)
#define UNIT_FE34_(M, x, ...) M(x) UNIT_FE33_(M, __VA_ARGS__)
#define UNIT_FE35_(M, x, ...) M(x) UNIT_FE34_(M, __VA_ARGS__)
#define UNIT_FE36_(M, x, ...) M(x) UNIT_FE35_(M, __VA_ARGS__)
#define UNIT_FE37_(M, x, ...) M(x) UNIT_FE36_(M, __VA_ARGS__)
#define UNIT_FE38_(M, x, ...) M(x) UNIT_FE37_(M, __VA_ARGS__)
#define UNIT_FE39_(M, x, ...) M(x) UNIT_FE38_(M, __VA_ARGS__)
#define UNIT_FE40_(M, x, ...) M(x) UNIT_FE39_(M, __VA_ARGS__)

#endif
