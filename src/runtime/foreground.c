/* foreground.c - signal forwarding and the terminal proxy. */
#define _GNU_SOURCE
#include "runtime/foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"

static void forwarded(sigset_t *set)
{
    sigfillset(set);
    sigdelset(set, SIGKILL);
    sigdelset(set, SIGSTOP);
    sigdelset(set, SIGSEGV);
    sigdelset(set, SIGBUS);
    sigdelset(set, SIGILL);
    sigdelset(set, SIGFPE);
    sigdelset(set, SIGABRT);
    sigdelset(set, SIGTTIN);
    sigdelset(set, SIGTTOU);
    sigdelset(set, SIGTSTP);
    sigdelset(set, SIGPIPE);
}

int fg_block_signals(sigset_t *old)
{
    sigset_t set;
    forwarded(&set);
    return sigprocmask(SIG_BLOCK, &set, old);
}

void fg_restore_signals(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

void fg_child_signals_reset(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Copy one chunk; -1 on EOF/error. */
static int pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1;
    return sk_write_all(to, buf, (size_t)n);
}

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

int fg_wait(pid_t pid, int master, int *status, sk_error *err)
{
    sigset_t set;
    forwarded(&set);
    _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0)
        return sk_err(err, errno, "signalfd");
    struct termios saved;
    bool raw = false;
    if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        t.c_oflag |= OPOST; /* keep output processing as runc does */
        raw = tcsetattr(0, TCSANOW, &t) == 0;
        copy_winsize(0, master);
    }
    bool in_open = master >= 0, exited = false;
    int st = 0;
    while (!exited || master >= 0) {
        struct pollfd pf[3];
        int n = 0, si = -1, mi = -1, ii = -1;
        if (!exited)
            si = n, pf[n++] = (struct pollfd){sfd, POLLIN, 0};
        if (master >= 0)
            mi = n, pf[n++] = (struct pollfd){master, POLLIN, 0};
        if (in_open && !exited)
            ii = n, pf[n++] = (struct pollfd){0, POLLIN, 0};
        /* after exit, drain the pty without blocking forever */
        int r = poll(pf, (nfds_t)n, exited ? 100 : -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (r == 0 && exited)
            break;
        if (si >= 0 && (pf[si].revents & POLLIN)) {
            struct signalfd_siginfo si_info;
            if (read(sfd, &si_info, sizeof si_info) == sizeof si_info) {
                int sig = (int)si_info.ssi_signo;
                if (sig == SIGCHLD) {
                    pid_t w;
                    int ws;
                    while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
                        if (w == pid) {
                            st = ws;
                            exited = true;
                        }
                } else if (sig == SIGWINCH) {
                    if (master >= 0)
                        copy_winsize(0, master);
                } else {
                    kill(pid, sig);
                }
            }
        }
        if (mi >= 0 && pf[mi].revents != 0 && pump(master, 1) < 0) {
            close(master);
            master = -1;
        }
        if (ii >= 0 && pf[ii].revents != 0 && master >= 0 && pump(0, master) < 0)
            in_open = false; /* our stdin ended; the container keeps running */
    }
    if (master >= 0)
        close(master);
    if (raw)
        tcsetattr(0, TCSANOW, &saved);
    if (!exited) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
    return 0;
}

int fg_console_connect(const char *path, sk_error *err)
{
    int fd = unix_connect(path, err);
    return fd < 0 ? sk_err_prefix(err, "console socket") : fd;
}
