/* Test tool: a prover that lies to the notary, to check that the notary refuses to sign.
 *   tp-lying-prover --notary HOST:PORT --manifest FILE --lie MODE [--var N=V] [--ca-file PEM]
 *                   [--request FILE] [--host H --port P] [--send FILE] [--early | --wait]
 * MODE: honest     an honest run (the proof; with --wait, as a prover that waits for TUNNEL_OK)
 *       wrong-key  reveal a fresh key of the same group instead of the session's
 *       truncate   send only part of the ClientHello through the tunnel, then reveal
 *       garble     send the plaintext request through the tunnel instead of TLS, then reveal
 *       wrong-var  reveal a different value for the first variable than the one used
 *       two-requests  pipeline the manifest's request twice in the one session
 *       raw-request   send the bytes of --request FILE as the request (instead of the one
 *                     the manifest allows), over an honest TLS session, and reveal honestly
 *       short-seed  an honest session, then a PROVE_REQ whose commit_seed is 16 bytes
 *       no-seed     an honest session, then a PROVE_REQ without commit_seed
 *       no-attest  ask for the tunnel without asking for attestation, then run honestly
 *       raw-tunnel send the bytes of --send FILE through the tunnel instead of TLS, then reveal
 *       data-first like raw-tunnel, but the DATA frame goes before the TUNNEL_REQ (same write)
 *       second-tunnel  like raw-tunnel, after a second TUNNEL_REQ (one write, with early data)
 *       first-share an honest session with a HelloRetryRequest (a target that refuses
 *                     X25519), then a key for the first ClientHello's group (x25519)
 *                     instead of the second ClientHello's
 *       tunnel-proxy  an honest tunnel-mode run (for a manifest with mode "Proxy", which
 *                     is proven in direct mode only)
 *       direct-no-attest     DIRECT_REQ without asking for attestation first
 *       direct-then-prove    DIRECT_REQ, then at once a PROVE_REQ (nothing may follow it)
 *       direct-after-tunnel  a tunnel, then DIRECT_REQ (one target per session)
 *       direct-short-seed    DIRECT_REQ whose commit_seed is 16 bytes
 *       leave-proving  an honest session and PROVE_REQ, then close at once without waiting
 *                  for the proof (the notary's replay worker finishes for a session gone)
 * --host H --port P: tunnel to H:P instead of the manifest's host and port.
 * --early: send the tunnel's first DATA with TUNNEL_REQ (early data) even if the notary does
 *   not advertise it; --wait: wait for TUNNEL_OK even if it does (an older prover). Without
 *   either, as the prover library does (early data when advertised); mode honest notes
 *   "note: early data" on stderr when it was used.
 * Prints the notary's answer: "error: ..." (exit 1) or the proof (exit 0). Sim TEE only. */
#include <getopt.h>
#include <signal.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/json_bytes.h"
#include "cli/util.h"
#include "manifest/manifest_check.h"
#include "prover/prover_int.h"
#include "tls/transcript.h"

static int fresh_key(tp_keyshare *k)
{
    EVP_PKEY *p = k->group == TP_TLS_GROUP_X25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519")
                                                   : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    size_t len = sizeof(k->priv);
    BIGNUM *bn = NULL;
    int ok = p != NULL;
    if (ok && k->group == TP_TLS_GROUP_X25519)
        ok = EVP_PKEY_get_raw_private_key(p, k->priv, &len) == 1;
    else if (ok)
        ok = EVP_PKEY_get_bn_param(p, "priv", &bn) == 1 && BN_bn2binpad(bn, k->priv, 32) == 32;
    k->priv_len = 32;
    BN_free(bn);
    EVP_PKEY_free(p);
    return ok;
}

static tp_err send_junk(tp_channel *c, const char *lie, const uint8_t *req, size_t req_len,
                        const char *send_file, tp_error *err)
{
    uint8_t junk[600];
    if (strcmp(lie, "raw-tunnel") == 0 || strcmp(lie, "data-first") == 0 ||
        strcmp(lie, "second-tunnel") == 0) { /* any bytes at all */
        char *raw = NULL;
        size_t raw_len = 0;
        tp_err rc = send_file ? tp_read_file(send_file, &raw, &raw_len, err)
                              : tp_error_set(err, TP_ERR_ARG, "raw-tunnel needs --send FILE");
        if (rc == TP_OK)
            rc = tp_channel_send(c, TP_MSG_DATA, raw, raw_len, err);
        free(raw);
        return rc;
    }
    if (strcmp(lie, "garble") == 0) { /* the plaintext request where TLS records belong */
        return tp_channel_send(c, TP_MSG_DATA, req, req_len, err);
    }
    /* truncate: a record header announcing 512 bytes, then the first 40 of a request */
    junk[0] = 0x16, junk[1] = 0x03, junk[2] = 0x01, junk[3] = 0x02, junk[4] = 0x00;
    memcpy(junk + 5, req, req_len < 40 ? req_len : 40);
    return tp_channel_send(c, TP_MSG_DATA, junk, 45, err);
}

