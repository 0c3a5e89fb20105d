/* Internal: building the request a manifest describes, and checking a request/response
 * pair against it. Used by the prover (build) and the notary (check). */
#ifndef TP_MANIFEST_CHECK_H
#define TP_MANIFEST_CHECK_H

#include <jansson.h>

#include "base/bytes.h"
#include "http/http.h"
#include "teeproof/manifest.h"

/* tp_manifest_parse for the notary's replays, through a bounded cache of parsed manifests
 * keyed by the exact bytes (manifest_cache.c): the manifest is lent to the caller alone
 * until tp_manifest_release, with its per-use state as a fresh parse leaves it. Any thread. */
tp_err tp_manifest_acquire(const char *json, size_t len, tp_manifest **out, tp_error *err);
void tp_manifest_release(tp_manifest *m); /* NULL: nothing */
void tp_manifest_cache_clear(void);       /* drops every manifest not lent out (tests) */
int tp_manifest_cache_holds(const char *json, size_t len); /* an idle parsed copy is kept (tests) */

/* Fails with TP_ERR_VAR when a variable is missing, unknown, or breaks its constraints
 * (type, length, regex, no CR/LF). */
tp_err tp_manifest_check_vars(const tp_manifest *m, const tp_vars *vars, tp_error *err);

/* The one HTTP/1.1 request the manifest allows with these values (used by the prover to
 * send it and by the notary to check it): request line (path + query of the URL, values
 * percent-encoded), Host (the URL authority), the manifest's other headers in document
 * order (values in the header character set), Content-Length when there is a body,
 * Accept-Encoding (the manifest's or "identity"), Connection: close, then the body
 * (values JSON-escaped in a JSON body, form-encoded in any other string body).
 * TP_ERR_VAR when a value breaks its rules or cannot stand where it is used. */
tp_err tp_manifest_build_request(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                                 tp_error *err);

/* The bytes the client really sent (req[0..len), one whole request) must equal, byte for
 * byte, tp_manifest_build_request's. TP_ERR_MANIFEST_REQUEST names only the part that
 * differs (request line, header section, body), never bytes. */
tp_err tp_manifest_check_request(const tp_manifest *m, const tp_vars *vars, const uint8_t *req,
                                 size_t len, tp_error *err);

/* Checks status, headers and every extractor with its predicates; on success *values is a
 * new JSON object {extractor id: extracted value}. Errors name the extractor / predicate. */
tp_err tp_manifest_check_response(const tp_manifest *m, const tp_http_message *resp,
                                  json_t **values, tp_error *err);

#endif
