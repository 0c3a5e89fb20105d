/* Internal to src/manifest: the parsed manifest and the helpers its files share. */
#ifndef TP_MANIFEST_INTERNAL_H
#define TP_MANIFEST_INTERNAL_H

#include <jansson.h>
#include <regex.h>

#include "base/bytes.h"
#include "manifest/css_selector.h"
#include "teeproof/manifest.h"

/* Size limits on a manifest's lists (keeps every check linear-ish and bounded). */
#define TP_MF_MAX_HEADERS 100
#define TP_MF_MAX_VARS 64
#define TP_MF_MAX_EXTRACTORS 256
#define TP_MF_MAX_PREDICATES 64
/* Most CSS selector steps in one html extractor's selector. */
#define TP_MF_MAX_HTML_STEPS 8
/* Longest string a regex is run on (bounds matching time: a regex predicate on a longer
 * value does not hold; a longer variable value is refused). */
#define TP_MF_MAX_REGEX_SUBJECT (64u * 1024u)
/* All extracted values together, as bytes of the response body (a proof is one frame of
 * at most 4 MiB, where each value may grow when re-encoded). */
#define TP_MF_MAX_VALUES_BYTES (1024u * 1024u)
/* Matching budget of one manifest, all its regexes together: each match costs (subject
 * bytes + 1) x (pattern size estimate + 2). glibc keeps a DFA state of up to "size"
 * positions per subject byte in the compiled regex: "(a|b)*a.{900}c" on 64 KiB of random
 * a/b took 22 s and ~1.4 GB. 2^22 units is about a second and 100 MB at worst. */
#define TP_MF_MAX_REGEX_WORK ((size_t)1 << 22)
/* Compiled size of all of a manifest's regexes together (each at most ~1000): glibc needs
 * ~0.2 ms and 100 KB for a pattern of size 1000, and a 1 MiB manifest held 15000. */
#define TP_MF_MAX_REGEX_SIZE_TOTAL 16384u

/* A compiled manifest regex: its size estimate and the manifest's shared budget. */
typedef struct tp_mf_regex {
    regex_t re;
    size_t size;
    size_t *work_left;    /* the owning manifest's budget */
} tp_mf_regex;

/* EXT_ANY: the legacy response.body.json path (any value; it must exist). */
typedef enum {
    EXT_STRING, EXT_NUMBER, EXT_BOOLEAN, EXT_ARRAY, EXT_OBJECT, EXT_NULL, EXT_ANY
} ext_type;

typedef enum { PRED_VALUE, PRED_LENGTH, PRED_REGEX, PRED_STRING, PRED_ARRAY } pred_type;

typedef enum {
    CMP_EQUAL, CMP_NOT_EQUAL, CMP_GREATER, CMP_LESS, CMP_GREATER_EQ, CMP_LESS_EQ,
    CMP_CONTAINS, CMP_NOT_CONTAINS, CMP_STARTS_WITH, CMP_ENDS_WITH, CMP_INCLUDES
} comparison;

/* A JSON value seen two ways, trees of the same shape: kind has numbers as numbers (what
 * each node is), exact has every number as a string holding its exact decimal token.
 * Predicates compare numbers on the exact tokens (src/base/decimal.h). */
typedef struct tp_mf_value {
    const json_t *kind;
    const json_t *exact;
} tp_mf_value;

typedef struct predicate {
    pred_type type;
    comparison cmp;
    const json_t *value;  /* borrowed from the document */
    json_t *exact_value;  /* value with its numbers as their tokens (owned) */
    int case_sensitive;
    int has_regex;
    tp_mf_regex regex;    /* PRED_REGEX */
} predicate;

typedef struct extractor {
    const char *id;
    const json_t *selector;
    tp_css_selector *css;  /* html: one parsed selector per step (owned) */
    size_t n_css;
    const char *attribute; /* html: the attribute whose value is extracted, or NULL (text) */
    ext_type type;
    int required;
    predicate *preds;
    size_t n_preds;
} extractor;

/* A variable's declared `type` (docs/manifest.md, "Variables"): the grammar its value must
 * follow, whatever position it is substituted in. */
typedef enum {
    VAR_STRING, VAR_NUMBER, VAR_INTEGER, VAR_BOOLEAN, VAR_HEX, VAR_BASE64, VAR_BASE64URL
} var_type;

