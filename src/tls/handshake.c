/* Parsers for the TLS 1.3 handshake messages the verifier needs (RFC 8446 §4), and the
 * ClientHello for both versions (what TLS 1.2 needs from it too). Each takes the message
 * body (after the 4-byte header) as a bounded reader. */
#include <string.h>

#include "base/codec.h"
#include "tls/tls_internal.h"

enum {
    EXT_SERVER_NAME = 0,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_EXTENDED_MASTER_SECRET = 23,
    EXT_SESSION_TICKET = 35,
    EXT_PRE_SHARED_KEY = 41,
    EXT_EARLY_DATA = 42,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_COOKIE = 44,
    EXT_KEY_SHARE = 51,
    EXT_RENEGOTIATION_INFO = 0xff01,
};

#define SUITE_EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff

#define MAX_EXTENSIONS 128

static const uint8_t k_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static tp_err bad(tp_error *err, const char *what)
{
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s", what);
}

/* Extension walker: remembers types seen (duplicates are an error). */
typedef struct ext_iter {
    tp_reader list;
    uint16_t seen[MAX_EXTENSIONS];
    size_t n_seen;
} ext_iter;

/* 1 = got one, 0 = end, -1 = malformed/duplicate. */
static int ext_next(ext_iter *it, uint16_t *type, tp_reader *data)
{
    if (tp_reader_left(&it->list) == 0)
        return 0;
    if (!tp_read_u16(&it->list, type) || !tp_read_prefixed_u16(&it->list, data))
        return -1;
    if (it->n_seen >= MAX_EXTENSIONS)
        return -1;
    for (size_t i = 0; i < it->n_seen; i++)
        if (it->seen[i] == *type)
            return -1;
    it->seen[it->n_seen++] = *type;
    return 1;
}

static tp_err parse_sni(tp_reader d, tp_client_hello *ch, tp_error *err)
{
    tp_reader list;
    if (!tp_read_prefixed_u16(&d, &list) || tp_reader_left(&d) != 0)
        return bad(err, "ClientHello: malformed server_name extension");
    while (tp_reader_left(&list) > 0) {
        uint8_t type;
        tp_reader name;
        if (!tp_read_u8(&list, &type) || !tp_read_prefixed_u16(&list, &name))
            return bad(err, "ClientHello: malformed server_name entry");
        if (type != 0)
            continue;
        if (ch->has_sni)
            return bad(err, "ClientHello: more than one host_name in server_name");
        size_t n = tp_reader_left(&name);
        if (n == 0 || n >= sizeof(ch->sni))
            return bad(err, "ClientHello: server_name host_name has a bad length");
        if (!tp_read_copy(&name, (uint8_t *)ch->sni, n))
            return bad(err, "ClientHello: server_name unreadable");
        ch->sni[n] = '\0';
        if (strlen(ch->sni) != n)
            return bad(err, "ClientHello: server_name contains a NUL byte");
        ch->has_sni = 1;
    }
    return TP_OK;
}

static tp_err parse_ch_versions(tp_reader d, tp_client_hello *ch, tp_error *err)
{
    tp_reader list;
    if (!tp_read_prefixed_u8(&d, &list) || tp_reader_left(&d) != 0 ||
        tp_reader_left(&list) % 2 != 0)
        return bad(err, "ClientHello: malformed supported_versions");
    uint16_t v;
    while (tp_read_u16(&list, &v))
        if (v == 0x0304)
            ch->offers_tls13 = 1;
    return TP_OK;
}

static tp_err parse_ch_sigalgs(tp_reader d, tp_client_hello *ch, tp_error *err)
{
    tp_reader list;
    if (!tp_read_prefixed_u16(&d, &list) || tp_reader_left(&d) != 0 ||
        tp_reader_left(&list) % 2 != 0)
        return bad(err, "ClientHello: malformed signature_algorithms");
    uint16_t s;
    while (tp_read_u16(&list, &s)) {
        int i = tp_sigscheme_index(s);
        if (i >= 0)
            ch->sigschemes_offered |= 1u << i;
    }
    return TP_OK;
}

