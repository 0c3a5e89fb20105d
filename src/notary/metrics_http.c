/* --metrics HOST:PORT: a tiny HTTP/1.1 server on the notary's own epoll loop that answers
 * "GET /metrics" with the Prometheus exposition (metrics.c) and closes. Strict and bounded:
 * at most TP_METRICS_CONNS exchanges at once (more are closed unanswered), a request of at
 * most TP_METRICS_REQ_MAX bytes with no body, TP_METRICS_TIMEOUT_MS to finish; anything
 * else gets 400, 404 or 405, then the connection closes. Non-blocking throughout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"
#include "notary/log.h"
#include "notary/notary.h"

#define TP_METRICS_CONNS 8
#define TP_METRICS_REQ_MAX 2048
#define TP_METRICS_TIMEOUT_MS 2000

typedef struct mconn {
    tp_io io;               /* fd -1: free slot */
    char req[TP_METRICS_REQ_MAX + 1];
    size_t req_len;
    tp_buf resp;            /* public bytes */
    size_t resp_pos;
    uint64_t deadline;
    int draining;           /* answered: reading what the client still sends until it closes,
                               so that closing does not reset the answer away */
} mconn;

struct tp_metrics_http {
    tp_notary *n;
    tp_io listen_io;
    mconn conns[TP_METRICS_CONNS];
};

static void conn_close(tp_notary *n, mconn *c)
{
    tp_io_del(n, &c->io);
    close(c->io.fd);
    c->io.fd = -1;
    tp_buf_free(&c->resp);
    c->req_len = c->resp_pos = 0;
    c->draining = 0;
}

/* After the answer: discard input until the client's FIN (or the deadline). */
static void drain(tp_notary *n, mconn *c)
{
    char sink[TP_METRICS_REQ_MAX];
    for (;;) {
        ssize_t k = read(c->io.fd, sink, sizeof(sink));
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (k <= 0) {
            conn_close(n, c);
            return;
        }
    }
}

/* 1: the headers after the request line are well-formed ("Name: value" lines, no control
 * bytes), a Host is present and no body is announced. */
static int headers_ok(const char *h)
{
    int hosts = 0;
    while (*h != '\r') {
        const char *eol = strstr(h, "\r\n"), *colon = memchr(h, ':', (size_t)(eol - h));
        if (colon == NULL || colon == h || colon[-1] == ' ' || colon[-1] == '\t')
            return 0;
        for (const char *p = h; p < eol; p++)
            if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                return 0;
        size_t nl = (size_t)(colon - h);
        if ((nl == 14 && strncasecmp(h, "content-length", nl) == 0) ||
            (nl == 17 && strncasecmp(h, "transfer-encoding", nl) == 0))
            return 0;
        hosts += nl == 4 && strncasecmp(h, "host", nl) == 0;
        h = eol + 2;
    }
    return hosts == 1;
}

static void respond(tp_notary *n, mconn *c, int status, const char *reason, const tp_buf *body)
{
    char head[256];
    size_t blen = body ? body->len : strlen(reason) + 1;
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d %s\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
             "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
             status, reason, blen, status == 405 ? "Allow: GET\r\n" : "");
    int ok = tp_buf_append_str(&c->resp, head);
    if (body)
        ok = ok && tp_buf_append(&c->resp, body->data, body->len);
    else
        ok = ok && tp_buf_append_str(&c->resp, reason) && tp_buf_append_str(&c->resp, "\n");
    if (!ok)
        conn_close(n, c);
}

/* The whole request is in c->req (NUL-terminated, ends with an empty line). */
static void answer(tp_notary *n, mconn *c)
{
    const char *r = c->req, *eol = strstr(r, "\r\n");
    const char *sp1 = memchr(r, ' ', (size_t)(eol - r));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (sp1 == NULL || sp2 == NULL || !headers_ok(eol + 2) ||
        ((size_t)(eol - sp2 - 1) != 8 || strncmp(sp2 + 1, "HTTP/1.1", 8) != 0)) {
        respond(n, c, 400, "Bad Request", NULL);
        return;
    }
    if ((size_t)(sp1 - r) != 3 || strncmp(r, "GET", 3) != 0) {
        respond(n, c, 405, "Method Not Allowed", NULL);
        return;
    }
    if ((size_t)(sp2 - sp1 - 1) != 8 || strncmp(sp1 + 1, "/metrics", 8) != 0) {
        respond(n, c, 404, "Not Found", NULL);
        return;
    }
    tp_buf body = TP_BUF_PUBLIC_INIT;
    if (tp_metrics_render(n, &body))
        respond(n, c, 200, "OK", &body);
    else
        conn_close(n, c);
    tp_buf_free(&body);
}

