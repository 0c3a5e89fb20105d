/* Server authentication for the replay: the certificate chain against the trust store at the
 * verification time, the host name against the SNI and the certificate, and the
 * CertificateVerify signature (RFC 8446 §4.4.3), or in TLS 1.2 the ServerKeyExchange
 * signature over client_random || server_random || params (RFC 8422 §5.4). */
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/algs.h"
#include "tls/tls_internal.h"
#include "tls/transcript.h"

typedef struct sigscheme {
    uint16_t id;
    const char *name;
    const EVP_MD *(*md)(void); /* NULL: pure signature (ed25519) */
    const char *key_type;      /* EVP_PKEY_is_a name */
    const char *curve;         /* EC group name, or NULL */
    int pss;
    int tls12_only;            /* RSA PKCS#1 v1.5: not for TLS 1.3 signatures */
} sigscheme;

static const sigscheme k_schemes[] = {
    {0x0403, "ecdsa_secp256r1_sha256", tp_md_sha256, "EC", "prime256v1", 0, 0},
    {0x0503, "ecdsa_secp384r1_sha384", tp_md_sha384, "EC", "secp384r1", 0, 0},
    {0x0804, "rsa_pss_rsae_sha256", tp_md_sha256, "RSA", NULL, 1, 0},
    {0x0805, "rsa_pss_rsae_sha384", tp_md_sha384, "RSA", NULL, 1, 0},
    {0x0806, "rsa_pss_rsae_sha512", tp_md_sha512, "RSA", NULL, 1, 0},
    {0x0807, "ed25519", NULL, "ED25519", NULL, 0, 0},
    {0x0809, "rsa_pss_pss_sha256", tp_md_sha256, "RSA-PSS", NULL, 1, 0},
    {0x080a, "rsa_pss_pss_sha384", tp_md_sha384, "RSA-PSS", NULL, 1, 0},
    {0x080b, "rsa_pss_pss_sha512", tp_md_sha512, "RSA-PSS", NULL, 1, 0},
    {0x0401, "rsa_pkcs1_sha256", tp_md_sha256, "RSA", NULL, 0, 1},
    {0x0501, "rsa_pkcs1_sha384", tp_md_sha384, "RSA", NULL, 0, 1},
    {0x0601, "rsa_pkcs1_sha512", tp_md_sha512, "RSA", NULL, 0, 1},
    {0x0603, "ecdsa_secp521r1_sha512", tp_md_sha512, "EC", "secp521r1", 0, 0},
};
#define N_SCHEMES (sizeof(k_schemes) / sizeof(k_schemes[0]))

int tp_sigscheme_index(uint16_t scheme)
{
    for (size_t i = 0; i < N_SCHEMES; i++)
        if (k_schemes[i].id == scheme)
            return (int)i;
    return -1;
}

const char *tp_sigscheme_name(uint16_t scheme)
{
    int i = tp_sigscheme_index(scheme);
    return i < 0 ? "unknown" : k_schemes[i].name;
}

tp_err tp_cert_verify_chain(STACK_OF(X509) *chain, X509_STORE *trust, time_t when,
                            tp_error *err)
{
    if (!trust)
        return tp_error_set(err, TP_ERR_ARG, "no trust store given");
    if (when == 0)
        when = time(NULL);
    if (tp_chain_cache_hit(chain, trust, when)) /* the same objects, store and window: see chain_cache.c */
        return TP_OK;
    X509 *leaf = sk_X509_value(chain, 0);
    STACK_OF(X509) *untrusted = sk_X509_dup(chain);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    tp_err rc = TP_OK;
    if (!untrusted || !ctx || !X509_STORE_CTX_init(ctx, trust, leaf, untrusted)) {
        rc = tp_error_set(err, TP_ERR_NOMEM, "certificate verification setup failed");
        goto done;
    }
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_STORE_CTX_set_time(ctx, 0, when);
    if (X509_verify_cert(ctx) == 1) {
        tp_chain_cache_put(chain, trust, ctx, when);
    } else {
        int e = X509_STORE_CTX_get_error(ctx);
        char subject[128] = "";
        X509 *bad_cert = X509_STORE_CTX_get_current_cert(ctx);
        if (bad_cert)
            X509_NAME_oneline(X509_get_subject_name(bad_cert), subject, sizeof(subject));
        rc = tp_error_set(err, TP_ERR_TLS_CERT_UNTRUSTED,
                          "server certificate chain: %s (depth %d, %s)",
                          X509_verify_cert_error_string(e), X509_STORE_CTX_get_error_depth(ctx),
                          subject);
    }
done:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    return rc;
}

static int is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

tp_err tp_cert_check_host(X509 *leaf, const char *host, const tp_client_hello *ch,
                          int check_cert_name, tp_error *err)
{
    if (!host || !*host)
        return tp_error_set(err, TP_ERR_ARG, "no expected host given");
    if (is_ip_literal(host)) {
        if (ch->has_sni)
            return tp_error_set(err, TP_ERR_TLS_HOSTNAME,
                                "expected host %s is an IP address but the ClientHello sent "
                                "SNI \"%.64s\"",
                                host, ch->sni);
        if (check_cert_name && X509_check_ip_asc(leaf, host, 0) != 1)
            return tp_error_set(err, TP_ERR_TLS_HOSTNAME,
                                "certificate is not valid for IP address %s", host);
        return TP_OK;
    }
    if (!ch->has_sni)
        return tp_error_set(err, TP_ERR_TLS_HOSTNAME,
                            "ClientHello sent no SNI but the expected host is %.128s", host);
    if (strcasecmp(ch->sni, host) != 0)
        return tp_error_set(err, TP_ERR_TLS_HOSTNAME,
                            "SNI \"%.100s\" differs from the expected host \"%.100s\"", ch->sni,
                            host);
    /* subjectAltName only, as browsers do (CA/B Forum BR 7.1.4.2.2): a certificate without
     * a DNS SAN is never matched through its subject CN. */
    if (check_cert_name && X509_check_host(leaf, host, strlen(host), TP_HOST_CHECK_FLAGS, NULL) != 1)
        return tp_error_set(err, TP_ERR_TLS_HOSTNAME, "certificate is not valid for %.200s",
                            host);
    return TP_OK;
}

