/* Unit tests: AWS Nitro attestation documents (the public sample, damaged copies) and the
 * attester against a fake NSM transport that signs with a test root only tests trust. */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/fake_nitro.h"
#include "attest/nitro.h"
#include "tee/attester.h"

#define SAMPLE_TIME 1680004560

/* ---- the public sample ---- */

static uint8_t *read_vector(const char *name, size_t *len)
{
    const char *dir = getenv("TP_TESTVECTORS");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "tests/data/testvectors", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static const char *vector_path(const char *name)
{
    static char path[512];
    const char *dir = getenv("TP_TESTVECTORS");
    snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "tests/data/testvectors", name);
    return path;
}

static tp_err verify_at(const uint8_t *doc, size_t len, time_t at, const char *roots,
                        tp_evidence_facts *facts)
{
    tp_verify_opts opts = {.at = at, .roots_file = roots};
    tp_error err = {0};
    tp_evidence_facts scratch;
    tp_err rc = tp_platform_nitro.verify(doc, len, &opts, facts != NULL ? facts : &scratch, &err);
    if (rc != TP_OK)
        printf("  (%s: %s)\n", tp_err_name(rc), err.detail);
    else if (facts == NULL)
        tp_evidence_facts_free(&scratch);
    return rc;
}

static void sample_verifies_at_its_time_and_reports_debug(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = read_vector("nitro_att_doc_sample.bin", &len);
    tp_evidence_facts f;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, &f), TP_OK);
    assert_string_equal(f.platform, "nitro");
    assert_int_equal(f.measurement_len, 48);
    for (size_t i = 0; i < 48; i++)
        assert_int_equal(f.measurement[i], 0);
    assert_int_equal(f.debug, 1);
    assert_int_equal(f.report_data_len, 0); /* the sample's user_data is null */
    json_t *ts = json_object_get(f.details, "timestamp");
    assert_true(json_is_integer(ts));
    assert_int_equal(json_integer_value(ts) / 1000, SAMPLE_TIME);
    assert_non_null(json_object_get(json_object_get(f.details, "pcrs"), "0"));
    tp_evidence_facts_free(&f);
    free(doc);
}

static void sample_is_expired_four_hours_later(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = read_vector("nitro_att_doc_sample.bin", &len);
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME + 4 * 3600, NULL, NULL), TP_ERR_EVIDENCE_TIME);
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME - 24 * 3600, NULL, NULL), TP_ERR_EVIDENCE_TIME);
    free(doc);
}

static size_t find_bytes(const uint8_t *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(p + i, needle, n) == 0)
            return i;
    fail_msg("%s not found", needle);
    return 0;
}

static void flipped_bytes_are_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = read_vector("nitro_att_doc_sample.bin", &len);
    /* payload: a character of module_id */
    size_t at = find_bytes(doc, len, "i-0f6f8b2") + 3;
    doc[at] ^= 1;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE_SIG);
    doc[at] ^= 1;
    /* payload: a PCR byte */
    doc[0x110] ^= 0x80;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE_SIG);
    doc[0x110] ^= 0x80;
    /* protected header: alg -35 -> -36 */
    assert_int_equal(doc[5], 0x22);
    doc[5] ^= 1;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE);
    doc[5] ^= 1;
    /* signature: r and s */
    doc[len - 1] ^= 1;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE_SIG);
    doc[len - 1] ^= 1;
    doc[len - 60] ^= 0x40;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE_SIG);
    doc[len - 60] ^= 0x40;
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, NULL, NULL), TP_OK);
    free(doc);
}

static void wrong_root_is_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = read_vector("nitro_att_doc_sample.bin", &len);
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, vector_path("intel_sgx_root.pem"), NULL),
                     TP_ERR_EVIDENCE_CHAIN);
    assert_int_equal(verify_at(doc, len, SAMPLE_TIME, vector_path("aws_nitro_root_g1.pem"), NULL), TP_OK);
    free(doc);
}

