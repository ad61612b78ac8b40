#define _GNU_SOURCE
#include "oci/caps.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const names[] = {
    "CAP_CHOWN",            "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",           "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",          "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",        "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",       "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",        "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",     "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",            "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",     "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",    "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int oci_cap_count(void)
{
    return (int)(sizeof names / sizeof names[0]);
}

int oci_cap_parse(const char *name)
{
    if (name == NULL)
        return -1;
    const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
    for (int i = 0; i < oci_cap_count(); i++)
        if (strcasecmp(names[i] + 4, bare) == 0)
            return i;
    return -1;
}

const char *oci_cap_name(int cap)
{
    return cap >= 0 && cap < oci_cap_count() ? names[cap] : NULL;
}

int oci_cap_last(void)
{
    static int last = -1;
    if (last >= 0)
        return last;
    char buf[16] = {0};
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0)
            last = atoi(buf);
    }
    if (last <= 0 || last > OCI_CAP_MAX)
        last = oci_cap_count() - 1;
    return last;
}

uint64_t oci_cap_docker_default(void)
{
    static const char *const dflt[] = {
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
        "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    };
    uint64_t m = 0;
    for (size_t i = 0; i < sizeof dflt / sizeof dflt[0]; i++)
        m |= 1ULL << oci_cap_parse(dflt[i]);
    return m;
}
