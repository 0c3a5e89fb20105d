/* Shared TLS client settings and handshake error names; see client.h. */
#include "tls/client.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls/transcript.h"

tp_err tp_tls_client_ctx_setup(SSL_CTX *ctx, const char *ciphersuites, const char *groups,
                               tp_error *err)
{
    int ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) && /* 1.3 preferred */
             SSL_CTX_set_cipher_list(ctx, TP_TLS12_SUITES) &&
             (ciphersuites == NULL || SSL_CTX_set_ciphersuites(ctx, ciphersuites)) &&
             SSL_CTX_set1_groups_list(ctx, groups ? groups : TP_TLS_CLIENT_GROUPS);
    if (!ok)
        return tp_error_set(err, TP_ERR_ARG, "invalid TLS cipher suite or group list");
    return TP_OK;
}

tp_err tp_tls_client_set_host(SSL *ssl, const char *host, tp_error *err)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
    ERR_clear_error();
    int ok = (ip != NULL || SSL_set_tlsext_host_name(ssl, host)) && SSL_set1_host(ssl, host);
    SSL_set_hostflags(ssl, TP_HOST_CHECK_FLAGS); /* the notary's rule: SAN only, no CN */
    ASN1_OCTET_STRING_free(ip); /* RFC 6066: no SNI for IP literals */
    return ok ? TP_OK : tp_error_set(err, TP_ERR_ARG, "invalid target host name");
}

tp_err tp_tls_client_handshake_error(SSL *ssl, int peer_closed, const char *groups,
                                     tp_error *err)
{
    const char *offered = groups ? groups : TP_TLS_CLIENT_GROUP_NAMES;
    long vr = SSL_get_verify_result(ssl);
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return tp_error_set(err, TP_ERR_TLS_HOSTNAME, "target certificate is not valid for this host");
    if (vr != X509_V_OK)
        return tp_error_set(err, TP_ERR_TLS_CERT_UNTRUSTED, "target certificate not trusted: %s",
                            X509_verify_cert_error_string(vr));
    int reason = ERR_GET_REASON(e);
    if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "the server offers only TLS 1.0/1.1 "
                            "(%s); TLS 1.2 or 1.3 is required", ERR_reason_error_string(e));
    if (reason == SSL_R_NO_SUITABLE_KEY_SHARE || reason == SSL_R_BAD_KEY_SHARE)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "no common group: the target's "
                            "HelloRetryRequest asked for a group not offered (offered: %s)",
                            offered);
    if (peer_closed)
        return tp_error_set(err, TP_ERR_TRUNCATED, "the target closed during the TLS handshake");
    if (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE || reason == SSL_R_NO_SHARED_CIPHER ||
        reason == SSL_R_WRONG_CIPHER_RETURNED)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "TLS handshake failed (%s): no common group "
                            "or suite: the target took none of the offered suites (TLS 1.3; "
                            "1.2 ECDHE+AES-GCM/ChaCha20, not CBC, RSA key exchange, DHE) and "
                            "groups (%s)",
                            ERR_reason_error_string(e), offered);
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "TLS handshake with the target failed: %s",
                        e ? ERR_reason_error_string(e) : "unknown reason");
}
