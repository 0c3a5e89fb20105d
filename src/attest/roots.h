/* Internal: pinned vendor certificates (PEM) built into the verifier. */
#ifndef TP_ATTEST_ROOTS_H
#define TP_ATTEST_ROOTS_H

extern const char tp_root_intel_sgx_pem[];
extern const char tp_root_amd_milan_pem[];
extern const char tp_root_amd_genoa_pem[];
extern const char tp_root_amd_turin_pem[];
extern const char tp_root_amd_milan_vlek_pem[];
extern const char tp_root_amd_genoa_vlek_pem[];
extern const char tp_root_amd_turin_vlek_pem[];

#endif
