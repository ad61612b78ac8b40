/* cli.h - the docker-compatible command line (`skiff images`, `skiff
 * load`, ...).  Commands parse flags, call the library, print docker's
 * output shapes; they hold no logic of their own. */
#ifndef SKIFF_CLI_H
#define SKIFF_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "image/store.h"
#include "util/error.h"

#define SKIFF_DEFAULT_ROOT "/var/lib/skiff"
#define SKIFF_DEFAULT_RUNROOT "/run/skiff"

struct sk_engine;

struct cli {
    const char *root;    /* persistent state */
    const char *runroot; /* runtime state */
    const char *log_level;
    struct image_store *store;
    struct sk_engine *engine;
    char **insecure;     /* --insecure-registry, SKIFF_INSECURE_REGISTRIES */
    char **pools;        /* --default-address-pool, SKIFF_DEFAULT_ADDRESS_POOLS */
};

struct cli_cmd {
    const char *name;    /* "images", "image ls" */
    const char *args;    /* "[OPTIONS] [REPOSITORY[:TAG]]" */
    const char *summary;
    const char *help;    /* the options */
    int (*run)(struct cli *c, int argc, char **argv);
};

/* Open (once) the image store under --root. */
struct image_store *cli_store(struct cli *c, sk_error *err);
/* Open (once) the engine (--root, --runroot). */
struct sk_engine *cli_engine(struct cli *c, sk_error *err);

/* "Error: <msg>" on stderr; returns 1. */
int cli_fail(const sk_error *err);
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage on stderr (error) or stdout (--help); returns 125 or 0. */
int cli_usage(const struct cli_cmd *cmd, bool error);
/* --help anywhere among the flags */
bool cli_wants_help(int argc, char **argv);

/* docker's units: "4.26MB", "2 hours ago" */
void human_size(uint64_t bytes, char *buf, size_t cap);
/* "1.953MiB", as docker stats prints memory */
void human_size_binary(uint64_t bytes, char *buf, size_t cap);
void human_since(time_t then, char *buf, size_t cap);
/* RFC 3339 text -> time_t (0 when it cannot be read) */
time_t parse_time(const char *s);

/* A table written the way docker's tabwriter does (padding 3, min width 10). */
struct table {
    char **cells; /* rows x cols, row-major */
    size_t rows, cols, cap;
};
void table_init(struct table *t, size_t cols);
void table_add(struct table *t, ...); /* cols strings */
void table_add_row(struct table *t, char *const *cells, size_t n);
void table_print(struct table *t);
void table_free(struct table *t);

/* --filter kind=value into filters {"kind": [values]}; kinds (NULL: any)
 * are the ones allowed.  -1 with the message printed ("Error: ..."). */
int cli_add_filter(json_t *filters, const char *arg, const char *const *kinds);

/* Render rows (JSON objects) with a user's --format: "table ..." prints a
 * header made of headers[] for the fields used. */
int print_formatted(const char *format, json_t *rows, const char *const headers[][2],
                    sk_error *err);
/* A list row's "Labels" (an object) as docker's --format sees it: .Labels
 * "k=v,..." (keys sorted), .Label "k" one value. */
void row_labels(json_t *row);

/* inspect's output: the objects as a JSON array, or each rendered with the
 * user's --format.  Returns 0, or 1 with the template's error printed. */
int print_inspected(const char *format, json_t *objects);

extern const struct cli_cmd cmd_images, cmd_image_inspect, cmd_tag, cmd_rmi, cmd_image_prune,
    cmd_save, cmd_load, cmd_import, cmd_system_df, cmd_image_history, cmd_pull, cmd_login,
    cmd_logout, cmd_update, cmd_run, cmd_create, cmd_start, cmd_attach, cmd_stop, cmd_kill, cmd_rm,
    cmd_restart, cmd_wait, cmd_pause, cmd_unpause, cmd_rename, cmd_ps, cmd_inspect,
    cmd_container_inspect, cmd_logs, cmd_container_prune, cmd_monitor, cmd_exec, cmd_cp, cmd_top, cmd_stats, cmd_port, cmd_diff, cmd_export, cmd_events, cmd_volume_create, cmd_volume_ls,
    cmd_volume_inspect, cmd_volume_rm, cmd_volume_prune, cmd_network_create, cmd_network_ls,
    cmd_network_inspect, cmd_network_rm, cmd_network_prune, cmd_network_connect,
    cmd_network_disconnect, cmd_serve, cmd_info;

#endif
