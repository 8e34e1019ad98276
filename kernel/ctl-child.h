/* SPDX-License-Identifier: MIT */
/*
 * ctl-child: requests that change the kernel's audit state, sent from a
 * short-lived child process on a netlink socket of its own.
 *
 *   daemon --fork--> child: open socket, send each request, write each
 *      ^                    result to a pipe, _exit
 *      +---- results (pipe), waitpid
 *
 * Why. The kernel does not audit the registered audit daemon's own system
 * calls while any rule is loaded (kernel/auditsc.c, __audit_syscall_entry:
 * auditd_test_task). A CONFIG_CHANGE record that needle's own request
 * makes then has no system call to belong to: an event of one record that
 * never gets its EOE, which needle would write as partial after
 * event_timeout (or lose at stop) and count as lost. Sent from another
 * process, the same request is an ordinary audited system call:
 * CONFIG_CHANGE, SYSCALL, PROCTITLE and EOE, one whole event.
 *
 * Registering and unregistering stay with the daemon itself (the kernel
 * takes the pid of the process that asks).
 */
#ifndef NEEDLE_CTL_CHILD_H
#define NEEDLE_CTL_CHILD_H

#include <linux/audit.h>
#include <stddef.h>

enum ctl_op {
	CTL_SET,      /* AUDIT_SET of status */
	CTL_ADD_RULE, /* rule, size */
	CTL_DEL_RULE, /* rule, size */
	CTL_DEL_KEY,  /* every rule with key (NULL: every rule) */
	CTL_LOCK,     /* enabled 2, until reboot (audit_ctl_lock) */
	CTL_LOCK_LOGINUID, /* loginuid immutable, until reboot */
};

struct ctl_request {
	enum ctl_op op;
	struct audit_status status;
	const struct audit_rule_data *rule;
	size_t size;
	const char *key;
	int result;      /* out: 0 or -errno (the kernel's answer) */
	unsigned count;  /* out, CTL_DEL_KEY: rules deleted */
};

/* Sends the requests in order from a child process and fills in each
 * result. Returns 0 when the child ran (each request has its own result;
 * one the child did not get to has -EIO), or -errno when no child could
 * be started (nothing was sent). Main thread; waits for the child. */
int ctl_child_run(struct ctl_request *reqs, unsigned n);

#endif
