/* tp-demo-api: a small HTTPS/1.1 JSON API for teeproof's demo, tests and benchmarks.
 * One process, one epoll loop, non-blocking sockets, OpenSSL (TLS 1.3, 1.2 allowed).
 * Every connection is a state machine driven by conn_drive(): it runs one SSL operation
 * at a time and waits for whichever direction OpenSSL asks for. See usage() for options. */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

#include "lib/demo_http.h"

#define MAX_CONNS   1024
#define MAX_KB      16384
#define IDLE_MS     30000  /* handshake / keep-alive idle limit */
#define LINGER_MS   2000   /* after our FIN: drain the peer's last bytes */

static const char ACCOUNT_JSON[] =
    "{\"account\":{\"id\":\"acct-1\",\"owner\":\"Ada Lovelace\",\"balance\":1234.56,"
    "\"currency\":\"USD\",\"verified\":true},\"history\":[{\"amount\":-20.5,\"to\":\"shop\"},"
    "{\"amount\":100,\"from\":\"salary\"}]}";

static const char EXACT_JSON[] = "{\"amount\":999.99999999999999999,\"id\":12345678901234567890123}";
/* /page: a small HTML page for html extractors. */
static const char PAGE_HTML[] =
    "<!DOCTYPE html><html><head><title>Account of Ada</title></head><body>"
    "<div id=\"account\"><p class=\"owner\">Ada Lovelace</p>"
    "<table><tr><th>Balance</th><td class=\"balance\"> 1234.56 </td></tr></table>"
    "<ul class=\"tags\"><li>verified</li><li>premium</li></ul>"
    "<a class=\"profile\" href=\"/u/ada\">profile</a></div></body></html>";

struct opts {
    const char *listen, *cert, *key, *token, *ciphersuites, *cipher_list, *groups;
    bool chunked, gzip, no_close_notify, verbose;
    int tls_max;
    long max_requests;
};

enum cstate { C_HANDSHAKE, C_ACTIVE, C_SHUTDOWN, C_LINGER };

struct conn {
    struct conn *prev, *next;
    int fd;
    SSL *ssl;
    enum cstate st;
    uint32_t events;
    int64_t deadline;
    bool close_after;          /* close once the queued response is sent */
    struct buf out;
    size_t out_off, in_len;
    char in[IN_CAP];
};

struct server {
    struct opts o;
    SSL_CTX *ctx;
    int ep, lfd, sfd;
    struct conn *conns;
    int nconns;
    long served;
    bool limit_reached;
};

/* ---- small helpers ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- response bodies ---- */

static bool gzip_into(struct buf *out, const char *in, size_t n)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
    size_t bound = deflateBound(&z, (uLong)n);
    buf_reserve(out, bound);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->p + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    out->len += z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END;
}

/* Small first chunks, so that clients see several chunks even for tiny documents. */
static void chunk_into(struct buf *out, const char *b, size_t n)
{
    static const size_t sizes[] = {16, 100, 8192};
    for (size_t off = 0, i = 0; off < n; i++) {
        size_t k = sizes[i < 2 ? i : 2];
        if (k > n - off) k = n - off;
        buf_fmt(out, "%lx\r\n", (long)k);
        buf_add(out, b + off, k);
        buf_add(out, "\r\n", 2);
        off += k;
    }
    buf_str(out, "0\r\n\r\n");
}

/* A JSON document of exactly kb KiB. */
static void make_big(struct buf *b, long kb)
{
    size_t target = (size_t)kb * 1024;
    static const char tail1[] = "],\"pad\":\"", tail2[] = "\"}";
    const size_t tails = sizeof tail1 - 1 + sizeof tail2 - 1;
    buf_fmt(b, "{\"kb\":%ld,\"items\":[", kb);
    for (long i = 0;; i++) {
        char item[160];
        int k = snprintf(item, sizeof item,
                         "%s{\"i\":%ld,\"name\":\"item-%06ld\",\"value\":%ld.%02ld,\"ok\":%s}",
                         i ? "," : "", i, i, (i * 37) % 1000, i % 100, i % 3 ? "true" : "false");
        if (b->len + (size_t)k + tails > target) break;
        buf_add(b, item, (size_t)k);
    }
    buf_str(b, tail1);
    size_t pad = target - b->len - (sizeof tail2 - 1);
    buf_reserve(b, pad);
    memset(b->p + b->len, 'x', pad);
    b->len += pad;
    buf_str(b, tail2);
}

