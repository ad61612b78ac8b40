/* cgroup_v2_devices.c - device access rules as a BPF_CGROUP_DEVICE program.
 *
 * cgroup v2 has no devices.allow: a small eBPF program attached to the
 * cgroup decides each access.  Rules are checked last-to-first and the first
 * match decides, which gives v1's "later rule wins" meaning; with no match the
 * access is allowed (the config's leading deny-all rule normally matches). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) INSN(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) INSN(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_mask(const char *a)
{
    int m = 0;
    for (; *a; a++)
        m |= *a == 'm' ? BPF_DEVCG_ACC_MKNOD : *a == 'r' ? BPF_DEVCG_ACC_READ : BPF_DEVCG_ACC_WRITE;
    return m;
}

int cg_v2_devices_program(const struct oci_device_rule *rules, size_t n, struct bpf_insn **out,
                          size_t *n_insns, sk_error *err)
{
    _cleanup_free_ struct oci_device_rule *all = NULL;
    size_t total;
    if (cg_effective_device_rules(rules, n, &all, &total, err) < 0)
        return -1;
    /* prologue 6, per rule at most 8, epilogue 2 */
    struct bpf_insn *p = calloc(6 + total * 8 + 2, sizeof *p);
    if (p == NULL)
        return sk_err(err, ENOMEM, "device filter");
    size_t k = 0;
    p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0); /* access_type */
    p[k++] = MOV32_REG(BPF_REG_3, BPF_REG_2);
    p[k++] = AND32_IMM(BPF_REG_3, 0xffff);    /* r3 = device type */
    p[k++] = RSH32_IMM(BPF_REG_2, 16);        /* r2 = access */
    p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);  /* r4 = major */
    p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);  /* r5 = minor */
    bool decided = false; /* an unconditional rule ends the program */
    for (size_t i = total; i-- > 0 && !decided;) {
        const struct oci_device_rule *r = &all[i];
        struct bpf_insn blk[8];
        size_t b = 0;
        if (r->type != 'a')
            blk[b++] = JNE_IMM(BPF_REG_3, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
        int mask = access_mask(r->access);
        if (mask != 7) {
            blk[b++] = MOV32_REG(BPF_REG_6, BPF_REG_2);
            blk[b++] = AND32_IMM(BPF_REG_6, ~mask & 7);
            blk[b++] = JNE_IMM(BPF_REG_6, 0, 0);
        }
        if (r->major >= 0)
            blk[b++] = JNE_IMM(BPF_REG_4, (int32_t)r->major, 0);
        if (r->minor >= 0)
            blk[b++] = JNE_IMM(BPF_REG_5, (int32_t)r->minor, 0);
        decided = b == 0;
        blk[b++] = MOV64_IMM(BPF_REG_0, r->allow ? 1 : 0);
        blk[b++] = EXIT_INSN();
        /* every conditional jump goes to the end of the block */
        for (size_t j = 0; j < b; j++)
            if (blk[j].code == (BPF_JMP | BPF_JNE | BPF_K))
                blk[j].off = (int16_t)(b - j - 1);
        memcpy(p + k, blk, b * sizeof *blk);
        k += b;
    }
    if (!decided) { /* the verifier refuses unreachable code: only when reachable */
        p[k++] = MOV64_IMM(BPF_REG_0, 1);
        p[k++] = EXIT_INSN();
    }
    *out = p;
    *n_insns = k;
    return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

int cg_v2_devices_attach(const char *dir, const struct oci_device_rule *rules, size_t n,
                         sk_error *err)
{
    _cleanup_free_ struct bpf_insn *insns = NULL;
    size_t count;
    if (cg_v2_devices_program(rules, n, &insns, &count, err) < 0)
        return -1;
    char log[4096] = {0};
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = (uint32_t)count;
    attr.license = (uint64_t)(uintptr_t) "Apache";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof log;
    attr.log_level = 1;
    _cleanup_close_ int prog = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (prog < 0 && errno == ENOSPC) { /* log too small: retry without one */
        attr.log_buf = 0, attr.log_size = 0, attr.log_level = 0;
        prog = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    }
    if (prog < 0)
        return sk_err(err, errno, "cgroup: load device filter%s%.200s", log[0] ? ": " : "", log);
    _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0)
        return sk_err(err, errno, "cgroup: open %s", dir);

    /* Programs attached before (an earlier create or update) are replaced. */
    uint32_t old[64];
    memset(&attr, 0, sizeof attr);
    attr.query.target_fd = (uint32_t)cgfd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)old;
    attr.query.prog_cnt = 64;
    uint32_t n_old = sys_bpf(BPF_PROG_QUERY, &attr) == 0 ? attr.query.prog_cnt : 0;

    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgfd;
    attr.attach_bpf_fd = (uint32_t)prog;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
        return sk_err(err, errno, "cgroup: attach device filter to %s", dir);
    for (uint32_t i = 0; i < n_old && i < 64; i++) {
        union bpf_attr a2;
        memset(&a2, 0, sizeof a2);
        a2.prog_id = old[i];
        int ofd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a2);
        if (ofd < 0)
            continue;
        memset(&a2, 0, sizeof a2);
        a2.target_fd = (uint32_t)cgfd;
        a2.attach_bpf_fd = (uint32_t)ofd;
        a2.attach_type = BPF_CGROUP_DEVICE;
        sys_bpf(BPF_PROG_DETACH, &a2);
        close(ofd);
    }
    return 0;
}
