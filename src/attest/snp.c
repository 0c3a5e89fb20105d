/* AMD SEV-SNP: attestation report verification.
 * Evidence = the 1184-byte report, optionally followed by the extended-report certificate
 * table (GHCB: entries {GUID, u32 offset, u32 length} ending with a zero entry, offsets from
 * the table start) from which the VCEK (and ASK/ARK) are taken. The VCEK can also come from
 * opts->cert_der. Chain: VCEK -> ASK -> ARK (RSA-PSS), ARK pinned (Milan, Genoa, Turin) unless
 * opts->roots_file replaces the anchors; opts->chain_file offers more intermediates. The
 * report signature is ECDSA P-384 over SHA-384(report[0:0x2A0]), R and S 72-byte LE. */
#include <openssl/x509.h>
#include <string.h>

#include "attest/platform.h"
#include "attest/roots.h"
#include "attest/snp.h"
#include "attest/x509util.h"
#include "base/bytes.h"

#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1
#define SNP_CERT_TABLE_MAX_ENTRIES 64

/* GUIDs of the certificate table, in the byte order of their string form. */
static const uint8_t k_guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                        0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t k_guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                       0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t k_guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                       0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

typedef struct snp_report {
    uint32_t version, guest_svn, vmpl, sig_algo, signer_info;
    uint64_t policy, current_tcb, platform_info, reported_tcb, committed_tcb, launch_tcb;
    const uint8_t *family_id, *image_id, *report_data, *measurement, *host_data;
    const uint8_t *id_key_digest, *author_key_digest, *report_id, *chip_id;
    const uint8_t *sig_r, *sig_s;
} snp_report;

typedef struct snp_certs {
    const uint8_t *vcek, *ask, *ark;
    size_t vcek_len, ask_len, ark_len;
} snp_certs;

int tp_snp_report_data(const uint8_t *ev, size_t len, uint8_t out[64])
{
    tp_reader r;
    tp_reader_init(&r, ev, len);
    return len >= TP_SNP_REPORT_LEN && tp_read_skip(&r, TP_SNP_REPORT_DATA_OFF) &&
           tp_read_copy(&r, out, 64);
}

/* The rest of the signature field is reserved and unsigned: it must be zero. */
static int all_zero(tp_reader *r)
{
    uint8_t b;
    while (tp_read_u8(r, &b))
        if (b != 0)
            return 0;
    return 1;
}

static int parse_fields(tp_reader *r, snp_report *s)
{
    return tp_read_u32le(r, &s->version) && tp_read_u32le(r, &s->guest_svn) &&
           tp_read_u64le(r, &s->policy) && tp_read_bytes(r, 16, &s->family_id) &&
           tp_read_bytes(r, 16, &s->image_id) && tp_read_u32le(r, &s->vmpl) &&
           tp_read_u32le(r, &s->sig_algo) && tp_read_u64le(r, &s->current_tcb) &&
           tp_read_u64le(r, &s->platform_info) && tp_read_u32le(r, &s->signer_info) &&
           tp_read_skip(r, 4) && tp_read_bytes(r, 64, &s->report_data) &&
           tp_read_bytes(r, 48, &s->measurement) && tp_read_bytes(r, 32, &s->host_data) &&
           tp_read_bytes(r, 48, &s->id_key_digest) && tp_read_bytes(r, 48, &s->author_key_digest) &&
           tp_read_bytes(r, 32, &s->report_id) && tp_read_skip(r, 32) &&
           tp_read_u64le(r, &s->reported_tcb) && tp_read_skip(r, 24) &&
           tp_read_bytes(r, 64, &s->chip_id) && tp_read_u64le(r, &s->committed_tcb) &&
           tp_read_skip(r, 8) && tp_read_u64le(r, &s->launch_tcb) &&
           tp_read_skip(r, TP_SNP_SIGNED_LEN - 0x1F8) && tp_read_bytes(r, 72, &s->sig_r) &&
           tp_read_bytes(r, 72, &s->sig_s) && all_zero(r);
}

