/* arena.h - allocations that live and die together (a plan, a request).
 * Every allocation is freed by one sk_arena_free(); NULL on ENOMEM. */
#ifndef SKIFF_UTIL_ARENA_H
#define SKIFF_UTIL_ARENA_H

#include <stddef.h>

struct sk_arena {
    void **ptrs;
    size_t n, cap;
};

void *sk_arena_alloc(struct sk_arena *a, size_t size); /* zeroed */
char *sk_arena_strdup(struct sk_arena *a, const char *s);
char *sk_arena_printf(struct sk_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand an existing malloc'd pointer to the arena (freed with it). */
void *sk_arena_adopt(struct sk_arena *a, void *p);
void sk_arena_free(struct sk_arena *a);

#endif
