/* system df: disk usage of images, containers, volumes (sk_system_df), as
 * docker's summary and -v tables. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

static const char *const df_headers[][2] = {
    {"Type", "TYPE"}, {"TotalCount", "TOTAL"}, {"Active", "ACTIVE"}, {"Size", "SIZE"},
    {"Reclaimable", "RECLAIMABLE"}, {NULL, NULL},
};

static int64_t num(json_t *o, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(o, key));
}

static bool ctr_active(json_t *row)
{
    const char *s = json_string_value(json_object_get(row, "State"));
    return sk_streq(s, "running") || sk_streq(s, "paused") || sk_streq(s, "restarting");
}

/* One summary row: sizes as docker prints them ("1.2MB (40%)"). */
static json_t *summary(const char *type, size_t total, size_t active, int64_t size, int64_t reclaim)
{
    char sz[32], rc[32], rcp[64];
    human_size((uint64_t)(size > 0 ? size : 0), sz, sizeof sz);
    human_size((uint64_t)(reclaim > 0 ? reclaim : 0), rc, sizeof rc);
    if (size > 0)
        snprintf(rcp, sizeof rcp, "%s (%lld%%)", rc, (long long)(reclaim * 100 / size));
    else
        snprintf(rcp, sizeof rcp, "%s", rc);
    return json_pack("{s:s, s:I, s:I, s:s, s:s}", "Type", type, "TotalCount", (json_int_t)total,
                     "Active", (json_int_t)active, "Size", sz, "Reclaimable", rcp);
}

static json_t *summaries(json_t *df)
{
    json_t *rows = json_array(), *v;
    size_t i, active = 0;
    int64_t used = 0, size = 0, reclaim = 0;
    json_t *images = json_object_get(df, "Images");
    json_array_foreach(images, i, v)
    {
        if (num(v, "Containers") > 0) {
            active++;
            used += num(v, "Size") - num(v, "SharedSize");
        }
    }
    int64_t layers = num(df, "LayersSize");
    json_array_append_new(rows, summary("Images", json_array_size(images), active, layers, layers - used));

    json_t *ctrs = json_object_get(df, "Containers");
    active = 0;
    json_array_foreach(ctrs, i, v)
    {
        size += num(v, "SizeRw");
        if (ctr_active(v))
            active++;
        else
            reclaim += num(v, "SizeRw");
    }
    json_array_append_new(rows, summary("Containers", json_array_size(ctrs), active, size, reclaim));

    json_t *vols = json_object_get(df, "Volumes");
    active = 0, size = 0, reclaim = 0;
    json_array_foreach(vols, i, v)
    {
        json_t *u = json_object_get(v, "UsageData");
        size += num(u, "Size");
        if (num(u, "RefCount") > 0)
            active++;
        else
            reclaim += num(u, "Size");
    }
    json_array_append_new(rows, summary("Local Volumes", json_array_size(vols), active, size, reclaim));
    json_array_append_new(rows, summary("Build Cache", 0, 0, 0, 0));
    return rows;
}

static void print_images(json_t *images)
{
    struct table t;
    table_init(&t, 8);
    table_add(&t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE",
              "CONTAINERS");
    size_t i;
    json_t *v;
    json_array_foreach(images, i, v)
    {
        char repo[256] = "<none>", id[16], since[64], sz[32], sh[32], un[32], n[24];
        const char *tag = "<none>", *first = json_string_value(json_array_get(json_object_get(v, "RepoTags"), 0));
        const char *colon = first ? strrchr(first, ':') : NULL;
        if (colon != NULL && !strchr(colon, '/')) {
            snprintf(repo, sizeof repo, "%.*s", (int)(colon - first), first);
            tag = colon + 1;
        }
        const char *full = json_string_value(json_object_get(v, "Id")) ?: "";
        snprintf(id, sizeof id, "%.12s", strncmp(full, "sha256:", 7) ? full : full + 7);
        human_since((time_t)num(v, "Created"), since, sizeof since);
        human_size((uint64_t)num(v, "Size"), sz, sizeof sz);
        human_size((uint64_t)num(v, "SharedSize"), sh, sizeof sh);
        human_size((uint64_t)(num(v, "Size") - num(v, "SharedSize")), un, sizeof un);
        snprintf(n, sizeof n, "%lld", (long long)num(v, "Containers"));
        table_add(&t, repo, tag, id, since, sz, sh, un, n);
    }
    table_print(&t);
    table_free(&t);
}

