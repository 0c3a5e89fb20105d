/* HTML extraction: libgumbo parses the body into a tree (in an arena, freed at once:
 * gumbo's own tree destructor recurses once per nesting level, which a hostile page could
 * make deep); selectors are matched in one iterative walk per step, each element's state
 * computed from its parent's (which compounds of the selector end at it, and at it or an
 * ancestor), so matching costs O(elements x compounds) whatever the nesting. */
#include "manifest/html_extract.h"

#include <gumbo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/bytes.h"
#include "base/utf8.h"

#define ARENA_CHUNK (1024u * 1024u)

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
} chunk;

struct tp_html_doc {
    chunk *chunks;
    GumboOutput *out;
};

/* gumbo cannot handle an allocation failure: an out-of-memory process stops here. */
static void *arena_alloc(void *ud, size_t size)
{
    tp_html_doc *d = ud;
    size = (size + _Alignof(max_align_t) - 1) & ~(size_t)(_Alignof(max_align_t) - 1);
    chunk *c = d->chunks;
    if (c == NULL || c->cap - c->used < size) {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        c = malloc(sizeof(chunk) + cap);
        if (c == NULL)
            abort();
        c->next = d->chunks;
        c->used = 0;
        c->cap = cap;
        d->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    return p;
}

static void arena_free(void *ud, void *ptr) { (void)ud, (void)ptr; }

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

static int is_alpha(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* Counts the attributes of the tag whose name starts at p[*i], up to its '>' (quoted values
 * skipped only after '=', as the HTML tokenizer does); *i ends on the '>'. Counts up: every
 * token after white space or '/' is taken for an attribute. */
static size_t count_attributes(const uint8_t *p, size_t n, size_t *i)
{
    size_t attrs = 0;
    int sep = 0;
    for (; *i < n && p[*i] != '>'; (*i)++) {
        uint8_t c = p[*i];
        if (c == '=') {
            size_t j = *i + 1;
            while (j < n && is_space(p[j]))
                j++;
            if (j < n && (p[j] == '"' || p[j] == '\'')) {
                const uint8_t *end = memchr(p + j + 1, p[j], n - j - 1);
                *i = end ? (size_t)(end - p) : n;
                if (*i >= n)
                    break;
            }
            sep = 0;
        } else if (is_space(c) || c == '/') {
            sep = 1;
        } else if (sep) {
            attrs++;
            sep = 0;
        }
    }
    return attrs;
}

/* Bounds gumbo's work before it starts (see TP_HTML_MAX_TAGS). Counts up, never down:
 * '<' then a letter is a start tag wherever it stands (in scripts and comments too). */
static tp_err prescan(const uint8_t *p, size_t n, tp_error *err)
{
    size_t tags = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '<' || !is_alpha(p[i + 1]))
            continue;
        if (++tags > TP_HTML_MAX_TAGS)
            return tp_error_set(err, TP_ERR_LIMIT, "html body has more than %u start tags",
                                TP_HTML_MAX_TAGS);
        i++;
        if (count_attributes(p, n, &i) > TP_HTML_MAX_ATTRS)
            return tp_error_set(err, TP_ERR_LIMIT, "an html tag has more than %u attributes",
                                TP_HTML_MAX_ATTRS);
    }
    return TP_OK;
}

tp_err tp_html_parse(const uint8_t *body, size_t len, tp_html_doc **out, tp_error *err)
{
    *out = NULL;
    if (len > TP_HTML_MAX_BODY)
        return tp_error_set(err, TP_ERR_LIMIT, "html body larger than %u bytes",
                            TP_HTML_MAX_BODY);
    if (!tp_utf8_valid(body, len) || memchr(body, 0, len))
        return tp_error_set(err, TP_ERR_PARSE, "html body is not valid UTF-8 (or holds NUL)");
    tp_err rc = prescan(body, len, err);
    if (rc != TP_OK)
        return rc;
    tp_html_doc *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    GumboOptions opt = kGumboDefaultOptions;
    opt.allocator = arena_alloc;
    opt.deallocator = arena_free;
    opt.userdata = d;
    opt.max_errors = 0;
    d->out = gumbo_parse_with_options(&opt, (const char *)body, len);
    *out = d;
    return TP_OK;
}

void tp_html_free(tp_html_doc *d)
{
    if (d == NULL)
        return;
    while (d->chunks) {
        chunk *next = d->chunks->next;
        free(d->chunks);
        d->chunks = next;
    }
    free(d);
}

static const GumboVector *children(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return &n->v.element.children;
    return NULL;
}

static int is_element(const GumboNode *n)
{
    return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}

static const char *attr_value(const GumboNode *n, const char *name, size_t len)
{
    const GumboVector *attrs = &n->v.element.attributes;
    for (unsigned i = 0; i < attrs->length; i++) {
        const GumboAttribute *a = attrs->data[i];
        if (strlen(a->name) == len && strncasecmp(a->name, name, len) == 0)
            return a->value;
    }
    return NULL;
}