static const struct { int status; const char *reason, *error; } STATUSES[] = {
    {200, "OK", ""}, {400, "Bad Request", "bad request"}, {401, "Unauthorized", "unauthorized"},
    {404, "Not Found", "not found"}, {405, "Method Not Allowed", "method not allowed"},
    {413, "Content Too Large", "request body too large"},
    {431, "Request Header Fields Too Large", "request header fields too large"},
    {501, "Not Implemented", "transfer-encoding not supported"},
};

static int status_index(int status)
{
    for (int i = 0; i < (int)(sizeof STATUSES / sizeof STATUSES[0]); i++)
        if (STATUSES[i].status == status) return i;
    return 1;
}

/* Queues a whole response (head + body, encoded per options) on the connection. */
static int queue_typed(struct server *s, struct conn *c, int status, const char *ctype,
                       const char *extra, const char *body, size_t len, bool head_only)
{
    struct buf gz = {0}, *o = &c->out;
    if (s->o.gzip && gzip_into(&gz, body, len)) {
        body = gz.p;
        len = gz.len;
    }
    buf_fmt(o, "HTTP/1.1 %ld ", status);
    buf_str(o, STATUSES[status_index(status)].reason);
    buf_str(o, "\r\nServer: tp-demo-api\r\nContent-Type: ");
    buf_str(o, ctype);
    buf_str(o, "\r\n");
    if (gz.p) buf_str(o, "Content-Encoding: gzip\r\n");
    if (s->o.chunked) buf_str(o, "Transfer-Encoding: chunked\r\n");
    else buf_fmt(o, "Content-Length: %ld\r\n", (long)len);
    if (extra) buf_str(o, extra);
    if (c->close_after) buf_str(o, "Connection: close\r\n");
    buf_str(o, "\r\n");
    if (!head_only && s->o.chunked) chunk_into(o, body, len);
    else if (!head_only) buf_add(o, body, len);
    buf_free(&gz);
    return status;
}

static int queue_response(struct server *s, struct conn *c, int status, const char *extra,
                          const char *body, size_t len, bool head_only)
{
    return queue_typed(s, c, status, "application/json", extra, body, len, head_only);
}

/* {"error":MSG}, MSG defaulting to the status's text. */
static int queue_error(struct server *s, struct conn *c, int status, const char *msg,
                       const char *extra, bool head_only)
{
    char body[128];
    if (!msg) msg = STATUSES[status_index(status)].error;
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", msg);
    return queue_response(s, c, status, extra, body, (size_t)n, head_only);
}

/* ---- routing ---- */

static bool auth_ok(const char *token, const struct req *r)
{
    if (!r->auth || r->auth_len < 7 || strncasecmp(r->auth, "Bearer ", 7) != 0) return false;
    const char *v = r->auth + 7;
    size_t n = r->auth_len - 7, tl = strlen(token);
    while (n && *v == ' ') { v++; n--; }
    return n == tl && CRYPTO_memcmp(v, token, tl) == 0;
}

/* kb=N from a query string: 1 if absent, -1 if invalid. */
static long query_kb(const char *q, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && q[e] != '&') e++;
        if (e - i >= 3 && memcmp(q + i, "kb=", 3) == 0) return digits(q + i + 3, e - i - 3, 5);
        i = e + 1;
    }
    return 1;
}

/* /echo and /echo/...: any method; answers what it received, so that tests can see
 * exactly which request reached the site. */
static int echo(struct server *s, struct conn *c, const struct req *r)
{
    struct buf b = {0};
    buf_str(&b, "{\"method\":");
    buf_json_str(&b, r->method, r->method_len);
    buf_str(&b, ",\"target\":");
    buf_json_str(&b, r->target, r->target_len);
    buf_str(&b, ",\"body\":");
    buf_json_str(&b, r->body, r->body_len);
    buf_str(&b, ",\"cookie\":");
    buf_json_str(&b, r->cookie ? r->cookie : "", r->cookie_len);
    buf_str(&b, "}");
    queue_response(s, c, 200, NULL, b.p, b.len, r->head);
    buf_free(&b);
    return 200;
}

