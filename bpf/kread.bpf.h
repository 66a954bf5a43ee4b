/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reads of kernel memory by address, the way this unit was built for.
 *
 * The walks of the kernel side (path.bpf.h, trie.bpf.h) keep kernel
 * pointers as plain addresses, so that the same code loads on every
 * supported kernel. How an address is read is chosen at build time, and
 * the object carries both kinds of programs (Makefile: each unit that has
 * a hot path is built twice):
 *
 *   RTG_BTF_LOADS: bpf_rdonly_cast() (Linux 6.2+) turns the address back
 *     into a typed pointer; a field is then one direct load, ~1 ns;
 *   otherwise bpf_probe_read_kernel(), a helper call, ~25 ns here.
 *
 * User space loads one kind: user/lib/probe.c decides (the `walk` row of
 * `rtguard probe`) and user/agent/load.c sets the programs' autoload.
 * A read that faults yields 0 either way.
 */
#ifndef RTG_KREAD_BPF_H
#define RTG_KREAD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#ifdef RTG_BTF_LOADS
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* The address as a read-only pointer to the kernel's type. */
#define KPTR(type, addr)                                                       \
	((type *)bpf_rdonly_cast((void *)(unsigned long)(addr),                \
				 bpf_core_type_id_kernel(type)))
/* One field (a dotted path within the struct) of the object at addr. An
 * 8-byte field (a pointer) is loaded as a number: through its own type
 * the verifier would track it as a typed pointer, and a walk whose every
 * step holds another typed pointer never converges. */
#define KREAD(type, addr, field)                                               \
	({                                                                     \
		__u64 ___a = (__u64)(addr), ___v;                              \
		if (bpf_core_field_size(type, field) == 8)                     \
			___v = kload64(___a +                                  \
				       bpf_core_field_offset(type, field));    \
		else                                                           \
			___v = (__u64)(KPTR(type, ___a)->field);               \
		___v;                                                          \
	})
#else
#define KREAD(type, addr, field)                                               \
	({                                                                     \
		__u64 ___a = (__u64)(addr);                                    \
		(__u64) BPF_CORE_READ((type *)(unsigned long)___a, field);     \
	})
#endif

/* 8 bytes at addr (any alignment), as the CPU loads them. */
static __always_inline __u64 kload64(__u64 addr)
{
#ifdef RTG_BTF_LOADS
	/* struct qstr starts with a u64 (hash_len): any 8 bytes do */
	return KPTR(struct qstr, addr)->hash_len;
#else
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)(unsigned long)addr);
	return v;
#endif
}

/* Windows: fields that lie close together in an object, read at once.
 * With probe reads every read is a helper call, so KWIN_READ() reads the
 * bytes from field `first` to field `last` (8 bytes long) in one call,
 * where they span 32 bytes at most in the running kernel's layout (CO-RE
 * offsets: constants the verifier knows), and KWIN_GET() takes a field
 * of that range from the window w (__u64 w[4]), as the CPU would load its
 * 8 bytes (a smaller field: the low bytes, on little-endian machines);
 * else it reads the field alone. With direct loads each field is loaded
 * where KWIN_GET() takes it, and KWIN_READ() reads nothing. */
#define KWIN_SPAN(type, first, last)                                           \
	(bpf_core_field_offset(type, last) + 8 -                               \
	 bpf_core_field_offset(type, first))
#ifdef RTG_BTF_LOADS
#define KWIN_READ(w, type, addr, first, last)	    ((void)(w))
#define KWIN_GET(w, type, addr, first, last, field) KREAD(type, addr, field)
#else
#define KWIN_READ(w, type, addr, first, last)                                  \
	({                                                                     \
		__u32 ___s = KWIN_SPAN(type, first, last);                     \
		if (___s <= 32)                                                \
			bpf_probe_read_kernel(                                 \
			    w, ___s,                                           \
			    (void *)(unsigned long)((__u64)(addr) +            \
						    bpf_core_field_offset(     \
							type, first)));        \
	})
#define KWIN_GET(w, type, addr, first, last, field)                            \
	({                                                                     \
		__u32 ___d = bpf_core_field_offset(type, field) -              \
			     bpf_core_field_offset(type, first);               \
		KWIN_SPAN(type, first, last) <= 32 && ___d <= 24 &&            \
			!(___d & 7)                                            \
		    ? (w)[(___d >> 3) & 3]                                     \
		    : (__u64)KREAD(type, addr, field);                         \
	})
#endif

#endif
