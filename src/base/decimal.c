/* Exact decimal comparison of JSON number tokens; see decimal.h. A token is split into its
 * sign, its digit sequence D (integer digits then fraction digits, the '.' skipped) and its
 * written exponent. Leading and trailing zeros of D are dropped; what is left is compared by
 * the position of its most significant digit, then digit by digit. */
#include "base/decimal.h"

typedef struct decimal {
    int negative;
    const char *int_digits, *frac_digits;
    size_t int_len, frac_len;
    long long exponent;     /* the written exponent, |exponent| <= TP_DECIMAL_MAX_EXPONENT */
    size_t first, last;     /* indexes in D of the first and last nonzero digit */
    int zero;               /* every digit is 0 */
} decimal;

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static size_t digits_at(const char *s, size_t n, size_t i)
{
    size_t start = i;
    while (i < n && is_digit(s[i]))
        i++;
    return i - start;
}

/* Digit k of D. */
static char digit(const decimal *d, size_t k)
{
    return k < d->int_len ? d->int_digits[k] : d->frac_digits[k - d->int_len];
}

/* The exponent part "e[+-]digits" from s[i..n); 0 when malformed or beyond the limit. */
static int parse_exponent(const char *s, size_t n, size_t i, long long *out)
{
    int negative = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        negative = s[i++] == '-';
    if (i >= n)
        return 0;
    long long v = 0;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
        if (v > TP_DECIMAL_MAX_EXPONENT)
            return 0;
    }
    *out = negative ? -v : v;
    return 1;
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int parse(const char *s, size_t n, decimal *d)
{
    size_t i = 0;
    *d = (decimal){0};
    if (s == NULL || n == 0 || n > TP_DECIMAL_MAX_TOKEN)
        return 0;
    if (s[i] == '-') {
        d->negative = 1;
        i++;
    }
    d->int_digits = s + i;
    d->int_len = digits_at(s, n, i);
    if (d->int_len == 0 || (d->int_len > 1 && s[i] == '0'))
        return 0;
    i += d->int_len;
    d->frac_digits = s + i;
    if (i < n && s[i] == '.') {
        d->frac_digits = s + i + 1;
        d->frac_len = digits_at(s, n, i + 1);
        if (d->frac_len == 0)
            return 0;
        i += 1 + d->frac_len;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        if (!parse_exponent(s, n, i + 1, &d->exponent))
            return 0;
        i = n;
    }
    return i == n;
}

static void normalise(decimal *d)
{
    size_t total = d->int_len + d->frac_len;
    d->first = 0;
    while (d->first < total && digit(d, d->first) == '0')
        d->first++;
    d->zero = d->first == total;
    d->last = total;
    while (!d->zero && digit(d, d->last - 1) == '0')
        d->last--;
    d->last--; /* index of the last nonzero digit */
}

/* Power of ten of the most significant digit: D[first] * 10^msd. */
static long long msd(const decimal *d)
{
    return (long long)d->int_len - 1 - (long long)d->first + d->exponent;
}

static int compare_magnitude(const decimal *a, const decimal *b)
{
    long long ma = msd(a), mb = msd(b);
    if (ma != mb)
        return ma < mb ? -1 : 1;
    size_t na = a->last - a->first + 1, nb = b->last - b->first + 1;
    for (size_t k = 0; k < na && k < nb; k++) {
        char x = digit(a, a->first + k), y = digit(b, b->first + k);
        if (x != y)
            return x < y ? -1 : 1;
    }
    /* Equal so far: the one with more significant digits has a nonzero digit left. */
    return na < nb ? -1 : na > nb;
}

int tp_decimal_compare(const char *a, size_t an, const char *b, size_t bn, int *cmp)
{
    decimal x, y;
    if (!parse(a, an, &x) || !parse(b, bn, &y))
        return 0;
    normalise(&x);
    normalise(&y);
    int sx = x.zero ? 0 : (x.negative ? -1 : 1), sy = y.zero ? 0 : (y.negative ? -1 : 1);
    if (sx != sy || sx == 0)
        *cmp = sx < sy ? -1 : sx > sy;
    else
        *cmp = sx * compare_magnitude(&x, &y);
    return 1;
}
