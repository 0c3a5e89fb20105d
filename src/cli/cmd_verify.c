/* teeproof verify: check a proof offline and print its verified claims. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "proof/verify_json.h"
#include "cli/commands.h"
#include "base/file.h"
#include "cli/util.h"
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

/* Checks the disclosure against the verified claims; adds "disclosed" to the printed claims
 * (outside what was signed, but each item opened a signed commitment). */
static tp_err check_disclosure(const char *path, json_t *claims, tp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    json_t *disclosed = NULL;
    tp_err e = tp_read_file(path, &text, &len, err);
    if (e == TP_OK)
        e = tp_disclosure_verify_json(claims, text, len, &disclosed, err);
    if (e == TP_OK && json_object_set_new(claims, "disclosed", disclosed) != 0)
        e = tp_error_set(err, TP_ERR_NOMEM, NULL);
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
    json_t *claims = NULL;
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
        e = tp_proof_verify_json_at(proof, len, policy, manifest, now, &claims, NULL, &err);
    if (e == TP_OK && disclosure_file != NULL)
        e = check_disclosure(disclosure_file, claims, &err);
    if (e == TP_OK)
        tp_cli_print_json(claims);
    int rc = tp_cli_exit(e, "verify", &err);
    json_decref(claims);
    free(proof);
    tp_manifest_free(manifest);
    tp_policy_free(policy);
    return rc;
}
