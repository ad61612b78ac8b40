/* strbuf.h - a growable string. */
#ifndef SKIFF_UTIL_STRBUF_H
#define SKIFF_UTIL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
    char *s;     /* NUL-terminated (may be NULL while empty) */
    size_t len, cap;
    bool oom;    /* an allocation failed: the content is cut short */
};

void sb_add(struct strbuf *b, const char *s, size_t n);
void sb_puts(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the string over (never NULL unless oom); the buffer is reset. */
char *sb_take(struct strbuf *b);
void sb_free(struct strbuf *b);

#endif
