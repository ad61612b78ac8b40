/* keeper.c - skiff-keeper: a monitor's parent, so that no exit code is lost.
 *
 *   skiff-keeper PID RUNDIR
 *
 * Started between the CLI's forks and the monitor (ops.c), it is the
 * parent of the monitor (PID) and a subreaper, and it waits.  Should the
 * monitor die before its container, the container's process comes to it;
 * when that ends, its exit status goes on record (RUNDIR/exit.json, the
 * process being the one in RUNDIR/init.pid) for the engine to find
 * (state.c, ctr_reconcile).  It ends with its last child.
 *
 * It lives as long as the container and does nothing meanwhile, so it is
 * as small as a process gets: no C library, a few system calls (x86_64 and
 * aarch64; elsewhere it is not built and monitors go without).
 */
#include <stddef.h>
#include <stdint.h>

#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/signal.h>
#include <linux/time.h>

static long sys(long n, long a, long b, long c, long d, long e)
{
    long r;
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    r = x0;
#else
#error "skiff-keeper: no system calls for this architecture"
#endif
    return r;
}

#define EINTR 4

static size_t len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* dst = a + b (NUL-terminated); 0 when it does not fit */
static int join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = len(a), lb = len(b);
    if (la + lb + 1 > cap)
        return 0;
    for (size_t i = 0; i < la; i++)
        dst[i] = a[i];
    for (size_t i = 0; i <= lb; i++)
        dst[la + i] = b[i];
    return 1;
}

static long parse(const char *s)
{
    long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

/* digits of v, zero-padded to width, at p; returns the end */
static char *put(char *p, unsigned long v, int width)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n < width)
        tmp[n++] = '0';
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

static char *puts_(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* {"ExitCode":N,"Signal":N,"FinishedAt":"2026-11-22T10:00:00.123456789Z"} */
static size_t exit_json(char *buf, int status)
{
    int sig = status & 0x7f, code = sig ? 128 + sig : (status >> 8) & 0xff;
    struct timespec ts = {0, 0};
    sys(__NR_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0, 0);
    /* days since the epoch to a civil date (H. Hinnant's algorithm) */
    long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
    long z = days + 719468, era = z / 146097;
    long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
    char *p = puts_(buf, "{\"ExitCode\":");
    p = put(p, (unsigned long)code, 1);
    p = puts_(p, ",\"Signal\":");
    p = put(p, (unsigned long)sig, 1);
    p = puts_(p, ",\"FinishedAt\":\"");
    p = put(p, (unsigned long)y, 4);
    *p++ = '-';
    p = put(p, (unsigned long)m, 2);
    *p++ = '-';
    p = put(p, (unsigned long)d, 2);
    *p++ = 'T';
    p = put(p, (unsigned long)(secs / 3600), 2);
    *p++ = ':';
    p = put(p, (unsigned long)(secs / 60 % 60), 2);
    *p++ = ':';
    p = put(p, (unsigned long)(secs % 60), 2);
    *p++ = '.';
    p = put(p, (unsigned long)ts.tv_nsec, 9);
    p = puts_(p, "Z\"}");
    return (size_t)(p - buf);
}

static long read_pid(const char *path)
{
    char buf[24];
    long fd = sys(__NR_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0, 0);
    if (fd < 0)
        return 0;
    long n = sys(__NR_read, fd, (long)buf, sizeof buf - 1, 0, 0);
    sys(__NR_close, fd, 0, 0, 0, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return parse(buf);
}

static void record(const char *path, const char *tmp, int status)
{
    char text[160];
    size_t n = exit_json(text, status);
    long fd = sys(__NR_openat, AT_FDCWD, (long)tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600, 0);
    if (fd < 0)
        return;
    long w = sys(__NR_write, fd, (long)text, (long)n, 0, 0);
    sys(__NR_close, fd, 0, 0, 0, 0);
    if (w != (long)n || sys(__NR_renameat2, AT_FDCWD, (long)tmp, AT_FDCWD, (long)path, 0) < 0)
        sys(__NR_unlinkat, AT_FDCWD, (long)tmp, 0, 0, 0);
}

int keeper_main(int argc, char **argv);
int keeper_main(int argc, char **argv)
{
    char init[4200], exitp[4200], tmp[4200];
    if (argc != 3 || !join(init, sizeof init, argv[2], "/init.pid") ||
        !join(exitp, sizeof exitp, argv[2], "/exit.json") || !join(tmp, sizeof tmp, exitp, ".keeper"))
        return 2;
    long mon = parse(argv[1]);
    sys(__NR_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    unsigned long blocked = 1UL << (SIGHUP - 1) | 1UL << (SIGINT - 1); /* the session's, not ours */
    sys(__NR_rt_sigprocmask, SIG_BLOCK, (long)&blocked, 0, sizeof blocked, 0);
    int monitor_alive = 1;
    for (;;) {
        int status = 0;
        long p = sys(__NR_wait4, -1, (long)&status, 0, 0, 0);
        if (p == -EINTR)
            continue;
        if (p < 0)
            return 0; /* no child left */
        if (p == mon)
            monitor_alive = 0;
        else if (!monitor_alive && p == read_pid(init))
            record(exitp, tmp, status);
    }
}

/* The entry point: argc, argv on the stack. */
#if defined(__x86_64__)
__asm__(".globl _start\n_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov (%rsp), %rdi\n"
        "  lea 8(%rsp), %rsi\n"
        "  and $-16, %rsp\n"
        "  call keeper_main\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n" /* exit_group */
        "  syscall\n");
#elif defined(__aarch64__)
__asm__(".globl _start\n_start:\n"
        "  ldr x0, [sp]\n"
        "  add x1, sp, #8\n"
        "  bl keeper_main\n"
        "  mov x8, #94\n" /* exit_group */
        "  svc 0\n");
#endif
