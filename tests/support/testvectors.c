/* Test support: test-vector files and temp files; see testvectors.h. */
#include "testvectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tv_path(const char *name)
{
    static char path[4096];
    const char *dir = getenv("TP_TESTVECTORS");
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "tests/data/testvectors", name);
    return path;
}

uint8_t *tv_load(const char *name, size_t *len)
{
    FILE *f = fopen(tv_path(name), "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

char *tv_write_temp(const char *name, const void *data, size_t len)
{
    size_t n = strlen("/tmp/teeproof-test-XXXXXX-") + strlen(name) + 1;
    char *path = malloc(n);
    if (path == NULL)
        return NULL;
    snprintf(path, n, "/tmp/teeproof-test-XXXXXX-%s", name);
    int fd = mkstemps(path, (int)strlen(name) + 1);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        if (f)
            fclose(f);
        else if (fd >= 0)
            close(fd);
        free(path);
        return NULL;
    }
    fclose(f);
    return path;
}
