/* Intel TDX: quote v4/v5 parsing and verification, and the configfs-tsm attester.
 * Layout: 48-byte header (version, attestation key type 2 = ECDSA P-256, TEE type 0x81);
 * v4: TD report body (584 bytes); v5: u16 body type (2: TDX 1.0, 584 bytes; 3: TDX 1.5,
 * 648 bytes), u32 body size, body. Then u32 signature data length and the signature data
 * (tdx_qe.c). The quote signature covers everything before that length. Bytes after the
 * signature data are ignored (quotes come in zero-padded buffers). With a collateral
 * directory the platform's and the QE's TCB statuses are judged too (tdx_collateral.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/platform.h"
#include "attest/tdx_collateral.h"
#include "attest/tdx_qe.h"
#include "attest/x509util.h"

#define TDX_HEADER_LEN 48
#define TDX_BODY_10_LEN 584
#define TDX_BODY_15_LEN 648
#define TDX_TEE_TYPE 0x81
#define TDX_ATT_KEY_ECDSA_P256 2
#define TDX_MAX_QUOTE (64 * 1024)

typedef struct tdx_body {
    const uint8_t *tee_tcb_svn, *mrseam, *mrsignerseam, *seam_attributes, *td_attributes, *xfam;
    const uint8_t *mrtd, *mrconfigid, *mrowner, *mrownerconfig, *rtmr[4], *report_data;
    const uint8_t *tee_tcb_svn2, *mrservicetd; /* TDX 1.5 body only, else NULL */
} tdx_body;

typedef struct tdx_quote {
    uint16_t version;
    uint16_t qe_svn, pce_svn;
    uint16_t body_type;
    tdx_body body;
    const uint8_t *signed_part;
    size_t signed_len;
    tp_qe_sigdata sig;
} tdx_quote;

static tp_err parse_header(tp_reader *r, tdx_quote *q, tp_error *err)
{
    uint16_t key_type;
    uint32_t tee_type;
    if (!tp_read_u16le(r, &q->version) || !tp_read_u16le(r, &key_type) ||
        !tp_read_u32le(r, &tee_type) || !tp_read_skip(r, 4) || !tp_read_u16le(r, &q->qe_svn) ||
        !tp_read_u16le(r, &q->pce_svn) || !tp_read_skip(r, TDX_HEADER_LEN - 16))
        return tp_error_set(err, TP_ERR_TRUNCATED, "TDX quote shorter than its header");
    if (q->version != 4 && q->version != 5)
        return tp_error_set(err, TP_ERR_EVIDENCE, "TDX quote version %u is not supported (4, 5)",
                            q->version);
    if (tee_type != TDX_TEE_TYPE)
        return tp_error_set(err, TP_ERR_EVIDENCE, "quote TEE type 0x%x is not TDX", tee_type);
    if (key_type != TDX_ATT_KEY_ECDSA_P256)
        return tp_error_set(err, TP_ERR_EVIDENCE, "TDX attestation key type %u is not ECDSA P-256",
                            key_type);
    return TP_OK;
}

static int parse_body(tp_reader *r, uint16_t body_type, tdx_body *b)
{
    int ok = tp_read_bytes(r, 16, &b->tee_tcb_svn) && tp_read_bytes(r, 48, &b->mrseam) &&
             tp_read_bytes(r, 48, &b->mrsignerseam) && tp_read_bytes(r, 8, &b->seam_attributes) &&
             tp_read_bytes(r, 8, &b->td_attributes) && tp_read_bytes(r, 8, &b->xfam) &&
             tp_read_bytes(r, 48, &b->mrtd) && tp_read_bytes(r, 48, &b->mrconfigid) &&
             tp_read_bytes(r, 48, &b->mrowner) && tp_read_bytes(r, 48, &b->mrownerconfig);
    for (int i = 0; ok && i < 4; i++)
        ok = tp_read_bytes(r, 48, &b->rtmr[i]);
    ok = ok && tp_read_bytes(r, 64, &b->report_data);
    if (ok && body_type == 3)
        ok = tp_read_bytes(r, 16, &b->tee_tcb_svn2) && tp_read_bytes(r, 48, &b->mrservicetd);
    return ok && tp_reader_left(r) == 0;
}

