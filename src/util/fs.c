#define _GNU_SOURCE
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"

int sk_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                    sk_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sk_err(err, errno, "open %s", path);
    return sk_read_fd(fd, path, max, out, len, err);
}

int sk_read_fd(int fd, const char *path, size_t max, char **out, size_t *len, sk_error *err)
{
    size_t cap = 4096, n = 0;
    _cleanup_free_ char *buf = malloc(cap);
    if (buf == NULL)
        return sk_err(err, ENOMEM, "read %s", path);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max + 1)
                return sk_err(err, 0, "read %s: larger than %zu bytes", path, max);
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL)
                return sk_err(err, ENOMEM, "read %s", path);
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return sk_err(err, errno, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max)
            return sk_err(err, 0, "read %s: larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    *out = steal_ptr(&buf);
    return 0;
}

static uint64_t tree_size(int fd, int depth) /* fd: taken over */
{
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return 0;
    }
    uint64_t total = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size / (st.st_nlink ? st.st_nlink : 1);
        else if (S_ISDIR(st.st_mode) && depth < 128) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                total += tree_size(sub, depth + 1);
        }
    }
    closedir(d);
    return total;
}

uint64_t sk_tree_size(const char *path)
{
    int fd = path ? open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    return fd >= 0 ? tree_size(fd, 0) : 0;
}

int sk_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pf = {fd, POLLOUT, 0};
                if (poll(&pf, 1, -1) < 0 && errno != EINTR)
                    return -1;
                continue;
            }
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int sk_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int flags,
                    sk_error *err)
{
    bool durable = (flags & SK_DURABLE) != 0;
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid()) >= (int)sizeof tmp)
        return sk_err(err, ENAMETOOLONG, "write %s", path);
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return sk_err(err, errno, "create %s", tmp);
    if (sk_write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        int e = errno;
        unlink(tmp);
        return sk_err(err, e, "write %s", tmp);
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return sk_err(err, e, "rename %s", path);
    }
    if (!durable)
        return 0;
    /* Make the rename itself durable. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash != NULL)
        *slash = '\0';
    else
        strcpy(dir, ".");
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        fsync(dfd);
    return 0;
}

int sk_write_existing_at(int dirfd, const char *path, const char *s, sk_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sk_err(err, errno, "open %s", path);
    size_t len = strlen(s);
    ssize_t w;
    do
        w = write(fd, s, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return sk_err(err, errno, "write %s to %s", s, path);
    if ((size_t)w != len)
        return sk_err(err, EIO, "short write to %s", path);
    return 0;
}

int sk_write_existing(const char *path, const char *s, sk_error *err)
{
    return sk_write_existing_at(AT_FDCWD, path, s, err);
}

int sk_mkdir_p(const char *path, mode_t mode, sk_error *err)
{
    if (mkdir(path, mode) == 0)
        return 0; /* the common case: only the last level was missing */
    struct stat st;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0; /* the other common case: all there */
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return sk_err(err, ENAMETOOLONG, "mkdir %s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return sk_err(err, errno, "mkdir %s", buf);
            *p = c;
            if (c == '\0')
                break;
        }
    }
    if (stat(path, &st) < 0)
        return sk_err(err, errno, "stat %s", path);
    if (!S_ISDIR(st.st_mode))
        return sk_err(err, ENOTDIR, "mkdir %s", path);
    return 0;
}

static int rm_rf_at(int dirfd, const char *name, dev_t dev, int depth)
{
    if (depth > 256) {
        errno = ELOOP;
        return -1;
    }
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
    if (st.st_dev != dev) {
        errno = EXDEV; /* a mount point: never descend into it */
        return -1;
    }
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return -1;
    }
    int ret = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (rm_rf_at(fd, de->d_name, dev, depth + 1) < 0)
            ret = -1;
    }
    int saved = errno;
    closedir(d);
    errno = saved;
    if (ret < 0)
        return -1;
    return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

