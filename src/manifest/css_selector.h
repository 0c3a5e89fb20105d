/* A strict parser for the small CSS selector subset of `format: "html"` extractors: type
 * (or *), .class, #id, [attr], [attr=value], descendant (space) and child (>) combinators,
 * :nth-child(n | odd | even | an+b). Anything else (selector lists, ~ and + combinators,
 * other pseudo-classes, attribute operators, escapes, non-ASCII) is refused with its name.
 * Matching over an HTML tree is in html_extract.c. */
#ifndef TP_CSS_SELECTOR_H
#define TP_CSS_SELECTOR_H

#include <stddef.h>

#define TP_CSS_MAX_SELECTOR_BYTES 256
#define TP_CSS_MAX_COMPOUNDS 8
#define TP_CSS_MAX_PARTS 8
#define TP_CSS_MAX_NAME 64

typedef enum { CSS_PART_CLASS, CSS_PART_ID, CSS_PART_ATTR, CSS_PART_NTH } tp_css_part_kind;

/* Names and values are slices of the parsed string (which must outlive the selector). */
typedef struct tp_css_part {
    tp_css_part_kind kind;
    const char *name;                /* class, id (case-sensitive) or attribute name */
    size_t name_len;
    int has_value;                   /* [attr=value] */
    const char *value;
    size_t value_len;
    long a, b;                       /* :nth-child(an+b) */
} tp_css_part;

typedef struct tp_css_compound {
    const char *type;                /* element name (ASCII case-insensitive); NULL: any */
    size_t type_len;
    int child_of_previous;           /* combinator before it is '>' (else descendant) */
    tp_css_part parts[TP_CSS_MAX_PARTS];
    size_t n_parts;
} tp_css_compound;

typedef struct tp_css_selector {
    tp_css_compound c[TP_CSS_MAX_COMPOUNDS];
    size_t n;
} tp_css_selector;

/* Parses s (NUL-terminated). 0 and *why naming the refused construct, or 1. */
int tp_css_parse(const char *s, tp_css_selector *out, const char **why);

/* Whether position pos (1-based among element siblings) satisfies an+b. */
int tp_css_nth_matches(long a, long b, long pos);

#endif
