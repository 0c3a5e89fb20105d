/* Test support: fake Nitro CA, documents and NSM transport; see fake_nitro.h. */
#include "fake_nitro.h"

#include <cbor.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "attest/cose.h"

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                             ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_EXTENSION *ku = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                                             ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    X509_add_ext(x, bc, -1);
    X509_add_ext(x, ku, -1);
    X509_EXTENSION_free(bc);
    X509_EXTENSION_free(ku);
    if (!X509_sign(x, issuer_key, EVP_sha384())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int tp_fake_nitro_init(tp_fake_nitro *f)
{
    memset(f, 0, sizeof(*f));
    f->root_key = EVP_EC_gen("P-384");
    f->leaf_key = EVP_EC_gen("P-384");
    if (f->root_key == NULL || f->leaf_key == NULL)
        return 0;
    f->root = make_cert(f->root_key, "teeproof test nitro root", NULL, f->root_key, 1);
    f->leaf = f->root != NULL ? make_cert(f->leaf_key, "teeproof test enclave", f->root, f->root_key, 0) : NULL;
    for (size_t i = 0; i < sizeof(f->pcr0); i++)
        f->pcr0[i] = (uint8_t)(0xa0 + i);
    return f->leaf != NULL;
}

void tp_fake_nitro_free(tp_fake_nitro *f)
{
    X509_free(f->root);
    X509_free(f->leaf);
    EVP_PKEY_free(f->root_key);
    EVP_PKEY_free(f->leaf_key);
    memset(f, 0, sizeof(*f));
}

int tp_fake_nitro_write_root(const tp_fake_nitro *f, char path[TP_FAKE_NITRO_PATH])
{
    snprintf(path, TP_FAKE_NITRO_PATH, "/tmp/tp-nitro-root-XXXXXX");
    int fd = mkstemp(path);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int ok = PEM_write_X509(out, f->root) == 1;
    return fclose(out) == 0 && ok;
}

static cbor_item_t *der_item(X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    cbor_item_t *it = n > 0 ? cbor_build_bytestring(der, (size_t)n) : NULL;
    OPENSSL_free(der);
    return it;
}

static void add(cbor_item_t *map, const char *key, cbor_item_t *value)
{
    cbor_map_add(map, (struct cbor_pair){.key = cbor_move(cbor_build_string(key)), .value = cbor_move(value)});
}

static cbor_item_t *payload_item(const tp_fake_nitro *f, const uint8_t *user_data)
{
    cbor_item_t *m = cbor_new_definite_map(9), *pcrs = cbor_new_definite_map(3), *ca = cbor_new_definite_array(1);
    static const uint8_t zero[48];
    for (uint8_t i = 0; i < 3; i++)
        cbor_map_add(pcrs, (struct cbor_pair){.key = cbor_move(cbor_build_uint8(i)),
                                              .value = cbor_move(cbor_build_bytestring(i == 0 ? f->pcr0 : zero, 48))});
    cbor_array_push(ca, cbor_move(der_item(f->root)));
    add(m, "module_id", cbor_build_string("i-0123456789abcdef0-enc0123456789abcdef"));
    add(m, "digest", cbor_build_string("SHA384"));
    add(m, "timestamp", cbor_build_uint64((uint64_t)time(NULL) * 1000));
    add(m, "pcrs", pcrs);
    add(m, "certificate", der_item(f->leaf));
    add(m, "cabundle", ca);
    add(m, "public_key", cbor_new_null());
    add(m, "user_data", user_data != NULL ? cbor_build_bytestring(user_data, 64) : cbor_new_null());
    add(m, "nonce", cbor_new_null());
    return m;
}

/* ES384 over the Sig_structure, returned as raw r || s. */
static int sign_raw(EVP_PKEY *key, const tp_buf *tbs, uint8_t rs[96])
{
    unsigned char der[160];
    size_t der_len = sizeof(der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) == 1 &&
             EVP_DigestSign(md, der, &der_len, tbs->data, tbs->len) == 1;
    EVP_MD_CTX_free(md);
    const unsigned char *q = der;
    ECDSA_SIG *sig = ok ? d2i_ECDSA_SIG(NULL, &q, (long)der_len) : NULL;
    ok = sig != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 48) == 48 &&
         BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 48, 48) == 48;
    ECDSA_SIG_free(sig);
    return ok;
}

