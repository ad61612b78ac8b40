/* state.c - container records: load, lock, derive the status. */
#define _GNU_SOURCE
#include "runtime/state.h"
#include "util/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"

static const char *const status_names[] = {
    [RT_CREATING] = "creating", [RT_CREATED] = "created", [RT_RUNNING] = "running",
    [RT_PAUSED] = "paused",     [RT_STOPPED] = "stopped",
};

const char *rt_status_name(enum rt_status s)
{
    return status_names[s];
}

bool rt_valid_id(const char *id, sk_error *err)
{
    if (!sk_valid_id(id)) {
        sk_err(err, 0, "invalid container id \"%s\": use letters, digits, \"_\", \"+\", \"-\" and "
                       "\".\" (not \".\" or \"..\")", id ? id : "");
        return false;
    }
    return true;
}

int rt_open_root(const struct rt_global *g, bool create, sk_error *err)
{
    if (create && sk_mkdir_p(g->root, 0700, err) < 0)
        return sk_err_prefix(err, "state root");
    int fd = open(g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sk_err(err, errno, "state root %s", g->root);
    return fd;
}

uint64_t rt_pid_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ')
        return 0;
    char state = p[2];
    if (state == 'Z' || state == 'X' || state == 'x')
        return 0; /* exited, only not yet reaped */
    /* fields after ")": 3=state ... 22=starttime */
    int field = 3;
    for (p += 2; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return strtoull(p, NULL, 10);
}

bool rt_pid_alive(pid_t pid, uint64_t start_time)
{
    if (pid <= 0)
        return false;
    uint64_t st = rt_pid_start_time(pid);
    return st != 0 && st == start_time;
}

void rt_now_rfc3339(char *buf, size_t cap)
{
    sk_rfc3339_now(buf, cap);
}

int rt_write_pid_file(const char *path, pid_t pid, sk_error *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", pid);
    if (sk_write_atomic(path, buf, (size_t)n, 0644, 0, err) < 0)
        return sk_err_prefix(err, "pid file");
    return 0;
}

int rt_container_load(const struct rt_global *g, const char *id, struct rt_container **out,
                      sk_error *err)
{
    if (!rt_valid_id(id, err))
        return -1;
    struct rt_container *c = calloc(1, sizeof *c);
    if (c == NULL)
        return sk_err(err, ENOMEM, "load %s", id);
    c->dirfd = -1;
    c->id = strdup(id);
    c->dir = sk_strdup_printf("%s/%s", g->root, id);
    if (c->id == NULL || c->dir == NULL) {
        rt_container_free(c);
        return sk_err(err, ENOMEM, "load %s", id);
    }
    c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dirfd < 0) {
        int e = errno;
        rt_container_free(c);
        if (e == ENOENT)
            return sk_err(err, 0, "container \"%s\" does not exist", id);
        return sk_err(err, e, "container \"%s\"", id);
    }
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (sk_read_file_at(c->dirfd, "state.json", 1u << 20, &buf, &len, err) < 0) {
        int e = err->errnum;
        rt_container_free(c);
        if (e == ENOENT) /* create was killed before it wrote anything */
            return sk_err(err, 0, "container \"%s\" was never completely created; "
                                  "remove it with delete --force", id);
        return sk_err_prefix(err, "container \"%s\"", id);
    }
    c->rec = sk_json_parse(buf, len, "state.json", err);
    int64_t pid = 0;
    uint64_t start = 0;
    json_t *cgj = NULL;
    if (c->rec == NULL || sk_json_i64(c->rec, "pid", "", &pid, err) <= 0 ||
        sk_json_u64(c->rec, "init_start", "", &start, err) < 0 ||
        sk_json_string(c->rec, "bundle", "", &c->bundle, err) <= 0 ||
        sk_json_string(c->rec, "rootfs", "", &c->rootfs, err) < 0 ||
        sk_json_string(c->rec, "created", "", &c->created, err) < 0 ||
        sk_json_object(c->rec, "cgroup", "", &cgj, err) < 0) {
        rt_container_free(c);
        return sk_err(err, 0, "container \"%s\": state.json is damaged", id);
    }
    c->pid = (pid_t)pid;
    c->start_time = start;
    int64_t creator = 0;
    uint64_t creator_start = 0;
    if (sk_json_i64(c->rec, "creator", "", &creator, NULL) > 0 &&
        sk_json_u64(c->rec, "creator_start", "", &creator_start, NULL) > 0) {
        c->creator = (pid_t)creator;
        c->creator_start = creator_start;
    }
    if (cgj != NULL && cg_from_json(cgj, &c->cg, err) < 0) {
        rt_container_free(c);
        return sk_err_prefix(err, "container \"%s\"", id);
    }
    *out = c;
    return 0;
}

