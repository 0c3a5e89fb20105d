/* TLS 1.2 replay against real in-process OpenSSL sessions: every accepted suite x group x
 * server signature kind (ECDSA, RSA-PSS, RSA PKCS#1 v1.5), with and without extended master
 * secret, tickets, CertificateRequest, close_notify; the key captured as the prover does
 * (ClientKeyExchange key via tls/keycapture); and every refusal by its error name: CBC, RSA
 * key transport, DHE, TLS 1.0/1.1, resumption, renegotiation, bad Finished, wrong key or
 * group, tampered ServerKeyExchange, host, trust, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../support/tls_fixture.h"
#include "tls/transcript.h"

#define HOST "example.test"
#define K_RSA 0
#define K_EC 1

typedef struct pki {
    X509 *ca, *leaf;
    X509_STORE *store;
} pki;

static pki g_pki[2];
static const char *k_types[2] = {"RSA", "EC"};

static int setup(void **state)
{
    (void)state;
    EVP_PKEY *ca_key = tpf_key("EC");
    for (int i = 0; i < 2; i++) {
        g_pki[i].ca = tpf_cert(ca_key, "Test CA", NULL, NULL, NULL, 1, 3650);
        g_pki[i].leaf = tpf_cert(tpf_key(k_types[i]), HOST, "DNS:" HOST, g_pki[i].ca, ca_key,
                                 0, 365);
        g_pki[i].store = tpf_store(g_pki[i].ca);
        if (!g_pki[i].ca || !g_pki[i].leaf || !g_pki[i].store)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        X509_free(g_pki[i].ca);
        X509_free(g_pki[i].leaf);
        X509_STORE_free(g_pki[i].store);
    }
    tpf_cleanup();
    return 0;
}

static void opts12(tpf_opts *o, int k, const char *ciphers, const char *groups)
{
    tpf_opts_default(o);
    o->tls12 = 1;
    o->cert = g_pki[k].leaf;
    o->key = tpf_key(k_types[k]);
    o->cipher_list = ciphers;
    o->groups = groups;
}

static tp_err verify(const tpf_session *s, int k, tp_tls_verify_result *res, tp_error *err)
{
    tp_tls_verify_input in;
    tpf_input(s, g_pki[k].store, HOST, 0, &in);
    return tp_tls_verify_transcript(&in, res, err);
}

static void run_ok(const tpf_opts *o, int k, tp_tls_verify_result *res)
{
    tpf_session s;
    assert_true(tpf_run(o, &s));
    assert_true(s.ks.captured);
    assert_true(s.ks.tls12);
    tp_error err = {0};
    tp_err rc = verify(&s, k, res, &err);
    if (rc != TP_OK)
        fail_msg("verify failed: %s: %s", tp_err_name(rc), err.detail);
    assert_int_equal(res->version, 0x0303);
    assert_string_equal(res->server_name, HOST);
    assert_int_equal(res->client_app.len, s.server_got.len);
    assert_memory_equal(res->client_app.data, s.server_got.data, s.server_got.len);
    assert_int_equal(res->server_app.len, s.client_got.len);
    assert_memory_equal(res->server_app.data, s.client_got.data, s.client_got.len);
    tpf_session_free(&s);
}

#define EXPECT(s, k, code, text)                                                              \
    do {                                                                                      \
        tp_tls_verify_result r_;                                                              \
        tp_error e_ = {0};                                                                    \
        tp_err rc_ = verify((s), (k), &r_, &e_);                                              \
        if (rc_ != (code) || !strstr(e_.detail, (text)))                                      \
            fail_msg("got %s (%s), wanted %s (%s)", tp_err_name(rc_), e_.detail,             \
                     tp_err_name(code), (text));                                              \
        assert_int_equal(r_.client_app.len + r_.server_app.len, 0);                           \
    } while (0)

typedef struct combo {
    const char *cipher;
    uint16_t id;
    int key;
} combo;

static const combo k_combos[] = {
    {"ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02b, K_EC},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", 0xc02c, K_EC},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", 0xcca9, K_EC},
    {"ECDHE-RSA-AES128-GCM-SHA256", 0xc02f, K_RSA},
    {"ECDHE-RSA-AES256-GCM-SHA384", 0xc030, K_RSA},
    {"ECDHE-RSA-CHACHA20-POLY1305", 0xcca8, K_RSA},
};

static const struct {
    const char *name;
    uint16_t id;
} k_groups[] = {{"X25519", 0x1d}, {"P-256", 0x17}, {"P-384", 0x18}};

static void suites_groups_ems(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(k_combos) / sizeof(k_combos[0]); i++)
        for (size_t g = 0; g < 3; g++)
            for (int no_ems = 0; no_ems <= 1; no_ems++) {
                tpf_opts o;
                char groups[32]; /* an ECDSA P-256 certificate needs P-256 offered in 1.2 */
                snprintf(groups, sizeof(groups), "%s%s", k_groups[g].name,
                         g == 1 ? "" : ":P-256");
                opts12(&o, k_combos[i].key, k_combos[i].cipher, groups);
                o.no_ems = no_ems;
                o.seed = (unsigned)(i * 7 + g * 3 + (size_t)no_ems + 1);
                o.response_repeat = 1 + i + g;
                tp_tls_verify_result res;
                run_ok(&o, k_combos[i].key, &res);
                assert_int_equal(res.cipher_suite, k_combos[i].id);
                assert_int_equal(res.group, k_groups[g].id);
                assert_non_null(tp_tls_suite_name(res.cipher_suite));
                tp_tls_verify_result_free(&res);
            }
}