static bool is_echo_path(const char *t, size_t plen)
{
    return span_is(t, plen, "/echo") || (plen > 6 && memcmp(t, "/echo/", 6) == 0);
}

static int route(struct server *s, struct conn *c, const struct req *r)
{
    const char *t = r->target, *q = memchr(t, '?', r->target_len);
    size_t plen = q ? (size_t)(q - t) : r->target_len;
    bool head = r->head;
    if (is_echo_path(t, plen)) return echo(s, c, r);
    if (!head && !span_is(r->method, r->method_len, "GET"))
        return queue_error(s, c, 405, NULL, "Allow: GET, HEAD\r\n", false);
    if (span_is(t, plen, "/health")) return queue_response(s, c, 200, NULL, "{\"ok\":true}", 11, head);
    if (span_is(t, plen, "/api/exact")) return queue_response(s, c, 200, NULL, EXACT_JSON, sizeof EXACT_JSON - 1, head);
    if (span_is(t, plen, "/page"))
        return queue_typed(s, c, 200, "text/html; charset=UTF-8", NULL, PAGE_HTML, sizeof PAGE_HTML - 1, head);
    if (span_is(t, plen, "/api/account")) {
        if (s->o.token && !auth_ok(s->o.token, r))
            return queue_error(s, c, 401, NULL, "WWW-Authenticate: Bearer\r\n", head);
        return queue_response(s, c, 200, NULL, ACCOUNT_JSON, sizeof ACCOUNT_JSON - 1, head);
    }
    if (!span_is(t, plen, "/api/big")) return queue_error(s, c, 404, NULL, NULL, head);
    long kb = q ? query_kb(q + 1, r->target_len - plen - 1) : 1;
    if (kb < 1 || kb > MAX_KB) return queue_error(s, c, 400, "kb must be from 1 to 16384", NULL, head);
    struct buf b = {0};
    make_big(&b, kb);
    queue_response(s, c, 200, NULL, b.p, b.len, head);
    buf_free(&b);
    return 200;
}

/* Handles the next buffered request, if complete. Returns true if it changed state. */
static bool serve_pending(struct server *s, struct conn *c)
{
    if (c->close_after || (s->limit_reached && c->in_len)) {
        c->st = C_SHUTDOWN;
        return true;
    }
    if (c->in_len == 0) return false;
    struct req r;
    long n = parse_request(c->in, c->in_len, &r);
    if (n == 0) return false;
    if (n < 0) {
        c->close_after = true;
        c->in_len = 0;
        queue_error(s, c, (int)-n, NULL, NULL, false);
        if (s->o.verbose) fprintf(stderr, "tp-demo-api: bad request -> %ld\n", -n);
        return true;
    }
    if (r.close) c->close_after = true;
    if (s->o.max_requests && ++s->served >= s->o.max_requests) {
        c->close_after = true;
        s->limit_reached = true;
    }
    int st = route(s, c, &r);
    if (s->o.verbose)
        fprintf(stderr, "tp-demo-api: %.*s %.*s -> %d\n", (int)r.method_len, r.method,
                (int)r.target_len, r.target, st);
    memmove(c->in, c->in + n, c->in_len - (size_t)n);
    c->in_len -= (size_t)n;
    return true;
}

/* ---- connections ---- */

static void conn_free(struct server *s, struct conn *c)
{
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->nconns--;
    SSL_free(c->ssl);
    close(c->fd);
    buf_free(&c->out);
    free(c);
}

static void conn_events(struct server *s, struct conn *c, uint32_t ev)
{
    if (c->events == ev) return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e);
    c->events = ev;
}

/* After our FIN: discard what the peer still sends until it closes, so that closing does
 * not reset the connection while the response may still be unread. */
static void conn_linger(struct server *s, struct conn *c)
{
    char scratch[4096];
    for (;;) {
        ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        conn_free(s, c);
        return;
    }
}

