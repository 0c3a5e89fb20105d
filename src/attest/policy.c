/* Policy: which platforms, measurements and debug states a prover or verifier accepts, and
 * where the roots come from. Format in docs/policy.md; unknown keys are rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest_json.h"
#include "attest/platform.h"
#include "attest/tdx_tcb.h"
#include "attest/policy_gcpcs.h"
#include "attest/policy_snp.h"
#include "attest/x509util.h"
#include "base/codec.h"

#define MAX_VALUES 256
#define MAX_DETAIL_KEYS 8
#define POLICY_MAX_BYTES (1 << 20)
/* max_proof_age_s accepts 1 s up to ~100 years. */
#define MAX_PROOF_AGE_LIMIT_S (100LL * 366 * 24 * 3600)

/* F_TCB: Intel TCB statuses judged (tcb_status); F_COLL: takes a collateral directory
 * (tdx: Intel PCS collateral; sev-snp: AMD CRLs). */
enum { F_ROOTS = 1, F_CHAIN = 2, F_VCEK = 4, F_JWKS = 8, F_AUD = 16, F_TCB = 32, F_COLL = 64 };

/* Per platform: the member naming its measurement list, extra fields a policy may pin
 * (matched against the same-named hex string in the verified facts' details), and which
 * trust-material members it takes. sim has no measurement and takes only "allow". */
static const struct rules {
    const char *name;
    const char *measurement_key;
    const char *detail_keys[MAX_DETAIL_KEYS];
    unsigned files;
} k_rules[] = {
    {"sim", NULL, {NULL}, 0},
    {"tdx", "mrtd", {"rtmr0", "rtmr1", "rtmr2", "rtmr3", "mrconfigid", "mrowner", "mrownerconfig"},
     F_ROOTS | F_TCB | F_COLL},
    {"sev-snp", "measurement", {"host_data", "id_key_digest", "author_key_digest", "family_id",
                                "image_id"}, F_ROOTS | F_CHAIN | F_VCEK | F_COLL},
    {"nitro", "pcr0", {"pcr1", "pcr2", "pcr3", "pcr4", "pcr8"}, F_ROOTS},
    {"gcp-cs", "image_digest", {NULL}, F_JWKS | F_AUD},
};
#define N_RULES (sizeof(k_rules) / sizeof(k_rules[0]))

typedef struct hexval {
    uint8_t b[64];
    size_t len;
} hexval;

typedef struct hexlist {
    hexval *v;
    size_t n;
} hexlist;

typedef struct plat_policy {
    int allowed;
    int allow_debug;
    tp_snp_reqs snp;  /* sev-snp only (policy_snp.c) */
    tp_gcpcs_reqs cs; /* gcp-cs only (policy_gcpcs.c) */
    hexlist measurements;
    hexlist details[MAX_DETAIL_KEYS]; /* n == 0: not pinned */
    char *roots_file, *chain_file, *jwks_file, *audience;
    uint8_t *cert_der;
    size_t cert_der_len;
    char *collateral_dir;
    char **tcb_status; /* accepted TCB statuses; NULL: "UpToDate" only */
    size_t n_tcb_status;
} plat_policy;

struct tp_policy {
    plat_policy plat[N_RULES];
    long long max_proof_age_s; /* 0: no limit */
};

static int rules_index(const char *name)
{
    for (size_t i = 0; name != NULL && i < N_RULES; i++)
        if (strcmp(k_rules[i].name, name) == 0)
            return (int)i;
    return -1;
}

void tp_policy_free(tp_policy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < N_RULES; i++) {
        plat_policy *pp = &p->plat[i];
        tp_snp_reqs_free(&pp->snp);
        tp_gcpcs_reqs_free(&pp->cs);
        free(pp->measurements.v);
        for (size_t k = 0; k < MAX_DETAIL_KEYS; k++)
            free(pp->details[k].v);
        free(pp->roots_file);
        free(pp->chain_file);
        free(pp->jwks_file);
        free(pp->audience);
        free(pp->cert_der);
        free(pp->collateral_dir);
        for (size_t k = 0; k < pp->n_tcb_status; k++)
            free(pp->tcb_status[k]);
        free(pp->tcb_status);
    }
    free(p);
}

/* A policy accepting nothing, with every platform's defaults. */
static tp_policy *policy_new(void)
{
    tp_policy *p = calloc(1, sizeof(*p));
    for (size_t i = 0; p != NULL && i < N_RULES; i++)
        tp_snp_reqs_init(&p->plat[i].snp);
    return p;
}

