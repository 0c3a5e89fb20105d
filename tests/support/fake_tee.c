/* Test support: test CAs and TDX/SEV-SNP evidence builders; see fake_tee.h. */
#include "fake_tee.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

EVP_PKEY *fake_ec_key(const char *group)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

X509 *fake_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                time_t not_before, time_t not_after)
{
    static long serial = 1;
    X509 *c = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = c && name && X509_set_version(c, 2) &&
             ASN1_INTEGER_set(X509_get_serialNumber(c), serial++) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                        -1, 0) &&
             X509_set_subject_name(c, name) &&
             X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) &&
             ASN1_TIME_set(X509_getm_notBefore(c), not_before) &&
             ASN1_TIME_set(X509_getm_notAfter(c), not_after) && X509_set_pubkey(c, key) &&
             add_ext(c, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE") &&
             add_ext(c, issuer, NID_key_usage,
                     ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") &&
             X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(c);
        return NULL;
    }
    return c;
}

int fake_pem_append(char **pem, size_t *len, X509 *cert)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    if (b == NULL || !PEM_write_bio_X509(b, cert)) {
        BIO_free(b);
        return 0;
    }
    long n = BIO_get_mem_data(b, &data);
    size_t old = *pem ? *len : 0;
    char *grown = realloc(*pem, old + (size_t)n + 1);
    if (grown != NULL) {
        memcpy(grown + old, data, (size_t)n);
        grown[old + (size_t)n] = '\0';
        *pem = grown;
        *len = old + (size_t)n;
    }
    BIO_free(b);
    return grown != NULL;
}

int fake_ecdsa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t len, uint8_t *r,
                    uint8_t *s, size_t n, int le)
{
    uint8_t der[160];
    size_t der_len = sizeof(der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 &&
             EVP_DigestSign(ctx, der, &der_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    const uint8_t *p = der;
    ECDSA_SIG *sig = ok ? d2i_ECDSA_SIG(NULL, &p, (long)der_len) : NULL;
    if (sig == NULL)
        return 0;
    const BIGNUM *br = ECDSA_SIG_get0_r(sig), *bs = ECDSA_SIG_get0_s(sig);
    ok = le ? BN_bn2lebinpad(br, r, (int)n) > 0 && BN_bn2lebinpad(bs, s, (int)n) > 0
            : BN_bn2binpad(br, r, (int)n) > 0 && BN_bn2binpad(bs, s, (int)n) > 0;
    ECDSA_SIG_free(sig);
    return ok;
}

int fake_ec_point(EVP_PKEY *key, uint8_t *xy, size_t n)
{
    uint8_t pt[1 + 96];
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len) != 1 ||
        len != n + 1 || pt[0] != 0x04)
        return 0;
    memcpy(xy, pt + 1, n);
    return 1;
}

/* --- TDX --- */

int fake_tdx_init(fake_tdx *t)
{
    memset(t, 0, sizeof(*t));
    time_t now = time(NULL);
    t->root_key = fake_ec_key("prime256v1");
    t->pck_key = fake_ec_key("prime256v1");
    t->att_key = fake_ec_key("prime256v1");
    if (!t->root_key || !t->pck_key || !t->att_key)
        return 0;
    t->root = fake_cert("Test SGX Root CA", t->root_key, NULL, NULL, 1, now - 3600, now + 86400);
    t->pck = fake_cert("Test PCK", t->pck_key, t->root, t->root_key, 0, now - 3600, now + 86400);
    return t->root && t->pck && fake_pem_append(&t->root_pem, &t->root_pem_len, t->root);
}

