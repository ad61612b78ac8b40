/* logfile.c - docker's json-file log format. */
#define _GNU_SOURCE
#include "engine/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/state.h"
#include "util/cleanup.h"

#define PARTIAL_MAX (16 * 1024)

int64_t logfile_parse_size(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    int64_t mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1000; end++; break;
    case 'm': case 'M': mul = 1000 * 1000; end++; break;
    case 'g': case 'G': mul = 1000 * 1000 * 1000; end++; break;
    case 'b': case 'B': end++; break;
    case '\0': break;
    default: return -1;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    return *end ? -1 : (int64_t)(v * (double)mul);
}

int logfile_open(struct logfile *l, const char *path, const char *max_size, const char *max_file,
                 sk_error *err)
{
    memset(l, 0, sizeof *l);
    snprintf(l->path, sizeof l->path, "%s", path);
    l->max_files = 1;
    if (max_size != NULL) {
        int64_t v = logfile_parse_size(max_size);
        if (v <= 0)
            return sk_err(err, 0, "invalid log-opt max-size \"%s\"", max_size);
        l->max_size = (uint64_t)v;
    }
    if (max_file != NULL) {
        char *end;
        long v = strtol(max_file, &end, 10);
        if (*end || v < 1 || v > 100)
            return sk_err(err, 0, "invalid log-opt max-file \"%s\"", max_file);
        l->max_files = (int)v;
    }
    l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (l->fd < 0)
        return sk_err(err, errno, "log %s", path);
    struct stat st;
    l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

static void rotate(struct logfile *l)
{
    if (l->max_size == 0 || l->size < l->max_size)
        return;
    char from[4200], to[4200];
    if (l->max_files <= 1) {
        if (ftruncate(l->fd, 0) == 0)
            l->size = 0;
        return;
    }
    for (int i = l->max_files - 1; i >= 1; i--) {
        snprintf(to, sizeof to, "%s.%d", l->path, i);
        if (i == 1)
            snprintf(from, sizeof from, "%s", l->path);
        else
            snprintf(from, sizeof from, "%s.%d", l->path, i - 1);
        rename(from, to);
    }
    int fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
        close(l->fd);
        l->fd = fd;
        l->size = 0;
    }
}

static void entry(struct logfile *l, int stream, const char *data, size_t len)
{
    char now[40];
    rt_now_rfc3339(now, sizeof now);
    json_t *e = json_pack("{s:s%, s:s, s:s}", "log", data, len, "stream",
                          stream == 2 ? "stderr" : "stdout", "time", now);
    char *text = e ? json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(e);
    if (text == NULL)
        return;
    size_t n = strlen(text);
    text[n] = '\n';
    rotate(l);
    if (l->fd >= 0 && write(l->fd, text, n + 1) == (ssize_t)(n + 1))
        l->size += n + 1;
    free(text);
}

void logfile_write(struct logfile *l, int stream, const char *data, size_t len)
{
    struct strbuf *p = &l->partial[stream == 2 ? 2 : 1];
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        if (p->len + take > PARTIAL_MAX && !nl)
            take = PARTIAL_MAX - p->len;
        sb_add(p, data, take);
        data += take;
        len -= take;
        if (nl != NULL || p->len >= PARTIAL_MAX) {
            if (p->s != NULL)
                entry(l, stream, p->s, p->len);
            p->len = 0;
        }
    }
}

void logfile_flush(struct logfile *l)
{
    for (int s = 1; s <= 2; s++)
        if (l->partial[s].len > 0) {
            entry(l, s, l->partial[s].s, l->partial[s].len);
            l->partial[s].len = 0;
        }
}

void logfile_close(struct logfile *l)
{
    logfile_flush(l);
    for (int s = 0; s < 3; s++)
        sb_free(&l->partial[s]);
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

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
