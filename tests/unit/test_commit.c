/* Unit tests: salted commitments (derivation vectors computed independently with Python's
 * hmac/hashlib), openings, and disclosures: a good one opens the claims' commitments, a wrong
 * value, salt or label, an item not committed, a repeated item fail with `disclosure`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "proof/verify_json.h"
#include "base/codec.h"
#include "proof/commit.h"
#include "proof/openings.h"
#include "teeproof/prover.h"

static const char k_request[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
static const char k_response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

static void seed_0_31(uint8_t seed[TP_COMMIT_SEED_LEN])
{
    for (int i = 0; i < TP_COMMIT_SEED_LEN; i++)
        seed[i] = (uint8_t)i;
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    tp_hex_encode(p, n, out);
}

static void derivation_matches_the_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *label, *value, *salt, *commitment;
    } k_vectors[] = {
        {"var:token", "123456", "ea11b642c50873cfde8900eae6d77378d870942b31bab895dfe8000b1bf19499",
         "ab2fc527daa0564d692b0d259a58dd0fd02be70d545d1dd0f30fde1d085b2149"},
        {"request", k_request, "0065a05e866e71401c759336273ccf2b5280599a1d7d48552935fb82907baa4b",
         "f2982900e1f47108800392ad55db4611624fe2e9fd47e7f335a9d06a7916e805"},
        {"response", "", "1e07a49b6ca69a139abcce13d5d2664d22061227bb82fbd7f2241a807b37953a",
         "8b1081818bcc68d443c0b79a848472ac96a641a2a537bd7f2a34da30a090a522"},
    };
    uint8_t seed[TP_COMMIT_SEED_LEN], salt[TP_COMMIT_SALT_LEN], c[TP_COMMIT_LEN];
    char hex[65];
    seed_0_31(seed);
    for (size_t i = 0; i < sizeof(k_vectors) / sizeof(k_vectors[0]); i++) {
        assert_int_equal(tp_commit_salt(seed, sizeof(seed), k_vectors[i].label, salt, NULL), TP_OK);
        hex_of(salt, sizeof(salt), hex);
        assert_string_equal(hex, k_vectors[i].salt);
        assert_int_equal(tp_commit(k_vectors[i].label, salt, k_vectors[i].value, strlen(k_vectors[i].value), c, NULL), TP_OK);
        hex_of(c, sizeof(c), hex);
        assert_string_equal(hex, k_vectors[i].commitment);
    }
    tp_error err;
    assert_int_equal(tp_commit_salt(seed, 16, "request", salt, &err), TP_ERR_ARG); /* short seed */
    assert_int_equal(tp_commit_salt(seed, sizeof(seed), "var:", salt, &err), TP_ERR_ARG);
    assert_int_equal(tp_commit_salt(seed, sizeof(seed), "headers", salt, &err), TP_ERR_ARG);
    assert_int_equal(tp_commit("nope", salt, "x", 1, c, &err), TP_ERR_ARG);
}

/* Openings for the fixed seed, and claims v2 holding their commitments. */
typedef struct fixture {
    char *openings;
    size_t openings_len;
    json_t *claims;
} fixture;

static json_t *commitment(const char *label, const char *value)
{
    uint8_t seed[TP_COMMIT_SEED_LEN];
    char hex[65];
    seed_0_31(seed);
    assert_int_equal(tp_commit_seeded_hex(seed, sizeof(seed), label, value, strlen(value), hex, NULL), TP_OK);
    return json_string(hex);
}

static int setup(void **state)
{
    static fixture f;
    uint8_t seed[TP_COMMIT_SEED_LEN];
    seed_0_31(seed);
    tp_var vars[2] = {{"token", "123456"}, {"pin", "0042"}};
    tp_vars vs = {vars, 2};
    tp_openings_input in = {.seed = seed, .seed_len = sizeof(seed),
                            .request = (const uint8_t *)k_request, .request_len = strlen(k_request),
                            .response = (const uint8_t *)k_response, .response_len = strlen(k_response),
                            .vars = &vs};
    assert_int_equal(tp_openings_encode(&in, &f.openings, &f.openings_len, NULL), TP_OK);
    f.claims = json_pack("{s:i, s:{s:s, s:o}, s:{s:i, s:o}, s:{s:o, s:o}}", "version", TP_CLAIMS_VERSION,
                         "request", "method", "GET", "commitment", commitment("request", k_request),
                         "response", "status", 200, "commitment", commitment("response", k_response),
                         "vars", "token", commitment("var:token", "123456"), "pin", commitment("var:pin", "0042"));
    assert_non_null(f.claims);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tp_openings_free(f->openings);
    json_decref(f->claims);
    return 0;
}