static void truncated_and_padded_are_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = read_vector("nitro_att_doc_sample.bin", &len);
    size_t cuts[] = {0, 1, 5, 100, len / 2, len - 97, len - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
        assert_int_equal(verify_at(doc, cuts[i], SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE);
    doc[len] = 0; /* trailing byte */
    assert_int_equal(verify_at(doc, len + 1, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE);
    /* tagged COSE_Sign1 (tag 18) is accepted */
    uint8_t *tagged = malloc(len + 1);
    tagged[0] = 0xd2;
    memcpy(tagged + 1, doc, len);
    assert_int_equal(verify_at(tagged, len + 1, SAMPLE_TIME, NULL, NULL), TP_OK);
    tagged[0] = 0xd3; /* any other tag is not */
    assert_int_equal(verify_at(tagged, len + 1, SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE);
    free(tagged);
    /* an array head announcing more items than there are bytes */
    const uint8_t huge[] = {0x9b, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(verify_at(huge, sizeof(huge), SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE);
    const uint8_t indefinite[] = {0x9f, 0x40, 0xa0, 0x40, 0x40, 0xff};
    assert_int_equal(verify_at(indefinite, sizeof(indefinite), SAMPLE_TIME, NULL, NULL), TP_ERR_EVIDENCE);
    free(doc);
}

/* ---- attester against a fake NSM ---- */

static void fake_nsm_round_trip(void **state)
{
    (void)state;
    tp_fake_nitro f;
    assert_true(tp_fake_nitro_init(&f));
    char root[TP_FAKE_NITRO_PATH];
    assert_true(tp_fake_nitro_write_root(&f, root));

    tp_nsm_transport t = {tp_fake_nsm_call, &f};
    void *att = NULL;
    tp_error err = {0};
    assert_int_equal(tp_nitro_attester_new_transport(&t, &att, &err), TP_OK);
    uint8_t rd[64];
    for (size_t i = 0; i < 64; i++)
        rd[i] = (uint8_t)(i * 7 + 1);
    uint8_t *ev = NULL;
    size_t len = 0;
    assert_int_equal(tp_attester_nitro.get_evidence(att, rd, &ev, &len, &err), TP_OK);
    assert_int_equal(f.calls, 1);

    tp_evidence_facts facts;
    assert_int_equal(verify_at(ev, len, 0, root, &facts), TP_OK);
    assert_int_equal(facts.report_data_len, 64);
    assert_memory_equal(facts.report_data, rd, 64);
    assert_int_equal(facts.measurement_len, 48);
    assert_memory_equal(facts.measurement, f.pcr0, 48);
    assert_int_equal(facts.debug, 0);
    tp_evidence_facts_free(&facts);
    /* the test root is not the AWS root */
    assert_int_equal(verify_at(ev, len, 0, NULL, NULL), TP_ERR_EVIDENCE_CHAIN);

    free(ev);
    tp_attester_nitro.attester_free(att);
    unlink(root);
    tp_fake_nitro_free(&f);
}

static void fake_nsm_other_user_data_is_refused(void **state)
{
    (void)state;
    tp_fake_nitro f;
    assert_true(tp_fake_nitro_init(&f));
    f.swap_user_data = 1;
    tp_nsm_transport t = {tp_fake_nsm_call, &f};
    void *att = NULL;
    tp_error err = {0};
    assert_int_equal(tp_nitro_attester_new_transport(&t, &att, &err), TP_OK);
    uint8_t rd[64] = {1, 2, 3};
    uint8_t *ev = NULL;
    size_t len = 0;
    assert_int_equal(tp_attester_nitro.get_evidence(att, rd, &ev, &len, &err), TP_ERR_BINDING);
    assert_null(ev);
    tp_attester_nitro.attester_free(att);
    tp_fake_nitro_free(&f);
}

static void fake_nsm_error_is_reported(void **state)
{
    (void)state;
    tp_fake_nitro f;
    assert_true(tp_fake_nitro_init(&f));
    f.answer_error = 1;
    tp_nsm_transport t = {tp_fake_nsm_call, &f};
    void *att = NULL;
    tp_error err = {0};
    assert_int_equal(tp_nitro_attester_new_transport(&t, &att, &err), TP_OK);
    uint8_t rd[64] = {0};
    uint8_t *ev = NULL;
    size_t len = 0;
    assert_int_equal(tp_attester_nitro.get_evidence(att, rd, &ev, &len, &err), TP_ERR_PLATFORM);
    assert_non_null(strstr(err.detail, "InvalidArgument"));
    tp_attester_nitro.attester_free(att);
    tp_fake_nitro_free(&f);
}

static void nitro_detect_follows_the_device_path(void **state)
{
    (void)state;
    char dev[] = "/tmp/tp-nsm-XXXXXX";
    int fd = mkstemp(dev);
    assert_true(fd >= 0);
    close(fd);
    tp_attester_config cfg = {.nsm_dev = dev};
    assert_true(tp_attester_nitro.detect(&cfg));
    unlink(dev);
    assert_false(tp_attester_nitro.detect(&cfg));
    /* opening a device that is not there is a platform error, not a fallback */
    void *att = NULL;
    tp_error err = {0};
    assert_int_equal(tp_attester_nitro.attester_new(&cfg, &att, &err), TP_ERR_PLATFORM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_verifies_at_its_time_and_reports_debug),
        cmocka_unit_test(sample_is_expired_four_hours_later),
        cmocka_unit_test(flipped_bytes_are_rejected),
        cmocka_unit_test(wrong_root_is_rejected),
        cmocka_unit_test(truncated_and_padded_are_rejected),
        cmocka_unit_test(fake_nsm_round_trip),
        cmocka_unit_test(fake_nsm_other_user_data_is_refused),
        cmocka_unit_test(fake_nsm_error_is_reported),
        cmocka_unit_test(nitro_detect_follows_the_device_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
