/* tp-tdx-testcoll OUTDIR: writes TDX collateral test fixtures for the CLI tests (test-only):
 * OUTDIR/roots.pem (Intel SGX root + a fresh test root), OUTDIR/meetable/ (the real
 * collateral with the TCB Info re-signed so that tdx_quote_v4.bin meets its UpToDate level),
 * OUTDIR/raised/ (level 0 above the quote: OutOfDate), OUTDIR/revoked/ (meetable plus a test
 * CRL listing the quote's PCK). Reads the test vectors from TP_TESTVECTORS. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../support/fake_tdxcoll.h"
#include "../support/testvectors.h"

#define PATH_LEN 1024

static int sub(char out[PATH_LEN], const char *dir, const char *name)
{
    return snprintf(out, PATH_LEN, "%s/%s", dir, name) < PATH_LEN;
}

static int write_all(const fake_tdxcoll *c, const char *out)
{
    char p[PATH_LEN];
    return sub(p, out, "roots.pem") && fake_tdxcoll_write_roots(c, p) &&
           sub(p, out, "meetable") && fake_tdxcoll_copy(p) && fake_tdxcoll_meetable_dir(c, p) &&
           sub(p, out, "raised") && fake_tdxcoll_copy(p) &&
           fake_tdxcoll_resign(c, p, FAKE_TDXCOLL_TCBINFO, "tcbInfo", "tcb_info_issuer_chain.pem",
                               fake_tdxcoll_raised, c->sign_key, c->signer) &&
           sub(p, out, "revoked") && fake_tdxcoll_copy(p) && fake_tdxcoll_meetable_dir(c, p) &&
           fake_tdxcoll_crl(c, p, X509_get_serialNumber(c->pck));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tp-tdx-testcoll OUTDIR\n");
        return 2;
    }
    size_t len;
    uint8_t *quote = tv_load("tdx_quote_v4.bin", &len);
    fake_tdxcoll c;
    int ok = quote != NULL && mkdir(argv[1], 0700) == 0 && fake_tdxcoll_init(&c, quote, len) &&
             write_all(&c, argv[1]);
    if (quote != NULL)
        fake_tdxcoll_free(&c);
    free(quote);
    if (!ok) {
        fprintf(stderr, "tp-tdx-testcoll: cannot write the fixtures into %s\n", argv[1]);
        return 1;
    }
    return 0;
}
