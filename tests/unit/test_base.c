/* Unit tests: bounded reader/writer, codecs, error values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "base/algs.h"
#include "base/bytes.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "teeproof/errors.h"
#include "teeproof/memory.h"

#include <jansson.h>
#include <stdlib.h>

static void reader_reads_big_endian_and_stops_at_end(void **state)
{
    (void)state;
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
    tp_reader r;
    tp_reader_init(&r, data, sizeof(data));
    uint16_t v16;
    uint32_t v24, v32;
    assert_true(tp_read_u16(&r, &v16));
    assert_int_equal(v16, 0x0102);
    assert_true(tp_read_u24(&r, &v24));
    assert_int_equal(v24, 0x030405);
    assert_false(tp_read_u32(&r, &v32)); /* only one byte left */
    assert_int_equal(tp_reader_left(&r), 1);
}

static void prefixed_read_rejects_overlong_length_and_keeps_position(void **state)
{
    (void)state;
    const uint8_t data[] = {0x00, 0x05, 0xaa, 0xbb};
    tp_reader r, sub;
    tp_reader_init(&r, data, sizeof(data));
    assert_false(tp_read_prefixed_u16(&r, &sub));
    assert_int_equal(tp_reader_left(&r), 4);
    const uint8_t ok[] = {0x02, 0xaa, 0xbb, 0xcc};
    tp_reader_init(&r, ok, sizeof(ok));
    assert_true(tp_read_prefixed_u8(&r, &sub));
    assert_int_equal(tp_reader_left(&sub), 2);
    assert_int_equal(tp_reader_left(&r), 1);
}

static void little_endian_reads(void **state)
{
    (void)state;
    const uint8_t data[] = {0x78, 0x56, 0x34, 0x12, 0x01, 0, 0, 0, 0, 0, 0, 0x80};
    tp_reader r;
    tp_reader_init(&r, data, sizeof(data));
    uint32_t v;
    uint64_t w;
    assert_true(tp_read_u32le(&r, &v));
    assert_int_equal(v, 0x12345678);
    assert_true(tp_read_u64le(&r, &w));
    assert_true(w == 0x8000000000000001ull);
}

static void writer_grows_and_terminates(void **state)
{
    (void)state;
    tp_buf b = TP_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        assert_true(tp_buf_put_u16(&b, (uint16_t)i));
    assert_int_equal(b.len, 2000);
    assert_true(tp_buf_put_u24(&b, 0xabcdef));
    assert_false(tp_buf_put_u24(&b, 0x1000000));
    assert_true(tp_buf_terminate(&b));
    assert_int_equal(b.data[b.len], 0);
    tp_buf_free(&b);
    assert_null(b.data);
}

static void hex_round_trip_and_rejects_bad_digits(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0xff, 0x10, 0xab};
    char hex[9];
    tp_hex_encode(in, 4, hex);
    assert_string_equal(hex, "00ff10ab");
    tp_buf out = TP_BUF_INIT;
    assert_true(tp_hex_decode("00FF10ab", 8, &out));
    assert_memory_equal(out.data, in, 4);
    tp_buf_reset(&out);
    assert_false(tp_hex_decode("0g", 2, &out));
    assert_false(tp_hex_decode("abc", 3, &out));
    tp_buf_free(&out);
}

static void base64_matches_rfc4648_vectors(void **state)
{
    (void)state;
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        tp_buf b = TP_BUF_INIT, d = TP_BUF_INIT;
        assert_true(tp_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), 0, &b));
        assert_int_equal(b.len, strlen(enc[i]));
        assert_memory_equal(b.data, enc[i], b.len);
        assert_true(tp_base64_decode(enc[i], strlen(enc[i]), 0, &d));
        assert_int_equal(d.len, strlen(plain[i]));
        if (d.len)
            assert_memory_equal(d.data, plain[i], d.len);
        tp_buf_free(&b);
        tp_buf_free(&d);
    }
    tp_buf d = TP_BUF_INIT;
    assert_false(tp_base64_decode("Zm9v!", 5, 0, &d));
    assert_false(tp_base64_decode("Zh==", 4, 0, &d)); /* non-zero leftover bits */
    assert_true(tp_base64_decode("-_8", 3, 1, &d));   /* URL alphabet */
    tp_buf_free(&d);
}