static tp_err parse_ch_groups(tp_reader d, tp_client_hello *ch, tp_error *err)
{
    tp_reader list;
    if (!tp_read_prefixed_u16(&d, &list) || tp_reader_left(&d) != 0 ||
        tp_reader_left(&list) % 2 != 0)
        return bad(err, "ClientHello: malformed supported_groups");
    uint16_t g;
    while (tp_read_u16(&list, &g)) {
        int b = tp_tls_group_bit(g);
        if (b >= 0)
            ch->groups_offered |= 1u << b;
    }
    ch->has_supported_groups = 1;
    return TP_OK;
}

static tp_err parse_ch_key_share(tp_reader d, uint16_t group, tp_client_hello *ch, tp_error *err)
{
    tp_reader list;
    if (!tp_read_prefixed_u16(&d, &list) || tp_reader_left(&d) != 0)
        return bad(err, "ClientHello: malformed key_share");
    while (tp_reader_left(&list) > 0) {
        uint16_t g;
        tp_reader ke;
        if (!tp_read_u16(&list, &g) || !tp_read_prefixed_u16(&list, &ke) ||
            tp_reader_left(&ke) == 0)
            return bad(err, "ClientHello: malformed key_share entry");
        int b = tp_tls_group_bit(g);
        if (b >= 0 && (ch->shares_offered & (1u << b)))
            return bad(err, "ClientHello: duplicate key_share group");
        if (b >= 0)
            ch->shares_offered |= 1u << b;
        ch->n_shares++;
        if (g != group)
            continue;
        if (ch->share)
            return bad(err, "ClientHello: duplicate key_share group");
        ch->share_len = tp_reader_left(&ke);
        if (ch->share_len > sizeof(ch->share_copy))
            return bad(err, "ClientHello: key_share entry too long for its group");
        if (!tp_read_copy(&ke, ch->share_copy, ch->share_len))
            return bad(err, "ClientHello: key_share unreadable");
        ch->share = ch->share_copy;
    }
    return TP_OK;
}

static tp_err parse_ch_extensions(tp_reader exts, uint16_t group, tp_client_hello *ch,
                                  tp_error *err)
{
    ext_iter it = {.list = exts};
    uint16_t type;
    tp_reader d;
    int r;
    tp_err rc = TP_OK;
    while (rc == TP_OK && (r = ext_next(&it, &type, &d)) == 1) {
        switch (type) {
        case EXT_SERVER_NAME: rc = parse_sni(d, ch, err); break;
        case EXT_SUPPORTED_VERSIONS: rc = parse_ch_versions(d, ch, err); break;
        case EXT_SIGNATURE_ALGORITHMS: rc = parse_ch_sigalgs(d, ch, err); break;
        case EXT_KEY_SHARE:
            rc = parse_ch_key_share(d, group, ch, err);
            ch->has_key_share = 1;
            break;
        case EXT_EARLY_DATA: ch->offers_early_data = 1; break;
        case EXT_SUPPORTED_GROUPS: rc = parse_ch_groups(d, ch, err); break;
        case EXT_EXTENDED_MASTER_SECRET: ch->offers_ems = 1; break;
        case EXT_SESSION_TICKET: ch->offers_ticket = 1; break;
        case EXT_RENEGOTIATION_INFO: ch->offers_reneg_info = 1; break;
        case EXT_PRE_SHARED_KEY:
            if (tp_reader_left(&it.list) != 0)
                return bad(err, "ClientHello: pre_shared_key is not the last extension");
            break;
        default: break;
        }
    }
    if (rc != TP_OK)
        return rc;
    if (r < 0)
        return bad(err, "ClientHello: malformed or duplicate extension");
    return TP_OK;
}

tp_err tp_parse_client_hello_any(tp_reader body, uint16_t group, tp_client_hello *ch,
                                 tp_error *err)
{
    memset(ch, 0, sizeof(*ch));
    uint16_t legacy_version;
    tp_reader sid, suites, comp, exts;
    if (!tp_read_u16(&body, &legacy_version) || !tp_read_copy(&body, ch->random, 32) ||
        !tp_read_prefixed_u8(&body, &sid) || tp_reader_left(&sid) > 32 ||
        !tp_read_prefixed_u16(&body, &suites) || tp_reader_left(&suites) % 2 != 0 ||
        !tp_read_prefixed_u8(&body, &comp) || !tp_read_prefixed_u16(&body, &exts) ||
        tp_reader_left(&body) != 0)
        return bad(err, "ClientHello: malformed");
    ch->session_id_len = tp_reader_left(&sid);
    tp_read_copy(&sid, ch->session_id, ch->session_id_len);
    uint16_t s;
    while (tp_read_u16(&suites, &s)) {
        int i = tp_suite_index(s), j = tp_suite12_index(s);
        if (i >= 0)
            ch->suites_offered |= 1u << i;
        if (j >= 0)
            ch->suites12_offered |= 1u << j;
        if (s == SUITE_EMPTY_RENEGOTIATION_INFO_SCSV)
            ch->offers_reneg_info = 1;
    }
    uint8_t m;
    while (tp_read_u8(&comp, &m))
        if (m == 0)
            ch->offers_null_compression = 1;
    return parse_ch_extensions(exts, group, ch, err);
}

