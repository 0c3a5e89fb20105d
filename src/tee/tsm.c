/* The Linux configfs-tsm report interface; see tsm.h. */
#include "tee/tsm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"

#define TSM_MAX_BLOB (1u << 20)

static _Atomic unsigned k_entry_counter;

/* dir/name into path; 0 when it does not fit. */
static int attr_path(const char *dir, const char *name, char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

/* Reads a whole attribute file (configfs attributes are read in one go; a FIFO works too). */
static tp_err read_attr(const char *dir, const char *name, size_t max, tp_buf *out, tp_error *err)
{
    char path[4096];
    if (!attr_path(dir, name, path, sizeof(path)))
        return tp_error_set(err, TP_ERR_PLATFORM, "configfs-tsm path too long");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "cannot open %s: %s", path, strerror(errno));
    tp_err rc = TP_OK;
    for (;;) {
        uint8_t chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = tp_error_set(err, TP_ERR_PLATFORM, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > max) {
            rc = tp_error_set(err, TP_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
            break;
        }
        if (!tp_buf_append(out, chunk, (size_t)n)) {
            rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
            break;
        }
    }
    close(fd);
    return rc;
}

static tp_err read_text(const char *dir, const char *name, char *buf, size_t cap, tp_error *err)
{
    tp_buf b = TP_BUF_INIT;
    tp_err rc = read_attr(dir, name, cap - 1, &b, err);
    if (rc == TP_OK) {
        size_t n = b.len;
        while (n > 0 && (b.data[n - 1] == '\n' || b.data[n - 1] == '\0'))
            n--;
        if (n)
            memcpy(buf, b.data, n);
        buf[n] = '\0';
    }
    tp_buf_free(&b);
    return rc;
}

static tp_err read_generation(const char *dir, uint64_t *gen, tp_error *err)
{
    char text[32], *end;
    tp_err rc = read_text(dir, "generation", text, sizeof(text), err);
    if (rc != TP_OK)
        return rc;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "configfs-tsm generation '%s' is not a number",
                            text);
    *gen = v;
    return TP_OK;
}

static tp_err write_inblob(const char *dir, const uint8_t inblob[64], tp_error *err)
{
    char path[4096];
    if (!attr_path(dir, "inblob", path, sizeof(path)))
        return tp_error_set(err, TP_ERR_PLATFORM, "configfs-tsm path too long");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "cannot open %s: %s", path, strerror(errno));
    ssize_t n;
    do
        n = write(fd, inblob, 64);
    while (n < 0 && errno == EINTR);
    int saved = errno;
    if (close(fd) != 0 && n == 64)
        return tp_error_set(err, TP_ERR_PLATFORM, "cannot write %s: %s", path, strerror(errno));
    if (n != 64)
        return tp_error_set(err, TP_ERR_PLATFORM, "cannot write %s: %s", path,
                            n < 0 ? strerror(saved) : "short write");
    return TP_OK;
}

static tp_err check_provider(const char *dir, const char *provider, tp_error *err)
{
    char got[64];
    tp_err rc = read_text(dir, "provider", got, sizeof(got), err);
    if (rc == TP_OK && strcmp(got, provider) != 0)
        rc = tp_error_set(err, TP_ERR_PLATFORM, "configfs-tsm provider is '%s', not '%s'", got,
                          provider);
    return rc;
}

static tp_err make_entry(const char *root, char *dir, size_t cap, tp_error *err)
{
    unsigned n = atomic_fetch_add(&k_entry_counter, 1);
    int len = snprintf(dir, cap, "%s/teeproof-%ld-%u", root, (long)getpid(), n);
    if (len < 0 || (size_t)len >= cap - 64)
        return tp_error_set(err, TP_ERR_ARG, "configfs-tsm root path too long");
    if (mkdir(dir, 0700) != 0)
        return tp_error_set(err, TP_ERR_PLATFORM, "cannot create configfs-tsm entry %s: %s", dir,
                            strerror(errno));
    return TP_OK;
}

static tp_err fetch(const char *dir, const char *provider, const uint8_t inblob[64], int want_aux,
                    tp_buf *outblob, tp_buf *auxblob, tp_error *err)
{
    uint64_t g0, g1;
    tp_err rc = check_provider(dir, provider, err);
    if (rc == TP_OK)
        rc = read_generation(dir, &g0, err);
    if (rc == TP_OK)
        rc = write_inblob(dir, inblob, err);
    if (rc == TP_OK)
        rc = read_attr(dir, "outblob", TSM_MAX_BLOB, outblob, err);
    if (rc == TP_OK && want_aux) {
        char path[4096];
        if (attr_path(dir, "auxblob", path, sizeof(path)) && access(path, F_OK) == 0)
            rc = read_attr(dir, "auxblob", TSM_MAX_BLOB, auxblob, err);
    }
    if (rc == TP_OK)
        rc = read_generation(dir, &g1, err);
    if (rc == TP_OK && g1 != g0 + 1)
        rc = tp_error_set(err, TP_ERR_PLATFORM,
                          "configfs-tsm generation went from %" PRIu64 " to %" PRIu64
                          ": another writer raced this report",
                          g0, g1);
    if (rc == TP_OK && outblob->len == 0)
        rc = tp_error_set(err, TP_ERR_PLATFORM, "configfs-tsm returned an empty report");
    return rc;
}

tp_err tp_tsm_report(const char *root, const char *provider, const uint8_t inblob[64],
                     int want_aux, tp_tsm_blobs *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    char dir[4096];
    tp_err rc = make_entry(root ? root : TP_TSM_DEFAULT_ROOT, dir, sizeof(dir), err);
    if (rc != TP_OK)
        return rc;
    tp_buf ob = TP_BUF_INIT, ab = TP_BUF_INIT;
    rc = fetch(dir, provider, inblob, want_aux, &ob, &ab, err);
    rmdir(dir); /* best effort: the kernel drops the entry's state with it */
    if (rc != TP_OK) {
        tp_buf_free(&ob);
        tp_buf_free(&ab);
        return rc;
    }
    out->outblob = tp_buf_detach(&ob, &out->outblob_len);
    if (ab.len > 0)
        out->auxblob = tp_buf_detach(&ab, &out->auxblob_len);
    else
        tp_buf_free(&ab);
    return TP_OK;
}

void tp_tsm_blobs_free(tp_tsm_blobs *b)
{
    free(b->outblob);
    free(b->auxblob);
    memset(b, 0, sizeof(*b));
}

int tp_tsm_detect(const char *root, const char *provider)
{
    struct stat st;
    if (root == NULL)
        root = TP_TSM_DEFAULT_ROOT;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    char dir[4096];
    if (make_entry(root, dir, sizeof(dir), NULL) != TP_OK)
        return 0;
    int ok = check_provider(dir, provider, NULL) == TP_OK;
    rmdir(dir);
    return ok;
}
