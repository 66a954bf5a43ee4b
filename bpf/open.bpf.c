// SPDX-License-Identifier: GPL-2.0
/*
 * File opens, seen at the sys_exit tracepoints of open(2), openat(2),
 * openat2(2) and creat(2): the new fd's struct file gives the real path;
 * the flags come from the file and the syscall's saved registers (no
 * sys_enter program needed; see open_flags()). A deny or kill verdict kills the
 * process (SIGKILL before it returns to user space), unless lsm/file_open
 * (lsm.bpf.c) already refused the open.
 *
 * Which of these tracepoints load is decided by user space (they differ by
 * architecture; see user/lib/probe.c), and which build of them: this unit
 * is built twice (file_btf.bpf.c, kread.bpf.h).
 *
 * Most opens meet no rule: rtg_prefilter() (file.bpf.h, trie.bpf.h) lets
 * them go before any string is built. Under BPF LSM, lsm/file_open saw the
 * open first: what it found no rule can match is not looked at again here
 * (struct open_handoff in maps.bpf.h).
 */
#include "file.bpf.h"

char LICENSE[] SEC("license") = "GPL";

enum open_kind { OPEN_AT, OPEN_AT2, OPEN_PLAIN, OPEN_CREAT };

#define FMODE_READ  0x1
#define FMODE_WRITE 0x2
#define FMODE_PATH  0x4000 /* O_PATH: no file_open */
#define S_IFMT	    00170000
#define S_IFREG	    0100000

/* FMODE_CREATED: its bit moved between kernels; user space sets it from
 * what the probe measured (user/lib/probe.c). Weak: both builds of this
 * unit define it, the object has one. */
const volatile __u32 fmode_created __weak = 0x100000;
/* Where the syscall's saved registers lie in the task's stack, as the
 * probe measured it (user/lib/probe_walk.c), 0 when it did not: then
 * bpf_task_pt_regs(), a helper call: ~30 ns per open on our machines,
 * whose kernels return through the SRSO "safe RET" thunk. Weak as
 * above. */
const volatile __u32 regs_off __weak = 0;

