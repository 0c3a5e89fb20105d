/* libFuzzer target: manifest parsing, and the round trip build request -> parse -> check
 * request, which must always pass for a request the manifest itself built (one whole
 * request, whatever the values: they cannot change its framing); then a fixed response
 * is checked against the manifest. */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "manifest/manifest_check.h"
#include "teeproof/manifest.h"

static const char k_response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 88\r\n\r\n"
    "{\"account\":{\"id\":\"acct-1\",\"owner\":\"Ada Lovelace\",\"balance\":1234.56,\"list\":[1,\"a\",null]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_manifest *m = NULL;
    tp_error err;
    if (tp_manifest_parse((const char *)data, size, &m, &err) != TP_OK)
        return 0;
    uint8_t hash[32];
    tp_manifest_hash(m, hash);
    static const tp_var k_items[] = {{"token", "abcDEF123"}, {"id", "42"},
                                     {"memo", "x\",\"y\":1&z=%2F/?# \\"}};
    for (size_t nvars = 0; nvars <= 3; nvars++) {
        tp_vars vars = {k_items, nvars};
        tp_buf req = TP_BUF_INIT;
        if (tp_manifest_build_request(m, &vars, &req, &err) == TP_OK) {
            tp_http_message msg;
            if (tp_http_parse_request(req.data, req.len, &msg, &err) != TP_OK)
                abort();
            if (msg.consumed != req.len ||
                tp_manifest_check_request(m, &vars, req.data, req.len, &err) != TP_OK)
                abort();
            tp_http_message_free(&msg);
        }
        tp_buf_free(&req);
    }
    tp_http_message resp;
    if (tp_http_parse_response((const uint8_t *)k_response, strlen(k_response), 0, &resp, &err) ==
        TP_OK) {
        json_t *values = NULL;
        tp_manifest_check_response(m, &resp, &values, &err);
        json_decref(values);
        tp_http_message_free(&resp);
    }
    tp_manifest_free(m);
    return 0;
}