static int type_matches(const GumboNode *n, const tp_css_compound *k)
{
    if (k->type == NULL)
        return 1;
    if (n->v.element.tag != GUMBO_TAG_UNKNOWN) {
        const char *t = gumbo_normalized_tagname(n->v.element.tag);
        return strlen(t) == k->type_len && strncasecmp(t, k->type, k->type_len) == 0;
    }
    GumboStringPiece piece = n->v.element.original_tag;
    gumbo_tag_from_original_text(&piece);
    return piece.length == k->type_len && strncasecmp(piece.data, k->type, k->type_len) == 0;
}

static int has_class(const char *list, const char *name, size_t len)
{
    const char *p = list;
    while (p && *p) {
        while (*p && strchr(" \t\n\f\r", *p))
            p++;
        size_t n = strcspn(p, " \t\n\f\r");
        if (n == len && memcmp(p, name, len) == 0)
            return 1;
        p += n;
    }
    return 0;
}

static int part_matches(const GumboNode *n, const tp_css_part *p, long pos)
{
    const char *v;
    switch (p->kind) {
    case CSS_PART_CLASS:
        return has_class(attr_value(n, "class", 5), p->name, p->name_len);
    case CSS_PART_ID:
        v = attr_value(n, "id", 2);
        return v && strlen(v) == p->name_len && memcmp(v, p->name, p->name_len) == 0;
    case CSS_PART_ATTR:
        v = attr_value(n, p->name, p->name_len);
        return v && (!p->has_value ||
                     (strlen(v) == p->value_len && memcmp(v, p->value, p->value_len) == 0));
    case CSS_PART_NTH:
        return tp_css_nth_matches(p->a, p->b, pos);
    }
    return 0;
}

static int compound_matches(const GumboNode *n, const tp_css_compound *k, long pos)
{
    if (!type_matches(n, k))
        return 0;
    for (size_t i = 0; i < k->n_parts; i++)
        if (!part_matches(n, &k->parts[i], pos))
            return 0;
    return 1;
}

/* One walk frame: a node whose children are being visited. */
typedef struct frame {
    const GumboNode *node;
    unsigned next;        /* next child index */
    long elements_seen;   /* element children visited so far (for :nth-child) */
    unsigned exact, anc;  /* bit j: compound j ends here / here or above (within scope) */
    int in_scope;         /* a proper descendant of a scope node */
    int is_scope;
} frame;

typedef struct walk {
    const tp_css_selector *sel;
    const GumboNode **scope;  /* sorted scope nodes (previous step's matches) */
    size_t n_scope;
    const GumboNode **found;
    size_t n_found, cap_found;
    tp_error *err;
} walk;

static int cmp_ptr(const void *a, const void *b)
{
    const GumboNode *x = *(const GumboNode *const *)a, *y = *(const GumboNode *const *)b;
    return x < y ? -1 : x > y;
}

static int is_scope(const walk *w, const GumboNode *n)
{
    return w->n_scope > 0 && /* an empty scope may be NULL, which bsearch may not be given */
           bsearch(&n, w->scope, w->n_scope, sizeof(*w->scope), cmp_ptr) != NULL;
}

/* The state of element n (position pos among its element siblings) under parent f. */
static void element_state(const walk *w, const frame *f, const GumboNode *n, long pos,
                          frame *out)
{
    const tp_css_selector *s = w->sel;
    unsigned pexact = f->in_scope ? f->exact : 0, panc = f->in_scope ? f->anc : 0;
    out->node = n;
    out->next = 0;
    out->elements_seen = 0;
    out->in_scope = f->in_scope || f->is_scope;
    out->is_scope = is_scope(w, n);
    out->exact = 0;
    for (size_t j = 0; out->in_scope && j < s->n; j++) {
        int linked = j == 0 || (s->c[j].child_of_previous ? (pexact >> (j - 1)) & 1
                                                          : (panc >> (j - 1)) & 1);
        if (linked && compound_matches(n, &s->c[j], pos))
            out->exact |= 1u << j;
    }
    out->anc = panc | out->exact;
}

static tp_err note_found(walk *w, const GumboNode *n)
{
    if (w->n_found >= TP_HTML_MAX_MATCHES)
        return tp_error_set(w->err, TP_ERR_LIMIT, "html selector matches more than %u elements",
                            TP_HTML_MAX_MATCHES);
    if (w->n_found == w->cap_found) {
        size_t cap = w->cap_found ? w->cap_found * 2 : 64;
        const GumboNode **p = realloc(w->found, cap * sizeof(*p));
        if (p == NULL)
            return tp_error_set(w->err, TP_ERR_NOMEM, "out of memory");
        w->found = p;
        w->cap_found = cap;
    }
    w->found[w->n_found++] = n;
    return TP_OK;
}

