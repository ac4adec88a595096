/* core/utf8: the one UTF-8 decoder — sequence lengths at the RFC 3629 boundaries, overlong
 * forms, surrogates, code points past U+10FFFF, truncation and the length limit. */
#include "core/utf8.h"

#include <string.h>

#include "unit.h"

static void test_sequence_lengths_at_boundaries(void)
{
    static const struct {
        const char *s;
        size_t len;
    } rows[] = {
        {"\x00", 1},
        {"\x7f", 1},
        {"\xc2\x80", 2},         /* U+0080, the first two-byte */
        {"\xdf\xbf", 2},         /* U+07FF */
        {"\xe0\xa0\x80", 3},     /* U+0800, the first three-byte */
        {"\xed\x9f\xbf", 3},     /* U+D7FF, just below the surrogates */
        {"\xee\x80\x80", 3},     /* U+E000, just above them */
        {"\xef\xbf\xbf", 3},     /* U+FFFF */
        {"\xf0\x90\x80\x80", 4}, /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 4}, /* U+10FFFF, the last code point */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = rows[i].len;
        CHECK_EQ_INT(utf8_seq_len((const unsigned char *)rows[i].s, n), n);
        CHECK(utf8_valid(rows[i].s, n));
    }
}

static void test_malformed_sequences_are_refused(void)
{
    static const char *const rows[] = {
        "\x80",             /* stray continuation */
        "\xbf",             /* stray continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong three-byte */
        "\xe0\x9f\xbf",     /* overlong U+07FF */
        "\xed\xa0\x80",     /* U+D800, a surrogate */
        "\xed\xbf\xbf",     /* U+DFFF, a surrogate */
        "\xf0\x8f\xbf\xbf", /* overlong four-byte */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* lead byte past U+10FFFF */
        "\xff",
        "\xc3\x28", /* continuation missing */
        "\xe2\x82\x28",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t n = strlen(rows[i]);
        CHECK_EQ_INT(utf8_seq_len((const unsigned char *)rows[i], n), 0);
        CHECK(!utf8_valid(rows[i], n));
    }
}

static void test_truncated_sequence_within_length(void)
{
    /* The readable length counts, not the NUL: a sequence cut by len is malformed. */
    CHECK_EQ_INT(utf8_seq_len((const unsigned char *)"\xc3\xa9", 1), 0);
    CHECK_EQ_INT(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 3), 0);
    CHECK(!utf8_valid("ab\xe2\x82\xac", 4));
    CHECK(utf8_valid("ab\xe2\x82\xac", 5));
}

static void test_whole_texts(void)
{
    CHECK(utf8_valid("", 0));
    CHECK(utf8_valid("hello, \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80", 19));
    CHECK(utf8_valid("nul\0inside", 10)); /* NUL is well-formed; callers refuse it */
    CHECK(!utf8_valid("ok\xff", 3));
    CHECK(utf8_valid("ok\xff", 2)); /* bytes past len are not read */
}

UNIT_MAIN(test_sequence_lengths_at_boundaries, test_malformed_sequences_are_refused,
          test_truncated_sequence_within_length, test_whole_texts)
