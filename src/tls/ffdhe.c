/* Finite-field DHE for the TLS 1.3 replay (RFC 7919 groups ffdhe2048/3072/4096): the revealed
 * exponent x must give the ClientHello share g^x mod p (left-padded to the prime's length,
 * RFC 8446 §4.2.8.1), the server's share Y must satisfy 1 < Y < p-1 and lie in the prime-order
 * subgroup (Y^q = 1, q = (p-1)/2), and the shared secret Y^x mod p is left-padded with zeros to
 * the prime's length (RFC 8446 §7.4.1). The primes come from OpenSSL's named groups. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tls/tls_internal.h"

#define FFDHE_GENERATOR 2 /* RFC 7919 appendix A: g = 2 for every group */

/* The prime p of a named group ("ffdhe2048"), or NULL. */
static BIGNUM *group_prime(const char *name)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY *pk = NULL;
    BIGNUM *p = NULL;
    if (pc && EVP_PKEY_fromdata_init(pc) > 0 &&
        EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_KEY_PARAMETERS, params) > 0)
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_P, &p);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(pc);
    return p;
}

/* 1 when 1 < v < p-1 (pm1 = p-1). */
static int in_range(const BIGNUM *v, const BIGNUM *pm1)
{
    return !BN_is_zero(v) && !BN_is_one(v) && BN_cmp(v, pm1) < 0;
}

typedef struct dh_nums {
    BIGNUM *p, *pm1, *q, *x, *y, *t;
    BN_CTX *bc;
    BN_MONT_CTX *mont;
} dh_nums;

static void nums_free(dh_nums *n)
{
    BN_free(n->p);
    BN_free(n->pm1);
    BN_free(n->q);
    BN_clear_free(n->x);
    BN_free(n->y);
    BN_clear_free(n->t);
    BN_MONT_CTX_free(n->mont);
    BN_CTX_free(n->bc);
}

static int nums_init(dh_nums *n, const char *name, const uint8_t *priv, size_t priv_len)
{
    n->p = group_prime(name);
    n->pm1 = BN_new();
    n->q = BN_new();
    n->x = BN_bin2bn(priv, (int)priv_len, NULL);
    n->y = BN_new();
    n->t = BN_new();
    n->bc = BN_CTX_new();
    n->mont = BN_MONT_CTX_new();
    if (!n->p || !n->pm1 || !n->q || !n->x || !n->y || !n->t || !n->bc || !n->mont)
        return 0;
    BN_set_flags(n->x, BN_FLG_CONSTTIME);
    return BN_sub(n->pm1, n->p, BN_value_one()) && BN_rshift1(n->q, n->pm1) &&
           BN_MONT_CTX_set(n->mont, n->p, n->bc);
}

/* Checks g^x mod p against the client's share. */
static tp_err check_client_share(dh_nums *n, const char *name, size_t plen, const uint8_t *cs,
                                 tp_error *err)
{
    uint8_t enc[TP_TLS_MAX_SECRET];
    if (!in_range(n->x, n->pm1))
        return tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH, "revealed %s exponent is out of range",
                            name);
    if (!BN_set_word(n->t, FFDHE_GENERATOR) ||
        !BN_mod_exp_mont_consttime(n->y, n->t, n->x, n->p, n->bc, n->mont) ||
        BN_bn2binpad(n->y, enc, (int)plen) != (int)plen)
        return tp_error_set(err, TP_ERR_CRYPTO, "%s: public key computation failed", name);
    if (CRYPTO_memcmp(enc, cs, plen) != 0)
        return tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                            "revealed %s key does not match the client's key share", name);
    return TP_OK;
}

tp_err tp_ffdhe_shared(const char *name, size_t plen, const uint8_t *priv, size_t priv_len,
                       const uint8_t *cs, size_t cs_len, const uint8_t *ss, size_t ss_len,
                       uint8_t out[TP_TLS_MAX_SECRET], tp_error *err)
{
    if (plen > TP_TLS_MAX_SECRET || cs_len != plen || ss_len != plen)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "%s key share must be %zu bytes (left-padded to the prime)", name,
                            plen);
    dh_nums n = {0};
    tp_err rc = TP_OK;
    if (!nums_init(&n, name, priv, priv_len) || (size_t)BN_num_bytes(n.p) != plen) {
        rc = tp_error_set(err, TP_ERR_CRYPTO, "%s: cannot load the group", name);
        goto done;
    }
    if ((rc = check_client_share(&n, name, plen, cs, err)) != TP_OK)
        goto done;
    if (!BN_bin2bn(ss, (int)ss_len, n.y) || !in_range(n.y, n.pm1) ||
        !BN_mod_exp_mont(n.t, n.y, n.q, n.p, n.bc, n.mont) || !BN_is_one(n.t)) {
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                          "%s: server key share is not in the group (1 < Y < p-1, Y^q = 1)", name);
        goto done;
    }
    if (!BN_mod_exp_mont_consttime(n.t, n.y, n.x, n.p, n.bc, n.mont) ||
        BN_bn2binpad(n.t, out, (int)plen) != (int)plen)
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s: shared secret failed", name);
done:
    nums_free(&n);
    return rc;
}
