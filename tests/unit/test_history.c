/* api/stats/history: MsgTime hours and the shape of export URLs (tokens, names, expiry). */
#include "api/stats/stats.h"

#include <string.h>

#include "unit.h"

#define TOKEN "1800000000-0123456789abcdef0123456789abcdef"

static void test_hour_parse(void)
{
    int64_t t = 0;
    CHECK(history_hour_parse("1970010100", &t) && t == 0);
    CHECK(history_hour_parse("2026120317", &t) && t == 1796317200);
    CHECK(history_hour_parse("2024022923", &t)); /* a leap day */
    const char *bad[] = {NULL,         "",           "2026120",    "20261203170", "2026130100",
                         "2026023000", "2025022900", "2026120324", "2026120300 ", " 202612030",
                         "202612030a", "1969123123", "+026120317", "2026-12-03"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!history_hour_parse(bad[i], &t));
}

static void test_export_path(void)
{
    char out[256];
    CHECK(history_export_path("/d", "/export/" TOKEN "/C2C-2026120317.json.gz", 1700000000, out,
                              sizeof out));
    CHECK_EQ_STR(out, "/d/" TOKEN "/C2C-2026120317.json.gz");
    CHECK(history_export_path("/d", "/export/" TOKEN "/Group-2026120317.json.gz", 1700000000, out,
                              sizeof out));
    /* expired, at the second of expiry too */
    CHECK(!history_export_path("/d", "/export/" TOKEN "/C2C-2026120317.json.gz", 1800000000, out,
                               sizeof out));
    const char *bad[] = {
        "/export/",
        "/export/" TOKEN,
        "/export/" TOKEN "/",
        "/export/" TOKEN "/../../etc/passwd",
        "/export/" TOKEN "/C2C-2026120317.json.gz/x",
        "/export/" TOKEN "/c2c-2026120317.json.gz",
        "/export/" TOKEN "/C2C-202612031.json.gz",
        "/export/" TOKEN "/C2C-2026120317.json",
        "/export/1800000000-0123456789ABCDEF0123456789abcdef/C2C-2026120317.json.gz",
        "/export/1800000000-0123456789abcdef0123456789abcde/C2C-2026120317.json.gz",
        "/export/-0123456789abcdef0123456789abcdef/C2C-2026120317.json.gz",
        "/export/../" TOKEN "/C2C-2026120317.json.gz",
        "/exports/" TOKEN "/C2C-2026120317.json.gz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!history_export_path("/d", bad[i], 1700000000, out, sizeof out));
    /* the path does not fit */
    CHECK(!history_export_path("/d", "/export/" TOKEN "/C2C-2026120317.json.gz", 1700000000, out,
                               20));
}

UNIT_MAIN(test_hour_parse, test_export_path)