int tp_fake_nitro_document(const tp_fake_nitro *f, const uint8_t *user_data, uint8_t **out, size_t *len)
{
    static const uint8_t prot[] = {0xa1, 0x01, 0x38, 0x22};
    cbor_item_t *payload = payload_item(f, user_data);
    unsigned char *pl = NULL, *doc = NULL;
    size_t pl_cap = 0, doc_cap = 0;
    size_t pl_len = cbor_serialize_alloc(payload, &pl, &pl_cap);
    cbor_decref(&payload);
    tp_buf tbs = TP_BUF_INIT;
    uint8_t rs[96];
    int ok = pl_len > 0 && tp_cose_sig_structure(prot, sizeof(prot), pl, pl_len, &tbs) &&
             sign_raw(f->leaf_key, &tbs, rs);
    tp_buf_free(&tbs);
    if (ok) {
        cbor_item_t *arr = cbor_new_definite_array(4);
        cbor_array_push(arr, cbor_move(cbor_build_bytestring(prot, sizeof(prot))));
        cbor_array_push(arr, cbor_move(cbor_new_definite_map(0)));
        cbor_array_push(arr, cbor_move(cbor_build_bytestring(pl, pl_len)));
        cbor_array_push(arr, cbor_move(cbor_build_bytestring(rs, sizeof(rs))));
        *len = cbor_serialize_alloc(arr, &doc, &doc_cap);
        cbor_decref(&arr);
        ok = *len > 0;
        *out = doc;
    }
    free(pl);
    return ok;
}

static const cbor_item_t *map_get(const cbor_item_t *map, const char *key)
{
    return tp_cbor_map_get(map, key);
}

static size_t answer(cbor_item_t *resp, uint8_t *out, size_t cap)
{
    size_t n = cbor_serialize(resp, out, cap);
    cbor_decref(&resp);
    return n;
}

tp_err tp_fake_nsm_call(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                        size_t *resp_len, tp_error *err)
{
    tp_fake_nitro *f = ctx;
    f->calls++;
    struct cbor_load_result res;
    cbor_item_t *r = cbor_load(req, req_len, &res);
    const uint8_t *ud = NULL;
    size_t ud_len = 0;
    int ok = r != NULL && tp_cbor_bstr(map_get(map_get(r, "Attestation"), "user_data"), &ud, &ud_len) &&
             ud_len == 64 && cbor_is_null(map_get(map_get(r, "Attestation"), "nonce"));
    uint8_t user_data[64];
    if (ok)
        memcpy(user_data, ud, 64);
    if (r != NULL)
        cbor_decref(&r);
    if (!ok)
        return tp_error_set(err, TP_ERR_PLATFORM, "fake NSM: bad request");
    cbor_item_t *m = cbor_new_definite_map(1);
    if (f->answer_error) {
        add(m, "Error", cbor_build_string("InvalidArgument"));
        *resp_len = answer(m, resp, cap);
        return TP_OK;
    }
    if (f->swap_user_data)
        user_data[0] ^= 0xff;
    uint8_t *doc = NULL;
    size_t doc_len = 0;
    if (!tp_fake_nitro_document(f, user_data, &doc, &doc_len)) {
        cbor_decref(&m);
        return tp_error_set(err, TP_ERR_CRYPTO, "fake NSM: cannot sign");
    }
    cbor_item_t *att = cbor_new_definite_map(1);
    add(att, "document", cbor_build_bytestring(doc, doc_len));
    free(doc);
    add(m, "Attestation", att);
    *resp_len = answer(m, resp, cap);
    return *resp_len > 0 ? TP_OK : tp_error_set(err, TP_ERR_LIMIT, "fake NSM: response too large");
}
