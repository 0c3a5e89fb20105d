/* Exact comparison of JSON number tokens as decimals, on their text: no conversion to a
 * binary floating-point value, so 999.99999999999999999 < 1000 and two 23-digit integers
 * that differ in their last digit compare as different. */
#ifndef TP_BASE_DECIMAL_H
#define TP_BASE_DECIMAL_H

#include <stddef.h>

/* Longest number token compared (bytes); a longer one is not comparable. */
#define TP_DECIMAL_MAX_TOKEN 4096
/* Largest written exponent magnitude (1e10000 is compared, 1e10001 is not comparable). */
#define TP_DECIMAL_MAX_EXPONENT 10000

/* 1 and *cmp = -1, 0 or 1 (a < b, a == b, a > b) when a[0..an) and b[0..bn) are both RFC 8259
 * number tokens within the limits above; 0 ("not comparable") otherwise. Zero has no sign:
 * 0, -0, 0.0 and 0e5 are all equal. */
int tp_decimal_compare(const char *a, size_t an, const char *b, size_t bn, int *cmp);

#endif
