/* HelloRetryRequest in the TLS 1.3 replay (RFC 8446 §4.1.2, §4.1.4, §4.2.8, §4.4.1): the
 * HRR must select a group the first ClientHello offered in supported_groups and sent no share
 * for (or carry a cookie), the second ClientHello must equal the first except for the allowed
 * changes (key_share replaced by one share for the selected group, the HRR's cookie added,
 * early_data removed, padding changed), and the ServerHello that follows must keep the HRR's
 * suite and group. The transcript then starts with the synthetic message_hash. */
#include <string.h>

#include "tls/tls_internal.h"

enum {
    EXT_PADDING = 21,
    EXT_EARLY_DATA = 42,
    EXT_COOKIE = 44,
    EXT_KEY_SHARE = 51,
};

#define MESSAGE_HASH_TYPE 254 /* HandshakeType message_hash */

static tp_err bad(tp_error *err, const char *what)
{
    return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "%s", what);
}

tp_err tp_hrr_check(const tp_client_hello *ch1, const tp_server_hello *hrr, tp_hrr_info *info,
                    tp_error *err)
{
    memset(info, 0, sizeof(*info));
    if (!hrr->has_key_share && !hrr->cookie)
        return bad(err, "HelloRetryRequest would not change the ClientHello");
    if (hrr->has_key_share) {
        const char *name = tp_tls_group_name(hrr->group);
        int bit = tp_tls_group_bit(hrr->group);
        if (bit < 0 || !(ch1->groups_offered & (1u << bit)))
            return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "HelloRetryRequest selects group "
                                "0x%04x which the ClientHello did not offer", hrr->group);
        if (ch1->shares_offered & (1u << bit))
            return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "HelloRetryRequest selects %s, for "
                                "which the ClientHello already sent a key share", name);
    }
    info->suite = hrr->suite;
    info->group = hrr->group;
    info->has_group = hrr->has_key_share;
    return TP_OK;
}

/* Splits a ClientHello body into its fixed part (version .. compression methods) and the
 * extensions list. 1/0. */
static int split_hello(tp_reader body, tp_reader *fixed, tp_reader *exts)
{
    tp_reader r = body, v;
    if (!tp_read_skip(&r, 2 + 32) || !tp_read_prefixed_u8(&r, &v) ||
        !tp_read_prefixed_u16(&r, &v) || !tp_read_prefixed_u8(&r, &v))
        return 0;
    tp_reader_init(fixed, tp_reader_data(&body), tp_reader_left(&body) - tp_reader_left(&r));
    return tp_read_prefixed_u16(&r, exts) && tp_reader_left(&r) == 0;
}

static int may_change(uint16_t type)
{
    return type == EXT_KEY_SHARE || type == EXT_COOKIE || type == EXT_EARLY_DATA ||
           type == EXT_PADDING;
}

/* Next extension not in the allowed-to-change set: 1 got, 0 end, -1 malformed. */
static int next_fixed(tp_reader *list, uint16_t *type, tp_reader *data)
{
    while (tp_reader_left(list) > 0) {
        if (!tp_read_u16(list, type) || !tp_read_prefixed_u16(list, data))
            return -1;
        if (!may_change(*type))
            return 1;
    }
    return 0;
}

/* The data of extension `want` in list: 1 found, 0 not. */
static int find_ext(tp_reader list, uint16_t want, tp_reader *data)
{
    uint16_t type;
    while (tp_read_u16(&list, &type) && tp_read_prefixed_u16(&list, data))
        if (type == want)
            return 1;
    return 0;
}

static int same(tp_reader a, tp_reader b)
{
    return tp_reader_left(&a) == tp_reader_left(&b) &&
           memcmp(tp_reader_data(&a), tp_reader_data(&b), tp_reader_left(&a)) == 0;
}

static tp_err same_unchanged_extensions(tp_reader e1, tp_reader e2, tp_error *err)
{
    for (;;) {
        uint16_t t1 = 0, t2 = 0;
        tp_reader d1, d2;
        int r1 = next_fixed(&e1, &t1, &d1), r2 = next_fixed(&e2, &t2, &d2);
        if (r1 < 0 || r2 < 0)
            return bad(err, "ClientHello: malformed extensions");
        if (r1 == 0 && r2 == 0)
            return TP_OK;
        if (r1 != r2 || t1 != t2 || !same(d1, d2))
            return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "the second ClientHello changes "
                                "extension %u, which a HelloRetryRequest does not allow",
                                r1 ? t1 : t2);
    }
}

