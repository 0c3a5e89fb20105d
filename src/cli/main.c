/* teeproof: the command-line tool (prove, verify, disclose, export, attestation, evidence). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "teeproof/memory.h"

static const char k_usage[] =
    "usage: teeproof COMMAND [options]\n"
    "\n"
    "Web Proofs in TEE mode: prove what an HTTPS server answered, through an attested notary.\n"
    "\n"
    "commands:\n"
    "  prove        make a proof through a notary (teeproof prove --help)\n"
    "  verify       check a proof offline and print its claims\n"
    "  disclose     reveal chosen variables or the request/response of a proof to a verifier\n"
    "  export       verify a proof and write it for a contract (eip191) or as Pluto's TeeProof\n"
    "  attestation  check a notary's TEE evidence and channel binding\n"
    "  evidence     verify a raw TEE evidence file (tdx, sev-snp, nitro, gcp-cs, sim)\n"
    "\n"
    "Each command exits 0 on success, non-zero with one line 'error: ...' on stderr otherwise.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command k_commands[] = {
    {"prove", tp_cli_prove},
    {"verify", tp_cli_verify},
    {"disclose", tp_cli_disclose},
    {"export", tp_cli_export},
    {"attestation", tp_cli_attestation},
    {"evidence", tp_cli_evidence},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    tp_secure_json_memory(); /* variable values and revealed keys pass through jansson */
    if (argc < 2) {
        fprintf(stderr, "error: no command given (see teeproof --help)\n");
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(k_usage, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(k_commands) / sizeof(k_commands[0]); i++)
        if (strcmp(argv[1], k_commands[i].name) == 0)
            return k_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "error: unknown command '%s' (see teeproof --help)\n", argv[1]);
    return 2;
}
