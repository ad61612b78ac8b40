/* volume create, ls, inspect, rm, prune */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "skiff/engine.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/template.h"

static int cmd_volume_create_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"label", required_argument, NULL, 'l'},
                                         {"driver", required_argument, NULL, 'd'},
                                         {"opt", required_argument, NULL, 'o'},
                                         {0}};
    const char *name = NULL;
    _cleanup_json_ json_t *labels = json_object(), *vopts = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
        if (o == 'n')
            name = optarg;
        else if (o == 'l') {
            sk_json_set_kv(labels, optarg);
        } else if (o == 'd') {
            if (strcmp(optarg, "local") != 0)
                return cli_failf("create: volume driver \"%s\" is not supported (only local)", optarg);
        } else if (o == 'o') {
            if (strchr(optarg, '=') == NULL)
                return cli_failf("invalid option \"%s\": expected key=value", optarg);
            sk_json_set_kv(vopts, optarg);
        } else {
            return cli_usage(&cmd_volume_create, true);
        }
    }
    if (optind < argc)
        name = argv[optind];
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *v = NULL;
    if (e == NULL || sk_volume_create(e, name, labels, vopts, false, &v, &err) < 0)
        return cli_fail(&err);
    printf("%s\n", json_string_value(json_object_get(v, "Name")));
    return 0;
}

static int cmd_volume_ls_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"filter", required_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {0}};
    bool quiet = false;
    const char *format = NULL;
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "qf:", opts, NULL)) != -1) {
        if (o == 'q')
            quiet = true;
        else if (o == 'F')
            format = optarg;
        else if (o == 'f') {
            if (cli_add_filter(filters, optarg, sk_volume_filter_kinds) < 0)
                return 1;
        } else {
            return cli_usage(&cmd_volume_ls, true);
        }
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *all = NULL;
    if (e == NULL || sk_volume_list(e, &all, &err) < 0)
        return cli_fail(&err);
    _cleanup_json_ json_t *rows = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        if (sk_volume_matches(v, filters, NULL)) {
            json_t *r = json_deep_copy(v);
            row_labels(r);
            json_array_append_new(rows, r);
        }
    }
    if (quiet && format == NULL)
        format = "{{.Name}}";
    static const char *const headers[][2] = {{"Driver", "DRIVER"}, {"Name", "VOLUME NAME"},
                                             {"Mountpoint", "MOUNTPOINT"}, {"Labels", "LABELS"},
                                             {"Scope", "SCOPE"}, {"Label", "LABEL"}, {NULL, NULL}};
    if (print_formatted(format ? format : "table {{.Driver}}\t{{.Name}}", rows, headers, &err) < 0)
        return cli_fail(&err);
    return 0;
}

static int cmd_volume_inspect_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        if (o != 'f')
            return cli_usage(&cmd_volume_inspect, true);
        format = optarg;
    }
    if (optind >= argc)
        return cli_usage(&cmd_volume_inspect, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    _cleanup_json_ json_t *out = json_array();
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        json_t *v;
        if (sk_volume_inspect(e, argv[i], &v, &err) < 0) {
            fprintf(stderr, "Error: No such volume: %s\n", argv[i]);
            rc = 1;
            continue;
        }
        json_array_append_new(out, v);
    }
    return print_inspected(format, out) ? 1 : rc;
}

static int cmd_volume_rm_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (o != 'f')
            return cli_usage(&cmd_volume_rm, true);
        force = true;
    }
    if (optind >= argc)
        return cli_usage(&cmd_volume_rm, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        if (sk_volume_remove(e, argv[i], force, &err) < 0) {
            fprintf(stderr, "Error response from daemon: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%s\n", argv[i]);
        }
    }
    return rc;
}

static int cmd_volume_prune_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"filter", required_argument, NULL, 'F'},
                                         {0}};
    static const char *const kinds[] = {"label", "label!", NULL};
    bool force = false, all = false;
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "fa", opts, NULL)) != -1) {
        if (o == 'f')
            force = true;
        else if (o == 'a')
            all = true;
        else if (o == 'F') {
            if (cli_add_filter(filters, optarg, kinds) < 0)
                return 1;
        } else
            return cli_usage(&cmd_volume_prune, true);
    }
    if (!force) {
        fprintf(stderr, "WARNING! This will remove anonymous local volumes not used by at least one container.\n"
                        "Are you sure you want to continue? [y/N] ");
        char ans[16] = "";
        if (fgets(ans, sizeof ans, stdin) == NULL || (ans[0] != 'y' && ans[0] != 'Y'))
            return 0;
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *gone = NULL;
    uint64_t freed = 0;
    if (e == NULL || sk_volume_prune(e, all, filters, &gone, &freed, &err) < 0)
        return cli_fail(&err);
    size_t i;
    json_t *v;
    json_array_foreach(gone, i, v) printf("%s%s\n", i == 0 ? "Deleted Volumes:\n" : "", json_string_value(v));
    char size[32];
    human_size(freed, size, sizeof size);
    printf("%sTotal reclaimed space: %s\n", json_array_size(gone) ? "\n" : "", size);
    return 0;
}

const struct cli_cmd cmd_volume_create = {"volume create", "[OPTIONS] [VOLUME]", "Create a volume",
                                          "  -d, --driver string   Specify volume driver name (local)\n"
                                          "      --label list      Set metadata for a volume\n"
                                          "  -o, --opt map         Set driver specific options (type, device, o)\n",
                                          cmd_volume_create_run};
const struct cli_cmd cmd_volume_ls = {"volume ls", "[OPTIONS]", "List volumes",
                                      "  -f, --filter filter   Provide filter values (dangling, name, label, driver)\n"
                                      "      --format string   Format output using a Go template\n"
                                      "  -q, --quiet           Only display volume names\n",
                                      cmd_volume_ls_run};
const struct cli_cmd cmd_volume_inspect = {"volume inspect", "[OPTIONS] VOLUME [VOLUME...]",
                                           "Display detailed information on one or more volumes",
                                           "  -f, --format string   Format output using a Go template\n",
                                           cmd_volume_inspect_run};
const struct cli_cmd cmd_volume_rm = {"volume rm", "[OPTIONS] VOLUME [VOLUME...]",
                                      "Remove one or more volumes",
                                      "  -f, --force   Force the removal of one or more volumes\n",
                                      cmd_volume_rm_run};
const struct cli_cmd cmd_volume_prune = {"volume prune", "[OPTIONS]", "Remove unused local volumes",
                                         "  -a, --all             Remove all unused volumes, not just anonymous ones\n"
                                         "      --filter filter   Provide filter values (label=, label!=)\n"
                                         "  -f, --force           Do not prompt for confirmation\n",
                                         cmd_volume_prune_run};
