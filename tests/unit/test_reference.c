/* Unit tests: image references (docker's normalization), platforms, --change. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "image/image.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "util/json.h"

static void norm(const char *in, const char *full, const char *familiar)
{
    struct image_ref r;
    sk_error e;
    char buf[1200];
    if (image_ref_parse(in, &r, &e) < 0)
        fail_msg("%s: %s", in, e.msg);
    image_ref_string(&r, buf, sizeof buf);
    assert_string_equal(buf, full);
    image_ref_familiar(&r, buf, sizeof buf);
    assert_string_equal(buf, familiar);
}

static void bad(const char *in, const char *msg)
{
    struct image_ref r;
    sk_error e;
    assert_int_equal(image_ref_parse(in, &r, &e), -1);
    if (strstr(e.msg, msg) == NULL)
        fail_msg("%s: \"%s\" lacks \"%s\"", in, e.msg, msg);
}

static void test_normalize(void **state)
{
    (void)state;
    const char *dg = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char with_digest[200], full_digest[300], fam_digest[300];
    norm("busybox", "docker.io/library/busybox:latest", "busybox:latest");
    norm("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
    norm("library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    norm("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    norm("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest");
    norm("user/app:v1", "docker.io/user/app:v1", "user/app:v1");
    norm("host:5000/a/b:tag", "host:5000/a/b:tag", "host:5000/a/b:tag");
    norm("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest", "127.0.0.1:5000/busybox:latest");
    norm("localhost/x", "localhost/x:latest", "localhost/x:latest");
    norm("quay.io/org/sub/app", "quay.io/org/sub/app:latest", "quay.io/org/sub/app:latest");
    norm("a__b-c/e---f.g", "docker.io/a__b-c/e---f.g:latest", "a__b-c/e---f.g:latest");
    snprintf(with_digest, sizeof with_digest, "busybox@%s", dg);
    snprintf(full_digest, sizeof full_digest, "docker.io/library/busybox@%s", dg);
    snprintf(fam_digest, sizeof fam_digest, "busybox@%s", dg);
    norm(with_digest, full_digest, fam_digest);
    struct image_ref r;
    assert_int_equal(image_ref_parse("busybox", &r, NULL), 0);
    assert_string_equal(image_ref_registry_host(&r), "registry-1.docker.io");
    assert_int_equal(image_ref_parse("localhost:5000/x", &r, NULL), 0);
    assert_string_equal(image_ref_registry_host(&r), "localhost:5000");
}

static void test_invalid(void **state)
{
    (void)state;
    bad("", "empty");
    bad("BusyBox", "must be lowercase");
    bad("busybox:", "not a valid tag");
    bad("busybox:-x", "not a valid tag");
    bad("busybox@sha256:123", "not a sha256 digest");
    bad("a//b", "invalid reference format");
    bad("a/", "ends with /");
    bad("-a", "invalid reference format");
    bad("a_", "invalid reference format");
    bad("host:port/x", "is not a registry host");
    bad("a_b.c/x", "is not a registry host"); /* a dot makes it a host, and hosts have no "_" */
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    bad(longname, "longer than 255");
}

static void test_familiar_repo(void **state)
{
    (void)state;
    char b[200];
    image_repo_familiar("docker.io/library/busybox:latest", b, sizeof b);
    assert_string_equal(b, "busybox:latest");
    image_repo_familiar("docker.io/library/a/b", b, sizeof b);
    assert_string_equal(b, "library/a/b");
    image_repo_familiar("quay.io/x:1", b, sizeof b);
    assert_string_equal(b, "quay.io/x:1");
}

static void test_platform(void **state)
{
    (void)state;
    char os[32], arch[32], var[32];
    sk_error e;
    assert_int_equal(platform_parse("linux/arm64/v8", os, arch, var, 32, &e), 0);
    assert_string_equal(os, "linux");
    assert_string_equal(arch, "arm64");
    assert_string_equal(var, "v8");
    assert_int_equal(platform_parse("arm", os, arch, var, 32, &e), 0);
    assert_string_equal(arch, "arm");
    assert_int_equal(platform_parse(NULL, os, arch, var, 32, &e), 0);
    assert_string_equal(arch, image_host_arch());
    const char *idx = "{\"manifests\": ["
                      "{\"digest\": \"sha256:1111111111111111111111111111111111111111111111111111111111111111\", \"platform\": {\"os\": \"linux\", \"architecture\": \"arm64\", \"variant\": \"v8\"}},"
                      "{\"digest\": \"sha256:2222222222222222222222222222222222222222222222222222222222222222\", \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"}}]}";
    json_t *j = sk_json_parse(idx, strlen(idx), "index", &e);
    struct descriptor d;
    assert_true(manifest_is_index(NULL, j));
    assert_int_equal(manifest_select(j, "linux", "amd64", NULL, &d, &e), 0);
    assert_true(d.digest[7] == '2');
    assert_int_equal(manifest_select(j, "linux", "arm64", "v8", &d, &e), 0);
    assert_true(d.digest[7] == '1');
    assert_int_equal(manifest_select(j, "linux", "s390x", NULL, &d, &e), -1);
    assert_non_null(strstr(e.msg, "no matching manifest for linux/s390x"));
    json_decref(j);
}

static void test_changes(void **state)
{
    (void)state;
    sk_error e;
    json_t *c = json_object();
    assert_int_equal(image_apply_change(c, "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", &e), 0);
    assert_int_equal(image_apply_change(c, "ENTRYPOINT /entry.sh --flag", &e), 0);
    assert_int_equal(image_apply_change(c, "ENV A=1 B=\"two words\"", &e), 0);
    assert_int_equal(image_apply_change(c, "ENV LEGACY some value", &e), 0);
    assert_int_equal(image_apply_change(c, "ENV A=replaced", &e), 0);
    assert_int_equal(image_apply_change(c, "workdir /srv", &e), 0);
    assert_int_equal(image_apply_change(c, "EXPOSE 80 53/udp", &e), 0);
    assert_int_equal(image_apply_change(c, "LABEL a=b c=d", &e), 0);
    assert_int_equal(image_apply_change(c, "USER 1000:1000", &e), 0);
    json_t *cfg = json_object_get(c, "config");
    char *s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"],"
                           "\"Entrypoint\":[\"/bin/sh\",\"-c\",\"/entry.sh --flag\"],"
                           "\"Env\":[\"A=replaced\",\"B=two words\",\"LEGACY=some value\"],"
                           "\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},"
                           "\"Labels\":{\"a\":\"b\",\"c\":\"d\"},\"User\":\"1000:1000\",\"WorkingDir\":\"/srv\"}");
    free(s);
    assert_int_equal(image_apply_change(c, "RUN rm -rf /", &e), -1);
    assert_non_null(strstr(e.msg, "RUN is not supported"));
    assert_int_equal(image_apply_change(c, "EXPOSE 99999", &e), -1);
    assert_int_equal(image_apply_change(c, "WORKDIR relative", &e), -1);
    assert_int_equal(image_apply_change(c, "CMD [1, 2]", &e), -1);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_familiar_repo), cmocka_unit_test(test_platform),
        cmocka_unit_test(test_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
