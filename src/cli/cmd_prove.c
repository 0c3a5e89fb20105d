/* teeproof prove: make a Web Proof through a notary. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/util.h"
#include "teeproof/file.h"
#include "teeproof/prover.h"

static const char k_usage[] =
    "usage: teeproof prove --notary HOST:PORT --manifest FILE (--allow-insecure-sim | --policy FILE)\n"
    "                      [--var NAME=VALUE | --var NAME=@FILE ...] [--ca-file PEM] [--out FILE]\n"
    "                      [--openings FILE] [--direct]\n"
    "\n"
    "Opens an attested channel to the notary (its evidence must satisfy the policy), runs the\n"
    "manifest's request to the target through the notary's tunnel, and writes the signed proof.\n"
    "In direct mode (--direct, and always for a manifest with mode \"Proxy\") the notary itself\n"
    "is the TLS client: the variables go to it over the attested channel, it sends the request\n"
    "and signs what it received.\n"
    "\n"
    "  --notary HOST:PORT        the notary\n"
    "  --manifest FILE           Pluto manifest v2 JSON\n"
    "  --var NAME=VALUE          value of the secret template variable <% NAME %>;\n"
    "                            NAME=@FILE reads it from FILE (keeps it out of `ps`)\n"
    "  --policy FILE             evidence policy (see docs/policy.md)\n"
    "  --allow-insecure-sim      accept the development 'sim' TEE (never in production)\n"
    "  --ca-file PEM             CAs the prover itself trusts for the target (default: system)\n"
    "  --out FILE                write the proof there (default: stdout)\n"
    "  --openings FILE           keep the openings there (mode 0600; secret): the commitment\n"
    "                            seed, request, response and variable values, from which\n"
    "                            `teeproof disclose` reveals chosen items later. Without it\n"
    "                            nothing of this proof can ever be disclosed\n"
    "  --tls-ciphersuites LIST   TLS 1.3 suites offered to the target (OpenSSL syntax; TLS 1.2\n"
    "                            offers ECDHE with AES-GCM or ChaCha20-Poly1305 only)\n"
    "  --tls-groups LIST         groups offered to the target, first gets the key share (default\n"
    "                            X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096)\n"
    "  --insecure-skip-target-verify  skip the prover's own check of the target certificate\n"
    "                            (the notary still checks it; for testing notaries)\n"
    "  --timeout SECONDS         per network wait (default 30)\n"
    "  --direct                  direct mode: the notary fetches (the options about the\n"
    "                            prover's own TLS with the target do not apply)\n";

#define MAX_VARS 64

typedef struct prove_args {
    tp_prove_opts o;
    const char *manifest_file;
    const char *policy_file;
    const char *out_file;
    const char *openings_file;
    int allow_sim;
    tp_var vars[MAX_VARS];
    char *var_storage[MAX_VARS];
} prove_args;

static tp_err add_var(prove_args *a, const char *spec, tp_error *err)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec)
        return tp_error_set(err, TP_ERR_ARG, "--var wants NAME=VALUE");
    if (a->o.vars.n == MAX_VARS)
        return tp_error_set(err, TP_ERR_LIMIT, "at most %d --var options", MAX_VARS);
    size_t i = a->o.vars.n;
    size_t name_len = (size_t)(eq - spec);
    char *store = NULL;
    size_t vlen = 0;
    if (eq[1] == '@') {
        tp_err rc = tp_read_file(eq + 2, &store, &vlen, err);
        if (rc != TP_OK)
            return rc;
        while (vlen > 0 && (store[vlen - 1] == '\n' || store[vlen - 1] == '\r'))
            store[--vlen] = '\0';
        char *joined = malloc(name_len + 1 + vlen + 1);
        if (joined) {
            memcpy(joined, spec, name_len + 1);
            memcpy(joined + name_len + 1, store, vlen + 1);
        }
        explicit_bzero(store, vlen);
        free(store);
        store = joined;
    } else {
        store = strdup(spec);
    }
    if (store == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    store[name_len] = '\0';
    a->var_storage[i] = store;
    a->vars[i] = (tp_var){.name = store, .value = store + name_len + 1};
    a->o.vars.n++;
    return TP_OK;
}

enum { O_NOTARY = 256, O_MANIFEST, O_VAR, O_POLICY, O_SIM, O_CA, O_OUT, O_SUITES, O_GROUPS, O_SKIP, O_TIMEOUT,
       O_OPENINGS, O_DIRECT };

static int parse(int argc, char **argv, prove_args *a, tp_error *err)
{
    static const struct option opts[] = {
        {"notary", required_argument, NULL, O_NOTARY}, {"manifest", required_argument, NULL, O_MANIFEST},
        {"var", required_argument, NULL, O_VAR}, {"policy", required_argument, NULL, O_POLICY},
        {"allow-insecure-sim", no_argument, NULL, O_SIM}, {"ca-file", required_argument, NULL, O_CA},
        {"out", required_argument, NULL, O_OUT}, {"tls-ciphersuites", required_argument, NULL, O_SUITES},
        {"tls-groups", required_argument, NULL, O_GROUPS},
        {"insecure-skip-target-verify", no_argument, NULL, O_SKIP},
        {"timeout", required_argument, NULL, O_TIMEOUT}, {"openings", required_argument, NULL, O_OPENINGS},
        {"direct", no_argument, NULL, O_DIRECT}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_NOTARY: a->o.notary = optarg; break;
        case O_MANIFEST: a->manifest_file = optarg; break;
        case O_VAR:
            if (add_var(a, optarg, err) != TP_OK) return 1;
            break;
        case O_POLICY: a->policy_file = optarg; break;
        case O_SIM: a->allow_sim = 1; break;
        case O_CA: a->o.target_ca_file = optarg; break;
        case O_OUT: a->out_file = optarg; break;
        case O_OPENINGS: a->openings_file = optarg; break;
        case O_SUITES: a->o.tls_ciphersuites = optarg; break;
        case O_GROUPS: a->o.tls_groups = optarg; break;
        case O_SKIP: a->o.no_target_verify = 1; break;
        case O_DIRECT: a->o.direct = 1; break;
        case O_TIMEOUT: {
            int t = atoi(optarg);
            if (t < 1 || t > 3600) return tp_cli_usage_error("prove", "--timeout wants 1-3600 seconds");
            a->o.timeout_ms = (unsigned)t * 1000;
            break;
        }
        case 'h': fputs(k_usage, stdout); return -1;
        default: return tp_cli_usage_error("prove", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return tp_cli_usage_error("prove", "unexpected argument '%s'", argv[optind]);
    if (a->o.notary == NULL || a->manifest_file == NULL)
        return tp_cli_usage_error("prove", "--notary and --manifest are required");
    if (a->openings_file != NULL && (strcmp(a->openings_file, "-") == 0 ||
                                     (a->out_file != NULL && strcmp(a->openings_file, a->out_file) == 0)))
        return tp_cli_usage_error("prove", "--openings needs its own file (not stdout, not --out)");
    return 0;
}

int tp_cli_prove(int argc, char **argv)
{
    prove_args a = {0};
    a.o.vars.items = a.vars;
    tp_error err;
    tp_error_clear(&err);
    int rc = parse(argc, argv, &a, &err);
    tp_policy *policy = NULL;
    char *manifest = NULL, *proof = NULL, *openings = NULL;
    size_t proof_len = 0, openings_len = 0;
    if (rc == 0) {
        tp_err e = tp_cli_policy(a.allow_sim, a.policy_file, &policy, &err);
        if (e == TP_OK)
            e = tp_read_file(a.manifest_file, &manifest, &a.o.manifest_len, &err);
        if (e == TP_OK) {
            a.o.manifest_json = manifest;
            a.o.policy = policy;
            e = a.openings_file ? tp_prove_with_openings(&a.o, &proof, &proof_len, &openings, &openings_len, &err)
                                : tp_prove(&a.o, &proof, &proof_len, &err);
        }
        if (e == TP_OK && a.openings_file) /* first: a proof whose openings were lost is not wanted */
            e = tp_cli_write_file(a.openings_file, openings, openings_len, 1, &err);
        if (e == TP_OK)
            e = tp_cli_write_file(a.out_file, proof, proof_len, 0, &err);
        rc = tp_cli_exit(e, "prove", &err);
    } else if (rc == 1) {
        rc = tp_cli_fail(&err);
    }
    for (size_t i = 0; i < a.o.vars.n; i++) {
        explicit_bzero(a.var_storage[i], strlen(a.var_storage[i]) + 1 + strlen(a.vars[i].value));
        free(a.var_storage[i]);
    }
    free(manifest);
    free(proof);
    tp_openings_free(openings);
    tp_policy_free(policy);
    return rc < 0 ? 0 : rc;
}
