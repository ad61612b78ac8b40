/* network create, ls, inspect, rm, prune, connect, disconnect */
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

/* ---- the network commands ------------------------------------------------------------- */

static int cmd_network_create_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"driver", required_argument, NULL, 'd'},
                                         {"subnet", required_argument, NULL, 's'},
                                         {"gateway", required_argument, NULL, 'g'},
                                         {"ip-range", required_argument, NULL, 'r'},
                                         {"internal", no_argument, NULL, 'i'},
                                         {"label", required_argument, NULL, 'l'},
                                         {"opt", required_argument, NULL, 'o'},
                                         {"ipv6", no_argument, NULL, '6'},
                                         {"attachable", no_argument, NULL, 'a'},
                                         {0}};
    _cleanup_json_ json_t *req = json_pack("{s:s, s:{}, s:{}, s:{s:s}}", "Driver", "bridge", "Labels",
                                           "Options", "IPAM", "Driver", "default");
    _cleanup_json_ json_t *subnets = json_array(), *gateways = json_array(), *ranges = json_array();
    int o;
    while ((o = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
        switch (o) {
        case 'd': json_object_set_new(req, "Driver", json_string(optarg)); break;
        case 's': json_array_append_new(subnets, json_string(optarg)); break;
        case 'g': json_array_append_new(gateways, json_string(optarg)); break;
        case 'r': json_array_append_new(ranges, json_string(optarg)); break;
        case 'i': json_object_set_new(req, "Internal", json_true()); break;
        case 'a': json_object_set_new(req, "Attachable", json_true()); break;
        case '6': json_object_set_new(req, "EnableIPv6", json_true()); break;
        case 'l': sk_json_set_kv(json_object_get(req, "Labels"), optarg); break;
        case 'o': sk_json_set_kv(json_object_get(req, "Options"), optarg); break;
        default: return cli_usage(&cmd_network_create, true);
        }
    }
    if (optind + 1 != argc)
        return cli_usage(&cmd_network_create, true);
    json_object_set_new(req, "Name", json_string(argv[optind]));
    sk_error err;
    json_t *config = NULL;
    if (sk_network_ipam_flags(subnets, gateways, ranges, &config, &err) < 0)
        return cli_fail(&err);
    json_object_set_new(json_object_get(req, "IPAM"), "Config", config);
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *net = NULL;
    if (e == NULL || sk_network_create(e, req, &net, &err) < 0)
        return cli_fail(&err);
    printf("%s\n", json_string_value(json_object_get(net, "Id")));
    return 0;
}

static int cmd_network_ls_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
                                         {"filter", required_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {"no-trunc", no_argument, NULL, 'n'},
                                         {0}};
    bool quiet = false, notrunc = false;
    const char *format = NULL;
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "qf:", opts, NULL)) != -1) {
        if (o == 'q')
            quiet = true;
        else if (o == 'n')
            notrunc = true;
        else if (o == 'F')
            format = optarg;
        else if (o == 'f') {
            if (cli_add_filter(filters, optarg, sk_network_filter_kinds) < 0)
                return 1;
        } else {
            return cli_usage(&cmd_network_ls, true);
        }
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *all = NULL;
    if (e == NULL || sk_network_list(e, &all, &err) < 0)
        return cli_fail(&err);
    _cleanup_json_ json_t *rows = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(all, i, n)
    {
        if (!sk_network_matches(n, filters, NULL))
            continue;
        json_t *r = json_deep_copy(n);
        char id[13];
        snprintf(id, sizeof id, "%s", json_string_value(json_object_get(n, "Id")));
        json_object_set_new(r, "ID", notrunc ? json_incref(json_object_get(n, "Id")) : json_string(id));
        json_object_set_new(r, "IPv6", json_string(json_is_true(json_object_get(n, "EnableIPv6")) ? "true" : "false"));
        json_object_set_new(r, "Internal", json_string(json_is_true(json_object_get(n, "Internal")) ? "true" : "false"));
        row_labels(r);
        json_array_append_new(rows, r);
    }
    if (quiet && format == NULL)
        format = "{{.ID}}";
    static const char *const headers[][2] = {{"ID", "NETWORK ID"}, {"Name", "NAME"}, {"Driver", "DRIVER"},
                                             {"Scope", "SCOPE"}, {"IPv6", "IPV6"}, {"Internal", "INTERNAL"},
                                             {"Labels", "LABELS"}, {"Label", "LABEL"}, {"Created", "CREATED AT"},
                                             {NULL, NULL}};
    if (print_formatted(format ? format : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}", rows,
                        headers, &err) < 0)
        return cli_fail(&err);
    return 0;
}

static int cmd_network_inspect_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {0}};
    const char *format = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "f:v", opts, NULL)) != -1) {
        if (o == 'f')
            format = optarg;
        else if (o != 'v')
            return cli_usage(&cmd_network_inspect, true);
    }
    if (optind >= argc)
        return cli_usage(&cmd_network_inspect, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    _cleanup_json_ json_t *out = json_array();
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        json_t *n;
        if (sk_network_inspect(e, argv[i], &n, &err) < 0) {
            fprintf(stderr, "Error: %s\n", err.msg);
            rc = 1;
            continue;
        }
        json_array_append_new(out, n);
    }
    return print_inspected(format, out) ? 1 : rc;
}

static int cmd_network_rm_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (o != 'f')
            return cli_usage(&cmd_network_rm, true);
        force = true;
    }
    if (optind >= argc)
        return cli_usage(&cmd_network_rm, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL)
        return cli_fail(&err);
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        if (sk_network_remove(e, argv[i], &err) < 0) {
            if (force && strncmp(err.msg, "No such network", 15) == 0)
                continue;
            fprintf(stderr, "Error response from daemon: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%s\n", argv[i]);
        }
    }
    return rc;
}

