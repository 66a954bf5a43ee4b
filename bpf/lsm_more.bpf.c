// SPDX-License-Identifier: GPL-2.0
/*
 * BPF LSM for the hooks after connect: where a deny rule's mechanism is
 * RTG_MECH_LSM, the operation is refused with -EPERM before it happens
 * and reported here; audits, and the operations no LSM hook covers, stay
 * with the syscall tracepoints (task.bpf.c, sys.bpf.c, mmap.bpf.c), which
 * leave what these programs decide alone. User space loads them only
 * where BPF LSM works (user/lib/probe_more.c):
 *
 *   ptrace_access_check (attach, seize; /proc/PID/mem), ptrace_traceme,
 *   task_fix_setuid (setuid, setreuid, setresuid, setfsuid),
 *   task_fix_setgid (setgid, setregid, setresgid, setfsgid),
 *   task_fix_setgroups, capset, userns_create (unshare, clone and clone3
 *   of CLONE_NEWUSER alone),
 *   kernel_read_file / kernel_load_data (finit_module, init_module),
 *   bpf (the bpf(2) commands of bpf.bpf hooks), sb_mount (mount(2), with
 *   the resolved target), sb_umount, move_mount and sb_pivotroot
 *   (umount2(2), move_mount(2), pivot_root(2)), socket_listen (listen(2)
 *   of TCP sockets), mmap_file /
 *   file_mprotect (executable mappings: the exec rules about a file and
 *   the mmap_exec rules), and socket_connect of unix sockets where
 *   cgroup/connect_unix is missing.
 */
#include "more.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PTRACE_MODE_ATTACH 0x02
#define PROT_EXEC	   0x4
#define VM_EXEC		   0x4
#define AF_UNIX		   1
#define LSM_SETID_ID	   1
#define LSM_SETID_RE	   2
#define LSM_SETID_RES	   4
#define LSM_SETID_FS	   8

/* A deny this program carries out: the record, then -EPERM (0 in
 * dry-run). */
static __always_inline bool lsm_denies(struct more_ctx *x)
{
	return x->v.action >= RTG_ACT_DENY && x->v.mech == RTG_MECH_LSM;
}

static __always_inline int lsm_deny(struct more_ctx *x, struct rtg_more *e,
				    __u8 type)
{
	more_emit(e, type);
	return CFG(dry_run) ? 0 : -EPERM;
}

static __always_inline struct rtg_more *lsm_record(struct more_ctx *x,
						   __u8 type, __u16 op)
{
	x->v.action = RTG_ACT_DENY;
	return more_record(x, type, op, !CFG(dry_run));
}

/* ---- ptrace -------------------------------------------------------------- */

