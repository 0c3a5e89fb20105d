/* Internal: how the public API hands out JSON (api_text.c; the prover's calls use it too). */
#ifndef TP_PROOF_API_TEXT_H
#define TP_PROOF_API_TEXT_H

#include <jansson.h>
#include <stddef.h>

#include "teeproof/errors.h"

/* Turns v (consumed) into *out (the pretty form: sorted keys, two-space indentation,
 * numbers as signed; caller frees) and *out_len (if non-NULL); out NULL: nothing is made. */
tp_err tp_json_give_text(json_t *v, char **out, size_t *out_len, tp_error *err);

#endif
