/* TLS transcript verifier against real in-process OpenSSL sessions: every suite and group,
 * RSA/ECDSA/Ed25519 server keys, tickets, KeyUpdate, CertificateRequest, close_notify. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "../support/tls_fixture.h"
#include "tls/transcript.h"

#define HOST "example.test"

typedef struct pki {
    X509 *ca;
    X509 *leaf;
    X509_STORE *store;
} pki;

static pki g_pki[3]; /* by server key type: RSA, EC, ED25519 */
static const char *k_types[3] = {"RSA", "EC", "ED25519"};

static int setup(void **state)
{
    (void)state;
    EVP_PKEY *ca_key = tpf_key("EC");
    for (int i = 0; i < 3; i++) {
        g_pki[i].ca = tpf_cert(ca_key, "Test CA", NULL, NULL, NULL, 1, 3650);
        g_pki[i].leaf = tpf_cert(tpf_key(k_types[i]), HOST, "DNS:" HOST ",DNS:*.wild.test",
                                 g_pki[i].ca, ca_key, 0, 365);
        g_pki[i].store = tpf_store(g_pki[i].ca);
        if (!g_pki[i].ca || !g_pki[i].leaf || !g_pki[i].store)
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        X509_free(g_pki[i].ca);
        X509_free(g_pki[i].leaf);
        X509_STORE_free(g_pki[i].store);
    }
    tpf_cleanup();
    return 0;
}

static void opts_for(tpf_opts *o, int key_index)
{
    tpf_opts_default(o);
    o->cert = g_pki[key_index].leaf;
    o->key = tpf_key(k_types[key_index]);
}

static void run_ok(const tpf_opts *o, int key_index, tp_tls_verify_result *res)
{
    tpf_session s;
    assert_true(tpf_run(o, &s));
    assert_true(s.ks.captured);
    assert_int_equal(s.ks.client_hellos, 1);
    tp_tls_verify_input in;
    tpf_input(&s, g_pki[key_index].store, HOST, 0, &in);
    tp_error err = {0};
    tp_err rc = tp_tls_verify_transcript(&in, res, &err);
    if (rc != TP_OK)
        fail_msg("verify failed: %s: %s", tp_err_name(rc), err.detail);
    assert_int_equal(res->version, 0x0304);
    assert_string_equal(res->server_name, o->sni ? o->sni : "");
    assert_int_equal(res->client_app.len, s.server_got.len);
    assert_memory_equal(res->client_app.data, s.server_got.data, s.server_got.len);
    assert_int_equal(res->server_app.len, s.client_got.len);
    assert_memory_equal(res->server_app.data, s.client_got.data, s.client_got.len);
    tpf_session_free(&s);
}

static void suite_group(const char *suite, uint16_t suite_id, const char *groups, uint16_t group)
{
    for (unsigned seed = 1; seed <= 3; seed++) {
        tpf_opts o;
        opts_for(&o, 0);
        o.suite = suite;
        o.groups = groups;
        o.seed = seed;
        o.response_repeat = seed * 7;
        tp_tls_verify_result res;
        run_ok(&o, 0, &res);
        assert_int_equal(res.cipher_suite, suite_id);
        assert_int_equal(res.group, group);
        assert_string_equal(tp_tls_suite_name(suite_id), suite);
        tp_tls_verify_result_free(&res);
    }
}

static void aes128_x25519(void **st) { (void)st; suite_group("TLS_AES_128_GCM_SHA256", 0x1301, "X25519", 0x1d); }
static void aes128_p256(void **st) { (void)st; suite_group("TLS_AES_128_GCM_SHA256", 0x1301, "P-256", 0x17); }
static void aes256_x25519(void **st) { (void)st; suite_group("TLS_AES_256_GCM_SHA384", 0x1302, "X25519", 0x1d); }
static void aes256_p256(void **st) { (void)st; suite_group("TLS_AES_256_GCM_SHA384", 0x1302, "P-256", 0x17); }
static void chacha_x25519(void **st) { (void)st; suite_group("TLS_CHACHA20_POLY1305_SHA256", 0x1303, "X25519", 0x1d); }
static void aes256_p384(void **st) { (void)st; suite_group("TLS_AES_256_GCM_SHA384", 0x1302, "P-384", 0x18); }
static void chacha_p256(void **st) { (void)st; suite_group("TLS_CHACHA20_POLY1305_SHA256", 0x1303, "P-256", 0x17); }

