#include "core/rand.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/log.h"

void rand_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            log_error("rand: getrandom failed: %s", r < 0 ? strerror(errno) : "no bytes");
            abort();
        }
        p += r;
        n -= (size_t)r;
    }
}

uint32_t rand_u32(void)
{
    uint32_t r;
    rand_bytes(&r, sizeof r);
    return r;
}
