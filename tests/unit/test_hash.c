/* core/hash: FNV-1a 32-bit against the published test vectors. */
#include "core/hash.h"

#include "unit.h"

static void test_published_vectors(void)
{
    /* From the FNV reference (Fowler, Noll, Vo: test vectors for FNV-1a 32). */
    static const struct {
        const char *s;
        uint32_t h;
    } rows[] = {
        {"", 0x811c9dc5u},
        {"a", 0xe40c292cu},
        {"foobar", 0xbf9cf968u},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_EQ_INT(hash_str(rows[i].s), rows[i].h);
}

static void test_bytes_and_string_agree(void)
{
    CHECK_EQ_INT(hash_bytes("foobar", 6), hash_str("foobar"));
    CHECK_EQ_INT(hash_bytes("", 0), hash_str(""));
    /* Bytes may hold a NUL, which a string stops at. */
    CHECK(hash_bytes("a\0b", 3) != hash_str("a"));
}

UNIT_MAIN(test_published_vectors, test_bytes_and_string_agree)
