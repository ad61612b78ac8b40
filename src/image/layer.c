/* layer.c - untar a layer into a directory without ever leaving it. */
#define _GNU_SOURCE
#include "image/dl_archive.h"
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/layer_pipe.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"
#define MAX_ENTRIES 10000000

struct unpack {
    int rootfd;
    bool literal;    /* ".wh." names are files (docker cp), not whiteouts */
    bool root_owner; /* every entry root's, whatever the tar says */
    struct layer_pipe *pipe;
    uint64_t written;
    struct dir_time {
        char *path;
        struct timespec mtime;
    } *dirs;
    size_t n_dirs, cap_dirs;
};

static la_ssize_t la_read(struct archive *a, void *ud, const void **buf)
{
    struct unpack *u = ud;
    ssize_t n = layer_pipe_read(u->pipe, buf);
    if (n < 0) {
        archive_set_error(a, EIO, "%s", layer_pipe_error(u->pipe)->msg);
        return -1;
    }
    return n;
}

/* "./a//b/" -> "a/b"; refuses "..", and names that are empty after cleaning
 * return 1 (the root itself: nothing to create). */
static int clean_name(const char *in, char *out, size_t cap, sk_error *err)
{
    size_t n = 0;
    const char *p = in;
    while (*p) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *e = strchrnul(p, '/');
        size_t l = (size_t)(e - p);
        if (l == 1 && p[0] == '.') {
            p = e;
            continue;
        }
        if (l == 2 && p[0] == '.' && p[1] == '.')
            return sk_err(err, 0, "layer entry \"%s\" leaves the layer (\"..\")", in);
        if (n + l + 2 >= cap)
            return sk_err(err, ENAMETOOLONG, "layer entry \"%.100s...\"", in);
        if (n > 0)
            out[n++] = '/';
        memcpy(out + n, p, l);
        n += l;
        p = e;
    }
    out[n] = '\0';
    return n == 0 ? 1 : 0;
}

/* Open the parent directory of name (creating missing directories) without
 * following any symlink; *base points at the last component. */
static int open_parent(int rootfd, char *name, char **base, bool create, sk_error *err)
{
    char *slash = strrchr(name, '/');
    int cur = dup(rootfd);
    if (cur < 0)
        return sk_err(err, errno, "layer");
    if (slash == NULL) {
        *base = name;
        return cur;
    }
    *slash = '\0';
    *base = slash + 1;
    for (char *p = name; *p;) {
        char *e = strchrnul(p, '/');
        char c = *e;
        *e = '\0';
        int next = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create) {
            if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST) {
                int e2 = errno;
                *e = c;
                close(cur);
                *slash = '/';
                return sk_err(err, e2, "layer: mkdir %s", name);
            }
            next = openat(cur, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        *e = c;
        if (next < 0) {
            int e2 = errno;
            close(cur);
            *slash = '/';
            if (e2 == ELOOP || e2 == ENOTDIR)
                return sk_err(err, 0, "layer entry \"%s\" goes through a symlink or a file", name);
            return sk_err(err, e2, "layer: open %s", name);
        }
        close(cur);
        cur = next;
        p = c ? e + 1 : e;
    }
    *slash = '/';
    return cur;
}

/* Make room for a new entry: a later entry of the same name wins. */
static int clear_name(int dirfd, const char *base, bool keep_dir, sk_error *err)
{
    struct stat st;
    if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (S_ISDIR(st.st_mode) && keep_dir)
        return 0;
    return sk_rm_rf_at(dirfd, base, err) < 0 ? sk_err_prefix(err, "layer: replace") : 0;
}

