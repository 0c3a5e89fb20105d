/* TLS 1.3 HelloRetryRequest replay and the groups beyond X25519/P-256/P-384 (P-521, X448,
 * ffdhe2048/3072/4096) against real in-process OpenSSL sessions: an HRR session verifies
 * (message_hash transcript, the second ClientHello's key), and a tampered second ClientHello,
 * an HRR selecting a group not offered or one already shared, and a share for the wrong
 * group are refused by name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/tls_fixture.h"
#include "tls/tls_internal.h"
#include "tls/transcript.h"

#define HOST "groups.test"
#define ALL_GROUPS "X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096"

static X509 *g_ca, *g_leaf;
static X509_STORE *g_store;

static int setup(void **state)
{
    (void)state;
    EVP_PKEY *k = tpf_key("EC");
    g_ca = tpf_cert(k, "HRR CA", NULL, NULL, NULL, 1, 3650);
    g_leaf = tpf_cert(k, HOST, "DNS:" HOST, g_ca, k, 0, 365);
    g_store = tpf_store(g_ca);
    return g_ca && g_leaf && g_store ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(g_ca);
    X509_free(g_leaf);
    X509_STORE_free(g_store);
    tpf_cleanup();
    return 0;
}

static void run(tpf_session *s, const char *suite, const char *groups, const char *server_groups)
{
    tpf_opts o;
    tpf_opts_default(&o);
    o.cert = g_leaf;
    o.key = tpf_key("EC");
    o.sni = HOST;
    if (suite)
        o.suite = suite;
    o.groups = groups;
    o.server_groups = server_groups;
    o.response_repeat = 5;
    assert_true(tpf_run(&o, s));
    assert_true(s->ks.captured);
}

static tp_err verify(const tpf_session *s, const uint8_t *cli, const uint8_t *srv,
                     tp_tls_verify_result *res, tp_error *err)
{
    tp_tls_verify_input in;
    tpf_input(s, g_store, HOST, 0, &in);
    if (cli)
        in.client_bytes = cli;
    if (srv)
        in.server_bytes = srv;
    return tp_tls_verify_transcript(&in, res, err);
}

static void expect_ok(const tpf_session *s, uint16_t group)
{
    tp_tls_verify_result res;
    tp_error err = {0};
    tp_err rc = verify(s, NULL, NULL, &res, &err);
    if (rc != TP_OK)
        fail_msg("verify failed: %s: %s", tp_err_name(rc), err.detail);
    assert_int_equal(res.group, group);
    assert_int_equal(res.server_app.len, s->client_got.len);
    assert_memory_equal(res.server_app.data, s->client_got.data, s->client_got.len);
    tp_tls_verify_result_free(&res);
}

static void expect_refused(const tpf_session *s, const uint8_t *cli, const uint8_t *srv,
                           tp_err want, const char *detail_part)
{
    tp_tls_verify_result res;
    tp_error err = {0};
    tp_err rc = verify(s, cli, srv, &res, &err);
    if (rc != want || !strstr(err.detail, detail_part))
        fail_msg("got %s (%s), wanted %s (%s)", tp_err_name(rc), err.detail, tp_err_name(want),
                 detail_part);
    assert_int_equal(res.server_app.len, 0);
}

/* Offset of the nth (0-based) handshake record whose first message has type hs_type. */
static size_t find_record(const tp_buf *b, uint8_t hs_type, int nth)
{
    size_t off = 0;
    while (off + 5 < b->len) {
        size_t len = (size_t)b->data[off + 3] << 8 | b->data[off + 4];
        if (b->data[off] == 0x16 && b->data[off + 5] == hs_type && nth-- == 0)
            return off;
        off += 5 + len;
    }
    fail_msg("record not found");
    return 0;
}

/* Offset of the first occurrence of pat within [from, from + span). */
static size_t find_bytes(const tp_buf *b, size_t from, size_t span, const void *pat, size_t n)
{
    for (size_t i = from; i + n <= from + span && i + n <= b->len; i++)
        if (memcmp(b->data + i, pat, n) == 0)
            return i;
    fail_msg("pattern not found");
    return 0;
}

