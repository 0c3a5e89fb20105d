/* Google Confidential Space attester: asks the launcher's teeserver (HTTP over a unix socket)
 * for an OIDC token whose eat_nonce carries the binding, and the platform table row.
 * The request is HTTP/1.0 so that the reply is never chunked: the body ends at EOF. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "attest/gcpcs.h"
#include "tee/attester.h"
#include "attest/jwt.h"
#include "base/bytes.h"

#define TEESERVER_DEFAULT_SOCKET "/run/container_launcher/teeserver.sock"
#define TEESERVER_MAX_RESPONSE 65536
#define TEESERVER_TIMEOUT_S 30

typedef struct gcpcs_state {
    char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char audience[512];
} gcpcs_state;

static const char *socket_path(const tp_attester_config *cfg)
{
    return cfg != NULL && cfg->teeserver_socket != NULL ? cfg->teeserver_socket : TEESERVER_DEFAULT_SOCKET;
}

static int gcpcs_detect(const tp_attester_config *cfg)
{
    struct stat st;
    return stat(socket_path(cfg), &st) == 0 && S_ISSOCK(st.st_mode);
}

static tp_err gcpcs_attester_new(const tp_attester_config *cfg, void **state, tp_error *err)
{
    const char *path = socket_path(cfg);
    const char *aud = cfg != NULL && cfg->audience != NULL ? cfg->audience : TP_GCPCS_DEFAULT_AUDIENCE;
    gcpcs_state *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "gcp-cs: out of memory");
    if (strlen(path) >= sizeof(s->socket_path) || aud[0] == '\0' || strlen(aud) >= sizeof(s->audience)) {
        free(s);
        return tp_error_set(err, TP_ERR_ARG, "gcp-cs: socket path or audience too long (or audience empty)");
    }
    strcpy(s->socket_path, path);
    strcpy(s->audience, aud);
    *state = s;
    return TP_OK;
}

static void gcpcs_attester_free(void *state) { free(state); }

/* POST /v1/token {"audience", "token_type": "OIDC", "nonces": [tp0, tp1]} as HTTP/1.0. */
static int build_request(const gcpcs_state *s, const uint8_t report_data[64], tp_buf *out)
{
    char nonces[2][TP_GCPCS_NONCE_LEN + 1];
    tp_gcpcs_nonces(report_data, nonces);
    json_t *body = json_pack("{s:s, s:s, s:[s, s]}", "audience", s->audience, "token_type", "OIDC",
                             "nonces", nonces[0], nonces[1]);
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    char head[160];
    int ok = text != NULL &&
             snprintf(head, sizeof(head),
                      "POST /v1/token HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n", strlen(text)) < (int)sizeof(head) &&
             tp_buf_append_str(out, head) && tp_buf_append_str(out, text);
    free(text);
    return ok;
}

static tp_err connect_socket(const char *path, int *fd, tp_error *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, path); /* length checked in attester_new */
    struct timeval tv = {.tv_sec = TEESERVER_TIMEOUT_S};
    *fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0 || setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(*fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        tp_err rc = tp_error_set(err, TP_ERR_PLATFORM, "gcp-cs: cannot reach teeserver at %s: %s", path,
                                 strerror(errno));
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return rc;
    }
    return TP_OK;
}

/* Sends the request and reads the reply up to EOF (bounded). */
static tp_err exchange(const gcpcs_state *s, const tp_buf *req, tp_buf *resp, tp_error *err)
{
    int fd;
    tp_err rc = connect_socket(s->socket_path, &fd, err);
    if (rc != TP_OK)
        return rc;
    for (size_t off = 0; off < req->len && rc == TP_OK;) {
        ssize_t n = send(fd, req->data + off, req->len - off, MSG_NOSIGNAL);
        if (n <= 0)
            rc = tp_error_set(err, TP_ERR_IO, "gcp-cs: teeserver send: %s", strerror(errno));
        else
            off += (size_t)n;
    }
    uint8_t chunk[4096];
    while (rc == TP_OK) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n == 0)
            break;
        if (n < 0)
            rc = tp_error_set(err, errno == EAGAIN ? TP_ERR_TIMEOUT : TP_ERR_IO, "gcp-cs: teeserver recv: %s",
                              strerror(errno));
        else if (resp->len + (size_t)n > TEESERVER_MAX_RESPONSE)
            rc = tp_error_set(err, TP_ERR_LIMIT, "gcp-cs: teeserver reply over %d bytes", TEESERVER_MAX_RESPONSE);
        else if (!tp_buf_append(resp, chunk, (size_t)n))
            rc = tp_error_set(err, TP_ERR_NOMEM, "gcp-cs: out of memory");
    }
    close(fd);
    return rc;
}

/* Copies up to cap-1 bytes of p, with anything unprintable as '?', for a one-line error. */
static const char *printable(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    out[i] = '\0';
    return out;
}

