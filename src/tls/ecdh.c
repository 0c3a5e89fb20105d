/* (EC)DHE for the replay: the table of supported groups, and the check that the revealed
 * private key reproduces the ClientHello key share (else TP_ERR_TLS_KEY_MISMATCH) before the
 * shared secret is computed with the ServerHello share. X25519 and X448 (RFC 7748),
 * secp256r1/384r1/521r1 (uncompressed points, x-coordinate secret); ffdhe groups in
 * ffdhe.c. TLS 1.2 uses the same check with the ClientKeyExchange and ServerKeyExchange
 * points (EC groups only). */
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <string.h>
#include <strings.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

/* The groups the replay supports (RFC 8446 §4.2.7): kind, OpenSSL names, key lengths. */
typedef enum { KIND_XDH, KIND_NIST, KIND_FFDHE } group_kind;

typedef struct group_def {
    uint16_t id;
    const char *name;   /* as written in claims */
    const char *alias;  /* OpenSSL's short name */
    const char *alias2; /* another common name, or NULL */
    group_kind kind;
    int type;           /* EVP_PKEY_X25519/X448, or the curve NID; unused for ffdhe */
    size_t len;         /* XDH/NIST: private key / coordinate bytes; ffdhe: prime bytes */
} group_def;

static const group_def k_groups[] = {
    {TP_TLS_GROUP_X25519, "x25519", "X25519", NULL, KIND_XDH, EVP_PKEY_X25519, 32},
    {TP_TLS_GROUP_SECP256R1, "secp256r1", "P-256", "prime256v1", KIND_NIST, NID_X9_62_prime256v1, 32},
    {TP_TLS_GROUP_SECP384R1, "secp384r1", "P-384", NULL, KIND_NIST, NID_secp384r1, 48},
    {TP_TLS_GROUP_SECP521R1, "secp521r1", "P-521", NULL, KIND_NIST, NID_secp521r1, 66},
    {TP_TLS_GROUP_X448, "x448", "X448", NULL, KIND_XDH, EVP_PKEY_X448, 56},
    {TP_TLS_GROUP_FFDHE2048, "ffdhe2048", "ffdhe2048", NULL, KIND_FFDHE, 0, 256},
    {TP_TLS_GROUP_FFDHE3072, "ffdhe3072", "ffdhe3072", NULL, KIND_FFDHE, 0, 384},
    {TP_TLS_GROUP_FFDHE4096, "ffdhe4096", "ffdhe4096", NULL, KIND_FFDHE, 0, 512},
};
#define N_GROUPS (sizeof(k_groups) / sizeof(k_groups[0]))

static const group_def *group_find(uint16_t id)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (k_groups[i].id == id)
            return &k_groups[i];
    return NULL;
}

const char *tp_tls_group_name(uint16_t group)
{
    const group_def *g = group_find(group);
    return g ? g->name : NULL;
}

int tp_tls_group_is_ec(uint16_t group)
{
    const group_def *g = group_find(group);
    return g && g->kind != KIND_FFDHE;
}

uint16_t tp_tls_group_from_name(const char *name)
{
    for (size_t i = 0; name && i < N_GROUPS; i++)
        if (strcasecmp(name, k_groups[i].name) == 0 || strcasecmp(name, k_groups[i].alias) == 0 ||
            (k_groups[i].alias2 && strcasecmp(name, k_groups[i].alias2) == 0))
            return k_groups[i].id;
    return 0;
}

int tp_tls_group_bit(uint16_t group)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (k_groups[i].id == group)
            return (int)i;
    return -1;
}

