/* stop, kill, rm, restart, wait, pause, unpause, rename, ps, inspect, logs,
 * container prune, and the hidden monitor. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "image/image.h"
#include "image/store.h"
#include "runtime/runtime.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/strbuf.h"
#include "util/strutil.h"
#include "util/template.h"
#include "util/timefmt.h"

/* For each container argument: fn; docker prints the argument on success
 * and "Error response from daemon: ..." per failure, exit 1 if any failed. */
static int each(struct cli *c, int argc, char **argv, int first,
                int (*fn)(struct sk_engine *e, const char *ref, void *ud, sk_error *err), void *ud,
                bool print)
{
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int rc = 0;
    for (int i = first; i < argc; i++) {
        if (fn(e, argv[i], ud, &err) < 0) {
            fprintf(stderr, "Error response from daemon: %s\n", err.msg);
            rc = 1;
        } else if (print) {
            printf("%s\n", argv[i]);
        }
    }
    return rc;
}

struct stop_opts {
    int timeout, sig;
};

static int timeout_opt(int argc, char **argv, const struct cli_cmd *cmd, struct stop_opts *so)
{
    int *timeout = &so->timeout;
    so->sig = 0;
    static const struct option opts[] = {{"time", required_argument, NULL, 't'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"signal", required_argument, NULL, 's'},
                                         {0}};
    int o;
    *timeout = -1;
    while ((o = getopt_long(argc, argv, "t:s:", opts, NULL)) != -1) {
        if (o == 't') {
            if (sk_parse_int(optarg, timeout) < 0)
                return cli_failf("invalid argument \"%s\" for \"-t, --time\" flag", optarg), -1;
        } else if (o == 's') {
            if ((so->sig = sk_signal_parse(optarg)) <= 0)
                return cli_failf("invalid signal: %s", optarg), -1;
        } else {
            return cli_usage(cmd, true), -1;
        }
    }
    if (optind >= argc)
        return cli_usage(cmd, true), -1;
    return 0;
}

static int do_stop(struct sk_engine *e, const char *ref, void *ud, sk_error *err)
{
    const struct stop_opts *so = ud;
    return sk_container_stop(e, ref, so->timeout, so->sig, err);
}

static int do_restart(struct sk_engine *e, const char *ref, void *ud, sk_error *err)
{
    return sk_container_restart(e, ref, ((const struct stop_opts *)ud)->timeout, err);
}

static int cmd_stop_run(struct cli *c, int argc, char **argv)
{
    struct stop_opts t;
    if (timeout_opt(argc, argv, &cmd_stop, &t) < 0)
        return 1;
    return each(c, argc, argv, optind, do_stop, &t, true);
}

static int cmd_restart_run(struct cli *c, int argc, char **argv)
{
    struct stop_opts t;
    if (timeout_opt(argc, argv, &cmd_restart, &t) < 0)
        return 1;
    return each(c, argc, argv, optind, do_restart, &t, true);
}

static int do_kill(struct sk_engine *e, const char *ref, void *ud, sk_error *err)
{
    return sk_container_kill(e, ref, *(int *)ud, err);
}

static int cmd_kill_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"signal", required_argument, NULL, 's'}, {0}};
    int sig = SIGKILL, o;
    while ((o = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
        if (o != 's')
            return cli_usage(&cmd_kill, true);
        if ((sig = sk_signal_parse(optarg)) <= 0)
            return cli_failf("invalid signal: %s", optarg);
    }
    if (optind >= argc)
        return cli_usage(&cmd_kill, true);
    return each(c, argc, argv, optind, do_kill, &sig, true);
}

struct rm_opts {
    bool force, volumes;
};

static int do_rm(struct sk_engine *e, const char *ref, void *ud, sk_error *err)
{
    struct rm_opts *r = ud;
    return sk_container_remove(e, ref, r->force, r->volumes, err);
}

static int cmd_rm_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"volumes", no_argument, NULL, 'v'},
                                         {"link", no_argument, NULL, 'l'},
                                         {0}};
    struct rm_opts r = {0};
    int o;
    while ((o = getopt_long(argc, argv, "fvl", opts, NULL)) != -1) {
        if (o == 'f')
            r.force = true;
        else if (o == 'v')
            r.volumes = true;
        else if (o != 'l')
            return cli_usage(&cmd_rm, true);
    }
    if (optind >= argc)
        return cli_usage(&cmd_rm, true);
    return each(c, argc, argv, optind, do_rm, &r, true);
}

