/* SPDX-License-Identifier: MIT */
/*
 * bench-nats.c: a nats-server for the runs of "needle-nats" (bench-nats.h).
 */
#include "bench-nats.h"
#include "loopback.h"

#include <errno.h>
#include <nats/nats.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t server_pid;
static char server_url[64];

int bench_nats_url(const char *top, char *url, size_t size, char *err, size_t err_size)
{
	char dir[600], log[600], port_text[16];
	unsigned port;

	if (server_pid) {
		snprintf(url, size, "%s", server_url);
		return 0;
	}
	port = loopback_free_port();
	if (!port) {
		snprintf(err, err_size, "nats-server: no free port: %s", strerror(errno));
		return -EADDRINUSE;
	}
	snprintf(dir, sizeof(dir), "%s/nats", top);
	snprintf(log, sizeof(log), "%s/nats.log", top);
	snprintf(port_text, sizeof(port_text), "%u", port);
	server_pid = fork();
	if (server_pid < 0) {
		server_pid = 0;
		snprintf(err, err_size, "fork: %s", strerror(errno));
		return -errno;
	}
	if (server_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		setpgid(0, 0); /* a Ctrl-C reaches needle-bench, which stops it */
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* and a needle-bench killed takes it along */
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port_text, "-sd",
		       dir, (char *)NULL);
		fprintf(stderr, "cannot run nats-server: %s (Debian package nats-server)\n",
			strerror(errno));
		_exit(127);
	}
	for (unsigned i = 0; i < 200 && !loopback_listening(port); i++) {
		struct timespec ts = { 0, 25000000 };
		int status;

		if (waitpid(server_pid, &status, WNOHANG) == server_pid) {
			server_pid = 0;
			snprintf(err, err_size, "nats-server exited at start; see %s", log);
			return -ECHILD;
		}
		nanosleep(&ts, NULL);
	}
	if (!loopback_listening(port)) {
		bench_nats_stop();
		snprintf(err, err_size, "nats-server did not listen within 5 s; see %s", log);
		return -ETIMEDOUT;
	}
	snprintf(server_url, sizeof(server_url), "nats://127.0.0.1:%u", port);
	snprintf(url, size, "%s", server_url);
	return 0;
}

static int server_cpu(double *ret)
{
	char path[64];
	unsigned long utime, stime;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)server_pid);
	if (!(f = fopen(path, "re")))
		return -errno;
	/* comm (field 2) is "(nats-server)": no space to trip the scan. */
	n = fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
		   &stime);
	fclose(f);
	if (n != 2)
		return -EPROTO;
	*ret = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	return 0;
}

/* The messages of every stream of the server, through libnats. */
static int server_messages(uint64_t *ret, char *err, size_t err_size)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsStreamInfoList *list = NULL;
	natsStatus s;

	*ret = 0;
	s = natsConnection_ConnectTo(&nc, server_url);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK)
		s = js_Streams(&list, js, NULL, NULL);
	if (s == NATS_NOT_FOUND) /* no stream yet */
		s = NATS_OK;
	for (int i = 0; s == NATS_OK && list && i < list->Count; i++)
		*ret += list->List[i]->State.Msgs;
	if (s != NATS_OK)
		snprintf(err, err_size, "nats-server %s: stream state: %s", server_url,
			 natsStatus_GetText(s));
	jsStreamInfoList_Destroy(list);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	return s == NATS_OK ? 0 : -EIO;
}

int bench_nats_sample(struct bench_nats_sample *ret, char *err, size_t err_size)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!server_pid) {
		snprintf(err, err_size, "nats-server is not running");
		return -ESRCH;
	}
	if ((r = server_cpu(&ret->cpu_seconds)) < 0) {
		snprintf(err, err_size, "nats-server pid %d: CPU time: %s", (int)server_pid,
			 strerror(-r));
		return r;
	}
	return server_messages(&ret->messages, err, err_size);
}

void bench_nats_stop(void)
{
	if (!server_pid)
		return;
	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	server_pid = 0;
}
