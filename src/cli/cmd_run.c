/* run, create, start, attach: docker's flags turned into a create body,
 * and the attached stream. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "network/network.h"
#include "image/registry.h"
#include "image/store.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/strutil.h"

/* ---- values --------------------------------------------------------------------------- */

/* docker's RAMInBytes: "512m", "1g", "100k", "1024" (binary units). */
static int parse_bytes(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    int64_t mul = 1;
    switch (*end) {
    case 'b': case 'B': end++; break;
    case 'k': case 'K': mul = 1024; end++; break;
    case 'm': case 'M': mul = 1024 * 1024; end++; break;
    case 'g': case 'G': mul = 1024LL * 1024 * 1024; end++; break;
    case 't': case 'T': mul = 1024LL * 1024 * 1024 * 1024; end++; break;
    case '\0': break;
    default: return -1;
    }
    if ((*end == 'b' || *end == 'B') && mul > 1)
        end++;
    if (*end)
        return -1;
    *out = (int64_t)(v * (double)mul);
    return 0;
}

static json_t *ensure(json_t *o, const char *k, json_t *(*make)(void))
{
    json_t *v = json_object_get(o, k);
    if (v == NULL) {
        v = make();
        json_object_set_new(o, k, v);
    }
    return v;
}

static void push(json_t *o, const char *k, const char *v)
{
    json_array_append_new(ensure(o, k, json_array), json_string(v));
}

/* "K=V" into the object o[k]; "K" alone means "" (labels). */
static void put_kv(json_t *o, const char *k, const char *kv)
{
    sk_json_set_kv(ensure(o, k, json_object), kv);
}

/* -e KEY takes KEY's value from our environment (dropped when unset). */
static void add_env(json_t *cfg, const char *kv)
{
    if (strchr(kv, '=') != NULL) {
        push(cfg, "Env", kv);
        return;
    }
    const char *v = getenv(kv);
    if (v != NULL) {
        char *s = sk_strdup_printf("%s=%s", kv, v);
        if (s)
            push(cfg, "Env", s);
        free(s);
    }
}

/* --env-file / --label-file: KEY=VAL lines, # comments, blank lines. */
static int read_kv_file(const char *path, json_t *cfg, bool env, sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (sk_read_file(path, 1 << 20, &buf, &len, err) < 0)
        return -1;
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "\r")] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || *line == '#')
            continue;
        if (env)
            add_env(cfg, line);
        else
            put_kv(cfg, "Labels", line);
    }
    return 0;
}

/* --mount type=bind,source=/a,target=/b,readonly | type=tmpfs,target=/t,tmpfs-size=64m */
static int parse_mount(json_t *hc, const char *spec, sk_error *err)
{
    json_t *m = json_object(), *topts = NULL;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        const char *v = eq ? eq + 1 : "true";
        if (eq)
            *eq = '\0';
        if (!strcmp(kv, "type"))
            json_object_set_new(m, "Type", json_string(v));
        else if (!strcmp(kv, "source") || !strcmp(kv, "src"))
            json_object_set_new(m, "Source", json_string(v));
        else if (!strcmp(kv, "target") || !strcmp(kv, "dst") || !strcmp(kv, "destination"))
            json_object_set_new(m, "Target", json_string(v));
        else if (!strcmp(kv, "readonly") || !strcmp(kv, "ro"))
            json_object_set_new(m, "ReadOnly", json_boolean(strcmp(v, "false") && strcmp(v, "0")));
        else if (!strcmp(kv, "tmpfs-size") || !strcmp(kv, "tmpfs-mode")) {
            int64_t n;
            if (!topts)
                topts = json_object();
            if (!strcmp(kv, "tmpfs-size") ? parse_bytes(v, &n) < 0 : (n = strtol(v, NULL, 8)) <= 0) {
                json_decref(m);
                json_decref(topts);
                return sk_err(err, 0, "invalid value for %s: %s", kv, v);
            }
            json_object_set_new(topts, !strcmp(kv, "tmpfs-size") ? "SizeBytes" : "Mode", json_integer(n));
        } else if (strcmp(kv, "bind-propagation") && strcmp(kv, "consistency")) {
            json_decref(m);
            json_decref(topts);
            return sk_err(err, 0, "unexpected key '%s' in '%s'", kv, spec);
        }
    }
    if (topts)
        json_object_set_new(m, "TmpfsOptions", topts);
    if (!json_object_get(m, "Type"))
        json_object_set_new(m, "Type", json_string("volume"));
    json_array_append_new(ensure(hc, "Mounts", json_array), m);
    return 0;
}

/* --ulimit nofile=1024:2048 */
static int parse_ulimit(json_t *hc, const char *s, sk_error *err)
{
    char name[64];
    long long soft, hard;
    int n = sscanf(s, "%63[^=]=%lld:%lld", name, &soft, &hard);
    if (n < 2)
        return sk_err(err, 0, "invalid ulimit argument: %s", s);
    if (n == 2)
        hard = soft;
    if (soft > hard)
        return sk_err(err, 0, "ulimit soft limit must be less than or equal to hard limit: %lld > %lld",
                      soft, hard);
    json_array_append_new(ensure(hc, "Ulimits", json_array),
                          json_pack("{s:s, s:I, s:I}", "Name", name, "Soft", (json_int_t)soft, "Hard",
                                    (json_int_t)hard));
    return 0;
}

/* ---- the flags --------------------------------------------------------------------------- */

enum {
    O_NAME = 256, O_ENTRYPOINT, O_RM, O_TMPFS, O_MOUNT, O_READONLY, O_MEMSWAP, O_MEMRES, O_CPUS,
    O_CPUSET, O_CPUQUOTA, O_CPUPERIOD, O_PIDS, O_CAPADD, O_CAPDROP, O_PRIV, O_SECOPT, O_RESTART,
    O_INIT, O_STOPSIG, O_STOPTIME, O_ULIMIT, O_SYSCTL, O_SHM, O_GROUPADD, O_PULL, O_PLATFORM,
    O_LOGDRV, O_LOGOPT, O_NETWORK, O_ENVFILE, O_LABELFILE, O_SIGPROXY, O_HEALTHCMD, O_HEALTHINT,
    O_HEALTHTO, O_HEALTHRET, O_HEALTHSTART, O_NOHEALTH, O_DEVICE, O_ADDHOST, O_DNS, O_PUBLISHALL,
    O_DETACHKEYS, O_DOMAIN, O_MAC, O_IP, O_IP6, O_ALIAS, O_DNSSEARCH, O_DNSOPT, O_EXPOSE, O_CPUSETMEMS, O_BLKIO, O_OOMSCORE, O_LINK,
    O_PID, O_IPC, O_UTS, O_OOMKILL, O_SWAPPINESS, O_CGROUPNS,
};

