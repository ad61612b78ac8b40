/* skiff - one binary: the docker-compatible engine commands, and the OCI
 * runtime when called as skiff-runc or as `skiff oci ...`. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config.h"
#include "oci-cli/oci_cli.h"
#include "runtime/runtime.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strutil.h"

static const struct cli_cmd *const commands[] = {
    &cmd_run,     &cmd_create,     &cmd_start,   &cmd_stop,          &cmd_restart,
    &cmd_kill,    &cmd_rm,         &cmd_ps,      &cmd_logs,          &cmd_inspect,
    &cmd_exec,    &cmd_wait,       &cmd_attach,  &cmd_pause,         &cmd_unpause,
    &cmd_rename,  &cmd_cp,         &cmd_top,     &cmd_stats,         &cmd_port,
    &cmd_diff,    &cmd_export,     &cmd_events,  &cmd_update,
    &cmd_volume_create, &cmd_volume_ls, &cmd_volume_inspect, &cmd_volume_rm, &cmd_volume_prune,
    &cmd_network_create, &cmd_network_ls, &cmd_network_inspect, &cmd_network_rm, &cmd_network_prune,
    &cmd_network_connect, &cmd_network_disconnect,
    &cmd_container_inspect,        &cmd_container_prune,
    &cmd_images,  &cmd_image_inspect, &cmd_image_history, &cmd_image_prune, &cmd_tag,
    &cmd_rmi,     &cmd_pull,       &cmd_login,   &cmd_logout,        &cmd_save,
    &cmd_load,    &cmd_import,     &cmd_system_df, &cmd_info,    &cmd_serve,
};

/* hidden: not in the usage */
static const struct cli_cmd *const internal[] = {&cmd_monitor};

/* docker's aliases: "image ls" = "images", "image rm" = "rmi", ... */
static const struct {
    const char *alias, *name;
} aliases[] = {
    {"image ls", "images"},    {"image list", "images"}, {"image rm", "rmi"},
    {"image remove", "rmi"},   {"image tag", "tag"},     {"image save", "save"},
    {"image load", "load"},    {"image import", "import"}, {"history", "image history"},
    {"image pull", "pull"},
    {"container ls", "ps"},    {"container list", "ps"},  {"container run", "run"},
    {"container create", "create"}, {"container start", "start"}, {"container stop", "stop"},
    {"container restart", "restart"}, {"container kill", "kill"}, {"container rm", "rm"},
    {"container remove", "rm"}, {"container logs", "logs"}, {"container wait", "wait"},
    {"container attach", "attach"}, {"container pause", "pause"},
    {"container unpause", "unpause"}, {"container rename", "rename"},
    {"container exec", "exec"}, {"container cp", "cp"}, {"container top", "top"},
    {"container stats", "stats"}, {"container port", "port"}, {"container diff", "diff"},
    {"container export", "export"}, {"system events", "events"}, {"system info", "info"},
    {"volume list", "volume ls"}, {"volume remove", "volume rm"},
    {"network list", "network ls"}, {"network remove", "network rm"},
};

struct sk_engine *cli_engine(struct cli *c, sk_error *err)
{
    if (c->engine == NULL) {
        struct sk_engine_opts o = {.root = c->root, .runroot = c->runroot, .insecure = c->insecure,
                                   .log_level = c->log_level, .address_pools = c->pools};
        if (sk_engine_open(&o, &c->engine, err) < 0)
            return NULL;
    }
    return c->engine;
}

struct image_store *cli_store(struct cli *c, sk_error *err)
{
    if (c->store == NULL) {
        struct sk_engine *e = cli_engine(c, err);
        c->store = e ? sk_engine_images(e, err) : NULL;
    }
    return c->store;
}

int cli_fail(const sk_error *err)
{
    fprintf(stderr, "Error: %s\n", err->msg);
    return 1;
}

int cli_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "Error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

