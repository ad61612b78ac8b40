#define _GNU_SOURCE
#include "util/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *sk_arena_adopt(struct sk_arena *a, void *p)
{
    if (p == NULL)
        return NULL;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        void **np = realloc(a->ptrs, cap * sizeof *np);
        if (np == NULL) {
            free(p);
            return NULL;
        }
        a->ptrs = np;
        a->cap = cap;
    }
    a->ptrs[a->n++] = p;
    return p;
}

void *sk_arena_alloc(struct sk_arena *a, size_t size)
{
    return sk_arena_adopt(a, calloc(1, size ? size : 1));
}

char *sk_arena_strdup(struct sk_arena *a, const char *s)
{
    return s == NULL ? NULL : sk_arena_adopt(a, strdup(s));
}

char *sk_arena_printf(struct sk_arena *a, const char *fmt, ...)
{
    char *p;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&p, fmt, ap);
    va_end(ap);
    return r < 0 ? NULL : sk_arena_adopt(a, p);
}

void sk_arena_free(struct sk_arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptrs[i]);
    free(a->ptrs);
    memset(a, 0, sizeof *a);
}
