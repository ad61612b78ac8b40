/* Unit tests: util/ (signals, ids, paths, resolution inside a root, json). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/base64.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/signals.h"
#include "util/strutil.h"
#include "util/timefmt.h"

static void test_signals(void **state)
{
    (void)state;
    assert_int_equal(sk_signal_parse("KILL"), 9);
    assert_int_equal(sk_signal_parse("SIGKILL"), 9);
    assert_int_equal(sk_signal_parse("sigterm"), 15);
    assert_int_equal(sk_signal_parse("9"), 9);
    assert_int_equal(sk_signal_parse("SIGRTMIN"), 32);
    assert_int_equal(sk_signal_parse("RTMIN+3"), 35);
    assert_int_equal(sk_signal_parse("SIGRTMAX-1"), 63);
    assert_int_equal(sk_signal_parse("64"), 64);
    assert_int_equal(sk_signal_parse("FOO"), -1);
    assert_int_equal(sk_signal_parse("0"), -1);
    assert_int_equal(sk_signal_parse("65"), -1);
    assert_int_equal(sk_signal_parse("-9"), -1);
    assert_int_equal(sk_signal_parse("RTMIN+40"), -1);
    assert_int_equal(sk_signal_parse(""), -1);
    assert_string_equal(sk_signal_name(9), "SIGKILL");
    assert_string_equal(sk_signal_name(6), "SIGABRT");
    assert_string_equal(sk_signal_name(17), "SIGCHLD");
    assert_string_equal(sk_signal_name(34), "SIGRTMIN+2");
    assert_null(sk_signal_name(0));
    assert_null(sk_signal_name(65));
}

static void test_ids(void **state)
{
    (void)state;
    assert_true(sk_valid_id("abc"));
    assert_true(sk_valid_id("a.b_c-d+e9"));
    assert_false(sk_valid_id(""));
    assert_false(sk_valid_id("."));
    assert_false(sk_valid_id(".."));
    assert_false(sk_valid_id("../x"));
    assert_false(sk_valid_id("a/b"));
    assert_false(sk_valid_id("a b"));
    assert_false(sk_valid_id("a\nb"));
    char long_id[1100];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_false(sk_valid_id(long_id));
}

static void test_numbers(void **state)
{
    (void)state;
    uint64_t u;
    int64_t i;
    int n;
    assert_int_equal(sk_parse_u64("18446744073709551615", &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(sk_parse_u64("18446744073709551616", &u), -1);
    assert_int_equal(sk_parse_u64("-1", &u), -1);
    assert_int_equal(sk_parse_u64("12x", &u), -1);
    assert_int_equal(sk_parse_i64("-42", &i), 0);
    assert_true(i == -42);
    assert_int_equal(sk_parse_i64(" 1", &i), -1);
    assert_int_equal(sk_parse_int("3000000000", &n), -1);
}

static void check_clean(const char *in, const char *want)
{
    char out[PATH_MAX];
    assert_int_equal(sk_path_clean(in, out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void test_path_clean(void **state)
{
    (void)state;
    check_clean("/a//b/./c/", "/a/b/c");
    check_clean("/../../etc", "/etc");
    check_clean("/a/b/../../..", "/");
    check_clean("a/../../b", "../b");
    check_clean("", ".");
    check_clean("/", "/");
    check_clean("/proc/self/../1", "/proc/1");
}

static void test_errors(void **state)
{
    (void)state;
    sk_error e;
    assert_int_equal(sk_err(&e, 2, "open %s", "x"), -1);
    assert_string_equal(e.msg, "open x: No such file or directory");
    sk_err_prefix(&e, "network \"%s\"", "n1");
    assert_string_equal(e.msg, "network \"n1\": open x: No such file or directory");
    assert_int_equal(e.errnum, 2);
}

/* A root with symlinks that try to get out. */
static char root[PATH_MAX];

