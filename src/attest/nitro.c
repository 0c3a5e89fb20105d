/* AWS Nitro Enclaves attestation document: parse and verify offline.
 * Document: COSE_Sign1 ES384 over a CBOR map {module_id, digest "SHA384", timestamp (ms),
 * pcrs {index: bstr}, certificate (leaf DER), cabundle [root, ..., last intermediate],
 * public_key, user_data, nonce}. The leaf key signs; the chain leaf -> cabundle reversed ->
 * root must end at the pinned AWS Nitro root G1 (or opts->roots_file). */
#include "attest/nitro.h"
#include "attest/platform.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "attest/x509util.h"
#include "base/codec.h"

/* AWS Nitro Enclaves root G1 (CN=aws.nitro-enclaves, valid 2019-10-28 .. 2049-10-28),
 * published at https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip. */
static const char k_aws_nitro_root_g1[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL\n"
    "MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD\n"
    "VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4\n"
    "MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL\n"
    "DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG\n"
    "BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb\n"
    "48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE\n"
    "h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF\n"
    "R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC\n"
    "MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW\n"
    "rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N\n"
    "IwLz3/Y=\n"
    "-----END CERTIFICATE-----\n";

/* ---- payload fields: one row per key ---- */

typedef tp_err (*field_fn)(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err);

static tp_err bad_field(tp_error *err, const char *name)
{
    return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: field %s has the wrong type or size", name);
}

static int bstr_span(const cbor_item_t *v, size_t min, size_t max, tp_span *out)
{
    return tp_cbor_bstr(v, &out->p, &out->len) && out->len >= min && out->len <= max;
}

/* bstr or null; null leaves the span empty. */
static int opt_span(const cbor_item_t *v, tp_span *out)
{
    if (cbor_is_null(v)) {
        out->p = NULL;
        out->len = 0;
        return 1;
    }
    return bstr_span(v, 0, TP_NITRO_MAX_OPT, out) && out->p != NULL;
}

static tp_err f_module_id(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    const char *p;
    size_t n;
    if (!tp_cbor_text(v, &p, &n) || n == 0 || n > 256)
        return bad_field(err, "module_id");
    doc->module_id.p = (const uint8_t *)p;
    doc->module_id.len = n;
    return TP_OK;
}

static tp_err f_digest(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    (void)doc;
    return tp_cbor_text_is(v, "SHA384") ? TP_OK
                                        : tp_error_set(err, TP_ERR_EVIDENCE, "nitro: digest is not SHA384");
}

static tp_err f_timestamp(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    if (!cbor_isa_uint(v) || cbor_get_int(v) == 0 || cbor_get_int(v) > INT64_MAX)
        return bad_field(err, "timestamp");
    doc->timestamp_ms = cbor_get_int(v);
    return TP_OK;
}

static tp_err f_pcrs(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    if (!cbor_isa_map(v) || cbor_map_size(v) == 0 || cbor_map_size(v) > TP_NITRO_MAX_PCRS)
        return bad_field(err, "pcrs");
    struct cbor_pair *pairs = cbor_map_handle(v);
    uint32_t seen = 0;
    for (size_t i = 0; i < cbor_map_size(v); i++) {
        tp_nitro_pcr *pcr = &doc->pcrs[i];
        if (!cbor_isa_uint(pairs[i].key) || cbor_get_int(pairs[i].key) >= TP_NITRO_MAX_PCRS)
            return bad_field(err, "pcrs (index)");
        pcr->index = (unsigned)cbor_get_int(pairs[i].key);
        if (seen & (1u << pcr->index))
            return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: PCR%u appears twice", pcr->index);
        seen |= 1u << pcr->index;
        if (!bstr_span(pairs[i].value, 32, 64, &pcr->value) ||
            (pcr->value.len != 32 && pcr->value.len != 48 && pcr->value.len != 64))
            return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: PCR%u is not 32, 48 or 64 bytes", pcr->index);
    }
    doc->n_pcrs = cbor_map_size(v);
    return TP_OK;
}

static tp_err f_certificate(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    return bstr_span(v, 1, TP_NITRO_MAX_CERT, &doc->certificate) ? TP_OK : bad_field(err, "certificate");
}

static tp_err f_cabundle(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    if (!cbor_isa_array(v) || cbor_array_size(v) == 0 || cbor_array_size(v) > TP_NITRO_MAX_CABUNDLE)
        return bad_field(err, "cabundle");
    cbor_item_t **items = cbor_array_handle(v);
    for (size_t i = 0; i < cbor_array_size(v); i++)
        if (!bstr_span(items[i], 1, TP_NITRO_MAX_CERT, &doc->cabundle[i]))
            return bad_field(err, "cabundle (entry)");
    doc->n_cabundle = cbor_array_size(v);
    return TP_OK;
}

static tp_err f_public_key(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    return opt_span(v, &doc->public_key) ? TP_OK : bad_field(err, "public_key");
}

static tp_err f_user_data(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    return opt_span(v, &doc->user_data) ? TP_OK : bad_field(err, "user_data");
}

static tp_err f_nonce(const cbor_item_t *v, tp_nitro_doc *doc, tp_error *err)
{
    return opt_span(v, &doc->nonce) ? TP_OK : bad_field(err, "nonce");
}

static const struct {
    const char *name;
    field_fn parse;
    int required;
} k_fields[] = {
    {"module_id", f_module_id, 1},   {"digest", f_digest, 1},     {"timestamp", f_timestamp, 1},
    {"pcrs", f_pcrs, 1},             {"certificate", f_certificate, 1},
    {"cabundle", f_cabundle, 1},     {"public_key", f_public_key, 0},
    {"user_data", f_user_data, 0},   {"nonce", f_nonce, 0},
};
#define N_FIELDS (sizeof(k_fields) / sizeof(k_fields[0]))

static int field_index(const cbor_item_t *key)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (tp_cbor_text_is(key, k_fields[i].name))
            return (int)i;
    return -1;
}

