/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Restart without a gap (issue 5): the agent pins its links and the maps
 * that carry state (rules, procs, config, ring buffer, counters) under a
 * bpffs directory. If the agent dies, the pinned links keep the programs
 * attached, so connect denies (cgroup) and kill rules (tracepoints) stay in
 * force; the ring buffer fills and its losses are counted. A new agent
 * reuses the pinned maps, attaches its own programs, and only then removes
 * the old links: there is no moment without enforcement.
 *
 * What does not survive: fanotify marks die with the process (equal-path
 * open/exec denies fall back to the open tracepoint's SIGKILL until the new
 * agent has marked again).
 */
#ifndef RTG_PIN_H
#define RTG_PIN_H

#include <stdbool.h>

struct rtguard_bpf;
struct bpf_link;

/* Before load: point every persistent map at its pin; a pinned map whose
 * layout changed (an upgrade) is unpinned and replaced. *adopted is set
 * when a previous agent's maps were found. */
int pin_prepare(struct rtguard_bpf *s, const char *dir, bool *adopted);
/* After attach: pin the new links, then remove the old ones (which
 * detaches the old programs). extra/nextra: links not in the skeleton. */
int pin_links(struct rtguard_bpf *s, struct bpf_link **extra,
	      const char *const *extra_names, int nextra, const char *dir);
/* Remove every pin under dir and the dir itself. Returns only once every
 * pinned link is detached for real (the kernel frees unpinned links in
 * deferred work), or -ETIMEDOUT. Without CAP_SYS_ADMIN (a clean exit after
 * the privilege drop) it cannot see tracepoint links go and does not wait
 * for them; cgroup links are detached synchronously either way. */
int pin_remove_all(const char *dir);
/* One agent per pin dir: an abstract unix socket held while running.
 * Returns an fd, or -EBUSY when another agent holds it. */
int pin_lock(const char *dir);

#endif