static void print_containers(json_t *ctrs)
{
    struct table t;
    table_init(&t, 8);
    table_add(&t, "CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES");
    size_t i, k;
    json_t *v, *m;
    json_array_foreach(ctrs, i, v)
    {
        char id[16], cmd[64], vols[24], sz[32], since[64];
        snprintf(id, sizeof id, "%.12s", json_string_value(json_object_get(v, "Id")) ?: "");
        const char *c = json_string_value(json_object_get(v, "Command")) ?: "";
        if (strlen(c) > 20)
            snprintf(cmd, sizeof cmd, "\"%.19s…\"", c);
        else
            snprintf(cmd, sizeof cmd, "\"%s\"", c);
        size_t nv = 0;
        json_array_foreach(json_object_get(v, "Mounts"), k, m) nv += sk_streq(json_string_value(json_object_get(m, "Type")), "volume");
        snprintf(vols, sizeof vols, "%zu", nv);
        human_size((uint64_t)num(v, "SizeRw"), sz, sizeof sz);
        human_since((time_t)num(v, "Created"), since, sizeof since);
        const char *name = json_string_value(json_array_get(json_object_get(v, "Names"), 0)) ?: "";
        table_add(&t, id, json_string_value(json_object_get(v, "Image")) ?: "", cmd, vols, sz, since,
                  json_string_value(json_object_get(v, "Status")) ?: "", name[0] == '/' ? name + 1 : name);
    }
    table_print(&t);
    table_free(&t);
}

static void print_volumes(json_t *vols)
{
    struct table t;
    table_init(&t, 3);
    table_add(&t, "VOLUME NAME", "LINKS", "SIZE");
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
    {
        json_t *u = json_object_get(v, "UsageData");
        char links[24], sz[32];
        snprintf(links, sizeof links, "%lld", (long long)num(u, "RefCount"));
        human_size((uint64_t)num(u, "Size"), sz, sizeof sz);
        table_add(&t, json_string_value(json_object_get(v, "Name")) ?: "", links, sz);
    }
    table_print(&t);
    table_free(&t);
}

static int cmd_df_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"verbose", no_argument, NULL, 'v'},
                                         {"format", required_argument, NULL, 'F'},
                                         {0}};
    bool verbose = false;
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
        if (o == 'v')
            verbose = true;
        else if (o == 'F')
            format = optarg;
        else
            return cli_usage(&cmd_system_df, true);
    }
    if (optind < argc)
        return cli_usage(&cmd_system_df, true);
    if (verbose && format != NULL)
        return cli_failf("--format and --verbose cannot be used together");
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *df = NULL;
    if (e == NULL || sk_system_df(e, &df, &err) < 0)
        return cli_fail(&err);
    if (!verbose) {
        _cleanup_json_ json_t *rows = summaries(df);
        const char *fmt = format ? format : "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
        return print_formatted(fmt, rows, df_headers, &err) < 0 ? cli_fail(&err) : 0;
    }
    printf("Images space usage:\n\n");
    print_images(json_object_get(df, "Images"));
    printf("\nContainers space usage:\n\n");
    print_containers(json_object_get(df, "Containers"));
    printf("\nLocal Volumes space usage:\n\n");
    print_volumes(json_object_get(df, "Volumes"));
    printf("\nBuild cache usage: 0B\n");
    return 0;
}

const struct cli_cmd cmd_system_df = {
    "system df", "[OPTIONS]", "Show skiff disk usage",
    "      --format string   Format output using a Go template (\"table ...\" for a table):\n"
    "                        .Type, .TotalCount, .Active, .Size, .Reclaimable\n"
    "  -v, --verbose         Show detailed information on space usage\n",
    cmd_df_run};
