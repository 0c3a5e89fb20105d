/* The prover's attested channel to the notary: TLS 1.3, RFC 9266 exporter binding, and
 * evidence verification before anything secret is sent. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proof/ed25519.h"
#include "attest/attest_json.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "tee/identity.h"
#include "prover/prover_int.h"

static int split_host_port(const char *s, char *host, size_t hl, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s)
        return 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || p == 0 || p > 65535 || colon[1] == '\0')
        return 0;
    const char *h = s;
    size_t n = (size_t)(colon - s);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= hl)
        return 0;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = (uint16_t)p;
    return 1;
}

static int connect_with_timeout(const struct addrinfo *ai, unsigned timeout_ms)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        rc = poll(&p, 1, (int)timeout_ms) == 1 &&
                     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0
                 ? 0 : -1;
        if (soerr)
            errno = soerr;
        else if (rc != 0)
            errno = ETIMEDOUT;
    }
    if (rc != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static tp_err tcp_connect(const char *notary, unsigned timeout_ms, int *fd, tp_error *err)
{
    char host[256], port_s[8];
    uint16_t port;
    if (!split_host_port(notary, host, sizeof(host), &port))
        return tp_error_set(err, TP_ERR_ARG, "notary address must be HOST:PORT, got '%s'", notary);
    snprintf(port_s, sizeof(port_s), "%u", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, port_s, &hints, &res);
    if (rc != 0)
        return tp_error_set(err, TP_ERR_RESOLVE, "cannot resolve notary %s: %s", host, gai_strerror(rc));
    *fd = -1;
    int e = 0;
    for (struct addrinfo *ai = res; ai && *fd < 0; ai = ai->ai_next)
        if ((*fd = connect_with_timeout(ai, timeout_ms)) < 0)
            e = errno;
    freeaddrinfo(res);
    if (*fd < 0)
        return tp_error_set(err, e == ETIMEDOUT ? TP_ERR_TIMEOUT : TP_ERR_CONNECT,
                            "cannot connect to notary %s: %s", notary, strerror(e));
    return TP_OK;
}

/* The channel reads ahead into a buffer of this size: one read() per few records of a
 * tunnel's DATA instead of two (header, then body) per record. */
#define TP_CHANNEL_READ_BUFFER (64u << 10)

tp_err tp_channel_open(tp_channel *c, const char *notary, unsigned timeout_ms, tp_error *err)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    tp_err rc = tcp_connect(notary, timeout_ms ? timeout_ms : 30000, &c->fd, err);
    if (rc != TP_OK)
        return rc;
    /* No CA check: the channel is trusted through the attestation bound to its exporter. */
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (c->ctx == NULL || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION))
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot set up TLS to the notary");
    SSL_CTX_set_default_read_buffer_len(c->ctx, TP_CHANNEL_READ_BUFFER);
    if ((c->ssl = SSL_new(c->ctx)) == NULL || !SSL_set_fd(c->ssl, c->fd))
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot set up TLS to the notary");
    SSL_set_read_ahead(c->ssl, 1); /* blocking reads only: nothing polls the socket */
    SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    if (SSL_connect(c->ssl) != 1) {
        unsigned long e = ERR_get_error();
        ERR_clear_error();
        return tp_error_set(err, TP_ERR_CHANNEL, "TLS 1.3 handshake with notary %s failed: %s", notary,
                            e ? ERR_reason_error_string(e) : "connection closed");
    }
    return TP_OK;
}

void tp_channel_close(tp_channel *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    tp_frame_decoder_free(&c->in);
    tp_buf_free(&c->out);
    c->ssl = NULL;
    c->ctx = NULL;
    c->fd = -1;
}

/* After a failed write: the notary may have refused and closed; its ERROR frame, if it
 * arrived, says why (1, in *err). Other frames still in flight are skipped. */
static int notary_error(tp_channel *c, tp_error *err)
{
    uint8_t buf[16384];
    tp_frame f;
    tp_error e;
    for (;;) {
        int got = tp_frame_decoder_next(&c->in, &f, &e);
        if (got < 0)
            return 0;
        if (got == 1 && f.type == TP_MSG_ERROR) {
            tp_error_frame_parse(f.payload, f.len, err);
            return 1;
        }
        if (got == 1)
            continue;
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r <= 0 || !tp_frame_decoder_feed(&c->in, buf, (size_t)r)) {
            ERR_clear_error();
            return 0;
        }
    }
}

