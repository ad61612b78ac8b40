/* h_stream.c - hijacked connections: attach, and exec create / start /
 * inspect / resize. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/api_int.h"
#include "util/json.h"

/* ---- the byte pump --------------------------------------------------------------------------- */

/* What the client sent after its request (stdin typed early) goes first. */
static int flush_buffered(struct http_conn *c, int fd)
{
    if (c->off < c->len && http_write_all(fd, c->buf + c->off, c->len - c->off) < 0)
        return -1;
    c->off = c->len;
    return 0;
}

void api_splice(struct http_conn *c, int fd, bool pass_eof)
{
    char buf[32768];
    bool client_open = flush_buffered(c, fd) == 0;
    for (;;) {
        struct pollfd p[2] = {{fd, POLLIN, 0}, {c->fd, client_open ? POLLIN : 0, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p[0].revents) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || http_write_all(c->fd, buf, (size_t)n) < 0)
                return; /* the stream ended (the container did), or the client is gone */
        }
        if (client_open && p[1].revents) {
            ssize_t n = read(c->fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) { /* a half-close: stdin ended; output goes on */
                client_open = false;
                if (pass_eof)
                    shutdown(fd, SHUT_WR);
                if (n < 0 || (p[1].revents & (POLLHUP | POLLERR)))
                    return;
            } else if (http_write_all(fd, buf, (size_t)n) < 0) {
                client_open = false;
            }
        } else if (!client_open && (p[1].revents & (POLLHUP | POLLERR))) {
            return;
        }
    }
}

/* ---- attach ---------------------------------------------------------------------------------- */

static int config_of(struct api_ctx *x, const char *ref, json_t **cfg)
{
    json_t *j;
    sk_error err;
    if (sk_container_inspect(x->e, ref, &j, &err) < 0)
        return api_fail(x, &err), -1;
    *cfg = json_incref(json_object_get(j, "Config"));
    json_decref(j);
    return 0;
}

struct raw_logs {
    int fd;
    bool tty;
};

/* A log entry on a hijacked connection: framed unless the container has a terminal. */
static int raw_log_entry(void *ud, int stream, const char *time, const char *data, size_t len)
{
    (void)time;
    struct raw_logs *rl = ud;
    unsigned char h[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
    if (!rl->tty && http_write_all(rl->fd, h, sizeof h) < 0)
        return 1;
    return http_write_all(rl->fd, data, len) < 0 ? 1 : 0;
}

struct hijack_ctx {
    struct api_ctx *x;
    const char *ctype;
    bool done, failed;
};

static void hijack_now(void *ud)
{
    struct hijack_ctx *h = ud;
    if (h->done)
        return;
    h->done = true;
    h->failed = http_hijack(h->x->c, h->x->r, h->ctype) < 0;
}

static int attach(struct api_ctx *x)
{
    const char *ref = x->param[0];
    bool in = api_qbool(x, "stdin", false), stream = api_qbool(x, "stream", false);
    bool logs = api_qbool(x, "logs", false);
    json_t *cfg;
    if (config_of(x, ref, &cfg) < 0)
        return 0;
    bool tty = json_is_true(json_object_get(cfg, "Tty"));
    bool once = json_is_true(json_object_get(cfg, "StdinOnce"));
    json_decref(cfg);
    if (!stream && !logs)
        return api_error(x, 400, "Bad parameters: you must choose at least one stream");
    if (http_discard_body(x->c, x->r) < 0) /* dockerode sends a chunked empty body */
        return -1;
    x->body_read = true;
    if (!stream || logs) { /* nothing to register first */
        if (http_hijack(x->c, x->r, api_stream_type(x, tty)) < 0)
            return -1;
    }
    if (logs) { /* what it printed so far, then (with stream) what it prints */
        /* docker-py reads the response head through a buffer and then the
         * socket under it: bytes that arrive with the head are lost.  The
         * live stream comes later by nature; the replay waits a moment. */
        usleep(100000);
        struct raw_logs rl = {x->c->fd, tty};
        struct sk_logs_opts lo = {.stdout_ = api_qbool(x, "stdout", false),
                                  .stderr_ = api_qbool(x, "stderr", false), .tail = -1};
        sk_error err;
        if (sk_container_logs(x->e, ref, &lo, raw_log_entry, &rl, &err) < 0 || !stream)
            return -1;
    }
    /* the 101 once the attach is registered: the client starts the
     * container after it, and no output is missed */
    struct hijack_ctx hc = {x, api_stream_type(x, tty), x->c->hijacked, false};
    struct sk_ready ready = {hijack_now, &hc};
    int fd;
    sk_error err;
    if (sk_container_attach_wait(x->e, ref, in, x->c->fd, &ready, &fd, &err) < 0)
        return hc.done ? -1 : api_fail(x, &err);
    if (hc.failed) {
        close(fd);
        return -1;
    }
    api_splice(x->c, fd, in && once);
    close(fd);
    return -1;
}

/* ---- exec ------------------------------------------------------------------------------------ */

static int exec_create(struct api_ctx *x)
{
    json_t *body;
    if (api_body_json(x, &body) < 0)
        return 0;
    char id[SK_ID_LEN + 1];
    sk_error err;
    int rc = sk_exec_create(x->e, x->param[0], body, id, &err);
    json_decref(body);
    if (rc < 0)
        return api_fail(x, &err);
    return api_json(x, 201, json_pack("{s:s}", "Id", id));
}

static int exec_inspect(struct api_ctx *x)
{
    json_t *j;
    sk_error err;
    if (sk_exec_inspect(x->e, x->param[0], &j, &err) < 0)
        return api_fail(x, &err);
    return api_json(x, 200, j);
}

static int exec_resize(struct api_ctx *x)
{
    sk_error err;
    if (sk_exec_resize(x->e, x->param[0], (int)api_qint(x, "h", 0), (int)api_qint(x, "w", 0), &err) < 0)
        return api_fail(x, &err);
    return api_empty(x, 200);
}

/* Without a terminal: a child of ours frames the process's stdout and
 * stderr onto the connection and feeds it its stdin.  It ends when both
 * outputs end. */
static void framer(struct http_conn *c, int out, int errfd, int in)
{
    char buf[32768];
    int fds[2] = {out, errfd};
    bool client_open = in >= 0;
    if (client_open && flush_buffered(c, in) < 0)
        client_open = false;
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd p[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}, {c->fd, client_open ? POLLIN : 0, 0}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i] < 0 || !p[i].revents)
                continue;
            ssize_t n = read(fds[i], buf + 8, sizeof buf - 8);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(fds[i]);
                fds[i] = -1;
                continue;
            }
            unsigned char h[8] = {(unsigned char)(i + 1), 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                  (unsigned char)(n >> 8), (unsigned char)n};
            memcpy(buf, h, 8);
            if (http_write_all(c->fd, buf, (size_t)n + 8) < 0)
                return;
        }
        if (client_open && p[2].revents) {
            ssize_t n = read(c->fd, buf, sizeof buf);
            if (n <= 0 || http_write_all(in, buf, (size_t)n) < 0) {
                client_open = false;
                close(in); /* the process sees the end of its input */
                in = -1;
            }
        }
    }
}