/* The body: v4 has no descriptor; v5 names its type and size. */
static tp_err read_body(tp_reader *r, tdx_quote *q, tp_error *err)
{
    uint32_t size = TDX_BODY_10_LEN;
    q->body_type = 2;
    if (q->version == 5) {
        if (!tp_read_u16le(r, &q->body_type) || !tp_read_u32le(r, &size))
            return tp_error_set(err, TP_ERR_TRUNCATED, "TDX quote v5 truncated in body descriptor");
        uint32_t want = q->body_type == 2 ? TDX_BODY_10_LEN
                        : q->body_type == 3 ? TDX_BODY_15_LEN : 0;
        if (want == 0)
            return tp_error_set(err, TP_ERR_EVIDENCE, "TDX quote v5 body type %u is not a TD report",
                                q->body_type);
        if (size != want)
            return tp_error_set(err, TP_ERR_EVIDENCE, "TDX quote v5 body size %u, expected %u",
                                size, want);
    }
    tp_reader body;
    if (!tp_read_sub(r, size, &body))
        return tp_error_set(err, TP_ERR_TRUNCATED, "TDX quote truncated in the TD report body");
    if (!parse_body(&body, q->body_type, &q->body))
        return tp_error_set(err, TP_ERR_EVIDENCE, "TDX TD report body is malformed");
    return TP_OK;
}

static tp_err parse_quote(const uint8_t *ev, size_t len, tdx_quote *q, tp_error *err)
{
    memset(q, 0, sizeof(*q));
    if (len > TDX_MAX_QUOTE)
        return tp_error_set(err, TP_ERR_EVIDENCE, "TDX quote larger than %d bytes", TDX_MAX_QUOTE);
    tp_reader r, sigdata;
    tp_reader_init(&r, ev, len);
    tp_err rc = parse_header(&r, q, err);
    if (rc == TP_OK)
        rc = read_body(&r, q, err);
    if (rc != TP_OK)
        return rc;
    q->signed_len = len - tp_reader_left(&r);
    q->signed_part = ev;
    uint32_t sig_len;
    if (!tp_read_u32le(&r, &sig_len) || !tp_read_sub(&r, sig_len, &sigdata))
        return tp_error_set(err, TP_ERR_TRUNCATED, "TDX quote truncated in the signature data");
    rc = tp_qe_parse(&sigdata, &q->sig, err);
    if (rc == TP_OK && tp_reader_left(&sigdata) != 0)
        rc = tp_error_set(err, TP_ERR_EVIDENCE, "TDX signature data has trailing bytes");
    return rc;
}

