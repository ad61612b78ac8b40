/* Unit tests: the program lookup that create does before it reports ready. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/process.h"
#include "util/fs.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/skiff-proc-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/bin", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bin/tool", dir);
    close(open(p, O_CREAT | O_WRONLY, 0755));
    snprintf(p, sizeof p, "%s/bin/noexec", dir);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof p, "%s/sbin", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/sbin/noexec", dir);
    close(open(p, O_CREAT | O_WRONLY, 0755));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sk_rm_rf(dir, NULL);
    return 0;
}

static void test_lookup(void **state)
{
    (void)state;
    char path_env[PATH_MAX * 2], out[PATH_MAX], want[PATH_MAX + 32];
    sk_error e;
    snprintf(path_env, sizeof path_env, "/nonexistent:%s/bin:%s/sbin", dir, dir);
    assert_int_equal(proc_lookup("tool", path_env, out, sizeof out, &e), 0);
    snprintf(want, sizeof want, "%s/bin/tool", dir);
    assert_string_equal(out, want);
    /* a file without x permission is skipped, as in Go's LookPath */
    assert_int_equal(proc_lookup("noexec", path_env, out, sizeof out, &e), 0);
    snprintf(want, sizeof want, "%s/sbin/noexec", dir);
    assert_string_equal(out, want);
    assert_int_equal(proc_lookup("nope", path_env, out, sizeof out, &e), -1);
    assert_string_equal(e.msg, "exec: \"nope\": executable file not found in $PATH");
    assert_int_equal(proc_lookup("/no/such/file", path_env, out, sizeof out, &e), -1);
    assert_non_null(strstr(e.msg, "exec: \"/no/such/file\": stat /no/such/file"));
    assert_int_equal(proc_lookup(dir, path_env, out, sizeof out, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