int sk_rm_rf_at(int dirfd, const char *name, sk_error *err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : sk_err(err, errno, "remove %s", name);
    if (rm_rf_at(dirfd, name, st.st_dev, 0) < 0)
        return sk_err(err, errno, "remove %s", name);
    return 0;
}

int sk_rm_rf(const char *path, sk_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : sk_err(err, errno, "remove %s", path);
    if (rm_rf_at(AT_FDCWD, path, st.st_dev, 0) < 0)
        return sk_err(err, errno, "remove %s", path);
    return 0;
}

int sk_path_clean(const char *path, char *out, size_t cap)
{
    bool abs = path[0] == '/';
    size_t n = 0;
    if (cap < 2)
        return -1;
    if (abs)
        out[n++] = '/';
    size_t base = n; /* ".." never goes below this */
    const char *p = path;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *e = strchrnul(p, '/');
        size_t l = (size_t)(e - p);
        if (l == 1 && p[0] == '.') {
            /* skip */
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (n > base) {
                while (n > base && out[n - 1] != '/')
                    n--;
                if (n > base)
                    n--; /* the slash before the removed component */
            } else if (!abs) {
                if (n + 3 >= cap)
                    return -1;
                if (n > 0)
                    out[n++] = '/';
                memcpy(out + n, "..", 2);
                n += 2;
                base = n;
            }
        } else {
            if (n + l + 2 >= cap)
                return -1;
            if (n > 0 && out[n - 1] != '/')
                out[n++] = '/';
            memcpy(out + n, p, l);
            n += l;
        }
        p = e;
    }
    if (n == 0)
        out[n++] = '.';
    out[n] = '\0';
    return 0;
}

/* ---- resolving inside a root ---------------------------------------- */

int sk_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, sk_error *err)
{
    enum { MAX_DEPTH = 255, MAX_LINKS = 40 };
    int stack[MAX_DEPTH + 1];
    int depth = 0; /* stack[0] is the root, not owned */
    int links = 0;
    int ret = -1;
    char *rest = malloc(PATH_MAX * 2);
    if (rest == NULL)
        return sk_err(err, ENOMEM, "resolve %s", path);
    stack[0] = rootfd;
    if (snprintf(rest, PATH_MAX * 2, "%s", path) >= PATH_MAX * 2) {
        sk_err(err, ENAMETOOLONG, "resolve %s", path);
        goto out;
    }
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0') {
            /* path ended on a directory (or was empty): reopen it */
            ret = openat(stack[depth], ".", flags | O_CLOEXEC, mode);
            if (ret < 0)
                sk_err(err, errno, "open %s", path);
            goto out;
        }
        char *e = strchrnul(p, '/');
        char comp[NAME_MAX + 1];
        size_t l = (size_t)(e - p);
        if (l > NAME_MAX) {
            sk_err(err, ENAMETOOLONG, "resolve %s", path);
            goto out;
        }
        memcpy(comp, p, l);
        comp[l] = '\0';
        p = e;
        bool last = true;
        for (const char *q = p; *q != '\0'; q++)
            if (*q != '/') {
                last = false;
                break;
            }
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            if (depth > 0)
                close(stack[depth--]);
            continue;
        }
        struct stat st;
        if (fstatat(stack[depth], comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT && last && (flags & O_CREAT)) {
                ret = openat(stack[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
                if (ret < 0)
                    sk_err(err, errno, "open %s", path);
                goto out;
            }
            sk_err(err, errno, "resolve %s", path);
            goto out;
        }
        if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
            if (++links > MAX_LINKS) {
                sk_err(err, ELOOP, "resolve %s", path);
                goto out;
            }
            char target[PATH_MAX];
            ssize_t tl = readlinkat(stack[depth], comp, target, sizeof target - 1);
            if (tl < 0) {
                sk_err(err, errno, "readlink %s in %s", comp, path);
                goto out;
            }
            target[tl] = '\0';
            size_t restlen = strlen(p);
            if ((size_t)tl + restlen + 2 >= PATH_MAX * 2) {
                sk_err(err, ENAMETOOLONG, "resolve %s", path);
                goto out;
            }
            /* new rest = target + rest; p points into rest, so move first */
            memmove(rest + tl, p, restlen + 1);
            memcpy(rest, target, (size_t)tl);
            p = rest;
            if (target[0] == '/')
                while (depth > 0)
                    close(stack[depth--]);
            continue;
        }
        if (last) {
            ret = openat(stack[depth], comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
            if (ret < 0)
                sk_err(err, errno, "open %s", path);
            goto out;
        }
        if (depth >= MAX_DEPTH) {
            sk_err(err, ELOOP, "resolve %s", path);
            goto out;
        }
        int fd = openat(stack[depth], comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            sk_err(err, errno, "resolve %s", path);
            goto out;
        }
        stack[++depth] = fd;
    }
out:
    while (depth > 0)
        close(stack[depth--]);
    free(rest);
    return ret;
}

