/* timefmt.c - times the way docker prints and parses them. */
#define _GNU_SOURCE
#include "util/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sk_human_duration(int64_t s, char *buf, size_t cap)
{
    long long m = s / 60, h = s / 3600;
    if (s < 1)
        snprintf(buf, cap, "Less than a second");
    else if (s == 1)
        snprintf(buf, cap, "1 second");
    else if (s < 60)
        snprintf(buf, cap, "%lld seconds", (long long)s);
    else if (m == 1)
        snprintf(buf, cap, "About a minute");
    else if (m < 60)
        snprintf(buf, cap, "%lld minutes", m);
    else if (h == 1)
        snprintf(buf, cap, "About an hour");
    else if (h < 48)
        snprintf(buf, cap, "%lld hours", h);
    else if (h < 24 * 7 * 2)
        snprintf(buf, cap, "%lld days", h / 24);
    else if (h < 24 * 30 * 2)
        snprintf(buf, cap, "%lld weeks", h / 24 / 7);
    else if (h < 24 * 365 * 2)
        snprintf(buf, cap, "%lld months", h / 24 / 30);
    else
        snprintf(buf, cap, "%lld years", h / 24 / 365);
}

int64_t sk_parse_rfc3339(const char *s)
{
    struct tm tm = {0};
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (p == NULL)
        return 0;
    int64_t ns = 0;
    if (*p == '.') {
        int64_t scale = 100000000;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            ns += (*p - '0') * scale;
            scale /= 10;
        }
    }
    int64_t off = 0;
    if (*p == '+' || *p == '-') {
        int hh = 0, mm = 0;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) < 1)
            return 0;
        off = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
    } else if (*p != 'Z' && *p != '\0') {
        return 0;
    }
    return ((int64_t)timegm(&tm) - off) * 1000000000LL + ns;
}

int64_t sk_parse_since(const char *s, int64_t now_ns)
{
    if (s == NULL || *s == '\0')
        return -1;
    int64_t t = sk_parse_rfc3339(s);
    if (t > 0)
        return t;
    char *end;
    double v = strtod(s, &end);
    if (end != s && *end == '\0')
        return (int64_t)(v * 1e9);
    /* a Go duration: 1h30m, 10m, 45s, 500ms */
    int64_t total = 0;
    const char *p = s;
    while (*p) {
        v = strtod(p, &end);
        if (end == p)
            return -1;
        p = end;
        int64_t unit;
        if (strncmp(p, "ms", 2) == 0)
            unit = 1000000, p += 2;
        else if (*p == 'h')
            unit = 3600000000000LL, p++;
        else if (*p == 'm')
            unit = 60000000000LL, p++;
        else if (*p == 's')
            unit = 1000000000LL, p++;
        else
            return -1;
        total += (int64_t)(v * (double)unit);
    }
    return now_ns - total;
}

void sk_rfc3339_now(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%09ldZ", ts.tv_nsec);
}