static void rsa_signature_kinds(void **st)
{
    (void)st;
    static const char *sigalgs[] = {"rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "RSA+SHA256",
                                    "RSA+SHA384", "RSA+SHA512"};
    for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++) {
        tpf_opts o;
        opts12(&o, K_RSA, "ECDHE-RSA-AES128-GCM-SHA256", "X25519");
        o.sigalgs = sigalgs[i];
        tp_tls_verify_result res;
        run_ok(&o, K_RSA, &res);
        tp_tls_verify_result_free(&res);
    }
}

static void tickets_close_notify_cert_request(void **st)
{
    (void)st;
    for (int v = 0; v < 4; v++) {
        tpf_opts o;
        opts12(&o, K_EC, NULL, "P-256");
        o.no_tickets = v & 1;
        o.close_notify = (v & 2) != 0;
        o.request_client_cert = v == 3;
        o.max_fragment = v == 2 ? 512 : 0;
        tp_tls_verify_result res;
        run_ok(&o, K_EC, &res);
        assert_int_equal(res.server_close_notify, o.close_notify);
        tp_tls_verify_result_free(&res);
    }
}

/* A session that fails the replay at the ServerHello: any key of the right shape will do. */
static void refused_at_server_hello(tpf_opts *o, const char *text)
{
    tpf_session s;
    assert_true(tpf_run(o, &s));
    s.ks.group = TP_TLS_GROUP_X25519;
    s.ks.priv_len = 32;
    EXPECT(&s, o->cert == g_pki[K_RSA].leaf ? K_RSA : K_EC, TP_ERR_TLS_UNSUPPORTED, text);
    tpf_session_free(&s);
}

static void refuses_cbc_rsa_kx_dhe(void **st)
{
    (void)st;
    tpf_opts o;
    opts12(&o, K_EC, "ECDHE-ECDSA-AES128-SHA256", "X25519:P-256");
    refused_at_server_hello(&o, "CBC");
    opts12(&o, K_RSA, "AES128-GCM-SHA256", "X25519");
    refused_at_server_hello(&o, "RSA key transport");
    opts12(&o, K_RSA, "DHE-RSA-AES128-GCM-SHA256", "X25519");
    refused_at_server_hello(&o, "finite-field DHE");
}

static void refuses_tls10_tls11(void **st)
{
    (void)st;
    static const int versions[] = {TLS1_VERSION, TLS1_1_VERSION};
    static const char *names[] = {"only TLS 1.0", "only TLS 1.1"};
    for (int i = 0; i < 2; i++) {
        tpf_opts o;
        opts12(&o, K_EC, "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", "X25519:P-256");
        o.server_max = versions[i];
        refused_at_server_hello(&o, names[i]);
    }
}

