/* A notary's collateral from a PCS-compatible cache given by the operator
 * (--collateral-url http://HOST[:PORT][/PREFIX]): Intel PCS v4 paths for TDX (as a local
 * PCCS serves them) and AMD KDS paths for SEV-SNP CRLs, fetched by the refresher thread
 * (never the event loop) over plain HTTP from loopback or private addresses only, with
 * timeouts and the strict HTTP parser; the responses fill the same {file name: base64}
 * bundle a collateral directory gives (docs/platforms.md). */
#ifndef TP_NOTARY_PCS_H
#define TP_NOTARY_PCS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

#define TP_PCS_HOST_MAX 256
#define TP_PCS_PREFIX_MAX 256
#define TP_PCS_TIMEOUT_MS 10000          /* one request, connect to last byte */
#define TP_PCS_RESPONSE_MAX (2u << 20)    /* a response, headers and body */

typedef struct tp_pcs_source {
    char host[TP_PCS_HOST_MAX];      /* name or address, without brackets */
    char port[8];
    char authority[TP_PCS_HOST_MAX + 8]; /* the Host header: as given in the URL */
    char prefix[TP_PCS_PREFIX_MAX];  /* path before the API paths, no trailing '/' ("" or "/x") */
    unsigned timeout_ms;
} tp_pcs_source;

/* Parses http://HOST[:PORT][/PREFIX] (no userinfo, query or fragment; https and other
 * schemes refused: TP_ERR_ARG). The address is checked when fetching. */
tp_err tp_pcs_source_parse(const char *url, tp_pcs_source *out, tp_error *err);

/* GET prefix+path: *resp gets the parsed response (caller frees with tp_http_message_free;
 * its spans point into *raw, which the caller frees too). Refuses a host that resolves to
 * any public address (TP_ERR_FORBIDDEN_TARGET); TP_ERR_TIMEOUT, TP_ERR_CONNECT, TP_ERR_LIMIT,
 * TP_ERR_HTTP_* for a response the strict parser refuses. */
struct tp_http_message;
tp_err tp_pcs_get(const tp_pcs_source *src, const char *path, uint8_t **raw,
                  struct tp_http_message *resp, tp_error *err);

/* A tp_collateral_fetch_fn (tee/identity.h): ctx is a tp_pcs_source. The files this
 * evidence needs, fetched; any non-200 answer or missing issuer chain header is
 * TP_ERR_COLLATERAL. */
tp_err tp_pcs_fetch(void *ctx, const char *platform, const uint8_t *evidence, size_t len,
                    json_t **out, tp_error *err);

#endif