static void set_meta(const struct unpack *u, int dirfd, const char *base, struct archive_entry *e,
                     bool symlink)
{
    fchownat(dirfd, base, u->root_owner ? 0 : (uid_t)archive_entry_uid(e),
             u->root_owner ? 0 : (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW);
    if (!symlink)
        fchmodat(dirfd, base, archive_entry_mode(e) & 07777, 0);
    struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
}

/* Only capabilities and user.* attributes: never trusted.overlay.*, which
 * would let an archive forge whiteouts and opaque directories. */
static void set_xattrs(int fd, struct archive_entry *e)
{
    const char *name;
    const void *value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
        if (strcmp(name, "security.capability") == 0 || strncmp(name, "user.", 5) == 0)
            fsetxattr(fd, name, value, size, 0);
}

static int write_file(struct unpack *u, struct archive *a, int dirfd, const char *base,
                      struct archive_entry *e, sk_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                    0600);
    if (fd < 0)
        return sk_err(err, errno, "layer: create %s", archive_entry_pathname(e));
    const void *buf;
    size_t len;
    la_int64_t off;
    int r;
    while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
        if (pwrite(fd, buf, len, off) != (ssize_t)len)
            return sk_err(err, errno, "layer: write %s", archive_entry_pathname(e));
        u->written += len;
    }
    if (r != ARCHIVE_EOF)
        return sk_err(err, 0, "layer: %s: %s", archive_entry_pathname(e), archive_error_string(a));
    if (ftruncate(fd, archive_entry_size(e)) < 0) /* sparse tails */
        return sk_err(err, errno, "layer: %s", archive_entry_pathname(e));
    set_xattrs(fd, e);
    return 0;
}

