/* ECMAScript variable patterns (Pluto's `pattern`) translated to POSIX extended regexes.
 * Only a subset whose meaning is the same in both dialects is translated: literals,
 * `.`, character classes (ASCII members, ranges, \d \w \s inside), the escapes \d \D \w
 * \W \s \S, groups ( ) and (?: ), alternation, greedy quantifiers * + ? {n} {n,} {n,m},
 * and ^ / $ at the very start / end (the value is always matched whole, so they add
 * nothing). Everything whose meaning differs between the dialects or that POSIX cannot
 * express is refused with the construct's name, never guessed: lookarounds, backrefs,
 * word boundaries, lazy quantifiers, named groups, unicode / hex / control escapes, a '{'
 * that is not a quantifier (ECMAScript reads it as a literal), empty classes, anchors
 * elsewhere, non-ASCII pattern bytes. Where a pattern can match a non-ASCII character
 * (`.`, negated classes, \D \W \S), ECMAScript counts UTF-16 units and POSIX bytes: such
 * a pattern only accepts ASCII values (stricter, never looser). */
#include "manifest/manifest_internal.h"

#include <stdio.h>
#include <string.h>

/* Longest ERE produced (each pattern byte gives at most one bracket of 128 members). */
#define MAX_ERE_BYTES 4096

typedef struct ecma {
    const char *p;
    size_t i, n;
    tp_buf *out;
    int ascii_only;
    const char *bad; /* the refused construct */
    int last_quantifiable;
} ecma;

typedef struct cset {
    unsigned char has[128];
} cset;

static void out_str(ecma *e, const char *s)
{
    if (!e->bad && !tp_buf_append_str(e->out, s))
        e->bad = "out of memory";
}

static void set_range(cset *s, int lo, int hi)
{
    for (int c = lo; c <= hi; c++)
        s->has[c] = 1;
}

/* \d \w \s as sets (ASCII; ECMAScript \s also has non-ASCII spaces, so a value holding
 * one fails here and passes there: stricter). */
static int class_escape(char c, cset *s, int *negated)
{
    *negated = c == 'D' || c == 'W' || c == 'S';
    switch (c) {
    case 'd': case 'D':
        set_range(s, '0', '9');
        return 1;
    case 'w': case 'W':
        set_range(s, '0', '9');
        set_range(s, 'A', 'Z');
        set_range(s, 'a', 'z');
        s->has['_'] = 1;
        return 1;
    case 's': case 'S':
        set_range(s, '\t', '\r');
        s->has[' '] = 1;
        return 1;
    }
    return 0;
}

/* A bracket expression with exactly the members of s (or all others when negated):
 * ']' first, '-' last, '^' never first, no backslash escapes (POSIX has none there). */
static void emit_set(ecma *e, const cset *s, int negated)
{
    char buf[300];
    size_t k = 0;
    buf[k++] = '[';
    if (negated)
        buf[k++] = '^';
    if (s->has[']'])
        buf[k++] = ']';
    for (int c = 1; c < 128; c++) {
        if (!s->has[c] || c == ']' || c == '-' || c == '^')
            continue;
        int end = c;
        while (end + 1 < 128 && s->has[end + 1] && end + 1 != ']' && end + 1 != '-' &&
               end + 1 != '^')
            end++;
        buf[k++] = (char)c;
        if (end > c + 1)
            buf[k++] = '-';
        if (end > c)
            buf[k++] = (char)end;
        c = end;
    }
    size_t first = negated ? 2 : 1; /* where a '^' would read as a negation */
    if (s->has['-'] && s->has['^'] && k == first) {
        buf[k++] = '-'; /* "[-^]": '-' first and '^' second are both literal */
        buf[k++] = '^';
    } else {
        if (s->has['^'] && k == first && !negated) {
            out_str(e, "\\^"); /* only '^': escaped outside a bracket */
            return;
        }
        if (s->has['^'])
            buf[k++] = '^';
        if (s->has['-'])
            buf[k++] = '-';
    }
    buf[k++] = ']';
    buf[k] = '\0';
    if (k == first + 1)
        e->bad = "an empty character class";
    if (negated)
        e->ascii_only = 1;
    out_str(e, buf);
}

