/* mount_options.c - a mount's "options" array as mount(2) flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "oci/spec.h"
#include "util/cleanup.h"

enum { KIND_FLAG, KIND_CLEAR, KIND_PROPAGATION, KIND_BIND, KIND_RBIND, KIND_REC_SET, KIND_REC_CLR,
       KIND_COPYUP, KIND_IGNORE, KIND_REFUSE };

static const struct {
    const char *name;
    int kind;
    unsigned long value;
} options[] = {
    {"ro", KIND_FLAG, MS_RDONLY},           {"rw", KIND_CLEAR, MS_RDONLY},
    {"nosuid", KIND_FLAG, MS_NOSUID},       {"suid", KIND_CLEAR, MS_NOSUID},
    {"nodev", KIND_FLAG, MS_NODEV},         {"dev", KIND_CLEAR, MS_NODEV},
    {"noexec", KIND_FLAG, MS_NOEXEC},       {"exec", KIND_CLEAR, MS_NOEXEC},
    {"sync", KIND_FLAG, MS_SYNCHRONOUS},    {"async", KIND_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", KIND_FLAG, MS_DIRSYNC},     {"remount", KIND_FLAG, MS_REMOUNT},
    {"mand", KIND_FLAG, MS_MANDLOCK},       {"nomand", KIND_CLEAR, MS_MANDLOCK},
    {"noatime", KIND_FLAG, MS_NOATIME},     {"atime", KIND_CLEAR, MS_NOATIME},
    {"nodiratime", KIND_FLAG, MS_NODIRATIME}, {"diratime", KIND_CLEAR, MS_NODIRATIME},
    {"relatime", KIND_FLAG, MS_RELATIME},   {"norelatime", KIND_CLEAR, MS_RELATIME},
    {"strictatime", KIND_FLAG, MS_STRICTATIME}, {"nostrictatime", KIND_CLEAR, MS_STRICTATIME},
    {"lazytime", KIND_FLAG, MS_LAZYTIME},   {"nolazytime", KIND_CLEAR, MS_LAZYTIME},
    {"silent", KIND_FLAG, MS_SILENT},       {"loud", KIND_CLEAR, MS_SILENT},
    {"nosymfollow", KIND_FLAG, MS_NOSYMFOLLOW}, {"symfollow", KIND_CLEAR, MS_NOSYMFOLLOW},
    {"bind", KIND_BIND, 0},                 {"rbind", KIND_RBIND, 0},
    {"private", KIND_PROPAGATION, MS_PRIVATE}, {"rprivate", KIND_PROPAGATION, MS_PRIVATE | MS_REC},
    {"shared", KIND_PROPAGATION, MS_SHARED},   {"rshared", KIND_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", KIND_PROPAGATION, MS_SLAVE},     {"rslave", KIND_PROPAGATION, MS_SLAVE | MS_REC},
    {"unbindable", KIND_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", KIND_PROPAGATION, MS_UNBINDABLE | MS_REC},
    {"rro", KIND_REC_SET, MOUNT_ATTR_RDONLY},     {"rrw", KIND_REC_CLR, MOUNT_ATTR_RDONLY},
    {"rnosuid", KIND_REC_SET, MOUNT_ATTR_NOSUID}, {"rsuid", KIND_REC_CLR, MOUNT_ATTR_NOSUID},
    {"rnodev", KIND_REC_SET, MOUNT_ATTR_NODEV},   {"rdev", KIND_REC_CLR, MOUNT_ATTR_NODEV},
    {"rnoexec", KIND_REC_SET, MOUNT_ATTR_NOEXEC}, {"rexec", KIND_REC_CLR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", KIND_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", KIND_REC_CLR, MOUNT_ATTR_NODIRATIME},
    {"rnoatime", KIND_REC_SET, MOUNT_ATTR_NOATIME},
    {"rstrictatime", KIND_REC_SET, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", KIND_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", KIND_REC_CLR, MOUNT_ATTR_NOSYMFOLLOW},
    {"tmpcopyup", KIND_COPYUP, 0},          {"notmpcopyup", KIND_IGNORE, 0},
    {"idmap", KIND_REFUSE, 0},              {"ridmap", KIND_REFUSE, 0},
};

int oci_mount_options(json_t *arr, const char *ctx, struct oci_mount *m, sk_error *err)
{
    size_t i;
    json_t *v = NULL;
    size_t dlen = 0;
    _cleanup_free_ char *data = NULL;
    if (arr == NULL)
        return 0;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return sk_err(err, 0, "%s.options[%zu]: expected a string", ctx, i);
        const char *o = json_string_value(v);
        size_t k;
        for (k = 0; k < SK_ARRAY_SIZE(options); k++)
            if (strcmp(options[k].name, o) == 0)
                break;
        if (k == SK_ARRAY_SIZE(options)) {
            if (*o == '\0')
                continue;
            size_t l = strlen(o);
            char *nd = realloc(data, dlen + l + 2);
            if (nd == NULL)
                return sk_err(err, ENOMEM, "%s", ctx);
            data = nd;
            if (dlen > 0)
                data[dlen++] = ',';
            memcpy(data + dlen, o, l + 1);
            dlen += l;
            continue;
        }
        unsigned long val = options[k].value;
        switch (options[k].kind) {
        case KIND_FLAG:
            m->flags |= val;
            m->clear &= ~val;
            break;
        case KIND_CLEAR:
            m->flags &= ~val;
            m->clear |= val;
            break;
        case KIND_PROPAGATION:
            m->propagation = val;
            break;
        case KIND_BIND:
            m->bind = true;
            break;
        case KIND_RBIND:
            m->bind = m->recursive = true;
            break;
        case KIND_REC_SET:
            m->rec_attr_set |= val;
            m->rec_attr_clr &= ~val;
            break;
        case KIND_REC_CLR:
            m->rec_attr_clr |= val;
            m->rec_attr_set &= ~val;
            break;
        case KIND_COPYUP:
            m->copyup = true;
            break;
        case KIND_IGNORE:
            break;
        case KIND_REFUSE:
            return sk_err(err, 0, "%s.options: \"%s\" (id-mapped mounts) is not supported", ctx, o);
        }
    }
    m->data = steal_ptr(&data);
    return 0;
}
