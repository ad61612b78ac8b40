/* error.h - the library's error object.
 *
 * Every fallible function returns a negative value and fills a caller-owned
 * sk_error; callers add context on the way up with sk_error_prefix().  Only
 * front ends print an error or turn it into an exit code.  The object is a
 * fixed buffer so that filling it never allocates.
 */
#ifndef SKIFF_UTIL_ERROR_H
#define SKIFF_UTIL_ERROR_H

#include <stddef.h>

#define SK_ERROR_MAX 1024

typedef struct sk_error {
    int errnum;            /* errno of the root cause, 0 if none */
    char msg[SK_ERROR_MAX]; /* one line, no trailing newline */
} sk_error;

/* Fill *e with the formatted message, followed by ": strerror(errnum)" when
 * errnum is not 0.  Returns -1 so that callers can `return sk_err(...)`.
 * e may be NULL (the error is then dropped). */
int sk_err(sk_error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to the message already in *e.  Returns -1. */
int sk_err_prefix(sk_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void sk_err_clear(sk_error *e);

#endif
