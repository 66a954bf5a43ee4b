// SPDX-License-Identifier: GPL-2.0
/*
 * The writes to `sel_cgroup` (bpf/select.h), part of maps.h: which scoped
 * policies each classified cgroup's workload matches, per generation.
 * user/agent/selectors.c decides what goes in.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"
#include "rtguard.skel.h"

int maps_sel_write(const struct rtguard_bpf *s, uint64_t cgroup_id, uint8_t gen,
		   uint32_t bits)
{
	struct rtg_sel_key k = {.cgroup_id = cgroup_id, .gen = gen};

	if (bpf_map_update_elem(bpf_map__fd(s->maps.sel_cgroup), &k, &bits,
				BPF_ANY))
		return -errno;
	return 0;
}

bool maps_sel_known(const struct rtguard_bpf *s, uint64_t cgroup_id,
		    uint8_t gen, uint32_t *bits)
{
	struct rtg_sel_key k = {.cgroup_id = cgroup_id, .gen = gen};

	return !bpf_map_lookup_elem(bpf_map__fd(s->maps.sel_cgroup), &k, bits);
}

void maps_sel_forget(const struct rtguard_bpf *s, uint64_t cgroup_id)
{
	struct rtg_sel_key k = {.cgroup_id = cgroup_id};

	for (k.gen = 0; k.gen < RTG_NGEN; k.gen++)
		bpf_map_delete_elem(bpf_map__fd(s->maps.sel_cgroup), &k);
}

void maps_sel_clear_gen(const struct rtguard_bpf *s, uint8_t gen)
{
	maps_delete_gen(bpf_map__fd(s->maps.sel_cgroup),
			sizeof(struct rtg_sel_key),
			offsetof(struct rtg_sel_key, gen), gen);
}