static void on_conn(tp_io *io, uint32_t events)
{
    mconn *c = (mconn *)io; /* io is the first member */
    tp_notary *n = ((struct tp_metrics_http *)io->owner)->n;
    if (events & (EPOLLHUP | EPOLLERR)) {
        conn_close(n, c);
        return;
    }
    if (c->draining) {
        drain(n, c);
        return;
    }
    while (c->resp.len == 0) {
        ssize_t k = read(c->io.fd, c->req + c->req_len, TP_METRICS_REQ_MAX - c->req_len);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (k <= 0) {
            conn_close(n, c);
            return;
        }
        c->req_len += (size_t)k;
        c->req[c->req_len] = '\0';
        if (memchr(c->req, '\0', c->req_len) != NULL) {
            respond(n, c, 400, "Bad Request", NULL);
        } else if (strstr(c->req, "\r\n\r\n") != NULL) {
            if (strstr(c->req, "\r\n\r\n")[4] != '\0')
                respond(n, c, 400, "Bad Request", NULL); /* bytes after the request: none wanted */
            else
                answer(n, c);
        } else if (c->req_len == TP_METRICS_REQ_MAX) {
            respond(n, c, 400, "Bad Request", NULL);
        }
        if (c->io.fd < 0)
            return;
    }
    while (c->resp_pos < c->resp.len) {
        ssize_t k = send(c->io.fd, c->resp.data + c->resp_pos, c->resp.len - c->resp_pos, MSG_NOSIGNAL);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            tp_io_mod(n, &c->io, EPOLLOUT);
            return;
        }
        if (k <= 0)
            break;
        c->resp_pos += (size_t)k;
    }
    shutdown(c->io.fd, SHUT_WR);
    c->draining = 1;
    if (!tp_io_mod(n, &c->io, EPOLLIN))
        conn_close(n, c);
    else
        drain(n, c);
}

static void on_accept(tp_io *io, uint32_t events)
{
    struct tp_metrics_http *h = io->owner;
    for (;;) {
        int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        mconn *c = NULL;
        for (size_t i = 0; i < TP_METRICS_CONNS && c == NULL; i++)
            if (h->conns[i].io.fd < 0)
                c = &h->conns[i];
        if (c == NULL) { /* a scraper is one client: more at once is a flood */
            close(fd);
            continue;
        }
        c->io = (tp_io){.fd = fd, .on_event = on_conn, .owner = h};
        c->deadline = tp_now_ms() + TP_METRICS_TIMEOUT_MS;
        tp_buf_init_public(&c->resp);
        if (!tp_io_add(h->n, &c->io, EPOLLIN)) {
            close(fd);
            c->io.fd = -1;
        }
    }
}

tp_err tp_metrics_http_listen(tp_notary *n, char *bound, size_t bound_len, tp_error *err)
{
    if (n->cfg.metrics == NULL)
        return TP_OK;
    struct tp_metrics_http *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    h->n = n;
    for (size_t i = 0; i < TP_METRICS_CONNS; i++)
        h->conns[i].io.fd = -1;
    int fd = -1;
    tp_err rc = tp_notary_bind(n->cfg.metrics, "--metrics", !n->cfg.metrics_allow_remote, &fd, bound,
                               bound_len, err);
    if (rc != TP_OK) {
        free(h);
        return rc;
    }
    h->listen_io = (tp_io){.fd = fd, .on_event = on_accept, .owner = h};
    n->metrics_http = h;
    return TP_OK;
}

int tp_metrics_http_register(tp_notary *n)
{
    return n->metrics_http == NULL || tp_io_add(n, &n->metrics_http->listen_io, EPOLLIN);
}

void tp_metrics_http_sweep(tp_notary *n, uint64_t now_ms)
{
    struct tp_metrics_http *h = n->metrics_http;
    for (size_t i = 0; h != NULL && i < TP_METRICS_CONNS; i++)
        if (h->conns[i].io.fd >= 0 && now_ms >= h->conns[i].deadline)
            conn_close(n, &h->conns[i]);
}

void tp_metrics_http_close(tp_notary *n)
{
    struct tp_metrics_http *h = n->metrics_http;
    if (h == NULL)
        return;
    for (size_t i = 0; i < TP_METRICS_CONNS; i++)
        if (h->conns[i].io.fd >= 0)
            conn_close(n, &h->conns[i]);
    tp_io_del(n, &h->listen_io);
    close(h->listen_io.fd);
    free(h);
    n->metrics_http = NULL;
}
