#include "core/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int family_of(const char *addr, unsigned char out[16])
{
    if (inet_pton(AF_INET, addr, out) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, addr, out) == 1)
        return AF_INET6;
    return 0;
}

bool cidr_parse(const char *s, cidr_t *out)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || len >= sizeof addr)
        return false;
    memcpy(addr, s, len);
    addr[len] = '\0';
    memset(out, 0, sizeof *out);
    out->family = family_of(addr, out->addr);
    if (out->family == 0)
        return false;
    int max = out->family == AF_INET ? 32 : 128;
    out->prefix = max;
    if (slash) {
        const char *p = slash + 1;
        if (*p == '\0' || strspn(p, "0123456789") != strlen(p) || strlen(p) > 3)
            return false;
        out->prefix = atoi(p);
        if (out->prefix > max)
            return false;
    }
    return true;
}

static bool prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
    int bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)bytes) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

bool cidr_match(const cidr_t *c, const char *ip)
{
    unsigned char a[16];
    int family = family_of(ip, a);
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && c->family == AF_INET && memcmp(a, mapped, 12) == 0) {
        memmove(a, a + 12, 4);
        family = AF_INET;
    }
    return family != 0 && family == c->family && prefix_equal(a, c->addr, c->prefix);
}

bool cidr_list_match(const cidr_t *list, size_t n, const char *ip)
{
    for (size_t i = 0; i < n; i++)
        if (cidr_match(&list[i], ip))
            return true;
    return false;
}
