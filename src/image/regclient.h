/* regclient.h - one registry repository over HTTP(S): requests with the
 * distribution API's authentication (a bearer token fetched from the realm a
 * 401 names, or basic credentials), bounded in-memory bodies or bodies
 * streamed to an fd.  Internal to src/image; thread-safe per client.
 */
#ifndef SKIFF_IMAGE_REGCLIENT_H
#define SKIFF_IMAGE_REGCLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "util/strbuf.h"

struct regclient {
    char base[600];    /* "http://127.0.0.1:5000/v2/" */
    char repo[512];    /* "library/busybox"; "" for the registry itself */
    char *creds;       /* "user:pass" or NULL */
    char *auth_header; /* "Authorization: ..." once known */
    bool verify;       /* check the server's certificate */
    bool downgrade;    /* an insecure registry: HTTP when HTTPS fails at first */
    pthread_mutex_t lock;
};

struct regresp {
    long status;
    char content_type[160];
    char challenge[1024];
    char next[512];      /* Link: <...>; rel="next" (a paginated list), "" if none */
    struct strbuf body;  /* when fd < 0, or when the status is not a success */
    size_t max;          /* bound on body */
    /* streaming: every body byte of a 200/206 to fd */
    int fd;
    uint64_t range_from; /* asked for bytes from here on */
    uint64_t skip;       /* the server ignored the range: drop this many */
    uint64_t written;
    void (*tick)(void *ud, uint64_t n);
    void *tick_ud;
    bool write_failed;   /* fd refused a write (the reader gave up) */
    bool auth_failed;    /* the error is the registry refusing our credentials */
};

/* HTTP for localhost, 127.0.0.0/8 and ::1.  The hosts in insecure (as
 * docker's insecure-registries) get HTTPS without certificate checks, and
 * HTTP when that fails on the first request.  HTTPS with the system CA store
 * for everything else. */
int regclient_init(struct regclient *c, const char *host, const char *repo, const char *creds,
                   char *const *insecure, sk_error *err);
void regclient_free(struct regclient *c);

/* GET base+path, authenticating once on a 401.  range_from > 0 asks for the
 * rest of a blob.  0 when a response arrived (any status), -1 when none did. */
int regclient_get(struct regclient *c, const char *path, const char *accept, struct regresp *r,
                  sk_error *err);

/* The registry's error message from a JSON error body ("manifest unknown"). */
void regresp_message(const struct regresp *r, char *buf, size_t cap);

#endif