static int cmd_network_prune_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"filter", required_argument, NULL, 'F'},
                                         {0}};
    static const char *const kinds[] = {"label", "label!", "until", NULL};
    bool force = false;
    _cleanup_json_ json_t *filters = json_object();
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (o == 'f')
            force = true;
        else if (o == 'F' && cli_add_filter(filters, optarg, kinds) < 0)
            return 1;
        else if (o != 'F')
            return cli_usage(&cmd_network_prune, true);
    }
    if (!force) {
        fprintf(stderr, "WARNING! This will remove all custom networks not used by at least one container.\n"
                        "Are you sure you want to continue? [y/N] ");
        char ans[16] = "";
        if (fgets(ans, sizeof ans, stdin) == NULL || (ans[0] != 'y' && ans[0] != 'Y'))
            return 0;
    }
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    _cleanup_json_ json_t *gone = NULL;
    if (e == NULL || sk_network_prune(e, filters, &gone, &err) < 0)
        return cli_fail(&err);
    if (json_array_size(gone) > 0) {
        printf("Deleted Networks:\n");
        size_t i;
        json_t *n;
        json_array_foreach(gone, i, n) printf("%s\n", json_string_value(n));
    }
    return 0;
}

static int cmd_network_connect_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"ip", required_argument, NULL, 'i'},
                                         {"ip6", required_argument, NULL, '6'},
                                         {"alias", required_argument, NULL, 'a'},
                                         {0}};
    const char *ip = NULL, *ip6 = NULL;
    _cleanup_json_ json_t *aliases = json_array();
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'i')
            ip = optarg;
        else if (o == '6')
            ip6 = optarg;
        else if (o == 'a')
            json_array_append_new(aliases, json_string(optarg));
        else
            return cli_usage(&cmd_network_connect, true);
    }
    if (optind + 2 != argc)
        return cli_usage(&cmd_network_connect, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL ||
        sk_network_connect(e, argv[optind], argv[optind + 1], ip, ip6,
                           json_array_size(aliases) ? aliases : NULL, &err) < 0)
        return cli_fail(&err);
    return 0;
}

static int cmd_network_disconnect_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int o;
    while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
        if (o != 'f')
            return cli_usage(&cmd_network_disconnect, true);
        force = true;
    }
    if (optind + 2 != argc)
        return cli_usage(&cmd_network_disconnect, true);
    sk_error err;
    struct sk_engine *e = cli_engine(c, &err);
    if (e == NULL || sk_network_disconnect(e, argv[optind], argv[optind + 1], force, &err) < 0)
        return cli_fail(&err);
    return 0;
}

const struct cli_cmd cmd_network_connect = {"network connect", "[OPTIONS] NETWORK CONTAINER",
                                            "Connect a container to a network",
                                            "      --alias strings   Add network-scoped alias for the container\n"
                                            "      --ip string       IPv4 address (e.g., 172.30.100.104)\n"
                                            "      --ip6 string      IPv6 address (e.g., 2001:db8::33)\n",
                                            cmd_network_connect_run};
const struct cli_cmd cmd_network_disconnect = {"network disconnect", "[OPTIONS] NETWORK CONTAINER",
                                               "Disconnect a container from a network",
                                               "  -f, --force   Force the container to disconnect from a network\n",
                                               cmd_network_disconnect_run};
const struct cli_cmd cmd_network_create = {
    "network create", "[OPTIONS] NETWORK", "Create a network",
    "      --attachable         Enable manual container attachment\n"
    "  -d, --driver string      Driver to manage the Network (bridge)\n"
    "      --gateway strings    IPv4 or IPv6 Gateway for the master subnet\n"
    "      --internal           Restrict external access to the network\n"
    "      --ip-range strings   Allocate container ip from a sub-range\n"
    "      --ipv6               Enable IPv6 networking (a subnet from fdXX:XXXX:XXXX::/48 unless one is given)\n"
    "      --label list         Set metadata on a network\n"
    "  -o, --opt map            Set driver specific options (com.docker.network.bridge.name=...,\n"
    "                           com.docker.network.driver.mtu=...,\n"
    "                           com.docker.network.bridge.enable_ip_masquerade=false)\n"
    "      --subnet strings     Subnet in CIDR format that represents a network segment (one IPv4, one IPv6)\n",
    cmd_network_create_run};
const struct cli_cmd cmd_network_ls = {
    "network ls", "[OPTIONS]", "List networks",
    "  -f, --filter filter   Provide filter values (driver, id, label, name, scope, type, dangling)\n"
    "      --format string   Format output using a Go template\n"
    "      --no-trunc        Do not truncate the output\n"
    "  -q, --quiet           Only display network IDs\n",
    cmd_network_ls_run};
const struct cli_cmd cmd_network_inspect = {"network inspect", "[OPTIONS] NETWORK [NETWORK...]",
                                            "Display detailed information on one or more networks",
                                            "  -f, --format string   Format output using a Go template\n",
                                            cmd_network_inspect_run};
const struct cli_cmd cmd_network_rm = {"network rm", "[OPTIONS] NETWORK [NETWORK...]",
                                       "Remove one or more networks",
                                       "  -f, --force   Do not error if the network does not exist\n",
                                       cmd_network_rm_run};
const struct cli_cmd cmd_network_prune = {"network prune", "[OPTIONS]", "Remove all unused networks",
                                          "      --filter filter   Provide filter values (label=, label!=, until=)\n"
                                          "  -f, --force           Do not prompt for confirmation\n",
                                          cmd_network_prune_run};