tp_policy *tp_policy_insecure_sim(void)
{
    tp_policy *p = policy_new();
    if (p != NULL) {
        p->plat[0].allowed = 1; /* k_rules[0] is sim */
        p->plat[0].allow_debug = 1;
    }
    return p;
}

/* --- TCB status (platforms with collateral) --- */

#define MAX_TCB_STATUS 16

static tp_err parse_tcb_status(json_t *v, const char *where, plat_policy *pp, tp_error *err)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_TCB_STATUS)
        return tp_error_set(err, TP_ERR_JSON, "policy: %s must be a non-empty array of at most %d "
                            "status names", where, MAX_TCB_STATUS);
    if ((pp->tcb_status = calloc(json_array_size(v), sizeof(char *))) == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || !tp_tcb_status_known(json_string_value(e)))
            return tp_error_set(err, TP_ERR_JSON, "policy: %s[%zu] is not an Intel TCB status "
                                "name", where, i);
        if ((pp->tcb_status[i] = strdup(json_string_value(e))) == NULL)
            return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        pp->n_tcb_status++;
    }
    return TP_OK;
}

static int status_accepted(const plat_policy *pp, const char *status)
{
    if (pp->tcb_status == NULL)
        return strcmp(status, "UpToDate") == 0;
    for (size_t i = 0; i < pp->n_tcb_status; i++)
        if (strcmp(pp->tcb_status[i], status) == 0)
            return 1;
    return 0;
}

/* Judged evidence (collateral given): both statuses accepted. A policy that names
 * tcb_status needs judged evidence. */
static tp_err check_tcb_status(const plat_policy *pp, const tp_evidence_facts *f, tp_error *err)
{
    if (f->tcb_status[0] == '\0')
        return pp->tcb_status == NULL ? TP_OK
                                      : tp_error_set(err, TP_ERR_TCB_STATUS,
                                                     "the policy requires a TCB status but no "
                                                     "collateral was given to judge it");
    if (!status_accepted(pp, f->tcb_status))
        return tp_error_set(err, TP_ERR_TCB_STATUS, "%s TCB status %s is not accepted by the policy",
                            f->platform, f->tcb_status);
    if (!status_accepted(pp, f->qe_tcb_status))
        return tp_error_set(err, TP_ERR_TCB_STATUS,
                            "%s QE TCB status %s is not accepted by the policy", f->platform,
                            f->qe_tcb_status);
    return TP_OK;
}

tp_err tp_policy_set_collateral(tp_policy *p, const char *platform, const char *dir, tp_error *err)
{
    int i = rules_index(platform);
    if (i < 0 || !(k_rules[i].files & F_COLL))
        return tp_error_set(err, TP_ERR_ARG, "collateral is not supported for platform %s",
                            platform ? platform : "(null)");
    char *copy = strdup(dir);
    if (copy == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    free(p->plat[i].collateral_dir);
    p->plat[i].collateral_dir = copy;
    return TP_OK;
}

/* --- parsing --- */

static int parse_hexval(const char *s, hexval *out)
{
    if (strncmp(s, "sha256:", 7) == 0)
        s += 7;
    size_t n = strlen(s);
    if (n == 0 || n % 2 != 0 || n / 2 > sizeof(out->b))
        return 0;
    out->len = n / 2;
    return tp_hex_decode_fixed(s, out->b, out->len);
}

static tp_err parse_hexlist(json_t *v, const char *where, hexlist *out, tp_error *err)
{
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MAX_VALUES)
        return tp_error_set(err, TP_ERR_JSON, "policy: %s must be a non-empty array of hex strings",
                            where);
    out->v = calloc(json_array_size(v), sizeof(hexval));
    if (out->v == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || !parse_hexval(json_string_value(e), &out->v[i]))
            return tp_error_set(err, TP_ERR_JSON, "policy: %s[%zu] is not a hex string of 1-64 bytes",
                                where, i);
        out->n++;
    }
    return TP_OK;
}

/* A path member, resolved against base_dir when relative. */
static tp_err parse_path(json_t *v, const char *where, const char *base_dir, char **out,
                         tp_error *err)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return tp_error_set(err, TP_ERR_JSON, "policy: %s must be a non-empty string", where);
    const char *s = json_string_value(v);
    int rel = s[0] != '/' && base_dir != NULL;
    size_t n = strlen(s) + (rel ? strlen(base_dir) + 1 : 0) + 1;
    if ((*out = malloc(n)) == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    snprintf(*out, n, "%s%s%s", rel ? base_dir : "", rel ? "/" : "", s);
    return TP_OK;
}