static int do_pause(struct sk_engine *e, const char *ref, void *ud, sk_error *err)
{
    return ud ? sk_container_pause(e, ref, err) : sk_container_unpause(e, ref, err);
}

static int cmd_pause_run(struct cli *c, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(&cmd_pause, true);
    return each(c, argc, argv, 1, do_pause, (void *)1, true);
}

static int cmd_unpause_run(struct cli *c, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(&cmd_unpause, true);
    return each(c, argc, argv, 1, do_pause, NULL, true);
}

static int cmd_rename_run(struct cli *c, int argc, char **argv)
{
    if (argc != 3)
        return cli_usage(&cmd_rename, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL || sk_container_rename(e, argv[1], argv[2], &err) < 0)
        return cli_fail(&err);
    return 0;
}

static int cmd_wait_run(struct cli *c, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(&cmd_wait, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct sk_exit ex;
        if (sk_container_wait(e, argv[i], "not-running", &ex, &err) < 0) {
            fprintf(stderr, "Error response from daemon: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%d\n", ex.code);
            fflush(stdout);
        }
    }
    return rc;
}

/* ---- ps ------------------------------------------------------------------------------------ */

static void trunc_cmd(const char *cmd, bool no_trunc, char *out, size_t cap)
{
    if (no_trunc || strlen(cmd) <= 20) {
        snprintf(out, cap, "\"%s\"", cmd);
        return;
    }
    snprintf(out, cap, "\"%.19s…\"", cmd);
}

