/* strutil.h - small string and number helpers. */
#ifndef SKIFF_UTIL_STRUTIL_H
#define SKIFF_UTIL_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

/* Strict decimal parsing: the whole string must be a number in range. */
int sk_parse_u64(const char *s, uint64_t *out);
int sk_parse_i64(const char *s, int64_t *out);
int sk_parse_int(const char *s, int *out);

/* asprintf that returns NULL on failure instead of leaving *p undefined. */
char *sk_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t sk_strv_len(char *const *v);
/* Deep copy; NULL on allocation failure. */
char **sk_strv_dup(char *const *v);
/* Append a copy of s to a NULL-terminated vector; -1 on ENOMEM. */
int sk_strv_push(char ***v, const char *s);

static inline bool sk_str_has_prefix(const char *s, const char *prefix)
{
    while (*prefix != '\0')
        if (*s++ != *prefix++)
            return false;
    return true;
}

/* strcmp that takes NULL (equal only to NULL). */
static inline bool sk_streq(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A container id as runc accepts it: ^[\w+\-\.]+$ and not "." or "..",
 * at most 1024 bytes. */
bool sk_valid_id(const char *id);

/* 2*n random hex digits and a NUL into out (an id: n = 32).  -1 with errno
 * when the kernel has no randomness to give. */
int sk_random_hex(char *out, size_t n);

#endif
