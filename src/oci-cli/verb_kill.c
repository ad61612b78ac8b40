/* kill [--all] <id> [signal], delete [--force] <id>... */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "oci-cli/oci_cli.h"
#include "util/signals.h"

static int cmd_kill(struct oci_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
    bool all = false;
    int c;
    while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
        if (c != 'a')
            return oci_usage(cli, &oci_verb_kill, true);
        all = true;
    }
    if (optind != argc - 1 && optind != argc - 2)
        return oci_usage(cli, &oci_verb_kill, true);
    int sig = SIGTERM;
    if (optind == argc - 2 && (sig = sk_signal_parse(argv[argc - 1])) < 0)
        return oci_failf(cli, "invalid signal \"%s\"", argv[argc - 1]);
    sk_error err;
    return rt_kill(&cli->g, argv[optind], sig, all, &err) < 0 ? oci_fail(cli, &err) : 0;
}

static int cmd_delete(struct oci_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
        if (c != 'f')
            return oci_usage(cli, &oci_verb_delete, true);
        force = true;
    }
    if (optind >= argc)
        return oci_usage(cli, &oci_verb_delete, true);
    int ret = 0;
    for (int i = optind; i < argc; i++) {
        sk_error err;
        if (rt_delete(&cli->g, argv[i], force, &err) < 0)
            ret = oci_fail(cli, &err);
    }
    return ret;
}

const struct oci_verb oci_verb_kill = {
    "kill", "[options] <container-id> [signal]",
    "send a signal (name or number, default SIGTERM) to a container's init",
    "  -a, --all                  signal every process of the container\n", cmd_kill, false};

const struct oci_verb oci_verb_delete = {
    "delete", "[options] <container-id>...",
    "remove a stopped (or, with --force, any) container and its resources",
    "  -f, --force                kill the container first if it still runs\n", cmd_delete,
    false};
