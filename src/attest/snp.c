/* AMD SEV-SNP: attestation report verification (ABI report versions 2 and 3).
 * Evidence = the 1184-byte report, optionally followed by the extended-report certificate
 * table (GHCB: entries {GUID, u32 offset, u32 length} ending with a zero entry, offsets from
 * the table start) from which the endorsement key (VCEK or VLEK, chosen by the report's
 * SIGNING_KEY) and the ASK/ASVK/ARK are taken. The key's certificate can also come from
 * opts->cert_der or, when neither has it, from the collateral (snp_vcek.der / snp_vlek.der,
 * bundled by a notary whose evidence lacks it: it is still bound to the report below). Chain: VCEK -> ASK -> ARK or VLEK -> ASVK -> ARK (RSA-PSS), ARKs pinned
 * (Milan, Genoa, Turin, with their ASKs and ASVKs as intermediates) unless opts->roots_file
 * replaces the anchors; opts->chain_file offers more intermediates. With
 * collateral (opts->collateral_dir, else the bundle opts->collateral), AMD's CRL for the
 * product must not revoke the ASK/ASVK (snp_crl.c); the facts then name the CRL checked.
 * The report signature is ECDSA P-384 over SHA-384(report[0:0x2A0]), R and S 72-byte LE.
 * Reserved fields must be zero (as go-sev-guest's abi.ReportToProto requires). */
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "attest/platform.h"
#include "attest/roots.h"
#include "attest/snp.h"
#include "attest/x509util.h"
#include "base/bytes.h"

#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1
#define SNP_CERT_TABLE_MAX_ENTRIES 64
#define SNP_VERSION_MIN 2
#define SNP_VERSION_MAX 3
/* Signer info: bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY, rest MBZ. */
#define SNP_SIGNER_INFO_MBZ 0xFFFFFFE0u
/* Guest policy: bit 17 is reserved and must be 1; bits 63:26 must be zero. */
#define SNP_POLICY_RESERVED1 (1ull << 17)
#define SNP_POLICY_MBZ (~0ull << 26)
/* CPUID family (extended + base) of the reporting CPU in version 3 reports. */
#define SNP_FAMILY_ZEN3_ZEN4 0x19 /* Milan, Genoa (classic TCB layout) */
#define SNP_FAMILY_ZEN5 0x1A      /* Turin (fmc-first TCB layout) */

/* GUIDs of the certificate table, in the byte order of their string form. */
static const uint8_t k_guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                        0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t k_guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                        0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
static const uint8_t k_guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                       0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t k_guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                       0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

typedef tp_snp_report snp_report;

typedef tp_snp_certs snp_certs;

int tp_snp_report_data(const uint8_t *ev, size_t len, uint8_t out[64])
{
    tp_reader r;
    tp_reader_init(&r, ev, len);
    return len >= TP_SNP_REPORT_LEN && tp_read_skip(&r, TP_SNP_REPORT_DATA_OFF) &&
           tp_read_copy(&r, out, 64);
}

