/* Keccak-256 (keccak-f[1600], rate 136, Keccak padding); see keccak.h. Written from the
 * Keccak reference specification (FIPS 202 section 3 for the step mappings). */
#include "base/keccak.h"

#include <openssl/crypto.h>
#include <string.h>

#define KECCAK_ROUNDS 24

static const uint64_t k_round_constants[KECCAK_ROUNDS] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rho and pi as one walk over the 24 lanes other than (0,0): lane (x,y) moves to
 * (y, 2x+3y mod 5) rotated by its rho offset. k_pi_next[i] is where the i-th lane of the
 * walk (starting at lane 1 = (1,0)) goes, k_rho_walk[i] its offset ((i+1)(i+2)/2 mod 64).
 * Lanes are indexed x + 5y. */
static const uint8_t k_pi_next[24] = {
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};
static const uint8_t k_rho_walk[24] = {
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};

static inline uint64_t rotl(uint64_t v, unsigned n)
{
    return (v << n) | (v >> (64 - n)); /* n is 1..63 here */
}

/* Loops over fixed bounds, unrolled so that every index and rotation is a constant (the
 * tables fold away): the rolled form cost ~3 us per permutation, 1% of a notary's proof. */
static void keccak_f1600(uint64_t a[25])
{
    for (int round = 0; round < KECCAK_ROUNDS; round++) {
        uint64_t c[5], d[5], t;
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++) /* theta */
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
#pragma GCC unroll 25
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        t = a[1]; /* rho and pi */
#pragma GCC unroll 24
        for (int i = 0; i < 24; i++) {
            uint64_t next = a[k_pi_next[i]];
            a[k_pi_next[i]] = rotl(t, k_rho_walk[i]);
            t = next;
        }
#pragma GCC unroll 5
        for (int y = 0; y < 25; y += 5) { /* chi */
#pragma GCC unroll 5
            for (int x = 0; x < 5; x++)
                c[x] = a[y + x];
#pragma GCC unroll 5
            for (int x = 0; x < 5; x++)
                a[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
        }
        a[0] ^= k_round_constants[round]; /* iota */
    }
}

/* XORs one full block into the state (lanes are little-endian) and permutes. */
static void absorb_block(uint64_t state[25], const uint8_t *block)
{
    for (size_t i = 0; i < TP_KECCAK256_RATE / 8; i++) {
        uint64_t lane = 0;
        for (int j = 7; j >= 0; j--)
            lane = (lane << 8) | block[8 * i + (size_t)j];
        state[i] ^= lane;
    }
    keccak_f1600(state);
}

void tp_keccak256_init(tp_keccak256_ctx *c)
{
    memset(c, 0, sizeof(*c));
}

void tp_keccak256_update(tp_keccak256_ctx *c, const void *p, size_t n)
{
    const uint8_t *in = p;
    while (n > 0) {
        size_t take = TP_KECCAK256_RATE - c->used;
        if (take > n)
            take = n;
        memcpy(c->block + c->used, in, take);
        c->used += take;
        in += take;
        n -= take;
        if (c->used == TP_KECCAK256_RATE) {
            absorb_block(c->state, c->block);
            c->used = 0;
        }
    }
}

void tp_keccak256_final(tp_keccak256_ctx *c, uint8_t out[TP_KECCAK256_LEN])
{
    /* Keccak padding pad10*1 with the domain byte 0x01 (SHA-3 would use 0x06). */
    memset(c->block + c->used, 0, TP_KECCAK256_RATE - c->used);
    c->block[c->used] ^= 0x01;
    c->block[TP_KECCAK256_RATE - 1] ^= 0x80;
    absorb_block(c->state, c->block);
    for (size_t i = 0; i < TP_KECCAK256_LEN; i++)
        out[i] = (uint8_t)(c->state[i / 8] >> (8 * (i % 8)));
    OPENSSL_cleanse(c, sizeof(*c));
}

void tp_keccak256(const void *p, size_t n, uint8_t out[TP_KECCAK256_LEN])
{
    tp_keccak256_ctx c;
    tp_keccak256_init(&c);
    tp_keccak256_update(&c, p, n);
    tp_keccak256_final(&c, out);
}
