/* Host name syntax shared by the manifest parser and the notary's tunnel check (host.h). */
#include "base/host.h"

#include <string.h>

int tp_host_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.';
}

static int ipv6_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == ':' || c == '.';
}

int tp_host_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > TP_HOST_NAME_MAX)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        if (!tp_host_name_char(s[i]))
            return 0;
        if (s[i] == '.') {
            if (label == 0)
                return 0; /* empty label: leading dot, "..", or trailing dot */
            label = 0;
        } else if (++label > TP_HOST_LABEL_MAX) {
            return 0;
        }
    }
    return label > 0;
}

int tp_host_ipv6_valid(const char *s, size_t n)
{
    /* "::1" is the shortest; 45 bytes is the longest text form (with an embedded IPv4). */
    if (n < 2 || n > 45 || memchr(s, ':', n) == NULL)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!ipv6_char(s[i]))
            return 0;
    return 1;
}

int tp_host_valid(const char *s, size_t n)
{
    return tp_host_name_valid(s, n) || tp_host_ipv6_valid(s, n);
}