static const struct option run_opts[] = {
    {"name", required_argument, NULL, O_NAME},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, O_ENVFILE},
    {"label", required_argument, NULL, 'l'},
    {"label-file", required_argument, NULL, O_LABELFILE},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"entrypoint", required_argument, NULL, O_ENTRYPOINT},
    {"hostname", required_argument, NULL, 'h'},
    {"domainname", required_argument, NULL, O_DOMAIN},
    {"mac-address", required_argument, NULL, O_MAC},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"detach", no_argument, NULL, 'd'},
    {"rm", no_argument, NULL, O_RM},
    {"tmpfs", required_argument, NULL, O_TMPFS},
    {"volume", required_argument, NULL, 'v'},
    {"mount", required_argument, NULL, O_MOUNT},
    {"read-only", no_argument, NULL, O_READONLY},
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, O_MEMSWAP},
    {"memory-reservation", required_argument, NULL, O_MEMRES},
    {"cpus", required_argument, NULL, O_CPUS},
    {"cpu-shares", required_argument, NULL, 'c'},
    {"cpuset-cpus", required_argument, NULL, O_CPUSET},
    {"cpu-quota", required_argument, NULL, O_CPUQUOTA},
    {"cpu-period", required_argument, NULL, O_CPUPERIOD},
    {"pids-limit", required_argument, NULL, O_PIDS},
    {"cpuset-mems", required_argument, NULL, O_CPUSETMEMS},
    {"blkio-weight", required_argument, NULL, O_BLKIO},
    {"oom-kill-disable", no_argument, NULL, O_OOMKILL},
    {"memory-swappiness", required_argument, NULL, O_SWAPPINESS},
    {"cgroupns", required_argument, NULL, O_CGROUPNS},
    {"cap-add", required_argument, NULL, O_CAPADD},
    {"cap-drop", required_argument, NULL, O_CAPDROP},
    {"privileged", no_argument, NULL, O_PRIV},
    {"security-opt", required_argument, NULL, O_SECOPT},
    {"restart", required_argument, NULL, O_RESTART},
    {"init", no_argument, NULL, O_INIT},
    {"stop-signal", required_argument, NULL, O_STOPSIG},
    {"stop-timeout", required_argument, NULL, O_STOPTIME},
    {"ulimit", required_argument, NULL, O_ULIMIT},
    {"sysctl", required_argument, NULL, O_SYSCTL},
    {"shm-size", required_argument, NULL, O_SHM},
    {"oom-score-adj", required_argument, NULL, O_OOMSCORE},
    {"link", required_argument, NULL, O_LINK},
    {"group-add", required_argument, NULL, O_GROUPADD},
    {"pull", required_argument, NULL, O_PULL},
    {"platform", required_argument, NULL, O_PLATFORM},
    {"log-driver", required_argument, NULL, O_LOGDRV},
    {"log-opt", required_argument, NULL, O_LOGOPT},
    {"pid", required_argument, NULL, O_PID},
    {"ipc", required_argument, NULL, O_IPC},
    {"uts", required_argument, NULL, O_UTS},
    {"network", required_argument, NULL, O_NETWORK},
    {"net", required_argument, NULL, O_NETWORK},
    {"sig-proxy", optional_argument, NULL, O_SIGPROXY},
    {"health-cmd", required_argument, NULL, O_HEALTHCMD},
    {"health-interval", required_argument, NULL, O_HEALTHINT},
    {"health-timeout", required_argument, NULL, O_HEALTHTO},
    {"health-retries", required_argument, NULL, O_HEALTHRET},
    {"health-start-period", required_argument, NULL, O_HEALTHSTART},
    {"no-healthcheck", no_argument, NULL, O_NOHEALTH},
    {"device", required_argument, NULL, O_DEVICE},
    {"add-host", required_argument, NULL, O_ADDHOST},
    {"dns", required_argument, NULL, O_DNS},
    {"dns-search", required_argument, NULL, O_DNSSEARCH},
    {"dns-option", required_argument, NULL, O_DNSOPT},
    {"dns-opt", required_argument, NULL, O_DNSOPT},
    {"ip", required_argument, NULL, O_IP},
    {"ip6", required_argument, NULL, O_IP6},
    {"network-alias", required_argument, NULL, O_ALIAS},
    {"alias", required_argument, NULL, O_ALIAS},
    {"expose", required_argument, NULL, O_EXPOSE},
    {"publish", required_argument, NULL, 'p'},
    {"publish-all", no_argument, NULL, 'P'},
    {"detach-keys", required_argument, NULL, O_DETACHKEYS},
    {"help", no_argument, NULL, 'H'},
    {0},
};

/* docker's detach keys: "ctrl-p,ctrl-q" (the default with a terminal), a
 * letter, or ctrl-<a-z, @, [, \, ], ^, _>, comma-separated. */
struct detach_keys {
    unsigned char seq[16];
    size_t len, matched;
};
static int parse_detach_keys(const char *spec, struct detach_keys *dk, sk_error *err);

struct run_args {
    json_t *body;
    const char *name;
    bool detach, rm, sig_proxy;
    enum sk_pull_policy pull;
    const char *platform;
    const char *image;
    char **cmd;
    const char *detach_keys;
};

/* Go durations for health checks: "30s", "1m30s", "500ms" -> ns. */
static int parse_duration(const char *s, int64_t *ns)
{
    int64_t v = 0;
    const char *p = s;
    if (*p == '\0')
        return -1;
    while (*p) {
        char *end;
        double x = strtod(p, &end);
        if (end == p)
            return -1;
        p = end;
        double unit;
        if (!strncmp(p, "ms", 2))
            unit = 1e6, p += 2;
        else if (!strncmp(p, "us", 2))
            unit = 1e3, p += 2;
        else if (!strncmp(p, "ns", 2))
            unit = 1, p += 2;
        else if (*p == 's')
            unit = 1e9, p++;
        else if (*p == 'm')
            unit = 60e9, p++;
        else if (*p == 'h')
            unit = 3600e9, p++;
        else
            return -1;
        v += (int64_t)(x * unit);
    }
    *ns = v;
    return 0;
}