tp_err tp_parse_client_hello(tp_reader body, uint16_t group, tp_client_hello *ch, tp_error *err)
{
    tp_err rc = tp_parse_client_hello_any(body, group, ch, err);
    if (rc != TP_OK)
        return rc;
    if (!ch->offers_tls13)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "ClientHello does not offer TLS 1.3 in supported_versions");
    if (ch->offers_early_data)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "0-RTT early data is not supported");
    return TP_OK; /* a missing share for the group is judged after the ServerHello */
}

static tp_err parse_sh_extensions(tp_reader exts, tp_server_hello *sh, tp_error *err)
{
    ext_iter it = {.list = exts};
    uint16_t type;
    tp_reader d;
    int r;
    while ((r = ext_next(&it, &type, &d)) == 1) {
        if (type == EXT_SUPPORTED_VERSIONS) {
            if (!tp_read_u16(&d, &sh->selected_version) || tp_reader_left(&d) != 0)
                return bad(err, "ServerHello: malformed supported_versions");
        } else if (type == EXT_KEY_SHARE) {
            tp_reader ke;
            if (!tp_read_u16(&d, &sh->group))
                return bad(err, "ServerHello: malformed key_share");
            sh->has_key_share = 1;
            if (sh->is_hrr) { /* HRR carries only the selected group */
                if (tp_reader_left(&d) != 0)
                    return bad(err, "HelloRetryRequest: malformed key_share");
                continue;
            }
            if (!tp_read_prefixed_u16(&d, &ke) || tp_reader_left(&d) != 0)
                return bad(err, "ServerHello: malformed key_share");
            sh->share_len = tp_reader_left(&ke);
            tp_read_bytes(&ke, sh->share_len, &sh->share);
        } else if (type == EXT_PRE_SHARED_KEY) {
            sh->has_psk = 1;
        } else if (type == EXT_COOKIE && sh->is_hrr) {
            tp_reader c;
            if (!tp_read_prefixed_u16(&d, &c) || tp_reader_left(&d) != 0 ||
                tp_reader_left(&c) == 0)
                return bad(err, "HelloRetryRequest: malformed cookie");
            sh->cookie_len = tp_reader_left(&c);
            tp_read_bytes(&c, sh->cookie_len, &sh->cookie);
        } else {
            return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                                "ServerHello: unexpected extension %u", type);
        }
    }
    if (r < 0)
        return bad(err, "ServerHello: malformed or duplicate extension");
    return TP_OK;
}

tp_err tp_parse_server_hello(tp_reader body, const tp_client_hello *ch, tp_server_hello *sh,
                             tp_error *err)
{
    memset(sh, 0, sizeof(*sh));
    uint16_t legacy_version;
    const uint8_t *random;
    uint8_t comp;
    tp_reader sid, exts;
    if (!tp_read_u16(&body, &legacy_version) || !tp_read_bytes(&body, 32, &random) ||
        !tp_read_prefixed_u8(&body, &sid) || !tp_read_u16(&body, &sh->suite) ||
        !tp_read_u8(&body, &comp))
        return bad(err, "ServerHello: malformed");
    if (tp_reader_left(&body) == 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "server negotiated a TLS version below 1.3 (no extensions)");
    if (!tp_read_prefixed_u16(&body, &exts) || tp_reader_left(&body) != 0)
        return bad(err, "ServerHello: malformed extensions");
    sh->is_hrr = memcmp(random, k_hrr_random, 32) == 0;
    tp_err rc = parse_sh_extensions(exts, sh, err);
    if (rc != TP_OK)
        return rc;
    if (sh->selected_version != 0x0304)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "server negotiated version 0x%04x, only TLS 1.3 is supported",
                            sh->selected_version ? sh->selected_version : legacy_version);
    if (legacy_version != 0x0303 || comp != 0)
        return bad(err, "ServerHello: bad legacy_version or compression method");
    if (tp_reader_left(&sid) != ch->session_id_len ||
        memcmp(tp_reader_data(&sid), ch->session_id, ch->session_id_len) != 0)
        return bad(err, "ServerHello: legacy_session_id_echo differs from the ClientHello");
    if (sh->has_psk)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "server selected a PSK (session resumption is not supported)");
    if (!sh->share && !sh->is_hrr)
        return bad(err, "ServerHello: no key_share");
    return TP_OK;
}

