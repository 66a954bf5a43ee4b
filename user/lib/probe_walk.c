// SPDX-License-Identifier: GPL-2.0
/*
 * The probe's trials for the walks of the open hooks (bpf/probe_btf.bpf.c):
 * whether bpf_rdonly_cast() works (the `rdonly_cast` feature; it decides
 * which build of the open programs loads, probe.c) and which bit
 * FMODE_CREATED is on this kernel (measured: a file created by an open and
 * one that was not, opened alike, differ in that bit only), and where a
 * task's saved syscall registers lie in its kernel stack (the same offset
 * at each open, below 64 KiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "probe_int.h"
#include "probe_btf.skel.h"

/* Opens a new file (created) then itself again (not created). */
static int two_opens(void)
{
	char path[] = "/tmp/rtguard-probe-fmode-XXXXXX";
	int fd = mkstemp(path), fd2; /* mkstemp opens with O_CREAT|O_EXCL */

	if (fd < 0)
		return -errno;
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	unlink(path);
	close(fd);
	if (fd2 < 0)
		return -errno;
	close(fd2);
	return 0;
}

/* Loads the object with the programs asked for; NULL on failure. */
static struct probe_btf_bpf *load(bool cast, int *err)
{
	struct probe_btf_bpf *s = probe_btf_bpf__open();

	if (!s) {
		*err = -errno;
		return NULL;
	}
	bpf_program__set_autoload(s->progs.probe_fmode, true);
	bpf_program__set_autoload(s->progs.probe_rdonly_cast, cast);
	s->bss->target_pid = (__u32)getpid();
	*err = probe_btf_bpf__load(s);
	if (*err) {
		probe_btf_bpf__destroy(s);
		return NULL;
	}
	*err = probe_btf_bpf__attach(s);
	if (*err) {
		probe_btf_bpf__destroy(s);
		return NULL;
	}
	return s;
}

void probe_walk_trials(struct rtg_probe *p, unsigned int disabled)
{
	bool cast = !(disabled & (1u << RTG_FEAT_RDONLY_CAST));
	struct probe_btf_bpf *s;
	unsigned int diff;
	int err, ecast = 0;

	s = load(cast, &err);
	if (!s && cast) {
		ecast = err;
		cast = false;
		s = load(false, &err);
	}
	if (!s) {
		probe_feat_set(p, RTG_FEAT_RDONLY_CAST, err ?: -EINVAL,
			       "load: %s", strerror(-err ?: EINVAL));
		return;
	}
	err = two_opens();
	if (!cast)
		probe_feat_set(p, RTG_FEAT_RDONLY_CAST, ecast ?: -ENOSYS,
			       ecast ? "load: %s (Linux 6.2+)" : "not tried",
			       strerror(-ecast));
	else if (s->bss->cast_hits)
		probe_feat_set(p, RTG_FEAT_RDONLY_CAST, 0,
			       "direct BTF loads from a tracepoint");
	else
		probe_feat_set(p, RTG_FEAT_RDONLY_CAST, -ENOSYS,
			       "attached but never ran");
	diff = s->bss->nfmodes >= 2 ? s->bss->fmodes[0] ^ s->bss->fmodes[1] : 0;
	if (!err && diff && !(diff & (diff - 1)))
		p->fmode_created = diff;
	else
		log_debug("probe: FMODE_CREATED not measured (%u opens seen)",
			  s->bss->nfmodes);
	if (!err && s->bss->nfmodes >= 2 &&
	    s->bss->regs_offs[0] == s->bss->regs_offs[1] &&
	    s->bss->regs_offs[0] > 0 && s->bss->regs_offs[0] < 65536)
		p->regs_off = (unsigned int)s->bss->regs_offs[0];
	else
		log_debug("probe: the saved registers' offset not measured");
	probe_btf_bpf__destroy(s);
}