static void ps_row_fields(json_t *row, bool no_trunc)
{
    char buf[4096];
    const char *id = json_string_value(json_object_get(row, "Id"));
    json_object_set_new(row, "ID", json_string(no_trunc ? id : (snprintf(buf, 13, "%s", id), buf)));
    trunc_cmd(json_string_value(json_object_get(row, "Command")), no_trunc, buf, sizeof buf);
    json_object_set_new(row, "Command", json_string(buf));
    time_t created = (time_t)json_integer_value(json_object_get(row, "Created"));
    human_since(created, buf, sizeof buf);
    json_object_set_new(row, "RunningFor", json_string(buf));
    struct tm tm;
    localtime_r(&created, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
    json_object_set_new(row, "CreatedAt", json_string(buf));
    const char *n = json_string_value(json_array_get(json_object_get(row, "Names"), 0));
    json_object_set_new(row, "Names", json_string(n && n[0] == '/' ? n + 1 : n ? n : ""));
    /* "0.0.0.0:8080->80/tcp, 443/tcp" */
    struct strbuf pb = {0};
    size_t pi;
    json_t *pv;
    json_array_foreach(json_object_get(row, "Ports"), pi, pv)
    {
        const char *ip = json_string_value(json_object_get(pv, "IP"));
        json_int_t pub = json_integer_value(json_object_get(pv, "PublicPort"));
        if (pb.len)
            sb_puts(&pb, ", ");
        if (ip != NULL && pub > 0) /* an IPv6 address in brackets, as docker's CLI */
            sb_printf(&pb, strchr(ip, ':') ? "[%s]:%lld->" : "%s:%lld->", ip, (long long)pub);
        sb_printf(&pb, "%lld/%s", (long long)json_integer_value(json_object_get(pv, "PrivatePort")),
                  json_string_value(json_object_get(pv, "Type")) ?: "tcp");
    }
    json_object_set_new(row, "Ports", json_string(pb.s ? pb.s : ""));
    sb_free(&pb);
    struct strbuf nb = {0};
    const char *nk;
    json_object_foreach(json_object_get(json_object_get(row, "NetworkSettings"), "Networks"), nk, pv)
    {
        if (nb.len)
            sb_puts(&nb, ",");
        sb_puts(&nb, nk);
    }
    json_object_set_new(row, "Networks", json_string(nb.s ? nb.s : json_string_value(json_object_get(
                                                         json_object_get(row, "HostConfig"), "NetworkMode")) ?: ""));
    sb_free(&nb);
    row_labels(row);
    /* .Mounts: volume names or sources, cut at 15 unless --no-trunc; .LocalVolumes */
    struct strbuf mb = {0};
    int nvol = 0;
    json_array_foreach(json_object_get(row, "Mounts"), pi, pv)
    {
        const char *name = json_string_value(json_object_get(pv, "Name"));
        if (name == NULL || !*name)
            name = json_string_value(json_object_get(pv, "Source")) ?: "";
        nvol += sk_streq(json_string_value(json_object_get(pv, "Type")), "volume");
        if (mb.len)
            sb_puts(&mb, ",");
        if (!no_trunc && strlen(name) > 15)
            sb_printf(&mb, "%.14s…", name);
        else
            sb_puts(&mb, name);
    }
    json_object_set_new(row, "Mounts", json_string(mb.s ? mb.s : ""));
    json_object_set_new(row, "LocalVolumes", json_integer(nvol));
    sb_free(&mb);
    if (!no_trunc) {
        const char *img = json_string_value(json_object_get(row, "Image"));
        if (img && strncmp(img, "sha256:", 7) == 0) {
            snprintf(buf, 13, "%s", img + 7);
            json_object_set_new(row, "Image", json_string(buf));
        }
    }
}

static int cmd_ps_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"no-trunc", no_argument, NULL, 'T'},
                                         {"filter", required_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {"last", required_argument, NULL, 'n'},
                                         {"latest", no_argument, NULL, 'l'},
                                         {"size", no_argument, NULL, 's'},
                                         {0}};
    bool all = false, quiet = false, no_trunc = false, size = false;
    const char *format = NULL;
    long last = -1;
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "aqf:n:ls", opts, NULL)) != -1) {
        switch (o) {
        case 'a': all = true; break;
        case 'q': quiet = true; break;
        case 'T': no_trunc = true; break;
        case 'F': format = optarg; break;
        case 'n': last = strtol(optarg, NULL, 10); all = true; break;
        case 'l': last = 1; all = true; break;
        case 's': size = true; break;
        case 'f': {
            if (cli_add_filter(filters, optarg, sk_container_filter_kinds) < 0)
                return 1;
            if (!strncmp(optarg, "status=", 7) || !strncmp(optarg, "exited=", 7))
                all = true;
            break;
        }
        default: return cli_usage(&cmd_ps, true);
        }
    }
    if (optind != argc)
        return cli_usage(&cmd_ps, true);
    if (format != NULL && strstr(format, ".Size") != NULL) /* as docker's CLI: the column asks */
        size = true;
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *rows = NULL;
    if (e == NULL || sk_container_list(e, all, &rows, &err) < 0)
        return cli_fail(&err);
    _cleanup_json_ json_t *shown = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (last >= 0 && (long)json_array_size(shown) >= last)
            break;
        if (sk_container_matches(e, row, filters, NULL))
            json_array_append(shown, row);
    }
    if (quiet && format == NULL) {
        json_array_foreach(shown, i, row)
        {
            const char *id = json_string_value(json_object_get(row, "Id"));
            printf("%.*s\n", no_trunc ? 64 : 12, id);
        }
        return 0;
    }
    json_array_foreach(shown, i, row)
    {
        ps_row_fields(row, no_trunc);
        int64_t rw, rootfs;
        if (size && sk_container_size(e, json_string_value(json_object_get(row, "Id")), &rw, &rootfs, NULL) == 0) {
            char a[32], b[32], both[80]; /* "2B (virtual 1.98MB)" */
            human_size((uint64_t)rw, a, sizeof a);
            human_size((uint64_t)rootfs, b, sizeof b);
            snprintf(both, sizeof both, "%s (virtual %s)", a, b);
            json_object_set_new(row, "Size", json_string(both));
        }
    }
    static const char *const headers[][2] = {
        {"ID", "CONTAINER ID"}, {"Image", "IMAGE"},      {"Command", "COMMAND"},
        {"RunningFor", "CREATED"}, {"Status", "STATUS"}, {"Ports", "PORTS"},
        {"Names", "NAMES"},     {"CreatedAt", "CREATED AT"}, {"Labels", "LABELS"},
        {"State", "STATE"},     {"Networks", "NETWORKS"}, {"Mounts", "MOUNTS"},
        {"Size", "SIZE"},       {"LocalVolumes", "LOCAL VOLUMES"}, {"Label", "LABEL"}, {NULL, NULL}};
    if (format == NULL)
        format = size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
                      : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
    if (print_formatted(format, shown, headers, &err) < 0)
        return cli_fail(&err);
    return 0;
}

