/* libFuzzer target: the HTTP/1.1 parser and content decoders. Input: mode(1) || message.
 * mode bit 0: response (else request); bit 1: stream closed cleanly; bit 2: HEAD request.
 * Invariants: spans lie inside the input, consumed <= size, and re-parsing exactly the
 * consumed bytes gives the same message; for a response on an open stream, the incremental
 * scan (tp_http_response_scan) says whole exactly when the parser stops saying incomplete,
 * fresh and after a first call on half the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static tp_err parse(uint8_t mode, const uint8_t *p, size_t n, tp_http_message *m)
{
    tp_error err;
    if (!(mode & 1))
        return tp_http_parse_request(p, n, m, &err);
    return tp_http_parse_response_for(p, n, (mode & 4) ? "HEAD" : NULL, (mode & 2) != 0, m,
                                      &err);
}

static void check_span(tp_span s, const uint8_t *p, size_t n)
{
    if (s.len && (s.p < p || s.p + s.len > p + n))
        abort();
}

static void check_scan(uint8_t mode, const uint8_t *p, size_t n, tp_err rc)
{
    if (!(mode & 1) || (mode & 2))
        return;
    const char *method = (mode & 4) ? "HEAD" : NULL;
    tp_http_scan fresh = {0}, kept = {0};
    int whole = rc != TP_ERR_HTTP_INCOMPLETE;
    (void)tp_http_response_scan(&kept, p, n / 2, method);
    if (tp_http_response_scan(&fresh, p, n, method) != whole ||
        tp_http_response_scan(&kept, p, n, method) != whole)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    tp_http_message m;
    tp_err rc = parse(mode, p, n, &m);
    check_scan(mode, p, n, rc);
    if (rc != TP_OK)
        return 0;
    if (m.consumed > n || m.body.len > TP_HTTP_MAX_BODY || m.n_headers > TP_HTTP_MAX_HEADERS)
        abort();
    for (size_t i = 0; i < m.n_headers; i++) {
        check_span(m.headers[i].name, p, n);
        check_span(m.headers[i].value, p, n);
    }
    tp_http_message again;
    if (parse(mode, p, m.consumed, &again) != TP_OK || again.consumed != m.consumed ||
        again.body.len != m.body.len ||
        (m.body.len && memcmp(again.body.p, m.body.p, m.body.len) != 0))
        abort();
    tp_http_message_free(&again);
    tp_http_message_free(&m);
    return 0;
}
