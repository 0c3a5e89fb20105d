/* libFuzzer: Confidential Space tokens through the strict JWT parser, the eat_nonce binding
 * decoder and the verifier (against a JWKS made at start-up with kid "fuzz"). */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "attest/gcpcs.h"
#include "attest/jwt.h"
#include "base/codec.h"

static char g_jwks[64];

static char *bn_b64(EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    uint8_t buf[512];
    tp_buf b = TP_BUF_INIT;
    size_t len;
    EVP_PKEY_get_bn_param(key, name, &bn);
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    tp_base64_encode(buf, (size_t)n, 1, &b);
    tp_buf_terminate(&b);
    return (char *)tp_buf_detach(&b, &len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(g_jwks, sizeof(g_jwks), "/tmp/tp-fuzz-jwks-%d.json", (int)getpid());
    EVP_PKEY *key = EVP_RSA_gen(2048);
    char *n = bn_b64(key, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64(key, OSSL_PKEY_PARAM_RSA_E);
    FILE *f = fopen(g_jwks, "w");
    if (f != NULL) {
        fprintf(f, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"fuzz\",\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\"}]}", n, e);
        fclose(f);
    }
    free(n);
    free(e);
    EVP_PKEY_free(key);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err;
    tp_jwt jwt;
    if (tp_jwt_parse(data, size, &jwt, &err) == TP_OK) {
        uint8_t rd[64];
        size_t len;
        tp_gcpcs_report_data(jwt.claims, rd, &len, &err);
        tp_gcpcs_aud_matches(jwt.claims, "teeproof");
        tp_jwt_free(&jwt);
    }
    tp_verify_opts opts = {.at = 1750000000, .jwks_file = g_jwks};
    tp_evidence_facts facts;
    if (tp_platform_gcp_cs.verify(data, size, &opts, &facts, &err) == TP_OK)
        json_decref(facts.details);
    return 0;
}
