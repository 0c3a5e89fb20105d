/* tp-demo-api's HTTP/1.1 side: a growable buffer and a strict, bounded request parser
 * (request line, header fields, Content-Length body). See demo_http.h. */
#include "demo_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void buf_reserve(struct buf *b, size_t more)
{
    if (b->cap - b->len >= more) return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap - b->len < more) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) { fputs("error: out of memory\n", stderr); exit(1); }
    b->p = p;
    b->cap = cap;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void buf_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_fmt(struct buf *b, const char *fmt, long x)
{
    char tmp[64];
    buf_add(b, tmp, (size_t)snprintf(tmp, sizeof tmp, fmt, x));
}

void buf_free(struct buf *b) { free(b->p); *b = (struct buf){0}; }

bool span_is(const char *p, size_t n, const char *s)
{
    return strlen(s) == n && !memcmp(p, s, n);
}
bool span_ieq(const char *p, size_t n, const char *s)
{
    return strlen(s) == n && !strncasecmp(p, s, n);
}

/* A decimal number of 1..max digits at p[0..n), or -1. */
long digits(const char *p, size_t n, size_t max)
{
    long x = 0;
    if (n == 0 || n > max) return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        x = x * 10 + (p[i] - '0');
    }
    return x;
}

static bool is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* ---- HTTP/1.1 request parsing (strict, bounded) ---- */

/* The request line; returns 0 or the error status. */
static int parse_request_line(const char *p, size_t n, struct req *r)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i])) i++;
    if (i == 0 || i > 16 || i >= n || p[i] != ' ') return 400;
    r->method = p;
    r->method_len = i++;
    size_t t = i;
    while (i < n && p[i] != ' ') i++;
    if (i == t || i >= n || p[t] != '/') return 400;
    r->target = p + t;
    r->target_len = i - t;
    i++;
    if (n - i == 8 && memcmp(p + i, "HTTP/1.1", 8) == 0) return 0;
    if (n - i == 8 && memcmp(p + i, "HTTP/1.0", 8) == 0) { r->http10 = true; return 0; }
    return 400;
}

static void parse_connection(const char *v, size_t n, struct req *r)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t') i++;
        if (span_ieq(v + s, i - s, "close")) r->close = true;
    }
}

/* One header field line; returns 0 or the error status. */
static int parse_field(const char *p, size_t n, struct req *r, long *clen, bool *host)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i])) i++;
    if (i == 0 || i >= n || p[i] != ':') return 400;
    size_t name_len = i++;
    while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
    size_t e = n;
    while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t')) e--;
    const char *v = p + i;
    size_t vn = e - i;
    if (span_ieq(p, name_len, "host")) {
        if (*host) return 400;
        *host = true;
    } else if (span_ieq(p, name_len, "connection")) {
        parse_connection(v, vn, r);
    } else if (span_ieq(p, name_len, "authorization")) {
        r->auth = v;
        r->auth_len = vn;
    } else if (span_ieq(p, name_len, "cookie")) {
        r->cookie = v;
        r->cookie_len = vn;
    } else if (span_ieq(p, name_len, "transfer-encoding")) {
        return 501;
    } else if (span_ieq(p, name_len, "content-length")) {
        long x = digits(v, vn, 18);
        if (x < 0 || (*clen >= 0 && *clen != x)) return 400;
        *clen = x;
    }
    return 0;
}

/* Checks bytes and finds the end of the head. Returns its length (incl. the blank line),
 * 0 if not complete yet, or -status. */
static long scan_head(const char *p, size_t n)
{
    size_t lim = n < MAX_HEAD ? n : MAX_HEAD;
    for (size_t i = 0; i < lim; i++) {
        unsigned char ch = (unsigned char)p[i];
        if ((ch < 0x20 && ch != '\r' && ch != '\n' && ch != '\t') || ch == 0x7f) return -400;
        if (ch == '\n' && (i == 0 || p[i - 1] != '\r')) return -400;
        if (ch == '\r' && i + 1 < n && p[i + 1] != '\n') return -400;
        if (ch == '\n' && i >= 3 && memcmp(p + i - 3, "\r\n\r\n", 4) == 0) return (long)i + 1;
    }
    return n >= MAX_HEAD ? -431 : 0;
}

/* Returns the length of a complete request at p, 0 if more bytes are needed, or -status. */
long parse_request(const char *p, size_t n, struct req *r)
{
    memset(r, 0, sizeof *r);
    long head = scan_head(p, n);
    if (head < 0) return head;
    const char *eol = memchr(p, '\n', head > 0 ? (size_t)head : n);
    if (!eol) return 0;
    int st = parse_request_line(p, (size_t)(eol - 1 - p), r);
    if (st) return -st;
    if (head == 0) return 0;
    long clen = -1;
    bool host = false;
    int nfields = 0;
    const char *line = eol + 1;
    while (line < p + head - 2) {
        const char *e = memchr(line, '\n', (size_t)(p + head - line));
        if (*line == ' ' || *line == '\t') return -400; /* obsolete line folding */
        if (++nfields > MAX_HEADERS) return -431;
        if ((st = parse_field(line, (size_t)(e - 1 - line), r, &clen, &host))) return -st;
        line = e + 1;
    }
    if (!host && !r->http10) return -400;
    if (r->http10) r->close = true; /* no HTTP/1.0 keep-alive */
    if (clen < 0) clen = 0;
    if (clen > IN_CAP - head) return -413;
    if ((size_t)(head + clen) > n) return 0;
    r->head = span_is(r->method, r->method_len, "HEAD");
    r->body = p + head;
    r->body_len = (size_t)clen;
    return head + clen;
}

/* A JSON string (quoted): '"' and '\\' escaped, every byte outside 0x20-0x7e as \\u00XX
 * (so any input, UTF-8 or not, gives valid JSON). */
void buf_json_str(struct buf *b, const char *p, size_t n)
{
    buf_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            buf_add(b, esc, 2);
        } else if (ch < 0x20 || ch > 0x7e) {
            buf_fmt(b, "\\u%04lx", (long)ch);
        } else {
            buf_add(b, &p[i], 1);
        }
    }
    buf_str(b, "\"");
}