static int set_hex_fields(json_t *d, const tdx_quote *q)
{
    const tdx_body *b = &q->body;
    static const char *const k_rtmr[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    int ok = tp_att_set_hex(d, "tee_tcb_svn", b->tee_tcb_svn, 16) &&
             tp_att_set_hex(d, "mrseam", b->mrseam, 48) &&
             tp_att_set_hex(d, "mrsignerseam", b->mrsignerseam, 48) &&
             tp_att_set_hex(d, "seam_attributes", b->seam_attributes, 8) &&
             tp_att_set_hex(d, "td_attributes", b->td_attributes, 8) &&
             tp_att_set_hex(d, "xfam", b->xfam, 8) &&
             tp_att_set_hex(d, "mrconfigid", b->mrconfigid, 48) &&
             tp_att_set_hex(d, "mrowner", b->mrowner, 48) &&
             tp_att_set_hex(d, "mrownerconfig", b->mrownerconfig, 48);
    for (int i = 0; ok && i < 4; i++)
        ok = tp_att_set_hex(d, k_rtmr[i], b->rtmr[i], 48);
    if (ok && b->tee_tcb_svn2 != NULL)
        ok = tp_att_set_hex(d, "tee_tcb_svn2", b->tee_tcb_svn2, 16) &&
             tp_att_set_hex(d, "mrservicetd", b->mrservicetd, 48);
    return ok;
}

static tp_err fill_facts(const tdx_quote *q, tp_evidence_facts *f, tp_error *err)
{
    memcpy(f->measurement, q->body.mrtd, 48);
    f->measurement_len = 48;
    memcpy(f->report_data, q->body.report_data, 64);
    f->report_data_len = 64;
    f->debug = (q->body.td_attributes[0] & 0x01) != 0; /* TUD.DEBUG */
    f->details = json_pack("{s:i, s:i, s:i, s:i}", "version", q->version, "body_type",
                           q->body_type, "qe_svn", q->qe_svn, "pce_svn", q->pce_svn);
    if (f->details == NULL || !set_hex_fields(f->details, q))
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

/* With a collateral directory: Intel's TCB statuses of the platform and the QE. The
 * collateral is checked before the quote's own chain so that expired collateral is
 * reported as such; nothing is returned unless both pass. */
static tp_err judge_collateral(const tdx_quote *q, const tp_verify_opts *opts,
                               char tcb[TP_TCB_STATUS_MAX], char qe[TP_TCB_STATUS_MAX],
                               tp_error *err)
{
    tcb[0] = qe[0] = '\0';
    if (opts->collateral_dir == NULL && opts->collateral == NULL)
        return TP_OK;
    tp_tdx_tcb_in in = {
        .tee_tcb_svn = q->body.tee_tcb_svn, .mrsignerseam = q->body.mrsignerseam,
        .seam_attributes = q->body.seam_attributes, .qe_report = q->sig.qe_report,
    };
    return tp_tdx_collateral_check(&in, q->sig.pck_pem, q->sig.pck_pem_len, opts, tcb, qe, err);
}

static tp_err tdx_verify(const uint8_t *ev, size_t len, const tp_verify_opts *opts,
                         tp_evidence_facts *facts, tp_error *err)
{
    tdx_quote q;
    char tcb[TP_TCB_STATUS_MAX], qe[TP_TCB_STATUS_MAX];
    tp_err rc = parse_quote(ev, len, &q, err);
    if (rc == TP_OK)
        rc = judge_collateral(&q, opts, tcb, qe, err);
    if (rc == TP_OK)
        rc = tp_qe_verify(&q.sig, q.signed_part, q.signed_len, opts, err);
    if (rc == TP_OK)
        rc = fill_facts(&q, facts, err);
    if (rc == TP_OK) {
        snprintf(facts->tcb_status, sizeof(facts->tcb_status), "%s", tcb);
        snprintf(facts->qe_tcb_status, sizeof(facts->qe_tcb_status), "%s", qe);
    }
    return rc;
}

static tp_err tdx_collateral_names(const uint8_t *ev, size_t len, const char *dir,
                                   tp_collateral_names *out, tp_error *err)
{
    (void)dir;
    tdx_quote q;
    tp_err rc = parse_quote(ev, len, &q, err);
    return rc == TP_OK ? tp_tdx_collateral_names(q.sig.pck_pem, q.sig.pck_pem_len, out, err) : rc;
}

tp_err tp_tdx_quote_report_data(const uint8_t *ev, size_t len, uint8_t out[64], tp_error *err)
{
    tdx_quote q;
    tp_err rc = parse_quote(ev, len, &q, err);
    if (rc == TP_OK)
        memcpy(out, q.body.report_data, 64);
    return rc;
}

const tp_platform tp_platform_tdx = {
    .name = "tdx",
    .verify = tdx_verify,
    .collateral_names = tdx_collateral_names,
};
