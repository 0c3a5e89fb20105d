/* Ed25519 signature check under a SubjectPublicKeyInfo key; see ed25519.h. */
#include "proof/ed25519.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

tp_err tp_ed25519_verify_spki(const uint8_t *spki, size_t spki_len, const uint8_t *msg, size_t len,
                              const uint8_t *sig, size_t sig_len, tp_error *err)
{
    const uint8_t *p = spki;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)spki_len);
    if (key == NULL || p != spki + spki_len || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        return tp_error_set(err, TP_ERR_PROOF, "public key is not an Ed25519 SubjectPublicKeyInfo");
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_SIGNATURE, "Ed25519 signature does not verify");
}