static void log_tls_error(struct server *s, const char *what)
{
    char msg[256];
    ERR_error_string_n(ERR_peek_last_error(), msg, sizeof msg);
    if (s->o.verbose) fprintf(stderr, "tp-demo-api: %s: %s\n", what, msg);
}

static void conn_drive(struct server *s, struct conn *c)
{
    if (c->st == C_LINGER) { conn_linger(s, c); return; }
    c->deadline = now_ms() + IDLE_MS;
    for (;;) {
        int r;
        ERR_clear_error();
        if (c->st == C_HANDSHAKE) {
            if ((r = SSL_do_handshake(c->ssl)) == 1) { c->st = C_ACTIVE; continue; }
        } else if (c->out_off < c->out.len) {
            size_t n = c->out.len - c->out_off;
            r = SSL_write(c->ssl, c->out.p + c->out_off, n > INT_MAX ? INT_MAX : (int)n);
            if (r > 0 && (c->out_off += (size_t)r) == c->out.len) {
                c->out_off = c->out.len = 0; /* all sent; keep a small buffer for the next */
                if (c->out.cap > (1u << 20)) buf_free(&c->out);
            }
            if (r > 0) continue;
        } else if (c->st == C_SHUTDOWN) {
            r = s->o.no_close_notify ? 1 : SSL_shutdown(c->ssl);
            if (r >= 0) {
                shutdown(c->fd, SHUT_WR);
                c->st = C_LINGER;
                c->deadline = now_ms() + LINGER_MS;
                conn_events(s, c, EPOLLIN);
                conn_linger(s, c);
                return;
            }
        } else {
            if (serve_pending(s, c)) continue;
            r = SSL_read(c->ssl, c->in + c->in_len, (int)(IN_CAP - c->in_len));
            if (r > 0) { c->in_len += (size_t)r; continue; }
        }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ) { conn_events(s, c, EPOLLIN); return; }
        if (e == SSL_ERROR_WANT_WRITE) { conn_events(s, c, EPOLLOUT); return; }
        if (e == SSL_ERROR_ZERO_RETURN && c->st == C_ACTIVE) { c->st = C_SHUTDOWN; continue; }
        log_tls_error(s, c->st == C_HANDSHAKE ? "handshake failed" : "connection failed");
        conn_free(s, c);
        return;
    }
}

static void do_accept(struct server *s)
{
    while (s->lfd >= 0) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
        if (fd < 0) return;
        struct conn *c = s->nconns < MAX_CONNS ? calloc(1, sizeof *c) : NULL;
        SSL *ssl = c ? SSL_new(s->ctx) : NULL;
        if (!ssl) { free(c); close(fd); continue; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        SSL_set_fd(ssl, fd);
        SSL_set_accept_state(ssl);
        *c = (struct conn){.fd = fd, .ssl = ssl, .st = C_HANDSHAKE, .events = EPOLLIN,
                           .deadline = now_ms() + IDLE_MS, .next = s->conns};
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) != 0) { SSL_free(ssl); close(fd); free(c); continue; }
        if (s->conns) s->conns->prev = c;
        s->conns = c;
        s->nconns++;
    }
}

static void sweep(struct server *s)
{
    int64_t now = now_ms();
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        if (now > c->deadline) conn_free(s, c);
    }
}

/* With --max-requests reached: done once no connection has a response left to send. */
static bool all_done(struct server *s)
{
    for (struct conn *c = s->conns; c; c = c->next)
        if (c->st == C_SHUTDOWN || c->out_off < c->out.len || (c->st == C_ACTIVE && c->close_after))
            return false;
    return true;
}

static int run(struct server *s)
{
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(s->ep, evs, 64, 500);
        if (n < 0 && errno != EINTR) { perror("error: epoll_wait"); return 1; }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &s->sfd) return 0;
            if (p == &s->lfd) do_accept(s);
            else conn_drive(s, p);
        }
        if (s->limit_reached && s->lfd >= 0) {
            close(s->lfd); /* also leaves the epoll set */
            s->lfd = -1;
        }
        sweep(s);
        if (s->limit_reached && all_done(s)) return 0;
    }
}

