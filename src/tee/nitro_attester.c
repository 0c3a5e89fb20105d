/* AWS Nitro Enclaves attester: an NSM "Attestation" request with the binding in user_data,
 * sent through /dev/nsm (or a transport given by tests), and the platform table row. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "attest/nitro.h"
#include "tee/attester.h"

#define NSM_DEFAULT_DEV "/dev/nsm"
#define NSM_RESPONSE_MAX 0x3000 /* the driver's NSM_RESPONSE_MAX_SIZE */

/* The NSM driver's request: two iovecs; the driver shrinks response.iov_len to the answer.
 * Same layout as the upstream kernel's struct nsm_raw (drivers/misc/nsm.c, Linux 6.8). */
struct nsm_message {
    struct iovec request;
    struct iovec response;
};
#define NSM_IOCTL_REQUEST _IOWR(0x0A, 0, struct nsm_message)

typedef struct nitro_state {
    tp_nsm_transport transport;
    int fd; /* device transport only; -1 otherwise */
} nitro_state;

static tp_err nsm_device_call(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp,
                              size_t cap, size_t *resp_len, tp_error *err)
{
    nitro_state *s = ctx;
    struct nsm_message msg = {
        .request = {.iov_base = (void *)req, .iov_len = req_len},
        .response = {.iov_base = resp, .iov_len = cap},
    };
    if (ioctl(s->fd, NSM_IOCTL_REQUEST, &msg) != 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "nitro: NSM ioctl failed: %s", strerror(errno));
    if (msg.response.iov_len > cap)
        return tp_error_set(err, TP_ERR_PLATFORM, "nitro: NSM response larger than its buffer");
    *resp_len = msg.response.iov_len;
    return TP_OK;
}

static const char *nsm_path(const tp_attester_config *cfg)
{
    return cfg != NULL && cfg->nsm_dev != NULL ? cfg->nsm_dev : NSM_DEFAULT_DEV;
}

static int nitro_detect(const tp_attester_config *cfg)
{
    return access(nsm_path(cfg), F_OK) == 0;
}

tp_err tp_nitro_attester_new_transport(const tp_nsm_transport *t, void **state, tp_error *err)
{
    nitro_state *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "nitro: out of memory");
    s->transport = *t;
    s->fd = -1;
    *state = s;
    return TP_OK;
}

static tp_err nitro_attester_new(const tp_attester_config *cfg, void **state, tp_error *err)
{
    const char *path = nsm_path(cfg);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "nitro: cannot open %s: %s", path, strerror(errno));
    tp_nsm_transport t = {nsm_device_call, NULL};
    tp_err rc = tp_nitro_attester_new_transport(&t, state, err);
    if (rc != TP_OK) {
        close(fd);
        return rc;
    }
    nitro_state *s = *state;
    s->fd = fd;
    s->transport.ctx = s;
    return TP_OK;
}

static void nitro_attester_free(void *state)
{
    nitro_state *s = state;
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static int put_text(tp_buf *b, const char *s)
{
    return tp_cbor_put_head(b, 3, strlen(s)) && tp_buf_append_str(b, s);
}

/* {"Attestation": {"user_data": bstr(64), "nonce": null, "public_key": null}} */
static int encode_request(const uint8_t report_data[64], tp_buf *b)
{
    return tp_cbor_put_head(b, 5, 1) && put_text(b, "Attestation") && tp_cbor_put_head(b, 5, 3) &&
           put_text(b, "user_data") && tp_cbor_put_head(b, 2, 64) && tp_buf_append(b, report_data, 64) &&
           put_text(b, "nonce") && tp_buf_put_u8(b, 0xf6) && put_text(b, "public_key") &&
           tp_buf_put_u8(b, 0xf6);
}

/* Finds the document in {"Attestation": {"document": bstr}}; {"Error": ...} is refused. */
static tp_err response_document(const cbor_item_t *resp, tp_span *doc, tp_error *err)
{
    if (!cbor_isa_map(resp) || cbor_map_size(resp) != 1)
        return tp_error_set(err, TP_ERR_PLATFORM, "nitro: NSM response is not a one-entry map");
    const cbor_item_t *e = tp_cbor_map_get(resp, "Error");
    if (e != NULL) {
        const char *p = "?";
        size_t n = 1;
        tp_cbor_text(e, &p, &n);
        return tp_error_set(err, TP_ERR_PLATFORM, "nitro: NSM error %.*s", (int)(n > 64 ? 64 : n), p);
    }
    const cbor_item_t *doc_item = tp_cbor_map_get(tp_cbor_map_get(resp, "Attestation"), "document");
    if (!tp_cbor_bstr(doc_item, &doc->p, &doc->len) || doc->len == 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "nitro: NSM response has no Attestation.document");
    return TP_OK;
}

/* The NSM's answer must be a well-formed, self-consistently signed document that carries
 * exactly the requested user_data. */
static tp_err check_document(tp_span d, const uint8_t report_data[64], tp_error *err)
{
    tp_nitro_doc doc;
    tp_err rc = tp_nitro_doc_parse(d.p, d.len, &doc, err);
    if (rc != TP_OK)
        return rc;
    rc = tp_nitro_doc_check_signature(&doc, err);
    if (rc == TP_OK && (doc.user_data.len != 64 || memcmp(doc.user_data.p, report_data, 64) != 0))
        rc = tp_error_set(err, TP_ERR_BINDING, "nitro: NSM document's user_data is not the requested report data");
    tp_nitro_doc_free(&doc);
    return rc;
}

static tp_err nitro_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                                 size_t *len, tp_error *err)
{
    nitro_state *s = state;
    tp_buf req = TP_BUF_INIT;
    uint8_t *resp = malloc(NSM_RESPONSE_MAX);
    cbor_item_t *item = NULL;
    size_t resp_len = 0;
    tp_span d;
    tp_err rc;
    if (resp == NULL || !encode_request(report_data, &req)) {
        rc = tp_error_set(err, TP_ERR_NOMEM, "nitro: out of memory");
        goto out;
    }
    rc = s->transport.call(s->transport.ctx, req.data, req.len, resp, NSM_RESPONSE_MAX, &resp_len, err);
    if (rc == TP_OK && (rc = tp_cbor_load_strict(resp, resp_len, &item, err)) != TP_OK)
        rc = tp_error_set(err, TP_ERR_PLATFORM, "nitro: NSM response is not strict CBOR");
    if (rc == TP_OK && (rc = response_document(item, &d, err)) == TP_OK &&
        (rc = check_document(d, report_data, err)) == TP_OK) {
        *evidence = malloc(d.len);
        if (*evidence == NULL) {
            rc = tp_error_set(err, TP_ERR_NOMEM, "nitro: out of memory");
            goto out;
        }
        memcpy(*evidence, d.p, d.len);
        *len = d.len;
    }
out:
    if (item != NULL)
        cbor_decref(&item);
    free(resp);
    tp_buf_free(&req);
    return rc;
}

const tp_attester_ops tp_attester_nitro = {
    .name = "nitro",
    .detect = nitro_detect,
    .attester_new = nitro_attester_new,
    .get_evidence = nitro_get_evidence,
    .attester_free = nitro_attester_free,
};