/* The resource flags run, create and update share, into a HostConfig (an
 * update body): 1 when o was one, 0 when not, -1 on error. */
static int parse_resource(int o, const char *arg, json_t *hc, sk_error *err)
{
    int64_t n;
    switch (o) {
    case 'm': case O_MEMSWAP: case O_MEMRES: case O_SHM:
        if (strcmp(arg, "-1") == 0 && o == O_MEMSWAP)
            n = -1;
        else if (parse_bytes(arg, &n) < 0)
            return sk_err(err, 0, "invalid size: '%s'", arg);
        json_object_set_new(hc, o == 'm' ? "Memory" : o == O_MEMSWAP ? "MemorySwap"
                                : o == O_MEMRES ? "MemoryReservation" : "ShmSize", json_integer(n));
        return 1;
    case O_CPUS: {
        char *end;
        double v = strtod(arg, &end);
        if (*end || v <= 0)
            return sk_err(err, 0, "invalid argument \"%s\" for \"--cpus\" flag", arg);
        json_object_set_new(hc, "NanoCpus", json_integer((json_int_t)(v * 1e9)));
        return 1;
    }
    case 'c': case O_CPUQUOTA: case O_CPUPERIOD: case O_PIDS: {
        int64_t v;
        if (sk_parse_i64(arg, &v) < 0)
            return sk_err(err, 0, "invalid argument \"%s\"", arg);
        json_object_set_new(hc, o == 'c' ? "CpuShares" : o == O_CPUQUOTA ? "CpuQuota"
                                : o == O_CPUPERIOD ? "CpuPeriod" : "PidsLimit", json_integer(v));
        return 1;
    }
    case O_CPUSET: json_object_set_new(hc, "CpusetCpus", json_string(arg)); return 1;
    case O_RESTART: {
        char name[64];
        int max = 0;
        if (sscanf(arg, "%63[^:]:%d", name, &max) < 1)
            return sk_err(err, 0, "invalid restart policy format");
        json_object_set_new(hc, "RestartPolicy", json_pack("{s:s, s:i}", "Name", name,
                                                           "MaximumRetryCount", max));
        return 1;
    }
    case O_CPUSETMEMS: json_object_set_new(hc, "CpusetMems", json_string(arg)); return 1;
    case O_BLKIO: {
        int w;
        if (sk_parse_int(arg, &w) < 0 || (w != 0 && (w < 10 || w > 1000)))
            return sk_err(err, 0, "invalid argument \"%s\" for \"--blkio-weight\" flag", arg);
        json_object_set_new(hc, "BlkioWeight", json_integer(w));
        return 1;
    }
    default: return 0;
    }
}

