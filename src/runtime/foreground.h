/* foreground.h - staying with a process: signal forwarding, the terminal
 * proxy of `run`/`exec` without --detach, and the console socket. */
#ifndef SKIFF_RUNTIME_FOREGROUND_H
#define SKIFF_RUNTIME_FOREGROUND_H

#include <signal.h>
#include <sys/types.h>

#include "util/error.h"

/* Block the signals we forward (before clone, so none is lost); the child
 * restores a clean mask with fg_child_signals_reset(). */
int fg_block_signals(sigset_t *old);
void fg_restore_signals(const sigset_t *old);
/* In the cloned child: empty mask, default dispositions (an ignored
 * SIGPIPE must not leak into the container). */
void fg_child_signals_reset(void);

/* Wait for our child pid, forwarding signals to it and, with master >= 0,
 * copying between our stdio and the pty.  *status is shell-style. */
int fg_wait(pid_t pid, int master, int *status, sk_error *err);

/* Connect to --console-socket (a unix socket path). */
int fg_console_connect(const char *path, sk_error *err);

#endif
