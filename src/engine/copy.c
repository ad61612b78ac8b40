/* copy.c - docker cp: files between the host and a container's filesystem.
 *
 * The container side is reached through one directory fd for its root
 * (/proc/PID/root while it runs, so its mounts count; its overlay mounted
 * for the time of the copy when it does not) and every path in it is
 * resolved with RESOLVE_IN_ROOT, then walked fd by fd with O_NOFOLLOW: a
 * symlink the container made can never send a read or a write outside it
 * (CVE-2018-15664, CVE-2019-14271, CVE-2021-41089).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "image/dl_archive.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

struct root {
    int fd;
    int lock;     /* held while the rootfs is mounted for us */
    bool mounted;
    struct ctr *c;
};

/* overlay_only: the container's own filesystem, without what is mounted
 * into it (export, diff) */
static int root_open(struct sk_engine *e, struct ctr *c, struct root *r, bool overlay_only,
                     sk_error *err)
{
    memset(r, 0, sizeof *r);
    r->fd = r->lock = -1;
    r->c = c;
    ctr_reconcile(e, c);
    if (ctr_is_running(c) && overlay_only) {
        char p[PATH_MAX + 8];
        snprintf(p, sizeof p, "%s/rootfs", c->rundir);
        r->fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r->fd < 0)
            return sk_err(err, errno, "container %.12s: its root", c->id);
        return 0;
    }
    if (ctr_is_running(c)) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/root", (int)json_integer_value(json_object_get(c->state, "Pid")));
        r->fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r->fd < 0)
            return sk_err(err, errno, "container %.12s: its root", c->id);
        return 0;
    }
    /* not running: its overlay, mounted while we hold its lock (start waits) */
    if ((r->lock = ctr_lock(c, err)) < 0)
        return -1;
    char path[PATH_MAX];
    if (ctr_mount_rootfs(e, c, path, sizeof path, err) < 0) {
        close(r->lock);
        return -1;
    }
    r->mounted = true;
    r->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (r->fd < 0) {
        sk_err(err, errno, "%s", path);
        ctr_umount_rootfs(c, NULL);
        close(r->lock);
        return -1;
    }
    return 0;
}

static void root_close(struct root *r)
{
    if (r->fd >= 0)
        close(r->fd);
    if (r->mounted)
        ctr_umount_rootfs(r->c, NULL);
    if (r->lock >= 0)
        close(r->lock);
}

/* "/a/b/c" -> parent "/a/b", base "c"; "/" has no base. */
static void split(const char *path, char *parent, size_t pcap, char *base, size_t bcap)
{
    char clean[PATH_MAX];
    if (sk_path_clean(path, clean, sizeof clean) < 0)
        snprintf(clean, sizeof clean, "%s", path);
    const char *slash = strrchr(clean, '/');
    if (slash == NULL) {
        snprintf(parent, pcap, ".");
        snprintf(base, bcap, "%s", clean);
    } else {
        snprintf(parent, pcap, "%.*s", (int)(slash == clean ? 1 : slash - clean), clean);
        snprintf(base, bcap, "%s", slash + 1);
    }
}

static bool ends_with_dot(const char *p)
{
    size_t n = strlen(p);
    return n >= 2 && strcmp(p + n - 2, "/.") == 0;
}

static bool ends_with_slash(const char *p)
{
    size_t n = strlen(p);
    return n > 0 && p[n - 1] == '/';
}

/* ---- copying, fd to fd ------------------------------------------------------------------ */

struct cp {
    bool archive;    /* keep owners */
    uid_t uid;       /* else: these */
    gid_t gid;
    sk_error *err;
};

static int copy_data(int in, int out, const char *name, sk_error *err)
{
    for (;;) {
        ssize_t n = sendfile(out, in, NULL, 1 << 30);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
            char buf[65536];
            ssize_t r;
            while ((r = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t)r) != r)
                    return sk_err(err, errno, "copy %s", name);
            return r < 0 ? sk_err(err, errno, "copy %s", name) : 0;
        }
        if (n < 0)
            return sk_err(err, errno, "copy %s", name);
        if (n == 0)
            return 0;
    }
}

