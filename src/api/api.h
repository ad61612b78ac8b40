/* api.h - the Docker Engine API server (`skiff serve`).
 *
 * Listens on unix sockets (mode 0660, root's) and, only when asked, on TCP;
 * each connection is served by a process of its own (single threaded,
 * forked ahead of time and, once the connection ends, waiting for the next
 * one), so that a request that blocks (wait, logs --follow, attach, events)
 * or clones (exec) never holds up another, and a bad request can take down
 * nothing but its connection.  The server holds no container
 * state: everything it does goes through libskiff, so `skiff ps` sees a
 * container created over the API at once, and the reverse.  Killing the
 * server never touches a container (they belong to their monitors).
 *
 * API version: 1.51 advertised, 1.24 the minimum; paths with and without
 * the /v1.NN prefix. */
#ifndef SKIFF_API_API_H
#define SKIFF_API_API_H

#include <stdbool.h>

#include "skiff/engine.h"
#include "util/error.h"

#define API_VERSION_MAX 51 /* 1.51 */
#define API_VERSION_MIN 24

struct api_serve_opts {
    const struct sk_engine_opts *engine;
    char *const *hosts;   /* "unix:///run/skiff/docker.sock", "tcp://127.0.0.1:2375" */
    const char *pidfile;  /* may be NULL */
};

/* Serve until SIGTERM or SIGINT: 0 after a clean shutdown (sockets and
 * pidfile removed, connections ended), -1 with *err when it cannot start.
 * In a connection's process it returns 1 once the connection is done: the
 * caller then returns from main (so that exit handlers, leak checks
 * included, run) and must not serve. */
int api_serve(const struct api_serve_opts *o, sk_error *err);

#endif
