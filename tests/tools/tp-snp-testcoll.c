/* tp-snp-testcoll OUTDIR: writes SEV-SNP collateral test fixtures for the CLI tests
 * (test-only), all under a fresh test ARK "ARK-Test" (product "test"): OUTDIR/roots.pem
 * (the ARK), OUTDIR/ask.pem (its ASK), OUTDIR/report.bin (a VCEK-signed report with its
 * certificate table), OUTDIR/bare.bin (the same without the table), OUTDIR/good/ (a current
 * snp_crl_test.der revoking nothing, and snp_vcek.der), OUTDIR/revoking/ (a current CRL
 * listing the ASK), OUTDIR/empty/ (no file). */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "../support/fake_tee.h"

#define PATH_LEN 1024
#define CRL_VALID_S 86400

static int put(const char *dir, const char *name, const void *data, size_t len)
{
    char p[PATH_LEN];
    if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
        return 0;
    FILE *f = fopen(p, "wb");
    int ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL)
        ok = fclose(f) == 0 && ok;
    return ok;
}

static int sub(char out[PATH_LEN], const char *dir, const char *name)
{
    return snprintf(out, PATH_LEN, "%s/%s", dir, name) < PATH_LEN && mkdir(out, 0700) == 0;
}

static int put_crl(const fake_snp *s, const char *dir, int revoke_ask)
{
    time_t now = time(NULL);
    size_t len;
    uint8_t *der = fake_snp_crl(s, revoke_ask, 0, now - 60, now + CRL_VALID_S, &len);
    int ok = der != NULL && put(dir, "snp_crl_test.der", der, len);
    free(der);
    return ok;
}

static int put_report(const fake_snp *s, const char *out, const char *name, int with_table)
{
    uint8_t rd[64] = {0};
    size_t len;
    uint8_t *r = fake_snp_report(s, rd, 0x30000ull, with_table, &len);
    int ok = r != NULL && put(out, name, r, len);
    free(r);
    return ok;
}

static int write_all(const fake_snp *s, const char *out)
{
    char d[PATH_LEN];
    uint8_t *vcek = NULL;
    int vlen = i2d_X509(s->vcek, &vcek);
    int ok = vlen > 0 && put(out, "roots.pem", s->ark_pem, s->ark_pem_len) &&
             put(out, "ask.pem", s->ask_pem, s->ask_pem_len) &&
             put_report(s, out, "report.bin", 1) && put_report(s, out, "bare.bin", 0) &&
             sub(d, out, "good") && put_crl(s, d, 0) && put(d, "snp_vcek.der", vcek, (size_t)vlen) &&
             sub(d, out, "revoking") && put_crl(s, d, 1) && sub(d, out, "empty");
    OPENSSL_free(vcek);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tp-snp-testcoll OUTDIR\n");
        return 2;
    }
    fake_snp s;
    int ok = mkdir(argv[1], 0700) == 0 && fake_snp_init(&s);
    if (ok) {
        ok = write_all(&s, argv[1]);
        fake_snp_free(&s);
    }
    if (!ok) {
        fprintf(stderr, "tp-snp-testcoll: cannot write the fixtures into %s\n", argv[1]);
        return 1;
    }
    return 0;
}