static void set_meta(struct cp *x, int dirfd, const char *name, const struct stat *st, int fd)
{
    uid_t u = x->archive ? st->st_uid : x->uid;
    gid_t g = x->archive ? st->st_gid : x->gid;
    if (fd >= 0) {
        if (fchown(fd, u, g) < 0) {
            /* best effort, as docker */
        }
        fchmod(fd, st->st_mode & 07777);
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        futimens(fd, ts);
        return;
    }
    if (fchownat(dirfd, name, u, g, AT_SYMLINK_NOFOLLOW) < 0) {
        /* best effort */
    }
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

/* Make room for name in dirfd: whatever is there goes unless both are directories. */
static int clear(int dirfd, const char *name, bool want_dir, sk_error *err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        if (want_dir)
            return 0;
        return sk_err(err, EISDIR, "cannot overwrite directory \"%s\" with non-directory", name);
    }
    if (want_dir)
        return sk_err(err, ENOTDIR, "cannot overwrite non-directory \"%s\" with directory", name);
    if (unlinkat(dirfd, name, 0) < 0)
        return sk_err(err, errno, "replace %s", name);
    return 0;
}

/* Copy the entry name of sdir to dname in ddir, recursively. */
static int copy_entry(struct cp *x, int sdir, const char *name, int ddir, const char *dname, int depth)
{
    if (depth > 256)
        return sk_err(x->err, ELOOP, "%s: too deep", name);
    struct stat st;
    if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_err(x->err, errno, "%s", name);
    if (S_ISDIR(st.st_mode)) {
        if (clear(ddir, dname, true, x->err) < 0)
            return -1;
        if (mkdirat(ddir, dname, 0700) < 0 && errno != EEXIST)
            return sk_err(x->err, errno, "mkdir %s", dname);
        _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return sk_err(x->err, errno, "open %s", s < 0 ? name : dname);
        int dupfd = dup(s);
        DIR *dir = dupfd >= 0 ? fdopendir(dupfd) : NULL;
        if (dir == NULL) {
            if (dupfd >= 0)
                close(dupfd);
            return sk_err(x->err, errno, "%s", name);
        }
        int rc = 0;
        struct dirent *de;
        while (rc == 0 && (de = readdir(dir)) != NULL)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                rc = copy_entry(x, s, de->d_name, d, de->d_name, depth + 1);
        closedir(dir);
        if (rc == 0)
            set_meta(x, ddir, dname, &st, d);
        return rc;
    }
    if (clear(ddir, dname, false, x->err) < 0)
        return -1;
    if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (in < 0 || out < 0)
            return sk_err(x->err, errno, "open %s", in < 0 ? name : dname);
        if (copy_data(in, out, name, x->err) < 0)
            return -1;
        set_meta(x, ddir, dname, &st, out);
        return 0;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
        if (n < 0)
            return sk_err(x->err, errno, "readlink %s", name);
        target[n] = '\0';
        if (symlinkat(target, ddir, dname) < 0)
            return sk_err(x->err, errno, "symlink %s", dname);
        set_meta(x, ddir, dname, &st, -1);
        return 0;
    }
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        if (mknodat(ddir, dname, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0)
            return sk_err(x->err, errno, "mknod %s", dname);
        set_meta(x, ddir, dname, &st, -1);
        fchmodat(ddir, dname, st.st_mode & 07777, 0);
        return 0;
    }
    return 0; /* sockets are not copied */
}

