/* Strict CBOR loading and COSE_Sign1 ES384; see cose.h. */
#include "attest/cose.h"

#include <string.h>

#include "attest/x509util.h"

#define WALK_MAX_DEPTH 16

/* State of the pre-walk: how many items each open collection still expects. */
typedef struct cbor_walk {
    uint64_t want[WALK_MAX_DEPTH + 1];
    int depth;         /* open collections */
    int bad;           /* a rule was broken */
    size_t left;       /* bytes left after the current head */
} cbor_walk;

/* One item consumed at the current level. */
static void walk_item(cbor_walk *w)
{
    if (w->depth > 0)
        w->want[w->depth]--;
}

static void walk_open(cbor_walk *w, uint64_t items)
{
    walk_item(w);
    if (items > w->left || w->depth >= WALK_MAX_DEPTH) {
        w->bad = 1;
        return;
    }
    if (items > 0)
        w->want[++w->depth] = items;
}

static void cb_item(void *ctx) { walk_item(ctx); }
static void cb_u8(void *ctx, uint8_t v) { (void)v; walk_item(ctx); }
static void cb_u16(void *ctx, uint16_t v) { (void)v; walk_item(ctx); }
static void cb_u32(void *ctx, uint32_t v) { (void)v; walk_item(ctx); }
static void cb_u64(void *ctx, uint64_t v) { (void)v; walk_item(ctx); }
static void cb_str(void *ctx, cbor_data d, size_t n) { (void)d; (void)n; walk_item(ctx); }
static void cb_bool(void *ctx, bool v) { (void)v; walk_item(ctx); }
static void cb_bad(void *ctx) { ((cbor_walk *)ctx)->bad = 1; }
static void cb_bad_f(void *ctx, float v) { (void)v; cb_bad(ctx); }
static void cb_bad_d(void *ctx, double v) { (void)v; cb_bad(ctx); }
static void cb_array(void *ctx, size_t n) { walk_open(ctx, n); }
static void cb_map(void *ctx, size_t n)
{
    cbor_walk *w = ctx;
    if (n > w->left / 2) {
        w->bad = 1;
        return;
    }
    walk_open(w, (uint64_t)n * 2);
}
static void cb_tag(void *ctx, uint64_t tag) { (void)tag; cb_bad(ctx); }

static const struct cbor_callbacks k_walk_callbacks = {
    .uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
    .negint8 = cb_u8, .negint16 = cb_u16, .negint32 = cb_u32, .negint64 = cb_u64,
    .byte_string_start = cb_bad, .byte_string = cb_str,
    .string = cb_str, .string_start = cb_bad,
    .indef_array_start = cb_bad, .array_start = cb_array,
    .indef_map_start = cb_bad, .map_start = cb_map,
    .tag = cb_tag, .float2 = cb_bad_f, .float4 = cb_bad_f, .float8 = cb_bad_d,
    .undefined = cb_bad, .null = cb_item, .boolean = cb_bool, .indef_break = cb_bad,
};

/* Walks p..p+len as exactly one well-formed item under the rules of tp_cbor_load_strict.
 * libcbor's streaming decoder reads one head at a time without allocating; after a full walk
 * every declared size is backed by real bytes, so cbor_load allocates O(len). */
static int walk_one_item(const uint8_t *p, size_t len)
{
    cbor_walk w;
    memset(&w, 0, sizeof(w));
    size_t pos = 0;
    while (pos < len) {
        w.left = len - pos; /* an upper bound while the head is decoded; rechecked below */
        struct cbor_decoder_result r = cbor_stream_decode(p + pos, len - pos, &k_walk_callbacks, &w);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || r.read > len - pos)
            return 0;
        pos += r.read;
        w.left = len - pos;
        /* A head that opened a collection was checked against the bytes before the
         * head was consumed; recheck against what is really left. */
        if (w.depth > 0 && w.want[w.depth] > w.left)
            return 0;
        if (w.bad)
            return 0;
        while (w.depth > 0 && w.want[w.depth] == 0)
            w.depth--;
        if (w.depth == 0)
            return pos == len; /* the top item is complete */
    }
    return 0;
}