typedef struct var_spec {
    const char *name;
    int legacy;           /* {regex, length, type} rather than {required, default, pattern} */
    var_type type;
    int has_regex;
    tp_mf_regex regex;    /* anchored */
    int ascii_only;       /* the pattern could match non-ASCII: only ASCII values match */
    long long length;     /* -1: any */
    int optional;         /* required: false (then default_value is set) */
    const char *default_value; /* borrowed from the document, or NULL */
} var_spec;

struct tp_manifest {
    json_t *doc;
    uint8_t hash[32];
    const char *method;
    const char *url;
    char *host;           /* lowercase, no brackets */
    int host_is_ipv6;
    uint16_t port;
    char *target;         /* path + query, placeholders intact */
    const json_t *req_headers; /* object of strings: headers then extra.headers (or NULL) */
    json_t *req_headers_merged; /* owned when extra.headers exists (req_headers points to it) */
    const json_t *req_body;    /* string, object, array, or NULL */
    var_spec *vars;
    size_t n_vars;
    int status;
    const json_t *resp_headers;
    int body_is_json;          /* format "json" or a legacy json path: the body must be JSON */
    int body_is_html;          /* format "html": extractors use CSS selectors */
    const json_t *body_contains; /* legacy response.body.contains (string) or NULL */
    extractor *extractors;
    size_t n_extractors;
    size_t regex_work_left; /* TP_MF_MAX_REGEX_WORK at parse, spent by tp_mf_regex_match */
    size_t regex_size_left; /* TP_MF_MAX_REGEX_SIZE_TOTAL at parse, spent by compiling */
    int direct;                /* mode "Proxy": only the notary's own TLS client may prove it */
};

/* Fails unless every key of obj is in allowed (NULL-terminated); where names the object. */
tp_err tp_mf_check_keys(const json_t *obj, const char *const *allowed, const char *where,
                        tp_error *err);

/* Compiles a POSIX extended regex from a manifest (REG_NOSUB, plus extra_flags); anchored
 * wraps it in ^( )$ after checking it compiles alone, so alternations cannot escape the
 * anchors. Patterns whose compiled form could be huge (nested repetition), backreferences
 * and patterns over 512 bytes are refused. 0 when refused or invalid; otherwise 1 and *re
 * must be regfree'd. */
int tp_mf_compile_regex(tp_mf_regex *re, const char *pattern, int extra_flags, int anchored,
                        tp_manifest *m);
/* Matches s (n bytes, no NUL inside) against re, charging the manifest's budget: 1 match,
 * 0 no match, -1 the budget is spent (nothing run). */
int tp_mf_regex_match(const tp_mf_regex *re, const char *s, size_t n);
void tp_mf_regex_free(tp_mf_regex *re);
/* For a POSIX regex written by a manifest author (legacy var `regex`, regex predicates):
 * NULL, or the construct whose meaning differs between POSIX and the regex dialects Pluto
 * used (ECMAScript, Rust), refused rather than read one way: escaped letters and digits,
 * backslashes in brackets, {,n}, (?...). */
const char *tp_mf_posix_dialect_refusal(const char *pattern);

/* request.vars (both forms; manifest_varspec.c): fills m->vars, checks defaults, patterns,
 * that every placeholder is declared and every required variable used. */
tp_err tp_mf_parse_vars(tp_manifest *m, const json_t *vars, tp_error *err);
void tp_mf_free_vars(tp_manifest *m);
/* The value satisfies the variable's regex or pattern (1) or not (0); -1 when the
 * manifest's matching budget is spent (nothing run). */
int tp_mf_var_matches(const var_spec *vs, const char *value);
/* vars plus the default of every optional variable without a value; out->items is
 * malloc'd (free it), names and values are borrowed. */
tp_err tp_mf_effective_vars(const tp_manifest *m, const tp_vars *vars, tp_vars *out,
                            tp_error *err);
/* Translates an ECMAScript pattern to a POSIX extended regex (without anchors; the caller
 * anchors it) into out. TP_ERR_MANIFEST with *why naming the refused construct. */
tp_err tp_mf_ecma_to_ere(const char *pattern, tp_buf *out, int *ascii_only, const char **why);

