// SPDX-License-Identifier: GPL-2.0
/*
 * probe_guest: tiny static helper for the LSM guest test (tests/lsm/).
 * Does one operation and prints its outcome as one line, so the shell test
 * can assert the exact errno instead of a tool's wording:
 *
 *   probe_guest open PATH                 -> "open: ok N" | "open: EPERM"
 *   probe_guest exec PATH [ARG...]        -> runs PATH | "exec: EPERM"
 *   probe_guest connect ADDR PORT [udp]   -> "connect: ok" | "connect: EPERM"
 *   probe_guest listen ADDR PORT          -> accepts and closes, forever
 *   probe_guest hello                     -> "hello" (the exec-deny target)
 *
 * ADDR is IPv4 or IPv6 (e.g. ::ffff:127.0.0.1). Exit 0 on success, 1 when
 * the operation failed, 2 on bad usage. Connects stay where the test points
 * them (127.0.0.0/8, ::1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *op, int err)
{
	const char *name = strerrorname_np(err);

	printf("%s: %s (%s)\n", op, name ? name : "E?", strerror(err));
	return 1;
}

static int parse_addr(const char *s, int port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static int do_open(const char *path)
{
	char buf[4096];
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", errno);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	printf("open: ok %zd\n", total);
	return 0;
}

static int do_connect(const char *addr, int port, int udp)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (parse_addr(addr, port, &ss, &len)) {
		fprintf(stderr, "probe_guest: bad address '%s'\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int err = errno;

		close(fd);
		return fail("connect", err);
	}
	close(fd);
	printf("connect: ok\n");
	return 0;
}

static int do_listen(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_addr(addr, port, &ss, &len)) {
		fprintf(stderr, "probe_guest: bad address '%s'\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("bind", errno);
	if (listen(fd, 64) < 0)
		return fail("listen", errno);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "hello")) {
		printf("hello\n");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "open"))
		return do_open(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "exec")) {
		execv(argv[2], argv + 2);
		return fail("exec", errno);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "connect"))
		return do_connect(argv[2], atoi(argv[3]),
				  argc == 5 && !strcmp(argv[4], "udp"));
	if (argc == 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], atoi(argv[3]));
	fprintf(stderr,
		"usage: probe_guest open PATH | exec PATH [ARG...] | "
		"connect ADDR PORT [udp] | listen ADDR PORT | hello\n");
	return 2;
}