/* PROVE_REQ as tp_channel_prove sends it, but with a seed of seed_len bytes (0: none); with
 * leave, returns once it is sent ("left" as the proof). */
static tp_err prove_with_seed(tp_channel *c, const char *mtext, size_t mlen, const tp_vars *vs,
                              const tp_keyshare *key, size_t seed_len, int leave, char **proof,
                              tp_error *err)
{
    uint8_t seed[TP_COMMIT_SEED_LEN] = {0};
    json_t *vars = json_object();
    for (size_t i = 0; i < vs->n; i++)
        json_object_set_new(vars, vs->items[i].name, json_string(vs->items[i].value));
    json_t *o = json_pack("{s:s%, s:i, s:o, s:o}", "manifest", mtext, mlen, "group", (int)key->group,
                          "private_key", tp_json_base64(key->priv, key->priv_len), "vars", vars);
    if (seed_len > 0)
        json_object_set_new(o, "commit_seed", tp_json_base64(seed, seed_len < sizeof(seed) ? seed_len : sizeof(seed)));
    char *req = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    tp_frame f;
    tp_err rc = tp_channel_send(c, TP_MSG_TUNNEL_CLOSE, "{}", 2, err);
    if (rc == TP_OK)
        rc = req ? tp_channel_send(c, TP_MSG_PROVE_REQ, req, strlen(req), err) : tp_error_set(err, TP_ERR_NOMEM, NULL);
    free(req);
    if (rc == TP_OK && leave)
        return (*proof = strdup("left")) ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, NULL);
    while (rc == TP_OK && (rc = tp_channel_recv(c, &f, err)) == TP_OK && f.type != TP_MSG_PROOF) {
    }
    if (rc == TP_OK && (*proof = strndup((const char *)f.payload, f.len)) == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, NULL);
    return rc;
}

/* The direct-mode lies: one DIRECT_REQ (its seed seed_len bytes) on a channel in the state
 * the lie asks for, perhaps followed by another message; the notary's answer in *proof. */
