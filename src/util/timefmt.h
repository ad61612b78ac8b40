/* timefmt.h - times the way docker prints and parses them. */
#ifndef SKIFF_UTIL_TIMEFMT_H
#define SKIFF_UTIL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* "Less than a second", "5 seconds", "About a minute", "3 hours", "2 weeks" ... */
void sk_human_duration(int64_t seconds, char *buf, size_t cap);
/* RFC 3339 ("2026-11-22T10:00:00.123456789Z", offsets allowed) -> ns since
 * the epoch; 0 when it is not one. */
int64_t sk_parse_rfc3339(const char *s);
/* docker's --since/--until: RFC 3339, a unix time ("1700000000.5"), or a
 * duration before now ("10m", "1h30m", "45s"); -> ns, or -1. */
int64_t sk_parse_since(const char *s, int64_t now_ns);

/* Now, as docker writes times: "2026-11-22T10:00:00.123456789Z" (UTC). */
void sk_rfc3339_now(char *buf, size_t cap);

#endif
