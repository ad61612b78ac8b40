/* Unit test: the memfd fallback of the CVE-2019-5736 seal.  The test
 * re-executes itself through rt_seal_memfd and checks, in the new image,
 * that /proc/self/exe is a sealed memfd that cannot be written. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/runtime.h"

static void test_memfd_seal(void **state)
{
    (void)state;
    char link[256] = {0};
    assert_true(readlink("/proc/self/exe", link, sizeof link - 1) > 0);
    assert_non_null(strstr(link, "/memfd:skiff"));
    assert_true(rt_is_sealed());
    int fd = open("/proc/self/exe", O_WRONLY);
    if (fd < 0) {
        assert_true(errno == ETXTBSY || errno == EPERM);
    } else {
        assert_int_equal(write(fd, "x", 1), -1);
        assert_int_equal(errno, EPERM);
        close(fd);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    /* re-execute before any output, so the TAP stream is printed once */
    if (getenv("SKIFF_TEST_SEALED") == NULL) {
        setenv("SKIFF_TEST_SEALED", "1", 1);
        sk_error e;
        rt_seal_memfd(argv, &e); /* only returns on failure */
        printf("1..1\nnot ok 1 - re-exec from a sealed memfd: %s\n", e.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_memfd_seal)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