tp_err tp_cbor_load_strict(const uint8_t *p, size_t len, cbor_item_t **out, tp_error *err)
{
    *out = NULL;
    if (len == 0 || !walk_one_item(p, len))
        return tp_error_set(err, TP_ERR_EVIDENCE, "malformed or non-strict CBOR (%zu bytes)", len);
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load(p, len, &res);
    if (it == NULL || res.error.code != CBOR_ERR_NONE || res.read != len) {
        if (it != NULL)
            cbor_decref(&it);
        if (res.error.code == CBOR_ERR_MEMERROR)
            return tp_error_set(err, TP_ERR_NOMEM, "CBOR: out of memory");
        return tp_error_set(err, TP_ERR_EVIDENCE, "malformed CBOR at byte %zu", res.error.position);
    }
    *out = it;
    return TP_OK;
}

int tp_cbor_bstr(const cbor_item_t *it, const uint8_t **p, size_t *len)
{
    if (it == NULL || !cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it))
        return 0;
    *p = cbor_bytestring_handle(it);
    *len = cbor_bytestring_length(it);
    return 1;
}

int tp_cbor_text(const cbor_item_t *it, const char **p, size_t *len)
{
    if (it == NULL || !cbor_isa_string(it) || !cbor_string_is_definite(it))
        return 0;
    *p = (const char *)cbor_string_handle(it);
    *len = cbor_string_length(it);
    return 1;
}

int tp_cbor_text_is(const cbor_item_t *it, const char *s)
{
    const char *p;
    size_t n;
    return tp_cbor_text(it, &p, &n) && n == strlen(s) && (n == 0 || memcmp(p, s, n) == 0);
}

const cbor_item_t *tp_cbor_map_get(const cbor_item_t *map, const char *key)
{
    if (map == NULL || !cbor_isa_map(map) || !cbor_map_is_definite(map))
        return NULL;
    struct cbor_pair *pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++)
        if (tp_cbor_text_is(pairs[i].key, key))
            return pairs[i].value;
    return NULL;
}

/* The protected header must be exactly {1: -35} (alg ES384). */
static int protected_is_es384(const uint8_t *p, size_t len)
{
    cbor_item_t *h = NULL;
    if (tp_cbor_load_strict(p, len, &h, NULL) != TP_OK)
        return 0;
    int ok = cbor_isa_map(h) && cbor_map_size(h) == 1;
    if (ok) {
        struct cbor_pair *pair = cbor_map_handle(h);
        ok = cbor_isa_uint(pair->key) && cbor_get_int(pair->key) == 1 &&
             cbor_isa_negint(pair->value) && cbor_get_int(pair->value) == 34;
    }
    cbor_decref(&h);
    return ok;
}

/* [protected bstr, unprotected map, payload bstr, signature bstr(96)] with alg ES384. */
static tp_err check_shape(tp_cose_sign1 *c, tp_error *err)
{
    if (!cbor_isa_array(c->root) || cbor_array_size(c->root) != 4)
        return tp_error_set(err, TP_ERR_EVIDENCE, "COSE_Sign1: not a 4-element array");
    cbor_item_t **items = cbor_array_handle(c->root);
    if (!tp_cbor_bstr(items[0], &c->protected_hdr, &c->protected_len) || !cbor_isa_map(items[1]) ||
        !tp_cbor_bstr(items[2], &c->payload, &c->payload_len) || !tp_cbor_bstr(items[3], &c->sig, &c->sig_len))
        return tp_error_set(err, TP_ERR_EVIDENCE, "COSE_Sign1: wrong element types");
    if (!protected_is_es384(c->protected_hdr, c->protected_len))
        return tp_error_set(err, TP_ERR_EVIDENCE, "COSE_Sign1: protected header is not {1: -35} (ES384)");
    if (c->sig_len != 96)
        return tp_error_set(err, TP_ERR_EVIDENCE, "COSE_Sign1: signature is %zu bytes, expected 96", c->sig_len);
    return TP_OK;
}

