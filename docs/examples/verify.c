/* Example: verifies a proof with the installed libteeproof and nothing but its public
 * headers, and prints the verified claims (JSON text) and what the evidence says about the
 * notary that signed it.
 *
 *   cc verify.c $(pkg-config --cflags --libs teeproof) -o verify
 *   ./verify (--sim | --policy POLICY.json) [--manifest MANIFEST.json] PROOF.json
 *
 * Exit status 0 only for a proof that verified; otherwise the stable error name
 * (tp_err_name, e.g. "signature") is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <teeproof/errors.h>
#include <teeproof/manifest.h>
#include <teeproof/proof.h>

#define MAX_FILE (16u << 20)

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
    fprintf(stderr, "usage: verify (--sim | --policy FILE) [--manifest FILE] PROOF\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *policy_file = NULL, *manifest_file = NULL;
    int sim = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--sim") == 0) sim = 1;
        else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) policy_file = argv[++i];
        else if (strcmp(argv[i], "--manifest") == 0 && i + 1 < argc) manifest_file = argv[++i];
        else return usage();
    }
    if (argc - i != 1 || sim == (policy_file != NULL)) return usage();

    tp_error err = {0};
    tp_policy *policy = NULL;
    tp_manifest *manifest = NULL;
    char *proof = NULL;
    size_t proof_len = 0;
    int status = 1;
    if (sim) policy = tp_policy_insecure_sim();
    else if (tp_policy_load(policy_file, &policy, &err) != TP_OK) goto out;
    if (manifest_file && tp_manifest_load_file(manifest_file, &manifest, &err) != TP_OK) goto out;
    if (!(proof = read_all(argv[i], &proof_len))) {
        fprintf(stderr, "error: cannot read %s\n", argv[i]);
        goto out;
    }

    tp_evidence_facts facts;
    memset(&facts, 0, sizeof facts);
    char *claims = NULL;
    if (tp_proof_verify(proof, proof_len, policy, manifest, &claims, NULL, &facts, &err) != TP_OK)
        goto out;
    printf("%s\n", claims);
    free(claims);
    printf("verified: notary platform %s, debug %d, measurement ", facts.platform, facts.debug);
    for (size_t k = 0; k < facts.measurement_len; k++) printf("%02x", facts.measurement[k]);
    printf("\n");
    tp_evidence_facts_free(&facts);
    status = 0;
out:
    if (status != 0 && err.code != TP_OK)
        fprintf(stderr, "error: %s: %s\n", tp_err_name(err.code), tp_error_message(&err));
    free(proof);
    tp_manifest_free(manifest);
    tp_policy_free(policy);
    return status;
}
