/* Connecting to a target: the port allow-list, name resolution, the address policy (every
 * IANA special-purpose range refused, embedded IPv4 judged as IPv4), non-blocking connect. */
#ifndef TP_NOTARY_TARGET_H
#define TP_NOTARY_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "teeproof/errors.h"

/* One refused range of the address policy table (target.c). */
typedef struct tp_addr_range {
    int family;           /* AF_INET or AF_INET6 */
    const char *prefix;   /* inet_pton text */
    unsigned bits;        /* prefix length */
    int embeds_v4;        /* IPv6: the last 32 bits are an IPv4 address, judged by the IPv4
                           * rows; the range itself is acceptable */
    const char *name;     /* what it is and where it is defined */
} tp_addr_range;

/* The table, in match order (first match wins). */
const tp_addr_range *tp_addr_ranges(size_t *count);

/* NULL if sa is an acceptable target (public unicast), else the name of the special-purpose
 * range it falls in. Families other than IPv4 and IPv6 are refused. */
const char *tp_addr_refused(const struct sockaddr *sa);

/* The row refusing a bare IPv4 (4 bytes) or IPv6 (16 bytes) address in network order, or
 * NULL. An IPv6 address outside 2000::/3 that no row names gets the global-unicast rule. */
const tp_addr_range *tp_addr_refusing_v4(const uint8_t a[4]);
const tp_addr_range *tp_addr_refusing_v6(const uint8_t a[16]);

/* Port allow-list: 1 if port is allowed. any: every port; else one of ports[0..n). */
int tp_target_port_allowed(const uint16_t *ports, size_t n, int any, uint16_t port);

#define TP_TARGET_MAX_ADDRS 8

/* Acceptable addresses of a target, in resolver order. */
typedef struct tp_target_addrs {
    struct sockaddr_storage addr[TP_TARGET_MAX_ADDRS];
    socklen_t len[TP_TARGET_MAX_ADDRS];
    size_t n;
} tp_target_addrs;

/* 1 when host is an IPv4 (dotted quad) or IPv6 literal: getaddrinfo parses it without a
 * lookup, so the event loop may resolve it itself (no resolver thread hand-off). */
int tp_target_is_literal(const char *host);
/* Resolves host (blocking for a name: called from resolver threads, never the event loop,
 * except for a literal) and keeps the addresses the policy allows;
 * TP_ERR_FORBIDDEN_TARGET when it resolved only to refused ones. */
tp_err tp_target_resolve(const char *host, uint16_t port, int allow_private, tp_target_addrs *out,
                         tp_error *err);
/* Starts a non-blocking connect to one address: the connecting socket (wait for EPOLLOUT,
 * then check SO_ERROR), or -1 with errno set. */
int tp_target_connect_start(const struct sockaddr_storage *sa, socklen_t len);

#endif
