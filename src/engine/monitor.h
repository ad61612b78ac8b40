/* monitor.h - talking to a container's monitor (internal).
 *
 * The monitor listens on <runroot>/s/<id[0:32]>.a (unix socket paths must be
 * short), 0600, root only (SO_PEERCRED).  A client
 * connects and sends one byte saying what it wants:
 *   'a'  output, and its writes go to the container's stdin
 *   'o'  output only
 *   'w'  nothing until the container ends, then one JSON line
 *        {"ExitCode":N,"Reason":"exited","Signal":"","OOMKilled":false}
 *   'r'  followed by "ROWS COLS\n" (in one write): the terminal's size
 *        (with a terminal; ignored without one); the monitor then hangs up
 *   'p'  sent with an fd (SCM_RIGHTS): the pty master of a detached exec with
 *        a terminal, which the monitor drains (docker drops that output too)
 *        until it ends; the monitor then hangs up
 *   'n'  sent with an fd: 127.0.0.11:53 in the container's namespace, bound
 *        by `network connect` when a running container joins its first
 *        user-defined network: the monitor serves names on it from then on
 * Output comes as the Docker API's multiplexed frames ([stream, 0, 0, 0,
 * length BE32] + data) without a terminal, raw bytes with one.
 *
 * Starting: `skiff monitor ID` gets a socket as fd 3 and reports on it
 *   "created\n"           the process exists, not yet running
 *   "running PID\n"       it runs; the monitor carries on alone
 *   "error MESSAGE\n"     it could not start (the monitor exits)
 * With --attach-wait it waits after "created" for "go\n" from the caller,
 * which connects to the socket meanwhile, so that no output is missed.
 *
 * Once the container runs, the monitor execs skiff-monitor (moncore.c, with
 * what it needs in $SKIFF_MONITOR_CORE) in the same process, which serves
 * the same protocol; at the container's end that execs `skiff monitor
 * --resume ID` back (monloop.h).
 */
#ifndef SKIFF_ENGINE_MONITOR_H
#define SKIFF_ENGINE_MONITOR_H

#include "engine/engine_int.h"

/* `skiff [global options] monitor [flag] ID` in argv (cap entries with the
 * NULL): the number of arguments, -1 when they do not fit. */
int monitor_argv(struct sk_engine *e, const char *id, const char *flag, const char **argv, size_t cap);

/* Hand the monitor an fd: mode 'p' a detached exec's terminal to drain,
 * 'n' a name server's socket. */
int monitor_send_fd(struct ctr *c, char mode, int fd, sk_error *err);
/* The same with one or two fds ('n': the name server's UDP and TCP sockets). */
int monitor_send_fds(struct ctr *c, char mode, const int *fds, int n, sk_error *err);
/* A unix socket listening at path, 0600 (replacing what was there). */
int monitor_listen(const char *path, sk_error *err);

/* Connect to a container's monitor in a mode; -1 when it is not there. */
int monitor_connect(struct ctr *c, char mode, sk_error *err);
/* With a 'w' connection: wait (timeout_ms < 0: forever) for the end. 0 with
 * *out filled, 1 on timeout, -1 on error. */
int monitor_wait(int fd, int timeout_ms, struct sk_exit *out, sk_error *err);

#endif
