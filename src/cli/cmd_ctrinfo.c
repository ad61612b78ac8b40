/* top, stats, port, diff, export */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/template.h"
#include "util/timefmt.h"

static int cmd_top_run(struct cli *c, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(&cmd_top, true);
    char args[512] = "";
    for (int i = 2; i < argc; i++)
        snprintf(args + strlen(args), sizeof args - strlen(args), "%s%s", i > 2 ? " " : "", argv[i]);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *top = NULL;
    if (e == NULL || sk_container_top(e, argv[1], args[0] ? args : NULL, &top, &err) < 0)
        return cli_fail(&err);
    json_t *titles = json_object_get(top, "Titles");
    struct table t;
    table_init(&t, json_array_size(titles));
    char *cells[64];
    size_t n = json_array_size(titles) < 64 ? json_array_size(titles) : 64;
    for (size_t i = 0; i < n; i++)
        cells[i] = (char *)json_string_value(json_array_get(titles, i));
    table_add_row(&t, cells, n);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(top, "Processes"), i, row)
    {
        for (size_t k = 0; k < n; k++)
            cells[k] = (char *)json_string_value(json_array_get(row, k));
        table_add_row(&t, cells, n);
    }
    table_print(&t);
    table_free(&t);
    return 0;
}

/* ---- stats -------------------------------------------------------------------------------- */

static uint64_t u64(json_t *o, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return (uint64_t)json_integer_value(v);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmd_stats_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"no-stream", no_argument, NULL, 'n'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"no-trunc", no_argument, NULL, 'T'},
                                         {"format", required_argument, NULL, 'f'},
                                         {0}};
    bool no_stream = false, no_trunc = false;
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
        if (o == 'n')
            no_stream = true;
        else if (o == 'T')
            no_trunc = true;
        else if (o == 'f')
            format = optarg;
        else if (o != 'a')
            return cli_usage(&cmd_stats, true);
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    _cleanup_json_ json_t *refs = json_array();
    if (optind < argc) {
        for (int i = optind; i < argc; i++)
            json_array_append_new(refs, json_string(argv[i]));
    } else {
        _cleanup_json_ json_t *list = NULL;
        if (sk_container_list(e, false, &list, &err) < 0)
            return cli_fail(&err);
        size_t i;
        json_t *r;
        json_array_foreach(list, i, r) json_array_append(refs, json_object_get(r, "Id"));
    }
    do {
        /* two samples a second apart: CPU % is the usage between them */
        size_t n = json_array_size(refs), i;
        json_t *first = json_array(), *rows = json_array();
        int64_t t0 = now_ns();
        for (i = 0; i < n; i++) {
            json_t *s = NULL;
            if (sk_container_stats(e, json_string_value(json_array_get(refs, i)), &s, &err) < 0) {
                json_decref(first);
                json_decref(rows);
                return cli_fail(&err);
            }
            json_array_append_new(first, s);
        }
        sleep(1);
        int64_t dt = now_ns() - t0;
        for (i = 0; i < n; i++) {
            json_t *a = json_array_get(first, i), *b = NULL;
            if (sk_container_stats(e, json_string_value(json_array_get(refs, i)), &b, NULL) < 0)
                b = json_incref(a);
            double cpu = 100.0 * (double)(u64(b, "cpu_stats", "cpu_usage", "total_usage") -
                                          u64(a, "cpu_stats", "cpu_usage", "total_usage")) /
                         (double)dt;
            uint64_t mem = u64(b, "memory_stats", "usage", NULL), lim = u64(b, "memory_stats", "limit", NULL);
            char id[65], cpus[32], memu[32], meml[32], memp[32], rx[32], tx[32], pids[32], usage[80], net[80];
            snprintf(id, sizeof id, "%.*s", no_trunc ? 64 : 12, json_string_value(json_object_get(b, "id")));
            snprintf(cpus, sizeof cpus, "%.2f%%", cpu < 0 ? 0 : cpu);
            human_size_binary(mem, memu, sizeof memu);
            human_size_binary(lim, meml, sizeof meml);
            snprintf(memp, sizeof memp, "%.2f%%", lim ? 100.0 * (double)mem / (double)lim : 0.0);
            human_size(u64(b, "networks", "eth0", "rx_bytes"), rx, sizeof rx);
            human_size(u64(b, "networks", "eth0", "tx_bytes"), tx, sizeof tx);
            snprintf(pids, sizeof pids, "%llu", (unsigned long long)u64(b, "pids_stats", "current", NULL));
            snprintf(usage, sizeof usage, "%s / %s", memu, meml);
            snprintf(net, sizeof net, "%s / %s", rx, tx);
            uint64_t io[2] = {0, 0}; /* read, write */
            json_t *dev;
            size_t k;
            json_array_foreach(json_object_get(json_object_get(b, "blkio_stats"), "io_service_bytes_recursive"), k, dev)
                io[strcmp(json_string_value(json_object_get(dev, "op")) ?: "", "write") == 0] +=
                    (uint64_t)json_integer_value(json_object_get(dev, "value"));
            char ior[32], iow[32], block[80];
            human_size(io[0], ior, sizeof ior);
            human_size(io[1], iow, sizeof iow);
            snprintf(block, sizeof block, "%s / %s", ior, iow);
            const char *name = json_string_value(json_object_get(b, "name"));
            json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                                                  id, "Container", id, "Name",
                                                  name && name[0] == '/' ? name + 1 : name ? name : "",
                                                  "CPUPerc", cpus, "MemUsage", usage, "MemPerc", memp,
                                                  "NetIO", net, "BlockIO", block));
            json_object_set_new(json_array_get(rows, json_array_size(rows) - 1), "PIDs", json_string(pids));
            json_decref(b);
        }
        static const char *const headers[][2] = {
            {"ID", "CONTAINER ID"}, {"Container", "CONTAINER"}, {"Name", "NAME"},
            {"CPUPerc", "CPU %"},   {"MemUsage", "MEM USAGE / LIMIT"}, {"MemPerc", "MEM %"},
            {"NetIO", "NET I/O"},   {"BlockIO", "BLOCK I/O"}, {"PIDs", "PIDS"},
            {NULL, NULL}};
        int r = print_formatted(format ? format
                                       : "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
                                rows, headers, &err);
        json_decref(first);
        json_decref(rows);
        if (r < 0)
            return cli_fail(&err);
        fflush(stdout);
    } while (!no_stream);
    return 0;
}

