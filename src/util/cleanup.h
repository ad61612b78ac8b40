/* cleanup.h - ownership made visible.
 *
 * `_cleanup_free_ char *p = ...;` frees p when it leaves scope;
 * `return steal_ptr(&p);` hands it over.  Every destructor accepts NULL/-1.
 */
#ifndef SKIFF_UTIL_CLEANUP_H
#define SKIFF_UTIL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sk_freep(void *p)
{
    free(*(void **)p);
}

static inline void sk_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

static inline void sk_fclosep(FILE **f)
{
    if (*f != NULL)
        fclose(*f);
}

/* Free a NULL-terminated array of strings and the array itself. */
static inline void sk_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p != NULL; p++)
        free(*p);
    free(v);
}

static inline void sk_strv_freep(char ***v)
{
    sk_strv_free(*v);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sk_freep)
#define _cleanup_close_ _cleanup_(sk_closep)
#define _cleanup_fclose_ _cleanup_(sk_fclosep)
#define _cleanup_strv_ _cleanup_(sk_strv_freep)

#define steal_ptr(pp)                  \
    ({                                 \
        typeof(*(pp)) _tmp_ = *(pp);   \
        *(pp) = NULL;                  \
        _tmp_;                         \
    })

#define take_fd(fdp)          \
    ({                        \
        int _tmp_ = *(fdp);   \
        *(fdp) = -1;          \
        _tmp_;                \
    })

#define SK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
