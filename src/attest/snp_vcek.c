/* SEV-SNP: the endorsement key's certificate must fit the report. AMD's KDS certificates
 * (VCEK and VLEK alike) carry one INTEGER per TCB component (1.3.6.1.4.1.3704.1.3.n: 1 bl,
 * 2 tee, 3 snp, 8 ucode, 9 fmc on Turin); a VCEK carries hwID (…1.4: the chip id, 64 bytes,
 * or its first 8 bytes on Turin) and is issued by an ASK ("SEV-<product>"); a VLEK carries
 * the cloud provider's id (…1.5, IA5String) instead of a hwID and is issued by an ASVK
 * ("SEV-VLEK-<product>"). Both ASK and ASVK are signed by the product's ARK, so the kind
 * of key is told by these fields, as go-sev-guest's kds/verify packages do. */
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "attest/snp.h"
#include "base/bytes.h"

#define AMD_OID "1.3.6.1.4.1.3704.1."

/* The DER extnValue of the extension, or 0 when absent. */
static int ext_value(X509 *x, const char *oid, tp_reader *out)
{
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
    int idx = o ? X509_get_ext_by_OBJ(x, o, -1) : -1;
    ASN1_OBJECT_free(o);
    if (idx < 0)
        return 0;
    ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
    int len = os ? ASN1_STRING_length(os) : -1;
    if (len < 0)
        return 0;
    tp_reader_init(out, ASN1_STRING_get0_data(os), (size_t)len);
    return 1;
}

/* A short-form DER TLV with the given tag: the whole value. */
static int der_value(tp_reader *r, uint8_t tag, tp_reader *val)
{
    uint8_t t, len;
    return tp_read_u8(r, &t) && t == tag && tp_read_u8(r, &len) && len < 0x80 &&
           tp_read_sub(r, len, val) && tp_reader_left(r) == 0;
}

/* A TCB component INTEGER (0..255); -1 when absent, -2 when malformed. */
static int spl(X509 *vcek, const char *n)
{
    char oid[64];
    tp_reader r, v;
    uint8_t b, hi = 0;
    snprintf(oid, sizeof(oid), AMD_OID "3.%s", n);
    if (!ext_value(vcek, oid, &r))
        return -1;
    if (!der_value(&r, 0x02, &v) || tp_reader_left(&v) == 0 || tp_reader_left(&v) > 2)
        return -2;
    if (tp_reader_left(&v) == 2 && !tp_read_u8(&v, &hi))
        return -2;
    if (hi != 0 || !tp_read_u8(&v, &b))
        return -2;
    return b;
}

/* VCEK: hwID equals CHIP_ID (unless the chip id is masked: MASK_CHIP_KEY zeroes it). */
static tp_err check_chip(X509 *vcek, const uint8_t chip_id[64], tp_error *err)
{
    static const uint8_t k_zero[64];
    tp_reader r, v;
    const uint8_t *hwid;
    if (!ext_value(vcek, AMD_OID "4", &r))
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VCEK has no hwID extension");
    if (memcmp(chip_id, k_zero, 64) == 0)
        return TP_OK;
    /* AMD's KDS puts the raw bytes in extnValue; accept a DER OCTET STRING too. */
    size_t n = tp_reader_left(&r);
    if (n != 64 && n != 8) {
        if (!der_value(&r, 0x04, &v))
            return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VCEK hwID extension malformed");
        r = v;
        n = tp_reader_left(&r);
    }
    if ((n != 64 && n != 8) || !tp_read_bytes(&r, n, &hwid))
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VCEK hwID extension malformed");
    if (memcmp(hwid, chip_id, n) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "SEV-SNP VCEK was issued for another chip than the report's CHIP_ID");
    return TP_OK;
}

/* The issuer's common name starts with "SEV-VLEK-" (an ASVK)? -1 when it has none. */
static int issued_by_asvk(X509 *cert)
{
    char cn[128];
    if (X509_NAME_get_text_by_NID(X509_get_issuer_name(cert), NID_commonName, cn,
                                  sizeof(cn)) < 0)
        return -1;
    return strncmp(cn, "SEV-VLEK-", 9) == 0;
}