static tp_err check_cookie(tp_reader e2, const tp_server_hello *hrr, tp_error *err)
{
    tp_reader d, c;
    int has = find_ext(e2, EXT_COOKIE, &d);
    if (!hrr->cookie)
        return has ? bad(err, "the second ClientHello has a cookie the HelloRetryRequest "
                              "did not send") : TP_OK;
    if (!has || !tp_read_prefixed_u16(&d, &c) || tp_reader_left(&d) != 0 ||
        tp_reader_left(&c) != hrr->cookie_len ||
        memcmp(tp_reader_data(&c), hrr->cookie, hrr->cookie_len) != 0)
        return bad(err, "the second ClientHello does not echo the HelloRetryRequest's cookie");
    return TP_OK;
}

static tp_err check_shares(tp_reader e1, tp_reader e2, const tp_server_hello *hrr,
                           const tp_client_hello *ch2, tp_error *err)
{
    tp_reader k1, k2;
    int has1 = find_ext(e1, EXT_KEY_SHARE, &k1), has2 = find_ext(e2, EXT_KEY_SHARE, &k2);
    if (!hrr->has_key_share) /* cookie only: the shares stay as they were */
        return has1 == has2 && (!has1 || same(k1, k2))
                   ? TP_OK
                   : bad(err, "the second ClientHello changes its key shares, which the "
                              "HelloRetryRequest did not ask for");
    if (!has2 || ch2->n_shares != 1 || !ch2->share)
        return tp_error_set(err, TP_ERR_TLS_HANDSHAKE, "the second ClientHello must carry one "
                            "key share, for %s, the group the HelloRetryRequest selected",
                            tp_tls_group_name(hrr->group));
    return TP_OK;
}

tp_err tp_hrr_check_second_hello(tp_reader ch1_body, tp_reader ch2_body,
                                 const tp_server_hello *hrr, const tp_client_hello *ch2,
                                 tp_error *err)
{
    tp_reader f1, f2, e1, e2, d;
    if (!split_hello(ch1_body, &f1, &e1) || !split_hello(ch2_body, &f2, &e2))
        return bad(err, "ClientHello: malformed");
    if (!same(f1, f2))
        return bad(err, "the second ClientHello changes its version, random, session id, "
                        "cipher suites or compression methods");
    if (find_ext(e2, EXT_EARLY_DATA, &d))
        return bad(err, "the second ClientHello offers early data after a HelloRetryRequest");
    tp_err rc = same_unchanged_extensions(e1, e2, err);
    if (rc == TP_OK)
        rc = check_cookie(e2, hrr, err);
    if (rc == TP_OK)
        rc = check_shares(e1, e2, hrr, ch2, err);
    return rc;
}

tp_err tp_hrr_check_server_hello(const tp_hrr_info *info, const tp_server_hello *sh,
                                 tp_error *err)
{
    if (sh->is_hrr)
        return bad(err, "a second HelloRetryRequest");
    if (sh->suite != info->suite)
        return bad(err, "the ServerHello's cipher suite differs from the HelloRetryRequest's");
    if (info->has_group && sh->group != info->group)
        return bad(err, "the ServerHello's group differs from the one the HelloRetryRequest "
                        "selected");
    return TP_OK;
}

int tp_hrr_transcript_start(tp_transcript *th, const EVP_MD *md, const uint8_t *ch1,
                            size_t ch1_len)
{
    uint8_t hdr[4 + TP_TLS_MAX_HASH];
    unsigned int hlen = 0;
    if (!EVP_Digest(ch1, ch1_len, hdr + 4, &hlen, md, NULL) || hlen > TP_TLS_MAX_HASH)
        return 0;
    hdr[0] = MESSAGE_HASH_TYPE;
    hdr[1] = 0;
    hdr[2] = 0;
    hdr[3] = (uint8_t)hlen;
    return tp_transcript_init(th, md) && tp_transcript_add(th, hdr, 4 + hlen);
}
