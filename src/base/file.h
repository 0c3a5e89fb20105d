/* Reading a whole file into memory, bounded. */
#ifndef TP_BASE_FILE_H
#define TP_BASE_FILE_H

#include <stddef.h>

#include "teeproof/errors.h"

#define TP_FILE_MAX (64u << 20)

/* Reads path ("-" = stdin) into a NUL-terminated buffer (caller frees); files over
 * TP_FILE_MAX are refused with TP_ERR_LIMIT. */
tp_err tp_read_file(const char *path, char **data, size_t *len, tp_error *err);

#endif
