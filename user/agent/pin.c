// SPDX-License-Identifier: GPL-2.0
/* Pinning of links and state maps (see pin.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "pin.h"
#include "rtguard.skel.h"

/* Maps whose contents must outlive one agent. */
static bool persistent(const char *name)
{
	static const char *const names[] = {
	    "events",	  "stats",	 "procs",	"rules_set",
	    "rules_str",  "rules_addr",	 "rules_uid",	"rules_port",
	    "rules_trie", "agent_cfg",	 "enforce_events", "sel_cgroup",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static bool compatible(const struct bpf_map *m, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	return info.type == bpf_map__type(m) &&
	       info.key_size == bpf_map__key_size(m) &&
	       info.value_size == bpf_map__value_size(m) &&
	       info.max_entries == bpf_map__max_entries(m) &&
	       info.map_flags == bpf_map__map_flags(m);
}

int pin_prepare(struct rtguard_bpf *s, const char *dir, bool *adopted)
{
	struct bpf_map *m;
	char path[PATH_MAX];
	int err, fd;

	*adopted = false;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("cannot create pin directory %s: %s", dir,
			strerror(errno));
		return err;
	}
	bpf_object__for_each_map(m, s->obj) {
		const char *name = bpf_map__name(m);

		if (!persistent(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (compatible(m, fd)) {
				*adopted = true;
			} else {
				log_warn("pinned map %s has another layout (upgrade or --ringbuf-kb change): replaced",
					 path);
				unlink(path);
			}
			close(fd);
		}
		err = bpf_map__set_pin_path(m, path);
		if (err)
			return err;
	}
	return 0;
}

static int pin_one(struct bpf_link *l, const char *dir, const char *name)
{
	char tmp[PATH_MAX];
	int err;

	if (!l)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/new_%s", dir, name);
	unlink(tmp);
	err = bpf_link__pin(l, tmp);
	if (err)
		log_err("cannot pin link %s: %s", tmp, strerror(-err));
	return err;
}

int pin_links(struct rtguard_bpf *s, struct bpf_link **extra,
	      const char *const *extra_names, int nextra, const char *dir)
{
	struct bpf_object_skeleton *sk = s->skeleton;
	char from[PATH_MAX], to[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int i, err = 0;

	for (i = 0; i < sk->prog_cnt && !err; i++)
		err = pin_one(*sk->progs[i].link, dir, sk->progs[i].name);
	for (i = 0; i < nextra && !err; i++)
		err = pin_one(extra[i], dir, extra_names[i]);
	if (err)
		return err;
	/* the new programs run: now the old ones may go */
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "link_", 5))
			continue;
		snprintf(from, sizeof(from), "%s/%s", dir, de->d_name);
		unlink(from);
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "new_", 4))
			continue;
		snprintf(from, sizeof(from), "%s/%s", dir, de->d_name);
		snprintf(to, sizeof(to), "%s/link_%s", dir, de->d_name + 4);
		if (rename(from, to))
			log_warn("cannot rename pin %s: %s", from,
				 strerror(errno));
	}
	closedir(d);
	return 0;
}

/*
 * Removing the last pin of a link drops its last reference only when the
 * bpffs inode is freed, which the kernel does in deferred (RCU) work: a
 * connect made right after unlink() can still meet the program. So each
 * pinned link is detached synchronously first (BPF_LINK_DETACH, which
 * cgroup links support), and for the link types without a detach operation
 * (tracepoints) pin_remove_all() waits until the kernel has freed them.
 * Returns the link's id, or 0 when the pin is not a link.
 */
static __u32 pin_detach_link(const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err;

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return 0;
	}
	err = bpf_link_detach(fd) ? -errno : 0;
	if (err && err != -EOPNOTSUPP && err != -EINVAL && err != -ENOLINK)
		log_warn("cannot detach %s: %s", path, strerror(-err));
	close(fd);
	return info.id;
}

/*
 * Waits (up to 5 s) until no link of ids[] exists any more. Looking a link
 * up by id needs CAP_SYS_ADMIN, which a clean exit no longer has (privs.h):
 * a link it cannot look up is not waited for. That leaves only the links
 * without a detach operation (tracepoints) to the kernel's deferred free;
 * the connect hooks, which carry the denials, were detached above, and the
 * agent disarmed the tracepoint programs first (maps_disarm()).
 */
static int pin_wait_gone(__u32 *ids, int n)
{
	int i, fd, tries, blind = 0;

	for (tries = 0; tries < 500; tries++) {
		for (i = 0; i < n; i++) {
			if (!ids[i])
				continue;
			fd = bpf_link_get_fd_by_id(ids[i]);
			if (fd < 0 && errno == ENOENT)
				continue;
			if (fd < 0 && errno == EPERM) {
				ids[i] = 0;
				blind++;
				continue;
			}
			if (fd >= 0)
				close(fd);
			break;
		}
		if (i == n)
			break;
		usleep(10000);
	}
	if (blind)
		log_debug("not waiting for %d unpinned links to go: no CAP_SYS_ADMIN",
			  blind);
	return tries < 500 ? 0 : -ETIMEDOUT;
}

int pin_remove_all(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	__u32 ids[64];
	int n = 0, err;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((!strncmp(de->d_name, "link_", 5) ||
		     !strncmp(de->d_name, "new_", 4)) &&
		    n < (int)(sizeof(ids) / sizeof(ids[0])))
			ids[n++] = pin_detach_link(path);
		if (unlink(path))
			log_warn("cannot unpin %s: %s", path, strerror(errno));
	}
	err = pin_wait_gone(ids, n);
	if (err) {
		closedir(d);
		log_err("links unpinned from %s are still attached after 5 s",
			dir);
		return err;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

int pin_lock(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len;

	if (fd < 0)
		return -errno;
	/* abstract name: released by the kernel when the agent dies */
	len = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "rtguard:%s",
		       dir);
	if (len > sizeof(sa.sun_path) - 1)
		len = sizeof(sa.sun_path) - 1;
	if (bind(fd, (struct sockaddr *)&sa,
		 offsetof(struct sockaddr_un, sun_path) + 1 + len)) {
		int err = errno == EADDRINUSE ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}
