/* Connecting to a target: name resolution, the address policy (no loopback, private or
 * link-local addresses unless allowed), non-blocking connect. */
#ifndef TP_NOTARY_TARGET_H
#define TP_NOTARY_TARGET_H

#include <stdint.h>
#include <sys/socket.h>

#include "teeproof/errors.h"

/* 1 if the address is loopback, private, link-local, unspecified, multicast, CGNAT or
 * otherwise not a public unicast address (IPv4-mapped IPv6 addresses are unwrapped). */
int tp_addr_is_private(const struct sockaddr *sa);

#define TP_TARGET_MAX_ADDRS 8

/* Acceptable addresses of a target, in resolver order. */
typedef struct tp_target_addrs {
    struct sockaddr_storage addr[TP_TARGET_MAX_ADDRS];
    socklen_t len[TP_TARGET_MAX_ADDRS];
    size_t n;
} tp_target_addrs;

/* Resolves host (blocking: called from resolver threads, never the event loop) and keeps
 * the addresses the policy allows; TP_ERR_FORBIDDEN_TARGET when it resolved only to
 * refused ones. */
tp_err tp_target_resolve(const char *host, uint16_t port, int allow_private, tp_target_addrs *out,
                         tp_error *err);
/* Starts a non-blocking connect to the first address that accepts one. On success *fd is
 * connecting (wait for EPOLLOUT and check SO_ERROR). */
tp_err tp_target_connect(const char *host, uint16_t port, const tp_target_addrs *addrs, int *fd,
                         tp_error *err);

#endif
