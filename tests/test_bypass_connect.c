// SPDX-License-Identifier: GPL-2.0
/*
 * Bypass resistance (see test_bypass.c): connect to a denied address by
 * every family and socket type, TCP Fast Open, and UDP sendto without a
 * connect (a known limit: no cgroup/sendmsg hook).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bypass_util.h"
#include "test.h"

struct conn_case {
	const char *name, *what;
	int family;
	const char *addr;
	bool v6_port; /* the port of the ::1 listener */
	int type;
	int want; /* connect()'s result */
};

static const struct conn_case conn_cases[] = {
	{ "tcp4", "TCP connect to the denied address", AF_INET, "127.0.0.2",
	  false, SOCK_STREAM, -EPERM },
	{ "tcp_v4mapped", "v4-mapped IPv6 TCP connect", AF_INET6,
	  "::ffff:127.0.0.2", false, SOCK_STREAM, -EPERM },
	{ "udp_v4mapped", "v4-mapped IPv6 UDP connect", AF_INET6,
	  "::ffff:127.0.0.2", false, SOCK_DGRAM, -EPERM },
	{ "udp4", "UDP connect", AF_INET, "127.0.0.2", false, SOCK_DGRAM,
	  -EPERM },
	{ "tcp6", "IPv6 TCP connect to ::1", AF_INET6, "::1", true,
	  SOCK_STREAM, -EPERM },
	{ "neighbour", "the neighbour address is not denied", AF_INET,
	  "127.0.0.1", false, SOCK_STREAM, -ECONNREFUSED },
};

/* TCP Fast Open: sendto(MSG_FASTOPEN) connects inside sendmsg;
 * __inet_stream_connect runs the pre_connect (cgroup connect4) hook */
static void fast_open(int port)
{
	struct sockaddr_storage ss;
	int sl = sock_addr(AF_INET, "127.0.0.2", port, &ss), s, r, one = 1;

	s = socket(AF_INET, SOCK_STREAM, 0);
	r = sendto(s, "x", 1, MSG_FASTOPEN, (void *)&ss, sl) < 0 ? -errno : 0;
	close(s);
	ASSERT_EQ(r, -EPERM, "TCP Fast Open sendto(MSG_FASTOPEN)");
	/* TCP_FASTOPEN_CONNECT: the connect() is deferred to the write */
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one));
	r = connect(s, (void *)&ss, sl) ? -errno : 0;
	if (!r)
		r = write(s, "x", 1) < 0 ? -errno : 0;
	close(s);
	ASSERT_EQ(r, -EPERM, "TCP_FASTOPEN_CONNECT");
}

/* LIMIT: UDP sendto without connect: cgroup/sendmsg4|6 is not hooked, the
 * datagram goes out */
static void udp_sendto(int ul, int uport)
{
	struct sockaddr_storage ss;
	int sl = sock_addr(AF_INET, "127.0.0.2", uport, &ss), s, r;
	char buf[32];
	ssize_t n;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	r = sendto(s, "udp-bypass", 10, 0, (void *)&ss, sl) < 0 ? -errno : 0;
	close(s);
	ASSERT_OK(r, "UDP sendto without connect is sent: a known limit");
	n = recv(ul, buf, sizeof(buf), MSG_DONTWAIT);
	ASSERT_EQ(n, 10, "and received: a known limit (no cgroup/sendmsg hook)");
}

TEST(bypass_connect)
{
	int tl, ul, t6, port = 0, port6 = 0, uport;
	struct test_event *ev;
	struct agent_run a;
	char rules[1024];
	size_t i;

	TEST_NEED_ROOT();
	tl = net_listen(AF_INET, SOCK_STREAM, "127.0.0.2", &port);
	uport = port;
	ul = net_listen(AF_INET, SOCK_DGRAM, "127.0.0.2", &uport);
	t6 = net_listen(AF_INET6, SOCK_STREAM, "::1", &port6);
	if (!ASSERT_TRUE(tl >= 0 && ul >= 0 && t6 >= 0, "listeners"))
		return;
	snprintf(rules, sizeof(rules),
		 "  - name: denied-addr\n"
		 "    on: connect\n"
		 "    match: { daddr: [127.0.0.2/32, \"::1/128\"], dport: [%d, %d] }\n"
		 "    action: deny\n",
		 port, port6);
	if (!ASSERT_OK(bypass_start(&a, rules), "agent_start"))
		return;
	for (i = 0; i < ARRAY_SIZE(conn_cases); i++) {
		const struct conn_case *c = &conn_cases[i];

		if (!test_subtest(c->name))
			continue;
		ASSERT_EQ(net_connect(c->family, c->addr,
				      c->v6_port ? port6 : port, c->type),
			  c->want, c->what);
	}
	if (test_subtest("fast_open"))
		fast_open(port);
	if (test_subtest("udp_sendto_limit"))
		udp_sendto(ul, uport);
	if (test_subtest("deny_event")) {
		/* a deny of its own: the subtest stands alone */
		ASSERT_EQ(net_connect(AF_INET6, "::ffff:127.0.0.2", port,
				      SOCK_STREAM),
			  -EPERM, "v4-mapped IPv6 TCP connect");
		ev = agent_wait_event(&a, 5000,
				      EV_WHERE(EV_STR("type", "connect"),
					       EV_STR("action", "deny"),
					       EV_STR("connect.daddr",
						      "127.0.0.2")));
		ASSERT_TRUE(ev, "connect deny event (v4-mapped folded to inet)");
		test_event_free(ev);
	}
	test_subtest_end();
	agent_stop(&a);
	close(tl);
	close(ul);
	close(t6);
}