/* n reserved bytes (n = 0: the rest of the reader), which must all be zero. */
static int zeros(tp_reader *r, size_t n)
{
    const uint8_t *p;
    if (n == 0)
        n = tp_reader_left(r);
    if (!tp_read_bytes(r, n, &p))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* 0x00 .. 0x15F: header, identity fields. */
static int parse_head(tp_reader *r, snp_report *s)
{
    return tp_read_u32le(r, &s->version) && tp_read_u32le(r, &s->guest_svn) &&
           tp_read_u64le(r, &s->policy) && tp_read_bytes(r, 16, &s->family_id) &&
           tp_read_bytes(r, 16, &s->image_id) && tp_read_u32le(r, &s->vmpl) &&
           tp_read_u32le(r, &s->sig_algo) && tp_read_u64le(r, &s->current_tcb) &&
           tp_read_u64le(r, &s->platform_info) && tp_read_u32le(r, &s->signer_info) &&
           zeros(r, 4) && tp_read_bytes(r, 64, &s->report_data) &&
           tp_read_bytes(r, 48, &s->measurement) && tp_read_bytes(r, 32, &s->host_data) &&
           tp_read_bytes(r, 48, &s->id_key_digest) && tp_read_bytes(r, 48, &s->author_key_digest) &&
           tp_read_bytes(r, 32, &s->report_id) && tp_read_bytes(r, 32, &s->report_id_ma);
}

/* 0x180 .. end: TCBs, CPUID (version 3), chip id, firmware versions, signature. */
static int parse_tail(tp_reader *r, snp_report *s)
{
    return tp_read_u64le(r, &s->reported_tcb) && tp_read_u8(r, &s->cpuid_fam) &&
           tp_read_u8(r, &s->cpuid_mod) && tp_read_u8(r, &s->cpuid_step) && zeros(r, 0x15) &&
           tp_read_bytes(r, 64, &s->chip_id) && tp_read_u64le(r, &s->committed_tcb) &&
           tp_read_u8(r, &s->current_build) && tp_read_u8(r, &s->current_minor) &&
           tp_read_u8(r, &s->current_major) && zeros(r, 1) &&
           tp_read_u8(r, &s->committed_build) && tp_read_u8(r, &s->committed_minor) &&
           tp_read_u8(r, &s->committed_major) && zeros(r, 1) &&
           tp_read_u64le(r, &s->launch_tcb) && zeros(r, TP_SNP_SIGNED_LEN - 0x1F8) &&
           tp_read_bytes(r, 72, &s->sig_r) && tp_read_bytes(r, 72, &s->sig_s) && zeros(r, 0);
}

/* The version-dependent fields: CPUID and the TCB layout it implies. Version 2 reports
 * carry no CPUID (those bytes are reserved): their layout is taken from the certificate. */
static tp_err check_version(snp_report *s, tp_error *err)
{
    if (s->version < SNP_VERSION_MIN || s->version > SNP_VERSION_MAX)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP report version %u is not supported (versions %d to %d)",
                            s->version, SNP_VERSION_MIN, SNP_VERSION_MAX);
    if (s->version == 2) {
        if (s->cpuid_fam != 0 || s->cpuid_mod != 0 || s->cpuid_step != 0)
            return tp_error_set(err, TP_ERR_EVIDENCE,
                                "SEV-SNP version 2 report has reserved bytes 0x188-0x18A set");
        return TP_OK;
    }
    if (s->cpuid_fam != SNP_FAMILY_ZEN3_ZEN4 && s->cpuid_fam != SNP_FAMILY_ZEN5)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP report is from CPU family 0x%x, not Milan, Genoa or Turin",
                            s->cpuid_fam);
    s->turin = s->cpuid_fam == SNP_FAMILY_ZEN5;
    return TP_OK;
}

