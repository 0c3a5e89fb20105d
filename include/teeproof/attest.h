/* TEE attestation: obtaining evidence inside a TEE (attesters) and verifying it anywhere
 * (verifiers), one implementation per platform behind one interface, plus policy. */
#ifndef TEEPROOF_ATTEST_H
#define TEEPROOF_ATTEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "teeproof/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a verified piece of evidence says. */
typedef struct tp_evidence_facts {
    char platform[16];            /* "sim", "tdx", "sev-snp", "nitro", "gcp-cs" */
    uint8_t measurement[64];      /* MRTD, MEASUREMENT, PCR0, image digest, sim measurement */
    size_t measurement_len;
    uint8_t report_data[64];      /* REPORTDATA / REPORT_DATA / user_data / eat_nonce */
    size_t report_data_len;
    int debug;                    /* 1 if the TEE is debuggable */
    /* With collateral (TDX): Intel's TCB status of the platform and of the quoting enclave
     * ("UpToDate", "SWHardeningNeeded", "OutOfDate", ...); "" when not judged. */
    char tcb_status[40];
    char qe_tcb_status[40];
    void *details;                /* other platform fields (RTMRs, PCRs, policy, ...): internal,
                                   * owned; read them with tp_evidence_facts_json */
} tp_evidence_facts;

/* Options for verifying evidence offline. */
typedef struct tp_verify_opts {
    time_t at;                    /* time for certificate/token validity; 0 = now */
    const char *roots_file;       /* PEM file replacing the pinned vendor root, or NULL */
    const uint8_t *cert_der;      /* extra certificate (e.g. SEV-SNP VCEK), or NULL */
    size_t cert_der_len;
    const char *chain_file;       /* extra intermediates PEM (e.g. SEV-SNP ASK/ARK), or NULL */
    const char *jwks_file;        /* gcp-cs: JWKS of the token issuer */
    const char *audience;         /* gcp-cs: expected aud, or NULL for the default */
    const char *collateral_dir;   /* tdx: directory of Intel PCS collateral, or NULL (no TCB
                                   * judgement); sev-snp: AMD CRLs; layout in docs/platforms.md */
    const void *collateral;       /* internal (the notary's bundled collateral); NULL */
} tp_verify_opts;

/* Verifies evidence of the named platform; fills *facts on success. */
TP_API tp_err tp_evidence_verify(const char *platform, const uint8_t *evidence, size_t len,
                                 const tp_verify_opts *opts, tp_evidence_facts *facts, tp_error *err);
TP_API void tp_evidence_facts_free(tp_evidence_facts *facts);

/* The names of those files (the names of a collateral directory: docs/platforms.md). dir
 * may be NULL (sev-snp evidence without its key certificate then has no names). */
#define TP_COLLATERAL_FILES_MAX 8
#define TP_COLLATERAL_NAME_MAX 64
typedef struct tp_collateral_names {
    size_t n;
    char name[TP_COLLATERAL_FILES_MAX][TP_COLLATERAL_NAME_MAX];
} tp_collateral_names;
TP_API tp_err tp_collateral_names_of(const char *platform, const uint8_t *evidence, size_t len,
                                     const char *dir, tp_collateral_names *out, tp_error *err);
/* The facts as JSON text {platform, measurement, report_data, debug, ...details}: sorted
 * keys, two-space indentation, NUL-terminated; caller frees with free(). NULL when out of
 * memory. */
TP_API char *tp_evidence_facts_json(const tp_evidence_facts *facts);

/* A notary signing key's validity window: Unix seconds, both ends inclusive. The notary
 * signs only inside it and rotates to a new key at its end; verifiers refuse a proof dated
 * outside it, so a key that leaks cannot sign proofs for any other time. */
typedef struct tp_key_window {
    int64_t not_before;
    int64_t not_after;
} tp_key_window;

/* Longest window a verifier accepts (not_after - not_before): a notary cannot attest an
 * endless key. */
#define TP_KEY_WINDOW_MAX_S (7 * 24 * 3600)
/* How far a prover's own clock may be outside the window of the key it attests (clocks of
 * prover and notary differ). Proof verification allows no skew: the proof's time and the
 * window are both the notary's clock. */
#define TP_KEY_WINDOW_SKEW_S 300