/* ---- setup ---- */

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char h11[] = "\x08http/1.1";
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, h11, sizeof h11 - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static int tls_fail(const char *what, const char *arg, int code)
{
    char msg[256] = "unknown error";
    unsigned long e = ERR_peek_last_error();
    if (e) ERR_error_string_n(e, msg, sizeof msg);
    fprintf(stderr, "error: %s '%s': %s\n", what, arg, msg);
    return code;
}

/* Returns 0, or the exit status after printing the error. */
static int setup_tls(struct server *s)
{
    const struct opts *o = &s->o;
    SSL_CTX *ctx = s->ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return tls_fail("cannot create", "SSL_CTX", 1);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, o->tls_max);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    if (o->ciphersuites && !SSL_CTX_set_ciphersuites(ctx, o->ciphersuites))
        return tls_fail("invalid --ciphersuites", o->ciphersuites, 2);
    if (o->cipher_list && !SSL_CTX_set_cipher_list(ctx, o->cipher_list))
        return tls_fail("invalid --cipher-list", o->cipher_list, 2);
    if (o->groups && !SSL_CTX_set1_groups_list(ctx, o->groups))
        return tls_fail("invalid --groups", o->groups, 2);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1)
        return tls_fail("cannot load certificate", o->cert, 1);
    if (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1)
        return tls_fail("cannot load key", o->key, 1);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return tls_fail("key does not match certificate", o->cert, 1);
    return 0;
}

/* Splits HOST:PORT or [V6]:PORT; false if malformed. */
static bool split_listen(const char *spec, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec) return false;
    const char *h = spec, *he = colon;
    if (*h == '[') {
        if (he[-1] != ']') return false;
        h++;
        he--;
    }
    size_t hl = (size_t)(he - h), pl = strlen(colon + 1);
    if (hl == 0 || hl >= hcap || pl == 0 || pl > 5 || pl >= pcap) return false;
    if (strspn(colon + 1, "0123456789") != pl || atol(colon + 1) > 65535) return false;
    memcpy(host, h, hl);
    host[hl] = 0;
    memcpy(port, colon + 1, pl + 1);
    return true;
}

static int open_listener(struct server *s)
{
    char host[256], port[8], shown[300], hbuf[NI_MAXHOST], pbuf[NI_MAXSERV];
    split_listen(s->o.listen, host, sizeof host, port, sizeof port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) { fprintf(stderr, "error: --listen %s: %s\n", s->o.listen, gai_strerror(rc)); return 1; }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        fprintf(stderr, "error: cannot listen on %s: %s\n", s->o.listen, strerror(errno));
        freeaddrinfo(ai);
        if (fd >= 0) close(fd);
        return 1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    getnameinfo((struct sockaddr *)&ss, sl, hbuf, sizeof hbuf, pbuf, sizeof pbuf,
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(shown, sizeof shown, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", hbuf, pbuf);
    s->lfd = fd;
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &s->lfd};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e);
    printf("listening on %s\n", shown);
    fflush(stdout);
    return 0;
}

static int setup_signals(struct server *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    if (s->sfd < 0 || s->ep < 0) { perror("error: signalfd/epoll"); return 1; }
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &s->sfd};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sfd, &e);
    return 0;
}

/* ---- command line ---- */

static void usage(FILE *f)
{
    fputs("usage: tp-demo-api --listen HOST:PORT --cert PEM --key PEM [options]\n"
          "A local HTTPS/1.1 JSON API for teeproof demos and tests.\n"
          "  --listen HOST:PORT     address to listen on (PORT 0: any free port); prints\n"
          "                         'listening on HOST:PORT' on stdout when ready\n"
          "  --cert PEM, --key PEM  server certificate (chain) and private key\n"
          "  --token SECRET         GET /api/account requires 'Authorization: Bearer SECRET'\n"
          "  --chunked              send bodies with Transfer-Encoding: chunked\n"
          "  --gzip                 send bodies with Content-Encoding: gzip\n"
          "  --no-close-notify      close connections without a TLS close_notify\n"
          "  --ciphersuites LIST    TLS 1.3 cipher suites (OpenSSL syntax)\n"
          "  --cipher-list LIST     TLS 1.2 ciphers (OpenSSL syntax)\n"
          "  --groups LIST          key exchange groups, e.g. X25519:P-256\n"
          "  --tls-max 1.2|1.3      highest TLS version (default 1.3; lowest is 1.2)\n"
          "  --max-requests N       exit after answering N requests\n"
          "  -v, --verbose          log requests and TLS failures on stderr\n"
          "  -h, --help             show this help\n"
          "Endpoints: GET /api/account, GET /api/big?kb=N (N KiB, 1..16384), GET /health,\n"
          "  any method on /echo and /echo/... (answers {method, target, body, cookie}).\n"
          "Stops on SIGTERM/SIGINT. Exit: 0 ok, 1 runtime failure, 2 bad arguments.\n", f);
}