static void one_group(const char *name, uint16_t id)
{
    static const char *suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                   "TLS_CHACHA20_POLY1305_SHA256"};
    for (size_t i = 0; i < 3; i++) {
        tpf_session s;
        run(&s, suites[i], name, NULL);
        assert_int_equal(s.ks.client_hellos, 1);
        assert_int_equal(s.ks.group, id);
        expect_ok(&s, id);
        tpf_session_free(&s);
    }
}

static void group_p521(void **st) { (void)st; one_group("P-521", TP_TLS_GROUP_SECP521R1); }
static void group_x448(void **st) { (void)st; one_group("X448", TP_TLS_GROUP_X448); }
static void group_ffdhe2048(void **st) { (void)st; one_group("ffdhe2048", TP_TLS_GROUP_FFDHE2048); }
static void group_ffdhe3072(void **st) { (void)st; one_group("ffdhe3072", TP_TLS_GROUP_FFDHE3072); }
static void group_ffdhe4096(void **st) { (void)st; one_group("ffdhe4096", TP_TLS_GROUP_FFDHE4096); }

/* The server takes only one group: the client's X25519 share draws an HRR for it. */
static void hrr_ok(void **st)
{
    (void)st;
    static const struct { const char *server; uint16_t id; } cases[] = {
        {"P-256", TP_TLS_GROUP_SECP256R1}, {"P-384", TP_TLS_GROUP_SECP384R1},
        {"P-521", TP_TLS_GROUP_SECP521R1}, {"X448", TP_TLS_GROUP_X448},
        {"ffdhe2048", TP_TLS_GROUP_FFDHE2048},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tpf_session s;
        run(&s, "TLS_AES_256_GCM_SHA384", ALL_GROUPS, cases[i].server);
        assert_int_equal(s.ks.client_hellos, 2);
        assert_int_equal(s.ks.group, cases[i].id);
        expect_ok(&s, cases[i].id);
        tpf_session_free(&s);
    }
}

static void hrr_tampered_second_hello(void **st)
{
    (void)st;
    tpf_session s;
    run(&s, NULL, "X25519:P-256", "P-256");
    assert_int_equal(s.ks.client_hellos, 2);
    size_t ch2 = find_record(&s.client_bytes, 1, 1);
    uint8_t *cli = malloc(s.client_bytes.len);
    /* the random */
    memcpy(cli, s.client_bytes.data, s.client_bytes.len);
    cli[ch2 + 5 + 4 + 2 + 7] ^= 1;
    expect_refused(&s, cli, NULL, TP_ERR_TLS_HANDSHAKE, "changes its version, random");
    /* the server_name (extension 0): a host byte */
    memcpy(cli, s.client_bytes.data, s.client_bytes.len);
    size_t len2 = (size_t)cli[ch2 + 3] << 8 | cli[ch2 + 4];
    cli[find_bytes(&s.client_bytes, ch2, 5 + len2, HOST, strlen(HOST))] = 'h';
    expect_refused(&s, cli, NULL, TP_ERR_TLS_HANDSHAKE, "changes extension 0");
    /* the share announced for another group (secp384r1 instead of secp256r1) */
    memcpy(cli, s.client_bytes.data, s.client_bytes.len);
    size_t ks = find_bytes(&s.client_bytes, ch2, 5 + len2, "\x00\x33", 2);
    assert_int_equal(cli[ks + 6] << 8 | cli[ks + 7], TP_TLS_GROUP_SECP256R1);
    cli[ks + 7] = 0x18;
    expect_refused(&s, cli, NULL, TP_ERR_TLS_HANDSHAKE, "one key share, for secp256r1");
    free(cli);
    tpf_session_free(&s);
}

