/* manifest.h - image manifests and indexes (docker v2 schema 2, OCI), and
 * choosing a platform from an index (manifest list). */
#ifndef SKIFF_IMAGE_MANIFEST_H
#define SKIFF_IMAGE_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"

struct descriptor {
    char media_type[128];
    char digest[72];
    int64_t size;
};

struct manifest {
    struct descriptor config;
    struct descriptor *layers;
    size_t n_layers;
};

/* Is this media type (or the document's own mediaType) an index? */
bool manifest_is_index(const char *media_type, json_t *doc);

/* Parse an image manifest; digests and media types validated. */
int manifest_parse(json_t *doc, struct manifest *m, sk_error *err);
void manifest_clear(struct manifest *m);

/* Pick os/arch[/variant] from an index.  "no matching platform" otherwise. */
int manifest_select(json_t *index, const char *os, const char *arch, const char *variant,
                    struct descriptor *out, sk_error *err);

/* "linux/amd64", "linux/arm64/v8", "amd64" -> parts (defaults: linux, host). */
int platform_parse(const char *s, char *os, char *arch, char *variant, size_t cap, sk_error *err);

#endif