/* ---- port, diff, export ---------------------------------------------------------------------- */

static int cmd_port_run(struct cli *c, int argc, char **argv)
{
    if (argc < 2 || argc > 3)
        return cli_usage(&cmd_port, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *info = NULL;
    if (e == NULL || sk_container_inspect(e, argv[1], &info, &err) < 0)
        return cli_fail(&err);
    json_t *ports = json_object_get(json_object_get(info, "NetworkSettings"), "Ports");
    char want[64] = "";
    if (argc == 3)
        snprintf(want, sizeof want, "%s%s", argv[2], strchr(argv[2], '/') ? "" : "/tcp");
    bool any = false;
    const char *k;
    json_t *list;
    json_object_foreach(ports, k, list)
    {
        if (*want && strcmp(k, want) != 0)
            continue;
        size_t i;
        json_t *b;
        json_array_foreach(list, i, b)
        {
            const char *ip = json_string_value(json_object_get(b, "HostIp"));
            const char *hp = json_string_value(json_object_get(b, "HostPort"));
            ip = ip && *ip ? ip : "0.0.0.0";
            const char *fmt = strchr(ip, ':') ? "[%s]:%s\n" : "%s:%s\n"; /* docker's CLI: [::]:8080 */
            if (!*want)
                printf("%s -> ", k);
            printf(fmt, ip, hp ? hp : "");
            any = true;
        }
    }
    if (*want && !any)
        return cli_failf("No public port '%s' published for %s", want, argv[1]);
    return 0;
}

static int cmd_diff_run(struct cli *c, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage(&cmd_diff, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *ch = NULL;
    if (e == NULL || sk_container_changes(e, argv[1], &ch, &err) < 0)
        return cli_fail(&err);
    size_t i;
    json_t *v;
    json_array_foreach(ch, i, v)
    {
        static const char kinds[] = "CAD";
        int k = (int)json_integer_value(json_object_get(v, "Kind"));
        printf("%c %s\n", kinds[k >= 0 && k < 3 ? k : 0], json_string_value(json_object_get(v, "Path")));
    }
    return 0;
}

static int cmd_export_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'}, {0}};
    const char *output = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (o != 'o')
            return cli_usage(&cmd_export, true);
        output = optarg;
    }
    if (optind != argc - 1)
        return cli_usage(&cmd_export, true);
    if (output == NULL && isatty(1))
        return cli_failf("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int fd = 1;
    char tmp[4200];
    if (output != NULL) {
        snprintf(tmp, sizeof tmp, "%s.tmp%d", output, (int)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return cli_failf("failed to export to %s: %s", output, strerror(errno));
    }
    int r = sk_container_export(e, argv[optind], fd, &err);
    if (output != NULL) {
        close(fd);
        if (r == 0 && rename(tmp, output) < 0)
            r = sk_err(&err, errno, "failed to export to %s", output);
        if (r < 0)
            unlink(tmp);
    }
    return r < 0 ? cli_fail(&err) : 0;
}

const struct cli_cmd cmd_top = {"top", "CONTAINER [ps OPTIONS]",
                                "Display the running processes of a container", "", cmd_top_run};
const struct cli_cmd cmd_stats = {
    "stats", "[OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics",
    "      --format string   Format output using a Go template\n"
    "      --no-stream       Disable streaming stats and only pull the first result\n"
    "      --no-trunc        Do not truncate output\n",
    cmd_stats_run};
const struct cli_cmd cmd_port = {"port", "CONTAINER [PRIVATE_PORT[/PROTO]]",
                                 "List port mappings or a specific mapping for the container", "",
                                 cmd_port_run};
const struct cli_cmd cmd_diff = {"diff", "CONTAINER",
                                 "Inspect changes to files or directories on a container's filesystem",
                                 "", cmd_diff_run};
const struct cli_cmd cmd_export = {"export", "[OPTIONS] CONTAINER",
                                   "Export a container's filesystem as a tar archive",
                                   "  -o, --output string   Write to a file, instead of STDOUT\n",
                                   cmd_export_run};

/* ---- events ----------------------------------------------------------------------------------- */

struct ev_out {
    const char *format;
};

static int print_event(void *ud, json_t *ev)
{
    struct ev_out *o = ud;
    if (o->format != NULL) {
        char *s = NULL;
        sk_error err;
        if (tmpl_render(o->format, ev, &s, &err) < 0) {
            fprintf(stderr, "Error: %s\n", err.msg);
            return -1;
        }
        printf("%s\n", s);
        free(s);
        fflush(stdout);
        return 0;
    }
    int64_t ns = (int64_t)json_integer_value(json_object_get(ev, "timeNano"));
    time_t sec = (time_t)(ns / 1000000000LL);
    struct tm tm;
    localtime_r(&sec, &tm);
    char t[64], off[8];
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(off, sizeof off, "%z", &tm);
    json_t *actor = json_object_get(ev, "Actor");
    json_t *attrs = json_object_get(actor, "Attributes");
    /* attributes sorted by key, as docker prints them */
    size_t n;
    const char **keys = sk_json_sorted_keys(attrs, &n);
    printf("%s.%09lld%.3s:%s %s %s %s", t, (long long)(ns % 1000000000LL), off, off + 3,
           json_string_value(json_object_get(ev, "Type")), json_string_value(json_object_get(ev, "Action")),
           json_string_value(json_object_get(actor, "ID")));
    for (size_t i = 0; i < n; i++)
        printf("%s%s=%s", i ? ", " : " (", keys[i], json_string_value(json_object_get(attrs, keys[i])) ?: "");
    printf("%s\n", n ? ")" : "");
    free(keys);
    fflush(stdout);
    return 0;
}

static int cmd_events_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, NULL, 's'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"filter", required_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {0}};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, since = 0, until = 0;
    struct ev_out out = {0};
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        if (o == 's' || o == 'u') {
            int64_t t = sk_parse_since(optarg, now);
            if (t < 0)
                return cli_failf("invalid value for --%s: %s", o == 's' ? "since" : "until", optarg);
            *(o == 's' ? &since : &until) = t;
        } else if (o == 'f') {
            static const char *const kinds[] = {"type", "event", "container", "image", "label", NULL};
            if (cli_add_filter(filters, optarg, kinds) < 0)
                return 1;
        } else if (o == 'F') {
            out.format = optarg;
        } else {
            return cli_usage(&cmd_events, true);
        }
    }
    if (since == 0 && until > 0)
        since = 1; /* everything up to until */
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL || sk_events(e, since, until, filters, true, print_event, &out, &err) < 0)
        return cli_fail(&err);
    return 0;
}

const struct cli_cmd cmd_events = {
    "events", "[OPTIONS]", "Get real time events from the server",
    "  -f, --filter filter   Filter output based on conditions provided (type, event, container, image, label)\n"
    "      --format string   Format output using a Go template\n"
    "      --since string    Show all events created since timestamp\n"
    "      --until string    Stream events until this timestamp\n",
    cmd_events_run};
