/* Unit tests: the notary's target address policy (one case or more per refused range, the
 * embedded-IPv4 forms, the edges of each range) and the port allow-list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "notary/target.h"

/* addr: text; range: the row (by its prefix/bits) that must refuse it, NULL = allowed. */
typedef struct addr_case {
    const char *addr;
    const char *range; /* "prefix/bits" of the refusing row */
} addr_case;

static const addr_case k_cases[] = {
    /* IPv4 */
    {"0.0.0.0", "0.0.0.0/8"}, {"0.255.255.255", "0.0.0.0/8"}, {"1.0.0.1", NULL},
    {"10.0.0.1", "10.0.0.0/8"}, {"10.255.255.255", "10.0.0.0/8"}, {"11.0.0.1", NULL},
    {"100.64.0.1", "100.64.0.0/10"}, {"100.127.255.255", "100.64.0.0/10"},
    {"100.63.255.255", NULL}, {"100.128.0.1", NULL},
    {"127.0.0.1", "127.0.0.0/8"}, {"127.255.255.254", "127.0.0.0/8"}, {"128.0.0.1", NULL},
    {"169.254.169.254", "169.254.0.0/16"}, {"169.253.0.1", NULL},
    {"172.16.0.1", "172.16.0.0/12"}, {"172.31.255.255", "172.16.0.0/12"}, {"172.32.0.1", NULL},
    {"172.15.255.255", NULL},
    {"192.0.0.9", "192.0.0.0/24"}, {"192.0.0.170", "192.0.0.0/24"}, {"192.0.1.1", NULL},
    {"192.0.2.1", "192.0.2.0/24"}, {"192.0.3.1", NULL},
    {"192.31.196.1", "192.31.196.0/24"}, {"192.52.193.1", "192.52.193.0/24"},
    {"192.88.99.1", "192.88.99.0/24"}, {"192.88.98.1", NULL},
    {"192.168.1.1", "192.168.0.0/16"}, {"192.169.0.1", NULL},
    {"192.175.48.1", "192.175.48.0/24"},
    {"198.18.0.1", "198.18.0.0/15"}, {"198.19.255.255", "198.18.0.0/15"}, {"198.20.0.1", NULL},
    {"198.51.100.7", "198.51.100.0/24"}, {"203.0.113.7", "203.0.113.0/24"}, {"203.0.114.7", NULL},
    {"224.0.0.1", "224.0.0.0/4"}, {"239.255.255.255", "224.0.0.0/4"},
    {"240.0.0.1", "240.0.0.0/4"}, {"255.255.255.254", "240.0.0.0/4"},
    {"255.255.255.255", "255.255.255.255/32"},
    {"8.8.8.8", NULL}, {"93.184.216.34", NULL}, {"223.255.255.255", NULL},
    /* IPv6 */
    {"::", "::/128"}, {"::1", "::1/128"},
    {"::ffff:127.0.0.1", "127.0.0.0/8"}, {"::ffff:10.0.0.1", "10.0.0.0/8"},
    {"::ffff:169.254.169.254", "169.254.0.0/16"}, {"::ffff:8.8.8.8", NULL},
    {"::ffff:0:127.0.0.1", "::ffff:0:0:0/96"}, {"::ffff:0:8.8.8.8", "::ffff:0:0:0/96"},
    {"::127.0.0.1", "::/96"}, {"::8.8.8.8", "::/96"}, {"::2", "::/96"},
    {"64:ff9b::127.0.0.1", "127.0.0.0/8"}, {"64:ff9b::10.1.2.3", "10.0.0.0/8"},
    {"64:ff9b::192.168.0.1", "192.168.0.0/16"}, {"64:ff9b::8.8.8.8", NULL},
    {"64:ff9b:1::a00:1", "64:ff9b:1::/48"}, {"64:ff9b:1:ffff::8.8.8.8", "64:ff9b:1::/48"},
    {"64:ff9b:2::8.8.8.8", "2000::/3"},
    {"100::1", "100::/64"}, {"100:0:0:1::1", "100:0:0:1::/64"}, {"100:0:0:2::1", "2000::/3"},
    {"2001:0:4136:e378:8000:63bf:80ff:fffe", "2001::/32"}, /* Teredo, client 127.0.0.1 */
    {"2001:0:ffff:ffff::", "2001::/32"},
    {"2001:2::1", "2001:2::/48"}, {"2001:1::1", "2001::/23"}, {"2001:3::1", "2001::/23"},
    {"2001:20::1", "2001::/23"}, {"2001:1ff:ffff::1", "2001::/23"}, {"2001:200::1", NULL},
    {"2001:db8::1", "2001:db8::/32"}, {"2001:db9::1", NULL},
    {"2002:7f00:1::1", "2002::/16"}, {"2002:a00:1::1", "2002::/16"}, {"2002:808:808::1", "2002::/16"},
    {"2003::1", NULL},
    {"2620:4f:8000::1", "2620:4f:8000::/48"}, {"2620:4f:8001::1", NULL},
    {"3fff::1", "3fff::/20"}, {"3fff:fff::1", "3fff::/20"}, {"3fff:1000::1", NULL},
    {"5f00::1", "5f00::/16"},
    {"fc00::1", "fc00::/7"}, {"fd12:3456::1", "fc00::/7"},
    {"fe80::1", "fe80::/10"}, {"febf::1", "fe80::/10"},
    {"fec0::1", "fec0::/10"}, {"feff::1", "fec0::/10"},
    {"ff02::1", "ff00::/8"}, {"ff0e::1", "ff00::/8"},
    {"4000::1", "2000::/3"}, {"1000::1", "2000::/3"}, {"fe00::1", "2000::/3"},
    {"2606:4700::1111", NULL}, {"2a00:1450:4001::1", NULL}, {"3ffe::1", NULL},
};

