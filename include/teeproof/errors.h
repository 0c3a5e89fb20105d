/* teeproof: the one error enum of the library, and the error value carried out of calls. */
#ifndef TEEPROOF_ERRORS_H
#define TEEPROOF_ERRORS_H

#include <stddef.h>

#include "teeproof/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every failure the library can report. 0 is success; tp_err_name() gives a stable
 * identifier (used in CLI messages and tests), tp_err_str() a human sentence. */
typedef enum tp_err {
    TP_OK = 0,
    TP_ERR_NOMEM,            /* allocation failed */
    TP_ERR_ARG,              /* invalid argument or option */
    TP_ERR_IO,               /* file or socket I/O failed */
    TP_ERR_CRYPTO,           /* a crypto primitive failed unexpectedly */
    TP_ERR_LIMIT,            /* a size, count or time limit was exceeded */
    TP_ERR_TIMEOUT,          /* an operation timed out */
    TP_ERR_PARSE,            /* malformed input (generic) */
    TP_ERR_TRUNCATED,        /* input ended early */
    TP_ERR_JSON,             /* malformed JSON or unexpected JSON shape */
    /* TLS transcript verification */
    TP_ERR_TLS_RECORD,       /* malformed TLS record layer */
    TP_ERR_TLS_HANDSHAKE,    /* malformed or unexpected handshake message */
    TP_ERR_TLS_UNSUPPORTED,  /* version, suite, group or feature not supported */
    TP_ERR_TLS_KEY_MISMATCH, /* revealed key does not match the ClientHello key share */
    TP_ERR_TLS_DECRYPT,      /* AEAD authentication failed */
    TP_ERR_TLS_CERT_UNTRUSTED, /* certificate chain does not verify against the trust store */
    TP_ERR_TLS_HOSTNAME,     /* certificate / SNI / manifest host disagree */
    TP_ERR_TLS_CERT_VERIFY,  /* CertificateVerify / ServerKeyExchange signature invalid */
    TP_ERR_TLS_FINISHED,     /* Finished MAC mismatch */
    TP_ERR_TLS_ALERT,        /* the peer sent a fatal alert */
    /* HTTP */
    TP_ERR_HTTP,             /* malformed HTTP message */
    TP_ERR_HTTP_INCOMPLETE,  /* HTTP message incomplete (truncated) */
    TP_ERR_ENCODING,         /* content encoding unsupported or corrupt */
    /* manifest */
    TP_ERR_MANIFEST,         /* manifest malformed */
    TP_ERR_MANIFEST_REQUEST, /* request does not match the manifest */
    TP_ERR_MANIFEST_RESPONSE,/* response status/headers do not match the manifest */
    TP_ERR_SELECTOR,         /* extractor selector did not match */
    TP_ERR_EXTRACT_TYPE,     /* extracted value has the wrong type */
    TP_ERR_PREDICATE,        /* a predicate does not hold */
    TP_ERR_VAR,              /* template variable missing or invalid */
    /* proof */
    TP_ERR_PROOF,            /* proof document malformed */
    TP_ERR_SIGNATURE,        /* signature does not verify */
    TP_ERR_MANIFEST_HASH,    /* proof's manifest hash differs from the given manifest */
    /* attestation */
    TP_ERR_EVIDENCE,         /* evidence malformed */
    TP_ERR_EVIDENCE_SIG,     /* evidence signature invalid */
    TP_ERR_EVIDENCE_CHAIN,   /* evidence certificate chain invalid */
    TP_ERR_EVIDENCE_TIME,    /* certificate or token outside its validity */
    TP_ERR_BINDING,          /* evidence report data does not commit to the key / nonce */
    TP_ERR_POLICY,           /* evidence does not satisfy the policy */
    TP_ERR_INSECURE_SIM,     /* sim evidence refused without --allow-insecure-sim */
    TP_ERR_PLATFORM,         /* TEE platform unavailable or unknown */
    /* network / notary protocol */
    TP_ERR_CONNECT,          /* could not connect */
    TP_ERR_RESOLVE,          /* host name did not resolve */
    TP_ERR_FORBIDDEN_TARGET, /* target address refused (private, loopback, link-local) */
    TP_ERR_PROTOCOL,         /* notary protocol violation */
    TP_ERR_CHANNEL,          /* prover-notary channel could not be established/attested */
    TP_ERR_REMOTE,           /* the notary reported an error */
    /* added for the lying-prover classes (docs/security.md) */
    TP_ERR_MEMORY_BUDGET,    /* the notary's memory budget is exhausted: try again later */
    TP_ERR_TUNNEL_NOT_TLS,   /* tunnel bytes are not a TLS ClientHello for the host, then records */
    TP_ERR_FORBIDDEN_PORT,   /* target port not in the notary's allow-list */
    TP_ERR_NONCANONICAL,     /* signed claims are not in their own canonical form */
    TP_ERR_DISCLOSURE,       /* a disclosed value does not open the proof's commitment */
    TP_ERR_KEY_WINDOW,       /* proof time outside the signing key's attested validity window */
    TP_ERR_PROOF_AGE,        /* proof older than the policy's maximum age */
    TP_ERR_COLLATERAL,       /* TEE collateral (CRL, TCB Info, ...) missing, malformed, expired, badly signed */
    TP_ERR_COLLATERAL_MISMATCH, /* collateral is not for this platform/QE/TDX module */
    TP_ERR_REVOKED,          /* an evidence certificate is listed in its issuer's CRL */
    TP_ERR_TCB_STATUS,       /* TCB level unknown, or its status not accepted by the policy */
    TP_ERR_TCB_TOO_LOW,      /* a TCB component or firmware version below the policy minimum */
    TP_ERR_GUEST_POLICY,     /* guest policy / platform state (migration agent, SMT) refused */
    TP_ERR__COUNT
} tp_err;

/* An error value: the code plus a one-line detail saying what and why. */
typedef struct tp_error {
    tp_err code;
    char detail[320];
} tp_error;

TP_API const char *tp_err_name(tp_err code); /* e.g. "tls-key-mismatch" */
TP_API const char *tp_err_str(tp_err code);  /* e.g. "revealed key does not match the key share" */

/* Fills *e (if non-NULL) with code and printf-style detail; returns code. */
TP_API tp_err tp_error_set(tp_error *e, tp_err code, const char *fmt, ...)
           __attribute__((format(printf, 3, 4)));
/* Prepends "context: " to the detail of the failure `code` (which *e, if non-NULL, then
 * carries) and returns code, so `return tp_error_prefix(err, rc, "...")` keeps the cause
 * even when the caller passed no error struct. */
TP_API tp_err tp_error_prefix(tp_error *e, tp_err code, const char *fmt, ...)
           __attribute__((format(printf, 3, 4)));
TP_API void tp_error_clear(tp_error *e);
/* "detail" or, when no detail, the generic sentence. */
TP_API const char *tp_error_message(const tp_error *e);

#ifdef __cplusplus
}
#endif
#endif
