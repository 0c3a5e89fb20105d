/* libFuzzer target: the transcript verifier on TLS 1.2 sessions (the seeds negotiate 1.2, so
 * mutations exercise the 1.2 replay: ServerHello, ServerKeyExchange, ClientKeyExchange, the
 * PRF, Finished and AEAD records; a mutated ServerHello may also land in the 1.3 path).
 * Input: group(1: 0 x25519, 1 secp256r1, 2 secp384r1, mod 3) || private key(48; x25519 and
 * secp256r1 use the first 32) || client_len(2, big-endian) || client || server.
 * Seeds: tests/unit/test_tls12.c (fuzz_seeds) with TP_FUZZ_SEED_DIR set; the session13_hrr_*
 * seeds, TLS 1.3 sessions with a HelloRetryRequest (to P-256, P-384), from
 * tests/unit/test_tls_hrr.c (fuzz_seeds), so mutations reach the HRR replay too. */
#include <openssl/pem.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/transcript.h"

#define HEAD_LEN (1 + 48 + 2)

/* tests/data/fuzz-tls12/root.pem, the root the seeds' server certificate chains to. */
static const char k_root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBpzCCAU2gAwIBAgIURUBVZ4q8of1voLUKIFS+xOCgZQ4wCgYIKoZIzj0EAwIw\n"
    "ITEfMB0GA1UEAwwWdGVlcHJvb2YtZnV6ei10bHMxMi1jYTAeFw0yNjEyMDEwNDMy\n"
    "NDFaFw0zNjExMjgwNDMyNDFaMCExHzAdBgNVBAMMFnRlZXByb29mLWZ1enotdGxz\n"
    "MTItY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARjKeqHaU214oKCBaTk/wrS\n"
    "3ojH9IyH9kE8Iogqzq6yXryCtcRwQ8jLQbCGNDn31FJVlQ18wq6BfgxW5DNEvtuU\n"
    "o2MwYTAdBgNVHQ4EFgQUchb/BSvLcyXdqC7K732U/IVX39swHwYDVR0jBBgwFoAU\n"
    "chb/BSvLcyXdqC7K732U/IVX39swDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E\n"
    "BAMCAQYwCgYIKoZIzj0EAwIDSAAwRQIgAWJ/cMJbvtoxMIMIsW+d+U4jbl3XJe/C\n"
    "+fc14S9deiACIQDZ8Zk5CLMM7u3MrLgEi+cTfrssS87a5873Ygr6IPRonQ==\n"
    "-----END CERTIFICATE-----\n";

static X509_STORE *store(void)
{
    static X509_STORE *st;
    if (!st) {
        st = X509_STORE_new();
        BIO *b = BIO_new_mem_buf(k_root_pem, -1);
        X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        if (st && x)
            X509_STORE_add_cert(st, x);
        X509_free(x);
        BIO_free(b);
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t groups[3] = {TP_TLS_GROUP_X25519, TP_TLS_GROUP_SECP256R1,
                                       TP_TLS_GROUP_SECP384R1};
    if (size < HEAD_LEN)
        return 0;
    unsigned sel = data[0] % 3;
    size_t clen = (size_t)data[49] << 8 | data[50];
    size_t rest = size - HEAD_LEN;
    if (clen > rest)
        clen = rest;
    tp_tls_verify_input in = {
        .client_bytes = data + HEAD_LEN,
        .client_len = clen,
        .server_bytes = data + HEAD_LEN + clen,
        .server_len = rest - clen,
        .group = groups[sel],
        .private_key = data + 1,
        .private_key_len = sel == 2 ? 48 : 32,
        .trust = store(),
        .expected_host = "example.test",
        .verify_time = 0,
    };
    tp_tls_verify_result res;
    tp_error err;
    tp_tls_verify_transcript(&in, &res, &err);
    tp_tls_verify_result_free(&res);
    return 0;
}
