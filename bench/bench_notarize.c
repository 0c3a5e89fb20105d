/* In-process benchmark of the notary's decision: tp_notarize (replay the TLS 1.3 session
 * from the recorded bytes and the revealed key, check certificate, CertificateVerify,
 * Finished, HTTP and manifest, sign) and tp_proof_verify_json, each as a ratio against the
 * same TLS session run between an OpenSSL client and server in this process (the cost
 * of the session itself). Usage: bench_notarize [ITERATIONS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proof/verify_json.h"
#include "../tests/support/notarize_fixture.h"
#include "teeproof/proof.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct bench_ctx {
    tpn_case c;
    const char *response;
    tp_policy *policy;
    char *proof;
} bench_ctx;

enum { OP_SESSION, OP_NOTARIZE, OP_VERIFY };

static int run_op(bench_ctx *b, int op)
{
    tp_error err;
    if (op == OP_SESSION) {
        tpf_session s;
        int ok = tpn_session(&s, b->c.leaf, b->response, (const char *)b->c.request.data, 1);
        tpf_session_free(&s);
        return ok;
    }
    if (op == OP_NOTARIZE) {
        char *proof = NULL;
        int ok = tp_notarize(&b->c.in, b->c.identity, &proof, NULL, &err) == TP_OK;
        free(proof);
        return ok;
    }
    return tp_proof_verify_json(b->proof, strlen(b->proof), b->policy, NULL, NULL, NULL, &err) == TP_OK;
}

static double median_ms(bench_ctx *b, int op, int n)
{
    double *t = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        if (!run_op(b, op)) {
            fprintf(stderr, "error: benchmark operation %d failed\n", op);
            exit(1);
        }
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    double m = t[n / 2];
    free(t);
    return m;
}

static char *big_response(size_t kib)
{
    size_t pad = kib * 1024;
    char *body = malloc(pad + 128), *resp = malloc(pad + 512);
    int n = snprintf(body, 128, "{\"account\":{\"owner\":\"Ada\",\"balance\":2000},\"pad\":\"");
    memset(body + n, 'x', pad);
    strcpy(body + n + pad, "\"}");
    sprintf(resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
            strlen(body), body);
    free(body);
    return resp;
}

static void bench_case(const char *label, const char *response, int n)
{
    bench_ctx b = {.response = response, .policy = tp_policy_insecure_sim()};
    tp_error err;
    if (!tpn_make(&b.c, response, "bench-token", 1) ||
        tp_notarize(&b.c.in, b.c.identity, &b.proof, NULL, &err) != TP_OK) {
        fprintf(stderr, "error: cannot set up the %s case\n", label);
        exit(1);
    }
    double base = median_ms(&b, OP_SESSION, n);
    double nota = median_ms(&b, OP_NOTARIZE, n);
    double ver = median_ms(&b, OP_VERIFY, n);
    printf("%-12s baseline: OpenSSL client+server TLS 1.3 session   %8.3f ms\n", label, base);
    printf("%-12s tp_notarize (replay + checks + sign)              %8.3f ms  %5.2fx baseline\n", label, nota, nota / base);
    printf("%-12s tp_proof_verify_json (offline)                         %8.3f ms  %5.2fx baseline\n", label, ver, ver / base);
    free(b.proof);
    tp_policy_free(b.policy);
    tpn_free(&b.c);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (n < 1 || n > 100000) {
        fprintf(stderr, "error: ITERATIONS must be 1-100000\n");
        return 2;
    }
    char small[512];
    tpn_response(small, sizeof(small), "1234.56");
    char *big = big_response(1024);
    printf("bench_notarize: %d iterations, medians, one core\n", n);
    bench_case("small JSON", small, n);
    bench_case("1 MiB JSON", big, n / 10 > 5 ? n / 10 : 5);
    free(big);
    tpf_cleanup();
    return 0;
}
