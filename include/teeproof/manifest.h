/* Manifests (Pluto manifest v2 JSON): what request is made and what of the response is proven. */
#ifndef TEEPROOF_MANIFEST_H
#define TEEPROOF_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tp_manifest tp_manifest;

/* Secret template variables: values for `<% name %>` in the request. Never logged or signed. */
typedef struct tp_var {
    const char *name;
    const char *value;
} tp_var;

typedef struct tp_vars {
    const tp_var *items;
    size_t n;
} tp_vars;

TP_API tp_err tp_manifest_parse(const char *json, size_t len, tp_manifest **out, tp_error *err);
TP_API tp_err tp_manifest_load_file(const char *path, tp_manifest **out, tp_error *err);
TP_API void tp_manifest_free(tp_manifest *m);

/* SHA-256 over the RFC 8785 canonical form of the manifest document. */
TP_API void tp_manifest_hash(const tp_manifest *m, uint8_t out[32]);
TP_API const char *tp_manifest_method(const tp_manifest *m);
/* The URL as written, with `<% name %>` placeholders left in (the redacted form). */
TP_API const char *tp_manifest_url_template(const tp_manifest *m);
/* Host (no brackets, lowercase) and port (default 443) of the URL. */
TP_API const char *tp_manifest_host(const tp_manifest *m);
TP_API uint16_t tp_manifest_port(const tp_manifest *m);
/* 1 for `mode: "Proxy"`: only a direct-mode proof (the notary as the TLS client) is one of
 * this manifest; the notary refuses to prove it from a tunnel and verifiers check the mode. */
TP_API int tp_manifest_requires_direct(const tp_manifest *m);

#ifdef __cplusplus
}
#endif
#endif