static tp_err parse_report(tp_reader *r, snp_report *s, tp_error *err)
{
    memset(s, 0, sizeof(*s));
    tp_reader rep;
    if (!tp_read_sub(r, TP_SNP_REPORT_LEN, &rep))
        return tp_error_set(err, TP_ERR_TRUNCATED, "SEV-SNP report shorter than %d bytes",
                            TP_SNP_REPORT_LEN);
    if (!parse_fields(&rep, s))
        return tp_error_set(err, TP_ERR_EVIDENCE, "SEV-SNP report is malformed");
    if (s->version < 2)
        return tp_error_set(err, TP_ERR_EVIDENCE, "SEV-SNP report version %u is not supported",
                            s->version);
    if (s->sig_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP signature algorithm %u is not ECDSA P-384", s->sig_algo);
    if (((s->signer_info >> 2) & 7) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP report is not signed by a VCEK (signing key %u)",
                            (s->signer_info >> 2) & 7);
    return TP_OK;
}

static tp_err parse_cert_table(tp_reader *r, snp_certs *c, tp_error *err)
{
    tp_reader table = *r;
    for (int i = 0; i < SNP_CERT_TABLE_MAX_ENTRIES; i++) {
        const uint8_t *guid;
        uint32_t off, len;
        if (!tp_read_bytes(r, 16, &guid) || !tp_read_u32le(r, &off) || !tp_read_u32le(r, &len))
            return tp_error_set(err, TP_ERR_TRUNCATED, "SEV-SNP certificate table truncated");
        if (off == 0 && len == 0)
            return TP_OK;
        tp_reader body = table;
        const uint8_t *p;
        if (!tp_read_skip(&body, off) || !tp_read_bytes(&body, len, &p))
            return tp_error_set(err, TP_ERR_EVIDENCE,
                                "SEV-SNP certificate table entry %d is out of bounds", i);
        if (memcmp(guid, k_guid_vcek, 16) == 0) {
            c->vcek = p;
            c->vcek_len = len;
        } else if (memcmp(guid, k_guid_ask, 16) == 0) {
            c->ask = p;
            c->ask_len = len;
        } else if (memcmp(guid, k_guid_ark, 16) == 0) {
            c->ark = p;
            c->ark_len = len;
        }
    }
    return tp_error_set(err, TP_ERR_EVIDENCE, "SEV-SNP certificate table has too many entries");
}

static int push_der(STACK_OF(X509) *sk, const uint8_t *der, size_t len)
{
    if (der == NULL)
        return 1;
    const uint8_t *p = der;
    X509 *x = len <= INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x == NULL || !sk_X509_push(sk, x)) {
        X509_free(x);
        return 0;
    }
    return 1;
}

