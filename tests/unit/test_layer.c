/* Unit tests: layer extraction with crafted (hostile) archives, compression,
 * digests, and the store's verification and sharing.  Runs as root (device
 * nodes, whiteouts and trusted.* xattrs need it), as the suite does. */
#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "image/digest.h"
#include "image/layer.h"
#include "image/store.h"
#include "util/fs.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/skiff-layer-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sk_rm_rf(dir, NULL);
    return 0;
}

/* ---- building tars in memory ---- */

struct tarbuf {
    struct archive *a;
    char *buf;
    size_t cap, len;
};

static void tar_begin(struct tarbuf *t)
{
    t->cap = 64 << 20;
    t->buf = malloc(t->cap);
    t->a = archive_write_new();
    archive_write_set_format_pax_restricted(t->a);
    archive_write_set_bytes_in_last_block(t->a, 1);
    assert_int_equal(archive_write_open_memory(t->a, t->buf, t->cap, &t->len), ARCHIVE_OK);
}

static void tar_add(struct tarbuf *t, const char *name, mode_t type, mode_t perm, const char *data,
                    const char *link, bool hard)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_mtime(e, 1000000, 0);
    if (type == AE_IFREG && !hard)
        archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
    if (link && hard)
        archive_entry_set_hardlink(e, link);
    else if (link)
        archive_entry_set_symlink(e, link);
    if (type == AE_IFCHR)
        archive_entry_set_rdev(e, makedev(1, 3));
    assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
    if (type == AE_IFREG && data && !hard)
        archive_write_data(t->a, data, strlen(data));
    archive_entry_free(e);
}

static void tar_end(struct tarbuf *t)
{
    archive_write_close(t->a);
    archive_write_free(t->a);
}

struct mem_src {
    const char *buf;
    size_t len, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, sk_error *err)
{
    (void)err;
    struct mem_src *m = ctx;
    size_t k = m->len - m->off < n ? m->len - m->off : n;
    memcpy(buf, m->buf + m->off, k);
    m->off += k;
    return (ssize_t)k;
}

static int unpack_mem(const char *buf, size_t len, const char *sub, struct layer_result *res,
                      sk_error *err)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    mkdir(p, 0755);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    struct mem_src m = {buf, len, 0};
    struct byte_source src = {mem_read, &m};
    int r = layer_unpack(&src, fd, res, err);
    close(fd);
    return r;
}

static bool exists(const char *rel)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return lstat(p, &st) == 0;
}

/* ---- tests ---- */

static void test_regular_layer(void **state)
{
    (void)state;
    struct tarbuf t;
    tar_begin(&t);
    tar_add(&t, "./", AE_IFDIR, 0755, NULL, NULL, false);
    tar_add(&t, "./etc/", AE_IFDIR, 0755, NULL, NULL, false);
    tar_add(&t, "./etc/passwd", AE_IFREG, 0644, "root:x:0:0\n", NULL, false);
    tar_add(&t, "./bin/tool", AE_IFREG, 04755, "#!/bin/sh\n", NULL, false);
    tar_add(&t, "./bin/link", AE_IFLNK, 0777, NULL, "../etc/passwd", false);
    tar_add(&t, "./bin/hard", AE_IFREG, 0644, NULL, "./etc/passwd", true);
    tar_add(&t, "./dev/mynull", AE_IFCHR, 0666, NULL, NULL, false);
    tar_add(&t, "./etc/.wh.shadow", AE_IFREG, 0, "", NULL, false);
    tar_add(&t, "./opaque/", AE_IFDIR, 0755, NULL, NULL, false);
    tar_add(&t, "./opaque/.wh..wh..opq", AE_IFREG, 0, "", NULL, false);
    tar_end(&t);
    struct layer_result res;
    sk_error e;
    if (unpack_mem(t.buf, t.len, "l", &res, &e) < 0)
        fail_msg("%s", e.msg);
    char want[72];
    sk_sha256_digest(t.buf, t.len, want);
    assert_string_equal(res.digest, want);
    assert_string_equal(res.diff_id, want);
    assert_int_equal(res.compression, LAYER_PLAIN);
    assert_true(res.tar_size == t.len);
    struct stat st;
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/l/bin/tool", dir);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 04755);
    snprintf(p, sizeof p, "%s/l/bin/hard", dir);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_nlink, 2);
    snprintf(p, sizeof p, "%s/l/etc/shadow", dir);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    assert_false(exists("l/etc/.wh.shadow"));
    snprintf(p, sizeof p, "%s/l/opaque", dir);
    char v[4] = {0};
    assert_int_equal(getxattr(p, "trusted.overlay.opaque", v, sizeof v), 1);
    assert_string_equal(v, "y");
    snprintf(p, sizeof p, "%s/l/dev/mynull", dir);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    snprintf(p, sizeof p, "%s/l/etc/passwd", dir);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mtime, 1000000);
    free(t.buf);
}

