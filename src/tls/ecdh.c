/* (EC)DHE for the replay: the revealed private key must reproduce the ClientHello key share
 * (else TP_ERR_TLS_KEY_MISMATCH), then the shared secret is computed with the ServerHello
 * share. X25519 (RFC 7748) and secp256r1 (uncompressed points, x-coordinate secret). */
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
                          "revealed x25519 key does not match the ClientHello key share");
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

static tp_err p256_shared(const uint8_t *priv, const uint8_t *cs, size_t cs_len,
                          const uint8_t *ss, size_t ss_len, uint8_t out[32], tp_error *err)
{
    if (cs_len != 65 || cs[0] != 0x04 || ss_len != 65 || ss[0] != 0x04)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "secp256r1 key share must be a 65-byte uncompressed point");
    tp_err rc = TP_OK;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *d = BN_bin2bn(priv, 32, NULL);
    BIGNUM *x = BN_new();
    EC_POINT *pub = g ? EC_POINT_new(g) : NULL;
    EC_POINT *peer = g ? EC_POINT_new(g) : NULL;
    EC_POINT *z = g ? EC_POINT_new(g) : NULL;
    uint8_t enc[65];
    if (!g || !bc || !d || !x || !pub || !peer || !z) {
        rc = tp_error_set(err, TP_ERR_NOMEM, "secp256r1: out of memory");
        goto done;
    }
    BN_set_flags(d, BN_FLG_CONSTTIME);
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) {
        rc = tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                          "revealed secp256r1 scalar is out of range");
        goto done;
    }
    if (!EC_POINT_mul(g, pub, d, NULL, NULL, bc) ||
        EC_POINT_point2oct(g, pub, POINT_CONVERSION_UNCOMPRESSED, enc, sizeof(enc), bc) != 65) {
        rc = tp_error_set(err, TP_ERR_CRYPTO, "secp256r1: public key computation failed");
        goto done;
    }
    if (CRYPTO_memcmp(enc, cs, 65) != 0) {
        rc = tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                          "revealed secp256r1 key does not match the ClientHello key share");
        goto done;
    }
    if (!EC_POINT_oct2point(g, peer, ss, 65, bc) || EC_POINT_is_on_curve(g, peer, bc) != 1) {
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                          "secp256r1: server key share is not a point on the curve");
        goto done;
    }
    if (!EC_POINT_mul(g, z, NULL, peer, d, bc) || EC_POINT_is_at_infinity(g, z) ||
        !EC_POINT_get_affine_coordinates(g, z, x, NULL, bc) || BN_bn2binpad(x, out, 32) != 32)
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "secp256r1: shared secret failed");
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

tp_err tp_ecdhe_shared(uint16_t group, const uint8_t *priv, size_t priv_len,
                       const uint8_t *client_share, size_t client_share_len,
                       const uint8_t *server_share, size_t server_share_len, uint8_t out[32],
                       tp_error *err)
{
    if (priv_len != 32)
        return tp_error_set(err, TP_ERR_ARG, "%s private key must be 32 bytes, got %zu",
                            tp_tls_group_name(group) ? tp_tls_group_name(group) : "group",
                            priv_len);
    switch (group) {
    case TP_TLS_GROUP_X25519:
        return x25519_shared(priv, client_share, client_share_len, server_share,
                             server_share_len, out, err);
    case TP_TLS_GROUP_SECP256R1:
        return p256_shared(priv, client_share, client_share_len, server_share,
                           server_share_len, out, err);
    default:
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "named group 0x%04x not supported",
                            group);
    }
}
