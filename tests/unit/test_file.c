/* core/file: a whole file read into one NUL-terminated buffer, embedded NULs and sizes past the
 * first buffer included; a missing file fails with errno. */
#include "core/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "unit.h"

static char *write_temp(const void *data, size_t len)
{
    char *path = xstrdup("/tmp/chatd-test-file-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        xfree(path);
        return NULL;
    }
    close(fd);
    return path;
}

static void check_round_trip(const char *data, size_t len)
{
    char *path = write_temp(data, len);
    REQUIRE(path != NULL);
    char *got = NULL;
    size_t n = 0;
    CHECK(file_read_all(path, &got, &n));
    CHECK_EQ_INT(n, len);
    CHECK(got != NULL && memcmp(got, data, len) == 0 && got[len] == '\0');
    xfree(got);
    unlink(path);
    xfree(path);
}

static void test_small_and_empty_files(void)
{
    check_round_trip("", 0);
    check_round_trip("key = value\n", 12);
    check_round_trip("a\0b", 3);
}

static void test_file_larger_than_the_first_buffer(void)
{
    size_t len = 4096 * 3 + 17; /* crosses the buffer's doublings, ends off a boundary */
    char *data = xmalloc(len);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)('a' + i % 26);
    check_round_trip(data, len);
    check_round_trip(data, 4095); /* exactly fills the first buffer but for the NUL */
    xfree(data);
}

static void test_missing_file_fails_with_errno(void)
{
    char *got = (char *)"untouched";
    errno = 0;
    CHECK(!file_read_all("/nonexistent/chatd/file", &got, NULL));
    CHECK_EQ_INT(errno, ENOENT);
    CHECK_EQ_STR(got, "untouched");
}

static void test_length_pointer_is_optional(void)
{
    char *path = write_temp("x", 1);
    REQUIRE(path != NULL);
    char *got = NULL;
    CHECK(file_read_all(path, &got, NULL));
    CHECK_EQ_STR(got, "x");
    xfree(got);
    unlink(path);
    xfree(path);
}

UNIT_MAIN(test_small_and_empty_files, test_file_larger_than_the_first_buffer,
          test_missing_file_fails_with_errno, test_length_pointer_is_optional)