/* ---- inspect ------------------------------------------------------------------------------- */

static int inspect_any(struct cli *c, int argc, char **argv, const char *type,
                       const struct cli_cmd *cmd)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"type", required_argument, NULL, 't'},
                                         {"size", no_argument, NULL, 's'},
                                         {0}};
    const char *format = NULL;
    bool size = false;
    int o;
    while ((o = getopt_long(argc, argv, "f:s", opts, NULL)) != -1) {
        if (o == 'f')
            format = optarg;
        else if (o == 't')
            type = optarg;
        else if (o == 's')
            size = true;
        else
            return cli_usage(cmd, true);
    }
    if (optind >= argc)
        return cli_usage(cmd, true);
    if (type && strcmp(type, "container") && strcmp(type, "image"))
        return cli_failf("\"%s\" is not a valid value for --type", type);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    _cleanup_json_ json_t *out = json_array();
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        json_t *j = NULL;
        if (type == NULL || strcmp(type, "container") == 0) {
            if (sk_container_inspect(e, argv[i], &j, NULL) == 0) {
                int64_t rw, rootfs;
                if (size && sk_container_size(e, argv[i], &rw, &rootfs, NULL) == 0) {
                    json_object_set_new(j, "SizeRw", json_integer(rw));
                    json_object_set_new(j, "SizeRootFs", json_integer(rootfs));
                }
                json_array_append_new(out, j);
                continue;
            }
        }
        if (type == NULL || strcmp(type, "image") == 0) {
            struct image_store *s = sk_engine_images(e, NULL);
            char id[72];
            if (s != NULL && store_resolve(s, argv[i], id, NULL) == 0 &&
                (j = image_inspect(s, id, NULL)) != NULL) {
                json_array_append_new(out, j);
                continue;
            }
        }
        fprintf(stderr, "Error: No such %s: %s\n", type ? type : "object", argv[i]);
        rc = 1;
    }
    return print_inspected(format, out) ? 1 : rc;
}

static int cmd_inspect_run(struct cli *c, int argc, char **argv)
{
    return inspect_any(c, argc, argv, NULL, &cmd_inspect);
}

static int cmd_container_inspect_run(struct cli *c, int argc, char **argv)
{
    return inspect_any(c, argc, argv, "container", &cmd_container_inspect);
}

/* ---- logs ------------------------------------------------------------------------------------ */

struct log_out {
    bool timestamps;
};

static int log_sink(void *ud, int stream, const char *time, const char *data, size_t len)
{
    struct log_out *lo = ud;
    FILE *f = stream == 2 ? stderr : stdout;
    if (lo->timestamps)
        fprintf(f, "%s ", time);
    if (fwrite(data, 1, len, f) != len)
        return -1;
    fflush(f);
    return 0;
}

static int cmd_logs_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"follow", no_argument, NULL, 'f'},
                                         {"tail", required_argument, NULL, 'n'},
                                         {"since", required_argument, NULL, 's'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"timestamps", no_argument, NULL, 't'},
                                         {"details", no_argument, NULL, 'd'},
                                         {0}};
    struct sk_logs_opts lo = {.stdout_ = true, .stderr_ = true, .tail = -1};
    struct log_out out = {0};
    int64_t now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    int o;
    while ((o = getopt_long(argc, argv, "fn:t", opts, NULL)) != -1) {
        switch (o) {
        case 'f': lo.follow = true; break;
        case 't': out.timestamps = true; break;
        case 'd': break;
        case 'n':
            if (strcmp(optarg, "all") == 0)
                lo.tail = -1;
            else if (sk_parse_i64(optarg, (int64_t *)&lo.tail) < 0)
                return cli_failf("invalid value for --tail: %s", optarg);
            break;
        case 's': case 'u': {
            int64_t t = sk_parse_since(optarg, now);
            if (t < 0)
                return cli_failf("invalid value for \"--%s\": %s", o == 's' ? "since" : "until", optarg);
            if (o == 's')
                lo.since = t;
            else
                lo.until = t;
            break;
        }
        default: return cli_usage(&cmd_logs, true);
        }
    }
    if (optind != argc - 1)
        return cli_usage(&cmd_logs, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL || sk_container_logs(e, argv[optind], &lo, log_sink, &out, &err) < 0)
        return cli_fail(&err);
    return 0;
}

