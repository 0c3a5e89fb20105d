/* Bounded whole-file reads; see file.h. */
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"

tp_err tp_read_file(const char *path, char **data, size_t *len, tp_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return tp_error_set(err, TP_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    tp_buf b = TP_BUF_INIT;
    char chunk[65536];
    size_t n;
    int ok = 1, too_big = 0;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        too_big = b.len + n > TP_FILE_MAX;
        ok = !too_big && tp_buf_append(&b, chunk, n);
    }
    int read_err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!ok || read_err) {
        tp_buf_free(&b);
        if (too_big)
            return tp_error_set(err, TP_ERR_LIMIT, "%s is larger than %u bytes", path, TP_FILE_MAX);
        return tp_error_set(err, read_err ? TP_ERR_IO : TP_ERR_NOMEM, "cannot read %s", path);
    }
    *data = (char *)tp_buf_detach(&b, len);
    return *data ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, NULL);
}
