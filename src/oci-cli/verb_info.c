/* features, spec: what this runtime supports, and a default config.json. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "oci/caps.h"
#include "oci-cli/oci_cli.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

#define STRINGS(arr) strings(arr, sizeof arr / sizeof arr[0])

static int cmd_features(struct oci_cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return oci_usage(cli, &oci_verb_features, true);
    static const char *const hooks[] = {"prestart", "createRuntime", "createContainer",
                                        "startContainer", "poststart", "poststop"};
    static const char *const ns[] = {"cgroup", "ipc", "mount", "network", "pid", "time", "user",
                                     "uts"};
    static const char *const mount_opts[] = {
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime",
        "mand", "noatime", "nodev", "nodiratime", "noexec", "nolazytime", "nomand",
        "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "rbind", "relatime",
        "remount", "ro", "rprivate", "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev",
        "rnoexec", "rexec", "rnodiratime", "rdiratime", "rnoatime", "rstrictatime",
        "rnosymfollow", "rsymfollow", "rshared", "rslave", "runbindable", "rw", "shared",
        "silent", "loud", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup",
        "unbindable"};
    static const char *const actions[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                          "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                          "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                                          "SCMP_ACT_TRAP"};
    static const char *const ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                      "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"};
    static const char *const archs[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS",
                                        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPSEL",
                                        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                                        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
                                        "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32",
                                        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"};
    static const char *const flags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    json_t *caps = json_array();
    for (int i = 0; i < oci_cap_count(); i++)
        json_array_append_new(caps, json_string(oci_cap_name(i)));
    json_t *j = json_pack(
        "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o, "
        "s:o, s:o}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:{s:s, s:s}}",
        "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks", STRINGS(hooks),
        "mountOptions", STRINGS(mount_opts), "linux", "namespaces", STRINGS(ns), "capabilities",
        caps, "cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp",
        "enabled", 1, "actions", STRINGS(actions), "operators", STRINGS(ops), "archs",
        STRINGS(archs), "knownFlags", STRINGS(flags), "supportedFlags", STRINGS(flags),
        "apparmor", "enabled", 1, "selinux", "enabled", 1, "intelRdt", "enabled", 0,
        "mountExtensions", "idmap", "enabled", 0, "annotations", "io.github.skiff.version",
        SKIFF_VERSION, "io.github.skiff.commit", SKIFF_COMMIT);
    if (j == NULL)
        return oci_failf(cli, "features: out of memory");
    oci_print_json(j);
    json_decref(j);
    return 0;
}

static int cmd_spec(struct oci_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                         {"rootless", no_argument, NULL, 'r'},
                                         {0}};
    const char *bundle = ".";
    bool rootless = false;
    int c;
    while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
        if (c == 'b')
            bundle = optarg;
        else if (c == 'r')
            rootless = true;
        else
            return oci_usage(cli, &oci_verb_spec, true);
    }
    if (optind != argc)
        return oci_usage(cli, &oci_verb_spec, true);
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/config.json", bundle) < 0)
        return oci_failf(cli, "out of memory");
    json_t *j = oci_spec_default(rootless);
    _cleanup_free_ char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (text == NULL)
        return oci_failf(cli, "spec: out of memory");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return oci_failf(cli, "%s already exists; remove it first", path);
        return oci_failf(cli, "create %s: %s", path, strerror(errno));
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    close(fd);
    if (!ok)
        return oci_failf(cli, "write %s: %s", path, strerror(errno));
    return 0;
}

const struct oci_verb oci_verb_features = {
    "features", "", "print what this runtime supports, as JSON (runtime-spec features)", "",
    cmd_features, false};

const struct oci_verb oci_verb_spec = {
    "spec", "[options]", "write a default config.json into the bundle",
    "  -b, --bundle DIR           where to write config.json (default: .)\n"
    "  --rootless                 a config for an unprivileged user\n",
    cmd_spec, false};
