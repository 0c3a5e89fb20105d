/* teeproof attestation: fetch and check a notary's evidence and channel binding. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "teeproof/prover.h"

static const char k_usage[] =
    "usage: teeproof attestation --notary HOST:PORT (--allow-insecure-sim | --policy FILE)\n"
    "\n"
    "Connects to the notary, verifies its TEE evidence under the policy and its attested key's\n"
    "signature over this channel's RFC 9266 binding, and prints platform, key and evidence facts.\n";

int tp_cli_attestation(int argc, char **argv)
{
    static const struct option opts[] = {
        {"notary", required_argument, NULL, 'n'}, {"policy", required_argument, NULL, 'p'},
        {"allow-insecure-sim", no_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *notary = NULL, *policy_file = NULL;
    int allow_sim = 0, o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': notary = optarg; break;
        case 'p': policy_file = optarg; break;
        case 's': allow_sim = 1; break;
        case 'h': fputs(k_usage, stdout); return 0;
        default: return tp_cli_usage_error("attestation", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc || notary == NULL)
        return tp_cli_usage_error("attestation", "--notary HOST:PORT is required");
    tp_error err;
    tp_error_clear(&err);
    tp_policy *policy = NULL;
    char *info = NULL;
    tp_err e = tp_cli_policy(allow_sim, policy_file, &policy, &err);
    if (e == TP_OK)
        e = tp_notary_attestation(notary, policy, 0, &info, NULL, &err);
    if (e == TP_OK)
        tp_cli_print_json(info);
    int rc = tp_cli_exit(e, "attestation", &err);
    free(info);
    tp_policy_free(policy);
    return rc;
}
