/* stats.c - what a container uses (cgroup statistics, network counters)
 * and which processes it runs (docker top). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"

extern char **environ;

static int running(struct sk_engine *e, const char *ref, struct ctr **out, sk_error *err)
{
    if (ctr_find(e, ref, out, err) < 0)
        return -1;
    ctr_reconcile(e, *out);
    if (!ctr_is_running(*out)) {
        sk_err(err, 0, "Container %s is not running", (*out)->id);
        ctr_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* rx and tx bytes of the container's interfaces but lo, from its netns. */
static void net_bytes(pid_t pid, uint64_t *rx, uint64_t *tx)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/net/dev", (int)pid);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    char line[512];
    *rx = *tx = 0;
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        char *name = line + strspn(line, " ");
        if (strcmp(name, "lo") == 0)
            continue;
        unsigned long long v[16] = {0};
        if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
            *rx += v[0];
            *tx += v[8];
        }
    }
}

int sk_container_stats(struct sk_engine *e, const char *ref, json_t **out, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (running(e, ref, &c, err) < 0)
        return -1;
    struct cg_stats st = {0};
    if (rt_stats(&e->rt, c->id, &st, err) < 0)
        return -1;
    pid_t pid = (pid_t)json_integer_value(json_object_get(c->state, "Pid"));
    uint64_t rx, tx;
    net_bytes(pid, &rx, &tx);
    uint64_t limit = st.memory_limit;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    uint64_t host = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
    if (limit == 0 || (host && limit > host))
        limit = host; /* unlimited: docker shows the host's memory */
    const char *name = json_string_value(json_object_get(c->cfg, "Name"));
    *out = json_pack("{s:s, s:s, s:{s:{s:I, s:I, s:I}}, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:{s:I, s:I}}}",
                     "id", c->id, "name", name ? name : "", "cpu_stats", "cpu_usage", "total_usage",
                     (json_int_t)st.cpu_usage_ns, "usage_in_usermode", (json_int_t)st.cpu_user_ns,
                     "usage_in_kernelmode", (json_int_t)st.cpu_system_ns, "memory_stats", "usage",
                     (json_int_t)st.memory_usage, "limit", (json_int_t)limit, "max_usage",
                     (json_int_t)st.memory_max_usage, "cache", (json_int_t)st.memory_cache,
                     "pids_stats", "current", (json_int_t)st.pids_current, "limit",
                     (json_int_t)(st.pids_limit > (uint64_t)INT64_MAX ? 0 : st.pids_limit), "networks", "eth0", "rx_bytes", (json_int_t)rx,
                     "tx_bytes", (json_int_t)tx);
    if (*out == NULL)
        return sk_err(err, ENOMEM, "stats");
    /* docker's blkio_stats: an entry per device and direction */
    json_t *io = json_array();
    for (size_t i = 0; i < st.n_io; i++)
        for (int w = 0; w < 2; w++)
            json_array_append_new(io, json_pack("{s:i, s:i, s:s, s:I}", "major", (int)st.io[i].major, "minor",
                                                (int)st.io[i].minor, "op", w ? "write" : "read", "value",
                                                (json_int_t)(w ? st.io[i].write_bytes : st.io[i].read_bytes)));
    json_object_set_new(*out, "blkio_stats", json_pack("{s:o, s:n}", "io_service_bytes_recursive", io,
                                                       "io_serviced_recursive"));
    return 0;
}

/* ---- top -------------------------------------------------------------------------------- */

static int run_ps(const char *args, char **text, sk_error *err)
{
    char *argv[34];
    int n = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", args && *args ? args : "-ef");
    argv[n++] = "ps";
    for (char *s = NULL, *t = strtok_r(buf, " ", &s); t && n < 32; t = strtok_r(NULL, " ", &s))
        argv[n++] = t;
    argv[n] = NULL;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return sk_err(err, errno, "pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    pid_t pid;
    int r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return sk_err(err, r, "ps");
    }
    size_t len;
    int rr = sk_read_fd(p[0], "ps", 16u << 20, text, &len, err);
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (rr < 0)
        return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        free(*text);
        *text = NULL;
        return sk_err(err, 0, "ps %s failed", args ? args : "-ef");
    }
    return 0;
}

int sk_container_top(struct sk_engine *e, const char *ref, const char *ps_args, json_t **out,
                     sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (running(e, ref, &c, err) < 0)
        return -1;
    pid_t *pids = NULL;
    size_t n = 0;
    if (rt_pids(&e->rt, c->id, &pids, &n, err) < 0)
        return -1;
    _cleanup_free_ char *text = NULL;
    if (run_ps(ps_args, &text, err) < 0) {
        free(pids);
        return -1;
    }
    json_t *titles = json_array(), *procs = json_array();
    int pid_col = -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (json_array_size(titles) == 0) {
            char *s2 = NULL;
            for (char *t = strtok_r(line, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2)) {
                if (strcmp(t, "PID") == 0)
                    pid_col = (int)json_array_size(titles);
                json_array_append_new(titles, json_string(t));
            }
            if (pid_col < 0) {
                json_decref(titles);
                json_decref(procs);
                free(pids);
                return sk_err(err, 0, "Couldn't find PID field in ps output");
            }
            continue;
        }
        /* the last column takes the rest of the line (the command) */
        json_t *row = json_array();
        char *p = line;
        size_t cols = json_array_size(titles);
        for (size_t k = 0; k < cols && *p; k++) {
            p += strspn(p, " \t");
            size_t len = k + 1 == cols ? strlen(p) : strcspn(p, " \t");
            json_array_append_new(row, json_stringn(p, len));
            p += len;
        }
        long pid = strtol(json_string_value(json_array_get(row, (size_t)pid_col)) ?: "0", NULL, 10);
        bool ours = false;
        for (size_t k = 0; k < n && !ours; k++)
            ours = pids[k] == (pid_t)pid;
        if (ours)
            json_array_append_new(procs, row);
        else
            json_decref(row);
    }
    free(pids);
    *out = json_pack("{s:o, s:o}", "Titles", titles, "Processes", procs);
    return 0;
}
