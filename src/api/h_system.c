/* h_system.c - /_ping, /version, /info, /events, /system/df, /auth, /plugins. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "api/api_int.h"
#include "config.h"
#include "image/registry.h"
#include "util/json.h"
#include "util/timefmt.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int ping(struct api_ctx *x)
{
    static const char h[] = "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"
                            "Builder-Version: \r\nSwarm: inactive\r\n";
    return http_respond(x->c, x->r, 200, "text/plain; charset=utf-8", h, "OK", 2);
}

static const char *go_arch(const char *machine)
{
    if (strcmp(machine, "x86_64") == 0)
        return "amd64";
    if (strcmp(machine, "aarch64") == 0)
        return "arm64";
    if (strncmp(machine, "armv", 4) == 0)
        return "arm";
    return machine;
}

static int version(struct api_ctx *x)
{
    struct utsname u;
    uname(&u);
    char api[8], min[8];
    snprintf(api, sizeof api, "1.%d", API_VERSION_MAX);
    snprintf(min, sizeof min, "1.%d", API_VERSION_MIN);
    json_t *details = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ApiVersion", api,
                                "MinAPIVersion", min, "GitCommit", SKIFF_COMMIT, "GoVersion", "n/a (C11)",
                                "Os", "linux", "Arch", go_arch(u.machine), "KernelVersion", u.release);
    return api_json(x, 200, json_pack("{s:{s:s}, s:[{s:s, s:s, s:o}], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                                      "Platform", "Name", "skiff", "Components", "Name", "Engine",
                                      "Version", SKIFF_VERSION, "Details", details, "Version",
                                      SKIFF_VERSION, "ApiVersion", api, "MinAPIVersion", min,
                                      "GitCommit", SKIFF_COMMIT, "GoVersion", "n/a (C11)", "Os", "linux",
                                      "Arch", go_arch(u.machine), "KernelVersion", u.release));
}

static const char *cgroup_version(void)
{
    struct statfs s;
    return statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC ? "2" : "1";
}

static void os_name(char *buf, size_t cap)
{
    snprintf(buf, cap, "Linux");
    FILE *f = fopen("/etc/os-release", "re");
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
    if (f)
        fclose(f);
}

static int info(struct api_ctx *x)
{
    sk_error err;
    json_t *list = NULL;
    if (sk_container_list(x->e, true, &list, &err) < 0)
        return api_fail(x, &err);
    int running = 0, paused = 0, stopped = 0;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *st = json_string_value(json_object_get(c, "State"));
        if (st && (!strcmp(st, "running") || !strcmp(st, "restarting")))
            running++;
        else if (st && !strcmp(st, "paused"))
            paused++;
        else
            stopped++;
    }
    size_t nctr = json_array_size(list);
    json_decref(list);
    json_t *images = NULL;
    size_t nimg = sk_image_list(x->e, &images, &err) == 0 ? json_array_size(images) : 0;
    json_decref(images);
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    sysinfo(&si);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char os[256], now[64];
    os_name(os, sizeof os);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *root = sk_engine_root(x->e);
    json_t *j = json_pack(
        "{s:s, s:I, s:i, s:i, s:i, s:I, s:s, s:s, s:[[s,s]], s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b,"
        " s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:s}",
        "ID", "skiff", "Containers", (json_int_t)nctr, "ContainersRunning", running, "ContainersPaused",
        paused, "ContainersStopped", stopped, "Images", (json_int_t)nimg, "Driver", "overlay2",
        "DockerRootDir", root, "DriverStatus", "Backing Filesystem", "overlayfs", "MemoryLimit", 1,
        "SwapLimit", 1, "CpuCfsPeriod", 1, "CpuCfsQuota", 1, "CPUShares", 1, "CPUSet", 1, "PidsLimit", 1,
        "IPv4Forwarding", 1, "CgroupDriver", "cgroupfs", "CgroupVersion", cgroup_version(),
        "KernelVersion", u.release, "OperatingSystem", os, "OSType", "linux", "Architecture", u.machine,
        "NCPU", (int)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)si.totalram * si.mem_unit,
        "Name", host, "ServerVersion", SKIFF_VERSION, "DefaultRuntime", "skiff", "SystemTime", now);
    json_object_set_new(j, "Runtimes", json_pack("{s:{s:s}}", "skiff", "path", "skiff-runc"));
    json_object_set_new(j, "SecurityOptions", json_pack("[s, s]", "name=seccomp,profile=builtin", "name=cgroupns"));
    json_object_set_new(j, "Swarm", json_pack("{s:s, s:s, s:s, s:b, s:s, s:n}", "NodeID", "", "NodeAddr", "",
                                              "LocalNodeState", "inactive", "ControlAvailable", 0, "Error", "",
                                              "RemoteManagers"));
    json_object_set_new(j, "Plugins", json_pack("{s:[s], s:[s, s, s], s:n, s:[s]}", "Volume", "local",
                                                "Network", "bridge", "host", "null", "Authorization",
                                                "Log", "json-file"));
    json_object_set_new(j, "RegistryConfig", json_pack("{s:{}, s:[], s:[]}", "IndexConfigs",
                                                       "InsecureRegistryCIDRs", "Mirrors"));
    json_object_set_new(j, "Labels", json_array());
    json_object_set_new(j, "Warnings", json_array());
    json_object_set_new(j, "LoggingDriver", json_string("json-file"));
    json_object_set_new(j, "Debug", json_false());
    json_object_set_new(j, "ExperimentalBuild", json_false());
    json_object_set_new(j, "LiveRestoreEnabled", json_true()); /* containers outlive the server */
    json_object_set_new(j, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
    return api_json(x, 200, j);
}

