// SPDX-License-Identifier: GPL-2.0
/*
 * The policies in force: compile them, write them into one generation of
 * the rule maps, and switch generations on SIGHUP or when a policy file
 * changes (inotify on the files' directories). A reload that fails to
 * compile or to write leaves the previous policies in force.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent.h"
#include "enforce.h"
#include "log.h"
#include "maps.h"
#include "policy.h"
#include "policy_compile.h"
#include "probe.h"

extern const char rtg_default_policy[];
extern const char rtg_default_policy_end[];

int agent_compile_policies(const struct agent_opts *opts,
			   const struct rtg_probe *probe,
			   struct rtg_compiled **out)
{
	struct rtg_backends be;
	struct rtg_policy_set *set = policy_set_new();
	int err = 0, i;

	if (!set)
		return -ENOMEM;
	probe_backends(probe, &be);
	if (!opts->npolicy_paths)
		err = policy_load_buffer(set, "<embedded default>",
					 rtg_default_policy,
					 rtg_default_policy_end -
						 rtg_default_policy);
	for (i = 0; i < opts->npolicy_paths && !err; i++)
		err = policy_load_path(set, opts->policy_paths[i]);
	if (err || set->nerrors) {
		for (i = 0; i < set->nerrors; i++)
			log_err("%s", set->errors[i].text);
		if (!set->nerrors)
			log_err("cannot load policies: %s", strerror(-err));
		err = -EINVAL;
		goto out;
	}
	err = policy_compile(set, &be, out);
	if (err)
		log_err("cannot compile policies: %s", strerror(-err));
out:
	policy_set_free(set);
	return err;
}

/* The policies and rule counts that metrics and status report. */
static void stats_set_policies(struct stats_counters *s,
			       const struct rtg_compiled *c)
{
	int h, i;

	s->npolicies = 0;
	memset(s->rules, 0, sizeof(s->rules));
	for (i = 0; i < c->npolicies && i < RTG_MAX_POLICIES; i++)
		snprintf(s->policy[i], sizeof(s->policy[i]), "%s",
			 c->policy_names[i] ?: "");
	s->npolicies = i;
	for (h = 0; h < RTG_NHOOKS; h++)
		for (i = 0; i < c->nrules[h]; i++)
			if (c->rules[h][i].policy >= 0 &&
			    c->rules[h][i].policy < s->npolicies)
				s->rules[c->rules[h][i].policy][h]++;
}

static int write_config(struct agent *a)
{
	return maps_write_config(a->skel, a->gen, a->opts.dry_run,
				 probe_ok(a->probe, RTG_FEAT_LSM));
}

int agent_install_policies(struct agent *a)
{
	struct rtg_map_fds fds;
	int err;

	if (a->adopted) {
		/* the previous agent's programs still read the generation in
		 * force: fill the other one, then flip */
		uint8_t ng = maps_active_gen(a->skel) ^ 1;

		a->comp[ng] = a->comp[0];
		if (ng)
			a->comp[0] = NULL;
		maps_purge_gen(a->skel, ng);
		a->gen = ng;
	}
	maps_rule_fds(a->skel, &fds);
	err = policy_apply(a->comp[a->gen], a->gen, &fds);
	if (err) {
		log_err("cannot write policy maps: %s", strerror(-err));
		return err;
	}
	agent_selectors_fill(a, a->gen); /* before the flip: selectors.c */
	stats_set_policies(&a->stats, a->comp[a->gen]);
	write_config(a);
	return 0;
}

/* Atomic policy switch: fill the idle generation, flip the index the
 * programs read, then empty the old generation once no program can still
 * be using it. */
int agent_reload(struct agent *a)
{
	struct rtg_compiled *c = NULL;
	struct rtg_map_fds fds;
	uint8_t ng = a->gen ^ 1;
	struct timespec grace = { 0, 20 * 1000 * 1000 };
	int err;

	err = agent_compile_policies(&a->opts, a->probe, &c);
	if (err) {
		a->stats.reloads_failed++;
		log_err("policy reload rejected; the previous policies stay in force");
		return err;
	}
	/* records still queued from generation ng were decided by the
	 * policies about to be replaced: name their rules first */
	if (a->rb)
		do {
			a->batch = 0;
		} while (ring_buffer__consume(a->rb) == -EAGAIN);
	maps_rule_fds(a->skel, &fds);
	if (a->comp[ng]) {
		policy_clear(a->comp[ng], ng, &fds);
		policy_compiled_free(a->comp[ng]);
		a->comp[ng] = NULL;
	} else if (a->adopted) {
		maps_purge_gen(a->skel, ng); /* the previous agent's rules */
	}
	err = policy_apply(c, ng, &fds);
	if (err) {
		policy_clear(c, ng, &fds);
		policy_compiled_free(c);
		a->stats.reloads_failed++;
		log_err("policy reload failed writing maps: %s; the previous policies stay in force",
			strerror(-err));
		return err;
	}
	a->comp[ng] = c;
	agent_selectors_fill(a, ng); /* before the flip: selectors.c */
	a->gen = ng;
	write_config(a);
	stats_set_policies(&a->stats, c);
	if (a->enf)
		enforcer_update(a->enf, c, ng);
	/* programs that read the old index finish within microseconds */
	nanosleep(&grace, NULL);
	policy_clear(a->comp[ng ^ 1], ng ^ 1, &fds);
	agent_selectors_clear(a, ng ^ 1);
	a->stats.reloads_ok++;
	log_info("policies reloaded (generation %u)", ng);
	return 0;
}

/* Watch the policy files' directories: editors replace files, Kubernetes
 * swaps the ..data symlink of a ConfigMap volume. */
void agent_watch_policies(struct agent *a)
{
	int i;

	if (!a->opts.npolicy_paths)
		return;
	a->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->inotify_fd < 0) {
		log_warn("inotify unavailable (%s): reload with SIGHUP",
			 strerror(errno));
		return;
	}
	for (i = 0; i < a->opts.npolicy_paths; i++) {
		const char *p = a->opts.policy_paths[i];
		char dir[PATH_MAX];
		struct stat st;

		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(dir, sizeof(dir), "%s", p);
		} else {
			const char *slash = strrchr(p, '/');

			if (slash)
				snprintf(dir, sizeof(dir), "%.*s",
					 (int)(slash - p ? slash - p : 1), p);
			else
				snprintf(dir, sizeof(dir), ".");
		}
		if (inotify_add_watch(a->inotify_fd, dir,
				      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
					      IN_DELETE | IN_MOVED_FROM) < 0)
			log_warn("cannot watch %s: %s", dir, strerror(errno));
	}
}

/* Does a change to `name` in a watched directory concern the policies? */
static bool policy_name_relevant(const struct agent *a, const char *name)
{
	size_t n = strlen(name);
	int i;

	if (!strcmp(name, "..data")) /* Kubernetes ConfigMap swap */
		return true;
	if (name[0] == '.')
		return false;
	if ((n > 5 && !strcmp(name + n - 5, ".yaml")) ||
	    (n > 4 && !strcmp(name + n - 4, ".yml")))
		return true;
	for (i = 0; i < a->opts.npolicy_paths; i++) {
		const char *p = a->opts.policy_paths[i];
		const char *base = strrchr(p, '/');

		if (!strcmp(base ? base + 1 : p, name))
			return true;
	}
	return false;
}

bool agent_policies_changed(struct agent *a)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;
	ssize_t n;

	while ((n = read(a->inotify_fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->len && policy_name_relevant(a, ev->name))
				any = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return any;
}