static void expect_refused(const char *sub, void (*build)(struct tarbuf *), const char *msg)
{
    struct tarbuf t;
    tar_begin(&t);
    build(&t);
    tar_end(&t);
    struct layer_result res;
    sk_error e;
    assert_int_equal(unpack_mem(t.buf, t.len, sub, &res, &e), -1);
    if (strstr(e.msg, msg) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", e.msg, msg);
    free(t.buf);
}

static void dotdot(struct tarbuf *t)
{
    tar_add(t, "../escape", AE_IFREG, 0644, "x", NULL, false);
}
static void dotdot_inner(struct tarbuf *t)
{
    tar_add(t, "a/../../escape", AE_IFREG, 0644, "x", NULL, false);
}
static void symlink_then_file(struct tarbuf *t)
{
    tar_add(t, "link", AE_IFLNK, 0777, NULL, "/", false);
    tar_add(t, "link/tmp/escape", AE_IFREG, 0644, "x", NULL, false);
}
static void symlink_up_then_file(struct tarbuf *t)
{
    tar_add(t, "up", AE_IFLNK, 0777, NULL, "../../../../", false);
    tar_add(t, "up/escape", AE_IFREG, 0644, "x", NULL, false);
}
static void hardlink_out(struct tarbuf *t)
{
    tar_add(t, "hl", AE_IFREG, 0644, NULL, "../../../../etc/passwd", true);
}
static void hardlink_abs(struct tarbuf *t)
{
    tar_add(t, "hl", AE_IFREG, 0644, NULL, "/etc/passwd", true);
}
static void hardlink_via_symlink(struct tarbuf *t)
{
    tar_add(t, "s", AE_IFLNK, 0777, NULL, "/etc", false);
    tar_add(t, "hl", AE_IFREG, 0644, NULL, "s/passwd", true);
}

static void test_hostile(void **state)
{
    (void)state;
    expect_refused("a", dotdot, "leaves the layer");
    expect_refused("b", dotdot_inner, "leaves the layer");
    expect_refused("c", symlink_then_file, "goes through a symlink");
    expect_refused("d", symlink_up_then_file, "goes through a symlink");
    expect_refused("e", hardlink_out, "leaves the layer");
    expect_refused("f", hardlink_abs, "not a regular file of the layer");
    expect_refused("g", hardlink_via_symlink, "goes through a symlink");
    /* nothing appeared next to the layer directories */
    assert_false(exists("escape"));
    assert_false(exists("tmp"));
    assert_false(access("/escape", F_OK) == 0);
}

static void test_absolute_contained(void **state)
{
    (void)state;
    struct tarbuf t;
    tar_begin(&t);
    tar_add(&t, "/etc/inside", AE_IFREG, 0644, "contained", NULL, false);
    tar_add(&t, "trusted", AE_IFREG, 0644, "x", NULL, false);
    tar_end(&t);
    struct layer_result res;
    sk_error e;
    assert_int_equal(unpack_mem(t.buf, t.len, "abs", &res, &e), 0);
    assert_true(exists("abs/etc/inside"));
    assert_false(access("/etc/inside", F_OK) == 0);
    free(t.buf);
}

static void test_truncated_and_garbage(void **state)
{
    (void)state;
    struct tarbuf t;
    tar_begin(&t);
    char big[20000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tar_add(&t, "file", AE_IFREG, 0644, big, NULL, false);
    tar_end(&t);
    struct layer_result res;
    sk_error e;
    assert_int_equal(unpack_mem(t.buf, 5000, "trunc", &res, &e), -1);
    assert_int_equal(unpack_mem("this is not a tar archive at all, not even close............", 60,
                                "garbage", &res, &e), -1);
    free(t.buf);
}

static void test_huge_header(void **state)
{
    (void)state;
    /* a pax header claiming a 16 MiB path: refused, no allocation of it kept */
    struct tarbuf t;
    tar_begin(&t);
    size_t n = 16u << 20;
    char *name = malloc(n + 1);
    memset(name, 'a', n);
    name[n] = '\0';
    for (size_t i = 200; i < n; i += 200)
        name[i] = '/';
    struct archive_entry *en = archive_entry_new();
    archive_entry_set_pathname(en, name);
    archive_entry_set_filetype(en, AE_IFREG);
    archive_entry_set_size(en, 0);
    archive_write_header(t.a, en);
    archive_entry_free(en);
    free(name);
    tar_end(&t);
    struct layer_result res;
    sk_error e;
    assert_int_equal(unpack_mem(t.buf, t.len, "huge", &res, &e), -1);
    free(t.buf);
}

static void test_compressed(void **state)
{
    (void)state;
    struct tarbuf t;
    tar_begin(&t);
    tar_add(&t, "hello", AE_IFREG, 0644, "hello world\n", NULL, false);
    tar_end(&t);
    char plain[72];
    sk_sha256_digest(t.buf, t.len, plain);
    /* gzip */
    uLongf glen = compressBound(t.len) + 64;
    unsigned char *gz = malloc(glen);
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)t.buf;
    z.avail_in = (uInt)t.len;
    z.next_out = gz;
    z.avail_out = (uInt)glen;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gsize = glen - z.avail_out;
    deflateEnd(&z);
    struct layer_result res;
    sk_error e;
    if (unpack_mem((char *)gz, gsize, "gz", &res, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(res.compression, LAYER_GZIP);
    assert_string_equal(res.diff_id, plain);
    char gdig[72];
    sk_sha256_digest(gz, gsize, gdig);
    assert_string_equal(res.digest, gdig);
    assert_true(exists("gz/hello"));
    /* a truncated gzip stream fails */
    assert_int_equal(unpack_mem((char *)gz, gsize / 2, "gz2", &res, &e), -1);
    free(gz);
    /* zstd */
    size_t zcap = ZSTD_compressBound(t.len);
    void *zs = malloc(zcap);
    size_t zsize = ZSTD_compress(zs, zcap, t.buf, t.len, 3);
    assert_false(ZSTD_isError(zsize));
    if (unpack_mem(zs, zsize, "zst", &res, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(res.compression, LAYER_ZSTD);
    assert_string_equal(res.diff_id, plain);
    assert_true(exists("zst/hello"));
    free(zs);
    free(t.buf);
}

static void test_store_verification(void **state)
{
    (void)state;
    char root[PATH_MAX + 16];
    snprintf(root, sizeof root, "%s/store", dir);
    struct image_store *s;
    sk_error e;
    assert_int_equal(store_open(root, &s, &e), 0);
    struct stat st;
    assert_int_equal(stat(root, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* a blob that fails verification is never visible */
    char d[72];
    const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(store_put_blob(s, "abc", 3, wrong, d, &e), -1);
    assert_non_null(strstr(e.msg, "digest mismatch"));
    assert_false(store_has_blob(s, wrong));
    assert_int_equal(store_put_blob(s, "abc", 3, NULL, d, &e), 0);
    assert_true(store_has_blob(s, d));
    /* a layer whose digest does not match leaves no layer and no blob */
    struct tarbuf t;
    tar_begin(&t);
    tar_add(&t, "f", AE_IFREG, 0644, "layer content", NULL, false);
    tar_end(&t);
    struct mem_src m = {t.buf, t.len, 0};
    struct byte_source src = {mem_read, &m};
    struct layer_result res;
    assert_int_equal(store_add_layer(s, &src, wrong, NULL, &res, &e), -1);
    assert_non_null(strstr(e.msg, "layer digest mismatch"));
    assert_false(store_has_layer(s, res.diff_id));
    assert_false(store_has_blob(s, res.digest));
    char tmpdir[PATH_MAX + 32];
    snprintf(tmpdir, sizeof tmpdir, "%s/image/tmp", root);
    int empty = 1;
    DIR *dd = opendir(tmpdir);
    struct dirent *de;
    while ((de = readdir(dd)) != NULL)
        if (de->d_name[0] != '.')
            empty = 0;
    closedir(dd);
    assert_true(empty);
    /* two processes adding the same layer at once: one layer, both succeed */
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            struct image_store *s2;
            struct mem_src m2 = {t.buf, t.len, 0};
            struct byte_source src2 = {mem_read, &m2};
            struct layer_result r2;
            char dig[72];
            sk_sha256_digest(t.buf, t.len, dig);
            _exit(store_open(root, &s2, NULL) == 0 &&
                          store_add_layer(s2, &src2, NULL, dig, &r2, NULL) == 0
                      ? 0
                      : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int stt;
        waitpid(kids[i], &stt, 0);
        assert_true(WIFEXITED(stt) && WEXITSTATUS(stt) == 0);
    }
    char dig[72];
    sk_sha256_digest(t.buf, t.len, dig);
    assert_true(store_has_layer(s, dig));
    char diff[PATH_MAX];
    store_layer_diff_path(s, dig, diff, sizeof diff);
    strcat(diff, "/f");
    assert_int_equal(stat(diff, &st), 0);
    /* an existing layer is not read again */
    struct byte_source none = {NULL, NULL};
    assert_int_equal(store_add_layer(s, &none, NULL, dig, &res, &e), 0);
    assert_string_equal(res.diff_id, dig);
    /* garbage collection removes what no image refers to */
    uint64_t freed = 0;
    assert_int_equal(store_gc(s, NULL, &freed, &e), 0);
    assert_false(store_has_layer(s, dig));
    assert_false(store_has_blob(s, d));
    assert_true(freed > 0);
    store_close(s);
    free(t.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_regular_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absolute_contained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_and_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compressed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_verification, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
