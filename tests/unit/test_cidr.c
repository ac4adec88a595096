/* core/cidr: ranges and addresses, IPv4 and IPv6, mapped addresses, malformed ranges. */
#include "core/cidr.h"

#include "unit.h"

static bool in(const char *range, const char *ip)
{
    cidr_t c;
    CHECK(cidr_parse(range, &c));
    return cidr_match(&c, ip);
}

static void test_ipv4(void)
{
    CHECK(in("10.0.0.0/8", "10.255.1.2"));
    CHECK(!in("10.0.0.0/8", "11.0.0.1"));
    CHECK(in("192.168.1.128/25", "192.168.1.200"));
    CHECK(!in("192.168.1.128/25", "192.168.1.127"));
    CHECK(in("192.0.2.7", "192.0.2.7"));
    CHECK(!in("192.0.2.7", "192.0.2.8"));
    CHECK(in("0.0.0.0/0", "203.0.113.9"));
    CHECK(in("10.0.0.0/8", "::ffff:10.1.2.3")); /* mapped */
    CHECK(!in("10.0.0.0/8", "::1"));
    CHECK(!in("10.0.0.0/8", "not an address"));
}

static void test_ipv6(void)
{
    CHECK(in("2001:db8::/32", "2001:db8:1::5"));
    CHECK(!in("2001:db8::/32", "2001:db9::5"));
    CHECK(in("::1", "::1"));
    CHECK(!in("::1", "127.0.0.1"));
    CHECK(in("fe80::/10", "febf::1"));
    CHECK(!in("fe80::/10", "fec0::1"));
}

static void test_malformed(void)
{
    cidr_t c;
    const char *bad[] = {"",
                         "/8",
                         "10.0.0.0/",
                         "10.0.0.0/33",
                         "::/129",
                         "10.0.0.0/8x",
                         "10.0.0.0/-1",
                         "10.0.0",
                         "10.0.0.0/ 8",
                         "example.com",
                         "1.2.3.4/0008"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!cidr_parse(bad[i], &c));
    cidr_t list[2];
    CHECK(cidr_parse("127.0.0.1", &list[0]) && cidr_parse("10.0.0.0/8", &list[1]));
    CHECK(cidr_list_match(list, 2, "10.9.9.9") && !cidr_list_match(list, 2, "8.8.8.8"));
    CHECK(!cidr_list_match(list, 0, "127.0.0.1"));
}

UNIT_MAIN(test_ipv4, test_ipv6, test_malformed)
