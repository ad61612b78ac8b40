/* base64.h - RFC 4648 base64 (the standard alphabet, with padding), as
 * docker's config.json and HTTP basic authentication use it. */
#ifndef SKIFF_UTIL_BASE64_H
#define SKIFF_UTIL_BASE64_H

#include <stddef.h>

/* A new NUL-terminated string; NULL when out of memory. */
char *sk_base64_encode(const void *data, size_t n);
/* Decode into a new buffer (NUL-terminated, *out_len without it); NULL when
 * s is not base64 (whitespace and missing padding are refused too) or out
 * of memory. */
unsigned char *sk_base64_decode(const char *s, size_t *out_len);

#endif
