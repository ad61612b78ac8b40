#define _GNU_SOURCE
#include "util/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static enum sk_log_format log_format = SK_LOG_TEXT;
static enum sk_log_level log_level = SK_LOG_WARN;
static const char *log_prog = "skiff";

static const char *level_names[] = {"error", "warning", "info", "debug"};

int sk_log_open(const char *path, enum sk_log_format fmt)
{
    log_format = fmt;
    if (path == NULL || path[0] == '\0')
        return 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (log_fd > 2)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void sk_log_set_level(enum sk_log_level level)
{
    log_level = level;
}

void sk_log_set_prog(const char *prog)
{
    log_prog = prog;
}

int sk_log_level_parse(const char *s)
{
    if (strcasecmp(s, "warn") == 0)
        return SK_LOG_WARN;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcasecmp(s, level_names[i]) == 0)
            return (int)i;
    return -1;
}

int sk_log_format_parse(const char *s)
{
    if (strcmp(s, "text") == 0)
        return SK_LOG_TEXT;
    if (strcmp(s, "json") == 0)
        return SK_LOG_JSON;
    return -1;
}

bool sk_log_is_stderr(void)
{
    return log_fd == 2;
}

/* Append s to buf as JSON string content (without quotes). */
static size_t json_escape(char *buf, size_t cap, size_t n, const char *s)
{
    for (; *s != '\0' && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
        } else {
            buf[n++] = (char)c;
        }
    }
    return n;
}

void sk_log(enum sk_log_level level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    char line[4096];
    size_t n;
    if (log_format == SK_LOG_JSON) {
        struct timespec ts;
        struct tm tm;
        char tbuf[64];
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
        n = (size_t)snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"",
                             level == SK_LOG_WARN ? "warning" : level_names[level]);
        n = json_escape(line, sizeof line, n, msg);
        n += (size_t)snprintf(line + n, sizeof line - n, "\",\"time\":\"%s.%09ldZ\"}\n", tbuf,
                              ts.tv_nsec);
    } else if (level == SK_LOG_ERROR) {
        n = (size_t)snprintf(line, sizeof line, "%s: %s\n", log_prog, msg);
    } else {
        n = (size_t)snprintf(line, sizeof line, "%s: %s: %s\n", log_prog, level_names[level], msg);
    }
    if (n >= sizeof line)
        n = sizeof line - 1;
    ssize_t r = write(log_fd, line, n);
    (void)r;
}