static int exec_start(struct api_ctx *x)
{
    const char *id = x->param[0];
    json_t *body, *info;
    if (api_body_json(x, &body) < 0)
        return 0;
    bool detach = json_is_true(json_object_get(body, "Detach"));
    json_decref(body);
    sk_error err;
    if (sk_exec_inspect(x->e, id, &info, &err) < 0)
        return api_fail(x, &err);
    bool tty = json_is_true(json_object_get(json_object_get(info, "ProcessConfig"), "tty"));
    bool open_in = json_is_true(json_object_get(info, "OpenStdin"));
    bool ran = json_is_true(json_object_get(info, "Running")) || !json_is_null(json_object_get(info, "ExitCode"));
    json_decref(info);
    if (ran)
        return api_error(x, 409, "exec %s has already run: start it once", id);
    if (detach) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        int fds[3] = {null, null, null};
        int rc = sk_exec_start(x->e, id, fds, true, &err);
        close(null);
        return rc < 0 ? api_fail(x, &err) : api_empty(x, 200);
    }
    if (http_hijack(x->c, x->r, api_stream_type(x, tty)) < 0)
        return -1;
    if (tty) { /* the runtime copies between our stdio and the terminal */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int fds[3] = {open_in ? x->c->fd : null, x->c->fd, x->c->fd};
        x->c->off = x->c->len; /* typed-ahead input is dropped with a terminal */
        sk_exec_start(x->e, id, fds, false, &err);
        close(null);
        return -1;
    }
    int out[2], errp[2], in[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || (open_in && pipe2(in, O_CLOEXEC) < 0))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(out[1]);
        close(errp[1]);
        if (in[0] >= 0)
            close(in[0]);
        framer(x->c, out[0], errp[0], in[1]);
        _exit(0);
    }
    int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    close(out[0]);
    close(errp[0]);
    if (in[1] >= 0)
        close(in[1]);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[3] = {in[0] >= 0 ? in[0] : null, out[1], errp[1]};
    if (pid > 0)
        sk_exec_start(x->e, id, fds, false, &err);
    close(out[1]);
    close(errp[1]);
    if (in[0] >= 0)
        close(in[0]);
    close(null);
    /* the framer drains what is left; something the process left behind
     * holding its output does not keep the stream open for long */
    struct pollfd p = {pidfd, POLLIN, 0};
    if (pidfd >= 0 && poll(&p, 1, 2000) == 0)
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    if (pidfd >= 0)
        close(pidfd);
    while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

const struct api_route api_stream_routes[] = {
    {"POST", "/containers/{}/attach", attach},
    {"POST", "/containers/{}/exec", exec_create},
    {"POST", "/exec/{}/start", exec_start},
    {"POST", "/exec/{}/resize", exec_resize},
    {"GET", "/exec/{}/json", exec_inspect},
    {NULL, NULL, NULL},
};
