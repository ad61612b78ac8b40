/* fs.h - file helpers: whole-file reads, atomic writes, directory trees,
 * and opening paths inside a root without escaping it.
 * Depends on libc only. */
#ifndef SKIFF_UTIL_FS_H
#define SKIFF_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole file (at most max bytes; larger is an error).  The buffer is
 * NUL-terminated; *len excludes the NUL.  dirfd may be AT_FDCWD. */
int sk_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                    sk_error *err);
/* The same from an open fd (path only names it in errors). */
int sk_read_fd(int fd, const char *path, size_t max, char **out, size_t *len, sk_error *err);
static inline int sk_read_file(const char *path, size_t max, char **out, size_t *len,
                               sk_error *err)
{
    return sk_read_file_at(-100 /* AT_FDCWD */, path, max, out, len, err);
}

/* Write data to path atomically: a temp file renamed over it, so readers
 * see the old or the new content, never a part.  With SK_DURABLE the file
 * and its directory are also fsync'ed (persistent state: survives a power
 * loss); without, the write costs no disk flush (runtime state on /run). */
enum { SK_DURABLE = 1 };
int sk_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int flags,
                    sk_error *err);

/* The bytes of the regular files under the directory path (symlinks not
 * followed; a file with n links counts 1/n at each, so once when all its
 * links are inside): docker's SizeRw and a volume's Size.  128 levels deep
 * at most (deeper is not counted); 0 when path is not a directory. */
uint64_t sk_tree_size(const char *path);

/* Write all of data to fd: short writes continue, EINTR is retried, a full
 * non-blocking fd is waited for (poll).  0, or -1 with errno set. */
int sk_write_all(int fd, const void *data, size_t len);

/* Open an existing file write-only (no create, no truncate) and write s to
 * it in one write(2): the way cgroupfs, procfs and sysfs want it. */
int sk_write_existing(const char *path, const char *s, sk_error *err);
int sk_write_existing_at(int dirfd, const char *path, const char *s, sk_error *err);

/* mkdir -p; existing directories are fine. */
int sk_mkdir_p(const char *path, mode_t mode, sk_error *err);

/* rm -rf, never crossing into another mount or following symlinks. */
int sk_rm_rf(const char *path, sk_error *err);
/* The same for name inside the directory dirfd. */
int sk_rm_rf_at(int dirfd, const char *name, sk_error *err);

/* Resolve and open path inside the directory rootfd as if rootfd were "/":
 * symlinks (absolute or relative) and ".." never leave it, magic links are
 * refused.  Uses openat2(RESOLVE_IN_ROOT) and falls back to a component walk
 * on kernels without it.  flags are open(2) flags (O_PATH is typical). */
int sk_open_in_root(int rootfd, const char *path, int flags, mode_t mode, sk_error *err);
/* The component walk itself (exposed for tests and for the fallback). */
int sk_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, sk_error *err);

/* Like sk_open_in_root, creating missing directories on the way (mode
 * 0755); with make_file, the last component is created as an empty regular
 * file instead of a directory when missing.  Returns an O_PATH fd. */
int sk_mkpath_in_root(int rootfd, const char *path, bool make_file, sk_error *err);

/* Normalise a path lexically: collapse "//", "/./", resolve ".." without
 * going above "/" (for absolute) and strip the trailing slash.  Writes into
 * out (size cap); returns -1 if it does not fit. */
int sk_path_clean(const char *path, char *out, size_t cap);

#endif