static void hrr_selects_bad_group(void **st)
{
    (void)st;
    tpf_session s;
    run(&s, NULL, "X25519:P-256", "P-256");
    size_t hrr = find_record(&s.server_bytes, 2, 0);
    size_t len = (size_t)s.server_bytes.data[hrr + 3] << 8 | s.server_bytes.data[hrr + 4];
    size_t ks = find_bytes(&s.server_bytes, hrr, 5 + len, "\x00\x33\x00\x02\x00\x17", 6);
    uint8_t *srv = malloc(s.server_bytes.len);
    memcpy(srv, s.server_bytes.data, s.server_bytes.len);
    srv[ks + 5] = 0x19; /* secp521r1: not in supported_groups */
    expect_refused(&s, NULL, srv, TP_ERR_TLS_HANDSHAKE, "did not offer");
    srv[ks + 5] = 0x1d; /* x25519: the first ClientHello already sent that share */
    expect_refused(&s, NULL, srv, TP_ERR_TLS_HANDSHAKE, "already sent a key share");
    free(srv);
    tpf_session_free(&s);
}

static void hrr_revealed_key_must_be_second_share(void **st)
{
    (void)st;
    tpf_session s;
    run(&s, NULL, "X25519:P-256", "P-256");
    tp_tls_verify_input in;
    tpf_input(&s, g_store, HOST, 0, &in);
    uint8_t x25519_key[32] = {1};
    in.group = TP_TLS_GROUP_X25519; /* a key for the first ClientHello's group */
    in.private_key = x25519_key;
    in.private_key_len = sizeof(x25519_key);
    tp_tls_verify_result res;
    tp_error err = {0};
    tp_err rc = tp_tls_verify_transcript(&in, &res, &err);
    if (rc != TP_ERR_TLS_KEY_MISMATCH)
        fail_msg("got %s (%s)", tp_err_name(rc), err.detail);
    tpf_session_free(&s);
}

/* HelloRetryRequest sessions under the fixed fuzz PKI (tests/data/fuzz-tls12, host
 * example.test) in the input format of fuzz/fuzz_tls12_transcript.c (group selector 1
 * secp256r1, 2 secp384r1): each is checked here and written as a seed into
 * $TP_FUZZ_SEED_DIR when that is set, so that fuzzing reaches hrr.c. */
static void *read_fuzz_pem(const char *name, int key)
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
    static const struct { const char *server; uint8_t sel; } seeds[] = {{"P-256", 1}, {"P-384", 2}};
    X509 *root = read_fuzz_pem("root.pem", 0), *leaf = read_fuzz_pem("leaf.pem", 0);
    EVP_PKEY *key = read_fuzz_pem("leaf.key", 1);
    X509_STORE *store = tpf_store(root);
    const char *dir = getenv("TP_FUZZ_SEED_DIR");
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        tpf_opts o;
        tpf_opts_default(&o);
        o.cert = leaf;
        o.key = key;
        o.sni = "example.test";
        o.groups = "X25519:P-256:P-384";
        o.server_groups = seeds[i].server;
        o.close_notify = 1;
        o.seed = TPF_SEED_WHOLE;
        tpf_session s;
        assert_true(tpf_run(&o, &s));
        assert_int_equal(s.ks.client_hellos, 2);
        tp_tls_verify_input in;
        tp_tls_verify_result r;
        tp_error e = {0};
        tpf_input(&s, store, "example.test", 0, &in);
        assert_int_equal(tp_tls_verify_transcript(&in, &r, &e), TP_OK);
        tp_tls_verify_result_free(&r);
        char name[64];
        snprintf(name, sizeof(name), "session13_hrr_%zu", i);
        assert_true(tpf_write_fuzz_seed(&s, seeds[i].sel, dir, name));
        tpf_session_free(&s);
    }
    X509_STORE_free(store);
    X509_free(root);
    X509_free(leaf);
    EVP_PKEY_free(key);
}

/* ---- the second ClientHello rules on hand-made messages (cookies: OpenSSL's server sends
 * one only in stateless mode) ---- */
typedef struct hello {
    uint8_t b[512];
    size_t n;
} hello;

