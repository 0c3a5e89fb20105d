/* (EC)DHE for the replay: the revealed private key must reproduce the ClientHello key share
 * (else TP_ERR_TLS_KEY_MISMATCH), then the shared secret is computed with the ServerHello
 * share. X25519 (RFC 7748), secp256r1 and secp384r1 (uncompressed points, x-coordinate
 * secret). TLS 1.2 uses the same check with the ClientKeyExchange and ServerKeyExchange
 * points. */
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

const char *tp_tls_group_name(uint16_t group)
{
    switch (group) {
    case TP_TLS_GROUP_X25519: return "x25519";
    case TP_TLS_GROUP_SECP256R1: return "secp256r1";
    case TP_TLS_GROUP_SECP384R1: return "secp384r1";
    default: return NULL;
    }
}

static tp_err x25519_shared(const uint8_t *priv, const uint8_t *cs, size_t cs_len,
                            const uint8_t *ss, size_t ss_len, uint8_t out[32], tp_error *err)
{
    if (cs_len != 32 || ss_len != 32)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "x25519 key share must be 32 bytes");
    tp_err rc = TP_OK;
    EVP_PKEY *me = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
    EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, ss, 32);
    EVP_PKEY_CTX *dc = NULL;
    uint8_t pub[32];
    size_t pub_len = sizeof(pub), out_len = 32;
    if (!me || !peer || !EVP_PKEY_get_raw_public_key(me, pub, &pub_len) || pub_len != 32) {
        rc = tp_error_set(err, TP_ERR_CRYPTO, "x25519: cannot load keys");
        goto done;
    }
    if (CRYPTO_memcmp(pub, cs, 32) != 0) {
        rc = tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                          "revealed x25519 key does not match the client's key share");
        goto done;
    }
    dc = EVP_PKEY_CTX_new(me, NULL);
    if (!dc || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer(dc, peer) <= 0 ||
        EVP_PKEY_derive(dc, out, &out_len) <= 0 || out_len != 32)
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                          "x25519: shared secret failed (invalid server share)");
done:
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(me);
    EVP_PKEY_free(peer);
    return rc;
}

typedef struct nist_curve {
    uint16_t group;
    int nid;
    size_t len; /* scalar and coordinate bytes */
} nist_curve;

static const nist_curve k_nist[] = {
    {TP_TLS_GROUP_SECP256R1, NID_X9_62_prime256v1, 32},
    {TP_TLS_GROUP_SECP384R1, NID_secp384r1, 48},
};

static tp_err nist_shared(const nist_curve *cv, const uint8_t *priv, const uint8_t *cs,
                          size_t cs_len, const uint8_t *ss, size_t ss_len, uint8_t *out,
                          tp_error *err)
{
    const char *name = tp_tls_group_name(cv->group);
    size_t pt_len = 1 + 2 * cv->len;
    if (cs_len != pt_len || cs[0] != 0x04 || ss_len != pt_len || ss[0] != 0x04)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "%s key share must be a %zu-byte uncompressed point", name, pt_len);
    tp_err rc = TP_OK;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(cv->nid);
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *d = BN_bin2bn(priv, (int)cv->len, NULL);
    BIGNUM *x = BN_new();
    EC_POINT *pub = g ? EC_POINT_new(g) : NULL;
    EC_POINT *peer = g ? EC_POINT_new(g) : NULL;
    EC_POINT *z = g ? EC_POINT_new(g) : NULL;
    uint8_t enc[1 + 2 * 48];
    if (!g || !bc || !d || !x || !pub || !peer || !z) {
        rc = tp_error_set(err, TP_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
        rc = tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH, "revealed %s scalar is out of range",
                          name);
        goto done;
    }
    if (!EC_POINT_mul(g, pub, d, NULL, NULL, bc) ||
        EC_POINT_point2oct(g, pub, POINT_CONVERSION_UNCOMPRESSED, enc, sizeof(enc), bc) !=
            pt_len) {
        rc = tp_error_set(err, TP_ERR_CRYPTO, "%s: public key computation failed", name);
        goto done;
    }
    if (CRYPTO_memcmp(enc, cs, pt_len) != 0) {
        rc = tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                          "revealed %s key does not match the client's key share", name);
        goto done;
    }
    if (!EC_POINT_oct2point(g, peer, ss, pt_len, bc) || EC_POINT_is_on_curve(g, peer, bc) != 1) {
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                          "%s: server key share is not a point on the curve", name);
        goto done;
    }
    if (!EC_POINT_mul(g, z, NULL, peer, d, bc) || EC_POINT_is_at_infinity(g, z) ||
        !EC_POINT_get_affine_coordinates(g, z, x, NULL, bc) ||
        BN_bn2binpad(x, out, (int)cv->len) != (int)cv->len)
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s: shared secret failed", name);
done:
    EC_POINT_clear_free(z);
    EC_POINT_free(peer);
    EC_POINT_free(pub);
    BN_clear_free(x);
    BN_clear_free(d);
    BN_CTX_free(bc);
    EC_GROUP_free(g);
    return rc;
}

size_t tp_ecdhe_key_len(uint16_t group)
{
    for (size_t i = 0; i < sizeof(k_nist) / sizeof(k_nist[0]); i++)
        if (k_nist[i].group == group)
            return k_nist[i].len;
    return group == TP_TLS_GROUP_X25519 ? 32 : 0;
}

tp_err tp_ecdhe_shared(uint16_t group, const uint8_t *priv, size_t priv_len,
                       const uint8_t *client_share, size_t client_share_len,
                       const uint8_t *server_share, size_t server_share_len,
                       uint8_t out[TP_TLS_MAX_PRIV], size_t *out_len, tp_error *err)
{
    size_t want = tp_ecdhe_key_len(group);
    if (want == 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "named group 0x%04x not supported",
                            group);
    if (priv_len != want)
        return tp_error_set(err, TP_ERR_ARG, "%s private key must be %zu bytes, got %zu",
                            tp_tls_group_name(group), want, priv_len);
    *out_len = want;
    if (group == TP_TLS_GROUP_X25519)
        return x25519_shared(priv, client_share, client_share_len, server_share,
                             server_share_len, out, err);
    for (size_t i = 0; i < sizeof(k_nist) / sizeof(k_nist[0]); i++)
        if (k_nist[i].group == group)
            return nist_shared(&k_nist[i], priv, client_share, client_share_len, server_share,
                               server_share_len, out, err);
    return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "named group 0x%04x not supported", group);
}
