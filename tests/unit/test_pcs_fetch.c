/* Unit tests: the notary's collateral from a PCS-compatible cache (src/notary/pcs_*.c)
 * against a local test cache (a forked child of this test on 127.0.0.1) serving
 * tests/data/testvectors/tdx_collateral the way Intel's PCS v4 / a PCCS does (issuer chains
 * URL-encoded in headers) and a test AMD CRL at the KDS path. The first path segment picks
 * the cache's behaviour: /good, /pem (CRLs as PEM, the root CRL as hex), /nochain (no
 * issuer chain headers), /missing (404), /junk (a malformed response), /slow (never
 * answers), /huge (an endless body). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attest/attest_json.h"
#include "../support/fake_tee.h"
#include "../support/testvectors.h"
#include "notary/notary.h"
#include "notary/pcs.h"
#include "base/json_bytes.h"
#include "tee/identity.h"
#include "teeproof/attest.h"

#define REQ_MAX 4096
#define URL_MAX 128
#define SLOW_TIMEOUT_MS 300
#define HUGE_CHUNK 65536

static struct {
    pid_t server;
    int port;
    uint8_t *quote, *snp_report, *snp_crl;
    size_t quote_len, snp_report_len, snp_crl_len;
    fake_snp snp;
} g;

/* --- the test cache (child process) --- */

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static char *url_encode(const char *s, size_t n)
{
    char *out = malloc(3 * n + 1), *o = out;
    for (size_t i = 0; out != NULL && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            *o++ = (char)c;
        else
            o += sprintf(o, "%%%02X", c);
    }
    if (out != NULL)
        *o = '\0';
    return out;
}

static uint8_t *load_coll(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "tdx_collateral/%s", name);
    return tv_load(rel, len);
}

/* A DER CRL file as PEM or hex text (mode /pem). */
static char *crl_text(const uint8_t *der, size_t len, int hex, size_t *out_len)
{
    if (hex) {
        char *h = malloc(2 * len + 2);
        for (size_t i = 0; i < len; i++)
            sprintf(h + 2 * i, "%02x", der[i]);
        strcpy(h + 2 * len, "\n");
        *out_len = 2 * len + 1;
        return h;
    }
    const uint8_t *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_CRL(b, crl);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = malloc((size_t)n);
    memcpy(out, data, (size_t)n);
    *out_len = (size_t)n;
    BIO_free(b);
    X509_CRL_free(crl);
    return out;
}

static void respond(int fd, const char *mode, const char *path)
{
    static const struct {
        const char *path, *file, *chain_header, *chain_file;
        int crl;
    } k_routes[] = {
        {"/tdx/certification/v4/tcb?fmspc=50806f000000", "tcbinfo_fmspc_50806f000000.json",
         "TCB-Info-Issuer-Chain", "tcb_info_issuer_chain.pem", 0},
        {"/tdx/certification/v4/qe/identity", "qe_identity_td_qe.json",
         "SGX-Enclave-Identity-Issuer-Chain", "qe_identity_issuer_chain.pem", 0},
        {"/sgx/certification/v4/pckcrl?ca=platform&encoding=der", "pck_platform_crl.der",
         "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem", 1},
        {"/sgx/certification/v4/rootcacrl", "intel_root_crl.der", NULL, NULL, 2},
    };
    char head[REQ_MAX * 4];
    if (strcmp(mode, "slow") == 0) { /* answers nothing until the client gives up */
        char b;
        while (recv(fd, &b, 1, 0) > 0)
            ;
        return;
    }
    if (strcmp(mode, "junk") == 0) {
        static const char junk[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!";
        send_all(fd, junk, strlen(junk));
        return;
    }
    if (strcmp(mode, "huge") == 0) {
        static const char h[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        char chunk[HUGE_CHUNK + 16];
        int n = sprintf(chunk, "%x\r\n", HUGE_CHUNK);
        memset(chunk + n, 'A', HUGE_CHUNK);
        memcpy(chunk + n + HUGE_CHUNK, "\r\n", 2);
        send_all(fd, h, strlen(h));
        for (int i = 0; i < 100; i++)
            send_all(fd, chunk, (size_t)n + HUGE_CHUNK + 2);
        return;
    }
    uint8_t *body = NULL;
    size_t len = 0;
    char *chain = NULL, *text = NULL;
    if (strcmp(path, "/vcek/v1/Test/crl") == 0) {
        body = malloc(g.snp_crl_len);
        memcpy(body, g.snp_crl, g.snp_crl_len);
        len = g.snp_crl_len;
    }
    for (size_t i = 0; body == NULL && i < sizeof(k_routes) / sizeof(k_routes[0]); i++) {
        if (strcmp(path, k_routes[i].path) != 0)
            continue;
        body = load_coll(k_routes[i].file, &len);
        if (k_routes[i].chain_header != NULL && strcmp(mode, "nochain") != 0) {
            size_t cl;
            uint8_t *c = load_coll(k_routes[i].chain_file, &cl);
            char *enc = url_encode((const char *)c, cl);
            chain = malloc(strlen(enc) + 128);
            sprintf(chain, "%s: %s\r\n", k_routes[i].chain_header, enc);
            free(enc);
            free(c);
        }
        if (k_routes[i].crl && strcmp(mode, "pem") == 0) {
            size_t tl;
            text = crl_text(body, len, k_routes[i].crl == 2, &tl);
            free(body);
            body = (uint8_t *)text;
            len = tl;
        }
    }
    if (body == NULL || strcmp(mode, "missing") == 0) {
        static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        send_all(fd, nf, strlen(nf));
    } else {
        int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n%s\r\n",
                         len, chain ? chain : "");
        send_all(fd, head, (size_t)n);
        send_all(fd, body, len);
    }
    free(body);
    free(chain);
}

/* Reads "GET /<mode><path> HTTP/1.1 ..." up to the blank line and answers. */
static void serve_one(int fd)
{
    char req[REQ_MAX];
    size_t n = 0;
    while (n < sizeof(req) - 1) {
        ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
        if (r <= 0)
            return;
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL)
            break;
    }
    char target[REQ_MAX], mode[32];
    if (sscanf(req, "GET %4095s HTTP/1.1", target) != 1 || target[0] != '/')
        return;
    char *rest = strchr(target + 1, '/');
    size_t ml = rest ? (size_t)(rest - target - 1) : 0;
    if (rest == NULL || ml >= sizeof(mode))
        return;
    memcpy(mode, target + 1, ml);
    mode[ml] = '\0';
    respond(fd, mode, rest);
}