int sk_open_in_root(int rootfd, const char *path, int flags, mode_t mode, sk_error *err)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    for (int tries = 0; tries < 32; tries++) {
        long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        if (fd >= 0)
            return (int)fd;
        if (errno == EAGAIN || errno == EINTR)
            continue; /* a concurrent rename: try again */
        if (errno == ENOSYS || errno == E2BIG)
            return sk_open_in_root_walk(rootfd, path, flags, mode, err);
        return sk_err(err, errno, "open %s", path);
    }
    return sk_err(err, EAGAIN, "open %s", path);
}

/* Make path (clean, absolute) exist inside the root.  A component that is a
 * dangling symlink is followed: what it points at is created instead (the
 * kernel would follow it too), always resolved inside the root. */
static int mkpath_rec(int rootfd, const char *path, bool make_file, int depth, sk_error *err)
{
    if (depth > 40)
        return sk_err(err, ELOOP, "create %s", path);
    int fd = sk_open_in_root(rootfd, path, O_PATH, 0, NULL);
    if (fd >= 0 || errno != ENOENT) {
        if (fd < 0)
            return sk_err(err, errno, "open %s", path);
        return fd;
    }
    char parent[PATH_MAX], base[NAME_MAX + 1];
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash[1] == '\0' || strlen(slash + 1) > NAME_MAX)
        return sk_err(err, EINVAL, "create %s", path);
    snprintf(parent, sizeof parent, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    snprintf(base, sizeof base, "%s", slash + 1);
    _cleanup_close_ int pfd = mkpath_rec(rootfd, parent, false, depth + 1, err);
    if (pfd < 0)
        return -1;
    int r;
    if (make_file) {
        r = openat(pfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0)
            close(r);
    } else {
        r = mkdirat(pfd, base, 0755);
    }
    if (r < 0 && errno == EEXIST) {
        char target[PATH_MAX], next[PATH_MAX * 2], clean[PATH_MAX];
        ssize_t tl = readlinkat(pfd, base, target, sizeof target - 1);
        if (tl >= 0) {
            target[tl] = '\0';
            if (target[0] == '/')
                snprintf(next, sizeof next, "%s", target);
            else
                snprintf(next, sizeof next, "%s/%s", strcmp(parent, "/") ? parent : "", target);
            if (sk_path_clean(next, clean, sizeof clean) < 0)
                return sk_err(err, ENAMETOOLONG, "create %s", path);
            if (clean[0] != '/') /* ".." above the root stays at the root */
                snprintf(clean, sizeof clean, "/");
            return mkpath_rec(rootfd, clean, make_file, depth + 1, err);
        }
    } else if (r < 0) {
        return sk_err(err, errno, "create %s", path);
    }
    return sk_open_in_root(rootfd, path, O_PATH, 0, err);
}

int sk_mkpath_in_root(int rootfd, const char *path, bool make_file, sk_error *err)
{
    char clean[PATH_MAX], abs[PATH_MAX + 1];
    snprintf(abs, sizeof abs, "%s%s", path[0] == '/' ? "" : "/", path);
    if (sk_path_clean(abs, clean, sizeof clean) < 0)
        return sk_err(err, ENAMETOOLONG, "%s", path);
    return mkpath_rec(rootfd, clean, make_file, 0, err);
}
