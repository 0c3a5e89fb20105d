/* Bounded byte reader (every byte from the network is read through it) and growable writer.
 * Style follows BoringSSL's CBS/CBB: functions return 1 on success, 0 on failure, and a
 * failed read leaves the reader unchanged. */
#ifndef TP_BASE_BYTES_H
#define TP_BASE_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct tp_reader {
    const uint8_t *p;
    size_t len;
} tp_reader;

void tp_reader_init(tp_reader *r, const uint8_t *p, size_t len);
static inline size_t tp_reader_left(const tp_reader *r) { return r->len; }
static inline const uint8_t *tp_reader_data(const tp_reader *r) { return r->p; }

int tp_read_u8(tp_reader *r, uint8_t *out);
int tp_read_u16(tp_reader *r, uint16_t *out);   /* big-endian */
int tp_read_u24(tp_reader *r, uint32_t *out);   /* big-endian */
int tp_read_u32(tp_reader *r, uint32_t *out);   /* big-endian */
int tp_read_u16le(tp_reader *r, uint16_t *out);
int tp_read_u32le(tp_reader *r, uint32_t *out);
int tp_read_u64le(tp_reader *r, uint64_t *out);
/* Points *out at the next n bytes and advances. Inline: scanners call it per byte. */
static inline int tp_read_bytes(tp_reader *r, size_t n, const uint8_t **out)
{
    if (r->len < n)
        return 0;
    *out = r->p;
    if (n == 0) /* an empty reader may hold NULL, and NULL + 0 is undefined in C */
        return 1;
    r->p += n;
    r->len -= n;
    return 1;
}
int tp_read_copy(tp_reader *r, uint8_t *dst, size_t n);
static inline int tp_read_skip(tp_reader *r, size_t n)
{
    const uint8_t *unused;
    return tp_read_bytes(r, n, &unused);
}
/* Splits the next n bytes off as their own reader. */
int tp_read_sub(tp_reader *r, size_t n, tp_reader *sub);
/* Reads a length prefix of 1, 2 or 3 bytes (big-endian) and the body it announces. */
int tp_read_prefixed_u8(tp_reader *r, tp_reader *sub);
int tp_read_prefixed_u16(tp_reader *r, tp_reader *sub);
int tp_read_prefixed_u24(tp_reader *r, tp_reader *sub);

/* Growable writer. Wiped by default, as s2n's stuffer: every byte it ever held is
 * overwritten when it grows (the old block), is reset or is freed. A buffer that holds
 * only public bytes (a ciphertext recording, a proof) may skip that cost, explicitly:
 * TP_BUF_PUBLIC_INIT or tp_buf_init_public(). */
typedef struct tp_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int nowipe;    /* 1: public contents, freed without wiping */
    int large;     /* 1: past TP_BUF_LARGE_MIN, data moves to its own region (region.h) */
    size_t region; /* bytes of address space reserved at data when it is a region, else 0 */
} tp_buf;

#define TP_BUF_INIT {NULL, 0, 0, 0, 0, 0}
#define TP_BUF_PUBLIC_INIT {NULL, 0, 0, 1, 0, 0}
/* An empty buffer for public bytes only (not wiped). */
void tp_buf_init_public(tp_buf *b);

/* Size past which a buffer made with tp_buf_init_large leaves the heap for a region of
 * huge pages that grows without copying (base/region.h): one page fault per 2 MiB instead
 * of per 4 KiB. Below it, it is an ordinary buffer. */
#define TP_BUF_LARGE_MIN ((size_t)1 << 20)
/* An empty buffer that may grow large (a recording): public_bytes as in
 * tp_buf_init_public, else wiped like any other. cap is still what it holds in memory. */
void tp_buf_init_large(tp_buf *b, int public_bytes);
/* The same for a buffer already in use (its wipe setting kept). */
void tp_buf_set_large(tp_buf *b);

int tp_buf_reserve(tp_buf *b, size_t extra);
int tp_buf_append(tp_buf *b, const void *p, size_t n);
int tp_buf_append_str(tp_buf *b, const char *s);
int tp_buf_put_u8(tp_buf *b, uint8_t v);
int tp_buf_put_u16(tp_buf *b, uint16_t v);
int tp_buf_put_u24(tp_buf *b, uint32_t v);
int tp_buf_put_u32(tp_buf *b, uint32_t v);
/* Room for n more bytes after len (NULL if the buffer cannot grow): the caller writes up
 * to n bytes there (a recv straight into the buffer) and counts them with
 * tp_buf_added. */
uint8_t *tp_buf_space(tp_buf *b, size_t n);
/* Counts n bytes written into the room tp_buf_space gave (n at most what it asked for). */
void tp_buf_added(tp_buf *b, size_t n);
/* Appends a NUL after len without counting it, so data can be used as a C string. */
int tp_buf_terminate(tp_buf *b);
/* Empties the buffer (wiping what it held unless public), keeping the allocation. */
void tp_buf_reset(tp_buf *b);
/* Wipes the whole allocation (unless public) and frees it. */
void tp_buf_free(tp_buf *b);
/* Hands the allocation to the caller (NUL-terminated); *len gets the length. The caller
 * owns wiping it if it is secret. */
uint8_t *tp_buf_detach(tp_buf *b, size_t *len);

#endif