static int hardlink(int rootfd, int dirfd, const char *base, const char *target_raw, sk_error *err)
{
    char target[PATH_MAX];
    int c = clean_name(target_raw, target, sizeof target, err);
    if (c != 0)
        return c < 0 ? -1 : sk_err(err, 0, "layer: hardlink to the layer's root");
    char *tbase;
    sk_error e2;
    _cleanup_close_ int tdir = open_parent(rootfd, target, &tbase, false, &e2);
    if (tdir < 0 && strstr(e2.msg, "goes through a symlink") != NULL)
        return sk_err(err, 0, "layer: hardlink to \"%s\": %s", target_raw, e2.msg);
    struct stat st;
    if (tdir < 0 || fstatat(tdir, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
        return sk_err(err, 0, "layer: hardlink to \"%s\", which is not a regular file of the layer",
                      target_raw);
    if (linkat(tdir, tbase, dirfd, base, 0) < 0)
        return sk_err(err, errno, "layer: hardlink %s", target_raw);
    return 0;
}

static int whiteout(int dirfd, const char *base, sk_error *err)
{
    if (strcmp(base, OPAQUE) == 0) {
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return sk_err(err, e, "layer: opaque directory");
        }
        close(fd);
        return 0;
    }
    const char *name = base + strlen(WHITEOUT);
    if (strncmp(name, WHITEOUT, strlen(WHITEOUT)) == 0)
        return 0; /* aufs internals (.wh..wh.plnk etc.): nothing to do */
    if (*name == '\0')
        return sk_err(err, 0, "layer: a whiteout without a name");
    if (clear_name(dirfd, name, false, err) < 0)
        return -1;
    if (mknodat(dirfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
        return sk_err(err, errno, "layer: whiteout %s", name);
    return 0;
}

static int remember_dir(struct unpack *u, const char *name, struct archive_entry *e)
{
    if (u->n_dirs == u->cap_dirs) {
        size_t cap = u->cap_dirs ? u->cap_dirs * 2 : 64;
        struct dir_time *nd = realloc(u->dirs, cap * sizeof *nd);
        if (nd == NULL)
            return -1;
        u->dirs = nd;
        u->cap_dirs = cap;
    }
    u->dirs[u->n_dirs].path = strdup(name);
    u->dirs[u->n_dirs].mtime = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    return u->dirs[u->n_dirs++].path ? 0 : -1;
}

static int one_entry(struct unpack *u, struct archive *a, struct archive_entry *e, sk_error *err)
{
    char name[PATH_MAX];
    int c = clean_name(archive_entry_pathname(e), name, sizeof name, err);
    if (c < 0)
        return -1;
    if (c == 1)
        return 0; /* "./": the layer's root */
    char *base;
    _cleanup_close_ int dirfd = open_parent(u->rootfd, name, &base, true, err);
    if (dirfd < 0)
        return -1;
    if (!u->literal && strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0)
        return whiteout(dirfd, base, err);
    const char *link = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    if (clear_name(dirfd, base, type == AE_IFDIR && link == NULL, err) < 0)
        return -1;
    if (link != NULL)
        return hardlink(u->rootfd, dirfd, base, link, err);
    switch (type) {
    case AE_IFDIR:
        if (mkdirat(dirfd, base, 0755) < 0 && errno != EEXIST)
            return sk_err(err, errno, "layer: mkdir %s", name);
        set_meta(u, dirfd, base, e, false);
        int dfd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd >= 0) {
            set_xattrs(dfd, e);
            close(dfd);
        }
        if (remember_dir(u, name, e) < 0)
            return sk_err(err, ENOMEM, "layer");
        return 0;
    case AE_IFREG:
        if (write_file(u, a, dirfd, base, e, err) < 0)
            return -1;
        break;
    case AE_IFLNK: {
        const char *t = archive_entry_symlink(e);
        if (t == NULL || symlinkat(t, dirfd, base) < 0)
            return sk_err(err, t ? errno : EINVAL, "layer: symlink %s", name);
        set_meta(u, dirfd, base, e, true);
        return 0;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
        mode_t m = (type == AE_IFCHR ? S_IFCHR : type == AE_IFBLK ? S_IFBLK : S_IFIFO) | 0600;
        if (mknodat(dirfd, base, m, archive_entry_rdev(e)) < 0)
            return sk_err(err, errno, "layer: mknod %s", name);
        break;
    }
    default:
        return 0; /* sockets and the like are not image content */
    }
    set_meta(u, dirfd, base, e, false);
    return 0;
}

/* Directories get their mtimes last: creating their children changed them. */
static void apply_dir_times(struct unpack *u)
{
    for (size_t i = u->n_dirs; i-- > 0;) {
        char *base;
        int dirfd = open_parent(u->rootfd, u->dirs[i].path, &base, false, NULL);
        if (dirfd >= 0) {
            struct timespec ts[2] = {u->dirs[i].mtime, u->dirs[i].mtime};
            utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
            close(dirfd);
        }
        free(u->dirs[i].path);
    }
    free(u->dirs);
    u->dirs = NULL;
    u->n_dirs = 0;
}

int layer_unpack(const struct byte_source *src, int dirfd, struct layer_result *res, sk_error *err)
{
    return layer_unpack_opts(src, dirfd, NULL, res, err);
}

int layer_unpack_opts(const struct byte_source *src, int dirfd, const struct layer_unpack_opts *o,
                      struct layer_result *res, sk_error *err)
{
    struct unpack u = {.rootfd = dirfd, .literal = o && o->literal, .root_owner = o && o->root_owner};
    if (sk_archive_load(err) < 0 || layer_pipe_open(&u.pipe, src, err) < 0)
        return -1;
    struct archive *a = archive_read_new();
    if (a == NULL) {
        layer_pipe_free(u.pipe);
        return sk_err(err, ENOMEM, "layer");
    }
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    int ret = -1;
    if (archive_read_open(a, &u, NULL, la_read, NULL) != ARCHIVE_OK) {
        sk_err(err, 0, "layer: %s", archive_error_string(a));
        goto out;
    }
    struct archive_entry *e;
    size_t count = 0;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (++count > MAX_ENTRIES) {
            sk_err(err, 0, "layer: more than %d entries", MAX_ENTRIES);
            goto out;
        }
        if (one_entry(&u, a, e, err) < 0)
            goto out;
    }
    if (r != ARCHIVE_EOF) {
        sk_err(err, 0, "layer: %s", archive_error_string(a) ? archive_error_string(a)
                                                             : "broken tar stream");
        goto out;
    }
    if (layer_pipe_finish(u.pipe, res) < 0) {
        sk_err(err, layer_pipe_error(u.pipe)->errnum, "layer: %s", layer_pipe_error(u.pipe)->msg);
        goto out;
    }
    res->unpacked = u.written;
    ret = 0;
out:
    if (ret < 0 && layer_pipe_raw_digest(u.pipe, res->digest) < 0)
        res->digest[0] = '\0';
    apply_dir_times(&u);
    archive_read_free(a);
    layer_pipe_free(u.pipe);
    return ret;
}

int layer_hash(const struct byte_source *src, struct layer_result *res, sk_error *err)
{
    struct layer_pipe *p;
    if (layer_pipe_open(&p, src, err) < 0)
        return -1;
    int r = layer_pipe_finish(p, res);
    if (r < 0)
        sk_err(err, layer_pipe_error(p)->errnum, "layer: %s", layer_pipe_error(p)->msg);
    layer_pipe_free(p);
    return r;
}
