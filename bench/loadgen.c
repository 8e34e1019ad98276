/* SPDX-License-Identifier: MIT */
/*
 * needle-loadgen: the audited workload. THREADS threads each make COUNT
 * calls, flat out or paced to a total --rate, and the program prints how
 * fast they went. The calls, in the --mix of weights (default openat only):
 *
 *   openat   of a path that does not exist (ENOENT): with
 *            -F exe=.../needle-loadgen -F exit=-ENOENT, one event of five
 *            records (SYSCALL, CWD, PATH, PROCTITLE, EOE)
 *   connect  to a closed TCP port on 127.0.0.1 (ECONNREFUSED): with
 *            -F exit=-ECONNREFUSED, one event (SYSCALL, SOCKADDR, PROCTITLE, EOE)
 *   execve   of this program with --noop, in a child that exits at once:
 *            with -F success=1, one event (SYSCALL, EXECVE, CWD, PATHs,
 *            PROCTITLE, EOE)
 *
 * The program needs only libc, so the dynamic loader makes no failing
 * openat() of its own under the rule, and an execve'd child none either.
 *
 * usage: needle-loadgen [--mix openat=W,connect=W,execve=W] [--rate CALLS/S]
 *                       [--port PORT] [--wait-stdin] THREADS COUNT [PATH]
 * --wait-stdin: print "waiting" and start when a byte (or end of file)
 * arrives on stdin, so a caller can add its rules after this program's own
 * execve. The line is the signal, not /proc/PID/exe: exe names this
 * program before the execve has returned, and a rule on execve added in
 * between would catch that execve too (one event more than the calls).
 * The last line is "N calls ... in S s: R calls/s"; before it, one line
 * "mix openat N connect N execve N failed N" for scripts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum kind { OPENAT, CONNECT, EXECVE, KINDS };
static const char *const kind_name[KINDS] = { "openat", "connect", "execve" };

struct load {
	unsigned long count;
	double per_second;      /* this thread's pace, 0 for flat out */
	const char *path;
	unsigned weight[KINDS];
	unsigned long done[KINDS];
	unsigned long unexpected; /* calls that did not fail (or succeed) as intended */
};

static const char *self_exe;
static struct sockaddr_in closed_port;

static int do_openat(const struct load *l)
{
	return openat(AT_FDCWD, l->path, O_RDONLY) < 0 && errno == ENOENT;
}

static int do_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	ok = connect(fd, (const struct sockaddr *)&closed_port, sizeof(closed_port)) < 0 &&
	     errno == ECONNREFUSED;
	close(fd);
	return ok;
}

static int do_execve(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 0;
	if (pid == 0) {
		char *argv[] = { (char *)"needle-loadgen", (char *)"--noop", NULL };
		char *envp[] = { NULL };

		execve(self_exe, argv, envp);
		_exit(127);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct load *l = arg;
	unsigned total = l->weight[OPENAT] + l->weight[CONNECT] + l->weight[EXECVE], slot = 0;
	double start = now();

	for (unsigned long i = 0; i < l->count; i++) {
		enum kind k = OPENAT;
		unsigned s = slot++ % total;
		int ok;

		/* Weights in a fixed round: openat=3,execve=1 is o o o e. */
		while (s >= l->weight[k])
			s -= l->weight[k++];
		ok = k == OPENAT ? do_openat(l) : k == CONNECT ? do_connect() : do_execve();
		l->done[k]++;
		l->unexpected += !ok;
		if (l->per_second > 0) {
			double due = start + (double)(i + 1) / l->per_second, wait = due - now();

			if (wait > 0) {
				struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
	}
	return NULL;
}

static int parse_mix(const char *text, unsigned *weight)
{
	char copy[128], *save, *item;

	if (strlen(text) >= sizeof(copy))
		return -1;
	strcpy(copy, text);
	memset(weight, 0, sizeof(unsigned) * KINDS);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *end;
		unsigned long w;
		int k;

		if (!eq)
			return -1;
		*eq = '\0';
		for (k = 0; k < KINDS && strcmp(item, kind_name[k]); k++)
			;
		w = strtoul(eq + 1, &end, 10);
		if (k == KINDS || *end || eq[1] == '\0' || w > 1000)
			return -1;
		weight[k] = (unsigned)w;
	}
	return weight[OPENAT] + weight[CONNECT] + weight[EXECVE] ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: needle-loadgen [--mix openat=W,connect=W,execve=W] [--rate CALLS/S]\n"
			"                      [--port PORT] [--wait-stdin] THREADS(1-64) COUNT [PATH]\n");
}

int main(int argc, char **argv)
{
	static struct load loads[64];
	pthread_t t[64];
	unsigned weight[KINDS] = { 1, 0, 0 };
	unsigned long threads, count, unexpected = 0, done[KINDS] = { 0 };
	double rate = 0, seconds, start;
	unsigned port = 9; /* discard: closed on a normal machine */
	int a = 1;

	if (argc == 2 && strcmp(argv[1], "--noop") == 0)
		return 0; /* the execve'd child */
	bool wait_stdin = false;

	for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
		if (strcmp(argv[a], "--wait-stdin") == 0) {
			wait_stdin = true;
			a--;
			continue;
		}
		if (strcmp(argv[a], "--mix") == 0 && parse_mix(argv[a + 1], weight) == 0)
			continue;
		if (strcmp(argv[a], "--rate") == 0 && (rate = strtod(argv[a + 1], NULL)) > 0)
			continue;
		if (strcmp(argv[a], "--port") == 0 &&
		    (port = (unsigned)strtoul(argv[a + 1], NULL, 10)) >= 1 && port <= 65535)
			continue;
		fprintf(stderr, "needle-loadgen: bad option %s %s\n", argv[a], argv[a + 1]);
		usage();
		return 2;
	}
	if (argc - a < 2 || (threads = strtoul(argv[a], NULL, 10)) < 1 || threads > 64 ||
	    (count = strtoul(argv[a + 1], NULL, 10)) < 1) {
		usage();
		return 2;
	}
	self_exe = "/proc/self/exe";
	{
		static char path[4096];
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

		if (n > 0) {
			path[n] = '\0';
			self_exe = path;
		}
	}
	if (wait_stdin) {
		static const char waiting[] = "waiting\n";
		char go;

		if (write(STDOUT_FILENO, waiting, sizeof(waiting) - 1) < 0 ||
		    read(STDIN_FILENO, &go, 1) < 0)
			return 1;
	}
	closed_port = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	start = now();
	for (unsigned long i = 0; i < threads; i++) {
		loads[i] = (struct load){ .count = count,
					  .per_second = rate / (double)threads,
					  .path = argc - a > 2 ? argv[a + 2] : "/nonexistent/needle-loadgen" };
		memcpy(loads[i].weight, weight, sizeof(weight));
		if (pthread_create(&t[i], NULL, run, &loads[i]) != 0) {
			fprintf(stderr, "needle-loadgen: cannot start thread %lu\n", i);
			return 1;
		}
	}
	for (unsigned long i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		for (int k = 0; k < KINDS; k++)
			done[k] += loads[i].done[k];
		unexpected += loads[i].unexpected;
	}
	seconds = now() - start;
	printf("mix openat %lu connect %lu execve %lu unexpected %lu\n", done[OPENAT], done[CONNECT],
	       done[EXECVE], unexpected);
	printf("%lu calls (%lu unexpected results) in %.3f s: %.0f calls/s\n", threads * count,
	       unexpected, seconds, (double)(threads * count) / seconds);
	return unexpected ? 1 : 0;
}
