/* SPDX-License-Identifier: MIT */
#include "ctl-child.h"
#include "audit-ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

struct result {
	int result;
	unsigned count;
};

static void child_main(int out, const struct ctl_request *reqs, unsigned n)
{
	struct audit_ctl *ctl = audit_ctl_open();

	for (unsigned i = 0; i < n; i++) {
		struct result res = { -EIO, 0 };
		const struct ctl_request *q = &reqs[i];

		if (!ctl)
			res.result = -errno;
		else if (q->op == CTL_SET)
			res.result = audit_ctl_set(ctl, &q->status);
		else if (q->op == CTL_ADD_RULE)
			res.result = audit_ctl_add_rule(ctl, q->rule, q->size);
		else if (q->op == CTL_DEL_RULE)
			res.result = audit_ctl_del_rule(ctl, q->rule, q->size);
		else if (q->op == CTL_DEL_KEY)
			res.result = audit_ctl_del_rules_with_key(ctl, q->key, &res.count);
		else if (q->op == CTL_LOCK)
			res.result = audit_ctl_lock(ctl);
		else
			res.result = audit_ctl_lock_loginuid(ctl);
		if (write(out, &res, sizeof(res)) != sizeof(res))
			break;
	}
	_exit(0);
}

int ctl_child_run(struct ctl_request *reqs, unsigned n)
{
	int fds[2], status;
	unsigned got = 0;
	pid_t pid;

	for (unsigned i = 0; i < n; i++) {
		reqs[i].result = -EIO;
		reqs[i].count = 0;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], reqs, n);
	}
	close(fds[1]);
	while (got < n) {
		struct result res;
		ssize_t r = read(fds[0], &res, sizeof(res));

		if (r < 0 && errno == EINTR)
			continue;
		if (r != sizeof(res))
			break; /* the child died: the rest keep -EIO */
		reqs[got].result = res.result;
		reqs[got].count = res.count;
		got++;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
