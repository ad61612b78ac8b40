#define _GNU_SOURCE
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sk_err(sk_error *e, int errnum, const char *fmt, ...)
{
    if (e == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof e->msg)
        n = sizeof e->msg - 1;
    if (errnum != 0)
        snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
    e->errnum = errnum;
    return -1;
}

int sk_err_prefix(sk_error *e, const char *fmt, ...)
{
    if (e == NULL)
        return -1;
    char prefix[SK_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t pl = strlen(prefix), ml = strlen(e->msg);
    if (pl + 2 >= sizeof e->msg)
        pl = sizeof e->msg - 3;
    if (pl + 2 + ml >= sizeof e->msg)
        ml = sizeof e->msg - pl - 3;
    memmove(e->msg + pl + 2, e->msg, ml);
    memcpy(e->msg, prefix, pl);
    e->msg[pl] = ':';
    e->msg[pl + 1] = ' ';
    e->msg[pl + 2 + ml] = '\0';
    return -1;
}

void sk_err_clear(sk_error *e)
{
    if (e == NULL)
        return;
    e->errnum = 0;
    e->msg[0] = '\0';
}
