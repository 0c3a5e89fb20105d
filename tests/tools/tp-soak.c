/* Test tool: the driver of `make soak` (tests/soak/soak.sh). Runs COUNT prover sessions
 * against a notary, CONCURRENCY at a time, with faults mixed in, and counts the outcomes.
 *   tp-soak --notary HOST:PORT --manifest FILE --reset-manifest FILE --var N=V --ca-file PEM
 *           [--count N] [--first I] [--concurrency C] [--deadline SECONDS]
 * Session I (I = first .. first+count-1) is, by I's place in a fixed shuffle of 100:
 *   good    (70) the whole flow (tp_prove): a proof, verified locally
 *   reset   (10) the same against a target that resets mid-response: never a proof
 *   vanish  (10) attest, tunnel, ClientHello, the target's first answer, then a TCP reset
 *   slow    ( 5) the whole flow with pauses between steps and its tunnel request sent one
 *                byte per TLS record: a proof
 *   flood   ( 5) attestation requests for FLOOD_MS without reading, then a TCP reset
 * A session that cannot connect (the notary is restarting; the targets are always up) is
 * run again after RETRY_PAUSE_MS, up to RETRY_MAX times, as a prover would.
 * Prints "progress: DONE/COUNT" every PROGRESS_EVERY sessions, then per kind
 * "result: KIND sessions=N proofs=N failed=N retried=N [NAME=N ...]". Exit 1 if a reset session
 * obtained a proof (the notary signed a truncated response), else 0. Sim TEE only. */
#include <errno.h>
#include <getopt.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "manifest/manifest_check.h"
#include "prover/prover_int.h"

#define SOAK_MAX_THREADS 64
#define PROGRESS_EVERY 10
#define FLOOD_MS 100
#define SLOW_PAUSE_MS 100
#define SLOW_BYTE_MS 10
#define NET_TIMEOUT_MS 15000
#define RETRY_PAUSE_MS 100
#define RETRY_MAX 100

enum kind { K_GOOD, K_RESET, K_VANISH, K_SLOW, K_FLOOD, K__COUNT };
static const char *const k_kind_names[K__COUNT] = {"good", "reset", "vanish", "slow", "flood"};

typedef struct soak {
    const char *notary, *ca_file;
    char *manifest, *reset_manifest;
    size_t manifest_len, reset_manifest_len;
    tp_var vars[4];
    tp_vars vs;
    long first, count;
    double deadline;
    atomic_long next, done;
    pthread_mutex_t lock;
    long sessions[K__COUNT], proofs[K__COUNT], failed[K__COUNT], retried[K__COUNT];
    long errors[K__COUNT][TP_ERR__COUNT];
} soak;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* The kinds spread evenly: session i's slot in a fixed permutation of 0..99. */
static enum kind kind_of(long i)
{
    long r = (i * 37 + 11) % 100;
    return r < 70 ? K_GOOD : r < 80 ? K_RESET : r < 90 ? K_VANISH : r < 95 ? K_SLOW : K_FLOOD;
}

/* Closes without close_notify and with a TCP reset: the prover vanished. */
static void vanish(tp_channel *c)
{
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    if (c->fd >= 0)
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    SSL_free(c->ssl);
    c->ssl = NULL;
    tp_channel_close(c);
}

static tp_err open_attested(const soak *k, tp_channel *c, const tp_policy *policy, tp_error *err)
{
    tp_err rc = tp_channel_open(c, k->notary, NET_TIMEOUT_MS, err);
    return rc == TP_OK ? tp_channel_attest(c, policy, NULL, err) : rc;
}

static tp_err run_good(const soak *k, const char *manifest, size_t len, const tp_policy *policy,
                       int *proved, tp_error *err)
{
    tp_prove_opts o = {.notary = k->notary, .manifest_json = manifest, .manifest_len = len,
                       .vars = k->vs, .policy = policy, .target_ca_file = k->ca_file,
                       .timeout_ms = NET_TIMEOUT_MS};
    char *proof = NULL;
    size_t proof_len = 0;
    tp_err rc = tp_prove(&o, &proof, &proof_len, err);
    *proved = proof != NULL;
    free(proof);
    return rc;
}

