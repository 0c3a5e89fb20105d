/* Bounded reader and growable writer; see bytes.h. */
#include "base/bytes.h"

#include "base/region.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void tp_reader_init(tp_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
}

int tp_read_copy(tp_reader *r, uint8_t *dst, size_t n)
{
    const uint8_t *p;
    if (!tp_read_bytes(r, n, &p))
        return 0;
    if (n)
        memcpy(dst, p, n);
    return 1;
}

int tp_read_sub(tp_reader *r, size_t n, tp_reader *sub)
{
    const uint8_t *p;
    if (!tp_read_bytes(r, n, &p))
        return 0;
    tp_reader_init(sub, p, n);
    return 1;
}

static int read_be(tp_reader *r, size_t n, uint64_t *out)
{
    const uint8_t *p;
    if (!tp_read_bytes(r, n, &p))
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *out = v;
    return 1;
}

static int read_le(tp_reader *r, size_t n, uint64_t *out)
{
    const uint8_t *p;
    if (!tp_read_bytes(r, n, &p))
        return 0;
    uint64_t v = 0;
    for (size_t i = n; i > 0; i--)
        v = (v << 8) | p[i - 1];
    *out = v;
    return 1;
}

int tp_read_u8(tp_reader *r, uint8_t *out)
{
    uint64_t v;
    if (!read_be(r, 1, &v))
        return 0;
    *out = (uint8_t)v;
    return 1;
}

int tp_read_u16(tp_reader *r, uint16_t *out)
{
    uint64_t v;
    if (!read_be(r, 2, &v))
        return 0;
    *out = (uint16_t)v;
    return 1;
}

int tp_read_u24(tp_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!read_be(r, 3, &v))
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int tp_read_u32(tp_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!read_be(r, 4, &v))
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int tp_read_u16le(tp_reader *r, uint16_t *out)
{
    uint64_t v;
    if (!read_le(r, 2, &v))
        return 0;
    *out = (uint16_t)v;
    return 1;
}

int tp_read_u32le(tp_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!read_le(r, 4, &v))
        return 0;
    *out = (uint32_t)v;
    return 1;
}

int tp_read_u64le(tp_reader *r, uint64_t *out)
{
    return read_le(r, 8, out);
}

static int read_prefixed(tp_reader *r, size_t prefix_len, tp_reader *sub)
{
    tp_reader saved = *r;
    uint64_t n;
    if (!read_be(r, prefix_len, &n) || !tp_read_sub(r, (size_t)n, sub)) {
        *r = saved;
        return 0;
    }
    return 1;
}

int tp_read_prefixed_u8(tp_reader *r, tp_reader *sub) { return read_prefixed(r, 1, sub); }
int tp_read_prefixed_u16(tp_reader *r, tp_reader *sub) { return read_prefixed(r, 2, sub); }
int tp_read_prefixed_u24(tp_reader *r, tp_reader *sub) { return read_prefixed(r, 3, sub); }

/* The first reservation of a buffer that leaves the heap: room for this many bytes beyond
 * what it needs then (address space only; memory is committed as it grows). */
#define TP_BUF_REGION_FIRST ((size_t)64 << 20)

/* Wipes (unless public) and gives back the memory behind data (a region is kept as a
 * spare for the next large buffer); the fields are left as is. */
static void release(tp_buf *b)
{
    if (b->data && !b->nowipe)
        OPENSSL_cleanse(b->data, b->cap);
    if (b->region)
        tp_region_recycle(b->data, b->cap, b->region);
    else
        free(b->data);
}

/* A buffer in a region: makes it usable up to need (rounded to a region step), moving to a
 * reservation twice as big when this one is full. */
static int grow_region(tp_buf *b, size_t need)
{
    size_t cap = tp_region_round(need);
    if (cap == 0 || cap > SIZE_MAX / 4)
        return 0;
    if (cap <= b->cap)
        return 1;
    if (cap > b->region) {
        size_t size = b->region * 2;
        while (size < cap)
            size *= 2;
        uint8_t *p = tp_region_move(b->data, b->cap, b->region, size);
        if (p == NULL)
            return 0;
        b->data = p;
        b->region = size;
    }
    if (!tp_region_commit(b->data, b->cap, cap))
        return 0;
    b->cap = cap;
    return 1;
}

/* A large buffer past TP_BUF_LARGE_MIN leaves the heap for a region, a spare one if there
 * is (its pages are already there), else a new one; its bytes are copied once. 0 if no
 * region could be had: it stays on the heap. */