static void server_key_types(void **st)
{
    (void)st;
    for (int k = 0; k < 3; k++) {
        tpf_opts o;
        opts_for(&o, k);
        o.max_fragment = 512; /* Certificate spans several records */
        tp_tls_verify_result res;
        run_ok(&o, k, &res);
        tp_tls_verify_result_free(&res);
    }
}

static void tickets_close_notify_and_not(void **st)
{
    (void)st;
    for (int close = 0; close <= 1; close++) {
        tpf_opts o;
        opts_for(&o, 1);
        o.num_tickets = 3;
        o.close_notify = close;
        tp_tls_verify_result res;
        run_ok(&o, 1, &res);
        assert_int_equal(res.server_close_notify, close);
        assert_int_equal(res.server_trailing_partial, 0);
        tp_tls_verify_result_free(&res);
    }
}

static void key_update_both_ways(void **st)
{
    (void)st;
    tpf_opts o;
    opts_for(&o, 1);
    o.key_update = 1;
    o.response_repeat = 50;
    tp_tls_verify_result res;
    run_ok(&o, 1, &res);
    tp_tls_verify_result_free(&res);
}

/* TLS 1.3 records may carry zero padding after the inner content type (RFC 8446 5.4). */
static void padded_records_both_ways(void **st)
{
    (void)st;
    tpf_opts o;
    opts_for(&o, 1);
    o.block_padding = 512;
    o.response_repeat = 5;
    tp_tls_verify_result res;
    run_ok(&o, 1, &res);
    tp_tls_verify_result_free(&res);
}

static void certificate_request_empty_answer(void **st)
{
    (void)st;
    tpf_opts o;
    opts_for(&o, 0);
    o.request_client_cert = 1;
    tp_tls_verify_result res;
    run_ok(&o, 0, &res);
    tp_tls_verify_result_free(&res);
}

static void chain_with_ca_and_case_insensitive_host(void **st)
{
    (void)st;
    tpf_opts o;
    opts_for(&o, 1);
    o.extra_chain = g_pki[1].ca;
    o.sni = "Example.TEST";
    tpf_session s;
    assert_true(tpf_run(&o, &s));
    tp_tls_verify_input in;
    tpf_input(&s, g_pki[1].store, "example.test", 0, &in);
    tp_tls_verify_result res;
    tp_error err = {0};
    tp_err rc = tp_tls_verify_transcript(&in, &res, &err);
    if (rc != TP_OK)
        fail_msg("%s", err.detail);
    tp_tls_verify_result_free(&res);
    tpf_session_free(&s);
}

static void trailing_partial_record(void **st)
{
    (void)st;
    tpf_opts o;
    opts_for(&o, 1);
    o.response_repeat = 20;
    tpf_session s;
    assert_true(tpf_run(&o, &s));
    tp_tls_verify_input in;
    tpf_input(&s, g_pki[1].store, HOST, 0, &in);
    in.server_len -= 10;
    tp_tls_verify_result res;
    tp_error err = {0};
    assert_int_equal(tp_tls_verify_transcript(&in, &res, &err), TP_OK);
    assert_int_equal(res.server_trailing_partial, 1);
    assert_true(res.server_app.len < s.client_got.len);
    assert_memory_equal(res.server_app.data, s.client_got.data, res.server_app.len);
    tp_tls_verify_result_free(&res);
    tpf_session_free(&s);
}

static void keyshare_names(void **st)
{
    (void)st;
    assert_string_equal(tp_tls_group_name(0x1d), "x25519");
    assert_string_equal(tp_tls_group_name(0x17), "secp256r1");
    assert_string_equal(tp_tls_group_name(0x18), "secp384r1");
    assert_string_equal(tp_tls_group_name(0x19), "secp521r1"); /* more in test_tls_hrr */
    assert_null(tp_tls_suite_name(0x1304));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aes128_x25519),
        cmocka_unit_test(aes128_p256),
        cmocka_unit_test(aes256_x25519),
        cmocka_unit_test(aes256_p256),
        cmocka_unit_test(chacha_x25519),
        cmocka_unit_test(chacha_p256),
        cmocka_unit_test(aes256_p384),
        cmocka_unit_test(server_key_types),
        cmocka_unit_test(tickets_close_notify_and_not),
        cmocka_unit_test(key_update_both_ways),
        cmocka_unit_test(padded_records_both_ways),
        cmocka_unit_test(certificate_request_empty_answer),
        cmocka_unit_test(chain_with_ca_and_case_insensitive_host),
        cmocka_unit_test(trailing_partial_record),
        cmocka_unit_test(keyshare_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
