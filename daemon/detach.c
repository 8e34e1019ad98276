/* SPDX-License-Identifier: MIT */
#include "detach.h"
#include "say.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int detach_start(int ok_status, int fail_status, int *ret_ready_fd)
{
	int fds[2], r;
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = -errno;
		say("cannot detach: %s", strerror(-r));
		return r;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		say("cannot detach: %s", strerror(-r));
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) == 1 && c == '0') {
			printf("needle: collecting in the background, pid %d\n", (int)pid);
			fflush(stdout);
			_exit(ok_status);
		}
		_exit(fail_status);
	}
	close(fds[0]);
	setsid();
	*ret_ready_fd = fds[1];
	return 0;
}

void detach_ready(int *ready_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (write(*ready_fd, "0", 1) < 0) {
		/* The parent is gone; nothing to tell. */
	}
	close(*ready_fd);
	*ready_fd = -1;
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
}
