/* SPDX-License-Identifier: MIT */
/*
 * A server that, like dnsmasq, unbound or squid, talks to libraries' own
 * peers during start-up before it listens (tests/e2e/phases_generic_server.sh):
 *   1. getifaddrs(): glibc asks the kernel over netlink (socket, bind,
 *      sendto, recvmsg waiting for the reply);
 *   2. a DNS-like exchange: a UDP socket connected to 127.0.0.1:DNSPORT,
 *      a query sent, poll() for the answer, recvfrom();
 *   3. only then its own service: a TCP socket bound to 127.0.0.1 (any
 *      port, printed as "port N"), listen, and a loop accepting clients
 *      that each send one line and get it back; "quit" ends it.
 * The generic rules must start its steady state at accept, not at the
 * netlink or UDP reply: that phase must hold neither socket, bind nor listen.
 *   netlink_serve DNSPORT
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

/* The DNS-like request/reply: what a resolver does before the server serves. */
static int ask_resolver(int port)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char reply[512];
	struct pollfd pfd;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	if (fd < 0)
		return fail("socket(udp)");
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0)
		return fail("connect(udp)");
	if (send(fd, "query example.org", 17, 0) != 17)
		return fail("send(udp)");
	pfd = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&pfd, 1, 10000) != 1)
		return fail("poll(udp)");
	n = recvfrom(fd, reply, sizeof(reply), 0, NULL, NULL);
	if (n <= 0)
		return fail("recvfrom(udp)");
	close(fd);
	return 0;
}

static int serve(void)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t len = sizeof(addr);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0)
		return fail("socket(tcp)");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		return fail("bind/listen");
	printf("port %d\n", ntohs(addr.sin_port));
	fflush(stdout);
	for (;;) {
		char line[256];
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		ssize_t n;

		if (cfd < 0)
			return fail("accept4");
		n = read(cfd, line, sizeof(line) - 1);
		if (n > 0 && write(cfd, line, (size_t)n) != n)
			perror("write");
		close(cfd);
		if (n >= 4 && memcmp(line, "quit", 4) == 0)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct ifaddrs *ifa;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: netlink_serve DNSPORT\n");
		return 2;
	}
	if (getifaddrs(&ifa) < 0)
		return fail("getifaddrs");
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
		n++;
	freeifaddrs(ifa);
	printf("interfaces %d\n", n);
	if (ask_resolver(atoi(argv[1])) != 0)
		return 1;
	return serve();
}
