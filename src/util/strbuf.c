#define _GNU_SOURCE
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct strbuf *b, size_t need)
{
    if (b->oom)
        return false;
    if (b->len + need + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *n = realloc(b->s, cap);
    if (n == NULL) {
        b->oom = true;
        return false;
    }
    b->s = n;
    b->cap = cap;
    return true;
}

void sb_add(struct strbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_puts(struct strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p;
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    sb_add(b, p, (size_t)n);
    free(p);
}

char *sb_take(struct strbuf *b)
{
    char *s = b->s;
    if (s == NULL && !b->oom)
        s = calloc(1, 1);
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(struct strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
