/* `teeproof evidence`: verifies a raw evidence file offline and prints its facts as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "teeproof/attest.h"
#include "teeproof/file.h"

#define EVIDENCE_MAX_BYTES (1u << 20)

static const char k_usage[] =
    "usage: teeproof evidence FILE --platform tdx|sev-snp|nitro|gcp-cs|sim\n"
    "                         [--cert DER] [--chain PEM] [--roots PEM] [--jwks FILE]\n"
    "                         [--audience AUD] [--collateral DIR] [--at UNIX_TIME]\n"
    "\n"
    "Verifies raw attestation evidence offline and prints its facts as JSON\n"
    "(platform, measurement, report_data, debug, and the platform's other fields).\n"
    "  --platform P   the evidence's platform (required)\n"
    "  --cert DER     an extra certificate, e.g. the SEV-SNP VCEK\n"
    "  --chain PEM    extra intermediates, e.g. the SEV-SNP ASK/ARK\n"
    "  --roots PEM    trust anchors replacing the pinned vendor roots\n"
    "  --jwks FILE    gcp-cs: the token issuer's JWKS\n"
    "  --audience AUD gcp-cs: the expected token audience\n"
    "  --collateral DIR  tdx: Intel PCS collateral (TCB Info, QE Identity, CRLs; layout in\n"
    "                 docs/platforms.md); adds tcb_status and qe_tcb_status to the facts;\n"
    "                 sev-snp: AMD CRLs (snp_crl_<product>.der, snp_vlek_crl_<product>.der)\n"
    "                 and, for a report without its certificate table, snp_vcek.der /\n"
    "                 snp_vlek.der; adds amd_crl (the CRL checked) to the facts\n"
    "  --at TIME      check certificate validity at this UNIX time (default: now)\n";

typedef struct evidence_args {
    const char *file, *platform, *cert, *chain, *roots, *jwks, *audience, *collateral;
    time_t at;
} evidence_args;

/* 0 on success, 1 for --help, else the exit status of a usage error (2). */
static int parse_args(int argc, char **argv, evidence_args *a)
{
    static const char *const k_opts[] = {"--platform", "--cert",     "--chain", "--roots",
                                         "--jwks",     "--audience", "--collateral", "--at"};
    enum { N_OPTS = sizeof(k_opts) / sizeof(k_opts[0]) };
    const char *at = NULL;
    const char **slots[N_OPTS] = {&a->platform, &a->cert,     &a->chain,      &a->roots,
                                  &a->jwks,     &a->audience, &a->collateral, &at};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
        size_t k = 0;
        while (k < N_OPTS && strcmp(argv[i], k_opts[k]) != 0)
            k++;
        if (k < N_OPTS) {
            if (i + 1 >= argc)
                return tp_cli_usage_error("evidence", "%s needs a value", argv[i]);
            *slots[k] = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return tp_cli_usage_error("evidence", "unknown option %s", argv[i]);
        } else if (a->file == NULL) {
            a->file = argv[i];
        } else {
            return tp_cli_usage_error("evidence", "unexpected argument %s", argv[i]);
        }
    }
    if (a->file == NULL)
        return tp_cli_usage_error("evidence", "missing evidence FILE");
    if (a->platform == NULL)
        return tp_cli_usage_error("evidence", "missing --platform");
    if (at != NULL && !tp_cli_parse_time(at, &a->at))
        return tp_cli_usage_error("evidence", "--at %s is not a UNIX time", at);
    return 0;
}

/* The whole file at path (tp_read_file), refused with TP_ERR_LIMIT over max bytes. */
static tp_err read_bounded(const char *path, size_t max, uint8_t **out, size_t *len, tp_error *err)
{
    char *data = NULL;
    tp_err rc = tp_read_file(path, &data, len, err);
    if (rc == TP_OK && *len > max) {
        free(data);
        return tp_error_set(err, TP_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
    }
    if (rc == TP_OK)
        *out = (uint8_t *)data;
    return rc;
}

static tp_err verify_file(const evidence_args *a, tp_evidence_facts *facts, tp_error *err)
{
    uint8_t *ev = NULL, *cert = NULL;
    size_t ev_len = 0, cert_len = 0;
    tp_err rc = read_bounded(a->file, EVIDENCE_MAX_BYTES, &ev, &ev_len, err);
    if (rc == TP_OK && a->cert != NULL)
        rc = read_bounded(a->cert, 64 * 1024, &cert, &cert_len, err);
    if (rc == TP_OK) {
        tp_verify_opts opts = {
            .at = a->at, .roots_file = a->roots, .cert_der = cert, .cert_der_len = cert_len,
            .chain_file = a->chain, .jwks_file = a->jwks, .audience = a->audience,
            .collateral_dir = a->collateral,
        };
        rc = tp_evidence_verify(a->platform, ev, ev_len, &opts, facts, err);
    }
    free(ev);
    free(cert);
    return rc;
}

int tp_cli_evidence(int argc, char **argv)
{
    evidence_args a;
    memset(&a, 0, sizeof(a));
    int st = parse_args(argc, argv, &a);
    if (st == 1) {
        fputs(k_usage, stdout);
        return 0;
    }
    if (st != 0)
        return st;
    tp_evidence_facts facts;
    tp_error err;
    tp_error_clear(&err);
    tp_err rc = verify_file(&a, &facts, &err);
    if (rc != TP_OK) {
        tp_error_prefix(&err, rc, "%s evidence %s", a.platform, a.file);
        return tp_cli_fail(&err);
    }
    char *j = tp_evidence_facts_json(&facts);
    tp_evidence_facts_free(&facts);
    if (j == NULL) {
        tp_error_set(&err, TP_ERR_NOMEM, "out of memory");
        return tp_cli_fail(&err);
    }
    tp_cli_print_json(j);
    free(j);
    return 0;
}