static int to_region(tp_buf *b, size_t need)
{
    tp_buf r = *b;
    if (need > SIZE_MAX / 4)
        return 0;
    if (tp_region_reuse(&r.data, &r.cap, &r.region)) {
        /* used as it is: its pages are charged to this buffer (cap) from now on */
    } else if ((r.region = tp_region_round(need + TP_BUF_REGION_FIRST)) == 0 ||
               (r.data = tp_region_reserve(r.region)) == NULL) {
        return 0;
    } else {
        r.cap = 0;
    }
    if (!grow_region(&r, need)) {
        tp_region_recycle(r.data, r.cap, r.region);
        return 0;
    }
    if (b->len)
        memcpy(r.data, b->data, b->len);
    release(b);
    b->data = r.data;
    b->cap = r.cap;
    b->region = r.region;
    return 1;
}

int tp_buf_reserve(tp_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return 0;
    size_t need = b->len + extra + 1; /* room for tp_buf_terminate */
    if (need <= b->cap)
        return 1;
    if (b->region)
        return grow_region(b, need);
    if (b->large && need > TP_BUF_LARGE_MIN && to_region(b, need))
        return 1;
    /* Double, or take exactly what is asked when that is more (a buffer sized once for
     * what it will hold wipes and touches no more than that when freed). */
    size_t cap = b->cap == 0 ? 64 : b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
    if (cap < need)
        cap = need;
    uint8_t *p;
    if (b->nowipe) {
        p = realloc(b->data, cap);
    } else { /* realloc would free the old block unwiped */
        p = malloc(cap); /* a big buffer is made large (tp_buf_init_large, tp_buf_set_large) */
        if (p != NULL && b->data != NULL) {
            memcpy(p, b->data, b->len);
            release(b); /* wiped, then freed */
        }
    }
    if (p == NULL)
        return 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

uint8_t *tp_buf_space(tp_buf *b, size_t n)
{
    return tp_buf_reserve(b, n) ? b->data + b->len : NULL;
}

void tp_buf_added(tp_buf *b, size_t n)
{
    b->len += n;
}

int tp_buf_append(tp_buf *b, const void *p, size_t n)
{
    if (!tp_buf_reserve(b, n))
        return 0;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 1;
}

int tp_buf_append_str(tp_buf *b, const char *s)
{
    return tp_buf_append(b, s, strlen(s));
}

static int put_be(tp_buf *b, uint64_t v, size_t n)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < n; i++)
        tmp[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return tp_buf_append(b, tmp, n);
}

int tp_buf_put_u8(tp_buf *b, uint8_t v) { return put_be(b, v, 1); }
int tp_buf_put_u16(tp_buf *b, uint16_t v) { return put_be(b, v, 2); }
int tp_buf_put_u24(tp_buf *b, uint32_t v) { return v < (1u << 24) && put_be(b, v, 3); }
int tp_buf_put_u32(tp_buf *b, uint32_t v) { return put_be(b, v, 4); }

int tp_buf_terminate(tp_buf *b)
{
    if (!tp_buf_reserve(b, 0))
        return 0;
    b->data[b->len] = '\0';
    return 1;
}

void tp_buf_init_public(tp_buf *b)
{
    *b = (tp_buf)TP_BUF_PUBLIC_INIT;
}

void tp_buf_reset(tp_buf *b)
{
    if (b->data && !b->nowipe)
        OPENSSL_cleanse(b->data, b->len);
    b->len = 0;
}

void tp_buf_init_large(tp_buf *b, int public_bytes)
{
    *b = (tp_buf)TP_BUF_INIT;
    b->nowipe = public_bytes != 0;
    b->large = 1;
}

void tp_buf_set_large(tp_buf *b)
{
    b->large = 1; /* takes effect at the next growth past TP_BUF_LARGE_MIN */
}

void tp_buf_free(tp_buf *b)
{
    release(b);
    b->data = NULL;
    b->len = b->cap = b->region = 0;
}

uint8_t *tp_buf_detach(tp_buf *b, size_t *len)
{
    if (!tp_buf_terminate(b))
        return NULL;
    uint8_t *p = b->data;
    if (b->region) { /* the caller frees with free(): a heap copy */
        p = malloc(b->len + 1);
        if (p == NULL)
            return NULL;
        memcpy(p, b->data, b->len + 1);
        release(b);
    }
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = b->region = 0;
    return p;
}