int cli_usage(const struct cli_cmd *cmd, bool error)
{
    FILE *f = error ? stderr : stdout;
    fprintf(f, "\nUsage:  skiff %s %s\n\n%s\n", cmd->name, cmd->args, cmd->summary);
    fprintf(f, "\nOptions:\n%s", cmd->help ? cmd->help : "");
    fprintf(f, "  -h, --help            Print usage\n");
    return error ? 125 : 0;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

static void usage(FILE *f)
{
    fprintf(f, "\nUsage:  skiff [OPTIONS] COMMAND\n\n"
               "A fast, small, daemonless container engine.\n\n"
               "Options:\n"
               "      --default-address-pool base=CIDR,size=N\n"
               "                                 Where new networks' subnets come from (repeatable,\n"
               "                                 IPv4 and IPv6; also $SKIFF_DEFAULT_ADDRESS_POOLS,\n"
               "                                 space-separated)\n"
               "      --insecure-registry list   A registry (host[:port]) to reach without TLS\n"
               "                                 checks, and over HTTP if HTTPS fails (repeatable;\n"
               "                                 also $SKIFF_INSECURE_REGISTRIES, comma-separated)\n"
               "      --log-level string         error, warn, info or debug (default \"warn\")\n"
               "      --root string              Persistent state (default \"" SKIFF_DEFAULT_ROOT "\")\n"
               "      --runroot string           Runtime state (default \"" SKIFF_DEFAULT_RUNROOT "\")\n"
               "  -v, --version                  Print version information and quit\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-16s %.*s\n", commands[i]->name, (int)strcspn(commands[i]->summary, "\n"),
                commands[i]->summary);
    fprintf(f, "  %-16s %s\n  %-16s %s\n\nRun 'skiff COMMAND --help' for more information on a "
               "command.\n",
            "oci", "The OCI runtime (runc's command line; also installed as skiff-runc)",
            "version", "Show the skiff version information");
}

/* "image ls x" -> the command for "image ls" and the index of its argv[0]. */
static const struct cli_cmd *find_command(int argc, char **argv, int *at)
{
    char two[64] = "";
    if (*at + 1 < argc)
        snprintf(two, sizeof two, "%s %s", argv[*at], argv[*at + 1]);
    for (int words = 2; words >= 1; words--) {
        const char *name = words == 2 ? two : argv[*at];
        for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
            if (strcmp(aliases[i].alias, name) == 0)
                name = aliases[i].name;
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (*name && strcmp(commands[i]->name, name) == 0) {
                *at += words - 1;
                return commands[i];
            }
    }
    return NULL;
}

/* SKIFF_INSECURE_REGISTRIES="host:5000,other" adds to --insecure-registry;
 * SKIFF_DEFAULT_ADDRESS_POOLS="base=10.10.0.0/16,size=24 base=..." (spaces
 * between pools) is --default-address-pool when that is not given. */
static int options_from_env(struct cli *c)
{
    const char *e = getenv("SKIFF_INSECURE_REGISTRIES");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", e ? e : "");
    for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        if (sk_strv_push(&c->insecure, t) < 0)
            return -1;
    e = getenv("SKIFF_DEFAULT_ADDRESS_POOLS");
    snprintf(buf, sizeof buf, "%s", e && c->pools == NULL ? e : "");
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (sk_strv_push(&c->pools, t) < 0)
            return -1;
    return 0;
}

/* $VAR = the helper binary next to us, else in libexecdir (unless set). */
static void helper_path(const char *var, const char *name)
{
    if (getenv(var) != NULL)
        return;
    char self[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash = n > 0 ? (self[n] = '\0', strrchr(self, '/')) : NULL;
    if (slash != NULL) {
        *slash = '\0';
        snprintf(path, sizeof path, "%s/%s", self, name);
    }
    if (slash == NULL || access(path, X_OK) < 0)
        snprintf(path, sizeof path, "%s/%s", SKIFF_LIBEXECDIR, name);
    setenv(var, path, 0);
}

int main(int argc, char **argv)
{
    /* writes to a closed pipe fail with EPIPE instead of killing us; every
     * process we start gets default dispositions back */
    signal(SIGPIPE, SIG_IGN);
    /* skiff-init, skiff-monitor and skiff-keeper live next to us (a build
     * tree) or in libexecdir; found now, before a sealed re-exec hides
     * where we came from */
    helper_path("SKIFF_INIT_PATH", "skiff-init");
    helper_path("SKIFF_MONITOR_CORE", "skiff-monitor");
    helper_path("SKIFF_KEEPER", "skiff-keeper");
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (strcmp(base, "skiff-runc") == 0 || strcmp(base, "runc") == 0)
        return oci_main(argc, argv, "skiff-runc", argv);

    enum { O_ROOT = 256, O_RUNROOT, O_LOGLEVEL, O_INSECURE, O_POOL };
    static const struct option opts[] = {{"root", required_argument, NULL, O_ROOT},
                                         {"default-address-pool", required_argument, NULL, O_POOL},
                                         {"insecure-registry", required_argument, NULL, O_INSECURE},
                                         {"runroot", required_argument, NULL, O_RUNROOT},
                                         {"log-level", required_argument, NULL, O_LOGLEVEL},
                                         {"version", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    struct cli c = {.root = SKIFF_DEFAULT_ROOT, .runroot = SKIFF_DEFAULT_RUNROOT};
    int o;
    sk_log_set_prog("skiff");
    while ((o = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (o) {
        case O_ROOT:
            c.root = optarg;
            break;
        case O_RUNROOT:
            c.runroot = optarg;
            break;
        case O_INSECURE:
            if (sk_strv_push(&c.insecure, optarg) < 0)
                return cli_failf("out of memory"), 125;
            break;
        case O_POOL:
            if (sk_strv_push(&c.pools, optarg) < 0)
                return cli_failf("out of memory"), 125;
            break;
        case O_LOGLEVEL: {
            int l = sk_log_level_parse(optarg);
            if (l < 0)
                return cli_failf("--log-level: \"%s\" is not error, warn, info or debug", optarg), 125;
            sk_log_set_level((enum sk_log_level)l);
            c.log_level = optarg;
            break;
        }
        case 'v':
            printf("skiff version %s, commit %s\n", SKIFF_VERSION, SKIFF_COMMIT);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 125;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 125;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "version") == 0) {
        if (cli_wants_help(argc - optind, argv + optind)) {
            printf("\nUsage:  skiff version\n\nShow the skiff version information\n");
            return 0;
        }
        printf("skiff version %s, commit %s\n", SKIFF_VERSION, SKIFF_COMMIT);
        return 0;
    }
    if (strcmp(name, "oci") == 0)
        return oci_main(argc - optind, argv + optind, "skiff oci", argv);
    int at = optind;
    const struct cli_cmd *cmd = find_command(argc, argv, &at);
    for (size_t i = 0; cmd == NULL && i < sizeof internal / sizeof internal[0]; i++)
        if (strcmp(internal[i]->name, name) == 0)
            cmd = internal[i];
    if (cmd == &cmd_monitor || cmd == &cmd_exec || cmd == &cmd_serve) {
        /* it clones containers: run from a read-only view of ourselves (CVE-2019-5736) */
        sk_error err;
        if (rt_ensure_sealed(argv, &err) < 0)
            return cli_fail(&err), 125;
    }
    if (cmd == NULL) {
        fprintf(stderr, "skiff: '%s' is not a skiff command.\nSee 'skiff --help'\n", name);
        return 125;
    }
    int cargc = argc - at;
    char **cargv = argv + at;
    /* run and create take a command of their own after the image: they see to --help */
    if (cmd != &cmd_run && cmd != &cmd_create && cmd != &cmd_exec && cli_wants_help(cargc, cargv))
        return cli_usage(cmd, false);
    optind = 0;
    opterr = 1;
    if (options_from_env(&c) < 0)
        return cli_failf("out of memory"), 125;
    int r = cmd->run(&c, cargc, cargv);
    sk_engine_close(c.engine);
    sk_strv_free(c.insecure);
    sk_strv_free(c.pools);
    return r;
}
