/* tp-demo-api's HTTP/1.1 side, shared by its routes: a growable buffer (exits on out of
 * memory: a test tool) and a strict, bounded request parser. Linked into tp-demo-api only
 * (Makefile). */
#ifndef TP_TOOLS_DEMO_HTTP_H
#define TP_TOOLS_DEMO_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define IN_CAP      16384  /* per-connection request buffer (head + small body) */
#define MAX_HEAD    8192   /* request line + header fields, else 431 */
#define MAX_HEADERS 64     /* header field lines, else 431 */

struct buf { char *p; size_t len, cap; };

void buf_reserve(struct buf *b, size_t more);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_str(struct buf *b, const char *s);
/* Appends fmt formatted with one long. */
void buf_fmt(struct buf *b, const char *fmt, long x);
void buf_free(struct buf *b);
/* Appends p[0..n) as a quoted JSON string. */
void buf_json_str(struct buf *b, const char *p, size_t n);

/* p[0..n) equals s (case-insensitively for span_ieq). */
bool span_is(const char *p, size_t n, const char *s);
bool span_ieq(const char *p, size_t n, const char *s);
/* A decimal number of 1..max digits at p[0..n), or -1. */
long digits(const char *p, size_t n, size_t max);

/* One parsed request; spans point into the connection's input buffer. */
struct req {
    const char *method, *target, *auth, *cookie, *body;
    size_t method_len, target_len, auth_len, cookie_len, body_len;
    bool close, head, http10;
};

/* Returns the length of a complete request at p (head + Content-Length body), 0 if more
 * bytes are needed, or -status (400, 413, 431, 501). */
long parse_request(const char *p, size_t n, struct req *r);

#endif
