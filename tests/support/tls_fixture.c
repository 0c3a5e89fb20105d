/* See tls_fixture.h. */
#include "tls_fixture.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls/keycapture.h"
#include <stdio.h>
#include <string.h>

static EVP_PKEY *g_keys[3];
static SSL_CTX *g_shared_sctx;

EVP_PKEY *tpf_key(const char *type)
{
    int i = strcmp(type, "RSA") == 0 ? 0 : strcmp(type, "EC") == 0 ? 1 : 2;
    if (!g_keys[i])
        g_keys[i] = i == 0 ? EVP_RSA_gen(2048)
                    : i == 1 ? EVP_EC_gen("P-256")
                             : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return g_keys[i];
}

void tpf_cleanup(void)
{
    for (int i = 0; i < 3; i++) {
        EVP_PKEY_free(g_keys[i]);
        g_keys[i] = NULL;
    }
    SSL_CTX_free(g_shared_sctx);
    g_shared_sctx = NULL;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

X509 *tpf_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
               EVP_PKEY *issuer_key, int is_ca, long days)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = x && name && X509_set_version(x, 2) &&
             ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -86400) &&
             X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                        -1, 0) &&
             X509_set_subject_name(x, name) &&
             X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
             X509_set_pubkey(x, key);
    ok = ok && add_ext(x, issuer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
    ok = ok && add_ext(x, issuer, NID_subject_key_identifier, "hash");
    if (is_ca)
        ok = ok && add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    else
        ok = ok && add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    if (san)
        ok = ok && add_ext(x, issuer, NID_subject_alt_name, san);
    EVP_PKEY *sk = issuer_key ? issuer_key : key;
    const EVP_MD *md = EVP_PKEY_is_a(sk, "ED25519") ? NULL : EVP_sha256();
    ok = ok && X509_sign(x, sk, md) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

X509_STORE *tpf_store(X509 *root)
{
    X509_STORE *st = X509_STORE_new();
    if (st && root)
        X509_STORE_add_cert(st, root);
    return st;
}

void tpf_opts_default(tpf_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->suite = "TLS_AES_128_GCM_SHA256";
    o->groups = "X25519";
    o->sni = "example.test";
    o->request = "GET /balance HTTP/1.1\r\nHost: example.test\r\n\r\n";
    o->response = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{\"balance\":7}";
    o->response_repeat = 1;
    o->num_tickets = -1;
}

static size_t next_chunk(unsigned *st)
{
    static const size_t sizes[] = {1, 3, 5, 17, 64, 200, 700, 1500, 4096, 20000};
    if (*st == TPF_SEED_WHOLE)
        return 20000;
    *st = *st * 1103515245u + 12345u;
    return sizes[(*st >> 16) % (sizeof(sizes) / sizeof(sizes[0]))];
}

/* Moves up to one chunk from -> to, capturing it. Returns bytes moved. */
static size_t move_chunk(BIO *from, BIO *to, tp_buf *cap, unsigned *st)
{
    size_t pending = BIO_ctrl_pending(from);
    if (pending == 0)
        return 0;
    size_t n = next_chunk(st);
    if (n > pending)
        n = pending;
    unsigned char buf[20000];
    int got = BIO_read(from, buf, (int)n);
    if (got <= 0)
        return 0;
    tp_buf_append(cap, buf, (size_t)got);
    BIO_write(to, buf, got);
    return (size_t)got;
}

static void move_all(BIO *from, BIO *to, tp_buf *cap, unsigned *st)
{
    while (move_chunk(from, to, cap, st) > 0) {
    }
}

typedef struct pair {
    SSL_CTX *cctx, *sctx;
    SSL *c, *s;
    BIO *c_in, *c_out, *s_in, *s_out;
} pair;

static int accept_any(int ok, X509_STORE_CTX *ctx)
{
    (void)ok;
    (void)ctx;
    return 1;
}

static int make_pair(const tpf_opts *o, pair *p, tpf_session *s)
{
    memset(p, 0, sizeof(*p));
    p->cctx = tp_keycapture_ctx_new(TLS_client_method());
    if (o->share_server_ctx && !g_shared_sctx)
        g_shared_sctx = SSL_CTX_new(TLS_server_method());
    if (o->share_server_ctx && g_shared_sctx && SSL_CTX_up_ref(g_shared_sctx))
        p->sctx = g_shared_sctx;
    else if (!o->share_server_ctx)
        p->sctx = SSL_CTX_new(TLS_server_method());
    if (!p->cctx || !p->sctx)
        return 0;
    int min = o->server_max ? TLS1_VERSION : o->tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
    int max = o->server_max ? o->server_max : o->tls12 ? TLS1_2_VERSION : 0;
    int ok = SSL_CTX_set_min_proto_version(p->cctx, min) &&
             SSL_CTX_set_min_proto_version(p->sctx, min) &&
             (!max || SSL_CTX_set_max_proto_version(p->sctx, max)) &&
             (!o->cipher_list || (SSL_CTX_set_cipher_list(p->cctx, o->cipher_list) &&
                                  SSL_CTX_set_cipher_list(p->sctx, o->cipher_list))) &&
             (!o->sigalgs || SSL_CTX_set1_sigalgs_list(p->sctx, o->sigalgs)) &&
             SSL_CTX_set_ciphersuites(p->cctx, o->suite) &&
             SSL_CTX_set_ciphersuites(p->sctx, o->suite) &&
             SSL_CTX_set1_groups_list(p->cctx, o->groups) &&
             SSL_CTX_use_certificate(p->sctx, o->cert) && SSL_CTX_use_PrivateKey(p->sctx, o->key);
    if (ok && o->extra_chain) {
        X509_up_ref(o->extra_chain);
        ok = SSL_CTX_add_extra_chain_cert(p->sctx, o->extra_chain);
    }
    if (!ok)
        return 0;
    if (o->server_groups && !SSL_CTX_set1_groups_list(p->sctx, o->server_groups))
        return 0;
    if (o->num_tickets >= 0)
        SSL_CTX_set_num_tickets(p->sctx, (size_t)o->num_tickets);
    SSL_CTX_set_dh_auto(p->sctx, 1);
    if (o->no_ems)
        SSL_CTX_set_options(p->sctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    if (o->no_tickets)
        SSL_CTX_set_options(p->sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_id_context(p->sctx, (const unsigned char *)"tpf", 3);
    if (o->block_padding && (!SSL_CTX_set_block_padding(p->sctx, o->block_padding) ||
                             !SSL_CTX_set_block_padding(p->cctx, o->block_padding)))
        return 0;
    if (o->request_client_cert)
        SSL_CTX_set_verify(p->sctx, SSL_VERIFY_PEER, accept_any);
    SSL_CTX_set_verify(p->cctx, SSL_VERIFY_NONE, NULL);
    p->c = SSL_new(p->cctx);
    p->s = SSL_new(p->sctx);
    p->c_in = BIO_new(BIO_s_mem());
    p->c_out = BIO_new(BIO_s_mem());
    p->s_in = BIO_new(BIO_s_mem());
    p->s_out = BIO_new(BIO_s_mem());
    if (!p->c || !p->s || !p->c_in || !p->c_out || !p->s_in || !p->s_out)
        return 0;
    BIO_set_mem_eof_return(p->c_in, -1);
    BIO_set_mem_eof_return(p->s_in, -1);
    SSL_set_bio(p->c, p->c_in, p->c_out);
    SSL_set_bio(p->s, p->s_in, p->s_out);
    if (o->max_fragment)
        SSL_set_max_send_fragment(p->s, o->max_fragment);
    if (o->sni && !SSL_set_tlsext_host_name(p->c, o->sni))
        return 0;
    if (o->resume && !SSL_set_session(p->c, (SSL_SESSION *)o->resume))
        return 0;
    SSL_set_connect_state(p->c);
    SSL_set_accept_state(p->s);
    return tp_keyshare_capture_install(p->c, &s->ks);
}

static void free_pair(pair *p)
{
    SSL_free(p->c);
    SSL_free(p->s);
    SSL_CTX_free(p->cctx);
    SSL_CTX_free(p->sctx);
}

static int hs_step(SSL *ssl, int *done)
{
    if (*done)
        return 1;
    int r = SSL_do_handshake(ssl);
    if (r == 1) {
        *done = 1;
        return 1;
    }
    int e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

static int handshake(pair *p, tpf_session *s, unsigned *st)
{
    int cd = 0, sd = 0;
    for (int i = 0; i < 100000 && !(cd && sd); i++) {
        if (!hs_step(p->c, &cd) || !hs_step(p->s, &sd))
            return 0;
        move_chunk(p->c_out, p->s_in, &s->client_bytes, st);
        move_chunk(p->s_out, p->c_in, &s->server_bytes, st);
    }
    return cd && sd;
}

/* Reads until want bytes arrived, moving chunks in between. */
static int pump_read(SSL *reader, BIO *from, BIO *to, tp_buf *cap, tp_buf *got, size_t want,
                     unsigned *st)
{
    unsigned char buf[16384];
    for (int i = 0; i < 1000000 && got->len < want; i++) {
        size_t moved = move_chunk(from, to, cap, st);
        int n = SSL_read(reader, buf, sizeof(buf));
        if (n > 0) {
            tp_buf_append(got, buf, (size_t)n);
            continue;
        }
        int e = SSL_get_error(reader, n);
        if (e != SSL_ERROR_WANT_READ)
            return 0;
        if (moved == 0 && BIO_ctrl_pending(from) == 0)
            return 0;
    }
    return got->len >= want;
}

static int write_all(SSL *ssl, const char *p, size_t n)
{
    while (n > 0) {
        size_t k = n > 5000 ? 5000 : n;
        int w = SSL_write(ssl, p, (int)k);
        if (w <= 0)
            return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

static int exchange(const tpf_opts *o, pair *p, tpf_session *s, unsigned *st)
{
    if (o->key_update && !SSL_key_update(p->c, SSL_KEY_UPDATE_REQUESTED))
        return 0;
    size_t qlen = strlen(o->request);
    if (!write_all(p->c, o->request, qlen) ||
        !pump_read(p->s, p->c_out, p->s_in, &s->client_bytes, &s->server_got, qlen, st))
        return 0;
    size_t rlen = strlen(o->response), reps = o->response_repeat ? o->response_repeat : 1;
    for (size_t i = 0; i < reps; i++)
        if (!write_all(p->s, o->response, rlen))
            return 0;
    if (o->renegotiate) { /* writes HelloRequest, then waits for a ClientHello */
        if (!SSL_renegotiate(p->s))
            return 0;
        SSL_do_handshake(p->s);
    }
    if (o->close_notify)
        SSL_shutdown(p->s);
    if (!pump_read(p->c, p->s_out, p->c_in, &s->server_bytes, &s->client_got, rlen * reps, st))
        return 0;
    move_all(p->c_out, p->s_in, &s->client_bytes, st);
    move_all(p->s_out, p->c_in, &s->server_bytes, st);
    return 1;
}

int tpf_run(const tpf_opts *o, tpf_session *s)
{
    memset(s, 0, sizeof(*s));
    pair p;
    unsigned st = o->seed ? o->seed : 1;
    int ok = make_pair(o, &p, s) && handshake(&p, s, &st) && exchange(o, &p, s, &st);
    if (ok) { /* a session freed without shutdown is made unresumable */
        SSL_shutdown(p.c);
        SSL_shutdown(p.s);
        s->session = SSL_get1_session(p.c);
    }
    free_pair(&p);
    ERR_clear_error();
    return ok;
}

void tpf_session_free(tpf_session *s)
{
    tp_buf_free(&s->client_bytes);
    tp_buf_free(&s->server_bytes);
    tp_buf_free(&s->server_got);
    tp_buf_free(&s->client_got);
    tp_keyshare_wipe(&s->ks);
    SSL_SESSION_free((SSL_SESSION *)s->session);
    s->session = NULL;
}

void tpf_input(const tpf_session *s, X509_STORE *trust, const char *host, time_t when,
               tp_tls_verify_input *in)
{
    memset(in, 0, sizeof(*in));
    in->client_bytes = s->client_bytes.data;
    in->client_len = s->client_bytes.len;
    in->server_bytes = s->server_bytes.data;
    in->server_len = s->server_bytes.len;
    in->group = s->ks.group;
    in->private_key = s->ks.priv;
    in->private_key_len = s->ks.priv_len;
    in->trust = trust;
    in->expected_host = host;
    in->verify_time = when;
}

int tpf_write_fuzz_seed(const tpf_session *s, uint8_t sel, const char *dir, const char *name)
{
    if (dir == NULL || *dir == '\0')
        return 1;
    uint8_t head[1 + 48 + 2] = {sel};
    if (s->ks.priv_len > 48 || s->client_bytes.len > 0xffff)
        return 0;
    memcpy(head + 1, s->ks.priv, s->ks.priv_len);
    head[49] = (uint8_t)(s->client_bytes.len >> 8);
    head[50] = (uint8_t)s->client_bytes.len;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return 0;
    int ok = fwrite(head, 1, sizeof(head), f) == sizeof(head) &&
             fwrite(s->client_bytes.data, 1, s->client_bytes.len, f) == s->client_bytes.len &&
             fwrite(s->server_bytes.data, 1, s->server_bytes.len, f) == s->server_bytes.len;
    return fclose(f) == 0 && ok;
}