/* 1 if the SSL call's failure was a signal's interruption (EINTR: a stopped and resumed
 * process, Ctrl-Z then fg, gets it from a socket with a timeout): call it again. */
static int interrupted(SSL *ssl, int rc)
{
    int e = SSL_get_error(ssl, rc);
    if (errno != EINTR || (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE))
        return 0;
    ERR_clear_error();
    return 1;
}

/* Queued frames are sent once this much waits (a long upload streams rather than piling up). */
#define TP_CHANNEL_QUEUE_MAX (64u << 10)

tp_err tp_channel_queue(tp_channel *c, uint8_t type, const void *p, size_t n, tp_error *err)
{
    if (!tp_frame_write(&c->out, type, p, n))
        return tp_error_set(err, TP_ERR_LIMIT, "message too large for the notary protocol");
    return c->out.len >= TP_CHANNEL_QUEUE_MAX ? tp_channel_flush(c, err) : TP_OK;
}

tp_err tp_channel_flush(tp_channel *c, tp_error *err)
{
    size_t off = 0;
    while (off < c->out.len) {
        size_t chunk = c->out.len - off > 65536 ? 65536 : c->out.len - off;
        int w = SSL_write(c->ssl, c->out.data + off, (int)chunk);
        if (w <= 0 && interrupted(c->ssl, w))
            continue;
        if (w <= 0) {
            int timed_out = errno == EAGAIN;
            ERR_clear_error();
            OPENSSL_cleanse(c->out.data, c->out.len);
            c->out.len = 0;
            if (!timed_out && notary_error(c, err))
                return err->code;
            return tp_error_set(err, timed_out ? TP_ERR_TIMEOUT : TP_ERR_IO,
                                "cannot write to the notary");
        }
        off += (size_t)w;
    }
    OPENSSL_cleanse(c->out.data, c->out.len); /* may have carried the key share */
    c->out.len = 0;
    return TP_OK;
}

tp_err tp_channel_send(tp_channel *c, uint8_t type, const void *p, size_t n, tp_error *err)
{
    tp_err rc = tp_channel_queue(c, type, p, n, err);
    return rc == TP_OK ? tp_channel_flush(c, err) : rc;
}

tp_err tp_channel_recv(tp_channel *c, tp_frame *f, tp_error *err)
{
    uint8_t buf[16384];
    tp_err rc = c->out.len > 0 ? tp_channel_flush(c, err) : TP_OK; /* what the answer waits for */
    if (rc != TP_OK)
        return rc;
    for (;;) {
        int got = tp_frame_decoder_next(&c->in, f, err);
        if (got < 0)
            return err->code;
        if (got == 1 && f->type == TP_MSG_ERROR) {
            tp_error_frame_parse(f->payload, f->len, err);
            return err->code;
        }
        if (got == 1 && c->tunnel_pending) { /* the answer to a TUNNEL_REQ sent with its data */
            if (f->type != TP_MSG_TUNNEL_OK)
                return tp_error_set(err, TP_ERR_PROTOCOL,
                                    "unexpected message 0x%02x from the notary before TUNNEL_OK", f->type);
            c->tunnel_pending = 0;
            continue;
        }
        if (got == 1)
            return TP_OK;
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r <= 0 && interrupted(c->ssl, r))
            continue;
        if (r <= 0) {
            int timed_out = errno == EAGAIN || errno == EWOULDBLOCK;
            ERR_clear_error();
            return tp_error_set(err, timed_out ? TP_ERR_TIMEOUT : TP_ERR_PROTOCOL,
                                timed_out ? "timed out waiting for the notary"
                                          : "the notary closed the connection");
        }
        if (!tp_frame_decoder_feed(&c->in, buf, (size_t)r))
            return tp_error_set(err, TP_ERR_NOMEM, NULL);
    }
}

