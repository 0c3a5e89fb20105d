/* Internal: where a verifier's collateral files come from (a directory, or the bundle a
 * notary sent with its evidence, {file name: base64}) and how a bundle is filled; shared
 * by the TDX (tdx_collateral.c) and SEV-SNP (snp_crl.c, snp.c) collateral checks. */
#ifndef TP_ATTEST_COLLATERAL_H
#define TP_ATTEST_COLLATERAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "teeproof/errors.h"

#define TP_COLL_FILE_MAX (1u << 20) /* vendors' collateral files are a few KiB */
#define TP_COLL_PATH_MAX 4096

/* File `name` from dir when dir is given, else from bundle; NUL-terminated after len,
 * caller frees. A file that is missing, unreadable or over TP_COLL_FILE_MAX, or a bundle
 * member that is absent or not base64, is TP_ERR_COLLATERAL (the same for every platform). */
tp_err tp_coll_read(const char *dir, const json_t *bundle, const char *name, uint8_t **data,
                    size_t *len, tp_error *err);

/* Does dir hold a regular file `name`? */
int tp_coll_exists(const char *dir, const char *name);

/* Adds dir/name to bundle as {name: base64}. */
tp_err tp_coll_bundle_add(json_t *bundle, const char *dir, const char *name, tp_error *err);

#endif
