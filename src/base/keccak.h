/* Keccak-256 as Ethereum uses it (the original Keccak padding 0x01, not SHA3-256's 0x06):
 * addresses, EIP-191 message hashes and the claims hash a contract sees. OpenSSL 3.0 has
 * no such digest ("KECCAK-256" arrived in 3.2), so this is our own keccak-f[1600]. */
#ifndef TP_BASE_KECCAK_H
#define TP_BASE_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define TP_KECCAK256_LEN 32
/* Bytes absorbed per permutation for a 256-bit output: (1600 - 2*256) / 8. */
#define TP_KECCAK256_RATE 136

typedef struct tp_keccak256_ctx {
    uint64_t state[25];
    uint8_t block[TP_KECCAK256_RATE];
    size_t used;               /* bytes of block filled */
} tp_keccak256_ctx;

void tp_keccak256_init(tp_keccak256_ctx *c);
void tp_keccak256_update(tp_keccak256_ctx *c, const void *p, size_t n);
/* Writes the digest and wipes the context. */
void tp_keccak256_final(tp_keccak256_ctx *c, uint8_t out[TP_KECCAK256_LEN]);
/* One-shot Keccak-256 of p[0..n). */
void tp_keccak256(const void *p, size_t n, uint8_t out[TP_KECCAK256_LEN]);

#endif
