/* monloop.h - a running container's monitor loop (internal).
 *
 * What a monitor does while its container runs: the output into the
 * json-file log and to attach clients (monitor.h has the protocol), their
 * input to the container's stdin, terminal sizes, reaping, and the exit
 * status on record (exit.json) the moment it is known.  No JSON library,
 * no engine: the full monitor (monitor.c) runs it in process, and
 * skiff-monitor (moncore.c), a small static binary that the monitor execs
 * once the container is up, runs it alone, so that what stays resident per
 * container is small.  The hand-over between the two is an exec both ways:
 * the process (the container's parent and subreaper) stays the same, and
 * monloop_export/monloop_import carry the loop over in an environment
 * variable, fds inherited.
 */
#ifndef SKIFF_ENGINE_MONLOOP_H
#define SKIFF_ENGINE_MONLOOP_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/logfile.h"
#include "util/strbuf.h"

#define MON_MAX_CLIENTS 32
#define MON_MAX_DRAINS 8
#define MON_STATE_ENV "SKIFF_MONITOR_STATE"
#define MON_MAX_HOOKS 6
#define MON_MAX_PROXIES 32
#define MON_MAX_CONNS 64

/* A published port served in user space (monproxy.c): a listening TCP
 * socket (one of the held ones) whose connections go to the container. */
struct mon_proxy {
    int fd;
    struct sockaddr_in6 to; /* an IPv4 address as ::ffff:a.b.c.d */
};
struct mon_conn;

struct mon_client {
    int fd;
    char mode;     /* 0 until the first byte */
    bool read_eof; /* it closed its side: output still goes to it */
    struct strbuf out;
    size_t off;
};

/* More to watch (the full monitor's health checks and name server). */
struct mon_hook {
    const int *fd;      /* read each time round: it may change */
    bool while_running; /* not after the container ended */
    void (*fn)(void *ud);
};

struct monloop {
    int listen_fd, sig_fd; /* sig_fd: a signalfd for SIGCHLD (blocked) */
    int out_fd, err_fd, in_fd; /* the container's stdio, our ends (-1 when closed) */
    bool tty;
    pid_t pid;
    int wstatus;
    bool exited;
    struct logfile log;
    char log_max_size[24], log_max_file[8]; /* as given, "" for none */
    char exit_path[4096]; /* the exit status goes there */
    struct mon_client cl[MON_MAX_CLIENTS];
    int drain[MON_MAX_DRAINS]; /* terminals of detached execs: read, and what comes dropped */
    int ndrain;
    int *held;   /* fds kept open and handed on (published ports) */
    size_t nheld;
    struct mon_proxy proxy[MON_MAX_PROXIES]; /* held ones that listen */
    int nproxy;
    struct mon_conn *conn; /* MON_MAX_CONNS of them once one came, else NULL */
    bool conns_polled;     /* (monproxy.c: whether the last poll had their entries) */
    int exe_fd;  /* the binary to go back to (moncore) */
    char user[64]; /* the full monitor's own, handed on as it is */
    int64_t deadline_ms; /* monloop_run returns then (sk_monotonic_ms); 0: none */
    struct mon_hook hooks[MON_MAX_HOOKS];
    int nhooks;
    void (*reaped)(void *ud, pid_t pid, int status); /* another child */
    void (*ended)(void *ud); /* the container's process was reaped */
    void (*name_server)(void *ud, int udp, int tcp); /* mode 'n': a name server's sockets, taken over */
    void *ud;
};

void monloop_init(struct monloop *m);
/* Serve until the container's process is gone and its output drained, or
 * until the deadline. */
void monloop_run(struct monloop *m);
int64_t sk_monotonic_ms(void);
/* Reap what has ended (the container's process is recorded). */
void monloop_reap(struct monloop *m);
/* Take the clients waiting in the listen backlog and what each wants,
 * waiting up to wait_ms for the first of them and for each one's first
 * byte: before the container's first output (1000), and before its end is
 * told (0: a stop's or a wait's connection made as it ended hears it). */
void monloop_accept_pending(struct monloop *m, int wait_ms);
/* The clients that wait for the end (waiters) or the others: line (may be
 * NULL) is queued to waiters, then what each has not got yet is sent,
 * blocking up to 5 s a client; closed when close is set. */
void monloop_flush(struct monloop *m, bool waiters, const char *line, bool close);

/* Serve connections to the held socket fd (it listens from now on) by
 * connecting to addr:port, IPv4 or IPv6. */
int monloop_add_proxy(struct monloop *m, int fd, const char *addr, int port);
/* (monproxy.c, for monloop.c) */
int monproxy_pollfds(struct monloop *m, struct pollfd *p);
void monproxy_events(struct monloop *m, const struct pollfd *p);
bool monproxy_quiet(const struct monloop *m);
void monproxy_free(struct monloop *m);
void monproxy_export(struct monloop *m, struct strbuf *b, int (*inherit)(int));
bool monproxy_import(struct monloop *m, const char *proxies, const char *conns);
void monproxy_cloexec(struct monloop *m);

/* An exit status (waitpid's) on record at path: {"ExitCode":N,"Signal":N,
 * "FinishedAt":"..."}, written atomically (the engine reads it when the
 * monitor is gone). */
void monloop_write_exit(const char *path, int st);

/* The loop as text in buf (fds made inheritable); -1 when it does not fit
 * or cannot be said (a path with a newline). */
int monloop_export(struct monloop *m, char *buf, size_t cap);
/* The loop from monloop_export's text (into a monloop_init'ed one); -1
 * when it is not one.  The fds stay inheritable until monloop_cloexec. */
int monloop_import(struct monloop *m, const char *text);
void monloop_cloexec(struct monloop *m);
/* Release what the loop holds (not the held fds, nor the listener). */
void monloop_free(struct monloop *m);

#endif
