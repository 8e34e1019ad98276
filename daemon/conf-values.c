/* SPDX-License-Identifier: MIT */
/*
 * conf-values: the values of the disk keys that are more than a number or
 * a choice (and the plain decimal number under several): a free-space threshold (space_left, admin_space_left: MiB, or
 * a percentage of log_dir's file system, as auditd takes them) and a
 * group (log_group: a name of this machine, or a number). The table's
 * rows name the checks (conf.h); conf-stages.c reads the values with the
 * same functions.
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int conf_parse_decimal(const char *v, uint64_t *ret)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = n;
	return 0;
}

int conf_space(const char *text, uint64_t *ret_mib, unsigned *ret_percent)
{
	size_t len = strlen(text);
	uint64_t n;
	char num[16];

	if (len && text[len - 1] == '%') {
		if (len - 1 >= sizeof(num))
			return -EINVAL;
		memcpy(num, text, len - 1);
		num[len - 1] = '\0';
		if (conf_parse_decimal(num, &n) < 0 || n < 1 || n > 99)
			return -EINVAL;
		*ret_mib = 0;
		*ret_percent = (unsigned)n;
		return 0;
	}
	if (conf_parse_decimal(text, &n) < 0 || n > (1ull << 30))
		return -EINVAL;
	*ret_mib = n;
	*ret_percent = 0;
	return 0;
}

const char *conf_check_space(const struct conf_key_info *key, const char *text, uint64_t n,
			       char *buf, size_t size)
{
	uint64_t mib;
	unsigned percent;

	if (conf_space(text, &mib, &percent) == 0)
		return NULL;
	snprintf(buf, size, "'%s' is not MiB (0 to 1073741824) or a percentage of log_dir's "
		 "file system (1%% to 99%%)", text);
	return buf;
}

int conf_group_id(const char *text, uint32_t *ret_gid)
{
	struct group gr, *found = NULL;
	char buf[4096];
	uint64_t n;

	if (conf_parse_decimal(text, &n) == 0 && n < UINT32_MAX) {
		*ret_gid = (uint32_t)n;
		return 0;
	}
	if (getgrnam_r(text, &gr, buf, sizeof(buf), &found) != 0 || !found)
		return -ENOENT;
	*ret_gid = (uint32_t)found->gr_gid;
	return 0;
}

const char *conf_check_group(const struct conf_key_info *key, const char *text, uint64_t n,
			       char *buf, size_t size)
{
	uint32_t gid;

	if (text[0] && conf_group_id(text, &gid) == 0)
		return NULL;
	snprintf(buf, size, "'%s' is not a group of this machine (a name from /etc/group, or a "
		 "number)", text);
	return buf;
}