/* URL: https only; fills host, host_is_ipv6, port and target. */
tp_err tp_mf_parse_url(tp_manifest *m, tp_error *err);
/* "host" or "[v6]" plus ":port" unless 443 (malloc'd). */
char *tp_mf_authority(const tp_manifest *m);

tp_err tp_mf_parse_extractors(tp_manifest *m, const json_t *body, tp_error *err);
void tp_mf_free_extractors(tp_manifest *m);
const char *tp_mf_ext_type_name(ext_type t);
const char *tp_mf_comparison_name(comparison c);

/* Template placeholders `<% name %>`. */
typedef tp_err (*tp_mf_placeholder_fn)(const char *name, size_t name_len, void *ctx,
                                       tp_error *err);
typedef tp_err (*tp_mf_literal_fn)(const char *s, size_t n, void *ctx, tp_error *err);
/* Splits s into literal runs and placeholders, in order (fails on a malformed one). */
tp_err tp_mf_scan_template(const char *s, size_t n, tp_mf_literal_fn on_literal,
                           tp_mf_placeholder_fn on_placeholder, void *ctx, tp_error *err);
/* Calls fn for each placeholder of s (fails on a malformed one). */
tp_err tp_mf_for_each_placeholder(const char *s, size_t n, tp_mf_placeholder_fn fn, void *ctx,
                                  tp_error *err);
/* Calls fn for each placeholder anywhere in the request (url, header values, body). */
tp_err tp_mf_request_placeholders(const tp_manifest *m, tp_mf_placeholder_fn fn, void *ctx,
                                  tp_error *err);
/* How a value is written where its placeholder stands (request_encode.c). */
typedef enum {
    TP_MF_ENC_URL,    /* percent-encoding of all but RFC 3986 unreserved, uppercase hex */
    TP_MF_ENC_FORM,   /* application/x-www-form-urlencoded: unreserved kept, ' ' as '+' */
    TP_MF_ENC_JSON,   /* JSON string content (RFC 8785 escaping); must be valid UTF-8 */
    TP_MF_ENC_HEADER  /* as is, but only 0x20-0x7e without '"' ',' ';' '\' nor surrounding
                         spaces; anything else is refused (TP_ERR_VAR) */
} tp_mf_encoding;
/* Appends value encoded for its position; TP_ERR_VAR (message without the value) when it
 * cannot stand there. */
tp_err tp_mf_append_encoded(tp_mf_encoding enc, const char *value, tp_buf *out,
                            tp_error *err);
/* The request's Content-Type (from the manifest) says JSON: application/json or a
 * "+json" subtype. */
int tp_mf_body_is_json(const tp_manifest *m);
/* Parse-time rules on a string body declared JSON: valid JSON with the placeholders
 * removed, and every placeholder inside a JSON string, outside any escape sequence. */
tp_err tp_mf_check_json_template(const char *s, size_t n, tp_error *err);

/* The variable of that name among vars, or NULL. */
const tp_var *tp_mf_find_var(const tp_vars *vars, const char *name, size_t len);
/* Appends s with every placeholder replaced by its value (which must be supplied),
 * written with encoding enc. */
tp_err tp_mf_substitute(const char *s, size_t n, const tp_vars *vars, tp_mf_encoding enc,
                        tp_buf *out, tp_error *err);
/* Parses a var's "type" (NULL: string); TP_ERR_MANIFEST for an unknown type. */
tp_err tp_mf_parse_var_type(const char *name, const char *type, var_type *out,
                            tp_error *err);
/* Request rules checked when the manifest is parsed (manifest_request.c): header names
 * and values teeproof sets itself, Host, Connection, Accept-Encoding, Content-Type, the
 * literal characters of the target, and where placeholders may stand in the body. */
tp_err tp_mf_check_request_template(const tp_manifest *m, tp_error *err);
/* The request body with variables substituted (empty when the manifest has none). */
tp_err tp_mf_request_body(const tp_manifest *m, const tp_vars *vars, tp_buf *out,
                          tp_error *err);

/* Evaluates one predicate against an extracted value; TP_ERR_PREDICATE when it does not
 * hold (detail: "predicate <comparison> <value> does not hold"). */
tp_err tp_mf_eval_predicate(const predicate *p, tp_mf_value v, tp_error *err);

#endif
