// SPDX-License-Identifier: GPL-2.0
/*
 * open.bpf.c, lsm.bpf.c and handle_exec of exec.bpf.c built with direct
 * BTF loads (kread.bpf.h), for Linux 6.2+: their programs carry a _btf
 * suffix. One unit for all: the BPF linker of libbpf 1.1 cannot link the
 * same kfunc declared in two.
 */
#define RTG_BTF_LOADS 1
#include "open.bpf.c"
#define RTG_LICENSE_DONE 1
#include "lsm.bpf.c"
#include "exec.bpf.c"
