/* Unit tests: the notary's TLS gate (tls/gate.h): what a tunnel may carry, in both
 * directions, fed whole, byte by byte and across record boundaries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tls/gate.h"

/* A minimal ClientHello message: TLS 1.3 offered (or not), optional SNI. */
static void client_hello(tp_buf *m, const char *sni, int tls13)
{
    tp_buf ext = TP_BUF_INIT;
    tp_buf_put_u16(&ext, 43); /* supported_versions */
    tp_buf_put_u16(&ext, 3);
    tp_buf_put_u8(&ext, 2);
    tp_buf_put_u16(&ext, tls13 ? 0x0304 : 0x0303);
    if (sni) {
        size_t n = strlen(sni);
        tp_buf_put_u16(&ext, 0); /* server_name */
        tp_buf_put_u16(&ext, (uint16_t)(n + 5));
        tp_buf_put_u16(&ext, (uint16_t)(n + 3));
        tp_buf_put_u8(&ext, 0);
        tp_buf_put_u16(&ext, (uint16_t)n);
        tp_buf_append(&ext, sni, n);
    }
    static const uint8_t random[32] = {1, 2, 3};
    tp_buf body = TP_BUF_INIT;
    tp_buf_put_u16(&body, 0x0303);
    tp_buf_append(&body, random, sizeof(random));
    tp_buf_put_u8(&body, 0);      /* session id */
    tp_buf_put_u16(&body, 2);
    tp_buf_put_u16(&body, 0x1301);
    tp_buf_put_u8(&body, 1);
    tp_buf_put_u8(&body, 0);      /* null compression */
    tp_buf_put_u16(&body, (uint16_t)ext.len);
    tp_buf_append(&body, ext.data, ext.len);
    tp_buf_reset(m);
    tp_buf_put_u8(m, 1);
    tp_buf_put_u24(m, (uint32_t)body.len);
    tp_buf_append(m, body.data, body.len);
    tp_buf_free(&ext);
    tp_buf_free(&body);
}

static void record(tp_buf *out, uint8_t type, uint16_t version, const uint8_t *p, size_t n)
{
    tp_buf_put_u8(out, type);
    tp_buf_put_u16(out, version);
    tp_buf_put_u16(out, (uint16_t)n);
    tp_buf_append(out, p, n);
}

/* msg as handshake records of at most `chunk` bytes each. */
static void records(tp_buf *out, const tp_buf *msg, size_t chunk)
{
    tp_buf_reset(out);
    for (size_t off = 0; off < msg->len; off += chunk)
        record(out, 22, 0x0301, msg->data + off, msg->len - off < chunk ? msg->len - off : chunk);
}

/* Feeds the prover bytes (all at once, or one by one): the gate's verdict; *released gets
 * what it let through. */
static tp_err feed_client(tp_tls_gate *g, const char *host, const tp_buf *in, int bytewise,
                          tp_buf *released)
{
    tp_error e;
    if (!bytewise)
        return tp_tls_gate_client(g, host, in->data, in->len, released, &e);
    for (size_t i = 0; i < in->len; i++) {
        tp_err rc = tp_tls_gate_client(g, host, in->data + i, 1, released, &e);
        if (rc != TP_OK)
            return rc;
        if (i + 1 < in->len)
            assert_int_equal(released->len, 0); /* nothing before the whole ClientHello */
    }
    return TP_OK;
}

static tp_err hello_verdict(const char *host, const char *sni, int tls13, size_t chunk)
{
    tp_buf m = TP_BUF_INIT, in = TP_BUF_INIT, rel = TP_BUF_INIT;
    tp_tls_gate g = {0};
    client_hello(&m, sni, tls13);
    records(&in, &m, chunk);
    tp_err rc = feed_client(&g, host, &in, 0, &rel);
    if (rc == TP_OK) {
        assert_int_equal(rel.len, in.len);
        assert_memory_equal(rel.data, in.data, in.len);
    } else {
        assert_int_equal(rel.len, 0);
    }
    tp_tls_gate_free(&g);
    tp_buf_free(&m);
    tp_buf_free(&in);
    tp_buf_free(&rel);
    return rc;
}