/* Intermediates: the table's ASK/ARK and opts->chain_file. */
static tp_err load_untrusted(const snp_certs *c, const tp_verify_opts *opts,
                             STACK_OF(X509) **out, tp_error *err)
{
    *out = sk_X509_new_null();
    if (*out == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (!push_der(*out, c->ask, c->ask_len) || !push_der(*out, c->ark, c->ark_len))
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP certificate table holds an invalid ASK/ARK certificate");
    if (opts->chain_file != NULL)
        return tp_att_pem_file(opts->chain_file, out, err);
    return TP_OK;
}

static tp_err load_vcek(const snp_certs *c, const tp_verify_opts *opts, X509 **vcek,
                        tp_error *err)
{
    const uint8_t *der = opts->cert_der ? opts->cert_der : c->vcek;
    size_t len = opts->cert_der ? opts->cert_der_len : c->vcek_len;
    if (der == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "SEV-SNP evidence has no VCEK: give one (--cert / vcek_file)");
    const uint8_t *p = der;
    *vcek = len <= INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (*vcek == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VCEK is not a DER certificate");
    return TP_OK;
}

static tp_err verify_chain(X509 *vcek, const snp_certs *c, const tp_verify_opts *opts,
                           tp_error *err)
{
    static const char *const k_builtin[] = {tp_root_amd_milan_pem, tp_root_amd_genoa_pem,
                                            tp_root_amd_turin_pem, NULL};
    STACK_OF(X509) *untrusted = NULL, *anchors = NULL;
    tp_err rc = load_untrusted(c, opts, &untrusted, err);
    if (rc == TP_OK)
        rc = tp_att_anchors(opts->roots_file, k_builtin, &anchors, err);
    if (rc == TP_OK)
        rc = tp_att_verify_chain(vcek, untrusted, anchors, opts->at, "SEV-SNP VCEK", err);
    sk_X509_pop_free(untrusted, X509_free);
    sk_X509_pop_free(anchors, X509_free);
    return rc;
}

static tp_err verify_signature(X509 *vcek, const snp_report *s, const uint8_t *ev, tp_error *err)
{
    EVP_PKEY *key = X509_get0_pubkey(vcek);
    if (key == NULL || EVP_PKEY_get_bits(key) != 384)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP VCEK key is not P-384");
    if (!tp_att_ecdsa_verify(key, EVP_sha384(), s->sig_r, s->sig_s, 72, 1, ev, TP_SNP_SIGNED_LEN))
        return tp_error_set(err, TP_ERR_EVIDENCE_SIG,
                            "SEV-SNP report signature does not verify with the VCEK");
    return TP_OK;
}

static int set_details(json_t *d, const snp_report *s)
{
    return json_object_set_new(d, "version", json_integer(s->version)) == 0 &&
           json_object_set_new(d, "guest_svn", json_integer(s->guest_svn)) == 0 &&
           json_object_set_new(d, "policy", json_integer((json_int_t)s->policy)) == 0 &&
           json_object_set_new(d, "vmpl", json_integer(s->vmpl)) == 0 &&
           json_object_set_new(d, "current_tcb", json_integer((json_int_t)s->current_tcb)) == 0 &&
           json_object_set_new(d, "reported_tcb", json_integer((json_int_t)s->reported_tcb)) == 0 &&
           json_object_set_new(d, "committed_tcb", json_integer((json_int_t)s->committed_tcb)) == 0 &&
           json_object_set_new(d, "launch_tcb", json_integer((json_int_t)s->launch_tcb)) == 0 &&
           json_object_set_new(d, "platform_info", json_integer((json_int_t)s->platform_info)) == 0 &&
           tp_att_set_hex(d, "family_id", s->family_id, 16) &&
           tp_att_set_hex(d, "image_id", s->image_id, 16) &&
           tp_att_set_hex(d, "host_data", s->host_data, 32) &&
           tp_att_set_hex(d, "id_key_digest", s->id_key_digest, 48) &&
           tp_att_set_hex(d, "author_key_digest", s->author_key_digest, 48) &&
           tp_att_set_hex(d, "report_id", s->report_id, 32) &&
           tp_att_set_hex(d, "chip_id", s->chip_id, 64);
}

static tp_err fill_facts(const snp_report *s, tp_evidence_facts *f, tp_error *err)
{
    memcpy(f->measurement, s->measurement, 48);
    f->measurement_len = 48;
    memcpy(f->report_data, s->report_data, 64);
    f->report_data_len = 64;
    f->debug = (s->policy >> 19) & 1;
    f->details = json_object();
    if (f->details == NULL || !set_details(f->details, s))
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

static tp_err snp_verify(const uint8_t *ev, size_t len, const tp_verify_opts *opts,
                         tp_evidence_facts *facts, tp_error *err)
{
    snp_report s;
    snp_certs c;
    memset(&c, 0, sizeof(c));
    tp_reader r;
    tp_reader_init(&r, ev, len);
    tp_err rc = parse_report(&r, &s, err);
    if (rc == TP_OK && tp_reader_left(&r) > 0)
        rc = parse_cert_table(&r, &c, err);
    if (rc != TP_OK)
        return rc;
    X509 *vcek = NULL;
    rc = load_vcek(&c, opts, &vcek, err);
    if (rc == TP_OK)
        rc = verify_chain(vcek, &c, opts, err);
    if (rc == TP_OK)
        rc = verify_signature(vcek, &s, ev, err);
    if (rc == TP_OK)
        rc = tp_snp_check_vcek(vcek, s.chip_id, s.reported_tcb, err);
    X509_free(vcek);
    if (rc == TP_OK)
        rc = fill_facts(&s, facts, err);
    return rc;
}

const tp_platform tp_platform_sev_snp = {
    .name = "sev-snp",
    .verify = snp_verify,
    .detect = tp_snp_detect,
    .attester_new = tp_snp_attester_new,
    .get_evidence = tp_snp_get_evidence,
    .attester_free = tp_snp_attester_free,
};
