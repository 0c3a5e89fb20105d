/* libFuzzer: AWS Nitro attestation documents through the strict CBOR/COSE parser and the
 * verifier (seed with tests/data/testvectors/nitro_att_doc_sample.bin). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/nitro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_verify_opts opts = {.at = 1680004560};
    tp_evidence_facts facts;
    tp_error err;
    if (tp_platform_nitro.verify(data, size, &opts, &facts, &err) == TP_OK)
        json_decref(facts.details);
    tp_nitro_doc doc;
    if (tp_nitro_doc_parse(data, size, &doc, &err) == TP_OK)
        tp_nitro_doc_free(&doc);
    return 0;
}