/* The tunnel request, one byte per TLS record with pauses: the decoder holds a partial
 * frame for a while. */
static tp_err slow_tunnel(tp_channel *c, const tp_manifest *m, tp_error *err)
{
    char json[300];
    snprintf(json, sizeof(json), "{\"host\":\"%s\",\"port\":%u}", tp_manifest_host(m), tp_manifest_port(m));
    tp_buf frame = TP_BUF_PUBLIC_INIT;
    tp_err rc = tp_frame_write(&frame, TP_MSG_TUNNEL_REQ, json, strlen(json)) ? TP_OK
                                                                              : tp_error_set(err, TP_ERR_NOMEM, NULL);
    for (size_t i = 0; rc == TP_OK && i < frame.len; i++) {
        if (SSL_write(c->ssl, frame.data + i, 1) != 1)
            rc = tp_error_set(err, TP_ERR_IO, "cannot write to the notary");
        if (i % 8 == 0)
            sleep_ms(SLOW_BYTE_MS);
    }
    tp_buf_free(&frame);
    tp_frame f;
    if (rc == TP_OK && (rc = tp_channel_recv(c, &f, err)) == TP_OK && f.type != TP_MSG_TUNNEL_OK)
        rc = tp_error_set(err, TP_ERR_PROTOCOL, "no TUNNEL_OK");
    return rc;
}

static tp_err run_slow(const soak *k, const tp_policy *policy, int *proved, tp_error *err)
{
    tp_manifest *m = NULL;
    tp_buf req = TP_BUF_INIT;
    tp_channel c = {.fd = -1};
    tp_target_session ts = {0};
    char *proof = NULL;
    size_t proof_len = 0;
    tp_err rc = tp_manifest_parse(k->manifest, k->manifest_len, &m, err);
    if (rc == TP_OK) rc = tp_manifest_build_request(m, &k->vs, &req, err);
    if (rc == TP_OK) rc = tp_channel_open(&c, k->notary, NET_TIMEOUT_MS, err);
    if (rc == TP_OK) { sleep_ms(SLOW_PAUSE_MS); rc = tp_channel_attest(&c, policy, NULL, err); }
    if (rc == TP_OK) { sleep_ms(SLOW_PAUSE_MS); rc = slow_tunnel(&c, m, err); }
    tp_target_opts to = {.host = m ? tp_manifest_host(m) : NULL, .method = m ? tp_manifest_method(m) : NULL,
                         .ca_file = k->ca_file};
    if (rc == TP_OK) { sleep_ms(SLOW_PAUSE_MS); rc = tp_target_exchange(&c, &to, req.data, req.len, &ts, err); }
    if (rc == TP_OK) {
        sleep_ms(SLOW_PAUSE_MS);
        uint8_t seed[TP_COMMIT_SEED_LEN];
        rc = RAND_priv_bytes(seed, sizeof(seed)) == 1
                 ? tp_channel_prove(&c, k->manifest, k->manifest_len, &k->vs, &ts.key, seed, &proof,
                                    &proof_len, err)
                 : tp_error_set(err, TP_ERR_CRYPTO, "no random seed");
        OPENSSL_cleanse(seed, sizeof(seed));
    }
    *proved = proof != NULL;
    free(proof);
    tp_channel_close(&c);
    tp_target_session_free(&ts);
    tp_buf_free(&req);
    tp_manifest_free(m);
    return rc;
}