/* ---- prune --------------------------------------------------------------------------------- */

static int cmd_container_prune_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"filter", required_argument, NULL, 'F'},
                                         {0}};
    bool force = false;
    _cleanup_json_ json_t *filters = json_object();
    static const char *const kinds[] = {"label", "label!", "until", NULL};
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (o == 'f')
            force = true;
        else if (o == 'F') {
            if (cli_add_filter(filters, optarg, kinds) < 0)
                return 1;
        } else
            return cli_usage(&cmd_container_prune, true);
    }
    if (!force) {
        fprintf(stderr, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
        char ans[16] = "";
        if (fgets(ans, sizeof ans, stdin) == NULL || (ans[0] != 'y' && ans[0] != 'Y'))
            return 0;
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *deleted = NULL;
    if (e == NULL || sk_container_prune(e, filters, &deleted, &err) < 0)
        return cli_fail(&err);
    bool any = json_array_size(deleted) > 0;
    size_t i;
    json_t *id;
    if (any)
        printf("Deleted Containers:\n");
    json_array_foreach(deleted, i, id) printf("%s\n", json_string_value(id));
    printf("%sTotal reclaimed space: 0B\n", any ? "\n" : "");
    return 0;
}

/* ---- monitor (internal) --------------------------------------------------------------------- */

static int cmd_monitor_run(struct cli *c, int argc, char **argv)
{
    int flags = 0;
    if (argc > 2 && strcmp(argv[1], "--attach-wait") == 0)
        flags = SK_MONITOR_ATTACH_WAIT;
    else if (argc > 2 && strcmp(argv[1], "--resume") == 0)
        flags = SK_MONITOR_RESUME;
    else if (argc > 2 && strcmp(argv[1], "--health-check") == 0)
        flags = SK_MONITOR_HEALTH_CHECK;
    else if (argc > 2 && strcmp(argv[1], "--dns") == 0)
        flags = SK_MONITOR_DNS;
    if (argc != (flags ? 3 : 2))
        return cli_usage(&cmd_monitor, true);
    struct sk_engine_opts o = {.root = c->root, .runroot = c->runroot, .insecure = c->insecure,
                               .log_level = c->log_level};
    return sk_monitor_main(&o, argv[flags ? 2 : 1], 3, flags);
}

const struct cli_cmd cmd_stop = {"stop", "[OPTIONS] CONTAINER [CONTAINER...]",
                                 "Stop one or more running containers",
                                 "  -s, --signal string   Signal to send to the container\n"
                                 "  -t, --time int        Seconds to wait before killing the container\n",
                                 cmd_stop_run};
const struct cli_cmd cmd_restart = {"restart", "[OPTIONS] CONTAINER [CONTAINER...]",
                                    "Restart one or more containers",
                                    "  -t, --time int        Seconds to wait before killing the container\n",
                                    cmd_restart_run};
const struct cli_cmd cmd_kill = {"kill", "[OPTIONS] CONTAINER [CONTAINER...]",
                                 "Kill one or more running containers",
                                 "  -s, --signal string   Signal to send to the container (default \"KILL\")\n",
                                 cmd_kill_run};
const struct cli_cmd cmd_rm = {"rm", "[OPTIONS] CONTAINER [CONTAINER...]",
                               "Remove one or more containers",
                               "  -f, --force     Force the removal of a running container (uses SIGKILL)\n"
                               "  -v, --volumes   Remove anonymous volumes associated with the container\n",
                               cmd_rm_run};
const struct cli_cmd cmd_wait = {"wait", "CONTAINER [CONTAINER...]",
                                 "Block until one or more containers stop, then print their exit codes",
                                 "", cmd_wait_run};
const struct cli_cmd cmd_pause = {"pause", "CONTAINER [CONTAINER...]",
                                  "Pause all processes within one or more containers", "",
                                  cmd_pause_run};
const struct cli_cmd cmd_unpause = {"unpause", "CONTAINER [CONTAINER...]",
                                    "Unpause all processes within one or more containers", "",
                                    cmd_unpause_run};
const struct cli_cmd cmd_rename = {"rename", "CONTAINER NEW_NAME", "Rename a container", "",
                                   cmd_rename_run};
const struct cli_cmd cmd_ps = {
    "ps", "[OPTIONS]", "List containers",
    "  -a, --all             Show all containers (default shows just running)\n"
    "  -f, --filter filter   Filter output (status=, name=, id=, label=, ancestor=, exited=, health=,\n"
    "                        network=, volume=, before=, since=)\n"
    "      --format string   Format output using a Go template (\"table ...\" for a table)\n"
    "  -n, --last int        Show n last created containers (includes all states)\n"
    "  -l, --latest          Show the latest created container (includes all states)\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only display container IDs\n"
    "  -s, --size            Display total file sizes (what each wrote, with its image's: virtual)\n",
    cmd_ps_run};
const struct cli_cmd cmd_inspect = {"inspect", "[OPTIONS] NAME|ID [NAME|ID...]",
                                    "Return low-level information on containers and images",
                                    "  -f, --format string   Format output using a Go template\n"
                                    "  -s, --size            Display total file sizes if the type is container\n"
                                    "      --type string     Return JSON for specified type (container, image)\n",
                                    cmd_inspect_run};
const struct cli_cmd cmd_container_inspect = {
    "container inspect", "[OPTIONS] CONTAINER [CONTAINER...]",
    "Display detailed information on one or more containers",
    "  -f, --format string   Format output using a Go template\n"
    "  -s, --size            Display total file sizes\n",
    cmd_container_inspect_run};
const struct cli_cmd cmd_logs = {
    "logs", "[OPTIONS] CONTAINER", "Fetch the logs of a container",
    "  -f, --follow         Follow log output\n"
    "      --since string   Show logs since timestamp or relative (e.g. 42m for 42 minutes)\n"
    "  -n, --tail string    Number of lines to show from the end of the logs (default \"all\")\n"
    "  -t, --timestamps     Show timestamps\n"
    "      --until string   Show logs before a timestamp or relative (e.g. 42m for 42 minutes)\n",
    cmd_logs_run};
const struct cli_cmd cmd_container_prune = {"container prune", "[OPTIONS]",
                                            "Remove all stopped containers",
                                            "      --filter filter   Provide filter values (label=K[=V], label!=K[=V], until=TIME)\n"
                                            "  -f, --force           Do not prompt for confirmation\n",
                                            cmd_container_prune_run};
const struct cli_cmd cmd_monitor = {"monitor", "[--attach-wait|--resume|--health-check|--dns] ID",
                                    "(internal) The monitor of one container", "", cmd_monitor_run};

/* ---- exec ------------------------------------------------------------------------------------ */

static int cmd_exec_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"detach", no_argument, NULL, 'd'},
                                         {"interactive", no_argument, NULL, 'i'},
                                         {"tty", no_argument, NULL, 't'},
                                         {"env", required_argument, NULL, 'e'},
                                         {"env-file", required_argument, NULL, 'E'},
                                         {"workdir", required_argument, NULL, 'w'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"privileged", no_argument, NULL, 'P'},
                                         {"detach-keys", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'H'},
                                         {0}};
    struct sk_exec_opts xo = {0};
    _cleanup_strv_ char **env = NULL;
    bool interactive = false;
    int o;
    while ((o = getopt_long(argc, argv, "+dite:w:u:", opts, NULL)) != -1) {
        switch (o) {
        case 'd': xo.detach = true; break;
        case 'i': interactive = true; break;
        case 't': xo.tty = true; break;
        case 'e':
            if (strchr(optarg, '=') != NULL) {
                sk_strv_push(&env, optarg);
            } else if (getenv(optarg) != NULL) {
                char *kv = sk_strdup_printf("%s=%s", optarg, getenv(optarg));
                sk_strv_push(&env, kv);
                free(kv);
            }
            break;
        case 'E': {
            _cleanup_fclose_ FILE *f = fopen(optarg, "re");
            char line[8192];
            if (f == NULL)
                return cli_failf("open %s: %s", optarg, strerror(errno));
            while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\r\n")] = '\0';
                if (line[0] && line[0] != '#')
                    sk_strv_push(&env, line);
            }
            break;
        }
        case 'w': xo.workdir = optarg; break;
        case 'u': xo.user = optarg; break;
        case 'P': xo.privileged = true; break;
        case 'k': break;
        case 'H': return cli_usage(&cmd_exec, false);
        default: return cli_usage(&cmd_exec, true);
        }
    }
    if (argc - optind < 2)
        return cli_failf("\"skiff exec\" requires at least 2 arguments."), 1;
    if (xo.tty && interactive && !isatty(0))
        return cli_failf("the input device is not a TTY"), 1;
    xo.cmd = argv + optind + 1;
    xo.env = env;
    if (!interactive || xo.detach) { /* docker: no stdin unless -i */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0);
            close(null);
        }
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    int status = 0;
    if (e == NULL || sk_container_exec(e, argv[optind], &xo, &status, &err) < 0) {
        fprintf(stderr, "Error response from daemon: %s\n", err.msg);
        return strstr(err.msg, "executable file not found") || strstr(err.msg, "No such file") ? 127
               : strstr(err.msg, "ermission denied") ? 126 : 1;
    }
    return status;
}