static void serve(int lfd)
{
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        pid_t child = fork(); /* one process per connection: /slow does not hold the others */
        if (child == 0) {
            serve_one(fd);
            close(fd);
            _exit(0);
        }
        close(fd);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    g.quote = tv_load("tdx_quote_v4.bin", &g.quote_len);
    uint8_t rd[64] = {0};
    time_t now = time(NULL);
    if (g.quote == NULL || !fake_snp_init(&g.snp))
        return -1;
    g.snp_report = fake_snp_report(&g.snp, rd, 0x30000ull, 1, &g.snp_report_len);
    g.snp_crl = fake_snp_crl(&g.snp, 0, 0, now - 60, now + 3600, &g.snp_crl_len);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (g.snp_report == NULL || g.snp_crl == NULL || lfd < 0 ||
        bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    g.port = ntohs(a.sin_port);
    g.server = fork();
    if (g.server == 0) {
        alarm(120); /* the test cache stops by itself */
        serve(lfd);
        _exit(0);
    }
    close(lfd);
    return g.server > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (g.server > 0) {
        kill(g.server, SIGTERM);
        waitpid(g.server, NULL, 0);
    }
    free(g.quote);
    free(g.snp_report);
    free(g.snp_crl);
    fake_snp_free(&g.snp);
    return 0;
}

/* --- tests --- */

static tp_pcs_source source(const char *mode)
{
    char url[URL_MAX];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s/", g.port, mode);
    tp_pcs_source s;
    tp_error err;
    assert_int_equal(tp_pcs_source_parse(url, &s, &err), TP_OK);
    return s;
}

static tp_err fetch(const char *mode, const char *platform, const uint8_t *ev, size_t len,
                    json_t **out, tp_error *err)
{
    tp_pcs_source s = source(mode);
    s.timeout_ms = strcmp(mode, "slow") == 0 ? SLOW_TIMEOUT_MS : TP_PCS_TIMEOUT_MS;
    tp_err rc = tp_pcs_fetch(&s, platform, ev, len, out, err);
    if (rc != TP_OK) {
        print_message("refused [%s]: %s\n", tp_err_name(rc), err->detail);
        assert_null(*out);
    }
    return rc;
}

static void tdx_collateral_from_the_cache_is_the_directorys(void **state)
{
    (void)state;
    json_t *dir = NULL, *got = NULL;
    tp_error err;
    assert_int_equal(tp_collateral_bundle("tdx", g.quote, g.quote_len, tv_path("tdx_collateral"),
                                          &dir, &err), TP_OK);
    assert_int_equal(fetch("good", "tdx", g.quote, g.quote_len, &got, &err), TP_OK);
    assert_int_equal(json_object_size(got), 7);
    const char *key;
    json_t *v;
    json_object_foreach(dir, key, v)
        if (!json_equal(v, json_object_get(got, key)))
            print_message("differs: %s\n", key);
    assert_true(json_equal(dir, got));
    json_decref(got);
    /* CRLs served as PEM and hex are stored as the same DER. */
    assert_int_equal(fetch("pem", "tdx", g.quote, g.quote_len, &got, &err), TP_OK);
    assert_true(json_equal(dir, got));
    json_decref(got);
    json_decref(dir);
}

static void bad_cache_answers_are_refused(void **state)
{
    (void)state;
    json_t *got = NULL;
    tp_error err;
    assert_int_equal(fetch("missing", "tdx", g.quote, g.quote_len, &got, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "404"));
    assert_int_equal(fetch("nochain", "tdx", g.quote, g.quote_len, &got, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "TCB-Info-Issuer-Chain"));
    assert_int_equal(fetch("junk", "tdx", g.quote, g.quote_len, &got, &err), TP_ERR_HTTP);
    assert_int_equal(fetch("slow", "tdx", g.quote, g.quote_len, &got, &err), TP_ERR_TIMEOUT);
    assert_int_equal(fetch("huge", "tdx", g.quote, g.quote_len, &got, &err), TP_ERR_LIMIT);
    /* Nothing to fetch for sim; nothing from a port where no cache listens. */
    assert_int_equal(fetch("good", "sim", g.quote, g.quote_len, &got, &err), TP_ERR_ARG);
}

static void only_a_local_http_cache_is_used(void **state)
{
    (void)state;
    tp_pcs_source s;
    tp_error err;
    json_t *got = NULL;
    static const char *const k_bad[] = {
        "https://127.0.0.1/", "ftp://127.0.0.1/", "http://user@127.0.0.1/", "http://127.0.0.1/?x=1",
        "http://127.0.0.1/a#b", "http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://127.0.0.1:8x/",
        "http://[::1/", "http:///x", "http://127.0.0.1/%2e%2e", "127.0.0.1:8080",
    };
    for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
        if (tp_pcs_source_parse(k_bad[i], &s, &err) != TP_ERR_ARG)
            fail_msg("accepted %s", k_bad[i]);
    }
    assert_int_equal(tp_pcs_source_parse("http://[::1]:8081/pccs//", &s, &err), TP_OK);
    assert_string_equal(s.host, "::1");
    assert_string_equal(s.port, "8081");
    assert_string_equal(s.prefix, "/pccs");
    assert_string_equal(s.authority, "[::1]:8081");
    assert_int_equal(tp_pcs_source_parse("http://localhost", &s, &err), TP_OK);
    assert_string_equal(s.port, "80");
    assert_string_equal(s.prefix, "");
    /* A public address is refused before any connection. */
    assert_int_equal(tp_pcs_source_parse("http://8.8.8.8:8081/", &s, &err), TP_OK);
    assert_int_equal(tp_pcs_fetch(&s, "tdx", g.quote, g.quote_len, &got, &err),
                     TP_ERR_FORBIDDEN_TARGET);
    assert_null(got);
}

