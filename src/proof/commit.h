/* Internal helpers around the public commitment functions of teeproof/proof.h. */
#ifndef TP_PROOF_COMMIT_H
#define TP_PROOF_COMMIT_H

#include "teeproof/proof.h"

/* 1 when label is `request`, `response` or `var:<name>` with a non-empty name, at most
 * TP_COMMIT_LABEL_MAX bytes. */
int tp_commit_label_ok(const char *label);
/* "var:" || name into label; 0 when the name is empty or too long. */
int tp_commit_var_label(const char *name, char label[TP_COMMIT_LABEL_MAX + 1]);
/* The commitment as lowercase hex. */
tp_err tp_commit_hex(const char *label, const uint8_t salt[TP_COMMIT_SALT_LEN], const void *bytes,
                     size_t len, char hex[2 * TP_COMMIT_LEN + 1], tp_error *err);
/* Salt from seed, then the commitment as hex; the salt is wiped. */
tp_err tp_commit_seeded_hex(const uint8_t *seed, size_t seed_len, const char *label,
                            const void *bytes, size_t len, char hex[2 * TP_COMMIT_LEN + 1],
                            tp_error *err);

#endif
