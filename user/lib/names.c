// SPDX-License-Identifier: GPL-2.0
/* The name tables (see names.h). */
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>

#include "names.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const type_names[RTG_EV_MAX] = {
	[RTG_EV_EXEC] = "exec",	      [RTG_EV_EXIT] = "exit",
	[RTG_EV_OPEN] = "open",	      [RTG_EV_CONNECT] = "connect",
	[RTG_EV_LOST] = "lost",
};
static const char *const action_names[] = {
	[RTG_ACT_ALLOW] = "allow",
	[RTG_ACT_AUDIT] = "audit",
	[RTG_ACT_DENY] = "deny",
	[RTG_ACT_KILL] = "kill",
};
const char *const rtg_hook_names[RTG_NHOOKS] = {
	[RTG_HOOK_EXEC] = "exec",
	[RTG_HOOK_OPEN] = "open",
	[RTG_HOOK_CONNECT] = "connect",
};
static const char *const mech_names[] = {
	[RTG_MECH_LSM] = "lsm",
	[RTG_MECH_CGROUP] = "cgroup",
	[RTG_MECH_FANOTIFY] = "fanotify",
	[RTG_MECH_SIGKILL] = "sigkill",
};
static const char *const loss_names[RTG_NLOSS] = {
    [RTG_LOSS_RB_EXEC] = "ringbuf:exec",
    [RTG_LOSS_RB_EXIT] = "ringbuf:exit",
    [RTG_LOSS_RB_OPEN] = "ringbuf:open",
    [RTG_LOSS_RB_CONNECT] = "ringbuf:connect",
    [RTG_LOSS_RB_ENFORCE] = "ringbuf:enforce",
    [RTG_LOSS_FANOTIFY] = "fanotify",
    [RTG_LOSS_SUBSCRIBER] = "subscriber",
    [RTG_LOSS_DECODE] = "decode",
};

const char *const rtg_proto_names[RTG_NPROTOS] = {"tcp", "udp"};

static const char *name_of(const char *const *t, int n, int v)
{
	return v >= 0 && v < n ? t[v] : NULL;
}

static int parse_in(const char *const *t, int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (t[i] && !strcmp(t[i], s))
			return i;
	return -1;
}

const char *type_name(int type)
{
	const char *n = name_of(type_names, NELEM(type_names), type);

	return n ? n : "unknown";
}

int type_parse(const char *s)
{
	return parse_in(type_names, NELEM(type_names), s);
}

const char *action_name(int action)
{
	const char *n = name_of(action_names, NELEM(action_names), action);

	return n ? n : "unknown";
}

int action_parse(const char *s)
{
	return parse_in(action_names, NELEM(action_names), s);
}

const char *hook_name(int hook)
{
	const char *n = name_of(rtg_hook_names, RTG_NHOOKS, hook);

	return n ? n : "?";
}

int hook_parse(const char *s)
{
	return parse_in(rtg_hook_names, RTG_NHOOKS, s);
}

const char *mech_name(int mech)
{
	return name_of(mech_names, NELEM(mech_names), mech);
}

const char *mech_label(int mech)
{
	const char *n = mech_name(mech);

	return n ? n : "none";
}

const char *loss_name(int src)
{
	const char *n = name_of(loss_names, NELEM(loss_names), src);

	return n ? n : "unknown";
}

const char *proto_name(int ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return rtg_proto_names[0];
	case IPPROTO_UDP:
		return rtg_proto_names[1];
	}
	return NULL;
}

/* Kernel values: glibc defines O_LARGEFILE as 0 on 64-bit, but the kernel
 * sets it in f_flags (force_o_largefile). */
#if defined(__aarch64__) || defined(__arm__)
#define K_O_LARGEFILE 0400000
#else
#define K_O_LARGEFILE 0100000
#endif

int open_flags_decode(uint32_t flags, const char **names, int max,
		      uint32_t *unknown)
{
	static const struct {
		uint32_t bits;
		const char *name;
	} tbl[] = {
	    {O_CREAT, "O_CREAT"},
	    {O_EXCL, "O_EXCL"},
	    {O_NOCTTY, "O_NOCTTY"},
	    {O_TRUNC, "O_TRUNC"},
	    {O_APPEND, "O_APPEND"},
	    {O_NONBLOCK, "O_NONBLOCK"},
	    {O_SYNC, "O_SYNC"}, /* includes O_DSYNC: before it */
	    {O_DSYNC, "O_DSYNC"},
	    {O_TMPFILE, "O_TMPFILE"}, /* includes O_DIRECTORY */
	    {O_DIRECTORY, "O_DIRECTORY"},
	    {O_NOFOLLOW, "O_NOFOLLOW"},
	    {O_CLOEXEC, "O_CLOEXEC"},
	    {O_PATH, "O_PATH"},
	    {O_NOATIME, "O_NOATIME"},
	    {O_DIRECT, "O_DIRECT"},
	    {K_O_LARGEFILE, "O_LARGEFILE"},
	};
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR",
					  "O_ACCMODE"};
	uint32_t rest = flags & ~(uint32_t)O_ACCMODE;
	int n = 0;
	size_t i;

	if (n < max)
		names[n++] = acc[flags & O_ACCMODE];
	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++) {
		if ((rest & tbl[i].bits) != tbl[i].bits)
			continue;
		rest &= ~tbl[i].bits;
		if (n < max)
			names[n++] = tbl[i].name;
	}
	if (unknown)
		*unknown = rest;
	return n;
}
