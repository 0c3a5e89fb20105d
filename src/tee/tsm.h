/* Internal: the Linux configfs-tsm report interface (kernel >= 6.7), shared by the TDX and
 * SEV-SNP attesters. */
#ifndef TP_ATTEST_TSM_H
#define TP_ATTEST_TSM_H

#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

#define TP_TSM_DEFAULT_ROOT "/sys/kernel/config/tsm/report"

/* The report blobs of one request. */
typedef struct tp_tsm_blobs {
    uint8_t *outblob;
    size_t outblob_len;
    uint8_t *auxblob; /* NULL when the provider has none (e.g. tdx_guest) */
    size_t auxblob_len;
} tp_tsm_blobs;

/* Makes one report: creates an entry under root (NULL = default), checks its provider is
 * `provider`, writes the 64-byte inblob, reads outblob (and auxblob when want_aux), checks
 * that generation advanced by exactly one (else another writer raced us), removes the entry. */
tp_err tp_tsm_report(const char *root, const char *provider, const uint8_t inblob[64],
                     int want_aux, tp_tsm_blobs *out, tp_error *err);
void tp_tsm_blobs_free(tp_tsm_blobs *b);
/* 1 when root exists and an entry made there reports this provider. */
int tp_tsm_detect(const char *root, const char *provider);

#endif
