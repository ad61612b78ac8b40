/* exec [options] <id> [command args...] */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/caps.h"
#include "oci-cli/oci_cli.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

struct exec_flags {
    const char *process_file, *cwd, *user, *apparmor, *label;
    char **env, **caps, **gids;
    bool tty, tty_set, no_new_privs;
};

static int parse_user(struct oci_cli *cli, const char *s, struct oci_process *p)
{
    char *colon = strchr(s, ':');
    int64_t uid, gid;
    char ubuf[32];
    snprintf(ubuf, sizeof ubuf, "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
    if (sk_parse_i64(ubuf, &uid) < 0 || uid < 0 || uid >= UINT32_MAX)
        return oci_failf(cli, "--user: \"%s\" is not uid[:gid] (numbers)", s), -1;
    p->uid = (uint32_t)uid;
    if (colon != NULL) {
        if (sk_parse_i64(colon + 1, &gid) < 0 || gid < 0 || gid >= UINT32_MAX)
            return oci_failf(cli, "--user: \"%s\" is not uid[:gid] (numbers)", s), -1;
        p->gid = (uint32_t)gid;
    }
    return 0;
}

/* The container's process with the command line's changes. */
static int build_process(struct oci_cli *cli, const char *id, struct exec_flags *f, int argc,
                         char **argv, struct oci_process *p)
{
    sk_error err;
    if (f->process_file != NULL) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (sk_read_file(f->process_file, 4u << 20, &buf, &len, &err) < 0)
            return oci_fail(cli, &err), -1;
        _cleanup_json_ json_t *j = sk_json_parse(buf, len, f->process_file, &err);
        if (j == NULL || oci_process_parse(j, "process", p, &err) < 0)
            return oci_fail(cli, &err), -1;
    } else {
        if (argc == 0)
            return oci_failf(cli, "exec: no command given (and no --process)"), -1;
        if (rt_exec_base(&cli->g, id, p, &err) < 0)
            return oci_fail(cli, &err), -1;
        sk_strv_free(p->args);
        if ((p->args = sk_strv_dup(argv)) == NULL)
            return oci_failf(cli, "out of memory"), -1;
        p->terminal = false;
    }
    if (f->tty_set)
        p->terminal = f->tty;
    for (size_t i = 0; f->env && f->env[i]; i++) {
        if (strchr(f->env[i], '=') == NULL)
            return oci_failf(cli, "--env: \"%s\" is not NAME=value", f->env[i]), -1;
        /* replace an existing NAME, else append */
        size_t nl = (size_t)(strchr(f->env[i], '=') - f->env[i]);
        bool done = false;
        for (size_t k = 0; p->env && p->env[k]; k++)
            if (strncmp(p->env[k], f->env[i], nl + 1) == 0) {
                free(p->env[k]);
                p->env[k] = strdup(f->env[i]);
                done = true;
            }
        if (!done && sk_strv_push(&p->env, f->env[i]) < 0)
            return oci_failf(cli, "out of memory"), -1;
    }
    if (f->cwd != NULL) {
        if (f->cwd[0] != '/')
            return oci_failf(cli, "--cwd: \"%s\" is not an absolute path", f->cwd), -1;
        free(p->cwd);
        p->cwd = strdup(f->cwd);
    }
    if (f->user != NULL && parse_user(cli, f->user, p) < 0)
        return -1;
    for (size_t i = 0; f->gids && f->gids[i]; i++) {
        int64_t g;
        if (sk_parse_i64(f->gids[i], &g) < 0 || g < 0 || g >= UINT32_MAX)
            return oci_failf(cli, "--additional-gids: \"%s\" is not a gid", f->gids[i]), -1;
        gid_t *ng = realloc(p->additional_gids, (p->n_additional_gids + 1) * sizeof *ng);
        if (ng == NULL)
            return oci_failf(cli, "out of memory"), -1;
        ng[p->n_additional_gids++] = (gid_t)g;
        p->additional_gids = ng;
    }
    for (size_t i = 0; f->caps && f->caps[i]; i++) {
        int cap = oci_cap_parse(f->caps[i]);
        if (cap < 0)
            return oci_failf(cli, "--cap: unknown capability \"%s\"", f->caps[i]), -1;
        uint64_t bit = 1ULL << cap;
        p->has_caps = true;
        p->caps.bounding |= bit;
        p->caps.effective |= bit;
        p->caps.permitted |= bit;
        p->caps.inheritable |= bit;
        p->caps.ambient |= bit;
    }
    if (f->no_new_privs)
        p->no_new_privileges = true;
    if (f->apparmor != NULL) {
        free(p->apparmor_profile);
        p->apparmor_profile = strdup(f->apparmor);
    }
    if (f->label != NULL) {
        free(p->selinux_label);
        p->selinux_label = strdup(f->label);
    }
    return 0;
}

