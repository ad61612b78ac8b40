/* info: sk_system_info as docker's `info` prints its server part, or
 * rendered with --format. */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

static const char *s(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)) ?: "";
}

static long long n(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void print_list(const char *indent, json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) printf("%s%s", i ? " " : indent, json_string_value(v) ?: "");
    if (json_array_size(arr))
        printf("\n");
}

static void print_security(json_t *opts)
{
    printf("Security Options:\n");
    size_t i;
    json_t *v;
    json_array_foreach(opts, i, v)
    {
        /* "name=seccomp,profile=builtin" -> " seccomp" "  Profile: builtin" */
        char buf[256];
        snprintf(buf, sizeof buf, "%s", json_string_value(v) ?: "");
        for (char *kv = strtok(buf, ","); kv != NULL; kv = strtok(NULL, ",")) {
            char *eq = strchr(kv, '=');
            if (eq == NULL)
                continue;
            *eq = '\0';
            if (!strcmp(kv, "name"))
                printf(" %s\n", eq + 1);
            else
                printf("  %c%s: %s\n", toupper((unsigned char)kv[0]), kv + 1, eq + 1);
        }
    }
}

static void print_info(json_t *j)
{
    char mem[32];
    printf("Containers: %lld\n Running: %lld\n Paused: %lld\n Stopped: %lld\n", n(j, "Containers"),
           n(j, "ContainersRunning"), n(j, "ContainersPaused"), n(j, "ContainersStopped"));
    printf("Images: %lld\n", n(j, "Images"));
    printf("Server Version: %s\n", s(j, "ServerVersion"));
    printf("Storage Driver: %s\n", s(j, "Driver"));
    size_t i;
    json_t *kv;
    json_array_foreach(json_object_get(j, "DriverStatus"), i, kv)
        printf(" %s: %s\n", json_string_value(json_array_get(kv, 0)) ?: "", json_string_value(json_array_get(kv, 1)) ?: "");
    printf("Logging Driver: %s\nCgroup Driver: %s\nCgroup Version: %s\n", s(j, "LoggingDriver"),
           s(j, "CgroupDriver"), s(j, "CgroupVersion"));
    json_t *pl = json_object_get(j, "Plugins");
    printf("Plugins:\n Volume:");
    print_list(" ", json_object_get(pl, "Volume"));
    printf(" Network:");
    print_list(" ", json_object_get(pl, "Network"));
    printf(" Log:");
    print_list(" ", json_object_get(pl, "Log"));
    printf("Runtimes: %s\nDefault Runtime: %s\n", s(j, "DefaultRuntime"), s(j, "DefaultRuntime"));
    print_security(json_object_get(j, "SecurityOptions"));
    printf("Kernel Version: %s\nOperating System: %s\nOSType: %s\nArchitecture: %s\nCPUs: %lld\n",
           s(j, "KernelVersion"), s(j, "OperatingSystem"), s(j, "OSType"), s(j, "Architecture"), n(j, "NCPU"));
    human_size_binary((uint64_t)n(j, "MemTotal"), mem, sizeof mem);
    printf("Total Memory: %s\nName: %s\nDocker Root Dir: %s\n", mem, s(j, "Name"), s(j, "DockerRootDir"));
    json_t *reg = json_object_get(j, "RegistryConfig"), *ic;
    const char *name;
    printf("Insecure Registries:\n");
    json_object_foreach(json_object_get(reg, "IndexConfigs"), name, ic)
    {
        if (json_is_false(json_object_get(ic, "Secure")))
            printf(" %s\n", name);
    }
    json_t *cidr;
    json_array_foreach(json_object_get(reg, "InsecureRegistryCIDRs"), i, cidr)
        printf(" %s\n", json_string_value(cidr) ?: "");
    printf("Live Restore Enabled: %s\n", json_is_true(json_object_get(j, "LiveRestoreEnabled")) ? "true" : "false");
}

static int cmd_info_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        if (o == 'f')
            format = optarg;
        else
            return cli_usage(&cmd_info, true);
    }
    if (optind != argc)
        return cli_usage(&cmd_info, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *j = NULL;
    if (e == NULL || sk_system_info(e, &j, &err) < 0)
        return cli_fail(&err);
    if (format != NULL) {
        _cleanup_json_ json_t *one = json_pack("[O]", j);
        return print_inspected(format, one);
    }
    print_info(j);
    return 0;
}

const struct cli_cmd cmd_info = {"info", "[OPTIONS]", "Display system-wide information",
                                 "  -f, --format string   Format output using a Go template (docker's Info fields:\n"
                                 "                        .Containers, .Images, .CgroupVersion, .KernelVersion, ...)\n",
                                 cmd_info_run};
