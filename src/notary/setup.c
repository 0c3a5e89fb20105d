/* Notary start-up: trust store for targets, the channel's TLS context, the attested
 * identity, and the listening socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/codec.h"
#include "notary/notary.h"
#include "notary/pcs.h"
#include "notary/resolver.h"
#include "notary/workers.h"

static tp_err load_trust(tp_notary *n, tp_error *err)
{
    n->trust = X509_STORE_new();
    if (n->trust == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    if (n->cfg.ca_file == NULL) {
        snprintf(n->trust_id, sizeof(n->trust_id), "system");
        if (X509_STORE_set_default_paths(n->trust) != 1)
            return tp_error_set(err, TP_ERR_IO, "cannot load the system trust store");
        return TP_OK;
    }
    FILE *f = fopen(n->cfg.ca_file, "rb");
    tp_buf pem = TP_BUF_INIT;
    char chunk[4096];
    size_t got;
    while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        tp_buf_append(&pem, chunk, got);
    if (f)
        fclose(f);
    int loaded = f && pem.len > 0 && X509_STORE_load_file(n->trust, n->cfg.ca_file) == 1;
    if (loaded) {
        uint8_t h[32];
        char hex[65];
        tp_sha256(pem.data, pem.len, h);
        tp_hex_encode(h, sizeof(h), hex);
        snprintf(n->trust_id, sizeof(n->trust_id), "sha256:%s", hex);
    }
    tp_buf_free(&pem);
    ERR_clear_error();
    return loaded ? TP_OK : tp_error_set(err, TP_ERR_IO, "cannot load CA file %s", n->cfg.ca_file);
}

/* A fresh P-256 key and self-signed certificate: provers trust the attestation, not a CA. */
static int use_self_signed(SSL_CTX *ctx)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    int ok = key && x && X509_set_version(x, 2) &&
             ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) && X509_set_pubkey(x, key) &&
             X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                        (const unsigned char *)"teeproof-notary", -1, -1, 0) &&
             X509_set_issuer_name(x, X509_get_subject_name(x)) && X509_sign(x, key, EVP_sha256()) &&
             SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1;
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

#define TP_CHANNEL_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

static tp_err make_ssl_ctx(tp_notary *n, tp_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    n->ssl_ctx = ctx;
    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION))
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot create the TLS context");
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_num_tickets(ctx, 0); /* sessions are single-use; no resumption */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); /* nor a cache to keep or flush */
    SSL_CTX_set_read_ahead(ctx, 1);  /* one read(2) for what is there, not two per record */
    /* The channel's suite, ours to choose (the prover offers OpenSSL's defaults): AES-128-GCM
     * with SHA-256 first, ~8% of the notary's handshake CPU below AES-256/SHA-384 (its key
     * schedule hashes 64-byte blocks). The channel is bound to the attested key by the
     * exporter signature whatever the suite; all three TLS 1.3 suites stay allowed. */
    if (SSL_CTX_set_ciphersuites(ctx, TP_CHANNEL_SUITES) != 1)
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot set the channel's cipher suites");
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    int ok = n->cfg.cert_file
                 ? SSL_CTX_use_certificate_chain_file(ctx, n->cfg.cert_file) == 1 &&
                       SSL_CTX_use_PrivateKey_file(ctx, n->cfg.key_file, SSL_FILETYPE_PEM) == 1 &&
                       SSL_CTX_check_private_key(ctx) == 1
                 : use_self_signed(ctx);
    ERR_clear_error();
    if (!ok)
        return tp_error_set(err, TP_ERR_CRYPTO, n->cfg.cert_file ? "cannot load --cert/--key"
                                                                 : "cannot make the channel certificate");
    return TP_OK;
}

tp_err tp_notary_attach_collateral(tp_notary *n, tp_identity *id, tp_error *err)
{
    if (n->cfg.collateral_dir != NULL)
        return tp_identity_set_collateral(id, n->cfg.collateral_dir, err);
    if (n->pcs != NULL)
        return tp_identity_set_collateral_fetch(id, tp_pcs_fetch, n->pcs, err);
    return TP_OK;
}

