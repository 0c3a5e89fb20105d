/* Regexes from manifests (variable constraints, regex predicates). A manifest comes from
 * the prover, so a pattern may not cost the notary unbounded memory or time: glibc
 * compiles "x+" as "xx*" and "x{n}" as n copies of x, so nested repetition grows the
 * compiled form exponentially. Before regcomp, each pattern's expanded size is estimated
 * and refused above a budget; backreferences (exponential matching) are refused. Matching
 * is charged to the manifest's budget (TP_MF_MAX_REGEX_WORK): glibc's DFA grows a state
 * per subject byte for patterns like "(a|b)*a.{900}c", so one match may cost size x
 * length in time and memory. A search
 * (regex predicates) is compiled as "^.*(p)", one linear pass instead of one per start
 * position. */
#include "manifest/manifest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERN_BYTES 512
#define MAX_EXPANDED 1000

typedef struct guard {
    const char *p;
    size_t i, n;
    int bad;
} guard;

static size_t cap(size_t v) { return v > MAX_EXPANDED ? MAX_EXPANDED + 1 : v; }

static size_t expr_size(guard *g, int depth);

/* A bracket expression from '[' to its ']' (with [:class:], [.x.], [=x=] inside). */
static void skip_bracket(guard *g)
{
    g->i++; /* '[' */
    if (g->i < g->n && g->p[g->i] == '^')
        g->i++;
    if (g->i < g->n && g->p[g->i] == ']')
        g->i++;
    while (g->i < g->n && g->p[g->i] != ']') {
        char c = g->p[g->i];
        if (c == '[' && g->i + 1 < g->n && strchr(":.=", g->p[g->i + 1])) {
            char close = g->p[g->i + 1];
            g->i += 2;
            while (g->i + 1 < g->n && !(g->p[g->i] == close && g->p[g->i + 1] == ']'))
                g->i++;
            g->i += 2;
            continue;
        }
        g->i++;
    }
    if (g->i >= g->n)
        g->bad = 1;
    g->i++;
}

static size_t read_bound(guard *g)
{
    size_t v = 0;
    while (g->i < g->n && g->p[g->i] >= '0' && g->p[g->i] <= '9') {
        v = cap(v * 10 + (size_t)(g->p[g->i] - '0'));
        g->i++;
    }
    return v;
}

static int is_quantifier(const guard *g) { return g->i < g->n && strchr("*?+{", g->p[g->i]); }

/* How many copies of the atom its quantifier makes. Stacked quantifiers ("a**", "a+{2}")
 * are undefined in POSIX and make glibc's epsilon closures explode: refused. */
static size_t quantifier_factor(guard *g)
{
    if (!is_quantifier(g))
        return 1;
    size_t factor = 1;
    char c = g->p[g->i++];
    if (c == '+') {
        factor = 2;
    } else if (c == '{') {
        size_t lo = read_bound(g), hi = lo;
        if (g->i < g->n && g->p[g->i] == ',') {
            g->i++;
            hi = read_bound(g);
        }
        if (g->i >= g->n || g->p[g->i] != '}')
            g->bad = 1;
        g->i++;
        factor = cap((lo > hi ? lo : hi) + 1);
    }
    if (is_quantifier(g))
        g->bad = 1;
    return factor;
}

static size_t atom_size(guard *g, int depth)
{
    char c = g->p[g->i];
    if (c == '(') {
        g->i++;
        size_t inner = expr_size(g, depth + 1);
        if (g->i >= g->n || g->p[g->i] != ')')
            g->bad = 1;
        g->i++;
        return cap(inner + 1);
    }
    if (c == '[') {
        skip_bracket(g);
        return 1;
    }
    if (c == '\\') {
        if (g->i + 1 >= g->n || (g->p[g->i + 1] >= '1' && g->p[g->i + 1] <= '9'))
            g->bad = 1; /* trailing backslash, or a backreference */
        g->i += 2;
        return 1;
    }
    g->i++;
    return 1;
}

