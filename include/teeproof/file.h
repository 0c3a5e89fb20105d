/* Reading a whole file into memory, bounded: the one file reader of the library, public
 * so that programs (the teeproof CLI among them) read proofs, manifests and evidence the
 * same way. */
#ifndef TEEPROOF_FILE_H
#define TEEPROOF_FILE_H

#include <stddef.h>

#include "teeproof/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TP_FILE_MAX (64u << 20)

/* Reads path ("-" = stdin) into a NUL-terminated buffer (caller frees with free()); files
 * over TP_FILE_MAX are refused with TP_ERR_LIMIT. */
TP_API tp_err tp_read_file(const char *path, char **data, size_t *len, tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
