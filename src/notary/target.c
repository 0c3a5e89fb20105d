/* Target address policy and connect; see target.h. The one table of refused ranges follows
 * the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890); docs/protocol.md
 * shows it. */
#include "notary/target.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const tp_addr_range k_ranges[] = {
    /* IPv4 */
    {AF_INET, "0.0.0.0", 8, 0, "\"this network\" (RFC 791)"},
    {AF_INET, "10.0.0.0", 8, 0, "private-use (RFC 1918)"},
    {AF_INET, "100.64.0.0", 10, 0, "shared address space, CGNAT (RFC 6598)"},
    {AF_INET, "127.0.0.0", 8, 0, "loopback (RFC 1122)"},
    {AF_INET, "169.254.0.0", 16, 0, "link-local (RFC 3927)"},
    {AF_INET, "172.16.0.0", 12, 0, "private-use (RFC 1918)"},
    {AF_INET, "192.0.0.0", 24, 0, "IETF protocol assignments (RFC 6890)"},
    {AF_INET, "192.0.2.0", 24, 0, "documentation TEST-NET-1 (RFC 5737)"},
    {AF_INET, "192.31.196.0", 24, 0, "AS112-v4 (RFC 7535)"},
    {AF_INET, "192.52.193.0", 24, 0, "AMT (RFC 7450)"},
    {AF_INET, "192.88.99.0", 24, 0, "deprecated 6to4 relay anycast (RFC 7526)"},
    {AF_INET, "192.168.0.0", 16, 0, "private-use (RFC 1918)"},
    {AF_INET, "192.175.48.0", 24, 0, "direct delegation AS112 service (RFC 7534)"},
    {AF_INET, "198.18.0.0", 15, 0, "benchmarking (RFC 2544)"},
    {AF_INET, "198.51.100.0", 24, 0, "documentation TEST-NET-2 (RFC 5737)"},
    {AF_INET, "203.0.113.0", 24, 0, "documentation TEST-NET-3 (RFC 5737)"},
    {AF_INET, "224.0.0.0", 4, 0, "multicast (RFC 5771)"},
    {AF_INET, "255.255.255.255", 32, 0, "limited broadcast (RFC 8190)"},
    {AF_INET, "240.0.0.0", 4, 0, "reserved (RFC 1112)"},
    /* IPv6 */
    {AF_INET6, "::", 128, 0, "unspecified (RFC 4291)"},
    {AF_INET6, "::1", 128, 0, "loopback (RFC 4291)"},
    {AF_INET6, "::ffff:0:0", 96, 1, "IPv4-mapped (RFC 4291)"},
    {AF_INET6, "::ffff:0:0:0", 96, 0, "IPv4-translated, SIIT (RFC 2765)"},
    {AF_INET6, "::", 96, 0, "deprecated IPv4-compatible (RFC 4291)"},
    {AF_INET6, "64:ff9b::", 96, 1, "NAT64 well-known prefix (RFC 6052)"},
    {AF_INET6, "64:ff9b:1::", 48, 0, "local-use IPv4/IPv6 translation (RFC 8215)"},
    {AF_INET6, "100::", 64, 0, "discard-only (RFC 6666)"},
    {AF_INET6, "100:0:0:1::", 64, 0, "dummy IPv6 prefix (RFC 9780)"},
    {AF_INET6, "2001::", 32, 0, "Teredo (RFC 4380)"},
    {AF_INET6, "2001:2::", 48, 0, "benchmarking (RFC 5180)"},
    {AF_INET6, "2001::", 23, 0, "IETF protocol assignments (RFC 2928)"},
    {AF_INET6, "2001:db8::", 32, 0, "documentation (RFC 3849)"},
    {AF_INET6, "2002::", 16, 0, "6to4 (RFC 3056)"},
    {AF_INET6, "2620:4f:8000::", 48, 0, "direct delegation AS112 service (RFC 7534)"},
    {AF_INET6, "3fff::", 20, 0, "documentation (RFC 9637)"},
    {AF_INET6, "5f00::", 16, 0, "SRv6 SIDs (RFC 9602)"},
    {AF_INET6, "fc00::", 7, 0, "unique local (RFC 4193)"},
    {AF_INET6, "fe80::", 10, 0, "link-local (RFC 4291)"},
    {AF_INET6, "fec0::", 10, 0, "deprecated site-local (RFC 3879)"},
    {AF_INET6, "ff00::", 8, 0, "multicast (RFC 4291)"},
};

