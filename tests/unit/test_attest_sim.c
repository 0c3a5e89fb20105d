/* Unit tests: the sim platform, the registry, facts JSON, key binding, --tee auto. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest_json.h"
#include "attest/platform.h"
#include "base/codec.h"
#include "teeproof/attest.h"

static void make_sim_evidence(const uint8_t rd[64], uint8_t **ev, size_t *len)
{
    tp_attester *a = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    assert_string_equal(tp_attester_platform(a), "sim");
    assert_int_equal(tp_attester_get_evidence(a, rd, ev, len, &err), TP_OK);
    tp_attester_free(a);
}

static void sim_round_trip_reports_facts(void **state)
{
    (void)state;
    uint8_t rd[64], *ev;
    size_t len;
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)i;
    make_sim_evidence(rd, &ev, &len);
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(tp_evidence_verify("sim", ev, len, NULL, &f, &err), TP_OK);
    assert_string_equal(f.platform, "sim");
    assert_int_equal(f.report_data_len, 64);
    assert_memory_equal(f.report_data, rd, 64);
    uint8_t m[48];
    tp_sha384("teeproof-sim", 12, m);
    assert_int_equal(f.measurement_len, 48);
    assert_memory_equal(f.measurement, m, 48);
    assert_int_equal(f.debug, 1);
    json_t *j = tp_evidence_facts_to_json(&f);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "platform")), "sim");
    assert_true(json_is_true(json_object_get(j, "debug")));
    char hex[129];
    tp_hex_encode(rd, 64, hex);
    assert_string_equal(json_string_value(json_object_get(j, "report_data")), hex);
    assert_true(json_is_true(json_object_get(j, "insecure")));
    json_decref(j);
    tp_evidence_facts_free(&f);
    free(ev);
}

/* Replaces the first occurrence of the hex of `what` in the evidence text. */
static void tamper(uint8_t *ev, size_t len, const char *needle, char with)
{
    char *s = strstr((char *)ev, needle);
    assert_non_null(s);
    assert_true((size_t)(s - (char *)ev) + strlen(needle) < len + 1);
    size_t at = strlen(needle) + 1;
    s[at] = s[at] == with ? (char)(with == '0' ? '1' : '0') : with;
}

static void sim_tampering_is_rejected(void **state)
{
    (void)state;
    static const char *const k_fields[] = {"\"report_data\":", "\"signature\":", "\"public_key\":",
                                           "\"measurement\":"};
    uint8_t rd[64] = {1, 2, 3};
    for (size_t i = 0; i < 4; i++) {
        uint8_t *ev;
        size_t len;
        make_sim_evidence(rd, &ev, &len);
        tamper(ev, len, k_fields[i], 'f');
        tp_evidence_facts f;
        tp_error err;
        tp_err rc = tp_evidence_verify("sim", ev, len, NULL, &f, &err);
        /* measurement tampering is also caught by the signature */
        assert_int_equal(rc, TP_ERR_EVIDENCE_SIG);
        free(ev);
    }
}

static void sim_malformed_is_rejected(void **state)
{
    (void)state;
    static const char *const k_bad[] = {
        "", "[]", "{}", "not json",
        "{\"format\":\"teeproof-sim\",\"version\":1}",
    };
    for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
        tp_evidence_facts f;
        tp_error err;
        tp_err rc = tp_evidence_verify("sim", (const uint8_t *)k_bad[i], strlen(k_bad[i]), NULL,
                                       &f, &err);
        assert_int_equal(rc, TP_ERR_EVIDENCE);
    }
    /* an extra member */
    uint8_t rd[64] = {0}, *ev;
    size_t len;
    make_sim_evidence(rd, &ev, &len);
    char *text = malloc(len + 16);
    assert_non_null(text);
    memcpy(text, "{\"x\":1,", 7);
    memcpy(text + 7, ev + 1, len - 1);
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(tp_evidence_verify("sim", (uint8_t *)text, len + 6, NULL, &f, &err),
                     TP_ERR_EVIDENCE);
    free(text);
    free(ev);
}

static void unknown_platform_and_empty_evidence(void **state)
{
    (void)state;
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(tp_evidence_verify("sgx", (const uint8_t *)"x", 1, NULL, &f, &err),
                     TP_ERR_PLATFORM);
    assert_int_equal(tp_evidence_verify("tdx", NULL, 0, NULL, &f, &err), TP_ERR_EVIDENCE);
    static const char *const k_names[] = {"sim", "tdx", "sev-snp", "nitro", "gcp-cs"};
    for (size_t i = 0; i < 5; i++) {
        const tp_platform *p = tp_platform_find(k_names[i]);
        assert_non_null(p);
        assert_string_equal(p->name, k_names[i]);
    }
    assert_null(tp_platform_find("auto"));
    tp_attester *a = NULL;
    assert_int_equal(tp_attester_open("sgx", NULL, &a, &err), TP_ERR_PLATFORM);
    assert_null(a);
}

static void auto_without_hardware_never_falls_back_to_sim(void **state)
{
    (void)state;
    tp_attester_config cfg = {
        .tsm_root = "/nonexistent/tsm/report", .sev_guest_dev = "/nonexistent/sev-guest",
        .nsm_dev = "/nonexistent/nsm", .teeserver_socket = "/nonexistent/teeserver.sock",
    };
    tp_attester *a = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("auto", &cfg, &a, &err), TP_ERR_PLATFORM);
    assert_null(a);
    assert_string_equal(err.detail, "no TEE hardware found; use --tee sim for development");
}

static void key_binding_is_sha512_of_label_window_spki_and_address(void **state)
{
    (void)state;
    const uint8_t spki[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
    uint8_t eth[TP_KEY_BINDING_ETH_LEN];
    for (size_t i = 0; i < sizeof(eth); i++)
        eth[i] = (uint8_t)(0xa0 + i);
    const tp_key_window w = {0x0102030405060708LL, 0x1112131415161718LL};
    uint8_t got[64], want[64], msg[16 + 16 + 2 + sizeof(spki) + sizeof(eth)];
    memcpy(msg, "teeproof-key-v3\0" /* label, 0x00 */, 16);
    const uint8_t windows[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    memcpy(msg + 16, windows, 16);
    msg[32] = 0;
    msg[33] = sizeof(spki); /* u16be length of the SPKI */
    memcpy(msg + 34, spki, sizeof(spki));
    memcpy(msg + 34 + sizeof(spki), eth, sizeof(eth));
    tp_sha512(msg, sizeof(msg), want);
    tp_attest_key_binding(spki, sizeof(spki), eth, &w, got);
    assert_memory_equal(got, want, 64);
    /* Another window, same keys: another binding. */
    const tp_key_window later = {w.not_before, w.not_after + 1};
    tp_attest_key_binding(spki, sizeof(spki), eth, &later, got);
    assert_memory_not_equal(got, want, 64);
    /* Another Ethereum address, same Ed25519 key and window: another binding. */
    eth[19] ^= 1;
    tp_attest_key_binding(spki, sizeof(spki), eth, &w, got);
    assert_memory_not_equal(got, want, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_round_trip_reports_facts),
        cmocka_unit_test(sim_tampering_is_rejected),
        cmocka_unit_test(sim_malformed_is_rejected),
        cmocka_unit_test(unknown_platform_and_empty_evidence),
        cmocka_unit_test(auto_without_hardware_never_falls_back_to_sim),
        cmocka_unit_test(key_binding_is_sha512_of_label_window_spki_and_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