/* Every entry of the directory name (in sdir) into ddir. */
static int copy_contents(struct cp *x, int sdir, const char *name, int ddir)
{
    _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int dupfd = s >= 0 ? dup(s) : -1;
    DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
    if (d == NULL) {
        if (dupfd >= 0)
            close(dupfd);
        return sk_err(x->err, errno, "%s", name);
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            rc = copy_entry(x, s, de->d_name, ddir, de->d_name, 0);
    closedir(d);
    return rc;
}

/* ---- the two directions ---------------------------------------------------------------- */

/* Where a copy lands, by docker's rules: the directory to write into and the
 * name to write.  dst_is_dir: dst exists and is a directory. */
static int landing(const char *src, bool src_is_dir, const char *dst, bool dst_exists,
                   bool dst_is_dir, char *name, size_t cap, bool *into, sk_error *err)
{
    char sp[PATH_MAX], sb[NAME_MAX + 1];
    split(src, sp, sizeof sp, sb, sizeof sb);
    *into = false;
    if (!dst_exists) {
        if (ends_with_slash(dst) && !src_is_dir)
            return sk_err(err, ENOENT, "no such directory: %s", dst);
        return 0; /* dst itself is created */
    }
    if (dst_is_dir) {
        if (src_is_dir && ends_with_dot(src)) {
            *into = true; /* the contents, into dst */
            return 0;
        }
        snprintf(name, cap, "%s", sb); /* into dst, under its own name */
        return 1;
    }
    if (src_is_dir)
        return sk_err(err, ENOTDIR, "cannot copy a directory to a file: %s", dst);
    return 0; /* a file over a file */
}

int sk_container_copy_to(struct sk_engine *e, const char *ref, const char *src, const char *dst,
                         bool archive, bool follow, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    struct stat sst;
    if ((follow ? stat(src, &sst) : lstat(src, &sst)) < 0 || (ends_with_dot(src) && stat(src, &sst) < 0))
        return sk_err(err, errno, "could not find the file %s", src);
    bool src_dir = S_ISDIR(sst.st_mode);
    char sparent[PATH_MAX], sbase[NAME_MAX + 1];
    bool resolve = follow && !ends_with_dot(src); /* "dir/." is the directory's contents */
    _cleanup_free_ char *real = resolve ? realpath(src, NULL) : NULL;
    if (resolve && real == NULL)
        return sk_err(err, errno, "could not find the file %s", src);
    split(real ? real : src, sparent, sizeof sparent, sbase, sizeof sbase);
    struct root r;
    if (root_open(e, c, &r, false, err) < 0)
        return -1;
    int rc = -1;
    _cleanup_close_ int pfd = -1, probe = -1;
    _cleanup_close_ int sdir = open(sparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int dfd = sk_open_in_root(r.fd, dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, NULL);
    if (dfd < 0)
        probe = sk_open_in_root(r.fd, dst, O_PATH | O_CLOEXEC, 0, NULL);
    bool dst_exists = dfd >= 0 || probe >= 0;
    char name[NAME_MAX + 1], dparent[PATH_MAX], dbase[NAME_MAX + 1];
    bool into;
    struct cp x = {.archive = archive, .uid = 0, .gid = 0, .err = err};
    if (sdir < 0) {
        sk_err(err, errno, "%s", sparent);
        goto out;
    }
    int l = landing(src, src_dir, dst, dst_exists, dfd >= 0, name, sizeof name, &into, err);
    if (l < 0)
        goto out;
    if (into) { /* "dir/." into an existing dir: entry by entry */
        rc = copy_contents(&x, sdir, sbase, dfd);
        goto out;
    }
    if (l == 1) {
        rc = copy_entry(&x, sdir, sbase, dfd, name, 0);
        goto out;
    }
    /* dst is the new name: its parent must exist */
    split(dst, dparent, sizeof dparent, dbase, sizeof dbase);
    pfd = sk_open_in_root(r.fd, dparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
    if (pfd < 0) {
        sk_err_prefix(err, "no such directory: %s", dparent);
        goto out;
    }
    rc = copy_entry(&x, sdir, sbase, pfd, dbase, 0);
out:
    root_close(&r);
    if (rc < 0)
        sk_err_prefix(err, "copy to %.12s:%s", c->id, dst);
    return rc;
}

/* cp -L in a container: the path with its last component's symlinks
 * followed, each step resolved inside the root (40 at most). */
static int follow_in_root(int rootfd, const char *path, char *out, size_t cap, sk_error *err)
{
    char cur[PATH_MAX], parent[PATH_MAX], base[NAME_MAX + 1], target[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", path);
    for (int i = 0; i < 40; i++) {
        split(cur, parent, sizeof parent, base, sizeof base);
        int pfd = base[0] && strcmp(base, ".") ? sk_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, NULL) : -1;
        ssize_t n = pfd >= 0 ? readlinkat(pfd, base, target, sizeof target - 1) : -1;
        if (pfd >= 0)
            close(pfd);
        if (n < 0) { /* not a link (or not there: the caller says so) */
            snprintf(out, cap, "%s", cur);
            return 0;
        }
        target[n] = '\0';
        if (target[0] == '/')
            snprintf(cur, sizeof cur, "%s", target);
        else if (snprintf(cur, sizeof cur, "%s/%s", parent, target) >= (int)sizeof cur)
            return sk_err(err, ENAMETOOLONG, "%s", path);
    }
    return sk_err(err, ELOOP, "%s", path);
}

int sk_container_copy_from(struct sk_engine *e, const char *ref, const char *src, const char *dst,
                           bool archive, bool follow, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    struct root r;
    if (root_open(e, c, &r, false, err) < 0)
        return -1;
    int rc = -1;
    char sparent[PATH_MAX], sbase[NAME_MAX + 1], name[NAME_MAX + 1], real[PATH_MAX];
    if (follow && follow_in_root(r.fd, src, real, sizeof real, err) < 0) {
        root_close(&r);
        return -1;
    }
    split(follow ? real : src, sparent, sizeof sparent, sbase, sizeof sbase);
    bool into;
    struct cp x = {.archive = archive, .uid = getuid(), .gid = getgid(), .err = err};
    _cleanup_close_ int dfd = -1, pfd = -1;
    _cleanup_close_ int sdir = sk_open_in_root(r.fd, sparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
    struct stat sst;
    if (sdir < 0 || fstatat(sdir, strcmp(sbase, "") && strcmp(sbase, ".") ? sbase : ".", &sst,
                            AT_SYMLINK_NOFOLLOW) < 0) {
        sk_err(err, errno, "Could not find the file %s in container %s", src, ref);
        goto out;
    }
    if (strcmp(sbase, ".") == 0 || sbase[0] == '\0') { /* "/" or "dir/." */
        close(sdir);
        sdir = sk_open_in_root(r.fd, sparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
        snprintf(sbase, sizeof sbase, ".");
    }
    bool src_dir = S_ISDIR(sst.st_mode);
    struct stat dst_st;
    bool dst_exists = stat(dst, &dst_st) == 0;
    if (dst_exists && S_ISDIR(dst_st.st_mode))
        dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int l = landing(src, src_dir, dst, dst_exists, dfd >= 0, name, sizeof name, &into, err);
    if (l < 0)
        goto out;
    if (into || strcmp(sbase, ".") == 0) {
        if (dfd < 0 && mkdir(dst, 0755) == 0)
            dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
            sk_err(err, errno, "%s", dst);
            goto out;
        }
        rc = copy_contents(&x, sdir, sbase, dfd);
        goto out;
    }
    if (l == 1) {
        rc = copy_entry(&x, sdir, sbase, dfd, name, 0);
        goto out;
    }
    char dparent[PATH_MAX], dbase[NAME_MAX + 1];
    split(dst, dparent, sizeof dparent, dbase, sizeof dbase);
    pfd = open(dparent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) {
        sk_err(err, errno, "no such directory: %s", dparent);
        goto out;
    }
    rc = copy_entry(&x, sdir, sbase, pfd, dbase, 0);
out:
    root_close(&r);
    return rc;
}

int sk_container_extract(struct sk_engine *e, const char *ref, const char *dst, int tar_fd,
                         bool archive, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    struct root r;
    if (root_open(e, c, &r, false, err) < 0)
        return -1;
    int rc = -1;
    _cleanup_close_ int dfd = sk_open_in_root(r.fd, dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
    if (dfd >= 0) {
        struct fd_source fs = {tar_fd};
        struct byte_source src = {fd_source_read, &fs};
        struct layer_result res;
        struct layer_unpack_opts lo = {.literal = true, .root_owner = !archive};
        rc = layer_unpack_opts(&src, dfd, &lo, &res, err);
    } else {
        sk_err_prefix(err, "extraction point is not a directory");
    }
    root_close(&r);
    return rc;
}

/* ---- a tar of a container path (cp CONTAINER:PATH -) ---------------------------------------- */

static int tar_entry(struct archive *a, int dirfd, const char *name, const char *arcname, int depth,
                     sk_error *err)
{
    struct stat st;
    if (depth > 256)
        return sk_err(err, ELOOP, "%s: too deep", arcname);
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_err(err, errno, "%s", arcname);
    struct archive_entry *en = archive_entry_new();
    if (en == NULL)
        return sk_err(err, ENOMEM, "tar");
    archive_entry_copy_stat(en, &st);
    archive_entry_set_pathname(en, arcname);
    char target[PATH_MAX];
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        archive_entry_set_symlink(en, target);
    }
    if (!S_ISREG(st.st_mode))
        archive_entry_set_size(en, 0);
    int rc = archive_write_header(a, en) == ARCHIVE_OK ? 0
                                                       : sk_err(err, 0, "tar: %s", archive_error_string(a));
    archive_entry_free(en);
    if (rc == 0 && S_ISREG(st.st_mode)) {
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        char buf[65536];
        ssize_t n;
        if (fd < 0)
            return sk_err(err, errno, "%s", arcname);
        while ((n = read(fd, buf, sizeof buf)) > 0)
            if (archive_write_data(a, buf, (size_t)n) < 0)
                return sk_err(err, 0, "tar: %s", archive_error_string(a));
        if (n < 0)
            return sk_err(err, errno, "%s", arcname);
    }
    if (rc == 0 && S_ISDIR(st.st_mode)) {
        _cleanup_close_ int d = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int dupfd = d >= 0 ? dup(d) : -1;
        DIR *dir = dupfd >= 0 ? fdopendir(dupfd) : NULL;
        if (dir == NULL) {
            if (dupfd >= 0)
                close(dupfd);
            return sk_err(err, errno, "%s", arcname);
        }
        struct dirent *de;
        while (rc == 0 && (de = readdir(dir)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char sub[PATH_MAX];
            if ((size_t)snprintf(sub, sizeof sub, "%s/%s", arcname, de->d_name) >= sizeof sub) {
                rc = sk_err(err, ENAMETOOLONG, "%s", arcname);
                break;
            }
            rc = tar_entry(a, d, de->d_name, sub, depth + 1, err);
        }
        closedir(dir);
    }
    return rc;
}

int sk_container_archive(struct sk_engine *e, const char *ref, const char *src, int out_fd,
                         sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0 || sk_archive_load(err) < 0)
        return -1;
    struct root r;
    if (root_open(e, c, &r, false, err) < 0)
        return -1;
    char sparent[PATH_MAX], sbase[NAME_MAX + 1];
    split(src, sparent, sizeof sparent, sbase, sizeof sbase);
    bool root = sbase[0] == '\0';
    int rc = -1;
    _cleanup_close_ int sdir = sk_open_in_root(r.fd, root ? "/" : sparent,
                                               O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, err);
    struct archive *a = archive_write_new();
    if (sdir >= 0 && a != NULL && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
        archive_write_open_fd(a, out_fd) == ARCHIVE_OK) {
        rc = tar_entry(a, sdir, root ? "." : sbase, root ? "." : sbase, 0, err);
        if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
            rc = sk_err(err, 0, "tar: %s", archive_error_string(a));
    } else if (sdir >= 0) {
        sk_err(err, 0, "tar: %s", a ? archive_error_string(a) : "out of memory");
    } else {
        sk_err_prefix(err, "Could not find the file %s in container %s", src, ref);
    }
    if (a != NULL)
        archive_write_free(a);
    root_close(&r);
    return rc;
}

/* docker export: the container's filesystem as a tar, mounts left out. */
int sk_container_export(struct sk_engine *e, const char *ref, int out_fd, sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0 || sk_archive_load(err) < 0)
        return -1;
    struct root r;
    if (root_open(e, c, &r, true, err) < 0)
        return -1;
    int rc = -1;
    _cleanup_close_ int d = openat(r.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int dupfd = d >= 0 ? dup(d) : -1;
    DIR *dir = dupfd >= 0 ? fdopendir(dupfd) : NULL;
    struct archive *a = archive_write_new();
    if (dir != NULL && a != NULL && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
        archive_write_open_fd(a, out_fd) == ARCHIVE_OK) {
        rc = 0;
        struct dirent *de;
        while (rc == 0 && (de = readdir(dir)) != NULL)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                rc = tar_entry(a, d, de->d_name, de->d_name, 0, err);
        if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
            rc = sk_err(err, 0, "tar: %s", archive_error_string(a));
    } else {
        sk_err(err, errno, "export %.12s", c->id);
    }
    if (dir != NULL)
        closedir(dir);
    else if (dupfd >= 0)
        close(dupfd);
    if (a != NULL)
        archive_write_free(a);
    root_close(&r);
    return rc;
}

int ctr_copy_tree_contents(int sdir, int ddir, sk_error *err)
{
    struct cp x = {.archive = true, .err = err};
    int dupfd = dup(sdir);
    DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
    if (d == NULL) {
        if (dupfd >= 0)
            close(dupfd);
        return sk_err(err, errno, "copy");
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            rc = copy_entry(&x, sdir, de->d_name, ddir, de->d_name, 0);
    closedir(d);
    return rc;
}

/* ---- stat of a container path (docker cp's X-Docker-Container-Path-Stat) --------------------- */

static uint32_t go_file_mode(mode_t m)
{
    uint32_t g = m & 0777;
    if (S_ISDIR(m))
        g |= 1u << 31;
    else if (S_ISLNK(m))
        g |= 1u << 27;
    else if (S_ISBLK(m))
        g |= 1u << 26;
    else if (S_ISCHR(m))
        g |= 1u << 26 | 1u << 21;
    else if (S_ISFIFO(m))
        g |= 1u << 25;
    else if (S_ISSOCK(m))
        g |= 1u << 24;
    if (m & S_ISUID)
        g |= 1u << 23;
    if (m & S_ISGID)
        g |= 1u << 22;
    if (m & S_ISVTX)
        g |= 1u << 20;
    return g;
}

int sk_container_stat(struct sk_engine *e, const char *ref, const char *path, json_t **out,
                      sk_error *err)
{
    _cleanup_(ctr_freep) struct ctr *c = NULL;
    if (ctr_find(e, ref, &c, err) < 0)
        return -1;
    struct root r;
    if (root_open(e, c, &r, false, err) < 0)
        return -1;
    char parent[PATH_MAX], base[NAME_MAX + 1];
    split(path, parent, sizeof parent, base, sizeof base);
    int rc = -1;
    _cleanup_close_ int dfd = sk_open_in_root(r.fd, base[0] ? parent : "/",
                                              O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, NULL);
    struct stat st;
    if (dfd < 0 || fstatat(dfd, base[0] ? base : ".", &st, AT_SYMLINK_NOFOLLOW) < 0) {
        sk_err(err, 0, "Could not find the file %s in container %s", path, ref);
        goto out;
    }
    char link[PATH_MAX] = "";
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlinkat(dfd, base, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
    }
    char mtime[64];
    struct tm tm;
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    size_t k = strftime(mtime, sizeof mtime, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(mtime + k, sizeof mtime - k, ".%09ldZ", st.st_mtim.tv_nsec);
    *out = json_pack("{s:s, s:I, s:I, s:s, s:s}", "name", base[0] ? base : "/", "size",
                     (json_int_t)st.st_size, "mode", (json_int_t)go_file_mode(st.st_mode), "mtime", mtime,
                     "linkTarget", link);
    rc = *out ? 0 : sk_err(err, ENOMEM, "stat");
out:
    root_close(&r);
    return rc;
}
