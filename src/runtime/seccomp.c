/* seccomp.c - linux.seccomp -> libseccomp -> BPF. */
#define _GNU_SOURCE
#include "runtime/seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strutil.h"

static int parse_action(const char *name, uint32_t errno_ret, bool has_errno, uint32_t *out,
                        bool *notify)
{
    uint32_t e = has_errno ? errno_ret : EPERM;
    if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
        *out = SCMP_ACT_ALLOW;
    else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
        *out = SCMP_ACT_ERRNO(e);
    else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
        *out = SCMP_ACT_KILL_THREAD;
    else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
        *out = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
        *out = SCMP_ACT_TRAP;
    else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
        *out = SCMP_ACT_TRACE(e);
    else if (strcmp(name, "SCMP_ACT_LOG") == 0)
        *out = SCMP_ACT_LOG;
    else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0) {
        *out = SCMP_ACT_NOTIFY;
        *notify = true;
    } else
        return -1;
    return 0;
}

static int parse_op(const char *name, enum scmp_compare *out)
{
    static const struct {
        const char *n;
        enum scmp_compare op;
    } t[] = {{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT},
             {"SCMP_CMP_LE", SCMP_CMP_LE}, {"SCMP_CMP_EQ", SCMP_CMP_EQ},
             {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
             {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
    for (size_t i = 0; i < SK_ARRAY_SIZE(t); i++)
        if (strcmp(t[i].n, name) == 0) {
            *out = t[i].op;
            return 0;
        }
    return -1;
}

static int parse_flags(json_t *sec, struct seccomp_program *out, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(sec, "flags", "linux.seccomp", &arr, err);
    if (r <= 0)
        return r;
    size_t i;
    json_t *v = NULL;
    json_array_foreach(arr, i, v)
    {
        const char *f = json_string_value(v);
        if (f == NULL)
            return sk_err(err, 0, "linux.seccomp.flags[%zu]: expected a string", i);
        if (strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
            out->flags |= SECCOMP_FILTER_FLAG_TSYNC;
        else if (strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
            out->flags |= SECCOMP_FILTER_FLAG_LOG;
        else if (strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
            out->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        else if (strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
            out->flags |= (1UL << 5);
        else
            return sk_err(err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, f);
    }
    return 0;
}

static int add_arches(scmp_filter_ctx ctx, json_t *sec, sk_error *err)
{
    json_t *arr = NULL;
    int r = sk_json_array(sec, "architectures", "linux.seccomp", &arr, err);
    if (r <= 0)
        return r;
    size_t i;
    json_t *v = NULL;
    json_array_foreach(arr, i, v)
    {
        const char *a = json_string_value(v);
        if (a == NULL || strncmp(a, "SCMP_ARCH_", 10) != 0)
            return sk_err(err, 0, "linux.seccomp.architectures[%zu]: expected SCMP_ARCH_*", i);
        char lower[32];
        size_t k;
        for (k = 0; a[10 + k] && k < sizeof lower - 1; k++)
            lower[k] = (char)tolower((unsigned char)a[10 + k]);
        lower[k] = '\0';
        uint32_t arch = seccomp_arch_resolve_name(lower);
        if (arch == 0)
            return sk_err(err, 0, "linux.seccomp.architectures[%zu]: unknown \"%s\"", i, a);
        int rc = seccomp_arch_add(ctx, arch);
        if (rc < 0 && rc != -EEXIST)
            return sk_err(err, -rc, "seccomp: add architecture %s", a);
    }
    return 0;
}

static int add_rule(scmp_filter_ctx ctx, json_t *rule, size_t idx, uint32_t dflt, bool *notify,
                    sk_error *err)
{
    char ctx_s[64];
    snprintf(ctx_s, sizeof ctx_s, "linux.seccomp.syscalls[%zu]", idx);
    if (!json_is_object(rule))
        return sk_err(err, 0, "%s: expected an object", ctx_s);
    const char *action = NULL;
    uint32_t eret = 0;
    int has_e = sk_json_u32(rule, "errnoRet", ctx_s, &eret, err);
    if (has_e < 0 || sk_json_string(rule, "action", ctx_s, &action, err) < 0)
        return -1;
    if (action == NULL)
        return sk_err(err, 0, "%s.action: missing", ctx_s);
    uint32_t act;
    if (parse_action(action, eret, has_e > 0, &act, notify) < 0)
        return sk_err(err, 0, "%s.action: unknown action \"%s\"", ctx_s, action);
    _cleanup_strv_ char **names = NULL;
    if (sk_json_strv(rule, "names", ctx_s, &names, err) < 0)
        return -1;
    const char *single = NULL;
    if (names == NULL && sk_json_string(rule, "name", ctx_s, &single, err) < 0)
        return -1;
    json_t *args = NULL;
    if (sk_json_array(rule, "args", ctx_s, &args, err) < 0)
        return -1;
    size_t nargs = args ? json_array_size(args) : 0;
    if (nargs > 6)
        return sk_err(err, 0, "%s.args: at most 6 arguments", ctx_s);
    struct scmp_arg_cmp cmp[6];
    bool repeated = false;
    for (size_t i = 0; i < nargs; i++) {
        json_t *a = json_array_get(args, i);
        char c2[96];
        const char *op = NULL;
        uint32_t index = 0;
        uint64_t value = 0, value2 = 0;
        snprintf(c2, sizeof c2, "%s.args[%zu]", ctx_s, i);
        if (!json_is_object(a))
            return sk_err(err, 0, "%s: expected an object", c2);
        if (sk_json_u32(a, "index", c2, &index, err) < 0 ||
            sk_json_u64(a, "value", c2, &value, err) < 0 ||
            sk_json_u64(a, "valueTwo", c2, &value2, err) < 0 ||
            sk_json_string(a, "op", c2, &op, err) < 0)
            return -1;
        enum scmp_compare cop;
        if (op == NULL || parse_op(op, &cop) < 0)
            return sk_err(err, 0, "%s.op: unknown operator \"%s\"", c2, op ? op : "");
        if (index > 5)
            return sk_err(err, 0, "%s.index: %u is above 5", c2, index);
        cmp[i] = (struct scmp_arg_cmp){.arg = index, .op = cop, .datum_a = value, .datum_b = value2};
        for (size_t j = 0; j < i; j++)
            if (cmp[j].arg == index)
                repeated = true;
    }
    if (act == dflt)
        return 0; /* libseccomp refuses rules equal to the default */
    for (size_t k = 0; names ? names[k] != NULL : k == 0; k++) {
        const char *name = names ? names[k] : single;
        if (name == NULL)
            break;
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not a syscall on this architecture: as runc, skip */
        int rc;
        if (!repeated) {
            rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)nargs, cmp);
        } else {
            /* same argument twice: one rule per comparison (OR), as runc */
            rc = 0;
            for (size_t i = 0; i < nargs && rc >= 0; i++)
                rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[i]);
        }
        if (rc < 0)
            return sk_err(err, -rc, "seccomp: rule for %s", name);
    }
    return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *out, sk_error *err)
{
    _cleanup_close_ int fd = memfd_create("seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return sk_err(err, errno, "seccomp: memfd");
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0)
        return sk_err(err, -rc, "seccomp: export filter");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
        return sk_err(err, EINVAL, "seccomp: bad filter size %lld", (long long)size);
    struct sock_filter *f = malloc((size_t)size);
    if (f == NULL)
        return sk_err(err, ENOMEM, "seccomp");
    if (pread(fd, f, (size_t)size, 0) != size) {
        free(f);
        return sk_err(err, errno, "seccomp: read filter");
    }
    out->filter = f;
    out->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    return 0;
}

int seccomp_compile(json_t *sec, struct seccomp_program *out, sk_error *err)
{
    memset(out, 0, sizeof *out);
    if (sec == NULL)
        return 0;
    const char *dname = NULL, *lp = NULL, *lm = NULL;
    uint32_t deret = 0;
    int has_de = sk_json_u32(sec, "defaultErrnoRet", "linux.seccomp", &deret, err);
    if (has_de < 0 || sk_json_string(sec, "defaultAction", "linux.seccomp", &dname, err) < 0 ||
        sk_json_string(sec, "listenerPath", "linux.seccomp", &lp, err) < 0 ||
        sk_json_string(sec, "listenerMetadata", "linux.seccomp", &lm, err) < 0)
        return -1;
    if (dname == NULL)
        return sk_err(err, 0, "linux.seccomp.defaultAction: missing");
    bool notify = false;
    uint32_t dflt;
    if (parse_action(dname, deret, has_de > 0, &dflt, &notify) < 0)
        return sk_err(err, 0, "linux.seccomp.defaultAction: unknown action \"%s\"", dname);
    if (notify)
        return sk_err(err, 0, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
    if (parse_flags(sec, out, err) < 0)
        return -1;
    scmp_filter_ctx ctx = seccomp_init(dflt);
    if (ctx == NULL)
        return sk_err(err, EINVAL, "seccomp: init");
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    int ret = -1;
    if (add_arches(ctx, sec, err) < 0)
        goto out;
    json_t *rules = NULL;
    if (sk_json_array(sec, "syscalls", "linux.seccomp", &rules, err) < 0)
        goto out;
    for (size_t i = 0; rules != NULL && i < json_array_size(rules); i++)
        if (add_rule(ctx, json_array_get(rules, i), i, dflt, &notify, err) < 0)
            goto out;
    if (notify && (lp == NULL || *lp == '\0')) {
        sk_err(err, 0, "linux.seccomp: SCMP_ACT_NOTIFY needs listenerPath");
        goto out;
    }
    if (export_bpf(ctx, &out->prog, err) < 0)
        goto out;
    out->notify = notify;
    if (notify) {
        out->listener_path = strdup(lp);
        out->listener_metadata = lm ? strdup(lm) : NULL;
    }
    ret = 0;
out:
    seccomp_release(ctx);
    if (ret < 0)
        seccomp_program_clear(out);
    return ret;
}

void seccomp_program_clear(struct seccomp_program *p)
{
    free(p->prog.filter);
    free(p->listener_path);
    free(p->listener_metadata);
    memset(p, 0, sizeof *p);
}

int seccomp_forward_listener(const struct seccomp_program *p, int fd, const char *id, int pid,
                             const char *bundle, sk_error *err)
{
    _cleanup_close_ int sfd = unix_connect(p->listener_path, err);
    if (sfd < 0) {
        close(fd);
        return sk_err_prefix(err, "seccomp listener");
    }
    json_t *j = json_pack("{s:s, s:[s], s:s, s:i, s:{s:s, s:s, s:s, s:i, s:s}}", "ociVersion",
                          "1.1.0", "fds", "seccompFd", "metadata",
                          p->listener_metadata ? p->listener_metadata : "", "pid", pid, "state",
                          "ociVersion", "1.1.0", "id", id, "status", "creating", "pid", pid,
                          "bundle", bundle);
    _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    int r = s ? send_fd(sfd, fd, s) : -1;
    close(fd);
    if (r < 0)
        return sk_err(err, errno, "send seccomp fd to %s", p->listener_path);
    return 0;
}

/* ---- a cache of compiled programs ---------------------------------------------------------
 * Compiling a profile of ~350 syscalls for three architectures costs
 * libseccomp several milliseconds; every container of an engine uses one of
 * a few profiles.  The cache keeps each program under the runtime's state
 * root, keyed by a hash of the profile's canonical text, libseccomp's
 * version and the machine, and stores that text too: a program is used only
 * for exactly the profile it was made from. */

#define CACHE_MAGIC "skiff-bpf-1\n"

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static char *cache_key(json_t *sec)
{
    char *text = json_dumps(sec, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return NULL;
    const struct scmp_version *v = seccomp_version();
    struct utsname u;
    uname(&u);
    char *key = sk_strdup_printf("%u.%u.%u %s %s", v ? v->major : 0, v ? v->minor : 0,
                                 v ? v->micro : 0, u.machine, text);
    free(text);
    return key;
}

static bool cache_read(const char *path, const char *key, struct seccomp_program *out)
{
    _cleanup_free_ char *buf = NULL;
    size_t len, klen = strlen(key), off = strlen(CACHE_MAGIC);
    if (sk_read_file(path, 16u << 20, &buf, &len, NULL) < 0)
        return false;
    uint32_t hdr[3]; /* key length, flags, number of instructions */
    if (len < off + sizeof hdr || memcmp(buf, CACHE_MAGIC, off) != 0)
        return false;
    memcpy(hdr, buf + off, sizeof hdr);
    off += sizeof hdr;
    if (hdr[0] != klen || len < off + klen || memcmp(buf + off, key, klen) != 0)
        return false;
    off += klen;
    if (hdr[2] == 0 || hdr[2] > 65535 || len != off + (size_t)hdr[2] * sizeof(struct sock_filter))
        return false;
    out->prog.filter = malloc((size_t)hdr[2] * sizeof(struct sock_filter));
    if (out->prog.filter == NULL)
        return false;
    memcpy(out->prog.filter, buf + off, (size_t)hdr[2] * sizeof(struct sock_filter));
    out->prog.len = (unsigned short)hdr[2];
    out->flags = hdr[1];
    return true;
}

static void cache_write(const char *dir, const char *path, const char *key,
                        const struct seccomp_program *p)
{
    struct strbuf b = {0};
    uint32_t hdr[3] = {(uint32_t)strlen(key), p->flags, p->prog.len};
    sb_puts(&b, CACHE_MAGIC);
    sb_add(&b, (const char *)hdr, sizeof hdr);
    sb_puts(&b, key);
    sb_add(&b, (const char *)p->prog.filter, (size_t)p->prog.len * sizeof(struct sock_filter));
    if (!b.oom && sk_mkdir_p(dir, 0700, NULL) == 0)
        sk_write_atomic(path, b.s, b.len, 0600, 0, NULL); /* best effort: it is only a cache */
    sb_free(&b);
}

int seccomp_compile_cached(json_t *sec, const char *cache_dir, struct seccomp_program *out,
                           sk_error *err)
{
    if (sec == NULL || cache_dir == NULL || json_object_get(sec, "listenerPath") != NULL)
        return seccomp_compile(sec, out, err);
    _cleanup_free_ char *key = cache_key(sec);
    if (key == NULL)
        return seccomp_compile(sec, out, err);
    char path[4096];
    snprintf(path, sizeof path, "%s/%016llx", cache_dir,
             (unsigned long long)fnv1a(key, strlen(key)));
    memset(out, 0, sizeof *out);
    if (cache_read(path, key, out))
        return 0;
    if (seccomp_compile(sec, out, err) < 0)
        return -1;
    if (!out->notify && out->prog.len > 0)
        cache_write(cache_dir, path, key, out);
    return 0;
}
