/* list [--format table|json] [-q], ps [--format table|json] <id> [ps args] */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci-cli/oci_cli.h"
#include "util/cleanup.h"
#include "util/strutil.h"

static int parse_format(struct oci_cli *cli, const struct oci_verb *v, int argc, char **argv,
                        bool *json, bool *quiet)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {0}};
    int c;
    while ((c = getopt_long(argc, argv, quiet ? "+f:q" : "+f:", opts, NULL)) != -1) {
        if (c == 'f' && strcmp(optarg, "json") == 0)
            *json = true;
        else if (c == 'f' && strcmp(optarg, "table") == 0)
            *json = false;
        else if (c == 'q' && quiet != NULL)
            *quiet = true;
        else if (c == 'f')
            return oci_failf(cli, "--format: expected table or json, not \"%s\"", optarg), -1;
        else
            return oci_usage(cli, v, true), -1;
    }
    return 0;
}

static int cmd_list(struct oci_cli *cli, int argc, char **argv)
{
    bool json = false, quiet = false;
    if (parse_format(cli, &oci_verb_list, argc, argv, &json, &quiet) < 0)
        return 2;
    if (optind != argc)
        return oci_usage(cli, &oci_verb_list, true);
    json_t *all = NULL;
    sk_error err;
    if (rt_list(&cli->g, &all, &err) < 0)
        return oci_fail(cli, &err);
    size_t i;
    json_t *s = NULL;
    if (json) {
        char *text = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(text ? text : "[]");
        free(text);
    } else if (quiet) {
        json_array_foreach(all, i, s) puts(json_string_value(json_object_get(s, "id")));
    } else {
        printf("%-12s %-12s %-12s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
               "OWNER");
        json_array_foreach(all, i, s)
        {
            printf("%-12s %-12lld %-12s %-40s %-31s %s\n",
                   json_string_value(json_object_get(s, "id")),
                   json_integer_value(json_object_get(s, "pid")),
                   json_string_value(json_object_get(s, "status")),
                   json_string_value(json_object_get(s, "bundle")),
                   json_string_value(json_object_get(s, "created")), "root");
        }
    }
    json_decref(all);
    return 0;
}

/* runc's table form: run ps(1) and keep the lines of our processes. */
static int ps_table(struct oci_cli *cli, pid_t *pids, size_t n, int argc, char **argv)
{
    _cleanup_strv_ char **args = NULL;
    if (sk_strv_push(&args, "ps") < 0)
        return oci_failf(cli, "out of memory");
    if (argc == 0 && sk_strv_push(&args, "-ef") < 0)
        return oci_failf(cli, "out of memory");
    for (int i = 0; i < argc; i++)
        if (sk_strv_push(&args, argv[i]) < 0)
            return oci_failf(cli, "out of memory");
    int pfd[2];
    if (pipe(pfd) < 0)
        return oci_failf(cli, "pipe: %m");
    pid_t child = fork();
    if (child == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        execvp("ps", args);
        _exit(127);
    }
    close(pfd[1]);
    FILE *f = fdopen(pfd[0], "r");
    char *line = NULL;
    size_t cap = 0;
    int pid_col = -1, ret = 0;
    while (f != NULL && getline(&line, &cap, f) > 0) {
        if (pid_col < 0) {
            int col = 0;
            for (char *save = NULL, *t = strtok_r(strdupa(line), " \t\n", &save); t;
                 t = strtok_r(NULL, " \t\n", &save), col++)
                if (strcmp(t, "PID") == 0)
                    pid_col = col;
            if (pid_col < 0) {
                ret = oci_failf(cli, "ps output has no PID column");
                break;
            }
            fputs(line, stdout);
            continue;
        }
        int col = 0, pid = -1;
        for (char *save = NULL, *t = strtok_r(strdupa(line), " \t\n", &save); t;
             t = strtok_r(NULL, " \t\n", &save), col++)
            if (col == pid_col) {
                pid = atoi(t);
                break;
            }
        for (size_t i = 0; i < n; i++)
            if (pids[i] == pid)
                fputs(line, stdout);
    }
    free(line);
    if (f != NULL)
        fclose(f);
    int st;
    waitpid(child, &st, 0);
    if (ret == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
        ret = oci_failf(cli, "ps failed");
    return ret;
}

static int cmd_ps(struct oci_cli *cli, int argc, char **argv)
{
    bool json = false;
    if (parse_format(cli, &oci_verb_ps, argc, argv, &json, NULL) < 0)
        return 2;
    if (optind >= argc)
        return oci_usage(cli, &oci_verb_ps, true);
    const char *id = argv[optind];
    pid_t *pids;
    size_t n;
    sk_error err;
    if (rt_pids(&cli->g, id, &pids, &n, &err) < 0)
        return oci_fail(cli, &err);
    int ret = 0;
    if (json) {
        if (optind + 1 != argc)
            ret = oci_failf(cli, "ps options cannot be used with --format json");
        else {
            printf("[");
            for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", pids[i]);
            printf("]\n");
        }
    } else {
        ret = ps_table(cli, pids, n, argc - optind - 1, argv + optind + 1);
    }
    free(pids);
    return ret;
}

const struct oci_verb oci_verb_list = {
    "list", "[options]", "list the containers under --root",
    "  -f, --format FMT           table (default) or json\n"
    "  -q, --quiet                only the ids\n",
    cmd_list, false};

const struct oci_verb oci_verb_ps = {
    "ps", "[options] <container-id> [ps options]", "list a container's processes",
    "  -f, --format FMT           table (runs ps(1), default -ef) or json (pids)\n", cmd_ps,
    false};
