/* Internal: the sim platform's evidence document (sim.c has its format), shared by its
 * verifier (sim.c) and its attester (src/tee/sim_attester.c). */
#ifndef TP_ATTEST_SIM_H
#define TP_ATTEST_SIM_H

#include <stdint.h>

#include "base/bytes.h"

#define SIM_VERSION 1

typedef struct tp_sim_doc {
    uint8_t measurement[48];
    uint8_t report_data[64];
    uint8_t debug;
    uint8_t public_key[32];
    uint8_t signature[64];
} tp_sim_doc;

/* SHA-384("teeproof-sim"): the one sim measurement. */
void tp_sim_measurement(uint8_t out[48]);
/* Appends the bytes the sim signature covers; 1/0. */
int tp_sim_signed_bytes(const tp_sim_doc *d, tp_buf *out);

#endif