/* X25519 / X448 (RFC 7748): raw keys of g->len bytes. */
static tp_err xdh_shared(const group_def *gd, const uint8_t *priv, const uint8_t *cs,
                         size_t cs_len, const uint8_t *ss, size_t ss_len, uint8_t *out,
                         tp_error *err)
{
    size_t n = gd->len;
    if (cs_len != n || ss_len != n)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s key share must be %zu bytes",
                            gd->name, n);
    tp_err rc = TP_OK;
    EVP_PKEY *me = EVP_PKEY_new_raw_private_key(gd->type, NULL, priv, n);
    EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(gd->type, NULL, ss, n);
    EVP_PKEY_CTX *dc = NULL;
    uint8_t pub[56];
    size_t pub_len = sizeof(pub), out_len = n;
    if (!me || !peer || !EVP_PKEY_get_raw_public_key(me, pub, &pub_len) || pub_len != n) {
        rc = tp_error_set(err, TP_ERR_CRYPTO, "%s: cannot load keys", gd->name);
        goto done;
    }
    if (CRYPTO_memcmp(pub, cs, n) != 0) {
        rc = tp_error_set(err, TP_ERR_TLS_KEY_MISMATCH,
                          "revealed %s key does not match the client's key share", gd->name);
        goto done;
    }
    dc = EVP_PKEY_CTX_new(me, NULL);
    if (!dc || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer(dc, peer) <= 0 ||
        EVP_PKEY_derive(dc, out, &out_len) <= 0 || out_len != n)
        rc = tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                          "%s: shared secret failed (invalid server share)", gd->name);
done:
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(me);
    EVP_PKEY_free(peer);
    return rc;
}

/* P-256/384/521: uncompressed points, the shared secret is the x-coordinate. */
static tp_err nist_shared(const group_def *cv, const uint8_t *priv, const uint8_t *cs,
                          size_t cs_len, const uint8_t *ss, size_t ss_len, uint8_t *out,
                          tp_error *err)
{
    const char *name = cv->name;
    size_t pt_len = 1 + 2 * cv->len;
    if (cs_len != pt_len || cs[0] != 0x04 || ss_len != pt_len || ss[0] != 0x04)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "%s key share must be a %zu-byte uncompressed point", name, pt_len);
    tp_err rc = TP_OK;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(cv->type);
    BN_CTX *bc = BN_CTX_new();
    BIGNUM *d = BN_bin2bn(priv, (int)cv->len, NULL);
    BIGNUM *x = BN_new();
    EC_POINT *pub = g ? EC_POINT_new(g) : NULL;
    EC_POINT *peer = g ? EC_POINT_new(g) : NULL;
    EC_POINT *z = g ? EC_POINT_new(g) : NULL;
    uint8_t enc[1 + 2 * 66];
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
    const group_def *g = group_find(group);
    return !g ? 0 : g->kind == KIND_FFDHE ? TP_TLS_MAX_PRIV : g->len;
}

tp_err tp_ecdhe_shared(uint16_t group, const uint8_t *priv, size_t priv_len,
                       const uint8_t *client_share, size_t client_share_len,
                       const uint8_t *server_share, size_t server_share_len,
                       uint8_t out[TP_TLS_MAX_SECRET], size_t *out_len, tp_error *err)
{
    const group_def *g = group_find(group);
    if (!g)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "named group 0x%04x not supported",
                            group);
    *out_len = g->len;
    if (g->kind == KIND_FFDHE) {
        if (priv_len == 0 || priv_len > TP_TLS_MAX_PRIV)
            return tp_error_set(err, TP_ERR_ARG, "%s exponent must be 1..%d bytes, got %zu",
                                g->name, TP_TLS_MAX_PRIV, priv_len);
        return tp_ffdhe_shared(g->alias, g->len, priv, priv_len, client_share, client_share_len,
                               server_share, server_share_len, out, err);
    }
    if (priv_len != g->len)
        return tp_error_set(err, TP_ERR_ARG, "%s private key must be %zu bytes, got %zu", g->name,
                            g->len, priv_len);
    if (g->kind == KIND_XDH)
        return xdh_shared(g, priv, client_share, client_share_len, server_share,
                          server_share_len, out, err);
    return nist_shared(g, priv, client_share, client_share_len, server_share, server_share_len,
                       out, err);
}