static int cmd_exec(struct oci_cli *cli, int argc, char **argv)
{
    enum { O_CONSOLE = 256, O_PIDFILE, O_NNP, O_APPARMOR, O_LABEL, O_PRESERVE, O_CGROUP,
           O_IGNORE_PAUSED };
    static const struct option opts[] = {
        {"console-socket", required_argument, NULL, O_CONSOLE},
        {"cwd", required_argument, NULL, 'w'},
        {"env", required_argument, NULL, 'e'},
        {"tty", no_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {"additional-gids", required_argument, NULL, 'g'},
        {"process", required_argument, NULL, 'p'},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, O_PIDFILE},
        {"process-label", required_argument, NULL, O_LABEL},
        {"apparmor", required_argument, NULL, O_APPARMOR},
        {"no-new-privs", no_argument, NULL, O_NNP},
        {"cap", required_argument, NULL, 'c'},
        {"preserve-fds", required_argument, NULL, O_PRESERVE},
        {"cgroup", required_argument, NULL, O_CGROUP},
        {"ignore-paused", no_argument, NULL, O_IGNORE_PAUSED},
        {0},
    };
    struct exec_flags f = {0};
    struct rt_exec_opts o = {0};
    int c, ret = 1;
    while ((c = getopt_long(argc, argv, "+w:e:tu:g:p:dc:", opts, NULL)) != -1) {
        switch (c) {
        case O_CONSOLE: o.console_socket = optarg; break;
        case 'w': f.cwd = optarg; break;
        case 'e': if (sk_strv_push(&f.env, optarg) < 0) goto out; break;
        case 't': f.tty = f.tty_set = true; break;
        case 'u': f.user = optarg; break;
        case 'g': if (sk_strv_push(&f.gids, optarg) < 0) goto out; break;
        case 'p': f.process_file = optarg; break;
        case 'd': o.detach = true; break;
        case O_PIDFILE: o.pid_file = optarg; break;
        case O_LABEL: f.label = optarg; break;
        case O_APPARMOR: f.apparmor = optarg; break;
        case O_NNP: f.no_new_privs = true; break;
        case 'c': if (sk_strv_push(&f.caps, optarg) < 0) goto out; break;
        case O_PRESERVE: {
            int n;
            if (sk_parse_int(optarg, &n) < 0 || n < 0 || n > 10000) {
                ret = oci_failf(cli, "--preserve-fds: \"%s\" is not a count", optarg);
                goto out;
            }
            o.preserve_fds = (unsigned)n;
            break;
        }
        case O_CGROUP:
        case O_IGNORE_PAUSED:
            break;
        default:
            ret = oci_usage(cli, &oci_verb_exec, true);
            goto out;
        }
    }
    if (optind >= argc) {
        ret = oci_usage(cli, &oci_verb_exec, true);
        goto out;
    }
    o.id = argv[optind];
    struct oci_process proc = {0};
    if (build_process(cli, o.id, &f, argc - optind - 1, argv + optind + 1, &proc) == 0) {
        sk_error err;
        int status = 0;
        o.process = &proc;
        if (rt_exec(&cli->g, &o, &status, &err) < 0)
            ret = oci_fail(cli, &err);
        else
            ret = status;
    }
    oci_process_clear(&proc);
out:
    sk_strv_free(f.env);
    sk_strv_free(f.caps);
    sk_strv_free(f.gids);
    return ret;
}

const struct oci_verb oci_verb_exec = {
    "exec", "[options] <container-id> [command [args...]]",
    "run a process in a running container",
    "  -p, --process FILE         the whole process as JSON (config.json's \"process\")\n"
    "  -t, --tty                  allocate a terminal\n"
    "  -d, --detach               return once the process runs\n"
    "  -e, --env NAME=VALUE       set an environment variable (repeatable)\n"
    "  -w, --cwd DIR              working directory\n"
    "  -u, --user UID[:GID]       run as this user\n"
    "  -g, --additional-gids GID  supplementary group (repeatable)\n"
    "  -c, --cap CAP              add a capability (repeatable)\n"
    "  --no-new-privs             set no_new_privs\n"
    "  --console-socket PATH      send the terminal's master fd to this unix socket\n"
    "  --pid-file PATH            write the process's pid here\n"
    "  --preserve-fds N           pass fds 3..3+N-1 to the process\n"
    "  --apparmor PROFILE, --process-label LABEL   security labels\n",
    cmd_exec, true};
