/* spec_linux.c - the "linux" object: namespaces, id maps, devices, resources. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "oci/spec.h"
#include "oci/spec_internal.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
    const char *name, *proc;
    int flag;
} ns_table[OCI_NS_COUNT] = {
    [OCI_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [OCI_NS_NET] = {"network", "net", CLONE_NEWNET},
    [OCI_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [OCI_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [OCI_NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
    [OCI_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [OCI_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [OCI_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *oci_ns_name(enum oci_ns ns)
{
    return ns_table[ns].name;
}
const char *oci_ns_proc_name(enum oci_ns ns)
{
    return ns_table[ns].proc;
}
int oci_ns_clone_flag(enum oci_ns ns)
{
    return ns_table[ns].flag;
}

static int parse_namespaces(json_t *lx, struct oci_linux *l, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(lx, "namespaces", "linux", &arr, err);
    if (r <= 0)
        return r;
    size_t i;
    json_t *v = NULL;
    json_array_foreach(arr, i, v)
    {
        char ctx[64];
        const char *type = NULL, *path = NULL;
        snprintf(ctx, sizeof ctx, "linux.namespaces[%zu]", i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        if (sk_json_string(v, "type", ctx, &type, err) < 0 ||
            sk_json_string(v, "path", ctx, &path, err) < 0)
            return -1;
        if (type == NULL)
            return sk_err(err, 0, "%s.type: missing", ctx);
        int k;
        for (k = 0; k < OCI_NS_COUNT; k++)
            if (strcmp(ns_table[k].name, type) == 0)
                break;
        if (k == OCI_NS_COUNT)
            return sk_err(err, 0, "%s.type: unknown namespace \"%s\"", ctx, type);
        if (l->ns[k].present)
            return sk_err(err, 0, "%s: namespace \"%s\" listed twice", ctx, type);
        l->ns[k].present = true;
        if (path != NULL && *path != '\0') {
            if (path[0] != '/')
                return sk_err(err, 0, "%s.path: \"%s\" is not an absolute path", ctx, path);
            if ((l->ns[k].path = strdup(path)) == NULL)
                return sk_err(err, ENOMEM, "%s", ctx);
        }
    }
    return 0;
}

static int parse_id_maps(json_t *lx, const char *key, struct oci_id_map **out, size_t *n,
                         sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(lx, key, "linux", &arr, err);
    if (r <= 0)
        return r;
    size_t cnt = json_array_size(arr);
    if (cnt > 340)
        return sk_err(err, 0, "linux.%s: at most 340 ranges are allowed", key);
    *out = calloc(cnt ? cnt : 1, sizeof **out);
    if (*out == NULL)
        return sk_err(err, ENOMEM, "linux.%s", key);
    for (size_t i = 0; i < cnt; i++) {
        char ctx[64];
        json_t *v = json_array_get(arr, i);
        struct oci_id_map *m = &(*out)[i];
        snprintf(ctx, sizeof ctx, "linux.%s[%zu]", key, i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        if (oci_req_u32(v, "containerID", ctx, &m->container_id, err) < 0 ||
            oci_req_u32(v, "hostID", ctx, &m->host_id, err) < 0 ||
            oci_req_u32(v, "size", ctx, &m->size, err) < 0)
            return -1;
        /* CVE-2024-40635 style overflow: a range may not wrap around. */
        if (m->size == 0 || (uint64_t)m->container_id + m->size > UINT32_MAX ||
            (uint64_t)m->host_id + m->size > UINT32_MAX)
            return sk_err(err, 0, "%s: range %u+%u / %u+%u is empty or overflows", ctx,
                          m->container_id, m->size, m->host_id, m->size);
    }
    *n = cnt;
    return 0;
}

static int parse_sysctl(json_t *lx, struct oci_linux *l, sk_error *err)
{
    json_t *obj = NULL;
    int r = sk_json_object(lx, "sysctl", "linux", &obj, err);
    if (r <= 0)
        return r;
    size_t n = json_object_size(obj), i = 0;
    l->sysctl_keys = calloc(n + 1, sizeof(char *));
    l->sysctl_values = calloc(n + 1, sizeof(char *));
    if (l->sysctl_keys == NULL || l->sysctl_values == NULL)
        return sk_err(err, ENOMEM, "linux.sysctl");
    const char *key;
    json_t *v = NULL;
    json_object_foreach(obj, key, v)
    {
        if (!json_is_string(v))
            return sk_err(err, 0, "linux.sysctl.%s: expected a string", key);
        if ((l->sysctl_keys[i] = strdup(key)) == NULL ||
            (l->sysctl_values[i] = strdup(json_string_value(v))) == NULL)
            return sk_err(err, ENOMEM, "linux.sysctl");
        i++;
    }
    return 0;
}

