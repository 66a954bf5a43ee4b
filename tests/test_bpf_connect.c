// SPDX-License-Identifier: GPL-2.0
/*
 * connect.bpf.c on its own (see test_bpf.h): connect4/connect6 on a cgroup
 * of the test's own, EPERM and records.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_util.h"
#include "test.h"
#include "test_bpf.h"

/* connect from the test's cgroup: a deny rule refuses with EPERM before
 * the connect, an audit rule reports and lets it through, anything else
 * passes unseen. */
TEST(bpf_connect_cgroup)
{
	int ls[2] = { -1, -1 }, port[2], denied, status, i;
	const struct rtg_connect *c;
	char policy[1024];
	struct fix f;

	TEST_NEED_ROOT();
	if (!fix_open(&f, 0) || !fix_cgroup(&f))
		goto out;
	/* port[0] stays closed: denied; port[1] listens: audited */
	for (i = 0; i < 2; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sa);

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ls[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (!ASSERT_OK(bind(ls[i], (void *)&sa, sizeof(sa)), "bind") ||
		    !ASSERT_OK(getsockname(ls[i], (void *)&sa, &sl), "port"))
			goto out;
		port[i] = ntohs(sa.sin_port);
	}
	if (!ASSERT_OK(listen(ls[1], 4), "listen"))
		goto out;
	snprintf(policy, sizeof(policy),
		 "name: bpf-test\n"
		 "defaults: { exec: allow, open: allow, connect: allow }\n"
		 "rules:\n"
		 "  - name: deny-port\n"
		 "    on: connect\n"
		 "    match: { daddr: [127.0.0.1/32], dport: [%d] }\n"
		 "    action: deny\n"
		 "  - name: audit-port\n"
		 "    on: connect\n"
		 "    match: { dport: [%d], protocol: [tcp] }\n"
		 "    action: audit\n",
		 port[0], port[1]);
	if (!fix_policy(&f, policy, 0, 0))
		goto out;
	denied = net_connect(AF_INET, "127.0.0.1", port[0], SOCK_STREAM);
	ASSERT_EQ(denied, -ECONNREFUSED, "outside the cgroup: no rules");

	f.pid = fork();
	if (f.pid == 0) {
		char procs[sizeof(f.cg) + 16];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", f.cg);
		if (put_file(procs, "0\n"))
			_exit(100);
		if (net_connect(AF_INET, "127.0.0.1", port[0], SOCK_STREAM) !=
		    -EPERM)
			_exit(101);
		if (net_connect(AF_INET, "127.0.0.1", port[1], SOCK_STREAM))
			_exit(102);
		if (net_connect(AF_INET6, "::ffff:127.0.0.1", port[1],
				SOCK_STREAM))
			_exit(103);
		_exit(0);
	}
	waitpid(f.pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status), "child exits");
	ASSERT_EQ(WEXITSTATUS(status), 0,
		  "EPERM on the denied port, connects on the audited one");

	c = fix_wait(&f, RTG_EV_CONNECT, 2);
	if (!ASSERT_TRUE(c, "three connect records"))
		goto out;
	c = fix_wait(&f, RTG_EV_CONNECT, 0);
	ASSERT_EQ(c->hdr.action, RTG_ACT_DENY, "deny");
	ASSERT_EQ(c->hdr.mech, RTG_MECH_CGROUP, "by the cgroup hook");
	ASSERT_EQ(c->hdr.flags & RTG_F_ENFORCED, RTG_F_ENFORCED, "enforced");
	ASSERT_EQ(c->hdr.rule, 0, "rule 0");
	ASSERT_EQ(c->hdr.ppid, getpid(), "ppid from the procs entry");
	ASSERT_EQ(c->family, AF_INET, "family");
	ASSERT_EQ(c->protocol, IPPROTO_TCP, "protocol");
	ASSERT_EQ(c->dport, port[0], "dport, host order");
	ASSERT_TRUE(!memcmp(c->daddr, "\x7f\0\0\x01", 4), "daddr 127.0.0.1");
	c = fix_wait(&f, RTG_EV_CONNECT, 1);
	ASSERT_EQ(c->hdr.action, RTG_ACT_AUDIT, "audit");
	ASSERT_EQ(c->hdr.flags & RTG_F_ENFORCED, 0, "not enforced");
	ASSERT_EQ(c->hdr.rule, 1, "rule 1");
	ASSERT_EQ(c->dport, port[1], "dport");
	c = fix_wait(&f, RTG_EV_CONNECT, 2);
	ASSERT_EQ(c->family, AF_INET, "v4-mapped v6 folded to AF_INET");
	ASSERT_TRUE(!memcmp(c->daddr, "\x7f\0\0\x01", 4), "folded daddr");
	ASSERT_EQ(c->hdr.rule, 1, "v6 socket: rule 1");
out:
	for (i = 0; i < 2; i++)
		if (ls[i] >= 0)
			close(ls[i]);
	fix_close(&f);
}
