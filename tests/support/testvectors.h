/* Test support: the shared public evidence files (TP_TESTVECTORS, default
 * tests/data/testvectors relative to the repo root) and small temp-file helpers. */
#ifndef TP_TESTS_TESTVECTORS_H
#define TP_TESTS_TESTVECTORS_H

#include <stddef.h>
#include <stdint.h>

/* Full path of a test-vector file (static buffer, valid until the next call). */
const char *tv_path(const char *name);
/* Reads a test-vector file; malloc'd, NULL when missing. */
uint8_t *tv_load(const char *name, size_t *len);
/* Writes data to a fresh temp file whose name ends in name; returns the malloc'd path. */
char *tv_write_temp(const char *name, const void *data, size_t len);

#endif