static int parse_dev_number(json_t *v, const char *key, const char *ctx, int64_t *out,
                            bool required, sk_error *err)
{
    *out = -1;
    int r = sk_json_i64(v, key, ctx, out, err);
    if (r < 0)
        return -1;
    if (r == 0) {
        *out = -1;
        return required ? sk_err(err, 0, "%s.%s: missing", ctx, key) : 0;
    }
    if (*out < -1 || *out > 0xfffff)
        return sk_err(err, 0, "%s.%s: %lld is out of range", ctx, key, (long long)*out);
    return 0;
}

static int parse_devices(json_t *lx, struct oci_linux *l, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(lx, "devices", "linux", &arr, err);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    l->devices = calloc(n ? n : 1, sizeof *l->devices);
    if (l->devices == NULL)
        return sk_err(err, ENOMEM, "linux.devices");
    for (size_t i = 0; i < n; i++) {
        char ctx[64];
        json_t *v = json_array_get(arr, i);
        struct oci_device *d = &l->devices[i];
        const char *type = NULL, *path = NULL;
        snprintf(ctx, sizeof ctx, "linux.devices[%zu]", i);
        if (!json_is_object(v))
            return sk_err(err, 0, "%s: expected an object", ctx);
        if (sk_json_string(v, "type", ctx, &type, err) < 0 ||
            sk_json_string(v, "path", ctx, &path, err) < 0)
            return -1;
        if (type == NULL || strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
            return sk_err(err, 0, "%s.type: must be one of c, b, u, p", ctx);
        d->type = type[0] == 'u' ? 'c' : type[0];
        if (path == NULL || path[0] != '/')
            return sk_err(err, 0, "%s.path: must be an absolute path", ctx);
        if ((d->path = strdup(path)) == NULL)
            return sk_err(err, ENOMEM, "%s", ctx);
        l->n_devices = i + 1;
        bool need = d->type != 'p';
        if (parse_dev_number(v, "major", ctx, &d->major, need, err) < 0 ||
            parse_dev_number(v, "minor", ctx, &d->minor, need, err) < 0)
            return -1;
        if (need && (d->major < 0 || d->minor < 0))
            return sk_err(err, 0, "%s: major and minor must not be negative", ctx);
        int rm = sk_json_u64(v, "fileMode", ctx, &d->file_mode.v, err);
        int ru = rm < 0 ? -1 : sk_json_u64(v, "uid", ctx, &d->uid.v, err);
        int rg = ru < 0 ? -1 : sk_json_u64(v, "gid", ctx, &d->gid.v, err);
        if (rm < 0 || ru < 0 || rg < 0)
            return -1;
        d->file_mode.set = rm > 0;
        d->uid.set = ru > 0;
        d->gid.set = rg > 0;
        if (d->file_mode.set && d->file_mode.v > 07777)
            return sk_err(err, 0, "%s.fileMode: out of range", ctx);
        if ((d->uid.set && d->uid.v >= UINT32_MAX) || (d->gid.set && d->gid.v >= UINT32_MAX))
            return sk_err(err, 0, "%s: uid/gid out of range", ctx);
    }
    return 0;
}

static int parse_path_list(json_t *lx, const char *key, char ***out, sk_error *err)
{
    if (sk_json_strv(lx, key, "linux", out, err) < 0)
        return -1;
    for (size_t i = 0; *out != NULL && (*out)[i] != NULL; i++)
        if ((*out)[i][0] != '/')
            return sk_err(err, 0, "linux.%s[%zu]: \"%s\" is not an absolute path", key, i,
                          (*out)[i]);
    return 0;
}

static int parse_propagation(json_t *lx, struct oci_linux *l, sk_error *err)
{
    const char *s = NULL;
    int r = sk_json_string(lx, "rootfsPropagation", "linux", &s, err);
    if (r <= 0)
        return r;
    static const struct {
        const char *n;
        unsigned long f;
    } t[] = {
        {"private", MS_PRIVATE},        {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},          {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},            {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE},  {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (size_t i = 0; i < SK_ARRAY_SIZE(t); i++)
        if (strcmp(t[i].n, s) == 0) {
            l->rootfs_propagation = t[i].f;
            return 0;
        }
    if (*s == '\0')
        return 0;
    return sk_err(err, 0, "linux.rootfsPropagation: unknown value \"%s\"", s);
}

static int parse_time_offsets(json_t *lx, struct oci_linux *l, sk_error *err)
{
    json_t *obj = NULL;
    int r = sk_json_object(lx, "timeOffsets", "linux", &obj, err);
    if (r <= 0)
        return r;
    static const char *const clocks[2] = {"monotonic", "boottime"};
    for (int i = 0; i < 2; i++) {
        json_t *c = NULL;
        char ctx[64];
        snprintf(ctx, sizeof ctx, "linux.timeOffsets.%s", clocks[i]);
        r = sk_json_object(obj, clocks[i], "linux.timeOffsets", &c, err);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        l->time_offsets[i].set = true;
        if (sk_json_i64(c, "secs", ctx, &l->time_offsets[i].secs, err) < 0 ||
            sk_json_u32(c, "nanosecs", ctx, &l->time_offsets[i].nanosecs, err) < 0)
            return -1;
        if (l->time_offsets[i].nanosecs >= 1000000000u)
            return sk_err(err, 0, "%s.nanosecs: must be below 1000000000", ctx);
    }
    return 0;
}

static int parse_personality(json_t *lx, struct oci_linux *l, sk_error *err)
{
    json_t *obj = NULL;
    int r = sk_json_object(lx, "personality", "linux", &obj, err);
    if (r <= 0)
        return r;
    const char *domain = NULL;
    if (sk_json_string(obj, "domain", "linux.personality", &domain, err) < 0)
        return -1;
    if (domain == NULL || strcmp(domain, "LINUX") == 0)
        l->personality.v = 0x0000; /* PER_LINUX */
    else if (strcmp(domain, "LINUX32") == 0)
        l->personality.v = 0x0008; /* PER_LINUX32 */
    else
        return sk_err(err, 0, "linux.personality.domain: unknown domain \"%s\"", domain);
    l->personality.set = true;
    return 0;
}

int oci_linux_parse(json_t *lx, struct oci_linux *l, sk_error *err)
{
    const char *s = NULL;
    if (parse_namespaces(lx, l, err) < 0 ||
        parse_id_maps(lx, "uidMappings", &l->uid_maps, &l->n_uid_maps, err) < 0 ||
        parse_id_maps(lx, "gidMappings", &l->gid_maps, &l->n_gid_maps, err) < 0 ||
        parse_sysctl(lx, l, err) < 0 || parse_devices(lx, l, err) < 0 ||
        parse_path_list(lx, "maskedPaths", &l->masked_paths, err) < 0 ||
        parse_path_list(lx, "readonlyPaths", &l->readonly_paths, err) < 0 ||
        parse_propagation(lx, l, err) < 0 || parse_time_offsets(lx, l, err) < 0 ||
        parse_personality(lx, l, err) < 0)
        return -1;
    int r = sk_json_string(lx, "cgroupsPath", "linux", &s, err);
    if (r < 0)
        return -1;
    if (r > 0 && *s != '\0' && (l->cgroups_path = strdup(s)) == NULL)
        return sk_err(err, ENOMEM, "linux.cgroupsPath");
    s = NULL;
    if (sk_json_string(lx, "mountLabel", "linux", &s, err) < 0)
        return -1;
    if (s != NULL && *s != '\0' && (l->mount_label = strdup(s)) == NULL)
        return sk_err(err, ENOMEM, "linux.mountLabel");
    json_t *sec = NULL;
    r = sk_json_object(lx, "seccomp", "linux", &sec, err);
    if (r < 0)
        return -1;
    if (r > 0)
        l->seccomp = sec;
    json_t *res = NULL;
    r = sk_json_object(lx, "resources", "linux", &res, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        l->has_resources = true;
        if (oci_resources_parse(res, "linux.resources", &l->res, err) < 0)
            return -1;
    }
    json_t *rdt = NULL;
    if (sk_json_object(lx, "intelRdt", "linux", &rdt, err) > 0)
        sk_warn("linux.intelRdt is not supported and is ignored");
    if ((l->n_uid_maps > 0 || l->n_gid_maps > 0) && !l->ns[OCI_NS_USER].present)
        return sk_err(err, 0, "linux: uidMappings/gidMappings need a user namespace");
    if (l->ns[OCI_NS_USER].present && l->ns[OCI_NS_USER].path == NULL &&
        (l->n_uid_maps == 0 || l->n_gid_maps == 0))
        return sk_err(err, 0, "linux: a new user namespace needs uidMappings and gidMappings");
    return 0;
}

void oci_linux_clear(struct oci_linux *l)
{
    for (int i = 0; i < OCI_NS_COUNT; i++)
        free(l->ns[i].path);
    free(l->uid_maps);
    free(l->gid_maps);
    sk_strv_free(l->sysctl_keys);
    sk_strv_free(l->sysctl_values);
    oci_resources_clear(&l->res);
    free(l->cgroups_path);
    for (size_t i = 0; i < l->n_devices; i++)
        free(l->devices[i].path);
    free(l->devices);
    sk_strv_free(l->masked_paths);
    sk_strv_free(l->readonly_paths);
    free(l->mount_label);
}