/* ClientHello through the tunnel, the target's first answer, then gone. */
static tp_err run_vanish(const soak *k, const tp_policy *policy, tp_error *err)
{
    tp_manifest *m = NULL;
    tp_channel c = {.fd = -1};
    tp_err rc = tp_manifest_parse(k->manifest, k->manifest_len, &m, err);
    if (rc == TP_OK) rc = open_attested(k, &c, policy, err);
    if (rc == TP_OK) rc = tp_channel_tunnel(&c, tp_manifest_host(m), tp_manifest_port(m), err);
    SSL_CTX *ctx = rc == TP_OK ? SSL_CTX_new(TLS_client_method()) : NULL;
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    if (ssl && rbio && wbio) {
        SSL_set_bio(ssl, rbio, wbio);
        SSL_set_tlsext_host_name(ssl, tp_manifest_host(m));
        SSL_set_connect_state(ssl);
        SSL_do_handshake(ssl); /* wants the server's answer */
        uint8_t hello[TP_DATA_CHUNK];
        int n = BIO_read(wbio, hello, sizeof(hello));
        tp_frame f;
        if (n > 0 && (rc = tp_channel_send(&c, TP_MSG_DATA, hello, (size_t)n, err)) == TP_OK)
            rc = tp_channel_recv(&c, &f, err);
    } else {
        BIO_free(rbio);
        BIO_free(wbio);
    }
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    vanish(&c);
    tp_manifest_free(m);
    return rc;
}

static tp_err run_flood(const soak *k, const tp_policy *policy, tp_error *err)
{
    tp_channel c = {.fd = -1};
    tp_err rc = open_attested(k, &c, policy, err);
    static uint8_t chunk[7 * 2048];
    tp_buf one = TP_BUF_PUBLIC_INIT;
    tp_frame_write(&one, TP_MSG_ATTEST_REQ, "{}", 2);
    for (size_t i = 0; i + one.len <= sizeof(chunk) && one.len == 7; i += one.len)
        memcpy(chunk + i, one.data, one.len);
    tp_buf_free(&one);
    if (rc == TP_OK) {
        struct timeval tv = {.tv_usec = 20000};
        setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        double end = now_s() + FLOOD_MS / 1000.0;
        while (now_s() < end) {
            int w = SSL_write(c.ssl, chunk, sizeof(chunk));
            int e = w > 0 ? SSL_ERROR_NONE : SSL_get_error(c.ssl, w);
            ERR_clear_error();
            if (w <= 0 && e != SSL_ERROR_WANT_WRITE && !(e == SSL_ERROR_SYSCALL && errno == EAGAIN))
                break; /* the notary closed it */
        }
    }
    vanish(&c);
    return rc;
}

static void record(soak *k, enum kind kd, tp_err rc, int proved, int retries)
{
    pthread_mutex_lock(&k->lock);
    k->sessions[kd]++;
    k->retried[kd] += retries;
    k->proofs[kd] += proved;
    if (rc != TP_OK) {
        k->failed[kd]++;
        k->errors[kd][rc > 0 && rc < TP_ERR__COUNT ? rc : TP_ERR_REMOTE]++;
    }
    pthread_mutex_unlock(&k->lock);
    long d = atomic_fetch_add(&k->done, 1) + 1;
    if (d % PROGRESS_EVERY == 0 || d == k->count) {
        printf("progress: %ld/%ld\n", d, k->count);
        fflush(stdout);
    }
}

static tp_err run_one(const soak *k, enum kind kd, const tp_policy *policy, int *proved, tp_error *err)
{
    switch (kd) {
    case K_GOOD: return run_good(k, k->manifest, k->manifest_len, policy, proved, err);
    case K_RESET: return run_good(k, k->reset_manifest, k->reset_manifest_len, policy, proved, err);
    case K_SLOW: return run_slow(k, policy, proved, err);
    case K_VANISH: return run_vanish(k, policy, err);
    default: return run_flood(k, policy, err);
    }
}

