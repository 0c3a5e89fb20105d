/* Parser of the CSS selector subset of html extractors (see css_selector.h). Strict: a
 * selector either parses completely into what it means here or is refused with the
 * construct's name; nothing is skipped. ASCII only, no escapes, bounded sizes. */
#include "manifest/css_selector.h"

#include <string.h>

typedef struct cur {
    const char *s;
    size_t i;
    const char *why;
} cur;

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

static int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

static int refuse(cur *c, const char *why)
{
    if (!c->why)
        c->why = why;
    return 0;
}

/* An identifier: its slice. */
static int read_name(cur *c, const char **out, size_t *len)
{
    size_t start = c->i;
    if (!is_name_start(c->s[c->i]))
        return refuse(c, "a missing or invalid name (ASCII letters, digits, _ and - only; no "
                         "escapes)");
    while (is_name_char(c->s[c->i]))
        c->i++;
    if (c->i - start > TP_CSS_MAX_NAME)
        return refuse(c, "a name longer than 64 bytes");
    *out = c->s + start;
    *len = c->i - start;
    return 1;
}

/* [name] or [name=value] with value a name or a quoted string (no escapes, no quote). */
static int read_attr(cur *c, tp_css_part *p)
{
    c->i++; /* '[' */
    p->kind = CSS_PART_ATTR;
    if (!read_name(c, &p->name, &p->name_len))
        return 0;
    if (c->s[c->i] == ']') {
        c->i++;
        return 1;
    }
    if (c->s[c->i] != '=')
        return refuse(c, "an attribute operator other than = (~= |= ^= $= *=) or spaces "
                         "inside []");
    c->i++;
    p->has_value = 1;
    char q = c->s[c->i];
    if (q == '"' || q == '\'') {
        size_t start = ++c->i;
        while (c->s[c->i] && c->s[c->i] != q) {
            unsigned char ch = (unsigned char)c->s[c->i++];
            if (ch == '\\' || ch < 0x20 || ch >= 0x7f)
                return refuse(c, "an escape, control or non-ASCII character in a value");
        }
        if (c->s[c->i] != q)
            return refuse(c, "an unterminated quoted value");
        p->value = c->s + start;
        p->value_len = c->i - start;
        c->i++;
    } else if (!read_name(c, &p->value, &p->value_len)) {
        return 0;
    }
    if (c->s[c->i] != ']')
        return refuse(c, "an attribute flag or text after the value inside []");
    c->i++;
    return 1;
}

static int read_long(cur *c, long *v)
{
    size_t start = c->i;
    *v = 0;
    while (c->s[c->i] >= '0' && c->s[c->i] <= '9') {
        if (c->i - start >= 6)
            return refuse(c, "a :nth-child number over 6 digits");
        *v = *v * 10 + (c->s[c->i++] - '0');
    }
    return c->i > start;
}

/* The an+b argument: odd, even, b, an, an+b, an-b (a may be -, + or omitted). */
static int read_nth(cur *c, tp_css_part *p)
{
    const char *s = c->s + c->i;
    p->kind = CSS_PART_NTH;
    if (strncmp(s, "odd)", 4) == 0 || strncmp(s, "even)", 5) == 0) {
        p->a = 2;
        p->b = s[0] == 'o' ? 1 : 0;
        c->i += s[0] == 'o' ? 3 : 4;
        return 1;
    }
    long sign = 1, num = 0;
    if (c->s[c->i] == '-' || c->s[c->i] == '+')
        sign = c->s[c->i++] == '-' ? -1 : 1;
    int has_num = read_long(c, &num);
    if (c->why)
        return 0;
    if (c->s[c->i] != 'n') {
        if (!has_num)
            return refuse(c, "an invalid :nth-child argument");
        p->a = 0;
        p->b = sign * num;
        return 1;
    }
    c->i++;
    p->a = sign * (has_num ? num : 1);
    p->b = 0;
    if (c->s[c->i] == '+' || c->s[c->i] == '-') {
        long bs = c->s[c->i++] == '-' ? -1 : 1;
        if (!read_long(c, &p->b))
            return refuse(c, "an invalid :nth-child argument");
        p->b *= bs;
    }
    return 1;
}

static int read_pseudo(cur *c, tp_css_part *p)
{
    if (strncmp(c->s + c->i, ":nth-child(", 11) != 0)
        return refuse(c, "a pseudo-class other than :nth-child()");
    c->i += 11;
    if (!read_nth(c, p))
        return 0;
    if (c->s[c->i] != ')')
        return refuse(c, "an invalid :nth-child argument (spaces or 'of S' included)");
    c->i++;
    return 1;
}

static int read_part(cur *c, tp_css_compound *k)
{
    if (k->n_parts >= TP_CSS_MAX_PARTS)
        return refuse(c, "more than 8 parts in one compound selector");
    tp_css_part *p = &k->parts[k->n_parts++];
    memset(p, 0, sizeof(*p));
    char ch = c->s[c->i];
    if (ch == '.' || ch == '#') {
        c->i++;
        p->kind = ch == '.' ? CSS_PART_CLASS : CSS_PART_ID;
        return read_name(c, &p->name, &p->name_len);
    }
    if (ch == '[')
        return read_attr(c, p);
    return read_pseudo(c, p);
}

static int read_compound(cur *c, tp_css_compound *k)
{
    int any = 0;
    if (c->s[c->i] == '*') {
        c->i++;
        any = 1;
    } else if (is_name_start(c->s[c->i])) {
        if (!read_name(c, &k->type, &k->type_len))
            return 0;
        any = 1;
    }
    while (c->s[c->i] && strchr(".#[:", c->s[c->i])) {
        if (!read_part(c, k))
            return 0;
        any = 1;
    }
    if (!any)
        return refuse(c, c->s[c->i] == ',' ? "a selector list (,)"
                         : c->s[c->i] == '~' || c->s[c->i] == '+'
                             ? "a sibling combinator (~ or +)"
                             : "an empty or invalid compound selector");
    return 1;
}

int tp_css_parse(const char *s, tp_css_selector *out, const char **why)
{
    cur c = {s, 0, NULL};
    memset(out, 0, sizeof(*out));
    *why = NULL;
    if (strlen(s) > TP_CSS_MAX_SELECTOR_BYTES) {
        *why = "a selector longer than 256 bytes";
        return 0;
    }
    while (s[c.i] == ' ')
        c.i++;
    int child = 0;
    while (!c.why) {
        if (out->n >= TP_CSS_MAX_COMPOUNDS) {
            refuse(&c, "more than 8 compound selectors");
            break;
        }
        tp_css_compound *k = &out->c[out->n++];
        k->child_of_previous = child;
        if (!read_compound(&c, k))
            break;
        size_t before = c.i;
        while (s[c.i] == ' ')
            c.i++;
        if (s[c.i] == '\0')
            break;
        child = s[c.i] == '>';
        if (child) {
            c.i++;
            while (s[c.i] == ' ')
                c.i++;
        } else if (c.i == before) {
            refuse(&c, s[c.i] == ',' ? "a selector list (,)"
                       : s[c.i] == '~' || s[c.i] == '+' ? "a sibling combinator (~ or +)"
                                                        : "an unexpected character");
        }
    }
    *why = c.why;
    return c.why == NULL;
}

int tp_css_nth_matches(long a, long b, long pos)
{
    if (a == 0)
        return pos == b;
    long d = pos - b; /* pos = a*k + b for some integer k >= 0 */
    return d % a == 0 && d / a >= 0;
}
