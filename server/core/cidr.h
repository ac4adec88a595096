/*
 * cidr — IP address ranges ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1") and whether an
 * address is in one (pure; unit-tested). An address without "/n" is its own range. An IPv4 range
 * also matches the IPv4-mapped IPv6 form of its addresses ("::ffff:10.1.2.3").
 */
#ifndef CHATD_CORE_CIDR_H
#define CHATD_CORE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order; 4 bytes used for AF_INET */
    int prefix;             /* leading bits that must match */
} cidr_t;

/* false when s is not an address or range (a prefix beyond 32 / 128, a stray character). */
bool cidr_parse(const char *s, cidr_t *out);
/* Whether the textual address ip lies in c (false when ip is not an address). */
bool cidr_match(const cidr_t *c, const char *ip);
/* Whether ip lies in any of the n ranges. */
bool cidr_list_match(const cidr_t *list, size_t n, const char *ip);

#endif
