/* Test support: a fake configfs-tsm report tree in a temp dir. A test routes mkdir/rmdir to
 * fake_tsm_mkdir/fake_tsm_rmdir (by defining mkdir and rmdir in the test file); a new entry
 * under the fake root is populated like the kernel does (provider, generation, inblob,
 * auxblob, and outblob as a FIFO), and a "kernel" thread answers: once the attester opens
 * outblob it reads inblob, asks make() for the report, bumps generation by gen_step and
 * writes the report. */
#ifndef TP_TESTS_FAKE_TSM_H
#define TP_TESTS_FAKE_TSM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint8_t *(*fake_tsm_make_fn)(void *ctx, const uint8_t inblob[64], size_t *len);

typedef struct fake_tsm {
    char root[128];
    const char *provider;
    fake_tsm_make_fn make;
    void *ctx;
    int gen_step;                 /* 1: honest; 2: another writer raced */
    const uint8_t *aux;           /* auxblob contents, or NULL */
    size_t aux_len;
} fake_tsm;

/* Makes the temp root and makes t the active fake; 1/0. */
int fake_tsm_start(fake_tsm *t);
/* Removes the root; no entry may be in use. */
void fake_tsm_stop(fake_tsm *t);
int fake_tsm_mkdir(const char *path, mode_t mode);
int fake_tsm_rmdir(const char *path);

#endif
