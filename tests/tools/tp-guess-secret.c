/* Test tool: the attack on a proof's commitments to a low-entropy secret. The request is a
 * deterministic function of the public manifest and the variable values, so an attacker
 * holding a proof tries every value of a variable, builds the request the prover would have
 * sent, and looks for its SHA-256 (or the value's) among the proof's hex strings.
 *   tp-guess-secret --manifest FILE --proof FILE --var NAME (--digits N | --candidate VALUE)
 * --digits N tries every N-digit decimal value (N <= 7). Prints "found: <value>" and exits 0
 * when a candidate's hash is in the proof, prints "not found" and exits 1 otherwise (2: usage).
 * This is what the salted commitments of claims v2 must defeat. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "base/file.h"
#include "manifest/manifest_check.h"

#define MAX_HASHES 64
#define MAX_DIGITS 7

typedef struct hash_set {
    uint8_t h[MAX_HASHES][32];
    size_t n;
} hash_set;

/* Every 64-hex-digit string of the proof, anywhere in it. */
static void collect(const json_t *v, hash_set *set)
{
    const char *key;
    json_t *item;
    size_t i;
    if (json_is_string(v) && json_string_length(v) == 64 && set->n < MAX_HASHES &&
        tp_hex_decode_fixed(json_string_value(v), set->h[set->n], 32))
        set->n++;
    else if (json_is_object(v))
        json_object_foreach((json_t *)v, key, item) collect(item, set);
    else if (json_is_array(v))
        json_array_foreach(v, i, item) collect(item, set);
}

static int in_set(const hash_set *set, const void *p, size_t n)
{
    uint8_t h[32];
    tp_sha256(p, n, h);
    for (size_t i = 0; i < set->n; i++)
        if (memcmp(set->h[i], h, 32) == 0)
            return 1;
    return 0;
}

/* 1 when the request built with value, or value itself, hashes to a string of the proof. */
static int try_value(const tp_manifest *m, const char *name, const char *value, const hash_set *set)
{
    tp_var var = {name, value};
    tp_vars vars = {&var, 1};
    tp_buf req = TP_BUF_INIT;
    int hit = tp_manifest_build_request(m, &vars, &req, NULL) == TP_OK && in_set(set, req.data, req.len);
    tp_buf_free(&req);
    return hit || in_set(set, value, strlen(value));
}

static int usage(void)
{
    fprintf(stderr, "usage: tp-guess-secret --manifest FILE --proof FILE --var NAME (--digits N | --candidate V)\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *manifest_file = NULL, *proof_file = NULL, *name = NULL, *candidate = NULL;
    int digits = 0, o;
    static const struct option opts[] = {
        {"manifest", required_argument, NULL, 'm'}, {"proof", required_argument, NULL, 'p'},
        {"var", required_argument, NULL, 'v'}, {"digits", required_argument, NULL, 'd'},
        {"candidate", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'm') manifest_file = optarg;
        else if (o == 'p') proof_file = optarg;
        else if (o == 'v') name = optarg;
        else if (o == 'd') digits = atoi(optarg);
        else if (o == 'c') candidate = optarg;
        else return usage();
    }
    if (!manifest_file || !proof_file || !name || (candidate == NULL) == (digits < 1 || digits > MAX_DIGITS))
        return usage();
    tp_manifest *m = NULL;
    json_t *proof = json_load_file(proof_file, 0, NULL);
    if (proof == NULL || tp_manifest_load_file(manifest_file, &m, NULL) != TP_OK) {
        fprintf(stderr, "error: cannot read the manifest or the proof\n");
        return 2;
    }
    hash_set set = {.n = 0};
    collect(proof, &set);
    long limit = 1;
    for (int i = 0; i < digits; i++)
        limit *= 10;
    char value[MAX_DIGITS + 1];
    int found = 0;
    clock_t t0 = clock();
    if (candidate != NULL)
        found = try_value(m, name, candidate, &set);
    for (long i = 0; candidate == NULL && !found && i < limit; i++) {
        snprintf(value, sizeof(value), "%0*ld", digits, i);
        found = try_value(m, name, value, &set);
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (found)
        printf("found: %s (%.2f s, %zu hashes in the proof)\n", candidate ? candidate : value, secs, set.n);
    else
        printf("not found (%.2f s, %zu hashes in the proof)\n", secs, set.n);
    tp_manifest_free(m);
    json_decref(proof);
    return found ? 0 : 1;
}