/* --collateral-url, parsed before anything else so that a bad URL is refused first. */
static tp_err parse_collateral_url(tp_notary *n, tp_error *err)
{
    if (n->cfg.collateral_url == NULL)
        return TP_OK;
    if (n->cfg.collateral_dir != NULL)
        return tp_error_set(err, TP_ERR_ARG, "--collateral and --collateral-url exclude each other");
    n->pcs = calloc(1, sizeof(*n->pcs));
    if (n->pcs == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    return tp_pcs_source_parse(n->cfg.collateral_url, n->pcs, err);
}

tp_err tp_notary_setup(tp_notary *n, tp_error *err)
{
    tp_err rc = parse_collateral_url(n, err);
    if (rc == TP_OK)
        rc = load_trust(n, err);
    if (rc == TP_OK)
        rc = make_ssl_ctx(n, err);
    if (rc != TP_OK)
        return rc;
    tp_attester_config acfg = {.tsm_root = n->cfg.tsm_root, .nsm_dev = n->cfg.nsm_dev,
                               .teeserver_socket = n->cfg.teeserver_socket, .audience = n->cfg.audience};
    pthread_mutex_init(&n->identity_lock, NULL);
    rc = tp_attester_open(n->cfg.tee, &acfg, &n->attester, err);
    time_t now = time(NULL);
    tp_key_window window = {(int64_t)now, (int64_t)now + n->cfg.key_lifetime_s};
    if (rc == TP_OK)
        rc = tp_identity_create_window(n->attester, &window, &n->identity, err);
    if (rc == TP_OK)
        rc = tp_notary_attach_collateral(n, n->identity, err);
    if (rc == TP_OK && !tp_resolver_start(n))
        rc = tp_error_set(err, TP_ERR_IO, "cannot start the resolver threads");
    if (rc == TP_OK && !tp_workers_start(n))
        rc = tp_error_set(err, TP_ERR_IO, "cannot start the proof worker threads");
    if (rc == TP_OK && !tp_refresher_start(n))
        rc = tp_error_set(err, TP_ERR_IO, "cannot start the key refresher");
    return rc;
}

void tp_notary_teardown(tp_notary *n)
{
    tp_refresher_stop(n);
    tp_workers_stop(n); /* before the trust store and the identities its jobs use */
    tp_session_close_all(n);
    tp_resolver_stop(n);
    if (n->listen_fd >= 0)
        close(n->listen_fd);
    if (n->signal_fd >= 0)
        close(n->signal_fd);
    if (n->epfd >= 0)
        close(n->epfd);
    SSL_CTX_free(n->ssl_ctx);
    X509_STORE_free(n->trust);
    tp_identity_free(n->identity);
    tp_attester_free(n->attester);
    free(n->pcs); /* after the identity: its fetches use it */
    n->pcs = NULL;
}

static int split_host_port(const char *s, char *host, size_t host_len, char *port, size_t port_len)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || colon[1] == '\0')
        return 0;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= host_len || strlen(colon + 1) >= port_len)
        return 0;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, port_len, "%s", colon + 1);
    return 1;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    return sa->sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

tp_err tp_notary_bind(const char *spec, const char *what, int loopback_only, int *fd_out,
                      char *bound, size_t bound_len, tp_error *err)
{
    char host[256], port[16];
    if (!split_host_port(spec, host, sizeof(host), port, sizeof(port)))
        return tp_error_set(err, TP_ERR_ARG, "%s wants HOST:PORT, got '%s'", what, spec);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "cannot resolve %s address %s: %s", what, host, gai_strerror(rc));
    if (loopback_only && !is_loopback(res->ai_addr)) {
        freeaddrinfo(res);
        return tp_error_set(err, TP_ERR_ARG, "%s %s is not a loopback address (see --metrics-allow-remote)",
                            what, spec);
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 512) != 0) {
        int e = errno;
        freeaddrinfo(res);
        if (fd >= 0)
            close(fd);
        return tp_error_set(err, TP_ERR_IO, "cannot listen on %s: %s", spec, strerror(e));
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[INET6_ADDRSTRLEN] = "?", serv[16] = "?";
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    getnameinfo((struct sockaddr *)&ss, sl, addr, sizeof(addr), serv, sizeof(serv),
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(bound, bound_len, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", addr, serv);
    *fd_out = fd;
    return TP_OK;
}

tp_err tp_notary_listen(tp_notary *n, char *bound, size_t bound_len, tp_error *err)
{
    tp_err rc = tp_notary_bind(n->cfg.listen, "--listen", 0, &n->listen_fd, bound, bound_len, err);
    int one = 1; /* accepted sockets inherit it on Linux (checked at the first accept, loop.c) */
    if (rc == TP_OK)
        setsockopt(n->listen_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return rc;
}
