/* The web console's embedded files and the answer for a path (http/console.h): which file, 301,
 * 304 on a matching If-None-Match, 404 for anything not embedded (tests/e2e/test_console.py
 * checks the same through the daemon). */
#include "http/console.h"

#include <string.h>

#include "unit.h"

static void test_files_are_embedded(void)
{
    const http_console_file_t *index = http_console_find("index.html");
    REQUIRE(index != NULL);
    CHECK_EQ_STR(index->content_type, "text/html; charset=utf-8");
    CHECK(index->len > 0 && memmem(index->data, index->len, "<html", 5) != NULL);
    CHECK(http_console_find("test/console.test.mjs") == NULL);
    size_t n = 0;
    for (const http_console_file_t *f = http_console_files; f->name; f++, n++) {
        CHECK_EQ_INT(strlen(f->etag), 18);
        CHECK(f->etag[0] == '"' && f->etag[17] == '"');
        CHECK(strncmp(f->name, "test/", 5) != 0);
        CHECK(f->data[f->len] == 0); /* the generator ends each file with a NUL it does not count */
    }
    CHECK(n >= 3);
}

static void test_answers(void)
{
    const http_console_file_t *index = http_console_find("index.html");
    REQUIRE(index != NULL);
    static const struct {
        const char *path;
        int status;
    } cases[] = {
        {"/console", 301},
        {"/console/", 200},
        {"/console/index.html", 200},
        {"/console/nope.js", 404},
        {"/console/../Makefile", 404},
        {"/console/%2e%2e/x", 404},
        {"/consolex", 404},
        {"/console//index.html", 404},
        {"/console/test/", 404},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_console_answer_t a = http_console_answer(cases[i].path, NULL);
        CHECK_EQ_INT(a.status, cases[i].status);
        CHECK((a.file != NULL) == (cases[i].status == 200));
    }
    CHECK(http_console_answer("/console/", NULL).file == index);
    CHECK_EQ_INT(http_console_answer("/console/", index->etag).status, 304);
    CHECK_EQ_INT(http_console_answer("/console/", "\"0000000000000000\"").status, 200);
    CHECK_EQ_INT(http_console_answer("/console/nope.js", "*").status, 404);
}

static void test_etag_matching(void)
{
    const char *e = "\"0123456789abcdef\"";
    CHECK(http_console_etag_matches("\"0123456789abcdef\"", e));
    CHECK(http_console_etag_matches("W/\"0123456789abcdef\"", e));
    CHECK(http_console_etag_matches("\"x\", \"0123456789abcdef\"", e));
    CHECK(http_console_etag_matches(" *", e));
    CHECK(!http_console_etag_matches("\"0123456789abcde\"", e));
    CHECK(!http_console_etag_matches("0123456789abcdef", e));
    CHECK(!http_console_etag_matches("\"x\", \"0123456789abcdef", e));
    CHECK(!http_console_etag_matches("", e));
    CHECK(!http_console_etag_matches(",,,", e));
}

UNIT_MAIN(test_files_are_embedded, test_answers, test_etag_matching)
