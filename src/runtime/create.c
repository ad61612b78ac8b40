/* create.c - create, start and run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/child.h"
#include "runtime/foreground.h"
#include "runtime/hooks.h"
#include "runtime/plan_build.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "util/arena.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/strutil.h"


/* Everything create builds, so that one function can undo it. */
struct creation {
    const struct rt_global *g;
    const char *id;
    char bundle[PATH_MAX];
    char *config_text;
    size_t config_len;
    struct oci_spec *spec;
    char *dir;
    int dirfd;
    struct cgroup *cg;
    struct sk_arena arena;
    struct init_plan plan;
    struct seccomp_program seccomp;
    pid_t pid;
    int sock;
    int pty;       /* foreground terminal: the master */
    int fifo;
    bool keep;     /* success: do not undo */
};

static void creation_undo(struct creation *c)
{
    if (c->pid > 0 && !c->keep) {
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (c->cg != NULL && !c->keep) {
        sk_error e;
        if (cg_destroy(c->cg, &e) < 0)
            sk_warn("%s", e.msg);
    }
    if (c->dir != NULL && !c->keep)
        sk_rm_rf(c->dir, NULL);
    if (c->sock >= 0)
        close(c->sock);
    if (c->fifo >= 0)
        close(c->fifo);
    if (c->pty >= 0 && !c->keep)
        close(c->pty);
    if (c->dirfd >= 0)
        close(c->dirfd);
    if (c->plan.proc.console_sock >= 0)
        close(c->plan.proc.console_sock);
    if (c->plan.cgroup_fd >= 0)
        close(c->plan.cgroup_fd);
    plan_close_fds(&c->plan);
    seccomp_program_clear(&c->seccomp);
    sk_arena_free(&c->arena);
    oci_spec_free(c->spec);
    cg_free(c->cg);
    free(c->config_text);
    free(c->dir);
}

static int load_bundle(struct creation *c, const char *bundle, sk_error *err)
{
    if (realpath(bundle ? bundle : ".", c->bundle) == NULL)
        return sk_err(err, errno, "bundle %s", bundle ? bundle : ".");
    _cleanup_free_ char *path = sk_strdup_printf("%s/config.json", c->bundle);
    if (path == NULL)
        return sk_err(err, ENOMEM, "bundle");
    if (sk_read_file(path, 16u << 20, &c->config_text, &c->config_len, err) < 0)
        return -1;
    return oci_spec_parse(c->config_text, c->config_len, "config.json", &c->spec, err);
}

static int make_dir(struct creation *c, sk_error *err)
{
    _cleanup_close_ int root = rt_open_root(c->g, true, err);
    if (root < 0)
        return -1;
    if (mkdirat(root, c->id, 0700) < 0) {
        if (errno == EEXIST)
            return sk_err(err, 0, "container \"%s\" already exists", c->id);
        return sk_err(err, errno, "create state for %s", c->id);
    }
    c->dir = sk_strdup_printf("%s/%s", c->g->root, c->id);
    if (c->dir == NULL)
        return sk_err(err, ENOMEM, "create");
    c->dirfd = openat(root, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dirfd < 0 || flock(c->dirfd, LOCK_EX) < 0)
        return sk_err(err, errno, "lock state of %s", c->id);
    _cleanup_free_ char *cfg = sk_strdup_printf("%s/config.json", c->dir);
    if (cfg == NULL)
        return sk_err(err, ENOMEM, "create");
    return sk_write_atomic(cfg, c->config_text, c->config_len, 0600, 0, err);
}

/* state.json.  Written once as soon as the cgroup is known, with pid 0 and
 * the creating process (so a create killed half-way is seen as stopped and
 * delete can clean up after it), and again when the container is ready. */
static int write_record(struct creation *c, bool creating, sk_error *err)
{
    char created[64];
    rt_now_rfc3339(created, sizeof created);
    json_t *j = json_pack("{s:s, s:i, s:I, s:s, s:s, s:s}", "id", c->id, "pid", (int)c->pid,
                          "init_start", (json_int_t)(c->pid > 0 ? rt_pid_start_time(c->pid) : 0),
                          "bundle", c->bundle, "created", created, "owner", "");
    if (j == NULL)
        return sk_err(err, ENOMEM, "state");
    if (c->plan.rootfs != NULL)
        json_object_set_new(j, "rootfs", json_string(c->plan.rootfs));
    if (creating) {
        json_object_set_new(j, "creator", json_integer(getpid()));
        json_object_set_new(j, "creator_start", json_integer((json_int_t)rt_pid_start_time(getpid())));
    }
    json_t *ann = json_object_get(c->spec->json, "annotations");
    if (json_is_object(ann))
        json_object_set(j, "annotations", ann);
    if (c->cg != NULL)
        json_object_set_new(j, "cgroup", cg_to_json(c->cg));
    _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    _cleanup_free_ char *path = sk_strdup_printf("%s/state.json", c->dir);
    if (text == NULL || path == NULL)
        return sk_err(err, ENOMEM, "state");
    return sk_write_atomic(path, text, strlen(text), 0600, 0, err);
}

static int make_cgroup(struct creation *c, sk_error *err)
{
    struct cg_host host;
    if (c->g->systemd_cgroup && access("/run/systemd/system", F_OK) != 0)
        return sk_err(err, 0, "--systemd-cgroup: systemd is not running on this host "
                              "(no /run/systemd/system); leave the option out to use cgroupfs");
    if (cg_host_detect(&host, err) < 0)
        return sk_err_prefix(err, "cgroups");
    const char *own = host.mode == CG_MODE_V2 ? host.unified_own
                      : host.n_hiers > 0      ? host.hiers[0].own
                                              : "/";
    _cleanup_free_ char *path = NULL;
    int r = cg_resolve_path(c->spec->lx.cgroups_path, c->id, c->g->systemd_cgroup,
                            own ? own : "/", &path, err);
    if (r == 0)
        r = cg_new(&host, path, &c->cg, err);
    cg_host_clear(&host);
    if (r < 0 || write_record(c, true, err) < 0)
        return -1;
    if (cg_create(c->cg, err) < 0)
        return -1;
    if (c->spec->lx.has_resources && cg_apply(c->cg, &c->spec->lx.res, err) < 0)
        return -1;
    return 0;
}

static int write_id_maps(pid_t pid, const char *file, const struct oci_id_map *m, size_t n,
                          sk_error *err)
{
    char path[64], buf[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id,
                                m[i].host_id, m[i].size);
    if (len >= sizeof buf)
        return sk_err(err, E2BIG, "%s: too many ranges", file);
    if (sk_write_existing(path, buf, err) < 0)
        return sk_err_prefix(err, "user namespace %s", file);
    return 0;
}

static int set_oom_score(pid_t pid, int64_t v, sk_error *err)
{
    char path[64];
    sk_error e2;
    snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
    char val[32];
    snprintf(val, sizeof val, "%lld", (long long)v);
    if (sk_write_existing(path, val, &e2) == 0)
        return 0;
    if (e2.errnum == EACCES || e2.errnum == EPERM)
        return sk_err(err, e2.errnum, "process.oomScoreAdj %lld (lowering the score needs "
                                      "CAP_SYS_RESOURCE)", (long long)v);
    return sk_err(err, e2.errnum, "process.oomScoreAdj %lld", (long long)v);
}

/* The OCI state given to hooks. */
static char *hook_state(struct creation *c, const char *status, size_t *len)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", "1.1.0", "id", c->id,
                          "status", status, "pid", (int)c->pid, "bundle", c->bundle);
    if (j == NULL)
        return NULL;
    json_t *ann = json_object_get(c->spec->json, "annotations");
    if (json_is_object(ann))
        json_object_set(j, "annotations", ann);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s != NULL)
        *len = strlen(s);
    return s;
}