static void snp_crl_comes_from_the_kds_path(void **state)
{
    (void)state;
    json_t *got = NULL;
    tp_error err;
    assert_int_equal(fetch("good", "sev-snp", g.snp_report, g.snp_report_len, &got, &err), TP_OK);
    assert_int_equal(json_object_size(got), 1);
    tp_buf crl = TP_BUF_PUBLIC_INIT;
    assert_true(tp_json_get_base64(got, "snp_crl_test.der", &crl));
    assert_int_equal(crl.len, g.snp_crl_len);
    assert_memory_equal(crl.data, g.snp_crl, crl.len);
    tp_buf_free(&crl);
    json_decref(got);
    /* A report without its VCEK cannot name its product from a cache alone. */
    uint8_t rd[64] = {0};
    size_t len;
    uint8_t *bare = fake_snp_report(&g.snp, rd, 0x30000ull, 0, &len);
    assert_int_equal(fetch("good", "sev-snp", bare, len, &got, &err), TP_ERR_COLLATERAL);
    free(bare);
}

/* The notary's identity bundles what the cache gives (what --collateral-url does). */
static void identity_bundles_the_caches_collateral(void **state)
{
    (void)state;
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    assert_int_equal(tp_identity_create(a, &id, &err), TP_OK);
    tp_pcs_source s = source("good");
    assert_int_equal(tp_identity_set_collateral_fetch(id, tp_pcs_fetch, &s, &err), TP_ERR_ARG);
    snprintf(id->platform, sizeof(id->platform), "tdx");
    free(id->evidence);
    id->evidence = malloc(g.quote_len);
    memcpy(id->evidence, g.quote, g.quote_len);
    id->evidence_len = g.quote_len;
    assert_int_equal(tp_identity_set_collateral_fetch(id, tp_pcs_fetch, &s, &err), TP_OK);
    uint8_t *ev = NULL;
    size_t len;
    json_t *coll = NULL;
    assert_int_equal(tp_identity_evidence_bundle(id, &ev, &len, &coll, &err), TP_OK);
    assert_int_equal(json_object_size(coll), 7);
    json_decref(coll);
    free(ev);
    /* A failing cache leaves the identity as it was. */
    tp_pcs_source bad = source("missing");
    assert_int_equal(tp_identity_set_collateral_fetch(id, tp_pcs_fetch, &bad, &err),
                     TP_ERR_COLLATERAL);
    assert_ptr_equal(id->collateral_ctx, &s);
    tp_identity_free(id);
    tp_attester_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tdx_collateral_from_the_cache_is_the_directorys),
        cmocka_unit_test(bad_cache_answers_are_refused),
        cmocka_unit_test(only_a_local_http_cache_is_used),
        cmocka_unit_test(snp_crl_comes_from_the_kds_path),
        cmocka_unit_test(identity_bundles_the_caches_collateral),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
