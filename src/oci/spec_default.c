#define _GNU_SOURCE
/* spec_default.c - the config.json that `spec` writes (runc's defaults). */
#include <unistd.h>

#include "oci/spec.h"

static json_t *strings(const char *const *v)
{
    json_t *a = json_array();
    for (; *v != NULL; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static json_t *mount(const char *dst, const char *type, const char *src, const char *const *opts)
{
    json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dst, "type", type, "source", src);
    if (opts != NULL)
        json_object_set_new(m, "options", strings(opts));
    return m;
}

json_t *oci_spec_default(bool rootless)
{
    static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
    static const char *const env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
    static const char *const args[] = {"sh", NULL};
    static const char *const o_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
    static const char *const o_pts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                        "mode=0620", "gid=5", NULL};
    static const char *const o_pts_rootless[] = {"nosuid", "noexec", "newinstance",
                                                 "ptmxmode=0666", "mode=0620", NULL};
    static const char *const o_shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
                                        NULL};
    static const char *const o_mq[] = {"nosuid", "noexec", "nodev", NULL};
    static const char *const o_sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
    static const char *const o_sys_rootless[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
    static const char *const o_cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
    static const char *const masked[] = {
        "/proc/acpi",        "/proc/asound",      "/proc/kcore",         "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",  "/proc/sched_debug",
        "/sys/firmware",     "/proc/scsi",        "/proc/interrupts",    "/sys/devices/virtual/powercap",
        NULL};
    static const char *const ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                     "/proc/sysrq-trigger", NULL};

    json_t *capsobj = json_pack("{s:o, s:o, s:o, s:o}", "bounding", strings(caps), "effective",
                                strings(caps), "permitted", strings(caps), "ambient",
                                strings(caps));
    json_t *process = json_pack(
        "{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:o, s:[{s:s, s:i, s:i}], s:b}", "terminal", 1, "user",
        "uid", 0, "gid", 0, "args", strings(args), "env", strings(env), "cwd", "/", "capabilities",
        capsobj, "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges",
        1);
    json_t *mounts = json_array();
    json_array_append_new(mounts, mount("/proc", "proc", "proc", NULL));
    json_array_append_new(mounts, mount("/dev", "tmpfs", "tmpfs", o_dev));
    json_array_append_new(mounts,
                          mount("/dev/pts", "devpts", "devpts", rootless ? o_pts_rootless : o_pts));
    json_array_append_new(mounts, mount("/dev/shm", "tmpfs", "shm", o_shm));
    json_array_append_new(mounts, mount("/dev/mqueue", "mqueue", "mqueue", o_mq));
    if (rootless)
        json_array_append_new(mounts, mount("/sys", "none", "/sys", o_sys_rootless));
    else {
        json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs", o_sys));
        json_array_append_new(mounts, mount("/sys/fs/cgroup", "cgroup", "cgroup", o_cg));
    }
    json_t *ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "network",
                           "type", "ipc", "type", "uts", "type", "mount");
    json_t *lx = json_pack("{s:o, s:o, s:o}", "namespaces", ns, "maskedPaths", strings(masked),
                           "readonlyPaths", strings(ro));
    if (rootless) {
        json_array_remove(ns, 1); /* no network namespace: keep the host's for rootless */
        json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
        json_object_set_new(lx, "uidMappings",
                            json_pack("[{s:I, s:i, s:i}]", "hostID", (json_int_t)getuid(),
                                      "containerID", 0, "size", 1));
        json_object_set_new(lx, "gidMappings",
                            json_pack("[{s:I, s:i, s:i}]", "hostID", (json_int_t)getgid(),
                                      "containerID", 0, "size", 1));
    } else {
        json_array_append_new(ns, json_pack("{s:s}", "type", "cgroup"));
        json_object_set_new(lx, "resources",
                            json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
    }
    return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.1.0", "process",
                     process, "root", "path", "rootfs", "readonly", 1, "hostname", "skiff",
                     "mounts", mounts, "linux", lx);
}