static int arg_error(const char *msg, const char *arg)
{
    fprintf(stderr, "error: %s%s%s (see --help)\n", msg, arg ? " " : "", arg ? arg : "");
    return 2;
}

static int set_value(struct opts *o, const char *name, const char *v)
{
    const char **slot = !strcmp(name, "--listen") ? &o->listen
                      : !strcmp(name, "--cert") ? &o->cert
                      : !strcmp(name, "--key") ? &o->key
                      : !strcmp(name, "--token") ? &o->token
                      : !strcmp(name, "--ciphersuites") ? &o->ciphersuites
                      : !strcmp(name, "--cipher-list") ? &o->cipher_list
                      : !strcmp(name, "--groups") ? &o->groups : NULL;
    if (slot) { *slot = v; return 0; }
    if (!strcmp(name, "--tls-max")) {
        if (strcmp(v, "1.2") && strcmp(v, "1.3")) return arg_error("--tls-max must be 1.2 or 1.3, not", v);
        o->tls_max = strcmp(v, "1.2") ? TLS1_3_VERSION : TLS1_2_VERSION;
        return 0;
    }
    if (!strcmp(name, "--max-requests")) {
        if ((o->max_requests = digits(v, strlen(v), 9)) >= 1) return 0;
        return arg_error("--max-requests needs a positive integer, not", v);
    }
    return arg_error("unknown option", name);
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool *flag = !strcmp(a, "--chunked") ? &o->chunked
                   : !strcmp(a, "--gzip") ? &o->gzip
                   : !strcmp(a, "--no-close-notify") ? &o->no_close_notify
                   : (!strcmp(a, "--verbose") || !strcmp(a, "-v")) ? &o->verbose : NULL;
        if (flag) { *flag = true; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return 0; }
        if (strncmp(a, "--", 2) != 0) return arg_error("unexpected argument", a);
        char name[32];
        const char *eq = strchr(a, '='), *v;
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) return arg_error("unknown option", a);
        memcpy(name, a, nl);
        name[nl] = 0;
        if (eq) v = eq + 1;
        else if (i + 1 < argc) v = argv[++i];
        else return arg_error("missing value for", a);
        int rc = set_value(o, name, v);
        if (rc) return rc;
    }
    char h[256], p[8];
    if (!o->listen || !o->cert || !o->key) return arg_error("--listen, --cert and --key are required", NULL);
    if (!split_listen(o->listen, h, sizeof h, p, sizeof p))
        return arg_error("--listen needs HOST:PORT, not", o->listen);
    if (o->token && (!*o->token || strpbrk(o->token, " \t\r\n")))
        return arg_error("--token must be non-empty, without spaces", NULL);
    return -1;
}

int main(int argc, char **argv)
{
    struct server s = {.o = {.tls_max = TLS1_3_VERSION}, .ep = -1, .lfd = -1, .sfd = -1};
    int rc = parse_args(argc, argv, &s.o);
    if (rc >= 0) return rc;
    rc = setup_tls(&s);
    if (!rc) rc = setup_signals(&s);
    if (!rc) rc = open_listener(&s);
    if (!rc) rc = run(&s);
    while (s.conns) conn_free(&s, s.conns);
    if (s.lfd >= 0) close(s.lfd);
    if (s.sfd >= 0) close(s.sfd);
    if (s.ep >= 0) close(s.ep);
    SSL_CTX_free(s.ctx);
    return rc;
}
