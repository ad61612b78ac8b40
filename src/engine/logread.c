/* logread.c - reading docker's json-file logs (logfile.h). */
#define _GNU_SOURCE
#include "engine/logfile.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_one(const char *path, uint64_t *pos,
                    int (*fn)(void *, int, const char *, const char *, size_t), void *ud,
                    sk_error *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return errno == ENOENT ? 0 : sk_err(err, errno, "log %s", path);
    if (pos != NULL && *pos > 0 && fseeko(f, (off_t)*pos, SEEK_SET) < 0) {
        fclose(f);
        return sk_err(err, errno, "log %s", path);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    off_t done = pos ? (off_t)*pos : 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n')
            break; /* a line still being written: read it next time */
        done += n;
        json_t *e = json_loadb(line, (size_t)n, 0, NULL);
        const char *log = json_string_value(json_object_get(e, "log"));
        const char *stream = json_string_value(json_object_get(e, "stream"));
        const char *time = json_string_value(json_object_get(e, "time"));
        if (log != NULL)
            rc = fn(ud, stream && strcmp(stream, "stderr") == 0 ? 2 : 1, time ? time : "", log,
                    json_string_length(json_object_get(e, "log")));
        json_decref(e);
    }
    free(line);
    fclose(f);
    if (pos != NULL)
        *pos = (uint64_t)done;
    return rc < 0 ? -1 : rc;
}

int logfile_read(const char *path, bool all_rotated, uint64_t *pos,
                 int (*fn)(void *ud, int stream, const char *time, const char *data, size_t len),
                 void *ud, sk_error *err)
{
    if (all_rotated) {
        char rp[4200];
        int last = 0;
        for (int i = 1; i < 100; i++) {
            snprintf(rp, sizeof rp, "%s.%d", path, i);
            if (access(rp, F_OK) < 0)
                break;
            last = i;
        }
        for (int i = last; i >= 1; i--) {
            snprintf(rp, sizeof rp, "%s.%d", path, i);
            int r = read_one(rp, NULL, fn, ud, err);
            if (r != 0)
                return r;
        }
    }
    return read_one(path, pos, fn, ud, err);
}

int logfile_follow(const char *path, struct log_pos *p,
                   int (*fn)(void *ud, int stream, const char *time, const char *data, size_t len),
                   void *ud, sk_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return errno == ENOENT ? 0 : sk_err(err, errno, "log %s", path); /* being rotated */
    if (p->ino != 0 && (st.st_ino != p->ino || st.st_dev != p->dev)) {
        /* rotated: the rest of the file being read is <path>.1 now */
        char old[4200];
        struct stat os;
        snprintf(old, sizeof old, "%s.1", path);
        if (stat(old, &os) == 0 && os.st_ino == p->ino && os.st_dev == p->dev) {
            int r = read_one(old, &p->pos, fn, ud, err);
            if (r != 0)
                return r;
        }
        p->pos = 0;
    } else if ((uint64_t)st.st_size < p->pos) {
        p->pos = 0; /* truncated (max-file 1) */
    }
    p->ino = st.st_ino;
    p->dev = st.st_dev;
    return read_one(path, &p->pos, fn, ud, err);
}