static tp_err check_fields(snp_report *s, tp_error *err)
{
    tp_err rc = check_version(s, err);
    if (rc != TP_OK)
        return rc;
    if (s->sig_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP signature algorithm %u is not ECDSA P-384", s->sig_algo);
    if ((s->policy & SNP_POLICY_RESERVED1) == 0 || (s->policy & SNP_POLICY_MBZ) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP guest policy 0x%llx has reserved bits wrong",
                            (unsigned long long)s->policy);
    if ((s->signer_info & SNP_SIGNER_INFO_MBZ) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE, "SEV-SNP signer info 0x%x has reserved bits set",
                            s->signer_info);
    s->signing_key = (s->signer_info >> 2) & 7;
    if (s->signing_key == TP_SNP_KEY_NONE)
        return tp_error_set(err, TP_ERR_EVIDENCE, "SEV-SNP report is unsigned (SIGNING_KEY none)");
    if (s->signing_key != TP_SNP_KEY_VCEK && s->signing_key != TP_SNP_KEY_VLEK)
        return tp_error_set(err, TP_ERR_EVIDENCE, "SEV-SNP SIGNING_KEY %u is reserved",
                            s->signing_key);
    return TP_OK;
}

static tp_err parse_report(tp_reader *r, snp_report *s, tp_error *err)
{
    memset(s, 0, sizeof(*s));
    tp_reader rep;
    if (!tp_read_sub(r, TP_SNP_REPORT_LEN, &rep))
        return tp_error_set(err, TP_ERR_TRUNCATED, "SEV-SNP report shorter than %d bytes",
                            TP_SNP_REPORT_LEN);
    if (!parse_head(&rep, s) || !parse_tail(&rep, s))
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP report is malformed (a reserved field is not zero)");
    return check_fields(s, err);
}

/* Keeps the entry when its GUID is one of the four certificates; others are ignored. */
static void take_entry(const uint8_t *guid, const uint8_t *p, size_t len, snp_certs *c)
{
    const uint8_t *const guids[] = {k_guid_vcek, k_guid_vlek, k_guid_ask, k_guid_ark};
    const uint8_t **slots[] = {&c->vcek, &c->vlek, &c->ask, &c->ark};
    size_t *lens[] = {&c->vcek_len, &c->vlek_len, &c->ask_len, &c->ark_len};
    for (size_t i = 0; i < sizeof(guids) / sizeof(guids[0]); i++) {
        if (memcmp(guid, guids[i], 16) == 0) {
            *slots[i] = p;
            *lens[i] = len;
        }
    }
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
        take_entry(guid, p, len, c);
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

/* Intermediates: the table's ASK(/ASVK)/ARK, the built-in ASKs and ASVKs, opts->chain_file. */
static tp_err load_untrusted(const snp_certs *c, const tp_verify_opts *opts,
                             STACK_OF(X509) **out, tp_error *err)
{
    *out = sk_X509_new_null();
    if (*out == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (!push_der(*out, c->ask, c->ask_len) || !push_der(*out, c->ark, c->ark_len))
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "SEV-SNP certificate table holds an invalid ASK/ARK certificate");
    static const char *const k_asvks[] = {tp_root_amd_milan_vlek_pem, tp_root_amd_genoa_vlek_pem,
                                          tp_root_amd_turin_vlek_pem};
    for (size_t i = 0; opts->roots_file == NULL && i < sizeof(k_asvks) / sizeof(k_asvks[0]); i++)
        if (!tp_att_pem_certs(k_asvks[i], strlen(k_asvks[i]), out))
            return tp_error_set(err, TP_ERR_CRYPTO, "cannot load a built-in ASVK certificate");
    if (opts->chain_file != NULL)
        return tp_att_pem_file(opts->chain_file, out, err);
    return TP_OK;
}

/* The endorsement key's certificate: --cert / vcek_file, else the table's entry for the
 * key the report names, else the collateral's copy. */
static tp_err load_key_cert(const snp_certs *c, const snp_report *s, const tp_verify_opts *opts,
                            X509 **cert, tp_error *err)
{
    int vlek = s->signing_key == TP_SNP_KEY_VLEK;
    const uint8_t *der = opts->cert_der ? opts->cert_der : vlek ? c->vlek : c->vcek;
    size_t len = opts->cert_der ? opts->cert_der_len : vlek ? c->vlek_len : c->vcek_len;
    uint8_t *coll = NULL;
    const char *name = vlek ? "VLEK" : "VCEK";
    if (der == NULL && tp_snp_coll_key_cert(opts, vlek, &coll, &len))
        der = coll;
    if (der == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "SEV-SNP report is signed by a %s but the evidence has none: give "
                            "one (--cert / vcek_file)", name);
    const uint8_t *p = der;
    *cert = len <= INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    free(coll);
    if (*cert == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP %s is not a DER certificate",
                            name);
    return TP_OK;
}

/* Chain to a pinned ARK; then, with collateral, the product's CRL. */
static tp_err verify_chain(X509 *cert, const snp_certs *c, const snp_report *s,
                           const tp_verify_opts *opts, tp_snp_crl_result *crl, tp_error *err)
{
    static const char *const k_builtin[] = {tp_root_amd_milan_pem, tp_root_amd_genoa_pem,
                                            tp_root_amd_turin_pem, NULL};
    STACK_OF(X509) *untrusted = NULL, *anchors = NULL, *chain = NULL;
    int vlek = s->signing_key == TP_SNP_KEY_VLEK;
    tp_err rc = load_untrusted(c, opts, &untrusted, err);
    if (rc == TP_OK)
        rc = tp_att_anchors(opts->roots_file, k_builtin, &anchors, err);
    if (rc == TP_OK)
        rc = tp_att_verify_chain_get(cert, untrusted, anchors, opts->at,
                                     vlek ? "SEV-SNP VLEK" : "SEV-SNP VCEK", &chain, err);
    if (rc == TP_OK && (opts->collateral_dir != NULL || opts->collateral != NULL))
        rc = tp_snp_check_crl(chain, vlek, opts, crl, err);
    sk_X509_pop_free(untrusted, X509_free);
    sk_X509_pop_free(anchors, X509_free);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

static tp_err verify_signature(X509 *cert, const snp_report *s, const uint8_t *ev, tp_error *err)
{
    EVP_PKEY *key = X509_get0_pubkey(cert);
    const char *name = s->signing_key == TP_SNP_KEY_VLEK ? "VLEK" : "VCEK";
    if (key == NULL || EVP_PKEY_get_bits(key) != 384)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "SEV-SNP %s key is not P-384", name);
    if (!tp_att_ecdsa_verify(key, EVP_sha384(), s->sig_r, s->sig_s, 72, 1, ev, TP_SNP_SIGNED_LEN))
        return tp_error_set(err, TP_ERR_EVIDENCE_SIG,
                            "SEV-SNP report signature does not verify with the %s", name);
    return TP_OK;
}

/* {"fmc"?, "bootloader", "tee", "snp", "microcode"} of a TCB_VERSION. */
static json_t *tcb_json(uint64_t tcb, int turin)
{
    tp_snp_tcb t = tp_snp_tcb_split(tcb, turin);
    json_t *o = json_object();
    if (o == NULL || (t.fmc >= 0 && json_object_set_new(o, "fmc", json_integer(t.fmc)) != 0) ||
        json_object_set_new(o, "bootloader", json_integer(t.bootloader)) != 0 ||
        json_object_set_new(o, "tee", json_integer(t.tee)) != 0 ||
        json_object_set_new(o, "snp", json_integer(t.snp)) != 0 ||
        json_object_set_new(o, "microcode", json_integer(t.microcode)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *firmware_json(uint8_t major, uint8_t minor, uint8_t build)
{
    return json_pack("{s:i, s:i, s:i}", "major", major, "minor", minor, "build", build);
}

static int set_versions(json_t *d, const snp_report *s)
{
    static const char *const k_keys[] = {"VCEK", "VLEK"};
    int ok = json_object_set_new(d, "signing_key", json_string(k_keys[s->signing_key])) == 0 &&
             json_object_set_new(d, "reported_tcb_parts", tcb_json(s->reported_tcb, s->turin)) == 0 &&
             json_object_set_new(d, "committed_tcb_parts", tcb_json(s->committed_tcb, s->turin)) == 0 &&
             json_object_set_new(d, "current_tcb_parts", tcb_json(s->current_tcb, s->turin)) == 0 &&
             json_object_set_new(d, "launch_tcb_parts", tcb_json(s->launch_tcb, s->turin)) == 0 &&
             json_object_set_new(d, "current_firmware", firmware_json(s->current_major,
                                 s->current_minor, s->current_build)) == 0 &&
             json_object_set_new(d, "committed_firmware", firmware_json(s->committed_major,
                                 s->committed_minor, s->committed_build)) == 0;
    if (ok && s->version >= 3)
        ok = json_object_set_new(d, "cpuid", json_pack("{s:i, s:i, s:i}", "family", s->cpuid_fam,
                                 "model", s->cpuid_mod, "stepping", s->cpuid_step)) == 0;
    return ok;
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
           tp_att_set_hex(d, "chip_id", s->chip_id, 64) && set_versions(d, s);
}

/* {"file", "this_update", "next_update"} of the AMD CRL that was checked. */
static int set_crl(json_t *d, const tp_snp_crl_result *crl)
{
    if (crl->file[0] == '\0')
        return 1;
    return json_object_set_new(d, "amd_crl", json_pack("{s:s, s:I, s:I, s:s}", "file", crl->file,
                                                       "this_update", (json_int_t)crl->this_update,
                                                       "next_update", (json_int_t)crl->next_update,
                                                       "result", "not revoked")) == 0;
}

static tp_err fill_facts(const snp_report *s, const tp_snp_crl_result *crl, tp_evidence_facts *f,
                         tp_error *err)
{
    memcpy(f->measurement, s->measurement, 48);
    f->measurement_len = 48;
    memcpy(f->report_data, s->report_data, 64);
    f->report_data_len = 64;
    f->debug = (s->policy >> 19) & 1;
    f->details = json_object();
    if (f->details == NULL || !set_details(f->details, s) || !set_crl(f->details, crl))
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

/* Version 2 reports take their TCB layout from the certificate (Turin VCEKs carry fmcSPL). */
static tp_err verify_key(const uint8_t *ev, snp_report *s, const snp_certs *c,
                         const tp_verify_opts *opts, tp_snp_crl_result *crl, tp_error *err)
{
    X509 *cert = NULL;
    tp_err rc = load_key_cert(c, s, opts, &cert, err);
    if (rc == TP_OK && s->version == 2)
        s->turin = tp_snp_cert_is_turin(cert);
    if (rc == TP_OK)
        rc = verify_chain(cert, c, s, opts, crl, err);
    if (rc == TP_OK)
        rc = verify_signature(cert, s, ev, err);
    if (rc == TP_OK)
        rc = tp_snp_check_key_cert(cert, s, err);
    X509_free(cert);
    return rc;
}

tp_err tp_snp_parse(const uint8_t *ev, size_t len, tp_snp_report *s, tp_snp_certs *c,
                    tp_error *err)
{
    memset(c, 0, sizeof(*c));
    tp_reader r;
    tp_reader_init(&r, ev, len);
    tp_err rc = parse_report(&r, s, err);
    if (rc == TP_OK && tp_reader_left(&r) > 0)
        rc = parse_cert_table(&r, c, err);
    return rc;
}

static tp_err snp_verify(const uint8_t *ev, size_t len, const tp_verify_opts *opts,
                         tp_evidence_facts *facts, tp_error *err)
{
    snp_report s;
    snp_certs c;
    tp_snp_crl_result crl;
    memset(&crl, 0, sizeof(crl));
    tp_err rc = tp_snp_parse(ev, len, &s, &c, err);
    if (rc == TP_OK)
        rc = verify_key(ev, &s, &c, opts, &crl, err);
    if (rc == TP_OK)
        rc = fill_facts(&s, &crl, facts, err);
    return rc;
}

const tp_platform tp_platform_sev_snp = {
    .name = "sev-snp",
    .verify = snp_verify,
    .collateral_names = tp_snp_collateral_names,
};