static void refuses_resumption(void **st)
{
    (void)st;
    for (int no_tickets = 0; no_tickets <= 1; no_tickets++) {
        tpf_opts o;
        tpf_session first;
        opts12(&o, K_EC, NULL, "X25519:P-256");
        o.no_tickets = no_tickets;
        o.share_server_ctx = 1; /* its session cache and ticket keys */
        assert_true(tpf_run(&o, &first));
        assert_non_null(first.session);
        o.resume = first.session;
        refused_at_server_hello(&o, "resum");
        tpf_session_free(&first);
    }
}

static void refuses_renegotiation(void **st)
{
    (void)st;
    tpf_opts o;
    opts12(&o, K_EC, NULL, "X25519:P-256");
    o.renegotiate = 1;
    tpf_session s;
    assert_true(tpf_run(&o, &s));
    EXPECT(&s, K_EC, TP_ERR_TLS_UNSUPPORTED, "renegotiat");
    tpf_session_free(&s);
}

/* Offset of the first handshake message of type t in the plaintext flights (the messages
 * of interest never span records here). */
static size_t find_msg(const tp_buf *b, uint8_t t, size_t *len)
{
    size_t off = 0;
    while (off + 5 <= b->len) {
        size_t rl = (size_t)b->data[off + 3] << 8 | b->data[off + 4];
        if (b->data[off] == 22)
            for (size_t m = off + 5; m + 4 <= off + 5 + rl;) {
                size_t ml = (size_t)b->data[m + 1] << 16 | (size_t)b->data[m + 2] << 8 |
                            b->data[m + 3];
                if (b->data[m] == t) {
                    *len = ml + 4;
                    return m;
                }
                m += 4 + ml;
            }
        off += 5 + rl;
    }
    fail_msg("handshake message %u not found", t);
    return 0;
}

static void refuses_tampering(void **st)
{
    (void)st;
    tpf_opts o;
    tpf_session s;
    size_t len, at;
    opts12(&o, K_EC, NULL, "X25519:P-256");
    o.no_ems = 1;
    assert_true(tpf_run(&o, &s));
    /* ServerKeyExchange signature */
    at = find_msg(&s.server_bytes, 12, &len);
    s.server_bytes.data[at + len - 1] ^= 1;
    EXPECT(&s, K_EC, TP_ERR_TLS_CERT_VERIFY, "ServerKeyExchange");
    s.server_bytes.data[at + len - 1] ^= 1;
    /* its ECDHE point (signed): the signature no longer covers it */
    s.server_bytes.data[at + 4 + 4 + 5] ^= 1;
    EXPECT(&s, K_EC, TP_ERR_TLS_CERT_VERIFY, "signature invalid");
    s.server_bytes.data[at + 4 + 4 + 5] ^= 1;
    /* a ClientHello byte outside the randoms (session id): the client Finished differs */
    at = find_msg(&s.client_bytes, 1, &len);
    s.client_bytes.data[at + 4 + 2 + 32 + 1] ^= 1;
    EXPECT(&s, K_EC, TP_ERR_TLS_FINISHED, "client Finished");
    s.client_bytes.data[at + 4 + 2 + 32 + 1] ^= 1;
    /* the NewSessionTicket (after the client Finished): only the server Finished differs */
    at = find_msg(&s.server_bytes, 4, &len);
    s.server_bytes.data[at + len - 1] ^= 1;
    EXPECT(&s, K_EC, TP_ERR_TLS_FINISHED, "server Finished");
    s.server_bytes.data[at + len - 1] ^= 1;
    /* the TLS 1.3 downgrade sentinel in the server random (the client offered 1.3) */
    at = find_msg(&s.server_bytes, 2, &len);
    uint8_t saved[8];
    memcpy(saved, s.server_bytes.data + at + 4 + 2 + 24, 8);
    memcpy(s.server_bytes.data + at + 4 + 2 + 24, "DOWNGRD\x01", 8);
    EXPECT(&s, K_EC, TP_ERR_TLS_HANDSHAKE, "downgrade sentinel");
    memcpy(s.server_bytes.data + at + 4 + 2 + 24, saved, 8);
    /* the revealed key, then its group */
    s.ks.priv[5] ^= 4;
    EXPECT(&s, K_EC, TP_ERR_TLS_KEY_MISMATCH, "does not match");
    s.ks.priv[5] ^= 4;
    s.ks.group = TP_TLS_GROUP_SECP256R1;
    EXPECT(&s, K_EC, TP_ERR_TLS_KEY_MISMATCH, "ServerKeyExchange");
    s.ks.group = TP_TLS_GROUP_X25519;
    /* host, trust, truncation */
    tp_tls_verify_input in;
    tp_tls_verify_result r;
    tp_error e = {0};
    tpf_input(&s, g_pki[K_EC].store, "other.test", 0, &in);
    assert_int_equal(tp_tls_verify_transcript(&in, &r, &e), TP_ERR_TLS_HOSTNAME);
    X509 *other_ca = tpf_cert(tpf_key("ED25519"), "Other CA", NULL, NULL, NULL, 1, 30);
    X509_STORE *other = tpf_store(other_ca);
    tpf_input(&s, other, HOST, 0, &in);
    assert_int_equal(tp_tls_verify_transcript(&in, &r, &e), TP_ERR_TLS_CERT_UNTRUSTED);
    X509_STORE_free(other);
    X509_free(other_ca);
    tpf_input(&s, g_pki[K_EC].store, HOST, 0, &in);
    in.server_len = find_msg(&s.server_bytes, 14, &len);
    assert_int_equal(tp_tls_verify_transcript(&in, &r, &e), TP_ERR_TRUNCATED);
    /* and the untouched session still verifies */
    in.server_len = s.server_bytes.len;
    assert_int_equal(tp_tls_verify_transcript(&in, &r, &e), TP_OK);
    tp_tls_verify_result_free(&r);
    tpf_session_free(&s);
}