static char *disclose(const fixture *f, const char *var, int request, int response)
{
    const char *names[1] = {var};
    tp_disclose_opts o = {.vars = names, .n_vars = var ? 1 : 0, .request = request, .response = response};
    char *out = NULL;
    assert_int_equal(tp_disclosure_make(f->openings, f->openings_len, &o, &out, NULL, NULL), TP_OK);
    return out;
}

static tp_err verify_doc(const fixture *f, json_t *doc, json_t **view, tp_error *err)
{
    char *s = json_dumps(doc, 0);
    tp_err rc = tp_disclosure_verify_json(f->claims, s, strlen(s), view, err);
    free(s);
    return rc;
}

static void disclosure_of_one_var_opens_it_only(void **state)
{
    fixture *f = *state;
    char *d = disclose(f, "token", 0, 0);
    assert_null(strstr(d, "0042"));           /* the other variable stays hidden */
    assert_null(strstr(d, "commit_seed"));
    json_t *view = NULL;
    assert_int_equal(tp_disclosure_verify_json(f->claims, d, strlen(d), &view, NULL), TP_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(view, "vars"), "token")), "123456");
    assert_null(json_object_get(view, "request"));
    json_decref(view);
    tp_openings_free(d);

    d = disclose(f, NULL, 1, 1);
    assert_int_equal(tp_disclosure_verify_json(f->claims, d, strlen(d), &view, NULL), TP_OK);
    assert_string_equal(json_string_value(json_object_get(json_object_get(view, "request"), "text")), k_request);
    assert_string_equal(json_string_value(json_object_get(json_object_get(view, "response"), "text")), k_response);
    json_decref(view);
    tp_openings_free(d);
}

/* Each edit of a good disclosure of `token` must fail with `disclosure`. */
static void tampered_disclosures_fail(void **state)
{
    fixture *f = *state;
    char *d = disclose(f, "token", 0, 0);
    tp_error err;
    for (int edit = 0; edit < 8; edit++) {
        json_t *doc = json_loads(d, 0, NULL);
        json_t *items = json_object_get(doc, "items"), *item = json_array_get(items, 0);
        switch (edit) {
        case 0: json_object_set_new(item, "value", json_string("123457")); break;       /* wrong value */
        case 1: json_object_set_new(item, "salt", json_string("00000000000000000000000000000000"
                                                              "00000000000000000000000000000000")); break;
        case 2: json_object_set_new(item, "label", json_string("var:pin")); break;      /* wrong label */
        case 3: json_object_set_new(item, "label", json_string("var:nosuch")); break;   /* not committed */
        case 4: json_array_append(items, item); break;                                 /* twice */
        case 5: json_array_clear(items); break;                                        /* empty */
        case 6: json_object_set_new(item, "extra", json_true()); break;                /* unknown member */
        case 7: json_object_set_new(f->claims, "version", json_integer(1)); break;     /* no commitments */
        }
        json_t *view = NULL;
        assert_int_equal(verify_doc(f, doc, &view, &err), TP_ERR_DISCLOSURE);
        assert_null(view);
        assert_null(strstr(err.detail, "12345")); /* no value in messages */
        json_decref(doc);
    }
    json_object_set_new(f->claims, "version", json_integer(TP_CLAIMS_VERSION));
    assert_int_equal(tp_disclosure_verify_json(f->claims, "{", 1, NULL, &err), TP_ERR_DISCLOSURE);
    tp_openings_free(d);
}

static void openings_refuse_bad_choices(void **state)
{
    fixture *f = *state;
    const char *names[1] = {"nosuch"};
    tp_disclose_opts none = {0}, unknown = {.vars = names, .n_vars = 1};
    char *out = NULL;
    tp_error err;
    assert_int_equal(tp_disclosure_make(f->openings, f->openings_len, &none, &out, NULL, &err), TP_ERR_ARG);
    assert_int_equal(tp_disclosure_make(f->openings, f->openings_len, &unknown, &out, NULL, &err), TP_ERR_VAR);
    assert_int_equal(tp_disclosure_make("{}", 2, &none, &out, NULL, &err), TP_ERR_ARG);
    assert_null(out);
    /* every item of the openings opens the claims (the prover's own check) */
    size_t len = 0;
    assert_int_equal(tp_disclosure_make_all(f->openings, f->openings_len, &out, &len, NULL), TP_OK);
    assert_int_equal(tp_disclosure_verify_json(f->claims, out, len, NULL, NULL), TP_OK);
    tp_openings_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(derivation_matches_the_vectors),
        cmocka_unit_test(disclosure_of_one_var_opens_it_only),
        cmocka_unit_test(tampered_disclosures_fail),
        cmocka_unit_test(openings_refuse_bad_choices),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
