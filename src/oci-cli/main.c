/* main.c - global options and verb dispatch for the runc command line. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "oci-cli/oci_cli.h"
#include "util/log.h"

static const struct oci_verb *const verbs[] = {
    &oci_verb_create, &oci_verb_start,  &oci_verb_run,      &oci_verb_state, &oci_verb_kill,
    &oci_verb_delete, &oci_verb_list,   &oci_verb_exec,     &oci_verb_ps,    &oci_verb_pause,
    &oci_verb_resume, &oci_verb_update, &oci_verb_features, &oci_verb_spec,  &oci_verb_events,
};

int oci_fail(struct oci_cli *cli, const sk_error *err)
{
    sk_log(SK_LOG_ERROR, "%s", err->msg);
    if (!sk_log_is_stderr())
        fprintf(stderr, "%s: %s\n", cli->prog, err->msg);
    return 1;
}

int oci_failf(struct oci_cli *cli, const char *fmt, ...)
{
    sk_error e;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof e.msg, fmt, ap);
    va_end(ap);
    e.errnum = 0;
    return oci_fail(cli, &e);
}

int oci_usage(struct oci_cli *cli, const struct oci_verb *v, bool error)
{
    FILE *f = error ? stderr : stdout;
    fprintf(f, "Usage: %s %s %s\n\n%s\n", cli->prog, v->name, v->args, v->summary);
    if (v->help && *v->help)
        fprintf(f, "\nOptions:\n%s", v->help);
    fprintf(f, "  -h, --help                 show this help\n");
    return error ? 2 : 0;
}

void oci_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        puts(s);
        free(s);
    }
}

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "Usage: %s [global options] <command> [options] [arguments]\n\n"
            "An OCI runtime with runc's command line (runtime-spec 1.1).\n\nCommands:\n",
            prog);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        fprintf(f, "  %-10s %s\n", verbs[i]->name, verbs[i]->summary);
    fprintf(f, "\nGlobal options:\n"
               "  --root DIR          state directory (default " RT_DEFAULT_ROOT ")\n"
               "  --log FILE          write diagnostics to FILE instead of stderr\n"
               "  --log-format FMT    text (default) or json\n"
               "  --debug             also log debug messages\n"
               "  --systemd-cgroup    cgroupsPath is \"slice:prefix:name\" (needs systemd)\n"
               "  -v, --version       print the version\n"
               "  -h, --help          show this help\n\n"
               "Run '%s <command> --help' for a command's options.\n", prog);
}

static void version(const char *prog)
{
    printf("%s version %s\ncommit: %s\nspec: 1.1.0\n", prog, SKIFF_VERSION, SKIFF_COMMIT);
}

int oci_main(int argc, char **argv, const char *prog, char **full_argv)
{
    enum { O_ROOT = 256, O_LOG, O_LOGFMT, O_DEBUG, O_SYSTEMD, O_ROOTLESS, O_CRIU };
    static const struct option opts[] = {
        {"root", required_argument, NULL, O_ROOT},
        {"log", required_argument, NULL, O_LOG},
        {"log-format", required_argument, NULL, O_LOGFMT},
        {"debug", no_argument, NULL, O_DEBUG},
        {"systemd-cgroup", no_argument, NULL, O_SYSTEMD},
        {"rootless", required_argument, NULL, O_ROOTLESS},
        {"criu", required_argument, NULL, O_CRIU},
        {"version", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct oci_cli cli = {.g = {.root = RT_DEFAULT_ROOT}, .prog = prog, .argv0 = full_argv};
    const char *log_path = NULL;
    int log_format = SK_LOG_TEXT;
    sk_log_set_prog(prog);
    optind = 1;
    opterr = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case O_ROOT:
            cli.g.root = optarg;
            break;
        case O_LOG:
            log_path = optarg;
            break;
        case O_LOGFMT:
            if ((log_format = sk_log_format_parse(optarg)) < 0) {
                fprintf(stderr, "%s: --log-format: expected text or json, not \"%s\"\n", prog,
                        optarg);
                return 2;
            }
            break;
        case O_DEBUG:
            sk_log_set_level(SK_LOG_DEBUG);
            break;
        case O_SYSTEMD:
            cli.g.systemd_cgroup = true;
            break;
        case O_ROOTLESS:
        case O_CRIU:
            break; /* accepted for compatibility */
        case 'v':
            version(prog);
            return 0;
        case 'h':
            usage(stdout, prog);
            return 0;
        default:
            usage(stderr, prog);
            return 2;
        }
    }
    if (sk_log_open(log_path, (enum sk_log_format)log_format) < 0) {
        fprintf(stderr, "%s: --log %s: %m\n", prog, log_path);
        return 1;
    }
    if (optind >= argc) {
        usage(stderr, prog);
        return 2;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(verbs[i]->name, name) != 0)
            continue;
        if (verbs[i]->spawns) {
            sk_error err;
            if (rt_ensure_sealed(cli.argv0, &err) < 0)
                return oci_fail(&cli, &err);
        }
        int vargc = argc - optind;
        char **vargv = argv + optind;
        for (int k = 1; k < vargc; k++)
            if (strcmp(vargv[k], "--") == 0)
                break;
            else if (strcmp(vargv[k], "-h") == 0 || strcmp(vargv[k], "--help") == 0) {
                /* only before the first positional argument */
                bool positional = false;
                for (int j = 1; j < k; j++)
                    if (vargv[j][0] != '-')
                        positional = true;
                if (!positional)
                    return oci_usage(&cli, verbs[i], false);
            }
        optind = 0; /* reset getopt for the verb */
        return verbs[i]->run(&cli, vargc, vargv);
    }
    if (strcmp(name, "checkpoint") == 0 || strcmp(name, "restore") == 0)
        return oci_failf(&cli, "%s is not supported", name);
    fprintf(stderr, "%s: unknown command \"%s\"\n", prog, name);
    usage(stderr, prog);
    return 2;
}