static const char *escape_refusal(char c)
{
    if (c == 'b' || c == 'B')
        return "a word boundary (\\b, \\B)";
    if (c >= '0' && c <= '9')
        return "a backreference or octal escape (\\0-\\9)";
    if (c == 'k')
        return "a named backreference (\\k)";
    if (c == 'u' || c == 'x' || c == 'p' || c == 'P' || c == 'c')
        return "a unicode, hex, property or control escape (\\u \\x \\p \\c)";
    return "an escaped letter with no portable meaning";
}

/* The byte an escape outside \d\w\s stands for (0 if refused). */
static int escape_literal(ecma *e, char c)
{
    static const char ctl[] = "tnrfv";
    static const char ctl_val[] = "\t\n\r\f\v";
    const char *k = strchr(ctl, c);
    if (c && k)
        return (unsigned char)ctl_val[k - ctl];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        e->bad = escape_refusal(c);
        return 0;
    }
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
        e->bad = "a non-ASCII or control character";
        return 0;
    }
    return (unsigned char)c;
}

/* One member of a class at e->i: a set escape or a single byte (returned, or -1). */
static int class_member(ecma *e, cset *s)
{
    char c = e->p[e->i++];
    if ((unsigned char)c >= 0x80 || (unsigned char)c < 0x20) {
        e->bad = "a non-ASCII or control character";
        return -1;
    }
    if (c != '\\')
        return (unsigned char)c;
    if (e->i >= e->n) {
        e->bad = "a trailing backslash";
        return -1;
    }
    char x = e->p[e->i++];
    int negated;
    cset tmp = {{0}};
    if (class_escape(x, &tmp, &negated)) {
        if (negated) {
            e->bad = "\\D, \\W or \\S inside a class";
            return -1;
        }
        for (int b = 0; b < 128; b++)
            s->has[b] |= tmp.has[b];
        return -2;
    }
    if (x == 'b') {
        e->bad = "\\b inside a class";
        return -1;
    }
    int b = escape_literal(e, x);
    return b ? b : -1;
}

static void parse_class(ecma *e)
{
    cset s = {{0}};
    int negated = 0;
    e->i++; /* '[' */
    if (e->i < e->n && e->p[e->i] == '^') {
        negated = 1;
        e->i++;
    }
    while (!e->bad && e->i < e->n && e->p[e->i] != ']') {
        int lo = class_member(e, &s);
        if (lo == -1)
            return;
        if (lo >= 0 && e->i + 1 < e->n && e->p[e->i] == '-' && e->p[e->i + 1] != ']') {
            e->i++;
            int hi = class_member(e, &s);
            if (hi == -1)
                return;
            if (hi < 0 || hi < lo) {
                e->bad = "an invalid class range";
                return;
            }
            set_range(&s, lo, hi);
        } else if (lo >= 0) {
            s.has[lo] = 1;
        }
    }
    if (e->i >= e->n) {
        e->bad = "an unterminated character class";
        return;
    }
    e->i++; /* ']' */
    s.has[0] = 0;
    emit_set(e, &s, negated);
}

static int read_int(ecma *e, size_t *v)
{
    size_t start = e->i;
    *v = 0;
    while (e->i < e->n && e->p[e->i] >= '0' && e->p[e->i] <= '9' && e->i - start < 6)
        *v = *v * 10 + (size_t)(e->p[e->i++] - '0');
    return e->i > start;
}

/* '{' at e->i: a valid {n}, {n,}, {n,m} is copied; anything else is a literal '{' in
 * ECMAScript (Annex B) and a quantifier or an error in POSIX: refused. */
static void parse_brace(ecma *e)
{
    size_t save = e->i, lo, hi = 0;
    e->i++;
    int ok = read_int(e, &lo);
    int comma = ok && e->i < e->n && e->p[e->i] == ',';
    if (comma) {
        e->i++;
        if (e->i < e->n && e->p[e->i] != '}' && (!read_int(e, &hi) || hi < lo))
            ok = 0;
    }
    if (!ok || e->i >= e->n || e->p[e->i] != '}') {
        e->bad = "a '{' that is not a quantifier {n}, {n,} or {n,m}";
        return;
    }
    e->i++;
    if (!tp_buf_append(e->out, e->p + save, e->i - save))
        e->bad = "out of memory";
}

