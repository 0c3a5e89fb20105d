/* Test support: fake Confidential Space issuer and teeserver; see fake_gcpcs.h. */
#include "fake_gcpcs.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "attest/gcpcs.h"
#include "base/bytes.h"
#include "base/codec.h"

static char *b64url_str(const void *p, size_t n)
{
    tp_buf b = TP_BUF_INIT;
    if (!tp_base64_encode(p, n, 1, &b) || !tp_buf_terminate(&b)) {
        tp_buf_free(&b);
        return NULL;
    }
    size_t len;
    return (char *)tp_buf_detach(&b, &len);
}

static char *bn_b64url(const EVP_PKEY *key, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(key, name, &bn))
        return NULL;
    uint8_t buf[1024];
    int n = BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64url_str(buf, (size_t)n);
}

static int write_jwks(const tp_fake_gcpcs *f)
{
    char *n = bn_b64url(f->key, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64url(f->key, OSSL_PKEY_PARAM_RSA_E);
    json_t *jwks = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys", "kty", "RSA", "alg", "RS256", "use",
                             "sig", "kid", "tp-test-kid", "n", n, "e", e);
    int ok = jwks != NULL && json_dump_file(jwks, f->jwks_path, 0) == 0;
    json_decref(jwks);
    free(n);
    free(e);
    return ok;
}

int tp_fake_gcpcs_init(tp_fake_gcpcs *f)
{
    memset(f, 0, sizeof(*f));
    f->listen_fd = -1;
    strcpy(f->dir, "/tmp/tp-gcpcs-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return 0;
    snprintf(f->jwks_path, sizeof(f->jwks_path), "%s/jwks.json", f->dir);
    snprintf(f->socket_path, sizeof(f->socket_path), "%s/teeserver.sock", f->dir);
    f->key = EVP_RSA_gen(2048);
    return f->key != NULL && write_jwks(f);
}

void tp_fake_gcpcs_free(tp_fake_gcpcs *f)
{
    EVP_PKEY_free(f->key);
    unlink(f->jwks_path);
    unlink(f->socket_path);
    rmdir(f->dir);
    memset(f, 0, sizeof(*f));
}

json_t *tp_fake_gcpcs_claims(const uint8_t *report_data, const char *audience, time_t now)
{
    json_t *c = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:b, s:[s], s:s,"
        " s:{s:{s:s, s:s, s:s}, s:{s:[s]}}}",
        "iss", TP_GCPCS_ISSUER, "aud", audience, "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp",
        (json_int_t)now + 3600, "sub", "https://www.googleapis.com/compute/v1/projects/p/zones/z/instances/i",
        "hwmodel", "GCP_INTEL_TDX", "swname", "CONFIDENTIAL_SPACE", "secboot", 1, "swversion", "250301",
        "dbgstat", "disabled-since-boot", "submods", "container", "image_reference",
        "us-docker.pkg.dev/p/r/teeproof-notary:1", "image_digest",
        "sha256:667b7cc9407f7d9949d43fd51dde2a5b66db9b695ef5bfe525cf8576d54ffaa9", "restart_policy", "Never",
        "confidential_space", "support_attributes", "STABLE");
    if (c != NULL && report_data != NULL) {
        char nonces[2][TP_GCPCS_NONCE_LEN + 1];
        tp_gcpcs_nonces(report_data, nonces);
        json_object_set_new(c, "eat_nonce", json_pack("[s, s, s]", "relying-party-nonce-123", nonces[1], nonces[0]));
    }
    return c;
}