void rt_container_free(struct rt_container *c)
{
    if (c == NULL)
        return;
    if (c->dirfd >= 0)
        close(c->dirfd);
    if (c->rec != NULL)
        json_decref(c->rec);
    cg_free(c->cg);
    oci_spec_free(c->spec);
    free(c->id);
    free(c->dir);
    free(c);
}

int rt_container_lock(struct rt_container *c, sk_error *err)
{
    while (flock(c->dirfd, LOCK_EX) < 0)
        if (errno != EINTR)
            return sk_err(err, errno, "lock container \"%s\"", c->id);
    return 0;
}

enum rt_status rt_container_status(struct rt_container *c)
{
    if (c->creator > 0) /* a create that died half-way left a stopped container */
        return rt_pid_alive(c->creator, c->creator_start) ? RT_CREATING : RT_STOPPED;
    if (!rt_pid_alive(c->pid, c->start_time))
        return RT_STOPPED;
    if (faccessat(c->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return RT_CREATED;
    if (c->cg != NULL && cg_is_frozen(c->cg) == 1)
        return RT_PAUSED;
    return RT_RUNNING;
}

json_t *rt_container_oci_state(struct rt_container *c, enum rt_status st)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", "1.1.0", "id", c->id,
                          "status", rt_status_name(st), "pid",
                          st == RT_STOPPED ? 0 : (int)c->pid, "bundle", c->bundle);
    if (j == NULL)
        return NULL;
    if (c->rootfs)
        json_object_set_new(j, "rootfs", json_string(c->rootfs));
    if (c->created)
        json_object_set_new(j, "created", json_string(c->created));
    json_object_set_new(j, "owner", json_string(""));
    json_t *ann = json_object_get(c->rec, "annotations");
    if (json_is_object(ann) && json_object_size(ann) > 0)
        json_object_set(j, "annotations", ann);
    return j;
}

int rt_container_spec(struct rt_container *c, struct oci_spec **out, sk_error *err)
{
    if (c->spec == NULL) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (sk_read_file_at(c->dirfd, "config.json", 16u << 20, &buf, &len, err) < 0 ||
            oci_spec_parse(buf, len, "config.json", &c->spec, err) < 0)
            return sk_err_prefix(err, "container \"%s\"", c->id);
    }
    *out = c->spec;
    return 0;
}

void rt_container_run_hooks(struct rt_container *c, enum oci_hook_kind kind, enum rt_status status)
{
    struct oci_spec *s;
    sk_error e;
    if (rt_container_spec(c, &s, &e) < 0) {
        sk_warn("%s", e.msg);
        return;
    }
    if (s->n_hooks[kind] == 0)
        return;
    json_t *st = rt_container_oci_state(c, status);
    _cleanup_free_ char *text = st ? json_dumps(st, JSON_COMPACT) : NULL;
    json_decref(st);
    if (text != NULL &&
        hooks_run(s->hooks[kind], s->n_hooks[kind], oci_hook_name(kind), text, strlen(text), &e) < 0)
        sk_warn("%s", e.msg);
}
