/* SPDX-License-Identifier: MIT */
/*
 * Live-test load for the auditd parity test: a mix of the calls whose
 * records auditd interprets, each counted here, independently of any
 * daemon. Usage: helper-parity load DIR KEY   (DIR holds "exists" and
 * "with space \xc3\xa9"; the test makes them). Prints one line per kind of call
 * made (syscall, success yes/no, count), e.g. "openat no 3", and "user sent
 * 1" for a user-space message (type USER) that names KEY and holds a newline
 * and a 0x1d byte, which auditd copies into its log differently from needle.
 *
 * Only calls a test's rules can pick out are made through this binary's own
 * code: openat with flags nothing else uses (O_RDONLY|O_NOCTTY|O_NONBLOCK,
 * for -F a2=0x900; the loader opens libraries with O_CLOEXEC), connect and
 * execve (nothing in the C library's start-up makes them). The children it
 * runs are itself in "child" mode, which only exits.
 *
 * Last, a child takes other ids, so the records carry more than root:
 * login uid 65534 (the kernel writes a LOGIN record; where login uids are
 * immutable it refuses, and the child goes on), real uid and gids
 * 65534 (nobody, nogroup on Debian), effective uid 4242 (no name), and
 * makes one openat and one connect. Only that child's ids change.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOAD_FLAGS (O_RDONLY | O_NOCTTY | O_NONBLOCK)
_Static_assert(LOAD_FLAGS == 0x900, "the test's rule says -F a2=0x900");

static unsigned made[3][2]; /* [openat, connect, execve][failed, succeeded] */
static const char *const names[3] = { "openat", "connect", "execve" };

static void count(int call, int rc)
{
	made[call][rc >= 0]++;
}

static void load_openat(const char *dir)
{
	static const char *const files[] = { "missing-1", "missing-2", "exists", "with space \xc3\xa9",
					     "exists" };
	char path[4096];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		fd = openat(AT_FDCWD, path, LOAD_FLAGS);
		count(0, fd);
		if (fd >= 0)
			close(fd);
	}
}

/* A connect of a fresh socket; the socket is closed again. */
static void try_connect(int domain, const void *addr, socklen_t len)
{
	int s = socket(domain, SOCK_STREAM, 0);

	if (s < 0) {
		perror("socket");
		exit(2);
	}
	count(1, connect(s, addr, len));
	close(s);
}

static int listener(int domain, void *addr, socklen_t len)
{
	int s = socket(domain, SOCK_STREAM, 0);

	if (s < 0 || bind(s, addr, len) < 0 || listen(s, 8) < 0) {
		perror("listener");
		exit(2);
	}
	return s;
}

static void load_inet(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(in);
	int l = listener(AF_INET, &in, sizeof(in)), closed;

	getsockname(l, (struct sockaddr *)&in, &len);
	try_connect(AF_INET, &in, sizeof(in));   /* accepted into the backlog */
	/* A port just given back: refused. */
	in.sin_port = 0;
	closed = listener(AF_INET, &in, sizeof(in));
	len = sizeof(in);
	getsockname(closed, (struct sockaddr *)&in, &len);
	close(closed);
	try_connect(AF_INET, &in, sizeof(in));
	close(l);
	/* IPv6 loopback, when this kernel has it. */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	if (l >= 0 && bind(l, (struct sockaddr *)&in6, sizeof(in6)) == 0 && listen(l, 8) == 0) {
		len = sizeof(in6);
		getsockname(l, (struct sockaddr *)&in6, &len);
		try_connect(AF_INET6, &in6, sizeof(in6));
	}
	if (l >= 0)
		close(l);
}

static void load_unix(const char *dir)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t abstract_len;
	int l, a;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s/sock", dir);
	l = listener(AF_UNIX, &un, sizeof(un));
	try_connect(AF_UNIX, &un, sizeof(un));
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/no-such-socket", dir);
	try_connect(AF_UNIX, &un, sizeof(un));
	/* An abstract name: a leading 0 and no terminating one. */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	abstract_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   (size_t)snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1,
						    "needle-parity-%d", (int)getpid()));
	a = listener(AF_UNIX, &un, abstract_len);
	try_connect(AF_UNIX, &un, abstract_len);
	close(a);
	close(l);
}

static void load_execve(const char *self, const char *dir)
{
	static char big[9000];
	char missing[4096];
	char *argv[] = { (char *)"helper-parity", (char *)"child", (char *)"two words",
			 (char *)"say \"hi\"", (char *)"it's", (char *)"h\xc3\xa9llo w\xc3\xb6rld \xe2\x98\x83",
			 (char *)"tab\there", big, (char *)"", NULL };
	char *env[] = { NULL };
	pid_t pid;
	int status;

	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "over 8 KiB ", 11);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		execve(self, argv, env);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child did not run\n");
		exit(2);
	}
	count(2, 0);
	/* And one that fails, in this process. */
	snprintf(missing, sizeof(missing), "%s/no-such-program", dir);
	count(2, execve(missing, argv, env));
}

static void load_ids(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	pid_t pid = fork();
	int status, fd;

	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		/* A kernel whose login uids are immutable refuses: go on
		 * without (the LOGIN record is then not made, nothing counts
		 * on it). */
		fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "65534", 5) != 5)
			perror("/proc/self/loginuid (going on without)");
		if (fd >= 0)
			close(fd);
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 4242, 0) < 0) {
			perror("setresuid");
			_exit(3);
		}
		fd = openat(AT_FDCWD, "/nonexistent/needle-parity", LOAD_FLAGS);
		printf("openat %s 1\n", fd < 0 ? "no" : "yes");
		in.sin_port = htons(1);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		printf("connect %s 1\n", connect(fd, (struct sockaddr *)&in, sizeof(in)) < 0 ? "no" : "yes");
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child with other ids failed\n");
		exit(2);
	}
}

/* A user-space message, as libaudit's audit_send_user_message() sends one:
 * the kernel logs it as type USER with msg='TEXT' (TEXT copied raw). */
static void load_user_message(const char *key)
{
	struct {
		struct nlmsghdr h;
		char text[256];
	} req = { .h = { .nlmsg_type = AUDIT_USER, .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 } };
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	int n = snprintf(req.text, sizeof(req.text),
			 "needle-parity %s: one line\nthen another, a group separator \x1d, the end", key);

	req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH((size_t)n + 1); /* the kernel wants the NUL */
	if (fd < 0 || sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			     sizeof(kernel)) < 0) {
		perror("audit user message");
		exit(2);
	}
	close(fd);
	printf("user sent 1\n");
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n;

	if (argc >= 2 && strcmp(argv[1], "child") == 0)
		return 0;
	if (argc != 4 || strcmp(argv[1], "load") != 0) {
		fprintf(stderr, "usage: helper-parity load DIR KEY\n");
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		perror("/proc/self/exe");
		return 2;
	}
	self[n] = '\0';
	load_openat(argv[2]);
	load_inet();
	load_unix(argv[2]);
	load_execve(self, argv[2]);
	load_user_message(argv[3]);
	fflush(stdout);
	load_ids();
	for (int c = 0; c < 3; c++)
		for (int ok = 0; ok < 2; ok++)
			if (made[c][ok])
				printf("%s %s %u\n", names[c], ok ? "yes" : "no", made[c][ok]);
	return 0;
}
