/* SEV-SNP: the VCEK must have been issued for the reporting chip and its reported TCB.
 * AMD VCEKs carry hwID (1.3.6.1.4.1.3704.1.4: the chip id, 64 bytes, or its
 * first 8 bytes on Turin) and one INTEGER per TCB component (1.3.6.1.4.1.3704.1.3.n). */
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

static tp_err check_chip(X509 *vcek, const uint8_t chip_id[64], tp_error *err)
{
    static const uint8_t k_zero[64];
    tp_reader r, v;
    const uint8_t *hwid;
    if (!ext_value(vcek, AMD_OID "4", &r) || memcmp(chip_id, k_zero, 64) == 0)
        return TP_OK; /* no hwID (not a VCEK from AMD's KDS) or the chip id is masked */
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

tp_err tp_snp_check_vcek(X509 *vcek, const uint8_t chip_id[64], uint64_t reported_tcb,
                         tp_error *err)
{
    tp_err rc = check_chip(vcek, chip_id, err);
    if (rc != TP_OK)
        return rc;
    /* TCB_VERSION byte positions: Milan/Genoa bl 0, tee 1, snp 6, ucode 7; Turin (with an
     * fmcSPL extension) fmc 0, bl 1, tee 2, snp 3, ucode 7. */
    int turin = spl(vcek, "9") >= 0;
    static const struct {
        const char *ext, *name;
        int pos, turin_pos;
    } k_spl[] = {
        {"1", "bootloader", 0, 1}, {"2", "tee", 1, 2}, {"3", "snp", 6, 3},
        {"8", "microcode", 7, 7}, {"9", "fmc", -1, 0},
    };
    for (size_t i = 0; i < sizeof(k_spl) / sizeof(k_spl[0]); i++) {
        int pos = turin ? k_spl[i].turin_pos : k_spl[i].pos;
        int want = spl(vcek, k_spl[i].ext);
        if (want == -2)
            return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VCEK %s SPL malformed",
                                k_spl[i].name);
        if (want < 0 || pos < 0)
            continue;
        unsigned got = (unsigned)(reported_tcb >> (8 * pos)) & 0xff;
        if (got != (unsigned)want)
            return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                                "SEV-SNP VCEK is for %s SPL %d but the report's REPORTED_TCB "
                                "has %u",
                                k_spl[i].name, want, got);
    }
    return TP_OK;
}
