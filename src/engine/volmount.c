/* volmount.c - the local volume driver's options (docker's DriverOpts
 * type, device, o): the volume's _data is a mount of device, made when a
 * container first uses it, undone when the volume is removed.
 *   type=none o=bind device=/srv/data      a host directory
 *   type=tmpfs device=tmpfs o=size=64m     a tmpfs
 *   type=ext4 device=/dev/sdb1             any filesystem the kernel has
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "engine/engine_int.h"
#include "util/json.h"
#include "util/strbuf.h"

static const char *opt(json_t *opts, const char *k)
{
    return json_string_value(json_object_get(opts, k));
}

int vol_check_opts(const char *name, json_t *opts, sk_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(opts, k, v)
    {
        if (strcmp(k, "type") != 0 && strcmp(k, "device") != 0 && strcmp(k, "o") != 0)
            return sk_err(err, 0, "create %s: invalid option key: \"%s\"", name, k);
        if (!json_is_string(v) || strchr(json_string_value(v), '\n'))
            return sk_err(err, 0, "create %s: invalid option %s", name, k);
    }
    const char *type = opt(opts, "type"), *dev = opt(opts, "device");
    if (json_object_size(opts) > 0 && (dev == NULL || *dev == '\0'))
        return sk_err(err, 0, "create %s: missing required option: \"device\"", name);
    for (const char *p = type; p && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_'))
            return sk_err(err, 0, "create %s: invalid option type \"%s\"", name, type);
    return 0;
}

bool vol_is_mounted(const char *path)
{
    struct statx stx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    /* older kernels: another device than the parent's */
    char parent[PATH_MAX + 4];
    struct stat a, b;
    snprintf(parent, sizeof parent, "%s/..", path);
    return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* "o": mount flags, the rest as the filesystem's data */
static unsigned long parse_o(const char *o, struct strbuf *data)
{
    static const struct {
        const char *name;
        unsigned long set, clear;
    } flags[] = {
        {"ro", MS_RDONLY, 0},         {"rw", 0, MS_RDONLY},          {"bind", MS_BIND, 0},
        {"rbind", MS_BIND | MS_REC, 0}, {"nosuid", MS_NOSUID, 0},    {"suid", 0, MS_NOSUID},
        {"nodev", MS_NODEV, 0},       {"dev", 0, MS_NODEV},          {"noexec", MS_NOEXEC, 0},
        {"exec", 0, MS_NOEXEC},       {"noatime", MS_NOATIME, 0},    {"relatime", MS_RELATIME, 0},
        {"sync", MS_SYNCHRONOUS, 0},  {"async", 0, MS_SYNCHRONOUS},
    };
    unsigned long f = 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", o ? o : "");
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof flags / sizeof flags[0] && strcmp(flags[i].name, t) != 0)
            i++;
        if (i < sizeof flags / sizeof flags[0]) {
            f = (f | flags[i].set) & ~flags[i].clear;
        } else {
            sb_puts(data, data->len ? "," : "");
            sb_puts(data, t);
        }
    }
    return f;
}

int vol_mount(json_t *meta, sk_error *err)
{
    json_t *opts = json_object_get(meta, "Options");
    const char *dev = opt(opts, "device"), *type = opt(opts, "type");
    const char *data = json_string_value(json_object_get(meta, "Mountpoint"));
    if (dev == NULL || data == NULL || vol_is_mounted(data))
        return 0; /* a plain volume, or mounted already */
    struct strbuf rest = {0};
    unsigned long flags = parse_o(opt(opts, "o"), &rest);
    int rc;
    if (flags & MS_BIND) {
        rc = dev[0] == '/' ? mount(dev, data, NULL, flags & (MS_BIND | MS_REC), NULL) : (errno = EINVAL, -1);
        if (rc == 0 && (flags & ~(MS_BIND | MS_REC)) &&
            mount(NULL, data, NULL, MS_REMOUNT | MS_BIND | (flags & ~MS_REC), NULL) < 0) {
            int e = errno; /* not half of it: ro asked, rw left behind */
            umount2(data, MNT_DETACH);
            errno = e;
            rc = -1;
        }
    } else {
        rc = mount(dev, data, type && strcmp(type, "none") ? type : NULL, flags, rest.s);
    }
    int e = errno;
    sb_free(&rest);
    if (rc < 0)
        return sk_err(err, e, "failed to mount local volume: mount %s:%s, flags: 0x%lx", dev, data, flags);
    return 0;
}

int vol_unmount(const char *data, sk_error *err)
{
    /* whatever is mounted there (also twice), whether or not it shows */
    int n = 0;
    while (data != NULL && n < 16 && umount2(data, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        n++;
    if (data != NULL && errno != EINVAL && errno != ENOENT)
        return sk_err(err, errno, "unmount %s", data);
    return 0;
}
