/* Intel TCB judgement for TDX (see tdx_tcb.h): the PCK certificate's SGX extensions read
 * with OpenSSL's generic ASN.1 (SEQUENCE OF {OID, value}), and Intel's level algorithm for
 * TCB Info v3 and QE Identity v2. Collateral signatures and dates are checked elsewhere. */
#include "attest/tdx_tcb.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"

#define SGX_EXT_OID "1.2.840.113741.1.13.1"
#define OID_TXT_MAX 64
#define QE_MISCSELECT_OFF 16
#define QE_ATTRIBUTES_OFF 48
#define QE_MRSIGNER_OFF 128
#define QE_ISVPRODID_OFF 256
#define QE_ISVSVN_OFF 258
#define TDX_MODULE_ID_MAX 16

enum { HAVE_FMSPC = 1, HAVE_PCEID = 2, HAVE_TCB = 4, HAVE_ALL = 7 };

/* --- the PCK certificate's SGX extension --- */

static STACK_OF(ASN1_TYPE) *seq_of(const ASN1_TYPE *t)
{
    if (t == NULL || t->type != V_ASN1_SEQUENCE)
        return NULL;
    const unsigned char *p = t->value.sequence->data;
    return d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
}

/* A {OID, value} pair: the OID's dotted text into oid, the value. 1/0. */
static int pair_of(const ASN1_TYPE *t, char oid[OID_TXT_MAX], STACK_OF(ASN1_TYPE) **pair,
                   const ASN1_TYPE **value)
{
    *pair = seq_of(t);
    if (*pair == NULL || sk_ASN1_TYPE_num(*pair) != 2)
        return 0;
    const ASN1_TYPE *o = sk_ASN1_TYPE_value(*pair, 0);
    *value = sk_ASN1_TYPE_value(*pair, 1);
    return o->type == V_ASN1_OBJECT &&
           OBJ_obj2txt(oid, OID_TXT_MAX, o->value.object, 1) > 0;
}

static int octets(const ASN1_TYPE *v, uint8_t *out, size_t n)
{
    if (v->type != V_ASN1_OCTET_STRING || (size_t)v->value.octet_string->length != n)
        return 0;
    memcpy(out, v->value.octet_string->data, n);
    return 1;
}

static int integer(const ASN1_TYPE *v, int64_t max, unsigned *out)
{
    int64_t x;
    if (v->type != V_ASN1_INTEGER || !ASN1_INTEGER_get_int64(&x, v->value.integer) || x < 0 ||
        x > max)
        return 0;
    *out = (unsigned)x;
    return 1;
}

/* The TCB member: SEQUENCE OF {.2.N, INTEGER} for components 1..16, .2.17 PCESVN, .2.18
 * CPUSVN (the components again, not needed). Every component and the PCESVN must appear. */
static int parse_tcb(const ASN1_TYPE *v, tp_pck_ext *out)
{
    STACK_OF(ASN1_TYPE) *items = seq_of(v);
    uint32_t seen = 0;
    int ok = items != NULL;
    for (int i = 0; ok && i < sk_ASN1_TYPE_num(items); i++) {
        char oid[OID_TXT_MAX];
        STACK_OF(ASN1_TYPE) *pair = NULL;
        const ASN1_TYPE *val;
        unsigned n = 0, x = 0;
        ok = pair_of(sk_ASN1_TYPE_value(items, i), oid, &pair, &val) &&
             sscanf(oid, SGX_EXT_OID ".2.%u", &n) == 1;
        if (ok && n >= 1 && n <= TP_TCB_COMPONENTS) {
            ok = integer(val, 255, &x);
            out->comp_svn[n - 1] = (uint8_t)x;
            seen |= 1u << (n - 1);
        } else if (ok && n == TP_TCB_COMPONENTS + 1) {
            ok = integer(val, 65535, &out->pcesvn);
            seen |= 1u << TP_TCB_COMPONENTS;
        }
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
    return ok && seen == (1u << (TP_TCB_COMPONENTS + 1)) - 1;
}

static unsigned parse_member(const char *oid, const ASN1_TYPE *val, tp_pck_ext *out, int *ok)
{
    if (strcmp(oid, SGX_EXT_OID ".2") == 0)
        return (*ok = parse_tcb(val, out)) ? HAVE_TCB : 0;
    if (strcmp(oid, SGX_EXT_OID ".3") == 0)
        return (*ok = octets(val, out->pceid, sizeof(out->pceid))) ? HAVE_PCEID : 0;
    if (strcmp(oid, SGX_EXT_OID ".4") == 0)
        return (*ok = octets(val, out->fmspc, sizeof(out->fmspc))) ? HAVE_FMSPC : 0;
    return 0; /* PPID, SGX type, platform instance, configuration: not needed */
}

tp_err tp_pck_ext_parse(X509 *pck, tp_pck_ext *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
    int idx = obj ? X509_get_ext_by_OBJ(pck, obj, -1) : -1;
    ASN1_OBJECT_free(obj);
    X509_EXTENSION *ext = idx >= 0 ? X509_get_ext(pck, idx) : NULL;
    ASN1_OCTET_STRING *data = ext ? X509_EXTENSION_get_data(ext) : NULL;
    if (data == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE, "the PCK certificate has no SGX extension");
    const unsigned char *p = data->data;
    STACK_OF(ASN1_TYPE) *members = d2i_ASN1_SEQUENCE_ANY(NULL, &p, data->length);
    int ok = members != NULL && p == data->data + data->length;
    unsigned have = 0;
    for (int i = 0; ok && i < sk_ASN1_TYPE_num(members); i++) {
        char oid[OID_TXT_MAX];
        STACK_OF(ASN1_TYPE) *pair = NULL;
        const ASN1_TYPE *val;
        ok = pair_of(sk_ASN1_TYPE_value(members, i), oid, &pair, &val);
        unsigned bit = ok ? parse_member(oid, val, out, &ok) : 0;
        if (have & bit)
            ok = 0; /* a member twice is ambiguous */
        have |= bit;
        sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
    }
    sk_ASN1_TYPE_pop_free(members, ASN1_TYPE_free);
    ERR_clear_error();
    if (!ok || have != HAVE_ALL)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "the PCK certificate's SGX extension is malformed or incomplete");
    return TP_OK;
}

