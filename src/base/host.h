/* Host name syntax, one definition for every place a host arrives from outside: the
 * manifest URL's authority and the tunnel a prover asks the notary for. A host is either
 * a DNS name (letters, digits, hyphens; dot-separated labels of 1..63 bytes; at most 253
 * bytes; no trailing dot, which SNI forbids) or an IPv6 literal without brackets (hex
 * digits, ':' and '.' for an embedded IPv4). IPv4 literals are DNS-name-shaped. */
#ifndef TP_BASE_HOST_H
#define TP_BASE_HOST_H

#include <stddef.h>

#define TP_HOST_NAME_MAX 253
#define TP_HOST_LABEL_MAX 63

/* 1 if c may appear in a DNS host name (RFC 1123 LDH, plus '.'). */
int tp_host_name_char(char c);
/* 1 if s[0..n) is a well-formed DNS host name or IPv4 literal (syntax only). */
int tp_host_name_valid(const char *s, size_t n);
/* 1 if s[0..n) is shaped like an IPv6 literal (no brackets); inet_pton decides the rest. */
int tp_host_ipv6_valid(const char *s, size_t n);
/* Either of the two. */
int tp_host_valid(const char *s, size_t n);

#endif