static tp_err expect(tp_channel *c, uint8_t type, tp_frame *f, tp_error *err)
{
    tp_err rc = tp_channel_recv(c, f, err);
    if (rc == TP_OK && f->type != type)
        rc = tp_error_set(err, TP_ERR_PROTOCOL, "unexpected message 0x%02x from the notary", f->type);
    return rc;
}

static tp_err b64_field(json_t *o, const char *key, tp_buf *out, tp_error *err)
{
    if (!tp_json_get_base64(o, key, out))
        return tp_error_set(err, TP_ERR_CHANNEL, "attestation: %s missing or not base64", key);
    return TP_OK;
}

tp_err tp_channel_attested_window(const json_t *attest_resp, time_t now, tp_key_window *w,
                                  tp_error *err)
{
    if (!tp_key_window_from_json(json_object_get(attest_resp, "key_window"), w))
        return tp_error_set(err, TP_ERR_KEY_WINDOW, "attestation: key_window missing or malformed");
    /* The key must be current by our own clock too (within the allowed skew): a notary
     * key that leaked after its window cannot impersonate the notary. */
    return tp_key_window_check(w, (int64_t)now, TP_KEY_WINDOW_SKEW_S, "attestation: the prover's clock", err);
}

/* Checks evidence -> key and window, and key -> this channel; fills facts. */
static tp_err verify_attestation(tp_channel *c, json_t *o, const tp_policy *policy,
                                 tp_evidence_facts *facts, tp_error *err)
{
    const char *platform = json_string_value(json_object_get(o, "platform"));
    const json_t *collateral = json_object_get(o, "collateral"); /* bundled collateral (TDX, SEV-SNP) */
    tp_buf ev = TP_BUF_INIT, spki = TP_BUF_INIT, sig = TP_BUF_INIT;
    uint8_t exporter[TP_EXPORTER_LEN], msg[TP_CHANNEL_BINDING_MSG_LEN], binding[64];
    uint8_t eth_address[TP_ETH_ADDRESS_LEN];
    tp_key_window window = {0, 0};
    tp_err rc = platform ? TP_OK : tp_error_set(err, TP_ERR_CHANNEL, "attestation: platform missing");
    if (rc == TP_OK &&
        !tp_eth_unhex(json_string_value(json_object_get(o, "eth_address")), eth_address, sizeof(eth_address)))
        rc = tp_error_set(err, TP_ERR_CHANNEL, "attestation: eth_address missing or not 0x + 20 bytes hex");
    if (rc == TP_OK && (rc = b64_field(o, "evidence", &ev, err)) == TP_OK &&
        (rc = b64_field(o, "public_key", &spki, err)) == TP_OK)
        rc = b64_field(o, "binding_signature", &sig, err);
    if (rc == TP_OK && spki.len > sizeof(c->spki))
        rc = tp_error_set(err, TP_ERR_CHANNEL, "attestation: public key too long");
    if (rc == TP_OK && collateral != NULL && !json_is_object(collateral))
        rc = tp_error_set(err, TP_ERR_CHANNEL, "attestation: collateral must be an object");
    if (rc == TP_OK)
        rc = tp_channel_attested_window(o, time(NULL), &window, err);
    if (rc == TP_OK) {
        tp_attest_key_binding(spki.data, spki.len, eth_address, &window, binding);
        rc = tp_policy_verify_evidence_bundled(policy, platform, ev.data, ev.len, binding, 0,
                                               collateral, facts, err);
    }
    if (rc == TP_OK && SSL_export_keying_material(c->ssl, exporter, sizeof(exporter), TP_EXPORTER_LABEL,
                                                  strlen(TP_EXPORTER_LABEL), NULL, 0, 0) != 1)
        rc = tp_error_set(err, TP_ERR_CRYPTO, "cannot compute the channel binding");
    if (rc == TP_OK) {
        tp_channel_binding_message(exporter, msg);
        rc = tp_ed25519_verify_spki(spki.data, spki.len, msg, sizeof(msg), sig.data, sig.len, err);
        if (rc != TP_OK)
            rc = tp_error_set(err, TP_ERR_CHANNEL, "the attested key did not sign this channel's binding");
    }
    if (rc == TP_OK) {
        memcpy(c->spki, spki.data, spki.len);
        c->spki_len = spki.len;
        memcpy(c->eth_address, eth_address, sizeof(eth_address));
        c->window = window;
    }
    tp_buf_free(&ev);
    tp_buf_free(&spki);
    tp_buf_free(&sig);
    return rc;
}