static void error_values_carry_code_and_detail(void **state)
{
    (void)state;
    tp_error e;
    tp_error_clear(&e);
    assert_string_equal(tp_error_message(&e), "success");
    assert_int_equal(tp_error_set(&e, TP_ERR_PREDICATE, "extractor %s", "balance"), TP_ERR_PREDICATE);
    assert_string_equal(tp_error_message(&e), "extractor balance");
    assert_int_equal(tp_error_prefix(&e, TP_ERR_PREDICATE, "manifest"), TP_ERR_PREDICATE);
    assert_string_equal(tp_error_message(&e), "manifest: extractor balance");
    /* Without an error struct the code still comes back (it used to become "arg"). */
    assert_int_equal(tp_error_prefix(NULL, TP_ERR_TLS_DECRYPT, "ctx"), TP_ERR_TLS_DECRYPT);
    assert_string_equal(tp_err_name(TP_ERR_TLS_KEY_MISMATCH), "tls-key-mismatch");
    for (int c = 0; c < TP_ERR__COUNT; c++)
        assert_string_not_equal(tp_err_name((tp_err)c), "unknown");
}

/* Buffers are wiped by default; public ones keep their bytes (no cost) and say so. */
static void buffers_wipe_by_default(void **state)
{
    (void)state;
    tp_buf b = TP_BUF_INIT, pub = TP_BUF_PUBLIC_INIT;
    assert_int_equal(b.nowipe, 0);
    assert_true(tp_buf_append_str(&b, "secret"));
    uint8_t *data = b.data;
    tp_buf_reset(&b); /* reset keeps the allocation: its old bytes must be gone */
    assert_ptr_equal(b.data, data);
    assert_memory_not_equal(data, "secret", 6);
    tp_buf_free(&b);
    assert_true(tp_buf_append_str(&pub, "public"));
    tp_buf_reset(&pub);
    assert_memory_equal(pub.data, "public", 6);
    tp_buf_free(&pub);
    tp_buf_init_public(&pub);
    assert_int_equal(pub.nowipe, 1);
}

static void jansson_frees_through_the_wiping_allocator(void **state)
{
    (void)state;
    json_malloc_t m;
    json_free_t f;
    tp_secure_json_memory();
    json_get_alloc_funcs(&m, &f);
    assert_ptr_equal(m, malloc);
    assert_ptr_not_equal(f, free);
    json_t *s = json_string("a secret value");
    json_decref(s); /* through the wiping free, without a crash under ASan */
}

static void json_wipe_zeroes_every_string_value(void **state)
{
    (void)state;
    json_t *v = json_pack("{s:s, s:{s:s}, s:[s, i]}", "key", "secret-1", "vars", "token", "secret-2",
                          "list", "secret-3", 7);
    const char *p1 = json_string_value(json_object_get(v, "key"));
    const char *p2 = json_string_value(json_object_get(json_object_get(v, "vars"), "token"));
    const char *p3 = json_string_value(json_array_get(json_object_get(v, "list"), 0));
    tp_json_wipe_strings(v);
    for (size_t i = 0; i < 8; i++)
        assert_true(p1[i] == 0 && p2[i] == 0 && p3[i] == 0);
    assert_non_null(json_object_get(json_object_get(v, "vars"), "token")); /* keys are kept */
    tp_json_wipe_decref(v);
    tp_json_wipe_decref(NULL);
}

/* tp_hmac against RFC 4231 (test cases 1 and 6: a key longer than the block is hashed
 * first), SHA-256 and SHA-384, and an empty key and message. */
static void hmac_rfc4231(void **st)
{
    (void)st;
    uint8_t key1[20], key6[131], out[48];
    char hex[97];
    memset(key1, 0x0b, sizeof(key1));
    memset(key6, 0xaa, sizeof(key6));
    static const char m1[] = "Hi There", m6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    assert_true(tp_hmac(tp_md_sha256(), key1, sizeof(key1), (const uint8_t *)m1, strlen(m1), out));
    tp_hex_encode(out, 32, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    assert_true(tp_hmac(tp_md_sha256(), key6, sizeof(key6), (const uint8_t *)m6, strlen(m6), out));
    tp_hex_encode(out, 32, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    assert_true(tp_hmac(tp_md_sha384(), key6, sizeof(key6), (const uint8_t *)m6, strlen(m6), out));
    tp_hex_encode(out, 48, hex);
    assert_string_equal(hex, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
                             "0c2ef6ab4030fe8296248df163f44952");
    assert_true(tp_hmac(tp_md_sha256(), NULL, 0, NULL, 0, out));
    tp_hex_encode(out, 32, hex);
    assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_reads_big_endian_and_stops_at_end),
        cmocka_unit_test(prefixed_read_rejects_overlong_length_and_keeps_position),
        cmocka_unit_test(little_endian_reads),
        cmocka_unit_test(writer_grows_and_terminates),
        cmocka_unit_test(hex_round_trip_and_rejects_bad_digits),
        cmocka_unit_test(base64_matches_rfc4648_vectors),
        cmocka_unit_test(error_values_carry_code_and_detail),
        cmocka_unit_test(buffers_wipe_by_default),
        cmocka_unit_test(jansson_frees_through_the_wiping_allocator),
        cmocka_unit_test(json_wipe_zeroes_every_string_value),
        cmocka_unit_test(hmac_rfc4231),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
