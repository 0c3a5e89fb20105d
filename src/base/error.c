/* The error enum's names and sentences, and the tp_error value helpers. */
#include "teeproof/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct err_desc {
    const char *name;
    const char *text;
};

static const struct err_desc k_errs[TP_ERR__COUNT] = {
    [TP_OK] = {"ok", "success"},
    [TP_ERR_NOMEM] = {"nomem", "out of memory"},
    [TP_ERR_ARG] = {"arg", "invalid argument"},
    [TP_ERR_IO] = {"io", "input/output error"},
    [TP_ERR_CRYPTO] = {"crypto", "cryptographic operation failed"},
    [TP_ERR_LIMIT] = {"limit", "limit exceeded"},
    [TP_ERR_TIMEOUT] = {"timeout", "operation timed out"},
    [TP_ERR_PARSE] = {"parse", "malformed input"},
    [TP_ERR_TRUNCATED] = {"truncated", "input truncated"},
    [TP_ERR_JSON] = {"json", "malformed JSON"},
    [TP_ERR_TLS_RECORD] = {"tls-record", "malformed TLS record"},
    [TP_ERR_TLS_HANDSHAKE] = {"tls-handshake", "malformed or unexpected TLS handshake message"},
    [TP_ERR_TLS_UNSUPPORTED] = {"tls-unsupported", "unsupported TLS version, suite or group"},
    [TP_ERR_TLS_KEY_MISMATCH] = {"tls-key-mismatch", "revealed key does not match the ClientHello key share"},
    [TP_ERR_TLS_DECRYPT] = {"tls-decrypt", "TLS record failed authentication"},
    [TP_ERR_TLS_CERT_UNTRUSTED] = {"tls-cert-untrusted", "server certificate not trusted"},
    [TP_ERR_TLS_HOSTNAME] = {"tls-hostname", "server name mismatch"},
    [TP_ERR_TLS_CERT_VERIFY] = {"tls-cert-verify", "server handshake signature invalid"},
    [TP_ERR_TLS_FINISHED] = {"tls-finished", "TLS Finished message invalid"},
    [TP_ERR_TLS_ALERT] = {"tls-alert", "TLS fatal alert"},
    [TP_ERR_HTTP] = {"http", "malformed HTTP message"},
    [TP_ERR_HTTP_INCOMPLETE] = {"http-incomplete", "HTTP message incomplete"},
    [TP_ERR_ENCODING] = {"encoding", "content encoding unsupported or corrupt"},
    [TP_ERR_MANIFEST] = {"manifest", "malformed manifest"},
    [TP_ERR_MANIFEST_REQUEST] = {"manifest-request", "request does not match the manifest"},
    [TP_ERR_MANIFEST_RESPONSE] = {"manifest-response", "response does not match the manifest"},
    [TP_ERR_SELECTOR] = {"selector", "extractor selector did not match"},
    [TP_ERR_EXTRACT_TYPE] = {"extract-type", "extracted value has the wrong type"},
    [TP_ERR_PREDICATE] = {"predicate", "manifest predicate does not hold"},
    [TP_ERR_VAR] = {"var", "template variable missing or invalid"},
    [TP_ERR_PROOF] = {"proof", "malformed proof"},
    [TP_ERR_SIGNATURE] = {"signature", "signature does not verify"},
    [TP_ERR_MANIFEST_HASH] = {"manifest-hash", "proof was made for another manifest"},
    [TP_ERR_EVIDENCE] = {"evidence", "malformed attestation evidence"},
    [TP_ERR_EVIDENCE_SIG] = {"evidence-signature", "attestation evidence signature invalid"},
    [TP_ERR_EVIDENCE_CHAIN] = {"evidence-chain", "attestation certificate chain invalid"},
    [TP_ERR_EVIDENCE_TIME] = {"evidence-time", "attestation evidence outside its validity period"},
    [TP_ERR_BINDING] = {"binding", "evidence does not commit to the key"},
    [TP_ERR_POLICY] = {"policy", "evidence does not satisfy the policy"},
    [TP_ERR_INSECURE_SIM] = {"insecure-sim", "sim evidence refused (use --allow-insecure-sim for development)"},
    [TP_ERR_PLATFORM] = {"platform", "TEE platform unavailable"},
    [TP_ERR_CONNECT] = {"connect", "connection failed"},
    [TP_ERR_RESOLVE] = {"resolve", "host name did not resolve"},
    [TP_ERR_FORBIDDEN_TARGET] = {"forbidden-target", "target address not allowed"},
    [TP_ERR_PROTOCOL] = {"protocol", "notary protocol violation"},
    [TP_ERR_CHANNEL] = {"channel", "attested channel could not be established"},
    [TP_ERR_REMOTE] = {"remote", "the notary reported an error"},
    [TP_ERR_MEMORY_BUDGET] = {"memory-budget", "the notary's memory budget is exhausted; try again later"},
    [TP_ERR_TUNNEL_NOT_TLS] = {"tunnel-not-tls", "tunnel traffic is not TLS to the tunnel's host"},
    [TP_ERR_FORBIDDEN_PORT] = {"forbidden-port", "target port not allowed"},
    [TP_ERR_NONCANONICAL] = {"noncanonical", "signed claims are not in canonical form"},
    [TP_ERR_DISCLOSURE] = {"disclosure", "disclosed value does not match the proof's commitment"},
    [TP_ERR_KEY_WINDOW] = {"key-window", "proof time outside the signing key's attested window"},
    [TP_ERR_PROOF_AGE] = {"proof-age", "proof older than the policy allows"},
    [TP_ERR_COLLATERAL] = {"collateral", "TEE collateral invalid or expired"},
    [TP_ERR_COLLATERAL_MISMATCH] = {"collateral-mismatch", "collateral does not match the evidence"},
    [TP_ERR_REVOKED] = {"revoked", "evidence certificate revoked"},
    [TP_ERR_TCB_STATUS] = {"tcb-status", "TCB status unknown or not accepted"},
    [TP_ERR_TCB_TOO_LOW] = {"tcb-too-low", "TEE TCB below the policy's minimum"},
    [TP_ERR_GUEST_POLICY] = {"guest-policy", "TEE guest policy or platform state refused"},
};

