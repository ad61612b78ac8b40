/* dl.h - libraries loaded on first use.
 *
 * skiff is one binary, and most of its commands (ps, run, the runtime)
 * never touch a registry or a tar stream.  libcurl and libarchive pull in
 * some forty shared objects (TLS, Kerberos, LDAP, ICU, ...) whose loading
 * and relocation cost ~10 ms and ~9 MiB on every start, so the code that
 * needs them loads them here, once, by soname, and calls through pointers.
 */
#ifndef SKIFF_UTIL_DL_H
#define SKIFF_UTIL_DL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct sk_dl_sym {
    const char *name;
    void **ptr;
};

struct sk_dl_lib {
    const char *soname;     /* "libcurl.so.4" */
    const char *what;       /* "registry access" */
    const struct sk_dl_sym *syms;
    size_t n;
    pthread_mutex_t lock;
    int state;              /* 0 not yet, 1 loaded, -1 failed */
    sk_error err;           /* why it failed */
};

/* Load lib (once; thread-safe).  On failure: "registry access needs
 * libcurl.so.4: <dlerror>". */
int sk_dl_load(struct sk_dl_lib *lib, sk_error *err);

#endif