void fake_tdx_free(fake_tdx *t)
{
    EVP_PKEY_free(t->root_key);
    EVP_PKEY_free(t->pck_key);
    EVP_PKEY_free(t->att_key);
    X509_free(t->root);
    X509_free(t->pck);
    free(t->root_pem);
    memset(t, 0, sizeof(*t));
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Certification data type 6 into out (malloc'd). */
static uint8_t *tdx_certdata(const fake_tdx *t, const uint8_t att_xy[64], size_t *len)
{
    char *pem = NULL;
    size_t pem_len = 0;
    if (!fake_pem_append(&pem, &pem_len, t->pck) || !fake_pem_append(&pem, &pem_len, t->root))
        return NULL;
    size_t inner = 384 + 64 + 2 + 32 + 6 + pem_len;
    uint8_t *c = calloc(1, 6 + inner);
    if (c == NULL)
        return NULL;
    put16(c, 6);
    put32(c + 2, (uint32_t)inner);
    uint8_t *qe = c + 6, auth[32], hashin[96];
    memset(qe, 0x5a, 320);
    memset(auth, 0xa5, sizeof(auth));
    memcpy(hashin, att_xy, 64);
    memcpy(hashin + 64, auth, 32);
    EVP_Digest(hashin, sizeof(hashin), qe + 320, NULL, EVP_sha256(), NULL);
    fake_ecdsa_sign(t->pck_key, EVP_sha256(), qe, 384, qe + 384, qe + 416, 32, 0);
    put16(qe + 448, 32);
    memcpy(qe + 450, auth, 32);
    put16(qe + 482, 5);
    put32(qe + 484, (uint32_t)pem_len);
    memcpy(qe + 488, pem, pem_len);
    free(pem);
    *len = 6 + inner;
    return c;
}

uint8_t *fake_tdx_quote(const fake_tdx *t, int version, const uint8_t report_data[64],
                        uint8_t td_attr0, size_t *len)
{
    uint8_t att_xy[64];
    size_t cd_len;
    if (!fake_ec_point(t->att_key, att_xy, 64))
        return NULL;
    uint8_t *cd = tdx_certdata(t, att_xy, &cd_len);
    if (cd == NULL)
        return NULL;
    size_t body_off = version == 5 ? 48 + 6 : 48, signed_len = body_off + 584;
    size_t total = signed_len + 4 + 128 + cd_len;
    uint8_t *q = calloc(1, total);
    if (q != NULL) {
        put16(q, (uint16_t)version);
        put16(q + 2, 2);
        put32(q + 4, 0x81);
        if (version == 5) {
            put16(q + 48, 2);
            put32(q + 50, 584);
        }
        uint8_t *b = q + body_off;
        memset(b + 136, 0x11, 48);   /* MRTD */
        memset(b + 328, 0x22, 48);   /* RTMR0 */
        b[120] = td_attr0;
        memcpy(b + 520, report_data, 64);
        put32(q + signed_len, (uint32_t)(128 + cd_len));
        uint8_t *sig = q + signed_len + 4;
        fake_ecdsa_sign(t->att_key, EVP_sha256(), q, signed_len, sig, sig + 32, 32, 0);
        memcpy(sig + 64, att_xy, 64);
        memcpy(sig + 128, cd, cd_len);
        *len = total;
    }
    free(cd);
    return q;
}

/* --- SEV-SNP --- */

static int add_raw_ext(X509 *c, const char *oid, const uint8_t *der, size_t len)
{
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    int ok = o && os && ASN1_OCTET_STRING_set(os, der, (int)len) &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, o, 0, os)) != NULL &&
             X509_add_ext(c, ext, -1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(o);
    return ok;
}

/* A VCEK with AMD's hwID and bootloader-SPL extensions. */
static X509 *fake_vcek(fake_snp *s, time_t now)
{
    X509 *c = fake_cert("SEV-VCEK", s->vcek_key, s->ask, s->ask_key, 0, now - 3600, now + 86400);
    uint8_t hwid[64];
    static const uint8_t k_bl[] = {0x02, 0x01, 0x03};
    memset(hwid, 0x44, sizeof(hwid));
    if (c == NULL || !add_raw_ext(c, "1.3.6.1.4.1.3704.1.4", hwid, sizeof(hwid)) ||
        !add_raw_ext(c, "1.3.6.1.4.1.3704.1.3.1", k_bl, sizeof(k_bl)) ||
        X509_sign(c, s->ask_key, EVP_sha256()) <= 0) {
        X509_free(c);
        return NULL;
    }
    return c;
}

/* A VLEK: the CSP-id and bootloader-SPL extensions, no hwID, issued by the ASVK. */
static X509 *fake_vlek(fake_snp *s, time_t now)
{
    X509 *c = fake_cert("SEV-VLEK", s->vlek_key, s->asvk, s->asvk_key, 0, now - 3600, now + 86400);
    static const uint8_t k_csp[] = {0x16, 0x07, 'T', 'e', 's', 't', 'C', 'S', 'P'};
    static const uint8_t k_bl[] = {0x02, 0x01, 0x03};
    if (c == NULL || !add_raw_ext(c, "1.3.6.1.4.1.3704.1.5", k_csp, sizeof(k_csp)) ||
        !add_raw_ext(c, "1.3.6.1.4.1.3704.1.3.1", k_bl, sizeof(k_bl)) ||
        X509_sign(c, s->asvk_key, EVP_sha256()) <= 0) {
        X509_free(c);
        return NULL;
    }
    return c;
}

int fake_snp_turin_vcek(fake_snp *s)
{
    time_t now = time(NULL);
    X509 *c = fake_cert("SEV-VCEK", s->vcek_key, s->ask, s->ask_key, 0, now - 3600, now + 86400);
    uint8_t hwid[8];
    static const uint8_t k_bl[] = {0x02, 0x01, 0x03}, k_fmc[] = {0x02, 0x01, 0x01};
    memset(hwid, 0x44, sizeof(hwid));
    if (c == NULL || !add_raw_ext(c, "1.3.6.1.4.1.3704.1.4", hwid, sizeof(hwid)) ||
        !add_raw_ext(c, "1.3.6.1.4.1.3704.1.3.1", k_bl, sizeof(k_bl)) ||
        !add_raw_ext(c, "1.3.6.1.4.1.3704.1.3.9", k_fmc, sizeof(k_fmc)) ||
        X509_sign(c, s->ask_key, EVP_sha256()) <= 0) {
        X509_free(c);
        return 0;
    }
    X509_free(s->vcek);
    s->vcek = c;
    return 1;
}

static int fake_snp_vlek_init(fake_snp *s, time_t now)
{
    s->asvk_key = fake_ec_key("secp384r1");
    s->vlek_key = fake_ec_key("secp384r1");
    if (!s->asvk_key || !s->vlek_key)
        return 0;
    s->asvk = fake_cert("SEV-VLEK-Test", s->asvk_key, s->ark, s->ark_key, 1, now - 3600,
                        now + 86400);
    s->vlek = s->asvk ? fake_vlek(s, now) : NULL;
    return s->vlek != NULL;
}

int fake_snp_init(fake_snp *s)
{
    memset(s, 0, sizeof(*s));
    time_t now = time(NULL);
    s->ark_key = fake_ec_key("secp384r1");
    s->ask_key = fake_ec_key("secp384r1");
    s->vcek_key = fake_ec_key("secp384r1");
    if (!s->ark_key || !s->ask_key || !s->vcek_key)
        return 0;
    s->ark = fake_cert("ARK-Test", s->ark_key, NULL, NULL, 1, now - 3600, now + 86400);
    s->ask = fake_cert("SEV-Test", s->ask_key, s->ark, s->ark_key, 1, now - 3600, now + 86400);
    s->vcek = fake_vcek(s, now);
    s->report_chip_byte = 0x44;
    s->report_bl_spl = 3;
    return s->ark && s->ask && s->vcek && fake_snp_vlek_init(s, now) && fake_pem_append(&s->ark_pem, &s->ark_pem_len, s->ark) &&
           fake_pem_append(&s->ask_pem, &s->ask_pem_len, s->ask);
}

void fake_snp_free(fake_snp *s)
{
    EVP_PKEY_free(s->ark_key);
    EVP_PKEY_free(s->ask_key);
    EVP_PKEY_free(s->vcek_key);
    EVP_PKEY_free(s->asvk_key);
    EVP_PKEY_free(s->vlek_key);
    X509_free(s->asvk);
    X509_free(s->vlek);
    X509_free(s->ark);
    X509_free(s->ask);
    X509_free(s->vcek);
    free(s->ark_pem);
    free(s->ask_pem);
    memset(s, 0, sizeof(*s));
}

static const uint8_t k_vcek_guid[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                        0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t k_ask_guid[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                       0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};

static const uint8_t k_vlek_guid[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                        0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};

/* Table: 3 entries (VCEK or VLEK, ASK or ASVK, zero), then the two DER certificates. */
static int append_table(uint8_t **buf, size_t *len, const fake_snp *s)
{
    uint8_t *vder = NULL, *ader = NULL;
    int vn = i2d_X509(s->use_vlek ? s->vlek : s->vcek, &vder);
    int an = i2d_X509(s->use_vlek ? s->asvk : s->ask, &ader);
    size_t hdr = 3 * 24, add = hdr + (size_t)vn + (size_t)an;
    uint8_t *grown = vn > 0 && an > 0 ? realloc(*buf, *len + add) : NULL;
    if (grown != NULL) {
        uint8_t *t = grown + *len;
        memset(t, 0, hdr);
        memcpy(t, s->use_vlek ? k_vlek_guid : k_vcek_guid, 16);
        put32(t + 16, (uint32_t)hdr);
        put32(t + 20, (uint32_t)vn);
        memcpy(t + 24, k_ask_guid, 16);
        put32(t + 40, (uint32_t)(hdr + (size_t)vn));
        put32(t + 44, (uint32_t)an);
        memcpy(t + hdr, vder, (size_t)vn);
        memcpy(t + hdr + (size_t)vn, ader, (size_t)an);
        *buf = grown;
        *len += add;
    }
    OPENSSL_free(vder);
    OPENSSL_free(ader);
    return grown != NULL;
}

uint8_t *fake_snp_report(const fake_snp *s, const uint8_t report_data[64], uint64_t policy,
                         int with_table, size_t *len)
{
    uint8_t *r = calloc(1, 0x4A0);
    if (r == NULL)
        return NULL;
    put32(r, 2);
    for (int i = 0; i < 8; i++)
        r[8 + i] = (uint8_t)(policy >> (8 * i));
    put32(r + 0x34, 1);
    memcpy(r + 0x50, report_data, 64);
    memset(r + 0x90, 0x33, 48);
    put32(r + 0x48, s->use_vlek ? 1u << 2 : 0); /* SIGNING_KEY */
    r[0x180] = s->report_bl_spl; /* REPORTED_TCB bootloader */
    r[0x1E0] = s->report_bl_spl; /* COMMITTED_TCB bootloader */
    if (!s->use_vlek)
        memset(r + 0x1A0, s->report_chip_byte, 64);
    fake_snp_resign(s, r);
    *len = 0x4A0;
    if (with_table && !append_table(&r, len, s)) {
        free(r);
        return NULL;
    }
    return r;
}

void fake_snp_resign(const fake_snp *s, uint8_t *r)
{
    fake_ecdsa_sign(s->use_vlek ? s->vlek_key : s->vcek_key, EVP_sha384(), r, 0x2A0, r + 0x2A0,
                    r + 0x2A0 + 72, 72, 1);
}

static int crl_revoke(X509_CRL *crl, X509 *cert, time_t when)
{
    X509_REVOKED *rev = X509_REVOKED_new();
    ASN1_TIME *t = ASN1_TIME_set(NULL, when);
    int ok = rev && t && X509_REVOKED_set_serialNumber(rev, X509_get_serialNumber(cert)) &&
             X509_REVOKED_set_revocationDate(rev, t) && X509_CRL_add0_revoked(crl, rev);
    ASN1_TIME_free(t);
    if (!ok)
        X509_REVOKED_free(rev);
    return ok;
}

uint8_t *fake_snp_crl(const fake_snp *s, int revoke_ask, int revoke_asvk, time_t this_update,
                      time_t next_update, size_t *len)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *last = ASN1_TIME_set(NULL, this_update), *next = ASN1_TIME_set(NULL, next_update);
    uint8_t *der = NULL;
    int ok = crl && last && next && X509_CRL_set_version(crl, 1) &&
             X509_CRL_set_issuer_name(crl, X509_get_subject_name(s->ark)) &&
             X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, next) &&
             (!revoke_ask || crl_revoke(crl, s->ask, this_update)) &&
             (!revoke_asvk || crl_revoke(crl, s->asvk, this_update)) && X509_CRL_sort(crl) &&
             X509_CRL_sign(crl, s->ark_key, EVP_sha384()) > 0;
    int n = ok ? i2d_X509_CRL(crl, &der) : -1;
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    X509_CRL_free(crl);
    if (n <= 0)
        return NULL;
    uint8_t *out = malloc((size_t)n);
    if (out != NULL)
        memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    *len = (size_t)n;
    return out;
}