static int key_fits(EVP_PKEY *pk, const sigscheme *s)
{
    if (!EVP_PKEY_is_a(pk, s->key_type))
        return 0;
    if (s->curve) {
        char name[64];
        size_t n = 0;
        if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                            &n))
            return 0;
        return strcmp(name, s->curve) == 0;
    }
    return 1;
}

/* 64 spaces || "TLS 1.3, server CertificateVerify" || 0x00 || transcript hash */
static size_t build_content(uint8_t *out, const uint8_t *th, size_t th_len)
{
    static const char ctx[] = "TLS 1.3, server CertificateVerify";
    memset(out, 0x20, 64);
    memcpy(out + 64, ctx, sizeof(ctx)); /* includes the 0x00 separator */
    memcpy(out + 64 + sizeof(ctx), th, th_len);
    return 64 + sizeof(ctx) + th_len;
}

static tp_err verify_content(EVP_PKEY *pk, const sigscheme *s, tp_reader sig,
                             const uint8_t *content, size_t n, const char *what, tp_error *err)
{
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    int ok = mc && EVP_DigestVerifyInit_ex(mc, &pc, s->md ? EVP_MD_get0_name(s->md()) : NULL,
                                           NULL, NULL, pk, NULL) == 1;
    if (ok && s->pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) > 0 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pc, s->md()) > 0;
    else if (ok && EVP_PKEY_is_a(pk, "RSA"))
        ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0;
    ok = ok && EVP_DigestVerify(mc, tp_reader_data(&sig), tp_reader_left(&sig), content, n) == 1;
    EVP_MD_CTX_free(mc);
    if (!ok)
        return tp_error_set(err, TP_ERR_TLS_CERT_VERIFY, "%s: %s signature invalid", what,
                            s->name);
    return TP_OK;
}

/* The scheme's entry if supported and offered; what names the message for errors. */
static tp_err offered_scheme(uint16_t scheme, uint32_t offered, const char *what,
                             const sigscheme **out, tp_error *err)
{
    int i = tp_sigscheme_index(scheme);
    if (i < 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "%s: signature scheme 0x%04x not "
                            "supported", what, scheme);
    if (!(offered & (1u << i)))
        return tp_error_set(err, TP_ERR_TLS_CERT_VERIFY,
                            "%s: %s was not offered in signature_algorithms", what,
                            k_schemes[i].name);
    *out = &k_schemes[i];
    return TP_OK;
}

tp_err tp_cert_verify_signature(X509 *leaf, uint16_t scheme, uint32_t offered,
                                tp_reader sig, const uint8_t *th, size_t th_len, tp_error *err)
{
    const sigscheme *s;
    tp_err rc = offered_scheme(scheme, offered, "CertificateVerify", &s, err);
    if (rc != TP_OK)
        return rc;
    if (s->tls12_only)
        return tp_error_set(err, TP_ERR_TLS_CERT_VERIFY,
                            "CertificateVerify: %s is not allowed in TLS 1.3", s->name);
    EVP_PKEY *pk = X509_get0_pubkey(leaf);
    if (!pk || !key_fits(pk, s))
        return tp_error_set(err, TP_ERR_TLS_CERT_VERIFY,
                            "CertificateVerify: %s does not fit the certificate's key", s->name);
    uint8_t content[64 + 34 + TP_TLS_MAX_HASH];
    size_t n = build_content(content, th, th_len);
    return verify_content(pk, s, sig, content, n, "CertificateVerify", err);
}

tp_err tp_cert_verify_ske(X509 *leaf, uint16_t scheme, uint32_t offered, const char *auth,
                          tp_reader sig, const uint8_t *client_random,
                          const uint8_t *server_random, const uint8_t *params, size_t params_len,
                          tp_error *err)
{
    static const char what[] = "ServerKeyExchange";
    const sigscheme *s;
    tp_err rc = offered_scheme(scheme, offered, what, &s, err);
    if (rc != TP_OK)
        return rc;
    EVP_PKEY *pk = X509_get0_pubkey(leaf);
    int is_ec = pk && EVP_PKEY_is_a(pk, "EC");
    int is_rsa = pk && (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS"));
    if (strcmp(auth, "ECDSA") == 0 ? !is_ec : !is_rsa)
        return tp_error_set(err, TP_ERR_TLS_CERT_VERIFY,
                            "%s: the suite needs an %s certificate key", what, auth);
    /* TLS 1.2 does not bind ECDSA schemes to a curve (RFC 8422 §5.1.3) */
    if (!EVP_PKEY_is_a(pk, s->key_type))
        return tp_error_set(err, TP_ERR_TLS_CERT_VERIFY,
                            "%s: %s does not fit the certificate's key", what, s->name);
    if (params_len > TP_TLS_MAX_HS_MSG)
        return tp_error_set(err, TP_ERR_LIMIT, "%s: parameters too long", what);
    tp_buf content = TP_BUF_PUBLIC_INIT;
    if (!tp_buf_append(&content, client_random, 32) || !tp_buf_append(&content, server_random, 32) ||
        !tp_buf_append(&content, params, params_len)) {
        tp_buf_free(&content);
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    }
    rc = verify_content(pk, s, sig, content.data, content.len, what, err);
    tp_buf_free(&content);
    return rc;
}