tp_err tp_parse_encrypted_extensions(tp_reader body, tp_error *err)
{
    tp_reader exts;
    if (!tp_read_prefixed_u16(&body, &exts) || tp_reader_left(&body) != 0)
        return bad(err, "EncryptedExtensions: malformed");
    ext_iter it = {.list = exts};
    uint16_t type;
    tp_reader d;
    int r;
    while ((r = ext_next(&it, &type, &d)) == 1)
        if (type == EXT_EARLY_DATA)
            return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED, "0-RTT early data is not supported");
    if (r < 0)
        return bad(err, "EncryptedExtensions: malformed or duplicate extension");
    return TP_OK;
}

tp_err tp_parse_certificate_request(tp_reader body, tp_error *err)
{
    tp_reader ctx, exts;
    if (!tp_read_prefixed_u8(&body, &ctx) || !tp_read_prefixed_u16(&body, &exts) ||
        tp_reader_left(&body) != 0)
        return bad(err, "CertificateRequest: malformed");
    return TP_OK;
}

/* One certificate: TLS 1.3 entries carry extensions after the DER, TLS 1.2 ones do not. */
static tp_err parse_cert_entry(tp_reader *list, int tls13, STACK_OF(X509) *chain, tp_error *err)
{
    tp_reader der, exts;
    if (!tp_read_prefixed_u24(list, &der) || (tls13 && !tp_read_prefixed_u16(list, &exts)))
        return bad(err, "Certificate: malformed entry");
    size_t n = tp_reader_left(&der);
    const uint8_t *p;
    if (n == 0 || n > TP_TLS_MAX_HS_MSG || !tp_read_bytes(&der, n, &p))
        return bad(err, "Certificate: empty certificate entry");
    X509 *x = tp_cert_decode(p, n);
    if (!x)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE,
                            "Certificate: entry %d is not a DER X.509 certificate",
                            sk_X509_num(chain));
    if (!sk_X509_push(chain, x)) {
        X509_free(x);
        return tp_error_set(err, TP_ERR_NOMEM, "Certificate: out of memory");
    }
    return TP_OK;
}

static tp_err parse_cert_list(tp_reader list, int tls13, STACK_OF(X509) **chain_out,
                              uint8_t leaf_sha256[32], tp_error *err)
{
    if (tp_reader_left(&list) == 0)
        return tp_error_set(err, TP_ERR_TLS_CERT_UNTRUSTED, "server sent no certificate");
    /* The leaf's DER for the fingerprint. */
    tp_reader peek = list, der;
    if (!tp_read_prefixed_u24(&peek, &der))
        return bad(err, "Certificate: malformed entry");
    tp_sha256(tp_reader_data(&der), tp_reader_left(&der), leaf_sha256);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return tp_error_set(err, TP_ERR_NOMEM, "Certificate: out of memory");
    tp_err rc = TP_OK;
    while (rc == TP_OK && tp_reader_left(&list) > 0) {
        if (sk_X509_num(chain) >= TP_TLS_MAX_CERTS)
            rc = tp_error_set(err, TP_ERR_LIMIT, "Certificate: more than %d certificates",
                              TP_TLS_MAX_CERTS);
        else
            rc = parse_cert_entry(&list, tls13, chain, err);
    }
    if (rc != TP_OK) {
        sk_X509_pop_free(chain, X509_free);
        return rc;
    }
    *chain_out = chain;
    return TP_OK;
}

