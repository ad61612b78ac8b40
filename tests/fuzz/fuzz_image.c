/* fuzz_image - libFuzzer harness for what a registry or an image archive
 * hands us: image references, manifests and indexes (with platform
 * selection), docker config.json credentials, and layer streams (gzip, zstd
 * or plain tar, unpacked into a scratch directory that is then removed).
 * Hostile input must give an error, never a crash, a leak, undefined
 * behaviour or a file outside the scratch directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/layer.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "image/registry.h"
#include "util/fs.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    const uint8_t *p;
    size_t n, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, sk_error *err)
{
    (void)err;
    struct mem *m = ctx;
    size_t k = m->n - m->off < n ? m->n - m->off : n;
    memcpy(buf, m->p + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

static void fuzz_documents(const uint8_t *data, size_t size)
{
    sk_error err;
    char *s = strndup((const char *)data, size > 4096 ? 4096 : size);
    struct image_ref ref;
    if (s != NULL && image_ref_parse(s, &ref, &err) == 0) {
        char buf[2048];
        image_ref_familiar(&ref, buf, sizeof buf);
        image_ref_string(&ref, buf, sizeof buf);
    }
    char os[32], arch[32], variant[32];
    if (s != NULL)
        platform_parse(s, os, arch, variant, sizeof os, &err);
    free(s);
    json_t *doc = sk_json_parse((const char *)data, size, "fuzz", &err);
    if (doc != NULL) {
        if (manifest_is_index(NULL, doc)) {
            struct descriptor d;
            manifest_select(doc, "linux", "amd64", "", &d, &err);
            manifest_select(doc, "linux", "arm", "v7", &d, &err);
        }
        struct manifest m;
        if (manifest_parse(doc, &m, &err) == 0)
            manifest_clear(&m);
        json_decref(doc);
    }
}

static void fuzz_credentials(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/skiff-fuzz-auth.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return;
    if (write(fd, data, size) == (ssize_t)size) {
        char *creds = NULL;
        sk_error err;
        registry_auth_load(path, "127.0.0.1:5000", &creds, &err);
        free(creds);
        registry_auth_load(path, "docker.io", &creds, &err);
        free(creds);
    }
    close(fd);
    unlink(path);
}

static void fuzz_layer(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/skiff-fuzz-layer.XXXXXX";
    if (mkdtemp(dir) == NULL)
        return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        struct mem m = {data, size, 0};
        struct byte_source src = {mem_read, &m};
        struct layer_result res;
        sk_error err;
        layer_unpack(&src, dfd, &res, &err);
        close(dfd);
    }
    sk_rm_rf(dir, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_documents(data, size);
    fuzz_credentials(data, size);
    fuzz_layer(data, size);
    return 0;
}
