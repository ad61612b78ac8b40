#define _GNU_SOURCE
#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int sk_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int sk_parse_i64(const char *s, int64_t *out)
{
    if (s == NULL || s[0] == '\0' || isspace((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s)
        return -1;
    *out = v;
    return 0;
}

int sk_parse_int(const char *s, int *out)
{
    int64_t v;
    if (sk_parse_i64(s, &v) < 0 || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

char *sk_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    char *p;
    va_start(ap, fmt);
    int r = vasprintf(&p, fmt, ap);
    va_end(ap);
    return r < 0 ? NULL : p;
}

size_t sk_strv_len(char *const *v)
{
    size_t n = 0;
    if (v != NULL)
        while (v[n] != NULL)
            n++;
    return n;
}

char **sk_strv_dup(char *const *v)
{
    size_t n = sk_strv_len(v);
    char **r = calloc(n + 1, sizeof *r);
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        r[i] = strdup(v[i]);
        if (r[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(r[j]);
            free(r);
            return NULL;
        }
    }
    return r;
}

int sk_strv_push(char ***v, const char *s)
{
    size_t n = sk_strv_len(*v);
    char *copy = strdup(s);
    if (copy == NULL)
        return -1;
    char **nv = realloc(*v, (n + 2) * sizeof *nv);
    if (nv == NULL) {
        free(copy);
        return -1;
    }
    nv[n] = copy;
    nv[n + 1] = NULL;
    *v = nv;
    return 0;
}

bool sk_valid_id(const char *id)
{
    size_t n = 0;
    if (id == NULL || id[0] == '\0')
        return false;
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    for (const char *p = id; *p != '\0'; p++, n++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || c == '_' || c == '+' || c == '-' || c == '.'))
            return false;
    }
    return n <= 1024;
}

int sk_random_hex(char *out, size_t n)
{
    unsigned char r[64];
    if (n > sizeof r || getrandom(r, n, 0) != (ssize_t)n)
        return -1;
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}
