/* Test support: test-only certificate authorities and evidence builders for the TDX and
 * SEV-SNP verifiers/attesters. Everything here is signed by keys made in the test, which
 * only the tests trust (through tp_verify_opts.roots_file). */
#ifndef TP_TESTS_FAKE_TEE_H
#define TP_TESTS_FAKE_TEE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

/* An EC key on the named group ("prime256v1", "secp384r1"). */
EVP_PKEY *fake_ec_key(const char *group);
/* A certificate for key, issued by issuer/issuer_key (NULL: self-signed), valid from
 * not_before to not_after (UNIX time), CA when ca. */
X509 *fake_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                time_t not_before, time_t not_after);
/* Appends the PEM of cert to the malloc'd string *pem (NULL to start). 1/0. */
int fake_pem_append(char **pem, size_t *len, X509 *cert);
/* Raw ECDSA signature: r and s as n-byte integers (big-endian, or little-endian when le). */
int fake_ecdsa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t len, uint8_t *r,
                    uint8_t *s, size_t n, int le);
/* Uncompressed public point without the 0x04 prefix; n = 64 (P-256) or 96 (P-384). */
int fake_ec_point(EVP_PKEY *key, uint8_t *xy, size_t n);

/* TDX: a test PCK CA (root -> PCK leaf) and attestation key. */
typedef struct fake_tdx {
    EVP_PKEY *root_key, *pck_key, *att_key;
    X509 *root, *pck;
    char *root_pem; /* the root, to write into a roots file */
    size_t root_pem_len;
} fake_tdx;

int fake_tdx_init(fake_tdx *t);
void fake_tdx_free(fake_tdx *t);
/* A signed quote (malloc'd) of version 4 or 5 with the given REPORTDATA and TDATTRIBUTES byte 0. */
uint8_t *fake_tdx_quote(const fake_tdx *t, int version, const uint8_t report_data[64],
                        uint8_t td_attr0, size_t *len);

/* SEV-SNP: a test ARK "ARK-Test" (self-signed) -> ASK "SEV-Test" -> VCEK, and the same
 * ARK -> ASVK "SEV-VLEK-Test" -> VLEK (CSP id "TestCSP"); keys P-384. */
typedef struct fake_snp {
    EVP_PKEY *ark_key, *ask_key, *vcek_key, *asvk_key, *vlek_key;
    X509 *ark, *ask, *vcek, *asvk, *vlek;
    char *ark_pem, *ask_pem;
    size_t ark_pem_len, ask_pem_len;
    /* Reports are signed by the VLEK (SIGNING_KEY 1, table with VLEK + ASVK) when set. */
    int use_vlek;
    /* The VCEK is issued for chip id 0x44 * 64 and bootloader SPL 3; reports carry these
     * unless changed here (to test the VCEK binding). */
    uint8_t report_chip_byte;
    uint8_t report_bl_spl;
} fake_snp;

int fake_snp_init(fake_snp *s);
void fake_snp_free(fake_snp *s);
/* A signed 1184-byte report (malloc'd) with REPORT_DATA and POLICY; when with_table, the
 * extended certificate table holding the VCEK and ASK follows. */
uint8_t *fake_snp_report(const fake_snp *s, const uint8_t report_data[64], uint64_t policy,
                         int with_table, size_t *len);
/* Signs report[0:0x2A0] again (after a test edited it) with the VCEK, or the VLEK when
 * s->use_vlek. */
void fake_snp_resign(const fake_snp *s, uint8_t *report);
/* Replaces the VCEK with a Turin one: 8-byte hwID (0x44 * 8), fmcSPL 1, bootloader SPL 3
 * (Turin TCB layout: REPORTED_TCB byte 0 = fmc, byte 1 = bootloader). 1/0. */
int fake_snp_turin_vcek(fake_snp *s);
/* A DER CRL (malloc'd) issued by the test ARK, valid from this_update to next_update,
 * listing the ASK's serial when revoke_ask and the ASVK's when revoke_asvk. */
uint8_t *fake_snp_crl(const fake_snp *s, int revoke_ask, int revoke_asvk, time_t this_update,
                      time_t next_update, size_t *len);

#endif
