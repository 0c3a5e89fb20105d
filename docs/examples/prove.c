/* Example: proves what an HTTPS server answered, through a notary, with the installed
 * libteeproof and nothing but its public headers. Writes the proof to stdout.
 *
 *   cc prove.c $(pkg-config --cflags --libs teeproof) -o prove
 *   ./prove [--sim] [--policy POLICY.json] [--ca-file CA.pem] NOTARY MANIFEST.json [NAME=VALUE...]
 *
 * --sim accepts a simulated (insecure, test-only) notary; otherwise --policy names the
 * evidence policy (docs/policy.md). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <teeproof/errors.h>
#include <teeproof/manifest.h>
#include <teeproof/prover.h>

#define MAX_VARS 32
#define MAX_FILE (1u << 20)

/* Reads a whole file into a NUL-terminated buffer (caller frees); NULL on error. */
static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, MAX_FILE + 1, f) : 0;
    fclose(f);
    if (!buf || n > MAX_FILE) { free(buf); return NULL; }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int usage(void) {
    fprintf(stderr, "usage: prove [--sim] [--policy FILE] [--ca-file FILE] NOTARY MANIFEST [NAME=VALUE...]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *policy_file = NULL, *ca_file = NULL;
    int sim = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--sim") == 0) sim = 1;
        else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) policy_file = argv[++i];
        else if (strcmp(argv[i], "--ca-file") == 0 && i + 1 < argc) ca_file = argv[++i];
        else return usage();
    }
    if (argc - i < 2 || sim == (policy_file != NULL)) return usage();
    const char *notary = argv[i], *manifest_file = argv[i + 1];

    tp_var vars[MAX_VARS];
    size_t n_vars = 0;
    for (i += 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || n_vars == MAX_VARS) return usage();
        *eq = '\0';
        vars[n_vars++] = (tp_var){.name = argv[i], .value = eq + 1};
    }

    signal(SIGPIPE, SIG_IGN); /* as tp_prove asks */
    tp_error err = {0};
    tp_policy *policy = NULL;
    if (sim) policy = tp_policy_insecure_sim();
    else if (tp_policy_load(policy_file, &policy, &err) != TP_OK) goto fail;

    size_t manifest_len = 0;
    char *manifest = read_all(manifest_file, &manifest_len);
    if (!manifest) {
        fprintf(stderr, "error: cannot read %s\n", manifest_file);
        tp_policy_free(policy);
        return 1;
    }
    tp_prove_opts opts = {
        .notary = notary,
        .manifest_json = manifest,
        .manifest_len = manifest_len,
        .vars = {.items = vars, .n = n_vars},
        .policy = policy,
        .target_ca_file = ca_file,
    };
    char *proof = NULL;
    size_t proof_len = 0;
    tp_err rc = tp_prove(&opts, &proof, &proof_len, &err);
    free(manifest);
    tp_policy_free(policy);
    if (rc != TP_OK) goto fail;
    fwrite(proof, 1, proof_len, stdout);
    fputc('\n', stdout);
    free(proof);
    return 0;
fail:
    fprintf(stderr, "error: %s: %s\n", tp_err_name(err.code), tp_error_message(&err));
    return 1;
}
