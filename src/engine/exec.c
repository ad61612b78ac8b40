/* exec.c - a command inside a running container (docker exec), and the
 * Docker API's exec instances. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/monitor.h"
#include "runtime/sync.h"
#include "oci/caps.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strutil.h"

/* env: the container's, then ours, a later KEY replacing an earlier one */
static int merge_env(char ***env, char *const *add)
{
    for (size_t i = 0; add && add[i]; i++) {
        size_t klen = strcspn(add[i], "=");
        bool done = false;
        for (size_t k = 0; *env && (*env)[k] && !done; k++)
            if (strncmp((*env)[k], add[i], klen) == 0 && (*env)[k][klen] == '=') {
                char *v = strdup(add[i]);
                if (v == NULL)
                    return -1;
                free((*env)[k]);
                (*env)[k] = v;
                done = true;
            }
        if (!done && sk_strv_push(env, add[i]) < 0)
            return -1;
    }
    return 0;
}

static int set_user(struct sk_engine *e, struct ctr *c, const char *user, struct oci_process *p,
                    sk_error *err)
{
    (void)e;
    char root[64];
    snprintf(root, sizeof root, "/proc/%d/root", (int)json_integer_value(json_object_get(c->state, "Pid")));
    _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_err(err, errno, "container %.12s: its root", c->id);
    _cleanup_json_ json_t *u = NULL;
    if (ctr_resolve_user(rootfd, user, NULL, &u, err) < 0)
        return -1;
    p->uid = (uint32_t)json_integer_value(json_object_get(u, "uid"));
    p->gid = (uint32_t)json_integer_value(json_object_get(u, "gid"));
    json_t *g = json_object_get(u, "additionalGids");
    free(p->additional_gids);
    p->n_additional_gids = json_array_size(g);
    p->additional_gids = calloc(p->n_additional_gids ? p->n_additional_gids : 1, sizeof(gid_t));
    if (p->additional_gids == NULL)
        return sk_err(err, ENOMEM, "exec");
    for (size_t i = 0; i < p->n_additional_gids; i++)
        p->additional_gids[i] = (gid_t)json_integer_value(json_array_get(g, i));
    return 0;
}

/* The container an exec goes into: running, not paused. */
static int find_running(struct sk_engine *e, const char *ref, struct ctr **out, sk_error *err)
{
    if (ctr_find(e, ref, out, err) < 0)
        return -1;
    struct ctr *c = *out;
    ctr_reconcile(e, c);
    if (strcmp(ctr_status(c), "paused") == 0)
        return sk_err(err, 0, "Container %s is paused, unpause the container before exec", c->id);
    if (!ctr_is_running(c))
        return sk_err(err, 0, "Container %s is not running", c->id);
    return 0;
}

static void exec_event(struct sk_engine *e, json_t *ctr_cfg, const char *what, json_t *cmd,
                       const char *id, json_t *extra);