static tp_err parse_payload(tp_nitro_doc *doc, tp_error *err)
{
    const cbor_item_t *m = doc->payload;
    if (!cbor_isa_map(m) || cbor_map_size(m) > 32)
        return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: payload is not a map");
    struct cbor_pair *pairs = cbor_map_handle(m);
    unsigned seen = 0;
    for (size_t i = 0; i < cbor_map_size(m); i++) {
        if (!cbor_isa_string(pairs[i].key))
            return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: payload key is not text");
        int f = field_index(pairs[i].key);
        if (f < 0)
            continue; /* fields added by later NSM versions are not signed facts we use */
        if (seen & (1u << f))
            return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: field %s appears twice", k_fields[f].name);
        seen |= 1u << f;
        tp_err rc = k_fields[f].parse(pairs[i].value, doc, err);
        if (rc != TP_OK)
            return rc;
    }
    for (size_t f = 0; f < N_FIELDS; f++)
        if (k_fields[f].required && !(seen & (1u << f)))
            return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: field %s missing", k_fields[f].name);
    return TP_OK;
}

tp_err tp_nitro_doc_parse(const uint8_t *p, size_t len, tp_nitro_doc *doc, tp_error *err)
{
    memset(doc, 0, sizeof(*doc));
    if (len > TP_NITRO_MAX_DOC)
        return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: document is %zu bytes (limit %d)", len,
                            TP_NITRO_MAX_DOC);
    tp_err rc = tp_cose_sign1_parse(p, len, &doc->cose, err);
    if (rc == TP_OK)
        rc = tp_cbor_load_strict(doc->cose.payload, doc->cose.payload_len, &doc->payload, err);
    if (rc == TP_OK)
        rc = parse_payload(doc, err);
    if (rc != TP_OK) {
        tp_nitro_doc_free(doc);
        return tp_error_prefix(err, rc, "nitro document");
    }
    return TP_OK;
}

void tp_nitro_doc_free(tp_nitro_doc *doc)
{
    if (doc->payload != NULL)
        cbor_decref(&doc->payload);
    tp_cose_sign1_free(&doc->cose);
    memset(doc, 0, sizeof(*doc));
}

/* ---- signature and chain ---- */