/* --- JSON members of the collateral --- */

static tp_err malformed(tp_error *err, const char *what, const char *key)
{
    return tp_error_set(err, TP_ERR_COLLATERAL, "%s: member \"%s\" is missing or malformed", what,
                        key);
}

static int hex_member(const json_t *o, const char *key, uint8_t *out, size_t n)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) && json_string_length(v) == 2 * n &&
           tp_hex_decode_fixed(json_string_value(v), out, n);
}

static int int_member(const json_t *o, const char *key, json_int_t max, unsigned *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return 0;
    *out = (unsigned)json_integer_value(v);
    return 1;
}

static int id_version(const json_t *o, const char *id, unsigned version)
{
    unsigned v;
    const char *s = json_string_value(json_object_get(o, "id"));
    return s != NULL && strcmp(s, id) == 0 && int_member(o, "version", 255, &v) && v == version;
}

int tp_tcb_status_known(const char *s)
{
    static const char *const k_status[] = {
        "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
        "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded",
        "Revoked",
    };
    for (size_t i = 0; s != NULL && i < sizeof(k_status) / sizeof(k_status[0]); i++)
        if (strcmp(s, k_status[i]) == 0)
            return 1;
    return 0;
}

/* A level's tcbStatus, one of Intel's; anything else makes the collateral malformed. */
static int copy_status(const json_t *level, char out[TP_TCB_STATUS_MAX])
{
    const char *s = json_string_value(json_object_get(level, "tcbStatus"));
    if (!tp_tcb_status_known(s))
        return 0;
    snprintf(out, TP_TCB_STATUS_MAX, "%s", s);
    return 1;
}

/* The 16 SVNs of a component array ([{"svn": n, ...}, ...]). */
static int components(const json_t *arr, uint8_t svn[TP_TCB_COMPONENTS])
{
    if (!json_is_array(arr) || json_array_size(arr) != TP_TCB_COMPONENTS)
        return 0;
    for (size_t i = 0; i < TP_TCB_COMPONENTS; i++) {
        unsigned v;
        if (!int_member(json_array_get(arr, i), "svn", 255, &v))
            return 0;
        svn[i] = (uint8_t)v;
    }
    return 1;
}

/* The first of holder's "tcbLevels" whose tcb.isvsvn is <= svn gives status; none met:
 * TP_ERR_TCB_STATUS (QE Identity levels, TDX module identity levels). */
static tp_err isvsvn_level(const json_t *holder, const char *what, unsigned svn,
                           char status[TP_TCB_STATUS_MAX], tp_error *err)
{
    const json_t *levels = json_object_get(holder, "tcbLevels");
    if (!json_is_array(levels))
        return malformed(err, what, "tcbLevels");
    size_t i;
    const json_t *lv;
    json_array_foreach(levels, i, lv) {
        unsigned level_svn;
        if (!int_member(json_object_get(lv, "tcb"), "isvsvn", 65535, &level_svn) ||
            !copy_status(lv, status))
            return malformed(err, what, "tcbLevels");
        if (svn >= level_svn)
            return TP_OK;
    }
    status[0] = '\0';
    return tp_error_set(err, TP_ERR_TCB_STATUS, "no TCB level of the %s is met (ISVSVN %u)", what,
                        svn);
}

