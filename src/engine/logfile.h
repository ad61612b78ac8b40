/* logfile.h - docker's json-file log: one JSON object a line,
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-22T10:00:00.123456789Z"}
 * rotated by size into <file>.1, <file>.2, ... (internal).  The strings
 * are encoded as docker's jsonlog does: UTF-8 as it is, <, >, & and control
 * characters escaped, bytes that are not UTF-8 as U+FFFD.
 * The writer (logfile.c) needs no JSON library; the reader is logread.c. */
#ifndef SKIFF_ENGINE_LOGFILE_H
#define SKIFF_ENGINE_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/strbuf.h"

struct logfile {
    char path[4096];
    int fd;
    uint64_t size, max_size; /* 0: no rotation */
    int max_files;           /* kept, the current one included */
    struct strbuf partial[3]; /* [1], [2] per stream: a line not yet ended;
                               * [0] the entry being encoded */
};

/* Open for appending; max-size / max-file as docker's --log-opt values
 * ("10m", "3"); NULL for none. */
int logfile_open(struct logfile *l, const char *path, const char *max_size, const char *max_file,
                 sk_error *err);
/* Data from a stream (1 stdout, 2 stderr): complete lines are written,
 * the rest waits for its newline (or for 16 KiB, as docker splits). */
void logfile_write(struct logfile *l, int stream, const char *data, size_t len);
/* Write what is pending (at the end of the output). */
void logfile_flush(struct logfile *l);
void logfile_close(struct logfile *l);

/* The time as the log has it: 2026-11-22T10:00:00.123456789Z */
void logfile_now(char *buf, size_t cap);

/* "10m" -> bytes; -1 when not a size. */
int64_t logfile_parse_size(const char *s);

/* Read the log files of path (rotated ones first) from byte offset *pos of
 * the current file (0: everything), calling fn per entry; *pos is where the
 * next read continues (for follow). */
int logfile_read(const char *path, bool all_rotated, uint64_t *pos,
                 int (*fn)(void *ud, int stream, const char *time, const char *data, size_t len),
                 void *ud, sk_error *err);

/* Following a log: where reading goes on, in which file. */
struct log_pos {
    uint64_t pos;
    unsigned long long dev, ino; /* 0: not known yet */
};
/* What was added since p (the first call: from p->pos of the current file),
 * also across a rotation (the rest of the old file, now <path>.1, then the
 * new one) or a truncation. */
int logfile_follow(const char *path, struct log_pos *p,
                   int (*fn)(void *ud, int stream, const char *time, const char *data, size_t len),
                   void *ud, sk_error *err);

#endif