tp_err tp_parse_certificate(tp_reader body, STACK_OF(X509) **chain_out, uint8_t leaf_sha256[32],
                            tp_error *err)
{
    *chain_out = NULL;
    tp_reader ctx, list;
    if (!tp_read_prefixed_u8(&body, &ctx) || !tp_read_prefixed_u24(&body, &list) ||
        tp_reader_left(&body) != 0)
        return bad(err, "Certificate: malformed");
    if (tp_reader_left(&ctx) != 0)
        return bad(err, "Certificate: server certificate_request_context must be empty");
    return parse_cert_list(list, 1, chain_out, leaf_sha256, err);
}

tp_err tp_parse_certificate12(tp_reader body, STACK_OF(X509) **chain_out,
                              uint8_t leaf_sha256[32], tp_error *err)
{
    *chain_out = NULL;
    tp_reader list;
    if (!tp_read_prefixed_u24(&body, &list) || tp_reader_left(&body) != 0)
        return bad(err, "Certificate: malformed");
    return parse_cert_list(list, 0, chain_out, leaf_sha256, err);
}

tp_err tp_parse_client_certificate(tp_reader body, tp_error *err)
{
    tp_reader ctx, list;
    if (!tp_read_prefixed_u8(&body, &ctx) || !tp_read_prefixed_u24(&body, &list) ||
        tp_reader_left(&body) != 0)
        return bad(err, "client Certificate: malformed");
    if (tp_reader_left(&list) != 0)
        return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                            "client certificate authentication is not supported");
    return TP_OK;
}

tp_err tp_parse_certificate_verify(tp_reader body, uint16_t *scheme, tp_reader *sig,
                                   tp_error *err)
{
    if (!tp_read_u16(&body, scheme) || !tp_read_prefixed_u16(&body, sig) ||
        tp_reader_left(&body) != 0 || tp_reader_left(sig) == 0)
        return bad(err, "CertificateVerify: malformed");
    return TP_OK;
}

tp_err tp_parse_new_session_ticket(tp_reader body, tp_error *err)
{
    uint32_t lifetime, age_add;
    tp_reader nonce, ticket, exts;
    if (!tp_read_u32(&body, &lifetime) || !tp_read_u32(&body, &age_add) ||
        !tp_read_prefixed_u8(&body, &nonce) || !tp_read_prefixed_u16(&body, &ticket) ||
        tp_reader_left(&ticket) == 0 || !tp_read_prefixed_u16(&body, &exts) ||
        tp_reader_left(&body) != 0)
        return bad(err, "NewSessionTicket: malformed");
    return TP_OK;
}

tp_err tp_parse_key_update(tp_reader body, tp_error *err)
{
    uint8_t req;
    if (!tp_read_u8(&body, &req) || tp_reader_left(&body) != 0 || req > 1)
        return bad(err, "KeyUpdate: malformed");
    return TP_OK;
}

/* ---- TLS 1.2 ServerHello (RFC 5246 §7.4.1.3) and the version dispatch ---- */
enum {
    EXT_MAX_FRAGMENT_LENGTH = 1,
    EXT_STATUS_REQUEST = 5,
    EXT_EC_POINT_FORMATS = 11,
    EXT_ALPN = 16,
    EXT_SCT = 18,
    EXT_ENCRYPT_THEN_MAC = 22,
    EXT_RECORD_SIZE_LIMIT = 28,
};

#define VERSION_PEEK_MAX 4096 /* handshake bytes collected to read the ServerHello */

static tp_err sh12_extension(uint16_t type, tp_reader d, const tp_client_hello *ch,
                             tp_server_hello12 *sh, tp_error *err)
{
    uint8_t b;
    switch (type) {
    case EXT_EXTENDED_MASTER_SECRET:
        if (!ch->offers_ems || tp_reader_left(&d) != 0)
            return bad(err, "ServerHello: extended_master_secret not offered or not empty");
        sh->ems = 1;
        return TP_OK;
    case EXT_SESSION_TICKET:
        if (!ch->offers_ticket || tp_reader_left(&d) != 0)
            return bad(err, "ServerHello: session_ticket not offered or not empty");
        sh->ticket = 1;
        return TP_OK;
    case EXT_RENEGOTIATION_INFO:
        if (!ch->offers_reneg_info || !tp_read_u8(&d, &b) || b != 0 || tp_reader_left(&d) != 0)
            return tp_error_set(err, TP_ERR_TLS_UNSUPPORTED,
                                "ServerHello: renegotiation_info is not empty (a renegotiated "
                                "session is not supported)");
        return TP_OK;
    case EXT_STATUS_REQUEST:
        sh->status_request = 1;
        return TP_OK;
    case EXT_SERVER_NAME: case EXT_MAX_FRAGMENT_LENGTH: case EXT_EC_POINT_FORMATS:
    case EXT_ALPN: case EXT_SCT: case EXT_ENCRYPT_THEN_MAC: case EXT_RECORD_SIZE_LIMIT:
        return TP_OK; /* encrypt_then_mac does not apply to AEAD suites */
    default:
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "ServerHello: unexpected extension %u",
                            type);
    }
}

