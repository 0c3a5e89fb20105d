/* Relay throughput client for bench/relay.sh: attests a notary (sim allowed), opens its
 * tunnel to TARGET, runs a plain TLS client through it (OpenSSL over memory BIOs, DATA
 * frames), sends one GET and reads the response to the end, counting the bytes. No proof is
 * asked for: this measures what the notary's relay moves, not the replay. Prints
 * "bytes N seconds S" (the time from connecting to the notary to the target's close). */
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prover/prover_int.h"

/* The wait for any one frame from the notary. */
#define BENCH_RELAY_TIMEOUT_MS 60000
#define BENCH_RELAY_READ 16384

typedef struct relay_pump {
    tp_channel *chan;
    SSL *ssl;
    BIO *rbio, *wbio;
    int eof;
} relay_pump;

static int die(const char *what, const tp_error *err)
{
    fprintf(stderr, "error: %s: %s\n", what, err ? err->detail : "failed");
    return 1;
}

static tp_err flush_out(relay_pump *p, tp_error *err)
{
    uint8_t buf[TP_DATA_CHUNK];
    while (BIO_ctrl_pending(p->wbio) > 0) {
        int n = BIO_read(p->wbio, buf, sizeof(buf));
        if (n <= 0)
            break;
        tp_err rc = tp_channel_send(p->chan, TP_MSG_DATA, buf, (size_t)n, err);
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

static tp_err pull_in(relay_pump *p, tp_error *err)
{
    tp_frame f;
    tp_err rc = tp_channel_recv(p->chan, &f, err);
    if (rc != TP_OK)
        return rc;
    if (f.type == TP_MSG_TUNNEL_CLOSE) {
        p->eof = 1;
        BIO_set_mem_eof_return(p->rbio, 0);
    } else if (f.type == TP_MSG_DATA && f.len > 0) {
        BIO_write(p->rbio, f.payload, (int)f.len);
    }
    return TP_OK;
}

/* Drives SSL until step returns > 0 (done) or the stream ends; counts read bytes. */
static tp_err run(relay_pump *p, const char *request, size_t *total, tp_error *err)
{
    static uint8_t buf[BENCH_RELAY_READ];
    int sent = 0;
    for (;;) {
        int rc;
        if (!SSL_is_init_finished(p->ssl)) {
            rc = SSL_do_handshake(p->ssl);
        } else if (!sent) {
            rc = SSL_write(p->ssl, request, (int)strlen(request));
            sent = rc > 0;
        } else {
            rc = SSL_read(p->ssl, buf, sizeof(buf));
            if (rc > 0) {
                *total += (size_t)rc;
                continue;
            }
        }
        tp_err frc = flush_out(p, err);
        if (frc != TP_OK)
            return frc;
        if (rc > 0)
            continue;
        int e = SSL_get_error(p->ssl, rc);
        ERR_clear_error();
        if (e == SSL_ERROR_ZERO_RETURN || (p->eof && BIO_ctrl_pending(p->rbio) == 0))
            return TP_OK;
        if (e != SSL_ERROR_WANT_READ)
            return tp_error_set(err, TP_ERR_TLS_RECORD, "TLS error through the tunnel");
        if ((frc = pull_in(p, err)) != TP_OK)
            return frc;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bench_relay NOTARY_HOST:PORT TARGET_HOST TARGET_PORT PATH CA_FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    const char *host = argv[2], *path = argv[4];
    uint16_t port = (uint16_t)atoi(argv[3]);
    char request[1024];
    snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
             path, host);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tp_channel c;
    tp_error err = {0};
    tp_policy *policy = tp_policy_insecure_sim();
    if (tp_channel_open(&c, argv[1], BENCH_RELAY_TIMEOUT_MS, &err) != TP_OK)
        return die("connect to the notary", &err);
    if (tp_channel_attest(&c, policy, NULL, &err) != TP_OK || tp_channel_tunnel(&c, host, port, &err) != TP_OK)
        return die("attest and tunnel", &err);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_load_verify_file(ctx, argv[5]))
        return die("TLS context", NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL *ssl = SSL_new(ctx);
    BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    relay_pump p = {.chan = &c, .ssl = ssl, .rbio = rbio, .wbio = wbio};
    size_t total = 0;
    if (run(&p, request, &total, &err) != TP_OK)
        return die("relay", &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("bytes %zu seconds %.6f\n", total,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    tp_channel_close(&c);
    tp_policy_free(policy);
    return 0;
}
