#define _GNU_SOURCE
#include "util/signals.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int sig;
} table[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},      {"CONT", SIGCONT},
    {"STOP", SIGSTOP},   {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},
    {"URG", SIGURG},     {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},   {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"POLL", SIGPOLL},
    {"PWR", SIGPWR},     {"SYS", SIGSYS},
};

/* The kernel's range, not glibc's SIGRTMIN (which reserves two for itself):
 * a container's program may use all of them. */
#define RTMIN 32
#define RTMAX 64

static int parse_num(const char *s, int *out)
{
    if (*s == '\0')
        return -1;
    int v = 0;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10 + (*s - '0');
        if (v > 1000)
            return -1;
    }
    *out = v;
    return 0;
}

int sk_signal_parse(const char *s)
{
    if (s == NULL || *s == '\0')
        return -1;
    int n;
    if (parse_num(s, &n) == 0)
        return (n >= 1 && n <= RTMAX) ? n : -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcasecmp(s, table[i].name) == 0)
            return table[i].sig;
    if (strncasecmp(s, "RTMIN", 5) == 0) {
        const char *r = s + 5;
        if (*r == '\0')
            return RTMIN;
        if (*r == '+' && parse_num(r + 1, &n) == 0 && RTMIN + n <= RTMAX)
            return RTMIN + n;
        return -1;
    }
    if (strncasecmp(s, "RTMAX", 5) == 0) {
        const char *r = s + 5;
        if (*r == '\0')
            return RTMAX;
        if (*r == '-' && parse_num(r + 1, &n) == 0 && RTMAX - n >= RTMIN)
            return RTMAX - n;
        return -1;
    }
    return -1;
}

const char *sk_signal_name(int sig)
{
    static const char *names[RTMIN];
    static char rt[RTMAX - RTMIN + 1][16];
    if (sig <= 0 || sig > RTMAX)
        return NULL;
    if (sig >= RTMIN) {
        char *b = rt[sig - RTMIN];
        if (sig == RTMIN)
            snprintf(b, sizeof rt[0], "SIGRTMIN");
        else
            snprintf(b, sizeof rt[0], "SIGRTMIN+%d", sig - RTMIN);
        return b;
    }
    if (names[sig] == NULL) {
        static char full[RTMIN][16];
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
            if (table[i].sig == sig) {
                snprintf(full[sig], sizeof full[0], "SIG%s", table[i].name);
                names[sig] = full[sig];
                break;
            }
    }
    return names[sig];
}
