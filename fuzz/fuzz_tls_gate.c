/* libFuzzer target: the notary's TLS gate on arbitrary tunnel traffic. Input: host
 * selector(1) || split seed(1) || bytes; the bytes are cut into chunks that go alternately
 * (by the seed's bits) to the prover and the target direction. Oracle: what the gate
 * releases towards the target is always a prefix of what the prover sent, byte for byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const hosts[] = {"localhost", "127.0.0.1", "example.com", "::1"};
    const char *host = hosts[data[0] % 4];
    unsigned seed = data[1];
    data += 2;
    size -= 2;
    tp_tls_gate g = {0};
    tp_buf sent = TP_BUF_INIT, released = TP_BUF_INIT;
    tp_error err;
    tp_err rc = TP_OK;
    for (size_t off = 0, i = 0; rc == TP_OK && off < size; i++) {
        size_t chunk = 1 + (seed * (i + 7)) % 97;
        if (chunk > size - off)
            chunk = size - off;
        if ((seed >> (i % 8)) & 1) {
            rc = tp_tls_gate_server(&g, data + off, chunk, &err);
        } else {
            if (!tp_buf_append(&sent, data + off, chunk))
                abort();
            rc = tp_tls_gate_client(&g, host, data + off, chunk, &released, &err);
        }
        off += chunk;
        if (released.len > sent.len ||
            (released.len > 0 && memcmp(released.data, sent.data, released.len) != 0))
            abort();
    }
    tp_tls_gate_free(&g);
    tp_buf_free(&sent);
    tp_buf_free(&released);
    return 0;
}
