// SPDX-License-Identifier: GPL-2.0
/* Giving up privilege after start-up: see privs.h. */
#include <errno.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

#define BIT(c) (1ULL << (c))

static const char *const cap_names[] = {
    [CAP_CHOWN] = "chown",
    [CAP_DAC_OVERRIDE] = "dac_override",
    [CAP_DAC_READ_SEARCH] = "dac_read_search",
    [CAP_FOWNER] = "fowner",
    [CAP_FSETID] = "fsetid",
    [CAP_KILL] = "kill",
    [CAP_SETGID] = "setgid",
    [CAP_SETUID] = "setuid",
    [CAP_SETPCAP] = "setpcap",
    [CAP_NET_BIND_SERVICE] = "net_bind_service",
    [CAP_NET_ADMIN] = "net_admin",
    [CAP_NET_RAW] = "net_raw",
    [CAP_SYS_PTRACE] = "sys_ptrace",
    [CAP_SYS_ADMIN] = "sys_admin",
    [CAP_SYS_RESOURCE] = "sys_resource",
    [38] = "perfmon",
    [39] = "bpf",
};

/* The capabilities kept after start-up (bit mask of CAP_* numbers). */
static uint64_t privs_keep_mask(void)
{
	return BIT(CAP_SYS_PTRACE) | BIT(CAP_KILL) | BIT(CAP_DAC_READ_SEARCH);
}

/* "kill,dac_read_search,sys_ptrace" for a mask */
static const char *privs_names(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int c;

	buf[0] = '\0';
	for (c = 0; c < 64 && off < len; c++) {
		const char *n = c < sizeof(cap_names) / sizeof(cap_names[0]) ?
					cap_names[c] :
					NULL;
		char num[16];

		if (!(mask & BIT(c)))
			continue;
		if (!n) {
			snprintf(num, sizeof(num), "cap%u", c);
			n = num;
		}
		off += snprintf(buf + off, len - off, "%s%s", off ? "," : "", n);
	}
	if (!off)
		snprintf(buf, len, "none");
	return buf;
}

static unsigned int last_cap(void)
{
	unsigned int last = 40; /* CAP_CHECKPOINT_RESTORE, Linux 5.9 */
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f) {
		if (fscanf(f, "%u", &last) != 1 || last > 63)
			last = 40;
		fclose(f);
	}
	return last;
}

static int caps_get(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

/* 0, or -1 with errno set */
static int caps_set(uint64_t mask)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {};

	d[0].effective = d[0].permitted = (uint32_t)mask;
	d[1].effective = d[1].permitted = (uint32_t)(mask >> 32);
	return syscall(SYS_capset, &h, d);
}

int privs_drop(void)
{
	uint64_t eff = 0, prm = 0, keep;
	unsigned int c, last = last_cap();
	bool bounding = false;
	char names[512];
	int err;

	err = caps_get(&eff, &prm);
	if (err) {
		log_warn("cannot read capabilities: %s; keeping them",
			 strerror(-err));
		return err;
	}
	keep = prm & privs_keep_mask();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		log_warn("cannot set no_new_privs: %s", strerror(errno));
	}
	if (eff & BIT(CAP_SETPCAP)) {
		bounding = true;
		for (c = 0; c <= last; c++)
			if (!(keep & BIT(c)) &&
			    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) {
				err = -errno;
				bounding = false;
				log_warn("cannot drop capability %u from the bounding set: %s",
					 c, strerror(errno));
				break;
			}
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
				  SECBIT_NO_CAP_AMBIENT_RAISE |
				  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
			  0, 0, 0)) {
			err = -errno;
			log_warn("cannot lock securebits: %s", strerror(errno));
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (caps_set(keep)) {
		err = -errno;
		log_warn("cannot drop capabilities: %s; keeping them",
			 strerror(errno));
		return err;
	}
	log_info("start-up done: capabilities now %s%s",
		 privs_names(keep, names, sizeof(names)),
		 bounding ? "" : " (bounding set kept: no CAP_SETPCAP)");
	return err;
}