char *tp_fake_gcpcs_token(const tp_fake_gcpcs *f, const json_t *claims, const char *kid)
{
    json_t *hdr = json_pack("{s:s, s:s, s:s}", "alg", "RS256", "kid", kid, "typ", "JWT");
    char *h = json_dumps(hdr, JSON_COMPACT), *p = json_dumps(claims, JSON_COMPACT);
    json_decref(hdr);
    char *hb = b64url_str(h, strlen(h)), *pb = b64url_str(p, strlen(p));
    free(h);
    free(p);
    size_t n = strlen(hb) + 1 + strlen(pb); /* length of "header.payload" */
    char *tok = malloc(n + 800);
    snprintf(tok, n + 1, "%s.%s", hb, pb);
    free(hb);
    free(pb);
    uint8_t sig[512];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, f->key) == 1 &&
             EVP_DigestSign(md, sig, &sig_len, (const uint8_t *)tok, n) == 1;
    EVP_MD_CTX_free(md);
    char *sb = ok ? b64url_str(sig, sig_len) : NULL;
    if (sb == NULL) {
        free(tok);
        return NULL;
    }
    snprintf(tok + n, 800, ".%s", sb);
    free(sb);
    return tok;
}

/* ---- teeserver ---- */

/* Reads one HTTP request (headers + Content-Length body); returns the body or NULL. */
static json_t *read_request(int fd)
{
    char buf[8192];
    size_t len = 0;
    const char *body = NULL;
    size_t want = 0;
    while (len < sizeof(buf) - 1) {
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            return NULL;
        len += (size_t)n;
        buf[len] = '\0';
        const char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strstr(buf, "Content-Length: ");
        if (end == NULL || cl == NULL)
            continue;
        body = end + 4;
        want = strtoul(cl + 16, NULL, 10);
        if (len - (size_t)(body - buf) >= want)
            break;
    }
    if (body == NULL || strncmp(buf, "POST /v1/token HTTP/1.", 22) != 0)
        return NULL;
    json_error_t jerr;
    return json_loadb(body, want, 0, &jerr);
}

static void *teeserver_main(void *arg)
{
    tp_fake_gcpcs *f = arg;
    int fd = accept(f->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    json_t *req = read_request(fd);
    if (f->raw_reply != NULL) {
        send(fd, f->raw_reply, strlen(f->raw_reply), MSG_NOSIGNAL);
        json_decref(req);
        close(fd);
        return NULL;
    }
    const char *aud = json_string_value(json_object_get(req, "audience"));
    const char *type = json_string_value(json_object_get(req, "token_type"));
    json_t *nonces = json_object_get(req, "nonces");
    f->request_ok = aud != NULL && type != NULL && strcmp(type, "OIDC") == 0 && json_array_size(nonces) == 2;
    if (aud != NULL)
        snprintf(f->seen_audience, sizeof(f->seen_audience), "%s", aud);
    json_t *claims = tp_fake_gcpcs_claims(NULL, aud != NULL ? aud : "?", time(NULL));
    json_t *echo = json_deep_copy(nonces);
    if (f->swap_nonce && json_array_size(echo) == 2) {
        char other[TP_GCPCS_NONCE_LEN + 1];
        snprintf(other, sizeof(other), "%s", json_string_value(json_array_get(echo, 0)));
        other[4] = other[4] == 'a' ? 'b' : 'a';
        json_array_set_new(echo, 0, json_string(other));
    }
    json_object_set_new(claims, "eat_nonce", echo);
    char *tok = tp_fake_gcpcs_token(f, claims, "tp-test-kid");
    char head[128];
    snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
             strlen(tok));
    send(fd, head, strlen(head), MSG_NOSIGNAL);
    send(fd, tok, strlen(tok), MSG_NOSIGNAL);
    free(tok);
    json_decref(claims);
    json_decref(req);
    close(fd);
    return NULL;
}

int tp_fake_teeserver_start(tp_fake_gcpcs *f)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->socket_path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(f->listen_fd, 1) != 0)
        return 0;
    return pthread_create(&f->thread, NULL, teeserver_main, f) == 0;
}

void tp_fake_teeserver_join(tp_fake_gcpcs *f)
{
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
    f->listen_fd = -1;
}
