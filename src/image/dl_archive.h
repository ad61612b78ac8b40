/* dl_archive.h - libarchive, loaded on first use (see util/dl.h).
 * Include instead of <archive.h>/<archive_entry.h>; call
 * sk_archive_load() before the first archive_* call. */
#ifndef SKIFF_IMAGE_DL_ARCHIVE_H
#define SKIFF_IMAGE_DL_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "util/error.h"

#define SK_ARCHIVE_SYMS(X)                                                                         \
    X(archive_error_string)                                                                        \
    X(archive_set_error)                                                                           \
    X(archive_read_new)                                                                            \
    X(archive_read_free)                                                                           \
    X(archive_read_open)                                                                           \
    X(archive_read_next_header)                                                                    \
    X(archive_read_data_block)                                                                     \
    X(archive_read_support_format_tar)                                                             \
    X(archive_read_support_format_gnutar)                                                          \
    X(archive_write_new)                                                                           \
    X(archive_write_free)                                                                          \
    X(archive_write_close)                                                                         \
    X(archive_write_open_fd)                                                                       \
    X(archive_write_header)                                                                        \
    X(archive_write_data)                                                                          \
    X(archive_write_set_format_pax_restricted)                                                     \
    X(archive_entry_new)                                                                           \
    X(archive_entry_free)                                                                          \
    X(archive_entry_pathname)                                                                      \
    X(archive_entry_set_pathname)                                                                  \
    X(archive_entry_set_perm)                                                                      \
    X(archive_entry_set_filetype)                                                                  \
    X(archive_entry_set_size)                                                                      \
    X(archive_entry_mtime)                                                                         \
    X(archive_entry_mtime_nsec)                                                                    \
    X(archive_entry_xattr_reset)                                                                   \
    X(archive_entry_xattr_next)                                                                    \
    X(archive_entry_uid)                                                                           \
    X(archive_entry_gid)                                                                           \
    X(archive_entry_symlink)                                                                       \
    X(archive_entry_hardlink)                                                                      \
    X(archive_entry_size)                                                                          \
    X(archive_entry_rdev)                                                                          \
    X(archive_entry_mode)                                                                          \
    X(archive_entry_filetype)                                                                      \
    X(archive_entry_copy_stat)                                                                     \
    X(archive_entry_set_symlink)

#define SK_DL_DECLARE(f) extern __typeof__(f) *sk_dl_##f;
SK_ARCHIVE_SYMS(SK_DL_DECLARE)
#undef SK_DL_DECLARE

int sk_archive_load(sk_error *err);

#ifndef SK_DL_DEFINE
#define archive_error_string (*sk_dl_archive_error_string)
#define archive_set_error (*sk_dl_archive_set_error)
#define archive_read_new (*sk_dl_archive_read_new)
#define archive_read_free (*sk_dl_archive_read_free)
#define archive_read_open (*sk_dl_archive_read_open)
#define archive_read_next_header (*sk_dl_archive_read_next_header)
#define archive_read_data_block (*sk_dl_archive_read_data_block)
#define archive_read_support_format_tar (*sk_dl_archive_read_support_format_tar)
#define archive_read_support_format_gnutar (*sk_dl_archive_read_support_format_gnutar)
#define archive_write_new (*sk_dl_archive_write_new)
#define archive_write_free (*sk_dl_archive_write_free)
#define archive_write_close (*sk_dl_archive_write_close)
#define archive_write_open_fd (*sk_dl_archive_write_open_fd)
#define archive_write_header (*sk_dl_archive_write_header)
#define archive_write_data (*sk_dl_archive_write_data)
#define archive_write_set_format_pax_restricted (*sk_dl_archive_write_set_format_pax_restricted)
#define archive_entry_new (*sk_dl_archive_entry_new)
#define archive_entry_free (*sk_dl_archive_entry_free)
#define archive_entry_pathname (*sk_dl_archive_entry_pathname)
#define archive_entry_set_pathname (*sk_dl_archive_entry_set_pathname)
#define archive_entry_set_perm (*sk_dl_archive_entry_set_perm)
#define archive_entry_set_filetype (*sk_dl_archive_entry_set_filetype)
#define archive_entry_set_size (*sk_dl_archive_entry_set_size)
#define archive_entry_mtime (*sk_dl_archive_entry_mtime)
#define archive_entry_mtime_nsec (*sk_dl_archive_entry_mtime_nsec)
#define archive_entry_xattr_reset (*sk_dl_archive_entry_xattr_reset)
#define archive_entry_xattr_next (*sk_dl_archive_entry_xattr_next)
#define archive_entry_uid (*sk_dl_archive_entry_uid)
#define archive_entry_gid (*sk_dl_archive_entry_gid)
#define archive_entry_symlink (*sk_dl_archive_entry_symlink)
#define archive_entry_hardlink (*sk_dl_archive_entry_hardlink)
#define archive_entry_size (*sk_dl_archive_entry_size)
#define archive_entry_rdev (*sk_dl_archive_entry_rdev)
#define archive_entry_mode (*sk_dl_archive_entry_mode)
#define archive_entry_filetype (*sk_dl_archive_entry_filetype)
#define archive_entry_copy_stat (*sk_dl_archive_entry_copy_stat)
#define archive_entry_set_symlink (*sk_dl_archive_entry_set_symlink)
#endif

#endif