static int setup_root(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/skiff-unit-XXXXXX");
    assert_non_null(mkdtemp(root));
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/etc", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/passwd", root);
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    assert_true(write(fd, "inside\n", 7) == 7);
    close(fd);
    snprintf(p, sizeof p, "%s/abs", root);
    assert_int_equal(symlink("/etc", p), 0);
    snprintf(p, sizeof p, "%s/up", root);
    assert_int_equal(symlink("../../../../../../etc", p), 0);
    snprintf(p, sizeof p, "%s/loop", root);
    assert_int_equal(symlink("loop", p), 0);
    snprintf(p, sizeof p, "%s/dir", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/dir/rel", root);
    assert_int_equal(symlink("../etc/passwd", p), 0);
    snprintf(p, sizeof p, "%s/magic", root);
    assert_int_equal(symlink("/proc/self/root/etc/passwd", p), 0);
    return 0;
}

static int teardown_root(void **state)
{
    (void)state;
    sk_rm_rf(root, NULL);
    return 0;
}

typedef int (*open_fn)(int, const char *, int, mode_t, sk_error *);

static void expect_inside(open_fn fn, int rootfd, const char *path)
{
    sk_error e;
    int fd = fn(rootfd, path, O_RDONLY, 0, &e);
    assert_true(fd >= 0);
    char buf[16] = {0};
    assert_true(read(fd, buf, sizeof buf - 1) > 0);
    assert_string_equal(buf, "inside\n");
    close(fd);
}

static void resolve_cases(open_fn fn)
{
    int rootfd = open(root, O_PATH | O_DIRECTORY);
    assert_true(rootfd >= 0);
    expect_inside(fn, rootfd, "/etc/passwd");
    expect_inside(fn, rootfd, "abs/passwd");
    expect_inside(fn, rootfd, "/up/passwd");
    expect_inside(fn, rootfd, "../../../etc/passwd");
    expect_inside(fn, rootfd, "dir/rel");
    expect_inside(fn, rootfd, "/dir/../dir/./rel");
    sk_error e;
    assert_true(fn(rootfd, "loop", O_RDONLY, 0, &e) < 0);
    assert_true(fn(rootfd, "missing/x", O_RDONLY, 0, &e) < 0);
    /* a magic link is either refused or resolved as plain text inside */
    int fd = fn(rootfd, "magic", O_RDONLY, 0, &e);
    if (fd >= 0) {
        char buf[16] = {0};
        assert_true(read(fd, buf, sizeof buf - 1) >= 0);
        assert_string_not_equal(buf, "root:x:0:0:roo");
        close(fd);
    }
    close(rootfd);
}

static void test_open_in_root(void **state)
{
    (void)state;
    resolve_cases(sk_open_in_root);
}

static void test_open_in_root_walk(void **state)
{
    (void)state;
    resolve_cases(sk_open_in_root_walk);
}

static void test_mkpath_in_root(void **state)
{
    (void)state;
    int rootfd = open(root, O_PATH | O_DIRECTORY);
    sk_error e;
    /* "abs" points at /etc: the new directories must appear in root/etc */
    int fd = sk_mkpath_in_root(rootfd, "/abs/new/deeper", false, &e);
    assert_true(fd >= 0);
    close(fd);
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/etc/new/deeper", root);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_not_equal(stat("/etc/new", &st), 0);
    fd = sk_mkpath_in_root(rootfd, "/up/file.conf", true, &e);
    assert_true(fd >= 0);
    close(fd);
    snprintf(p, sizeof p, "%s/etc/file.conf", root);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    close(rootfd);
}

