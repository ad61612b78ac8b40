/* hooks.c - fork, feed the state, wait with a deadline. */
#define _GNU_SOURCE
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int run_one(const struct oci_hook *h, const char *what, size_t idx, const char *state,
                   size_t len, sk_error *err)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return sk_err(err, errno, "hook %s[%zu]: pipe", what, idx);
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]), close(in[1]);
        return sk_err(err, errno, "hook %s[%zu]: pipe", what, idx);
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return sk_err(err, errno, "hook %s[%zu]: fork", what, idx);
    }
    if (pid == 0) {
        char *const empty[] = {NULL};
        char *const argv0[] = {h->path, NULL};
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
            _exit(126);
        execve(h->path, h->args ? h->args : argv0, h->env ? h->env : empty);
        dprintf(2, "exec %s: %s", h->path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    /* The hook may not read its stdin at all: never block on it. */
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(in[1], state + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(in[1]);

    char output[512];
    size_t olen = 0;
    long deadline = h->timeout > 0 ? now_ms() + h->timeout * 1000L : -1;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    bool timed_out = false, exited = false;
    while (!exited) {
        struct pollfd pf[2];
        int nf = 0, pidx = -1;
        if (out[0] >= 0)
            pf[nf++] = (struct pollfd){out[0], POLLIN, 0};
        if (pidfd >= 0) {
            pidx = nf;
            pf[nf++] = (struct pollfd){pidfd, POLLIN, 0};
        }
        if (nf == 0)
            break; /* no pidfd (old kernel) and output closed: waitpid below */
        int t = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && t <= 0) {
            timed_out = true;
            break;
        }
        int r = poll(pf, (nfds_t)nf, t);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        if (out[0] >= 0 && pf[0].revents != 0) {
            char buf[256];
            ssize_t n = read(out[0], buf, sizeof buf);
            if (n > 0) {
                size_t room = sizeof output - 1 - olen;
                size_t k = (size_t)n < room ? (size_t)n : room;
                memcpy(output + olen, buf, k);
                olen += k;
            } else {
                close(out[0]);
                out[0] = -1;
            }
        }
        if (pidx >= 0 && (pf[pidx].revents & POLLIN))
            exited = true;
    }
    if (out[0] >= 0) {
        /* keep what the hook wrote just before it exited */
        fcntl(out[0], F_SETFL, O_NONBLOCK);
        ssize_t n = read(out[0], output + olen, sizeof output - 1 - olen);
        if (n > 0)
            olen += (size_t)n;
        close(out[0]);
    }
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (pidfd >= 0)
        close(pidfd);
    while (olen > 0 && (output[olen - 1] == '\n' || output[olen - 1] == ' '))
        olen--;
    output[olen] = '\0';
    if (timed_out)
        return sk_err(err, 0, "hook %s[%zu] %s: timed out after %d s", what, idx, h->path,
                      h->timeout);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFSIGNALED(st))
        return sk_err(err, 0, "hook %s[%zu] %s: killed by signal %d%s%s", what, idx, h->path,
                      WTERMSIG(st), olen ? ": " : "", output);
    return sk_err(err, 0, "hook %s[%zu] %s: exit status %d%s%s", what, idx, h->path,
                  WEXITSTATUS(st), olen ? ": " : "", output);
}

int hooks_run(const struct oci_hook *hooks, size_t n, const char *what, const char *state,
              size_t state_len, sk_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (run_one(&hooks[i], what, i, state, state_len, err) < 0)
            return -1;
    return 0;
}