static int parse_run(int argc, char **argv, struct run_args *a, const struct cli_cmd *cmd,
                     sk_error *err)
{
    json_t *b = a->body = json_object();
    json_t *hc = json_object();
    json_object_set_new(b, "HostConfig", hc);
    json_t *health = NULL;
    const char *ip = NULL, *ip6 = NULL;
    _cleanup_json_ json_t *aliases = json_array();
    a->sig_proxy = true;
    int o;
    while ((o = getopt_long(argc, argv, "+e:l:w:u:h:itdv:m:c:p:P", run_opts, NULL)) != -1) {
        switch (o) {
        case O_NAME: a->name = optarg; break;
        case 'e': add_env(b, optarg); break;
        case O_ENVFILE: if (read_kv_file(optarg, b, true, err) < 0) return -1; break;
        case 'l': put_kv(b, "Labels", optarg); break;
        case O_LABELFILE: if (read_kv_file(optarg, b, false, err) < 0) return -1; break;
        case 'w': json_object_set_new(b, "WorkingDir", json_string(optarg)); break;
        case 'u': json_object_set_new(b, "User", json_string(optarg)); break;
        case O_ENTRYPOINT:
            json_object_set_new(b, "Entrypoint", *optarg ? json_pack("[s]", optarg) : json_array());
            break;
        case 'h': json_object_set_new(b, "Hostname", json_string(optarg)); break;
        case O_DOMAIN: json_object_set_new(b, "Domainname", json_string(optarg)); break;
        case O_MAC: json_object_set_new(b, "MacAddress", json_string(optarg)); break;
        case 'i': json_object_set_new(b, "OpenStdin", json_true());
            json_object_set_new(b, "AttachStdin", json_true());
            json_object_set_new(b, "StdinOnce", json_true());
            break;
        case 't': json_object_set_new(b, "Tty", json_true()); break;
        case 'd': a->detach = true; break;
        case O_RM: a->rm = true; json_object_set_new(hc, "AutoRemove", json_true()); break;
        case O_TMPFS: {
            const char *colon = strchr(optarg, ':');
            char dst[4096];
            snprintf(dst, sizeof dst, "%.*s", (int)(colon ? colon - optarg : (long)strlen(optarg)), optarg);
            json_object_set_new(ensure(hc, "Tmpfs", json_object), dst, json_string(colon ? colon + 1 : ""));
            break;
        }
        case 'v': push(hc, "Binds", optarg); break;
        case O_MOUNT: if (parse_mount(hc, optarg, err) < 0) return -1; break;
        case O_READONLY: json_object_set_new(hc, "ReadonlyRootfs", json_true()); break;
        case O_CAPADD: push(hc, "CapAdd", optarg); break;
        case O_CAPDROP: push(hc, "CapDrop", optarg); break;
        case O_PRIV: json_object_set_new(hc, "Privileged", json_true()); break;
        case O_SECOPT:
            if ((!strncmp(optarg, "seccomp=", 8) || !strncmp(optarg, "seccomp:", 8)) &&
                strcmp(optarg + 8, "unconfined") != 0) {
                /* the profile goes in the body, as docker's CLI sends it */
                _cleanup_free_ char *buf = NULL;
                size_t len;
                if (sk_read_file(optarg + 8, 1 << 20, &buf, &len, err) < 0)
                    return sk_err_prefix(err, "opening seccomp profile"), -1;
                _cleanup_free_ char *opt = sk_strdup_printf("seccomp=%s", buf);
                push(hc, "SecurityOpt", opt ? opt : "");
                break;
            }
            push(hc, "SecurityOpt", optarg);
            break;
        case O_INIT: json_object_set_new(hc, "Init", json_true()); break;
        case O_LINK: push(hc, "Links", optarg); break;
        case O_OOMSCORE: {
            int v;
            if (sk_parse_int(optarg, &v) < 0 || v < -1000 || v > 1000)
                return sk_err(err, 0, "invalid value \"%s\" for --oom-score-adj: the range is -1000 to 1000", optarg);
            json_object_set_new(hc, "OomScoreAdj", json_integer(v));
            break;
        }
        case O_STOPSIG: json_object_set_new(b, "StopSignal", json_string(optarg)); break;
        case O_STOPTIME: {
            int t;
            if (sk_parse_int(optarg, &t) < 0)
                return sk_err(err, 0, "invalid argument \"%s\" for \"--stop-timeout\" flag", optarg);
            json_object_set_new(b, "StopTimeout", json_integer(t));
            break;
        }
        case O_ULIMIT: if (parse_ulimit(hc, optarg, err) < 0) return -1; break;
        case O_SYSCTL: put_kv(hc, "Sysctls", optarg); break;
        case O_GROUPADD: push(hc, "GroupAdd", optarg); break;
        case O_PULL:
            if (!strcmp(optarg, "always")) a->pull = SK_PULL_ALWAYS;
            else if (!strcmp(optarg, "missing")) a->pull = SK_PULL_MISSING;
            else if (!strcmp(optarg, "never")) a->pull = SK_PULL_NEVER;
            else return sk_err(err, 0, "invalid pull option: '%s': must be one of \"always\", \"missing\" or \"never\"", optarg);
            break;
        case O_PLATFORM: a->platform = optarg; break;
        case O_LOGDRV:
            json_object_set_new(ensure(hc, "LogConfig", json_object), "Type", json_string(optarg));
            break;
        case O_LOGOPT: put_kv(ensure(hc, "LogConfig", json_object), "Config", optarg); break;
        case O_NETWORK: json_object_set_new(hc, "NetworkMode", json_string(optarg)); break;
        case O_OOMKILL: json_object_set_new(hc, "OomKillDisable", json_true()); break;
        case O_CGROUPNS: json_object_set_new(hc, "CgroupnsMode", json_string(optarg)); break;
        case O_SWAPPINESS: {
            int v;
            if (sk_parse_int(optarg, &v) < 0 || v < -1 || v > 100)
                return sk_err(err, 0, "invalid value: %s. Valid memory swappiness range is 0-100", optarg);
            json_object_set_new(hc, "MemorySwappiness", json_integer(v));
            break;
        }
        case O_PID: case O_IPC: case O_UTS:
            json_object_set_new(hc, o == O_PID ? "PidMode" : o == O_IPC ? "IpcMode" : "UTSMode", json_string(optarg));
            break;
        case O_SIGPROXY: a->sig_proxy = !optarg || strcmp(optarg, "false"); break;
        case O_HEALTHCMD: case O_HEALTHINT: case O_HEALTHTO: case O_HEALTHRET: case O_HEALTHSTART:
            if (health == NULL) {
                health = json_object();
                json_object_set_new(b, "Healthcheck", health);
            }
            if (o == O_HEALTHCMD) {
                json_object_set_new(health, "Test", json_pack("[s, s]", "CMD-SHELL", optarg));
            } else if (o == O_HEALTHRET) {
                int r;
                if (sk_parse_int(optarg, &r) < 0 || r < 0)
                    return sk_err(err, 0, "invalid argument \"%s\" for \"--health-retries\" flag", optarg);
                json_object_set_new(health, "Retries", json_integer(r));
            } else {
                int64_t ns;
                if (parse_duration(optarg, &ns) < 0)
                    return sk_err(err, 0, "invalid duration \"%s\"", optarg);
                json_object_set_new(health, o == O_HEALTHINT ? "Interval" : o == O_HEALTHTO ? "Timeout"
                                            : "StartPeriod", json_integer(ns));
            }
            break;
        case O_NOHEALTH:
            json_object_set_new(b, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
            break;
        case O_DEVICE: {
            /* /dev/host[:/dev/ctr[:perms]] */
            char buf[4096], *parts[3] = {0};
            int np = 0;
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *sv = NULL, *t = strtok_r(buf, ":", &sv); t && np < 3; t = strtok_r(NULL, ":", &sv))
                parts[np++] = t;
            if (np == 2 && parts[1][0] != '/') { /* /dev/x:rw */
                parts[2] = parts[1];
                parts[1] = NULL;
            }
            if (np == 0 || parts[0][0] != '/')
                return sk_err(err, 0, "invalid device specification: %s", optarg);
            json_array_append_new(ensure(hc, "Devices", json_array),
                                  json_pack("{s:s, s:s, s:s}", "PathOnHost", parts[0], "PathInContainer",
                                            parts[1] ? parts[1] : parts[0], "CgroupPermissions",
                                            parts[2] ? parts[2] : "rwm"));
            break;
        }
        case O_ADDHOST: json_array_append_new(ensure(hc, "ExtraHosts", json_array), json_string(optarg)); break;
        case O_DNS: json_array_append_new(ensure(hc, "Dns", json_array), json_string(optarg)); break;
        case O_DNSSEARCH: json_array_append_new(ensure(hc, "DnsSearch", json_array), json_string(optarg)); break;
        case O_DNSOPT: json_array_append_new(ensure(hc, "DnsOptions", json_array), json_string(optarg)); break;
        case 'p':
            if (net_parse_publish(optarg, ensure(hc, "PortBindings", json_object), ensure(b, "ExposedPorts", json_object),
                                  err) < 0)
                return -1;
            break;
        case 'P': json_object_set_new(hc, "PublishAllPorts", json_true()); break;
        case O_EXPOSE: {
            _cleanup_json_ json_t *tmp = json_object();
            if (net_parse_publish(optarg, tmp, ensure(b, "ExposedPorts", json_object), err) < 0)
                return -1;
            break;
        }
        case O_IP: ip = optarg; break;
        case O_IP6: ip6 = optarg; break;
        case O_ALIAS: json_array_append_new(aliases, json_string(optarg)); break;
        case O_DETACHKEYS: {
            struct detach_keys dk;
            if (parse_detach_keys(optarg, &dk, err) < 0)
                return -1;
            a->detach_keys = optarg;
            break;
        }
        case 'H': return 1;
        default: {
            int r = parse_resource(o, optarg, hc, err);
            if (r < 0)
                return -1;
            if (r == 0)
                return cli_usage(cmd, true) ? 2 : 2;
            break;
        }
        }
    }
    if (optind >= argc)
        return sk_err(err, 0, "\"skiff %s\" requires at least 1 argument.", cmd->name);
    if (ip != NULL || ip6 != NULL || json_array_size(aliases) > 0) {
        const char *net = json_string_value(json_object_get(hc, "NetworkMode"));
        if (net == NULL || !strcmp(net, "bridge") || !strcmp(net, "default") || !strcmp(net, "host") ||
            !strcmp(net, "none") || !strncmp(net, "container:", 10))
            return sk_err(err, 0, "%s", ip || ip6 ? "user specified IP address is supported on user defined networks only"
                                            : "network-scoped alias is supported only for containers in user defined networks");
        json_t *ep = json_pack("{s:O}", "Aliases", aliases);
        if (ip != NULL || ip6 != NULL) {
            json_t *ipam = json_object();
            if (ip != NULL)
                json_object_set_new(ipam, "IPv4Address", json_string(ip));
            if (ip6 != NULL)
                json_object_set_new(ipam, "IPv6Address", json_string(ip6));
            json_object_set_new(ep, "IPAMConfig", ipam);
        }
        json_object_set_new(b, "NetworkingConfig", json_pack("{s:{s:o}}", "EndpointsConfig", net, ep));
    }
    a->image = argv[optind];
    json_object_set_new(b, "Image", json_string(a->image));
    if (optind + 1 < argc) {
        json_t *c = json_array();
        for (int i = optind + 1; i < argc; i++)
            json_array_append_new(c, json_string(argv[i]));
        json_object_set_new(b, "Cmd", c);
    }
    if (a->rm && a->detach == false)
        json_object_set_new(hc, "AutoRemove", json_true());
    return 0;
}

