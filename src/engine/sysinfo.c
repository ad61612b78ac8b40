/* sysinfo.c - what `docker info` reports (GET /info): the containers and
 * images here, and the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "engine/engine_int.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

/* /etc/os-release's PRETTY_NAME, or "Linux". */
static void os_name(char *buf, size_t cap)
{
    snprintf(buf, cap, "Linux");
    _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
            char *v = line + 12;
            v[strcspn(v, "\n")] = '\0';
            if (*v == '"') {
                v++;
                v[strcspn(v, "\"")] = '\0';
            }
            snprintf(buf, cap, "%s", v);
        }
}

/* The containers' states as docker counts them. */
static int count_containers(struct sk_engine *e, json_t *j, sk_error *err)
{
    _cleanup_json_ json_t *list = NULL;
    if (sk_container_list(e, true, &list, err) < 0)
        return -1;
    json_int_t running = 0, paused = 0, stopped = 0;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *st = json_string_value(json_object_get(c, "State"));
        if (sk_streq(st, "running") || sk_streq(st, "restarting"))
            running++;
        else if (sk_streq(st, "paused"))
            paused++;
        else
            stopped++;
    }
    json_object_set_new(j, "Containers", json_integer((json_int_t)json_array_size(list)));
    json_object_set_new(j, "ContainersRunning", json_integer(running));
    json_object_set_new(j, "ContainersPaused", json_integer(paused));
    json_object_set_new(j, "ContainersStopped", json_integer(stopped));
    return 0;
}

int sk_system_info(struct sk_engine *e, json_t **out, sk_error *err)
{
    _cleanup_json_ json_t *j = json_object(), *images = NULL;
    if (j == NULL)
        return sk_err(err, ENOMEM, "info");
    if (count_containers(e, j, err) < 0 || sk_image_list(e, &images, err) < 0)
        return -1;
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    sysinfo(&si);
    char host[256] = "", os[256], now[64];
    gethostname(host, sizeof host - 1);
    os_name(os, sizeof os);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *index = json_pack("{s:{s:s, s:[], s:b, s:b}}", "docker.io", "Name", "docker.io", "Mirrors",
                              "Secure", 1, "Official", 1);
    for (char *const *r = sk_engine_insecure(e); r != NULL && *r != NULL; r++)
        json_object_set_new(index, *r, json_pack("{s:s, s:[], s:b, s:b}", "Name", *r, "Mirrors", "Secure", 0,
                                                 "Official", 0));
    _cleanup_json_ json_t *host_part = json_pack("{s:s, s:I, s:s, s:s, s:[[s,s]], s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:s,"
                     " s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:s}",
                     "ID", "skiff", "Images", (json_int_t)json_array_size(images), "Driver", "overlay2",
                     "DockerRootDir", sk_engine_root(e), "DriverStatus", "Backing Filesystem", "overlayfs",
                     "MemoryLimit", 1, "SwapLimit", 1, "CpuCfsPeriod", 1, "CpuCfsQuota", 1, "CPUShares", 1,
                     "CPUSet", 1, "PidsLimit", 1, "IPv4Forwarding", 1, "CgroupDriver", "cgroupfs",
                     "CgroupVersion", cg_is_cgroup2("/sys/fs/cgroup") ? "2" : "1", "KernelVersion", u.release,
                     "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine, "NCPU",
                     (int)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)si.totalram * si.mem_unit,
                     "Name", host, "ServerVersion", SKIFF_VERSION, "DefaultRuntime", "skiff", "SystemTime",
                     now);
    int rc = host_part ? json_object_update(j, host_part) : -1;
    json_object_set_new(j, "Runtimes", json_pack("{s:{s:s}}", "skiff", "path", "skiff-runc"));
    json_object_set_new(j, "SecurityOptions", json_pack("[s, s]", "name=seccomp,profile=builtin", "name=cgroupns"));
    json_object_set_new(j, "Swarm", json_pack("{s:s, s:s, s:s, s:b, s:s, s:n}", "NodeID", "", "NodeAddr", "",
                                              "LocalNodeState", "inactive", "ControlAvailable", 0, "Error", "",
                                              "RemoteManagers"));
    json_object_set_new(j, "Plugins", json_pack("{s:[s], s:[s, s, s], s:n, s:[s]}", "Volume", "local",
                                                "Network", "bridge", "host", "null", "Authorization",
                                                "Log", "json-file"));
    /* loopback registries are spoken to in plain HTTP (regclient.c), as docker's defaults */
    json_object_set_new(j, "RegistryConfig", json_pack("{s:o, s:[s, s], s:[]}", "IndexConfigs", index,
                                                       "InsecureRegistryCIDRs", "::1/128", "127.0.0.0/8",
                                                       "Mirrors"));
    json_object_set_new(j, "Labels", json_array());
    json_object_set_new(j, "Warnings", json_array());
    json_object_set_new(j, "LoggingDriver", json_string("json-file"));
    json_object_set_new(j, "Debug", json_false());
    json_object_set_new(j, "ExperimentalBuild", json_false());
    json_object_set_new(j, "LiveRestoreEnabled", json_true()); /* containers outlive every skiff process */
    json_object_set_new(j, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
    if (rc < 0)
        return sk_err(err, ENOMEM, "info");
    *out = steal_ptr(&j);
    return 0;
}