/* An exec in c, no events. */
static int exec_in(struct sk_engine *e, struct ctr *c, const struct sk_exec_opts *o, int *status,
                   sk_error *err)
{
    if (o->cmd == NULL || o->cmd[0] == NULL)
        return sk_err(err, 0, "No exec command specified");
    struct oci_process p;
    memset(&p, 0, sizeof p);
    if (rt_exec_base(&e->rt, c->id, &p, err) < 0)
        return -1;
    int rc = -1;
    char **args = sk_strv_dup(o->cmd);
    if (args == NULL) {
        sk_err(err, ENOMEM, "exec");
        goto out;
    }
    sk_strv_free(p.args);
    p.args = args;
    if (merge_env(&p.env, o->env) < 0) {
        sk_err(err, ENOMEM, "exec");
        goto out;
    }
    if (o->workdir != NULL && *o->workdir) {
        if (o->workdir[0] != '/') {
            sk_err(err, 0, "the working directory '%s' is invalid, it needs to be an absolute path", o->workdir);
            goto out;
        }
        free(p.cwd);
        p.cwd = strdup(o->workdir);
    }
    if (o->user != NULL && *o->user && set_user(e, c, o->user, &p, err) < 0)
        goto out;
    p.terminal = o->tty;
    if (o->privileged) {
        p.has_caps = true;
        uint64_t all = 0;
        for (int cap = 0; cap <= oci_cap_last(); cap++) /* what we have, as docker's --privileged */
            if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
                all |= 1ULL << cap;
        p.caps.bounding = p.caps.effective = p.caps.permitted = all;
        p.caps.inheritable = p.caps.ambient = 0;
    }
    struct rt_exec_opts xo = {.id = c->id, .process = &p, .detach = o->detach};
    int st = 0, console = -1;
    char sock[PATH_MAX + 32];
    if (o->detach && o->tty) { /* its terminal goes to the container's monitor, which drains it */
        char r[9];
        if (sk_random_hex(r, 4) < 0)
            snprintf(r, sizeof r, "%08x", (unsigned)getpid());
        snprintf(sock, sizeof sock, "%s.x%s", c->sockbase, r);
        if ((console = monitor_listen(sock, err)) < 0)
            goto out;
        xo.console_socket = sock;
    }
    rc = rt_exec(&e->rt, &xo, &st, err);
    if (rc == 0 && status != NULL)
        *status = st;
    if (console >= 0) {
        struct pollfd pf = {console, POLLIN, 0};
        int conn = rc == 0 && poll(&pf, 1, 5000) == 1 ? accept4(console, NULL, NULL, SOCK_CLOEXEC) : -1;
        int master = conn >= 0 ? recv_fd(conn) : -1;
        if (rc == 0 && (master < 0 || monitor_send_fd(c, 'p', master, err) < 0))
            rc = master < 0 ? sk_err(err, 0, "exec: the terminal did not arrive") : -1;
        if (master >= 0)
            close(master);
        if (conn >= 0)
            close(conn);
        close(console);
        unlink(sock);
    }
out:
    oci_process_clear(&p);
    return rc;
}

int sk_container_exec(struct sk_engine *e, const char *ref, const struct sk_exec_opts *o,
                      int *status, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (find_running(e, ref, &c, err) < 0)
        return -1;
    /* docker's events for an exec that has no instance of its own (skiff
     * exec, health checks): exec_create, exec_start, exec_die */
    char id[SK_ID_LEN + 1];
    _cleanup_json_ json_t *cmd = json_array();
    for (size_t i = 0; o->cmd != NULL && o->cmd[i] != NULL; i++)
        json_array_append_new(cmd, json_string(o->cmd[i]));
    bool evented = sk_random_hex(id, SK_ID_LEN / 2) == 0;
    if (evented) {
        exec_event(e, c->cfg, "exec_create", cmd, id, NULL);
        exec_event(e, c->cfg, "exec_start", cmd, id, NULL);
    }
    int st = 0;
    int rc = exec_in(e, c, o, &st, err);
    if (status != NULL)
        *status = st;
    if (evented && !o->detach) {
        char code[24];
        snprintf(code, sizeof code, "%d", rc == 0 ? st : 126);
        exec_event(e, c->cfg, "exec_die", NULL, id, json_pack("{s:s}", "exitCode", code));
    }
    return rc;
}

/* ---- exec instances (the Docker API's exec create / start / inspect) -------------------------
 *
 * A record per instance in <runroot>/execs/<id>.json, docker's ExecInspect
 * shape plus "Config" (the create body) and "Owner" (the process that runs
 * it, for resize), both kept from inspect. */

static void exec_path(struct sk_engine *e, const char *id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/execs/%s.json", e->runroot, id);
}

static int exec_save(struct sk_engine *e, json_t *rec, sk_error *err)
{
    char path[PATH_MAX], dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/execs", e->runroot);
    exec_path(e, json_string_value(json_object_get(rec, "ID")), path, sizeof path);
    _cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT);
    if (text == NULL)
        return sk_err(err, ENOMEM, "exec");
    if (sk_mkdir_p(dir, 0700, err) < 0)
        return -1;
    return sk_write_atomic(path, text, strlen(text), 0600, 0, err);
}

static int exec_load(struct sk_engine *e, const char *id, json_t **out, sk_error *err)
{
    char path[PATH_MAX];
    if (!sk_valid_id(id) || strlen(id) != SK_ID_LEN)
        return sk_err(err, 0, "No such exec instance: %s", id);
    exec_path(e, id, path, sizeof path);
    char *buf;
    size_t len;
    if (sk_read_file(path, 1u << 20, &buf, &len, NULL) < 0)
        return sk_err(err, 0, "No such exec instance: %s", id);
    *out = sk_json_parse(buf, len, path, err);
    free(buf);
    return *out ? 0 : -1;
}

