/* Request validation (api/valid.h): UserID byte limits, UTF-8 well-formedness (overlong forms,
 * surrogates, out-of-range code points, truncated sequences), control characters, and the field
 * getters shared by every handler. */
#include "api/valid.h"

#include <string.h>

#include "unit.h"

/* Reports the table row that failed as well as the line. */
#define CHECK_ROW(cond, row)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s (row %zu: %s)\n", __FILE__, __LINE__, #cond,  \
                    (size_t)(row), rows[row].what);                                                \
            unit_test_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

static void test_user_id_byte_limits(void)
{
    static const struct {
        const char *s;
        bool ok;
        const char *what;
    } rows[] = {
        {"", false, "empty"},
        {"a", true, "one byte"},
        {"abcdefghijklmnopqrstuvwxyz012345", true, "32 ASCII bytes"},
        {"abcdefghijklmnopqrstuvwxyz0123456", false, "33 ASCII bytes"},
        {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
         true, "16 x e-acute = 32 bytes"},
        {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
         "a",
         false, "16 x e-acute + a = 33 bytes"},
        {"\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0"
         "\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0",
         false, "11 CJK characters = 33 bytes"},
        {"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
         "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
         true, "8 emoji = 32 bytes"},
        {"'; DROP TABLE accounts; --", true, "SQL metacharacters"},
        {"100%_\\\"", true, "LIKE wildcards, backslash, quote"},
        {" ", true, "a space"},
        {"a\tb", false, "tab"},
        {"a\nb", false, "newline"},
        {"\x7f", false, "DEL"},
        {"a\xff", false, "invalid byte"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(valid_user_id(rows[i].s, strlen(rows[i].s)) == rows[i].ok, i);
}

static void test_user_id_embedded_nul(void)
{
    CHECK(!valid_user_id("a\0b", 3));
    CHECK(!valid_user_id("\0", 1));
    CHECK(valid_user_id("a\0b", 1)); /* only `len` bytes count */
}

static void test_utf8_sequences(void)
{
    static const struct {
        const char *s;
        bool ok;
        const char *what;
    } rows[] = {
        {"plain ASCII ~!@#$%^&*()", true, "printable ASCII"},
        {"", true, "empty text"},
        {"\xc2\x80", true, "U+0080, smallest 2-byte"},
        {"\xdf\xbf", true, "U+07FF, largest 2-byte"},
        {"\xe0\xa0\x80", true, "U+0800, smallest 3-byte"},
        {"\xed\x9f\xbf", true, "U+D7FF, below the surrogates"},
        {"\xee\x80\x80", true, "U+E000, above the surrogates"},
        {"\xef\xbf\xbf", true, "U+FFFF"},
        {"\xf0\x90\x80\x80", true, "U+10000, smallest 4-byte"},
        {"\xf4\x8f\xbf\xbf", true, "U+10FFFF, largest code point"},
        {"\xf0\x9f\x98\x80", true, "emoji"},
        {"\xc0\x80", false, "overlong NUL (C0 80)"},
        {"\xc0\xaf", false, "overlong '/' (C0 AF)"},
        {"\xc1\xbf", false, "overlong 2-byte (C1 BF)"},
        {"\xe0\x80\x80", false, "overlong 3-byte NUL"},
        {"\xe0\x9f\xbf", false, "overlong 3-byte U+07FF"},
        {"\xf0\x80\x80\x80", false, "overlong 4-byte NUL"},
        {"\xf0\x8f\xbf\xbf", false, "overlong 4-byte U+FFFF"},
        {"\xed\xa0\x80", false, "U+D800, high surrogate"},
        {"\xed\xaf\xbf", false, "U+DBFF"},
        {"\xed\xb0\x80", false, "U+DC00, low surrogate"},
        {"\xed\xbf\xbf", false, "U+DFFF"},
        {"\xed\xa0\xbd\xed\xb8\x80", false, "CESU-8 surrogate pair"},
        {"\xf4\x90\x80\x80", false, "U+110000, beyond Unicode"},
        {"\xf5\x80\x80\x80", false, "F5 lead byte"},
        {"\xf8\x88\x80\x80\x80", false, "5-byte form"},
        {"\xfe", false, "FE"},
        {"\xff", false, "FF"},
        {"\x80", false, "lone continuation byte"},
        {"a\xbf", false, "continuation byte after ASCII"},
        {"\xc3", false, "2-byte sequence cut short"},
        {"\xe5\xbc", false, "3-byte sequence cut short"},
        {"\xf0\x9f\x98", false, "4-byte sequence cut short"},
        {"\xe5(\xa0", false, "ASCII where a continuation is due"},
        {"\xc3\xc3\xa9", false, "lead byte where a continuation is due"},
        {"\x01", false, "U+0001"},
        {"\x1f", false, "U+001F"},
        {"\x7f", false, "DEL"},
        {"\r", false, "carriage return"},
        {"\x20", true, "space"},
        {"\x7e", true, "tilde"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(valid_utf8_text(rows[i].s, strlen(rows[i].s)) == rows[i].ok, i);
}

static void test_utf8_respects_length(void)
{
    CHECK(valid_utf8_text("ab\xff", 2));
    CHECK(!valid_utf8_text("ab\xff", 3));
    /* A sequence cut by `len`, even if the bytes after it would complete it. */
    CHECK(!valid_utf8_text("\xc3\xa9", 1));
    CHECK(!valid_utf8_text("\xf0\x9f\x98\x80", 3));
    CHECK(!valid_utf8_text("nul\0inside", 10));
}

static void test_member_spellings(void)
{
    static const char *const names[] = {"UserID", "Identifier", NULL};
    json_t *both = json_pack("{s:s, s:s}", "Identifier", "legacy", "UserID", "current");
    json_t *legacy = json_pack("{s:s}", "Identifier", "legacy");
    json_t *none = json_pack("{s:s}", "userid", "lowercase");
    CHECK_EQ_STR(json_string_value(valid_member(both, names)), "current");
    CHECK_EQ_STR(json_string_value(valid_member(legacy, names)), "legacy");
    CHECK(valid_member(none, names) == NULL);
    json_decref(both);
    json_decref(legacy);
    json_decref(none);
}

static void test_get_user_id(void)
{
    static const char *const names[] = {"UserID", "Identifier", NULL};
    json_t *body =
        json_pack("{s:s, s:i, s:s, s:s, s:s, s:n}", "UserID", "alice", "Num", 5, "Empty", "",
                  "Long", "abcdefghijklmnopqrstuvwxyz0123456", "Ctl", "a\x01", "Null");
    const char *out = NULL;
    CHECK_EQ_INT(valid_get_user_id(body, names, &out), VALID_OK);
    CHECK_EQ_STR(out, "alice");
    CHECK_EQ_INT(valid_get_user_id(body, (const char *const[]){"Missing", NULL}, &out),
                 VALID_MISSING);
    CHECK_EQ_INT(valid_get_user_id(body, (const char *const[]){"Num", NULL}, &out), VALID_TYPE);
    CHECK_EQ_INT(valid_get_user_id(body, (const char *const[]){"Null", NULL}, &out), VALID_TYPE);
    CHECK_EQ_INT(valid_get_user_id(body, (const char *const[]){"Empty", NULL}, &out), VALID_RANGE);
    CHECK_EQ_INT(valid_get_user_id(body, (const char *const[]){"Long", NULL}, &out), VALID_RANGE);
    CHECK_EQ_INT(valid_get_user_id(body, (const char *const[]){"Ctl", NULL}, &out), VALID_RANGE);
    json_decref(body);

    json_t *nul = json_object();
    json_object_set_new(nul, "UserID", json_stringn("a\0b", 3));
    CHECK_EQ_INT(valid_get_user_id(nul, names, &out), VALID_RANGE);
    json_decref(nul);
}

static void test_get_text(void)
{
    json_t *body = json_pack("{s:s, s:s, s:s, s:i}", "Empty", "", "Five", "abcde", "Multi",
                             "\xc3\xa9\xc3\xa9", "Num", 1);
    json_object_set_new(body, "Nul", json_stringn("ab\0cd", 5));
    const char *out = NULL;
    CHECK_EQ_INT(valid_get_text(body, "Empty", 5, &out), VALID_OK);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(valid_get_text(body, "Five", 5, &out), VALID_OK);
    CHECK_EQ_INT(valid_get_text(body, "Five", 4, &out), VALID_RANGE);
    CHECK_EQ_INT(valid_get_text(body, "Multi", 4, &out), VALID_OK);
    CHECK_EQ_INT(valid_get_text(body, "Multi", 3, &out), VALID_RANGE); /* bytes, not chars */
    CHECK_EQ_INT(valid_get_text(body, "Nul", 10, &out), VALID_RANGE);
    CHECK_EQ_INT(valid_get_text(body, "Num", 10, &out), VALID_TYPE);
    CHECK_EQ_INT(valid_get_text(body, "Missing", 10, &out), VALID_MISSING);
    json_decref(body);
}

static void test_get_int(void)
{
    json_t *body = json_pack("{s:i, s:i, s:i, s:f, s:s, s:b}", "Zero", 0, "Ten", 10, "Neg", -1,
                             "Real", 1.0, "Str", "1", "Bool", 1);
    long long out = 42;
    CHECK_EQ_INT(valid_get_int(body, "Zero", 0, 10, &out), VALID_OK);
    CHECK_EQ_INT(out, 0);
    CHECK_EQ_INT(valid_get_int(body, "Ten", 0, 10, &out), VALID_OK);
    CHECK_EQ_INT(out, 10);
    CHECK_EQ_INT(valid_get_int(body, "Ten", 0, 9, &out), VALID_RANGE);
    CHECK_EQ_INT(valid_get_int(body, "Neg", 0, 10, &out), VALID_RANGE);
    CHECK_EQ_INT(valid_get_int(body, "Neg", -1, 10, &out), VALID_OK);
    CHECK_EQ_INT(valid_get_int(body, "Real", 0, 10, &out), VALID_TYPE);
    CHECK_EQ_INT(valid_get_int(body, "Str", 0, 10, &out), VALID_TYPE);
    CHECK_EQ_INT(valid_get_int(body, "Bool", 0, 10, &out), VALID_TYPE);
    CHECK_EQ_INT(valid_get_int(body, "Missing", 0, 10, &out), VALID_MISSING);
    json_decref(body);
}

UNIT_MAIN(test_user_id_byte_limits, test_user_id_embedded_nul, test_utf8_sequences,
          test_utf8_respects_length, test_member_spellings, test_get_user_id, test_get_text,
          test_get_int)
