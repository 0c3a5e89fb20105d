/* Unit tests: prover <-> notary framing, error frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "proto/wire.h"

static void frames_decode_across_split_and_merged_reads(void **state)
{
    (void)state;
    tp_buf stream = TP_BUF_INIT;
    assert_true(tp_frame_write(&stream, TP_MSG_DATA, "hello", 5));
    assert_true(tp_frame_write(&stream, TP_MSG_ATTEST_REQ, "{}", 2));
    assert_true(tp_frame_write(&stream, TP_MSG_DATA, "", 0));
    tp_frame_decoder d = {0};
    tp_frame f;
    tp_error err;
    int seen = 0;
    for (size_t i = 0; i < stream.len; i++) { /* one byte at a time */
        assert_true(tp_frame_decoder_feed(&d, stream.data + i, 1));
        int got;
        while ((got = tp_frame_decoder_next(&d, &f, &err)) == 1) {
            if (seen == 0) {
                assert_int_equal(f.type, TP_MSG_DATA);
                assert_int_equal(f.len, 5);
                assert_memory_equal(f.payload, "hello", 5);
            } else if (seen == 1) {
                assert_int_equal(f.type, TP_MSG_ATTEST_REQ);
            } else {
                assert_int_equal(f.len, 0);
            }
            seen++;
        }
        assert_int_equal(got, 0);
    }
    assert_int_equal(seen, 3);
    tp_frame_decoder_free(&d);
    tp_buf_free(&stream);
}

static void decoder_rejects_unknown_type_and_oversized_frames(void **state)
{
    (void)state;
    tp_frame_decoder d = {0};
    tp_frame f;
    tp_error err;
    const uint8_t unknown[] = {0x42, 0, 0, 0, 0};
    tp_frame_decoder_feed(&d, unknown, sizeof(unknown));
    assert_int_equal(tp_frame_decoder_next(&d, &f, &err), -1);
    assert_int_equal(err.code, TP_ERR_PROTOCOL);
    tp_frame_decoder_free(&d);
    const uint8_t huge[] = {TP_MSG_DATA, 0x7f, 0xff, 0xff, 0xff};
    tp_frame_decoder_feed(&d, huge, sizeof(huge));
    assert_int_equal(tp_frame_decoder_next(&d, &f, &err), -1);
    assert_int_equal(err.code, TP_ERR_LIMIT);
    tp_frame_decoder_free(&d);
}

static void error_frames_keep_the_notary_error_code(void **state)
{
    (void)state;
    tp_error sent, got;
    tp_error_set(&sent, TP_ERR_TLS_KEY_MISMATCH, "key does not match");
    tp_buf b = TP_BUF_INIT;
    assert_true(tp_error_frame_write(&b, &sent));
    tp_frame_decoder d = {0};
    tp_frame f;
    tp_frame_decoder_feed(&d, b.data, b.len);
    assert_int_equal(tp_frame_decoder_next(&d, &f, &got), 1);
    assert_int_equal(f.type, TP_MSG_ERROR);
    tp_error_frame_parse(f.payload, f.len, &got);
    assert_int_equal(got.code, TP_ERR_TLS_KEY_MISMATCH);
    assert_non_null(strstr(got.detail, "key does not match"));
    tp_error_frame_parse((const uint8_t *)"nonsense", 8, &got);
    assert_int_equal(got.code, TP_ERR_PROTOCOL);
    tp_frame_decoder_free(&d);
    tp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_decode_across_split_and_merged_reads),
        cmocka_unit_test(decoder_rejects_unknown_type_and_oversized_frames),
        cmocka_unit_test(error_frames_keep_the_notary_error_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