static void put(hello *h, const void *p, size_t n)
{
    assert_true(h->n + n <= sizeof(h->b));
    if (n) /* early_data is empty: p may be NULL */
        memcpy(h->b + h->n, p, n);
    h->n += n;
}

static void put16(hello *h, size_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(h, x, 2);
}

static void ext(hello *h, uint16_t type, const void *data, size_t n)
{
    put16(h, type);
    put16(h, n);
    put(h, data, n);
}

enum { WITH_COOKIE = 1, WITH_EARLY = 2, WITH_PADDING = 4, SWAP_ORDER = 8, P256_SHARE = 16,
       OTHER_COOKIE = 32 };

/* A ClientHello body: supported_groups, supported_versions, key_share (x25519, or P-256
 * with P256_SHARE), then the optional extensions. */
static void make_hello(hello *h, unsigned flags)
{
    static const uint8_t groups[] = {0, 4, 0, 0x1d, 0, 0x17}, versions[] = {2, 3, 4};
    static const uint8_t cookie[] = {0, 3, 'c', 'k', '1'}, other[] = {0, 3, 'c', 'k', '2'};
    uint8_t share[2 + 4 + 65] = {0};
    size_t share_len;
    if (flags & P256_SHARE) {
        share[1] = 4 + 65, share[3] = 0x17, share[5] = 65, share[6] = 4;
        share_len = 2 + 4 + 65;
    } else {
        share[1] = 4 + 32, share[3] = 0x1d, share[5] = 32, share[6] = 9;
        share_len = 2 + 4 + 32;
    }
    hello e = {0};
    if (flags & SWAP_ORDER) {
        ext(&e, 43, versions, sizeof(versions));
        ext(&e, 10, groups, sizeof(groups));
    } else {
        ext(&e, 10, groups, sizeof(groups));
        ext(&e, 43, versions, sizeof(versions));
    }
    ext(&e, 51, share, share_len);
    if (flags & (WITH_COOKIE | OTHER_COOKIE))
        ext(&e, 44, flags & OTHER_COOKIE ? other : cookie, sizeof(cookie));
    if (flags & WITH_EARLY)
        ext(&e, 42, NULL, 0);
    if (flags & WITH_PADDING)
        ext(&e, 21, "\0\0\0\0", 4);
    h->n = 0;
    static const uint8_t fixed[] = {3, 3};
    put(h, fixed, 2);
    uint8_t random[32];
    memset(random, 0x5a, sizeof(random));
    put(h, random, 32);
    static const uint8_t tail[] = {0, 0, 2, 0x13, 0x01, 1, 0};
    put(h, tail, sizeof(tail));
    put16(h, e.n);
    put(h, e.b, e.n);
}

static tp_err second_hello(unsigned first, unsigned second, int hrr_group, int hrr_cookie)
{
    hello h1, h2;
    make_hello(&h1, first);
    make_hello(&h2, second);
    tp_server_hello hrr = {.is_hrr = 1, .suite = 0x1301};
    if (hrr_group) {
        hrr.has_key_share = 1;
        hrr.group = TP_TLS_GROUP_SECP256R1;
    }
    if (hrr_cookie) {
        hrr.cookie = (const uint8_t *)"ck1";
        hrr.cookie_len = 3;
    }
    tp_client_hello ch1, ch2;
    tp_reader r1, r2;
    tp_error err = {0};
    tp_hrr_info info;
    tp_reader_init(&r1, h1.b, h1.n);
    tp_reader_init(&r2, h2.b, h2.n);
    assert_int_equal(tp_parse_client_hello_any(r1, 0, &ch1, &err), TP_OK);
    tp_err rc = tp_hrr_check(&ch1, &hrr, &info, &err);
    if (rc == TP_OK)
        rc = tp_parse_client_hello_any(r2, hrr_group ? TP_TLS_GROUP_SECP256R1 : TP_TLS_GROUP_X25519,
                                       &ch2, &err);
    if (rc == TP_OK)
        rc = tp_hrr_check_second_hello(r1, r2, &hrr, &ch2, &err);
    return rc;
}