/* Length of the notary's Ethereum address (secp256k1 key) bound beside its Ed25519 key. */
#define TP_KEY_BINDING_ETH_LEN 20
/* The report data that commits evidence to both signing keys and their window:
 * SHA-512("teeproof-key-v3" || 0x00 || u64be not_before || u64be not_after ||
 *         u16be len(SPKI) || Ed25519 SubjectPublicKeyInfo DER || 20-byte Ethereum address).
 * Both keys are made together inside the TEE and rotate together. */
TP_API void tp_attest_key_binding(const uint8_t *spki_der, size_t len,
                                  const uint8_t eth_address[TP_KEY_BINDING_ETH_LEN], const tp_key_window *w,
                                  uint8_t out[64]);
/* TP_ERR_KEY_WINDOW unless the window is well formed (0 < not_before <= not_after,
 * not_after - not_before <= TP_KEY_WINDOW_MAX_S) and not_before - skew <= t <=
 * not_after + skew. `what` names t in the message ("the proof's time", ...). */
TP_API tp_err tp_key_window_check(const tp_key_window *w, int64_t t, int64_t skew, const char *what,
                                  tp_error *err);

/* --- attesters (inside the TEE) --- */
typedef struct tp_attester tp_attester;

typedef struct tp_attester_config {
    const char *tsm_root;         /* configfs-tsm report dir; NULL = /sys/kernel/config/tsm/report */
    const char *sev_guest_dev;    /* NULL = /dev/sev-guest */
    const char *nsm_dev;          /* NULL = /dev/nsm */
    const char *teeserver_socket; /* NULL = /run/container_launcher/teeserver.sock */
    const char *audience;         /* gcp-cs token audience */
} tp_attester_config;

/* platform: "sim", "tdx", "sev-snp", "nitro", "gcp-cs" or "auto" (detects hardware and
 * fails with TP_ERR_PLATFORM when none is found: never falls back to sim). */
TP_API tp_err tp_attester_open(const char *platform, const tp_attester_config *cfg, tp_attester **out,
                               tp_error *err);
TP_API const char *tp_attester_platform(const tp_attester *a);
/* Evidence whose report data is exactly report_data (64 bytes). */
TP_API tp_err tp_attester_get_evidence(tp_attester *a, const uint8_t report_data[64], uint8_t **evidence,
                                       size_t *len, tp_error *err);
TP_API void tp_attester_free(tp_attester *a);

/* --- policy (what a prover or verifier accepts) --- */
typedef struct tp_policy tp_policy;

TP_API tp_err tp_policy_load(const char *path, tp_policy **out, tp_error *err);
TP_API tp_err tp_policy_parse(const char *json, size_t len, tp_policy **out, tp_error *err);
/* Uses the collateral in dir for the platform's evidence ("tdx"), replacing the policy's
 * collateral_dir; its TCB statuses are then judged (default: "UpToDate" only). */
TP_API tp_err tp_policy_set_collateral(tp_policy *p, const char *platform, const char *dir, tp_error *err);
/* The development policy behind --allow-insecure-sim: accepts sim evidence only. */
TP_API tp_policy *tp_policy_insecure_sim(void);
TP_API void tp_policy_free(tp_policy *p);
/* Verifies evidence under the policy's options and checks platform, measurement, debug,
 * and that the report data equals expected_report_data (64 bytes), at the current time. */
TP_API tp_err tp_policy_verify_evidence(const tp_policy *p, const char *platform, const uint8_t *evidence,
                                        size_t len, const uint8_t expected_report_data[64],
                                        tp_evidence_facts *facts, tp_error *err);
/* The same with certificates and tokens checked at time `at` (0 = now). Proof verifiers
 * pass the proof's signed notary time: Nitro documents and Confidential Space tokens live
 * for hours, proofs for much longer. */
TP_API tp_err tp_policy_verify_evidence_at(const tp_policy *p, const char *platform,
                                           const uint8_t *evidence, size_t len,
                                           const uint8_t expected_report_data[64], time_t at,
                                           tp_evidence_facts *facts, tp_error *err);
/* With the policy's "max_proof_age_s" set: TP_ERR_PROOF_AGE when proof_time is older than
 * now minus that age, or more than TP_KEY_WINDOW_SKEW_S after now. TP_OK without it. */
TP_API tp_err tp_policy_check_proof_age(const tp_policy *p, time_t proof_time, time_t now, tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
