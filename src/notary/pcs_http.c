/* The collateral cache's URL and one bounded HTTP GET to it (see pcs.h). Plain HTTP: the
 * collateral is signed by Intel or AMD and judged by every verifier, so the transport
 * needs no integrity of its own (docs/platforms.md); the address must be loopback or
 * private, so the notary never reaches the internet for it. Blocking sockets with
 * timeouts: this runs on the refresher thread (or at start-up), never on the event loop. */
#include "notary/pcs.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "http/http.h"
#include "notary/target.h"

#define PCS_SCHEME "http://"
#define PCS_DEFAULT_PORT "80"
#define PCS_PORT_MAX 65535
#define PCS_RECV_CHUNK 16384
#define PCS_REQUEST_MAX 1024

static int prefix_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.';
}

/* "host", "host:port", "[v6]", "[v6]:port". */
static int parse_authority(const char *a, size_t n, tp_pcs_source *out)
{
    const char *port = NULL, *h = a;
    size_t hl = n;
    int v6 = n > 0 && a[0] == '[';
    if (v6) {
        const char *close = memchr(a, ']', n);
        if (close == NULL)
            return 0;
        h = a + 1;
        hl = (size_t)(close - h);
        if (close + 1 < a + n) {
            if (close[1] != ':')
                return 0;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(a, ':', n);
        if (colon != NULL) {
            hl = (size_t)(colon - a);
            port = colon + 1;
        }
    }
    if (hl == 0 || hl >= sizeof(out->host) || n >= sizeof(out->authority))
        return 0;
    for (size_t i = 0; i < hl; i++)
        if (!(host_char(h[i]) || (v6 && h[i] == ':')))
            return 0;
    memcpy(out->host, h, hl);
    out->host[hl] = '\0';
    memcpy(out->authority, a, n);
    out->authority[n] = '\0';
    if (port == NULL) {
        snprintf(out->port, sizeof(out->port), "%s", PCS_DEFAULT_PORT);
        return 1;
    }
    size_t pl = (size_t)(a + n - port);
    unsigned long v = 0;
    for (size_t i = 0; i < pl; i++) {
        if (port[i] < '0' || port[i] > '9' || v > PCS_PORT_MAX)
            return 0;
        v = v * 10 + (unsigned long)(port[i] - '0');
    }
    if (pl == 0 || pl > 5 || v == 0 || v > PCS_PORT_MAX)
        return 0;
    snprintf(out->port, sizeof(out->port), "%lu", v);
    return 1;
}

tp_err tp_pcs_source_parse(const char *url, tp_pcs_source *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    out->timeout_ms = TP_PCS_TIMEOUT_MS;
    if (strncasecmp(url, "https://", 8) == 0)
        return tp_error_set(err, TP_ERR_ARG, "--collateral-url: https is not supported: give the "
                                             "http:// URL of a local collateral cache (the "
                                             "collateral is signed; see docs/platforms.md)");
    if (strncmp(url, PCS_SCHEME, strlen(PCS_SCHEME)) != 0)
        return tp_error_set(err, TP_ERR_ARG, "--collateral-url wants http://HOST[:PORT][/PREFIX]");
    const char *a = url + strlen(PCS_SCHEME);
    const char *slash = strchr(a, '/');
    size_t an = slash ? (size_t)(slash - a) : strlen(a);
    const char *path = slash ? slash : "";
    size_t pl = strlen(path);
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    int ok = parse_authority(a, an, out) && pl < sizeof(out->prefix);
    for (size_t i = 0; ok && i < pl; i++)
        ok = prefix_char(path[i]);
    if (!ok)
        return tp_error_set(err, TP_ERR_ARG,
                            "--collateral-url wants http://HOST[:PORT][/PREFIX] (no user, query, "
                            "fragment or escapes)");
    memcpy(out->prefix, path, pl);
    out->prefix[pl] = '\0';
    return TP_OK;
}

/* --- one GET --- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_timeouts(int fd, long long left_ms)
{
    if (left_ms < 1)
        left_ms = 1;
    struct timeval tv = {.tv_sec = left_ms / 1000, .tv_usec = (left_ms % 1000) * 1000};
    return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
           setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0;
}

/* Resolves the cache (every address must be loopback or private) and connects (a blocking
 * connect bounded by SO_SNDTIMEO). */
static tp_err open_conn(const tp_pcs_source *src, long long deadline, int *fd, tp_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(src->host, src->port, &hints, &res);
    if (g != 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "collateral cache %s: %s", src->host, gai_strerror(g));
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        if (tp_addr_refused(ai->ai_addr) == NULL) { /* a public address */
            freeaddrinfo(res);
            return tp_error_set(err, TP_ERR_FORBIDDEN_TARGET,
                                "collateral cache %s has a public address: only a local cache "
                                "(loopback or private address) is used", src->host);
        }
    }
    int e = ECONNREFUSED;
    *fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && *fd < 0; ai = ai->ai_next) {
        int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s >= 0 && set_timeouts(s, deadline - now_ms()) &&
            connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            *fd = s;
            break;
        }
        e = errno;
        if (s >= 0)
            close(s);
    }
    freeaddrinfo(res);
    if (*fd < 0)
        return tp_error_set(err, e == EINPROGRESS || e == EAGAIN ? TP_ERR_TIMEOUT : TP_ERR_CONNECT,
                            "cannot connect to the collateral cache %s: %s", src->authority,
                            strerror(e));
    return TP_OK;
}

