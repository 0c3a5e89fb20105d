/* libFuzzer: TDX quotes (v4/v5, any padding) through the bounded parser and the full
 * verifier (seed with tests/data/testvectors/tdx_*.bin). */
#include <stddef.h>
#include <stdint.h>

#include "attest/attest_json.h"
#include "teeproof/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_evidence_facts facts;
    tp_error err;
    if (tp_evidence_verify("tdx", data, size, NULL, &facts, &err) == TP_OK) {
        json_t *j = tp_evidence_facts_to_json(&facts);
        json_decref(j);
        tp_evidence_facts_free(&facts);
    }
    return 0;
}
