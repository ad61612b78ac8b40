/* dl.c - libraries loaded on first use. */
#define _GNU_SOURCE
#include "util/dl.h"

#include <dlfcn.h>
#include <string.h>

static int load(struct sk_dl_lib *lib)
{
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return sk_err(&lib->err, 0, "%s needs %s: %s", lib->what, lib->soname, dlerror());
    for (size_t i = 0; i < lib->n; i++) {
        void *p = dlsym(h, lib->syms[i].name);
        if (p == NULL) {
            sk_err(&lib->err, 0, "%s needs %s with %s: %s", lib->what, lib->soname,
                   lib->syms[i].name, dlerror());
            dlclose(h);
            return -1;
        }
        *lib->syms[i].ptr = p;
    }
    return 0; /* the handle stays open for the life of the process */
}

int sk_dl_load(struct sk_dl_lib *lib, sk_error *err)
{
    pthread_mutex_lock(&lib->lock);
    if (lib->state == 0)
        lib->state = load(lib) == 0 ? 1 : -1;
    int state = lib->state;
    pthread_mutex_unlock(&lib->lock);
    if (state > 0)
        return 0;
    if (err != NULL)
        *err = lib->err;
    return -1;
}
