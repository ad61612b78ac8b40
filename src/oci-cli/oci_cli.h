/* oci_cli.h - the runc command line (skiff-runc, or `skiff oci ...`).
 * Each verb lives in its own file: it parses its flags, calls one runtime
 * function, prints the result.  No logic of its own. */
#ifndef SKIFF_OCI_CLI_H
#define SKIFF_OCI_CLI_H

#include <stdbool.h>

#include "runtime/runtime.h"
#include "util/error.h"

struct oci_cli {
    struct rt_global g;
    const char *prog; /* "skiff-runc" */
    char **argv0;     /* the whole original argv, for the sealed re-exec */
};

struct oci_verb {
    const char *name;
    const char *args;    /* "[options] <container-id>" */
    const char *summary; /* one line */
    const char *help;    /* the options, already formatted */
    int (*run)(struct oci_cli *cli, int argc, char **argv);
    bool spawns;         /* clones processes into a container: run sealed */
};

/* Print err as the command's failure (stderr, and the --log file) and
 * return the exit code 1. */
int oci_fail(struct oci_cli *cli, const sk_error *err);
int oci_failf(struct oci_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Standard handling of -h/--help and a wrong argument count. */
int oci_usage(struct oci_cli *cli, const struct oci_verb *v, bool error);
/* Print JSON (2-space indent as runc) to stdout. */
void oci_print_json(json_t *j);

/* argv starts at the global options; full_argv is main's argv. */
int oci_main(int argc, char **argv, const char *prog, char **full_argv);

extern const struct oci_verb oci_verb_create, oci_verb_start, oci_verb_run, oci_verb_state,
    oci_verb_kill, oci_verb_delete, oci_verb_list, oci_verb_exec, oci_verb_ps, oci_verb_pause,
    oci_verb_resume, oci_verb_features, oci_verb_spec, oci_verb_update, oci_verb_events;

#endif
