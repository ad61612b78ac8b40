/* log.h - one sink for diagnostics.
 *
 * Library code reports only warnings and debug notes through here (errors
 * travel up as sk_error); front ends choose where they go: stderr by default,
 * or a file in text or JSON-lines format (runc's --log/--log-format, which
 * containerd and podman read back).
 */
#ifndef SKIFF_UTIL_LOG_H
#define SKIFF_UTIL_LOG_H

#include <stdbool.h>

enum sk_log_level { SK_LOG_ERROR, SK_LOG_WARN, SK_LOG_INFO, SK_LOG_DEBUG };
enum sk_log_format { SK_LOG_TEXT, SK_LOG_JSON };

/* Open (append) path as the sink; NULL means stderr.  Returns -1 with errno. */
int sk_log_open(const char *path, enum sk_log_format fmt);
void sk_log_set_level(enum sk_log_level level);
/* The program name used as the text prefix ("skiff-runc"). */
void sk_log_set_prog(const char *prog);
/* Parse "error|warn|warning|info|debug"; -1 when unknown. */
int sk_log_level_parse(const char *s);
int sk_log_format_parse(const char *s);
bool sk_log_is_stderr(void);

void sk_log(enum sk_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define sk_warn(...) sk_log(SK_LOG_WARN, __VA_ARGS__)
#define sk_debug(...) sk_log(SK_LOG_DEBUG, __VA_ARGS__)

#endif
