/* TLS transcript verifier rejections: each tampering or mismatch gives its exact error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../support/tls_fixture.h"
#include "tls/tls_internal.h" /* the chain cache */
#include "tls/transcript.h"

#define HOST "bank.test"

static X509 *g_ca, *g_leaf, *g_other_leaf, *g_other_ca, *g_ip_leaf;
static X509_STORE *g_store, *g_other_store;

static int setup(void **state)
{
    (void)state;
    EVP_PKEY *k = tpf_key("EC");
    g_ca = tpf_cert(k, "Reject CA", NULL, NULL, NULL, 1, 3650);
    g_other_ca = tpf_cert(k, "Other CA", NULL, NULL, NULL, 1, 3650);
    g_leaf = tpf_cert(k, HOST, "DNS:" HOST, g_ca, k, 0, 365);
    g_other_leaf = tpf_cert(k, "evil.test", "DNS:evil.test", g_ca, k, 0, 365);
    g_ip_leaf = tpf_cert(k, "127.0.0.1", "IP:127.0.0.1", g_ca, k, 0, 365);
    g_store = tpf_store(g_ca);
    g_other_store = tpf_store(g_other_ca);
    return g_ca && g_leaf && g_other_leaf && g_ip_leaf && g_store && g_other_store ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(g_ca);
    X509_free(g_other_ca);
    X509_free(g_leaf);
    X509_free(g_other_leaf);
    X509_free(g_ip_leaf);
    X509_STORE_free(g_store);
    X509_STORE_free(g_other_store);
    tpf_cleanup();
    return 0;
}

static void session(tpf_session *s, X509 *leaf, const char *sni, const char *groups)
{
    tpf_opts o;
    tpf_opts_default(&o);
    o.cert = leaf;
    o.key = tpf_key("EC");
    o.sni = sni;
    o.groups = groups;
    o.response_repeat = 10;
    assert_true(tpf_run(&o, s));
}

static tp_err verify(const tp_tls_verify_input *in, tp_error *err)
{
    tp_tls_verify_result res;
    tp_err rc = tp_tls_verify_transcript(in, &res, err);
    tp_tls_verify_result_free(&res);
    return rc;
}

#define EXPECT(in, code)                                                                  \
    do {                                                                                  \
        tp_error e_ = {0};                                                                \
        tp_err rc_ = verify((in), &e_);                                                   \
        if (rc_ != (code))                                                                \
            fail_msg("got %s (%s), wanted %s", tp_err_name(rc_), e_.detail,              \
                     tp_err_name(code));                                                  \
        if ((code) != TP_OK)                                                              \
            assert_true(strlen(e_.detail) > 0);                                           \
    } while (0)

static void baseline_ok(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    EXPECT(&in, TP_OK);
    tpf_session_free(&s);
}

static void wrong_private_key(void **st)
{
    (void)st;
    const char *groups[] = {"X25519", "P-256"};
    for (int g = 0; g < 2; g++) {
        tpf_session s;
        session(&s, g_leaf, HOST, groups[g]);
        tp_tls_verify_input in;
        tpf_input(&s, g_store, HOST, 0, &in);
        uint8_t other[32];
        memcpy(other, s.ks.priv, 32);
        other[31] ^= 0x40;
        other[5] ^= 0x01;
        in.private_key = other;
        EXPECT(&in, TP_ERR_TLS_KEY_MISMATCH);
        in.group = g == 0 ? TP_TLS_GROUP_SECP256R1 : TP_TLS_GROUP_X25519; /* not in ClientHello */
        in.private_key = s.ks.priv;
        EXPECT(&in, TP_ERR_TLS_KEY_MISMATCH);
        tpf_session_free(&s);
    }
}

static void certificate_for_other_name(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_other_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    EXPECT(&in, TP_ERR_TLS_HOSTNAME);
    tpf_session_free(&s);
}