static tp_err parse_file_member(const struct rules *r, plat_policy *pp, const char *key, json_t *v,
                                const char *base_dir, tp_error *err)
{
    char where[64];
    snprintf(where, sizeof(where), "platforms.%s.%s", r->name, key);
    if ((r->files & F_ROOTS) && strcmp(key, "roots_file") == 0)
        return parse_path(v, where, base_dir, &pp->roots_file, err);
    if ((r->files & F_COLL) && strcmp(key, "collateral_dir") == 0)
        return parse_path(v, where, base_dir, &pp->collateral_dir, err);
    if ((r->files & F_TCB) && strcmp(key, "tcb_status") == 0)
        return parse_tcb_status(v, where, pp, err);
    if ((r->files & F_CHAIN) && strcmp(key, "chain_file") == 0)
        return parse_path(v, where, base_dir, &pp->chain_file, err);
    if ((r->files & F_JWKS) && strcmp(key, "jwks_file") == 0)
        return parse_path(v, where, base_dir, &pp->jwks_file, err);
    if ((r->files & F_AUD) && strcmp(key, "audience") == 0) {
        if (!json_is_string(v) || (pp->audience = strdup(json_string_value(v))) == NULL)
            return tp_error_set(err, TP_ERR_JSON, "policy: %s must be a string", where);
        return TP_OK;
    }
    if ((r->files & F_VCEK) && strcmp(key, "vcek_file") == 0) {
        char *path = NULL;
        tp_err rc = parse_path(v, where, base_dir, &path, err);
        if (rc == TP_OK)
            rc = tp_att_read_file(path, 64 * 1024, &pp->cert_der, &pp->cert_der_len, err);
        free(path);
        return rc;
    }
    return tp_error_set(err, TP_ERR_JSON, "policy: unknown key platforms.%s.%s", r->name, key);
}

static tp_err parse_member(const struct rules *r, plat_policy *pp, const char *key, json_t *v,
                           const char *base_dir, tp_error *err)
{
    char where[64];
    snprintf(where, sizeof(where), "platforms.%s.%s", r->name, key);
    if (strcmp(key, r->measurement_key ? "allow_debug" : "allow") == 0) {
        if (!json_is_boolean(v))
            return tp_error_set(err, TP_ERR_JSON, "policy: %s must be true or false", where);
        if (r->measurement_key != NULL)
            pp->allow_debug = json_is_true(v);
        else
            pp->allowed = pp->allow_debug = json_is_true(v);
        return TP_OK;
    }
    if (r->measurement_key != NULL && strcmp(key, r->measurement_key) == 0)
        return parse_hexlist(v, where, &pp->measurements, err);
    if (strcmp(r->name, "sev-snp") == 0 && tp_snp_reqs_has_key(key))
        return tp_snp_reqs_parse(&pp->snp, key, v, err);
    if (strcmp(r->name, "gcp-cs") == 0 && tp_gcpcs_reqs_has_key(key))
        return tp_gcpcs_reqs_parse(&pp->cs, key, v, err);
    for (size_t k = 0; k < MAX_DETAIL_KEYS && r->detail_keys[k] != NULL; k++)
        if (strcmp(key, r->detail_keys[k]) == 0)
            return parse_hexlist(v, where, &pp->details[k], err);
    return parse_file_member(r, pp, key, v, base_dir, err);
}

static tp_err parse_platform(const struct rules *r, plat_policy *pp, json_t *obj,
                             const char *base_dir, tp_error *err)
{
    if (!json_is_object(obj))
        return tp_error_set(err, TP_ERR_JSON, "policy: platforms.%s must be an object", r->name);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        tp_err rc = parse_member(r, pp, key, v, base_dir, err);
        if (rc != TP_OK)
            return rc;
    }
    if (r->measurement_key == NULL) {
        if (json_object_get(obj, "allow") == NULL)
            return tp_error_set(err, TP_ERR_JSON, "policy: platforms.sim needs \"allow\"");
        return TP_OK;
    }
    if (pp->measurements.n == 0)
        return tp_error_set(err, TP_ERR_JSON, "policy: platforms.%s needs a \"%s\" list", r->name,
                            r->measurement_key);
    pp->allowed = 1;
    return TP_OK;
}