static void parse_quantifier(ecma *e)
{
    char c = e->p[e->i];
    if (!e->last_quantifiable) {
        e->bad = "a quantifier with nothing to repeat";
        return;
    }
    if (c == '{') {
        parse_brace(e);
    } else {
        char q[2] = {c, 0};
        e->i++;
        out_str(e, q);
    }
    e->last_quantifiable = 0;
    if (!e->bad && e->i < e->n && e->p[e->i] == '?')
        e->bad = "a lazy quantifier (*? +? ?? {n}?)";
    else if (!e->bad && e->i < e->n && strchr("*+?{", e->p[e->i]))
        e->bad = "a repeated quantifier";
}

static void parse_group_open(ecma *e)
{
    e->i++;
    if (e->i < e->n && e->p[e->i] == '?') {
        if (e->i + 1 < e->n && e->p[e->i + 1] == ':') {
            e->i += 2;
        } else {
            e->bad = "a lookaround or named group ((?= (?! (?<= (?<! (?<name>)";
            return;
        }
    }
    out_str(e, "(");
    e->last_quantifiable = 0;
}

static void parse_escape(ecma *e)
{
    e->i++;
    if (e->i >= e->n) {
        e->bad = "a trailing backslash";
        return;
    }
    char c = e->p[e->i++];
    cset s = {{0}};
    int negated;
    if (class_escape(c, &s, &negated)) {
        emit_set(e, &s, negated);
        return;
    }
    int b = escape_literal(e, c);
    if (b == 0)
        return;
    cset one = {{0}};
    one.has[b] = 1;
    emit_set(e, &one, 0);
}

static void parse_atom_char(ecma *e)
{
    unsigned char c = (unsigned char)e->p[e->i++];
    if (c >= 0x80 || c < 0x20) {
        e->bad = "a non-ASCII or control character";
        return;
    }
    if (c == '.') {
        e->ascii_only = 1;
        out_str(e, "[^\n\r]");
        return;
    }
    if (c == ']' || c == '}') {
        e->bad = "an unescaped ']' or '}'";
        return;
    }
    cset one = {{0}};
    one.has[c] = 1;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        char lit[2] = {(char)c, 0};
        out_str(e, lit);
    } else {
        emit_set(e, &one, 0);
    }
}

static void parse(ecma *e)
{
    int depth = 0;
    while (!e->bad && e->i < e->n) {
        char c = e->p[e->i];
        if (strchr("*+?{", c)) {
            parse_quantifier(e);
            continue;
        }
        e->last_quantifiable = 1;
        if (c == '[') {
            parse_class(e);
        } else if (c == '(') {
            depth++;
            parse_group_open(e);
        } else if (c == ')') {
            if (depth-- == 0)
                e->bad = "an unbalanced ')'";
            e->i++;
            out_str(e, ")");
        } else if (c == '|') {
            e->i++;
            out_str(e, "|");
            e->last_quantifiable = 0;
        } else if (c == '^' || c == '$') {
            e->bad = "'^' or '$' other than at the very start or end";
        } else if (c == '\\') {
            parse_escape(e);
        } else {
            parse_atom_char(e);
        }
    }
    if (!e->bad && depth != 0)
        e->bad = "an unbalanced '('";
}

tp_err tp_mf_ecma_to_ere(const char *pattern, tp_buf *out, int *ascii_only, const char **why)
{
    size_t n = strlen(pattern);
    ecma e = {pattern, 0, n, out, 0, NULL, 0};
    *why = NULL;
    if (n == 0) {
        *why = "an empty pattern";
        return TP_ERR_MANIFEST;
    }
    if (pattern[0] == '^')
        e.i = 1;
    if (e.n > e.i && pattern[e.n - 1] == '$' && !(e.n >= 2 && pattern[e.n - 2] == '\\'))
        e.n--;
    if (e.i >= e.n) {
        *why = "an empty pattern";
        return TP_ERR_MANIFEST;
    }
    parse(&e);
    if (!e.bad && out->len > MAX_ERE_BYTES)
        e.bad = "a pattern too long once translated";
    *ascii_only = e.ascii_only;
    *why = e.bad;
    return e.bad ? TP_ERR_MANIFEST : TP_OK;
}
