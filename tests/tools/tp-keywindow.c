/* Test tool for the notary key window (issue 6, class 8: backdating with a leaked key).
 *   tp-keywindow show PROOF
 *       prints "public_key not_before not_after time" of a proof (a window part missing
 *       prints "-")
 *   tp-keywindow backdate PROOF SHIFT OUT_NOW OUT_SHIFTED
 *       plays the thief of a notary key: makes a sim identity (a key with genuine
 *       evidence, as a leaked notary key has), signs PROOF's claims dated now (OUT_NOW),
 *       then re-dates them by SHIFT seconds and signs again with the same key (OUT_SHIFTED)
 *   tp-keywindow late-prove --notary HOST:PORT --manifest FILE --var N=V --ca-file PEM
 *                           (--delay S | --until-end OFFSET)
 *       an honest prover that waits between its TLS exchange and PROVE: S seconds, or until
 *       the clock reaches the attested key's not_after + OFFSET (-1: the notary has rotated
 *       but the key is still valid; 1: the key has left its window); prints the proof or
 *       the error
 * Sim TEE only. Uses only interfaces that predate the key window, so the attack can be
 * run against older builds too. */
#include <getopt.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tee/seal.h"
#include "base/file.h"
#include "base/json_bytes.h"
#include "manifest/manifest_check.h"
#include "proof/claims.h"
#include "proof/eth_proof.h"
#include "tee/identity.h"
#include "prover/prover_int.h"

static int show(const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    json_t *sig = json_object_get(doc, "signature"), *w = json_object_get(sig, "key_window");
    const char *key = json_string_value(json_object_get(sig, "public_key"));
    json_t *nb = json_object_get(w, "not_before"), *na = json_object_get(w, "not_after");
    json_t *t = json_object_get(json_object_get(doc, "claims"), "time");
    if (key == NULL || !json_is_integer(t)) {
        fprintf(stderr, "error: %s is not a proof\n", path);
        json_decref(doc);
        return 1;
    }
    char b1[32] = "-", b2[32] = "-";
    if (json_is_integer(nb))
        snprintf(b1, sizeof(b1), "%lld", (long long)json_integer_value(nb));
    if (json_is_integer(na))
        snprintf(b2, sizeof(b2), "%lld", (long long)json_integer_value(na));
    printf("%s %s %s %lld\n", key, b1, b2, (long long)json_integer_value(t));
    json_decref(doc);
    return 0;
}

/* Re-dates doc's claims to t and signs them with id; writes the document to path. */
static int resign_to(json_t *doc, tp_identity *id, long long t, const char *path)
{
    json_t *claims = json_object_get(doc, "claims");
    json_object_set_new(claims, "time", json_integer(t));
    tp_buf msg = TP_BUF_INIT;
    uint8_t value[64];
    tp_error err;
    json_t *eth = NULL;
    tp_err rc = tp_claims_signed_bytes(claims, &msg, &err);
    if (rc == TP_OK)
        rc = tp_identity_sign(id, msg.data, msg.len, value, &err);
    if (rc == TP_OK) /* a leaked identity holds both keys: its secp256k1 key re-signs too */
        rc = tp_eth_seal(id, claims, msg.data, msg.len, &eth, &err);
    tp_buf_free(&msg);
    if (rc == TP_OK) {
        json_object_set_new(json_object_get(doc, "signature"), "value", tp_json_base64(value, sizeof(value)));
        json_object_set_new(json_object_get(doc, "signature"), "eth", eth);
    }
    if (rc != TP_OK || json_dump_file(doc, path, JSON_INDENT(2)) != 0) {
        fprintf(stderr, "error: cannot sign or write %s\n", path);
        return 1;
    }
    return 0;
}

static int backdate(const char *in, long long shift, const char *out_now, const char *out_shifted)
{
    json_error_t jerr;
    json_t *src = json_load_file(in, 0, &jerr), *claims = json_deep_copy(json_object_get(src, "claims"));
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    char *sealed = NULL;
    size_t len = 0;
    long long now = (long long)time(NULL);
    int rc = 1;
    if (claims != NULL && json_object_set_new(claims, "time", json_integer(now)) == 0 &&
        tp_attester_open("sim", NULL, &a, &err) == TP_OK && tp_identity_create(a, &id, &err) == TP_OK &&
        tp_proof_seal(claims, id, &sealed, &len, &err) == TP_OK) {
        json_t *doc = json_loads(sealed, 0, &jerr);
        rc = json_dump_file(doc, out_now, JSON_INDENT(2)) != 0 || resign_to(doc, id, now + shift, out_shifted);
        json_decref(doc);
    } else {
        fprintf(stderr, "error: cannot seal %s with a fresh key\n", in);
    }
    free(sealed);
    tp_identity_free(id);
    tp_attester_free(a);
    json_decref(claims);
    json_decref(src);
    return rc;
}

