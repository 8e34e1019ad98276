/* SPDX-License-Identifier: MIT */
#include "boothold.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool boothold_from_cmdline(const char *cmdline)
{
	bool held = false;
	const char *p = cmdline;

	while (*p) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		/* "--" ends the kernel's own parameters (the rest is init's). */
		if (len == 2 && strncmp(p, "--", 2) == 0)
			break;
		if (len > 6 && strncmp(p, "audit=", 6) == 0) {
			size_t vlen = len - 6;

			/* audit_enable(): "on"/"1" on, anything else off. */
			held = (vlen == 1 && p[6] == '1') ||
			       (vlen == 2 && strncasecmp(p + 6, "on", 2) == 0);
		}
		p += len;
	}
	return held;
}

int boothold_read(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/cmdline", "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return boothold_from_cmdline(buf);
}