static void sni_differs_from_expected_host(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, "other.test", 0, &in);
    EXPECT(&in, TP_ERR_TLS_HOSTNAME);
    tpf_session_free(&s);
    session(&s, g_leaf, NULL, "X25519"); /* no SNI at all */
    tpf_input(&s, g_store, HOST, 0, &in);
    EXPECT(&in, TP_ERR_TLS_HOSTNAME);
    tpf_session_free(&s);
}

static void ip_literal_host(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_ip_leaf, NULL, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, "127.0.0.1", 0, &in);
    EXPECT(&in, TP_OK);
    tpf_input(&s, g_store, "127.0.0.2", 0, &in);
    EXPECT(&in, TP_ERR_TLS_HOSTNAME);
    tpf_session_free(&s);
    session(&s, g_ip_leaf, "ip.test", "X25519"); /* SNI present with an IP host */
    tpf_input(&s, g_store, "127.0.0.1", 0, &in);
    EXPECT(&in, TP_ERR_TLS_HOSTNAME);
    tpf_session_free(&s);
}

static void untrusted_and_expired(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "P-256");
    tp_tls_verify_input in;
    tpf_input(&s, g_other_store, HOST, 0, &in);
    EXPECT(&in, TP_ERR_TLS_CERT_UNTRUSTED);
    tpf_input(&s, g_store, HOST, time(NULL) + 2L * 365 * 86400, &in); /* after notAfter */
    EXPECT(&in, TP_ERR_TLS_CERT_UNTRUSTED);
    tpf_input(&s, g_store, HOST, time(NULL) - 30L * 86400, &in); /* before notBefore */
    EXPECT(&in, TP_ERR_TLS_CERT_UNTRUSTED);
    tpf_session_free(&s);
}

/* The chain cache (tls/chain_cache.c) is consulted for the objects tp_cert_decode shares
 * for these DER bytes: leaf_chain() builds that chain as the verifier does. */
static STACK_OF(X509) *leaf_chain(X509 *leaf)
{
    uint8_t *der = NULL;
    int n = i2d_X509(leaf, &der);
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *x = n > 0 ? tp_cert_decode(der, (size_t)n) : NULL;
    OPENSSL_free(der);
    assert_non_null(x);
    assert_true(chain != NULL && sk_X509_push(chain, x));
    return chain;
}

/* A chain verified once is remembered, but only for the same store, unchanged, and within
 * every validity window; the host name and CertificateVerify are still checked each time. */
static void cached_chain_keeps_every_check(void **st)
{
    (void)st;
    X509_STORE *store = tpf_store(g_ca);
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    time_t now = time(NULL), later = now + 2L * 365 * 86400;
    STACK_OF(X509) *chain = leaf_chain(g_leaf);
    assert_false(tp_chain_cache_hit(chain, store, now));
    tpf_input(&s, store, HOST, now, &in);
    EXPECT(&in, TP_OK);
    assert_true(tp_chain_cache_hit(chain, store, now));
    assert_false(tp_chain_cache_hit(chain, store, later));          /* after notAfter */
    assert_false(tp_chain_cache_hit(chain, store, now - 30L * 86400)); /* before notBefore */
    assert_false(tp_chain_cache_hit(chain, g_other_store, now));    /* another store */
    tpf_input(&s, store, HOST, later, &in);
    EXPECT(&in, TP_ERR_TLS_CERT_UNTRUSTED);
    tpf_input(&s, g_other_store, HOST, now, &in);
    EXPECT(&in, TP_ERR_TLS_CERT_UNTRUSTED);
    tpf_input(&s, store, "other.test", now, &in);
    EXPECT(&in, TP_ERR_TLS_HOSTNAME);
    assert_int_equal(X509_STORE_add_cert(store, g_other_ca), 1); /* the store changed */
    assert_false(tp_chain_cache_hit(chain, store, now));
    tpf_input(&s, store, HOST, now, &in);
    EXPECT(&in, TP_OK); /* verified again, and remembered again */
    assert_true(tp_chain_cache_hit(chain, store, now));
    tp_chain_cache_clear();
    assert_false(tp_chain_cache_hit(chain, store, now));
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_free(store);
    tpf_session_free(&s);
}