/* Checks one header line; only Transfer-Encoding (refused) and Content-Length matter. */
static int header_ok(const char *line, size_t n, size_t body_len)
{
    static const char cl[] = "content-length:";
    if (n >= 18 && strncasecmp(line, "transfer-encoding:", 18) == 0)
        return 0;
    if (n < sizeof(cl) - 1 || strncasecmp(line, cl, sizeof(cl) - 1) != 0)
        return 1;
    size_t v = 0, i = sizeof(cl) - 1;
    while (i < n && line[i] == ' ')
        i++;
    if (i == n)
        return 0;
    for (; i < n; i++) {
        if (line[i] < '0' || line[i] > '9' || v > TEESERVER_MAX_RESPONSE)
            return 0;
        v = v * 10 + (size_t)(line[i] - '0');
    }
    return v == body_len;
}

/* "HTTP/1.x 200 ..." with sane headers; body and body_len get the token, trailing space cut. */
static tp_err parse_reply(const tp_buf *r, const uint8_t **body, size_t *body_len, tp_error *err)
{
    const uint8_t *end = r->len >= 12 ? memmem(r->data, r->len, "\r\n\r\n", 4) : NULL;
    if (end == NULL || memcmp(r->data, "HTTP/1.", 7) != 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "gcp-cs: teeserver reply is not HTTP");
    *body = end + 4;
    *body_len = r->len - (size_t)(*body - r->data);
    size_t full = *body_len;
    if (memcmp(r->data + 8, " 200", 4) != 0) {
        char status[4], text[121];
        return tp_error_set(err, TP_ERR_PLATFORM, "gcp-cs: teeserver answered %s: %s",
                            printable(r->data + 9, 3, status, sizeof(status)),
                            printable(*body, full, text, sizeof(text)));
    }
    /* The header block is [data, end + 2): the status line, then one header per CRLF line. */
    const char *hend = (const char *)end + 2;
    const char *eol = memmem(r->data, (size_t)(hend - (const char *)r->data), "\r\n", 2);
    for (const char *p = eol + 2; p < hend; p = eol + 2) {
        eol = memmem(p, (size_t)(hend - p), "\r\n", 2);
        if (eol == NULL || !header_ok(p, (size_t)(eol - p), full))
            return tp_error_set(err, TP_ERR_PLATFORM, "gcp-cs: teeserver reply has a bad or chunked header");
    }
    while (*body_len > 0 && ((*body)[*body_len - 1] == '\n' || (*body)[*body_len - 1] == '\r' ||
                             (*body)[*body_len - 1] == ' '))
        (*body_len)--;
    return TP_OK;
}

/* The token must carry our audience and exactly the requested binding. */
static tp_err check_token(const gcpcs_state *s, const uint8_t *tok, size_t len,
                          const uint8_t report_data[64], tp_error *err)
{
    tp_jwt jwt;
    tp_err rc = tp_jwt_parse(tok, len, &jwt, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "gcp-cs: teeserver token");
    uint8_t rd[64];
    size_t rd_len = 0;
    rc = tp_gcpcs_report_data(jwt.claims, rd, &rd_len, err);
    if (rc == TP_OK && (rd_len != 64 || memcmp(rd, report_data, 64) != 0 ||
                        !tp_gcpcs_aud_matches(jwt.claims, s->audience)))
        rc = tp_error_set(err, TP_ERR_BINDING, "gcp-cs: teeserver token does not carry the requested nonces and audience");
    tp_jwt_free(&jwt);
    return rc;
}

static tp_err gcpcs_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                                 size_t *len, tp_error *err)
{
    gcpcs_state *s = state;
    tp_buf req = TP_BUF_INIT, resp = TP_BUF_INIT;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    tp_err rc = build_request(s, report_data, &req) ? TP_OK
                                                    : tp_error_set(err, TP_ERR_NOMEM, "gcp-cs: out of memory");
    if (rc == TP_OK)
        rc = exchange(s, &req, &resp, err);
    if (rc == TP_OK)
        rc = parse_reply(&resp, &body, &body_len, err);
    if (rc == TP_OK)
        rc = check_token(s, body, body_len, report_data, err);
    if (rc == TP_OK) {
        *evidence = malloc(body_len);
        if (*evidence == NULL)
            rc = tp_error_set(err, TP_ERR_NOMEM, "gcp-cs: out of memory");
        else {
            memcpy(*evidence, body, body_len);
            *len = body_len;
        }
    }
    tp_buf_free(&req);
    tp_buf_free(&resp);
    return rc;
}

const tp_attester_ops tp_attester_gcp_cs = {
    .name = "gcp-cs",
    .detect = gcpcs_detect,
    .attester_new = gcpcs_attester_new,
    .get_evidence = gcpcs_get_evidence,
    .attester_free = gcpcs_attester_free,
};