/* ---- events -------------------------------------------------------------------------------- */

static int event_out(void *ud, json_t *ev)
{
    struct api_ctx *x = ud;
    char *s = json_dumps(ev, JSON_COMPACT);
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    s[n] = '\n'; /* json_dumps leaves room: the NUL */
    int rc = http_chunk(x->c, s, n + 1);
    free(s);
    return rc < 0 ? 1 : 0;
}

static int64_t time_param(struct api_ctx *x, const char *key)
{
    char v[64];
    if (api_q(x, key, v, sizeof v) == NULL || !*v)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t t = sk_parse_since(v, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    return t < 0 ? -1 : t;
}

static int events(struct api_ctx *x)
{
    int64_t since = time_param(x, "since"), until = time_param(x, "until");
    if (since < 0 || until < 0)
        return api_error(x, 400, "invalid since or until: a unix time, an RFC 3339 time or a duration");
    json_t *filters = NULL;
    if (api_filters(x, &filters) < 0)
        return 0;
    x->c->closing = true;
    if (http_chunked_begin(x->c, 200, "application/json", NULL) < 0) {
        json_decref(filters);
        return -1;
    }
    sk_error err;
    int rc = sk_events(x->e, since, until, filters, true, event_out, x, &err);
    json_decref(filters);
    if (rc < 0)
        return -1;
    return http_chunked_end(x->c);
}

/* ---- df, auth, plugins --------------------------------------------------------------------- */

static int system_df(struct api_ctx *x)
{
    sk_error err;
    json_t *df;
    if (sk_system_df(x->e, &df, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, df);
}

static int auth(struct api_ctx *x)
{
    json_t *b;
    if (api_body_json(x, &b) < 0)
        return 0;
    const char *user = json_string_value(json_object_get(b, "username"));
    const char *pass = json_string_value(json_object_get(b, "password"));
    const char *server = json_string_value(json_object_get(b, "serveraddress"));
    if (server == NULL || !*server || strstr(server, "index.docker.io") != NULL)
        server = "docker.io";
    const char *host = strstr(server, "://") ? strstr(server, "://") + 3 : server;
    char reg[256];
    snprintf(reg, sizeof reg, "%s", host);
    reg[strcspn(reg, "/")] = '\0';
    sk_error err;
    int rc = registry_login(reg, user ? user : "", pass ? pass : "", sk_engine_insecure(x->e), &err);
    json_decref(b);
    if (rc < 0)
        return api_error(x, strstr(err.msg, "unauthorized") || strstr(err.msg, "401") ? 401 : 500, "%s", err.msg);
    return api_json(x, 200, json_pack("{s:s, s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

static int plugins(struct api_ctx *x)
{
    return api_json(x, 200, json_array());
}

const struct api_route api_system_routes[] = {
    {"GET", "/_ping", ping},
    {"GET", "/version", version},
    {"GET", "/info", info},
    {"GET", "/events", events},
    {"GET", "/system/df", system_df},
    {"POST", "/auth", auth},
    {"GET", "/plugins", plugins},
    {NULL, NULL, NULL},
};
