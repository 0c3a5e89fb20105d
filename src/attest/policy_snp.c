/* SEV-SNP policy requirements: TCB minimums over REPORTED_TCB and COMMITTED_TCB (and
 * LAUNCH_TCB when asked), the guest policy's MIGRATE_MA bit, the platform's SMT state and
 * the firmware ABI version, read from the verified facts' details (snp.c). */
#include "attest/policy_snp.h"

#include <stdlib.h>
#include <string.h>

#define SNP_POLICY_MIGRATE_MA (1ull << 18)
#define SNP_PLATFORM_SMT_EN 1ull
#define SNP_SPL_MAX 255

static const char *const k_parts[TP_SNP_TCB_PARTS] = {"fmc", "bootloader", "tee", "snp",
                                                      "microcode"};

void tp_snp_reqs_init(tp_snp_reqs *q)
{
    memset(q, 0, sizeof(*q));
    for (int i = 0; i < TP_SNP_TCB_PARTS; i++)
        q->min_tcb[i] = q->min_launch_tcb[i] = -1;
    q->min_abi_major = q->min_abi_minor = -1;
    q->allow_smt = 1;
}

void tp_snp_reqs_free(tp_snp_reqs *q)
{
    (void)q; /* nothing allocated */
}

int tp_snp_reqs_has_key(const char *key)
{
    static const char *const k_keys[] = {"min_tcb", "min_launch_tcb", "min_abi",
                                         "allow_migration_agent", "allow_smt"};
    for (size_t i = 0; i < sizeof(k_keys) / sizeof(k_keys[0]); i++)
        if (strcmp(key, k_keys[i]) == 0)
            return 1;
    return 0;
}

static int small_int(json_t *v, int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > SNP_SPL_MAX)
        return 0;
    *out = (int)json_integer_value(v);
    return 1;
}

/* {"bootloader": N, ...}: a non-empty object of parts, each 0..255. */
static tp_err parse_tcb(json_t *v, const char *key, int out[TP_SNP_TCB_PARTS], tp_error *err)
{
    if (!json_is_object(v) || json_object_size(v) == 0)
        return tp_error_set(err, TP_ERR_JSON, "policy: platforms.sev-snp.%s must be a non-empty "
                            "object of fmc/bootloader/tee/snp/microcode SVNs", key);
    const char *part;
    json_t *n;
    json_object_foreach(v, part, n) {
        int i = 0;
        while (i < TP_SNP_TCB_PARTS && strcmp(part, k_parts[i]) != 0)
            i++;
        if (i == TP_SNP_TCB_PARTS)
            return tp_error_set(err, TP_ERR_JSON, "policy: unknown key platforms.sev-snp.%s.%s",
                                key, part);
        if (!small_int(n, &out[i]))
            return tp_error_set(err, TP_ERR_JSON,
                                "policy: platforms.sev-snp.%s.%s must be an integer 0-255", key,
                                part);
    }
    return TP_OK;
}

static tp_err parse_abi(tp_snp_reqs *q, json_t *v, tp_error *err)
{
    if (!json_is_object(v) || json_object_size(v) != 2 ||
        !small_int(json_object_get(v, "major"), &q->min_abi_major) ||
        !small_int(json_object_get(v, "minor"), &q->min_abi_minor))
        return tp_error_set(err, TP_ERR_JSON, "policy: platforms.sev-snp.min_abi must be "
                            "{\"major\": N, \"minor\": N} (0-255)");
    return TP_OK;
}

tp_err tp_snp_reqs_parse(tp_snp_reqs *q, const char *key, json_t *v, tp_error *err)
{
    if (strcmp(key, "min_tcb") == 0)
        return parse_tcb(v, key, q->min_tcb, err);
    if (strcmp(key, "min_launch_tcb") == 0)
        return parse_tcb(v, key, q->min_launch_tcb, err);
    if (strcmp(key, "min_abi") == 0)
        return parse_abi(q, v, err);
    if (!json_is_boolean(v))
        return tp_error_set(err, TP_ERR_JSON, "policy: platforms.sev-snp.%s must be true or false",
                            key);
    if (strcmp(key, "allow_migration_agent") == 0)
        q->allow_migration_agent = json_is_true(v);
    else if (strcmp(key, "allow_smt") == 0)
        q->allow_smt = json_is_true(v);
    else
        return tp_error_set(err, TP_ERR_JSON, "policy: unknown key platforms.sev-snp.%s", key);
    return TP_OK;
}