/* --- TCB Info --- */

/* MRSIGNERSEAM equal and SEAM attributes equal under the mask, for a tdxModule object or a
 * tdxModuleIdentities entry. */
static tp_err match_module(const json_t *m, const tp_tdx_tcb_in *in, const char *what,
                           tp_error *err)
{
    uint8_t mrsigner[48], attr[8], mask[8];
    if (!hex_member(m, "mrsigner", mrsigner, 48) || !hex_member(m, "attributes", attr, 8) ||
        !hex_member(m, "attributesMask", mask, 8))
        return malformed(err, what, "mrsigner/attributes/attributesMask");
    if (memcmp(mrsigner, in->mrsignerseam, 48) != 0)
        return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                            "the quote's MRSIGNERSEAM is not the %s's mrsigner", what);
    for (size_t i = 0; i < 8; i++)
        if ((in->seam_attributes[i] & mask[i]) != (attr[i] & mask[i]))
            return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                                "the quote's SEAM attributes do not match the %s", what);
    return TP_OK;
}

/* TDX 1.5 (TEE_TCB_SVN[1] = module major version > 0): the module identity "TDX_%02X" of
 * tdxModuleIdentities, when the TCB Info has them, and its level by TEE_TCB_SVN[0]. */
static tp_err judge_module_identity(const json_t *info, const tp_tdx_tcb_in *in,
                                    char status[TP_TCB_STATUS_MAX], tp_error *err)
{
    status[0] = '\0';
    const json_t *ids = json_object_get(info, "tdxModuleIdentities");
    if (in->tee_tcb_svn[1] == 0 || ids == NULL)
        return TP_OK;
    if (!json_is_array(ids))
        return malformed(err, "TCB Info", "tdxModuleIdentities");
    char want[TDX_MODULE_ID_MAX];
    snprintf(want, sizeof(want), "TDX_%02X", in->tee_tcb_svn[1]);
    size_t i;
    const json_t *m;
    json_array_foreach(ids, i, m) {
        const char *id = json_string_value(json_object_get(m, "id"));
        if (id == NULL || strcmp(id, want) != 0)
            continue;
        tp_err rc = match_module(m, in, "TDX module identity", err);
        return rc != TP_OK ? rc
                           : isvsvn_level(m, "TDX module identity", in->tee_tcb_svn[0], status, err);
    }
    return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                        "the TCB Info has no identity for TDX module %s", want);
}

/* Intel's rule: the first level whose SGX component SVNs and PCESVN the PCK certificate
 * meets and whose TDX component SVNs the TD report's TEE_TCB_SVN meets (from component 2
 * when module_judged: components 0 and 1 are then the module's own SVN and major version,
 * judged by its identity). 1 on a match, 0 when none, -1 when malformed. */
static int match_level(const json_t *levels, const tp_pck_ext *pck, const uint8_t *tee,
                       int module_judged, char status[TP_TCB_STATUS_MAX])
{
    size_t i;
    const json_t *lv;
    size_t first_tdx = module_judged ? 2 : 0;
    json_array_foreach(levels, i, lv) {
        const json_t *tcb = json_object_get(lv, "tcb");
        uint8_t sgx[TP_TCB_COMPONENTS], tdx[TP_TCB_COMPONENTS];
        unsigned pcesvn;
        if (!components(json_object_get(tcb, "sgxtcbcomponents"), sgx) ||
            !components(json_object_get(tcb, "tdxtcbcomponents"), tdx) ||
            !int_member(tcb, "pcesvn", 65535, &pcesvn) || !copy_status(lv, status))
            return -1;
        int met = pck->pcesvn >= pcesvn;
        for (size_t c = 0; met && c < TP_TCB_COMPONENTS; c++)
            met = pck->comp_svn[c] >= sgx[c] && (c < first_tdx || tee[c] >= tdx[c]);
        if (met)
            return 1;
    }
    status[0] = '\0';
    return 0;
}