/* Sessions under the fixed fuzz PKI (tests/data/fuzz-tls12) in the input format of
 * fuzz/fuzz_tls12_transcript.c; each is checked here, and written as a seed into
 * $TP_FUZZ_SEED_DIR when that is set. */
static void *read_pem(const char *name, int key)
{
    char path[256];
    snprintf(path, sizeof(path), "tests/data/fuzz-tls12/%s", name);
    FILE *f = fopen(path, "r");
    void *x = NULL;
    if (f) {
        x = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
                : (void *)PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    assert_non_null(x);
    return x;
}

static void fuzz_seeds(void **st)
{
    (void)st;
    static const struct {
        const char *groups, *cipher;
        uint8_t sel;
        int no_ems, cert_request;
    } seeds[] = {{"X25519:P-256", "ECDHE-ECDSA-AES128-GCM-SHA256", 0, 0, 0},
                 {"P-256", "ECDHE-ECDSA-CHACHA20-POLY1305", 1, 1, 0},
                 {"P-384:P-256", "ECDHE-ECDSA-AES256-GCM-SHA384", 2, 0, 1}};
    X509 *root = read_pem("root.pem", 0), *leaf = read_pem("leaf.pem", 0);
    EVP_PKEY *key = read_pem("leaf.key", 1);
    X509_STORE *store = tpf_store(root);
    const char *dir = getenv("TP_FUZZ_SEED_DIR");
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        tpf_opts o;
        opts12(&o, K_EC, seeds[i].cipher, seeds[i].groups);
        o.cert = leaf;
        o.key = key;
        o.no_ems = seeds[i].no_ems;
        o.request_client_cert = seeds[i].cert_request;
        o.close_notify = 1;
        o.seed = TPF_SEED_WHOLE;
        tpf_session s;
        assert_true(tpf_run(&o, &s));
        tp_tls_verify_input in;
        tp_tls_verify_result r;
        tp_error e = {0};
        tpf_input(&s, store, HOST, 0, &in);
        assert_int_equal(tp_tls_verify_transcript(&in, &r, &e), TP_OK);
        tp_tls_verify_result_free(&r);
        char name[64];
        snprintf(name, sizeof(name), "session12_%zu", i);
        assert_true(tpf_write_fuzz_seed(&s, seeds[i].sel, dir, name));
        tpf_session_free(&s);
    }
    X509_STORE_free(store);
    X509_free(root);
    X509_free(leaf);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suites_groups_ems),
        cmocka_unit_test(rsa_signature_kinds),
        cmocka_unit_test(tickets_close_notify_cert_request),
        cmocka_unit_test(refuses_cbc_rsa_kx_dhe),
        cmocka_unit_test(refuses_tls10_tls11),
        cmocka_unit_test(refuses_resumption),
        cmocka_unit_test(refuses_renegotiation),
        cmocka_unit_test(refuses_tampering),
        cmocka_unit_test(fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