tp_err tp_cose_sign1_parse(const uint8_t *p, size_t len, tp_cose_sign1 *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    /* Tag 18 (COSE_Sign1) in its one-byte form may precede the array. libcbor 0.8 refuses
     * one-byte tags 6..20, so the tag byte is consumed here and no tag reaches libcbor. */
    if (len > 0 && p[0] == 0xc0 + TP_CBOR_TAG_COSE_SIGN1) {
        p++;
        len--;
    }
    tp_err rc = tp_cbor_load_strict(p, len, &out->root, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "COSE_Sign1");
    if ((rc = check_shape(out, err)) != TP_OK)
        tp_cose_sign1_free(out);
    return rc;
}

void tp_cose_sign1_free(tp_cose_sign1 *c)
{
    if (c->root != NULL)
        cbor_decref(&c->root);
    memset(c, 0, sizeof(*c));
}

int tp_cbor_put_head(tp_buf *b, unsigned major, uint64_t n)
{
    uint8_t m = (uint8_t)(major << 5);
    if (n < 24)
        return tp_buf_put_u8(b, (uint8_t)(m | n));
    if (n <= 0xff)
        return tp_buf_put_u8(b, m | 24) && tp_buf_put_u8(b, (uint8_t)n);
    if (n <= 0xffff)
        return tp_buf_put_u8(b, m | 25) && tp_buf_put_u16(b, (uint16_t)n);
    if (n <= 0xffffffffu)
        return tp_buf_put_u8(b, m | 26) && tp_buf_put_u32(b, (uint32_t)n);
    return tp_buf_put_u8(b, m | 27) && tp_buf_put_u32(b, (uint32_t)(n >> 32)) &&
           tp_buf_put_u32(b, (uint32_t)n);
}

int tp_cose_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                          size_t payload_len, tp_buf *out)
{
    static const char ctx[] = "Signature1";
    return tp_cbor_put_head(out, 4, 4) && tp_cbor_put_head(out, 3, sizeof(ctx) - 1) &&
           tp_buf_append(out, ctx, sizeof(ctx) - 1) && tp_cbor_put_head(out, 2, prot_len) &&
           tp_buf_append(out, prot, prot_len) && tp_cbor_put_head(out, 2, 0) &&
           tp_cbor_put_head(out, 2, payload_len) && tp_buf_append(out, payload, payload_len);
}

static int key_is_p384(EVP_PKEY *key)
{
    char group[32];
    size_t n = 0;
    return key != NULL && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
           EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &n) &&
           strcmp(group, "secp384r1") == 0;
}

tp_err tp_cose_sign1_verify(const tp_cose_sign1 *c, EVP_PKEY *key, tp_error *err)
{
    if (!key_is_p384(key))
        return tp_error_set(err, TP_ERR_EVIDENCE, "COSE_Sign1: signing key is not ECDSA P-384");
    tp_buf tbs = TP_BUF_INIT;
    if (!tp_cose_sig_structure(c->protected_hdr, c->protected_len, c->payload, c->payload_len, &tbs)) {
        tp_buf_free(&tbs);
        return tp_error_set(err, TP_ERR_NOMEM, "COSE_Sign1: cannot encode Sig_structure");
    }
    size_t n = c->sig_len / 2;
    int ok = tp_att_ecdsa_verify(key, EVP_sha384(), c->sig, c->sig + n, n, 0, tbs.data, tbs.len);
    tp_buf_free(&tbs);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_EVIDENCE_SIG, "COSE_Sign1: ES384 signature does not verify");
}
