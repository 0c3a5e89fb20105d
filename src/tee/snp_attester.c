/* AMD SEV-SNP attester: configfs-tsm (provider sev_guest; outblob = report, auxblob = the
 * certificate table) when present, else /dev/sev-guest SNP_GET_REPORT (report only).
 * Evidence = report || certificate table (when the host supplied certificates). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sev-guest.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "attest/snp.h"
#include "tee/attester.h"
#include "tee/tsm.h"
#include "base/bytes.h"

#define SEV_GUEST_DEFAULT_DEV "/dev/sev-guest"

typedef struct snp_attester {
    char *tsm_root; /* NULL: use the device */
    char *dev;
} snp_attester;

int tp_snp_detect(const tp_attester_config *cfg)
{
    const char *dev = cfg->sev_guest_dev ? cfg->sev_guest_dev : SEV_GUEST_DEFAULT_DEV;
    return tp_tsm_detect(cfg->tsm_root, "sev_guest") || access(dev, R_OK | W_OK) == 0;
}

tp_err tp_snp_attester_new(const tp_attester_config *cfg, void **state, tp_error *err)
{
    snp_attester *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    int use_tsm = tp_tsm_detect(cfg->tsm_root, "sev_guest");
    if (use_tsm)
        a->tsm_root = strdup(cfg->tsm_root ? cfg->tsm_root : TP_TSM_DEFAULT_ROOT);
    a->dev = strdup(cfg->sev_guest_dev ? cfg->sev_guest_dev : SEV_GUEST_DEFAULT_DEV);
    if (a->dev == NULL || (use_tsm && a->tsm_root == NULL)) {
        tp_snp_attester_free(a);
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    }
    *state = a;
    return TP_OK;
}

void tp_snp_attester_free(void *state)
{
    snp_attester *a = state;
    if (a == NULL)
        return;
    free(a->tsm_root);
    free(a->dev);
    free(a);
}

/* SNP_GET_REPORT response: u32 status, u32 report size, 24 reserved, report. */
static tp_err parse_resp(const uint8_t *resp, size_t len, tp_buf *out, tp_error *err)
{
    tp_reader r;
    uint32_t status, size;
    const uint8_t *report;
    tp_reader_init(&r, resp, len);
    if (!tp_read_u32le(&r, &status) || !tp_read_u32le(&r, &size) || !tp_read_skip(&r, 24))
        return tp_error_set(err, TP_ERR_PLATFORM, "SNP_GET_REPORT response truncated");
    if (status != 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "SNP_GET_REPORT firmware status 0x%x", status);
    if (size != TP_SNP_REPORT_LEN || !tp_read_bytes(&r, size, &report))
        return tp_error_set(err, TP_ERR_PLATFORM, "SNP_GET_REPORT report size %u", size);
    if (!tp_buf_append(out, report, size))
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

static tp_err device_report(const char *dev, const uint8_t report_data[64], tp_buf *out,
                            tp_error *err)
{
    struct snp_report_req req;
    struct snp_report_resp resp;
    struct snp_guest_request_ioctl io;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    memset(&io, 0, sizeof(io));
    memcpy(req.user_data, report_data, 64);
    io.msg_version = 1;
    io.req_data = (__u64)(uintptr_t)&req;
    io.resp_data = (__u64)(uintptr_t)&resp;
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "cannot open %s: %s", dev, strerror(errno));
    int rc = ioctl(fd, SNP_GET_REPORT, &io);
    int saved = errno;
    close(fd);
    if (rc != 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "SNP_GET_REPORT on %s failed: %s (fw 0x%llx)",
                            dev, strerror(saved), (unsigned long long)io.exitinfo2);
    return parse_resp(resp.data, sizeof(resp.data), out, err);
}

static tp_err tsm_report(const char *root, const uint8_t report_data[64], tp_buf *out,
                         tp_error *err)
{
    tp_tsm_blobs blobs;
    tp_err rc = tp_tsm_report(root, "sev_guest", report_data, 1, &blobs, err);
    if (rc != TP_OK)
        return rc;
    if (blobs.outblob_len != TP_SNP_REPORT_LEN)
        rc = tp_error_set(err, TP_ERR_PLATFORM, "configfs-tsm SEV-SNP report is %zu bytes",
                          blobs.outblob_len);
    else if (!tp_buf_append(out, blobs.outblob, blobs.outblob_len) ||
             !tp_buf_append(out, blobs.auxblob, blobs.auxblob_len))
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    tp_tsm_blobs_free(&blobs);
    return rc;
}

tp_err tp_snp_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                           size_t *len, tp_error *err)
{
    snp_attester *a = state;
    tp_buf ev = TP_BUF_INIT;
    tp_err rc = a->tsm_root ? tsm_report(a->tsm_root, report_data, &ev, err)
                            : device_report(a->dev, report_data, &ev, err);
    uint8_t got[64];
    if (rc == TP_OK && (!tp_snp_report_data(ev.data, ev.len, got) || memcmp(got, report_data, 64)))
        rc = tp_error_set(err, TP_ERR_BINDING,
                          "the SEV-SNP report's REPORT_DATA is not the report data requested");
    if (rc != TP_OK) {
        tp_buf_free(&ev);
        return rc;
    }
    *evidence = tp_buf_detach(&ev, len);
    return TP_OK;
}

const tp_attester_ops tp_attester_sev_snp = {
    .name = "sev-snp",
    .detect = tp_snp_detect,
    .attester_new = tp_snp_attester_new,
    .get_evidence = tp_snp_get_evidence,
    .attester_free = tp_snp_attester_free,
};