const char *tp_err_name(tp_err code)
{
    if ((unsigned)code >= TP_ERR__COUNT || k_errs[code].name == NULL)
        return "unknown";
    return k_errs[code].name;
}

const char *tp_err_str(tp_err code)
{
    if ((unsigned)code >= TP_ERR__COUNT || k_errs[code].text == NULL)
        return "unknown error";
    return k_errs[code].text;
}

tp_err tp_error_set(tp_error *e, tp_err code, const char *fmt, ...)
{
    if (e == NULL)
        return code;
    e->code = code;
    e->detail[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
        va_end(ap);
    }
    return code;
}

tp_err tp_error_prefix(tp_error *e, tp_err code, const char *fmt, ...)
{
    if (e == NULL)
        return code;
    if (e->code != code) { /* a detail about another failure is not this one's */
        e->code = code;
        e->detail[0] = '\0';
    }
    char ctx[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    char joined[sizeof(ctx) + sizeof(e->detail) + 2];
    snprintf(joined, sizeof(joined), "%s: %s", ctx, e->detail[0] ? e->detail : tp_err_str(e->code));
    /* Truncation is fine: the detail is a bounded one-line message. */
    size_t n = strnlen(joined, sizeof(e->detail) - 1);
    memcpy(e->detail, joined, n);
    e->detail[n] = '\0';
    return code;
}

void tp_error_clear(tp_error *e)
{
    if (e != NULL) {
        e->code = TP_OK;
        e->detail[0] = '\0';
    }
}

const char *tp_error_message(const tp_error *e)
{
    if (e == NULL)
        return "unknown error";
    return e->detail[0] ? e->detail : tp_err_str(e->code);
}