static void test_json(void **state)
{
    (void)state;
    sk_error e;
    const char *doc = "{\"a\": 18446744073709551615, \"b\": -1, \"s\": \"x\", \"arr\": [\"p\", 1]}";
    json_t *j = sk_json_parse(doc, strlen(doc), "doc", &e);
    assert_non_null(j);
    uint64_t u = 0;
    int64_t i = 0;
    assert_int_equal(sk_json_u64(j, "a", "", &u, &e), 1);
    assert_true(u == UINT64_MAX);
    assert_int_equal(sk_json_i64(j, "b", "", &i, &e), 1);
    assert_true(i == -1);
    assert_int_equal(sk_json_u64(j, "b", "x", &u, &e), -1);
    assert_string_equal(e.msg, "x.b: expected an unsigned integer");
    char **v = NULL;
    assert_int_equal(sk_json_strv(j, "arr", "x", &v, &e), -1);
    assert_string_equal(e.msg, "x.arr[1]: expected a string");
    assert_int_equal(sk_json_u64(j, "missing", "x", &u, &e), 0);
    json_decref(j);
    assert_null(sk_json_parse("{\"a\":", 5, "config.json", &e));
    assert_non_null(strstr(e.msg, "config.json: invalid JSON at line 1"));
    assert_null(sk_json_parse("{\"a\":1,\"a\":2}", 13, "dup", &e));
}

static void test_atomic_write(void **state)
{
    (void)state;
    char path[PATH_MAX + 16];
    sk_error e;
    snprintf(path, sizeof path, "%s/state.json", root);
    assert_int_equal(sk_write_atomic(path, "one", 3, 0600, SK_DURABLE, &e), 0);
    assert_int_equal(sk_write_atomic(path, "two!", 4, 0600, 0, &e), 0);
    char *buf;
    size_t len;
    assert_int_equal(sk_read_file(path, 100, &buf, &len, &e), 0);
    assert_string_equal(buf, "two!");
    free(buf);
    assert_int_equal(sk_read_file(path, 2, &buf, &len, &e), -1);
}

static void test_base64(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "u:p\xff"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "dTpw/w=="};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char *e = sk_base64_encode(plain[i], strlen(plain[i]));
        assert_string_equal(e, enc[i]);
        size_t n;
        unsigned char *d = sk_base64_decode(e, &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(d, plain[i], n);
        free(d);
        free(e);
    }
    size_t n;
    static const char *const bad[] = {"Zg=", "Z===", "Zg=a", "Zm9v\n", "Zm 9", "Zg==Zg==", "*AAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(sk_base64_decode(bad[i], &n));
}

static void *getpid_ptr;

static void test_dl(void **state)
{
    (void)state;
    static const struct sk_dl_sym ok_syms[] = {{"getpid", &getpid_ptr}};
    struct sk_dl_lib ok = {"libc.so.6", "testing", ok_syms, 1, PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};
    sk_error err;
    assert_int_equal(sk_dl_load(&ok, &err), 0);
    assert_non_null(getpid_ptr);
    assert_int_equal(((pid_t(*)(void))getpid_ptr)(), getpid());
    assert_int_equal(sk_dl_load(&ok, &err), 0); /* once */
    static void *nothing;
    static const struct sk_dl_sym missing_sym[] = {{"no_such_symbol_here", &nothing}};
    struct sk_dl_lib nosym = {"libc.so.6", "testing", missing_sym, 1, PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};
    assert_int_equal(sk_dl_load(&nosym, &err), -1);
    assert_non_null(strstr(err.msg, "testing needs libc.so.6 with no_such_symbol_here"));
    struct sk_dl_lib nolib = {"libskiff-none.so.9", "registry access", ok_syms, 1, PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};
    assert_int_equal(sk_dl_load(&nolib, &err), -1);
    assert_non_null(strstr(err.msg, "registry access needs libskiff-none.so.9: "));
    memset(&err, 0, sizeof err);
    assert_int_equal(sk_dl_load(&nolib, &err), -1); /* the failure is remembered */
    assert_non_null(strstr(err.msg, "libskiff-none.so.9"));
}

static bool test_eq(void *ud, const char *kind, const char *value)
{
    json_t *item = ud;
    return strcmp(json_string_value(json_object_get(item, kind)) ?: "", value) == 0;
}

