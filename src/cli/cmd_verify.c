/* teeproof verify: check a proof offline and print its verified claims. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "teeproof/file.h"
#include "teeproof/proof.h"

static const char k_usage[] =
    "usage: teeproof verify PROOF (--allow-insecure-sim | --policy FILE) [--manifest FILE]\n"
    "                       [--disclosure FILE] [--collateral DIR] [--now UNIX-SECONDS]\n"
    "\n"
    "Checks the proof's signature over its canonical claims, the notary's evidence under the\n"
    "policy, that the evidence commits to the signing key, and (with --manifest) that the proof\n"
    "was made for that manifest. Prints the verified claims as JSON and exits 0 only if all hold.\n"
    "PROOF may be - for stdin.\n"
    "\n"
    "  --policy FILE          evidence policy (see docs/policy.md)\n"
    "  --allow-insecure-sim   accept the development 'sim' TEE (never in production)\n"
    "  --manifest FILE        require the proof to be for this manifest\n"
    "  --now UNIX-SECONDS     the verifier's time the policy's max_proof_age_s is measured\n"
    "                         from (default: the current time)\n"
    "  --disclosure FILE      check the items of a `teeproof disclose` document against the\n"
    "                         proof's commitments; the output then also has \"disclosed\"\n"
    "  --collateral DIR       collateral for TDX (Intel PCS: TCB statuses judged against\n"
    "                         tcb_status) and SEV-SNP (AMD CRLs) evidence, used instead of\n"
    "                         the policy's collateral_dir and of the proof's bundle\n"
    "\n"
    "The proof's time must lie inside the signing key's attested window (key-window), and\n"
    "with max_proof_age_s in the policy be at most that old (proof-age).\n";

/* Indentation of the members of the printed claims object (the library's pretty form). */
#define CLAIMS_INDENT "  "

/* The claims text with a last member "disclosed": text, indented one level deeper.
 * Both come from the library in its pretty form, so every line break is structure (a
 * string's line breaks are escaped) and the claims end with "\n}". NULL when out of memory. */
static char *with_disclosed(const char *claims, size_t claims_len, const char *disclosed)
{
    size_t extra = 0;
    for (const char *p = disclosed; *p; p++)
        extra += *p == '\n' ? 1 + sizeof(CLAIMS_INDENT) : 1;
    const char *head_end = strrchr(claims, '}');
    if (head_end == NULL || claims_len < 2)
        return NULL;
    size_t head = (size_t)(head_end - claims);
    while (head > 0 && claims[head - 1] == '\n')
        head--;
    char *out = malloc(head + extra + 64);
    if (out == NULL)
        return NULL;
    size_t n = (size_t)sprintf(out, "%.*s,\n" CLAIMS_INDENT "\"disclosed\": ", (int)head, claims);
    for (const char *p = disclosed; *p; p++) {
        out[n++] = *p;
        if (*p == '\n') {
            memcpy(out + n, CLAIMS_INDENT, sizeof(CLAIMS_INDENT) - 1);
            n += sizeof(CLAIMS_INDENT) - 1;
        }
    }
    memcpy(out + n, "\n}", 3);
    return out;
}

/* Checks the disclosure against the verified claims; adds "disclosed" to the printed claims
 * (outside what was signed, but each item opened a signed commitment). */
static tp_err check_disclosure(const char *path, char **claims, size_t *claims_len, tp_error *err)
{
    char *text = NULL, *disclosed = NULL;
    size_t len = 0;
    tp_err e = tp_read_file(path, &text, &len, err);
    if (e == TP_OK)
        e = tp_disclosure_verify(*claims, *claims_len, text, len, &disclosed, NULL, err);
    if (e == TP_OK) {
        char *joined = with_disclosed(*claims, *claims_len, disclosed);
        if (joined == NULL) {
            e = tp_error_set(err, TP_ERR_NOMEM, NULL);
        } else {
            free(*claims);
            *claims = joined;
            *claims_len = strlen(joined);
        }
    }
    free(disclosed);
    free(text);
    return e;
}

int tp_cli_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"policy", required_argument, NULL, 'p'}, {"allow-insecure-sim", no_argument, NULL, 's'},
        {"manifest", required_argument, NULL, 'm'}, {"disclosure", required_argument, NULL, 'd'},
        {"collateral", required_argument, NULL, 'c'}, {"now", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *policy_file = NULL, *manifest_file = NULL, *disclosure_file = NULL, *collateral = NULL;
    int allow_sim = 0, o;
    time_t now = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'p': policy_file = optarg; break;
        case 's': allow_sim = 1; break;
        case 'm': manifest_file = optarg; break;
        case 'n':
            if (!tp_cli_parse_time(optarg, &now))
                return tp_cli_usage_error("verify", "--now wants Unix seconds (a positive integer)");
            break;
        case 'd': disclosure_file = optarg; break;
        case 'c': collateral = optarg; break;
        case 'h': fputs(k_usage, stdout); return 0;
        default: return tp_cli_usage_error("verify", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return tp_cli_usage_error("verify", "give exactly one PROOF file");
    tp_error err;
    tp_error_clear(&err);
    tp_policy *policy = NULL;
    tp_manifest *manifest = NULL;
    char *proof = NULL;
    size_t len = 0;
    char *claims = NULL;
    size_t claims_len = 0;
    tp_err e = tp_cli_policy(allow_sim, policy_file, &policy, &err);
    if (e == TP_OK && collateral != NULL)
        e = tp_policy_set_collateral(policy, "tdx", collateral, &err);
    if (e == TP_OK && collateral != NULL)
        e = tp_policy_set_collateral(policy, "sev-snp", collateral, &err);
    if (e == TP_OK && manifest_file != NULL)
        e = tp_manifest_load_file(manifest_file, &manifest, &err);
    if (e == TP_OK)
        e = tp_read_file(argv[optind], &proof, &len, &err);
    if (e == TP_OK)
        e = tp_proof_verify_at(proof, len, policy, manifest, now, &claims, &claims_len, NULL, &err);
    if (e == TP_OK && disclosure_file != NULL)
        e = check_disclosure(disclosure_file, &claims, &claims_len, &err);
    if (e == TP_OK)
        tp_cli_print_json(claims);
    int rc = tp_cli_exit(e, "verify", &err);
    free(claims);
    free(proof);
    tp_manifest_free(manifest);
    tp_policy_free(policy);
    return rc;
}