/* One iterative walk of the whole tree: the elements matching w->sel below a scope node. */
static tp_err walk_tree(walk *w, const GumboNode *root)
{
    size_t cap = 64, depth = 0;
    frame *stack = malloc(cap * sizeof(*stack));
    if (stack == NULL)
        return tp_error_set(w->err, TP_ERR_NOMEM, "out of memory");
    stack[0] = (frame){root, 0, 0, 0, 0, 0, is_scope(w, root)};
    depth = 1;
    tp_err rc = TP_OK;
    while (rc == TP_OK && depth > 0) {
        frame *f = &stack[depth - 1];
        const GumboVector *kids = children(f->node);
        if (kids == NULL || f->next >= kids->length) {
            depth--;
            continue;
        }
        const GumboNode *n = kids->data[f->next++];
        if (!is_element(n))
            continue;
        frame child;
        element_state(w, f, n, ++f->elements_seen, &child);
        if (child.exact >> (w->sel->n - 1) & 1)
            rc = note_found(w, n);
        if (depth == cap) {
            frame *bigger = realloc(stack, 2 * cap * sizeof(*stack));
            if (bigger == NULL) {
                rc = tp_error_set(w->err, TP_ERR_NOMEM, "out of memory");
                break;
            }
            stack = bigger;
            cap *= 2;
        }
        stack[depth++] = child;
    }
    free(stack);
    return rc;
}

/* Text and visits one extractor may still spend. */
typedef struct budget {
    size_t bytes, visits;
} budget;

/* All text below n, in document order, appended to out (bounded by the budget). */
static tp_err append_text(const GumboNode *n, tp_buf *out, budget *b, tp_error *err)
{
    const GumboNode **stack = NULL;
    size_t depth = 0, cap = 0;
    tp_err rc = TP_OK;
    const GumboNode *cur = n;
    while (rc == TP_OK && cur) {
        if (b->visits-- == 0) {
            rc = tp_error_set(err, TP_ERR_LIMIT, "html extractor visits more than %u nodes",
                              TP_HTML_MAX_VISITS);
            break;
        }
        if (cur->type == GUMBO_NODE_TEXT || cur->type == GUMBO_NODE_CDATA ||
            cur->type == GUMBO_NODE_WHITESPACE) {
            size_t len = strlen(cur->v.text.text);
            if (len > b->bytes)
                rc = tp_error_set(err, TP_ERR_LIMIT, "html extractor text over %u bytes",
                                  TP_HTML_MAX_VALUE);
            else if (!tp_buf_append(out, cur->v.text.text, len))
                rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
            else
                b->bytes -= len;
        }
        const GumboVector *kids = children(cur);
        for (unsigned i = kids ? kids->length : 0; rc == TP_OK && i > 0; i--) {
            if (depth == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                const GumboNode **p = realloc(stack, ncap * sizeof(*p));
                if (p == NULL) {
                    rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
                    break;
                }
                stack = p;
                cap = ncap;
            }
            stack[depth++] = kids->data[i - 1];
        }
        cur = depth ? stack[--depth] : NULL;
    }
    free(stack);
    return rc;
}

static tp_err element_value(const GumboNode *n, const char *attribute, budget *b,
                            json_t *arr, tp_error *err)
{
    tp_buf text = TP_BUF_PUBLIC_INIT;
    tp_err rc = TP_OK;
    if (attribute) {
        const char *v = attr_value(n, attribute, strlen(attribute));
        if (v == NULL)
            rc = tp_error_set(err, TP_ERR_SELECTOR, "a selected element has no attribute %.64s",
                              attribute);
        else if (strlen(v) > b->bytes)
            rc = tp_error_set(err, TP_ERR_LIMIT, "html extractor text over %u bytes",
                              TP_HTML_MAX_VALUE);
        else if (!tp_buf_append(&text, v, strlen(v)))
            rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        else
            b->bytes -= strlen(v);
    } else {
        rc = append_text(n, &text, b, err);
    }
    if (rc == TP_OK &&
        json_array_append_new(arr, json_stringn(text.len ? (const char *)text.data : "",
                                                text.len)) != 0)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    tp_buf_free(&text);
    return rc;
}

tp_err tp_html_select(const tp_html_doc *d, const tp_css_selector *steps, size_t n_steps,
                      const char *attribute, json_t **out, tp_error *err)
{
    *out = NULL;
    const GumboNode *root = d->out->document;
    walk w = {NULL, NULL, 1, NULL, 0, 0, err};
    const GumboNode **scope = malloc(sizeof(*scope));
    if (scope == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    scope[0] = root;
    tp_err rc = TP_OK;
    for (size_t i = 0; rc == TP_OK && i < n_steps; i++) {
        w.sel = &steps[i];
        w.scope = scope;
        rc = walk_tree(&w, root);
        free(scope);
        scope = w.found;
        w.n_scope = w.n_found;
        w.found = NULL;
        w.n_found = w.cap_found = 0;
        if (rc == TP_OK && i + 1 < n_steps && w.n_scope > 0)
            qsort(scope, w.n_scope, sizeof(*scope), cmp_ptr);
    }
    /* scope now holds the last step's elements; sorted only between steps, so still in
     * document order here */
    json_t *arr = rc == TP_OK ? json_array() : NULL;
    if (rc == TP_OK && arr == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    budget b = {TP_HTML_MAX_VALUE, TP_HTML_MAX_VISITS};
    for (size_t i = 0; rc == TP_OK && i < w.n_scope; i++)
        rc = element_value(scope[i], attribute, &b, arr, err);
    free(scope);
    if (rc != TP_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return TP_OK;
}