/* IPv6 outside the global unicast space is refused as a whole: IANA assigns unicast only
 * from 2000::/3 (RFC 4291 2.4). Embedded-IPv4 rows above are judged before this. */
static const tp_addr_range k_v6_global = {AF_INET6, "2000::", 3, 0,
                                          "outside global unicast 2000::/3 (RFC 4291)"};

const tp_addr_range *tp_addr_ranges(size_t *count)
{
    *count = sizeof(k_ranges) / sizeof(k_ranges[0]);
    return k_ranges;
}

static int prefix_match(const uint8_t *a, const uint8_t *prefix, unsigned bits)
{
    size_t whole = bits / 8;
    if (memcmp(a, prefix, whole) != 0)
        return 0;
    unsigned rest = bits % 8;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (prefix[whole] & mask);
}

static int in_range(int family, const uint8_t *a, const tp_addr_range *r)
{
    uint8_t prefix[16];
    return r->family == family && inet_pton(family, r->prefix, prefix) == 1 &&
           prefix_match(a, prefix, r->bits);
}

const tp_addr_range *tp_addr_refusing_v4(const uint8_t a[4])
{
    for (size_t i = 0; i < sizeof(k_ranges) / sizeof(k_ranges[0]); i++)
        if (in_range(AF_INET, a, &k_ranges[i]))
            return &k_ranges[i];
    return NULL;
}

const tp_addr_range *tp_addr_refusing_v6(const uint8_t a[16])
{
    for (size_t i = 0; i < sizeof(k_ranges) / sizeof(k_ranges[0]); i++) {
        const tp_addr_range *r = &k_ranges[i];
        if (!in_range(AF_INET6, a, r))
            continue;
        return r->embeds_v4 ? tp_addr_refusing_v4(a + 12) : r;
    }
    return in_range(AF_INET6, a, &k_v6_global) ? NULL : &k_v6_global;
}

const char *tp_addr_refused(const struct sockaddr *sa)
{
    const tp_addr_range *r;
    if (sa->sa_family == AF_INET)
        r = tp_addr_refusing_v4((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
    else if (sa->sa_family == AF_INET6)
        r = tp_addr_refusing_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    else
        return "not an IPv4 or IPv6 address";
    return r ? r->name : NULL;
}

int tp_target_port_allowed(const uint16_t *ports, size_t n, int any, uint16_t port)
{
    if (any)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (ports[i] == port)
            return 1;
    return 0;
}

int tp_target_connect_start(const struct sockaddr_storage *sa, socklen_t len)
{
    int fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)sa, len) == 0 || errno == EINPROGRESS)
        return fd;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

int tp_target_is_literal(const char *host)
{
    struct in6_addr a;
    return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

tp_err tp_target_resolve(const char *host, uint16_t port, int allow_private, tp_target_addrs *out,
                         tp_error *err)
{
    /* A literal is only parsed (AI_NUMERICHOST: never a lookup, never blocks). */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = tp_target_is_literal(host) ? AI_NUMERICHOST : 0};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "cannot resolve %s: %s", host, gai_strerror(rc));
    const char *refused = NULL;
    out->n = 0;
    for (struct addrinfo *ai = res; ai != NULL && out->n < TP_TARGET_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(out->addr[0]))
            continue;
        const char *why = tp_addr_refused(ai->ai_addr);
        if (why != NULL && !allow_private) {
            refused = refused ? refused : why;
            continue;
        }
        memcpy(&out->addr[out->n], ai->ai_addr, ai->ai_addrlen);
        out->len[out->n++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (out->n == 0 && refused)
        return tp_error_set(err, TP_ERR_FORBIDDEN_TARGET,
                            "%s resolves only to refused addresses (%s; the notary permits "
                            "special-purpose addresses only with --allow-private)", host, refused);
    if (out->n == 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "%s has no usable address", host);
    return TP_OK;
}