/* ---- pulling as docker run does ---------------------------------------------------------- */

/* docker run's pull: plain lines on stderr */
static void pull_progress(void *ud, const struct pull_event *ev)
{
    (void)ud;
    const char *h = ev->digest ? strchr(ev->digest, ':') : NULL;
    char id[13];
    snprintf(id, sizeof id, "%s", h ? h + 1 : "");
    if (ev->kind == PULL_LAYER_WAITING)
        fprintf(stderr, "%s: Pulling fs layer\n", id);
    else if (ev->kind == PULL_LAYER_EXISTS)
        fprintf(stderr, "%s: Already exists\n", id);
    else if (ev->kind == PULL_LAYER_DONE)
        fprintf(stderr, "%s: Pull complete\n", id);
}

static int create_from_args(struct cli *c, struct run_args *a, char id[SK_ID_LEN + 1], sk_error *err)
{
    struct sk_engine *e = cli_engine(c, err);
    if (e == NULL)
        return -1;
    struct sk_create_opts co = {.name = a->name, .pull = a->pull, .platform = a->platform,
                                .progress = pull_progress, .ud = NULL};
    if (a->pull == SK_PULL_MISSING) {
        /* docker says this on stderr before it pulls */
        char probe[72];
        struct image_store *s = sk_engine_images(e, err);
        if (s == NULL)
            return -1;
        if (store_resolve(s, a->image, probe, NULL) < 0)
            fprintf(stderr, "Unable to find image '%s' locally\n", a->image);
    }
    return sk_container_create(e, a->body, &co, id, err);
}

/* ---- the attached stream ------------------------------------------------------------------ */

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
    if (tio_saved)
        tcsetattr(0, TCSANOW, &saved_tio);
    tio_saved = false;
}

static void raw_tty(void)
{
    if (!isatty(0) || tcgetattr(0, &saved_tio) < 0)
        return;
    struct termios t = saved_tio;
    cfmakeraw(&t); /* the container's terminal makes \r\n already */
    if (tcsetattr(0, TCSANOW, &t) == 0) {
        tio_saved = true;
        atexit(restore_tty);
    }
}


static int parse_detach_keys(const char *spec, struct detach_keys *dk, sk_error *err)
{
    memset(dk, 0, sizeof *dk);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *k = strtok_r(buf, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        int c;
        if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6 &&
            ((k[5] >= 'a' && k[5] <= 'z') || strchr("@[\\]^_", k[5])))
            c = (k[5] >= 'a' && k[5] <= 'z' ? k[5] - 'a' + 'A' : k[5]) & 0x1f;
        else if (strlen(k) == 1 && k[0] > ' ' && k[0] < 0x7f)
            c = k[0];
        else
            return sk_err(err, 0, "Invalid detach keys (%s) provided", spec);
        if (dk->len == sizeof dk->seq)
            return sk_err(err, 0, "Invalid detach keys (%s) provided", spec);
        dk->seq[dk->len++] = (unsigned char)c;
    }
    return dk->len ? 0 : sk_err(err, 0, "Invalid detach keys (%s) provided", spec);
}

/* Input for the container, watched for the detach keys: what to send goes
 * to out (up to 2n bytes); true when they were typed. */
static bool detach_scan(struct detach_keys *dk, const char *in, size_t n, char *out, size_t *outn)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)in[i];
        if (dk->len && b == dk->seq[dk->matched]) {
            if (++dk->matched == dk->len) {
                *outn = k;
                return true;
            }
            continue;
        }
        memcpy(out + k, dk->seq, dk->matched); /* a start that was not it */
        k += dk->matched;
        dk->matched = dk->len && b == dk->seq[0];
        if (!dk->matched)
            out[k++] = (char)b;
    }
    *outn = k;
    return false;
}

/* Copy the stream to our stdout/stderr (demultiplexed without a tty) and
 * our stdin to it, until the monitor closes it; false when the detach keys
 * (dk, may be NULL) were typed. */
