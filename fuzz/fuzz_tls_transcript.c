/* libFuzzer target: the TLS 1.3 transcript verifier on arbitrary streams and key.
 * Input: flags(1) || private key(32) || client_len(2, big-endian) || client || server.
 * flags bit 0 selects secp256r1 instead of x25519; bit 1 sets an IP-literal host. */
#include <openssl/pem.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tls/transcript.h"

/* The root the seed corpus's server certificates chain to (valid 2026-2036), so seeds reach
 * CertificateVerify, Finished and the application data. */
static const char k_root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBizCCATGgAwIBAgIUJlw/inzojdGULRKSfWcj7rffbBgwCgYIKoZIzj0EAwIw\n"
    "GzEZMBcGA1UEAwwQdGVlcHJvb2YtZnV6ei1jYTAeFw0yNjExMjYwMDIxNDZaFw0z\n"
    "NjExMjMwMDIxNDZaMBsxGTAXBgNVBAMMEHRlZXByb29mLWZ1enotY2EwWTATBgcq\n"
    "hkjOPQIBBggqhkjOPQMBBwNCAASioj7u6mPbgMq5xjsEvOw3nt4rbu2yNAQ7I4Rg\n"
    "pqDLhaZZMQYhclBeYKM86YCG/K2JweD6/D38ycAARxU3Gqddo1MwUTAdBgNVHQ4E\n"
    "FgQUxOkJZLK7KEaYJwuxCSBfMeCABlwwHwYDVR0jBBgwFoAUxOkJZLK7KEaYJwux\n"
    "CSBfMeCABlwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA7CCF\n"
    "6hMJACfDU0l6AK+q+BASSUn6CT4NTMMvmCcSrEoCICJinEsnKHuRDu8w/Y4F8Mbp\n"
    "j0pt14P64geILGMkToND\n"
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
    if (size < 35)
        return 0;
    uint8_t flags = data[0];
    size_t clen = (size_t)data[33] << 8 | data[34];
    size_t rest = size - 35;
    if (clen > rest)
        clen = rest;
    tp_tls_verify_input in = {
        .client_bytes = data + 35,
        .client_len = clen,
        .server_bytes = data + 35 + clen,
        .server_len = rest - clen,
        .group = (flags & 1) ? TP_TLS_GROUP_SECP256R1 : TP_TLS_GROUP_X25519,
        .private_key = data + 1,
        .private_key_len = 32,
        .trust = store(),
        .expected_host = (flags & 2) ? "127.0.0.1" : "example.test",
        .verify_time = 0,
    };
    tp_tls_verify_result res;
    tp_error err;
    tp_tls_verify_transcript(&in, &res, &err);
    tp_tls_verify_result_free(&res);
    return 0;
}
