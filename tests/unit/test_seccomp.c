/* Unit tests: the OCI seccomp schema compiled to BPF, and the filter's
 * effect checked in a child process. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/seccomp.h"
#include "util/json.h"

static json_t *profile(const char *text)
{
    sk_error e;
    json_t *j = sk_json_parse(text, strlen(text), "seccomp", &e);
    if (j == NULL)
        fail_msg("%s", e.msg);
    return j;
}

/* Load the program in a child and report what getppid/umask returned. */
static int run_filtered(const struct seccomp_program *p, int *err_umask)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &p->prog) < 0)
            _exit(100);
        errno = 0;
        long r = syscall(SYS_umask, 022);
        int e = r < 0 ? errno : 0;
        if (write(pfd[1], &e, sizeof e) != sizeof e)
            _exit(101);
        syscall(SYS_getppid);
        _exit(0);
    }
    close(pfd[1]);
    int e = -1;
    ssize_t n = read(pfd[0], &e, sizeof e);
    close(pfd[0]);
    int st;
    waitpid(pid, &st, 0);
    *err_umask = n == sizeof e ? e : -1;
    return st;
}

static void test_errno_rule(void **state)
{
    (void)state;
    json_t *j = profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],"
                        " \"syscalls\": [{\"names\": [\"umask\", \"not_a_syscall\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}");
    struct seccomp_program p;
    sk_error e;
    assert_int_equal(seccomp_compile(j, &p, &e), 0);
    assert_true(p.prog.len > 0);
    int eu;
    int st = run_filtered(&p, &eu);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(eu, 38);
    seccomp_program_clear(&p);
    json_decref(j);
}

static void test_kill_default_with_args(void **state)
{
    (void)state;
    /* everything allowed except getppid; umask only allowed with arg0 == 022 */
    json_t *j = profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                        " {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
                        " {\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
                        "  \"args\": [{\"index\": 0, \"value\": 18, \"op\": \"SCMP_CMP_NE\"}]}]}");
    struct seccomp_program p;
    sk_error e;
    assert_int_equal(seccomp_compile(j, &p, &e), 0);
    int eu;
    int st = run_filtered(&p, &eu);
    assert_int_equal(eu, 0); /* umask(022) passes the argument check */
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    seccomp_program_clear(&p);
    json_decref(j);
}

static void expect_compile_error(const char *text, const char *want)
{
    json_t *j = profile(text);
    struct seccomp_program p;
    sk_error e;
    assert_int_equal(seccomp_compile(j, &p, &e), -1);
    if (strstr(e.msg, want) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", e.msg, want);
    json_decref(j);
}

static void test_errors(void **state)
{
    (void)state;
    expect_compile_error("{}", "defaultAction: missing");
    expect_compile_error("{\"defaultAction\": \"SCMP_ACT_MAYBE\"}", "unknown action");
    expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
                         "unknown \"SCMP_ARCH_VAX\"");
    expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_X\"]}",
                         "unknown flag");
    expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
                         " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                         "index: 7 is above 5");
    expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
                         " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ALMOST\"}]}]}",
                         "unknown operator");
    expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"],"
                         " \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                         "needs listenerPath");
}

static void test_absent(void **state)
{
    (void)state;
    struct seccomp_program p;
    sk_error e;
    assert_int_equal(seccomp_compile(NULL, &p, &e), 0);
    assert_int_equal(p.prog.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_rule),
        cmocka_unit_test(test_kill_default_with_args),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