/* Records of execs that ended more than an hour ago go (docker keeps them
 * while the container lives; nobody asks after an hour). */
static void exec_gc(struct sk_engine *e)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/execs", e->runroot);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0 || now - st.st_mtime < 3600)
            continue;
        json_t *rec = NULL;
        char id[SK_ID_LEN + 1];
        snprintf(id, sizeof id, "%.*s", SK_ID_LEN, de->d_name);
        if (exec_load(e, id, &rec, NULL) < 0 || !json_is_true(json_object_get(rec, "Running")))
            unlinkat(dirfd(d), de->d_name, 0);
        json_decref(rec);
    }
    closedir(d);
}

/* docker's "exec_create: sh -c true" and friends, with the exec's id */
static void exec_event(struct sk_engine *e, json_t *ctr_cfg, const char *what, json_t *cmd,
                       const char *id, json_t *extra)
{
    struct strbuf b = {0};
    sb_puts(&b, what);
    size_t i;
    json_t *v;
    json_array_foreach(cmd, i, v)
    {
        sb_puts(&b, i ? " " : ": ");
        sb_puts(&b, json_string_value(v) ?: "");
    }
    json_t *attrs = extra ? extra : json_object();
    json_object_set_new(attrs, "execID", json_string(id));
    sk_event_container(e, ctr_cfg, b.s ? b.s : what, attrs);
    sb_free(&b);
}

int sk_exec_create(struct sk_engine *e, const char *ref, json_t *cfg, char id[SK_ID_LEN + 1],
                   sk_error *err)
{
    exec_gc(e);
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (find_running(e, ref, &c, err) < 0)
        return -1;
    json_t *cmd = json_object_get(cfg, "Cmd");
    if (!json_is_array(cmd) || json_array_size(cmd) == 0)
        return sk_err(err, 0, "No exec command specified");
    size_t i;
    json_t *v;
    json_array_foreach(cmd, i, v) if (!json_is_string(v)) return sk_err(err, 0, "invalid Cmd: expected strings");
    if (sk_random_hex(id, SK_ID_LEN / 2) < 0)
        return sk_err(err, errno, "random");
    json_t *args = json_array();
    for (i = 1; i < json_array_size(cmd); i++)
        json_array_append(args, json_array_get(cmd, i));
    json_t *rec = json_pack("{s:s, s:b, s:n, s:i, s:b, s:b, s:b, s:b, s:s, s:s, s:{s:b, s:O, s:o, s:b, s:s},"
                            " s:O, s:i}",
                            "ID", id, "Running", 0, "ExitCode", "Pid", 0, "OpenStdin",
                            json_is_true(json_object_get(cfg, "AttachStdin")), "OpenStdout",
                            json_is_true(json_object_get(cfg, "AttachStdout")), "OpenStderr",
                            json_is_true(json_object_get(cfg, "AttachStderr")), "CanRemove", 0,
                            "ContainerID", c->id, "DetachKeys",
                            json_string_value(json_object_get(cfg, "DetachKeys")) ?: "", "ProcessConfig",
                            "tty", json_is_true(json_object_get(cfg, "Tty")), "entrypoint",
                            json_array_get(cmd, 0), "arguments", args, "privileged",
                            json_is_true(json_object_get(cfg, "Privileged")), "user",
                            json_string_value(json_object_get(cfg, "User")) ?: "", "Config", cfg, "Owner", 0);
    if (rec == NULL)
        return sk_err(err, ENOMEM, "exec");
    int rc = exec_save(e, rec, err);
    json_decref(rec);
    if (rc == 0)
        exec_event(e, c->cfg, "exec_create", cmd, id, NULL);
    return rc;
}

int sk_exec_inspect(struct sk_engine *e, const char *id, json_t **out, sk_error *err)
{
    if (exec_load(e, id, out, err) < 0)
        return -1;
    json_object_del(*out, "Config");
    json_object_del(*out, "Owner");
    return 0;
}

/* Put fd on target for the call (saved in *saved, -1 when left alone). */
static int swap_fd(int fd, int target, int *saved)
{
    *saved = -1;
    if (fd < 0)
        return 0;
    *saved = fcntl(target, F_DUPFD_CLOEXEC, 3);
    if (dup2(fd, target) < 0)
        return -1;
    return 0;
}

