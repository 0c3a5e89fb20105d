/* Test support: TDX collateral directories for the collateral verifier's tests, built from
 * the real Intel PCS responses in tests/data/testvectors/tdx_collateral. Copies that must
 * carry a valid signature after an edit are re-signed by a test "Intel SGX TCB Signing"
 * certificate under a test root (trusted next to the Intel root through a roots file); a
 * test CA carrying the real PCK's issuer name issues CRLs. Functions return 1/0. */
#ifndef TP_TESTS_FAKE_TDXCOLL_H
#define TP_TESTS_FAKE_TDXCOLL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_TDXCOLL_TCBINFO "tcbinfo_fmspc_50806f000000.json"
#define FAKE_TDXCOLL_QEID "qe_identity_td_qe.json"
#define FAKE_TDXCOLL_AT 1688173200 /* 2023-07-01T01:00:00Z: the real collateral is current */

typedef struct fake_tdxcoll {
    EVP_PKEY *root_key, *sign_key, *ca_key;
    X509 *root, *signer, *ca; /* test root, TCB signer, PCK CA (the real PCK's issuer name) */
    X509 *pck;                /* the PCK certificate of tdx_quote_v4.bin */
} fake_tdxcoll;

/* Keys and certificates; quote: tdx_quote_v4.bin (its PCK names the test CA). */
int fake_tdxcoll_init(fake_tdxcoll *c, const uint8_t *quote, size_t len);
void fake_tdxcoll_free(fake_tdxcoll *c);
/* A PEM file with the Intel SGX root and the test root. */
int fake_tdxcoll_write_roots(const fake_tdxcoll *c, const char *path);
/* Creates dir (mode 0700) holding copies of the real collateral. */
int fake_tdxcoll_copy(const char *dir);
int fake_tdxcoll_write(const char *dir, const char *name, const void *data, size_t len);

typedef void (*fake_tdxcoll_edit)(json_t *inner);
/* Replaces dir/file (a {"<member>": {...}, "signature": ...} body, read from the real file)
 * by the edited inner object signed by key; dir/chain_name gets leaf + test root. */
int fake_tdxcoll_resign(const fake_tdxcoll *c, const char *dir, const char *file,
                        const char *member, const char *chain_name, fake_tdxcoll_edit edit,
                        EVP_PKEY *key, X509 *leaf);
/* TCB Info edits: level 0 met by this platform (its SVNs set to 0, as go-tdx-guest's own
 * test does), or level 0 raised above the quote's TEE_TCB_SVN[2] with level 1 (OutOfDate)
 * met. */
void fake_tdxcoll_meetable(json_t *tcb_info);
void fake_tdxcoll_raised(json_t *tcb_info);
/* Re-signs the TCB Info of dir with fake_tdxcoll_meetable (test signer). */
int fake_tdxcoll_meetable_dir(const fake_tdxcoll *c, const char *dir);
/* dir/pck_platform_crl.der by the test CA listing serial, and its issuer chain. */
int fake_tdxcoll_crl(const fake_tdxcoll *c, const char *dir, ASN1_INTEGER *serial);

#endif
