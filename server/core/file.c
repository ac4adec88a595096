#include "core/file.h"

#include <errno.h>
#include <stdio.h>

#include "core/xalloc.h"

bool file_read_all(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    size_t cap = 4096, n = 0, r;
    char *buf = xmalloc(cap);
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    bool failed = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (failed) {
        xfree(buf);
        errno = saved ? saved : EIO;
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return true;
}
