// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads in operations, with real podman containers: `rtguard status`
 * lists a running container with its names and event count and forgets it
 * once the container is removed (its cgroup gone); `rtguard events
 * --namespace/--pod/--container` keeps exactly one workload's events; the
 * socket request's new keys. The podman tests skip, saying why, where
 * podman cannot run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "podman_util.h"
#include "server.h"
#include "test.h"
#include "workload_util.h"

/* The agent with its own socket in its temp dir (path into sock). */
static int start_with_socket(struct agent_run *a, char *sock, size_t len)
{
	static char path[160];
	char dir[] = "/tmp/rtg-wlops-XXXXXX";

	if (!test_mkdtemp(dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	snprintf(sock, len, "%s", path);
	return agent_start(a, N("--socket", path));
}

/* `rtguard status --output json` parsed, or NULL. */
static json_t *status_json(const char *sock)
{
	char *argv[] = {(char *)test_rtguard_bin(),
			"status",
			"--socket",
			(char *)sock,
			"--output",
			"json",
			NULL};
	static char out[1 << 20];
	json_t *j;

	if (run_cmd(argv, out, sizeof(out)))
		return NULL;
	j = json_loads(strstr(out, "{") ?: "", JSON_DISABLE_EOF_CHECK, NULL);
	return j;
}

/* The status entry of container id, or NULL (borrowed from st). */
static json_t *status_workload(json_t *st, const char *id)
{
	json_t *ws = json_object_get(st, "workloads"), *w;
	size_t i;

	json_array_foreach(ws, i, w)
	{
		json_t *cid =
		    json_object_get(json_object_get(w, "container"), "id");

		if (json_is_string(cid) && !strcmp(json_string_value(cid), id))
			return w;
	}
	return NULL;
}

static const char *jstr(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool gone_from_status(const char *sock, const char *id)
{
	json_t *st = status_json(sock);
	bool gone = st && !status_workload(st, id);

	json_decref(st);
	return gone;
}

TEST_T(workload_status_and_removal, 240)
{
	char name[64], id[65], out[1024], sock[160], *argv[8], *text;
	struct test_event *ev;
	struct agent_run a;
	json_t *st, *w;
	int pid;

	need_podman();
	snprintf(name, sizeof(name), "rtgwo-st-%d", getpid());
	if (!ASSERT_OK(start_with_socket(&a, sock, sizeof(sock)),
		       "agent_start"))
		return;
	pid = podman_run(
	    name,
	    N("--annotation", "io.kubernetes.cri.container-name=web",
	      "--annotation", "io.kubernetes.cri.sandbox-name=web-7d9f",
	      "--annotation", "io.kubernetes.cri.sandbox-namespace=shop",
	      "--annotation", "io.kubernetes.cri.sandbox-uid=" UID),
	    out, sizeof(out));
	if (!pid)
		test_skip("podman cannot run containers here: %s", out);
	if (!ASSERT_TRUE(podman_id(name, id), "container id"))
		goto out;
	ev = agent_wait_event(&a, 10000,
			      EV_WHERE(EV_STR("type", "exec"),
				       EV_STR("process.container_id", id)));
	ASSERT_TRUE(ev, "an exec of the container");
	test_event_free(ev);

	st = status_json(sock);
	w = st ? status_workload(st, id) : NULL;
	if (ASSERT_TRUE(w, "status lists the container")) {
		ASSERT_STREQ(jstr(w, "runtime", NULL), "podman", "runtime");
		ASSERT_STREQ(jstr(w, "container", "name"), "web", "name");
		ASSERT_STREQ(jstr(w, "container", "image"), PODMAN_IMAGE,
			     "image");
		ASSERT_STREQ(jstr(w, "pod", "namespace"), "shop", "namespace");
		ASSERT_STREQ(jstr(w, "pod", "name"), "web-7d9f", "pod");
		ASSERT_TRUE(
		    json_integer_value(json_object_get(w, "cgroup_id")) > 0,
		    "cgroup");
		ASSERT_GE(json_integer_value(json_object_get(w, "events")), 1,
			  "its events are counted");
	}
	json_decref(st);
	/* the table names it too */
	argv[0] = (char *)test_rtguard_bin();
	argv[1] = "status";
	argv[2] = "--socket";
	argv[3] = sock;
	argv[4] = NULL;
	text = calloc(1, 1 << 20);
	if (text && !run_cmd(argv, text, 1 << 20)) {
		ASSERT_STRCONTAINS(text, "shop/web-7d9f/web", "status table");
		ASSERT_STRCONTAINS(text, "WORKLOADS", "status table");
	}
	free(text);

	/* removed: its cgroup goes, and the agent forgets it */
	podman_rm(name);
	ASSERT_TRUE(wait_until(gone_from_status(sock, id), 10000),
		    "status forgets the removed container");
	/* an exec on the host after it: no container metadata anywhere but
	 * in the container's own events */
	pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", "rtgwo-after-rm", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	ev = agent_wait_event(&a, 5000, EV_EXEC_MARKER("rtgwo-after-rm"));
	if (ASSERT_TRUE(ev, "host exec after the removal"))
		ASSERT_TRUE(!ev_get(ev->root, "process.container"),
			    "no container on the host");
	test_event_free(ev);
out:
	podman_rm(name);
	agent_stop(&a);
}

/* `rtguard events` with filters, its output into path. */
static pid_t spawn_events(const char *sock, const char *path,
			  const char *errpath, const char *const *filters)
{
	const char *argv[16] = {test_rtguard_bin(), "events", "--socket", sock,
				"--output",	    "json"};
	int n = 6, fd;
	pid_t pid;

	while (filters && *filters && n < 15)
		argv[n++] = *filters++;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

struct only {
	const char *id;
	int others, ours;
};

static void count_ids(const struct test_event *e, void *arg)
{
	struct only *o = arg;
	const char *id = ev_str(e, "process.container_id");

	if (!strcmp(ev_str(e, "type") ?: "", "lost"))
		return;
	if (id && !strcmp(id, o->id))
		o->ours++;
	else
		o->others++;
}

TEST_T(workload_events_filters, 240)
{
	char web[64], api[64], idw[65], ida[65], out[1024], sock[160];
	char path[3][160], err[3][160];
	const char *const *filters[3] = {
	    N("--namespace", "shop", "--pod", "web-7d9f", "--container", "web"),
	    N("--namespace", "shop"),
	    N("--container", "nosuch"),
	};
	struct only o[3] = {};
	struct agent_run a;
	pid_t ev[3];
	int k;

	need_podman();
	snprintf(web, sizeof(web), "rtgwo-web-%d", getpid());
	snprintf(api, sizeof(api), "rtgwo-api-%d", getpid());
	if (!ASSERT_OK(start_with_socket(&a, sock, sizeof(sock)),
		       "agent_start"))
		return;
	for (k = 0; k < 3; k++) {
		snprintf(path[k], sizeof(path[k]), "%s/filter-%d.out", a.dir,
			 k);
		snprintf(err[k], sizeof(err[k]), "%s/filter-%d.err", a.dir, k);
		ev[k] = spawn_events(sock, path[k], err[k], filters[k]);
		ASSERT_TRUE(
		    wait_until(file_contains(err[k], "subscribed"), 10000),
		    "rtguard events subscribed");
	}
	if (!podman_run(
		web,
		N("--annotation", "io.kubernetes.cri.container-name=web",
		  "--annotation", "io.kubernetes.cri.sandbox-name=web-7d9f",
		  "--annotation", "io.kubernetes.cri.sandbox-namespace=shop"),
		out, sizeof(out)))
		test_skip("podman cannot run containers here: %s", out);
	ASSERT_TRUE(
	    podman_run(api,
		       N("--annotation", "io.kubernetes.cri.container-name=api",
			 "--annotation",
			 "io.kubernetes.cri.sandbox-name=api-5c8d",
			 "--annotation",
			 "io.kubernetes.cri.sandbox-namespace=payments"),
		       out, sizeof(out)),
	    out);
	if (!ASSERT_TRUE(podman_id(web, idw) && podman_id(api, ida), "ids"))
		goto out;
	ASSERT_TRUE(
	    wait_until(events_has(path[0], EV_WHERE(EV_STR(
					       "process.container_id", idw))),
		       10000),
	    "the web container's events pass the filter");
	ASSERT_TRUE(wait_until(agent_count_events(
				   &a, EV_WHERE(EV_STR("process.container_id",
						       ida))) > 0,
			       10000),
		    "the agent saw the api container");
	/* a host exec after both: once it is in the agent's output, the
	 * subscribers have been sent everything before it */
	run_cmd((char *const[]){"/bin/true", "rtgwo-filters-end", NULL}, NULL,
		0);
	ASSERT_TRUE(
	    wait_until(events_has(a.out, EV_WHERE(EV_STR("process.args[1]",
							 "rtgwo-filters-end"))),
		       5000),
	    "host exec");
	usleep(300 * 1000);
	for (k = 0; k < 3; k++) {
		kill(ev[k], SIGTERM);
		waitpid(ev[k], NULL, 0);
	}
	o[0].id = idw;
	o[1].id = idw;
	o[2].id = idw;
	for (k = 0; k < 3; k++)
		events_each(path[k], NULL, count_ids, &o[k]);
	ASSERT_GE(o[0].ours, 1, "ns/pod/container: the web container's");
	ASSERT_EQ(o[0].others, 0, "ns/pod/container: nothing else");
	ASSERT_GE(o[1].ours, 1, "--namespace shop: the web container's");
	ASSERT_EQ(o[1].others, 0, "--namespace shop: not payments, not host");
	ASSERT_EQ(o[2].ours + o[2].others, 0, "an unknown container: none");
out:
	podman_rm(web);
	podman_rm(api);
	agent_stop(&a);
}

TEST(workload_events_request)
{
	struct sock_msg m;
	char err[256], big[400];

	ASSERT_OK(sock_msg_parse("{\"cmd\":\"events\",\"namespace\":\"shop\","
				 "\"pod\":\"web-7d9f\",\"container\":\"web\"}",
				 &m, err, sizeof(err)),
		  err);
	ASSERT_STREQ(m.ns, "shop", "namespace");
	ASSERT_STREQ(m.pod, "web-7d9f", "pod");
	ASSERT_STREQ(m.container, "web", "container");
	memset(big, 'x', sizeof(big));
	snprintf(big, sizeof(big), "{\"cmd\":\"events\",\"pod\":\"%0254d\"}",
		 0);
	ASSERT_EQ(sock_msg_parse(big, &m, err, sizeof(err)), -EINVAL,
		  "a pod name too long");
	ASSERT_STRCONTAINS(err, "pod too long", "says which");
}