static int spawn_container(struct creation *c, sk_error *err)
{
    struct ns_saved saved;
    int r = plan_parent_ns_enter(&c->plan, &c->spec->lx, &saved, err);
    if (r == 0)
        r = spawn_init(&c->plan, &c->pid, &c->sock, err);
    plan_parent_ns_restore(&saved);
    plan_close_fds(&c->plan);
    if (r < 0)
        return -1;
    const struct oci_linux *l = &c->spec->lx;
    if (c->plan.userns && (write_id_maps(c->pid, "uid_map", l->uid_maps, l->n_uid_maps, err) < 0 ||
                           write_id_maps(c->pid, "gid_map", l->gid_maps, l->n_gid_maps, err) < 0))
        return -1;
    if (c->cg != NULL && !c->plan.cloned_into_cgroup && cg_enter(c->cg, c->pid, err) < 0)
        return -1;
    if (c->spec->process.oom_score_adj.set &&
        set_oom_score(c->pid, c->spec->process.oom_score_adj.v, err) < 0)
        return -1;
    if (sync_send(c->sock, SYNC_GO, 0, NULL, 0, -1) < 0)
        return sk_err(err, errno, "start container init");
    if (sync_expect(c->sock, SYNC_MOUNTS, NULL, 0, NULL, err) < 0)
        return -1;
    size_t slen = 0;
    _cleanup_free_ char *state = hook_state(c, "created", &slen);
    if (state == NULL)
        return sk_err(err, ENOMEM, "state");
    if (hooks_run(c->spec->hooks[OCI_HOOK_PRESTART], c->spec->n_hooks[OCI_HOOK_PRESTART],
                  "prestart", state, slen, err) < 0 ||
        hooks_run(c->spec->hooks[OCI_HOOK_CREATE_RUNTIME], c->spec->n_hooks[OCI_HOOK_CREATE_RUNTIME],
                  "createRuntime", state, slen, err) < 0)
        return -1;
    if (slen > SYNC_PAYLOAD_MAX)
        return sk_err(err, E2BIG, "state for hooks is too large");
    if (sync_send(c->sock, SYNC_HOOKS_DONE, 0, state, slen, -1) < 0)
        return sk_err(err, errno, "sync with container init");
    for (;;) {
        struct sync_hdr h;
        char msg[1100];
        int fd = -1;
        ssize_t n = sync_recv(c->sock, &h, msg, sizeof msg - 1, &fd);
        if (n == -2)
            return sk_err(err, 0, "container init exited during setup");
        if (n < 0)
            return sk_err(err, errno, "sync with container init");
        if (h.type == SYNC_ERROR) {
            sk_err(err, 0, "%s", msg); /* it carries the child's strerror */
            err->errnum = h.errnum;
            return -1;
        }
        if (h.type == SYNC_READY)
            return 0;
        if (h.type == SYNC_FD && fd >= 0) {
            c->pty = fd;
        } else if (h.type == SYNC_SECCOMP_FD && fd >= 0) {
            if (seccomp_forward_listener(&c->seccomp, fd, c->id, c->pid, c->bundle, err) < 0)
                return -1;
        } else {
            if (fd >= 0)
                close(fd);
            return sk_err(err, EPROTO, "sync with container init: unexpected message %u", h.type);
        }
    }
}