static bool pump_attached(int fd, bool tty, bool with_stdin, int sigfd, struct sk_engine *e,
                          const char *id, bool proxy, struct detach_keys *dk)
{
    char buf[65536];
    size_t have = 0;
    bool in_open = with_stdin;
    for (;;) {
        struct pollfd p[3] = {{fd, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}, {sigfd, POLLIN, 0}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return true;
        }
        if (p[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                if (proxy)
                    sk_container_kill(e, id, (int)si.ssi_signo, NULL);
        }
        if (p[1].revents & (POLLIN | POLLHUP)) {
            char in[16384], out[2 * sizeof in];
            ssize_t n = read(0, in, sizeof in);
            size_t outn = (size_t)(n > 0 ? n : 0);
            bool detach = n > 0 && dk != NULL && detach_scan(dk, in, (size_t)n, out, &outn);
            if (n > 0 && outn > 0 && sk_write_all(fd, dk ? out : in, outn) < 0)
                in_open = false;
            if (detach)
                return false;
            if (n <= 0) {
                in_open = false;
                shutdown(fd, SHUT_WR);
            }
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n <= 0)
            return true;
        if (tty) {
            sk_write_all(1, buf, (size_t)n);
            continue;
        }
        have += (size_t)n;
        size_t off = 0;
        while (have - off >= 8) {
            const unsigned char *h = (const unsigned char *)buf + off;
            size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
            if (len > sizeof buf - 8)
                return true; /* not our framing */
            if (have - off - 8 < len)
                break;
            sk_write_all(h[0] == 2 ? 2 : 1, (const char *)h + 8, len);
            off += 8 + len;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
    }
}

static int proxied_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* docker's exit codes for a run that could not run. */
static int start_failure(const sk_error *err)
{
    fprintf(stderr, "Error: %s\n", err->msg);
    if (strstr(err->msg, "exec: \"") == NULL) /* skiff failed, not the command */
        return 125;
    if (strstr(err->msg, "No such file") || strstr(err->msg, "not found"))
        return 127;
    return 126; /* there, but it cannot run */
}

/* The detach keys of an attach: keys (NULL: ctrl-p,ctrl-q with a terminal,
 * none without one, where the input may be any bytes); NULL without stdin. */
static struct detach_keys *detach_keys_for(const char *keys, bool tty, bool with_stdin,
                                           struct detach_keys *dk, sk_error *err)
{
    if (!with_stdin || (keys == NULL && !tty))
        return NULL;
    return parse_detach_keys(keys ? keys : "ctrl-p,ctrl-q", dk, err) < 0 ? NULL : dk;
}

static int start_attached(struct cli *c, const char *id, bool tty, bool with_stdin, bool proxy,
                          bool rm, const char *keys)
{
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    struct sk_start_opts so = {.attach = true, .attach_stdin = with_stdin};
    if (e == NULL)
        return cli_fail(&err), 125;
    struct detach_keys dkbuf, *dk = detach_keys_for(keys, tty, with_stdin, &dkbuf, &err);
    if (keys != NULL && with_stdin && dk == NULL)
        return cli_fail(&err), 125;
    int sigfd = tty ? -1 : proxied_signals();
    if (sk_container_start(e, id, &so, &err) < 0) {
        if (rm)
            sk_container_remove(e, id, true, false, NULL);
        return start_failure(&err);
    }
    if (tty && with_stdin)
        raw_tty();
    bool ended = pump_attached(so.attach_fd, tty, with_stdin, sigfd, e, id, proxy, dk);
    close(so.attach_fd);
    if (!ended) { /* detached: the container runs on */
        close(so.wait_fd);
        restore_tty();
        if (sigfd >= 0)
            close(sigfd);
        return 0;
    }
    struct sk_exit ex;
    int r = sk_wait_fd(so.wait_fd, &ex, &err);
    close(so.wait_fd);
    restore_tty();
    if (sigfd >= 0)
        close(sigfd);
    if (r < 0)
        return cli_fail(&err), 125;
    return ex.code;
}

/* ---- the commands -------------------------------------------------------------------------- */

static int cmd_run_run(struct cli *c, int argc, char **argv)
{
    struct run_args a = {0};
    sk_error err;
    int p = parse_run(argc, argv, &a, &cmd_run, &err);
    if (p != 0) {
        json_decref(a.body);
        if (p == 1)
            return cli_usage(&cmd_run, false);
        if (p == 2)
            return 125;
        return cli_fail(&err), 125;
    }
    char id[SK_ID_LEN + 1];
    int r = create_from_args(c, &a, id, &err);
    bool tty = json_is_true(json_object_get(a.body, "Tty"));
    bool in = json_is_true(json_object_get(a.body, "OpenStdin"));
    json_decref(a.body);
    if (r < 0)
        return cli_fail(&err), 125;
    if (a.detach) {
        struct sk_start_opts so = {0};
        if (sk_container_start(cli_engine(c, &err), id, &so, &err) < 0) {
            if (a.rm)
                sk_container_remove(cli_engine(c, NULL), id, true, false, NULL);
            return start_failure(&err);
        }
        printf("%s\n", id);
        return 0;
    }
    if (tty && !isatty(0) && in)
        return cli_failf("the input device is not a TTY"), 1;
    return start_attached(c, id, tty, in, a.sig_proxy, a.rm, a.detach_keys);
}

static int cmd_create_run(struct cli *c, int argc, char **argv)
{
    struct run_args a = {0};
    sk_error err;
    int p = parse_run(argc, argv, &a, &cmd_create, &err);
    if (p != 0) {
        json_decref(a.body);
        if (p == 1)
            return cli_usage(&cmd_create, false);
        if (p == 2)
            return 125;
        return cli_fail(&err), 125;
    }
    char id[SK_ID_LEN + 1];
    int r = create_from_args(c, &a, id, &err);
    json_decref(a.body);
    if (r < 0)
        return cli_fail(&err), 125;
    printf("%s\n", id);
    return 0;
}

static int cmd_start_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"attach", no_argument, NULL, 'a'},
                                         {"interactive", no_argument, NULL, 'i'},
                                         {"detach-keys", required_argument, NULL, 'k'},
                                         {0}};
    bool attach = false, in = false;
    const char *keys = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "ai", opts, NULL)) != -1) {
        if (o == 'a')
            attach = true;
        else if (o == 'i')
            in = true;
        else if (o == 'k')
            keys = optarg;
        else
            return cli_usage(&cmd_start, true);
    }
    if (optind >= argc)
        return cli_usage(&cmd_start, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    if (attach || in) {
        if (argc - optind > 1)
            return cli_failf("you cannot start and attach multiple containers at once");
        json_t *info = NULL;
        if (sk_container_inspect(e, argv[optind], &info, &err) < 0)
            return cli_fail(&err);
        bool tty = json_is_true(json_object_get(json_object_get(info, "Config"), "Tty"));
        bool open_in = json_is_true(json_object_get(json_object_get(info, "Config"), "OpenStdin"));
        json_decref(info);
        return start_attached(c, argv[optind], tty, in && open_in, true, false, keys);
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        struct sk_start_opts so = {0};
        if (sk_container_start(e, argv[i], &so, &err) < 0) {
            fprintf(stderr, "Error response from daemon: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%s\n", argv[i]);
        }
    }
    if (rc)
        fprintf(stderr, "Error: failed to start containers: %s\n", argv[optind]);
    return rc;
}

