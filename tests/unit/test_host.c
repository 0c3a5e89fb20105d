/* Host name syntax (src/base/host.c): what the manifest URL and the tunnel request accept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/host.h"

static int ok(const char *s) { return tp_host_valid(s, strlen(s)); }

static void test_names(void **state)
{
    (void)state;
    assert_true(ok("api.example.com"));
    assert_true(ok("localhost"));
    assert_true(ok("127.0.0.1"));
    assert_true(ok("xn--bcher-kva.example"));
    assert_true(ok("A-B.example"));
    assert_false(ok(""));
    assert_false(ok("."));
    assert_false(ok(".example"));
    assert_false(ok("example."));
    assert_false(ok("a..b"));
    assert_false(ok("evil\nteeproof-notary: signed proof"));
    assert_false(ok("a b"));
    assert_false(ok("a_b.example"));
    assert_false(ok("host:443"));
    assert_false(ok("a\x01"));
}

static void test_lengths(void **state)
{
    (void)state;
    char label[TP_HOST_LABEL_MAX + 2];
    memset(label, 'a', sizeof(label));
    label[TP_HOST_LABEL_MAX] = '\0';
    assert_true(ok(label));
    label[TP_HOST_LABEL_MAX] = 'a';
    label[TP_HOST_LABEL_MAX + 1] = '\0';
    assert_false(ok(label));
    char name[TP_HOST_NAME_MAX + 2];
    for (size_t i = 0; i < sizeof(name) - 1; i++)
        name[i] = (i % 4 == 3) ? '.' : 'a';
    name[TP_HOST_NAME_MAX] = '\0';
    assert_true(tp_host_name_valid(name, TP_HOST_NAME_MAX) == (name[TP_HOST_NAME_MAX - 1] != '.'));
    assert_false(tp_host_name_valid(name, TP_HOST_NAME_MAX + 1));
}

static void test_ipv6(void **state)
{
    (void)state;
    assert_true(ok("::1"));
    assert_true(ok("2001:db8::1"));
    assert_true(ok("::ffff:192.0.2.1"));
    assert_false(ok(":"));
    assert_false(tp_host_ipv6_valid("[::1]", 5));
    assert_false(tp_host_ipv6_valid("fe80::1%eth0", 12));
    assert_false(tp_host_ipv6_valid("1234", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
