/* libFuzzer: SEV-SNP reports with an optional certificate table through the bounded parser
 * and the verifier (seed with tests/data/testvectors/snp_report.bin and reports followed by a
 * certificate table). The VCEK comes from the table, so table parsing is reached. */
#include <stddef.h>
#include <stdint.h>

#include "teeproof/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_evidence_facts facts;
    tp_error err;
    if (tp_evidence_verify("sev-snp", data, size, NULL, &facts, &err) == TP_OK)
        tp_evidence_facts_free(&facts);
    return 0;
}