/* X509_verify_cert takes a certificate as expired at its notAfter second itself
 * (X509_cmp_time compares with <=): a chain cached a second before is refused then too. */
static void cached_chain_expires_at_not_after(void **st)
{
    (void)st;
    tp_chain_cache_clear();
    X509_STORE *store = tpf_store(g_ca);
    STACK_OF(X509) *chain = leaf_chain(g_leaf);
    struct tm a, b;
    assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(g_leaf), &a), 1);
    assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(g_ca), &b), 1);
    time_t ta = timegm(&a), tb = timegm(&b), end = ta < tb ? ta : tb;
    tp_error err;
    assert_int_equal(tp_cert_verify_chain(chain, store, end, &err), TP_ERR_TLS_CERT_UNTRUSTED);
    assert_int_equal(tp_cert_verify_chain(chain, store, end - 1, &err), TP_OK);
    assert_true(tp_chain_cache_hit(chain, store, end - 1));
    assert_false(tp_chain_cache_hit(chain, store, end));
    assert_int_equal(tp_cert_verify_chain(chain, store, end, &err), TP_ERR_TLS_CERT_UNTRUSTED);
    tp_chain_cache_clear();
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_free(store);
}

/* Offset of the n-th record (0-based) in a stream. */
static size_t record_offset(const tp_buf *b, int n)
{
    size_t off = 0;
    for (int i = 0; i < n; i++)
        off += 5 + ((size_t)b->data[off + 3] << 8 | b->data[off + 4]);
    return off;
}

static void flipped_bytes(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    uint8_t *srv = malloc(s.server_bytes.len), *cli = malloc(s.client_bytes.len);
    /* server: [0] ServerHello, [1] CCS, [2] first encrypted handshake record */
    memcpy(srv, s.server_bytes.data, s.server_bytes.len);
    size_t off = record_offset(&s.server_bytes, 2);
    srv[off + 5 + 3] ^= 0x01;
    in.server_bytes = srv;
    EXPECT(&in, TP_ERR_TLS_DECRYPT);
    /* server application data: the last record */
    memcpy(srv, s.server_bytes.data, s.server_bytes.len);
    srv[s.server_bytes.len - 20] ^= 0x80;
    EXPECT(&in, TP_ERR_TLS_DECRYPT);
    in.server_bytes = s.server_bytes.data;
    /* client application data: the last record */
    memcpy(cli, s.client_bytes.data, s.client_bytes.len);
    cli[s.client_bytes.len - 1] ^= 0x01;
    in.client_bytes = cli;
    EXPECT(&in, TP_ERR_TLS_DECRYPT);
    /* ClientHello changed (random): the transcript differs, so keys differ */
    memcpy(cli, s.client_bytes.data, s.client_bytes.len);
    cli[5 + 4 + 2 + 7] ^= 0x01;
    EXPECT(&in, TP_ERR_TLS_DECRYPT);
    free(srv);
    free(cli);
    tpf_session_free(&s);
}

static void truncated_mid_handshake(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    size_t full = s.server_bytes.len;
    size_t cuts[] = {0, 3, 50, record_offset(&s.server_bytes, 2) + 7,
                     record_offset(&s.server_bytes, 3)};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        in.server_len = cuts[i];
        EXPECT(&in, TP_ERR_TRUNCATED);
    }
    in.server_len = full;
    in.client_len = record_offset(&s.client_bytes, 1); /* only the ClientHello */
    EXPECT(&in, TP_ERR_TRUNCATED);
    in.client_len = 0;
    EXPECT(&in, TP_ERR_TRUNCATED);
    tpf_session_free(&s);
}