static tp_err send_all(int fd, const char *req, size_t n, tp_error *err)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            return tp_error_set(err, errno == EAGAIN ? TP_ERR_TIMEOUT : TP_ERR_IO,
                                "collateral cache: send: %s", strerror(errno));
        off += (size_t)w;
    }
    return TP_OK;
}

/* Reads until the strict parser has one whole response, the peer closes, the deadline or
 * the size cap. The buffer is parsed again only after a short read, at EOF or once it has
 * doubled, so a long response is not parsed once per chunk. */
static tp_err read_response(int fd, long long deadline, unsigned timeout_ms, tp_buf *raw,
                            tp_http_message *resp, tp_error *err)
{
    uint8_t chunk[PCS_RECV_CHUNK];
    size_t next_try = 0; /* parse again at a short read, at EOF, or once the bytes doubled */
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0 || !set_timeouts(fd, left))
            return tp_error_set(err, TP_ERR_TIMEOUT, "collateral cache: no whole response in %u ms",
                                timeout_ms);
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            continue; /* the deadline check above ends it */
        if (n < 0)
            return tp_error_set(err, TP_ERR_IO, "collateral cache: recv: %s", strerror(errno));
        if (raw->len + (size_t)n > TP_PCS_RESPONSE_MAX)
            return tp_error_set(err, TP_ERR_LIMIT, "collateral cache: response over %u bytes",
                                TP_PCS_RESPONSE_MAX);
        if (n > 0 && !tp_buf_append(raw, chunk, (size_t)n))
            return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        if (n == (ssize_t)sizeof(chunk) && raw->len < next_try)
            continue;
        next_try = 2 * raw->len;
        tp_err rc = tp_http_parse_response_for(raw->data, raw->len, "GET", n == 0, resp, err);
        if (rc != TP_ERR_HTTP_INCOMPLETE || n == 0)
            return rc != TP_OK ? tp_error_prefix(err, rc, "collateral cache response") : TP_OK;
    }
}

tp_err tp_pcs_get(const tp_pcs_source *src, const char *path, uint8_t **raw_out,
                  tp_http_message *resp, tp_error *err)
{
    unsigned timeout_ms = src->timeout_ms ? src->timeout_ms : TP_PCS_TIMEOUT_MS;
    long long deadline = now_ms() + timeout_ms;
    char req[PCS_REQUEST_MAX];
    memset(resp, 0, sizeof(*resp));
    *raw_out = NULL;
    int n = snprintf(req, sizeof(req),
                     "GET %s%s HTTP/1.1\r\nHost: %s\r\nAccept: */*\r\nConnection: close\r\n"
                     "User-Agent: teeproof-notary\r\n\r\n", src->prefix, path, src->authority);
    if (n < 0 || n >= (int)sizeof(req))
        return tp_error_set(err, TP_ERR_ARG, "collateral cache request too long");
    int fd = -1;
    tp_buf raw = TP_BUF_PUBLIC_INIT;
    tp_err rc = open_conn(src, deadline, &fd, err);
    if (rc == TP_OK)
        rc = send_all(fd, req, (size_t)n, err);
    if (rc == TP_OK)
        rc = read_response(fd, deadline, timeout_ms, &raw, resp, err);
    if (fd >= 0)
        close(fd);
    if (rc != TP_OK) {
        tp_http_message_free(resp);
        tp_buf_free(&raw);
        return rc;
    }
    size_t len;
    *raw_out = tp_buf_detach(&raw, &len);
    return TP_OK;
}
