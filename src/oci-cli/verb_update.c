/* update: change a running container's resources; events: its statistics. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci-cli/oci_cli.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

static int set_i64(struct oci_cli *cli, const char *flag, const char *v, struct opt_i64 *out)
{
    if (sk_parse_i64(v, &out->v) < 0)
        return oci_failf(cli, "--%s: \"%s\" is not a number", flag, v), -1;
    out->set = true;
    return 0;
}

static int set_u64(struct oci_cli *cli, const char *flag, const char *v, struct opt_u64 *out)
{
    if (sk_parse_u64(v, &out->v) < 0)
        return oci_failf(cli, "--%s: \"%s\" is not a number", flag, v), -1;
    out->set = true;
    return 0;
}

static int cmd_update(struct oci_cli *cli, int argc, char **argv)
{
    enum { O_MEM = 256, O_SWAP, O_RESV, O_SHARES, O_QUOTA, O_PERIOD, O_CPUS, O_MEMS, O_PIDS };
    static const struct option opts[] = {
        {"resources", required_argument, NULL, 'r'},
        {"memory", required_argument, NULL, O_MEM},
        {"memory-swap", required_argument, NULL, O_SWAP},
        {"memory-reservation", required_argument, NULL, O_RESV},
        {"cpu-shares", required_argument, NULL, O_SHARES},
        {"cpu-quota", required_argument, NULL, O_QUOTA},
        {"cpu-period", required_argument, NULL, O_PERIOD},
        {"cpuset-cpus", required_argument, NULL, O_CPUS},
        {"cpuset-mems", required_argument, NULL, O_MEMS},
        {"pids-limit", required_argument, NULL, O_PIDS},
        {0},
    };
    struct oci_resources r = {0};
    const char *file = NULL;
    int c, ret = 1, bad = 0;
    while (!bad && (c = getopt_long(argc, argv, "+r:", opts, NULL)) != -1) {
        switch (c) {
        case 'r': file = optarg; break;
        case O_MEM: bad = set_i64(cli, "memory", optarg, &r.memory.limit); break;
        case O_SWAP: bad = set_i64(cli, "memory-swap", optarg, &r.memory.swap); break;
        case O_RESV: bad = set_i64(cli, "memory-reservation", optarg, &r.memory.reservation); break;
        case O_SHARES: bad = set_u64(cli, "cpu-shares", optarg, &r.cpu.shares); break;
        case O_QUOTA: bad = set_i64(cli, "cpu-quota", optarg, &r.cpu.quota); break;
        case O_PERIOD: bad = set_u64(cli, "cpu-period", optarg, &r.cpu.period); break;
        case O_CPUS: free(r.cpu.cpus); r.cpu.cpus = strdup(optarg); break;
        case O_MEMS: free(r.cpu.mems); r.cpu.mems = strdup(optarg); break;
        case O_PIDS: bad = set_i64(cli, "pids-limit", optarg, &r.pids_limit); break;
        default:
            oci_resources_clear(&r);
            return oci_usage(cli, &oci_verb_update, true);
        }
    }
    if (bad)
        goto out;
    if (optind != argc - 1) {
        ret = oci_usage(cli, &oci_verb_update, true);
        goto out;
    }
    sk_error err;
    if (file != NULL) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int rd = strcmp(file, "-") == 0 ? sk_read_file("/dev/stdin", 4u << 20, &buf, &len, &err)
                                        : sk_read_file(file, 4u << 20, &buf, &len, &err);
        _cleanup_json_ json_t *j = rd == 0 ? sk_json_parse(buf, len, "resources", &err) : NULL;
        oci_resources_clear(&r);
        if (j == NULL || oci_resources_parse(j, "resources", &r, &err) < 0) {
            ret = oci_fail(cli, &err);
            goto out;
        }
    }
    ret = rt_update(&cli->g, argv[optind], &r, &err) < 0 ? oci_fail(cli, &err) : 0;
out:
    oci_resources_clear(&r);
    return ret;
}

static json_t *stats_json(const char *id, const struct cg_stats *s)
{
    return json_pack("{s:s, s:s, s:{s:{s:{s:I, s:I, s:I}}, s:{s:{s:I, s:I, s:I}, s:I, "
                     "s:{s:I}}, s:{s:I, s:I}}}",
                     "type", "stats", "id", id, "data", "cpu", "usage", "total",
                     (json_int_t)s->cpu_usage_ns, "user", (json_int_t)s->cpu_user_ns, "kernel",
                     (json_int_t)s->cpu_system_ns, "memory", "usage", "usage",
                     (json_int_t)s->memory_usage, "limit", (json_int_t)s->memory_limit, "max",
                     (json_int_t)s->memory_max_usage, "cache", (json_int_t)s->memory_cache,
                     "raw", "oom_kill", (json_int_t)s->oom_kills, "pids", "current",
                     (json_int_t)s->pids_current, "limit", (json_int_t)s->pids_limit);
}

static int cmd_events(struct oci_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"stats", no_argument, NULL, 's'},
                                         {"interval", required_argument, NULL, 'i'},
                                         {0}};
    bool once = false;
    int interval = 5, c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c == 's')
            once = true;
        else if (c == 'i') {
            if (sk_parse_int(optarg, &interval) < 0 && sscanf(optarg, "%ds", &interval) != 1)
                return oci_failf(cli, "--interval: \"%s\" is not a number of seconds", optarg);
            if (interval <= 0)
                interval = 1;
        } else
            return oci_usage(cli, &oci_verb_events, true);
    }
    if (optind != argc - 1)
        return oci_usage(cli, &oci_verb_events, true);
    for (;;) {
        struct cg_stats st;
        sk_error err;
        if (rt_stats(&cli->g, argv[optind], &st, &err) < 0)
            return oci_fail(cli, &err);
        json_t *j = stats_json(argv[optind], &st);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(j);
        if (s != NULL)
            puts(s);
        free(s);
        fflush(stdout);
        if (once)
            return 0;
        sleep((unsigned)interval);
    }
}

const struct oci_verb oci_verb_update = {
    "update", "[options] <container-id>", "change the resources of a running container",
    "  -r, --resources FILE       linux.resources as JSON (\"-\" for stdin)\n"
    "  --memory BYTES, --memory-swap BYTES, --memory-reservation BYTES\n"
    "  --cpu-shares N, --cpu-quota US, --cpu-period US\n"
    "  --cpuset-cpus LIST, --cpuset-mems LIST, --pids-limit N\n",
    cmd_update, false};

const struct oci_verb oci_verb_events = {
    "events", "[options] <container-id>", "print a container's resource statistics as JSON",
    "  --stats                    print once and exit\n"
    "  --interval SECONDS         how often to print (default 5)\n",
    cmd_events, false};
