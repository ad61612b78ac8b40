/* fsdiff.c - docker diff: what a container changed, from its upper
 * directory against its image's layers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/json.h"

/* in any of the image's layers */
static bool in_lower(json_t *lowers, const char *rel)
{
    size_t i;
    json_t *l;
    json_array_foreach(lowers, i, l)
    {
        char p[PATH_MAX * 2];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", json_string_value(l), rel);
        if (lstat(p, &st) == 0)
            return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    }
    return false;
}

static void walk(int dirfd, const char *rel, json_t *lowers, json_t *out, int depth)
{
    int fd = openat(dirfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL && depth < 256) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        struct stat st;
        if (fstatat(dirfd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        char path[PATH_MAX + 2];
        snprintf(path, sizeof path, "/%s", sub);
        int kind;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
            kind = 2; /* a whiteout: deleted */
        else
            kind = in_lower(lowers, sub) ? 0 : 1;
        json_array_append_new(out, json_pack("{s:s, s:i}", "Path", path, "Kind", kind));
        if (S_ISDIR(st.st_mode))
            walk(dirfd, sub, lowers, out, depth + 1);
    }
    closedir(d);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "Path")),
                  json_string_value(json_object_get(*(json_t *const *)b, "Path")));
}

int sk_container_changes(struct sk_engine *e, const char *ref, json_t **out, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    _cleanup_json_ json_t *lowers = NULL;
    if (ctr_image_lowers(e, c, &lowers, err) < 0)
        return -1;
    char upper[PATH_MAX + 8];
    snprintf(upper, sizeof upper, "%s/upper", c->dir);
    _cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    json_t *list = json_array();
    if (ufd >= 0)
        walk(ufd, "", lowers, list, 0);
    /* sorted by path, as docker prints them */
    size_t n = json_array_size(list);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL) {
        json_decref(list);
        return sk_err(err, ENOMEM, "diff");
    }
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(list, i));
    qsort(v, n, sizeof *v, by_path);
    json_decref(list);
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, v[i]);
    free(v);
    return 0;
}