static int cmd_attach_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"no-stdin", no_argument, NULL, 'n'},
                                         {"sig-proxy", optional_argument, NULL, 's'},
                                         {"detach-keys", required_argument, NULL, 'k'},
                                         {0}};
    bool no_stdin = false, proxy = true;
    const char *keys = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'n')
            no_stdin = true;
        else if (o == 's')
            proxy = !optarg || strcmp(optarg, "false");
        else if (o == 'k')
            keys = optarg;
        else
            return cli_usage(&cmd_attach, true);
    }
    if (optind != argc - 1)
        return cli_usage(&cmd_attach, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    json_t *info = NULL;
    if (e == NULL || sk_container_inspect(e, argv[optind], &info, &err) < 0)
        return cli_fail(&err);
    bool tty = json_is_true(json_object_get(json_object_get(info, "Config"), "Tty"));
    bool in = !no_stdin && json_is_true(json_object_get(json_object_get(info, "Config"), "OpenStdin"));
    char id[SK_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(info, "Id")));
    json_decref(info);
    struct detach_keys dkbuf, *dk = detach_keys_for(keys, tty, in, &dkbuf, &err);
    if (keys != NULL && in && dk == NULL)
        return cli_fail(&err);
    int fd;
    if (sk_container_attach(e, id, in, &fd, &err) < 0)
        return cli_fail(&err);
    int sigfd = tty ? -1 : proxied_signals();
    if (tty && in)
        raw_tty();
    bool ended = pump_attached(fd, tty, in, sigfd, e, id, proxy, dk);
    close(fd);
    restore_tty();
    if (!ended)
        return 0; /* detached */
    struct sk_exit ex;
    if (sk_container_wait(e, id, "not-running", &ex, &err) < 0)
        return 0;
    return ex.code;
}

#define RUN_HELP                                                                                   \
    "      --add-host list          Add a custom host-to-IP mapping (host:ip, host:host-gateway)\n" \
    "      --device list            Add a host device to the container (/dev/x[:/dev/y[:rwm]])\n"   \
    "      --dns list               Set custom DNS servers\n"                                      \
    "      --dns-option list        Set DNS options\n"                                             \
    "      --dns-search list        Set custom DNS search domains\n"                               \
    "      --cap-add list           Add Linux capabilities\n"                                      \
    "      --cap-drop list          Drop Linux capabilities\n"                                     \
    "      --cpu-period int         Limit CPU CFS period\n"                                        \
    "      --cpu-quota int          Limit CPU CFS quota\n"                                         \
    "  -c, --cpu-shares int         CPU shares (relative weight)\n"                                \
    "      --cpus decimal           Number of CPUs\n"                                              \
    "      --cpuset-cpus string     CPUs in which to allow execution (0-3, 0,1)\n"                 \
    "      --cpuset-mems string     MEMs in which to allow execution (0-3, 0,1)\n"                 \
    "      --blkio-weight uint16    Block IO (relative weight), between 10 and 1000\n"             \
    "      --cgroupns string        Cgroup namespace to use (host, private)\n"                     \
    "      --domainname string      Container NIS domain name\n"                                   \
    "      --entrypoint string      Overwrite the default ENTRYPOINT of the image\n"               \
    "  -e, --env list               Set environment variables\n"                                   \
    "      --env-file list          Read in a file of environment variables\n"                     \
    "      --group-add list         Add additional groups to join\n"                               \
    "      --health-cmd string      Command to run to check health\n"                              \
    "      --health-interval d      Time between running the check\n"                              \
    "      --health-retries int     Consecutive failures needed to report unhealthy\n"             \
    "      --health-start-period d  Start period for the container to initialize\n"                \
    "      --health-timeout d       Maximum time to allow one check to run\n"                      \
    "  -h, --hostname string        Container host name\n"                                         \
    "      --expose list            Expose a port or a range of ports\n"                           \
    "      --init                   Run an init inside the container that reaps processes\n"       \
    "      --ip string              IPv4 address (e.g., 172.30.100.104)\n"                         \
    "      --ip6 string             IPv6 address (e.g., 2001:db8::33)\n"                           \
    "  -i, --interactive            Keep STDIN open even if not attached\n"                        \
    "  -l, --label list             Set meta data on a container\n"                                \
    "      --label-file list        Read in a line delimited file of labels\n"                     \
    "      --log-driver string      Logging driver for the container (json-file)\n"                \
    "      --log-opt list           Log driver options (max-size, max-file)\n"                     \
    "      --mac-address string     Container MAC address (e.g., 92:d0:c6:0a:29:33)\n"             \
    "  -m, --memory bytes           Memory limit\n"                                                \
    "      --memory-reservation b   Memory soft limit\n"                                           \
    "      --memory-swap bytes      Swap limit equal to memory plus swap: '-1' for unlimited\n"     \
    "      --memory-swappiness int  Tune container memory swappiness (0 to 100; cgroup v1)\n"      \
    "      --oom-kill-disable       Disable OOM Killer (cgroup v1)\n"                              \
    "      --mount mount            Attach a filesystem mount to the container\n"                  \
    "      --name string            Assign a name to the container\n"                              \
    "      --network string         Connect a container to a network (bridge, host, none,\n"       \
    "                               container:NAME|ID, or a network's name)\n"                    \
    "      --network-alias list     Add network-scoped alias for the container\n"                  \
    "      --link list              Add link to another container (name[:alias])\n"                \
    "      --no-healthcheck         Disable any container-specified HEALTHCHECK\n"                 \
    "      --oom-score-adj int      Tune host's OOM preferences (-1000 to 1000)\n"                 \
    "      --ipc string             IPC mode to use (private, shareable, host)\n"                  \
    "      --pid string             PID namespace to use (host, container:NAME|ID)\n"              \
    "      --pids-limit int         Tune container pids limit (-1 for unlimited)\n"                \
    "      --platform string        Set platform if server is multi-platform capable\n"            \
    "  -p, --publish list           Publish a container's port(s) to the host\n"                   \
    "                               ([ip:][hostPort:]containerPort[/tcp|udp], ranges a-b;\n"     \
    "                               8000-8010:80: the first free host port of the range)\n"     \
    "  -P, --publish-all            Publish all exposed ports to random ports\n"                   \
    "      --privileged             Give extended privileges to this container\n"                  \
    "      --pull string            Pull image before running (always, missing, never)\n"          \
    "      --read-only              Mount the container's root filesystem as read only\n"          \
    "      --restart string         Restart policy (no, on-failure[:N], always, unless-stopped)\n" \
    "      --rm                     Automatically remove the container when it exits\n"            \
    "      --security-opt list      Security Options (no-new-privileges)\n"                        \
    "      --shm-size bytes         Size of /dev/shm\n"                                            \
    "      --stop-signal string     Signal to stop the container\n"                                \
    "      --stop-timeout int       Timeout (in seconds) to stop a container\n"                    \
    "      --sysctl map             Sysctl options\n"                                              \
    "      --tmpfs list             Mount a tmpfs directory\n"                                     \
    "      --uts string             UTS namespace to use (host)\n"                                 \
    "  -t, --tty                    Allocate a pseudo-TTY\n"                                       \
    "      --ulimit ulimit          Ulimit options\n"                                              \
    "  -u, --user string            Username or UID (format: <name|uid>[:<group|gid>])\n"          \
    "  -v, --volume list            Bind mount a volume (/host:/container[:ro])\n"                 \
    "  -w, --workdir string         Working directory inside the container\n"