/* Every part the policy names, present in details[which], is at least the minimum. A part
 * the report's layout lacks (fmc before Turin) is not judged. */
static tp_err check_tcb(const int min[TP_SNP_TCB_PARTS], const tp_evidence_facts *f,
                        const char *which, tp_error *err)
{
    json_t *parts = json_object_get(f->details, which);
    for (int i = 0; i < TP_SNP_TCB_PARTS; i++) {
        if (min[i] < 0)
            continue;
        json_t *got = json_object_get(parts, k_parts[i]);
        if (got == NULL && i == 0)
            continue;
        if (!json_is_integer(got))
            return tp_error_set(err, TP_ERR_TCB_TOO_LOW, "sev-snp evidence has no %s.%s",
                                which, k_parts[i]);
        if (json_integer_value(got) < min[i])
            return tp_error_set(err, TP_ERR_TCB_TOO_LOW,
                                "sev-snp %s %s SVN %lld is below the policy's minimum %d", which,
                                k_parts[i], (long long)json_integer_value(got), min[i]);
    }
    return TP_OK;
}

static tp_err check_abi(const tp_snp_reqs *q, const tp_evidence_facts *f, const char *which,
                        tp_error *err)
{
    json_t *fw = json_object_get(f->details, which);
    json_int_t major = json_integer_value(json_object_get(fw, "major"));
    json_int_t minor = json_integer_value(json_object_get(fw, "minor"));
    if (major < q->min_abi_major || (major == q->min_abi_major && minor < q->min_abi_minor))
        return tp_error_set(err, TP_ERR_TCB_TOO_LOW,
                            "sev-snp %s %lld.%lld is below the policy's minimum ABI %d.%d", which,
                            (long long)major, (long long)minor, q->min_abi_major,
                            q->min_abi_minor);
    return TP_OK;
}

static tp_err check_guest(const tp_snp_reqs *q, const tp_evidence_facts *f, tp_error *err)
{
    json_int_t policy = json_integer_value(json_object_get(f->details, "policy"));
    json_int_t info = json_integer_value(json_object_get(f->details, "platform_info"));
    if (((uint64_t)policy & SNP_POLICY_MIGRATE_MA) && !q->allow_migration_agent)
        return tp_error_set(err, TP_ERR_GUEST_POLICY,
                            "sev-snp guest policy allows a migration agent (MIGRATE_MA) and the "
                            "policy forbids it");
    if (((uint64_t)info & SNP_PLATFORM_SMT_EN) && !q->allow_smt)
        return tp_error_set(err, TP_ERR_GUEST_POLICY,
                            "sev-snp platform runs with SMT enabled and the policy forbids SMT");
    return TP_OK;
}

tp_err tp_snp_reqs_check(const tp_snp_reqs *q, const tp_evidence_facts *f, tp_error *err)
{
    tp_err rc = check_tcb(q->min_tcb, f, "reported_tcb_parts", err);
    if (rc == TP_OK)
        rc = check_tcb(q->min_tcb, f, "committed_tcb_parts", err);
    if (rc == TP_OK)
        rc = check_tcb(q->min_launch_tcb, f, "launch_tcb_parts", err);
    if (rc == TP_OK && q->min_abi_major >= 0)
        rc = check_abi(q, f, "current_firmware", err);
    if (rc == TP_OK && q->min_abi_major >= 0)
        rc = check_abi(q, f, "committed_firmware", err);
    if (rc == TP_OK)
        rc = check_guest(q, f, err);
    return rc;
}