static void test_filters_labels(void **state)
{
    (void)state;
    json_t *labels = json_object();
    sk_json_set_kv(labels, "a=1");
    sk_json_set_kv(labels, "flag");
    sk_json_set_kv(labels, "eq=x=y");
    assert_string_equal(json_string_value(json_object_get(labels, "flag")), "");
    assert_string_equal(json_string_value(json_object_get(labels, "eq")), "x=y");
    assert_true(sk_json_label_match(labels, "a"));
    assert_true(sk_json_label_match(labels, "a=1"));
    assert_false(sk_json_label_match(labels, "a=2"));
    assert_true(sk_json_label_match(labels, "eq=x=y"));
    assert_false(sk_json_label_match(labels, "b"));
    json_decref(labels);
    json_t *item = json_pack("{s:s, s:s}", "status", "running", "name", "web");
    json_t *f = json_pack("{s:[s, s], s:[s]}", "status", "exited", "running", "name", "web");
    assert_true(sk_filters_match(f, test_eq, item));   /* OR within a kind, AND across */
    json_array_set_new(json_object_get(f, "name"), 0, json_string("db"));
    assert_false(sk_filters_match(f, test_eq, item));
    json_t *none = json_object();
    assert_true(sk_filters_match(none, test_eq, item));
    json_decref(none);
    json_decref(f);
    json_decref(item);
}

static void test_timefmt(void **state)
{
    (void)state;
    char b[64];
    sk_human_duration(0, b, sizeof b);
    assert_string_equal(b, "Less than a second");
    sk_human_duration(1, b, sizeof b);
    assert_string_equal(b, "1 second");
    sk_human_duration(59, b, sizeof b);
    assert_string_equal(b, "59 seconds");
    sk_human_duration(90, b, sizeof b);
    assert_string_equal(b, "About a minute");
    sk_human_duration(3600, b, sizeof b);
    assert_string_equal(b, "About an hour");
    sk_human_duration(3 * 86400, b, sizeof b);
    assert_string_equal(b, "3 days");
    assert_int_equal(sk_parse_rfc3339("1970-01-01T00:00:01Z"), 1000000000LL);
    assert_int_equal(sk_parse_rfc3339("1970-01-01T00:00:01.5Z"), 1500000000LL);
    assert_int_equal(sk_parse_rfc3339("1970-01-01T01:00:01+01:00"), 1000000000LL);
    assert_int_equal(sk_parse_rfc3339("yesterday"), 0);
    int64_t now = 1000LL * 1000000000LL;
    assert_int_equal(sk_parse_since("10s", now), 990LL * 1000000000LL);
    assert_int_equal(sk_parse_since("1m30s", now), 910LL * 1000000000LL);
    assert_int_equal(sk_parse_since("12.5", now), 12500000000LL);
    assert_int_equal(sk_parse_since("10x", now), -1);
}

/* sk_write_all through a non-blocking pipe far smaller than the data: it
 * waits for the reader instead of failing or writing part; a reader gone is
 * EPIPE. */
static void test_write_all(void **state)
{
    (void)state;
    enum { N = 1 << 20 };
    char *buf = malloc(N);
    assert_non_null(buf);
    for (size_t i = 0; i < N; i++)
        buf[i] = (char)(i * 7);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[1]);
        usleep(20000); /* the pipe fills before anyone reads */
        size_t got = 0, bad = 0;
        char in[4096];
        ssize_t n;
        while ((n = read(p[0], in, sizeof in)) > 0)
            for (ssize_t i = 0; i < n; i++, got++)
                bad += in[i] != (char)(got * 7);
        _exit(got == N && bad == 0 ? 0 : 1);
    }
    close(p[0]);
    assert_int_equal(sk_write_all(p[1], buf, N), 0);
    close(p[1]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    close(p[0]);
    errno = 0;
    assert_int_equal(sk_write_all(p[1], buf, 10), -1);
    assert_int_equal(errno, EPIPE);
    close(p[1]);
    signal(SIGPIPE, old);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_labels),
        cmocka_unit_test(test_timefmt),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_dl),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_path_clean),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_write_all),
        cmocka_unit_test_setup_teardown(test_open_in_root, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_open_in_root_walk, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_mkpath_in_root, setup_root, teardown_root),
        cmocka_unit_test_setup_teardown(test_atomic_write, setup_root, teardown_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
