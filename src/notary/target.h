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

/* Resolves host and starts a non-blocking connect to the first acceptable address.
 * On success *fd is connecting (wait for EPOLLOUT and check SO_ERROR). */
tp_err tp_target_connect(const char *host, uint16_t port, int allow_private, int *fd, tp_error *err);

#endif
