/* Hex, base64 and digest helpers; see codec.h. */
#include "base/codec.h"
#include "base/algs.h"

#include <openssl/evp.h>
#include <string.h>

static const char k_hex[] = "0123456789abcdef";

void tp_hex_encode(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = k_hex[in[i] >> 4];
        out[2 * i + 1] = k_hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int tp_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tp_hex_decode(const char *hex, size_t hex_len, tp_buf *out)
{
    if (hex_len % 2 != 0 || !tp_buf_reserve(out, hex_len / 2))
        return 0;
    for (size_t i = 0; i < hex_len; i += 2) {
        int hi = tp_hex_digit(hex[i]), lo = tp_hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out->data[out->len++] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int tp_hex_decode_fixed(const char *hex, uint8_t *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int hi = tp_hex_digit(hex[2 * i]), lo = tp_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

static const char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char k_b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int tp_base64_encode(const uint8_t *in, size_t n, int url, tp_buf *out)
{
    const char *alpha = url ? k_b64url : k_b64;
    if (!tp_buf_reserve(out, (n + 2) / 3 * 4))
        return 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        char q[4] = {alpha[v >> 18], alpha[(v >> 12) & 63], alpha[(v >> 6) & 63], alpha[v & 63]};
        tp_buf_append(out, q, 4);
    }
    size_t rest = n - i;
    if (rest) {
        uint32_t v = (uint32_t)in[i] << 16 | (rest == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        char q[4] = {alpha[v >> 18], alpha[(v >> 12) & 63], rest == 2 ? alpha[(v >> 6) & 63] : '=', '='};
        tp_buf_append(out, q, url ? rest + 1 : 4);
    }
    return 1;
}

static int b64_value(char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

int tp_base64_decode(const char *in, size_t n, int url, tp_buf *out)
{
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1 || !tp_buf_reserve(out, n / 4 * 3 + 3))
        return 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i], url);
        if (v < 0)
            return 0;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->len++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be zero so that each byte string has one encoding. */
    return (acc & ((1u << bits) - 1)) == 0;
}

static void digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
    unsigned int len = 0;
    EVP_Digest(p, n, out, &len, md, NULL);
}

void tp_sha256(const void *p, size_t n, uint8_t out[32]) { digest(tp_md_sha256(), p, n, out); }
void tp_sha384(const void *p, size_t n, uint8_t out[48]) { digest(tp_md_sha384(), p, n, out); }
void tp_sha512(const void *p, size_t n, uint8_t out[64]) { digest(tp_md_sha512(), p, n, out); }
