/* Target address policy and connect; see target.h. */
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

static int v4_is_private(uint32_t a) /* host order */
{
    uint8_t b0 = a >> 24, b1 = (a >> 16) & 0xff;
    return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 169 && b1 == 254) ||
           (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168) ||
           (b0 == 100 && (b1 & 0xc0) == 64) || b0 >= 224 || (b0 == 192 && b1 == 0 && ((a >> 8) & 0xff) == 0) ||
           (b0 == 198 && (b1 & 0xfe) == 18);
}

static int v6_is_private(const struct in6_addr *a)
{
    const uint8_t *b = a->s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
        uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        return v4_is_private(v4);
    }
    return IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
           IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_MULTICAST(a) || (b[0] & 0xfe) == 0xfc /* ULA */ ||
           (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */;
}

int tp_addr_is_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_is_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_is_private(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 1;
}

static int start_connect(const struct sockaddr_storage *sa, socklen_t len)
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

tp_err tp_target_resolve(const char *host, uint16_t port, int allow_private, tp_target_addrs *out,
                         tp_error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "cannot resolve %s: %s", host, gai_strerror(rc));
    size_t refused = 0;
    out->n = 0;
    for (struct addrinfo *ai = res; ai != NULL && out->n < TP_TARGET_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(out->addr[0]))
            continue;
        if (!allow_private && tp_addr_is_private(ai->ai_addr)) {
            refused++;
            continue;
        }
        memcpy(&out->addr[out->n], ai->ai_addr, ai->ai_addrlen);
        out->len[out->n++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (out->n == 0 && refused)
        return tp_error_set(err, TP_ERR_FORBIDDEN_TARGET,
                            "%s resolves to a private, loopback or link-local address "
                            "(start the notary with --allow-private to permit it)", host);
    if (out->n == 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "%s has no usable address", host);
    return TP_OK;
}

tp_err tp_target_connect(const char *host, uint16_t port, const tp_target_addrs *addrs, int *fd,
                         tp_error *err)
{
    int saved_errno = 0;
    *fd = -1;
    for (size_t i = 0; i < addrs->n && *fd < 0; i++)
        if ((*fd = start_connect(&addrs->addr[i], addrs->len[i])) < 0)
            saved_errno = errno;
    if (*fd >= 0)
        return TP_OK;
    return tp_error_set(err, TP_ERR_CONNECT, "cannot connect to %s:%u: %s", host, port, strerror(saved_errno));
}