static tp_err parse_doc(json_t *doc, tp_policy *p, const char *base_dir, tp_error *err)
{
    if (!json_is_object(doc))
        return tp_error_set(err, TP_ERR_JSON, "policy: not a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        if (strcmp(key, "version") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) != 1)
                return tp_error_set(err, TP_ERR_JSON, "policy: version must be 1");
        } else if (strcmp(key, "max_proof_age_s") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > MAX_PROOF_AGE_LIMIT_S)
                return tp_error_set(err, TP_ERR_JSON, "policy: max_proof_age_s must be an integer "
                                                      "from 1 to %lld", MAX_PROOF_AGE_LIMIT_S);
            p->max_proof_age_s = json_integer_value(v);
        } else if (strcmp(key, "platforms") != 0) {
            return tp_error_set(err, TP_ERR_JSON, "policy: unknown key '%s'", key);
        }
    }
    json_t *plats = json_object_get(doc, "platforms");
    if (!json_is_object(plats) || json_object_size(plats) == 0)
        return tp_error_set(err, TP_ERR_JSON, "policy: \"platforms\" must be a non-empty object");
    json_object_foreach(plats, key, v) {
        int i = rules_index(key);
        if (i < 0)
            return tp_error_set(err, TP_ERR_JSON, "policy: unknown platform '%s'", key);
        tp_err rc = parse_platform(&k_rules[i], &p->plat[i], v, base_dir, err);
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

static tp_err policy_parse_in(const char *json, size_t len, const char *base_dir, tp_policy **out,
                              tp_error *err)
{
    *out = NULL;
    if (len > POLICY_MAX_BYTES)
        return tp_error_set(err, TP_ERR_LIMIT, "policy larger than %d bytes", POLICY_MAX_BYTES);
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return tp_error_set(err, TP_ERR_JSON, "policy: invalid JSON at line %d: %s", jerr.line,
                            jerr.text);
    tp_policy *p = policy_new();
    tp_err rc = p ? parse_doc(doc, p, base_dir, err) : tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    json_decref(doc);
    if (rc != TP_OK) {
        tp_policy_free(p);
        return rc;
    }
    *out = p;
    return TP_OK;
}

tp_err tp_policy_parse(const char *json, size_t len, tp_policy **out, tp_error *err)
{
    return policy_parse_in(json, len, NULL, out, err);
}

tp_err tp_policy_load(const char *path, tp_policy **out, tp_error *err)
{
    uint8_t *data;
    size_t len;
    *out = NULL;
    tp_err rc = tp_att_read_file(path, POLICY_MAX_BYTES, &data, &len, err);
    if (rc != TP_OK)
        return rc;
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash != NULL)
        *slash = '\0';
    rc = dir ? policy_parse_in((const char *)data, len, slash ? dir : NULL, out, err)
             : tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    free(dir);
    free(data);
    if (rc != TP_OK)
        tp_error_prefix(err, rc, "%s", path);
    return rc;
}

/* --- checking --- */

static int in_list(const hexlist *l, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].len == len && memcmp(l->v[i].b, b, len) == 0)
            return 1;
    return 0;
}

/* A pinnable field of the facts' details: a hex string at details[key]; Nitro PCRs are
 * also found as details.pcrs["N"] for key "pcrN". */
static json_t *detail_value(json_t *details, const char *key)
{
    json_t *v = json_object_get(details, key);
    if (v == NULL && strncmp(key, "pcr", 3) == 0)
        v = json_object_get(json_object_get(details, "pcrs"), key + 3);
    return v;
}

static tp_err check_details(const struct rules *r, const plat_policy *pp,
                            const tp_evidence_facts *f, tp_error *err)
{
    for (size_t k = 0; k < MAX_DETAIL_KEYS && r->detail_keys[k] != NULL; k++) {
        if (pp->details[k].n == 0)
            continue;
        const char *key = r->detail_keys[k];
        json_t *v = detail_value(f->details, key);
        hexval hv;
        if (!json_is_string(v) || !parse_hexval(json_string_value(v), &hv))
            return tp_error_set(err, TP_ERR_POLICY, "policy pins %s but the evidence has none", key);
        if (!in_list(&pp->details[k], hv.b, hv.len))
            return tp_error_set(err, TP_ERR_POLICY, "%s %s is not accepted by the policy", key,
                                json_string_value(v));
    }
    return TP_OK;
}