static X509 *span_x509(tp_span s)
{
    const unsigned char *q = s.p;
    X509 *x = d2i_X509(NULL, &q, (long)s.len);
    if (x != NULL && q != s.p + s.len) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

tp_err tp_nitro_doc_check_signature(const tp_nitro_doc *doc, tp_error *err)
{
    X509 *leaf = span_x509(doc->certificate);
    if (leaf == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: leaf certificate is not DER X.509");
    tp_err rc = tp_cose_sign1_verify(&doc->cose, X509_get0_pubkey(leaf), err);
    X509_free(leaf);
    return rc == TP_OK ? TP_OK : tp_error_prefix(err, rc, "nitro");
}

/* cabundle entries are untrusted intermediates; only the anchors (the pinned AWS root or
 * opts->roots_file) end the chain. */
static tp_err verify_chain(const tp_nitro_doc *doc, const tp_verify_opts *opts, tp_error *err)
{
    static const char *const builtin[] = {k_aws_nitro_root_g1, NULL};
    STACK_OF(X509) *anchors = NULL, *inter = sk_X509_new_null();
    X509 *leaf = span_x509(doc->certificate);
    tp_err rc = TP_OK;
    if (inter == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "nitro: out of memory");
    else if (leaf == NULL)
        rc = tp_error_set(err, TP_ERR_EVIDENCE, "nitro: leaf certificate is not DER X.509");
    for (size_t i = doc->n_cabundle; rc == TP_OK && i-- > 0;) {
        X509 *c = span_x509(doc->cabundle[i]);
        if (c == NULL || !sk_X509_push(inter, c)) {
            X509_free(c);
            rc = tp_error_set(err, TP_ERR_EVIDENCE, "nitro: cabundle[%zu] is not DER X.509", i);
        }
    }
    if (rc == TP_OK)
        rc = tp_att_anchors(opts != NULL ? opts->roots_file : NULL, builtin, &anchors, err);
    if (rc == TP_OK)
        rc = tp_att_verify_chain(leaf, inter, anchors, opts != NULL ? opts->at : 0, "nitro", err);
    sk_X509_pop_free(anchors, X509_free);
    sk_X509_pop_free(inter, X509_free);
    X509_free(leaf);
    return rc;
}

/* ---- facts ---- */

static const tp_nitro_pcr *find_pcr(const tp_nitro_doc *doc, unsigned index)
{
    for (size_t i = 0; i < doc->n_pcrs; i++)
        if (doc->pcrs[i].index == index)
            return &doc->pcrs[i];
    return NULL;
}

static json_t *hex_json(tp_span s)
{
    char hex[2 * 64 + 1];
    if (s.len > 64)
        return NULL;
    tp_hex_encode(s.p, s.len, hex);
    return json_string(hex);
}

static json_t *details_json(const tp_nitro_doc *doc)
{
    json_t *d = json_object(), *pcrs = json_object();
    if (d == NULL || pcrs == NULL) {
        json_decref(d);
        json_decref(pcrs);
        return NULL;
    }
    for (size_t i = 0; i < doc->n_pcrs; i++) {
        char key[4];
        snprintf(key, sizeof(key), "%u", doc->pcrs[i].index);
        json_object_set_new(pcrs, key, hex_json(doc->pcrs[i].value));
    }
    json_object_set_new(d, "module_id", json_stringn((const char *)doc->module_id.p, doc->module_id.len));
    json_object_set_new(d, "timestamp", json_integer((json_int_t)doc->timestamp_ms));
    json_object_set_new(d, "digest", json_string("SHA384"));
    json_object_set_new(d, "pcrs", pcrs);
    json_object_set_new(d, "public_key_present", json_boolean(doc->public_key.p != NULL));
    json_object_set_new(d, "nonce_present", json_boolean(doc->nonce.p != NULL));
    return d;
}

static int all_zero(tp_span s)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < s.len; i++)
        acc |= s.p[i];
    return acc == 0;
}

static tp_err fill_facts(const tp_nitro_doc *doc, tp_evidence_facts *facts, tp_error *err)
{
    const tp_nitro_pcr *pcr0 = find_pcr(doc, 0);
    if (pcr0 == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: PCR0 missing");
    if (doc->user_data.p != NULL && doc->user_data.len != 64)
        return tp_error_set(err, TP_ERR_EVIDENCE, "nitro: user_data is %zu bytes, expected 64",
                            doc->user_data.len);
    memset(facts, 0, sizeof(*facts));
    snprintf(facts->platform, sizeof(facts->platform), "nitro");
    memcpy(facts->measurement, pcr0->value.p, pcr0->value.len);
    facts->measurement_len = pcr0->value.len;
    if (doc->user_data.p != NULL) {
        memcpy(facts->report_data, doc->user_data.p, 64);
        facts->report_data_len = 64;
    }
    /* A debug-mode enclave reports its image PCRs (PCR0, PCR1, PCR2) as zeros; a production
     * enclave's PCR0 is the SHA-384 of its image file and never zero. */
    facts->debug = all_zero(pcr0->value);
    facts->details = details_json(doc);
    return facts->details != NULL ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, "nitro: out of memory");
}

tp_err tp_nitro_verify(const uint8_t *evidence, size_t len, const tp_verify_opts *opts,
                       tp_evidence_facts *facts, tp_error *err)
{
    tp_nitro_doc doc;
    tp_err rc = tp_nitro_doc_parse(evidence, len, &doc, err);
    if (rc != TP_OK)
        return rc;
    if ((rc = tp_nitro_doc_check_signature(&doc, err)) == TP_OK &&
        (rc = verify_chain(&doc, opts, err)) == TP_OK)
        rc = fill_facts(&doc, facts, err);
    tp_nitro_doc_free(&doc);
    return rc;
}

const tp_platform tp_platform_nitro = {
    .name = "nitro",
    .verify = tp_nitro_verify,
};