static void restore_fd(int saved, int target)
{
    if (saved >= 0) {
        dup2(saved, target);
        close(saved);
    }
}

int sk_exec_start(struct sk_engine *e, const char *id, const int stdio[3], bool detach, sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (exec_load(e, id, &rec, err) < 0)
        return -1;
    if (json_is_true(json_object_get(rec, "Running")) || !json_is_null(json_object_get(rec, "ExitCode")))
        return sk_err(err, 0, "conflict: exec %s has already run", id);
    json_t *cfg = json_object_get(rec, "Config");
    _cleanup_strv_ char **cmd = NULL, **env = NULL;
    if (sk_json_strv(cfg, "Cmd", "Cmd", &cmd, err) < 0 || sk_json_strv(cfg, "Env", "Env", &env, err) < 0)
        return -1;
    const char *cid = json_string_value(json_object_get(rec, "ContainerID"));
    struct ctr *c = NULL;
    if (find_running(e, cid, &c, err) < 0)
        return -1;
    json_object_set_new(rec, "Running", json_true());
    json_object_set_new(rec, "Owner", json_integer(getpid()));
    if (exec_save(e, rec, err) < 0) {
        ctr_free(c);
        return -1;
    }
    struct sk_exec_opts o = {.cmd = cmd, .env = env,
                             .workdir = json_string_value(json_object_get(cfg, "WorkingDir")),
                             .user = json_string_value(json_object_get(cfg, "User")),
                             .tty = json_is_true(json_object_get(cfg, "Tty")), .detach = detach,
                             .privileged = json_is_true(json_object_get(cfg, "Privileged"))};
    exec_event(e, c->cfg, "exec_start", json_object_get(cfg, "Cmd"), id, NULL);
    int saved[3] = {-1, -1, -1}, status = 0, rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++)
        rc = swap_fd(stdio ? stdio[i] : -1, i, &saved[i]);
    if (rc < 0)
        sk_err(err, errno, "exec: stdio");
    else
        rc = exec_in(e, c, &o, &status, err);
    for (int i = 0; i < 3; i++)
        restore_fd(saved[i], i);
    json_object_set_new(rec, "Running", json_boolean(detach && rc == 0));
    if (!detach || rc < 0)
        json_object_set_new(rec, "ExitCode", json_integer(rc == 0 ? status : 126));
    sk_error ignored;
    exec_save(e, rec, &ignored); /* the exit code before the caller closes the stream */
    if (!detach) {
        char code[24];
        snprintf(code, sizeof code, "%lld", (long long)json_integer_value(json_object_get(rec, "ExitCode")));
        exec_event(e, c->cfg, "exec_die", NULL, id, json_pack("{s:s}", "exitCode", code));
    }
    ctr_free(c);
    return rc;
}

/* The pty master of the process running an exec: taken from it with pidfd_getfd. */
static int owner_pty(pid_t owner)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)owner);
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int pidfd = (int)syscall(SYS_pidfd_open, owner, 0), got = -1;
    struct dirent *de;
    while (pidfd >= 0 && got < 0 && (de = readdir(d)) != NULL) {
        char p[PATH_MAX], link[64];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        if (strcmp(link, "/dev/ptmx") == 0 || strcmp(link, "/dev/pts/ptmx") == 0)
            got = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
    }
    closedir(d);
    if (pidfd >= 0)
        close(pidfd);
    return got;
}

int sk_exec_resize(struct sk_engine *e, const char *id, int rows, int cols, sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (exec_load(e, id, &rec, err) < 0)
        return -1;
    if (rows <= 0 || cols <= 0 || rows > 9999 || cols > 9999)
        return sk_err(err, 0, "invalid terminal size %dx%d", rows, cols);
    if (!json_is_true(json_object_get(json_object_get(rec, "ProcessConfig"), "tty")))
        return 0;
    pid_t owner = (pid_t)json_integer_value(json_object_get(rec, "Owner"));
    if (!json_is_true(json_object_get(rec, "Running")) || owner <= 0)
        return sk_err(err, 0, "exec %s is not running", id);
    _cleanup_close_ int fd = owner_pty(owner);
    if (fd < 0)
        return sk_err(err, 0, "exec %s: its terminal is not there yet", id);
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
        return sk_err(err, errno, "exec %s: resize", id);
    return 0;
}