static void *worker(void *arg)
{
    soak *k = arg;
    tp_policy *policy = tp_policy_insecure_sim();
    for (;;) {
        long i = atomic_fetch_add(&k->next, 1);
        if (i >= k->count || now_s() > k->deadline)
            break;
        enum kind kd = kind_of(k->first + i);
        tp_error err;
        int proved = 0, retries = -1;
        tp_err rc;
        do {
            if (++retries > 0)
                sleep_ms(RETRY_PAUSE_MS);
            tp_error_clear(&err);
            rc = run_one(k, kd, policy, &proved, &err);
        } while (rc == TP_ERR_CONNECT && retries < RETRY_MAX && now_s() < k->deadline);
        record(k, kd, rc, proved, retries);
    }
    tp_policy_free(policy);
    return NULL;
}

static void report(const soak *k)
{
    for (int kd = 0; kd < K__COUNT; kd++) {
        printf("result: %s sessions=%ld proofs=%ld failed=%ld retried=%ld", k_kind_names[kd],
               k->sessions[kd], k->proofs[kd], k->failed[kd], k->retried[kd]);
        for (int e = 1; e < TP_ERR__COUNT; e++)
            if (k->errors[kd][e])
                printf(" %s=%ld", tp_err_name((tp_err)e), k->errors[kd][e]);
        printf("\n");
    }
}

static int parse_args(int argc, char **argv, soak *k, int *threads, const char **mfile, const char **rfile)
{
    static const struct option opts[] = {
        {"notary", required_argument, NULL, 'n'}, {"manifest", required_argument, NULL, 'm'},
        {"reset-manifest", required_argument, NULL, 'r'}, {"var", required_argument, NULL, 'v'},
        {"ca-file", required_argument, NULL, 'c'}, {"count", required_argument, NULL, 'N'},
        {"first", required_argument, NULL, 'f'}, {"concurrency", required_argument, NULL, 'C'},
        {"deadline", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *eq;
        switch (o) {
        case 'n': k->notary = optarg; break;
        case 'm': *mfile = optarg; break;
        case 'r': *rfile = optarg; break;
        case 'c': k->ca_file = optarg; break;
        case 'N': k->count = atol(optarg); break;
        case 'f': k->first = atol(optarg); break;
        case 'C': *threads = atoi(optarg); break;
        case 'd': k->deadline = now_s() + atof(optarg); break;
        case 'v':
            if ((eq = strchr(optarg, '=')) == NULL || k->vs.n == 4)
                return 0;
            *eq = '\0';
            k->vars[k->vs.n++] = (tp_var){optarg, eq + 1};
            break;
        default: return 0;
        }
    }
    return k->notary && *mfile && *rfile && k->count > 0 && k->first >= 0 && *threads >= 1 &&
           *threads <= SOAK_MAX_THREADS;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    static soak k;
    k.vs.items = k.vars;
    k.count = 1000;
    k.deadline = now_s() + 3600;
    pthread_mutex_init(&k.lock, NULL);
    int threads = 8;
    const char *mfile = NULL, *rfile = NULL;
    if (!parse_args(argc, argv, &k, &threads, &mfile, &rfile)) {
        fprintf(stderr, "error: usage: tp-soak --notary HOST:PORT --manifest FILE --reset-manifest FILE "
                        "[--var N=V] [--ca-file PEM] [--count N] [--first I] [--concurrency 1-%d] "
                        "[--deadline SECONDS]\n", SOAK_MAX_THREADS);
        return 2;
    }
    tp_error err;
    if (tp_read_file(mfile, &k.manifest, &k.manifest_len, &err) != TP_OK ||
        tp_read_file(rfile, &k.reset_manifest, &k.reset_manifest_len, &err) != TP_OK) {
        fprintf(stderr, "error: %s\n", tp_error_message(&err));
        return 1;
    }
    pthread_t t[SOAK_MAX_THREADS];
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, &k);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    report(&k);
    if (atomic_load(&k.done) < k.count)
        printf("incomplete: %ld of %ld sessions before the deadline\n", atomic_load(&k.done), k.count);
    free(k.manifest);
    free(k.reset_manifest);
    return k.proofs[K_RESET] == 0 ? 0 : 1;
}
