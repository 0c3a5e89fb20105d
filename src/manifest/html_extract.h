/* HTML bodies for `format: "html"` extractors: parsed by libgumbo (HTML5), queried with
 * css_selector.h selectors. */
#ifndef TP_HTML_EXTRACT_H
#define TP_HTML_EXTRACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest/css_selector.h"
#include "teeproof/errors.h"

/* Largest body parsed as HTML (the parser's memory grows with it). */
#define TP_HTML_MAX_BODY (4u * 1024u * 1024u)
/* gumbo's tree construction costs up to (open elements) per start tag and (attributes of
 * the tag) per attribute: a page with more start tags, or a tag with more attributes, is
 * refused before parsing (TP_ERR_LIMIT), which bounds that quadratic work (measured in
 * docs/manifest.md). */
#define TP_HTML_MAX_TAGS 30000u
#define TP_HTML_MAX_ATTRS 256u
/* Most text one extractor may produce (all matched elements together), and most elements. */
#define TP_HTML_MAX_VALUE (1024u * 1024u)
#define TP_HTML_MAX_MATCHES 10000u
/* Most nodes visited to collect one extractor's text (nested matches revisit subtrees). */
#define TP_HTML_MAX_VISITS (4u * 1024u * 1024u)

typedef struct tp_html_doc tp_html_doc;

/* Parses body (valid UTF-8, at most TP_HTML_MAX_BODY bytes). */
tp_err tp_html_parse(const uint8_t *body, size_t len, tp_html_doc **out, tp_error *err);
void tp_html_free(tp_html_doc *d);

/* The elements the steps select (step 1 over the document, each next step over the
 * descendants of the previous step's elements), in document order: *out is a new array
 * with, per element, its text (all descendant text, as decoded, whitespace kept) or the
 * value of attribute when not NULL. An element without that attribute fails
 * (TP_ERR_SELECTOR); too much text or too many elements fail (TP_ERR_LIMIT). */
tp_err tp_html_select(const tp_html_doc *d, const tp_css_selector *steps, size_t n_steps,
                      const char *attribute, json_t **out, tp_error *err);

#endif
