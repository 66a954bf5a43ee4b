/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Giving up privilege after start-up. Loading, attaching, pinning, mounting
 * bpffs/tracefs, creating the fanotify group and binding the sockets need
 * CAP_SYS_ADMIN/CAP_BPF/CAP_PERFMON/CAP_NET_BIND_SERVICE; the running agent
 * only reads and writes BPF maps through fds it holds, reads /proc, kills
 * processes and re-marks files. privs_drop() keeps exactly that:
 *
 *   CAP_SYS_PTRACE      /proc/PID/exe, cwd, ns of other users' processes
 *   CAP_KILL            `args` verdicts and SIGKILL fallbacks (pidfd kill)
 *   CAP_DAC_READ_SEARCH open_by_handle_at() (cgroup id -> container id),
 *                       policy files and fanotify re-marks on reload
 *
 * and sets no_new_privs; with CAP_SETPCAP it also empties the bounding set
 * of everything else and locks SECBIT_NOROOT, so that no exec, setuid
 * binary or file capability gives anything back. Capabilities are per
 * thread: it must run before any thread is created (the enforcer and the
 * metrics server start after it).
 */
#ifndef RTG_PRIVS_H
#define RTG_PRIVS_H

/* Returns 0 or -errno (the agent keeps running on failure, with a
 * warning: dropping privilege is hardening, not function). */
int privs_drop(void);

#endif
