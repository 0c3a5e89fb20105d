/* Collateral files from a directory or a bundle (see collateral.h). */
#include "attest/collateral.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "attest/x509util.h"
#include "base/bytes.h"
#include "base/json_bytes.h"

static int dir_path(const char *dir, const char *name, char path[TP_COLL_PATH_MAX])
{
    return snprintf(path, TP_COLL_PATH_MAX, "%s/%s", dir, name) < TP_COLL_PATH_MAX;
}

static tp_err read_dir(const char *dir, const char *name, uint8_t **data, size_t *len,
                       tp_error *err)
{
    char path[TP_COLL_PATH_MAX];
    if (!dir_path(dir, name, path))
        return tp_error_set(err, TP_ERR_ARG, "collateral directory path too long");
    tp_err rc = tp_att_read_file(path, TP_COLL_FILE_MAX, data, len, err);
    if (rc != TP_ERR_IO && rc != TP_ERR_LIMIT)
        return rc;
    if (err != NULL) /* keep the detail (it names the file and the cause) under this code */
        err->code = TP_ERR_COLLATERAL;
    return tp_error_prefix(err, TP_ERR_COLLATERAL, "collateral");
}

tp_err tp_coll_read(const char *dir, const json_t *bundle, const char *name, uint8_t **data,
                    size_t *len, tp_error *err)
{
    *data = NULL;
    *len = 0;
    if (dir != NULL)
        return read_dir(dir, name, data, len, err);
    tp_buf b = TP_BUF_PUBLIC_INIT;
    if (!tp_json_get_base64(bundle, name, &b) || b.len > TP_COLL_FILE_MAX ||
        !tp_buf_terminate(&b)) {
        tp_buf_free(&b);
        return tp_error_set(err, TP_ERR_COLLATERAL, "the bundled collateral has no valid %s", name);
    }
    *data = tp_buf_detach(&b, len);
    return TP_OK;
}

int tp_coll_exists(const char *dir, const char *name)
{
    char path[TP_COLL_PATH_MAX];
    struct stat st;
    return dir_path(dir, name, path) && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

tp_err tp_coll_bundle_add(json_t *bundle, const char *dir, const char *name, tp_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    tp_err rc = read_dir(dir, name, &data, &len, err);
    if (rc == TP_OK && json_object_set_new(bundle, name, tp_json_base64(data, len)) != 0)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    free(data);
    return rc;
}
