/* Internal: building the request a manifest describes, and checking a request/response
 * pair against it. Used by the prover (build) and the notary (check). */
#ifndef TP_MANIFEST_CHECK_H
#define TP_MANIFEST_CHECK_H

#include <jansson.h>

#include "base/bytes.h"
#include "http/http.h"
#include "teeproof/manifest.h"

/* Fails with TP_ERR_VAR when a variable is missing, unknown, or breaks its constraints. */
tp_err tp_manifest_check_vars(const tp_manifest *m, const tp_vars *vars, tp_error *err);

/* The HTTP/1.1 request bytes: request line (path + query of the URL), Host, the manifest's
 * headers with variables substituted, Content-Length when there is a body,
 * Accept-Encoding: identity and Connection: close unless the manifest sets them, body. */
tp_err tp_manifest_build_request(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                                 tp_error *err);

/* The request the client really sent must be the one the manifest describes: same
 * method, target, every manifest header with its (substituted) value, no other headers
 * than Host, Content-Length, Connection, Accept-Encoding, User-Agent, Accept, and the
 * same body. Errors name the rule that failed (TP_ERR_MANIFEST_REQUEST). */
tp_err tp_manifest_check_request(const tp_manifest *m, const tp_vars *vars,
                                 const tp_http_message *req, tp_error *err);

/* Checks status, headers and every extractor with its predicates; on success *values is a
 * new JSON object {extractor id: extracted value}. Errors name the extractor / predicate. */
tp_err tp_manifest_check_response(const tp_manifest *m, const tp_http_message *resp,
                                  json_t **values, tp_error *err);

#endif
