/* engine.c - opening the engine: its directories and the image store. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strutil.h"

/* chmod only when needed: a chmod dirties the inode (a journal write on
 * every command otherwise). */
static int private_dir(const char *path, sk_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return sk_err(err, errno, "stat");
    if ((st.st_mode & 07777) != 0700 && chmod(path, 0700) < 0)
        return sk_err(err, errno, "chmod");
    return 0;
}

int sk_engine_open(const struct sk_engine_opts *o, struct sk_engine **out, sk_error *err)
{
    struct sk_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return sk_err(err, ENOMEM, "engine");
    e->root = strdup(o->root);
    e->runroot = strdup(o->runroot);
    e->exe = strdup(o->exe ? o->exe : "/proc/self/exe");
    e->log_level = strdup(o->log_level ? o->log_level : "warn");
    e->insecure = o->insecure ? sk_strv_dup(o->insecure) : NULL;
    if (!e->root || !e->runroot || !e->exe || !e->log_level || (o->insecure && !e->insecure)) {
        sk_engine_close(e);
        return sk_err(err, ENOMEM, "engine");
    }
    for (size_t i = 0; o->address_pools != NULL && o->address_pools[i] != NULL; i++) {
        int r = e->npools == NET_MAX_POOLS ? sk_err(err, 0, "at most %d address pools", NET_MAX_POOLS)
                                           : net_parse_pool(o->address_pools[i], &e->pools[e->npools], err);
        if (r < 0) {
            sk_engine_close(e);
            return -1;
        }
        e->npools++;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/containers", e->root);
    /* the data root is private (CVE-2021-41091) */
    if (sk_mkdir_p(e->root, 0700, err) < 0 || private_dir(e->root, err) < 0 ||
        sk_mkdir_p(path, 0700, err) < 0) {
        sk_engine_close(e);
        return sk_err_prefix(err, "%s", o->root);
    }
    snprintf(path, sizeof path, "%s/containers", e->runroot);
    char socks[PATH_MAX];
    snprintf(socks, sizeof socks, "%s/s", e->runroot);
    if (sk_mkdir_p(e->runroot, 0700, err) < 0 || private_dir(e->runroot, err) < 0 ||
        sk_mkdir_p(path, 0700, err) < 0 || sk_mkdir_p(socks, 0700, err) < 0) {
        sk_engine_close(e);
        return sk_err_prefix(err, "%s", o->runroot);
    }
    snprintf(e->rt_root, sizeof e->rt_root, "%s/runtime", e->runroot);
    e->rt.root = e->rt_root;
    *out = e;
    return 0;
}

void sk_engine_close(struct sk_engine *e)
{
    if (e == NULL)
        return;
    store_close(e->images);
    free(e->root);
    free(e->runroot);
    free(e->exe);
    free(e->log_level);
    sk_strv_free(e->insecure);
    free(e);
}

struct image_store *sk_engine_images(struct sk_engine *e, sk_error *err)
{
    if (e->images == NULL && store_open(e->root, &e->images, err) < 0)
        return NULL;
    return e->images;
}

void sk_engine_release_images(struct sk_engine *e)
{
    store_close(e->images);
    e->images = NULL;
}

const char *sk_engine_root(const struct sk_engine *e)
{
    return e->root;
}

char *const *sk_engine_insecure(const struct sk_engine *e)
{
    return e->insecure;
}