static void garbage(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    static const uint8_t junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    in.client_bytes = junk;
    in.client_len = sizeof(junk) - 1;
    EXPECT(&in, TP_ERR_TLS_RECORD);
    in.client_bytes = s.client_bytes.data;
    in.client_len = s.client_bytes.len;
    in.server_bytes = junk;
    in.server_len = sizeof(junk) - 1;
    EXPECT(&in, TP_ERR_TLS_RECORD);
    uint8_t big[5 + 20000] = {0x17, 0x03, 0x03, 0x4e, 0x20};
    in.server_bytes = big;
    in.server_len = sizeof(big);
    EXPECT(&in, TP_ERR_TLS_RECORD);
    tpf_session_free(&s);
}

static void data_after_close_notify(void **st)
{
    (void)st;
    tpf_opts o;
    tpf_opts_default(&o);
    o.cert = g_leaf;
    o.key = tpf_key("EC");
    o.sni = HOST;
    o.close_notify = 1;
    tpf_session s;
    assert_true(tpf_run(&o, &s));
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    EXPECT(&in, TP_OK);
    /* append a copy of the last record (the close_notify) */
    size_t n = s.server_bytes.len;
    uint8_t *srv = malloc(n + 24);
    memcpy(srv, s.server_bytes.data, n);
    memcpy(srv + n, s.server_bytes.data + n - 24, 24);
    in.server_bytes = srv;
    in.server_len = n + 24;
    EXPECT(&in, TP_ERR_TLS_RECORD);
    in.server_len = n + 3; /* a partial record after close_notify */
    EXPECT(&in, TP_ERR_TLS_RECORD);
    free(srv);
    tpf_session_free(&s);
}

static void fatal_alert_and_hello_retry(void **st)
{
    (void)st;
    tpf_session s;
    session(&s, g_leaf, HOST, "X25519");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    /* ServerHello record, then a plaintext fatal handshake_failure alert */
    size_t sh_len = record_offset(&s.server_bytes, 1);
    uint8_t *srv = malloc(sh_len + 7);
    memcpy(srv, s.server_bytes.data, sh_len);
    memcpy(srv + sh_len, "\x15\x03\x03\x00\x02\x02\x28", 7);
    in.server_bytes = srv;
    in.server_len = sh_len + 7;
    EXPECT(&in, TP_ERR_TLS_ALERT);
    in.server_bytes = srv + sh_len; /* the alert instead of a ServerHello */
    in.server_len = 7;
    EXPECT(&in, TP_ERR_TLS_ALERT);
    free(srv);
    tpf_session_free(&s);

    /* The server only accepts P-256, the client offers an X25519 share: HelloRetryRequest,
     * replayed (its refusals are in test_tls_hrr). */
    tpf_opts o;
    tpf_opts_default(&o);
    o.cert = g_leaf;
    o.key = tpf_key("EC");
    o.sni = HOST;
    o.groups = "X25519:P-256";
    o.server_groups = "P-256";
    assert_true(tpf_run(&o, &s));
    assert_int_equal(s.ks.client_hellos, 2);
    tpf_input(&s, g_store, HOST, 0, &in);
    EXPECT(&in, TP_OK);
    tpf_session_free(&s);
}

static void bad_arguments(void **st)
{
    (void)st;
    tp_tls_verify_input in;
    memset(&in, 0, sizeof(in));
    EXPECT(&in, TP_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(baseline_ok),
        cmocka_unit_test(wrong_private_key),
        cmocka_unit_test(certificate_for_other_name),
        cmocka_unit_test(sni_differs_from_expected_host),
        cmocka_unit_test(ip_literal_host),
        cmocka_unit_test(untrusted_and_expired),
        cmocka_unit_test(cached_chain_keeps_every_check),
        cmocka_unit_test(cached_chain_expires_at_not_after),
        cmocka_unit_test(flipped_bytes),
        cmocka_unit_test(truncated_mid_handshake),
        cmocka_unit_test(garbage),
        cmocka_unit_test(data_after_close_notify),
        cmocka_unit_test(fatal_alert_and_hello_retry),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
