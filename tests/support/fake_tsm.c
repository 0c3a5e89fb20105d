/* Test support: fake configfs-tsm; see fake_tsm.h. */
#include "fake_tsm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static fake_tsm *g_active;

static const char *const k_files[] = {"provider", "generation", "inblob", "auxblob", "outblob"};

static int real_mkdir(const char *path, mode_t mode)
{
    return (int)syscall(SYS_mkdirat, AT_FDCWD, path, mode);
}

static int real_rmdir(const char *path)
{
    return (int)syscall(SYS_unlinkat, AT_FDCWD, path, AT_REMOVEDIR);
}

static int under_root(const char *path)
{
    size_t n = g_active ? strlen(g_active->root) : 0;
    return n > 0 && strncmp(path, g_active->root, n) == 0 && path[n] == '/';
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512], tmp[520];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return 0;
    int ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

typedef struct kernel_job {
    char dir[256];
    fake_tsm *t;
} kernel_job;

/* Waits for a reader on outblob (or the entry's removal), then answers. */
static void *kernel(void *arg)
{
    kernel_job *job = arg;
    char path[300], in_path[300];
    snprintf(path, sizeof(path), "%s/outblob", job->dir);
    snprintf(in_path, sizeof(in_path), "%s/inblob", job->dir);
    int fd;
    while ((fd = open(path, O_WRONLY | O_NONBLOCK)) < 0) {
        if (errno != ENXIO) {
            free(job);
            return NULL;
        }
        usleep(1000);
    }
    fcntl(fd, F_SETFL, 0);
    uint8_t inblob[64] = {0};
    FILE *f = fopen(in_path, "rb");
    if (f != NULL) {
        if (fread(inblob, 1, 64, f) != 64)
            memset(inblob, 0, 64);
        fclose(f);
    }
    size_t len = 0;
    uint8_t *out = job->t->make(job->t->ctx, inblob, &len);
    char gen[16];
    snprintf(gen, sizeof(gen), "%d\n", job->t->gen_step);
    write_file(job->dir, "generation", gen, strlen(gen));
    for (size_t off = 0; out != NULL && off < len;) {
        ssize_t n = write(fd, out + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(fd);
    free(out);
    free(job);
    return NULL;
}

int fake_tsm_start(fake_tsm *t)
{
    snprintf(t->root, sizeof(t->root), "/tmp/teeproof-tsm-XXXXXX");
    if (mkdtemp(t->root) == NULL)
        return 0;
    g_active = t;
    return 1;
}

void fake_tsm_stop(fake_tsm *t)
{
    real_rmdir(t->root);
    if (g_active == t)
        g_active = NULL;
}

static int populate(const char *path)
{
    fake_tsm *t = g_active;
    char fifo[300];
    snprintf(fifo, sizeof(fifo), "%s/outblob", path);
    if (!write_file(path, "provider", t->provider, strlen(t->provider)) ||
        !write_file(path, "generation", "0\n", 2) || !write_file(path, "inblob", "", 0) ||
        (t->aux && !write_file(path, "auxblob", t->aux, t->aux_len)) || mkfifo(fifo, 0600) != 0)
        return 0;
    kernel_job *job = calloc(1, sizeof(*job));
    pthread_t th;
    if (job == NULL)
        return 0;
    snprintf(job->dir, sizeof(job->dir), "%s", path);
    job->t = t;
    if (pthread_create(&th, NULL, kernel, job) != 0) {
        free(job);
        return 0;
    }
    pthread_detach(th);
    return 1;
}

int fake_tsm_mkdir(const char *path, mode_t mode)
{
    if (real_mkdir(path, mode) != 0)
        return -1;
    if (under_root(path) && !populate(path)) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int fake_tsm_rmdir(const char *path)
{
    if (under_root(path)) {
        /* a kernel thread still waiting for a reader sees outblob vanish and ends */
        for (size_t i = 0; i < sizeof(k_files) / sizeof(k_files[0]); i++) {
            char p[300];
            snprintf(p, sizeof(p), "%s/%s", path, k_files[i]);
            unlink(p);
        }
    }
    return real_rmdir(path);
}