/* ---- update ------------------------------------------------------------------------------ */

static const struct option update_opts[] = {
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, O_MEMSWAP},
    {"memory-reservation", required_argument, NULL, O_MEMRES},
    {"cpus", required_argument, NULL, O_CPUS},
    {"cpu-shares", required_argument, NULL, 'c'},
    {"cpu-quota", required_argument, NULL, O_CPUQUOTA},
    {"cpu-period", required_argument, NULL, O_CPUPERIOD},
    {"cpuset-cpus", required_argument, NULL, O_CPUSET},
    {"cpuset-mems", required_argument, NULL, O_CPUSETMEMS},
    {"pids-limit", required_argument, NULL, O_PIDS},
    {"blkio-weight", required_argument, NULL, O_BLKIO},
    {"restart", required_argument, NULL, O_RESTART},
    {"help", no_argument, NULL, 'H'},
    {0},
};

static int cmd_update_run(struct cli *c, int argc, char **argv)
{
    sk_error err;
    _cleanup_json_ json_t *body = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "+m:c:", update_opts, NULL)) != -1) {
        int r = o == 'H' ? 0 : parse_resource(o, optarg, body, &err);
        if (r < 0)
            return cli_fail(&err);
        if (r == 0)
            return cli_usage(&cmd_update, o != 'H');
    }
    if (optind >= argc)
        return cli_usage(&cmd_update, true);
    if (json_object_size(body) == 0)
        return cli_failf("you must provide one or more flags when using this command");
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        if (sk_container_update(e, argv[i], body, &err) < 0) {
            fprintf(stderr, "Error response from daemon: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%s\n", argv[i]);
        }
    }
    return rc;
}

const struct cli_cmd cmd_update = {
    "update", "[OPTIONS] CONTAINER [CONTAINER...]",
    "Update configuration of one or more containers",
    "      --blkio-weight uint16    Block IO (relative weight), between 10 and 1000, or 0 to disable\n"
    "      --cpu-period int         Limit CPU CFS (Completely Fair Scheduler) period\n"
    "      --cpu-quota int          Limit CPU CFS (Completely Fair Scheduler) quota\n"
    "  -c, --cpu-shares int         CPU shares (relative weight)\n"
    "      --cpus decimal           Number of CPUs\n"
    "      --cpuset-cpus string     CPUs in which to allow execution (0-3, 0,1)\n"
    "      --cpuset-mems string     MEMs in which to allow execution (0-3, 0,1)\n"
    "  -m, --memory bytes           Memory limit\n"
    "      --memory-reservation b   Memory soft limit\n"
    "      --memory-swap bytes      Swap limit equal to memory plus swap: -1 to enable unlimited swap\n"
    "      --pids-limit int         Tune container pids limit (set -1 for unlimited)\n"
    "      --restart string         Restart policy to apply when a container exits\n",
    cmd_update_run};

const struct cli_cmd cmd_run = {
    "run", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image",
    "  -d, --detach                 Run container in background and print container ID\n"
    "      --detach-keys string     Override the key sequence for detaching a container\n"
    "      --sig-proxy              Proxy received signals to the process (default true)\n" RUN_HELP,
    cmd_run_run};
const struct cli_cmd cmd_create = {"create", "[OPTIONS] IMAGE [COMMAND] [ARG...]",
                                   "Create a new container", RUN_HELP, cmd_create_run};
const struct cli_cmd cmd_start = {
    "start", "[OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers",
    "  -a, --attach               Attach STDOUT/STDERR and forward signals\n"
    "      --detach-keys string   Override the key sequence for detaching a container\n"
    "  -i, --interactive          Attach container's STDIN\n",
    cmd_start_run};
const struct cli_cmd cmd_attach = {
    "attach", "[OPTIONS] CONTAINER",
    "Attach local standard input, output, and error streams to a running container",
    "      --detach-keys string   Override the key sequence for detaching a container\n"
    "      --no-stdin             Do not attach STDIN\n"
    "      --sig-proxy            Proxy all received signals to the process (default true)\n",
    cmd_attach_run};
