/* rootfs.c - a container's root: an overlay of its image's layers (read
 * only, shared) under its own upper directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"

/* The new mount API: "lowerdir+" takes one layer at a time (Linux 6.8), so
 * the number of layers is not limited by the size of one option string. */
static int mount_fsconfig(json_t *lowers, const char *upper, const char *work, const char *target)
{
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int ok = 0;
    size_t i;
    json_t *l;
    json_array_foreach(lowers, i, l) if (ok == 0) ok = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING,
                                                                    "lowerdir+", json_string_value(l), 0);
    if (ok == 0)
        ok = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0);
    if (ok == 0)
        ok = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0);
    if (ok == 0)
        ok = (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
    int mfd = ok == 0 ? (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0) : -1;
    int e = errno;
    close(fs);
    if (mfd < 0) {
        errno = e;
        return -1;
    }
    ok = (int)syscall(SYS_move_mount, mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
    e = errno;
    close(mfd);
    errno = e;
    return ok;
}

static int mount_classic(json_t *lowers, const char *upper, const char *work, const char *target,
                         sk_error *err)
{
    struct strbuf o = {0};
    sb_puts(&o, "lowerdir=");
    size_t i;
    json_t *l;
    json_array_foreach(lowers, i, l)
    {
        if (i > 0)
            sb_puts(&o, ":");
        sb_puts(&o, json_string_value(l));
    }
    sb_printf(&o, ",upperdir=%s,workdir=%s", upper, work);
    if (o.oom || o.len >= 4096) {
        sb_free(&o);
        return sk_err(err, 0, "overlay: too many layers for this kernel's mount options "
                              "(Linux 6.8 has no such limit)");
    }
    int r = mount("overlay", target, "overlay", 0, o.s);
    int e = errno;
    sb_free(&o);
    return r < 0 ? sk_err(err, e, "overlay mount on %s", target) : 0;
}

int ctr_image_lowers(struct sk_engine *e, struct ctr *c, json_t **out, sk_error *err)
{
    struct image_store *s = sk_engine_images(e, err);
    const char *image = json_string_value(json_object_get(c->cfg, "Image"));
    _cleanup_json_ json_t *rec = NULL;
    if (s == NULL || image == NULL || store_get_image(s, image, &rec, err) < 0)
        return sk_err_prefix(err, "container %.12s: image", c->id);
    *out = json_array();
    json_t *layers = json_object_get(rec, "layers");
    for (size_t i = json_array_size(layers); i-- > 0;) { /* the top layer first */
        char d[PATH_MAX];
        store_layer_diff_path(s, json_string_value(json_object_get(json_array_get(layers, i), "diff_id")),
                              d, sizeof d);
        json_array_append_new(*out, json_string(d));
    }
    return 0;
}

int ctr_mount_rootfs(struct sk_engine *e, struct ctr *c, char *path, size_t cap, sk_error *err)
{
    _cleanup_json_ json_t *lowers = NULL;
    if (ctr_image_lowers(e, c, &lowers, err) < 0)
        return -1;
    char upper[PATH_MAX + 8], work[PATH_MAX + 8], empty[PATH_MAX + 8];
    snprintf(upper, sizeof upper, "%s/upper", c->dir);
    snprintf(work, sizeof work, "%s/work", c->dir);
    if (json_array_size(lowers) == 0) { /* an image without layers: an empty lower */
        snprintf(empty, sizeof empty, "%s/empty", c->dir);
        if (sk_mkdir_p(empty, 0755, err) < 0)
            return -1;
        json_array_append_new(lowers, json_string(empty));
    }
    snprintf(path, cap, "%s/rootfs", c->rundir);
    if (sk_mkdir_p(upper, 0755, err) < 0 || sk_mkdir_p(work, 0700, err) < 0 ||
        sk_mkdir_p(path, 0755, err) < 0)
        return -1;
    umount2(path, MNT_DETACH); /* a mount a dead monitor left */
    if (mount_fsconfig(lowers, upper, work, path) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOENT)
        return sk_err(err, errno, "overlay mount on %s", path);
    return mount_classic(lowers, upper, work, path, err);
}

int ctr_umount_rootfs(struct ctr *c, sk_error *err)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/rootfs", c->rundir);
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return sk_err(err, errno, "umount %s", path);
    return 0;
}