const struct cli_cmd cmd_exec = {
    "exec", "[OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container",
    "  -d, --detach               Detached mode: run command in the background\n"
    "  -e, --env list             Set environment variables\n"
    "      --env-file list        Read in a file of environment variables\n"
    "  -i, --interactive          Keep STDIN open even if not attached\n"
    "      --privileged           Give extended privileges to the command\n"
    "  -t, --tty                  Allocate a pseudo-TTY\n"
    "  -u, --user string          Username or UID (format: \"<name|uid>[:<group|gid>]\")\n"
    "  -w, --workdir string       Working directory inside the container\n",
    cmd_exec_run};

/* ---- cp ------------------------------------------------------------------------------------ */

/* "name:/path" -> name and path; a local path has a '/' (or nothing) before any ':'. */
static bool container_spec(const char *arg, char *name, size_t cap, const char **path)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || colon == arg)
        return false;
    const char *slash = strchr(arg, '/');
    if (slash != NULL && slash < colon)
        return false;
    snprintf(name, cap, "%.*s", (int)(colon - arg), arg);
    *path = colon + 1;
    return true;
}

static int cmd_cp_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"archive", no_argument, NULL, 'a'},
                                         {"follow-link", no_argument, NULL, 'L'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {0}};
    bool archive = false, follow = false;
    int o;
    while ((o = getopt_long(argc, argv, "aLq", opts, NULL)) != -1)
        if (o == 'a')
            archive = true;
        else if (o == 'L')
            follow = true;
        else if (o != 'q')
            return cli_usage(&cmd_cp, true);
    if (argc - optind != 2)
        return cli_usage(&cmd_cp, true);
    const char *src = argv[optind], *dst = argv[optind + 1], *spath, *dpath;
    char sname[256], dname[256];
    bool from = container_spec(src, sname, sizeof sname, &spath);
    bool to = container_spec(dst, dname, sizeof dname, &dpath);
    if (from == to)
        return cli_failf(from ? "copying between containers is not supported"
                              : "must specify at least one container source");
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int r;
    if (from && strcmp(dst, "-") == 0)
        r = sk_container_archive(e, sname, *spath ? spath : "/", 1, &err);
    else if (from)
        r = sk_container_copy_from(e, sname, *spath ? spath : "/", dst, archive, follow, &err);
    else if (strcmp(src, "-") == 0)
        r = sk_container_extract(e, dname, *dpath ? dpath : "/", 0, archive, &err);
    else
        r = sk_container_copy_to(e, dname, src, *dpath ? dpath : "/", archive, follow, &err);
    return r < 0 ? cli_fail(&err) : 0;
}

const struct cli_cmd cmd_cp = {
    "cp", "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tskiff cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    "Copy files/folders between a container and the local filesystem\n\n"
    "Use '-' as the source to read a tar archive from stdin and extract it to a directory\n"
    "destination in a container. Use '-' as the destination to stream a tar archive of a\n"
    "container source to stdout.",
    "  -a, --archive       Archive mode (copy all uid/gid information)\n"
    "  -L, --follow-link   Always follow symbol link in SRC_PATH\n",
    cmd_cp_run};