/* "prefix/bits" of the row (or the global-unicast rule, "2000::/3") refusing text, or NULL. */
static const char *refusing_row(const char *text, char *buf, size_t buflen)
{
    uint8_t a[16];
    const tp_addr_range *r = NULL;
    if (inet_pton(AF_INET, text, a) == 1)
        r = tp_addr_refusing_v4(a);
    else if (inet_pton(AF_INET6, text, a) == 1)
        r = tp_addr_refusing_v6(a);
    else
        fail_msg("test address %s does not parse", text);
    if (r == NULL)
        return NULL;
    snprintf(buf, buflen, "%s/%u", r->prefix, r->bits);
    return buf;
}

static void each_address_is_refused_by_its_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(k_cases) / sizeof(k_cases[0]); i++) {
        char buf[64];
        const char *got = refusing_row(k_cases[i].addr, buf, sizeof(buf));
        const char *want = k_cases[i].range;
        if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
            fail_msg("%s: refused by %s, expected %s", k_cases[i].addr, got ? got : "nothing",
                     want ? want : "nothing");
    }
}

/* Every row of the table has at least one case above, and its own prefix parses. */
static void every_range_has_a_case(void **state)
{
    (void)state;
    size_t n;
    const tp_addr_range *r = tp_addr_ranges(&n);
    assert_true(n >= 38);
    for (size_t i = 0; i < n; i++) {
        uint8_t a[16];
        assert_int_equal(inet_pton(r[i].family, r[i].prefix, a), 1);
        char row[64];
        snprintf(row, sizeof(row), "%s/%u", r[i].prefix, r[i].bits);
        int found = 0;
        for (size_t j = 0; j < sizeof(k_cases) / sizeof(k_cases[0]) && !found; j++)
            found = k_cases[j].range && strcmp(k_cases[j].range, row) == 0;
        /* embedded-IPv4 rows refuse through the IPv4 rows: their cases name those */
        if (!found && !r[i].embeds_v4)
            fail_msg("range %s has no test case", row);
    }
}

static const char *refused_sockaddr6(const char *text)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
    return tp_addr_refused((struct sockaddr *)&sa);
}

static void sockaddr_front_end(void **state)
{
    (void)state;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
    assert_non_null(tp_addr_refused((struct sockaddr *)&sa));
    assert_int_equal(inet_pton(AF_INET, "8.8.4.4", &sa.sin_addr), 1);
    assert_null(tp_addr_refused((struct sockaddr *)&sa));
    assert_non_null(strstr(refused_sockaddr6("64:ff9b::7f00:1"), "loopback"));
    assert_non_null(strstr(refused_sockaddr6("2002:7f00:1::"), "6to4"));
    assert_null(refused_sockaddr6("2606:4700::1111"));
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_non_null(tp_addr_refused(&other));
}

static void port_allow_list(void **state)
{
    (void)state;
    const uint16_t ports[] = {443, 8443};
    assert_true(tp_target_port_allowed(ports, 2, 0, 443));
    assert_true(tp_target_port_allowed(ports, 2, 0, 8443));
    assert_false(tp_target_port_allowed(ports, 2, 0, 25));
    assert_false(tp_target_port_allowed(ports, 2, 0, 80));
    assert_false(tp_target_port_allowed(ports, 0, 0, 443));
    assert_true(tp_target_port_allowed(ports, 0, 1, 25));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_address_is_refused_by_its_range),
        cmocka_unit_test(every_range_has_a_case),
        cmocka_unit_test(sockaddr_front_end),
        cmocka_unit_test(port_allow_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
