/* SPDX-License-Identifier: MIT */
#include "caps.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

bool caps_have(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3 ||
	    syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* What each mode cannot do without, and why (the kernel's checks are in
 * audit_netlink_ok() and audit_bind(), kernel/audit.c). */
static const struct {
	int cap;
	const char *name, *setpriv, *why;
	bool unicast, multicast;
} needed[] = {
	{ CAP_AUDIT_CONTROL, "CAP_AUDIT_CONTROL", "audit_control",
	  "to read the kernel's audit status and, in unicast mode, register as its audit daemon "
	  "and set its settings and rules",
	  true, true },
	{ CAP_AUDIT_READ, "CAP_AUDIT_READ", "audit_read",
	  "to join the kernel's read-only audit group (mode = multicast)", false, true },
};

bool caps_check_needed(bool multicast, char *err, size_t err_size)
{
	char names[128] = "", grant[128] = "", why[512] = "";
	unsigned missing = 0;

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (!(multicast ? needed[i].multicast : needed[i].unicast) ||
		    caps_have(needed[i].cap))
			continue;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 missing ? " and " : "", needed[i].name);
		snprintf(grant + strlen(grant), sizeof(grant) - strlen(grant), "%s+%s",
			 missing ? "," : "", needed[i].setpriv);
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s %s",
			 missing ? "; " : "", needed[i].name, needed[i].why);
		missing++;
	}
	if (!missing)
		return true;
	snprintf(err, err_size,
		 "'needle run' needs the capabilit%s %s, which this process does not have (%s). "
		 "Run it as root (sudo), as needle.service does, or with %s granted, e.g. "
		 "setpriv --inh-caps=%s --ambient-caps=%s",
		 missing > 1 ? "ies" : "y", names, why, missing > 1 ? "them" : "it", grant, grant);
	return false;
}

void caps_describe_missing_wanted(bool process_context, char *buf, size_t size)
{
	bool ptrace = process_context && !caps_have(CAP_SYS_PTRACE);
	bool net = !caps_have(CAP_NET_ADMIN);

	snprintf(buf, size, "%s%s%s",
		 ptrace ? "CAP_SYS_PTRACE (the process context leaves out the exe and the "
			  "container of processes needle does not own)"
			: "",
		 ptrace && net ? "; " : "",
		 net ? "CAP_NET_ADMIN (socket_buffer cannot exceed /proc/sys/net/core/rmem_max)"
		     : "");
}
