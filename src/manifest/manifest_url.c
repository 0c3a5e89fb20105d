/* The manifest URL: https only, no user info or fragment, no placeholders in the authority.
 * Host lowercased (IPv6 literal without its brackets), port 443 by default, and the
 * request target (path + query, "/" when empty) kept with its placeholders. */
#include "manifest/manifest_internal.h"

#include "base/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static tp_err url_error(tp_error *err, const char *what)
{
    return tp_error_set(err, TP_ERR_MANIFEST, "manifest: request.url: %s", what);
}

static tp_err parse_port(const char *s, size_t n, uint16_t *port, tp_error *err)
{
    if (n == 0 || n > 5)
        return url_error(err, "invalid port");
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return url_error(err, "invalid port");
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return url_error(err, "invalid port");
    *port = (uint16_t)v;
    return TP_OK;
}

/* authority = host [":" port]; fills m->host (lowercase), m->host_is_ipv6, m->port. */
static tp_err parse_authority(tp_manifest *m, const char *a, size_t n, tp_error *err)
{
    size_t host_start = 0, host_end, i;
    if (n > 0 && a[0] == '[') {
        for (i = 1; i < n && a[i] != ']'; i++)
            ;
        if (i >= n || !tp_host_ipv6_valid(a + 1, i - 1))
            return url_error(err, "invalid IPv6 address");
        host_start = 1;
        host_end = i++;
        m->host_is_ipv6 = 1;
    } else {
        for (i = 0; i < n && tp_host_name_char(a[i]); i++)
            ;
        host_end = i;
        if (!tp_host_name_valid(a, host_end))
            return url_error(err, "missing or invalid host (a DNS name: labels of 1-63 letters, digits, hyphens)");
    }
    m->port = 443;
    if (i < n && a[i] == ':') {
        tp_err rc = parse_port(a + i + 1, n - i - 1, &m->port, err);
        if (rc != TP_OK)
            return rc;
    } else if (i != n) {
        return url_error(err, "invalid host");
    }
    m->host = strndup(a + host_start, host_end - host_start);
    if (m->host == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    for (char *c = m->host; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c + 32);
    return TP_OK;
}

tp_err tp_mf_parse_url(tp_manifest *m, tp_error *err)
{
    const char *u = m->url;
    static const char scheme[] = "https://";
    if (strncasecmp(u, scheme, sizeof(scheme) - 1) != 0)
        return url_error(err, "only https URLs are accepted");
    const char *auth = u + sizeof(scheme) - 1;
    size_t auth_len = strcspn(auth, "/?#");
    if (memchr(auth, '@', auth_len))
        return url_error(err, "user info is not allowed");
    tp_err rc = parse_authority(m, auth, auth_len, err);
    if (rc != TP_OK)
        return rc;
    const char *rest = auth + auth_len;
    if (strchr(rest, '#'))
        return url_error(err, "fragment is not allowed");
    size_t rest_len = strlen(rest);
    m->target = malloc(rest_len + 2);
    if (m->target == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "manifest: out of memory");
    snprintf(m->target, rest_len + 2, "%s%s", rest[0] == '/' ? "" : "/", rest);
    return TP_OK;
}

char *tp_mf_authority(const tp_manifest *m)
{
    size_t n = strlen(m->host) + 16;
    char *out = malloc(n);
    if (out == NULL)
        return NULL;
    const char *open = m->host_is_ipv6 ? "[" : "", *close = m->host_is_ipv6 ? "]" : "";
    if (m->port == 443)
        snprintf(out, n, "%s%s%s", open, m->host, close);
    else
        snprintf(out, n, "%s%s%s:%u", open, m->host, close, (unsigned)m->port);
    return out;
}
