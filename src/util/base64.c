/* base64.c - RFC 4648 base64. */
#include "util/base64.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sk_base64_encode(const void *data, size_t n)
{
    const unsigned char *in = data;
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        *o++ = alphabet[(v >> 18) & 63];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? alphabet[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static int value(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

unsigned char *sk_base64_decode(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    if (n % 4 != 0)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    size_t k = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        int a = value(s[i]), b = value(s[i + 1]);
        int c = last && s[i + 2] == '=' && s[i + 3] == '=' ? -2 : value(s[i + 2]);
        int d = last && s[i + 3] == '=' ? -2 : value(s[i + 3]);
        if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2)) {
            free(out);
            return NULL;
        }
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)(c < 0 ? 0 : c) << 6 |
                     (uint32_t)(d < 0 ? 0 : d);
        out[k++] = (unsigned char)(v >> 16);
        if (c >= 0)
            out[k++] = (unsigned char)(v >> 8);
        if (d >= 0)
            out[k++] = (unsigned char)v;
    }
    out[k] = '\0';
    *out_len = k;
    return out;
}