static int setup_console(struct creation *c, const char *socket_path, bool foreground,
                         sk_error *err)
{
    bool tty = c->spec->process.terminal;
    if (tty && socket_path == NULL && !foreground)
        return sk_err(err, 0, "process.terminal is set: a detached container needs --console-socket "
                              "to hand the terminal to");
    if (!tty && socket_path != NULL)
        return sk_err(err, 0, "--console-socket given, but process.terminal is false");
    if (tty && socket_path != NULL) {
        c->plan.proc.console_sock = fg_console_connect(socket_path, err);
        if (c->plan.proc.console_sock < 0)
            return -1;
    }
    return 0;
}

static int do_create(struct creation *c, const struct rt_create_opts *o, bool with_fifo,
                     bool foreground, sk_error *err)
{
    if (!rt_valid_id(o->id, err) || load_bundle(c, o->bundle, err) < 0 || make_dir(c, err) < 0 ||
        make_cgroup(c, err) < 0)
        return -1;
    struct plan_opts po = {.id = c->id, .bundle = c->bundle, .cgroup = c->cg,
                           .no_pivot = o->no_pivot, .no_new_keyring = o->no_new_keyring};
    if (plan_build_init(&c->plan, &c->arena, c->spec, &po, err) < 0)
        return -1;
    char cache[4096];
    snprintf(cache, sizeof cache, "%s/seccomp.cache", c->g->root);
    if (seccomp_compile_cached(c->spec->lx.seccomp, cache, &c->seccomp, err) < 0)
        return -1;
    c->plan.proc.seccomp = c->seccomp.prog;
    c->plan.proc.seccomp_flags = c->seccomp.flags;
    c->plan.proc.seccomp_notify = c->seccomp.notify;
    c->plan.proc.preserve_fds = o->preserve_fds;
    c->plan.lock_fd = c->dirfd;
    c->plan.cgroup_fd = cg_clone_fd(c->cg);
    if (setup_console(c, o->console_socket, foreground, err) < 0)
        return -1;
    if (with_fifo) {
        if (mkfifoat(c->dirfd, "exec.fifo", 0600) < 0)
            return sk_err(err, errno, "create exec.fifo");
        c->fifo = openat(c->dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (c->fifo < 0)
            return sk_err(err, errno, "open exec.fifo");
        c->plan.fifo_fd = c->fifo;
    }
    if (spawn_container(c, err) < 0 || write_record(c, false, err) < 0)
        return -1;
    if (o->pid_file != NULL && rt_write_pid_file(o->pid_file, c->pid, err) < 0)
        return -1;
    return 0;
}

static void creation_init(struct creation *c, const struct rt_global *g, const char *id)
{
    memset(c, 0, sizeof *c);
    c->g = g;
    c->id = id;
    c->dirfd = c->sock = c->pty = c->fifo = -1;
    c->plan.proc.console_sock = c->plan.cgroup_fd = -1;
    for (int i = 0; i < OCI_NS_COUNT; i++)
        c->plan.join_fds[i] = -1;
}

int rt_create(const struct rt_global *g, const struct rt_create_opts *o, sk_error *err)
{
    struct creation c;
    creation_init(&c, g, o->id);
    int r = do_create(&c, o, true, false, err);
    c.keep = r == 0;
    creation_undo(&c);
    return r;
}

int rt_start(const struct rt_global *g, const char *id, sk_error *err)
{
    struct rt_container *c;
    if (rt_container_load(g, id, &c, err) < 0)
        return -1;
    int ret = -1;
    if (rt_container_lock(c, err) < 0)
        goto out;
    enum rt_status st = rt_container_status(c);
    if (st != RT_CREATED) {
        sk_err(err, 0, "cannot start container \"%s\": it is %s, not created", id,
               rt_status_name(st));
        goto out;
    }
    int fd = openat(c->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        sk_err(err, errno == ENXIO ? 0 : errno, "cannot start container \"%s\"%s", id,
               errno == ENXIO ? ": its init process has exited" : "");
        goto out;
    }
    ssize_t w = write(fd, "0", 1);
    int e = errno;
    close(fd);
    if (w != 1) {
        sk_err(err, e, "start container \"%s\"", id);
        goto out;
    }
    unlinkat(c->dirfd, "exec.fifo", 0);
    rt_container_run_hooks(c, OCI_HOOK_POSTSTART, RT_RUNNING);
    ret = 0;
out:
    rt_container_free(c);
    return ret;
}

int rt_run(const struct rt_global *g, const struct rt_create_opts *o, bool detach, int *status,
           sk_error *err)
{
    struct creation c;
    sigset_t old;
    creation_init(&c, g, o->id);
    if (!detach)
        fg_block_signals(&old);
    int r = do_create(&c, o, false, !detach, err);
    c.keep = r == 0;
    pid_t pid = c.pid;
    int pty = c.pty;
    c.pty = -1;
    bool poststart = r == 0 && c.spec->n_hooks[OCI_HOOK_POSTSTART] > 0;
    creation_undo(&c);
    if (r < 0) {
        if (!detach)
            fg_restore_signals(&old);
        return -1;
    }
    struct rt_container *ct;
    if (poststart && rt_container_load(g, o->id, &ct, err) == 0) {
        rt_container_run_hooks(ct, OCI_HOOK_POSTSTART, RT_RUNNING);
        rt_container_free(ct);
    }
    if (detach)
        return 0;
    r = fg_wait(pid, pty, status, err);
    fg_restore_signals(&old);
    sk_error e2;
    if (rt_delete(g, o->id, true, &e2) < 0)
        sk_warn("%s", e2.msg);
    return r;
}