/* The certificate is of the kind SIGNING_KEY names. */
static tp_err check_kind(X509 *cert, const tp_snp_report *s, tp_error *err)
{
    tp_reader r, v;
    int vlek = s->signing_key == TP_SNP_KEY_VLEK;
    int has_csp = ext_value(cert, AMD_OID "5", &r);
    int has_hwid = ext_value(cert, AMD_OID "4", &v);
    int asvk = issued_by_asvk(cert);
    if (!vlek && (has_csp || asvk != 0))
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "SEV-SNP report names the VCEK but the certificate is not a VCEK "
                            "(CSP id or ASVK issuer)");
    if (!vlek)
        return check_chip(cert, s->chip_id, err);
    if (!has_csp || has_hwid || asvk != 1)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "SEV-SNP report names the VLEK but the certificate is not a VLEK "
                            "(needs a CSP id, no hwID, an ASVK issuer)");
    uint8_t tag;
    if (!tp_read_u8(&r, &tag) || tag != 0x16)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VLEK CSP id is not an IA5String");
    return TP_OK;
}

int tp_snp_cert_is_turin(X509 *cert)
{
    return spl(cert, "9") >= 0;
}

tp_snp_tcb tp_snp_tcb_split(uint64_t tcb, int turin)
{
    /* TCB_VERSION byte positions: Milan/Genoa bl 0, tee 1, snp 6, ucode 7; Turin fmc 0,
     * bl 1, tee 2, snp 3, ucode 7 (SEV-SNP ABI spec, TCB_VERSION). */
    tp_snp_tcb t;
#define SNP_TCB_BYTE(pos) ((int)((tcb >> (8 * (pos))) & 0xff))
    t.fmc = turin ? SNP_TCB_BYTE(0) : -1;
    t.bootloader = SNP_TCB_BYTE(turin ? 1 : 0);
    t.tee = SNP_TCB_BYTE(turin ? 2 : 1);
    t.snp = SNP_TCB_BYTE(turin ? 3 : 6);
    t.microcode = SNP_TCB_BYTE(7);
#undef SNP_TCB_BYTE
    return t;
}

/* The certificate's SPL extensions equal REPORTED_TCB (the key is derived from it), and
 * its product (Turin or not) is the report's. */
static tp_err check_tcb(X509 *cert, const tp_snp_report *s, tp_error *err)
{
    if (tp_snp_cert_is_turin(cert) != s->turin)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "SEV-SNP endorsement key is for %s but the report's CPUID says %s",
                            s->turin ? "Milan/Genoa" : "Turin", s->turin ? "Turin" : "Milan/Genoa");
    tp_snp_tcb t = tp_snp_tcb_split(s->reported_tcb, s->turin);
    const struct {
        const char *ext, *name;
        int got;
    } k_spl[] = {
        {"1", "bootloader", t.bootloader}, {"2", "tee", t.tee}, {"3", "snp", t.snp},
        {"8", "microcode", t.microcode},   {"9", "fmc", t.fmc},
    };
    for (size_t i = 0; i < sizeof(k_spl) / sizeof(k_spl[0]); i++) {
        int want = spl(cert, k_spl[i].ext);
        if (want == -2)
            return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP certificate %s SPL malformed",
                                k_spl[i].name);
        if (want < 0 || k_spl[i].got < 0)
            continue;
        if (k_spl[i].got != want)
            return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                                "SEV-SNP certificate is for %s SPL %d but the report's "
                                "REPORTED_TCB has %d",
                                k_spl[i].name, want, k_spl[i].got);
    }
    return TP_OK;
}

tp_err tp_snp_check_key_cert(X509 *cert, const tp_snp_report *s, tp_error *err)
{
    tp_err rc = check_kind(cert, s, err);
    return rc == TP_OK ? check_tcb(cert, s, err) : rc;
}