static void client_hello_must_name_the_host(void **state)
{
    (void)state;
    assert_int_equal(hello_verdict("example.com", "example.com", 1, 16384), TP_OK);
    assert_int_equal(hello_verdict("example.com", "EXAMPLE.Com", 1, 16384), TP_OK);
    assert_int_equal(hello_verdict("example.com", "other.example", 1, 16384), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(hello_verdict("example.com", "example.com.", 1, 16384), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(hello_verdict("example.com", "example.co", 1, 16384), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(hello_verdict("example.com", NULL, 1, 16384), TP_ERR_TUNNEL_NOT_TLS);
    /* IP literal targets: no SNI at all (RFC 6066) */
    assert_int_equal(hello_verdict("192.0.2.1", NULL, 1, 16384), TP_OK);
    assert_int_equal(hello_verdict("2001:db8::1", NULL, 1, 16384), TP_OK);
    assert_int_equal(hello_verdict("192.0.2.1", "192.0.2.1", 1, 16384), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(hello_verdict("192.0.2.1", "example.com", 1, 16384), TP_ERR_TUNNEL_NOT_TLS);
    /* the verifier's parser: TLS 1.3 must be offered */
    assert_int_equal(hello_verdict("example.com", "example.com", 0, 16384), TP_ERR_TUNNEL_NOT_TLS);
}

static void client_hello_across_records_and_reads(void **state)
{
    (void)state;
    assert_int_equal(hello_verdict("example.com", "example.com", 1, 7), TP_OK);
    assert_int_equal(hello_verdict("example.com", "example.com", 1, 1), TP_OK);
    tp_buf m = TP_BUF_INIT, in = TP_BUF_INIT, rel = TP_BUF_INIT;
    client_hello(&m, "example.com", 1);
    records(&in, &m, 10);
    tp_tls_gate g = {0};
    assert_int_equal(feed_client(&g, "example.com", &in, 1, &rel), TP_OK);
    assert_int_equal(rel.len, in.len);
    assert_memory_equal(rel.data, in.data, in.len);
    tp_tls_gate_free(&g);
    tp_buf_free(&m);
    tp_buf_free(&in);
    tp_buf_free(&rel);
}

static tp_err raw_verdict(const char *host, const uint8_t *p, size_t n)
{
    tp_tls_gate g = {0};
    tp_buf rel = TP_BUF_INIT;
    tp_error e;
    tp_err rc = tp_tls_gate_client(&g, host, p, n, &rel, &e);
    assert_int_equal(rel.len, 0);
    tp_tls_gate_free(&g);
    tp_buf_free(&rel);
    return rc;
}

static void anything_else_first_is_refused(void **state)
{
    (void)state;
    /* plain text fails on its first byte */
    assert_int_equal(raw_verdict("h", (const uint8_t *)"E", 1), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", (const uint8_t *)"EHLO x\r\n", 8), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", (const uint8_t *)"GET / HTTP/1.1\r\n", 16), TP_ERR_TUNNEL_NOT_TLS);
    /* an application data record, a bad version, an oversize plaintext record */
    static const uint8_t appdata[] = {23, 3, 3, 0, 1, 0};
    static const uint8_t sslv3[] = {22, 3, 0, 0, 1, 1};
    static const uint8_t tls13v[] = {22, 3, 4, 0, 1, 1};
    static const uint8_t big[] = {22, 3, 1, 0x40, 0x01};
    static const uint8_t empty[] = {22, 3, 1, 0, 0};
    static const uint8_t server_hello[] = {22, 3, 3, 0, 4, 2, 0, 0, 0};
    assert_int_equal(raw_verdict("h", appdata, sizeof(appdata)), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", sslv3, sizeof(sslv3)), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", tls13v, sizeof(tls13v)), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", big, sizeof(big)), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", empty, sizeof(empty)), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(raw_verdict("h", server_hello, sizeof(server_hello)), TP_ERR_TUNNEL_NOT_TLS);
    /* an incomplete ClientHello is held, not refused, not released */
    static const uint8_t partial[] = {22, 3, 1, 0, 50, 1, 0, 0, 46, 3, 3};
    assert_int_equal(raw_verdict("h", partial, sizeof(partial)), TP_OK);
    /* a ClientHello announcing more than the gate holds */
    static const uint8_t huge[] = {22, 3, 1, 0, 4, 1, 1, 0, 0};
    assert_int_equal(raw_verdict("h", huge, sizeof(huge)), TP_ERR_TUNNEL_NOT_TLS);
}

static void client_hello_must_end_its_record(void **state)
{
    (void)state;
    tp_buf m = TP_BUF_INIT, in = TP_BUF_INIT, rel = TP_BUF_INIT;
    tp_tls_gate g = {0};
    tp_error e;
    client_hello(&m, "example.com", 1);
    tp_buf_append(&m, "\x01\x00\x00\x00", 4); /* another handshake message in the same record */
    records(&in, &m, 16384);
    assert_int_equal(tp_tls_gate_client(&g, "example.com", in.data, in.len, &rel, &e), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(rel.len, 0);
    tp_tls_gate_free(&g);
    tp_buf_free(&m);
    tp_buf_free(&in);
    tp_buf_free(&rel);
}

/* A gate past a good ClientHello for example.com. */
static void past_hello(tp_tls_gate *g, tp_buf *rel)
{
    tp_buf m = TP_BUF_INIT, in = TP_BUF_INIT;
    tp_error e;
    client_hello(&m, "example.com", 1);
    records(&in, &m, 16384);
    memset(g, 0, sizeof(*g));
    assert_int_equal(tp_tls_gate_client(g, "example.com", in.data, in.len, rel, &e), TP_OK);
    tp_buf_reset(rel);
    tp_buf_free(&m);
    tp_buf_free(&in);
}

static void prover_waits_for_the_target_then_sends_records(void **state)
{
    (void)state;
    tp_tls_gate g;
    tp_buf rel = TP_BUF_INIT;
    tp_error e;
    static const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    /* ClientHello and more in one read, or more before the target answered: refused */
    past_hello(&g, &rel);
    assert_int_equal(tp_tls_gate_client(&g, "example.com", ccs, sizeof(ccs), &rel, &e), TP_ERR_TUNNEL_NOT_TLS);
    assert_int_equal(rel.len, 0);
    tp_tls_gate_free(&g);
    /* after the ServerHello: records pass, split anywhere */
    past_hello(&g, &rel);
    static const uint8_t sh[] = {22, 3, 3, 0, 4, 2, 0, 0, 0};
    assert_int_equal(tp_tls_gate_server(&g, sh, sizeof(sh), &e), TP_OK);
    static const uint8_t flight[] = {20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 3, 9, 9, 9};
    for (size_t i = 0; i < sizeof(flight); i++)
        assert_int_equal(tp_tls_gate_client(&g, "example.com", flight + i, 1, &rel, &e), TP_OK);
    assert_int_equal(rel.len, sizeof(flight));
    assert_memory_equal(rel.data, flight, sizeof(flight));
    /* then a header that is not TLS */
    static const uint8_t junk[] = {23, 3, 3, 0x48, 0x01, 'G', 'E', 'T', ' '};
    assert_int_equal(tp_tls_gate_client(&g, "example.com", junk, sizeof(junk), &rel, &e), TP_ERR_TUNNEL_NOT_TLS);
    static const uint8_t text[] = "POST / HTTP/1.1";
    tp_tls_gate g2;
    past_hello(&g2, &rel);
    assert_int_equal(tp_tls_gate_server(&g2, sh, sizeof(sh), &e), TP_OK);
    assert_int_equal(tp_tls_gate_client(&g2, "example.com", text, sizeof(text) - 1, &rel, &e), TP_ERR_TUNNEL_NOT_TLS);
    tp_tls_gate_free(&g);
    tp_tls_gate_free(&g2);
    tp_buf_free(&rel);
}

static tp_err server_verdict(int hello, const uint8_t *p, size_t n, int bytewise)
{
    tp_tls_gate g = {0};
    tp_buf rel = TP_BUF_INIT;
    tp_error e;
    if (hello)
        past_hello(&g, &rel);
    tp_err rc = TP_OK;
    for (size_t i = 0; rc == TP_OK && i < n; i += bytewise ? 1 : n)
        rc = tp_tls_gate_server(&g, p + i, bytewise ? 1 : n, &e);
    tp_tls_gate_free(&g);
    tp_buf_free(&rel);
    return rc;
}

static void target_must_answer_with_tls(void **state)
{
    (void)state;
    static const uint8_t sh_then[] = {22, 3, 3, 0, 4, 2, 0, 0, 0, 20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 2, 7, 7};
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    static const uint8_t banner[] = "220 smtp.example ESMTP\r\n";
    static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";
    static const uint8_t first_appdata[] = {23, 3, 3, 0, 2, 7, 7};
    static const uint8_t cert_first[] = {22, 3, 3, 0, 4, 11, 0, 0, 0};
    static const uint8_t sh_then_text[] = {22, 3, 3, 0, 4, 2, 0, 0, 0, 'H', 'T', 'T', 'P'};
    for (int bytewise = 0; bytewise <= 1; bytewise++) {
        assert_int_equal(server_verdict(1, sh_then, sizeof(sh_then), bytewise), TP_OK);
        assert_int_equal(server_verdict(1, alert, sizeof(alert), bytewise), TP_OK);
        assert_int_equal(server_verdict(1, banner, sizeof(banner) - 1, bytewise), TP_ERR_TUNNEL_NOT_TLS);
        assert_int_equal(server_verdict(1, http, sizeof(http) - 1, bytewise), TP_ERR_TUNNEL_NOT_TLS);
        assert_int_equal(server_verdict(1, first_appdata, sizeof(first_appdata), bytewise), TP_ERR_TUNNEL_NOT_TLS);
        assert_int_equal(server_verdict(1, cert_first, sizeof(cert_first), bytewise), TP_ERR_TUNNEL_NOT_TLS);
        assert_int_equal(server_verdict(1, sh_then_text, sizeof(sh_then_text), bytewise), TP_ERR_TUNNEL_NOT_TLS);
        /* a server that speaks first (a banner, even a TLS-looking one) */
        assert_int_equal(server_verdict(0, sh_then, sizeof(sh_then), bytewise), TP_ERR_TUNNEL_NOT_TLS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_hello_must_name_the_host),
        cmocka_unit_test(client_hello_across_records_and_reads),
        cmocka_unit_test(anything_else_first_is_refused),
        cmocka_unit_test(client_hello_must_end_its_record),
        cmocka_unit_test(prover_waits_for_the_target_then_sends_records),
        cmocka_unit_test(target_must_answer_with_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
