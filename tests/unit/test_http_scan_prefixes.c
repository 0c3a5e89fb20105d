/* Unit tests: tp_http_response_scan (is a response read from a live stream whole yet?)
 * says, at every prefix of a message, exactly what the full parser says (incomplete or
 * not), for every framing, malformed chunks, chunk lines at the line limit and chunk data
 * past the body cap included, fed byte by byte and in larger steps (one scan state for all
 * the prefixes, as a reader uses it); and its head fields size a buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static int parser_says_complete(const char *method, const uint8_t *p, size_t n)
{
    tp_http_message m;
    tp_err rc = tp_http_parse_response_for(p, n, method, 0, &m, NULL);
    tp_http_message_free(&m);
    return rc != TP_ERR_HTTP_INCOMPLETE;
}

/* Feeds growing prefixes (by step bytes) to one tracker and compares at each. */
static void same_as_parser(const char *method, const uint8_t *msg, size_t len, size_t step)
{
    tp_http_scan scan = {0};
    for (size_t n = 0;; n = n + step > len ? len : n + step) {
        int want = parser_says_complete(method, msg, n);
        int got = tp_http_response_scan(&scan, msg, n, method);
        if (got != want)
            fail_msg("prefix %zu of %zu (step %zu): scan %d, parser %d: %.60s", n, len, step,
                     got, want, (const char *)msg);
        if (got || n == len)
            return; /* a reader stops at the first "whole" */
    }
}

static void check_all_steps(const char *method, const char *msg, size_t len)
{
    static const size_t k_steps[] = {1, 2, 3, 7, 64, 4096};
    for (size_t i = 0; i < sizeof(k_steps) / sizeof(k_steps[0]); i++)
        same_as_parser(method, (const uint8_t *)msg, len, k_steps[i]);
}

static void check(const char *method, const char *msg) { check_all_steps(method, msg, strlen(msg)); }

static void framings_match_the_parser(void **state)
{
    (void)state;
    check(NULL, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
    check(NULL, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    check(NULL, "HTTP/1.1 204 No Content\r\n\r\n");
    check("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n");
    check(NULL, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    check(NULL, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000A\r\n0123456789\r\n0;x\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a\r\nhello\r\n0\r\n\r\n");
}

static void malformed_messages_match_the_parser(void **state)
{
    (void)state;
    check(NULL, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    check(NULL, "HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\nhello");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\nhello\r\n0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rX\nhello\r\n0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFF\r\nhello\r\n0\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nF00000\r\nab\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nbad trailer\r\n\r\n");
    check(NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx");
}

/* Chunk data adding up past the body cap fails before the data arrives, as the parser does. */
static void chunks_over_the_cap_match_the_parser(void **state)
{
    (void)state;
    char msg[256];
    int n = snprintf(msg, sizeof(msg), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "%x\r\n", TP_HTTP_MAX_BODY);
    size_t len = (size_t)n + TP_HTTP_MAX_BODY + 64;
    char *big = malloc(len);
    assert_non_null(big);
    memcpy(big, msg, (size_t)n);
    memset(big + n, 'a', TP_HTTP_MAX_BODY);
    memcpy(big + n + TP_HTTP_MAX_BODY, "\r\n1\r\nb\r\n0\r\n\r\n", 13);
    same_as_parser(NULL, (const uint8_t *)big, (size_t)n + TP_HTTP_MAX_BODY + 13, 1u << 16);
    free(big);
}

/* A chunk-size line near the parser's line limit (leading zeros keep the value small). */
static void long_chunk_lines_match_the_parser(void **state)
{
    (void)state;
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t zeros = 4090; zeros <= 4096; zeros++) {
        size_t len = sizeof(head) - 1 + zeros + 64;
        char *m = malloc(len);
        assert_non_null(m);
        memcpy(m, head, sizeof(head) - 1);
        memset(m + sizeof(head) - 1, '0', zeros);
        size_t k = sizeof(head) - 1 + zeros;
        memcpy(m + k, "1\r\nx\r\n0\r\n\r\n", 11);
        check_all_steps(NULL, m, k + 11);
        free(m);
    }
}

static void head_fields_size_a_buffer(void **state)
{
    (void)state;
    static const char msg[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123";
    tp_http_scan scan = {0};
    assert_false(tp_http_response_scan(&scan, (const uint8_t *)msg, 10, "GET"));
    assert_int_equal(scan.body_start, 0);
    assert_false(tp_http_response_scan(&scan, (const uint8_t *)msg, sizeof(msg) - 1, "GET"));
    assert_int_equal(scan.body_start, sizeof(msg) - 1 - 4);
    assert_int_equal(scan.length, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framings_match_the_parser),
        cmocka_unit_test(malformed_messages_match_the_parser),
        cmocka_unit_test(chunks_over_the_cap_match_the_parser),
        cmocka_unit_test(long_chunk_lines_match_the_parser),
        cmocka_unit_test(head_fields_size_a_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