tp_err tp_tdx_tcb_judge(const json_t *info, const tp_pck_ext *pck, const tp_tdx_tcb_in *in,
                        char status[TP_TCB_STATUS_MAX], tp_error *err)
{
    uint8_t fmspc[6], pceid[2];
    status[0] = '\0';
    if (!id_version(info, "TDX", 3))
        return tp_error_set(err, TP_ERR_COLLATERAL, "TCB Info is not id TDX version 3");
    if (!hex_member(info, "fmspc", fmspc, 6) || !hex_member(info, "pceId", pceid, 2))
        return malformed(err, "TCB Info", "fmspc/pceId");
    if (memcmp(fmspc, pck->fmspc, 6) != 0 || memcmp(pceid, pck->pceid, 2) != 0)
        return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                            "the TCB Info's FMSPC/PCEID are not the PCK certificate's");
    const json_t *module = json_object_get(info, "tdxModule");
    if (!json_is_object(module))
        return malformed(err, "TCB Info", "tdxModule");
    tp_err rc = match_module(module, in, "TCB Info's tdxModule", err);
    char module_status[TP_TCB_STATUS_MAX];
    if (rc == TP_OK)
        rc = judge_module_identity(info, in, module_status, err);
    if (rc != TP_OK)
        return rc;
    const json_t *levels = json_object_get(info, "tcbLevels");
    int m = json_is_array(levels) ? match_level(levels, pck, in->tee_tcb_svn,
                                                module_status[0] != '\0', status)
                                  : -1;
    if (m < 0)
        return malformed(err, "TCB Info", "tcbLevels");
    if (m == 0) {
        char sgx[2 * TP_TCB_COMPONENTS + 1], tee[2 * TP_TCB_COMPONENTS + 1];
        tp_hex_encode(pck->comp_svn, TP_TCB_COMPONENTS, sgx);
        tp_hex_encode(in->tee_tcb_svn, TP_TCB_COMPONENTS, tee);
        return tp_error_set(err, TP_ERR_TCB_STATUS,
                            "no TCB level of the TCB Info is met by this platform (PCK SGX SVNs "
                            "%s, PCESVN %u, TEE_TCB_SVN %s)", sgx, pck->pcesvn, tee);
    }
    /* An out-of-date or revoked TDX module makes the whole TCB so (Intel QVL). */
    if (strcmp(module_status, "OutOfDate") == 0 || strcmp(module_status, "Revoked") == 0)
        snprintf(status, TP_TCB_STATUS_MAX, "%s", module_status);
    return TP_OK;
}

/* --- QE Identity --- */

static tp_err match_qe(const json_t *id, const uint8_t *r, tp_error *err)
{
    uint8_t misc[4], misc_mask[4], attr[16], attr_mask[16], mrsigner[32];
    unsigned prodid;
    if (!hex_member(id, "miscselect", misc, 4) || !hex_member(id, "miscselectMask", misc_mask, 4) ||
        !hex_member(id, "attributes", attr, 16) ||
        !hex_member(id, "attributesMask", attr_mask, 16) ||
        !hex_member(id, "mrsigner", mrsigner, 32) || !int_member(id, "isvprodid", 65535, &prodid))
        return malformed(err, "QE Identity", "miscselect/attributes/mrsigner/isvprodid");
    if (memcmp(mrsigner, r + QE_MRSIGNER_OFF, 32) != 0)
        return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                            "the QE report's MRSIGNER is not the QE Identity's");
    if ((unsigned)(r[QE_ISVPRODID_OFF] | r[QE_ISVPRODID_OFF + 1] << 8) != prodid)
        return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                            "the QE report's ISVPRODID is not the QE Identity's");
    /* MISCSELECT bytes as in the report (little-endian u32), like the identity's hex. */
    for (size_t i = 0; i < 4; i++)
        if ((r[QE_MISCSELECT_OFF + i] & misc_mask[i]) != (misc[i] & misc_mask[i]))
            return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                                "the QE report's MISCSELECT does not match the QE Identity");
    for (size_t i = 0; i < 16; i++)
        if ((r[QE_ATTRIBUTES_OFF + i] & attr_mask[i]) != (attr[i] & attr_mask[i]))
            return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                                "the QE report's ATTRIBUTES do not match the QE Identity");
    return TP_OK;
}

tp_err tp_tdx_qe_judge(const json_t *id, const uint8_t *qe_report, char status[TP_TCB_STATUS_MAX],
                       tp_error *err)
{
    status[0] = '\0';
    if (!id_version(id, "TD_QE", 2))
        return tp_error_set(err, TP_ERR_COLLATERAL, "QE Identity is not id TD_QE version 2");
    tp_err rc = match_qe(id, qe_report, err);
    if (rc != TP_OK)
        return rc;
    unsigned isvsvn = qe_report[QE_ISVSVN_OFF] | qe_report[QE_ISVSVN_OFF + 1] << 8;
    return isvsvn_level(id, "QE Identity", isvsvn, status, err);
}
