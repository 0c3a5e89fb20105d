/* libFuzzer target: the record walker, record decryption and every handshake message
 * parser on arbitrary bytes. Input: suite selector(1) || stream. */
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tls/tls_internal.h"
#include "tls/transcript.h"

static void parse_message(uint8_t type, tp_reader body)
{
    tp_error err;
    tp_client_hello ch;
    tp_server_hello sh;
    STACK_OF(X509) *chain = NULL;
    uint8_t fp[32];
    uint16_t scheme;
    tp_reader sig;
    switch (type) {
    case TP_HS_CLIENT_HELLO:
        tp_parse_client_hello(body, TP_TLS_GROUP_X25519, &ch, &err);
        break;
    case TP_HS_SERVER_HELLO:
        memset(&ch, 0, sizeof(ch));
        tp_parse_server_hello(body, &ch, &sh, &err);
        break;
    case TP_HS_ENCRYPTED_EXTENSIONS: tp_parse_encrypted_extensions(body, &err); break;
    case TP_HS_CERTIFICATE_REQUEST: tp_parse_certificate_request(body, &err); break;
    case TP_HS_CERTIFICATE:
        if (tp_parse_certificate(body, &chain, fp, &err) == TP_OK)
            sk_X509_pop_free(chain, X509_free);
        tp_parse_client_certificate(body, &err);
        break;
    case TP_HS_CERTIFICATE_VERIFY: tp_parse_certificate_verify(body, &scheme, &sig, &err); break;
    case TP_HS_NEW_SESSION_TICKET: tp_parse_new_session_ticket(body, &err); break;
    case TP_HS_KEY_UPDATE: tp_parse_key_update(body, &err); break;
    default: break;
    }
}

static void parse_messages(tp_reader r)
{
    uint8_t type;
    uint32_t len;
    tp_reader body;
    while (tp_read_u8(&r, &type) && tp_read_u24(&r, &len) && tp_read_sub(&r, len, &body))
        parse_message(type, body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303};
    const tp_suite *suite = tp_suite_find(suites[data[0] % 3]);
    uint8_t secret[TP_TLS_MAX_HASH] = {1, 2, 3};
    tp_traffic t = {0};
    tp_error err;
    tp_traffic_set(&t, suite, secret, "test", &err);
    tp_buf pt = TP_BUF_INIT;
    tp_record_stream rs;
    tp_record rec;
    int have = 0;
    tp_record_stream_init(&rs, data + 1, size - 1);
    while (tp_record_next(&rs, &rec, &have, "fuzz", &err) == TP_OK && have) {
        if (rec.type == TP_CT_HANDSHAKE)
            parse_messages(rec.body);
        uint8_t inner;
        if (rec.type == TP_CT_APPDATA && tp_traffic_open(&t, &rec, &pt, &inner, "fuzz", &err) == TP_OK)
            parse_messages((tp_reader){pt.data, pt.len});
    }
    tp_buf_free(&pt);
    tp_traffic_wipe(&t);
    return 0;
}