static tp_err lie_direct(tp_channel *c, const char *lie, const tp_policy *policy, const tp_manifest *m,
                         const char *mtext, size_t mlen, const tp_vars *vs, char **proof, tp_error *err)
{
    uint8_t seed[TP_COMMIT_SEED_LEN] = {0};
    json_t *vars = json_object();
    for (size_t i = 0; i < vs->n; i++)
        json_object_set_new(vars, vs->items[i].name, json_string(vs->items[i].value));
    size_t seed_len = strcmp(lie, "direct-short-seed") == 0 ? 16 : sizeof(seed);
    json_t *o = json_pack("{s:s%, s:o, s:o}", "manifest", mtext, mlen, "commit_seed",
                          tp_json_base64(seed, seed_len), "vars", vars);
    char *req = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    tp_err rc = TP_OK;
    if (strcmp(lie, "direct-no-attest") != 0)
        rc = tp_channel_attest(c, policy, NULL, err);
    c->attested = 1; /* the prover library would refuse to go on */
    if (rc == TP_OK && strcmp(lie, "direct-after-tunnel") == 0)
        rc = tp_channel_tunnel(c, tp_manifest_host(m), tp_manifest_port(m), err);
    if (rc == TP_OK && req == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, NULL);
    if (rc == TP_OK && strcmp(lie, "direct-then-prove") == 0) {
        /* Both frames in one TLS record, so the PROVE_REQ is there before the notary could
         * have finished the direct fetch (two writes would race it). */
        tp_buf both = TP_BUF_INIT;
        int ok = tp_frame_write(&both, TP_MSG_DIRECT_REQ, req, strlen(req)) &&
                 tp_frame_write(&both, TP_MSG_PROVE_REQ, "{}", 2) &&
                 SSL_write(c->ssl, both.data, (int)both.len) == (int)both.len;
        tp_buf_free(&both);
        if (!ok)
            rc = tp_error_set(err, TP_ERR_IO, "cannot send to the notary");
    } else if (rc == TP_OK) {
        rc = tp_channel_send(c, TP_MSG_DIRECT_REQ, req, strlen(req), err);
    }
    free(req);
    tp_frame f;
    while (rc == TP_OK && (rc = tp_channel_recv(c, &f, err)) == TP_OK && f.type != TP_MSG_PROOF) {
    }
    if (rc == TP_OK && (*proof = strndup((const char *)f.payload, f.len)) == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, NULL);
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *notary = NULL, *manifest_file = NULL, *lie = NULL, *ca = NULL, *raw = NULL;
    const char *host = NULL, *send_file = NULL;
    long port = 0;
    tp_var vars[8];
    tp_vars vs = {vars, 0};
    int o;
    static const struct option opts[] = {
        {"notary", required_argument, NULL, 'n'}, {"manifest", required_argument, NULL, 'm'},
        {"lie", required_argument, NULL, 'l'}, {"var", required_argument, NULL, 'v'},
        {"ca-file", required_argument, NULL, 'c'}, {"request", required_argument, NULL, 'r'},
        {"host", required_argument, NULL, 'H'}, {"port", required_argument, NULL, 'P'},
        {"send", required_argument, NULL, 's'}, {"early", no_argument, NULL, 'e'},
        {"wait", no_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
    int early = -1; /* as advertised */
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'n') notary = optarg;
        else if (o == 'm') manifest_file = optarg;
        else if (o == 'l') lie = optarg;
        else if (o == 'c') ca = optarg;
        else if (o == 'r') raw = optarg;
        else if (o == 'H') host = optarg;
        else if (o == 'P') port = strtol(optarg, NULL, 10);
        else if (o == 's') send_file = optarg;
        else if (o == 'e') early = 1;
        else if (o == 'w') early = 0;
        else if (o == 'v' && vs.n < 8 && strchr(optarg, '=')) {
            char *eq = strchr(optarg, '=');
            *eq = '\0';
            vars[vs.n++] = (tp_var){optarg, eq + 1};
        } else {
            fprintf(stderr, "error: bad arguments\n");
            return 2;
        }
    }
    int raw_request = lie && strcmp(lie, "raw-request") == 0;
    if (!notary || !manifest_file || !lie || raw_request != (raw != NULL)) {
        fprintf(stderr, "error: --notary, --manifest and --lie are required (--request with raw-request only)\n");
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
    if (rc == TP_OK && raw_request) { /* the request as given, whatever the manifest says */
        char *bytes = NULL;
        size_t n = 0;
        rc = tp_read_file(raw, &bytes, &n, &err);
        if (rc == TP_OK && !tp_buf_append(&req, bytes, n))
            rc = tp_error_set(&err, TP_ERR_NOMEM, NULL);
        free(bytes);
    } else if (rc == TP_OK) {
        rc = tp_manifest_build_request(m, &vs, &req, &err);
    }
    if (rc == TP_OK) rc = tp_channel_open(&c, notary, 10000, &err);
    if (strncmp(lie, "direct-", 7) == 0) {
        if (rc == TP_OK)
            rc = lie_direct(&c, lie, policy, m, mtext, mlen, &vs, &proof, &err);
        goto done;
    }
    int no_attest = strcmp(lie, "no-attest") == 0;
    if (rc == TP_OK && !no_attest) rc = tp_channel_attest(&c, policy, NULL, &err);
    if (no_attest)
        c.attested = 1; /* the prover library would refuse to go on */
    if (early >= 0)
        c.early_data = early;
    int data_first = strcmp(lie, "data-first") == 0;
    if (rc == TP_OK && data_first) { /* queued: it goes out in the TUNNEL_REQ's write, before it */
        char *raw_bytes = NULL;
        size_t raw_len = 0;
        rc = send_file ? tp_read_file(send_file, &raw_bytes, &raw_len, &err)
                       : tp_error_set(&err, TP_ERR_ARG, "data-first needs --send FILE");
        if (rc == TP_OK)
            rc = tp_channel_queue(&c, TP_MSG_DATA, raw_bytes, raw_len, &err);
        free(raw_bytes);
        c.early_data = 1; /* the TUNNEL_REQ is queued behind it, not sent alone */
    }
    if (c.early_data && rc == TP_OK && strcmp(lie, "honest") == 0)
        fprintf(stderr, "note: early data\n");
    if (rc == TP_OK)
        rc = tp_channel_tunnel(&c, host ? host : tp_manifest_host(m), port ? (uint16_t)port : tp_manifest_port(m), &err);
    int second = strcmp(lie, "second-tunnel") == 0;
    if (rc == TP_OK && second)
        rc = tp_channel_tunnel(&c, host ? host : tp_manifest_host(m), port ? (uint16_t)port : tp_manifest_port(m), &err);
    int two = strcmp(lie, "two-requests") == 0;
    int leave = strcmp(lie, "leave-proving") == 0;
    int seed_len = strcmp(lie, "short-seed") == 0 ? 16 : strcmp(lie, "no-seed") == 0 ? 0
                 : leave ? TP_COMMIT_SEED_LEN : -1;
    int first_share = strcmp(lie, "first-share") == 0;
    int honest = strcmp(lie, "tunnel-proxy") == 0 || strcmp(lie, "honest") == 0;
    int honest_tls = strcmp(lie, "wrong-key") == 0 || strcmp(lie, "wrong-var") == 0 || two ||
                     raw_request || no_attest || seed_len >= 0 || first_share || honest;
    int own_key = strcmp(lie, "wrong-var") == 0 || two || raw_request || no_attest || seed_len >= 0 || honest;
    if (rc == TP_OK && two) { /* copy first: appending a buffer to itself may move it */
        tp_buf once = TP_BUF_INIT;
        if (!tp_buf_append(&once, req.data, req.len) || !tp_buf_append(&req, once.data, once.len))
            rc = tp_error_set(&err, TP_ERR_NOMEM, NULL);
        tp_buf_free(&once);
    }
    tp_target_opts to = {.host = tp_manifest_host(m), .method = tp_manifest_method(m), .ca_file = ca};
    if (rc == TP_OK && honest_tls)
        rc = tp_target_exchange(&c, &to, req.data, req.len, &ts, &err);
    else if (rc == TP_OK) {
        ts.key.group = TP_TLS_GROUP_X25519;
        if (!data_first) /* its bytes went already */
            rc = send_junk(&c, lie, req.data, req.len, send_file, &err);
    }
    if (rc == TP_OK && (strcmp(lie, "raw-tunnel") == 0 || data_first || second)) { /* what came back, until the tunnel ends */
        size_t answered = 0;
        tp_frame f;
        while ((rc = tp_channel_recv(&c, &f, &err)) == TP_OK && f.type == TP_MSG_DATA)
            answered += f.len;
        if (answered)
            fprintf(stderr, "note: %zu bytes from the target were relayed\n", answered);
    }
    if (rc == TP_OK && first_share && ts.key.client_hellos != 2)
        rc = tp_error_set(&err, TP_ERR_ARG, "first-share: the target sent no HelloRetryRequest");
    if (first_share)
        ts.key.group = TP_TLS_GROUP_X25519; /* the group of the first ClientHello's share */
    if (rc == TP_OK && seed_len >= 0)
        rc = prove_with_seed(&c, mtext, mlen, &vs, &ts.key, (size_t)seed_len, leave, &proof, &err);
    else if (rc == TP_OK && !own_key && !fresh_key(&ts.key))
        rc = tp_error_set(&err, TP_ERR_CRYPTO, "cannot make a key");
    if (rc == TP_OK && strcmp(lie, "wrong-var") == 0 && vs.n > 0)
        vars[0].value = "not-the-value-that-was-sent";
    uint8_t seed[TP_COMMIT_SEED_LEN] = {0}; /* the notary's refusal does not depend on it */
    if (rc == TP_OK && seed_len < 0)
        rc = tp_channel_prove(&c, mtext, mlen, &vs, &ts.key, seed, &proof, &plen, &err);
done:
    if (rc == TP_OK)
        puts(proof);
    else
        fprintf(stderr, "error: %s [%s]\n", tp_error_message(&err), tp_err_name(err.code));
    tp_channel_close(&c);
    tp_target_session_free(&ts);
    tp_buf_free(&req);
    tp_manifest_free(m);
    tp_policy_free(policy);
    free(mtext);
    free(proof);
    return rc == TP_OK ? 0 : 1;
}