/* The current task's saved syscall registers. */
static __always_inline struct pt_regs *task_regs(struct task_struct *task)
{
#ifdef RTG_BTF_LOADS
	/* task is trusted: its stack field is a plain load */
	if (regs_off)
		return KPTR(struct pt_regs, (__u64)task->stack + regs_off);
#endif
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/* The open's flags as the kernel holds them, never as user memory holds
 * them now. The access mode is the file's own (f_mode). O_CREAT and O_TRUNC
 * come from the syscall's saved registers for openat, open and creat. For
 * openat2 they are in the open_how the kernel copied from user memory and
 * no longer has: O_CREAT is whether the open created the file
 * (FMODE_CREATED), O_TRUNC cannot be known and is assumed for every
 * regular file (the class where it has an effect). */
#ifdef RTG_BTF_LOADS
#define OPEN_FLAGS_INLINE __always_inline
#else
/* with probe reads each kind's reads take stack of their own: out of the
 * program's frame, which is at the bottom of a 512-byte call chain */
#define OPEN_FLAGS_INLINE __noinline
#endif
static OPEN_FLAGS_INLINE __u32 open_flags(struct pt_regs *regs,
					  enum open_kind kind, __u64 file,
					  __u32 fmode)
{
	__u32 fl;

	switch (kind) {
	case OPEN_AT:
		fl = PT_REGS_PARM3_SYSCALL(regs);
		break;
	case OPEN_PLAIN:
		fl = PT_REGS_PARM2_SYSCALL(regs);
		break;
	case OPEN_CREAT:
		fl = O_CREAT | O_TRUNC;
		break;
	default:
		fl = 0;
		if (fmode & fmode_created)
			fl |= O_CREAT;
		if ((KREAD(struct inode, KREAD(struct file, file, f_inode),
			   i_mode) &
		     S_IFMT) == S_IFREG)
			fl |= O_TRUNC;
	}
	fl &= ~O_ACCMODE;
	if ((fmode & (FMODE_READ | FMODE_WRITE)) == (FMODE_READ | FMODE_WRITE))
		fl |= O_RDWR;
	else if (fmode & FMODE_WRITE)
		fl |= O_WRONLY;
	return fl;
}

/* The struct file of the current task's fd, or 0. task is a trusted BTF
 * pointer (bpf_get_current_task_btf()): its files field is a plain load
 * on every kernel, the table below it is read through addresses. */
static __always_inline __u64 fd_file(struct task_struct *task, long fd)
{
	struct fdtable *fdt = task->files->fdt;

#ifndef RTG_BTF_LOADS
	if (fd >= fdt->max_fds)
		return 0;
#endif
	/* with direct loads no bound is due: fd is what this syscall just
	 * installed in the task's table, which no thread can shrink (and a
	 * direct load cannot fault) */
	return kload64((__u64)fdt->fd + 8 * fd);
}

/* Did lsm/file_open decide this open already: that no rule above allow
 * can match it (maps.bpf.h, struct open_handoff)? */
static __always_inline bool lsm_decided(struct task_struct *task, __u64 file,
					__u32 gen)
{
	struct open_handoff *h = bpf_map_lookup_elem(&open_handoff, &zero);

	return h && h->file == file && h->task == (__u64)task &&
	       h->gen == gen && h->start == task->start_time &&
	       h->csw == task_csw(task);
}

static __always_inline int open_exit(long fd, enum open_kind kind)
{
	struct task_struct *task;
	struct rtg_hookset *hs;
	struct rtg_verdict v;
	struct evbuf *eb;
	struct misc *mc;
	__u32 size, fl, gen, fmode;
	bool enforced;
	__u64 file;
	int r;

	if (fd < 0)
		return 0;
	/* the cheap checks first: most opens meet no open rule at all */
	gen = active_gen();
	hs = hookset_active(gen, RTG_HOOK_OPEN);
	mc = bpf_map_lookup_elem(&scratch_misc, &zero);
	if (!hs || !mc)
		return 0;
	task = bpf_get_current_task_btf();
	file = fd_file(task, fd);
	if (!file)
		return 0;
	fmode = KREAD(struct file, file, f_mode);
	if (open_handoff_on && !(fmode & FMODE_PATH) &&
	    lsm_decided(task, file, gen))
		return 0;
	fl = open_flags(task_regs(task), kind, file, fmode);
	r = PREFILTER_FAST(hs, mc, gen, file, task, fl);
	if (!r)
		return 0;
	mc->arg_file = file;
	mc->arg_task = (__u64)task;
	if (r == 2 && !RTG_GLOBAL(rtg_prefilter)(fl, gen, 0))
		return 0;

	size = RTG_GLOBAL(rtg_open_eval)(fl, 0);
	if (!size)
		return 0;
	v = mc->v;
	gen = mc->gen;
	/* with BPF LSM the lsm program already decided and reported */
	if (v.action >= RTG_ACT_DENY && v.mech == RTG_MECH_LSM &&
	    CFG(lsm_active))
		return 0;
	enforced = enforce_kill(&v);
	eb = scratch_ev_get();
	if (!eb)
		return 0;
	set_verdict((struct rtg_hdr *)eb->d, &v, gen, enforced);
	if (size > EV_BUF)
		return 0;
	emit(eb->d, RTG_MASK(size, 2 * EV_BUF - 1), RTG_EV_OPEN);
	return 0;
}

/* The programs of the build with direct BTF loads carry a suffix
 * (kread.bpf.h). */
#ifdef RTG_BTF_LOADS
#define PROG(name) name##_btf
#else
#define PROG(name) name
#endif

#if defined(__TARGET_ARCH_x86)
#define NR_OPEN	   2
#define NR_CREAT   85
#define NR_OPENAT2 437
#elif defined(__TARGET_ARCH_arm64)
#define NR_OPEN	   -1 /* arm64 has only openat and openat2 */
#define NR_CREAT   -2
#define NR_OPENAT2 437
#endif

/* One program for the sys_exit tracepoints of every open syscall: the
 * skeleton attaches it to openat's, user space to the others the kernel
 * has (user/agent/load.c): the verifier checks it once instead of once
 * per syscall. The syscall is the record's own. */
SEC("tracepoint/syscalls/sys_exit_openat")
int PROG(exit_opens)(struct trace_event_raw_sys_exit *ctx)
{
	/* the syscall tracepoints' __syscall_nr: an int where the raw
	 * tracepoint's struct has a long */
	int id = (int)ctx->id;

	return open_exit(ctx->ret, id == NR_OPENAT2 ? OPEN_AT2
				   : id == NR_OPEN  ? OPEN_PLAIN
				   : id == NR_CREAT ? OPEN_CREAT
						    : OPEN_AT);
}
