/* libFuzzer target: the CSS selector parser and html matching. Input: a selector, a NUL
 * byte, then an HTML page. An accepted selector has 1 to 8 compounds whose names lie inside
 * the input; matching it over any page (parsed by gumbo) returns an array of strings or a
 * clean error, never more than the limits. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/css_selector.h"
#include "manifest/html_extract.h"

static void check_slice(const char *s, size_t n, const char *p, size_t len)
{
    if (p && (p < s || p + len > s + n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t sel_len = nul ? (size_t)(nul - data) : size;
    char *sel = malloc(sel_len + 1);
    if (sel == NULL)
        return 0;
    memcpy(sel, data, sel_len);
    sel[sel_len] = '\0';
    tp_css_selector s;
    const char *why;
    int ok = tp_css_parse(sel, &s, &why);
    if (ok == (why != NULL))
        abort();
    if (ok) {
        if (s.n == 0 || s.n > TP_CSS_MAX_COMPOUNDS)
            abort();
        for (size_t i = 0; i < s.n; i++) {
            check_slice(sel, sel_len, s.c[i].type, s.c[i].type_len);
            for (size_t j = 0; j < s.c[i].n_parts; j++) {
                check_slice(sel, sel_len, s.c[i].parts[j].name, s.c[i].parts[j].name_len);
                check_slice(sel, sel_len, s.c[i].parts[j].value, s.c[i].parts[j].value_len);
            }
        }
        tp_html_doc *doc;
        tp_error err;
        const uint8_t *page = nul ? nul + 1 : data + size;
        size_t page_len = nul ? size - sel_len - 1 : 0;
        if (tp_html_parse(page, page_len, &doc, &err) == TP_OK) {
            json_t *out = NULL;
            const char *attr = (size & 1) ? "href" : NULL;
            if (tp_html_select(doc, &s, 1, attr, &out, &err) == TP_OK &&
                (!json_is_array(out) || json_array_size(out) > TP_HTML_MAX_MATCHES))
                abort();
            json_decref(out);
            tp_html_free(doc);
        }
    }
    free(sel);
    return 0;
}
