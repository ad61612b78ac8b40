/* Unit tests: config.json parsing and validation (oci/). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "oci/caps.h"
#include "oci/spec.h"
#include "util/json.h"

/* The default spec with one change applied by a jansson path edit. */
static char *with(const char *key_path, json_t *value)
{
    json_t *doc = oci_spec_default(false);
    json_t *obj = doc;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", key_path);
    char *save = NULL, *part = strtok_r(buf, ".", &save), *next;
    while ((next = strtok_r(NULL, ".", &save)) != NULL) {
        json_t *child = json_object_get(obj, part);
        if (child == NULL) {
            child = json_object();
            json_object_set_new(obj, part, child);
        }
        obj = child;
        part = next;
    }
    if (value == NULL)
        json_object_del(obj, part);
    else
        json_object_set_new(obj, part, value);
    char *s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return s;
}

static void expect_error(const char *doc, const char *want)
{
    struct oci_spec *s = NULL;
    sk_error e = {0};
    int r = oci_spec_parse(doc, strlen(doc), "config.json", &s, &e);
    if (r == 0) {
        oci_spec_free(s);
        fail_msg("expected error \"%s\" for %s", want, doc);
    }
    if (strstr(e.msg, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", e.msg, want);
    assert_null(strchr(e.msg, '\n'));
}

static void expect_error_with(const char *path, json_t *v, const char *want)
{
    char *doc = with(path, v);
    expect_error(doc, want);
    free(doc);
}

static struct oci_spec *parse_ok(const char *doc)
{
    struct oci_spec *s = NULL;
    sk_error e = {0};
    if (oci_spec_parse(doc, strlen(doc), "config.json", &s, &e) < 0)
        fail_msg("unexpected error: %s", e.msg);
    return s;
}

static void test_default_spec(void **state)
{
    (void)state;
    char *doc = with("hostname", json_string("box"));
    struct oci_spec *s = parse_ok(doc);
    assert_string_equal(s->process.args[0], "sh");
    assert_string_equal(s->root_path, "rootfs");
    assert_true(s->root_readonly);
    assert_string_equal(s->hostname, "box");
    assert_true(s->lx.ns[OCI_NS_PID].present);
    assert_true(s->lx.ns[OCI_NS_MNT].present);
    assert_false(s->lx.ns[OCI_NS_USER].present);
    assert_true(s->process.no_new_privileges);
    assert_true(s->process.has_caps);
    assert_true(s->process.caps.bounding & (1ULL << oci_cap_parse("CAP_KILL")));
    assert_int_equal(s->process.n_rlimits, 1);
    assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
    assert_true(s->n_mounts >= 6);
    assert_string_equal(s->mounts[0].destination, "/proc");
    oci_spec_free(s);
    free(doc);
    json_t *rl = oci_spec_default(true);
    char *rs = json_dumps(rl, 0);
    s = parse_ok(rs);
    assert_true(s->lx.ns[OCI_NS_USER].present);
    assert_int_equal(s->lx.n_uid_maps, 1);
    oci_spec_free(s);
    free(rs);
    json_decref(rl);
}

static void test_document_errors(void **state)
{
    (void)state;
    expect_error("{", "config.json: invalid JSON");
    expect_error("[]", "config.json: expected a JSON object");
    expect_error_with("ociVersion", NULL, "ociVersion: missing");
    expect_error_with("ociVersion", json_string("2.0.0"), "ociVersion: \"2.0.0\" is not supported");
    expect_error_with("root", NULL, "root: missing");
    expect_error_with("root.path", json_integer(3), "root.path: expected a string");
    expect_error_with("hostname", json_true(), "hostname: expected a string");
}

static void test_process_errors(void **state)
{
    (void)state;
    expect_error_with("process.args", json_pack("[s,i]", "sh", 1), "process.args[1]: expected a string");
    expect_error_with("process.args", json_array(), "process.args: must name the program");
    expect_error_with("process.args", json_string("sh"), "process.args: expected an array");
    expect_error_with("process.cwd", json_string("tmp"), "process.cwd: \"tmp\" is not an absolute path");
    expect_error_with("process.env", json_pack("[s]", "NOVALUE"), "process.env[0]: \"NOVALUE\" is not NAME=value");
    expect_error_with("process.user.uid", json_integer(-1), "process.user.uid: expected an unsigned integer");
    expect_error_with("process.user.uid", json_integer(4294967296), "process.user.uid: 4294967296 is out of range");
    expect_error_with("process.user.gid", json_integer(4294967295LL), "not a valid id");
    expect_error_with("process.user.umask", json_integer(01000), "process.user.umask");
    expect_error_with("process.rlimits",
                      json_pack("[{s:s,s:i,s:i}]", "type", "RLIMIT_FOO", "soft", 1, "hard", 1),
                      "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
    expect_error_with("process.rlimits",
                      json_pack("[{s:s,s:i,s:i}]", "type", "RLIMIT_NOFILE", "soft", 10, "hard", 1),
                      "soft limit 10 is above the hard limit 1");
    expect_error_with("process.rlimits", json_pack("[{s:s,s:i}]", "type", "RLIMIT_NOFILE", "soft", 1),
                      "process.rlimits[0].hard: missing");
    expect_error_with("process.oomScoreAdj", json_integer(1001), "outside -1000..1000");
    expect_error_with("process.terminal", json_string("yes"), "process.terminal: expected true or false");
    expect_error_with("process.capabilities.bounding", json_string("CAP_KILL"),
                      "process.capabilities.bounding: expected an array");
}

static void test_big_rlimit(void **state)
{
    (void)state;
    char *doc = with("process.rlimits", json_pack("[{s:s,s:I,s:I}]", "type", "RLIMIT_CORE", "soft",
                                                  (json_int_t)1, "hard", (json_int_t)2));
    /* Go writes RLIM_INFINITY as 18446744073709551615 */
    char *p = strstr(doc, "\"hard\":2");
    assert_non_null(p);
    char big[8192];
    snprintf(big, sizeof big, "%.*s\"hard\":18446744073709551615%s", (int)(p - doc), doc, p + 8);
    struct oci_spec *s = parse_ok(big);
    assert_true(s->process.rlimits[0].hard == UINT64_MAX);
    oci_spec_free(s);
    free(doc);
}

static void test_linux_errors(void **state)
{
    (void)state;
    expect_error_with("linux.namespaces", json_pack("[{s:s},{s:s}]", "type", "pid", "type", "pid"),
                      "namespace \"pid\" listed twice");
    expect_error_with("linux.namespaces", json_pack("[{s:s}]", "type", "bogus"),
                      "linux.namespaces[0].type: unknown namespace \"bogus\"");
    expect_error_with("linux.namespaces", json_pack("[{s:s,s:s}]", "type", "net", "path", "x"),
                      "unknown namespace");
    expect_error_with("linux.namespaces", json_pack("[{s:s,s:s}]", "type", "network", "path", "rel"),
                      "is not an absolute path");
    expect_error_with("linux.uidMappings", json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID", 1000, "size", 1),
                      "need a user namespace");
    expect_error_with("linux.namespaces", json_pack("[{s:s},{s:s}]", "type", "mount", "type", "user"),
                      "a new user namespace needs uidMappings and gidMappings");
    expect_error_with("linux.sysctl", json_pack("{s:s}", "kernel.core_pattern", "|/evil"),
                      "kernel.core_pattern is not namespaced");
    expect_error_with("linux.sysctl", json_pack("{s:s}", "kernel.shmmax", "1\nkernel.core_pattern=x"),
                      "value contains a control character");
    expect_error_with("linux.sysctl", json_pack("{s:s}", "net/../../kernel/x", "1"), "invalid key");
    expect_error_with("linux.devices", json_pack("[{s:s,s:s}]", "type", "x", "path", "/dev/x"),
                      "linux.devices[0].type: must be one of c, b, u, p");
    expect_error_with("linux.devices", json_pack("[{s:s,s:s}]", "type", "c", "path", "/dev/x"),
                      "linux.devices[0].major: missing");
    expect_error_with("linux.maskedPaths", json_pack("[s]", "proc/kcore"), "is not an absolute path");
    expect_error_with("linux.rootfsPropagation", json_string("sideways"), "unknown value \"sideways\"");
    expect_error_with("linux.resources", json_pack("{s:{s:i}}", "cpu", "period", 10),
                      "linux.resources.cpu.period: 10 is outside 1000..1000000");
    expect_error_with("linux.resources", json_pack("{s:{s:i,s:i}}", "memory", "limit", 2000000, "swap", 1000),
                      "must not be below limit");
    expect_error_with("linux.resources", json_pack("{s:{s:s}}", "cpu", "cpus", "0-1;rm"),
                      "is not a cpu list");
    expect_error_with("linux.resources", json_pack("{s:[{s:b,s:s}]}", "devices", "allow", 0, "access", "rwx"),
                      "is not a subset of rwm");
    expect_error_with("linux.resources", json_pack("{s:{s:s}}", "unified", "../x", "1"),
                      "is not a cgroup file name");
    expect_error_with("linux.seccomp", json_string("x"), "linux.seccomp: expected an object");
    /* sysctls that are namespaced are fine */
    char *doc = with("linux.sysctl", json_pack("{s:s,s:s}", "net.ipv4.ip_forward", "1", "kernel.shmmax", "4096"));
    oci_spec_free(parse_ok(doc));
    free(doc);
}

static void test_mount_errors(void **state)
{
    (void)state;
    expect_error_with("mounts", json_pack("[{s:s,s:s}]", "destination", "tmp", "type", "tmpfs"),
                      "mounts[0].destination: \"tmp\" is not an absolute path");
    expect_error_with("mounts", json_pack("[{s:s,s:[s]}]", "destination", "/x", "options", "bind"),
                      "mounts[0]: a bind mount needs a source");
    expect_error_with("mounts", json_pack("[{s:s}]", "destination", "/x"), "type is required");
    expect_error_with("mounts", json_pack("[{s:s,s:s,s:[i]}]", "destination", "/x", "type", "tmpfs", "options", 1),
                      "mounts[0].options[0]: expected a string");
    expect_error_with("mounts", json_pack("[{s:s,s:s,s:s,s:[s]}]", "destination", "/x", "type", "bind", "source", "/y", "options", "idmap"),
                      "id-mapped mounts) is not supported");
}

static void test_mount_options(void **state)
{
    (void)state;
    char *doc = with("mounts", json_pack("[{s:s,s:s,s:s,s:[s,s,s,s,s,s]}, {s:s,s:s,s:s,s:[s,s,s,s,s]}]",
                                         "destination", "/data", "type", "none", "source", "/srv",
                                         "options", "rbind", "ro", "nosuid", "rprivate", "rnodev", "noexec",
                                         "destination", "/tmp", "type", "tmpfs", "source", "tmpfs",
                                         "options", "rw", "size=512m", "mode=1777", "exec", "tmpcopyup"));
    struct oci_spec *s = parse_ok(doc);
    assert_int_equal(s->n_mounts, 2);
    struct oci_mount *m = &s->mounts[0];
    assert_true(m->bind && m->recursive);
    assert_int_equal(m->flags, MS_RDONLY | MS_NOSUID | MS_NOEXEC);
    assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
    assert_true(m->rec_attr_set != 0);
    assert_null(m->data);
    m = &s->mounts[1];
    assert_false(m->bind);
    assert_int_equal(m->flags, 0);
    assert_int_equal(m->clear, MS_RDONLY | MS_NOEXEC);
    assert_string_equal(m->data, "size=512m,mode=1777");
    assert_true(m->copyup);
    oci_spec_free(s);
    free(doc);
}

static void test_hooks(void **state)
{
    (void)state;
    char *doc = with("hooks", json_pack("{s:[{s:s,s:[s,s],s:[s],s:i}], s:[{s:s}]}", "createRuntime",
                                        "path", "/bin/hook", "args", "hook", "x", "env", "A=1",
                                        "timeout", 5, "poststop", "path", "/bin/stop"));
    struct oci_spec *s = parse_ok(doc);
    assert_int_equal(s->n_hooks[OCI_HOOK_CREATE_RUNTIME], 1);
    assert_string_equal(s->hooks[OCI_HOOK_CREATE_RUNTIME][0].args[1], "x");
    assert_int_equal(s->hooks[OCI_HOOK_CREATE_RUNTIME][0].timeout, 5);
    assert_int_equal(s->n_hooks[OCI_HOOK_POSTSTOP], 1);
    oci_spec_free(s);
    free(doc);
    expect_error_with("hooks", json_pack("{s:[{s:s}]}", "prestart", "path", "hook"),
                      "hooks.prestart[0].path: \"hook\" is not an absolute path");
    expect_error_with("hooks", json_pack("{s:[{s:s,s:i}]}", "poststart", "path", "/h", "timeout", 0),
                      "timeout: must be a positive number");
}

static void test_resources(void **state)
{
    (void)state;
    char *doc = with("linux.resources",
                     json_pack("{s:{s:I,s:I,s:I}, s:{s:i,s:I,s:i,s:s}, s:{s:i}, s:{s:i,s:[{s:i,s:i,s:i}]},"
                               " s:[{s:b,s:s},{s:b,s:s,s:i,s:i,s:s}], s:{s:s}}",
                               "memory", "limit", (json_int_t)64 << 20, "reservation",
                               (json_int_t)32 << 20, "swap", (json_int_t)128 << 20, "cpu",
                               "shares", 512, "quota", (json_int_t)50000, "period", 100000,
                               "cpus", "0", "pids", "limit", 100, "blockIO", "weight", 300,
                               "throttleReadBpsDevice", "major", 8, "minor", 0, "rate", 1048576,
                               "devices", "allow", 0, "access", "rwm", "allow", 1, "type", "c",
                               "major", 1, "minor", 3, "access", "rw", "unified", "memory.high",
                               "1000000"));
    struct oci_spec *s = parse_ok(doc);
    const struct oci_resources *r = &s->lx.res;
    assert_true(s->lx.has_resources);
    assert_true(r->memory.limit.set && r->memory.limit.v == 64 << 20);
    assert_true(r->memory.swap.v == 128 << 20);
    assert_true(r->cpu.shares.v == 512 && r->cpu.quota.v == 50000 && r->cpu.period.v == 100000);
    assert_string_equal(r->cpu.cpus, "0");
    assert_true(r->pids_limit.set && r->pids_limit.v == 100);
    assert_true(r->blkio.weight.v == 300);
    assert_int_equal(r->blkio.n_throttle[0], 1);
    assert_int_equal(r->n_devices, 2);
    assert_int_equal(r->devices[0].type, 'a');
    assert_int_equal(r->devices[0].major, -1);
    assert_string_equal(r->devices[1].access, "rw");
    assert_string_equal(r->unified_keys[0], "memory.high");
    oci_spec_free(s);
    free(doc);
}

static void test_caps(void **state)
{
    (void)state;
    assert_int_equal(oci_cap_parse("CAP_SYS_ADMIN"), 21);
    assert_int_equal(oci_cap_parse("sys_admin"), 21);
    assert_int_equal(oci_cap_parse("CAP_CHECKPOINT_RESTORE"), 40);
    assert_int_equal(oci_cap_parse("CAP_NOPE"), -1);
    assert_string_equal(oci_cap_name(0), "CAP_CHOWN");
    assert_null(oci_cap_name(99));
    uint64_t d = oci_cap_docker_default();
    assert_true(d & (1ULL << 0));
    assert_false(d & (1ULL << 21));
    assert_int_equal(__builtin_popcountll(d), 14);
    /* unknown names are ignored with a warning, as runc does */
    char *doc = with("process.capabilities.bounding", json_pack("[s,s]", "CAP_KILL", "CAP_BOGUS"));
    struct oci_spec *s = parse_ok(doc);
    assert_true(s->process.caps.bounding == (1ULL << 5));
    oci_spec_free(s);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_spec),  cmocka_unit_test(test_document_errors),
        cmocka_unit_test(test_process_errors), cmocka_unit_test(test_big_rlimit),
        cmocka_unit_test(test_linux_errors),  cmocka_unit_test(test_mount_errors),
        cmocka_unit_test(test_mount_options), cmocka_unit_test(test_hooks),
        cmocka_unit_test(test_resources),     cmocka_unit_test(test_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
