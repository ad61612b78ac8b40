/* start, state, pause, resume: one container id, one call. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "oci-cli/oci_cli.h"

static int one_id(struct oci_cli *cli, const struct oci_verb *v, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        oci_usage(cli, v, true);
        return -1;
    }
    return 0;
}

static int cmd_start(struct oci_cli *cli, int argc, char **argv)
{
    sk_error err;
    if (one_id(cli, &oci_verb_start, argc, argv) < 0)
        return 2;
    return rt_start(&cli->g, argv[1], &err) < 0 ? oci_fail(cli, &err) : 0;
}

static int cmd_state(struct oci_cli *cli, int argc, char **argv)
{
    sk_error err;
    json_t *st = NULL;
    if (one_id(cli, &oci_verb_state, argc, argv) < 0)
        return 2;
    if (rt_state(&cli->g, argv[1], &st, &err) < 0)
        return oci_fail(cli, &err);
    oci_print_json(st);
    json_decref(st);
    return 0;
}

static int cmd_pause(struct oci_cli *cli, int argc, char **argv)
{
    sk_error err;
    if (one_id(cli, &oci_verb_pause, argc, argv) < 0)
        return 2;
    return rt_pause(&cli->g, argv[1], &err) < 0 ? oci_fail(cli, &err) : 0;
}

static int cmd_resume(struct oci_cli *cli, int argc, char **argv)
{
    sk_error err;
    if (one_id(cli, &oci_verb_resume, argc, argv) < 0)
        return 2;
    return rt_resume(&cli->g, argv[1], &err) < 0 ? oci_fail(cli, &err) : 0;
}

const struct oci_verb oci_verb_start = {"start", "<container-id>",
                                        "start a created container's process", "", cmd_start,
                                        false};
const struct oci_verb oci_verb_state = {"state", "<container-id>",
                                        "print a container's OCI state as JSON", "", cmd_state,
                                        false};
const struct oci_verb oci_verb_pause = {"pause", "<container-id>",
                                        "freeze every process of a container", "", cmd_pause,
                                        false};
const struct oci_verb oci_verb_resume = {"resume", "<container-id>",
                                         "thaw a paused container", "", cmd_resume, false};
