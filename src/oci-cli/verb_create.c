/* create, run: a container from a bundle. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "oci-cli/oci_cli.h"
#include "util/strutil.h"

#define CREATE_HELP                                                                              \
    "  -b, --bundle DIR           the bundle (default: the current directory)\n"                  \
    "  --console-socket PATH      send the terminal's master fd to this unix socket\n"            \
    "  --pid-file PATH            write the container's pid here\n"                               \
    "  --no-pivot                 use MS_MOVE + chroot instead of pivot_root\n"                    \
    "  --no-new-keyring           keep the caller's session keyring\n"                             \
    "  --preserve-fds N           pass fds 3..3+N-1 to the container\n"

/* Parse the options shared by create and run; returns the index of the id. */
static int parse(struct oci_cli *cli, const struct oci_verb *v, int argc, char **argv,
                 struct rt_create_opts *o, bool *detach)
{
    enum { O_CONSOLE = 256, O_PIDFILE, O_NOPIVOT, O_NOKEYRING, O_PRESERVE, O_KEEP, O_NOSUB };
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"console-socket", required_argument, NULL, O_CONSOLE},
        {"pid-file", required_argument, NULL, O_PIDFILE},
        {"no-pivot", no_argument, NULL, O_NOPIVOT},
        {"no-new-keyring", no_argument, NULL, O_NOKEYRING},
        {"preserve-fds", required_argument, NULL, O_PRESERVE},
        {"detach", no_argument, NULL, 'd'},
        {"keep", no_argument, NULL, O_KEEP},
        {"no-subreaper", no_argument, NULL, O_NOSUB},
        {0},
    };
    int c;
    while ((c = getopt_long(argc, argv, detach ? "+b:d" : "+b:", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            o->bundle = optarg;
            break;
        case O_CONSOLE:
            o->console_socket = optarg;
            break;
        case O_PIDFILE:
            o->pid_file = optarg;
            break;
        case O_NOPIVOT:
            o->no_pivot = true;
            break;
        case O_NOKEYRING:
            o->no_new_keyring = true;
            break;
        case O_PRESERVE: {
            int n;
            if (sk_parse_int(optarg, &n) < 0 || n < 0 || n > 10000) {
                oci_failf(cli, "--preserve-fds: \"%s\" is not a count", optarg);
                return -1;
            }
            o->preserve_fds = (unsigned)n;
            break;
        }
        case 'd':
            if (detach == NULL)
                return oci_usage(cli, v, true), -1;
            *detach = true;
            break;
        case O_KEEP:
        case O_NOSUB:
            break;
        default:
            oci_usage(cli, v, true);
            return -1;
        }
    }
    if (optind != argc - 1) {
        oci_usage(cli, v, true);
        return -1;
    }
    o->id = argv[optind];
    return 0;
}

static int cmd_create(struct oci_cli *cli, int argc, char **argv)
{
    struct rt_create_opts o = {0};
    sk_error err;
    if (parse(cli, &oci_verb_create, argc, argv, &o, NULL) < 0)
        return 1;
    if (rt_create(&cli->g, &o, &err) < 0)
        return oci_fail(cli, &err);
    return 0;
}

static int cmd_run(struct oci_cli *cli, int argc, char **argv)
{
    struct rt_create_opts o = {0};
    bool detach = false;
    sk_error err;
    int status = 0;
    if (parse(cli, &oci_verb_run, argc, argv, &o, &detach) < 0)
        return 1;
    if (rt_run(&cli->g, &o, detach, &status, &err) < 0)
        return oci_fail(cli, &err);
    return status;
}

const struct oci_verb oci_verb_create = {
    .name = "create",
    .args = "[options] <container-id>",
    .summary = "create a container from a bundle; it waits for `start`",
    .help = CREATE_HELP,
    .run = cmd_create,
    .spawns = true,
};

const struct oci_verb oci_verb_run = {
    .name = "run",
    .args = "[options] <container-id>",
    .summary = "create and start a container, and wait for it unless --detach",
    .help = CREATE_HELP "  -d, --detach               return once the container runs\n",
    .run = cmd_run,
    .spawns = true,
};