static int late_prove(int argc, char **argv)
{
    const char *notary = NULL, *manifest_file = NULL, *ca = NULL;
    unsigned delay = 0;
    long long until_end = 0;
    int use_end = 0;
    json_t *info = NULL;
    tp_var vars[8];
    tp_vars vs = {vars, 0};
    static const struct option opts[] = {
        {"notary", required_argument, NULL, 'n'}, {"manifest", required_argument, NULL, 'm'},
        {"var", required_argument, NULL, 'v'}, {"ca-file", required_argument, NULL, 'c'},
        {"delay", required_argument, NULL, 'd'}, {"until-end", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *eq = o == 'v' ? strchr(optarg, '=') : NULL;
        if (o == 'n') notary = optarg;
        else if (o == 'm') manifest_file = optarg;
        else if (o == 'c') ca = optarg;
        else if (o == 'd') delay = (unsigned)atoi(optarg);
        else if (o == 'u') until_end = atoll(optarg), use_end = 1;
        else if (eq != NULL && vs.n < 8) {
            *eq = '\0';
            vars[vs.n++] = (tp_var){optarg, eq + 1};
        } else {
            fprintf(stderr, "error: bad arguments\n");
            return 2;
        }
    }
    if (!notary || !manifest_file) {
        fprintf(stderr, "error: --notary and --manifest are required\n");
        return 2;
    }
    tp_error err;
    tp_error_clear(&err);
    char *mtext = NULL, *proof = NULL;
    size_t mlen = 0, plen = 0;
    tp_manifest *m = NULL;
    tp_policy *policy = tp_policy_insecure_sim();
    tp_channel c = {.fd = -1};
    tp_target_session ts = {0};
    tp_buf req = TP_BUF_INIT;
    tp_err rc = tp_read_file(manifest_file, &mtext, &mlen, &err);
    if (rc == TP_OK) rc = tp_manifest_parse(mtext, mlen, &m, &err);
    if (rc == TP_OK) rc = tp_manifest_build_request(m, &vs, &req, &err);
    if (rc == TP_OK) rc = tp_channel_open(&c, notary, 20000, &err);
    if (rc == TP_OK) rc = tp_channel_attest(&c, policy, &info, &err);
    if (rc == TP_OK) rc = tp_channel_tunnel(&c, tp_manifest_host(m), tp_manifest_port(m), &err);
    tp_target_opts to = {.host = tp_manifest_host(m), .method = tp_manifest_method(m), .ca_file = ca};
    if (rc == TP_OK) rc = tp_target_exchange(&c, &to, req.data, req.len, &ts, &err);
    if (rc == TP_OK) sleep(delay);
    json_t *na = json_object_get(json_object_get(info, "key_window"), "not_after");
    while (rc == TP_OK && use_end && json_is_integer(na) &&
           (long long)time(NULL) < (long long)json_integer_value(na) + until_end)
        usleep(100 * 1000);
    uint8_t seed[TP_COMMIT_SEED_LEN];
    if (rc == TP_OK && RAND_priv_bytes(seed, sizeof(seed)) != 1)
        rc = tp_error_set(&err, TP_ERR_CRYPTO, "no random seed");
    if (rc == TP_OK) rc = tp_channel_prove(&c, mtext, mlen, &vs, &ts.key, seed, &proof, &plen, &err);
    if (rc == TP_OK)
        puts(proof);
    else
        fprintf(stderr, "error: %s [%s]\n", tp_error_message(&err), tp_err_name(err.code));
    tp_channel_close(&c);
    tp_target_session_free(&ts);
    tp_buf_free(&req);
    tp_manifest_free(m);
    tp_policy_free(policy);
    json_decref(info);
    free(mtext);
    free(proof);
    return rc == TP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "show") == 0)
        return show(argv[2]);
    if (argc == 6 && strcmp(argv[1], "backdate") == 0)
        return backdate(argv[2], atoll(argv[3]), argv[4], argv[5]);
    if (argc > 1 && strcmp(argv[1], "late-prove") == 0)
        return late_prove(argc - 1, argv + 1);
    fprintf(stderr, "usage: tp-keywindow show PROOF | backdate PROOF SHIFT OUT_NOW OUT_SHIFTED |"
                    " late-prove --notary HOST:PORT --manifest FILE [--var N=V] [--ca-file PEM]"
                    " (--delay S | --until-end OFFSET)\n");
    return 2;
}