tp_err tp_parse_server_hello12(tp_reader body, const tp_client_hello *ch, tp_server_hello12 *sh,
                               tp_error *err)
{
    memset(sh, 0, sizeof(*sh));
    tp_reader sid, exts;
    if (!tp_read_u16(&body, &sh->version) || !tp_read_copy(&body, sh->random, 32) ||
        !tp_read_prefixed_u8(&body, &sid) || tp_reader_left(&sid) > 32 ||
        !tp_read_u16(&body, &sh->suite) || !tp_read_u8(&body, &sh->compression))
        return bad(err, "ServerHello: malformed");
    tp_reader_init(&exts, NULL, 0);
    if (tp_reader_left(&body) != 0 &&
        (!tp_read_prefixed_u16(&body, &exts) || tp_reader_left(&body) != 0))
        return bad(err, "ServerHello: malformed extensions");
    sh->resumed = tp_reader_left(&sid) != 0 && tp_reader_left(&sid) == ch->session_id_len &&
                  memcmp(tp_reader_data(&sid), ch->session_id, ch->session_id_len) == 0;
    ext_iter it = {.list = exts};
    uint16_t type;
    tp_reader d;
    int r;
    while ((r = ext_next(&it, &type, &d)) == 1) {
        tp_err rc = sh12_extension(type, d, ch, sh, err);
        if (rc != TP_OK)
            return rc;
    }
    if (r < 0)
        return bad(err, "ServerHello: malformed or duplicate extension");
    return TP_OK;
}

/* The ServerHello body from the first handshake bytes of the stream, if complete. */
static int first_server_hello(const uint8_t *p, size_t n, uint8_t *buf, tp_reader *body)
{
    tp_record_stream rs;
    tp_record rec;
    size_t got = 0;
    int have;
    tp_error e = {0};
    tp_record_stream_init(&rs, p, n);
    while (tp_record_next(&rs, &rec, &have, "server", &e) == TP_OK && have &&
           rec.type == TP_CT_HANDSHAKE) {
        size_t k = tp_reader_left(&rec.body);
        if (k > VERSION_PEEK_MAX - got)
            k = VERSION_PEEK_MAX - got;
        memcpy(buf + got, tp_reader_data(&rec.body), k);
        got += k;
        tp_reader r, b;
        uint8_t type;
        tp_reader_init(&r, buf, got);
        if (tp_read_u8(&r, &type) && type == TP_HS_SERVER_HELLO && tp_read_prefixed_u24(&r, &b)) {
            *body = b;
            return 1;
        }
        if (got == VERSION_PEEK_MAX)
            break;
    }
    return 0;
}

uint16_t tp_server_hello_version(const uint8_t *server_bytes, size_t server_len)
{
    uint8_t buf[VERSION_PEEK_MAX];
    tp_reader body, sid, exts;
    uint16_t legacy, suite, type;
    uint8_t comp;
    if (!first_server_hello(server_bytes, server_len, buf, &body) ||
        !tp_read_u16(&body, &legacy) || !tp_read_skip(&body, 32) ||
        !tp_read_prefixed_u8(&body, &sid) || !tp_read_u16(&body, &suite) ||
        !tp_read_u8(&body, &comp))
        return 0x0304;
    if (tp_reader_left(&body) == 0)
        return legacy;
    if (!tp_read_prefixed_u16(&body, &exts))
        return 0x0304;
    ext_iter it = {.list = exts};
    tp_reader d;
    while (ext_next(&it, &type, &d) == 1)
        if (type == EXT_SUPPORTED_VERSIONS)
            return 0x0304; /* 1.3 (or a bad selection the 1.3 replay reports) */
    return legacy;
}