static void hrr_second_hello_rules(void **st)
{
    (void)st;
    /* allowed: the share for the selected group, the cookie, padding added, early_data gone */
    assert_int_equal(second_hello(0, P256_SHARE, 1, 0), TP_OK);
    assert_int_equal(second_hello(0, P256_SHARE | WITH_COOKIE, 1, 1), TP_OK);
    assert_int_equal(second_hello(0, P256_SHARE | WITH_PADDING, 1, 0), TP_OK);
    assert_int_equal(second_hello(WITH_EARLY, P256_SHARE, 1, 0), TP_OK);
    assert_int_equal(second_hello(0, WITH_COOKIE, 0, 1), TP_OK); /* cookie only: same share */
    /* refused */
    assert_int_equal(second_hello(0, P256_SHARE, 1, 1), TP_ERR_TLS_HANDSHAKE);   /* cookie dropped */
    assert_int_equal(second_hello(0, P256_SHARE | OTHER_COOKIE, 1, 1), TP_ERR_TLS_HANDSHAKE);
    assert_int_equal(second_hello(0, P256_SHARE | WITH_COOKIE, 1, 0), TP_ERR_TLS_HANDSHAKE);
    assert_int_equal(second_hello(0, P256_SHARE | WITH_EARLY, 1, 0), TP_ERR_TLS_HANDSHAKE);
    assert_int_equal(second_hello(0, P256_SHARE | SWAP_ORDER, 1, 0), TP_ERR_TLS_HANDSHAKE);
    assert_int_equal(second_hello(0, 0, 1, 0), TP_ERR_TLS_HANDSHAKE);            /* x25519 again */
    assert_int_equal(second_hello(0, P256_SHARE | WITH_COOKIE, 0, 1), TP_ERR_TLS_HANDSHAKE);
    assert_int_equal(second_hello(0, 0, 0, 0), TP_ERR_TLS_HANDSHAKE);            /* no change */
    assert_int_equal(second_hello(P256_SHARE, P256_SHARE, 1, 0), TP_ERR_TLS_HANDSHAKE); /* shared */
}

static void group_names(void **st)
{
    (void)st;
    static const struct { uint16_t id; const char *name, *alias; } k[] = {
        {0x1d, "x25519", "X25519"}, {0x17, "secp256r1", "P-256"}, {0x18, "secp384r1", "P-384"},
        {0x19, "secp521r1", "P-521"}, {0x1e, "x448", "X448"}, {0x100, "ffdhe2048", "ffdhe2048"},
        {0x101, "ffdhe3072", "ffdhe3072"}, {0x102, "ffdhe4096", "ffdhe4096"},
    };
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        assert_string_equal(tp_tls_group_name(k[i].id), k[i].name);
        assert_int_equal(tp_tls_group_from_name(k[i].alias), k[i].id);
        assert_int_equal(tp_tls_group_is_ec(k[i].id), k[i].id < 0x100);
    }
    assert_int_equal(tp_tls_group_from_name("prime256v1"), 0x17);
    assert_null(tp_tls_group_name(0x103)); /* ffdhe6144 */
    assert_null(tp_tls_group_name(0x1a));
    assert_int_equal(tp_tls_group_from_name("brainpoolP256r1"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(group_p521),
        cmocka_unit_test(group_x448),
        cmocka_unit_test(group_ffdhe2048),
        cmocka_unit_test(group_ffdhe3072),
        cmocka_unit_test(group_ffdhe4096),
        cmocka_unit_test(hrr_ok),
        cmocka_unit_test(hrr_tampered_second_hello),
        cmocka_unit_test(hrr_selects_bad_group),
        cmocka_unit_test(hrr_revealed_key_must_be_second_share),
        cmocka_unit_test(hrr_second_hello_rules),
        cmocka_unit_test(group_names),
        cmocka_unit_test(fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
