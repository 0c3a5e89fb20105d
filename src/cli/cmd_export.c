/* teeproof export: verify a proof and write it where it must end up, for a smart contract
 * (EIP-191 personal_sign JSON, docs/evm.md) or in Pluto's TeeProof shape
 * (docs/pluto-migration.md). Uses only the public API. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "teeproof/file.h"
#include "teeproof/proof.h"

static const char k_usage[] =
    "usage: teeproof export PROOF --format eip191|pluto (--allow-insecure-sim | --policy FILE)\n"
    "                       [--out FILE]\n"
    "\n"
    "Verifies the proof as `teeproof verify` does (evidence, both keys' binding, signatures),\n"
    "then writes it for another verifier. PROOF may be - for stdin.\n"
    "\n"
    "  --format eip191        {message, signature, signer, claims_hash, digest, claims}: the\n"
    "                         notary's EIP-191 personal_sign over keccak256(canonical claims),\n"
    "                         for contracts/TeeproofVerifier.sol (docs/evm.md)\n"
    "  --format pluto         Pluto web-prover's TeeProof {data, signature}\n"
    "                         (docs/pluto-migration.md)\n"
    "  --policy FILE          evidence policy (see docs/policy.md)\n"
    "  --allow-insecure-sim   accept the development 'sim' TEE (never in production)\n"
    "  --out FILE             write there (default: stdout)\n";

int tp_cli_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"policy", required_argument, NULL, 'p'},
        {"allow-insecure-sim", no_argument, NULL, 's'}, {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *policy_file = NULL, *out_file = NULL, *format_name = NULL;
    int allow_sim = 0, o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'f': format_name = optarg; break;
        case 'p': policy_file = optarg; break;
        case 's': allow_sim = 1; break;
        case 'o': out_file = optarg; break;
        case 'h': fputs(k_usage, stdout); return 0;
        default: return tp_cli_usage_error("export", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    tp_export_format format;
    if (!tp_export_format_parse(format_name, &format))
        return tp_cli_usage_error("export", "--format must be eip191 or pluto");
    if (optind != argc - 1)
        return tp_cli_usage_error("export", "give exactly one PROOF file");
    tp_error err;
    tp_error_clear(&err);
    tp_policy *policy = NULL;
    char *proof = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    tp_err e = tp_cli_policy(allow_sim, policy_file, &policy, &err);
    if (e == TP_OK)
        e = tp_read_file(argv[optind], &proof, &len, &err);
    if (e == TP_OK)
        e = tp_proof_export(proof, len, policy, format, &out, &out_len, &err);
    if (e == TP_OK)
        e = tp_cli_write_file(out_file, out, out_len, 0, &err);
    int rc = tp_cli_exit(e, "export", &err);
    free(out);
    free(proof);
    tp_policy_free(policy);
    return rc;
}
