/* reference.h - image references, normalized exactly as docker does:
 *   busybox            -> docker.io/library/busybox:latest
 *   user/app:1         -> docker.io/user/app:1
 *   host:5000/a/b      -> host:5000/a/b:latest
 *   localhost/x        -> localhost/x:latest
 *   name@sha256:<hex>  -> a digest reference (no default tag)
 * Pure string handling; unit-tested. */
#ifndef SKIFF_IMAGE_REFERENCE_H
#define SKIFF_IMAGE_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct image_ref {
    char domain[256];   /* "docker.io", "127.0.0.1:5000" */
    char path[512];     /* "library/busybox" */
    char tag[129];      /* "" when only a digest was given */
    char digest[80];    /* "sha256:..." or "" */
};

/* Parse and normalize; a missing tag becomes "latest" unless there is a
 * digest.  Errors name the problem ("invalid reference format: ..."). */
int image_ref_parse(const char *s, struct image_ref *out, sk_error *err);

/* "docker.io/library/busybox" */
void image_ref_repo(const struct image_ref *r, char *buf, size_t cap);
/* the full normalized form: repo[:tag][@digest] */
void image_ref_string(const struct image_ref *r, char *buf, size_t cap);
/* what docker shows: "busybox:latest", "user/app:1", "host:5000/a/b:latest" */
void image_ref_familiar(const struct image_ref *r, char *buf, size_t cap);
/* The familiar form of a normalized repository name ("docker.io/library/x" -> "x"). */
void image_repo_familiar(const char *repo, char *buf, size_t cap);
/* The host to talk to: docker.io means registry-1.docker.io. */
const char *image_ref_registry_host(const struct image_ref *r);

/* "sha256:" + 64 lowercase hex digits */
bool image_digest_valid(const char *d);
/* Whether a reference as written names a tag or a digest ("host:5000/x" does
 * not: the colon is the port's). */
bool image_ref_has_tag(const char *s);

#endif