static tp_err check_facts(const struct rules *r, const plat_policy *pp,
                          const tp_evidence_facts *f, const uint8_t expected[64], tp_error *err)
{
    if (r->measurement_key != NULL && !in_list(&pp->measurements, f->measurement,
                                               f->measurement_len)) {
        char hex[129];
        tp_hex_encode(f->measurement, f->measurement_len, hex);
        return tp_error_set(err, TP_ERR_POLICY, "%s %s %s is not accepted by the policy", r->name,
                            r->measurement_key, hex);
    }
    if (f->debug && !pp->allow_debug)
        return tp_error_set(err, TP_ERR_POLICY,
                            "%s evidence is from a debuggable TEE and the policy forbids debug",
                            r->name);
    tp_err rc = check_details(r, pp, f, err);
    if (rc == TP_OK)
        rc = check_tcb_status(pp, f, err);
    if (rc != TP_OK)
        return rc;
    if (f->report_data_len != 64 || memcmp(f->report_data, expected, 64) != 0)
        return tp_error_set(err, TP_ERR_BINDING,
                            "%s evidence report data does not commit to the expected key", r->name);
    return TP_OK;
}

tp_err tp_policy_verify_evidence(const tp_policy *p, const char *platform, const uint8_t *evidence,
                                 size_t len, const uint8_t expected_report_data[64],
                                 tp_evidence_facts *facts, tp_error *err)
{
    return tp_policy_verify_evidence_at(p, platform, evidence, len, expected_report_data, 0, facts, err);
}

tp_err tp_policy_verify_evidence_at(const tp_policy *p, const char *platform,
                                    const uint8_t *evidence, size_t len,
                                    const uint8_t expected_report_data[64], time_t at,
                                    tp_evidence_facts *facts, tp_error *err)
{
    return tp_policy_verify_evidence_bundled(p, platform, evidence, len, expected_report_data, at,
                                             NULL, facts, err);
}

tp_err tp_policy_verify_evidence_bundled(const tp_policy *p, const char *platform,
                                         const uint8_t *evidence, size_t len,
                                         const uint8_t expected_report_data[64], time_t at,
                                         const json_t *collateral, tp_evidence_facts *facts,
                                         tp_error *err)
{
    memset(facts, 0, sizeof(*facts));
    int i = rules_index(platform);
    if (i < 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "unknown attestation platform '%s'",
                            platform ? platform : "(null)");
    const plat_policy *pp = &p->plat[i];
    if (!pp->allowed && i == 0)
        return tp_error_set(err, TP_ERR_INSECURE_SIM,
                            "sim evidence is insecure and refused (use --allow-insecure-sim for "
                            "development)");
    if (!pp->allowed)
        return tp_error_set(err, TP_ERR_POLICY, "platform %s is not allowed by the policy",
                            platform);
    tp_verify_opts opts = {
        .at = at, .roots_file = pp->roots_file, .chain_file = pp->chain_file, .jwks_file = pp->jwks_file,
        .audience = pp->audience, .cert_der = pp->cert_der, .cert_der_len = pp->cert_der_len,
        .collateral_dir = pp->collateral_dir, .collateral = collateral,
    };
    tp_err rc = tp_evidence_verify(platform, evidence, len, &opts, facts, err);
    if (rc == TP_OK && strcmp(platform, "sev-snp") == 0)
        rc = tp_snp_reqs_check_collateral(&pp->snp, facts, err);
    if (rc == TP_OK)
        rc = check_facts(&k_rules[i], pp, facts, expected_report_data, err);
    if (rc == TP_OK && strcmp(platform, "sev-snp") == 0)
        rc = tp_snp_reqs_check(&pp->snp, facts, err);
    if (rc == TP_OK && strcmp(platform, "gcp-cs") == 0)
        rc = tp_gcpcs_reqs_check(&pp->cs, facts, err);
    if (rc != TP_OK)
        tp_evidence_facts_free(facts);
    return rc;
}

tp_err tp_policy_check_proof_age(const tp_policy *p, time_t proof_time, time_t now, tp_error *err)
{
    if (p->max_proof_age_s == 0)
        return TP_OK;
    long long age = (long long)now - (long long)proof_time;
    if (age > p->max_proof_age_s)
        return tp_error_set(err, TP_ERR_PROOF_AGE, "the proof is %lld s old; the policy accepts at most %lld s",
                            age, p->max_proof_age_s);
    if (-age > TP_KEY_WINDOW_SKEW_S)
        return tp_error_set(err, TP_ERR_PROOF_AGE, "the proof is dated %lld s in the future", -age);
    return TP_OK;
}