/* 1 if the ATTEST_RESP's "features" array names feature (an older notary has none). */
static int has_feature(const json_t *attest_resp, const char *feature)
{
    const json_t *v, *list = json_object_get(attest_resp, "features");
    size_t i;
    json_array_foreach(list, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), feature) == 0)
            return 1;
    }
    return 0;
}

tp_err tp_channel_attest(tp_channel *c, const tp_policy *policy, json_t **info, tp_error *err)
{
    tp_frame f;
    tp_err rc = tp_channel_send(c, TP_MSG_ATTEST_REQ, "{}", 2, err);
    if (rc == TP_OK)
        rc = expect(c, TP_MSG_ATTEST_RESP, &f, err);
    if (rc != TP_OK)
        return rc;
    json_t *o = json_loadb((const char *)f.payload, f.len, JSON_REJECT_DUPLICATES, NULL);
    tp_evidence_facts facts = {0};
    rc = json_is_object(o) ? verify_attestation(c, o, policy, &facts, err)
                           : tp_error_set(err, TP_ERR_CHANNEL, "attestation is not a JSON object");
    if (rc == TP_OK) {
        c->attested = 1;
        c->early_data = has_feature(o, TP_FEATURE_TUNNEL_EARLY_DATA);
        if (info)
            *info = json_pack("{s:O, s:O, s:O, s:o, s:o}", "platform", json_object_get(o, "platform"),
                              "public_key", json_object_get(o, "public_key"),
                              "eth_address", json_object_get(o, "eth_address"),
                              "key_window", tp_key_window_json(&c->window),
                              "facts", tp_evidence_facts_to_json(&facts));
    }
    tp_evidence_facts_free(&facts);
    json_decref(o);
    return rc;
}

tp_err tp_channel_check_proof_key(const tp_channel *c, const char *proof, size_t len, tp_error *err)
{
    json_t *doc = json_loadb(proof, len, JSON_REJECT_DUPLICATES, NULL);
    json_t *sig = json_object_get(doc, "signature");
    tp_buf spki = TP_BUF_INIT;
    tp_key_window w = {0, 0};
    uint8_t eth_address[TP_ETH_ADDRESS_LEN];
    int same = tp_json_get_base64(sig, "public_key", &spki) && spki.len == c->spki_len &&
               memcmp(spki.data, c->spki, spki.len) == 0 &&
               tp_eth_unhex(json_string_value(json_object_get(json_object_get(sig, "eth"), "address")),
                            eth_address, sizeof(eth_address)) &&
               memcmp(eth_address, c->eth_address, sizeof(eth_address)) == 0 &&
               tp_key_window_from_json(json_object_get(sig, "key_window"), &w) &&
               w.not_before == c->window.not_before && w.not_after == c->window.not_after;
    tp_buf_free(&spki);
    json_decref(doc);
    return same ? TP_OK
                : tp_error_set(err, TP_ERR_CHANNEL, "the proof is not signed by the key the notary attested");
}

tp_err tp_channel_tunnel(tp_channel *c, const char *host, uint16_t port, tp_error *err)
{
    if (!c->attested)
        return tp_error_set(err, TP_ERR_CHANNEL, "refusing to use an unattested notary");
    json_t *o = json_pack("{s:s, s:i}", "host", host, "port", (int)port);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    tp_frame f;
    if (c->early_data) { /* the ClientHello follows in the same write (tunnel.c) */
        tp_err rc = tp_channel_queue(c, TP_MSG_TUNNEL_REQ, s, strlen(s), err);
        free(s);
        c->tunnel_pending = rc == TP_OK;
        return rc;
    }
    tp_err rc = tp_channel_send(c, TP_MSG_TUNNEL_REQ, s, strlen(s), err);
    free(s);
    return rc == TP_OK ? expect(c, TP_MSG_TUNNEL_OK, &f, err) : rc;
}
