/* teeproof disclose: reveal chosen items of a proof (variables, request, response) from the
 * prover's openings, for one verifier, without revealing the others. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "teeproof/file.h"
#include "teeproof/proof.h"
#include "teeproof/prover.h"

static const char k_usage[] =
    "usage: teeproof disclose --openings FILE [--var NAME]... [--request] [--response] [--out FILE]\n"
    "\n"
    "Writes a disclosure: for each chosen item its value and its salt, never the commitment\n"
    "seed, so items not chosen stay hidden. A verifier checks it against the proof with\n"
    "`teeproof verify PROOF --disclosure FILE`.\n"
    "\n"
    "  --openings FILE   what `teeproof prove --openings` kept\n"
    "  --var NAME        reveal the value of variable NAME (repeatable)\n"
    "  --request         reveal the exact request bytes (all variable values are in them)\n"
    "  --response        reveal the exact response bytes\n"
    "  --out FILE        write the disclosure there, mode 0600 (default: stdout)\n";

#define MAX_DISCLOSED_VARS 64

int tp_cli_disclose(int argc, char **argv)
{
    static const struct option opts[] = {
        {"openings", required_argument, NULL, 'o'}, {"var", required_argument, NULL, 'v'},
        {"request", no_argument, NULL, 'q'}, {"response", no_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'w'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *openings_file = NULL, *out_file = NULL, *names[MAX_DISCLOSED_VARS];
    tp_disclose_opts d = {.vars = names};
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'o': openings_file = optarg; break;
        case 'v':
            if (d.n_vars == MAX_DISCLOSED_VARS)
                return tp_cli_usage_error("disclose", "at most %d --var options", MAX_DISCLOSED_VARS);
            names[d.n_vars++] = optarg;
            break;
        case 'q': d.request = 1; break;
        case 'r': d.response = 1; break;
        case 'w': out_file = optarg; break;
        case 'h': fputs(k_usage, stdout); return 0;
        default: return tp_cli_usage_error("disclose", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return tp_cli_usage_error("disclose", "unexpected argument '%s'", argv[optind]);
    if (openings_file == NULL)
        return tp_cli_usage_error("disclose", "--openings is required");
    tp_error err;
    tp_error_clear(&err);
    char *openings = NULL, *out = NULL;
    size_t len = 0, out_len = 0;
    tp_err e = tp_read_file(openings_file, &openings, &len, &err);
    if (e == TP_OK)
        e = tp_disclosure_make(openings, len, &d, &out, &out_len, &err);
    if (e == TP_OK)
        e = tp_cli_write_file(out_file, out, out_len, 1, &err);
    tp_openings_free(openings);
    tp_openings_free(out);
    return tp_cli_exit(e, "disclose", &err);
}