static __always_inline int ptrace_lsm(struct task_struct *tracee, int op)
{
	struct rtg_proc_state *tst;
	struct more_ctx x;
	struct rtg_more *e;
	__u32 pid = tracee->tgid;

	if (!more_begin(&x, RTG_HOOK_PTRACE, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_REQUEST, op);
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_PTRACE, op);
	e->ptrace.pid = pid;
	tst = bpf_map_lookup_elem(&procs, &pid);
	if (tst) {
		e->ptrace.exec_ktime = tst->exec_ktime;
		e->ptrace.ppid = tst->ppid;
		e->ptrace.parent_exec_ktime = tst->parent_exec_ktime;
	}
	return lsm_deny(&x, e, RTG_EV_PTRACE);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(lsm_ptrace_access, struct task_struct *child, unsigned int mode)
{
	if (!(mode & PTRACE_MODE_ATTACH))
		return 0; /* reads of /proc/PID/stat and the like */
	return ptrace_lsm(child, RTG_PTRACE_ATTACH);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(lsm_ptrace_traceme, struct task_struct *parent)
{
	return ptrace_lsm(parent, RTG_PTRACE_TRACEME);
}

/* ---- setuid ----------------------------------------------------------------
 */

/* A change of credentials from old to new by call op (enum rtg_op_cred):
 * the flags of the tracepoint's cred_change(), and extra. */
static __always_inline int cred_lsm(struct cred *new, const struct cred *old,
				    int op, __u32 extra)
{
	struct rtg_ids o, n;
	struct more_ctx x;
	struct rtg_more *e;
	__u32 change;

	cred_ids(old, &o);
	cred_ids(new, &n);
	change = cred_change(&o, &n) | extra;
	if (!change || !more_begin(&x, RTG_HOOK_CRED, o.uid))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_xflags(&x, change);
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_CRED, op);
	e->cred.old = o;
	e->cred.new = n;
	return lsm_deny(&x, e, RTG_EV_CRED);
}

/* the call of a task_fix_setuid/setgid flags value: the LSM_SETID_*
 * order of ops (uid calls or gid calls), -1 for another */
static __always_inline int setid_op(int flags, int id, int re, int res, int fs)
{
	if (flags == LSM_SETID_ID)
		return id;
	if (flags == LSM_SETID_RE)
		return re;
	if (flags == LSM_SETID_RES)
		return res;
	if (flags == LSM_SETID_FS)
		return fs;
	return -1;
}

SEC("lsm/task_fix_setuid")
int BPF_PROG(lsm_fix_setuid, struct cred *new, const struct cred *old,
	     int flags)
{
	int op = setid_op(flags, RTG_CRED_SETUID, RTG_CRED_SETREUID,
			  RTG_CRED_SETRESUID, RTG_CRED_SETFSUID);

	return op < 0 ? 0 : cred_lsm(new, old, op, 0);
}

SEC("lsm/task_fix_setgid")
int BPF_PROG(lsm_fix_setgid, struct cred *new, const struct cred *old,
	     int flags)
{
	int op = setid_op(flags, RTG_CRED_SETGID, RTG_CRED_SETREGID,
			  RTG_CRED_SETRESGID, RTG_CRED_SETFSGID);

	return op < 0 ? 0 : cred_lsm(new, old, op, 0);
}

/* a new list of supplementary groups: no id shows it */
SEC("lsm/task_fix_setgroups")
int BPF_PROG(lsm_fix_setgroups, struct cred *new, const struct cred *old)
{
	return cred_lsm(new, old, RTG_CRED_SETGROUPS, 1u << RTG_CREDF_GID);
}

/* capset(2): the caps of new are the ones asked for */
SEC("lsm/capset")
int BPF_PROG(lsm_capset, struct cred *new, const struct cred *old)
{
	return cred_lsm(new, old, RTG_CRED_CAPSET, 0);
}

/* ---- namespaces ------------------------------------------------------------
 */

#define CLONE_NEWUSER 0x10000000

/* A new user namespace that the call's sys_enter program left here
 * (task.bpf.c: a deny of CLONE_NEWUSER alone): refused before it exists.
 * Other creations were decided there already. */
SEC("lsm/userns_create")
int BPF_PROG(lsm_userns_create, const struct cred *cred)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct more_ctx x;
	struct rtg_more *e;
	__u32 *call, op;

	call = bpf_map_lookup_elem(&ns_lsm, &key);
	if (!call)
		return 0;
	op = *call;
	bpf_map_delete_elem(&ns_lsm, &key);
	if (!more_begin(&x, RTG_HOOK_NAMESPACE,
			(__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_xflags(&x, 1u << RTG_NSF_NEWUSER);
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_NAMESPACE, op);
	e->flags.flags = CLONE_NEWUSER;
	return lsm_deny(&x, e, RTG_EV_NAMESPACE);
}

/* ---- modules ------------------------------------------------------------- */

static __always_inline int module_lsm(struct file *file, int op)
{
	struct more_ctx x;
	struct rtg_more *e;

	if (!more_begin(&x, RTG_HOOK_MODULE, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	if (file)
		more_path_file(&x, file);
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_MODULE, op);
	if (file)
		more_s0_path(&x, e);
	else
		e->s0_len = more_str(e, NULL, false);
	e->s1_len = more_str(e, NULL, false);
	return lsm_deny(&x, e, RTG_EV_MODULE);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(lsm_read_module, struct file *file, enum kernel_read_file_id id,
	     bool contents)
{
	if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return 0;
	return module_lsm(file, RTG_MODULE_FINIT);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(lsm_load_module, enum kernel_load_data_id id, bool contents)
{
	if (id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
		return 0;
	return module_lsm(NULL, RTG_MODULE_INIT);
}

/* ---- bpf ----------------------------------------------------------------- */

SEC("lsm/bpf")
int BPF_PROG(lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	struct more_ctx x;
	struct rtg_more *e;
	int op;

	if (cmd == BPF_PROG_LOAD)
		op = RTG_BPF_PROG_LOAD;
	else if (cmd == BPF_PROG_ATTACH)
		op = RTG_BPF_PROG_ATTACH;
	else if (cmd == BPF_LINK_CREATE)
		op = RTG_BPF_LINK_CREATE;
	else if (cmd == BPF_RAW_TRACEPOINT_OPEN)
		op = RTG_BPF_RAW_TP_OPEN;
	else
		return 0;
	if (!more_begin(&x, RTG_HOOK_BPF, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_BPF, op);
	e->s0_len = more_str(e, NULL, false);
	if (op == RTG_BPF_PROG_LOAD) {
		e->bpf.prog_type = BPF_CORE_READ(attr, prog_type);
		e->s1_len = more_str(e, attr->prog_name, false);
	} else {
		e->s1_len = more_str(e, NULL, false);
	}
	return lsm_deny(&x, e, RTG_EV_BPF);
}

/* ---- mount -----------------------------------------------------------------
 */

SEC("lsm/sb_mount")
int BPF_PROG(lsm_sb_mount, const char *dev_name, const struct path *path,
	     const char *type, unsigned long flags, void *data)
{
	struct more_ctx x;
	struct rtg_more *e;

	if (!more_begin(&x, RTG_HOOK_MOUNT, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, RTG_MOUNT_MOUNT);
	more_path_at(&x, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt));
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_MOUNT, RTG_MOUNT_MOUNT);
	more_s0_path(&x, e);
	e->s1_len = more_str(e, dev_name, false);
	e->s2_len = more_str(e, type, false);
	e->flags.flags = flags;
	return lsm_deny(&x, e, RTG_EV_MOUNT);
}

/* umount2(2), move_mount(2) and pivot_root(2): the target is the path the
 * kernel resolved, as sb_mount's; the user's strings are the tracepoint's
 * (sys.bpf.c), which leaves these ops to this program. */
static __always_inline int mount_lsm(int op, struct dentry *dentry,
				     struct vfsmount *mnt, __u64 flags)
{
	struct more_ctx x;
	struct rtg_more *e;

	if (!more_begin(&x, RTG_HOOK_MOUNT, (__u32)bpf_get_current_uid_gid()))
		return 0;
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_path_at(&x, dentry, mnt);
	more_decide(&x);
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_MOUNT, op);
	more_s0_path(&x, e);
	e->s1_len = more_str(e, NULL, false);
	e->s2_len = more_str(e, NULL, false);
	e->flags.flags = flags;
	return lsm_deny(&x, e, RTG_EV_MOUNT);
}

SEC("lsm/sb_umount")
int BPF_PROG(lsm_sb_umount, struct vfsmount *mnt, int flags)
{
	return mount_lsm(RTG_MOUNT_UMOUNT2, BPF_CORE_READ(mnt, mnt_root), mnt,
			 (__u32)flags);
}

SEC("lsm/move_mount")
int BPF_PROG(lsm_move_mount, const struct path *from_path,
	     const struct path *to_path)
{
	return mount_lsm(RTG_MOUNT_MOVE_MOUNT, BPF_CORE_READ(to_path, dentry),
			 BPF_CORE_READ(to_path, mnt), 0);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(lsm_pivotroot, const struct path *old_path,
	     const struct path *new_path)
{
	return mount_lsm(RTG_MOUNT_PIVOT_ROOT, BPF_CORE_READ(new_path, dentry),
			 BPF_CORE_READ(new_path, mnt), 0);
}

/* ---- executable mappings ------------------------------------------------- */

/* The exec rules about the mapped file and the mmap_exec rules; as
 * mmap.bpf.c decides them. */
static __always_inline int map_lsm(struct file *file, int op, __u32 prot)
{
	struct rtg_verdict ev;
	struct more_ctx x;
	struct rtg_more *e;

	if (!more_begin(&x, RTG_HOOK_MMAP_EXEC,
			(__u32)bpf_get_current_uid_gid()))
		return 0;
	more_path_file(&x, file);
	more_op(&x, RTG_KEY_SYSCALL, op);
	more_decide(&x);
	more_exec_rules(&x, &ev);
	if (ev.action > x.v.action)
		x.v = ev;
	if (!lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_MMAP_EXEC, op);
	if (ev.action == x.v.action && ev.rule == x.v.rule)
		e->hdr.flags |= RTG_F_EXEC_RULE;
	e->mmap.prot = prot;
	more_s0_path(&x, e);
	return lsm_deny(&x, e, RTG_EV_MMAP_EXEC);
}

/* execve maps its images through here too: those are the exec hook's */
static __always_inline bool in_execve(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (!bpf_core_field_exists(t->in_execve))
		return false;
	return BPF_CORE_READ_BITFIELD_PROBED(t, in_execve);
}

SEC("lsm/mmap_file")
int BPF_PROG(lsm_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags)
{
	if (!file || !(prot & PROT_EXEC) || in_execve())
		return 0;
	return map_lsm(file, RTG_MMAP_MMAP, prot);
}

SEC("lsm/file_mprotect")
int BPF_PROG(lsm_file_mprotect, struct vm_area_struct *vma,
	     unsigned long reqprot, unsigned long prot)
{
	struct file *file = vma->vm_file;

	if (!file || !(prot & PROT_EXEC) ||
	    (BPF_CORE_READ(vma, vm_flags) & VM_EXEC))
		return 0;
	return map_lsm(file, RTG_MMAP_MPROTECT, prot);
}

/* ---- listen ---------------------------------------------------------------
 */

/* listen(2) of a TCP socket that a deny covers: refused whatever bound it
 * (user space loads no cgroup/bind program with this one). The
 * tracepoint leaves these denies here and still kills for packet
 * sockets. */
SEC("lsm/socket_listen")
int BPF_PROG(lsm_socket_listen, struct socket *sock, int backlog)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);
	struct more_ctx x;
	struct rtg_more *e;
	__u16 family;

	if (!sk || !listen_decide(&x, sk, &family) || !lsm_denies(&x))
		return 0;
	e = lsm_record(&x, RTG_EV_LISTEN, RTG_LISTEN_LISTEN);
	listen_sock(e, sk, family);
	return lsm_deny(&x, e, RTG_EV_LISTEN);
}

/* ---- unix connect (kernels before cgroup/connect_unix) ------------------- */

SEC("lsm/socket_connect")
int BPF_PROG(lsm_unix_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen)
{
	__u16 family = 0;

	bpf_probe_read_kernel(&family, sizeof(family), &address->sa_family);
	if (family != AF_UNIX)
		return 0;
	return unix_connect(address, addrlen, RTG_MECH_LSM) && !CFG(dry_run)
		   ? -EPERM
		   : 0;
}
