/* logfile.c - docker's json-file log format: the writer.  No JSON library:
 * the monitor's steady state (moncore.c) links this without one. */
#define _GNU_SOURCE
#include "engine/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/timefmt.h"
#include <unistd.h>


#define PARTIAL_MAX (16 * 1024)

void logfile_now(char *buf, size_t cap)
{
    sk_rfc3339_now(buf, cap);
}

/* The length of the UTF-8 sequence at s (1-4), 0 when it is not one
 * (overlong forms, surrogates and values past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && c < 0xc2) || (len == 4 && c > 0xf4))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (len == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
        return 0;
    if (len == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
        return 0;
    return len;
}

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

/* docker's jsonlog encoding of a string: raw UTF-8, Go's escapes (<, >, &
 * and U+2028/9 too), and U+FFFD for bytes that are not UTF-8. */
static void put_json_string(struct strbuf *b, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sb_add(b, "\"", 1);
    size_t i = 0, run = 0; /* run: bytes from s + i - run on that go out as they are */
    while (i < n) {
        unsigned c = s[i];
        const char *esc = NULL;
        char u[8];
        size_t len = 1;
        if (c == '"' || c == '\\') {
            u[0] = '\\', u[1] = (char)c, u[2] = '\0';
            esc = u;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            u[0] = '\\', u[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't', u[2] = '\0';
            esc = u;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4], u[5] = hex[c & 15], u[6] = '\0';
            esc = u;
        } else if (c >= 0x80) {
            len = utf8_len(s + i, n - i);
            if (len == 0) {
                esc = "\\ufffd";
                len = 1;
            } else if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
                esc = s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
            }
        }
        if (esc != NULL) {
            sb_add(b, (const char *)s + i - run, run);
            run = 0;
            sb_puts(b, esc);
        } else {
            run += len;
        }
        i += len;
    }
    sb_add(b, (const char *)s + i - run, run);
    sb_add(b, "\"", 1);
}

static void entry(struct logfile *l, int stream, const char *data, size_t len)
{
    char now[40];
    logfile_now(now, sizeof now);
    struct strbuf *b = &l->partial[0]; /* the line being made */
    b->len = 0;
    sb_puts(b, "{\"log\":");
    put_json_string(b, (const unsigned char *)data, len);
    sb_puts(b, stream == 2 ? ",\"stream\":\"stderr\",\"time\":\"" : ",\"stream\":\"stdout\",\"time\":\"");
    sb_puts(b, now);
    sb_puts(b, "\"}\n");
    if (b->oom)
        return;
    rotate(l);
    if (l->fd >= 0 && write(l->fd, b->s, b->len) == (ssize_t)b->len)
        l->size += b->len;
    if (b->cap > 64 * 1024) { /* a long line once: do not keep its buffer */
        sb_free(b);
    }
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
