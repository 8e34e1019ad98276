/* SPDX-License-Identifier: MIT */
#include "caps.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
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

/* What a program run as root commonly relies on for files and identity
 * (laurel: CHOWN, FOWNER, SETUID, SETGID, DAC_READ_SEARCH), as plugins
 * are. Only these are named: a container's bounding set may lack others
 * (CAP_SYS_RESOURCE on these test machines) that no plugin misses. */
static const struct {
	int cap;
	const char *name;
} plugin_wants[] = {
	{ CAP_CHOWN, "CAP_CHOWN" },     { CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
	{ CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" }, { CAP_FOWNER, "CAP_FOWNER" },
	{ CAP_SETUID, "CAP_SETUID" },   { CAP_SETGID, "CAP_SETGID" },
};

void caps_describe_sandbox(char *buf, size_t size)
{
	const char *lacks[sizeof(plugin_wants) / sizeof(plugin_wants[0])];
	size_t missing = 0;
	struct statvfs root;
	bool ro = statvfs("/", &root) == 0 && (root.f_flag & ST_RDONLY);
	char names[160] = "";

	for (size_t i = 0; i < sizeof(plugin_wants) / sizeof(plugin_wants[0]); i++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)plugin_wants[i].cap, 0, 0, 0) == 0)
			lacks[missing++] = plugin_wants[i].name;
	for (size_t i = 0; i < missing; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 !i ? "" : i + 1 == missing ? " and " : ", ", lacks[i]);
	buf[0] = '\0';
	if (missing)
		snprintf(buf, size,
			 "needle's capability bounding set lacks %s (a plugin started as root gets no "
			 "capability outside it)",
			 names);
	if (ro)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s/ is read-only",
			 missing ? " and " : "");
}
