/* serve: the Docker Engine API server. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "api/api.h"
#include "cli/cli.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static int cmd_serve_run(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
                                         {"pidfile", required_argument, NULL, 'p'},
                                         {0}};
    _cleanup_strv_ char **hosts = NULL;
    const char *pidfile = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "H:", opts, NULL)) != -1) {
        switch (o) {
        case 'H':
            if (sk_strv_push(&hosts, optarg) < 0)
                return cli_failf("out of memory"), 125;
            break;
        case 'p':
            pidfile = optarg;
            break;
        default:
            return cli_usage(&cmd_serve, true);
        }
    }
    if (optind != argc)
        return cli_usage(&cmd_serve, true);
    struct sk_engine_opts eo = {.root = c->root, .runroot = c->runroot, .insecure = c->insecure,
                                .log_level = c->log_level};
    struct api_serve_opts so = {.engine = &eo, .hosts = hosts, .pidfile = pidfile};
    sk_error err;
    int r = api_serve(&so, &err);
    if (r < 0)
        return cli_fail(&err), 125;
    return 0; /* the server stopped, or a connection's process is done */
}

const struct cli_cmd cmd_serve = {
    "serve", "[OPTIONS]", "Serve the Docker Engine API (docker, docker-py, compose, dockerode ...)",
    "  -H, --host list       Listen on unix:///path (mode 0660) or tcp://host:port\n"
    "                        (no TLS: only on 127.0.0.1); repeatable\n"
    "                        (default unix:///run/skiff/docker.sock)\n"
    "      --pidfile string  Write the server's pid to this file\n",
    cmd_serve_run};