/* Alternatives and sequences up to ')' or the end; the sum of every branch's size. */
static size_t expr_size(guard *g, int depth)
{
    size_t total = 0;
    if (depth > 32)
        g->bad = 1;
    while (g->i < g->n && !g->bad && g->p[g->i] != ')') {
        if (g->p[g->i] == '|') {
            g->i++;
            continue;
        }
        size_t atom = atom_size(g, depth);
        total = cap(total + cap(atom * quantifier_factor(g)));
    }
    return total;
}

static int pattern_is_affordable(const char *pattern, size_t *size)
{
    guard g = {pattern, 0, strlen(pattern), 0};
    if (g.n > MAX_PATTERN_BYTES)
        return 0;
    *size = expr_size(&g, 0);
    return !g.bad && g.i >= g.n && *size <= MAX_EXPANDED;
}

const char *tp_mf_posix_dialect_refusal(const char *p)
{
    int in_bracket = 0;
    for (size_t i = 0; p[i]; i++) {
        char c = p[i], next = p[i + 1];
        if (in_bracket) {
            if (c == '\\')
                return "a backslash inside [...] (literal in POSIX, an escape elsewhere)";
            if (c == '[' && next && strchr(":.=", next)) { /* [:class:] and friends */
                const char *end = strstr(p + i + 2, (char[]){next, ']', 0});
                if (end == NULL)
                    return "an unterminated [: :], [. .] or [= =]";
                i = (size_t)(end - p) + 1;
                continue;
            }
            if (c == ']' && !(p[i - 1] == '[' || (p[i - 1] == '^' && p[i - 2] == '[')))
                in_bracket = 0;
            continue;
        }
        if (c == '[') {
            in_bracket = 1;
        } else if (c == '\\' && ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
                                  (next >= '0' && next <= '9'))) {
            return "an escaped letter or digit (\\d \\w \\s \\b \\1 ...: other dialects give "
                   "them meanings POSIX does not)";
        } else if (c == '\\' && next) {
            i++;
        } else if (c == '{' && next == ',') {
            return "{,n} (a quantifier in GNU regexes, literal text in ECMAScript)";
        } else if (c == '(' && next == '?') {
            return "a (?...) group (not POSIX)";
        }
    }
    return NULL;
}

int tp_mf_compile_regex(tp_mf_regex *r, const char *pattern, int extra_flags, int anchored,
                        tp_manifest *m)
{
    const int flags = REG_EXTENDED | REG_NOSUB | extra_flags;
    regex_t *re = &r->re;
    r->work_left = &m->regex_work_left;
    if (!pattern_is_affordable(pattern, &r->size) || r->size + 2 > m->regex_size_left)
        return 0;
    m->regex_size_left -= r->size + 2;
    if (regcomp(re, pattern, flags) != 0)
        return 0;
    regfree(re);
    size_t n = strlen(pattern) + 6;
    char *wrapped = malloc(n);
    if (wrapped == NULL)
        return 0;
    /* Anchored: the whole value. Unanchored: a search, written "^.*(p)" (some prefix of
     * the subject ends with a match of p), which glibc runs in one pass; given p alone it
     * retries from every start position, quadratic in the subject ("(a|aa)*b" over 64 KiB
     * of "a": seconds per predicate, with the notary's event loop stalled). */
    snprintf(wrapped, n, anchored ? "^(%s)$" : "^.*(%s)", pattern);
    int bad = regcomp(re, wrapped, flags);
    free(wrapped);
    return !bad;
}

int tp_mf_regex_match(const tp_mf_regex *r, const char *s, size_t n)
{
    size_t cost = (r->size + 2) * (n + 1); /* size <= MAX_EXPANDED + 1, n <= 64 KiB */
    if (cost > *r->work_left)
        return -1;
    *r->work_left -= cost;
    return regexec(&r->re, s, 0, NULL, 0) == 0;
}

void tp_mf_regex_free(tp_mf_regex *r) { regfree(&r->re); }
